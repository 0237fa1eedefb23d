#!/usr/bin/env bash
# What vigil adds to a container's start and stop: `runc run` of `sh -c :`, bare, against
# the same through vigil's runtime shim as containerd runs it (`vigil-runc run`, the lean
# binary beside vigil: the injection, with the plan asked of the daemon, then the
# createRuntime hook registering the container with the daemon; its end comes from its
# first process's pidfd), under the default rules in enforce mode. "Bare" has no seccomp
# filter at all, so there vigil's start includes building and loading a whole filter; no
# runtime front end starts containers that way, so the same pair also runs on the seccomp
# profile Podman gives its containers on this machine (captured), where vigil only adds
# its rules to the runtime's own. Runs alternate, so all see the same machine; medians of
# the paired differences. Target: at most +4 ms.
# Usage: container_start.sh VIGIL PROBE [RUNS]
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
runs="${3:-30}"
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
trap it_cleanup EXIT
profile="$it_dir/podman-seccomp.json"
it_podman_seccomp_profile "$profile" || {
  profile=""
  echo "(could not capture Podman's seccomp profile: its rows are left out)" >&2
}
it_start_daemon enforce "$(pwd)/rules" >/dev/null || exit 1
b=$(it_bundle start /bin/sh -c :)
cp "$b/config.json" "$it_dir/pristine.json"
if [ -n "$profile" ]; then
  python3 - "$it_dir/pristine.json" "$profile" "$it_dir/pristine-podman.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["seccomp"] = json.load(open(sys.argv[2]))
json.dump(c, open(sys.argv[3], "w"))
PY
fi
ms() { echo $((($(date +%s%N) - $1) / 1000)); }
start() {  # PRISTINE-CONFIG NAME VIA-VIGIL -> microseconds
  local t
  cp "$1" "$b/config.json"
  # The previous run's teardown (runc's, the daemon's end of a watch) is not this one's.
  sleep 0.05
  t=$(date +%s%N)
  if [ "$3" = 1 ]; then
    VIGIL_CONFIG="$it_dir/vigil.yaml" "$(dirname "$VIGIL")/vigil-runc" run -b "$b" "$2" \
      >/dev/null 2>"$it_dir/shim.err" || { echo "run through vigil failed" >&2; cat "$it_dir/shim.err" >&2; return 1; }
  else
    runc run -b "$b" "$2" >/dev/null 2>&1 || { echo "bare run failed" >&2; return 1; }
  fi
  ms "$t"
}
results=$(mktemp)
for i in $(seq "$runs"); do
  bare=$(start "$it_dir/pristine.json" "vigil-start-$$-b$i" 0) || exit 1
  vigil=$(start "$it_dir/pristine.json" "vigil-start-$$-v$i" 1) || exit 1
  pbare=0 pvigil=0
  if [ -n "$profile" ]; then
    pbare=$(start "$it_dir/pristine-podman.json" "vigil-start-$$-pb$i" 0) || exit 1
    pvigil=$(start "$it_dir/pristine-podman.json" "vigil-start-$$-pv$i" 1) || exit 1
  fi
  echo "$bare $vigil $pbare $pvigil" >>"$results"
done
grep -q "seccomp session started" "$it_dir/daemon.log" ||
  { echo "the daemon saw no container: nothing was measured"; exit 1; }
python3 - "$results" <<'PY'
import statistics, sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1])]
med = lambda i: statistics.median(r[i] for r in rows) / 1000
added = lambda i, base: statistics.median((r[i] - r[base]) for r in rows) / 1000
print(f"runc run of sh -c :, {len(rows)} runs each, alternating; medians")
print(f"{'setup':58} {'ms':>9} {'added':>9}")
print(f"{'bare runc (no seccomp filter)':58} {med(0):9.1f} {'':>9}")
print(f"{'through vigil-runc (shim, hook, default rules)':58} {med(1):9.1f} {added(1, 0):+9.1f}")
if rows[0][2]:
    print(f"{'bare runc, on the seccomp profile Podman gives its containers':58} {med(2):9.1f}")
    print(f"{'through vigil-runc, on that profile':58} {med(3):9.1f} {added(3, 2):+9.1f}")
print(f"target: at most +4.0 ms: {'met' if added(1, 0) <= 4.0 else 'MISSED'} without a profile"
      + (f", {'met' if added(3, 2) <= 4.0 else 'MISSED'} on Podman's" if rows[0][2] else ""))
PY
rm -f "$results"
