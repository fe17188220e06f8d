package org.synwatch.packet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A counter with one writing thread and any number of readers: a plain field published with a
 * release store (Agrona's {@code AtomicCounter.incrementRelease}), so the writer pays no locked
 * instruction and readers see every value in order. It lives here, in the lowest package, because
 * the parser's fragment table counts with it as well as the capture loop.
 */
public final class SingleWriterCounter {
    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(SingleWriterCounter.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through VALUE
    private long value;

    /** Writer thread only. */
    public void increment() {
        VALUE.setRelease(this, value + 1);
    }

    /** Writer thread only. */
    public void set(long newValue) {
        VALUE.setRelease(this, newValue);
    }

    /** Any thread. */
    public long get() {
        return (long) VALUE.getAcquire(this);
    }
}
