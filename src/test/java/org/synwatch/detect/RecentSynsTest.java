package org.synwatch.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;
import org.synwatch.config.DetectionSettings;
import org.synwatch.packet.SynHeader;

class RecentSynsTest {
    private static final long T0 = 1_619_623_685_000_000L;
    private static final long HORIZON = Detector.RETRANSMISSION_HORIZON_MICROS;

    private static int touch(PairTable pairs, int source, long now) {
        return pairs.touch(SynHeader.IPV4, 0, 0xC6120000L + source, 0, 0xC0000201L, now);
    }

    private static boolean seen(RecentSyns syns, PairTable pairs, int slot, int srcPort, long now) {
        return syns.seenWithin(slot, pairs.generation(slot), pairs.born(slot), srcPort, 443, now);
    }

    /** One SYN from each of {@code sources} sources, source i at T0 + i µs: each is new, and the table neither grows nor forgets. */
    private static void assertAFloodNeitherGrowsNorForgets(PairTable pairs, RecentSyns syns, int sources, IntUnaryOperator srcPort) {
        int capacity = syns.capacity();
        for (int i = 0; i < sources; i++) {
            int slot = touch(pairs, i, T0 + i);
            assertFalse(seen(syns, pairs, slot, srcPort.applyAsInt(i), T0 + i), "source " + i + " is new");
        }
        assertEquals(capacity, syns.capacity());
        assertEquals(0, syns.forgotten());
    }

    @Test
    void growsAndKeepsEveryFresh4TupleWhateverThePair() {
        PairTable pairs = new PairTable(64, 4, HORIZON, HORIZON, false, new Hashing.Key(5));
        RecentSyns syns = new RecentSyns(pairs, 1 << 20, HORIZON, new Hashing.Key(5));
        int tuples = 300_000;
        for (int i = 0; i < tuples; i++) {
            int slot = touch(pairs, i % 64, T0 + i);
            assertFalse(seen(syns, pairs, slot, i / 64, T0 + i));
        }
        assertTrue(syns.limit() >= tuples, "grew: " + syns.capacity());
        for (int i = 0; i < tuples; i++) {
            int slot = touch(pairs, i % 64, T0 + tuples + i);
            assertTrue(seen(syns, pairs, slot, i / 64, T0 + tuples + i), "4-tuple " + i + " is a retransmission");
        }
        assertEquals(0, syns.forgotten());
    }

    /**
     * Growth moves the old table's entries over the following SYNs, not at once (that stalled the
     * detector for the whole table); meanwhile every 4-tuple is found in one table or the other.
     */
    @Test
    void whileItGrowsEvery4TupleIsFoundInOneTableOrTheOther() {
        PairTable pairs = new PairTable(64, 4, HORIZON, HORIZON, false, new Hashing.Key(5));
        RecentSyns syns = new RecentSyns(pairs, 1 << 20, HORIZON, new Hashing.Key(5));
        int capacity = syns.capacity();
        int tuples = 0;
        for (; syns.capacity() == capacity; tuples++) {
            int slot = touch(pairs, tuples % 64, T0 + tuples);
            assertFalse(seen(syns, pairs, slot, tuples / 64, T0 + tuples));
        }
        assertTrue(syns.growing(), "the old table's entries move over the next SYNs");
        for (int i = 0; i < tuples; i++) {
            int slot = touch(pairs, i % 64, T0 + tuples + i);
            assertTrue(seen(syns, pairs, slot, i / 64, T0 + tuples + i), "4-tuple " + i + " is a retransmission");
        }
        assertFalse(syns.growing());
        assertEquals(tuples, syns.occupied());
        assertEquals(2 * capacity, syns.capacity());
    }

    @Test
    void aFormerOccupantsEntryNeverMatchesAndIsSweptAway() {
        PairTable pairs = new PairTable(1, 4, HORIZON, HORIZON, false, new Hashing.Key(5));
        RecentSyns syns = new RecentSyns(pairs, 1 << 10, HORIZON, new Hashing.Key(5));
        int first = touch(pairs, 1, T0);
        assertFalse(seen(syns, pairs, first, 40000, T0));
        // Another pair takes the only slot at the same microsecond, then the same one a moment later.
        int second = touch(pairs, 2, T0);
        assertEquals(first, second);
        assertFalse(seen(syns, pairs, second, 40000, T0), "same slot, same ports, another generation");
        int third = touch(pairs, 1, T0 + 1);
        assertFalse(seen(syns, pairs, third, 40000, T0 + 1), "the first pair is back, from scratch");
        assertTrue(seen(syns, pairs, third, 40000, T0 + 2));
    }

    /**
     * A flood at the pair cap recycles slots, and with fixed ports every occupant of a slot writes
     * the same two buckets: the former occupants' entries must make room, not make the table grow
     * or forget (without {@code departed} it forgets from the ninth occupant on).
     */
    @Test
    void aSlotsFormerOccupantsDoNotCrowdItsBuckets() {
        PairTable pairs = new PairTable(1, 4, HORIZON, HORIZON, false, new Hashing.Key(5));
        RecentSyns syns = new RecentSyns(pairs, 1 << 10, HORIZON, new Hashing.Key(5));
        assertAFloodNeitherGrowsNorForgets(pairs, syns, 1_000, source -> 40000);
    }

