# synwatch — build, test and run. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := build

# Maven must run on JDK >= 22: reuse the launcher's search (JAVA_HOME, then /usr/lib/jvm).
JAVA_HOME := $(shell bin/synwatch --java-home 2>/dev/null)
export JAVA_HOME
MVN ?= mvn
MVN_FLAGS ?= -B -ntp -Dstyle.color=never
JEXTRACT ?= jextract
ARGS ?=
JAR := target/synwatch.jar

# Debian packages: runtime (libpcap), build (maven), tests (namespaces, nftables; nmap, curl and
# python3 for the end-to-end test; setpriv from util-linux for the unprivileged checks).
DEB_PACKAGES := maven libpcap0.8 iproute2 nftables tcpdump procps nmap curl python3 util-linux hping3
# One probe per package above, so `make run`/`make test` install only when something is missing.
NEEDED_COMMANDS := mvn ip nft tcpdump pkill nmap curl python3 setpriv hping3

.PHONY: help build test run bindings deps check-deps clean e2e fuzz soak

help:
	@echo "make build     - build target/synwatch.jar"
	@echo "make test      - run every test (unit, fixture replays, live capture in namespaces when root)"
	@echo "make run       - capture on the default interface (needs root): sudo make run [ARGS='-i eth0']"
	@echo "make deps      - install the Debian packages synwatch needs (as root)"
	@echo "make e2e       - end-to-end: namespaces, nmap scan, nftables block, metrics (as root)"
	@echo "make soak      - spoofed-source SYN flood in namespaces, SOAK_SECONDS=60 (as root)"
	@echo "make fuzz      - fuzz the parser and the offline path with Jazzer (30 s each)"
	@echo "make bindings  - regenerate native-bindings/ with jextract (JEXTRACT=/path/to/jextract)"

deps:
	@if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root to install: $(DEB_PACKAGES)" >&2; exit 1; fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEB_PACKAGES)

check-deps:
	@missing=0; for c in $(NEEDED_COMMANDS); do command -v $$c >/dev/null || missing=1; done; \
	 ldconfig -p 2>/dev/null | grep -q 'libpcap\.so' || missing=1; \
	 if [ $$missing = 1 ]; then $(MAKE) --no-print-directory deps; fi
	@if [ -z "$(JAVA_HOME)" ]; then bin/synwatch --java-home; exit 1; fi

build: check-deps
	$(MVN) $(MVN_FLAGS) -DskipTests package

test: check-deps
	$(MVN) $(MVN_FLAGS) verify

run: build
	bin/synwatch $(ARGS)

# End-to-end: namespaces, nmap scan, nftables blocking, metrics (as root; prints "e2e: SKIPPED" otherwise).
e2e: build
	bash tests/e2e.sh

# Spoofed-source SYN flood for SOAK_SECONDS (default 60; CI runs 20): memory, cap, accounting.
soak: build
	bash tests/soak.sh

# Coverage-guided fuzzing (Jazzer) of the parser and of the whole offline path, 30 s each.
# Jazzer fuzzes one test per JVM, hence one Maven run per target; `make test` only replays the seeds.
FUZZ_TESTS := PacketParserFuzzTest OfflineReplayFuzzTest
fuzz: check-deps
	for t in $(FUZZ_TESTS); do JAZZER_FUZZ=1 $(MVN) $(MVN_FLAGS) test -Dtest=$$t -Dsurefire.failIfNoSpecifiedTests=false || exit 1; done

bindings:
	@command -v $(JEXTRACT) >/dev/null || { echo "make bindings: jextract not found; put it on PATH or set JEXTRACT (see native-bindings/README.md)" >&2; exit 1; }
	rm -rf native-bindings/java
	$(JEXTRACT) @native-bindings/pcap.symbols --target-package org.synwatch.bindings \
	  --output native-bindings/java /usr/include/pcap/pcap.h

clean:
	$(MVN) $(MVN_FLAGS) clean
