package org.synwatch.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.synwatch.testing.NetworkNamespaces.CLIENT_IPV4;
import static org.synwatch.testing.NetworkNamespaces.CLIENT_IPV6;
import static org.synwatch.testing.NetworkNamespaces.TARGET_IPV4;
import static org.synwatch.testing.NetworkNamespaces.TARGET_IPV6;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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

    private static SynwatchProcess startOn(String iface) throws Exception {
        return start(iface, "-i", iface);
    }

    private static SynwatchProcess start(String expectedInterface, String... args) throws Exception {
        List<String> command = Commands.launcher(args);
        SynwatchProcess synwatch = new SynwatchProcess(NetworkNamespaces.in(net.target, command.toArray(String[]::new)));
        assertTrue(synwatch.awaitStderr("capturing on " + expectedInterface + " ", READY),
                () -> "not capturing on " + expectedInterface + ": " + synwatch.stderr());
        return synwatch;
    }

    private static Pattern newConnection(String from, String to) {
        return Pattern.compile(LINE_PREFIX + "New connection: " + Pattern.quote(from) + ":\\d+ -> " + Pattern.quote(to) + "$");
    }

    @Test
    void reportsConnectionsFromAnotherNamespaceAtOnce() throws Exception {
        try (SynwatchProcess synwatch = startOn(net.targetLink)) {
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

            assertEquals(0, synwatch.terminate(Duration.ofSeconds(10)), "SIGTERM exits 0");
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
    void withoutPrivilegesOneClearLine() {
        assumeTrue(Commands.available("setpriv"), "setpriv (util-linux) missing; skipped");
        List<String> command = new java.util.ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"));
        command.addAll(Commands.launcher("-i", "lo"));
        Commands.Result result = Commands.tryRun(NetworkNamespaces.in(net.target, command.toArray(String[]::new)));
        assertEquals(1, result.status(), result.output());
        assertEquals(1, result.output().lines().count(), result.output());
        assertTrue(result.output().contains("permission") || result.output().contains("Operation not permitted"), result.output());
        assertTrue(result.output().contains("CAP_NET_RAW"), result.output());
    }
}
