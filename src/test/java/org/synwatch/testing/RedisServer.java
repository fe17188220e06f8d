package org.synwatch.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A private redis-server for tests and benchmarks: loopback only, a free port, no persistence, its
 * own directory; never the system's instance. Its default user (the one synwatch logs in as) has
 * exactly the ACL of packaging/kubernetes/fleet-valkey.yaml, read from that file, so the tests
 * prove the shipped ACL is enough; the tests' own redis-cli logs in as an unrestricted admin.
 * {@link #stop} and {@link #start} again on the same port simulate an outage. With {@link Tls} it
 * listens on TLS only (Debian's redis-server is built with it); redis-cli then checks it against the
 * same CA.
 */
public final class RedisServer implements AutoCloseable {
    public static final String PASSWORD = "test-password-" + ProcessHandle.current().pid();
    private static final String ADMIN_PASSWORD = "admin-" + PASSWORD;
    private static final Path MANIFEST = Path.of("packaging/kubernetes/fleet-valkey.yaml");
    /** {@code - value} or {@code - "value"} in a YAML block list. */
    private static final Pattern LIST_ITEM = Pattern.compile("\\s+- (?:\"(.*)\"|([^\"].*?))\\s*$");
    private final int port;
    private final Path dir;
    private final Tls tls;
    private Process process;

    /** The server's certificate chain in PEM files; clients are not asked for certificates. */
    public record Tls(Path certificate, Path key, Path caCertificate) {
    }

    public RedisServer() throws IOException {
        this(null);
    }

    /** {@code tls} null: plain TCP. */
    public RedisServer(Tls tls) throws IOException {
        this.tls = tls;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        dir = Files.createTempDirectory("synwatch-redis-");
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts the server and waits (at most 10 s) until it answers. */
    public RedisServer start() throws IOException {
        List<String> listen = tls == null ? List.of("--port", String.valueOf(port))
                : List.of("--port", "0", "--tls-port", String.valueOf(port), "--tls-cert-file", tls.certificate().toString(),
                        "--tls-key-file", tls.key().toString(), "--tls-ca-cert-file", tls.caCertificate().toString(),
                        "--tls-auth-clients", "no");
        List<String> command = new ArrayList<>(List.of("redis-server"));
        command.addAll(listen);
        command.addAll(List.of("--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                "--daemonize", "no", "--logfile", dir.resolve("redis.log").toString(), "--user"));
        command.addAll(shippedAcl());
        command.addAll(List.of("--user", "admin", "on", ">" + ADMIN_PASSWORD, "~*", "&*", "+@all"));
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        if (!await(10_000, () -> cli("PING").contains("PONG"))) {
            throw new IOException("redis-server on port " + port + " did not answer: " + Files.readString(dir.resolve("stdout.log")));
        }
        return this;
    }

    /** redis-cli against this server, authenticated. */
    public String cli(String... args) {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(port),
                "--no-auth-warning", "--user", "admin", "--pass", ADMIN_PASSWORD));
        if (tls != null) {
            command.addAll(List.of("--tls", "--cacert", tls.caCertificate().toString()));
        }
        command.addAll(List.of(args));
        return Commands.tryRun(command.toArray(String[]::new)).output().trim();
    }

    /** The default user's rule from the manifest's {@code --user} arguments, with this server's password. */
    static List<String> shippedAcl() throws IOException {
        List<String> rule = new ArrayList<>();
        boolean inUser = false;
        for (String line : Files.readAllLines(Commands.projectHome().resolve(MANIFEST))) {
            Matcher item = LIST_ITEM.matcher(line);
            if (!item.matches()) {
                if (inUser) {
                    break;
                }
                continue;
            }
            String value = item.group(1) != null ? item.group(1) : item.group(2);
            if (inUser && value.startsWith("--")) {
                break;
            }
            if (inUser) {
                rule.add(value.replace("$(FLEET_PASSWORD)", PASSWORD));
            }
            inUser |= value.equals("--user");
        }
        if (rule.size() < 4 || !rule.getFirst().equals("default")) {
            throw new IOException(MANIFEST + ": no --user default rule in the container's args: " + rule);
        }
        return rule;
    }

    /** The server's pid, for CPU accounting. */
    public long pid() {
        return process.pid();
    }

    /** Kills the server as a crash would (SIGKILL) and waits for it to be gone. */
    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        Commands.tryRun("rm", "-rf", dir.toString());
    }

    /** Polls {@code condition} every 20 ms for at most {@code millis}: bounds a wait, never a pass/fail timing. */
    public static boolean await(long millis, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }
}
