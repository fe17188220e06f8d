package org.synwatch.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.synwatch.packet.FragmentCounters;
import org.synwatch.packet.FragmentTable;
import org.synwatch.packet.LinkType;
import org.synwatch.packet.PacketParser;
import org.synwatch.packet.ParseOutcome;
import org.synwatch.packet.SynHeader;

/**
 * Coverage-guided fuzzing of the parser and its fragment table, over a sequence of packets so that
 * fragments of one datagram meet. The input is a list of records (link type index, 2-byte length,
 * bytes). Each packet is parsed twice, by two parsers fed the same sequence: once from a heap
 * segment exactly as long as the packet, so that any read outside it throws (a finding), and once
 * embedded in garbage, which must change nothing. A pure SYN must name addresses that the packet
 * itself carries. The table is tiny so that eviction runs. Plain {@code make test} replays the
 * seeds (recorded nmap -f fragments among them); {@code make fuzz} fuzzes for a bounded time.
 */
class PacketParserFuzzTest {
    /** In this order, so that the recorded seeds keep their meaning. */
    private static final LinkType[] LINK_TYPES = {LinkType.NULL, LinkType.ETHERNET, LinkType.RAW, LinkType.RAW_OPENBSD,
        LinkType.LOOP, LinkType.LINUX_SLL, LinkType.RAW_IPV4, LinkType.RAW_IPV6, LinkType.LINUX_SLL2};
    private static final int TABLE_CAPACITY = 4;
    private static final byte GARBAGE = (byte) 0x5A;

    @FuzzTest(maxDuration = "30s")
    void parsesSequencesWithinBoundsAndConsistently(byte[] input) {
        PacketParser exact = new PacketParser(new FragmentTable(TABLE_CAPACITY, new FragmentCounters()));
        PacketParser embedded = new PacketParser(new FragmentTable(TABLE_CAPACITY, new FragmentCounters()));
        SynHeader exactOut = new SynHeader();
        SynHeader embeddedOut = new SynHeader();
        int at = 0;
        long time = 0;
        while (at + 3 <= input.length) {
            LinkType linkType = LINK_TYPES[Byte.toUnsignedInt(input[at]) % LINK_TYPES.length];
            int length = Math.min((input[at + 1] & 0xFF) << 8 | input[at + 2] & 0xFF, input.length - at - 3);
            byte[] packet = Arrays.copyOfRange(input, at + 3, at + 3 + length);
            at += 3 + length;
            time += 1_000_000;
            byte[] padded = new byte[length + 64];
            Arrays.fill(padded, GARBAGE);
            System.arraycopy(packet, 0, padded, 0, length);
            exactOut.timestampMicros = time;
            embeddedOut.timestampMicros = time;
            ParseOutcome outcome = exact.parse(MemorySegment.ofArray(packet), 0, length, linkType, exactOut);
            assertEquals(outcome, embedded.parse(MemorySegment.ofArray(padded), 0, length, linkType, embeddedOut),
                    "bytes past the captured length changed the outcome");
            if (outcome == ParseOutcome.PURE_SYN) {
                assertEquals(describe(exactOut), describe(embeddedOut));
                assertTrue(carriesAddresses(packet, exactOut), () -> "addresses not in the packet: " + describe(exactOut));
                assertEquals(time, exactOut.timestampMicros, "the parser must keep the packet's time");
            }
        }
    }

    /** The source address followed by the destination address, as IPv4 and IPv6 headers store them. */
    private static boolean carriesAddresses(byte[] packet, SynHeader syn) {
        byte[] pair = syn.family == SynHeader.IPV4
                ? bytes(syn.srcLo << 32 | syn.dstLo)
                : concat(bytes(syn.srcHi), bytes(syn.srcLo), bytes(syn.dstHi), bytes(syn.dstLo));
        if (syn.family != SynHeader.IPV4 && syn.family != SynHeader.IPV6) {
            return false;
        }
        for (int i = 0; i + pair.length <= packet.length; i++) {
            if (Arrays.equals(packet, i, i + pair.length, pair, 0, pair.length)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] bytes(long value) {
        byte[] out = new byte[8];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (value >>> (56 - 8 * i));
        }
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        byte[] out = new byte[parts.length * 8];
        for (int i = 0; i < parts.length; i++) {
            System.arraycopy(parts[i], 0, out, 8 * i, 8);
        }
        return out;
    }

    private static String describe(SynHeader h) {
        return "family=%d src=%016x:%016x dst=%016x:%016x ports=%d->%d".formatted(
                h.family, h.srcHi, h.srcLo, h.dstHi, h.dstLo, h.srcPort, h.dstPort);
    }
}
