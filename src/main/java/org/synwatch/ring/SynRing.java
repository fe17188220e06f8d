package org.synwatch.ring;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.LiteTimeoutBlockingWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.synwatch.packet.SynHeader;

/**
 * LMAX Disruptor ring of preallocated {@link SynHeader}s with one consumer thread. A live producer
 * uses {@link #tryPublish}: when the ring is full the header is dropped and counted, because
 * stalling capture would only move the loss into the kernel, where it is harder to see. Replaying a
 * file has no such deadline, so it uses {@link #publish} and waits instead of losing events.
 */
public final class SynRing implements AutoCloseable {
    public static final int DEFAULT_SIZE = 1 << 16;
    /**
     * An idle consumer wakes this often and calls the handler's {@code onTimeout}, so that the
     * handler can finish what depends on the clock (a held-back line count) without a SYN.
     */
    public static final long IDLE_WAKE_MILLIS = 500;
    /** How long a replay waits between checks of a full ring: about one detector batch. */
    private static final long FULL_RING_PAUSE_NANOS = 50_000;

    private final RingBuffer<SynHeader> ring;
    private final BatchEventProcessor<SynHeader> processor;
    private final Thread consumer;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param handler runs on the consumer thread for every header, in order
     * @param onFailure runs on the consumer thread if the handler throws; the consumer then stops
     */
    public SynRing(int size, EventHandler<SynHeader> handler, Consumer<Throwable> onFailure) {
        // Sleep on a lock that the producer only touches when the consumer is actually asleep. Live
        // SYNs arrive in kernel blocks, so the consumer wakes once per block and drains it; spinning
        // between blocks (PhasedBackoff, 20 µs then 200 µs of yields) cost a third more CPU, taken
        // from the capture thread on a busy two-core host.
        ring = RingBuffer.createSingleProducer(SynHeader::new, size,
                new LiteTimeoutBlockingWaitStrategy(IDLE_WAKE_MILLIS, TimeUnit.MILLISECONDS));
        processor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), handler);
        processor.setExceptionHandler(new StopOnFailure(onFailure, this));
        ring.addGatingSequences(processor.getSequence());
        consumer = Thread.ofPlatform().name("synwatch-detector").daemon().unstarted(processor);
    }

    public void start() {
        consumer.start();
    }

    /** Copies {@code header} into the next slot; returns false, counting a drop, if the ring is full. */
    public boolean tryPublish(SynHeader header) {
        if (!ring.hasAvailableCapacity(1)) {
            dropped.incrementAndGet();
            return false;
        }
        write(header);
        return true;
    }

    /**
     * Copies {@code header} into the next slot, waiting for the consumer while the ring is full.
     * Returns false, publishing nothing, if the consumer has stopped and never will make room.
     */
    public boolean publish(SynHeader header) {
        while (!ring.hasAvailableCapacity(1)) {
            if (closed.get() || !consumer.isAlive()) {
                return false;
            }
            LockSupport.parkNanos(FULL_RING_PAUSE_NANOS);
        }
        write(header);
        return true;
    }

    private void write(SynHeader header) {
        long sequence = ring.next();
        try {
            ring.get(sequence).copyFrom(header);
        } finally {
            ring.publish(sequence);
        }
    }

    public long dropped() {
        return dropped.get();
    }

    /**
     * Waits until the consumer has handled every published header (or {@code timeout} passes), then
     * stops it. Returns whether everything was handled.
     */
    public boolean drainAndStop(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean drained;
        while (!(drained = processor.getSequence().get() >= ring.getCursor())
                && consumer.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        close();
        consumer.join(timeout.toMillis() + 1);
        return drained;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            processor.halt();
        }
    }

    /** Reports the failure and halts the consumer: one failed event means the detector's state is suspect. */
    private record StopOnFailure(Consumer<Throwable> onFailure, SynRing ring) implements ExceptionHandler<SynHeader> {
        @Override
        public void handleEventException(Throwable failure, long sequence, SynHeader event) {
            onFailure.accept(failure);
            ring.close();
        }

        @Override
        public void handleOnStartException(Throwable failure) {
            onFailure.accept(failure);
        }

        @Override
        public void handleOnShutdownException(Throwable failure) {
            onFailure.accept(failure);
        }
    }
}
