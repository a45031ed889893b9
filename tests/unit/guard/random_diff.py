#!/usr/bin/env python3
"""Random differential test: generated rules on a generated document, plumb-guard vs cfn-guard.

    random_diff.py PLUMB_GUARD [N=300] [SEED=1]

Each case is one rules file of a few random clauses (queries over a fixed-shape random document,
every operator, literals of every type, variables, `some`, `not`, filters, blocks, when) run by
both engines through `validate -o json`; the per-rule statuses (or "error") must agree.
Disagreeing cases are written to /tmp/guard-rdiff-N.{guard,json}. Exit 1 on any disagreement.
"""
import json
import os
import random
import subprocess
import sys
import tempfile

CFN = os.environ.get("CFN_GUARD", "/tmp/cfn-guard-3.1.1/package/bin/ubuntu/x86_64/cfn-guard")

KEYS = ["A", "B", "C", "Tags", "Ports", "Name", "Props", "Missing"]


def rvalue(r, depth=0):
    t = r.choice(["int", "int", "float", "str", "str", "bool", "null", "list", "map", "emptyl"])
    if depth > 1 and t in ("list", "map"):
        t = "int"
    if t == "int":
        return r.choice([0, 1, 2, 22, 443, -1])
    if t == "float":
        return r.choice([1.0, 2.5, 0.0])
    if t == "str":
        return r.choice(["a", "b", "prod-x", "", "443", "true"])
    if t == "bool":
        return r.choice([True, False])
    if t == "null":
        return None
    if t == "emptyl":
        return r.choice([[], {}])
    if t == "list":
        return [rvalue(r, depth + 1) for _ in range(r.randint(1, 3))]
    return {k: rvalue(r, depth + 1) for k in r.sample(["A", "B", "Key", "Value"], r.randint(1, 3))}


def doc(r):
    d = {k: rvalue(r) for k in KEYS if k != "Missing" and r.random() < 0.85}
    d["Tags"] = [{"Key": r.choice(["env", "team"]), "Value": rvalue(r, 2)}
                 for _ in range(r.randint(0, 3))]
    d["Resources"] = {f"r{i}": {"Type": r.choice(["AWS::S3::Bucket", "AWS::SQS::Queue"]),
                                "Properties": {k: rvalue(r, 1) for k in
                                               r.sample(["A", "B", "Tags", "Name"], 2)}}
                      for i in range(r.randint(0, 3))}
    return d


def lit(r):
    c = r.random()
    if c < 0.55:
        return json.dumps(rvalue(r, 1)).replace("null", "null")
    if c < 0.7:
        return r.choice(["/^prod/", "/a/", "/^$/"])
    if c < 0.8:
        return r.choice(["r[0,10]", "r(0,443]", "r[1.0,3.0)"])
    return r.choice(["%lit", "%q", "%n"])


def query(r):
    base = r.choice(["A", "B", "C", "Name", "Ports", "Missing", "Tags[*].Key", "Tags[*].Value",
                     "Tags.*.Key", "Props.A", "Props.*", "Resources.*.Properties.A",
                     "Resources.*[ Type == 'AWS::S3::Bucket' ].Properties.Name",
                     "Resources.*[ Type == 'AWS::SNS::Topic' ]", "%q", "%q.A", "Tags[0].Key",
                     "Ports[*]", "A[*]", "Tags[ Key == 'env' ].Value", "%lit", "this.A",
                     "Resources.*[ Properties.A exists ].Properties.B",
                     "Resources[ keys == /r0/ ].Type", "Tags[ this.Key != 'env' ].Key",
                     "Props[*]", "Resources.*.Properties[ A exists or B exists ].Name",
                     "C.*", "C.B.*", "B.Key", "Tags[-1].Value", "%q[ Properties.Name exists ]",
                     "Resources.*[ Type IN ['AWS::S3::Bucket'] ].Properties.Tags[*]"])
    return ("some " if r.random() < 0.15 else "") + base


def clause(r):
    q = query(r)
    op = r.choice(["==", "!=", "==", "IN", "NOT IN", ">", "<=", "exists", "!exists", "empty",
                   "!empty", "is_string", "is_list", "is_int", "!is_null"])
    neg = "not " if r.random() < 0.1 else ""
    if op in ("==", "!=", "IN", "NOT IN", ">", "<="):
        rhs = lit(r)
        if op in ("IN", "NOT IN") and r.random() < 0.6:
            rhs = json.dumps([rvalue(r, 2) for _ in range(r.randint(1, 3))])
        return f"{neg}{q} {op} {rhs}"
    return f"{neg}{q} {op}"


def rules(r):
    out = ["let q = Resources.*[ Type == 'AWS::S3::Bucket' ]",
           f"let lit = {json.dumps(rvalue(r, 1))}", "let n = count(Tags[*])"]
    for i in range(r.randint(1, 4)):
        body = []
        for _ in range(r.randint(1, 3)):
            c = clause(r)
            if r.random() < 0.25:
                c += " or " + clause(r)
            body.append(c)
        if r.random() < 0.2:
            body = [f"Tags[*] {{ {clause(r).replace('Tags[*].', '')} }}"] + body
        if r.random() < 0.15:
            body.append(f"{r.choice(['', 'some '])}Resources.*.Properties {{\n    "
                        f"{r.choice(['A', 'B', 'Name', 'Tags'])} {r.choice(['exists', 'empty', '!empty', 'is_list'])}"
                        f" or {r.choice(['A', 'Missing'])} == {lit(r)}\n  }}")
        if r.random() < 0.15:
            body.append(f"when {clause(r)} {{\n    {clause(r)}\n  }}")
        if i > 0 and r.random() < 0.25:
            body.append(f"{r.choice(['', 'not '])}r{r.randrange(i)}")
        cond = f" when {clause(r)}" if r.random() < 0.2 else ""
        out.append(f"rule r{i}{cond} {{\n  " + "\n  ".join(body) + "\n}")
    return "\n".join(out) + "\n"


def run(binary, rp, dp):
    p = subprocess.run([binary, "validate", "-r", rp, "-d", dp, "-o", "json", "-S", "none"],
                       capture_output=True, text=True, timeout=60)
    if "panicked" in p.stderr:  # cfn-guard's reporter crashes on some failures of literals
        return "crash"
    try:
        rep = json.loads(p.stdout)
    except ValueError:
        return "error" if p.returncode != 5 else "parse-error"
    res = {n: "PASS" for n in rep.get("compliant") or []}
    res.update({n: "SKIP" for n in rep.get("not_applicable") or []})
    res.update({it["Rule"]["name"]: "FAIL" for it in rep.get("not_compliant") or []})
    return res


def main(argv):
    plumb = argv[1]
    n = int(argv[2]) if len(argv) > 2 else 300
    r = random.Random(int(argv[3]) if len(argv) > 3 else 1)
    bad = crashed = 0
    with tempfile.TemporaryDirectory() as d:
        for i in range(n):
            rp, dp = os.path.join(d, "t.guard"), os.path.join(d, "t.json")
            text, data = rules(r), doc(r)
            open(rp, "w").write(text)
            json.dump(data, open(dp, "w"))
            a, b = run(CFN, rp, dp), run(plumb, rp, dp)
            if a == "crash":
                crashed += 1
                continue
            if a != b:
                bad += 1
                base = f"/tmp/guard-rdiff-{bad}"
                open(base + ".guard", "w").write(text)
                json.dump(data, open(base + ".json", "w"))
                print(f"DIFF {base}: cfn-guard {a} plumb {b}")
    print(f"{n - crashed - bad}/{n - crashed} agree ({crashed} cases skipped: cfn-guard panicked)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
