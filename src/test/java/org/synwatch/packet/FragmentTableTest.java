package org.synwatch.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.synwatch.packet.PacketBytes.ACK;
import static org.synwatch.packet.PacketBytes.ETHERTYPE_IPV4;
import static org.synwatch.packet.PacketBytes.ETHERTYPE_IPV6;
import static org.synwatch.packet.PacketBytes.PROTO_UDP;
import static org.synwatch.packet.PacketBytes.SYN;
import static org.synwatch.packet.PacketBytes.bytes;
import static org.synwatch.packet.PacketBytes.ethernet;
import static org.synwatch.packet.PacketBytes.ipv4;
import static org.synwatch.packet.PacketBytes.ipv6;
import static org.synwatch.packet.PacketBytes.tcp;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.synwatch.config.FloodSettings;

/**
 * Reassembly of fragmented IPv4 TCP headers, through the parser as the capture loop calls it:
 * nmap -f (8-byte fragments), nmap --mtu 16, fragments in any order, duplicates, overlaps (Linux
 * drops the datagram), expiry after 30 s of packet time and eviction at the bound.
 */
class FragmentTableTest {
    private static final byte[] SRC = bytes(192, 0, 2, 66);
    private static final byte[] DST = bytes(198, 51, 100, 7);
    private static final int SRC_PORT = 61000;
    private static final int DST_PORT = 8443;
    private static final int MF = 0x2000;
    private static final long T0 = 1_619_623_685_000_000L;

    private final FragmentCounters counters = new FragmentCounters();
    private FragmentTable table = new FragmentTable(FloodSettings.DEFAULT_MAX_FRAGMENT_SETS, counters);
    private PacketParser parser = new PacketParser(table);
    private final SynHeader out = new SynHeader();
    private long allocatedBefore;

    /** Bytes [from, to) of {@code segment} as one IPv4 fragment of datagram {@code id}; {@code last} clears MF. */
    private static byte[] fragment(byte[] segment, int from, int to, int id, boolean last) {
        return ethernet(ETHERTYPE_IPV4, ipv4(SRC, DST).identification(id)
                .flagsAndFragmentOffset((last ? 0 : MF) | from / 8)
                .payload(Arrays.copyOfRange(segment, from, to)).build());
    }

    private static byte[] synSegment() {
        return tcp(SRC_PORT, DST_PORT, SYN, 6);
    }

    private ParseOutcome feed(byte[] frame, long time) {
        out.timestampMicros = time;
        return parser.parse(MemorySegment.ofArray(frame), 0, frame.length, LinkType.ETHERNET, out);
    }

    private void assertSyn(ParseOutcome outcome) {
        assertEquals(ParseOutcome.PURE_SYN, outcome);
        assertEquals(SynHeader.IPV4, out.family);
        assertEquals(0xC0000242L, out.srcLo);
        assertEquals(0xC6336407L, out.dstLo);
        assertEquals(SRC_PORT, out.srcPort);
        assertEquals(DST_PORT, out.dstPort);
    }

    @Test
    void nmapEightByteFragmentsGiveTheSynWhenTheFlagsArrive() {
        byte[] segment = synSegment();
        assertEquals(ParseOutcome.IGNORED, feed(fragment(segment, 0, 8, 1, false), T0));
        assertSyn(feed(fragment(segment, 8, 16, 1, false), T0 + 5));
        assertEquals(T0 + 5, out.timestampMicros, "stamped with the fragment that completed the flags");
        assertEquals(ParseOutcome.IGNORED, feed(fragment(segment, 16, 24, 1, true), T0 + 6));
        assertEquals(1, counters.get(FragmentCounters.Result.REASSEMBLED));
        assertEquals(0, table.size());
    }

    @Test
    void outOfOrderFragmentsGiveTheSynOnce() {
        byte[] segment = synSegment();
        assertEquals(ParseOutcome.IGNORED, feed(fragment(segment, 16, 24, 2, true), T0));
        assertEquals(ParseOutcome.IGNORED, feed(fragment(segment, 8, 16, 2, false), T0 + 1));
        assertSyn(feed(fragment(segment, 0, 8, 2, false), T0 + 2));
        assertEquals(0, table.size());
    }

    @Test
    void sixteenByteFirstFragmentNeedsNoTable() {
        byte[] segment = synSegment();
        assertSyn(feed(fragment(segment, 0, 16, 3, false), T0));
        assertEquals(ParseOutcome.IGNORED, feed(fragment(segment, 16, 24, 3, true), T0));
        assertEquals(0, table.size());
        assertEquals(0, counters.get(FragmentCounters.Result.REASSEMBLED));
    }

