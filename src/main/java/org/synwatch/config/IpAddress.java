package org.synwatch.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * One IPv4 or IPv6 address, for everything off the hot path (decisions, blocks, allowlists,
 * arguments). It has the (family, hi, lo) layout the packet parser fills in its preallocated
 * header, so converting costs nothing: IPv4 lives in the low 32 bits of {@code lo}, {@code hi} 0.
 * Text is written by {@code report.AddressText}, the one formatter event lines use.
 */
public record IpAddress(int family, long hi, long lo) {
    public static final int IPV4 = 4;
    public static final int IPV6 = 6;
    static final String HINT = "write e.g. 192.0.2.7 or 2001:db8::7";

    public IpAddress {
        if (family == IPV4 ? hi != 0 || (lo >>> 32) != 0 : family != IPV6) {
            throw new IllegalArgumentException("not an address: family " + family + " " + hi + "/" + lo);
        }
    }

    public static IpAddress ipv4(long address) {
        return new IpAddress(IPV4, 0, address);
    }

    public static IpAddress of(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return switch (bytes.length) {
            case 4 -> ipv4(Integer.toUnsignedLong(buffer.getInt()));
            case 16 -> new IpAddress(IPV6, buffer.getLong(), buffer.getLong());
            default -> throw new IllegalArgumentException("address of " + bytes.length + " bytes");
        };
    }

    public static IpAddress of(InetAddress address) {
        return of(address.getAddress());
    }

    /**
     * Parses a literal, never a host name. IPv4-mapped IPv6 ({@code ::ffff:10.0.0.1}) is refused:
     * Java reads it as the IPv4 address, which would silently turn an IPv6 rule into an IPv4 one.
     */
    public static IpAddress parse(String flag, String text) throws ConfigException {
        return ofLiteral(flag, text, Values.ipLiteral(flag, text, HINT));
    }

    /**
     * The address {@code parsed} from {@code text} by {@link Values#ipLiteral}, unless it is
     * IPv4-mapped IPv6: see {@link #parse}.
     */
    static IpAddress ofLiteral(String flag, String text, InetAddress parsed) throws ConfigException {
        if (text.indexOf(':') >= 0 && parsed instanceof Inet4Address) {
            throw new ConfigException(flag + ": '" + text + "' is an IPv4-mapped IPv6 address",
                    "write the IPv4 address itself, e.g. " + parsed.getHostAddress());
        }
        return of(parsed);
    }

    public int bits() {
        return family == IPV4 ? 32 : 128;
    }

    public byte[] bytes() {
        ByteBuffer buffer = ByteBuffer.allocate(family == IPV4 ? 4 : 16);
        if (family == IPV4) {
            buffer.putInt((int) lo);
        } else {
            buffer.putLong(hi).putLong(lo);
        }
        return buffer.array();
    }

    public InetAddress toInetAddress() {
        try {
            return InetAddress.getByAddress(bytes());
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes always make an address", e);
        }
    }
}
