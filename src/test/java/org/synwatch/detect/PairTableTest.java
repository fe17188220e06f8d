package org.synwatch.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.synwatch.packet.SynHeader;

/** Records across pages and at the cap; the order in which pairs are evicted. */
class PairTableTest {
    private static final long T0 = 1_619_623_685_000_000L;
    private static final long WINDOW = 60_000_000L;
    /** Three full pages and a last one cut short by the cap. */
    private static final int CAP = 3 * PairTable.PAGE_SLOTS + 5;

    private static int touch(PairTable table, int source, long now) {
        return table.touch(SynHeader.IPV4, 0, 0xC6120000L + source, 0, 0xC0000201L, now);
    }

    /** Room for the ports a table of the default threshold lists at the crossing. */
    private final int[] ports = new int[PairTable.portSlots(3) + 1];

    private static int[] sorted(int[] ports) {
        int[] copy = ports.clone();
        Arrays.sort(copy);
        return copy;
    }

    private static long evictions(PairTable table) {
        return table.evictions(DetectorStats.Eviction.SINGLE_PORT) + table.evictions(DetectorStats.Eviction.MULTI_PORT);
    }

    @Test
    void pairsKeepTheirSlotsAndPortsAcrossPages() {
        PairTable table = new PairTable(CAP, 3, WINDOW, WINDOW, false, new Hashing.Key(99));
        assertEquals(PairTable.PAGE_SLOTS, table.slotCapacity());
        int[] slots = new int[CAP];
        for (int source = 0; source < CAP; source++) {
            slots[source] = touch(table, source, T0 + source);
            assertEquals(1, table.recordNewConnection(slots[source], source % 60_000, T0 + source, ports));
        }
        assertEquals(CAP, table.slotCapacity(), "the last page stops at the cap");
        assertEquals(CAP, table.size());
        assertEquals(0, evictions(table));
        for (int source = 0; source < CAP; source++) {
            assertEquals(slots[source], touch(table, source, T0 + CAP + source), "found again after growth");
            assertEquals(1, table.recordNewConnection(slots[source], source % 60_000, T0 + CAP + source, ports), "its port is kept");
        }
        // A second port on a pair of each page is counted with that pair's first, and no other's.
        for (int source : new int[] {0, PairTable.PAGE_SLOTS - 1, PairTable.PAGE_SLOTS, CAP - 1}) {
            assertEquals(2, table.recordNewConnection(slots[source], 65_000, T0 + 2 * CAP, ports));
        }
        assertEquals(1, table.recordNewConnection(slots[1], 1, T0 + 2 * CAP, ports));
    }

    /**
     * The look-ahead loads the slots a run's new pairs will take ({@link PairTable#prefetchOldest}):
     * at the cap under a flood of one-shot sources, exactly the slots the next new pairs get, in
     * order; below the cap, none (a slot is then freed by time, which it can't tell); nor at a cap
     * of one page, small enough to stay in the cache.
     */
    @Test
    void atTheCapTheOldestNamedAreTheSlotsTheNextNewPairsTake() {
        int[] oldest = new int[16];
        PairTable small = new PairTable(64, 3, WINDOW, WINDOW, false, new Hashing.Key(99));
        for (int source = 0; source < 64; source++) {
            touch(small, source, T0 + source);
        }
        assertEquals(0, small.prefetchOldest(16, oldest), "a one-page table at its cap");
        PairTable table = new PairTable(CAP, 3, WINDOW, WINDOW, false, new Hashing.Key(99));
        for (int source = 0; source < CAP; source++) {
            touch(table, source, T0 + source);
            if (source == CAP - 2) {
                assertEquals(0, table.prefetchOldest(16, oldest), "below the cap");
            }
        }
        int source = CAP;
        for (int round = 0; round < 20; round++) {
            int guessed = table.prefetchOldest(16, oldest);
            assertEquals(16, guessed);
            for (int i = 0; i < guessed; i++, source++) {
                assertEquals(oldest[i], touch(table, source, T0 + source), "new pair " + source);
            }
        }
        assertEquals(20 * 16, evictions(table));
        assertEquals(4, table.prefetchOldest(4, oldest), "no more than asked");
    }

