package org.synwatch.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synwatch.config.Cidr;
import org.synwatch.config.IpAddress;

/**
 * Property test: what is protected, and why, against an independent computation (prefixes compared
 * as big integers over the raw bytes, never through Cidr.contains, the code under test).
 */
class AllowlistTest {
    /** Facts that tests set directly; a null list makes that read fail. */
    static final class Facts implements Allowlist.HostFacts {
        List<IpAddress> own = List.of();
        List<IpAddress> gateways = List.of();
        List<IpAddress> nameServers = List.of();

        @Override
        public List<IpAddress> ownAddresses() throws IOException {
            return orFail(own);
        }

        @Override
        public Set<IpAddress> gateways() throws IOException {
            return Set.copyOf(orFail(gateways));
        }

        @Override
        public List<IpAddress> nameServers() throws IOException {
            return orFail(nameServers);
        }

        private static List<IpAddress> orFail(List<IpAddress> list) throws IOException {
            if (list == null) {
                throw new IOException("unreadable");
            }
            return list;
        }
    }

    /** A network as raw bytes and a prefix length, as the test generated it. */
    private record Network(byte[] bytes, int prefix) {
        boolean contains(byte[] address) {
            if (address.length != bytes.length) {
                return false;
            }
            int bits = bytes.length * 8;
            BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                    .xor(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
            return new BigInteger(1, bytes).and(mask).equals(new BigInteger(1, address).and(mask));
        }
    }

    private static final List<Network> LOOPBACK = List.of(new Network(new byte[] {127, 0, 0, 0}, 8),
            new Network(ipv6Bytes(0, 1), 128), new Network(ipv6Bytes(0, 0), 128));
    private static final List<Network> LINK_LOCAL = List.of(new Network(new byte[] {(byte) 169, (byte) 254, 0, 0}, 16),
            new Network(ipv6Bytes(0xFE80000000000000L, 0), 10));

    private static byte[] ipv6Bytes(long hi, long lo) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        return b;
    }

    private static byte[] randomAddress(Random random) {
        byte[] address = new byte[random.nextBoolean() ? 4 : 16];
        random.nextBytes(address);
        return address;
    }

    private static boolean any(List<Network> networks, byte[] address) {
        return networks.stream().anyMatch(n -> n.contains(address));
    }

    private static boolean same(List<byte[]> addresses, byte[] address) {
        return addresses.stream().anyMatch(a -> java.util.Arrays.equals(a, address));
    }

