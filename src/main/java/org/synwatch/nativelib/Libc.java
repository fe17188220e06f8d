package org.synwatch.nativelib;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few socket calls of libc that the JDK does not offer (netlink sockets, abstract Unix
 * addresses), through the FFM API and the platform's default lookup: libc needs no generated
 * bindings. Each failure is an IOException with the call's name and strerror's words.
 */
public final class Libc {
    public static final int AF_UNIX = 1;
    public static final int AF_NETLINK = 16;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_RCVTIMEO = 20;
    public static final int EADDRINUSE = 98;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    // Linked on first use, in two groups: a replay maps memory and opens no socket. Each link
    // generates classes, a few milliseconds of start-up apiece.
    private static final class Sockets {
        static final MethodHandle SOCKET = call("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle SETSOCKOPT = call("setsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle BIND = call("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle SENDTO = call("sendto",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle RECV = call("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        static final MethodHandle CLOSE = call("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private static final class Mappings {
        // The address comes back as a long: MAP_FAILED is -1, so the usual negative check applies.
        static final MethodHandle MMAP = call("mmap",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        static final MethodHandle MADVISE = call("madvise", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
        static final MethodHandle MUNMAP = call("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    }

    private static final class Strerror {
        static final MethodHandle STRERROR = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("strerror"),
                FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final int MADV_HUGEPAGE = 14;
    private static final long SMALL_PAGE = 4096;
    private static final long HUGE_PAGE = 2L << 20;

    /** A failed call, with its errno for callers that tell errors apart. */
    public static final class CallException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        CallException(String call, int errno) {
            super(call + ": " + strerror(errno));
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    private Libc() {
    }

    public static int socket(int domain, int type, int protocol) throws IOException {
        return (int) check("socket", invoke(state -> (int) Sockets.SOCKET.invokeExact(state, domain, type, protocol)));
    }

    public static void setsockopt(int fd, int level, int name, MemorySegment value) throws IOException {
        check("setsockopt", invoke(state ->
                (int) Sockets.SETSOCKOPT.invokeExact(state, fd, level, name, value, (int) value.byteSize())));
    }

    public static void bind(int fd, MemorySegment address) throws IOException {
        check("bind", invoke(state -> (int) Sockets.BIND.invokeExact(state, fd, address, (int) address.byteSize())));
    }

    public static long sendto(int fd, MemorySegment data, MemorySegment address) throws IOException {
        return check("sendto", invoke(state -> (long) Sockets.SENDTO.invokeExact(state, fd, data, data.byteSize(), 0,
                address, (int) address.byteSize())));
    }

    public static long recv(int fd, MemorySegment buffer) throws IOException {
        return check("recv", invoke(state -> (long) Sockets.RECV.invokeExact(state, fd, buffer, buffer.byteSize(), 0)));
    }

    public static void close(int fd) {
        invoke(state -> (int) Sockets.CLOSE.invokeExact(state, fd));
    }

    /**
     * {@code bytes} of zeroed anonymous memory, unmapped when {@code arena} closes. Pages are
     * faulted in when first touched, so a table sized for its bound costs memory only as it fills;
     * and the kernel is asked for huge pages (where transparent huge pages are "madvise", as on
     * Debian), so random reads of a large table don't each miss the TLB. Without them it works
     * the same, only slower.
     */
    public static MemorySegment mapAnonymous(long bytes, Arena arena) {
        // A huge page only fits a 2 MiB-aligned range: map a little more, then unmap the ends.
        long slack = bytes >= HUGE_PAGE ? HUGE_PAGE : 0;
        long mapped = invoke(state -> (long) Mappings.MMAP.invokeExact(state, 0L, bytes + slack, PROT_READ_WRITE,
                MAP_PRIVATE_ANONYMOUS, -1, 0L));
        if (mapped < 0) {
            throw new OutOfMemoryError("mmap of " + bytes + " bytes: " + strerror((int) -mapped));
        }
        long address = slack == 0 ? mapped : (mapped + slack - 1) & -slack;
        if (address > mapped) {
            unmap(mapped, address - mapped);
        }
        long end = address + ((bytes + SMALL_PAGE - 1) & -SMALL_PAGE);
        if (mapped + bytes + slack > end) {
            unmap(end, mapped + bytes + slack - end);
        }
        invoke(state -> (int) Mappings.MADVISE.invokeExact(state, address, bytes, MADV_HUGEPAGE));
        return MemorySegment.ofAddress(address).reinterpret(bytes, arena, region -> unmap(address, bytes));
    }

    private static void unmap(long address, long bytes) {
        invoke(state -> (int) Mappings.MUNMAP.invokeExact(state, address, bytes));
    }

    public static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) Strerror.STRERROR.invokeExact(errno);
            return text.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable e) {
            return "errno " + errno;
        }
    }

    /** One downcall, given the memory its errno is captured in; returns the call's result. */
    @FunctionalInterface
    private interface Call {
        long run(MemorySegment callState) throws Throwable;
    }

    /**
     * The result, or -errno when the call failed: each thread's errno is captured with its call.
     * Each call site invokes its handle exactly: invokeWithArguments generated some 140 adapter
     * classes at start-up (40 ms).
     */
    private static long invoke(Call call) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long result = call.run(state);
            return result < 0 ? -(int) ERRNO.get(state, 0L) : result;
        } catch (Throwable e) {
            throw new AssertionError("libc call through FFM", e);
        }
    }

    private static long check(String call, long result) throws CallException {
        if (result < 0) {
            throw new CallException(call, (int) -result);
        }
        return result;
    }

    private static MethodHandle call(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor,
                Linker.Option.captureCallState("errno"));
    }
}
