package org.synwatch.detect;

/**
 * When each connection 4-tuple last sent a SYN, to recognise retransmissions (but a pair's first,
 * which waits in the pair's record until the pair's second SYN: {@link #takeIn}). Exact for up to
 * {@code maxSyns} 4-tuples seen within the horizon, however they spread over pairs, so what is
 * printed never depends on the hash key ({@link #makeRoom} says why). One exception, where a
 * 4-tuple of a held pair may be forgotten while fewer than the bound are, and is counted: an insert
 * whose cuckoo moves run out at the bound. Below, "a SYN" is a call of {@link #seenWithin} or
 * {@link #takeIn}: each adds at most one entry, and pays the upkeep that the bounds count on.
 *
 * <p>A bucketed cuckoo table: 12-byte entries, five to a 64-byte bucket (one cache line), and each
 * 4-tuple may live in either of two buckets that its keyed hash names. So a lookup reads at most
 * two lines, both known from the key alone (the detector loads them for a batch of SYNs at once),
 * and a delete is one store: no probe sequence to keep intact. When both buckets are full of live
 * entries, residents move to their other bucket (cuckoo hashing, at most {@value #MAX_MOVES}
 * moves); with five entries a bucket, and a hash whose two halves are independent, that finds room
 * well past 95 % full, and the table never runs above 95 % (seven eighths and a pass's length).
 *
 * <p>An entry names its 4-tuple by the pair's slot and both ports and says which occupant of the
 * slot wrote it, by 5 bits of the pair's generation and by its time: an entry older than the pair's
 * birth, or of another generation, is a former occupant's and never matches. (Mistaking one would
 * need 32 pairs to take the same slot within one microsecond.) The buckets depend on the slot and
 * ports alone, so the detector can load them before the pair's record; a slot's former occupants
 * therefore share them, and when both are full their entries give way first.
 *
 * <pre>
 *   key    bits 59-63 generation bits 0-4, 32-58 slot + 1 (0 = empty), 16-31 source port, 0-15 destination port
 *   time   4 bytes ({@link CompactTime}): the horizon is shorter than what they compare exactly
 * </pre>
 *
 * <p>A cursor sweeps the table a few entries per SYN and clears expired ones; an insert also reuses
 * an expired entry in its buckets. When seven eighths full, and many pairs have left since the
 * last time, a pass over the table, a few entries per SYN, clears what can never match again
 * (expired entries, and those of departed pairs); so its size follows the live pairs' 4-tuples, not
 * the pairs a flood pushed out. Seven eighths full with no pass due, it doubles, up to its bound:
 * the first power of two of buckets that holds {@code maxSyns} at seven eighths with a pass's
 * length to spare ({@link #bucketsFor}). There, passes run back to back while it is seven eighths
 * full, and only at the ceiling, a pass's length above that, is an entry forgotten.
 * Off the heap: 64 MiB at the default bound, 16 bytes per 4-tuple; at worst 32 (a bound just
 * past what a power of two of buckets holds).
 */
final class RecentSyns {
    private static final int ENTRY_BYTES = 12;
    private static final int BUCKET_ENTRIES = 5;
    private static final int BUCKET_SHIFT = 6;
    private static final int FIRST_BUCKETS = 1 << 10;
    /** Buckets the cursor visits per SYN (ten entries): clears expired entries faster than SYNs can add them. */
    private static final int SWEEP_PER_SYN = 2;
    /**
     * Buckets a pass under way ({@link #makeRoom}) checks per SYN (fifteen entries): it ends within
     * a fifteenth of the table's size in SYNs, so the inserts meanwhile take the table from seven
     * eighths to 94 % at most, where the buckets still find room.
     */
    private static final int PASS_PER_SYN = 3;
    /**
     * Buckets of the old table moved per SYN while the table grows ({@link #grow}), ten entries:
     * done within a tenth of the old size in SYNs, so the new table, seven sixteenths full at the
     * start, is under half full at the end and no other growth or pass starts meanwhile.
     */
    private static final int MIGRATE_PER_SYN = 2;
    /** At the bound: buckets searched for a removable entry before one is forgotten. */
    private static final int SEARCH_AT_BOUND = 13;
    /** Residents moved to their other bucket to make room for one insert, before the table grows. */
    private static final int MAX_MOVES = 64;
    private static final int SLOT_BITS = 27;
    private static final long GENERATION_IN_KEY = 0x1FL << 59;
    /** What {@link #setLatest} returns for a 4-tuple it didn't hold: no entry time is this. */
    private static final long NOT_HELD = Long.MIN_VALUE;

