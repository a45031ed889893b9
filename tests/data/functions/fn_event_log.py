# fn_event_log.py — test handler: a careless custom rule that judges every resource it is told
# about NON_COMPLIANT, deleted or not (ordered a minute after the time it runs: boto3 sends whole
# seconds, and the result must not be older than plumb's own NOT_APPLICABLE), then appends the configurationItemStatus of the event it received to the
# file named by the rule parameter logFile (after its put_evaluations returned).
import datetime
import json

import boto3


def lambda_handler(event, context):
    ci = json.loads(event["invokingEvent"])["configurationItem"]
    params = json.loads(event.get("ruleParameters") or "{}")
    boto3.client("config").put_evaluations(Evaluations=[{
        "ComplianceResourceType": ci["resourceType"],
        "ComplianceResourceId": ci["resourceId"],
        "ComplianceType": "NON_COMPLIANT",
        "OrderingTimestamp": datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=1),
    }], ResultToken=event["resultToken"])
    with open(params["logFile"], "a") as f:
        f.write(ci["configurationItemStatus"] + "\n")
