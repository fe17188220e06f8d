package org.synwatch.packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Finds a pure TCP SYN in one captured packet without copying it. Every read is checked against the
 * captured length first, so a truncated or hostile packet yields {@link ParseOutcome#MALFORMED}
 * rather than an exception; the segment itself may be larger than the packet (live capture reads
 * through one segment spanning the address space, at the packet's address). A SYN counts once the
 * first {@value FragmentTable#HEADER_BYTES} bytes of its TCP header (ports and flags) are captured,
 * directly or, for IPv4 fragments, through the {@link FragmentTable}. Confined to one thread.
 */
public final class PacketParser {
    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86DD;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int ETHERTYPE_QINQ = 0x88A8;
    private static final int ETHERTYPE_QINQ_LEGACY = 0x9100;
    /**
     * Deeper tag stacks than this are not seen in practice and only cost work on hostile input;
     * the kernel filter nests as many.
     */
    public static final int MAX_VLAN_TAGS = 4;

    private static final int ETHERNET_HEADER = 14;
    private static final int SLL_HEADER = 16;
    private static final int SLL2_HEADER = 20;
    private static final int NULL_HEADER = 4;
    private static final int IPV4_MIN_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int TCP_MIN_HEADER = 20;
    private static final int IPV4_MORE_FRAGMENTS = 0x2000;
    private static final int IPV4_FRAGMENT_OFFSET = 0x1FFF;
    private static final int IPV6_FRAGMENT_OFFSET = 0xFFF8;
    private static final int IPV6_MORE_FRAGMENTS = 0x0001;

    private static final int PROTO_TCP = 6;
    private static final int IPV6_HOP_BY_HOP = 0;
    private static final int IPV6_ROUTING = 43;
    private static final int IPV6_FRAGMENT = 44;
    private static final int IPV6_DESTINATION_OPTIONS = 60;

    /** BSD address families for IPv6 differ by OS: NetBSD/OpenBSD, FreeBSD, Darwin. */
    private static final int AF_INET = 2;
    private static final int AF_INET6_BSD = 24;
    private static final int AF_INET6_FREEBSD = 28;
    private static final int AF_INET6_DARWIN = 30;

    private static final int TCP_SYN = 0x02;
    private static final int TCP_ACK = 0x10;

    private final FragmentTable fragments;

    public PacketParser(FragmentTable fragments) {
        this.fragments = fragments;
    }

    /**
     * Parses the packet of {@code length} captured bytes at {@code offset} in {@code segment}.
     * {@code out.timestampMicros} must hold the packet's time (fragments are timed by it); on
     * {@link ParseOutcome#PURE_SYN} the addresses and ports of {@code out} are set.
     */
    public ParseOutcome parse(MemorySegment segment, long offset, int length, LinkType linkType, SynHeader out) {
        return switch (linkType) {
            case ETHERNET -> ethernet(segment, offset, length, out);
            case LINUX_SLL -> length < SLL_HEADER ? ParseOutcome.MALFORMED
                    : etherType(segment, offset, length, SLL_HEADER, u16(segment, offset + 14), out);
            case LINUX_SLL2 -> length < SLL2_HEADER ? ParseOutcome.MALFORMED
                    : etherType(segment, offset, length, SLL2_HEADER, u16(segment, offset), out);
            case RAW, LinkType.RAW_OPENBSD -> rawIp(segment, offset, length, 0, out);
            case RAW_IPV4 -> ipv4(segment, offset, length, 0, out);
            case RAW_IPV6 -> ipv6(segment, offset, length, 0, out);
            case NULL -> length < NULL_HEADER ? ParseOutcome.MALFORMED
                    : bsdFamily(segment, offset, length, nullFamily(segment.get(U32_LE, offset)), out);
            case LOOP -> length < NULL_HEADER ? ParseOutcome.MALFORMED
                    : bsdFamily(segment, offset, length, segment.get(U32, offset), out);
        };
    }

    private ParseOutcome ethernet(MemorySegment segment, long offset, int length, SynHeader out) {
        if (length < ETHERNET_HEADER) {
            return ParseOutcome.MALFORMED;
        }
        return etherType(segment, offset, length, ETHERNET_HEADER, u16(segment, offset + 12), out);
    }

    /** Dispatches on an EtherType found just before {@code position}, first stepping over VLAN tags. */
    private ParseOutcome etherType(MemorySegment segment, long offset, int length, int position, int type,
                                          SynHeader out) {
        for (int tags = 0; isVlanTag(type); tags++) {
            if (tags == MAX_VLAN_TAGS) {
                return ParseOutcome.IGNORED;
            }
            if (position + 4 > length) {
                return ParseOutcome.MALFORMED;
            }
            type = u16(segment, offset + position + 2);
            position += 4;
        }
        return switch (type) {
            case ETHERTYPE_IPV4 -> ipv4(segment, offset, length, position, out);
            case ETHERTYPE_IPV6 -> ipv6(segment, offset, length, position, out);
            default -> ParseOutcome.IGNORED;
        };
    }

    private static boolean isVlanTag(int type) {
        return type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_LEGACY;
    }

    /** DLT_NULL stores the family in the capturing host's byte order; a swapped value shows in the high half. */
    private static int nullFamily(int littleEndian) {
        return (littleEndian & 0xFFFF0000) != 0 ? Integer.reverseBytes(littleEndian) : littleEndian;
    }

    private ParseOutcome bsdFamily(MemorySegment segment, long offset, int length, int family, SynHeader out) {
        return switch (family) {
            case AF_INET -> ipv4(segment, offset, length, NULL_HEADER, out);
            case AF_INET6_BSD, AF_INET6_FREEBSD, AF_INET6_DARWIN -> ipv6(segment, offset, length, NULL_HEADER, out);
            default -> ParseOutcome.IGNORED;
        };
    }

    private ParseOutcome rawIp(MemorySegment segment, long offset, int length, int position, SynHeader out) {
        if (position >= length) {
            return ParseOutcome.MALFORMED;
        }
        return switch (u8(segment, offset + position) >>> 4) {
            case 4 -> ipv4(segment, offset, length, position, out);
            case 6 -> ipv6(segment, offset, length, position, out);
            default -> ParseOutcome.MALFORMED;
        };
    }

    private ParseOutcome ipv4(MemorySegment segment, long offset, int length, int position, SynHeader out) {
        if (position + IPV4_MIN_HEADER > length) {
            return ParseOutcome.MALFORMED;
        }
        long ip = offset + position;
        int versionAndLength = u8(segment, ip);
        int headerLength = (versionAndLength & 0x0F) * 4;
        if (versionAndLength >>> 4 != 4 || headerLength < IPV4_MIN_HEADER || position + headerLength > length) {
            return ParseOutcome.MALFORMED;
        }
        int totalLength = u16(segment, ip + 2);
        if (totalLength != 0 && totalLength < headerLength) {
            return ParseOutcome.MALFORMED;
        }
        if (u8(segment, ip + 9) != PROTO_TCP) {
            return ParseOutcome.IGNORED;
        }
        out.family = SynHeader.IPV4;
        out.srcHi = 0;
        out.srcLo = Integer.toUnsignedLong(segment.get(U32, ip + 12));
        out.dstHi = 0;
        out.dstLo = Integer.toUnsignedLong(segment.get(U32, ip + 16));
        int fragmentField = u16(segment, ip + 6);
        if ((fragmentField & (IPV4_MORE_FRAGMENTS | IPV4_FRAGMENT_OFFSET)) != 0) {
            if (totalLength == 0) {
                return ParseOutcome.MALFORMED;
            }
            int data = position + headerLength;
            return fragments.accept(segment, offset + data, length - data, totalLength - headerLength,
                    (fragmentField & IPV4_FRAGMENT_OFFSET) * 8, u16(segment, ip + 4), out);
        }
        // Zero total length is what TSO-offloaded frames carry when captured on the sending host.
        if (totalLength != 0 && totalLength < headerLength + TCP_MIN_HEADER) {
            return ParseOutcome.MALFORMED;
        }
        return tcp(segment, offset, length, position + headerLength, out);
    }

    /**
     * Walks the extension headers as far as they go: each is at least 8 bytes, so the walk is
     * bounded by the packet. A chain that runs past the captured bytes but not past the packet's
     * own length was cut by the snaplen: {@link ParseOutcome#TRUNCATED}.
     */
    private ParseOutcome ipv6(MemorySegment segment, long offset, int length, int position, SynHeader out) {
        if (position + IPV6_HEADER > length) {
            return ParseOutcome.MALFORMED;
        }
        long ip = offset + position;
        if (u8(segment, ip) >>> 4 != 6) {
            return ParseOutcome.MALFORMED;
        }
        int payloadLength = u16(segment, ip + 4);
        // Zero is a jumbogram or a TSO frame captured on the sender: the captured bytes are the bound.
        int end = payloadLength == 0 ? Integer.MAX_VALUE : position + IPV6_HEADER + payloadLength;
        int next = u8(segment, ip + 6);
        int header = position + IPV6_HEADER;
        boolean firstFragment = false;
        while (next != PROTO_TCP) {
            if (next != IPV6_HOP_BY_HOP && next != IPV6_ROUTING && next != IPV6_DESTINATION_OPTIONS
                    && next != IPV6_FRAGMENT) {
                return ParseOutcome.IGNORED;
            }
            // The fragment header is read whole; the others only up to their length byte.
            int needed = next == IPV6_FRAGMENT ? 8 : 2;
            if (header + needed > end) {
                return ParseOutcome.MALFORMED;
            }
            if (header + needed > length) {
                return ParseOutcome.TRUNCATED;
            }
            long at = offset + header;
            if (next == IPV6_FRAGMENT) {
                int fragmentField = u16(segment, at + 2);
                if ((fragmentField & IPV6_FRAGMENT_OFFSET) != 0) {
                    return ParseOutcome.IGNORED;
                }
                firstFragment |= (fragmentField & IPV6_MORE_FRAGMENTS) != 0;
                header += 8;
            } else {
                header += (u8(segment, at + 1) + 1) * 8;
            }
            next = u8(segment, at);
        }
        // Linux (5.10+, RFC 8200 section 4.5) discards a first fragment that does not hold the
        // whole TCP header, so such a SYN is never answered and needs no reassembly here.
        if (firstFragment && header + TCP_MIN_HEADER > end) {
            return ParseOutcome.IGNORED;
        }
        if (header > position + IPV6_HEADER && header + FragmentTable.HEADER_BYTES > length
                && header + FragmentTable.HEADER_BYTES <= end) {
            return ParseOutcome.TRUNCATED;
        }
        out.family = SynHeader.IPV6;
        out.srcHi = segment.get(U64, ip + 8);
        out.srcLo = segment.get(U64, ip + 16);
        out.dstHi = segment.get(U64, ip + 24);
        out.dstLo = segment.get(U64, ip + 32);
        return tcp(segment, offset, length, header, out);
    }

    private static ParseOutcome tcp(MemorySegment segment, long offset, int length, int position, SynHeader out) {
        if (position + FragmentTable.HEADER_BYTES > length) {
            return ParseOutcome.MALFORMED;
        }
        return tcpHeader(segment, offset + position, out);
    }

    /** Judges the first {@value FragmentTable#HEADER_BYTES} bytes of a TCP header at {@code tcp}, all readable. */
    static ParseOutcome tcpHeader(MemorySegment segment, long tcp, SynHeader out) {
        if (u8(segment, tcp + 12) >>> 4 < 5) {
            return ParseOutcome.MALFORMED;
        }
        if ((u8(segment, tcp + 13) & (TCP_SYN | TCP_ACK)) != TCP_SYN) {
            return ParseOutcome.IGNORED;
        }
        out.srcPort = u16(segment, tcp);
        out.dstPort = u16(segment, tcp + 2);
        return ParseOutcome.PURE_SYN;
    }

    private static int u8(MemorySegment segment, long at) {
        return Byte.toUnsignedInt(segment.get(U8, at));
    }

    private static int u16(MemorySegment segment, long at) {
        return Short.toUnsignedInt(segment.get(U16, at));
    }
}
