#!/usr/bin/env python3
"""Reference oracle for synwatch: prints the lines synwatch must print for a capture.

Independent of the Java implementation; Python 3 standard library only.
Times are printed in UTC (the .expected files assume synwatch runs with TZ=UTC).

Usage:
  expected.py FILE [FILE ...]   print the expected lines (files processed one after another,
                                state is NOT shared between files)
  expected.py --write-all [DIR] write NAME.expected next to every *.pcap / *.pcapng in DIR
                                (default: the directory of this script)
  expected.py --check [DIR]     compare every NAME.expected with a fresh computation

Rules (see README.md):
  * candidate = link layer parsed (Ethernet with up to 4 0x8100/0x88a8/0x9100 tags,
    LINUX_SLL 113 / LINUX_SLL2 276 protocol field, RAW 101/12/14 by version nibble,
    NULL 0 little-endian family, LOOP 108 big-endian family; family 2 = IPv4, 24/28/30 = IPv6);
    IPv4: version 4, IHL >= 5, whole IP header captured, protocol 6; fragments (MF set or
    offset != 0) go through the reassembly model below;
    IPv6: version 6, 40-byte header captured, skip 0/43/60 ((hdr[1]+1)*8 bytes) and 44
    (8 bytes, offset != 0 -> ignore the packet) for as long as they go, then next header 6;
    a first fragment (M=1) must carry 20 TCP bytes by its payload length (Linux discards it otherwise);
    TCP: first 14 bytes captured (ports, flags), data offset >= 5, SYN set, ACK clear.
  * IPv4 fragments: per (src, dst, id), the first 16 bytes of the TCP segment are collected,
    byte by byte, from fragments starting below byte 16; a fragment whose bytes there were all
    received is a duplicate (ignored), one that covers some received bytes drops the datagram.
    The 14th byte arriving makes the header complete: judged like any TCP header, at that time.
    A first fragment with 14 bytes or more on its own is judged at once. At most 8192 datagrams
    wait; the one opened first leaves to make room; before each fragment at t, datagrams opened
    at or before t - 30 s leave, in the order they were opened.
  * timestamps in microseconds (finer resolutions truncated); line second = floor.
  * clock: now = the latest timestamp seen so far (a packet stamped earlier than that counts at
    it, like Zeek's network time); windows, retransmissions and episodes use now, and a line
    prints the packet's own timestamp.
  * retransmission: same (src, sport, dst, dport) seen < 60 s before now -> not reported;
    the 4-tuple's last-seen time becomes now either way.
  * port scan over reported SYNs, per (src, dst): see PortScan below.
"""
import datetime
import os
import socket
import struct
import sys

WINDOW_US = 60 * 1_000_000
FRAGMENT_TIMEOUT_US = 30 * 1_000_000
MAX_FRAGMENT_SETS = 8192
TCP_NEEDED = 14          # ports, sequence, acknowledgement, data offset, flags
FRAGMENT_KEPT = 16      # fragment offsets are multiples of 8: the first two units hold the 14 bytes


# ------------------------------------------------------------------ capture readers

class CaptureError(Exception):
    pass


