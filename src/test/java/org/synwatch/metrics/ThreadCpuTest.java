package org.synwatch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ThreadCpuTest {
    private static final long BUSY_NANOS = 50_000_000L;

    @Test
    void aTrackedThreadShowsAtLeastTheCpuItUsedWhileItRunsAndNothingOnceItEnded() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadCpuTimeSupported(), "per-thread CPU time");
        AtomicLong used = new AtomicLong();
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread worker = Thread.ofPlatform().name("busy").start(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            // Asking for its CPU time is itself the work: a system call each time.
            while (mx.getCurrentThreadCpuTime() < BUSY_NANOS && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            used.set(mx.getCurrentThreadCpuTime());
            busy.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ThreadCpu threads = new ThreadCpu();
        assertTrue(threads.collect().samples.isEmpty(), "no thread tracked yet");
        threads.track(ThreadCpu.Role.DETECTOR, worker);
        assertTrue(busy.await(30, TimeUnit.SECONDS));
        List<Sample> samples = threads.collect().samples;
        release.countDown();
        worker.join();

        assertEquals(1, samples.size(), "only the tracked role: " + samples);
        Sample detector = samples.get(0);
        assertEquals("synwatch_thread_cpu_seconds_total", detector.name);
        assertEquals(List.of("detector"), detector.labelValues);
        assertTrue(used.get() >= BUSY_NANOS, "the worker spun for its CPU time: " + used.get());
        assertTrue(detector.value >= used.get() / 1e9, detector.value + " s against " + used.get() + " ns used");
        assertTrue(threads.collect().samples.isEmpty(), "a thread that ended has no sample");
    }
}
