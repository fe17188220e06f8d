package org.synwatch.block;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.synwatch.packet.SynHeader;
import org.synwatch.report.EventWriter;

/**
 * Adds scanners to synwatch's nftables sets on its own thread. The detector only offers requests to
 * a bounded queue, so a slow or failing firewall never stalls detection; requests that arrive
 * together go to nft as one transaction.
 */
public final class Blocker implements AutoCloseable {
    /** Scans are rare; a full queue means nft is stuck, and dropping is better than stalling. */
    static final int QUEUE_CAPACITY = 4096;
    private static final long IDLE_POLL_MILLIS = 1000;
    /** How often the blocked-sources gauge is refreshed from nft when nothing else happens. */
    private static final long GAUGE_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long QUEUE_FULL_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final Logger LOG = LoggerFactory.getLogger(Blocker.class);

    /** Told of each block this host decided itself (not a fleet peer's), once nft has it. */
    public interface Listener {
        void blocked(int family, long hi, long lo, long timeoutSeconds);
    }

    /**
     * @param origin the fleet peer whose decision this is, or null for this host's own
     * @param remove a fleet-wide unblock rather than a block
     */
    private record Request(long timeMicros, int family, long hi, long lo, long timeoutSeconds, String origin,
                           boolean remove) {
    }

    /** Queued behind every real request by {@link #close}, so the thread stops without waiting out a poll. */
    private static final Request STOP = new Request(0, 0, 0, 0, 0, null, false);

    private final long timeoutSeconds;
    private final NftFirewall firewall;
    private final EventWriter events;
    private volatile Listener listener;
    private final BlockingQueue<Request> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Map<BlockStats.Result, AtomicLong> counts = new EnumMap<>(BlockStats.Result.class);
    private final AtomicLong blockedSources = new AtomicLong(-1);
    private final Thread thread;
    private volatile boolean stopping;
    /** Kinds of nft failure already logged since blocking last worked: each is logged once. */
    private final Set<FirewallException.Problem> failing = EnumSet.noneOf(FirewallException.Problem.class);
    /** Written by the submitting threads (the detector's, the fleet's): at worst a warning is doubled. */
    private volatile long queueFullLoggedAt = System.nanoTime() - QUEUE_FULL_LOG_INTERVAL_NANOS;
    private long gaugeReadAt = System.nanoTime() - GAUGE_REFRESH_NANOS;

