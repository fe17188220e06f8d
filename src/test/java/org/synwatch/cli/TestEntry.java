package org.synwatch.cli;

import java.io.OutputStream;
import java.io.PrintStream;

/** Lets tests in other packages run a command line in-process, as Main would, without exiting. */
public final class TestEntry {
    private TestEntry() {
    }

    public static int run(String[] args, OutputStream out, PrintStream err) {
        return new Cli(out, err, agent -> { }).execute(args);
    }
}
