package org.synwatch.config;

/** How event lines are written. */
public enum OutputFormat {
    /** {@code 2021-04-28 15:28:05: New connection: ...}: for people and grep. */
    TEXT,
    /** One JSON object per line: for log shippers. */
    JSON
}
