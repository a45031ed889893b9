#!/usr/bin/env python3
"""managed_coverage.py — how much of AWS's conformance packs plumb's managed rules cover.

Counts the rule slots (one per `SourceIdentifier` of an `Owner: AWS` rule) in every template of
a conformance-pack directory and the share whose identifier is implemented: one that a
src/rules/managed/r_*.c implementation table names (`.identifier = "X"`). Also counts the packs
that can be evaluated completely. AWS_CONFIG_PROCESS_CHECK (manual, results come from
PutExternalEvaluation) counts as implemented once an implementation table names it (r_last.c
does; before, its slots counted as not implemented).

usage: tools/managed_coverage.py [packs dir, default ../shared/data/conformance-packs]
                                 [--rev GIT-REV: read the implementations at that commit]
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SRC = "src/rules/managed"


def implemented(rev):
    ids = set()
    if rev:
        names = subprocess.run(["git", "-C", ROOT, "ls-tree", "--name-only", f"{rev}:{SRC}"],
                               capture_output=True, text=True, check=True).stdout.split()
        texts = [subprocess.run(["git", "-C", ROOT, "show", f"{rev}:{SRC}/{n}"],
                                capture_output=True, text=True, check=True).stdout
                 for n in names if n.startswith("r_") and n.endswith(".c")]
    else:
        d = os.path.join(ROOT, SRC)
        texts = [open(os.path.join(d, n)).read() for n in sorted(os.listdir(d))
                 if n.startswith("r_") and n.endswith(".c")]
    for t in texts:
        ids.update(re.findall(r'\.identifier\s*=\s*"([A-Z0-9_]+)"', t))
    return ids


def slots(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    # "SourceIdentifier: X" inline or on the next line; quotes and braces stripped
    # (a custom rule's `SourceIdentifier: {Ref: ...}` is no managed slot)
    return re.findall(r'SourceIdentifier:\s*["\']?([A-Z0-9_]+)(?![A-Za-z0-9_])', text)


def main():
    args = sys.argv[1:]
    rev = None
    if "--rev" in args:
        i = args.index("--rev")
        rev = args[i + 1]
        del args[i:i + 2]
    packs = args[0] if args else os.path.join(ROOT, "..", "shared", "data", "conformance-packs")
    impl = implemented(rev)
    total = done = full = npacks = 0
    for name in sorted(os.listdir(packs)):
        if not name.endswith((".yaml", ".yml", ".json")):
            continue
        ids = slots(os.path.join(packs, name))
        if not ids:
            continue
        npacks += 1
        ok = sum(1 for i in ids if i in impl)
        total += len(ids)
        done += ok
        full += ok == len(ids)
    print(f"implemented identifiers: {len(impl)}")
    print(f"rule slots: {total} in {npacks} packs; implemented: {done} "
          f"({100.0 * done / max(total, 1):.1f}%)")
    print(f"packs evaluable completely: {full}")


if __name__ == "__main__":
    main()
