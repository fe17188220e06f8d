package org.synwatch.block;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.synwatch.config.Cidr;
import org.synwatch.config.IpAddress;
import org.synwatch.report.AddressText;

/**
 * synwatch's table in nftables. Every change is one nft script, which nftables applies as one
 * atomic transaction, run in-process through libnftables or by the nft command. No shell is
 * involved and every address in a script was formatted from parsed bytes, so packet contents
 * cannot inject nft syntax.
 *
 * <p>Layout: {@code table inet synwatch} with sets {@code blocked4}/{@code blocked6} (flags timeout:
 * the kernel expires each element, so a block never outlives its time even if synwatch dies; a
 * {@code size}, so the kernel refuses elements past {@code --max-blocked} even if synwatch's own
 * count were wrong), the interval set {@code blocked6net} for IPv6 prefixes ({@code --ipv6-prefix};
 * a set of its own, so sets of earlier versions are adopted unchanged; a prefix is one element of
 * its size), and chains hooked on {@code input} and {@code forward} that drop their members.
 * Nothing outside that table is ever touched.
 */
public final class NftFirewall implements AutoCloseable {
    public static final String TABLE = "synwatch";
    /** How commands name the table: {@code inet synwatch}. */
    public static final String TABLE_SPEC = "inet " + TABLE;
    public static final String SET_IPV4 = "blocked4";
    public static final String SET_IPV6 = "blocked6";
    public static final String SET_IPV6_NETWORKS = "blocked6net";
    /** Every set, in the order listings go through them. */
    public static final List<String> SETS = List.of(SET_IPV4, SET_IPV6, SET_IPV6_NETWORKS);
    private static final Logger LOG = LoggerFactory.getLogger(NftFirewall.class);

    private final NftExecutor nft;

    /** @param nft the command that runs nft, e.g. {@code [nft]} or one prefixed by {@code ip netns exec NS} */
    public NftFirewall(List<String> nft) {
        this(new NftCommand(nft));
    }

    /** Tests give an executor that stands in for nft. */
    NftFirewall(NftExecutor nft) {
        this.nft = nft;
    }

    /**
     * In-process through libnftables where it is installed (it comes with nftables), else the nft
     * command; why, once, at debug level (and in {@code --version}).
     */
    public static NftFirewall open() {
        Optional<Libnftables> library = Libnftables.open();
        if (library.isPresent()) {
            return new NftFirewall(library.get());
        }
        LOG.debug("blocking through the nft command: libnftables unavailable ({})",
                Libnftables.unavailableReason().orElse("unknown"));
        return new NftFirewall(new NftCommand(List.of("nft")));
    }

