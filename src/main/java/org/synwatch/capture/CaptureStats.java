package org.synwatch.capture;

/** libpcap's counters of a live handle (pcap_stats), unsigned 32-bit values widened. */
public record CaptureStats(long received, long kernelDrops, long interfaceDrops) {
}
