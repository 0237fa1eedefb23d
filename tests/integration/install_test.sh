#!/usr/bin/env bash
# `vigil install` and `vigil uninstall` run literally on this machine, as the README says:
# default paths, no test flags. A plain `podman run` (no --hooks-dir) must then go through
# vigil; Docker's daemon.json keeps its other keys; containerd still parses its config; a
# second install changes no file; uninstall puts every file back byte for byte, and
# Podman runs without vigil again.
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
source "$(dirname "$0")/lib.sh"

if [ -e /usr/local/bin/vigil ] || [ -e /etc/vigil ]; then
  echo "FAIL: vigil is installed on this machine already; this test installs and removes it"
  exit 1
fi
podman_id="vigil-install-$$"
daemon=""
docker_made=""
installed=""
finish() {
  podman rm -f "$podman_id" >/dev/null 2>&1
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  [ -n "$installed" ] && /usr/local/bin/vigil uninstall >/dev/null 2>&1
  [ -n "$docker_made" ] && rm -rf "$docker_made"
  it_cleanup
}
trap finish EXIT

# Docker's daemon.json with a key of its own (the merge is what is checked; dockerd is not
# needed for it). Made here only if the machine has none.
if [ ! -e /etc/docker/daemon.json ]; then
  [ -d /etc/docker ] || docker_made=/etc/docker
  mkdir -p /etc/docker
  echo '{"log-driver": "journald", "live-restore": true}' >/etc/docker/daemon.json
  [ -n "$docker_made" ] || docker_made=/etc/docker/daemon.json
fi
files=(/etc/docker/daemon.json /etc/containerd/config.toml)
snapshot() { for f in "${files[@]}"; do [ -e "$f" ] && sha256sum "$f" || echo "absent $f"; done; }
before=$(snapshot)
hooks=/usr/share/containers/oci/hooks.d
hooks_existed=no
[ -d "$hooks" ] && hooks_existed=yes

echo "== install --dry-run changes nothing"
"$VIGIL" install --dry-run >"$it_dir/dry.out" 2>&1
it_expect_eq "dry run exits 0" "$?" "0"
it_expect_in "it says what it would do" "would create /usr/local/bin/vigil" "$(cat "$it_dir/dry.out")"
it_expect_in "and for Podman's hook" "would create $hooks/vigil-precreate.json" "$(cat "$it_dir/dry.out")"
it_expect_eq "and does not claim vigil is installed already" "$(grep -c 'installed already' "$it_dir/dry.out")" "0"
it_expect_eq "no file changed" "$(snapshot)" "$before"
[ ! -e /usr/local/bin/vigil ] && [ ! -e /etc/vigil ] && [ ! -e /var/lib/vigil ] &&
  [ ! -e "$hooks/vigil-precreate.json" ] && it_ok "nothing was created" || it_fail "the dry run created files"

echo "== install"
"$VIGIL" install >"$it_dir/install.out" 2>&1
rc=$?
installed=yes
cat "$it_dir/install.out"
it_expect_eq "install exits 0" "$rc" "0"
[ -x /usr/local/bin/vigil ] && [ -f /usr/local/bin/vigil-runc ] && [ ! -L /usr/local/bin/vigil-runc ] &&
  it_ok "binary and shim (the lean vigil-runc) installed" || it_fail "binary or shim missing"
it_expect_eq "the shim links none of the daemon's libraries" \
  "$(ldd /usr/local/bin/vigil-runc 2>&1 | grep -cE 'libssl|libcrypto|prometheus|spdlog')" "0"
if [ -z "${VIGIL_SANITIZER:-}" ]; then  # the sanitizers' runtimes make it dynamic
  it_expect_eq "the shim is static: no program interpreter, no library needed on the node" \
    "$(readelf -l /usr/local/bin/vigil-runc | grep -c INTERP)" "0"
