package org.synwatch.cli;

/** Process exit statuses, as documented in the usage text. */
final class ExitCode {
    static final int OK = 0;
    static final int RUNTIME_ERROR = 1;
    static final int USAGE_ERROR = 2;

    private ExitCode() {
    }
}
