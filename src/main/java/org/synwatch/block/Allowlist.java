package org.synwatch.block;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import org.synwatch.config.Cidr;

/**
 * Addresses synwatch must never block: loopback, link-local, every address of the host's own
 * interfaces (re-read at most every {@link #REFRESH_MICROS}, as DHCP and containers change them)
 * and the operator's {@code --allow} networks.
 */
public final class Allowlist {
    static final long REFRESH_MICROS = 30_000_000L;
    private static final List<Cidr> ALWAYS = List.of(
            new Cidr(Cidr.IPV4, 0, 0x7F000000L, 8),
            new Cidr(Cidr.IPV4, 0, 0xA9FE0000L, 16),
            new Cidr(Cidr.IPV6, 0, 1, 128),
            new Cidr(Cidr.IPV6, 0xFE80000000000000L, 0, 10),
            new Cidr(Cidr.IPV6, 0, 0, 128));

    private final List<Cidr> configured;
    private final Supplier<List<InetAddress>> hostAddresses;
    private List<Cidr> host = List.of();
    private long hostReadAt = Long.MIN_VALUE;

    public Allowlist(List<Cidr> configured) {
        this(configured, Allowlist::interfaceAddresses);
    }

    Allowlist(List<Cidr> configured, Supplier<List<InetAddress>> hostAddresses) {
        this.configured = List.copyOf(configured);
        this.hostAddresses = hostAddresses;
    }

    /**
     * Whether the network of the address's first {@code sourceBits} bits holds (or lies in) an
     * address that must never be blocked: blocking a prefix must not block the host's own neighbours.
     *
     * @param nowMicros a monotonic clock, for the refresh of the host's own addresses
     */
    public synchronized boolean allows(int family, long hi, long lo, int sourceBits, long nowMicros) {
        if (nowMicros - hostReadAt >= REFRESH_MICROS || hostReadAt == Long.MIN_VALUE) {
            List<InetAddress> fresh = hostAddresses.get();
            if (fresh != null) {
                host = fresh.stream().map(a -> Cidr.of(a, a.getAddress().length * 8)).toList();
            }
            hostReadAt = nowMicros;
        }
        Cidr source = new Cidr(family, hi, lo, sourceBits);
        return overlaps(ALWAYS, source) || overlaps(host, source) || overlaps(configured, source);
    }

    private static boolean overlaps(List<Cidr> networks, Cidr source) {
        for (Cidr network : networks) {
            if (network.contains(source.family(), source.hi(), source.lo())
                    || source.contains(network.family(), network.hi(), network.lo())) {
                return true;
            }
        }
        return false;
    }

    /** Null when the interfaces cannot be read: the last successful read then stays in force. */
    private static List<InetAddress> interfaceAddresses() {
        List<InetAddress> addresses = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                addresses.addAll(Collections.list(nic.getInetAddresses()));
            }
        } catch (SocketException e) {
            return null;
        }
        return addresses;
    }
}