    @Test
    void fourteenBytesOfTcpAreEnoughAndThirteenAreNot() {
        byte[] segment = synSegment();
        // A last fragment that ends the datagram after 14 bytes: a bogus TCP segment, but flags and ports are in.
        assertEquals(ParseOutcome.IGNORED, feed(fragment(segment, 0, 8, 4, false), T0));
        assertSyn(feed(fragment(segment, 8, 14, 4, true), T0));
        assertEquals(ParseOutcome.IGNORED, feed(fragment(segment, 0, 8, 5, false), T0));
        assertEquals(ParseOutcome.IGNORED, feed(fragment(segment, 8, 13, 5, true), T0));
        assertEquals(1, table.size(), "13 bytes leave the datagram waiting");
    }

    @Test
    void duplicatesChangeNothing() {
        byte[] segment = synSegment();
        byte[] decoy = tcp(SRC_PORT, DST_PORT, SYN | ACK, 6);
        assertEquals(ParseOutcome.IGNORED, feed(fragment(segment, 0, 8, 6, false), T0));
        assertEquals(ParseOutcome.IGNORED, feed(fragment(segment, 0, 8, 6, false), T0 + 1));
        // A duplicate with other bytes: Linux keeps the first copy, and so does the table.
        assertEquals(ParseOutcome.IGNORED, feed(fragment(decoy, 0, 8, 6, false), T0 + 2));
        assertSyn(feed(fragment(segment, 8, 16, 6, false), T0 + 3));
        assertEquals(0, counters.get(FragmentCounters.Result.OVERLAP));
    }

    @Test
    void overlapDropsTheDatagramAsLinuxDoes() {
        byte[] segment = synSegment();
        byte[] ackSegment = tcp(SRC_PORT, DST_PORT, ACK, 6);
        assertEquals(ParseOutcome.IGNORED, feed(fragment(segment, 8, 16, 7, false), T0));
        // Covers bytes already received and new ones: neither version of bytes 8..15 is believed.
        assertEquals(ParseOutcome.IGNORED, feed(fragment(ackSegment, 0, 16, 7, false), T0 + 1));
        assertEquals(1, counters.get(FragmentCounters.Result.OVERLAP));
        assertEquals(0, table.size());
        // What follows starts a new datagram, which this lone fragment does not complete.
        assertEquals(ParseOutcome.IGNORED, feed(fragment(segment, 0, 8, 7, false), T0 + 2));
        assertEquals(1, table.size());
    }

    @Test
    void datagramsAreKeptApartByIdentificationAndAddresses() {
        byte[] segment = synSegment();
        assertEquals(ParseOutcome.IGNORED, feed(fragment(segment, 0, 8, 8, false), T0));
        assertEquals(ParseOutcome.IGNORED, feed(fragment(segment, 8, 16, 9, false), T0));
        byte[] otherSource = ethernet(ETHERTYPE_IPV4, ipv4(bytes(192, 0, 2, 67), DST).identification(8)
                .flagsAndFragmentOffset(MF | 1).payload(Arrays.copyOfRange(segment, 8, 16)).build());
        assertEquals(ParseOutcome.IGNORED, feed(otherSource, T0));
        assertEquals(3, table.size());
        assertSyn(feed(fragment(segment, 8, 16, 8, false), T0));
    }

    @Test
    void fragmentedSynAckAndUdpAreNotSyns() {
        byte[] synAck = tcp(SRC_PORT, DST_PORT, SYN | ACK, 6);
        assertEquals(ParseOutcome.IGNORED, feed(fragment(synAck, 0, 8, 10, false), T0));
        assertEquals(ParseOutcome.IGNORED, feed(fragment(synAck, 8, 16, 10, false), T0));
        assertEquals(1, counters.get(FragmentCounters.Result.REASSEMBLED));
        byte[] udp = ethernet(ETHERTYPE_IPV4, ipv4(SRC, DST).protocol(PROTO_UDP).flagsAndFragmentOffset(MF)
                .payload(synSegment()).build());
        assertEquals(ParseOutcome.IGNORED, feed(udp, T0));
        assertEquals(0, table.size());
    }

