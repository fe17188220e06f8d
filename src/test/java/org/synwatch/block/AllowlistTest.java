package org.synwatch.block;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.synwatch.config.Cidr;

/** Property test: loopback, link-local, the host's own addresses and --allow networks are never blockable. */
class AllowlistTest {
    @Test
    void protectedAddressesAreAlwaysAllowedAndOthersNot() throws Exception {
        Random random = new Random(7);
        for (int round = 0; round < 2_000; round++) {
            List<Cidr> configured = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                byte[] network = new byte[random.nextBoolean() ? 4 : 16];
                random.nextBytes(network);
                configured.add(Cidr.of(InetAddress.getByAddress(network), 8 + random.nextInt(network.length * 8 - 7)));
            }
            byte[] own = new byte[4];
            random.nextBytes(own);
            InetAddress hostAddress = InetAddress.getByAddress(own);
            Allowlist allowlist = new Allowlist(configured, () -> List.of(hostAddress));
            Cidr ownHost = Cidr.of(hostAddress, 32);
            assertTrue(allowlist.allows(ownHost.family(), ownHost.hi(), ownHost.lo(), bits(ownHost.family()), round));
            for (Cidr network : configured) {
                assertTrue(allowlist.allows(network.family(), network.hi(), network.lo(), bits(network.family()), round));
            }
            assertTrue(allowlist.allows(4, 0, 0x7F000000L | random.nextInt(1 << 24), 32, round), "127.0.0.0/8");
            assertTrue(allowlist.allows(4, 0, 0xA9FE0000L | random.nextInt(1 << 16), 32, round), "169.254.0.0/16");
            assertTrue(allowlist.allows(6, 0, 1, 128, round), "::1");
            assertTrue(allowlist.allows(6, 0xFE80000000000000L | random.nextLong() >>> 10, random.nextLong(), 128, round), "fe80::/10");

            byte[] other = new byte[4];
            random.nextBytes(other);
            Cidr candidate = Cidr.of(InetAddress.getByAddress(other), 32);
            boolean expected = candidate.equals(ownHost) || (other[0] & 0xFF) == 127
                    || ((other[0] & 0xFF) == 169 && (other[1] & 0xFF) == 254)
                    || configured.stream().anyMatch(c -> c.contains(candidate.family(), candidate.hi(), candidate.lo()));
            assertTrue(expected == allowlist.allows(candidate.family(), candidate.hi(), candidate.lo(), bits(candidate.family()), round));
        }
    }

    @Test
    void hostAddressesAreReread() throws Exception {
        List<InetAddress> current = new ArrayList<>(List.of(InetAddress.ofLiteral("192.0.2.10")));
        Allowlist allowlist = new Allowlist(List.of(), () -> List.copyOf(current));
        assertTrue(allowlist.allows(4, 0, 0xC000020AL, 32, 0));
        current.set(0, InetAddress.ofLiteral("192.0.2.11"));
        assertTrue(allowlist.allows(4, 0, 0xC000020AL, 32, 1), "cached within the refresh interval");
        assertFalse(allowlist.allows(4, 0, 0xC000020AL, 32, Allowlist.REFRESH_MICROS + 1));
        assertTrue(allowlist.allows(4, 0, 0xC000020BL, 32, Allowlist.REFRESH_MICROS + 2));
    }

    @Test
    void aPrefixHoldingAnAllowedAddressIsNotBlockable() throws Exception {
        Allowlist allowlist = new Allowlist(List.of(Cidr.parse("--allow", "2001:db8:1:2::7")),
                () -> List.of(InetAddress.ofLiteral("2001:db8:9::1")));
        Cidr scanner = Cidr.parse("--allow", "2001:db8:1:2::99");
        assertFalse(allowlist.allows(6, scanner.hi(), scanner.lo(), 128, 0), "the address itself is not allowed");
        assertTrue(allowlist.allows(6, scanner.hi(), scanner.lo(), 64, 0), "its /64 holds 2001:db8:1:2::7");
        assertTrue(allowlist.allows(6, scanner.hi(), scanner.lo(), 32, 0), "its /32 holds the host's own address");
        Cidr other = Cidr.parse("--allow", "2001:db8:1:3::99");
        assertFalse(allowlist.allows(6, other.hi(), other.lo(), 64, 0));
    }

    private static int bits(int family) {
        return family == 4 ? 32 : 128;
    }
}
