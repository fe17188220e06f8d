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

/**
 * A slow scan (one SYN every 8 s) through a flood of 2,000,000 spoofed one-SYN sources, a million
 * in each of two gaps between its SYNs: at default settings the pair table is full twice over, and
 * the scanner, with two ports in the window, must outlast the flood. The capture is written by
 * test-fixtures/flood-slow-scan.py (140 MB, so at test time).
 */
class SlowScanThroughFloodIT {
    private static final long FLOOD = 2_000_000;

    @Test
    void theScanIsReportedAtDefaultSettings(@TempDir Path dir) throws Exception {
        Path capture = dir.resolve("flood-slow-scan.pcap");
        Process generator = new ProcessBuilder("python3", "test-fixtures/flood-slow-scan.py", capture.toString())
                .inheritIO().start();
        assertTrue(generator.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, generator.exitValue());

        ProcessBuilder builder = new ProcessBuilder(Commands.launcher("-r", capture.toString()));
        builder.environment().put("TZ", "UTC");
        builder.redirectError(dir.resolve("stderr.txt").toFile());
        Process process = builder.start();
        long flood = 0;
        List<String> others = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.contains("New connection: 10.")) {
                    flood++;
                } else {
                    others.add(line);
                }
            }
        }
        assertTrue(process.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, process.exitValue(), () -> String.join("\n", readLines(dir.resolve("stderr.txt"))));
        assertEquals(FLOOD, flood, "one line per spoofed source");
        assertEquals(List.of(
                "2021-04-28 15:28:05: New connection: 203.0.113.7:40000 -> 192.0.2.1:22",
                "2021-04-28 15:28:13: New connection: 203.0.113.7:40001 -> 192.0.2.1:80",
                "2021-04-28 15:28:21: New connection: 203.0.113.7:40002 -> 192.0.2.1:443",
                "2021-04-28 15:28:29: New connection: 203.0.113.7:40003 -> 192.0.2.1:8080",
                "2021-04-28 15:28:29: Port scan detected: 203.0.113.7 -> 192.0.2.1 on ports 22,80,443,8080",
                "2021-04-28 15:28:37: New connection: 203.0.113.7:40004 -> 192.0.2.1:3306"), others);
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (java.io.IOException e) {
            return List.of(e.toString());
        }
    }
}