    /** For {@code --version}: what blocking would go through, and why not libnftables if not. */
    public static String mechanism() {
        try (NftFirewall firewall = open()) {
            return firewall.describe() + Libnftables.unavailableReason().map(r -> " (libnftables unavailable: " + r + ")").orElse("");
        }
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
     * missing (an existing set takes the new size), and only synwatch's own chains are rewritten,
     * in the same transaction.
     *
     * @param maxElements each set's size: the kernel refuses elements beyond it
     */
    public void install(int maxElements) throws FirewallException {
        apply(String.join("\n",
                "add table " + TABLE_SPEC,
                "add set " + TABLE_SPEC + " " + SET_IPV4 + " { type ipv4_addr; flags timeout; size " + maxElements + "; }",
                "add set " + TABLE_SPEC + " " + SET_IPV6 + " { type ipv6_addr; flags timeout; size " + maxElements + "; }",
                "add set " + TABLE_SPEC + " " + SET_IPV6_NETWORKS + " { type ipv6_addr; flags interval, timeout; size "
                        + maxElements + "; }",
                "add chain " + TABLE_SPEC + " input { type filter hook input priority filter - 10; policy accept; }",
                "add chain " + TABLE_SPEC + " forward { type filter hook forward priority filter - 10; policy accept; }",
                "flush chain " + TABLE_SPEC + " input",
                "flush chain " + TABLE_SPEC + " forward",
                "add rule " + TABLE_SPEC + " input ip saddr @" + SET_IPV4 + " counter drop",
                "add rule " + TABLE_SPEC + " input ip6 saddr @" + SET_IPV6 + " counter drop",
                "add rule " + TABLE_SPEC + " input ip6 saddr @" + SET_IPV6_NETWORKS + " counter drop",
                "add rule " + TABLE_SPEC + " forward ip saddr @" + SET_IPV4 + " counter drop",
                "add rule " + TABLE_SPEC + " forward ip6 saddr @" + SET_IPV6 + " counter drop",
                "add rule " + TABLE_SPEC + " forward ip6 saddr @" + SET_IPV6_NETWORKS + " counter drop",
                ""));
    }

    /**
     * Adds every source to its set (an address to its family's, an IPv6 prefix to the interval
     * set), in one transaction. Adding one already there renews its timeout. The interval set
     * refuses a prefix that overlaps a different one already in it (only possible after
     * {@code --ipv6-prefix} changed between runs, or elements added by hand): the transaction fails.
     */
    public void block(List<Cidr> sources, long timeoutSeconds) throws FirewallException {
        StringBuilder script = new StringBuilder();
        for (String set : SETS) {
            appendElements(script, set, sources.stream().filter(source -> setOf(source).equals(set)).toList(), timeoutSeconds);
        }
        if (!script.isEmpty()) {
            apply(script.toString());
        }
    }

    /**
     * Removes one address or prefix; returns false if it was not blocked. The table is listed
     * (a listing of every element) only when the delete failed for another reason.
     */
    public boolean unblock(Cidr source) throws FirewallException {
        NftExecutor.Reply reply = nft.execute("delete element " + TABLE_SPEC + " " + setOf(source)
                + " { " + AddressText.text(source) + " }\n");
        if (reply.status() == 0) {
            return true;
        }
        // nft checks an interval set itself and says so; the kernel answers ENOENT for the others.
        if (reply.error().contains("element does not exist")) {
            return false;
        }
        if (!tableExists()) {
            throw new FirewallException(FirewallException.Problem.TABLE_MISSING, "no table " + TABLE_SPEC);
        }
        FirewallException failure = failure("nft", reply.error());
        if (failure.problem() == FirewallException.Problem.TABLE_MISSING) {
            return false;  // the table is there, so it is the element that is missing
        }
        throw failure;
    }

    /** Deletes synwatch's table with every block in it; returns false if there was none. */
    public boolean remove() throws FirewallException {
        if (!tableExists()) {
            return false;
        }
        apply("delete table " + TABLE_SPEC + "\n");
        return true;
    }

    public boolean tableExists() throws FirewallException {
        return nft.execute("list table " + TABLE_SPEC + "\n").status() == 0;
    }

    /** Receives the elements of a listing, one at a time. */
    public interface ElementSink {
        /**
         * @param set one of {@link #SETS}
         * @param element an address, or a prefix in CIDR form (the interval set)
         * @param expiresSeconds seconds left, or -1 for an element without a timeout
         */
        void element(String set, String element, long expiresSeconds);
    }

    /** One blocked address or prefix and the seconds it has left (-1: no timeout). */
    public record Entry(String address, long expiresSeconds) {
        /** nft's way of writing it, to the second: {@code 59m59s}, {@code 1h}. */
        public String expiresIn() {
            if (expiresSeconds < 0) {
                return "";
            }
            long h = expiresSeconds / 3600;
            long m = expiresSeconds / 60 % 60;
            long s = expiresSeconds % 60;
            return (h > 0 ? h + "h" : "") + (m > 0 ? m + "m" : "") + (s > 0 || expiresSeconds == 0 ? s + "s" : "");
        }
    }

    /** Hands every element of every set to {@code sink}, streaming: constant memory whatever their size. */
    public void forEachBlocked(ElementSink sink) throws FirewallException {
        for (String set : SETS) {
            nft.listJson(List.of("list", "set", "inet", TABLE, set),
                    json -> NftSetListing.read(json, (element, expires) -> sink.element(set, element, expires)));
        }
    }

    /** Every element, in memory: for tests and small sets. */
    public List<Entry> blocked() throws FirewallException {
        List<Entry> entries = new ArrayList<>();
        forEachBlocked((set, element, expires) -> entries.add(new Entry(element, expires)));
        return entries;
    }

    /** The set that holds {@code source}. */
    static String setOf(Cidr source) {
        return source.network().family() == IpAddress.IPV4 ? SET_IPV4 : source.isHost() ? SET_IPV6 : SET_IPV6_NETWORKS;
    }

    private static void appendElements(StringBuilder script, String set, List<Cidr> sources, long timeoutSeconds) {
        if (sources.isEmpty()) {
            return;
        }
        script.append("add element ").append(TABLE_SPEC).append(' ').append(set).append(" { ");
        for (int i = 0; i < sources.size(); i++) {
            script.append(i == 0 ? "" : ", ").append(AddressText.text(sources.get(i)))
                    .append(" timeout ").append(timeoutSeconds).append('s');
        }
        script.append(" }\n");
    }

    private void apply(String script) throws FirewallException {
        NftExecutor.Reply reply = nft.execute(script);
        if (reply.status() != 0) {
            throw failure("nft", reply.error());
        }
    }

    static FirewallException failure(String what, String error) {
        String firstLine = error.lines().filter(l -> !l.isBlank()).findFirst().orElse("failed").trim();
        FirewallException.Problem problem = error.contains("Operation not permitted")
                ? FirewallException.Problem.NOT_PERMITTED
                : error.contains("No such file or directory") ? FirewallException.Problem.TABLE_MISSING
                // ENFILE: the set's size is reached.
                : error.contains("Too many open files in system") ? FirewallException.Problem.SET_FULL
                : FirewallException.Problem.OTHER;
        return new FirewallException(problem, what + ": " + firstLine);
    }
}