    @Test
    void atTheCapTheOldestUntouchedSinglePortPairIsEvictedAndItsSlotReused() {
        PairTable table = new PairTable(CAP, 3, WINDOW, WINDOW, false, new Hashing.Key(99));
        int[] slots = new int[CAP];
        for (int source = 0; source < CAP; source++) {
            slots[source] = touch(table, source, T0 + source);
        }
        // Pair 0 is active again: it gets a second chance, so pair 1 goes.
        touch(table, 0, T0 + CAP);
        int gone = slots[1];
        int generation = table.generation(gone);
        int slot = touch(table, CAP, T0 + CAP + 1);
        assertEquals(1, table.evictions(DetectorStats.Eviction.SINGLE_PORT));
        assertEquals(CAP, table.size());
        assertEquals(CAP, table.slotCapacity(), "no page beyond the cap");
        assertEquals(gone, slot, "the evicted pair's slot is reused");
        assertNotEquals(generation, table.generation(slot));
        assertEquals(T0 + CAP + 1, table.born(slot), "another pair, born then");
        assertFalse(table.holds(gone, generation, Long.MAX_VALUE));
        assertEquals(slots[0], touch(table, 0, T0 + CAP + 2), "pair 0 was kept");
        // Pair 1 comes back as a new pair, evicting pair 2.
        assertEquals(slots[2], touch(table, 1, T0 + CAP + 3));
        assertEquals(2, evictions(table));
    }

    /**
     * A pair's first 4-tuple, kept in its record: given back once, at the pair's next SYN, even
     * with both ports at 65535 (whose packing is no sentinel); gone with its pair, evicted or
     * retired, so that the slot's next pair doesn't inherit it.
     */
    @Test
    void aPairKeepsItsFirst4TupleUntilItIsTakenOrThePairLeaves() {
        PairTable table = new PairTable(3, 3, WINDOW, WINDOW, false, new Hashing.Key(99));
        int[] slots = new int[3];
        for (int source = 0; source < 3; source++) {
            slots[source] = touch(table, source, T0 + source);
            assertTrue(table.created());
            table.recordNewConnection(slots[source], 65_535 - source, T0 + source, ports);
            table.keepFirstTuple(slots[source], 65_535);
        }
        assertEquals(slots[0], touch(table, 0, T0 + 10));
        assertFalse(table.created(), "found, not made");
        assertEquals(0xFFFF_FFFFL, table.takeFirstTuple(slots[0]));
        assertEquals(PairTable.NONE, table.takeFirstTuple(slots[0]), "given back once");
        // At the cap pair 1, the oldest untouched, goes: its 4-tuple with it.
        assertEquals(slots[1], touch(table, 3, T0 + 11));
        assertEquals(1, table.evictions(DetectorStats.Eviction.SINGLE_PORT));
        assertEquals(PairTable.NONE, table.takeFirstTuple(slots[1]), "the slot's new pair has none");
        // Pair 2 retires idle; the next new pair takes its slot.
        table.tidy(T0 + 2 + WINDOW, 10);
        assertEquals(slots[2], touch(table, 4, T0 + 2 + WINDOW));
        assertEquals(PairTable.NONE, table.takeFirstTuple(slots[2]), "nor this one");
    }

    @Test
    void multiPortPairsGoOnlyWhenNoSinglePortPairIsLeft() {
        PairTable table = new PairTable(3, 3, WINDOW, WINDOW, false, new Hashing.Key(99));
        int scanner = touch(table, 0, T0);
        table.recordNewConnection(scanner, 22, T0, ports);
        int single = touch(table, 1, T0 + 1);
        table.recordNewConnection(single, 80, T0 + 1, ports);
        touch(table, 0, T0 + 2);
        table.recordNewConnection(scanner, 23, T0 + 2, ports);
        touch(table, 2, T0 + 3);
        // Full: the scanner is the oldest, but it has two ports in the window.
        touch(table, 3, T0 + 4);
        assertEquals(1, table.evictions(DetectorStats.Eviction.SINGLE_PORT));
        assertEquals(scanner, touch(table, 0, T0 + 5), "the scanner was kept");
        assertEquals(0, table.evictions(DetectorStats.Eviction.MULTI_PORT));
    }

