package org.synwatch.block;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * synwatch's table in nftables, driven through {@code nft -f -}: every change is one script, which
 * nft applies as one atomic transaction. No shell is involved and every address in a script was
 * formatted from parsed bytes, so packet contents cannot inject nft syntax.
 *
 * <p>Layout: {@code table inet synwatch} with sets {@code blocked4}/{@code blocked6} (flags timeout:
 * the kernel expires each element, so a block never outlives its time even if synwatch dies) and
 * chains hooked on {@code input} and {@code forward} that drop their members. Nothing outside that
 * table is ever touched.
 */
public final class NftFirewall {
    public static final String TABLE = "synwatch";
    public static final String SET_IPV4 = "blocked4";
    public static final String SET_IPV6 = "blocked6";
    private static final long TIMEOUT_SECONDS = 10;
    private static final Pattern ELEMENTS = Pattern.compile("elements = \\{([^}]*)\\}", Pattern.DOTALL);

    private final List<String> nft;

    /** @param nft the command that runs nft, e.g. {@code [nft]} or one prefixed by {@code ip netns exec NS} */
    public NftFirewall(List<String> nft) {
        this.nft = List.copyOf(nft);
    }

    /**
     * Creates the table, or adopts an existing one with its live blocks: sets are only added if
     * missing, and only synwatch's own chains are rewritten, in the same transaction.
     */
    public void install() throws FirewallException {
        apply("""
                add table inet synwatch
                add set inet synwatch blocked4 { type ipv4_addr; flags timeout; }
                add set inet synwatch blocked6 { type ipv6_addr; flags timeout; }
                add chain inet synwatch input { type filter hook input priority filter - 10; policy accept; }
                add chain inet synwatch forward { type filter hook forward priority filter - 10; policy accept; }
                flush chain inet synwatch input
                flush chain inet synwatch forward
                add rule inet synwatch input ip saddr @blocked4 counter drop
                add rule inet synwatch input ip6 saddr @blocked6 counter drop
                add rule inet synwatch forward ip saddr @blocked4 counter drop
                add rule inet synwatch forward ip6 saddr @blocked6 counter drop
                """);
    }

    /** Adds every address (already formatted text) to its family's set, in one transaction. */
    public void block(List<String> ipv4, List<String> ipv6, long timeoutSeconds) throws FirewallException {
        StringBuilder script = new StringBuilder();
        appendElements(script, SET_IPV4, ipv4, timeoutSeconds);
        appendElements(script, SET_IPV6, ipv6, timeoutSeconds);
        if (!script.isEmpty()) {
            apply(script.toString());
        }
    }

    /** Removes one address; returns false if it was not blocked. */
    public boolean unblock(String address, boolean ipv6) throws FirewallException {
        boolean present = blocked().stream().anyMatch(entry -> entry.address().equals(address));
        if (present) {
            apply("delete element inet synwatch " + (ipv6 ? SET_IPV6 : SET_IPV4) + " { " + address + " }\n");
        }
        return present;
    }

    /** Deletes synwatch's table with every block in it; returns false if there was none. */
    public boolean remove() throws FirewallException {
        if (!tableExists()) {
            return false;
        }
        apply("delete table inet synwatch\n");
        return true;
    }

    public boolean tableExists() throws FirewallException {
        return run(List.of("list", "table", "inet", TABLE), null).status == 0;
    }

    /** One blocked address and nft's own text for the time it has left. */
    public record Entry(String address, String expiresIn) {
    }

    public List<Entry> blocked() throws FirewallException {
        List<Entry> entries = new ArrayList<>();
        for (String set : List.of(SET_IPV4, SET_IPV6)) {
            Result result = run(List.of("list", "set", "inet", TABLE, set), null);
            if (result.status != 0) {
                throw failure("nft list set inet synwatch " + set, result.error);
            }
            Matcher m = ELEMENTS.matcher(result.output);
            if (m.find()) {
                for (String element : m.group(1).split(",")) {
                    String[] words = element.trim().split("\\s+");
                    if (words.length == 0 || words[0].isEmpty()) {
                        continue;
                    }
                    int expires = List.of(words).indexOf("expires");
                    entries.add(new Entry(words[0], expires >= 0 && expires + 1 < words.length ? words[expires + 1] : ""));
                }
            }
        }
        return entries;
    }

    private static void appendElements(StringBuilder script, String set, List<String> addresses, long timeoutSeconds) {
        if (addresses.isEmpty()) {
            return;
        }
        script.append("add element inet synwatch ").append(set).append(" { ");
        for (int i = 0; i < addresses.size(); i++) {
            script.append(i == 0 ? "" : ", ").append(addresses.get(i)).append(" timeout ").append(timeoutSeconds).append('s');
        }
        script.append(" }\n");
    }

    private void apply(String script) throws FirewallException {
        Result result = run(List.of("-f", "-"), script);
        if (result.status != 0) {
            throw failure("nft -f -", result.error);
        }
    }

    private static FirewallException failure(String what, String error) {
        String firstLine = error.lines().filter(l -> !l.isBlank()).findFirst().orElse("failed").trim();
        FirewallException.Problem problem = error.contains("Operation not permitted")
                ? FirewallException.Problem.NOT_PERMITTED
                : error.contains("No such file or directory") ? FirewallException.Problem.TABLE_MISSING
                : FirewallException.Problem.OTHER;
        return new FirewallException(problem, what + ": " + firstLine);
    }

    private record Result(int status, String output, String error) {
    }

    /** Runs nft with its replies going to files, so a long listing cannot fill a pipe and stall it. */
    private Result run(List<String> args, String stdin) throws FirewallException {
        List<String> command = new ArrayList<>(nft);
        command.addAll(args);
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
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.US_ASCII));
                }
            }
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new FirewallException(FirewallException.Problem.OTHER, "nft did not answer in " + TIMEOUT_SECONDS + " s");
            }
            return new Result(process.exitValue(), Files.readString(output), Files.readString(error));
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