    private final Hashing.Key hashKey;
    private final PairTable pairs;
    private final long horizon;
    private final int maxBuckets;
    private Memory.Block block;
    /** The table's address: bucket b's entries start at {@code table + 64 b}. */
    private long table;
    private int bucketMask;
    private int occupied;
    private int limit;
    /** At the bound, where an entry is forgotten to make room: the limit and a pass's length ({@link #makeRoom}). */
    private int ceiling;
    /** The bucket the sweep visits next. */
    private int cursor;
    /** {@link PairTable#departures()} when the last pass began: fewer since, and a pass can't free enough. */
    private long departuresAtPass;
    private long passes;
    /** The next bucket the pass under way checks; the table's bucket count when none is. */
    private int passCursor;
    /** While the table grows, the one it grows from (of oldBuckets buckets), else null; its buckets from migrateCursor on are still to move. */
    private Memory.Block oldBlock;
    private int oldBuckets;
    private int oldOccupied;
    private int migrateCursor;
    /** A bucket's entries on their way from the old table ({@link #migrateOne}). */
    private final long[] movingKeys = new long[BUCKET_ENTRIES];
    private final int[] movingTimes = new int[BUCKET_ENTRIES];
    /** What the entries' times count from; the first SYN moves it there. */
    private long epoch;
    private long forgotten;

    RecentSyns(PairTable pairs, int maxSyns, long horizon, Hashing.Key hashKey) {
        this.hashKey = hashKey;
        if (pairs.capacity() >= 1 << SLOT_BITS) {
            throw new IllegalArgumentException("more pairs than a 4-tuple key can name: " + pairs.capacity());
        }
        if (horizon > CompactTime.LONGEST_INTERVAL_MICROS) {
            throw new IllegalArgumentException("a horizon longer than 4-byte times compare: " + horizon);
        }
        this.pairs = pairs;
        this.horizon = horizon;
        this.maxBuckets = bucketsFor(maxSyns);
        newTable(FIRST_BUCKETS);
    }

    /**
     * The buckets of the table at the bound: the first power of two whose limit leaves, beyond
     * {@code maxSyns}, room for what one pass's SYNs can insert ({@link #passLength}). So with
     * fewer than {@code maxSyns} live 4-tuples, a table at its limit holds more dead entries than a
     * pass lets in, and the pass clears them before the ceiling is reached ({@link #makeRoom}).
     */
    static int bucketsFor(int maxSyns) {
        int buckets = FIRST_BUCKETS;
        while (limitOf(buckets) - passLength(buckets) < maxSyns) {
            buckets *= 2;
        }
        return buckets;
    }

    /** Seven eighths of a table's entries. */
    private static int limitOf(int buckets) {
        return buckets * BUCKET_ENTRIES / 8 * 7;
    }

    /** SYNs a pass over a table takes, and so the most entries inserted while it runs. */
    static int passLength(int buckets) {
        return (buckets + PASS_PER_SYN - 1) / PASS_PER_SYN;
    }

    /** Entries held, fresh or awaiting the sweep, in the table it grows from too. */
    int occupied() {
        return occupied + oldOccupied;
    }

    int capacity() {
        return (bucketMask + 1) * BUCKET_ENTRIES;
    }

    /** Entries held before the table makes room: seven eighths of its capacity. */
    int limit() {
        return limit;
    }

    /** Whether the table is growing: entries of the old one are still to move ({@link #grow}). */
    boolean growing() {
        return oldBlock != null;
    }

    /** Passes begun to clear what can never match again ({@link #makeRoom}). */
    long passes() {
        return passes;
    }

    /** 4-tuples forgotten within the horizon because the table was at its bound. */
    long forgotten() {
        return forgotten;
    }

