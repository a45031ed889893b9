#!/usr/bin/env python3
"""bench_discover_memory.py — peak memory of `plumb discover` as the number of resources grows:
moto_server holding N/2 EC2 instances (run 250 a call) and their N/2 root EBS volumes (one VPC,
its default security group), a first sweep (everything recorded) and a second (everything
unchanged) of the EC2 types (instances, volumes, VPCs, groups), each sweep's peak RSS (the
child's ru_maxrss), wall time and API calls, at each size of --sizes (resources are added
between sizes, so the data directory grows as a live account would). Instances, because moto
makes them 250 a call (security groups one a call, slower as they grow).

  python3 bench/discover/bench_discover_memory.py [--sizes 1000,10000] [--page-size 200]
Needs build/plumb, moto_server and boto3. Figures: docs/PERFORMANCE.md, "Discovery: memory".
"""
import argparse
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
TYPES = "AWS::EC2::SecurityGroup,AWS::EC2::Instance,AWS::EC2::VPC,AWS::EC2::Volume"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sweep(data, env, page):
    """one sweep: (summary, peak RSS in MB)"""
    t0 = time.perf_counter()
    errf = tempfile.TemporaryFile(mode="w+")
    p = subprocess.Popen([PLUMB, "discover", "--data", data, "--all", "--json", "--rate", "0",
                          "--page-size", str(page), "--types", TYPES], env=env,
                         stdout=subprocess.PIPE, stderr=errf, text=True)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        errf.seek(0)
        sys.exit("plumb discover failed (%d): %s" % (p.returncode, errf.read()[-2000:]))
    s = json.loads(out.splitlines()[-1])
    s["wall"] = time.perf_counter() - t0
    return s, ru.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    # moto renders 1,000 instances a page slower than a call's 30 s timeout on a loaded machine
    ap.add_argument("--page-size", type=int, default=200)
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    tmp = tempfile.mkdtemp(prefix="plumb-bench-discmem-")
    port = free_port()
    moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = "http://127.0.0.1:%d" % port
    try:
        for _ in range(400):
            try:
                urllib.request.urlopen(url + "/moto-api/")
                break
            except Exception:
                time.sleep(0.05)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=url,
                   AWS_EC2_METADATA_DISABLED="true")
        kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                  aws_secret_access_key="testing")
        ec2 = boto3.client("ec2", **kw)
        have = 0
        data = os.path.join(tmp, "data")
        print("| resources found | sweep | wall | API calls | peak RSS |")
        print("|---:|---|---:|---:|---:|")
        for n in sizes:
            while have < n // 2:  # an instance and its root volume each
                k = min(250, n // 2 - have)
                ec2.run_instances(ImageId="ami-12c6146b", MinCount=k, MaxCount=k,
                                  InstanceType="t2.micro")
                have += k
            for which in ("first", "second"):
                s, rss = sweep(data, env, args.page_size)
                print("| %d | %s (%d recorded, %d unchanged) | %.2f s | %d | %.1f MB |" % (
                    s["found"], which, s["recorded"], s["unchanged"], s["wall"], s["apiCalls"],
                    rss))
                sys.stdout.flush()
    finally:
        moto.terminate()
        moto.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
