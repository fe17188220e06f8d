package org.synwatch.detect;

import java.util.Arrays;

/**
 * (source, destination) pairs in struct-of-arrays form: an open-addressing index over dense slots,
 * a least-recently-active list for eviction at the cap, and per pair the most recent distinct
 * destination ports with the time each was last reached. Only the {@code portSlots} most recent
 * ports are kept: that is enough to tell whether more than {@code portSlots - 1} are in the window,
 * and at the crossing they are exactly the window's ports.
 *
 * <p>Slots live in fixed-size pages (slot {@code >>> PAGE_SHIFT} picks the page), added one at a
 * time up to the cap, so memory follows the traffic and growth never copies the slots: a doubling
 * would briefly hold the old arrays beside the new ones, which at a million pairs is what set the
 * process's peak. Only the index, 8 bytes a pair, is rebuilt as it doubles. Growth is the only
 * allocation. Single-threaded: the detector thread owns it.
 */
final class PairTable {
    static final int NONE = -1;
    /** 16,384 slots a page: a page of longs is 128 KiB, and the default cap is 62 pages. */
    static final int PAGE_SHIFT = 14;
    static final int PAGE_SLOTS = 1 << PAGE_SHIFT;
    private static final int PAGE_MASK = PAGE_SLOTS - 1;
    private static final byte EPISODE_ACTIVE = 1;

    private final int maxPairs;
    private final int portSlots;

    private long[][] srcHi = new long[0][];
    private long[][] srcLo = new long[0][];
    private long[][] dstHi = new long[0][];
    private long[][] dstLo = new long[0][];
    private byte[][] family = new byte[0][];
    private byte[][] state = new byte[0][];
    private int[][] hash = new int[0][];
    private int[][] generation = new int[0][];
    private long[][] lastActivity = new long[0][];
    private long[][] lastNewConnection = new long[0][];
    private int[][] older = new int[0][];
    private int[][] newer = new int[0][];
    private byte[][] portCount = new byte[0][];
    private char[][] ports = new char[0][];
    private long[][] portTimes = new long[0][];

    /** Index positions hold slot + 1; 0 marks an empty position. */
    private int[] index = new int[0];
    private int indexMask;

    private int slotCapacity;
    private int usedSlots;
    private int freeList = NONE;
    private int size;
    private int newest = NONE;
    private int oldest = NONE;
    private int nextGeneration = 1;
    private long evictions;

    PairTable(int maxPairs, int portSlots) {
        this.maxPairs = maxPairs;
        this.portSlots = portSlots;
        addPage();
    }

    int size() {
        return size;
    }

    long evictions() {
        return evictions;
    }

    int generation(int slot) {
        return generation[slot >>> PAGE_SHIFT][slot & PAGE_MASK];
    }

    /** Whether {@code slot} still holds the pair that had {@code generation}: not evicted, expired or replaced. */
    boolean holds(int slot, int generation) {
        int p = slot >>> PAGE_SHIFT;
        int i = slot & PAGE_MASK;
        return family[p][i] != 0 && this.generation[p][i] == generation;
    }

    int slotCapacity() {
        return slotCapacity;
    }

    /**
     * Returns the pair's slot, creating it (and evicting the least recently active pair when the
     * table is at the cap) if needed, and marks it as the most recently active.
     */
    int touch(int fam, long sHi, long sLo, long dHi, long dLo, long now) {
        int h = hashOf(fam, sHi, sLo, dHi, dLo);
        for (int pos = h & indexMask; ; pos = (pos + 1) & indexMask) {
            int entry = index[pos];
            if (entry == 0) {
                break;
            }
            int slot = entry - 1;
            int p = slot >>> PAGE_SHIFT;
            int i = slot & PAGE_MASK;
            if (hash[p][i] == h && srcLo[p][i] == sLo && dstLo[p][i] == dLo && srcHi[p][i] == sHi
                    && dstHi[p][i] == dHi && family[p][i] == fam) {
                lastActivity[p][i] = now;
                moveToNewest(slot);
                return slot;
            }
        }
        if (size == maxPairs) {
            evictions++;
            remove(oldest);
        }
        int slot = takeSlot();
        int p = slot >>> PAGE_SHIFT;
        int i = slot & PAGE_MASK;
        srcHi[p][i] = sHi;
        srcLo[p][i] = sLo;
        dstHi[p][i] = dHi;
        dstLo[p][i] = dLo;
        family[p][i] = (byte) fam;
        state[p][i] = 0;
        hash[p][i] = h;
        generation[p][i] = nextGeneration++;
        if (nextGeneration == 0) {
            nextGeneration = 1;
        }
        lastActivity[p][i] = now;
        lastNewConnection[p][i] = Long.MIN_VALUE;
        portCount[p][i] = 0;
        insertIntoIndex(slot);
        linkAsNewest(slot);
        size++;
        return slot;
    }

