#!/usr/bin/env python3
"""gen_cis.py — writes N realistic configuration items as JSON Lines, for bench_record.

Usage: gen_cis.py N OUT.jsonl [--seed S] [--resources R]

Each CI is 2-4 KB, in the notification/file form (awsAccountId, ARN, configuration object,
ISO times) or, for 10% of them, the API form (accountId, arn, configuration as a JSON string),
spread over 24 resource types, 3 accounts and 4 regions. 90% are first sightings of new
resources; 10% are changes of a resource seen earlier (one or two fields differ), so the
recorder has real diffs to compute. Capture times increase through the file. With
--resources R, the first R CIs are R resources and every later one a change of one of them
(about N/R versions each: deep histories for GetResourceConfigHistory).
"""
import json
import random
import sys

TYPES = [
    "AWS::EC2::Instance", "AWS::EC2::SecurityGroup", "AWS::EC2::Volume", "AWS::EC2::VPC",
    "AWS::EC2::Subnet", "AWS::EC2::NetworkInterface", "AWS::EC2::RouteTable",
    "AWS::EC2::NetworkAcl", "AWS::S3::Bucket", "AWS::IAM::Role", "AWS::IAM::Policy",
    "AWS::IAM::User", "AWS::Lambda::Function", "AWS::RDS::DBInstance", "AWS::DynamoDB::Table",
    "AWS::SNS::Topic", "AWS::SQS::Queue", "AWS::KMS::Key", "AWS::ECS::Service",
    "AWS::ELBV2::LoadBalancer" if False else "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::CloudTrail::Trail", "AWS::AutoScaling::AutoScalingGroup", "AWS::EKS::Cluster",
    "AWS::CloudFormation::Stack",
]
ACCOUNTS = ["111111111111", "222222222222", "333333333333"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]


def word(rnd, n=8):
    return "%0*x" % (n, rnd.getrandbits(4 * n))


def configuration(rnd, rtype, rid, size):
    """A nested configuration of about `size` bytes."""
    conf = {
        "id": rid,
        "state": {"name": rnd.choice(["running", "available", "in-use", "active"]), "code": 16},
        "vpcId": "vpc-" + word(rnd, 17),
        "subnetId": "subnet-" + word(rnd, 17),
        "createTime": "2023-0%d-1%dT0%d:00:00.000Z" % (rnd.randint(1, 9), rnd.randint(0, 9),
                                                     rnd.randint(0, 9)),
        "encrypted": rnd.random() < 0.5,
        "size": rnd.randint(1, 16384),
        "type": rtype.split("::")[-1],
        "monitoring": {"state": "disabled"},
        "tags": [{"key": "Name", "value": word(rnd, 12)}, {"key": "env", "value": "prod"}],
        "blockDeviceMappings": [],
        "securityGroups": [],
        "permissions": [],
    }
    # about 600 bytes so far, about 400 per round below
    for i in range(max(0, (size - 600) // 400 + 1)):
        conf["blockDeviceMappings"].append({
            "deviceName": "/dev/sd" + "abcdefghijklmnop"[i % 16],
            "ebs": {"attachTime": "2023-05-0%dT10:00:00.000Z" % (i % 9 + 1),
                    "deleteOnTermination": True, "status": "attached",
                    "volumeId": "vol-" + word(rnd, 17)}})
        conf["securityGroups"].append({"groupName": "sg-name-" + word(rnd, 10),
                                       "groupId": "sg-" + word(rnd, 17)})
        conf["permissions"].append({"action": "s3:GetObject", "resource": "arn:aws:s3:::" +
                                    word(rnd, 20) + "/*", "effect": "Allow",
                                    "principal": {"AWS": "arn:aws:iam::" +
                                                  rnd.choice(ACCOUNTS) + ":root"}})
    return conf


def make_ci(rnd, res, t_ms, form_api):
    rtype, rid, acct, region, conf, name = res
    iso = "%s.%03dZ" % (__import__("time").strftime("%Y-%m-%dT%H:%M:%S",
                                                     __import__("time").gmtime(t_ms // 1000)),
                        t_ms % 1000)
    arn = "arn:aws:%s:%s:%s:%s/%s" % (rtype.split("::")[1].lower(), region, acct,
                                      rtype.split("::")[2].lower(), rid)
    rels = [{"resourceType": "AWS::EC2::VPC", "resourceId": conf["vpcId"],
             "name" if not form_api else "relationshipName": "Is contained in Vpc"}]
    if form_api:
        return {"version": "1.3", "accountId": acct, "configurationItemCaptureTime": t_ms / 1000.0,
                "configurationItemStatus": "OK", "configurationStateId": str(t_ms),
                "arn": arn, "resourceType": rtype, "resourceId": rid, "resourceName": name,
                "awsRegion": region, "availabilityZone": region + "a", "tags": {"Name": name},
                "relatedEvents": [], "relationships": rels,
                "configuration": json.dumps(conf, separators=(",", ":")),
                "supplementaryConfiguration": {}}
    return {"relatedEvents": [], "relationships": rels, "configuration": conf,
            "supplementaryConfiguration": {}, "tags": {"Name": name},
            "configurationItemVersion": "1.3", "configurationItemCaptureTime": iso,
            "configurationStateId": t_ms, "awsAccountId": acct,
            "configurationItemStatus": "OK", "resourceType": rtype, "resourceId": rid,
            "resourceName": name, "ARN": arn, "awsRegion": region,
            "availabilityZone": region + "a", "configurationStateMd5Hash": "",
            "resourceCreationTime": "2023-01-01T00:00:00.000Z"}


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 42
    # --resources R: R resources, then every further CI is a change of one of them (deep
    # histories: N/R versions each) instead of 10% changes
    nres = int(sys.argv[sys.argv.index("--resources") + 1]) if "--resources" in sys.argv else 0
    rnd = random.Random(seed)
    seen = []
    t = 1700000000000
    with open(out, "w") as f:
        for i in range(n):
            t += rnd.randint(1, 20)
            if seen and (len(seen) >= nres if nres else rnd.random() < 0.10):
                res = rnd.choice(seen)
                conf = json.loads(json.dumps(res[4]))
                conf["state"]["name"] = rnd.choice(["stopped", "pending", "deleting", "running"])
                conf["size"] = rnd.randint(1, 16384)
                res = (res[0], res[1], res[2], res[3], conf, res[5])
            else:
                rtype = TYPES[i % len(TYPES)]
                rid = "%s-%08x" % (rtype.split("::")[2].lower()[:6], i)
                res = (rtype, rid, ACCOUNTS[i % 3], REGIONS[(i // 3) % 4],
                       configuration(rnd, rtype, rid, rnd.randint(1600, 3200)),
                       "name-" + word(rnd, 10))
                if len(seen) < 200000:
                    seen.append(res)
                else:
                    seen[rnd.randrange(len(seen))] = res
            f.write(json.dumps(make_ci(rnd, res, t, rnd.random() < 0.10),
                               separators=(",", ":")))
            f.write("\n")


if __name__ == "__main__":
    main()
