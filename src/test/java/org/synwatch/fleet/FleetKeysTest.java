package org.synwatch.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.synwatch.packet.SynHeader;

class FleetKeysTest {
    private static final FleetAddress V4 = FleetAddress.of(SynHeader.IPV4, 0, 0xC0000238L);
    private static final FleetAddress V6 = FleetAddress.parse("2001:0db8:0:0:0:0:0:1");

    @Test
    void keysAreUnderSynwatchWithCanonicalAddresses() {
        assertEquals("synwatch:block:192.0.2.56", FleetKeys.blockKey(V4));
        assertEquals("synwatch:block:2001:db8::1", FleetKeys.blockKey(V6));
        assertEquals("synwatch:sweep:22:192.0.2.56", FleetKeys.sweepKey(22, V4));
        assertEquals("synwatch:swept:22:2001:db8::1", FleetKeys.sweptKey(22, V6));
        assertEquals("synwatch:blocks", FleetKeys.BLOCKS_CHANNEL);
    }

    @Test
    void blockKeysReadBack() {
        assertEquals(V6, FleetKeys.blockKeyAddress("synwatch:block:2001:db8::1"));
        assertEquals(V4, FleetKeys.blockKeyAddress(FleetKeys.blockKey(V4)));
        assertNull(FleetKeys.blockKeyAddress("synwatch:sweep:22:192.0.2.56"));
        assertNull(FleetKeys.blockKeyAddress("synwatch:block:example.com"));
        assertNull(FleetKeys.blockKeyAddress("synwatch:block:10.0.0"));
    }

    @Test
    void messagesRoundTrip() {
        assertEquals(new FleetKeys.Message(true, V4, "node-a", 3_552_000),
                FleetKeys.parse(FleetKeys.blockMessage(V4, "node-a", 3_552_000)));
        assertEquals(new FleetKeys.Message(false, V6, "node.b_2", 0),
                FleetKeys.parse(FleetKeys.unblockMessage(V6, "node.b_2")));
        assertEquals("block 192.0.2.56 node-a 3552000", FleetKeys.blockMessage(V4, "node-a", 3_552_000));
    }

    @Test
    void anythingElseOnTheChannelIsRejected() {
        for (String text : new String[] {
                "", "block", "block 192.0.2.56 node-a", "block 192.0.2.56 node-a 0", "block 192.0.2.56 node-a -5",
                "block 192.0.2.56 node-a 604800001", "block 192.0.2.56 node-a 1e3", "block 192.0.2.56 node-a 99999999999999",
                "block localhost node-a 1000", "block 192.0.2.56 -node 1000", "block 192.0.2.56 node;rm 1000",
                "block 192.0.2.56  node-a 1000", "unblock 192.0.2.56 node-a 1000", "BLOCK 192.0.2.56 node-a 1000",
                "block 192.0.2.56 node-a 1000 ", "block 192.0.2.56 " + "n".repeat(64) + " 1000",
                "block 192.0.2.56 node-a 1000" + " ".repeat(200)}) {
            assertNull(FleetKeys.parse(text), text);
        }
        assertEquals(604_800_000, FleetKeys.parse("block 192.0.2.56 node-a 604800000").ttlMillis());
    }

    @Test
    void remainingTimeRoundsUpAndNeverOutlastsLocalPolicy() {
        assertEquals(3552, FleetKeys.remainingSeconds(3_551_200, 3600));
        assertEquals(3552, FleetKeys.remainingSeconds(3_552_000, 3600));
        assertEquals(1, FleetKeys.remainingSeconds(1, 3600));
        assertEquals(3600, FleetKeys.remainingSeconds(604_800_000, 3600));
        assertEquals(3600, FleetKeys.remainingSeconds(3_600_001, 3600));
        assertEquals(0, FleetKeys.remainingSeconds(0, 3600));
        assertEquals(0, FleetKeys.remainingSeconds(-1, 3600));
        assertEquals(0, FleetKeys.remainingSeconds(-2, 3600));
    }
}
