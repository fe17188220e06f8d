package org.synwatch.config;

import java.net.InetSocketAddress;
import java.util.Optional;

/** Everything one run of synwatch was asked to do; without {@code fleet} the agent is alone. */
public record Settings(CaptureSource source, DetectionSettings detection, BlockSettings block,
                       Optional<InetSocketAddress> metricsAddress, OutputFormat format, FloodSettings flood,
                       Optional<FleetSettings> fleet) {
    public static final int DEFAULT_METRICS_PORT = 9897;

    /** A lone agent. */
    public Settings(CaptureSource source, DetectionSettings detection, BlockSettings block,
                    Optional<InetSocketAddress> metricsAddress, OutputFormat format, FloodSettings flood) {
        this(source, detection, block, metricsAddress, format, flood, Optional.empty());
    }
}
