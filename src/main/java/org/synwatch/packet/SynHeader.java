package org.synwatch.packet;

/**
 * The fields of one pure SYN that the rest of the pipeline needs, kept in primitives so that the
 * same preallocated instance can be refilled for every packet. IPv4 addresses live in the low 32
 * bits of {@code srcLo}/{@code dstLo} with the high halves zero.
 */
public final class SynHeader {
    public static final int IPV4 = 4;
    public static final int IPV6 = 6;

    public long timestampMicros;
    public int family;
    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;
    public int srcPort;
    public int dstPort;

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
