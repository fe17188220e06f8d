package org.synwatch.report;

import org.synwatch.config.Cidr;
import org.synwatch.config.IpAddress;

/**
 * IP address text as glibc's inet_ntop writes it (and so as {@code ip} prints it): RFC 5952 for
 * IPv6, with its choice of dotted quads for IPv4-mapped and IPv4-compatible addresses.
 */
public final class AddressText {
    private static final int[] LONGEST_ZERO_RUN = longestZeroRuns();

    private AddressText() {
    }

    /** For callers off the hot path: nft scripts, messages, command output. */
    public static String text(IpAddress address) {
        LineBuffer text = new LineBuffer(40);
        append(text, address.family(), address.hi(), address.lo());
        return text.toString();
    }

    /** An address as {@link #text(IpAddress)}; a network in CIDR form, as nft writes it: {@code 2001:db8:1:2::/64}. */
    public static String text(Cidr source) {
        String address = text(source.network());
        return source.isHost() ? address : address + "/" + source.prefixLength();
    }

    public static void append(LineBuffer out, int family, long hi, long lo) {
        if (family == IpAddress.IPV6) {
            appendIpv6(out, hi, lo);
        } else {
            out.appendDottedQuad(lo);
        }
    }

    public static void appendIpv6(LineBuffer out, long hi, long lo) {
        int zeroGroups = 0;
        for (int i = 0; i < 8; i++) {
            if (group(hi, lo, i) == 0) {
                zeroGroups |= 1 << i;
            }
        }
        int run = LONGEST_ZERO_RUN[zeroGroups];
        int runStart = run >>> 4;
        int runEnd = runStart + (run & 0xF);
        for (int i = 0; i < runStart; i++) {
            out.appendHexGroup(group(hi, lo, i), i != 0);
        }
        if (runStart == 8) {
            return;
        }
        out.append(':');
        if (runStart == 0 && embedsIpv4(hi, lo, runEnd)) {
            if (runEnd == 5) {
                out.appendHexGroup(0xFFFF, true);
            }
            out.append(':').appendDottedQuad(lo & 0xFFFFFFFFL);
            return;
        }
        if (runEnd == 8) {
            out.append(':');
        }
        for (int i = runEnd; i < 8; i++) {
            out.appendHexGroup(group(hi, lo, i), true);
        }
    }

    /**
     * The run of zero groups that becomes "::", per set of zero groups (bit i: group i is 0): the
     * longest of two or more, the first on a tie, as {@code start << 4 | length}; {@code 8 << 4} for none.
     */
    private static int[] longestZeroRuns() {
        int[] runs = new int[256];
        for (int zeros = 0; zeros < 256; zeros++) {
            int bestStart = 8;
            int bestLength = 0;
            int start = -1;
            for (int i = 0; i <= 8; i++) {
                if (i < 8 && (zeros >>> i & 1) != 0) {
                    start = start < 0 ? i : start;
                } else if (start >= 0) {
                    if (i - start > bestLength && i - start >= 2) {
                        bestStart = start;
                        bestLength = i - start;
                    }
                    start = -1;
                }
            }
            runs[zeros] = bestStart << 4 | bestLength;
        }
        return runs;
    }

    /**
     * glibc's rule: ::a.b.c.d and ::ffff:a.b.c.d keep the IPv4 part dotted. (Its clause for seven
     * leading zero groups is never reached there: group 6 lies inside the run.)
     */
    private static boolean embedsIpv4(long hi, long lo, int leadingZeroGroups) {
        return leadingZeroGroups == 6 || (leadingZeroGroups == 5 && group(hi, lo, 5) == 0xFFFF);
    }

    private static int group(long hi, long lo, int i) {
        long half = i < 4 ? hi : lo;
        return (int) (half >>> ((3 - (i & 3)) * 16)) & 0xFFFF;
    }
}
