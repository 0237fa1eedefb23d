# Shared helpers for container integration tests: a busybox bundle, a vigil daemon, and
# cleanup of everything they start (by the PID and names the test gave them).
# Expects: VIGIL (binary), PROBE (static test program).

it_dir=$(mktemp -d /tmp/vigil-it.XXXXXX)  # short: UNIX socket paths are limited to 108 bytes
it_daemon_pid=""
it_containers=()
it_mounts=()  # mounts a test made below $it_dir, unmounted before it is removed
it_failures=0

# it_stop_daemon: stops the test's daemon now. A daemon holding containers waits for a
# successor on the first SIGTERM (successor_wait_s); the second one stops it at once.
it_stop_daemon() {
  [ -n "$it_daemon_pid" ] || return 0
  kill "$it_daemon_pid" 2>/dev/null
  for _ in $(seq 5); do kill -0 "$it_daemon_pid" 2>/dev/null || break; sleep 0.1; done
  kill "$it_daemon_pid" 2>/dev/null
  wait "$it_daemon_pid" 2>/dev/null
  it_daemon_pid=""
}

it_cleanup() {
  for c in "${it_containers[@]}"; do
    runc delete -f "$c" >/dev/null 2>&1
    it_crun delete -f "$c" >/dev/null 2>&1
  done
  it_stop_daemon
  for m in "${it_mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
  # Under --config=asan a sanitizer report fails the test even where the daemon survived
  # it (the keeper restarts an engine that died; leaks are reported when the engine exits).
  local sanitizer=""
  [ -f "$it_dir/daemon.log" ] &&
    sanitizer=$(grep -E -A12 "ERROR: (Address|Leak)Sanitizer|runtime error:" "$it_dir/daemon.log")
  rm -rf "$it_dir"
  if [ -n "$sanitizer" ]; then
    echo "FAIL: a sanitizer reported in the daemon's log:"
    echo "$sanitizer" | head -60
    exit 1
  fi
}
trap it_cleanup EXIT

# it_start_containerd: a containerd of the test's own (root, state and socket in $it_dir,
# no CRI plugin), for ctr at $it_dir/c.sock; it_stop_containerd kills its containers and
# stops it (the tests that start one call it from their EXIT trap).
it_containerd_pid=""
it_start_containerd() {
  cat >"$it_dir/containerd.toml" <<TOML
version = 2
root = "$it_dir/croot"
state = "$it_dir/cstate"
[grpc]
  address = "$it_dir/c.sock"
[plugins."io.containerd.grpc.v1.cri"]
  disable = true
TOML
  containerd --config "$it_dir/containerd.toml" >"$it_dir/containerd.log" 2>&1 &
  it_containerd_pid=$!
  for _ in $(seq 100); do ctr --address "$it_dir/c.sock" version >/dev/null 2>&1 && return 0; sleep 0.1; done
  it_fail "containerd did not start"; tail -5 "$it_dir/containerd.log"
  return 1
}
it_stop_containerd() {
  [ -n "$it_containerd_pid" ] || return 0
  for id in $(ctr --address "$it_dir/c.sock" containers ls -q 2>/dev/null); do
    ctr --address "$it_dir/c.sock" tasks kill -s KILL "$id" >/dev/null 2>&1
    ctr --address "$it_dir/c.sock" containers rm "$id" >/dev/null 2>&1
  done
  kill "$it_containerd_pid" 2>/dev/null
  wait "$it_containerd_pid" 2>/dev/null
  it_containerd_pid=""
  grep -o " $it_dir/c[a-z]*/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  umount -R "$it_dir/croot" 2>/dev/null
}

# crun needs a private mount namespace without the cgroup v2 mount on this hybrid host.
it_crun() {
  unshare -m --propagation private sh -c \
    'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun "$@"' crun "$@"
}

it_fail() {
  echo "FAIL: $*"
  it_failures=$((it_failures + 1))
}
it_ok() { echo "ok   $*"; }

# it_bundle NAME ARGS...: a bundle whose process runs ARGS (JSON array items, quoted).
it_bundle() {
  local b="$it_dir/$1"
  shift
  mkdir -p "$b/rootfs"/{bin,tmp,etc,proc,dev,sys,usr/bin}
  cp /bin/busybox "$b/rootfs/bin/"
  for a in sh mkdir rmdir cat echo ls sleep; do ln -sf busybox "$b/rootfs/bin/$a"; done
  cp "$PROBE" "$b/rootfs/usr/bin/probe"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$b/rootfs/etc/passwd"
  echo 'root:x:0:' >"$b/rootfs/etc/group"
  (cd "$b" && runc spec)
  python3 - "$b/config.json" "$@" <<'PY'
import json, sys
path, args = sys.argv[1], sys.argv[2:]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = args
c["root"]["readonly"] = False
json.dump(c, open(path, "w"), indent=1)
PY
  echo "$b"
}

