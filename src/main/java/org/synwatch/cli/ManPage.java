package org.synwatch.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The man page's OPTIONS section, made from the declarations in {@link Options} like
 * {@code --help}. {@code make man} runs {@link #main} to rewrite it in packaging/synwatch.1, and the
 * README's copy of {@code --help}; ManPageTest fails while either differs.
 */
public final class ManPage {
    static final String HEADER = ".SH OPTIONS";
    /** The README's usage block: the fenced block right after this line. */
    static final String README_USAGE = "## Usage\n";

    private ManPage() {
    }

    /** Rewrites the OPTIONS section of the man page at {@code args[0]} and the usage block of the README at {@code args[1]}. */
    public static void main(String[] args) throws IOException {
        Path page = Path.of(args[0]);
        Files.writeString(page, withOptions(Files.readString(page, StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        Path readme = Path.of(args[1]);
        Files.writeString(readme, withUsage(Files.readString(readme, StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    /** {@code markdown} with the fenced block after its "## Usage" heading replaced by {@code --help}'s text. */
    static String withUsage(String markdown) {
        int section = markdown.indexOf(README_USAGE);
        int start = markdown.indexOf("```\n", section) + 4;
        int end = markdown.indexOf("```", start);
        if (section < 0 || start < 4 || end < 0) {
            throw new IllegalArgumentException("no fenced block after " + README_USAGE.strip());
        }
        return markdown.substring(0, start) + Usage.text() + markdown.substring(end);
    }

    /** {@code roff} with its OPTIONS section (up to the next {@code .SH}) replaced by {@link #options}. */
    static String withOptions(String roff) {
        int start = roff.indexOf("\n" + HEADER + "\n");
        if (start < 0) {
            throw new IllegalArgumentException("no " + HEADER + " section");
        }
        int end = roff.indexOf("\n.SH ", start + 1);
        return roff.substring(0, start + 1) + options() + (end < 0 ? "" : roff.substring(end + 1));
    }

    /** The OPTIONS section: a subsection per {@link Options.Section}, a tagged paragraph per option. */
    static String options() {
        StringBuilder roff = new StringBuilder(HEADER).append('\n');
        for (Map.Entry<Options.Section, List<OptionSpec>> section : Usage.sections(Usage.spec()).entrySet()) {
            roff.append(".SS ").append(escape(section.getKey().heading)).append('\n');
            for (OptionSpec option : section.getValue()) {
                roff.append(".TP\n").append(tag(option)).append('\n');
                roff.append(escapeLine(escape(sentence(String.join(" ", option.description()))))).append('\n');
            }
        }
        return roff.toString();
    }

    /** {@code \fB-i\fR, \fB--interface\fR \fIIFACE\fR}: the names in bold, the value in italics. */
    private static String tag(OptionSpec option) {
        StringBuilder tag = new StringBuilder();
        for (String name : option.names()) {
            tag.append(tag.isEmpty() ? "" : ", ").append("\\fB").append(escape(name)).append("\\fR");
        }
        if (option.arity().max() > 0) {
            tag.append(" \\fI").append(escape(option.paramLabel())).append("\\fR");
        }
        return escapeLine(tag.toString());
    }

    private static String sentence(String text) {
        String capitalized = Character.toUpperCase(text.charAt(0)) + text.substring(1);
        return capitalized.endsWith(".") ? capitalized : capitalized + ".";
    }

    /** Text as roff: backslashes and hyphens escaped. */
    static String escape(String text) {
        return text.replace("\\", "\\e").replace("-", "\\-");
    }

    /** A control character at the start of a line would make it a request. */
    private static String escapeLine(String line) {
        return line.startsWith(".") || line.startsWith("'") ? "\\&" + line : line;
    }
}
