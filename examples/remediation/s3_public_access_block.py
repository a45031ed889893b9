"""A plumb remediation action for AWS-DisableS3BucketPublicReadWrite (the SSM document AWS's
sample packs attach to s3-bucket-public-read/write-prohibited and
s3-bucket-level-public-access-prohibited): it makes the call the document makes,
S3 PutPublicAccessBlock with all four settings on, checks it with GetPublicAccessBlock, and
(unless "record" is false) records the corrected bucket in plumb, so the rule re-evaluates it
at once instead of at the next discovery.

Register it (docs/remediation.md):
    plumb action add AWS-DisableS3BucketPublicReadWrite \
        --python "$PWD/examples/remediation/s3_public_access_block.py:handler"

Settings: s3_actions.json beside this file (or the file a "PlumbSettingsFile" StaticValue
parameter names), because an action runs with a clean environment whose credentials are
plumb's (AWS_ENDPOINT_URL points at plumb):
    {"s3": {"endpoint_url": "http://127.0.0.1:5000", "region_name": "us-east-1",
            "aws_access_key_id": "...", "aws_secret_access_key": "..."},
     "record": true}
Without "s3" settings boto3 uses AWS's regional S3 endpoint and no credentials of its own.

The event (plumb's): {"ConfigRuleName", "ResourceKey": {"resourceType", "resourceId"},
"Parameters": {"S3BucketName": "<RESOURCE_ID>", ...}, "AccountId", "Region", "Attempt", ...}.
The answer: {"status": "SUCCEEDED"|"FAILED", "steps": [{"name", "status", "message"}]}.
"""
import json
import os
import urllib.request

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

BLOCK = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
         "RestrictPublicBuckets": True}


def settings(event):
    path = event.get("Parameters", {}).get("PlumbSettingsFile") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "s3_actions.json")
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def s3_client(conf, region):
    s3 = dict(conf.get("s3") or {})
    s3.setdefault("region_name", region)
    # AWS_ENDPOINT_URL is plumb's: never let a recent boto3 send S3 calls there
    s3.setdefault("endpoint_url", "https://s3.%s.amazonaws.com" % s3["region_name"])
    return boto3.client("s3", **s3)


def plumb_call(op, body):
    """PlumbService.<op> on the plumb that runs this action, signed with its credentials."""
    url = os.environ["AWS_ENDPOINT_URL"]
    creds = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"],
                        os.environ.get("AWS_SESSION_TOKEN"))
    req = AWSRequest(method="POST", url=url + "/", data=json.dumps(body),
                     headers={"Content-Type": "application/x-amz-json-1.1",
                              "X-Amz-Target": "PlumbService." + op})
    SigV4Auth(creds, "config", os.environ["AWS_REGION"]).add_auth(req)
    body = req.body if isinstance(req.body, bytes) else req.body.encode()
    r = urllib.request.Request(url + "/", data=body, headers=dict(req.headers), method="POST")
    with urllib.request.urlopen(r, timeout=30) as resp:
        return json.loads(resp.read() or b"{}")


def record_fixed(bucket, block):
    """Records the bucket's latest CI again with the new public access block."""
    cfg = boto3.client("config", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    items = cfg.get_resource_config_history(resourceType="AWS::S3::Bucket", resourceId=bucket,
                                            limit=1)["configurationItems"]
    if not items:
        return "the bucket is not recorded in plumb: nothing to record"
    ci = items[0]
    for k in ("configurationItemCaptureTime", "configurationStateId", "configurationItemMD5Hash",
              "version", "configurationItemStatus"):
        ci.pop(k, None)
    supp = ci.setdefault("supplementaryConfiguration", {})
    supp["PublicAccessBlockConfiguration"] = json.dumps(
        {k[0].lower() + k[1:]: v for k, v in block.items()})
    out = plumb_call("RecordConfigurationItems", {"configurationItems": [ci]})
    if out.get("failed"):
        raise RuntimeError("recording failed: %s" % out["failed"])
    return "recorded %d new version(s)" % out.get("recorded", 0)


def handler(event, context):
    params = event.get("Parameters", {})
    bucket = params.get("S3BucketName") or params.get("BucketName") or \
        event["ResourceKey"]["resourceId"]
    conf = settings(event)
    s3 = s3_client(conf, event.get("Region") or os.environ.get("AWS_REGION", "us-east-1"))
    steps = []

    def step(name, fn):
        try:
            msg = fn()
            steps.append({"name": name, "status": "SUCCEEDED", "message": msg or ""})
            return True
        except Exception as e:  # the step fails, the execution fails with its message
            steps.append({"name": name, "status": "FAILED", "message": "%s: %s" %
                          (type(e).__name__, e)})
            return False

    def put():
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=BLOCK)
        return "PutPublicAccessBlock on %s" % bucket

    def verify():
        got = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        if any(not got.get(k) for k in BLOCK):
            raise RuntimeError("the bucket's public access block is %s" % got)
        return "all four settings on"

    ok = step("PutPublicAccessBlock", put) and step("VerifyPublicAccessBlock", verify)
    if ok and conf.get("record", True):
        ok = step("RecordFixedBucket", lambda: record_fixed(bucket, BLOCK))
    print("bucket=%s ok=%s" % (bucket, ok))
    return {"status": "SUCCEEDED" if ok else "FAILED", "steps": steps}
