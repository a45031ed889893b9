#!/usr/bin/env python3
"""bench_console.py — first contentful paint of the console's dashboard with a large store.

Seeds a fresh data directory with RESOURCES EC2 instances of VERSIONS versions each (a JSON-lines
file recorded with `plumb record`, the fast path), two rules evaluating every instance
(REQUIRED_TAGS: a third are untagged; EC2_TOKEN_HOP_LIMIT_CHECK: two thirds set a hop limit), then loads the signed-in
dashboard RUNS times in headless chromium (tests/browser/console.js, mode "bench") and prints
the medians of first-contentful-paint and of "dashboard data shown" (the rules table, counts and
non-compliant resources filled in: performance mark plumb-dashboard-ready), both measured by the
browser's performance API from navigation start.

  python3 bench/console/bench_console.py [--resources 100000] [--versions 10] [--runs 7]
      [--data DIR] [--trend-calls N] [--no-browser]
--data seeds DIR once and keeps it (a later run on it, e.g. with another PLUMB_BIN, skips the
seeding); --trend-calls times N PlumbService.GetComplianceTrend calls (30 days) one at a time
through the server before the browser loads; --no-browser stops there.
Needs build/plumb, /usr/bin/chromium and tests/browser/node_modules (tools/install-deps --test).
Figures: docs/PERFORMANCE.md, "Console".
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
sys.path.insert(0, os.path.join(ROOT, "tests", "browser"))
from harness import ACCOUNT, Server, plumb, signed_call  # noqa: E402
from test_console import run_driver  # noqa: E402

EC2 = "AWS::EC2::Instance"


def write_cis(path, n, versions):
    """n instances x versions CIs, oldest first, capture times one minute apart per version."""
    t0 = time.time() - versions * 60 - 3600
    with open(path, "w") as f:
        for v in range(versions):
            when = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t0 + v * 60))
            for i in range(n):
                tags = {} if i % 3 == 0 else {"owner": "team-%d" % (i % 7)}
                f.write(json.dumps({
                    "resourceType": EC2, "resourceId": "i-%012x" % i, "awsAccountId": ACCOUNT,
                    "awsRegion": "us-east-1", "configurationItemCaptureTime": when,
                    "tags": tags,
                    "configuration": {"instanceId": "i-%012x" % i,
                                      "metadataOptions": {"httpPutResponseHopLimit": 1 + i % 3},
                                      "instanceType": "t3.micro" if (i + v) % 5 else "m5.large",
                                      "state": {"name": "running"}, "version": v}}) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--resources", type=int, default=100000)
    ap.add_argument("--versions", type=int, default=10)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--data")
    ap.add_argument("--trend-calls", type=int, default=0)
    ap.add_argument("--no-browser", action="store_true")
    a = ap.parse_args()

    seeded = a.data and os.path.exists(os.path.join(a.data, "seeded"))
    if a.data:
        os.makedirs(a.data, exist_ok=True)
    server = Server(auth="sigv4", data=a.data).start()
    try:
        key, secret = server.first_key(ACCOUNT)
        cfg = server.client(key=key, secret=secret)
        if not seeded:
            seed(server, cfg, key, secret, a)
        if a.trend_calls:
            time_trend(server, key, secret, a.trend_calls)
        if not a.no_browser:
            browse(server, key, secret, a.runs)
    finally:
        server.cleanup()


def time_trend(server, key, secret, n):
    """n GetComplianceTrend calls one at a time: wall median/max and the answer."""
    ms = []
    for _ in range(n):
        t = time.perf_counter()
        st, out = signed_call(server.url, "PlumbService.GetComplianceTrend",
                              json.dumps({"Days": 30}), key=key, secret=secret)
        ms.append((time.perf_counter() - t) * 1000)
        assert st == 200, out
    last = out["Days"][-1]
    print("GetComplianceTrend x%d: median %.1f ms (min %.1f, max %.1f); today %d compliant, "
          "%d non-compliant" % (n, statistics.median(ms), min(ms), max(ms),
                                last["CompliantResourceCount"],
                                last["NonCompliantResourceCount"]), flush=True)


def seed(server, cfg, key, secret, a):
    """RESOURCES instances x VERSIONS recorded, two rules evaluated on every one."""
    cfg.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": "arn:aws:iam::%s:role/ConfigRole" % ACCOUNT,
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    cfg.put_delivery_channel(DeliveryChannel={"name": "default",
                                              "s3BucketName": "config-bucket-%s" % ACCOUNT})
    cfg.start_configuration_recorder(ConfigurationRecorderName="default")
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        path = f.name
    write_cis(path, a.resources, a.versions)
    t = time.time()
    plumb("record", "--data", server.data, path)
    rec_s = time.time() - t
    os.unlink(path)
    print("recorded %d CIs (%d resources x %d versions) in %.1f s" % (
        a.resources * a.versions, a.resources, a.versions, rec_s), flush=True)
    t = time.time()
    cfg.put_config_rule(ConfigRule={
        "ConfigRuleName": "required-tags", "Scope": {"ComplianceResourceTypes": [EC2]},
        "InputParameters": json.dumps({"tag1Key": "owner"}),
        "Source": {"Owner": "AWS", "SourceIdentifier": "REQUIRED_TAGS"}})
    cfg.put_config_rule(ConfigRule={
        "ConfigRuleName": "token-hop-limit", "Scope": {"ComplianceResourceTypes": [EC2]},
        "Source": {"Owner": "AWS", "SourceIdentifier": "EC2_TOKEN_HOP_LIMIT_CHECK"}})
    deadline = time.time() + 3600
    while True:
        st, out = signed_call(server.url, "PlumbService.GetComplianceCountsByConfigRule", "{}",
                              key=key, secret=secret)
        assert st == 200, out
        done = min(sum(v for k, v in c.items() if k.endswith("Count"))
                   for c in out["ComplianceCounts"])
        if done >= a.resources:
            break
        assert time.time() < deadline, out
        time.sleep(1)
    print("2 rules evaluated on %d resources in %.1f s: %s" % (
        a.resources, time.time() - t, json.dumps(out["ComplianceCounts"])), flush=True)
    if a.data:
        open(os.path.join(a.data, "seeded"), "w").close()


def browse(server, key, secret, runs):
    """The dashboard loaded runs times in headless chromium: the medians."""
    code, res, err = run_driver({"url": server.url, "key": key, "secret": secret,
                                 "region": "us-east-1", "mode": "bench", "runs": runs,
                                 "timeoutMs": 120000})
    if code != 0:
        raise SystemExit("console.js: %s\n%s" % (res.get("failure"), err[-2000:]))
    runs = res["runs"]
    fcp = [r["fcp"] for r in runs]
    ready = [r["ready"] for r in runs]
    trend = [r["trend"] for r in runs]
    print("dashboard, %d loads: first contentful paint median %.0f ms (min %.0f, max %.0f); "
          "data shown median %.0f ms (max %.0f); trend drawn median %.0f ms" % (
              len(runs), statistics.median(fcp), min(fcp), max(fcp),
              statistics.median(ready), max(ready), statistics.median(trend)))
    print(json.dumps(runs))


if __name__ == "__main__":
    main()
