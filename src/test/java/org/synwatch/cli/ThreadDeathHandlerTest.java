package org.synwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A thread that dies unexpectedly ends the process with status 1 and one line. */
class ThreadDeathHandlerTest {
    @Test
    void aDyingThreadHaltsWithStatusOneAndOneLine() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<Integer> halted = new ArrayList<>();
        Thread thread = Thread.ofPlatform().name("synwatch-blocker").unstarted(() -> {
            throw new IllegalStateException("boom");
        });
        thread.setUncaughtExceptionHandler(new ThreadDeathHandler(new PrintStream(err, true, StandardCharsets.UTF_8), halted::add));
        thread.start();
        thread.join();
        assertEquals(List.of(ExitCode.RUNTIME_ERROR), halted);
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.startsWith("synwatch: thread synwatch-blocker died: java.lang.IllegalStateException: boom (hint: "), text);
    }
}
