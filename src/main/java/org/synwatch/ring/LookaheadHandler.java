package org.synwatch.ring;

import com.lmax.disruptor.EventHandler;
import org.synwatch.packet.SynHeader;

/**
 * A consumer that is shown the next SYNs of a batch, up to {@link SynRing#LOOKAHEAD} at a time,
 * before it handles them one by one: it can start all their table loads at once, so that the
 * cache misses of many SYNs overlap instead of following one another.
 */
public interface LookaheadHandler extends EventHandler<SynHeader> {
    /** {@code upcoming[0..count)} are the SYNs {@link #onEvent} gets next, in order; valid only during this call. */
    void lookahead(SynHeader[] upcoming, int count);
}
