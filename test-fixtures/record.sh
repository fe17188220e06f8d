#!/usr/bin/env bash
# Re-records the live captures of test-fixtures/ (see README.md).
#
# All traffic stays inside two network namespaces created here and joined by one
# veth pair; every address is in the documentation ranges 192.0.2.0/24 and
# 2001:db8::/32. nft rules are only ever loaded inside the target namespace.
# Every step is bounded with `timeout`; the namespaces and the processes started
# in them are removed on exit (also on error or Ctrl-C).
#
# Needs root and: iproute2 nftables nmap tcpdump curl python3 editcap
# (wireshark-common / tshark); ethtool is used if present.
#   Debian: apt-get install -y iproute2 nftables nmap tcpdump curl tshark ethtool
#
# Usage: sudo test-fixtures/record.sh [NAME ...]   (default: every capture)
#   NAME is one of: nmap-syn-ipv4 nmap-connect-ipv4 nmap-syn-ipv6 curl-sessions
#   retransmit-filtered nmap-filtered-ipv4 many-sources any nmap-frag8-ipv4
#   nmap-mtu16-ipv4 scapy-frag-ipv6 fragments-not-syn
# Afterwards every .expected file is regenerated with expected.py --write-all.
# SYNWATCH_TEST_TAG (default empty) is put into the namespace and interface names, beside the
# script's process id, so that several people recording on one host never collide.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TAG=${SYNWATCH_TEST_TAG:-}
C=swrec$TAG-client$$     # client / scanner namespace
T=swrec$TAG-target$$     # target namespace
CIF=swc$TAG$$            # client side of the veth pair (at most 15 characters)
TIF=swt$TAG$$            # target side (captures are taken here)
C4=192.0.2.1
T4=192.0.2.2
C6=2001:db8:0:1::1
T6=2001:db8:0:1::2
WORK=$(mktemp -d /tmp/synwatch-record.XXXXXX)
PIDS=()