    @Test
    void incompleteDatagramsExpireAfterThirtySecondsOfPacketTime() {
        byte[] segment = synSegment();
        feed(fragment(segment, 0, 8, 11, false), T0);
        assertSyn(feed(fragment(segment, 8, 16, 11, false), T0 + FragmentTable.EXPIRY_MICROS - 1));
        feed(fragment(segment, 0, 8, 12, false), T0);
        assertEquals(ParseOutcome.IGNORED, feed(fragment(segment, 8, 16, 12, false), T0 + FragmentTable.EXPIRY_MICROS));
        assertEquals(1, counters.get(FragmentCounters.Result.EXPIRED));
        assertEquals(1, table.size(), "the late fragment opened a datagram of its own");
    }

    @Test
    void fullTableEvictsTheOldestAndCountsIt() {
        table = new FragmentTable(4, counters);
        parser = new PacketParser(table);
        byte[] segment = synSegment();
        for (int id = 0; id < 5; id++) {
            feed(fragment(segment, 0, 8, id, false), T0 + id);
        }
        assertEquals(4, table.size());
        assertEquals(1, counters.get(FragmentCounters.Result.EVICTED));
        assertEquals(ParseOutcome.IGNORED, feed(fragment(segment, 8, 16, 0, false), T0 + 10), "evicted");
        // That fragment opened a datagram in turn, evicting id 1; ids 2 to 4 are still there.
        assertSyn(feed(fragment(segment, 8, 16, 4, false), T0 + 11));
        assertSyn(feed(fragment(segment, 8, 16, 2, false), T0 + 12));
        assertEquals(2, counters.get(FragmentCounters.Result.EVICTED));
    }

    /** A spoofed flood of 100,000 first fragments that never complete: memory stays at the bound. */
    @Test
    void floodOfIncompleteDatagramsStaysAtTheBound() {
        byte[] segment = synSegment();
        int flood = 100_000;
        byte[][] frames = new byte[flood][];
        MemorySegment[] segments = new MemorySegment[flood];
        for (int i = 0; i < flood; i++) {
            byte[] frame = ethernet(ETHERTYPE_IPV4, ipv4(bytes(10, i >> 16 & 0xFF, i >> 8 & 0xFF, i & 0xFF), DST)
                    .identification(i & 0xFFFF).flagsAndFragmentOffset(MF).payload(Arrays.copyOf(segment, 8)).build());
            frames[i] = frame;
            segments[i] = MemorySegment.ofArray(frame);
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < flood; i++) {
            if (i == FloodSettings.DEFAULT_MAX_FRAGMENT_SETS) {
                allocatedBefore = threads.getCurrentThreadAllocatedBytes();
            }
            out.timestampMicros = T0 + i;
            assertEquals(ParseOutcome.IGNORED, parser.parse(segments[i], 0, frames[i].length, LinkType.ETHERNET, out));
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
        assertEquals(FloodSettings.DEFAULT_MAX_FRAGMENT_SETS, table.size());
        assertEquals(flood - FloodSettings.DEFAULT_MAX_FRAGMENT_SETS, counters.get(FragmentCounters.Result.EVICTED));
        // The assertions themselves may allocate a little; a per-packet allocation would be megabytes.
        assertTrue(allocated < 100_000, () -> "allocated " + allocated + " bytes once warm");
        // The newest datagram still completes.
        int last = flood - 1;
        byte[] completion = ethernet(ETHERTYPE_IPV4, ipv4(bytes(10, last >> 16 & 0xFF, last >> 8 & 0xFF, last & 0xFF), DST)
                .identification(last & 0xFFFF).flagsAndFragmentOffset(MF | 1).payload(Arrays.copyOfRange(segment, 8, 16)).build());
        assertEquals(ParseOutcome.PURE_SYN, feed(completion, T0 + flood));
    }

    @Test
    void ipv6FirstFragmentWithoutTheWholeTcpHeaderIsDiscardedAsLinuxDoes() {
        byte[] src6 = bytes(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
        byte[] dst6 = bytes(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2);
        byte[] segment = synSegment();
        byte[] tiny = ethernet(ETHERTYPE_IPV6, ipv6(src6, dst6).fragment(0, true).payload(Arrays.copyOf(segment, 16)).build());
        assertEquals(ParseOutcome.IGNORED, feed(tiny, T0));
        byte[] whole = ethernet(ETHERTYPE_IPV6, ipv6(src6, dst6).fragment(0, true).payload(Arrays.copyOf(segment, 24)).build());
        assertEquals(ParseOutcome.PURE_SYN, feed(whole, T0));
        assertEquals(0, table.size());
    }
}
