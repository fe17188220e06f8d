package org.synwatch.report;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Event lines could not be written (stdout closed or full): the output's failure, not the detector's. */
public final class EventOutputException extends UncheckedIOException {
    private static final long serialVersionUID = 1L;

    EventOutputException(IOException cause) {
        super(cause);
    }
}
