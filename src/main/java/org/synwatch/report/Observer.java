package org.synwatch.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who saw the events: ECS observer.hostname, and observer.ingress.interface.name for live
 * capture (a replayed file has no interface).
 */
public record Observer(String hostname, Optional<String> interfaceName) {
    private static final Logger LOG = LoggerFactory.getLogger(Observer.class);
    /** The kernel's host name (uname's nodename), without a resolver lookup that could stall start-up. */
    private static final Path HOSTNAME = Path.of("/proc/sys/kernel/hostname");

    /** This host, capturing on {@code interfaceName} (empty when replaying a file). */
    public static Observer local(Optional<String> interfaceName) {
        String hostname;
        try {
            hostname = Files.readString(HOSTNAME, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            LOG.warn("cannot read the host name from {} ({}): events say observer.hostname \"localhost\"", HOSTNAME, e.toString());
            hostname = "localhost";
        }
        return new Observer(hostname, interfaceName);
    }
}
