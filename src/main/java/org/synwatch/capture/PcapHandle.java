package org.synwatch.capture;

import static org.synwatch.bindings.pcap_h.PCAP_ERRBUF_SIZE;
import static org.synwatch.bindings.pcap_h.PCAP_ERROR;
import static org.synwatch.bindings.pcap_h.PCAP_ERROR_BREAK;
import static org.synwatch.bindings.pcap_h.PCAP_ERROR_IFACE_NOT_UP;
import static org.synwatch.bindings.pcap_h.PCAP_ERROR_NO_SUCH_DEVICE;
import static org.synwatch.bindings.pcap_h.PCAP_ERROR_PERM_DENIED;
import static org.synwatch.bindings.pcap_h.PCAP_ERROR_PROMISC_PERM_DENIED;
import static org.synwatch.bindings.pcap_h.PCAP_NETMASK_UNKNOWN;
import static org.synwatch.bindings.pcap_h.PCAP_TSTAMP_PRECISION_MICRO;
import static org.synwatch.bindings.pcap_h.pcap_activate;
import static org.synwatch.bindings.pcap_h.pcap_breakloop;
import static org.synwatch.bindings.pcap_h.pcap_close;
import static org.synwatch.bindings.pcap_h.pcap_compile;
import static org.synwatch.bindings.pcap_h.pcap_create;
import static org.synwatch.bindings.pcap_h.pcap_datalink;
import static org.synwatch.bindings.pcap_h.pcap_freecode;
import static org.synwatch.bindings.pcap_h.pcap_geterr;
import static org.synwatch.bindings.pcap_h.pcap_next_ex;
import static org.synwatch.bindings.pcap_h.pcap_next_ex$address;
import static org.synwatch.bindings.pcap_h.pcap_next_ex$descriptor;
import static org.synwatch.bindings.pcap_h.pcap_open_offline_with_tstamp_precision;
import static org.synwatch.bindings.pcap_h.pcap_set_buffer_size;
import static org.synwatch.bindings.pcap_h.pcap_set_immediate_mode;
import static org.synwatch.bindings.pcap_h.pcap_set_promisc;
import static org.synwatch.bindings.pcap_h.pcap_set_snaplen;
import static org.synwatch.bindings.pcap_h.pcap_setfilter;
import static org.synwatch.bindings.pcap_h.pcap_set_timeout;
import static org.synwatch.bindings.pcap_h.pcap_stats;
import static org.synwatch.bindings.pcap_h.pcap_statustostr;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.synwatch.packet.LinkType;
import org.synwatch.bindings.bpf_program;
import org.synwatch.bindings.pcap_pkthdr;
import org.synwatch.bindings.pcap_stat;
import org.synwatch.bindings.timeval;

/**
 * One open libpcap handle. {@link #next} is for the capture thread only; {@link #breakLoop} may be
 * called from any thread until {@link #close}, which is idempotent.
 *
 * <p>Packets are read in place: after {@link #next} returns {@link #PACKET}, the packet's bytes sit
 * at {@link #packetAddress()} in {@link #MEMORY} until the next call, and nothing is kept longer.
 */
public final class PcapHandle implements AutoCloseable {
    /** next() results other than an exception. */
    public static final int PACKET = 1;
    public static final int TIMEOUT = 0;
    public static final int END = PCAP_ERROR_BREAK();

    /**
     * The whole address space as one segment: reading packets at their address through it avoids
     * creating a segment per packet. The parser bounds every read by the captured length itself.
     */
    public static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private static final Logger LOG = LoggerFactory.getLogger(PcapHandle.class);
    private static final long TS_SEC = pcap_pkthdr.ts$offset() + timeval.tv_sec$offset();
    private static final long TS_USEC = pcap_pkthdr.ts$offset() + timeval.tv_usec$offset();
    private static final long CAPLEN = pcap_pkthdr.caplen$offset();

    private final Arena arena = Arena.ofShared();
    private final MemorySegment pcap;
    /**
     * Where pcap_next_ex stores its two pointers, in {@link #arena}, but passed as plain addresses:
     * a segment of a shared arena would make every downcall acquire and release its session (two
     * atomic updates each, per packet). Only {@link #next} uses them, never after {@link #close}.
     */
    private final MemorySegment headerOut;
    private final MemorySegment dataOut;
    private final String source;
    private final boolean offline;
    /** Whether reads come from a regular file, which never waits long: see {@link FileReads}. */
    private final boolean regularFile;
    private long header;
    private boolean closed;

    private PcapHandle(MemorySegment pcap, String source, boolean offline, boolean regularFile) {
        this.pcap = pcap;
        this.source = source;
        this.offline = offline;
        this.regularFile = regularFile;
        this.headerOut = MemorySegment.ofAddress(arena.allocate(ValueLayout.ADDRESS).address());
        this.dataOut = MemorySegment.ofAddress(arena.allocate(ValueLayout.ADDRESS).address());
    }

