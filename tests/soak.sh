#!/usr/bin/env bash
# Soak under a spoofed-source SYN flood (hping3 --rand-source) between two network namespaces that
# this script creates and always deletes. Asserts: memory bounded (RSS flat in the second half),
# the pair and 4-tuple tables at their caps, capture never stalled, stderr quiet (rate-limited), the accounting
# identity captured = parsed + malformed + ring drops, one counter increment per printed line,
# and SIGTERM exiting 0.
#
#   make soak                  (60 s flood; run as root)
#   SOAK_SECONDS=20 make soak  (what CI runs)
#
# Prints "soak: SKIPPED: <reason>" (exit 0) without root or tools, else "soak: PASSED" or
# "soak: FAILED: <what>" (exit 1).
# shellcheck disable=SC2317
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

skip() { echo "soak: SKIPPED: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, raw sockets)"
for tool in ip hping3 timeout bash; do
  command -v "$tool" >/dev/null 2>&1 || skip "'$tool' not found (install: iproute2 hping3 coreutils)"
done
[ -f target/synwatch.jar ] || { echo "soak: FAILED: target/synwatch.jar not found (run 'make build')" >&2; exit 1; }

SECONDS_TO_FLOOD=${SOAK_SECONDS:-60}
CAP=20000                       # small, so the flood reaches it within seconds
SYN_CAP=250000                  # the 4-tuple table's bound, likewise reached in the first seconds
# The spoofed flood fills the pair table but no longer the 4-tuple table: the 4-tuples of the pairs it
# pushes out are cleared, not kept. SWEEPS port sweeps from fixed addresses, 65,536 4-tuples each
# per round of ports, fill that one with 4-tuples of live pairs, which stay (multi-port pairs go last).
SWEEPS=4
NS_TARGET=swsoak-t-$$
NS_FLOOD=swsoak-f-$$
WORK=$(mktemp -d /tmp/synwatch-soak.XXXXXX)
SYNWATCH_PID=
FLOOD_PIDS=()

cleanup() {
  [ ${#FLOOD_PIDS[@]} -gt 0 ] && kill "${FLOOD_PIDS[@]}" 2>/dev/null || true
  [ -n "$SYNWATCH_PID" ] && kill -9 "$SYNWATCH_PID" 2>/dev/null || true
  ip netns del "$NS_TARGET" 2>/dev/null || true
  ip netns del "$NS_FLOOD" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

fail() {
  echo "soak: FAILED: $*"
  echo "--- synwatch stderr"; tail -n 20 "$WORK/stderr" 2>/dev/null || true
  echo "--- last metrics"; grep '^synwatch_' "$WORK/metrics" 2>/dev/null || true
  exit 1
}

ip netns add "$NS_TARGET"
ip netns add "$NS_FLOOD"
ip link add soak0 netns "$NS_TARGET" type veth peer name soak1 netns "$NS_FLOOD"
ip -n "$NS_TARGET" addr add 192.0.2.1/24 dev soak0
ip -n "$NS_FLOOD" addr add 192.0.2.2/24 dev soak1
ip -n "$NS_TARGET" link set lo up
ip -n "$NS_TARGET" link set soak0 up
ip -n "$NS_FLOOD" link set soak1 up

scrape() {  # GET /metrics inside the target namespace into $WORK/metrics
  ip netns exec "$NS_TARGET" timeout 5 bash -c \
    'exec 3<>/dev/tcp/127.0.0.1/9897 && printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && cat <&3' > "$WORK/metrics"
}
metric() { awk -v name="$1" '$1 == name { printf "%d\n", $2 }' "$WORK/metrics"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$SYNWATCH_PID/status"; }

# stdout is counted, not stored: a flood prints a line per spoofed source.
ip netns exec "$NS_TARGET" bin/synwatch -i soak0 --no-block --max-tracked-pairs "$CAP" --max-tracked-syns "$SYN_CAP" \
  --metrics-address 127.0.0.1:9897 2> "$WORK/stderr" | grep -c "New connection" > "$WORK/lines" &
for _ in $(seq 1 100); do
  SYNWATCH_PID=$(pgrep -f -n "synwatch.jar -i soak0" || true)
  [ -n "$SYNWATCH_PID" ] && grep -q "capturing on soak0" "$WORK/stderr" && break
  sleep 0.2
done
grep -q "capturing on soak0" "$WORK/stderr" || fail "synwatch did not start"

ip netns exec "$NS_FLOOD" timeout "$SECONDS_TO_FLOOD" hping3 --rand-source -S -p 80 --flood -q 192.0.2.1 \
  > "$WORK/hping" 2>&1 &
FLOOD_PIDS+=($!)
for i in $(seq 1 "$SWEEPS"); do   # from 192.0.2.11 on, a fixed source port, the destination port one up per packet
  ip netns exec "$NS_FLOOD" timeout "$SECONDS_TO_FLOOD" hping3 -a "192.0.2.$((10 + i))" -s "$((40000 + i))" -k -S -p ++1 \
    --flood -q 192.0.2.1 > "$WORK/hping-sweep-$i" 2>&1 &
  FLOOD_PIDS+=($!)
done

samples=$(( SECONDS_TO_FLOOD / 5 ))
[ "$samples" -ge 4 ] || samples=4
interval=$(awk -v s="$SECONDS_TO_FLOOD" -v n="$samples" 'BEGIN { printf "%.2f", s / n }')
previous_captured=0
declare -a rss
for i in $(seq 1 "$samples"); do
  sleep "$interval"
  kill -0 "$SYNWATCH_PID" 2>/dev/null || fail "synwatch died during the flood"
  scrape || fail "metrics not served during the flood"
  captured=$(metric synwatch_packets_captured_total)
  rss[i]=$(rss_kb)
  echo "soak: t=${i}x${interval}s captured=$captured tracked=$(metric synwatch_tracked_pairs)" \
       "ring_dropped=$(metric synwatch_ring_dropped_total) kernel_dropped=$(metric 'synwatch_capture_dropped_packets_total{where="kernel",}')" \
       "rss=${rss[i]}kB"
  [ "$captured" -gt "$previous_captured" ] || fail "capture stalled: packets_captured stayed at $captured"
  previous_captured=$captured
done
wait "${FLOOD_PIDS[@]}" 2>/dev/null || true
FLOOD_PIDS=()

sleep 2   # let the ring drain; the link is quiet now
scrape || fail "metrics not served after the flood"
tracked=$(metric synwatch_tracked_pairs)
tracked_syns=$(metric synwatch_tracked_syns)
syns_forgotten=$(metric synwatch_recent_syns_evicted_total)
captured=$(metric synwatch_packets_captured_total)
parsed=$(metric synwatch_packets_parsed_total)
malformed=$(metric synwatch_packets_malformed_total)
ring_dropped=$(metric synwatch_ring_dropped_total)
reported=$(( $(metric 'synwatch_new_connections_total{family="ipv4",}') + $(metric 'synwatch_new_connections_total{family="ipv6",}') ))

start=$(date +%s%N)
kill -TERM "$SYNWATCH_PID"
for _ in $(seq 1 100); do kill -0 "$SYNWATCH_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$SYNWATCH_PID" 2>/dev/null && fail "synwatch still running 5 s after SIGTERM"
wait || true
SYNWATCH_PID=
stop_ms=$(( ($(date +%s%N) - start) / 1000000 ))
lines=$(cat "$WORK/lines")
stderr_lines=$(wc -l < "$WORK/stderr")
half=$(( samples / 2 ))
peak=0; for i in $(seq 1 "$samples"); do [ "${rss[i]}" -gt "$peak" ] && peak=${rss[i]}; done

echo "soak: flood ${SECONDS_TO_FLOOD}s: captured=$captured parsed=$parsed malformed=$malformed ring_dropped=$ring_dropped"
echo "soak: 4-tuples=$tracked_syns (cap $SYN_CAP) forgotten=$syns_forgotten"
echo "soak: lines=$lines counter=$reported tracked=$tracked (cap $CAP) rss mid=${rss[half]}kB end=${rss[samples]}kB peak=${peak}kB"
echo "soak: stderr lines=$stderr_lines; SIGTERM to exit: ${stop_ms} ms"

[ "$tracked" -eq "$CAP" ] || fail "tracked pairs $tracked, expected the cap $CAP"
# The table keeps at least the cap (exactly), and at most twice it: it grows by doubling to the first
# power of two of at least 2 x the cap, filled to three quarters (detect/RecentSyns).
[ "$tracked_syns" -ge "$SYN_CAP" ] || fail "the flood never filled the 4-tuple table to its cap $SYN_CAP ($tracked_syns)"
[ "$tracked_syns" -le $(( 2 * SYN_CAP )) ] || fail "4-tuples $tracked_syns, over twice the cap $SYN_CAP"
[ "$captured" -eq $(( parsed + malformed + ring_dropped )) ] ||
  fail "accounting: captured $captured != parsed $parsed + malformed $malformed + ring drops $ring_dropped"
[ "$lines" -eq "$reported" ] || fail "$lines New connection lines but the counter says $reported"
[ "${rss[samples]}" -le $(( rss[half] * 12 / 10 )) ] || fail "RSS grew from ${rss[half]} kB to ${rss[samples]} kB in the second half"
[ "$peak" -le 700000 ] || fail "RSS peaked at $peak kB"
[ "$stderr_lines" -le 5 ] || fail "stderr not rate-limited: $stderr_lines lines"
echo "soak: PASSED"
