package org.synwatch.report;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import org.synwatch.detect.ScanListener;
import org.synwatch.packet.SynHeader;

/**
 * Formats the detector's verdicts as event lines into one buffer and hands them to the output in a
 * single write per batch, so a live reader sees each batch at once and a replay is not syscall-bound.
 */
public final class EventWriter implements ScanListener {
    private static final byte[] NEW_CONNECTION = ": New connection: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PORT_SCAN = ": Port scan detected: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ARROW = " -> ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ON_PORTS = " on ports ".getBytes(StandardCharsets.US_ASCII);
    /** Flushes early when a huge batch would otherwise grow the buffer without bound. */
    private static final int FLUSH_THRESHOLD = 64 * 1024;

    private final OutputStream out;
    private final TimestampText time;
    private final LineBuffer buffer = new LineBuffer(FLUSH_THRESHOLD + 512);

    public EventWriter(OutputStream out, ZoneId zone) {
        this.out = out;
        this.time = new TimestampText(zone);
    }

    @Override
    public void newConnection(SynHeader syn) {
        time.append(buffer, syn.timestampMicros);
        buffer.append(NEW_CONNECTION);
        appendEndpoint(syn.family, syn.srcHi, syn.srcLo, syn.srcPort);
        buffer.append(ARROW);
        appendEndpoint(syn.family, syn.dstHi, syn.dstLo, syn.dstPort);
        endLine();
    }

    @Override
    public void portScan(SynHeader syn, int[] ports, int count) {
        time.append(buffer, syn.timestampMicros);
        buffer.append(PORT_SCAN);
        appendAddress(syn.family, syn.srcHi, syn.srcLo);
        buffer.append(ARROW);
        appendAddress(syn.family, syn.dstHi, syn.dstLo);
        buffer.append(ON_PORTS);
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                buffer.append(',');
            }
            buffer.appendDecimal(ports[i]);
        }
        endLine();
    }

    /** Writes everything formatted so far; called at the end of each batch and at shutdown. */
    public void flush() {
        try {
            if (buffer.length() > 0) {
                buffer.writeTo(out);
            }
            out.flush();
        } catch (IOException e) {
            buffer.clear();
            throw new UncheckedIOException(e);
        }
    }

    private void endLine() {
        buffer.append('\n');
        if (buffer.length() >= FLUSH_THRESHOLD) {
            flush();
        }
    }

    private void appendEndpoint(int family, long hi, long lo, int port) {
        if (family == SynHeader.IPV6) {
            buffer.append('[');
            AddressText.appendIpv6(buffer, hi, lo);
            buffer.append(']');
        } else {
            AddressText.appendIpv4(buffer, lo);
        }
        buffer.append(':').appendDecimal(port);
    }

    private void appendAddress(int family, long hi, long lo) {
        if (family == SynHeader.IPV6) {
            AddressText.appendIpv6(buffer, hi, lo);
        } else {
            AddressText.appendIpv4(buffer, lo);
        }
    }
}
