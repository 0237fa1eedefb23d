#!/usr/bin/env bash
# Builds one fuzz target with clang + libFuzzer + ASan/UBSan and runs it for a bounded time
# on its seed corpus. Usage: tests/fuzz/run.sh TARGET SECONDS
set -euo pipefail
cd "$(dirname "$0")/../.."
target="$1"
seconds="${2:-30}"
base="${VIGIL_FUZZ_OUTPUT_BASE:-$HOME/.cache/vigil-fuzz-bazel/$(pwd | md5sum | cut -c1-12)}"
flags=(--repo_env=CC=clang --copt=-fsanitize=fuzzer,address,undefined
       --linkopt=-fsanitize=fuzzer,address,undefined --linkopt=-fsanitize-link-c++-runtime
       --copt=-fno-sanitize-recover=all
       --copt=-g --copt=-O1)
build_log=$(mktemp)
if ! bazel --output_base="$base" build "${flags[@]}" "//tests/fuzz:$target" >"$build_log" 2>&1; then
  grep -v -e linux-sandbox -e "ld.gold: warning" "$build_log" | tail -n 40
  rm -f "$build_log"
  exit 1
fi
rm -f "$build_log"
bin="$(bazel --output_base="$base" info "${flags[@]}" bazel-bin 2>/dev/null)/tests/fuzz/$target"
seeds="tests/fuzz/corpus/${target%_fuzz}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$seeds"/. "$work"/ 2>/dev/null || true
if [ "$target" = rules_loader_fuzz ]; then
  cp rules/*.yaml tests/golden/*.yaml "$work"/ 2>/dev/null || true
fi
echo "fuzz: $target for ${seconds}s" >&2
artifacts="${TMPDIR:-/tmp}/vigil-fuzz-artifacts/$target/"
mkdir -p "$artifacts"
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$artifacts" \
  -print_final_stats=1 "$work" 2>&1 | tail -n 12
