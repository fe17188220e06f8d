package org.synwatch.detect;

import org.synwatch.packet.SynHeader;

/** Receives the detector's verdicts, on the detector thread, in packet order. */
public interface ScanListener {
    /** A SYN that is not a retransmission. */
    void newConnection(SynHeader syn);

    /**
     * The pair of {@code syn} just crossed the threshold; {@code ports[0..count)} are the window's
     * distinct destination ports, ascending. The array is reused: copy what must outlive the call.
     * The scanner is the first {@code sourceBits} bits of the source address: all of them (32 or
     * 128) when one address made all the window's connections, else the IPv6 prefix length.
     */
    void portScan(SynHeader syn, int sourceBits, int[] ports, int count);
}
