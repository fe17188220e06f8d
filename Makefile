# synwatch — build, test and run. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := build

# Maven must run on JDK >= 25: reuse the launcher's search (JAVA_HOME, then /usr/lib/jvm). Evaluated
# at each use, so a JDK that `make deps` has just installed is found by the same make run.
JAVA_HOME = $(shell bin/synwatch --java-home 2>/dev/null)
export JAVA_HOME
MVN ?= mvn
MVN_FLAGS ?= -B -ntp -Dstyle.color=never
JEXTRACT ?= jextract
ARGS ?=
JAR := target/synwatch.jar

# Debian packages, in three lists so that `sudo make run` puts no test tools on a production host:
#   runtime - what the program needs (libpcap, nftables for blocking); the .deb depends on these only
#   build   - Maven (and the JDK below)
#   test    - namespaces, nftables, capture and scan tools for the live tests and `make e2e`; setpriv
#             (util-linux) for the unprivileged checks; redis-server for the fleet's tests, which
#             start private instances of it, never the system's
RUNTIME_PACKAGES := libpcap0.8 nftables
BUILD_PACKAGES := maven
TEST_PACKAGES := iproute2 tcpdump procps nmap curl python3 python3-scapy util-linux hping3 redis-server openssl
# One probe per package above, so `make run`/`make test` install only when something is missing.
# Probed with the sbin directories on PATH, which a normal user's PATH lacks (nft, ip, ldconfig).
PROBE_PATH := $(PATH):/usr/local/sbin:/usr/sbin:/sbin
RUNTIME_COMMANDS := nft
BUILD_COMMANDS := mvn
TEST_COMMANDS := ip tcpdump pkill nmap curl python3 scapy setpriv hping3 redis-server redis-cli
# The JDK: installed from the distribution when no JDK 25 is found and the distribution has one
# (Ubuntu 24.04 does; Debian 12 and 13 do not, 13 only an early-access build).
JDK_PACKAGE := openjdk-25-jdk-headless
JDK_MISSING_HINT := install a JDK 25 (Temurin 25 from Adoptium's apt repository: https://adoptium.net/installation/linux/) and rerun, or build and run the container image instead (make image)

.PHONY: help build test run man bindings deps check-deps check-test-deps install-packages clean e2e fuzz soak bench aot-cache

help:
	@echo "make build     - build target/synwatch.jar"
	@echo "make test      - run every test (unit, fixture replays, live capture in namespaces when root)"
	@echo "make run       - capture on the default interface (needs root): sudo make run [ARGS='-i eth0']"
	@echo "make deps      - install the Debian packages to run, build and test synwatch, and a JDK 25 if the distribution has one (as root)"
	@echo "make e2e       - end-to-end: namespaces, nmap scan, nftables block, metrics; fleet of three on redis (as root)"
	@echo "make soak      - spoofed-source SYN flood in namespaces, SOAK_SECONDS=60 (as root)"
	@echo "make fuzz      - fuzz the parser and the offline path with Jazzer (30 s each)"
	@echo "make aot-cache - optional JDK 25 AOT cache beside the jar: faster start-up (BENCHMARKS.md)"
	@echo "make bench     - benchmarks: replay vs C floor and tcpdump, live drops, JMH, scan-to-block, memory, start-up, fleet scale (as root; ~8 min; BENCHMARKS.md)"
	@echo "make man       - regenerate the man page's OPTIONS and README's usage from the option declarations"
	@echo "make bindings  - regenerate native-bindings/ with jextract (JEXTRACT=/path/to/jextract)"
	@echo "make image            - container image synwatch:VERSION with docker or podman (BUILD_IMAGE=, RUNTIME_IMAGE=)"
	@echo "make image-test       - build the image from local bases with podman, scan it in a namespace (as root)"
	@echo "make install          - install launcher, jar, man page, systemd unit (PREFIX=/usr/local, DESTDIR=)"
	@echo "make dist             - target/dist: synwatch_VERSION_ARCH.deb and a .tar.gz, each with its own Java runtime (jlink)"
	@echo "make package-test     - install the .deb into a Debian 12 root without any JDK and run it there (as root)"
	@echo "make systemd-check    - verify the unit; capture + block as a uid with only its two capabilities (as root)"
	@echo "make prometheus-check - promtool: check and unit-test prometheus/alerts.yml"
	@echo "make manifests-check  - DaemonSet, scrape job, compose file and README agree"

# Every list (CI runs this). `make run` and `make build` install only the runtime and build
# packages when one is missing, `make test` also the test tools.
deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(RUNTIME_PACKAGES) $(BUILD_PACKAGES) $(TEST_PACKAGES)"

# PACKAGES=..., plus the JDK when none is found. Stops with one line when the distribution has no
# JDK 25: installing Maven alone would bring only an older JDK, and the build would fail later.
install-packages:
	@if [ "$$(id -u)" != 0 ]; then echo "make: run as root to install: $(PACKAGES) (hint: sudo make $(or $(GOAL),deps))" >&2; exit 1; fi
	apt-get update -qq
	@jdk=""; if ! bin/synwatch --java-home >/dev/null 2>&1; then \
	   if apt-cache policy $(JDK_PACKAGE) 2>/dev/null | grep -E '^ *Candidate: [0-9]' | grep -v 'ea' >/dev/null; then jdk=$(JDK_PACKAGE); \
	   else echo "make: $$(. /etc/os-release && echo "$$PRETTY_NAME") has no $(JDK_PACKAGE) and no JDK 25 is installed (hint: $(JDK_MISSING_HINT))" >&2; exit 1; fi; \
	 fi; \
	 echo "apt-get install $(PACKAGES) $$jdk"; \
	 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(PACKAGES) $$jdk

# Runtime and build packages, the JDK, and a target/ this user can write (`sudo make run` leaves
# it to the invoking user, but an older root-owned one may be there).
check-deps:
	@export PATH="$(PROBE_PATH)"; missing=0; for c in $(RUNTIME_COMMANDS) $(BUILD_COMMANDS); do command -v $$c >/dev/null || missing=1; done; \
	 ldconfig -p 2>/dev/null | grep -q 'libpcap\.so' || missing=1; \
	 bin/synwatch --java-home >/dev/null 2>&1 || missing=1; \
	 if [ $$missing = 1 ]; then $(MAKE) --no-print-directory install-packages PACKAGES="$(RUNTIME_PACKAGES) $(BUILD_PACKAGES)" GOAL="$(or $(MAKECMDGOALS),build)"; fi
	@if [ -z "$(JAVA_HOME)" ]; then bin/synwatch --java-home; exit 1; fi
	@if [ -e target ] && ! [ -w target ]; then echo "make: target/ belongs to $$(stat -c %U target), not $$(id -un) (hint: sudo chown -R $$(id -un): target, or sudo make clean)" >&2; exit 1; fi

# The test tools serve only the tests that need root (namespaces, nftables, setpriv), which skip
# themselves otherwise: a normal user's `make test` runs the rest without them.
check-test-deps: check-deps
	@export PATH="$(PROBE_PATH)"; missing=0; for c in $(TEST_COMMANDS); do command -v $$c >/dev/null || missing=1; done; \
	 if [ $$missing = 0 ]; then :; \
	 elif [ "$$(id -u)" = 0 ]; then $(MAKE) --no-print-directory install-packages PACKAGES="$(TEST_PACKAGES)"; \
	 else echo "make: some test tools are missing ($(TEST_PACKAGES)); the live tests need them and root, and skip themselves"; fi

# Under sudo, target/ goes back to the invoking user, so that a later `make test` can write it.
# Under sudo, target/ goes back to the user who ran it, so that a later make as that user works.
GIVE_TARGET_BACK = @if [ "$$(id -u)" = 0 ] && [ -n "$${SUDO_UID:-}" ]; then chown -R "$$SUDO_UID:$$SUDO_GID" target; fi

build: check-deps
	$(MVN) $(MVN_FLAGS) -DskipTests package
	$(GIVE_TARGET_BACK)

test: check-test-deps
	$(MVN) $(MVN_FLAGS) verify

# With the AOT cache (below, about 5 s): without it, a flood that arrives as capture starts finds the
# detector's code still cold, and the ring drops SYNs for a fraction of a second (BENCHMARKS.md,
# fourth pass); with it, none in 9 of 9 runs, and start-up takes 0.38 s instead of 0.6.
run: aot-cache
	bin/synwatch $(ARGS)

# End-to-end: namespaces, nmap scan, nftables blocking, metrics; then fleet mode: redis-server and
# three agents in namespaces (as root; each prints "...: SKIPPED" otherwise).
e2e: check-test-deps build
	bash tests/e2e.sh
	bash tests/fleet-e2e.sh

# Spoofed-source SYN flood for SOAK_SECONDS (default 60; CI runs 20): memory, cap, accounting.
soak: check-test-deps build
	bash tests/soak.sh

# Optional AOT cache for faster start-up and warm-up (JDK 25, JEP 514): one training run through the
# launcher (`synwatch --train-aot-cache`), so the cache matches its JVM flags and jar path; bin/synwatch
# uses it while it is newer than the jar. The training capture is synthetic and the same every time
# (packaging/aot-training-capture.sh); the .deb ships it for its postinst. BENCHMARKS.md, items 2 and 6.
AOT_TRAINING := target/aot-training.pcap
$(AOT_TRAINING): packaging/aot-training-capture.sh bench/GenerateSyns.java
	mkdir -p target && packaging/aot-training-capture.sh $@

aot-cache: build $(AOT_TRAINING)
	bin/synwatch --train-aot-cache target/synwatch.aot $(AOT_TRAINING)
	$(GIVE_TARGET_BACK)

# Benchmarks (issue 7; not run by CI): prints a table of medians and ratios, raw numbers in
# target/bench/. BENCH_SECTIONS picks some of: replay adversarial live sweep jmh latency memory startup fleet.
BENCH_SECTIONS ?=
bench: build
	bash bench/run.sh $(BENCH_SECTIONS)

# Coverage-guided fuzzing (Jazzer) of the parser and of the whole offline path, 30 s each.
# Jazzer fuzzes one test per JVM, hence one Maven run per target; `make test` only replays the seeds.
FUZZ_TESTS := PacketParserFuzzTest OfflineReplayFuzzTest
fuzz: check-test-deps
	for t in $(FUZZ_TESTS); do JAZZER_FUZZ=1 $(MVN) $(MVN_FLAGS) test -Dtest=$$t -Dsurefire.failIfNoSpecifiedTests=false || exit 1; done

# The man page's OPTIONS section and README's usage block come from the option declarations (cli/Options.java).
man: build
	"$(JAVA_HOME)/bin/java" -cp $(JAR) org.synwatch.cli.ManPage packaging/synwatch.1 README.md

bindings:
	@command -v $(JEXTRACT) >/dev/null || { echo "make bindings: jextract not found; put it on PATH or set JEXTRACT (see native-bindings/README.md)" >&2; exit 1; }
	rm -rf native-bindings/java
	$(JEXTRACT) @native-bindings/pcap.symbols --target-package org.synwatch.bindings \
	  --output native-bindings/java /usr/include/pcap/pcap.h
	$(JEXTRACT) @native-bindings/nftables.symbols --target-package org.synwatch.bindings \
	  --header-class-name nftables_h --output native-bindings/java /usr/include/nftables/libnftables.h

clean:
	$(MVN) $(MVN_FLAGS) clean

# ---------------------------------------------------------------------------------------------------
# Shipping: container image, `make install` with the systemd unit, fleet manifests, and their
# checks (README, "Running it in production").
VERSION = $(shell sed -n 's:^  <version>\(.*\)</version>$$:\1:p' pom.xml | head -n 1)
IMAGE ?= synwatch
# docker when its daemon answers, else podman; `make image CONTAINER_ENGINE=podman` chooses.
CONTAINER_ENGINE ?= $(shell if docker info >/dev/null 2>&1; then echo docker; elif command -v podman >/dev/null 2>&1; then echo podman; fi)
# Base images (empty: the Dockerfile's defaults, maven:3.9-eclipse-temurin-25 and debian:bookworm-slim).
BUILD_IMAGE ?=
RUNTIME_IMAGE ?=
IMAGE_BUILD_FLAGS ?=
PREFIX ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
# What `make image-test` needs beyond `make deps`: podman with runc, debootstrap for the base image.
IMAGE_TEST_PACKAGES := podman runc debootstrap nmap curl iproute2 nftables util-linux
IMAGE_TEST_COMMANDS := podman runc debootstrap nmap curl ip nft nsenter

.PHONY: image image-test image-test-deps install uninstall systemd-check prometheus-check manifests-check dist package-test

image:
	@[ -n "$(CONTAINER_ENGINE)" ] || { echo "make image: neither docker (with a running daemon) nor podman found (hint: install podman, or set CONTAINER_ENGINE)" >&2; exit 1; }
	$(CONTAINER_ENGINE) build $(IMAGE_BUILD_FLAGS) \
	  $(if $(BUILD_IMAGE),--build-arg BUILD_IMAGE=$(BUILD_IMAGE)) \
	  $(if $(RUNTIME_IMAGE),--build-arg RUNTIME_IMAGE=$(RUNTIME_IMAGE)) \
	  --build-arg VERSION=$(VERSION) \
	  --build-arg REVISION=$$(git rev-parse HEAD 2>/dev/null || echo unknown) \
	  --build-arg CREATED=$$(date -u +%Y-%m-%dT%H:%M:%SZ) \
	  -t $(IMAGE):$(VERSION) -t $(IMAGE):latest -f Dockerfile .

# Builds the Dockerfile here, without any registry, and runs the README's `docker run` command
# (with podman) in a network namespace under an nmap scan. As root; state in /var/tmp/synwatch-image-test.
image-test: image-test-deps
	bash tests/image-test.sh

image-test-deps:
	@missing=0; for c in $(IMAGE_TEST_COMMANDS); do command -v $$c >/dev/null || missing=1; done; \
	 if [ $$missing = 1 ]; then \
	   if [ "$$(id -u)" != 0 ]; then echo "make image-test: run as root to install: $(IMAGE_TEST_PACKAGES)" >&2; exit 1; fi; \
	   apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(IMAGE_TEST_PACKAGES); \
	 fi

# Installs what `make build` built (building it first if there is no jar). DESTDIR stages a package.
install:
	@[ -f $(JAR) ] || $(MAKE) --no-print-directory build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/synwatch $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSCONFDIR)/default
	install -m 0644 $(JAR) $(DESTDIR)$(PREFIX)/share/synwatch/synwatch.jar
	install -m 0755 bin/synwatch $(DESTDIR)$(PREFIX)/bin/synwatch
	install -m 0644 packaging/synwatch.1 $(DESTDIR)$(PREFIX)/share/man/man1/synwatch.1
	install -d $(DESTDIR)$(PREFIX)/share/doc/synwatch
	install -m 0644 LICENSE NOTICE $(DESTDIR)$(PREFIX)/share/doc/synwatch/
	sed -e 's|/usr/local/bin/synwatch|$(PREFIX)/bin/synwatch|' -e 's|/etc/default/synwatch|$(SYSCONFDIR)/default/synwatch|' \
	  packaging/systemd/synwatch.service >$(DESTDIR)$(SYSTEMDUNITDIR)/synwatch.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/synwatch.service
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/default/synwatch ]; then \
	   echo "keeping the existing $(DESTDIR)$(SYSCONFDIR)/default/synwatch"; \
	 else install -m 0644 packaging/systemd/synwatch.default $(DESTDIR)$(SYSCONFDIR)/default/synwatch; fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/synwatch $(DESTDIR)$(PREFIX)/share/synwatch/synwatch.jar \
	  $(DESTDIR)$(PREFIX)/share/man/man1/synwatch.1 $(DESTDIR)$(SYSTEMDUNITDIR)/synwatch.service \
	  $(DESTDIR)$(PREFIX)/share/doc/synwatch/LICENSE $(DESTDIR)$(PREFIX)/share/doc/synwatch/NOTICE
	-rmdir $(DESTDIR)$(PREFIX)/share/synwatch $(DESTDIR)$(PREFIX)/share/doc/synwatch 2>/dev/null
	@if cmp -s packaging/systemd/synwatch.default $(DESTDIR)$(SYSCONFDIR)/default/synwatch; then \
	   rm -f $(DESTDIR)$(SYSCONFDIR)/default/synwatch; \
	 elif [ -e $(DESTDIR)$(SYSCONFDIR)/default/synwatch ]; then echo "keeping the edited $(DESTDIR)$(SYSCONFDIR)/default/synwatch"; fi

