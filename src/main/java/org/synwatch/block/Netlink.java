package org.synwatch.block;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.synwatch.nativelib.Libc;

/**
 * A netlink socket: how synwatch asks the kernel for its routes (NETLINK_ROUTE) and for
 * established connections (NETLINK_SOCK_DIAG, the interface {@code ss} uses) without running a
 * command. Not thread-safe: one per query.
 */
final class Netlink implements AutoCloseable {
    static final int NETLINK_ROUTE = 0;
    static final int NETLINK_SOCK_DIAG = 4;
    static final int HEADER_LENGTH = 16;
    static final short NLM_F_REQUEST = 0x1;
    static final short NLM_F_DUMP = 0x300;
    private static final int NLMSG_ERROR = 2;
    private static final int NLMSG_DONE = 3;
    /** The kernel answers a dump in pages of about this size; a larger buffer never truncates one. */
    private static final int RECEIVE_BUFFER = 64 * 1024;

    /** Called once for every message of a reply; returns false to stop reading early. */
    interface MessageHandler {
        boolean message(int type, ByteBuffer payload);
    }

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment receive = arena.allocate(RECEIVE_BUFFER, 8);
    private final MemorySegment kernel = arena.allocate(12, 4);
    private final int fd;
    private int sequence;
    private boolean closed;

    /** @param timeoutMillis how long one receive may wait for the kernel, so a query never hangs */
    Netlink(int protocol, int timeoutMillis) throws IOException {
        fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol);
        kernel.set(JAVA_SHORT, 0, (short) Libc.AF_NETLINK);
        MemorySegment timeval = arena.allocate(16, 8);
        timeval.set(JAVA_LONG, 0, timeoutMillis / 1000);
        timeval.set(JAVA_LONG, 8, (timeoutMillis % 1000) * 1000L);
        try {
            Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, timeval);
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /**
     * Sends one request (its header is filled in here) and hands every message of the reply to
     * {@code handler} until the kernel says done.
     *
     * @param maxMessages stop with an error past this many, so no reply can hold the thread forever
     */
    void request(int type, short flags, byte[] body, int maxMessages, MessageHandler handler) throws IOException {
        int seq = ++sequence;
        ByteBuffer message = ByteBuffer.allocate(HEADER_LENGTH + body.length).order(ByteOrder.nativeOrder());
        message.putInt(HEADER_LENGTH + body.length).putShort((short) type).putShort(flags).putInt(seq).putInt(0).put(body);
        try (Arena request = Arena.ofConfined()) {
            MemorySegment out = request.allocate(message.capacity());
            MemorySegment.copy(message.array(), 0, out, JAVA_BYTE, 0, message.capacity());
            Libc.sendto(fd, out, kernel);
        }
        int seen = 0;
        while (true) {
            long length = Libc.recv(fd, receive);
            ByteBuffer reply = receive.asSlice(0, length).asByteBuffer().order(ByteOrder.nativeOrder());
            while (reply.remaining() >= HEADER_LENGTH) {
                int start = reply.position();
                int messageLength = reply.getInt(start);
                int messageType = Short.toUnsignedInt(reply.getShort(start + 4));
                int messageSeq = reply.getInt(start + 8);
                if (messageLength < HEADER_LENGTH || messageLength > reply.remaining()) {
                    throw new IOException("netlink: malformed reply");
                }
                reply.position(Math.min(reply.limit(), start + align(messageLength)));
                if (messageSeq != seq) {
                    continue;
                }
                if (messageType == NLMSG_DONE) {
                    return;
                }
                if (messageType == NLMSG_ERROR) {
                    int error = reply.getInt(start + HEADER_LENGTH);
                    if (error == 0) {
                        return;
                    }
                    throw new IOException("netlink: " + Libc.strerror(-error));
                }
                if (++seen > maxMessages) {
                    throw new IOException("netlink: more than " + maxMessages + " messages in one reply");
                }
                ByteBuffer payload = reply.slice(start + HEADER_LENGTH, messageLength - HEADER_LENGTH).order(ByteOrder.nativeOrder());
                if (!handler.message(messageType, payload)) {
                    return;
                }
            }
        }
    }

    static int align(int length) {
        return (length + 3) & ~3;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
            arena.close();
        }
    }
}
