package org.synwatch.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.synwatch.testing.NetworkNamespaces.CLIENT_IPV4;
import static org.synwatch.testing.NetworkNamespaces.CLIENT_IPV6;
import static org.synwatch.testing.NetworkNamespaces.TARGET_IPV4;
import static org.synwatch.testing.NetworkNamespaces.TARGET_IPV6;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synwatch.testing.Commands;
import org.synwatch.testing.NetworkNamespaces;
import org.synwatch.testing.SynwatchProcess;

/**
 * bin/synwatch capturing live on one end of a veth pair while real connections come from another
 * namespace. Latencies are printed, not asserted: the machines are shared and noisy; the generous
 * timeouts only stop a broken run from hanging.
 */
class LiveCaptureIT {
    private static final Duration READY = Duration.ofSeconds(20);
    private static final Duration EVENT = Duration.ofSeconds(10);
    private static final String LINE_PREFIX = "^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d: ";
    private static NetworkNamespaces net;

    @BeforeAll
    static void createNamespaces() {
        assumeTrue(Commands.isRoot(), "live capture needs root to create network namespaces; skipped");
        assumeTrue(Commands.available("ip"), "iproute2's ip is missing; skipped (make deps installs it)");
        net = new NetworkNamespaces("live");
    }

    @AfterAll
    static void deleteNamespaces() {
        if (net != null) {
            net.close();
        }
    }

