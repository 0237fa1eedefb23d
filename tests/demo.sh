#!/usr/bin/env bash
# The demo: vigil's default rules guarding a real container. Starts the daemon (enforce
# mode), runs a busybox container with runc through vigil's injection, lets it try a few
# attacker moves, and shows what was blocked and what was alerted. Cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup.sh
echo "building vigil..." >&2
bazel build //:vigil >/dev/null 2>&1 || bazel build //:vigil
vigil="$(pwd)/bazel-bin/src/cli/vigil"
dir=$(mktemp -d /tmp/vigil-demo.XXXXXX)
id="vigil-demo-$$"
daemon=""
cleanup() {
  runc delete -f "$id" >/dev/null 2>&1 || true
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

# The default ruleset, in enforce mode (the shipped etc/vigil.yaml is monitor).
cat >"$dir/vigil.yaml" <<YAML
rules_files: [$(pwd)/rules]
mode: enforce
stdout_output: {enabled: false}
syslog_output: {enabled: false}
file_output: {enabled: true, filename: $dir/alerts.json}
listener_socket: $dir/seccomp.sock
control_socket: $dir/control.sock
on_daemon_unavailable: deny
YAML
"$vigil" daemon -c "$dir/vigil.yaml" 2>"$dir/daemon.log" &
daemon=$!
for _ in $(seq 50); do [ -S "$dir/seccomp.sock" ] && break; sleep 0.1; done

# A busybox container.
b="$dir/bundle"
mkdir -p "$b/rootfs"/{bin,tmp,etc,proc,dev,sys,mnt}
cp /bin/busybox "$b/rootfs/bin/"
for a in sh mount ln echo ls cat cp mv; do ln -sf busybox "$b/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$b/rootfs/etc/passwd"
echo 'root:$6$demo:19000:0:99999:7:::' >"$b/rootfs/etc/shadow"
(cd "$b" && runc spec)
python3 - "$b/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["root"]["readonly"] = False
for m in c["mounts"]:  # runc's /dev/shm is noexec; let vigil be the one that says no
    if m["destination"] == "/dev/shm":
        m["options"] = [o for o in m["options"] if o != "noexec"]
c["process"]["args"] = ["sh", "-c", """
echo '$ mount -t tmpfs none /mnt'; mount -t tmpfs none /mnt && echo mounted || true
echo '$ ln -s /etc/shadow /tmp/shadow'; ln -s /etc/shadow /tmp/shadow && echo linked
echo '$ cat /etc/shadow'; cat /etc/shadow >/dev/null && echo read
echo '$ cp /bin/busybox /dev/shm/x && /dev/shm/x echo dropped'; cp /bin/busybox /dev/shm/x && /dev/shm/x echo dropped || true
echo '$ cp /bin/busybox /tmp/tool && /tmp/tool echo dropped'; cp /bin/busybox /tmp/tool && /tmp/tool echo dropped || true
echo '$ echo evil::0:0::/:/bin/sh >>/etc/passwd'; (echo evil::0:0::/:/bin/sh >>/etc/passwd) 2>&1 && echo written || true
echo '$ cat /etc/passwd'; cat /etc/passwd
echo '$ echo /tmp/evil.so >/tmp/p && mv /tmp/p /etc/ld.so.preload'
(echo /tmp/evil.so >/tmp/p && mv /tmp/p /etc/ld.so.preload) 2>&1 || true
echo '$ echo "* * * * * root /tmp/x" >/tmp/job && ln /tmp/job /etc/crontab && cat /etc/crontab'
(echo "* * * * * root /tmp/x" >/tmp/job && ln /tmp/job /etc/crontab && cat /etc/crontab) 2>&1 || true
"""]
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
(cd "$b" && "$vigil" hook precreate -c "$dir/vigil.yaml" <config.json >config.vigil.json)
mv "$b/config.vigil.json" "$b/config.json"

echo
echo "== a container under vigil's default rules (runc, enforce mode)"
runc run -b "$b" "$id" 2>&1 | sed 's/^/  container| /'
sleep 1.5

echo
echo "== what vigil did"
python3 - "$dir/alerts.json" <<'PY'
import json, sys
counts = {}
for line in open(sys.argv[1]):
    a = json.loads(line)
    verb = {"block": "BLOCKED", "kill": "KILLED", "alert": "ALERT"}.get(a["action"], a["action"].upper())
    counts[verb] = counts.get(verb, 0) + 1
    print(f"  {verb:8} {a['priority']:8} {a['rule']}")
    out = " ".join(a["output"].split())  # busybox applets share their shell's command line
    print(f"           {out[:160]}{'...' if len(out) > 160 else ''}")
print()
print("  " + ", ".join(f"{n} {v.lower()}" for v, n in sorted(counts.items())) +
      "; everything else the container did was allowed")
PY
echo
echo "(the rules: vigil rules list -c etc/vigil.yaml; every alert is a JSON line in Falco's shape)"
