#!/usr/bin/env bash
# `systemctl restart` of vigil.service (Type=notify, FileDescriptorStoreMax=) without
# breaking a container. systemd cannot boot on this machine, so fake_systemd.py plays its
# part to the letter of the documented wire format (sd_notify(3), sd_listen_fds(3)): the
# daemon says READY=1; on SIGTERM it stores its fds (FDSTORE=1, FDNAME=) and exits; the
# next start gets them back as LISTEN_FDS and empties the store. A runc container making
# intercepted execs and blocked mkdirs across it must see no failed call.
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
FAKE_SYSTEMD="$(realpath "$(dirname "$0")/fake_systemd.py")"
source "$(dirname "$0")/lib.sh"

it_loop_rules
it_write_config enforce "$it_dir/rules.yaml"
python3 "$FAKE_SYSTEMD" "$it_dir" "$VIGIL" "$it_dir/vigil.yaml" &
systemd_pid=$!
finish() {
  touch "$it_dir/done"
  wait "$systemd_pid" 2>/dev/null
  it_cleanup
}
trap finish EXIT
for _ in $(seq 100); do [ -e "$it_dir/ready1" ] && break; sleep 0.1; done
[ -e "$it_dir/ready1" ] && it_ok "the daemon said READY=1" || { it_fail "no READY=1"; cat "$it_dir/systemd.log"; exit 1; }

b=$(it_loop_bundle bundle-systemd)
it_inject "$b"
id="vigil-systemd-$$"
it_containers+=("$id")
timeout 300 runc run -b "$b" "$id" >"$it_dir/container.out" 2>&1 &
container=$!
for _ in $(seq 100); do [ -e "$b/rootfs/tmp/running" ] && break; sleep 0.1; done
sleep 1
touch "$it_dir/restart"  # systemctl restart vigil
for _ in $(seq 300); do [ -e "$it_dir/ready2" ] && break; sleep 0.1; done
[ -e "$it_dir/ready2" ] && it_ok "the restarted daemon said READY=1" || it_fail "no second READY=1"
sleep 1
touch "$b/rootfs/tmp/enough"
wait "$container"
it_loop_check "$it_dir/container.out" "systemctl restart"
sys=$(cat "$it_dir/systemd.log")
it_expect_in "the old daemon stored its fds" "FDNAME', 'vigil-listener'" "$sys"
it_expect_in "and said it was stopping" "'STOPPING', '1'" "$sys"
it_expect_in "the new one emptied the store" "after the restart the store holds 0 fds" "$sys"
it_expect_in "the new one took them back" "took back from systemd's file descriptor store" \
  "$(cat "$it_dir/daemon.log")"

[ "$it_failures" -eq 0 ] || { cat "$it_dir/systemd.log"; exit 1; }
echo "PASS"
