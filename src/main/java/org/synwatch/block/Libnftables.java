package org.synwatch.block;

import static org.synwatch.bindings.nftables_h.NFT_CTX_DEFAULT;
import static org.synwatch.bindings.nftables_h.nft_ctx_buffer_error;
import static org.synwatch.bindings.nftables_h.nft_ctx_buffer_output;
import static org.synwatch.bindings.nftables_h.nft_ctx_free;
import static org.synwatch.bindings.nftables_h.nft_ctx_get_error_buffer;
import static org.synwatch.bindings.nftables_h.nft_ctx_get_output_buffer;
import static org.synwatch.bindings.nftables_h.nft_ctx_new;
import static org.synwatch.bindings.nftables_h.nft_run_cmd_from_buffer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.synwatch.nativelib.SonameLoader;

/**
 * nft scripts run in-process through libnftables, the library the nft command is built on: a
 * transaction costs a netlink round trip instead of a process start, which is what keeps
 * scan-to-block latency in single milliseconds (see BENCHMARKS.md). JSON listings, rare and
 * large, go through the nft command: the bindings lack nft_ctx_output_set_flags.
 */
final class Libnftables implements NftExecutor {
    private static final List<String> SONAMES = List.of("libnftables.so.1", "libnftables.so");
    /** From linux/capability.h. */
    private static final int CAP_NET_ADMIN = 12;
    private static Optional<Path> library;

    /** Why the last {@link #open} returned empty, or null if it did not. */
    private static String unavailable;

    private final MemorySegment context;
    private final NftCommand lister = new NftCommand(List.of("nft"));
    private boolean closed;

    private Libnftables(MemorySegment context) {
        this.context = context;
    }

    /** Why blocking falls back to the nft command, or empty if libnftables opened (or was never tried). */
    static synchronized Optional<String> unavailableReason() {
        return Optional.ofNullable(unavailable);
    }

    /**
     * A context with buffered replies, or empty where libnftables is not installed or the process
     * lacks CAP_NET_ADMIN: libnftables then writes "Operation not permitted" straight to stderr,
     * outside its buffers, where the nft command keeps it in a reply synwatch can report in one line.
     */
    static synchronized Optional<Libnftables> open() {
        unavailable = null;
        if (!hasEffectiveCapability(CAP_NET_ADMIN)) {
            unavailable = "no CAP_NET_ADMIN";
            return Optional.empty();
        }
        if (library == null) {
            library = SonameLoader.load(SONAMES);
        }
        if (library.isEmpty()) {
            unavailable = "none of " + String.join(", ", SONAMES) + " is installed";
            return Optional.empty();
        }
        MemorySegment context = nft_ctx_new(NFT_CTX_DEFAULT());
        if (context.equals(MemorySegment.NULL)) {
            unavailable = "nft_ctx_new failed";
            return Optional.empty();
        }
        nft_ctx_buffer_output(context);
        nft_ctx_buffer_error(context);
        return Optional.of(new Libnftables(context));
    }

    @Override
    public synchronized Reply execute(String commands) throws FirewallException {
        if (closed) {
            throw new FirewallException(FirewallException.Problem.OTHER, "libnftables context already closed");
        }
        try (Arena arena = Arena.ofConfined()) {
            int status = nft_run_cmd_from_buffer(context, arena.allocateFrom(commands));
            // Each read returns what the last command wrote and rewinds the buffer: the output is
            // read only to rewind it, as nothing uses it.
            nft_ctx_get_output_buffer(context);
            return new Reply(status, text(nft_ctx_get_error_buffer(context)));
        }
    }

    @Override
    public void listJson(List<String> words, ListingReader reader) throws FirewallException {
        lister.listJson(words, reader);
    }

    @Override
    public String describe() {
        return "libnftables (" + library.map(Path::toString).orElse("?") + ")";
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            nft_ctx_free(context);
        }
    }

    private static boolean hasEffectiveCapability(int capability) {
        try (var lines = Files.lines(Path.of("/proc/self/status"))) {
            return lines.filter(line -> line.startsWith("CapEff:"))
                    .map(line -> Long.parseUnsignedLong(line.substring(7).trim(), 16))
                    .anyMatch(mask -> (mask & (1L << capability)) != 0);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String text(MemorySegment cString) {
        return cString.equals(MemorySegment.NULL) ? "" : cString.reinterpret(Long.MAX_VALUE).getString(0);
    }
}
