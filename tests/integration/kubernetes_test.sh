#!/usr/bin/env bash
# deploy/kubernetes/ run as a node would run it (issue 15), without a cluster: the
# DaemonSet's init container and daemon container, and the cleanup DaemonSet, each run by
# podman from the manifest itself (pod_to_podman.py: the same image, privileges, host
# PIDs, host paths, ConfigMap volume, limits and args; it refuses a field it cannot
# translate), against this machine's root, containerd and runc:
#  - install: the host gets the binary, its libraries, vigil-runc and containerd's
#    "vigil" runtime handler (containerd's own `config dump` shows it);
#  - a container started through containerd with that handler's binary (ctr
#    --runc-binary, as CRI would) is protected: EPERM and the alert on the pod's stdout;
#  - a ConfigMap update (kubelet's ..data swap) of local_rules.yaml is in force for the
#    next container without a restart;
#  - roll-out: a pod from a newer image starts next to the running one (maxSurge: 1),
#    takes over, the old one waits to be stopped (healthz 200) and stops at SIGTERM; a
#    protected container looping over blocked calls meanwhile sees 0 failures, and every
#    block has its alert on one of the two pods' stdout;
#  - removal: the cleanup DaemonSet's container restores the host's files byte for byte.
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
KDIR="$(realpath "$3")"
POD="$(realpath "$(dirname "$0")/pod_to_podman.py")"
BUILD="$(realpath "$(dirname "$0")/../../deploy/image/build.sh")"
source "$(dirname "$0")/lib.sh"
img="localhost/vigil-k8s-$$"
pods=("vigil-k8s-init-$$" "vigil-k8s-1-$$" "vigil-k8s-2-$$" "vigil-k8s-clean-$$")
cm="$it_dir/configmaps"
host_files=(/etc/containerd/config.toml /etc/docker/daemon.json)
cleanup_k8s() {
  touch "$it_dir"/loop/rootfs/tmp/enough 2>/dev/null
  it_stop_containerd
  for p in "${pods[@]}"; do podman rm -f -t 0 "$p" >/dev/null 2>&1; done
  podman rmi -f "$img:1" "$img:2" >/dev/null 2>&1
  # Whatever the test left on the host: vigil's own uninstall puts it back.
  [ -e /usr/local/bin/vigil ] && /usr/local/bin/vigil uninstall --runtime containerd >/dev/null 2>&1
  rm -f /run/vigil/seccomp.sock /run/vigil/control.sock /run/vigil/handover.sock
  it_cleanup
}
trap cleanup_k8s EXIT
podman_run() {  # this machine: no CAP_SYS_RESOURCE (explicit limits), runc (hybrid cgroups)
  podman --runtime runc run --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 "$@"
}
pod_args() {  # CONTAINER IMAGE [DAEMONSET [KDIR]]: the manifest's podman arguments
  python3 "$POD" args "${4:-$KDIR}" "${3:-vigil}" "$1" "$2" "$cm"
}
pod_ip() { podman inspect -f '{{.NetworkSettings.IPAddress}}' "$1"; }
healthz() {  # POD: the readiness probe as kubelet makes it (the pod's IP, the probe's port)
  local p
  p=$(python3 "$POD" probe "$KDIR" vigil vigil readinessProbe)
  set -- "$1" $p
  curl -s -w ' %{http_code}' --max-time 2 "http://$(pod_ip "$1"):$4$3"
}
wait_ready() {  # POD: until its readiness probe answers 200
  for _ in $(seq 100); do
    case "$(healthz "$1")" in *" 200") return 0 ;; esac
    sleep 0.2
  done
  return 1
}
alerts_of() {  # RULE POD...: the distinct ids of RULE's alerts on the pods' stdout
  local rule="$1"
  shift
  for p in "$@"; do podman logs "$p" 2>/dev/null; done | python3 -c '
import json, sys
ids = set()
for line in sys.stdin:
    try:
        a = json.loads(line)
    except ValueError:
        continue
    if a.get("rule") == sys.argv[1]:
        ids.add(a.get("id"))
print(len(ids))' "$rule"
}

