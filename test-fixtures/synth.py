#!/usr/bin/env python3
"""Writes the synthesized captures of test-fixtures/ (see README.md).

Deterministic, Python 3 standard library only. Every capture starts at
2021-04-28 15:28:05 UTC (epoch 1619623685) and uses only documentation
addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) and
documentation MACs (02:00:5e:10:00:xx style, locally administered).

Usage: test-fixtures/synth.py [OUTDIR]     (default: the directory of this script)
Afterwards regenerate the .expected files:  test-fixtures/expected.py --write-all
"""
import os
import random
import socket
import struct
import sys

T0 = 1619623685            # 2021-04-28 15:28:05 UTC
US = 1_000_000
NS = 1_000_000_000

# link types
LT_NULL, LT_EN10MB, LT_RAW12, LT_RAW14, LT_RAW, LT_LOOP, LT_SLL, LT_SLL2 = 0, 1, 12, 14, 101, 108, 113, 276

# TCP flags
FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80

MAC_A = bytes.fromhex("02005e100001")
MAC_B = bytes.fromhex("02005e100002")


def a4(s):
    return socket.inet_pton(socket.AF_INET, s)


def a6(s):
    return socket.inet_pton(socket.AF_INET6, s)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


# ---------------------------------------------------------------- TCP / UDP

MSS_OPT = bytes([2, 4, 0x05, 0xB4])                         # mss 1460
SYN_OPTS = MSS_OPT + bytes([4, 2, 8, 10]) + bytes(8) + bytes([1, 3, 3, 7])  # mss,sackOK,TS,nop,wscale


def tcp(src, dst, sport, dport, flags, seq=0x1000, ack=0, win=64240, options=b"",
        payload=b"", doff=None, reserved=0):
    """TCP segment with a correct checksum (pseudo header from src/dst, 4 or 16 bytes)."""
    if len(options) % 4:
        options += b"\0" * (4 - len(options) % 4)
    if doff is None:
        doff = 5 + len(options) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, ((doff & 0xF) << 4) | (reserved & 0xF),
                      flags, win, 0, 0) + options
    seg = hdr + payload
    proto_len = struct.pack("!BBH", 0, 6, len(seg)) if len(src) == 4 else struct.pack("!IxxxB", len(seg), 6)
    c = csum(src + dst + proto_len + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src, dst, sport, dport, payload=b""):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    proto_len = struct.pack("!BBH", 0, 17, len(seg)) if len(src) == 4 else struct.pack("!IxxxB", len(seg), 17)
    c = csum(src + dst + proto_len + seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


# ---------------------------------------------------------------- IPv4 / IPv6

def ip4(src, dst, payload, proto=6, options=b"", frag=0x4000, ident=0x1234, ttl=64,
        ihl=None, version=4, total_len=None):
    """IPv4 packet. frag = the 16-bit flags+offset field (default DF, offset 0)."""
    if len(options) % 4:
        options += b"\0" * (4 - len(options) % 4)
    if ihl is None:
        ihl = 5 + len(options) // 4
    if total_len is None:
        total_len = 20 + len(options) + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", ((version & 0xF) << 4) | (ihl & 0xF), 0, total_len, ident, frag,
                    ttl, proto, 0, src, dst) + options
    c = csum(h)
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def ip6(src, dst, nh, payload, hlim=64, version=6):
    return struct.pack("!IHBB16s16s", (version << 28), len(payload), nh, hlim, src, dst) + payload


def ext_opts(nh, units=0):
    """Hop-by-hop / destination options header of (units+1)*8 bytes filled with PadN."""
    n = (units + 1) * 8
    body = bytes([1, n - 4]) + bytes(n - 4)          # one PadN option covering the rest
    return bytes([nh, units]) + body


def ext_srh(nh, segments):
    """Routing header type 4 (segment routing) with the given 16-byte segments."""
    units = 2 * len(segments)
    return bytes([nh, units, 4, len(segments) - 1, len(segments) - 1, 0, 0, 0]) + b"".join(segments)


def ext_rh0(nh, segments):
    """Routing header type 0 (deprecated, still parseable)."""
    units = 2 * len(segments)
    return bytes([nh, units, 0, len(segments)]) + bytes(4) + b"".join(segments)


def ext_frag(nh, offset8, more, ident=0xCAFE0001):
    return struct.pack("!BBHI", nh, 0, ((offset8 & 0x1FFF) << 3) | (1 if more else 0), ident)


# ---------------------------------------------------------------- link layers

def eth(payload, ethertype, tags=(), dst=MAC_B, src=MAC_A):
    """tags: sequence of (tpid, tci), outermost first."""
    out = dst + src
    for tpid, tci in tags:
        out += struct.pack("!HH", tpid, tci)
    return out + struct.pack("!H", ethertype) + payload


def eth4(pkt, **kw):
    return eth(pkt, 0x0800, **kw)


def eth6(pkt, **kw):
    return eth(pkt, 0x86DD, **kw)


def sll(payload, proto, pkttype=0, ifindex=2):
    return struct.pack("!HHH8sH", pkttype, 1, 6, MAC_A + b"\0\0", proto) + payload


def sll2(payload, proto, pkttype=0, ifindex=2):
    return struct.pack("!HHIHBB8s", proto, 0, ifindex, 1, pkttype, 6, MAC_A + b"\0\0") + payload


def arp_request(spa, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, MAC_A, a4(spa), b"\0" * 6, a4(tpa))


# ---------------------------------------------------------------- convenience packets

def syn4(src, dst, sport, dport, flags=SYN, opts=MSS_OPT, seq=0x11223344, ack=0, payload=b"", **ipkw):
    s, d = a4(src), a4(dst)
    return ip4(s, d, tcp(s, d, sport, dport, flags, seq=seq, ack=ack, options=opts, payload=payload), **ipkw)


def syn6(src, dst, sport, dport, flags=SYN, opts=MSS_OPT, seq=0x55667788, ack=0, payload=b"", hlim=64):
    s, d = a6(src), a6(dst)
    return ip6(s, d, 6, tcp(s, d, sport, dport, flags, seq=seq, ack=ack, options=opts, payload=payload),
               hlim=hlim)


def synack4(src, dst, sport, dport):
    return syn4(src, dst, sport, dport, flags=SYN | ACK, ack=0x11223345)


def rst4(src, dst, sport, dport):
    return syn4(src, dst, sport, dport, flags=RST | ACK, opts=b"", ack=0x11223345)


def synack6(src, dst, sport, dport):
    return syn6(src, dst, sport, dport, flags=SYN | ACK, ack=0x55667789)


def ack4(src, dst, sport, dport):
    return syn4(src, dst, sport, dport, flags=ACK, opts=b"", seq=0x11223345, ack=0x9000)


def udp4(src, dst, sport, dport, payload=b""):
    s, d = a4(src), a4(dst)
    return ip4(s, d, udp(s, d, sport, dport, payload), proto=17)


def udp6(src, dst, sport, dport, payload=b""):
    s, d = a6(src), a6(dst)
    return ip6(s, d, 17, udp(s, d, sport, dport, payload))


def icmp6_echo(src, dst):
    s, d = a6(src), a6(dst)
    body = struct.pack("!BBHHH", 128, 0, 0, 1, 1) + b"synwatch"
    ph = s + d + struct.pack("!IxxxB", len(body), 58)
    c = csum(ph + body)
    return ip6(s, d, 58, body[:2] + struct.pack("!H", c) + body[4:])


def tcp_bytes_like_syn(sport, dport):
    """20 bytes that look like a TCP SYN header (for non-first fragments and non-TCP payloads)."""
    return struct.pack("!HHIIBBHHH", sport, dport, 0xDEADBEEF, 0, 0x50, SYN, 1024, 0, 0)


# ---------------------------------------------------------------- writers

class Rec:
    """One packet: ts in the file's resolution units (µs or ns), frame, optional caplen."""
    __slots__ = ("ts", "data", "caplen", "ifid")

    def __init__(self, ts, data, caplen=None, ifid=0):
        self.ts, self.data, self.caplen, self.ifid = ts, data, caplen, ifid


