package org.synwatch.cli;

/** The command line itself is wrong: exit status 2. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String hint;

    UsageException(String message, String hint) {
        super(message);
        this.hint = hint;
    }

    String hint() {
        return hint;
    }
}
