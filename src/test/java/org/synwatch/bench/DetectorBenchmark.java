package org.synwatch.bench;

import java.io.OutputStream;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.synwatch.config.DetectionSettings;
import org.synwatch.config.OutputFormat;
import org.synwatch.detect.Detector;
import org.synwatch.packet.SynHeader;
import org.synwatch.report.EventOutput;
import org.synwatch.report.EventWriter;
import org.synwatch.report.Observer;

/**
 * Detector.onSyn as the detector thread runs it, with the real EventWriter formatting every line
 * (text or JSON) to a null stream (flushed every 256 SYNs, like a ring batch). SYNs rotate over a preallocated
 * set of headers: {@code pairs} clients, each to one server, plus scanners sweeping ports; every
 * pass over the set uses new source ports (new connections), and 1 in 32 SYNs repeats the previous
 * one (a retransmission). Packet time advances 50 us per SYN (20,000 SYN/s), so pairs stay live.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DetectorBenchmark {
    private static final int HEADERS = 1 << 16;
    private static final long STEP_MICROS = 50;
    private static final int RUN = 32;

    /** Distinct (source, destination) pairs among the headers: table size, so cache behaviour. */
    @Param({"1024", "65536"})
    public int pairs;

    /** Event lines as text or ECS JSON: both must stay allocation-free per SYN. */
    @Param({"TEXT", "JSON"})
    public OutputFormat format;

    /** 0: each SYN as it comes; 32: the detector is shown each run of 32 first, as the ring's consumer shows it. */
    @Param({"0", "32"})
    public int lookahead;

    private final SynHeader[] headers = new SynHeader[HEADERS];
    private final SynHeader[] run = new SynHeader[RUN];
    private Detector detector;
    private EventWriter writer;
    private long op;
    private long now;

    @Setup(Level.Trial)
    public void setUp() {
        writer = new EventWriter(new EventOutput(OutputStream.nullOutputStream()), ZoneOffset.UTC, format,
                new Observer("bench-host", Optional.of("eth0")));
        detector = new Detector(DetectionSettings.defaults(), writer);
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < HEADERS; i++) {
            SynHeader h = new SynHeader();
            boolean scanner = i % 64 == 0;
            int client = scanner ? (i / 64) % 16 : random.nextInt(pairs);
            boolean v6 = client % 3 == 0;
            h.family = v6 ? SynHeader.IPV6 : SynHeader.IPV4;
            h.srcHi = v6 ? 0x20010db8c0000000L : 0;
            h.srcLo = scanner ? 0xCB007100L + client : v6 ? client : 0xC6120000L + client;
            h.dstHi = v6 ? 0x20010db800010000L : 0;
            h.dstLo = v6 ? 1 + client % 16 : 0xC0000201L + client % 16;
            h.dstPort = scanner ? 1 + i / 64 : 443;
            headers[i] = h;
        }
        now = 1_700_000_000_000_000L;
    }

    @Benchmark
    public void onSyn() {
        long n = op++;
        if ((n & (RUN - 1)) == 0) {
            prepareRun(n);
        }
        detector.onSyn(headers[(int) (n & (HEADERS - 1))]);
        if ((n & 255) == 255) {
            writer.flush();
        }
    }

    /** Stamps the next run of SYNs (and shows it to the detector, when looking ahead). */
    private void prepareRun(long first) {
        for (int i = 0; i < RUN; i++) {
            long n = first + i;
            SynHeader h = headers[(int) (n & (HEADERS - 1))];
            now += STEP_MICROS;
            h.timestampMicros = now;
            if ((n & 31) != 31) {
                // A new source port on every pass over the headers: a new 4-tuple.
                h.srcPort = 32768 + (int) ((n * 7 + (n >>> 16) * 13) % 28000);
            }
            run[i] = h;
        }
        if (lookahead > 0) {
            detector.lookahead(run, lookahead);
        }
    }
}