    /**
     * Returns whether this 4-tuple of the pair in {@code slot} (its {@code generation}, {@code born}
     * then) sent a SYN less than the horizon before {@code now}, and records {@code now} as its latest
     * SYN either way. {@code now} never decreases from one call to the next.
     */
    boolean seenWithin(int slot, int generation, long born, int srcPort, int dstPort, long now) {
        return seenWithin(hashOf(slot, srcPort, dstPort), slot, generation, born, srcPort, dstPort, now);
    }

    /** {@link #seenWithin}, given the 4-tuple's {@link #hashOf hash}: the look-ahead computed it already. */
    boolean seenWithin(long hash, int slot, int generation, long born, int srcPort, int dstPort, long now) {
        int time = maintain(now);
        long previous = setLatest(hash, keyOf(slot, generation, srcPort, dstPort), time, time);
        return previous != NOT_HELD && retransmission((int) previous, born, time);
    }

    /**
     * Takes in a 4-tuple of the pair in {@code slot}, of {@link #hashOf hash} {@code hash}, that last
     * sent a SYN at {@code seen}, no later than {@code now}, and that this table doesn't hold: one
     * its pair kept until now ({@link PairTable#keepFirstTuple}). Counts as a SYN for the table's
     * upkeep, so that it gains at most one entry per upkeep step, as its bounds assume
     * ({@link #makeRoom}).
     */
    void takeIn(long hash, int slot, int generation, int srcPort, int dstPort, long seen, long now) {
        if (now - seen >= horizon) {
            return;   // expired: it could never match
        }
        int time = maintain(now);
        setLatest(hash, keyOf(slot, generation, srcPort, dstPort), CompactTime.encode(seen, epoch), time);
    }

    /**
     * The upkeep each SYN pays, a few entries' worth: the epoch's move when due, the sweep, the
     * pass under way and the growth under way. Returns {@code now} as an entry's time.
     */
    private int maintain(long now) {
        if (CompactTime.rebaseDue(now, epoch)) {
            rebase(now);
        }
        int time = CompactTime.encode(now, epoch);
        for (int i = 0; i < SWEEP_PER_SYN; i++) {
            sweepOne(time, false);
        }
        if (passCursor <= bucketMask) {
            passOn(time);
        }
        for (int i = 0; i < MIGRATE_PER_SYN && oldBlock != null; i++) {
            migrateOne(time);
        }
        return time;
    }

    /**
     * Records {@code entryTime} as the latest SYN of {@code key} (whose hash is {@code hash}) at
     * {@code time}, and returns the time its entry had, or {@link #NOT_HELD}.
     */
    private long setLatest(long hash, long key, int entryTime, int time) {
        // One pass over each bucket: the 4-tuple's entry if there is one, else the first free or
        // expired entry, where it goes unless the table must first make room.
        long room = 0;
        for (int b = 0; b < 2; b++) {
            long at = bucket(b == 0 ? firstBucket(hash) : secondBucket(hash));
            for (int i = 0; i < BUCKET_ENTRIES; i++, at += ENTRY_BYTES) {
                if (Memory.getLong(at) == key) {
                    int previous = timeAt(at);
                    setTimeAt(at, entryTime);
                    return previous;
                }
                if (room == 0 && vacant(at, time)) {
                    room = at;
                }
            }
        }
        // While the table grows, the 4-tuple may still be in the old one: it moves over now.
        long old = oldBlock == null ? 0 : oldEntry(key, hash);
        long previous = NOT_HELD;
        if (old != 0) {
            previous = timeAt(old);
            Memory.putLong(old, 0L);
            oldOccupied--;
        }
        if (occupied >= limit) {
            makeRoom(time);
            insert(key, hash, entryTime, time);   // the table may have grown: find the place again
        } else if (room != 0) {
            store(room, key, entryTime);
        } else {
            insert(key, hash, entryTime, time);
        }
        return previous;
    }

