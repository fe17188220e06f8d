package org.synwatch.block;

/** nft could not do what was asked; the message carries nft's own words. */
public final class FirewallException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The operator's next step differs between these. */
    public enum Problem { NFT_MISSING, NOT_PERMITTED, TABLE_MISSING, SET_FULL, OTHER }

    private final Problem problem;

    public FirewallException(Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
