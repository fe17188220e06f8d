package org.synwatch.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.synwatch.packet.SynHeader;

/** Paged growth: pairs stay where they are as pages are added, across page boundaries and at the cap. */
class PairTableTest {
    private static final long T0 = 1_619_623_685_000_000L;
    private static final long WINDOW = 60_000_000L;
    /** Three full pages and a last one cut short by the cap. */
    private static final int CAP = 3 * PairTable.PAGE_SLOTS + 5;

    private static int touch(PairTable table, int source, long now) {
        return table.touch(SynHeader.IPV4, 0, 0xC6120000L + source, 0, 0xC0000201L, now);
    }

    @Test
    void pairsKeepTheirSlotsAndPortsAcrossPages() {
        PairTable table = new PairTable(CAP, 4);
        assertEquals(PairTable.PAGE_SLOTS, table.slotCapacity());
        int[] slots = new int[CAP];
        for (int source = 0; source < CAP; source++) {
            slots[source] = touch(table, source, T0 + source);
            assertEquals(1, table.recordNewConnection(slots[source], source % 60_000, T0 + source, WINDOW));
        }
        assertEquals(CAP, table.slotCapacity(), "the last page stops at the cap");
        assertEquals(CAP, table.size());
        assertEquals(0, table.evictions());
        int[] ports = new int[4];
        for (int source = 0; source < CAP; source++) {
            assertEquals(slots[source], touch(table, source, T0 + CAP + source), "found again after growth");
            assertEquals(1, table.sortedPorts(slots[source], ports));
            assertEquals(source % 60_000, ports[0]);
        }
        // A second port on a pair of each page is counted with that pair's first, and no other's.
        for (int source : new int[] {0, PairTable.PAGE_SLOTS - 1, PairTable.PAGE_SLOTS, CAP - 1}) {
            assertEquals(2, table.recordNewConnection(slots[source], 65_000, T0 + 2 * CAP, WINDOW));
        }
        assertEquals(1, table.recordNewConnection(slots[1], 1, T0 + 2 * CAP, WINDOW));
    }

    @Test
    void atTheCapTheLeastRecentlyActivePairIsEvictedAndItsSlotReused() {
        PairTable table = new PairTable(CAP, 4);
        int[] slots = new int[CAP];
        for (int source = 0; source < CAP; source++) {
            slots[source] = touch(table, source, T0 + source);
        }
        // Pair 0 (first page) is active again, so pair 1 is now the least recently active.
        touch(table, 0, T0 + CAP);
        int gone = slots[1];
        int generation = table.generation(gone);
        assertTrue(table.holds(gone, generation));
        int slot = touch(table, CAP, T0 + CAP + 1);
        assertEquals(1, table.evictions());
        assertEquals(CAP, table.size());
        assertEquals(CAP, table.slotCapacity(), "no page beyond the cap");
        assertEquals(gone, slot, "the evicted pair's slot is reused");
        assertFalse(table.holds(gone, generation), "the slot now holds another pair");
        assertNotEquals(generation, table.generation(slot));
        assertEquals(slots[0], touch(table, 0, T0 + CAP + 2), "pair 0 was kept");
        assertEquals(1, table.evictions());
        // Pair 1 comes back as a new pair, evicting pair 2 from the first page.
        touch(table, 1, T0 + CAP + 3);
        assertEquals(2, table.evictions());
        // Pair 2, gone too, comes back in the slot of pair 3, which it evicts.
        assertEquals(slots[3], touch(table, 2, T0 + CAP + 4));
        assertEquals(3, table.evictions());
    }

    @Test
    void anExpiredPairNoLongerHoldsItsSlot() {
        PairTable table = new PairTable(CAP, 4);
        int slot = touch(table, 7, T0);
        int generation = table.generation(slot);
        touch(table, 8, T0 + WINDOW);
        table.expireIdle(T0, 10);
        assertFalse(table.holds(slot, generation));
        assertEquals(1, table.size());
    }
}
