package org.synwatch.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.synwatch.testing.Syns.syn;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.synwatch.config.DetectionSettings;
import org.synwatch.packet.SynHeader;
import org.synwatch.report.EventOutput;
import org.synwatch.report.EventWriter;
import org.synwatch.report.Observer;
import org.synwatch.config.OutputFormat;

class DetectorTest {
    /** The detector after publishing its table counters, as the detector thread does at each batch's end. */
    private static Detector published(Detector detector) {
        detector.publishTables();
        return detector;
    }

    /** 2021-04-28 15:28:05 UTC. */
    private static final long T0 = 1_619_623_685_000_000L;
    private static final long SECOND = 1_000_000L;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final EventWriter writer = new EventWriter(new EventOutput(out), ZoneOffset.UTC, OutputFormat.TEXT, Observer.local(Optional.empty()));

    private Detector detector(int ports, long windowMicros, int maxPairs) {
        return detector(ports, windowMicros, maxPairs, DetectionSettings.DEFAULT_MAX_TRACKED_SYNS);
    }

    private Detector detector(int ports, long windowMicros, int maxPairs, int maxSyns) {
        return new Detector(new DetectionSettings(ports, windowMicros, maxPairs, maxSyns,
                DetectionSettings.DEFAULT_IPV6_PREFIX), writer);
    }

    private Detector withIpv6Prefix(int prefix) {
        return new Detector(new DetectionSettings(3, 60 * SECOND, 1_000, DetectionSettings.DEFAULT_MAX_TRACKED_SYNS,
                prefix), writer);
    }

    /** 200 addresses of one /64, 3 ports each, 600 ports in all, 50 ms apart. */
    private static void rotate(Detector d) {
        for (int address = 0; address < 200; address++) {
            for (int i = 0; i < 3; i++) {
                int port = 3 * address + i + 1;
                d.onSyn(syn(T0 + port * 50_000L, "2001:db8:1:2::" + Integer.toHexString(address + 1), 40000 + i,
                        "2001:db8::5", port));
            }
        }
    }

    @Test
    void rotatingAddressesWithinAPrefixIsOneScannerWithIpv6Prefix64() {
        Detector d = withIpv6Prefix(64);
        rotate(d);
        assertEquals(1, d.scansDetected());
        assertEquals(List.of("2021-04-28 15:28:05: Port scan detected: 2001:db8:1:2::/64 -> 2001:db8::5 on ports 1,2,3,4"),
                lines().stream().filter(l -> l.contains("Port scan")).toList());
        assertEquals(600, d.newConnections(SynHeader.IPV6));
    }

    @Test
    void rotatingAddressesWithinAPrefixHidesTheScanAtTheDefault() {
        Detector d = defaults();
        rotate(d);
        assertEquals(0, d.scansDetected());
    }

    @Test
    void thePrefixNamesTheAddressWhenOneAddressMadeAllTheWindowsConnections() {
        Detector d = withIpv6Prefix(64);
        // Another address of the prefix, a window and more earlier: not in this window.
        d.onSyn(syn(T0, "2001:db8:1:2::99", 40000, "2001:db8::5", 7));
        for (int port = 22; port <= 25; port++) {
            d.onSyn(syn(T0 + 61 * SECOND + port, "2001:db8:1:2::1", 40000 + port, "2001:db8::5", port));
        }
        // A second address joins within the window of the next episode: the prefix is named.
        for (int port = 100; port <= 102; port++) {
            d.onSyn(syn(T0 + 200 * SECOND + port, "2001:db8:1:2::1", 40000 + port, "2001:db8::5", port));
        }
        d.onSyn(syn(T0 + 200 * SECOND + 200, "2001:db8:1:2::2", 40000, "2001:db8::5", 103));
        // Retransmissions stay per address: the same ports from another address of the prefix are new.
        long before = d.newConnections(SynHeader.IPV6);
        d.onSyn(syn(T0 + 200 * SECOND + 300, "2001:db8:1:2::3", 40000, "2001:db8::5", 103));
        d.onSyn(syn(T0 + 200 * SECOND + 301, "2001:db8:1:2::2", 40000, "2001:db8::5", 103));
        assertEquals(before + 1, d.newConnections(SynHeader.IPV6));
        assertEquals(1, d.retransmissions());
        // IPv4 sources are untouched by the IPv6 prefix.
        for (int port = 1; port <= 4; port++) {
            d.onSyn(syn(T0 + 300 * SECOND + port, "192.0.2.56", 40000 + port, "10.0.0.5", port));
        }
        assertEquals(List.of(
                "2021-04-28 15:29:06: Port scan detected: 2001:db8:1:2::1 -> 2001:db8::5 on ports 22,23,24,25",
                "2021-04-28 15:31:25: Port scan detected: 2001:db8:1:2::/64 -> 2001:db8::5 on ports 100,101,102,103",
                "2021-04-28 15:33:05: Port scan detected: 192.0.2.56 -> 10.0.0.5 on ports 1,2,3,4"),
                lines().stream().filter(l -> l.contains("Port scan")).toList());
    }


