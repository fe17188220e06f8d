#!/usr/bin/env bash
# End-to-end test of synwatch: live capture, scan detection, nftables blocking and Prometheus metrics,
# with real traffic between network namespaces that this script creates and always deletes.
#
#   make e2e          (builds the jar first; run as root)
#   bash tests/e2e.sh (from anywhere, once target/synwatch.jar exists)
#   SYNWATCH_JAR=/path/synwatch.jar bash tests/e2e.sh   (test another jar; bin/synwatch honours it)
#
# Topology (all namespaces are this script's own, suffixed with its PID; the host's own namespace,
# firewall and links are never touched):
#
#   target 192.0.2.1 ───┐    (default routes via the gateway; its resolv.conf names the name
#   scanner 192.0.2.66 ──┤     server, through /etc/netns/TARGET-NS/resolv.conf, removed at the end)
#   benign 192.0.2.77 ───┼── br0 in "switch"      IPv6 2001:db8:e2e::/64 too, when it can be set up
#   gateway 192.0.2.254 ─┤
#   dns 192.0.2.53 ──────┤
#   client 192.0.2.88 ───┘    (holds a live TCP session with the target)
#
# Spoofed SYNs (from the scanner namespace, raw sockets) play the attacker of issue 14: scans
# forged from the gateway, the name server and the connected client must be reported and not
# blocked; a flood of 200 forged scanners must hold the budgets.
#
# Needs: root, ip (iproute2), nft (nftables), nmap, curl, python3. Without them it prints
# "e2e: SKIPPED: <reason>" and exits 0. Ends with "e2e: PASSED" (exit 0) or "e2e: FAILED: <what>" (exit 1).
# Functions run through trap and poll look unreachable to shellcheck:
# shellcheck disable=SC2317
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
HARNESS=e2e MORE_FAILURES=1
# shellcheck source=tests/lib.sh
. tests/lib.sh

# ---------------------------------------------------------------------------------------------------
# Skip when the environment cannot run this test.
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, nftables, raw sockets)"
for tool in ip nft nmap curl python3 timeout; do
  command -v "$tool" >/dev/null 2>&1 || skip "'$tool' not found (install: iproute2 nftables nmap curl python3 coreutils)"
done

SYNWATCH=bin/synwatch
require_jar

# ---------------------------------------------------------------------------------------------------
# Names, addresses and state.
# SYNWATCH_TEST_TAG (optional) goes into every name, so that people sharing a host can tell theirs.
SUFFIX=${SYNWATCH_TEST_TAG:-}$$
NS_SWITCH=swe2e-switch-$SUFFIX
NS_TARGET=swe2e-target-$SUFFIX
NS_SCANNER=swe2e-scanner-$SUFFIX
NS_BENIGN=swe2e-benign-$SUFFIX
NS_GATEWAY=swe2e-gw-$SUFFIX
NS_DNS=swe2e-dns-$SUFFIX
NS_CLIENT=swe2e-client-$SUFFIX
NETNS_ETC=/etc/netns/$NS_TARGET   # ip netns exec bind-mounts its resolv.conf over /etc/resolv.conf
IFACE=e2e0             # each endpoint namespace's veth to the bridge

TARGET4=192.0.2.1
SCANNER4=192.0.2.66
BENIGN4=192.0.2.77
TARGET6=2001:db8:e2e::1
SCANNER6=2001:db8:e2e::66
BENIGN6=2001:db8:e2e::77
GATEWAY4=192.0.2.254
GATEWAY6=2001:db8:e2e::fe
DNS4=192.0.2.53
CLIENT4=192.0.2.88
SESSION_PORT=9000
FLOOD_SOURCES=200      # forged scanners, 198.18.0.0/15 (benchmarking range)
IPV6=0                 # 1 once IPv6 addresses are configured everywhere

METRICS_ADDRESS=127.0.0.1:9897
METRICS_URL=http://$METRICS_ADDRESS/metrics
BLOCK_TIMEOUT=1h
SERVER_LIFETIME=400    # seconds; bounds the HTTP listeners and the client's session
BENIGN_MAX_ITERATIONS=60
BENIGN_MAX_SECONDS=60

TMP=$(mktemp -d /tmp/synwatch-e2e.XXXXXX)
OUT1=$TMP/synwatch1.stdout ERR1=$TMP/synwatch1.stderr     # first run
OUT2=$TMP/synwatch2.stdout ERR2=$TMP/synwatch2.stderr     # second run (adoption of the table)
METRICS=$TMP/metrics.txt
NMAP_OUT=$TMP/nmap.txt
BENIGN_LOG=$TMP/benign.log
BENIGN_STOP=$TMP/benign.stop
ALLOW_FILE=$TMP/allow
SPOOF=$TMP/spoof.py
SESSION_LOG=$TMP/session.log
SESSION_CHECK=$TMP/session.check
OUT3=$TMP/synwatch3.stdout ERR3=$TMP/synwatch3.stderr     # third run (adopting a million blocks)
OUT6=$TMP/synwatch6.stdout ERR6=$TMP/synwatch6.stderr     # the run with --ipv6-prefix 64
ROTATION6=2001:db8:bad:1::    # a /64 that rotates its addresses (documentation range, not on any link)
SYNWATCH_EXTRA=()      # more options for the next start_synwatch
SYNWATCH_PID=""
BENIGN_PID=""
CURRENT_ERR=$ERR1

# ---------------------------------------------------------------------------------------------------
# Teardown (cleanup in tests/lib.sh): whatever happens, kill what we started and delete our namespaces.
cleanup_extra() { rm -rf "$NETNS_ETC"; }
trap cleanup EXIT
trap 'echo "e2e: interrupted" >&2; exit 130' INT
trap 'echo "e2e: terminated" >&2; exit 143' TERM

# ---------------------------------------------------------------------------------------------------
# Reporting (log, pass, fail, fatal and finish in tests/lib.sh; these are its hooks).

dump_file() {  # title file [tail-lines]
  echo "----- $1 ($2) -----"
  if [ ! -e "$2" ]; then echo "(no such file)"
  elif [ -n "${3:-}" ]; then
    echo "($(wc -l <"$2") lines; last $3 shown)"; tail -n "$3" "$2"
  else cat "$2"; fi
}

diagnostics() {  # run by finish when a check failed
  echo
  echo "================ e2e diagnostics ================"
  dump_file "synwatch run 1 stdout" "$OUT1" 60
  dump_file "synwatch run 1 stderr" "$ERR1"
  [ -e "$OUT2" ] && dump_file "synwatch run 2 stdout" "$OUT2" 40
  [ -e "$ERR2" ] && dump_file "synwatch run 2 stderr" "$ERR2"
  [ -e "$OUT3" ] && dump_file "synwatch run 3 stdout" "$OUT3" 20
  [ -e "$ERR3" ] && dump_file "synwatch run 3 stderr" "$ERR3"
  dump_file "last /metrics scrape" "$METRICS"
  echo "----- nft list ruleset in $NS_TARGET -----"
  ip netns exec "$NS_TARGET" nft list ruleset >"$TMP/ruleset.txt" 2>&1 || true
  if [ -s "$TMP/ruleset.txt" ]; then cat "$TMP/ruleset.txt"; else echo "(empty ruleset)"; fi
  dump_file "nmap output" "$NMAP_OUT"
  dump_file "benign loop" "$BENIGN_LOG" 10
  echo "================================================="
}

