package org.synwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inputs that are not plain files: a FIFO fed by a writer, and one whose writer sends garbage. */
class UnusualInputTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int replay(Path file) {
        return new Cli(out, new PrintStream(err, true, StandardCharsets.UTF_8), agent -> { })
                .execute(new String[] {"-r", file.toString()});
    }

    private static Path fifoFedWith(Path dir, byte[] content) throws Exception {
        Path fifo = dir.resolve("capture.fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Thread.ofVirtual().start(() -> {
            try (OutputStream writer = Files.newOutputStream(fifo)) {
                writer.write(content);
            } catch (IOException ignored) {
                // The reader gave up; the assertions tell.
            }
        });
        return fifo;
    }

    @Test
    void aFifoIsReadLikeAFile(@TempDir Path dir) throws Exception {
        Path good = FixtureFiles.DIRECTORY.resolve("curl-sessions.pcap");
        assertEquals(0, replay(fifoFedWith(dir, Files.readAllBytes(good))));
        assertEquals(Files.readAllLines(FixtureFiles.expectedFor(good)),
                out.toString(StandardCharsets.US_ASCII).lines().toList());
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aFifoThatBreaksOffGivesTheEventsBeforeThenOneLine(@TempDir Path dir) throws Exception {
        Path damaged = FixtureFiles.DIRECTORY.resolve("bad/record-longer-than-file.pcap");
        assertEquals(1, replay(fifoFedWith(dir, Files.readAllBytes(damaged))));
        assertEquals(Files.readAllLines(FixtureFiles.expectedFor(damaged)),
                out.toString(StandardCharsets.US_ASCII).lines().toList());
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, lines.size(), lines::toString);
        assertTrue(lines.get(0).contains("truncated dump file"), lines.get(0));
    }
}
