package org.synwatch.flood;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synwatch.testing.Commands;
import org.synwatch.testing.SpoofedSynCapture;

/**
 * A replay of one million spoofed sources fills the pair table to its default cap; the process must
 * get through it, every SYN reported, inside the heap the README states for the cap.
 */
class SpoofedSourcesIT {
    /** The README's figure: the launcher's default heap, which holds 1,000,000 pairs, growth included. */
    private static final String STATED_HEAP = "-Xmx256m";
    private static final int SOURCES = 1_000_000;

    @Test
    void millionSpoofedSourcesFitTheStatedHeap(@TempDir Path dir) throws Exception {
        Path capture = SpoofedSynCapture.write(dir.resolve("flood.pcap"), SOURCES, 1_619_623_685L);
        ProcessBuilder builder = new ProcessBuilder(Commands.launcher("--debug", "-r", capture.toString()));
        builder.environment().put("SYNWATCH_JAVA_OPTS", STATED_HEAP);
        builder.environment().put("TZ", "UTC");
        builder.redirectError(dir.resolve("stderr.txt").toFile());
        Process process = builder.start();
        long lines = 0;
        String last = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
            for (String line; (line = out.readLine()) != null; lines++) {
                last = line;
            }
        }
        assertTrue(process.waitFor(5, TimeUnit.MINUTES));
        List<String> stderr = new ArrayList<>(Files.readAllLines(dir.resolve("stderr.txt")));
        assertEquals(0, process.exitValue(), () -> String.join("\n", stderr));
        assertEquals(SOURCES, lines, "one New connection line per spoofed source");
        assertEquals("2021-04-28 15:28:14: New connection: 10.15.66.64:41023 -> 192.0.2.1:80", last);
        assertTrue(stderr.stream().anyMatch(l -> l.contains("captured " + SOURCES + " packets: " + SOURCES + " SYNs")),
                () -> String.join("\n", stderr));
    }
}