    @Test
    void idlePairsAreRetiredFromTheHeadsOfTheQueues() {
        PairTable table = new PairTable(CAP, 3, WINDOW, WINDOW, false, new Hashing.Key(99));
        int slot = touch(table, 7, T0);
        int generation = table.generation(slot);
        touch(table, 8, T0 + WINDOW);
        table.tidy(T0 + WINDOW, 10);
        assertFalse(table.holds(slot, generation, Long.MAX_VALUE), "the slot is free");
        assertEquals(1, table.size());
        assertEquals(T0 + WINDOW, table.born(touch(table, 8, T0 + WINDOW + 1)), "pair 8 stays");
    }

    @Test
    void atTheDefaultThresholdARecordIsOneCacheLine() {
        assertEquals(64, new PairTable(CAP, 3, WINDOW, WINDOW, false, new Hashing.Key(99)).recordBytes());
        assertEquals(96, new PairTable(CAP, 3, 2 * CompactTime.LONGEST_INTERVAL_MICROS, 2 * CompactTime.LONGEST_INTERVAL_MICROS, false, new Hashing.Key(99)).recordBytes(),
                "8-byte times past the compact limit");
    }

    @Test
    void theCrossingListsTheWindowsPortsThoughOnlyThresholdManyAreKept() {
        PairTable table = new PairTable(CAP, 3, WINDOW, WINDOW, false, new Hashing.Key(99));
        int slot = touch(table, 1, T0);
        for (int port = 10; port <= 30; port += 10) {
            assertEquals(port / 10, table.recordNewConnection(slot, port, T0 + port, ports));
        }
        assertEquals(4, table.recordNewConnection(slot, 40, T0 + 40, ports));
        assertArrayEquals(new int[] {10, 20, 30, 40}, sorted(ports));
        // Port 10 gave way to 40; with 50, ports 20..50 are the four most recent.
        assertEquals(4, table.recordNewConnection(slot, 50, T0 + 50, ports));
        assertArrayEquals(new int[] {20, 30, 40, 50}, sorted(ports));
        // One window after 20 was last reached, only 30, 40, 50 and the new one remain.
        assertEquals(4, table.recordNewConnection(slot, 5, T0 + 20 + WINDOW, ports));
        assertArrayEquals(new int[] {5, 30, 40, 50}, sorted(ports));
        assertEquals(2, table.recordNewConnection(slot, 30, T0 + 50 + WINDOW, ports), "30 again, and 5");
    }

    @Test
    void atThresholdOneTwoPortsAreKeptSoAPairWithTwoIsAPotentialScanner() {
        PairTable table = new PairTable(2, 1, WINDOW, WINDOW, false, new Hashing.Key(99));
        int[] two = new int[PairTable.portSlots(1) + 1];
        int scanner = touch(table, 0, T0);
        assertEquals(1, table.recordNewConnection(scanner, 22, T0, two));
        assertEquals(2, table.recordNewConnection(scanner, 23, T0 + 1, two));
        assertEquals(3, table.recordNewConnection(scanner, 24, T0 + 2, two));
        assertArrayEquals(new int[] {22, 23, 24}, sorted(two));
        touch(table, 1, T0 + 3);
        touch(table, 2, T0 + 4);
        assertEquals(scanner, touch(table, 0, T0 + 5), "the single-port pair went, not the scanner");
    }

