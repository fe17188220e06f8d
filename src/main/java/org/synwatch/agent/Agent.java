package org.synwatch.agent;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.synwatch.block.Allowlist;
import org.synwatch.block.AllowlistRefresher;
import org.synwatch.block.BlockGate;
import org.synwatch.block.Blocker;
import org.synwatch.block.FirewallException;
import org.synwatch.block.NftFirewall;
import org.synwatch.block.ScanResponder;
import org.synwatch.capture.CaptureCounters;
import org.synwatch.capture.CaptureLoop;
import org.synwatch.capture.Interfaces;
import org.synwatch.capture.Libpcap;
import org.synwatch.capture.PcapException;
import org.synwatch.capture.PcapHandle;
import org.synwatch.capture.SynFilter;
import org.synwatch.config.BlockSettings;
import org.synwatch.config.CaptureSource;
import org.synwatch.config.ConfigException;
import org.synwatch.config.Settings;
import org.synwatch.detect.Detector;
import org.synwatch.detect.ScanListener;
import org.synwatch.fleet.Fleet;
import org.synwatch.metrics.MetricsServer;
import org.synwatch.metrics.SynwatchCollector;
import org.synwatch.metrics.ThreadCpu;
import org.synwatch.packet.LinkType;
import org.synwatch.report.EventOutput;
import org.synwatch.report.EventOutputException;
import org.synwatch.report.EventWriter;
import org.synwatch.report.Observer;
import org.synwatch.ring.SynRing;

/**
 * One run of synwatch. Start order: libpcap handle and filter, the one-per-namespace lock (when
 * blocking), the allowlist (allow file, host facts) and its refresher, firewall table, blocker
 * thread, fleet threads (with --fleet), detector thread, metrics server, then the capture loop on
 * the calling thread. Stop order is the reverse: capture stops, the detector finishes every SYN
 * already read, the metrics server closes, the fleet sends what it has queued, the blocker applies
 * every block already decided, the handle closes.
 */
public final class Agent {
    /**
     * Enough for Ethernet with four VLAN tags (30 bytes), IPv6 (40), a fragment header (8), sixteen
     * 8-byte destination-options headers (128) and a whole TCP header (20): 226 bytes.
     */
    static final int SNAPLEN = 256;
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    private final Settings settings;
    private final OutputStream events;
    private final Supplier<NftFirewall> firewalls;
    private final String version;
    private final CaptureCounters counters = new CaptureCounters();
    private final AtomicReference<Throwable> consumerFailure = new AtomicReference<>();
    private volatile CaptureLoop loop;
    private volatile AllowlistRefresher refresher;
    private volatile boolean stopRequested;

    /** @param firewalls opens synwatch's nftables table (normally {@link NftFirewall#open}) */
    public Agent(Settings settings, OutputStream events, Supplier<NftFirewall> firewalls, String version) {
        this.settings = settings;
        this.events = events;
        this.firewalls = firewalls;
        this.version = version;
    }

