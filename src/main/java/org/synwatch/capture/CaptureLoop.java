package org.synwatch.capture;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.synwatch.packet.FragmentTable;
import org.synwatch.packet.LinkType;
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
    /** How long a live stop goes on reading what the kernel holds: many times the kernel's block timeout. */
    private static final long DRAIN_MILLIS = 25L * PcapHandle.BLOCK_TIMEOUT_MILLIS;
    private static final Logger LOG = LoggerFactory.getLogger(CaptureLoop.class);
    private final PcapHandle handle;
    private final LinkType linkType;
    private final SynRing ring;
    private final CaptureCounters counters;
    private final boolean lossless;
    private final PacketParser parser;
    private final SynHeader scratch = new SynHeader();
    private boolean truncationReported;
    private long statsReadAt = System.nanoTime();
    private volatile boolean stopRequested;

    /**
     * @param linkType the handle's link type, as {@link PcapHandle#linkType} resolved it
     * @param lossless wait for the detector when the ring is full (replaying a file) instead of
     *                 dropping (live capture, where waiting would only overflow the kernel buffer)
     * @param maxFragmentSets incomplete IPv4 datagrams held at once ({@link FragmentTable})
     */
    public CaptureLoop(PcapHandle handle, LinkType linkType, SynRing ring, CaptureCounters counters,
                       boolean lossless, int maxFragmentSets) {
        this.handle = handle;
        this.linkType = linkType;
        this.parser = new PacketParser(new FragmentTable(maxFragmentSets, counters.fragments));
        this.ring = ring;
        this.counters = counters;
        this.lossless = lossless;
    }

    public void run() throws PcapException {
        while (!stopRequested) {
            int status = handle.next();
            if (status == PcapHandle.END) {
                break;
            }
            if (!lossless && System.nanoTime() - statsReadAt >= STATS_INTERVAL_NANOS) {
                readKernelStats();
            }
            if (status == PcapHandle.PACKET) {
                handlePacket();
            }
        }
        if (!lossless) {
            drainAfterStop();
            readKernelStats();
        }
    }

    /**
     * A stop must not lose what the kernel already captured: the packets left in the block being
     * read, and those in the block still open, which the kernel retires within the block timeout.
     * An idle link retires no block, so a read would wait forever: a timer breaks the loop once
     * more after {@link #DRAIN_MILLIS}, which also bounds a stop under a flood.
     */
    private void drainAfterStop() throws PcapException {
        AtomicBoolean drained = new AtomicBoolean();
        Thread timer = Thread.ofPlatform().name("synwatch-capture-drain").daemon().start(() -> {
            try {
                Thread.sleep(DRAIN_MILLIS);
            } catch (InterruptedException e) {
                return;   // the drain ended by itself
            }
            drained.set(true);
            handle.breakLoop();
        });
        try {
            while (true) {
                int status = handle.next();
                if (status == PcapHandle.PACKET) {
                    handlePacket();
                } else if (status == PcapHandle.TIMEOUT || drained.get()) {
                    // TIMEOUT: nothing more (immediate mode's timer); END before the timer is the stop's own break.
                    return;
                }
            }
        } finally {
            timer.interrupt();
        }
    }

    private void handlePacket() {
        counters.captured.increment();
        scratch.timestampMicros = handle.timestampMicros();
        int capturedLength = handle.capturedLength();
        ParseOutcome outcome = parser.parse(PcapHandle.MEMORY, handle.packetAddress(), capturedLength,
                linkType, scratch);
        switch (outcome) {
            case PURE_SYN -> {
                counters.syns.increment();
                if (lossless ? ring.publish(scratch) : ring.tryPublish(scratch)) {
                    counters.parsed.increment();
                }
            }
            case IGNORED -> counters.parsed.increment();
            case MALFORMED -> counters.malformed.increment();
            case TRUNCATED -> truncated(capturedLength);
        }
    }

    private void truncated(int capturedLength) {
        counters.truncated.increment();
        if (!truncationReported) {
            truncationReported = true;
            LOG.warn("IPv6 extension headers ran past the {} captured bytes of a packet from {}: a SYN behind such"
                    + " a chain is missed (counted in synwatch_packets_truncated_total); a larger snaplen is needed",
                    capturedLength, handle.source());
        }
    }

    /**
     * pcap_stats is read here, on the capture thread, because libpcap handles are not thread-safe;
     * the metrics thread only reads the copies. A quiet link blocks this thread, so the copies are
     * refreshed once a second while packets arrive, and once more when capture stops.
     */
    private void readKernelStats() throws PcapException {
        statsReadAt = System.nanoTime();
        CaptureStats stats = handle.stats();
        counters.kernelDrops.set(stats.kernelDrops());
        counters.interfaceDrops.set(stats.interfaceDrops());
    }

    /** Makes {@link #run} return soon, from any thread, even if the link is idle. */
    public void requestStop() {
        stopRequested = true;
        handle.breakLoop();
    }
}
