package org.synwatch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.synwatch.testing.Syns.syn;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.synwatch.config.OutputFormat;
import org.synwatch.packet.SynHeader;

class EventWriterTest {
    private static final long T0 = 1_619_623_685_123_456L;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private List<String> write(ZoneId zone, OutputFormat format) {
        EventWriter writer = new EventWriter(new EventOutput(out), zone, format);
        SynHeader v4 = syn(T0, "192.0.2.56", 5973, "10.0.0.5", 80);
        SynHeader v6 = syn(T0, "2001:db8::1", 5973, "2001:db8::5", 443);
        writer.newConnection(v4);
        writer.newConnection(v6);
        writer.portScan(v4, 32, new int[] {80, 81, 82, 83}, 4);
        writer.blocked(T0, v4.family, v4.srcHi, v4.srcLo, 32, 3600, false);
        writer.blocked(T0, v6.family, v6.srcHi, v6.srcLo, 128, 90, true);
        writer.notBlocked(T0, v4.family, v4.srcHi, v4.srcLo, 32, "allowlisted");
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
                "2021-04-28 15:28:05: Not blocking 192.0.2.56: allowlisted"), write(ZoneOffset.UTC, OutputFormat.TEXT));
    }

    @Test
    void textUsesTheZoneGiven() {
        assertEquals("2021-04-28 20:58:05: New connection: 192.0.2.56:5973 -> 10.0.0.5:80",
                write(ZoneId.of("Asia/Kolkata"), OutputFormat.TEXT).get(0));
    }

    @Test
    void jsonObjects() {
        assertEquals(List.of(
                "{\"time\":\"2021-04-28T17:28:05.123456+02:00\",\"event\":\"new_connection\",\"family\":\"ipv4\","
                        + "\"src\":\"192.0.2.56\",\"src_port\":5973,\"dst\":\"10.0.0.5\",\"dst_port\":80}",
                "{\"time\":\"2021-04-28T17:28:05.123456+02:00\",\"event\":\"new_connection\",\"family\":\"ipv6\","
                        + "\"src\":\"2001:db8::1\",\"src_port\":5973,\"dst\":\"2001:db8::5\",\"dst_port\":443}",
                "{\"time\":\"2021-04-28T17:28:05.123456+02:00\",\"event\":\"port_scan\",\"family\":\"ipv4\","
                        + "\"src\":\"192.0.2.56\",\"dst\":\"10.0.0.5\",\"ports\":[80,81,82,83]}",
                "{\"time\":\"2021-04-28T17:28:05.123456+02:00\",\"event\":\"blocked\",\"family\":\"ipv4\","
                        + "\"src\":\"192.0.2.56\",\"timeout_seconds\":3600}",
                "{\"time\":\"2021-04-28T17:28:05.123456+02:00\",\"event\":\"not_blocked\",\"family\":\"ipv6\","
                        + "\"src\":\"2001:db8::1\",\"reason\":\"dry_run\"}",
                "{\"time\":\"2021-04-28T17:28:05.123456+02:00\",\"event\":\"not_blocked\",\"family\":\"ipv4\","
                        + "\"src\":\"192.0.2.56\",\"reason\":\"allowlisted\"}"),
                write(ZoneId.of("Europe/Berlin"), OutputFormat.JSON));
    }

    @Test
    void jsonOffsetForUtcAndNegativeZones() {
        assertEquals("2021-04-28T15:28:05.123456+00:00", write(ZoneOffset.UTC, OutputFormat.JSON).get(0).substring(9, 41));
        out.reset();
        assertEquals("2021-04-28T11:28:05.123456-04:00",
                write(ZoneId.of("America/New_York"), OutputFormat.JSON).get(0).substring(9, 41));
    }
}
