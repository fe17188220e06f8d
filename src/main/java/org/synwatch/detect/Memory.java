package org.synwatch.detect;

import java.lang.foreign.Arena;
import java.lang.ref.Cleaner;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.synwatch.nativelib.Libc;

/**
 * The detector tables' off-heap memory, read and written by address. A segment per table costs a
 * bounds, alignment and liveness check on every access, a third of the detector's time when the
 * segment is loaded from a field or an array; through this one constant segment over all memory
 * the compiler drops them. So the tables keep their own bounds: every caller computes addresses
 * from a mask or a slot below its capacity, and the assertions (on in tests) check each access.
 */
final class Memory {
    private static final Cleaner CLEANER = Cleaner.create(Thread.ofPlatform().name("synwatch-memory-release").daemon().factory());
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfChar CHAR = ValueLayout.JAVA_CHAR_UNALIGNED;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    private Memory() {
    }

    /**
     * {@code bytes} of zeroed memory, page-aligned, touched only as used and on huge pages where the
     * kernel offers them ({@link Libc#mapAnonymous}). Freed by {@link Block#free}, for a table that
     * grows into a new block, or once {@code owner} is unreachable, whichever comes first.
     */
    static Block allocate(Object owner, long bytes) {
        Arena arena = Arena.ofShared();
        return new Block(Libc.mapAnonymous(bytes, arena).address(), CLEANER.register(owner, arena::close));
    }

    /** A block of memory and its release, which runs at most once. */
    record Block(long address, Cleaner.Cleanable release) {
        void free() {
            release.clean();
        }
    }

    static long getLong(long address) {
        assert address != 0;
        return ALL.get(LONG, address);
    }

    static void putLong(long address, long value) {
        assert address != 0;
        ALL.set(LONG, address, value);
    }

    static int getInt(long address) {
        assert address != 0;
        return ALL.get(INT, address);
    }

    static void putInt(long address, int value) {
        assert address != 0;
        ALL.set(INT, address, value);
    }

    static int getByte(long address) {
        assert address != 0;
        return ALL.get(BYTE, address);
    }

    static void putByte(long address, int value) {
        assert address != 0;
        ALL.set(BYTE, address, (byte) value);
    }

    static int getChar(long address) {
        assert address != 0;
        return ALL.get(CHAR, address);
    }

    static void putChar(long address, int value) {
        assert address != 0;
        ALL.set(CHAR, address, (char) value);
    }
}
