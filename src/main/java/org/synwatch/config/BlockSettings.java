package org.synwatch.config;

import java.util.List;

/** What to do with a detected scanner. */
public record BlockSettings(Mode mode, long timeoutSeconds, List<Cidr> allow) {
    public static final String DEFAULT_TIMEOUT = "1h";
    /** nftables element timeouts are limited in practice; a week is more than any scan warrants. */
    public static final long MAX_TIMEOUT_MICROS = 7L * 24 * 3600 * 1_000_000;

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
    }
}
