package org.synwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Replays every committed capture and compares the output with its expected file, line for line. */
class FixtureReplayTest {
    static List<Path> captures() throws IOException {
        return FixtureFiles.capturesWithExpectations();
    }

    @Test
    void thereAreFixtures() throws IOException {
        assertFalse(captures().size() < 10, "test-fixtures/ should hold the recorded and synthesized captures");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void outputMatchesExpectedFile(Path capture) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new Cli(out, new PrintStream(err, true, StandardCharsets.UTF_8), agent -> { })
                .execute(new String[] {"-r", capture.toString()});
        // NAME.error holds libpcap's words for a file it cannot read to the end.
        Path error = FixtureFiles.errorFor(capture);
        if (Files.exists(error)) {
            String line = err.toString(StandardCharsets.UTF_8);
            assertEquals(1, status, line);
            assertEquals(1, line.lines().count(), line);
            assertTrue(line.contains(Files.readString(error).strip()), line);
        } else {
            assertEquals("", err.toString(StandardCharsets.UTF_8), "no diagnostics for a good capture");
            assertEquals(0, status);
        }
        List<String> expected = Files.readAllLines(FixtureFiles.expectedFor(capture), StandardCharsets.US_ASCII);
        List<String> actual = out.toString(StandardCharsets.US_ASCII).lines().toList();
        assertEquals(String.join("\n", expected), String.join("\n", actual));
    }
}
