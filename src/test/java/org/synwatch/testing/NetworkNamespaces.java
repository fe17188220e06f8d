package org.synwatch.testing;

/**
 * A target and a client network namespace joined by a veth pair, with documentation-range
 * addresses, so tests send real traffic without touching the host's own network.
 */
public final class NetworkNamespaces implements AutoCloseable {
    public static final String TARGET_IPV4 = "192.0.2.1";
    public static final String CLIENT_IPV4 = "192.0.2.2";
    public static final String TARGET_IPV6 = "2001:db8:1::1";
    public static final String CLIENT_IPV6 = "2001:db8:1::2";

    public final String target;
    public final String client;
    public final String targetLink;
    public final String clientLink;

    public NetworkNamespaces(String tag) {
        // SYNWATCH_TEST_TAG (optional, a few characters) lets people sharing a host tell their names apart.
        String who = System.getenv().getOrDefault("SYNWATCH_TEST_TAG", "");
        long pid = ProcessHandle.current().pid() % 100000;
        target = "sw-" + tag + who + "-t" + pid;
        client = "sw-" + tag + who + "-c" + pid;
        targetLink = "swt" + tag.charAt(0) + who + pid;
        clientLink = "swc" + tag.charAt(0) + who + pid;
        close();
        Commands.run("ip", "netns", "add", target);
        Commands.run("ip", "netns", "add", client);
        Commands.run("ip", "link", "add", targetLink, "netns", target, "type", "veth", "peer", "name", clientLink,
                "netns", client);
        configure(target, targetLink, TARGET_IPV4, TARGET_IPV6);
        configure(client, clientLink, CLIENT_IPV4, CLIENT_IPV6);
    }

    private static void configure(String namespace, String link, String ipv4, String ipv6) {
        Commands.run("ip", "-n", namespace, "link", "set", "lo", "up");
        Commands.run("ip", "-n", namespace, "addr", "add", ipv4 + "/24", "dev", link);
        Commands.run("ip", "-n", namespace, "addr", "add", ipv6 + "/64", "dev", link, "nodad");
        Commands.run("ip", "-n", namespace, "link", "set", link, "up");
    }

    /** Prefixes a command so it runs inside {@code namespace}. */
    public static String[] in(String namespace, String... command) {
        String[] full = new String[command.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = namespace;
        System.arraycopy(command, 0, full, 4, command.length);
        return full;
    }

    /**
     * Sends one SYN from the client by opening a TCP connection with bash's /dev/tcp; the target has
     * no listener, so the attempt ends at once with a reset.
     */
    public void connectFromClient(String address, int port) {
        Commands.tryRun(in(client, "timeout", "3", "bash", "-c", "exec 3<>/dev/tcp/" + address + "/" + port));
    }

    @Override
    public void close() {
        Commands.tryRun("ip", "netns", "del", target);
        Commands.tryRun("ip", "netns", "del", client);
    }
}
