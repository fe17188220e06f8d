package org.synwatch.capture;

import org.synwatch.packet.PacketParser;
import org.synwatch.packet.ParseOutcome;
import org.synwatch.packet.SynHeader;
import org.synwatch.ring.SynRing;

/**
 * Reads packets until the source ends or a stop is requested, parses each in place and publishes
 * pure SYNs to the ring. Runs on one thread; nothing per packet allocates or throws.
 */
public final class CaptureLoop {
    private static final long STATS_INTERVAL_NANOS = 1_000_000_000L;
    private final PcapHandle handle;
    private final SynRing ring;
    private final CaptureCounters counters;
    private final boolean lossless;
    private final SynHeader scratch = new SynHeader();
    private long statsReadAt = System.nanoTime();
    private volatile boolean stopRequested;

    /**
     * @param lossless wait for the detector when the ring is full (replaying a file) instead of
     *                 dropping (live capture, where waiting would only overflow the kernel buffer)
     */
    public CaptureLoop(PcapHandle handle, SynRing ring, CaptureCounters counters, boolean lossless) {
        this.handle = handle;
        this.ring = ring;
        this.counters = counters;
        this.lossless = lossless;
    }

    public void run() throws PcapException {
        int linkType = handle.linkType();
        while (!stopRequested) {
            int status = handle.next();
            if (status == PcapHandle.END) {
                if (!lossless) {
                    readKernelStats();
                }
                return;
            }
            if (!lossless && System.nanoTime() - statsReadAt >= STATS_INTERVAL_NANOS) {
                readKernelStats();
            }
            if (status == PcapHandle.PACKET) {
                counters.captured.incrementAndGet();
                ParseOutcome outcome = PacketParser.parse(PcapHandle.MEMORY, handle.packetAddress(),
                        handle.capturedLength(), linkType, scratch);
                switch (outcome) {
                    case PURE_SYN -> {
                        counters.syns.incrementAndGet();
                        scratch.timestampMicros = handle.timestampMicros();
                        if (lossless ? ring.publish(scratch) : ring.tryPublish(scratch)) {
                            counters.parsed.incrementAndGet();
                        }
                    }
                    case IGNORED -> counters.parsed.incrementAndGet();
                    case MALFORMED -> counters.malformed.incrementAndGet();
                }
            }
        }
    }

    /**
     * pcap_stats is read here, on the capture thread, because libpcap handles are not thread-safe;
     * the metrics thread only reads the copies. A quiet link blocks this thread, so the copies are
     * refreshed once a second while packets arrive, and once more when capture stops.
     */
    private void readKernelStats() throws PcapException {
        statsReadAt = System.nanoTime();
        long[] stats = handle.stats();
        counters.kernelDrops.set(stats[1]);
        counters.interfaceDrops.set(stats[2]);
    }

    /** Makes {@link #run} return soon, from any thread, even if the link is idle. */
    public void requestStop() {
        stopRequested = true;
        handle.breakLoop();
    }
}
