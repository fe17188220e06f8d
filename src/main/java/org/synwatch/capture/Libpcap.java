package org.synwatch.capture;

import static org.synwatch.bindings.pcap_h.PCAP_CHAR_ENC_UTF_8;
import static org.synwatch.bindings.pcap_h.PCAP_ERRBUF_SIZE;
import static org.synwatch.bindings.pcap_h.pcap_init;
import static org.synwatch.bindings.pcap_h.pcap_lib_version;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads libpcap by soname, so a host needs only the runtime package, never the -dev one. The
 * generated bindings resolve symbols through the class loader's libraries, which only
 * {@link System#load} with an absolute path feeds; the dynamic linker does the soname search and
 * /proc/self/maps then tells which file it picked.
 */
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
        for (String soname : SONAMES) {
            try {
                SymbolLookup.libraryLookup(soname, Arena.global());
            } catch (IllegalArgumentException notFound) {
                continue;
            }
            Optional<Path> file = mappedFile(soname);
            if (file.isPresent()) {
                System.load(file.get().toString());
                loaded = true;
                initialize();
                LOG.debug("loaded {} ({})", file.get(), version());
                return;
            }
        }
        throw new PcapException(PcapException.Problem.LIBRARY_MISSING,
                "libpcap not found (tried " + String.join(", ", SONAMES) + ")");
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

    private static Optional<Path> mappedFile(String soname) {
        String stem = soname.substring(0, soname.indexOf(".so") + 3);
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.map(line -> line.substring(line.lastIndexOf(' ') + 1))
                    .filter(path -> path.startsWith("/"))
                    .map(Path::of)
                    .filter(path -> path.getFileName().toString().startsWith(stem))
                    .findFirst();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
