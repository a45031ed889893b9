#!/usr/bin/env python3
"""bench_pack.py — deploy a 130-rule conformance pack on N recorded resources and time the first
complete compliance report.

Usage: bench_pack.py [N] [--template FILE] [--plumb BUILD/plumb]

1. gen_cis.py (bench/store) writes N resources (24 types, 2-4 KB CIs), re-homed into one
   account and region; `plumb record --data DIR` imports them before the server starts.
2. `plumb serve --auth open`; PutConformancePack of the template (default
   Operational-Best-Practices-for-NBC-TRMG.yaml: 130 rules) is the start of the clock.
3. The report is complete when every rule of the pack (process checks aside, whose results
   only come from PutExternalEvaluation) has finished its first evaluation
   (DescribeConfigRuleEvaluationStatus), read then with DescribeConformancePackCompliance and
   ListConformancePackComplianceScores. Printed: PutConformancePack latency, time to
   CREATE_COMPLETE (the deploy is asynchronous, as AWS's), time to the
   complete report, results stored (read from the data directory's evaluation table after
   the server stops), results/s, the server's CPU seconds during it (so that a loaded
   machine's figures can be read), and the server's peak RSS (VmHWM).
"""
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "bench", "store"))
import gen_cis  # noqa: E402

import boto3  # noqa: E402
import botocore.config  # noqa: E402

ACCOUNT, REGION = "123456789012", "us-east-1"


def arg(name, dflt):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else dflt


def estate(n, path):
    raw = path + ".raw"
    sys.argv_saved = sys.argv
    sys.argv = ["gen_cis.py", str(n), raw, "--resources", str(n)]
    gen_cis.main()
    sys.argv = sys.argv_saved
    with open(raw) as src, open(path, "w") as dst:
        for line in src:
            ci = json.loads(line)
            for k in ("awsAccountId", "accountId"):
                if k in ci:
                    ci[k] = ACCOUNT
            ci["awsRegion"] = REGION
            ci.pop("ARN", None)
            ci.pop("arn", None)
            dst.write(json.dumps(ci) + "\n")
    os.unlink(raw)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 10000
    plumb = arg("--plumb", os.path.join(ROOT, "build", "plumb"))
    template = arg("--template", os.path.join(ROOT, "..", "shared", "data", "conformance-packs",
                                               "Operational-Best-Practices-for-NBC-TRMG.yaml"))
    data = tempfile.mkdtemp(prefix="plumb-bench-pack-")
    try:
        cis = os.path.join(data, "cis.jsonl")
        estate(n, cis)
        t = time.time()
        subprocess.run([plumb, "record", "--data", data, cis], check=True, capture_output=True)
        print("recorded %d resources in %.1f s" % (n, time.time() - t))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        log = open(os.path.join(data, "serve.log"), "w")
        srv = subprocess.Popen([plumb, "serve", "--listen", "127.0.0.1:%d" % port, "--data",
                                data, "--auth", "open"], stdout=log, stderr=subprocess.STDOUT)
        try:
            report(srv, port, template)
        finally:
            srv.terminate()
            srv.wait()
        db = sqlite3.connect(os.path.join(data, "plumb.db"))
        results = db.execute("SELECT COUNT(*) FROM rule_evals").fetchone()[0] \
            if db.execute("SELECT name FROM sqlite_master WHERE name='rule_evals'").fetchone() \
            else -1
        print("results stored: %d" % results)
        if report.elapsed and results > 0:
            print("results/s during it: %.0f" % (results / report.elapsed))
    finally:
        shutil.rmtree(data, ignore_errors=True)


def peak_rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def cpu_s(pid):
    """User + system CPU seconds of pid so far (/proc/PID/stat fields 14 and 15)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(srv, port, template):
    url = "http://127.0.0.1:%d" % port
    cfg = boto3.client("config", endpoint_url=url, region_name=REGION,
                       aws_access_key_id=ACCOUNT, aws_secret_access_key="x",
                       config=botocore.config.Config(retries={"max_attempts": 1}))
    deadline = time.time() + 30
    while True:
        try:
            cfg.describe_conformance_packs()
            break
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.05)
    with open(template) as f:
        body = f.read()
    t0, c0 = time.time(), cpu_s(srv.pid)
    cfg.put_conformance_pack(ConformancePackName="bench", TemplateBody=body)
    put_s = time.time() - t0
    # the deploy is asynchronous (as AWS's): the pack is CREATE_IN_PROGRESS until the pack
    # worker has created its rules; the clock keeps running from PutConformancePack
    while True:
        state = cfg.describe_conformance_pack_status(ConformancePackNames=["bench"])[
            "ConformancePackStatusDetails"][0]["ConformancePackState"]
        if state != "CREATE_IN_PROGRESS":
            break
        time.sleep(0.01)
    deployed_s = time.time() - t0
    if state != "CREATE_COMPLETE":
        raise SystemExit("the pack is %s" % state)
    comp = cfg.describe_conformance_pack_compliance(
        ConformancePackName="bench")["ConformancePackRuleComplianceList"]
    names = [c["ConfigRuleName"] for c in comp]
    rules = []
    for i in range(0, len(names), 25):
        rules += cfg.describe_config_rules(ConfigRuleNames=names[i:i + 25])["ConfigRules"]
    wait = [r["ConfigRuleName"] for r in rules
            if r["Source"].get("SourceIdentifier") != "AWS_CONFIG_PROCESS_CHECK"]
    while True:
        st = []
        for i in range(0, len(wait), 25):
            st += cfg.describe_config_rule_evaluation_status(
                ConfigRuleNames=wait[i:i + 25])["ConfigRulesEvaluationStatus"]
        if all(s.get("FirstEvaluationStarted") and (s.get("LastSuccessfulEvaluationTime") or
                                                    s.get("LastFailedEvaluationTime"))
               for s in st):
            break
        time.sleep(0.05)
    comp = cfg.describe_conformance_pack_compliance(
        ConformancePackName="bench")["ConformancePackRuleComplianceList"]
    score = cfg.list_conformance_pack_compliance_scores()["ConformancePackComplianceScores"][0]
    report.elapsed = time.time() - t0
    cpu = cpu_s(srv.pid) - c0
    kinds = {}
    for c in comp:
        kinds[c["ComplianceType"]] = kinds.get(c["ComplianceType"], 0) + 1
    print("rules: %d (%s), score %s" % (len(comp), kinds, score["Score"]))
    print("PutConformancePack: %.3f s; CREATE_COMPLETE: %.3f s; first complete report: %.2f s"
          % (put_s, deployed_s, report.elapsed))
    print("plumb serve CPU during it: %.2f s (%.0f%% of the wall time; the rest is the "
          "machine's other load)" % (cpu, 100.0 * cpu / report.elapsed))
    print("plumb serve peak RSS: %.0f MB" % peak_rss_mb(srv.pid))


report.elapsed = 0

if __name__ == "__main__":
    main()
