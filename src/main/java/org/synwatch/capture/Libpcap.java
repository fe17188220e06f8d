package org.synwatch.capture;

import static org.synwatch.bindings.pcap_h.PCAP_CHAR_ENC_UTF_8;
import static org.synwatch.bindings.pcap_h.PCAP_ERRBUF_SIZE;
import static org.synwatch.bindings.pcap_h.pcap_init;
import static org.synwatch.bindings.pcap_h.pcap_lib_version;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.synwatch.nativelib.SonameLoader;

/** Loads libpcap by soname (see {@link SonameLoader}) and says which version it is. */
public final class Libpcap {
    /** Upstream's soname, Debian's historical one, and the -dev symlink as a last resort. */
    static final List<String> SONAMES = List.of("libpcap.so.1", "libpcap.so.0.8", "libpcap.so");
    private static final Logger LOG = LoggerFactory.getLogger(Libpcap.class);
    private static boolean loaded;

    private Libpcap() {
    }

    public static synchronized void load() throws PcapException {
        if (loaded) {
            return;
        }
        Optional<Path> file = SonameLoader.load(SONAMES);
        if (file.isEmpty()) {
            throw new PcapException(PcapException.Problem.LIBRARY_MISSING,
                    "libpcap not found (tried " + String.join(", ", SONAMES) + ")");
        }
        loaded = true;
        initialize();
        LOG.debug("loaded {} ({})", file.get(), version());
    }

    public static String version() {
        return pcap_lib_version().reinterpret(Long.MAX_VALUE).getString(0);
    }

    /** Asks for UTF-8 error strings where libpcap is new enough (1.10) to know pcap_init. */
    private static void initialize() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errbuf = arena.allocate(PCAP_ERRBUF_SIZE());
            if (pcap_init(PCAP_CHAR_ENC_UTF_8(), errbuf) != 0) {
                LOG.debug("pcap_init: {}", errbuf.getString(0));
            }
        } catch (UnsatisfiedLinkError | IllegalArgumentException olderLibpcap) {
            LOG.debug("pcap_init unavailable in this libpcap");
        }
    }
}