    /** Captures until the source ends or {@link #requestStop} is called. */
    public void run() throws PcapException, FirewallException, AgentFailure, ConfigException {
        boolean live = settings.source() instanceof CaptureSource.Live;
        try (Closer closer = new Closer()) {
            PcapHandle handle = closer.add("capture handle", open());
            LinkType linkType = handle.linkType();
            installFilter(handle, linkType, live);
            EventOutput output = new EventOutput(events);
            ZoneId zone = ZoneId.systemDefault();
            Observer observer = Observer.local(live ? Optional.of(handle.source()) : Optional.empty());
            EventWriter writer = new EventWriter(output, zone, settings.format(), observer,
                    settings.flood().maxConnectionLines());
            BlockSettings.Mode mode = effectiveBlockMode(live);
            BlockSettings block = settings.block().withMode(mode);
            if (mode == BlockSettings.Mode.ENFORCE) {
                closer.add("instance lock", InstanceLock.acquire(InstanceLock.NAME));
            }
            Allowlist allowlist = Allowlist.of(block, live);
            BlockGate gate = BlockGate.create(block, allowlist, live);
            if (live && mode != BlockSettings.Mode.OFF) {
                refresher = closer.add("allowlist refresher", new AllowlistRefresher(allowlist));
                refresher.start();
            }
            Blocker blocker = mode == BlockSettings.Mode.ENFORCE
                    ? closer.add("blocker", startBlocker(new EventWriter(output, zone, settings.format(), observer), gate)) : null;
            ScanResponder responder = new ScanResponder(writer, block, gate, blocker, settings.detection().ipv6PrefixLength());
            ScanListener listener = responder;
            Fleet fleet = null;
            // A replay is history: it neither tells the fleet nor takes its decisions.
            if (live && settings.fleet().isPresent()) {
                // Registered after the blocker, so closed before it: what the fleet still applies gets applied.
                fleet = closer.add("fleet", new Fleet(settings.fleet().get(), settings.detection().windowMicros() / 1000,
                        settings.block().timeoutSeconds(), new FleetBlockPath(responder,
                        new EventWriter(output, zone, settings.format(), observer))));
                listener = fleet.listening(responder);
                if (blocker != null) {
                    blocker.listener(fleet::announce);
                }
                fleet.start();
            }
            Detector detector = new Detector(settings.detection(), listener);
            SynRing ring = closer.add("detector ring", new SynRing(SynRing.DEFAULT_SIZE,
                    new DetectorHandler(detector, writer, live), this::consumerFailed));
            ThreadCpu threads = new ThreadCpu();
            threads.track(ThreadCpu.Role.CAPTURE, Thread.currentThread());
            threads.track(ThreadCpu.Role.DETECTOR, ring.consumer());
            if (blocker != null) {
                threads.track(ThreadCpu.Role.BLOCKER, blocker.thread());
            }
            MetricsServer metrics = closer.add("metrics server",
                    startMetrics(new SynwatchCollector(version, counters, detector, ring::dropped, gate, fleet, threads)));
            CaptureLoop capture = new CaptureLoop(handle, linkType, ring, counters, !live,
                    settings.flood().maxFragmentSets());
            ring.start();
            loop = capture;
            if (stopRequested) {
                capture.requestStop();
            }
            if (live) {
                LOG.info("capturing on {} (link type {}; {}; {}); blocking: {}; metrics: {}", handle.source(), linkType.dlt(),
                        Libpcap.version(), delivery(), mode.name().toLowerCase(Locale.ROOT),
                        metrics == null ? "off" : settings.metricsAddress().orElseThrow().getHostString() + ":" + metrics.port());
                if (mode != BlockSettings.Mode.OFF) {
                    LOG.info("never blocking {}", allowlist.protectedInfrastructure());
                }
            }
            try {
                capture.run();
            } finally {
                loop = null;
                stopRing(ring, writer);
            }
            // Live, the last kernel counts may postdate the last scrape, so the operator gets them here.
            LOG.atLevel(live ? Level.INFO : Level.DEBUG).log(
                    "capture stopped: captured {} packets: {} SYNs, {} malformed; dropped {} in the kernel, {} at the interface, {} in the ring",
                    counters.captured(), counters.syns(), counters.malformed(), counters.kernelDrops(),
                    counters.interfaceDrops(), ring.dropped());
        }
        Throwable failure = consumerFailure.get();
        if (failure instanceof EventOutputException output && output.readerGone()) {
            // Like grep and tcpdump: the reader has what it wanted; everything before was written.
            LOG.debug("stdout's reader went away: stopping");
        } else if (failure != null) {
            throw detectorFailure(failure);
        }
    }

    /**
     * What stopped the detector thread, in an operator's terms: the output, the heap, or (anything
     * else) a bug, which is not the operator's to fix.
     */
    AgentFailure detectorFailure(Throwable failure) {
        if (failure instanceof EventOutputException output) {
            return new AgentFailure("writing events failed: " + output.getCause().getMessage(),
                    "check that stdout is still open and writable", failure);
        }
        if (failure instanceof OutOfMemoryError) {
            return new AgentFailure("the detector ran out of memory with " + settings.detection().maxTrackedPairs()
                    + " pairs and " + settings.detection().maxTrackedSyns() + " 4-tuples allowed",
                    "lower --max-tracked-pairs or --max-tracked-syns, or give the process more memory "
                    + "(the unit's MemoryMax, the pod's limit; the heap: SYNWATCH_JAVA_OPTS=-Xmx...)", failure);
        }
        return new AgentFailure("the detector thread failed: " + failure,
                "this is a bug in synwatch: rerun with --debug for the stack trace and report it", failure);
    }

