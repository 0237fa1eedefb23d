#!/usr/bin/env bash
# A Falco user's pipeline (issue 13): a container's blocked calls reach an HTTPS receiver
# as Falco-shaped JSON POSTs and a program_output as lines; /healthz answers; /metrics is
# Prometheus text that Debian's real Prometheus server scrapes; a dead and a stuck
# receiver cost the container nothing and are counted; the keeper answers 503 while no
# engine runs, the engine 503 while the rules on disk are broken.
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
RECEIVER="$(realpath "$(dirname "$0")/http_receiver.py")"
source "$(dirname "$0")/lib.sh"
pids=()
stop_peers() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; pids=(); }
trap 'stop_peers; it_cleanup' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start_receiver() {  # PORT-FILE OUT ARGS...: sets receiver_pid
  rm -f "$1"
  python3 "$RECEIVER" "$@" &
  receiver_pid=$!
  pids+=("$receiver_pid")
  for _ in $(seq 50); do [ -s "$1" ] && return 0; sleep 0.1; done
  it_fail "the receiver did not start"
}
http_code() { curl -s -o "$it_dir/body" -w '%{http_code}' --max-time 5 "$1"; }
metric() {  # NAME-AND-LABELS-REGEX: the value of the first matching series
  curl -s --max-time 5 "http://127.0.0.1:$web_port/metrics" | grep -E "^$1 " | head -n 1 | awk '{print $NF}'
}
engine_pid() { "$VIGIL" status --json -c "$it_dir/vigil.yaml" | python3 -c 'import json,sys; print(json.load(sys.stdin)["engine"]["pid"])'; }

echo "== a TLS receiver with its own CA"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost" -keyout "$it_dir/key.pem" -out "$it_dir/cert.pem" 2>/dev/null
start_receiver "$it_dir/port" "$it_dir/posts.jsonl" --tls "$it_dir/cert.pem" "$it_dir/key.pem"
tls_port=$(cat "$it_dir/port")
web_port=$(free_port)

cat >"$it_dir/rules.yaml" <<'YAML'
- rule: Block mkdir below /blocked
  desc: the block whose alerts go everywhere
  condition: evt.type in (mkdir, mkdirat) and fd.name startswith /blocked/
  output: mkdir blocked (file=%fd.name)
  priority: WARNING
  tags: [filesystem, test]
  action: block
YAML
it_start_daemon enforce "$it_dir/rules.yaml" "
http_output:
  enabled: true
  url: https://localhost:$tls_port/falco
  ca_cert: $it_dir/cert.pem
  user_agent: vigil-outputs-test
