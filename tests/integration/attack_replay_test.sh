#!/usr/bin/env bash
# Record and replay against the attack suite (issue 14): the default rules' attacker moves
# (attack_moves.sh) run once in monitor mode with the recording on, once in enforce mode.
# `vigil rules replay` of the monitor recording against the default rules must report, for
# every move, exactly the rules whose blocks enforce mode really applied to that move.
#
# Compared per move: the first block must be the same rule, and every rule enforce mode
# blocked with must be in the replay. After its first block a move diverges: in monitor
# mode the blocked call went through, so later calls can meet rules they never meet under
# enforce mode (the write move's /etc/passwd, written in monitor mode, is then a planted
# file when it is read). Such extra rules are listed, and allowed only after the first.
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
RULES="$(realpath "$3")"
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/attack_moves.sh"

# Container ids: 12 characters at most, so that alerts' container.id is the whole id.
cid() { printf 'r%s%02d%05d' "$1" "$2" "$(($$ % 100000))"; }

echo "== monitor mode, recording"
it_start_daemon monitor "$RULES" "record: {enabled: true, path: $it_dir/events.jsonl}" || exit 1
i=0
for m in "${attack_move_names[@]}"; do
  attack "$m" "${attack_moves[$m]}" "$(cid m $i)" >/dev/null
  i=$((i + 1))
done
it_stop_daemon  # the recording's queue is written before the daemon exits

echo "== enforce mode"
it_start_daemon enforce "$RULES" || exit 1
i=0
for m in "${attack_move_names[@]}"; do
  attack "$m" "${attack_moves[$m]}" "$(cid e $i)" >/dev/null
  i=$((i + 1))
done
sleep 1  # the alert thread
it_stop_daemon

echo "== replay of the monitor recording against the same rules, in enforce mode"
"$VIGIL" rules replay --json --events "$it_dir/events.jsonl" "$RULES" >"$it_dir/replay.json"
it_expect_eq "replay exits 0" "$?" "0"

# The rules that block: a blocked event's replay lists every rule that matched it, alert
# rules too; enforce mode's blocks are the block rules' alerts.
"$VIGIL" rules validate --json "$RULES" >"$it_dir/rules.json"
python3 - "$it_dir/alerts.json" "$it_dir/replay.json" "$it_dir/rules.json" "${attack_move_names[@]}" >"$it_dir/compare.txt" <<'PY'
import json, sys
alerts, replay, rules_json, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
blocking = {r["name"] for f in json.load(open(rules_json))["files"] for r in f["rules"]
            if r["action"] in ("block", "kill")}
def move(cid):  # r<m|e><NN><pid>
    return names[int(cid[2:4])] if len(cid) >= 4 and cid[2:4].isdigit() else None
enforced = {n: [] for n in names}  # each block's rule, in order
for line in open(alerts):
    a = json.loads(line)
    cid = a["container"]["id"]
    if cid.startswith("re") and a["action"] in ("block", "kill") and move(cid):
        enforced[move(cid)].append([a["rule"]])
replayed = {n: [] for n in names}  # each blocked event's rules, in recorded order
for b in json.load(open(replay))["blocked"]:
    cid = b["container"]
    if cid.startswith("rm") and move(cid):
        replayed[move(cid)].append(sorted(r for r in b["rules"] if r in blocking))
for n in names:
    e = set(r for rs in enforced[n] for r in rs)
    r = set(x for rs in replayed[n] for x in rs)
    first_same = (enforced[n][:1] == [] and replayed[n][:1] == []) or (
        enforced[n][:1] and replayed[n][:1] and enforced[n][0][0] in replayed[n][0])
    extra = r - e
    extra_late = all(x not in replayed[n][0] for x in extra) if replayed[n] else not extra
    verdict = "SAME" if first_same and e <= r and extra_late else "DIFFERENT"
    print(n, "enforced:", ",".join(sorted(e)) or "-", "replayed:", ",".join(sorted(r)) or "-",
          ("after the first block, in monitor mode only: " + ",".join(sorted(extra))) if extra else "",
          verdict)
PY
cat "$it_dir/compare.txt"
it_expect_eq "every move: the replay's first block and all of enforce mode's blocks match" \
  "$(grep -c DIFFERENT "$it_dir/compare.txt")" "0"
it_expect_eq "and the suite's blocks are all there (moves enforce mode blocked)" \
  "$(grep -vc 'enforced: -' "$it_dir/compare.txt")" "15"

[ "$it_failures" -eq 0 ] || exit 1
echo "attack_replay_test: all passed"
