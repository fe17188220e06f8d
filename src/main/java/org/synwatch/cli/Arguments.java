package org.synwatch.cli;

import java.util.List;
import java.util.Optional;
import org.synwatch.config.BlockSettings;
import org.synwatch.config.Cidr;
import org.synwatch.config.ConfigException;
import org.synwatch.config.FleetSettings;
import org.synwatch.config.Settings;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns the command line into {@link Settings}, or into a request for help or the version, through
 * the declarations in {@link Options}. picocli's errors are translated into synwatch's one-line form,
 * with its typo suggestions as the hint.
 */
final class Arguments {
    enum Action { RUN, HELP, VERSION, JAVA_HOME, LIST_BLOCKED, UNBLOCK, BLOCK, REMOVE_FIREWALL }

    /**
     * @param address the address for {@link Action#UNBLOCK} and {@link Action#BLOCK}, else null
     * @param block the blocking options, for {@link Action#BLOCK}
     * @param force {@link Action#BLOCK} without the safety checks
     * @param fleet with {@code --fleet}: the fleet to run in, or to unblock in
     */
    record Parsed(Action action, Settings settings, boolean debug, Cidr address, BlockSettings block, boolean force,
                  Optional<FleetSettings> fleet) {
        Parsed(Action action, boolean debug) {
            this(action, null, debug, null, null, false, Optional.empty());
        }
    }

    static final String HELP_HINT = "see 'synwatch --help'";

    private Arguments() {
    }

    /** A parser over fresh declarations: {@link Options} holds the values of one command line. */
    static CommandLine commandLine(Options options) {
        return new CommandLine(options)
                .setOverwrittenOptionsAllowed(false)
                .setUnmatchedOptionsArePositionalParams(false)
                .setUsageHelpLongOptionsMaxWidth(32);
    }

    static Parsed parse(String[] args) throws ConfigException {
        Options options = new Options();
        CommandLine commandLine = commandLine(options);
        try {
            commandLine.parseArgs(args);
        } catch (ParameterException e) {
            throw translate(e);
        }
        if (commandLine.isUsageHelpRequested()) {
            return new Parsed(Action.HELP, options.debug());
        }
        if (commandLine.isVersionHelpRequested()) {
            return new Parsed(Action.VERSION, options.debug());
        }
        if (options.javaHome()) {
            return new Parsed(Action.JAVA_HOME, options.debug());
        }
        return options.toParsed();
    }

    /** picocli's exception as one of synwatch's usage errors; a value's own check speaks for itself. */
    private static ConfigException translate(ParameterException e) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof ConfigException config) {
                return config;
            }
        }
        ArgSpec spec = e.getArgSpec();
        String name = spec instanceof OptionSpec option ? option.longestName() : null;
        if (e instanceof UnmatchedArgumentException unmatched) {
            List<String> unmatchedArgs = unmatched.getUnmatched();
            String arg = unmatchedArgs.isEmpty() ? "" : unmatchedArgs.getFirst();
            List<String> suggestions = unmatched.getSuggestions();
            String hint = suggestions.isEmpty() ? HELP_HINT
                    : "did you mean " + String.join(" or ", suggestions.subList(0, Math.min(3, suggestions.size()))) + "? "
                    + HELP_HINT;
            return arg.startsWith("-")
                    ? new ConfigException("unknown option '" + arg + "'", hint)
                    : new ConfigException("unexpected argument '" + arg + "'", "give a file with -r FILE; " + HELP_HINT);
        }
        if (e instanceof CommandLine.OverwrittenOptionException overwritten) {
            return new ConfigException(shortName(overwritten.getOverwritten()) + " given twice", "give it once");
        }
        if (e instanceof CommandLine.MissingParameterException missing && !missing.getMissing().isEmpty()) {
            return new ConfigException(shortName(missing.getMissing().getFirst()) + " needs a value", HELP_HINT);
        }
        if (name != null && spec.arity().max() == 0) {
            return new ConfigException(name + " takes no value", HELP_HINT);
        }
        return new ConfigException(e.getMessage(), HELP_HINT);
    }

    /** The option as the user most likely typed it: its short name when it has one. */
    private static String shortName(ArgSpec spec) {
        return spec instanceof OptionSpec option ? option.shortestName() : spec.paramLabel();
    }
}
