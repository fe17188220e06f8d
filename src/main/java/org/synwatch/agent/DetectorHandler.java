package org.synwatch.agent;

import org.synwatch.detect.Detector;
import org.synwatch.packet.SynHeader;
import org.synwatch.report.EventWriter;
import org.synwatch.ring.LookaheadHandler;

/**
 * The detector thread's work: each SYN through the detector; live, one write per batch, so a line
 * waits for no other (a replay writes full buffers, and the rest when the ring stops). Live, a count of
 * New connection lines held back by --max-connection-lines is printed once the wall clock has left
 * its second, at a batch's end or on the ring's idle wake-up, whichever comes first; a replay's
 * packet time is not the wall clock's, so there it waits for a later second or the end.
 */
final class DetectorHandler implements LookaheadHandler {
    private final Detector detector;
    private final EventWriter writer;
    private final boolean live;

    DetectorHandler(Detector detector, EventWriter writer, boolean live) {
        this.detector = detector;
        this.writer = writer;
        this.live = live;
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
        }
    }
}
