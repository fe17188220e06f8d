package org.synwatch.packet;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Test-local builder of captured frames: link headers (Ethernet with VLAN tags, Linux cooked v1/v2,
 * BSD loopback), IPv4 with options, IPv6 with extension headers and TCP with chosen flags. It
 * writes exactly what it is told, including inconsistent values, so tests can build malformed
 * packets as easily as good ones.
 */
final class PacketBytes {
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;
    static final int URG = 0x20;
    static final int ECE = 0x40;
    static final int CWR = 0x80;

    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_ARP = 0x0806;
    static final int ETHERTYPE_IPV6 = 0x86DD;
    static final int TPID_8021Q = 0x8100;
    static final int TPID_8021AD = 0x88A8;
    static final int TPID_QINQ_LEGACY = 0x9100;

    static final int PROTO_ICMP = 1;
    static final int PROTO_TCP = 6;
    static final int PROTO_UDP = 17;
    static final int IPV6_HOP_BY_HOP = 0;
    static final int IPV6_ROUTING = 43;
    static final int IPV6_FRAGMENT = 44;
    static final int IPV6_NO_NEXT = 59;
    static final int IPV6_DESTINATION_OPTIONS = 60;

    static final int AF_INET = 2;
    static final int AF_INET6_BSD = 24;
    static final int AF_INET6_FREEBSD = 28;
    static final int AF_INET6_DARWIN = 30;

    private PacketBytes() {
    }

    // ---------------------------------------------------------------- TCP

    /** A 20-byte TCP header (data offset 5). */
    static byte[] tcp(int srcPort, int dstPort, int flags) {
        return tcp(srcPort, dstPort, flags, 5);
    }

    /**
     * A TCP header whose data offset field says {@code dataOffsetWords}; for 5 and more the header
     * really is that long (MSS option then NOPs), below 5 it is still 20 bytes with the lying field.
     */
    static byte[] tcp(int srcPort, int dstPort, int flags, int dataOffsetWords) {
        int length = Math.max(dataOffsetWords, 5) * 4;
        byte[] b = new byte[length];
        put16(b, 0, srcPort);
        put16(b, 2, dstPort);
        put32(b, 4, 0x1A2B3C4D);          // sequence number
        put32(b, 8, 0);                   // acknowledgement number
        b[12] = (byte) (dataOffsetWords << 4);
        b[13] = (byte) flags;
        put16(b, 14, 64240);              // window
        put16(b, 16, 0xBEEF);             // checksum (not verified by the parser)
        put16(b, 18, 0);                  // urgent pointer
        for (int i = 20; i < length; i++) {
            b[i] = 1;                     // NOP
        }
        if (length >= 24) {
            b[20] = 2;                    // MSS 1460
            b[21] = 4;
            put16(b, 22, 1460);
        }
        return b;
    }

    // ---------------------------------------------------------------- IPv4

    static Ipv4 ipv4(byte[] src, byte[] dst) {
        return new Ipv4(src, dst);
    }

    static final class Ipv4 {
        private final byte[] src;
        private final byte[] dst;
        private int version = 4;
        private int ihl = 5;
        private int totalLength = -1;
        private int flagsAndFragmentOffset;
        private int identification = 0x4242;
        private int protocol = PROTO_TCP;
        private byte[] options;
        private byte[] payload = new byte[0];

        private Ipv4(byte[] src, byte[] dst) {
            this.src = src.clone();
            this.dst = dst.clone();
        }

        Ipv4 version(int value) {
            version = value;
            return this;
        }

        /** Header length in 32-bit words; above 5 the header carries {@code (ihl - 5) * 4} option bytes. */
        Ipv4 ihl(int value) {
            ihl = value;
            return this;
        }

        /** Overrides the total length field (by default the real header + payload length). */
        Ipv4 totalLength(int value) {
            totalLength = value;
            return this;
        }

        /** The raw 16-bit flags + fragment offset field (DF 0x4000, MF 0x2000, offset in 8-byte units). */
        Ipv4 flagsAndFragmentOffset(int value) {
            flagsAndFragmentOffset = value;
            return this;
        }

        Ipv4 protocol(int value) {
            protocol = value;
            return this;
        }

        /** The identification field, which with the addresses names a fragmented datagram. */
        Ipv4 identification(int value) {
            identification = value;
            return this;
        }

