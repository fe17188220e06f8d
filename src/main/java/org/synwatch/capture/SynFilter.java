package org.synwatch.capture;

import org.synwatch.packet.LinkType;

/**
 * The BPF program text that lets only pure SYNs (SYN set, ACK clear) through, for IPv4 and IPv6.
 * IPv6 packets whose first next-header is an extension header pass as well: BPF cannot walk the
 * chain without loops the kernel refuses, they are rare, and the parser checks them exactly.
 */
public final class SynFilter {
    private static final String IPV4_SYN = "(tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn)";
    private static final String IPV6_SYN = "(ip6 and ((ip6[6] == 6 and ip6[53] & 0x12 == 0x02)"
            + " or ip6[6] == 0 or ip6[6] == 43 or ip6[6] == 44 or ip6[6] == 60))";
    private static final String SYN = "(" + IPV4_SYN + " or " + IPV6_SYN + ")";

    private SynFilter() {
    }

    /**
     * On Ethernet each {@code vlan} keyword shifts every later offset by one tag, so the nesting
     * below matches untagged, 802.1Q and QinQ frames in one program.
     */
    public static String forLinkType(int linkType) {
        if (LinkType.carriesVlanTags(linkType)) {
            return SYN + " or (vlan and (" + SYN + " or (vlan and " + SYN + ")))";
        }
        return SYN;
    }
}
