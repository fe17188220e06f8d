package org.synwatch.detect;

import java.util.Arrays;

/**
 * When each connection 4-tuple last sent a SYN, to recognise retransmissions. A 4-tuple is keyed
 * exactly by its pair's slot and generation (see {@link PairTable}) plus both ports, so a pair that
 * was evicted and whose slot was reused can never match.
 *
 * <p>Set-associative, 8 ways: a full bucket gives up its stalest entry. Rather than forget a
 * 4-tuple seen within the horizon, it first takes over an entry whose pair is gone (which can never
 * match again), and failing that the table doubles, so its size follows the SYN rate of the last
 * minute rather than the number of pairs; only at {@code maxEntries} does it forget fresh entries,
 * and it counts each one (a retransmission of it would then be reported as new).
 *
 * <p>Entries live in pages, and a doubling splits each bucket in place into itself and its twin
 * (one more hash bit), so growth never holds a copy of the table. Past one page the split is
 * incremental: a few buckets per SYN, plus any bucket a SYN needs at once, with the twin's page
 * allocated when first needed. Splitting 4,194,304 entries at once stalled the detector for about
 * 190 ms, longer than the ring holds at 350,000 SYNs per second.
 */
final class RecentSyns {
    private static final int WAYS = 8;
    /** 32,768 entries a page: a page of longs is 256 KiB. */
    static final int PAGE_SHIFT = 15;
    static final int PAGE_ENTRIES = 1 << PAGE_SHIFT;
    private static final int PAGE_MASK = PAGE_ENTRIES - 1;
    private static final long EMPTY = Long.MIN_VALUE;
    /** Buckets split per SYN while a doubling is under way: it ends after a quarter as many SYNs as the table had buckets. */
    private static final int SPLIT_STEP = 4;
    private static final int NOT_SPLITTING = Integer.MAX_VALUE;

    private final PairTable pairs;
    private final int maxEntries;
    private final long[][] keys;
    private final int[][] generations;
    private final long[][] times;
    private int entries;
    private int bucketMask;
    /** While a doubling is under way, buckets [0, half) split into [half, 2 half); otherwise NOT_SPLITTING. */
    private int half = NOT_SPLITTING;
    /** Bit b: bucket b has been split in the doubling under way. */
    private long[] split;
    private int unsplit;
    private int sweep;
    private long freshEvictions;

    RecentSyns(PairTable pairs, int entries, int maxEntries) {
        this.pairs = pairs;
        this.maxEntries = powerOfTwoAtLeast(Math.max(maxEntries, WAYS));
        int pageCount = Math.max(1, this.maxEntries >>> PAGE_SHIFT);
        keys = new long[pageCount][];
        generations = new int[pageCount][];
        times = new long[pageCount][];
        this.entries = Math.max(Math.min(powerOfTwoAtLeast(entries), this.maxEntries), WAYS);
        bucketMask = this.entries / WAYS - 1;
        for (int page = 0; (long) page * PAGE_ENTRIES < this.entries; page++) {
            allocatePage(page, Math.min(this.entries, PAGE_ENTRIES));
        }
    }

    /** Grows to at least {@code entries} (bounded by the maximum); never shrinks. */
    void ensureEntries(int entries) {
        int wanted = Math.min(powerOfTwoAtLeast(entries), maxEntries);
        while (this.entries < wanted) {
            finishSplit();
            startDoubling();
        }
    }

    int entries() {
        return entries;
    }

    boolean splitting() {
        return half != NOT_SPLITTING;
    }

    long freshEvictions() {
        return freshEvictions;
    }

    /**
     * Returns whether this 4-tuple sent a SYN less than {@code horizon} before {@code now}, and
     * records {@code now} as its latest SYN either way.
     */
    boolean seenWithin(int slot, int generation, int srcPort, int dstPort, long now, long horizon) {
        for (int i = 0; i < SPLIT_STEP && half != NOT_SPLITTING; i++) {
            splitNext();
        }
        long key = keyOf(slot, srcPort, dstPort);
        int base = bucketOf(key);
        long[] keyPage = keys[base >>> PAGE_SHIFT];
        int[] generationPage = generations[base >>> PAGE_SHIFT];
        long[] timePage = times[base >>> PAGE_SHIFT];
        int first = base & PAGE_MASK;
        for (int i = first; i < first + WAYS; i++) {
            if (keyPage[i] == key && generationPage[i] == generation && timePage[i] != EMPTY) {
                boolean within = now - timePage[i] < horizon;
                timePage[i] = now;
                return within;
            }
        }
        long freshAfter = now - horizon;
        int victim = stalest(base);
        while (timeAt(victim) > freshAfter) {
            int dead = deadWay(base);
            if (dead != -1) {
                victim = dead;
                break;
            }
            int bucket = base / WAYS;
            if (splitting() && bucket < half && !isSplit(bucket)) {
                // The bucket still holds its twin's entries too: splitting it may be enough.
                splitBucket(bucket);
            } else if (entries == maxEntries) {
                freshEvictions++;
                break;
            } else {
                finishSplit();
                startDoubling();
            }
            base = bucketOf(key);
            victim = stalest(base);
        }
        write(victim, key, generation, now);
        return false;
    }