        /** Option bytes (repeated or cut to fit the IHL); by default NOPs then End of Options. */
        Ipv4 options(byte[] value) {
            options = value.clone();
            return this;
        }

        Ipv4 payload(byte[] value) {
            payload = value.clone();
            return this;
        }

        byte[] build() {
            int headerLength = Math.max(ihl, 5) * 4;
            byte[] b = new byte[headerLength + payload.length];
            b[0] = (byte) (version << 4 | ihl & 0x0F);
            b[1] = 0;                                             // DSCP/ECN
            put16(b, 2, totalLength >= 0 ? totalLength : b.length);
            put16(b, 4, identification);
            put16(b, 6, flagsAndFragmentOffset);
            b[8] = 64;                                            // TTL
            b[9] = (byte) protocol;
            put16(b, 10, 0);                                      // checksum (not verified)
            System.arraycopy(src, 0, b, 12, 4);
            System.arraycopy(dst, 0, b, 16, 4);
            for (int i = 20; i < headerLength; i++) {
                b[i] = options == null ? (byte) (i == headerLength - 1 ? 0 : 1) : options[(i - 20) % options.length];
            }
            System.arraycopy(payload, 0, b, headerLength, payload.length);
            return b;
        }
    }

    // ---------------------------------------------------------------- IPv6

    static Ipv6 ipv6(byte[] src, byte[] dst) {
        return new Ipv6(src, dst);
    }

    static final class Ipv6 {
        private record Extension(int type, byte[] bytes) {
        }

        private final byte[] src;
        private final byte[] dst;
        private final List<Extension> extensions = new ArrayList<>();
        private int version = 6;
        private int upperProtocol = PROTO_TCP;
        private int payloadLength = -1;
        private byte[] payload = new byte[0];

        private Ipv6(byte[] src, byte[] dst) {
            this.src = src.clone();
            this.dst = dst.clone();
        }

        Ipv6 version(int value) {
            version = value;
            return this;
        }

        /** The protocol named by the last next-header field (TCP by default). */
        Ipv6 upperProtocol(int value) {
            upperProtocol = value;
            return this;
        }

        /** Overrides the payload length field (by default the real length after the fixed header). */
        Ipv6 payloadLength(int value) {
            payloadLength = value;
            return this;
        }

        Ipv6 payload(byte[] value) {
            payload = value.clone();
            return this;
        }

        /** A hop-by-hop, routing or destination options header of {@code (hdrExtLen + 1) * 8} bytes. */
        Ipv6 extension(int type, int hdrExtLen) {
            return extension(type, hdrExtLen, (hdrExtLen + 1) * 8);
        }

        /** As {@link #extension(int, int)} but with only {@code actualBytes} really present (a lying length). */
        Ipv6 extension(int type, int hdrExtLen, int actualBytes) {
            byte[] b = new byte[actualBytes];
            b[1] = (byte) hdrExtLen;
            if (type == IPV6_ROUTING && actualBytes >= 4) {
                b[2] = 4;                                          // segment routing
                b[3] = 0;                                          // segments left
            } else if (actualBytes >= 4) {
                b[2] = 1;                                          // PadN covering the rest
                b[3] = (byte) (actualBytes - 4);
            }
            extensions.add(new Extension(type, b));
            return this;
        }

        /** An 8-byte fragment header; {@code offsetUnits} counts 8-byte units. */
        Ipv6 fragment(int offsetUnits, boolean moreFragments) {
            byte[] b = new byte[8];
            put16(b, 2, offsetUnits << 3 | (moreFragments ? 1 : 0));
            put32(b, 4, 0xCAFE0001);                               // identification
            extensions.add(new Extension(IPV6_FRAGMENT, b));
            return this;
        }