[ -e /usr/local/bin/vigil ] && { echo "FAIL: vigil is installed on this host already"; exit 1; }
declare -A before
for f in "${host_files[@]}"; do before[$f]=$( [ -e "$f" ] && sha256sum <"$f" || echo absent); done

echo "== the images (deploy/image/build.sh), as a registry would serve them"
for v in 1 2; do
  (cd "$(dirname "$BUILD")/../.." && VIGIL_BIN="$VIGIL" bash "$BUILD" "$it_dir/vigil-$v.tar" "$img:$v" >/dev/null 2>"$it_dir/build.log") ||
    { it_fail "image $v"; tail "$it_dir/build.log"; exit 1; }
done
[ "$(podman image inspect -f '{{.Id}}' "$img:1")" != "$(podman image inspect -f '{{.Id}}' "$img:2")" ] &&
  it_ok "two images, as an upgrade has" || it_fail "the two builds made one image"

echo "== the ConfigMap, edited as a user would before applying: mode enforce"
python3 "$POD" configmap "$KDIR" vigil-config "$cm"
sed 's/^mode: monitor .*/mode: enforce/' "$cm/vigil-config/vigil.yaml" >"$it_dir/vigil.yaml.cm"
python3 "$POD" configmap "$KDIR" vigil-config "$cm" "vigil.yaml=$it_dir/vigil.yaml.cm"
it_expect_in "the ConfigMap says enforce" "mode: enforce" "$(cat "$cm/vigil-config/vigil.yaml")"

echo "== the init container: vigil install into the host"
mapfile -t args < <(pod_args install "$img:1")
out=$(podman_run --rm --name "${pods[0]}" "${args[@]}" 2>&1)
rc=$?
echo "$out" | sed 's/^/  | /'
it_expect_eq "it exits 0 (the pod's next container may start)" "$rc" "0"
it_expect_in "it checked the installed binary runs on the node" \
  "checked    /usr/local/bin/vigil runs on this node" "$out"
it_expect_in "it brought the libraries the node may lack" "/usr/local/lib/vigil/libstdc++.so.6" "$out"
it_expect_in "and says why containerd was not restarted (no systemd here)" \
  "containerd not restarted: the node has no systemd" "$out"
it_expect_eq "on the host, vigil-runc runs (the host's loader, the brought libraries)" \
  "$(/usr/local/bin/vigil-runc --version 2>&1 | head -1 | cut -c1-6; /usr/local/bin/vigil version | cut -c1-6)" \
  "$(printf 'runc v\nvigil ')"
it_expect_in "its RPATH finds them" "/usr/local/bin/../lib/vigil/libspdlog" "$(ldd /usr/local/bin/vigil)"
dump=$(containerd --config /etc/containerd/config.toml config dump 2>&1)
it_expect_in "containerd's own config dump has the vigil handler" "runtimes.vigil]" "$dump"
it_expect_in "whose runc is vigil-runc" 'BinaryName = "/usr/local/bin/vigil-runc"' "$dump"
it_expect_eq "Docker's config is not touched (a CRI node)" \
  "$( [ -e /etc/docker/daemon.json ] && sha256sum </etc/docker/daemon.json || echo absent)" \
  "${before[/etc/docker/daemon.json]}"
again=$(podman_run --rm --name "${pods[0]}" "${args[@]}" 2>&1)
it_expect_eq "run again (a pod restarted): no file changes" \
  "$(echo "$again" | grep -cE '^  (create|update|link) ')" "0"
it_expect_in "and containerd's restart is still owed" "containerd not restarted" "$again"

echo "== the daemon container"
mapfile -t args < <(pod_args vigil "$img:1")
podman_run -d --name "${pods[1]}" "${args[@]}" >/dev/null
wait_ready "${pods[1]}" && it_ok "its readiness probe answers 200" ||
  { it_fail "not ready: $(healthz "${pods[1]}")"; podman logs "${pods[1]}" 2>&1 | tail -20; exit 1; }
