#!/usr/bin/env bash
# The vigil command as a user runs it: exit codes, text and JSON reports, help.
set -uo pipefail
vigil="$1"
falco="$2"
failures=0
check() {  # check NAME EXPECTED_RC CMD...
  local name="$1" want="$2"
  shift 2
  "$@" >"$TEST_TMPDIR/out" 2>"$TEST_TMPDIR/err"
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $name: exit $rc, want $want"
    cat "$TEST_TMPDIR/out" "$TEST_TMPDIR/err"
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}
expect_in() {  # expect_in NAME TEXT FILE
  if ! grep -qF -- "$2" "$3"; then
    echo "FAIL $1: '$2' not in output"
    cat "$3"
    failures=$((failures + 1))
  fi
}

check "validate default rules" 0 "$vigil" rules validate rules/
expect_in "default rules compiled" "30 compiled, 0 unsupported, 0 disabled, 0 with errors" "$TEST_TMPDIR/out"
expect_in "soundness shown" "[block, sound, Critical]" "$TEST_TMPDIR/out"

check "validate falco rules" 0 "$vigil" rules validate "$falco"
expect_in "falco counts" "25 rules: 25 compiled, 0 unsupported" "$TEST_TMPDIR/out"

check "validate broken file exits 1" 1 "$vigil" rules validate tests/golden/unknown_macro.yaml
expect_in "error position" "tests/golden/unknown_macro.yaml:8:9: error: undefined macro 'shell_procs'" "$TEST_TMPDIR/out"

check "validate several files, errors from each" 1 "$vigil" rules validate rules/ tests/golden/bad_operator.yaml tests/golden/non_utf8.yaml
expect_in "first file ok" "rules/vigil_rules.yaml: 39 items" "$TEST_TMPDIR/out"
expect_in "second file" "bad_operator.yaml:3:44: error" "$TEST_TMPDIR/out"
expect_in "third file" "non_utf8.yaml:2:12: error: file is not valid UTF-8" "$TEST_TMPDIR/out"

check "missing file exits 1" 1 "$vigil" rules validate /nonexistent/rules.yaml
expect_in "missing file message" "/nonexistent/rules.yaml: error: cannot open" "$TEST_TMPDIR/out"

check "json report" 0 "$vigil" rules validate --json "$falco"
python3 - "$TEST_TMPDIR/out" <<'PY' || failures=$((failures + 1))
import json, sys
j = json.load(open(sys.argv[1]))
f = j["files"][0]
assert f["errors"] == [], f["errors"]
rules = {r["name"]: r for r in f["rules"]}
assert len(rules) == 25
for r in rules.values():
    assert r["status"] in ("compiled", "unsupported", "disabled", "error")
    for k in ("name", "status", "reason", "syscalls", "fanotify", "action", "sound"):
        assert k in r, (k, r)
p = rules["PTRACE attached to process"]
assert p["syscalls"] == ["ptrace"] and p["action"] == "alert" and p["sound"] is None, p
assert rules["Contact K8S API Server From Container"]["status"] == "compiled"
assert rules["Drop and execute new binary in container"]["fanotify"] == ["FAN_OPEN_EXEC_PERM"]
print("ok   json shape")
PY

check "json errors carry line and col" 1 "$vigil" rules validate --json tests/golden/unterminated_string.yaml
python3 - "$TEST_TMPDIR/out" <<'PY' || failures=$((failures + 1))
import json, sys
e = json.load(open(sys.argv[1]))["files"][0]["errors"]
assert e == [{"line": 3, "col": 58, "message": "unterminated quoted string"}], e
print("ok   json error position")
PY

check "list with config" 0 "$vigil" rules list -c etc/vigil.yaml
expect_in "list shows rules in force" "compiled    Kernel module load in container" "$TEST_TMPDIR/out"
check "list json" 0 "$vigil" rules list --json -c etc/vigil.yaml
python3 -c "import json,sys; j=json.load(open('$TEST_TMPDIR/out')); assert len(j['rules'])==30, j['rules']; print('ok   list json')" || failures=$((failures + 1))