    /**
     * A spoofed flood at the pair cap: 200,000 sources, one SYN each within the horizon, through
     * 1,000 pairs. Each pushed-out pair leaves a 4-tuple that can never match again; the table
     * clears them instead of growing for them (without that it grew to 262,144 entries).
     */
    @Test
    void aFloodAtThePairCapDoesNotGrowTheTable() {
        PairTable pairs = new PairTable(1_000, 4, HORIZON, HORIZON, false, new Hashing.Key(5));
        RecentSyns syns = new RecentSyns(pairs, 1 << 20, HORIZON, new Hashing.Key(5));
        assertAFloodNeitherGrowsNorForgets(pairs, syns, 200_000, source -> 40000 + (source & 0xFFF));
        // The live pairs' 4-tuples are all still known.
        for (int i = 199_000; i < 200_000; i++) {
            int slot = touch(pairs, i, T0 + 200_000);
            assertTrue(seen(syns, pairs, slot, 40000 + (i & 0xFFF), T0 + 200_000), "source " + i + " retransmits");
        }
    }

    /**
     * Live 4-tuples hold the table at its bound while a flood pushes pairs out. Passes run back to
     * back there, each over its full length ({@link RecentSyns#passLength}): a few buckets a SYN,
     * never the whole table.
     */
    @Test
    void atTheBoundAFloodDoesNotMakeEverySynPassTheTable() {
        PairTable pairs = new PairTable(128, 4, HORIZON, HORIZON, false, new Hashing.Key(9));
        RecentSyns syns = new RecentSyns(pairs, 4_096, HORIZON, new Hashing.Key(9));
        int syn = 40_000;
        for (int i = 0; i < syn; i++) {
            long now = T0 + i;
            if (i % 2 == 0) {   // 64 busy pairs, a new 4-tuple each time
                int slot = touch(pairs, i / 2 % 64, now);
                seen(syns, pairs, slot, i / 128, now);
            } else {            // spoofed sources, one SYN each
                int slot = touch(pairs, 1_000 + i, now);
                seen(syns, pairs, slot, 40000, now);
            }
        }
        assertEquals(5_120, syns.capacity());
        assertTrue(syns.forgotten() > 0, "the busy pairs' 4-tuples overflow the bound");
        assertTrue(pairs.departures() > syn / 2 - 128, "departures " + pairs.departures());
        assertTrue(syns.passes() >= syn / RecentSyns.passLength(1_024) / 2, "passes " + syns.passes());
        assertTrue(syns.passes() <= syn / RecentSyns.passLength(1_024) + 1, "passes " + syns.passes());
    }

    @Test
    void expiredEntriesAreSweptSoTheTableStaysSmall() {
        PairTable pairs = new PairTable(64, 4, HORIZON, HORIZON, false, new Hashing.Key(5));
        RecentSyns syns = new RecentSyns(pairs, 1 << 20, HORIZON, new Hashing.Key(5));
        // A steady 1,000 new 4-tuples a second for 5 minutes: about 60,000 are fresh at any time.
        for (int i = 0; i < 300_000; i++) {
            long now = T0 + i * 1_000L;
            int slot = touch(pairs, i % 64, now);
            seen(syns, pairs, slot, i & 0xFFFF, now + (i >>> 16));
        }
        assertTrue(syns.occupied() < 100_000, "held " + syns.occupied());
        assertTrue(syns.capacity() <= 1 << 18, "capacity " + syns.capacity());
    }

    @Test
    void fullToItsLimitItForgetsNothingWhateverTheHashKey() {
        // 4,096 asked for: 5,120 entries at most, used to seven eighths. 4,479 live 4-tuples fill
        // the buckets so that many inserts must move residents; under each of 500 keys none is lost
        // (with a one-fold hash of the 4-tuple, 4 keys in 400 lost one).
        for (long hashKey = 1; hashKey <= 500; hashKey++) {
            PairTable pairs = new PairTable(16, 4, HORIZON, HORIZON, false, new Hashing.Key(hashKey));
            RecentSyns syns = new RecentSyns(pairs, 4_096, HORIZON, new Hashing.Key(hashKey));
            int tuples = 4_480 - 1;
            for (int i = 0; i < tuples; i++) {
                int slot = touch(pairs, i % 16, T0 + i);
                assertFalse(seen(syns, pairs, slot, i / 16, T0 + i));
            }
            assertEquals(5_120, syns.capacity());
            assertEquals(4_480, syns.limit());
            assertEquals(tuples, syns.occupied());
            for (int i = 0; i < tuples; i++) {
                int slot = touch(pairs, i % 16, T0 + tuples + i);
                assertTrue(seen(syns, pairs, slot, i / 16, T0 + tuples + i), "key " + hashKey + ", 4-tuple " + i);
            }
            assertEquals(0, syns.forgotten(), "key " + hashKey);
        }
    }

