package org.synwatch.detect;

import java.util.Arrays;
import org.synwatch.config.Cidr;
import org.synwatch.config.DetectionSettings;
import org.synwatch.packet.SingleWriterCounter;
import org.synwatch.packet.SynHeader;

/**
 * Turns the stream of pure SYNs into new-connection and port-scan verdicts. The rules, in order:
 * <ol>
 *   <li>The clock is packet time, and it never goes backwards: a packet stamped earlier than the
 *       latest time seen counts at that latest time (Zeek's network time does the same), though its
 *       line prints its own stamp. So a replay gives the same verdicts as the live capture did, and
 *       a clock step can neither mix old ports into a window nor hide a connection.</li>
 *   <li>A SYN whose 4-tuple sent one less than {@link #RETRANSMISSION_HORIZON_MICROS} before is the
 *       kernel retrying: neither reported nor counted as a port.</li>
 *   <li>Any other SYN is a new connection, and its destination port joins its (source, destination)
 *       pair's ports; when more than {@code portThreshold} distinct ports are within the window,
 *       the pair is scanning, reported once per episode. An episode ends when the pair has had
 *       no new connection for a full window.</li>
 *   <li>With an IPv6 prefix shorter than 128, the ports of rule 3 are counted per (source prefix,
 *       destination): rotating addresses within one prefix doesn't hide a scan. The scanner named
 *       is the address when one address made all the window's connections, else the prefix.
 *       Retransmissions (rule 2) stay per address.</li>
 * </ol>
 * The tables ({@link PairTable}, and {@link RecentSyns} for rule 2, which a pair's first 4-tuple
 * joins only at the pair's second SYN) have fixed bounds, and the order in which they forget
 * follows packet order alone, so the same input always prints the same lines. Confined to one
 * thread; only the counters are shared.
 */
public final class Detector implements DetectorStats {
    public static final long RETRANSMISSION_HORIZON_MICROS = 60_000_000L;
    /** Queue heads of the pair table looked at per SYN: retires idle pairs at a flat cost per packet. */
    private static final int TIDY_STEPS_PER_SYN = 2;
    /** Pairs keyed by an IPv6 source prefix have a family of their own, so they never meet per-address pairs. */
    private static final int IPV6_PREFIX_FAMILY = 15;
    /** {@code Eviction.values()} clones its array on every call; the per-SYN path reads this copy. */
    private static final Eviction[] EVICTIONS = Eviction.values();
    /** The most SYNs {@link #lookahead} prepares at once. */
    public static final int MAX_LOOKAHEAD = 64;

    private final ScanListener listener;
    private final int portThreshold;
    private final long windowMicros;
    private final PairTable pairs;
    private final RecentSyns recentSyns;
    private final int[] scanPorts;
    private final int maxTrackedSyns;
    private final int ipv6Prefix;
    private final long ipv6MaskHi;
    private final long ipv6MaskLo;
    /**
     * What {@link #lookahead} computed for each SYN of its run, which {@link #onSyn} reuses when the
     * SYN at hand is the run's next: the pair's hash, the slot its index then named and that slot's
     * 4-tuple hash (valid only if the pair still has that slot). Any other SYN is hashed anew.
     */
    private final SynHeader[] prepared = new SynHeader[MAX_LOOKAHEAD];
    private final int[] preparedPairHashes = new int[MAX_LOOKAHEAD];
    private final int[] preparedSlots = new int[MAX_LOOKAHEAD];
    private final long[] preparedTupleHashes = new long[MAX_LOOKAHEAD];
    /** Where {@link PairTable#prefetchOldest} names the oldest pairs, which the run's new pairs will likely evict. */
    private final int[] oldestSlots = new int[MAX_LOOKAHEAD];
    private int preparedCount;
    private int nextPrepared;
    /** What the look-ahead read: kept so that the compiler can't drop the reads. */
    private long lookaheadSink;
    private long latest = Long.MIN_VALUE;
    private long previousStamp = Long.MIN_VALUE;

    private final SingleWriterCounter newIpv4 = new SingleWriterCounter();
    private final SingleWriterCounter newIpv6 = new SingleWriterCounter();
    private final SingleWriterCounter retransmissions = new SingleWriterCounter();
    private final SingleWriterCounter scans = new SingleWriterCounter();
    private final SingleWriterCounter clockSteps = new SingleWriterCounter();
    private final SingleWriterCounter trackedPairs = new SingleWriterCounter();
    private final SingleWriterCounter trackedSyns = new SingleWriterCounter();
    private final SingleWriterCounter[] evictedPairs = {new SingleWriterCounter(), new SingleWriterCounter()};
    private final SingleWriterCounter forgottenSyns = new SingleWriterCounter();

