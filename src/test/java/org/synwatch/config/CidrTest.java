package org.synwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Property tests: Cidr.contains agrees with plain big-integer prefix arithmetic on random inputs. */
class CidrTest {
    private static BigInteger value(byte[] address) {
        return new BigInteger(1, address);
    }

    private static boolean reference(byte[] network, int prefix, byte[] address) {
        if (network.length != address.length) {
            return false;
        }
        int bits = network.length * 8;
        BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                .xor(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
        return value(network).and(mask).equals(value(address).and(mask));
    }

    @Test
    void containsMatchesPrefixArithmetic() throws Exception {
        Random random = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            byte[] network = new byte[random.nextBoolean() ? 4 : 16];
            random.nextBytes(network);
            int prefix = random.nextInt(network.length * 8 + 1);
            byte[] address = random.nextInt(4) == 0 ? new byte[random.nextBoolean() ? 4 : 16] : network.clone();
            if (address == network || random.nextBoolean()) {
                random.nextBytes(address);
            } else if (address.length > 0) {
                // Flip one bit: inside the prefix it must leave the network, outside it must not.
                int bit = random.nextInt(address.length * 8);
                address[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
            }
            Cidr cidr = Cidr.of(InetAddress.getByAddress(network), prefix);
            Cidr host = Cidr.of(InetAddress.getByAddress(address), address.length * 8);
            assertEquals(reference(network, prefix, address), cidr.contains(host.family(), host.hi(), host.lo()),
                    () -> cidr + " vs " + host);
        }
    }

    @Test
    void parsesNetworksAndHosts() throws Exception {
        Cidr net = Cidr.parse("--allow", "10.0.0.0/8");
        Cidr v6 = Cidr.parse("--allow", "2001:db8::/32");
        Cidr host = Cidr.parse("--allow", "192.0.2.7");
        assertTrue(net.contains(4, 0, 0x0A010203L));
        assertFalse(net.contains(4, 0, 0x0B000000L));
        assertTrue(v6.contains(6, 0x20010DB800000000L | 0xFFFFL, 5));
        assertFalse(v6.contains(4, 0, 0x20010DB8L));
        assertTrue(host.contains(4, 0, 0xC0000207L));
        assertFalse(host.contains(4, 0, 0xC0000208L));
        assertThrows(ConfigException.class, () -> Cidr.parse("--allow", "10.0.0.0/33"));
        assertThrows(ConfigException.class, () -> Cidr.parse("--allow", "example.com"));
        assertThrows(ConfigException.class, () -> Cidr.parse("--allow", "10.0.0/8"));
    }
}
