package org.synwatch.detect;

/**
 * The (source, destination) pairs: one record per pair, found through one probe of a keyed-hash
 * index. A record holds everything one SYN needs, in one cache line at the default threshold:
 *
 * <pre>
 *   bytes 0..31   source and destination address (high and low 64 bits each)
 *   32..35        flags: family (bits 0-3; 0 = free), scan episode (bit 4), source noted (bit 5),
 *                 ports kept (bits 8-14), generation (bits 15-31)
 *   then, times   last activity (any SYN, retransmissions included); born: when this pair took the slot
 *   only for pairs keyed by a source prefix: the source address of the latest new connection (16
 *                 bytes), and when an address other than that one last connected (a time)
 *   then          the kept ports' latest times, then the ports (2 bytes each)
 * </pre>
 *
 * A time takes 4 bytes ({@link CompactTime}) when the window and the idle horizon are at most
 * {@value CompactTime#LONGEST_INTERVAL_MICROS} µs (about 18 minutes; the default window is 60 s): at
 * the default threshold a record is then 62 bytes, one cache line, where 8-byte times would take
 * two. Longer windows take 8-byte times, and two lines.
 *
 * <p>Only the {@code portSlots} most recent distinct ports are kept: with the port of the SYN at
 * hand, enough to tell whether more than the threshold are in the window, and at the crossing they
 * are exactly the window's ports.
 *
 * <p>Eviction at the cap: pairs wait in two first-in first-out queues, those with one port in the
 * window and those with two or more (potential scanners). The oldest single-port pair goes first;
 * a multi-port pair only when no single-port pair is left, so a flood of spoofed one-SYN sources
 * can't push out a slow scan. A pair active since it was queued gets a second chance at the back
 * (the CLOCK algorithm): a SYN only writes its pair's activity time, no list to relink. Queue order
 * follows packet order only, so eviction, like everything else the detector prints, never depends
 * on the hash key. Known flaw, not yet mended: a pair sent to the back is stamped with its last
 * activity, which may be older than stamps already queued; retiring stops at the first head that
 * isn't idle, so an idle pair can wait behind a live one, and at the cap the live one goes first.
 *
 * <p>Beside the records, a byte per slot says whether it holds a pair and 5 bits of its generation
 * ({@link #holdsGeneration}): what {@link RecentSyns} keeps of a pair, so it can tell its entries
 * of departed pairs in a 64 KiB page instead of a record's line.
 *
 * <p>Everything lives off the heap ({@link Memory}): records in pages of {@value #PAGE_SLOTS}, added
 * as the table fills, so memory follows the traffic and growth never copies a record; the index and
 * the queues in blocks that double, the old one freed at once. Single-threaded: the detector
 * thread owns it, and the times it is given never decrease.
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

    private static final int FAMILY_MASK = 0xF;
    private static final int EPISODE = 1 << 4;
    private static final int SOURCE_NOTED = 1 << 5;
    private static final int PORT_COUNT_SHIFT = 8;
    private static final int PORT_COUNT_MASK = 0x7F << PORT_COUNT_SHIFT;
    private static final int GENERATION_SHIFT = 15;
    /** Generations run through the flags' 17 bits, 0 left out; {@link RecentSyns} and the slot bytes keep the low 5. */
    private static final int GENERATION_MASK = 0x1FFFF;

    private final Hashing.Key hashKey;
    private final int maxPairs;
    private final int portThreshold;
    private final int portSlots;
    private final long windowMicros;
    private final long idleMicros;
    private final boolean wideTimes;
    private final boolean sources;
    private final long activityOffset;
    private final long bornOffset;
    private final long sourceOffset;
    private final long otherSourceTimeOffset;
    private final long portTimesOffset;
    private final long portsOffset;
    private final long recordBytes;
    /** What 4-byte times count from; the first SYN moves it there. */
    private long epoch;
    private long rebases;

    /** Page addresses, sized once for the cap; filled a page at a time as the table grows. */
    private final long[] pages;
    /** The pages' blocks, to free when the table starts over; {@link #record} reads only {@link #pages}. */
    private final Memory.Block[] pageBlocks;
    /** Where each page's slot bytes start ({@link #holdsGeneration}), after its records. */
    private final long[] slotBytePages;
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

    /**
     * @param idleMicros how long a pair may go without a SYN before it is retired: at least the
     *                   window, and at most {@value CompactTime#LONGEST_INTERVAL_MICROS} µs unless the window is longer
     * @param sources whether records keep the source addresses of a prefix ({@link #recordSource})
     */
    PairTable(int maxPairs, int portThreshold, long windowMicros, long idleMicros, boolean sources, Hashing.Key hashKey) {
        this.hashKey = hashKey;
        this.maxPairs = maxPairs;
        this.portThreshold = portThreshold;
        this.portSlots = portSlots(portThreshold);
        this.windowMicros = windowMicros;
        this.idleMicros = idleMicros;
        this.wideTimes = idleMicros > CompactTime.LONGEST_INTERVAL_MICROS;
        this.sources = sources;
        int timeBytes = wideTimes ? 8 : 4;
        this.activityOffset = roundUp(FLAGS + 4, timeBytes);
        this.bornOffset = activityOffset + timeBytes;
        this.sourceOffset = roundUp(bornOffset + timeBytes, 8);
        this.otherSourceTimeOffset = sourceOffset + 16;
        this.portTimesOffset = sources ? otherSourceTimeOffset + timeBytes : bornOffset + timeBytes;
        this.portsOffset = portTimesOffset + (long) timeBytes * portSlots;
        this.recordBytes = roundUp(portsOffset + 2L * portSlots, 32);
        this.singlePort = new SlotQueue();
        this.multiPort = new SlotQueue();
        this.pages = new long[(maxPairs + PAGE_SLOTS - 1) >>> PAGE_SHIFT];
        this.slotBytePages = new long[pages.length];
        this.pageBlocks = new Memory.Block[pages.length];
        addPage();
    }

    /**
     * Ports a record keeps for a threshold: the threshold's own, and at least two, so that a pair
     * with two ports in the window is known as a potential scanner whatever the threshold.
     */
    static int portSlots(int portThreshold) {
        return Math.max(portThreshold, 2);
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

    long recordBytes() {
        return recordBytes;
    }

    /** Times the epoch has moved ({@link #rebase}). */
    long rebases() {
        return rebases;
    }

    // ------------------------------------------------------------------ named accessors

    /** The address of the slot's record. */
    private long record(int slot) {
        assert slot >= 0 && slot < slotCapacity : slot;
        return pages[slot >>> PAGE_SHIFT] + (slot & PAGE_MASK) * recordBytes;
    }

    private static int flagsAt(long record) {
        return Memory.getInt(record + FLAGS);
    }

    private static void setFlagsAt(long record, int flags) {
        Memory.putInt(record + FLAGS, flags);
    }

    private long timeAt(long address) {
        return wideTimes ? Memory.getLong(address) : CompactTime.decode(Memory.getInt(address), epoch);
    }

    private void setTimeAt(long address, long time) {
        if (wideTimes) {
            Memory.putLong(address, time);
        } else {
            Memory.putInt(address, CompactTime.encode(time, epoch));
        }
    }

    int generation(int slot) {
        return flagsAt(record(slot)) >>> GENERATION_SHIFT;
    }

    long born(int slot) {
        return timeAt(record(slot) + bornOffset);
    }

    long lastActivity(int slot) {
        return timeAt(record(slot) + activityOffset);
    }

    private static int portCount(int flags) {
        return (flags & PORT_COUNT_MASK) >>> PORT_COUNT_SHIFT;
    }

    private long portTimeAt(long record, int i) {
        return timeAt(record + portTimesOffset + (wideTimes ? 8L : 4L) * i);
    }

    private int portAt(long record, int i) {
        return Memory.getChar(record + portsOffset + 2L * i);
    }

    private void setPortAt(long record, int i, int port, long time) {
        Memory.putChar(record + portsOffset + 2L * i, port);
        setTimeAt(record + portTimesOffset + (wideTimes ? 8L : 4L) * i, time);
    }

    private long slotByte(int slot) {
        assert slot >= 0 && slot < slotCapacity : slot;
        return slotBytePages[slot >>> PAGE_SHIFT] + (slot & PAGE_MASK);
    }

    /** What the slot byte says of a pair of this generation: held, and its generation's low 5 bits. */
    private static int slotByteFor(int generation) {
        return 0x20 | generation & 0x1F;
    }

    /**
     * Whether {@code slot} holds a pair whose generation agrees with {@code generation} in its low 5
     * bits: one byte read, no record. A former occupant 32 generations back passes too; its birth
     * ({@link #born}) tells it apart.
     */
    boolean holdsGeneration(int slot, int generation) {
        return Memory.getByte(slotByte(slot)) == slotByteFor(generation);
    }

    boolean episodeActive(int slot) {
        return (flagsAt(record(slot)) & EPISODE) != 0;
    }

    void startEpisode(int slot) {
        long at = record(slot);
        setFlagsAt(at, flagsAt(at) | EPISODE);
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
        return touch(hashOf(fam, sHi, sLo, dHi, dLo), fam, sHi, sLo, dHi, dLo, now);
    }

    /** {@link #touch}, given the pair's {@link #hashOf hash}: the look-ahead computed it already. */
    int touch(int h, int fam, long sHi, long sLo, long dHi, long dLo, long now) {
        if (!wideTimes && CompactTime.rebaseDue(now, epoch)) {
            rebase(now);
        }
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
                        && (flagsAt(at) & FAMILY_MASK) == fam) {
                    setTimeAt(at + activityOffset, now);
                    return slot;
                }
            }
        }
        if (size == maxPairs) {
            evictOne(now);
        }
        int slot = takeSlot();
        int generation = nextGeneration;
        nextGeneration = (nextGeneration + 1) & GENERATION_MASK;
        if (nextGeneration == 0) {
            nextGeneration = 1;
        }
        long at = record(slot);
        Memory.putLong(at + SRC_HI, sHi);
        Memory.putLong(at + SRC_LO, sLo);
        Memory.putLong(at + DST_HI, dHi);
        Memory.putLong(at + DST_LO, dLo);
        setFlagsAt(at, generation << GENERATION_SHIFT | fam);
        Memory.putByte(slotByte(slot), slotByteFor(generation));
        setTimeAt(at + activityOffset, now);
        setTimeAt(at + bornOffset, now);
        insertIntoIndex(h, slot);
        singlePort.add(slot, now);
        size++;
        return slot;
    }

    /**
     * Moves the epoch of 4-byte times to {@code now}, once per
     * {@value CompactTime#REBASE_AFTER_MICROS} µs of packet time: first retires the pairs idle by
     * then, as {@link #tidy} would, then rewrites every time left ({@link CompactTime}) in one pass
     * over the records and the queues. If no pair is left, the table starts over: so a quiet night
     * gives the memory back, and a capture whose SYNs jump the clock can't make each jump pay a pass
     * over a full table.
     */
    private void rebase(long now) {
        singlePort.retireIdle(now - idleMicros);
        multiPort.retireIdle(now - idleMicros);
        long shift = now - epoch;
        epoch = now;
        rebases++;
        if (size == 0) {
            startOver();
            return;
        }
        for (int slot = 0; slot < usedSlots; slot++) {
            long at = record(slot);
            int flags = flagsAt(at);
            if ((flags & FAMILY_MASK) == 0) {
                continue;   // a free record: its activity word links the free list
            }
            CompactTime.shift(at + activityOffset, shift);
            CompactTime.shift(at + bornOffset, shift);
            if (sources) {
                CompactTime.shift(at + otherSourceTimeOffset, shift);
            }
            for (int i = 0; i < portCount(flags); i++) {
                CompactTime.shift(at + portTimesOffset + 4L * i, shift);
            }
        }
        singlePort.shiftTimes(shift);
        multiPort.shiftTimes(shift);
    }

    /** Empty again: gives back all memory but the first page's. */
    private void startOver() {
        usedSlots = 0;
        freeList = NONE;
        for (int page = 0; page < pages.length && pageBlocks[page] != null; page++) {
            pageBlocks[page].free();
            pageBlocks[page] = null;
        }
        slotCapacity = 0;
        indexBlock.free();
        indexBlock = null;
        indexMask = -1;
        singlePort.startOver();
        multiPort.startOver();
        addPage();
    }

    /**
     * Retires pairs idle for {@code idleMicros} at {@code now} from the heads of both queues, at most
     * {@code steps} from each. A head queued after the cutoff can't be idle: the queue says so
     * without reading the record, so this costs next to nothing per SYN.
     */
    void tidy(long now, int steps) {
        long cutoff = now - idleMicros;
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

    /**
     * The oldest single-port pair not active since it was queued goes; a multi-port pair only when
     * none is left. A head found idle is retired instead, as {@link #tidy} would: so which pair goes
     * never depends on whether it was active since it was queued long ago, which a rebase can't tell.
     */
    private void evictOne(long now) {
        while (true) {
            SlotQueue queue = singlePort.isEmpty() ? multiPort : singlePort;
            int slot = queue.peek();
            if (lastActivity(slot) <= now - idleMicros) {
                queue.poll();
                remove(slot);
                return;
            }
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
        long at = record(slot);
        long cutoff = now - windowMicros;
        int count = portCount(flagsAt(at));
        int inWindow = 0;
        for (int i = 0; i < count; i++) {
            if (portTimeAt(at, i) > cutoff) {
                inWindow++;
            }
        }
        return inWindow;
    }

    /**
     * Records a new connection to {@code port} at {@code now} and returns how many distinct ports the
     * pair reached in the window (now - window, now], this one included: all of them up to one more
     * than {@code portSlots}. When that is more than the threshold, copies those ports into
     * {@code ports}, in no particular order (room for {@code portSlots + 1}): at the crossing, the
     * window's ports.
     * The pair's scan episode ends first if it had no new connection for a full window (then none of
     * its ports is in the window). Past {@code portSlots} ports, the stalest gives way.
     */
    int recordNewConnection(int slot, int port, long now, int[] ports) {
        long at = record(slot);
        long cutoff = now - windowMicros;
        int flags = flagsAt(at);
        int count = portCount(flags);
        int kept = 0;
        int match = NONE;
        for (int i = 0; i < count; i++) {
            long time = portTimeAt(at, i);
            if (time > cutoff) {
                int p = portAt(at, i);
                setPortAt(at, kept, p, time);
                if (p == port) {
                    match = kept;
                }
                kept++;
            }
        }
        if (kept == 0) {
            flags &= ~EPISODE;
        }
        int reached = match == NONE ? kept + 1 : kept;
        if (reached > portThreshold) {
            for (int i = 0; i < kept; i++) {
                ports[i] = portAt(at, i);
            }
            if (match == NONE) {
                ports[kept] = port;
            }
        }
        if (match != NONE) {
            setPortAt(at, match, port, now);
        } else if (kept < portSlots) {
            setPortAt(at, kept++, port, now);
        } else {
            int stalest = 0;
            for (int i = 1; i < kept; i++) {
                if (portTimeAt(at, i) < portTimeAt(at, stalest)) {
                    stalest = i;
                }
            }
            setPortAt(at, stalest, port, now);
        }
        setFlagsAt(at, (flags & ~PORT_COUNT_MASK) | kept << PORT_COUNT_SHIFT);
        return reached;
    }

    /**
     * For a pair keyed by a source prefix, before its new connection at {@code now} is recorded:
     * notes the connecting address, and when another address last connected.
     */
    void recordSource(int slot, long sHi, long sLo) {
        long at = record(slot);
        int flags = flagsAt(at);
        if ((flags & SOURCE_NOTED) == 0) {
            setTimeAt(at + otherSourceTimeOffset, Long.MIN_VALUE);
            setFlagsAt(at, flags | SOURCE_NOTED);
        } else if (Memory.getLong(at + sourceOffset) != sHi || Memory.getLong(at + sourceOffset + 8) != sLo) {
            // Every connection since the last change came from the previous address: the latest is its last.
            long latest = Long.MIN_VALUE;
            for (int i = 0; i < portCount(flags); i++) {
                latest = Math.max(latest, portTimeAt(at, i));
            }
            setTimeAt(at + otherSourceTimeOffset, latest);
        } else {
            return;
        }
        Memory.putLong(at + sourceOffset, sHi);
        Memory.putLong(at + sourceOffset + 8, sLo);
    }

    /** Whether one address (the latest one recorded) made all the pair's connections in the window. */
    boolean singleSource(int slot, long now) {
        return timeAt(record(slot) + otherSourceTimeOffset) <= now - windowMicros;
    }

    // ------------------------------------------------------------------ slots and index

    private int takeSlot() {
        if (freeList != NONE) {
            int slot = freeList;
            freeList = Memory.getInt(record(slot) + activityOffset);
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
        setFlagsAt(at, flagsAt(at) & ~((1 << GENERATION_SHIFT) - 1));
        Memory.putByte(slotByte(slot), 0);
        Memory.putInt(at + activityOffset, freeList);
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
        return hashOf(flagsAt(at) & FAMILY_MASK, Memory.getLong(at + SRC_HI),
                Memory.getLong(at + SRC_LO), Memory.getLong(at + DST_HI), Memory.getLong(at + DST_LO));
    }

    /** One more page of records, the last one cut to the cap; the index doubles when it would pass half full. */
    private void addPage() {
        // Both blocks first: a failed mapping leaves the table as it was.
        int length = Math.min(PAGE_SLOTS, maxPairs - slotCapacity);
        Memory.Block pageBlock = Memory.allocate(this, length * (recordBytes + 1));
        long page = pageBlock.address();
        int indexLength = Integer.highestOneBit(Math.max(slotCapacity + length, 2) - 1) << 2;
        Memory.Block newIndex = indexLength != indexMask + 1 ? Memory.allocate(this, 8L * indexLength) : null;
        pages[slotCapacity >>> PAGE_SHIFT] = page;
        pageBlocks[slotCapacity >>> PAGE_SHIFT] = pageBlock;
        slotBytePages[slotCapacity >>> PAGE_SHIFT] = page + length * recordBytes;
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
     * First-in first-out slots, each with the time it was queued: off-heap rings of entries (the slot,
     * then the time, as wide as the records' times) that double as the table fills, the old ring
     * freed at once.
     */
    private final class SlotQueue {
        private final int entryBytes = wideTimes ? 12 : 8;
        private int capacity = 16;
        private Memory.Block block = Memory.allocate(this, (long) entryBytes * capacity);
        private long ring = block.address();
        private int head;
        private int count;

        boolean isEmpty() {
            return count == 0;
        }

        int peek() {
            return Memory.getInt(entry(head));
        }

        long headQueuedAt() {
            return timeAt(entry(head) + 4);
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
            Memory.putInt(at, slot);
            setTimeAt(at + 4, time);
        }

        /** Empty, and back to its first size. */
        void startOver() {
            block.free();
            capacity = 16;
            block = Memory.allocate(this, (long) entryBytes * capacity);
            ring = block.address();
            head = 0;
            count = 0;
        }

        /** Retires the queued pairs idle since {@code cutoff} or earlier; the others keep their order. */
        void retireIdle(long cutoff) {
            int kept = 0;
            for (int i = 0; i < count; i++) {
                long from = entry((head + i) & (capacity - 1));
                int slot = Memory.getInt(from);
                if (lastActivity(slot) <= cutoff) {
                    remove(slot);
                } else {
                    long to = entry((head + kept++) & (capacity - 1));
                    long queuedAt = timeAt(from + 4);
                    Memory.putInt(to, slot);
                    setTimeAt(to + 4, queuedAt);
                }
            }
            count = kept;
        }

        /** {@link PairTable#rebase}'s part: the queued times, 4 bytes each. */
        void shiftTimes(long shift) {
            for (int i = 0; i < count; i++) {
                CompactTime.shift(entry((head + i) & (capacity - 1)) + 4, shift);
            }
        }

        private void grow() {
            Memory.Block oldBlock = block;
            long old = ring;
            int oldCapacity = capacity;
            block = Memory.allocate(this, (long) entryBytes * 2 * capacity);
            capacity *= 2;
            ring = block.address();
            for (int i = 0; i < count; i++) {
                long from = old + (long) entryBytes * ((head + i) & (oldCapacity - 1));
                Memory.putInt(entry(i), Memory.getInt(from));
                setTimeAt(entry(i) + 4, timeAt(from + 4));
            }
            head = 0;
            oldBlock.free();
        }

        private long entry(int i) {
            assert i >= 0 && i < capacity : i;
            return ring + (long) entryBytes * i;
        }
    }
}
