package org.synwatch.agent;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code %journalPriority} in {@link LogConfigurator}'s pattern: the syslog priority prefix ({@code <3>} error,
 * {@code <4>} warning, {@code <6>} info, {@code <7>} debug) that journald reads from a service's
 * stderr (SyslogLevelPrefix=yes), so that {@code journalctl -p warning} finds synwatch's warnings.
 * Empty unless stderr is the journal: systemd sets JOURNAL_STREAM to the stream's device and
 * inode, and a child that inherited the variable but writes elsewhere must not print prefixes.
 */
public final class JournalPriorityConverter extends ClassicConverter {
    private static final Path STDERR = Path.of("/proc/self/fd/2");

    private boolean journal;

    @Override
    public void start() {
        journal = stderrIsJournal();
        super.start();
    }

    /** The prefix for the one-line user errors the cli prints itself, outside logback. */
    public static String errorPrefix() {
        return stderrIsJournal() ? prefix(Level.ERROR) : "";
    }

    private static boolean stderrIsJournal() {
        return isStream(System.getenv("JOURNAL_STREAM"), STDERR);
    }

    @Override
    public String convert(ILoggingEvent event) {
        return journal ? prefix(event.getLevel()) : "";
    }

    static String prefix(Level level) {
        return switch (level.toInt()) {
            case Level.ERROR_INT -> "<3>";
            case Level.WARN_INT -> "<4>";
            case Level.INFO_INT -> "<6>";
            default -> "<7>";
        };
    }

    /** Whether {@code file} is the stream JOURNAL_STREAM names ({@code DEVICE:INODE}, decimal). */
    static boolean isStream(String journalStream, Path file) {
        if (journalStream == null) {
            return false;
        }
        int colon = journalStream.indexOf(':');
        try {
            long device = Long.parseLong(journalStream.substring(0, Math.max(colon, 0)));
            long inode = Long.parseLong(journalStream.substring(colon + 1));
            return device == (Long) Files.getAttribute(file, "unix:dev")
                    && inode == (Long) Files.getAttribute(file, "unix:ino");
        } catch (NumberFormatException | IOException | UnsupportedOperationException e) {
            return false;  // not the journal's format, or no such stream: plain lines
        }
    }
}
