package org.synwatch.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * bin/synwatch running as a child process, its stdout lines queued as they arrive. Its output goes
 * to files that are tailed, not to pipes: the JDK closes a child's pipe streams when the child
 * exits, and a reader blocked on one then fails with "Stream closed" and loses the last lines
 * (what synwatch writes while stopping).
 */
public final class SynwatchProcess implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final Path stdoutFile;
    private final Path stderrFile;
    private final Thread stdoutPump;
    private final Thread stderrPump;

    public SynwatchProcess(String... command) throws IOException {
        stdoutFile = Files.createTempFile("synwatch-", ".stdout");
        stderrFile = Files.createTempFile("synwatch-", ".stderr");
        process = new ProcessBuilder(command).redirectOutput(stdoutFile.toFile()).redirectError(stderrFile.toFile()).start();
        process.getOutputStream().close();
        stdoutPump = tail(stdoutFile, lines);
        stderrPump = tail(stderrFile, stderr);
    }

    /** Reads {@code file}'s lines as they are written, until the process has exited and all is read. */
    private Thread tail(Path file, Collection<String> into) {
        return Thread.ofVirtual().start(() -> {
            try (FileChannel channel = FileChannel.open(file)) {
                ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                while (true) {
                    boolean exited = !process.isAlive();   // checked first: then a read at the end has seen everything
                    if (channel.read(buffer) > 0) {
                        buffer.flip();
                        while (buffer.hasRemaining()) {
                            byte b = buffer.get();
                            if (b == '\n') {
                                into.add(line.toString(StandardCharsets.UTF_8));
                                line.reset();
                            } else {
                                line.write(b);
                            }
                        }
                        buffer.clear();
                    } else if (exited) {
                        if (line.size() > 0) {
                            into.add(line.toString(StandardCharsets.UTF_8));
                        }
                        return;
                    } else {
                        Thread.sleep(5);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
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
        return awaitExit(timeout);
    }

    /** Sends SIGINT, as Ctrl-C would, and waits; returns the exit status, or -1 on timeout. */
    public int interrupt(Duration timeout) throws InterruptedException {
        Commands.run("kill", "-INT", Long.toString(process.pid()));
        return awaitExit(timeout);
    }

    /**
     * Waits for the process to end by itself, and for what it wrote last to be read; returns its
     * status, or -1 on timeout.
     */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return -1;
        }
        stdoutPump.join(timeout);
        stderrPump.join(timeout);
        return process.exitValue();
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
    public void close() throws IOException {
        process.destroyForcibly();
        Files.deleteIfExists(stdoutFile);
        Files.deleteIfExists(stderrFile);
    }
}
