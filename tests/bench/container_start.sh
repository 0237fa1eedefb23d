#!/usr/bin/env bash
# What vigil adds to a container's start and stop: `runc run` of `sh -c :`, bare, against
# the same through vigil's runtime shim as containerd runs it (`vigil-runc run`, the lean
# binary beside vigil: the injection, with the plan asked of the daemon, then the
# createRuntime hook registering the container with the daemon; its end comes from its
# first process's pidfd), under the default rules in enforce mode. Runs alternate, so
# both see the same machine; medians. Target: at most +4 ms.
# Usage: container_start.sh VIGIL PROBE [RUNS]
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
runs="${3:-30}"
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
trap it_cleanup EXIT
it_start_daemon enforce "$(pwd)/rules" >/dev/null || exit 1
b=$(it_bundle start /bin/sh -c :)
cp "$b/config.json" "$it_dir/pristine.json"
ms() { echo $((($(date +%s%N) - $1) / 1000)); }
results=$(mktemp)
for i in $(seq "$runs"); do
  cp "$it_dir/pristine.json" "$b/config.json"
  t=$(date +%s%N)
  runc run -b "$b" "vigil-start-$$-b$i" >/dev/null 2>&1 || { echo "bare run failed"; exit 1; }
  bare=$(ms "$t")
  cp "$it_dir/pristine.json" "$b/config.json"
  t=$(date +%s%N)
  VIGIL_CONFIG="$it_dir/vigil.yaml" "$(dirname "$VIGIL")/vigil-runc" run -b "$b" "vigil-start-$$-v$i" \
    >/dev/null 2>"$it_dir/shim.err" || { echo "run through vigil failed"; cat "$it_dir/shim.err"; exit 1; }
  vigil=$(ms "$t")
  echo "$bare $vigil" >>"$results"
done
grep -q "seccomp session started" "$it_dir/daemon.log" ||
  { echo "the daemon saw no container: nothing was measured"; exit 1; }
python3 - "$results" <<'PY'
import statistics, sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1])]
bare = statistics.median(r[0] for r in rows) / 1000
vig = statistics.median(r[1] for r in rows) / 1000
added = statistics.median((r[1] - r[0]) for r in rows) / 1000
print(f"runc run of sh -c :, {len(rows)} runs each, alternating; medians")
print(f"{'setup':58} {'ms':>9} {'added':>9}")
print(f"{'bare runc':58} {bare:9.1f} {'':>9}")
print(f"{'through vigil-runc (shim, hook, default rules)':58} {vig:9.1f} {added:+9.1f}")
print(f"target: at most +4.0 ms: {'met' if added <= 4.0 else 'MISSED'}")
PY
rm -f "$results"
