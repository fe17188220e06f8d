package org.synwatch.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.synwatch.block.BlockStats;
import org.synwatch.capture.CaptureCounters;
import org.synwatch.detect.DetectorStats;
import org.synwatch.fleet.FleetStats;
import org.synwatch.packet.FragmentCounters;
import org.synwatch.packet.SynHeader;

/**
 * synwatch's metrics. Values are read from the owning components at scrape time, so the hot path
 * pays nothing for them. No label carries an address or a port: cardinality stays fixed whatever
 * the traffic.
 */
public final class SynwatchCollector extends Collector {
    /** The ring's drop counter lives with the ring, which starts after this collector is registered. */
    public interface RingStats {
        long dropped();
    }

    private final String version;
    private final CaptureCounters capture;
    private final DetectorStats detector;
    private final RingStats ring;
    private final BlockStats blocks;
    private final FleetStats fleet;
    private final ThreadCpu threads;

    public SynwatchCollector(String version, CaptureCounters capture, DetectorStats detector, RingStats ring,
                             BlockStats blocks) {
        this(version, capture, detector, ring, blocks, null, new ThreadCpu());
    }

    /**
     * @param fleet null without --fleet: a lone agent exposes no fleet metrics at all
     * @param threads the pipeline's threads, as the agent starts them
     */
    public SynwatchCollector(String version, CaptureCounters capture, DetectorStats detector, RingStats ring,
                             BlockStats blocks, FleetStats fleet, ThreadCpu threads) {
        this.version = version;
        this.capture = capture;
        this.detector = detector;
        this.ring = ring;
        this.blocks = blocks;
        this.fleet = fleet;
        this.threads = threads;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<MetricFamilySamples> all = new ArrayList<>();
        CounterMetricFamily connections = new CounterMetricFamily("synwatch_new_connections",
                "New connection events reported (retransmissions excluded).", List.of("family"));
        connections.addMetric(List.of("ipv4"), detector.newConnections(SynHeader.IPV4));
        connections.addMetric(List.of("ipv6"), detector.newConnections(SynHeader.IPV6));
        all.add(connections);
        all.add(counter("synwatch_port_scans_detected", "Port scans detected.", detector::scansDetected));
        all.add(counter("synwatch_syn_retransmissions", "SYNs recognised as retransmissions and not reported.",
                detector::retransmissions));
        all.add(counter("synwatch_packets_captured", "Packets libpcap delivered.", capture::captured));
        all.add(counter("synwatch_packets_parsed", "Packets parsed: pure SYNs handed to the detector, and others skipped.",
                capture::parsed));
        all.add(counter("synwatch_packets_malformed", "Packets skipped as truncated or malformed.", capture::malformed));
        all.add(counter("synwatch_packets_truncated",
                "Packets whose IPv6 extension headers ran past the captured bytes: a larger snaplen is needed.",
                capture::truncated));
        CounterMetricFamily fragments = new CounterMetricFamily("synwatch_fragments",
                "Incomplete IPv4 datagrams held to read a fragmented TCP header, by what became of them.", List.of("result"));
        for (FragmentCounters.Result result : FragmentCounters.Result.values()) {
            fragments.addMetric(List.of(label(result)), capture.fragments(result));
        }
        all.add(fragments);
        CounterMetricFamily dropped = new CounterMetricFamily("synwatch_capture_dropped_packets",
                "Packets lost before synwatch saw them, from pcap_stats.", List.of("where"));
        dropped.addMetric(List.of("kernel"), capture.kernelDrops());
        dropped.addMetric(List.of("interface"), capture.interfaceDrops());
        all.add(dropped);
        all.add(counter("synwatch_ring_dropped", "SYNs dropped because the detector's ring was full.", ring::dropped));
        all.add(threads.collect());
        CounterMetricFamily blockResults = new CounterMetricFamily("synwatch_blocks",
                "Block decisions for detected scanners, by outcome.", List.of("result"));
        for (BlockStats.Result result : BlockStats.Result.values()) {
            blockResults.addMetric(List.of(result.label()), blocks.blocks(result));
        }
        all.add(blockResults);
        all.add(new GaugeMetricFamily("synwatch_blocked_sources",
                "Addresses in synwatch's nftables sets: those it added until they expire, plus those found there.",
                Math.max(0, blocks.blockedSources())));
        all.add(new GaugeMetricFamily("synwatch_tracked_pairs", "Source/destination pairs the detector remembers.",
                detector.trackedPairs()));
        all.add(new GaugeMetricFamily("synwatch_tracked_pairs_limit", "The bound on tracked pairs: --max-tracked-pairs.",
                detector.trackedPairsLimit()));
        CounterMetricFamily evicted = new CounterMetricFamily("synwatch_tracked_pairs_evicted",
                "Pairs evicted at --max-tracked-pairs, by how many ports they had in the window: single_port first,"
                        + " multi_port only when none of those was left.", List.of("kind"));
        for (DetectorStats.Eviction kind : DetectorStats.Eviction.values()) {
            evicted.addMetric(List.of(label(kind)), detector.evictedPairs(kind));
        }
        all.add(evicted);
        all.add(new GaugeMetricFamily("synwatch_tracked_syns", "Connection 4-tuples in the retransmission table.",
                detector.trackedSyns()));
        all.add(new GaugeMetricFamily("synwatch_tracked_syns_limit",
                "4-tuples of the last 60 s remembered exactly: --max-tracked-syns.", detector.trackedSynsLimit()));
        all.add(counter("synwatch_clock_steps", "Packets stamped earlier than the packet before them;"
                + " the detector counts them at the latest time seen.", detector::clockSteps));
        all.add(counter("synwatch_recent_syns_evicted",
                "Connection 4-tuples forgotten within 60 s because the retransmission table was full;"
                        + " a retransmission of one is reported as new.", detector::forgottenSyns));
        if (fleet != null) {
            addFleet(all);
        }
        GaugeMetricFamily build = new GaugeMetricFamily("synwatch_build_info", "synwatch's version.", List.of("version"));
        build.addMetric(List.of(version), 1);
        all.add(build);
        return all;
    }

