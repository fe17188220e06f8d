package org.synwatch.detect;

/** Read-only view of the detector's counters and bounds, safe to read from any thread. */
public interface DetectorStats {
    /** Why a pair left the table at the cap, before it went idle. */
    enum Eviction {
        /** One port or none in the window: the usual victim. */
        SINGLE_PORT,
        /** Two or more ports in the window: only when no single-port pair was left. */
        MULTI_PORT
    }

    long newConnections(int family);

    long retransmissions();

    long scansDetected();

    long trackedPairs();

    /** The bound on {@link #trackedPairs()}: --max-tracked-pairs. */
    long trackedPairsLimit();

    long evictedPairs(Eviction kind);

    /** Connection 4-tuples held by the retransmission table, fresh or awaiting its sweep. */
    long trackedSyns();

    /** Up to this many 4-tuples of the last 60 s are remembered exactly: --max-tracked-syns. */
    long trackedSynsLimit();

    /** 4-tuples forgotten within the retransmission horizon because that table was at its bound. */
    long forgottenSyns();

    /** Packets stamped earlier than the packet before them: the capture's clock stepped back. */
    long clockSteps();
}
