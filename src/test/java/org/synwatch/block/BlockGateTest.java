package org.synwatch.block;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.synwatch.config.BlockSettings;
import org.synwatch.config.Cidr;
import org.synwatch.config.IpAddress;

/** The decision point: reasons, their order, and the budgets at their bounds. */
class BlockGateTest {
    private static final long T0 = 1_619_623_685_000_000L;
    private static final long MINUTE_MICROS = 60_000_000L;
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final List<Cidr> asked = new ArrayList<>();
    private final List<Cidr> connected = new ArrayList<>();

    private BlockGate gate(int perMinute, int maxBlocked, AllowlistTest.Facts facts, List<Cidr> allow) throws Exception {
        BlockSettings settings = new BlockSettings(BlockSettings.Mode.ENFORCE, 3600, allow, Optional.empty(),
                perMinute, maxBlocked, false);
        return new BlockGate(settings, new Allowlist(allow, Optional.empty(), facts), peer -> {
            asked.add(peer);
            return connected.contains(peer);
        }, clock::get);
    }

    private static IpAddress ipv4(long address) {
        return IpAddress.ipv4(address);
    }

    @Test
    void eachProtectionHasItsReason() throws Exception {
        AllowlistTest.Facts facts = new AllowlistTest.Facts();
        facts.own = List.of(ipv4(0xC0000202L));
        facts.gateways = List.of(ipv4(0xC0000201L), new IpAddress(IpAddress.IPV6, 0xFE80000000000000L, 1));
        facts.nameServers = List.of(ipv4(0xC0000235L));
        BlockGate gate = gate(60, 100, facts, List.of(Cidr.parse("--allow", "198.51.100.0/24")));
        connected.add(Cidr.host(ipv4(0xCB007107L)));
        assertEquals(BlockStats.Result.GATEWAY, gate.consider(Cidr.host(ipv4(0xC0000201L)), T0));
        assertEquals(BlockStats.Result.GATEWAY, gate.consider(Cidr.host(new IpAddress(IpAddress.IPV6, 0xFE80000000000000L, 1)), T0),
                "an IPv6 link-local gateway says gateway, not just link-local");
        assertEquals(BlockStats.Result.OWN_ADDRESS, gate.consider(Cidr.host(ipv4(0xC0000202L)), T0));
        assertEquals(BlockStats.Result.OWN_ADDRESS, gate.consider(Cidr.host(ipv4(0x7F000001L)), T0));
        assertEquals(BlockStats.Result.NAME_SERVER, gate.consider(Cidr.host(ipv4(0xC0000235L)), T0));
        assertEquals(BlockStats.Result.ALLOWLISTED, gate.consider(Cidr.host(ipv4(0xC6336407L)), T0));
        assertEquals(BlockStats.Result.ESTABLISHED, gate.consider(Cidr.host(ipv4(0xCB007107L)), T0));
        assertEquals(BlockStats.Result.ADDED, gate.consider(Cidr.host(ipv4(0xCB007108L)), T0));
        assertEquals(List.of(Cidr.host(ipv4(0xCB007107L)), Cidr.host(ipv4(0xCB007108L))), asked, "the kernel is asked only about the unprotected");
        assertEquals(2, gate.blocks(BlockStats.Result.GATEWAY));
        assertEquals(1, gate.blocks(BlockStats.Result.ESTABLISHED));
        assertEquals(0, gate.blocks(BlockStats.Result.ADDED), "a go-ahead is counted by the blocker, by its outcome");
    }

    @Test
    void theRateBudgetHoldsAtItsBoundAndRefillsAfterAMinute() throws Exception {
        BlockGate gate = gate(60, 1000, new AllowlistTest.Facts(), List.of());
        for (int i = 0; i < 60; i++) {
            assertEquals(BlockStats.Result.ADDED, gate.consider(Cidr.host(ipv4(0x0A000000L + i)), T0 + i * 1000L));
        }
        for (int i = 60; i < 260; i++) {
            assertEquals(BlockStats.Result.RATE_LIMIT, gate.consider(Cidr.host(ipv4(0x0A000000L + i)), T0 + MINUTE_MICROS - 1));
        }
        assertEquals(60, asked.size(), "over budget, the kernel is not asked");
        assertEquals(200, gate.blocks(BlockStats.Result.RATE_LIMIT));
        assertEquals(BlockStats.Result.ADDED, gate.consider(Cidr.host(ipv4(0x0B000000L)), T0 + MINUTE_MICROS));
        assertEquals(BlockStats.Result.RATE_LIMIT, gate.consider(Cidr.host(ipv4(0x0B000001L)), T0 + MINUTE_MICROS),
                "one block left the window, one came in");
    }

