package org.synwatch.report;

import org.synwatch.config.Cidr;
import org.synwatch.config.IpAddress;

/**
 * IP address text as glibc's inet_ntop writes it (and so as {@code ip} prints it): RFC 5952 for
 * IPv6, with its choice of dotted quads for IPv4-mapped and IPv4-compatible addresses.
 */
public final class AddressText {
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
        // The longest run of two or more zero groups becomes "::"; the first wins a tie.
        int bestStart = -1;
        int bestLength = 0;
        int runStart = -1;
        for (int i = 0; i <= 8; i++) {
            if (i < 8 && group(hi, lo, i) == 0) {
                if (runStart < 0) {
                    runStart = i;
                }
            } else if (runStart >= 0) {
                if (i - runStart > bestLength) {
                    bestStart = runStart;
                    bestLength = i - runStart;
                }
                runStart = -1;
            }
        }
        if (bestLength < 2) {
            bestStart = -1;
        }
        for (int i = 0; i < 8; i++) {
            if (bestStart >= 0 && i >= bestStart && i < bestStart + bestLength) {
                if (i == bestStart) {
                    out.append(':');
                }
                continue;
            }
            if (i != 0) {
                out.append(':');
            }
            if (i == 6 && bestStart == 0 && embedsIpv4(hi, lo, bestLength)) {
                out.appendDottedQuad(lo & 0xFFFFFFFFL);
                return;
            }
            out.appendHex(group(hi, lo, i));
        }
        if (bestStart >= 0 && bestStart + bestLength == 8) {
            out.append(':');
        }
    }

    /** glibc's rule: ::a.b.c.d (but not ::1) and ::ffff:a.b.c.d keep the IPv4 part dotted. */
    private static boolean embedsIpv4(long hi, long lo, int leadingZeroGroups) {
        return leadingZeroGroups == 6
                || (leadingZeroGroups == 7 && group(hi, lo, 7) != 1)
                || (leadingZeroGroups == 5 && group(hi, lo, 5) == 0xFFFF);
    }

    private static int group(long hi, long lo, int i) {
        long half = i < 4 ? hi : lo;
        return (int) (half >>> ((3 - (i & 3)) * 16)) & 0xFFFF;
    }
}
