#!/usr/bin/env bash
# End-to-end test of fleet mode: a real redis-server and three synwatch agents, each in a network
# namespace of its own, scanned by nmap from a fifth; every namespace is this script's and is deleted.
#
#   make e2e                (runs tests/e2e.sh, then this; as root)
#   bash tests/fleet-e2e.sh (once target/synwatch.jar exists)
#
#   node-a 192.0.2.1 ──┐
#   node-b 192.0.2.2 ──┤                     node-b's default gateway is 192.0.2.254 (br0)
#   node-c 192.0.2.3 ──┼── br0 192.0.2.254 in "switch"
#   redis 192.0.2.10 ──┤
#   scanner 192.0.2.66, .67, .68 ──┘
#
# Checks: an nmap scan of A is blocked on A, and on B and C with the fleet line; a sweep of port 22
# across the three with --fleet-sweep-hosts 2 is reported once and blocked on all three; a scan
# spoofed from B's gateway is blocked by A and C but not by B, which says why; with Redis killed the
# agents go on detecting and blocking, and when it is back they reconnect and resync; a restarted
# agent adopts the fleet's live blocks. Waits are bounded polls; the propagation time is logged, not
# judged (timings belong to `make bench`).
# Needs root, ip, nft, nmap, python3, redis-server, redis-cli; otherwise "fleet-e2e: SKIPPED".
# shellcheck disable=SC2317
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
HARNESS=fleet-e2e MORE_FAILURES=1
# shellcheck source=tests/lib.sh
. tests/lib.sh

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, nftables, raw sockets)"
for tool in ip nft nmap hping3 python3 redis-server redis-cli timeout curl; do
  command -v "$tool" >/dev/null 2>&1 || skip "'$tool' not found (install: iproute2 nftables nmap hping3 python3 redis-server curl)"
done
require_jar

SUFFIX=$$
NS_SWITCH=swfl-switch-$SUFFIX
NS_REDIS=swfl-redis-$SUFFIX
NS_SCANNER=swfl-scanner-$SUFFIX
IFACE=fl0
NODES=(a b c)
declare -A NS ADDR OUT ERR PID
for i in 0 1 2; do
  n=${NODES[$i]}
  NS[$n]=swfl-node$n-$SUFFIX
  ADDR[$n]=192.0.2.$((i + 1))
done
REDIS4=192.0.2.10
GATEWAY4=192.0.2.254
SCANNER4=192.0.2.66     # nmap scan of A
SWEEPER4=192.0.2.67     # port-22 sweep
OUTAGE4=192.0.2.68      # scan while Redis is down
PASSWORD=fleet-e2e-$SUFFIX-$RANDOM
REDIS_PORT=6379
TMP=$(mktemp -d /tmp/synwatch-fleet-e2e.XXXXXX)
REDIS_PID=""
for n in "${NODES[@]}"; do OUT[$n]=$TMP/$n.stdout; ERR[$n]=$TMP/$n.stderr; PID[$n]=""; done

trap cleanup EXIT
trap 'echo "fleet-e2e: interrupted" >&2; exit 130' INT
trap 'echo "fleet-e2e: terminated" >&2; exit 143' TERM

diagnostics() {
  local n
  echo "================ fleet-e2e diagnostics ================"
  for n in "${NODES[@]}"; do
    echo "----- node-$n stdout -----"; tail -n 30 "${OUT[$n]}" 2>/dev/null || true
    echo "----- node-$n stderr -----"; tail -n 30 "${ERR[$n]}" 2>/dev/null || true
    echo "----- node-$n blocked4 -----"; in_ns "${NS[$n]}" nft list set inet synwatch blocked4 2>&1 | tail -n 8 || true
  done
  echo "----- redis log -----"; tail -n 20 "$TMP/redis.log" 2>/dev/null || true
  for f in "$TMP"/nmap*.txt "$TMP"/hping.txt; do echo "----- $f -----"; tail -n 5 "$f"; done
  echo "======================================================="
}

