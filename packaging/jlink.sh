#!/bin/sh
# A Java runtime with only the modules synwatch uses, for the container image (Dockerfile) and the
# .deb/.tar.gz (`make dist`):  packaging/jlink.sh JAR OUTPUT_DIR   (jdeps and jlink from PATH, or
# from $JAVA_HOME/bin). The modules: jdeps' answer for the jar, plus the ones it reaches by
# reflection or service loading (java.management/jdk.management for the JVM metrics, jdk.httpserver
# for /metrics, java.xml for a logback.xml an operator passes with -Dlogback.configurationFile, jdk.unsupported for sun.misc.Signal). FFM is in java.base. --strip-java-debug-attributes rather than
# --strip-debug, which also strips native symbols and so needs objcopy (binutils).
set -eu
jar=$1 output=$2
bin=${JAVA_HOME:+$JAVA_HOME/bin/}
modules=$("${bin}jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps "$jar")
echo "jdeps: $modules"
rm -rf "$output"
"${bin}jlink" --add-modules "$modules,java.base,java.logging,java.management,java.naming,java.xml,jdk.httpserver,jdk.management,jdk.unsupported" \
  --strip-java-debug-attributes --no-man-pages --no-header-files --compress=zip-6 --output "$output"
"$output/bin/java" --list-modules