    /** A way of the bucket whose pair no longer holds its slot, or -1: checked only before growing. */
    private int deadWay(int base) {
        for (int i = base; i < base + WAYS; i++) {
            long key = keyAt(i);
            if (!pairs.holds((int) (key >>> 32), generationAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private int stalest(int base) {
        long[] timePage = times[base >>> PAGE_SHIFT];
        int first = base & PAGE_MASK;
        int victim = first;
        for (int i = first + 1; i < first + WAYS; i++) {
            if (timePage[i] < timePage[victim]) {
                victim = i;
            }
        }
        return base + victim - first;
    }

    private long keyAt(int index) {
        return keys[index >>> PAGE_SHIFT][index & PAGE_MASK];
    }

    private int generationAt(int index) {
        return generations[index >>> PAGE_SHIFT][index & PAGE_MASK];
    }

    private long timeAt(int index) {
        return times[index >>> PAGE_SHIFT][index & PAGE_MASK];
    }

    private void write(int index, long key, int generation, long time) {
        keys[index >>> PAGE_SHIFT][index & PAGE_MASK] = key;
        generations[index >>> PAGE_SHIFT][index & PAGE_MASK] = generation;
        times[index >>> PAGE_SHIFT][index & PAGE_MASK] = time;
    }

    /**
     * Doubles the buckets. Until bucket b is split, its twin b + half stays empty and b holds the
     * entries of both; below one page the table is small enough to split at once.
     */
    private void startDoubling() {
        int oldBuckets = entries / WAYS;
        entries *= 2;
        bucketMask = entries / WAYS - 1;
        half = oldBuckets;
        unsplit = oldBuckets;
        sweep = 0;
        split = new long[(oldBuckets + 63) >>> 6];
        if (entries <= PAGE_ENTRIES) {
            growFirstPage(entries);
            finishSplit();
        }
    }

    private void splitNext() {
        while (isSplit(sweep)) {
            sweep++;
        }
        splitBucket(sweep);
    }

    private void finishSplit() {
        while (half != NOT_SPLITTING) {
            splitNext();
        }
    }

    /** Moves the entries of {@code bucket} that the new hash bit sends to its twin; at most 8, into 8 empty ways. */
    private void splitBucket(int bucket) {
        split[bucket >>> 6] |= 1L << bucket;
        int from = bucket * WAYS;
        int to = (bucket + half) * WAYS;
        if (times[to >>> PAGE_SHIFT] == null) {
            allocatePage(to >>> PAGE_SHIFT, PAGE_ENTRIES);
        }
        for (int i = from; i < from + WAYS; i++) {
            long time = timeAt(i);
            if (time != EMPTY && (hash(keyAt(i)) & bucketMask) != bucket) {
                write(to++, keyAt(i), generationAt(i), time);
                times[i >>> PAGE_SHIFT][i & PAGE_MASK] = EMPTY;
            }
        }
        if (--unsplit == 0) {
            half = NOT_SPLITTING;
            split = null;
        }
    }

    private boolean isSplit(int bucket) {
        return (split[bucket >>> 6] & 1L << bucket) != 0;
    }

    /** While the table is under a page, page 0 itself grows (a small copy). */
    private void growFirstPage(int length) {
        int old = times[0].length;
        keys[0] = Arrays.copyOf(keys[0], length);
        generations[0] = Arrays.copyOf(generations[0], length);
        times[0] = Arrays.copyOf(times[0], length);
        Arrays.fill(times[0], old, length, EMPTY);
    }

    private void allocatePage(int page, int length) {
        keys[page] = new long[length];
        generations[page] = new int[length];
        times[page] = new long[length];
        Arrays.fill(times[page], EMPTY);
    }

    /** The bucket's first entry; a twin not yet split off still lives in its lower bucket. */
    private int bucketOf(long key) {
        int bucket = hash(key) & bucketMask;
        if (bucket >= half && !isSplit(bucket - half)) {
            bucket -= half;
        }
        return bucket * WAYS;
    }

    /** The keyed hash whose low bits pick a 4-tuple's bucket. */
    static int hash(long key) {
        return Hashing.finish(Hashing.mix(Hashing.start(), key));
    }

    private static int powerOfTwoAtLeast(int n) {
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }

    static long keyOf(int slot, int srcPort, int dstPort) {
        return (long) slot << 32 | (long) srcPort << 16 | dstPort;
    }
}
