package org.synwatch.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.synwatch.cli.TestEntry;

/**
 * Fuzzes the whole offline path: libpcap's file reader, the filter, the parser, the ring, the
 * detector and the output. Whatever the bytes, synwatch ends with status 0 or 1 and at most one
 * stderr line, never an escaped exception, and never hangs.
 */
class OfflineReplayFuzzTest {
    private static final byte[] PCAP_HEADER = {(byte) 0xD4, (byte) 0xC3, (byte) 0xB2, (byte) 0xA1, 2, 0, 4, 0,
        0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 0, 0, 1, 0, 0, 0};

    @FuzzTest(maxDuration = "30s")
    void replayEndsCleanly(byte[] input) throws IOException {
        // Half the inputs get a valid global header, so the fuzzer reaches the record reader quickly.
        boolean withHeader = input.length > 0 && (input[0] & 1) == 1;
        Path file = Files.createTempFile("synwatch-fuzz", ".pcap");
        try {
            if (withHeader) {
                byte[] content = new byte[PCAP_HEADER.length + input.length - 1];
                System.arraycopy(PCAP_HEADER, 0, content, 0, PCAP_HEADER.length);
                System.arraycopy(input, 1, content, PCAP_HEADER.length, input.length - 1);
                Files.write(file, content);
            } else {
                Files.write(file, input);
            }
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            // A hang fails here, from another thread, instead of stalling the fuzzer.
            int status = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> TestEntry.run(
                    new String[] {"-r", file.toString()}, new ByteArrayOutputStream(),
                    new PrintStream(err, true, StandardCharsets.UTF_8)), "no hang");
            String stderr = err.toString(StandardCharsets.UTF_8);
            assertTrue(status == 0 || status == 1, "status " + status + ": " + stderr);
            assertTrue(stderr.lines().count() <= 1, stderr);
            assertFalse(stderr.contains("Exception"), stderr);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
