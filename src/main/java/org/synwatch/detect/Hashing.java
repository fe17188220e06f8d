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

    /**
     * The detector tables' hash, on the per-SYN path twice: wyhash's multiply-and-fold of the key's
     * words, each first masked by a secret word. Three folds for a pair where a chain of murmur
     * finalizers took five in a row (a third of the detector's arithmetic); without the secret
     * words, which sources collide can't be known.
     */
    static final class Key {
        private final long source0;
        private final long source1;
        private final long destination0;
        private final long destination1;
        private final long outer0;
        private final long outer1;

        Key(long seed) {
            source0 = fmix64(seed += 0x9E3779B97F4A7C15L);
            source1 = fmix64(seed += 0x9E3779B97F4A7C15L);
            destination0 = fmix64(seed += 0x9E3779B97F4A7C15L);
            destination1 = fmix64(seed += 0x9E3779B97F4A7C15L);
            outer0 = fmix64(seed += 0x9E3779B97F4A7C15L);
            outer1 = fmix64(seed + 0x9E3779B97F4A7C15L) | 1;
        }

        /** A (family, source, destination) pair's hash. */
        int pair(int family, long sHi, long sLo, long dHi, long dLo) {
            long source = fold(sHi ^ source0, sLo ^ source1);
            long destination = fold(dHi ^ destination0, dLo ^ destination1 ^ (long) family << 56);
            long h = fold(source ^ outer0, destination ^ outer1);
            return (int) (h ^ h >>> 32);
        }

        /**
         * A one-word key's 64-bit hash: its halves are independent enough to pick two positions.
         * Two folds: with one, the two buckets of structured keys (a slot and two ports) were
         * correlated enough that the 4-tuple table lost entries at half full under 4 keys in 400.
         */
        long word(long key) {
            return fold(fold(key ^ outer0, outer1) ^ source0, source1 | 1);
        }

        /** The 128-bit product's halves XORed: every bit of either factor reaches the middle bits. */
        private static long fold(long a, long b) {
            return Math.unsignedMultiplyHigh(a, b) ^ a * b;
        }
    }
}
