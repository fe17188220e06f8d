package org.synwatch.config;

import java.nio.file.Path;
import java.util.Optional;

/** Where packets come from: a live interface or a capture file. */
public sealed interface CaptureSource {
    /**
     * Live capture; an empty interface means libpcap's first interface that is up and not loopback.
     * Immediate mode hands each packet over as it arrives; otherwise the kernel hands over blocks.
     */
    record Live(Optional<String> interfaceName, int bufferSizeBytes, boolean immediateMode) implements CaptureSource {
        /**
         * 128 of the kernel's 256 KiB blocks: about 200,000 SYNs, enough to ride out the JIT's
         * warm-up when a flood of 380,000 SYNs per second meets a fresh process (16 MiB lost SYNs
         * in half of such starts without the AOT cache; BENCHMARKS.md, item 3).
         */
        public static final int DEFAULT_BUFFER_SIZE = 32 << 20;
        /**
         * Four of the kernel's 256 KiB blocks: with fewer, the kernel has nowhere to write while
         * synwatch reads a block, and each block may leave 2 ms after its first packet.
         */
        public static final int MIN_BUFFER_SIZE = 1 << 20;
        public static final int MAX_BUFFER_SIZE = 1 << 30;
    }

    /** Offline replay of a pcap or pcapng file. */
    record File(Path path) implements CaptureSource {
    }
}