    /**
     * Whether a SYN at {@code time} repeats the one its entry recorded at {@code previous}: less than
     * the horizon before, and not before the pair was {@code born} (else a former occupant of the
     * slot wrote it, with the same 5 bits of generation).
     */
    private boolean retransmission(int previous, long born, int time) {
        return CompactTime.decode(previous, epoch) >= born && (long) time - previous < horizon;
    }

    /**
     * The address of {@code key}'s entry in the table being grown from, or 0. Its buckets are this
     * table's, masked to its half as many.
     */
    private long oldEntry(long key, long hash) {
        for (int b = 0; b < 2; b++) {
            long at = oldBucket(b == 0 ? firstBucket(hash) : secondBucket(hash));
            for (int i = 0; i < BUCKET_ENTRIES; i++, at += ENTRY_BYTES) {
                if (Memory.getLong(at) == key) {
                    return at;
                }
            }
        }
        return 0;
    }

    /**
     * The hash that names a 4-tuple's two buckets. It doesn't depend on the pair's generation, so the
     * slot alone (from the pair index) gives it, before the pair's record is read.
     */
    long hashOf(int slot, int srcPort, int dstPort) {
        return hash(keyOf(slot, 0, srcPort, dstPort));
    }

    /**
     * Reads the first word of both buckets of a 4-tuple's {@link #hashOf hash}: loads the lines
     * {@link #seenWithin} reads. While the table grows, those of the table it grows from too: a
     * 4-tuple not yet in the new one is looked for there ({@link #oldEntry}): unloaded, 3.8 % of
     * the detector's samples on the bench's adversarial file, whose table grows ten times.
     */
    long prefetch(long hash) {
        long words = Memory.getLong(bucket(firstBucket(hash))) ^ Memory.getLong(bucket(secondBucket(hash)));
        if (oldBlock != null) {
            words ^= Memory.getLong(oldBucket(firstBucket(hash))) ^ Memory.getLong(oldBucket(secondBucket(hash)));
        }
        return words;
    }

    /**
     * Moves the epoch of the entries' times to {@code now}, once per
     * {@value CompactTime#REBASE_AFTER_MICROS} µs of packet time: one pass over the table (and the one
     * it grows from) that drops what has expired and rewrites the rest for the new epoch
     * ({@link CompactTime}). If what is left would fit the first size, the table starts over at
     * that size: so a quiet spell gives the memory back, and a capture whose SYNs jump the clock
     * can't make each jump pay a pass over a large, empty table.
     */
    private void rebase(long now) {
        long previousEpoch = epoch;
        epoch = now;
        occupied -= rewriteLive(table, 0, bucketMask + 1, previousEpoch, now);
        if (oldBlock != null) {
            oldOccupied -= rewriteLive(oldBlock.address(), migrateCursor, oldBuckets, previousEpoch, now);
        }
        if (occupied() <= FIRST_BUCKETS * BUCKET_ENTRIES / 16 * 7 && (bucketMask + 1 > FIRST_BUCKETS || oldBlock != null)) {
            Memory.Block from = block;
            int fromBuckets = bucketMask + 1;
            Memory.Block older = oldBlock;
            int olderFrom = migrateCursor;
            oldBlock = null;
            oldOccupied = 0;
            newTable(FIRST_BUCKETS);
            moveAll(from.address(), 0, fromBuckets);
            from.free();
            if (older != null) {
                moveAll(older.address(), olderFrom, oldBuckets);
                older.free();
            }
        }
    }

    /**
     * Clears the entries of buckets {@code fromBucket..toBucket} of the table at {@code table} that
     * have expired at {@code now}, rewrites the others' times for the epoch {@code now}, and returns
     * how many it cleared.
     */
    private int rewriteLive(long table, int fromBucket, int toBucket, long previousEpoch, long now) {
        int cleared = 0;
        for (int b = fromBucket; b < toBucket; b++) {
            long at = bucketIn(table, b);
            for (int i = 0; i < BUCKET_ENTRIES; i++, at += ENTRY_BYTES) {
                if (Memory.getLong(at) != 0) {
                    long seen = CompactTime.decode(timeAt(at), previousEpoch);
                    if (now - seen >= horizon) {
                        Memory.putLong(at, 0L);
                        cleared++;
                    } else {
                        setTimeAt(at, CompactTime.encode(seen, now));
                    }
                }
            }
        }
        return cleared;
    }