    private Detector defaults() {
        return new Detector(DetectionSettings.defaults(), writer);
    }

    private List<String> lines() {
        writer.flush();
        String text = out.toString(StandardCharsets.US_ASCII);
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }

    private static long scanLines(List<String> lines) {
        return lines.stream().filter(l -> l.contains("Port scan detected")).count();
    }

    @Test
    void threeDistinctPortsAreNotAScan() {
        Detector d = defaults();
        d.onSyn(syn(T0, "192.0.2.56", 5973, "10.0.0.5", 80));
        d.onSyn(syn(T0 + SECOND, "192.0.2.56", 5974, "10.0.0.5", 81));
        d.onSyn(syn(T0 + 2 * SECOND, "192.0.2.56", 5975, "10.0.0.5", 82));
        d.onSyn(syn(T0 + 3 * SECOND, "192.0.2.56", 5976, "10.0.0.5", 82));
        assertEquals(List.of(
                "2021-04-28 15:28:05: New connection: 192.0.2.56:5973 -> 10.0.0.5:80",
                "2021-04-28 15:28:06: New connection: 192.0.2.56:5974 -> 10.0.0.5:81",
                "2021-04-28 15:28:07: New connection: 192.0.2.56:5975 -> 10.0.0.5:82",
                "2021-04-28 15:28:08: New connection: 192.0.2.56:5976 -> 10.0.0.5:82"), lines());
        assertEquals(0, d.scansDetected());
        assertEquals(4, d.newConnections(SynHeader.IPV4));
    }

    @Test
    void fourthPortJustInsideTheWindowIsAScan() {
        Detector d = defaults();
        d.onSyn(syn(T0, "192.0.2.56", 5973, "10.0.0.5", 83));
        d.onSyn(syn(T0 + SECOND, "192.0.2.56", 5974, "10.0.0.5", 81));
        d.onSyn(syn(T0 + 2 * SECOND, "192.0.2.56", 5975, "10.0.0.5", 82));
        d.onSyn(syn(T0 + 59_999_000L, "192.0.2.56", 5976, "10.0.0.5", 80));
        List<String> lines = lines();
        assertEquals(5, lines.size());
        assertEquals("2021-04-28 15:29:04: New connection: 192.0.2.56:5976 -> 10.0.0.5:80", lines.get(3));
        assertEquals("2021-04-28 15:29:04: Port scan detected: 192.0.2.56 -> 10.0.0.5 on ports 80,81,82,83",
                lines.get(4));
        assertEquals(1, d.scansDetected());
    }

    @Test
    void fourthPortExactlyOneWindowLaterIsNotAScan() {
        Detector d = defaults();
        d.onSyn(syn(T0, "192.0.2.56", 5973, "10.0.0.5", 80));
        d.onSyn(syn(T0 + SECOND, "192.0.2.56", 5974, "10.0.0.5", 81));
        d.onSyn(syn(T0 + 2 * SECOND, "192.0.2.56", 5975, "10.0.0.5", 82));
        d.onSyn(syn(T0 + 60 * SECOND, "192.0.2.56", 5976, "10.0.0.5", 83));
        assertEquals(0, scanLines(lines()));
        // The next port puts 81, 82, 83 and 84 in the window: now it is one.
        d.onSyn(syn(T0 + 60 * SECOND + 1, "192.0.2.56", 5977, "10.0.0.5", 84));
        List<String> lines = lines();
        assertEquals("2021-04-28 15:29:05: Port scan detected: 192.0.2.56 -> 10.0.0.5 on ports 81,82,83,84",
                lines.get(lines.size() - 1));
    }

