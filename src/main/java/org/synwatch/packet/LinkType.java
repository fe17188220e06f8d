package org.synwatch.packet;

import static org.synwatch.bindings.pcap_h.DLT_EN10MB;
import static org.synwatch.bindings.pcap_h.DLT_IPV4;
import static org.synwatch.bindings.pcap_h.DLT_IPV6;
import static org.synwatch.bindings.pcap_h.DLT_LINUX_SLL;
import static org.synwatch.bindings.pcap_h.DLT_LINUX_SLL2;
import static org.synwatch.bindings.pcap_h.DLT_LOOP;
import static org.synwatch.bindings.pcap_h.DLT_NULL;
import static org.synwatch.bindings.pcap_h.DLT_RAW;

import java.util.Optional;

/** The libpcap link types the parser understands, by their DLT_ values as pcap_datalink returns them. */
public enum LinkType {
    NULL(DLT_NULL()),
    ETHERNET(DLT_EN10MB()),
    RAW(DLT_RAW()),
    /**
     * OpenBSD's DLT_RAW. The bindings hold the Linux branch of pcap/dlt.h, where DLT_RAW is 12 and
     * 14 has no name, yet files written on OpenBSD carry 14 and libpcap hands it over unchanged.
     */
    RAW_OPENBSD(14),
    LOOP(DLT_LOOP()),
    LINUX_SLL(DLT_LINUX_SLL()),
    RAW_IPV4(DLT_IPV4()),
    RAW_IPV6(DLT_IPV6()),
    LINUX_SLL2(DLT_LINUX_SLL2());

    private static final LinkType[] ALL = values();
    private final int dlt;

    LinkType(int dlt) {
        this.dlt = dlt;
    }

    public int dlt() {
        return dlt;
    }

    /** The link type of libpcap's {@code dlt}, if the parser reads it. */
    public static Optional<LinkType> of(int dlt) {
        for (LinkType type : ALL) {
            if (type.dlt == dlt) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    /** True where libpcap's filter language accepts the {@code vlan} keyword. */
    public boolean carriesVlanTags() {
        return this == ETHERNET;
    }
}
