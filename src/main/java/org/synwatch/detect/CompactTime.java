package org.synwatch.detect;

/**
 * Times in 4 bytes, for the tables whose size they halve: signed microseconds from an epoch that
 * the owner moves to the clock every {@value #REBASE_AFTER_MICROS} µs ({@link #rebaseDue}),
 * shifting every stored time ({@link #shift}). A time too old to be expressed from the new epoch
 * becomes the oldest that 4 bytes hold, 2^31 µs before it; until the next move that is at least
 * 2^31 - 2^30 µs, more than {@value #LONGEST_INTERVAL_MICROS} µs, before the clock. So a table whose
 * rules compare times only across intervals up to that long (windows, horizons, "since queued")
 * gives every verdict it would give with exact times.
 */
final class CompactTime {
    /** How far the clock may run from the epoch: a time from then still fits in 31 bits. */
    static final long REBASE_AFTER_MICROS = 1L << 30;
    /** The longest interval across which compact times compare as exact ones do (about 18 minutes). */
    static final long LONGEST_INTERVAL_MICROS = 1L << 30;

    private CompactTime() {
    }

    /** Whether the epoch must move before {@code now} can be stored. */
    static boolean rebaseDue(long now, long epoch) {
        return now - epoch > REBASE_AFTER_MICROS;
    }

    /** {@code time}, no later than the clock, from {@code epoch}; one too old becomes the oldest 4 bytes hold. */
    static int encode(long time, long epoch) {
        return time <= epoch + Integer.MIN_VALUE ? Integer.MIN_VALUE : (int) (time - epoch);
    }

    static long decode(int stored, long epoch) {
        return epoch + stored;
    }

    /** Rewrites the time stored at {@code address} for an epoch {@code shift} µs later. */
    static void shift(long address, long shift) {
        Memory.putInt(address, (int) Math.max(Memory.getInt(address) - shift, Integer.MIN_VALUE));
    }
}
