package org.synwatch.block;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.synwatch.config.Cidr;
import org.synwatch.config.ConfigException;

/**
 * What is in synwatch's sets, without listing them: the sources (addresses and IPv6 prefixes)
 * synwatch added, each until its timeout runs out (the kernel expires them at the same moment),
 * plus the expiry times of elements found in the sets by a {@link Resync} (adopted from an earlier
 * run, or added by hand), counted per set as the kernel's {@code size} counts them. A resync may
 * run on another thread than {@link #added}. Memory: one map entry per source synwatch blocked (at
 * most {@code --max-blocked} per set) and 8 bytes per adopted element.
 */
final class BlockedSources {
    private final long timeoutNanos;
    private final LongSupplier nanoClock;
    /** Insertion order is expiry order: every element synwatch adds has the same timeout. */
    private final LinkedHashMap<Cidr, Long> ours = new LinkedHashMap<>();
    private final int[] oursPerSet = new int[NftFirewall.SETS.size()];
    /** Sorted expiry times of elements synwatch did not add, per set; those before the cursor have expired. */
    private final long[][] adopted = new long[NftFirewall.SETS.size()][0];
    private final int[] adoptedExpired = new int[NftFirewall.SETS.size()];

    BlockedSources(long timeoutSeconds, LongSupplier nanoClock) {
        this.timeoutNanos = timeoutSeconds * 1_000_000_000L;
        this.nanoClock = nanoClock;
    }

    synchronized boolean contains(Cidr source) {
        expire();
        return ours.containsKey(source);
    }

    /** The elements of one of {@link NftFirewall#SETS}. */
    synchronized int count(String set) {
        expire();
        return unexpired(index(set));
    }

    /** Every set's elements, expired once for all. */
    synchronized long total() {
        expire();
        long total = 0;
        for (int s = 0; s < oursPerSet.length; s++) {
            total += unexpired(s);
        }
        return total;
    }

    /** The elements of set {@code s} as of the last {@link #expire}. */
    private int unexpired(int s) {
        return oursPerSet[s] + adopted[s].length - adoptedExpired[s];
    }

    /** Called once nft has accepted the element; adding again renews its timeout, as nft does. */
    synchronized void added(Cidr source) {
        expire();
        if (ours.remove(source) == null) {
            oursPerSet[index(NftFirewall.setOf(source))]++;
        }
        ours.put(source, nanoClock.getAsLong() + timeoutNanos);
    }

    /** A fleet-wide unblock took the element out; an adopted one is recounted by the next resync. */
    synchronized void removed(Cidr source) {
        if (ours.remove(source) != null) {
            oursPerSet[index(NftFirewall.setOf(source))]--;
        }
    }

    /** The table was recreated empty. */
    synchronized void clear() {
        ours.clear();
        Arrays.fill(oursPerSet, 0);
        Arrays.fill(adopted, new long[0]);
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
        private final Set<Cidr> seen = new HashSet<>();
        private final long[][] found = new long[NftFirewall.SETS.size()][1024];
        private final int[] foundCount = new int[NftFirewall.SETS.size()];
        private int unreadable;

        @Override
        public void element(String set, String text, long expiresSeconds) {
            Cidr source;
            try {
                source = Cidr.parse(set, text);
            } catch (ConfigException e) {
                unreadable++;
                return;
            }
            synchronized (BlockedSources.this) {
                if (ours.containsKey(source)) {
                    seen.add(source);
                    return;
                }
            }
            int s = index(set);
            if (foundCount[s] == found[s].length) {
                found[s] = Arrays.copyOf(found[s], found[s].length * 2);
            }
            found[s][foundCount[s]++] = expiresSeconds < 0 ? Long.MAX_VALUE : startNanos + expiresSeconds * 1_000_000_000L;
        }

        /** Elements that were neither addresses nor prefixes (ranges added by hand, or a changed set type). */
        int unreadable() {
            return unreadable;
        }

        /**
         * Ours that are no longer in the sets were removed by someone: forget them, unless added
         * while the listing ran; the rest is adopted.
         */
        void finish() {
            synchronized (BlockedSources.this) {
                for (Iterator<Map.Entry<Cidr, Long>> it = ours.entrySet().iterator(); it.hasNext(); ) {
                    Map.Entry<Cidr, Long> entry = it.next();
                    Cidr source = entry.getKey();
                    boolean addedSinceStart = entry.getValue() - timeoutNanos - startNanos >= 0;
                    if (!seen.contains(source) && !addedSinceStart) {
                        it.remove();
                        oursPerSet[index(NftFirewall.setOf(source))]--;
                    }
                }
                for (int s = 0; s < adopted.length; s++) {
                    long[] expiries = Arrays.copyOf(found[s], foundCount[s]);
                    Arrays.sort(expiries);
                    adopted[s] = expiries;
                    adoptedExpired[s] = 0;
                }
            }
        }
    }

    private void expire() {
        long now = nanoClock.getAsLong();
        for (Iterator<Map.Entry<Cidr, Long>> it = ours.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Cidr, Long> entry = it.next();
            if (entry.getValue() - now > 0) {
                break;
            }
            it.remove();
            oursPerSet[index(NftFirewall.setOf(entry.getKey()))]--;
        }
        for (int s = 0; s < adopted.length; s++) {
            while (adoptedExpired[s] < adopted[s].length && adopted[s][adoptedExpired[s]] <= now) {
                adoptedExpired[s]++;
            }
        }
    }

    private static int index(String set) {
        int s = NftFirewall.SETS.indexOf(set);
        if (s < 0) {
            throw new IllegalArgumentException("not one of synwatch's sets: " + set);
        }
        return s;
    }
}
