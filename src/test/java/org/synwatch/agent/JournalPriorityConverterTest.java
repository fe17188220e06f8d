package org.synwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalPriorityConverterTest {
    @Test
    void syslogPrioritiesPerLevel() {
        assertEquals("<3>", JournalPriorityConverter.prefix(Level.ERROR));
        assertEquals("<4>", JournalPriorityConverter.prefix(Level.WARN));
        assertEquals("<6>", JournalPriorityConverter.prefix(Level.INFO));
        assertEquals("<7>", JournalPriorityConverter.prefix(Level.DEBUG));
        assertEquals("<7>", JournalPriorityConverter.prefix(Level.TRACE));
    }

    @Test
    void onlyTheStreamJournalStreamNames(@TempDir Path dir) throws IOException {
        Path stream = Files.createFile(dir.resolve("stream"));
        Path other = Files.createFile(dir.resolve("other"));
        String names = Files.getAttribute(stream, "unix:dev") + ":" + Files.getAttribute(stream, "unix:ino");
        assertTrue(JournalPriorityConverter.isStream(names, stream));
        // Inherited from a parent service while writing somewhere else: no prefixes.
        assertFalse(JournalPriorityConverter.isStream(names, other));
        assertFalse(JournalPriorityConverter.isStream(null, stream));
        for (String malformed : new String[] {"", ":", "12", names + ":", "x:1", "1:x", ":" + names}) {
            assertFalse(JournalPriorityConverter.isStream(malformed, stream), malformed);
        }
        assertFalse(JournalPriorityConverter.isStream(names, dir.resolve("gone")));
    }
}
