#!/usr/bin/env bash
# Bad input at every door of a running daemon (issue 6): garbage, oversize, truncated and
# ill-typed requests on the control socket; a non-root peer; hook stdin that is not JSON or
# lacks fields; a container whose config already has a listenerPath. Each gets a clear
# error, the daemon keeps running, and a real container is still served afterwards.
# (The listener socket's garbage, unmapped pointers, PATH_MAX paths, processes killed
# mid-evaluation and broken reloads are in seccomp_test.)
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
source "$(dirname "$0")/lib.sh"

cat >"$it_dir/rules.yaml" <<'YAML'
- rule: Block mkdir below /tmp/blocked
  desc: test rule
  condition: evt.type in (mkdir, mkdirat) and fd.name startswith /tmp/blocked/
  output: mkdir blocked (path=%fd.name)
  priority: WARNING
  action: block
- rule: Block shadow
  desc: test rule
  condition: evt.type in (open, openat) and fd.name = /etc/shadow
  output: shadow opened (path=%fd.name)
  priority: WARNING
  action: block
YAML
it_start_daemon enforce "$it_dir/rules.yaml" || exit 1

# still_served NAME: the daemon is alive and a new container still gets both verdicts.
still_served() {
  kill -0 "$it_daemon_pid" 2>/dev/null && it_ok "$1: the daemon is still running" ||
    it_fail "$1: the daemon died"
  local b
  b=$(it_bundle "bundle-$1" sh -c 'echo s >/etc/shadow; mkdir -p /tmp/blocked; mkdir /tmp/blocked/x; echo mkdir-rc=$?; cat /etc/shadow; echo cat-rc=$?')
  it_inject "$b" || it_fail "$1: precreate hook failed"
  local out
  out=$(it_run runc "vigil-it-$$-$1" "$b")
  it_expect_in "$1: a seccomp block still works" "mkdir-rc=1" "$out"
  it_expect_in "$1: a fanotify block still works" "cat-rc=1" "$out"
}

echo "== a low soft limit of open files (a shell's 1024) is raised to the hard one"
it_stop_daemon
it_write_config enforce "$it_dir/rules.yaml"
rm -f "$it_dir/seccomp.sock" "$it_dir/control.sock"
prlimit --nofile=1024:3000 "$VIGIL" daemon -c "$it_dir/vigil.yaml" 2>>"$it_dir/daemon.log" &
it_daemon_pid=$!
for _ in $(seq 50); do [ -S "$it_dir/control.sock" ] && break; sleep 0.1; done
engine=$(pgrep -P "$it_daemon_pid" | head -1)
it_expect_eq "the keeper's soft limit is the hard one" \
  "$(awk '/Max open files/ {print $4, $5}' "/proc/$it_daemon_pid/limits")" "3000 3000"
it_expect_eq "and its engine's" "$(awk '/Max open files/ {print $4}' "/proc/$engine/limits")" "3000"
it_expect_in "a hard limit that low is said" "at most 3000 open files" "$(cat "$it_dir/daemon.log")"
it_start_daemon enforce "$it_dir/rules.yaml" || exit 1  # the daemon the rest of the test uses

echo "== garbage on the control socket"
python3 - "$it_dir/control.sock" >"$it_dir/replies" <<'PY'
import json, socket, sys
def ask(data, shut=True):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.settimeout(10)
    try:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the daemon may close first (oversize); its answer is still there to read
    try:
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
    except OSError as e:
        reply = repr(e).encode()
    s.close()
    return reply.decode(errors="replace").strip()
