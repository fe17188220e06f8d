package org.synwatch.block;

import java.io.IOException;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.synwatch.config.BlockSettings;
import org.synwatch.config.Cidr;

/**
 * The one place that decides whether a source may be blocked, whoever asks: the local detector,
 * {@code --block}, or (later) a fleet peer. Checks run cheapest first, and the only one that asks
 * the kernel (established connections) runs only when the budget would allow the block, so a
 * flood of forged scans costs at most {@code --max-blocks-per-minute} queries a minute.
 * Thread-safe; every decision is counted here.
 */
public final class BlockGate implements BlockStats {
    private static final Logger LOG = LoggerFactory.getLogger(BlockGate.class);

    /** Whether a peer (an address, or any address of a prefix) has an ESTABLISHED TCP connection with this host. */
    public interface ConnectionCheck {
        boolean hasEstablished(Cidr peer) throws IOException;
    }

    private final Allowlist allowlist;
    private final BlockedSources blocked;
    private final BlockBudget budget;
    private final int maxBlocked;
    private final ConnectionCheck connections;
    private final Map<Result, AtomicLong> counts = new EnumMap<>(Result.class);
    private boolean connectionCheckFailing;

    /** @param connections null when {@code --block-established} turns the check off */
    BlockGate(BlockSettings settings, Allowlist allowlist, ConnectionCheck connections, LongSupplier nanoClock) {
        this.allowlist = allowlist;
        this.blocked = new BlockedSources(settings.timeoutSeconds(), nanoClock);
        this.budget = new BlockBudget(settings.maxBlocksPerMinute());
        this.maxBlocked = settings.maxBlocked();
        this.connections = connections;
        for (Result result : Result.values()) {
            counts.put(result, new AtomicLong());
        }
    }

    /**
     * @param live the kernel is asked whether a connection is established, unless
     *             {@code --block-established}; a replay's scans are history, so it is not asked then
     */
    public static BlockGate create(BlockSettings settings, Allowlist allowlist, boolean live) {
        return new BlockGate(settings, allowlist, live && !settings.blockEstablished() ? KernelQueries::hasEstablished : null,
                System::nanoTime);
    }

    /**
     * Decides about blocking {@code source} (an address, or with {@code --ipv6-prefix} an IPv6 prefix) at {@code timeMicros} (capture time, or the wall clock
     * for a request that comes from no packet): {@link Result#ADDED} means go ahead (the rate budget is
     * then spent); every other result says why not, with {@link Result#reason()} to print (none for
     * {@link Result#ALREADY_BLOCKED}). The decision is counted, except a go-ahead, which the blocker
     * counts by its outcome.
     */
    public synchronized Result consider(Cidr source, long timeMicros) {
        Result result = decide(source, timeMicros);
        if (result != Result.ADDED) {
            count(result);
        }
        return result;
    }

    private Result decide(Cidr source, long now) {
        Result protectedBy = allowlist.protects(source);
        if (protectedBy != null) {
            return protectedBy;
        }
        if (blocked.contains(source)) {
            return Result.ALREADY_BLOCKED;
        }
        if (!budget.available(now)) {
            return Result.RATE_LIMIT;
        }
        // --max-blocked is each set's size: a prefix is one element of the interval set.
        if (blocked.count(NftFirewall.setOf(source)) >= maxBlocked) {
            return Result.SET_FULL;
        }
        if (connections != null && established(source)) {
            return Result.ESTABLISHED;
        }
        budget.take(now);
        return Result.ADDED;
    }

    /** A failed query is logged once and does not stop the block: the check protects, it must not disarm. */
    private boolean established(Cidr source) {
        try {
            boolean found = connections.hasEstablished(source);
            if (connectionCheckFailing) {
                connectionCheckFailing = false;
                LOG.info("checking for established connections works again");
            }
            return found;
        } catch (IOException e) {
            if (!connectionCheckFailing) {
                connectionCheckFailing = true;
                LOG.warn("cannot check for established connections ({}): blocking without that check until it works",
                        e.getMessage());
            }
            return false;
        }
    }

    void count(Result result) {
        counts.get(result).incrementAndGet();
    }

    BlockedSources blocked() {
        return blocked;
    }

    int maxBlocked() {
        return maxBlocked;
    }

    @Override
    public long blocks(Result result) {
        return counts.get(result).get();
    }

    @Override
    public long blockedSources() {
        return blocked.total();
    }
}
