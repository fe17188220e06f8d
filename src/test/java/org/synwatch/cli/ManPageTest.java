package org.synwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The man page installed by {@code make install} (packaging/synwatch.1) documents exactly the
 * options of {@code synwatch --help}: its OPTIONS section is generated from the same declarations
 * ({@code make man}), and these tests fail while the committed page is stale.
 */
class ManPageTest {
    /** A short or long option: not part of a word or of a hyphenated word ("link-local"). */
    private static final Pattern OPTION = Pattern.compile("(?<![\\w-])(--[a-z][a-z-]*[a-z]|-[a-z])(?![\\w-])");

    private static String committed() throws IOException {
        // Surefire runs in the project directory.
        return Files.readString(Path.of("packaging", "synwatch.1"), StandardCharsets.UTF_8);
    }

    private static Set<String> options(String text) {
        Set<String> found = new TreeSet<>();
        Matcher matcher = OPTION.matcher(text);
        while (matcher.find()) {
            found.add(matcher.group(1));
        }
        return found;
    }

    /** The text of the OPTIONS section: from ".SH OPTIONS" to the next ".SH". */
    private static String optionsSection(String roff) {
        int start = roff.indexOf("\n.SH OPTIONS\n");
        assertTrue(start >= 0, "packaging/synwatch.1 has no .SH OPTIONS section");
        int end = roff.indexOf("\n.SH ", start + 1);
        return roff.substring(start + 1, end < 0 ? roff.length() : end + 1);
    }

    /** roff as plain text: escaped hyphens and font changes removed. */
    private static String plain(String roff) {
        return roff.replace("\\-", "-").replaceAll("\\\\f[BIRP]", "").replace("\\&", "");
    }

    @Test
    void committedOptionsSectionIsTheGeneratedOne() throws IOException {
        assertEquals(ManPage.options(), optionsSection(committed()),
                "packaging/synwatch.1 is stale: run 'make man' and commit it");
    }

    @Test
    void readmeUsageIsTheHelp() throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        assertEquals(readme, ManPage.withUsage(readme), "README.md's usage block is stale: run 'make man' and commit it");
        assertTrue(readme.contains(Usage.text()));
    }

    @Test
    void everyOptionOfTheHelpHasATaggedParagraph() {
        Set<String> help = options(Usage.text());
        // A sanity check of the pattern itself, so that an empty set cannot pass the test below.
        assertTrue(help.containsAll(Set.of("-i", "--interface", "-r", "--read", "--metrics-address",
                "--block-timeout", "--remove-firewall", "-h", "--help", "--version")), help.toString());
        Set<String> headed = new TreeSet<>();
        String[] lines = plain(ManPage.options()).split("\n");
        for (int i = 1; i < lines.length; i++) {
            if (lines[i - 1].equals(".TP")) {
                headed.addAll(options(lines[i]));
            }
        }
        assertEquals(help, headed, "every option of --help, and only those, heads a .TP paragraph");
    }

    @Test
    void rewritingKeepsTheRestOfThePage() throws IOException {
        String page = committed();
        String stale = page.replace(optionsSection(page), ".SH OPTIONS\n.TP\n\\fB\\-\\-gone\\fR\nOld.\n");
        assertEquals(page, ManPage.withOptions(stale));
    }

    @Test
    void roffControlCharactersAreEscaped() {
        assertEquals("\\-\\-scan\\-ports \\e", ManPage.escape("--scan-ports \\"));
        for (String line : ManPage.options().split("\n")) {
            assertTrue(!line.startsWith("'") && (!line.startsWith(".") || line.matches("\\.(SH|SS|TP)( .*)?")), line);
        }
    }

    /**
     * Every environment variable the launcher or the program reads is in --help's Environment list,
     * and that list is exactly the man page's ENVIRONMENT section.
     */
    @Test
    void everyEnvironmentVariableIsInTheHelpAndTheManPage() throws IOException {
        Set<String> read = new TreeSet<>(matches(Pattern.compile("\\$\\{?((?:SYNWATCH|JAVA)_[A-Z_]+)"),
                Files.readString(Path.of("bin", "synwatch"))));
        try (var sources = Files.walk(Path.of("src", "main", "java"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                read.addAll(matches(Pattern.compile("getenv\\(\"([A-Z_]+)\"\\)"), Files.readString(source)));
            }
        }
        assertTrue(read.containsAll(Set.of("SYNWATCH_JAVA_OPTS", "SYNWATCH_AOT_CACHE", "JOURNAL_STREAM")), read.toString());
        String help = Usage.text();
        Set<String> inHelp = new TreeSet<>(matches(Pattern.compile("(?m)^  ([A-Z][A-Z_]+)  "),
                help.substring(help.indexOf("Environment"))));
        assertTrue(inHelp.containsAll(read), "--help lacks " + read + " minus " + inHelp);
        String roff = committed();
        int start = roff.indexOf("\n.SH ENVIRONMENT\n");
        assertTrue(start >= 0, "no ENVIRONMENT section");
        String environment = roff.substring(start, roff.indexOf("\n.SH ", start + 1));
        assertEquals(inHelp, new TreeSet<>(matches(Pattern.compile("(?m)^\\.TP\n\\.B ([A-Z_]+)$"), environment)));
    }

    private static Set<String> matches(Pattern pattern, String text) {
        Set<String> found = new TreeSet<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            found.add(matcher.group(1));
        }
        return found;
    }
}
