package org.synwatch.fleet;

import org.synwatch.config.BlockSettings;
import org.synwatch.config.FleetSettings;

/**
 * Everything synwatch writes to Redis, all under {@code synwatch:} so that an ACL can confine it
 * ({@code ~synwatch:* &synwatch:*}):
 * <ul>
 * <li>{@code synwatch:block:ADDR} = origin node name; the key's TTL is the decision's remaining
 *     time, so Redis forgets a decision exactly when every agent's nft element expires.</li>
 * <li>channel {@code synwatch:blocks}: {@code block ADDR ORIGIN TTL_MS} and
 *     {@code unblock ADDR ORIGIN}. The remaining time travels, not an expiry instant, so agents'
 *     clocks need not agree.</li>
 * <li>{@code synwatch:sweep:PORT:SRC}: sorted set of destination addresses scored by the capture
 *     time (ms) of the source's first SYN to them; see {@link SweepCounter}.</li>
 * <li>{@code synwatch:swept:PORT:SRC}: set with NX for one window by the agent that reports the
 *     sweep, so the fleet reports it once.</li>
 * </ul>
 */
final class FleetKeys {
    static final String BLOCK_PREFIX = "synwatch:block:";
    static final String BLOCKS_CHANNEL = "synwatch:blocks";
    static final String SWEEP_PREFIX = "synwatch:sweep:";
    static final String SWEPT_PREFIX = "synwatch:swept:";
    /** Longer messages are not synwatch's: the longest valid one is about 130 bytes. */
    static final int MAX_MESSAGE_LENGTH = 200;
    static final long MAX_TTL_MILLIS = BlockSettings.MAX_TIMEOUT_MICROS / 1000;

    private FleetKeys() {
    }

    static String blockKey(FleetAddress address) {
        return BLOCK_PREFIX + address.text();
    }

    /** The address of a {@code synwatch:block:} key, or null if the key is not a valid one. */
    static FleetAddress blockKeyAddress(String key) {
        return key.startsWith(BLOCK_PREFIX) ? FleetAddress.parse(key.substring(BLOCK_PREFIX.length())) : null;
    }

    static String sweepKey(int port, FleetAddress source) {
        return SWEEP_PREFIX + port + ":" + source.text();
    }

    static String sweptKey(int port, FleetAddress source) {
        return SWEPT_PREFIX + port + ":" + source.text();
    }

    static String blockMessage(FleetAddress address, String origin, long ttlMillis) {
        return "block " + address.text() + " " + origin + " " + ttlMillis;
    }

    static String unblockMessage(FleetAddress address, String origin) {
        return "unblock " + address.text() + " " + origin;
    }

    /** A decision from the channel; {@code ttlMillis} is 0 for an unblock. */
    record Message(boolean block, FleetAddress address, String origin, long ttlMillis) {
    }

    /** Parses a peer's message strictly; null if it is not one synwatch writes. */
    static Message parse(String text) {
        if (text.length() > MAX_MESSAGE_LENGTH) {
            return null;
        }
        String[] parts = text.split(" ", -1);
        boolean block = parts.length == 4 && parts[0].equals("block");
        boolean unblock = parts.length == 3 && parts[0].equals("unblock");
        if (!block && !unblock) {
            return null;
        }
        FleetAddress address = FleetAddress.parse(parts[1]);
        if (address == null || !FleetSettings.NODE_NAME.matcher(parts[2]).matches()) {
            return null;
        }
        long ttl = 0;
        if (block) {
            ttl = ttlMillis(parts[3]);
            if (ttl <= 0) {
                return null;
            }
        }
        return new Message(block, address, parts[2], ttl);
    }

    /** A TTL in 1 .. {@link #MAX_TTL_MILLIS}, or -1. */
    private static long ttlMillis(String text) {
        if (text.isEmpty() || text.length() > 12) {
            return -1;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return -1;
            }
        }
        long ttl = Long.parseLong(text);
        return ttl >= 1 && ttl <= MAX_TTL_MILLIS ? ttl : -1;
    }

    /**
     * How long this host blocks for a peer's decision with {@code ttlMillis} left: rounded up to
     * whole seconds (nft's unit; never 0, which nft reads as "no timeout"), and never longer than
     * this host's own {@code --block-timeout}, so a peer cannot make a block outlast local policy.
     * 0 if the decision has expired or has no expiry (PTTL -1 and -2).
     */
    static long remainingSeconds(long ttlMillis, long localTimeoutSeconds) {
        if (ttlMillis <= 0) {
            return 0;
        }
        return Math.min(Math.ceilDiv(ttlMillis, 1000), localTimeoutSeconds);
    }
}
