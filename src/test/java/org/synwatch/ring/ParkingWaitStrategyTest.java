package org.synwatch.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.RingBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.synwatch.packet.SynHeader;

/**
 * A consumer asleep on a quiet ring is woken by the next publish, or by a halt, and not by its idle
 * timeout: here that timeout is an hour, so a lost wake-up fails the test instead of slowing it.
 */
class ParkingWaitStrategyTest {
    private static final Duration LIMIT = Duration.ofSeconds(20);
    private static final long QUIET_MILLIS = TimeUnit.NANOSECONDS.toMillis(ParkingWaitStrategy.QUIET_NANOS);

    private final List<Integer> received = new CopyOnWriteArrayList<>();
    private final RingBuffer<SynHeader> ring = RingBuffer.createSingleProducer(SynHeader::new, 8,
            new ParkingWaitStrategy(TimeUnit.HOURS.toNanos(1)));
    private final BatchEventProcessor<SynHeader> processor = new BatchEventProcessorBuilder()
            .build(ring, ring.newBarrier(), (syn, sequence, endOfBatch) -> received.add(syn.dstPort));

    private void publish(int port) {
        long sequence = ring.next();
        ring.get(sequence).dstPort = port;
        ring.publish(sequence);
    }

    @Test
    void aPublishWakesAConsumerThatFellAsleepOnAQuietRing() {
        ring.addGatingSequences(processor.getSequence());
        Thread consumer = Thread.ofPlatform().start(processor);
        assertTimeoutPreemptively(LIMIT, () -> {
            for (int port = 1; port <= 3; port++) {
                Thread.sleep(4 * QUIET_MILLIS);   // quiet: the consumer now sleeps until woken
                publish(port);
                while (received.size() < port) {
                    Thread.sleep(1);
                }
            }
            processor.halt();
            consumer.join();
        });
        assertEquals(List.of(1, 2, 3), received);
    }

    @Test
    void aHaltWakesASleepingConsumer() {
        ring.addGatingSequences(processor.getSequence());
        Thread consumer = Thread.ofPlatform().start(processor);
        assertTimeoutPreemptively(LIMIT, () -> {
            Thread.sleep(4 * QUIET_MILLIS);
            processor.halt();
            consumer.join();
        });
        assertFalse(consumer.isAlive());
    }
}