    /** Inserts every entry of buckets {@code fromBucket..toBucket} of the table at {@code from} into this one. */
    private void moveAll(long from, int fromBucket, int toBucket) {
        for (int b = fromBucket; b < toBucket; b++) {
            long at = bucketIn(from, b);
            for (int i = 0; i < BUCKET_ENTRIES; i++, at += ENTRY_BYTES) {
                long key = Memory.getLong(at);
                if (key != 0) {
                    insert(key, hash(key), timeAt(at), 0);
                }
            }
        }
    }

    /**
     * At the limit. If a sixteenth of the table's size in pairs has departed since the last pass
     * began, a pass starts that clears every entry that can never match again: expired, or of a
     * departed pair (told by its slot's word, {@link PairTable#holds}: no record read). A
     * spoofed flood at the pair cap leaves one of the latter per pair it pushes out; without the
     * pass they would double the table up to its bound (64 MiB by default) while the live 4-tuples
     * stay at the pair cap. The pass goes {@value #PASS_PER_SYN} buckets per SYN ({@link #passOn}),
     * inserts going on meanwhile: done at once, it stalled the detector 80 ms at 2,097,152 entries,
     * half of what the ring holds at 400,000 SYNs a second. The departures it waits for take a SYN
     * each (a few, when idle pairs retire), so a pass costs at most 16 entries checked per
     * departure. With no pass due, the table grows.
     *
     * <p>At the bound, a pass starts whenever none is under way (so at most {@value #PASS_PER_SYN}
     * buckets a SYN, whatever the load), and inserts go on above the limit up to the ceiling, a
     * pass's length more; only there is an entry forgotten: after a bounded search for a dead one,
     * the one at the cursor, counted if it could still have matched. Why no live one is forgotten
     * while fewer than {@code maxSyns} are live: a pass starts at the limit, since the table grows
     * by at most one entry a SYN. The limit is a pass's length above {@code maxSyns}
     * ({@link #bucketsFor}), so more than a pass's length of its entries are dead then, and the pass
     * clears every one by its end, while its SYNs let in at most a pass's length of new ones (or
     * bring expired ones back): it never reaches the ceiling, and ends below the limit, so the next
     * pass starts at the limit again. (After more than {@code maxSyns} were live, that holds again
     * from the second pass that begins with fewer.) An unbounded search would let a table full of
     * live 4-tuples cost its whole size per SYN.
     */
    private void makeRoom(int time) {
        boolean atBound = bucketMask + 1 == maxBuckets;
        if (passCursor > bucketMask) {
            if (!atBound && pairs.departures() - departuresAtPass < capacity() / 16) {
                grow(time);
                return;
            }
            passCursor = 0;
            departuresAtPass = pairs.departures();
            passes++;
        }
        if (atBound && occupied >= ceiling) {
            forgetOne(time);
        }
    }

    /** At the ceiling: makes room for one entry, forgetting a live one if a short search finds no dead one. */
    private void forgetOne(int time) {
        for (int i = 0; i < SEARCH_AT_BOUND && occupied >= ceiling; i++) {
            sweepOne(time, true);
        }
        while (occupied >= ceiling) {
            long at = bucket(cursor);
            for (int i = 0; i < BUCKET_ENTRIES && occupied >= ceiling; i++, at += ENTRY_BYTES) {
                // Counted only if it could still have matched: an expired entry, or one of a departed pair, is no loss.
                if (Memory.getLong(at) != 0) {
                    if (!expired(timeAt(at), time) && pairHolds(Memory.getLong(at), timeAt(at))) {
                        forgotten++;
                    }
                    clear(at);
                }
            }
            if (occupied >= ceiling) {
                cursor = (cursor + 1) & bucketMask;
            }
        }
    }