def at(sec_offset_us, data, caplen=None, ifid=0):
    """Record at T0 + offset (offset in microseconds)."""
    return Rec(T0 * US + sec_offset_us, data, caplen, ifid)


def write_pcap(path, linktype, recs, nsec=False, endian="<", snaplen=65535):
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    div = NS if nsec else US
    out = [struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)]
    for r in recs:
        sec, frac = divmod(r.ts, div)
        cap = r.data if r.caplen is None else r.data[:r.caplen]
        out.append(struct.pack(endian + "IIII", sec, frac, len(cap), len(r.data)) + cap)
    with open(path, "wb") as f:
        f.write(b"".join(out))


def _pad4(b):
    return b + b"\0" * (-len(b) % 4)


def ng_opts(e, opts):
    """opts: list of (code, bytes). Adds opt_endofopt when non-empty."""
    if not opts:
        return b""
    out = b"".join(struct.pack(e + "HH", c, len(v)) + _pad4(v) for c, v in opts)
    return out + struct.pack(e + "HH", 0, 0)


def ng_block(e, btype, body):
    body = _pad4(body)
    total = 12 + len(body)
    return struct.pack(e + "II", btype, total) + body + struct.pack(e + "I", total)


def ng_shb(e, opts=()):
    return ng_block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) + ng_opts(e, list(opts)))


def ng_idb(e, linktype, tsresol=None, snaplen=262144, name=None):
    opts = []
    if name:
        opts.append((2, name.encode()))
    if tsresol is not None:
        opts.append((9, bytes([tsresol])))
    return ng_block(e, 1, struct.pack(e + "HHI", linktype, 0, snaplen) + ng_opts(e, opts))


def ng_epb(e, ifid, ticks, data, caplen=None, opts=()):
    cap = data if caplen is None else data[:caplen]
    body = struct.pack(e + "IIIII", ifid, ticks >> 32, ticks & 0xFFFFFFFF, len(cap), len(data))
    return ng_block(e, 6, body + _pad4(cap) + ng_opts(e, list(opts)))


def ng_isb(e, ifid, ticks):
    return ng_block(e, 5, struct.pack(e + "III", ifid, ticks >> 32, ticks & 0xFFFFFFFF)
                    + ng_opts(e, [(4, struct.pack(e + "Q", 10)), (5, struct.pack(e + "Q", 0))]))


def ng_nrb(e, addr4, name):
    rec = struct.pack(e + "HH", 1, 4 + len(name) + 1) + _pad4(a4(addr4) + name.encode() + b"\0")
    return ng_block(e, 4, rec + struct.pack(e + "HH", 0, 0))


# ---------------------------------------------------------------- fixtures

C4, S4 = "192.0.2.1", "198.51.100.2"
C6, S6 = "2001:db8::1", "2001:db8:0:100::2"


def noise_pair4(t, src, dst, sport, dport, **kw):
    """SYN-ACK, ACK, RST noise for the connection src:sport -> dst:dport (no SYN)."""
    return [at(t, eth4(synack4(dst, src, dport, sport), **kw)),
            at(t + 100, eth4(ack4(src, dst, sport, dport), **kw)),
            at(t + 200, eth4(rst4(src, dst, sport, dport), **kw))]


def fx_vlan_8021q():
    r = []
    t = 0
    tag = [(0x8100, 10)]
    r.append(at(t, eth(arp_request(C4, S4), 0x0806, tags=tag)))
    t += 1000
    r.append(at(t, eth4(syn4(C4, S4, 40001, 80), tags=tag)))                       # yes
    r += noise_pair4(t + 50, C4, S4, 40001, 80, tags=tag)
    t += 300_000
    r.append(at(t, eth6(syn6(C6, S6, 40002, 443), tags=tag)))                      # yes
    r.append(at(t + 80, eth6(synack6(S6, C6, 443, 40002), tags=tag)))
    t += 300_000
    r.append(at(t, eth4(syn4(C4, S4, 40003, 22), tags=[(0x8100, (5 << 13) | 4094)])))  # PCP 5, VID 4094: yes
    t += 300_000
    r.append(at(t, eth4(syn4(C4, S4, 40004, 25), tags=[(0x8100, (3 << 13) | 0)])))     # priority tag VID 0: yes
    t += 300_000
    r.append(at(t, eth4(syn4("192.0.2.7", S4, 40005, 8080))))                      # untagged: yes
    t += 300_000
    r.append(at(t, eth4(udp4(C4, S4, 5353, 53, tcp_bytes_like_syn(1, 2)), tags=tag)))  # UDP: no
    t += 300_000
    r.append(at(t, eth6(icmp6_echo(C6, S6), tags=tag)))                            # ICMPv6: no
    t += 300_000
    r.append(at(t, eth6(syn6(C6, S6, 40006, 8443, flags=SYN | ACK), tags=tag)))   # SYN-ACK: no
    t += 300_000
    r.append(at(t, eth6(syn6("2001:db8::7", S6, 40007, 22), tags=[(0x8100, 0xE00A)])))  # yes
    r.append(at(t + 500_000, eth(bytes(46), 0x88CC, tags=tag)))                  # LLDP-ish: no
    return ("vlan-8021q.pcap", LT_EN10MB, r)


def fx_qinq():
    r = []
    t = 0
    combos = [
        ((0x88A8, 100), (0x8100, 10)),   # 802.1ad S-tag + C-tag
        ((0x8100, 200), (0x8100, 20)),   # double 802.1Q
        ((0x9100, 300), (0x8100, 30)),   # old QinQ TPID
    ]
    sp = 41000
    for tags in combos:
        r.append(at(t, eth4(syn4(C4, S4, sp, 80), tags=tags)))                     # yes
        r += noise_pair4(t + 60, C4, S4, sp, 80, tags=tags)
        t += 250_000
        r.append(at(t, eth6(syn6(C6, S6, sp + 1, 443), tags=tags)))                # yes
        r.append(at(t + 70, eth6(synack6(S6, C6, 443, sp + 1), tags=tags)))
        t += 250_000
        r.append(at(t, eth(arp_request(C4, S4), 0x0806, tags=tags)))
        t += 250_000
        sp += 10
    # single outer 802.1ad tag only
    r.append(at(t, eth4(syn4("192.0.2.9", S4, 41100, 21), tags=[(0x88A8, 7)])))      # yes
    t += 250_000
    r.append(at(t, eth4(synack4(S4, "192.0.2.9", 21, 41100), tags=[(0x88A8, 7), (0x8100, 8)])))  # no
    t += 250_000
    r.append(at(t, eth6(syn6("2001:db8::9", S6, 41101, 21), tags=[(0x88A8, 7), (0x8100, 8)])))  # yes
    return ("qinq.pcap", LT_EN10MB, r)


def fx_ipv4_options():
    r = []
    t = 0
    nop = b"\x01"
    for ihl in range(6, 16):
        n = (ihl - 5) * 4
        if ihl % 3 == 0:
            opts = nop * n                                                        # NOP padding
        elif ihl % 3 == 1:
            # record route: type 7, len, pointer 4, room for k addresses, then EOL padding
            k = (n - 3) // 4
            opts = bytes([7, 3 + 4 * k, 4]) + bytes(4 * k)
            opts += b"\0" * (n - len(opts))
        else:
            # router alert (4 bytes) + NOPs
            opts = bytes([0x94, 4, 0, 0]) + nop * (n - 4)
        assert len(opts) == n
        src = "192.0.2.%d" % (20 + ihl)
        r.append(at(t, eth4(syn4(src, S4, 42000 + ihl, 80, options=opts))))      # yes (IHL = ihl)
        r.append(at(t + 40, eth4(syn4(S4, src, 80, 42000 + ihl, flags=SYN | ACK, options=opts))))  # no
        t += 200_000
    # timestamp option, IHL 15 (40 bytes): type 68, len 36 ... + padding
    ts_opt = bytes([68, 36, 5, 0]) + bytes(32) + b"\0" * 4
    r.append(at(t, eth4(syn4("192.0.2.40", S4, 42100, 443, options=ts_opt))))     # yes
    t += 200_000
    r.append(at(t, eth4(udp4("192.0.2.40", S4, 42101, 53, b"x" * 12))))           # no
    t += 200_000
    # options + UDP protocol: no
    s, d = a4("192.0.2.41"), a4(S4)
    r.append(at(t, eth4(ip4(s, d, udp(s, d, 1, 2, tcp_bytes_like_syn(3, 4)), proto=17, options=nop * 8))))
    return ("ipv4-options.pcap", LT_EN10MB, r)


