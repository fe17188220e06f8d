package org.synwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.synwatch.testing.Commands;
import org.synwatch.testing.SpoofedSynCapture;

/** bin/synwatch as a shell runs it: pipes that close early, the journal's stderr, management commands. */
class LauncherIT {
    private static final Path FIXTURE = Commands.projectHome().resolve("test-fixtures/nmap-syn-ipv4.pcap");

    /** Runs a bash script with the launcher's path in $SYNWATCH; its status, bounded in time. */
    private static int bash(String script, Path dir) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", script).directory(dir.toFile())
                .redirectOutput(Redirect.DISCARD).redirectError(dir.resolve("bash.err").toFile());
        builder.environment().put("SYNWATCH", Commands.launcher().get(0));
        builder.environment().put("TZ", "UTC");
        Process process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + script);
        }
        return process.exitValue();
    }

    /**
     * {@code synwatch -r FILE | head -n N}: synwatch exits 0 without a word once head has gone, as
     * grep and tcpdump do, and head got exactly the first N lines of the full output. 50,000 events
     * (3 MB) are far more than a pipe holds, so the writes after head's exit do fail.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 1000})
    void closedPipeEndsQuietlyWithNothingLostBefore(int lines, @TempDir Path dir) throws Exception {
        SpoofedSynCapture.write(dir.resolve("flood.pcap"), 50_000, 1_700_000_000L);
        assertEquals(0, bash("\"$SYNWATCH\" -r flood.pcap >all.txt 2>all.err", dir), () -> read(dir, "all.err"));
        List<String> all = Files.readAllLines(dir.resolve("all.txt"));
        assertEquals(50_000, all.size());

        int status = bash("\"$SYNWATCH\" -r flood.pcap 2>synwatch.err | head -n " + lines + " >head.txt; exit ${PIPESTATUS[0]}", dir);
        assertEquals(0, status, () -> read(dir, "synwatch.err"));
        assertEquals("", read(dir, "synwatch.err"), "nothing on stderr");
        assertEquals(all.subList(0, lines), Files.readAllLines(dir.resolve("head.txt")));
    }

    /** Under systemd (JOURNAL_STREAM names stderr), each diagnostic line starts with its syslog priority. */
    @Test
    void journalPrioritiesWhenStderrIsTheJournal(@TempDir Path dir) throws Exception {
        Path journal = Files.createFile(dir.resolve("journal"));
        String stream = Files.getAttribute(journal, "unix:dev") + ":" + Files.getAttribute(journal, "unix:ino");

        assertEquals(0, run(journal, stream, "--debug", "-r", FIXTURE.toString()));
        // stdout stays event lines only (logback's own status messages, printed on a configuration
        // warning, would land there).
        assertEquals(Files.readAllLines(FixtureFiles.expectedFor(FIXTURE)), Files.readAllLines(dir.resolve("journal.out")));
        List<String> debug = Files.readAllLines(journal);
        assertFalse(debug.isEmpty(), "--debug logs something during a replay");
        for (String line : debug) {
            assertTrue(line.matches("<[67]>\\d{4}-\\d\\d-\\d\\d .*"), line);
        }

        Files.writeString(journal, "");
        assertEquals(1, run(journal, stream, "-r", dir.resolve("missing.pcap").toString()));
        List<String> error = Files.readAllLines(journal);
        assertEquals(1, error.size(), error::toString);
        assertTrue(error.get(0).startsWith("<3>synwatch: "), error.get(0));

        // JOURNAL_STREAM inherited, but stderr is somewhere else: plain lines.
        Path other = Files.createFile(dir.resolve("other"));
        assertEquals(1, run(other, stream, "-r", dir.resolve("missing.pcap").toString()));
        assertTrue(read(dir, "other").startsWith("synwatch: "), read(dir, "other"));
    }

    /** Runs the launcher with stderr appended to {@code stderr}, stdout to the same name + ".out". */
    private static int run(Path stderr, String journalStream, String... args) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Commands.launcher(args))
                .redirectOutput(Path.of(stderr + ".out").toFile()).redirectError(Redirect.appendTo(stderr.toFile()));
        builder.environment().put("JOURNAL_STREAM", journalStream);
        builder.environment().put("TZ", "UTC");
        Process process = builder.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "timed out");
        return process.exitValue();
    }

    /** --list-blocked before synwatch ever blocked anything (no table): prints nothing, exits 0. */
    @Test
    void listBlockedWithoutATableIsEmpty() throws Exception {
        assumeTrue(Commands.isRoot(), "nftables in a namespace needs root; skipped");
        assumeTrue(Commands.available("nft"), "nft is missing; skipped (make deps installs nftables)");
        String namespace = "sw-list-" + ProcessHandle.current().pid();
        Commands.tryRun("ip", "netns", "del", namespace);
        Commands.run("ip", "netns", "add", namespace);
        try {
            List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
            command.addAll(Commands.launcher("--list-blocked"));
            Commands.Result result = Commands.tryRun(command.toArray(String[]::new));
            assertEquals(0, result.status(), result.output());
            assertEquals("", result.output());
        } finally {
            Commands.tryRun("ip", "netns", "del", namespace);
        }
    }

    private static String read(Path dir, String name) {
        try {
            return Files.readString(dir.resolve(name), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
