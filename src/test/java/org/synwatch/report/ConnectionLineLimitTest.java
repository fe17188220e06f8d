package org.synwatch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.synwatch.testing.Syns.syn;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.synwatch.config.OutputFormat;

/** --max-connection-lines: per second of packet time, the rest counted into one line once that second is over. */
class ConnectionLineLimitTest {
    private static final long T0 = 1_619_623_685_000_000L;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private EventWriter writer(OutputFormat format, int limit) {
        return new EventWriter(new EventOutput(out), ZoneOffset.UTC, format, new Observer("web-1", Optional.empty()),
                OptionalInt.of(limit));
    }

    private List<String> lines(EventWriter writer) {
        writer.flush();
        return out.toString(StandardCharsets.US_ASCII).lines().toList();
    }

    private static void connections(EventWriter writer, long micros, int count) {
        for (int i = 0; i < count; i++) {
            writer.newConnection(syn(micros + i, "192.0.2.9", 1000 + i, "198.51.100.1", 80));
        }
    }

    @Test
    void overTheLimitTheRestOfTheSecondBecomesOneLineBeforeTheNextSecond() {
        EventWriter writer = writer(OutputFormat.TEXT, 2);
        connections(writer, T0, 5);
        writer.portScan(syn(T0 + 10, "192.0.2.9", 1004, "198.51.100.1", 80), 32, new int[] {80, 81, 82, 83}, 4);
        assertEquals(List.of(
                "2021-04-28 15:28:05: New connection: 192.0.2.9:1000 -> 198.51.100.1:80",
                "2021-04-28 15:28:05: New connection: 192.0.2.9:1001 -> 198.51.100.1:80",
                "2021-04-28 15:28:05: Port scan detected: 192.0.2.9 -> 198.51.100.1 on ports 80,81,82,83"),
                lines(writer), "scan lines are never held back; the count waits for the second to end");
        out.reset();
        connections(writer, T0 + 1_000_000, 1);
        assertEquals(List.of(
                "2021-04-28 15:28:05: 3 new connections not shown (over --max-connection-lines 2)",
                "2021-04-28 15:28:06: New connection: 192.0.2.9:1000 -> 198.51.100.1:80"), lines(writer));
    }

    @Test
    void atTheLimitNothingIsHeldBack() {
        EventWriter writer = writer(OutputFormat.TEXT, 3);
        connections(writer, T0, 3);
        connections(writer, T0 + 1_000_000, 3);
        writer.reportSuppressed();
        assertEquals(6, lines(writer).size());
    }

    @Test
    void theLastSecondsCountIsPrintedAtTheEnd() {
        EventWriter writer = writer(OutputFormat.TEXT, 1);
        connections(writer, T0, 100_000);
        writer.reportSuppressed();
        writer.reportSuppressed();
        assertEquals(List.of(
                "2021-04-28 15:28:05: New connection: 192.0.2.9:1000 -> 198.51.100.1:80",
                "2021-04-28 15:28:05: 99999 new connections not shown (over --max-connection-lines 1)"), lines(writer));
    }

    @Test
    void liveTheCountWaitsOnlyForTheWallClockToLeaveTheSecond() {
        EventWriter writer = writer(OutputFormat.TEXT, 1);
        connections(writer, T0, 4);
        writer.reportSuppressedBefore(T0 + 999_999);
        assertEquals(1, lines(writer).size(), "the second is not over yet");
        writer.reportSuppressedBefore(T0 + 1_000_000);
        assertEquals("2021-04-28 15:28:05: 3 new connections not shown (over --max-connection-lines 1)", lines(writer).get(1));
        connections(writer, T0 + 1_000_000, 1);
        assertEquals(3, lines(writer).size(), "the count was printed once");
    }

    @Test
    void jsonGetsAnEventWithTheCount() {
        EventWriter writer = writer(OutputFormat.JSON, 1);
        connections(writer, T0 + 250_000, 3);
        writer.reportSuppressed();
        String line = lines(writer).get(1);
        assertTrue(line.startsWith("{\"@timestamp\":\"2021-04-28T15:28:05.000000+00:00\""), line);
        assertTrue(line.contains("\"event.action\":\"connections_suppressed\""), line);
        assertTrue(line.contains("\"synwatch.count\":2,\"synwatch.max_connection_lines\":1,"), line);
    }
}
