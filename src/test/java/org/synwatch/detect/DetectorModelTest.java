package org.synwatch.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.synwatch.testing.Syns.syn;

import java.lang.reflect.Field;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.synwatch.config.DetectionSettings;
import org.synwatch.packet.SynHeader;

/**
 * Randomized differential tests: the rules of {@link Detector}'s class comment, in plain maps
 * ({@link Rules}), checked verdict by verdict against the detector where
 * {@code DetectorTest.overDaysOfPacketTimeTheVerdictsAreTheRulesOwn} does not reach: IPv6 source
 * prefixes, pair churn below the pair cap, the 4-tuple bound, the look-ahead, and eviction at the
 * cap (which pair goes, and what goes with it). Fixed seeds: every
 * run sees the same SYNs. Each case also checks that its traffic exercised what it is there for.
 */
class DetectorModelTest {
    /** 2021-04-28 15:28:05 UTC. */
    private static final long T0 = 1_619_623_685_000_000L;
    private static final long SECOND = 1_000_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final long HORIZON = Detector.RETRANSMISSION_HORIZON_MICROS;
    /** The most SYNs the ring shows the detector at once. */
    private static final int RUN = 32;

    // ================================================================== the rules, in plain maps

    /** The rules as {@link Detector}'s comment states them: no bound, no layout, no epoch. */
    static final class Rules {
        private final int threshold;
        private final long window;
        private final int prefix;
        private long clock = Long.MIN_VALUE;
        private long previousStamp = Long.MIN_VALUE;
        /** Per 4-tuple (addresses, not prefixes): the clock at its latest SYN. */
        private final Map<String, Long> latestSyn = new HashMap<>();
        /** Per counting pair (source address or IPv6 prefix, destination): port to the clock at its latest new connection. */
        private final Map<String, Map<Integer, Long>> ports = new HashMap<>();
        /** Per prefix pair: source address to the clock at its latest new connection. */
        private final Map<String, Map<String, Long>> sources = new HashMap<>();
        private final Set<String> episodes = new HashSet<>();
        /** Per (prefix pair, source port, destination port): the address and clock of its latest SYN. */
        private final Map<String, Object[]> siblings = new HashMap<>();
        final List<String> verdicts = new ArrayList<>();
        /**
         * With a pair cap ({@link #withCap}; per-address pairs only): each held pair's latest SYN,
         * and its 4-tuples, which leave with it. A pair idle for {@code idle} counts as gone: it has
         * no port in the window and no 4-tuple within the horizon, whether the table retired it yet
         * or not.
         */
        private int cap;
        private long idle;
        private final Map<String, Long> held = new HashMap<>();
        private final Map<String, Set<String>> tuplesOf = new HashMap<>();

        long newConnections;
        long retransmissions;
        /** With a cap: pairs evicted, and of them, those with two or more ports in the window. */
        long evictions;
        long multiPortEvictions;
        long scans;
        long ipv4Scans;
        long ipv6AddressScans;
        long ipv6PrefixScans;
        /** Prefix-named scans whose window's sources span more than one /64. */
        long scansAcrossSubnets;
        /** New connections whose ports and destination another address of the prefix used less than the horizon before. */
        long siblingRepeats;
        long clockSteps;
        private long pruneAt;

        Rules(DetectionSettings settings) {
            this.threshold = settings.portThreshold();
            this.window = settings.windowMicros();
            this.prefix = settings.ipv6PrefixLength();
        }

        /**
         * Models the pair cap too: a SYN whose pair isn't held, with the cap's worth of pairs active
         * within the idle horizon, evicts one, with its ports, episode and 4-tuples: the
         * single-port pair (at most one port in the window) whose latest SYN is oldest, else the
         * pair whose second-latest port is oldest. Only for traffic whose SYNs all have distinct
         * stamps, per-address pairs only (no IPv6 prefix), so that the rule names one pair.
         */
        Rules withCap(int maxPairs) {
            this.cap = maxPairs;
            this.idle = Math.max(window, HORIZON);
            return this;
        }

        private void holdPair(String pair, long now) {
            if (!held.containsKey(pair) || held.get(pair) <= now - idle) {
                List<String> gone = held.entrySet().stream().filter(e -> e.getValue() <= now - idle).map(Map.Entry::getKey).toList();
                gone.forEach(this::forget);
                if (held.size() == cap) {
                    List<String> singles = held.keySet().stream().filter(p -> secondLatestPort(p) + window <= now).toList();
                    String victim = singles.isEmpty()
                            ? held.keySet().stream().min(Comparator.comparingLong(this::secondLatestPort)).orElseThrow()
                            : singles.stream().min(Comparator.comparingLong(held::get)).orElseThrow();
                    evictions++;
                    multiPortEvictions += singles.isEmpty() ? 1 : 0;
                    forget(victim);
                }
            }
            held.put(pair, now);
        }

        private long secondLatestPort(String pair) {
            List<Long> times = new ArrayList<>(ports.getOrDefault(pair, Map.of()).values());
            times.sort(Comparator.reverseOrder());
            return times.size() < 2 ? Long.MIN_VALUE / 2 : times.get(1);
        }

        private void forget(String pair) {
            held.remove(pair);
            ports.remove(pair);
            episodes.remove(pair);
            for (String tuple : tuplesOf.getOrDefault(pair, Set.of())) {
                latestSyn.remove(tuple);
            }
            tuplesOf.remove(pair);
        }

