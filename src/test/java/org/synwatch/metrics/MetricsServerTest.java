package org.synwatch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.synwatch.block.BlockStats;
import org.synwatch.capture.CaptureCounters;
import org.synwatch.detect.DetectorStats;

/** Clients that never finish a request must not stop scrapes by others. */
class MetricsServerTest {
    /** A TLS 1.2 ClientHello's first bytes: what a scraper configured for https sends to the plain port. */
    private static final byte[] TLS_HELLO = HexFormat.of().parseHex("160301020001000" + "1fc0303");

    private static SynwatchCollector collector() {
        DetectorStats detector = new DetectorStats() {
            @Override public long newConnections(int family) { return 0; }
            @Override public long retransmissions() { return 0; }
            @Override public long scansDetected() { return 0; }
            @Override public long trackedPairs() { return 0; }
            @Override public long trackedPairsLimit() { return 0; }
            @Override public long evictedPairs(Eviction kind) { return 0; }
            @Override public long trackedSyns() { return 0; }
            @Override public long trackedSynsLimit() { return 0; }
            @Override public long forgottenSyns() { return 0; }
            @Override public long clockSteps() { return 0; }
        };
        BlockStats blocks = new BlockStats() {
            @Override public long blocks(Result result) { return 0; }
            @Override public long blockedSources() { return 0; }
        };
        return new SynwatchCollector("test", new CaptureCounters(), detector, () -> 0, blocks);
    }

    private static String scrape(InetSocketAddress address) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address, 2000);
            // Well inside the request time limit: a scrape that waits for a stuck client fails here.
            socket.setSoTimeout(MetricsServer.REQUEST_SECONDS * 1000 / 2);
            socket.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void stuckClientsDoNotStopOtherScrapes() throws Exception {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (MetricsServer server = new MetricsServer(any, collector())) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port());
            List<Socket> stuck = new ArrayList<>();
            try {
                // Fewer than the workers: each holds one, as a trickling client or a TLS hello does.
                for (int i = 0; i < MetricsServer.WORKERS - 1; i++) {
                    Socket client = new Socket();
                    client.connect(address, 2000);
                    client.getOutputStream().write(i == 0 ? TLS_HELLO : "GET /metr".getBytes(StandardCharsets.US_ASCII));
                    client.getOutputStream().flush();
                    stuck.add(client);
                }
                Thread.sleep(200);
                String reply = scrape(address);
                assertTrue(reply.startsWith("HTTP/1.1 200"), reply.lines().findFirst().orElse(""));
                assertTrue(reply.contains("synwatch_blocks_total"), "the metrics are there");
            } finally {
                for (Socket s : stuck) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aClientThatNeverFinishesItsRequestIsDisconnected() throws Exception {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (MetricsServer server = new MetricsServer(any, collector());
             Socket client = new Socket()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 2000);
            OutputStream out = client.getOutputStream();
            out.write("GET /metrics HTTP/1.1\r\nX-Trickle: ".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // The server must close it after its request time limit; generous so a loaded machine can't fail it.
            client.setSoTimeout((MetricsServer.REQUEST_SECONDS + 20) * 1000);
            InputStream in = client.getInputStream();
            assertEquals(-1, in.read(), "closed by the server");
        }
    }
}
