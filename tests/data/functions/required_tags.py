"""required_tags.py — an AWS Config custom rule in the usual AWS Lambda handler style.

Marks a resource NON_COMPLIANT when it lacks any tag listed in the rule parameter
`requiredTags` (comma-separated), NOT_APPLICABLE when it was deleted or left the rule's scope.
It runs unchanged on AWS Lambda and under `plumb function add --runtime python`.
"""
import json

import boto3

APPLICABLE_STATUSES = ("OK", "ResourceDiscovered")


def evaluate_compliance(configuration_item, rule_parameters):
    if configuration_item["configurationItemStatus"] not in APPLICABLE_STATUSES:
        return "NOT_APPLICABLE", None
    required = [t.strip() for t in rule_parameters.get("requiredTags", "").split(",") if t.strip()]
    tags = configuration_item.get("tags") or {}
    missing = [t for t in required if t not in tags]
    if missing:
        return "NON_COMPLIANT", "Missing required tags: " + ", ".join(missing)
    return "COMPLIANT", None


def lambda_handler(event, context):
    invoking_event = json.loads(event["invokingEvent"])
    rule_parameters = json.loads(event.get("ruleParameters") or "{}")
    configuration_item = invoking_event["configurationItem"]
    if event.get("eventLeftScope"):
        compliance, annotation = "NOT_APPLICABLE", None
    else:
        compliance, annotation = evaluate_compliance(configuration_item, rule_parameters)
    evaluation = {
        "ComplianceResourceType": configuration_item["resourceType"],
        "ComplianceResourceId": configuration_item["resourceId"],
        "ComplianceType": compliance,
        "OrderingTimestamp": configuration_item["configurationItemCaptureTime"],
    }
    if annotation:
        evaluation["Annotation"] = annotation
    config = boto3.client("config")
    config.put_evaluations(Evaluations=[evaluation], ResultToken=event["resultToken"])
    return evaluation
