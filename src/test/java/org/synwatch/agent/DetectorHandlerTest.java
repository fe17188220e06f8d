package org.synwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.synwatch.config.DetectionSettings;
import org.synwatch.config.OutputFormat;
import org.synwatch.detect.Detector;
import org.synwatch.packet.SynHeader;
import org.synwatch.report.EventOutput;
import org.synwatch.report.EventWriter;
import org.synwatch.report.Observer;

/** When lines reach the output: live at every batch's end; a replay at most every 100 ms, and when idle. */
class DetectorHandlerTest {
    private static final long MS = 1_000_000L;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final EventWriter writer = new EventWriter(new EventOutput(out), ZoneOffset.UTC, OutputFormat.TEXT,
            new Observer("test", Optional.empty()));
    private final long[] now = {0};
    private int port = 1000;

    private SynHeader syn() {
        SynHeader syn = new SynHeader();
        syn.timestampMicros = 1_619_623_685_000_000L + port;
        syn.family = SynHeader.IPV4;
        syn.srcLo = 0xC0000238L;
        syn.dstLo = 0x0A000005L;
        syn.srcPort = port++;
        syn.dstPort = 80;
        return syn;
    }

    private long lines() {
        return out.toString(StandardCharsets.US_ASCII).lines().count();
    }

    @Test
    void liveWritesAtEveryBatchEnd() {
        DetectorHandler handler = new DetectorHandler(new Detector(DetectionSettings.defaults(), writer), writer, true,
                () -> now[0]);
        handler.onEvent(syn(), 0, false);
        assertEquals(0, lines(), "mid-batch");
        handler.onEvent(syn(), 1, true);
        assertEquals(2, lines());
    }

    @Test
    void aReplayWritesAtMostEvery100msAndWhenTheRingIsIdle() {
        DetectorHandler handler = new DetectorHandler(new Detector(DetectionSettings.defaults(), writer), writer, false,
                () -> now[0]);
        handler.onEvent(syn(), 0, true);
        now[0] = 50 * MS;
        handler.onEvent(syn(), 1, true);
        assertEquals(0, lines(), "within 100 ms of the last write");
        now[0] = 150 * MS;
        handler.onEvent(syn(), 2, true);
        assertEquals(3, lines(), "100 ms passed: everything so far");
        now[0] = 200 * MS;
        handler.onEvent(syn(), 3, true);
        assertEquals(3, lines());
        now[0] = 700 * MS;
        handler.onTimeout(3);
        assertEquals(4, lines(), "the ring's idle wake-up writes what is left");
    }
}