    /** Blocking is the end-to-end test's subject; here it would only drop the client's later SYNs. */
    private static SynwatchProcess startOn(String iface, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("-i", iface));
        args.addAll(List.of(more.length == 0 ? new String[] {"--no-block"} : more));
        return start(iface, args.toArray(String[]::new));
    }

    /** GET /metrics inside the target namespace, with bash's /dev/tcp so no HTTP client is needed. */
    private static String scrapeMetrics() {
        return Commands.run(NetworkNamespaces.in(net.target, "timeout", "5", "bash", "-c",
                "exec 3<>/dev/tcp/127.0.0.1/9897 && printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3"));
    }

    private static double metric(String metrics, String sample) {
        return metrics.lines().filter(l -> l.startsWith(sample + " ")).mapToDouble(l -> Double.parseDouble(l.substring(sample.length() + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no sample " + sample + " in\n" + metrics));
    }

    private static SynwatchProcess start(String expectedInterface, String... args) throws Exception {
        List<String> command = Commands.launcher(args);
        SynwatchProcess synwatch = new SynwatchProcess(NetworkNamespaces.in(net.target, command.toArray(String[]::new)));
        assertTrue(synwatch.awaitStderr("capturing on " + expectedInterface + " ", READY),
                () -> "not capturing on " + expectedInterface + ": " + synwatch.stderr());
        return synwatch;
    }

    private static void assertStderrHas(SynwatchProcess synwatch, Predicate<String> line) {
        assertTrue(synwatch.stderr().stream().anyMatch(line), () -> String.join("\n", synwatch.stderr()));
    }

    private static Pattern newConnection(String from, String to) {
        return Pattern.compile(LINE_PREFIX + "New connection: " + Pattern.quote(from) + ":\\d+ -> " + Pattern.quote(to) + "$");
    }

    @Test
    void reportsConnectionsFromAnotherNamespaceAtOnce() throws Exception {
        try (SynwatchProcess synwatch = startOn(net.targetLink, "--dry-run", "--metrics-address", "127.0.0.1:9897")) {
            for (int port : new int[] {8080, 8081, 8082}) {
                long start = System.nanoTime();
                net.connectFromClient(TARGET_IPV4, port);
                String line = synwatch.awaitLine(newConnection(CLIENT_IPV4, TARGET_IPV4 + ":" + port), EVENT);
                assertNotNull(line, "no line for port " + port + "; stderr: " + synwatch.stderr());
                System.out.printf("live IPv4 SYN to :%d reported %.1f ms after connect() started%n", port,
                        (System.nanoTime() - start) / 1e6);
            }
            long start = System.nanoTime();
            net.connectFromClient(TARGET_IPV6, 443);
            assertNotNull(synwatch.awaitLine(newConnection("[" + CLIENT_IPV6 + "]", "[" + TARGET_IPV6 + "]:443"), EVENT));
            System.out.printf("live IPv6 SYN reported %.1f ms after connect() started%n", (System.nanoTime() - start) / 1e6);

            net.connectFromClient(TARGET_IPV4, 8083);
            assertNotNull(synwatch.awaitLine(Pattern.compile(LINE_PREFIX + "Port scan detected: "
                    + Pattern.quote(CLIENT_IPV4 + " -> " + TARGET_IPV4 + " on ports 8080,8081,8082,8083") + "$"), EVENT));
            assertNotNull(synwatch.awaitLine(Pattern.compile(LINE_PREFIX + Pattern.quote("Would block " + CLIENT_IPV4
                    + " for 1h (dry run)") + "$"), EVENT));

            String metrics = scrapeMetrics();
            assertEquals(4, metric(metrics, "synwatch_new_connections_total{family=\"ipv4\",}"), metrics);
            assertEquals(1, metric(metrics, "synwatch_new_connections_total{family=\"ipv6\",}"), metrics);
            assertEquals(1, metric(metrics, "synwatch_port_scans_detected_total"));
            assertEquals(1, metric(metrics, "synwatch_blocks_total{result=\"dry_run\",}"));
            assertEquals(0, metric(metrics, "synwatch_blocks_total{result=\"added\",}"));
            assertEquals(0, metric(metrics, "synwatch_blocks_total{result=\"allowlisted\",}"));
            assertEquals(0, metric(metrics, "synwatch_blocks_total{result=\"failed\",}"));
            assertEquals(0, metric(metrics, "synwatch_blocked_sources"));
            assertTrue(metric(metrics, "synwatch_packets_captured_total") >= 5);
            assertEquals(0, metric(metrics, "synwatch_packets_malformed_total"));
            assertEquals(0, metric(metrics, "synwatch_syn_retransmissions_total"));
            assertEquals(0, metric(metrics, "synwatch_capture_dropped_packets_total{where=\"kernel\",}"));
            assertEquals(0, metric(metrics, "synwatch_capture_dropped_packets_total{where=\"interface\",}"));
            assertEquals(0, metric(metrics, "synwatch_ring_dropped_total"));
            assertEquals(2, metric(metrics, "synwatch_tracked_pairs"));
            assertEquals(0, metric(metrics, "synwatch_tracked_pairs_evicted_total{kind=\"single_port\",}"));
            assertEquals(1_000_000, metric(metrics, "synwatch_tracked_pairs_limit"));
            assertEquals(4_194_304, metric(metrics, "synwatch_tracked_syns_limit"));
            assertTrue(metrics.contains("synwatch_build_info{version="), metrics);
            // Both pipeline threads have run (the capture thread has parsed packets, the detector
            // formatted lines); a dry run starts no blocker, so it has no sample.
            assertTrue(metric(metrics, "synwatch_thread_cpu_seconds_total{thread=\"capture\",}") > 0, metrics);
            assertTrue(metric(metrics, "synwatch_thread_cpu_seconds_total{thread=\"detector\",}") > 0, metrics);
            assertFalse(metrics.contains("synwatch_thread_cpu_seconds_total{thread=\"blocker\""), metrics);
            assertTrue(metrics.contains("jvm_memory_bytes_used"), "the JVM's default exports");
            for (String address : List.of(CLIENT_IPV4, TARGET_IPV4, CLIENT_IPV6, TARGET_IPV6, "8080")) {
                assertFalse(metrics.contains(address), "no metric names an address or port: " + address);
            }

            assertEquals(0, synwatch.terminate(Duration.ofSeconds(10)), "SIGTERM exits 0");
            assertStderrHas(synwatch, l -> l.contains("kernel blocks of at most 2 ms"));
            assertTrue(synwatch.stderr().stream().noneMatch(l -> l.contains("ERROR") || l.contains("Exception")),
                    () -> String.join("\n", synwatch.stderr()));
        }
    }

    @Test
    void immediateModeReportsConnectionsAndSaysSo() throws Exception {
        try (SynwatchProcess synwatch = startOn(net.targetLink, "--no-block", "--immediate-mode")) {
            net.connectFromClient(TARGET_IPV4, 6060);
            assertNotNull(synwatch.awaitLine(newConnection(CLIENT_IPV4, TARGET_IPV4 + ":6060"), EVENT));
            assertEquals(0, synwatch.terminate(Duration.ofSeconds(10)));
            assertStderrHas(synwatch, l -> l.contains("capturing on " + net.targetLink) && l.contains("immediate mode"));
            assertStderrHas(synwatch, l -> l.contains("capture stopped: captured ")
                    && l.contains("dropped 0 in the kernel, 0 at the interface, 0 in the ring"));
        }
    }

    @Test
    void anUnreachableFleetIsOneWarningAndTheAgentWorksAlone() throws Exception {
        try (SynwatchProcess synwatch = startOn(net.targetLink, "--no-block", "--metrics-address", "127.0.0.1:9897",
                "--fleet", "redis://127.0.0.1:1", "--fleet-name", "lonely")) {
            net.connectFromClient(TARGET_IPV4, 6161);
            assertNotNull(synwatch.awaitLine(newConnection(CLIENT_IPV4, TARGET_IPV4 + ":6161"), EVENT));
            // Several retries happen meanwhile (100, 200, 400, 800 ms): still one line.
            Thread.sleep(2000);
            String metrics = scrapeMetrics();
            assertEquals(0.0, metric(metrics, "synwatch_fleet_connected"));
            assertEquals(0, synwatch.terminate(Duration.ofSeconds(10)));
            assertEquals(1, synwatch.stderr().stream().filter(l -> l.contains("fleet: cannot reach redis://127.0.0.1:1")).count(),
                    () -> String.join("\n", synwatch.stderr()));
            assertTrue(synwatch.stderr().stream().noneMatch(l -> l.contains("ERROR") || l.contains("Exception")),
                    () -> String.join("\n", synwatch.stderr()));
        }
    }

    @Test
    void capturesOnTheAnyInterface() throws Exception {
        try (SynwatchProcess synwatch = startOn("any")) {
            net.connectFromClient(TARGET_IPV4, 9090);
            assertNotNull(synwatch.awaitLine(newConnection(CLIENT_IPV4, TARGET_IPV4 + ":9090"), EVENT));
            net.connectFromClient(TARGET_IPV6, 9091);
            assertNotNull(synwatch.awaitLine(newConnection("[" + CLIENT_IPV6 + "]", "[" + TARGET_IPV6 + "]:9091"), EVENT));
            assertEquals(0, synwatch.terminate(Duration.ofSeconds(10)));
        }
    }

    @Test
    void defaultsToTheFirstInterfaceThatIsUpAndNotLoopback() throws Exception {
        try (SynwatchProcess synwatch = start(net.targetLink)) {
            net.connectFromClient(TARGET_IPV4, 7070);
            assertNotNull(synwatch.awaitLine(newConnection(CLIENT_IPV4, TARGET_IPV4 + ":7070"), EVENT));
            assertEquals(0, synwatch.terminate(Duration.ofSeconds(10)));
        }
    }

    @Test
    void stopsPromptlyOnAQuietLink() throws Exception {
        try (SynwatchProcess synwatch = startOn(net.targetLink)) {
            Thread.sleep(1500);
            long start = System.nanoTime();
            int status = synwatch.terminate(Duration.ofSeconds(10));
            System.out.printf("SIGTERM on an idle link: exited %d after %.0f ms%n", status, (System.nanoTime() - start) / 1e6);
            assertEquals(0, status);
        }
    }

    @Test
    void sigintAlsoExitsZeroAfterReportingWhatWasCaptured() throws Exception {
        try (SynwatchProcess synwatch = startOn(net.targetLink)) {
            net.connectFromClient(TARGET_IPV4, 6060);
            int status = synwatch.interrupt(Duration.ofSeconds(10));
            assertEquals(0, status);
            List<String> rest = synwatch.remainingLines();
            assertTrue(rest.stream().anyMatch(l -> l.endsWith(" -> " + TARGET_IPV4 + ":6060")), rest::toString);
        }
    }

    /** A vanished interface is fatal by design: exit 1 lets systemd's Restart=on-failure take over. */
    @Test
    void interfaceRemovedWhileCapturingExitsOneWithOneLine() throws Exception {
        Commands.run("ip", "-n", net.target, "link", "add", "swgone0", "type", "veth", "peer", "name", "swgone1");
        Commands.run("ip", "-n", net.target, "link", "set", "swgone0", "up");
        Commands.run("ip", "-n", net.target, "link", "set", "swgone1", "up");
        try (SynwatchProcess synwatch = startOn("swgone0")) {
            Commands.run("ip", "-n", net.target, "link", "del", "swgone0");
            assertEquals(1, synwatch.awaitExit(Duration.ofSeconds(10)));
            List<String> errors = synwatch.stderr().stream().filter(l -> l.startsWith("synwatch: ")).toList();
            assertEquals(1, errors.size(), () -> String.join("\n", synwatch.stderr()));
            assertTrue(errors.get(0).contains("The interface disappeared") && errors.get(0).contains("Restart=on-failure"),
                    errors.get(0));
        }
    }

    @Test
    void withoutPrivilegesOneClearLine(@TempDir Path copy) throws IOException {
        assumeTrue(Commands.available("setpriv"), "setpriv (util-linux) missing; skipped");
        List<String> command = new java.util.ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"));
        command.addAll(Commands.launcherForOtherUsers(copy, "-i", "lo"));
        Commands.Result result = Commands.tryRun(NetworkNamespaces.in(net.target, command.toArray(String[]::new)));
        assertEquals(1, result.status(), result.output());
        assertEquals(1, result.output().lines().count(), result.output());
        assertTrue(result.output().contains("permission") || result.output().contains("Operation not permitted"), result.output());
        assertTrue(result.output().contains("CAP_NET_RAW"), result.output());
    }
}
