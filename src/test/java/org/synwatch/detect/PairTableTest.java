package org.synwatch.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
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

    private static long evictions(PairTable table) {
        return table.evictions(DetectorStats.Eviction.SINGLE_PORT) + table.evictions(DetectorStats.Eviction.MULTI_PORT);
    }

    @Test
    void pairsKeepTheirSlotsAndPortsAcrossPages() {
        PairTable table = new PairTable(CAP, 4, WINDOW, false, new Hashing.Key(99));
        assertEquals(PairTable.PAGE_SLOTS, table.slotCapacity());
        int[] slots = new int[CAP];
        for (int source = 0; source < CAP; source++) {
            slots[source] = touch(table, source, T0 + source);
            assertEquals(1, table.recordNewConnection(slots[source], source % 60_000, T0 + source));
        }
        assertEquals(CAP, table.slotCapacity(), "the last page stops at the cap");
        assertEquals(CAP, table.size());
        assertEquals(0, evictions(table));
        int[] ports = new int[4];
        for (int source = 0; source < CAP; source++) {
            assertEquals(slots[source], touch(table, source, T0 + CAP + source), "found again after growth");
            assertEquals(1, table.sortedPorts(slots[source], ports));
            assertEquals(source % 60_000, ports[0]);
        }
        // A second port on a pair of each page is counted with that pair's first, and no other's.
        for (int source : new int[] {0, PairTable.PAGE_SLOTS - 1, PairTable.PAGE_SLOTS, CAP - 1}) {
            assertEquals(2, table.recordNewConnection(slots[source], 65_000, T0 + 2 * CAP));
        }
        assertEquals(1, table.recordNewConnection(slots[1], 1, T0 + 2 * CAP));
    }

    @Test
    void atTheCapTheOldestUntouchedSinglePortPairIsEvictedAndItsSlotReused() {
        PairTable table = new PairTable(CAP, 4, WINDOW, false, new Hashing.Key(99));
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
        assertFalse(table.holds(gone, T0 + CAP), "born after that time: another pair");
        assertEquals(slots[0], touch(table, 0, T0 + CAP + 2), "pair 0 was kept");
        // Pair 1 comes back as a new pair, evicting pair 2.
        assertEquals(slots[2], touch(table, 1, T0 + CAP + 3));
        assertEquals(2, evictions(table));
    }

    @Test
    void multiPortPairsGoOnlyWhenNoSinglePortPairIsLeft() {
        PairTable table = new PairTable(3, 4, WINDOW, false, new Hashing.Key(99));
        int scanner = touch(table, 0, T0);
        table.recordNewConnection(scanner, 22, T0);
        int single = touch(table, 1, T0 + 1);
        table.recordNewConnection(single, 80, T0 + 1);
        touch(table, 0, T0 + 2);
        table.recordNewConnection(scanner, 23, T0 + 2);
        touch(table, 2, T0 + 3);
        // Full: the scanner is the oldest, but it has two ports in the window.
        touch(table, 3, T0 + 4);
        assertEquals(1, table.evictions(DetectorStats.Eviction.SINGLE_PORT));
        assertEquals(scanner, touch(table, 0, T0 + 5), "the scanner was kept");
        assertEquals(0, table.evictions(DetectorStats.Eviction.MULTI_PORT));
    }

    @Test
    void idlePairsAreRetiredFromTheHeadsOfTheQueues() {
        PairTable table = new PairTable(CAP, 4, WINDOW, false, new Hashing.Key(99));
        int slot = touch(table, 7, T0);
        touch(table, 8, T0 + WINDOW);
        table.tidy(T0, T0 + WINDOW, 10);
        assertFalse(table.holds(slot, T0), "the slot is free");
        assertEquals(1, table.size());
        assertTrue(table.holds(touch(table, 8, T0 + WINDOW + 1), T0 + WINDOW));
    }
}
