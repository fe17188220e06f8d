package org.synwatch.detect;

import java.util.Arrays;

/**
 * (source, destination) pairs in struct-of-arrays form: an open-addressing index over dense slots,
 * a least-recently-active list for eviction at the cap, and per pair the most recent distinct
 * destination ports with the time each was last reached. Only the {@code portSlots} most recent
 * ports are kept: that is enough to tell whether more than {@code portSlots - 1} are in the window,
 * and at the crossing they are exactly the window's ports.
 *
 * <p>Arrays start small and double up to the cap, so memory follows the traffic; growth is the only
 * allocation and happens at most log2(cap) times. Single-threaded: the detector thread owns it.
 */
final class PairTable {
    static final int NONE = -1;
    private static final int INITIAL_SLOTS = 1024;
    private static final byte EPISODE_ACTIVE = 1;

    private final int maxPairs;
    private final int portSlots;

    private long[] srcHi;
    private long[] srcLo;
    private long[] dstHi;
    private long[] dstLo;
    private byte[] family;
    private byte[] state;
    private int[] hash;
    private int[] generation;
    private long[] lastActivity;
    private long[] lastNewConnection;
    private int[] older;
    private int[] newer;
    private byte[] portCount;
    private char[] ports;
    private long[] portTimes;

    /** Index positions hold slot + 1; 0 marks an empty position. */
    private int[] index;
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
        allocate(Math.min(INITIAL_SLOTS, maxPairs));
    }

    int size() {
        return size;
    }

    long evictions() {
        return evictions;
    }

    int generation(int slot) {
        return generation[slot];
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
            if (hash[slot] == h && srcLo[slot] == sLo && dstLo[slot] == dLo && srcHi[slot] == sHi
                    && dstHi[slot] == dHi && family[slot] == fam) {
                lastActivity[slot] = now;
                moveToNewest(slot);
                return slot;
            }
        }
        if (size == maxPairs) {
            evictions++;
            remove(oldest);
        }
        int slot = takeSlot();
        srcHi[slot] = sHi;
        srcLo[slot] = sLo;
        dstHi[slot] = dHi;
        dstLo[slot] = dLo;
        family[slot] = (byte) fam;
        state[slot] = 0;
        hash[slot] = h;
        generation[slot] = nextGeneration++;
        if (nextGeneration == 0) {
            nextGeneration = 1;
        }
        lastActivity[slot] = now;
        lastNewConnection[slot] = Long.MIN_VALUE;
        portCount[slot] = 0;
        insertIntoIndex(slot);
        linkAsNewest(slot);
        size++;
        return slot;
    }

    /** Removes up to {@code limit} pairs idle since {@code cutoff} or earlier; cheap enough to call per packet. */
    void expireIdle(long cutoff, int limit) {
        for (int i = 0; i < limit && oldest != NONE && lastActivity[oldest] <= cutoff; i++) {
            remove(oldest);
        }
    }

    /**
     * Records a new connection to {@code port} at {@code now} and returns how many distinct ports the
     * pair reached in the window (now - window, now], counting at most {@code portSlots}.
     * The pair's scan episode ends first if it had been silent for a full window.
     */
    int recordNewConnection(int slot, int port, long now, long window) {
        if (state[slot] == EPISODE_ACTIVE && now - lastNewConnection[slot] >= window) {
            state[slot] = 0;
        }
        lastNewConnection[slot] = now;
        int base = slot * portSlots;
        long cutoff = now - window;
        int kept = 0;
        int count = portCount[slot];
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
        portCount[slot] = (byte) kept;
        return kept;
    }

    boolean episodeActive(int slot) {
        return state[slot] == EPISODE_ACTIVE;
    }

    void startEpisode(int slot) {
        state[slot] = EPISODE_ACTIVE;
    }

    /** Copies the pair's window ports into {@code into}, ascending, and returns how many. */
    int sortedPorts(int slot, int[] into) {
        int count = portCount[slot];
        int base = slot * portSlots;
        for (int i = 0; i < count; i++) {
            into[i] = ports[base + i];
        }
        Arrays.sort(into, 0, count);
        return count;
    }

    private int takeSlot() {
        if (freeList != NONE) {
            int slot = freeList;
            freeList = newer[slot];
            return slot;
        }
        if (usedSlots == slotCapacity) {
            grow();
        }
        return usedSlots++;
    }

    private void remove(int slot) {
        removeFromIndex(slot);
        unlink(slot);
        family[slot] = 0;
        newer[slot] = freeList;
        freeList = slot;
        size--;
    }

    private void linkAsNewest(int slot) {
        older[slot] = newest;
        newer[slot] = NONE;
        if (newest != NONE) {
            newer[newest] = slot;
        }
        newest = slot;
        if (oldest == NONE) {
            oldest = slot;
        }
    }

    private void unlink(int slot) {
        int o = older[slot];
        int n = newer[slot];
        if (o != NONE) {
            newer[o] = n;
        } else {
            oldest = n;
        }
        if (n != NONE) {
            older[n] = o;
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

    private void insertIntoIndex(int slot) {
        int pos = hash[slot] & indexMask;
        while (index[pos] != 0) {
            pos = (pos + 1) & indexMask;
        }
        index[pos] = slot + 1;
    }

    /** Backward-shift deletion keeps linear probing correct without tombstones. */
    private void removeFromIndex(int slot) {
        int hole = hash[slot] & indexMask;
        while (index[hole] != slot + 1) {
            hole = (hole + 1) & indexMask;
        }
        index[hole] = 0;
        for (int pos = (hole + 1) & indexMask; index[pos] != 0; pos = (pos + 1) & indexMask) {
            int home = hash[index[pos] - 1] & indexMask;
            boolean homeBetweenHoleAndPos = hole <= pos ? home > hole && home <= pos : home > hole || home <= pos;
            if (!homeBetweenHoleAndPos) {
                index[hole] = index[pos];
                index[pos] = 0;
                hole = pos;
            }
        }
    }

    private void grow() {
        allocate((int) Math.min((long) slotCapacity * 2, maxPairs));
    }

    private void allocate(int capacity) {
        srcHi = resize(srcHi, capacity);
        srcLo = resize(srcLo, capacity);
        dstHi = resize(dstHi, capacity);
        dstLo = resize(dstLo, capacity);
        family = resize(family, capacity);
        state = resize(state, capacity);
        hash = resize(hash, capacity);
        generation = resize(generation, capacity);
        lastActivity = resize(lastActivity, capacity);
        lastNewConnection = resize(lastNewConnection, capacity);
        older = resize(older, capacity);
        newer = resize(newer, capacity);
        portCount = resize(portCount, capacity);
        ports = ports == null ? new char[capacity * portSlots] : Arrays.copyOf(ports, capacity * portSlots);
        portTimes = portTimes == null ? new long[capacity * portSlots] : Arrays.copyOf(portTimes, capacity * portSlots);
        slotCapacity = capacity;
        // At most half full, so probe sequences stay short.
        index = new int[Integer.highestOneBit(Math.max(capacity, 2) - 1) << 2];
        indexMask = index.length - 1;
        for (int slot = 0; slot < usedSlots; slot++) {
            if (family[slot] != 0) {
                insertIntoIndex(slot);
            }
        }
    }

    private static long[] resize(long[] array, int capacity) {
        return array == null ? new long[capacity] : Arrays.copyOf(array, capacity);
    }

    private static int[] resize(int[] array, int capacity) {
        return array == null ? new int[capacity] : Arrays.copyOf(array, capacity);
    }

    private static byte[] resize(byte[] array, int capacity) {
        return array == null ? new byte[capacity] : Arrays.copyOf(array, capacity);
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
