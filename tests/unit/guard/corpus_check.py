#!/usr/bin/env python3
"""ctest driver: runs the shared conformance corpus through plumb-guard and fails below 99%.

    corpus_check.py PLUMB_GUARD SHARED_DIR [MIN_PERCENT]

Skips (exit 77) when the shared corpus is not there.
"""
import os
import re
import subprocess
import sys


def main(argv):
    binary, shared = argv[1], argv[2]
    minimum = float(argv[3]) if len(argv) > 3 else 99.0
    tools = os.path.join(shared, "tools", "guard-corpus")
    runner = os.path.join(tools, "run_corpus.py")
    truth = os.path.join(tools, "truth-cfn-guard-3.1.1.json")
    if not os.path.exists(runner) or not os.path.exists(truth):
        print(f"corpus not found under {tools}; skipping")
        return 77
    p = subprocess.run([sys.executable, runner, "--cmd", f"{binary} eval {{rules}} {{data}}",
                        "--truth", truth, "-v"], capture_output=True, text=True)
    sys.stdout.write(p.stdout[-20000:])
    m = re.search(r"(\d+) passed, (\d+) failed", p.stdout)
    if not m:
        sys.stderr.write(p.stderr)
        return 1
    ok, bad = int(m.group(1)), int(m.group(2))
    pct = 100.0 * ok / max(1, ok + bad)
    print(f"agreement {ok}/{ok + bad} = {pct:.2f}% (minimum {minimum}%)")
    return 0 if pct >= minimum else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