    public Detector(DetectionSettings settings, ScanListener listener) {
        this(settings, listener, Hashing.newKey());
    }

    /** With a given hash key: for tests that show the output does not depend on it. */
    Detector(DetectionSettings settings, ScanListener listener, long hashKey) {
        this.listener = listener;
        this.portThreshold = settings.portThreshold();
        this.windowMicros = settings.windowMicros();
        // Past both, a pair has no port in the window and no 4-tuple that could be retransmitted.
        long idleMicros = Math.max(windowMicros, RETRANSMISSION_HORIZON_MICROS);
        this.ipv6Prefix = settings.ipv6PrefixLength();
        this.ipv6MaskHi = Cidr.maskHi(SynHeader.IPV6, ipv6Prefix);
        this.ipv6MaskLo = Cidr.maskLo(SynHeader.IPV6, ipv6Prefix);
        Hashing.Key key = new Hashing.Key(hashKey);
        this.pairs = new PairTable(settings.maxTrackedPairs(), portThreshold, windowMicros, idleMicros, ipv6Prefix < 128, key);
        this.maxTrackedSyns = settings.maxTrackedSyns();
        this.recentSyns = new RecentSyns(pairs, maxTrackedSyns, RETRANSMISSION_HORIZON_MICROS, key);
        this.scanPorts = new int[PairTable.portSlots(portThreshold) + 1];
    }

    /**
     * Starts the memory loads that handling {@code upcoming[0..count)} will make, all at once and
     * in rounds, so their cache misses overlap: the ring slots (the capture thread wrote them, on
     * another core); the pair index; then the pair records and the 4-tuple buckets. At the cap,
     * what a new pair's eviction reads: the oldest pairs' records and index entries (a new pair's
     * first SYN reads no 4-tuple bucket). On tables larger than the cache, each SYN otherwise waits
     * for its misses in a row. Only reads, so it changes no verdict; a SYN whose pair moves
     * meanwhile, or an eviction guessed wrong, just isn't helped.
     */
    public void lookahead(SynHeader[] upcoming, int count) {
        count = Math.min(count, MAX_LOOKAHEAD);
        long sink = 0;
        for (int i = 0; i < count; i++) {
            SynHeader syn = upcoming[i];
            sink += syn.timestampMicros + syn.dstPort;   // near both ends of the slot: the lines it spans
        }
        for (int i = 0; i < count; i++) {
            SynHeader syn = upcoming[i];
            int h = pairs.hashOf(syn.family, syn.srcHi, syn.srcLo, syn.dstHi, syn.dstLo);
            prepared[i] = syn;
            preparedPairHashes[i] = h;
            sink += pairs.indexEntryAt(h);
        }
        int newPairs = 0;
        for (int i = 0; i < count; i++) {
            int h = preparedPairHashes[i];
            int slot = PairTable.slotIfFor(pairs.indexEntryAt(h), h);
            preparedSlots[i] = slot;
            if (slot == PairTable.NONE) {
                newPairs++;
            } else {
                long tupleHash = recentSyns.hashOf(slot, upcoming[i].srcPort, upcoming[i].dstPort);
                preparedTupleHashes[i] = tupleHash;
                sink += pairs.loadRecord(slot) + recentSyns.prefetch(tupleHash);
            }
        }
        // At the cap each new pair evicts one of the oldest and takes its slot: load what that reads.
        if (newPairs > 0) {
            pairs.prefetchOldest(newPairs, oldestSlots);
        }
        preparedCount = count;
        nextPrepared = 0;
        lookaheadSink += sink;
    }