# it_capture_runtime NAME: an OCI runtime, $it_dir/capture-NAME, that saves the config.json
# it is handed to $it_dir/NAME.json and then runs runc (containerd and Podman do not pass
# their caller's environment to the runtime): the config a real runtime front end makes.
it_capture_runtime() {
  cat >"$it_dir/capture-$1" <<SH
#!/bin/sh
prev=""
for a in "\$@"; do
  if [ "\$prev" = "--bundle" ] || [ "\$prev" = "-b" ]; then cp "\$a/config.json" "$it_dir/$1.json"; fi
  prev="\$a"
done
exec runc "\$@"
SH
  chmod +x "$it_dir/capture-$1"
}

# it_podman_seccomp_profile OUT: the seccomp profile Podman really gives its containers on
# this machine (from the bundle it hands the runtime), written to OUT; 1 if it cannot.
it_podman_seccomp_profile() {
  local root
  it_capture_runtime podman
  root=$(it_bundle b-capture-podman true)/rootfs
  timeout 120 podman --runtime "$it_dir/capture-podman" run --rm --name "vigil-it-$$-capture" \
    --network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 \
    --rootfs "$root" /bin/sh -c true >/dev/null 2>&1
  python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["linux"]["seccomp"], open(sys.argv[2], "w"))' \
    "$it_dir/podman.json" "$1" 2>/dev/null
}

# it_write_config MODE RULES [EXTRA-CONFIG-LINES]: the test's config, $it_dir/vigil.yaml
# (its sockets and alert file in $it_dir), and an empty alert file.
it_write_config() {
  local mode="$1" rules="$2" extra="${3:-}"
  cat >"$it_dir/vigil.yaml" <<YAML
rules_files: [$rules]
mode: $mode
rule_matching: all
stdout_output: {enabled: false}
syslog_output: {enabled: false}
file_output: {enabled: true, filename: $it_dir/alerts.json}
listener_socket: $it_dir/seccomp.sock
control_socket: $it_dir/control.sock
on_daemon_unavailable: deny
$extra
YAML
  : >"$it_dir/alerts.json"
}

# it_start_daemon MODE RULES_FILE [EXTRA-CONFIG-LINES]: writes a config and starts the daemon.
it_start_daemon() {
  it_stop_daemon
  it_write_config "$@"
  rm -f "$it_dir/seccomp.sock" "$it_dir/control.sock"  # a stopped daemon's: not a sign of this one
  "$VIGIL" daemon -c "$it_dir/vigil.yaml" 2>>"$it_dir/daemon.log" &
  it_daemon_pid=$!
  for _ in $(seq 50); do
    [ -S "$it_dir/seccomp.sock" ] && [ -S "$it_dir/control.sock" ] && return 0
    sleep 0.1
  done
  it_fail "daemon did not start"; cat "$it_dir/daemon.log"
  return 1
}

