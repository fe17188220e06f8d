package org.synwatch.block;

import java.util.Locale;

/** The blocker's counters, readable from any thread. */
public interface BlockStats {
    /**
     * Outcomes of block decisions, as the {@code result} label of synwatch_blocks_total. Those with
     * a reason are printed as {@code Not blocking ADDR: REASON}.
     */
    enum Result {
        ADDED(null),
        ALLOWLISTED("allowlisted"),
        OWN_ADDRESS("own address"),
        GATEWAY("gateway"),
        NAME_SERVER("name server"),
        ESTABLISHED("established connection"),
        RATE_LIMIT("rate limit"),
        SET_FULL("set full"),
        /** Still in synwatch's set from an earlier detection: nothing to do, nothing printed. */
        ALREADY_BLOCKED(null),
        DRY_RUN(null),
        FAILED(null);

        private final String reason;

        Result(String reason) {
            this.reason = reason;
        }

        /** The words after {@code Not blocking ADDR: }, or null for outcomes that are not refusals. */
        public String reason() {
            return reason;
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    long blocks(Result result);

    /** Addresses in synwatch's sets, as counted by what synwatch added and the kernel expired, or -1 if never looked. */
    long blockedSources();
}