    /**
     * A bound's table leaves a pass's length of room beyond it, so dead entries can't take a live
     * one's: the first power of two of buckets whose limit, less a pass's length, holds the bound.
     * The default's is the 64 MiB it was.
     */
    @Test
    void everyBoundHasAPassOfRoomBeyondIt() {
        assertEquals(4_480 - 342, 1_024 * 5 / 8 * 7 - RecentSyns.passLength(1_024));
        assertEquals(1_024, RecentSyns.bucketsFor(1));
        assertEquals(1_024, RecentSyns.bucketsFor(4_138));
        assertEquals(2_048, RecentSyns.bucketsFor(4_139));
        assertEquals(2_048, RecentSyns.bucketsFor(4_480));
        assertEquals(1 << 20, RecentSyns.bucketsFor(DetectionSettings.DEFAULT_MAX_TRACKED_SYNS));
        for (int bound = 1; bound <= DetectionSettings.MAX_TRACKED_SYNS_LIMIT; bound = bound * 3 / 2 + 1) {
            int buckets = RecentSyns.bucketsFor(bound);
            assertTrue(buckets * 5 / 8 * 7 - RecentSyns.passLength(buckets) >= bound, "bound " + bound);
            assertTrue(buckets == 1_024 || (buckets / 2) * 5 / 8 * 7 - RecentSyns.passLength(buckets / 2) < bound,
                    "bound " + bound);
        }
    }

    @Test
    void pastItsLimitItForgetsAndCountsButHoldsNoMore() {
        PairTable pairs = new PairTable(16, 4, HORIZON, HORIZON, false, new Hashing.Key(9));
        RecentSyns syns = new RecentSyns(pairs, 4_096, HORIZON, new Hashing.Key(9));
        int tuples = 20_000;
        for (int i = 0; i < tuples; i++) {
            int slot = touch(pairs, i % 16, T0 + i);
            seen(syns, pairs, slot, i / 16, T0 + i);
        }
        assertEquals(5_120, syns.capacity(), "never past the bound");
        assertEquals(4_480 + RecentSyns.passLength(1_024), syns.occupied(), "held up to the ceiling");
        assertTrue(syns.forgotten() >= tuples - 4_480 - RecentSyns.passLength(1_024), "forgotten " + syns.forgotten());
        // The latest 4-tuples are the ones kept: the one just added is known.
        int slot = touch(pairs, (tuples - 1) % 16, T0 + tuples);
        assertTrue(seen(syns, pairs, slot, (tuples - 1) / 16, T0 + tuples));
    }

    /** The epoch moves while the table grows: the times of both tables move with it. */
    @Test
    void timesInBothTablesMoveWithTheEpoch() {
        PairTable pairs = new PairTable(64, 4, HORIZON, HORIZON, false, new Hashing.Key(5));
        RecentSyns syns = new RecentSyns(pairs, 1 << 20, HORIZON, new Hashing.Key(5));
        seen(syns, pairs, touch(pairs, 63, T0), 1, T0);
        long start = T0 + CompactTime.REBASE_AFTER_MICROS - 30_000_000L;
        int capacity = syns.capacity();
        int tuples = 0;
        for (; syns.capacity() == capacity; tuples++) {
            int slot = touch(pairs, tuples % 63, start + tuples);
            assertFalse(seen(syns, pairs, slot, tuples / 63, start + tuples));
        }
        assertTrue(syns.growing());
        long later = T0 + CompactTime.REBASE_AFTER_MICROS + 1;
        for (int i = 0; i < tuples; i += 2) {
            int slot = touch(pairs, i % 63, later + i);
            assertTrue(seen(syns, pairs, slot, i / 63, later + i), "4-tuple " + i + " is a retransmission");
        }
        long past = start + tuples + HORIZON;
        for (int i = 1; i < tuples; i += 2) {
            int slot = touch(pairs, i % 63, past + i);
            assertFalse(seen(syns, pairs, slot, i / 63, past + i), "4-tuple " + i + " was seen a horizon before");
        }
        int slot = touch(pairs, 63, past + tuples);
        assertFalse(seen(syns, pairs, slot, 1, past + tuples), "seen 18 minutes before: expired");
    }

    @Test
    void afterASilenceThatLeavesEveryEntryExpiredTheTableStartsOverSmall() {
        PairTable pairs = new PairTable(64, 4, HORIZON, HORIZON, false, new Hashing.Key(5));
        RecentSyns syns = new RecentSyns(pairs, 1 << 20, HORIZON, new Hashing.Key(5));
        int first = syns.capacity();
        for (int i = 0; i < 100_000; i++) {
            seen(syns, pairs, touch(pairs, i % 64, T0 + i), i / 64, T0 + i);
        }
        assertTrue(syns.capacity() > first);
        long later = T0 + 100_000 + HORIZON + CompactTime.REBASE_AFTER_MICROS;
        int slot = touch(pairs, 0, later);
        assertFalse(seen(syns, pairs, slot, 0, later));
        assertEquals(first, syns.capacity());
        assertEquals(1, syns.occupied());
        assertEquals(0, syns.forgotten());
        assertTrue(seen(syns, pairs, slot, 0, later + 1));
    }
}
