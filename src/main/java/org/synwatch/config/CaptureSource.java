package org.synwatch.config;

import java.nio.file.Path;
import java.util.Optional;

/** Where packets come from: a live interface or a capture file. */
public sealed interface CaptureSource {
    /** Live capture; an empty interface means libpcap's first interface that is up and not loopback. */
    record Live(Optional<String> interfaceName, int bufferSizeBytes) implements CaptureSource {
        public static final int DEFAULT_BUFFER_SIZE = 16 << 20;
    }

    /** Offline replay of a pcap or pcapng file. */
    record File(Path path) implements CaptureSource {
    }
}
