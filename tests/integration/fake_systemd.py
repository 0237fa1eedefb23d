"""The part of systemd a `systemctl restart` of a Type=notify service with a file descriptor
store uses, per sd_notify(3) and sd_listen_fds(3): a NOTIFY_SOCKET datagram socket that
takes READY=1, STOPPING=1, FDSTORE=1/FDNAME= (with the fds, SCM_RIGHTS) and
FDSTOREREMOVE=1; and a restart that passes the stored fds to the new process as fds 3..
with LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES.

Usage: fake_systemd.py DIR VIGIL CONFIG. Starts `VIGIL daemon -c CONFIG` and writes
DIR/ready1; once DIR/restart exists, sends SIGTERM, keeps what is stored, waits for the
exit and starts the daemon again with the store (DIR/ready2, DIR/daemon.pid); once
DIR/done exists, stops it. Everything it saw goes to DIR/systemd.log.
"""
import array
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time

d, vigil, config = sys.argv[1:4]
log = open(os.path.join(d, "systemd.log"), "a", buffering=1)
path = os.path.join(d, "notify.sock")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
store = {}  # name -> fd


def receive(timeout):
    """One notification: (fields, fds), or None after timeout seconds."""
    sock.settimeout(timeout)
    try:
        data, anc, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(64 * 4))
    except socket.timeout:
        return None
    fds = array.array("i")
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    fields = dict(line.split("=", 1) for line in data.decode().split("\n") if "=" in line)
    log.write("notify %s fds=%d\n" % (sorted(fields.items()), len(fds)))
    if fields.get("FDSTORE") == "1":
        name = fields.get("FDNAME", "stored")
        for fd in fds:
            if name in store:
                os.close(store[name])
            store[name] = fd
    elif fields.get("FDSTOREREMOVE") == "1":
        fd = store.pop(fields.get("FDNAME", ""), None)
        if fd is not None:
            os.close(fd)
    else:
        for fd in fds:
            os.close(fd)
    return fields


def start(stderr):
    names = list(store)
    fds = [store[n] for n in names]
    env = dict(os.environ, NOTIFY_SOCKET=path)
    if fds:
        env["LISTEN_FDS"] = str(len(fds))
        env["LISTEN_FDNAMES"] = ":".join(names)

    def place():  # in the child: the stored fds become 3, 4, ...
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 1000) for fd in fds]
        for i, fd in enumerate(high):
            os.dup2(fd, 3 + i, inheritable=True)
        for fd in high:
            os.close(fd)

    # LISTEN_PID is the pid of the process that reads it: the shell execs vigil in place.
    cmd = ["sh", "-c", 'LISTEN_PID=$$ exec "$0" daemon -c "$1"', vigil, config]
    if not fds:
        cmd = [vigil, "daemon", "-c", config]
    return subprocess.Popen(cmd, env=env, stderr=stderr, preexec_fn=place if fds else None,
                            close_fds=not fds)


def wait_for(name, timeout=120):
    end = time.time() + timeout
    while not os.path.exists(os.path.join(d, name)) and time.time() < end:
        receive(0.1)
    return os.path.exists(os.path.join(d, name))


def wait_ready(p, timeout=20):
    end = time.time() + timeout
    while time.time() < end and p.poll() is None:
        f = receive(0.2)
        if f and f.get("READY") == "1":
            return True
    return False


err = open(os.path.join(d, "daemon.log"), "a")
daemon = start(err)
if not wait_ready(daemon):
    log.write("FAIL: the first daemon never said READY=1\n")
    sys.exit(1)
open(os.path.join(d, "daemon.pid"), "w").write(str(daemon.pid))
open(os.path.join(d, "ready1"), "w").close()
wait_for("restart")
log.write("restart: SIGTERM to %d\n" % daemon.pid)
daemon.send_signal(signal.SIGTERM)
end = time.time() + 60
while daemon.poll() is None and time.time() < end:
    receive(0.1)
while receive(0.2):  # what it sent just before its exit
    pass
log.write("exited %s; store holds %d fds: %s\n" % (daemon.returncode, len(store), sorted(store)))
time.sleep(0.5)
daemon = start(err)
if not wait_ready(daemon):
    log.write("FAIL: the second daemon never said READY=1\n")
    sys.exit(1)
for _ in range(10):  # its FDSTOREREMOVEs
    receive(0.1)
log.write("after the restart the store holds %d fds\n" % len(store))
open(os.path.join(d, "daemon.pid"), "w").write(str(daemon.pid))
open(os.path.join(d, "ready2"), "w").close()
wait_for("done", 300)
daemon.send_signal(signal.SIGTERM)
time.sleep(0.3)
daemon.send_signal(signal.SIGTERM)
daemon.wait(30)
