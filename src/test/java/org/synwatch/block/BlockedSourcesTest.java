package org.synwatch.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.synwatch.config.Cidr;
import org.synwatch.config.IpAddress;

/** Counting what is in the sets without listing them, and correcting the count from a listing. */
class BlockedSourcesTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong clock = new AtomicLong(5 * SECOND);
    private final BlockedSources sources = new BlockedSources(60, clock::get);

    @Test
    void aResyncForgetsWhatSomeoneRemovedKeepsWhatWasAddedMeanwhileAndAdoptsTheRest() {
        IpAddress removedByHand = IpAddress.ipv4(1);
        IpAddress kept = IpAddress.ipv4(2);
        IpAddress addedDuringListing = IpAddress.ipv4(3);
        sources.added(Cidr.host(removedByHand));
        sources.added(Cidr.host(kept));
        clock.addAndGet(SECOND);
        BlockedSources.Resync pass = sources.resync();
        pass.element(NftFirewall.SET_IPV4, "0.0.0.2", 59);
        clock.addAndGet(SECOND);
        sources.added(Cidr.host(addedDuringListing));
        pass.element(NftFirewall.SET_IPV4, "198.51.100.1", 10);
        pass.element(NftFirewall.SET_IPV6, "2001:db8::1", -1);
        pass.element(NftFirewall.SET_IPV6_NETWORKS, "not an address", 5);
        pass.finish();
        assertFalse(sources.contains(Cidr.host(removedByHand)));
        assertTrue(sources.contains(Cidr.host(kept)));
        assertTrue(sources.contains(Cidr.host(addedDuringListing)));
        assertEquals(1, pass.unreadable());
        assertEquals(3, sources.count(NftFirewall.SET_IPV4));
        assertEquals(1, sources.count(NftFirewall.SET_IPV6));
        clock.addAndGet(10 * SECOND);
        assertEquals(2, sources.count(NftFirewall.SET_IPV4), "the adopted element expired after its 10 s");
        clock.addAndGet(3600 * SECOND);
        assertEquals(0, sources.count(NftFirewall.SET_IPV4));
        assertEquals(1, sources.count(NftFirewall.SET_IPV6), "an element without a timeout stays");
    }

    @Test
    void aResyncCountsPrefixesInTheIntervalSetAndRecognisesItsOwn() throws Exception {
        Cidr ours = Cidr.parse("t", "2001:db8:1:2::/64");
        sources.added(ours);
        BlockedSources.Resync pass = sources.resync();
        pass.element(NftFirewall.SET_IPV6_NETWORKS, "2001:db8:1:2::/64", 59);
        pass.element(NftFirewall.SET_IPV6_NETWORKS, "2001:db8:9::/48", 30);
        pass.element(NftFirewall.SET_IPV6_NETWORKS, "2001:db8::7", -1);
        pass.element(NftFirewall.SET_IPV6_NETWORKS, "range", -1);
        pass.finish();
        assertTrue(sources.contains(ours));
        assertEquals(1, pass.unreadable());
        assertEquals(3, sources.count(NftFirewall.SET_IPV6_NETWORKS), "a host element of the interval set counts there");
        assertEquals(0, sources.count(NftFirewall.SET_IPV6));
        clock.addAndGet(31 * SECOND);
        assertEquals(2, sources.count(NftFirewall.SET_IPV6_NETWORKS), "the adopted /48 expired");
    }

    @Test
    void addingAgainRenewsTheTimeoutAndCountsOnce() {
        IpAddress a = IpAddress.ipv4(7);
        sources.added(Cidr.host(a));
        clock.addAndGet(50 * SECOND);
        sources.added(Cidr.host(a));
        assertEquals(1, sources.total());
        clock.addAndGet(50 * SECOND);
        assertEquals(1, sources.total(), "60 s from the second add");
        clock.addAndGet(11 * SECOND);
        assertEquals(0, sources.total());
    }
}