        void onSyn(SynHeader syn) {
            if (syn.timestampMicros < previousStamp) {
                clockSteps++;
            }
            previousStamp = syn.timestampMicros;
            clock = Math.max(clock, syn.timestampMicros);
            long now = clock;
            String source = address(syn.family, syn.srcHi, syn.srcLo);
            String destination = address(syn.family, syn.dstHi, syn.dstLo);
            String tuple = source + "#" + syn.srcPort + " > " + destination + "#" + syn.dstPort;
            boolean byPrefix = syn.family == SynHeader.IPV6 && prefix < 128;
            String pair = byPrefix
                    ? address(SynHeader.IPV6, syn.srcHi & maskHi(prefix), syn.srcLo & maskLo(prefix)) + "/" + prefix
                            + " > " + destination
                    : source + " > " + destination;
            Object[] sibling = null;
            if (byPrefix) {
                sibling = siblings.put(pair + "#" + syn.srcPort + "#" + syn.dstPort, new Object[] {source, now});
            }
            if (cap > 0) {
                holdPair(pair, now);
                tuplesOf.computeIfAbsent(pair, p -> new HashSet<>()).add(tuple);
            }
            Long previous = latestSyn.put(tuple, now);
            if (previous != null && now - previous < HORIZON) {
                retransmissions++;
                return;
            }
            newConnections++;
            if (sibling != null && !sibling[0].equals(source) && now - (Long) sibling[1] < HORIZON) {
                siblingRepeats++;
            }
            verdicts.add(newConnectionLine(syn));
            Map<Integer, Long> reached = ports.computeIfAbsent(pair, p -> new HashMap<>());
            reached.values().removeIf(time -> time <= now - window);
            if (reached.isEmpty()) {
                episodes.remove(pair);
            }
            reached.put(syn.dstPort, now);
            Map<String, Long> connected = null;
            if (byPrefix) {
                connected = sources.computeIfAbsent(pair, p -> new HashMap<>());
                connected.values().removeIf(time -> time <= now - window);
                connected.put(source, now);
            }
            if (reached.size() > threshold && episodes.add(pair)) {
                scans++;
                int bits;
                if (syn.family == SynHeader.IPV4) {
                    bits = 32;
                    ipv4Scans++;
                } else if (connected == null || connected.size() == 1) {
                    bits = 128;
                    ipv6AddressScans++;
                } else {
                    bits = prefix;
                    ipv6PrefixScans++;
                    if (prefix < 64 && connected.keySet().stream().map(a -> a.substring(0, 19)).distinct().count() > 1) {
                        scansAcrossSubnets++;
                    }
                }
                verdicts.add(scanLine(syn, bits, new ArrayList<>(new TreeSet<>(reached.keySet())).toString()));
            }
            if (now >= pruneAt) {
                prune(now);
            }
        }

        /**
         * Drops what can no longer change a verdict, to keep memory flat over long runs: 4-tuples a
         * horizon old, pairs with no port in the window (the next connection starts them afresh).
         */
        private void prune(long now) {
            latestSyn.values().removeIf(time -> now - time >= HORIZON);
            tuplesOf.values().forEach(tuples -> tuples.retainAll(latestSyn.keySet()));
            siblings.values().removeIf(seen -> now - (Long) seen[1] >= HORIZON);
            ports.entrySet().removeIf(entry -> {
                boolean stale = entry.getValue().values().stream().allMatch(time -> time <= now - window);
                if (stale) {
                    episodes.remove(entry.getKey());
                    sources.remove(entry.getKey());
                }
                return stale;
            });
            pruneAt = now + 10 * MINUTE;
        }

        private static long maskHi(int prefix) {
            return prefix >= 64 ? -1L : -1L << (64 - prefix);
        }

        private static long maskLo(int prefix) {
            return prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
        }
    }

    static String address(int family, long hi, long lo) {
        StringBuilder text = new StringBuilder(40);
        if (family == SynHeader.IPV4) {
            return text.append(lo >>> 24 & 255).append('.').append(lo >>> 16 & 255).append('.')
                    .append(lo >>> 8 & 255).append('.').append(lo & 255).toString();
        }
        for (int group = 0; group < 8; group++) {
            long half = group < 4 ? hi : lo;
            String hex = Long.toHexString(half >>> (48 - 16 * (group & 3)) & 0xFFFF);
            text.append("0000", 0, 4 - hex.length()).append(hex).append(group < 7 ? ":" : "");
        }
        return text.toString();
    }

    static String newConnectionLine(SynHeader syn) {
        return "new " + address(syn.family, syn.srcHi, syn.srcLo) + "#" + syn.srcPort + " > "
                + address(syn.family, syn.dstHi, syn.dstLo) + "#" + syn.dstPort + " @" + (syn.timestampMicros - T0);
    }

    static String scanLine(SynHeader syn, int sourceBits, String ports) {
        return "scan " + address(syn.family, syn.srcHi, syn.srcLo) + "/" + sourceBits + " > "
                + address(syn.family, syn.dstHi, syn.dstLo) + " on " + ports + " @" + (syn.timestampMicros - T0);
    }

    // ================================================================== the harness

    /**
     * Feeds the same SYNs to the rules and the detector, the detector as the ring does (a ring of
     * reused headers, each run of up to {@value #RUN} shown to {@link Detector#lookahead} first when
     * asked), and compares their verdicts after every SYN.
     */
    static final class Harness implements ScanListener {
        final String what;
        final DetectionSettings settings;
        final Rules rules;
        final Detector detector;
        final PairTable pairs;
        final RecentSyns recentSyns;
        private final List<String> detectorVerdicts = new ArrayList<>();
        private final boolean lookahead;
        private final Random runs;
        private final SynHeader[] ring = new SynHeader[2 * RUN];
        private final SynHeader[] upcoming = new SynHeader[RUN];
        private final ArrayDeque<String> recent = new ArrayDeque<>();
        /** Whether the rules see the SYNs and the verdicts are compared. */
        boolean modelled = true;
        /** Whether a pair evicted before it was idle fails the test. */
        boolean noEarlyEviction;
        /** How many live 4-tuples the traffic has, if it knows. */
        java.util.function.IntSupplier liveCount;
        int maxLive;
        long syns;
        long shownRuns;
        long shownSyns;
        long maxTrackedPairs;
        long maxTrackedSyns;
        long epochMoves;
        private long epoch;
        private long clock = Long.MIN_VALUE;

