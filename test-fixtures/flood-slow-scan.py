#!/usr/bin/env python3
"""Writes flood-slow-scan.pcap (about 140 MB, so it is generated at test time, not committed).

A slow port scan through a spoofed-source SYN flood, at synwatch's default settings:
  * the scanner 203.0.113.7 sends one SYN every 8 s to 192.0.2.1, ports 22, 80, 443, 8080, 3306,
    at T0 + 0, 8, 16, 24, 32 s;
  * between its 2nd and 4th SYN, 2,000,000 spoofed sources (10.0.0.0/8, each used once) send one
    SYN each to 192.0.2.1:80, 125,000 a second: a million new pairs in each 8-s gap, as many as
    the default --max-tracked-pairs, so a table that evicts the least recently active pair loses
    the scanner twice and sees only 8080 and 3306. The capture lasts 40 s.
Expected: 2,000,005 New connection lines and, at T0 + 24 s, the scan on 22,80,443,8080.
Deterministic, stdlib only. Usage: flood-slow-scan.py OUT.pcap
"""
import struct
import sys

T0 = 1619623685          # 2021-04-28 15:28:05 UTC
US = 1_000_000
SCANNER = bytes([203, 0, 113, 7])
TARGET = bytes([192, 0, 2, 1])
SCAN = [(0, 22), (8, 80), (16, 443), (24, 8080), (32, 3306)]
FLOOD = 2_000_000
FLOOD_START, FLOOD_END = 8, 24


def frame(src, sport, dport):
    eth = bytes.fromhex("020000000001020000000002") + b"\x08\x00"
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40, 0, 0, 64, 6, 0, src, TARGET)
    tcp = struct.pack(">HHIIBBHHH", sport, dport, 1, 0, 0x50, 0x02, 64240, 0, 0)
    return eth + ip + tcp


def main(path):
    events = [(t * US, frame(SCANNER, 40000 + i, port)) for i, (t, port) in enumerate(SCAN)]
    template = bytearray(frame(bytes(4), 0, 80))
    record = bytearray(16 + len(template))
    struct.pack_into("<II", record, 8, len(template), len(template))
    record[16:] = template
    step = (FLOOD_END - FLOOD_START) * US / FLOOD
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        pending = iter(sorted(events, key=lambda e: e[0]))
        nxt = next(pending)
        for n in range(FLOOD):
            t = FLOOD_START * US + int(n * step) + 1
            while nxt is not None and nxt[0] <= t:
                out.write(struct.pack("<IIII", T0 + nxt[0] // US, nxt[0] % US, len(nxt[1]), len(nxt[1])) + nxt[1])
                nxt = next(pending, None)
            struct.pack_into("<II", record, 0, T0 + t // US, t % US)
            source = 0x0A000000 + n + 1
            struct.pack_into(">I", record, 16 + 26, source)
            struct.pack_into(">H", record, 16 + 34, 1024 + n % 60000)
            out.write(record)
        while nxt is not None:
            out.write(struct.pack("<IIII", T0 + nxt[0] // US, nxt[0] % US, len(nxt[1]), len(nxt[1])) + nxt[1])
            nxt = next(pending, None)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
