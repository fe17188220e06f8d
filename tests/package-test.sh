#!/usr/bin/env bash
# `make package-test`: the .deb from `make dist` on a Debian 12 host that has never seen a JDK.
#
#   1. A Debian 12 root: `debootstrap --variant=minbase --include=systemd` (systemd only for
#      `systemd-analyze verify`), cached as a tar in the state directory; each run unpacks a fresh copy.
#   2. `apt-get install ./synwatch_VERSION_ARCH.deb` in it (chroot): apt must find every dependency
#      from the .deb's Depends alone (libpcap0.8, nftables), and no JDK or JRE may come along.
#   3. There, with no JDK: `synwatch --version`, the AOT cache the postinst trained (loaded, with
#      AOTMode=on, without an error), fixture replays (as nobody) compared line for line
#      with their .expected, `systemd-analyze verify` of the installed unit, LICENSE and NOTICE.
#   4. The .tar.gz unpacked in /opt of the same root: its launcher and its unit.
#   5. `dpkg --purge` leaves none of synwatch's files behind.
#
# Needs root (chroot, mounts) and debootstrap (`make package-test` installs it). State:
# $SYNWATCH_PACKAGE_STATE (default /var/cache/synwatch-package-test: the root's tar and apt's
# downloads); remove it to start cold. Ends with "package-test: PASSED" (exit 0),
# "package-test: FAILED: ..." (exit 1) or "package-test: SKIPPED: ..." (exit 0).
# shellcheck disable=SC2317,SC2015  # functions run through trap; pass() never fails
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
HARNESS=package-test
# shellcheck source=tests/lib.sh
. tests/lib.sh

[ "$(id -u)" = 0 ] || skip "needs root (chroot, mounts)"
for tool in debootstrap chroot mount flock tar python3; do
  command -v "$tool" >/dev/null 2>&1 || skip "'$tool' not found (run 'make package-test', which installs debootstrap)"
done

VERSION=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -n 1)
ARCH=$(dpkg --print-architecture)
DEB=target/dist/synwatch_${VERSION}_${ARCH}.deb
TARBALL=target/dist/synwatch-$VERSION-linux-$ARCH.tar.gz
[ -f "$DEB" ] && [ -f "$TARBALL" ] || { echo "package-test: FAILED: $DEB or $TARBALL not found (run 'make dist')"; exit 1; }
# Fixtures replayed inside the root: IPv4 and IPv6 scans, and a pcapng capture.
FIXTURES=(nmap-syn-ipv4.pcap nmap-syn-ipv6.pcap curl-sessions-ns.pcapng)

STATE=${SYNWATCH_PACKAGE_STATE:-/var/cache/synwatch-package-test}
SUITE=bookworm
BASE_TAR=$STATE/debian-$SUITE-systemd.tar
TMP=$(mktemp -d /tmp/synwatch-package-test.XXXXXX)
ROOT=$TMP/root
MOUNTS=()

mkdir -p "$STATE/apt-archives/partial" "$STATE/apt-lists/partial"
exec 9>"$STATE/lock"
flock -w 600 9 || { echo "package-test: FAILED: another package test holds $STATE/lock"; exit 1; }

