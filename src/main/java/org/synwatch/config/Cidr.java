package org.synwatch.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * An IPv4 or IPv6 network, in the same (family, hi, lo) form the packet parser fills, so matching
 * needs no conversion. IPv4 lives in the low 32 bits of {@code lo}.
 */
public record Cidr(int family, long hi, long lo, int prefixLength) {
    public static final int IPV4 = 4;
    public static final int IPV6 = 6;

    public Cidr {
        int bits = family == IPV4 ? 32 : 128;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength);
        }
        hi &= maskHi(family, prefixLength);
        lo &= maskLo(family, prefixLength);
    }

    /** Parses {@code 10.0.0.0/8}, {@code 2001:db8::/32} or a bare address (a host route). */
    public static Cidr parse(String flag, String text) throws ConfigException {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        String hint = "write e.g. 10.0.0.0/8, 192.0.2.7 or 2001:db8::/32";
        InetAddress parsed;
        try {
            parsed = Values.ipLiteral(flag, address, hint);
        } catch (ConfigException e) {
            throw new ConfigException(flag + ": '" + text + "' is not an address or CIDR", hint);
        }
        int bits = parsed instanceof Inet4Address ? 32 : 128;
        int prefix = bits;
        if (slash >= 0) {
            prefix = Values.integer(flag + " prefix", text.substring(slash + 1), 0, bits);
        }
        return of(parsed, prefix);
    }

    public static Cidr of(InetAddress address, int prefixLength) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 4) {
            return new Cidr(IPV4, 0, Integer.toUnsignedLong(ByteBuffer.wrap(bytes).getInt()), prefixLength);
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return new Cidr(IPV6, buffer.getLong(), buffer.getLong(), prefixLength);
    }

    public boolean contains(int addressFamily, long addressHi, long addressLo) {
        return addressFamily == family
                && (addressHi & maskHi(family, prefixLength)) == hi
                && (addressLo & maskLo(family, prefixLength)) == lo;
    }

    /** The high 64 bits of the first {@code prefix} bits (IPv6), for masking an address in place. */
    public static long maskHi(int family, int prefix) {
        if (family == IPV4) {
            return 0;
        }
        return prefix == 0 ? 0 : prefix >= 64 ? -1L : -1L << (64 - prefix);
    }

    /** The low 64 bits of the first {@code prefix} bits (for IPv4, of its 32 bits). */
    public static long maskLo(int family, int prefix) {
        if (family == IPV4) {
            return prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        }
        return prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
    }
}
