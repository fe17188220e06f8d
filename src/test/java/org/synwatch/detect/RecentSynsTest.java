package org.synwatch.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.IntPredicate;
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

    @Test
    void aDoublingPastOnePageSplitsBucketsAsTheyAreNeededAndLosesNothing() {
        PairTable pairs = new PairTable(2, 4);
        int entries = 2 * RecentSyns.PAGE_ENTRIES;
        RecentSyns syns = new RecentSyns(pairs, entries, 1 << 22);
        int slot = touch(pairs, 0, T0);
        int generation = pairs.generation(slot);
        int buckets = entries / 8;
        // Nine 4-tuples of one bucket, which the next hash bit divides five and four.
        int[] first = sameBucket(slot, buckets - 1, 2 * buckets - 1, h -> true);
        int firstBucket = hashOf(slot, first[0]) & (buckets - 1);
        for (int i = 0; i < 9; i++) {
            assertFalse(syns.seenWithin(slot, generation, srcPort(first[i]), dstPort(first[i]), T0 + i, HORIZON));
        }
        assertEquals(2 * entries, syns.entries(), "the ninth fresh 4-tuple doubled the table");
        assertTrue(syns.splitting(), "past one page, the doubling goes on while SYNs are handled");

        // Nine of another bucket that the doubling under way does not divide, but the next one does:
        // the ninth has to finish this split and start another.
        int[] second = sameBucket(slot, 2 * buckets - 1, 4 * buckets - 1, h -> (h & (buckets - 1)) != firstBucket);
        for (int i = 0; i < 9; i++) {
            assertFalse(syns.seenWithin(slot, generation, srcPort(second[i]), dstPort(second[i]), T0 + 10 + i, HORIZON));
        }
        assertEquals(4 * entries, syns.entries());
        assertAllSeen(syns, slot, generation, first, T0 + 20, "found while splitting");
        assertAllSeen(syns, slot, generation, second, T0 + 20, "found while splitting");
        for (int i = 0; syns.splitting() && i < 4 * buckets; i++) {
            syns.seenWithin(slot, generation, 443, 443, T0 + 30, HORIZON);
        }
        assertFalse(syns.splitting(), "the split ends after a bounded number of SYNs");
        assertAllSeen(syns, slot, generation, first, T0 + 40, "found after the split");
        assertAllSeen(syns, slot, generation, second, T0 + 40, "found after the split");
        assertEquals(0, syns.freshEvictions());
    }

    private static void assertAllSeen(RecentSyns syns, int slot, int generation, int[] tuples, long now, String what) {
        for (int tuple : tuples) {
            assertTrue(syns.seenWithin(slot, generation, srcPort(tuple), dstPort(tuple), now, HORIZON), what + ": " + tuple);
        }
    }

    /**
     * Nine port pairs (see {@link #srcPort} and {@link #dstPort}) whose 4-tuples share a bucket under
     * {@code mask}, the first hash that {@code accept}s choosing it, and which {@code nextMask}
     * divides five and four.
     */
    private static int[] sameBucket(int slot, int mask, int nextMask, IntPredicate accept) {
        int[] found = new int[9];
        int bucket = -1;
        int lows = 0;
        int highs = 0;
        for (int tuple = 0; tuple < 1 << 24 && lows + highs < found.length; tuple++) {
            int h = hashOf(slot, tuple);
            if (bucket == -1 && accept.test(h)) {
                bucket = h & mask;
            }
            if ((h & mask) != bucket) {
                continue;
            }
            boolean upper = (h & nextMask) != (h & mask);
            if (upper && highs < 4) {
                found[5 + highs++] = tuple;
            } else if (!upper && lows < 5) {
                found[lows++] = tuple;
            }
        }
        assertEquals(found.length, lows + highs, "enough port pairs for the test");
        return found;
    }

    private static int srcPort(int tuple) {
        return tuple & 0xFFFF;
    }

    private static int dstPort(int tuple) {
        return 1 + (tuple >>> 16);
    }

    private static int hashOf(int slot, int tuple) {
        return RecentSyns.hash(RecentSyns.keyOf(slot, srcPort(tuple), dstPort(tuple)));
    }
}