    @Test
    void retransmissionsAreNeitherReportedNorCounted() {
        Detector d = defaults();
        for (int attempt = 0; attempt < 5; attempt++) {
            // The kernel's backoff: 1, 2, 4, 8 s apart — always within 60 s of the previous one.
            long at = T0 + ((1L << attempt) - 1) * SECOND;
            d.onSyn(syn(at, "192.0.2.56", 5973, "10.0.0.5", 80));
            d.onSyn(syn(at, "192.0.2.56", 5974, "10.0.0.5", 81));
            d.onSyn(syn(at, "192.0.2.56", 5975, "10.0.0.5", 82));
        }
        assertEquals(3, lines().size());
        assertEquals(12, d.retransmissions());
        assertEquals(0, d.scansDetected());
        // The same 4-tuple a full minute after its last SYN is a new attempt, on a port already known.
        d.onSyn(syn(T0 + 75 * SECOND, "192.0.2.56", 5973, "10.0.0.5", 80));
        assertEquals(4, lines().size());
        assertEquals(0, d.scansDetected());
    }

    /**
     * A pair's first 4-tuple stays in its record until the pair's next SYN: a flood of one-SYN
     * sources never reaches the 4-tuple table. Yet each first 4-tuple is recognised when it repeats
     * up to the horizon's last microsecond, whether its pair sent another 4-tuple meanwhile or not,
     * and a repeat restarts its horizon. (A 120 s window keeps pairs idle for 60 s in the table.)
     */
    @Test
    void aPairsFirst4TupleIsRememberedInItsRecordUntilThePairsNextSyn() {
        Detector d = detector(3, 120 * SECOND, 100_000);
        for (int i = 0; i < 10_000; i++) {
            d.onSyn(syn(T0 + i, source(i), 40_000, "10.0.0.5", 80));
        }
        assertEquals(0, published(d).trackedSyns(), "no 4-tuple of a one-SYN flood in the table");
        d.onSyn(syn(T0 + 10 * SECOND, source(2), 40_001, "10.0.0.5", 81));
        d.onSyn(syn(T0 + 10 * SECOND, source(3), 40_001, "10.0.0.5", 81));
        assertEquals(4, published(d).trackedSyns(), "each one's first 4-tuple, then its second");
        d.onSyn(syn(T0 + 60 * SECOND - 1, source(0), 40_000, "10.0.0.5", 80));   // first SYN at T0: a retransmission
        d.onSyn(syn(T0 + 60 * SECOND + 1, source(1), 40_000, "10.0.0.5", 80));   // at T0 + 1: a full horizon, new
        d.onSyn(syn(T0 + 60 * SECOND + 1, source(2), 40_000, "10.0.0.5", 80));   // at T0 + 2, since in the table
        d.onSyn(syn(T0 + 60 * SECOND + 3, source(3), 40_000, "10.0.0.5", 80));   // at T0 + 3: new
        d.onSyn(syn(T0 + 119 * SECOND, source(0), 40_000, "10.0.0.5", 80));      // 59 s after its repeat
        assertEquals(3, d.retransmissions());
        assertEquals(10_004, d.newConnections(SynHeader.IPV4));
        assertEquals(10_004, lines().size());
    }

    /** With ports counted per IPv6 prefix, a pair's port list is its prefix's: its first 4-tuple goes to the table. */
    @Test
    void underAnIpv6PrefixTheFirst4TupleGoesToTheTable() {
        Detector d = withIpv6Prefix(64);
        d.onSyn(syn(T0, "2001:db8:1:2::7", 40_000, "2001:db8::5", 443));
        assertEquals(1, published(d).trackedSyns());
        d.onSyn(syn(T0 + 59 * SECOND, "2001:db8:1:2::7", 40_000, "2001:db8::5", 443));
        assertEquals(1, d.retransmissions());
        assertEquals(1, lines().size());
    }

    private static String source(int i) {
        return "198.51." + (i >> 8) + "." + (i & 0xFF);
    }

