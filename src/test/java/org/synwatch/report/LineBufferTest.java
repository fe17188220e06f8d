package org.synwatch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Decimal text as Long.toString writes it, on both sides of every digit count and of the int range. */
class LineBufferTest {
    private static String decimal(long value) {
        LineBuffer buffer = new LineBuffer(4);
        return buffer.append('<').appendDecimal(value).append('>').toString();
    }

    @Test
    void decimalsMatchLongToString() {
        LongStream.concat(
                LongStream.of(0, 1, 9, 10, 99, 100, 255, 256, 999, 1000, 65_535, 65_536, 99_999, 100_000,
                        Integer.MAX_VALUE - 1L, Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, 9_999_999_999L,
                        Long.MAX_VALUE, -1, -10, -65_535, Integer.MIN_VALUE, -Long.MAX_VALUE),
                new SplittableRandom(5).longs(10_000).map(v -> v >> (v & 63)))
                .forEach(v -> assertEquals("<" + v + ">", decimal(v), "value " + v));
    }

    /** Every port, one after another in one buffer: what a shorter one leaves past its digits is overwritten. */
    @Test
    void everyNumberBelowOneHundredThousandAsLongToStringWritesIt() {
        LineBuffer buffer = new LineBuffer(4);
        StringBuilder expected = new StringBuilder();
        for (int value = 0; value < 100_000; value++) {
            buffer.appendDecimal(value).append(',');
            expected.append(value).append(',');
        }
        assertEquals(expected.toString(), buffer.toString());
    }

    /** Every 16-bit group, with and without its colon, one after another in one buffer that grows as it goes. */
    @Test
    void everyHexGroupAsIntegerToHexStringWritesIt() {
        LineBuffer buffer = new LineBuffer(1);
        StringBuilder expected = new StringBuilder();
        for (int group = 0; group < 0x10000; group++) {
            boolean colon = (group & 1) == 0;
            buffer.appendHexGroup(group, colon).append(',');
            expected.append(colon ? ":" : "").append(Integer.toHexString(group)).append(',');
        }
        assertEquals(expected.toString(), buffer.toString());
    }

    @Test
    void paddedDecimalsKeepTheirWidth() {
        LineBuffer buffer = new LineBuffer(4);
        buffer.appendDecimal(7, 2).append(' ').appendDecimal(2021, 4).append(' ').appendDecimal(42, 6);
        assertEquals("07 2021 000042", buffer.toString());
    }
}
