package org.synwatch.block;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.synwatch.config.AllowFile;
import org.synwatch.config.BlockSettings;
import org.synwatch.config.Cidr;
import org.synwatch.config.ConfigException;
import org.synwatch.config.IpAddress;
import org.synwatch.report.AddressText;

/**
 * Addresses synwatch must never block, each with its reason: the operator's {@code --allow}
 * networks and {@code --allow-file}; loopback and the host's own addresses; every gateway of the
 * routing table; the name servers the host resolves through; link-local neighbours. A forged scan
 * from any of them would otherwise cut the host off its own infrastructure.
 *
 * <p>{@link #refresh} re-reads the host's facts, and the allow file if it changed (the agent calls
 * it every {@link #REFRESH_SECONDS} seconds: a Kubernetes ConfigMap is updated in place);
 * {@link #reload} (SIGHUP) re-reads the allow file in any case. Lookups read one immutable
 * snapshot, so the detector never waits for a refresh.
 */
public final class Allowlist {
    public static final long REFRESH_SECONDS = 30;
    private static final Logger LOG = LoggerFactory.getLogger(Allowlist.class);
    private static final List<Cidr> OWN_ALWAYS = List.of(
            new Cidr(IpAddress.ipv4(0x7F000000L), 8),
            new Cidr(new IpAddress(IpAddress.IPV6, 0, 1), 128),
            new Cidr(new IpAddress(IpAddress.IPV6, 0, 0), 128));
    private static final List<Cidr> LINK_LOCAL = List.of(
            new Cidr(IpAddress.ipv4(0xA9FE0000L), 16),
            new Cidr(new IpAddress(IpAddress.IPV6, 0xFE80000000000000L, 0), 10));

    /** Where the host's own addresses, gateways and name servers come from; each may fail alone. */
    public interface HostFacts {
        List<IpAddress> ownAddresses() throws IOException;

        Set<IpAddress> gateways() throws IOException;

        List<IpAddress> nameServers() throws IOException;
    }

    private record Snapshot(List<Cidr> allowed, Set<IpAddress> own, Set<IpAddress> gateways, Set<IpAddress> nameServers) {
    }

    private final List<Cidr> configured;
    private final Optional<Path> allowFile;
    private final HostFacts facts;
    private volatile Snapshot snapshot;
    /** The allow file's modification time at its last read, or null. */
    private FileTime allowFileRead;
    /** Kinds of fact whose last read failed: each failure is logged once until it reads again. */
    private final Set<BlockStats.Result> failing = EnumSet.noneOf(BlockStats.Result.class);

    /**
     * Reads the allow file and the host's facts once.
     *
     * @throws ConfigException if the allow file is unreadable or wrong (a usage error at start)
     */
    public Allowlist(List<Cidr> configured, Optional<Path> allowFile, HostFacts facts) throws ConfigException {
        this.configured = List.copyOf(configured);
        this.allowFile = allowFile;
        this.facts = facts;
        allowFileRead = allowFileTime();
        snapshot = new Snapshot(allowed(), Set.of(), Set.of(), Set.of());
        // Said by the agent once it has started: a start that fails says only why.
        readFacts();
    }

    /**
     * The allowlist of {@code settings} ({@code --allow}, {@code --allow-file}) and this host's facts;
     * gateways and name servers only when {@code live} (a replay is not about this host's network).
     *
     * @throws ConfigException if the allow file is unreadable or wrong
     */
    public static Allowlist of(BlockSettings settings, boolean live) throws ConfigException {
        return new Allowlist(settings.allow(), settings.allowFile(), new SystemFacts(live, SystemFacts.RESOLV_CONF));
    }

    /**
     * Why {@code source} must not be blocked, or null if nothing protects it. A prefix is protected
     * when it holds a protected address or overlaps a protected network: a forged scan "from" the
     * host's own /64 or its gateway's must not cut the host off.
     */
    public BlockStats.Result protects(Cidr source) {
        Snapshot current = snapshot;
        if (overlapsAny(current.allowed, source)) {
            return BlockStats.Result.ALLOWLISTED;
        }
        if (overlapsAny(OWN_ALWAYS, source) || holdsAny(source, current.own)) {
            return BlockStats.Result.OWN_ADDRESS;
        }
        if (holdsAny(source, current.gateways)) {
            return BlockStats.Result.GATEWAY;
        }
        if (holdsAny(source, current.nameServers)) {
            return BlockStats.Result.NAME_SERVER;
        }
        return overlapsAny(LINK_LOCAL, source) ? BlockStats.Result.ALLOWLISTED : null;
    }

