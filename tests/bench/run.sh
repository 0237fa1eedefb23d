#!/usr/bin/env bash
# Benchmarks, each printing figures against its baselines and targets from one run:
#  1. rule evaluation: Falco's stable ruleset on synthetic events of each type and on the
#     captured syscalls of a real shell session, one core (target: 2M events/s);
#  2. the seccomp path: an intercepted syscall's round trip through the daemon against a
#     minimal C supervisor (target 1.10x; also in a process of its own), a rule reading
#     the path (target 1.20x; a supervisor that reads it too is the floor), and a
#     non-intercepted syscall under vigil's
#     merged profile against the same profile without vigil (target 1.02x).
#  3. the fanotify path: open+close of 1000 files bare, under a minimal C responder and
#     under vigil (targets: repeated opens 1.15x bare, first opens 1.25x the responder).
#  4. read-only opens in a runc container: bare, under the default rules (target 1.15x
#     bare), and with every openat notified (what the default rules cost before the filter).
#  5. a container's start and stop: `runc run` of `sh -c :` bare and through vigil's shim
#     and hooks, without a seccomp profile and on the one Podman gives its containers
#     (target: at most +4 ms).
#  6. fork+exec and cat's work over 200 files in a runc container: bare, under the default
#     rules and under Falco's stable rules (../shared/compat/falco_rules.yaml); and
#     fork+exec's floor: a minimal C agent answering the same execve notifications and exec
#     opens (exec_floor.cc).
#  7. the peer: the same file workload under fapolicyd from Debian (installed, measured in a
#     private mount namespace and purged by the benchmark; only with `peer` or `all`).
# Usage: tests/bench/run.sh [rules|seccomp|fanotify|container|start|exec|peer]   (default all)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tests/setup.sh
what="${1:-all}"
bazel build -c opt //tests/bench:rules_bench //tests/bench:seccomp_bench \
  //tests/bench:fanotify_bench //tests/bench:exec_floor //:vigil //:vigil-runc \
  //tests/integration:probe_bin >&2
if [ "$what" = container ] || [ "$what" = all ]; then
  echo "== read-only opens in a container"
  bash tests/bench/container_opens.sh bazel-bin/src/cli/vigil bazel-bin/tests/integration/probe 5
  echo
fi
if [ "$what" = start ] || [ "$what" = all ]; then
  echo "== container start"
  bash tests/bench/container_start.sh bazel-bin/src/cli/vigil bazel-bin/tests/integration/probe 100
  echo
fi
if [ "$what" = exec ] || [ "$what" = all ]; then
  echo "== fork+exec and files in a container"
  bash tests/bench/container_exec.sh bazel-bin/src/cli/vigil bazel-bin/tests/integration/probe \
    ../shared/compat/falco_rules.yaml bazel-bin/tests/bench/exec_floor 3
  echo
fi
if [ "$what" = peer ] || [ "$what" = all ]; then
  echo "== the peer: fapolicyd"
  bash tests/bench/fapolicyd_peer.sh bazel-bin/tests/integration/probe 3
  echo
fi
if [ "$what" = fanotify ] || [ "$what" = all ]; then
  echo "== fanotify path"
  bazel-bin/tests/bench/fanotify_bench bazel-bin/src/cli/vigil 5
  echo
fi
if [ "$what" = seccomp ] || [ "$what" = all ]; then
  echo "== seccomp path"
  bazel-bin/tests/bench/seccomp_bench bazel-bin/src/cli/vigil 9
  echo
fi
[ "$what" = rules ] || [ "$what" = all ] || exit 0
echo "== rule evaluation"
bin=bazel-bin/tests/bench/rules_bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT
(cd "$bin.runfiles/vigil" && taskset -c 0 "../../rules_bench" --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_out="$out" --benchmark_out_format=json)
python3 - "$out" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
target = 2_000_000
rows = [b for b in data["benchmarks"] if b.get("aggregate_name") == "median"]
print()
print(f"{'event':58} {'events/s':>14} {'x target (2M/s)':>16}")
for b in rows:
    name = b["run_name"].removeprefix("evaluate/")
    eps = b["items_per_second"]
    print(f"{name:58} {eps:14,.0f} {eps / target:15.1f}x")
worst = min(b["items_per_second"] for b in rows)
print(f"\nslowest: {worst:,.0f} events/s = {worst / target:.1f}x the target "
      f"({'met' if worst >= target else 'MISSED'})")
PY