    /** @param events this thread's own writer for the {@code Blocked} lines */
    public Blocker(long timeoutSeconds, NftFirewall firewall, EventWriter events) {
        this.timeoutSeconds = timeoutSeconds;
        this.firewall = firewall;
        this.events = events;
        for (BlockStats.Result result : BlockStats.Result.values()) {
            counts.put(result, new AtomicLong());
        }
        thread = Thread.ofPlatform().name("synwatch-blocker").daemon().unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    /** Set before {@link #start}; fleet mode announces this host's blocks through it. */
    public void listener(Listener onLocalBlock) {
        this.listener = onLocalBlock;
    }

    /** Called on the detector thread: never waits. */
    public void submit(long timeMicros, int family, long hi, long lo) {
        submit(timeMicros, family, hi, lo, timeoutSeconds, null);
    }

    /** A block for {@code seconds}, this host's own ({@code origin} null) or a fleet peer's; never waits. */
    public void submit(long timeMicros, int family, long hi, long lo, long seconds, String origin) {
        offer(new Request(timeMicros, family, hi, lo, seconds, origin, false));
    }

    /** Removes a block a fleet peer lifted fleet-wide; never waits. */
    public void submitUnblock(long timeMicros, int family, long hi, long lo, String origin) {
        offer(new Request(timeMicros, family, hi, lo, 0, origin, true));
    }

    private void offer(Request request) {
        if (!queue.offer(request)) {
            counts.get(BlockStats.Result.FAILED).incrementAndGet();
            long now = System.nanoTime();
            if (now - queueFullLoggedAt >= QUEUE_FULL_LOG_INTERVAL_NANOS) {
                queueFullLoggedAt = now;
                LOG.warn("block queue full ({} pending): scanners are not being blocked; see synwatch_blocks_total"
                        + "{{result=\"failed\"}}", QUEUE_CAPACITY);
            }
        }
    }

    long blocks(BlockStats.Result result) {
        return counts.get(result).get();
    }

    long blockedSources() {
        return blockedSources.get();
    }

    /** Applies every request already submitted, then stops the thread. */
    @Override
    public void close() {
        stopping = true;
        queue.offer(STOP);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(15));
        } catch (InterruptedException e) {
            // Stopping anyway; whoever interrupted us learns it from the flag.
            Thread.currentThread().interrupt();
        }
        firewall.close();
    }

    private void run() {
        List<Request> batch = new ArrayList<>();
        while (true) {
            try {
                Request first = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch);
                    boolean stop = batch.remove(STOP);
                    apply(batch);
                    batch.clear();
                    if (stop) {
                        return;
                    }
                } else if (stopping) {
                    return;
                }
                refreshGauge(false);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("blocker: {}", e.toString());
            }
        }
    }

    private void apply(List<Request> batch) {
        if (batch.isEmpty()) {
            return;
        }
        // One nft transaction per timeout: local blocks share one, fleet decisions carry their remaining
        // time. An unblock first applies the blocks queued before it, so order is kept.
        Map<Long, List<Request>> byTimeout = new LinkedHashMap<>();
        for (Request r : batch) {
            if (r.remove) {
                blockGroups(byTimeout);
                unblock(r);
            } else {
                byTimeout.computeIfAbsent(r.timeoutSeconds, t -> new ArrayList<>()).add(r);
            }
        }
        blockGroups(byTimeout);
        events.flush();
        // Recounting the sets is a second nft round trip: not while more scanners wait in the queue.
        if (queue.isEmpty()) {
            refreshGauge(true);
        }
    }

    private void blockGroups(Map<Long, List<Request>> byTimeout) {
        for (Map.Entry<Long, List<Request>> group : byTimeout.entrySet()) {
            block(group.getValue(), group.getKey());
        }
        byTimeout.clear();
    }

    private void unblock(Request r) {
        String address = EventWriter.addressText(r.family, r.hi, r.lo);
        try {
            if (firewall.unblock(address, r.family == SynHeader.IPV6)) {
                LOG.info("unblocked {} (fleet: {})", address, r.origin);
            }
        } catch (FirewallException e) {
            LOG.warn("unblocking {} (fleet: {}) failed: {}", address, r.origin, e.getMessage());
        }
    }

    private void block(List<Request> batch, long seconds) {
        List<String> ipv4 = new ArrayList<>();
        List<String> ipv6 = new ArrayList<>();
        for (Request r : batch) {
            (r.family == SynHeader.IPV4 ? ipv4 : ipv6).add(EventWriter.addressText(r.family, r.hi, r.lo));
        }
        try {
            blockRestoringTable(ipv4, ipv6, seconds);
            Listener onLocalBlock = listener;
            for (Request r : batch) {
                counts.get(BlockStats.Result.ADDED).incrementAndGet();
                events.blocked(r.timeMicros, r.family, r.hi, r.lo, seconds, false, r.origin);
                if (r.origin == null && onLocalBlock != null) {
                    onLocalBlock.blocked(r.family, r.hi, r.lo, seconds);
                }
            }
            if (!failing.isEmpty()) {
                LOG.info("blocking works again");
                failing.clear();
            }
        } catch (FirewallException e) {
            counts.get(BlockStats.Result.FAILED).addAndGet(batch.size());
            String addresses = String.join(", ", concat(ipv4, ipv6));
            if (failing.add(e.problem())) {
                LOG.error("blocking {} failed: {} (later failures of this kind are only counted, in synwatch_blocks_total)",
                        addresses, e.getMessage());
            } else {
                LOG.debug("blocking {} failed: {}", addresses, e.getMessage());
            }
        }
    }

    /**
     * Someone may have deleted synwatch's table (a firewall reload, {@code nft flush ruleset}):
     * put it back and try once more, so blocking heals without a restart.
     */
    private void blockRestoringTable(List<String> ipv4, List<String> ipv6, long seconds) throws FirewallException {
        try {
            firewall.block(ipv4, ipv6, seconds);
        } catch (FirewallException e) {
            if (e.problem() != FirewallException.Problem.TABLE_MISSING) {
                throw e;
            }
            LOG.warn("table inet synwatch was deleted by someone else: recreating it");
            firewall.install();
            firewall.block(ipv4, ipv6, seconds);
        }
    }

    private void refreshGauge(boolean now) {
        if (!now && System.nanoTime() - gaugeReadAt < GAUGE_REFRESH_NANOS) {
            return;
        }
        gaugeReadAt = System.nanoTime();
        try {
            blockedSources.set(firewall.blocked().size());
        } catch (FirewallException e) {
            if (e.problem() == FirewallException.Problem.TABLE_MISSING) {
                restoreTable();
            } else {
                LOG.debug("reading blocked sources: {}", e.getMessage());
            }
        }
    }

    private void restoreTable() {
        try {
            firewall.install();
            blockedSources.set(0);
            LOG.warn("table inet synwatch was deleted by someone else: recreated it");
        } catch (FirewallException e) {
            LOG.debug("recreating table inet synwatch: {}", e.getMessage());
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