    @Test
    void theSetBudgetHoldsAtItsBoundPerFamily() throws Exception {
        BlockGate gate = gate(1000, 3, new AllowlistTest.Facts(), List.of());
        for (int i = 0; i < 3; i++) {
            gate.blocked().added(Cidr.host(ipv4(0x0A000000L + i)));
        }
        assertEquals(BlockStats.Result.SET_FULL, gate.consider(Cidr.host(ipv4(0x0A0000FFL)), T0));
        assertEquals(BlockStats.Result.ALREADY_BLOCKED, gate.consider(Cidr.host(ipv4(0x0A000001L)), T0));
        assertEquals(BlockStats.Result.ADDED, gate.consider(Cidr.host(new IpAddress(IpAddress.IPV6, 0x20010DB800000000L, 7)), T0));
        clock.addAndGet(3600L * 1_000_000_000L);
        assertEquals(BlockStats.Result.ADDED, gate.consider(Cidr.host(ipv4(0x0A0000FFL)), T0), "room again once blocks expire");
    }

    @Test
    void aPrefixIsRefusedWhenItHoldsTheGatewayAndAskedAboutAsAWhole() throws Exception {
        AllowlistTest.Facts facts = new AllowlistTest.Facts();
        facts.gateways = List.of(IpAddress.parse("t", "2001:db8:1:2::1"));
        BlockGate gate = gate(60, 100, facts, List.of());
        Cidr gatewaysNetwork = Cidr.parse("t", "2001:db8:1:2::/64");
        Cidr scanners = Cidr.parse("t", "2001:db8:1:3::/64");
        connected.add(Cidr.parse("t", "2001:db8:1:4::/64"));
        assertEquals(BlockStats.Result.GATEWAY, gate.consider(gatewaysNetwork, T0));
        assertEquals(BlockStats.Result.ESTABLISHED, gate.consider(Cidr.parse("t", "2001:db8:1:4::/64"), T0));
        assertEquals(BlockStats.Result.ADDED, gate.consider(scanners, T0));
        assertEquals(List.of(Cidr.parse("t", "2001:db8:1:4::/64"), scanners), asked, "the kernel is asked about the prefix");
        gate.blocked().added(scanners);
        assertEquals(BlockStats.Result.ALREADY_BLOCKED, gate.consider(scanners, T0));
    }

    @Test
    void theSetBudgetCountsAPrefixAsOneElementOfItsOwnSet() throws Exception {
        BlockGate gate = gate(1000, 2, new AllowlistTest.Facts(), List.of());
        gate.blocked().added(Cidr.parse("t", "2001:db8::1"));
        gate.blocked().added(Cidr.parse("t", "2001:db8::2"));
        assertEquals(BlockStats.Result.SET_FULL, gate.consider(Cidr.parse("t", "2001:db8::3"), T0));
        gate.blocked().added(Cidr.parse("t", "2001:db8:1:1::/64"));
        assertEquals(BlockStats.Result.ADDED, gate.consider(Cidr.parse("t", "2001:db8:1:2::/64"), T0),
                "the interval set has a size of its own");
        gate.blocked().added(Cidr.parse("t", "2001:db8:1:2::/64"));
        assertEquals(BlockStats.Result.SET_FULL, gate.consider(Cidr.parse("t", "2001:db8:1:3::/64"), T0), "at the bound: 2 prefixes");
        assertEquals(4, gate.blockedSources());
    }

    @Test
    void aFailingConnectionCheckDoesNotDisarmBlocking() throws Exception {
        BlockSettings settings = new BlockSettings(BlockSettings.Mode.ENFORCE, 3600, List.of());
        BlockGate gate = new BlockGate(settings, new Allowlist(List.of(), Optional.empty(), new AllowlistTest.Facts()), peer -> {
            throw new IOException("Operation not permitted");
        }, clock::get);
        assertEquals(BlockStats.Result.ADDED, gate.consider(Cidr.host(ipv4(0x0A000001L)), T0));
    }
}
