#!/usr/bin/env bash
# Injection against the seccomp profiles that containerd (ctr run --seccomp) and Podman
# really generate on this machine: captured from the bundle each one hands its runtime,
# merged by `vigil hook precreate`, and checked syscall by syscall (check_merge.py). Then
# both run a container end to end: ctr through the vigil runtime shim, Podman through a
# precreate hook in hooks.d.
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
CHECK="$(realpath "$(dirname "$0")/check_merge.py")"
source "$(dirname "$0")/lib.sh"

podman_ids=()
cleanup_more() {
  for id in "${podman_ids[@]}"; do podman rm -f "$id" >/dev/null 2>&1; done
  it_stop_containerd
  it_cleanup
}
trap cleanup_more EXIT

notify=(mkdir mkdirat socket personality bpf clone ptrace unshare mount init_module finit_module setns)
{
  echo "- rule: Notify set"
  echo "  desc: every syscall the merge is checked on"
  echo "  condition: evt.type in ($(IFS=,; echo "${notify[*]}" | sed 's/,/, /g')) and fd.name = /nothing/matches"
  echo "  output: o"
  echo "  priority: INFO"
} >"$it_dir/notify.yaml"
cat >"$it_dir/block.yaml" <<'YAML'
- rule: Block mkdir below /tmp/blocked
  desc: test rule
  condition: evt.type in (mkdir, mkdirat) and fd.name startswith /tmp/blocked/
  output: mkdir blocked (path=%fd.name proc=%proc.name container=%container.id)
  priority: WARNING
  action: block
YAML

it_capture_runtime containerd
it_capture_runtime podman
b=$(it_bundle bundle-merge true)
rootfs="$b/rootfs"

echo "== containerd"
it_start_containerd
timeout 60 ctr --address "$it_dir/c.sock" run --rm \
  --rootfs --runc-binary "$it_dir/capture-containerd" --seccomp "$rootfs" "vigil-m-$$-1" /bin/sh -c true \
  >/dev/null 2>&1 && [ -s "$it_dir/containerd.json" ] || it_fail "containerd: capture failed"

echo "== podman"
podman_ids+=("vigil-m-$$-p1")
timeout 120 podman --runtime "$it_dir/capture-podman" run --rm \
  --name "vigil-m-$$-p1" --network none --ulimit nofile=20000:20000 \
  --ulimit nproc=32768:32768 --rootfs "$rootfs" /bin/sh -c true >/dev/null 2>"$it_dir/podman.err" \
  && [ -s "$it_dir/podman.json" ] || { it_fail "podman: capture failed"; cat "$it_dir/podman.err"; }

echo "== merge"
it_start_daemon enforce "$it_dir/notify.yaml" || exit 1
for src in containerd podman; do
  [ -s "$it_dir/$src.json" ] || continue
  if "$VIGIL" hook precreate -c "$it_dir/vigil.yaml" <"$it_dir/$src.json" >"$it_dir/$src.merged.json" \
       2>"$it_dir/$src.hook.err"; then
    if python3 "$CHECK" "$it_dir/$src.json" "$it_dir/$src.merged.json" "${notify[@]}" \
         >"$it_dir/$src.check" 2>&1; then
      it_ok "$src: merged profile keeps every other syscall's rules ($(tail -1 "$it_dir/$src.check"))"
    else
      it_fail "$src: merge check"; cat "$it_dir/$src.check"
    fi
  else
    it_fail "$src: precreate hook failed"; cat "$it_dir/$src.hook.err"
  fi
done
python3 - "$it_dir/podman.merged.json" <<'PY' && it_ok "podman: conditional socket rules kept their arguments" || it_fail "podman: socket rules"
import json, sys
rules = json.load(open(sys.argv[1]))["linux"]["seccomp"]["syscalls"]
sock = [r for r in rules if "socket" in r.get("names", [])]
assert any(r["action"] == "SCMP_ACT_ERRNO" and r.get("args") for r in sock), sock
assert all(r["action"] != "SCMP_ACT_ALLOW" for r in sock), sock
assert all(r.get("args") for r in sock if r["action"] == "SCMP_ACT_NOTIFY"), sock
PY

echo "== end to end: ctr through the shim, podman through a precreate hook"
it_start_daemon enforce "$it_dir/block.yaml" || exit 1
cat >"$it_dir/vigil-runc" <<SH
#!/bin/sh
VIGIL_CONFIG="$it_dir/vigil.yaml" exec "$VIGIL" runtime -- "\$@"
SH
chmod +x "$it_dir/vigil-runc"
out=$(timeout 60 ctr --address "$it_dir/c.sock" run --rm --rootfs --runc-binary "$it_dir/vigil-runc" \
  --seccomp "$rootfs" "vigil-m-$$-2" /bin/sh -c 'mkdir -p /tmp/blocked; mkdir /tmp/blocked/c; echo rc=$?' 2>&1)
it_expect_in "ctr: blocked mkdir returns EPERM through the shim" "rc=1" "$out"
it_expect_eq "ctr: alert names the container" "$(it_alert 'Block mkdir below /tmp/blocked' container.id)" \
  "$(echo "vigil-m-$$-2" | cut -c1-12)"

mkdir -p "$it_dir/hooks.d"
cat >"$it_dir/hooks.d/vigil.json" <<JSON
{"version": "1.0.0",
 "hook": {"path": "$VIGIL", "args": ["vigil", "hook", "precreate", "-c", "$it_dir/vigil.yaml"]},
 "when": {"always": true}, "stages": ["precreate"]}
JSON
podman_ids+=("vigil-m-$$-p2")
out=$(timeout 120 podman --hooks-dir "$it_dir/hooks.d" --runtime runc run --rm --name "vigil-m-$$-p2" \
  --network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 --rootfs "$rootfs" \
  /bin/sh -c 'mkdir -p /tmp/blocked; mkdir /tmp/blocked/p; echo rc=$?' 2>&1)
it_expect_in "podman: blocked mkdir returns EPERM through the precreate hook" "rc=1" "$out"

if [ "$it_failures" -ne 0 ]; then
  echo "--- daemon log"; cat "$it_dir/daemon.log"
  echo "$it_failures failure(s)"
  exit 1
fi
echo "all merge and runtime integration checks passed"
