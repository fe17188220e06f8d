package org.synwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.synwatch.block.NftFirewall;
import org.synwatch.testing.Commands;
import org.synwatch.testing.NetworkNamespaces;

/** --block, --list-blocked and --unblock of an IPv6 prefix, against nftables in a namespace of its own. */
class PrefixBlocksIT {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private NetworkNamespaces namespaces;

    @BeforeEach
    void createNamespace() {
        assumeTrue(Commands.isRoot(), "nftables in a namespace needs root; skipped");
        assumeTrue(Commands.available("nft"), "nft is missing; skipped");
        namespaces = new NetworkNamespaces("pfx");
    }

    @AfterEach
    void deleteNamespace() {
        if (namespaces != null) {
            namespaces.close();
        }
    }

    private int run(String... args) {
        out.reset();
        err.reset();
        return new Cli(out, new PrintStream(err, true, StandardCharsets.UTF_8), agent -> { },
                () -> new NftFirewall(List.of(NetworkNamespaces.in(namespaces.target, "nft")))).execute(args);
    }

    @Test
    void aPrefixIsBlockedListedAndUnblockedAsListed() {
        assertEquals(ExitCode.OK, run("--block", "2001:db8:1:2::/64", "--force"), err::toString);
        assertTrue(out.toString(StandardCharsets.US_ASCII).endsWith(": Blocked 2001:db8:1:2::/64 for 1h\n"), out::toString);
        assertEquals(ExitCode.OK, run("--block", "2001:db8::7", "--force"), err::toString);

        assertEquals(ExitCode.OK, run("--list-blocked"));
        List<String> listed = out.toString(StandardCharsets.US_ASCII).lines().map(l -> l.split(" ")[0]).sorted().toList();
        assertEquals(List.of("2001:db8:1:2::/64", "2001:db8::7"), listed);

        assertEquals(ExitCode.OK, run("--unblock", "2001:db8:1:2::/64"), err::toString);
        assertEquals("Unblocked 2001:db8:1:2::/64\n", out.toString(StandardCharsets.US_ASCII));
        assertEquals(ExitCode.RUNTIME_ERROR, run("--unblock", "2001:db8:1:2::/64"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("2001:db8:1:2::/64 is not blocked"), err::toString);
        assertEquals(ExitCode.OK, run("--list-blocked"));
        assertEquals(List.of("2001:db8::7"), out.toString(StandardCharsets.US_ASCII).lines().map(l -> l.split(" ")[0]).toList());
    }
}
