package org.synwatch.fleet;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.synwatch.config.Cidr;
import org.synwatch.config.FleetSettings;
import org.synwatch.config.IpAddress;
import org.synwatch.detect.ScanListener;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.params.ZAddParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * This agent's membership of the fleet: two threads and two connections. The worker sends what
 * this agent has to say (block decisions, sweep reports) in one pipelined round trip per batch,
 * adopts the fleet's live decisions on every (re)connect and reports sweeps; the subscriber applies
 * peers' decisions as they are announced. Redis being down or slow never reaches capture, detection
 * or local blocking: they only offer to bounded queues, which drop and count when full.
 */
public final class Fleet implements AutoCloseable, FleetStats {
    /** Block announcements waiting to be sent; local blocks are rare, so this is hours of them. */
    static final int DECISION_QUEUE_CAPACITY = 1024;
    /** Most messages in one round trip. */
    static final int BATCH_MAX = 512;
    /** Reports gather for this long before a round trip: one per few ms, not one per SYN. */
    static final long BATCH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** An idle worker pings this often, so a silent loss of Redis is noticed. */
    static final long PING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Decisions adopted at (re)connect; the blocker's queue (4096) must take them with room to spare. */
    static final int MAX_ADOPTED = 2048;
    /** SCAN calls per adoption: at COUNT 1000, a million keys looked at, then adoption stops. */
    static final int MAX_SCAN_CALLS = 1000;
    /** Hosts listed in a sweep's JSON event; the count is always exact. */
    public static final int MAX_SWEEP_HOSTS_LISTED = 1000;
    static final long BACKOFF_MIN_MILLIS = 100;
    static final long BACKOFF_MAX_MILLIS = 30_000;
    static final int TIMEOUT_MILLIS = 2000;
    private static final Logger LOG = LoggerFactory.getLogger(Fleet.class);

    /** A block to announce, and when it ends (nanoTime). Fleet-wide unblocks go through {@link #unblockFleetWide}. */
    private record Outbound(FleetAddress address, long expiresAtNanos) {
    }