    @Test
    void retransmissionsAreRecognisedWhateverTheConnectionRate() {
        Detector d = defaults();
        // One busy client: 20,000 connections in 20 s, far more 4-tuples than its one pair slot suggests.
        for (int i = 0; i < 20_000; i++) {
            d.onSyn(syn(T0 + i * 1_000L, "192.0.2.56", 10_000 + i, "10.0.0.5", 443));
        }
        for (int i = 0; i < 20_000; i++) {
            d.onSyn(syn(T0 + 30 * SECOND + i * 1_000L, "192.0.2.56", 10_000 + i, "10.0.0.5", 443));
        }
        assertEquals(20_000, d.newConnections(SynHeader.IPV4));
        assertEquals(20_000, d.retransmissions());
        assertEquals(0, published(d).forgottenSyns());
    }

    @Test
    void retransmissionsAreExactUpToTheBoundAndCountedPastIt() {
        int bound = 4_096;
        Detector d = detector(3, 60 * SECOND, 100, bound);
        // One pair, the bound's number of 4-tuples, all within the horizon: each one's repeat is recognised.
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < bound; i++) {
                d.onSyn(syn(T0 + round * SECOND + i, "192.0.2.56", i, "10.0.0.5", 443));
            }
        }
        assertEquals(bound, d.newConnections(SynHeader.IPV4));
        assertEquals(bound, d.retransmissions());
        assertEquals(0, published(d).forgottenSyns());
        // Far past the bound, the table forgets, and counts each one it forgets.
        for (int i = 0; i < 4 * bound; i++) {
            d.onSyn(syn(T0 + 2 * SECOND + i, "192.0.2.57", i, "10.0.0.5", 443));
        }
        assertTrue(published(d).forgottenSyns() > 0);
        assertTrue(published(d).trackedSyns() <= 2L * bound, "held " + published(d).trackedSyns());
    }

    /**
     * Ten 4-tuples expire just as the table would reach its limit, the rest stay live: a bound
     * that the table's limit once held exactly (4,480 entries of 1,024 buckets) forgot a live
     * 4-tuple here, because no search reached the ten before one had to go. Now every bound has
     * room beyond it for what a pass lets in ({@link RecentSyns#bucketsFor}).
     */
    @Test
    void expiredEntriesNotYetSweptNeverTakeTheRoomOfLiveOnesBelowTheBound() {
        int bound = 4_480;
        Detector d = detector(3, 60 * SECOND, 10, bound);
        for (int port = 1; port <= 10; port++) {
            d.onSyn(syn(T0, "192.0.2.1", port, "10.0.0.5", 443));
        }
        for (int port = 11; port <= bound; port++) {
            d.onSyn(syn(T0 + SECOND, "192.0.2.1", port, "10.0.0.5", 443));
        }
        d.onSyn(syn(T0 + 60 * SECOND, "192.0.2.1", bound + 1, "10.0.0.5", 443));
        for (int port = 11; port <= bound + 1; port++) {
            d.onSyn(syn(T0 + 60 * SECOND + SECOND / 2, "192.0.2.1", port, "10.0.0.5", 443));
        }
        assertEquals(bound + 1, d.newConnections(SynHeader.IPV4));
        assertEquals(bound + 1 - 10, d.retransmissions());
        assertEquals(0, published(d).forgottenSyns());
        assertEquals(bound + 1, lines().size());
    }

    /**
     * At the pair cap an idle pair goes before a live one. Pairs .1 and .2, active again at 30 s and
     * 31 s, once went back in the queue behind .4 (queued at 50 s) with those older times; retiring
     * stopped at .4, which was live, so at 100 s the full table evicted .4 while .1 and .2 sat idle,
     * and .4's retransmission at 105 s printed as new.
     */
    @Test
    void atTheCapAnIdlePairGoesBeforeALiveOneWhereverItWasQueued() {
        Detector d = detector(3, 60 * SECOND, 5, 4_480);
        long[] times = {0, 0, 30, 31, 50, 65, 91, 100, 105};
        String[] sources = {".1", ".2", ".1", ".2", ".4", ".3", ".5", ".6", ".4"};
        int[] ports = {1000, 1000, 1001, 1001, 1000, 1000, 1000, 1000, 1000};
        for (int i = 0; i < times.length; i++) {
            d.onSyn(syn(T0 + times[i] * SECOND, "192.0.2" + sources[i], ports[i], "10.0.0.5", 80));
        }
        assertEquals(8, d.newConnections(SynHeader.IPV4));
        assertEquals(1, d.retransmissions(), "192.0.2.4:1000 again, 55 s later");
        assertEquals(0, published(d).evictedPairs(DetectorStats.Eviction.SINGLE_PORT), "idle pairs made the room");
    }

    @Test
    void exactAtThreeAndAHalfMillionLive4TuplesOverOneHundredThousandPairs() {
        Detector d = defaults();
        int pairs = 100_000;
        int perPair = 35;
        // 3.5M distinct 4-tuples within 35 s, then every one again: all retransmissions, none forgotten.
        for (int round = 0; round < 2; round++) {
            for (int k = 0; k < perPair; k++) {
                for (int p = 0; p < pairs; p++) {
                    SynHeader syn = syn(0, "10.0.0.5", 0, "10.0.0.5", 443);
                    syn.timestampMicros = T0 + round * 20 * SECOND + (long) k * pairs + p;
                    syn.srcLo = 0xC6120000L + p;
                    syn.srcPort = 10_000 + k;
                    d.onSyn(syn);
                }
            }
        }
        assertEquals((long) pairs * perPair, d.newConnections(SynHeader.IPV4));
        assertEquals((long) pairs * perPair, d.retransmissions());
        assertEquals(0, published(d).forgottenSyns());
    }

    @Test
    void theOutputDoesNotDependOnTheHashKey() {
        // A pair table far too small, so that it evicts all the time; 4-tuples within their bound.
        DetectionSettings tight = new DetectionSettings(3, 60 * SECOND, 500, DetectionSettings.DEFAULT_MAX_TRACKED_SYNS,
                DetectionSettings.DEFAULT_IPV6_PREFIX);
        Detector one = new Detector(tight, writer, 1L);
        List<String> first = replay(one);
        out.reset();
        Detector other = new Detector(tight, writer, -7_777_777L);
        List<String> second = replay(other);
        assertTrue(published(one).evictedPairs(DetectorStats.Eviction.SINGLE_PORT) > 10_000);
        assertTrue(one.scansDetected() > 100 && one.retransmissions() > 10_000);
        assertEquals(first.size(), second.size());
        assertTrue(first.equals(second), "the same lines in the same order");
    }

    @Test
    void lookingAheadChangesNoVerdict() {
        DetectionSettings tight = new DetectionSettings(3, 60 * SECOND, 500, DetectionSettings.DEFAULT_MAX_TRACKED_SYNS,
                DetectionSettings.DEFAULT_IPV6_PREFIX);
        List<String> plain = replay(new Detector(tight, writer, 3L), 0);
        out.reset();
        // Runs of 7, as a ring shows them: SYNs whose pairs are new, evicted or moved meanwhile included.
        Detector ahead = new Detector(tight, writer, 3L);
        List<String> withLookahead = replay(ahead, 7);
        assertTrue(plain.size() > 100_000);
        assertTrue(plain.equals(withLookahead), "the same lines in the same order");
    }

    @Test
    void aPairThatMovesSlotAfterTheLookAheadIsHashedForItsNewSlot() {
        DetectionSettings twoPairs = new DetectionSettings(3, 60 * SECOND, 2, DetectionSettings.DEFAULT_MAX_TRACKED_SYNS,
                DetectionSettings.DEFAULT_IPV6_PREFIX);
        Detector d = new Detector(twoPairs, writer, 5L);
        d.onSyn(syn(T0, "192.0.2.1", 1000, "10.0.0.5", 80));        // pair P, slot 0
        d.onSyn(syn(T0 + 1, "192.0.2.2", 1000, "10.0.0.5", 80));    // pair R, slot 1
        // Shown together: when P's SYN comes, the look-ahead's slot for it is gone. Q evicted P, the
        // oldest, and took its slot; P comes back in R's.
        SynHeader[] run = {syn(T0 + 2, "192.0.2.3", 1000, "10.0.0.5", 80), syn(T0 + 3, "192.0.2.1", 2000, "10.0.0.5", 80)};
        d.lookahead(run, run.length);
        d.onSyn(run[0]);
        d.onSyn(run[1]);
        d.onSyn(syn(T0 + SECOND, "192.0.2.1", 2000, "10.0.0.5", 80));
        assertEquals(4, lines().size(), "the last SYN repeats P's 4-tuple: found where P's new slot puts it");
        assertEquals(1, d.retransmissions());
    }

    private List<String> replay(Detector d) {
        return replay(d, 0);
    }

    /** 200,000 SYNs of 2,000 sources to one server; every {@code lookahead} SYNs (if not 0) the detector is shown the next ones first. */
    private List<String> replay(Detector d, int lookahead) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(42);
        SynHeader[] syns = new SynHeader[200_000];
        for (int i = 0; i < syns.length; i++) {
            SynHeader syn = syn(T0 + i * 100L, "10.0.0.5", 0, "10.0.0.5", 0);
            syn.srcLo = 0xC6120000L + random.nextInt(2_000);
            syn.srcPort = 1024 + random.nextInt(64);
            syn.dstPort = random.nextInt(4) == 0 ? random.nextInt(65_536) : 443;
            syns[i] = syn;
        }
        for (int i = 0; i < syns.length; i++) {
            if (lookahead > 0 && i % lookahead == 0) {
                d.lookahead(java.util.Arrays.copyOfRange(syns, i, Math.min(syns.length, i + lookahead)),
                        Math.min(lookahead, syns.length - i));
            }
            d.onSyn(syns[i]);
        }
        return lines();
    }

    @Test
    void aClockStepBackwardsCountsAtTheLatestTimeButPrintsItsOwn() {
        Detector d = defaults();
        d.onSyn(syn(T0, "192.0.2.56", 5973, "10.0.0.5", 80));
        d.onSyn(syn(T0 + SECOND, "192.0.2.56", 5974, "10.0.0.5", 81));
        // Two hours back: its ports are not older than the window, so they join it, and it prints its own time.
        d.onSyn(syn(T0 - 7_200 * SECOND, "192.0.2.56", 5975, "10.0.0.5", 82));
        d.onSyn(syn(T0 - 7_200 * SECOND + SECOND, "192.0.2.56", 5976, "10.0.0.5", 83));
        List<String> lines = lines();
        assertEquals("2021-04-28 13:28:05: New connection: 192.0.2.56:5975 -> 10.0.0.5:82", lines.get(2));
        assertEquals("2021-04-28 13:28:06: Port scan detected: 192.0.2.56 -> 10.0.0.5 on ports 80,81,82,83",
                lines.get(4));
        assertEquals(1, d.clockSteps(), "one step back; the packet after it moved forward");
        // The same 4-tuple as the first SYN, stamped 59 s after it in the stepped-back clock: still counts at T0 + 1 s.
        d.onSyn(syn(T0 - 7_200 * SECOND + 59 * SECOND, "192.0.2.56", 5973, "10.0.0.5", 80));
        assertEquals(1, d.retransmissions());
    }

    @Test
    void aFloodOfSinglePortPairsNeverEvictsPairsWithTwoPortsInTheWindow() {
        Detector d = detector(3, 60 * SECOND, 4);
        for (int i = 0; i < 3; i++) {
            d.onSyn(syn(T0 + i, "192.0.2.56", 40000 + i, "10.0.0.5", 80 + i));
            d.onSyn(syn(T0 + 10 + i, "192.0.2.99", 40000 + i, "10.0.0.5", 80 + i));
        }
        for (int host = 1; host <= 1000; host++) {
            d.onSyn(syn(T0 + 100 + host, "198.51.100." + (host % 250 + 1), 1000 + host, "10.0.0.7", 443));
        }
        assertEquals(4, published(d).trackedPairs());
        d.onSyn(syn(T0 + 5000, "192.0.2.56", 40009, "10.0.0.5", 99));
        d.onSyn(syn(T0 + 5001, "192.0.2.99", 40009, "10.0.0.5", 99));
        assertEquals(2, d.scansDetected());
        List<String> lines = lines();
        assertEquals("2021-04-28 15:28:05: Port scan detected: 192.0.2.56 -> 10.0.0.5 on ports 80,81,82,99",
                lines.get(lines.size() - 3));
        assertEquals(1000 - 2, published(d).evictedPairs(DetectorStats.Eviction.SINGLE_PORT));
        assertEquals(0, published(d).evictedPairs(DetectorStats.Eviction.MULTI_PORT));
    }

    @Test
    void whenOnlyMultiPortPairsAreLeftTheOldestGoes() {
        Detector d = detector(3, 60 * SECOND, 2);
        for (int i = 0; i < 3; i++) {
            d.onSyn(syn(T0 + i, "192.0.2.1", 40000 + i, "10.0.0.5", 80 + i));
        }
        for (int i = 0; i < 3; i++) {
            d.onSyn(syn(T0 + 10 + i, "192.0.2.2", 40000 + i, "10.0.0.5", 80 + i));
        }
        // A third pair: 192.0.2.1, the oldest, goes, though both have three ports in the window.
        d.onSyn(syn(T0 + 20, "192.0.2.3", 40000, "10.0.0.5", 80));
        assertEquals(1, published(d).evictedPairs(DetectorStats.Eviction.MULTI_PORT));
        d.onSyn(syn(T0 + 30, "192.0.2.2", 40009, "10.0.0.5", 99));
        assertEquals(1, d.scansDetected(), "192.0.2.2 was kept");
        d.onSyn(syn(T0 + 40, "192.0.2.1", 40009, "10.0.0.5", 99));
        assertEquals(1, d.scansDetected(), "192.0.2.1 starts from scratch");
    }

    @Test
    void reportedOncePerEpisodeAndAgainAfterASilentWindow() {
        Detector d = defaults();
        int sourcePort = 40000;
        for (int port = 1; port <= 10; port++) {
            d.onSyn(syn(T0 + port * SECOND, "192.0.2.56", sourcePort++, "10.0.0.5", port));
        }
        assertEquals(1, d.scansDetected());
        // Still active 59 s after the last SYN: the same episode.
        for (int port = 11; port <= 15; port++) {
            d.onSyn(syn(T0 + (10 + 59) * SECOND + port, "192.0.2.56", sourcePort++, "10.0.0.5", port));
        }
        assertEquals(1, d.scansDetected());
        long quietUntil = T0 + (10 + 59) * SECOND + 15 + 60 * SECOND;
        for (int port = 100; port <= 103; port++) {
            d.onSyn(syn(quietUntil + port, "192.0.2.56", sourcePort++, "10.0.0.5", port));
        }
        assertEquals(2, d.scansDetected());
        List<String> lines = lines();
        assertEquals("on ports 100,101,102,103",
                lines.get(lines.size() - 1).substring(lines.get(lines.size() - 1).indexOf("on ports")));
    }

    @Test
    void destinationsOfOneSourceAreCountedSeparately() {
        Detector d = defaults();
        int sourcePort = 40000;
        for (int port = 1; port <= 3; port++) {
            d.onSyn(syn(T0 + port, "192.0.2.56", sourcePort++, "10.0.0.5", port));
            d.onSyn(syn(T0 + port, "192.0.2.56", sourcePort++, "10.0.0.6", port + 10));
        }
        assertEquals(0, d.scansDetected());
        d.onSyn(syn(T0 + 4, "192.0.2.56", sourcePort, "10.0.0.6", 99));
        assertEquals("2021-04-28 15:28:05: Port scan detected: 192.0.2.56 -> 10.0.0.6 on ports 11,12,13,99",
                lines().get(7));
    }

    @Test
    void manySourcesToOnePortAreNotAScan() {
        Detector d = defaults();
        for (int host = 1; host <= 200; host++) {
            d.onSyn(syn(T0 + host, "198.51.100." + host, 50000, "10.0.0.5", 443));
        }
        assertEquals(200, d.newConnections(SynHeader.IPV4));
        assertEquals(0, d.scansDetected());
    }

    @Test
    void ipv6ScanUsesRfc5952TextWithoutBrackets() {
        Detector d = defaults();
        for (int port = 22; port <= 25; port++) {
            d.onSyn(syn(T0, "2001:db8:0:0:0:0:0:1", 5973 + port, "2001:db8::5", port));
        }
        List<String> lines = lines();
        assertEquals("2021-04-28 15:28:05: New connection: [2001:db8::1]:5995 -> [2001:db8::5]:22", lines.get(0));
        assertEquals("2021-04-28 15:28:05: Port scan detected: 2001:db8::1 -> 2001:db8::5 on ports 22,23,24,25",
                lines.get(4));
        assertEquals(4, d.newConnections(SynHeader.IPV6));
    }

    @Test
    void thresholdAndWindowAreConfigurable() {
        Detector d = detector(5, 10 * SECOND, 100);
        for (int port = 1; port <= 5; port++) {
            d.onSyn(syn(T0 + port * 2 * SECOND, "192.0.2.56", 40000 + port, "10.0.0.5", port));
        }
        assertEquals(0, d.scansDetected(), "five ports are not more than five");
        // At 12.5 s port 1 (sent at 2 s) has left the window: 2..6 are five ports, not more than five.
        d.onSyn(syn(T0 + 12_500_000L, "192.0.2.56", 40010, "10.0.0.5", 6));
        assertEquals(0, d.scansDetected());
        d.onSyn(syn(T0 + 12_500_000L, "192.0.2.56", 40011, "10.0.0.5", 7));
        assertEquals(1, d.scansDetected());
        List<String> lines = lines();
        assertEquals("on ports 2,3,4,5,6,7", lines.get(lines.size() - 1).substring(lines.get(lines.size() - 1).indexOf("on ports")));
    }

    @Test
    void idlePairsAreRetiredSoTheGaugeFollowsActivity() {
        Detector d = defaults();
        for (int host = 1; host <= 50; host++) {
            d.onSyn(syn(T0, "198.51.100." + host, 50000, "10.0.0.5", 443));
        }
        assertEquals(50, published(d).trackedPairs());
        for (int i = 0; i < 30; i++) {
            d.onSyn(syn(T0 + 61 * SECOND + i, "203.0.113.1", 50000 + i, "10.0.0.5", 443));
        }
        assertEquals(1, published(d).trackedPairs());
        assertEquals(0, (published(d).evictedPairs(DetectorStats.Eviction.SINGLE_PORT) + published(d).evictedPairs(DetectorStats.Eviction.MULTI_PORT)), "expiry is not eviction");
    }

    @Test
    void overDaysOfPacketTimeTheVerdictsAreTheRulesOwn() {
        // 60 s and 17 min keep 4-byte times, moved to a new epoch every 18 minutes of packet time,
        // and the gaps of up to 5 h leave times too old for them; 30 min takes 8-byte times. The
        // rules in plain maps and the harness that compares verdicts after every SYN: DetectorModelTest's.
        for (long window : new long[] {60 * SECOND, 17 * 60 * SECOND, 30 * 60 * SECOND}) {
            for (int threshold : new int[] {1, 3}) {
                DetectorModelTest.Harness h = new DetectorModelTest.Harness("days of packet time,",
                        new DetectionSettings(threshold, window, 1_000, DetectionSettings.DEFAULT_MAX_TRACKED_SYNS,
                                DetectionSettings.DEFAULT_IPV6_PREFIX), false, window + threshold);
                Random random = new Random(window + threshold);
                long[] now = {T0};
                h.run(() -> {
                    double gap = random.nextDouble();
                    now[0] += gap < 0.97 ? random.nextLong(SECOND)
                            : gap < 0.99 ? random.nextLong(10 * SECOND, 70 * SECOND)
                            : random.nextLong(20 * 60 * SECOND, 5 * 3600 * SECOND);
                    return syn(now[0], SynHeader.IPV4, 0, 0xC6336400L + random.nextInt(5), 40000 + random.nextInt(2),
                            0, 0x0A000005L + random.nextInt(2), 1 + random.nextInt(8));
                }, 100_000);
                h.assertCountsAgree();
                assertTrue(now[0] - T0 > 300 * CompactTime.REBASE_AFTER_MICROS, "hundreds of epochs");
                assertTrue(h.rules.scans > 1_000 && h.rules.newConnections < 95_000, "scans and retransmissions: "
                        + h.rules.scans + ", " + h.rules.newConnections + " new connections");
            }
        }
    }
}
