package org.synwatch.capture;

import java.util.concurrent.atomic.AtomicLong;

/** What the capture loop saw, readable from any thread. captured = syns + ignored + malformed. */
public final class CaptureCounters {
    final AtomicLong captured = new AtomicLong();
    final AtomicLong syns = new AtomicLong();
    final AtomicLong ignored = new AtomicLong();
    final AtomicLong malformed = new AtomicLong();

    public long captured() {
        return captured.get();
    }

    public long syns() {
        return syns.get();
    }

    public long ignored() {
        return ignored.get();
    }

    public long malformed() {
        return malformed.get();
    }
}
