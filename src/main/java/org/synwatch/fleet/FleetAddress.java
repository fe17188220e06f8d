package org.synwatch.fleet;

import java.net.InetAddress;
import org.synwatch.config.Cidr;
import org.synwatch.config.ConfigException;
import org.synwatch.config.Values;
import org.synwatch.report.EventWriter;

/**
 * An address as the fleet writes it: the event lines' canonical text (RFC 5952 for IPv6), so one
 * address has one key whoever wrote it, plus the (family, hi, lo) form the block path takes.
 */
record FleetAddress(int family, long hi, long lo, String text) {
    static FleetAddress of(int family, long hi, long lo) {
        return new FleetAddress(family, hi, lo, EventWriter.addressText(family, hi, lo));
    }

    /** A literal from Redis (a peer's, so untrusted): never resolved as a name; null if not an address. */
    static FleetAddress parse(String text) {
        if (text.isEmpty() || text.length() > 45) {
            return null;
        }
        InetAddress address;
        try {
            address = Values.ipLiteral("fleet", text, "");
        } catch (ConfigException e) {
            return null;
        }
        Cidr host = Cidr.of(address, address.getAddress().length * 8);
        return of(host.family(), host.hi(), host.lo());
    }
}
