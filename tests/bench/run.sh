#!/usr/bin/env bash
# Rule-evaluation benchmark: Falco's stable ruleset on synthetic events of each type, one
# core. Prints Google Benchmark's table, then each figure against the 2M events/s target.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tests/setup.sh
bazel build -c opt //tests/bench:rules_bench >&2
bin=bazel-bin/tests/bench/rules_bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT
(cd "$bin.runfiles/vigil" && taskset -c 0 "../../rules_bench" --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_out="$out" --benchmark_out_format=json "$@")
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
