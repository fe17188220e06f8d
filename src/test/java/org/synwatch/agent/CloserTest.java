package org.synwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CloserTest {
    private final List<String> closed = new ArrayList<>();

    private AutoCloseable resource(String name, Exception failure) {
        return () -> {
            closed.add(name);
            if (failure != null) {
                throw failure;
            }
        };
    }

    @Test
    void closesInReverseOrderOnce() throws Exception {
        Closer closer = new Closer();
        closer.add("handle", resource("handle", null));
        closer.add("nothing", null);
        closer.add("ring", resource("ring", null));
        closer.close();
        closer.close();
        assertEquals(List.of("ring", "handle"), closed);
    }

    @Test
    void closesEverythingDespiteFailuresAndNamesTheFirst() {
        Closer closer = new Closer();
        closer.add("handle", resource("handle", new IOException("late")));
        closer.add("blocker", resource("blocker", null));
        closer.add("metrics server", resource("metrics server", new IllegalStateException("early")));
        AgentFailure failure = assertThrows(AgentFailure.class, closer::close);
        assertEquals(List.of("metrics server", "blocker", "handle"), closed);
        assertEquals("stopping failed: closing the metrics server: early", failure.getMessage());
        assertEquals(1, failure.getSuppressed().length);
        assertEquals("stopping failed: closing the handle: late", failure.getSuppressed()[0].getMessage());
    }

    @Test
    void anInterruptedCloseKeepsTheInterrupt() {
        Closer closer = new Closer();
        closer.add("blocker", resource("blocker", new InterruptedException()));
        assertThrows(AgentFailure.class, closer::close);
        assertTrue(Thread.interrupted(), "interrupt flag restored (and cleared here)");
    }

    @Test
    void detectorFailuresAreAttributedToTheirCause() {
        Agent agent = new Agent(null, OutputStream.nullOutputStream(), () -> null, "test");
        AgentFailure bug = agent.detectorFailure(new ArrayIndexOutOfBoundsException("Index 7 out of bounds for length 4"));
        assertTrue(bug.getMessage().startsWith("the detector thread failed: java.lang.ArrayIndexOutOfBoundsException"),
                bug.getMessage());
        assertTrue(bug.hint().contains("bug in synwatch"), bug.hint());
    }
}
