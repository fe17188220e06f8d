package org.synwatch.detect;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * When each connection 4-tuple last sent a SYN, to recognise retransmissions. Exact for up to
 * {@code maxSyns} 4-tuples seen within the horizon, however they spread over pairs: nothing is
 * forgotten for lack of room below that, so what is printed never depends on the hash key.
 *
 * <p>Open addressing with linear probing over 16-byte entries, four to a cache line, so a lookup
 * reads one line (rarely two). An entry names its 4-tuple by the pair's slot and both ports and
 * says which occupant of the slot wrote it, by 17 bits of the pair's generation and by its time: an
 * entry older than the pair's birth, or of another generation, is a former occupant's and never
 * matches. (Mistaking one would need 131,072 pairs to take the same slot within one microsecond.)
 *
 * <pre>
 *   key    bits 59-63 generation bits 0-4, 32-58 slot + 1 (0 = empty), 16-31 source port, 0-15 destination port
 *   value  bits 52-63 generation bits 5-16, 0-51 time since the table's first SYN (142 years)
 * </pre>
 *
 * <p>A cursor sweeps the table a few entries per SYN and deletes expired entries (backward shift,
 * no tombstones). The table doubles when three quarters full, up to the first power of two at
 * least {@code 2 maxSyns}; there, full to three quarters again, and only then, when a bounded search
 * for an expired entry or one of a departed pair finds none, forgets the entry at the cursor and
 * counts it. Off the heap: 32 bytes per 4-tuple at worst, 128 MiB at the default bound.
 */
final class RecentSyns {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final int ENTRY_BYTES = 16;
    private static final int FIRST_CAPACITY = 1 << 12;
    /** Entries the cursor visits per SYN: deletes expired entries faster than SYNs can add them. */
    private static final int SWEEP_PER_SYN = 8;
    /** At the bound: entries searched for a removable one before one is forgotten. */
    private static final int SEARCH_AT_BOUND = 64;
    private static final long TIME_MASK = (1L << 52) - 1;
    private static final int SLOT_BITS = 27;

    private final long hashKey;
    private final PairTable pairs;
    private final long horizon;
    private final int maxCapacity;
    private Arena arena;
    private MemorySegment table;
    private int mask;
    private int occupied;
    private int limit;
    private int cursor;
    private long base = Long.MIN_VALUE;
    private long forgotten;

    RecentSyns(PairTable pairs, int maxSyns, long horizon, long hashKey) {
        this.hashKey = hashKey;
        if (pairs.capacity() >= 1 << SLOT_BITS) {
            throw new IllegalArgumentException("more pairs than a 4-tuple key can name: " + pairs.capacity());
        }
        this.pairs = pairs;
        this.horizon = horizon;
        this.maxCapacity = Math.max(FIRST_CAPACITY, Integer.highestOneBit(Math.max(1, maxSyns) - 1) << 2);
        allocate(Math.min(FIRST_CAPACITY, maxCapacity), 0);
    }

    /** Entries held, fresh or awaiting the sweep. */
    int occupied() {
        return occupied;
    }

    int capacity() {
        return mask + 1;
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
        if (base == Long.MIN_VALUE) {
            base = now;
        }
        long time = relative(now);
        for (int i = 0; i < SWEEP_PER_SYN; i++) {
            sweepOne(time, false);
        }
        long key = keyOf(slot, generation, srcPort, dstPort);
        long value = valueTag(generation) | time;
        int pos = hash(key) & mask;
        for (long k; (k = keyAt(pos)) != 0; pos = (pos + 1) & mask) {
            if (k == key) {
                long previous = valueAt(pos);
                long seen = previous & TIME_MASK;
                boolean sameOccupant = (previous & ~TIME_MASK) == valueTag(generation) && seen >= relative(born);
                setValue(pos, value);
                return sameOccupant && time - seen < horizon;
            }
        }
        if (occupied >= limit) {
            makeRoom(time);
            pos = hash(key) & mask;
        }
        insert(pos, key, value);
        return false;
    }