before_summary() { echo; }

# ---------------------------------------------------------------------------------------------------
# Helpers (in_ns, count, has_line, TS and re_escape are in tests/lib.sh).
NEW_ANY="^$TS: New connection: "
NEW_SCANNER="^$TS: New connection: $(re_escape "$SCANNER4"):[0-9]+ -> $(re_escape "$TARGET4"):[0-9]+\$"
NEW_BENIGN="^$TS: New connection: $(re_escape "$BENIGN4"):[0-9]+ -> $(re_escape "$TARGET4"):(80|8080)\$"
NEW_BENIGN6="^$TS: New connection: \\[$(re_escape "$BENIGN6")\\]:[0-9]+ -> \\[$(re_escape "$TARGET6")\\]:80\$"
SCAN_SCANNER="^$TS: Port scan detected: $(re_escape "$SCANNER4") -> $(re_escape "$TARGET4") on ports [0-9]+(,[0-9]+)+\$"
SCAN_ANY_SCANNER="Port scan detected: $(re_escape "$SCANNER4") "
SCAN_BENIGN="Port scan detected: ($(re_escape "$BENIGN4")|\\[?$(re_escape "$BENIGN6")\\]?) "
BLOCKED_SCANNER="^$TS: Blocked $(re_escape "$SCANNER4") for 1h\$"

# HTTP GET from a namespace; prints curl's exit status and the HTTP code, e.g. "0 200" or "28 000".
http_get() {  # ns url max-time
  local code rc=0
  code=$(in_ns "$1" curl -s -g -o /dev/null -w '%{http_code}' --max-time "$3" "$2") || rc=$?
  echo "$rc ${code:-000}"
}
http_ok() { [ "$(http_get "$1" "$2" "${3:-2}")" = "0 200" ]; }

set_has_scanner() {  # true when blocked4 in the target namespace holds the scanner
  # grep reads all of nft's output: with -q it could exit first, and pipefail would turn nft's
  # SIGPIPE into a false "not in the set".
  in_ns "$NS_TARGET" nft list set inet synwatch blocked4 2>/dev/null \
    | grep -E "(^|[^0-9.])$(re_escape "$SCANNER4")([^0-9.]|\$)" >/dev/null
}
set_lacks_scanner() { ! set_has_scanner; }
synwatch_alive() { [ -n "$SYNWATCH_PID" ] && kill -0 "$SYNWATCH_PID" 2>/dev/null; }
capturing() { grep -qF "capturing on $IFACE " "$CURRENT_ERR" 2>/dev/null; }
capturing_or_dead() { capturing || ! synwatch_alive; }

# Sums the values of every sample of metric $1 (in $METRICS) whose labels contain $2; "" when none.
metric() {
  awk -v name="$1" -v label="${2:-}" '
    /^#/ { next }
    {
      n = index($0, "{"); sp = index($0, " ")
      metric_name = (n > 0 && (sp == 0 || n < sp)) ? substr($0, 1, n - 1) : $1
      if (metric_name != name) next
      labels = ""
      if (n > 0 && (sp == 0 || n < sp)) { close_brace = index($0, "}"); labels = substr($0, n, close_brace - n + 1); rest = substr($0, close_brace + 1) }
      else rest = substr($0, length($1) + 1)
      if (label != "" && index(labels, label) == 0) next
      split(rest, fields, " "); sum += fields[1]; found = 1
    }
    END { if (found) printf "%d\n", sum }' "$METRICS"
}

scrape() {  # fetches /metrics from inside the target namespace into $METRICS; false on failure
  local code rc=0
  code=$(in_ns "$NS_TARGET" curl -sS --max-time 3 -o "$METRICS" -w '%{http_code}' "$METRICS_URL" 2>"$TMP/scrape.err") || rc=$?
  SCRAPE_STATUS="curl exit $rc, HTTP ${code:-000}$( [ -s "$TMP/scrape.err" ] && printf ': %s' "$(head -c 200 "$TMP/scrape.err")")"
  [ "$rc" = 0 ] && [ "$code" = 200 ]
}

start_synwatch() {  # stdout-file stderr-file: starts synwatch in the target namespace, waits for "capturing on"
  CURRENT_ERR=$2
  log "starting: ip netns exec $NS_TARGET $SYNWATCH -i $IFACE --metrics-address $METRICS_ADDRESS --block-timeout $BLOCK_TIMEOUT ${SYNWATCH_EXTRA[*]}"
  ip netns exec "$NS_TARGET" "$SYNWATCH" -i "$IFACE" --metrics-address "$METRICS_ADDRESS" \
    --block-timeout "$BLOCK_TIMEOUT" "${SYNWATCH_EXTRA[@]}" >"$1" 2>"$2" </dev/null &
  SYNWATCH_PID=$!
  PIDS+=("$SYNWATCH_PID")
  poll 30 capturing_or_dead || true
  if ! capturing; then
    local status=0
    if synwatch_alive; then
      fatal "synwatch did not log 'capturing on $IFACE ' on stderr within 30 s (still running; its stderr is below)"
    fi
    wait "$SYNWATCH_PID" || status=$?
    SYNWATCH_PID=""
    fatal "synwatch exited with status $status before logging 'capturing on $IFACE ' (its stderr is below)"
  fi
  local comm
  comm=$(cat "/proc/$SYNWATCH_PID/comm" 2>/dev/null || echo '?')
  if [ "$comm" = java ]; then
    pass "synwatch capturing on $IFACE (PID $SYNWATCH_PID is the java process itself)"
  else
    fail "the PID of 'ip netns exec ... bin/synwatch' ($SYNWATCH_PID) is '$comm', not java: the launcher no longer execs java, so SIGTERM would not reach the JVM directly"
  fi
}

