#!/usr/bin/env python3
"""Writes the damaged-capture corpus in test-fixtures/bad/ (deterministic, stdlib only).

Each NAME.pcap[ng] starts with good SYNs where the damage allows, then breaks in one way.
NAME.expected holds the lines synwatch prints before the damage (TZ=UTC); NAME.error, where
present, holds a fragment of the one stderr line and means exit status 1. The expected files are
written by hand-checked rules below, not by running synwatch.
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bad")
T0 = 1619623685  # 2021-04-28 15:28:05 UTC


def syn(src_last, sport, dport):
    eth = bytes.fromhex("020000000001020000000002") + struct.pack(">H", 0x0800)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40, 0, 0, 64, 6, 0,
                     bytes([192, 0, 2, src_last]), bytes([198, 51, 100, 1]))
    tcp = struct.pack(">HHIIBBHHH", sport, dport, 1, 0, 0x50, 0x02, 64240, 0, 0)
    return eth + ip + tcp


def pcap_header(snaplen=65535, linktype=1, magic=0xA1B2C3D4):
    return struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)


def record(data, sec=T0, usec=0, caplen=None, length=None):
    caplen = len(data) if caplen is None else caplen
    length = len(data) if length is None else length
    return struct.pack("<IIII", sec, usec, caplen, length) + data


def line(src_last, sport, dport):
    return "2021-04-28 15:28:05: New connection: 192.0.2.%d:%d -> 198.51.100.1:%d\n" % (src_last, sport, dport)


GOOD = record(syn(10, 40000, 80)) + record(syn(11, 40001, 443))
GOOD_LINES = line(10, 40000, 80) + line(11, 40001, 443)


def pcapng_block(btype, body):
    body += b"\0" * (-len(body) % 4)
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


def pcapng(blocks_after_idb):
    shb = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = pcapng_block(0x00000001, struct.pack("<HHI", 1, 0, 65535))
    return shb + idb + b"".join(blocks_after_idb)


def epb(data, sec=T0):
    ts = sec * 1_000_000
    return pcapng_block(0x00000006, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data)) + data)


# name: (bytes, expected lines, error fragment or None)
CASES = {
    "empty.pcap": (b"", "", "truncated dump file"),
    "truncated-global-header.pcap": (pcap_header()[:10], "", "truncated dump file"),
    "bad-magic.pcap": (pcap_header(magic=0xDEADBEEF) + GOOD, "", "unknown file format"),
    "truncated-record-header.pcap": (pcap_header() + GOOD + record(syn(12, 40002, 22))[:9], GOOD_LINES,
                                     "truncated dump file"),
    "record-longer-than-file.pcap": (pcap_header() + GOOD + record(syn(12, 40002, 22))[:30], GOOD_LINES,
                                     "truncated dump file"),
    # libpcap trims such a record to the snaplen and reads on; the SYN's headers survive the trim.
    "record-longer-than-snaplen.pcap": (pcap_header(snaplen=64) + GOOD + record(syn(12, 40002, 22) + b"x" * 46)
                                        + record(syn(13, 40003, 25)),
                                        GOOD_LINES + line(12, 40002, 22) + line(13, 40003, 25), None),
    "record-absurd-length.pcap": (pcap_header() + GOOD + struct.pack("<IIII", T0, 0, 0x7FFFFFFF, 0x7FFFFFFF),
                                  GOOD_LINES, "invalid packet capture length"),
    "zero-length-records.pcap": (pcap_header() + record(b"") + GOOD + record(b"", caplen=0, length=60), GOOD_LINES,
                                 None),
    "unknown-link-type.pcap": (pcap_header(linktype=147) + GOOD, "", "unsupported link type 147"),
    "pcapng-unusual-blocks.pcapng": (pcapng([
        epb(syn(10, 40000, 80)),
        pcapng_block(0x00000BAD, struct.pack("<I", 32473) + b"custom"),        # custom block, copiable
        pcapng_block(0x0000000A, struct.pack("<II", 0x544C534B, 4) + b"keys"),  # decryption secrets
        pcapng_block(0x00000005, struct.pack("<III", 0, 0, 0)),                 # interface statistics
        pcapng_block(0x00000004, struct.pack("<HH", 0, 0)),                     # empty name resolution
        pcapng_block(0x4000ABCD, b"local use"),                                 # unknown, local-use type
        epb(syn(11, 40001, 443)),
    ]), GOOD_LINES, None),
    "pcapng-truncated-block.pcapng": (pcapng([epb(syn(10, 40000, 80)), epb(syn(11, 40001, 443)),
                                              epb(syn(12, 40002, 22))[:20]]), GOOD_LINES, "truncated"),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (data, expected, error) in CASES.items():
        stem = os.path.splitext(name)[0]
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        with open(os.path.join(OUT, stem + ".expected"), "w") as f:
            f.write(expected)
        error_file = os.path.join(OUT, stem + ".error")
        if error:
            with open(error_file, "w") as f:
                f.write(error + "\n")
        elif os.path.exists(error_file):
            os.remove(error_file)
        print("%-36s %5d bytes  %s" % (name, len(data), "exit 1: " + error if error else "exit 0"))


if __name__ == "__main__":
    main()
