package org.synwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.synwatch.block.Allowlist;
import org.synwatch.block.BlockStats;
import org.synwatch.block.ScanResponder;
import org.synwatch.config.BlockSettings;
import org.synwatch.config.Cidr;
import org.synwatch.config.OutputFormat;
import org.synwatch.packet.SynHeader;
import org.synwatch.report.EventOutput;
import org.synwatch.report.EventWriter;
import org.synwatch.report.Observer;

/** A peer's decision takes this host's own safety path: what the host would not block, no peer can make it block. */
class FleetBlockPathTest {
    private static final long GATEWAY = 0x0A000001L; // 10.0.0.1, allowlisted as this host's gateway
    private static final long SCANNER = 0xC0000238L; // 192.0.2.56
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private FleetBlockPath path(BlockSettings.Mode mode, ScanResponder[] responderOut) {
        EventOutput output = new EventOutput(out);
        List<Cidr> allow = List.of(new Cidr(Cidr.IPV4, 0, GATEWAY, 32));
        ScanResponder responder = new ScanResponder(new EventWriter(output, ZoneOffset.UTC, OutputFormat.TEXT, new Observer("web-1", Optional.empty())),
                new BlockSettings(mode, 3600, allow), new Allowlist(allow), null);
        responderOut[0] = responder;
        return new FleetBlockPath(responder, new EventWriter(output, ZoneOffset.UTC, OutputFormat.TEXT, new Observer("web-1", Optional.empty())), 3600);
    }

    private List<String> lines() {
        return out.toString(StandardCharsets.US_ASCII).lines().map(line -> line.substring(21)).toList();
    }

    @Test
    void aPeerCannotMakeThisHostBlockWhatItsChecksRefuse() {
        ScanResponder[] responder = new ScanResponder[1];
        FleetBlockPath path = path(BlockSettings.Mode.DRY_RUN, responder);
        assertFalse(path.peerBlock(SynHeader.IPV4, 0, GATEWAY, 3552, "node-a"));
        assertTrue(path.peerBlock(SynHeader.IPV4, 0, SCANNER, 3552, "node-a"));
        assertFalse(path.peerBlock(SynHeader.IPV4, 0, 0x7F000001L, 3552, "node-a"), "loopback");
        assertEquals(List.of(
                "Not blocking 10.0.0.1: allowlisted (fleet: node-a)",
                "Would block 192.0.2.56 for 59m12s (fleet: node-a) (dry run)",
                "Not blocking 127.0.0.1: allowlisted (fleet: node-a)"), lines());
        assertEquals(2, responder[0].blocks(BlockStats.Result.ALLOWLISTED));
    }

    @Test
    void aSweepIsReportedAndBlockedAsThisHostsOwnDecision() {
        FleetBlockPath path = path(BlockSettings.Mode.DRY_RUN, new ScanResponder[1]);
        path.portSweep(1_619_623_685_000_000L, SynHeader.IPV4, 0, SCANNER, 22, 3, List.of("10.0.0.5", "10.0.0.6", "10.0.0.7"));
        assertEquals(List.of(
                "Port sweep detected: 192.0.2.56 -> 3 hosts on port 22",
                "Would block 192.0.2.56 for 1h (dry run)"), lines());
    }

    @Test
    void withBlockingOffPeersChangeNothing() {
        FleetBlockPath path = path(BlockSettings.Mode.OFF, new ScanResponder[1]);
        assertFalse(path.peerBlock(SynHeader.IPV4, 0, SCANNER, 60, "node-a"));
        path.peerUnblock(SynHeader.IPV4, 0, SCANNER, "node-a");
        assertEquals(List.of(), lines());
    }
}
