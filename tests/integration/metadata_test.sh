#!/usr/bin/env bash
# Container names and images from the runtime (issue 13): a Docker container (dockerd
# started here, Debian's docker.io), a Podman container and a containerd (ctr) container,
# each from an image imported here, each blocked by vigil: the alerts carry the name and
# image the user gave, the image's repository and tag, the digest where the runtime has
# one, and the container type; what nobody knows is <NA>.
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
source "$(dirname "$0")/lib.sh"
tag="vigil-meta-$$"
dockerd_pid=""
cleanup_runtimes() {
  podman rm -f "$tag-p" >/dev/null 2>&1
  podman rmi -f "localhost/$tag:1" >/dev/null 2>&1
  if [ -n "$dockerd_pid" ]; then
    docker -H "unix://$it_dir/docker.sock" rm -f "$tag-d" >/dev/null 2>&1
    kill "$dockerd_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$dockerd_pid" 2>/dev/null
    wait "$dockerd_pid" 2>/dev/null
    # dockerd's own containerd (under its exec root) exits with it; the mounts it left go
    grep -o " $it_dir/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  fi
  it_stop_containerd
}
trap 'cleanup_runtimes; it_cleanup' EXIT

cat >"$it_dir/rules.yaml" <<'YAML'
- rule: Block mkdir below /blocked
  desc: the block whose alerts must name the container
  condition: evt.type in (mkdir, mkdirat) and fd.name startswith /blocked/
  output: >
    mkdir blocked (file=%fd.name name=%container.name image=%container.image
    repo=%container.image.repository tag=%container.image.tag digest=%container.image.digest
    type=%container.type proc=%container.mount.dest[proc] dev=%container.mount.source[/dev]
    mount0=%container.mount.dest[0])
  priority: WARNING
  action: block
YAML
it_start_daemon enforce "$it_dir/rules.yaml" "container_engines:
  docker: {enabled: true, socket: $it_dir/docker.sock}
  cri: {enabled: true, sockets: [$it_dir/c.sock]}" || exit 1
cat >"$it_dir/vigil-runc" <<SH
#!/bin/sh
VIGIL_CONFIG="$it_dir/vigil.yaml" exec "$VIGIL" runtime -- "\$@"
SH
chmod +x "$it_dir/vigil-runc"

# One image, imported into each runtime: a busybox root file system.
b=$(it_bundle bundle-img true)
tar -C "$b/rootfs" -cf "$it_dir/rootfs.tar" .
script='mkdir -p /blocked; mkdir /blocked/x 2>&1; echo done'
alert_of() {  # FILE: the alert's fields for the mkdir of FILE, as "name image repo tag digest type"
  local want="$1" line
  for _ in $(seq 50); do
    line=$(python3 - "$it_dir/alerts.json" "$want" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    a = json.loads(l)
    f = a["output_fields"]
    if a["rule"] == "Block mkdir below /blocked" and f.get("fd.name") == sys.argv[2]:
        print(" ".join(f.get(k, "?") for k in ("container.name", "container.image",
              "container.image.repository", "container.image.tag", "container.type")),
              "digest=" + ("sha256" if f.get("container.image.digest", "").startswith("sha256:") else f.get("container.image.digest", "?")),
              "json=" + a["container"]["name"] + "|" + a["container"]["image"])
PY
)
    [ -n "$line" ] && break
    sleep 0.1
  done
  echo "$line"
}

echo "== Podman"
podman import "$it_dir/rootfs.tar" "localhost/$tag:1" >/dev/null 2>&1 || it_fail "podman import"
mkdir -p "$it_dir/hooks.d"
cat >"$it_dir/hooks.d/vigil.json" <<JSON
{"version": "1.0.0",
 "hook": {"path": "$VIGIL", "args": ["vigil", "hook", "precreate", "-c", "$it_dir/vigil.yaml"]},
 "when": {"always": true}, "stages": ["precreate"]}