def read_packets(path):
    """Yield (linktype, ts_us, captured_bytes) for every packet record, in file order."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 4:
        return
    magic_le = struct.unpack_from("<I", data, 0)[0]
    if magic_le == 0x0A0D0D0A:
        yield from _read_pcapng(data)
    else:
        yield from _read_pcap(data)


def _read_pcap(data):
    if len(data) < 24:
        raise CaptureError("short pcap header")
    for endian in ("<", ">"):
        magic = struct.unpack_from(endian + "I", data, 0)[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            break
    else:
        raise CaptureError("not a pcap/pcapng file")
    nsec = magic == 0xA1B23C4D
    linktype = struct.unpack_from(endian + "I", data, 20)[0] & 0x0FFFFFFF   # upper bits: FCS info
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack_from(endian + "IIII", data, pos)
        pos += 16
        if pos + incl > len(data):
            break                                     # truncated final record: stop
        pkt = data[pos:pos + incl]
        pos += incl
        us = sec * 1_000_000 + (frac // 1000 if nsec else frac)
        yield linktype, us, pkt


def _read_pcapng(data):
    pos = 0
    endian = "<"
    interfaces = []           # per section: list of (linktype, units_per_second, offset_seconds)
    while pos + 12 <= len(data):
        btype_raw = data[pos:pos + 4]
        if btype_raw == b"\x0a\x0d\x0d\x0a":
            bom = data[pos + 8:pos + 12]
            if bom == b"\x4d\x3c\x2b\x1a":
                endian = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                endian = ">"
            else:
                raise CaptureError("bad pcapng byte-order magic")
            interfaces = []
        btype, blen = struct.unpack_from(endian + "II", data, pos)
        if blen < 12 or pos + blen > len(data):
            break
        body = data[pos + 8:pos + blen - 4]
        pos += blen
        if btype == 1:                                          # Interface Description Block
            linktype = struct.unpack_from(endian + "H", body, 0)[0]
            units, offset = 1_000_000, 0
            for code, val in _ng_options(body[8:], endian):
                if code == 9 and len(val) >= 1:                 # if_tsresol
                    r = val[0]
                    units = (1 << (r & 0x7F)) if r & 0x80 else 10 ** r
                elif code == 14 and len(val) >= 8:              # if_tsoffset (seconds)
                    offset = struct.unpack(endian + "q", val[:8])[0]
            interfaces.append((linktype, units, offset))
        elif btype in (6, 2):                                   # Enhanced / obsolete Packet Block
            if btype == 6:
                ifid, hi, lo, caplen, _orig = struct.unpack_from(endian + "IIIII", body, 0)
            else:
                ifid, _drops, hi, lo, caplen, _orig = struct.unpack_from(endian + "HHIIII", body, 0)
            if ifid >= len(interfaces):
                raise CaptureError("packet for undeclared interface %d" % ifid)
            linktype, units, offset = interfaces[ifid]
            ticks = (hi << 32) | lo
            us = ticks * 1_000_000 // units + offset * 1_000_000     # truncation toward -inf
            start = 20
            yield linktype, us, body[start:start + caplen]
        # other blocks (SPB has no timestamp, NRB, ISB, custom...) are skipped


def _ng_options(buf, endian):
    p = 0
    while p + 4 <= len(buf):
        code, ln = struct.unpack_from(endian + "HH", buf, p)
        p += 4
        if code == 0:
            return
        yield code, buf[p:p + ln]
        p += (ln + 3) & ~3


# ------------------------------------------------------------------ packet parsing

ETH_TAGS = (0x8100, 0x88A8, 0x9100)
MAX_VLAN_TAGS = 4        # as many as the kernel filter nests; a fifth tag produces nothing
FAM_V4 = (2,)
FAM_V6 = (24, 28, 30)


def network_layer(linktype, pkt):
    """Return (kind, bytes) with kind 'v4' / 'v6' / 'raw' (decide by version nibble), or None."""
    if linktype == 1:                                    # Ethernet
        off = 12
        tags = 0
        while True:
            if off + 2 > len(pkt):
                return None
            et = (pkt[off] << 8) | pkt[off + 1]
            if et in ETH_TAGS:
                tags += 1
                if tags > MAX_VLAN_TAGS:
                    return None
                off += 4
                continue
            off += 2
            break
        return _by_ethertype(et, pkt[off:])
    if linktype == 113:                                  # LINUX_SLL
        if len(pkt) < 16:
            return None
        return _by_ethertype((pkt[14] << 8) | pkt[15], pkt[16:])
    if linktype == 276:                                  # LINUX_SLL2
        if len(pkt) < 20:
            return None
        return _by_ethertype((pkt[0] << 8) | pkt[1], pkt[20:])
    if linktype in (101, 12, 14):                        # RAW
        return ("raw", pkt)
    if linktype in (0, 108):                             # NULL (little endian) / LOOP (big endian)
        if len(pkt) < 4:
            return None
        fam = struct.unpack_from("<I" if linktype == 0 else ">I", pkt, 0)[0]
        if fam in FAM_V4:
            return ("v4", pkt[4:])
        if fam in FAM_V6:
            return ("v6", pkt[4:])
        return None
    return None


def _by_ethertype(et, payload):
    if et == 0x0800:
        return ("v4", payload)
    if et == 0x86DD:
        return ("v6", payload)
    return None


class Reassembly:
    """The first FRAGMENT_KEPT bytes of each fragmented IPv4 TCP datagram, oldest first."""

    def __init__(self):
        self.datagrams = {}      # (src, dst, id) -> [opened_us, {index: byte}]; dicts keep insertion order

    def fragment(self, t, key, start, data, wire_length):
        """Returns the 14 header bytes when this fragment completes them, else None."""
        if start >= FRAGMENT_KEPT or wire_length == 0:
            return None
        end = min(start + wire_length, FRAGMENT_KEPT)
        if len(data) < min(end, TCP_NEEDED) - start:
            return None                                  # the needed bytes lie past the snaplen
        for old in list(self.datagrams):
            if self.datagrams[old][0] > t - FRAGMENT_TIMEOUT_US:
                break
            del self.datagrams[old]
        if key not in self.datagrams:
            if start == 0 and end >= TCP_NEEDED:
                return bytes(data[:TCP_NEEDED])
            if len(self.datagrams) >= MAX_FRAGMENT_SETS:
                del self.datagrams[next(iter(self.datagrams))]
            self.datagrams[key] = [t, {}]
        got = self.datagrams[key][1]
        wanted = range(start, end)
        present = [i for i in wanted if i in got]
        if len(present) == len(wanted):
            return None                                  # duplicate: the first copy stays
        if present:
            del self.datagrams[key]                      # overlap: Linux drops the datagram
            return None
        for i in wanted:
            got[i] = data[i - start] if i - start < len(data) else None    # past the snaplen: never read
        if all(i in got for i in range(TCP_NEEDED)):
            del self.datagrams[key]
            return bytes(got[i] for i in range(TCP_NEEDED))
        return None


def parse_syn(linktype, pkt, t=0, reassembly=None):
    """Return (family, src_bytes, sport, dst_bytes, dport) for a pure SYN, else None."""
    nl = network_layer(linktype, pkt)
    if nl is None:
        return None
    kind, ip = nl
    if not ip:
        return None
    version = ip[0] >> 4
    if kind == "raw":
        kind = {4: "v4", 6: "v6"}.get(version)
        if kind is None:
            return None
    if kind == "v4":
        if version != 4:
            return None
        ihl = (ip[0] & 0x0F) * 4
        if ihl < 20 or len(ip) < ihl:
            return None
        if ip[9] != 6:
            return None
        src, dst = ip[12:16], ip[16:20]
        fam = socket.AF_INET
        field = (ip[6] << 8) | ip[7]
        if field & 0x3FFF:                                  # MF or an offset: a fragment
            total = (ip[2] << 8) | ip[3]
            if total < ihl or reassembly is None:
                return None
            tcp = reassembly.fragment(t, (bytes(src), bytes(dst), (ip[4] << 8) | ip[5]),
                                      (field & 0x1FFF) * 8, ip[ihl:total], total - ihl)
            if tcp is None:
                return None
        else:
            tcp = ip[ihl:]
    else:
        if version != 6 or len(ip) < 40:
            return None
        nh = ip[6]
        src, dst = ip[8:24], ip[24:40]
        fam = socket.AF_INET6
        plen = (ip[4] << 8) | ip[5]
        off = 40
        first_fragment = False
        while nh in (0, 43, 60, 44):              # every header is 8 bytes or more: the walk ends
            if nh == 44:
                if off + 8 > len(ip):
                    return None
                fo = ((ip[off + 2] << 8) | ip[off + 3]) >> 3
                if fo != 0:
                    return None
                first_fragment = first_fragment or bool(ip[off + 3] & 1)
                nh, off = ip[off], off + 8
            else:
                if off + 2 > len(ip):
                    return None
                nh, off = ip[off], off + (ip[off + 1] + 1) * 8
        if nh != 6:
            return None
        if first_fragment and plen != 0 and off + 20 > 40 + plen:
            return None
        tcp = ip[off:]
    if len(tcp) < TCP_NEEDED:
        return None
    doff = tcp[12] >> 4
    flags = tcp[13]
    if doff < 5:
        return None
    if not (flags & 0x02) or (flags & 0x10):
        return None
    sport = (tcp[0] << 8) | tcp[1]
    dport = (tcp[2] << 8) | tcp[3]
    return fam, bytes(src), sport, bytes(dst), dport


# ------------------------------------------------------------------ detection

def fmt_time(us):
    sec = us // 1_000_000
    dt = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=sec)
    return dt.strftime("%Y-%m-%d %H:%M:%S")


def fmt_addr(fam, b):
    return socket.inet_ntop(fam, b)


def fmt_endpoint(fam, b, port):
    a = fmt_addr(fam, b)
    return ("[%s]:%d" if fam == socket.AF_INET6 else "%s:%d") % (a, port)


class PortScan:
    """Per (src, dst) pair: latest time of each distinct destination port, episode state."""

    def __init__(self):
        self.ports = {}          # port -> latest reported time (µs)
        self.active = False
        self.last_new = None

    def on_reported(self, t, dport):
        """Returns the sorted port list when a scan line is due, else None."""
        if self.active and t - self.last_new >= WINDOW_US:
            self.active = False
        self.last_new = t
        self.ports[dport] = t
        window = sorted(p for p, tp in self.ports.items() if tp > t - WINDOW_US)
        if len(window) > 3 and not self.active:
            self.active = True
            return window
        return None


def max_connection_lines(path):
    """NAME.args may hold --max-connection-lines N (the options the capture is replayed with)."""
    args = os.path.splitext(path)[0] + ".args"
    if not os.path.exists(args):
        return None
    with open(args) as f:
        words = f.read().split()
    return int(words[words.index("--max-connection-lines") + 1]) if "--max-connection-lines" in words else None


def lines_for(path):
    limit = max_connection_lines(path)
    # the second of the latest New connection line, lines printed and held back since it began
    held = {"second": None, "shown": 0, "count": 0}

    def connection_line(second, line):
        if held["second"] != second:
            flush_held()
            held["second"], held["shown"] = second, 0
        if limit is not None and held["shown"] >= limit:
            held["count"] += 1
            return
        held["shown"] += 1
        out.append(line)

    def flush_held():
        if held["count"]:
            out.append("%s: %d new connections not shown (over --max-connection-lines %d)" % (
                fmt_time(held["second"] * 1_000_000), held["count"], limit))
        held["count"] = 0

    out = []
    last_seen = {}               # (fam, src, sport, dst, dport) -> µs
    pairs = {}                   # (fam, src, dst) -> PortScan
    now = None                   # the detector's clock: the latest timestamp so far
    reassembly = Reassembly()
    for linktype, t, pkt in read_packets(path):
        syn = parse_syn(linktype, pkt, t, reassembly)
        if syn is None:
            continue
        now = t if now is None else max(now, t)
        fam, src, sport, dst, dport = syn
        key = (fam, src, sport, dst, dport)
        prev = last_seen.get(key)
        last_seen[key] = now
        if prev is not None and now - prev < WINDOW_US:
            continue
        ts = fmt_time(t)
        connection_line(t // 1_000_000, "%s: New connection: %s -> %s" % (
            ts, fmt_endpoint(fam, src, sport), fmt_endpoint(fam, dst, dport)))
        ps = pairs.setdefault((fam, src, dst), PortScan())
        ports = ps.on_reported(now, dport)
        if ports is not None:
            out.append("%s: Port scan detected: %s -> %s on ports %s" % (
                ts, fmt_addr(fam, src), fmt_addr(fam, dst), ",".join(str(p) for p in ports)))
    flush_held()
    return out


def capture_files(d):
    """Captures whose output the oracle defines. NAME.error marks a file libpcap itself refuses
    (its words are in that file), so synwatch prints what libpcap delivered before it: written by hand."""
    return sorted(os.path.join(d, n) for n in os.listdir(d)
                  if (n.endswith(".pcap") or n.endswith(".pcapng"))
                  and not os.path.exists(os.path.join(d, os.path.splitext(n)[0] + ".error")))


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] in ("--write-all", "--check"):
        d = argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))
        bad = 0
        for f in capture_files(d):
            text = "".join(l + "\n" for l in lines_for(f))
            exp = os.path.splitext(f)[0] + ".expected"
            if argv[0] == "--write-all":
                with open(exp, "w") as fh:
                    fh.write(text)
                print("%-40s %4d lines" % (os.path.basename(exp), text.count("\n")))
            else:
                try:
                    with open(exp) as fh:
                        old = fh.read()
                except FileNotFoundError:
                    old = None
                if old != text:
                    bad += 1
                    print("MISMATCH", os.path.basename(exp))
        return 1 if bad else 0
    for f in argv:
        for line in lines_for(f):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