    private void makeRoom(long time) {
        if (capacity() < maxCapacity) {
            allocate(2 * capacity(), time);
            return;
        }
        for (int i = 0; i < SEARCH_AT_BOUND && occupied >= limit; i++) {
            sweepOne(time, true);
        }
        while (occupied >= limit) {
            while (keyAt(cursor) == 0) {
                cursor = (cursor + 1) & mask;
            }
            delete(cursor);
            forgotten++;
        }
    }

    /** Visits the entry at the cursor: deletes it if expired (or its pair is gone, when asked to check), else moves on. */
    private void sweepOne(long time, boolean checkPair) {
        long key = keyAt(cursor);
        if (key != 0) {
            long value = valueAt(cursor);
            if (time - (value & TIME_MASK) >= horizon || checkPair && !pairHolds(key, value)) {
                delete(cursor);   // the position may now hold a shifted entry: visited next time
                return;
            }
        }
        cursor = (cursor + 1) & mask;
    }

    private boolean pairHolds(long key, long value) {
        int slot = (int) (key >>> 32 & ((1L << SLOT_BITS) - 1)) - 1;
        int generation = pairs.generation(slot);
        return keyOf(slot, generation, 0, 0) == (key & ~0xFFFFFFFFL) && valueTag(generation) == (value & ~TIME_MASK)
                && pairs.holds(slot, base + (value & TIME_MASK));
    }

    /** Backward-shift deletion keeps linear probing correct without tombstones. */
    private void delete(int hole) {
        clear(hole);
        for (int pos = (hole + 1) & mask; keyAt(pos) != 0; pos = (pos + 1) & mask) {
            if (!Hashing.homeBetween(hash(keyAt(pos)) & mask, hole, pos)) {
                table.set(LONG, (long) hole * ENTRY_BYTES, keyAt(pos));
                setValue(hole, valueAt(pos));
                clear(pos);
                hole = pos;
            }
        }
        occupied--;
    }

    /** A new table of {@code capacity} entries holding the old one's unexpired entries; the old one is freed at once. */
    private void allocate(int capacity, long time) {
        Arena oldArena = arena;
        MemorySegment old = table;
        arena = Arena.ofShared();
        table = arena.allocate((long) capacity * ENTRY_BYTES, 64);
        mask = capacity - 1;
        limit = capacity / 4 * 3;
        occupied = 0;
        cursor = 0;
        if (old != null) {
            for (long offset = 0; offset < old.byteSize(); offset += ENTRY_BYTES) {
                long key = old.get(LONG, offset);
                long value = old.get(LONG, offset + 8);
                if (key != 0 && time - (value & TIME_MASK) < horizon) {
                    insert(hash(key) & mask, key, value);
                }
            }
            oldArena.close();
        }
    }

    /** Adds a new entry at the first empty position probing from {@code pos}. */
    private void insert(int pos, long key, long value) {
        while (keyAt(pos) != 0) {
            pos = (pos + 1) & mask;
        }
        table.set(LONG, (long) pos * ENTRY_BYTES, key);
        setValue(pos, value);
        occupied++;
    }

    private long relative(long now) {
        return Math.min(now - base, TIME_MASK);
    }

    private long keyAt(int pos) {
        return table.get(LONG, (long) pos * ENTRY_BYTES);
    }

    private long valueAt(int pos) {
        return table.get(LONG, (long) pos * ENTRY_BYTES + 8);
    }

    private void setValue(int pos, long value) {
        table.set(LONG, (long) pos * ENTRY_BYTES + 8, value);
    }

    private void clear(int pos) {
        table.set(LONG, (long) pos * ENTRY_BYTES, 0L);
    }

    private static long keyOf(int slot, int generation, int srcPort, int dstPort) {
        return (long) (generation & 0x1F) << 59 | (long) (slot + 1) << 32 | (long) srcPort << 16 | dstPort;
    }

    private static long valueTag(int generation) {
        return (long) (generation >>> 5 & 0xFFF) << 52;
    }

    /** The keyed hash whose low bits pick a 4-tuple's home position. */
    private int hash(long key) {
        return Hashing.finish(Hashing.mix(hashKey, key));
    }
}
