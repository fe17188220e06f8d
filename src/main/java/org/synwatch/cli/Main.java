package org.synwatch.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/** Process entry point: runs the command line and exits with its status. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Thread.setDefaultUncaughtExceptionHandler(new ThreadDeathHandler(System.err, Runtime.getRuntime()::halt));
        // Event lines are written in whole batches by EventWriter, straight to the descriptor.
        FileOutputStream stdout = new FileOutputStream(FileDescriptor.out);
        int status = new Cli(stdout, System.err, Main::stopOnSignals).execute(args);
        System.exit(status);
    }

    /**
     * SIGTERM and SIGINT ask the agent to finish: it reports what it already read and the process
     * exits 0. Replacing the JVM's handlers matters: through shutdown hooks the exit status would be
     * 143 and events still in the ring could be lost. A second signal exits at once.
     */
    private static void stopOnSignals(org.synwatch.agent.Agent agent) {
        AtomicBoolean stopping = new AtomicBoolean();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> {
                if (stopping.getAndSet(true)) {
                    Runtime.getRuntime().halt(128 + signal.getNumber());
                }
                agent.requestStop();
            });
        }
        // SIGHUP re-reads the allow file, gateways and name servers; by default it would kill the JVM.
        Signal.handle(new Signal("HUP"), signal -> agent.requestReload());
    }
}
