package org.synwatch.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.synwatch.block.NftFirewall;
import org.synwatch.config.AllowFile;
import org.synwatch.config.BlockSettings;
import org.synwatch.config.CaptureSource;
import org.synwatch.config.Cidr;
import org.synwatch.config.ConfigException;
import org.synwatch.config.DetectionSettings;
import org.synwatch.config.FleetSettings;
import org.synwatch.config.FloodSettings;
import org.synwatch.config.OutputFormat;
import org.synwatch.config.Settings;
import org.synwatch.config.Values;
import org.synwatch.report.Observer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Every command-line option, each declared once: its names, value label, default, help text and
 * validation. Parsing ({@link Arguments}), {@code --help} ({@link Usage}) and the man page's OPTIONS
 * section ({@link ManPage}) all come from these declarations. An option's {@code order} puts it in a
 * {@link Section}; checks between options live in {@link #toParsed}.
 */
@Command(name = "synwatch", sortOptions = false, usageHelpWidth = 100,
        customSynopsis = "Usage: synwatch [-i IFACE | -r FILE] [options]",
        description = {
            "Reports every new TCP connection attempt (a pure SYN) and detects port scans.",
            "Event lines go to stdout; diagnostics go to stderr."},
        footer = {
            "Environment (read by bin/synwatch, the launcher, unless noted):",
            "  JAVA_HOME           the Java runtime (25 or newer) when none is bundled; else the newest",
            "                      under /usr/lib/jvm",
            "  SYNWATCH_JAVA_OPTS  extra JVM options, after the launcher's (-Xmx256m, -XX:+UseSerialGC, ...)",
            "  SYNWATCH_AOT_CACHE  the JDK AOT cache to use (default: synwatch.aot beside the jar, else the",
            "                      .deb's /usr/lib/synwatch/synwatch.aot, if newer than the jar); 'none'",
            "                      disables it",
            "  SYNWATCH_JAR        the jar to run instead of the one beside the launcher",
            "  SYNWATCH_FLEET_PASSWORD  the fleet's Redis password, with --fleet (read by synwatch)",
            "  TZ                  the time zone of event lines (read by synwatch)",
            "  JOURNAL_STREAM      set by systemd: diagnostics then start with syslog priorities, <4>",
            "                      warning, <3> error (read by synwatch)",
            "",
            "Exit status: 0 on success (end of file, SIGTERM or SIGINT, or stdout's reader went away),",
            "1 on a runtime error, 2 on a usage error."})
final class Options {
    /** Where an option is listed in {@code --help} and the man page: by its {@code order}. */
    enum Section {
        CAPTURE("Capture"),
        DETECTION("Detection"),
        BLOCKING("Blocking (live capture; nftables table '" + NftFirewall.TABLE_SPEC + "')"),
        FLEET("Fleet (live capture; shared blocks and sweeps through Redis or Valkey)"),
        OUTPUT("Output"),
        OTHER("Other");

        /** Orders are SPAN apart per section, so an option's order names its section. */
        static final int SPAN = 100;
        final String heading;

        Section(String heading) {
            this.heading = heading;
        }

        static Section of(int order) {
            return values()[order / SPAN];
        }
    }

    private static final int CAPTURE = 0;
    private static final int DETECTION = Section.SPAN;
    private static final int BLOCKING = 2 * Section.SPAN;
    private static final int FLEET = 3 * Section.SPAN;
    private static final int OUTPUT = 4 * Section.SPAN;
    private static final int OTHER = 5 * Section.SPAN;

    private static final String LIVE_ONLY = "drop it when using --read";
    private static final String RUN_ALONE = "--list-blocked, --unblock, --block and --remove-firewall run alone";

    private String interfaceName;
    private Path file;
    private Integer bufferSize;
    private boolean immediateMode;
    private int maxFragmentSets;
    private OptionalInt maxConnectionLines = OptionalInt.empty();
    private int portThreshold;
    private long windowMicros;
    private int maxTrackedPairs;
    private int maxTrackedSyns;
    private int ipv6PrefixLength;
    private long blockTimeoutSeconds;
    private final List<Cidr> allowed = new ArrayList<>();
    private Path allowFile;
    private int maxBlocksPerMinute;
    private int maxBlocked;
    private boolean blockEstablished;
    private Cidr blockAddress;
    private boolean force;
    private boolean noBlock;
    private boolean dryRun;
    private Arguments.Action management;
    private Cidr unblockAddress;
    private OutputFormat format;
    private InetSocketAddress metricsAddress;
    private boolean debug;
    private String fleetUri;
    private String fleetPasswordFile;
    private String fleetName;
    private String fleetSweepHosts;

    @Option(names = {"-h", "--help"}, usageHelp = true, order = OTHER + 2, description = "show this help")
    private boolean help;

    @Option(names = "--version", versionHelp = true, order = OTHER + 3,
            description = "show synwatch's and libpcap's versions")
    private boolean version;

    @Option(names = {"-i", "--interface"}, paramLabel = "IFACE", order = CAPTURE + 1, description =
            "capture live on IFACE ('any' for all interfaces); default: "
            + "libpcap's first interface that is up and not loopback")
    void interfaceName(String value) throws ConfigException {
        interfaceName = Values.nonEmpty("--interface", value, "name an interface, e.g. -i eth0");
    }

    @Option(names = {"-r", "--read"}, paramLabel = "FILE", order = CAPTURE + 2, description =
            "replay a pcap or pcapng file ('-' for standard input), using packet timestamps, "
            + "and exit at its end; replays never change the firewall")
    void file(String value) throws ConfigException {
        file = Path.of(Values.nonEmpty("--read", value, "give a capture file, e.g. -r capture.pcap"));
    }

    @Option(names = "--buffer-size", paramLabel = "BYTES", order = CAPTURE + 3, description =
            "kernel capture buffer, live only (default " + CaptureSource.Live.DEFAULT_BUFFER_SIZE
            + ", at least " + CaptureSource.Live.MIN_BUFFER_SIZE + ")")
    void bufferSize(String value) throws ConfigException {
        bufferSize = Values.integer("--buffer-size", value,
                CaptureSource.Live.MIN_BUFFER_SIZE, CaptureSource.Live.MAX_BUFFER_SIZE);
    }

    @Option(names = "--immediate-mode", order = CAPTURE + 4, description =
            "hand each packet over at once instead of in kernel blocks "
            + "of at most 2 ms: lower latency, several times the CPU")
    void immediateMode(boolean on) {
        immediateMode = on;
    }

    @Option(names = "--max-fragment-sets", paramLabel = "N", order = CAPTURE + 5,
            defaultValue = "" + FloodSettings.DEFAULT_MAX_FRAGMENT_SETS, description =
            "incomplete IPv4 datagrams held to read a fragmented TCP header, "
            + "64 bytes each; the oldest is dropped first (default ${DEFAULT-VALUE})")
    void maxFragmentSets(String value) throws ConfigException {
        maxFragmentSets = Values.integer("--max-fragment-sets", value, 1, FloodSettings.MAX_FRAGMENT_SETS_LIMIT);
    }

    @Option(names = "--scan-ports", paramLabel = "N", order = DETECTION + 1,
            defaultValue = "" + DetectionSettings.DEFAULT_PORT_THRESHOLD, description =
            "a scan is MORE than N distinct ports of one host from "
            + "one source (default ${DEFAULT-VALUE}, at most " + DetectionSettings.MAX_PORT_THRESHOLD + ")")
    void portThreshold(String value) throws ConfigException {
        portThreshold = Values.integer("--scan-ports", value, 1, DetectionSettings.MAX_PORT_THRESHOLD);
    }

    @Option(names = "--scan-window", paramLabel = "DURATION", order = DETECTION + 2,
            defaultValue = DetectionSettings.DEFAULT_WINDOW,
            description = "... within this window: 90s, 2m, 1h30m (default ${DEFAULT-VALUE}, at most 24h)")
    void window(String value) throws ConfigException {
        windowMicros = Values.durationMicros("--scan-window", value, DetectionSettings.MAX_WINDOW_MICROS);
    }

    @Option(names = "--max-tracked-pairs", paramLabel = "N", order = DETECTION + 3,
            defaultValue = "" + DetectionSettings.DEFAULT_MAX_TRACKED_PAIRS, description =
            "source/destination pairs remembered; at the cap the oldest "
            + "pair with one port in the window is forgotten first (default ${DEFAULT-VALUE})")
    void maxTrackedPairs(String value) throws ConfigException {
        maxTrackedPairs = Values.integer("--max-tracked-pairs", value, 1, DetectionSettings.MAX_TRACKED_PAIRS_LIMIT);
    }

    @Option(names = "--max-tracked-syns", paramLabel = "N", order = DETECTION + 4,
            defaultValue = "" + DetectionSettings.DEFAULT_MAX_TRACKED_SYNS, description =
            "connection 4-tuples of the last 60 s remembered exactly, "
            + "to tell retransmissions (default ${DEFAULT-VALUE}; 16 bytes each, up to 32 for some N)")
    void maxTrackedSyns(String value) throws ConfigException {
        maxTrackedSyns = Values.integer("--max-tracked-syns", value, 1, DetectionSettings.MAX_TRACKED_SYNS_LIMIT);
    }

    @Option(names = "--ipv6-prefix", paramLabel = "LEN", order = DETECTION + 5,
            defaultValue = "" + DetectionSettings.DEFAULT_IPV6_PREFIX, description =
            "IPv6 sources of one /LEN count as one source for scans, and are blocked as one; "
            + "64 for internet-facing hosts (default ${DEFAULT-VALUE}, at least " + DetectionSettings.MIN_IPV6_PREFIX + ")")
    void ipv6PrefixLength(String value) throws ConfigException {
        ipv6PrefixLength = Values.integer("--ipv6-prefix", value, DetectionSettings.MIN_IPV6_PREFIX, 128);
    }

    @Option(names = "--block-timeout", paramLabel = "DURATION", order = BLOCKING + 1,
            defaultValue = BlockSettings.DEFAULT_TIMEOUT, description =
            "how long a scanner stays blocked: 30m, 12h, 7d; whole seconds, at least 1s "
            + "(default ${DEFAULT-VALUE}, at most 7d); "
            + "the kernel expires the block even if synwatch is gone")
    void blockTimeout(String value) throws ConfigException {
        blockTimeoutSeconds = BlockSettings.parseTimeout(value);
    }

    @Option(names = "--allow", paramLabel = "CIDR", order = BLOCKING + 2, description =
            "never block this network (repeatable); loopback, link-local, the host's own "
            + "addresses, its gateways and name servers never are")
    void allow(List<String> values) throws ConfigException {
        // picocli passes every occurrence so far, so the list is made anew each time.
        allowed.clear();
        for (String value : values) {
            allowed.add(Cidr.parse("--allow", value));
        }
    }

    @Option(names = "--allow-file", paramLabel = "PATH", order = BLOCKING + 3, description =
            "never block the networks in PATH: one CIDR per line, # comments; "
            + "re-read on SIGHUP (a bad file then keeps the previous list)")
    void allowFile(String value) throws ConfigException {
        Path path = Path.of(Values.nonEmpty(AllowFile.FLAG, value, "give a file, e.g. --allow-file /etc/synwatch/allow"));
        AllowFile.read(path);
        allowFile = path;
    }

    @Option(names = "--max-blocks-per-minute", paramLabel = "N", order = BLOCKING + 4,
            defaultValue = "" + BlockSettings.DEFAULT_MAX_BLOCKS_PER_MINUTE, description =
            "block at most N new scanners in any minute; more are reported, "
            + "not blocked (default ${DEFAULT-VALUE})")
    void maxBlocksPerMinute(String value) throws ConfigException {
        maxBlocksPerMinute = BlockSettings.parseMaxBlocksPerMinute(value);
    }

    @Option(names = "--max-blocked", paramLabel = "N", order = BLOCKING + 5,
            defaultValue = "" + BlockSettings.DEFAULT_MAX_BLOCKED, description =
            "at most N elements in each nftables set (IPv4 addresses, IPv6 addresses, IPv6 prefixes): the sets' size "
            + "(default ${DEFAULT-VALUE}, at most " + BlockSettings.MAX_BLOCKED_LIMIT + ")")
    void maxBlocked(String value) throws ConfigException {
        maxBlocked = BlockSettings.parseMaxBlocked(value);
    }

    @Option(names = "--block-established", order = BLOCKING + 6, description =
            "block a scanner even while it has an ESTABLISHED TCP connection with this host "
            + "(by default it is not blocked: its scan may be forged)")
    void blockEstablished(boolean on) {
        blockEstablished = on;
    }

    @Option(names = "--no-block", order = BLOCKING + 7, description = "report scans only")
    void noBlock(boolean on) {
        noBlock = on;
    }

    @Option(names = "--dry-run", order = BLOCKING + 8, description = "say what would be blocked, change nothing")
    void dryRun(boolean on) {
        dryRun = on;
    }

    @Option(names = "--block", paramLabel = "ADDR", order = BLOCKING + 9, description =
            "block ADDR (an address, or an IPv6 prefix) for --block-timeout and exit, "
            + "after the same safety checks as a detected scanner")
    void block(String value) throws ConfigException {
        management(Arguments.Action.BLOCK);
        blockAddress = Cidr.parseBlockable("--block", value);
    }

    @Option(names = "--force", order = BLOCKING + 10, description = "with --block: skip the safety checks")
    void force(boolean on) {
        force = on;
    }

    @Option(names = "--list-blocked", order = BLOCKING + 11, description = "list blocked addresses and IPv6 prefixes and exit")
    void listBlocked(boolean on) throws ConfigException {
        management(Arguments.Action.LIST_BLOCKED);
    }

    @Option(names = "--unblock", paramLabel = "ADDR", order = BLOCKING + 12,
            description = "remove one block (an address, or an IPv6 prefix as --list-blocked prints it) and exit")
    void unblock(String value) throws ConfigException {
        management(Arguments.Action.UNBLOCK);
        unblockAddress = Cidr.parseBlockable("--unblock", value);
    }

    @Option(names = "--remove-firewall", order = BLOCKING + 13,
            description = "delete synwatch's nftables table (every block) and exit")
    void removeFirewall(boolean on) throws ConfigException {
        management(Arguments.Action.REMOVE_FIREWALL);
    }

    @Option(names = "--fleet", paramLabel = "URI", order = FLEET + 1, description =
            "join the fleet at redis://HOST:PORT[/DB] (rediss:// for TLS): share blocks and detect "
            + "sweeps with every agent there; password from $" + FleetSettings.PASSWORD_ENV
            + " or --fleet-password-file; never in the URI")
    void fleet(String value) throws ConfigException {
        fleetUri = Values.nonEmpty("--fleet", value, "write redis://HOST:PORT[/DB]");
    }

    @Option(names = "--fleet-password-file", paramLabel = "FILE", order = FLEET + 2,
            description = "read the fleet's password from the first line of FILE")
    void fleetPasswordFile(String value) throws ConfigException {
        fleetPasswordFile = Values.nonEmpty("--fleet-password-file", value, "give a file holding the password");
    }

    @Option(names = "--fleet-name", paramLabel = "NAME", order = FLEET + 3, description =
            "this agent's name in the fleet, unique per agent (default: the host name)")
    void fleetName(String value) {
        fleetName = value;
    }

    @Option(names = "--fleet-sweep-hosts", paramLabel = "N", order = FLEET + 4, description =
            "a sweep is one source reaching MORE than N destination addresses of the fleet on one "
            + "port within --scan-window (default " + FleetSettings.DEFAULT_SWEEP_HOSTS + ")")
    void fleetSweepHosts(String value) {
        fleetSweepHosts = value;
    }

    @Option(names = "--format", paramLabel = "text|json", order = OUTPUT + 1, defaultValue = "text",
            description = "event lines as text (default) or one JSON object each")
    void format(String value) throws ConfigException {
        format = switch (value) {
            case "text" -> OutputFormat.TEXT;
            case "json" -> OutputFormat.JSON;
            default -> throw new ConfigException("--format: '" + value + "' is not a format", "use text or json");
        };
    }

    @Option(names = "--max-connection-lines", paramLabel = "N", order = OUTPUT + 3, description =
            "at most N New connection lines per second of packet time; the rest "
            + "of that second becomes one line with their count (default: no limit)")
    void maxConnectionLines(String value) throws ConfigException {
        maxConnectionLines = OptionalInt.of(Values.integer("--max-connection-lines", value, 1,
                FloodSettings.MAX_CONNECTION_LINES_LIMIT));
    }

    @Option(names = "--metrics-address", paramLabel = "[HOST]:PORT", order = OUTPUT + 2, description =
            "serve Prometheus metrics at /metrics (live "
            + "default :" + Settings.DEFAULT_METRICS_PORT + ", every address; replays: only if given)")
    void metricsAddress(String value) throws ConfigException {
        metricsAddress = Values.socketAddress("--metrics-address", value);
    }

    @Option(names = "--java-home", order = OTHER + 4, description =
            "print the Java runtime synwatch runs on and exit (the launcher answers this itself when "
            + "it comes first: the bundled runtime, else JAVA_HOME, else the newest under /usr/lib/jvm)")
    private boolean javaHome;

    @Option(names = "--debug", order = OTHER + 1, description = "verbose diagnostics, stack traces on errors")
    void debug(boolean on) {
        debug = on;
    }

    boolean debug() {
        return debug;
    }

    boolean javaHome() {
        return javaHome;
    }

    private void management(Arguments.Action action) throws ConfigException {
        if (management != null) {
            throw new ConfigException(RUN_ALONE, "give one of them");
        }
        management = action;
    }

    private Optional<FleetSettings> fleet() throws ConfigException {
        if (fleetUri == null) {
            String orphan = fleetPasswordFile != null ? "--fleet-password-file" : fleetName != null ? "--fleet-name"
                    : fleetSweepHosts != null ? "--fleet-sweep-hosts" : null;
            if (orphan != null) {
                throw new ConfigException(orphan + " needs --fleet", "give --fleet redis://HOST:PORT, or drop " + orphan);
            }
            return Optional.empty();
        }
        return Optional.of(FleetSettings.parse(fleetUri, fleetPasswordFile, System.getenv(FleetSettings.PASSWORD_ENV),
                fleetName, fleetSweepHosts, Observer.local(Optional.empty()).hostname()));
    }

    /** The checks between options, then the settings they make. */
    Arguments.Parsed toParsed() throws ConfigException {
        if (noBlock && dryRun) {
            throw new ConfigException("--no-block and --dry-run exclude each other",
                    "--no-block reports scans only; --dry-run also says what it would block");
        }
        if (management != null) {
            if (interfaceName != null || file != null) {
                throw new ConfigException(RUN_ALONE, "manage blocks in a separate command, without -i or -r");
            }
            if (fleetUri != null && management != Arguments.Action.UNBLOCK) {
                throw new ConfigException("--fleet goes with --unblock only, of the management options",
                        "drop --fleet; the others act on this host alone");
            }
            if (force && management != Arguments.Action.BLOCK) {
                throw new ConfigException("--force applies to --block only", "drop --force");
            }
            return new Arguments.Parsed(management, null, debug,
                    management == Arguments.Action.BLOCK ? blockAddress : unblockAddress, blockSettings(mode()), force, fleet());
        }
        if (force) {
            throw new ConfigException("--force applies to --block only", "drop --force");
        }
        if (interfaceName != null && file != null) {
            throw new ConfigException("--interface and --read exclude each other",
                    "capture live with -i IFACE or replay a file with -r FILE, not both");
        }
        if (file != null && bufferSize != null) {
            throw new ConfigException("--buffer-size applies to live capture only", LIVE_ONLY);
        }
        if (file != null && immediateMode) {
            throw new ConfigException("--immediate-mode applies to live capture only", LIVE_ONLY);
        }
        if (file != null && fleetUri != null) {
            throw new ConfigException("--fleet applies to live capture only", "a replay is history: " + LIVE_ONLY);
        }
        CaptureSource source = file != null
                ? new CaptureSource.File(file)
                : new CaptureSource.Live(Optional.ofNullable(interfaceName),
                        bufferSize != null ? bufferSize : CaptureSource.Live.DEFAULT_BUFFER_SIZE, immediateMode);
        Optional<InetSocketAddress> metrics = metricsAddress != null ? Optional.of(metricsAddress)
                : file == null ? Optional.of(new InetSocketAddress(Settings.DEFAULT_METRICS_PORT)) : Optional.empty();
        Settings settings = new Settings(source,
                new DetectionSettings(portThreshold, windowMicros, maxTrackedPairs, maxTrackedSyns, ipv6PrefixLength),
                blockSettings(mode()), metrics, format, new FloodSettings(maxFragmentSets, maxConnectionLines), fleet());
        return new Arguments.Parsed(Arguments.Action.RUN, settings, debug, null, null, false, settings.fleet());
    }

    private BlockSettings.Mode mode() {
        return noBlock ? BlockSettings.Mode.OFF : dryRun ? BlockSettings.Mode.DRY_RUN : BlockSettings.Mode.ENFORCE;
    }

    private BlockSettings blockSettings(BlockSettings.Mode mode) {
        return new BlockSettings(mode, blockTimeoutSeconds, allowed, Optional.ofNullable(allowFile),
                maxBlocksPerMinute, maxBlocked, blockEstablished);
    }
}
