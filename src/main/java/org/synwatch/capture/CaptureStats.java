package org.synwatch.capture;

/** libpcap's drop counters of a live handle (pcap_stats), unsigned 32-bit values widened. */
public record CaptureStats(long kernelDrops, long interfaceDrops) {
}
