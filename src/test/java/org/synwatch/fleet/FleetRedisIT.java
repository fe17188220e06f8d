package org.synwatch.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.synwatch.testing.RedisServer.await;
import static org.synwatch.testing.Syns.syn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.synwatch.config.Cidr;
import org.synwatch.config.FleetSettings;
import org.synwatch.config.IpAddress;
import org.synwatch.detect.ScanListener;
import org.synwatch.packet.SynHeader;
import org.synwatch.report.AddressText;
import org.synwatch.testing.Commands;
import org.synwatch.testing.RedisServer;

/**
 * Fleets of in-process agents against a real redis-server (Debian's package), started privately
 * for each test. Waits are bounded polls; nothing here measures time.
 */
class FleetRedisIT {
    private static final long WAIT_MILLIS = 20_000;
    private static final long SCANNER = 0xC0000238L; // 192.0.2.56
    private static final long T0 = System.currentTimeMillis() * 1000;
    private RedisServer redis;
    private final List<Fleet> fleets = new ArrayList<>();

    /** Records what the fleet asks of "this host"; refuses the addresses in {@code refuse}. FleetTlsIT uses it too. */
    static final class Host implements FleetDecisions {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final Set<String> refuse;

        Host(String... refuse) {
            this.refuse = Set.of(refuse);
        }

        @Override
        public boolean peerBlock(IpAddress source, long remainingSeconds, String origin) {
            String address = AddressText.text(source);
            calls.add("block " + address + " " + origin + " " + remainingSeconds);
            return !refuse.contains(address);
        }

        @Override
        public void peerUnblock(IpAddress source, String origin) {
            calls.add("unblock " + AddressText.text(source) + " " + origin);
        }

        @Override
        public void portSweep(long timeMicros, IpAddress source, int port, long hostCount, List<String> hosts) {
            List<String> sorted = new ArrayList<>(hosts);
            Collections.sort(sorted);
            calls.add("sweep " + AddressText.text(source) + " " + port + " " + hostCount + " " + sorted);
        }

        List<String> starting(String prefix) {
            return calls.stream().filter(c -> c.startsWith(prefix)).toList();
        }
    }

    @BeforeEach
    void startRedis() throws Exception {
        assumeTrue(Commands.available("redis-server") && Commands.available("redis-cli"),
                "redis-server is missing; skipped (make deps installs it)");
        redis = new RedisServer().start();
    }

