#!/usr/bin/env python3
"""Differential test: plumb-guard vs the real cfn-guard on rules x inputs they were not written for.

    differential.py PLUMB_GUARD [PER_RULE=25] [SEED=1]

Every rules file of the shared corpus is evaluated against PER_RULE inputs drawn (with a fixed
seed) from all the corpus test specs, through `plumb-guard eval` and through the oracle adapter
cfn_guard_eval.py (real cfn-guard 3.1.1, see ../shared/tools/guard-corpus/fetch-cfn-guard).
Prints every disagreement and a summary; exit 1 when any status differs.
"""
import glob
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "..", "..", "shared")
TOOLS = os.path.join(SHARED, "tools", "guard-corpus")
sys.path.insert(0, TOOLS)
import run_corpus  # noqa: E402


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    try:
        return json.loads(p.stdout)
    except ValueError:
        return "ERROR"


def main(argv):
    plumb = argv[1]
    per = int(argv[2]) if len(argv) > 2 else 25
    rnd = random.Random(int(argv[3]) if len(argv) > 3 else 1)
    root = os.path.join(SHARED, "data", "guard")
    inputs = []
    for spec in sorted(glob.glob(root + "/**/tests/*.y*ml", recursive=True)):
        try:
            for e in run_corpus.load_spec_file(spec) or []:
                if isinstance(e, dict) and isinstance(e.get("input"), dict):
                    inputs.append(e["input"])
        except Exception:
            pass
    rules = sorted(glob.glob(root + "/**/*.guard", recursive=True))
    bad = total = 0
    with tempfile.TemporaryDirectory() as d:
        for r in rules:
            for k, inp in enumerate(rnd.sample(inputs, min(per, len(inputs)))):
                dp = os.path.join(d, "in.json")
                with open(dp, "w") as fh:
                    json.dump(inp, fh)
                a = run([sys.executable, os.path.join(TOOLS, "cfn_guard_eval.py"), r, dp])
                b = run([plumb, "eval", r, dp])
                total += 1
                if a != b:
                    bad += 1
                    keep = os.path.join(tempfile.gettempdir(), f"guard-diff-{bad}.json")
                    with open(keep, "w") as fh:
                        json.dump(inp, fh)
                    print(f"DIFF {os.path.relpath(r, root)} {keep}: cfn-guard {a} plumb {b}")
    print(f"{total - bad}/{total} agree")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
