package org.synwatch.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.synwatch.packet.SynHeader;
import org.synwatch.testing.Syns;

/** The ring at its bound: wrap-around, counted drops when live, waiting when replaying, a dead consumer. */
class SynRingTest {
    private static final int SIZE = 8;
    private static final Duration LIMIT = Duration.ofSeconds(20);

    private final List<Integer> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private static SynHeader syn(int port) {
        return Syns.syn(port, "192.0.2.1", 40000, "192.0.2.2", port);
    }

    /** A consumer that records ports, stalled on its first SYN until {@link #release} opens. */
    private SynRing stalledRing() {
        return new SynRing(SIZE, (syn, sequence, endOfBatch) -> {
            release.await();
            received.add(syn.dstPort);
        }, failure::set);
    }

    @Test
    void wrapsAroundManyTimesInOrder() {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (SynRing ring = new SynRing(SIZE, (syn, sequence, endOfBatch) -> received.add(syn.dstPort), failure::set)) {
                ring.start();
                for (int port = 1; port <= 1000; port++) {
                    assertTrue(ring.publish(syn(port)));
                }
                assertTrue(ring.drainAndStop(LIMIT));
            }
        });
        assertEquals(IntStream.rangeClosed(1, 1000).boxed().toList(), received);
        assertEquals(null, failure.get());
    }

    @Test
    void liveDropsAndCountsWhatDoesNotFit() {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (SynRing ring = stalledRing()) {
                ring.start();
                int accepted = 0;
                for (int port = 1; port <= SIZE + 5; port++) {
                    accepted += ring.tryPublish(syn(port)) ? 1 : 0;
                }
                // The stalled consumer still holds the first slot, so exactly SIZE fit.
                assertEquals(SIZE, accepted);
                assertEquals(5, ring.dropped());
                release.countDown();
                assertTrue(ring.drainAndStop(LIMIT));
            }
        });
        assertEquals(IntStream.rangeClosed(1, SIZE).boxed().toList(), received);
    }

    @Test
    void replayWaitsInsteadOfDropping() throws InterruptedException {
        try (SynRing ring = stalledRing()) {
            ring.start();
            Thread producer = Thread.ofPlatform().start(() -> {
                for (int port = 1; port <= 3 * SIZE; port++) {
                    ring.publish(syn(port));
                }
            });
            producer.join(200);
            assertTrue(producer.isAlive(), "the producer waits while the ring is full");
            release.countDown();
            producer.join(LIMIT.toMillis());
            assertFalse(producer.isAlive());
            assertTrue(ring.drainAndStop(LIMIT));
            assertEquals(0, ring.dropped());
        }
        assertEquals(IntStream.rangeClosed(1, 3 * SIZE).boxed().toList(), received);
    }

    @Test
    void aFailedConsumerStopsAndReplayDoesNotHang() {
        IllegalStateException bug = new IllegalStateException("bug");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (SynRing ring = new SynRing(SIZE, (syn, sequence, endOfBatch) -> {
                throw bug;
            }, failure::set)) {
                ring.start();
                boolean published = true;
                for (int port = 1; port <= 10 * SIZE && published; port++) {
                    published = ring.publish(syn(port));
                }
                assertFalse(published, "publish gives up once the consumer is gone");
            }
        });
        assertEquals(bug, failure.get());
    }

    /** Records what it was shown ahead and what it then handled, checking that each handled SYN was shown first. */
    private static final class RecordingLookahead implements LookaheadHandler {
        final List<Integer> shown = new CopyOnWriteArrayList<>();
        final List<Integer> handled = new CopyOnWriteArrayList<>();
        final List<Integer> counts = new CopyOnWriteArrayList<>();

        @Override
        public void lookahead(SynHeader[] upcoming, int count) {
            counts.add(count);
            for (int i = 0; i < count; i++) {
                shown.add(upcoming[i].dstPort);
            }
        }

        @Override
        public void onEvent(SynHeader syn, long sequence, boolean endOfBatch) {
            handled.add(syn.dstPort);
            if (shown.size() < handled.size()) {
                throw new AssertionError("handled " + syn.dstPort + " before it was shown");
            }
        }
    }

    @Test
    void aLookaheadHandlerIsShownEverySynOnceInOrderBeforeHandlingIt() {
        RecordingLookahead handler = new RecordingLookahead();
        int syns = 5_000;
        assertTimeoutPreemptively(LIMIT, () -> {
            try (SynRing ring = new SynRing(256, handler, failure::set)) {
                ring.start();
                for (int port = 1; port <= syns; port++) {
                    assertTrue(ring.publish(syn(port)));
                }
                assertTrue(ring.drainAndStop(LIMIT));
            }
        });
        assertEquals(null, failure.get());
        List<Integer> all = IntStream.rangeClosed(1, syns).boxed().toList();
        assertEquals(all, handler.handled);
        assertEquals(all, handler.shown, "each SYN shown once, never one not yet published");
        assertTrue(handler.counts.stream().allMatch(n -> n >= 1 && n <= SynRing.LOOKAHEAD), "runs of 1.." + SynRing.LOOKAHEAD);
    }

    @Test
    void anIdleConsumerStillGetsItsTimeoutAndAWaitingOneWakesForTheNextSyn() {
        CountDownLatch timedOut = new CountDownLatch(2);
        assertTimeoutPreemptively(LIMIT, () -> {
            try (SynRing ring = new SynRing(SIZE, new com.lmax.disruptor.EventHandler<SynHeader>() {
                @Override
                public void onEvent(SynHeader syn, long sequence, boolean endOfBatch) {
                    received.add(syn.dstPort);
                }

                @Override
                public void onTimeout(long sequence) {
                    timedOut.countDown();
                }
            }, failure::set)) {
                ring.start();
                timedOut.await();
                assertTrue(ring.publish(syn(7)));
                assertTrue(ring.drainAndStop(LIMIT));
            }
        });
        assertEquals(List.of(7), received);
    }
}
