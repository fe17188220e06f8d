package org.synwatch.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.synwatch.packet.SynHeader;

/**
 * Which pair leaves a full table, against the rule in plain maps, at every SYN of random traffic
 * over a small table: idle pairs if there are any (retired, not counted as evictions); else the
 * single-port pair (at most one port in the window) whose last SYN is oldest; else the multi-port
 * pair whose second-latest port is oldest, the first to stop being a potential scanner. Tidying
 * retires only idle pairs; a move of the epoch retires all of them.
 */
class PairTableOrderTest {
    private static final long T0 = 1_619_623_685_000_000L;
    private static final long SECOND = 1_000_000L;

    /** What the model knows of a pair the table holds. */
    private static final class Held {
        final int slot;
        final int generation;
        final long born;
        long last;
        final Map<Integer, Long> ports = new HashMap<>();

        Held(int slot, int generation, long born) {
            this.slot = slot;
            this.generation = generation;
            this.born = born;
            this.last = born;
        }

        /** The second-latest port's time; long ago with fewer than two ports. */
        long secondLatestPort() {
            long latest = Long.MIN_VALUE;
            long second = Long.MIN_VALUE;
            for (long time : ports.values()) {
                if (time > latest) {
                    second = latest;
                    latest = time;
                } else if (time > second) {
                    second = time;
                }
            }
            return second;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(8, 3, 60 * SECOND, 60 * SECOND, 1L),
                Arguments.of(24, 3, 20 * SECOND, 60 * SECOND, 2L),
                Arguments.of(16, 1, 60 * SECOND, 60 * SECOND, 3L),
                Arguments.of(12, 3, 300 * SECOND, 300 * SECOND, 4L),
                Arguments.of(10, 2, 1_800 * SECOND, 1_800 * SECOND, 5L));   // 8-byte times: no epoch
    }

