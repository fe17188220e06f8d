package org.synwatch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.client.Collector.MetricFamilySamples;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.synwatch.block.BlockStats;
import org.synwatch.capture.CaptureCounters;
import org.synwatch.capture.CaptureLoop;
import org.synwatch.capture.PcapHandle;
import org.synwatch.config.DetectionSettings;
import org.synwatch.config.FloodSettings;
import org.synwatch.detect.Detector;
import org.synwatch.detect.ScanListener;
import org.synwatch.packet.SynHeader;
import org.synwatch.ring.SynRing;

/**
 * The capture counters as Prometheus serves them, after replaying fixtures through the real capture
 * loop: what the new fragment and truncation counters say about captures whose contents are known
 * (test-fixtures/README.md), and that every captured packet is counted once.
 */
class CaptureMetricsTest {
    private static final Path FIXTURES = Path.of(System.getProperty("synwatch.fixtures", "test-fixtures"));

    private static Map<String, Double> replay(String fixture, int maxFragmentSets) throws Exception {
        CaptureCounters counters = new CaptureCounters();
        Detector detector = new Detector(DetectionSettings.defaults(), new ScanListener() {
            @Override
            public void newConnection(SynHeader syn) {
            }

            @Override
            public void portScan(SynHeader syn, int sourceBits, int[] ports, int count) {
            }
        });
        try (PcapHandle handle = PcapHandle.openOffline(FIXTURES.resolve(fixture));
             SynRing ring = new SynRing(SynRing.DEFAULT_SIZE, (syn, sequence, end) -> detector.onSyn(syn), e -> { })) {
            ring.start();
            new CaptureLoop(handle, handle.linkType(), ring, counters, true, maxFragmentSets).run();
            ring.drainAndStop(java.time.Duration.ofSeconds(10));
            List<MetricFamilySamples> families = new SynwatchCollector("test", counters, detector, ring::dropped,
                    new BlockStats() {
                        @Override
                        public long blocks(Result result) {
                            return 0;
                        }

                        @Override
                        public long blockedSources() {
                            return 0;
                        }
                    }).collect();
            return families.stream().flatMap(f -> f.samples.stream()).collect(Collectors.toMap(
                    s -> s.name + s.labelValues, s -> s.value, (a, b) -> a));
        }
    }

    @Test
    void fragmentOutcomesOfTheSynthesizedCapture() throws Exception {
        Map<String, Double> m = replay("fragments-synth.pcap", FloodSettings.DEFAULT_MAX_FRAGMENT_SETS);
        // In order, reversed, duplicate, interleaved (2), other source, SYN-ACK, 13-byte end never
        // completes, 14-byte end, the 1 µs-early completion: 9 headers from two or more fragments.
        assertEquals(9.0, m.get("synwatch_fragments_total[reassembled]"));
        assertEquals(1.0, m.get("synwatch_fragments_total[overlap]"));
        // The 30 s gap before the last pieces expires the four left incomplete (ACK/SYN overlap, reused
        // id, 13-byte end, lone piece), and then the datagram whose flags came 30 s late.
        assertEquals(5.0, m.get("synwatch_fragments_total[expired]"));
        assertEquals(0.0, m.get("synwatch_fragments_total[evicted]"));
        assertEquals(0.0, m.get("synwatch_packets_truncated_total[]"));
    }

    @Test
    void floodAtTheBoundIsCountedAsEvictions() throws Exception {
        Map<String, Double> m = replay("fragment-flood.pcap", FloodSettings.DEFAULT_MAX_FRAGMENT_SETS);
        // 100,000 opened, 8,192 held; the two completions make room for the two late pieces of
        // evicted datagrams, which open datagrams of their own without evicting.
        assertEquals(100_000.0 - 8_192, m.get("synwatch_fragments_total[evicted]"));
        assertEquals(2.0, m.get("synwatch_fragments_total[reassembled]"));
        assertEquals(100_004.0, m.get("synwatch_packets_captured_total[]"));
    }

    @Test
    void aChainPastTheSnaplenIsCountedAsTruncated() throws Exception {
        Map<String, Double> m = replay("ipv6-long-chains.pcap", FloodSettings.DEFAULT_MAX_FRAGMENT_SETS);
        assertEquals(1.0, m.get("synwatch_packets_truncated_total[]"));
        assertEquals(6.0, m.get("synwatch_packets_captured_total[]"));
        assertEquals(5.0, m.get("synwatch_packets_parsed_total[]"));
        assertEquals(0.0, m.get("synwatch_packets_malformed_total[]"));
    }
}
