package org.synwatch.metrics;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.CounterMetricFamily;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * CPU time of the pipeline's threads, by role, read at scrape time. Each is one thread, so its
 * rate is the share of a core it uses: the detector's near 1 means the ring will fill at the next
 * burst, while no SYN has been dropped yet. The process's CPU, all threads together, can't say so.
 */
public final class ThreadCpu {
    public enum Role {
        CAPTURE, DETECTOR, BLOCKER;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final AtomicReferenceArray<Thread> threads = new AtomicReferenceArray<>(Role.values().length);

    /** From the moment a thread takes a role; a later one replaces it. */
    public void track(Role role, Thread thread) {
        threads.set(role.ordinal(), thread);
    }

    /** Seconds of CPU per tracked thread that is still running: one that has ended has no sample. */
    MetricFamilySamples collect() {
        CounterMetricFamily family = new CounterMetricFamily("synwatch_thread_cpu_seconds",
                "CPU time of synwatch's capture, detector and blocker threads: a rate near 1 is a whole core.",
                List.of("thread"));
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        if (!mx.isThreadCpuTimeSupported()) {
            return family;
        }
        for (Role role : Role.values()) {
            Thread thread = threads.get(role.ordinal());
            long nanos = thread == null ? -1 : mx.getThreadCpuTime(thread.threadId());
            if (nanos >= 0) {
                family.addMetric(List.of(role.label()), nanos / 1e9);
            }
        }
        return family;
    }
}
