"""A Lambda-style custom rule, written as for AWS Lambda: EC2 instances require IMDSv2.

plumb calls handler(event, context) with AWS Config's rule event; the handler answers with
PutEvaluations through boto3, whose endpoint and credentials plumb sets in the environment.
"""
import json

import boto3


def evaluate(ci):
    if ci["resourceType"] != "AWS::EC2::Instance":
        return "NOT_APPLICABLE", "not an EC2 instance"
    if ci.get("configurationItemStatus") in ("ResourceDeleted", "ResourceDeletedNotRecorded"):
        return "NOT_APPLICABLE", "the instance was deleted"
    tokens = (ci["configuration"].get("metadataOptions") or {}).get("httpTokens")
    if tokens == "required":
        return "COMPLIANT", "IMDSv2 is required"
    return "NON_COMPLIANT", "httpTokens is %s, not required" % tokens


def handler(event, context):
    invoking = json.loads(event["invokingEvent"])
    ci = invoking["configurationItem"]
    compliance, why = evaluate(ci)
    boto3.client("config").put_evaluations(
        Evaluations=[{
            "ComplianceResourceType": ci["resourceType"],
            "ComplianceResourceId": ci["resourceId"],
            "ComplianceType": compliance,
            "Annotation": why,
            "OrderingTimestamp": ci["configurationItemCaptureTime"],
        }],
        ResultToken=event["resultToken"])
    return compliance
