package org.synwatch.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.synwatch.config.BlockSettings;
import org.synwatch.config.Cidr;
import org.synwatch.config.IpAddress;
import org.synwatch.config.OutputFormat;
import org.synwatch.report.AddressText;
import org.synwatch.report.EventOutput;
import org.synwatch.report.EventWriter;
import org.synwatch.report.Observer;
import org.synwatch.testing.Commands;

/** Firewall faults while running: the blocker counts them, keeps going, and heals when it can. */
class BlockerIT {
    private static final long T0 = 1_619_623_685_000_000L;
    private final String namespace = "sw-blk-" + ProcessHandle.current().pid();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @BeforeEach
    void createNamespace() {
        assumeTrue(Commands.isRoot(), "nftables in a namespace needs root; skipped");
        assumeTrue(Commands.available("nft"), "nft is missing; skipped");
        Commands.tryRun("ip", "netns", "del", namespace);
        Commands.run("ip", "netns", "add", namespace);
    }

    @AfterEach
    void deleteNamespace() {
        Commands.tryRun("ip", "netns", "del", namespace);
    }

    private NftFirewall firewall() {
        return new NftFirewall(List.of("ip", "netns", "exec", namespace, "nft"));
    }

    private BlockGate gate;

    private Blocker blocker(NftFirewall firewall) {
        gate = BlockerTest.gate(new BlockSettings(BlockSettings.Mode.ENFORCE, 3600, List.of()), System::nanoTime);
        return new Blocker(firewall, new EventWriter(new EventOutput(out), ZoneOffset.UTC, OutputFormat.TEXT,
                Observer.local(Optional.empty())), gate);
    }

    private static IpAddress ipv4(int last) {
        return IpAddress.ipv4(0xC0000200L | last);
    }

    /** A prefix goes into the real interval set; one added by hand is adopted and counted in that set. */
    @Test
    void blocksAPrefixAndCountsTheIntervalSet() throws Exception {
        NftFirewall firewall = firewall();
        firewall.install(65536);
        Commands.run("ip", "netns", "exec", namespace, "nft", "add element inet synwatch blocked6net { 2001:db8:9::/64 timeout 1h }");
        Blocker blocker = blocker(firewall);
        blocker.start();
        blocker.submit(T0, Cidr.parse("test", "2001:db8:1:2::/64"), 3600, null);
        for (int i = 0; i < 250 && gate.blocked().count(NftFirewall.SET_IPV6_NETWORKS) < 2; i++) {
            Thread.sleep(20);  // the first resync runs after the first batch, on a thread of its own
        }
        blocker.close();
        assertEquals(2, gate.blocked().count(NftFirewall.SET_IPV6_NETWORKS), "the adopted prefix and ours");
        assertEquals(List.of("2001:db8:1:2::/64", "2001:db8:9::/64"),
                firewall.blocked().stream().map(NftFirewall.Entry::address).sorted().toList());
        assertEquals("2021-04-28 15:28:05: Blocked 2001:db8:1:2::/64 for 1h", out.toString(StandardCharsets.US_ASCII).strip());
    }

    @Test
    void recreatesItsTableWhenSomeoneDeletesIt() throws Exception {
        NftFirewall firewall = firewall();
        firewall.install(BlockSettings.DEFAULT_MAX_BLOCKED);
        Blocker blocker = blocker(firewall);
        blocker.start();
        blocker.submit(T0, Cidr.host(ipv4(66)), 3600, null);
        for (int i = 0; i < 100 && firewall.blocked().isEmpty(); i++) {
            Thread.sleep(20);
        }
        Commands.run("ip", "netns", "exec", namespace, "nft", "delete", "table", "inet", "synwatch");
        blocker.submit(T0, Cidr.host(ipv4(67)), 3600, null);
        blocker.close();
        assertTrue(firewall.tableExists(), "the table is back");
        assertEquals(List.of("192.0.2.67"), firewall.blocked().stream().map(NftFirewall.Entry::address).toList());
        assertEquals(2, gate.blocks(BlockStats.Result.ADDED));
        assertEquals(0, gate.blocks(BlockStats.Result.FAILED));
        assertEquals(List.of("2021-04-28 15:28:05: Blocked 192.0.2.66 for 1h", "2021-04-28 15:28:05: Blocked 192.0.2.67 for 1h"),
                out.toString(StandardCharsets.US_ASCII).lines().toList());
    }