blocked_on() {  # node address: the node's nft set holds the address
  in_ns "${NS[$1]}" nft list set inet synwatch blocked4 2>/dev/null \
    | grep -E "(^|[^0-9.])$(re_escape "$2")([^0-9.]|\$)" >/dev/null
}
fleet_line() { echo "^$TS: Blocked $(re_escape "$1") for [0-9hms]+ \\(fleet: node-$2\\)\$"; }
all_have() {  # ERE nodes...: every node's stdout has a matching line
  local re=$1 n; shift
  for n in "$@"; do has_line "$re" "${OUT[$n]}" || return 1; done
}
connected() {  # node: its metrics say the fleet is connected
  in_ns "${NS[$1]}" curl -s --max-time 2 http://127.0.0.1:9897/metrics 2>/dev/null | grep -qx 'synwatch_fleet_connected 1.0'
}
all_connected() { local n; for n in "${NODES[@]}"; do connected "$n" || return 1; done; }
none_connected() { local n; for n in "${NODES[@]}"; do ! connected "$n" || return 1; done; }

setup_topology() {
  local ns name
  ip -n "$NS_SWITCH" link set lo up
  ip -n "$NS_SWITCH" link add br0 type bridge stp_state 0 mcast_snooping 0
  ip -n "$NS_SWITCH" addr add "$GATEWAY4/24" dev br0
  ip -n "$NS_SWITCH" link set br0 up
  for name in a b c redis scanner; do
    case $name in
      redis) ns=$NS_REDIS ;; scanner) ns=$NS_SCANNER ;; *) ns=${NS[$name]} ;;
    esac
    bridge_port "$NS_SWITCH" "$ns" "to-$name" "$IFACE"
  done
  for name in a b c; do ip -n "${NS[$name]}" addr add "${ADDR[$name]}/24" dev "$IFACE"; done
  ip -n "${NS[b]}" route add default via "$GATEWAY4"
  ip -n "$NS_REDIS" addr add "$REDIS4/24" dev "$IFACE"
  for addr in "$SCANNER4" "$SWEEPER4" "$OUTAGE4"; do ip -n "$NS_SCANNER" addr add "$addr/24" dev "$IFACE"; done
}

start_redis() {
  # ip netns exec directly, not through in_ns: a function run with & is a subshell, whose PID is not redis-server's.
  ip netns exec "$NS_REDIS" redis-server --port "$REDIS_PORT" --bind "$REDIS4" --requirepass "$PASSWORD" --save "" \
    --appendonly no --dir "$TMP" --logfile "$TMP/redis.log" --daemonize no </dev/null >/dev/null 2>&1 &
  REDIS_PID=$!
  PIDS+=("$REDIS_PID")
  poll 15 redis_up || fatal "redis-server did not answer within 15 s"
}
redis_up() { in_ns "$NS_REDIS" redis-cli -h "$REDIS4" -p "$REDIS_PORT" --no-auth-warning -a "$PASSWORD" PING 2>/dev/null | grep -q PONG; }
redis_cli() { in_ns "$NS_REDIS" redis-cli -h "$REDIS4" -p "$REDIS_PORT" --no-auth-warning -a "$PASSWORD" "$@"; }
kill_redis() { kill -KILL "$REDIS_PID" 2>/dev/null; wait "$REDIS_PID" 2>/dev/null || true; REDIS_PID=""; }

capturing() { grep -qF "capturing on $IFACE " "${ERR[$1]}" 2>/dev/null; }
start_agent() {  # node [extra args...]
  local n=$1; shift
  SYNWATCH_FLEET_PASSWORD=$PASSWORD ip netns exec "${NS[$n]}" bin/synwatch -i "$IFACE" \
    --metrics-address 127.0.0.1:9897 --fleet "redis://$REDIS4:$REDIS_PORT" --fleet-name "node-$n" \
    --fleet-sweep-hosts 2 "$@" >>"${OUT[$n]}" 2>>"${ERR[$n]}" </dev/null &
  PID[$n]=$!
  PIDS+=("${PID[$n]}")
  poll 60 capturing "$n" || fatal "node-$n did not start capturing within 60 s"
}
stop_agent() {
  kill -TERM "${PID[$1]}" 2>/dev/null || true
  local i
  for i in $(seq 1 150); do kill -0 "${PID[$1]}" 2>/dev/null || break; sleep 0.1; done
  wait "${PID[$1]}" 2>/dev/null || true
}
syn_to() {  # source destination port: one connection attempt (a SYN) from the scanner namespace
  in_ns "$NS_SCANNER" python3 -c '
import socket, sys
s = socket.socket(); s.bind((sys.argv[1], 0)); s.settimeout(1)
s.connect_ex((sys.argv[2], int(sys.argv[3]))); s.close()' "$1" "$2" "$3"
}

