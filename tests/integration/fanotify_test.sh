#!/usr/bin/env bash
# The fanotify path end to end with runc: the createRuntime hook registers the container,
# the daemon marks its root mount, and opens and execs are answered with FAN_ALLOW or
# FAN_DENY on the file actually opened.
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
source "$(dirname "$0")/lib.sh"

cat >"$it_dir/rules.yaml" <<'YAML'
- rule: Block reading shadow
  desc: test rule
  condition: evt.type in (open, openat, openat2) and fd.name = /etc/shadow
  output: shadow opened (file=%fd.name proc=%proc.name user=%user.name container=%container.id)
  priority: WARNING
  action: block
- rule: Exec from tmp
  desc: test rule
  condition: evt.type = execve and proc.exepath startswith /tmp/
  output: exec from /tmp (file=%proc.exepath parent=%proc.pname)
  priority: WARNING
  action: block
YAML

echo "== runc, enforce"
it_start_daemon enforce "$it_dir/rules.yaml" || exit 1
b=$(it_bundle bundle-f sh -c 'cat /etc/shadow; echo shadow-rc=$?; cat /etc/passwd >/dev/null; echo passwd-rc=$?;
cp /usr/bin/probe /tmp/probe; /tmp/probe hi; echo tmp-exec-rc=$?; /usr/bin/probe ok; echo usr-exec-rc=$?')
echo 'root:$6$secret:19000:0:99999:7:::' >"$b/rootfs/etc/shadow"
it_inject "$b"
id="vigil-f-$$-1"
it_containers+=("$id")
out=$(timeout 30 runc run -b "$b" "$id" 2>&1)
it_expect_in "open of /etc/shadow is denied" "shadow-rc=1" "$out"
it_expect_in "the container saw EPERM" "Operation not permitted" "$out"
it_expect_in "other opens are allowed" "passwd-rc=0" "$out"
it_expect_in "exec from /tmp is denied" "tmp-exec-rc=126" "$out"
it_expect_in "exec from /usr/bin is allowed" "probe: ok" "$out"
it_expect_eq "alert names the container path" "$(it_alert 'Block reading shadow' fd.name)" "/etc/shadow"
it_expect_eq "alert action" "$(it_alert 'Block reading shadow' action)" "block"
it_expect_eq "alert user from the container's passwd" "$(it_alert 'Block reading shadow' user.name)" "root"
it_expect_eq "exec alert names the program" "$(it_alert 'Exec from tmp' proc.exepath)" "/tmp/probe"
cat "$b/rootfs/etc/shadow" >/dev/null && it_ok "the host reads the bundle's copy" || it_fail "host read denied"
it_expect_in "the daemon watched the container" "watching its root file system" "$(cat "$it_dir/daemon.log")"

if [ "$it_failures" -ne 0 ]; then
  echo "--- daemon log"; cat "$it_dir/daemon.log"
  echo "$it_failures failure(s)"
  exit 1
fi
echo "all fanotify integration checks passed"