# Self-contained packages in target/dist, with the jlink'd runtime the image has (packaging/jlink.sh):
#   synwatch_VERSION_ARCH.deb        `make install PREFIX=/usr` plus /usr/lib/synwatch/runtime; depends
#                                    on libpcap0.8 and nftables only (dpkg-deb, no other tooling)
#   synwatch-VERSION-linux-ARCH.tar.gz  the same under synwatch/, to unpack in /opt (the unit's paths)
# The launcher prefers the runtime beside it, so neither needs a JDK on the host.
DIST := target/dist
DEB_ARCH = $(shell dpkg --print-architecture)
DEB := $(DIST)/synwatch_$(VERSION)_$(DEB_ARCH).deb
TARBALL := $(DIST)/synwatch-$(VERSION)-linux-$(DEB_ARCH).tar.gz

dist: build $(AOT_TRAINING)
	rm -rf $(DIST) && mkdir -p $(DIST)
	packaging/jlink.sh $(JAR) $(DIST)/runtime >$(DIST)/jlink.log
	$(MAKE) --no-print-directory install DESTDIR=$(DIST)/deb PREFIX=/usr SYSCONFDIR=/etc >/dev/null
	mkdir -p $(DIST)/deb/usr/lib/synwatch && cp -a $(DIST)/runtime $(DIST)/deb/usr/lib/synwatch/runtime
	gzip -9nc $(AOT_TRAINING) >$(DIST)/deb/usr/lib/synwatch/aot-training.pcap.gz
	mkdir -p $(DIST)/deb/DEBIAN
	sed -e 's/@VERSION@/$(VERSION)/' -e 's/@ARCH@/$(DEB_ARCH)/' \
	  -e "s/@SIZE@/$$(du -sk --exclude=DEBIAN $(DIST)/deb | cut -f1)/" packaging/deb/control >$(DIST)/deb/DEBIAN/control
	install -m 0644 packaging/deb/conffiles $(DIST)/deb/DEBIAN/conffiles
	install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm $(DIST)/deb/DEBIAN/
	dpkg-deb --root-owner-group -Zxz --build $(DIST)/deb $(DEB)
	$(MAKE) --no-print-directory install DESTDIR=$(DIST)/tar PREFIX=/opt/synwatch SYSCONFDIR=/opt/synwatch/etc >/dev/null
	mkdir -p $(DIST)/tar/opt/synwatch/lib/synwatch && cp -a $(DIST)/runtime $(DIST)/tar/opt/synwatch/lib/synwatch/runtime
	tar -C $(DIST)/tar/opt --owner=0 --group=0 --numeric-owner -czf $(TARBALL) synwatch
	rm -rf $(DIST)/deb $(DIST)/tar $(DIST)/runtime
	@ls -l $(DEB) $(TARBALL)