    @Test
    void timesStayExactAcrossTheEpochsMoves() {
        PairTable table = new PairTable(CAP, 3, WINDOW, WINDOW, false, new Hashing.Key(99));
        long t = T0 + CompactTime.REBASE_AFTER_MICROS - 30_000_000L;
        touch(table, 0, T0);
        int slot = touch(table, 1, t);
        table.recordNewConnection(slot, 80, t, ports);
        table.recordNewConnection(slot, 81, t + 1, ports);
        assertEquals(0, table.rebases() - 1, "only the first SYN's");
        touch(table, 2, T0 + CompactTime.REBASE_AFTER_MICROS + 1);
        assertEquals(2, table.rebases(), "the epoch moved between the pair's ports and its next one");
        assertEquals(t, table.born(slot));
        assertEquals(3, table.recordNewConnection(slot, 82, t + WINDOW - 1, ports), "80 is a microsecond inside the window");
        assertEquals(3, table.recordNewConnection(slot, 83, t + WINDOW, ports), "80 has just left it, 81 not");
        assertEquals(t + WINDOW + 1, table.lastActivity(touch(table, 1, t + WINDOW + 1)));
    }

    @Test
    void timesTooOldForFourBytesStayOlderThanTheWindow() {
        PairTable table = new PairTable(CAP, 3, WINDOW, WINDOW, false, new Hashing.Key(99));
        int slot = touch(table, 1, T0);
        table.recordNewConnection(slot, 80, T0, ports);
        table.recordNewConnection(slot, 81, T0, ports);
        // Pair 1 stays active (a SYN 10 s before each move of the epoch), while its birth and its
        // ports' times fall out of what 4 bytes express after two moves.
        long reach = CompactTime.REBASE_AFTER_MICROS;
        touch(table, 1, T0 + reach - 10_000_000L);
        touch(table, 2, T0 + reach + 1);
        touch(table, 1, T0 + 2 * reach - 10_000_000L);
        long later = T0 + 2 * reach + 2;
        touch(table, 2, later);
        assertEquals(3, table.rebases());
        assertEquals(2, table.size(), "both pairs were active");
        assertTrue(table.born(slot) <= later - CompactTime.LONGEST_INTERVAL_MICROS, "saturated, still old");
        assertEquals(T0 + 2 * reach - 10_000_000L, table.lastActivity(slot), "recent times stay exact");
        assertEquals(1, table.recordNewConnection(slot, 82, later, ports), "80 and 81 are out of the window");
        int generation = table.generation(slot);
        table.tidy(later + 55_000_000L, 10);
        assertFalse(table.holds(slot, generation, Long.MAX_VALUE), "retired as idle");
        assertEquals(1, table.size());
    }

    @Test
    void afterASilenceThatLeavesEveryPairIdleTheTableStartsOver() {
        PairTable table = new PairTable(CAP, 3, WINDOW, WINDOW, false, new Hashing.Key(99));
        for (int source = 0; source < CAP; source++) {
            touch(table, source, T0 + source);
        }
        assertEquals(CAP, table.slotCapacity());
        long later = T0 + CAP + WINDOW + CompactTime.REBASE_AFTER_MICROS;
        int slot = touch(table, 0, later);
        assertEquals(1, table.size());
        assertEquals(PairTable.PAGE_SLOTS, table.slotCapacity(), "the memory of all pages but one is given back");
        assertEquals(CAP, table.departures(), "every pair retired");
        assertEquals(0, evictions(table));
        assertEquals(later, table.born(slot), "pair 0 is new");
        assertEquals(slot, touch(table, 0, later + 1));
    }

    /**
     * The slot word tells an entry written before its pair's birth (by more than the 1,024 µs the
     * birth is rounded to) from one written since, across moves of the epoch, with 4-byte and
     * 8-byte times; a pair held for longer than the birth mark reaches back (about 9 hours) still
     * holds what it writes, and a departed pair's generation holds nothing.
     */
    @ParameterizedTest(name = "window {0} µs")
    @ValueSource(longs = {60_000_000L, 2 * CompactTime.LONGEST_INTERVAL_MICROS})
    void theSlotWordTellsEntriesFromBeforeThePairsBirthAcrossEpochMoves(long window) {
        PairTable table = new PairTable(CAP, 3, window, window, false, new Hashing.Key(99));
        long born = T0 + 777_777;
        int slot = touch(table, 1, born);
        int generation = table.generation(slot);
        long now = born;
        for (long end = born + 12 * 3_600_000_000L; now < end; now += window / 2) {
            touch(table, 1, now);
            assertEquals(slot, touch(table, 1, now), "held");
            assertTrue(table.holds(slot, generation, now), "what it writes now holds, " + (now - born) + " µs on");
            if (now - born < 9 * 3_600_000_000L) {
                assertTrue(table.holds(slot, generation, born), "its first SYN holds");
                assertFalse(table.holds(slot, generation, born - 2_048), "before its birth: an earlier occupant's");
            }
            assertFalse(table.holds(slot, generation + 1, now), "another generation");
        }
        assertTrue(table.rebases() >= 20, "the epoch moved: " + table.rebases());
        touch(table, 2, now + 2 * window);   // idle for the horizon: pair 1 retires
        assertFalse(table.holds(slot, generation, now + 2 * window), "departed");
    }

