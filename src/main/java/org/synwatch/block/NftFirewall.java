package org.synwatch.block;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * synwatch's table in nftables. Every change is one nft script, which nftables applies as one
 * atomic transaction, run in-process through libnftables or by the nft command. No shell is
 * involved and every address in a script was formatted from parsed bytes, so packet contents
 * cannot inject nft syntax.
 *
 * <p>Layout: {@code table inet synwatch} with sets {@code blocked4}/{@code blocked6} (flags timeout:
 * the kernel expires each element, so a block never outlives its time even if synwatch dies), the
 * interval set {@code blocked6net} for IPv6 prefixes ({@code --ipv6-prefix}), and chains hooked on
 * {@code input} and {@code forward} that drop their members. Nothing outside that table is ever
 * touched.
 */
public final class NftFirewall implements AutoCloseable {
    public static final String TABLE = "synwatch";
    public static final String SET_IPV4 = "blocked4";
    public static final String SET_IPV6 = "blocked6";
    public static final String SET_IPV6_NETWORKS = "blocked6net";
    private static final Pattern ELEMENTS = Pattern.compile("elements = \\{([^}]*)\\}", Pattern.DOTALL);

    private final NftExecutor nft;

    /** @param nft the command that runs nft, e.g. {@code [nft]} or one prefixed by {@code ip netns exec NS} */
    public NftFirewall(List<String> nft) {
        this(new NftCommand(nft));
    }

    private NftFirewall(NftExecutor nft) {
        this.nft = nft;
    }

    /** In-process through libnftables where it is installed (it comes with nftables), else the nft command. */
    public static NftFirewall open() {
        Optional<Libnftables> library = Libnftables.open();
        return new NftFirewall(library.isPresent() ? library.get() : new NftCommand(List.of("nft")));
    }

    public String describe() {
        return nft.describe();
    }

    @Override
    public void close() {
        nft.close();
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
                add set inet synwatch blocked6net { type ipv6_addr; flags interval, timeout; }
                add chain inet synwatch input { type filter hook input priority filter - 10; policy accept; }
                add chain inet synwatch forward { type filter hook forward priority filter - 10; policy accept; }
                flush chain inet synwatch input
                flush chain inet synwatch forward
                add rule inet synwatch input ip saddr @blocked4 counter drop
                add rule inet synwatch input ip6 saddr @blocked6 counter drop
                add rule inet synwatch input ip6 saddr @blocked6net counter drop
                add rule inet synwatch forward ip saddr @blocked4 counter drop
                add rule inet synwatch forward ip6 saddr @blocked6 counter drop
                add rule inet synwatch forward ip6 saddr @blocked6net counter drop
                """);
    }

    /**
     * Adds every address (already formatted text) to its family's set, in one transaction; an IPv6
     * network in CIDR form goes to the interval set.
     */
    public void block(List<String> ipv4, List<String> ipv6, long timeoutSeconds) throws FirewallException {
        StringBuilder script = new StringBuilder();
        appendElements(script, SET_IPV4, ipv4, timeoutSeconds);
        appendElements(script, SET_IPV6, ipv6.stream().filter(a -> !a.contains("/")).toList(), timeoutSeconds);
        appendElements(script, SET_IPV6_NETWORKS, ipv6.stream().filter(a -> a.contains("/")).toList(), timeoutSeconds);
        if (!script.isEmpty()) {
            apply(script.toString());
        }
    }

    /** Removes one address; returns false if it was not blocked. */
    public boolean unblock(String address, boolean ipv6) throws FirewallException {
        boolean present = blocked().stream().anyMatch(entry -> entry.address().equals(address));
        if (present) {
            String set = !ipv6 ? SET_IPV4 : address.contains("/") ? SET_IPV6_NETWORKS : SET_IPV6;
            apply("delete element inet synwatch " + set + " { " + address + " }\n");
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
        return nft.execute("list table inet " + TABLE + "\n").status() == 0;
    }

    /** One blocked address and nft's own text for the time it has left. */
    public record Entry(String address, String expiresIn) {
    }

    public List<Entry> blocked() throws FirewallException {
        List<Entry> entries = new ArrayList<>();
        for (String set : List.of(SET_IPV4, SET_IPV6, SET_IPV6_NETWORKS)) {
            NftExecutor.Reply reply = nft.execute("list set inet " + TABLE + " " + set + "\n");
            if (reply.status() != 0) {
                throw failure("nft list set inet synwatch " + set, reply.error());
            }
            Matcher m = ELEMENTS.matcher(reply.output());
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
        NftExecutor.Reply reply = nft.execute(script);
        if (reply.status() != 0) {
            throw failure("nft", reply.error());
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
}
