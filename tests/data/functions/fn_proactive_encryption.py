# fn_proactive_encryption.py — a custom Config rule as written for AWS Lambda, for proactive
# evaluation: an S3 bucket must declare BucketEncryption. In proactive mode AWS hands the rule
# the CloudFormation properties as the configurationItem's configuration; the annotation names
# the evaluationMode the event carried, so tests can check it. Answers with put_evaluations.
import json

import boto3


def lambda_handler(event, context):
    ci = json.loads(event["invokingEvent"])["configurationItem"]
    conf = ci.get("configuration") or {}
    if isinstance(conf, str):
        conf = json.loads(conf)
    if "BucketEncryption" in conf:
        compliance = "COMPLIANT"
    else:
        compliance = "NON_COMPLIANT"
    evaluation = {
        "ComplianceResourceType": ci["resourceType"],
        "ComplianceResourceId": ci["resourceId"],
        "ComplianceType": compliance,
        "Annotation": "mode=%s encryption=%s" % (event.get("evaluationMode"),
                                                  "BucketEncryption" in conf),
        "OrderingTimestamp": ci["configurationItemCaptureTime"],
    }
    boto3.client("config").put_evaluations(Evaluations=[evaluation],
                                           ResultToken=event["resultToken"])
    return evaluation
