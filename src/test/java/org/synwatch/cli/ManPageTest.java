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
 * options of {@code synwatch --help}, so the two cannot drift apart.
 */
class ManPageTest {
    /** A short or long option: not part of a word or of a hyphenated word ("link-local"). */
    private static final Pattern OPTION = Pattern.compile("(?<![\\w-])(--[a-z][a-z-]*[a-z]|-[a-z])(?![\\w-])");

    private static Path manPage() {
        // Surefire runs in the project directory.
        return Path.of("packaging", "synwatch.1");
    }

    private static Set<String> options(String text) {
        Set<String> found = new TreeSet<>();
        Matcher matcher = OPTION.matcher(text);
        while (matcher.find()) {
            found.add(matcher.group(1));
        }
        return found;
    }

    /** The man page as plain text: roff's escaped hyphens, font changes and zero-width marks removed. */
    private static String plain(String roff) {
        return roff.replace("\\-", "-").replaceAll("\\\\f[BIRP]", "").replace("\\&", "");
    }

    /** The text of the OPTIONS section: from ".SH OPTIONS" to the next ".SH". */
    private static String optionsSection(String roff) {
        int start = roff.indexOf("\n.SH OPTIONS");
        assertTrue(start >= 0, "packaging/synwatch.1 has no .SH OPTIONS section");
        int end = roff.indexOf("\n.SH ", start + 1);
        return roff.substring(start, end < 0 ? roff.length() : end);
    }

    @Test
    void usageListsTheOptionsThisTestExpects() {
        Set<String> usage = options(Arguments.USAGE);
        // A sanity check of the pattern itself, so that an empty set cannot pass the tests below.
        assertTrue(usage.containsAll(Set.of("-i", "--interface", "-r", "--read", "--metrics-address",
                "--block-timeout", "--remove-firewall", "-h", "--help", "--version")), usage.toString());
    }

    @Test
    void everyOptionOfTheUsageIsInTheManPage() throws IOException {
        String roff = Files.readString(manPage(), StandardCharsets.UTF_8);
        Set<String> documented = options(plain(optionsSection(roff)));
        Set<String> missing = new TreeSet<>(options(Arguments.USAGE));
        missing.removeAll(documented);
        assertEquals(Set.of(), missing, "options in Arguments.USAGE but not in the OPTIONS of packaging/synwatch.1");
    }

    @Test
    void everyOptionOfTheManPageIsInTheUsage() throws IOException {
        String roff = Files.readString(manPage(), StandardCharsets.UTF_8);
        Set<String> extra = options(plain(optionsSection(roff)));
        extra.removeAll(options(Arguments.USAGE));
        assertEquals(Set.of(), extra, "options in the OPTIONS of packaging/synwatch.1 that Arguments.USAGE does not have");
    }

    @Test
    void everyOptionHasItsOwnEntry() throws IOException {
        // Each option starts a tagged paragraph (.TP) of its own, so `man synwatch` shows it as a heading.
        String roff = plain(optionsSection(Files.readString(manPage(), StandardCharsets.UTF_8)));
        Set<String> headed = new TreeSet<>();
        String[] lines = roff.split("\n");
        for (int i = 1; i < lines.length; i++) {
            if (lines[i - 1].equals(".TP")) {
                headed.addAll(options(lines[i]));
            }
        }
        Set<String> missing = new TreeSet<>(options(Arguments.USAGE));
        missing.removeAll(headed);
        assertEquals(Set.of(), missing, "options without a .TP entry of their own in packaging/synwatch.1");
    }
}
