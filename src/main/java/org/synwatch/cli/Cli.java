package org.synwatch.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.synwatch.agent.Agent;
import org.synwatch.agent.LogConfigurator;
import org.synwatch.agent.AgentFailure;
import org.synwatch.agent.JournalPriorityConverter;
import org.synwatch.block.Allowlist;
import org.synwatch.block.BlockGate;
import org.synwatch.block.BlockStats;
import org.synwatch.block.FirewallException;
import org.synwatch.block.NftFirewall;
import org.synwatch.config.BlockSettings;
import org.synwatch.config.Cidr;
import org.synwatch.config.ConfigException;
import org.synwatch.config.FleetSettings;
import org.synwatch.config.OutputFormat;
import org.synwatch.fleet.Fleet;
import org.synwatch.fleet.FleetException;
import org.synwatch.report.AddressText;
import org.synwatch.report.EventOutput;
import org.synwatch.report.EventWriter;
import org.synwatch.report.Observer;
import org.synwatch.capture.Libpcap;
import org.synwatch.capture.PcapException;

/** Runs one command line and says how the process should exit; never exits itself. */
final class Cli {
    /** Set with --debug, so a dying thread's handler knows to print the stack trace. */
    static final String DEBUG_PROPERTY = "synwatch.debug";

    private final OutputStream events;
    private final PrintStream err;
    private final Consumer<Agent> onAgentCreated;
    private final Supplier<NftFirewall> firewalls;

    /**
     * @param events where event lines go (stdout in production)
     * @param onAgentCreated lets the caller hook stop requests (signals) to the agent before it runs
     */
    Cli(OutputStream events, PrintStream err, Consumer<Agent> onAgentCreated) {
        this(events, err, onAgentCreated, NftFirewall::open);
    }

    /** @param firewalls opens synwatch's nftables table; tests give one that runs nft elsewhere */
    Cli(OutputStream events, PrintStream err, Consumer<Agent> onAgentCreated, Supplier<NftFirewall> firewalls) {
        this.events = events;
        this.err = err;
        this.onAgentCreated = onAgentCreated;
        this.firewalls = firewalls;
    }

    int execute(String[] args) {
        boolean debug = false;
        try {
            Arguments.Parsed parsed = Arguments.parse(args);
            debug = parsed.debug();
            System.setProperty(LogConfigurator.LEVEL_PROPERTY, debug ? "DEBUG" : "INFO");
            System.setProperty(DEBUG_PROPERTY, Boolean.toString(debug));
            switch (parsed.action()) {
                case HELP -> {
                    new PrintStream(events, true).print(Usage.text());
                    return ExitCode.OK;
                }
                case VERSION -> {
                    Libpcap.load();
                    PrintStream out = new PrintStream(events, true);
                    out.println("synwatch " + version() + " (" + Libpcap.version() + ")");
                    out.println("blocking through " + NftFirewall.mechanism());
                    return ExitCode.OK;
                }
                case JAVA_HOME -> {
                    new PrintStream(events, true).println(System.getProperty("java.home"));
                    return ExitCode.OK;
                }
                case LIST_BLOCKED -> {
                    PrintStream out = new PrintStream(events, true);
                    try (NftFirewall firewall = firewalls.get()) {
                        firewall.forEachBlocked((set, element, expires) -> {
                            String left = new NftFirewall.Entry(element, expires).expiresIn();
                            out.println(element + (left.isEmpty() ? "" : " expires in " + left));
                        });
                    } catch (FirewallException e) {
                        // No table yet (synwatch never blocked anything here): an empty list, like an empty set.
                        if (e.problem() != FirewallException.Problem.TABLE_MISSING) {
                            throw e;
                        }
                    }
                    return ExitCode.OK;
                }
                case BLOCK -> {
                    return block(parsed.address(), parsed.block(), parsed.force());
                }
                case UNBLOCK -> {
                    String text = AddressText.text(parsed.address());
                    if (parsed.fleet().isPresent()) {
                        return unblockFleetWide(parsed.fleet().get(), parsed.address(), text, debug);
                    }
                    try (NftFirewall firewall = firewalls.get()) {
                        if (!firewall.unblock(parsed.address())) {
                            return fail(ExitCode.RUNTIME_ERROR, text + " is not blocked", "see 'synwatch --list-blocked'", null);
                        }
                    }
                    new PrintStream(events, true).println("Unblocked " + text);
                    return ExitCode.OK;
                }
                case REMOVE_FIREWALL -> {
                    boolean removed;
                    try (NftFirewall firewall = firewalls.get()) {
                        removed = firewall.remove();
                    }
                    new PrintStream(events, true).println((removed ? "Removed table " : "No table ") + NftFirewall.TABLE_SPEC);
                    return ExitCode.OK;
                }
                default -> {
                    Agent agent = new Agent(parsed.settings(), events, firewalls, version());
                    onAgentCreated.accept(agent);
                    agent.run();
                    return ExitCode.OK;
                }
            }
        } catch (ConfigException e) {
            return fail(ExitCode.USAGE_ERROR, e.getMessage(), e.hint(), debug ? e : null);
        } catch (PcapException e) {
            return fail(ExitCode.RUNTIME_ERROR, e.getMessage(), hintFor(e.problem()), debug ? e : null);
        } catch (FirewallException e) {
            return fail(ExitCode.RUNTIME_ERROR, e.getMessage(), hintFor(e.problem()), debug ? e : null);
        } catch (AgentFailure e) {
            return fail(ExitCode.RUNTIME_ERROR, e.getMessage(), e.hint(), debug ? e : null);
        }
    }

