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
 * <p>Entries live in pages, and a doubling splits each bucket in place into itself and its new
 * twin (one more hash bit), so growth never holds a copy of the table.
 */
final class RecentSyns {
    private static final int WAYS = 8;
    /** 32,768 entries a page: a page of longs is 256 KiB. */
    static final int PAGE_SHIFT = 15;
    static final int PAGE_ENTRIES = 1 << PAGE_SHIFT;
    private static final int PAGE_MASK = PAGE_ENTRIES - 1;
    private static final long EMPTY = Long.MIN_VALUE;

    private final PairTable pairs;
    private final int maxEntries;
    private long[][] keys = new long[0][];
    private int[][] generations = new int[0][];
    private long[][] times = new long[0][];
    private int entries;
    private int bucketMask;
    private long freshEvictions;

    RecentSyns(PairTable pairs, int entries, int maxEntries) {
        this.pairs = pairs;
        this.maxEntries = powerOfTwoAtLeast(Math.max(maxEntries, WAYS));
        extendTo(Math.max(Math.min(powerOfTwoAtLeast(entries), this.maxEntries), WAYS));
        bucketMask = this.entries / WAYS - 1;
    }

    /** Grows to at least {@code entries} (bounded by the maximum); never shrinks. */
    void ensureEntries(int entries) {
        int wanted = Math.min(powerOfTwoAtLeast(entries), maxEntries);
        while (this.entries < wanted) {
            doubleInPlace();
        }
    }

    int entries() {
        return entries;
    }

    long freshEvictions() {
        return freshEvictions;
    }

    /**
     * Returns whether this 4-tuple sent a SYN less than {@code horizon} before {@code now}, and
     * records {@code now} as its latest SYN either way.
     */
    boolean seenWithin(int slot, int generation, int srcPort, int dstPort, long now, long horizon) {
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
            if (entries == maxEntries) {
                freshEvictions++;
                break;
            }
            doubleInPlace();
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
            if (!pairs.holds((int) (key >>> 32), generations[i >>> PAGE_SHIFT][i & PAGE_MASK])) {
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

    private long timeAt(int index) {
        return times[index >>> PAGE_SHIFT][index & PAGE_MASK];
    }

    private void write(int index, long key, int generation, long time) {
        keys[index >>> PAGE_SHIFT][index & PAGE_MASK] = key;
        generations[index >>> PAGE_SHIFT][index & PAGE_MASK] = generation;
        times[index >>> PAGE_SHIFT][index & PAGE_MASK] = time;
    }

    /**
     * Doubles the buckets: bucket b's entries either stay or move to bucket b + old count, as the
     * next hash bit says, and at most 8 can move, so each always finds an empty way there.
     */
    private void doubleInPlace() {
        int oldEntries = entries;
        extendTo(2 * oldEntries);
        bucketMask = entries / WAYS - 1;
        for (int from = 0; from < oldEntries; from++) {
            long time = timeAt(from);
            if (time == EMPTY) {
                continue;
            }
            long key = keyAt(from);
            int to = bucketOf(key);
            if (to != from - from % WAYS) {
                while (timeAt(to) != EMPTY) {
                    to++;
                }
                write(to, key, generations[from >>> PAGE_SHIFT][from & PAGE_MASK], time);
                times[from >>> PAGE_SHIFT][from & PAGE_MASK] = EMPTY;
            }
        }
    }

    /** Room for {@code entries}: while the table is under a page, page 0 itself grows (a small copy); then whole pages are added. */
    private void extendTo(int entries) {
        int firstLength = Math.min(entries, PAGE_ENTRIES);
        if (times.length == 0) {
            addPage(firstLength);
        } else if (times[0].length < firstLength) {
            int old = times[0].length;
            keys[0] = Arrays.copyOf(keys[0], firstLength);
            generations[0] = Arrays.copyOf(generations[0], firstLength);
            times[0] = Arrays.copyOf(times[0], firstLength);
            Arrays.fill(times[0], old, firstLength, EMPTY);
        }
        while ((long) times.length * PAGE_ENTRIES < entries) {
            addPage(PAGE_ENTRIES);
        }
        this.entries = entries;
    }

    private void addPage(int length) {
        long[] timePage = new long[length];
        Arrays.fill(timePage, EMPTY);
        keys = Pages.add(keys, new long[length]);
        generations = Pages.add(generations, new int[length]);
        times = Pages.add(times, timePage);
    }

    private int bucketOf(long key) {
        return (Hashing.finish(Hashing.mix(Hashing.start(), key)) & bucketMask) * WAYS;
    }

    private static int powerOfTwoAtLeast(int n) {
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }

    private static long keyOf(int slot, int srcPort, int dstPort) {
        return (long) slot << 32 | (long) srcPort << 16 | dstPort;
    }
}
