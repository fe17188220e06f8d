package org.synwatch.block;

/** Runs nft command text (a script, as {@code nft -f} reads it) and returns nft's status and replies. */
interface NftExecutor extends AutoCloseable {
    record Reply(int status, String output, String error) {
    }

    Reply execute(String commands) throws FirewallException;

    /** Names the mechanism in logs: the library or the command. */
    String describe();

    @Override
    void close();
}