it_start_containerd
ctr_run() {  # NAME BUNDLE-NAME ARGS...: a container through the handler's binary
  local name="$1" b
  b=$(it_bundle "$2" true)
  shift 2
  timeout 60 ctr --address "$it_dir/c.sock" run --rm --rootfs \
    --runc-binary /usr/local/bin/vigil-runc "$b/rootfs" "$name" "$@" 2>&1
}
out=$(ctr_run "k8s-a-$$" bundle-a /usr/bin/probe bpf)
it_expect_in "a blocked call gets EPERM" "bpf: Operation not permitted" "$out"
for _ in $(seq 30); do [ "$(alerts_of "BPF in container" "${pods[1]}")" -ge 1 ] && break; sleep 0.1; done
it_expect_in "the alert is on the daemon container's stdout, naming the container" \
  "\"container.id\":\"$(echo "k8s-a-$$" | cut -c1-12)\"" \
  "$(podman logs "${pods[1]}" 2>/dev/null | grep '"rule":"BPF in container"' | head -1)"

echo "== a ConfigMap update (kubelet's ..data swap) is in force without a restart"
cat >"$it_dir/local.yaml" <<'YAML'
- rule: Mkdir below /k8s-blocked
  desc: a rule added through the ConfigMap
  condition: evt.type in (mkdir, mkdirat) and fd.name startswith /k8s-blocked/
  output: mkdir blocked by the ConfigMap's rule (file=%fd.name)
  priority: WARNING
  action: block
YAML
python3 "$POD" configmap "$KDIR" vigil-config "$cm" "local_rules.yaml=$it_dir/local.yaml"
for _ in $(seq 50); do
  podman logs "${pods[1]}" 2>&1 | grep -q "rules files changed" && break
  sleep 0.1
done
sleep 0.5
out=$(ctr_run "k8s-b-$$" bundle-b /bin/sh -c 'mkdir -p /k8s-blocked; mkdir /k8s-blocked/x; echo rc=$?')
it_expect_in "the next container's mkdir is blocked by the new rule" "rc=1" "$out"
it_expect_eq "and alerted" "$(alerts_of "Mkdir below /k8s-blocked" "${pods[1]}")" "1"

echo "== roll-out: a pod from the newer image takes over, the old one is stopped"
b=$(it_bundle loop sh -c 'i=0; bad=0; blocked=0; touch /tmp/running
while [ ! -e /tmp/enough ]; do
  out=$(/usr/bin/probe bpf 2>&1)
  case "$out" in
    *"not permitted"*) blocked=$((blocked+1)) ;;
    *) bad=$((bad+1)); echo "$out" ;;
  esac
  i=$((i+1))
done
echo rounds=$i blocked=$blocked bad=$bad')
ctr --address "$it_dir/c.sock" run --rm --rootfs --runc-binary /usr/local/bin/vigil-runc \
  "$b/rootfs" "k8s-loop-$$" /bin/sh -c "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["process"]["args"][2])' "$b/config.json")" \
  >"$it_dir/loop.out" 2>&1 &
loop_pid=$!
for _ in $(seq 100); do [ -e "$b/rootfs/tmp/running" ] && break; sleep 0.1; done
sleep 1
mapfile -t args < <(pod_args vigil "$img:2")
podman_run -d --name "${pods[2]}" "${args[@]}" >/dev/null
wait_ready "${pods[2]}" && it_ok "the new pod is ready" ||
  { it_fail "new pod not ready: $(healthz "${pods[2]}")"; podman logs "${pods[2]}" 2>&1 | tail -20; }
it_expect_in "it took the sessions over" "took over from the running daemon" \
  "$(podman logs "${pods[2]}" 2>&1)"
it_expect_in "the old pod handed over and waits (its exit would be restarted)" \
  "handed over; waiting to be stopped" "$(podman logs "${pods[1]}" 2>&1)"