    /** Removes up to {@code limit} pairs idle since {@code cutoff} or earlier; cheap enough to call per packet. */
    void expireIdle(long cutoff, int limit) {
        for (int i = 0; i < limit && oldest != NONE && lastActivity[oldest >>> PAGE_SHIFT][oldest & PAGE_MASK] <= cutoff; i++) {
            remove(oldest);
        }
    }

    /**
     * Records a new connection to {@code port} at {@code now} and returns how many distinct ports the
     * pair reached in the window (now - window, now], counting at most {@code portSlots}.
     * The pair's scan episode ends first if it had been silent for a full window.
     */
    int recordNewConnection(int slot, int port, long now, long window) {
        int p = slot >>> PAGE_SHIFT;
        int s = slot & PAGE_MASK;
        if (state[p][s] == EPISODE_ACTIVE && now - lastNewConnection[p][s] >= window) {
            state[p][s] = 0;
        }
        lastNewConnection[p][s] = now;
        char[] ports = this.ports[p];
        long[] portTimes = this.portTimes[p];
        int base = s * portSlots;
        long cutoff = now - window;
        int kept = 0;
        int count = portCount[p][s];
        int match = NONE;
        for (int i = 0; i < count; i++) {
            if (portTimes[base + i] > cutoff) {
                ports[base + kept] = ports[base + i];
                portTimes[base + kept] = portTimes[base + i];
                if (ports[base + kept] == port) {
                    match = kept;
                }
                kept++;
            }
        }
        if (match != NONE) {
            portTimes[base + match] = now;
        } else if (kept < portSlots) {
            ports[base + kept] = (char) port;
            portTimes[base + kept] = now;
            kept++;
        } else {
            int stalest = 0;
            for (int i = 1; i < kept; i++) {
                if (portTimes[base + i] < portTimes[base + stalest]) {
                    stalest = i;
                }
            }
            ports[base + stalest] = (char) port;
            portTimes[base + stalest] = now;
        }
        portCount[p][s] = (byte) kept;
        return kept;
    }

    boolean episodeActive(int slot) {
        return state[slot >>> PAGE_SHIFT][slot & PAGE_MASK] == EPISODE_ACTIVE;
    }

    void startEpisode(int slot) {
        state[slot >>> PAGE_SHIFT][slot & PAGE_MASK] = EPISODE_ACTIVE;
    }

    /** Copies the pair's window ports into {@code into}, ascending, and returns how many. */
    int sortedPorts(int slot, int[] into) {
        int p = slot >>> PAGE_SHIFT;
        int s = slot & PAGE_MASK;
        int count = portCount[p][s];
        int base = s * portSlots;
        for (int i = 0; i < count; i++) {
            into[i] = ports[p][base + i];
        }
        Arrays.sort(into, 0, count);
        return count;
    }

    private int takeSlot() {
        if (freeList != NONE) {
            int slot = freeList;
            freeList = newer[slot >>> PAGE_SHIFT][slot & PAGE_MASK];
            return slot;
        }
        if (usedSlots == slotCapacity) {
            addPage();
        }
        return usedSlots++;
    }

    private void remove(int slot) {
        removeFromIndex(slot);
        unlink(slot);
        family[slot >>> PAGE_SHIFT][slot & PAGE_MASK] = 0;
        setNewer(slot, freeList);
        freeList = slot;
        size--;
    }

