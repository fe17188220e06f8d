package org.synwatch.packet;

/** The libpcap DLT_ values the parser understands (Linux numbering, as pcap_datalink returns them). */
public final class LinkType {
    public static final int NULL = 0;
    public static final int ETHERNET = 1;
    public static final int RAW = 12;
    public static final int RAW_OPENBSD = 14;
    public static final int LOOP = 108;
    public static final int LINUX_SLL = 113;
    public static final int RAW_IPV4 = 228;
    public static final int RAW_IPV6 = 229;
    public static final int LINUX_SLL2 = 276;

    private LinkType() {
    }

    public static boolean isSupported(int linkType) {
        return switch (linkType) {
            case NULL, ETHERNET, RAW, RAW_OPENBSD, LOOP, LINUX_SLL, RAW_IPV4, RAW_IPV6, LINUX_SLL2 -> true;
            default -> false;
        };
    }

    /** True where libpcap's filter language accepts the {@code vlan} keyword. */
    public static boolean carriesVlanTags(int linkType) {
        return linkType == ETHERNET;
    }
}
