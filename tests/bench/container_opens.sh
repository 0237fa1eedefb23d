#!/usr/bin/env bash
# Read-only opens inside a runc container, per open, from one run: bare (no vigil), under
# vigil's default rules (enforce; open/openat notified only with write flags, the file's
# decision cached by fanotify), and under the same rules plus one rule that needs every
# openat (so each open is a seccomp round trip, as every open was before the filter).
# Target: the default rules within 1.15x bare. A fourth setup, the default rules without
# their file rules, shows how much of that is the seccomp filter alone. "Bare" runs with no
# seccomp filter at all, which no runtime does by default: two more setups run bare and
# under the default rules on the seccomp profile Podman really gives its containers on
# this machine (captured from the bundle it hands the runtime), the comparison a user sees.
# Usage: container_opens.sh VIGIL PROBE [ROUNDS]
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
rounds="${3:-5}"
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
trap it_cleanup EXIT
mkdir -p "$it_dir/extra"
cat >"$it_dir/extra/every_openat.yaml" <<'YAML'
- rule: Any openat of a missing file
  desc: a rule that may match a read-only openat, so every openat is notified
  condition: evt.type = openat and fd.name_resolved = /nonexistent/x
  output: openat %fd.name_resolved
  priority: NOTICE
YAML
opens=20000
run() {  # NAME INJECT [SECCOMP-PROFILE] -> microseconds per open
  local b
  b=$(it_bundle "b-$1" /usr/bin/probe open-loop "$opens" /var/lib/data)
  mkdir -p "$b/rootfs/var/lib"
  echo data >"$b/rootfs/var/lib/data"
  if [ -n "${3:-}" ]; then
    python3 - "$b/config.json" "$3" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["seccomp"] = json.load(open(sys.argv[2]))
json.dump(c, open(sys.argv[1], "w"))
PY
  fi
  [ "$2" = 1 ] && it_inject "$b"
  it_run runc "vigil-bench-$$-$1" "$b" | sed -nE 's/^open-loop: ([0-9.]+) us per open/\1/p'
}
# The default rules without their file (fanotify) rules: the same seccomp filter and no
# marks, which splits the default rules' cost between the filter and fanotify.
mkdir -p "$it_dir/nofile"
cp rules/vigil_rules.yaml "$it_dir/nofile/"
"$VIGIL" rules validate --json rules/ | python3 -c '
import json, sys
for f in json.load(sys.stdin)["files"]:
    for r in f["rules"]:
        if r["fanotify"]:
            print("- rule: " + r["name"] + "\n  enabled: false")
' >"$it_dir/nofile/zz_no_file_rules.yaml"
# Podman's own profile: a runtime in its place that keeps the config it is handed.
profile="$it_dir/podman-seccomp.json"
it_podman_seccomp_profile "$profile" || {
  profile=""
  echo "(could not capture Podman's seccomp profile: its rows are left out)" >&2
}
results=$(mktemp)
for r in $(seq "$rounds"); do
  bare=$(run "bare$r" 0)
  it_start_daemon enforce "$(pwd)/rules" >/dev/null || exit 1
  default=$(run "default$r" 1)
  it_start_daemon enforce "$(pwd)/rules, $it_dir/extra" >/dev/null || exit 1
  every=$(run "every$r" 1)
  it_start_daemon enforce "$it_dir/nofile" >/dev/null || exit 1
  filter=$(run "filter$r" 1)
  pbare=0 pdefault=0
  if [ -n "$profile" ]; then
    pbare=$(run "pbare$r" 0 "$profile")
    it_start_daemon enforce "$(pwd)/rules" >/dev/null || exit 1
    pdefault=$(run "pdefault$r" 1 "$profile")
  fi
  echo "$bare $default $every $filter $pbare $pdefault" >>"$results"
done
python3 - "$results" "$opens" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 6]
if not rows:
    sys.exit("no complete round")
med = lambda i: statistics.median(r[i] for r in rows)
ratio = lambda i: statistics.median(r[i] / r[0] for r in rows)
print(f"read-only open+close in a runc container, {sys.argv[2]} per run, medians of {len(rows)} rounds")
print(f"{'setup':58} {'us/open':>9} {'x bare':>8}")
print(f"{'bare (no vigil)':58} {med(0):9.2f} {1:8.2f}")
print(f"{'vigil, default rules (target 1.15x bare)':58} {med(1):9.2f} {ratio(1):8.2f}")
print(f"{'vigil, default rules + a rule needing every openat':58} {med(2):9.2f} {ratio(2):8.2f}")
print(f"{'vigil, default rules without file rules (the filter alone)':58} {med(3):9.2f} {ratio(3):8.2f}")
if all(r[4] > 0 and r[5] > 0 for r in rows):
    label = "bare, on Podman's default seccomp profile"
    print(f"{label:58} {med(4):9.2f} {ratio(4):8.2f}")
    pr = statistics.median(r[5] / r[4] for r in rows)
    print(f"{'vigil, default rules, on that profile (target 1.15x the row above)':58} {med(5):9.2f} {ratio(5):8.2f}"
          f"   {pr:.2f}x Podman's profile alone")
PY
rm -f "$results"
