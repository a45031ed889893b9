# fn_required_tags.py — a custom Config rule written exactly as for AWS Lambda: EC2 instances
# must carry the tags listed in the rule parameter requiredTags (comma-separated). It answers
# through boto3's put_evaluations with the event's resultToken. docs/functions.md shows it.
import json

import boto3

APPLICABLE = ["AWS::EC2::Instance"]


def evaluate(ci, params):
    if ci["resourceType"] not in APPLICABLE:
        return "NOT_APPLICABLE", None
    if ci["configurationItemStatus"] in ("ResourceDeleted", "ResourceDeletedNotRecorded"):
        return "NOT_APPLICABLE", None
    required = [t.strip() for t in params.get("requiredTags", "").split(",") if t.strip()]
    tags = ci.get("tags") or {}
    missing = [t for t in required if t not in tags]
    if missing:
        return "NON_COMPLIANT", "Missing required tags: " + ", ".join(missing)
    return "COMPLIANT", None


def lambda_handler(event, context):
    invoking_event = json.loads(event["invokingEvent"])
    params = json.loads(event.get("ruleParameters") or "{}")
    ci = invoking_event["configurationItem"]
    compliance, annotation = evaluate(ci, params)
    if event.get("eventLeftScope"):
        compliance, annotation = "NOT_APPLICABLE", None
    evaluation = {
        "ComplianceResourceType": ci["resourceType"],
        "ComplianceResourceId": ci["resourceId"],
        "ComplianceType": compliance,
        "OrderingTimestamp": ci["configurationItemCaptureTime"],
    }
    if annotation:
        evaluation["Annotation"] = annotation
    config = boto3.client("config")
    config.put_evaluations(Evaluations=[evaluation], ResultToken=event["resultToken"])
    return evaluation