    @AfterEach
    void stopAll() throws Exception {
        for (Fleet fleet : fleets) {
            fleet.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private FleetSettings settings(String name, int sweepHosts) throws Exception {
        return new FleetSettings("127.0.0.1", redis.port(), 0, false, Optional.of(RedisServer.PASSWORD), name, sweepHosts);
    }

    private Fleet join(String name, Host host) throws Exception {
        return join(settings(name, 10), host);
    }

    private Fleet join(FleetSettings settings, Host host) {
        Fleet fleet = new Fleet(settings, 60_000, 3600, host);
        fleets.add(fleet);
        return fleet;
    }

    private static ScanListener ignoring() {
        return new ScanListener() {
            @Override
            public void newConnection(SynHeader syn) {
            }

            @Override
            public void portScan(SynHeader syn, int sourceBits, int[] ports, int count) {
            }
        };
    }

    @Test
    void aBlockOnOneIsAppliedOnTheOthersForItsRemainingTime() throws Exception {
        Host a = new Host();
        Host b = new Host();
        Host c = new Host("192.0.2.56");
        Fleet fleetA = join("node-a", a);
        Fleet fleetB = join("node-b", b);
        Fleet fleetC = join("node-c", c);
        for (Fleet fleet : fleets) {
            fleet.start();
        }
        assertTrue(await(WAIT_MILLIS, () -> fleetA.connected() && fleetB.connected() && fleetC.connected()));
        assertTrue(redis.cli("ACL", "LIST").contains("user default on sanitize-payload"), "the shipped ACL is in force");
        assertTrue(redis.cli("ACL", "LIST").contains("~synwatch:* resetchannels &synwatch:* -@all"), redis.cli("ACL", "LIST"));
        fleetA.announce(Cidr.host(IpAddress.ipv4(SCANNER)), 3600);
        assertTrue(await(WAIT_MILLIS, () -> !b.calls.isEmpty() && !c.calls.isEmpty()));
        assertEquals(List.of("block 192.0.2.56 node-a 3600"), b.calls);
        assertEquals(List.of("block 192.0.2.56 node-a 3600"), c.calls);
        assertEquals(List.of(), a.calls, "an agent ignores its own announcements");
        assertEquals("node-a", redis.cli("GET", "synwatch:block:192.0.2.56"));
        long ttl = Long.parseLong(redis.cli("PTTL", "synwatch:block:192.0.2.56"));
        assertTrue(ttl > 3_500_000 && ttl <= 3_600_000, "TTL " + ttl);
        assertEquals(1, fleetA.blocks(FleetStats.BlockResult.ANNOUNCED));
        assertEquals(1, fleetB.blocks(FleetStats.BlockResult.APPLIED));
        assertEquals(1, fleetC.blocks(FleetStats.BlockResult.REFUSED), "C's own checks refused it");
        assertEquals(1, fleetB.messages(FleetStats.Direction.IN, FleetStats.MessageResult.RECEIVED));
    }

    @Test
    void aStartingAgentAdoptsLiveDecisionsAndAnUnblockLiftsThemFleetWide() throws Exception {
        Host a = new Host();
        Fleet fleetA = connected("node-a", a);
        fleetA.announce(Cidr.host(IpAddress.ipv4(SCANNER)), 600);
        fleetA.announce(Cidr.host(new IpAddress(IpAddress.IPV6, 0x20010DB800000000L, 1)), 1200);
        assertTrue(await(WAIT_MILLIS, () -> redis.cli("EXISTS", "synwatch:block:2001:db8::1").equals("1")));
        redis.cli("SET", "synwatch:block:not-an-address", "node-x", "PX", "60000");
        redis.cli("SET", "synwatch:block:192.0.2.99", "bad name!", "PX", "60000");

        Host d = new Host();
        Fleet fleetD = join("node-d", d);
        fleetD.start();
        assertTrue(await(WAIT_MILLIS, () -> d.calls.size() >= 2));
        List<String> adopted = new ArrayList<>(d.calls);
        Collections.sort(adopted);
        assertTrue(adopted.get(0).matches("block 192\\.0\\.2\\.56 node-a (59\\d|600)"), adopted.toString());
        assertTrue(adopted.get(1).matches("block 2001:db8::1 node-a (119\\d|1200)"), adopted.toString());
        assertEquals(2, adopted.size());
        assertEquals(2, fleetD.messages(FleetStats.Direction.IN, FleetStats.MessageResult.INVALID));

        assertTrue(Fleet.unblockFleetWide(settings("operator", 10), IpAddress.ipv4(SCANNER)));
        assertTrue(await(WAIT_MILLIS, () -> !d.starting("unblock").isEmpty() && !a.starting("unblock").isEmpty()));
        assertEquals(List.of("unblock 192.0.2.56 operator"), d.starting("unblock"));
        assertEquals(List.of("unblock 192.0.2.56 operator"), a.starting("unblock"));
        assertEquals("0", redis.cli("EXISTS", "synwatch:block:192.0.2.56"));
        assertFalse(Fleet.unblockFleetWide(settings("operator", 10), IpAddress.ipv4(SCANNER)));
    }

    @Test
    void aSweepAcrossHostsIsReportedOnceByTheAgentThatCrossed() throws Exception {
        Host[] hosts = {new Host(), new Host(), new Host()};
        ScanListener[] listeners = new ScanListener[3];
        for (int i = 0; i < 3; i++) {
            Fleet fleet = join(settings("node-" + i, 2), hosts[i]);
            listeners[i] = fleet.listening(ignoring());
            fleet.start();
        }
        assertTrue(await(WAIT_MILLIS, () -> fleets.stream().allMatch(Fleet::connected)));
        // Each agent sees the scanner's SYNs to its own address only, twice (the second is no news).
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 3; i++) {
                listeners[i].newConnection(syn(T0 + round, "192.0.2.56", 40000 + round, "10.0.0." + (i + 1), 22));
                int agent = i;
                assertTrue(await(WAIT_MILLIS, () -> redis.cli("ZSCORE", "synwatch:sweep:22:192.0.2.56", "10.0.0." + (agent + 1))
                        .matches("\\d+")));
            }
        }
        assertTrue(await(WAIT_MILLIS, () -> !hosts[2].calls.isEmpty()));
        assertEquals(List.of("sweep 192.0.2.56 22 3 [10.0.0.1, 10.0.0.2, 10.0.0.3]"), hosts[2].calls,
                "the third host's report crossed 2");
        assertEquals(List.of(), hosts[0].calls);
        assertEquals(List.of(), hosts[1].calls);
        // Another source to another port stays below the threshold.
        listeners[0].newConnection(syn(T0, "192.0.2.57", 40000, "10.0.0.1", 80));
        listeners[1].newConnection(syn(T0, "192.0.2.57", 40000, "10.0.0.2", 80));
        assertTrue(await(WAIT_MILLIS, () -> redis.cli("ZCARD", "synwatch:sweep:80:192.0.2.57").equals("2")));
        long ttl = Long.parseLong(redis.cli("PTTL", "synwatch:sweep:80:192.0.2.57"));
        assertTrue(ttl > 0 && ttl <= 60_000, "sweep keys live one window: " + ttl);
        assertEquals("node-2", redis.cli("GET", "synwatch:swept:22:192.0.2.56"));
        assertEquals(1, hosts[2].calls.size(), "reported once");
    }

