package org.synwatch.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapHandleTest {
    private static final int GLOBAL_HEADER = 24;
    private static final int RECORD_HEADER = 16;

    /**
     * A capture streamed through a pipe ({@code tcpdump -w - | synwatch -r -}) can leave the read
     * waiting for the writer indefinitely. Meanwhile the JVM must still reach a safepoint (a GC, a
     * deoptimization) or every other thread stops with it: so such a read must not be a critical
     * downcall. The writer, another process, sends the first packet, then holds the pipe open
     * until this JVM has completed a GC, for 10 s at most; a GC held up by the read makes it give up
     * waiting, and say so.
     */
    @Test
    void aReadWaitingOnAPipeDoesNotHoldUpTheJvm(@TempDir Path dir) throws Exception {
        byte[] capture = Files.readAllBytes(Path.of("test-fixtures/clock-step.pcap"));
        int firstCaplen = ByteBuffer.wrap(capture, GLOBAL_HEADER + 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int firstRecordEnd = GLOBAL_HEADER + RECORD_HEADER + firstCaplen;
        Path head = Files.write(dir.resolve("head"), Arrays.copyOfRange(capture, 0, firstRecordEnd));
        Path tail = Files.write(dir.resolve("tail"), Arrays.copyOfRange(capture, firstRecordEnd, capture.length));
        Path fifo = dir.resolve("capture");
        Path gcDone = dir.resolve("gc-done");
        Path gaveUp = dir.resolve("gave-up");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor());
        Process writer = new ProcessBuilder("sh", "-c", """
                exec 3>"$1"; cat "$2" >&3
                i=0; while [ ! -e "$4" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
                [ -e "$4" ] || : >"$5"
                cat "$3" >&3""", "sh", fifo.toString(), head.toString(), tail.toString(), gcDone.toString(),
                gaveUp.toString()).inheritIO().start();
        CountDownLatch firstPacket = new CountDownLatch(1);
        AtomicInteger packets = new AtomicInteger();
        Thread reader = Thread.ofPlatform().start(() -> {
            try (PcapHandle handle = PcapHandle.openOffline(fifo)) {
                while (handle.next() == PcapHandle.PACKET) {
                    packets.incrementAndGet();
                    firstPacket.countDown();
                }
            } catch (PcapException e) {
                throw new AssertionError(e);
            }
        });
        assertTrue(firstPacket.await(10, TimeUnit.SECONDS), "the first packet");
        Thread.sleep(300);   // the reader is now waiting on the empty pipe
        System.gc();
        Files.createFile(gcDone);
        reader.join(30_000);
        assertTrue(writer.waitFor(30, TimeUnit.SECONDS));
        assertFalse(Files.exists(gaveUp), "the GC waited for the writer: the read held up the safepoint");
        assertEquals(18, packets.get(), "every packet, the pause in the pipe notwithstanding");
    }
}
