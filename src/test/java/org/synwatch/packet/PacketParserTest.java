package org.synwatch.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.synwatch.packet.PacketBytes.ACK;
import static org.synwatch.packet.PacketBytes.AF_INET;
import static org.synwatch.packet.PacketBytes.AF_INET6_BSD;
import static org.synwatch.packet.PacketBytes.AF_INET6_DARWIN;
import static org.synwatch.packet.PacketBytes.AF_INET6_FREEBSD;
import static org.synwatch.packet.PacketBytes.CWR;
import static org.synwatch.packet.PacketBytes.ECE;
import static org.synwatch.packet.PacketBytes.ETHERTYPE_ARP;
import static org.synwatch.packet.PacketBytes.ETHERTYPE_IPV4;
import static org.synwatch.packet.PacketBytes.ETHERTYPE_IPV6;
import static org.synwatch.packet.PacketBytes.FIN;
import static org.synwatch.packet.PacketBytes.IPV6_DESTINATION_OPTIONS;
import static org.synwatch.packet.PacketBytes.IPV6_HOP_BY_HOP;
import static org.synwatch.packet.PacketBytes.IPV6_NO_NEXT;
import static org.synwatch.packet.PacketBytes.IPV6_ROUTING;
import static org.synwatch.packet.PacketBytes.PROTO_ICMP;
import static org.synwatch.packet.PacketBytes.PROTO_UDP;
import static org.synwatch.packet.PacketBytes.PSH;
import static org.synwatch.packet.PacketBytes.RST;
import static org.synwatch.packet.PacketBytes.SYN;
import static org.synwatch.packet.PacketBytes.TPID_8021AD;
import static org.synwatch.packet.PacketBytes.TPID_8021Q;
import static org.synwatch.packet.PacketBytes.TPID_QINQ_LEGACY;
import static org.synwatch.packet.PacketBytes.URG;
import static org.synwatch.packet.PacketBytes.bytes;
import static org.synwatch.packet.PacketBytes.concat;
import static org.synwatch.packet.PacketBytes.ethernet;
import static org.synwatch.packet.PacketBytes.hex;
import static org.synwatch.packet.PacketBytes.ipv4;
import static org.synwatch.packet.PacketBytes.ipv6;
import static org.synwatch.packet.PacketBytes.loop;
import static org.synwatch.packet.PacketBytes.nullByteSwapped;
import static org.synwatch.packet.PacketBytes.nullLittleEndian;
import static org.synwatch.packet.PacketBytes.sll;
import static org.synwatch.packet.PacketBytes.sll2;
import static org.synwatch.packet.PacketBytes.tcp;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every parse goes through {@link #parse(byte[], int, int)}, which runs the parser twice: on a heap
 * segment of exactly the captured bytes (so any read past {@code length} throws
 * IndexOutOfBoundsException and fails the test), and at offset 7 of a larger segment whose bytes
 * past {@code length} are the rest of the real frame followed by garbage that reads as a valid SYN
 * (so a read past {@code length} that does not throw would still change the outcome). Both runs
 * must agree.
 */
class PacketParserTest {

    // ------------------------------------------------------------------ fixtures

    private static final byte[] SRC4 = bytes(192, 0, 2, 1);
    private static final long SRC4_VALUE = 0xC0000201L;
    private static final byte[] DST4 = bytes(198, 51, 100, 254);
    private static final long DST4_VALUE = 0xC63364FEL;

    private static final byte[] SRC6 = bytes(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x8a, 0x2b, 0x3c, 0xff, 0xfe, 0x4d, 0x5e, 0x6f);
    private static final long SRC6_HI = 0xFE80_0000_0000_0000L;
    private static final long SRC6_LO = 0x8A2B_3CFF_FE4D_5E6FL;
    private static final byte[] DST6 = bytes(0x20, 0x01, 0x0d, 0xb8, 0x85, 0xa3, 0x00, 0x01, 0x00, 0x02, 0x8a, 0x2e, 0x03, 0x70, 0x73, 0x34);
    private static final long DST6_HI = 0x2001_0DB8_85A3_0001L;
    private static final long DST6_LO = 0x0002_8A2E_0370_7334L;

    private static final int SRC_PORT = 54321;
    private static final int DST_PORT = 443;

    private static final int OFFSET = 7;
    /** As a TCP data-offset byte: 6 words; as a TCP flags byte: SYN|URG|ECE without ACK. */
    private static final byte GARBAGE = 0x62;
    private static final long SENTINEL_TIMESTAMP = 0x1234_5678L;


    /** How an IP packet is carried on one link type. */
    record Framing(String name, LinkType linkType, int ipVersion, int linkHeader, boolean declaresFamily,
                   UnaryOperator<byte[]> wrap) {
        byte[] frame(byte[] ipPacket) {
            return wrap.apply(ipPacket);
        }

        int ipHeader() {
            return ipVersion == 4 ? 20 : 40;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Framing> ipv4Framings() {
        return Stream.of(
                new Framing("ETHERNET/IPv4", LinkType.ETHERNET, 4, 14, true, ip -> ethernet(ETHERTYPE_IPV4, ip)),
                new Framing("LINUX_SLL/IPv4", LinkType.LINUX_SLL, 4, 16, true, ip -> sll(ETHERTYPE_IPV4, ip)),
                new Framing("LINUX_SLL2/IPv4", LinkType.LINUX_SLL2, 4, 20, true, ip -> sll2(ETHERTYPE_IPV4, ip)),
                new Framing("RAW(12)/IPv4", LinkType.RAW, 4, 0, false, ip -> ip),
                new Framing("RAW(14)/IPv4", LinkType.RAW_OPENBSD, 4, 0, false, ip -> ip),
                new Framing("RAW_IPV4(228)", LinkType.RAW_IPV4, 4, 0, true, ip -> ip),
                new Framing("NULL-LE(AF 2)/IPv4", LinkType.NULL, 4, 4, true, ip -> nullLittleEndian(AF_INET, ip)),
                new Framing("NULL-swapped(AF 2)/IPv4", LinkType.NULL, 4, 4, true, ip -> nullByteSwapped(AF_INET, ip)),
                new Framing("LOOP(AF 2)/IPv4", LinkType.LOOP, 4, 4, true, ip -> loop(AF_INET, ip)));
    }

    static Stream<Framing> ipv6Framings() {
        List<Framing> framings = new ArrayList<>(List.of(
                new Framing("ETHERNET/IPv6", LinkType.ETHERNET, 6, 14, true, ip -> ethernet(ETHERTYPE_IPV6, ip)),
                new Framing("LINUX_SLL/IPv6", LinkType.LINUX_SLL, 6, 16, true, ip -> sll(ETHERTYPE_IPV6, ip)),
                new Framing("LINUX_SLL2/IPv6", LinkType.LINUX_SLL2, 6, 20, true, ip -> sll2(ETHERTYPE_IPV6, ip)),
                new Framing("RAW(12)/IPv6", LinkType.RAW, 6, 0, false, ip -> ip),
                new Framing("RAW(14)/IPv6", LinkType.RAW_OPENBSD, 6, 0, false, ip -> ip),
                new Framing("RAW_IPV6(229)", LinkType.RAW_IPV6, 6, 0, true, ip -> ip)));
        for (int family : new int[] {AF_INET6_BSD, AF_INET6_FREEBSD, AF_INET6_DARWIN}) {
            framings.add(new Framing("NULL-LE(AF " + family + ")/IPv6", LinkType.NULL, 6, 4, true,
                    ip -> nullLittleEndian(family, ip)));
            framings.add(new Framing("NULL-swapped(AF " + family + ")/IPv6", LinkType.NULL, 6, 4, true,
                    ip -> nullByteSwapped(family, ip)));
            framings.add(new Framing("LOOP(AF " + family + ")/IPv6", LinkType.LOOP, 6, 4, true,
                    ip -> loop(family, ip)));
        }
        return framings.stream();
    }

    static Stream<Framing> allFramings() {
        return Stream.concat(ipv4Framings(), ipv6Framings());
    }

    /** Every framing crossed with each of {@code values}. */
    private static Stream<Arguments> cross(Stream<Framing> framings, Object... values) {
        return framings.flatMap(f -> Arrays.stream(values).map(v -> Arguments.of(f, v)));
    }

    private static byte[] synIp(int version) {
        return ipWithTcp(version, tcp(SRC_PORT, DST_PORT, SYN));
    }

    private static byte[] ipWithTcp(int version, byte[] tcpHeader) {
        return version == 4
                ? ipv4(SRC4, DST4).payload(tcpHeader).build()
                : ipv6(SRC6, DST6).payload(tcpHeader).build();
    }

    private static byte[] synTcp() {
        return tcp(SRC_PORT, DST_PORT, SYN);
    }

    // ------------------------------------------------------------------ parsing harness

    record Parsed(ParseOutcome outcome, SynHeader header) {
    }

    private static SynHeader sentinelHeader() {
        SynHeader h = new SynHeader();
        h.timestampMicros = SENTINEL_TIMESTAMP;
        h.family = -1;
        h.srcHi = h.srcLo = h.dstHi = h.dstLo = 0x5A5A_5A5A_5A5A_5A5AL;
        h.srcPort = h.dstPort = -1;
        return h;
    }

    /** A parser of its own per call: the fragment table is the only state, and most tests want none. */
    static PacketParser parser() {
        return new PacketParser(new FragmentTable(16, new FragmentCounters()));
    }

    static Parsed parse(byte[] frame, LinkType linkType) {
        return parse(frame, frame.length, linkType);
    }

    /** Parses the first {@code length} bytes of {@code frame}, alone and embedded (see class comment). */
    static Parsed parse(byte[] frame, int length, LinkType linkType) {
        byte[] exact = Arrays.copyOf(frame, length);
        byte[] embedded = new byte[OFFSET + frame.length + 64];
        Arrays.fill(embedded, GARBAGE);
        System.arraycopy(frame, 0, embedded, OFFSET, frame.length);

        SynHeader alone = sentinelHeader();
        SynHeader inside = sentinelHeader();
        ParseOutcome aloneOutcome;
        ParseOutcome insideOutcome;
        try {
            aloneOutcome = parser().parse(MemorySegment.ofArray(exact), 0, length, linkType, alone);
            insideOutcome = parser().parse(MemorySegment.ofArray(embedded), OFFSET, length, linkType, inside);
        } catch (RuntimeException e) {
            throw new AssertionError("parse threw for link type " + linkType + ", length " + length
                    + ", bytes " + hex(frame, length), e);
        }
        assertNotNull(aloneOutcome);
        assertEquals(aloneOutcome, insideOutcome, () -> "bytes past length changed the outcome: link type "
                + linkType + ", length " + length + " of " + hex(frame, frame.length));
        if (aloneOutcome == ParseOutcome.PURE_SYN) {
            assertEquals(describe(alone), describe(inside), "header differs at offset 7");
        }
        assertEquals(SENTINEL_TIMESTAMP, alone.timestampMicros, "the parser must leave the timestamp alone");
        return new Parsed(aloneOutcome, alone);
    }

    private static String describe(SynHeader h) {
        return "family=%d src=%016x:%016x dst=%016x:%016x ports=%d->%d".formatted(
                h.family, h.srcHi, h.srcLo, h.dstHi, h.dstLo, h.srcPort, h.dstPort);
    }

    private static void assertOutcome(ParseOutcome expected, Parsed parsed) {
        assertEquals(expected, parsed.outcome());
    }

    private static void assertPureSyn(int ipVersion, Parsed parsed) {
        assertPureSyn(ipVersion, SRC_PORT, DST_PORT, parsed);
    }

    private static void assertPureSyn(int ipVersion, int srcPort, int dstPort, Parsed parsed) {
        assertEquals(ParseOutcome.PURE_SYN, parsed.outcome());
        SynHeader expected = new SynHeader();
        expected.family = ipVersion == 4 ? SynHeader.IPV4 : SynHeader.IPV6;
        expected.srcHi = ipVersion == 4 ? 0 : SRC6_HI;
        expected.srcLo = ipVersion == 4 ? SRC4_VALUE : SRC6_LO;
        expected.dstHi = ipVersion == 4 ? 0 : DST6_HI;
        expected.dstLo = ipVersion == 4 ? DST4_VALUE : DST6_LO;
        expected.srcPort = srcPort;
        expected.dstPort = dstPort;
        assertEquals(describe(expected), describe(parsed.header()));
    }

    // ------------------------------------------------------------------ pure SYN, every link type

    @ParameterizedTest(name = "{0}")
    @MethodSource("allFramings")
    void pureSynYieldsExactHeader(Framing f) {
        assertPureSyn(f.ipVersion(), parse(f.frame(synIp(f.ipVersion())), f.linkType()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allFramings")
    void portsAreUnsigned(Framing f) {
        byte[] frame = f.frame(ipWithTcp(f.ipVersion(), tcp(65535, 32768, SYN)));
        assertPureSyn(f.ipVersion(), 65535, 32768, parse(frame, f.linkType()));
    }

    @Test
    void readsAreBoundedByLengthNotBySegment() {
        byte[] frame = ethernet(ETHERTYPE_IPV4, synIp(4));
        byte[] big = new byte[OFFSET + frame.length + 40];
        Arrays.fill(big, GARBAGE);
        System.arraycopy(frame, 0, big, OFFSET, frame.length);
        MemorySegment segment = MemorySegment.ofArray(big);

        // Missing the flags and everything after them, whose real values would make a SYN.
        assertEquals(ParseOutcome.MALFORMED,
                parser().parse(segment, OFFSET, 14 + 20 + 13, LinkType.ETHERNET, new SynHeader()));
        // Ports and flags are all a SYN needs: the rest of the TCP header may lie past the snaplen.
        SynHeader out = new SynHeader();
        assertEquals(ParseOutcome.PURE_SYN, parser().parse(segment, OFFSET, 14 + 20 + 14, LinkType.ETHERNET, out));
        assertEquals(SRC_PORT, out.srcPort);
        assertEquals(DST4_VALUE, out.dstLo);
    }

    // ------------------------------------------------------------------ TCP flags

    record Flags(String name, int bits, ParseOutcome expected) {
        @Override
        public String toString() {
            return name + " -> " + expected;
        }
    }

    private static final Flags[] FLAG_CASES = {
        new Flags("SYN-ACK", SYN | ACK, ParseOutcome.IGNORED),
        new Flags("ACK", ACK, ParseOutcome.IGNORED),
        new Flags("RST", RST, ParseOutcome.IGNORED),
        new Flags("RST-ACK", RST | ACK, ParseOutcome.IGNORED),
        new Flags("FIN", FIN, ParseOutcome.IGNORED),
        new Flags("FIN-ACK", FIN | ACK, ParseOutcome.IGNORED),
        new Flags("PSH-ACK", PSH | ACK, ParseOutcome.IGNORED),
        new Flags("none", 0, ParseOutcome.IGNORED),
        new Flags("SYN-ACK-ECE", SYN | ACK | ECE, ParseOutcome.IGNORED),
        new Flags("SYN-ECE-CWR", SYN | ECE | CWR, ParseOutcome.PURE_SYN),
        new Flags("SYN-ECE", SYN | ECE, ParseOutcome.PURE_SYN),
        new Flags("SYN-CWR", SYN | CWR, ParseOutcome.PURE_SYN),
        new Flags("SYN-PSH", SYN | PSH, ParseOutcome.PURE_SYN),
        new Flags("SYN-URG", SYN | URG, ParseOutcome.PURE_SYN),
        new Flags("SYN-PSH-URG-ECE-CWR", SYN | PSH | URG | ECE | CWR, ParseOutcome.PURE_SYN),
    };

    static Stream<Arguments> flagCases() {
        return cross(allFramings(), (Object[]) FLAG_CASES);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("flagCases")
    void tcpFlags(Framing f, Flags flags) {
        Parsed parsed = parse(f.frame(ipWithTcp(f.ipVersion(), tcp(SRC_PORT, DST_PORT, flags.bits()))), f.linkType());
        if (flags.expected() == ParseOutcome.PURE_SYN) {
            assertPureSyn(f.ipVersion(), parsed);
        } else {
            assertOutcome(flags.expected(), parsed);
        }
    }

    // ------------------------------------------------------------------ Ethernet VLAN tags

    static Stream<Arguments> vlanStacks() {
        int[][] stacks = {
            {TPID_8021Q},
            {TPID_8021AD, TPID_8021Q},
            {TPID_QINQ_LEGACY},
            {TPID_QINQ_LEGACY, TPID_8021Q},
            {TPID_8021Q, TPID_8021Q},
            {TPID_8021AD, TPID_8021Q, TPID_8021Q, TPID_8021Q},
        };
        return Stream.of(4, 6).flatMap(v -> Arrays.stream(stacks).map(s -> Arguments.of(v, s)));
    }

    @ParameterizedTest(name = "IPv{0} under tags {1}")
    @MethodSource("vlanStacks")
    void vlanTagsAreSkipped(int ipVersion, int[] tags) {
        byte[] frame = ethernet(tags, ipVersion == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6, synIp(ipVersion));
        assertPureSyn(ipVersion, parse(frame, LinkType.ETHERNET));
    }

    @ParameterizedTest(name = "IPv{0}")
    @ValueSource(ints = {4, 6})
    void fiveStackedTagsAreIgnored(int ipVersion) {
        int[] tags = {TPID_8021AD, TPID_8021Q, TPID_8021Q, TPID_8021Q, TPID_8021Q};
        byte[] frame = ethernet(tags, ipVersion == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6, synIp(ipVersion));
        assertOutcome(ParseOutcome.IGNORED, parse(frame, LinkType.ETHERNET));
    }

    @ParameterizedTest(name = "{0} tag(s)")
    @ValueSource(ints = {1, 2, 3, 4})
    void truncatedInsideATagIsMalformed(int tagCount) {
        int[] tags = new int[tagCount];
        Arrays.fill(tags, TPID_8021Q);
        byte[] frame = ethernet(tags, ETHERTYPE_IPV4, synIp(4));
        for (int length = 14; length < 14 + 4 * tagCount; length++) {
            assertEquals(ParseOutcome.MALFORMED, parse(frame, length, LinkType.ETHERNET).outcome(), "length " + length);
        }
    }

    @Test
    void nonIpEtherTypesAreIgnored() {
        byte[] synPayload = synIp(4);
        assertOutcome(ParseOutcome.IGNORED, parse(ethernet(ETHERTYPE_ARP, synPayload), LinkType.ETHERNET));
        assertOutcome(ParseOutcome.IGNORED,
                parse(ethernet(new int[] {TPID_8021Q}, ETHERTYPE_ARP, synPayload), LinkType.ETHERNET));
        // An 802.3 length field instead of an EtherType.
        assertOutcome(ParseOutcome.IGNORED, parse(ethernet(0x05DC, synPayload), LinkType.ETHERNET));
        // A bare Ethernet header with a non-IP type and nothing after it.
        assertOutcome(ParseOutcome.IGNORED, parse(ethernet(ETHERTYPE_ARP, new byte[0]), LinkType.ETHERNET));
    }

    @Test
    void etherTypeAndIpVersionMustAgree() {
        assertOutcome(ParseOutcome.MALFORMED, parse(ethernet(ETHERTYPE_IPV4, synIp(6)), LinkType.ETHERNET));
        assertOutcome(ParseOutcome.MALFORMED, parse(ethernet(ETHERTYPE_IPV6, synIp(4)), LinkType.ETHERNET));
    }

    // ------------------------------------------------------------------ IPv4 header

    static Stream<Arguments> ipv4WithIhl6To15() {
        return cross(ipv4Framings(), IntStream.rangeClosed(6, 15).boxed().toArray());
    }

    @ParameterizedTest(name = "{0}, IHL {1}")
    @MethodSource("ipv4WithIhl6To15")
    void ipv4OptionsAreSkipped(Framing f, int ihl) {
        // The options look like a TCP ACK from port 1 to port 2, should the parser read TCP too early.
        byte[] decoy = tcp(1, 2, ACK);
        byte[] ip = ipv4(SRC4, DST4).ihl(ihl).options(decoy).payload(synTcp()).build();
        assertPureSyn(4, parse(f.frame(ip), f.linkType()));
    }

    static Stream<Arguments> ipv4WithIhlBelow5() {
        return cross(ipv4Framings(), 0, 1, 2, 3, 4);
    }

    @ParameterizedTest(name = "{0}, IHL {1}")
    @MethodSource("ipv4WithIhlBelow5")
    void ipv4IhlBelow5IsMalformed(Framing f, int ihl) {
        byte[] ip = ipv4(SRC4, DST4).ihl(ihl).payload(synTcp()).build();
        assertOutcome(ParseOutcome.MALFORMED, parse(f.frame(ip), f.linkType()));
    }

    static Stream<Arguments> ipv4WithIhlBeyondCapture() {
        return cross(ipv4Framings(), 11, 12, 15);
    }

    @ParameterizedTest(name = "{0}, IHL {1}")
    @MethodSource("ipv4WithIhlBeyondCapture")
    void ipv4IhlBeyondCapturedLengthIsMalformed(Framing f, int ihl) {
        // A 40-byte IPv4 SYN whose IHL claims more than the 40 bytes captured.
        byte[] ip = synIp(4);
        ip[0] = (byte) (0x40 | ihl);
        assertOutcome(ParseOutcome.MALFORMED, parse(f.frame(ip), f.linkType()));
        // The header is checked before the protocol and fragment fields are believed, even when the
        // total length (a snaplen cut of a large packet) would allow the header.
        byte[] udp = ipv4(SRC4, DST4).protocol(PROTO_UDP).totalLength(1500).payload(synTcp()).build();
        udp[0] = (byte) (0x40 | ihl);
        assertOutcome(ParseOutcome.MALFORMED, parse(f.frame(udp), f.linkType()));
        byte[] fragment = ipv4(SRC4, DST4).flagsAndFragmentOffset(0x0001).totalLength(1500)
                .payload(synTcp()).build();
        fragment[0] = (byte) (0x40 | ihl);
        assertOutcome(ParseOutcome.MALFORMED, parse(f.frame(fragment), f.linkType()));
    }

    static Stream<Arguments> ipv4WithWrongVersion() {
        return ipv4Framings().flatMap(f -> IntStream.of(0, 1, 5, 6, 7, 15)
                .filter(v -> v != 6 || f.declaresFamily())      // raw IP would read version 6 as IPv6
                .mapToObj(v -> Arguments.of(f, v)));
    }

    @ParameterizedTest(name = "{0}, version {1}")
    @MethodSource("ipv4WithWrongVersion")
    void ipv4WrongVersionIsMalformed(Framing f, int version) {
        byte[] ip = ipv4(SRC4, DST4).version(version).payload(synTcp()).build();
        assertOutcome(ParseOutcome.MALFORMED, parse(f.frame(ip), f.linkType()));
    }

    static Stream<Arguments> ipv4NonTcp() {
        return cross(ipv4Framings(), PROTO_UDP, PROTO_ICMP, 0, 41, 255);
    }

    @ParameterizedTest(name = "{0}, protocol {1}")
    @MethodSource("ipv4NonTcp")
    void ipv4NonTcpIsIgnored(Framing f, int protocol) {
        byte[] ip = ipv4(SRC4, DST4).protocol(protocol).payload(synTcp()).build();
        assertOutcome(ParseOutcome.IGNORED, parse(f.frame(ip), f.linkType()));
    }

    static Stream<Arguments> ipv4NonFirstFragments() {
        // Offset 1, offset 1 + MF, DF + offset 3 (inconsistent but possible), the maximum offset.
        return cross(ipv4Framings(), 0x0001, 0x2001, 0x4003, 0x1FFF, 0x3FFF);
    }

    @ParameterizedTest(name = "{0}, flags+offset field {1}")
    @MethodSource("ipv4NonFirstFragments")
    void ipv4NonFirstFragmentIsIgnored(Framing f, int flagsAndOffset) {
        // The fragment's payload happens to look exactly like a TCP SYN header.
        byte[] ip = ipv4(SRC4, DST4).flagsAndFragmentOffset(flagsAndOffset).payload(synTcp()).build();
        assertOutcome(ParseOutcome.IGNORED, parse(f.frame(ip), f.linkType()));
    }

    static Stream<Arguments> ipv4FirstFragments() {
        return cross(ipv4Framings(), 0x2000, 0x4000);
    }

    @ParameterizedTest(name = "{0}, flags field {1}")
    @MethodSource("ipv4FirstFragments")
    void ipv4FirstFragmentOrDontFragmentIsParsed(Framing f, int flags) {
        byte[] ip = ipv4(SRC4, DST4).flagsAndFragmentOffset(flags).payload(synTcp()).build();
        assertPureSyn(4, parse(f.frame(ip), f.linkType()));
    }

    static Stream<Arguments> ipv4TotalLengthTooSmall() {
        // {ihl, total length}: below the header, and below header + minimal TCP header.
        int[][] cases = {{5, 1}, {5, 19}, {8, 20}, {8, 31}, {5, 20}, {5, 39}, {8, 51}};
        return cross(ipv4Framings(), (Object[]) cases);
    }

    @ParameterizedTest(name = "{0}, IHL/total {1}")
    @MethodSource("ipv4TotalLengthTooSmall")
    void ipv4TotalLengthTooSmallIsMalformed(Framing f, int[] ihlAndTotal) {
        byte[] ip = ipv4(SRC4, DST4).ihl(ihlAndTotal[0]).totalLength(ihlAndTotal[1]).payload(synTcp()).build();
        assertOutcome(ParseOutcome.MALFORMED, parse(f.frame(ip), f.linkType()));
    }

    static Stream<Arguments> ipv4TotalLengthAccepted() {
        // 0 is what TSO frames carry when captured on the sender; > captured is an ordinary snaplen cut.
        int[][] cases = {{5, 0}, {9, 0}, {5, 40}, {5, 1500}, {5, 65535}, {7, 48}};
        return cross(ipv4Framings(), (Object[]) cases);
    }

    @ParameterizedTest(name = "{0}, IHL/total {1}")
    @MethodSource("ipv4TotalLengthAccepted")
    void ipv4TotalLengthZeroOrBeyondCaptureIsAccepted(Framing f, int[] ihlAndTotal) {
        byte[] ip = ipv4(SRC4, DST4).ihl(ihlAndTotal[0]).totalLength(ihlAndTotal[1]).payload(synTcp()).build();
        assertPureSyn(4, parse(f.frame(ip), f.linkType()));
    }

    // ------------------------------------------------------------------ IPv6 extension headers

    record Chain(String name, UnaryOperator<PacketBytes.Ipv6> build) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final Chain[] ACCEPTED_CHAINS = {
        new Chain("hop-by-hop", p -> p.extension(IPV6_HOP_BY_HOP, 0)),
        new Chain("hop-by-hop(len 3)", p -> p.extension(IPV6_HOP_BY_HOP, 3)),
        new Chain("routing", p -> p.extension(IPV6_ROUTING, 2)),
        new Chain("destination options", p -> p.extension(IPV6_DESTINATION_OPTIONS, 1)),
        new Chain("hop-by-hop+routing+destination",
                p -> p.extension(IPV6_HOP_BY_HOP, 0).extension(IPV6_ROUTING, 2).extension(IPV6_DESTINATION_OPTIONS, 1)),
        new Chain("fragment(offset 0, M)", p -> p.fragment(0, true)),
        new Chain("fragment(offset 0, last)", p -> p.fragment(0, false)),
        new Chain("hop-by-hop+destination+routing+fragment(0)+destination",
                p -> p.extension(IPV6_HOP_BY_HOP, 1).extension(IPV6_DESTINATION_OPTIONS, 0)
                        .extension(IPV6_ROUTING, 4).fragment(0, true).extension(IPV6_DESTINATION_OPTIONS, 2)),
        new Chain("8 headers", p -> chainOf(p, 8)),
        new Chain("9 headers", p -> chainOf(p, 9)),
        new Chain("9 destination options", p -> destinationOptions(p, 9)),
        new Chain("20 destination options", p -> destinationOptions(p, 20)),
        new Chain("50 destination options", p -> destinationOptions(p, 50)),
    };

    /** The kernel follows a chain of any length (its only bound is the packet), and so must the parser. */
    private static PacketBytes.Ipv6 destinationOptions(PacketBytes.Ipv6 p, int count) {
        for (int i = 0; i < count; i++) {
            p.extension(IPV6_DESTINATION_OPTIONS, 0);
        }
        return p;
    }

    /** Hop-by-hop first, then a mix of the other extension headers, {@code count} in all. */
    private static PacketBytes.Ipv6 chainOf(PacketBytes.Ipv6 p, int count) {
        p.extension(IPV6_HOP_BY_HOP, 0);
        for (int i = 1; i < count; i++) {
            switch (i % 3) {
                case 0 -> p.extension(IPV6_DESTINATION_OPTIONS, i % 4);
                case 1 -> p.extension(IPV6_ROUTING, 2);
                default -> p.fragment(0, true);
            }
        }
        return p;
    }

    private static final Chain[] IGNORED_CHAINS = {
        new Chain("fragment(offset 1)", p -> p.fragment(1, true)),
        new Chain("fragment(offset 8191, last)", p -> p.fragment(8191, false)),
        new Chain("hop-by-hop+fragment(offset 185)", p -> p.extension(IPV6_HOP_BY_HOP, 0).fragment(185, true)),
        new Chain("no next header", p -> p.upperProtocol(IPV6_NO_NEXT)),
        new Chain("hop-by-hop then no next header", p -> p.extension(IPV6_HOP_BY_HOP, 0).upperProtocol(IPV6_NO_NEXT)),
        new Chain("UDP", p -> p.upperProtocol(PROTO_UDP)),
        new Chain("routing then UDP", p -> p.extension(IPV6_ROUTING, 2).upperProtocol(PROTO_UDP)),
        new Chain("ICMPv6", p -> p.upperProtocol(58)),
    };

    private static final Chain[] MALFORMED_CHAINS = {
        new Chain("hop-by-hop len 10, 8 bytes present", p -> p.extension(IPV6_HOP_BY_HOP, 10, 8)),
        new Chain("routing len 255, 16 bytes present", p -> p.extension(IPV6_ROUTING, 255, 16)),
        new Chain("destination options len 5, 24 bytes present", p -> p.extension(IPV6_DESTINATION_OPTIONS, 5, 24)),
        new Chain("hop-by-hop+routing, routing too long",
                p -> p.extension(IPV6_HOP_BY_HOP, 0).extension(IPV6_ROUTING, 40, 8)),
    };

    static Stream<Arguments> acceptedChains() {
        return cross(ipv6Framings(), (Object[]) ACCEPTED_CHAINS);
    }

    static Stream<Arguments> ignoredChains() {
        return cross(ipv6Framings(), (Object[]) IGNORED_CHAINS);
    }

    static Stream<Arguments> malformedChains() {
        return cross(ipv6Framings(), (Object[]) MALFORMED_CHAINS);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("acceptedChains")
    void ipv6ExtensionHeadersAreSkipped(Framing f, Chain chain) {
        byte[] ip = chain.build().apply(ipv6(SRC6, DST6)).payload(synTcp()).build();
        assertPureSyn(6, parse(f.frame(ip), f.linkType()));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("ignoredChains")
    void ipv6ChainsWithoutAReachableTcpHeaderAreIgnored(Framing f, Chain chain) {
        // Whatever follows the chain looks like a TCP SYN.
        byte[] ip = chain.build().apply(ipv6(SRC6, DST6)).payload(synTcp()).build();
        assertOutcome(ParseOutcome.IGNORED, parse(f.frame(ip), f.linkType()));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("malformedChains")
    void ipv6ExtensionHeaderRunningPastCaptureIsMalformed(Framing f, Chain chain) {
        // The SYN sits right after the bytes present, where a parser ignoring the length would find it.
        byte[] ip = chain.build().apply(ipv6(SRC6, DST6)).payload(synTcp()).build();
        assertOutcome(ParseOutcome.MALFORMED, parse(f.frame(ip), f.linkType()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ipv6Framings")
    void ipv6ExtensionHeaderCutByTheCaptureIsTruncated(Framing f) {
        byte[] hopByHop = f.frame(ipv6(SRC6, DST6).extension(IPV6_HOP_BY_HOP, 0).payload(synTcp()).build());
        byte[] firstFragment = f.frame(ipv6(SRC6, DST6).fragment(0, true).payload(synTcp()).build());
        byte[] laterFragment = f.frame(ipv6(SRC6, DST6).fragment(185, true).payload(synTcp()).build());
        int fixed = f.linkHeader() + 40;
        for (int cut = 0; cut < 2; cut++) {
            assertOutcome(ParseOutcome.TRUNCATED, parse(hopByHop, fixed + cut, f.linkType()));
        }
        for (int cut = 0; cut < 8; cut++) {
            assertOutcome(ParseOutcome.TRUNCATED, parse(firstFragment, fixed + cut, f.linkType()));
            assertOutcome(ParseOutcome.TRUNCATED, parse(laterFragment, fixed + cut, f.linkType()));
        }
    }

    static Stream<Arguments> ipv6WithWrongVersion() {
        return ipv6Framings().flatMap(f -> IntStream.of(0, 4, 5, 7, 15)
                .filter(v -> v != 4 || f.declaresFamily())      // raw IP would read version 4 as IPv4
                .mapToObj(v -> Arguments.of(f, v)));
    }

    @ParameterizedTest(name = "{0}, version {1}")
    @MethodSource("ipv6WithWrongVersion")
    void ipv6WrongVersionIsMalformed(Framing f, int version) {
        byte[] ip = ipv6(SRC6, DST6).version(version).payload(synTcp()).build();
        assertOutcome(ParseOutcome.MALFORMED, parse(f.frame(ip), f.linkType()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ipv6Framings")
    void ipv6PayloadLengthZeroIsAccepted(Framing f) {
        // Jumbograms and BIG TCP / TSO frames captured on the sender carry payload length 0.
        byte[] ip = ipv6(SRC6, DST6).payloadLength(0).payload(synTcp()).build();
        assertPureSyn(6, parse(f.frame(ip), f.linkType()));
    }

    // ------------------------------------------------------------------ TCP header

    @ParameterizedTest(name = "{0}")
    @MethodSource("allFramings")
    void tcpHeaderCutBeforeItsFlagsIsMalformed(Framing f) {
        byte[] frame = f.frame(synIp(f.ipVersion()));
        int tcpStart = f.linkHeader() + f.ipHeader();
        for (int tcpBytes = 0; tcpBytes < 14; tcpBytes++) {
            assertEquals(ParseOutcome.MALFORMED, parse(frame, tcpStart + tcpBytes, f.linkType()).outcome(),
                    tcpBytes + " bytes of TCP header");
        }
        // Ports and flags are in the first 14 bytes (tcpdump -s 68 on IPv6); 16 is what nmap --mtu 16 sends.
        for (int tcpBytes = 14; tcpBytes <= 20; tcpBytes++) {
            assertPureSyn(f.ipVersion(), parse(frame, tcpStart + tcpBytes, f.linkType()));
        }
    }

    static Stream<Arguments> tcpDataOffsetBelow5() {
        return cross(allFramings(), 0, 1, 2, 3, 4);
    }

    @ParameterizedTest(name = "{0}, data offset {1}")
    @MethodSource("tcpDataOffsetBelow5")
    void tcpDataOffsetBelow5IsMalformed(Framing f, int dataOffset) {
        byte[] frame = f.frame(ipWithTcp(f.ipVersion(), tcp(SRC_PORT, DST_PORT, SYN, dataOffset)));
        assertOutcome(ParseOutcome.MALFORMED, parse(frame, f.linkType()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allFramings")
    void tcpOptionsAndReservedBitsDoNotMatter(Framing f) {
        for (int dataOffset = 5; dataOffset <= 15; dataOffset++) {
            byte[] frame = f.frame(ipWithTcp(f.ipVersion(), tcp(SRC_PORT, DST_PORT, SYN, dataOffset)));
            assertPureSyn(f.ipVersion(), parse(frame, f.linkType()));
        }
        byte[] tcpHeader = synTcp();
        tcpHeader[12] |= 0x0F;                                  // reserved bits and AE/NS set
        assertPureSyn(f.ipVersion(), parse(f.frame(ipWithTcp(f.ipVersion(), tcpHeader)), f.linkType()));
    }

    // ------------------------------------------------------------------ truncation at every byte

    /**
     * A SYN frame and the captured length from which it parses as a SYN; from {@code chainStart}
     * (past the IPv6 header, where extension headers begin; -1 if there are none) a shorter capture
     * is a snaplen problem rather than a broken packet.
     */
    record Truncation(String name, LinkType linkType, int ipVersion, byte[] frame, int completeAt, int chainStart) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Truncation> truncationCases() {
        List<Truncation> cases = new ArrayList<>();
        allFramings().forEach(f -> {
            // A 32-byte TCP header: options past the base header are not needed to report the SYN.
            byte[] frame = f.frame(ipWithTcp(f.ipVersion(), tcp(SRC_PORT, DST_PORT, SYN, 8)));
            cases.add(new Truncation(f.name(), f.linkType(), f.ipVersion(), frame,
                    f.linkHeader() + f.ipHeader() + 14, -1));
        });
        byte[] vlanWithOptions = ethernet(new int[] {TPID_8021AD, TPID_8021Q}, ETHERTYPE_IPV4,
                ipv4(SRC4, DST4).ihl(10).payload(synTcp()).build());
        cases.add(new Truncation("ETHERNET/QinQ/IPv4 IHL 10", LinkType.ETHERNET, 4, vlanWithOptions, 22 + 40 + 14, -1));
        byte[] extensionChain = ethernet(ETHERTYPE_IPV6, ipv6(SRC6, DST6).extension(IPV6_HOP_BY_HOP, 1)
                .extension(IPV6_ROUTING, 2).fragment(0, true).extension(IPV6_DESTINATION_OPTIONS, 0)
                .payload(synTcp()).build());
        cases.add(new Truncation("ETHERNET/IPv6+hbh+routing+fragment+dstopts", LinkType.ETHERNET, 6,
                extensionChain, 14 + 40 + 16 + 24 + 8 + 8 + 14, 14 + 40));
        byte[] sll2Chain = sll2(ETHERTYPE_IPV6, ipv6(SRC6, DST6).extension(IPV6_DESTINATION_OPTIONS, 5)
                .payload(synTcp()).build());
        cases.add(new Truncation("LINUX_SLL2/IPv6+dstopts(48)", LinkType.LINUX_SLL2, 6, sll2Chain, 20 + 40 + 48 + 14, 20 + 40));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("truncationCases")
    void truncationAtEveryByteIsCountedUntilTheTcpFlagsAreIn(Truncation t) {
        for (int length = 0; length <= t.frame().length; length++) {
            Parsed parsed = parse(t.frame(), length, t.linkType());
            if (length < t.completeAt()) {
                ParseOutcome expected = t.chainStart() >= 0 && length >= t.chainStart()
                        ? ParseOutcome.TRUNCATED : ParseOutcome.MALFORMED;
                assertEquals(expected, parsed.outcome(), "captured length " + length);
            } else {
                assertPureSyn(t.ipVersion(), parsed);
            }
        }
    }

    // ------------------------------------------------------------------ link layers

    @Test
    void cookedCapturesWithNonIpProtocolAreIgnored() {
        byte[] ip = synIp(4);
        for (int protocol : new int[] {ETHERTYPE_ARP, 0x0004, 0x0001, 0x88CC}) {
            assertOutcome(ParseOutcome.IGNORED, parse(sll(protocol, ip), LinkType.LINUX_SLL));
            assertOutcome(ParseOutcome.IGNORED, parse(sll2(protocol, ip), LinkType.LINUX_SLL2));
        }
    }

    @Test
    void cookedCaptureProtocolFieldIsReadFromTheRightPlace() {
        // SLL carries the protocol last, SLL2 first: swap the link types and neither finds IPv4.
        assertOutcome(ParseOutcome.IGNORED, parse(sll(ETHERTYPE_IPV4, synIp(4)), LinkType.LINUX_SLL2));
        assertOutcome(ParseOutcome.IGNORED, parse(sll2(ETHERTYPE_IPV4, synIp(4)), LinkType.LINUX_SLL));
    }

    @ParameterizedTest(name = "family {0}")
    @ValueSource(ints = {0, 1, 7, 10, 23, 31, 0x0200, 0x0002_0000})
    void bsdLoopbackWithUnknownFamilyIsIgnored(int family) {
        byte[] ip = synIp(4);
        assertOutcome(ParseOutcome.IGNORED, parse(nullLittleEndian(family, ip), LinkType.NULL));
        assertOutcome(ParseOutcome.IGNORED, parse(loop(family, ip), LinkType.LOOP));
    }

    @Test
    void loopFamilyIsAlwaysBigEndian() {
        assertOutcome(ParseOutcome.IGNORED, parse(nullLittleEndian(AF_INET, synIp(4)), LinkType.LOOP));
        assertOutcome(ParseOutcome.IGNORED, parse(nullLittleEndian(AF_INET6_DARWIN, synIp(6)), LinkType.LOOP));
    }

    @ParameterizedTest(name = "version {0}")
    @ValueSource(ints = {0, 1, 5, 7, 15})
    void rawIpWithUnknownVersionIsMalformed(int version) {
        byte[] ip = synIp(4);
        ip[0] = (byte) (version << 4 | 5);
        assertOutcome(ParseOutcome.MALFORMED, parse(ip, LinkType.RAW));
        assertOutcome(ParseOutcome.MALFORMED, parse(ip, LinkType.RAW_OPENBSD));
    }

    @Test
    void versionSpecificRawLinkTypesRejectTheOtherVersion() {
        assertOutcome(ParseOutcome.MALFORMED, parse(synIp(6), LinkType.RAW_IPV4));
        assertOutcome(ParseOutcome.MALFORMED, parse(synIp(4), LinkType.RAW_IPV6));
    }

    @Test
    void emptyPacketIsMalformedForEverySupportedLinkType() {
        for (LinkType linkType : LinkType.values()) {
            assertEquals(ParseOutcome.MALFORMED, parse(new byte[0], linkType).outcome(), "link type " + linkType);
        }
    }

    // ------------------------------------------------------------------ robustness

    private static final int RANDOM_ARRAYS = 200_000;
    private static final int MUTATIONS_PER_FRAME = 5_000;
    /** Values that steer the parser down its deeper paths when they land in the right place. */
    private static final byte[] INTERESTING = bytes(0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x08, 0x0f, 0x10, 0x12,
            0x11, 0x18, 0x1c, 0x1e, 0x2b, 0x2c, 0x3b, 0x3c, 0x40, 0x45, 0x4f, 0x50, 0x60, 0x62, 0x7f, 0x80, 0x81,
            0x86, 0x88, 0x91, 0xa8, 0xdd, 0xf0, 0xff);

    @Test
    void randomBytesNeverThrow() {
        Random random = new Random(0x5EED_0001L);
        int[] outcomes = new int[ParseOutcome.values().length];
        for (int i = 0; i < RANDOM_ARRAYS; i++) {
            byte[] b = new byte[random.nextInt(i % 10 == 0 ? 400 : 128)];
            if (i % 2 == 0) {
                random.nextBytes(b);
            } else {
                for (int j = 0; j < b.length; j++) {
                    b[j] = INTERESTING[random.nextInt(INTERESTING.length)];
                }
            }
            for (LinkType linkType : LinkType.values()) {
                Parsed parsed = parse(b, linkType);
                assertSane(parsed, b);
                outcomes[parsed.outcome().ordinal()]++;
            }
        }
        assertTrue(outcomes[ParseOutcome.MALFORMED.ordinal()] > 0 && outcomes[ParseOutcome.IGNORED.ordinal()] > 0);
    }

    static Stream<Arguments> mutationBases() {
        List<Arguments> bases = new ArrayList<>();
        ipv4Framings().forEach(f -> {
            bases.add(Arguments.of(f, "plain", f.frame(synIp(4))));
            bases.add(Arguments.of(f, "IHL 9 + TCP options", f.frame(ipv4(SRC4, DST4).ihl(9)
                    .payload(tcp(SRC_PORT, DST_PORT, SYN, 7)).build())));
        });
        ipv6Framings().forEach(f -> {
            bases.add(Arguments.of(f, "plain", f.frame(synIp(6))));
            bases.add(Arguments.of(f, "extension chain", f.frame(ipv6(SRC6, DST6).extension(IPV6_HOP_BY_HOP, 0)
                    .extension(IPV6_ROUTING, 2).fragment(0, true).extension(IPV6_DESTINATION_OPTIONS, 1)
                    .payload(synTcp()).build())));
        });
        bases.add(Arguments.of(ipv4Framings().findFirst().orElseThrow(), "QinQ",
                ethernet(new int[] {TPID_8021AD, TPID_8021Q, TPID_QINQ_LEGACY}, ETHERTYPE_IPV4, synIp(4))));
        bases.add(Arguments.of(ipv6Framings().findFirst().orElseThrow(), "802.1Q",
                ethernet(new int[] {TPID_8021Q}, ETHERTYPE_IPV6, synIp(6))));
        return bases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("mutationBases")
    void mutationsOfValidFramesNeverThrow(Framing f, String variant, byte[] base) {
        assertEquals(ParseOutcome.PURE_SYN, parse(base, f.linkType()).outcome(), "unmutated base frame");
        Random random = new Random(0x5EED_0002L ^ f.name().hashCode() ^ variant.hashCode());
        for (int i = 0; i < MUTATIONS_PER_FRAME; i++) {
            byte[] b = base.clone();
            int edits = 1 + random.nextInt(6);
            for (int e = 0; e < edits; e++) {
                b[random.nextInt(b.length)] = random.nextBoolean()
                        ? (byte) random.nextInt(256)
                        : INTERESTING[random.nextInt(INTERESTING.length)];
            }
            switch (random.nextInt(4)) {
                case 0 -> b = Arrays.copyOf(b, random.nextInt(b.length + 1));                // truncate
                case 1 -> {                                                                   // extend
                    byte[] tail = new byte[random.nextInt(64)];
                    random.nextBytes(tail);
                    b = concat(b, tail);
                }
                default -> {
                }
            }
            // Parse the whole array and a random prefix of it; both runs of each parse must agree.
            assertSane(parse(b, f.linkType()), b);
            assertSane(parse(b, random.nextInt(b.length + 1), f.linkType()), b);
        }
    }

    private static void assertSane(Parsed parsed, byte[] input) {
        if (parsed.outcome() != ParseOutcome.PURE_SYN) {
            return;
        }
        SynHeader h = parsed.header();
        String where = "for " + hex(input, input.length);
        assertTrue(h.family == SynHeader.IPV4 || h.family == SynHeader.IPV6, where);
        assertTrue(h.srcPort >= 0 && h.srcPort <= 0xFFFF && h.dstPort >= 0 && h.dstPort <= 0xFFFF, where);
        if (h.family == SynHeader.IPV4) {
            assertTrue(h.srcHi == 0 && h.dstHi == 0 && h.srcLo >>> 32 == 0 && h.dstLo >>> 32 == 0, where);
        }
    }
}
