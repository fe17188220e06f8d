package org.synwatch.packet;

import org.synwatch.config.IpAddress;

/**
 * The fields of one pure SYN that the rest of the pipeline needs, kept in primitives so that the
 * same preallocated instance can be refilled for every packet. IPv4 addresses live in the low 32
 * bits of {@code srcLo}/{@code dstLo} with the high halves zero.
 */
public final class SynHeader {
    public static final int IPV4 = IpAddress.IPV4;
    public static final int IPV6 = IpAddress.IPV6;

    public long timestampMicros;
    public int family;
    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;
    public int srcPort;
    public int dstPort;

    /** Allocates: for decisions about a scanner, never per packet. */
    public IpAddress source() {
        return new IpAddress(family, srcHi, srcLo);
    }

    public void copyFrom(SynHeader other) {
        timestampMicros = other.timestampMicros;
        family = other.family;
        srcHi = other.srcHi;
        srcLo = other.srcLo;
        dstHi = other.dstHi;
        dstLo = other.dstLo;
        srcPort = other.srcPort;
        dstPort = other.dstPort;
    }
}
