#!/usr/bin/env python3
"""bench_rule_counts.py — what migration 14's rule_counts triggers cost each rule_evals write
(docs/PERFORMANCE.md, "The compliance summary from counts").

    bench_rule_counts.py PLUMB [N]

Makes a store with `PLUMB record` (an empty file), then times N upserts of new results
(COMPLIANT, then NOT_APPLICABLE), N compliance changes and N same-compliance updates, each
phase one transaction, with the triggers dropped and with them, two rounds. Prints one line per
store: "triggers=no|yes insert_us=... flip_us=... insert_na_us=... same_us=..." (CPU µs per
write, Python's sqlite3 per-statement cost included)."""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

UPSERT = ("INSERT INTO rule_evals(account, region, rule, resource_type, resource_id, mode, comp,"
          " annotation, ordering_ms, recorded_ms, invoked_ms, token)"
          " VALUES(?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, NULL)"
          " ON CONFLICT DO UPDATE SET comp = excluded.comp, ordering_ms = excluded.ordering_ms")
SAME = ("UPDATE rule_evals SET ordering_ms = 3 WHERE account = ? AND region = ? AND rule = ?"
        " AND resource_type = ? AND resource_id = ? AND mode = ?")
KEY = ("123456789012", "us-east-1")


def phase(db, n, stmt, args):
    t0 = time.process_time()
    db.execute("BEGIN")
    for i in range(n):
        db.execute(stmt, args(i))
    db.execute("COMMIT")
    return (time.process_time() - t0) * 1e6 / n


def run(path, n, drop):
    db = sqlite3.connect(path, isolation_level=None)
    if drop:
        for t in ("rule_counts_ins", "rule_counts_upd", "rule_counts_del"):
            db.execute("DROP TRIGGER " + t)
    db.execute("PRAGMA synchronous=NORMAL")

    def res(pre, comp, ms):
        return lambda i: KEY + ("rule-%02d" % (i % 20), "AWS::S3::Bucket", "%s-%07d" % (pre, i),
                                "DETECTIVE", comp, ms, ms, ms)
    out = [("insert", phase(db, n, UPSERT, res("b", 1, 1))),
           ("flip", phase(db, n, UPSERT, res("b", 2, 2))),
           ("insert_na", phase(db, n, UPSERT, res("n", 0, 1))),
           ("same", phase(db, n, SAME, lambda i: KEY + ("rule-%02d" % (i % 20), "AWS::S3::Bucket",
                                                        "b-%07d" % i, "DETECTIVE")))]
    db.close()
    return out


def main():
    plumb, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200000
    tmp = tempfile.mkdtemp(prefix="bench_rule_counts_")
    try:
        empty = os.path.join(tmp, "empty.jsonl")
        open(empty, "w").close()
        for rnd in range(2):
            for drop in (True, False):
                d = os.path.join(tmp, "d%d%d" % (rnd, drop))
                subprocess.run([plumb, "record", "--data", d, "--all", "--quiet", "--account",
                                KEY[0], "--region", KEY[1], empty], check=True,
                               capture_output=True)
                r = run(os.path.join(d, "plumb.db"), n, drop)
                print("triggers=%s " % ("no" if drop else "yes") +
                      " ".join("%s_us=%.2f" % x for x in r), flush=True)
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