    /**
     * Re-reads the host's addresses, gateways and name servers, and the allow file if it changed;
     * a fact that can't be read keeps its last value.
     */
    public synchronized void refresh() {
        if (!Objects.equals(allowFileTime(), allowFileRead)) {
            reloadFile();
        }
        if (readFacts()) {
            // The operator can check what is protected; a change (new route, DHCP) is worth a line.
            LOG.info("never blocking {}", protectedInfrastructure());
        }
    }

    /** "gateways [...] and name servers [...]": what the host's own facts protect now. */
    public String protectedInfrastructure() {
        Snapshot current = snapshot;
        return "gateways " + texts(current.gateways) + " and name servers " + texts(current.nameServers);
    }

    /** Re-reads the host's facts; returns whether the gateways or name servers changed. */
    private boolean readFacts() {
        Snapshot old = snapshot;
        Set<IpAddress> own = Set.copyOf(read(BlockStats.Result.OWN_ADDRESS, "the host's addresses", facts::ownAddresses, old.own));
        Set<IpAddress> gateways = Set.copyOf(read(BlockStats.Result.GATEWAY, "the routing table's gateways",
                facts::gateways, old.gateways));
        Set<IpAddress> nameServers = Set.copyOf(read(BlockStats.Result.NAME_SERVER, "the name servers",
                facts::nameServers, old.nameServers));
        snapshot = new Snapshot(old.allowed, own, gateways, nameServers);
        return !gateways.equals(old.gateways) || !nameServers.equals(old.nameServers);
    }

    /**
     * SIGHUP: the allow file again, then the host's facts. A file that has become unreadable or
     * wrong keeps the previous list, with one line saying why.
     */
    public synchronized void reload() {
        reloadFile();
        refresh();
    }

    private void reloadFile() {
        allowFileRead = allowFileTime();
        try {
            List<Cidr> allowed = allowed();
            Snapshot old = snapshot;
            snapshot = new Snapshot(allowed, old.own, old.gateways, old.nameServers);
            allowFile.ifPresent(file -> LOG.info("{}: {} networks", file, allowed.size() - configured.size()));
        } catch (ConfigException e) {
            LOG.error("keeping the previous allow list: {} ({})", e.getMessage(), e.hint());
        }
    }

    private FileTime allowFileTime() {
        try {
            return allowFile.isPresent() ? Files.getLastModifiedTime(allowFile.get()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private List<Cidr> allowed() throws ConfigException {
        if (allowFile.isEmpty()) {
            return configured;
        }
        List<Cidr> all = new ArrayList<>(configured);
        all.addAll(AllowFile.read(allowFile.get()));
        return List.copyOf(all);
    }

    private interface Reader<C extends Collection<IpAddress>> {
        C read() throws IOException;
    }

    /** A fresh read, or {@code previous} if it fails: a list, a set, whatever the fact comes as. */
    private <C extends Collection<IpAddress>> C read(BlockStats.Result kind, String what, Reader<? extends C> reader, C previous) {
        try {
            C fresh = reader.read();
            if (failing.remove(kind)) {
                LOG.info("reading {} works again", what);
            }
            return fresh;
        } catch (IOException | RuntimeException e) {
            if (failing.add(kind)) {
                LOG.warn("cannot read {}: {}; keeping the last {} known", what, e.getMessage(), previous.size());
            }
            return previous;
        }
    }

    /** At most a few, for a log line: a router may have thousands of next hops. */
    private static String texts(Set<IpAddress> addresses) {
        List<String> shown = addresses.stream().limit(8).map(AddressText::text).sorted().toList();
        return "[" + String.join(", ", shown) + (addresses.size() > shown.size() ? ", ... " + addresses.size() + " in all" : "") + "]";
    }

    private static boolean overlapsAny(List<Cidr> networks, Cidr source) {
        for (Cidr network : networks) {
            if (network.overlaps(source)) {
                return true;
            }
        }
        return false;
    }

    /** A lookup for one address; a scan of at most {@code KernelQueries.MAX_GATEWAYS} for a prefix. */
    private static boolean holdsAny(Cidr source, Collection<IpAddress> addresses) {
        if (source.isHost()) {
            return addresses.contains(source.network());
        }
        for (IpAddress address : addresses) {
            if (source.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
