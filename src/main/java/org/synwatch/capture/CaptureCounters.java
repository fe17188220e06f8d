package org.synwatch.capture;

import org.synwatch.packet.FragmentCounters;
import org.synwatch.packet.SingleWriterCounter;

/**
 * What the capture loop saw, readable from any thread; the capture thread is the only writer.
 * Every captured packet is counted once: captured = parsed + malformed + truncated + dropped by the
 * ring, where parsed covers the pure SYNs handed to the ring and the packets that parsed fine but
 * were not pure SYNs (fragments included).
 */
public final class CaptureCounters {
    final SingleWriterCounter captured = new SingleWriterCounter();
    final SingleWriterCounter parsed = new SingleWriterCounter();
    final SingleWriterCounter syns = new SingleWriterCounter();
    final SingleWriterCounter malformed = new SingleWriterCounter();
    final SingleWriterCounter truncated = new SingleWriterCounter();
    final SingleWriterCounter kernelDrops = new SingleWriterCounter();
    final SingleWriterCounter interfaceDrops = new SingleWriterCounter();
    final FragmentCounters fragments = new FragmentCounters();

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

    /** Packets whose IPv6 extension headers ran past the captured bytes (the snaplen). */
    public long truncated() {
        return truncated.get();
    }

    /** Incomplete IPv4 datagrams by what became of them. */
    public long fragments(FragmentCounters.Result result) {
        return fragments.get(result);
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