# Falco's priority and rules: selectors leave rules out; a block rule left out is listed as
# not enforced, in text and JSON, never silently dropped.
printf 'rules_files: [%s/rules]\npriority: warning\nrules:\n  - disable: {rule: "Mount*"}\n' "$PWD" >"$TEST_TMPDIR/selected.yaml"
check "list with priority and selectors" 0 "$vigil" rules list -c "$TEST_TMPDIR/selected.yaml"
expect_in "a notice block rule below priority: warning" "left out    Packet socket in container  [block, sound, Notice]" "$TEST_TMPDIR/out"
expect_in "says why and that it is not enforced" "-- priority Notice is below the config's priority: Warning  -- NOT ENFORCED: this block rule is left out by the config" "$TEST_TMPDIR/out"
expect_in "a rule a selector disables" "-- the config's rules: disable by rule name  -- NOT ENFORCED" "$TEST_TMPDIR/out"
expect_in "the rest compile" "28 compiled, 0 unsupported, 2 disabled" "$TEST_TMPDIR/out"
check "list json with selectors" 0 "$vigil" rules list --json -c "$TEST_TMPDIR/selected.yaml"
python3 -c "import json; j=json.load(open('$TEST_TMPDIR/out')); names=sorted(r['name'] for r in j['left_out_by_config']); assert names==['Mount in container','Packet socket in container'], names; print('ok   list json left out')" || failures=$((failures + 1))

printf 'rules_files: [x]\nmode: sometimes\n' > "$TEST_TMPDIR/bad.yaml"
check "bad config exits 1" 1 "$vigil" rules list -c "$TEST_TMPDIR/bad.yaml"
expect_in "config error position" "bad.yaml:2:7: error: 'mode' must be enforce or monitor" "$TEST_TMPDIR/err"
check "missing config exits 1" 1 "$vigil" rules list -c /nonexistent.yaml

# Rules as code: the default rules' own cases, every rule both ways.
check "rules test on the default rules" 0 "$vigil" rules test --cases rules/tests/vigil_rules_tests.yaml rules/
expect_in "all cases pass" " passed, 0 failed" "$TEST_TMPDIR/out"
"$vigil" rules validate --json rules/ >"$TEST_TMPDIR/rules.json"
"$vigil" rules test --json --cases rules/tests/vigil_rules_tests.yaml rules/ >"$TEST_TMPDIR/cases.json"
python3 - "$TEST_TMPDIR/rules.json" "$TEST_TMPDIR/cases.json" <<'PY' || failures=$((failures + 1))
import json, sys
rules = [r for f in json.load(open(sys.argv[1]))["files"] for r in f["rules"]]
cases = json.load(open(sys.argv[2]))["cases"]
missing = []
for r in rules:
    name = r["name"]
    fired = [c for c in cases if name in c["rules"]]
    quiet = [c for c in cases if name not in c["rules"]
             and any(c["event_type"] == f["event_type"] for f in fired)]
    if not fired or not quiet:
        missing.append("%s (firing %d, quiet %d)" % (name, len(fired), len(quiet)))
if missing:
    print("FAIL rules without a firing and a quiet case: " + "; ".join(missing))
    sys.exit(1)
print("ok   every default rule has a firing and a quiet case (%d rules, %d cases)" % (len(rules), len(cases)))
PY
cat >"$TEST_TMPDIR/wrong.yaml" <<'YAML'
- case: a mount expected to be quiet
  event: {evt.type: mount, container.id: 0123456789ab}
  expect: {rules: [], action: none}
- case: a field with a typo
  event: {evt.type: mount, proc.nmae: x}
  expect: {rules: []}
YAML
check "a wrong expectation fails" 1 "$vigil" rules test --cases "$TEST_TMPDIR/wrong.yaml" rules/
expect_in "it names the case, the expected and the actual rules" \
  "a mount expected to be quiet" "$TEST_TMPDIR/out"
expect_in "expected and fired" "expected rules [], fired [Mount in container]; expected action none, got block" \
  "$TEST_TMPDIR/out"
expect_in "an unknown field is an error with its place" "wrong.yaml:5:28: error: unknown field 'proc.nmae'" \
  "$TEST_TMPDIR/err"