# Sends SIGTERM and measures; sets STOP_RC (exit status, or 137 after a forced kill), STOP_MS and STOP_NOTE.
stop_synwatch() {
  local pid=$SYNWATCH_PID t0 t1 state killed=0
  t0=$(date +%s%N)
  kill -TERM "$pid" 2>/dev/null || true
  while :; do
    state=$(sed -n 's/^.*) \([A-Z]\).*/\1/p' "/proc/$pid/stat" 2>/dev/null || true)
    { [ -z "$state" ] || [ "$state" = Z ]; } && break
    if [ $(( $(date +%s%N) - t0 )) -gt 10000000000 ]; then kill -KILL "$pid" 2>/dev/null || true; killed=1; break; fi
    sleep 0.01
  done
  t1=$(date +%s%N)
  STOP_RC=0
  wait "$pid" || STOP_RC=$?
  STOP_MS=$(( (t1 - t0) / 1000000 ))
  STOP_NOTE=""
  if [ "$killed" = 1 ]; then STOP_NOTE=" (still running 10 s after SIGTERM, so it was SIGKILLed)"; fi
  SYNWATCH_PID=""
}

# ---------------------------------------------------------------------------------------------------
# 1. Topology.
log "workdir $TMP; namespaces $NS_SWITCH $NS_TARGET $NS_SCANNER $NS_BENIGN $NS_GATEWAY $NS_DNS $NS_CLIENT"
if ! ip netns add "$NS_SWITCH" 2>"$TMP/netns.err"; then
  skip "cannot create network namespaces here: $(cat "$TMP/netns.err")"
fi
NAMESPACES+=("$NS_SWITCH")
setup_topology() {
  local ns name addr4 addr6
  ip -n "$NS_SWITCH" link set lo up
  ip -n "$NS_SWITCH" link add br0 type bridge stp_state 0 mcast_snooping 0
  ip -n "$NS_SWITCH" link set br0 up
  for name in target scanner benign gateway dns client; do
    case $name in
      target) ns=$NS_TARGET addr4=$TARGET4 ;;
      scanner) ns=$NS_SCANNER addr4=$SCANNER4 ;;
      benign) ns=$NS_BENIGN addr4=$BENIGN4 ;;
      gateway) ns=$NS_GATEWAY addr4=$GATEWAY4 ;;
      dns) ns=$NS_DNS addr4=$DNS4 ;;
      client) ns=$NS_CLIENT addr4=$CLIENT4 ;;
    esac
    bridge_port "$NS_SWITCH" "$ns" "to-$name" "$IFACE"
    ip -n "$ns" addr add "$addr4/24" dev "$IFACE"
  done
  ip -n "$NS_TARGET" route add default via "$GATEWAY4"
  mkdir -p "$NETNS_ETC"
  printf 'nameserver %s\n' "$DNS4" >"$NETNS_ETC/resolv.conf"
  IPV6=1
  for name in target scanner benign gateway; do
    case $name in
      target) ns=$NS_TARGET addr6=$TARGET6 ;; scanner) ns=$NS_SCANNER addr6=$SCANNER6 ;;
      benign) ns=$NS_BENIGN addr6=$BENIGN6 ;; gateway) ns=$NS_GATEWAY addr6=$GATEWAY6 ;;
    esac
    ip -n "$ns" addr add "$addr6/64" dev "$IFACE" nodad 2>/dev/null || IPV6=0
  done
  if [ "$IPV6" = 1 ]; then ip -n "$NS_TARGET" -6 route add default via "$GATEWAY6" || IPV6=0; fi
}
if ! setup_topology 2>"$TMP/topology.err"; then
  fatal "setting up the namespaces failed: $(cat "$TMP/topology.err")"
fi
if [ "$IPV6" = 1 ]; then log "IPv6 configured (2001:db8:e2e::/64)"; else log "IPv6 not available; IPv4 only"; fi

# 2. HTTP listeners in the target.
mkdir -p "$TMP/www"
echo "synwatch e2e" >"$TMP/www/index.html"
for port in 80 8080; do
  ip netns exec "$NS_TARGET" timeout "$SERVER_LIFETIME" python3 -m http.server "$port" --bind 0.0.0.0 \
    --directory "$TMP/www" >"$TMP/http-$port.log" 2>&1 </dev/null &
  PIDS+=("$!")
done
for port in 80 8080; do
  poll 15 http_ok "$NS_TARGET" "http://127.0.0.1:$port/" 1 \
    || fatal "HTTP listener on port $port in the target did not come up within 15 s ($(cat "$TMP/http-$port.log"))"
done
# Reachability across the bridge, before synwatch runs (so these SYNs are not counted anywhere).
for ns in "$NS_SCANNER" "$NS_BENIGN"; do
  poll 10 http_ok "$ns" "http://$TARGET4:80/" 2 \
    || fatal "$ns cannot reach http://$TARGET4:80/ over the bridge ($(http_get "$ns" "http://$TARGET4:80/" 2))"
done
pass "topology: switch bridge + target/scanner/benign/gateway/dns/client namespaces; scanner and benign reach target:80"
if [ "$(in_ns "$NS_TARGET" cat /etc/resolv.conf)" = "nameserver $DNS4" ]; then
  pass "the target resolves through $DNS4 (/etc/netns/$NS_TARGET/resolv.conf)"
else
  fail "ip netns exec $NS_TARGET does not see nameserver $DNS4 in /etc/resolv.conf"
fi

# Forged SYNs with any source, from a raw socket in the scanner namespace: IPv4, or IPv6 when the
# target is an IPv6 address. Lines on stdin: "SOURCE PORT PORT ...", one SYN per port; the kernel
# fills in nothing but the route.
cat >"$SPOOF" <<'PY'
import socket, struct, sys
def checksum(data):
    if len(data) % 2: data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF); s += s >> 16
    return ~s & 0xFFFF
target = sys.argv[1]
family = socket.AF_INET6 if ":" in target else socket.AF_INET
dst = socket.inet_pton(family, target)
sock = socket.socket(family, socket.SOCK_RAW, socket.IPPROTO_RAW)
sent = 0
for line in sys.stdin:
    words = line.split()
    src = socket.inet_pton(family, words[0])
    for i, port in enumerate(words[1:]):
        sport = 40000 + (sent % 20000)
        tcp = struct.pack("!HHIIBBHHH", sport, int(port), 1000 + sent, 0, 5 << 4, 0x02, 64240, 0, 0)
        pseudo = struct.pack("!BBH", 0, 6, len(tcp)) if family == socket.AF_INET else struct.pack("!I3xB", len(tcp), 6)
        tcp = tcp[:16] + struct.pack("!H", checksum(src + dst + pseudo + tcp)) + tcp[18:]
        if family == socket.AF_INET:
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), sent & 0xFFFF, 0, 64, 6, 0, src, dst)
            ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        else:
            ip = struct.pack("!IHBB16s16s", 6 << 28, len(tcp), 6, 64, src, dst)
        sock.sendto(ip + tcp, (target, 0))
        sent += 1
print(sent)
PY
spoof() {  # source port...: forged SYNs from source to each port of the target
  echo "$*" | in_ns "$NS_SCANNER" timeout 20 python3 "$SPOOF" "$TARGET4" >/dev/null
}
in_set() {  # address: true when blocked4 in the target namespace holds it (a lookup, not a listing)
  in_ns "$NS_TARGET" nft get element inet synwatch blocked4 "{ $1 }" >/dev/null 2>&1
}

