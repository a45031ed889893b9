# bench_rule.py — the handler of the functions benchmark: a realistic custom rule (required
# tags on EC2 instances, as fn_required_tags.py) in two variants:
#   evaluate         parses the event and builds the evaluation, no network
#   put_evaluations  the same, then boto3 put_evaluations with the event's resultToken
#   put_evaluations_test_mode  the same with TestMode=True, for a real plumb server (the
#                    benchmark's token is not one plumb issued, so only TestMode passes)
# The boto3 client is created at module level, as AWS recommends, so a warm worker pays for it
# once and a cold start pays for it every time.
import json

import boto3

config = boto3.client("config")


def build(event):
    invoking_event = json.loads(event["invokingEvent"])
    params = json.loads(event.get("ruleParameters") or "{}")
    ci = invoking_event["configurationItem"]
    required = [t.strip() for t in params.get("requiredTags", "").split(",") if t.strip()]
    tags = ci.get("tags") or {}
    missing = [t for t in required if t not in tags]
    evaluation = {
        "ComplianceResourceType": ci["resourceType"],
        "ComplianceResourceId": ci["resourceId"],
        "ComplianceType": "NON_COMPLIANT" if missing else "COMPLIANT",
        "OrderingTimestamp": ci["configurationItemCaptureTime"],
    }
    if missing:
        evaluation["Annotation"] = "Missing required tags: " + ", ".join(missing)
    return evaluation


def evaluate(event, context):
    return build(event)


def put_evaluations(event, context):
    evaluation = build(event)
    config.put_evaluations(Evaluations=[evaluation], ResultToken=event["resultToken"])
    return evaluation


def put_evaluations_test_mode(event, context):
    evaluation = build(event)
    config.put_evaluations(Evaluations=[evaluation], ResultToken=event["resultToken"],
                           TestMode=True)
    return evaluation