need() { command -v "$1" >/dev/null 2>&1 || { echo "record.sh: missing command $1" >&2; exit 1; }; }
for c in ip nft nmap tcpdump curl python3 editcap timeout; do need "$c"; done
[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root" >&2; exit 1; }

teardown() {
    local p
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && kill "$p" 2>/dev/null || true
    done
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && wait "$p" 2>/dev/null || true
    done
    PIDS=()
    # Anything still running inside our own namespaces was started by this script.
    local ns
    for ns in "$C" "$T"; do
        if ip netns list | grep -qw "$ns"; then
            for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
            sleep 0.2
            for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
            ip netns del "$ns" 2>/dev/null || true
        fi
    done
}
cleanup() { teardown; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Fresh namespaces for every capture, so each one starts with empty neighbour caches.
setup() {
    teardown
    ip netns add "$C"
    ip netns add "$T"
    ip link add "$CIF" netns "$C" type veth peer name "$TIF" netns "$T"
    local ns
    for ns in "$C" "$T"; do
        ip -n "$ns" link set lo up
        # keep router solicitations / temporary addresses out of the captures
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
            net.ipv6.conf.all.use_tempaddr=0 net.ipv6.conf.default.use_tempaddr=0
    done
    ip -n "$C" addr add "$C4/24" dev "$CIF"
    ip -n "$C" addr add "$C6/64" dev "$CIF" nodad
    ip -n "$T" addr add "$T4/24" dev "$TIF"
    ip -n "$T" addr add "$T6/64" dev "$TIF" nodad
    if command -v ethtool >/dev/null 2>&1; then
        # real checksums and no segmentation offload, so captures look like wire traffic
        ip netns exec "$C" ethtool -K "$CIF" tx off tso off gso off >/dev/null 2>&1 || true
        ip netns exec "$T" ethtool -K "$TIF" tx off tso off gso off >/dev/null 2>&1 || true
    fi
    ip -n "$C" link set "$CIF" up
    ip -n "$T" link set "$TIF" up
    mkdir -p "$WORK/www"
    echo "synwatch test page" > "$WORK/www/index.html"
}

# Open TCP ports on the target: small HTTP servers (dual stack) on 22, 80, 443 and 8080.
start_servers() {
    local port
    for port in 22 80 443 8080; do
        ip netns exec "$T" timeout 300 python3 -m http.server --bind :: --directory "$WORK/www" "$port" \
            >/dev/null 2>&1 &
        PIDS+=($!)
    done
    local i
    for i in $(seq 1 50); do
        if [ "$(ip netns exec "$T" ss -Hltn | grep -cE ':(22|80|443|8080)\b')" -ge 4 ]; then return 0; fi
        sleep 0.1
    done
    echo "record.sh: servers did not come up" >&2
    exit 1
}

# start_capture OUTFILE [tcpdump args...]: capture in the target namespace until stop_capture
CAP_PID=
start_capture() {
    local out=$1; shift
    local log="$WORK/$(basename "$out").log"
    ip netns exec "$T" timeout -s INT 180 tcpdump -n -U -Z root -s 262144 "$@" -w "$out" 2>"$log" &
    CAP_PID=$!
    PIDS+=($CAP_PID)
    local i
    for i in $(seq 1 100); do
        grep -q "listening on" "$log" 2>/dev/null && { sleep 0.3; return 0; }
        sleep 0.1
    done
    echo "record.sh: tcpdump did not start: $(cat "$log")" >&2
    exit 1
}
stop_capture() {
    local pid
    sleep 1
    for pid in "$@"; do kill -INT "$pid" 2>/dev/null || true; done
    for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

c_exec() { ip netns exec "$C" "$@"; }
t_nft() { ip netns exec "$T" nft "$@"; }

# curl_get URL [curl args...] from the client namespace, body discarded, bounded
curl_get() { local url=$1; shift; c_exec timeout 15 curl -sS -o /dev/null --max-time 10 "$@" "$url" || true; }

publish() {  # publish TMPFILE NAME
    install -m 0644 "$1" "$HERE/$2"
    echo "recorded $2 ($(stat -c %s "$HERE/$2") bytes)"
}

rec_nmap_syn_ipv4() {
    setup; start_servers
    start_capture "$WORK/a.pcap" -i "$TIF"
    c_exec timeout 120 nmap -sS -n -Pn -p 1-120 "$T4" >"$WORK/nmap.txt"
    stop_capture "$CAP_PID"
    publish "$WORK/a.pcap" nmap-syn-ipv4.pcap
}

rec_nmap_connect_ipv4() {
    setup; start_servers
    start_capture "$WORK/a.pcap" -i "$TIF"
    c_exec timeout 120 nmap -sT -n -Pn -p 1-120 "$T4" >"$WORK/nmap.txt"
    stop_capture "$CAP_PID"
    publish "$WORK/a.pcap" nmap-connect-ipv4.pcap
}

rec_nmap_syn_ipv6() {
    setup; start_servers
    start_capture "$WORK/a.pcap" -i "$TIF"
    c_exec timeout 120 nmap -6 -sS -n -Pn -p 1-120 "$T6" >"$WORK/nmap.txt"
    stop_capture "$CAP_PID"
    publish "$WORK/a.pcap" nmap-syn-ipv6.pcap
}

# Benign client: 9 requests over IPv4 and IPv6 to 3 ports, spread over ~5 s.
# Two captures run side by side: microsecond classic pcap and nanosecond pcap (-> pcapng).
rec_curl_sessions() {
    setup; start_servers
    start_capture "$WORK/us.pcap" -i "$TIF"
    local p_us=$CAP_PID
    start_capture "$WORK/ns.pcap" -i "$TIF" --time-stamp-precision=nano
    local p_ns=$CAP_PID
    curl_get "http://$T4:80/";           sleep 0.5
    curl_get "http://[$T6]:80/";         sleep 0.5
    curl_get "http://$T4:8080/";         sleep 0.5
    curl_get "http://[$T6]:8080/";       sleep 0.5
    curl_get "http://$T4:443/";          sleep 0.5
    curl_get "http://[$T6]:443/";        sleep 0.5
    curl_get "http://$T4:80/index.html"; sleep 0.5
    curl_get "http://[$T6]:80/missing";  sleep 0.5
    curl_get "http://$T4:8080/index.html"
    stop_capture "$p_us" "$p_ns"
    publish "$WORK/us.pcap" curl-sessions.pcap
    editcap -F pcapng "$WORK/ns.pcap" "$WORK/ns.pcapng"
    publish "$WORK/ns.pcapng" curl-sessions-ns.pcapng
}

# SYNs to a port the target drops (nft, inside the target namespace) are retransmitted
# by the client kernel after 1, 3 and 7 s; then one connection to an open port.
rec_retransmit_filtered() {
    setup; start_servers
    t_nft -f - <<EOF
table inet synwatch_rec {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport 81 drop
    }
}
EOF
    # Kernels >= 6.x may retransmit the first SYNs linearly (1 s apart, net.ipv4.tcp_syn_linear_timeouts);
    # turn that off in the client namespace (if the knob exists) for the classic 1, 3, 7 s backoff.
    ip netns exec "$C" sysctl -qw net.ipv4.tcp_syn_linear_timeouts=0 2>/dev/null || true
    start_capture "$WORK/a.pcap" -i "$TIF"
    curl_get "http://$T4:81/" --connect-timeout 8 &
    local b1=$!
    sleep 0.2
    curl_get "http://[$T6]:81/" --connect-timeout 8 &
    local b2=$!
    wait "$b1" "$b2" || true
    curl_get "http://$T4:80/"
    stop_capture "$CAP_PID"
    publish "$WORK/a.pcap" retransmit-filtered.pcap
}

# nmap SYN scan where the target silently drops some ports: nmap retransmits probes.
rec_nmap_filtered_ipv4() {
    setup; start_servers
    t_nft -f - <<EOF
table inet synwatch_rec {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport { 20-30, 100-110 } drop
    }
}
EOF
    start_capture "$WORK/a.pcap" -i "$TIF"
    c_exec timeout 150 nmap -sS -n -Pn -p 1-120 "$T4" >"$WORK/nmap.txt"
    stop_capture "$CAP_PID"
    publish "$WORK/a.pcap" nmap-filtered-ipv4.pcap
}

# 24 IPv4 and 4 IPv6 source addresses, each connecting once or twice to port 80.
rec_many_sources() {
    setup; start_servers
    local i
    for i in $(seq 100 123); do ip -n "$C" addr add "192.0.2.$i/24" dev "$CIF"; done
    for i in 100 101 102 103; do ip -n "$C" addr add "2001:db8:0:1::$i/64" dev "$CIF" nodad; done
    start_capture "$WORK/a.pcap" -i "$TIF"
    for i in $(seq 100 123); do
        curl_get "http://$T4:80/" --interface "192.0.2.$i"
        if [ $((i % 3)) = 0 ]; then curl_get "http://$T4:80/" --interface "192.0.2.$i"; fi
        sleep 0.05
    done
    for i in 100 101 102 103; do
        curl_get "http://[$T6]:80/" --interface "2001:db8:0:1::$i"
        if [ $((i % 2)) = 0 ]; then curl_get "http://[$T6]:80/" --interface "2001:db8:0:1::$i"; fi
    done
    stop_capture "$CAP_PID"
    publish "$WORK/a.pcap" many-sources.pcap
}

# Captures on the "any" pseudo-device inside the target namespace: LINUX_SLL2 (default)
# and LINUX_SLL (-y LINUX_SLL), taken side by side. Traffic: client v4+v6 to open and
# closed ports, plus loopback connections made inside the target namespace.
rec_any() {
    setup; start_servers
    start_capture "$WORK/sll2.pcap" -i any
    local p2=$CAP_PID
    start_capture "$WORK/sll.pcap" -i any -y LINUX_SLL
    local p1=$CAP_PID
    curl_get "http://$T4:80/";      sleep 0.3
    curl_get "http://[$T6]:80/";    sleep 0.3
    curl_get "http://$T4:8080/";    sleep 0.3
    curl_get "http://[$T6]:8080/";  sleep 0.3
    curl_get "http://$T4:81/";      sleep 0.3   # closed: RST
    curl_get "http://[$T6]:81/";    sleep 0.3
    ip netns exec "$T" timeout 15 curl -sS -o /dev/null --max-time 10 "http://127.0.0.1:80/" || true
    sleep 0.3
    ip netns exec "$T" timeout 15 curl -sS -o /dev/null --max-time 10 "http://[::1]:8080/" || true
    stop_capture "$p2" "$p1"
    publish "$WORK/sll2.pcap" any-sll2.pcap
    publish "$WORK/sll.pcap" any-sll.pcap
}

# nmap -f: every probe split into IP fragments of 8 data bytes, the flags in the second one.
rec_nmap_frag8_ipv4() {
    setup; start_servers
    start_capture "$WORK/a.pcap" -i "$TIF"
    c_exec timeout 120 nmap -sS -f -n -Pn -p 1-120 "$T4" >"$WORK/nmap.txt"
    stop_capture "$CAP_PID"
    publish "$WORK/a.pcap" nmap-frag8-ipv4.pcap
}

# nmap --mtu 16: first fragments of 16 data bytes, ports and flags readable in them.
rec_nmap_mtu16_ipv4() {
    setup; start_servers
    start_capture "$WORK/a.pcap" -i "$TIF"
    c_exec timeout 120 nmap -sS --mtu 16 -n -Pn -p 1-120 "$T4" >"$WORK/nmap.txt"
    stop_capture "$CAP_PID"
    publish "$WORK/a.pcap" nmap-mtu16-ipv4.pcap
}

# nmap cannot fragment IPv6 ("fragmentation is not supported with IPv6"), so scapy sends the
# probes: SYNs to ports 1-60 behind a fragment header, split after 24 bytes of TCP (header and
# 4 bytes of data; the kernel answers them); SYNs to ports 61-70 whose first fragment holds only
# 8 bytes of TCP (Linux discards such a first fragment, RFC 8200 4.5, and answers nothing); SYNs
# to ports 71-73 behind 9, 20 and 50 destination-options headers (the kernel answers them too).
rec_scapy_frag_ipv6() {
    setup; start_servers
    start_capture "$WORK/a.pcap" -i "$TIF"
    c_exec timeout 60 /usr/bin/python3 - "$CIF" "$C6" "$T6" <<'PY'
import sys, time
from scapy.all import IPv6, IPv6ExtHdrFragment, IPv6ExtHdrDestOpt, TCP, Raw, fragment6, sendp, Ether, conf
conf.verb = 0
iface, src, dst = sys.argv[1:4]
def send(packets):
    for p in packets:
        sendp(Ether() / p, iface=iface)
    time.sleep(0.02)
for port in range(1, 61):
    syn = IPv6(src=src, dst=dst) / IPv6ExtHdrFragment(id=0x5A000000 + port) / TCP(sport=40000 + port, dport=port, flags="S", seq=port) / Raw(b"x" * 40)
    send(fragment6(syn, 40 + 8 + 24))
for port in range(61, 71):
    syn = IPv6(src=src, dst=dst) / IPv6ExtHdrFragment(id=0x5A000000 + port) / TCP(sport=40000 + port, dport=port, flags="S", seq=port) / Raw(b"x" * 40)
    send(fragment6(syn, 40 + 8 + 8))
for port, count in ((71, 9), (72, 20), (73, 50)):
    chain = IPv6(src=src, dst=dst)
    for _ in range(count):
        chain = chain / IPv6ExtHdrDestOpt()
    send([chain / TCP(sport=40000 + port, dport=port, flags="S", seq=port)])
PY
    stop_capture "$CAP_PID"
    publish "$WORK/a.pcap" scapy-frag-ipv6.pcap
}

# Fragmented traffic that holds no pure SYN: ACK and FIN scans and SYN-ACK probes split by
# nmap -f, and UDP datagrams of 3000 bytes over IPv4 and IPv6 that the kernel fragments.
rec_fragments_not_syn() {
    setup; start_servers
    start_capture "$WORK/a.pcap" -i "$TIF"
    c_exec timeout 60 nmap -sA -f -n -Pn -p 1-40 "$T4" >"$WORK/nmap.txt"
    c_exec timeout 60 nmap -sF -f -n -Pn -p 1-40 "$T4" >>"$WORK/nmap.txt"
    c_exec timeout 60 nmap -sS --scanflags SYNACK -f -n -Pn -p 1-40 "$T4" >>"$WORK/nmap.txt"
    c_exec timeout 15 python3 -c '
import socket, sys
for family, host in ((socket.AF_INET, sys.argv[1]), (socket.AF_INET6, sys.argv[2])):
    s = socket.socket(family, socket.SOCK_DGRAM)
    for port in range(5000, 5005):
        s.sendto(b"x" * 3000, (host, port))
' "$T4" "$T6"
    stop_capture "$CAP_PID"
    publish "$WORK/a.pcap" fragments-not-syn.pcap
}

ALL="nmap-syn-ipv4 nmap-connect-ipv4 nmap-syn-ipv6 curl-sessions retransmit-filtered nmap-filtered-ipv4 many-sources any"
ALL="$ALL nmap-frag8-ipv4 nmap-mtu16-ipv4 scapy-frag-ipv6 fragments-not-syn"
for name in ${@:-$ALL}; do
    case "$name" in
        nmap-syn-ipv4|nmap-connect-ipv4|nmap-syn-ipv6|curl-sessions|retransmit-filtered|nmap-filtered-ipv4|many-sources|any\
        |nmap-frag8-ipv4|nmap-mtu16-ipv4|scapy-frag-ipv6|fragments-not-syn)
            "rec_${name//-/_}" ;;
        *) echo "record.sh: unknown capture $name (one of: $ALL)" >&2; exit 2 ;;
    esac
done
teardown
python3 "$HERE/expected.py" --write-all "$HERE"
echo "done"
