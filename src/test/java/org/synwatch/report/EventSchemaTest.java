package org.synwatch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.synwatch.testing.Syns.syn;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.synwatch.config.Cidr;
import org.synwatch.config.IpAddress;
import org.synwatch.config.OutputFormat;
import org.synwatch.packet.SynHeader;
import org.synwatch.testing.Json;

/**
 * Every event kind, as --format json writes it, against its table in docs/events.md: the same
 * field names, the documented types, presence and fixed values. The document is parsed here, so
 * neither it nor the code can change alone.
 */
class EventSchemaTest {
    private static final Path DOC = Path.of("docs", "events.md");
    private static final Pattern SECTION = Pattern.compile("^### `([a-z_]+)`$", Pattern.MULTILINE);
    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| ([a-z\\[\\]]+) \\| (always|live|fleet) \\| (.*) \\|$");
    private static final Pattern RFC3339 = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}[+-]\\d\\d:\\d\\d");
    private static final long T0 = 1_619_623_685_123_456L;

    /** @param presence always, live (live capture only) or fleet (a fleet peer's decision only) */
    private record Field(String type, String presence, Optional<Object> fixedValue) {
    }

    /** One event of each kind. A new kind needs its sample here, or the test below fails. */
    private static final Map<EventKind, Consumer<EventWriter>> SAMPLES = new EnumMap<>(Map.of(
            EventKind.NEW_CONNECTION, w -> w.newConnection(syn(T0, "192.0.2.56", 5973, "10.0.0.5", 80)),
            EventKind.PORT_SCAN, w -> w.portScan(syn(T0, "2001:db8::1", 5973, "2001:db8::5", 83), 64, new int[] {80, 81, 82, 83}, 4),
            EventKind.BLOCKED, w -> blockedSample(w, false),
            EventKind.NOT_BLOCKED, w -> blockedSample(w, true),
            EventKind.CONNECTIONS_SUPPRESSED, w -> w.connectionsSuppressed(T0 - T0 % 1_000_000, 12345, 1000),
            EventKind.PORT_SWEEP, w -> w.portSweep(T0, IpAddress.ipv4(0xC0000238L), 22, 11, List.of("10.0.0.1", "10.0.0.2"))));

    /** The kinds a fleet peer's decision writes, with its origin. */
    private static final Map<EventKind, Consumer<EventWriter>> FLEET_SAMPLES = new EnumMap<>(Map.of(
            EventKind.BLOCKED, w -> w.blocked(T0, Cidr.host(IpAddress.ipv4(0xC0000238L)), 3552, false, "node-a"),
            EventKind.NOT_BLOCKED, w -> w.notBlocked(T0, Cidr.host(IpAddress.ipv4(0xC0000238L)), "allowlisted", "node-a")));

    private static void blockedSample(EventWriter writer, boolean dryRun) {
        SynHeader s = syn(T0, "192.0.2.56", 5973, "10.0.0.5", 80);
        writer.blocked(T0, Cidr.host(s.source()), 3600, dryRun);
    }

    /** docs/events.md: kind name to its fields, in table order. */
    private static Map<String, Map<String, Field>> documented() throws IOException {
        String doc = Files.readString(DOC);
        Map<String, Map<String, Field>> kinds = new LinkedHashMap<>();
        Matcher section = SECTION.matcher(doc);
        while (section.find()) {
            String name = section.group(1);
            int next = doc.indexOf("\n#", section.end());
            Map<String, Field> fields = new LinkedHashMap<>();
            for (String line : doc.substring(section.end(), next < 0 ? doc.length() : next).split("\n")) {
                Matcher row = ROW.matcher(line);
                if (row.matches()) {
                    fields.put(row.group(1), new Field(row.group(2), row.group(3), fixed(row.group(4))));
                }
            }
            assertFalse(fields.isEmpty(), "docs/events.md: no field table under ### `" + name + "`");
            assertEquals(null, kinds.put(name, fields), "docs/events.md: ### `" + name + "` twice");
        }
        return kinds;
    }

    /** A value cell that is exactly one backticked JSON literal (`"tcp"`, `["info"]`, `1`) is fixed. */
    private static Optional<Object> fixed(String cell) {
        if (!cell.matches("`[^`]+`")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.parse(cell.substring(1, cell.length() - 1)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();  // a word such as `ipv4` names one of several values
        }
    }

    private static Map<String, Object> write(EventKind kind, Observer observer) {
        return write(SAMPLES.get(kind), observer);
    }

    private static Map<String, Object> write(Consumer<EventWriter> sample, Observer observer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EventWriter writer = new EventWriter(new EventOutput(out), ZoneId.of("Europe/Berlin"), OutputFormat.JSON, observer);
        sample.accept(writer);
        writer.flush();
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, lines.size(), "one object per line, one line per event: " + lines);
        Map<String, Object> object = Json.object(lines.get(0));
        assertEquals("@timestamp", object.keySet().iterator().next(), "@timestamp comes first: " + lines.get(0));
        return object;
    }

    @Test
    void everyKindIsDocumentedAndSampledAndNothingElse() throws IOException {
        Set<String> kinds = new TreeSet<>();
        for (EventKind kind : EventKind.values()) {
            kinds.add(kind.action);
        }
        assertEquals(kinds, new TreeSet<>(documented().keySet()), "event kinds in EventKind vs ### sections of docs/events.md");
        assertEquals(Set.of(EventKind.values()), SAMPLES.keySet(), "EventSchemaTest.SAMPLES needs one sample per kind");
    }

    @ParameterizedTest
    @EnumSource(EventKind.class)
    void liveEventsMatchTheirTable(EventKind kind) throws IOException {
        check(kind, write(kind, new Observer("web-1", Optional.of("eth0"))), true, false);
    }

    @ParameterizedTest
    @EnumSource(value = EventKind.class, names = {"BLOCKED", "NOT_BLOCKED"})
    void fleetDecisionsMatchTheirTable(EventKind kind) throws IOException {
        check(kind, write(FLEET_SAMPLES.get(kind), new Observer("web-1", Optional.of("eth0"))), true, true);
    }

    @ParameterizedTest
    @EnumSource(EventKind.class)
    void replayedEventsMatchTheirTable(EventKind kind) throws IOException {
        check(kind, write(kind, new Observer("web-1", Optional.empty())), false, false);
    }

    private static void check(EventKind kind, Map<String, Object> event, boolean live, boolean fleet) throws IOException {
        Map<String, Field> fields = documented().get(kind.action);
        Set<String> undocumented = new TreeSet<>(event.keySet());
        undocumented.removeAll(fields.keySet());
        assertEquals(Set.of(), undocumented, kind.action + ": fields missing from docs/events.md");
        for (Map.Entry<String, Field> entry : fields.entrySet()) {
            String name = entry.getKey();
            Field field = entry.getValue();
            boolean expected = switch (field.presence()) {
                case "live" -> live;
                case "fleet" -> fleet;
                default -> true;
            };
            assertEquals(expected, event.containsKey(name), kind.action + "." + name + " present: " + event);
            if (!expected) {
                continue;
            }
            Object value = event.get(name);
            assertType(kind.action + "." + name, field.type(), value);
            field.fixedValue().ifPresent(fixed -> assertEquals(fixed, value, kind.action + "." + name));
        }
        assertEquals(kind.action, event.get("event.action"));
    }

    private static void assertType(String name, String type, Object value) {
        switch (type) {
            case "keyword" -> assertInstanceOf(String.class, value, name);
            case "long" -> assertInstanceOf(Long.class, value, name);
            case "date" -> assertTrue(value instanceof String s && RFC3339.matcher(s).matches(), name + ": " + value);
            case "ip" -> assertTrue(value instanceof String s && InetAddress.ofLiteral(s).getHostAddress() != null, name + ": " + value);
            case "keyword[]" -> assertTrue(value instanceof List<?> l && !l.isEmpty() && l.stream().allMatch(String.class::isInstance), name + ": " + value);
            case "long[]" -> assertTrue(value instanceof List<?> l && !l.isEmpty() && l.stream().allMatch(Long.class::isInstance), name + ": " + value);
            default -> throw new AssertionError("docs/events.md: unknown type '" + type + "' for " + name);
        }
    }

    @Test
    void constantsAgreeWithTheDocument() throws IOException {
        for (Map<String, Field> fields : documented().values()) {
            assertEquals(Optional.of((long) EventWriter.SCHEMA_VERSION), fields.get("synwatch.schema_version").fixedValue());
            assertEquals(Optional.of(EventWriter.ECS_VERSION), fields.get("ecs.version").fixedValue());
        }
        assertTrue(Files.readString(DOC).contains("ECS) " + EventWriter.ECS_VERSION.replaceAll("\\.0$", "")),
                "docs/events.md names ECS " + EventWriter.ECS_VERSION);
    }

    @Test
    void observerNamesAreEscaped() {
        Map<String, Object> event = write(EventKind.NEW_CONNECTION, new Observer("we\"ird\\host", Optional.of("tab\there")));
        assertEquals("we\"ird\\host", event.get("observer.hostname"));
        assertEquals("tab\there", event.get("observer.ingress.interface.name"));
    }

    @Test
    void fixedValuesOfTheDocumentAreParsed() throws IOException {
        // The checks above compare fixed values only where the document has them: make sure it does.
        Field kindField = documented().get("port_scan").get("event.kind");
        assertEquals(Optional.of("alert"), kindField.fixedValue());
        assertEquals(Optional.of(List.of("network", "intrusion_detection")), documented().get("port_scan").get("event.category").fixedValue());
    }
}
