#!/usr/bin/env python3
"""bench_proactive.py — proactive evaluation latency and throughput with 20 proactive managed
rules deployed.

Usage: bench_proactive.py [N] [--threads T] [--plumb BUILD/plumb]

1. `plumb serve --auth open` on a fresh data directory; 20 managed rules in PROACTIVE mode (the
   19 identifiers AWS lists as proactive, S3_BUCKET_VERSIONING_ENABLED twice with different
   names), each on its default resource types.
2. Latency: N sequential StartResourceEvaluation -> GetResourceEvaluationSummary pairs over
   rotating configurations (S3 bucket, RDS instance, Lambda function, SNS topic, subnet), each
   answered SUCCEEDED at once (managed rules run synchronously). Printed: p50/p99 of each call
   and of the pair, in ms, through boto3 (whose own cost per call is part of it).
3. Throughput: N StartResourceEvaluation calls from T threads (one boto3 client each):
   evaluations/s. Then the results stored per evaluation, read back from one summary's details.
4. `plumb eval --data` on a JSON template of N such resources: wall time and resources/s.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import boto3
import botocore.config

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

RULES = [
    "API_GW_XRAY_ENABLED", "EC2_INSTANCE_MULTIPLE_ENI_CHECK", "EIP_ATTACHED",
    "ELASTICSEARCH_LOGS_TO_CLOUDWATCH", "ELASTICSEARCH_NODE_TO_NODE_ENCRYPTION_CHECK",
    "LAMBDA_FUNCTION_SETTINGS_CHECK", "LAMBDA_INSIDE_VPC",
    "RDS_AUTOMATIC_MINOR_VERSION_UPGRADE_ENABLED", "RDS_ENHANCED_MONITORING_ENABLED",
    "RDS_INSTANCE_PUBLIC_ACCESS_CHECK", "RDS_MULTI_AZ_SUPPORT", "RDS_STORAGE_ENCRYPTED",
    "REDSHIFT_CLUSTER_MAINTENANCESETTINGS_CHECK", "REDSHIFT_CLUSTER_PUBLIC_ACCESS_CHECK",
    "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", "S3_BUCKET_LOGGING_ENABLED",
    "S3_BUCKET_VERSIONING_ENABLED", "SNS_ENCRYPTED_KMS", "SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED",
]
PARAMS = {"LAMBDA_FUNCTION_SETTINGS_CHECK": {"runtime": "python3.12"}}

CONFIGS = [
    ("AWS::S3::Bucket", {"BucketName": "b", "VersioningConfiguration": {"Status": "Enabled"},
                         "LoggingConfiguration": {"DestinationBucketName": "logs"},
                         "PublicAccessBlockConfiguration": {
                             "BlockPublicAcls": True, "BlockPublicPolicy": True,
                             "IgnorePublicAcls": True, "RestrictPublicBuckets": False}}),
    ("AWS::RDS::DBInstance", {"Engine": "mysql", "MultiAZ": True, "PubliclyAccessible": False,
                              "StorageEncrypted": True, "AutoMinorVersionUpgrade": True,
                              "MonitoringInterval": 60}),
    ("AWS::Lambda::Function", {"Runtime": "python3.12", "MemorySize": 256, "Timeout": 30,
                               "Role": "arn:aws:iam::123456789012:role/r",
                               "VpcConfig": {"SubnetIds": ["subnet-1"]}}),
    ("AWS::SNS::Topic", {"KmsMasterKeyId": "alias/aws/sns"}),
    ("AWS::EC2::Subnet", {"MapPublicIpOnLaunch": True, "VpcId": "vpc-1"}),
]


def arg(name, dflt):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else dflt


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(url):
    return boto3.client("config", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="123456789012", aws_secret_access_key="x",
                        config=botocore.config.Config(retries={"max_attempts": 1}))


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000


def details(i):
    t, conf = CONFIGS[i % len(CONFIGS)]
    return {"ResourceId": "r-%d" % i, "ResourceType": t,
            "ResourceConfiguration": json.dumps(conf)}


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1000
    threads = int(arg("--threads", "4"))
    plumb = arg("--plumb", os.path.join(ROOT, "build", "plumb"))
    data = tempfile.mkdtemp(prefix="plumb-bench-pro-")
    port = free_port()
    url = "http://127.0.0.1:%d" % port
    log = open(os.path.join(data, "serve.log"), "wb")
    proc = subprocess.Popen([plumb, "serve", "--listen", "127.0.0.1:%d" % port, "--data", data,
                             "--auth", "open"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        cfg = client(url)
        names = []
        for k, ident in enumerate(RULES + ["S3_BUCKET_VERSIONING_ENABLED"]):
            name = "pro-%02d-%s" % (k, ident.lower().replace("_", "-"))[:60]
            rule = {"ConfigRuleName": name, "EvaluationModes": [{"Mode": "PROACTIVE"}],
                    "Source": {"Owner": "AWS", "SourceIdentifier": ident}}
            if ident in PARAMS:
                rule["InputParameters"] = json.dumps(PARAMS[ident])
            cfg.put_config_rule(ConfigRule=rule)
            names.append(name)
        print("rules: %d proactive managed rules" % len(names))

        start_lat, sum_lat, pair_lat = [], [], []
        results = 0
        for i in range(n):
            t0 = time.perf_counter()
            eid = cfg.start_resource_evaluation(ResourceDetails=details(i),
                                                EvaluationMode="PROACTIVE")["ResourceEvaluationId"]
            t1 = time.perf_counter()
            s = cfg.get_resource_evaluation_summary(ResourceEvaluationId=eid)
            t2 = time.perf_counter()
            assert s["EvaluationStatus"]["Status"] == "SUCCEEDED", s
            start_lat.append(t1 - t0)
            sum_lat.append(t2 - t1)
            pair_lat.append(t2 - t0)
            if i < len(CONFIGS):
                results += len(cfg.get_compliance_details_by_resource(
                    ResourceEvaluationId=eid)["EvaluationResults"])
        print("latency (%d sequential pairs), ms: StartResourceEvaluation p50 %.2f p99 %.2f; "
              "GetResourceEvaluationSummary p50 %.2f p99 %.2f; pair p50 %.2f p99 %.2f"
              % (n, pct(start_lat, .5), pct(start_lat, .99), pct(sum_lat, .5),
                 pct(sum_lat, .99), pct(pair_lat, .5), pct(pair_lat, .99)))
        print("results per evaluation (mean over the %d configurations): %.1f"
              % (len(CONFIGS), results / len(CONFIGS)))

        counter = iter(range(n, 2 * n))
        lock = threading.Lock()

        def worker():
            c = client(url)
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                c.start_resource_evaluation(ResourceDetails=details(i),
                                            EvaluationMode="PROACTIVE")

        ts = [threading.Thread(target=worker) for _ in range(threads)]
        t0 = time.perf_counter()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        dt = time.perf_counter() - t0
        print("throughput: %d StartResourceEvaluation from %d threads in %.2f s: %.0f "
              "evaluations/s" % (n, threads, dt, n / dt))

        # plumb eval: a template of n resources judged locally on the same data directory
        tpl = os.path.join(data, "stack.json")
        resources = {}
        for i in range(n):
            t, conf = CONFIGS[i % len(CONFIGS)]
            resources["R%d" % i] = {"Type": t, "Properties": conf}
        with open(tpl, "w") as f:
            json.dump({"Resources": resources}, f)
        t0 = time.perf_counter()
        p = subprocess.run([plumb, "eval", "--data", data, "--json", tpl], capture_output=True,
                           text=True)
        dt = time.perf_counter() - t0
        print("plumb eval: a template of %d resources in %.2f s (%.0f resources/s, %d results, "
              "exit %d)" % (n, dt, n / dt, len(p.stdout.splitlines()), p.returncode))
        print("load average: %.1f" % os.getloadavg()[0])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
