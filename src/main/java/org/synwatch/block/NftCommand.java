package org.synwatch.block;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * nft scripts run by the nft command ({@code nft -f -}), with no shell involved: the fallback where
 * libnftables is missing, how listings are read in JSON, and how tests reach a network namespace
 * ({@code ip netns exec NS nft}).
 */
final class NftCommand implements NftExecutor {
    private static final long TIMEOUT_SECONDS = 10;
    /** nft 1.0.6 takes about 70 s to list a million elements in JSON (mostly in the kernel's dump). */
    private static final long LISTING_TIMEOUT_SECONDS = 600;
    /** Errors are read whole: nft's are a few lines, and a runaway one is cut here. */
    private static final int MAX_ERROR_BYTES = 64 * 1024;

    private final List<String> nft;

    NftCommand(List<String> nft) {
        this.nft = List.copyOf(nft);
    }

    /** Replies go to files, so a long listing cannot fill a pipe and stall nft. */
    @Override
    public Reply execute(String commands) throws FirewallException {
        List<String> command = new ArrayList<>(nft);
        command.addAll(List.of("-f", "-"));
        String[] output = {""};
        Reply reply = run(command, commands, file -> output[0] = Files.readString(file));
        return new Reply(reply.status(), output[0], reply.error());
    }

    /**
     * The listing is read from nft's stdout while nft writes it: no temp file of the listing's size.
     * A watchdog kills nft if it has not finished within {@link #LISTING_TIMEOUT_SECONDS}.
     */
    @Override
    public void listJson(List<String> words, ListingReader reader) throws FirewallException {
        List<String> command = new ArrayList<>(nft);
        command.add("-j");
        command.addAll(words);
        Path error = null;
        Process process = null;
        try {
            error = Files.createTempFile("synwatch-nft", ".err");
            try {
                process = new ProcessBuilder(command).redirectError(error.toFile()).start();
            } catch (IOException e) {
                throw new FirewallException(FirewallException.Problem.NFT_MISSING,
                        "cannot run " + String.join(" ", nft) + ": " + e.getMessage());
            }
            process.getOutputStream().close();
            Process running = process;
            Thread watchdog = Thread.ofVirtual().start(() -> {
                try {
                    if (!running.waitFor(LISTING_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                        running.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    running.destroyForcibly();
                }
            });
            IOException readFailure = null;
            boolean printed;
            try (InputStream in = new BufferedInputStream(process.getInputStream(), 64 * 1024)) {
                // nft prints nothing when it fails (no table, no permission): its error says why.
                in.mark(1);
                printed = in.read() >= 0;
                in.reset();
                if (printed) {
                    reader.read(in);
                }
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                printed = true;
                readFailure = e;
                process.destroyForcibly();
            }
            process.waitFor();
            watchdog.interrupt();
            String errorText;
            try (InputStream in = Files.newInputStream(error)) {
                errorText = new String(in.readNBytes(MAX_ERROR_BYTES), StandardCharsets.UTF_8);
            }
            if (process.exitValue() != 0 && readFailure == null || !printed) {
                throw NftFirewall.failure("nft -j " + String.join(" ", words), errorText);
            }
            if (readFailure != null) {
                throw new FirewallException(FirewallException.Problem.OTHER, "reading nft -j " + String.join(" ", words)
                        + ": " + readFailure.getMessage());
            }
        } catch (IOException e) {
            throw new FirewallException(FirewallException.Problem.OTHER, "talking to nft: " + e.getMessage());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new FirewallException(FirewallException.Problem.OTHER, "interrupted while waiting for nft");
        } finally {
            deleteQuietly(error);
        }
    }

    private interface OutputReader {
        void read(Path output) throws IOException;
    }

    /** Runs nft with {@code input} on stdin; the output file is read only if nft succeeded. */
    private Reply run(List<String> command, String input, OutputReader onSuccess) throws FirewallException {
        Path output = null;
        Path error = null;
        try {
            output = Files.createTempFile("synwatch-nft", ".out");
            error = Files.createTempFile("synwatch-nft", ".err");
            Process process;
            try {
                process = new ProcessBuilder(command).redirectOutput(output.toFile()).redirectError(error.toFile()).start();
            } catch (IOException e) {
                throw new FirewallException(FirewallException.Problem.NFT_MISSING,
                        "cannot run " + String.join(" ", nft) + ": " + e.getMessage());
            }
            try (OutputStream in = process.getOutputStream()) {
                in.write(input.getBytes(StandardCharsets.US_ASCII));
            }
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new FirewallException(FirewallException.Problem.OTHER, "nft did not answer in " + TIMEOUT_SECONDS + " s");
            }
            String errorText;
            try (InputStream in = Files.newInputStream(error)) {
                errorText = new String(in.readNBytes(MAX_ERROR_BYTES), StandardCharsets.UTF_8);
            }
            if (process.exitValue() == 0) {
                onSuccess.read(output);
            }
            return new Reply(process.exitValue(), "", errorText);
        } catch (IOException e) {
            throw new FirewallException(FirewallException.Problem.OTHER, "talking to nft: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FirewallException(FirewallException.Problem.OTHER, "interrupted while waiting for nft");
        } finally {
            deleteQuietly(output);
            deleteQuietly(error);
        }
    }

    @Override
    public String describe() {
        return String.join(" ", nft) + " -f -";
    }

    @Override
    public void close() {
        // Nothing is held between commands.
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // A leftover temp file is harmless.
            }
        }
    }
}
