package org.synwatch.capture;

/** A libpcap call failed; the message names the call and carries libpcap's own text. */
public final class PcapException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong, as far as an operator's next step is concerned. */
    public enum Problem {
        LIBRARY_MISSING, NO_SUCH_DEVICE, PERMISSION_DENIED, INTERFACE_DOWN, INTERFACE_GONE, FILE_MISSING, FILE_UNREADABLE, BAD_FILE,
        UNSUPPORTED_LINK_TYPE, OTHER
    }

    private final Problem problem;

    public PcapException(Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
