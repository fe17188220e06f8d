package org.synwatch.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** nft's JSON listing, read as a stream: what nft 1.0.6 prints, and what it must never be trusted to be. */
class NftSetListingTest {
    private static List<String> read(String json) throws IOException {
        List<String> elements = new ArrayList<>();
        NftSetListing.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.US_ASCII)),
                (address, expires) -> elements.add(address + " " + expires));
        return elements;
    }

    @Test
    void readsPrefixesOfTheIntervalSet() throws IOException {
        // Verbatim from `nft -j list set` of an interval set (nftables 1.0.6): a host, a prefix with and
        // without a timeout, and a range, which is handed on as its kind's name (no address).
        String json = "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_name\": \"Lester Gooch #5\","
                + " \"json_schema_version\": 1}}, {\"set\": {\"family\": \"inet\", \"name\": \"s\", \"table\": \"t\", \"type\":"
                + " \"ipv6_addr\", \"handle\": 1, \"flags\": [\"interval\", \"timeout\"], \"elem\": [\"2001:db8::7\", {\"elem\":"
                + " {\"val\": {\"prefix\": {\"addr\": \"2001:db8:1:2::\", \"len\": 64}}, \"timeout\": 60, \"expires\": 59}},"
                + " {\"prefix\": {\"addr\": \"2001:db8:3::\", \"len\": 48}}, {\"range\": [\"2001:db8:9::1\", \"2001:db8:9::5\"]}]}}]}";
        assertEquals(List.of("2001:db8::7 -1", "2001:db8:1:2::/64 59", "2001:db8:3::/48 -1", "range -1"), read(json));
    }

    @Test
    void readsNftsOwnOutput() throws IOException {
        // Verbatim from `nft -j list set inet synwatch blocked4` (nftables 1.0.6).
        String json = "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_name\": \"Lester Gooch #5\","
                + " \"json_schema_version\": 1}}, {\"set\": {\"family\": \"inet\", \"name\": \"blocked4\", \"table\": \"synwatch\","
                + " \"type\": \"ipv4_addr\", \"handle\": 1, \"size\": 4, \"flags\": [\"timeout\"], \"elem\": [{\"elem\":"
                + " {\"val\": \"10.0.0.1\", \"timeout\": 60, \"expires\": 59}}, \"10.0.0.2\"]}}]}";
        assertEquals(List.of("10.0.0.1 59", "10.0.0.2 -1"), read(json));
        assertEquals(List.of(), read("{\"nftables\": [{\"set\": {\"name\": \"blocked6\", \"flags\": [\"timeout\"]}}]}"));
    }

    @Test
    void aMillionElementsInConstantMemory() throws IOException {
        int n = 1_000_000;
        long[] count = {0};
        InputStream generated = new InputStream() {
            private final byte[] head = "{\"nftables\": [{\"set\": {\"name\": \"blocked4\", \"elem\": [".getBytes(StandardCharsets.US_ASCII);
            private final byte[] tail = "]}}]}".getBytes(StandardCharsets.US_ASCII);
            private byte[] current = head;
            private int position;
            private int next;

            @Override
            public int read() {
                while (position == current.length) {
                    if (current == tail) {
                        return -1;
                    }
                    position = 0;
                    current = next == n ? tail : ((next == 0 ? "" : ", ") + "{\"elem\": {\"val\": \"10." + (next >> 16 & 255) + "."
                            + (next >> 8 & 255) + "." + (next & 255) + "\", \"timeout\": 3600, \"expires\": 3599}}")
                            .getBytes(StandardCharsets.US_ASCII);
                    next++;
                }
                return current[position++];
            }
        };
        NftSetListing.read(new BufferedInputStream(generated), (address, expires) -> count[0]++);
        assertEquals(n, count[0]);
    }

    @Test
    void malformedOrOversizedListingsAreErrorsNotHangs() {
        assertThrows(IOException.class, () -> read("{\"nftables\": [{\"set\": {\"elem\": [\"10.0.0.1\""));
        assertThrows(IOException.class, () -> read("{\"nftables\": [{\"set\": {\"elem\": [\"" + "1".repeat(300) + "\"]}}]}"));
        assertThrows(IOException.class, () -> read("{\"nftables\": [{\"set\": {\"elem\": [{\"elem\": {\"val\": \"10.0.0.1\","
                + " \"expires\": 99999999999999999999}}]}}]}"));
        assertThrows(IOException.class, () -> read("{\"nftables\" [}"));
    }
}
