package org.synwatch.capture;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the capture loop saw, readable from any thread. Every captured packet is counted once:
 * captured = parsed + malformed + dropped by the ring, where parsed covers the pure SYNs handed to
 * the ring and the packets that parsed fine but were not pure SYNs.
 */
public final class CaptureCounters {
    final AtomicLong captured = new AtomicLong();
    final AtomicLong parsed = new AtomicLong();
    final AtomicLong syns = new AtomicLong();
    final AtomicLong malformed = new AtomicLong();
    final AtomicLong kernelDrops = new AtomicLong();
    final AtomicLong interfaceDrops = new AtomicLong();

    public long captured() {
        return captured.get();
    }

    /** Pure SYNs found, whether or not the ring had room for them. */
    public long syns() {
        return syns.get();
    }

    public long parsed() {
        return parsed.get();
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