cases = {
    "garbage": b"this is not json\n",
    "array": b"[1, 2, 3]\n",
    "unknown-op": b'{"op": "format_disk"}\n',
    "op-not-string": b'{"op": 42}\n',
    "no-state": b'{"op": "container_created"}\n',
    "id-not-string": b'{"op": "container_created", "state": {"id": 7}}\n',
    "state-not-object": b'{"op": "container_created", "state": "x"}\n',
    "pid-not-number": b'{"op": "container_created", "state": {"id": "bad1", "pid": "one"}}\n',
    "dead-pid": b'{"op": "container_created", "state": {"id": "bad2", "pid": 999999999, "bundle": "/nonexistent"}}\n',
    "invalid-utf8": b'{"op": "st\xff\xfeatus"}\n',
    "oversize": b"{" * (2 << 20),
}
for name, data in cases.items():
    print(name, ask(data))
print("truncated", ask(b'{"op": "sta'))
PY
replies=$(cat "$it_dir/replies")
for c in garbage array; do
  it_expect_in "control: $c gets an error reply" "$c {\"error\":\"request is not a JSON object\",\"ok\":false}" "$replies"
done
it_expect_in "control: an unknown op is named" "unknown op 'format_disk'" "$replies"
it_expect_in "control: a non-string op is an error" "op-not-string {\"error\"" "$replies"
it_expect_in "control: a state without id is an error" "no-state {\"error\":\"state has no container id\"" "$replies"
it_expect_in "control: a numeric id is an error" "id-not-string {\"error\"" "$replies"
it_expect_in "control: a state that is not an object is an error" "state-not-object {\"error\":\"state has no container id\"" "$replies"
it_expect_in "control: a pid that is not a number is refused" \
  "pid-not-number {\"error\":\"state needs a pid (a positive number) and a bundle\",\"ok\":false}" "$replies"
it_expect_in "control: a dead pid: its files are not watched, and it says so" "dead-pid {\"ok\":true,\"warning\":\"files not watched" "$replies"
it_expect_in "control: invalid UTF-8 is an error" "invalid-utf8 {\"error\"" "$replies"
it_expect_in "control: oversize is refused" "oversize {\"error\":\"request too large\",\"ok\":false}" "$replies"
it_expect_in "control: a truncated request gets no answer and no crash" "truncated " "$replies"
printf '%s\n' "$replies" | head -20
"$VIGIL" status -c "$it_dir/vigil.yaml" >"$it_dir/status.out" 2>&1 &&
  it_ok "control: status still answers" || it_fail "control: status failed: $(cat "$it_dir/status.out")"
still_served control

echo "== a non-root peer on the control socket"
chmod o+x "$it_dir"
if setpriv --reuid=65534 --regid=65534 --clear-groups "$VIGIL" status -c "$it_dir/vigil.yaml" \
  >"$it_dir/nobody.out" 2>&1; then
  it_fail "non-root: status must fail for nobody"
else
  it_expect_in "non-root: the socket's mode keeps nobody out" "ermission denied" "$(cat "$it_dir/nobody.out")"
fi
# Should the socket's mode ever be widened, the daemon still checks the peer (SO_PEERCRED).
chmod 0666 "$it_dir/control.sock"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 - "$it_dir/control.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
try:
    s.sendall(b'{"op": "container_stopped", "state": {"id": "anything"}}\n')
except OSError:
    pass  # the daemon answers a refused peer at once and closes: its answer is still there
s.settimeout(10)
print(s.recv(4096).decode().strip())
PY
)
chmod 0600 "$it_dir/control.sock"
chmod o-x "$it_dir"
it_expect_eq "non-root: the daemon refuses the peer" "$out" \
  '{"error":"only root may use the control socket","ok":false}'
still_served nonroot

echo "== hook stdin that is not JSON or lacks fields"
hook() {  # STAGE INPUT: runs the hook, prints "rc=N" and its stderr
  local err
  printf '%s' "$2" | "$VIGIL" hook "$1" -c "$it_dir/vigil.yaml" >"$it_dir/hook.out" 2>"$it_dir/hook.err"
  echo "rc=$? $(tr '\n' ' ' <"$it_dir/hook.err")"
}
it_expect_in "createRuntime: not JSON fails with a clear message" \
  "rc=1 vigil hook createRuntime: stdin is not an OCI state" "$(hook createRuntime 'not json')"
