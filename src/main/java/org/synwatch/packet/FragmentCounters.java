package org.synwatch.packet;

/** What became of the incomplete IPv4 datagrams the {@link FragmentTable} held. */
public final class FragmentCounters {
    /** Label values of {@code synwatch_fragments_total{result=...}}. */
    public enum Result {
        /** A TCP header's first 14 bytes completed from two or more fragments. */
        REASSEMBLED,
        /** Dropped 30 s (packet time) after its first fragment, still incomplete. */
        EXPIRED,
        /** Dropped because a fragment overlapped bytes already received, as Linux drops it. */
        OVERLAP,
        /** Dropped, oldest first, to make room at --max-fragment-sets. */
        EVICTED
    }

    private final SingleWriterCounter[] counts = new SingleWriterCounter[Result.values().length];

    public FragmentCounters() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new SingleWriterCounter();
        }
    }

    /** Capture thread only. */
    void increment(Result result) {
        counts[result.ordinal()].increment();
    }

    public long get(Result result) {
        return counts[result.ordinal()].get();
    }
}
