"""plumb remediation actions for the three SSM documents AWS's sample conformance packs name
most, each making the calls the document makes, checking them, and (unless "record" is false)
recording the corrected bucket in plumb so the rule re-evaluates it at once instead of at the
next discovery:

    handler                      AWS-DisableS3BucketPublicReadWrite   PutPublicAccessBlock, all four on
    (disable_public_read_write)
    enable_encryption            AWS-EnableS3BucketEncryption         PutBucketEncryption (SSEAlgorithm,
                                                                      default AES256; KMSMasterKey)
    configure_logging            AWS-ConfigureS3BucketLogging         PutBucketLogging (TargetBucket,
                                                                      TargetPrefix)

Register them (docs/remediation.md):
    plumb action add AWS-DisableS3BucketPublicReadWrite \
        --python "$PWD/examples/remediation/s3_actions.py:handler"
    plumb action add AWS-EnableS3BucketEncryption \
        --python "$PWD/examples/remediation/s3_actions.py:enable_encryption"
    plumb action add AWS-ConfigureS3BucketLogging \
        --python "$PWD/examples/remediation/s3_actions.py:configure_logging"

Settings: s3_actions.json beside this file (or the file a "PlumbSettingsFile" StaticValue
parameter names), because an action runs with a clean environment whose credentials are
plumb's (AWS_ENDPOINT_URL points at plumb):
    {"s3": {"endpoint_url": "http://127.0.0.1:5000", "region_name": "us-east-1",
            "aws_access_key_id": "...", "aws_secret_access_key": "..."},
     "record": true}
Without "s3" settings boto3 uses AWS's regional S3 endpoint and no credentials of its own.

The event (plumb's): {"ConfigRuleName", "ResourceKey": {"resourceType", "resourceId"},
"Parameters": {"S3BucketName" | "BucketName": "<RESOURCE_ID>", ...}, "AccountId", "Region",
"Attempt", ...}. The answer: {"status": "SUCCEEDED"|"FAILED", "steps": [{"name", "status",
"message"}]}.
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


def record_fixed(bucket, key, value):
    """Records the bucket's latest CI again with supplementaryConfiguration[key] = value."""
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
    supp[key] = json.dumps(value)
    out = plumb_call("RecordConfigurationItems", {"configurationItems": [ci]})
    if out.get("failed"):
        raise RuntimeError("recording failed: %s" % out["failed"])
    return "recorded %d new version(s)" % out.get("recorded", 0)


def camel(d):
    return {k[0].lower() + k[1:]: v for k, v in d.items()}


def run(event, calls, record):
    """Runs the (name, fn) steps in order, stopping at the first failure, then records."""
    conf = settings(event)
    steps = []

    def step(name, fn):
        try:
            msg = fn()
            steps.append({"name": name, "status": "SUCCEEDED", "message": msg or ""})
            return True
        except Exception as e:  # the step fails, the execution fails with its message
            steps.append({"name": name, "status": "FAILED",
                          "message": "%s: %s" % (type(e).__name__, e)})
            return False

    s3 = s3_client(conf, event.get("Region") or os.environ.get("AWS_REGION", "us-east-1"))
    ok = all(step(name, lambda fn=fn: fn(s3)) for name, fn in calls)
    bucket = bucket_of(event)
    if ok and conf.get("record", True):
        ok = step("RecordFixedBucket", lambda: record_fixed(bucket, *record))
    print("bucket=%s ok=%s" % (bucket, ok))
    return {"status": "SUCCEEDED" if ok else "FAILED", "steps": steps}


def bucket_of(event):
    params = event.get("Parameters", {})
    return params.get("S3BucketName") or params.get("BucketName") or \
        event["ResourceKey"]["resourceId"]


def disable_public_read_write(event, context):
    """AWS-DisableS3BucketPublicReadWrite."""
    bucket = bucket_of(event)

    def put(s3):
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=BLOCK)
        return "PutPublicAccessBlock on %s" % bucket

    def verify(s3):
        got = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        if any(not got.get(k) for k in BLOCK):
            raise RuntimeError("the bucket's public access block is %s" % got)
        return "all four settings on"

    return run(event, [("PutPublicAccessBlock", put), ("VerifyPublicAccessBlock", verify)],
               ("PublicAccessBlockConfiguration", camel(BLOCK)))


handler = disable_public_read_write


def enable_encryption(event, context):
    """AWS-EnableS3BucketEncryption: default encryption with SSEAlgorithm (AES256 | aws:kms)."""
    bucket = bucket_of(event)
    params = event.get("Parameters", {})
    algo = params.get("SSEAlgorithm") or "AES256"
    rule = {"SSEAlgorithm": algo}
    if params.get("KMSMasterKey") and algo == "aws:kms":
        rule["KMSMasterKeyID"] = params["KMSMasterKey"]

    def put(s3):
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": rule}]})
        return "PutBucketEncryption %s on %s" % (algo, bucket)

    def verify(s3):
        got = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
        algos = [r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in got["Rules"]]
        if algo not in algos:
            raise RuntimeError("the bucket's default encryption is %s" % algos)
        return "default encryption " + algo

    default = {"sseAlgorithm": algo}  # AWS Config's own spelling of the CI's members
    if "KMSMasterKeyID" in rule:
        default["kmsMasterKeyID"] = rule["KMSMasterKeyID"]
    recorded = {"rules": [{"applyServerSideEncryptionByDefault": default,
                           "bucketKeyEnabled": False}]}
    return run(event, [("PutBucketEncryption", put), ("VerifyBucketEncryption", verify)],
               ("ServerSideEncryptionConfiguration", recorded))


def configure_logging(event, context):
    """AWS-ConfigureS3BucketLogging: server access logs to TargetBucket under TargetPrefix."""
    bucket = bucket_of(event)
    params = event.get("Parameters", {})
    target, prefix = params.get("TargetBucket"), params.get("TargetPrefix") or ""

    def put(s3):
        if not target:
            raise ValueError("the TargetBucket parameter is required")
        s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": target, "TargetPrefix": prefix}})
        return "PutBucketLogging %s -> %s/%s" % (bucket, target, prefix)

    def verify(s3):
        got = s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled") or {}
        if got.get("TargetBucket") != target:
            raise RuntimeError("the bucket logs to %s" % got)
        return "logging to " + target

    return run(event, [("PutBucketLogging", put), ("VerifyBucketLogging", verify)],
               ("BucketLoggingConfiguration",
                {"destinationBucketName": target, "logFilePrefix": prefix}))
