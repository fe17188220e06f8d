package org.synwatch.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.synwatch.config.Cidr;
import org.synwatch.config.ConfigException;
import org.synwatch.config.IpAddress;
import org.synwatch.testing.Commands;

/** The nft driver against a real kernel, inside a network namespace of its own, never the host's ruleset. */
class NftFirewallIT {
    private final String namespace = "sw-nft-" + ProcessHandle.current().pid();
    private NftFirewall firewall;

    @BeforeEach
    void createNamespace() {
        assumeTrue(Commands.isRoot(), "nftables in a namespace needs root; skipped");
        assumeTrue(Commands.available("nft"), "nft is missing; skipped (make deps installs nftables)");
        Commands.tryRun("ip", "netns", "del", namespace);
        Commands.run("ip", "netns", "add", namespace);
        firewall = new NftFirewall(List.of("ip", "netns", "exec", namespace, "nft"));
    }

    @AfterEach
    void deleteNamespace() {
        Commands.tryRun("ip", "netns", "del", namespace);
    }

    private static List<Cidr> hosts(String... addresses) {
        return Stream.of(addresses).map(a -> {
            try {
                return Cidr.parse("test", a);
            } catch (ConfigException e) {
                throw new AssertionError(e);
            }
        }).toList();
    }

    @Test
    void theKernelEnforcesTheSetsSize() throws Exception {
        firewall.install(4);
        firewall.block(hosts("192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"), 3600);
        FirewallException e = assertThrows(FirewallException.class, () -> firewall.block(hosts("192.0.2.5"), 3600));
        assertEquals(FirewallException.Problem.SET_FULL, e.problem(), e.getMessage());
        firewall.block(hosts("2001:db8::5"), 3600);  // each family has its own set of that size
        firewall.install(5);
        firewall.block(hosts("192.0.2.5"), 3600);  // an adopted set takes the new size
        assertEquals(6, firewall.blocked().size());
    }

    @Test
    void listingReadsElementsWithAndWithoutTimeout() throws Exception {
        firewall.install(8);
        firewall.block(hosts("192.0.2.9"), 90);
        Commands.run("ip", "netns", "exec", namespace, "nft", "add element inet synwatch blocked6 { 2001:db8::9 }");
        List<NftFirewall.Entry> entries = firewall.blocked();
        assertEquals(2, entries.size(), entries::toString);
        assertEquals("192.0.2.9", entries.get(0).address());
        assertTrue(entries.get(0).expiresSeconds() > 80 && entries.get(0).expiresSeconds() <= 90, entries::toString);
        assertEquals(new NftFirewall.Entry("2001:db8::9", -1), entries.get(1));
    }

    private String ruleset() {
        return Commands.run("ip", "netns", "exec", namespace, "nft", "list", "ruleset");
    }

    @Test
    void installBlockListUnblockRemove() throws Exception {
        assertFalse(firewall.tableExists());
        firewall.install(4);
        String layout = ruleset();
        assertTrue(layout.contains("hook input"), layout);
        assertTrue(layout.contains("hook forward"), layout);
        assertTrue(layout.contains("ip saddr @blocked4"), layout);
        assertTrue(layout.contains("ip6 saddr @blocked6"), layout);

        firewall.block(hosts("192.0.2.66", "198.51.100.7", "2001:db8::66"), 3600);
        List<String> blocked = firewall.blocked().stream().map(NftFirewall.Entry::address).sorted().toList();
        assertEquals(List.of("192.0.2.66", "198.51.100.7", "2001:db8::66"), blocked);
        List<NftFirewall.Entry> entries = firewall.blocked();
        assertTrue(entries.stream().allMatch(e -> e.expiresIn().matches("\\d+m\\d+s.*|\\d+h.*")), entries::toString);

        // Blocking an address again is harmless.
        firewall.block(hosts("192.0.2.66"), 3600);
        assertEquals(3, firewall.blocked().size());

        assertTrue(firewall.unblock(Cidr.host(IpAddress.parse("test", "192.0.2.66"))));
        assertFalse(firewall.unblock(Cidr.host(IpAddress.parse("test", "192.0.2.66"))));
        assertEquals(2, firewall.blocked().size());

        assertTrue(firewall.remove());
        assertFalse(firewall.tableExists());
        assertFalse(firewall.remove());
    }