    @Test
    void unreachableAtStartRunsAloneThenJoinsAndSendsWhatWasQueued() throws Exception {
        redis.stop();
        Host a = new Host();
        Fleet fleetA = join("node-a", a);
        fleetA.start();
        fleetA.announce(Cidr.host(IpAddress.ipv4(SCANNER)), 3600);
        assertFalse(fleetA.connected());
        redis.start();
        assertTrue(await(WAIT_MILLIS, () -> redis.cli("GET", "synwatch:block:192.0.2.56").equals("node-a")));
        assertTrue(await(WAIT_MILLIS, fleetA::connected));
    }

    private Fleet connected(String name, Host host) throws Exception {
        Fleet fleet = join(name, host);
        fleet.start();
        assertTrue(await(WAIT_MILLIS, fleet::connected));
        return fleet;
    }

    @Test
    void redisLostMidRunQueuesThenResyncsOnReconnect() throws Exception {
        Host b = new Host();
        Fleet fleetA = connected("node-a", new Host());
        Fleet fleetB = connected("node-b", b);
        redis.stop();
        assertTrue(await(WAIT_MILLIS, () -> !fleetA.connected() && !fleetB.connected()));
        // Local blocking goes on; the announcement waits in the queue.
        fleetA.announce(Cidr.host(IpAddress.ipv4(SCANNER)), 3600);
        redis.start();
        assertTrue(await(WAIT_MILLIS, () -> fleetA.connected() && fleetB.connected()));
        assertTrue(await(WAIT_MILLIS, () -> !b.calls.isEmpty()));
        assertEquals("block 192.0.2.56 node-a", b.calls.getFirst().substring(0, "block 192.0.2.56 node-a".length()));
        assertEquals("node-a", redis.cli("GET", "synwatch:block:192.0.2.56"));
    }

    @Test
    void aDroppedConnectionResyncsWithoutRepeatingWhatIsInForce() throws Exception {
        Host b = new Host();
        Fleet fleetA = connected("node-a", new Host());
        Fleet fleetB = connected("node-b", b);
        fleetA.announce(Cidr.host(IpAddress.ipv4(SCANNER)), 3600);
        assertTrue(await(WAIT_MILLIS, () -> !b.calls.isEmpty()));
        // A decision B missed: written while its subscription is cut, with the data kept (a network blip).
        redis.cli("CLIENT", "KILL", "TYPE", "pubsub");
        redis.cli("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
        redis.cli("SET", "synwatch:block:192.0.2.99", "node-x", "PX", "600000");
        assertTrue(await(WAIT_MILLIS, () -> b.calls.size() >= 2 && fleetB.connected()));
        assertEquals(List.of("block 192.0.2.56 node-a 3600", "block 192.0.2.99 node-x 600"), b.calls,
                "the missed decision is adopted, the one in force is not applied again");
    }

    @Test
    void decisionQueueHoldsItsCapacityThenDropsAndCounts() throws Exception {
        redis.stop();
        Fleet fleetA = join("node-a", new Host());
        // Not started: nothing drains the queue.
        for (int i = 0; i < Fleet.DECISION_QUEUE_CAPACITY; i++) {
            fleetA.announce(Cidr.host(IpAddress.ipv4(0xC6336400L + i)), 3600);
        }
        assertEquals(0, fleetA.messages(FleetStats.Direction.OUT, FleetStats.MessageResult.DROPPED));
        fleetA.announce(Cidr.host(IpAddress.ipv4(SCANNER)), 3600);
        assertEquals(1, fleetA.messages(FleetStats.Direction.OUT, FleetStats.MessageResult.DROPPED));
        redis.start();
    }

    @Test
    void aWrongPasswordIsAnOutageNotACrash() throws Exception {
        Fleet fleet = join(new FleetSettings("127.0.0.1", redis.port(), 0, false, Optional.of("wrong"), "node-a", 10),
                new Host());
        fleet.start();
        fleet.announce(Cidr.host(IpAddress.ipv4(SCANNER)), 3600);
        assertFalse(await(1000, fleet::connected));
        assertEquals("0", redis.cli("EXISTS", "synwatch:block:192.0.2.56"));
    }

    @Test
    void messagesThatAreNotSynwatchsAreCountedAndIgnored() throws Exception {
        Host b = new Host();
        Fleet fleetB = connected("node-b", b);
        redis.cli("PUBLISH", "synwatch:blocks", "block 10.0.0.1; flush ruleset node-x 1000");
        redis.cli("PUBLISH", "synwatch:blocks", "block 10.0.0.1 node-x 999999999999");
        redis.cli("PUBLISH", "synwatch:blocks", "block 10.0.0.1 node-x 5000");
        assertTrue(await(WAIT_MILLIS, () -> !b.calls.isEmpty()));
        assertEquals(List.of("block 10.0.0.1 node-x 5"), b.calls);
        assertEquals(2, fleetB.messages(FleetStats.Direction.IN, FleetStats.MessageResult.INVALID));
    }
}
