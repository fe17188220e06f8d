package org.synwatch.capture;

import static org.synwatch.bindings.pcap_h.PCAP_ERRBUF_SIZE;
import static org.synwatch.bindings.pcap_h.PCAP_IF_LOOPBACK;
import static org.synwatch.bindings.pcap_h.PCAP_IF_UP;
import static org.synwatch.bindings.pcap_h.pcap_findalldevs;
import static org.synwatch.bindings.pcap_h.pcap_freealldevs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;
import org.synwatch.bindings.pcap_if;

/** Interface discovery through pcap_findalldevs. */
public final class Interfaces {
    private static final String ANY = "any";

    private Interfaces() {
    }

    /** libpcap's first interface that is up and not loopback (libpcap lists running ones first). */
    public static Optional<String> defaultInterface() throws PcapException {
        Libpcap.load();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment listOut = scratch.allocate(ValueLayout.ADDRESS);
            MemorySegment errbuf = scratch.allocate(PCAP_ERRBUF_SIZE());
            if (pcap_findalldevs(listOut, errbuf) != 0) {
                throw new PcapException(PcapException.Problem.OTHER, "pcap_findalldevs: " + errbuf.getString(0));
            }
            MemorySegment first = listOut.get(ValueLayout.ADDRESS, 0);
            try {
                for (MemorySegment dev = first; !dev.equals(MemorySegment.NULL); dev = pcap_if.next(dev)) {
                    dev = dev.reinterpret(pcap_if.sizeof());
                    int flags = pcap_if.flags(dev);
                    String name = pcap_if.name(dev).reinterpret(Long.MAX_VALUE).getString(0);
                    if ((flags & PCAP_IF_UP()) != 0 && (flags & PCAP_IF_LOOPBACK()) == 0 && !name.equals(ANY)) {
                        return Optional.of(name);
                    }
                }
                return Optional.empty();
            } finally {
                if (!first.equals(MemorySegment.NULL)) {
                    pcap_freealldevs(first);
                }
            }
        }
    }
}
