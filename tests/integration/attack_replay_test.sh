#!/usr/bin/env bash
# Record and replay against the attack suite (issue 14): the default rules' attacker moves
# (attack_moves.sh) run once in monitor mode with the recording on, once in enforce mode.
# `vigil rules replay` of the monitor recording against the default rules must report, for
# every move, exactly the rules whose blocks enforce mode really applied to that move.
#
# Compared per move as sets of rules: in monitor mode the first blocked call goes through,
# so what follows it in the same container may differ (a second denied open of a file the
# first one created); which rules block a move may not.
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

python3 - "$it_dir/alerts.json" "$it_dir/replay.json" "${attack_move_names[@]}" >"$it_dir/compare.txt" <<'PY'
import json, sys
alerts, replay, names = sys.argv[1], sys.argv[2], sys.argv[3:]
def move(cid):  # r<m|e><NN><pid>
    return names[int(cid[2:4])] if len(cid) >= 4 and cid[2:4].isdigit() else None
enforced = {n: set() for n in names}
for line in open(alerts):
    a = json.loads(line)
    cid = a["container"]["id"]
    if cid.startswith("re") and a["action"] in ("block", "kill") and move(cid):
        enforced[move(cid)].add(a["rule"])
replayed = {n: set() for n in names}
for b in json.load(open(replay))["blocked"]:
    cid = b["container"]
    if cid.startswith("rm") and move(cid):
        replayed[move(cid)].update(b["rules"])
for n in names:
    print(n, "enforced:", ",".join(sorted(enforced[n])) or "-",
          "replayed:", ",".join(sorted(replayed[n])) or "-",
          "SAME" if enforced[n] == replayed[n] else "DIFFERENT")
PY
cat "$it_dir/compare.txt"
it_expect_eq "every move: the replay blocks with exactly the rules enforce mode blocked with" \
  "$(grep -c DIFFERENT "$it_dir/compare.txt")" "0"
it_expect_eq "and the suite's blocks are all there (moves enforce mode blocked)" \
  "$(grep -vc 'enforced: -' "$it_dir/compare.txt")" "10"

[ "$it_failures" -eq 0 ] || exit 1
echo "attack_replay_test: all passed"
