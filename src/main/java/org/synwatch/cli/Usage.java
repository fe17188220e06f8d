package org.synwatch.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code --help}, and the options by section, both from the declarations in {@link Options}. */
final class Usage {
    private Usage() {
    }

    /** The option declarations, fresh: the model both the help and the man page are made from. */
    static CommandSpec spec() {
        return Arguments.commandLine(new Options()).getCommandSpec();
    }

    /** Each section's options, in declaration order. */
    static Map<Options.Section, List<OptionSpec>> sections(CommandSpec spec) {
        Map<Options.Section, List<OptionSpec>> sections = new LinkedHashMap<>();
        spec.options().stream()
                .sorted(Comparator.comparingInt(OptionSpec::order))
                .forEach(option -> sections.computeIfAbsent(Options.Section.of(option.order()), s -> new ArrayList<>())
                        .add(option));
        return sections;
    }

    /** The text of {@code synwatch --help}. */
    static String text() {
        CommandSpec spec = spec();
        Help help = new Help(spec, Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        StringBuilder text = new StringBuilder()
                .append(help.customSynopsis()).append('\n')
                .append(help.description()).append('\n');
        for (Map.Entry<Options.Section, List<OptionSpec>> section : sections(spec).entrySet()) {
            text.append(section.getKey().heading).append(":\n");
            Help.Layout layout = help.createDefaultLayout();
            for (OptionSpec option : section.getValue()) {
                layout.addOption(option, help.createDefaultParamLabelRenderer());
            }
            text.append(layout);
        }
        return text.append('\n').append(help.footer()).toString();
    }
}
