package org.synwatch.ring;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * How the consumer waits for an empty ring. While SYNs keep coming it parks briefly and wakes by
 * itself, {@value #FIRST_PAUSE_NANOS} ns at first, doubling up to {@value #LONGEST_PAUSE_NANOS} ns,
 * so the producer has nothing to wake: the Disruptor's blocking strategies make a consumer that
 * keeps up sleep at every empty ring and the producer wake it through a lock and a futex call,
 * which cost the capture thread 120 ns a SYN, more than parsing it. After {@value #QUIET_NANOS} ns
 * without a SYN the link is quiet: the consumer sleeps until the producer wakes it, so an idle
 * agent costs no CPU and the first SYN after a quiet spell is handled at once. Every
 * {@code idleNanos} of emptiness the wait ends in a {@link TimeoutException}, so the handler's
 * {@code onTimeout} runs.
 */
final class ParkingWaitStrategy implements WaitStrategy {
    static final long FIRST_PAUSE_NANOS = 20_000;
    static final long LONGEST_PAUSE_NANOS = 200_000;
    static final long QUIET_NANOS = 50_000_000;
    private final long idleNanos;
    private volatile Thread sleeper;
    /** The sequence the consumer last waited for, and since when: quiet lasts across idle timeouts. */
    private long awaited = -1;
    private long awaitedSince;

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
        long start = System.nanoTime();
        if (sequence != awaited) {
            awaited = sequence;
            awaitedSince = start;
        }
        while ((available = dependentSequence.get()) < sequence) {
            barrier.checkAlert();
            long now = System.nanoTime();
            long waited = now - start;
            if (waited >= idleNanos) {
                throw TimeoutException.INSTANCE;
            }
            if (now - awaitedSince < QUIET_NANOS) {
                LockSupport.parkNanos(pause);
                pause = Math.min(2 * pause, LONGEST_PAUSE_NANOS);
            } else {
                // Announce the sleep, then look once more: a SYN published before the producer could
                // see the announcement is found here; one published after, the producer wakes us for.
                sleeper = Thread.currentThread();
                // The cursor's get() is an acquire, not a volatile read: on arm64 it could pass the
                // store above without this fence.
                VarHandle.fullFence();
                if (dependentSequence.get() < sequence && !barrier.isAlerted()) {
                    LockSupport.parkNanos(this, idleNanos - waited);
                }
                sleeper = null;
            }
        }
        return available;
    }

    /** After each publish: wakes a sleeping consumer. A full fence orders the publish before the check (Dekker). */
    @Override
    public void signalAllWhenBlocking() {
        VarHandle.fullFence();
        Thread sleeping = sleeper;
        if (sleeping != null) {
            LockSupport.unpark(sleeping);
        }
    }
}
