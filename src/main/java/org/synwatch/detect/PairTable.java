package org.synwatch.detect;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The (source, destination) pairs: one record per pair, found through one probe of a keyed-hash
 * index. A record holds everything one SYN needs, in two cache lines at the default threshold:
 *
 * <pre>
 *   word 0..3   source and destination address (high and low 64 bits each)
 *   word 4      flags: family (bits 0-3; 0 = free), scan episode (bit 4), ports kept (bits 8-15),
 *               generation (bits 32-63)
 *   word 5      last activity (any SYN, retransmissions included)
 *   word 6      born: when this pair took the slot
 *   word 7..9   only for pairs keyed by a source prefix: the source address of the latest new
 *               connection, and when an address other than that one last connected
 *   then        the kept ports' latest times, then the ports (16 bits each)
 * </pre>
 *
 * Only the {@code portSlots} most recent distinct ports are kept: enough to tell whether more than
 * {@code portSlots - 1} are in the window, and at the crossing they are exactly the window's ports.
 *
 * <p>Eviction at the cap: pairs wait in two first-in first-out queues, those with one port in the
 * window and those with two or more (potential scanners). The oldest single-port pair goes first;
 * a multi-port pair only when no single-port pair is left, so a flood of spoofed one-SYN sources
 * can't push out a slow scan. A pair active since it was queued gets a second chance at the back
 * (the CLOCK algorithm): a SYN only writes its pair's activity time, no list to relink. Queue order follows packet order only, so
 * eviction, like everything else the detector prints, never depends on the hash key.
 *
 * <p>Records live off the heap in pages of {@value #PAGE_SLOTS}, 64-byte aligned, added as the table
 * fills: memory follows the traffic and growth never copies a record. Single-threaded: the
 * detector thread owns it.
 */
final class PairTable {
    static final int NONE = -1;
    static final int PAGE_SHIFT = 14;
    static final int PAGE_SLOTS = 1 << PAGE_SHIFT;
    private static final int PAGE_MASK = PAGE_SLOTS - 1;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfChar PORT = ValueLayout.JAVA_CHAR;
    private static final long SRC_HI = 0;
    private static final long SRC_LO = 8;
    private static final long DST_HI = 16;
    private static final long DST_LO = 24;
    private static final long FLAGS = 32;
    private static final long LAST_ACTIVITY = 40;
    private static final long BORN = 48;
    private static final long SOURCE_HI = 56;
    private static final long SOURCE_LO = 64;
    private static final long OTHER_SOURCE_AT = 72;

    private static final long FAMILY_MASK = 0xF;
    private static final long EPISODE = 1L << 4;
    private static final long SOURCE_SET = 1L << 5;
    private static final int PORT_COUNT_SHIFT = 8;
    private static final long PORT_COUNT_MASK = 0xFFL << PORT_COUNT_SHIFT;

    private final long hashKey;
    private final int maxPairs;
    private final int portSlots;
    private final long portTimesOffset;
    private final long portsOffset;
    private final long recordBytes;
    private final long windowMicros;
    private final Arena arena = Arena.ofAuto();

    /** Sized once for the cap; filled a page at a time as the table grows. */
    private final MemorySegment[] pages;
    /** Per position: hash in the high 32 bits, slot + 1 in the low; 0 marks an empty position. */
    private long[] index = new long[0];
    private int indexMask;

    private final SlotQueue singlePort;
    private final SlotQueue multiPort;
    private int slotCapacity;
    private int usedSlots;
    private int freeList = NONE;
    private int size;
    private int nextGeneration = 1;
    private final long[] evictions = new long[DetectorStats.Eviction.values().length];

    /** @param sources whether records keep the source addresses of a prefix ({@link #recordSource}) */
    PairTable(int maxPairs, int portSlots, long windowMicros, boolean sources, long hashKey) {
        this.hashKey = hashKey;
        this.maxPairs = maxPairs;
        this.portSlots = portSlots;
        this.windowMicros = windowMicros;
        this.portTimesOffset = sources ? OTHER_SOURCE_AT + 8 : SOURCE_HI;
        this.portsOffset = portTimesOffset + 8L * portSlots;
        this.recordBytes = roundUp(portsOffset + 2L * portSlots, 32);
        this.singlePort = new SlotQueue();
        this.multiPort = new SlotQueue();
        this.pages = new MemorySegment[(maxPairs + PAGE_SLOTS - 1) >>> PAGE_SHIFT];
        addPage();
    }

    int size() {
        return size;
    }

    int capacity() {
        return maxPairs;
    }

    long evictions(DetectorStats.Eviction kind) {
        return evictions[kind.ordinal()];
    }

    int slotCapacity() {
        return slotCapacity;
    }

    // ------------------------------------------------------------------ named accessors

    private MemorySegment page(int slot) {
        return pages[slot >>> PAGE_SHIFT];
    }

    private long base(int slot) {
        return (slot & PAGE_MASK) * recordBytes;
    }

    private long flags(int slot) {
        return page(slot).get(LONG, base(slot) + FLAGS);
    }

    private void setFlags(int slot, long flags) {
        page(slot).set(LONG, base(slot) + FLAGS, flags);
    }

    int generation(int slot) {
        return (int) (flags(slot) >>> 32);
    }

    long born(int slot) {
        return page(slot).get(LONG, base(slot) + BORN);
    }

    long lastActivity(int slot) {
        return page(slot).get(LONG, base(slot) + LAST_ACTIVITY);
    }

    private int portCount(int slot) {
        return (int) ((flags(slot) & PORT_COUNT_MASK) >>> PORT_COUNT_SHIFT);
    }

    private long portTime(int slot, int i) {
        return page(slot).get(LONG, base(slot) + portTimesOffset + 8L * i);
    }

    private int port(int slot, int i) {
        return page(slot).get(PORT, base(slot) + portsOffset + 2L * i);
    }

    private void setPort(int slot, int i, int port, long time) {
        MemorySegment page = page(slot);
        long base = base(slot);
        page.set(PORT, base + portsOffset + 2L * i, (char) port);
        page.set(LONG, base + portTimesOffset + 8L * i, time);
    }

    /** Whether {@code slot} holds a pair, born at {@code time} or earlier. */
    boolean holds(int slot, long time) {
        return (flags(slot) & FAMILY_MASK) != 0 && born(slot) <= time;
    }

    boolean episodeActive(int slot) {
        return (flags(slot) & EPISODE) != 0;
    }

    void startEpisode(int slot) {
        setFlags(slot, flags(slot) | EPISODE);
    }

    // ------------------------------------------------------------------ the rules' operations

    /**
     * Returns the pair's slot, creating it (and evicting, at the cap) if needed, and records
     * {@code now} as its latest activity.
     */
    int touch(int fam, long sHi, long sLo, long dHi, long dLo, long now) {
        int h = hashOf(fam, sHi, sLo, dHi, dLo);
        for (int pos = h & indexMask; ; pos = (pos + 1) & indexMask) {
            long entry = index[pos];
            if (entry == 0) {
                break;
            }
            if ((int) (entry >>> 32) == h) {
                int slot = (int) entry - 1;
                MemorySegment page = page(slot);
                long base = base(slot);
                if (page.get(LONG, base + SRC_LO) == sLo && page.get(LONG, base + DST_LO) == dLo
                        && page.get(LONG, base + SRC_HI) == sHi && page.get(LONG, base + DST_HI) == dHi
                        && (page.get(LONG, base + FLAGS) & FAMILY_MASK) == fam) {
                    page.set(LONG, base + LAST_ACTIVITY, now);
                    return slot;
                }
            }
        }
        if (size == maxPairs) {
            evictOne(now);
        }
        int slot = takeSlot();
        int generation = nextGeneration++;
        if (nextGeneration == 0) {
            nextGeneration = 1;
        }
        MemorySegment page = page(slot);
        long base = base(slot);
        page.set(LONG, base + SRC_HI, sHi);
        page.set(LONG, base + SRC_LO, sLo);
        page.set(LONG, base + DST_HI, dHi);
        page.set(LONG, base + DST_LO, dLo);
        page.set(LONG, base + FLAGS, (long) generation << 32 | fam);
        page.set(LONG, base + LAST_ACTIVITY, now);
        page.set(LONG, base + BORN, now);
        insertIntoIndex(h, slot);
        singlePort.add(slot, now);
        size++;
        return slot;
    }

    /**
     * Retires pairs idle since {@code cutoff} or earlier from the heads of both queues, at most
     * {@code steps} from each. A head queued after the cutoff can't be idle: the queue says so
     * without reading the record, so this costs next to nothing per SYN.
     */
    void tidy(long cutoff, long now, int steps) {
        tidy(singlePort, cutoff, now, steps);
        tidy(multiPort, cutoff, now, steps);
    }

    private void tidy(SlotQueue queue, long cutoff, long now, int steps) {
        for (int i = 0; i < steps && !queue.isEmpty() && queue.headQueuedAt() <= cutoff; i++) {
            int slot = queue.peek();
            if (lastActivity(slot) <= cutoff) {
                queue.poll();
                remove(slot);
            } else {
                requeue(queue, windowPorts(slot, now) >= 2);
            }
        }
    }

    /** The oldest single-port pair not active since it was queued goes; a multi-port pair only when none is left. */
    private void evictOne(long now) {
        while (true) {
            SlotQueue queue = singlePort.isEmpty() ? multiPort : singlePort;
            int slot = queue.peek();
            boolean multi = windowPorts(slot, now) >= 2;
            if (lastActivity(slot) == queue.headQueuedAt() && multi == (queue == multiPort)) {
                queue.poll();
                evictions[(multi ? DetectorStats.Eviction.MULTI_PORT : DetectorStats.Eviction.SINGLE_PORT).ordinal()]++;
                remove(slot);
                return;
            }
            requeue(queue, multi);
        }
    }

    /**
     * Moves the head of {@code queue} to the back of the queue it belongs in now, stamped with its
     * latest activity: a second chance for a pair active since it was queued (the CLOCK algorithm).
     * {@code multi}: whether that head has two or more ports in the window now.
     */
    private void requeue(SlotQueue queue, boolean multi) {
        int slot = queue.poll();
        (multi ? multiPort : singlePort).add(slot, lastActivity(slot));
    }

    private int windowPorts(int slot, long now) {
        long cutoff = now - windowMicros;
        int count = portCount(slot);
        int inWindow = 0;
        for (int i = 0; i < count; i++) {
            if (portTime(slot, i) > cutoff) {
                inWindow++;
            }
        }
        return inWindow;
    }

    /**
     * Records a new connection to {@code port} at {@code now} and returns how many distinct ports the
     * pair reached in the window (now - window, now], counting at most {@code portSlots}.
     * The pair's scan episode ends first if it had no new connection for a full window (then none of
     * its ports is in the window).
     */
    int recordNewConnection(int slot, int port, long now) {
        long cutoff = now - windowMicros;
        int count = portCount(slot);
        int kept = 0;
        int match = NONE;
        for (int i = 0; i < count; i++) {
            long time = portTime(slot, i);
            if (time > cutoff) {
                int p = port(slot, i);
                setPort(slot, kept, p, time);
                if (p == port) {
                    match = kept;
                }
                kept++;
            }
        }
        long flags = flags(slot);
        if (kept == 0) {
            flags &= ~EPISODE;
        }
        if (match != NONE) {
            setPort(slot, match, port, now);
        } else if (kept < portSlots) {
            setPort(slot, kept++, port, now);
        } else {
            int stalest = 0;
            for (int i = 1; i < kept; i++) {
                if (portTime(slot, i) < portTime(slot, stalest)) {
                    stalest = i;
                }
            }
            setPort(slot, stalest, port, now);
        }
        setFlags(slot, (flags & ~PORT_COUNT_MASK) | (long) kept << PORT_COUNT_SHIFT);
        return kept;
    }

    /**
     * For a pair keyed by a source prefix, before its new connection at {@code now} is recorded:
     * notes the connecting address, and when another address last connected.
     */
    void recordSource(int slot, long sHi, long sLo) {
        MemorySegment page = page(slot);
        long base = base(slot);
        long flags = page.get(LONG, base + FLAGS);
        if ((flags & SOURCE_SET) == 0) {
            page.set(LONG, base + OTHER_SOURCE_AT, Long.MIN_VALUE);
            page.set(LONG, base + FLAGS, flags | SOURCE_SET);
        } else if (page.get(LONG, base + SOURCE_HI) != sHi || page.get(LONG, base + SOURCE_LO) != sLo) {
            // Every connection since the last change came from the previous address: the latest is its last.
            long latest = Long.MIN_VALUE;
            for (int i = 0; i < portCount(slot); i++) {
                latest = Math.max(latest, portTime(slot, i));
            }
            page.set(LONG, base + OTHER_SOURCE_AT, latest);
        } else {
            return;
        }
        page.set(LONG, base + SOURCE_HI, sHi);
        page.set(LONG, base + SOURCE_LO, sLo);
    }

    /** Whether one address (the latest one recorded) made all the pair's connections in the window. */
    boolean singleSource(int slot, long now) {
        return page(slot).get(LONG, base(slot) + OTHER_SOURCE_AT) <= now - windowMicros;
    }

    /** Copies the pair's kept ports into {@code into}, ascending, and returns how many. */
    int sortedPorts(int slot, int[] into) {
        int count = portCount(slot);
        for (int i = 0; i < count; i++) {
            into[i] = port(slot, i);
        }
        Arrays.sort(into, 0, count);
        return count;
    }

    // ------------------------------------------------------------------ slots and index

    private int takeSlot() {
        if (freeList != NONE) {
            int slot = freeList;
            freeList = (int) lastActivity(slot);
            return slot;
        }
        if (usedSlots == slotCapacity) {
            addPage();
        }
        return usedSlots++;
    }

    /** Frees the slot (the caller has taken it off its queue); a freed record links the free list through its activity word. */
    private void remove(int slot) {
        removeFromIndex(slot);
        MemorySegment page = page(slot);
        long base = base(slot);
        page.set(LONG, base + FLAGS, page.get(LONG, base + FLAGS) & ~0xFFFFFFFFL);
        page.set(LONG, base + LAST_ACTIVITY, freeList);
        freeList = slot;
        size--;
    }

    private void insertIntoIndex(int h, int slot) {
        int pos = h & indexMask;
        while (index[pos] != 0) {
            pos = (pos + 1) & indexMask;
        }
        index[pos] = (long) h << 32 | (slot + 1);
    }

    /** Backward-shift deletion keeps linear probing correct without tombstones. */
    private void removeFromIndex(int slot) {
        int hole = hashOf(slot) & indexMask;
        while ((int) index[hole] != slot + 1) {
            hole = (hole + 1) & indexMask;
        }
        index[hole] = 0;
        for (int pos = (hole + 1) & indexMask; index[pos] != 0; pos = (pos + 1) & indexMask) {
            if (!Hashing.homeBetween((int) (index[pos] >>> 32) & indexMask, hole, pos)) {
                index[hole] = index[pos];
                index[pos] = 0;
                hole = pos;
            }
        }
    }

    private int hashOf(int slot) {
        MemorySegment page = page(slot);
        long base = base(slot);
        return hashOf((int) (page.get(LONG, base + FLAGS) & FAMILY_MASK), page.get(LONG, base + SRC_HI),
                page.get(LONG, base + SRC_LO), page.get(LONG, base + DST_HI), page.get(LONG, base + DST_LO));
    }

    /** One more page of records, the last one cut to the cap; the index doubles when it would pass half full. */
    private void addPage() {
        int length = Math.min(PAGE_SLOTS, maxPairs - slotCapacity);
        pages[slotCapacity >>> PAGE_SHIFT] = arena.allocate(length * recordBytes, 64);
        slotCapacity += length;
        int indexLength = Integer.highestOneBit(Math.max(slotCapacity, 2) - 1) << 2;
        if (indexLength != index.length) {
            long[] old = index;
            index = new long[indexLength];
            indexMask = indexLength - 1;
            for (long entry : old) {
                if (entry != 0) {
                    insertIntoIndex((int) (entry >>> 32), (int) entry - 1);
                }
            }
        }
    }

    private int hashOf(int fam, long sHi, long sLo, long dHi, long dLo) {
        long h = hashKey;
        h = Hashing.mix(h, sHi);
        h = Hashing.mix(h, sLo);
        h = Hashing.mix(h, dHi);
        h = Hashing.mix(h, dLo ^ ((long) fam << 56));
        return Hashing.finish(h);
    }

    private static long roundUp(long n, long multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }

    /**
     * First-in first-out slots, each with the time it was queued: rings that double (a small copy,
     * 12 bytes a pair) as the table fills.
     */
    private static final class SlotQueue {
        private int[] slots = new int[16];
        private long[] queuedAt = new long[16];
        private int head;
        private int count;

        boolean isEmpty() {
            return count == 0;
        }

        int peek() {
            return slots[head];
        }

        long headQueuedAt() {
            return queuedAt[head];
        }

        int poll() {
            int slot = slots[head];
            head = (head + 1) & (slots.length - 1);
            count--;
            return slot;
        }

        void add(int slot, long time) {
            if (count == slots.length) {
                int[] grownSlots = new int[slots.length * 2];
                long[] grownTimes = new long[slots.length * 2];
                for (int i = 0; i < count; i++) {
                    grownSlots[i] = slots[(head + i) & (slots.length - 1)];
                    grownTimes[i] = queuedAt[(head + i) & (slots.length - 1)];
                }
                slots = grownSlots;
                queuedAt = grownTimes;
                head = 0;
            }
            int tail = (head + count++) & (slots.length - 1);
            slots[tail] = slot;
            queuedAt[tail] = time;
        }
    }
}
