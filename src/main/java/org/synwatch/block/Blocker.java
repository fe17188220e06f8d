package org.synwatch.block;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
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

    private record Request(long timeMicros, int family, long hi, long lo, int sourceBits) {
    }

    /** Queued behind every real request by {@link #close}, so the thread stops without waiting out a poll. */
    private static final Request STOP = new Request(0, 0, 0, 0, 0);

    private final long timeoutSeconds;
    private final NftFirewall firewall;
    private final EventWriter events;
    private final BlockingQueue<Request> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Map<BlockStats.Result, AtomicLong> counts = new EnumMap<>(BlockStats.Result.class);
    private final AtomicLong blockedSources = new AtomicLong(-1);
    private final Thread thread;
    private volatile boolean stopping;
    /** Kinds of nft failure already logged since blocking last worked: each is logged once. */
    private final Set<FirewallException.Problem> failing = EnumSet.noneOf(FirewallException.Problem.class);
    /** Written by the detector thread only. */
    private long queueFullLoggedAt = System.nanoTime() - QUEUE_FULL_LOG_INTERVAL_NANOS;
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

    /** Called on the detector thread: never waits. Blocks the address's first {@code sourceBits} bits. */
    public void submit(long timeMicros, int family, long hi, long lo, int sourceBits) {
        if (!queue.offer(new Request(timeMicros, family, hi, lo, sourceBits))) {
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
        List<String> ipv4 = new ArrayList<>();
        List<String> ipv6 = new ArrayList<>();
        for (Request r : batch) {
            (r.family == SynHeader.IPV4 ? ipv4 : ipv6).add(EventWriter.addressText(r.family, r.hi, r.lo, r.sourceBits));
        }
        try {
            blockRestoringTable(ipv4, ipv6);
            for (Request r : batch) {
                counts.get(BlockStats.Result.ADDED).incrementAndGet();
                events.blocked(r.timeMicros, r.family, r.hi, r.lo, r.sourceBits, timeoutSeconds, false);
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
        events.flush();
        // Recounting the sets is a second nft round trip: not while more scanners wait in the queue.
        if (queue.isEmpty()) {
            refreshGauge(true);
        }
    }

    /**
     * Someone may have deleted synwatch's table (a firewall reload, {@code nft flush ruleset}):
     * put it back and try once more, so blocking heals without a restart.
     */
    private void blockRestoringTable(List<String> ipv4, List<String> ipv6) throws FirewallException {
        try {
            firewall.block(ipv4, ipv6, timeoutSeconds);
        } catch (FirewallException e) {
            if (e.problem() != FirewallException.Problem.TABLE_MISSING) {
                throw e;
            }
            LOG.warn("table inet synwatch was deleted by someone else: recreating it");
            firewall.install();
            firewall.block(ipv4, ipv6, timeoutSeconds);
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
