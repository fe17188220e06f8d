package org.synwatch.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.synwatch.testing.Syns.syn;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.synwatch.detect.ScanListener;
import org.synwatch.packet.SynHeader;

class SweepReporterTest {
    private static final long T0 = 1_619_623_685_000_000L;
    private static final long WINDOW = 60_000_000L;
    private final List<String> passedOn = new ArrayList<>();
    private final SweepReporter reporter = new SweepReporter(new ScanListener() {
        @Override
        public void newConnection(SynHeader syn) {
            passedOn.add("new " + syn.dstPort);
        }

        @Override
        public void portScan(SynHeader syn, int sourceBits, int[] ports, int count) {
            passedOn.add("scan " + count);
        }
    }, WINDOW);

    private List<SweepReporter.Report> drain() {
        List<SweepReporter.Report> reports = new ArrayList<>();
        reporter.drainTo(reports, Integer.MAX_VALUE);
        return reports;
    }

    @Test
    void passesEveryVerdictOnAndReportsTheFirstSynOfEachDestinationAndPort() {
        reporter.newConnection(syn(T0, "192.0.2.56", 40000, "10.0.0.5", 22));
        reporter.newConnection(syn(T0 + 1, "192.0.2.56", 40001, "10.0.0.5", 22));
        reporter.newConnection(syn(T0 + 2, "192.0.2.56", 40002, "10.0.0.6", 22));
        reporter.newConnection(syn(T0 + 3, "192.0.2.56", 40003, "10.0.0.5", 23));
        reporter.newConnection(syn(T0 + 4, "2001:db8::1", 40004, "2001:db8::5", 22));
        reporter.portScan(syn(T0 + 5, "192.0.2.56", 40005, "10.0.0.5", 24), 32, new int[] {22, 23, 24, 25}, 4);
        assertEquals(List.of("new 22", "new 22", "new 22", "new 23", "new 22", "scan 4"), passedOn);
        List<SweepReporter.Report> reports = drain();
        assertEquals(4, reports.size());
        assertEquals(new SweepReporter.Report(T0, FleetAddress.parse("192.0.2.56"), FleetAddress.parse("10.0.0.5"), 22),
                reports.get(0));
        assertEquals("10.0.0.6", reports.get(1).destination().text());
        assertEquals(23, reports.get(2).port());
        assertEquals("2001:db8::5", reports.get(3).destination().text());
    }

    @Test
    void reportsAgainOnceTheWindowHasPassed() {
        reporter.newConnection(syn(T0, "192.0.2.56", 40000, "10.0.0.5", 22));
        reporter.newConnection(syn(T0 + WINDOW - 1, "192.0.2.56", 40001, "10.0.0.5", 22));
        reporter.newConnection(syn(T0 + WINDOW, "192.0.2.56", 40002, "10.0.0.5", 22));
        // A clock step backwards must not silence a source for good.
        reporter.newConnection(syn(T0, "192.0.2.56", 40003, "10.0.0.5", 22));
        assertEquals(3, drain().size());
    }

    @Test
    void queueHoldsItsCapacityThenDropsAndCountsWithoutForgettingTheSource() {
        for (int i = 0; i < SweepReporter.QUEUE_CAPACITY; i++) {
            reporter.newConnection(syn(T0, source(i), 40000, "10.0.0.5", 22));
        }
        assertEquals(0, reporter.dropped());
        reporter.newConnection(syn(T0, source(SweepReporter.QUEUE_CAPACITY), 40000, "10.0.0.5", 22));
        reporter.newConnection(syn(T0, source(SweepReporter.QUEUE_CAPACITY + 1), 40000, "10.0.0.5", 22));
        assertEquals(2, reporter.dropped());
        assertEquals(SweepReporter.QUEUE_CAPACITY, drain().size());
        // The dropped source was not remembered as reported: its next SYN gets through.
        reporter.newConnection(syn(T0 + 1, source(SweepReporter.QUEUE_CAPACITY), 40001, "10.0.0.5", 22));
        List<SweepReporter.Report> after = drain();
        assertEquals(1, after.size());
        assertEquals(source(SweepReporter.QUEUE_CAPACITY), after.get(0).source().text());
        assertEquals(2, reporter.dropped());
    }

    @Test
    void drainsInBoundedBatchesAcrossTheRingsEnd() {
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < SweepReporter.QUEUE_CAPACITY - 1; i++) {
                reporter.newConnection(syn(T0 + round * WINDOW, source(i), 40000, "10.0.0.5", 22));
            }
            List<SweepReporter.Report> batch = new ArrayList<>();
            assertEquals(512, reporter.drainTo(batch, 512));
            int rest = reporter.drainTo(batch, Integer.MAX_VALUE);
            assertEquals(SweepReporter.QUEUE_CAPACITY - 1, 512 + rest);
            assertEquals(source(SweepReporter.QUEUE_CAPACITY - 2), batch.getLast().source().text());
        }
        assertEquals(0, reporter.dropped());
    }

    @Test
    void theDetectorThreadsSideNeverAllocates() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SweepReporter quiet = new SweepReporter(new ScanListener() {
            @Override
            public void newConnection(SynHeader syn) {
            }

            @Override
            public void portScan(SynHeader syn, int sourceBits, int[] ports, int count) {
            }
        }, WINDOW);
        SynHeader syn = syn(T0, "192.0.2.56", 40000, "10.0.0.5", 22);
        reporter.newConnection(syn); // class initialisation (the hash key's SecureRandom) happens once, here
        long before = threads.getCurrentThreadAllocatedBytes();
        // Fills the queue (new sources), then the drop path, then the "already reported" path.
        for (int i = 0; i < 3 * SweepReporter.QUEUE_CAPACITY; i++) {
            syn.srcLo = 0xC6330000L + i;
            quiet.newConnection(syn);
        }
        for (int i = 0; i < SweepReporter.QUEUE_CAPACITY; i++) {
            syn.srcLo = 0xC6330000L + i;
            quiet.newConnection(syn);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // At least the second pass was dropped; a few of the last pass too, whose table slots a later
        // source took over (a collision costs a repeated report, never a lost one).
        assertTrue(quiet.dropped() >= 2 * SweepReporter.QUEUE_CAPACITY, "dropped " + quiet.dropped());
        // 32,768 offers: even 16 bytes each would be 512 KiB.
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes");
    }

    private static String source(int i) {
        return "198.51." + (i >> 8) + "." + (i & 0xFF);
    }
}
