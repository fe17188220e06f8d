package org.synwatch.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.synwatch.packet.SynHeader;
import org.synwatch.ring.SynRing;

/**
 * SynRing throughput: the benchmark thread publishes (lossless, waiting when full, as a replay
 * does) and the ring's own consumer thread takes every header; the time per op is the sustained
 * rate of the slower side. {@code tryPublish} is the live path: it drops instead of waiting.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class RingBenchmark {
    private SynRing ring;
    private final AtomicLong consumed = new AtomicLong();
    private final SynHeader header = new SynHeader();
    private long sum;

    @Setup(Level.Trial)
    public void setUp() {
        header.family = SynHeader.IPV4;
        header.srcLo = 0xC6120001L;
        header.dstLo = 0xC0000201L;
        header.srcPort = 40000;
        header.dstPort = 443;
        ring = new SynRing(SynRing.DEFAULT_SIZE, (syn, sequence, endOfBatch) -> {
            sum += syn.srcPort;
            if (endOfBatch) {
                consumed.lazySet(sequence);
            }
        }, failure -> { });
        ring.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        ring.drainAndStop(java.time.Duration.ofSeconds(5));
    }

    @Benchmark
    public boolean publish() {
        header.timestampMicros++;
        return ring.publish(header);
    }

    @Benchmark
    public boolean tryPublish() {
        header.timestampMicros++;
        return ring.tryPublish(header);
    }
}
