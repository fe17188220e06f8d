package org.synwatch.agent;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.synwatch.nativelib.Libc;

/**
 * At most one blocking synwatch per network namespace: two would rewrite each other's chains and
 * fight over the sets. The lock is an abstract Unix socket address: abstract names belong to the
 * network namespace (not the file system, so containers sharing a host network see the same one),
 * and the kernel releases it when the process dies, however it dies.
 */
final class InstanceLock implements AutoCloseable {
    static final String NAME = "synwatch";
    private final int fd;
    private boolean closed;

    private InstanceLock(int fd) {
        this.fd = fd;
    }

    /** @throws AgentFailure if another process in this network namespace holds the lock */
    static InstanceLock acquire(String name) throws AgentFailure {
        int fd;
        try {
            fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        } catch (IOException e) {
            throw new AgentFailure("cannot check for another synwatch: " + e.getMessage(),
                    "allow AF_UNIX sockets (RestrictAddressFamilies)", e);
        }
        byte[] path = name.getBytes(StandardCharsets.US_ASCII);
        try (Arena arena = Arena.ofConfined()) {
            // sockaddr_un: family, then a NUL that makes the name abstract, then the name (no terminator).
            MemorySegment address = arena.allocate(2 + 1 + path.length, 2);
            address.set(JAVA_SHORT, 0, (short) Libc.AF_UNIX);
            MemorySegment.copy(path, 0, address, JAVA_BYTE, 3, path.length);
            Libc.bind(fd, address);
        } catch (IOException e) {
            Libc.close(fd);
            if (e instanceof Libc.CallException call && call.errno() == Libc.EADDRINUSE) {
                throw new AgentFailure("another synwatch is already blocking in this network namespace",
                        "stop it first (systemctl stop synwatch), or run this one with --no-block or --dry-run", e);
            }
            throw new AgentFailure("cannot check for another synwatch: " + e.getMessage(), "rerun with --debug for details", e);
        }
        return new InstanceLock(fd);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }
}