def fx_ipv6_ext_headers():
    r = []
    t = 0
    s, d = a6(C6), a6(S6)
    seg = [a6("2001:db8:ffff::1"), a6("2001:db8:ffff::2")]

    def syn_seg(sport, dport, flags=SYN):
        return tcp(s, d, sport, dport, flags, options=MSS_OPT, seq=0x01020304)

    def add(pkt):
        nonlocal t
        r.append(at(t, eth6(pkt)))
        t += 150_000

    add(ip6(s, d, 0, ext_opts(6) + syn_seg(43001, 80)))                            # HBH: yes
    add(ip6(s, d, 60, ext_opts(6, units=1) + syn_seg(43002, 80)))                  # DstOpts 16 bytes: yes
    add(ip6(s, d, 43, ext_srh(6, seg) + syn_seg(43003, 80)))                       # SRH: yes
    add(ip6(s, d, 43, ext_rh0(6, seg[:1]) + syn_seg(43004, 80)))                   # RH0: yes
    add(ip6(s, d, 0, ext_opts(60) + ext_opts(43, units=3) + ext_srh(60, seg) + ext_opts(6)
            + syn_seg(43005, 80)))                                                 # HBH-DO-RH-DO: yes
    add(ip6(s, d, 44, ext_frag(6, 0, True) + syn_seg(43006, 80)))                  # first fragment: yes
    add(ip6(s, d, 44, ext_frag(6, 0, False) + syn_seg(43007, 80)))                 # atomic fragment: yes
    add(ip6(s, d, 0, ext_opts(44) + ext_frag(60, 0, True) + ext_opts(6) + syn_seg(43008, 80)))  # yes
    add(ip6(s, d, 44, ext_frag(6, 185, True) + tcp_bytes_like_syn(43009, 80)))     # non-first: no
    add(ip6(s, d, 44, ext_frag(6, 1, False) + tcp_bytes_like_syn(43010, 80)))      # last frag: no
    add(ip6(s, d, 60, ext_opts(44) + ext_frag(6, 2, True) + tcp_bytes_like_syn(43011, 80)))  # no
    add(ip6(s, d, 44, ext_frag(6, 0, True) + syn_seg(43012, 80)[:8]))              # tiny first frag: no
    # AH (51) before TCP: not skipped by the rules -> no
    ah = bytes([6, 4, 0, 0]) + struct.pack("!II", 0x100, 1) + bytes(12)
    add(ip6(s, d, 51, ah + syn_seg(43013, 80)))
    add(ip6(s, d, 50, struct.pack("!II", 0x100, 1) + tcp_bytes_like_syn(43014, 80)))  # ESP: no
    add(ip6(s, d, 0, ext_opts(59) + tcp_bytes_like_syn(43015, 80)))                # No Next Header: no
    add(ip6(s, d, 60, ext_opts(17) + udp(s, d, 43016, 80, tcp_bytes_like_syn(1, 2))))  # UDP: no
    add(ip6(s, d, 0, ext_opts(6) + syn_seg(43017, 80, flags=SYN | ACK)))           # SYN-ACK: no
    add(ip6(s, d, 0, ext_opts(43) + ext_srh(44, seg) + ext_frag(6, 0, True) + syn_seg(43018, 443)))  # yes
    add(ip6(s, d, 6, syn_seg(43019, 22)))                                           # plain: yes
    return ("ipv6-ext-headers.pcap", LT_EN10MB, r)


def fx_ipv4_fragments():
    r = []
    t = 0
    s, d = a4("192.0.2.50"), a4("198.51.100.50")

    def add(pkt, caplen=None):
        nonlocal t
        r.append(at(t, eth4(pkt), caplen))
        t += 150_000

    DF, MF = 0x4000, 0x2000
    full = tcp(s, d, 44001, 80, SYN, options=SYN_OPTS, payload=b"A" * 64)            # SYN with data (TFO-like)
    add(ip4(s, d, full, frag=DF, ident=1))                                            # whole: yes
    s2 = tcp(s, d, 44002, 80, SYN, options=SYN_OPTS, payload=b"B" * 64)
    add(ip4(s, d, s2[:48], frag=MF | 0, ident=2))                                     # first frag: yes
    add(ip4(s, d, s2[48:], frag=6, ident=2))                                          # rest (offset 48): no
    # non-first fragments whose payload looks like a SYN
    add(ip4(s, d, tcp_bytes_like_syn(44003, 81) + b"C" * 4, frag=MF | 3, ident=3))    # no
    add(ip4(s, d, tcp_bytes_like_syn(44004, 82), frag=1, ident=4))                    # last, offset 8: no
    add(ip4(s, d, tcp_bytes_like_syn(44005, 83), frag=0x1FFF, ident=5))               # max offset: no
    add(ip4(s, d, tcp_bytes_like_syn(44006, 84), frag=DF | 0x0100, ident=6))          # DF + offset: no
    # first fragment too small to hold the TCP header, completed by the next one (nmap -f): yes
    s3 = tcp(s, d, 44007, 85, SYN, options=MSS_OPT)
    add(ip4(s, d, s3[:8], frag=MF, ident=7))
    add(ip4(s, d, s3[8:], frag=1, ident=7))
    # reserved ("evil") bit with offset 0: yes
    add(ip4(s, d, tcp(s, d, 44008, 86, SYN, options=MSS_OPT), frag=0x8000, ident=8))
    # first fragment of exactly 20 TCP bytes: yes
    s4 = tcp(s, d, 44009, 87, SYN, options=SYN_OPTS)
    add(ip4(s, d, s4[:24], frag=MF, ident=9))
    add(ip4(s, d, s4[24:], frag=3, ident=9))
    return ("ipv4-fragments.pcap", LT_EN10MB, r)


