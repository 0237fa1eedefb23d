#!/usr/bin/env bash
# Two workloads inside a runc container, from one run: fork+exec of a small static program
# (per fork+exec), and cat's work over 200 small files on repeated passes (open, read,
# close; per file, the passes after the first). Each bare (no vigil), under vigil's
# default rules (enforce), and under Falco's stable rules. Targets: fork+exec 1.10x bare
# (default rules) and 1.20x (Falco's); the files 1.10x (default rules) and 2x (Falco's).
# Usage: container_exec.sh VIGIL PROBE FALCO_RULES [ROUNDS]
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
FALCO="$(realpath "$3")"
rounds="${4:-3}"
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
trap it_cleanup EXIT
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
results=$(mktemp)
for r in $(seq "$rounds"); do
  it_stop_daemon
  e0=$(run "e0-$r" 0 exec-loop "$execs" /usr/bin/probe)
  f0=$(run "f0-$r" 0 read-dir 6 /data)
  it_start_daemon enforce "$(pwd)/rules" >/dev/null || exit 1
  e1=$(run "e1-$r" 1 exec-loop "$execs" /usr/bin/probe)
  f1=$(run "f1-$r" 1 read-dir 6 /data)
  it_start_daemon monitor "$FALCO" >/dev/null || exit 1
  e2=$(run "e2-$r" 1 exec-loop "$execs" /usr/bin/probe)
  f2=$(run "f2-$r" 1 read-dir 6 /data)
  echo "$e0 $e1 $e2 $f0 $f1 $f2" >>"$results"
done
python3 - "$results" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 6]
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
    ("cat of 200 files (per file, repeated passes), bare", 3, 3, ""),
    ("cat of 200 files, vigil default rules", 4, 3, "1.10x"),
    ("cat of 200 files, Falco's stable rules", 5, 3, "2.00x"),
]:
    print(f"{name:58} {med(i):9.2f} {ratio(i, base):8.2f} {target:>8}")
PY
rm -f "$results"
