# shellcheck shell=bash
# Helpers shared by the scripts that test or measure synwatch in network namespaces of their own:
# tests/e2e.sh, tests/systemd-caps.sh, tests/image-test.sh and bench/run.sh. Sourced, never run:
#
#   HARNESS=e2e
#   . "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"
#
# Set before sourcing: HARNESS, the name that starts every line ("e2e: PASSED"); optionally
# LOG_WIDTH (width of the seconds in log lines, default 5) and MORE_FAILURES=1 (the FAILED line
# also counts the further failed checks).
# Filled in by the script: NAMESPACES (deleted by cleanup, after killing what is left inside them),
# PIDS (background processes, killed by cleanup), TMP (a scratch directory, removed by cleanup).
# Hooks the script may define: cleanup_extra (runs first in cleanup), diagnostics (run by finish
# when a check failed), before_summary (run by finish just before the summary).
# shellcheck disable=SC2317  # functions run through trap and poll

NAMESPACES=()          # created so far; deleted by cleanup
PIDS=()                # background processes started so far; killed by cleanup
CHECKS=()
FAILURES=()
START_NS=$(date +%s%N)
CLEANED=0

skip() { echo "$HARNESS: SKIPPED: $*"; exit 0; }

# Teardown, for `trap cleanup EXIT`: whatever happens, kill what we started and delete our
# namespaces (their nftables go with them), then exit with the status the script was leaving with.
cleanup() {
  local rc=$? ns pid pids
  [ "$CLEANED" = 1 ] && return
  CLEANED=1
  trap - EXIT INT TERM
  set +e
  if declare -F cleanup_extra >/dev/null; then cleanup_extra; fi
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  [ "${#PIDS[@]}" -gt 0 ] && sleep 0.3
  for ns in "${NAMESPACES[@]}"; do  # anything left inside our namespaces was started by us
    pids=$(ip netns pids "$ns" 2>/dev/null)
    # shellcheck disable=SC2086
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
  [ -n "${TMP:-}" ] && rm -rf "$TMP"
  exit "$rc"
}

# Reporting.
elapsed() { awk -v d=$(( $(date +%s%N) - START_NS )) 'BEGIN { printf "%.1f", d / 1e9 }'; }
# shellcheck disable=SC2183  # %*.1f takes its width as an argument
log() { printf '%s: [%*.1fs] %s\n' "$HARNESS" "${LOG_WIDTH:-5}" "$(elapsed)" "$*"; }
pass() { CHECKS+=("PASS  $1"); log "ok: $1"; }
fail() { CHECKS+=("FAIL  $1"); FAILURES+=("$1"); log "FAIL: $1" >&2; }
fatal() { fail "$1"; finish; }

finish() {  # prints the summary and exits; the EXIT trap then tears everything down
  local check
  if [ "${#FAILURES[@]}" -gt 0 ] && declare -F diagnostics >/dev/null; then diagnostics; fi
  if declare -F before_summary >/dev/null; then before_summary; fi
  echo "$HARNESS: summary ($(elapsed) s):"
  for check in "${CHECKS[@]}"; do echo "  $check"; done
  echo "$HARNESS: $(( ${#CHECKS[@]} - ${#FAILURES[@]} )) passed, ${#FAILURES[@]} failed"
  if [ "${#FAILURES[@]}" -gt 0 ]; then
    if [ "${MORE_FAILURES:-0}" = 1 ] && [ "${#FAILURES[@]}" -gt 1 ]; then
      echo "$HARNESS: FAILED: ${FAILURES[0]} (and $(( ${#FAILURES[@]} - 1 )) more failed checks above)"
    else
      echo "$HARNESS: FAILED: ${FAILURES[0]}"
    fi
    exit 1
  fi
  echo "$HARNESS: PASSED"
  exit 0
}

poll() {  # seconds command...: runs command every 0.1 s until it succeeds (0) or time is up (1)
  local deadline=$(( $(date +%s%N) + $1 * 1000000000 )); shift
  while :; do
    "$@" && return 0
    [ "$(date +%s%N)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# Two namespaces joined by a veth pair named IFACE at both ends, with the given IPv4 addresses (/24),
# loopback and links up; both are registered for cleanup. Skips when namespaces can't be created.
veth_pair() {  # target_ns target_ipv4 peer_ns peer_ipv4 iface
  local ns
  ip netns add "$1" 2>"$TMP/netns.err" || skip "cannot create network namespaces here: $(cat "$TMP/netns.err")"
  NAMESPACES+=("$1")
  ip netns add "$3"
  NAMESPACES+=("$3")
  ip -n "$1" link add "$5" type veth peer name "$5" netns "$3"
  ip -n "$1" addr add "$2/24" dev "$5"
  ip -n "$3" addr add "$4/24" dev "$5"
  for ns in "$1" "$3"; do
    ip -n "$ns" link set lo up
    ip -n "$ns" link set "$5" up
  done
}

# The Debian mirror the host's apt uses (SYNWATCH_DEBIAN_MIRROR overrides; deb.debian.org otherwise).
debian_mirror() {
  local uri
  uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | grep -oE 'https?://[^ ]*/debian/?( |$)' | grep -v security | head -n 1 | tr -d ' ')
  echo "${SYNWATCH_DEBIAN_MIRROR:-${uri:-http://deb.debian.org/debian}}"
}

# A fresh `debootstrap --variant=minbase` root in DIR (replaced if present) whose apt sees the
# archive's three suites, as a Debian image's does. Extra debootstrap arguments (--include=...)
# follow. Calls fatal when debootstrap fails.
debian_root() {  # dir suite logfile [debootstrap args...]
  local dir=$1 suite=$2 logfile=$3 mirror
  shift 3
  mirror=$(debian_mirror)
  rm -rf "$dir"
  debootstrap --variant=minbase "$@" "$suite" "$dir" "$mirror" >"$logfile" 2>&1 \
    || fatal "debootstrap $suite failed: $(tail -n 3 "$logfile")"
  printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" "$suite" "$suite" "${mirror%/debian}/debian-security" "$suite" >"$dir/etc/apt/sources.list.d/debian.sources"
  rm -f "$dir/etc/apt/sources.list"
}
