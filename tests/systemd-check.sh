#!/usr/bin/env bash
# `make systemd-check`: the systemd unit, `make install` and the man page.
#   1. `make install` into a temporary PREFIX (and DESTDIR, separately), checking the file list;
#   2. `systemd-analyze verify` of the unit as installed (ExecStart points at the installed launcher);
#   3. the hardening the unit must have (and MemoryDenyWriteExecute, which it must not);
#   4. the man page renders without warnings;
#   5. tests/systemd-caps.sh with that installed tree: capture and blocking as an unprivileged uid
#      holding only the unit's two ambient capabilities (needs root; skipped otherwise).
# Ends with "systemd-check: PASSED" or "systemd-check: FAILED: ...".
# shellcheck disable=SC2015,SC2016  # pass() never fails; $SYNWATCH_ARGS is literal in the unit
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

FAILURES=()
pass() { echo "systemd-check: ok: $1"; }
fail() { echo "systemd-check: FAIL: $1" >&2; FAILURES+=("$1"); }
TMP=$(mktemp -d /tmp/synwatch-systemd-check.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
chmod 0755 "$TMP"

[ -f target/synwatch.jar ] || { echo "systemd-check: FAILED: target/synwatch.jar not found (run 'make build')"; exit 1; }

# 1. make install, twice: a PREFIX of our own (used below), and DESTDIR staging of the default PREFIX.
PREFIX=$TMP/prefix
make --no-print-directory install PREFIX="$PREFIX" SYSCONFDIR="$TMP/etc" >"$TMP/install.log" 2>&1 \
  || { cat "$TMP/install.log"; echo "systemd-check: FAILED: make install PREFIX=$PREFIX"; exit 1; }
expected="$PREFIX/bin/synwatch 755
$PREFIX/lib/systemd/system/synwatch.service 644
$PREFIX/share/doc/synwatch/LICENSE 644
$PREFIX/share/doc/synwatch/NOTICE 644
$PREFIX/share/man/man1/synwatch.1 644
$PREFIX/share/synwatch/synwatch.jar 644
$TMP/etc/default/synwatch 644"
expected=$(sort <<<"$expected")
actual=$(find "$PREFIX" "$TMP/etc" -type f -printf '%p %m\n' | sort)
if [ "$actual" = "$expected" ]; then pass "make install PREFIX=... installs launcher, jar, unit, man page, LICENSE, NOTICE, /etc/default/synwatch"
else fail "make install installed:
$actual
expected:
$expected"; fi
cmp -s target/synwatch.jar "$PREFIX/share/synwatch/synwatch.jar" || fail "the installed jar differs from target/synwatch.jar"
if "$PREFIX/bin/synwatch" --version >"$TMP/version.txt" 2>&1 && grep -q '^synwatch ' "$TMP/version.txt"; then
  pass "the installed launcher finds the installed jar: $(cat "$TMP/version.txt")"
else
  fail "the installed launcher failed: $(cat "$TMP/version.txt")"
fi
UNIT=$PREFIX/lib/systemd/system/synwatch.service
grep -qx "ExecStart=$PREFIX/bin/synwatch \$SYNWATCH_ARGS" "$UNIT" || fail "ExecStart in the installed unit does not point at $PREFIX/bin/synwatch"
grep -qx "EnvironmentFile=-$TMP/etc/default/synwatch" "$UNIT" || fail "EnvironmentFile in the installed unit does not point at SYSCONFDIR"

# The default layout, staged: DESTDIR is prepended, PREFIX stays in the unit.
make --no-print-directory install DESTDIR="$TMP/stage" >"$TMP/install-stage.log" 2>&1 \
  || fail "make install DESTDIR=$TMP/stage failed: $(tail -n 3 "$TMP/install-stage.log")"
if [ -x "$TMP/stage/usr/local/bin/synwatch" ] && [ -f "$TMP/stage/etc/default/synwatch" ] \
   && grep -qx 'ExecStart=/usr/local/bin/synwatch $SYNWATCH_ARGS' "$TMP/stage/usr/local/lib/systemd/system/synwatch.service"; then
  pass "make install DESTDIR=... stages /usr/local/{bin,lib/systemd/system,share} and /etc/default"
else
  fail "make install DESTDIR=$TMP/stage did not stage the default layout: $(cd "$TMP/stage" 2>/dev/null && find . -type f | tr '\n' ' ')"
fi
# An existing /etc/default/synwatch is an administrator's: never overwritten.
echo 'SYNWATCH_ARGS="--dry-run"' >"$TMP/etc/default/synwatch"
make --no-print-directory install PREFIX="$PREFIX" SYSCONFDIR="$TMP/etc" >/dev/null 2>&1 || true
grep -qx 'SYNWATCH_ARGS="--dry-run"' "$TMP/etc/default/synwatch" && pass "a second install keeps an edited /etc/default/synwatch" \
  || fail "make install overwrote an existing /etc/default/synwatch"
cp packaging/systemd/synwatch.default "$TMP/etc/default/synwatch"

# 2. systemd-analyze verify (the man page check is done in step 4, as it is not installed system-wide).
if ! command -v systemd-analyze >/dev/null; then
  fail "systemd-analyze not found (install: systemd)"
elif systemd-analyze verify --man=no "$UNIT" >"$TMP/verify.txt" 2>&1 && [ ! -s "$TMP/verify.txt" ]; then
  pass "systemd-analyze verify: no findings ($(systemd-analyze --version | head -n 1))"
else
  fail "systemd-analyze verify $UNIT: $(cat "$TMP/verify.txt")"
fi
if systemd-analyze security --help 2>/dev/null | grep -- '--offline' >/dev/null; then
  score=$(systemd-analyze security --offline=yes "$UNIT" 2>/dev/null | sed -n 's/.*Overall exposure level for .*: \(.*\)/\1/p' || true)
  [ -n "$score" ] && echo "systemd-check: info: systemd-analyze security --offline: $score"
fi

# 3. The hardening asked for, in the installed unit.
for directive in 'DynamicUser=yes' 'AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN' \
    'CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
    'ProtectHome=yes' 'PrivateTmp=yes' 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_PACKET AF_NETLINK' \
    'ProtectKernelTunables=yes' 'ProtectKernelModules=yes' 'ProtectKernelLogs=yes' 'LockPersonality=yes' \
    'SystemCallArchitectures=native' 'SystemCallFilter=@system-service' 'SyslogLevelPrefix=yes' \
    'StartLimitIntervalSec=5min' 'StartLimitBurst=5' 'Restart=on-failure'; do
  grep -qx "$directive" "$UNIT" || fail "the unit lacks '$directive'"
done
if grep -q '^MemoryDenyWriteExecute=' "$UNIT"; then
  fail "the unit sets MemoryDenyWriteExecute (the JVM's JIT needs writable executable memory)"
fi
[ "${#FAILURES[@]}" = 0 ] && pass "hardening directives present; no MemoryDenyWriteExecute"
# `systemctl reload` runs ExecReload with MAINPID set: the command must deliver SIGHUP with what
# any Debian root has (no procps), so it is run here as systemd would, against a stand-in process.
reload_cmd=$(sed -n 's/^ExecReload=//p' "$UNIT")
bash -c 'trap "echo reloaded > $0; exit 0" HUP; for _ in $(seq 1 100); do sleep 0.1; done' "$TMP/hup" &
standin=$!
sleep 0.3
(export MAINPID=$standin; eval "env -i MAINPID=$standin $reload_cmd") || true
wait "$standin" 2>/dev/null || true
if [ "$(cat "$TMP/hup" 2>/dev/null)" = reloaded ]; then pass "ExecReload ($reload_cmd) sends SIGHUP to MAINPID"
else fail "ExecReload ($reload_cmd) did not send SIGHUP to MAINPID"; fi

# 4. The man page.
if command -v man >/dev/null; then
  if MANWIDTH=80 man --warnings -l "$PREFIX/share/man/man1/synwatch.1" >"$TMP/man.txt" 2>"$TMP/man.err" && [ ! -s "$TMP/man.err" ] \
     && grep -q 'OPTIONS' "$TMP/man.txt"; then
    pass "man -l synwatch.1 renders without warnings ($(wc -l <"$TMP/man.txt") lines)"
  else
    fail "man --warnings -l synwatch.1: $(head -c 400 "$TMP/man.err")"
  fi
else
  echo "systemd-check: info: man not found; the page's rendering is not checked (ManPageTest still checks its options)"
fi

# 5. The capabilities, with the tree installed above.
caps_rc=0
bash tests/systemd-caps.sh "$PREFIX" || caps_rc=$?
[ "$caps_rc" = 0 ] || fail "tests/systemd-caps.sh failed (exit $caps_rc)"

if [ "${#FAILURES[@]}" -gt 0 ]; then
  echo "systemd-check: FAILED: ${FAILURES[0]}"
  exit 1
fi
echo "systemd-check: PASSED"