fi
[ -f "$hooks/vigil-precreate.json" ] && it_ok "Podman's hook in $hooks" || it_fail "no hook in $hooks"
python3 - <<'PY' && it_ok "daemon.json keeps its keys and gains runtimes.vigil" || it_fail "daemon.json"
import json
d = json.load(open("/etc/docker/daemon.json"))
assert d["runtimes"]["vigil"]["path"] == "/usr/local/bin/vigil-runc", d
assert "log-driver" in d, d
PY
containerd --config /etc/containerd/config.toml config dump 2>/dev/null |
  grep -q 'BinaryName = "/usr/local/bin/vigil-runc"' &&
  it_ok "containerd parses its config with the vigil runtime" || it_fail "containerd config"
/usr/local/bin/vigil rules list >/dev/null 2>&1 && it_ok "the installed config and rules load" ||
  it_fail "vigil rules list under the installed config"
verify=$(systemd-analyze verify /etc/systemd/system/vigil.service 2>&1)
[ -z "$(echo "$verify" | grep -i 'vigil.service')" ] &&
  it_ok "a systemd unit that systemd-analyze accepts, running /usr/local/bin/vigil" ||
  it_fail "systemd-analyze: $verify"
after_install=$(snapshot; sha256sum "$hooks/vigil-precreate.json" /etc/vigil/vigil.yaml /usr/local/bin/vigil)

echo "== a second install changes nothing"
"$VIGIL" install >"$it_dir/install2.out" 2>&1
it_expect_in "it says so" "nothing changed" "$(cat "$it_dir/install2.out")"
it_expect_eq "no file changed" \
  "$(snapshot; sha256sum "$hooks/vigil-precreate.json" /etc/vigil/vigil.yaml /usr/local/bin/vigil)" \
  "$after_install"

echo "== a plain podman run goes through vigil"
/usr/local/bin/vigil daemon >"$it_dir/alerts.out" 2>"$it_dir/daemon.log" &
daemon=$!
for _ in $(seq 50); do [ -S /run/vigil/control.sock ] && break; sleep 0.1; done
b=$(it_bundle bundle-install true)
run_podman() {
  timeout 120 podman --runtime runc run --rm --name "$podman_id" --network none \
    --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 --rootfs "$b/rootfs" \
    /bin/sh -c 'mount -t tmpfs none /tmp; echo mounted=$?' 2>&1
}
out=$(run_podman)
echo "$out"
for _ in $(seq 30); do grep -q '"Mount in container"' "$it_dir/alerts.out" && break; sleep 0.1; done
it_expect_in "the mount was alerted (monitor mode, the default)" '"rule":"Mount in container"' \
  "$(cat "$it_dir/alerts.out")"
sessions=$(grep -c "seccomp session started" "$it_dir/daemon.log")
[ "$sessions" -ge 1 ] && it_ok "a seccomp session for the podman container" || it_fail "no session"
# docs/fanotify.md's `vigil status --json`, as written: the installed config, no -c.
status=$(/usr/local/bin/vigil status --json 2>&1)
python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert "file_watches" in d, d' \
  "$status" && it_ok "vigil status --json answers from the installed daemon" ||
  it_fail "vigil status --json: $status"

echo "== uninstall"
/usr/local/bin/vigil uninstall >"$it_dir/uninstall.out" 2>&1
rc=$?
cat "$it_dir/uninstall.out"
it_expect_eq "uninstall exits 0" "$rc" "0"
installed=""
it_expect_eq "every file is back, byte for byte" "$(snapshot)" "$before"
[ ! -e /usr/local/bin/vigil ] && [ ! -e /usr/local/bin/vigil-runc ] && [ ! -e /etc/vigil ] &&
  [ ! -e /etc/systemd/system/vigil.service ] &&
  [ ! -e "$hooks/vigil-precreate.json" ] && [ ! -e /var/lib/vigil ] && it_ok "vigil's own files are gone" ||
  it_fail "left: $(ls -d /usr/local/bin/vigil* /etc/vigil "$hooks/vigil-precreate.json" /var/lib/vigil 2>/dev/null)"
[ "$hooks_existed" = yes ] || [ ! -e "$hooks" ] && it_ok "and the folders install made" ||
  it_fail "$hooks was made by install and is left"
run_podman >/dev/null
sleep 0.5
it_expect_eq "podman runs without vigil again" "$(grep -c "seccomp session started" "$it_dir/daemon.log")" \
  "$sessions"

[ "$it_failures" -eq 0 ] || exit 1
echo "PASS"