def fx_truncated():
    r = []
    t = 0

    def add(frame, caplen=None):
        nonlocal t
        r.append(at(t, frame, caplen))
        t += 100_000

    good = lambda i: eth4(syn4("192.0.2.60", "198.51.100.60", 45000 + i, 80))
    good6 = lambda i: eth6(syn6("2001:db8::60", "2001:db8::61", 45500 + i, 443))
    f4 = eth4(syn4("192.0.2.61", "198.51.100.61", 45100, 80, opts=SYN_OPTS))        # 14+20+40 bytes
    opt8 = eth4(syn4("192.0.2.62", "198.51.100.62", 45101, 80, options=b"\x01" * 12))  # IHL 8
    f6 = eth6(syn6("2001:db8::62", "2001:db8::63", 45102, 80, opts=SYN_OPTS))
    s6, d6 = a6("2001:db8::64"), a6("2001:db8::65")
    f6x = eth6(ip6(s6, d6, 0, ext_opts(6, units=2) + tcp(s6, d6, 45103, 80, SYN, options=MSS_OPT)))

    add(good(0))                                       # yes
    for cl in (0, 1, 6, 12, 13):                       # inside the Ethernet header
        add(f4, cl)
    add(eth(b"", 0x0800, tags=[(0x8100, 5)]), 16)      # inside the VLAN tag
    add(good(1))                                       # yes
    for cl in (14, 15, 24, 33):                        # no or partial IPv4 header
        add(f4, cl)
    for cl in (34, 38, 45):                            # IHL 8: header is 32 bytes -> cut inside options
        add(opt8, cl)
    add(good(2))                                       # yes
    for cl in (34, 35, 47, 48, 53):                    # TCP header cut (flags at TCP byte 13)
        add(f4, cl)
    add(f4, 54)                                        # exactly the 20-byte base header: yes
    add(opt8, 14 + 32 + 19)                            # options IP header, TCP 19 bytes: no
    add(opt8, 14 + 32 + 20)                            # yes
    add(good(3))                                       # yes
    # malformed IPv4 headers
    S, D = a4("192.0.2.63"), a4("198.51.100.63")
    seg = tcp(S, D, 45200, 80, SYN, options=MSS_OPT)
    for ihl in (0, 1, 4):                              # IHL < 5: no
        add(eth4(ip4(S, D, seg, ihl=ihl)))
    add(eth4(ip4(S, D, seg, ihl=4)[:16] + seg))        # IHL 4 with a SYN right at byte 16: no
    add(eth4(ip4(S, D, seg, version=6)))               # ethertype IPv4, version 6: no
    add(eth4(ip4(S, D, seg, version=5)))               # version 5: no
    add(eth4(ip4(S, D, seg, version=0)))               # version 0: no
    add(eth6(ip4(S, D, seg)))                          # ethertype IPv6, IPv4 inside: no
    for doff in (0, 1, 4):                             # TCP data offset < 5: no
        add(eth4(ip4(S, D, tcp(S, D, 45300 + doff, 80, SYN, doff=doff))))
    add(eth4(ip4(S, D, tcp(S, D, 45305, 80, SYN, doff=15, options=bytes(40)))))   # doff 15: yes
    add(good(4))                                       # yes
    # IPv6 truncation
    add(good6(0))                                      # yes
    for cl in (14, 20, 53):                            # inside the IPv6 header
        add(f6, cl)
    for cl in (54, 60, 67, 73):                        # TCP cut
        add(f6, cl)
    add(f6, 74)                                        # exactly 20 TCP bytes: yes
    for cl in (54, 55, 62, 77, 93):                    # cut inside the 24-byte hop-by-hop / TCP
        add(f6x, cl)
    add(f6x, 14 + 40 + 24 + 20)                        # yes
    add(eth6(ip6(s6, d6, 6, tcp(s6, d6, 45104, 80, SYN), version=4)))   # ethertype IPv6, version 4: no
    add(eth6(ip6(s6, d6, 6, tcp(s6, d6, 45105, 80, SYN, doff=3))))      # doff 3: no
    add(good6(1))                                      # yes
    add(good(5))                                       # yes
    return ("truncated.pcap", LT_EN10MB, r)


def fx_tcp_flags():
    r = []
    t = 0
    combos = [
        (SYN, True), (SYN | ACK, False), (ACK, False), (RST, False), (FIN | ACK, False),
        (SYN | FIN, True), (SYN | RST, True), (SYN | ECE | CWR, True), (SYN | URG, True),
        (SYN | PSH, True), (SYN | ACK | ECE, False), (0xFF, False), (0xFF & ~ACK, True),
        (0x00, False), (FIN | PSH | URG, False),
    ]
    for i, (fl, _) in enumerate(combos):
        r.append(at(t, eth4(syn4("192.0.2.70", "198.51.100.70", 46000 + i, 8000 + i, flags=fl))))
        t += 100_000
        r.append(at(t, eth6(syn6("2001:db8::70", "2001:db8::71", 46100 + i, 8100 + i, flags=fl))))
        t += 100_000
    # NS bit (reserved nibble low bit) with SYN: yes
    s, d = a4("192.0.2.71"), a4("198.51.100.71")
    r.append(at(t, eth4(ip4(s, d, tcp(s, d, 46200, 9000, SYN, reserved=1, options=MSS_OPT)))))
    return ("tcp-flags.pcap", LT_EN10MB, r)


def fx_raw(linktype, name):
    r = []
    t = 0
    pk = [
        syn4("192.0.2.80", "198.51.100.80", 47001, 80),                        # yes
        synack4("198.51.100.80", "192.0.2.80", 80, 47001),
        syn6("2001:db8::80", "2001:db8::81", 47002, 443),                      # yes
        synack6("2001:db8::81", "2001:db8::80", 443, 47002),
        udp4("192.0.2.80", "198.51.100.80", 47003, 53, b"q" * 10),
        ip4(a4("192.0.2.80"), a4("198.51.100.80"), tcp(a4("192.0.2.80"), a4("198.51.100.80"), 47004, 81, SYN),
            version=5),                                                        # version 5: no
        syn6("2001:db8::80", "2001:db8::81", 47005, 22),                       # yes
        syn4("192.0.2.81", "198.51.100.80", 47006, 25),                        # yes
    ]
    for p in pk:
        r.append(at(t, p))
        t += 200_000
    return (name, linktype, r)


def fx_null(big_endian):
    fmt = "!I" if big_endian else "<I"
    r = []
    t = 0
    items = [
        (2, syn4("192.0.2.90", "198.51.100.90", 48001, 80)),                   # yes
        (2, synack4("198.51.100.90", "192.0.2.90", 80, 48001)),
        (24, syn6("2001:db8::90", "2001:db8::91", 48002, 80)),                 # yes (NetBSD/OpenBSD)
        (28, syn6("2001:db8::90", "2001:db8::91", 48003, 80)),                 # yes (FreeBSD)
        (30, syn6("2001:db8::90", "2001:db8::91", 48004, 80)),                 # yes (Darwin)
        (30, synack6("2001:db8::91", "2001:db8::90", 80, 48004)),
        (7, syn4("192.0.2.90", "198.51.100.90", 48005, 81)),                   # unknown family: no
        (2, syn6("2001:db8::90", "2001:db8::91", 48006, 82)),                  # family IPv4, IPv6 inside: no
        (2, syn4("192.0.2.91", "198.51.100.90", 48007, 443)),                  # yes
    ]
    for fam, p in items:
        r.append(at(t, struct.pack(fmt, fam) + p))
        t += 200_000
    r.append(at(t, struct.pack(fmt, 2)[:3], None))                            # 3-byte frame: no
    if big_endian:
        return ("bsd-loop.pcap", LT_LOOP, r)
    return ("bsd-null.pcap", LT_NULL, r)


