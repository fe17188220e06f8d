package org.synwatch.capture;

import org.synwatch.packet.LinkType;
import org.synwatch.packet.PacketParser;

/**
 * The BPF program text that lets only what may carry a pure SYN (SYN set, ACK clear) through, for
 * IPv4 and IPv6: unfragmented SYNs, every IPv4 TCP fragment (a first fragment of 8 bytes does not
 * hold the flags, and later fragments complete it), and IPv6 packets whose first next-header is an
 * extension header, fragment headers included: BPF cannot walk the chain without loops the kernel
 * refuses, they are rare, and the parser checks them exactly.
 */
public final class SynFilter {
    private static final String IPV4_SYN = "(tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn)";
    /** MF set or a non-zero offset; the protocol field is in every fragment's header. */
    private static final String IPV4_TCP_FRAGMENT = "(ip and ip[9] == 6 and ip[6:2] & 0x3fff != 0)";
    private static final String IPV6_SYN = "(ip6 and ((ip6[6] == 6 and ip6[53] & 0x12 == 0x02)"
            + " or ip6[6] == 0 or ip6[6] == 43 or ip6[6] == 44 or ip6[6] == 60))";
    /**
     * Fragments are tested first: a BPF load past the end of the packet rejects it outright, and
     * the flags of a short first fragment lie past its end.
     */
    private static final String SYN = "(" + IPV4_TCP_FRAGMENT + " or " + IPV4_SYN + " or " + IPV6_SYN + ")";
    private SynFilter() {
    }

    /**
     * On Ethernet each {@code vlan} keyword shifts every later offset by one tag, so the nesting
     * below matches untagged frames and as many tags as the parser steps over (802.1Q 0x8100,
     * 802.1ad 0x88a8, 0x9100: libpcap's {@code vlan} takes all three) in one program.
     */
    public static String forLinkType(LinkType linkType) {
        if (!linkType.carriesVlanTags()) {
            return SYN;
        }
        String program = SYN;
        for (int tag = 0; tag < PacketParser.MAX_VLAN_TAGS; tag++) {
            program = SYN + " or (vlan and (" + program + "))";
        }
        return program;
    }
}
