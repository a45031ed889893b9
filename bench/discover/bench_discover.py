#!/usr/bin/env python3
"""bench_discover.py — `plumb discover` against moto_server: wall time, resources per second and
API calls per resource of a first sweep (everything new) and a second one (everything
unchanged), and the time moto itself needs for the same calls replayed back to back by a bare
keep-alive client (python http.client, unsigned: moto does not check signatures), which bounds
what discovery can reach.

  python3 bench/discover/bench_discover.py [--buckets 300] [--groups 300]
Needs build/plumb, moto_server and boto3. Figures: docs/PERFORMANCE.md, "Discovery".
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PLUMB = os.environ.get("PLUMB_BIN", os.path.join(ROOT, "build", "plumb"))
S3_SUBS = ["location", "acl", "accelerate", "lifecycle", "logging", "policy", "versioning",
           "requestPayment", "publicAccessBlock", "encryption", "tagging"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def replay(port, buckets):
    """The calls a sweep makes, back to back on one connection; returns (seconds, calls)."""
    c = http.client.HTTPConnection("127.0.0.1", port)
    calls = 0
    t0 = time.perf_counter()

    def go(method, path, body=None, ctype=None):
        nonlocal calls
        c.request(method, path, body=body, headers={"Content-Type": ctype} if ctype else {})
        c.getresponse().read()
        calls += 1
    go("POST", "/", "Action=GetCallerIdentity&Version=2011-06-15",
       "application/x-www-form-urlencoded")
    go("GET", "/")
    for b in buckets:
        for sub in S3_SUBS:
            go("GET", "/%s?%s" % (b, sub))
    for action in ("DescribeVpcs", "DescribeSecurityGroups", "DescribeInstances"):
        go("POST", "/", "Action=%s&Version=2016-11-15&MaxResults=1000" % action,
           "application/x-www-form-urlencoded")
    for q in ("ListPolicies&Scope=Local&OnlyAttached=true", "ListRoles", "ListUsers"):
        go("POST", "/", "Action=%s&Version=2010-05-08&MaxItems=1000" % q,
           "application/x-www-form-urlencoded")
    return time.perf_counter() - t0, calls


def sweep(data, env):
    t0 = time.perf_counter()
    p = subprocess.run([PLUMB, "discover", "--data", data, "--all", "--json", "--rate", "0"],
                       env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--buckets", type=int, default=300)
    ap.add_argument("--groups", type=int, default=300)
    args = ap.parse_args()
    port = free_port()
    moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tmp = tempfile.mkdtemp(prefix="plumb-bench-discover-")
    try:
        url = "http://127.0.0.1:%d" % port
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "/moto-api/")
                break
            except Exception:
                time.sleep(0.05)
        kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="k",
                  aws_secret_access_key="s")
        s3, ec2 = boto3.client("s3", **kw), boto3.client("ec2", **kw)
        names = ["bench-%05d" % i for i in range(args.buckets)]
        for n in names:
            s3.create_bucket(Bucket=n)
        vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        for i in range(args.groups):
            ec2.create_security_group(GroupName="g%05d" % i, Description="bench", VpcId=vpc)
        env = dict(os.environ, AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s",
                   AWS_ENDPOINT_URL=url, AWS_DEFAULT_REGION="us-east-1")
        data = os.path.join(tmp, "data")
        t1, s1 = sweep(data, env)
        t2, s2 = sweep(data, env)
        tr, calls = replay(port, names)
        print("resources %d (buckets %d, security groups %d + defaults, VPCs)" %
              (s1["found"], args.buckets, args.groups))
        print("first sweep:  %.2f s, %.0f resources/s, %d API calls (%.2f per resource), "
              "%d recorded" % (t1, s1["found"] / t1, s1["apiCalls"],
                               s1["apiCalls"] / s1["found"], s1["recorded"]))
        print("second sweep: %.2f s, %.0f resources/s, %d unchanged" %
              (t2, s2["found"] / t2, s2["unchanged"]))
        print("bare replay of the same %d calls: %.2f s (second sweep / replay = %.2fx)" %
              (calls, tr, t2 / tr))
    finally:
        moto.terminate()
        moto.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