        Harness(String what, DetectionSettings settings, boolean lookahead, long seed) {
            this.what = what + " " + settings + (lookahead ? ", with look-ahead" : "");
            this.settings = settings;
            this.rules = new Rules(settings);
            this.detector = new Detector(settings, this, seed * 31 + 7);
            this.pairs = field(detector, "pairs");
            this.recentSyns = field(detector, "recentSyns");
            this.lookahead = lookahead;
            this.runs = new Random(seed);
            for (int i = 0; i < ring.length; i++) {
                ring[i] = new SynHeader();
            }
        }

        @Override
        public void newConnection(SynHeader syn) {
            detectorVerdicts.add(newConnectionLine(syn));
        }

        @Override
        public void portScan(SynHeader syn, int sourceBits, int[] ports, int count) {
            List<Integer> listed = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                listed.add(ports[i]);   // as given: the listener is promised them ascending
            }
            detectorVerdicts.add(scanLine(syn, sourceBits, listed.toString()));
        }

        /** {@code count} SYNs of {@code traffic}, in runs of 1 to 32 when looking ahead (four in five runs shown). */
        void run(Supplier<SynHeader> traffic, int count) {
            SynHeader[] originals = new SynHeader[RUN];
            for (int done = 0; done < count; ) {
                int length = Math.min(count - done, lookahead ? 1 + runs.nextInt(RUN) : 1);
                for (int i = 0; i < length; i++) {
                    originals[i] = traffic.get();
                    SynHeader slot = ring[(int) ((syns + i) % ring.length)];
                    slot.copyFrom(originals[i]);
                    upcoming[i] = slot;
                }
                if (lookahead && runs.nextInt(5) != 0) {
                    detector.lookahead(upcoming, length);
                    shownRuns++;
                    shownSyns += length;
                }
                for (int i = 0; i < length; i++) {
                    one(originals[i], upcoming[i]);
                }
                done += length;
            }
        }

        private void one(SynHeader original, SynHeader slot) {
            clock = Math.max(clock, original.timestampMicros);
            if (CompactTime.rebaseDue(clock, epoch)) {
                epoch = clock;
                epochMoves++;
            }
            if (modelled) {
                rules.onSyn(original);
            }
            detector.onSyn(slot);
            syns++;
            maxTrackedPairs = Math.max(maxTrackedPairs, pairs.size());
            maxTrackedSyns = Math.max(maxTrackedSyns, recentSyns.occupied());
            recent.addLast("#" + (syns - 1) + " stamp " + (original.timestampMicros - T0) + " clock " + (clock - T0) + ": "
                    + address(original.family, original.srcHi, original.srcLo) + "#" + original.srcPort + " > "
                    + address(original.family, original.dstHi, original.dstLo) + "#" + original.dstPort);
            if (recent.size() > 24) {
                recent.removeFirst();
            }
            if (liveCount != null) {
                maxLive = Math.max(maxLive, liveCount.getAsInt());
            }
            if (modelled && !rules.verdicts.equals(detectorVerdicts)) {
                fail(what + ": after SYN #" + (syns - 1) + " the rules say " + rules.verdicts + " but the detector "
                        + detectorVerdicts + "\n" + tables() + "\nthe last SYNs (times in µs from T0):\n  " + String.join("\n  ", recent));
            }
            rules.verdicts.clear();
            detectorVerdicts.clear();
            if (noEarlyEviction && pairs.evictions(DetectorStats.Eviction.SINGLE_PORT)
                    + pairs.evictions(DetectorStats.Eviction.MULTI_PORT) > 0) {
                fail(what + ": SYN #" + (syns - 1) + " evicted a pair that was not idle (evictions: "
                        + pairs.evictions(DetectorStats.Eviction.SINGLE_PORT) + " single-port, "
                        + pairs.evictions(DetectorStats.Eviction.MULTI_PORT) + " multi-port)"
                        + "\nthe last SYNs (times in µs from T0):\n  " + String.join("\n  ", recent));
            }
        }

        /** What the tables hold and have dropped, for a failure's message. */
        String tables() {
            return "pairs held " + pairs.size() + ", departed " + pairs.departures() + " (evicted "
                    + pairs.evictions(DetectorStats.Eviction.SINGLE_PORT) + " single-port, "
                    + pairs.evictions(DetectorStats.Eviction.MULTI_PORT) + " multi-port); 4-tuple entries "
                    + recentSyns.occupied() + " of limit " + recentSyns.limit() + ", capacity " + recentSyns.capacity()
                    + ", forgotten " + recentSyns.forgotten() + ", passes " + recentSyns.passes()
                    + (liveCount != null ? ", live 4-tuples at most " + liveCount.getAsInt() : "");
        }

        Detector published() {
            detector.publishTables();
            return detector;
        }

        /** The detector's own counts agree with the rules'. */
        void assertCountsAgree() {
            assertEquals(rules.newConnections, detector.newConnections(SynHeader.IPV4) + detector.newConnections(SynHeader.IPV6), what);
            assertEquals(rules.retransmissions, detector.retransmissions(), what);
            assertEquals(rules.scans, detector.scansDetected(), what);
            assertEquals(rules.clockSteps, detector.clockSteps(), what);
        }