cleanup_extra() {  # run first by cleanup (tests/lib.sh): unmount before $TMP is removed
  local i
  for (( i = ${#MOUNTS[@]} - 1; i >= 0; i-- )); do umount -l "${MOUNTS[i]}" 2>/dev/null; done
  rm -rf "$STATE/rootfs.tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
diagnostics() {  # run by finish (tests/lib.sh) when a check failed
  local f
  for f in "$TMP"/*.log "$TMP"/*.out "$TMP"/*.err; do
    [ -s "$f" ] && { echo "----- $f (last 30 lines) -----"; tail -n 30 "$f"; }
  done
}
bind() {  # source target: bind-mounts, registered for cleanup
  mkdir -p "$2"
  mount --bind "$1" "$2"
  MOUNTS+=("$2")
}
in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TZ=UTC "$@"; }

# ---------------------------------------------------------------------------------------------------
# 1. The root.
if [ ! -s "$BASE_TAR" ]; then
  log "debootstrap --variant=minbase --include=systemd $SUITE from $(debian_mirror) (about two minutes, once)"
  debian_root "$STATE/rootfs.tmp" "$SUITE" "$TMP/debootstrap.log" --include=systemd
  rm -rf "$STATE"/rootfs.tmp/var/cache/apt/archives/*.deb "$STATE"/rootfs.tmp/var/lib/apt/lists/*
  tar -C "$STATE/rootfs.tmp" --numeric-owner -cf "$BASE_TAR.tmp" .
  mv "$BASE_TAR.tmp" "$BASE_TAR"
  rm -rf "$STATE/rootfs.tmp"
fi
mkdir -p "$ROOT"
tar -C "$ROOT" --numeric-owner -xf "$BASE_TAR"
mount -t proc proc "$ROOT/proc" && MOUNTS+=("$ROOT/proc")
bind /dev "$ROOT/dev"
bind "$STATE/apt-archives" "$ROOT/var/cache/apt/archives"
bind "$STATE/apt-lists" "$ROOT/var/lib/apt/lists"
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
log "root $ROOT from $BASE_TAR"

jdks() { in_root sh -c 'command -v java javac; ls -d /usr/lib/jvm 2>/dev/null; dpkg-query -W -f "\${Package}\n" | grep -E "jdk|jre"' || true; }
found=$(jdks)
[ -z "$found" ] && pass "the Debian $SUITE root has no JDK or JRE" || fatal "the root already has a Java: $found"

# ---------------------------------------------------------------------------------------------------
# 2. apt-get install of the .deb, dependencies from the archive.
depends=$(dpkg-deb -f "$DEB" Depends)
[ "$depends" = "libpcap0.8, nftables" ] && pass "$(basename "$DEB"): Depends: $depends ($(du -m "$DEB" | cut -f1) MB)" \
  || fail "$(basename "$DEB") depends on '$depends', expected 'libpcap0.8, nftables'"
cp "$DEB" "$ROOT/tmp/"
if in_root apt-get update -qq >"$TMP/apt-update.log" 2>&1 \
   && in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "/tmp/$(basename "$DEB")" >"$TMP/apt-install.log" 2>&1; then
  pass "apt-get install ./$(basename "$DEB"): $(grep -oE '[0-9]+ newly installed' "$TMP/apt-install.log")"
else
  fatal "apt-get install of the .deb failed: $(tail -n 3 "$TMP/apt-install.log" 2>/dev/null || tail -n 3 "$TMP/apt-update.log")"
fi
found=$(jdks)
[ -z "$found" ] && pass "still no JDK or JRE in the root after the install" || fail "installing the .deb brought a Java: $found"

# ---------------------------------------------------------------------------------------------------
# 3. The installed package, run without a JDK.
if in_root synwatch --version >"$TMP/version.out" 2>"$TMP/version.err" && grep -q "^synwatch $VERSION" "$TMP/version.out"; then
  pass "synwatch --version: $(tr '\n' ' ' <"$TMP/version.out")"
else
  fail "synwatch --version failed: $(cat "$TMP/version.out" "$TMP/version.err" | head -c 400)"
fi
runtime=$(in_root synwatch --java-home 2>&1 || true)
[ "$runtime" = /usr/lib/synwatch/runtime ] && pass "the launcher runs on the bundled runtime $runtime" \
  || fail "synwatch --java-home gave '$runtime', expected /usr/lib/synwatch/runtime"

# The postinst trained the JDK's AOT cache for this runtime and jar path. With AOTMode=on the JVM
# logs "[error][aot]" lines when no cache was passed or it does not load (and still starts).
aot=/usr/lib/synwatch/synwatch.aot
if [ -s "$ROOT$aot" ] && in_root env SYNWATCH_JAVA_OPTS=-XX:AOTMode=on synwatch --version >"$TMP/aot.out" 2>&1 \
   && grep -q "^synwatch $VERSION" "$TMP/aot.out" && ! grep -q '\[aot\]' "$TMP/aot.out"; then
  pass "the postinst trained an AOT cache ($(du -m "$ROOT$aot" | cut -f1) MB) that the launcher passes and the JVM loads"
else
  fail "no usable AOT cache at $aot: $(ls -l "$ROOT$aot" 2>&1 | head -c 200) $(head -c 300 "$TMP/aot.out" 2>/dev/null)"
fi

for fixture in "${FIXTURES[@]}"; do
  cp "test-fixtures/$fixture" "$ROOT/tmp/"
  chmod 0644 "$ROOT/tmp/$fixture"
  expected=test-fixtures/${fixture%.*}.expected
  # As nobody: replaying a file needs no privileges, and the installed tree must be readable.
  if chroot --userspec=65534:65534 "$ROOT" env -i PATH=/usr/bin:/bin TZ=UTC synwatch -r "/tmp/$fixture" \
       >"$TMP/replay.out" 2>"$TMP/replay.err" && diff "$expected" "$TMP/replay.out" >"$TMP/replay.diff"; then
    pass "synwatch -r $fixture as nobody: $(wc -l <"$TMP/replay.out") lines, identical to $(basename "$expected")"
  else
    fail "synwatch -r $fixture differs from $(basename "$expected"): $(head -n 5 "$TMP/replay.diff" 2>/dev/null) $(head -c 300 "$TMP/replay.err")"
  fi
done

unit=/usr/lib/systemd/system/synwatch.service
if in_root systemd-analyze verify --man=no "$unit" >"$TMP/verify.out" 2>&1 && [ ! -s "$TMP/verify.out" ]; then
  pass "systemd-analyze verify $unit: no findings"
else
  fail "systemd-analyze verify $unit: $(head -c 400 "$TMP/verify.out")"
fi
grep -qx 'ExecStart=/usr/bin/synwatch $SYNWATCH_ARGS' "$ROOT$unit" || fail "the installed unit does not start /usr/bin/synwatch"

# LICENSE and NOTICE beside the docs and in the jar; NOTICE names every artifact shaded into the jar.
missing=$(python3 - "$ROOT/usr/share/synwatch/synwatch.jar" "$ROOT/usr/share/doc/synwatch" <<'EOF'
import os, re, sys, zipfile
jar = zipfile.ZipFile(sys.argv[1])
names = set(jar.namelist())
problems = [f for f in ("META-INF/LICENSE", "META-INF/NOTICE") if f not in names]
problems += [f for f in ("LICENSE", "NOTICE") if not os.path.getsize(os.path.join(sys.argv[2], f))]
notice = open(os.path.join(sys.argv[2], "NOTICE")).read()
for name in sorted(names):
    m = re.fullmatch(r"META-INF/maven/([^/]+)/([^/]+)/pom\.properties", name)
    if m and m.group(1) != "org.synwatch" and f"{m.group(1)}:{m.group(2)} " not in notice:
        problems.append(f"{m.group(1)}:{m.group(2)} not in NOTICE")
print("; ".join(problems))
EOF
)
[ -z "$missing" ] && pass "LICENSE and NOTICE in /usr/share/doc/synwatch and the jar's META-INF; NOTICE lists every bundled artifact" \
  || fail "licences: $missing"

# ---------------------------------------------------------------------------------------------------
# 4. The tarball, unpacked where its unit expects it.
tar -C "$ROOT/opt" -xzf "$TARBALL"
if in_root /opt/synwatch/bin/synwatch --version >"$TMP/tar-version.out" 2>&1 && grep -q "^synwatch $VERSION" "$TMP/tar-version.out" \
   && [ "$(in_root /opt/synwatch/bin/synwatch --java-home)" = /opt/synwatch/lib/synwatch/runtime ]; then
  pass "$(basename "$TARBALL") in /opt: its launcher runs on its own runtime"
else
  fail "$(basename "$TARBALL"): /opt/synwatch/bin/synwatch --version failed: $(head -c 300 "$TMP/tar-version.out")"
fi
if in_root systemd-analyze verify --man=no /opt/synwatch/lib/systemd/system/synwatch.service >"$TMP/tar-verify.out" 2>&1 && [ ! -s "$TMP/tar-verify.out" ]; then
  pass "systemd-analyze verify of the tarball's unit: no findings"
else
  fail "systemd-analyze verify /opt/synwatch/lib/systemd/system/synwatch.service: $(head -c 400 "$TMP/tar-verify.out")"
fi

# ---------------------------------------------------------------------------------------------------
# 5. Removal.
if in_root dpkg --purge synwatch >"$TMP/purge.log" 2>&1; then
  left=$(cd "$ROOT" && ls -d usr/bin/synwatch usr/lib/synwatch usr/share/synwatch usr/share/doc/synwatch etc/default/synwatch "${unit#/}" 2>/dev/null || true)
  [ -z "$left" ] && pass "dpkg --purge synwatch removes every file, /etc/default/synwatch included" || fail "dpkg --purge left: $left"
else
  fail "dpkg --purge synwatch failed: $(tail -n 3 "$TMP/purge.log")"
fi

finish