    @Test
    void everyProtectedAddressHasItsReasonAndNothingElseIsProtected() throws Exception {
        Random random = new Random(7);
        for (int round = 0; round < 2_000; round++) {
            List<Network> configured = new ArrayList<>();
            List<Cidr> cidrs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                byte[] network = randomAddress(random);
                int prefix = 8 + random.nextInt(network.length * 8 - 7);
                configured.add(new Network(network, prefix));
                cidrs.add(Cidr.of(java.net.InetAddress.getByAddress(network), prefix));
            }
            List<byte[]> own = List.of(randomAddress(random));
            List<byte[]> gateways = List.of(randomAddress(random), randomAddress(random));
            List<byte[]> servers = List.of(randomAddress(random));
            Facts facts = new Facts();
            facts.own = own.stream().map(IpAddress::of).toList();
            facts.gateways = gateways.stream().map(IpAddress::of).toList();
            facts.nameServers = servers.stream().map(IpAddress::of).toList();
            Allowlist allowlist = new Allowlist(cidrs, Optional.empty(), facts);

            List<byte[]> candidates = new ArrayList<>(List.of(own.get(0), gateways.get(0), gateways.get(1), servers.get(0),
                    randomAddress(random), randomAddress(random)));
            for (Network network : configured) {
                byte[] inside = randomAddress(random);
                if (inside.length == network.bytes.length) {
                    candidates.add(inside);
                }
                candidates.add(network.bytes.clone());
            }
            byte[] loopback = {127, (byte) random.nextInt(), (byte) random.nextInt(), (byte) random.nextInt()};
            byte[] linkLocal = ipv6Bytes(0xFE80000000000000L | random.nextLong() >>> 10, random.nextLong());
            candidates.add(loopback);
            candidates.add(linkLocal);
            for (byte[] candidate : candidates) {
                BlockStats.Result expected = any(configured, candidate) ? BlockStats.Result.ALLOWLISTED
                        : any(LOOPBACK, candidate) || same(own, candidate) ? BlockStats.Result.OWN_ADDRESS
                        : same(gateways, candidate) ? BlockStats.Result.GATEWAY
                        : same(servers, candidate) ? BlockStats.Result.NAME_SERVER
                        : any(LINK_LOCAL, candidate) ? BlockStats.Result.ALLOWLISTED
                        : null;
                assertEquals(expected, allowlist.protects(Cidr.host(IpAddress.of(candidate))), () -> java.util.HexFormat.of().formatHex(candidate));
            }
        }
    }

    /**
     * A forged scan "from" a /64 must not block the host's own /64, its gateway's or its name
     * server's: a prefix holding any protected address, or overlapping an allowed network either
     * way, is protected with that address's reason.
     */
    @Test
    void aPrefixHoldingAProtectedAddressIsProtected() throws Exception {
        Facts facts = new Facts();
        facts.own = List.of(IpAddress.parse("t", "2001:db8:a:1::10"));
        facts.gateways = List.of(IpAddress.parse("t", "2001:db8:a:2::1"));
        facts.nameServers = List.of(IpAddress.parse("t", "2001:db8:a:3::53"));
        Allowlist allowlist = new Allowlist(List.of(Cidr.parse("t", "2001:db8:a:4::7"), Cidr.parse("t", "2001:db8:b::/48")),
                Optional.empty(), facts);
        assertEquals(BlockStats.Result.OWN_ADDRESS, allowlist.protects(Cidr.parse("t", "2001:db8:a:1::/64")));
        assertEquals(BlockStats.Result.GATEWAY, allowlist.protects(Cidr.parse("t", "2001:db8:a:2::/64")));
        assertEquals(BlockStats.Result.NAME_SERVER, allowlist.protects(Cidr.parse("t", "2001:db8:a:3::/64")));
        assertEquals(BlockStats.Result.ALLOWLISTED, allowlist.protects(Cidr.parse("t", "2001:db8:a:4::/64")),
                "an allowed address inside the prefix");
        assertEquals(BlockStats.Result.ALLOWLISTED, allowlist.protects(Cidr.parse("t", "2001:db8:b:5::/64")),
                "a prefix inside an allowed network");
        assertEquals(BlockStats.Result.ALLOWLISTED, allowlist.protects(Cidr.parse("t", "2001:db8::/32")),
                "a short prefix holds them all; the allow list is the first reason");
        assertEquals(BlockStats.Result.OWN_ADDRESS, allowlist.protects(Cidr.parse("t", "::/64")), "::1 and ::");
        assertEquals(BlockStats.Result.ALLOWLISTED, allowlist.protects(Cidr.parse("t", "fe80::/64")), "link-local");
        assertNull(allowlist.protects(Cidr.parse("t", "2001:db8:a:5::/64")), "the neighbouring /64 holds nothing protected");
        assertEquals(BlockStats.Result.OWN_ADDRESS, allowlist.protects(Cidr.parse("t", "2001:db8:a:1::/80")));
        assertNull(allowlist.protects(Cidr.parse("t", "2001:db8:a:1:1::/80")), "a /80 beside the host's address");
    }

    @Test
    void factsAreRereadOnRefreshAndAFailedReadKeepsTheLastOnes() throws Exception {
        Facts facts = new Facts();
        IpAddress gateway = IpAddress.ipv4(0xC0000201L);
        IpAddress next = IpAddress.ipv4(0xC0000202L);
        facts.gateways = List.of(gateway);
        Allowlist allowlist = new Allowlist(List.of(), Optional.empty(), facts);
        assertEquals(BlockStats.Result.GATEWAY, allowlist.protects(Cidr.host(gateway)));
        facts.gateways = List.of(next);
        assertEquals(BlockStats.Result.GATEWAY, allowlist.protects(Cidr.host(gateway)), "until the next refresh");
        allowlist.refresh();
        assertNull(allowlist.protects(Cidr.host(gateway)));
        assertEquals(BlockStats.Result.GATEWAY, allowlist.protects(Cidr.host(next)));
        facts.gateways = null;
        allowlist.refresh();
        assertEquals(BlockStats.Result.GATEWAY, allowlist.protects(Cidr.host(next)), "a failed read keeps the last gateways");
    }

    @Test
    void allowFileIsRereadOnReloadAndABadOneKeepsThePreviousList(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("allow"), "# monitoring\n198.51.100.0/24  # prometheus\n\n");
        Allowlist allowlist = new Allowlist(List.of(), Optional.of(file), new Facts());
        IpAddress monitor = IpAddress.ipv4(0xC6336407L);
        IpAddress pod = IpAddress.ipv4(0x0A2A0001L);
        assertEquals(BlockStats.Result.ALLOWLISTED, allowlist.protects(Cidr.host(monitor)));
        assertNull(allowlist.protects(Cidr.host(pod)));
        Files.writeString(file, "10.42.0.0/16\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(0));
        allowlist.reload();
        assertEquals(BlockStats.Result.ALLOWLISTED, allowlist.protects(Cidr.host(pod)));
        assertNull(allowlist.protects(Cidr.host(monitor)));
        Files.writeString(file, "10.42.0.1/16\n");
        allowlist.reload();
        assertEquals(BlockStats.Result.ALLOWLISTED, allowlist.protects(Cidr.host(pod)), "a bad file keeps the previous list");
    }
}
