package org.synwatch.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing and range checks for the values of command-line flags. */
public final class Values {
    private static final Pattern DOTTED_QUAD = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    /** One or more {@code <amount><unit>}, largest unit first, each unit at most once: 90s, 1h30m, 7d. */
    private static final Pattern DURATION = Pattern.compile("(?:\\d{1,9}d)?(?:\\d{1,9}h)?(?:\\d{1,9}m(?!s))?(?:\\d{1,9}s)?(?:\\d{1,9}ms)?");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

    private Values() {
    }

    /**
     * Parses {@code 500ms}, {@code 90s}, {@code 2m}, {@code 1h}, {@code 7d} or a compound of them,
     * largest unit first ({@code 1h30m}, {@code 1d12h}), into microseconds.
     */
    public static long durationMicros(String flag, String text, long maxMicros) throws ConfigException {
        String duration = text.trim().toLowerCase(Locale.ROOT);
        if (duration.isEmpty() || !DURATION.matcher(duration).matches()) {
            throw new ConfigException(flag + ": '" + text + "' is not a duration",
                    "write whole numbers with units, largest first, e.g. 90s, 2m, 1h30m or 7d");
        }
        long micros = 0;
        Matcher part = DURATION_PART.matcher(duration);
        try {
            while (part.find()) {
                long unit = switch (part.group(2)) {
                    case "ms" -> 1_000L;
                    case "s" -> 1_000_000L;
                    case "m" -> 60_000_000L;
                    case "h" -> 3_600_000_000L;
                    default -> 86_400_000_000L;
                };
                micros = Math.addExact(micros, Math.multiplyExact(Long.parseLong(part.group(1)), unit));
            }
        } catch (ArithmeticException e) {
            micros = Long.MAX_VALUE;  // 999999999d: beyond any bound, reported as out of range below
        }
        if (micros <= 0 || micros > maxMicros) {
            throw new ConfigException(flag + ": '" + text + "' is out of range",
                    "give more than 0 and at most " + maxText(maxMicros));
        }
        return micros;
    }

    /** The bound as a user would write it: 24h, 7d. */
    private static String maxText(long maxMicros) {
        long hours = maxMicros / 3_600_000_000L;
        return hours % 24 == 0 && hours > 24 ? hours / 24 + "d" : hours + "h";
    }

    /**
     * A duration in whole seconds of at least 1 s, as nftables timeouts are: {@code 1500ms} would
     * otherwise be cut to 1 s without a word.
     */
    public static long wholeSeconds(String flag, String text, long maxMicros) throws ConfigException {
        long micros = durationMicros(flag, text, maxMicros);
        if (micros < 1_000_000L) {
            throw new ConfigException(flag + ": '" + text + "' is below 1s", "give at least 1s, e.g. 30s, 10m or 1h");
        }
        if (micros % 1_000_000L != 0) {
            throw new ConfigException(flag + ": '" + text + "' is not a whole number of seconds",
                    "nftables counts whole seconds: write e.g. " + micros / 1_000_000L + "s");
        }
        return micros / 1_000_000L;
    }

    /**
     * Parses an IP address literal, never a host name. IPv4 must be a full dotted quad: the short
     * BSD forms Java also accepts ({@code 10.0.0} for 10.0.0.0) are too easy to mistype.
     */
    public static InetAddress ipLiteral(String flag, String text, String hint) throws ConfigException {
        try {
            if (text.indexOf(':') >= 0 || DOTTED_QUAD.matcher(text).matches()) {
                return InetAddress.ofLiteral(text);
            }
        } catch (IllegalArgumentException e) {
            // Reported below, as for any other non-address.
        }
        throw new ConfigException(flag + ": '" + text + "' is not an IP address", hint);
    }

    /** Parses {@code [HOST]:PORT}; an empty host means every address. IPv6 hosts go in brackets. */
    public static InetSocketAddress socketAddress(String flag, String text) throws ConfigException {
        int colon = text.lastIndexOf(':');
        String hint = "write [HOST]:PORT, e.g. :9897, 127.0.0.1:9897 or [::1]:9897";
        if (colon < 0) {
            throw new ConfigException(flag + ": '" + text + "' has no port", hint);
        }
        int port = integer(flag + " port", text.substring(colon + 1), 1, 65535);
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            return new InetSocketAddress(port);
        }
        return new InetSocketAddress(ipLiteral(flag, host, hint), port);
    }

    /** The value itself, unless it is empty: an empty interface or file name is always a slip. */
    public static String nonEmpty(String flag, String text, String hint) throws ConfigException {
        if (text.isEmpty()) {
            throw new ConfigException(flag + " needs a value", hint);
        }
        return text;
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
