package org.synwatch.block;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.synwatch.config.IpAddress;

/**
 * What is in synwatch's sets, without listing them: the addresses synwatch added, each until its
 * timeout runs out (the kernel expires them at the same moment), plus the expiry times of
 * elements found in the sets by a {@link Resync} (adopted from an earlier run, or added by hand).
 * A resync may run on another thread than {@link #added}. Memory: one map entry per address
 * synwatch blocked (at most {@code --max-blocked} per family) and 8 bytes per adopted element.
 */
final class BlockedSources {
    private final long timeoutNanos;
    private final LongSupplier nanoClock;
    /** Insertion order is expiry order: every element synwatch adds has the same timeout. */
    private final LinkedHashMap<IpAddress, Long> ours = new LinkedHashMap<>();
    private final int[] oursPerFamily = new int[2];
    /** Sorted expiry times of elements synwatch did not add, per family; those before the cursor have expired. */
    private final long[][] adopted = {new long[0], new long[0]};
    private final int[] adoptedExpired = new int[2];

    BlockedSources(long timeoutSeconds, LongSupplier nanoClock) {
        this.timeoutNanos = timeoutSeconds * 1_000_000_000L;
        this.nanoClock = nanoClock;
    }

    synchronized boolean contains(IpAddress address) {
        expire();
        return ours.containsKey(address);
    }

    synchronized int count(int family) {
        expire();
        int f = index(family);
        return oursPerFamily[f] + adopted[f].length - adoptedExpired[f];
    }

    synchronized long total() {
        return count(IpAddress.IPV4) + (long) count(IpAddress.IPV6);
    }

    /** Called once nft has accepted the element; adding again renews its timeout, as nft does. */
    synchronized void added(IpAddress address) {
        expire();
        if (ours.remove(address) == null) {
            oursPerFamily[index(address.family())]++;
        }
        ours.put(address, nanoClock.getAsLong() + timeoutNanos);
    }

    /** The table was recreated empty. */
    synchronized void clear() {
        ours.clear();
        Arrays.fill(oursPerFamily, 0);
        adopted[0] = new long[0];
        adopted[1] = new long[0];
        Arrays.fill(adoptedExpired, 0);
    }

    /**
     * One pass over a listing of the sets. Runs without the lock (a listing of a million elements
     * takes seconds) on the thread that alone calls {@link #added}, then swaps its result in.
     */
    Resync resync() {
        return new Resync();
    }

    final class Resync implements NftFirewall.ElementSink {
        private final long startNanos = nanoClock.getAsLong();
        private final Set<IpAddress> seen = new HashSet<>();
        private final long[][] found = {new long[1024], new long[1024]};
        private final int[] foundCount = new int[2];
        private int unreadable;

        @Override
        public void element(String text, long expiresSeconds) {
            IpAddress address;
            try {
                address = IpAddress.of(java.net.InetAddress.ofLiteral(text));
            } catch (IllegalArgumentException e) {
                unreadable++;
                return;
            }
            synchronized (BlockedSources.this) {
                if (ours.containsKey(address)) {
                    seen.add(address);
                    return;
                }
            }
            int f = index(address.family());
            if (foundCount[f] == found[f].length) {
                found[f] = Arrays.copyOf(found[f], found[f].length * 2);
            }
            found[f][foundCount[f]++] = expiresSeconds < 0 ? Long.MAX_VALUE : startNanos + expiresSeconds * 1_000_000_000L;
        }

        /** Elements that were not addresses (none, unless someone changed the sets' type). */
        int unreadable() {
            return unreadable;
        }

        /**
         * Ours that are no longer in the sets were removed by someone: forget them, unless added
         * while the listing ran; the rest is adopted.
         */
        void finish() {
            synchronized (BlockedSources.this) {
                for (Iterator<Map.Entry<IpAddress, Long>> it = ours.entrySet().iterator(); it.hasNext(); ) {
                    Map.Entry<IpAddress, Long> entry = it.next();
                    IpAddress address = entry.getKey();
                    boolean addedSinceStart = entry.getValue() - timeoutNanos - startNanos >= 0;
                    if (!seen.contains(address) && !addedSinceStart) {
                        it.remove();
                        oursPerFamily[index(address.family())]--;
                    }
                }
                for (int f = 0; f < 2; f++) {
                    long[] expiries = Arrays.copyOf(found[f], foundCount[f]);
                    Arrays.sort(expiries);
                    adopted[f] = expiries;
                    adoptedExpired[f] = 0;
                }
            }
        }
    }

    private void expire() {
        long now = nanoClock.getAsLong();
        for (Iterator<Map.Entry<IpAddress, Long>> it = ours.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<IpAddress, Long> entry = it.next();
            if (entry.getValue() - now > 0) {
                break;
            }
            it.remove();
            oursPerFamily[index(entry.getKey().family())]--;
        }
        for (int f = 0; f < 2; f++) {
            while (adoptedExpired[f] < adopted[f].length && adopted[f][adoptedExpired[f]] <= now) {
                adoptedExpired[f]++;
            }
        }
    }

    private static int index(int family) {
        return family == IpAddress.IPV4 ? 0 : 1;
    }
}