def fx_scan_edges():
    ev = []   # (offset µs, frame)

    def s4(off, src, dst, sport, dport):
        ev.append((off, eth4(syn4(src, dst, sport, dport))))
        ev.append((off + 30, eth4(rst4(dst, src, dport, sport))))                # closed-port noise

    def s6(off, src, dst, sport, dport):
        ev.append((off, eth6(syn6(src, dst, sport, dport))))
        ev.append((off + 30, eth6(synack6(dst, src, dport, sport))))

    sec = lambda x: round(x * US)
    # A: ports 80,81,82 at 0,1,2 s; 4th port at 59.999 s -> scan (80 at t0 is still in (t-60, t])
    for i, off in enumerate((0, 1, 2, 59.999)):
        s4(sec(off), "192.0.2.10", "198.51.100.20", 40000, 80 + i)
    # B: 4th port exactly 60.000 s after the first -> no scan; a 5th port at 61 s -> scan 81..84
    for i, off in enumerate((0.5, 1.5, 2.5, 60.5, 61.0)):
        s4(sec(off), "192.0.2.11", "198.51.100.21", 40100, 80 + i)
    # B6: the IPv4-mapped IPv6 spelling of B's addresses is a different pair: 2 ports, no scan
    for i, off in enumerate((2.6, 2.7)):
        s6(sec(off), "::ffff:192.0.2.11", "::ffff:198.51.100.21", 40150, 85 + i)
    # C: scan (ports 1-5), silence of exactly 60 s after the last new SYN, scan again (6-9)
    for i, off in enumerate((3.0, 3.1, 3.2, 3.3, 3.4)):
        s4(sec(off), "192.0.2.12", "198.51.100.22", 40200, 1 + i)
    for i, off in enumerate((63.4, 63.5, 63.6, 63.7)):
        s4(sec(off), "192.0.2.12", "198.51.100.22", 40200, 6 + i)
    # C2: scan, silence 59.999 s, more new ports -> same episode, no second line
    for i, off in enumerate((4.0, 4.1, 4.2, 4.3, 64.299, 64.4, 64.5, 64.6, 64.7)):
        s4(sec(off), "192.0.2.13", "198.51.100.23", 40300, 1 + i)
    # C4: scan, only retransmissions (suppressed) during the silence, new ports 60 s after the
    #     last reported SYN -> episode ended -> detected again
    for i, off in enumerate((5.0, 5.1, 5.2, 5.3)):
        s4(sec(off), "192.0.2.14", "198.51.100.24", 40400, 21 + i)
    for off in (30.0, 55.0):
        s4(sec(off), "192.0.2.14", "198.51.100.24", 40400, 24)                # retransmission of port 24
    for i, off in enumerate((65.3, 65.4, 65.5, 65.6)):
        s4(sec(off), "192.0.2.14", "198.51.100.24", 40400, 31 + i)
    # D: retransmission chain of one 4-tuple: 10 (yes), 11, 13, 70 (57 s after 13: no), 130 (60 s: yes),
    #    189.999999 (no)
    for off in (10.0, 11.0, 13.0, 70.0, 130.0, 189.999999):
        s4(sec(off), "192.0.2.15", "198.51.100.25", 50000, 443)
    # E: suppressed retransmission does not refresh the port's time in the scan window
    s4(sec(20.0), "192.0.2.16", "198.51.100.26", 41000, 80)
    s4(sec(50.0), "192.0.2.16", "198.51.100.26", 41000, 80)                    # retransmission: no
    s4(sec(60.0), "192.0.2.16", "198.51.100.26", 41000, 81)
    s4(sec(61.0), "192.0.2.16", "198.51.100.26", 41000, 82)
    s4(sec(80.5), "192.0.2.16", "198.51.100.26", 41000, 83)                    # window 81,82,83: no scan
    s4(sec(81.0), "192.0.2.16", "198.51.100.26", 41001, 80)                    # new 4-tuple: scan 80..83
    # F: one source, two destinations with 2 and 3 ports: no scan
    for i, off in enumerate((6.0, 6.1)):
        s4(sec(off), "192.0.2.17", "198.51.100.27", 42000, 22 + i)
    for i, off in enumerate((6.2, 6.3, 6.4)):
        s4(sec(off), "192.0.2.17", "198.51.100.28", 42000, 80 + i)
    # G: two sources, one destination, 2 ports each: no scan
    for i, off in enumerate((7.0, 7.1)):
        s4(sec(off), "192.0.2.18", "198.51.100.29", 43000, 100 + i)
        s4(sec(off + 0.05), "192.0.2.19", "198.51.100.29", 43000, 102 + i)
    # H: same port from 4 source ports is one port; then 81, 82 (3 ports), 83 -> scan
    for i, off in enumerate((8.0, 8.1, 8.2, 8.3)):
        s4(sec(off), "192.0.2.20", "198.51.100.30", 44000 + i, 80)
    for i, off in enumerate((8.4, 8.5, 8.6)):
        s4(sec(off), "192.0.2.20", "198.51.100.30", 44010, 81 + i)
    # I: numeric port order in the scan line (0, 9, 100, 1000)
    for i, (off, p) in enumerate(((9.0, 1000), (9.1, 100), (9.2, 9), (9.3, 0))):
        s4(sec(off), "192.0.2.21", "198.51.100.31", 45000, p)
    # V6: IPv6 scan
    for i, (off, p) in enumerate(((12.0, 65535), (12.25, 8080), (12.5, 443), (12.75, 22), (13.0, 1))):
        s6(sec(off), "2001:db8:a::10", "2001:db8:b::20", 46000, p)
    # V6b: IPv6 retransmission, 0.999999 s floor check
    for off in (14.999999, 15.5):
        s6(sec(off), "2001:db8:a::11", "2001:db8:b::21", 46001, 80)
    ev.sort(key=lambda e: e[0])               # stable: equal times keep insertion order
    return ("scan-edges.pcap", LT_EN10MB, [at(off, f) for off, f in ev])


def fx_ipv6_rotation():
    """200 addresses of 2001:db8:1:2::/64, 3 ports each, 600 ports of 2001:db8::5 in 30 s: by
    address (the default) no scan; with --ipv6-prefix 64 one scanner (FixtureReplayTest)."""
    ev = []
    for address in range(200):
        for i in range(3):
            port = 3 * address + i + 1
            ev.append(at(port * 50_000, eth6(syn6("2001:db8:1:2::%x" % (address + 1), "2001:db8::5", 40000 + i, port))))
    return ("ipv6-rotation.pcap", LT_EN10MB, ev)


def fx_clock_step():
    """The capture's clock steps 2 h back: every packet after the step counts at the latest time
    seen (the detector's clock never goes backwards), and prints its own time. File order, unsorted."""
    ev = []
    base = 7200   # seconds after T0 before the step; the stepped packets are stamped T0 + a few s

    def s4(off_s, src, dst, sport, dport):
        ev.append(at(round(off_s * US), eth4(syn4(src, dst, sport, dport))))

    P, Q, S, R = ("192.0.2.40", "198.51.100.40"), ("192.0.2.41", "198.51.100.41"), \
        ("192.0.2.42", "198.51.100.42"), ("192.0.2.43", "198.51.100.43")
    for i in range(3):
        s4(base + i, P[0], P[1], 41000 + i, 80 + i)            # P: 3 ports
    s4(base + 5, Q[0], Q[1], 42000, 443)                        # Q: one 4-tuple
    for i in range(4):
        s4(base + 10 + i, S[0], S[1], 44000 + i, 1 + i)         # S: a scan on 1,2,3,4
    s4(base + 75, R[0], R[1], 43000, 22)                        # the latest time: base + 75
    # The step. P's 4th port counts at base + 75, when its other 3 are older than the window: no scan.
    s4(0, P[0], P[1], 41003, 83)
    # Q's 4-tuple, 70 s after it was last seen: a new connection; at once again: a retransmission.
    s4(1, Q[0], Q[1], 42000, 443)
    s4(2, Q[0], Q[1], 42000, 443)
    # S was silent for 62 s: a new episode, a second scan on 5,6,7,8.
    for i in range(4):
        s4(3 + i, S[0], S[1], 44004 + i, 5 + i)
    # The clock moves past the latest time again.
    s4(base + 140, Q[0], Q[1], 42000, 443)                      # 65 s after base + 75: new
    s4(base + 141, P[0], P[1], 41004, 84)                       # P: 83 and 84 in the window: no scan
    return ("clock-step.pcap", LT_EN10MB, ev)


