#!/usr/bin/env bash
# Proves that synwatch captures and blocks with exactly the privileges its systemd unit gives it:
# an unprivileged uid holding CAP_NET_RAW and CAP_NET_ADMIN as ambient capabilities (and nothing
# else in its bounding set, with no_new_privs), as packaging/systemd/synwatch.service configures.
# The capabilities are read from the installed unit, so the test follows the unit.
#
#   make systemd-check                       (installs to a temp PREFIX, verifies, runs this)
#   bash tests/systemd-caps.sh [PREFIX]      (as root; without PREFIX it installs to a temp one)
#
# In a pair of network namespaces that it creates and always deletes (never the host's):
#
#   target 192.0.2.1  ── veth ──  scanner 192.0.2.66
#
# synwatch runs in "target" through `setpriv` as uid/gid 61899 (in systemd's DynamicUser range,
# with no passwd entry, like a dynamic user) with an empty environment, under the seccomp filter of
# the unit's SystemCallFilter= lines (tests/syscall-filter.py), as systemd would start it.
# The scanner connects to 6 closed ports; the test asserts the New connection, Port scan detected
# and Blocked lines, the scanner in `nft list set inet synwatch blocked4`, the process's
# credentials, and exit status 0 on SIGTERM. Two controls show that each capability is needed:
# without CAP_NET_ADMIN synwatch refuses to start (nft is not permitted), and without CAP_NET_RAW
# it cannot capture. Ends with "systemd-caps: PASSED" (exit 0), "systemd-caps: FAILED: ..."
# (exit 1) or "systemd-caps: SKIPPED: ..." (exit 0, not root or tools missing).
# shellcheck disable=SC2317  # functions run through trap and poll
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
HARNESS=systemd-caps
# shellcheck source=tests/lib.sh
. tests/lib.sh

[ "$(id -u)" = 0 ] || skip "needs root (namespaces, setpriv to another uid)"
for tool in ip nft setpriv curl timeout systemd-analyze; do
  command -v "$tool" >/dev/null 2>&1 || skip "'$tool' not found (install: iproute2 nftables util-linux curl coreutils systemd)"
done
/usr/bin/python3 -c 'import seccomp' 2>/dev/null || skip "python3-seccomp not found (make systemd-check installs it)"

SUFFIX=$$
NS_TARGET=swcaps-target-$SUFFIX
NS_SCANNER=swcaps-scanner-$SUFFIX
IFACE=caps0
TARGET4=192.0.2.1
SCANNER4=192.0.2.66
PORTS=(81 82 83 84 85 86)
RUN_UID=61899
RUN_GID=61899
METRICS_URL=http://127.0.0.1:9897/metrics
TMP=$(mktemp -d /tmp/synwatch-caps.XXXXXX)
chmod 0755 "$TMP"

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

