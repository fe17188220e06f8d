package org.synwatch.block;

/**
 * At most {@code perMinute} blocks within any 60 s: forged scans arrive as fast as an attacker
 * can send SYNs, real scanners do not. A ring of the last {@code perMinute} block times (8 bytes
 * each); a block is allowed when the oldest of them is more than a minute old. Times are capture
 * times, so a replay's dry run decides as the live run did.
 */
final class BlockBudget {
    private static final long MINUTE_MICROS = 60_000_000L;
    private final long[] times;
    private int taken;
    private int oldest;

    BlockBudget(int perMinute) {
        times = new long[perMinute];
    }

    boolean available(long nowMicros) {
        return taken < times.length || nowMicros - times[oldest] >= MINUTE_MICROS;
    }

    /** Only after {@link #available} said yes. */
    void take(long nowMicros) {
        if (taken < times.length) {
            times[taken++] = nowMicros;
        } else {
            times[oldest] = nowMicros;
            oldest = (oldest + 1) % times.length;
        }
    }
}