it_expect_in "createRuntime: empty stdin fails" "rc=1 vigil hook createRuntime: stdin is not an OCI state" \
  "$(hook createRuntime '')"
it_expect_in "createRuntime: a state without id fails" "rc=1 vigil hook createRuntime: stdin is not an OCI state" \
  "$(hook createRuntime '{"pid": 1}')"
it_expect_in "createRuntime: a state without pid fails with the daemon's reason" \
  "rc=1 vigil hook createRuntime: state needs a pid" "$(hook createRuntime '{"id": "nopid"}')"
it_expect_in "createRuntime: a registration the daemon cannot watch warns" \
  "rc=0 vigil hook createRuntime: WARNING: files not watched: cannot read the bundle's config" \
  "$(hook createRuntime '{"id": "nobundle", "pid": 1, "bundle": "/nonexistent"}')"
it_expect_in "poststop: garbage never fails the runtime, but says so" \
  "rc=0 vigil hook poststop: stdin is not an OCI state" "$(hook poststop '{{{')"
it_expect_in "precreate: not JSON fails with a clear message" \
  "rc=1 vigil hook precreate: stdin is not an OCI config" "$(hook precreate '[1]')"
it_expect_in "precreate: a bare {} config is accepted" "rc=0" "$(hook precreate '{}')"
it_expect_in "precreate: ... and gets vigil's seccomp section" '"listenerPath"' "$(cat "$it_dir/hook.out")"
it_expect_in "precreate: a seccomp section of the wrong type is refused" "rc=1 vigil hook precreate:" \
  "$(hook precreate '{"linux": {"seccomp": "all"}}')"
it_expect_in "hook: an unknown stage is named" "rc=2 vigil hook: unknown command 'prestart'" "$(hook prestart '{}')"

echo "== a container that already has a listenerPath"
b=$(it_bundle bundle-listener sh -c 'echo ran')
python3 - "$b/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/other-agent.sock",
                         "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
cp "$b/config.json" "$it_dir/listener-before.json"
"$VIGIL" hook precreate -c "$it_dir/vigil.yaml" <"$b/config.json" >"$it_dir/listener.out" 2>"$it_dir/listener.err"
rc=$?
it_expect_eq "listenerPath: the hook refuses (exit 1)" "$rc" "1"
it_expect_in "listenerPath: the error names the other listener" "already has a seccomp listener" \
  "$(cat "$it_dir/listener.err")"
it_expect_in "listenerPath: ... and its path" "/run/other-agent.sock" "$(cat "$it_dir/listener.err")"
[ -s "$it_dir/listener.out" ] && it_fail "listenerPath: a refused config must not be printed" ||
  it_ok "listenerPath: nothing on stdout, so the runtime cannot run a half-merged config"
# Through the runtime shim (containerd's path), the container is not created.
cp "$it_dir/listener-before.json" "$b/config.json"
it_containers+=("vigil-it-$$-listener")
if "$VIGIL" runtime --runtime runc -c "$it_dir/vigil.yaml" -- create -b "$b" "vigil-it-$$-listener" \
  >"$it_dir/shim.out" 2>&1; then
  it_fail "listenerPath: the shim must not create the container"
else
  it_expect_in "listenerPath: the shim says why" "already has a seccomp listener" "$(cat "$it_dir/shim.out")"
fi
cmp -s "$b/config.json" "$it_dir/listener-before.json" && it_ok "listenerPath: the bundle's config is untouched" ||
  it_fail "listenerPath: the shim changed the config"
still_served after-listener

if [ "$it_failures" -ne 0 ]; then
  echo "--- daemon log"
  cat "$it_dir/daemon.log"
  echo "FAILED: $it_failures"
  exit 1
fi
echo "PASSED"
