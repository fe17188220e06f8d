package org.synwatch.block;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * nft scripts run by the nft command ({@code nft -f -}), with no shell involved: the fallback where
 * libnftables is missing, and how tests reach a network namespace ({@code ip netns exec NS nft}).
 */
final class NftCommand implements NftExecutor {
    private static final long TIMEOUT_SECONDS = 10;

    private final List<String> nft;

    NftCommand(List<String> nft) {
        this.nft = List.copyOf(nft);
    }

    /** Replies go to files, so a long listing cannot fill a pipe and stall nft. */
    @Override
    public Reply execute(String commands) throws FirewallException {
        List<String> command = new ArrayList<>(nft);
        command.addAll(List.of("-f", "-"));
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
                in.write(commands.getBytes(StandardCharsets.US_ASCII));
            }
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new FirewallException(FirewallException.Problem.OTHER, "nft did not answer in " + TIMEOUT_SECONDS + " s");
            }
            return new Reply(process.exitValue(), Files.readString(output), Files.readString(error));
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
