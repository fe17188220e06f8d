package org.synwatch.agent;

import java.util.function.LongSupplier;
import org.synwatch.detect.Detector;
import org.synwatch.packet.SynHeader;
import org.synwatch.report.EventWriter;
import org.synwatch.ring.LookaheadHandler;

/**
 * The detector thread's work: each SYN through the detector; live, one write per batch, so a line
 * waits for no other. A replay's batches are small and many, so it writes full buffers, and what
 * it has at a batch's end or an idle wake-up only once {@link #REPLAY_FLUSH_NANOS} have passed since
 * its last write: {@code -r -} may be a capture piped in as it happens. Live, a count of
 * New connection lines held back by --max-connection-lines is printed once the wall clock has left
 * its second, at a batch's end or on the ring's idle wake-up, whichever comes first; a replay's
 * packet time is not the wall clock's, so there it waits for a later second or the end.
 */
final class DetectorHandler implements LookaheadHandler {
    static final long REPLAY_FLUSH_NANOS = 100_000_000L;

    private final Detector detector;
    private final EventWriter writer;
    private final boolean live;
    private final LongSupplier nanoClock;
    private long writtenAt;

    DetectorHandler(Detector detector, EventWriter writer, boolean live) {
        this(detector, writer, live, System::nanoTime);
    }

    /** With the clock a replay's writes are timed by: for tests. */
    DetectorHandler(Detector detector, EventWriter writer, boolean live, LongSupplier nanoClock) {
        this.detector = detector;
        this.writer = writer;
        this.live = live;
        this.nanoClock = nanoClock;
        this.writtenAt = nanoClock.getAsLong();
    }

    @Override
    public void lookahead(SynHeader[] upcoming, int count) {
        detector.lookahead(upcoming, count);
    }

    @Override
    public void onEvent(SynHeader syn, long sequence, boolean endOfBatch) {
        detector.onSyn(syn);
        if (endOfBatch) {
            endOfBatch();
        }
    }

    @Override
    public void onTimeout(long sequence) {
        endOfBatch();
    }

    private void endOfBatch() {
        detector.publishTables();
        if (live) {
            writer.reportSuppressedBefore(System.currentTimeMillis() * 1_000L);
            writer.flush();
        } else {
            long now = nanoClock.getAsLong();
            if (now - writtenAt >= REPLAY_FLUSH_NANOS) {
                writer.flush();
                writtenAt = now;
            }
        }
    }
}