    public void onSyn(SynHeader syn) {
        long now = clock(syn.timestampMicros);
        pairs.tidy(now, TIDY_STEPS_PER_SYN);
        int run = nextPrepared;
        boolean isPrepared = run < preparedCount && prepared[run] == syn;
        if (isPrepared) {
            nextPrepared = run + 1;
        }
        int pairHash = isPrepared ? preparedPairHashes[run]
                : pairs.hashOf(syn.family, syn.srcHi, syn.srcLo, syn.dstHi, syn.dstLo);
        int slot = pairs.touch(pairHash, syn.family, syn.srcHi, syn.srcLo, syn.dstHi, syn.dstLo, now);
        boolean byPrefix = syn.family == SynHeader.IPV6 && ipv6Prefix < 128;
        // A pair's first SYN can't repeat anything. Unless its ports are counted under a prefix, its
        // 4-tuple then waits in the pair's record until the pair's next SYN: a flood of one-SYN
        // sources never reaches RecentSyns (pairs-3M: 290 ns a SYN instead of 720).
        boolean firstTupleKept = pairs.created() && !byPrefix;
        if (!firstTupleKept) {
            long tupleHash = isPrepared && preparedSlots[run] == slot ? preparedTupleHashes[run]
                    : recentSyns.hashOf(slot, syn.srcPort, syn.dstPort);
            if (seenWithinHorizon(slot, tupleHash, syn.srcPort, syn.dstPort, now)) {
                retransmissions.increment();
                return;
            }
        }
        (syn.family == SynHeader.IPV4 ? newIpv4 : newIpv6).increment();
        listener.newConnection(syn);
        int scanner = slot;
        if (byPrefix) {
            scanner = pairs.touch(IPV6_PREFIX_FAMILY, syn.srcHi & ipv6MaskHi, syn.srcLo & ipv6MaskLo,
                    syn.dstHi, syn.dstLo, now);
            pairs.recordSource(scanner, syn.srcHi, syn.srcLo);
        }
        int ports = pairs.recordNewConnection(scanner, syn.dstPort, now, scanPorts);
        if (firstTupleKept) {
            pairs.keepFirstTuple(slot, syn.srcPort);
        }
        if (ports > portThreshold && !pairs.episodeActive(scanner)) {
            pairs.startEpisode(scanner);
            scans.increment();
            int sourceBits = !byPrefix || pairs.singleSource(scanner, now)
                    ? (syn.family == SynHeader.IPV4 ? 32 : 128) : ipv6Prefix;
            Arrays.sort(scanPorts, 0, ports);
            listener.portScan(syn, sourceBits, scanPorts, ports);
        }
    }

    /**
     * Rule 2 for a SYN whose 4-tuple (of hash {@code tupleHash}) its pair doesn't keep as its first:
     * whether that 4-tuple sent within the horizon. A first 4-tuple still in the pair's record
     * ({@link PairTable#keepFirstTuple}) is compared there, then goes into {@link RecentSyns}, with
     * its own time, or with this SYN's if this repeats it.
     */
    private boolean seenWithinHorizon(int slot, long tupleHash, int srcPort, int dstPort, long now) {
        int generation = pairs.generation(slot);
        long born = pairs.born(slot);
        long first = pairs.takeFirstTuple(slot);
        if (first == ((long) srcPort << 16 | dstPort)) {
            recentSyns.takeIn(tupleHash, slot, generation, srcPort, dstPort, now, now);
            return now - born < RETRANSMISSION_HORIZON_MICROS;
        }
        if (first != PairTable.NONE) {
            int firstSrcPort = (int) (first >>> 16);
            int firstDstPort = (int) first & 0xFFFF;
            recentSyns.takeIn(recentSyns.hashOf(slot, firstSrcPort, firstDstPort), slot, generation,
                    firstSrcPort, firstDstPort, born, now);
        }
        return recentSyns.seenWithin(tupleHash, slot, generation, born, srcPort, dstPort, now);
    }

    /** The detector's time for a packet stamped {@code stamp}: the latest stamp seen so far. */
    private long clock(long stamp) {
        if (stamp < previousStamp) {
            clockSteps.increment();
        }
        previousStamp = stamp;
        latest = Math.max(latest, stamp);
        return latest;
    }

    /**
     * Publishes the tables' sizes and eviction counts for the metrics: at the end of each ring
     * batch, not per SYN, since each store is a release the compiler can't reorder around.
     */
    public void publishTables() {
        trackedPairs.set(pairs.size());
        trackedSyns.set(recentSyns.occupied());
        forgottenSyns.set(recentSyns.forgotten());
        for (Eviction kind : EVICTIONS) {
            evictedPairs[kind.ordinal()].set(pairs.evictions(kind));
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
    public long trackedPairsLimit() {
        return pairs.capacity();
    }

    @Override
    public long evictedPairs(Eviction kind) {
        return evictedPairs[kind.ordinal()].get();
    }

    @Override
    public long trackedSyns() {
        return trackedSyns.get();
    }

    @Override
    public long trackedSynsLimit() {
        return maxTrackedSyns;
    }

    @Override
    public long forgottenSyns() {
        return forgottenSyns.get();
    }

    @Override
    public long clockSteps() {
        return clockSteps.get();
    }
}
