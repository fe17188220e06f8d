package org.synwatch.config;

/**
 * Port-scan rule: more than {@code portThreshold} distinct destination ports of one host from one
 * source within {@code windowMicros}, where IPv6 sources of one {@code /ipv6PrefixLength} count as one
 * source; at most {@code maxTrackedPairs} pairs are remembered, and the connection 4-tuples of the
 * last 60 s exactly up to {@code maxTrackedSyns}.
 */
public record DetectionSettings(int portThreshold, long windowMicros, int maxTrackedPairs, int maxTrackedSyns,
        int ipv6PrefixLength) {
    public static final int DEFAULT_PORT_THRESHOLD = 3;
    public static final String DEFAULT_WINDOW = "60s";
    public static final int DEFAULT_MAX_TRACKED_PAIRS = 1_000_000;
    /** Per-pair memory grows with the threshold (one remembered port per unit), so it is bounded. */
    public static final int MAX_PORT_THRESHOLD = 64;
    /** Keeps the pair index within one Java array. */
    public static final int MAX_TRACKED_PAIRS_LIMIT = 100_000_000;
    public static final long MAX_WINDOW_MICROS = 24L * 3600 * 1_000_000;
    public static final int DEFAULT_MAX_TRACKED_SYNS = 4_194_304;
    /** 4 GiB of 4-tuple table here: 16 bytes a 4-tuple (a bound just past what a power of two of buckets holds gets up to 32). */
    public static final int MAX_TRACKED_SYNS_LIMIT = 1 << 28;
    /** Every IPv6 address is a source of its own: the rule as scanlogd and Zeek state it. */
    public static final int DEFAULT_IPV6_PREFIX = 128;
    /** Shorter prefixes would lump whole providers together. */
    public static final int MIN_IPV6_PREFIX = 16;

    public DetectionSettings {
        if (portThreshold < 1 || portThreshold > MAX_PORT_THRESHOLD) {
            throw new IllegalArgumentException("portThreshold out of range: " + portThreshold);
        }
        if (windowMicros <= 0 || windowMicros > MAX_WINDOW_MICROS) {
            throw new IllegalArgumentException("windowMicros out of range: " + windowMicros);
        }
        if (maxTrackedPairs < 1 || maxTrackedPairs > MAX_TRACKED_PAIRS_LIMIT) {
            throw new IllegalArgumentException("maxTrackedPairs out of range: " + maxTrackedPairs);
        }
        if (maxTrackedSyns < 1 || maxTrackedSyns > MAX_TRACKED_SYNS_LIMIT) {
            throw new IllegalArgumentException("maxTrackedSyns out of range: " + maxTrackedSyns);
        }
        if (ipv6PrefixLength < MIN_IPV6_PREFIX || ipv6PrefixLength > 128) {
            throw new IllegalArgumentException("ipv6PrefixLength out of range: " + ipv6PrefixLength);
        }
    }

    public static DetectionSettings defaults() {
        return new DetectionSettings(DEFAULT_PORT_THRESHOLD, 60_000_000L, DEFAULT_MAX_TRACKED_PAIRS,
                DEFAULT_MAX_TRACKED_SYNS, DEFAULT_IPV6_PREFIX);
    }
}
