package org.synwatch.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.synwatch.packet.SynHeader;

class RecentSynsTest {
    private static final long T0 = 1_619_623_685_000_000L;
    private static final long HORIZON = Detector.RETRANSMISSION_HORIZON_MICROS;

    private static int touch(PairTable pairs, int source, long now) {
        return pairs.touch(SynHeader.IPV4, 0, 0xC6120000L + source, 0, 0xC0000201L, now);
    }

    @Test
    void aFullBucketTakesOverEntriesOfEvictedPairsRatherThanGrow() {
        PairTable pairs = new PairTable(2, 4);
        RecentSyns syns = new RecentSyns(pairs, 8, 1 << 10);   // one bucket of 8 ways
        for (int source = 0; source < 8; source++) {
            int slot = touch(pairs, source, T0 + source);
            assertFalse(syns.seenWithin(slot, pairs.generation(slot), 40000, 443, T0 + source, HORIZON));
        }
        // Every entry is fresh, but only sources 6 and 7 are still tracked: 6 entries are dead.
        int slot = touch(pairs, 8, T0 + 8);
        assertFalse(syns.seenWithin(slot, pairs.generation(slot), 40000, 443, T0 + 8, HORIZON));
        assertEquals(8, syns.entries(), "a dead entry was reused");
        assertEquals(0, syns.freshEvictions());
        for (int source = 7; source <= 8; source++) {
            int live = touch(pairs, source, T0 + 9);
            assertTrue(syns.seenWithin(live, pairs.generation(live), 40000, 443, T0 + 9, HORIZON),
                    "the live pairs' entries were kept");
        }
    }

    @Test
    void aFullBucketOfLiveEntriesGrows() {
        PairTable pairs = new PairTable(2, 4);
        RecentSyns syns = new RecentSyns(pairs, 8, 1 << 10);
        int slot = touch(pairs, 0, T0);
        for (int port = 0; port < 9; port++) {
            assertFalse(syns.seenWithin(slot, pairs.generation(slot), 40000 + port, 443, T0 + port, HORIZON));
        }
        assertEquals(16, syns.entries());
        for (int port = 0; port < 9; port++) {
            assertTrue(syns.seenWithin(slot, pairs.generation(slot), 40000 + port, 443, T0 + 10, HORIZON));
        }
    }

    @Test
    void growthAcrossPagesKeepsEveryFreshEntry() {
        PairTable pairs = new PairTable(64, 4);
        RecentSyns syns = new RecentSyns(pairs, 8, 1 << 22);
        int tuples = 6 * RecentSyns.PAGE_ENTRIES;
        for (int i = 0; i < tuples; i++) {
            int slot = touch(pairs, i % 64, T0 + i);
            assertFalse(syns.seenWithin(slot, pairs.generation(slot), i / 64, 443, T0 + i, HORIZON));
        }
        assertTrue(syns.entries() > 4 * RecentSyns.PAGE_ENTRIES, "grew past several pages: " + syns.entries());
        // Growth asked for from outside (the pair table grew) splits the buckets too.
        syns.ensureEntries(2 * syns.entries());
        for (int i = 0; i < tuples; i++) {
            int slot = touch(pairs, i % 64, T0 + tuples + i);
            assertTrue(syns.seenWithin(slot, pairs.generation(slot), i / 64, 443, T0 + tuples + i, HORIZON),
                    "4-tuple " + i + " is a retransmission");
        }
        assertEquals(0, syns.freshEvictions());
    }
}
