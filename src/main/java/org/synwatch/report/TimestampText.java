package org.synwatch.report;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.zone.ZoneRules;

/**
 * Writes {@code yyyy-MM-dd HH:mm:ss} in a time zone, truncating to the second. The text of the last
 * second is cached: consecutive packets mostly share it, so java.time is consulted once a second.
 */
public final class TimestampText {
    private final ZoneRules zone;
    private final LineBuffer cached = new LineBuffer(19);
    private long cachedSecond = Long.MIN_VALUE;

    public TimestampText(ZoneId zone) {
        this.zone = zone.getRules();
    }

    public void append(LineBuffer out, long epochMicros) {
        long second = Math.floorDiv(epochMicros, 1_000_000L);
        if (second != cachedSecond) {
            LocalDateTime t = LocalDateTime.ofEpochSecond(second, 0, zone.getOffset(Instant.ofEpochSecond(second)));
            cached.clear();
            cached.appendDecimal(t.getYear(), 4).append('-').appendDecimal(t.getMonthValue(), 2).append('-')
                    .appendDecimal(t.getDayOfMonth(), 2).append(' ').appendDecimal(t.getHour(), 2).append(':')
                    .appendDecimal(t.getMinute(), 2).append(':').appendDecimal(t.getSecond(), 2);
            cachedSecond = second;
        }
        out.append(cached);
    }
}
