package org.synwatch.report;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneRules;

/**
 * Writes a packet time in a time zone: {@code yyyy-MM-dd HH:mm:ss} (truncated to the second) for
 * text lines, or RFC 3339 with microseconds and the zone's offset for JSON. The text of the last
 * second is cached: consecutive packets mostly share it, so java.time is consulted once a second.
 */
public final class TimestampText {
    private final ZoneRules zone;
    private final boolean rfc3339;
    private final LineBuffer cachedSecond = new LineBuffer(19);
    private final LineBuffer cachedOffset = new LineBuffer(6);
    private long second = Long.MIN_VALUE;

    public TimestampText(ZoneId zone, boolean rfc3339) {
        this.zone = zone.getRules();
        this.rfc3339 = rfc3339;
    }

    public void append(LineBuffer out, long epochMicros) {
        long epochSecond = Math.floorDiv(epochMicros, 1_000_000L);
        if (epochSecond != second) {
            cache(epochSecond);
        }
        out.append(cachedSecond);
        if (rfc3339) {
            out.append('.').appendDecimal(Math.floorMod(epochMicros, 1_000_000L), 6).append(cachedOffset);
        }
    }

    private void cache(long epochSecond) {
        ZoneOffset offset = zone.getOffset(Instant.ofEpochSecond(epochSecond));
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, offset);
        cachedSecond.clear();
        cachedSecond.appendDecimal(t.getYear(), 4).append('-').appendDecimal(t.getMonthValue(), 2).append('-')
                .appendDecimal(t.getDayOfMonth(), 2).append(rfc3339 ? 'T' : ' ').appendDecimal(t.getHour(), 2)
                .append(':').appendDecimal(t.getMinute(), 2).append(':').appendDecimal(t.getSecond(), 2);
        int seconds = offset.getTotalSeconds();
        cachedOffset.clear();
        cachedOffset.append(seconds < 0 ? '-' : '+').appendDecimal(Math.abs(seconds) / 3600, 2).append(':')
                .appendDecimal(Math.abs(seconds) / 60 % 60, 2);
        second = epochSecond;
    }
}
