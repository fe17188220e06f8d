package org.synwatch.fuzz;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.MemorySegment;
import org.synwatch.packet.LinkType;
import org.synwatch.packet.PacketParser;
import org.synwatch.packet.ParseOutcome;
import org.synwatch.packet.SynHeader;

/**
 * Coverage-guided fuzzing of the parser. The packet sits in a heap segment exactly as long as the
 * captured length, so any read outside it throws, and a thrown exception is a finding.
 * Plain {@code make test} replays the seeds; {@code make fuzz} fuzzes for a bounded time.
 */
class PacketParserFuzzTest {
    private static final int[] LINK_TYPES = {LinkType.NULL, LinkType.ETHERNET, LinkType.RAW, LinkType.RAW_OPENBSD,
        LinkType.LOOP, LinkType.LINUX_SLL, LinkType.RAW_IPV4, LinkType.RAW_IPV6, LinkType.LINUX_SLL2};
    private final SynHeader out = new SynHeader();

    @FuzzTest(maxDuration = "30s")
    void parseNeverThrowsNorReadsOutsideThePacket(FuzzedDataProvider data) {
        int linkType = data.pickValue(LINK_TYPES);
        byte[] packet = data.consumeRemainingAsBytes();
        ParseOutcome outcome = PacketParser.parse(MemorySegment.ofArray(packet), 0, packet.length, linkType, out);
        assertNotNull(outcome);
        if (outcome == ParseOutcome.PURE_SYN) {
            assertTrue(out.family == SynHeader.IPV4 || out.family == SynHeader.IPV6);
            assertTrue(out.srcPort >= 0 && out.srcPort <= 0xFFFF && out.dstPort >= 0 && out.dstPort <= 0xFFFF);
        }
    }
}