# The restart tests' workload: $it_dir/rules.yaml makes every execve a notification and
# blocks mkdir below /blocked; it_loop_bundle NAME [TAIL] is a container that loops on
# both until /tmp/enough exists, prints "rounds=N blocked=N bad=N", then runs TAIL.
it_loop_rules() {
  cat >"$it_dir/rules.yaml" <<'YAML'
- rule: Exec of forbidden
  desc: makes every execve a seccomp notification
  condition: evt.type = execve and evt.arg.filename = /forbidden
  output: forbidden exec (file=%evt.arg.filename)
  priority: WARNING
  action: block
- rule: Block mkdir below /blocked
  desc: the block that must hold across the restart
  condition: evt.type in (mkdir, mkdirat) and fd.name startswith /blocked/
  output: mkdir blocked (file=%fd.name)
  priority: WARNING
  action: block
YAML
}
it_loop_bundle() {  # NAME [TAIL]
  it_bundle "$1" sh -c 'i=0; bad=0; blocked=0; touch /tmp/running
while [ ! -e /tmp/enough ]; do
  /usr/bin/probe x >/dev/null 2>/tmp/err || { bad=$((bad+1)); cat /tmp/err; }
  if mkdir /blocked/d$i 2>/tmp/err; then bad=$((bad+1)); echo "mkdir d$i was allowed"
  elif grep -q "not permitted" /tmp/err; then blocked=$((blocked+1))
  else bad=$((bad+1)); cat /tmp/err; fi
  i=$((i+1))
done
echo rounds=$i blocked=$blocked bad=$bad
'"${2:-}"
}
# it_loop_check OUTPUT-FILE WHAT: the loop's line in the container's output: no failed
# call, every mkdir blocked, enough rounds, one alert per blocked mkdir. Sets it_rounds.
it_loop_check() {
  local out
  for _ in $(seq 100); do grep -q rounds= "$1" && break; sleep 0.1; done
  out=$(grep rounds= "$1")
  echo "$out"
  it_rounds=$(echo "$out" | sed -n 's/.*rounds=\([0-9]*\).*/\1/p')
  it_expect_eq "no failed call across $2 (no ENOSYS, no error)" \
    "$(echo "$out" | sed -n 's/.*bad=\([0-9]*\).*/\1/p')" "0"
  it_expect_eq "every mkdir was blocked" "$(echo "$out" | sed -n 's/.*blocked=\([0-9]*\).*/\1/p')" \
    "$it_rounds"
  [ "${it_rounds:-0}" -gt 20 ] && it_ok "the loop ran $it_rounds rounds across $2" ||
    it_fail "the loop ran only ${it_rounds:-0} rounds"
  it_expect_eq "one alert per blocked mkdir, none lost" \
    "$(it_alerts "Block mkdir below /blocked" fd.name "$it_rounds" | sort -u | grep -c '^/blocked/d')" \
    "$it_rounds"
}

# it_run RUNTIME ID BUNDLE: runs the container in the foreground (runc or crun; crun
# through DESIGN.md's private-mount-namespace workaround for hybrid cgroups), registers
# it for cleanup, and prints its output.
it_run() {
  local rt="$1" id="$2" b="$3"
  it_containers+=("$id")
  if [ "$rt" = crun ]; then
    timeout 30 unshare -m --propagation private sh -c \
      'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun run -b "$1" "$2"' sh "$b" "$id" 2>&1
  else
    timeout 30 runc run -b "$b" "$id" 2>&1
  fi
}

# it_inject BUNDLE: runs vigil's precreate hook over the bundle's config.json.
it_inject() {  # BUNDLE: in the bundle, where runc (and the hook) take root.path from
  (cd "$1" && "$VIGIL" hook precreate -c "$it_dir/vigil.yaml" <config.json >config.json.new) &&
    mv "$1/config.json.new" "$1/config.json"
}

# it_alerts RULE FIELD COUNT: the FIELD (output field, or top-level key) of every alert of
# RULE, one per line, once there are at least COUNT of them; waits up to 3 s for the output
# thread, then prints what there is.
it_alerts() {
  local rule="$1" field="$2" count="$3" v
  for _ in $(seq 30); do
    v=$(python3 - "$it_dir/alerts.json" "$rule" "$field" <<'PY'
import json, sys
path, rule, field = sys.argv[1:]
for line in open(path):
    a = json.loads(line)
    if a["rule"] == rule:
        v = a["output_fields"].get(field, a.get(field))
        print(v.get("id") if isinstance(v, dict) else v)
PY
)
    [ "$(printf '%s' "$v" | grep -c .)" -ge "$count" ] && break
    sleep 0.1
  done
  [ -n "$v" ] && printf '%s\n' "$v"
}

# it_alert RULE FIELD: the FIELD of the first alert of RULE (fails if there is none).
it_alert() {
  local v
  v=$(it_alerts "$1" "$2" 1) || return 1
  printf '%s\n' "$v" | head -n 1
}

# it_alert_last RULE FIELD: the FIELD of the most recent alert of RULE.
it_alert_last() {
  local v
  v=$(it_alerts "$1" "$2" 1) || return 1
  printf '%s\n' "$v" | tail -n 1
}

it_expect_eq() {  # NAME GOT WANT
  if [ "$2" = "$3" ]; then it_ok "$1"; else it_fail "$1: got '$2', want '$3'"; fi
}
it_expect_in() {  # NAME NEEDLE HAYSTACK
  case "$3" in *"$2"*) it_ok "$1" ;; *) it_fail "$1: '$2' not in: $3" ;; esac
}