def fx_pcap_nsec():
    """Classic pcap with nanosecond magic; edges where truncation to µs decides."""
    r = []

    def add(ns_off, frame):
        r.append(Rec(T0 * NS + ns_off, frame))

    e = lambda sp, dp, src="192.0.2.100", dst="198.51.100.100": eth4(syn4(src, dst, sp, dp))
    add(999_999_999, e(49000, 80))                       # line second T0 (.999999999 -> .999999)
    # same 4-tuple: 1.000000500 and 61.000000400 -> µs 1.000000 / 61.000000: 60 s apart -> reported
    add(1_000_000_500, e(49001, 80))
    add(61_000_000_400, e(49001, 80))
    # 3.000000000 and 62.999999999 -> 59.999999 s -> suppressed
    add(3_000_000_000, e(49002, 80))
    add(62_999_999_999, e(49002, 80))
    # scan window: port 1 at 10.000000999 (-> 10.000000), 4th port at 70.000000000:
    # port 1 is outside (10.0, 70.0] -> no scan; a 5th port at 70.5 -> scan 2,3,4,5
    for i, off in enumerate((10_000_000_999, 11 * NS, 12 * NS, 70 * NS, 70 * NS + NS // 2)):
        add(off, e(49100, 1 + i, src="192.0.2.101"))
    r.sort(key=lambda x: x.ts)
    return ("pcap-nsec.pcap", LT_EN10MB, r, {"nsec": True})


def fx_pcap_big_endian():
    r = []
    t = 0
    for i in range(3):
        r.append(at(t, eth4(syn4("192.0.2.110", "198.51.100.110", 49200 + i, 80 + i))))
        r.append(at(t + 20, eth4(synack4("198.51.100.110", "192.0.2.110", 80 + i, 49200 + i))))
        t += 333_333
    r.append(at(t, eth6(syn6("2001:db8::110", "2001:db8::111", 49210, 80))))
    return ("pcap-big-endian.pcap", LT_EN10MB, r, {"endian": ">"})


def write_pcapng_multi(path):
    """Little-endian pcapng: interface 0 Ethernet (default µs), interface 1 RAW with if_tsresol=9,
    plus NRB / ISB blocks, options after packet data, and a second section whose interface 0 is
    LINUX_SLL2 with if_tsresol=3 (milliseconds)."""
    e = "<"
    out = [ng_shb(e, [(1, b"synwatch synthesized pcapng"), (4, b"synth.py")]),
           ng_idb(e, LT_EN10MB, None, name="eth0"),
           ng_nrb(e, "198.51.100.120", "target.example"),
           ng_idb(e, LT_RAW, 9, name="tun0")]
    us = lambda off: T0 * US + off
    ns = lambda off: T0 * NS + off
    out.append(ng_epb(e, 0, us(0), eth4(syn4("192.0.2.120", "198.51.100.120", 49300, 80))))          # yes
    out.append(ng_epb(e, 1, ns(250_000_123), syn6("2001:db8::120", "2001:db8::121", 49301, 443),
                      opts=[(1, b"comment after the packet data")]))                                 # yes
    out.append(ng_epb(e, 0, us(400_000), eth4(synack4("198.51.100.120", "192.0.2.120", 80, 49300))))
    out.append(ng_epb(e, 1, ns(1_999_999_999), syn4("192.0.2.121", "198.51.100.121", 49302, 22)))  # yes
    out.append(ng_isb(e, 0, us(2_500_000)))
    out.append(ng_epb(e, 0, us(3_000_001), eth6(syn6("2001:db8::122", "2001:db8::123", 49303, 8080)),
                      caplen=14 + 40 + 20))                                                          # yes
    out.append(ng_epb(e, 1, ns(3_500_000_000), syn4("192.0.2.121", "198.51.100.121", 49302, 22)))  # retrans: no
    # second section, interfaces numbered from 0 again
    out.append(ng_shb(e))
    out.append(ng_idb(e, LT_SLL2, 3, name="any"))
    out.append(ng_epb(e, 0, T0 * 1000 + 5_250, sll2(syn4("192.0.2.122", "198.51.100.122", 49304, 25), 0x0800)))  # yes
    out.append(ng_epb(e, 0, T0 * 1000 + 5_750, sll2(syn6("2001:db8::124", "2001:db8::125", 49305, 25), 0x86DD)))  # yes
    with open(path, "wb") as f:
        f.write(b"".join(out))


def write_pcapng_big_endian(path):
    e = ">"
    out = [ng_shb(e), ng_idb(e, LT_EN10MB, 6)]
    for i in range(3):
        out.append(ng_epb(e, 0, T0 * US + 700_000 * i, eth4(syn4("192.0.2.130", "198.51.100.130", 49400 + i, 80))))
        out.append(ng_epb(e, 0, T0 * US + 700_000 * i + 15,
                          eth4(synack4("198.51.100.130", "192.0.2.130", 80, 49400 + i))))
    out.append(ng_epb(e, 0, T0 * US + 3_000_000, eth6(syn6("2001:db8::130", "2001:db8::131", 49410, 80))))
    with open(path, "wb") as f:
        f.write(b"".join(out))


def fx_sll():
    """LINUX_SLL v1 and v2 with IPv4, IPv6 and non-IP protocols."""
    items = [
        (0x0800, syn4("192.0.2.140", "198.51.100.140", 49500, 80)),            # yes
        (0x86DD, syn6("2001:db8::140", "2001:db8::141", 49501, 80)),           # yes
        (0x0806, arp_request("192.0.2.140", "198.51.100.140")),
        (0x0800, synack4("198.51.100.140", "192.0.2.140", 80, 49500)),
        (0x86DD, syn4("192.0.2.140", "198.51.100.140", 49502, 81)),            # proto IPv6, IPv4 inside: no
        (0x0800, syn4("192.0.2.141", "198.51.100.140", 49503, 443)),           # yes
    ]
    r1, r2 = [], []
    for i, (proto, p) in enumerate(items):
        r1.append(at(i * 100_000, sll(p, proto, pkttype=4 if i % 2 else 0)))
        r2.append(at(i * 100_000, sll2(p, proto, pkttype=4 if i % 2 else 0)))
    return [("sll-synth.pcap", LT_SLL, r1), ("sll2-synth.pcap", LT_SLL2, r2)]


# ---------------------------------------------------------------- IPv6 text vectors

def ipv6_vectors():
    fixed = [
        "::", "::1", "1::", "::ffff:1.2.3.4", "::ffff:0.0.0.0", "::ffff:255.255.255.255",
        "::1.2.3.4", "::0.0.1.0", "::0.1.0.0", "::255.255.255.255", "::2", "::ffff",
        "::1:0:0:0", "::ffff:0:1.2.3.4", "0:0:0:0:0:fffe:102:304",
        "64:ff9b::c000:201", "64:ff9b::1.2.3.4", "64:ff9b::", "64:ff9b:1::c633:6401",
        "2001:db8::1", "2001:db8::", "2001:db8:0:1:1:1:1:1", "2001:db8:1:0:1:1:1:1",
        "2001:db8:1:1:1:1:1:0", "0:1:1:1:1:1:1:1", "1:0:1:1:1:1:1:1",
        "2001:db8:0:0:1:0:0:1", "2001:0:0:1:0:0:0:1", "2001:db8:0:0:1::", "1:0:0:2:0:0:3:4",
        "0:0:1:0:0:1:0:0", "1:0:0:1:0:0:1:1", "0:0:1:1:1:1:0:0", "1:1:1:1:1:0:0:0",
        "0:0:0:1:1:1:1:1", "fe80::1", "fe80::1:2:3:4", "ff02::1", "ff02::1:ff00:1",
        "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:db8:0:0:0:0:2:1", "2001:db8:0:1::", "::ffff:c000:280", "::fffe:1.2.3.4",
        "1::1", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", "abcd:ef01::",
        "::ffff:1", "0:0:0:0:0:1:0:0", "::1:0:0", "100::", "2001:db8:0:0:1:0:0:0",
    ]
    seen = set()
    addrs = []
    for s in fixed:
        b = socket.inet_pton(socket.AF_INET6, s)
        if b not in seen:
            seen.add(b)
            addrs.append(b)
    rng = random.Random(20210428)
    while len(addrs) < 300:
        kind = rng.random()
        if kind < 0.12:       # IPv4-mapped / compat / translated with random IPv4
            v4 = bytes(rng.randrange(256) for _ in range(4))
            prefix = rng.choice([bytes(10) + b"\xff\xff", bytes(12), bytes.fromhex("0064ff9b") + bytes(8),
                                 bytes(10) + b"\xff\xfe", bytes(8) + b"\xff\xff\0\0"])
            b = prefix + v4
        else:
            groups = []
            for _ in range(8):
                x = rng.random()
                if x < 0.45:
                    g = 0
                elif x < 0.6:
                    g = rng.randrange(1, 16)
                elif x < 0.7:
                    g = rng.choice((0xFFFF, 0x1, 0x100, 0x1000, 0xDB8, 0x2001))
                else:
                    g = rng.randrange(65536)
                groups.append(g)
            b = struct.pack("!8H", *groups)
        if b not in seen:
            seen.add(b)
            addrs.append(b)
    # Every set of zero groups, with non-zero groups of one to four digits: each "::" placement glibc can choose.
    for zeros in range(256):
        b = struct.pack("!8H", *(0 if zeros >> i & 1 else (0x1, 0x2b, 0x3cd, 0x4ef0, 0xffff)[(zeros + i) % 5]
                                 for i in range(8)))
        if b not in seen:
            seen.add(b)
            addrs.append(b)
    return "".join("%s %s\n" % (b.hex(), socket.inet_ntop(socket.AF_INET6, b)) for b in addrs)



# ---------------------------------------------------------------- fragments, long chains, deep tags

def frag4(s, d, segment, start, end, ident, last=False, proto=6):
    """Bytes [start, end) of segment as one IPv4 fragment (start a multiple of 8)."""
    return ip4(s, d, segment[start:end], proto=proto, frag=(0 if last else 0x2000) | start // 8, ident=ident)


def fx_fragments_synth():
    r = []
    t = 0
    s, d = a4("192.0.2.70"), a4("198.51.100.70")

    def add(pkt, gap=100_000):
        nonlocal t
        r.append(at(t, eth6(pkt) if pkt[0] >> 4 == 6 else eth4(pkt)))
        t += gap

    def seg(dport, flags=SYN, sport=45000):
        return tcp(s, d, sport, dport, flags, options=MSS_OPT)              # 24 bytes

    a = seg(1001)                                                           # in order, 8-byte pieces: yes
    add(frag4(s, d, a, 0, 8, 101)); add(frag4(s, d, a, 8, 16, 101)); add(frag4(s, d, a, 16, 24, 101, last=True))
    b = seg(1002)                                                           # reverse order: yes at the last
    add(frag4(s, d, b, 16, 24, 102, last=True)); add(frag4(s, d, b, 8, 16, 102)); add(frag4(s, d, b, 0, 8, 102))
    c = seg(1003)                                                           # duplicate with other bytes: first copy wins
    decoy = tcp(s, d, 45999, 9999, ACK, options=MSS_OPT)
    add(frag4(s, d, c, 0, 8, 103)); add(frag4(s, d, decoy, 0, 8, 103)); add(frag4(s, d, c, 8, 24, 103, last=True))
    e = seg(1004)                                                           # overlap: datagram dropped: no
    add(frag4(s, d, e, 8, 16, 104)); add(frag4(s, d, e, 0, 16, 104)); add(frag4(s, d, e, 16, 24, 104, last=True))
    f = seg(1005, flags=ACK)                                                # ACK first, SYN overlapping later: no
    add(frag4(s, d, f, 0, 16, 105)); add(frag4(s, d, seg(1005), 8, 24, 105, last=True))
    g, h = seg(1006), seg(1007)                                             # interleaved datagrams: both yes
    add(frag4(s, d, g, 0, 8, 106)); add(frag4(s, d, h, 0, 8, 107))
    add(frag4(s, d, h, 8, 24, 107, last=True)); add(frag4(s, d, g, 8, 24, 106, last=True))
    other = a4("192.0.2.71")                                                # same id, other source: kept apart
    i1 = tcp(other, d, 45000, 1008, SYN, options=MSS_OPT)
    add(frag4(other, d, i1, 0, 8, 106)); add(frag4(s, d, seg(1009), 8, 24, 106, last=True))   # no: only bytes 8-23
    add(frag4(other, d, i1, 8, 24, 106, last=True))                        # yes: 192.0.2.71 -> 1008
    sa = seg(1010, flags=SYN | ACK)                                         # fragmented SYN-ACK: no
    add(frag4(s, d, sa, 0, 8, 110)); add(frag4(s, d, sa, 8, 24, 110, last=True))
    big = udp(s, d, 5353, 1011, b"U" * 1480)                                # fragmented UDP: no
    add(frag4(s, d, big, 0, 1480, 111, proto=17)); add(frag4(s, d, big, 1480, len(big), 111, last=True, proto=17))
    m = tcp(s, d, 45000, 1012, SYN, options=SYN_OPTS)                       # --mtu 16: yes at the first
    add(frag4(s, d, m, 0, 16, 112)); add(frag4(s, d, m, 16, 32, 112)); add(frag4(s, d, m, 32, len(m), 112, last=True))
    n = seg(1013)                                                           # ends after 13 bytes: no
    add(frag4(s, d, n, 0, 8, 113)); add(frag4(s, d, n, 8, 13, 113, last=True))
    o = seg(1014)                                                           # ends after 14 bytes: yes
    add(frag4(s, d, o, 0, 8, 114)); add(frag4(s, d, o, 8, 14, 114, last=True))
    add(frag4(s, d, tcp_bytes_like_syn(45000, 1015), 8, 28, 115, last=True))  # lone non-first piece: no
    s6, d6 = a6("2001:db8::70"), a6("2001:db8:0:100::70")
    v6 = tcp(s6, d6, 46000, 1016, SYN, options=MSS_OPT, payload=b"V" * 40)
    add(ip6(s6, d6, 44, ext_frag(6, 0, True, 116) + v6[:32]))              # IPv6 first fragment, whole TCP: yes
    add(ip6(s6, d6, 44, ext_frag(6, 4, False, 116) + v6[32:]))
    w6 = tcp(s6, d6, 46000, 1017, SYN, options=MSS_OPT, payload=b"W" * 40)
    add(ip6(s6, d6, 44, ext_frag(6, 0, True, 117) + w6[:8]))               # tiny IPv6 first fragment: no (Linux drops it)
    add(ip6(s6, d6, 44, ext_frag(6, 1, False, 117) + w6[8:]))
    x6 = tcp(s6, d6, 46000, 1018, SYN, options=MSS_OPT, payload=b"X" * 40)
    add(ip6(s6, d6, 44, ext_frag(60, 0, True, 118) + ext_opts(6) + x6[:24]))   # DO after the fragment header: yes
    add(ip6(s6, d6, 44, ext_frag(60, 4, False, 118) + x6[24:]))
    # expiry: the flags come 30 s after the first piece (no), or 1 µs sooner (yes)
    y, z = seg(1019), seg(1020)
    add(frag4(s, d, y, 0, 8, 119), gap=0); add(frag4(s, d, z, 0, 8, 120), gap=30_000_000 - 1)
    add(frag4(s, d, z, 8, 24, 120, last=True), gap=1); add(frag4(s, d, y, 8, 24, 119, last=True))
    return ("fragments-synth.pcap", LT_EN10MB, r)


def fx_fragments_sll2():
    """nmap -f pieces and an IPv6 first fragment over LINUX_SLL2 (tcpdump -i any)."""
    r = []
    s, d = a4("192.0.2.72"), a4("198.51.100.72")
    seg = tcp(s, d, 45100, 2001, SYN, options=MSS_OPT)
    r.append(at(0, sll2(frag4(s, d, seg, 0, 8, 201), 0x0800)))
    r.append(at(1000, sll2(frag4(s, d, seg, 8, 16, 201), 0x0800)))
    r.append(at(2000, sll2(frag4(s, d, seg, 16, 24, 201, last=True), 0x0800)))
    s6, d6 = a6("2001:db8::72"), a6("2001:db8:0:100::72")
    v6 = tcp(s6, d6, 46100, 2002, SYN, options=MSS_OPT, payload=b"V" * 40)
    r.append(at(3000, sll2(ip6(s6, d6, 44, ext_frag(6, 0, True, 202) + v6[:32]), 0x86DD)))
    r.append(at(4000, sll2(ip6(s6, d6, 44, ext_frag(6, 4, False, 202) + v6[32:]), 0x86DD)))
    return ("fragments-sll2.pcap", LT_SLL2, r)


FLOOD_DATAGRAMS = 100_000
MAX_FRAGMENT_SETS = 8192


def fx_fragment_flood():
    """100,000 spoofed first fragments that never complete, 50 µs apart, then the flags of four of
    them: the oldest still held (yes), the newest (yes), the newest evicted one and the very first
    (no: evicted at the bound)."""
    r = []
    d = a4("198.51.100.73")

    def key(i):
        return a4("203.0.113.%d" % (i % 256)), i // 256

    def segment(i):
        s, _ = key(i)
        return tcp(s, d, 40000 + i % 20000, 3000 + i % 1000, SYN, options=MSS_OPT)

    for i in range(FLOOD_DATAGRAMS):
        s, ident = key(i)
        r.append(at(i * 50, eth4(frag4(s, d, segment(i), 0, 8, ident))))
    t = FLOOD_DATAGRAMS * 50
    for i in (FLOOD_DATAGRAMS - MAX_FRAGMENT_SETS, FLOOD_DATAGRAMS - 1, FLOOD_DATAGRAMS - MAX_FRAGMENT_SETS - 1, 0):
        s, ident = key(i)
        r.append(at(t, eth4(frag4(s, d, segment(i), 8, 24, ident, last=True))))
        t += 1000
    return ("fragment-flood.pcap", LT_EN10MB, r)


def fx_ipv6_long_chains():
    """SYNs behind 9, 20, 50 and 100 destination-options headers (Linux answers them all), one
    behind a mixed chain of 35 headers, and one behind 50 headers cut at 256 captured bytes."""
    r = []
    s, d = a6("2001:db8::74"), a6("2001:db8:0:100::74")

    def chain(count, last=6):
        return b"".join(ext_opts(60 if i + 1 < count else last) for i in range(count))

    t = 0
    for count in (9, 20, 50, 100):
        r.append(at(t, eth6(ip6(s, d, 60, chain(count) + tcp(s, d, 47000, count, SYN, options=MSS_OPT)))))
        t += 100_000
    mixed = (ext_opts(60) + chain(30, last=43) + ext_srh(44, [a6("2001:db8:ffff::1")])
             + ext_frag(60, 0, False, 301) + ext_opts(6))
    r.append(at(t, eth6(ip6(s, d, 0, mixed + tcp(s, d, 47000, 35, SYN, options=MSS_OPT)))))
    t += 100_000
    r.append(at(t, eth6(ip6(s, d, 60, chain(50) + tcp(s, d, 47001, 51, SYN, options=MSS_OPT))), caplen=256))
    return ("ipv6-long-chains.pcap", LT_EN10MB, r)


def fx_vlan_deep():
    """Three and four tags of 0x8100, 0x88a8 and 0x9100, over IPv4, IPv6 and IPv4 fragments;
    five tags and a SYN-ACK under four produce nothing."""
    r = []
    t = 0
    s, d = a4("192.0.2.75"), a4("198.51.100.75")
    s6, d6 = a6("2001:db8::75"), a6("2001:db8:0:100::75")
    three = ((0x8100, 10), (0x8100, 20), (0x8100, 30))
    three_ad = ((0x88A8, 100), (0x8100, 20), (0x8100, 30))
    four = ((0x88A8, 100), (0x9100, 200), (0x8100, 20), (0x8100, 30))
    five = four + ((0x8100, 40),)

    def add(frame):
        nonlocal t
        r.append(at(t, frame))
        t += 100_000

    add(eth4(syn4("192.0.2.75", "198.51.100.75", 48000, 4001), tags=three))
    add(eth6(syn6("2001:db8::75", "2001:db8:0:100::75", 48000, 4002), tags=three_ad))
    add(eth4(syn4("192.0.2.75", "198.51.100.75", 48000, 4003), tags=four))
    add(eth6(syn6("2001:db8::75", "2001:db8:0:100::75", 48000, 4004), tags=four))
    seg = tcp(s, d, 48000, 4005, SYN, options=MSS_OPT)
    add(eth4(frag4(s, d, seg, 0, 8, 401), tags=four))
    add(eth4(frag4(s, d, seg, 8, 24, 401, last=True), tags=four))
    add(eth4(syn4("192.0.2.75", "198.51.100.75", 48000, 4006), tags=five))
    add(eth4(synack4("192.0.2.75", "198.51.100.75", 48000, 4007), tags=four))
    add(eth6(ip6(s6, d6, 60, ext_opts(60) + ext_opts(6) + tcp(s6, d6, 48000, 4008, SYN, options=MSS_OPT)), tags=four))
    return ("vlan-deep.pcap", LT_EN10MB, r)


def fx_tcp_14_16():
    """SYNs cut after 14, 16 and 13 bytes of TCP header (tcpdump -s 68 on IPv6 keeps 14), and a first
    fragment cut likewise."""
    r = []
    t = 0
    for family, sport in ((4, 49000), (6, 49001)):
        for kept, dport in ((14, 14), (16, 16), (13, 13)):
            if family == 4:
                frame, header = eth4(syn4("192.0.2.76", "198.51.100.76", sport, dport)), 14 + 20
            else:
                frame, header = eth6(syn6("2001:db8::76", "2001:db8:0:100::76", sport, dport)), 14 + 40
            r.append(at(t, frame, caplen=header + kept))
            t += 100_000
    # a first fragment of 24 TCP bytes captured up to 14 of them (yes) and 13 (no)
    s, d = a4("192.0.2.76"), a4("198.51.100.76")
    seg = tcp(s, d, 49002, 80, SYN, options=MSS_OPT)
    for kept in (14, 13):
        r.append(at(t, eth4(frag4(s, d, seg, 0, 24, 7600 + kept)), caplen=14 + 20 + kept))
        t += 100_000
    return ("tcp-14-16.pcap", LT_EN10MB, r)


def fx_connection_flood():
    """100,000 SYNs from spoofed sources within one second, a scanner's four SYNs among them, then
    two SYNs in the next second; replayed with --max-connection-lines 100 (connection-flood.args)."""
    r = []
    d = "198.51.100.77"
    for i in range(100_000):
        r.append(at(i * 10, eth4(syn4("203.0.113.%d" % (i % 256), d, 1024 + i % 60000, 80 + i // 256 % 1000))))
        if i in (50_000, 50_001, 50_002, 50_003):
            r.append(at(i * 10 + 5, eth4(syn4("192.0.2.77", d, 40000, 22 + i - 50_000))))
    r.append(at(1_000_000, eth4(syn4("192.0.2.78", d, 40001, 443))))
    r.append(at(1_000_001, eth4(syn4("192.0.2.78", d, 40002, 444))))
    return ("connection-flood.pcap", LT_EN10MB, r)


# ---------------------------------------------------------------- main

def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    fixtures = [fx_vlan_8021q(), fx_qinq(), fx_ipv4_options(), fx_ipv6_ext_headers(), fx_ipv4_fragments(),
                fx_truncated(), fx_tcp_flags(), fx_raw(LT_RAW, "raw-ip.pcap"), fx_raw(LT_RAW12, "raw-ip-12.pcap"),
                fx_raw(LT_RAW14, "raw-ip-14.pcap"), fx_null(False), fx_null(True), fx_scan_edges(),
                fx_pcap_nsec(), fx_pcap_big_endian(), fx_fragments_synth(), fx_fragments_sll2(),
                fx_fragment_flood(), fx_ipv6_long_chains(), fx_vlan_deep(), fx_tcp_14_16(),
                fx_connection_flood(), fx_clock_step(), fx_ipv6_rotation()] + fx_sll()
    for fx in fixtures:
        name, lt, recs = fx[:3]
        kw = fx[3] if len(fx) > 3 else {}
        write_pcap(os.path.join(outdir, name), lt, recs, **kw)
        print("wrote", name)
    write_pcapng_multi(os.path.join(outdir, "pcapng-multi.pcapng"))
    print("wrote pcapng-multi.pcapng")
    write_pcapng_big_endian(os.path.join(outdir, "pcapng-big-endian.pcapng"))
    print("wrote pcapng-big-endian.pcapng")
    with open(os.path.join(outdir, "ipv6-format-vectors.txt"), "w") as f:
        f.write(ipv6_vectors())
    print("wrote ipv6-format-vectors.txt")


if __name__ == "__main__":
    main()
