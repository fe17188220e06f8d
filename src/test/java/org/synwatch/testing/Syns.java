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
        SynHeader syn = new SynHeader();
        syn.timestampMicros = micros;
        byte[] s = bytes(src);
        byte[] d = bytes(dst);
        syn.family = s.length == 4 ? SynHeader.IPV4 : SynHeader.IPV6;
        if (s.length == 4) {
            syn.srcLo = Integer.toUnsignedLong(ByteBuffer.wrap(s).getInt());
            syn.dstLo = Integer.toUnsignedLong(ByteBuffer.wrap(d).getInt());
        } else {
            ByteBuffer sb = ByteBuffer.wrap(s);
            ByteBuffer db = ByteBuffer.wrap(d);
            syn.srcHi = sb.getLong();
            syn.srcLo = sb.getLong();
            syn.dstHi = db.getLong();
            syn.dstLo = db.getLong();
        }
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