        byte[] build() {
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            for (int i = 0; i < extensions.size(); i++) {
                byte[] ext = extensions.get(i).bytes().clone();
                if (ext.length > 0) {
                    ext[0] = (byte) (i + 1 < extensions.size() ? extensions.get(i + 1).type() : upperProtocol);
                }
                rest.writeBytes(ext);
            }
            rest.writeBytes(payload);
            byte[] after = rest.toByteArray();
            byte[] b = new byte[40 + after.length];
            put32(b, 0, version << 28 | 0x0A << 20 | 0x12345);    // version, traffic class, flow label
            put16(b, 4, payloadLength >= 0 ? payloadLength : after.length);
            b[6] = (byte) (extensions.isEmpty() ? upperProtocol : extensions.getFirst().type());
            b[7] = 64;                                             // hop limit
            System.arraycopy(src, 0, b, 8, 16);
            System.arraycopy(dst, 0, b, 24, 16);
            System.arraycopy(after, 0, b, 40, after.length);
            return b;
        }
    }

    // ---------------------------------------------------------------- link layers

    static byte[] ethernet(int etherType, byte[] payload) {
        return ethernet(new int[0], etherType, payload);
    }

    /** Ethernet with the given VLAN tag TPIDs, outermost first, each with its own VLAN id. */
    static byte[] ethernet(int[] tagTpids, int etherType, byte[] payload) {
        byte[] b = new byte[14 + 4 * tagTpids.length + payload.length];
        byte[] dstMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
        byte[] srcMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
        System.arraycopy(dstMac, 0, b, 0, 6);
        System.arraycopy(srcMac, 0, b, 6, 6);
        int at = 12;
        for (int i = 0; i < tagTpids.length; i++) {
            put16(b, at, tagTpids[i]);
            put16(b, at + 2, 0x2000 | (100 + i));                  // PCP 1, VLAN id
            at += 4;
        }
        put16(b, at, etherType);
        System.arraycopy(payload, 0, b, at + 2, payload.length);
        return b;
    }

    /** Linux cooked capture v1 (DLT_LINUX_SLL): 16-byte header, protocol last. */
    static byte[] sll(int protocol, byte[] payload) {
        byte[] b = new byte[16 + payload.length];
        put16(b, 0, 0);                                            // packet type: to us
        put16(b, 2, 1);                                            // ARPHRD_ETHER
        put16(b, 4, 6);                                            // address length
        byte[] mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00};
        System.arraycopy(mac, 0, b, 6, 8);
        put16(b, 14, protocol);
        System.arraycopy(payload, 0, b, 16, payload.length);
        return b;
    }

    /** Linux cooked capture v2 (DLT_LINUX_SLL2): 20-byte header, protocol first. */
    static byte[] sll2(int protocol, byte[] payload) {
        byte[] b = new byte[20 + payload.length];
        put16(b, 0, protocol);
        put16(b, 2, 0);                                            // reserved
        put32(b, 4, 3);                                            // interface index
        put16(b, 8, 1);                                            // ARPHRD_ETHER
        b[10] = 0;                                                 // packet type: to us
        b[11] = 6;                                                 // address length
        byte[] mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00};
        System.arraycopy(mac, 0, b, 12, 8);
        System.arraycopy(payload, 0, b, 20, payload.length);
        return b;
    }

    /** DLT_NULL as written by a little-endian host: the family in little-endian byte order. */
    static byte[] nullLittleEndian(int family, byte[] payload) {
        byte[] b = new byte[4 + payload.length];
        b[0] = (byte) family;
        b[1] = (byte) (family >>> 8);
        b[2] = (byte) (family >>> 16);
        b[3] = (byte) (family >>> 24);
        System.arraycopy(payload, 0, b, 4, payload.length);
        return b;
    }

    /** DLT_NULL as written by a big-endian host (byte-swapped when read on a little-endian one). */
    static byte[] nullByteSwapped(int family, byte[] payload) {
        return bigEndianFamily(family, payload);
    }

    /** DLT_LOOP: the family always in network byte order. */
    static byte[] loop(int family, byte[] payload) {
        return bigEndianFamily(family, payload);
    }

    private static byte[] bigEndianFamily(int family, byte[] payload) {
        byte[] b = new byte[4 + payload.length];
        put32(b, 0, family);
        System.arraycopy(payload, 0, b, 4, payload.length);
        return b;
    }

    // ---------------------------------------------------------------- helpers

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    static String hex(byte[] b, int length) {
        return HexFormat.of().formatHex(b, 0, Math.min(length, b.length));
    }

    static void put16(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 8);
        b[at + 1] = (byte) value;
    }

    static void put32(byte[] b, int at, int value) {
        put16(b, at, value >>> 16);
        put16(b, at + 2, value);
    }
}
