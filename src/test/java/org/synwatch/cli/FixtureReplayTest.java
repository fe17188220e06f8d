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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.synwatch.testing.Json;

/** Replays every committed capture and compares the output with its expected file, line for line. */
class FixtureReplayTest {
    static List<Path> captures() throws IOException {
        return FixtureFiles.capturesWithExpectations();
    }

    @Test
    void thereAreFixtures() throws IOException {
        assertFalse(captures().size() < 10, "test-fixtures/ should hold the recorded and synthesized captures");
    }

    /** Dry-run decisions are made on the detector thread, so they come in order, right after their scan. */
    @Test
    void dryRunAddsAWouldBlockLineAfterEachScan() throws IOException {
        Path capture = FixtureFiles.DIRECTORY.resolve("nmap-syn-ipv4.pcap");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = new Cli(out, System.err, agent -> { }).execute(new String[] {"-r", capture.toString(), "--dry-run"});
        assertEquals(0, status);
        List<String> expected = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(FixtureFiles.expectedFor(capture))) {
            expected.add(line);
            if (line.contains("Port scan detected: ")) {
                String source = line.substring(line.indexOf("detected: ") + 10, line.indexOf(" -> "));
                expected.add(line.substring(0, 21) + "Would block " + source + " for 1h (dry run)");
            }
        }
        assertEquals(String.join("\n", expected), out.toString(StandardCharsets.US_ASCII).strip());
    }

    /**
     * The capture's 200 addresses of one /64 never reach 4 ports each: one source with --ipv6-prefix 64,
     * blocked as the prefix.
     */
    @Test
    void ipv6RotationWithinAPrefixIsOneScannerWithIpv6Prefix64() throws IOException {
        Path capture = FixtureFiles.DIRECTORY.resolve("ipv6-rotation.pcap");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = new Cli(out, System.err, agent -> { })
                .execute(new String[] {"-r", capture.toString(), "--ipv6-prefix", "64", "--dry-run"});
        assertEquals(0, status);
        List<String> lines = out.toString(StandardCharsets.US_ASCII).lines().toList();
        assertEquals(600 + 2, lines.size());
        assertEquals(List.of(
                "2021-04-28 15:28:05: Port scan detected: 2001:db8:1:2::/64 -> 2001:db8::5 on ports 1,2,3,4",
                "2021-04-28 15:28:05: Would block 2001:db8:1:2::/64 for 1h (dry run)"),
                lines.stream().filter(l -> !l.contains("New connection")).toList());
        assertTrue(Files.readAllLines(FixtureFiles.expectedFor(capture)).stream().noneMatch(l -> l.contains("Port scan")),
                "by address, the default, there is no scan");
    }

    /** A forged /64 must not block an address the operator allowed: the prefix holds it, so no block, and why. */
    @Test
    void aPrefixHoldingAnAllowedAddressIsNotBlocked() throws IOException {
        Path capture = FixtureFiles.DIRECTORY.resolve("ipv6-rotation.pcap");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = new Cli(out, System.err, agent -> { }).execute(new String[] {"-r", capture.toString(),
                "--ipv6-prefix", "64", "--dry-run", "--allow", "2001:db8:1:2:ffff::1"});
        assertEquals(0, status);
        assertEquals(List.of(
                "2021-04-28 15:28:05: Port scan detected: 2001:db8:1:2::/64 -> 2001:db8::5 on ports 1,2,3,4",
                "2021-04-28 15:28:05: Not blocking 2001:db8:1:2::/64: allowlisted"),
                out.toString(StandardCharsets.US_ASCII).lines().filter(l -> !l.contains("New connection")).toList());
    }

    /** The JSON objects say what the text lines say: each, rendered as text, is the .expected line. */
    @Test
    void jsonFormatHasOneObjectPerEvent() throws IOException {
        Path capture = FixtureFiles.DIRECTORY.resolve("nmap-syn-ipv6.pcap");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, new Cli(out, System.err, agent -> { }).execute(new String[] {"-r", capture.toString(), "--format", "json"}));
        List<String> rendered = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).lines().toList()) {
            Map<String, Object> event = Json.object(line);
            String time = ((String) event.get("@timestamp")).substring(0, 19).replace('T', ' ');
            assertEquals("ipv6", event.get("network.type"), line);
            rendered.add(time + switch ((String) event.get("event.action")) {
                case "new_connection" -> ": New connection: [" + event.get("source.ip") + "]:" + event.get("source.port")
                        + " -> [" + event.get("destination.ip") + "]:" + event.get("destination.port");
                case "port_scan" -> ": Port scan detected: " + event.get("source.ip") + " -> " + event.get("destination.ip")
                        + " on ports " + ((List<?>) event.get("synwatch.ports")).stream().map(String::valueOf).collect(Collectors.joining(","));
                default -> throw new AssertionError("unexpected event in a replay without blocking: " + line);
            });
        }
        assertEquals(Files.readAllLines(FixtureFiles.expectedFor(capture)), rendered);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void outputMatchesExpectedFile(Path capture) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> args = new java.util.ArrayList<>(List.of("-r", capture.toString()));
        args.addAll(FixtureFiles.argsFor(capture));
        int status = new Cli(out, new PrintStream(err, true, StandardCharsets.UTF_8), agent -> { })
                .execute(args.toArray(String[]::new));
        // NAME.error holds libpcap's words for a file it cannot read to the end.
        Path error = FixtureFiles.errorFor(capture);
        if (Files.exists(error)) {
            String line = err.toString(StandardCharsets.UTF_8);
            assertEquals(1, status, line);
            assertEquals(1, line.lines().count(), line);
            assertTrue(line.contains(Files.readString(error).strip()), line);
            assertTrue(line.startsWith("synwatch: ") && line.contains("(hint: "), line);
            assertFalse(line.contains("Exception"), "no stack trace without --debug");
        } else {
            assertEquals("", err.toString(StandardCharsets.UTF_8), "no diagnostics for a good capture");
            assertEquals(0, status);
        }
        List<String> expected = Files.readAllLines(FixtureFiles.expectedFor(capture), StandardCharsets.US_ASCII);
        List<String> actual = out.toString(StandardCharsets.US_ASCII).lines().toList();
        assertEquals(String.join("\n", expected), String.join("\n", actual));
    }
}
