package org.synwatch.report;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The one stream event lines go to, shared by the detector and the blocker threads: each writes
 * whole lines in one call under this lock, so lines never interleave.
 */
public final class EventOutput {
    private final OutputStream out;

    public EventOutput(OutputStream out) {
        this.out = out;
    }

    synchronized void write(LineBuffer lines) throws IOException {
        lines.writeTo(out);
        out.flush();
    }
}
