# synwatch container image: `make image` (docker or podman), proven by `make image-test`.
#
# Two stages:
#   build   - JDK 25 + Maven: builds target/synwatch.jar and a trimmed Java runtime with jlink
#   runtime - slim Debian + libpcap0.8 + nftables + that runtime; no compiler, no JDK, no Maven
#
# The base images are build arguments, so the same file builds from local images where no
# registry is reachable (tests/image-test.sh does exactly that):
#   docker build --build-arg BUILD_IMAGE=... --build-arg RUNTIME_IMAGE=... -t synwatch .
#
# Run it on the host's network with only the two capabilities it needs: the README's "Container"
# section has the `docker run` command (the one `make image-test` runs) and a compose file.

# Any image with JDK 25 (java, jlink, jdeps on PATH) and Maven 3.6.3 or newer as `mvn`.
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-25
# A Debian 12 with apt: libpcap0.8 and nftables are installed from Debian's archive.
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------------------------------------------
FROM ${BUILD_IMAGE} AS build
# Where Maven keeps its repository during the build. The default is a build cache (kept between
# builds by BuildKit and buildah); the image test points it at the host's ~/.m2, mounted read-write.
ARG MAVEN_REPOSITORY=/root/.m2/repository
WORKDIR /src
COPY pom.xml ./
COPY native-bindings/ native-bindings/
COPY src/ src/
# The AOT cache's training run (runtime stage) replays this capture, synthetic and the same every time.
COPY bench/GenerateSyns.java bench/
COPY packaging/aot-training-capture.sh packaging/
RUN sh packaging/aot-training-capture.sh /train.pcap
RUN --mount=type=cache,target=/root/.m2/repository \
    mvn -B -ntp -Dstyle.color=never -Dmaven.repo.local="${MAVEN_REPOSITORY}" -DskipTests package \
 && cp target/synwatch.jar /synwatch.jar
# A runtime with only the modules synwatch uses; the module list is packaging/jlink.sh's, shared
# with `make dist`.
COPY packaging/jlink.sh /jlink.sh
RUN sh /jlink.sh /synwatch.jar /runtime

# ---------------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime
# The layers go from the least to the most often changed. Each RUN below sees only the ARGs
# declared before it, so the labels' build arguments (declared last) never invalidate the
# apt-get layer.

# libpcap0.8 for capture (loaded by soname), nftables for blocking. Nothing else: no compiler,
# no JDK, no Maven. bash, sed and coreutils (the launcher's) are in every Debian image.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libpcap0.8 nftables \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb

# The same layout `make install PREFIX=/opt/synwatch` gives: the launcher finds the jar in
# ../share/synwatch/ and the runtime through JAVA_HOME.
ENV JAVA_HOME=/opt/synwatch/runtime \
    PATH=/opt/synwatch/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY --from=build /runtime /opt/synwatch/runtime
COPY --from=build /synwatch.jar /opt/synwatch/share/synwatch/synwatch.jar
COPY bin/synwatch /opt/synwatch/bin/synwatch
COPY LICENSE NOTICE /opt/synwatch/share/doc/synwatch/
# --version loads libpcap: the image is proven to start before it is tagged. Then the JDK's AOT
# cache (JEP 514) is trained, by the launcher, on this runtime and jar path: a replay of the
# synthetic capture. The launcher uses synwatch.aot beside the jar, which cuts start-up by about
# 30 % and long replays by a tenth (BENCHMARKS.md).
RUN --mount=type=bind,from=build,source=/train.pcap,target=/tmp/train.pcap \
    chmod 0755 /opt/synwatch/bin/synwatch \
 && chmod 0644 /opt/synwatch/share/synwatch/synwatch.jar \
 && synwatch --version \
 && synwatch --train-aot-cache /opt/synwatch/share/synwatch/synwatch.aot /tmp/train.pcap \
 && chmod 0644 /opt/synwatch/share/synwatch/synwatch.aot

# Runs as root inside the container, but with only the capabilities given on `docker run`
# (--cap-drop ALL --cap-add NET_RAW --cap-add NET_ADMIN): capture needs CAP_NET_RAW, nft needs
# CAP_NET_ADMIN. A non-root user would not keep them across exec without file capabilities.
EXPOSE 9897/tcp
STOPSIGNAL SIGTERM
# The launcher execs java, so java is PID 1 and gets SIGTERM directly (it exits 0 after
# reporting every captured SYN).
ENTRYPOINT ["/opt/synwatch/bin/synwatch"]
# Default interface (libpcap's first one that is up and not loopback), metrics on every address.
# Arguments given to `docker run IMAGE ...` replace these, e.g. `-i eth0 --metrics-address :9897`.
CMD ["--metrics-address", ":9897"]

ARG RUNTIME_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="synwatch" \
      org.opencontainers.image.description="Watches TCP connection attempts, detects port scans, blocks scanners with nftables." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"
