package org.synwatch.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.synwatch.config.Cidr;
import org.synwatch.config.FleetSettings;
import org.synwatch.config.IpAddress;
import org.synwatch.detect.ScanListener;
import org.synwatch.fleet.Fleet;
import org.synwatch.fleet.FleetDecisions;
import org.synwatch.fleet.FleetStats;
import org.synwatch.packet.SynHeader;
import org.synwatch.report.AddressText;
import org.synwatch.testing.RedisServer;

/**
 * Fleet scale simulation (`make bench`, section fleet; BENCHMARKS.md, "Fleet"): N agents, each a real
 * {@link Fleet} with its own two connections, in this one JVM, against one private redis-server.
 * Every agent reports {@code rate} new sources per second (one first SYN each, the sweep traffic
 * a host sees from new clients); fleet-wide, {@code blocks} local blocks per second are announced
 * by random agents. Measured per N: block propagation (announce to a peer's {@code peerBlock}, all
 * receivers, same clock), Redis CPU (utime+stime of its process), commands/s and bytes/s from
 * INFO. One line of TSV per N on stdout.
 *
 * <p>Usage: {@code FleetBench AGENTS[,AGENTS...] RATE BLOCKS_PER_SECOND SECONDS}.
 */
public final class FleetBench {
    private static final long CLOCK_TICKS = 100; // USER_HZ on Linux

    private FleetBench() {
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray();
        int rate = Integer.parseInt(args[1]);
        int blocksPerSecond = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        System.out.println("agents\tnew_sources_per_agent_s\tblocks_s\tdeliveries\tp50_ms\tp99_ms\tmax_ms"
                + "\tredis_cpu_pct\tcommands_s\tin_kib_s\tout_kib_s\tredis_used_mib\tdropped\tconnected");
        for (int agents : sizes) {
            run(agents, rate, blocksPerSecond, seconds);
        }
        System.exit(0);
    }

    /** Records when each peer received each decision. */
    private static final class Receiver implements FleetDecisions {
        private final Map<String, Long> announcedAt;
        private final List<Long> latencies;

        Receiver(Map<String, Long> announcedAt, List<Long> latencies) {
            this.announcedAt = announcedAt;
            this.latencies = latencies;
        }

        @Override
        public boolean peerBlock(IpAddress source, long remainingSeconds, String origin) {
            Long sent = announcedAt.get(AddressText.text(source));
            if (sent != null) {
                long latency = System.nanoTime() - sent;
                synchronized (latencies) {
                    latencies.add(latency);
                }
            }
            return true;
        }

        @Override
        public void peerUnblock(IpAddress source, String origin) {
        }

        @Override
        public void portSweep(long timeMicros, IpAddress source, int port, long hostCount, List<String> hosts) {
        }
    }

    private static void run(int agents, int rate, int blocksPerSecond, int seconds) throws Exception {
        try (RedisServer redis = new RedisServer().start()) {
            Map<String, Long> announcedAt = new ConcurrentHashMap<>();
            List<Long> latencies = new ArrayList<>();
            List<Fleet> fleets = new ArrayList<>();
            List<ScanListener> reporters = new ArrayList<>();
            ScanListener none = new ScanListener() {
                @Override
                public void newConnection(SynHeader syn) {
                }

                @Override
                public void portScan(SynHeader syn, int sourceBits, int[] ports, int count) {
                }
            };
            for (int i = 0; i < agents; i++) {
                FleetSettings settings = new FleetSettings("127.0.0.1", redis.port(), 0, false,
                        Optional.of(RedisServer.PASSWORD), "agent-" + i, FleetSettings.DEFAULT_SWEEP_HOSTS);
                Fleet fleet = new Fleet(settings, 60_000, 3600, new Receiver(announcedAt, latencies));
                reporters.add(fleet.listening(none));
                fleets.add(fleet);
                fleet.start();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!fleets.stream().allMatch(Fleet::connected) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            long connected = fleets.stream().filter(Fleet::connected).count();
            Map<String, Long> before = info(redis);
            long cpuBefore = cpuTicks(redis.pid());
            long start = System.nanoTime();
            SynHeader syn = new SynHeader();
            syn.family = SynHeader.IPV4;
            int tick = 0;
            int ticks = seconds * 10;
            long blocked = 0;
            // One driver thread offers every agent's SYNs (each reporter has exactly one producer, as in the agent).
            for (; tick < ticks; tick++) {
                long tickStart = start + TimeUnit.MILLISECONDS.toNanos(100L * tick);
                long now = System.currentTimeMillis() * 1000;
                for (int a = 0; a < agents; a++) {
                    for (int s = 0; s < rate / 10; s++) {
                        syn.timestampMicros = now;
                        syn.srcLo = 0x0B000000L | (ThreadLocalRandom.current().nextInt() & 0x00FFFFFF);
                        syn.dstLo = 0x0A000000L | a;
                        syn.dstPort = 443;
                        reporters.get(a).newConnection(syn);
                    }
                }
                for (int b = 0; b < blocksPerSecond / 10 + (tick % 10 < blocksPerSecond % 10 ? 1 : 0); b++) {
                    IpAddress address = IpAddress.ipv4(0xC6120000L | (blocked++ & 0xFFFF));
                    announcedAt.put(AddressText.text(address), System.nanoTime());
                    fleets.get(ThreadLocalRandom.current().nextInt(agents)).announce(Cidr.host(address), 3600);
                }
                long sleep = tickStart + TimeUnit.MILLISECONDS.toNanos(100) - System.nanoTime();
                if (sleep > 0) {
                    TimeUnit.NANOSECONDS.sleep(sleep);
                }
            }
            Thread.sleep(2000); // the last announcements arrive
            double elapsed = (System.nanoTime() - start) / 1e9;
            long cpuAfter = cpuTicks(redis.pid());
            Map<String, Long> after = info(redis);
            long dropped = 0;
            for (Fleet fleet : fleets) {
                dropped += fleet.messages(FleetStats.Direction.OUT, FleetStats.MessageResult.DROPPED)
                        + fleet.messages(FleetStats.Direction.OUT, FleetStats.MessageResult.FAILED);
            }
            long[] sorted;
            synchronized (latencies) {
                sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            }
            System.out.printf(Locale.ROOT, "%d\t%d\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f\t%.1f\t%.1f\t%.1f\t%d\t%d%n",
                    agents, rate, blocksPerSecond, sorted.length, percentile(sorted, 0.50), percentile(sorted, 0.99),
                    percentile(sorted, 1.0), 100.0 * (cpuAfter - cpuBefore) / CLOCK_TICKS / elapsed,
                    (after.get("total_commands_processed") - before.get("total_commands_processed")) / elapsed,
                    (after.get("total_net_input_bytes") - before.get("total_net_input_bytes")) / 1024.0 / elapsed,
                    (after.get("total_net_output_bytes") - before.get("total_net_output_bytes")) / 1024.0 / elapsed,
                    after.get("used_memory") / 1048576.0, dropped, connected);
            for (Fleet fleet : fleets) {
                fleet.close();
            }
        }
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }

    private static Map<String, Long> info(RedisServer redis) {
        Map<String, Long> values = new ConcurrentHashMap<>();
        for (String line : redis.cli("INFO").split("\n")) {
            String[] parts = line.trim().split(":", 2);
            if (parts.length == 2 && parts[1].matches("\\d+")) {
                values.put(parts[0], Long.parseLong(parts[1]));
            }
        }
        return values;
    }

    /** utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15). */
    private static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
}