# 3. synwatch, first run, with an allow file that starts empty.
echo "# networks synwatch never blocks" >"$ALLOW_FILE"
SYNWATCH_EXTRA=(--allow-file "$ALLOW_FILE")
start_synwatch "$OUT1" "$ERR1"
protected_line=$(grep -m1 "never blocking gateways" "$ERR1" || true)
if [[ "$protected_line" == *"[$GATEWAY4"* || "$protected_line" == *" $GATEWAY4"* ]] \
   && { [ "$IPV6" = 0 ] || [[ "$protected_line" == *"$GATEWAY6"* ]]; } && [[ "$protected_line" == *"name servers [$DNS4]"* ]]; then
  pass "synwatch read the routes and resolv.conf: ${protected_line#*INFO  }"
else
  fail "synwatch does not protect gateway $GATEWAY4${IPV6:+/$GATEWAY6} and name server $DNS4: '${protected_line:-no such line}'"
fi

# 4. Benign traffic: a bounded loop of plain HTTP requests to ports 80 and 8080.
# shellcheck disable=SC2016  # expanded by the inner bash
ip netns exec "$NS_BENIGN" timeout "$BENIGN_MAX_SECONDS" bash -c '
  for ((i = 1; i <= $3; i++)); do
    [ -e "$1" ] && break
    for port in 80 8080; do
      echo "$i $port $(curl -s -o /dev/null -w "%{http_code}" --max-time 2 "http://$2:$port/" || true)"
    done
    sleep 0.5
  done' benign-loop "$BENIGN_STOP" "$TARGET4" "$BENIGN_MAX_ITERATIONS" >"$BENIGN_LOG" 2>&1 </dev/null &
BENIGN_PID=$!
PIDS+=("$BENIGN_PID")
if [ "$IPV6" = 1 ]; then
  # One IPv6 attempt (the listeners are IPv4-only, so it is refused): exercises family="ipv6".
  in_ns "$NS_BENIGN" curl -s -g -o /dev/null --max-time 2 "http://[$TARGET6]:80/" || true
fi
if poll 10 has_line "$NEW_BENIGN" "$OUT1"; then
  pass "benign HTTP traffic reported as New connection lines from $BENIGN4"
else
  fail "no 'New connection: $BENIGN4:... -> $TARGET4:80|8080' line within 10 s of starting the benign loop"
fi
if [ "$IPV6" = 1 ]; then
  if poll 5 has_line "$NEW_BENIGN6" "$OUT1"; then
    pass "IPv6 attempt reported: New connection: [$BENIGN6]:... -> [$TARGET6]:80"
  else
    fail "no 'New connection: [$BENIGN6]:... -> [$TARGET6]:80' line within 5 s"
  fi
fi

# 5. The scan.
log "scanning: nmap -sS -n -Pn -p 1-200 --max-retries 1 $TARGET4 (from $NS_SCANNER)"
nmap_rc=0
in_ns "$NS_SCANNER" timeout 120 nmap -sS -n -Pn -p 1-200 --max-retries 1 "$TARGET4" >"$NMAP_OUT" 2>&1 || nmap_rc=$?
if [ "$nmap_rc" = 0 ]; then
  log "nmap done: $(grep -E '^(80|8080)/tcp|Not shown|All [0-9]+ scanned|Nmap done' "$NMAP_OUT" | tr '\n' ';' | tr -s ' ')"
  pass "nmap SYN scan of ports 1-200 completed"
else
  fail "nmap exited with status $nmap_rc (124 = killed after 120 s)"
fi

# 6. Detection, blocking, metrics.
if has_line "$NEW_SCANNER" "$OUT1"; then
  pass "New connection lines from the scanner ($(count "$NEW_SCANNER" "$OUT1") lines '$SCANNER4:... -> $TARGET4:...')"
else
  fail "no 'New connection: $SCANNER4:PORT -> $TARGET4:PORT' line after the scan"
fi
if poll 5 has_line "$SCAN_SCANNER" "$OUT1"; then
  pass "Port scan detected: $SCANNER4 -> $TARGET4 ($(grep -m1 -oE 'on ports .*' "$OUT1" | cut -c1-60)...)"
else
  fail "no 'Port scan detected: $SCANNER4 -> $TARGET4 on ports P1,P2,...' line within 5 s after the scan"
fi
if poll 10 has_line "$BLOCKED_SCANNER" "$OUT1"; then
  pass "stdout: Blocked $SCANNER4 for 1h"
else
  fail "no 'Blocked $SCANNER4 for 1h' line on stdout within 10 s after the scan"
fi
if poll 10 set_has_scanner; then
  pass "nft set inet synwatch blocked4 contains $SCANNER4"
else
  fail "'nft list set inet synwatch blocked4' in the target does not contain $SCANNER4 (within 10 s)"
fi

result=$(http_get "$NS_SCANNER" "http://$TARGET4:80/" 3)
if [ "${result%% *}" = 28 ]; then
  pass "scanner is blocked: curl http://$TARGET4:80/ from scanner timed out (curl exit 28)"
else
  fail "scanner is not blocked: curl http://$TARGET4:80/ from scanner gave '$result' (curl exit, HTTP code); expected a timeout (exit 28)"
fi
result=$(http_get "$NS_BENIGN" "http://$TARGET4:80/" 3)
if [ "$result" = "0 200" ]; then
  pass "benign still served: curl http://$TARGET4:80/ from benign got HTTP 200"
else
  fail "benign was cut off: curl http://$TARGET4:80/ from benign gave '$result' (curl exit, HTTP code); expected '0 200'"
fi

# A quiet moment: stop the benign loop (it checks the stop file every iteration), let stdout settle.
touch "$BENIGN_STOP"
benign_rc=0
wait "$BENIGN_PID" || benign_rc=$?
BENIGN_PID=""
sleep 1
benign_total=$(wc -l <"$BENIGN_LOG")
benign_ok=$(count ' 200$' "$BENIGN_LOG")
log "benign loop stopped (status $benign_rc): $benign_ok of $benign_total requests answered 200"

if has_line "$SCAN_BENIGN" "$OUT1"; then
  fail "the benign source appears in a Port scan line: $(grep -m1 -E "$SCAN_BENIGN" "$OUT1")"
else
  pass "benign source never reported as a port scan"
fi
scan_lines=$(count "Port scan detected: " "$OUT1")
scanner_scan_lines=$(count "$SCAN_ANY_SCANNER" "$OUT1")
if [ "$scanner_scan_lines" = 1 ] && [ "$(count "$SCAN_SCANNER" "$OUT1")" = 1 ]; then
  pass "exactly one Port scan line for $SCANNER4 -> $TARGET4 ($scan_lines Port scan lines in all)"