    private final FleetSettings settings;
    private final long windowMillis;
    private final long localTimeoutSeconds;
    private final FleetDecisions decisions;
    private final BlockingQueue<Outbound> outbound = new ArrayBlockingQueue<>(DECISION_QUEUE_CAPACITY);
    private final Map<Direction, Map<MessageResult, AtomicLong>> messages = new EnumMap<>(Direction.class);
    private final Map<BlockResult, AtomicLong> blocks = new EnumMap<>(BlockResult.class);
    private final Thread worker;
    private final Thread subscriber;
    private volatile SweepReporter sweeps;
    private volatile boolean stopping;
    private volatile boolean commandsUp;
    private volatile boolean subscribed;
    /** Set when the subscription (re)starts: decisions announced while it was down must be adopted. */
    private volatile boolean resyncNeeded;
    private volatile Jedis subscriberConnection;
    /**
     * Peers' decisions applied here, by address, with when they end (nanoTime): adoption after a
     * reconnect skips those still in force instead of printing them again. Bounded; forgetting one
     * only means printing it again. Guarded by itself (worker and subscriber threads).
     */
    private final Map<String, Long> applied = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > 2 * MAX_ADOPTED;
        }
    };
    private boolean closed;

    /**
     * @param windowMillis        the scan window, also the fleet's sweep window
     * @param localTimeoutSeconds this host's {@code --block-timeout}: the longest a peer's block lasts here
     */
    public Fleet(FleetSettings settings, long windowMillis, long localTimeoutSeconds, FleetDecisions decisions) {
        this.settings = settings;
        this.windowMillis = windowMillis;
        this.localTimeoutSeconds = localTimeoutSeconds;
        this.decisions = decisions;
        for (Direction direction : Direction.values()) {
            Map<MessageResult, AtomicLong> byResult = new EnumMap<>(MessageResult.class);
            for (MessageResult result : MessageResult.values()) {
                byResult.put(result, new AtomicLong());
            }
            messages.put(direction, byResult);
        }
        for (BlockResult result : BlockResult.values()) {
            blocks.put(result, new AtomicLong());
        }
        worker = Thread.ofPlatform().name("synwatch-fleet").daemon().unstarted(this::work);
        subscriber = Thread.ofPlatform().name("synwatch-fleet-subscriber").daemon().unstarted(this::subscribe);
    }

    /**
     * The detector's listener for fleet mode: {@code local} gets every verdict as before, and each
     * source's first SYN to a destination and port within the window becomes a sweep report.
     * Call once, before {@link #start}.
     */
    public ScanListener listening(ScanListener local) {
        SweepReporter reporter = new SweepReporter(local, windowMillis * 1000);
        sweeps = reporter;
        return reporter;
    }

    /** Connects in the background: an unreachable Redis never delays or stops the agent. */
    public void start() {
        subscriber.start();
        worker.start();
    }

    /** A block this host applied for its own reasons; never waits (called on the blocker thread). */
    public void announce(Cidr source, long timeoutSeconds) {
        // The fleet's keys and messages name addresses: IPv6 prefix blocks (--ipv6-prefix) stay local for now.
        if (!source.isHost()) {
            return;
        }
        offer(new Outbound(FleetAddress.of(source.network()), System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds)));
    }

    @Override
    public boolean connected() {
        return commandsUp && subscribed;
    }

    @Override
    public long messages(Direction direction, MessageResult result) {
        long count = messages.get(direction).get(result).get();
        SweepReporter reporter = sweeps;
        if (direction == Direction.OUT && result == MessageResult.DROPPED && reporter != null) {
            count += reporter.dropped();
        }
        return count;
    }

    @Override
    public long blocks(BlockResult result) {
        return blocks.get(result).get();
    }

    /** Sends what is already queued if Redis is there (bounded by the socket timeout), then disconnects. */
    @Override
    public synchronized void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        stopping = true;
        LockSupport.unpark(worker);
        LockSupport.unpark(subscriber);
        worker.join(3L * TIMEOUT_MILLIS);
        closeSubscription();
        subscriber.join(3L * TIMEOUT_MILLIS);
    }

    private void offer(Outbound message) {
        if (!outbound.offer(message)) {
            count(Direction.OUT, MessageResult.DROPPED, 1);
        }
    }

    private void count(Direction direction, MessageResult result, long n) {
        messages.get(direction).get(result).addAndGet(n);
    }

    private Jedis connect() {
        return connect(settings);
    }

    /** A connection that answered PING: authenticated, on the right database. */
    private static Jedis connect(FleetSettings settings) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(TIMEOUT_MILLIS).socketTimeoutMillis(TIMEOUT_MILLIS)
                .database(settings.database()).ssl(settings.tls()).clientName("synwatch-" + settings.nodeName())
                // CLIENT SETINFO is Redis 7.2+ and outside the shipped ACL: one round trip less, no refusal.
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED);
        settings.password().ifPresent(config::password);
        if (settings.tls()) {
            // Jedis leaves hostname verification off by default: any certificate a CA signed would do.
            SSLParameters verifyHost = new SSLParameters();
            verifyHost.setEndpointIdentificationAlgorithm("HTTPS");
            config.sslParameters(verifyHost);
        }
        Jedis jedis = new Jedis(new HostAndPort(settings.host(), settings.port()), config.build());
        try {
            jedis.ping();
            return jedis;
        } catch (RuntimeException e) {
            jedis.close();
            throw e;
        }
    }

    // ---- worker thread ----

    private void work() {
        Jedis jedis = null;
        long backoff = BACKOFF_MIN_MILLIS;
        boolean warned = false;
        List<Outbound> decisionsToSend = new ArrayList<>();
        List<SweepReporter.Report> reports = new ArrayList<>();
        long lastRoundTrip = System.nanoTime();
        ReportBudget budget = new ReportBudget(ReportBudget.REPORTS_PER_SECOND, lastRoundTrip);
        while (true) {
            if (jedis == null) {
                if (stopping) {
                    break;
                }
                try {
                    jedis = connect();
                } catch (JedisException e) {
                    if (!warned) {
                        warned = true;
                        LOG.warn("fleet: cannot reach {} ({}); running alone, retrying with backoff up to {} s",
                                settings.uri(), e.getMessage(), BACKOFF_MAX_MILLIS / 1000);
                    } else {
                        LOG.debug("fleet: {} still unreachable: {}", settings.uri(), e.getMessage());
                    }
                    dropStale(decisionsToSend);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoff));
                    backoff = Math.min(backoff * 2, BACKOFF_MAX_MILLIS);
                    continue;
                }
                commandsUp = true;
                warned = false;
                backoff = BACKOFF_MIN_MILLIS;
                resyncNeeded = true;
                dropStale(decisionsToSend);
            }
            try {
                if (resyncNeeded && subscribed) {
                    resyncNeeded = false;
                    int adopted = adopt(jedis);
                    LOG.info("fleet: connected to {} as {}; adopted {} live decisions", settings.uri(),
                            settings.nodeName(), adopted);
                }
                outbound.drainTo(decisionsToSend, BATCH_MAX - decisionsToSend.size());
                SweepReporter reporter = sweeps;
                if (reporter != null) {
                    budget.spend(reporter.drainTo(reports, budget.available(BATCH_MAX, System.nanoTime())));
                }
                if (decisionsToSend.isEmpty() && reports.isEmpty()) {
                    if (stopping) {
                        break;
                    }
                    if (System.nanoTime() - lastRoundTrip >= PING_INTERVAL_NANOS) {
                        jedis.ping();
                        lastRoundTrip = System.nanoTime();
                    }
                    LockSupport.parkNanos(BATCH_INTERVAL_NANOS);
                    continue;
                }
                send(jedis, decisionsToSend, reports);
                lastRoundTrip = System.nanoTime();
                decisionsToSend.clear();
            } catch (JedisException e) {
                // Decisions wait for the reconnect (while they are fresh); reports of this batch are lost.
                count(Direction.OUT, MessageResult.FAILED, reports.size());
                commandsUp = false;
                jedis.close();
                jedis = null;
                // The subscription may not notice a silent loss by itself: make it reconnect too.
                closeSubscription();
                if (!warned) {
                    warned = true;
                    LOG.warn("fleet: lost {} ({}); detection and blocking go on locally; fleet work is queued up to {}"
                            + " decisions and {} reports, then dropped and counted; reconnecting with backoff",
                            settings.uri(), e.getMessage(), DECISION_QUEUE_CAPACITY, SweepReporter.QUEUE_CAPACITY);
                }
            } catch (RuntimeException e) {
                // A bug, not an outage: say so, and drop the batch rather than resend it every 5 ms.
                LOG.error("fleet: {}", e.toString());
                count(Direction.OUT, MessageResult.FAILED, decisionsToSend.size() + reports.size());
                decisionsToSend.clear();
            } finally {
                reports.clear();
            }
        }
        if (jedis != null) {
            jedis.close();
        }
        commandsUp = false;
    }

    /** After an outage: decisions that expired meanwhile are no longer worth announcing. */
    private void dropStale(List<Outbound> pending) {
        long now = System.nanoTime();
        int before = pending.size();
        pending.removeIf(message -> message.expiresAtNanos - now <= 0);
        count(Direction.OUT, MessageResult.DROPPED, before - pending.size());
    }

    private void send(Jedis jedis, List<Outbound> decisionsToSend, List<SweepReporter.Report> reports) {
        long now = System.nanoTime();
        Pipeline pipeline = jedis.pipelined();
        int sent = 0;
        for (Outbound message : decisionsToSend) {
            long ttlMillis = TimeUnit.NANOSECONDS.toMillis(message.expiresAtNanos - now);
            if (ttlMillis <= 0) {
                count(Direction.OUT, MessageResult.DROPPED, 1);
                continue;
            }
            pipeline.set(FleetKeys.blockKey(message.address), settings.nodeName(), SetParams.setParams().px(ttlMillis));
            pipeline.publish(FleetKeys.BLOCKS_CHANNEL,
                    FleetKeys.blockMessage(message.address, settings.nodeName(), ttlMillis));
            blocks.get(BlockResult.ANNOUNCED).incrementAndGet();
            sent++;
        }
        List<Response<Long>> counts = new ArrayList<>(reports.size());
        for (SweepReporter.Report report : reports) {
            String key = FleetKeys.sweepKey(report.port(), report.source());
            long millis = report.timeMicros() / 1000;
            // GT: a late report (a slower agent, a skewed clock) never moves a destination back in time.
            pipeline.zadd(key, millis, report.destination().text(), ZAddParams.zAddParams().gt());
            pipeline.zremrangeByScore(key, "-inf", "(" + (millis - windowMillis));
            counts.add(pipeline.zcard(key));
            pipeline.pexpire(key, windowMillis);
        }
        pipeline.sync();
        count(Direction.OUT, MessageResult.SENT, sent + reports.size());
        claimSweeps(jedis, reports, counts);
    }

    /**
     * Reports whose set now holds more than the threshold try to claim the sweep for one window;
     * the one claim that succeeds fleet-wide reports and blocks it. A second round trip, only when
     * a count is over the threshold.
     */
    private void claimSweeps(Jedis jedis, List<SweepReporter.Report> reports, List<Response<Long>> counts) {
        List<SweepReporter.Report> over = new ArrayList<>();
        for (int i = 0; i < reports.size(); i++) {
            if (counts.get(i).get() > settings.sweepHosts()) {
                over.add(reports.get(i));
            }
        }
        if (over.isEmpty()) {
            return;
        }
        Pipeline pipeline = jedis.pipelined();
        List<Response<String>> claims = new ArrayList<>();
        List<Response<List<String>>> hosts = new ArrayList<>();
        List<Response<Long>> totals = new ArrayList<>();
        for (SweepReporter.Report report : over) {
            claims.add(pipeline.set(FleetKeys.sweptKey(report.port(), report.source()), settings.nodeName(),
                    SetParams.setParams().nx().px(windowMillis)));
            String key = FleetKeys.sweepKey(report.port(), report.source());
            hosts.add(pipeline.zrange(key, 0, MAX_SWEEP_HOSTS_LISTED - 1));
            totals.add(pipeline.zcard(key));
        }
        pipeline.sync();
        for (int i = 0; i < over.size(); i++) {
            if ("OK".equals(claims.get(i).get())) {
                SweepReporter.Report report = over.get(i);
                decisions.portSweep(report.timeMicros(), report.source().ip(), report.port(), totals.get(i).get(),
                        hosts.get(i).get());
            }
        }
    }

    /** Applies the fleet's live decisions (bounded: {@link #MAX_ADOPTED}, {@link #MAX_SCAN_CALLS}). */
    private int adopt(Jedis jedis) {
        ScanParams params = new ScanParams().match(FleetKeys.BLOCK_PREFIX + "*").count(1000);
        String cursor = ScanParams.SCAN_POINTER_START;
        int adopted = 0;
        for (int calls = 0; calls < MAX_SCAN_CALLS && adopted < MAX_ADOPTED; calls++) {
            ScanResult<String> page = jedis.scan(cursor, params);
            Pipeline pipeline = jedis.pipelined();
            List<Response<String>> origins = new ArrayList<>();
            List<Response<Long>> ttls = new ArrayList<>();
            for (String key : page.getResult()) {
                origins.add(pipeline.get(key));
                ttls.add(pipeline.pttl(key));
            }
            pipeline.sync();
            for (int i = 0; i < page.getResult().size() && adopted < MAX_ADOPTED; i++) {
                FleetAddress address = FleetKeys.blockKeyAddress(page.getResult().get(i));
                String origin = origins.get(i).get();
                if (address == null || origin == null || !FleetSettings.NODE_NAME.matcher(origin).matches()) {
                    count(Direction.IN, MessageResult.INVALID, 1);
                    continue;
                }
                // This host's own decisions are in its nft table already, which outlives restarts.
                if (!origin.equals(settings.nodeName()) && !appliedAndInForce(address)
                        && applyBlock(address, origin, ttls.get(i).get())) {
                    adopted++;
                }
            }
            cursor = page.getCursor();
            if (cursor.equals(ScanParams.SCAN_POINTER_START)) {
                return adopted;
            }
        }
        LOG.warn("fleet: adopted {} live decisions and stopped there; the rest are applied as peers announce them again",
                adopted);
        return adopted;
    }

    private boolean applyBlock(FleetAddress address, String origin, long ttlMillis) {
        long seconds = FleetKeys.remainingSeconds(ttlMillis, localTimeoutSeconds);
        if (seconds == 0) {
            return false;
        }
        boolean handedOn = decisions.peerBlock(address.ip(), seconds, origin);
        blocks.get(handedOn ? BlockResult.APPLIED : BlockResult.REFUSED).incrementAndGet();
        if (handedOn) {
            synchronized (applied) {
                applied.put(address.text(), System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds));
            }
        }
        return handedOn;
    }

    private boolean appliedAndInForce(FleetAddress address) {
        synchronized (applied) {
            Long until = applied.get(address.text());
            return until != null && until - System.nanoTime() > 0;
        }
    }

    // ---- subscriber thread ----

    private void subscribe() {
        long backoff = BACKOFF_MIN_MILLIS;
        while (!stopping) {
            try (Jedis jedis = connect()) {
                subscriberConnection = jedis;
                JedisPubSub pubSub = new JedisPubSub() {
                    @Override
                    public void onSubscribe(String channel, int subscribedChannels) {
                        subscribed = true;
                        resyncNeeded = true;
                        LockSupport.unpark(worker);
                    }

                    @Override
                    public void onMessage(String channel, String message) {
                        receive(message);
                    }
                };
                if (stopping) {
                    break;
                }
                backoff = BACKOFF_MIN_MILLIS;
                jedis.subscribe(pubSub, FleetKeys.BLOCKS_CHANNEL);
            } catch (JedisException e) {
                LOG.debug("fleet: subscription: {}", e.toString());
            } catch (RuntimeException e) {
                LOG.error("fleet: subscription: {}", e.toString());
            } finally {
                subscribed = false;
                subscriberConnection = null;
            }
            if (!stopping) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoff));
                backoff = Math.min(backoff * 2, BACKOFF_MAX_MILLIS);
            }
        }
    }

    private void receive(String text) {
        FleetKeys.Message message = FleetKeys.parse(text);
        if (message == null) {
            count(Direction.IN, MessageResult.INVALID, 1);
            LOG.debug("fleet: ignoring a message that is not synwatch's ({} chars)", text.length());
            return;
        }
        count(Direction.IN, MessageResult.RECEIVED, 1);
        if (message.origin().equals(settings.nodeName())) {
            return;
        }
        FleetAddress address = message.address();
        if (message.block()) {
            applyBlock(address, message.origin(), message.ttlMillis());
        } else {
            synchronized (applied) {
                applied.remove(address.text());
            }
            decisions.peerUnblock(address.ip(), message.origin());
            blocks.get(BlockResult.UNBLOCKED).incrementAndGet();
        }
    }

    /** Unsubscribing needs a live connection; closing the socket ends the subscription either way. */
    private void closeSubscription() {
        Jedis connection = subscriberConnection;
        if (connection != null) {
            connection.close();
        }
    }

    /**
     * {@code synwatch --unblock ADDR --fleet ...}: deletes the decision and tells every agent.
     *
     * @return whether the fleet had a live decision for the address
     */
    public static boolean unblockFleetWide(FleetSettings settings, IpAddress source) throws FleetException {
        FleetAddress address = FleetAddress.of(source);
        try (Jedis jedis = connect(settings)) {
            boolean existed = jedis.del(FleetKeys.blockKey(address)) > 0;
            jedis.publish(FleetKeys.BLOCKS_CHANNEL, FleetKeys.unblockMessage(address, settings.nodeName()));
            return existed;
        } catch (JedisException e) {
            throw new FleetException(e.getMessage(), e);
        }
    }
}
