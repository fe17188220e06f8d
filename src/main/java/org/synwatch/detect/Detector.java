package org.synwatch.detect;

import java.util.concurrent.atomic.AtomicLong;
import org.synwatch.config.DetectionSettings;
import org.synwatch.packet.SynHeader;

/**
 * Turns the stream of pure SYNs into new-connection and port-scan verdicts. Packet time is the only
 * clock, so a replay gives the same verdicts as the live capture did. Confined to one thread; only
 * the counters are shared.
 */
public final class Detector implements DetectorStats {
    /** A SYN for a 4-tuple seen less than this long before is the kernel retrying, not a new attempt. */
    public static final long RETRANSMISSION_HORIZON_MICROS = 60_000_000L;
    /** Idle pairs retired per SYN; a small constant keeps the cost per packet flat. */
    private static final int EXPIRIES_PER_SYN = 2;
    /** Keeps the retransmission table's arrays within Java's array limit. */
    private static final int MAX_RECENT_SYNS = 1 << 28;

    private final ScanListener listener;
    private final int portThreshold;
    private final long windowMicros;
    private final long idleMicros;
    private final PairTable pairs;
    private final RecentSyns recentSyns;
    private final int[] scanPorts;

    private final AtomicLong newIpv4 = new AtomicLong();
    private final AtomicLong newIpv6 = new AtomicLong();
    private final AtomicLong retransmissions = new AtomicLong();
    private final AtomicLong scans = new AtomicLong();
    private final AtomicLong trackedPairs = new AtomicLong();
    private final AtomicLong evictedPairs = new AtomicLong();
    private final AtomicLong forgottenSyns = new AtomicLong();

    public Detector(DetectionSettings settings, ScanListener listener) {
        this.listener = listener;
        this.portThreshold = settings.portThreshold();
        this.windowMicros = settings.windowMicros();
        this.idleMicros = Math.max(windowMicros, RETRANSMISSION_HORIZON_MICROS);
        this.pairs = new PairTable(settings.maxTrackedPairs(), portThreshold + 1);
        // Two entries per pair slot to start with; up to four per allowed pair if the SYN rate needs it.
        this.recentSyns = new RecentSyns(pairs, 2 * pairs.slotCapacity(),
                (int) Math.min(MAX_RECENT_SYNS, 4L * settings.maxTrackedPairs()));
        this.scanPorts = new int[portThreshold + 1];
    }

    public void onSyn(SynHeader syn) {
        long now = syn.timestampMicros;
        pairs.expireIdle(now - idleMicros, EXPIRIES_PER_SYN);
        int capacityBefore = pairs.slotCapacity();
        int slot = pairs.touch(syn.family, syn.srcHi, syn.srcLo, syn.dstHi, syn.dstLo, now);
        if (pairs.slotCapacity() != capacityBefore) {
            recentSyns.ensureEntries(2 * pairs.slotCapacity());
        }
        trackedPairs.lazySet(pairs.size());
        evictedPairs.lazySet(pairs.evictions());
        if (recentSyns.seenWithin(slot, pairs.generation(slot), syn.srcPort, syn.dstPort, now,
                RETRANSMISSION_HORIZON_MICROS)) {
            retransmissions.incrementAndGet();
            return;
        }
        forgottenSyns.lazySet(recentSyns.freshEvictions());
        (syn.family == SynHeader.IPV4 ? newIpv4 : newIpv6).incrementAndGet();
        listener.newConnection(syn);
        int ports = pairs.recordNewConnection(slot, syn.dstPort, now, windowMicros);
        if (ports > portThreshold && !pairs.episodeActive(slot)) {
            pairs.startEpisode(slot);
            scans.incrementAndGet();
            listener.portScan(syn, scanPorts, pairs.sortedPorts(slot, scanPorts));
        }
    }

    @Override
    public long newConnections(int family) {
        return (family == SynHeader.IPV4 ? newIpv4 : newIpv6).get();
    }

    @Override
    public long retransmissions() {
        return retransmissions.get();
    }

    @Override
    public long scansDetected() {
        return scans.get();
    }

    @Override
    public long trackedPairs() {
        return trackedPairs.get();
    }

    @Override
    public long evictedPairs() {
        return evictedPairs.get();
    }

    @Override
    public long forgottenSyns() {
        return forgottenSyns.get();
    }
}