    /**
     * SIGHUP: re-reads the allow file, the gateways and the name servers without a restart. Safe
     * from a signal handler; nothing to do when not blocking live.
     */
    public void requestReload() {
        AllowlistRefresher current = refresher;
        if (current != null) {
            current.requestReload();
        }
    }

    /** Asks a running (or starting) agent to stop; safe from any thread, including signal handlers. */
    public void requestStop() {
        stopRequested = true;
        CaptureLoop current = loop;
        if (current != null) {
            current.requestStop();
        }
    }

    private String delivery() {
        return settings.source() instanceof CaptureSource.Live live && live.immediateMode() ? "immediate mode"
                : "kernel blocks of at most " + PcapHandle.BLOCK_TIMEOUT_MILLIS + " ms";
    }

    /** A file's scans are history: blocking their sources now would be wrong, so replays never touch nft. */
    private BlockSettings.Mode effectiveBlockMode(boolean live) {
        BlockSettings.Mode requested = settings.block().mode();
        return !live && requested == BlockSettings.Mode.ENFORCE ? BlockSettings.Mode.OFF : requested;
    }

    private Blocker startBlocker(EventWriter blockerWriter, BlockGate gate) throws FirewallException {
        NftFirewall firewall = firewalls.get();
        try {
            firewall.install(settings.block().maxBlocked());
        } catch (FirewallException e) {
            firewall.close();
            throw e;
        }
        LOG.debug("blocking through {}", firewall.describe());
        Blocker blocker = new Blocker(firewall, blockerWriter, gate);
        blocker.start();
        return blocker;
    }

    private MetricsServer startMetrics(SynwatchCollector collector) throws AgentFailure {
        if (settings.metricsAddress().isEmpty()) {
            return null;
        }
        try {
            return new MetricsServer(settings.metricsAddress().get(), collector);
        } catch (IOException e) {
            throw new AgentFailure("cannot serve metrics on " + settings.metricsAddress().get() + ": " + e.getMessage(),
                    "choose a free port with --metrics-address [HOST]:PORT", e);
        }
    }

    private PcapHandle open() throws PcapException {
        return switch (settings.source()) {
            case CaptureSource.File file -> PcapHandle.openOffline(file.path());
            case CaptureSource.Live live -> PcapHandle.openLive(
                    live.interfaceName().isPresent() ? live.interfaceName().get() : defaultInterface(),
                    SNAPLEN, live.bufferSizeBytes(), live.immediateMode());
        };
    }

    /**
     * The kernel filter is what keeps a busy link affordable. A file is filtered in user space, only
     * to behave as the live capture would; where libpcap cannot compile the filter for a file's link
     * type, the parser, which checks every packet exactly anyway, filters alone.
     */
    private static void installFilter(PcapHandle handle, LinkType linkType, boolean live) throws PcapException {
        try {
            handle.setFilter(SynFilter.forLinkType(linkType));
        } catch (PcapException e) {
            if (live) {
                throw e;
            }
            LOG.debug("replaying without a BPF filter: {}", e.getMessage());
        }
    }

    private static String defaultInterface() throws PcapException {
        return Interfaces.defaultInterface().orElseThrow(() -> new PcapException(
                PcapException.Problem.NO_SUCH_DEVICE, "no interface is up apart from loopback"));
    }

    private void consumerFailed(Throwable failure) {
        consumerFailure.compareAndSet(null, failure);
        requestStop();
    }

    /** Lets the detector finish every published SYN, then writes whatever it formatted. */
    private void stopRing(SynRing ring, EventWriter writer) {
        try {
            boolean drained = ring.drainAndStop(DRAIN_TIMEOUT);
            if (!drained && consumerFailure.get() == null) {
                LOG.warn("detector did not drain within {}", DRAIN_TIMEOUT);
            }
            if (consumerFailure.get() == null) {
                if (drained) {
                    // The detector thread has stopped: the last second's held-back count is ours to print.
                    writer.reportSuppressed();
                }
                writer.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            consumerFailure.compareAndSet(null, e);
        }
    }
}
