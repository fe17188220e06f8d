package org.synwatch.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.List;
import java.util.OptionalInt;
import org.synwatch.config.Cidr;
import org.synwatch.config.IpAddress;
import org.synwatch.config.OutputFormat;
import org.synwatch.detect.ScanListener;
import org.synwatch.packet.SynHeader;

/**
 * Formats events, as text lines or JSON objects with Elastic Common Schema field names (the schema:
 * docs/events.md; the kinds: {@link EventKind}), into one buffer and hands them to the output in a
 * single write per batch, so a live reader sees each batch at once and a replay is not
 * syscall-bound. One instance per thread: the detector and the blocker each have their own.
 */
public final class EventWriter implements ScanListener {
    private static final byte[] NEW_CONNECTION = ": New connection: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PORT_SCAN = ": Port scan detected: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BLOCKED = ": Blocked ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WOULD_BLOCK = ": Would block ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NOT_BLOCKING = ": Not blocking ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ARROW = " -> ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ON_PORTS = " on ports ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FOR = " for ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DRY_RUN = " (dry run)".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FLEET = " (fleet: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PORT_SWEEP = ": Port sweep detected: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HOSTS_ON_PORT = " hosts on port ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NOT_SHOWN = " new connections not shown (over --max-connection-lines "
            .getBytes(StandardCharsets.US_ASCII);

    /** synwatch.schema_version: raised whenever a field of docs/events.md changes meaning or goes away. */
    public static final int SCHEMA_VERSION = 1;
    /** The ECS release whose field names and allowed values docs/events.md follows. */
    public static final String ECS_VERSION = "8.11.0";

    private static final byte[] JSON_TIME = "{\"@timestamp\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_ECS = ("\",\"ecs.version\":\"" + ECS_VERSION + "\"").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_NETWORK_TYPE = ",\"network.type\":\"ipv".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_SOURCE_IP = "\",\"source.ip\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_SOURCE_ADDRESS = "\",\"source.address\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_SOURCE_PORT = "\",\"source.port\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_DESTINATION_IP = ",\"destination.ip\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_DESTINATION_IP_AFTER_SOURCE = "\",\"destination.ip\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_DESTINATION_PORT = "\",\"destination.port\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_PORTS = "\",\"synwatch.ports\":[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_TIMEOUT = "\",\"synwatch.block_timeout_seconds\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_REASON = "\",\"synwatch.reason\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_FLEET_ORIGIN = ",\"synwatch.fleet.origin\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_SWEEP_HOST_COUNT = ",\"synwatch.sweep.host_count\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_SWEEP_HOSTS = ",\"synwatch.sweep.hosts\":[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_COUNT = ",\"synwatch.count\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_LIMIT = ",\"synwatch.max_connection_lines\":".getBytes(StandardCharsets.US_ASCII);

    /** Flushes early when a huge batch would otherwise grow the buffer without bound. */
    private static final int FLUSH_THRESHOLD = 64 * 1024;

    private final EventOutput out;
    private final boolean json;
    private final TimestampText time;
    /** The members every JSON object ends with (observer, schema version) and its closing brace. */
    private final byte[] jsonEnd;
    private final LineBuffer buffer = new LineBuffer(FLUSH_THRESHOLD + 512);
    /** New connection lines allowed per second of packet time; Long.MAX_VALUE for no limit. */
    private final long maxConnectionLines;
    /** The packet-time second of the latest New connection, and what it printed and held back. */
    private long lineSecond = Long.MIN_VALUE;
    private long linesThisSecond;
    private long suppressed;

    /** A writer without a limit on New connection lines (the blocker's, which writes none). */
    public EventWriter(EventOutput out, ZoneId zone, OutputFormat format, Observer observer) {
        this(out, zone, format, observer, OptionalInt.empty());
    }

