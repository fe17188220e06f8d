package org.synwatch.report;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Every kind of event line, with its Elastic Common Schema classification. Adding a kind: a
 * constant here, the method that writes it in {@link EventWriter}, and its table in
 * docs/events.md; EventSchemaTest fails until the three agree.
 */
public enum EventKind {
    /** A SYN that is not a retransmission. */
    NEW_CONNECTION("new_connection", "event", List.of("network"), List.of("connection", "start"), true),
    /** A source reached more than --scan-ports ports of one host within --scan-window. */
    PORT_SCAN("port_scan", "alert", List.of("network", "intrusion_detection"), List.of("info"), true),
    /** A scanner was added to synwatch's nftables set. */
    BLOCKED("blocked", "event", List.of("network", "intrusion_detection"), List.of("denied"), false),
    /** A scanner that was not blocked, and why (allowlisted, dry_run, ...). */
    NOT_BLOCKED("not_blocked", "event", List.of("intrusion_detection"), List.of("allowed"), false),
    /** New connection lines of one second not printed, past --max-connection-lines. */
    CONNECTIONS_SUPPRESSED("connections_suppressed", "event", List.of("network"), List.of("info"), true);

    /** event.action, and the name of the kind in docs/events.md. */
    public final String action;
    public final String ecsKind;
    public final List<String> categories;
    public final List<String> types;
    /** Whether the event is about TCP connection attempts (network.transport is tcp). */
    public final boolean tcp;
    /** The kind's constant JSON members, preformatted: the per-SYN path must not allocate. */
    final byte[] json;

    EventKind(String action, String ecsKind, List<String> categories, List<String> types, boolean tcp) {
        this.action = action;
        this.ecsKind = ecsKind;
        this.categories = categories;
        this.types = types;
        this.tcp = tcp;
        this.json = (",\"event.kind\":\"" + ecsKind + "\",\"event.category\":" + array(categories)
                + ",\"event.type\":" + array(types) + ",\"event.action\":\"" + action + "\""
                + (tcp ? ",\"network.transport\":\"tcp\"" : "")).getBytes(StandardCharsets.US_ASCII);
    }

    private static String array(List<String> values) {
        return values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(",", "[", "]"));
    }
}
