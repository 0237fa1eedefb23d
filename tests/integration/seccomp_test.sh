#!/usr/bin/env bash
# The seccomp path end to end, with real runc and crun: vigil's precreate hook injects the
# rules' syscalls, the runtime hands the notify fd to the daemon, and the container sees
# the verdict. Runs as root (CI does).
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
HOSTILE="$(realpath "$3")"
FALCO_RULES="$(realpath "$4")"
source "$(dirname "$0")/lib.sh"

cat >"$it_dir/rules.yaml" <<'YAML'
- rule: Block mkdir below /tmp/blocked
  desc: test rule
  condition: evt.type in (mkdir, mkdirat) and fd.name startswith /tmp/blocked/
  output: mkdir blocked (path=%fd.name proc=%proc.name user=%user.name uid=%user.uid container=%container.id)
  priority: WARNING
  action: block
- rule: Block mkdir of a path ending in /pathmax-end
  desc: test rule (the hostile process's PATH_MAX paths)
  condition: evt.type in (mkdir, mkdirat) and fd.name endswith /pathmax-end
  output: long path blocked (path=%fd.name)
  priority: WARNING
  action: block
- rule: Alert on mkdir below /tmp/seen
  desc: test rule
  condition: evt.type in (mkdir, mkdirat) and fd.name startswith /tmp/seen/
  output: mkdir seen (path=%fd.name proc=%proc.name)
  priority: NOTICE
- rule: Kill on ptrace
  desc: test rule
  condition: evt.type = ptrace and evt.arg.request = PTRACE_TRACEME
  output: ptrace (request=%evt.arg.request proc=%proc.name)
  priority: CRITICAL
  action: kill
- rule: Fileless execution
  desc: test rule
  condition: evt.type in (execve, execveat) and proc.is_exe_from_memfd = true
  output: fileless (exepath=%proc.exepath args=%proc.args)
  priority: CRITICAL
- rule: Unprivileged container mkdir
  desc: test rule
  condition: evt.type in (mkdir, mkdirat) and container.privileged = false and fd.name = /tmp/seen/b
  output: mkdir in an unprivileged container (privileged=%container.privileged)
  priority: INFO
- rule: Probe executed
  desc: test rule
  condition: evt.type = execve and proc.name = probe
  output: probe started (name=%proc.name args=%proc.args exe=%proc.exe exepath=%proc.exepath parent=%proc.pname)
  priority: INFO
YAML

script='mkdir -p /tmp/blocked /tmp/seen; mkdir /tmp/blocked/a; echo blocked-rc=$?;
cd /tmp && mkdir seen/b; echo seen-rc=$?; /usr/bin/probe hello world; /usr/bin/probe memfd-exec; echo done'

for rt in runc crun; do
  echo "== $rt, enforce"
  it_start_daemon enforce "$it_dir/rules.yaml" || exit 1
  b=$(it_bundle "bundle-$rt" sh -c "$script")
  it_inject "$b" || it_fail "$rt: precreate hook failed"
  out=$(it_run "$rt" "vigil-it-$$-$rt-1" "$b")
  it_expect_in "$rt: blocked mkdir returns EPERM" "blocked-rc=1" "$out"
  it_expect_in "$rt: the container saw Operation not permitted" "Operation not permitted" "$out"
  it_expect_in "$rt: alert-only mkdir succeeds" "seen-rc=0" "$out"
  it_expect_in "$rt: real binary ran" "probe: hello world" "$out"
  it_expect_eq "$rt: alert names the path" "$(it_alert 'Block mkdir below /tmp/blocked' fd.name)" "/tmp/blocked/a"
  it_expect_eq "$rt: alert names the process" "$(it_alert 'Block mkdir below /tmp/blocked' proc.name)" "mkdir"
  it_expect_eq "$rt: alert names the container" "$(it_alert 'Block mkdir below /tmp/blocked' container.id)" "$(echo "vigil-it-$$-$rt-1" | cut -c1-12)"
  it_expect_eq "$rt: alert priority" "$(it_alert 'Block mkdir below /tmp/blocked' priority)" "Warning"
  it_expect_eq "$rt: alert action" "$(it_alert 'Block mkdir below /tmp/blocked' action)" "block"
  it_expect_eq "$rt: user resolved in the container" "$(it_alert 'Block mkdir below /tmp/blocked' user.name)" "root"
  it_expect_eq "$rt: relative path resolved against the cwd" "$(it_alert 'Alert on mkdir below /tmp/seen' fd.name)" "/tmp/seen/b"
  it_expect_eq "$rt: alert-only action" "$(it_alert 'Alert on mkdir below /tmp/seen' action)" "alert"
  it_expect_eq "$rt: execve names the new program" "$(it_alert 'Probe executed' proc.name)" "probe"
  it_expect_eq "$rt: execve carries its args" "$(it_alert 'Probe executed' proc.args)" "hello world"
  it_expect_eq "$rt: execve exepath" "$(it_alert 'Probe executed' proc.exepath)" "/usr/bin/probe"
  it_expect_eq "$rt: execve parent" "$(it_alert 'Probe executed' proc.pname)" "sh"
  it_expect_in "$rt: the fileless program ran" "probe: from-memfd" "$out"
  it_expect_eq "$rt: execveat of a memfd is fileless" "$(it_alert 'Fileless execution' proc.args)" "from-memfd"
  it_expect_eq "$rt: container.privileged from the bundle" "$(it_alert 'Unprivileged container mkdir' container.privileged)" "false"

  it_expect_in "$rt: createRuntime hook registered the container" "registered by its createRuntime hook" "$(cat "$it_dir/daemon.log")"
  for _ in $(seq 30); do grep -q "stopped (its first process exited)" "$it_dir/daemon.log" && break; sleep 0.1; done
  it_expect_in "$rt: its end came from its first process's pidfd (no poststop process)" \
    "stopped (its first process exited)" "$(cat "$it_dir/daemon.log")"

  echo "== $rt, monitor"
  it_start_daemon monitor "$it_dir/rules.yaml" || exit 1
  b=$(it_bundle "bundle-$rt-m" sh -c "$script")
  it_inject "$b"
  out=$(it_run "$rt" "vigil-it-$$-$rt-2" "$b")
  it_expect_in "$rt monitor: mkdir is not blocked" "blocked-rc=0" "$out"
  it_expect_eq "$rt monitor: alert says would block" "$(it_alert 'Block mkdir below /tmp/blocked' action)" "would block"
done

echo "== a container in the host's pid namespace keeps its poststop hook"
it_start_daemon enforce "$it_dir/rules.yaml" || exit 1
b=$(it_bundle bundle-hostpid sh -c 'echo hostpid-ran')
python3 - "$b/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "pid"]
json.dump(c, open(sys.argv[1], "w"))
PY
it_inject "$b"
it_expect_in "the injected config has a poststop hook" '"poststop"' "$(cat "$b/config.json")"
b2=$(it_bundle bundle-ownpid sh -c 'echo ownpid-ran')
it_inject "$b2"
it_expect_eq "one with a pid namespace of its own has none" \
  "$(python3 -c 'import json,sys; print("poststop" in json.load(open(sys.argv[1])).get("hooks", {}))' "$b2/config.json")" "False"
it_expect_in "it runs" "hostpid-ran" "$(it_run runc "vigil-it-$$-hostpid" "$b")"
for _ in $(seq 30); do grep -q "stopped (poststop hook)" "$it_dir/daemon.log" && break; sleep 0.1; done
it_expect_in "and its poststop hook ends it" "stopped (poststop hook)" "$(cat "$it_dir/daemon.log")"

echo "== runc exec into a running container"
it_start_daemon enforce "$it_dir/rules.yaml" || exit 1
b=$(it_bundle bundle-exec sleep 30)
it_inject "$b"
id="vigil-it-$$-exec"
it_containers+=("$id")
timeout 30 runc run -d -b "$b" "$id" >/dev/null 2>&1 || it_fail "exec: detached run failed"
out=$(timeout 30 runc exec "$id" sh -c 'mkdir -p /tmp/blocked; mkdir /tmp/blocked/e; echo exec-rc=$?' 2>&1)
it_expect_in "exec: blocked mkdir in runc exec returns EPERM" "exec-rc=1" "$out"
it_expect_eq "exec: alert from the exec'd process" "$(it_alert 'Block mkdir below /tmp/blocked' fd.name)" "/tmp/blocked/e"
status=$("$VIGIL" status -c "$it_dir/vigil.yaml")
it_expect_in "status: lists the running container's session" "$id" "$status"
it_expect_in "status: shows the mode" "mode: enforce" "$status"
sessions=$(grep -c "seccomp session started" "$it_dir/daemon.log")
[ "$sessions" -ge 2 ] && it_ok "exec: a second listener message started a session" || it_fail "exec: only $sessions sessions"
runc delete -f "$id" >/dev/null 2>&1

echo "== Falco's own stable rules, unmodified"
it_start_daemon enforce "$FALCO_RULES" || exit 1
b=$(it_bundle bundle-falco /usr/bin/probe redirect)
it_inject "$b"
out=$(it_run runc "vigil-it-$$-falco" "$b")
it_expect_in "the redirect happened (alert-only)" "redirect: ok" "$out"
rule='Redirect STDOUT/STDIN to Network Connection in Container'
it_expect_eq "Falco's reverse-shell rule fires" "$(it_alert "$rule" fd.type)" "ipv4"
it_expect_eq "with the socket's protocol" "$(it_alert "$rule" fd.l4proto)" "tcp"
it_expect_eq "and the stream it took over" "$(it_alert "$rule" evt.type)" "dup2"
b=$(it_bundle bundle-falco-files sh -c \
  'mkdir -p /var/log; echo old >/var/log/syslog; : >/var/log/syslog; cat /etc/shadow;
   ln /etc/shadow /tmp/shadow-link; probe run /bin/cat /tmp/../tmp/../etc/shadow >/dev/null;
   echo files: done')
echo 'root:*:19000:0:99999:7:::' >"$b/rootfs/etc/shadow"
ln -sf busybox "$b/rootfs/bin/ln"
it_inject "$b"
out=$(it_run runc "vigil-it-$$-falco-files" "$b")
it_expect_in "the file work happened (alert-only)" "files: done" "$out"
rule='Read sensitive file untrusted'
it_expect_eq "Falco's sensitive-read rule fires" "$(it_alert "$rule" fd.name)" "/etc/shadow"
it_expect_eq "naming the reader" "$(it_alert "$rule" proc.name)" "cat"
rule='Clear Log Activities'
it_expect_eq "Falco's log-tampering rule fires" "$(it_alert "$rule" fd.name)" "/var/log/syslog"
it_expect_eq "naming the shell that truncated it" "$(it_alert "$rule" proc.name)" "sh"
it_expect_eq "Falco's hardlink rule fires" \
  "$(it_alert 'Create Hardlink Over Sensitive Files' evt.arg.newpath)" "/tmp/shadow-link"
rule='Directory traversal monitored file read'
it_expect_eq "Falco's traversal rule fires" "$(it_alert "$rule" fd.nameraw)" "/tmp/../tmp/../etc/shadow"
it_expect_eq "with the resolved name" "$(it_alert "$rule" fd.name)" "/etc/shadow"
b=$(it_bundle bundle-falco-calls sh -c \
  'probe packet-socket; probe traceme; probe memfd-exec; echo calls: done')
it_inject "$b"
out=$(it_run runc "vigil-it-$$-falco-calls" "$b")
it_expect_in "the fileless exec happened (alert-only)" "probe: from-memfd" "$out"
it_expect_eq "Falco's packet-socket rule fires" \
  "$(it_alert 'Packet socket created in container' proc.name)" "probe"
it_expect_eq "Falco's anti-debug rule fires" "$(it_alert 'PTRACE anti-debug attempt' evt.type)" "ptrace"
it_expect_eq "Falco's fileless-exec rule fires" \
  "$(it_alert 'Fileless execution via memfd_create' evt.type)" "execveat"
b=$(it_bundle bundle-falco-procs sh -c \
  'probe run /bin/grep -rl "BEGIN RSA PRIVATE" /etc; probe run /bin/grep -r aws_secret_access_key /etc;
   probe run /bin/nc -e /bin/sh 127.0.0.1 9 </dev/null; echo procs: done')
for a in grep nc; do ln -sf busybox "$b/rootfs/bin/$a"; done
it_inject "$b"
out=$(it_run runc "vigil-it-$$-falco-procs" "$b")
it_expect_in "the searches ran (alert-only)" "procs: done" "$out"
it_expect_eq "Falco's private-key search rule fires" \
  "$(it_alert 'Search Private Keys or Passwords' proc.name)" "grep"
it_expect_in "Falco's AWS-credentials rule fires on the new program's args" "aws_secret_access_key" \
  "$(it_alert 'Find AWS Credentials' proc.cmdline)"
it_expect_in "Falco's netcat rule fires" "-e /bin/sh" \
  "$(it_alert 'Netcat Remote Code Execution in Container' proc.cmdline)"

echo "== hostile process"
it_start_daemon enforce "$it_dir/rules.yaml" || exit 1
b=$(it_bundle bundle-hostile /usr/bin/hostile)
cp "$HOSTILE" "$b/rootfs/usr/bin/hostile"
it_inject "$b"
out=$(it_run runc "vigil-it-$$-hostile" "$b")
it_expect_in "hostile: unmapped pointer gets the kernel's EFAULT" "unmapped: Bad address" "$out"
it_expect_in "hostile: a 64 KiB path gets the kernel's ENAMETOOLONG" "huge: File name too long" "$out"
it_expect_in "hostile: a path of PATH_MAX-1 bytes is built" "pathmax-len: 4095" "$out"
it_expect_in "hostile: a PATH_MAX-1 path is read whole and blocked" "pathmax: Operation not permitted" "$out"
it_expect_eq "hostile: its alert carries all 4095 bytes" \
  "$(it_alert 'Block mkdir of a path ending in /pathmax-end' fd.name | tr -d '\n' | wc -c)" "4095"
it_expect_in "hostile: one byte more gets the kernel's ENAMETOOLONG" "pathmax+1: File name too long" "$out"
it_expect_in "hostile: a non-UTF-8 path is still blocked" "non-utf8: Operation not permitted" "$out"
it_expect_in "hostile: 200 children killed mid-notification" "killed: 200" "$out"
it_expect_in "hostile: answers continue after that" "after: Operation not permitted" "$out"
kill -0 "$it_daemon_pid" 2>/dev/null && it_ok "hostile: the daemon is still running" || it_fail "hostile: the daemon died"
python3 -c "
import json, sys
for line in open('$it_dir/alerts.json'):
    json.loads(line)
" && it_ok "hostile: every alert line is valid JSON" || it_fail "hostile: invalid JSON alert"

echo "== action: kill"
b=$(it_bundle bundle-kill sh -c '/usr/bin/probe traceme; echo status=$?')
it_inject "$b"
out=$(it_run runc "vigil-it-$$-kill" "$b")
it_expect_in "kill: the process was killed by SIGKILL" "status=137" "$out"
case "$out" in *survived*) it_fail "kill: the process survived" ;; *) it_ok "kill: the syscall never completed" ;; esac
it_expect_eq "kill: alert action" "$(it_alert 'Kill on ptrace' action)" "kill"
echo "== reload on SIGHUP"
it_start_daemon enforce "$it_dir/rules.yaml" || exit 1
cp "$it_dir/rules.yaml" "$it_dir/rules.orig.yaml"
sed -i 's|fd.name startswith /tmp/blocked/|fd.name startswith /tmp/|' "$it_dir/rules.yaml"
kill -HUP "$it_daemon_pid"
for _ in $(seq 50); do [ "$(grep -c 'rules loaded' "$it_dir/daemon.log")" -ge 2 ] && break; sleep 0.1; done
b=$(it_bundle bundle-reload sh -c 'mkdir /tmp/other; echo rc=$?')
it_inject "$b"
out=$(it_run runc "vigil-it-$$-reload" "$b")
it_expect_in "reload: the new rules are in force" "rc=1" "$out"
printf -- '- rule: Broken\n  desc: d\n  condition: evt.type = mkdir and\n  output: o\n  priority: info\n' >"$it_dir/rules.yaml"
kill -HUP "$it_daemon_pid"
for _ in $(seq 50); do grep -q "previous rules stay in force" "$it_dir/daemon.log" && break; sleep 0.1; done
it_expect_in "reload: a broken file is reported with file:line:col" "rules.yaml:3:" "$(cat "$it_dir/daemon.log")"
it_expect_in "reload: the previous rules stay" "previous rules stay in force" "$(cat "$it_dir/daemon.log")"
b=$(it_bundle bundle-reload2 sh -c 'mkdir /tmp/other; echo rc=$?')
cp "$it_dir/rules.orig.yaml" "$it_dir/hook-rules.yaml"
sed -i "s|rules_files: \[.*\]|rules_files: [$it_dir/hook-rules.yaml]|" "$it_dir/vigil.yaml"
it_inject "$b"
out=$(it_run runc "vigil-it-$$-reload2" "$b")
it_expect_in "reload: the daemon still blocks with the previous rules" "rc=1" "$out"
cp "$it_dir/rules.orig.yaml" "$it_dir/rules.yaml"

echo "== garbage on the listener socket"
python3 - "$it_dir/seccomp.sock" <<'PY'
import socket, sys
def send(data):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    try:
        s.sendall(data)
    except OSError:
        pass
    s.close()
send(b"garbage that is not json\n")
send(b"{" * (2 << 20))
send(b'{"ociVersion":"1","fds":["seccompFd"],"pid":1,"state":{"id":"nofd"}}')
send(b'{"fds":[], "state":')
PY
sleep 0.5
kill -0 "$it_daemon_pid" 2>/dev/null && it_ok "garbage: the daemon is still running" || it_fail "garbage: the daemon died"
log=$(cat "$it_dir/daemon.log")
it_expect_in "garbage: not JSON is logged" "not JSON" "$log"
it_expect_in "garbage: oversize is logged" "larger than" "$log"
it_expect_in "garbage: a message without fd is logged" "without a seccomp fd" "$log"
b=$(it_bundle bundle-after sh -c 'mkdir -p /tmp/blocked; mkdir /tmp/blocked/z; echo rc=$?')
it_inject "$b"
out=$(it_run runc "vigil-it-$$-after" "$b")
it_expect_in "garbage: containers are still served" "rc=1" "$out"

echo "== daemon down"
it_stop_daemon
b=$(it_bundle bundle-down true)
if "$VIGIL" hook precreate -c "$it_dir/vigil.yaml" <"$b/config.json" >/dev/null 2>"$it_dir/hook.err"; then
  it_fail "down: deny policy should fail the hook"
else
  it_expect_in "down: clear message" "not reachable" "$(cat "$it_dir/hook.err")"
fi
sed -i 's/on_daemon_unavailable: deny/on_daemon_unavailable: allow/' "$it_dir/vigil.yaml"
"$VIGIL" hook precreate -c "$it_dir/vigil.yaml" <"$b/config.json" >"$it_dir/passthrough.json" 2>"$it_dir/hook.err" \
  && it_ok "down: allow policy passes the config" || it_fail "down: allow policy failed"
it_expect_in "down: loud warning" "UNMONITORED" "$(cat "$it_dir/hook.err")"
it_start_daemon enforce "$it_dir/rules.yaml" || exit 1
it_expect_eq "down: an alert once the daemon is back" \
  "$(it_alert 'vigil: container started unmonitored' priority)" "Critical"

echo "== vigil reload"
"$VIGIL" reload -c "$it_dir/vigil.yaml" >"$it_dir/reload.out" && it_ok "reload: succeeds" || it_fail "reload failed"
printf -- '- rule: Broken\n  desc: d\n  condition: evt.type = mkdir and\n  output: o\n  priority: info\n' >"$it_dir/rules.yaml"
if "$VIGIL" reload -c "$it_dir/vigil.yaml" >"$it_dir/reload.out"; then
  it_fail "reload: a broken rule file must exit 1"
else
  it_expect_in "reload: prints the error position" "rules.yaml:3:" "$(cat "$it_dir/reload.out")"
fi

if [ "$it_failures" -ne 0 ]; then
  echo "--- daemon log"; cat "$it_dir/daemon.log"
  echo "$it_failures failure(s)"
  exit 1
fi
echo "all seccomp integration checks passed"
