#!/usr/bin/env python3
"""Port scans for the scan-to-block benchmark: from each of --count source addresses (consecutive,
from --first, all configured on the sending interface), --ports SYNs to consecutive ports of
--target, 1 ms apart, then --interval seconds to the next source. Raw IPv4 sockets, so no process
is spawned per scan; bounded by --count and --max-seconds. Run inside the scanner namespace only."""
import argparse, ipaddress, random, socket, struct, sys, time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn(src, dst, sport, dport, seq):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), random.getrandbits(16), 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + tcp


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--target", required=True)
    p.add_argument("--first", required=True)
    p.add_argument("--count", type=int, default=120)
    p.add_argument("--ports", type=int, default=4)
    p.add_argument("--base-port", type=int, default=2000)
    p.add_argument("--interval", type=float, default=0.05)
    p.add_argument("--max-seconds", type=float, default=120)
    a = p.parse_args()
    deadline = time.monotonic() + a.max_seconds
    dst = socket.inet_aton(a.target)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    first = ipaddress.IPv4Address(a.first)
    sent = 0
    for i in range(a.count):
        if time.monotonic() > deadline:
            break
        src = socket.inet_aton(str(first + i))
        sport = random.randint(40000, 60000)
        for k in range(a.ports):
            s.sendto(syn(src, dst, sport, a.base_port + k, random.getrandbits(32)), (a.target, 0))
            time.sleep(0.001)
        sent += 1
        time.sleep(a.interval)
    print(f"scans.py: {sent} scans of {a.ports} ports sent", file=sys.stderr)


if __name__ == "__main__":
    main()
