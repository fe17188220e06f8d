package org.synwatch.report;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one stream event lines go to, shared by the detector and the blocker threads: each writes
 * whole lines in one call under this lock, so lines never interleave.
 */
public final class EventOutput {
    private static final Path STDOUT = Path.of("/proc/self/fd/1");

    private final OutputStream out;

    public EventOutput(OutputStream out) {
        this.out = out;
    }

    synchronized void write(LineBuffer lines) throws IOException {
        lines.writeTo(out);
        out.flush();
    }

    /**
     * Whether a failed write means that the reader went away, as when {@code synwatch -r FILE |
     * head -1} has printed its line: stdout is a pipe or a socket, where a blocking write fails
     * only once no one reads any more (EPIPE; errno's text is locale-dependent, the file type is not).
     */
    boolean readerGone() {
        try {
            return out instanceof FileOutputStream file && file.getFD() == FileDescriptor.out
                    && Files.readSymbolicLink(STDOUT).toString().matches("(pipe|socket):\\[\\d+]");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
