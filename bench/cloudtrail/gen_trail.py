#!/usr/bin/env python3
"""gen_trail.py — synthetic CloudTrail logs from the shapes of the real records in
../shared/data/cloudtrail (bench/cloudtrail, docs/PERFORMANCE.md "CloudTrail").

  gen_trail.py import OUT FILES EVENTS_PER_FILE
      a delivery tree OUT/AWSLogs/ACCOUNT/CloudTrail/REGION/2024/01/DD/*.json.gz of FILES files:
      each event is a real write record (templates: every usable record of the data set that is
      not read-only) with a new eventID, time, account (of 4) and region (of 2), and its resource
      ids (bucketName, instanceId, groupId, roleName, ...) varied over 50,000 names
  gen_trail.py blame OUT VERSIONS EVENTS
      OUT/cis.jsonl: VERSIONS versions of one security group sg-0b1a4e000000000001 (account
      123456789012, us-east-1), one hour apart; OUT/events.json: EVENTS write events on it
      spread over the same time (AuthorizeSecurityGroupIngress / Revoke..., some failed)
"""
import copy
import gzip
import json
import os
import random
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "shared", "data", "cloudtrail")
READ = ("Describe", "Get", "List", "Head", "Lookup", "BatchGet", "Search")
ID_KEYS = {"bucketName", "instanceId", "groupId", "roleName", "userName", "functionName",
           "dBInstanceIdentifier", "volumeId", "vpcId", "subnetId", "tableName"}


def templates():
    out = []
    for dirpath, _, files in os.walk(DATA):
        for name in files:
            if not name.endswith(".json"):
                continue
            try:
                with open(os.path.join(dirpath, name)) as f:
                    text = f.read()
                try:
                    docs = [json.loads(text)]
                except ValueError:
                    docs = [json.loads(l) for l in text.splitlines() if l.strip()]
            except ValueError:
                continue
            for d in docs:
                vals = d if isinstance(d, list) else d.get("Records", [d]) if isinstance(d, dict) else []
                for r in vals:
                    if isinstance(r, dict) and r.get("detail-type", "").endswith("via CloudTrail"):
                        r = r["detail"]
                    if not isinstance(r, dict) or not all(
                            isinstance(r.get(k), str) for k in ("eventID", "eventName", "eventSource")):
                        continue
                    if r.get("readOnly") is True or r["eventName"].startswith(READ):
                        continue
                    out.append(r)
    return out


def vary(j, rnd):
    if isinstance(j, dict):
        for k, v in j.items():
            if k in ID_KEYS and isinstance(v, str):
                j[k] = "%s-%05d" % (v.split("-")[0], rnd.randrange(50000))
            else:
                vary(v, rnd)
    elif isinstance(j, list):
        for v in j:
            vary(v, rnd)


def gen_import(out, nfiles, per_file):
    rnd = random.Random(7)
    tpl = templates()
    accounts = ["111111111111", "222222222222", "333333333333", "444444444444"]
    regions = ["us-east-1", "eu-west-1"]
    t0 = 1704067200  # 2024-01-01
    n = 0
    for f in range(nfiles):
        acct, region = accounts[f % 4], regions[(f // 4) % 2]
        day = 1 + (f % 28)
        d = os.path.join(out, "AWSLogs", acct, "CloudTrail", region, "2024", "01", "%02d" % day)
        os.makedirs(d, exist_ok=True)
        recs = []
        for i in range(per_file):
            r = copy.deepcopy(tpl[rnd.randrange(len(tpl))])
            r["eventID"] = str(uuid.UUID(int=rnd.getrandbits(128)))
            r["eventTime"] = "2024-01-%02dT%02d:%02d:%02dZ" % (day, (i // 3600) % 24, (i // 60) % 60, i % 60)
            r["recipientAccountId"] = acct
            r["awsRegion"] = region
            vary(r, rnd)
            recs.append(r)
            n += 1
        name = "%s_CloudTrail_%s_202401%02dT%04dZ_%08x.json.gz" % (acct, region, day, f, f)
        with gzip.open(os.path.join(d, name), "wt", compresslevel=6) as g:
            json.dump({"Records": recs}, g, separators=(",", ":"))
    print("events=%d files=%d" % (n, nfiles))


def gen_blame(out, versions, events):
    os.makedirs(out, exist_ok=True)
    sg, acct = "sg-0b1a4e000000000001", "123456789012"
    t0 = 1704067200000
    step = 3600 * 1000
    with open(os.path.join(out, "cis.jsonl"), "w") as f:
        for v in range(versions):
            ports = [22 + (v % 7), 443] + list(range(8000, 8000 + v % 5))
            ci = {"resourceType": "AWS::EC2::SecurityGroup", "resourceId": sg,
                  "awsAccountId": acct, "awsRegion": "us-east-1",
                  "ARN": "arn:aws:ec2:us-east-1:%s:security-group/%s" % (acct, sg),
                  "configurationItemStatus": "OK",
                  "configurationItemCaptureTime": "%d.%03d" % divmod(t0 + v * step, 1000),
                  "configuration": {"groupId": sg, "groupName": "web", "ipPermissions": [
                      {"fromPort": p, "toPort": p, "ipProtocol": "tcp",
                       "ipRanges": [{"cidrIp": "10.0.%d.0/24" % (v % 250)}]} for p in ports]}}
            f.write(json.dumps(ci) + "\n")
    rnd = random.Random(3)
    recs = []
    for e in range(events):
        ms = t0 - step + (e * versions * step) // events + rnd.randrange(step // 2)
        name = rnd.choice(["AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress",
                           "ModifySecurityGroupRules"])
        r = {"eventVersion": "1.08", "eventID": "b%07d" % e,
             "eventTime": "%d.%03d" % divmod(ms, 1000), "eventName": name,
             "eventSource": "ec2.amazonaws.com", "awsRegion": "us-east-1",
             "recipientAccountId": acct, "sourceIPAddress": "198.51.100.%d" % (e % 250),
             "userAgent": "aws-cli/2.15.0 Python/3.11", "userIdentity": {
                 "type": "IAMUser", "arn": "arn:aws:iam::%s:user/u%d" % (acct, e % 40),
                 "accountId": acct},
             "requestParameters": {"groupId": sg, "ipPermissions": {"items": [
                 {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22}]}},
             "responseElements": {"_return": True}}
        if e % 17 == 0:
            r["errorCode"] = "Client.UnauthorizedOperation"
        recs.append(r)
    with open(os.path.join(out, "events.json"), "w") as f:
        json.dump({"Records": recs}, f)
    print("versions=%d events=%d" % (versions, events))


if __name__ == "__main__":
    if sys.argv[1] == "import":
        gen_import(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        gen_blame(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
