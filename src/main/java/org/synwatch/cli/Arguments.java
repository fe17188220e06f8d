package org.synwatch.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.synwatch.config.BlockSettings;
import org.synwatch.config.Cidr;
import org.synwatch.config.OutputFormat;
import org.synwatch.config.CaptureSource;
import org.synwatch.config.ConfigException;
import org.synwatch.config.DetectionSettings;
import org.synwatch.config.FloodSettings;
import org.synwatch.config.Settings;
import org.synwatch.config.Values;

/** Turns the command line into {@link Settings}, or into a request for help or the version. */
final class Arguments {
    enum Action { RUN, HELP, VERSION, LIST_BLOCKED, UNBLOCK, REMOVE_FIREWALL }

    /** @param unblockAddress the address for {@link Action#UNBLOCK}, else null */
    record Parsed(Action action, Settings settings, boolean debug, String unblockAddress) {
        Parsed(Action action, Settings settings, boolean debug) {
            this(action, settings, debug, null);
        }
    }

    static final String USAGE = """
            Usage: synwatch [-i IFACE | -r FILE] [options]

            Reports every new TCP connection attempt (a pure SYN) and detects port scans.
            Event lines go to stdout; diagnostics go to stderr.

            Capture:
              -i, --interface IFACE      capture live on IFACE ('any' for all interfaces); default:
                                         libpcap's first interface that is up and not loopback
              -r, --read FILE            replay a pcap or pcapng file, using packet timestamps,
                                         and exit at its end
                  --buffer-size BYTES    kernel capture buffer, live only (default 33554432, at least 1048576)
                  --immediate-mode       hand each packet over at once instead of in kernel blocks
                                         of at most 2 ms: lower latency, several times the CPU
            Detection:
                  --scan-ports N         a scan is MORE than N distinct ports of one host from
                                         one source (default 3, at most 64)
                  --scan-window DURATION ... within this window: 90s, 2m, 1h (default 60s)
                  --max-tracked-pairs N  source/destination pairs remembered; the least recently
                                         active is forgotten first (default 1000000)
            Blocking (live capture; nftables table 'inet synwatch'):
                  --block-timeout DURATION  how long a scanner stays blocked (default 1h); the
                                         kernel expires the block even if synwatch is gone
                  --allow CIDR           never block this network (repeatable); loopback,
                                         link-local and the host's own addresses always are
                  --no-block             report scans only
                  --dry-run              say what would be blocked, change nothing
                  --list-blocked         list blocked addresses and exit
                  --unblock ADDR         remove one block and exit
                  --remove-firewall      delete synwatch's nftables table (every block) and exit
            Output:
                  --format text|json     event lines as text (default) or one JSON object each
                  --metrics-address [HOST]:PORT  serve Prometheus metrics at /metrics (live
                                         default :9897, every address; replays: only if given)
            Other:
                  --debug                verbose diagnostics, stack traces on errors
              -h, --help                 show this help
                  --version              show synwatch's and libpcap's versions

            Exit status: 0 on success (end of file, SIGTERM or SIGINT), 1 on a runtime error,
            2 on a usage error.
            """;

    private static final String HELP_HINT = "see 'synwatch --help'";

    private Arguments() {
    }

