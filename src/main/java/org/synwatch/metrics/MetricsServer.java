package org.synwatch.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import io.prometheus.client.hotspot.DefaultExports;
import java.io.IOException;
import java.net.InetSocketAddress;

/** Serves /metrics over HTTP on daemon threads; {@link #close} is idempotent. */
public final class MetricsServer implements AutoCloseable {
    private final HTTPServer server;
    private boolean closed;

    public MetricsServer(InetSocketAddress address, SynwatchCollector collector) throws IOException {
        CollectorRegistry registry = new CollectorRegistry(true);
        registry.register(collector);
        DefaultExports.register(registry);
        server = new HTTPServer.Builder().withInetSocketAddress(address).withRegistry(registry).withDaemonThreads(true)
                .build();
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            server.close();
        }
    }
}
