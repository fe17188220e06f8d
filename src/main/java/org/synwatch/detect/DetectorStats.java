package org.synwatch.detect;

/** Read-only view of the detector's counters, safe to read from any thread. */
public interface DetectorStats {
    long newConnections(int family);

    long retransmissions();

    long scansDetected();

    long trackedPairs();

    long evictedPairs();

    /** 4-tuples forgotten within the retransmission horizon because that table was at its bound. */
    long forgottenSyns();
}
