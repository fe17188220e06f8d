package org.synwatch.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.synwatch.config.Cidr;
import org.synwatch.config.IpAddress;

/**
 * What synwatch asks the kernel of its network namespace over netlink: the next hops of every
 * route (RTM_GETROUTE, all tables, both families) and whether a peer has an ESTABLISHED TCP
 * connection with this host (SOCK_DIAG_BY_FAMILY with a kernel-side filter on the remote address,
 * as {@code ss state established dst ADDR} does: one query, never a scan of /proc/net/tcp).
 */
final class KernelQueries {
    private static final int TIMEOUT_MILLIS = 1000;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_ESTABLISHED = 1;
    private static final int RTM_NEWROUTE = 24;
    private static final int RTM_GETROUTE = 26;
    private static final int RTA_GATEWAY = 5;
    private static final int RTA_MULTIPATH = 9;
    private static final int RTA_VIA = 18;
    private static final int RTMSG_LENGTH = 12;
    private static final int RTNEXTHOP_LENGTH = 8;
    private static final int SOCK_DIAG_BY_FAMILY = 20;
    private static final int INET_DIAG_REQ_BYTECODE = 1;
    private static final int INET_DIAG_BC_D_COND = 8;
    /** A full Internet routing table is about a million routes; a dump past this is cut off. */
    static final int MAX_ROUTES = 4_000_000;
    /** Distinct next hops kept; beyond it more are not protected (SystemFacts says so once). */
    static final int MAX_GATEWAYS = 4096;

    private KernelQueries() {
    }

    /** Every distinct next hop of every route, in the order the kernel lists them, at most {@link #MAX_GATEWAYS}. */
    static Set<IpAddress> gateways() throws IOException {
        Set<IpAddress> gateways = new LinkedHashSet<>();
        byte[] rtmsg = new byte[RTMSG_LENGTH];  // family AF_UNSPEC: every family, every table
        try (Netlink netlink = new Netlink(Netlink.NETLINK_ROUTE, TIMEOUT_MILLIS)) {
            netlink.request(RTM_GETROUTE, (short) (Netlink.NLM_F_REQUEST | Netlink.NLM_F_DUMP), rtmsg, MAX_ROUTES,
                    (type, payload) -> {
                        if (type == RTM_NEWROUTE && payload.remaining() >= RTMSG_LENGTH) {
                            int family = Byte.toUnsignedInt(payload.get(0));
                            addGateways(payload.slice(RTMSG_LENGTH, payload.remaining() - RTMSG_LENGTH)
                                    .order(ByteOrder.nativeOrder()), family, gateways);
                        }
                        return true;
                    });
        }
        return gateways;
    }

    /** RTA_GATEWAY, RTA_VIA (an IPv4 route through an IPv6 next hop) and each hop of RTA_MULTIPATH. */
    private static void addGateways(ByteBuffer attributes, int family, Set<IpAddress> into) {
        while (attributes.remaining() >= 4) {
            int start = attributes.position();
            int length = Short.toUnsignedInt(attributes.getShort(start));
            int type = Short.toUnsignedInt(attributes.getShort(start + 2)) & 0x3FFF;
            if (length < 4 || length > attributes.remaining()) {
                return;
            }
            ByteBuffer value = attributes.slice(start + 4, length - 4).order(ByteOrder.nativeOrder());
            if (type == RTA_GATEWAY) {
                addAddress(value, family, into);
            } else if (type == RTA_VIA && value.remaining() >= 2) {
                addAddress(value.slice(2, value.remaining() - 2), Short.toUnsignedInt(value.getShort(0)), into);
            } else if (type == RTA_MULTIPATH) {
                while (value.remaining() >= RTNEXTHOP_LENGTH) {
                    int hopStart = value.position();
                    int hopLength = Short.toUnsignedInt(value.getShort(hopStart));
                    if (hopLength < RTNEXTHOP_LENGTH || hopLength > value.remaining()) {
                        break;
                    }
                    addGateways(value.slice(hopStart + RTNEXTHOP_LENGTH, hopLength - RTNEXTHOP_LENGTH)
                            .order(ByteOrder.nativeOrder()), family, into);
                    value.position(hopStart + Netlink.align(hopLength));
                }
            }
            attributes.position(Math.min(attributes.limit(), start + Netlink.align(length)));
        }
    }

    private static void addAddress(ByteBuffer value, int family, Set<IpAddress> into) {
        int size = family == AF_INET ? 4 : family == AF_INET6 ? 16 : -1;
        if (size > 0 && value.remaining() >= size && into.size() < MAX_GATEWAYS) {
            byte[] bytes = new byte[size];
            value.get(0, bytes);
            into.add(IpAddress.of(bytes));
        }
    }

    /**
     * True if {@code peer} (an address, or any address of a prefix: the kernel's condition has a
     * prefix length) has an ESTABLISHED TCP connection with this host. An IPv4 peer is also
     * looked for among IPv6 sockets, where dual-stack servers hold it as {@code ::ffff:a.b.c.d}
     * (the kernel's filter matches those for an IPv4 condition).
     */
    static boolean hasEstablished(Cidr peer) throws IOException {
        List<Integer> families = peer.network().family() == IpAddress.IPV4 ? List.of(AF_INET, AF_INET6) : List.of(AF_INET6);
        try (Netlink netlink = new Netlink(Netlink.NETLINK_SOCK_DIAG, TIMEOUT_MILLIS)) {
            for (int socketFamily : families) {
                boolean[] found = {false};
                netlink.request(SOCK_DIAG_BY_FAMILY, (short) (Netlink.NLM_F_REQUEST | Netlink.NLM_F_DUMP),
                        diagRequest(socketFamily, peer), Integer.MAX_VALUE, (type, payload) -> {
                            found[0] |= type == SOCK_DIAG_BY_FAMILY;
                            return !found[0];
                        });
                if (found[0]) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * inet_diag_req_v2 for ESTABLISHED TCP sockets, followed by a one-instruction filter program:
     * "remote address is in {@code peer}": jump to the end (accept) if so, past it (reject) if not.
     */
    static byte[] diagRequest(int socketFamily, Cidr peer) {
        byte[] address = peer.network().bytes();
        int condition = 4 + 8 + address.length;  // inet_diag_bc_op, inet_diag_hostcond, address
        ByteBuffer request = ByteBuffer.allocate(56 + 4 + condition).order(ByteOrder.nativeOrder());
        request.put((byte) socketFamily).put((byte) IPPROTO_TCP).put((byte) 0).put((byte) 0)
                .putInt(1 << TCP_ESTABLISHED);
        request.position(56);  // inet_diag_sockid stays zero: the filter does the matching
        request.putShort((short) (4 + condition)).putShort((short) INET_DIAG_REQ_BYTECODE);
        request.put((byte) INET_DIAG_BC_D_COND).put((byte) condition).putShort((short) (condition + 4));
        request.put((byte) (peer.network().family() == IpAddress.IPV4 ? AF_INET : AF_INET6)).put((byte) peer.prefixLength())
                .putShort((short) 0).putInt(-1);  // any port
        request.put(address);
        return request.array();
    }
}
