package org.synwatch.agent;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The one place a run's resources are closed: in the reverse of the order they were opened, every
 * one of them even when an earlier one fails, the first failure reported with the later ones
 * suppressed (as Agrona's {@code CloseHelper.closeAll}). Closing twice closes nothing twice.
 */
final class Closer implements AutoCloseable {
    private record Named(String name, AutoCloseable resource) {
    }

    private final Deque<Named> opened = new ArrayDeque<>();

    /** Registers {@code resource} (null: nothing to close) and returns it. */
    <T extends AutoCloseable> T add(String name, T resource) {
        if (resource != null) {
            opened.push(new Named(name, resource));
        }
        return resource;
    }

    @Override
    public void close() throws AgentFailure {
        AgentFailure failure = null;
        while (!opened.isEmpty()) {
            Named next = opened.pop();
            try {
                next.resource().close();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                AgentFailure closing = new AgentFailure("stopping failed: closing the " + next.name() + ": " + e.getMessage(),
                        "rerun with --debug for details", e);
                if (failure == null) {
                    failure = closing;
                } else {
                    failure.addSuppressed(closing);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
