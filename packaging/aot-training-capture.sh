#!/bin/sh
# The capture the JDK's AOT cache is trained on (`synwatch --train-aot-cache`): synthetic traffic from
# bench/GenerateSyns.java, the same bytes every time. 100,000 packets over 100 s of packet time, so
# that training takes every path a long run takes: IPv4, IPv6 and VLAN-tagged SYNs, noise the
# parser ignores, retransmissions, scans and, past the first 60 s, expiry and retired pairs. Trained
# on a 120-packet nmap scan instead, the cache's method profiles misled the JIT on long replays
# (BENCHMARKS.md, issue 15, third pass).
#   packaging/aot-training-capture.sh OUT.pcap      (java from $JAVA, else $JAVA_HOME/bin, else PATH)
set -eu
java=${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}
exec "$java" "$(dirname "$0")/../bench/GenerateSyns.java" --out "$1" --packets 100000 --rate 1000 --seed 2
