#!/usr/bin/env python3
"""bench_aggregator.py — aggregate reads against a real `plumb serve` (docs/PERFORMANCE.md,
"Aggregators").

    bench_aggregator.py PLUMB DIR [--reps N]

DIR was seeded by bench_aggregator_seed (aggregator "bench" of account 100000000000 in
us-east-1 over 50 accounts x 4 regions). Starts `PLUMB serve --data DIR --auth open` on a free
port, signs each request with botocore's SigV4 before the clock starts, and times the HTTP
round trip alone over one keep-alive connection. Prints one line per read
"read=... reps=... p50_ms=... p99_ms=... max_ms=..." and the server's RSS (VmRSS, VmHWM)."""
import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import time

import botocore.auth
import botocore.awsrequest
import botocore.credentials

ACCOUNT, REGION = "100000000000", "us-east-1"
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"]
TYPES = ["AWS::EC2::Instance", "AWS::EC2::SecurityGroup", "AWS::EC2::Volume", "AWS::S3::Bucket",
         "AWS::IAM::Role", "AWS::Lambda::Function", "AWS::RDS::DBInstance", "AWS::SQS::Queue",
         "AWS::SNS::Topic", "AWS::DynamoDB::Table"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Client:
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.creds = botocore.credentials.Credentials(ACCOUNT, "x")

    def call(self, op, body):
        """Returns (ms of the round trip, parsed answer)."""
        data = json.dumps(body).encode()
        req = botocore.awsrequest.AWSRequest(
            method="POST", url="http://127.0.0.1:%d/" % self.port, data=data,
            headers={"X-Amz-Target": "StarlingDoveService." + op,
                     "Content-Type": "application/x-amz-json-1.1"})
        botocore.auth.SigV4Auth(self.creds, "config", REGION).add_auth(req)
        headers = dict(req.prepare().headers)
        t0 = time.perf_counter()
        self.conn.request("POST", "/", body=data, headers=headers)
        r = self.conn.getresponse()
        raw = r.read()
        ms = (time.perf_counter() - t0) * 1000
        out = json.loads(raw or b"{}")
        if r.status != 200:
            raise SystemExit("%s: HTTP %d %s" % (op, r.status, out))
        return ms, out


def report(name, ms, extra=""):
    ms = sorted(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print("read=%s reps=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f%s" %
          (name, len(ms), ms[len(ms) // 2], p99, ms[-1], extra), flush=True)


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        st = dict(line.split(":", 1) for line in f if ":" in line)
    return st["VmRSS"].strip(), st["VmHWM"].strip()


def worker_cpu_s(pid):
    """CPU seconds (user + system) of the server's HTTP threads so far: per call, a figure the
    machine's load does not stretch as it does the round trip."""
    tot = 0
    for t in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
            if f.read().strip() != "MHD-worker":
                continue
        with open("/proc/%d/task/%s/stat" % (pid, t)) as f:
            st = f.read().rsplit(")", 1)[1].split()
        tot += int(st[11]) + int(st[12])
    return tot / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("plumb")
    ap.add_argument("dir")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--per", type=int, default=5000, help="resources per partition (seed)")
    a = ap.parse_args()
    port = free_port()
    srv = subprocess.Popen([a.plumb, "serve", "--data", a.dir, "--auth", "open", "--listen",
                            "127.0.0.1:%d" % port, "--log-level", "warn"],
                           stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while True:
            try:
                c = Client(port)
                c.call("DescribeConfigurationAggregators", {})
                break
            except (OSError, http.client.HTTPException):
                if time.time() > deadline:
                    raise SystemExit("plumb serve did not answer")
                time.sleep(0.1)
        print("server rss after start: VmRSS=%s VmHWM=%s" % rss(srv.pid), flush=True)
        with open("/proc/loadavg") as f:
            print("load average: %s" % " ".join(f.read().split()[:3]), flush=True)
        agg = {"ConfigurationAggregatorName": "bench"}
        ms = []
        cpu0 = worker_cpu_s(srv.pid)
        for _ in range(a.reps):
            t, out = c.call("GetAggregateConfigRuleComplianceSummary",
                            dict(agg, GroupByKey="ACCOUNT_ID"))
            ms.append(t)
        cpu = (worker_cpu_s(srv.pid) - cpu0) * 1000 / a.reps
        groups = out["AggregateComplianceCounts"]
        nc = sum(g["ComplianceSummary"]["NonCompliantResourceCount"]["CappedCount"]
                 for g in groups)
        ok = sum(g["ComplianceSummary"]["CompliantResourceCount"]["CappedCount"]
                 for g in groups)
        report("GetAggregateConfigRuleComplianceSummary(ACCOUNT_ID)", ms,
               " groups=%d noncompliant_rules=%d compliant_rules=%d cpu_ms_per_call=%.1f" %
               (len(groups), nc, ok, cpu))
        ms = []
        for _ in range(a.reps):
            t, out = c.call("GetAggregateConfigRuleComplianceSummary", agg)
            ms.append(t)
        report("GetAggregateConfigRuleComplianceSummary(all)", ms)
        ms, token, items = [], None, 0
        for _ in range(max(a.reps, 50)):  # a walk of pages through the NextTokens
            body = dict(agg, ResourceType="AWS::EC2::Instance")
            if token:
                body["NextToken"] = token
            t, out = c.call("ListAggregateDiscoveredResources", body)
            ms.append(t)
            items += len(out["ResourceIdentifiers"])
            token = out.get("NextToken")
            if not token:
                break
        report("ListAggregateDiscoveredResources(page of 100)", ms, " items=%d" % items)
        ms = []
        for _ in range(a.reps):
            t, out = c.call("ListAggregateDiscoveredResources",
                            dict(agg, ResourceType="AWS::S3::Bucket",
                                 Filters={"AccountId": "100000000049", "Region": "eu-west-1"}))
            ms.append(t)
        report("ListAggregateDiscoveredResources(filtered to the last account)", ms)
        rnd = random.Random(1)
        ms = []
        for _ in range(max(a.reps, 1000)):
            acct = "1000000000%02d" % rnd.randrange(50)
            region = rnd.choice(REGIONS)
            i = rnd.randrange(a.per)
            key = {"SourceAccountId": acct, "SourceRegion": region, "ResourceType": TYPES[i % 10],
                   "ResourceId": "res-%s-%s-%07d" % (acct, region, i)}
            t, out = c.call("GetAggregateResourceConfig", dict(agg, ResourceIdentifier=key))
            assert out["ConfigurationItem"]["resourceId"] == key["ResourceId"]
            ms.append(t)
        report("GetAggregateResourceConfig", ms)
        ms = []
        for _ in range(a.reps):
            t, out = c.call("DescribeAggregateComplianceByConfigRules", dict(agg, Limit=100))
            ms.append(t)
        report("DescribeAggregateComplianceByConfigRules(page of 100)", ms)
        ms = []
        for _ in range(max(3, a.reps // 4)):
            t, out = c.call("GetAggregateDiscoveredResourceCounts",
                            dict(agg, GroupByKey="ACCOUNT_ID"))
            ms.append(t)
        report("GetAggregateDiscoveredResourceCounts(ACCOUNT_ID)", ms,
               " total=%d" % out["TotalDiscoveredResources"])
        ms = []
        for _ in range(a.reps):
            t, out = c.call("DescribeConfigurationAggregatorSourcesStatus", agg)
            ms.append(t)
        report("DescribeConfigurationAggregatorSourcesStatus", ms)
        print("server rss after the reads: VmRSS=%s VmHWM=%s" % rss(srv.pid), flush=True)
    finally:
        srv.terminate()
        srv.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