else
  fail "expected exactly one 'Port scan detected: $SCANNER4 -> $TARGET4 on ports ...' line, found $scanner_scan_lines: $(grep -E "$SCAN_ANY_SCANNER" "$OUT1" | cut -c1-120 | tr '\n' '|')"
fi

# Metrics: compare at a quiet moment; retry a few times in case the last batch is still being counted.
metrics_checked=0 metric_problem=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
  lines_before=$(count "$NEW_ANY" "$OUT1")
  if ! scrape; then metric_problem="scraping $METRICS_URL in the target failed ($SCRAPE_STATUS)"; sleep 0.5; continue; fi
  lines_after=$(count "$NEW_ANY" "$OUT1")
  v4=$(metric synwatch_new_connections_total 'family="ipv4"')
  v6=$(metric synwatch_new_connections_total 'family="ipv6"')
  scans=$(metric synwatch_port_scans_detected_total)
  if [ -z "$v4" ] || [ -z "$v6" ]; then
    metric_problem="synwatch_new_connections_total{family=\"ipv4\"} and/or {family=\"ipv6\"} missing from /metrics (ipv4='$v4' ipv6='$v6')"
    break
  fi
  metrics_checked=1
  if [ "$lines_before" = "$lines_after" ] && [ $((v4 + v6)) = "$lines_after" ]; then break; fi
  sleep 0.5
done
if [ "$metrics_checked" = 1 ]; then
  pass "/metrics scraped inside the target ($METRICS_URL)"
  if [ $((v4 + v6)) = "$lines_after" ] && [ "$lines_before" = "$lines_after" ]; then
    pass "synwatch_new_connections_total ipv4 $v4 + ipv6 $v6 = $lines_after New connection lines"
  else
    fail "synwatch_new_connections_total ipv4 $v4 + ipv6 $v6 = $((v4 + v6)), but stdout has $lines_after New connection lines"
  fi
  if [ "$scans" = 1 ]; then
    pass "synwatch_port_scans_detected_total = 1"
  else
    fail "synwatch_port_scans_detected_total is '${scans:-missing}', expected 1"
  fi
  log "metrics (informational): blocks_total{result=\"added\"}=$(metric synwatch_blocks_total 'result="added"') blocked_sources=$(metric synwatch_blocked_sources)"
else
  fail "${metric_problem:-metrics could not be checked}"
fi

# 6b. Blocking that can't be turned against its own host (issue 14).
not_blocking() {  # address reason: the exact line, once
  has_line "^$TS: Not blocking $(re_escape "$1"): $2\$" "$OUT1"
}
scan_of() { has_line "^$TS: Port scan detected: $(re_escape "$1") -> $(re_escape "$TARGET4") on ports " "$OUT1"; }
for case in "$GATEWAY4 gateway 1001 1002 1003 1004" "$DNS4 name%server 1101 1102 1103 1104"; do
  read -r source reason ports <<<"$case"
  reason=${reason/\%/ }
  # shellcheck disable=SC2086  # the ports are words
  spoof "$source" $ports
  if poll 5 not_blocking "$source" "$reason" && scan_of "$source" && ! in_set "$source"; then
    pass "4 forged SYNs from the $reason $source: reported as a scan, 'Not blocking $source: $reason', not in the set"
  else
    fail "forged scan from the $reason $source: scan line $(scan_of "$source" && echo yes || echo no), 'Not blocking $source: $reason' $(not_blocking "$source" "$reason" && echo yes || echo no), in the set: $(in_set "$source" && echo yes || echo no)"
  fi
done

# A client with a live session: its real SYN is one port, three forged ones make the scan.
in_ns "$NS_TARGET" timeout "$SERVER_LIFETIME" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(1)
c, _ = s.accept()
while True:
    data = c.recv(100)
    if not data: break
    c.sendall(data)' "$SESSION_PORT" >"$TMP/session-server.log" 2>&1 </dev/null &
PIDS+=("$!")
sleep 0.5
in_ns "$NS_CLIENT" timeout "$SERVER_LIFETIME" python3 -c '
import os, socket, sys, time
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
print("connected", flush=True)
while not os.path.exists(sys.argv[3]): time.sleep(0.1)
c.settimeout(3); c.sendall(b"ping"); print("echo", c.recv(100).decode(), flush=True)' \
  "$TARGET4" "$SESSION_PORT" "$SESSION_CHECK" >"$SESSION_LOG" 2>&1 </dev/null &
PIDS+=("$!")
if poll 5 has_line '^connected$' "$SESSION_LOG" && poll 5 has_line "New connection: $(re_escape "$CLIENT4"):[0-9]+ -> $(re_escape "$TARGET4"):$SESSION_PORT\$" "$OUT1"; then
  spoof "$CLIENT4" 1201 1202 1203
  if poll 5 not_blocking "$CLIENT4" "established connection" && scan_of "$CLIENT4" && ! in_set "$CLIENT4"; then
    pass "3 forged SYNs from $CLIENT4 (live session on :$SESSION_PORT): reported, 'Not blocking $CLIENT4: established connection'"
  else
    fail "forged scan from the connected client $CLIENT4: scan line $(scan_of "$CLIENT4" && echo yes || echo no), 'established connection' line $(not_blocking "$CLIENT4" "established connection" && echo yes || echo no), in the set: $(in_set "$CLIENT4" && echo yes || echo no)"
  fi
  touch "$SESSION_CHECK"
  if poll 5 has_line '^echo ping$' "$SESSION_LOG"; then
    pass "the client's session still works after the forged scan"
  else
    fail "the client's session broke: $(tr '\n' '|' <"$SESSION_LOG")"
  fi
else
  fail "the client could not open its session to $TARGET4:$SESSION_PORT, or synwatch did not report it: $(tr '\n' '|' <"$SESSION_LOG")"
fi

# --block goes through the same checks; a second synwatch in this namespace refuses to start.
block_rc=0
in_ns "$NS_TARGET" timeout 60 "$SYNWATCH" --block "$GATEWAY4" >"$TMP/block.txt" 2>&1 || block_rc=$?
if [ "$block_rc" = 1 ] && grep -qx "synwatch: not blocking $GATEWAY4: gateway (hint: .*)" "$TMP/block.txt" && ! in_set "$GATEWAY4"; then
  pass "--block $GATEWAY4 refused: one line, exit 1, not in the set"
else
  fail "--block $GATEWAY4 exited $block_rc: $(head -c 300 "$TMP/block.txt" | tr '\n' '|')"
fi
chains_before=$(in_ns "$NS_TARGET" nft -a list chain inet synwatch input 2>&1)
second_rc=0
in_ns "$NS_TARGET" timeout 60 "$SYNWATCH" -i "$IFACE" --metrics-address 127.0.0.1:9898 >"$TMP/second.out" 2>"$TMP/second.err" </dev/null || second_rc=$?
if [ "$second_rc" = 1 ] && [ "$(wc -l <"$TMP/second.err")" = 1 ] && grep -q "another synwatch is already blocking in this network namespace" "$TMP/second.err" \
   && [ "$(in_ns "$NS_TARGET" nft -a list chain inet synwatch input 2>&1)" = "$chains_before" ]; then
  pass "a second synwatch in the namespace exits 1 with one line, and the chains are untouched"
