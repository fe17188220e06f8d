package org.synwatch.block;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the {@link Allowlist} current on a thread of its own, so reading routes and files never
 * delays the detector: every {@link Allowlist#REFRESH_SECONDS} seconds the host's facts, and on
 * {@link #requestReload} (SIGHUP) the allow file too. Like every synwatch thread it catches nothing
 * it does not expect: an unexpected death ends the process.
 */
public final class AllowlistRefresher implements AutoCloseable {
    private final Allowlist allowlist;
    private final Thread thread;
    /** Wakes the thread early; more reload requests than one pending are one reload. */
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean reload;
    private volatile boolean stopping;

    public AllowlistRefresher(Allowlist allowlist) {
        this.allowlist = allowlist;
        thread = Thread.ofPlatform().name("synwatch-allowlist").daemon().unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    /** Safe from a signal handler: only sets a flag and wakes the thread. */
    public void requestReload() {
        reload = true;
        wake.release();
    }

    @Override
    public void close() {
        stopping = true;
        wake.release();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (!stopping) {
            try {
                wake.tryAcquire(Allowlist.REFRESH_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            wake.drainPermits();
            if (stopping) {
                return;
            }
            if (reload) {
                reload = false;
                allowlist.reload();
            } else {
                allowlist.refresh();
            }
        }
    }
}
