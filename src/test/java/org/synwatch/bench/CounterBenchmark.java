package org.synwatch.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.synwatch.packet.SingleWriterCounter;

/**
 * The capture loop counts three times per SYN (captured, syns, parsed). Side by side: the locked
 * {@code incrementAndGet} it used to do, and the single-writer release store it does now.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CounterBenchmark {
    private final AtomicLong atomicCaptured = new AtomicLong();
    private final AtomicLong atomicSyns = new AtomicLong();
    private final AtomicLong atomicParsed = new AtomicLong();
    private final SingleWriterCounter captured = new SingleWriterCounter();
    private final SingleWriterCounter syns = new SingleWriterCounter();
    private final SingleWriterCounter parsed = new SingleWriterCounter();

    @Benchmark
    public long threeLockedIncrements() {
        atomicCaptured.incrementAndGet();
        atomicSyns.incrementAndGet();
        return atomicParsed.incrementAndGet();
    }

    @Benchmark
    public long threeReleaseIncrements() {
        captured.increment();
        syns.increment();
        parsed.increment();
        return parsed.get();
    }
}