else
  fail "second synwatch: exit $second_rc, stderr: $(head -c 300 "$TMP/second.err" | tr '\n' '|')"
fi

# --allow-file + SIGHUP: takes effect without a restart, and SIGHUP no longer kills synwatch.
echo "203.0.113.0/24  # added while running" >>"$ALLOW_FILE"
kill -HUP "$SYNWATCH_PID"
if poll 5 grep -q "$ALLOW_FILE: 1 networks" "$ERR1" && synwatch_alive; then
  spoof 203.0.113.7 1301 1302 1303 1304
  if poll 5 not_blocking 203.0.113.7 allowlisted && ! in_set 203.0.113.7; then
    pass "after SIGHUP the allow file's 203.0.113.0/24 is in force: 'Not blocking 203.0.113.7: allowlisted'; synwatch still runs"
  else
    fail "after SIGHUP, a scan from 203.0.113.7 was not reported as allowlisted"
  fi
else
  fail "SIGHUP: synwatch $(synwatch_alive && echo 'did not log the reload of' || echo 'died on SIGHUP instead of re-reading') $ALLOW_FILE"
fi

# /metrics: a trickling client and a TLS hello do not stall another scrape.
in_ns "$NS_TARGET" timeout 20 python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for b in b"GET /metrics HTTP/1.1\r\nHost: x\r\n":
    s.send(bytes([b])); time.sleep(1)' "${METRICS_ADDRESS##*:}" >/dev/null 2>&1 </dev/null &
PIDS+=("$!")
in_ns "$NS_TARGET" timeout 10 curl -sk --max-time 8 -o /dev/null "https://$METRICS_ADDRESS/metrics" >/dev/null 2>&1 </dev/null &
PIDS+=("$!")
sleep 1
scrape_ok=0
for _ in 1 2 3; do
  if in_ns "$NS_TARGET" curl -s --max-time 2 -o /dev/null "$METRICS_URL"; then scrape_ok=$((scrape_ok + 1)); fi
  sleep 0.5
done
if [ "$scrape_ok" = 3 ]; then
  pass "/metrics answered 3 scrapes within 2 s each while a client trickles a header and another sends a TLS hello"
else
  fail "/metrics answered only $scrape_ok of 3 scrapes within 2 s while a client trickled and another sent a TLS hello"
fi

# 200 forged scanners within a few seconds: the block budget (60 a minute) holds.
for ((i = 0; i < FLOOD_SOURCES; i++)); do echo "198.18.$((i / 250)).$((i % 250 + 1)) 2001 2002 2003 2004"; done \
  | in_ns "$NS_SCANNER" timeout 60 python3 "$SPOOF" "$TARGET4" >/dev/null
flood_scans() { count "Port scan detected: 198\.18\." "$OUT1"; }
flood_decided() { [ $(( $(count "Blocked 198\.18\." "$OUT1") + $(count "Not blocking 198\.18\.[0-9.]+: " "$OUT1") )) -ge "$FLOOD_SOURCES" ]; }
poll 20 flood_decided || true
flood_blocked=$(count "Blocked 198\.18\." "$OUT1")
flood_limited=$(count "Not blocking 198\.18\.[0-9.]+: rate limit\$" "$OUT1")
all_blocked=$(count ": Blocked " "$OUT1")
set_size=$(in_ns "$NS_TARGET" nft -j list set inet synwatch blocked4 | grep -o '"val"' | wc -l)
scrape || true
if [ "$(flood_scans)" = "$FLOOD_SOURCES" ] && [ "$all_blocked" -le 60 ] && [ $((flood_blocked + flood_limited)) = "$FLOOD_SOURCES" ] \
   && [ "$set_size" -le 60 ] && [ "$(metric synwatch_blocks_total 'result="rate_limit"')" = "$flood_limited" ]; then
  pass "$FLOOD_SOURCES forged scanners: all reported, $flood_blocked blocked ($all_blocked in this run, at most 60 a minute), $flood_limited 'rate limit' (= synwatch_blocks_total{result=\"rate_limit\"}), $set_size in the set"
else
  fail "$FLOOD_SOURCES forged scanners: $(flood_scans) scan lines, $flood_blocked blocked ($all_blocked in all), $flood_limited rate-limited, metric $(metric synwatch_blocks_total 'result="rate_limit"'), $set_size in the set"
fi
for reason in gateway name_server established allowlisted; do
  v=$(metric synwatch_blocks_total "result=\"$reason\"")
  if [ "${v:-0}" -ge 1 ]; then pass "synwatch_blocks_total{result=\"$reason\"} = $v"; else fail "synwatch_blocks_total{result=\"$reason\"} is '${v:-missing}'"; fi
done

# 7. SIGTERM.
stop_synwatch
if [ "$STOP_RC" = 0 ] && [ "$STOP_MS" -le 2000 ]; then
  pass "SIGTERM: synwatch exited with status 0 in $STOP_MS ms (limit 2000 ms)"
else
  fail "SIGTERM: synwatch exited with status $STOP_RC after $STOP_MS ms$STOP_NOTE; expected status 0 within 2000 ms"
fi
log "run 1 printed $(count "$NEW_ANY" "$OUT1") New connection lines in all"
if set_has_scanner; then
  pass "after exit the set still contains $SCANNER4"
else
  fail "after synwatch exited, blocked4 does not contain $SCANNER4 (blocks must outlive the process)"
fi

# 8. Restart: the existing table and its elements are adopted; then the management commands.
start_synwatch "$OUT2" "$ERR2"
if poll 3 set_has_scanner; then
  pass "restarted synwatch kept (adopted) $SCANNER4 in blocked4"
else
  fail "after the restart, blocked4 does not contain $SCANNER4 (the existing table's elements must be kept)"
fi
list_rc=0
in_ns "$NS_TARGET" timeout 60 "$SYNWATCH" --list-blocked >"$TMP/list-blocked.txt" 2>&1 || list_rc=$?
if [ "$list_rc" = 0 ] && awk -v a="$SCANNER4" '$1 == a { found = 1 } END { exit !found }' "$TMP/list-blocked.txt"; then
  pass "--list-blocked lists $SCANNER4"
else
  fail "--list-blocked exited $list_rc and did not list $SCANNER4 as a line's first token; it printed: $(head -c 400 "$TMP/list-blocked.txt" | tr '\n' '|')"