JSON
out=$(timeout 120 podman --hooks-dir "$it_dir/hooks.d" --runtime runc run --rm --name "$tag-p" \
  --network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 "localhost/$tag:1" \
  sh -c "${script/x/podman}" 2>&1)
it_expect_in "podman: the mkdir was blocked" "not permitted" "$out"
it_expect_eq "podman: the alert has the name and image the user gave" "$(alert_of /blocked/podman)" \
  "$tag-p localhost/$tag:1 localhost/$tag 1 podman digest=sha256 json=$tag-p|localhost/$tag:1"

echo "== containerd (ctr)"
podman save --format oci-archive -o "$it_dir/image.tar" "localhost/$tag:1" >/dev/null 2>&1 || it_fail "podman save"
it_start_containerd
ctr --address "$it_dir/c.sock" images import "$it_dir/image.tar" >/dev/null 2>&1 || it_fail "ctr images import"
out=$(timeout 60 ctr --address "$it_dir/c.sock" run --rm --runc-binary "$it_dir/vigil-runc" \
  --seccomp "localhost/$tag:1" "$tag-c" sh -c "${script/x/ctr}" 2>&1)
it_expect_in "ctr: the mkdir was blocked" "not permitted" "$out"
it_expect_eq "ctr: the alert has the container's id as its name, the image and its digest" \
  "$(alert_of /blocked/ctr)" "$tag-c localhost/$tag:1 localhost/$tag 1 containerd digest=sha256 json=$tag-c|localhost/$tag:1"

echo "== Docker (dockerd started here)"
dockerd --data-root "$it_dir/docker" --exec-root "$it_dir/dexec" -H "unix://$it_dir/docker.sock" \
  --pidfile "$it_dir/docker.pid" --iptables=false --ip6tables=false --bridge=none \
  --add-runtime "vigil=$it_dir/vigil-runc" >"$it_dir/dockerd.log" 2>&1 &
dockerd_pid=$!
docker() { command docker -H "unix://$it_dir/docker.sock" "$@"; }
for _ in $(seq 300); do docker version >/dev/null 2>&1 && break; sleep 0.1; done
docker import "$it_dir/rootfs.tar" "$tag:1" >/dev/null 2>&1 || { it_fail "docker import"; tail -20 "$it_dir/dockerd.log"; }
out=$(timeout 120 docker -H "unix://$it_dir/docker.sock" run --rm --runtime vigil --network none --name "$tag-d" "$tag:1" \
  sh -c "${script/x/docker}" 2>&1)
it_expect_in "docker: the mkdir was blocked" "not permitted" "$out"
# An imported image was never pulled: Docker has no registry digest for it.
it_expect_eq "docker: the alert has the name and image the user gave" "$(alert_of /blocked/docker)" \
  "$tag-d $tag:1 $tag 1 docker digest=<NA> json=$tag-d|$tag:1"

echo "== a plain runc container: nobody knows its name"
b2=$(it_bundle bundle-plain sh -c "${script/x/plain}")
it_inject "$b2"
it_run runc "$tag-r" "$b2" >/dev/null
it_expect_eq "runc: what is unknown is <NA>, never empty" "$(alert_of /blocked/plain)" \
  "<NA> <NA> <NA> <NA> <NA> digest=<NA> json=<NA>|<NA>"
# The mounts come from the bundle's config.json (runc spec: proc first, then a tmpfs /dev).
it_expect_eq "runc: container.mount.* from the bundle" \
  "$(for f in container.mount.dest[proc] container.mount.source[/dev] container.mount.dest[0]; do it_alert 'Block mkdir below /blocked' "$f" | tail -1; done | tr '\n' ' ')" \
  "/proc tmpfs /proc "

if [ "$it_failures" -ne 0 ]; then
  echo "--- daemon log"; grep -E "container|metadata" "$it_dir/daemon.log" | tail -20
  exit 1
fi
echo "metadata_test: all passed"
