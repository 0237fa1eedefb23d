#!/usr/bin/env bash
# Record and replay (issue 14): a daemon in monitor mode records what it evaluates; the
# recording replayed against the same rules reports exactly the blocks that enforce mode
# really applies to the same container run; against changed rules it shows what they
# would block differently; turned into a cases file, `rules test` passes on it.
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
source "$(dirname "$0")/lib.sh"

cat >"$it_dir/rules.yaml" <<'YAML'
- rule: Block mkdir below /blocked
  desc: the block to try before enforcing it
  condition: evt.type in (mkdir, mkdirat) and fd.name startswith /blocked/
  output: mkdir blocked (file=%fd.name)
  priority: WARNING
  action: block
YAML
sed 's|startswith /blocked/|startswith /blocked/ or (evt.type in (mkdir, mkdirat) and fd.name startswith /tmp/)|' \
  "$it_dir/rules.yaml" >"$it_dir/stricter.yaml"
script='mkdir -p /blocked; for d in a b c; do mkdir /blocked/$d; mkdir /tmp/$d; done; echo done'

echo "== monitor mode, recording"
it_start_daemon monitor "$it_dir/rules.yaml" "record: {enabled: true, path: $it_dir/events.jsonl}" || exit 1
b=$(it_bundle bundle-rec sh -c "$script")
it_inject "$b"
it_expect_in "the container ran (monitor mode blocks nothing)" "done" "$(it_run runc "vigil-rec-$$-1" "$b")"
for _ in $(seq 30); do grep -q '/tmp/c' "$it_dir/events.jsonl" 2>/dev/null && break; sleep 0.1; done
recorded=$(python3 -c 'import json,sys
names = {json.loads(l)["fields"].get("fd.name") for l in open(sys.argv[1])}
print(" ".join(sorted(n for n in names if n and n.count("/") == 2)))' "$it_dir/events.jsonl")
it_expect_eq "every evaluated mkdir was recorded, with its path" "$recorded" \
  "/blocked/a /blocked/b /blocked/c /tmp/a /tmp/b /tmp/c"
status=$("$VIGIL" status --json -c "$it_dir/vigil.yaml")
it_expect_in "status shows the recording" '"path": "'"$it_dir/events.jsonl"'"' "$status"

echo "== enforce mode, the same container"
it_start_daemon enforce "$it_dir/rules.yaml" || exit 1
b2=$(it_bundle bundle-enf sh -c "$script")
it_inject "$b2"
it_run runc "vigil-rec-$$-2" "$b2" >/dev/null
enforced=$(it_alerts "Block mkdir below /blocked" fd.name 3 | sort | tr '\n' ' ')
it_expect_eq "enforce mode blocked three mkdirs" "$enforced" "/blocked/a /blocked/b /blocked/c "

echo "== replay"
"$VIGIL" rules replay --json --events "$it_dir/events.jsonl" "$it_dir/rules.yaml" >"$it_dir/replay.json"
it_expect_eq "replay exits 0" "$?" "0"
replayed=$(python3 -c 'import json,sys; print(" ".join(sorted(b["event"].split("=",1)[1] for b in json.load(open(sys.argv[1]))["blocked"])) + " ")' "$it_dir/replay.json")
it_expect_eq "the replay's blocks are exactly the ones enforce mode applied" "$replayed" "$enforced"
it_expect_eq "and it decided nothing differently than the daemon" \
  "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["changed"]))' "$it_dir/replay.json")" "0"
"$VIGIL" rules replay --events "$it_dir/events.jsonl" "$it_dir/stricter.yaml" >"$it_dir/replay.txt"
cat "$it_dir/replay.txt"
it_expect_in "stricter rules: the /tmp mkdirs would now be blocked" "3 events decided differently" \
  "$(cat "$it_dir/replay.txt")"
it_expect_in "named with their path" "mkdir fd.name=/tmp/a: was none, now block" "$(cat "$it_dir/replay.txt")"

echo "== the recording as cases"
"$VIGIL" rules replay --events "$it_dir/events.jsonl" --cases "$it_dir/cases.yaml" "$it_dir/stricter.yaml" >/dev/null
"$VIGIL" rules test --cases "$it_dir/cases.yaml" "$it_dir/stricter.yaml" >"$it_dir/test.out" 2>&1
rc=$?
tail -1 "$it_dir/test.out"
it_expect_eq "rules test passes on the cases made from the recording" "$rc" "0"
"$VIGIL" rules test --cases "$it_dir/cases.yaml" "$it_dir/rules.yaml" >"$it_dir/test2.out" 2>&1
it_expect_eq "and fails them under the old rules, where /tmp is not blocked" "$?" "1"
it_expect_in "three cases fail" "3 failed" "$(tail -1 "$it_dir/test2.out")"

echo "== bad input"
printf '{"type":"mkdir","channel":"syscall","fields":{}}\nnot json\n' >"$it_dir/bad.jsonl"
"$VIGIL" rules replay --events "$it_dir/bad.jsonl" "$it_dir/rules.yaml" >/dev/null 2>"$it_dir/bad.err"
it_expect_eq "a broken line makes replay exit 1" "$?" "1"
it_expect_in "and is named" "bad.jsonl:2:1: error: not a recorded event" "$(cat "$it_dir/bad.err")"

[ "$it_failures" -eq 0 ] || exit 1
echo "PASS"
