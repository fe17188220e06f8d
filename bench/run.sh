#!/usr/bin/env bash
# synwatch benchmarks (issue 7). `make bench` builds the jar and runs this; BENCHMARKS.md has the
# method and the results. Prints a table of medians and ratios measured side by side in this run;
# raw numbers and logs go to target/bench/. No pass/fail on absolute times: machines are noisy.
#
#   bash bench/run.sh [replay] [adversarial] [live] [sweep] [jmh] [latency] [memory] [startup] [fleet]   (default: all, as root)
#
# Knobs (environment): REPLAY_PACKETS=10M REPLAY_RUNS=3 LIVE_PACKETS=2M LIVE_RUNS=3 LIVE_RATE=--topspeed SCANS=120
#   SWEEP_RATES='200000 300000 400000 500000 600000 700000' SWEEP_PACKETS=3000000
#   MEMORY_PACKETS=3M STARTUP_RUNS=5 JMH_ARGS='-wi 3 -i 5'
#   FLEET_AGENTS=10,100,500 FLEET_RATE=10 FLEET_BLOCKS=2 FLEET_SECONDS=20
#
# Safety: live traffic only between network namespaces this script creates (names end in its PID)
# and deletes on exit; no address outside them is ever a destination; every loop is bounded in count
# and time; the host's own nft ruleset is never touched (nft runs only inside our namespaces).
# shellcheck disable=SC2317
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
HARNESS=bench
# shellcheck source=tests/lib.sh
. tests/lib.sh   # cleanup; its log and reporting are not used here (log is redefined below)

