#!/usr/bin/env bash
# The soak (issue 6), outside the default test run: CONTAINERS runc containers (50) do
# mixed intercepted work (an execve, a blocked mkdir with a unique path, a watched open,
# in a loop) for SECONDS (300; at most 600) while the engine is SIGKILLed every 30 s and
# replaced by the keeper. It reports the alerts expected (one per blocked mkdir, as the
# containers counted them) against the distinct alerts received, and the ENOSYS count;
# they must be equal and 0. Usage: bash tests/soak.sh [SECONDS] [CONTAINERS] [PAUSE]
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_TOTAL=${1:-300}
CONTAINERS=${2:-50}
PAUSE=${3:-0.3}  # each container's pause between rounds: 50 of them share this machine's cores
[ "$SECONDS_TOTAL" -le 600 ] || { echo "at most 600 seconds" >&2; exit 2; }
bash tests/setup.sh >/dev/null || exit 1
bazel build //:vigil //tests/integration:probe >/dev/null 2>&1 || bazel build //:vigil //tests/integration:probe
VIGIL="$(pwd)/bazel-bin/src/cli/vigil"
PROBE="$(pwd)/bazel-bin/tests/integration/probe"
source tests/integration/lib.sh

cat >"$it_dir/rules.yaml" <<'YAML'
- rule: Soak exec
  desc: makes every execve a seccomp notification
  condition: evt.type = execve and evt.arg.filename = /forbidden
  output: forbidden exec (file=%evt.arg.filename)
  priority: WARNING
  action: block
- rule: Soak blocked mkdir
  desc: one alert per blocked mkdir, each with its own path
  condition: evt.type in (mkdir, mkdirat) and fd.name startswith /blocked-
  output: mkdir blocked (file=%fd.name)
  priority: WARNING
  action: block
- rule: Soak shadow
  desc: makes opens fanotify permission events
  condition: evt.type in (open, openat) and fd.name = /etc/shadow
  output: shadow opened (file=%fd.name)
  priority: WARNING
  action: block
YAML
it_start_daemon enforce "$it_dir/rules.yaml" "decision_cache: off" || exit 1
ctl="$it_dir/ctl"
mkdir -p "$ctl"

for i in $(seq 1 "$CONTAINERS"); do
  b=$(it_bundle "bundle-$i" sh -c "n=0; blocked=0; enosys=0; failed=0
while [ ! -e /ctl/go ]; do sleep 0.2; done
while [ ! -e /ctl/stop ]; do n=\$((n+1))
  /usr/bin/probe x >/dev/null 2>/tmp/e || { failed=\$((failed+1)); grep -q 'not implemented' /tmp/e && enosys=\$((enosys+1)); }
  if ! mkdir /blocked-$i-\$n 2>/tmp/m; then blocked=\$((blocked+1)); grep -q 'not implemented' /tmp/m && enosys=\$((enosys+1)); fi
  read l </etc/passwd || failed=\$((failed+1))
  sleep $PAUSE
done
echo n=\$n blocked=\$blocked enosys=\$enosys failed=\$failed >/ctl/result-$i")
  python3 - "$b/config.json" "$ctl" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["mounts"].append({"destination": "/ctl", "type": "bind", "source": sys.argv[2], "options": ["rbind", "rw"]})
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
  mkdir -p "$b/rootfs/ctl"
  it_inject "$b"
  it_containers+=("vigil-soak-$$-$i")
  runc run -d -b "$b" "vigil-soak-$$-$i" >/dev/null 2>&1 </dev/null || echo "container $i did not start" >&2
done
echo "soak: $CONTAINERS containers started; engine restarted every 30 s for $SECONDS_TOTAL s" >&2
touch "$ctl/go"

restarts=0
start=$(date +%s)
next_kill=30
while [ $(($(date +%s) - start)) -lt "$SECONDS_TOTAL" ]; do
  sleep 1
  if [ $(($(date +%s) - start)) -ge "$next_kill" ]; then
    e=$(pgrep -P "$it_daemon_pid" -f -- '--engine' | head -1)
    [ -n "$e" ] && kill -9 "$e" && restarts=$((restarts + 1))
    next_kill=$((next_kill + 30))
  fi
done
touch "$ctl/stop"
for _ in $(seq 120); do
  [ "$(ls "$ctl"/result-* 2>/dev/null | wc -l)" -ge "$CONTAINERS" ] && break
  sleep 0.5
done
sleep 2  # the last alerts reach the file
python3 - "$ctl" "$it_dir/alerts.json" "$CONTAINERS" "$SECONDS_TOTAL" "$restarts" <<'PY'
import glob, json, sys
ctl, alerts_path, containers, seconds, restarts = sys.argv[1:6]
tot = {"n": 0, "blocked": 0, "enosys": 0, "failed": 0}
results = glob.glob(ctl + "/result-*")
for f in results:
    for kv in open(f).read().split():
        k, v = kv.split("=")
        tot[k] += int(v)
paths, lines = set(), 0
for line in open(alerts_path):
    a = json.loads(line)
    if a["rule"] == "Soak blocked mkdir":
        lines += 1
        paths.add(a["output_fields"]["fd.name"])
ok = tot["enosys"] == 0 and len(paths) == tot["blocked"] and len(results) == int(containers)
print(f"soak: {containers} containers, {seconds} s, engine restarted {restarts} times")
print(f"  containers that reported             {len(results)}")
print(f"  loop iterations (intercepted execs)  {tot['n']}")
print(f"  ENOSYS seen by containers            {tot['enosys']}")
print(f"  other failed execs or opens          {tot['failed']}")
print(f"  alerts expected (blocked mkdirs)     {tot['blocked']}")
print(f"  alerts received (distinct paths)     {len(paths)}  ({lines} lines)")
print(f"  result: {'PASS' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