    /**
     * Removes the fleet's decision (every agent then drops its element) and this host's element if
     * it has one: a host without synwatch's table can still lift a block fleet-wide.
     */
    private int unblockFleetWide(FleetSettings fleet, Cidr address, String text, boolean debug)
            throws ConfigException, FirewallException {
        if (!address.isHost()) {
            throw new ConfigException("--unblock " + text + " --fleet: the fleet shares addresses, not prefixes",
                    "drop --fleet to unblock the prefix on this host");
        }
        boolean local;
        try (NftFirewall firewall = firewalls.get()) {
            local = firewall.unblock(address);
        } catch (FirewallException e) {
            if (e.problem() != FirewallException.Problem.TABLE_MISSING) {
                throw e;
            }
            local = false;
        }
        boolean fleetWide;
        try {
            fleetWide = Fleet.unblockFleetWide(fleet, address.network());
        } catch (FleetException e) {
            return fail(ExitCode.RUNTIME_ERROR, "cannot reach the fleet at " + fleet.uri() + ": " + e.getMessage()
                            + (local ? " (unblocked on this host only)" : ""),
                    "check --fleet and the password (" + FleetSettings.PASSWORD_ENV + " or --fleet-password-file)",
                    debug ? e : null);
        }
        if (!local && !fleetWide) {
            return fail(ExitCode.RUNTIME_ERROR, text + " is not blocked here nor in the fleet",
                    "see 'synwatch --list-blocked' on the agents", null);
        }
        // The announcement goes out either way: agents may still hold an element whose key expired early.
        new PrintStream(events, true).println("Unblocked " + text + " fleet-wide");
        return ExitCode.OK;
    }

    private int fail(int status, String message, String hint, Throwable trace) {
        err.println(JournalPriorityConverter.errorPrefix() + "synwatch: " + message + " (hint: " + hint + ")");
        if (trace != null) {
            trace.printStackTrace(err);
        }
        err.flush();
        return status;
    }

    /**
     * {@code --block ADDR}: through the same checks as a detected scanner (the host's gateways, name
     * servers, own addresses, the allow lists, an established connection), unless {@code force}.
     */
    private int block(Cidr address, BlockSettings settings, boolean force) throws ConfigException, FirewallException {
        long nowMicros = System.currentTimeMillis() * 1000;
        if (!force) {
            Allowlist allowlist = Allowlist.of(settings, true);
            BlockStats.Result decision = BlockGate.create(settings, allowlist, true).consider(address, nowMicros);
            if (decision.reason() != null) {
                return fail(ExitCode.RUNTIME_ERROR, "not blocking " + AddressText.text(address) + ": " + decision.reason(),
                        "add --force to block it anyway", null);
            }
        }
        try (NftFirewall firewall = firewalls.get()) {
            firewall.install(settings.maxBlocked());
            firewall.block(List.of(address), settings.timeoutSeconds());
        }
        EventWriter line = new EventWriter(new EventOutput(events), ZoneId.systemDefault(), OutputFormat.TEXT,
                Observer.local(Optional.empty()));
        line.blocked(nowMicros, address, settings.timeoutSeconds(), false);
        line.flush();
        return ExitCode.OK;
    }

    private static String hintFor(FirewallException.Problem problem) {
        return switch (problem) {
            case NFT_MISSING -> "install nftables (apt-get install nftables), or run with --no-block";
            case NOT_PERMITTED -> "run as root or grant CAP_NET_ADMIN, or run with --no-block";
            case TABLE_MISSING -> "synwatch has no table yet: nothing is blocked";
            case SET_FULL -> "the set holds --max-blocked addresses: raise it, or wait for blocks to expire";
            case OTHER -> "rerun with --debug for details, or run with --no-block";
        };
    }

    private static String hintFor(PcapException.Problem problem) {
        return switch (problem) {
            case LIBRARY_MISSING -> "install libpcap: apt-get install libpcap0.8 (Debian, Ubuntu) or dnf install libpcap";
            case NO_SUCH_DEVICE -> "list interfaces with 'ip link', or capture on all with -i any";
            case PERMISSION_DENIED -> "run as root, or grant CAP_NET_RAW and CAP_NET_ADMIN";
            case INTERFACE_DOWN -> "bring the interface up with 'ip link set IFACE up'";
            case INTERFACE_GONE -> "the interface was removed; a supervisor (systemd Restart=on-failure) restarts synwatch";
            case FILE_MISSING -> "check the path (-r - reads a capture from standard input)";
            case FILE_UNREADABLE -> "check the file's permissions, or run as a user who may read it";
            case BAD_FILE -> "the file is not a capture libpcap can read, or it is damaged";
            case UNSUPPORTED_LINK_TYPE -> "synwatch reads Ethernet, Linux cooked (any), raw IP, BSD loopback and null"
                    + " captures; capture on an Ethernet interface or -i any instead (NFLOG and the like need another tool)";
            case OTHER -> "rerun with --debug for details";
        };
    }

    private static String version() {
        String version = Cli.class.getPackage().getImplementationVersion();
        return version != null ? version : "dev";
    }
}
