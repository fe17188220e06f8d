package org.synwatch.detect;

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
 * (the CLOCK algorithm): a SYN only writes its pair's activity time, no list to relink. Queue order
 * follows packet order only, so eviction, like everything else the detector prints, never depends
 * on the hash key.
 *
 * <p>Everything lives off the heap ({@link Memory}): records in pages of {@value #PAGE_SLOTS}, added
 * as the table fills, so memory follows the traffic and growth never copies a record; the index and
 * the queues in blocks that double, the old one freed at once. Single-threaded: the detector
 * thread owns it.
 */
final class PairTable {
    static final int NONE = -1;
    static final int PAGE_SHIFT = 16;
    static final int PAGE_SLOTS = 1 << PAGE_SHIFT;
    private static final int PAGE_MASK = PAGE_SLOTS - 1;

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

    private final Hashing.Key hashKey;
    private final int maxPairs;
    private final int portSlots;
    private final long portTimesOffset;
    private final long portsOffset;
    private final long recordBytes;
    private final long windowMicros;

    /** Page addresses, sized once for the cap; filled a page at a time as the table grows. */
    private final long[] pages;
    /** Per position: hash in the high 32 bits, slot + 1 in the low; 0 marks an empty position. */
    private Memory.Block indexBlock;
    /** The index's address; positions 0..indexMask, 8 bytes each. */
    private long index;
    private int indexMask = -1;

    private final SlotQueue singlePort;
    private final SlotQueue multiPort;
    private int slotCapacity;
    private int usedSlots;
    private int freeList = NONE;
    private int size;
    private int nextGeneration = 1;
    private final long[] evictions = new long[DetectorStats.Eviction.values().length];
    private long departures;

    /** @param sources whether records keep the source addresses of a prefix ({@link #recordSource}) */
    PairTable(int maxPairs, int portSlots, long windowMicros, boolean sources, Hashing.Key hashKey) {
        this.hashKey = hashKey;
        this.maxPairs = maxPairs;
        this.portSlots = portSlots;
        this.windowMicros = windowMicros;
        this.portTimesOffset = sources ? OTHER_SOURCE_AT + 8 : SOURCE_HI;
        this.portsOffset = portTimesOffset + 8L * portSlots;
        this.recordBytes = roundUp(portsOffset + 2L * portSlots, 32);
        this.singlePort = new SlotQueue();
        this.multiPort = new SlotQueue();
        this.pages = new long[(maxPairs + PAGE_SLOTS - 1) >>> PAGE_SHIFT];
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

    /** Pairs that have left the table, evicted or retired, since it was made. */
    long departures() {
        return departures;
    }

    int slotCapacity() {
        return slotCapacity;
    }

    // ------------------------------------------------------------------ named accessors

    /** The address of the slot's record. */
    private long record(int slot) {
        assert slot >= 0 && slot < slotCapacity : slot;
        return pages[slot >>> PAGE_SHIFT] + (slot & PAGE_MASK) * recordBytes;
    }

    private long flags(int slot) {
        return Memory.getLong(record(slot) + FLAGS);
    }

    private void setFlags(int slot, long flags) {
        Memory.putLong(record(slot) + FLAGS, flags);
    }

    int generation(int slot) {
        return (int) (flags(slot) >>> 32);
    }

    long born(int slot) {
        return Memory.getLong(record(slot) + BORN);
    }

    long lastActivity(int slot) {
        return Memory.getLong(record(slot) + LAST_ACTIVITY);
    }

    private int portCount(int slot) {
        return (int) ((flags(slot) & PORT_COUNT_MASK) >>> PORT_COUNT_SHIFT);
    }

    private long portTime(int slot, int i) {
        return Memory.getLong(record(slot) + portTimesOffset + 8L * i);
    }

    private int port(int slot, int i) {
        return Memory.getChar(record(slot) + portsOffset + 2L * i);
    }

    private void setPort(int slot, int i, int port, long time) {
        long at = record(slot);
        Memory.putChar(at + portsOffset + 2L * i, port);
        Memory.putLong(at + portTimesOffset + 8L * i, time);
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

    // ------------------------------------------------------------------ prefetching (Detector#lookahead)

    /** The index entry at the home position of hash {@code h}; reading it loads its cache line. */
    long indexEntryAt(int h) {
        return indexAt(h & indexMask);
    }

    /** The slot an index entry names if it is for hash {@code h} (the pair {@link #touch} would likely find), else {@link #NONE}. */
    static int slotIfFor(long entry, int h) {
        return entry != 0 && (int) (entry >>> 32) == h ? (int) entry - 1 : NONE;
    }

    /** Reads the first and last word of the slot's record, loading both cache lines it may span. */
    long loadRecord(int slot) {
        long at = record(slot);
        return Memory.getLong(at) ^ Memory.getLong(at + recordBytes - 8);
    }

    // ------------------------------------------------------------------ the rules' operations

    /**
     * Returns the pair's slot, creating it (and evicting, at the cap) if needed, and records
     * {@code now} as its latest activity.
     */
    int touch(int fam, long sHi, long sLo, long dHi, long dLo, long now) {
        int h = hashOf(fam, sHi, sLo, dHi, dLo);
        for (int pos = h & indexMask; ; pos = (pos + 1) & indexMask) {
            long entry = indexAt(pos);
            if (entry == 0) {
                break;
            }
            if ((int) (entry >>> 32) == h) {
                int slot = (int) entry - 1;
                long at = record(slot);
                if (Memory.getLong(at + SRC_LO) == sLo && Memory.getLong(at + DST_LO) == dLo
                        && Memory.getLong(at + SRC_HI) == sHi && Memory.getLong(at + DST_HI) == dHi
                        && (Memory.getLong(at + FLAGS) & FAMILY_MASK) == fam) {
                    Memory.putLong(at + LAST_ACTIVITY, now);
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
        long at = record(slot);
        Memory.putLong(at + SRC_HI, sHi);
        Memory.putLong(at + SRC_LO, sLo);
        Memory.putLong(at + DST_HI, dHi);
        Memory.putLong(at + DST_LO, dLo);
        Memory.putLong(at + FLAGS, (long) generation << 32 | fam);
        Memory.putLong(at + LAST_ACTIVITY, now);
        Memory.putLong(at + BORN, now);
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
        long at = record(slot);
        long flags = Memory.getLong(at + FLAGS);
        if ((flags & SOURCE_SET) == 0) {
            Memory.putLong(at + OTHER_SOURCE_AT, Long.MIN_VALUE);
            Memory.putLong(at + FLAGS, flags | SOURCE_SET);
        } else if (Memory.getLong(at + SOURCE_HI) != sHi || Memory.getLong(at + SOURCE_LO) != sLo) {
            // Every connection since the last change came from the previous address: the latest is its last.
            long latest = Long.MIN_VALUE;
            for (int i = 0; i < portCount(slot); i++) {
                latest = Math.max(latest, portTime(slot, i));
            }
            Memory.putLong(at + OTHER_SOURCE_AT, latest);
        } else {
            return;
        }
        Memory.putLong(at + SOURCE_HI, sHi);
        Memory.putLong(at + SOURCE_LO, sLo);
    }

    /** Whether one address (the latest one recorded) made all the pair's connections in the window. */
    boolean singleSource(int slot, long now) {
        return Memory.getLong(record(slot) + OTHER_SOURCE_AT) <= now - windowMicros;
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
        long at = record(slot);
        Memory.putLong(at + FLAGS, Memory.getLong(at + FLAGS) & ~0xFFFFFFFFL);
        Memory.putLong(at + LAST_ACTIVITY, freeList);
        freeList = slot;
        size--;
        departures++;
    }

    private void insertIntoIndex(int h, int slot) {
        int pos = h & indexMask;
        while (indexAt(pos) != 0) {
            pos = (pos + 1) & indexMask;
        }
        setIndexAt(pos, (long) h << 32 | (slot + 1));
    }

    /** Backward-shift deletion keeps linear probing correct without tombstones. */
    private void removeFromIndex(int slot) {
        int hole = hashOf(slot) & indexMask;
        while ((int) indexAt(hole) != slot + 1) {
            hole = (hole + 1) & indexMask;
        }
        setIndexAt(hole, 0);
        for (int pos = (hole + 1) & indexMask; indexAt(pos) != 0; pos = (pos + 1) & indexMask) {
            if (!Hashing.homeBetween((int) (indexAt(pos) >>> 32) & indexMask, hole, pos)) {
                setIndexAt(hole, indexAt(pos));
                setIndexAt(pos, 0);
                hole = pos;
            }
        }
    }

    private int hashOf(int slot) {
        long at = record(slot);
        return hashOf((int) (Memory.getLong(at + FLAGS) & FAMILY_MASK), Memory.getLong(at + SRC_HI),
                Memory.getLong(at + SRC_LO), Memory.getLong(at + DST_HI), Memory.getLong(at + DST_LO));
    }

    /** One more page of records, the last one cut to the cap; the index doubles when it would pass half full. */
    private void addPage() {
        // Both blocks first: a failed mapping leaves the table as it was.
        int length = Math.min(PAGE_SLOTS, maxPairs - slotCapacity);
        long page = Memory.allocate(this, length * recordBytes).address();
        int indexLength = Integer.highestOneBit(Math.max(slotCapacity + length, 2) - 1) << 2;
        Memory.Block newIndex = indexLength != indexMask + 1 ? Memory.allocate(this, 8L * indexLength) : null;
        pages[slotCapacity >>> PAGE_SHIFT] = page;
        slotCapacity += length;
        if (newIndex != null) {
            Memory.Block oldBlock = indexBlock;
            long old = index;
            int oldLength = indexMask + 1;
            indexBlock = newIndex;
            index = indexBlock.address();
            indexMask = indexLength - 1;
            for (long at = old; at < old + 8L * oldLength; at += 8) {
                long entry = Memory.getLong(at);
                if (entry != 0) {
                    insertIntoIndex((int) (entry >>> 32), (int) entry - 1);
                }
            }
            if (oldBlock != null) {
                oldBlock.free();
            }
        }
    }

    private long indexAt(int pos) {
        assert pos >= 0 && pos <= indexMask : pos;
        return Memory.getLong(index + 8L * pos);
    }

    private void setIndexAt(int pos, long entry) {
        assert pos >= 0 && pos <= indexMask : pos;
        Memory.putLong(index + 8L * pos, entry);
    }

    /** The keyed hash of a pair: {@link #touch}'s, and {@link Detector#lookahead}'s to load its index line. */
    int hashOf(int fam, long sHi, long sLo, long dHi, long dLo) {
        return hashKey.pair(fam, sHi, sLo, dHi, dLo);
    }

    private static long roundUp(long n, long multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }

    /**
     * First-in first-out slots, each with the time it was queued: off-heap rings of 12-byte entries
     * that double as the table fills, the old ring freed at once.
     */
    private static final class SlotQueue {
        private static final int ENTRY_BYTES = 12;
        private int capacity = 16;
        private Memory.Block block = Memory.allocate(this, (long) ENTRY_BYTES * capacity);
        /** Entry i: the time it was queued (8 bytes), then the slot (4). */
        private long ring = block.address();
        private int head;
        private int count;

        boolean isEmpty() {
            return count == 0;
        }

        int peek() {
            return Memory.getInt(entry(head) + 8);
        }

        long headQueuedAt() {
            return Memory.getLong(entry(head));
        }

        int poll() {
            int slot = peek();
            head = (head + 1) & (capacity - 1);
            count--;
            return slot;
        }

        void add(int slot, long time) {
            if (count == capacity) {
                grow();
            }
            long at = entry((head + count++) & (capacity - 1));
            Memory.putLong(at, time);
            Memory.putInt(at + 8, slot);
        }

        private void grow() {
            Memory.Block oldBlock = block;
            long old = ring;
            int oldCapacity = capacity;
            block = Memory.allocate(this, (long) ENTRY_BYTES * 2 * capacity);
            capacity *= 2;
            ring = block.address();
            for (int i = 0; i < count; i++) {
                long from = old + (long) ENTRY_BYTES * ((head + i) & (oldCapacity - 1));
                Memory.putLong(entry(i), Memory.getLong(from));
                Memory.putInt(entry(i) + 8, Memory.getInt(from + 8));
            }
            head = 0;
            oldBlock.free();
        }

        private long entry(int i) {
            assert i >= 0 && i < capacity : i;
            return ring + (long) ENTRY_BYTES * i;
        }
    }
}
