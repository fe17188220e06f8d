package org.synwatch.config;

import java.net.InetSocketAddress;
import java.util.Optional;

/** Everything one run of synwatch was asked to do. */
public record Settings(CaptureSource source, DetectionSettings detection, BlockSettings block,
                       Optional<InetSocketAddress> metricsAddress, OutputFormat format, FloodSettings flood) {
    public static final int DEFAULT_METRICS_PORT = 9897;
}