fi
unblock_rc=0
in_ns "$NS_TARGET" timeout 60 "$SYNWATCH" --unblock "$SCANNER4" >"$TMP/unblock.txt" 2>&1 || unblock_rc=$?
if [ "$unblock_rc" = 0 ] && poll 3 set_lacks_scanner; then
  pass "--unblock $SCANNER4 exited 0 and removed it from blocked4"
else
  fail "--unblock $SCANNER4 exited $unblock_rc; blocked4 $(set_has_scanner && echo 'still contains it' || echo 'does not contain it'); output: $(head -c 400 "$TMP/unblock.txt" | tr '\n' '|')"
fi
if poll 6 http_ok "$NS_SCANNER" "http://$TARGET4:80/" 2; then
  pass "after --unblock the scanner connects again (HTTP 200)"
else
  fail "after --unblock the scanner still cannot fetch http://$TARGET4:80/ ($(http_get "$NS_SCANNER" "http://$TARGET4:80/" 2))"
fi

# 8b. Scans that only fragments or long header chains carry, each from an address of its own in the
# scanner's namespace: nmap -f (8-byte fragments: the flags are in the second), nmap --mtu 16, and,
# with scapy (nmap cannot fragment IPv6), IPv6 SYNs in fragments and behind 50 destination-options
# headers. Each must give its Port scan line and its block.
set_has() {  # set address
  in_ns "$NS_TARGET" nft list set inet synwatch "$1" 2>/dev/null | grep -F -- "$2" >/dev/null
}
scan_reported_and_blocked() {  # address set what
  local addr=$1 set=$2 what=$3
  if poll 5 has_line "^$TS: Port scan detected: $(re_escape "$addr") -> " "$OUT2"; then
    pass "$what: Port scan detected: $addr -> ..."
  else
    fail "$what: no 'Port scan detected: $addr -> ...' line within 5 s"
  fi
  if poll 10 has_line "^$TS: Blocked $(re_escape "$addr") for 1h\$" "$OUT2" && poll 5 set_has "$set" "$addr"; then
    pass "$what: Blocked $addr for 1h, and $set holds it"
  else
    fail "$what: no 'Blocked $addr for 1h' line, or $set lacks $addr, within 10 s"
  fi
}
fragment_scan() {  # address what nmap-options...
  local addr=$1 what=$2 rc=0
  shift 2
  in_ns "$NS_SCANNER" ip addr add "$addr/24" dev "$IFACE"
  log "scanning: nmap -sS $* -S $addr -e $IFACE -n -Pn -p 1-40 --max-retries 1 $TARGET4 (from $NS_SCANNER)"
  in_ns "$NS_SCANNER" timeout 60 nmap -sS "$@" -S "$addr" -e "$IFACE" -n -Pn -p 1-40 --max-retries 1 "$TARGET4" \
    >>"$NMAP_OUT" 2>&1 || rc=$?
  [ "$rc" = 0 ] || fail "$what: nmap exited with status $rc"
  scan_reported_and_blocked "$addr" blocked4 "$what"
}
fragment_scan 192.0.2.67 "nmap -f" -f
fragment_scan 192.0.2.68 "nmap --mtu 16" --mtu 16
if [ "$IPV6" = 1 ] && /usr/bin/python3 -c 'import scapy' 2>/dev/null; then
  FRAG6=2001:db8:e2e::69
  in_ns "$NS_SCANNER" ip addr add "$FRAG6/64" dev "$IFACE" nodad
  log "scanning: scapy IPv6 SYNs in fragments (ports 1-8) and behind 50 destination-options headers (ports 9-10) from $FRAG6"
  in_ns "$NS_SCANNER" timeout 60 /usr/bin/python3 - "$IFACE" "$FRAG6" "$TARGET6" >>"$NMAP_OUT" 2>&1 <<'PY' || fail "scapy exited with an error"
import sys, time
from scapy.all import IPv6, IPv6ExtHdrFragment, IPv6ExtHdrDestOpt, TCP, Raw, fragment6, sendp, Ether, conf
conf.verb = 0
iface, src, dst = sys.argv[1:4]
for port in range(1, 11):
    syn = IPv6(src=src, dst=dst)
    if port > 8:
        for _ in range(50):
            syn = syn / IPv6ExtHdrDestOpt()
        packets = [syn / TCP(sport=41000 + port, dport=port, flags="S")]
    else:
        packets = fragment6(syn / IPv6ExtHdrFragment(id=0x5A00 + port)
                            / TCP(sport=41000 + port, dport=port, flags="S") / Raw(b"x" * 40), 40 + 8 + 24)
    for packet in packets:
        sendp(Ether() / packet, iface=iface)
    time.sleep(0.05)
PY
  scan_reported_and_blocked "$FRAG6" blocked6 "IPv6 fragments and long chains"
elif [ "${CI:-}" = true ]; then
  fail "IPv6 fragment scan: CI must have IPv6 and python3-scapy (make deps installs it)"
else
  log "IPv6 fragment scan skipped: needs IPv6 here and Debian's python3-scapy"
fi
if scrape; then
  reassembled=$(metric synwatch_fragments_total 'result="reassembled"')
  if [ "${reassembled:-0}" -ge 40 ]; then
    pass "synwatch_fragments_total{result=\"reassembled\"} = $reassembled (at least the 40 nmap -f probes)"
  else
    fail "synwatch_fragments_total{result=\"reassembled\"} is '${reassembled:-missing}', expected at least 40"
  fi
else
  fail "scraping $METRICS_URL after the fragment scans failed ($SCRAPE_STATUS)"
fi
stop_synwatch
if [ "$STOP_RC" = 0 ]; then
  pass "second run stopped by SIGTERM with status 0 ($STOP_MS ms)"
else
  fail "second run: SIGTERM gave exit status $STOP_RC after $STOP_MS ms$STOP_NOTE; expected 0"
