package org.synwatch.config;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --allow-file}: one network per line as {@code --allow} takes it; blank lines and
 * {@code #} comments (whole-line or trailing) are ignored. Bounded, as an operator's mistake (the
 * wrong path, a log file) must not exhaust memory.
 */
public final class AllowFile {
    public static final String FLAG = "--allow-file";
    /** Far more than any hand-kept list; a file past it is surely the wrong file. */
    public static final int MAX_ENTRIES = 100_000;
    private static final int MAX_LINE_CHARS = 1024;

    private AllowFile() {
    }

    /** @throws ConfigException naming the file and the line when it cannot be read or a line is wrong */
    public static List<Cidr> read(Path file) throws ConfigException {
        List<Cidr> networks = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int number = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                number++;
                String where = FLAG + " " + file + ": line " + number;
                if (line.length() > MAX_LINE_CHARS) {
                    throw new ConfigException(where + " is longer than " + MAX_LINE_CHARS + " characters",
                            "write one network per line");
                }
                int hash = line.indexOf('#');
                String entry = (hash >= 0 ? line.substring(0, hash) : line).strip();
                if (entry.isEmpty()) {
                    continue;
                }
                if (networks.size() == MAX_ENTRIES) {
                    throw new ConfigException(where + ": more than " + MAX_ENTRIES + " networks",
                            "merge networks into wider prefixes");
                }
                networks.add(Cidr.parse(where, entry));
            }
        } catch (IOException e) {
            throw new ConfigException(FLAG + ": cannot read " + file + ": " + e.getMessage(),
                    "give a readable file with one network per line");
        }
        return networks;
    }
}
