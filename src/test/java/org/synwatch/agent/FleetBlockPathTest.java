package org.synwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.synwatch.block.Allowlist;
import org.synwatch.block.BlockGate;
import org.synwatch.block.BlockStats;
import org.synwatch.block.ScanResponder;
import org.synwatch.config.BlockSettings;
import org.synwatch.config.ConfigException;
import org.synwatch.config.IpAddress;
import org.synwatch.config.OutputFormat;
import org.synwatch.report.EventOutput;
import org.synwatch.report.EventWriter;
import org.synwatch.report.Observer;

/** A peer's decision takes this host's own safety path: what the host would not block, no peer can make it block. */
class FleetBlockPathTest {
    private static final IpAddress GATEWAY = IpAddress.ipv4(0x0A000001L); // 10.0.0.1
    private static final IpAddress OWN = IpAddress.ipv4(0x0A000009L);     // 10.0.0.9
    private static final IpAddress SCANNER = IpAddress.ipv4(0xC0000238L); // 192.0.2.56
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private BlockGate gate;

    private FleetBlockPath path(BlockSettings.Mode mode) throws ConfigException {
        EventOutput output = new EventOutput(out);
        Allowlist.HostFacts facts = new Allowlist.HostFacts() {
            @Override
            public List<IpAddress> ownAddresses() {
                return List.of(OWN);
            }

            @Override
            public Set<IpAddress> gateways() {
                return Set.of(GATEWAY);
            }

            @Override
            public List<IpAddress> nameServers() {
                return List.of();
            }
        };
        BlockSettings settings = new BlockSettings(mode, 3600, List.of());
        gate = mode == BlockSettings.Mode.OFF ? null
                : BlockGate.create(settings, new Allowlist(List.of(), Optional.empty(), facts), false);
        ScanResponder responder = new ScanResponder(writer(output), settings, gate, null, 128);
        return new FleetBlockPath(responder, writer(output));
    }

    private static EventWriter writer(EventOutput output) {
        return new EventWriter(output, ZoneOffset.UTC, OutputFormat.TEXT, new Observer("web-1", Optional.empty()));
    }

    private List<String> lines() {
        return out.toString(StandardCharsets.US_ASCII).lines().map(line -> line.substring(21)).toList();
    }

    @Test
    void aPeerCannotMakeThisHostBlockItsGatewayOrItself() throws ConfigException {
        FleetBlockPath path = path(BlockSettings.Mode.DRY_RUN);
        assertFalse(path.peerBlock(GATEWAY, 3552, "node-a"));
        assertFalse(path.peerBlock(OWN, 3552, "node-a"));
        assertTrue(path.peerBlock(SCANNER, 3552, "node-a"));
        assertEquals(List.of(
                "Not blocking 10.0.0.1: gateway (fleet: node-a)",
                "Not blocking 10.0.0.9: own address (fleet: node-a)",
                "Would block 192.0.2.56 for 59m12s (fleet: node-a) (dry run)"), lines());
        assertEquals(1, gate.blocks(BlockStats.Result.GATEWAY));
        assertEquals(1, gate.blocks(BlockStats.Result.OWN_ADDRESS));
    }

    @Test
    void aSweepIsReportedAndBlockedAsThisHostsOwnDecision() throws ConfigException {
        FleetBlockPath path = path(BlockSettings.Mode.DRY_RUN);
        path.portSweep(1_619_623_685_000_000L, SCANNER, 22, 3, List.of("10.0.0.5", "10.0.0.6", "10.0.0.7"));
        assertEquals(List.of(
                "Port sweep detected: 192.0.2.56 -> 3 hosts on port 22",
                "Would block 192.0.2.56 for 1h (dry run)"), lines());
    }

    @Test
    void withBlockingOffPeersChangeNothing() throws ConfigException {
        FleetBlockPath path = path(BlockSettings.Mode.OFF);
        assertFalse(path.peerBlock(SCANNER, 60, "node-a"));
        path.peerUnblock(SCANNER, "node-a");
        assertEquals(List.of(), lines());
    }
}
