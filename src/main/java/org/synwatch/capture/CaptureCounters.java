package org.synwatch.capture;

import java.util.concurrent.atomic.AtomicLong;

/** What the capture loop saw, readable from any thread. captured = syns + ignored + malformed. */
public final class CaptureCounters {
    final AtomicLong captured = new AtomicLong();
    final AtomicLong syns = new AtomicLong();
    final AtomicLong ignored = new AtomicLong();
    final AtomicLong malformed = new AtomicLong();
    final AtomicLong kernelDrops = new AtomicLong();
    final AtomicLong interfaceDrops = new AtomicLong();

    public long captured() {
        return captured.get();
    }

    public long syns() {
        return syns.get();
    }

    public long ignored() {
        return ignored.get();
    }

    public long malformed() {
        return malformed.get();
    }

    /** Dropped by the kernel for lack of buffer space (pcap_stats ps_drop); live capture only. */
    public long kernelDrops() {
        return kernelDrops.get();
    }

    /** Dropped by the interface or its driver (pcap_stats ps_ifdrop); live capture only. */
    public long interfaceDrops() {
        return interfaceDrops.get();
    }
}
