package org.synwatch.fleet;

import org.synwatch.config.ConfigException;
import org.synwatch.config.IpAddress;
import org.synwatch.report.AddressText;

/**
 * An address as the fleet writes it: the event lines' canonical text (RFC 5952 for IPv6), so one
 * address has one key whoever wrote it, beside the address itself.
 */
record FleetAddress(IpAddress ip, String text) {
    static FleetAddress of(IpAddress ip) {
        return new FleetAddress(ip, AddressText.text(ip));
    }

    static FleetAddress of(int family, long hi, long lo) {
        return of(new IpAddress(family, hi, lo));
    }

    /** A literal from Redis (a peer's, so untrusted): never resolved as a name; null if not an address. */
    static FleetAddress parse(String text) {
        if (text.isEmpty() || text.length() > 45) {
            return null;
        }
        try {
            return of(IpAddress.parse("fleet", text));
        } catch (ConfigException e) {
            return null;
        }
    }
}
