#!/usr/bin/env python3
"""Copies stdin to stdout line by line, each line prefixed with CLOCK_REALTIME in microseconds
(for `nft monitor`: when each element appeared in the set)."""
import sys, time

for line in sys.stdin:
    sys.stdout.write(f"{time.time_ns() // 1000} {line}")
    sys.stdout.flush()
