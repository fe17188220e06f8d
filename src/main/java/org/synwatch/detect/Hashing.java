package org.synwatch.detect;

import java.security.SecureRandom;

/**
 * Keyed mixing for the tables (the fleet's too), so that spoofed sources cannot be chosen to
 * collide. Each detector draws its own key; what it prints never depends on it (tests run two keys
 * side by side).
 */
public final class Hashing {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Hashing() {
    }

    public static long mix(long h, long value) {
        return fmix64(h ^ value) * 0x9E3779B97F4A7C15L;
    }

    public static long newKey() {
        return RANDOM.nextLong();
    }

    public static int finish(long h) {
        long f = fmix64(h);
        return (int) (f ^ (f >>> 32));
    }

    /** The whole 64-bit finish, for a table that takes two independent positions from one hash. */
    static long finish64(long h) {
        return fmix64(h);
    }

    /**
     * For backward-shift deletion from a linear-probing table: whether an entry whose home is
     * {@code home}, found at {@code pos}, may stay there after {@code hole} is emptied, i.e. its
     * home lies cyclically within (hole, pos]. Otherwise it moves into the hole.
     */
    static boolean homeBetween(int home, int hole, int pos) {
        return hole <= pos ? home > hole && home <= pos : home > hole || home <= pos;
    }

    /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
    private static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xFF51AFD7ED558CCDL;
        k ^= k >>> 33;
        k *= 0xC4CEB9FE1A85EC53L;
        k ^= k >>> 33;
        return k;
    }
}
