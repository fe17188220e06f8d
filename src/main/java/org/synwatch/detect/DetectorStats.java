package org.synwatch.detect;

/** Read-only view of the detector's counters, safe to read from any thread. */
public interface DetectorStats {
    long newConnections(int family);

    long retransmissions();

    long scansDetected();

    long trackedPairs();

    long evictedPairs();
}
