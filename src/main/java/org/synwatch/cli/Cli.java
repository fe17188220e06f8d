package org.synwatch.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.function.Consumer;
import org.synwatch.agent.Agent;
import org.synwatch.agent.AgentFailure;
import org.synwatch.capture.Libpcap;
import org.synwatch.capture.PcapException;

/** Runs one command line and says how the process should exit; never exits itself. */
final class Cli {
    /** Read by logback.xml, so it must be set before the first logger is created. */
    static final String LOG_LEVEL_PROPERTY = "synwatch.log.level";

    private final OutputStream events;
    private final PrintStream err;
    private final Consumer<Agent> onAgentCreated;

    /**
     * @param events where event lines go (stdout in production)
     * @param onAgentCreated lets the caller hook stop requests (signals) to the agent before it runs
     */
    Cli(OutputStream events, PrintStream err, Consumer<Agent> onAgentCreated) {
        this.events = events;
        this.err = err;
        this.onAgentCreated = onAgentCreated;
    }

    int execute(String[] args) {
        boolean debug = false;
        try {
            Arguments.Parsed parsed = Arguments.parse(args);
            debug = parsed.debug();
            System.setProperty(LOG_LEVEL_PROPERTY, debug ? "DEBUG" : "INFO");
            switch (parsed.action()) {
                case HELP -> {
                    new PrintStream(events, true).print(Arguments.USAGE);
                    return ExitCode.OK;
                }
                case VERSION -> {
                    Libpcap.load();
                    new PrintStream(events, true).println("synwatch " + version() + " (" + Libpcap.version() + ")");
                    return ExitCode.OK;
                }
                default -> {
                    Agent agent = new Agent(parsed.settings(), events);
                    onAgentCreated.accept(agent);
                    agent.run();
                    return ExitCode.OK;
                }
            }
        } catch (UsageException e) {
            return fail(ExitCode.USAGE_ERROR, e.getMessage(), e.hint(), debug ? e : null);
        } catch (PcapException e) {
            return fail(ExitCode.RUNTIME_ERROR, e.getMessage(), hintFor(e.problem()), debug ? e : null);
        } catch (AgentFailure e) {
            return fail(ExitCode.RUNTIME_ERROR, e.getMessage(), e.hint(), debug ? e : null);
        }
    }

    private int fail(int status, String message, String hint, Throwable trace) {
        err.println("synwatch: " + message + " (hint: " + hint + ")");
        if (trace != null) {
            trace.printStackTrace(err);
        }
        err.flush();
        return status;
    }

    private static String hintFor(PcapException.Problem problem) {
        return switch (problem) {
            case LIBRARY_MISSING -> "install libpcap: apt-get install libpcap0.8 (Debian, Ubuntu) or dnf install libpcap";
            case NO_SUCH_DEVICE -> "list interfaces with 'ip link', or capture on all with -i any";
            case PERMISSION_DENIED -> "run as root, or grant CAP_NET_RAW and CAP_NET_ADMIN";
            case INTERFACE_DOWN -> "bring the interface up with 'ip link set IFACE up'";
            case BAD_FILE -> "the file is not a capture libpcap can read, or it is damaged";
            case OTHER -> "rerun with --debug for details";
        };
    }

    private static String version() {
        String version = Cli.class.getPackage().getImplementationVersion();
        return version != null ? version : "dev";
    }
}
