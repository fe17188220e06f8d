package org.synwatch.config;

/** Everything one run of synwatch was asked to do. */
public record Settings(CaptureSource source, DetectionSettings detection, boolean debug) {
}