OUT=target/bench
mkdir -p "$OUT"
RESULTS=$OUT/results.tsv
REPLAY_PACKETS=${REPLAY_PACKETS:-10M}
REPLAY_RUNS=${REPLAY_RUNS:-3}
LIVE_PACKETS=${LIVE_PACKETS:-2M}
LIVE_RUNS=${LIVE_RUNS:-3}
SCANS=${SCANS:-120}
MEMORY_PACKETS=${MEMORY_PACKETS:-3M}
STARTUP_RUNS=${STARTUP_RUNS:-5}
JMH_ARGS=${JMH_ARGS:--wi 3 -i 5}
LIVE_RATE=${LIVE_RATE:---topspeed}   # or e.g. --pps=150000
SWEEP_RATES=${SWEEP_RATES:-200000 300000 400000 500000 600000 700000}   # pps asked of one trafgen core
SWEEP_PACKETS=${SWEEP_PACKETS:-3000000}   # past the default cap of 1,000,000 pairs: the flood's steady state is eviction
SECTIONS=("$@")
[ ${#SECTIONS[@]} -gt 0 ] || SECTIONS=(replay adversarial live sweep jmh latency memory startup fleet)
FLEET_AGENTS=${FLEET_AGENTS:-10,100,500}
FLEET_RATE=${FLEET_RATE:-10}        # new sources per agent per second
FLEET_BLOCKS=${FLEET_BLOCKS:-2}     # blocks announced per second, fleet-wide
FLEET_SECONDS=${FLEET_SECONDS:-20}

JAVA_HOME=$(bin/synwatch --java-home)
export JAVA_HOME TZ=UTC LC_ALL=C
JAVA=$JAVA_HOME/bin/java
START=$(date +%s)
log() { printf 'bench: [%4ds] %s\n' $(( $(date +%s) - START )) "$*" >&2; }
result() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"; }   # item measure value target verdict
median() { python3 bench/report.py median "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
want() { local s; for s in "${SECTIONS[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

# ------------------------------------------------------------------------------------------------
# Cleanup (tests/lib.sh): whatever happens, stop what we started (PIDS) and delete our namespaces
# (NAMESPACES).
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

delete_ns() {  # delete_ns NS...: kill whatever we started inside, then delete
  local ns pids
  for ns in "$@"; do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
    ip netns del "$ns" 2>/dev/null || true
  done
}

need_root() {
  if [ "$(id -u)" != 0 ]; then
    log "$1: SKIPPED (needs root)"; result "$1" "skipped" "needs root" "" ""; return 1
  fi
}

# The packages the benchmarks need beyond `make deps`: compiler and libpcap headers for the floor,
# tcpreplay for live traffic, GNU time for CPU times.
ensure_tools() {
  local missing=() cmd
  for cmd in gcc tcpreplay trafgen tcpdump python3 curl nft ip; do command -v "$cmd" >/dev/null || missing+=("$cmd"); done
  [ -x /usr/bin/time ] || missing+=(time)
  [ -f /usr/include/pcap/pcap.h ] || missing+=(pcap.h)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "bench: missing ${missing[*]} (hint: as root: apt-get install gcc libc6-dev libpcap0.8-dev tcpreplay netsniff-ng tcpdump time curl)" >&2
    exit 1
  fi
  log "installing: gcc libc6-dev libpcap0.8-dev tcpreplay netsniff-ng tcpdump time curl"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    gcc libc6-dev libpcap0.8-dev tcpreplay netsniff-ng tcpdump time curl >/dev/null
}

# generate NAME ARGS...: target/bench/NAME.pcap from bench/GenerateSyns.java, regenerated only when
# the generator or its arguments change.
generate() {
  local name=$1; shift
  local file=$OUT/$name.pcap stamp
  stamp="$(sha256sum bench/GenerateSyns.java | cut -c1-16) $*"
  if [ -f "$file" ] && [ "$(cat "$file.args" 2>/dev/null)" = "$stamp" ]; then return 0; fi
  log "generating $file: $*"
  "$JAVA" bench/GenerateSyns.java --out "$file" "$@" 2>"$OUT/$name.summary"
  cat "$OUT/$name.summary" >&2
  echo "$stamp" >"$file.args"
}

build_floor() {
  if [ ! -x "$OUT/floor" ] || [ bench/floor.c -nt "$OUT/floor" ]; then
    log "gcc -O2 -o $OUT/floor bench/floor.c -lpcap"
    gcc -O2 -Wall -o "$OUT/floor" bench/floor.c -lpcap
  fi
}

# timed NAME LOGFILE COMMAND...: runs it with GNU time; appends "wall user+sys maxrss_kb" to LOGFILE.
timed() {
  local name=$1 logfile=$2; shift 2
  /usr/bin/time -f '%e %U %S %M' -o "$OUT/time.tmp" "$@" >/dev/null 2>"$OUT/$name.stderr"
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$OUT/time.tmp" >>"$logfile"
}

# detector_ns_per_syn NAME: the detector thread's CPU per SYN over one replay of NAME's file (no AOT
# cache, untimed), from /proc/PID/task/TID/stat read every 20 ms until the process exits (the last
# read misses at most 20 ms). One thread's CPU, so the machine's other load moves it much less than
# wall times; SYNs as the generator counted them.
detector_ns_per_syn() {
  local file=$OUT/$1.pcap syns pid tid="" task now ticks=0
  syns=$(sed -n 's/.*packets: \([0-9]*\) SYNs.*/\1/p' "$OUT/$1.summary")
  env SYNWATCH_AOT_CACHE=none bin/synwatch -r "$file" >/dev/null 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [ -z "$tid" ]; then
      for task in /proc/"$pid"/task/*; do
        [ "$(cat "$task/comm" 2>/dev/null)" = synwatch-detect ] && tid=${task##*/}
      done
    fi
    if [ -n "$tid" ]; then
      now=$(cpu_ticks "$pid/task/$tid")   # 0 once the thread has ended: the last read stands
      if [ "$now" -gt "$ticks" ]; then ticks=$now; fi
    fi
    sleep 0.02
  done
  wait "$pid" || true
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$syns" 'BEGIN { printf "%.0f\n", (n > 0 ? t / hz * 1e9 / n : 0) }'
}

# detector_rows SECTION NAME: three replays' detector_ns_per_syn, as a row without a target: the
# measure proposed to restate issue 15's speed targets by.
detector_rows() {
  local runs=() r
  for r in 1 2 3; do runs+=("$(detector_ns_per_syn "$2")"); done
  result "$1" "detector thread CPU per SYN, ns (median of 3; runs)" "$(median "${runs[@]}") (${runs[*]})" "" ""
}

# ------------------------------------------------------------------------------------------------
# 1+2. Replay throughput: synwatch --read against the C floor and tcpdump, interleaved, same file.
bench_replay() {
  build_floor
  generate "mixed-$REPLAY_PACKETS" --packets "$REPLAY_PACKETS" --seed 1
  local file=$OUT/mixed-$REPLAY_PACKETS.pcap filter r tool
  filter=$("$OUT/floor" --print-filter)
  cat "$file" >/dev/null   # into the page cache: every tool reads it from memory

  log "replay: correctness: floor and synwatch print the same lines?"
  "$OUT/floor" "$file" >"$OUT/replay.floor.out" 2>"$OUT/replay.floor.check"
  bin/synwatch -r "$file" >"$OUT/replay.synwatch.out" 2>"$OUT/replay.synwatch.check"
  local lines_floor lines_syn only_syn only_floor
  lines_floor=$(wc -l <"$OUT/replay.floor.out")
  lines_syn=$(wc -l <"$OUT/replay.synwatch.out")
  if cmp -s "$OUT/replay.floor.out" "$OUT/replay.synwatch.out"; then
    only_syn=0 only_floor=0
  else
    diff "$OUT/replay.floor.out" "$OUT/replay.synwatch.out" >"$OUT/replay.diff" || true
    only_syn=$(grep -c '^>' "$OUT/replay.diff" || true)
    only_floor=$(grep -c '^<' "$OUT/replay.diff" || true)
  fi
  log "replay: floor $lines_floor lines, synwatch $lines_syn; only in synwatch $only_syn, only in floor $only_floor"
  result "2 replay" "output lines: floor / synwatch" "$lines_floor / $lines_syn" "identical" \
    "$([ "$only_syn$only_floor" = 00 ] && echo identical || echo "DIFFER: +$only_syn -$only_floor lines (see $OUT/replay.diff)")"
  rm -f "$OUT/replay.floor.out" "$OUT/replay.synwatch.out"

  : >"$OUT/replay.floor.times"; : >"$OUT/replay.synwatch.times"; : >"$OUT/replay.synwatch-aot.times"
  : >"$OUT/replay.tcpdump.times"
  for r in $(seq 1 "$REPLAY_RUNS"); do
    log "replay: round $r/$REPLAY_RUNS"
    timed floor "$OUT/replay.floor.times" "$OUT/floor" "$file"
    timed synwatch "$OUT/replay.synwatch.times" env SYNWATCH_AOT_CACHE=none bin/synwatch -r "$file"
    if [ -f "$AOT" ]; then
      timed synwatch-aot "$OUT/replay.synwatch-aot.times" env SYNWATCH_AOT_CACHE="$AOT" bin/synwatch -r "$file"
    fi
    timed tcpdump "$OUT/replay.tcpdump.times" tcpdump -r "$file" -w /dev/null "$filter"
  done
  local fw fc tw tc srss frss
  fw=$(median $(cut -d' ' -f1 "$OUT/replay.floor.times")); fc=$(median $(cut -d' ' -f2 "$OUT/replay.floor.times"))
  tw=$(median $(cut -d' ' -f1 "$OUT/replay.tcpdump.times")); tc=$(median $(cut -d' ' -f2 "$OUT/replay.tcpdump.times"))
  srss=$(median $(cut -d' ' -f3 "$OUT/replay.synwatch.times")); frss=$(median $(cut -d' ' -f3 "$OUT/replay.floor.times"))
  result "2 replay" "wall s (median of $REPLAY_RUNS): floor / tcpdump" "$fw / $tw" "" ""
  result "2 replay" "cpu s (user+sys): floor / tcpdump" "$fc / $tc" "" ""
  replay_verdicts synwatch "$OUT/replay.synwatch.times" "$fw" "$fc" "$tw"
  if [ -s "$OUT/replay.synwatch-aot.times" ]; then
    replay_verdicts "synwatch, AOT cache" "$OUT/replay.synwatch-aot.times" "$fw" "$fc" "$tw"
  fi
  result "2 replay" "max RSS MB: floor / synwatch" "$((${frss%.*} / 1024)) / $((${srss%.*} / 1024))" "" ""
  detector_rows "2 replay" "mixed-$REPLAY_PACKETS"
}

# replay_verdicts LABEL TIMES FLOOR_WALL FLOOR_CPU TCPDUMP_WALL: synwatch's medians and the targets.
replay_verdicts() {
  local label=$1 times=$2 fw=$3 fc=$4 tw=$5 sw sc wr cr tr
  sw=$(median $(cut -d' ' -f1 "$times")); sc=$(median $(cut -d' ' -f2 "$times"))
  wr=$(ratio "$sw" "$fw"); cr=$(ratio "$sc" "$fc"); tr=$(ratio "$sw" "$tw")
  result "2 replay" "$label: wall / cpu s (medians)" "$sw / $sc" "" ""
  result "2 replay" "$label / floor, wall" "${wr}x" "<= 0.6x" "$(awk -v r="$wr" 'BEGIN { print (r <= 0.6 ? "met" : "MISSED") }')"
  result "2 replay" "$label / floor, cpu" "${cr}x" "<= 0.9x" "$(awk -v r="$cr" 'BEGIN { print (r <= 0.9 ? "met" : "MISSED") }')"
  result "2 replay" "$label / tcpdump -r with the filter, wall" "${tr}x" "<= 3x" "$(awk -v r="$tr" 'BEGIN { print (r <= 3 ? "met" : "MISSED") }')"
}

# train_aot_cache CACHE: the cache `make aot-cache`, the .deb and the image make, on the same
# synthetic capture (packaging/aot-training-capture.sh); the replay and start-up items measure with it too.
train_aot_cache() {
  rm -f "$1"
  JAVA="$JAVA" packaging/aot-training-capture.sh "$OUT/aot-training.pcap" 2>"$OUT/aot-training.summary"
  bin/synwatch --train-aot-cache "$1" "$OUT/aot-training.pcap" 2>"$OUT/aot.log" || log "no AOT cache: see $OUT/aot.log"
}

# ------------------------------------------------------------------------------------------------
# 2b. The retransmission table's worst case (issue 15): 4M SYNs of 100,000 sources to one host, 16
# source ports each, a quarter to random ports, 7 us apart. Output identical to the floor's, and time.
bench_adversarial() {
  build_floor
  generate adversarial-4M --mode adversarial --packets 4M --sources 100K --rate 142857 --vlan 0
  local file=$OUT/adversarial-4M.pcap r fw sw
  cat "$file" >/dev/null
  "$OUT/floor" "$file" >"$OUT/adversarial.floor.out" 2>/dev/null
  bin/synwatch -r "$file" >"$OUT/adversarial.synwatch.out" 2>/dev/null
  local differ=0
  cmp -s "$OUT/adversarial.floor.out" "$OUT/adversarial.synwatch.out" || differ=$(diff "$OUT/adversarial.floor.out" "$OUT/adversarial.synwatch.out" | grep -c '^[<>]' || true)
  result "2b adversarial" "output lines: floor / synwatch" "$(wc -l <"$OUT/adversarial.floor.out") / $(wc -l <"$OUT/adversarial.synwatch.out")" "identical" \
    "$([ "$differ" = 0 ] && echo identical || echo "DIFFER: $differ lines")"
  rm -f "$OUT/adversarial.floor.out" "$OUT/adversarial.synwatch.out"
  : >"$OUT/adversarial.floor.times"; : >"$OUT/adversarial.synwatch.times"; : >"$OUT/adversarial.synwatch-aot.times"
  for r in $(seq 1 "$REPLAY_RUNS"); do
    log "adversarial: round $r/$REPLAY_RUNS"
    timed floor "$OUT/adversarial.floor.times" "$OUT/floor" "$file"
    timed synwatch "$OUT/adversarial.synwatch.times" env SYNWATCH_AOT_CACHE=none bin/synwatch -r "$file"
    if [ -f "$AOT" ]; then
      timed synwatch-aot "$OUT/adversarial.synwatch-aot.times" env SYNWATCH_AOT_CACHE="$AOT" bin/synwatch -r "$file"
    fi
  done
  fw=$(median $(cut -d' ' -f1 "$OUT/adversarial.floor.times"))
  result "2b adversarial" "wall s (median of $REPLAY_RUNS): floor" "$fw" "" ""
  local label times
  for label in synwatch "synwatch, AOT cache"; do
    times=$OUT/adversarial.$([ "$label" = synwatch ] && echo synwatch || echo synwatch-aot).times
    [ -s "$times" ] || continue
    sw=$(median $(cut -d' ' -f1 "$times"))
    result "2b adversarial" "$label: wall s; / floor" "$sw; $(ratio "$sw" "$fw")x" "<= 0.6x" \
      "$(awk -v r="$(ratio "$sw" "$fw")" 'BEGIN { print (r <= 0.6 ? "met" : "MISSED") }')"
  done
  detector_rows "2b adversarial" adversarial-4M
}

# ------------------------------------------------------------------------------------------------
# 3. Live capture: tcpreplay --topspeed into a veth pair; synwatch, then tcpdump, capture the far end.
metric() {  # metric NS PORT NAME_REGEX: the value of the first matching sample, or -1
  # awk reads to the end: exiting early would fail curl with SIGPIPE under pipefail.
  ip netns exec "$1" curl -s --max-time 2 "http://127.0.0.1:$2/metrics" 2>/dev/null \
    | awk -v re="$3" '!found && $0 !~ /^#/ && $1 ~ re { printf "%.0f\n", $2; found = 1 } END { if (!found) print -1 }'
}

cpu_ticks() {  # cpu_ticks PID: user+system clock ticks so far (0 once gone)
  awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

wait_for() {  # wait_for FILE PATTERN SECONDS
  local deadline=$(( $(date +%s) + $3 ))
  until grep -q "$2" "$1" 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.02
  done
}

# veth_namespaces NS_TX NS_RX: two namespaces joined by veth vtx <-> vrx, no addresses; deleted on exit.
veth_namespaces() {
  NAMESPACES+=("$1" "$2")
  ip netns add "$1"; ip netns add "$2"
  ip link add vtx netns "$1" type veth peer name vrx netns "$2"
  ip -n "$1" link set vtx up; ip -n "$2" link set vrx up; ip -n "$2" link set lo up
}

# The capturing tools on vrx in $ns_rx, for the live and sweep sections (whose locals they read).
# A start returns once the tool captures, its PID in CAPTURE_PID; a stop ends it and leaves its
# final counts in CAPTURE_COUNTS.
# synwatch_rx_start AOT_CACHE|none STDERR: default settings, plus --no-block and a metrics address in its namespace.
synwatch_rx_start() {
  ip netns exec "$ns_rx" env SYNWATCH_AOT_CACHE="$1" bin/synwatch -i vrx --no-block --metrics-address "127.0.0.1:$port" \
    >/dev/null 2>"$2" &
  CAPTURE_PID=$!; PIDS+=("$CAPTURE_PID")
  wait_for "$2" "capturing on" 30 || { log "synwatch did not start"; cat "$2" >&2; return 1; }
}

# synwatch_rx_stop STDERR: "captured kernel_drops interface_drops ring_drops", from the line synwatch
# logs when capture stops (pcap_stats is read once more then: an idle link never wakes it).
synwatch_rx_stop() {
  kill -TERM "$CAPTURE_PID"; wait "$CAPTURE_PID" || true
  CAPTURE_COUNTS=$(sed -n 's/.*captured \([0-9]*\) packets.*dropped \([0-9]*\) in the kernel, \([0-9]*\) at the interface, \([0-9]*\) in the ring.*/\1 \2 \3 \4/p' \
    "$1" | tail -1)
  [ -n "$CAPTURE_COUNTS" ] || { log "synwatch: no 'capture stopped' line"; cat "$1" >&2; return 1; }
}

# tcpdump_rx_start STDERR: the same buffer (32 MiB = synwatch's default), snaplen, no promiscuous mode, filter.
tcpdump_rx_start() {
  ip netns exec "$ns_rx" tcpdump -i vrx -p -s 256 -B 32768 -w /dev/null "$filter" 2>"$1" &
  CAPTURE_PID=$!; PIDS+=("$CAPTURE_PID")
  wait_for "$1" "listening on" 30 || { log "tcpdump did not start"; return 1; }
}

# tcpdump_rx_stop STDERR: "captured kernel_drops", from tcpdump's summary.
tcpdump_rx_stop() {
  kill -INT "$CAPTURE_PID"; wait "$CAPTURE_PID" || true
  CAPTURE_COUNTS="$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$1") $(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$1")"
}

# live_synwatch_run LABEL AOT_CACHE|none: one run of synwatch for bench_live (whose locals it reads), a line in live.LABEL.tsv.
live_synwatch_run() {
  local label=$1 aot=$2
  synwatch_rx_start "$aot" "$OUT/live.synwatch.stderr" || return 1
  sleep 1
  local cpu0 cpu1
  cpu0=$(cpu_ticks "$CAPTURE_PID")
  ip netns exec "$ns_tx" timeout 120 tcpreplay -i vtx $LIVE_RATE --preload-pcap "$file" >"$OUT/live.tcpreplay.out" 2>&1
  local pps captured last=-2 i
  pps=$(sed -n 's/.*Rated: .* \([0-9.]*\) pps.*/\1/p' "$OUT/live.tcpreplay.out" | head -1)
  for i in $(seq 1 30); do   # until the capture thread has caught up with the buffer
    sleep 1
    captured=$(metric "$ns_rx" "$port" '^synwatch_packets_captured_total')
    [ "$captured" = "$last" ] && break
    last=$captured
  done
  local kdrop idrop rdrop
  cpu1=$(cpu_ticks "$CAPTURE_PID")
  synwatch_rx_stop "$OUT/live.synwatch.stderr" || return 1
  read -r captured kdrop idrop rdrop <<<"$CAPTURE_COUNTS"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$pps" "$captured" "$kdrop" "$rdrop" "$idrop" "$(( (cpu1 - cpu0) * 10 ))" >>"$OUT/live.$label.tsv"
  log "live: $label run $r: tcpreplay ${pps} pps; captured $captured of $syns SYNs; kernel drops $kdrop, ring drops $rdrop; $(( (cpu1 - cpu0) * 10 )) ms CPU"
}

bench_live() {
  need_root live || return 0
  build_floor   # for its filter text
  generate "live-$LIVE_PACKETS" --packets "$LIVE_PACKETS" --seed 2
  local file=$OUT/live-$LIVE_PACKETS.pcap filter ns_tx=swbench-tx-$$ ns_rx=swbench-rx-$$ port=9897 r
  filter=$("$OUT/floor" --print-filter)
  veth_namespaces "$ns_tx" "$ns_rx"
  local syns
  syns=$(sed -n 's/.*packets: \([0-9]*\) SYNs.*/\1/p' "$OUT/live-$LIVE_PACKETS.summary")
  : >"$OUT/live.synwatch.tsv"; : >"$OUT/live.synwatch-aot.tsv"; : >"$OUT/live.tcpdump.tsv"
  for r in $(seq 1 "$LIVE_RUNS"); do
    live_synwatch_run synwatch none || return 1
    if [ -f "$AOT" ]; then live_synwatch_run synwatch-aot "$AOT" || return 1; fi

    tcpdump_rx_start "$OUT/live.tcpdump.stderr" || return 1
    sleep 1
    cpu0=$(cpu_ticks "$CAPTURE_PID")
    ip netns exec "$ns_tx" timeout 120 tcpreplay -i vtx $LIVE_RATE --preload-pcap "$file" >"$OUT/live.tcpreplay.out" 2>&1
    pps=$(sed -n 's/.*Rated: .* \([0-9.]*\) pps.*/\1/p' "$OUT/live.tcpreplay.out" | head -1)
    sleep 2
    cpu1=$(cpu_ticks "$CAPTURE_PID")
    tcpdump_rx_stop "$OUT/live.tcpdump.stderr"
    read -r captured kdrop <<<"$CAPTURE_COUNTS"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$pps" "$captured" "$kdrop" 0 0 "$(( (cpu1 - cpu0) * 10 ))" >>"$OUT/live.tcpdump.tsv"
    log "live: tcpdump run $r: tcpreplay ${pps} pps; captured $captured; kernel drops $kdrop; $(( (cpu1 - cpu0) * 10 )) ms CPU"
  done
  local tpps tkd tmax label
  tpps=$(median $(cut -f1 "$OUT/live.tcpdump.tsv")); tkd=$(median $(cut -f3 "$OUT/live.tcpdump.tsv"))
  tmax=$(cut -f3 "$OUT/live.tcpdump.tsv" | sort -n | tail -1)
  for label in synwatch synwatch-aot; do
    [ -s "$OUT/live.$label.tsv" ] && live_verdicts "$label" "$OUT/live.$label.tsv" "$tpps" "$tkd" "$tmax" "$syns"
  done
  delete_ns "$ns_tx" "$ns_rx"
}

# live_verdicts LABEL TSV TCPDUMP_PPS TCPDUMP_KDROP_MEDIAN TCPDUMP_KDROP_MAX SYNS
live_verdicts() {
  local label=$1 tsv=$2 tpps=$3 tkd=$4 tmax=$5 syns=$6 what spps skd smax srd
  what=$([ "$label" = synwatch ] && echo "synwatch" || echo "synwatch, AOT cache")
  spps=$(median $(cut -f1 "$tsv")); skd=$(median $(cut -f3 "$tsv"))
  smax=$(cut -f3 "$tsv" | sort -n | tail -1); srd=$(cut -f4 "$tsv" | sort -n | tail -1)
  result "3 live" "tcpreplay $LIVE_RATE pps (median of $LIVE_RUNS): with $what / with tcpdump" "${spps%.*} / ${tpps%.*}" "" ""
  result "3 live" "kernel drops, median (max): $what / tcpdump" "${skd%.*} ($smax) / ${tkd%.*} ($tmax) of $syns SYNs" \
    "0, <= tcpdump" "$( [ "$smax" = 0 ] && echo met || { [ "${smax%.*}" -le "${tmax%.*}" ] && echo "MISSED (not 0; <= tcpdump)" || echo "MISSED"; } )"
  result "3 live" "capture process CPU ms per run (median): $what / tcpdump" \
    "$(median $(cut -f6 "$tsv")) / $(median $(cut -f6 "$OUT/live.tcpdump.tsv"))" "" ""
  result "3 live" "$what: ring drops, each run" "$(cut -f4 "$tsv" | paste -sd' ')" "0" "$([ "$srd" = 0 ] && echo met || echo MISSED)"
}

# ------------------------------------------------------------------------------------------------
# 3b. Live rate sweep: the highest rate at which synwatch drops nothing, beside tcpdump's. trafgen
# (netsniff-ng) sends a spoofed SYN flood, every SYN from a new source and port (each a new pair: the
# detector's hardest case), at each rate of SWEEP_RATES from one core, then as fast as it can from
# both; synwatch (default settings, --no-block; without, then with the AOT cache), then tcpdump (the
# live section's buffer, snaplen and filter), capture the far end. On two cores the sender and the
# capture share the CPU, so a rate is reported as received, not as asked; trafgen alone shows what
# the machine sends. A tool's highest rate is the highest it received with no drop below its first
# rate that dropped: a new process at each rate, so a drop while the JIT warms up counts.
rx_packets() {  # packets the receiving veth end has taken
  ip -n "$ns_rx" -s link show vrx | awk '/RX:/ { getline; n = $2 } END { print n }'
}

# sweep_run TOOL TRAFGEN_ARGS...: one run with TOOL (synwatch, synwatch-aot, tcpdump or none)
# capturing; prints "received_pps kernel_drops ring_drops".
sweep_run() {
  local tool=$1; shift
  local err=$OUT/sweep.$tool.stderr before after t0 t1 captured kdrop=0 idrop rdrop=0
  if [ "${tool%-aot}" = synwatch ]; then
    synwatch_rx_start "$([ "$tool" = synwatch ] && echo none || echo "$AOT")" "$err" || return 1
  elif [ "$tool" = tcpdump ]; then
    tcpdump_rx_start "$err" || return 1
  fi
  sleep 1
  before=$(rx_packets); t0=$(date +%s%N)
  ip netns exec "$ns_tx" timeout 60 trafgen --dev vtx --conf "$OUT/sweep.trafgen" -n "$SWEEP_PACKETS" "$@" \
    >"$OUT/sweep.trafgen.out" 2>&1 || { log "sweep: trafgen failed"; cat "$OUT/sweep.trafgen.out" >&2; return 1; }
  t1=$(date +%s%N); after=$(rx_packets)
  [ "$tool" = none ] || sleep 2   # what the kernel holds is read before the stop
  if [ "${tool%-aot}" = synwatch ]; then
    synwatch_rx_stop "$err" || return 1
    read -r captured kdrop idrop rdrop <<<"$CAPTURE_COUNTS"
  elif [ "$tool" = tcpdump ]; then
    tcpdump_rx_stop "$err"
    read -r captured kdrop <<<"$CAPTURE_COUNTS"
  fi
  echo "$(( (after - before) * 1000000000 / (t1 - t0) )) ${kdrop:-0} $rdrop"
}

bench_sweep() {
  need_root sweep || return 0
  build_floor   # for its filter text
  local ns_tx=swbench-stx-$$ ns_rx=swbench-srx-$$ port=9898 filter rate tool sent kd rd args label best
  filter=$("$OUT/floor" --print-filter)
  veth_namespaces "$ns_tx" "$ns_rx"
  # A destination MAC that isn't vrx's: the receiver's stack drops each frame after the capture saw it.
  cat >"$OUT/sweep.trafgen" <<'CONF'
{
  eth(da=02:00:00:00:00:02, sa=02:00:00:00:00:01),
  ipv4(saddr=drnd(), daddr=192.0.2.5, ttl=64),
  tcp(sp=drnd(), dp=80, syn)
}
CONF
  read -r sent kd rd < <(sweep_run none -P 1) || return 1
  local one=$sent
  read -r sent kd rd < <(sweep_run none -P 2) || return 1
  result "3b sweep" "trafgen alone, pps: one core / two cores" "$one / $sent" "" ""
  log "sweep: trafgen alone: $one pps from one core, $sent from two"
  : >"$OUT/sweep.tsv"
  for rate in $SWEEP_RATES full; do
    args=(-P 1 -b "${rate}pps"); label="${rate} pps asked, one core"
    [ "$rate" = full ] && { args=(-P 2); label="as fast as two cores send"; }
    for tool in synwatch synwatch-aot tcpdump; do
      [ "$tool" != synwatch-aot ] || [ -f "$AOT" ] || continue
      read -r sent kd rd < <(sweep_run "$tool" "${args[@]}") || return 1
      printf '%s\t%s\t%s\t%s\t%s\n' "$rate" "$tool" "$sent" "$kd" "$rd" >>"$OUT/sweep.tsv"
      log "sweep: $label, $tool: received $sent pps; kernel drops $kd, ring drops $rd"
    done
    result "3b sweep" "$label: received pps, drops (kernel + ring) of $SWEEP_PACKETS: synwatch / with the cache / tcpdump" \
      "$(awk -F'\t' -v r="$rate" '$1 == r { printf "%s%s, %d", (n++ ? " / " : ""), $3, $4 + $5 }' "$OUT/sweep.tsv")" "" ""
  done
  for tool in synwatch synwatch-aot tcpdump; do
    best=$(awk -F'\t' -v t="$tool" '$2 == t && !dropped { if ($4 + $5 > 0) { dropped = 1; first = $3 } else if ($3 > b) b = $3 }
      END { printf "%d%s", b, (dropped ? " (first drop at " first ")" : "") }' "$OUT/sweep.tsv")
    result "3b sweep" "$tool: highest received pps with no drop" "$best" "" ""
  done
  delete_ns "$ns_tx" "$ns_rx"
}

# ------------------------------------------------------------------------------------------------
# 4. JMH microbenchmarks with -prof gc.
bench_jmh() {
  # Force a recompile of the benchmarks with JMH's annotation processor (the bench profile).
  rm -rf target/test-classes/org/synwatch/bench target/test-classes/META-INF/BenchmarkList
  log "jmh: mvn -Pbench test-compile"
  mvn -B -ntp -q -Dstyle.color=never -Pbench -DskipTests test-compile >"$OUT/jmh.build.log" 2>&1 \
    || { cat "$OUT/jmh.build.log" >&2; return 1; }
  mvn -B -ntp -q -Dstyle.color=never dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$OUT/jmh.classpath" >>"$OUT/jmh.build.log" 2>&1
  log "jmh: java -cp target/test-classes:target/classes:<deps> org.openjdk.jmh.Main 'org.synwatch.bench.*' $JMH_ARGS -f 1 -prof gc"
  # shellcheck disable=SC2086
  timeout 900 "$JAVA" -cp "target/test-classes:target/classes:$(cat "$OUT/jmh.classpath")" org.openjdk.jmh.Main \
    'org.synwatch.bench.*' $JMH_ARGS -f 1 -prof gc -rf json -rff "$OUT/jmh.json" >"$OUT/jmh.log" 2>&1
  python3 bench/report.py jmh "$OUT/jmh.json" 2>"$OUT/jmh.tsv" | tee "$OUT/jmh.table" >&2
  local name ns bop
  while IFS=$'\t' read -r name ns bop; do
    result "4 jmh" "$name ns/op, B/op" "$ns, $bop" "0 B/op" "$(awk -v b="$bop" 'BEGIN { print (b < 0.1 ? "met" : "MISSED") }')"
  done <"$OUT/jmh.tsv"
}

# ------------------------------------------------------------------------------------------------
# 5. Scan-to-block latency: crossing SYN's capture time (port_scan "time") to the element in blocked4.
bench_latency() {
  need_root latency || return 0
  local ns_t=swbench-lt-$$ ns_s=swbench-ls-$$ i
  NAMESPACES+=("$ns_t" "$ns_s")
  ip netns add "$ns_t"; ip netns add "$ns_s"
  ip link add vlt netns "$ns_t" type veth peer name vls netns "$ns_s"
  ip -n "$ns_t" link set lo up; ip -n "$ns_s" link set lo up
  ip -n "$ns_t" addr add 192.0.2.1/24 dev vlt
  for i in $(seq 0 $((SCANS - 1))); do echo "addr add 192.0.2.$((10 + i))/24 dev vls"; done | ip -n "$ns_s" -batch -
  ip -n "$ns_t" link set vlt up; ip -n "$ns_s" link set vls up
  [ "$SCANS" -le 240 ] || { log "latency: SCANS is at most 240 (one /24)"; return 1; }

  # nft monitor, each line stamped with CLOCK_REALTIME microseconds as it arrives.
  (ip netns exec "$ns_t" stdbuf -oL nft monitor 2>/dev/null | python3 -u bench/stamp.py >"$OUT/latency.monitor") &
  PIDS+=($!)
  sleep 0.5
  # Every scan is blocked: the default rate limit (60 a minute) would leave the rest unmeasured.
  ip netns exec "$ns_t" bin/synwatch -i vlt --format json --metrics-address 127.0.0.1:9897 --max-blocks-per-minute "$SCANS" \
    >"$OUT/latency.events" 2>"$OUT/latency.stderr" &
  local pid=$!; PIDS+=("$pid")
  wait_for "$OUT/latency.stderr" "capturing on" 30 || { log "latency: synwatch did not start"; cat "$OUT/latency.stderr" >&2; return 1; }
  sleep 1
  log "latency: $SCANS scans of 4 ports from distinct sources, 50 ms apart"
  ip netns exec "$ns_s" timeout 120 python3 bench/scans.py --target 192.0.2.1 --first 192.0.2.10 \
    --count "$SCANS" --ports 4 --interval 0.05 --max-seconds 100
  for i in $(seq 1 100); do   # at most 10 s for the last blocks
    [ "$(grep -c 'add element inet synwatch blocked4' "$OUT/latency.monitor" || true)" -ge "$SCANS" ] && break
    sleep 0.1
  done
  kill -TERM "$pid"; wait "$pid" || true
  local n p50 p99 max scans missing
  read -r n p50 p99 max scans missing < <(python3 bench/report.py latency "$OUT/latency.events" "$OUT/latency.monitor")
  log "latency: $n blocks of $scans scans: p50 $p50 ms, p99 $p99 ms, max $max ms ($missing not seen in the set)"
  result "5 latency" "scan-to-block ms, $n scans: p50 / p99 / max" "$p50 / $p99 / $max" "p99 < 10 ms" \
    "$(awk -v p="$p99" -v n="$n" -v s="$SCANS" 'BEGIN { print (n >= s && p < 10 ? "met" : "MISSED") }')"
  delete_ns "$ns_t" "$ns_s"
}

# ------------------------------------------------------------------------------------------------
# 6a. Memory: RSS while the detector fills to 1,000,000 pairs, then keeps evicting (replay, sampled).
bench_memory() {
  generate "pairs-$MEMORY_PACKETS" --mode pairs --packets "$MEMORY_PACKETS" --rate 100000
  local file=$OUT/pairs-$MEMORY_PACKETS.pcap port=$((20000 + $$ % 10000)) t0 pid rss pairs
  cat "$file" >/dev/null
  bin/synwatch -r "$file" --metrics-address "127.0.0.1:$port" >/dev/null 2>"$OUT/memory.stderr" &
  pid=$!; PIDS+=("$pid")
  : >"$OUT/memory.samples"
  t0=$(date +%s%N)
  while kill -0 "$pid" 2>/dev/null && [ $(( ($(date +%s%N) - t0) / 1000000000 )) -lt 300 ]; do
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    pairs=$(curl -s --max-time 1 "http://127.0.0.1:$port/metrics" 2>/dev/null \
      | awk '$1 == "synwatch_tracked_pairs" { printf "%.0f", $2 }' || true)
    [ -n "$rss" ] && echo "$(( ($(date +%s%N) - t0) / 1000000 )) $rss ${pairs:--1}" >>"$OUT/memory.samples"
    sleep 0.1
  done
  wait "$pid" || true
  local at peak end n
  read -r at peak end n < <(python3 bench/report.py rss "$OUT/memory.samples" 1000000)
  log "memory: RSS at 1,000,000 pairs $at MB; highest after $peak MB; last $end MB ($n samples after)"
  result "6 memory" "RSS MB at 1M pairs / peak after / last" "$at / $peak / $end" "<= 200 MB, flat" \
    "$(awk -v a="$at" -v p="$peak" 'BEGIN { print (p <= 200 && p - a < 0.1 * a ? "met" : "MISSED") }')"
}

# 6b. Start-up: exec of bin/synwatch to the "capturing on" line (its millisecond timestamp), live on
# a veth in a namespace with default settings (blocking on, metrics on), without and with an AOT cache.
startup_run() {  # startup_run NS LABEL AOT_CACHE|none: appends the ms to target/bench/startup.LABEL
  local ns=$1 label=$2 aot=$3 t0 pid line ts
  t0=$(date +%s%3N)
  SYNWATCH_AOT_CACHE="$aot" ip netns exec "$ns" bin/synwatch -i vst >/dev/null 2>"$OUT/startup.stderr" &
  pid=$!; PIDS+=("$pid")
  if wait_for "$OUT/startup.stderr" "capturing on" 30; then
    line=$(grep -m1 "capturing on" "$OUT/startup.stderr")
    ts=$(date -d "$(cut -c1-23 <<<"$line")" +%s%3N)
    echo $((ts - t0)) >>"$OUT/startup.$label"
  fi
  kill -TERM "$pid"; wait "$pid" || true
}

bench_startup() {
  need_root startup || return 0
  local ns=swbench-st-$$ i aot=$AOT
  NAMESPACES+=("$ns")
  ip netns add "$ns"
  ip link add vst netns "$ns" type veth peer name vst2 netns "$ns"
  ip -n "$ns" link set vst up; ip -n "$ns" link set vst2 up; ip -n "$ns" link set lo up
  : >"$OUT/startup.default"; : >"$OUT/startup.aot"
  for i in $(seq 1 "$STARTUP_RUNS"); do
    startup_run "$ns" default none
    [ -f "$aot" ] && startup_run "$ns" aot "$aot"
  done
  local d a
  d=$(median $(cat "$OUT/startup.default"))
  result "6 start-up" "exec to capturing, ms (median of $STARTUP_RUNS)" "${d%.*}" "< 1000 ms" \
    "$(awk -v d="$d" 'BEGIN { print (d < 1000 ? "met" : "MISSED") }')"
  if [ -s "$OUT/startup.aot" ]; then
    a=$(median $(cat "$OUT/startup.aot"))
    result "6 start-up" "... with the AOT cache, make aot-cache (median of $STARTUP_RUNS)" "${a%.*}" "< 1000 ms" \
      "$(awk -v d="$a" 'BEGIN { print (d < 1000 ? "met" : "MISSED") }')"
  fi
  delete_ns "$ns"
}

# ------------------------------------------------------------------------------------------------
# 7. Fleet scale: N simulated agents (real Fleet instances, two connections each, one JVM) against
# one private redis-server: block propagation, Redis CPU and traffic (BENCHMARKS.md, "Fleet").
bench_fleet() {
  command -v redis-server >/dev/null || { log "fleet: SKIPPED (redis-server missing; make deps installs it)"; \
    result "7 fleet" "skipped" "redis-server missing" "" ""; return 0; }
  mvn -B -ntp -q -Dstyle.color=never -DskipTests test-compile >"$OUT/fleet.build.log" 2>&1 \
    || { cat "$OUT/fleet.build.log" >&2; return 1; }
  mvn -B -ntp -q -Dstyle.color=never dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$OUT/fleet.classpath" >>"$OUT/fleet.build.log" 2>&1
  log "fleet: FleetBench $FLEET_AGENTS agents, $FLEET_RATE new sources/agent/s, $FLEET_BLOCKS blocks/s, $FLEET_SECONDS s each"
  timeout 1200 "$JAVA" -Dsynwatch.home=. -cp "target/test-classes:target/classes:$(cat "$OUT/fleet.classpath")" \
    org.synwatch.bench.FleetBench "$FLEET_AGENTS" "$FLEET_RATE" "$FLEET_BLOCKS" "$FLEET_SECONDS" \
    >"$OUT/fleet.tsv" 2>"$OUT/fleet.log"
  column -t "$OUT/fleet.tsv" >&2
  local agents rate blocks deliveries p50 p99 max cpu commands in out mem dropped connected
  while IFS=$'\t' read -r agents rate blocks deliveries p50 p99 max cpu commands in out mem dropped connected; do
    [ "$agents" = agents ] && continue
    result "7 fleet" "$agents agents x $rate new sources/s: propagation p50 / p99 ms" "$p50 / $p99" "" ""
    result "7 fleet" "... Redis CPU % of a core, commands/s, KiB/s in" "$cpu, $commands, $in" "" \
      "$( [ "$dropped" = 0 ] && [ "$connected" = "$agents" ] && echo ok || echo "dropped $dropped")"
  done <"$OUT/fleet.tsv"
}

# ------------------------------------------------------------------------------------------------
ensure_tools
[ -f target/synwatch.jar ] || { echo "bench: target/synwatch.jar missing (hint: make bench builds it)" >&2; exit 1; }
: >"$RESULTS"
log "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/^Mem:/ { print $2 }') GiB; load $(cut -d' ' -f1-3 /proc/loadavg)"
log "sections: ${SECTIONS[*]}"
# The AOT cache the .deb and the image train at install: replays and live runs go without it and with it.
AOT=$OUT/synwatch.aot
if want replay || want adversarial || want live || want sweep || want startup; then train_aot_cache "$AOT"; fi
want replay && bench_replay
want adversarial && bench_adversarial
want live && bench_live
want sweep && bench_sweep
want jmh && bench_jmh
want latency && bench_latency
want memory && bench_memory
want startup && bench_startup
want fleet && bench_fleet
echo
echo "synwatch benchmarks: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); $(( $(date +%s) - START )) s; raw numbers in $OUT/"
python3 bench/report.py table "$RESULTS"