    @ParameterizedTest(name = "cap {0}, threshold {1}, window {2} µs, idle {3} µs, seed {4}")
    @MethodSource("cases")
    void atTheCapTheRuleChoosesWhichPairLeaves(int cap, int threshold, long window, long idle, long seed) {
        PairTable table = new PairTable(cap, threshold, window, idle, false, new Hashing.Key(seed));
        Random r = new Random(seed);
        Map<Integer, Held> model = new HashMap<>();
        int[] ports = new int[PairTable.portSlots(threshold) + 1];
        long now = T0;
        long retiredAtTheCap = 0;
        long tidyRetired = 0;
        long multiEvictions = 0;
        for (int syn = 0; syn < 150_000; syn++) {
            boolean scanning = syn / 2_000 % 4 == 3;
            int dice = r.nextInt(10_000);
            now += dice < 2 ? CompactTime.REBASE_AFTER_MICROS / 2 + r.nextLong(CompactTime.REBASE_AFTER_MICROS)
                    : dice < 150 ? window / 2 + r.nextLong(idle + window)
                    : dice < 3_000 ? 0
                    : r.nextLong(idle / (2L * cap));
            String at = "SYN #" + syn;
            long t = now;
            if (r.nextBoolean()) {
                long before = table.departures();
                List<Integer> idleKeys = idle(model, t - idle);
                table.tidy(t, 2);
                List<Integer> gone = departed(table, model, t);
                gone.forEach(model::remove);
                assertEquals(table.departures() - before, gone.size(), at);
                assertTrue(idleKeys.containsAll(gone), at + ": tidying retired a pair that was not idle");
                tidyRetired += gone.size();
            }
            // A quarter of the time, few more pairs than the cap, each reaching two ports at once:
            // the table fills with potential scanners, and one must go.
            int key = scanning ? r.nextInt(cap + 2) : r.nextInt(4 * cap);
            boolean full = !model.containsKey(key) && model.size() == cap;
            long rebases = table.rebases();
            long single = table.evictions(DetectorStats.Eviction.SINGLE_PORT);
            long multi = table.evictions(DetectorStats.Eviction.MULTI_PORT);
            List<Integer> idleKeys = idle(model, t - idle);
            // Which pairs the rule lets go, if this SYN finds the table full, and how that is counted.
            List<Integer> acceptable;
            long[] counted;
            List<Integer> singles = model.entrySet().stream()
                    .filter(e -> e.getValue().secondLatestPort() + window <= t).map(Map.Entry::getKey).toList();
            if (!idleKeys.isEmpty()) {
                acceptable = idleKeys;
                counted = new long[] {single, multi};
            } else if (!singles.isEmpty()) {
                acceptable = oldest(model, singles, h -> h.last);
                counted = new long[] {single + 1, multi};
            } else {
                acceptable = oldest(model, List.copyOf(model.keySet()), Held::secondLatestPort);
                counted = new long[] {single, multi + 1};
            }
            int slot = table.touch(SynHeader.IPV4, 0, 0xC6120000L + key / 2, 0, 0x0A000000L + key % 2, t);
            List<Integer> gone = departed(table, model, t);
            gone.forEach(model::remove);
            if (table.rebases() > rebases) {
                // The move retires every idle pair first, which makes room.
                assertTrue(gone.containsAll(idleKeys), at + ": the epoch moved and left an idle pair");
                gone.removeAll(idleKeys);
                full &= idleKeys.isEmpty();
            }
            if (full && !idleKeys.isEmpty()) {
                // Idle pairs have no port in the window and no 4-tuple within the horizon: any of them may go, and more than one.
                assertTrue(!gone.isEmpty() && idleKeys.containsAll(gone), at + ": pairs " + gone + " left; idle were " + idleKeys);
                assertEquals(counted[0], table.evictions(DetectorStats.Eviction.SINGLE_PORT), at);
                assertEquals(counted[1], table.evictions(DetectorStats.Eviction.MULTI_PORT), at);
                retiredAtTheCap++;
            } else if (full) {
                assertEquals(1, gone.size(), at + ": one pair leaves a full table");
                assertTrue(acceptable.contains(gone.get(0)), at + ": pair " + gone.get(0) + " left; the rule names " + acceptable);
                assertEquals(counted[0], table.evictions(DetectorStats.Eviction.SINGLE_PORT), at);
                assertEquals(counted[1], table.evictions(DetectorStats.Eviction.MULTI_PORT), at);
                multiEvictions += counted[1] - multi;
            } else {
                assertEquals(List.of(), gone, at + ": pairs left a table with room; key " + key + ", held " + (model.size() + gone.size()) + ", idle " + idleKeys + ", rebase " + (table.rebases() > rebases) + ", now " + (t - T0));
            }
            Held pair = model.get(key);
            if (pair == null || pair.slot != slot) {
                pair = new Held(slot, table.generation(slot), t);
                model.put(key, pair);
            }
            pair.last = t;
            assertEquals(model.size(), table.size(), at);
            // Now and then a new connection, or (while scanners fill the table) two, to two ports.
            int connections = scanning ? 2 : r.nextInt(3) > 0 ? 1 : 0;
            int firstPort = 1 + r.nextInt(5);
            for (int c = 0; c < connections; c++) {
                int port = c == 0 ? firstPort : 1 + (firstPort + r.nextInt(4)) % 5;
                table.recordNewConnection(slot, port, t, ports);
                pair.ports.put(port, t);
            }
        }
        String counts = "single-port evictions " + table.evictions(DetectorStats.Eviction.SINGLE_PORT)
                + ", multi-port " + multiEvictions + ", idle retired at the cap " + retiredAtTheCap
                + ", by tidying " + tidyRetired + ", epoch moves " + table.rebases();
        System.out.println(counts);
        assertTrue(table.evictions(DetectorStats.Eviction.SINGLE_PORT) >= 1_000, counts);
        assertTrue(multiEvictions >= 20, counts);
        assertTrue(retiredAtTheCap >= 100, counts);
        assertTrue(tidyRetired >= 100, counts);
        assertTrue(table.rebases() >= 50 || idle > CompactTime.LONGEST_INTERVAL_MICROS, counts);
    }

    private static List<Integer> idle(Map<Integer, Held> model, long cutoff) {
        return model.entrySet().stream().filter(e -> e.getValue().last <= cutoff).map(Map.Entry::getKey).toList();
    }

    /** Of {@code keys}, those whose {@code time} is the earliest. */
    private static List<Integer> oldest(Map<Integer, Held> model, List<Integer> keys, ToLongFunction<Held> time) {
        long earliest = keys.stream().mapToLong(k -> time.applyAsLong(model.get(k))).min().orElse(Long.MAX_VALUE);
        return keys.stream().filter(k -> time.applyAsLong(model.get(k)) == earliest).toList();
    }

    /**
     * The model's pairs that the table no longer holds: its slot is free, or held by another pair
     * (of another generation, or born at another time; a birth too old for 4-byte times reads as
     * the oldest they hold).
     */
    private static List<Integer> departed(PairTable table, Map<Integer, Held> model, long now) {
        List<Integer> gone = new ArrayList<>();
        model.forEach((key, held) -> {
            if (!table.holds(held.slot, held.generation, Long.MAX_VALUE) || table.generation(held.slot) != held.generation
                    || table.born(held.slot) != held.born && held.born > now - CompactTime.LONGEST_INTERVAL_MICROS) {
                gone.add(key);
            }
        });
        return gone;
    }
}