program_output: {enabled: true, keep_alive: true, program: \"cat >> $it_dir/program.out\"}
webserver:
  enabled: true
  listen_address: 127.0.0.1
  listen_port: $web_port
  prometheus_metrics_enabled: true
" || exit 1
for _ in $(seq 50); do [ "$(http_code "http://127.0.0.1:$web_port/healthz")" = 200 ] && break; sleep 0.1; done

echo "== a container's blocked calls"
b=$(it_bundle bundle-out sh -c 'mkdir -p /blocked; for d in a b c; do mkdir /blocked/$d 2>&1; done; echo done')
it_inject "$b"
out=$(it_run runc "vigil-out-$$-1" "$b")
it_expect_eq "three mkdirs were blocked" "$(echo "$out" | grep -c 'not permitted')" "3"
it_alerts "Block mkdir below /blocked" fd.name 3 >/dev/null
for _ in $(seq 50); do [ "$(grep -c . "$it_dir/posts.jsonl" 2>/dev/null)" -ge 3 ] && break; sleep 0.1; done
python3 - "$it_dir/posts.jsonl" "$(hostname)" >"$it_dir/posts.txt" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    p = json.loads(line)
    a = json.loads(p["body"])
    print(p["path"], p["headers"].get("Content-Type"), p["headers"].get("User-Agent"),
          a["rule"] == "Block mkdir below /blocked", a["priority"], a["output_fields"]["fd.name"],
          a["hostname"] == sys.argv[2], sorted(a["tags"]), "time" in a and "output" in a)
PY
cat "$it_dir/posts.txt"
it_expect_eq "the HTTPS receiver got one Falco-shaped JSON POST per alert, with the hostname" \
  "$(sort "$it_dir/posts.txt" | tr '\n' '|')" \
  "$(for d in a b c; do echo "/falco application/json vigil-outputs-test True Warning /blocked/$d True ['filesystem', 'test'] True"; done | tr '\n' '|')"
for _ in $(seq 30); do [ "$(grep -c . "$it_dir/program.out" 2>/dev/null)" -ge 3 ] && break; sleep 0.1; done
it_expect_eq "the program_output got each alert as a line" \
  "$(python3 -c 'import json,sys; print(" ".join(sorted(json.loads(l)["output_fields"]["fd.name"] for l in open(sys.argv[1]))))' "$it_dir/program.out")" \
  "/blocked/a /blocked/b /blocked/c"

echo "== /healthz and /metrics"
it_expect_eq "/healthz answers 200" "$(http_code "http://127.0.0.1:$web_port/healthz")" "200"
it_expect_in "with the engine's state" '"status":"ok"' "$(cat "$it_dir/body")"
it_expect_eq "an unknown path is 404" "$(http_code "http://127.0.0.1:$web_port/nope")" "404"
it_expect_eq "the blocks are counted by rule, priority and action" \
  "$(metric 'vigil_alerts_total\{rule="Block mkdir below /blocked",priority="Warning",action="block"\}')" "3"
it_expect_eq "seccomp denials are counted" "$(metric 'vigil_answers_total\{channel="seccomp",answer="deny"\}')" "3"
it_expect_eq "every output wrote three" \
  "$(metric 'vigil_output_alerts_written_total\{output="http"\}') $(metric 'vigil_output_alerts_written_total\{output="program"\}')" "3 3"
curl -s "http://127.0.0.1:$web_port/metrics" >"$it_dir/metrics.txt"
it_expect_in "the latency histogram has its +Inf bucket" 'vigil_answer_latency_seconds_bucket{channel="seccomp",le="+Inf"}' "$(cat "$it_dir/metrics.txt")"

echo "== Debian's Prometheus scrapes it"
prom_port=$(free_port)
cat >"$it_dir/prometheus.yml" <<YAML
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: vigil
    static_configs: [{targets: ["127.0.0.1:$web_port"]}]
YAML
prometheus --config.file="$it_dir/prometheus.yml" --storage.tsdb.path="$it_dir/prom" \
  --web.listen-address="127.0.0.1:$prom_port" >"$it_dir/prometheus.log" 2>&1 &
pids+=($!)
query() { curl -s --max-time 5 "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1"; }
up="" series=""
for _ in $(seq 100); do
  up=$(query 'up{job="vigil"}' | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null)
  [ "$up" = 1 ] && break
  sleep 0.3
done
it_expect_eq "Prometheus reports the vigil target up" "$up" "1"
series=$(query 'vigil_alerts_total{rule="Block mkdir below /blocked",action="block"}' |
  python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null)
it_expect_eq "and has scraped vigil's alert series" "$series" "3"
health=$(curl -s "http://127.0.0.1:$prom_port/api/v1/targets" | python3 -c 'import json,sys; t=json.load(sys.stdin)["data"]["activeTargets"]; print(t[0]["health"], t[0]["lastError"] or "-")' 2>/dev/null)
it_expect_eq "with no scrape error (the text parses)" "$health" "up -"

echo "== a dead receiver, then a stuck one: the container is answered as fast"
timed_run() {  # ID: runs 100 blocked mkdirs, prints the milliseconds taken
  local b t0 t1
  b=$(it_bundle "bundle-$1" sh -c 'mkdir -p /blocked; i=0; while [ $i -lt 100 ]; do mkdir /blocked/x$i 2>/dev/null; i=$((i+1)); done; echo done')
  it_inject "$b"
  t0=$(date +%s%N)
  it_run runc "vigil-out-$$-$1" "$b" >/dev/null
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000))
}
before=$(timed_run base)
for _ in $(seq 100); do [ "$(metric 'vigil_output_alerts_written_total\{output="http"\}')" = 103 ] && break; sleep 0.1; done
it_expect_eq "the receiver got all 100 (the queue holds them while it is slow)" \
  "$(metric 'vigil_output_alerts_written_total\{output="http"\}')" "103"
kill "$receiver_pid"; wait "$receiver_pid" 2>/dev/null
dead=$(timed_run dead)
for _ in $(seq 50); do [ "$(metric 'vigil_output_alerts_dropped_total\{output="http",reason="failed"\}')" = 100 ] && break; sleep 0.1; done
it_expect_eq "with the receiver dead, its 100 alerts are counted as failed" \
  "$(metric 'vigil_output_alerts_dropped_total\{output="http",reason="failed"\}')" "100"
