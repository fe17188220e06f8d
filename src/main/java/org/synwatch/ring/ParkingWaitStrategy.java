package org.synwatch.ring;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;
import java.util.concurrent.locks.LockSupport;

/**
 * The consumer waits for the ring by parking, {@value #FIRST_PAUSE_NANOS} ns at first and doubling
 * up to {@value #LONGEST_PAUSE_NANOS} ns while it stays empty, so that the producer never has to
 * wake it: a publish is a plain release store. Blocking strategies make every publish check, with
 * an atomic exchange, whether the consumer sleeps (and then take a lock and make a futex call),
 * which cost the capture thread more than parsing the packet (120 ns a SYN, side by side). An
 * idle consumer wakes at most {@code 1e9 / LONGEST_PAUSE_NANOS} times a second, and a SYN after a
 * quiet spell waits at most that long, about a kernel block timeout. Every {@code idleNanos} of
 * emptiness the wait ends in a {@link TimeoutException}, so the handler's {@code onTimeout} runs.
 */
final class ParkingWaitStrategy implements WaitStrategy {
    static final long FIRST_PAUSE_NANOS = 20_000;
    static final long LONGEST_PAUSE_NANOS = 2_000_000;
    private final long idleNanos;

    ParkingWaitStrategy(long idleNanos) {
        this.idleNanos = idleNanos;
    }

    @Override
    public long waitFor(long sequence, Sequence cursor, Sequence dependentSequence, SequenceBarrier barrier)
            throws AlertException, TimeoutException {
        long available = dependentSequence.get();
        if (available >= sequence) {
            return available;
        }
        long pause = FIRST_PAUSE_NANOS;
        long deadline = System.nanoTime() + idleNanos;
        while ((available = dependentSequence.get()) < sequence) {
            barrier.checkAlert();
            if (System.nanoTime() - deadline >= 0) {
                throw TimeoutException.INSTANCE;
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(2 * pause, LONGEST_PAUSE_NANOS);
        }
        return available;
    }

    @Override
    public void signalAllWhenBlocking() {
        // The consumer wakes by itself.
    }
}
