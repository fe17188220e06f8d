package org.synwatch.block;

/** The blocker's counters, readable from any thread. */
public interface BlockStats {
    /** Outcomes of block decisions, as the {@code result} label of synwatch_blocks_total. */
    enum Result { ADDED, ALLOWLISTED, DRY_RUN, FAILED }

    long blocks(Result result);

    /** Addresses in synwatch's sets at the last look, or -1 if never looked. */
    long blockedSources();
}
