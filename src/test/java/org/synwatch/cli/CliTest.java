package org.synwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.synwatch.block.NftFirewall;
import org.synwatch.config.CaptureSource;
import org.synwatch.config.FleetSettings;
import org.synwatch.testing.Commands;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return new Cli(out, new PrintStream(err, true, StandardCharsets.UTF_8), agent -> { }).execute(args);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private void assertOneLineError(String expectedFragment) {
        String text = stderr();
        assertEquals(1, text.lines().count(), () -> "one line expected, got:\n" + text);
        assertTrue(text.startsWith("synwatch: "), text);
        assertTrue(text.contains(expectedFragment), text);
        assertTrue(text.contains("(hint: "), text);
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing on stdout");
    }

    @Test
    void helpPrintsUsageOnStdout() {
        assertEquals(0, run("--help"));
        String usage = out.toString(StandardCharsets.UTF_8);
        for (String flag : new String[] {"-i, --interface", "-r, --read", "--buffer-size", "--immediate-mode", "--scan-ports",
                "--scan-window", "--max-tracked-pairs", "--debug", "-h, --help"}) {
            assertTrue(usage.contains(flag), flag);
        }
        assertEquals("", stderr());
        out.reset();
        assertEquals(0, run("-h"));
        assertEquals(usage, out.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--bogus                              | unknown option '--bogus'",
        "-x                                   | unknown option '-x'",
        "stray                                | unexpected argument 'stray'",
        "-r                                   | -r needs a value",
        "-i lo -r x.pcap                      | --interface and --read exclude each other",
        "-r x.pcap --buffer-size 1048576      | --buffer-size applies to live capture only",
        "-r x.pcap --immediate-mode           | --immediate-mode applies to live capture only",
        "--immediate-mode=yes                 | --immediate-mode takes no value",
        "-r x.pcap -r y.pcap                  | -r given twice",
        "--scan-window 10                     | --scan-window: '10' is not a duration",
        "--scan-window 0s                     | --scan-window: '0s' is out of range",
        "--scan-window=25h                    | --scan-window: '25h' is out of range",
        "--scan-ports 0                       | --scan-ports: 0 is out of range",
        "--scan-ports many                    | --scan-ports: 'many' is not a whole number",
        "--max-tracked-pairs 0                | --max-tracked-pairs: 0 is out of range",
        "--buffer-size 12                     | --buffer-size: 12 is out of range",
        "--buffer-size 1048575                | --buffer-size: 1048575 is out of range",
        "--debug=yes                          | --debug takes no value",
        "--no-block --dry-run                 | --no-block and --dry-run exclude each other",
        "--block-timeout forever              | --block-timeout: 'forever' is not a duration",
        "--block-timeout 30d                  | --block-timeout: '30d' is out of range",
        "--block-timeout 1h1h                 | --block-timeout: '1h1h' is not a duration",
        "--allow 10.0.0.0/40                  | --allow prefix: 40 is out of range",
        "--allow not-an-address               | --allow: 'not-an-address' is not an address or CIDR",
        "--allow 10.0.0.0/-0                  | --allow: '10.0.0.0/-0' has a malformed prefix length",
        "--allow 10.0.0.1/8                   | --allow: '10.0.0.1/8' has host bits set",
        "--allow ::ffff:10.0.0.0/24           | --allow: '::ffff:10.0.0.0' is an IPv4-mapped IPv6 address",
        "--block-timeout 500ms                | --block-timeout: '500ms' is below 1s",
        "--block-timeout 1500ms               | --block-timeout: '1500ms' is not a whole number of seconds",
        "--max-blocks-per-minute 0            | --max-blocks-per-minute: 0 is out of range",
        "--max-blocked 1000001                | --max-blocked: 1000001 is out of range",
        "--allow-file /nonexistent/allow      | --allow-file: cannot read /nonexistent/allow",
        "--block 10.0.0.1 -i lo               | --list-blocked, --unblock, --block and --remove-firewall run alone",
        "--block ::ffff:10.0.0.1              | --block: '::ffff:10.0.0.1' is an IPv4-mapped IPv6 address",
        "--force                              | --force applies to --block only",
        "--unblock 10.0.0.1 --force           | --force applies to --block only",
        "--metrics-address 9897               | --metrics-address: '9897' has no port",
        "--metrics-address host.example:9897  | --metrics-address: 'host.example' is not an IP address",
        "--metrics-address :70000             | --metrics-address port: 70000 is out of range",
        "--format yaml                        | --format: 'yaml' is not a format",
        "--unblock 999.1.1.1                  | --unblock: '999.1.1.1' is not an address or CIDR",
        "--unblock 10.0.0.0/8                 | --unblock: '10.0.0.0/8' is an IPv4 network; synwatch blocks IPv4 addresses one by one",
        "--unblock 2001:db8:1:2::1/64         | --unblock: '2001:db8:1:2::1/64' has host bits set",
        "--block 192.0.2.0/24                 | --block: '192.0.2.0/24' is an IPv4 network; synwatch blocks IPv4 addresses one by one",
        "--list-blocked -i lo                 | --list-blocked, --unblock, --block and --remove-firewall run alone",
        "--list-blocked --remove-firewall     | --list-blocked, --unblock, --block and --remove-firewall run alone",
        "--scan-ports -1                      | --scan-ports: -1 is out of range",
        "--allow 10.0.0.0/8 --allow bad       | --allow: 'bad' is not an address or CIDR",
        "--read                               | -r needs a value",
        "--scan-ports 4 --scan-ports 5        | --scan-ports given twice",
        "--fleet http://r:1                   | --fleet: 'http://r:1' is not a redis:// or rediss:// address",
        "--fleet redis://:pw@r:6379           | --fleet: the URI carries credentials",
        "--fleet redis://r:6379/16            | --fleet database: 16 is out of range",
        "--fleet-name node-a                  | --fleet-name needs --fleet",
        "--fleet-sweep-hosts 3                | --fleet-sweep-hosts needs --fleet",
        "-r x.pcap --fleet redis://r          | --fleet applies to live capture only",
        "--fleet redis://r --fleet-sweep-hosts 0 | --fleet-sweep-hosts: 0 is out of range",
        "--fleet redis://r --fleet-name=a;b   | --fleet-name: 'a;b' is not a usable node name",
        "--list-blocked --fleet redis://r     | --fleet goes with --unblock only",
        "--fleet redis://r --fleet-password-file /nonexistent/pw | --fleet-password-file: cannot read '/nonexistent/pw'",
    })
    void usageErrorsExitTwoWithOneLine(String args, String message) {
        assertEquals(2, run(args.trim().split("\\s+")));
        assertOneLineError(message);
    }

    @Test
    void fleetFlagsMakeFleetSettings() throws Exception {
        Arguments.Parsed parsed = Arguments.parse(new String[] {"-i", "lo", "--fleet", "rediss://redis.example:6380/1",
                "--fleet-name", "node-a", "--fleet-sweep-hosts", "2"});
        FleetSettings fleet = parsed.settings().fleet().orElseThrow();
        assertEquals("rediss://redis.example:6380/1", fleet.uri());
        assertEquals("node-a", fleet.nodeName());
        assertEquals(2, fleet.sweepHosts());
        assertEquals(Optional.empty(), Arguments.parse(new String[] {"-i", "lo"}).settings().fleet());
        Arguments.Parsed unblock = Arguments.parse(new String[] {"--unblock", "192.0.2.56", "--fleet", "redis://r"});
        assertEquals(Arguments.Action.UNBLOCK, unblock.action());
        assertEquals(FleetSettings.DEFAULT_SWEEP_HOSTS, unblock.fleet().orElseThrow().sweepHosts());
    }

    @Test
    void aMistypedOptionGetsASuggestion() {
        assertEquals(2, run("-r", "x.pcap", "--scan-prots", "5"));
        assertOneLineError("unknown option '--scan-prots'");
        assertTrue(stderr().matches("(?s).*did you mean [^?]*--scan-ports[^?]*\\?.*"), stderr());
    }

    @Test
    void shortOptionsTakeAttachedValuesAndRepeatedAllowsAccumulate() throws Exception {
        assertEquals(new CaptureSource.File(Path.of("x.pcap")), Arguments.parse(new String[] {"-rx.pcap"}).settings().source());
        assertEquals(new CaptureSource.File(Path.of("-")), Arguments.parse(new String[] {"-r", "-"}).settings().source());
        assertEquals(2, Arguments.parse(new String[] {"-i", "lo", "--allow", "10.0.0.0/8", "--allow=192.0.2.0/24"})
                .settings().block().allow().size());
    }

    @Test
    void aFailingOutputIsBlamedOnTheOutput() throws IOException {
        java.io.OutputStream full = new java.io.OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        Path fixture = Path.of("test-fixtures", "nmap-syn-ipv4.pcap");
        int status = new Cli(full, new PrintStream(err, true, StandardCharsets.UTF_8), agent -> { }).execute(
                new String[] {"-r", fixture.toString()});
        assertEquals(1, status);
        assertOneLineError("writing events failed: No space left on device");
        assertTrue(stderr().contains("check that stdout is still open"), stderr());
    }

    @Test
    void javaHomePrintsTheRuntime() {
        assertEquals(0, run("--java-home"));
        assertEquals(System.getProperty("java.home") + System.lineSeparator(), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void missingFileIsARuntimeError() {
        assertEquals(1, run("-r", "/nonexistent/capture.pcap"));
        assertOneLineError("No such file or directory");
        // A typo, not a damaged capture: the hint says so.
        assertTrue(stderr().contains("(hint: check the path"), stderr());
        assertFalse(stderr().contains("not a capture"), stderr());
    }

    @Test
    void unreadableFileSaysSo(@TempDir Path dir) throws IOException {
        assumeFalse(Commands.isRoot(), "root reads any file; skipped");
        Path capture = Files.copy(Path.of("test-fixtures", "nmap-syn-ipv4.pcap"), dir.resolve("capture.pcap"));
        Files.setPosixFilePermissions(capture, PosixFilePermissions.fromString("-w-------"));
        assertEquals(1, run("-r", capture.toString()));
        assertOneLineError("Permission denied");
        assertTrue(stderr().contains("(hint: check the file's permissions"), stderr());
    }

    @Test
    void directoryIsARuntimeError(@TempDir Path dir) {
        assertEquals(1, run("-r", dir.toString()));
        assertOneLineError("pcap_open_offline");
    }

    @Test
    void notACaptureFileIsARuntimeError(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("notes.txt"), "this is not a capture\n".repeat(10));
        assertEquals(1, run("-r", text.toString()));
        assertOneLineError("unknown file format");
    }

    /** NFLOG (239) is a capture libpcap reads well; the hint must say what synwatch reads, not call it damaged. */
    @Test
    void unreadableLinkTypeGetsItsOwnHint(@TempDir Path dir) throws IOException {
        java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(24).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        header.putInt(0xA1B2C3D4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(239);
        Path nflog = Files.write(dir.resolve("nflog.pcap"), header.array());
        assertEquals(1, run("-r", nflog.toString()));
        assertOneLineError("unsupported link type 239");
        assertTrue(stderr().contains("hint: synwatch reads Ethernet"), stderr());
        assertFalse(stderr().contains("damaged"), stderr());
    }

    @Test
    void unknownInterfaceIsARuntimeError() {
        assertEquals(1, run("-i", "nosuchif0"));
        assertOneLineError("nosuchif0");
    }

    @Test
    void metricsPortInUseIsAClearStartupError() throws IOException {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Path empty = FixtureFiles.syntheticEmptyCapture();
            assertEquals(1, run("-r", empty.toString(), "--metrics-address", "127.0.0.1:" + taken.getLocalPort()));
            assertOneLineError("cannot serve metrics on");
            assertTrue(stderr().contains("--metrics-address"), stderr());
        }
    }

    @Test
    void missingNftIsOneLineWithAHint() {
        int status = new Cli(out, new PrintStream(err, true, StandardCharsets.UTF_8), agent -> { },
                () -> new NftFirewall(java.util.List.of("/nonexistent/nft"))).execute(new String[] {"--list-blocked"});
        assertEquals(1, status);
        assertOneLineError("cannot run /nonexistent/nft");
        assertTrue(stderr().contains("apt-get install nftables"), stderr());
    }

    @Test
    void manualBlockGoesThroughTheSafetyChecksBeforeTouchingTheFirewall() {
        for (String protectedAddress : new String[] {"127.0.0.1", "::1", "10.0.0.7"}) {
            err.reset();
            int status = new Cli(out, new PrintStream(err, true, StandardCharsets.UTF_8), agent -> { },
                    () -> {
                        throw new AssertionError("the firewall must not be touched");
                    }).execute(new String[] {"--block", protectedAddress, "--allow", "10.0.0.0/8"});
            assertEquals(1, status);
            assertOneLineError("not blocking " + protectedAddress + ": "
                    + (protectedAddress.startsWith("10.") ? "allowlisted" : "own address"));
            assertTrue(stderr().contains("--force"), stderr());
        }
    }

    @Test
    void debugAddsTheStackTrace() {
        assertEquals(1, run("--debug", "-r", "/nonexistent/capture.pcap"));
        assertTrue(stderr().lines().count() > 1);
        assertTrue(stderr().contains("at org.synwatch."), stderr());
    }

    @Test
    void liveDefaultsAre32MiBInKernelBlocks() throws Exception {
        assertEquals(new CaptureSource.Live(Optional.of("lo"), 32 << 20, false), Arguments.parse(new String[] {"-i", "lo"}).settings().source());
        assertEquals(new CaptureSource.Live(Optional.of("lo"), 1 << 20, true),
                Arguments.parse(new String[] {"-i", "lo", "--buffer-size", "1048576", "--immediate-mode"}).settings().source());
    }

    @Test
    void equalsFormAndDurationUnitsAreAccepted() throws IOException {
        Path empty = FixtureFiles.syntheticEmptyCapture();
        assertEquals(0, run("--read=" + empty, "--scan-window=2m", "--scan-ports=5", "--max-tracked-pairs=1_000"));
        assertEquals(0, run("-r", empty.toString(), "--scan-window", "1h"));
        assertEquals(0, run("-r", empty.toString(), "--scan-window", "90s"));
        assertFalse(stderr().contains("synwatch:"), stderr());
    }
}
