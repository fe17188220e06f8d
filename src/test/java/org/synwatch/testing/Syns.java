package org.synwatch.testing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import org.synwatch.packet.SynHeader;

/** Builds SynHeaders from readable addresses for tests. */
public final class Syns {
    private Syns() {
    }

    public static SynHeader syn(long micros, String src, int srcPort, String dst, int dstPort) {
        byte[] s = bytes(src);
        byte[] d = bytes(dst);
        if (s.length == 4) {
            return syn(micros, SynHeader.IPV4, 0, Integer.toUnsignedLong(ByteBuffer.wrap(s).getInt()), srcPort,
                    0, Integer.toUnsignedLong(ByteBuffer.wrap(d).getInt()), dstPort);
        }
        ByteBuffer sb = ByteBuffer.wrap(s);
        ByteBuffer db = ByteBuffer.wrap(d);
        return syn(micros, SynHeader.IPV6, sb.getLong(), sb.getLong(), srcPort, db.getLong(), db.getLong(), dstPort);
    }

    /** From the header's own fields: for tests that draw addresses as numbers. */
    public static SynHeader syn(long micros, int family, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo,
                                int dstPort) {
        SynHeader syn = new SynHeader();
        syn.timestampMicros = micros;
        syn.family = family;
        syn.srcHi = srcHi;
        syn.srcLo = srcLo;
        syn.dstHi = dstHi;
        syn.dstLo = dstLo;
        syn.srcPort = srcPort;
        syn.dstPort = dstPort;
        return syn;
    }

    private static byte[] bytes(String address) {
        try {
            return InetAddress.getByName(address).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
    }
}
