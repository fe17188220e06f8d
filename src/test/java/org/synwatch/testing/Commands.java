package org.synwatch.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short external commands (ip, nft, ...) for tests, bounded in time. */
public final class Commands {
    private Commands() {
    }

    /** Runs {@code command}, failing the test on a non-zero exit or after 30 s. */
    public static String run(String... command) {
        Result result = tryRun(command);
        if (result.status() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + result.status() + ": " + result.output());
        }
        return result.output();
    }

    public record Result(int status, String output) {
    }

    public static Result tryRun(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, "timed out");
            }
            return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    public static boolean isRoot() {
        return "0".equals(tryRun("id", "-u").output().trim());
    }

    public static boolean available(String executable) {
        return tryRun("sh", "-c", "command -v " + executable).status() == 0;
    }

    /** The project checkout, where bin/synwatch and target/synwatch.jar live. */
    public static Path projectHome() {
        return Path.of(System.getProperty("synwatch.home", ".")).toAbsolutePath().normalize();
    }

    public static List<String> launcher(String... args) {
        List<String> command = new java.util.ArrayList<>();
        command.add(projectHome().resolve("bin/synwatch").toString());
        command.addAll(List.of(args));
        return command;
    }

    /**
     * The launcher and jar copied into {@code dir} (a @TempDir), for runs as another uid: the
     * checkout may sit where that uid cannot enter (a mktemp -d directory, /root). The copy keeps
     * the installed layout (bin/, share/synwatch/), so the launcher finds the jar beside it.
     */
    public static List<String> launcherForOtherUsers(Path dir, String... args) throws IOException {
        for (Path parent = dir.toAbsolutePath().getParent(); parent != null; parent = parent.getParent()) {
            if (!Files.getPosixFilePermissions(parent).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IllegalArgumentException(parent + " is closed to other users: give a @TempDir under /tmp");
            }
        }
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path share = Files.createDirectories(dir.resolve("share/synwatch"));
        Files.copy(projectHome().resolve("bin/synwatch"), bin.resolve("synwatch"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(projectHome().resolve("target/synwatch.jar"), share.resolve("synwatch.jar"), StandardCopyOption.REPLACE_EXISTING);
        for (Path path : List.of(dir, bin, dir.resolve("share"), share, bin.resolve("synwatch"))) {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.setPosixFilePermissions(share.resolve("synwatch.jar"), PosixFilePermissions.fromString("rw-r--r--"));
        List<String> command = new java.util.ArrayList<>();
        command.add(bin.resolve("synwatch").toString());
        command.addAll(List.of(args));
        return command;
    }
}
