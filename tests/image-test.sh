#!/usr/bin/env bash
# `make image-test`: proves the Dockerfile and the README's container instructions here, where no
# container registry is reachable.
#
#   1. Local base images, cached in the state directory:
#        localhost/synwatch-test/debian:bookworm      a debootstrap --variant=minbase rootfs, imported
#                                                    (stands in for debian:bookworm-slim)
#        localhost/synwatch-test/jdk25-build:latest   that + the host's JDK 25 + Apache Maven from
#                                                    Maven Central (for maven:3.9-eclipse-temurin-25)
#   2. `make image` with podman (tests/image/podman.sh: the project's own podman configuration and
#      storage, never the host's), from those two bases. Maven in the build uses the host's ~/.m2.
#   3. Checks of the image: entrypoint, exposed port, OCI labels, no compiler/JDK/Maven inside.
#   4. The README's `docker run` command, run with podman inside a network namespace (so "--network
#      host" is that namespace), with only NET_RAW and NET_ADMIN; nmap -sS from a second namespace;
#      asserts the scan line, the block (in the namespace's own nft ruleset, as on a host), the
#      metrics, the process's capabilities, and a clean stop.
#
# Needs root, podman, runc, debootstrap, nmap, curl, ip, nft, nsenter (`make image-test` installs
# the missing ones). State: $SYNWATCH_PODMAN_STATE (default /var/tmp/synwatch-image-test); remove it
# to start cold. Ends with "image-test: PASSED" (exit 0), "image-test: FAILED: ..." (exit 1) or
# "image-test: SKIPPED: ..." (exit 0).
# shellcheck disable=SC2317,SC2015  # functions run through trap and poll; pass() never fails
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
REPO=$PWD
HARNESS=image-test LOG_WIDTH=6
# shellcheck source=tests/lib.sh
. tests/lib.sh

[ "$(id -u)" = 0 ] || skip "needs root (podman storage, network namespaces, nftables)"
for tool in podman runc debootstrap nmap curl ip nft nsenter flock tar; do
  command -v "$tool" >/dev/null 2>&1 || skip "'$tool' not found (run 'make image-test', which installs it)"
done

STATE=${SYNWATCH_PODMAN_STATE:-/var/tmp/synwatch-image-test}
export SYNWATCH_PODMAN_STATE=$STATE
PODMAN=$REPO/tests/image/podman.sh
BASE_IMAGE=localhost/synwatch-test/debian:bookworm
BUILD_IMAGE=localhost/synwatch-test/jdk25-build:latest
IMAGE=localhost/synwatch-test/synwatch
SUITE=bookworm
MAVEN_VERSION=3.9.11
JDK=${SYNWATCH_TEST_JDK:-$(bin/synwatch --java-home 2>/dev/null || true)}
M2=${SYNWATCH_M2:-$HOME/.m2}

SUFFIX=$$
NS_TARGET=swimg-target-$SUFFIX
NS_SCANNER=swimg-scanner-$SUFFIX
IFACE=img0
TARGET4=192.0.2.1
SCANNER4=192.0.2.66
CONTAINER=""
TMP=$(mktemp -d /tmp/synwatch-image-test.XXXXXX)

mkdir -p "$STATE"
exec 9>"$STATE/lock"
flock -w 600 9 || { echo "image-test: FAILED: another image test holds $STATE/lock"; exit 1; }

