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

    /** nft's replies are discarded, its errors go to a file: nothing can fill a pipe and stall nft. */
    @Override
    public Reply execute(String commands) throws FirewallException {
        List<String> command = new ArrayList<>(nft);
        command.addAll(List.of("-f", "-"));
        Path error = null;
        try {
            error = Files.createTempFile("synwatch-nft", ".err");
            Process process = start(command, ProcessBuilder.Redirect.DISCARD, error);
            try (OutputStream in = process.getOutputStream()) {
                in.write(commands.getBytes(StandardCharsets.US_ASCII));
            }
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new FirewallException(FirewallException.Problem.OTHER, "nft did not answer in " + TIMEOUT_SECONDS + " s");
            }
            return new Reply(process.exitValue(), readError(error));
        } catch (IOException e) {
            throw talkingFailure(e);
        } catch (InterruptedException e) {
            throw interrupted();
        } finally {
            deleteQuietly(error);
        }
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
            process = start(command, ProcessBuilder.Redirect.PIPE, error);
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
            String errorText = readError(error);
            if (process.exitValue() != 0 && readFailure == null || !printed) {
                throw NftFirewall.failure("nft -j " + String.join(" ", words), errorText);
            }
            if (readFailure != null) {
                throw new FirewallException(FirewallException.Problem.OTHER, "reading nft -j " + String.join(" ", words)
                        + ": " + readFailure.getMessage());
            }
        } catch (IOException e) {
            throw talkingFailure(e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            throw interrupted();
        } finally {
            deleteQuietly(error);
        }
    }

    /** Starts nft with its stdout sent to {@code output} and its stderr to {@code errorFile}. */
    private Process start(List<String> command, ProcessBuilder.Redirect output, Path errorFile) throws FirewallException {
        try {
            return new ProcessBuilder(command).redirectOutput(output).redirectError(errorFile.toFile()).start();
        } catch (IOException e) {
            throw new FirewallException(FirewallException.Problem.NFT_MISSING,
                    "cannot run " + String.join(" ", nft) + ": " + e.getMessage());
        }
    }

    /** nft's error, read whole up to {@link #MAX_ERROR_BYTES}. */
    private static String readError(Path errorFile) throws IOException {
        try (InputStream in = Files.newInputStream(errorFile)) {
            return new String(in.readNBytes(MAX_ERROR_BYTES), StandardCharsets.UTF_8);
        }
    }

    private static FirewallException talkingFailure(IOException e) {
        return new FirewallException(FirewallException.Problem.OTHER, "talking to nft: " + e.getMessage());
    }

    /** Restores the interrupt and says why nft was given up. */
    private static FirewallException interrupted() {
        Thread.currentThread().interrupt();
        return new FirewallException(FirewallException.Problem.OTHER, "interrupted while waiting for nft");
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