check "the same tool on Falco's stable rules" 0 "$vigil" rules test \
  --cases tests/rules/falco_stable_cases.yaml "$falco"
expect_in "Falco's cases pass" " passed, 0 failed" "$TEST_TMPDIR/out"

# The command line (CLI11): help on stdout with exit 0 on every command, usage errors on
# stderr with exit 2 and nothing on stdout, --config=PATH and -c PATH alike.
empty() {  # empty NAME FILE
  if [ -s "$2" ]; then
    echo "FAIL $1: expected nothing, got:"
    cat "$2"
    failures=$((failures + 1))
  fi
}
check "help" 0 "$vigil" --help
expect_in "help lists the rules command" "rules                 validate, list, test and replay rules" "$TEST_TMPDIR/out"
expect_in "help lists the exit statuses" "2  the command line is wrong" "$TEST_TMPDIR/out"
empty "help writes nothing to stderr" "$TEST_TMPDIR/err"
for cmd in "daemon" "hook" "hook precreate" "hook createRuntime" "hook poststop" "status" \
  "reload" "upgrade" "runtime" "rules" "rules validate" "rules list" "rules test" \
  "rules replay" "install" "uninstall" "version" "help"; do
  # shellcheck disable=SC2086 # a command of several words
  check "$cmd --help" 0 "$vigil" $cmd --help
  expect_in "$cmd --help shows its usage" "usage: vigil $cmd" "$TEST_TMPDIR/out"
done
check "rules validate --help says what it does" 0 "$vigil" rules validate --help
expect_in "its usage" "usage: vigil rules validate [OPTIONS] PATH..." "$TEST_TMPDIR/out"
expect_in "its prose" "Exits 1 if there is any error" "$TEST_TMPDIR/out"
check "no command" 2 "$vigil"
empty "no command: nothing on stdout" "$TEST_TMPDIR/out"
check "unknown command" 2 "$vigil" frobnicate
expect_in "it names it" "vigil: unknown command 'frobnicate'" "$TEST_TMPDIR/err"
empty "unknown command: nothing on stdout" "$TEST_TMPDIR/out"
check "unknown rules subcommand" 2 "$vigil" rules frobnicate
expect_in "it names it" "vigil rules: unknown command 'frobnicate'" "$TEST_TMPDIR/err"
check "validate without paths" 2 "$vigil" rules validate
expect_in "says what is missing and where the help is" "(see 'vigil rules validate --help')" "$TEST_TMPDIR/err"
check "unknown option" 2 "$vigil" rules validate --frob rules/
expect_in "it names the option" "--frob" "$TEST_TMPDIR/err"
empty "unknown option: nothing on stdout" "$TEST_TMPDIR/out"
check "-c with no value" 2 "$vigil" rules list -c
expect_in "says -c/--config needs a value" "--config: 1 required PATH missing" "$TEST_TMPDIR/err"
check "list with --config=PATH" 0 "$vigil" rules list --config=etc/vigil.yaml
expect_in "the same rules as -c PATH" "compiled    Kernel module load in container" "$TEST_TMPDIR/out"
check "a value outside its set" 2 "$vigil" daemon --after-handover later
expect_in "names the allowed values" "{exit,wait}" "$TEST_TMPDIR/err"
check "install: an unknown runtime is a usage error" 2 "$vigil" install --runtime rkt --dry-run
expect_in "names the runtimes" "docker,containerd,podman,crio,cri" "$TEST_TMPDIR/err"
check "rules test without cases" 2 "$vigil" rules test rules/
printf 'rules_files: [%s/rules]\ncontrol_socket: %s/nobody.sock\n' "$PWD" "$TEST_TMPDIR" >"$TEST_TMPDIR/down.yaml"
check "status with the daemon down" 1 "$vigil" status -c "$TEST_TMPDIR/down.yaml"
expect_in "says so on stderr" "vigil status:" "$TEST_TMPDIR/err"
check "version" 0 "$vigil" version
expect_in "version" "vigil 0.1.0 (Falco rules engine format" "$TEST_TMPDIR/out"
check "--version" 0 "$vigil" --version
expect_in "--version" "vigil 0.1.0 (Falco rules engine format" "$TEST_TMPDIR/out"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all CLI checks passed"
