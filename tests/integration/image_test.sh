#!/usr/bin/env bash
# vigil's OCI image (issue 15, first piece): deploy/image/build.sh makes it from the
# binary under test; podman loads it and ctr imports it; the daemon runs *from the image*
# as a node's pod would (privileged, the host's pids, the host folder of the sockets
# mounted at /run/vigil, a config mounted over /etc/vigil as a ConfigMap is), and a runc
# container on the host is protected by it: the blocked call gets EPERM and the alert is
# on the daemon container's stdout.
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
BUILD="$(realpath "$(dirname "$0")/../../deploy/image/build.sh")"
RULES="$(realpath "$3")"
source "$(dirname "$0")/lib.sh"
tag="localhost/vigil-it-$$:1"
pod="vigil-it-pod-$$"
cleanup_image() {
  podman rm -f "$pod" >/dev/null 2>&1
  podman rmi -f "$tag" >/dev/null 2>&1
  it_stop_containerd
  it_cleanup
}
trap cleanup_image EXIT
podman_run() {  # this machine: no CAP_SYS_RESOURCE (explicit limits), runc (hybrid cgroups)
  podman --runtime runc run --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 "$@"
}

echo "== build"
out=$(cd "$(dirname "$BUILD")/../.." && VIGIL_BIN="$VIGIL" bash "$BUILD" "$it_dir/vigil.tar" "$tag" 2>"$it_dir/build.log")
it_expect_eq "the build script made the archive" "$?" "0"
echo "$out"
size=$(stat -c %s "$it_dir/vigil.tar")
[ "$size" -lt 40000000 ] && it_ok "the archive is small ($((size / 1000000)) MB)" || it_fail "archive of $size bytes"
podman rmi -f "$tag" >/dev/null 2>&1
it_expect_in "podman loads it" "Loaded image" "$(podman load -i "$it_dir/vigil.tar" 2>&1)"
it_start_containerd
ctr --address "$it_dir/c.sock" images import "$it_dir/vigil.tar" >/dev/null 2>&1
it_expect_in "ctr imports it" "$tag" "$(ctr --address "$it_dir/c.sock" images ls -q 2>&1)"
it_expect_in "the image's vigil loads its rules" "30 compiled, 0 unsupported" \
  "$(podman_run --rm --network none "$tag" rules validate /etc/vigil/rules.d 2>&1)"

echo "== the image as shipped: its own config (monitor mode, /healthz on 8765)"
mkdir -p "$it_dir/run" "$it_dir/etc"
podman_run -d --name "$pod" --privileged --pid host --network host \
  -v "$it_dir/run:/run/vigil" -v "$it_dir:$it_dir" "$tag" >/dev/null
for _ in $(seq 100); do [ -S "$it_dir/run/seccomp.sock" ] && break; sleep 0.1; done
code=""
for _ in $(seq 50); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:8765/healthz)
  [ "$code" = 200 ] && break
  sleep 0.1
done
it_expect_eq "its /healthz answers 200" "$code" "200"
it_write_config monitor "$RULES"
sed -i "s|listener_socket: .*|listener_socket: $it_dir/run/seccomp.sock|; s|control_socket: .*|control_socket: $it_dir/run/control.sock|" "$it_dir/vigil.yaml"
b=$(it_bundle bundle-shipped sh -c '/usr/bin/probe bpf; echo done')
it_inject "$b"
out=$(it_run runc "vigil-img0-$$" "$b")
# Let through, the call meets the kernel, which refuses the probe's empty attribute.
it_expect_in "monitor mode lets the call through to the kernel" "bpf: Invalid argument" "$out"
for _ in $(seq 30); do podman logs "$pod" 2>/dev/null | grep -q '"BPF in container"' && break; sleep 0.1; done
it_expect_in "and says it would have blocked it, on the pod's stdout" '"action":"would block"' \
  "$(podman logs "$pod" 2>/dev/null | grep '"rule":"BPF in container"' | head -1)"
podman rm -f "$pod" >/dev/null 2>&1
rm -f "$it_dir/run/"*.sock

echo "== the daemon from the image protects a container on the host"
cat >"$it_dir/etc/vigil.yaml" <<YAML
rules_files: [/etc/vigil/rules.d]
mode: enforce
stdout_output: {enabled: true}
syslog_output: {enabled: false}
listener_socket: /run/vigil/seccomp.sock
control_socket: /run/vigil/control.sock
on_daemon_unavailable: deny
YAML
mkdir -p "$it_dir/etc/rules.d" && cp "$RULES"/*.yaml "$it_dir/etc/rules.d/"
podman_run -d --name "$pod" --privileged --pid host --network host \
  -v "$it_dir/run:/run/vigil" -v "$it_dir/etc:/etc/vigil:ro" -v "$it_dir:$it_dir" "$tag" >/dev/null
for _ in $(seq 100); do [ -S "$it_dir/run/seccomp.sock" ] && break; sleep 0.1; done
[ -S "$it_dir/run/seccomp.sock" ] && it_ok "the pod listens on the host's socket folder" ||
  { it_fail "the daemon in the image did not start"; podman logs "$pod" 2>&1 | tail -20; }
# The host side, as vigil install sets it up: the hook and the shim use the host's paths.
it_write_config enforce "$RULES"
sed -i "s|listener_socket: .*|listener_socket: $it_dir/run/seccomp.sock|; s|control_socket: .*|control_socket: $it_dir/run/control.sock|" "$it_dir/vigil.yaml"
b=$(it_bundle bundle-img sh -c '/usr/bin/probe bpf; echo done')
it_inject "$b"
out=$(it_run runc "vigil-img-$$" "$b")
it_expect_in "the blocked call gets EPERM" "bpf: Operation not permitted" "$out"
for _ in $(seq 30); do podman logs "$pod" 2>/dev/null | grep -q '"BPF in container"' && break; sleep 0.1; done
it_expect_in "the alert is on the daemon container's stdout" '"rule":"BPF in container"' \
  "$(podman logs "$pod" 2>/dev/null | grep '"rule"' | head -1)"

[ "$it_failures" -eq 0 ] || { echo "--- pod log"; podman logs "$pod" 2>&1 | tail -30; exit 1; }
echo "image_test: all passed"
