#!/usr/bin/env bash
# vigil as a node service (issue 12): a restart never breaks a container, a daemon fails
# like a service, SIGUSR1 reopens the outputs, an engine that keeps dying is backed off and
# reported, and a stop with no successor is loud.
#
# 1. A runc container makes intercepted execs and blocked mkdirs in a loop. The daemon gets
#    SIGTERM; half a second later a new `vigil daemon` starts on the same config. The new
#    one must take everything over: 0 failed calls, 0 ENOSYS, every block blocked, one
#    alert per blocked mkdir, the old daemon gone, and `runc exec` still protected.
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
source "$(dirname "$0")/lib.sh"

it_loop_rules
it_start_daemon enforce "$it_dir/rules.yaml" || exit 1
old=$it_daemon_pid

echo "== restart under load"
b=$(it_loop_bundle bundle-restart 'while [ ! -e /tmp/stop ]; do sleep 0.1; done')
it_inject "$b"
id="vigil-restart-$$"
it_containers+=("$id")
timeout 300 runc run -b "$b" "$id" >"$it_dir/container.out" 2>&1 &
container=$!
for _ in $(seq 100); do [ -e "$b/rootfs/tmp/running" ] && break; sleep 0.1; done
sleep 1
kill -TERM "$old"
sleep 0.5
"$VIGIL" daemon -c "$it_dir/vigil.yaml" 2>>"$it_dir/daemon.log" &
it_daemon_pid=$!
gone=no
for _ in $(seq 300); do
  kill -0 "$old" 2>/dev/null || { gone=yes; break; }
  sleep 0.1
done
wait "$old" 2>/dev/null
it_expect_eq "the old daemon exits within 30 s of the new one's start" "$gone" "yes"
sleep 1  # the container goes on under the new daemon
touch "$b/rootfs/tmp/enough"
it_loop_check "$it_dir/container.out" "the restart"
log=$(cat "$it_dir/daemon.log")
it_expect_in "the old daemon waited for a successor" "waiting up to" "$log"
it_expect_in "the new daemon took over" "took over from the running daemon" "$log"
it_expect_in "the old daemon handed over" "handed over; exiting" "$log"
exec_out=$(timeout 20 runc exec "$id" sh -c 'mkdir /blocked/via-exec; echo rc=$?' 2>&1)
it_expect_in "runc exec after the restart is protected" "rc=1" "$exec_out"
it_expect_eq "and alerted" "$(it_alerts "Block mkdir below /blocked" fd.name 1 | grep -c via-exec)" "1"
status=$("$VIGIL" status -c "$it_dir/vigil.yaml")
it_expect_in "status tells what a stop does" "on stop: waits up to 30 s" "$status"

echo "== SIGUSR1 reopens the alert file"
mv "$it_dir/alerts.json" "$it_dir/alerts.json.1"
kill -USR1 "$it_daemon_pid"
for _ in $(seq 50); do [ -e "$it_dir/alerts.json" ] && break; sleep 0.1; done
timeout 20 runc exec "$id" sh -c 'mkdir /blocked/after-rotate' >/dev/null 2>&1
kill -0 "$it_daemon_pid" 2>/dev/null && it_ok "the daemon lives through SIGUSR1" ||
  it_fail "SIGUSR1 killed the daemon"
it_expect_eq "a new file gets the next alert" \
  "$(it_alerts "Block mkdir below /blocked" fd.name 1 | grep -c after-rotate)" "1"

echo "== a stop with no successor is loud"
# The first SIGTERM waits for a successor; a second one (it_stop_daemon) lets go at once.
it_stop_daemon
it_expect_in "the log says what a stop without successor does" \
  "stopping with no successor: 1 container sessions and watches are let go" "$(cat "$it_dir/daemon.log")"
it_expect_eq "a Critical alert says so" "$(it_alert 'vigil: stopped with no successor' priority)" \
  "Critical"
touch "$b/rootfs/tmp/stop"
wait "$container" 2>/dev/null

echo "== broken rules at start: exit non-zero, a few lines"
cat >"$it_dir/broken.yaml" <<'YAML'
- rule: Broken
  desc: x
  condition: evt.type = mkdir and
  output: x
  priority: WARNING
YAML
sed "s|rules_files: .*|rules_files: [$it_dir/broken.yaml]|" "$it_dir/vigil.yaml" >"$it_dir/broken-vigil.yaml"
start=$(date +%s)
timeout 20 "$VIGIL" daemon -c "$it_dir/broken-vigil.yaml" >/dev/null 2>"$it_dir/broken.log"
rc=$?
it_expect_eq "exit status" "$rc" "1"
[ $(($(date +%s) - start)) -le 5 ] && it_ok "within seconds" || it_fail "took $(($(date +%s) - start)) s"
lines=$(wc -l <"$it_dir/broken.log")
[ "$lines" -le 5 ] && it_ok "$lines log lines" || it_fail "$lines log lines: $(head -20 "$it_dir/broken.log")"
it_expect_in "the error names the place" "broken.yaml:3" "$(cat "$it_dir/broken.log")"

echo "== an engine that keeps dying is backed off, alerted and reported"
cp "$it_dir/rules.yaml" "$it_dir/good.yaml"
it_start_daemon enforce "$it_dir/rules.yaml" || exit 1
engine_pid() { pgrep -P "$it_daemon_pid" -f -- '--engine' | head -1; }
# Serving first: an engine killed before it has started is a failed start, which the
# keeper answers by exiting (slow under ASan: wait for the control socket to answer).
for _ in $(seq 100); do "$VIGIL" status -c "$it_dir/vigil.yaml" >/dev/null 2>&1 && break; sleep 0.1; done
cp "$it_dir/broken.yaml" "$it_dir/rules.yaml"  # every new engine now fails to start
kill -9 "$(engine_pid)"
for _ in $(seq 100); do grep -q "starting a successor in 2 s" "$it_dir/daemon.log" && break; sleep 0.1; done
it_expect_in "the keeper backs off" "starting a successor in 2 s" "$(cat "$it_dir/daemon.log")"
kill -0 "$it_daemon_pid" 2>/dev/null && it_ok "the keeper holds on" || it_fail "the keeper exited"
cp "$it_dir/good.yaml" "$it_dir/rules.yaml"
for _ in $(seq 150); do "$VIGIL" status -c "$it_dir/vigil.yaml" >/dev/null 2>&1 && break; sleep 0.1; done
status=$("$VIGIL" status -c "$it_dir/vigil.yaml" 2>&1)
it_expect_in "status says the engine keeps dying" "KEEPS DYING" "$status"
it_expect_eq "a Critical alert says so" "$(it_alert 'vigil: the engine keeps dying' priority)" "Critical"

[ "$it_failures" -eq 0 ] || exit 1
echo "PASS"
