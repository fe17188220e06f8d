package org.synwatch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.synwatch.testing.Syns.syn;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.synwatch.config.Cidr;
import org.synwatch.config.OutputFormat;
import org.synwatch.packet.SynHeader;
import org.synwatch.testing.Json;

class EventWriterTest {
    private static final long T0 = 1_619_623_685_123_456L;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private List<String> write(ZoneId zone, OutputFormat format) {
        EventWriter writer = new EventWriter(new EventOutput(out), zone, format, new Observer("web-1", Optional.of("eth0")));
        SynHeader v4 = syn(T0, "192.0.2.56", 5973, "10.0.0.5", 80);
        SynHeader v6 = syn(T0, "2001:db8::1", 5973, "2001:db8::5", 443);
        writer.newConnection(v4);
        writer.newConnection(v6);
        writer.portScan(v4, 32, new int[] {80, 81, 82, 83}, 4);
        writer.blocked(T0, Cidr.host(v4.source()), 3600, false);
        writer.blocked(T0, Cidr.host(v6.source()), 90, true);
        writer.notBlocked(T0, Cidr.host(v4.source()), "allowlisted");
        writer.notBlocked(T0, new Cidr(v6.source(), 64), "name server");
        writer.flush();
        return out.toString(StandardCharsets.US_ASCII).lines().toList();
    }

    @Test
    void textLines() {
        assertEquals(List.of(
                "2021-04-28 15:28:05: New connection: 192.0.2.56:5973 -> 10.0.0.5:80",
                "2021-04-28 15:28:05: New connection: [2001:db8::1]:5973 -> [2001:db8::5]:443",
                "2021-04-28 15:28:05: Port scan detected: 192.0.2.56 -> 10.0.0.5 on ports 80,81,82,83",
                "2021-04-28 15:28:05: Blocked 192.0.2.56 for 1h",
                "2021-04-28 15:28:05: Would block 2001:db8::1 for 90s (dry run)",
                "2021-04-28 15:28:05: Not blocking 192.0.2.56: allowlisted",
                "2021-04-28 15:28:05: Not blocking 2001:db8::/64: name server"), write(ZoneOffset.UTC, OutputFormat.TEXT));
    }

    @Test
    void textUsesTheZoneGiven() {
        assertEquals("2021-04-28 20:58:05: New connection: 192.0.2.56:5973 -> 10.0.0.5:80",
                write(ZoneId.of("Asia/Kolkata"), OutputFormat.TEXT).get(0));
    }

    @Test
    void jsonObjects() {
        String time = "{\"@timestamp\":\"2021-04-28T17:28:05.123456+02:00\",\"ecs.version\":\"8.11.0\",";
        String observer = ",\"observer.hostname\":\"web-1\",\"observer.ingress.interface.name\":\"eth0\",\"synwatch.schema_version\":1}";
        String connection = "\"event.kind\":\"event\",\"event.category\":[\"network\"],\"event.type\":[\"connection\",\"start\"],"
                + "\"event.action\":\"new_connection\",\"network.transport\":\"tcp\",";
        assertEquals(List.of(
                time + connection + "\"network.type\":\"ipv4\",\"source.ip\":\"192.0.2.56\",\"source.port\":5973,"
                        + "\"destination.ip\":\"10.0.0.5\",\"destination.port\":80" + observer,
                time + connection + "\"network.type\":\"ipv6\",\"source.ip\":\"2001:db8::1\",\"source.port\":5973,"
                        + "\"destination.ip\":\"2001:db8::5\",\"destination.port\":443" + observer,
                time + "\"event.kind\":\"alert\",\"event.category\":[\"network\",\"intrusion_detection\"],\"event.type\":[\"info\"],"
                        + "\"event.action\":\"port_scan\",\"network.transport\":\"tcp\",\"network.type\":\"ipv4\","
                        + "\"source.ip\":\"192.0.2.56\",\"source.address\":\"192.0.2.56\",\"destination.ip\":\"10.0.0.5\","
                        + "\"synwatch.ports\":[80,81,82,83]" + observer,
                time + "\"event.kind\":\"event\",\"event.category\":[\"network\",\"intrusion_detection\"],\"event.type\":[\"denied\"],"
                        + "\"event.action\":\"blocked\",\"network.type\":\"ipv4\",\"source.ip\":\"192.0.2.56\","
                        + "\"source.address\":\"192.0.2.56\",\"synwatch.block_timeout_seconds\":3600" + observer,
                time + "\"event.kind\":\"event\",\"event.category\":[\"intrusion_detection\"],\"event.type\":[\"allowed\"],"
                        + "\"event.action\":\"not_blocked\",\"network.type\":\"ipv6\",\"source.ip\":\"2001:db8::1\","
                        + "\"source.address\":\"2001:db8::1\",\"synwatch.reason\":\"dry_run\"" + observer,
                time + "\"event.kind\":\"event\",\"event.category\":[\"intrusion_detection\"],\"event.type\":[\"allowed\"],"
                        + "\"event.action\":\"not_blocked\",\"network.type\":\"ipv4\",\"source.ip\":\"192.0.2.56\","
                        + "\"source.address\":\"192.0.2.56\",\"synwatch.reason\":\"allowlisted\"" + observer,
                time + "\"event.kind\":\"event\",\"event.category\":[\"intrusion_detection\"],\"event.type\":[\"allowed\"],"
                        + "\"event.action\":\"not_blocked\",\"network.type\":\"ipv6\",\"source.ip\":\"2001:db8::\","
                        + "\"source.address\":\"2001:db8::/64\",\"synwatch.reason\":\"name_server\"" + observer),
                write(ZoneId.of("Europe/Berlin"), OutputFormat.JSON));
    }

