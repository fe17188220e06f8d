#!/usr/bin/env bash
# podman with the project's own configuration and state only: tests/image/*.conf and a state
# directory (default /var/tmp/synwatch-image-test, or SYNWATCH_PODMAN_STATE). The host's
# /etc/containers and /var/lib/containers are neither read for configuration nor written.
#
#   tests/image/podman.sh images
#   make image CONTAINER_ENGINE=tests/image/podman.sh BUILD_IMAGE=... RUNTIME_IMAGE=...
set -euo pipefail
conf=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
state=${SYNWATCH_PODMAN_STATE:-/var/tmp/synwatch-image-test}
mkdir -p "$state"/{storage,run,tmp,libpod-tmp,volumes,cni}
export CONTAINERS_CONF=$conf/containers.conf
export CONTAINERS_REGISTRIES_CONF=$conf/registries.conf
export CONTAINERS_STORAGE_CONF=$conf/storage.conf
# Buildah's build contexts and RUN --mount=type=cache directories go under TMPDIR.
export TMPDIR=$state/tmp
unset CONTAINER_HOST CONTAINER_CONNECTION
# --signature-policy is accepted by the commands that copy images (build, pull, import, load, ...).
policy=()
case "${1:-}" in
  build|pull|import|load|push|save) policy=(--signature-policy "$conf/policy.json") ;;
esac
exec podman --root "$state/storage" --runroot "$state/run" --tmpdir "$state/libpod-tmp" \
  --volumepath "$state/volumes" --network-config-dir "$state/cni" \
  --storage-driver overlay --runtime runc --cgroup-manager cgroupfs --events-backend file \
  "$1" "${policy[@]}" "${@:2}"
