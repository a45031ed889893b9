#!/usr/bin/env python3
"""Checks tests/data/guard/*.test cases against a cfn-guard-compatible binary.

    check_cfn_guard.py [--bin PATH] [--adapter] FILE.test...

With the real cfn-guard 3.1.1 (default: $CFN_GUARD or /tmp/cfn-guard-3.1.1/...; unpack it with
../shared/tools/guard-corpus/fetch-cfn-guard) this proves every expectation in the files is what
cfn-guard answers. `--bin build/plumb-guard` runs the same cases through plumb's CLI.

File format (see README in this directory): cases start with a line "### name"; sections start
with "--- rules", "--- input" (JSON or YAML) and "--- expect" (lines "RULE: PASS|FAIL|SKIP", or
"error" for an evaluation error, or "parse-error" for a rules syntax error).
Exit status: 0 when every case agrees, 1 otherwise.
"""
import json
import os
import subprocess
import sys
import tempfile

DEFAULT_BIN = "/tmp/cfn-guard-3.1.1/package/bin/ubuntu/x86_64/cfn-guard"


def parse_cases(path):
    cases, cur, sec = [], None, None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("### "):
                cur = {"name": line[4:].strip(), "rules": "", "input": "", "expect": "",
                       "file": path}
                cases.append(cur)
                sec = None
            elif line.startswith("--- ") and cur is not None:
                sec = line[4:].strip()
            elif cur is not None and sec:
                cur[sec] += line
    return cases


def expected(case):
    lines = [l.strip() for l in case["expect"].splitlines() if l.strip()]
    if lines and lines[0] in ("error", "parse-error"):
        return lines[0]
    out = {}
    for l in lines:
        k, v = l.split(":", 1)
        out[k.strip()] = v.strip()
    return out


def run(binary, case):
    with tempfile.TemporaryDirectory() as d:
        rp = os.path.join(d, "t.guard")
        dp = os.path.join(d, "t.yaml")
        with open(rp, "w") as fh:
            fh.write(case["rules"])
        with open(dp, "w") as fh:
            fh.write(case["input"] if case["input"].strip() else "{}\n")
        p = subprocess.run([binary, "validate", "-r", rp, "-d", dp, "-o", "json", "-S", "none"],
                           capture_output=True, text=True)
        if p.returncode == 5:
            return "parse-error"
        try:
            rep = json.loads(p.stdout)
        except ValueError:
            return "error"
        res = {}
        for n in rep.get("compliant") or []:
            res[n.split("/")[-1]] = "PASS"
        for n in rep.get("not_applicable") or []:
            res[n.split("/")[-1]] = "SKIP"
        for it in rep.get("not_compliant") or []:
            res[it["Rule"]["name"].split("/")[-1]] = "FAIL"
        return res


def main(argv):
    binary = os.environ.get("CFN_GUARD", DEFAULT_BIN)
    files = []
    i = 1
    while i < len(argv):
        if argv[i] == "--bin":
            binary = argv[i + 1]
            i += 2
            continue
        files.append(argv[i])
        i += 1
    bad = total = 0
    for f in files:
        for c in parse_cases(f):
            total += 1
            want, got = expected(c), run(binary, c)
            if isinstance(want, dict) and isinstance(got, dict):
                ok = all(got.get(k) == v for k, v in want.items())
            else:
                ok = want == got
            if not ok:
                bad += 1
                print(f"MISMATCH {f}: {c['name']}: want {want} got {got}")
    print(f"{total - bad} agree, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
