package org.synwatch.report;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** An ASCII byte buffer that formats numbers and addresses without allocating. */
public final class LineBuffer {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private byte[] bytes;
    private int length;

    public LineBuffer(int initialCapacity) {
        bytes = new byte[initialCapacity];
    }

    public int length() {
        return length;
    }

    public LineBuffer append(byte[] ascii) {
        ensure(ascii.length);
        System.arraycopy(ascii, 0, bytes, length, ascii.length);
        length += ascii.length;
        return this;
    }

    public LineBuffer append(LineBuffer other) {
        ensure(other.length);
        System.arraycopy(other.bytes, 0, bytes, length, other.length);
        length += other.length;
        return this;
    }

    public LineBuffer append(char c) {
        ensure(1);
        bytes[length++] = (byte) c;
        return this;
    }

    public LineBuffer appendDecimal(long value) {
        if (value < 0) {
            append('-');
            value = -value;
        }
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) {
            digits++;
        }
        ensure(digits);
        for (int i = length + digits - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        length += digits;
        return this;
    }

    /** Decimal padded with zeros to {@code width} digits. */
    public LineBuffer appendDecimal(long value, int width) {
        for (long limit = 10, w = 1; w < width; w++, limit *= 10) {
            if (value < limit) {
                append('0');
            }
        }
        return appendDecimal(value);
    }

    /** Lower-case hex without leading zeros, as in IPv6 text. */
    public LineBuffer appendHex(int value) {
        int digits = Math.max(1, (35 - Integer.numberOfLeadingZeros(value)) / 4);
        ensure(digits);
        for (int i = digits - 1; i >= 0; i--) {
            bytes[length++] = HEX[(value >>> (i * 4)) & 0xF];
        }
        return this;
    }

    public void writeTo(OutputStream out) throws IOException {
        out.write(bytes, 0, length);
        length = 0;
    }

    public void clear() {
        length = 0;
    }

    @Override
    public String toString() {
        return new String(bytes, 0, length, StandardCharsets.US_ASCII);
    }

    private void ensure(int extra) {
        if (length + extra > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + extra));
        }
    }
}
