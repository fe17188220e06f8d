package org.synwatch.config;

import java.util.OptionalInt;

/**
 * Bounds that keep a flood from costing unbounded memory or drowning the log: at most
 * {@code maxFragmentSets} incomplete IPv4 datagrams held for reassembly, and at most
 * {@code maxConnectionLines} New connection lines per second of packet time (none when empty).
 */
public record FloodSettings(int maxFragmentSets, OptionalInt maxConnectionLines) {
    public static final int DEFAULT_MAX_FRAGMENT_SETS = 8192;
    /** About 64 MiB of preallocated table (64 bytes per datagram). */
    public static final int MAX_FRAGMENT_SETS_LIMIT = 1 << 20;
    public static final int MAX_CONNECTION_LINES_LIMIT = 1_000_000_000;

    public FloodSettings {
        if (maxFragmentSets < 1 || maxFragmentSets > MAX_FRAGMENT_SETS_LIMIT) {
            throw new IllegalArgumentException("maxFragmentSets out of range: " + maxFragmentSets);
        }
        if (maxConnectionLines.isPresent()
                && (maxConnectionLines.getAsInt() < 1 || maxConnectionLines.getAsInt() > MAX_CONNECTION_LINES_LIMIT)) {
            throw new IllegalArgumentException("maxConnectionLines out of range: " + maxConnectionLines);
        }
    }

    public static FloodSettings defaults() {
        return new FloodSettings(DEFAULT_MAX_FRAGMENT_SETS, OptionalInt.empty());
    }
}