it_expect_eq "the old pod still runs" "$(podman inspect -f '{{.State.Running}}' "${pods[1]}")" "true"
it_expect_in "and its probe says why it is still there, with 200" "handed over to a newer daemon" \
  "$(healthz "${pods[1]}")"
sleep 1
start=$(date +%s%N)
podman stop -t 45 "${pods[1]}" >/dev/null
took=$((($(date +%s%N) - start) / 1000000))
it_expect_eq "the old pod stops at SIGTERM with status 0" \
  "$(podman inspect -f '{{.State.ExitCode}}' "${pods[1]}")" "0"
[ "$took" -lt 5000 ] && it_ok "at once ($took ms), holding nothing" || it_fail "stopping took $took ms"
sleep 1
touch "$b/rootfs/tmp/enough"
wait "$loop_pid"
line=$(grep rounds= "$it_dir/loop.out")
echo "  $line"
rounds=$(echo "$line" | sed -n 's/.*rounds=\([0-9]*\).*/\1/p')
it_expect_eq "no failed call across the roll-out (no ENOSYS, no error)" \
  "$(echo "$line" | sed -n 's/.*bad=\([0-9]*\).*/\1/p')" "0"
[ "${rounds:-0}" -gt 20 ] && it_ok "the loop ran $rounds rounds" || it_fail "only ${rounds:-0} rounds: $(cat "$it_dir/loop.out")"
for _ in $(seq 30); do
  [ "$(alerts_of "BPF in container" "${pods[1]}" "${pods[2]}")" -ge $((rounds + 1)) ] && break
  sleep 0.1
done
it_expect_eq "every block has its alert on one of the pods' stdout" \
  "$(alerts_of "BPF in container" "${pods[1]}" "${pods[2]}")" "$((rounds + 1))"
out=$(ctr_run "k8s-c-$$" bundle-c /usr/bin/probe bpf)
it_expect_in "a new container is protected by the new pod" "bpf: Operation not permitted" "$out"

echo "== removal: the cleanup DaemonSet's container"
podman stop -t 45 "${pods[2]}" >/dev/null
it_stop_containerd
mapfile -t args < <(pod_args uninstall "$img:2" vigil-cleanup "$KDIR/cleanup")
podman_run -d --name "${pods[3]}" "${args[@]}" >/dev/null
for _ in $(seq 100); do podman logs "${pods[3]}" 2>&1 | grep -q "waiting for SIGTERM" && break; sleep 0.1; done
out=$(podman logs "${pods[3]}" 2>&1)
echo "$out" | sed 's/^/  | /'
it_expect_in "it uninstalled and waits (a DaemonSet's container must not exit)" \
  "uninstalled (exit status 0); waiting for SIGTERM" "$out"
for f in "${host_files[@]}"; do
  it_expect_eq "$f is as before, byte for byte" \
    "$( [ -e "$f" ] && sha256sum <"$f" || echo absent)" "${before[$f]}"
done
[ ! -e /usr/local/bin/vigil ] && [ ! -e /usr/local/bin/vigil-runc ] && [ ! -e /usr/local/lib/vigil ] &&
  [ ! -e /etc/vigil ] && [ ! -e /var/lib/vigil ] && it_ok "vigil's binary, libraries and files are gone" ||
  it_fail "left behind: $(ls -d /usr/local/bin/vigil* /usr/local/lib/vigil /etc/vigil /var/lib/vigil 2>/dev/null)"
podman stop -t 10 "${pods[3]}" >/dev/null
it_expect_eq "it stops at SIGTERM" "$(podman inspect -f '{{.State.ExitCode}}' "${pods[3]}")" "0"

[ "$it_failures" -eq 0 ] || {
  for p in "${pods[@]:1:2}"; do echo "--- $p"; podman logs "$p" 2>&1 | grep -v '"rule"' | tail -15; done
  exit 1
}
echo "kubernetes_test: all passed"