    /**
     * Stores a 4-tuple that is in neither of its buckets: in a free or expired entry of one of them,
     * else in the place of a resident, which moves to its own other bucket, and so on. If the moves
     * run out, the table grows; at its bound, the entry left without a place is forgotten and counted.
     * {@code hash} is the key's {@link #hash}, which the caller has at hand.
     */
    private void insert(long key, long hash, int entryTime, int time) {
        int b = firstBucket(hash);
        long at = room(b, time);
        if (at == 0) {
            b = secondBucket(hash);
            at = room(b, time);
        }
        if (at == 0 && pairs.evictedSince(CompactTime.decode(time, epoch) - horizon)) {
            // Both full of unexpired entries: one of a departed pair can go first. A slot's former
            // occupants share its buckets (they don't depend on the generation), so a flood that
            // cycles pairs through one slot with the same ports would otherwise fill them. Only an
            // eviction leaves such an entry unexpired: a pair retires idle for the horizon at least,
            // so without one within the horizon there is none to find (and no slot byte to read).
            at = departed(firstBucket(hash));
            if (at == 0) {
                at = departed(b);
            }
        }
        for (int move = 0; at == 0 && move < MAX_MOVES; move++) {
            // Bucket b is full of live entries: take a resident's place (a different position each
            // move, so that no two entries swap back and forth) and find the resident a place.
            long victim = bucket(b) + (long) (move % BUCKET_ENTRIES) * ENTRY_BYTES;
            long residentKey = Memory.getLong(victim);
            int residentTime = timeAt(victim);
            Memory.putLong(victim, key);
            setTimeAt(victim, entryTime);
            key = residentKey;
            entryTime = residentTime;
            hash = hash(key);
            b = firstBucket(hash) == b ? secondBucket(hash) : firstBucket(hash);
            at = room(b, time);
        }
        if (at != 0) {
            store(at, key, entryTime);
        } else if (bucketMask + 1 < maxBuckets) {
            grow(time);
            insert(key, hash, entryTime, time);
        } else {
            forgotten++;
        }
    }

    /** Writes an entry into a free place, or over an expired or departed one. */
    private void store(long at, long key, int entryTime) {
        if (Memory.getLong(at) == 0) {
            occupied++;
        }
        Memory.putLong(at, key);
        setTimeAt(at, entryTime);
    }

    /** A free or expired entry of bucket {@code b}, or 0. */
    private long room(int b, int time) {
        long at = bucket(b);
        for (int i = 0; i < BUCKET_ENTRIES; i++, at += ENTRY_BYTES) {
            if (vacant(at, time)) {
                return at;
            }
        }
        return 0;
    }

    /** Whether the entry at {@code at} may take a new 4-tuple: free, or expired. */
    private boolean vacant(long at, int time) {
        return Memory.getLong(at) == 0 || expired(timeAt(at), time);
    }

    /** An entry of bucket {@code b} whose pair is gone (its slot freed, or taken by another pair), or 0. */
    private long departed(int b) {
        long at = bucket(b);
        for (int i = 0; i < BUCKET_ENTRIES; i++, at += ENTRY_BYTES) {
            if (!pairHolds(Memory.getLong(at), timeAt(at))) {
                return at;
            }
        }
        return 0;
    }

    /** Visits the bucket at the cursor: clears what expired (or whose pair is gone, when asked to check), and moves on. */
    private void sweepOne(int time, boolean checkPair) {
        clearDead(bucket(cursor), time, checkPair);
        cursor = (cursor + 1) & bucketMask;
    }

    /** The pass under way ({@link #makeRoom}): checks its next {@value #PASS_PER_SYN} buckets. */
    private void passOn(int time) {
        int end = Math.min(passCursor + PASS_PER_SYN, bucketMask + 1);
        for (; passCursor < end; passCursor++) {
            clearDead(bucket(passCursor), time, true);
        }
    }

    private void clearDead(long bucket, int time, boolean checkPair) {
        long at = bucket;
        for (int i = 0; i < BUCKET_ENTRIES; i++, at += ENTRY_BYTES) {
            long key = Memory.getLong(at);
            if (key != 0 && (expired(timeAt(at), time) || checkPair && !pairHolds(key, timeAt(at)))) {
                clear(at);
            }
        }
    }

    /** Whether an entry last seen at {@code entryTime} is a horizon or more before {@code time}. */
    private boolean expired(int entryTime, int time) {
        return (long) time - entryTime >= horizon;
    }

