package org.synwatch.block;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.synwatch.config.ConfigException;
import org.synwatch.config.IpAddress;

/**
 * The host's facts as the running system has them: interface addresses (the JDK), routes (netlink)
 * and name servers ({@code /etc/resolv.conf} and, when systemd-resolved runs, its upstreams in
 * {@code /run/systemd/resolve/resolv.conf}; {@code /etc/resolv.conf} then names only its stub).
 */
public final class SystemFacts implements Allowlist.HostFacts {
    public static final List<Path> RESOLV_CONF = List.of(Path.of("/etc/resolv.conf"), Path.of("/run/systemd/resolve/resolv.conf"));
    /** resolv.conf is a few lines; glibc reads at most 3 name servers. More lines than this are not read. */
    private static final int MAX_RESOLV_CONF_LINES = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(SystemFacts.class);
    private final boolean live;
    private boolean warnedGatewayCap;
    private final List<Path> resolvConf;

    /**
     * @param live false for replays: their scans are history, so only the host's own addresses
     *             (as before) are protected, and nothing depends on this host's routes
     */
    public SystemFacts(boolean live, List<Path> resolvConf) {
        this.live = live;
        this.resolvConf = List.copyOf(resolvConf);
    }

    @Override
    public List<IpAddress> ownAddresses() throws IOException {
        List<IpAddress> addresses = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            nic.inetAddresses().forEach(address -> addresses.add(IpAddress.of(address)));
        }
        return addresses;
    }

    @Override
    public Set<IpAddress> gateways() throws IOException {
        if (!live) {
            return Set.of();
        }
        Set<IpAddress> gateways = KernelQueries.gateways();
        if (gateways.size() >= KernelQueries.MAX_GATEWAYS && !warnedGatewayCap) {
            warnedGatewayCap = true;
            LOG.warn("the routing table has at least {} distinct gateways; only the first {} are never blocked"
                    + " (add the others to --allow-file)", KernelQueries.MAX_GATEWAYS, KernelQueries.MAX_GATEWAYS);
        }
        return gateways;
    }

    @Override
    public List<IpAddress> nameServers() throws IOException {
        List<IpAddress> servers = new ArrayList<>();
        if (live) {
            for (Path file : resolvConf) {
                readNameServers(file, servers);
            }
        }
        return servers;
    }

    /** {@code nameserver ADDR} lines; a scope suffix ({@code fe80::1%eth0}) is dropped. A missing file is no error. */
    static void readNameServers(Path file, List<IpAddress> into) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            String line;
            for (int n = 0; n < MAX_RESOLV_CONF_LINES && (line = reader.readLine()) != null; n++) {
                String[] words = line.strip().split("\\s+");
                if (words.length >= 2 && words[0].equals("nameserver")) {
                    int percent = words[1].indexOf('%');
                    try {
                        into.add(IpAddress.parse(file.toString(), percent >= 0 ? words[1].substring(0, percent) : words[1]));
                    } catch (ConfigException e) {
                        // glibc skips what it can't parse; so does synwatch.
                    }
                }
            }
        } catch (NoSuchFileException e) {
            // No resolver configuration (or no systemd-resolved): nothing to protect there.
        }
    }
}