# ---------------------------------------------------------------------------------------------------
log "workdir $TMP"
ip netns add "$NS_SWITCH" 2>"$TMP/netns.err" || skip "cannot create network namespaces here: $(cat "$TMP/netns.err")"
NAMESPACES+=("$NS_SWITCH")
setup_topology 2>"$TMP/topology.err" || fatal "setting up the namespaces failed: $(cat "$TMP/topology.err")"
start_redis
pass "redis-server answers in its own namespace (password required)"
for n in "${NODES[@]}"; do start_agent "$n"; done
if poll 30 all_connected; then pass "three agents joined the fleet (synwatch_fleet_connected 1)"; else fail "agents did not all connect within 30 s"; fi

# 1. nmap scans A: A blocks; B and C apply the fleet's decision.
in_ns "$NS_SCANNER" timeout 120 nmap -sS -n -Pn -S "$SCANNER4" -e "$IFACE" -p 20-40 --max-retries 1 "${ADDR[a]}" >"$TMP/nmap1.txt" 2>&1 || true
if poll 20 blocked_on a "$SCANNER4"; then
  t0=$(date +%s%N)
  pass "node-a blocked the scanner $SCANNER4 itself"
  if poll 20 all_have "$(fleet_line "$SCANNER4" a)" b c && poll 5 blocked_on b "$SCANNER4" && poll 5 blocked_on c "$SCANNER4"; then
    pass "node-b and node-c printed 'Blocked $SCANNER4 for ... (fleet: node-a)' and hold it in their sets ($(( ($(date +%s%N) - t0) / 1000000 )) ms after node-a's set had it; polled every 0.1 s)"
  else
    fail "node-b and node-c did not apply node-a's block within 20 s"
  fi
else
  fail "node-a did not block the nmap scanner within 20 s"
fi
[ "$(count "$(fleet_line "$SCANNER4" a)" "${OUT[a]}")" = 0 ] && pass "node-a ignores its own announcement" \
  || fail "node-a printed a fleet line for its own decision"

# 2. A sweep of port 22 across the three hosts: one SYN each, detected once, blocked everywhere.
for n in "${NODES[@]}"; do syn_to "$SWEEPER4" "${ADDR[$n]}" 22; done
SWEEP="^$TS: Port sweep detected: $(re_escape "$SWEEPER4") -> 3 hosts on port 22\$"
sweep_reported() { [ "$(cat "${OUT[a]}" "${OUT[b]}" "${OUT[c]}" | grep -cE -- "$SWEEP")" -ge 1 ]; }
if poll 20 sweep_reported; then
  sleep 2  # room for a wrong second report to show up
  reports=$(cat "${OUT[a]}" "${OUT[b]}" "${OUT[c]}" | grep -cE -- "$SWEEP" || true)
  [ "$reports" = 1 ] && pass "the sweep of port 22 across 3 hosts was reported exactly once" \
    || fail "the sweep was reported $reports times"
  sweeps_per_node=$(for n in a b c; do printf '%s ' "$(count "Port sweep detected: $(re_escape "$SWEEPER4") " "${OUT[$n]}")"; done)
  log "sweep reports per node (a b c): $sweeps_per_node"
  if poll 20 blocked_on a "$SWEEPER4" && poll 10 blocked_on b "$SWEEPER4" && poll 10 blocked_on c "$SWEEPER4"; then
    pass "the sweeper $SWEEPER4 is blocked on all three nodes"
  else
    fail "the sweeper is not blocked on every node"
  fi
  for n in "${NODES[@]}"; do
    if [ "$(count "Port scan detected: $(re_escape "$SWEEPER4") " "${OUT[$n]}")" != 0 ]; then
      fail "node-$n saw a port scan in a one-SYN-per-host sweep"
    fi
  done
else
  fail "no node reported the sweep of port 22 within 20 s"
fi

# 3. A scan spoofed from B's gateway: A and C block it, B refuses and says so.
# nmap refuses a source address that is not local, so hping3 sends the SYNs (ports 50-69).
in_ns "$NS_SCANNER" timeout 60 hping3 -q -S -a "$GATEWAY4" -p ++50 -c 20 -i u20000 "${ADDR[a]}" >"$TMP/hping.txt" 2>&1 || true
if poll 20 blocked_on a "$GATEWAY4" && poll 20 blocked_on c "$GATEWAY4"; then
  pass "node-a and node-c blocked the spoofed source $GATEWAY4"
else
  fail "node-a or node-c did not block the spoofed source $GATEWAY4"
