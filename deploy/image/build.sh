#!/usr/bin/env bash
# Builds vigil's OCI image from this repository, offline: FROM scratch, with the vigil
# binary (and vigil-runc beside it), the shared libraries it links as ldd finds them on
# this Debian 12 machine, the default rules and a config for a node's daemon pod. Saves it
# as an OCI archive that `podman load` and `ctr images import` accept.
#
# usage: deploy/image/build.sh [OUT.tar] [TAG]   (default: bazel-bin/vigil-image.tar,
#                                                 localhost/vigil:dev)
# VIGIL_BIN=PATH uses that binary instead of building //:vigil (a test inside Bazel), with
# the vigil-runc beside it.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="$(realpath -m "${1:-bazel-bin/vigil-image.tar}")"
tag="${2:-localhost/vigil:dev}"
if [ -n "${VIGIL_BIN:-}" ]; then
  bin="$(realpath "$VIGIL_BIN")"
else
  bazel build //:vigil //src/cli:vigil-runc >&2
  bin="$(realpath bazel-bin/src/cli/vigil)"
fi
lean="$(dirname "$bin")/vigil-runc"
ctx="$(mktemp -d /tmp/vigil-image.XXXXXX)"
trap 'rm -rf "$ctx"' EXIT
root="$ctx/rootfs"
mkdir -p "$root/usr/local/bin" "$root/etc/vigil/rules.d" "$root/run/vigil" "$root/var/lib/vigil" \
  "$root/tmp"
install -m 0755 "$bin" "$root/usr/local/bin/vigil"
# The lean binary of container starts (src/cli/runc_main.cc); a link to vigil without it.
if [ -f "$lean" ]; then
  install -m 0755 "$lean" "$root/usr/local/bin/vigil-runc"
else
  ln -s vigil "$root/usr/local/bin/vigil-runc"
fi
# The libraries at the paths the loader looks in, the loader itself included.
for lib in $(ldd "$bin" | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
# /lib64 -> the loader's folder, as on Debian (ld-linux's PT_INTERP path).
[ -e "$root/lib64/ld-linux-x86-64.so.2" ] || {
  mkdir -p "$root/lib64"
  cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
}
install -m 0644 rules/vigil_rules.yaml "$root/etc/vigil/rules.d/vigil_rules.yaml"
install -m 0644 deploy/image/vigil.yaml "$root/etc/vigil/vigil.yaml"
# The version and the moment of the build, as OCI's annotations name them: two builds
# are two images (an upgrade's roll-out has a new image to roll out).
version=$("$bin" version | awk '{print $2}')
created=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
cat >"$ctx/Containerfile" <<CF
FROM scratch
COPY rootfs/ /
LABEL org.opencontainers.image.title="vigil" org.opencontainers.image.version="$version" \
      org.opencontainers.image.created="$created"
ENTRYPOINT ["/usr/local/bin/vigil"]
CMD ["daemon", "-c", "/etc/vigil/vigil.yaml"]
CF
podman build --quiet --format oci --tag "$tag" "$ctx" >&2
rm -f "$out"
podman save --quiet --format oci-archive --output "$out" "$tag" >&2
echo "$out ($tag, $(du -h "$out" | cut -f1))"
