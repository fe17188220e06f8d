package org.synwatch.block;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.synwatch.config.Cidr;
import org.synwatch.config.IpAddress;
import org.synwatch.report.AddressText;
import org.synwatch.report.EventWriter;

/**
 * Adds scanners to synwatch's nftables sets on its own thread. The detector only offers requests to
 * a bounded queue, so a slow or failing firewall never stalls detection; requests that arrive
 * together go to nft as one transaction. What is in the sets is counted, not listed: a
 * bounded, streaming listing corrects the count at start (adopting an earlier run's blocks) and
 * at most every {@link #RESYNC_INTERVAL_NANOS}, on a thread of its own: nft needs about 70 s to
 * list a million elements, and blocks must not wait for that.
 *
 * <p>The thread catches nothing it does not expect: if it dies, the process's uncaught-exception
 * handler ends synwatch with exit status 1, so a supervisor restarts it. Scanners are never
 * silently left unblocked.
 */
public final class Blocker implements AutoCloseable {
    /** Scans are rare and the gate's budget bounds blocks; a full queue means nft is stuck. */
    static final int QUEUE_CAPACITY = 4096;
    static final long RESYNC_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(5);
    /** A listing may cost this share of one core at most: the interval grows with its duration. */
    private static final int RESYNC_DUTY_DIVISOR = 20;
    private static final long IDLE_POLL_MILLIS = 1000;
    private static final long QUEUE_FULL_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long CLOSE_TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(15);
    private static final Logger LOG = LoggerFactory.getLogger(Blocker.class);

    /** A source to block: one address, or with {@code --ipv6-prefix} an IPv6 prefix. */
    private record Request(long timeMicros, Cidr source) {
    }

    /** Queued behind every real request by {@link #close}, so the thread stops without waiting out a poll. */
    private static final Request STOP = new Request(0, Cidr.host(IpAddress.ipv4(0)));

    private final long timeoutSeconds;
    private final NftFirewall firewall;
    private final EventWriter events;
    private final BlockGate gate;
    private final BlockedSources blocked;
    private final LongSupplier nanoClock;
    private final BlockingQueue<Request> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Thread thread;
    private volatile boolean stopping;
    private boolean closed;
    /** Kinds of nft failure already logged since blocking last worked: each is logged once. */
    private final Set<FirewallException.Problem> failing = EnumSet.noneOf(FirewallException.Problem.class);
    /** Written by the detector thread only. */
    private long queueFullLoggedAt;
    /** When the next resync is due: set by the blocker thread and, at its end, by the resync thread. */
    private volatile long resyncAt;
    private Thread resyncThread;
    /** Set by the resync thread when it found the table gone; the blocker thread restores it. */
    private volatile boolean restoreDue;
    private volatile long resyncInterval = RESYNC_INTERVAL_NANOS;

    /** @param events this thread's own writer for the {@code Blocked} and {@code Not blocking} lines */
    public Blocker(long timeoutSeconds, NftFirewall firewall, EventWriter events, BlockGate gate) {
        this(timeoutSeconds, firewall, events, gate, System::nanoTime);
    }

