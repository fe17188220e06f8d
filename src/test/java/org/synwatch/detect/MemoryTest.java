package org.synwatch.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class MemoryTest {
    @Test
    void blocksAreZeroedWritableAndFreedOnce() {
        long bytes = 3L << 20;
        Memory.Block block = Memory.allocate(this, bytes);
        long at = block.address();
        assertNotEquals(0, at);
        assertEquals(0, at % 4096, "page-aligned");
        for (long offset = 0; offset < bytes; offset += 4096 + 8) {
            assertEquals(0L, Memory.getLong(at + offset));
        }
        Memory.putLong(at + bytes - 8, -2L);
        Memory.putInt(at + 3, 0x7F00_0001);   // unaligned on purpose: entries of 12 bytes are
        Memory.putChar(at + 9, 65_535);
        assertEquals(-2L, Memory.getLong(at + bytes - 8));
        assertEquals(0x7F00_0001, Memory.getInt(at + 3));
        assertEquals(65_535, Memory.getChar(at + 9));
        block.free();
        block.free();   // a table's old block may be freed by a growth and again by its owner's cleaner
    }
}