# The .deb in a Debian 12 root without any JDK (tests/package-test.sh; as root, debootstrap).
package-test: dist
	@command -v debootstrap >/dev/null || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap; } || true
	bash tests/package-test.sh

# The unit (systemd-analyze verify), `make install`, the man page, and capture + blocking as an
# unprivileged uid with only the unit's two ambient capabilities and its system call filter
# (tests/systemd-caps.sh, tests/syscall-filter.py with python3-seccomp; as root).
systemd-check: build
	@{ command -v systemd-analyze >/dev/null && /usr/bin/python3 -c 'import seccomp' 2>/dev/null; } || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd python3-seccomp; } || true
	bash tests/systemd-check.sh

# promtool from PATH, else from Debian's prometheus package, unpacked (not installed: no server is
# set up or started) into TOOLS_DIR.
TOOLS_DIR ?= /var/tmp/synwatch-tools
PROMTOOL ?= $(shell command -v promtool 2>/dev/null || echo $(TOOLS_DIR)/usr/bin/promtool)

# The alert rules (promtool check rules, their unit tests) and the example Prometheus configuration.
prometheus-check: $(PROMTOOL)
	$(PROMTOOL) check rules prometheus/alerts.yml
	cd prometheus && $(PROMTOOL) test rules alerts.test.yml
	$(PROMTOOL) check config prometheus/prometheus.example.yml

$(TOOLS_DIR)/usr/bin/promtool:
	mkdir -p $(TOOLS_DIR)
	cd $(TOOLS_DIR) && rm -f prometheus_*.deb && apt-get download prometheus 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
	cd $(TOOLS_DIR) && dpkg-deb --fsys-tarfile prometheus_*.deb | tar -x ./usr/bin/promtool && rm -f prometheus_*.deb
	$@ --version | head -n 1

# The DaemonSet, its scrape job and the Compose file against each other and the README (PyYAML).
manifests-check:
	@python3 -c 'import yaml' 2>/dev/null || /usr/bin/python3 -c 'import yaml' 2>/dev/null || \
	 { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-yaml; }
	@if python3 -c 'import yaml' 2>/dev/null; then python3 tests/manifests-check.py; else /usr/bin/python3 tests/manifests-check.py; fi
