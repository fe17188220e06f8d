package org.synwatch.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** bin/synwatch running as a child process, its stdout lines queued as they arrive. */
public final class SynwatchProcess implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();

    public SynwatchProcess(String... command) throws IOException {
        process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), lines);
        pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)), stderr);
    }

    private static void pump(BufferedReader reader, java.util.Collection<String> into) {
        Thread.ofVirtual().start(() -> {
            try (reader) {
                for (String line; (line = reader.readLine()) != null; ) {
                    into.add(line);
                }
            } catch (IOException ignored) {
                // The process ended.
            }
        });
    }

    /** Waits for a stderr line containing {@code fragment}; false on timeout or exit. */
    public boolean awaitStderr(String fragment, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (stderr.stream().anyMatch(l -> l.contains(fragment))) {
                return true;
            }
            if (!process.isAlive()) {
                return false;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** The next stdout line matching {@code pattern}, skipping others; null on timeout. */
    public String awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            String line = lines.poll(left, TimeUnit.NANOSECONDS);
            if (line != null && pattern.matcher(line).find()) {
                return line;
            }
        }
        return null;
    }

    /** Sends SIGTERM and waits; returns the exit status, or -1 if it did not exit in time. */
    public int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** Sends SIGINT, as Ctrl-C would, and waits; returns the exit status, or -1 on timeout. */
    public int interrupt(Duration timeout) throws InterruptedException {
        Commands.run("kill", "-INT", Long.toString(process.pid()));
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** Waits for the process to end by itself; returns its status, or -1 on timeout. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    public List<String> stderr() {
        return List.copyOf(stderr);
    }

    public List<String> remainingLines() {
        List<String> rest = new java.util.ArrayList<>();
        lines.drainTo(rest);
        return rest;
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
