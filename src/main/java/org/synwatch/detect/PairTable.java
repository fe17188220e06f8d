package org.synwatch.detect;

/**
 * The (source, destination) pairs: one record per pair, found through one probe of a keyed-hash
 * index. A record holds everything one SYN needs, in one cache line at the default threshold:
 *
 * <pre>
 *   bytes 0..31   source and destination address (high and low 64 bits each)
 *   32..35        flags: family (bits 0-3; 0 = free), scan episode (bit 4), source noted (bit 5),
 *                 first 4-tuple held (bit 6), ports kept (bits 8-14), generation (bits 15-31)
 *   then, times   last activity (any SYN, retransmissions included); born: when this pair took the slot
 *   only for pairs keyed by a source prefix: the source address of the latest new connection (16
 *                 bytes), and when an address other than that one last connected (a time)
 *   then          the kept ports' latest times, then the ports (2 bytes each)
 *   then          the source port of the pair's first SYN (2 bytes, {@link #keepFirstTuple})
 * </pre>
 *
 * A time takes 4 bytes ({@link CompactTime}) when the window and the idle horizon are at most
 * {@value CompactTime#LONGEST_INTERVAL_MICROS} µs (about 18 minutes; the default window is 60 s): at
 * the default threshold a record is then 64 bytes, one cache line, where 8-byte times would take
 * two. Longer windows take 8-byte times, and two lines.
 *
 * <p>Only the {@code portSlots} most recent distinct ports are kept: with the port of the SYN at
 * hand, enough to tell whether more than the threshold are in the window, and at the crossing they
 * are exactly the window's ports.
 *
 * <p>Eviction at the cap: idle pairs (no SYN for the idle horizon) retire first, uncounted; then
 * the single-port pair (at most one port in the window) whose last activity is oldest goes; a
 * multi-port pair (a potential scanner) only when no single-port pair is left, the one whose ports
 * leave the window first. So a flood of spoofed one-SYN sources can't push out a slow scan. Pairs
 * wait in two orders ({@link SlotOrder}): single-port pairs by the activity they were queued with,
 * multi-port ones by when their second-latest port leaves the window ({@link #multiPortUntil}). A
 * SYN only writes its pair's activity time, no list to relink; a pair found first with a later
 * activity, or another kind, goes back where it belongs then (as in the CLOCK algorithm, but in
 * exact order: a queued time never runs ahead of the pair's own). Order follows packet order only,
 * so eviction, like everything else the detector prints, never depends on the hash key.
 *
 * <p>Beside the records, a word per slot says whether it holds a pair, 5 bits of its generation
 * and when it was born, to a millisecond ({@link #holds}): what {@link RecentSyns} keeps of a
 * pair, so it can tell its entries of departed pairs in a 256 KiB page instead of a record's line.
 *
 * <p>Everything lives off the heap ({@link Memory}): records in pages of {@value #PAGE_SLOTS}, added
 * as the table fills, so memory follows the traffic and growth never copies a record; the index and
 * the orders in blocks that double, the old one freed at once. Single-threaded: the detector
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
    private static final int FIRST_TUPLE = 1 << 6;
    private static final int PORT_COUNT_SHIFT = 8;
    private static final int PORT_COUNT_MASK = 0x7F << PORT_COUNT_SHIFT;
    private static final int GENERATION_SHIFT = 15;
    /**
     * Generations run through the flags' 17 bits, 0 left out; {@link RecentSyns} and the slot words
     * keep the low 5. Each slot counts its own ({@link #nextGeneration}).
     */
    private static final int GENERATION_MASK = 0x1FFFF;
    /** A slot word: generation bits 0-4, held bit 5, above them the birth mark ({@link #birthMark}). */
    private static final int HELD = 1 << 5;
    private static final int BIRTH_SHIFT = 6;
    /** Birth marks count units of 2^10 µs from the epoch, in 26 signed bits: about ±9 hours. */
    private static final int BIRTH_UNIT_SHIFT = 10;
    /** The oldest birth mark: a pair born at least this long before the epoch. */
    private static final int LONG_AGO = -(1 << 25);

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
    private final long firstSourcePortOffset;
    private final long recordBytes;
    /** What 4-byte times count from; the first SYN moves it there. */
    private long epoch;
    private long rebases;

    /** Page addresses, sized once for the cap; filled a page at a time as the table grows. */
    private final long[] pages;
    /** The pages' blocks, to free when the table starts over; {@link #record} reads only {@link #pages}. */
    private final Memory.Block[] pageBlocks;
    /** Where each page's slot words start ({@link #holds}), after its records. */
    private final long[] slotWordPages;
    /** Per position: hash in the high 32 bits, slot + 1 in the low; 0 marks an empty position. */
    private Memory.Block indexBlock;
    /** The index's address; positions 0..indexMask, 8 bytes each. */
    private long index;
    private int indexMask = -1;

    /** Pairs with at most one port in the window, by the last activity they were queued with. */
    private final SlotOrder singlePort;
    /** Pairs with two or more, by when they were to stop having two ({@link #multiPortUntil}). */
    private final SlotOrder multiPort;
    private int slotCapacity;
    private int usedSlots;
    private int freeList = NONE;
    private int size;
    /** Whether the latest {@link #touch} made the pair: its SYN is the pair's first. */
    private boolean created;
    /** What {@link #prefetchOldest} read: kept so that the compiler can't drop the reads. */
    private long prefetchSink;
    /**
     * What a record never held counts its generations from: after {@link #startOver}, above any
     * earlier occupant's (unless one slot's count ran through all 17 bits, which takes 131,071 of
     * its occupants). By then every 4-tuple of those occupants has expired anyway: the table starts
     * over only when retiring idle pairs has emptied it, so its last SYN is an idle horizon old.
     */
    private int freshGeneration;
    private int highestGeneration;
    private final long[] evictions = new long[DetectorStats.Eviction.values().length];
    private long departures;
    /** When a pair was last evicted (not retired), {@link Long#MIN_VALUE} before the first. */
    private long lastEviction = Long.MIN_VALUE;

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
        this.firstSourcePortOffset = portsOffset + 2L * portSlots;
        this.recordBytes = roundUp(firstSourcePortOffset + 2, 32);
        this.singlePort = new SlotOrder();
        this.multiPort = new SlotOrder();
        this.pages = new long[(maxPairs + PAGE_SLOTS - 1) >>> PAGE_SHIFT];
        this.slotWordPages = new long[pages.length];
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

    /**
     * Whether a pair was evicted (not retired) after {@code time}. A retired pair was idle for the
     * idle horizon, no shorter than {@link RecentSyns}'s: so only an eviction since then can have
     * left a 4-tuple entry unexpired behind.
     */
    boolean evictedSince(long time) {
        return lastEviction > time;
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

    private long slotWord(int slot) {
        assert slot >= 0 && slot < slotCapacity : slot;
        return slotWordPages[slot >>> PAGE_SHIFT] + 4L * (slot & PAGE_MASK);
    }

    /** What the slot word's low bits say of a pair of this generation: held, and its generation's low 5 bits. */
    private static int heldBitsFor(int generation) {
        return HELD | generation & 0x1F;
    }

    /** A pair born at {@code born}, in whole units from the epoch, rounded down: never after its birth. */
    private int birthMark(long born) {
        return (int) Math.max((born - epoch) >> BIRTH_UNIT_SHIFT, LONG_AGO);
    }

    /**
     * Whether {@code slot} holds the pair of {@code generation} (its low 5 bits) that wrote, at
     * {@code writtenAt}, what {@link RecentSyns} keeps: one word read, no record. An earlier
     * occupant's entry fails on its generation, or, 32 occupants back or a multiple, on being older
     * than the pair's birth. Counted by generations alone, a sender who protects every other pair
     * could push a few large pairs through 32 occupants of their slots, and their entries would
     * look held to every pass. (The birth is rounded down to 1,024 µs: an entry written within that
     * before it passes if its writer was 32 occupants back. That takes 32 new pairs in one slot
     * within a millisecond, and keeps only what was written in that millisecond.)
     */
    boolean holds(int slot, int generation, long writtenAt) {
        int word = Memory.getInt(slotWord(slot));
        return (word & (HELD | 0x1F)) == heldBitsFor(generation)
                && writtenAt >= epoch + ((long) (word >> BIRTH_SHIFT) << BIRTH_UNIT_SHIFT);
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

    /**
     * At the cap, where each new pair evicts the oldest single-port pair and takes its slot: reads
     * what evicting the next {@code count} will, their records and slot words, then their index
     * entries (cold lines: they are the oldest pairs), stores their slots in {@code oldest}, and
     * returns how many there were. Otherwise 0. Below the cap, a new pair takes a slot that idle
     * pairs freed at their own pace, which this can't tell. A cap of one page or less keeps the
     * table in a server's cache, where these reads are only more work, and a flood reaches so small
     * a cap while the JIT still warms up: the soak's 20,000 pairs lost more in the ring in its
     * first seconds with them. Only reads; a guess that proves wrong (a pair queued out of order,
     * or one active since it was queued) just isn't helped.
     */
    int prefetchOldest(int count, int[] oldest) {
        SlotRing ring = singlePort.inOrder;
        count = size == maxPairs && maxPairs > PAGE_SLOTS ? Math.min(count, ring.count) : 0;
        long sink = 0;
        for (int i = 0; i < count; i++) {
            int slot = ring.slotAt(ring.position(i));
            oldest[i] = slot;
            sink += loadRecord(slot) + Memory.getInt(slotWord(slot));
        }
        for (int i = 0; i < count; i++) {
            sink += indexEntryAt(hashOf(oldest[i]));
        }
        prefetchSink += sink;
        return count;
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
        if (CompactTime.rebaseDue(now, epoch)) {
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
                    created = false;
                    return slot;
                }
            }
        }
        if (size == maxPairs) {
            evictOne(now);
        }
        int slot = takeSlot();
        long at = record(slot);
        int previous = flagsAt(at) >>> GENERATION_SHIFT;
        int generation = nextGeneration(previous == 0 ? freshGeneration : previous);
        highestGeneration = Math.max(highestGeneration, generation);
        Memory.putLong(at + SRC_HI, sHi);
        Memory.putLong(at + SRC_LO, sLo);
        Memory.putLong(at + DST_HI, dHi);
        Memory.putLong(at + DST_LO, dLo);
        setFlagsAt(at, generation << GENERATION_SHIFT | fam);
        Memory.putInt(slotWord(slot), birthMark(now) << BIRTH_SHIFT | heldBitsFor(generation));
        setTimeAt(at + activityOffset, now);
        setTimeAt(at + bornOffset, now);
        insertIntoIndex(h, slot);
        singlePort.add(slot, now);
        size++;
        created = true;
        return slot;
    }

    /** Whether the latest {@link #touch} made its pair, so that its SYN is the pair's first. */
    boolean created() {
        return created;
    }

    /**
     * Moves the epoch of 4-byte times and birth marks to {@code now} (rounded down to a birth
     * unit), once per {@value CompactTime#REBASE_AFTER_MICROS} µs of packet time: first retires the
     * pairs idle by then, as {@link #tidy} would, then rewrites every time left ({@link CompactTime})
     * in one pass over the slot words, the records and the queues (with 8-byte times, over the slot
     * words only). If no pair is left, the table starts over: so a quiet night gives the memory
     * back, and a capture whose SYNs jump the clock can't make each jump pay a pass over a full table.
     */
    private void rebase(long now) {
        singlePort.retireIdle(now - idleMicros);
        multiPort.retireIdle(now - idleMicros);
        // A whole number of birth units, so that marks move exactly: rounding each move would let
        // them drift earlier than the births they stand for.
        long newEpoch = now >> BIRTH_UNIT_SHIFT << BIRTH_UNIT_SHIFT;
        long shift = newEpoch - epoch;
        epoch = newEpoch;
        rebases++;
        if (size == 0) {
            startOver();
            return;
        }
        long markShift = shift >> BIRTH_UNIT_SHIFT;
        for (int slot = 0; slot < usedSlots; slot++) {
            long address = slotWord(slot);
            int word = Memory.getInt(address);
            if (word != 0) {
                int mark = (int) Math.max((word >> BIRTH_SHIFT) - markShift, LONG_AGO);
                Memory.putInt(address, mark << BIRTH_SHIFT | word & (HELD | 0x1F));
            }
        }
        if (wideTimes) {
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
        freshGeneration = highestGeneration;
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
     * Settles the first {@code steps} pairs of each order that are due at {@code now}: a
     * single-port pair queued an idle horizon ago retires if idle, else goes back in order with its
     * latest activity; a multi-port pair whose ports were to leave the window by now joins the
     * single-port ones, else is queued for when they now leave. The first time of each order
     * ({@link Long#MAX_VALUE} when empty) says whether anything is due without reading a record, so
     * this costs next to nothing per SYN.
     */
    void tidy(long now, int steps) {
        long cutoff = now - idleMicros;
        for (int i = 0; i < steps && singlePort.firstTime() <= cutoff; i++) {
            settleFirstSinglePort(now);
        }
        for (int i = 0; i < steps && multiPort.firstTime() <= now; i++) {
            settleFirstMultiPort(now);
        }
    }

    /**
     * Makes room for one pair. An idle pair retires if there is one; else the single-port pair
     * whose last activity is oldest goes; a multi-port pair only when none is left, the one whose
     * ports leave the window first. First every multi-port pair whose ports have left the window
     * joins the single-port ones, so each order holds exactly its kind.
     */
    private void evictOne(long now) {
        while (multiPort.firstTime() <= now) {
            settleFirstMultiPort(now);
        }
        while (size == maxPairs && !singlePort.isEmpty()) {
            if (settleFirstSinglePort(now)) {
                evict(singlePort, DetectorStats.Eviction.SINGLE_PORT, now);
            }
        }
        while (size == maxPairs) {
            if (settleFirstMultiPort(now)) {
                evict(multiPort, DetectorStats.Eviction.MULTI_PORT, now);
            }
        }
    }

    private void evict(SlotOrder order, DetectorStats.Eviction kind, long now) {
        evictions[kind.ordinal()]++;
        lastEviction = now;
        remove(order.poll());
    }

    /**
     * Puts the first pair of the single-port order where it belongs at {@code now}, and returns
     * whether that is first: a single-port pair with no SYN since it was queued. One idle by now
     * retires; one with two ports in the window now joins the multi-port order; one active since it
     * was queued goes back in order, with its latest activity. Queued times never run ahead of a
     * pair's activity, so the first that stays first has the oldest activity of its order.
     */
    private boolean settleFirstSinglePort(long now) {
        int slot = singlePort.first();
        long last = lastActivity(slot);
        if (last <= now - idleMicros) {
            remove(singlePort.poll());
            return false;
        }
        long until = multiPortUntil(slot);
        if (until > now) {
            multiPort.add(singlePort.poll(), until);
            return false;
        }
        if (last > singlePort.firstTime()) {
            singlePort.add(singlePort.poll(), last);
            return false;
        }
        return true;
    }

    /**
     * {@link #settleFirstSinglePort}'s counterpart: a pair whose ports have left the window by
     * {@code now} joins the single-port order with its latest activity (which retires it first if
     * it is idle: its activity is then the oldest); one that reached another port since it was
     * queued goes back in order, with when its ports now leave. Returns whether the first stays first.
     */
    private boolean settleFirstMultiPort(long now) {
        int slot = multiPort.first();
        long until = multiPortUntil(slot);
        if (until <= now) {
            singlePort.add(multiPort.poll(), lastActivity(slot));
            return false;
        }
        if (until > multiPort.firstTime()) {
            multiPort.add(multiPort.poll(), until);
            return false;
        }
        return true;
    }

    /**
     * Until when the pair has two or more ports in the window if it reaches no new one: its
     * second-latest port's time plus the window. Long ago for a pair with fewer than two ports.
     */
    private long multiPortUntil(int slot) {
        long at = record(slot);
        int count = portCount(flagsAt(at));
        long latest = Long.MIN_VALUE;
        long second = Long.MIN_VALUE;
        for (int i = 0; i < count; i++) {
            long time = portTimeAt(at, i);
            if (time > latest) {
                second = latest;
                latest = time;
            } else if (time > second) {
                second = time;
            }
        }
        return second == Long.MIN_VALUE ? Long.MIN_VALUE : second + windowMicros;
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

    /**
     * Keeps in the record the 4-tuple of the pair's first SYN, just {@link #recordNewConnection
     * recorded}: its source port here, its destination port as the one port kept, its time as the
     * pair's birth. Until the pair's next SYN ({@link #takeFirstTuple}) that is all the pair has
     * sent, so nothing else is needed to tell a retransmission of it; {@link RecentSyns} never sees
     * the 4-tuple of a pair that sends one SYN, as a spoofed flood's do.
     */
    void keepFirstTuple(int slot, int srcPort) {
        long at = record(slot);
        int flags = flagsAt(at);
        assert portCount(flags) == 1 && (flags & FIRST_TUPLE) == 0 : flags;
        Memory.putChar(at + firstSourcePortOffset, srcPort);
        setFlagsAt(at, flags | FIRST_TUPLE);
    }

    /**
     * At the pair's second SYN or later: the first SYN's ports, source port above the destination
     * port's 16 bits, if the record holds them ({@link #keepFirstTuple}), which it then stops doing;
     * else {@link #NONE}.
     */
    long takeFirstTuple(int slot) {
        long at = record(slot);
        int flags = flagsAt(at);
        if ((flags & FIRST_TUPLE) == 0) {
            return NONE;
        }
        setFlagsAt(at, flags & ~FIRST_TUPLE);
        return (long) Memory.getChar(at + firstSourcePortOffset) << 16 | portAt(at, 0);
    }

    // ------------------------------------------------------------------ slots and index

    /**
     * The generation of a slot's next occupant, after {@code previous} (a freed record keeps its
     * generation). Counted per slot, not across the table: then a departed pair's 4-tuples look
     * held to a pass (same 5 bits) only once its slot has had 32 more occupants. Counted across the
     * table, a flood could time its new pairs to the slots' cycle (32 busy clients kept at a cap of
     * 1,056: each slot retaken every 1,024 new pairs) so that every occupant shared its
     * predecessor's 5 bits, and no pass could clear the flood's dead 4-tuples.
     */
    private static int nextGeneration(int previous) {
        int next = (previous + 1) & GENERATION_MASK;
        return next == 0 ? 1 : next;
    }

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
        Memory.putInt(slotWord(slot), 0);
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
        Memory.Block pageBlock = Memory.allocate(this, length * (recordBytes + 4));
        long page = pageBlock.address();
        int indexLength = Integer.highestOneBit(Math.max(slotCapacity + length, 2) - 1) << 2;
        Memory.Block newIndex = indexLength != indexMask + 1 ? Memory.allocate(this, 8L * indexLength) : null;
        pages[slotCapacity >>> PAGE_SHIFT] = page;
        pageBlocks[slotCapacity >>> PAGE_SHIFT] = pageBlock;
        slotWordPages[slotCapacity >>> PAGE_SHIFT] = page + length * recordBytes;
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
     * Slots in the order of a time each was queued with, the earliest first: a ring for the times
     * that come in order (a new pair's, stamped now), and a heap for those that don't (a
     * pair sent back with its latest activity, older than the ring's last; a multi-port pair with
     * when its ports leave the window). A flood of new pairs costs the ring's constant time; only
     * pairs sent back pay the heap's logarithm. The first is the earlier of the ring's head and
     * the heap's top, the ring's on a tie, so the order follows packet order alone.
     */
    private final class SlotOrder {
        private final SlotRing inOrder = new SlotRing();
        private final SlotHeap outOfOrder = new SlotHeap();
        /** Whether the first is the heap's top; and its time, {@link Long#MAX_VALUE} when empty: read per SYN ({@link #tidy}), so kept at hand. */
        private boolean heapFirst;
        private long firstTime = Long.MAX_VALUE;

        boolean isEmpty() {
            return firstTime == Long.MAX_VALUE;
        }

        int first() {
            return heapFirst ? outOfOrder.slotAt(0) : inOrder.slotAt(inOrder.head);
        }

        long firstTime() {
            return firstTime;
        }

        int poll() {
            int slot = heapFirst ? outOfOrder.poll() : inOrder.poll();
            findFirst();
            return slot;
        }

        void add(int slot, long time) {
            if (inOrder.count == 0) {
                inOrder.add(slot, time);
                findFirst();
            } else if (time >= inOrder.tailTime()) {
                inOrder.add(slot, time);   // behind the ring's head: the first stays
            } else {
                outOfOrder.add(slot, time);
                if (time < firstTime) {
                    heapFirst = true;
                    firstTime = time;
                }
            }
        }

        /** Retires the queued pairs idle since {@code cutoff} or earlier; the others keep their order. */
        void retireIdle(long cutoff) {
            inOrder.retireIdle(cutoff);
            outOfOrder.retireIdle(cutoff);
            findFirst();
        }

        /** {@link PairTable#rebase}'s part: the queued times, 4 bytes each. */
        void shiftTimes(long shift) {
            inOrder.shiftTimes(shift);
            outOfOrder.shiftTimes(shift);
            findFirst();
        }

        /** Empty, and back to its first size. */
        void startOver() {
            inOrder.startOver();
            outOfOrder.startOver();
            findFirst();
        }

        private void findFirst() {
            heapFirst = inOrder.count == 0 || outOfOrder.count != 0 && outOfOrder.timeAt(0) < inOrder.headTime();
            firstTime = heapFirst ? (outOfOrder.count == 0 ? Long.MAX_VALUE : outOfOrder.timeAt(0)) : inOrder.headTime();
        }
    }

    /**
     * Entries of a slot and a time (as wide as the records' times), off the heap in a block that
     * doubles when full, the old one freed at once. {@link #position} maps the i-th entry to where
     * it is stored.
     */
    private abstract class SlotEntries {
        private final int entryBytes = wideTimes ? 12 : 8;
        int capacity = 16;
        private Memory.Block block = Memory.allocate(this, (long) entryBytes * capacity);
        private long base = block.address();
        int count;

        abstract int position(int i);

        /** After {@link #ensureRoom} or {@link #startOver}: the entries are stored from position 0 on. */
        abstract void storedFromZero();

        /** After {@link #retireIdle} has left out some entries, keeping the others' positions in order. */
        abstract void leftOut();

        final int slotAt(int position) {
            return Memory.getInt(entry(position));
        }

        final long timeAt(int position) {
            return PairTable.this.timeAt(entry(position) + 4);
        }

        final void set(int position, int slot, long time) {
            Memory.putInt(entry(position), slot);
            setTimeAt(entry(position) + 4, time);
        }

        /** Copies an entry as stored, without decoding its time. */
        final void copy(int to, int from) {
            copy(entry(to), entry(from));
        }

        private void copy(long to, long from) {
            Memory.putInt(to, Memory.getInt(from));
            if (wideTimes) {
                Memory.putLong(to + 4, Memory.getLong(from + 4));
            } else {
                Memory.putInt(to + 4, Memory.getInt(from + 4));
            }
        }

        final void ensureRoom() {
            if (count < capacity) {
                return;
            }
            Memory.Block oldBlock = block;
            long old = base;
            block = Memory.allocate(this, (long) entryBytes * 2 * capacity);
            base = block.address();
            for (int i = 0; i < count; i++) {
                copy(entry(i), old + (long) entryBytes * position(i));
            }
            capacity *= 2;
            oldBlock.free();
            storedFromZero();
        }

        final void retireIdle(long cutoff) {
            int kept = 0;
            for (int i = 0; i < count; i++) {
                int from = position(i);
                int slot = slotAt(from);
                if (lastActivity(slot) <= cutoff) {
                    remove(slot);
                } else {
                    copy(position(kept++), from);
                }
            }
            count = kept;
            leftOut();
        }

        final void shiftTimes(long shift) {
            for (int i = 0; i < count; i++) {
                CompactTime.shift(entry(position(i)) + 4, shift);
            }
        }

        final void startOver() {
            block.free();
            capacity = 16;
            block = Memory.allocate(this, (long) entryBytes * capacity);
            base = block.address();
            count = 0;
            storedFromZero();
        }

        private long entry(int position) {
            assert position >= 0 && position < capacity : position;
            return base + (long) entryBytes * position;
        }
    }

    /** First in, first out: the times come in order. */
    private final class SlotRing extends SlotEntries {
        int head;

        @Override
        int position(int i) {
            return (head + i) & (capacity - 1);
        }

        @Override
        void storedFromZero() {
            head = 0;
        }

        @Override
        void leftOut() {
        }

        long headTime() {
            return timeAt(head);
        }

        long tailTime() {
            return timeAt(position(count - 1));
        }

        int poll() {
            int slot = slotAt(head);
            head = position(1);
            count--;
            return slot;
        }

        void add(int slot, long time) {
            ensureRoom();
            set(position(count++), slot, time);
        }
    }

    /**
     * A min-heap by time, four children a node: half the levels of a binary heap, and a node's
     * children in one or two cache lines, so a removal from a heap of many pairs waits for fewer
     * misses. The times come in any order.
     */
    private final class SlotHeap extends SlotEntries {
        @Override
        int position(int i) {
            return i;
        }

        @Override
        void storedFromZero() {
        }

        /** Restores the heap's order over what is left. */
        @Override
        void leftOut() {
            for (int i = (count - 2) / 4; i >= 0; i--) {
                siftDown(i, slotAt(i), timeAt(i));
            }
        }

        int poll() {
            int slot = slotAt(0);
            if (--count > 0) {
                siftDown(0, slotAt(count), timeAt(count));
            }
            return slot;
        }

        void add(int slot, long time) {
            ensureRoom();
            int i = count++;
            while (i > 0 && timeAt((i - 1) >>> 2) > time) {
                copy(i, (i - 1) >>> 2);
                i = (i - 1) >>> 2;
            }
            set(i, slot, time);
        }

        /** Stores the entry ({@code slot}, {@code time}) at {@code i} or below, where the heap's order puts it. */
        private void siftDown(int i, int slot, long time) {
            while (4 * i + 1 < count) {
                int first = 4 * i + 1;
                int least = first;
                long leastTime = timeAt(first);
                for (int child = first + 1; child < Math.min(first + 4, count); child++) {
                    long childTime = timeAt(child);
                    if (childTime < leastTime) {
                        least = child;
                        leastTime = childTime;
                    }
                }
                if (leastTime >= time) {
                    break;
                }
                copy(i, least);
                i = least;
            }
            set(i, slot, time);
        }
    }
}