    static Parsed parse(String[] args) throws ConfigException {
        String iface = null;
        String file = null;
        String bufferSize = null;
        String scanPorts = null;
        String scanWindow = null;
        String maxPairs = null;
        String blockTimeout = null;
        String metricsAddress = null;
        String format = null;
        String unblock = null;
        List<String> allow = new ArrayList<>();
        boolean debug = false;
        boolean noBlock = false;
        boolean dryRun = false;
        boolean immediateMode = false;
        Action management = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            int equals = arg.startsWith("--") ? arg.indexOf('=') : -1;
            String name = equals > 0 ? arg.substring(0, equals) : arg;
            String inline = equals > 0 ? arg.substring(equals + 1) : null;
            boolean takesValue = switch (name) {
                case "-h", "--help", "--version", "--debug", "--no-block", "--dry-run", "--list-blocked",
                     "--remove-firewall", "--immediate-mode" -> false;
                case "-i", "--interface", "-r", "--read", "--buffer-size", "--scan-ports", "--scan-window",
                     "--max-tracked-pairs", "--block-timeout", "--allow", "--metrics-address", "--format",
                     "--unblock" -> true;
                default -> throw arg.startsWith("-")
                        ? new ConfigException("unknown option '" + arg + "'", HELP_HINT)
                        : new ConfigException("unexpected argument '" + arg + "'", "give a file with -r FILE; " + HELP_HINT);
            };
            if (!takesValue && inline != null) {
                throw new ConfigException(name + " takes no value", HELP_HINT);
            }
            String value = null;
            if (takesValue) {
                if (inline == null && (i + 1 >= args.length || args[i + 1].isEmpty())) {
                    throw new ConfigException(name + " needs a value", HELP_HINT);
                }
                value = inline != null ? inline : args[++i];
            }
            switch (name) {
                case "-h", "--help" -> {
                    return new Parsed(Action.HELP, null, debug);
                }
                case "--version" -> {
                    return new Parsed(Action.VERSION, null, debug);
                }
                case "--debug" -> debug = true;
                case "--no-block" -> noBlock = true;
                case "--dry-run" -> dryRun = true;
                case "--immediate-mode" -> immediateMode = true;
                case "--list-blocked" -> management = oneAction(management, Action.LIST_BLOCKED);
                case "--remove-firewall" -> management = oneAction(management, Action.REMOVE_FIREWALL);
                case "--unblock" -> {
                    management = oneAction(management, Action.UNBLOCK);
                    unblock = value;
                }
                case "--allow" -> allow.add(value);
                case "-i", "--interface" -> iface = once(name, iface, value);
                case "-r", "--read" -> file = once(name, file, value);
                case "--buffer-size" -> bufferSize = once(name, bufferSize, value);
                case "--scan-ports" -> scanPorts = once(name, scanPorts, value);
                case "--scan-window" -> scanWindow = once(name, scanWindow, value);
                case "--block-timeout" -> blockTimeout = once(name, blockTimeout, value);
                case "--metrics-address" -> metricsAddress = once(name, metricsAddress, value);
                case "--format" -> format = once(name, format, value);
                default -> maxPairs = once(name, maxPairs, value);
            }
        }
        if (noBlock && dryRun) {
            throw new ConfigException("--no-block and --dry-run exclude each other",
                    "--no-block reports scans only; --dry-run also says what it would block");
        }
        if (management != null) {
            if (iface != null || file != null) {
                throw new ConfigException("--list-blocked, --unblock and --remove-firewall run alone",
                        "manage blocks in a separate command, without -i or -r");
            }
            if (management == Action.UNBLOCK) {
                Values.ipLiteral("--unblock", unblock, "give the address as --list-blocked prints it");
            }
            return new Parsed(management, null, debug, unblock);
        }
        if (iface != null && file != null) {
            throw new ConfigException("--interface and --read exclude each other",
                    "capture live with -i IFACE or replay a file with -r FILE, not both");
        }
        if (file != null && bufferSize != null) {
            throw new ConfigException("--buffer-size applies to live capture only", "drop it when using --read");
        }
        if (file != null && immediateMode) {
            throw new ConfigException("--immediate-mode applies to live capture only", "drop it when using --read");
        }
        CaptureSource source = file != null
                ? new CaptureSource.File(Path.of(file))
                : new CaptureSource.Live(Optional.ofNullable(iface), bufferSize == null
                        ? CaptureSource.Live.DEFAULT_BUFFER_SIZE
                        : Values.integer("--buffer-size", bufferSize,
                                CaptureSource.Live.MIN_BUFFER_SIZE, CaptureSource.Live.MAX_BUFFER_SIZE),
                        immediateMode);
        DetectionSettings detection = new DetectionSettings(
                scanPorts == null ? DetectionSettings.DEFAULT_PORT_THRESHOLD
                        : Values.integer("--scan-ports", scanPorts, 1, DetectionSettings.MAX_PORT_THRESHOLD),
                Values.durationMicros("--scan-window",
                        scanWindow == null ? DetectionSettings.DEFAULT_WINDOW : scanWindow,
                        DetectionSettings.MAX_WINDOW_MICROS),
                maxPairs == null ? DetectionSettings.DEFAULT_MAX_TRACKED_PAIRS
                        : Values.integer("--max-tracked-pairs", maxPairs, 1, DetectionSettings.MAX_TRACKED_PAIRS_LIMIT));
        List<Cidr> allowed = new ArrayList<>();
        for (String network : allow) {
            allowed.add(Cidr.parse("--allow", network));
        }
        BlockSettings block = new BlockSettings(
                noBlock ? BlockSettings.Mode.OFF : dryRun ? BlockSettings.Mode.DRY_RUN : BlockSettings.Mode.ENFORCE,
                Values.durationMicros("--block-timeout", blockTimeout == null ? BlockSettings.DEFAULT_TIMEOUT : blockTimeout,
                        BlockSettings.MAX_TIMEOUT_MICROS) / 1_000_000L,
                allowed);
        Optional<InetSocketAddress> metrics = metricsAddress != null
                ? Optional.of(Values.socketAddress("--metrics-address", metricsAddress))
                : file == null ? Optional.of(new InetSocketAddress(Settings.DEFAULT_METRICS_PORT)) : Optional.empty();
        OutputFormat outputFormat = switch (format == null ? "text" : format) {
            case "text" -> OutputFormat.TEXT;
            case "json" -> OutputFormat.JSON;
            default -> throw new ConfigException("--format: '" + format + "' is not a format", "use text or json");
        };
        return new Parsed(Action.RUN, new Settings(source, detection, block, metrics, outputFormat, debug,
                FloodSettings.defaults()), debug);
    }

    private static Action oneAction(Action previous, Action next) throws ConfigException {
        if (previous != null) {
            throw new ConfigException("--list-blocked, --unblock and --remove-firewall run alone", "give one of them");
        }
        return next;
    }

    private static String once(String name, String previous, String value) throws ConfigException {
        if (previous != null) {
            throw new ConfigException(name + " given twice", "give it once");
        }
        return value;
    }
}