fi
# 8c. IPv6 address rotation with --ipv6-prefix 64 (issue 15): 200 forged addresses of one /64, 3
# ports each, are one scanner, blocked as the prefix in the interval set blocked6net; a rotation
# forged from the target's own /64 is reported and not blocked.
if [ "$IPV6" = 1 ]; then
  SYNWATCH_EXTRA=(--ipv6-prefix 64)
  start_synwatch "$OUT6" "$ERR6"
  for ((i = 0; i < 200; i++)); do printf '%s%x %d %d %d\n' "$ROTATION6" $((i + 1)) $((3000 + 3 * i)) $((3001 + 3 * i)) $((3002 + 3 * i)); done \
    | in_ns "$NS_SCANNER" timeout 30 python3 "$SPOOF" "$TARGET6" >/dev/null
  in_prefix_set() { in_ns "$NS_TARGET" nft get element inet synwatch blocked6net "{ $1 }" >/dev/null 2>&1; }
  prefix_elements() { in_ns "$NS_TARGET" nft -j list set inet synwatch blocked6net | grep -o '"prefix"' | wc -l; }
  scanner6_answers() {  # the scanner (a neighbour in the target's /64) resets a connection to its port 80
    local reply
    reply=$(in_ns "$NS_TARGET" timeout 5 python3 -c 'import socket, sys; socket.create_connection((sys.argv[1], 80), timeout=2)' "$SCANNER6" 2>&1 || true)
    [[ "$reply" == *"Connection refused"* ]]
  }
  if poll 10 has_line "^$TS: Blocked $(re_escape "$ROTATION6")/64 for 1h\$" "$OUT6" \
     && has_line "^$TS: Port scan detected: $(re_escape "$ROTATION6")/64 -> $(re_escape "$TARGET6") on ports 3000,3001,3002,3003\$" "$OUT6" \
     && [ "$(count "Port scan detected: " "$OUT6")" = 1 ] && [ "$(count ": Blocked " "$OUT6")" = 1 ] \
     && in_prefix_set "${ROTATION6}abcd:1" && [ "$(prefix_elements)" = 1 ]; then
    pass "200 addresses x 3 ports of ${ROTATION6}/64: one scan line naming the prefix, 'Blocked ${ROTATION6}/64 for 1h', one element of blocked6net that holds any address of it"
  else
    fail "the /64 rotation: $(count "Port scan detected: " "$OUT6") scan lines, $(count ": Blocked " "$OUT6") Blocked lines, blocked6net holds $(prefix_elements) prefixes: $(grep -v "New connection" "$OUT6" | head -c 400 | tr '\n' '|')"
  fi
  # Forged from the target's own /64 (4 addresses, 1 port each): the prefix holds the target's address.
  printf '2001:db8:e2e::a:%d %d\n' 1 3901 2 3902 3 3903 4 3904 | in_ns "$NS_SCANNER" timeout 30 python3 "$SPOOF" "$TARGET6" >/dev/null
  if poll 5 has_line "^$TS: Not blocking 2001:db8:e2e::/64: own address\$" "$OUT6" && ! in_prefix_set "$TARGET6" \
     && scanner6_answers; then
    pass "a rotation forged from the target's own /64: 'Not blocking 2001:db8:e2e::/64: own address', not in blocked6net; its neighbours still answer"
  else
    fail "a rotation forged from the target's own /64 was not refused: $(grep -v "New connection" "$OUT6" | tail -n 3 | tr '\n' '|'); blocked6net holds $TARGET6: $(in_prefix_set "$TARGET6" && echo yes || echo no)"
  fi
  in_ns "$NS_TARGET" timeout 60 "$SYNWATCH" --list-blocked >"$TMP/list-prefix.txt" 2>&1 || true
  unblock_rc=0
  in_ns "$NS_TARGET" timeout 60 "$SYNWATCH" --unblock "${ROTATION6}/64" >"$TMP/unblock-prefix.txt" 2>&1 || unblock_rc=$?
  if grep -q "^${ROTATION6}/64 expires in " "$TMP/list-prefix.txt" && [ "$unblock_rc" = 0 ] \
     && grep -qx "Unblocked ${ROTATION6}/64" "$TMP/unblock-prefix.txt" && ! in_prefix_set "${ROTATION6}1"; then
    pass "--list-blocked lists ${ROTATION6}/64, and --unblock ${ROTATION6}/64 removes it"
  else
    fail "--list-blocked/--unblock of the prefix: list $(head -c 300 "$TMP/list-prefix.txt" | tr '\n' '|'), unblock exited $unblock_rc: $(head -c 200 "$TMP/unblock-prefix.txt" | tr '\n' '|')"
  fi
  stop_synwatch
  [ "$STOP_RC" = 0 ] || fail "the --ipv6-prefix run: SIGTERM gave exit status $STOP_RC$STOP_NOTE"
  SYNWATCH_EXTRA=()
else
  log "IPv6 prefix blocking skipped: needs IPv6 here"
fi

remove_rc=0
in_ns "$NS_TARGET" timeout 60 "$SYNWATCH" --remove-firewall >"$TMP/remove.txt" 2>&1 || remove_rc=$?
if [ "$remove_rc" != 0 ]; then
  fail "--remove-firewall exited $remove_rc: $(head -c 400 "$TMP/remove.txt" | tr '\n' '|')"
elif in_ns "$NS_TARGET" nft list table inet synwatch >/dev/null 2>&1; then
  fail "--remove-firewall exited 0 but 'nft list table inet synwatch' still succeeds in the target"
else
  pass "--remove-firewall exited 0 and table inet synwatch is gone"
fi

# 8b. Adopting a set of 1,000,000 blocks stays under 400 MB RSS, and the set budget holds.
python3 - "$TMP/million.nft" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("add table inet synwatch\nadd set inet synwatch blocked4 { type ipv4_addr; flags timeout; size 1048576; }\n")
    for start in range(0, 1000000, 10000):
        f.write("add element inet synwatch blocked4 { " + ", ".join(
            f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255} timeout 1h" for i in range(start, start + 10000)) + " }\n")
PY
if in_ns "$NS_TARGET" timeout 120 nft -f "$TMP/million.nft" 2>"$TMP/million.err"; then
  SYNWATCH_EXTRA=()
  start_synwatch "$OUT3" "$ERR3"
  adopted() { scrape && [ "$(metric synwatch_blocked_sources)" -ge 1000000 ]; }
  if poll 240 adopted; then
    rss_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SYNWATCH_PID/status")
    if [ "$rss_kb" -lt $((400 * 1024)) ]; then
      pass "adopted 1,000,000 blocks (synwatch_blocked_sources $(metric synwatch_blocked_sources)); peak RSS $((rss_kb / 1024)) MB < 400 MB"
    else
      fail "adopting 1,000,000 blocks took the peak RSS to $((rss_kb / 1024)) MB (limit 400 MB)"
    fi
    spoof 198.18.9.9 2101 2102 2103 2104
    # (No nft lookup here: nft reads the whole million-element set for one.)
    if poll 5 has_line "^$TS: Not blocking 198\.18\.9\.9: set full\$" "$OUT3" && ! has_line "Blocked 198\.18\.9\.9 " "$OUT3"; then
      pass "past --max-blocked (65536; the set holds 1,000,000): 'Not blocking 198.18.9.9: set full'"
    else
      fail "a scan with the set past --max-blocked did not print 'Not blocking 198.18.9.9: set full'"
    fi
  else
    fail "synwatch_blocked_sources did not reach 1,000,000 within 240 s of adopting the set (last: '$(metric synwatch_blocked_sources)')"
  fi
  stop_synwatch
  [ "$STOP_RC" = 0 ] || fail "third run: SIGTERM gave exit status $STOP_RC$STOP_NOTE"
else
  fail "could not load 1,000,000 elements into blocked4: $(head -c 300 "$TMP/million.err")"
fi
rm -f "$TMP/million.nft"

# 9. Done.
finish
