package org.synwatch.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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

    private String ruleset() {
        return Commands.run("ip", "netns", "exec", namespace, "nft", "list", "ruleset");
    }

    @Test
    void installBlockListUnblockRemove() throws Exception {
        assertFalse(firewall.tableExists());
        firewall.install();
        String layout = ruleset();
        assertTrue(layout.contains("hook input"), layout);
        assertTrue(layout.contains("hook forward"), layout);
        assertTrue(layout.contains("ip saddr @blocked4"), layout);
        assertTrue(layout.contains("ip6 saddr @blocked6"), layout);

        firewall.block(List.of("192.0.2.66", "198.51.100.7"), List.of("2001:db8::66"), 3600);
        List<String> blocked = firewall.blocked().stream().map(NftFirewall.Entry::address).sorted().toList();
        assertEquals(List.of("192.0.2.66", "198.51.100.7", "2001:db8::66"), blocked);
        List<NftFirewall.Entry> entries = firewall.blocked();
        assertTrue(entries.stream().allMatch(e -> e.expiresIn().matches("\\d+m\\d+s.*|\\d+h.*")), entries::toString);

        // Blocking an address again is harmless.
        firewall.block(List.of("192.0.2.66"), List.of(), 3600);
        assertEquals(3, firewall.blocked().size());

        assertTrue(firewall.unblock("192.0.2.66", false));
        assertFalse(firewall.unblock("192.0.2.66", false));
        assertEquals(2, firewall.blocked().size());

        assertTrue(firewall.remove());
        assertFalse(firewall.tableExists());
        assertFalse(firewall.remove());
    }

    @Test
    void anIpv6PrefixIsOneElementOfTheIntervalSet() throws Exception {
        firewall.install();
        firewall.block(List.of(), List.of("2001:db8:1:2::/64", "2001:db8::66"), 3600);
        String networks = Commands.run("ip", "netns", "exec", namespace, "nft", "list", "set", "inet", "synwatch",
                NftFirewall.SET_IPV6_NETWORKS);
        assertTrue(networks.contains("flags interval,timeout"), networks);
        assertTrue(networks.contains("elements = { 2001:db8:1:2::/64 timeout 1h"), networks);
        assertEquals(List.of("2001:db8:1:2::/64", "2001:db8::66"),
                firewall.blocked().stream().map(NftFirewall.Entry::address).sorted().toList());
        String layout = ruleset();
        assertTrue(layout.contains("ip6 saddr @blocked6net"), layout);
        assertTrue(firewall.unblock("2001:db8:1:2::/64", true));
        assertEquals(List.of("2001:db8::66"), firewall.blocked().stream().map(NftFirewall.Entry::address).toList());
    }

    @Test
    void restartAdoptsTheTableWithItsBlocksAndDoesNotDuplicateRules() throws Exception {
        firewall.install();
        firewall.block(List.of("192.0.2.66"), List.of(), 3600);
        firewall.install();
        firewall.install();
        assertEquals(List.of("192.0.2.66"), firewall.blocked().stream().map(NftFirewall.Entry::address).toList());
        String layout = ruleset();
        assertEquals(2, layout.split("ip saddr @blocked4", -1).length - 1, layout);
    }

    @Test
    void elementsExpireInTheKernel() throws Exception {
        firewall.install();
        firewall.block(List.of("192.0.2.70"), List.of(), 1);
        assertEquals(1, firewall.blocked().size());
        Thread.sleep(2500);
        assertEquals(0, firewall.blocked().size(), "a block never outlives its timeout, synwatch or not");
    }

    @Test
    void leavesOtherTablesAlone() throws Exception {
        Commands.run("ip", "netns", "exec", namespace, "nft", "add table inet operator; add chain inet operator keep");
        firewall.install();
        firewall.remove();
        assertTrue(ruleset().contains("table inet operator"), ruleset());
    }

    @Test
    void missingNftIsNamed() {
        NftFirewall missing = new NftFirewall(List.of("/nonexistent/nft"));
        FirewallException e = assertThrows(FirewallException.class, missing::install);
        assertEquals(FirewallException.Problem.NFT_MISSING, e.problem());
    }

    @Test
    void withoutCapNetAdminItSaysSo() {
        assumeTrue(Commands.available("setpriv"), "setpriv missing; skipped");
        NftFirewall unprivileged = new NftFirewall(List.of("ip", "netns", "exec", namespace, "setpriv", "--reuid=65534",
                "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "nft"));
        FirewallException e = assertThrows(FirewallException.class, unprivileged::install);
        assertEquals(FirewallException.Problem.NOT_PERMITTED, e.problem(), e.getMessage());
    }
}
