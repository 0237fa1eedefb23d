#!/usr/bin/env python3
"""rules/README.md's tables say what the code intercepts: each row is checked against
`vigil rules validate --json` of the rules it describes.

  rules_readme_test.py VIGIL README DEFAULT_RULES_DIR FALCO_RULES

Prevention table (vigil's own rules): one row per rule of the default rules file, and no
other; every system call a rule intercepts is named in its row (`execve*` names the
execve family) and every system call the Source column names is intercepted; the Kernel
interface column says seccomp exactly when the rule has system calls and fanotify exactly
when it has fanotify events, naming those events; "alert only" is said exactly of the
rules that do not block. Falco's stable-rules table: each row's rule exists in Falco's
file, and its Kernel interface column says seccomp and fanotify as above and covers the
rule's system calls.
"""
import fnmatch
import json
import re
import subprocess
import sys

vigil, readme, rules_dir, falco = sys.argv[1:5]
SYSCALLS = set()
with open("/usr/include/x86_64-linux-gnu/asm/unistd_64.h") as f:
    for line in f:
        m = re.match(r"#define __NR_(\w+) ", line)
        if m:
            SYSCALLS.add(m.group(1))
failures = []


def fail(what):
    failures.append(what)
    print("FAIL", what)


def validate(path):
    out = subprocess.run([vigil, "rules", "validate", "--json", path], capture_output=True,
                         text=True)
    data = json.loads(out.stdout)
    rules = {}
    for f in data["files"]:
        for r in f["rules"]:
            if r["status"] == "compiled":
                rules[r["name"]] = r
    return rules


def table(text, header):
    """The rows (lists of cells) of the table whose header row starts with `header`."""
    rows, inside = [], False
    for line in text.splitlines():
        if line.startswith(header):
            inside = True
            continue
        if inside:
            if not line.startswith("|"):
                break
            if line.startswith("|---"):
                continue
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            rows.append(cells)
    return rows


def named(cell):
    """The system call names (or globs of them) a cell puts in backticks."""
    out = set()
    for tok in re.findall(r"`([^`]+)`", cell):
        for part in re.split(r"[/\s]", tok):
            m = re.match(r"^(\*?[a-z_][a-z0-9_]*\*?)(\(|$)", part)
            if m and any(fnmatch.fnmatch(s, m.group(1)) for s in SYSCALLS):
                out.add(m.group(1))
    return out


def covered(syscall, names):
    return any(fnmatch.fnmatch(syscall, n) for n in names)


def check_interface(where, rule, row_text, interface):
    has_seccomp = "seccomp" in interface
    has_fanotify = "fanotify" in interface
    if has_seccomp != bool(rule["syscalls"]):
        fail(f"{where}: the row {'says' if has_seccomp else 'does not say'} seccomp; "
             f"the rule intercepts {rule['syscalls'] or 'no system call'}")
    if has_fanotify != bool(rule["fanotify"]):
        fail(f"{where}: the row {'says' if has_fanotify else 'does not say'} fanotify; "
             f"the rule's fanotify events: {rule['fanotify'] or 'none'}")
    names = named(row_text)
    for s in rule["syscalls"]:
        if not covered(s, names):
            fail(f"{where}: intercepts {s}, which the row does not name")


text = open(readme).read()

# vigil's own rules
own = validate(rules_dir)
rows = table(text, "| Rule | Source | Kernel interface | Proven by |")
if len(rows) < 10:
    fail(f"the prevention table has {len(rows)} rows")
seen = set()
for rule_cell, source, interface, proven in rows:
    name = rule_cell.strip("* ")
    where = f"prevention table, {name}"
    seen.add(name)
    rule = own.get(name)
    if not rule:
        fail(f"{where}: no such rule in {rules_dir}")
        continue
    check_interface(where, rule, " ".join([source, interface]), interface)
    for n in named(source):
        if not any(fnmatch.fnmatch(s, n) for s in rule["syscalls"]):
            fail(f"{where}: the Source column names {n}, which the rule does not intercept")
    for ev in ("FAN_OPEN_EXEC_PERM", "FAN_OPEN_PERM"):
        said = re.search(ev + r"(?!_)", interface) is not None
        if ev in rule["fanotify"] and not said:
            fail(f"{where}: the rule uses {ev}, the row does not say so")
    alert_only = "alert only" in proven
    if alert_only == (rule["action"] == "block"):
        fail(f"{where}: the row {'says' if alert_only else 'does not say'} alert only; "
             f"the rule's action is {rule['action']}")
for name in sorted(set(own) - seen):
    fail(f"prevention table: no row for the rule {name}")

# Falco's stable rules
theirs = validate(falco)
rows = table(text, "| # | Falco rule | Status | Kernel interface | Notes |")
if len(rows) != 25:
    fail(f"the Falco table has {len(rows)} rows, not 25")
for num, name, status, interface, notes in rows:
    where = f"Falco table, {num} {name}"
    rule = theirs.get(name)
    if not rule:
        fail(f"{where}: no such compiled rule in Falco's file")
        continue
    check_interface(where, rule, interface, interface)

print(f"{len(own)} of vigil's rules and {len(rows)} of Falco's checked against the README: "
      f"{len(failures)} failures")
if failures or len(sys.argv) > 5:  # a mutated README (below) stops here
    sys.exit(1 if failures else 0)

# The check can fail: a README that drops a row, names a call the rule does not intercept,
# or calls a block alert-only is refused.
import os
import tempfile
bpf_row = next(line for line in text.splitlines() if line.startswith("| BPF in container |"))
mutations = {
    "a row dropped": text.replace(bpf_row + "\n", ""),
    "a call not intercepted": text.replace(bpf_row, bpf_row.replace("`bpf`", "`bpf`, `kexec_load`")),
    "a block called alert-only": text.replace(bpf_row, bpf_row.replace("EPERM + alert", "alert only")),
}
for what, mutated in mutations.items():
    if mutated == text:
        print(f"FAIL the mutation '{what}' changed nothing")
        sys.exit(1)
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as t:
        t.write(mutated)
    r = subprocess.run([sys.executable, __file__, vigil, t.name, rules_dir, falco, "mutated"],
                       capture_output=True, text=True)
    os.unlink(t.name)
    if r.returncode == 0:
        print(f"FAIL a README with {what} passed the check")
        sys.exit(1)
    print(f"ok   a README with {what} is refused: {r.stdout.splitlines()[0]}")
print("rules_readme_test: all passed")
