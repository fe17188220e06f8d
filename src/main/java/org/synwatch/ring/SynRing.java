package org.synwatch.ring;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
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
     * SYNs a {@link LookaheadHandler} is shown at once: enough for their cache misses to overlap
     * (a core keeps a few dozen loads in flight), few enough that their lines stay in L1/L2.
     */
    public static final int LOOKAHEAD = 32;
    /** The most SYNs the consumer handles before handing their slots back to the producer (and, live, writing its lines). */
    static final int MAX_BATCH = 1024;
    /**
     * An idle consumer wakes this often and calls the handler's {@code onTimeout}, so that the
     * handler can finish what depends on the clock (a held-back line count) without a SYN.
     */
    public static final long IDLE_WAKE_MILLIS = 500;
    /**
     * How long a replay waits between checks of a full ring: about the time the detector takes for
     * one batch ({@value #MAX_BATCH} SYNs at about 450 ns), the room it hands back at once. Shorter,
     * the producer wakes several times a batch for nothing: 50 µs cost 25,000 context switches on
     * the bench's 10M file. The ring holds 64 batches, so the detector never runs dry meanwhile.
     */
    private static final long FULL_RING_PAUSE_NANOS = 500_000;

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
        // Park rather than spin: spinning between live kernel blocks (PhasedBackoff, 20 µs then
        // 200 µs of yields) cost a third more CPU, taken from the capture thread on a busy two-core host.
        ring = RingBuffer.createSingleProducer(SynHeader::new, size,
                new ParkingWaitStrategy(TimeUnit.MILLISECONDS.toNanos(IDLE_WAKE_MILLIS)));
        // The consumer hands slots back at the end of each batch: unbounded, a batch is the whole
        // full ring, and the producer waits for all of it, then the consumer for the producer.
        processor = new BatchEventProcessorBuilder().setMaxBatchSize(MAX_BATCH).build(ring, ring.newBarrier(),
                handler instanceof LookaheadHandler lookahead ? new Lookahead(ring, lookahead) : handler);
        processor.setExceptionHandler(new StopOnFailure(onFailure, this));
        ring.addGatingSequences(processor.getSequence());
        consumer = Thread.ofPlatform().name("synwatch-detector").daemon().unstarted(processor);
    }

    public void start() {
        consumer.start();
    }

    /** The thread that runs the handler. */
    public Thread consumer() {
        return consumer;
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

    /**
     * Shows a {@link LookaheadHandler} each run of up to {@link #LOOKAHEAD} SYNs of a batch before
     * passing them on one by one. Runs on the consumer thread; the array is reused.
     */
    private static final class Lookahead implements EventHandler<SynHeader> {
        private final RingBuffer<SynHeader> ring;
        private final LookaheadHandler handler;
        private final SynHeader[] upcoming = new SynHeader[LOOKAHEAD];
        private long batchSize;
        private long batchEnd = -1;
        private long shownUpTo = -1;

        Lookahead(RingBuffer<SynHeader> ring, LookaheadHandler handler) {
            this.ring = ring;
            this.handler = handler;
        }

        @Override
        public void onBatchStart(long batchSize, long queueDepth) {
            this.batchSize = batchSize;
            handler.onBatchStart(batchSize, queueDepth);
        }

        @Override
        public void onEvent(SynHeader syn, long sequence, boolean endOfBatch) throws Exception {
            if (batchSize != 0) {
                batchEnd = sequence + batchSize - 1;
                batchSize = 0;
            }
            if (sequence > shownUpTo) {
                int count = (int) Math.min(LOOKAHEAD, batchEnd - sequence + 1);
                for (int i = 0; i < count; i++) {
                    upcoming[i] = ring.get(sequence + i);
                }
                handler.lookahead(upcoming, count);
                shownUpTo = sequence + count - 1;
            }
            handler.onEvent(syn, sequence, endOfBatch);
        }

        @Override
        public void onTimeout(long sequence) throws Exception {
            handler.onTimeout(sequence);
        }

        @Override
        public void onStart() {
            handler.onStart();
        }

        @Override
        public void onShutdown() {
            handler.onShutdown();
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
