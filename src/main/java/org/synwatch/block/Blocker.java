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

    /** Told of each block this host decided itself (not a fleet peer's), once nft has it. */
    public interface Listener {
        void blocked(Cidr source, long timeoutSeconds);
    }

    /**
     * A source to block: one address, or with {@code --ipv6-prefix} an IPv6 prefix.
     *
     * @param origin the fleet peer whose decision this is, or null for this host's own
     * @param remove a fleet-wide unblock rather than a block
     */
    private record Request(long timeMicros, Cidr source, long timeoutSeconds, String origin, boolean remove) {
    }

    /** Queued behind every real request by {@link #close}, so the thread stops without waiting out a poll. */
    private static final Request STOP = new Request(0, Cidr.host(IpAddress.ipv4(0)), 0, null, false);

    private final NftFirewall firewall;
    private final EventWriter events;
    private final BlockGate gate;
    private final BlockedSources blocked;
    private final LongSupplier nanoClock;
    private volatile Listener listener;
    private final BlockingQueue<Request> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Thread thread;
    private volatile boolean stopping;
    private boolean closed;
    /** Kinds of nft failure already logged since blocking last worked: each is logged once. */
    private final Set<FirewallException.Problem> failing = EnumSet.noneOf(FirewallException.Problem.class);
    /** Written by the submitting threads (the detector's, the fleet's): at worst a warning is doubled. */
    private volatile long queueFullLoggedAt;
    /** When the next resync is due: set by the blocker thread and, at its end, by the resync thread. */
    private volatile long resyncAt;
    private Thread resyncThread;
    /** Set by the resync thread when it found the table gone; the blocker thread restores it. */
    private volatile boolean restoreDue;
    private volatile long resyncInterval = RESYNC_INTERVAL_NANOS;

    /** @param events this thread's own writer for the {@code Blocked} and {@code Not blocking} lines */
    public Blocker(NftFirewall firewall, EventWriter events, BlockGate gate) {
        this(firewall, events, gate, System::nanoTime);
    }

    Blocker(NftFirewall firewall, EventWriter events, BlockGate gate, LongSupplier nanoClock) {
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

    /** The thread that applies the blocks. */
    public Thread thread() {
        return thread;
    }

    /** Set before {@link #start}; fleet mode announces this host's blocks through it. */
    public void listener(Listener onLocalBlock) {
        this.listener = onLocalBlock;
    }

    /**
     * Called after the gate said go ahead (on the detector's or the fleet's thread); never waits: a
     * block for {@code seconds}, this host's own ({@code origin} null) or a fleet peer's.
     */
    public void submit(long timeMicros, Cidr source, long seconds, String origin) {
        offer(new Request(timeMicros, source, seconds, origin, false));
    }

    /** Removes a block a fleet peer lifted fleet-wide; never waits. */
    public void submitUnblock(long timeMicros, Cidr source, String origin) {
        offer(new Request(timeMicros, source, 0, origin, true));
    }

    private void offer(Request request) {
        if (!queue.offer(request)) {
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
                try {
                    restoreTable();
                } catch (FirewallException e) {
                    LOG.debug("recreating table {}: {}", NftFirewall.TABLE_SPEC, e.getMessage());
                }
            }
            startResyncIfDue();
        }
    }

    /**
     * One nft transaction per timeout: local blocks share one, fleet decisions carry their remaining
     * time. An unblock first applies the blocks queued before it, so order is kept.
     */
    private void apply(List<Request> batch) {
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
    }

    private void blockGroups(Map<Long, List<Request>> byTimeout) {
        for (Map.Entry<Long, List<Request>> group : byTimeout.entrySet()) {
            block(group.getValue(), group.getKey());
        }
        byTimeout.clear();
    }

    private void unblock(Request r) {
        try {
            if (firewall.unblock(r.source)) {
                blocked.removed(r.source);
                LOG.info("unblocked {} (fleet: {})", AddressText.text(r.source), r.origin);
            }
        } catch (FirewallException e) {
            LOG.warn("unblocking {} (fleet: {}) failed: {}", AddressText.text(r.source), r.origin, e.getMessage());
        }
    }

    private void block(List<Request> batch, long seconds) {
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
            blockRestoringTable(List.copyOf(sources.keySet()), seconds);
            Listener onLocalBlock = listener;
            for (Request r : sources.values()) {
                // A peer's block has its own remaining time, which this table (one timeout for all)
                // cannot hold: the next resync counts it with its real expiry.
                if (r.origin == null) {
                    blocked.added(r.source);
                }
                gate.count(BlockStats.Result.ADDED);
                events.blocked(r.timeMicros, r.source, seconds, false, r.origin);
                if (r.origin == null && onLocalBlock != null) {
                    onLocalBlock.blocked(r.source, seconds);
                }
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
    }

    /**
     * Someone may have deleted synwatch's table (a firewall reload, {@code nft flush ruleset}):
     * put it back and try once more, so blocking heals without a restart.
     */
    private void blockRestoringTable(List<Cidr> sources, long seconds) throws FirewallException {
        try {
            firewall.block(sources, seconds);
        } catch (FirewallException e) {
            if (e.problem() != FirewallException.Problem.TABLE_MISSING) {
                throw e;
            }
            restoreTable();
            firewall.block(sources, seconds);
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
        LOG.warn("table {} was deleted by someone else: recreating it", NftFirewall.TABLE_SPEC);
        firewall.install(gate.maxBlocked());
        blocked.clear();
    }
}