    @Test
    void windowsPastTheCompactLimitKeepEightByteTimes() {
        long window = 2 * CompactTime.LONGEST_INTERVAL_MICROS;
        PairTable table = new PairTable(CAP, 3, window, window, false, new Hashing.Key(99));
        int slot = touch(table, 1, T0);
        table.recordNewConnection(slot, 80, T0, ports);
        touch(table, 1, T0 + window - 1);
        assertEquals(2, table.recordNewConnection(slot, 81, T0 + window - 1, ports), "80 is still in the window");
        // The epoch still moves, for the slot words' birth marks; the 8-byte times don't.
        assertTrue(table.rebases() >= 2, "rebases: " + table.rebases());
        assertEquals(T0, table.born(slot));
        assertEquals(T0 + window - 1, table.lastActivity(slot));
    }

    @Test
    void atTheCapAnIdleHeadIsRetiredThoughActiveSinceItWasQueued() {
        PairTable table = new PairTable(2, 3, WINDOW, WINDOW, false, new Hashing.Key(99));
        int idle = touch(table, 0, T0);
        int generation = table.generation(idle);
        touch(table, 0, T0 + 1);
        touch(table, 1, T0 + 2);
        touch(table, 2, T0 + WINDOW + 10);
        assertEquals(0, evictions(table), "pair 0 was idle: retired, not evicted");
        assertFalse(table.holds(idle, generation, Long.MAX_VALUE));
        assertEquals(2, table.size());
    }

    @Test
    void queuedTimesMoveWithTheEpochSoTheSecondChanceHolds() {
        PairTable table = new PairTable(3, 3, WINDOW, WINDOW, false, new Hashing.Key(99));
        long t = T0 + CompactTime.REBASE_AFTER_MICROS - 20_000_000L;
        touch(table, 9, T0);
        int a = touch(table, 0, t);
        int b = touch(table, 1, t + 1);
        int generation = table.generation(b);
        touch(table, 0, t + 2);
        touch(table, 2, T0 + CompactTime.REBASE_AFTER_MICROS + 1);
        assertEquals(2, table.rebases());
        assertEquals(0, evictions(table), "the first pair was idle: retired");
        touch(table, 3, T0 + CompactTime.REBASE_AFTER_MICROS + 2);
        assertEquals(1, evictions(table));
        assertEquals(a, touch(table, 0, T0 + CompactTime.REBASE_AFTER_MICROS + 3), "active since queued: kept");
        assertFalse(table.holds(b, generation, Long.MAX_VALUE), "the second pair went");
    }

    /**
     * A capture that jumps the clock past the epoch's reach with one pair still active: the move
     * retires every idle pair at once, so the next move's pass is over two records, not the table.
     */
    @Test
    void aMoveOfTheEpochRetiresTheIdlePairsAtOnce() {
        PairTable table = new PairTable(CAP, 3, WINDOW, WINDOW, false, new Hashing.Key(99));
        for (int source = 0; source < CAP; source++) {
            touch(table, source, T0 + source);
        }
        long reach = CompactTime.REBASE_AFTER_MICROS;
        touch(table, 0, T0 + reach - 10_000_000L);
        touch(table, CAP, T0 + reach + 1);
        assertEquals(2, table.size());
        assertEquals(CAP - 1, table.departures());
        assertEquals(0, evictions(table));
    }
}
