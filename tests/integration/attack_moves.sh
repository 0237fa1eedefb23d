# The attacker moves of the default rules' attack suite, shared by attacks_test (which
# checks what each does under enforce mode) and attack_replay_test (which records them in
# monitor mode and compares the replay with enforce mode). Needs lib.sh.

# attack NAME SCRIPT [CONTAINER-ID]: runs SCRIPT in a runc container made for attacks (a
# shadow file, the busybox tools the moves use, an executable /dev/shm), prints its output.
attack() {  # NAME SCRIPT [CONTAINER-ID] -> container output
  local b
  b=$(it_bundle "bundle-${3:-$1}" sh -c "$2")
  echo 'root:$6$x:19000:0:99999:7:::' >"$b/rootfs/etc/shadow"
  for a in mount ln cp cat mv nc grep shred dd; do ln -sf busybox "$b/rootfs/bin/$a"; done
  # A "server" of the image (a copy of the probe, in place before the start): what it
  # execs has nginx as its parent.
  mkdir -p "$b/rootfs/usr/sbin" "$b/rootfs/var/log"
  cp "$PROBE" "$b/rootfs/usr/sbin/nginx"
  python3 - "$b/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
for m in c["mounts"]:  # runc's /dev/shm is noexec; let vigil be the one that says no
    if m["destination"] == "/dev/shm":
        m["options"] = [o for o in m["options"] if o != "noexec"]
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
  it_inject "$b"
  it_run runc "${3:-vigil-a-$$-$1}" "$b"
}

# Each move by name, in the order the suite runs them.
attack_move_names=(module mount mountapi iouring ns bpf ptrace packet shm shadow write plant drop memfd
  logclear revshell netcat keysearch destroy webshell memfdpath)
declare -A attack_moves
attack_moves[module]='/usr/bin/probe init-module; /usr/bin/probe finit-module'
attack_moves[mount]='mount -t tmpfs none /mnt; echo mount-rc=$?'
attack_moves[mountapi]='/usr/bin/probe mount-setattr /proc/sys/kernel/core_pattern; /usr/bin/probe pivot-root; /usr/bin/probe fspick'
attack_moves[iouring]='/usr/bin/probe io-uring-setup'
attack_moves[ns]='/usr/bin/probe unshare-user; /usr/bin/probe unshare-mount; /usr/bin/probe setns;
/usr/bin/probe clone-newns; /usr/bin/probe clone3; sh -c "echo forked"'
attack_moves[bpf]='/usr/bin/probe bpf'
attack_moves[ptrace]='sleep 5 & /usr/bin/probe ptrace-attach $!; /usr/bin/probe vm-write $!; /usr/bin/probe mem-write $!; kill $!'
attack_moves[packet]='/usr/bin/probe packet-socket'
attack_moves[shm]='cp /usr/bin/probe /dev/shm/p && /dev/shm/p dropped; echo shm-rc=$?'
attack_moves[shadow]='cat /etc/shadow >/dev/null; echo read-rc=$?; ln -s /etc/shadow /tmp/s; echo ln-rc=$?'
attack_moves[write]='/usr/bin/probe open-write /etc/ld.so.preload; /usr/bin/probe open-write /usr/bin/evil;
/usr/bin/probe open-write /bin/evil; /usr/bin/probe open-write /etc/passwd; /usr/bin/probe open-read /etc/passwd;
mkdir -p /var/lib/app; /usr/bin/probe open-write /var/lib/app/state; grep -c root:x /etc/passwd'
attack_moves[plant]='echo /tmp/evil.so >/tmp/preload; cat /tmp/preload /tmp/preload >/dev/null; sleep 0.2;
mv /tmp/preload /etc/ld.so.preload; echo mv-rc=$?;
cat /etc/ld.so.preload; echo preload-rc=$?; echo "* * * * * root /tmp/x" >/tmp/job; ln /tmp/job /etc/crontab;
echo ln-rc=$?; cat /etc/crontab; echo crontab-rc=$?; ln -s /tmp/job /etc/job-link; echo symlink-rc=$?;
cd /etc && ln -s ../tmp/job rel-link; cd /;
cat /etc/passwd >/dev/null; echo passwd-rc=$?'
attack_moves[drop]='cp /usr/bin/probe /tmp/tool; /tmp/tool dropped; echo drop-rc=$?; /usr/bin/probe image; echo image-rc=$?'
# Detected, not blocked: execs are real (probe run), as busybox sh runs applets without one.
attack_moves[logclear]='echo old >/var/log/auth.log; : >/var/log/auth.log; echo cleared'
attack_moves[revshell]='/usr/bin/probe redirect'
attack_moves[netcat]='/usr/bin/probe run /bin/nc -e /bin/sh 127.0.0.1 9; echo nc-done'
attack_moves[keysearch]='/usr/bin/probe run /bin/grep -r "BEGIN RSA PRIVATE KEY" /etc; echo searched'
attack_moves[destroy]='echo secret >/tmp/db; /usr/bin/probe run /bin/shred -u /tmp/db; ls /tmp/db 2>&1'
attack_moves[webshell]='/usr/sbin/nginx run /bin/sh -c "echo webshell-ran"'
attack_moves[memfd]='/usr/bin/probe memfd-exec'
attack_moves[memfdpath]='/usr/bin/probe memfd-exec-path; /usr/bin/probe mkfifo /etc/evil-fifo'