fi
REFUSED="^$TS: Not blocking $(re_escape "$GATEWAY4"): gateway \\(fleet: node-a\\)\$"
if poll 20 has_line "$REFUSED" "${OUT[b]}" && ! blocked_on b "$GATEWAY4"; then
  pass "node-b did not block its own gateway and said: Not blocking $GATEWAY4: gateway (fleet: node-a)"
else
  fail "node-b blocked its gateway or did not say why not"
fi

fleet_metric() {  # node sample: the value of one exact sample of node's /metrics, 0 if absent
  in_ns "${NS[$1]}" curl -s --max-time 2 http://127.0.0.1:9897/metrics 2>/dev/null \
    | awk -v s="$2" '$1 == s { v = $2 } END { printf "%d\n", v + 0 }'
}
applied_b=$(fleet_metric b 'synwatch_fleet_blocks_total{result="applied",}')
refused_b=$(fleet_metric b 'synwatch_fleet_blocks_total{result="refused",}')
announced_a=$(fleet_metric a 'synwatch_fleet_blocks_total{result="announced",}')
if [ "$applied_b" -ge 2 ] && [ "$refused_b" -ge 1 ] && [ "$announced_a" -ge 2 ]; then
  pass "metrics: node-a announced $announced_a, node-b applied $applied_b and refused $refused_b"
else
  fail "fleet block metrics: node-a announced $announced_a, node-b applied $applied_b, refused $refused_b"
fi

# 4. Redis killed mid-run: detection and blocking go on locally; back, the agents resync.
kill_redis
if poll 30 none_connected; then pass "with Redis killed every agent reports synwatch_fleet_connected 0"; else fail "agents still claim a connection 30 s after Redis died"; fi
in_ns "$NS_SCANNER" timeout 120 nmap -sS -n -Pn -S "$OUTAGE4" -e "$IFACE" -p 80-100 --max-retries 1 "${ADDR[a]}" >"$TMP/nmap3.txt" 2>&1 || true
if poll 20 blocked_on a "$OUTAGE4"; then pass "node-a still detects and blocks locally without Redis"; else fail "node-a stopped blocking without Redis"; fi
for n in "${NODES[@]}"; do kill -0 "${PID[$n]}" 2>/dev/null || fail "node-$n exited during the Redis outage"; done
start_redis
if poll 60 all_connected; then pass "Redis back: every agent reconnected"; else fail "agents did not reconnect within 60 s"; fi
if poll 30 all_have "$(fleet_line "$OUTAGE4" a)" b c && blocked_on b "$OUTAGE4" && blocked_on c "$OUTAGE4"; then
  pass "the block decided during the outage reached node-b and node-c after the reconnect"
else
  fail "the outage's block did not reach node-b and node-c after the reconnect"
fi
[ "$(redis_cli GET "synwatch:block:$OUTAGE4")" = node-a ] && pass "Redis holds synwatch:block:$OUTAGE4 = node-a again" \
  || fail "the decision is not in Redis after the reconnect"

# 5. A restarted agent adopts the fleet's live blocks (its own set emptied first, to prove it).
stop_agent c
in_ns "${NS[c]}" nft flush set inet synwatch blocked4
: >"${OUT[c]}"
start_agent c
if poll 30 has_line "$(fleet_line "$OUTAGE4" a)" "${OUT[c]}" && poll 10 blocked_on c "$OUTAGE4"; then
  pass "restarted node-c adopted node-a's live block of $OUTAGE4"
else
  fail "restarted node-c did not adopt the fleet's live blocks"
fi

# 6. --unblock ADDR --fleet lifts it everywhere.
if SYNWATCH_FLEET_PASSWORD=$PASSWORD in_ns "${NS[a]}" bin/synwatch --unblock "$OUTAGE4" --fleet "redis://$REDIS4:$REDIS_PORT" \
    --fleet-name operator >"$TMP/unblock.out" 2>&1 && grep -q "Unblocked $OUTAGE4 fleet-wide" "$TMP/unblock.out"; then
  pass "synwatch --unblock $OUTAGE4 --fleet ran"
else
  fail "synwatch --unblock --fleet failed: $(cat "$TMP/unblock.out")"
fi
unblocked_everywhere() { ! blocked_on a "$OUTAGE4" && ! blocked_on b "$OUTAGE4" && ! blocked_on c "$OUTAGE4"; }
if poll 20 unblocked_everywhere; then pass "$OUTAGE4 is unblocked on all three nodes"; else fail "$OUTAGE4 is still blocked somewhere"; fi

for n in "${NODES[@]}"; do kill -0 "${PID[$n]}" 2>/dev/null || fail "node-$n is not running at the end"; done
finish
