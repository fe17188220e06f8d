package org.synwatch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Address text against glibc's inet_ntop, whose output test-fixtures/ipv6-format-vectors.txt records. */
class AddressTextTest {
    private static final Path VECTORS = Path.of("test-fixtures", "ipv6-format-vectors.txt");

    private static String ipv6(String hex) {
        byte[] b = HexFormat.of().parseHex(hex);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = hi << 8 | (b[i] & 0xFF);
            lo = lo << 8 | (b[i + 8] & 0xFF);
        }
        LineBuffer out = new LineBuffer(8);
        AddressText.appendIpv6(out, hi, lo);
        return out.toString();
    }

    @Test
    void matchesGlibcForEveryVector() throws IOException {
        List<String> lines = Files.readAllLines(VECTORS);
        assertTrue(lines.size() >= 300, "vectors present");
        for (String line : lines) {
            String[] fields = line.split(" ");
            assertEquals(fields[1], ipv6(fields[0]), fields[0]);
        }
    }

    @ParameterizedTest
    @CsvSource({
        "00000000000000000000000000000000, ::",
        "00000000000000000000000000000001, ::1",
        "20010db8000000000000000000000001, 2001:db8::1",
        "20010db8000000010001000100010001, 2001:db8:0:1:1:1:1:1",
        "20010db8000000000001000000000001, 2001:db8::1:0:0:1",
        "00000000000000000000ffff01020304, ::ffff:1.2.3.4",
        "fe800000000000000000000000000000, fe80::",
    })
    void rfc5952Examples(String hex, String text) {
        assertEquals(text, ipv6(hex));
    }

    @ParameterizedTest
    @CsvSource({"0, 0.0.0.0", "3221225985, 192.0.2.1", "4294967295, 255.255.255.255", "167772165, 10.0.0.5"})
    void ipv4DottedQuads(long address, String text) {
        LineBuffer out = new LineBuffer(4);
        out.appendDottedQuad(address);
        assertEquals(text, out.toString());
    }

    /** Every octet value in every position, after every prefix length that makes the buffer grow mid-address. */
    @Test
    void dottedQuadsMatchPlainConcatenation() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            long address = i < 256 ? i * 0x01010101L : random.nextLong() & 0xFFFFFFFFL;
            String prefix = "x".repeat(i % 24);
            LineBuffer out = new LineBuffer(1 + i % 16);
            out.append(prefix.getBytes(StandardCharsets.US_ASCII)).appendDottedQuad(address).append('|');
            String expected = prefix + (address >>> 24) + "." + (address >>> 16 & 0xFF) + "."
                    + (address >>> 8 & 0xFF) + "." + (address & 0xFF) + "|";
            assertEquals(expected, out.toString());
        }
    }
}
