package org.synwatch.packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Finds a pure TCP SYN in one captured packet without copying it. Every read is checked against the
 * captured length first, so a truncated or hostile packet yields {@link ParseOutcome#MALFORMED}
 * rather than an exception; the segment itself may be larger than the packet (live capture reads
 * through one segment spanning the address space, at the packet's address).
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
    /** Deeper tag stacks than this are not seen in practice and only cost work on hostile input. */
    private static final int MAX_VLAN_TAGS = 4;
    private static final int MAX_IPV6_EXTENSION_HEADERS = 8;

    private static final int ETHERNET_HEADER = 14;
    private static final int SLL_HEADER = 16;
    private static final int SLL2_HEADER = 20;
    private static final int NULL_HEADER = 4;
    private static final int IPV4_MIN_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int TCP_MIN_HEADER = 20;

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

    private PacketParser() {
    }

    /**
     * Parses the packet of {@code length} captured bytes at {@code offset} in {@code segment}.
     * On {@link ParseOutcome#PURE_SYN} the addresses and ports of {@code out} are set; its
     * timestamp is the caller's business.
     */
    public static ParseOutcome parse(MemorySegment segment, long offset, int length, int linkType, SynHeader out) {
        return switch (linkType) {
            case LinkType.ETHERNET -> ethernet(segment, offset, length, out);
            case LinkType.LINUX_SLL -> length < SLL_HEADER ? ParseOutcome.MALFORMED
                    : etherType(segment, offset, length, SLL_HEADER, u16(segment, offset + 14), out);
            case LinkType.LINUX_SLL2 -> length < SLL2_HEADER ? ParseOutcome.MALFORMED
                    : etherType(segment, offset, length, SLL2_HEADER, u16(segment, offset), out);
            case LinkType.RAW, LinkType.RAW_OPENBSD -> rawIp(segment, offset, length, 0, out);
            case LinkType.RAW_IPV4 -> ipv4(segment, offset, length, 0, out);
            case LinkType.RAW_IPV6 -> ipv6(segment, offset, length, 0, out);
            case LinkType.NULL -> length < NULL_HEADER ? ParseOutcome.MALFORMED
                    : bsdFamily(segment, offset, length, nullFamily(segment.get(U32_LE, offset)), out);
            case LinkType.LOOP -> length < NULL_HEADER ? ParseOutcome.MALFORMED
                    : bsdFamily(segment, offset, length, segment.get(U32, offset), out);
            default -> ParseOutcome.IGNORED;
        };
    }

    private static ParseOutcome ethernet(MemorySegment segment, long offset, int length, SynHeader out) {
        if (length < ETHERNET_HEADER) {
            return ParseOutcome.MALFORMED;
        }
        return etherType(segment, offset, length, ETHERNET_HEADER, u16(segment, offset + 12), out);
    }

    /** Dispatches on an EtherType found just before {@code position}, first stepping over VLAN tags. */
    private static ParseOutcome etherType(MemorySegment segment, long offset, int length, int position, int type,
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

    private static ParseOutcome bsdFamily(MemorySegment segment, long offset, int length, int family, SynHeader out) {
        return switch (family) {
            case AF_INET -> ipv4(segment, offset, length, NULL_HEADER, out);
            case AF_INET6_BSD, AF_INET6_FREEBSD, AF_INET6_DARWIN -> ipv6(segment, offset, length, NULL_HEADER, out);
            default -> ParseOutcome.IGNORED;
        };
    }

    private static ParseOutcome rawIp(MemorySegment segment, long offset, int length, int position, SynHeader out) {
        if (position >= length) {
            return ParseOutcome.MALFORMED;
        }
        return switch (u8(segment, offset + position) >>> 4) {
            case 4 -> ipv4(segment, offset, length, position, out);
            case 6 -> ipv6(segment, offset, length, position, out);
            default -> ParseOutcome.MALFORMED;
        };
    }

    private static ParseOutcome ipv4(MemorySegment segment, long offset, int length, int position, SynHeader out) {
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
        // A non-first fragment starts mid-segment: whatever sits at its start is payload, not a header.
        if ((u16(segment, ip + 6) & 0x1FFF) != 0 || u8(segment, ip + 9) != PROTO_TCP) {
            return ParseOutcome.IGNORED;
        }
        // Zero total length is what TSO-offloaded frames carry when captured on the sending host.
        if (totalLength != 0 && totalLength < headerLength + TCP_MIN_HEADER) {
            return ParseOutcome.MALFORMED;
        }
        out.family = SynHeader.IPV4;
        out.srcHi = 0;
        out.srcLo = Integer.toUnsignedLong(segment.get(U32, ip + 12));
        out.dstHi = 0;
        out.dstLo = Integer.toUnsignedLong(segment.get(U32, ip + 16));
        return tcp(segment, offset, length, position + headerLength, out);
    }

    private static ParseOutcome ipv6(MemorySegment segment, long offset, int length, int position, SynHeader out) {
        if (position + IPV6_HEADER > length) {
            return ParseOutcome.MALFORMED;
        }
        long ip = offset + position;
        if (u8(segment, ip) >>> 4 != 6) {
            return ParseOutcome.MALFORMED;
        }
        int next = u8(segment, ip + 6);
        int header = position + IPV6_HEADER;
        for (int hops = 0; next != PROTO_TCP; hops++) {
            if (hops == MAX_IPV6_EXTENSION_HEADERS) {
                return ParseOutcome.IGNORED;
            }
            switch (next) {
                case IPV6_HOP_BY_HOP, IPV6_ROUTING, IPV6_DESTINATION_OPTIONS -> {
                    if (header + 2 > length) {
                        return ParseOutcome.MALFORMED;
                    }
                    next = u8(segment, offset + header);
                    header += (u8(segment, offset + header + 1) + 1) * 8;
                }
                case IPV6_FRAGMENT -> {
                    if (header + 8 > length) {
                        return ParseOutcome.MALFORMED;
                    }
                    if ((u16(segment, offset + header + 2) & 0xFFF8) != 0) {
                        return ParseOutcome.IGNORED;
                    }
                    next = u8(segment, offset + header);
                    header += 8;
                }
                default -> {
                    return ParseOutcome.IGNORED;
                }
            }
        }
        out.family = SynHeader.IPV6;
        out.srcHi = segment.get(U64, ip + 8);
        out.srcLo = segment.get(U64, ip + 16);
        out.dstHi = segment.get(U64, ip + 24);
        out.dstLo = segment.get(U64, ip + 32);
        return tcp(segment, offset, length, header, out);
    }

    private static ParseOutcome tcp(MemorySegment segment, long offset, int length, int position, SynHeader out) {
        if (position + TCP_MIN_HEADER > length) {
            return ParseOutcome.MALFORMED;
        }
        long tcp = offset + position;
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