    /**
     * The longest the kernel holds a packet in buffered mode before handing its block over. Each of
     * the buffer's 256 KiB blocks may be handed over this soon, so a 32 MiB buffer (128 blocks) rides
     * out a capture thread stalled for 128 × 2 ms = 256 ms at any rate, against about 10 ms for the
     * longest GC pause measured at 1,000,000 pairs; scan-to-block latency keeps most of its budget.
     */
    public static final int BLOCK_TIMEOUT_MILLIS = 2;
    /** In immediate mode, how often a quiet link wakes {@link #next}; {@link #breakLoop} wakes it at once anyway. */
    private static final int IMMEDIATE_WAKE_MILLIS = 250;

    /**
     * Opens {@code device} for live capture. By default in buffered mode (TPACKET_V3): the kernel
     * fills 256 KiB blocks of the buffer and hands one over when it is full or
     * {@link #BLOCK_TIMEOUT_MILLIS} after its first packet, so a busy link costs one wake-up per
     * block, and no SYN waits longer than that. {@code immediate} hands over each packet at once
     * (TPACKET_V2), at about 2 µs of CPU per packet here against 0.3 µs buffered. A quiet link keeps
     * {@link #next} blocked until a packet, a timeout or {@link #breakLoop}.
     */
    public static PcapHandle openLive(String device, int snaplen, int bufferSize, boolean immediate)
            throws PcapException {
        Libpcap.load();
        MemorySegment pcap;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment errbuf = scratch.allocate(PCAP_ERRBUF_SIZE());
            pcap = pcap_create(scratch.allocateFrom(device), errbuf);
            if (pcap.equals(MemorySegment.NULL)) {
                throw new PcapException(PcapException.Problem.OTHER, "pcap_create(" + device + "): " + errbuf.getString(0));
            }
        }
        PcapHandle handle = new PcapHandle(pcap, device, false, false);
        try {
            handle.check("pcap_set_snaplen", pcap_set_snaplen(pcap, snaplen));
            handle.check("pcap_set_promisc", pcap_set_promisc(pcap, 0));
            handle.check("pcap_set_timeout", pcap_set_timeout(pcap, immediate ? IMMEDIATE_WAKE_MILLIS : BLOCK_TIMEOUT_MILLIS));
            handle.check("pcap_set_immediate_mode", pcap_set_immediate_mode(pcap, immediate ? 1 : 0));
            handle.check("pcap_set_buffer_size", pcap_set_buffer_size(pcap, bufferSize));
            int status = pcap_activate(pcap);
            if (status < 0) {
                throw handle.activationFailure(status);
            }
            if (status > 0) {
                LOG.warn("pcap_activate({}): {}", device, handle.describe(status));
            }
            return handle;
        } catch (PcapException | RuntimeException e) {
            handle.close();
            throw e;
        }
    }

    /** Opens a pcap or pcapng file, with timestamps in microseconds whatever the file stores. */
    public static PcapHandle openOffline(Path file) throws PcapException {
        Libpcap.load();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment errbuf = scratch.allocate(PCAP_ERRBUF_SIZE());
            MemorySegment pcap = pcap_open_offline_with_tstamp_precision(
                    scratch.allocateFrom(file.toString()), PCAP_TSTAMP_PRECISION_MICRO(), errbuf);
            if (pcap.equals(MemorySegment.NULL)) {
                throw new PcapException(openFailure(file), "pcap_open_offline(" + file + "): " + errbuf.getString(0));
            }
            // libpcap reads "-" as standard input, whatever a file of that name.
            boolean regularFile = !file.toString().equals("-") && Files.isRegularFile(file);
            return new PcapHandle(pcap, file.toString(), true, regularFile);
        }
    }

    /** Why a file did not open, for the hint: libpcap's message alone does not tell a typo from a damaged file. */
    private static PcapException.Problem openFailure(Path file) {
        if (file.toString().equals("-")) {
            return PcapException.Problem.BAD_FILE;  // standard input: there, but not a capture
        }
        if (!Files.exists(file)) {
            return PcapException.Problem.FILE_MISSING;
        }
        return Files.isReadable(file) ? PcapException.Problem.BAD_FILE : PcapException.Problem.FILE_UNREADABLE;
    }

    public String source() {
        return source;
    }

    /** The handle's link type, or an error naming libpcap's number if the parser cannot read it. */
    public LinkType linkType() throws PcapException {
        int dlt = pcap_datalink(pcap);
        return LinkType.of(dlt).orElseThrow(() -> new PcapException(PcapException.Problem.UNSUPPORTED_LINK_TYPE,
                source + ": unsupported link type " + dlt));
    }

    /** Compiles and installs a filter; for live handles the kernel runs it. */
    public void setFilter(String expression) throws PcapException {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment program = bpf_program.allocate(scratch);
            check("pcap_compile", pcap_compile(pcap, program, scratch.allocateFrom(expression), 1, PCAP_NETMASK_UNKNOWN()));
            try {
                check("pcap_setfilter", pcap_setfilter(pcap, program));
            } finally {
                pcap_freecode(program);
            }
        }
    }

    /** Reads the next packet: {@link #PACKET}, {@link #TIMEOUT} on a quiet link, or {@link #END}. */
    public int next() throws PcapException {
        int status = regularFile ? FileReads.next(pcap, headerOut, dataOut) : pcap_next_ex(pcap, headerOut, dataOut);
        if (status == PACKET) {
            header = MEMORY.get(ValueLayout.JAVA_LONG, headerOut.address());
            return PACKET;
        }
        if (status == TIMEOUT || status == PCAP_ERROR_BREAK()) {
            return status;
        }
        String message = describe(status);
        PcapException.Problem problem = offline ? PcapException.Problem.BAD_FILE
                // libpcap reports a removed interface as a generic error; its words are the only sign.
                : status == PCAP_ERROR_NO_SUCH_DEVICE() || message.contains("disappeared") ? PcapException.Problem.INTERFACE_GONE
                : PcapException.Problem.OTHER;
        throw new PcapException(problem, "pcap_next_ex(" + source + "): " + message);
    }

    /**
     * pcap_next_ex for a regular file, as a critical downcall: it skips the switch of thread state
     * around the call (0.2-0.3 s of the capture thread's 2.4 s CPU in a 10M-packet replay), and so
     * holds off any safepoint, and with it every other thread, until the call returns. A regular
     * file's read waits for the disk at most and never calls back into Java. A pipe's (standard
     * input, a FIFO: {@code tcpdump -w - | synwatch -r -}) or a live read may wait for ever, so
     * they keep the ordinary downcall.
     */
    private static final class FileReads {
        private static final MethodHandle NEXT = Linker.nativeLinker().downcallHandle(
                pcap_next_ex$address(), pcap_next_ex$descriptor(), Linker.Option.critical(false));

        static int next(MemorySegment pcap, MemorySegment headerOut, MemorySegment dataOut) {
            try {
                return (int) NEXT.invokeExact(pcap, headerOut, dataOut);
            } catch (Throwable t) {
                throw new AssertionError("a downcall throws nothing", t);
            }
        }
    }

    public long packetAddress() {
        return MEMORY.get(ValueLayout.JAVA_LONG, dataOut.address());
    }

    public int capturedLength() {
        return MEMORY.get(ValueLayout.JAVA_INT, header + CAPLEN);
    }

    public long timestampMicros() {
        return MEMORY.get(ValueLayout.JAVA_LONG, header + TS_SEC) * 1_000_000L
                + MEMORY.get(ValueLayout.JAVA_LONG, header + TS_USEC);
    }

    /** Kernel counters of a live handle; all zero once closed. */
    public synchronized CaptureStats stats() throws PcapException {
        if (closed) {
            return new CaptureStats(0, 0);
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment stat = pcap_stat.allocate(scratch);
            check("pcap_stats", pcap_stats(pcap, stat));
            return new CaptureStats(Integer.toUnsignedLong(pcap_stat.ps_drop(stat)),
                    Integer.toUnsignedLong(pcap_stat.ps_ifdrop(stat)));
        }
    }

    /** Makes a blocked or future {@link #next} return {@link #END}; safe from any thread. */
    public synchronized void breakLoop() {
        if (!closed) {
            pcap_breakloop(pcap);
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            pcap_close(pcap);
            arena.close();
        }
    }

    private void check(String call, int status) throws PcapException {
        if (status != 0) {
            throw new PcapException(PcapException.Problem.OTHER, call + "(" + source + "): " + describe(status));
        }
    }

    private PcapException activationFailure(int status) {
        String message = "pcap_activate(" + source + "): " + describe(status);
        PcapException.Problem problem;
        if (status == PCAP_ERROR_NO_SUCH_DEVICE()) {
            problem = PcapException.Problem.NO_SUCH_DEVICE;
        } else if (status == PCAP_ERROR_PERM_DENIED() || status == PCAP_ERROR_PROMISC_PERM_DENIED()) {
            problem = PcapException.Problem.PERMISSION_DENIED;
        } else if (status == PCAP_ERROR_IFACE_NOT_UP()) {
            problem = PcapException.Problem.INTERFACE_DOWN;
        } else {
            problem = PcapException.Problem.OTHER;
        }
        return new PcapException(problem, message);
    }

    /** libpcap's own words: the handle's error text where it set one, else the status name. */
    private String describe(int status) {
        String text = pcap_statustostr(status).reinterpret(Long.MAX_VALUE).getString(0);
        if (status == PCAP_ERROR() || status < 0 && status != PCAP_ERROR_BREAK()) {
            String detail = pcap_geterr(pcap).reinterpret(Long.MAX_VALUE).getString(0);
            if (!detail.isEmpty()) {
                return detail;
            }
        }
        return text;
    }
}
