package org.synwatch.detect;

import java.util.Arrays;

/**
 * When each connection 4-tuple last sent a SYN, to recognise retransmissions. A 4-tuple is keyed
 * exactly by its pair's slot and generation (see {@link PairTable}) plus both ports, so a pair that
 * was evicted and whose slot was reused can never match. Set-associative: a full bucket forgets its
 * stalest entry, so memory stays fixed by the pair cap whatever the traffic.
 */
final class RecentSyns {
    private static final int WAYS = 8;
    private static final long EMPTY = Long.MIN_VALUE;

    private long[] keys;
    private int[] generations;
    private long[] times;
    private int bucketMask;

    RecentSyns(int pairCapacity) {
        allocate(pairCapacity);
    }

    /** Keeps about two entries per pair slot: room for a pair's SYNs of the last minute in normal traffic. */
    void resize(int pairCapacity) {
        long[] oldKeys = keys;
        int[] oldGenerations = generations;
        long[] oldTimes = times;
        allocate(pairCapacity);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldTimes[i] != EMPTY) {
                put(oldKeys[i], oldGenerations[i], oldTimes[i]);
            }
        }
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
        put(key, generation, now);
        return false;
    }

    private void put(long key, int generation, long time) {
        int base = bucketOf(key);
        int victim = base;
        for (int i = base + 1; i < base + WAYS; i++) {
            if (times[i] < times[victim]) {
                victim = i;
            }
        }
        keys[victim] = key;
        generations[victim] = generation;
        times[victim] = time;
    }

    private void allocate(int pairCapacity) {
        int buckets = Integer.highestOneBit(Math.max(pairCapacity * 2 / WAYS, 1) * 2 - 1);
        keys = new long[buckets * WAYS];
        generations = new int[buckets * WAYS];
        times = new long[buckets * WAYS];
        Arrays.fill(times, EMPTY);
        bucketMask = buckets - 1;
    }

    private int bucketOf(long key) {
        return (Hashing.finish(Hashing.mix(Hashing.start(), key)) & bucketMask) * WAYS;
    }

    private static long keyOf(int slot, int srcPort, int dstPort) {
        return (long) slot << 32 | (long) srcPort << 16 | dstPort;
    }
}
