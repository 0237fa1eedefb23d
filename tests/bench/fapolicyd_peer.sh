#!/usr/bin/env bash
# The real peer on the file path: fapolicyd 1.1.7 from Debian, allow-all rules, integrity
# off, trusting nothing by file (no package database scan), installed by this script,
# measured and purged again. It runs in a private mount namespace of its own, so its
# marks (every tmpfs mount it sees) cover copies no other process uses, and the same
# workload as container_exec.sh's (cat's work over 200 small files, repeated passes: open,
# read, close) runs there on a private tmpfs, bare and then with fapolicyd answering.
# Usage: fapolicyd_peer.sh PROBE [ROUNDS]
set -uo pipefail
PROBE="$(realpath "$1")"
rounds="${2:-3}"
if dpkg-query -W -f='${Status}' fapolicyd 2>/dev/null | grep -q "install ok installed"; then
  echo "fapolicyd is installed here already: not touching it"
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends fapolicyd >/dev/null 2>&1 ||
  { echo "cannot install fapolicyd"; exit 1; }
trap 'apt-get purge -y -q fapolicyd >/dev/null 2>&1; rm -rf /etc/fapolicyd /var/lib/fapolicyd /run/fapolicyd' EXIT
cat >/etc/fapolicyd/fapolicyd.conf <<'CONF'
permissive = 0
nice_val = 14
q_size = 800
uid = root
gid = root
do_stat_report = 0
detailed_report = 0
db_max_size = 50
subj_cache_size = 1549
obj_cache_size = 8191
watch_fs = tmpfs
trust = file
integrity = none
syslog_format = rule,dec,perm,auid,pid,exe,:,path,ftype
rpm_sha256_only = 0
allow_filesystem_mark = 0
CONF
rm -f /etc/fapolicyd/rules.d/*.rules /etc/fapolicyd/fapolicyd.rules
echo 'allow perm=any all : all' >/etc/fapolicyd/rules.d/10-allow-all.rules
: >/etc/fapolicyd/fapolicyd.trust
rm -f /etc/fapolicyd/trust.d/*
fagenrules --load >/dev/null 2>&1 || cp /etc/fapolicyd/rules.d/10-allow-all.rules /etc/fapolicyd/compiled.rules
unshare -m --propagation private bash -s "$PROBE" "$rounds" <<'NS'
PROBE=$1 rounds=$2
dir=$(mktemp -d /tmp/vigil-fap.XXXXXX)
mount -t tmpfs -o size=16m vigil-fap "$dir"
for i in $(seq 200); do echo "line $i of a small file" >"$dir/f$i"; done
figure() { "$PROBE" read-dir 6 "$dir" | sed -nE 's/^read-dir: ([0-9.]+) us.*/\1/p'; }
for r in $(seq "$rounds"); do
  bare=$(figure)
  /usr/sbin/fapolicyd --debug-deny >/tmp/vigil-fap.log 2>&1 &
  fap=$!
  for _ in $(seq 100); do grep -q "Starting to listen for events" /tmp/vigil-fap.log && break; sleep 0.1; done
  grep -q "Starting to listen for events" /tmp/vigil-fap.log || { echo "fapolicyd did not start:"; tail -5 /tmp/vigil-fap.log; kill $fap; exit 1; }
  with=$(figure)
  kill $fap; wait $fap 2>/dev/null
  echo "$bare $with"
done >/tmp/vigil-fap.rows
umount "$dir"; rmdir "$dir"
NS
python3 - /tmp/vigil-fap.rows <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 2]
if not rows:
    sys.exit("no complete round")
print(f"fapolicyd 1.1.7 (Debian; allow-all, integrity off), cat of 200 files on a tmpfs, repeated passes, medians of {len(rows)} rounds")
print(f"{'case':58} {'us/file':>9} {'x bare':>8}")
print(f"{'bare':58} {statistics.median(r[0] for r in rows):9.2f} {1:8.2f}")
print(f"{'fapolicyd answering':58} {statistics.median(r[1] for r in rows):9.2f} "
      f"{statistics.median(r[1] / r[0] for r in rows):8.2f}")
PY
rm -f /tmp/vigil-fap.rows /tmp/vigil-fap.log
