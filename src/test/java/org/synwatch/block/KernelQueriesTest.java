package org.synwatch.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.synwatch.config.Cidr;
import org.synwatch.config.IpAddress;
import org.synwatch.report.AddressText;
import org.synwatch.testing.Commands;

/** The netlink queries against this host's kernel: no root needed, and independent of what they ask about. */
class KernelQueriesTest {
    @Test
    void findsAnEstablishedConnectionByItsPeerOnly() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            IpAddress loopback = IpAddress.of(InetAddress.getLoopbackAddress());
            IpAddress other = IpAddress.ipv4(0x7F000063L);  // 127.0.0.99: no connection
            assertFalse(KernelQueries.hasEstablished(Cidr.host(other)));
            try (Socket client = new Socket()) {
                client.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                client.connect(server.getLocalSocketAddress());
                try (Socket accepted = server.accept()) {
                    assertTrue(KernelQueries.hasEstablished(Cidr.host(loopback)));
                    assertFalse(KernelQueries.hasEstablished(Cidr.host(other)));
                }
            }
        }
    }

    /** With --ipv6-prefix a whole prefix is blocked: any of its addresses with a connection protects it. */
    @Test
    void findsAnEstablishedConnectionOfAnyAddressOfAPrefix() throws Exception {
        IpAddress ipv6Loopback = new IpAddress(IpAddress.IPV6, 0, 1);
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(ipv6Loopback.toInetAddress(), 0));
            Cidr holdingIt = new Cidr(ipv6Loopback, 64);
            Cidr beside = new Cidr(new IpAddress(IpAddress.IPV6, 0, 0x100), 120);  // ::100/120, not ::1
            try (Socket client = new Socket()) {
                client.connect(server.getLocalSocketAddress());
                try (Socket accepted = server.accept()) {
                    assertTrue(KernelQueries.hasEstablished(holdingIt));
                    assertFalse(KernelQueries.hasEstablished(beside));
                }
            }
        }
    }

    @Test
    void theFilterConditionCarriesThePrefixLength() {
        byte[] request = KernelQueries.diagRequest(10, new Cidr(new IpAddress(IpAddress.IPV6, 0x20010DB800010002L, 0), 64));
        assertEquals(10, request[64], "condition family AF_INET6");
        assertEquals(64, request[65], "prefix length");
        assertEquals(0x20, request[72], "the network's first byte, after family, length and port");
    }

    @Test
    void findsAnIpv4PeerOfADualStackSocket() throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.ofLiteral("::"), 0));
            IpAddress peer = IpAddress.ipv4(0x7F00002AL);  // 127.0.0.42, seen by the server as ::ffff:127.0.0.42
            try (Socket client = new Socket()) {
                client.bind(new InetSocketAddress(peer.toInetAddress(), 0));
                client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
                try (Socket accepted = server.accept()) {
                    assertTrue(KernelQueries.hasEstablished(Cidr.host(peer)));
                }
            }
        }
    }

    /** The gateways agree with those `ip -j route` prints for every table. */
    @Test
    void gatewaysAgreeWithIpRoute() throws Exception {
        assumeTrue(Commands.available("ip"), "ip is missing; skipped");
        Set<String> expected = new TreeSet<>();
        Pattern gateway = Pattern.compile("\"gateway\":\"([^\"]+)\"");
        for (String family : new String[] {"-4", "-6"}) {
            Matcher m = gateway.matcher(Commands.run("ip", family, "-j", "route", "show", "table", "all"));
            while (m.find()) {
                expected.add(m.group(1));
            }
        }
        Set<String> found = new TreeSet<>();
        KernelQueries.gateways().forEach(address -> found.add(AddressText.text(address)));
        assertEquals(expected, found);
    }

    @Test
    void theFilterProgramMatchesTheKernelsLayout() {
        byte[] request = KernelQueries.diagRequest(10, Cidr.host(IpAddress.ipv4(0xC0000201L)));
        assertEquals(56 + 4 + 16, request.length);
        assertEquals(10, request[0], "socket family");
        assertEquals(6, request[1], "TCP");
        assertEquals(2, request[4], "states: ESTABLISHED only");
        assertEquals(8, request[60], "INET_DIAG_BC_D_COND");
        assertEquals(16, request[61], "accept: jump to the end");
        assertEquals(20, request[62], "reject: jump past it");
        assertEquals(2, request[64], "condition family AF_INET, which also matches ::ffff:a.b.c.d");
        assertEquals(32, request[65], "whole address");
    }
}