    @Test
    void nftGoneOrForbiddenIsCountedAndBlockingResumesWhenItWorksAgain() throws Exception {
        NftFirewall working = firewall();
        working.install(BlockSettings.DEFAULT_MAX_BLOCKED);
        // The same blocker, with nft first refusing then working, as when a capability comes back.
        NftFirewall flaky = new NftFirewall(List.of("ip", "netns", "exec", namespace, "sh", "-c",
                "if [ -e " + marker() + " ]; then exec nft \"$@\"; else echo 'Error: Operation not permitted' >&2; exit 1; fi",
                "nft"));
        Blocker blocker = blocker(flaky);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(Blocker.class)).addAppender(logs);
        blocker.start();
        for (int i = 0; i < 5; i++) {
            blocker.submit(T0, Cidr.host(ipv4(70 + i)), 3600, null);
            // Each failure is counted before the next request: no race with the marker below.
            for (int wait = 0; wait < 1000 && gate.blocks(BlockStats.Result.FAILED) <= i; wait++) {
                Thread.sleep(10);
            }
        }
        Commands.run("touch", marker());
        blocker.submit(T0, Cidr.host(ipv4(99)), 3600, null);
        blocker.close();
        Commands.run("rm", "-f", marker());
        assertEquals(1, gate.blocks(BlockStats.Result.ADDED));
        assertEquals(5, gate.blocks(BlockStats.Result.FAILED), "every failed block is counted");
        assertEquals(1, logs.list.stream().filter(e -> e.getLevel() == Level.ERROR).count(), "logged once per kind");
        assertTrue(logs.list.stream().anyMatch(e -> e.getFormattedMessage().equals("blocking works again")));
        assertEquals(List.of("192.0.2.99"), working.blocked().stream().map(NftFirewall.Entry::address).toList());
    }

    @Test
    void fleetDecisionsKeepTheirRemainingTimeAndOnlyLocalBlocksAreAnnounced() throws Exception {
        NftFirewall firewall = firewall();
        firewall.install(BlockSettings.DEFAULT_MAX_BLOCKED);
        Blocker blocker = blocker(firewall);
        List<String> announced = new CopyOnWriteArrayList<>();
        blocker.listener((source, seconds) -> announced.add(AddressText.text(source) + " " + seconds));
        blocker.start();
        blocker.submit(T0, Cidr.host(ipv4(80)), 3600, null);
        blocker.submit(T0, Cidr.host(ipv4(81)), 120, "node-a");
        blocker.submit(T0, Cidr.host(ipv4(82)), 3552, "node-b");
        blocker.submitUnblock(T0, Cidr.host(ipv4(82)), "operator");
        blocker.close();
        assertEquals(List.of("192.0.2.80 3600"), announced, "a peer's decision is not announced again");
        Map<String, Long> expiries = firewall.blocked().stream()
                .collect(Collectors.toMap(NftFirewall.Entry::address, NftFirewall.Entry::expiresSeconds));
        assertEquals(Set.of("192.0.2.80", "192.0.2.81"), expiries.keySet(), "the unblock came after the block");
        // The local block got an hour, the peer's its remaining 2 minutes.
        assertTrue(expiries.get("192.0.2.80") > 3500 && expiries.get("192.0.2.80") <= 3600, expiries.toString());
        assertTrue(expiries.get("192.0.2.81") > 60 && expiries.get("192.0.2.81") <= 120, expiries.toString());
        assertEquals(List.of("2021-04-28 15:28:05: Blocked 192.0.2.80 for 1h",
                "2021-04-28 15:28:05: Blocked 192.0.2.81 for 2m (fleet: node-a)",
                "2021-04-28 15:28:05: Blocked 192.0.2.82 for 59m12s (fleet: node-b)"),
                out.toString(StandardCharsets.US_ASCII).lines().toList());
    }

    private String marker() {
        return "/tmp/" + namespace + ".nft-ok";
    }
}