    /**
     * @param maxConnectionLines New connection lines per second of packet time; past it, that
     *                           second's others are counted into one line printed once it is over
     */
    public EventWriter(EventOutput out, ZoneId zone, OutputFormat format, Observer observer,
                       OptionalInt maxConnectionLines) {
        this.out = out;
        this.json = format == OutputFormat.JSON;
        this.time = new TimestampText(zone, json);
        this.maxConnectionLines = maxConnectionLines.isPresent() ? maxConnectionLines.getAsInt() : Long.MAX_VALUE;
        StringBuilder end = new StringBuilder(",\"observer.hostname\":").append(jsonString(observer.hostname()));
        observer.interfaceName().ifPresent(name -> end.append(",\"observer.ingress.interface.name\":").append(jsonString(name)));
        this.jsonEnd = end.append(",\"synwatch.schema_version\":").append(SCHEMA_VERSION).append('}')
                .toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void newConnection(SynHeader syn) {
        long second = Math.floorDiv(syn.timestampMicros, 1_000_000L);
        if (second != lineSecond) {
            reportSuppressed();
            lineSecond = second;
            linesThisSecond = 0;
        }
        if (linesThisSecond == maxConnectionLines) {
            suppressed++;
            return;
        }
        linesThisSecond++;
        if (json) {
            jsonStart(syn.timestampMicros, EventKind.NEW_CONNECTION, syn.family);
            buffer.append(JSON_SOURCE_IP);
            appendAddress(syn.family, syn.srcHi, syn.srcLo);
            buffer.append(JSON_SOURCE_PORT).appendDecimal(syn.srcPort).append(JSON_DESTINATION_IP);
            appendAddress(syn.family, syn.dstHi, syn.dstLo);
            buffer.append(JSON_DESTINATION_PORT).appendDecimal(syn.dstPort).append(jsonEnd);
        } else {
            time.append(buffer, syn.timestampMicros);
            buffer.append(NEW_CONNECTION);
            appendEndpoint(syn.family, syn.srcHi, syn.srcLo, syn.srcPort);
            buffer.append(ARROW);
            appendEndpoint(syn.family, syn.dstHi, syn.dstLo, syn.dstPort);
        }
        endLine();
    }

    @Override
    public void portScan(SynHeader syn, int sourceBits, int[] ports, int count) {
        if (json) {
            jsonStart(syn.timestampMicros, EventKind.PORT_SCAN, syn.family);
            buffer.append(JSON_SOURCE_IP);
            appendAddress(syn.family, syn.srcHi, syn.srcLo);
            buffer.append(JSON_SOURCE_ADDRESS);
            appendSource(syn.family, syn.srcHi, syn.srcLo, sourceBits);
            buffer.append(JSON_DESTINATION_IP_AFTER_SOURCE);
            appendAddress(syn.family, syn.dstHi, syn.dstLo);
            buffer.append(JSON_PORTS);
        } else {
            time.append(buffer, syn.timestampMicros);
            buffer.append(PORT_SCAN);
            appendSource(syn.family, syn.srcHi, syn.srcLo, sourceBits);
            buffer.append(ARROW);
            appendAddress(syn.family, syn.dstHi, syn.dstLo);
            buffer.append(ON_PORTS);
        }
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                buffer.append(',');
            }
            buffer.appendDecimal(ports[i]);
        }
        if (json) {
            buffer.append(']').append(jsonEnd);
        }
        endLine();
    }

    /**
     * {@code Blocked SRC for 1h}, or with {@code dryRun} {@code Would block SRC for 1h (dry run)}:
     * SRC is an address, or an IPv6 prefix in CIDR form.
     */
    public void blocked(long timeMicros, Cidr source, long timeoutSeconds, boolean dryRun) {
        blocked(timeMicros, source, timeoutSeconds, dryRun, null);
    }

    /**
     * As above; a fleet decision ({@code origin} is the peer that made it, else null) ends with
     * {@code (fleet: ORIGIN)} and gives its remaining time in every unit, {@code 59m12s}.
     */
    public void blocked(long timeMicros, Cidr source, long timeoutSeconds, boolean dryRun, String origin) {
        if (json && dryRun) {
            notBlocked(timeMicros, source, "dry_run", origin);
            return;
        }
        if (json) {
            jsonStart(timeMicros, EventKind.BLOCKED, source.network().family());
            appendJsonSource(source);
            buffer.append(JSON_TIMEOUT).appendDecimal(timeoutSeconds);
            jsonOrigin(origin);
            buffer.append(jsonEnd);
        } else {
            time.append(buffer, timeMicros);
            buffer.append(dryRun ? WOULD_BLOCK : BLOCKED);
            appendSource(source);
            buffer.append(FOR);
            if (origin == null) {
                appendDuration(timeoutSeconds);
            } else {
                appendRemaining(timeoutSeconds);
            }
            textOrigin(origin);
            if (dryRun) {
                buffer.append(DRY_RUN);
            }
        }
        endLine();
    }

    /** {@code Not blocking SRC: REASON}. */
    public void notBlocked(long timeMicros, Cidr source, String reason) {
        notBlocked(timeMicros, source, reason, null);
    }

    /** {@code Not blocking SRC: REASON}, with {@code (fleet: ORIGIN)} for a peer's decision. */
    public void notBlocked(long timeMicros, Cidr source, String reason, String origin) {
        if (json) {
            jsonStart(timeMicros, EventKind.NOT_BLOCKED, source.network().family());
            appendJsonSource(source);
            // A keyword: the text's words joined by '_' (name server -> name_server).
            buffer.append(JSON_REASON).append(reason.replace(' ', '_').getBytes(StandardCharsets.US_ASCII)).append('"');
            jsonOrigin(origin);
            buffer.append(jsonEnd);
        } else {
            time.append(buffer, timeMicros);
            buffer.append(NOT_BLOCKING);
            appendSource(source);
            buffer.append(':').append(' ').append(reason.getBytes(StandardCharsets.US_ASCII));
            textOrigin(origin);
        }
        endLine();
    }

    /**
     * {@code Port sweep detected: SRC -> 11 hosts on port 22}; JSON lists the hosts (as many as the
     * caller read) beside the exact count. Hosts are addresses the fleet validated: no escaping.
     */
    public void portSweep(long timeMicros, IpAddress source, int port, long hostCount, List<String> hosts) {
        Cidr host = Cidr.host(source);
        if (json) {
            jsonStart(timeMicros, EventKind.PORT_SWEEP, source.family());
            appendJsonSource(host);
            buffer.append(JSON_DESTINATION_PORT).appendDecimal(port).append(JSON_SWEEP_HOST_COUNT).appendDecimal(hostCount)
                    .append(JSON_SWEEP_HOSTS);
            for (int i = 0; i < hosts.size(); i++) {
                if (i > 0) {
                    buffer.append(',');
                }
                buffer.append('"').append(hosts.get(i).getBytes(StandardCharsets.US_ASCII)).append('"');
            }
            buffer.append(']').append(jsonEnd);
        } else {
            time.append(buffer, timeMicros);
            buffer.append(PORT_SWEEP);
            appendSource(host);
            buffer.append(ARROW).appendDecimal(hostCount).append(HOSTS_ON_PORT).appendDecimal(port);
        }
        endLine();
    }

    /**
     * {@code C new connections not shown (over --max-connection-lines N)}, stamped with the start
     * of the second they belong to.
     */
    public void connectionsSuppressed(long secondMicros, long count, long limit) {
        if (json) {
            buffer.append(JSON_TIME);
            time.append(buffer, secondMicros);
            buffer.append(JSON_ECS).append(EventKind.CONNECTIONS_SUPPRESSED.json).append(JSON_COUNT).appendDecimal(count)
                    .append(JSON_LIMIT).appendDecimal(limit).append(jsonEnd);
        } else {
            time.append(buffer, secondMicros);
            buffer.append(':').append(' ').appendDecimal(count).append(NOT_SHOWN).appendDecimal(limit).append(')');
        }
        endLine();
    }

    /**
     * Prints the line for New connections held back in the latest second, if any: called when a
     * later second starts, at the end, and live once the wall clock has left that second.
     */
    public void reportSuppressed() {
        if (suppressed > 0) {
            connectionsSuppressed(lineSecond * 1_000_000L, suppressed, maxConnectionLines);
            suppressed = 0;
        }
    }

    /** {@link #reportSuppressed} once the second of the held-back lines is over at {@code nowMicros}. */
    public void reportSuppressedBefore(long nowMicros) {
        if (Math.floorDiv(nowMicros, 1_000_000L) > lineSecond) {
            reportSuppressed();
        }
    }

    /** Writes everything formatted so far; called at the end of each batch and at shutdown. */
    public void flush() {
        if (buffer.length() == 0) {
            return;
        }
        try {
            out.write(buffer);
        } catch (IOException e) {
            buffer.clear();
            throw new EventOutputException(e, out.readerGone());
        }
    }

    /** {@code {"@timestamp":...,"network.type":"ipv4}: preformatted bytes, as the per-SYN path must not allocate. */
    private void jsonStart(long timeMicros, EventKind kind, int family) {
        buffer.append(JSON_TIME);
        time.append(buffer, timeMicros);
        buffer.append(JSON_ECS).append(kind.json).append(JSON_NETWORK_TYPE).appendDecimal(family);
    }

    /** A JSON string literal, for the observer's names (once per writer, not per event). */
    private static String jsonString(String text) {
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c < 0x20) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }

    private void endLine() {
        buffer.append('\n');
        if (buffer.length() >= FLUSH_THRESHOLD) {
            flush();
        }
    }

    /** 3600 → 1h, 90 → 90s, 120 → 2m: the largest unit that divides it, as the flags are written. */
    private void appendDuration(long seconds) {
        if (seconds % 3600 == 0) {
            buffer.appendDecimal(seconds / 3600).append('h');
        } else if (seconds % 60 == 0) {
            buffer.appendDecimal(seconds / 60).append('m');
        } else {
            buffer.appendDecimal(seconds).append('s');
        }
    }

    private void appendEndpoint(int family, long hi, long lo, int port) {
        if (family == SynHeader.IPV6) {
            buffer.append('[');
            AddressText.appendIpv6(buffer, hi, lo);
            buffer.append(']');
        } else {
            buffer.appendDottedQuad(lo);
        }
        buffer.append(':').appendDecimal(port);
    }

    /** 3552 → 59m12s, 3600 → 1h, 3601 → 1h0m1s: a remaining time, to the second. */
    private void appendRemaining(long seconds) {
        long hours = seconds / 3600;
        long minutes = seconds % 3600 / 60;
        long rest = seconds % 60;
        if (hours > 0) {
            buffer.appendDecimal(hours).append('h');
        }
        if (minutes > 0 || hours > 0 && rest > 0) {
            buffer.appendDecimal(minutes).append('m');
        }
        if (rest > 0 || seconds == 0) {
            buffer.appendDecimal(rest).append('s');
        }
    }

    private void textOrigin(String origin) {
        if (origin != null) {
            buffer.append(FLEET).append(origin.getBytes(StandardCharsets.US_ASCII)).append(')');
        }
    }

    /** Origins are node names the fleet validated ({@code FleetSettings.NODE_NAME}): no escaping needed. */
    private void jsonOrigin(String origin) {
        if (origin != null) {
            buffer.append(JSON_FLEET_ORIGIN).append(origin.getBytes(StandardCharsets.US_ASCII)).append('"');
        }
    }

    private void appendAddress(int family, long hi, long lo) {
        AddressText.append(buffer, family, hi, lo);
    }

    /**
     * {@code source.ip} stays an address (a prefix's first), and {@code source.address} names the
     * source as the text line does, as for a port scan.
     */
    private void appendJsonSource(Cidr source) {
        IpAddress network = source.network();
        buffer.append(JSON_SOURCE_IP);
        appendAddress(network.family(), network.hi(), network.lo());
        buffer.append(JSON_SOURCE_ADDRESS);
        appendSource(source);
    }

    private void appendSource(Cidr source) {
        IpAddress network = source.network();
        appendSource(network.family(), network.hi(), network.lo(), source.prefixLength());
    }

    /** The address's first {@code sourceBits} bits: the address itself, or a network in CIDR form. */
    private void appendSource(int family, long hi, long lo, int sourceBits) {
        if (sourceBits == (family == SynHeader.IPV4 ? 32 : 128)) {
            appendAddress(family, hi, lo);
        } else {
            appendAddress(family, hi & Cidr.maskHi(family, sourceBits), lo & Cidr.maskLo(family, sourceBits));
            buffer.append('/').appendDecimal(sourceBits);
        }
    }
}