cleanup_extra() {  # run first by cleanup (tests/lib.sh), before the namespaces go
  if [ -n "$CONTAINER" ]; then "$PODMAN" rm -f -t 5 "$CONTAINER" >/dev/null 2>&1; fi
  rm -rf "$STATE/rootfs.tmp" "$STATE/jdk25-build-context"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PHASES=()
PHASE_START=$START_NS
phase_done() { PHASES+=("$(awk -v d=$(( $(date +%s%N) - PHASE_START )) 'BEGIN { printf "%6.1f s", d / 1e9 }')  $1"); PHASE_START=$(date +%s%N); }
diagnostics() {  # run by finish (tests/lib.sh) when a check failed
  local f
  for f in "$TMP"/*.log "$TMP"/*.out "$TMP"/*.err; do
    [ -s "$f" ] && { echo "----- $f (last 40 lines) -----"; tail -n 40 "$f"; }
  done
  if [ "${#NAMESPACES[@]}" -gt 0 ]; then
    echo "----- nft list ruleset in $NS_TARGET -----"
    ip netns exec "$NS_TARGET" nft list ruleset 2>&1 || true
  fi
}
before_summary() {  # run by finish just before the summary
  local phase
  echo "image-test: phases:"
  for phase in "${PHASES[@]}"; do echo "  $phase"; done
}
image_exists() { "$PODMAN" image exists "$1" 2>/dev/null; }

log "state $STATE; podman $(podman --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1 {print $3}')"

# ---------------------------------------------------------------------------------------------------
# 1a. The Debian base: debootstrap (tests/lib.sh), imported with podman import.
if image_exists "$BASE_IMAGE"; then
  log "base image $BASE_IMAGE: cached"
else
  if [ ! -s "$STATE/debian-$SUITE.tar" ]; then
    log "debootstrap --variant=minbase $SUITE from $(debian_mirror) (about a minute)"
    root=$STATE/rootfs.tmp
    debian_root "$root" "$SUITE" "$TMP/debootstrap.log"
    # Like debian:bookworm-slim: no docs, man pages or locales, no caches.
    printf 'path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\npath-exclude /usr/share/info/*\n' \
      >"$root/etc/dpkg/dpkg.cfg.d/docker"
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
    rm -rf "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/usr/share/info/* \
      "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
    tar -C "$root" --numeric-owner -cf "$STATE/debian-$SUITE.tar.tmp" .
    mv "$STATE/debian-$SUITE.tar.tmp" "$STATE/debian-$SUITE.tar"
    rm -rf "$root"
  fi
  log "podman import $STATE/debian-$SUITE.tar $BASE_IMAGE"
  "$PODMAN" import --change 'CMD ["bash"]' --message "debootstrap --variant=minbase $SUITE" \
    "$STATE/debian-$SUITE.tar" "$BASE_IMAGE" >"$TMP/import.log" 2>&1 || fatal "podman import failed: $(tail -n 3 "$TMP/import.log")"
fi
phase_done "Debian base image"

# 1b. The build image: the base, the host's JDK 25 and Maven's binary distribution (Maven Central).
[ -n "$JDK" ] && [ -x "$JDK/bin/jlink" ] || fatal "no JDK 22+ with jlink found (bin/synwatch --java-home gave '$JDK')"
jdk_version=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$JDK/release")
build_label=$("$PODMAN" image inspect -f '{{index .Labels "org.synwatch.test.jdk"}}' "$BUILD_IMAGE" 2>/dev/null || true)
if [ "$build_label" = "$jdk_version maven $MAVEN_VERSION" ]; then
  log "build image $BUILD_IMAGE: cached (JDK $jdk_version, Maven $MAVEN_VERSION)"
else
  maven_tgz=$STATE/apache-maven-$MAVEN_VERSION-bin.tar.gz
  if [ ! -s "$maven_tgz" ]; then
    log "fetching Apache Maven $MAVEN_VERSION from Maven Central (mvn dependency:copy)"
    (cd "$TMP" && JAVA_HOME=$JDK mvn -B -ntp -q dependency:copy \
       -Dartifact="org.apache.maven:apache-maven:$MAVEN_VERSION:tar.gz:bin" -DoutputDirectory="$STATE") \
       >"$TMP/maven-fetch.log" 2>&1 || fatal "could not fetch apache-maven-$MAVEN_VERSION-bin.tar.gz: $(tail -n 3 "$TMP/maven-fetch.log")"
  fi
  ctx=$STATE/jdk25-build-context
  rm -rf "$ctx" && mkdir -p "$ctx/maven"
  # Hard links where the state directory shares the JDK's file system (no copy), else a copy.
  cp -al "$JDK" "$ctx/jdk" 2>/dev/null || { rm -rf "$ctx/jdk"; cp -a "$JDK" "$ctx/jdk"; }
  # Debian's JDK packages link some files out of the JDK (cacerts -> /etc/ssl/certs/java): copy them in.
  find "$ctx/jdk" -type l -lname '/*' -exec sh -c 'cp --remove-destination "$(readlink -f "$1")" "$1"' _ {} \;
  tar -xzf "$maven_tgz" -C "$ctx/maven" --strip-components=1
  cp tests/image/jdk25-build.Containerfile "$ctx/Containerfile"
  log "building $BUILD_IMAGE (JDK $jdk_version from $JDK, Maven $MAVEN_VERSION)"
  "$PODMAN" build --pull=never --network none --build-arg BASE_IMAGE="$BASE_IMAGE" \
    --label "org.synwatch.test.jdk=$jdk_version maven $MAVEN_VERSION" -t "$BUILD_IMAGE" "$ctx" >"$TMP/build-image.log" 2>&1 \
    || fatal "building $BUILD_IMAGE failed: $(tail -n 5 "$TMP/build-image.log")"
  rm -rf "$ctx"
fi
phase_done "JDK 25 + Maven build image"

# ---------------------------------------------------------------------------------------------------
# 2. make image, with podman and the local bases. --network host: apt-get in the runtime stage
#    reaches Debian's archive and Maven reaches Maven Central for anything not in ~/.m2.
mkdir -p "$M2/repository"
log "make image CONTAINER_ENGINE=tests/image/podman.sh (Maven repository: $M2/repository)"
if make --no-print-directory image CONTAINER_ENGINE="$PODMAN" IMAGE="$IMAGE" \
     BUILD_IMAGE="$BUILD_IMAGE" RUNTIME_IMAGE="$BASE_IMAGE" \
     IMAGE_BUILD_FLAGS="--pull=never --network host --volume $M2/repository:/maven-repository --build-arg MAVEN_REPOSITORY=/maven-repository" \
     >"$TMP/make-image.log" 2>&1; then
  version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -n 1)
  pass "make image built $IMAGE:$version with podman ($(grep -c '^\[[0-9]/2\] STEP\|^STEP' "$TMP/make-image.log") steps, $(grep -c 'Using cache' "$TMP/make-image.log") from cache)"
else
  fatal "make image failed: $(grep -E 'Error|ERROR' "$TMP/make-image.log" | tail -n 5)"
fi
grep -E '^jdeps: ' "$TMP/make-image.log" | sed 's/^/image-test: /' || true
# Layers of earlier builds are kept a day (a cache for the next run), then pruned.
"$PODMAN" image prune -f --filter until=24h >/dev/null 2>&1 || true
phase_done "make image (podman build of the Dockerfile)"

# ---------------------------------------------------------------------------------------------------
# 3. The image's shape.
REF=$IMAGE:$version
inspect() { "$PODMAN" image inspect -f "$1" "$REF"; }
entrypoint=$(inspect '{{json .Config.Entrypoint}}')
cmd=$(inspect '{{json .Config.Cmd}}')
ports=$(inspect '{{json .Config.ExposedPorts}}')
java_home=$(inspect '{{range .Config.Env}}{{println .}}{{end}}' | sed -n 's/^JAVA_HOME=//p')
[ "$entrypoint" = '["/opt/synwatch/bin/synwatch"]' ] && pass "exec-form ENTRYPOINT $entrypoint, CMD $cmd" \
  || fail "ENTRYPOINT is $entrypoint, expected [\"/opt/synwatch/bin/synwatch\"]"
[[ $ports == *'"9897/tcp"'* ]] && pass "EXPOSE 9897/tcp" || fail "exposed ports $ports lack 9897/tcp"
missing_labels=""
for label in title description version revision created licenses; do
  value=$(inspect "{{index .Labels \"org.opencontainers.image.$label\"}}")
  [ -n "$value" ] && [ "$value" != "<no value>" ] || missing_labels+=" $label"
done
[ "$(inspect '{{index .Labels "org.opencontainers.image.version"}}')" = "$version" ] || missing_labels+=" version=$version"
[ -z "$missing_labels" ] && pass "OCI labels: title, description, version $version, revision, created, licenses" \
  || fail "OCI labels missing or wrong:$missing_labels"
# shellcheck disable=SC2016
"$PODMAN" run --rm --network none --entrypoint /bin/sh "$REF" -c '
  for c in javac jlink jar mvn gcc cc g++ make; do command -v "$c" && echo "found: $c"; done
  ls /usr/share/maven /root/.m2 /opt/java 2>/dev/null && echo "found: a Maven or JDK directory"
  echo "modules: $("$JAVA_HOME/bin/java" --list-modules | sed "s/@.*//" | tr "\n" " ")"
  echo "runtime: $(du -sm "$JAVA_HOME" | cut -f1) MB"
  dpkg-query -W -f "\${Package} \${Version}\n" libpcap0.8 nftables
  for f in /opt/synwatch/share/doc/synwatch/LICENSE /opt/synwatch/share/doc/synwatch/NOTICE; do
    [ -s "$f" ] && echo "licence file: $f"; done' >"$TMP/contents.out" 2>&1 || true
licence_label=$(inspect '{{index .Labels "org.opencontainers.image.licenses"}}')
if [ "$(grep -c '^licence file: ' "$TMP/contents.out")" = 2 ] && [ "$licence_label" = Apache-2.0 ]; then
  pass "LICENSE and NOTICE in /opt/synwatch/share/doc/synwatch; org.opencontainers.image.licenses=$licence_label"
else
  fail "the image lacks LICENSE or NOTICE in /opt/synwatch/share/doc/synwatch, or its licenses label ($licence_label) is not Apache-2.0"
fi
if grep -q '^found: ' "$TMP/contents.out"; then
  fail "the runtime image contains build tools: $(grep '^found: ' "$TMP/contents.out" | tr '\n' ' ')"
elif grep -q '^libpcap0.8 ' "$TMP/contents.out" && grep -q '^nftables ' "$TMP/contents.out"; then
  pass "runtime: no compiler, JDK or Maven; $(grep -E '^(libpcap0.8|nftables) ' "$TMP/contents.out" | tr '\n' ';') JAVA_HOME=$java_home ($(sed -n 's/^runtime: //p' "$TMP/contents.out"))"
else
  fail "libpcap0.8 or nftables missing from the runtime image: $(tr '\n' ' ' <"$TMP/contents.out")"
fi
# The launcher must pass the image's cache, and -XX:AOTMode=on makes the JVM refuse to start if
# the cache it was given is unusable.
aot=/opt/synwatch/share/synwatch/synwatch.aot   # the launcher names it from the jar's path, bin/../share/...
if "$PODMAN" run --rm --network none -e SYNWATCH_JAVA_OPTS="-XX:AOTMode=on -Xlog:aot:stderr" "$REF" --version \
     >"$TMP/aot.out" 2>"$TMP/aot.err" && grep -q "Opened AOT cache /opt/synwatch/bin/\.\./share/synwatch/synwatch\.aot" "$TMP/aot.err"; then
  pass "the launcher uses the image's AOT cache $aot, and it is valid (-XX:AOTMode=on)"
else
  fail "the image's AOT cache $aot is missing, unused or unusable: $(head -c 300 "$TMP/aot.out") $(grep -m3 -i 'error\|aot cache' "$TMP/aot.err")"
fi
log "$(grep '^modules: ' "$TMP/contents.out" || true)"
log "image size: $("$PODMAN" image inspect -f '{{.Size}}' "$REF" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
phase_done "image checks"

# ---------------------------------------------------------------------------------------------------
# 4. The README's command, in a namespace. The command is read from the README (the block after
#    the marker "tested by tests/image-test.sh"), so the README shows what this test runs.
readme_command=$(awk '/<!-- tested by tests\/image-test.sh -->/ { armed = 1; next }
  armed && /^```/ { if (inblock) exit; inblock = 1; next }
  inblock { line = $0; sub(/[ \t]*\\$/, "", line); printf "%s ", line }' README.md)
read -r -a words <<<"$readme_command"
if [ "${words[0]:-}" != docker ] || [ "${words[1]:-}" != run ]; then
  fatal "README.md has no 'docker run' block after '<!-- tested by tests/image-test.sh -->' (found: '$readme_command')"
fi
log "README: $readme_command"
for flag in "--network host" "--cap-drop ALL" "--cap-add NET_RAW" "--cap-add NET_ADMIN"; do
  [[ " $readme_command " == *" $flag "* ]] || fail "the README's docker run lacks '$flag'"
done
# The image reference is the last word; this test's image has its own name (README: synwatch:VERSION).
args=("${words[@]:2}")
last=$(( ${#args[@]} - 1 ))
[[ ${args[$last]} == synwatch:* || ${args[$last]} == synwatch ]] || fatal "the README's docker run does not end with the image synwatch:TAG"
args[last]=$REF
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[i]}" = --name ]; then CONTAINER=${args[i + 1]}; fi
done
[ -n "$CONTAINER" ] || fatal "the README's docker run has no --name"
"$PODMAN" rm -f "$CONTAINER" >/dev/null 2>&1 || true

veth_pair "$NS_TARGET" "$TARGET4" "$NS_SCANNER" "$SCANNER4" "$IFACE"
log "namespaces $NS_TARGET ($TARGET4, the container's 'host') and $NS_SCANNER ($SCANNER4)"

# nsenter --net: podman (and so conmon and the container) join the target's network namespace only;
# mounts stay in the host's mount namespace, where podman expects them.
log "nsenter --net=/run/netns/$NS_TARGET podman run ${args[*]}"
nsenter --net="/run/netns/$NS_TARGET" "$PODMAN" run "${args[@]}" >"$TMP/run.out" 2>"$TMP/run.err" \
  || fatal "podman run failed: $(cat "$TMP/run.err")"
logs() { "$PODMAN" logs "$CONTAINER" >"$TMP/container.out" 2>"$TMP/container.err"; }
running() { [ "$("$PODMAN" inspect -f '{{.State.Running}}' "$CONTAINER" 2>/dev/null)" = true ]; }
capturing() { logs; grep -q "capturing on $IFACE " "$TMP/container.err"; }
capturing_or_dead() { capturing || ! running; }
poll 60 capturing_or_dead || true
if ! capturing; then
  running && fatal "synwatch in the container did not log 'capturing on $IFACE' within 60 s"
  fatal "the container exited ($("$PODMAN" inspect -f '{{.State.ExitCode}}' "$CONTAINER")) before capturing: $(head -c 400 "$TMP/container.err")"
fi
pass "container $CONTAINER: $(grep -m1 -o 'capturing on .*' "$TMP/container.err" | cut -c1-100)"
pid=$("$PODMAN" inspect -f '{{.State.Pid}}' "$CONTAINER")
caps=$(awk '/^Cap(Prm|Eff|Bnd)/ { printf "%s%s ", $1, $2 }' "/proc/$pid/status")
if [ "$(cat "/proc/$pid/comm")" = java ] && [ "$caps" = "CapPrm:0000000000003000 CapEff:0000000000003000 CapBnd:0000000000003000 " ]; then
  pass "PID 1 of the container is java with only CAP_NET_RAW and CAP_NET_ADMIN ($caps)"
else
  fail "container process $pid is '$(cat "/proc/$pid/comm")' with '$caps'; expected java with 0000000000003000 (NET_RAW|NET_ADMIN)"
fi
if [ "$(readlink "/proc/$pid/ns/net")" = "$(ip netns exec "$NS_TARGET" readlink /proc/self/ns/net)" ]; then
  pass "--network host: the container shares the network namespace it was started in"
else
  fail "the container's network namespace is not $NS_TARGET's"
fi

log "scanning: nmap -sS -n -Pn -p 1-200 --max-retries 1 $TARGET4 (from $NS_SCANNER)"
if ip netns exec "$NS_SCANNER" timeout 120 nmap -sS -n -Pn -p 1-200 --max-retries 1 "$TARGET4" >"$TMP/nmap.out" 2>&1; then
  pass "nmap SYN scan of ports 1-200 completed"
else
  fail "nmap failed: $(tail -n 3 "$TMP/nmap.out")"
fi
TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}'
S=${SCANNER4//./\\.} T=${TARGET4//./\\.}
has() { logs; grep -qE -- "$1" "$TMP/container.out"; }
# grep reads all of nft's output: with -q it could exit first, and pipefail would turn
# nft's SIGPIPE into a false "not in the set".
in_set() { ip netns exec "$NS_TARGET" nft list set inet synwatch blocked4 2>/dev/null | grep -w "$SCANNER4" >/dev/null; }
if poll 10 has "^$TS: New connection: $S:[0-9]+ -> $T:[0-9]+\$"; then
  pass "New connection lines from the scanner: $(grep -c "New connection: $SCANNER4:" "$TMP/container.out")"
else
  fail "no 'New connection: $SCANNER4:PORT -> $TARGET4:PORT' line in the container's stdout"
fi
if poll 10 has "^$TS: Port scan detected: $S -> $T on ports [0-9,]+\$"; then
  pass "$(grep -m1 -oE 'Port scan detected: .*' "$TMP/container.out" | cut -c1-80)..."
else
  fail "no 'Port scan detected: $SCANNER4 -> $TARGET4 on ports ...' line in the container's stdout"
fi
if poll 10 has "^$TS: Blocked $S for 1h\$"; then pass "Blocked $SCANNER4 for 1h"; else fail "no 'Blocked $SCANNER4 for 1h' line"; fi
if poll 10 in_set; then
  pass "table inet synwatch is in the 'host' ruleset ($NS_TARGET): blocked4 contains $SCANNER4"
else
  fail "'nft list set inet synwatch blocked4' in $NS_TARGET does not contain $SCANNER4"
fi
if ip netns exec "$NS_SCANNER" curl -s -o /dev/null --max-time 2 "http://$TARGET4:9897/metrics"; then
  fail "the blocked scanner still reaches $TARGET4:9897"
else
  pass "the blocked scanner's connections are dropped (curl to $TARGET4:9897 timed out)"
fi
# With --network host, an exec'd process joins no network namespace of the container's own: it stays
# in its caller's. On a real host that is the host's; here the caller must enter the "host" first.
nsenter --net="/run/netns/$NS_TARGET" "$PODMAN" exec "$CONTAINER" synwatch --list-blocked >"$TMP/list-blocked.out" 2>&1 || true
if awk -v a="$SCANNER4" '$1 == a { found = 1 } END { exit !found }' "$TMP/list-blocked.out"; then
  pass "docker exec $CONTAINER synwatch --list-blocked: $(grep -m1 "^$SCANNER4" "$TMP/list-blocked.out")"
else
  fail "docker exec $CONTAINER synwatch --list-blocked did not list $SCANNER4: $(head -c 300 "$TMP/list-blocked.out")"
fi
ip netns exec "$NS_TARGET" curl -s --max-time 3 "http://127.0.0.1:9897/metrics" >"$TMP/metrics.out" 2>&1 || true
if grep -q '^synwatch_port_scans_detected_total 1' "$TMP/metrics.out" && grep -q '^synwatch_build_info{version="'"$version"'"' "$TMP/metrics.out"; then
  pass "metrics on the host network, port 9897: synwatch_port_scans_detected_total 1, synwatch_build_info{version=\"$version\"}"
else
  fail "http://127.0.0.1:9897/metrics in $NS_TARGET lacks synwatch_port_scans_detected_total 1 or build_info $version: $(head -c 300 "$TMP/metrics.out")"
fi

t0=$(date +%s%N)
"$PODMAN" stop -t 10 "$CONTAINER" >/dev/null 2>&1 || true
stop_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
code=$("$PODMAN" inspect -f '{{.State.ExitCode}}' "$CONTAINER")
if [ "$code" = 0 ] && [ "$stop_ms" -lt 10000 ]; then
  pass "docker stop (podman stop): SIGTERM, exit status 0 in $stop_ms ms"
else
  fail "podman stop: exit status $code after $stop_ms ms (expected 0, before the 10 s SIGKILL)"
fi
"$PODMAN" rm -f "$CONTAINER" >/dev/null 2>&1 || true
CONTAINER=""
if in_set; then pass "the block outlives the container (expires by itself after 1h)"; else fail "the block vanished with the container"; fi
# The README's way to remove every block: a one-off container with NET_ADMIN only.
if nsenter --net="/run/netns/$NS_TARGET" "$PODMAN" run --rm --network host --cap-drop ALL --cap-add NET_ADMIN \
     "$REF" --remove-firewall >"$TMP/remove.out" 2>&1 \
   && ! ip netns exec "$NS_TARGET" nft list table inet synwatch >/dev/null 2>&1; then
  pass "docker run --rm ... --cap-add NET_ADMIN synwatch --remove-firewall deleted table inet synwatch"
else
  fail "--remove-firewall in a one-off container did not delete the table: $(head -c 300 "$TMP/remove.out")"
fi
phase_done "container run, scan, block"

finish
