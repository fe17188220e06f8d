package org.synwatch.block;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Runs nft command text (a script, as {@code nft -f} reads it) and returns nft's status and
 * error; and lists in JSON as a stream. Package-private so tests can stand in for nft.
 */
interface NftExecutor extends AutoCloseable {
    record Reply(int status, String error) {
    }

    /** Reads a JSON listing; it must not keep the stream. */
    interface ListingReader {
        void read(InputStream json) throws IOException;
    }

    Reply execute(String commands) throws FirewallException;

    /**
     * Runs {@code nft -j WORDS} (e.g. {@code list set inet synwatch blocked4}) and hands its output to
     * {@code reader} as a stream, so a listing of any size is read in constant memory.
     */
    void listJson(List<String> words, ListingReader reader) throws FirewallException;

    /** Names the mechanism in logs: the library or the command. */
    String describe();

    @Override
    void close();
}