    @Test
    void jsonOffsetForUtcAndNegativeZones() {
        assertEquals("2021-04-28T15:28:05.123456+00:00", write(ZoneOffset.UTC, OutputFormat.JSON).get(0).substring(15, 47));
        out.reset();
        assertEquals("2021-04-28T11:28:05.123456-04:00",
                write(ZoneId.of("America/New_York"), OutputFormat.JSON).get(0).substring(15, 47));
    }

    private List<String> writeFleet(OutputFormat format) {
        EventWriter writer = new EventWriter(new EventOutput(out), ZoneOffset.UTC, format, new Observer("web-1", Optional.of("eth0")));
        SynHeader v4 = syn(T0, "192.0.2.56", 5973, "10.0.0.5", 80);
        writer.blocked(T0, Cidr.host(v4.source()), 3552, false, "node-a");
        writer.blocked(T0, Cidr.host(v4.source()), 3600, false, "node-a");
        writer.blocked(T0, Cidr.host(v4.source()), 3601, false, "node-a");
        writer.blocked(T0, Cidr.host(v4.source()), 90, true, "node-b");
        writer.notBlocked(T0, Cidr.host(v4.source()), "allowlisted", "node-c");
        writer.portSweep(T0, v4.source(), 22, 11, List.of("10.0.0.1", "10.0.0.2"));
        writer.flush();
        return out.toString(StandardCharsets.US_ASCII).lines().toList();
    }

    @Test
    void fleetLinesGiveTheRemainingTimeAndTheOrigin() {
        assertEquals(List.of(
                "2021-04-28 15:28:05: Blocked 192.0.2.56 for 59m12s (fleet: node-a)",
                "2021-04-28 15:28:05: Blocked 192.0.2.56 for 1h (fleet: node-a)",
                "2021-04-28 15:28:05: Blocked 192.0.2.56 for 1h0m1s (fleet: node-a)",
                "2021-04-28 15:28:05: Would block 192.0.2.56 for 1m30s (fleet: node-b) (dry run)",
                "2021-04-28 15:28:05: Not blocking 192.0.2.56: allowlisted (fleet: node-c)",
                "2021-04-28 15:28:05: Port sweep detected: 192.0.2.56 -> 11 hosts on port 22"),
                writeFleet(OutputFormat.TEXT));
    }

    @Test
    void fleetJson() {
        List<Map<String, Object>> events = writeFleet(OutputFormat.JSON).stream().map(Json::object).toList();
        assertEquals(List.of("blocked", "blocked", "blocked", "not_blocked", "not_blocked", "port_sweep"),
                events.stream().map(e -> e.get("event.action")).toList());
        assertEquals(List.of("node-a", "node-a", "node-a", "node-b", "node-c"),
                events.subList(0, 5).stream().map(e -> e.get("synwatch.fleet.origin")).toList());
        assertEquals(3552L, events.get(0).get("synwatch.block_timeout_seconds"));
        assertEquals("dry_run", events.get(3).get("synwatch.reason"));
        Map<String, Object> sweep = events.get(5);
        assertEquals("192.0.2.56", sweep.get("source.ip"));
        assertEquals(22L, sweep.get("destination.port"));
        assertEquals(11L, sweep.get("synwatch.sweep.host_count"));
        assertEquals(List.of("10.0.0.1", "10.0.0.2"), sweep.get("synwatch.sweep.hosts"));
        assertEquals("alert", sweep.get("event.kind"));
        assertFalse(sweep.containsKey("synwatch.fleet.origin"));
    }
}