    private void addFleet(List<MetricFamilySamples> all) {
        all.add(new GaugeMetricFamily("synwatch_fleet_connected",
                "1 while both connections to the fleet's Redis (commands, subscription) are up.", fleet.connected() ? 1 : 0));
        CounterMetricFamily messages = new CounterMetricFamily("synwatch_fleet_messages",
                "Fleet messages by direction (out: decisions and sweep reports sent; in: peers' decisions) and result.",
                List.of("direction", "result"));
        for (FleetStats.MessageResult result : List.of(FleetStats.MessageResult.SENT, FleetStats.MessageResult.DROPPED,
                FleetStats.MessageResult.FAILED)) {
            messages.addMetric(List.of("out", label(result)), fleet.messages(FleetStats.Direction.OUT, result));
        }
        for (FleetStats.MessageResult result : List.of(FleetStats.MessageResult.RECEIVED, FleetStats.MessageResult.INVALID)) {
            messages.addMetric(List.of("in", label(result)), fleet.messages(FleetStats.Direction.IN, result));
        }
        all.add(messages);
        CounterMetricFamily fleetBlocks = new CounterMetricFamily("synwatch_fleet_blocks",
                "Fleet block decisions: local blocks announced; peers' decisions applied, refused by this host's checks, unblocked.",
                List.of("result"));
        for (FleetStats.BlockResult result : FleetStats.BlockResult.values()) {
            fleetBlocks.addMetric(List.of(label(result)), fleet.blocks(result));
        }
        all.add(fleetBlocks);
    }

    private static String label(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    private static CounterMetricFamily counter(String name, String help, LongSupplier value) {
        return new CounterMetricFamily(name, help, value.getAsLong());
    }
}
