#!/usr/bin/env bash
# Two workloads inside a runc container, from one run: fork+exec of a small static program
# (per fork+exec), and cat's work over 200 small files on repeated passes (open, read,
# close; per file, the passes after the first). Each bare (no vigil), under vigil's
# default rules (enforce), and under Falco's stable rules. Targets: fork+exec 1.10x bare
# (default rules) and 1.20x (Falco's); the files 1.10x (default rules) and 2x (Falco's).
# And the floor of fork+exec for any supervisor that must see what the default rules need
# of an exec (its execve as a seccomp notification, its open as a fanotify permission
# event): the same container, with the same merged filter, answered by exec_floor (a
# minimal C agent that only answers).
# Usage: container_exec.sh VIGIL PROBE FALCO_RULES EXEC_FLOOR [ROUNDS]
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
FALCO="$(realpath "$3")"
FLOOR="$(realpath "$4")"
rounds="${5:-3}"
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
floor_pids=()
stop_floors() {
  for p in "${floor_pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  floor_pids=()
}
trap 'stop_floors; it_cleanup' EXIT
# Two floors: waiting in poll() (seccomp's synchronous wake-up reaches it: it is woken on
# the CPU of the process it serves) and in epoll_wait, as vigil's event loop waits.
"$FLOOR" "$it_dir/floor.sock" 2>>"$it_dir/floor.log" &
floor_pids+=($!)
"$FLOOR" --epoll "$it_dir/floor-epoll.sock" 2>>"$it_dir/floor.log" &
floor_pids+=($!)
execs=300
run() {  # NAME INJECT ARGS... -> the figure the probe prints
  local name="$1" inject="$2" b
  shift 2
  b=$(it_bundle "b-$name" /usr/bin/probe "$@")
  mkdir -p "$b/rootfs/data"
  for i in $(seq 200); do echo "line $i of a small file" >"$b/rootfs/data/f$i"; done
  [ "$inject" = 1 ] && it_inject "$b"
  it_run runc "vigil-bx-$$-$name" "$b" | sed -nE 's/^(exec-loop|read-dir): ([0-9.]+) us.*/\2/p'
}
# The default rules' bundle, as vigil injects it, with its listener pointed at exec_floor
# and without vigil's hooks: the same filter, answered by the floor.
floor_run() {  # NAME SOCKET ARGS...
  local name="$1" sock="$2" b
  shift 2
  b=$(it_bundle "b-$name" /usr/bin/probe "$@")
  it_inject "$b"
  python3 - "$b/config.json" "$sock" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["linux"]["seccomp"]["listenerPath"] = sys.argv[2]
config.pop("hooks", None)
json.dump(config, open(sys.argv[1], "w"))
PY
  it_run runc "vigil-bx-$$-$name" "$b" | sed -nE 's/^exec-loop: ([0-9.]+) us.*/\1/p'
}
results=$(mktemp)
for r in $(seq "$rounds"); do
  it_stop_daemon
  e0=$(run "e0-$r" 0 exec-loop "$execs" /usr/bin/probe)
  f0=$(run "f0-$r" 0 read-dir 6 /data)
  it_start_daemon enforce "$(pwd)/rules" >/dev/null || exit 1
  e1=$(run "e1-$r" 1 exec-loop "$execs" /usr/bin/probe)
  f1=$(run "f1-$r" 1 read-dir 6 /data)
  ef=$(floor_run "ef-$r" "$it_dir/floor.sock" exec-loop "$execs" /usr/bin/probe)
  ee=$(floor_run "ee-$r" "$it_dir/floor-epoll.sock" exec-loop "$execs" /usr/bin/probe)
  it_start_daemon monitor "$FALCO" >/dev/null || exit 1
  e2=$(run "e2-$r" 1 exec-loop "$execs" /usr/bin/probe)
  f2=$(run "f2-$r" 1 read-dir 6 /data)
  echo "$e0 $e1 $e2 $f0 $f1 $f2 $ef $ee" >>"$results"
done
stop_floors
# Each floor must have answered every exec's notification and open, or it measured nothing.
need=$((rounds * execs))
while read -r n f; do
  [ "$n" -ge "$need" ] && [ "$f" -ge "$need" ] ||
    { echo "a floor answered $n notifications and $f file events, fewer than $need execs"; exit 1; }
done < <(sed -nE 's/^exec_floor: answered ([0-9]+) notifications and ([0-9]+) file events$/\1 \2/p' \
  "$it_dir/floor.log")
[ "$(grep -c '^exec_floor: answered' "$it_dir/floor.log")" = 2 ] ||
  { echo "the floors did not report"; cat "$it_dir/floor.log"; exit 1; }
python3 - "$results" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 8]
if not rows:
    sys.exit("no complete round")
med = lambda i: statistics.median(r[i] for r in rows)
ratio = lambda i, base: statistics.median(r[i] / r[base] for r in rows)
print(f"in a runc container, medians of {len(rows)} rounds")
print(f"{'case':58} {'us':>9} {'x bare':>8} {'target':>8}")
for name, i, base, target in [
    ("fork+exec, bare", 0, 0, ""),
    ("fork+exec, vigil default rules", 1, 0, "1.10x"),
    ("fork+exec, Falco's stable rules", 2, 0, "1.20x"),
    ("fork+exec, the floor: a minimal C agent answering the same events", 6, 0, ""),
    ("fork+exec, the same agent waiting in epoll_wait", 7, 0, ""),
    ("cat of 200 files (per file, repeated passes), bare", 3, 3, ""),
    ("cat of 200 files, vigil default rules", 4, 3, "1.10x"),
    ("cat of 200 files, Falco's stable rules", 5, 3, "2.00x"),
]:
    print(f"{name:58} {med(i):9.2f} {ratio(i, base):8.2f} {target:>8}")
print(f"{'fork+exec: vigil default rules / the floor (poll, epoll)':58} {'':9} "
      f"{ratio(1, 6):8.2f} {ratio(1, 7):8.2f}")
PY
rm -f "$results"