        @SuppressWarnings("unchecked")
        private static <T> T field(Detector detector, String name) {
            try {
                Field field = Detector.class.getDeclaredField(name);
                field.setAccessible(true);
                return (T) field.get(detector);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** A random-looking interface identifier, distinct for each {@code n}. */
    private static long iid(long n) {
        return n * 0x9E3779B97F4A7C15L;
    }

    // ================================================================== (a) IPv6 prefixes

    /** Four /64s, two in each of two /48s. */
    private static final long[] SUBNETS = {0x20010db800010001L, 0x20010db800010002L, 0x20010db800020005L, 0x20010db800020006L};
    private static final long V6_SERVERS = 0x20010db8ffff0000L;

    /**
     * Case (a)'s traffic: up to three sessions at once, each one source to one destination: an IPv4
     * host; an IPv6 host of one of {@link #SUBNETS}; an IPv6 scanner that takes another address of its
     * /64 for each SYN; a client retrying one 4-tuple with the kernel's backoff. Gaps mostly under a
     * second, some of tens of seconds, some right at the horizon or the window, and silences of
     * minutes to hours (the epoch moves); now and then a packet stamped in the past, or the capture's
     * clock stepping back for good.
     */
    static final class MixedTraffic implements Supplier<SynHeader> {
        private final Random r;
        private final long window;
        private final List<long[]> sessions = new ArrayList<>();
        private long wall = T0;
        private long offset;

        // session fields: kind, family, srcHi, srcLo, dstHi, dstLo, remaining, srcPort, dstPort
        private static final int HOST4 = 0;
        private static final int HOST6 = 1;
        private static final int ROTATE6 = 2;
        private static final int RETRY = 3;

        MixedTraffic(long seed, long window) {
            this.r = new Random(seed);
            this.window = window;
        }

        private long[] newSession() {
            int kind = r.nextInt(20);
            kind = kind < 5 ? HOST4 : kind < 11 ? HOST6 : kind < 17 ? ROTATE6 : RETRY;
            boolean four = kind == HOST4 || kind == RETRY && r.nextBoolean();
            long srcHi = four ? 0 : SUBNETS[r.nextInt(SUBNETS.length)];
            long srcLo = four ? 0xC0000201L + r.nextInt(4) : iid(1 + r.nextInt(3));
            long dstHi = four ? 0 : V6_SERVERS;
            long dstLo = four ? 0x0A000005L + r.nextInt(2) : 1 + r.nextInt(3);
            int remaining = kind == ROTATE6 ? 4 + r.nextInt(20) : kind == RETRY ? 2 + r.nextInt(6) : 1 + r.nextInt(10);
            return new long[] {kind, four ? SynHeader.IPV4 : SynHeader.IPV6, srcHi, srcLo, dstHi, dstLo, remaining,
                    40000 + r.nextInt(3), 1 + r.nextInt(8)};
        }

        private long gap() {
            double p = r.nextDouble();
            if (p < 0.90) {
                return r.nextLong(SECOND);
            } else if (p < 0.97) {
                return r.nextLong(SECOND, 20 * SECOND);
            } else if (p < 0.99) {
                long[] edges = {HORIZON - 1, HORIZON, HORIZON + 1, window - 1, window, window + 1};
                return edges[r.nextInt(edges.length)];
            } else if (p < 0.997) {
                return r.nextLong(MINUTE, 20 * MINUTE);
            }
            return r.nextLong(20 * MINUTE, 5 * HOUR);
        }

        private long retryGap() {
            long[] gaps = {SECOND, 2 * SECOND, 4 * SECOND, 8 * SECOND, 16 * SECOND, 32 * SECOND, HORIZON - 1, HORIZON, HORIZON + 1};
            return gaps[r.nextInt(gaps.length)];
        }

        @Override
        public SynHeader get() {
            if (sessions.isEmpty() || sessions.size() < 3 && r.nextInt(4) == 0) {
                sessions.add(newSession());
            }
            long[] s = sessions.get(r.nextInt(sessions.size()));
            int kind = (int) s[0];
            wall += kind == RETRY ? retryGap() : gap();
            if (r.nextInt(1000) < 2) {
                offset -= r.nextLong(SECOND, 10 * MINUTE);   // the capture's clock steps back, and stays back
            }
            long stamp = wall + offset;
            if (r.nextInt(1000) < 5) {
                stamp -= r.nextLong(1, 3 * HOUR);   // one packet stamped in the past
            }
            long srcLo = s[3];
            int srcPort = (int) s[7];
            int dstPort = (int) s[8];
            switch (kind) {
                case ROTATE6 -> {
                    srcLo = iid(1 + r.nextInt(400));
                    srcPort = 40000 + r.nextInt(3);
                    s[8] = dstPort % 12 + 1;
                }
                case RETRY -> { }
                default -> {
                    srcPort = 40000 + r.nextInt(3);
                    dstPort = 1 + r.nextInt(8);
                }
            }
            if (--s[6] == 0) {
                sessions.remove(s);
            }
            return syn(stamp, (int) s[1], s[2], srcLo, srcPort, s[4], s[5], dstPort);
        }
    }

    static Stream<Arguments> prefixCases() {
        List<Arguments> cases = new ArrayList<>();
        long[] windows = {MINUTE, 17 * MINUTE, 30 * MINUTE};
        for (int prefix : new int[] {48, 64, 128}) {
            for (int w = 0; w < windows.length; w++) {
                cases.add(Arguments.of(prefix, windows[w], w == 1 ? 2 : 3, w != 1));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "/{0}, window {1} µs, threshold {2}, look-ahead {3}")
    @MethodSource("prefixCases")
    void ipv6PrefixesMixedWithIpv4OverHoursOfPacketTime(int prefix, long window, int threshold, boolean lookahead) {
        DetectionSettings settings = new DetectionSettings(threshold, window, 100_000,
                DetectionSettings.DEFAULT_MAX_TRACKED_SYNS, prefix);
        long seed = prefix * 1_000L + window / MINUTE;
        Harness h = new Harness("(a)", settings, lookahead, seed);
        h.run(new MixedTraffic(seed, window), 60_000);
        h.assertCountsAgree();
        Rules rules = h.rules;
        String counts = h.what + ": " + rules.scans + " scans (" + rules.ipv4Scans + " IPv4, " + rules.ipv6AddressScans
                + " IPv6 by address, " + rules.ipv6PrefixScans + " by prefix, " + rules.scansAcrossSubnets
                + " across /64s), " + rules.retransmissions + " retransmissions, " + rules.siblingRepeats
                + " sibling repeats, " + rules.clockSteps + " clock steps, " + h.epochMoves + " epoch moves, "
                + h.pairs.rebases() + " pair-table rebases, " + h.shownSyns + " SYNs looked ahead";
        System.out.println(counts);
        assertTrue(rules.ipv4Scans >= 50, counts);
        assertTrue(rules.ipv6AddressScans >= 50, counts);
        assertTrue(rules.retransmissions >= 2_000, counts);
        assertTrue(rules.clockSteps >= 100, counts);
        assertTrue(h.epochMoves >= 100, counts);
        if (window <= CompactTime.LONGEST_INTERVAL_MICROS) {
            assertTrue(h.pairs.rebases() >= 100, counts);
        }
        if (prefix < 128) {
            assertTrue(rules.ipv6PrefixScans >= 50, counts);
            assertTrue(rules.siblingRepeats >= 200, counts);
        } else {
            assertEquals(0, rules.ipv6PrefixScans, counts);
        }
        if (prefix < 64) {
            assertTrue(rules.scansAcrossSubnets >= 10, counts);
        }
        assertTrue(!lookahead || h.shownSyns >= 20_000, counts);
        assertEquals(0, h.published().evictedPairs(DetectorStats.Eviction.SINGLE_PORT)
                + h.detector.evictedPairs(DetectorStats.Eviction.MULTI_PORT), counts);
    }

    // ================================================================== (b) pair churn below the cap

    /**
     * Case (b)'s traffic: sessions of 1 to 12 SYNs from one source to one destination, sources drawn
     * from thousands of IPv4 addresses and IPv6 addresses of 120 /64s (two to a /48), so
     * that many more pairs pass through than the table holds, and pairs come back after they left.
     * A SYN goes out only if, with it, at most {@code limit} pairs (the detector's: an IPv6
     * SYN counts its address's pair and, below /128, its prefix's) were active within the last
     * {@code horizon}; a session that can't go on is dropped. Gaps mostly 0.1 s, so the table runs
     * full; some of seconds, some around the horizon, now and then a silence of minutes.
     */
    static final class ChurnTraffic implements Supplier<SynHeader> {
        private final Random r;
        private final int limit;
        private final long horizon;
        private final int prefix;
        /** The detector's pairs active within the horizon: the clock of their latest SYN. */
        private final Map<String, Long> active = new HashMap<>();
        private final List<long[]> sessions = new ArrayList<>();
        private final Set<String> everSeen = new HashSet<>();
        private long wall = T0;
        private long clock = Long.MIN_VALUE;
        int mostActive;

        ChurnTraffic(long seed, int limit, long horizon, int prefix) {
            this.r = new Random(seed);
            this.limit = limit;
            this.horizon = horizon;
            this.prefix = prefix;
        }

        int pairsSeen() {
            return everSeen.size();
        }

        private long[] newSession() {
            boolean four = r.nextInt(3) != 0;
            long srcHi = four ? 0 : 0x20010db800000000L | (long) r.nextInt(60) << 16 | r.nextInt(2);
            long srcLo = four ? 0xC6120000L + r.nextInt(4_000) : iid(1 + r.nextInt(4));
            long dstHi = four ? 0 : V6_SERVERS;
            long dstLo = four ? 0x0A000005L + r.nextInt(3) : 1 + r.nextInt(2);
            return new long[] {four ? SynHeader.IPV4 : SynHeader.IPV6, srcHi, srcLo, dstHi, dstLo, 1 + r.nextInt(12)};
        }

        private List<String> keys(long[] s) {
            int family = (int) s[0];
            String destination = address(family, s[3], s[4]);
            List<String> keys = new ArrayList<>(2);
            keys.add(address(family, s[1], s[2]) + " > " + destination);
            if (family == SynHeader.IPV6 && prefix < 128) {
                keys.add(address(family, s[1] & Rules.maskHi(prefix), s[2] & Rules.maskLo(prefix)) + "/" + prefix + " > " + destination);
            }
            return keys;
        }

        private long gap() {
            double p = r.nextDouble();
            if (p < 0.96) {
                return r.nextLong(200_000);
            } else if (p < 0.997) {
                return r.nextLong(SECOND, 15 * SECOND);
            } else if (p < 0.999) {
                return r.nextLong(horizon - 10 * SECOND, horizon + 10 * SECOND);
            }
            return r.nextLong(2 * MINUTE, 40 * MINUTE);
        }

        @Override
        public SynHeader get() {
            while (true) {
                wall += gap();
                long stamp = r.nextInt(500) == 0 ? wall - r.nextLong(1, 30 * MINUTE) : wall;
                long now = Math.max(clock, stamp);
                active.values().removeIf(time -> time <= now - horizon);
                if (sessions.size() < 10 && r.nextInt(3) == 0) {
                    sessions.add(newSession());
                }
                Collections.shuffle(sessions, r);
                for (long[] s : new ArrayList<>(sessions)) {
                    List<String> keys = keys(s);
                    long fresh = keys.stream().filter(k -> !active.containsKey(k)).count();
                    if (active.size() + fresh > limit) {
                        sessions.remove(s);
                        continue;
                    }
                    for (String key : keys) {
                        active.put(key, now);
                        everSeen.add(key);
                    }
                    mostActive = Math.max(mostActive, active.size());
                    clock = now;
                    if (--s[5] == 0) {
                        sessions.remove(s);
                    }
                    return syn(stamp, (int) s[0], s[1], s[2], 30000 + r.nextInt(2), s[3], s[4], 1 + r.nextInt(5));
                }
            }
        }
    }

    static Stream<Arguments> churnCases() {
        return Stream.of(
                Arguments.of(MINUTE, 64, 48, true, 24),
                Arguments.of(5 * MINUTE, 48, 48, false, 24),
                Arguments.of(MINUTE, 128, 48, true, 47),
                Arguments.of(17 * MINUTE, 64, 48, false, 47));
    }

    /**
     * (b): at most {@code activeLimit} pairs (fewer than the cap) active within any idle horizon,
     * max(window, 60 s), while thousands pass through: idle pairs make room for new ones, no pair
     * is evicted before it is idle (checked after every SYN), and so no verdict changes. With 24
     * of 48 the table never runs full, and pairs leave only by retiring; with 47 of 48 it is full
     * most of the time, and each new pair finds the one idle pair to retire, wherever it was queued.
     */
    @ParameterizedTest(name = "window {0} µs, /{1}, {2} pairs, look-ahead {3}, at most {4} active")
    @MethodSource("churnCases")
    void pairChurnChangesNoVerdictWhileFewerPairsThanTheCapAreActive(long window, int prefix, int maxPairs,
            boolean lookahead, int activeLimit) {
        DetectionSettings settings = new DetectionSettings(3, window, maxPairs, DetectionSettings.DEFAULT_MAX_TRACKED_SYNS, prefix);
        long seed = window / SECOND + prefix + activeLimit;
        Harness h = new Harness("(b) at most " + activeLimit + " pairs active,", settings, lookahead, seed);
        h.noEarlyEviction = true;
        ChurnTraffic traffic = new ChurnTraffic(seed, activeLimit, Math.max(window, HORIZON), prefix);
        h.run(traffic, 200_000);
        h.assertCountsAgree();
        String counts = h.what + ": " + traffic.pairsSeen() + " pairs seen, at most " + traffic.mostActive
                + " active at once, " + h.pairs.departures() + " departures, " + h.maxTrackedPairs
                + " pairs at most; " + h.rules.scans + " scans ("
                + h.rules.ipv6PrefixScans + " by prefix), " + h.rules.retransmissions + " retransmissions, "
                + h.epochMoves + " epoch moves";
        System.out.println(counts);
        assertEquals(activeLimit, traffic.mostActive, counts);
        assertTrue(traffic.pairsSeen() >= 150 * maxPairs, counts);
        assertTrue(h.pairs.departures() >= 500 * maxPairs, counts);
        assertTrue(h.rules.scans >= 1_000 && h.rules.retransmissions >= 10_000, counts);
        assertTrue(prefix == 128 || h.rules.ipv6PrefixScans >= 30, counts);
        assertTrue(h.epochMoves >= 100, counts);
        assertTrue(!lookahead || h.shownSyns >= 100_000, counts);
    }

    // ================================================================== (e) eviction at the cap

    /**
     * Case (e)'s traffic, every stamp distinct and later than the last: one-SYN sources; clients,
     * each to one port, opening new 4-tuples and repeating recent ones; scanners, each reaching a
     * new port of its target now and then. For a quarter of the time more scanners than the cap
     * are at work, so the table fills with potential scanners and one of them must go. Gaps
     * mostly under 0.2 s, now and then a silence of about a minute.
     */
    static final class CapTraffic implements Supplier<SynHeader> {
        private final Random r;
        private final int scannersInAStorm;
        private long wall = T0;
        private long syns;
        private final long[][] clientPorts = new long[24][4];
        private final int[] scannerPorts = new int[96];

        CapTraffic(long seed, int scannersInAStorm) {
            this.r = new Random(seed);
            this.scannersInAStorm = scannersInAStorm;
        }

        @Override
        public SynHeader get() {
            double p = r.nextDouble();
            wall += 1 + (p < 0.998 ? r.nextLong(200_000) : r.nextLong(40 * SECOND, 80 * SECOND));
            boolean storm = ++syns / 5_000 % 4 == 3;
            int dice = r.nextInt(100);
            if (storm ? dice < 70 : dice < 10) {
                int scanner = r.nextInt(storm ? scannersInAStorm : 6);
                return syn(wall, scanner % 3 == 0 ? SynHeader.IPV6 : SynHeader.IPV4, scanner % 3 == 0 ? 0x20010db8cccc0000L : 0,
                        0xCB007100L + scanner, 40000, scanner % 3 == 0 ? V6_SERVERS : 0, 0x0A000005L, 1 + scannerPorts[scanner]++ % 1_000);
            }
            if (dice < (storm ? 85 : 50)) {
                int client = r.nextInt(clientPorts.length);
                long[] recent = clientPorts[client];
                int at = r.nextInt(recent.length);
                if (recent[at] == 0 || r.nextInt(3) == 0) {
                    recent[at] = 1024 + r.nextInt(60_000);   // a new 4-tuple; else it repeats one
                }
                return syn(wall, SynHeader.IPV4, 0, 0xC6120000L + client, (int) recent[at], 0, 0x0A000001L + client % 3, 443);
            }
            return syn(wall, SynHeader.IPV4, 0, 0x64400000L + r.nextInt(1 << 22), 1024 + r.nextInt(60_000), 0, 0x0A000005L, 80);
        }
    }

    static Stream<Arguments> capCases() {
        return Stream.of(
                Arguments.of(3, MINUTE, 32, true),
                Arguments.of(3, MINUTE, 32, false),
                Arguments.of(2, 5 * MINUTE, 48, true),
                Arguments.of(1, 30 * SECOND, 24, false));
    }

    /**
     * (e): the table at its cap most of the time, evicting live pairs: the rules' choice of pair
     * (the model in {@link Rules#withCap}) and what leaves with it (ports, episode, 4-tuples, so a
     * repeat prints as new) give the detector's verdicts, SYN by SYN.
     */
    @ParameterizedTest(name = "threshold {0}, window {1} µs, {2} pairs, look-ahead {3}")
    @MethodSource("capCases")
    void atTheCapTheEvictedPairsAreTheRulesOwn(int threshold, long window, int maxPairs, boolean lookahead) {
        DetectionSettings settings = new DetectionSettings(threshold, window, maxPairs, DetectionSettings.DEFAULT_MAX_TRACKED_SYNS, 128);
        long seed = threshold * 1_000L + maxPairs;
        Harness h = new Harness("(e)", settings, lookahead, seed);
        h.rules.withCap(maxPairs);
        h.run(new CapTraffic(seed, maxPairs + 8), 120_000);
        h.assertCountsAgree();
        Detector d = h.published();
        long single = d.evictedPairs(DetectorStats.Eviction.SINGLE_PORT);
        long multi = d.evictedPairs(DetectorStats.Eviction.MULTI_PORT);
        String counts = h.what + ": evicted " + single + " single-port, " + multi + " multi-port (the rules: "
                + h.rules.evictions + ", " + h.rules.multiPortEvictions + " multi-port); " + h.rules.scans + " scans, "
                + h.rules.retransmissions + " retransmissions";
        System.out.println(counts);
        assertEquals(h.rules.evictions, single + multi, counts);
        assertEquals(h.rules.multiPortEvictions, multi, counts);
        assertTrue(single >= 20_000 && multi >= 50, counts);
        assertTrue(h.rules.scans >= 200 && h.rules.retransmissions >= 2_000, counts);
    }

    // ================================================================== (c) the 4-tuple bound

    /**
     * Case (c)'s traffic. {@value #LONG_LIVED} long-lived pairs, each to ports 80 and 443 (so always
     * two ports in the window: never the eviction's first choice), open new 4-tuples while fewer
     * than {@code target} of theirs were seen within the horizon, else repeat one that was
     * (a retransmission). Between them, a flood of two-SYN pairs (two source ports), never seen
     * again: at the pair cap each evicts another, whose two 4-tuple entries are left behind,
     * unexpired, for the table to find and clear. (A pair's first 4-tuple reaches the table only at
     * its second SYN: a one-SYN flood would leave it nothing to clear.) Now and then one of eight
     * scanners sends five ports at once, 80 s apart.
     */
    static final class BoundTraffic implements Supplier<SynHeader> {
        static final int LONG_LIVED = 24;
        static final int SCANNERS = 8;
        /** A scanner's burst every this many SYNs, about 20 s: at most four scanners' 4-tuples are live at once. */
        static final int SCANNER_EVERY = 5_000;
        private long syns;
        private final Random r;
        int target;
        private long wall = T0;
        /** The flood's two-SYN pairs so far. */
        private long floodPairs;
        private final List<Long> live = new ArrayList<>();
        private final Map<Long, Integer> positions = new HashMap<>();
        private final Map<Long, Long> lastSeen = new HashMap<>();
        private final ArrayDeque<long[]> seen = new ArrayDeque<>();
        private final ArrayDeque<SynHeader> burst = new ArrayDeque<>();
        private int nextScanner;
        /** When each scanner last sent. */
        final long[] scannerTimes = new long[SCANNERS];

        /** The most time between two SYNs, in µs: with 8 ms, about 15,000 SYNs a horizon. */
        long maxStep = 8_000;
        /** Of each thousand draws, how many are a two-SYN pair's. */
        private final int floodShare;

        BoundTraffic(long seed, int target, int floodShare) {
            this.r = new Random(seed);
            this.target = target;
            this.floodShare = floodShare;
            java.util.Arrays.fill(scannerTimes, Long.MIN_VALUE / 2);
        }

        /** The long-lived pairs' 4-tuples seen within the horizon. */
        int live() {
            return live.size();
        }

        /** The scanners seen within the horizon, at {@code now}: five 4-tuples each. */
        int scannersWithin(long now) {
            int scanners = 0;
            for (long time : scannerTimes) {
                scanners += now - time < HORIZON ? 1 : 0;
            }
            return scanners;
        }

        @Override
        public SynHeader get() {
            if (!burst.isEmpty()) {
                return burst.removeFirst();
            }
            wall += r.nextLong(maxStep);
            long now = wall;
            while (!seen.isEmpty() && seen.peekFirst()[1] <= now - HORIZON) {
                long[] oldest = seen.removeFirst();
                if (lastSeen.get(oldest[0]) == oldest[1]) {
                    lastSeen.remove(oldest[0]);
                    int at = positions.remove(oldest[0]);
                    long last = live.remove(live.size() - 1);
                    if (last != oldest[0]) {
                        live.set(at, last);
                        positions.put(last, at);
                    }
                }
            }
            int dice = r.nextInt(1_000);
            if (++syns % SCANNER_EVERY == 0) {
                int scanner = nextScanner++ % SCANNERS;
                scannerTimes[scanner] = now;
                List<Integer> ports = new ArrayList<>(List.of(1, 2, 3, 4, 5));
                Collections.shuffle(ports, r);
                for (int port : ports) {
                    burst.add(syn(now, SynHeader.IPV4, 0, 0xCB007101L + scanner, 50000, 0, 0x0A000005L, port));
                }
                return burst.removeFirst();
            }
            if (dice < floodShare) {
                long n = floodPairs++;
                boolean four = n % 4 != 0;
                long server = four ? 0x0A000101L + r.nextInt(4) : 7;
                int sourcePort = 1024 + r.nextInt(60_000);
                int port = 1 + r.nextInt(1024);
                for (int i = 0; i < 2; i++) {
                    burst.add(four
                            ? syn(now, SynHeader.IPV4, 0, 0x64400000L + n, sourcePort + i, 0, server, port)
                            : syn(now, SynHeader.IPV6, 0x20010db8aaaa0000L, n, sourcePort + i, V6_SERVERS, server, port));
                }
                return burst.removeFirst();
            }
            long tuple;
            if (live.size() < target) {
                tuple = (long) r.nextInt(LONG_LIVED) << 32 | (long) (1024 + r.nextInt(64_000)) << 16 | (r.nextBoolean() ? 80 : 443);
                if (!positions.containsKey(tuple)) {
                    positions.put(tuple, live.size());
                    live.add(tuple);
                }
            } else {
                tuple = live.get(r.nextInt(live.size()));
            }
            lastSeen.put(tuple, now);
            seen.addLast(new long[] {tuple, now});
            return syn(now, SynHeader.IPV4, 0, 0xC0000201L + (tuple >>> 32), (int) (tuple >>> 16 & 0xFFFF), 0, 0x0A000005L,
                    (int) (tuple & 0xFFFF));
        }
    }

    static Stream<Arguments> boundCases() {
        return Stream.of(
                Arguments.of(4_096, true),
                Arguments.of(4_096, false),
                Arguments.of(4_138, true),
                Arguments.of(4_480, false));
    }

    /**
     * (c): up to the bound, live 4-tuples (seen within the horizon, of pairs still held) are all
     * remembered, however many entries of evicted pairs crowd the table; past it, some are forgotten.
     * 4,096 is to the smallest table (1,024 buckets, 4,480 entries at seven eighths) what the
     * default bound is to its own: the table holds 9 % more. 4,138 is the most that table takes
     * (it leaves a pass's length, 342, beyond the bound); 4,480, which it once held exactly, now
     * gets twice the buckets.
     */
    @ParameterizedTest(name = "max tracked SYNs {0}, look-ahead {1}")
    @MethodSource("boundCases")
    void the4TupleBoundIsExactUpToItsSizeUnderPairChurnAndCountedPastIt(int bound, boolean lookahead) {
        int maxPairs = 512;
        DetectionSettings settings = new DetectionSettings(3, MINUTE, maxPairs, bound, 128);
        long seed = bound + (lookahead ? 1 : 2);
        Harness h = new Harness("(c)", settings, lookahead, seed);
        // The live 4-tuples: the long-lived pairs' own, two for each other pair held, five for a
        // scanner (at most four within the horizon): with the table full, the bound at most.
        int others = maxPairs - BoundTraffic.LONG_LIVED;
        BoundTraffic traffic = new BoundTraffic(seed, bound - 2 * others - 4 * 4, 450);
        h.liveCount = () -> traffic.live() + 2 * (h.pairs.size() - BoundTraffic.LONG_LIVED) + 4 * traffic.scannersWithin(h.rules.clock);
        h.run(traffic, 400_000);
        h.assertCountsAgree();
        Detector d = h.published();
        String counts = h.what + ": at most " + h.maxLive + " live 4-tuples, " + h.maxTrackedSyns + " entries held, "
                + h.recentSyns.passes() + " passes, " + d.forgottenSyns() + " forgotten; "
                + d.evictedPairs(DetectorStats.Eviction.SINGLE_PORT) + " pairs evicted, " + h.rules.retransmissions
                + " retransmissions, " + h.rules.scans + " scans";
        System.out.println(counts);
        assertEquals(0, d.forgottenSyns(), counts);
        assertTrue(h.maxLive <= bound && h.maxLive >= bound - 16, counts);
        assertEquals(5 * RecentSyns.bucketsFor(bound), h.recentSyns.capacity(), "the bound's table");
        assertTrue(h.maxTrackedSyns >= h.recentSyns.limit(), counts);
        assertTrue(h.recentSyns.passes() >= 30, counts);   // 34 at 4,480: twice the buckets wait for twice the departures
        assertTrue(d.evictedPairs(DetectorStats.Eviction.SINGLE_PORT) >= 100_000, counts);
        assertEquals(0, d.evictedPairs(DetectorStats.Eviction.MULTI_PORT), counts);
        assertTrue(h.rules.retransmissions >= 100_000 && h.rules.scans >= 50, counts);
        assertTrue(!lookahead || h.shownSyns >= 200_000, counts);
        // Past the bound and the table's room beyond it: the table forgets, and counts it.
        traffic.target = 3 * bound;   // past the ceiling, which a bound like 4,480 leaves far above it
        traffic.maxStep = 1_000;      // SYNs enough within a horizon to get there
        h.modelled = false;
        h.run(traffic, 100_000);
        assertTrue(h.published().forgottenSyns() > 0, counts + "; then " + traffic.live() + " live, " + h.recentSyns.occupied() + " held of " + h.recentSyns.capacity());
    }
}