    private void setOlder(int slot, int value) {
        older[slot >>> PAGE_SHIFT][slot & PAGE_MASK] = value;
    }

    private void setNewer(int slot, int value) {
        newer[slot >>> PAGE_SHIFT][slot & PAGE_MASK] = value;
    }

    private void linkAsNewest(int slot) {
        setOlder(slot, newest);
        setNewer(slot, NONE);
        if (newest != NONE) {
            setNewer(newest, slot);
        }
        newest = slot;
        if (oldest == NONE) {
            oldest = slot;
        }
    }

    private void unlink(int slot) {
        int o = older[slot >>> PAGE_SHIFT][slot & PAGE_MASK];
        int n = newer[slot >>> PAGE_SHIFT][slot & PAGE_MASK];
        if (o != NONE) {
            setNewer(o, n);
        } else {
            oldest = n;
        }
        if (n != NONE) {
            setOlder(n, o);
        } else {
            newest = o;
        }
    }

    private void moveToNewest(int slot) {
        if (slot != newest) {
            unlink(slot);
            linkAsNewest(slot);
        }
    }

    private int hashAt(int slot) {
        return hash[slot >>> PAGE_SHIFT][slot & PAGE_MASK];
    }

    private void insertIntoIndex(int slot) {
        int pos = hashAt(slot) & indexMask;
        while (index[pos] != 0) {
            pos = (pos + 1) & indexMask;
        }
        index[pos] = slot + 1;
    }

    /** Backward-shift deletion keeps linear probing correct without tombstones. */
    private void removeFromIndex(int slot) {
        int hole = hashAt(slot) & indexMask;
        while (index[hole] != slot + 1) {
            hole = (hole + 1) & indexMask;
        }
        index[hole] = 0;
        for (int pos = (hole + 1) & indexMask; index[pos] != 0; pos = (pos + 1) & indexMask) {
            int home = hashAt(index[pos] - 1) & indexMask;
            boolean homeBetweenHoleAndPos = hole <= pos ? home > hole && home <= pos : home > hole || home <= pos;
            if (!homeBetweenHoleAndPos) {
                index[hole] = index[pos];
                index[pos] = 0;
                hole = pos;
            }
        }
    }

    /** One more page of slots, the last one cut to the cap; the index doubles when it would pass half full. */
    private void addPage() {
        int length = Math.min(PAGE_SLOTS, maxPairs - slotCapacity);
        srcHi = Pages.add(srcHi, new long[length]);
        srcLo = Pages.add(srcLo, new long[length]);
        dstHi = Pages.add(dstHi, new long[length]);
        dstLo = Pages.add(dstLo, new long[length]);
        family = Pages.add(family, new byte[length]);
        state = Pages.add(state, new byte[length]);
        hash = Pages.add(hash, new int[length]);
        generation = Pages.add(generation, new int[length]);
        lastActivity = Pages.add(lastActivity, new long[length]);
        lastNewConnection = Pages.add(lastNewConnection, new long[length]);
        older = Pages.add(older, new int[length]);
        newer = Pages.add(newer, new int[length]);
        portCount = Pages.add(portCount, new byte[length]);
        ports = Pages.add(ports, new char[length * portSlots]);
        portTimes = Pages.add(portTimes, new long[length * portSlots]);
        slotCapacity += length;
        int indexLength = Integer.highestOneBit(Math.max(slotCapacity, 2) - 1) << 2;
        if (indexLength != index.length) {
            index = new int[indexLength];
            indexMask = indexLength - 1;
            for (int slot = 0; slot < usedSlots; slot++) {
                if (family[slot >>> PAGE_SHIFT][slot & PAGE_MASK] != 0) {
                    insertIntoIndex(slot);
                }
            }
        }
    }

    static int hashOf(int fam, long sHi, long sLo, long dHi, long dLo) {
        long h = Hashing.start();
        h = Hashing.mix(h, sHi);
        h = Hashing.mix(h, sLo);
        h = Hashing.mix(h, dHi);
        h = Hashing.mix(h, dLo ^ ((long) fam << 56));
        return Hashing.finish(h);
    }
}
