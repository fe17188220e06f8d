package org.synwatch.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What to do with a detected scanner, and the limits that keep forged scans from turning blocking
 * against the host: at most {@code maxBlocksPerMinute} new blocks a minute, at most
 * {@code maxBlocked} addresses per family set (the sets' size, so the kernel enforces it too), and
 * no block of a source with an ESTABLISHED connection unless {@code blockEstablished}.
 *
 * @param allowFile more networks never to block, one per line, re-read on SIGHUP
 */
public record BlockSettings(Mode mode, long timeoutSeconds, List<Cidr> allow, Optional<Path> allowFile,
                            int maxBlocksPerMinute, int maxBlocked, boolean blockEstablished) {
    public static final String DEFAULT_TIMEOUT = "1h";
    /** nftables element timeouts are limited in practice; a week is more than any scan warrants. */
    public static final long MAX_TIMEOUT_MICROS = 7L * 24 * 3600 * 1_000_000;
    /** A real scanner a second is already an attack wave; more than this is likely forged. */
    public static final int DEFAULT_MAX_BLOCKS_PER_MINUTE = 60;
    public static final int MAX_BLOCKS_PER_MINUTE_LIMIT = 100_000;
    /** 65,536 addresses: about 8 MB of kernel memory per set, and a listing synwatch reads in a few MB. */
    public static final int DEFAULT_MAX_BLOCKED = 65_536;
    /** Adopting a set this large was measured under 400 MB RSS (README, production section). */
    public static final int MAX_BLOCKED_LIMIT = 1_000_000;

    public enum Mode {
        /** Add the scanner to synwatch's nftables set. */
        ENFORCE,
        /** Say what would be blocked; change nothing. */
        DRY_RUN,
        /** Report scans only. */
        OFF
    }

    public BlockSettings {
        allow = List.copyOf(allow);
        if (timeoutSeconds <= 0) {
            throw new IllegalArgumentException("timeoutSeconds " + timeoutSeconds);
        }
        if (maxBlocksPerMinute < 1 || maxBlocksPerMinute > MAX_BLOCKS_PER_MINUTE_LIMIT) {
            throw new IllegalArgumentException("maxBlocksPerMinute " + maxBlocksPerMinute);
        }
        if (maxBlocked < 1 || maxBlocked > MAX_BLOCKED_LIMIT) {
            throw new IllegalArgumentException("maxBlocked " + maxBlocked);
        }
    }

    /** The defaults for everything but the mode, the timeout and the --allow networks. */
    public BlockSettings(Mode mode, long timeoutSeconds, List<Cidr> allow) {
        this(mode, timeoutSeconds, allow, Optional.empty(), DEFAULT_MAX_BLOCKS_PER_MINUTE, DEFAULT_MAX_BLOCKED, false);
    }

    public BlockSettings withMode(Mode newMode) {
        return new BlockSettings(newMode, timeoutSeconds, allow, allowFile, maxBlocksPerMinute, maxBlocked, blockEstablished);
    }

    /** {@code --block-timeout}: whole seconds, at least 1 s. */
    public static long parseTimeout(String text) throws ConfigException {
        return Values.wholeSeconds("--block-timeout", text, MAX_TIMEOUT_MICROS);
    }

    public static int parseMaxBlocksPerMinute(String text) throws ConfigException {
        return Values.integer("--max-blocks-per-minute", text, 1, MAX_BLOCKS_PER_MINUTE_LIMIT);
    }

    public static int parseMaxBlocked(String text) throws ConfigException {
        return Values.integer("--max-blocked", text, 1, MAX_BLOCKED_LIMIT);
    }
}
