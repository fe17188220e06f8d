package org.synwatch.detect;

import java.util.Arrays;

/**
 * When each connection 4-tuple last sent a SYN, to recognise retransmissions. A 4-tuple is keyed
 * exactly by its pair's slot and generation (see {@link PairTable}) plus both ports, so a pair that
 * was evicted and whose slot was reused can never match.
 *
 * <p>Set-associative, 8 ways: a full bucket gives up its stalest entry. Rather than forget a
 * 4-tuple seen within the horizon, the table doubles, so its size follows the SYN rate of the last
 * minute rather than the number of pairs; only at {@code maxEntries} does it forget fresh entries,
 * and it counts each one (a retransmission of it would then be reported as new).
 */
final class RecentSyns {
    private static final int WAYS = 8;
    private static final long EMPTY = Long.MIN_VALUE;

    private final int maxEntries;
    private long[] keys;
    private int[] generations;
    private long[] times;
    private int bucketMask;
    private long freshEvictions;

    RecentSyns(int entries, int maxEntries) {
        this.maxEntries = powerOfTwoAtLeast(Math.max(maxEntries, WAYS));
        allocate(Math.min(powerOfTwoAtLeast(entries), this.maxEntries));
    }

    /** Grows to at least {@code entries} (bounded by the maximum); never shrinks. */
    void ensureEntries(int entries) {
        int wanted = Math.min(powerOfTwoAtLeast(entries), maxEntries);
        if (wanted > times.length) {
            rehash(wanted);
        }
    }

    int entries() {
        return times.length;
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
        for (int i = base; i < base + WAYS; i++) {
            if (keys[i] == key && generations[i] == generation && times[i] != EMPTY) {
                boolean within = now - times[i] < horizon;
                times[i] = now;
                return within;
            }
        }
        long freshAfter = now - horizon;
        int victim = stalest(bucketOf(key));
        while (times[victim] > freshAfter && times.length < maxEntries) {
            rehash(times.length * 2);
            victim = stalest(bucketOf(key));
        }
        if (times[victim] > freshAfter) {
            freshEvictions++;
        }
        write(victim, key, generation, now);
        return false;
    }

    private int stalest(int base) {
        int victim = base;
        for (int i = base + 1; i < base + WAYS; i++) {
            if (times[i] < times[victim]) {
                victim = i;
            }
        }
        return victim;
    }

    private void write(int index, long key, int generation, long time) {
        keys[index] = key;
        generations[index] = generation;
        times[index] = time;
    }

    private void rehash(int entries) {
        long[] oldKeys = keys;
        int[] oldGenerations = generations;
        long[] oldTimes = times;
        allocate(entries);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldTimes[i] != EMPTY) {
                write(stalest(bucketOf(oldKeys[i])), oldKeys[i], oldGenerations[i], oldTimes[i]);
            }
        }
    }

    private void allocate(int entries) {
        int size = Math.max(entries, WAYS);
        keys = new long[size];
        generations = new int[size];
        times = new long[size];
        Arrays.fill(times, EMPTY);
        bucketMask = size / WAYS - 1;
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
