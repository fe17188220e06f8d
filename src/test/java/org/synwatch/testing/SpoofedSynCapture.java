package org.synwatch.testing;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a classic pcap of Ethernet/IPv4 SYNs from {@code sources} distinct addresses (10.0.0.0/8
 * counted up from 10.0.0.1, as a spoofed flood looks to a detector) to one destination port.
 */
public final class SpoofedSynCapture {
    private SpoofedSynCapture() {
    }

    public static Path write(Path file, int sources, long startEpochSeconds) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(0xA1B2C3D4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                    .putInt(65535).putInt(1);
            out.write(header.array());
            ByteBuffer record = ByteBuffer.allocate(16 + 54);
            for (int i = 0; i < sources; i++) {
                record.clear();
                record.order(ByteOrder.LITTLE_ENDIAN);
                long micros = i * 10L;
                record.putInt((int) (startEpochSeconds + micros / 1_000_000)).putInt((int) (micros % 1_000_000))
                        .putInt(54).putInt(54);
                record.order(ByteOrder.BIG_ENDIAN);
                record.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}).putShort((short) 0x0800);
                record.put((byte) 0x45).put((byte) 0).putShort((short) 40).putShort((short) 0).putShort((short) 0)
                        .put((byte) 64).put((byte) 6).putShort((short) 0)
                        .putInt(0x0A000001 + i).putInt(0xC0000201);
                record.putShort((short) (1024 + i % 60000)).putShort((short) 80).putInt(i).putInt(0)
                        .put((byte) 0x50).put((byte) 0x02).putShort((short) 64240).putShort((short) 0).putShort((short) 0);
                out.write(record.array(), 0, record.position());
            }
        }
        return file;
    }
}
