package org.synwatch.report;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** An ASCII byte buffer that formats numbers and addresses without allocating. */
public final class LineBuffer {
    /** Per byte value: its two lower-case hex digits, little-endian in the low two bytes. */
    private static final int[] HEX_PAIRS = new int[256];
    /**
     * "0000" to "9999", little-endian in an int: a number below 100,000 (a port) is written with one
     * store, after its first digit if it has five, shifted past its leading zeros if it has fewer.
     */
    private static final int[] FOUR_DIGITS = new int[10_000];
    /** Per octet value: its digits and a '.', little-endian in the low four bytes; above them, how many digits. */
    private static final long[] OCTETS = new long[256];
    private static final VarHandle INT_AT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    static {
        for (int i = 0; i < 10_000; i++) {
            FOUR_DIGITS[i] = '0' + i / 1_000 | ('0' + i / 100 % 10) << 8 | ('0' + i / 10 % 10) << 16 | ('0' + i % 10) << 24;
        }
        byte[] hex = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        for (int b = 0; b < 256; b++) {
            HEX_PAIRS[b] = hex[b >>> 4] | hex[b & 0xF] << 8;
        }
        for (int octet = 0; octet < 256; octet++) {
            String text = octet + ".";
            long packed = (long) (text.length() - 1) << 32;
            for (int i = 0; i < text.length(); i++) {
                packed |= (long) text.charAt(i) << (8 * i);
            }
            OCTETS[octet] = packed;
        }
    }
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
        if (value >= 0 && value < 100_000) {
            return appendSmall((int) value);
        }
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

    /** 0 to 99,999, the ports of every line: one table lookup and one store of four bytes. */
    private LineBuffer appendSmall(int value) {
        ensure(5);
        if (value >= 10_000) {
            bytes[length++] = (byte) ('0' + value / 10_000);
            INT_AT.set(bytes, length, FOUR_DIGITS[value % 10_000]);
            length += 4;
        } else {
            int digits = value < 10 ? 1 : value < 100 ? 2 : value < 1_000 ? 3 : 4;
            // The bytes stored past the digits are zeros, beyond the length: the next append overwrites them.
            INT_AT.set(bytes, length, FOUR_DIGITS[value] >>> 8 * (4 - digits));
            length += digits;
        }
        return this;
    }

    /** An IPv4 address in dotted-quad form: four table lookups, each stored as one int. */
    public LineBuffer appendDottedQuad(long address) {
        ensure(16);
        for (int shift = 24; shift > 0; shift -= 8) {
            long octet = OCTETS[(int) (address >>> shift) & 0xFF];
            INT_AT.set(bytes, length, (int) octet);
            length += (int) (octet >>> 32) + 1;
        }
        long last = OCTETS[(int) address & 0xFF];
        INT_AT.set(bytes, length, (int) last);
        length += (int) (last >>> 32);
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

    /**
     * {@code ':'} if asked, then a 16-bit group in lower-case hex without leading zeros, as in IPv6
     * text: its four digits from two table lookups, stored as one int shifted past the leading zeros.
     */
    public LineBuffer appendHexGroup(int group, boolean colon) {
        ensure(5);
        if (colon) {
            bytes[length++] = ':';
        }
        int digits = (35 - Integer.numberOfLeadingZeros(group | 1)) >>> 2;
        int fourDigits = HEX_PAIRS[group >>> 8 & 0xFF] | HEX_PAIRS[group & 0xFF] << 16;
        // As in appendSmall: the zero bytes stored past the digits lie beyond the length.
        INT_AT.set(bytes, length, fourDigits >>> 8 * (4 - digits));
        length += digits;
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
