package org.synwatch.config;

import java.net.InetAddress;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network: its first address and prefix length. Matching works on the
 * (family, hi, lo) form the packet parser fills, so it needs no conversion.
 */
public record Cidr(IpAddress network, int prefixLength) {
    /** A prefix length as people write it: no sign, no leading zero, no underscore. */
    private static final Pattern PREFIX = Pattern.compile("0|[1-9][0-9]{0,2}");

    public Cidr {
        if (prefixLength < 0 || prefixLength > network.bits()) {
            throw new IllegalArgumentException("prefix length " + prefixLength);
        }
        network = new IpAddress(network.family(), network.hi() & maskHi(network.family(), prefixLength),
                network.lo() & maskLo(network.family(), prefixLength));
    }

    /** The network of one address. */
    public static Cidr host(IpAddress address) {
        return new Cidr(address, address.bits());
    }

    /**
     * Parses {@code 10.0.0.0/8}, {@code 2001:db8::/32} or a bare address (a host route), strictly:
     * host bits set ({@code 10.0.0.1/8}) are a mistake worth pointing out, not something to drop.
     */
    public static Cidr parse(String flag, String text) throws ConfigException {
        int slash = text.indexOf('/');
        String addressText = slash < 0 ? text : text.substring(0, slash);
        InetAddress literal;
        try {
            literal = Values.ipLiteral(flag, addressText, IpAddress.HINT);
        } catch (ConfigException e) {
            throw new ConfigException(flag + ": '" + text + "' is not an address or CIDR",
                    "write e.g. 10.0.0.0/8, 192.0.2.7 or 2001:db8::/32");
        }
        IpAddress address = IpAddress.ofLiteral(flag, addressText, literal);
        int bits = address.bits();
        if (slash < 0) {
            return host(address);
        }
        String prefixText = text.substring(slash + 1);
        if (!PREFIX.matcher(prefixText).matches()) {
            throw new ConfigException(flag + ": '" + text + "' has a malformed prefix length",
                    "write the prefix length as a plain decimal from 0 to " + bits);
        }
        int prefix = Values.integer(flag + " prefix", prefixText, 0, bits);
        Cidr cidr = new Cidr(address, prefix);
        if (!cidr.network.equals(address)) {
            throw new ConfigException(flag + ": '" + text + "' has host bits set",
                    "did you mean " + addressLiteral(cidr.network) + "/" + prefix + "?");
        }
        return cidr;
    }

    /**
     * What {@code --block} and {@code --unblock} take: an address, or an IPv6 prefix as
     * {@code --list-blocked} prints it ({@code --ipv6-prefix} blocks those); synwatch never blocks
     * an IPv4 network.
     */
    public static Cidr parseBlockable(String flag, String text) throws ConfigException {
        Cidr source = parse(flag, text);
        if (source.network.family() == IpAddress.IPV4 && !source.isHost()) {
            throw new ConfigException(flag + ": '" + text + "' is an IPv4 network; synwatch blocks IPv4 addresses one by one",
                    "give one address, or an IPv6 prefix as --list-blocked prints it");
        }
        return source;
    }

    public static Cidr of(InetAddress address, int prefixLength) {
        return new Cidr(IpAddress.of(address), prefixLength);
    }

    public boolean contains(IpAddress address) {
        return contains(address.family(), address.hi(), address.lo());
    }

    public boolean contains(int addressFamily, long addressHi, long addressLo) {
        int family = network.family();
        return addressFamily == family
                && (addressHi & maskHi(family, prefixLength)) == network.hi()
                && (addressLo & maskLo(family, prefixLength)) == network.lo();
    }

    /** Whether the two networks share an address, that is, the wider one holds the other. */
    public boolean overlaps(Cidr other) {
        Cidr wider = prefixLength <= other.prefixLength ? this : other;
        Cidr narrower = wider == this ? other : this;
        return wider.contains(narrower.network);
    }

    public boolean isHost() {
        return prefixLength == network.bits();
    }

    /** Only for messages: Java writes IPv6 uncompressed, which is still a valid literal to paste. */
    private static String addressLiteral(IpAddress address) {
        return address.toInetAddress().getHostAddress();
    }

    /** The high 64 bits of the first {@code prefix} bits (IPv6), for masking an address in place. */
    public static long maskHi(int family, int prefix) {
        if (family == IpAddress.IPV4) {
            return 0;
        }
        return prefix == 0 ? 0 : prefix >= 64 ? -1L : -1L << (64 - prefix);
    }

    /** The low 64 bits of the first {@code prefix} bits (for IPv4, of its 32 bits). */
    public static long maskLo(int family, int prefix) {
        if (family == IpAddress.IPV4) {
            return prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        }
        return prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
    }
}
