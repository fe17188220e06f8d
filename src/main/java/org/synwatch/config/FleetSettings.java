package org.synwatch.config;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Fleet mode: the Redis (or Valkey) every agent of the fleet shares, this agent's name in it and
 * the fleet-wide sweep threshold. {@link #toString} leaves the password out, so the settings can be
 * logged.
 *
 * @param sweepHosts a sweep is a source reaching MORE than this many destination addresses of the
 *                   fleet on one port within the scan window
 */
public record FleetSettings(String host, int port, int database, boolean tls, Optional<String> password,
                            String nodeName, int sweepHosts) {
    public static final String PASSWORD_ENV = "SYNWATCH_FLEET_PASSWORD";
    public static final int DEFAULT_PORT = 6379;
    public static final int DEFAULT_SWEEP_HOSTS = 10;
    /** The sweep's host list is read back from Redis when it is reported: this bounds that reply. */
    public static final int MAX_SWEEP_HOSTS = 10_000;
    /** Redis' default number of logical databases. */
    public static final int MAX_DATABASE = 15;
    /** Names travel in every decision and event line: short, and nothing a log or shell would misread. */
    public static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final String URI_HINT = "write redis://HOST:PORT[/DB] or rediss://HOST:PORT[/DB] for TLS";

    public FleetSettings {
        if (port < 1 || port > 65535 || database < 0 || database > MAX_DATABASE) {
            throw new IllegalArgumentException("port " + port + ", database " + database);
        }
        if (!NODE_NAME.matcher(nodeName).matches()) {
            throw new IllegalArgumentException("node name " + nodeName);
        }
        if (sweepHosts < 1 || sweepHosts > MAX_SWEEP_HOSTS) {
            throw new IllegalArgumentException("sweepHosts " + sweepHosts);
        }
    }

    /**
     * Validates the fleet flags together.
     *
     * @param uri          {@code --fleet}
     * @param passwordFile {@code --fleet-password-file}, or null
     * @param envPassword  the value of {@link #PASSWORD_ENV}, or null
     * @param nodeName     {@code --fleet-name}, or null for {@code defaultName}
     * @param sweepHosts   {@code --fleet-sweep-hosts}, or null for the default
     */
    public static FleetSettings parse(String uri, String passwordFile, String envPassword, String nodeName,
                                      String sweepHosts, String defaultName) throws ConfigException {
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw new ConfigException("--fleet: '" + uri + "' is not a URI", URI_HINT);
        }
        String scheme = parsed.getScheme();
        if (scheme == null || !(scheme.equals("redis") || scheme.equals("rediss")) || parsed.getHost() == null) {
            throw new ConfigException("--fleet: '" + uri + "' is not a redis:// or rediss:// address", URI_HINT);
        }
        if (parsed.getRawUserInfo() != null) {
            throw new ConfigException("--fleet: the URI carries credentials, which every 'ps' would show",
                    "put the password in " + PASSWORD_ENV + " or a file given with --fleet-password-file");
        }
        if (parsed.getRawQuery() != null || parsed.getRawFragment() != null) {
            throw new ConfigException("--fleet: '" + uri + "' has a query or fragment", URI_HINT);
        }
        int database = 0;
        String path = parsed.getPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            database = Values.integer("--fleet database", path.substring(1), 0, MAX_DATABASE);
        }
        String host = parsed.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        String name = nodeName != null ? nodeName : defaultName;
        if (!NODE_NAME.matcher(name).matches()) {
            throw new ConfigException("--fleet-name: '" + name + "' is not a usable node name",
                    "give 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        int port = parsed.getPort() < 0 ? DEFAULT_PORT : parsed.getPort();
        if (port < 1 || port > 65535) {
            throw new ConfigException("--fleet: port " + port + " is out of range", "give a port from 1 to 65535");
        }
        return new FleetSettings(host, port, database,
                scheme.equals("rediss"), password(passwordFile, envPassword), name,
                sweepHosts == null ? DEFAULT_SWEEP_HOSTS
                        : Values.integer("--fleet-sweep-hosts", sweepHosts, 1, MAX_SWEEP_HOSTS));
    }

    /** The URI without the password, as logs and messages show it. */
    public String uri() {
        String shownHost = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return (tls ? "rediss://" : "redis://") + shownHost + ":" + port + (database == 0 ? "" : "/" + database);
    }

    @Override
    public String toString() {
        return "FleetSettings[" + uri() + ", password " + (password.isPresent() ? "set" : "unset") + ", node "
                + nodeName + ", sweep hosts " + sweepHosts + "]";
    }

    private static Optional<String> password(String file, String env) throws ConfigException {
        if (file != null && env != null && !env.isEmpty()) {
            throw new ConfigException("the fleet password is given twice: in " + PASSWORD_ENV + " and --fleet-password-file",
                    "give it one way");
        }
        if (file == null) {
            return env == null || env.isEmpty() ? Optional.empty() : Optional.of(env);
        }
        String text;
        try {
            text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("--fleet-password-file: cannot read '" + file + "': " + e.getMessage(),
                    "give a readable file holding the password on its first line");
        }
        // Secrets mounted by Kubernetes or written by echo end with a newline that is not part of the password.
        String firstLine = text.lines().findFirst().orElse("");
        if (firstLine.isEmpty()) {
            throw new ConfigException("--fleet-password-file: '" + file + "' is empty",
                    "put the password on its first line");
        }
        return Optional.of(firstLine);
    }
}