    @Test
    void anIpv6PrefixIsOneElementOfTheIntervalSetAndHoldsEveryAddressOfIt() throws Exception {
        firewall.install(2);
        firewall.block(hosts("2001:db8:1:2::/64", "2001:db8::66", "192.0.2.66"), 3600);
        String networks = Commands.run("ip", "netns", "exec", namespace, "nft", "list", "set", "inet", "synwatch",
                NftFirewall.SET_IPV6_NETWORKS);
        assertTrue(networks.contains("flags interval,timeout"), networks);
        assertTrue(networks.contains("elements = { 2001:db8:1:2::/64 timeout 1h"), networks);
        // The kernel finds any address of the prefix in the set: the rule drops the whole /64.
        assertTrue(Commands.run("ip", "netns", "exec", namespace, "nft", "get", "element", "inet", "synwatch",
                NftFirewall.SET_IPV6_NETWORKS, "{ 2001:db8:1:2:ffff:1:2:3 }").contains("2001:db8:1:2::/64"));
        assertEquals(List.of("192.0.2.66", "2001:db8:1:2::/64", "2001:db8::66"),
                firewall.blocked().stream().map(NftFirewall.Entry::address).sorted().toList());
        String layout = ruleset();
        assertEquals(2, layout.split("ip6 saddr @blocked6net", -1).length - 1, layout);

        firewall.block(hosts("2001:db8:1:3::/64"), 3600);
        FirewallException full = assertThrows(FirewallException.class, () -> firewall.block(hosts("2001:db8:1:4::/64"), 3600));
        assertEquals(FirewallException.Problem.SET_FULL, full.problem(), "--max-blocked 2: a prefix is one element");
        firewall.block(hosts("2001:db8:1:2::/64"), 3600);  // blocking a prefix again is harmless

        assertTrue(firewall.unblock(new Cidr(IpAddress.parse("test", "2001:db8:1:2::"), 64)));
        assertFalse(firewall.unblock(new Cidr(IpAddress.parse("test", "2001:db8:1:2::"), 64)));
        assertEquals(List.of("192.0.2.66", "2001:db8:1:3::/64", "2001:db8::66"),
                firewall.blocked().stream().map(NftFirewall.Entry::address).sorted().toList());
    }

    /** What happens if --ipv6-prefix changes between runs: the kernel refuses overlapping intervals. */
    @Test
    void anOverlappingPrefixIsRefusedByTheKernel() throws Exception {
        firewall.install(8);
        firewall.block(hosts("2001:db8:1:2::/64"), 3600);
        FirewallException e = assertThrows(FirewallException.class, () -> firewall.block(hosts("2001:db8:1::/48"), 3600));
        assertEquals(FirewallException.Problem.OTHER, e.problem(), e.getMessage());
        assertEquals(List.of("2001:db8:1:2::/64"), firewall.blocked().stream().map(NftFirewall.Entry::address).toList());
    }

    /** A table made before the interval set existed keeps its blocks and gains the set and its rules. */
    @Test
    void anEarlierLayoutWithoutTheIntervalSetIsAdopted() throws Exception {
        Commands.run("ip", "netns", "exec", namespace, "nft", String.join("\n",
                "add table inet synwatch",
                "add set inet synwatch blocked4 { type ipv4_addr; flags timeout; size 4; }",
                "add set inet synwatch blocked6 { type ipv6_addr; flags timeout; size 4; }",
                "add chain inet synwatch input { type filter hook input priority filter - 10; policy accept; }",
                "add rule inet synwatch input ip6 saddr @blocked6 counter drop",
                "add element inet synwatch blocked6 { 2001:db8::66 timeout 3600s }"));
        firewall.install(4);
        firewall.block(hosts("2001:db8:1:2::/64"), 3600);
        assertEquals(List.of("2001:db8:1:2::/64", "2001:db8::66"),
                firewall.blocked().stream().map(NftFirewall.Entry::address).sorted().toList());
        String layout = ruleset();
        assertEquals(2, layout.split("ip6 saddr @blocked6 ", -1).length - 1, layout);  // input and forward, not duplicated
        assertTrue(layout.contains("ip6 saddr @blocked6net"), layout);
    }

    @Test
    void restartAdoptsTheTableWithItsBlocksAndDoesNotDuplicateRules() throws Exception {
        firewall.install(4);
        firewall.block(hosts("192.0.2.66"), 3600);
        firewall.install(4);
        firewall.install(4);
        assertEquals(List.of("192.0.2.66"), firewall.blocked().stream().map(NftFirewall.Entry::address).toList());
        String layout = ruleset();
        assertEquals(2, layout.split("ip saddr @blocked4", -1).length - 1, layout);
    }

    @Test
    void elementsExpireInTheKernel() throws Exception {
        firewall.install(4);
        firewall.block(hosts("192.0.2.70"), 1);
        assertEquals(1, firewall.blocked().size());
        Thread.sleep(2500);
        assertEquals(0, firewall.blocked().size(), "a block never outlives its timeout, synwatch or not");
    }

    @Test
    void leavesOtherTablesAlone() throws Exception {
        Commands.run("ip", "netns", "exec", namespace, "nft", "add table inet operator; add chain inet operator keep");
        firewall.install(4);
        firewall.remove();
        assertTrue(ruleset().contains("table inet operator"), ruleset());
    }

    @Test
    void missingNftIsNamed() {
        NftFirewall missing = new NftFirewall(List.of("/nonexistent/nft"));
        FirewallException e = assertThrows(FirewallException.class, () -> missing.install(4));
        assertEquals(FirewallException.Problem.NFT_MISSING, e.problem());
    }

    @Test
    void withoutCapNetAdminItSaysSo() {
        assumeTrue(Commands.available("setpriv"), "setpriv missing; skipped");
        NftFirewall unprivileged = new NftFirewall(List.of("ip", "netns", "exec", namespace, "setpriv", "--reuid=65534",
                "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "nft"));
        FirewallException e = assertThrows(FirewallException.class, () -> unprivileged.install(4));
        assertEquals(FirewallException.Problem.NOT_PERMITTED, e.problem(), e.getMessage());
    }
}