diagnostics() {  # run by finish (tests/lib.sh) when a check failed
  local f
  for f in "$TMP"/*.out "$TMP"/*.err; do [ -s "$f" ] && { echo "----- $f -----"; tail -n 30 "$f"; }; done
  echo "----- nft list ruleset in $NS_TARGET -----"
  ip netns exec "$NS_TARGET" nft list ruleset 2>&1 || true
}

# ---------------------------------------------------------------------------------------------------
# 1. The installed tree and the unit's capabilities.
PREFIX=${1:-}
if [ -z "$PREFIX" ]; then
  [ -f target/synwatch.jar ] || fatal "target/synwatch.jar not found (run 'make build' first, or 'make systemd-check')"
  PREFIX=$TMP/prefix
  make --no-print-directory install PREFIX="$PREFIX" SYSCONFDIR="$TMP/etc" >"$TMP/install.log" 2>&1 \
    || fatal "make install PREFIX=$PREFIX failed: $(tail -n 5 "$TMP/install.log")"
fi
LAUNCHER=$PREFIX/bin/synwatch
UNIT=$PREFIX/lib/systemd/system/synwatch.service
[ -x "$LAUNCHER" ] || fatal "no installed launcher at $LAUNCHER"
[ -f "$UNIT" ] || fatal "no installed unit at $UNIT"
# The uid must reach the launcher and the jar, as a dynamic user would: every directory above them.
dir=$PREFIX
while [ "$dir" != / ]; do
  if ! setpriv --reuid=$RUN_UID --regid=$RUN_GID --clear-groups test -x "$dir"; then
    fatal "uid $RUN_UID cannot enter $dir (the installed tree must be world-readable)"
  fi
  dir=$(dirname "$dir")
done

unit_caps() {  # directive: the unit's capability list as setpriv wants it (+net_raw,+net_admin)
  sed -n "s/^$1=//p" "$UNIT" | tr ' ' '\n' | sed -n 's/^CAP_\(.*\)$/+\L\1/p' | paste -sd, -
}
# The uid must read the filter script too: a copy beside the test's other files.
install -m 0755 tests/syscall-filter.py "$TMP/syscall-filter.py"
mapfile -t SYSCALL_FILTERS < <(sed -n 's/^SystemCallFilter=//p' "$UNIT")
[ "${#SYSCALL_FILTERS[@]}" -gt 0 ] || fatal "no SystemCallFilter= in $UNIT"
AMBIENT=$(unit_caps AmbientCapabilities)
BOUNDING=$(unit_caps CapabilityBoundingSet)
[ -n "$AMBIENT" ] || fatal "no AmbientCapabilities= in $UNIT"
if [ "$AMBIENT" = "+net_raw,+net_admin" ] && [ "$BOUNDING" = "$AMBIENT" ]; then
  pass "the unit grants exactly CAP_NET_RAW and CAP_NET_ADMIN (ambient = bounding = $AMBIENT)"
else
  fail "the unit's AmbientCapabilities ($AMBIENT) and CapabilityBoundingSet ($BOUNDING) should both be +net_raw,+net_admin"
fi

# ---------------------------------------------------------------------------------------------------
# 2. Namespaces.
veth_pair "$NS_TARGET" "$TARGET4" "$NS_SCANNER" "$SCANNER4" "$IFACE"
log "namespaces $NS_TARGET ($TARGET4) and $NS_SCANNER ($SCANNER4); launcher $LAUNCHER"

# Runs the installed launcher in the target as uid $RUN_UID with the given capabilities (setpriv's
# syntax, e.g. +net_raw,+net_admin), an empty environment as systemd gives, no_new_privs, and the
# unit's system call filter. Its PID (exec all the way down: setpriv, the filter, env, the
# launcher, java) is left in $RUN_PID.
run_as_service() {  # caps stdout stderr args...
  local caps=$1 out=$2 err=$3
  shift 3
  ip netns exec "$NS_TARGET" setpriv --reuid=$RUN_UID --regid=$RUN_GID --clear-groups \
    --inh-caps="-all,$caps" --ambient-caps="-all,$caps" --bounding-set="-all,$caps" --no-new-privs -- \
    /usr/bin/python3 "$TMP/syscall-filter.py" "${SYSCALL_FILTERS[@]}" -- env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    "$LAUNCHER" "$@" >"$out" 2>"$err" </dev/null &
  RUN_PID=$!
  PIDS+=("$RUN_PID")
}
alive() {  # pid: running (not exited, not a zombie waiting to be reaped)
  local state
  state=$(sed -n 's/^.*) \([A-Z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null || true)
  [ -n "$state" ] && [ "$state" != Z ]
}
exited() { ! alive "$1"; }
wait_exit() {  # pid seconds: waits for the pid to exit, SIGKILLs it after that; status in $EXIT_STATUS
  poll "$2" exited "$1" || kill -KILL "$1" 2>/dev/null || true
  EXIT_STATUS=0
  wait "$1" || EXIT_STATUS=$?
}
capturing() { grep -q "capturing on $IFACE " "$TMP/service.err" 2>/dev/null; }
capturing_or_dead() { capturing || ! alive "$SERVICE_PID"; }
# grep reads all of nft's output: with -q it could exit first, and pipefail would turn
# nft's SIGPIPE into a false "not in the set".
in_set() { ip netns exec "$NS_TARGET" nft list set inet synwatch blocked4 2>/dev/null | grep -w "$SCANNER4" >/dev/null; }
has() { grep -qE -- "$1" "$TMP/service.out"; }

# ---------------------------------------------------------------------------------------------------
# 3. The service's privileges: capture and blocking work.
run_as_service "$AMBIENT" "$TMP/service.out" "$TMP/service.err" -i "$IFACE" --metrics-address 127.0.0.1:9897 --block-timeout 1h
SERVICE_PID=$RUN_PID
poll 30 capturing_or_dead || true
if ! capturing; then
  alive "$SERVICE_PID" && fatal "synwatch did not log 'capturing on $IFACE' within 30 s"
  status=0; wait "$SERVICE_PID" || status=$?
  fatal "synwatch exited with status $status before capturing: $(head -c 400 "$TMP/service.err")"
fi
status_file=/proc/$SERVICE_PID/status
creds=$(awk '/^(Uid|Gid):/ { printf "%s=%s ", $1, $2 } /^Groups:/ { printf "Groups=%s ", $2 }
             /^Cap(Inh|Prm|Eff|Bnd|Amb):/ { printf "%s=%s ", $1, $2 } /^NoNewPrivs:/ { printf "NoNewPrivs=%s ", $2 }
             /^Seccomp:/ { printf "Seccomp=%s", $2 }' "$status_file")
log "process $SERVICE_PID ($(cat "/proc/$SERVICE_PID/comm")): $creds"
want="Uid:=$RUN_UID Gid:=$RUN_GID Groups= CapInh:=0000000000003000 CapPrm:=0000000000003000 CapEff:=0000000000003000 CapBnd:=0000000000003000 CapAmb:=0000000000003000 NoNewPrivs=1 Seccomp=2"
if [ "$creds" = "$want" ] && [ "$(cat "/proc/$SERVICE_PID/comm")" = java ]; then
  pass "java runs as uid $RUN_UID with only CAP_NET_RAW and CAP_NET_ADMIN (effective, ambient, bounding; no_new_privs), under the seccomp filter SystemCallFilter=${SYSCALL_FILTERS[*]}"
else
  fail "credentials of the running java: '$creds'; expected '$want'"
fi

log "connecting from $NS_SCANNER to $TARGET4 ports ${PORTS[*]}"
for port in "${PORTS[@]}"; do
  ip netns exec "$NS_SCANNER" curl -s -o /dev/null --max-time 1 "http://$TARGET4:$port/" || true
done

TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}'
S=${SCANNER4//./\\.} T=${TARGET4//./\\.}
if poll 5 has "^$TS: New connection: $S:[0-9]+ -> $T:(81|82|83|84|85|86)\$"; then
  pass "New connection lines: $(grep -c 'New connection' "$TMP/service.out") ($SCANNER4 -> $TARGET4)"
else
  fail "no 'New connection: $SCANNER4:PORT -> $TARGET4:PORT' line"
fi
if poll 5 has "^$TS: Port scan detected: $S -> $T on ports 81,82,83,84"; then
  pass "$(grep -m1 -oE 'Port scan detected: .*' "$TMP/service.out")"
else
  fail "no 'Port scan detected: $SCANNER4 -> $TARGET4 on ports 81,82,83,84...' line"
fi
if poll 10 has "^$TS: Blocked $S for 1h\$"; then
  pass "Blocked $SCANNER4 for 1h"
else
  fail "no 'Blocked $SCANNER4 for 1h' line"
fi
if poll 10 in_set; then
  pass "nft list set inet synwatch blocked4 (in $NS_TARGET) contains $SCANNER4"
else
  fail "$SCANNER4 is not in inet synwatch blocked4 in $NS_TARGET"
fi
if ip netns exec "$NS_TARGET" curl -s --max-time 3 "$METRICS_URL" 2>/dev/null | grep '^synwatch_blocks_total{result="added",} 1' >/dev/null; then
  pass "metrics served by the unprivileged process: synwatch_blocks_total{result=\"added\"} 1"
else
  fail "$METRICS_URL did not report synwatch_blocks_total{result=\"added\"} 1"
fi
# The DaemonSet's probes ask this one.
health=$(ip netns exec "$NS_TARGET" curl -s -o /dev/null -w '%{http_code}' --max-time 3 "${METRICS_URL%/metrics}/-/healthy" 2>/dev/null || true)
[ "$health" = 200 ] && pass "/-/healthy answers 200 (the DaemonSet's probes)" || fail "/-/healthy answered '$health', expected 200"

t0=$(date +%s%N)
kill -TERM "$SERVICE_PID"
wait_exit "$SERVICE_PID" 15
status=$EXIT_STATUS
if [ "$status" = 0 ]; then
  pass "SIGTERM: exit status 0 after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
else
  fail "SIGTERM: exit status $status, expected 0"
fi

# ---------------------------------------------------------------------------------------------------
# 4. Controls: each capability alone is not enough.
control() {  # caps what-fails
  local caps=$1 out=$TMP/control-${1//[^a-z]/}.out err=$TMP/control-${1//[^a-z]/}.err status
  run_as_service "$caps" "$out" "$err" -i "$IFACE" --metrics-address 127.0.0.1:9898
  wait_exit "$RUN_PID" 30
  status=$EXIT_STATUS
  if [ "$status" = 1 ] && [ "$(wc -l <"$err")" = 1 ] && grep -q '^synwatch: .*(hint: ' "$err"; then
    pass "with only ${caps#+} synwatch refuses to start ($2): $(cut -c1-110 "$err")"
  else
    fail "with only ${caps#+}: expected exit 1 and one 'synwatch: ... (hint: ...)' line ($2), got exit $status: $(head -c 300 "$err")"
  fi
}
control +net_raw "no CAP_NET_ADMIN for nft"
control +net_admin "no CAP_NET_RAW for capture"

finish
