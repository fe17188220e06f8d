package org.synwatch.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The generated DLT constants are the numbers capture files and pcap_datalink carry on Linux. */
class LinkTypeTest {
    /** From tcpdump.org's link-layer header types list and pcap/dlt.h (Linux values). */
    private static final Map<Integer, LinkType> LIBPCAP_NUMBERS = Map.of(
            0, LinkType.NULL, 1, LinkType.ETHERNET, 12, LinkType.RAW, 14, LinkType.RAW_OPENBSD,
            108, LinkType.LOOP, 113, LinkType.LINUX_SLL, 228, LinkType.RAW_IPV4, 229, LinkType.RAW_IPV6,
            276, LinkType.LINUX_SLL2);

    @Test
    void everyLinkTypeHasItsLibpcapNumber() {
        assertEquals(LIBPCAP_NUMBERS.size(), LinkType.values().length);
        LIBPCAP_NUMBERS.forEach((dlt, type) -> {
            assertEquals(dlt, type.dlt(), type.name());
            assertEquals(Optional.of(type), LinkType.of(dlt));
        });
    }

    @Test
    void othersAreNotReadable() {
        // NFLOG, USER0, 802.11, PPP, 105 (802.11 raw), a negative and a large value.
        for (int dlt : new int[] {239, 147, 105, 9, 127, -1, 1000}) {
            assertTrue(LinkType.of(dlt).isEmpty(), "DLT " + dlt);
        }
    }

    @Test
    void onlyEthernetTakesVlanInTheFilter() {
        for (LinkType type : LinkType.values()) {
            assertEquals(type == LinkType.ETHERNET, type.carriesVlanTags(), type.name());
        }
    }
}