    private static int slotOf(long key) {
        return (int) (key >>> 32 & ((1L << SLOT_BITS) - 1)) - 1;
    }

    /**
     * Whether the pair that wrote the entry, at {@code entryTime}, is still in the table: its slot's
     * word tells, without a record read ({@link PairTable#holds}).
     */
    private boolean pairHolds(long key, int entryTime) {
        return pairs.holds(slotOf(key), (int) (key >>> 59), CompactTime.decode(entryTime, epoch));
    }

    /**
     * Doubles the table. The old one's buckets move over {@value #MIGRATE_PER_SYN} per SYN
     * ({@link #migrateOne}), and a 4-tuple is looked for in both meanwhile: moving them all at once
     * stalled the detector for 99 ms at 2,097,152 entries and 292 ms at 8,388,608, where the ring
     * holds 160 ms at 400,000 SYNs a second. A growth while one is under way (an insert's moves ran
     * out) first moves what is left.
     */
    private void grow(int time) {
        while (oldBlock != null) {
            migrateOne(time);
        }
        oldBlock = block;
        oldBuckets = bucketMask + 1;
        oldOccupied = occupied;
        migrateCursor = 0;
        newTable(2 * oldBuckets);
    }

    /**
     * Moves the old table's next bucket into the table, but what expired; frees the old table after
     * its last. The entries are taken out first: an insert may grow the table again, which first
     * moves the rest.
     */
    private void migrateOne(int time) {
        long at = bucketIn(oldBlock.address(), migrateCursor);
        int moving = 0;
        for (int i = 0; i < BUCKET_ENTRIES; i++, at += ENTRY_BYTES) {
            long key = Memory.getLong(at);
            if (key != 0) {
                movingKeys[moving] = key;
                movingTimes[moving++] = timeAt(at);
                Memory.putLong(at, 0L);
            }
        }
        oldOccupied -= moving;
        if (++migrateCursor == oldBuckets) {
            oldBlock.free();
            oldBlock = null;
        }
        for (int i = 0; i < moving; i++) {
            if (!expired(movingTimes[i], time)) {
                insert(movingKeys[i], hash(movingKeys[i]), movingTimes[i], time);
            }
        }
    }

    /** Points the table at a fresh, empty block of {@code buckets} buckets. */
    private void newTable(int buckets) {
        block = Memory.allocate(this, (long) buckets << BUCKET_SHIFT);
        table = block.address();
        bucketMask = buckets - 1;
        limit = limitOf(buckets);
        ceiling = limit + passLength(buckets);
        passCursor = buckets;
        occupied = 0;
        cursor = 0;
    }

    private long bucket(int b) {
        assert b >= 0 && b <= bucketMask : b;
        return bucketIn(table, b);
    }

    /** The address of the bucket that holds, in the table being grown from, what bucket {@code b} holds in this one. */
    private long oldBucket(int b) {
        return bucketIn(oldBlock.address(), b & (oldBuckets - 1));
    }

    /** The address of bucket {@code b} of the table at {@code table}. */
    private static long bucketIn(long table, int b) {
        return table + ((long) b << BUCKET_SHIFT);
    }

    /** The time of the entry at {@code at}. */
    private static int timeAt(long at) {
        return Memory.getInt(at + 8);
    }

    private static void setTimeAt(long at, int time) {
        Memory.putInt(at + 8, time);
    }

    private void clear(long at) {
        Memory.putLong(at, 0L);
        occupied--;
    }

    private static long keyOf(int slot, int generation, int srcPort, int dstPort) {
        return (long) (generation & 0x1F) << 59 | (long) (slot + 1) << 32 | (long) srcPort << 16 | dstPort;
    }

    /** The keyed hash whose halves pick a 4-tuple's two buckets: of its slot and ports, not the generation. */
    private long hash(long key) {
        return hashKey.word(key & ~GENERATION_IN_KEY);
    }

    private int firstBucket(long hash) {
        return (int) hash & bucketMask;
    }

    private int secondBucket(long hash) {
        return (int) (hash >>> 32) & bucketMask;
    }
}
