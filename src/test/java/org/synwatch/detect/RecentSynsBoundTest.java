package org.synwatch.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.synwatch.packet.SynHeader;

/**
 * The 4-tuple table at its bound, against a plain map of the 4-tuples that can still match (seen
 * within the horizon, their pair still held), with the timing an attacker would pick: bursts of
 * new 4-tuples at one instant, so that thousands expire together a horizon later while the table
 * is at its limit; sources seen once, pushed out at the pair cap, leaving their entries behind. A
 * new 4-tuple is sent only while fewer than the bound can match, so none may be forgotten, and
 * every SYN's verdict must be the map's.
 */
class RecentSynsBoundTest {
    private static final long T0 = 1_619_623_685_000_000L;
    private static final long HORIZON = Detector.RETRANSMISSION_HORIZON_MICROS;

    /** A pair as the map knows it: its slot and generation, and its 4-tuples' latest SYNs by source port. */
    private record Held(int slot, int generation, Map<Integer, Long> ports) {
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // The most the two smallest tables take (1,024 and 2,048 buckets): the least room.
                Arguments.of(4_138, 64, 1L),
                Arguments.of(4_138, 600, 2L),
                Arguments.of(8_277, 200, 3L),
                Arguments.of(8_277, 1_000, 4L));
    }

    @ParameterizedTest(name = "bound {0}, {1} pairs, seed {2}")
    @MethodSource("cases")
    void belowTheBoundNothingThatCanMatchIsForgotten(int bound, int maxPairs, long seed) {
        PairTable pairs = new PairTable(maxPairs, 3, HORIZON, HORIZON, false, new Hashing.Key(seed));
        RecentSyns syns = new RecentSyns(pairs, bound, HORIZON, new Hashing.Key(seed));
        Random r = new Random(seed);
        Map<Integer, Held> held = new HashMap<>();
        ArrayDeque<long[]> byTime = new ArrayDeque<>();   // (source, port, time, generation) of each SYN, oldest first
        List<long[]> sent = new ArrayList<>();            // (source, port) of recent new 4-tuples, to repeat
        int live = 0;
        int mostLive = 0;
        long now = T0;
        long retransmissions = 0;
        long atTheLimit = 0;
        for (int syn = 0; syn < 300_000; syn++) {
            // Mostly microseconds apart, three in ten at the same instant; about once per three
            // bounds' worth of SYNs (time enough to fill the table) a jump to just short of a
            // horizon, so that what was sent in a burst expires all at once.
            now += r.nextInt(3 * bound) == 0 ? HORIZON - r.nextInt(2_000_000) : r.nextInt(10) < 3 ? 0 : r.nextInt(50);
            while (!byTime.isEmpty() && byTime.peekFirst()[2] <= now - HORIZON) {
                long[] old = byTime.removeFirst();
                Held h = held.get((int) old[0]);
                Long latest = h == null || h.generation != old[3] ? null : h.ports.get((int) old[1]);
                if (latest != null && latest == old[2]) {
                    h.ports.remove((int) old[1]);
                    live--;
                }
            }
            boolean repeat = live >= bound - 1 || sent.size() > 100 && r.nextInt(3) == 0;
            int source;
            int port;
            if (repeat) {
                long[] old = sent.get(r.nextInt(sent.size()));
                source = (int) old[0];
                port = (int) old[1];
            } else {
                // A quarter from sources seen once, pushed out at the cap; the rest from a few busy
                // ones, which the pair table's order keeps (each is active more recently than those).
                source = r.nextInt(4) == 0 ? 1_000_000 + syn : r.nextInt(maxPairs / 8);
                port = 1 + r.nextInt(65_535);
            }
            long departures = pairs.departures();
            int slot = pairs.touch(SynHeader.IPV4, 0, 0xC6120000L + source, 0, 0xC0000201L, now);
            if (pairs.departures() != departures) {
                // Who left: their 4-tuples can't match any more.
                List<Integer> gone = new ArrayList<>();
                held.forEach((s, h) -> {
                    if (!pairs.holds(h.slot, h.generation, Long.MAX_VALUE) || pairs.generation(h.slot) != h.generation) {
                        gone.add(s);
                    }
                });
                for (int s : gone) {
                    live -= held.remove(s).ports.size();
                }
            }
            Held h = held.computeIfAbsent(source, s -> new Held(slot, pairs.generation(slot), new HashMap<>()));
            Long previous = h.ports.get(port);
            boolean expected = previous != null && now - previous < HORIZON;
            if (!expected && live >= bound) {
                continue;   // a repeat of one that expired or left is a new 4-tuple: one past the bound
            }
            boolean verdict = syns.seenWithin(slot, pairs.generation(slot), pairs.born(slot), port, 443, now);
            assertEquals(expected, verdict, "SYN #" + syn + ": source " + source + " port " + port + ", " + live + " live");
            h.ports.put(port, now);
            byTime.addLast(new long[] {source, port, now, h.generation});
            if (!expected) {
                live++;
                sent.add(new long[] {source, port});
                if (sent.size() > 2 * bound) {
                    sent.subList(0, bound).clear();
                }
            }
            retransmissions += verdict ? 1 : 0;
            mostLive = Math.max(mostLive, live);
            atTheLimit += syns.occupied() >= syns.limit() ? 1 : 0;
            assertEquals(0, syns.forgotten(), "SYN #" + syn + " with " + live + " live, bound " + bound);
        }
        String counts = "bound " + bound + ": at most " + mostLive + " live, " + retransmissions + " retransmissions, "
                + syns.passes() + " passes, " + atTheLimit + " SYNs at the limit or above, " + pairs.departures() + " pairs departed";
        System.out.println(counts);
        assertEquals(bound, mostLive, counts);
        assertEquals(RecentSyns.bucketsFor(bound) * 5 / 8 * 7 - RecentSyns.passLength(RecentSyns.bucketsFor(bound)), bound, "no room to spare");
        assertTrue(atTheLimit >= 500 && syns.passes() >= 10 && retransmissions >= 10_000, counts);
    }

    /**
     * A flood timed to the pair table's cycle: with the pair cap at 1,056 and 32 busy clients kept,
     * each flood slot is retaken every 1,024 new pairs. Were generations counted across the table,
     * each new occupant would share its predecessor's 5 bits: every departed 4-tuple would look held
     * to a pass, the flood's dead entries would fill the table, and the clients' live ones, far
     * below the bound, would be forgotten. A slot's generations count its own occupants, so a
     * departed entry looks held only after 32 more occupants of its slot.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aFloodTimedToTheSlotsCycleLeavesNothingAPassCannotClear(long seed) {
        int clients = 32;
        int flood = 1_024;
        int bound = 4_138;
        PairTable pairs = new PairTable(clients + flood, 3, HORIZON, HORIZON, false, new Hashing.Key(seed));
        RecentSyns syns = new RecentSyns(pairs, bound, HORIZON, new Hashing.Key(seed));
        Random r = new Random(seed);
        // The clients' 4-tuples: 2,016 source ports over 32 clients, each sent first and then repeated.
        int[] portOf = new int[2_016];
        for (int i = 0; i < portOf.length; i++) {
            portOf[i] = 1_024 + i;
        }
        Map<Integer, Long> lastSent = new HashMap<>();
        long now = T0;
        for (int syn = 0; syn < 400_000; syn++) {
            now += 100;   // 40 s in all: nothing expires
            int slot;
            int port;
            boolean expected;
            if (syn % 4 == 0) {
                // Each client in turn, every 128 SYNs: always more recent than the flood's oldest, so kept.
                int client = syn / 4 % clients;
                int tuple = client + clients * r.nextInt(portOf.length / clients);
                slot = pairs.touch(SynHeader.IPV4, 0, 0xC6120000L + client, 0, 0xC0000201L, now);
                port = portOf[tuple];
                expected = lastSent.put(tuple, now) != null;
            } else {
                slot = pairs.touch(SynHeader.IPV4, 0, 0xCB007100L + syn, 0, 0xC0000201L, now);
                port = 1_024 + r.nextInt(64_000);   // each its own buckets: it can't just overwrite its predecessor's entry
                expected = false;
            }
            boolean verdict = syns.seenWithin(slot, pairs.generation(slot), pairs.born(slot), port, 443, now);
            assertEquals(expected, verdict, "SYN #" + syn);
        }
        String counts = syns.passes() + " passes, " + pairs.departures() + " pairs departed, " + syns.occupied()
                + " entries, " + syns.forgotten() + " forgotten";
        System.out.println("timed flood: " + counts);
        assertEquals(0, syns.forgotten(), counts);
        assertTrue(pairs.departures() >= 250_000 && syns.passes() >= 100, counts);
    }

    static Stream<Long> seeds() {
        return Stream.of(1L, 2L);
    }

    /**
     * The other way to make departed entries look held: protect every pair but a few (two ports
     * each: evicted only when no single-port pair is left), so that a few slots take every new
     * pair, and push two large single-port pairs through 32 new occupants of their slots. Their
     * 1,200 entries then share the slots' generation bits, more than the room beyond the bound (342
     * in a pass, 684 to the ceiling), while the held pairs' 4-tuples stay below it. The slot's word also says when its
     * pair was born, and a pass clears an entry older than that, whatever the generation.
     */
    @Test
    void largePairsCycledThroughThirtyTwoOccupantsLeaveNothingAPassCannotClear() {
        int cap = 64;
        int bound = 4_138;
        PairTable pairs = new PairTable(cap, 3, HORIZON, HORIZON, false, new Hashing.Key(11));
        RecentSyns syns = new RecentSyns(pairs, bound, HORIZON, new Hashing.Key(11));
        int[] scanPorts = new int[PairTable.portSlots(3) + 1];
        long now = T0;
        int protectedPairs = cap - 2;
        // Protected pairs: two destination ports each, so potential scanners, evicted last.
        for (int p = 0; p < protectedPairs; p++) {
            now += 10;
            int slot = pairs.touch(SynHeader.IPV4, 0, 0xC6120000L + p, 0, 0xC0000201L, now);
            pairs.recordNewConnection(slot, 80, now, scanPorts);
            pairs.recordNewConnection(slot, 443, now, scanPorts);
        }
        // Two large single-port pairs, 600 4-tuples each.
        for (int large = 0; large < 2; large++) {
            for (int port = 0; port < 600; port++) {
                now += 10;
                int slot = pairs.touch(SynHeader.IPV4, 0, 0xCB007100L + large, 0, 0xC0000201L, now);
                assertFalse(syns.seenWithin(slot, pairs.generation(slot), pairs.born(slot), 1_024 + port, 443, now));
            }
        }
        // 64 one-shot pairs: the large ones go first, then their two slots take turns, 32 new occupants each.
        for (int i = 0; i < 64; i++) {
            now += 10;
            int slot = pairs.touch(SynHeader.IPV4, 0, 0xCB008000L + i, 0, 0xC0000201L, now);
            assertFalse(syns.seenWithin(slot, pairs.generation(slot), pairs.born(slot), 40_000, 443, now));
        }
        assertEquals(protectedPairs + 2, pairs.size());
        // The protected pairs' 4-tuples, up to one below the bound (with the two one-shots held),
        // then each once more: every one is a retransmission.
        int tuples = bound - 3;
        for (int round = 0; round < 2; round++) {
            for (int t = 0; t < tuples; t++) {
                now += 10;
                int p = t % protectedPairs;
                int slot = pairs.touch(SynHeader.IPV4, 0, 0xC6120000L + p, 0, 0xC0000201L, now);
                boolean verdict = syns.seenWithin(slot, pairs.generation(slot), pairs.born(slot),
                        1_024 + t / protectedPairs, 80, now);
                assertEquals(round == 1, verdict, "round " + round + ", 4-tuple " + t);
            }
        }
        assertEquals(0, syns.forgotten(), syns.passes() + " passes");
        assertTrue(syns.passes() >= 1, "the table reached its limit");
    }
}
