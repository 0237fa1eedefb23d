#!/usr/bin/env python3
"""Checks a merged OCI config against the original: for every syscall outside the NOTIFY
set, the rules that name it are exactly the original's; inside the set, allow rules became
NOTIFY rules with the same argument conditions and deny rules are unchanged. clone3, with
clone in the set, becomes ENOSYS where the profile allowed it.
usage: check_merge.py ORIGINAL MERGED SYSCALL..."""
import json
import sys

ALLOW = {"SCMP_ACT_ALLOW", "SCMP_ACT_LOG"}


def entries(profile, name):
    out = []
    for r in profile.get("syscalls", []):
        names = list(r.get("names", [])) + ([r["name"]] if "name" in r else [])
        if name in names:
            e = {k: v for k, v in r.items() if k not in ("names", "name")}
            out.append(json.dumps(e, sort_keys=True))
    return sorted(out)


def main():
    orig = json.load(open(sys.argv[1]))["linux"]["seccomp"]
    merged = json.load(open(sys.argv[2]))["linux"]["seccomp"]
    notify = set(sys.argv[3:])
    errors = []
    for key in ("defaultAction", "architectures", "flags", "defaultErrnoRet"):
        if orig.get(key) != merged.get(key):
            errors.append(f"{key} changed: {orig.get(key)} -> {merged.get(key)}")
    all_names = set()
    for p in (orig, merged):
        for r in p.get("syscalls", []):
            all_names.update(r.get("names", []))
    notified = []
    for s in sorted(all_names):
        o, m = entries(orig, s), entries(merged, s)
        if s == "clone3" and "clone" in notify:
            # clone3's flags are in memory: where the profile allows it, vigil answers it
            # ENOSYS (libc falls back to clone, whose flags the filter tests).
            enosys = json.dumps({"action": "SCMP_ACT_ERRNO", "errnoRet": 38}, sort_keys=True)
            if not all(json.loads(e)["action"] not in ALLOW for e in o) and m != [enosys]:
                errors.append(f"clone3: allowed by the profile but not answered ENOSYS:\n  {o}\n  {m}")
            continue
        if s not in notify:
            if o != m:
                errors.append(f"{s}: outside the NOTIFY set but its rules changed:\n  {o}\n  {m}")
            continue
        want = []
        for e in map(json.loads, o):
            if e.get("action") in ALLOW:
                e["action"] = "SCMP_ACT_NOTIFY"
                e.pop("errnoRet", None)
                notified.append(s)
            want.append(json.dumps(e, sort_keys=True))
        if not o and orig["defaultAction"] in ALLOW:
            want.append(json.dumps({"action": "SCMP_ACT_NOTIFY"}, sort_keys=True))
            notified.append(s)
        if sorted(want) != m:
            errors.append(f"{s}: in the NOTIFY set, merged wrongly:\n  want {sorted(want)}\n  got  {m}")
    if notified and merged.get("listenerPath") in (None, ""):
        errors.append("no listenerPath")
    for e in errors:
        print("FAIL", e)
    print(f"checked {len(all_names)} syscalls; notified: {sorted(set(notified))}")
    return 1 if errors else 0


sys.exit(main())
