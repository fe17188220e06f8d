package org.synwatch.metrics;

import com.sun.net.httpserver.HttpServer;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import io.prometheus.client.hotspot.DefaultExports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves /metrics over HTTP on daemon threads; {@link #close} is idempotent. Hardened against
 * clients that hold a connection without finishing a request (one header byte every few seconds,
 * or a TLS hello to the plain port): simpleclient's default is a single worker, the JDK server's
 * no request timeout and a backlog of 3, so one such client stopped every scrape. Here: several
 * workers, a bounded queue (past it the JDK server closes the connection at once), a request and
 * response time limit, and a listen backlog for a burst of scrapers. The exposition stays
 * simpleclient's own handler; only the server around it is synwatch's (simpleclient's builder
 * takes an HttpServer or an executor, not both, and would replace the executor of one given).
 */
public final class MetricsServer implements AutoCloseable {
    static final int WORKERS = 4;
    static final int QUEUE = 32;
    static final int BACKLOG = 64;
    /** Seconds a client has to send its whole request, and to take the response. */
    static final int REQUEST_SECONDS = 5;
    static final int RESPONSE_SECONDS = 10;

    static {
        // Read once, when the JDK's server implementation is first used.
        System.setProperty("sun.net.httpserver.maxReqTime", Integer.toString(REQUEST_SECONDS));
        System.setProperty("sun.net.httpserver.maxRspTime", Integer.toString(RESPONSE_SECONDS));
    }

    private final HttpServer server;
    private final ThreadPoolExecutor workers;
    private boolean closed;

    public MetricsServer(InetSocketAddress address, SynwatchCollector collector) throws IOException {
        CollectorRegistry registry = new CollectorRegistry(true);
        registry.register(collector);
        DefaultExports.register(registry);
        AtomicInteger count = new AtomicInteger();
        workers = new ThreadPoolExecutor(WORKERS, WORKERS, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
                task -> Thread.ofPlatform().name("synwatch-metrics-" + count.incrementAndGet()).daemon().unstarted(task),
                new ThreadPoolExecutor.AbortPolicy());
        try {
            server = HttpServer.create(address, BACKLOG);
        } catch (IOException e) {
            workers.shutdownNow();
            throw e;
        }
        HTTPServer.HTTPMetricHandler handler = new HTTPServer.HTTPMetricHandler(registry);
        for (String path : new String[] {"/", "/metrics", "/-/healthy"}) {
            server.createContext(path, handler);
        }
        server.setExecutor(workers);
        startOnDaemonThread();
    }

    /** The server's dispatcher thread inherits daemon status from the thread that starts it. */
    private void startOnDaemonThread() {
        Thread starter = Thread.ofPlatform().daemon().unstarted(server::start);
        starter.start();
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            server.stop(0);
            workers.shutdownNow();
        }
    }
}
