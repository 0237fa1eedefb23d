#!/usr/bin/env python3
"""Runs a Kubernetes manifest's pod as a node would, with podman (no cluster here).

  pod_to_podman.py args KUSTOMIZE_DIR DAEMONSET CONTAINER IMAGE CONFIGMAP_DIR
      podman run arguments (one per line) for CONTAINER (an init container or a container)
      of DaemonSet DAEMONSET as listed in KUSTOMIZE_DIR/kustomization.yaml, with its image
      replaced by IMAGE: privileges, host PIDs and network, host paths, ConfigMap volumes
      (materialized below CONFIGMAP_DIR, see `configmap`), env, resources and args. Stops
      with an error on any pod field it does not translate, so the test never runs less
      than the manifest says.
  pod_to_podman.py configmap KUSTOMIZE_DIR NAME CONFIGMAP_DIR [KEY=FILE]...
      writes ConfigMap NAME's data as kubelet does (CONFIGMAP_DIR/NAME/..<stamp>/KEY, an
      atomically swapped ..data symlink, KEY -> ..data/KEY); KEY=FILE replaces a key's text
      first (a `kubectl edit`), so calling it again is kubelet's update.
  pod_to_podman.py probe KUSTOMIZE_DIR DAEMONSET CONTAINER readinessProbe|livenessProbe
      "httpGet PATH PORT" or "tcpSocket PORT" (named ports resolved).
"""
import os
import sys
import time

import yaml

# Pod fields that only steer scheduling, the API or the roll-out: nothing for one node.
SCHEDULING_ONLY = {"tolerations", "priorityClassName", "automountServiceAccountToken",
                   "nodeSelector", "affinity"}
CONTAINER_FIELDS = {"name", "image", "args", "command", "env", "securityContext",
                    "volumeMounts", "ports", "readinessProbe", "livenessProbe", "resources"}


def load(kdir):
    with open(os.path.join(kdir, "kustomization.yaml")) as f:
        k = yaml.safe_load(f)
    docs = []
    for res in k["resources"]:
        with open(os.path.join(kdir, res)) as f:
            docs += [d for d in yaml.safe_load_all(f) if d]
    return docs


def find(docs, kind, name):
    for d in docs:
        if d["kind"] == kind and d["metadata"]["name"] == name:
            return d
    sys.exit(f"pod_to_podman: no {kind} {name}")


def container(pod, cname):
    for c in pod.get("initContainers", []) + pod["containers"]:
        if c["name"] == cname:
            return c
    sys.exit(f"pod_to_podman: no container {cname}")


def write_configmap(docs, name, out, replace):
    data = dict(find(docs, "ConfigMap", name)["data"])
    base = os.path.join(out, name)
    os.makedirs(base, exist_ok=True)
    for key, path in replace.items():
        if os.path.exists(os.path.join(base, key)) or key in data:
            with open(path) as f:
                data[key] = f.read()
    # An update keeps the keys' current text unless replaced (kubelet writes them all).
    for key in data:
        cur = os.path.join(base, key)
        if os.path.exists(cur) and key not in replace:
            with open(cur) as f:
                data[key] = f.read()
    stamp = time.strftime("..%Y_%m_%d_%H_%M_%S.") + str(time.time_ns())
    os.mkdir(os.path.join(base, stamp))
    for key, text in data.items():
        with open(os.path.join(base, stamp, key), "w") as f:
            f.write(text)
    tmp = os.path.join(base, "..data_tmp")
    os.symlink(stamp, tmp)
    os.rename(tmp, os.path.join(base, "..data"))
    for key in data:
        link = os.path.join(base, key)
        if not os.path.islink(link):
            os.symlink(os.path.join("..data", key), link)


def podman_args(docs, ds_name, cname, image, cm_dir):
    ds = find(docs, "DaemonSet", ds_name)
    pod = ds["spec"]["template"]["spec"]
    c = container(pod, cname)
    unknown = set(pod) - SCHEDULING_ONLY - {"hostPID", "hostNetwork", "containers",
                                            "initContainers", "volumes",
                                            "terminationGracePeriodSeconds"}
    unknown |= set(c) - CONTAINER_FIELDS
    if unknown:
        sys.exit(f"pod_to_podman: does not translate {sorted(unknown)}")
    args = []
    if pod.get("hostPID"):
        args += ["--pid", "host"]
    if pod.get("hostNetwork"):
        args += ["--network", "host"]
    if "terminationGracePeriodSeconds" in pod:
        args += ["--stop-timeout", str(pod["terminationGracePeriodSeconds"])]
    sc = c.get("securityContext", {})
    if set(sc) - {"privileged"}:
        sys.exit(f"pod_to_podman: does not translate securityContext {sorted(sc)}")
    if sc.get("privileged"):
        args.append("--privileged")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for m in c.get("volumeMounts", []):
        v = volumes[m["name"]]
        if "hostPath" in v:
            src = v["hostPath"]["path"]
            if v["hostPath"].get("type") == "DirectoryOrCreate":
                os.makedirs(src, exist_ok=True)
        elif "configMap" in v:
            src = os.path.join(cm_dir, v["configMap"]["name"])
            if not os.path.isdir(src):
                write_configmap(docs, v["configMap"]["name"], cm_dir, {})
        else:
            sys.exit(f"pod_to_podman: does not translate volume {v}")
        args += ["-v", f"{src}:{m['mountPath']}" + (":ro" if m.get("readOnly") else "")]
    for e in c.get("env", []):
        args += ["-e", f"{e['name']}={e['value']}"]
    limits = c.get("resources", {}).get("limits", {})
    if "memory" in limits:
        args += ["--memory", limits["memory"].replace("Mi", "m").replace("Gi", "g")]
    if "command" in c:
        args += ["--entrypoint", c["command"][0]]
    args.append(image)
    args += c.get("command", [])[1:] + c.get("args", [])
    return args


def probe(docs, ds_name, cname, which):
    c = container(find(docs, "DaemonSet", ds_name)["spec"]["template"]["spec"], cname)
    p = c[which]
    ports = {x["name"]: x["containerPort"] for x in c.get("ports", []) if "name" in x}
    if "httpGet" in p:
        port = p["httpGet"]["port"]
        return f"httpGet {p['httpGet']['path']} {ports.get(port, port)}"
    port = p["tcpSocket"]["port"]
    return f"tcpSocket {ports.get(port, port)}"


def main():
    cmd, kdir = sys.argv[1], sys.argv[2]
    docs = load(kdir)
    if cmd == "args":
        print("\n".join(podman_args(docs, *sys.argv[3:7])))
    elif cmd == "configmap":
        replace = dict(a.split("=", 1) for a in sys.argv[5:])
        write_configmap(docs, sys.argv[3], sys.argv[4], replace)
    elif cmd == "probe":
        print(probe(docs, *sys.argv[3:6]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
