#!/usr/bin/env python3
"""The layering of docs/architecture.md, checked on the sources themselves.

Each folder under src/ may include headers of the folders listed for it below and of
include/vigil, nothing else; no source file under src/ is longer than MAX_LINES. Bazel's
visibility stops a target from depending on another it should not; this stops an include
that reaches a header through a target that happens to be linked anyway. Prints every
violation as file:line and exits 1 if there is one.

usage: layering.py ROOT [DOC]   (ROOT holds src/; DOC: docs/architecture.md, whose table
of folders must say what ALLOWED says)
"""
import os
import re
import sys

MAX_LINES = 600

# Bottom to top. A folder may include the folders listed for it (not transitively: each
# edge is written out, so the table is the whole truth). docs/architecture.md draws it.
ALLOWED = {
    "common": [],
    "proc": ["common"],
    "fields": ["common", "proc"],
    "rules": ["common", "fields"],
    "config": ["common", "rules"],
    "seccomp": ["common", "proc"],
    "fanotify": ["common", "proc", "fields"],
    "outputs": ["common", "config"],
    "verdict": ["common", "fields", "rules", "config", "outputs"],
    "control": ["common"],
    "containers": ["common"],
    "web": ["common"],
    "runtime": ["common", "proc", "fields", "rules", "config", "seccomp", "control"],
    "keeper": ["common", "config", "web"],
    "ruletest": ["common", "fields", "rules", "config", "verdict"],
    "hook": ["common", "config", "runtime", "control", "containers"],
    "install": ["common"],
    "engine": ["common", "proc", "fields", "rules", "config", "seccomp", "fanotify",
               "outputs", "verdict", "control", "containers", "web", "runtime", "keeper"],
    "cli": ["common", "proc", "fields", "rules", "config", "seccomp", "fanotify", "outputs",
            "verdict", "control", "containers", "web", "runtime", "keeper", "ruletest",
            "hook", "install", "engine"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"src/([a-z_]+)/')


DOC_ROW = re.compile(r"^\| `([a-z_]+)` \|[^|]*\| ([^|]*) \|$")


def doc_problems(doc):
    """The table of docs/architecture.md against ALLOWED, folder by folder."""
    said = {}
    with open(doc, encoding="utf-8") as f:
        for line in f:
            m = DOC_ROW.match(line.strip())
            if not m:
                continue
            cell = m.group(2).strip()
            if cell == "everything":
                deps = set(ALLOWED) - {m.group(1)}
            elif cell in ("—", "-", ""):
                deps = set()
            else:
                deps = {w.strip() for w in cell.split(",")}
            said[m.group(1)] = deps
    out = []
    for folder, deps in ALLOWED.items():
        if folder not in said:
            out.append(f"{doc}: no row for src/{folder}")
        elif said[folder] != set(deps):
            out.append(f"{doc}: src/{folder} may include {sorted(said[folder])} by the doc, "
                       f"{sorted(deps)} by tests/arch/layering.py")
    for folder in said:
        if folder not in ALLOWED:
            out.append(f"{doc}: a row for src/{folder}, which the layering does not place")
    return out


def main(root, doc=None):
    problems = doc_problems(doc) if doc else []
    src = os.path.join(root, "src")
    folders = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
    for folder in folders:
        if folder not in ALLOWED:
            problems.append(f"src/{folder}: a folder the layering does not place "
                            "(add it to tests/arch/layering.py and docs/architecture.md)")
            continue
        may = set(ALLOWED[folder]) | {folder}
        for dirpath, _, files in os.walk(os.path.join(src, folder)):
            for name in sorted(files):
                if not name.endswith((".cc", ".h")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                with open(path, encoding="utf-8") as f:
                    lines = f.readlines()
                if len(lines) > MAX_LINES:
                    problems.append(f"{rel}: {len(lines)} lines, over {MAX_LINES}: split it")
                for n, line in enumerate(lines, 1):
                    m = INCLUDE.match(line)
                    if m and m.group(1) not in may:
                        problems.append(f"{rel}:{n}: src/{folder} includes src/{m.group(1)}, "
                                        "which the layering does not allow")
    for p in problems:
        print(p)
    checked = sum(1 for f in folders if f in ALLOWED)
    print(f"layering: {checked} folders checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
