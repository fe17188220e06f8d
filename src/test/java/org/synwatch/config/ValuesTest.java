package org.synwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ValuesTest {
    private static final long SECOND = 1_000_000L;
    private static final long MAX = 7 * 24 * 3600 * SECOND;

    @ParameterizedTest
    @CsvSource({
        "500ms,      500000",
        "90s,        90000000",
        "2m,         120000000",
        "1h,         3600000000",
        "1d,         86400000000",
        "1h30m,      5400000000",
        "1d12h,      129600000000",
        "1m30s,      90000000",
        "1s500ms,    1500000",
        "1d1h1m1s1ms, 90061001000",
        "7d,         604800000000",
        "6d23h59m59s999ms, 604799999000",
        "' 2M ',     120000000",
    })
    void durations(String text, long micros) throws ConfigException {
        assertEquals(micros, Values.durationMicros("--block-timeout", text, MAX));
    }

    @ParameterizedTest
    @CsvSource({"''", "10", "h", "1x", "1h1h", "30m1h", "1ms1s", "1.5h", "-1h", "1h 30m", "1 h", "1m1m", "1234567890s"})
    void notDurations(String text) {
        ConfigException e = assertThrows(ConfigException.class, () -> Values.durationMicros("--block-timeout", text, MAX));
        assertEquals("--block-timeout: '" + text + "' is not a duration", e.getMessage());
    }

    /** The bound itself is accepted (above); a millisecond more, zero, and sums past Long.MAX_VALUE are not. */
    @ParameterizedTest
    @CsvSource({"7d1ms", "8d", "0s", "0d0h", "999999999d", "999999999d999999999h"})
    void outOfRange(String text) {
        ConfigException e = assertThrows(ConfigException.class, () -> Values.durationMicros("--block-timeout", text, MAX));
        assertEquals("--block-timeout: '" + text + "' is out of range", e.getMessage());
        assertTrue(e.hint().contains("at most 7d"), e.hint());
    }
}
