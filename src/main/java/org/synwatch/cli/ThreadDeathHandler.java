package org.synwatch.cli;

import java.io.PrintStream;
import java.util.function.IntConsumer;

/**
 * Any synwatch thread that dies unexpectedly (the blocker, its resync, the allowlist refresher, a
 * metrics worker) ends the process, loudly and with status 1, so systemd or Kubernetes restarts
 * it: running on without it would, say, detect scanners and silently never block them. One line,
 * the stack trace only with --debug, then a halt: shutdown hooks could wait on the dead thread.
 */
final class ThreadDeathHandler implements Thread.UncaughtExceptionHandler {
    private final PrintStream err;
    private final IntConsumer halt;

    /** @param halt ends the process with the status given ({@code Runtime::halt}) */
    ThreadDeathHandler(PrintStream err, IntConsumer halt) {
        this.err = err;
        this.halt = halt;
    }

    @Override
    public void uncaughtException(Thread thread, Throwable failure) {
        err.println("synwatch: thread " + thread.getName() + " died: " + failure
                + " (hint: this is a bug in synwatch or the heap is too small; the supervisor restarts it;"
                + " report it with the stack trace from --debug)");
        if (Boolean.getBoolean(Cli.DEBUG_PROPERTY)) {
            failure.printStackTrace(err);
        }
        err.flush();
        halt.accept(ExitCode.RUNTIME_ERROR);
    }
}