    Blocker(long timeoutSeconds, NftFirewall firewall, EventWriter events, BlockGate gate, LongSupplier nanoClock) {
        this.timeoutSeconds = timeoutSeconds;
        this.firewall = firewall;
        this.events = events;
        this.gate = gate;
        this.blocked = gate.blocked();
        this.nanoClock = nanoClock;
        this.queueFullLoggedAt = nanoClock.getAsLong() - QUEUE_FULL_LOG_INTERVAL_NANOS;
        this.resyncAt = nanoClock.getAsLong();
        thread = Thread.ofPlatform().name("synwatch-blocker").daemon().unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    /** Called on the detector thread after the gate said go ahead: never waits. */
    public void submit(long timeMicros, Cidr source) {
        if (!queue.offer(new Request(timeMicros, source))) {
            gate.count(BlockStats.Result.FAILED);
            long now = nanoClock.getAsLong();
            if (now - queueFullLoggedAt >= QUEUE_FULL_LOG_INTERVAL_NANOS) {
                queueFullLoggedAt = now;
                LOG.warn("block queue full ({} pending): scanners are not being blocked; see synwatch_blocks_total"
                        + "{{result=\"failed\"}}", QUEUE_CAPACITY);
            }
        }
    }

    /** Applies every request already submitted, then stops the thread; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopping = true;
        queue.offer(STOP);
        try {
            thread.join(CLOSE_TIMEOUT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        firewall.close();
    }

    private void run() {
        List<Request> batch = new ArrayList<>();
        while (true) {
            Request first;
            try {
                first = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
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
            if (restoreDue) {
                restoreDue = false;
                LOG.warn("table {} was deleted by someone else: recreating it", NftFirewall.TABLE_SPEC);
                try {
                    restoreTable();
                } catch (FirewallException e) {
                    LOG.debug("recreating table {}: {}", NftFirewall.TABLE_SPEC, e.getMessage());
                }
            }
            startResyncIfDue();
        }
    }

    private void apply(List<Request> batch) {
        // One request per source: the same scanner detected twice before its block is one element.
        Map<Cidr, Request> sources = new LinkedHashMap<>();
        for (Request r : batch) {
            if (blocked.contains(r.source) || sources.putIfAbsent(r.source, r) != null) {
                gate.count(BlockStats.Result.ALREADY_BLOCKED);
            }
        }
        if (sources.isEmpty()) {
            return;
        }
        try {
            blockRestoringTable(List.copyOf(sources.keySet()));
            for (Request r : sources.values()) {
                blocked.added(r.source);
                gate.count(BlockStats.Result.ADDED);
                events.blocked(r.timeMicros, r.source, timeoutSeconds, false);
            }
            if (!failing.isEmpty()) {
                LOG.info("blocking works again");
                failing.clear();
            }
        } catch (FirewallException e) {
            boolean full = e.problem() == FirewallException.Problem.SET_FULL;
            String addresses = String.join(", ", sources.keySet().stream().map(AddressText::text).toList());
            for (Request r : sources.values()) {
                gate.count(full ? BlockStats.Result.SET_FULL : BlockStats.Result.FAILED);
                if (full) {
                    events.notBlocked(r.timeMicros, r.source, BlockStats.Result.SET_FULL.reason());
                }
            }
            // The kernel's set is fuller than synwatch counted (elements added by hand): count again.
            if (full) {
                resyncAt = nanoClock.getAsLong();
            }
            if (failing.add(e.problem())) {
                LOG.error("blocking {} failed: {} (later failures of this kind are only counted, in synwatch_blocks_total)",
                        addresses, e.getMessage());
            } else {
                LOG.debug("blocking {} failed: {}", addresses, e.getMessage());
            }
        }
        events.flush();
    }

    /**
     * Someone may have deleted synwatch's table (a firewall reload, {@code nft flush ruleset}):
     * put it back and try once more, so blocking heals without a restart.
     */
    private void blockRestoringTable(List<Cidr> sources) throws FirewallException {
        try {
            firewall.block(sources, timeoutSeconds);
        } catch (FirewallException e) {
            if (e.problem() != FirewallException.Problem.TABLE_MISSING) {
                throw e;
            }
            LOG.warn("table {} was deleted by someone else: recreating it", NftFirewall.TABLE_SPEC);
            restoreTable();
            firewall.block(sources, timeoutSeconds);
        }
    }

    private void startResyncIfDue() {
        if (nanoClock.getAsLong() - resyncAt < 0 || (resyncThread != null && resyncThread.isAlive())) {
            return;
        }
        resyncAt = Long.MAX_VALUE / 2;  // until this pass says when the next is due
        resyncThread = Thread.ofPlatform().name("synwatch-resync").daemon().start(this::resync);
    }

    /** Counts the sets' elements again from a streaming listing; adopts those synwatch did not add. */
    private void resync() {
        long start = nanoClock.getAsLong();
        BlockedSources.Resync pass = blocked.resync();
        try {
            firewall.forEachBlocked(pass);
            pass.finish();
            if (pass.unreadable() > 0) {
                LOG.warn("{} elements of {} are neither addresses nor prefixes; they are not counted", pass.unreadable(), NftFirewall.TABLE_SPEC);
            }
        } catch (FirewallException e) {
            if (e.problem() == FirewallException.Problem.TABLE_MISSING) {
                restoreDue = true;
            } else {
                LOG.debug("counting blocked sources: {}", e.getMessage());
            }
        }
        long took = nanoClock.getAsLong() - start;
        resyncInterval = Math.max(RESYNC_INTERVAL_NANOS, took * RESYNC_DUTY_DIVISOR);
        LOG.debug("counted {} blocked sources in {} ms", blocked.total(), TimeUnit.NANOSECONDS.toMillis(took));
        resyncAt = start + resyncInterval;
    }

    private void restoreTable() throws FirewallException {
        firewall.install(gate.maxBlocked());
        blocked.clear();
    }
}
