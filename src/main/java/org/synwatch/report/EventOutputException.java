package org.synwatch.report;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Event lines could not be written (stdout closed or full): the output's failure, not the detector's. */
public final class EventOutputException extends UncheckedIOException {
    private static final long serialVersionUID = 1L;

    private final boolean readerGone;

    EventOutputException(IOException cause, boolean readerGone) {
        super(cause);
        this.readerGone = readerGone;
    }

    /** The reader of a pipe went away (`| head -1`): the end of the run, not a failure. */
    public boolean readerGone() {
        return readerGone;
    }
}
