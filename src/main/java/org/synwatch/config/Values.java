package org.synwatch.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing and range checks for the values of command-line flags. */
public final class Values {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    private Values() {
    }

    /** Parses {@code 90s}, {@code 2m}, {@code 1h} or {@code 500ms} into microseconds. */
    public static long durationMicros(String flag, String text, long maxMicros) throws ConfigException {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new ConfigException(flag + ": '" + text + "' is not a duration",
                    "write a whole number with a unit, e.g. 90s, 2m or 1h");
        }
        long amount = Long.parseLong(m.group(1));
        long micros = switch (m.group(2)) {
            case "ms" -> amount * 1_000L;
            case "s" -> amount * 1_000_000L;
            case "m" -> amount * 60_000_000L;
            default -> amount * 3_600_000_000L;
        };
        if (micros <= 0 || micros > maxMicros) {
            throw new ConfigException(flag + ": '" + text + "' is out of range",
                    "give more than 0 and at most " + maxMicros / 3_600_000_000L + "h");
        }
        return micros;
    }

    public static int integer(String flag, String text, int min, int max) throws ConfigException {
        long value;
        try {
            value = Long.parseLong(text.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new ConfigException(flag + ": '" + text + "' is not a whole number",
                    "give a number from " + min + " to " + max);
        }
        if (value < min || value > max) {
            throw new ConfigException(flag + ": " + text + " is out of range",
                    "give a number from " + min + " to " + max);
        }
        return (int) value;
    }
}
