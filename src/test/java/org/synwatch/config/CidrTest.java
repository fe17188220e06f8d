package org.synwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
            assertEquals(reference(network, prefix, address), cidr.contains(host.network()),
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

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "10.0.0.0/-0       | --allow: '10.0.0.0/-0' has a malformed prefix length         | plain decimal from 0 to 32",
        "10.0.0.0/+8       | --allow: '10.0.0.0/+8' has a malformed prefix length         | plain decimal from 0 to 32",
        "10.0.0.0/08       | --allow: '10.0.0.0/08' has a malformed prefix length         | plain decimal from 0 to 32",
        "10.0.0.0/ 8       | --allow: '10.0.0.0/ 8' has a malformed prefix length         | plain decimal from 0 to 32",
        "10.0.0.0/8_       | --allow: '10.0.0.0/8_' has a malformed prefix length         | plain decimal from 0 to 32",
        "10.0.0.0/         | --allow: '10.0.0.0/' has a malformed prefix length           | plain decimal from 0 to 32",
        "2001:db8::/0x20   | --allow: '2001:db8::/0x20' has a malformed prefix length     | plain decimal from 0 to 128",
        "10.0.0.0/33       | --allow prefix: 33 is out of range                           | from 0 to 32",
        "2001:db8::/129    | --allow prefix: 129 is out of range                          | from 0 to 128",
        "10.0.0.1/8        | --allow: '10.0.0.1/8' has host bits set                      | did you mean 10.0.0.0/8?",
        "192.0.2.255/31    | --allow: '192.0.2.255/31' has host bits set                  | did you mean 192.0.2.254/31?",
        "2001:db8::1/64    | --allow: '2001:db8::1/64' has host bits set                  | did you mean 2001:db8:0:0:0:0:0:0/64?",
        "::ffff:10.0.0.0/24 | --allow: '::ffff:10.0.0.0' is an IPv4-mapped IPv6 address   | write the IPv4 address itself, e.g. 10.0.0.0",
        "::ffff:a00:1      | --allow: '::ffff:a00:1' is an IPv4-mapped IPv6 address       | e.g. 10.0.0.1",
    })
    void strictValuesAreUsageErrorsWithAHint(String text, String message, String hint) {
        ConfigException e = assertThrows(ConfigException.class, () -> Cidr.parse("--allow", text));
        assertEquals(message, e.getMessage());
        assertTrue(e.hint().contains(hint), e.hint());
    }

    @Test
    void networksAtTheEdgesOfTheirRangesAreAccepted() throws Exception {
        assertEquals(0, Cidr.parse("--allow", "0.0.0.0/0").prefixLength());
        assertEquals(32, Cidr.parse("--allow", "192.0.2.7/32").prefixLength());
        assertEquals(128, Cidr.parse("--allow", "2001:db8::7/128").prefixLength());
        assertEquals(Cidr.parse("--allow", "192.0.2.7"), Cidr.parse("--allow", "192.0.2.7/32"));
        assertEquals(IpAddress.IPV6, Cidr.parse("--allow", "::/0").network().family());
        assertEquals(IpAddress.IPV6, Cidr.parse("--allow", "::10.0.0.1").network().family(), "IPv4-compatible stays IPv6");
    }
}