it_expect_eq "and the failure is alerted once to the other outputs" \
  "$(it_alerts "vigil: output failing" output 1 | grep -c 'the http output fails: connect to localhost')" "1"
it_expect_eq "the other outputs lost nothing" "$(metric 'vigil_output_alerts_dropped_total\{output="program",reason="failed"\}')" "0"
start_receiver "$it_dir/port2" "$it_dir/hang.jsonl" --hang
# The stuck receiver on the same URL: one more daemon config (a hand-over keeps the rest).
# Its queue now small, so that it fills while the sink waits out its 5 s deadlines.
sed -i "s|url: https://localhost:$tls_port/falco|url: https://localhost:$(cat "$it_dir/port2")/falco|" "$it_dir/vigil.yaml"
echo "outputs_queue: {capacity: 20}" >>"$it_dir/vigil.yaml"
"$VIGIL" daemon -c "$it_dir/vigil.yaml" 2>>"$it_dir/daemon.log" &
new_daemon=$!
for _ in $(seq 100); do grep -q "handed over; exiting" "$it_dir/daemon.log" && break; sleep 0.1; done
wait "$it_daemon_pid" 2>/dev/null
it_daemon_pid=$new_daemon
for _ in $(seq 50); do [ "$(http_code "http://127.0.0.1:$web_port/healthz")" = 200 ] && break; sleep 0.1; done
it_expect_eq "the webserver's socket moved with the hand-over" "$(http_code "http://127.0.0.1:$web_port/healthz")" "200"
stuck=$(timed_run stuck)
echo "100 blocked mkdirs: ${before} ms with the receiver up, ${dead} ms dead, ${stuck} ms stuck"
limit=$((before * 3 + 1500))
[ "$dead" -le "$limit" ] && [ "$stuck" -le "$limit" ] &&
  it_ok "a dead or stuck receiver delays no answer (limit ${limit} ms)" ||
  it_fail "answers slowed: ${before} ms before, ${dead} ms dead, ${stuck} ms stuck"
dropped=$(metric 'vigil_output_alerts_dropped_total\{output="http",reason="queue_full"\}')
[ "${dropped:-0}" -ge 70 ] && it_ok "the stuck receiver's full queue dropped ${dropped} alerts, counted" ||
  it_fail "the stuck receiver's queue should have dropped most of 100 alerts, dropped '${dropped}'"

echo "== health: broken rules, then no engine at all"
cp "$it_dir/rules.yaml" "$it_dir/rules.good"
echo "- rule: broken" >>"$it_dir/rules.yaml"
# No SIGHUP, no `vigil reload`: watch_config_files (on by default, as in Falco) sees the
# change, as it would see a ConfigMap's.
for _ in $(seq 50); do [ "$(http_code "http://127.0.0.1:$web_port/healthz")" = 503 ] && break; sleep 0.1; done
it_expect_in "a change of the rules file reloads them by itself" "the rules files changed: reloading" \
  "$(cat "$it_dir/daemon.log")"
it_expect_eq "rules that fail to reload make /healthz 503" "$(http_code "http://127.0.0.1:$web_port/healthz")" "503"
it_expect_in "and say why" '"status":"rules failed"' "$(cat "$it_dir/body")"
kill -9 "$(engine_pid)"
code="" body=""
for _ in $(seq 50); do
  code=$(http_code "http://127.0.0.1:$web_port/healthz")
  grep -q "no engine" "$it_dir/body" && break
  sleep 0.1
done
it_expect_eq "with no engine (the next cannot load the rules) the keeper answers 503" "$code" "503"
it_expect_in "saying so" "vigil: no engine" "$(cat "$it_dir/body")"
cp "$it_dir/rules.good" "$it_dir/rules.yaml"
for _ in $(seq 150); do [ "$(http_code "http://127.0.0.1:$web_port/healthz")" = 200 ] && break; sleep 0.1; done
it_expect_eq "fixed rules: the next engine serves and /healthz is 200 again" \
  "$(http_code "http://127.0.0.1:$web_port/healthz")" "200"

stop_peers
[ "$it_failures" -eq 0 ] && echo "outputs_test: all passed" || { echo "outputs_test: $it_failures failed"; exit 1; }
