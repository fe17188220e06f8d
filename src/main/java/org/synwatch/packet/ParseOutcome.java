package org.synwatch.packet;

/** What the parser made of one packet; returned instead of thrown so the hot path never unwinds. */
public enum ParseOutcome {
    /** A TCP segment with SYN set and ACK clear; the header was filled in. */
    PURE_SYN,
    /** Well-formed but not ours: another protocol, another TCP flag mix, or a non-first fragment. */
    IGNORED,
    /** Truncated or internally inconsistent headers. */
    MALFORMED,
    /** IPv6 extension headers that run past the captured bytes: a larger snaplen would show them. */
    TRUNCATED
}
