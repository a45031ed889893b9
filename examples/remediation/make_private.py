"""A plumb remediation action for a third-party resource type: records the resource again with
"public": false through plumb's own PutResourceConfig (the action runs with AWS_ENDPOINT_URL and
credentials pointing at plumb), so the rule re-evaluates it COMPLIANT. docs/remediation.md
walks through it:

    plumb action add MakeWidgetPrivate --python "$PWD/examples/remediation/make_private.py:handler"
"""
import json
import os

import boto3


def handler(event, context):
    key = event["ResourceKey"]
    config = boto3.client("config", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    old = config.get_resource_config_history(resourceType=key["resourceType"],
                                             resourceId=key["resourceId"], limit=1)
    conf = json.loads(old["configurationItems"][0]["configuration"] or "{}")
    conf["public"] = False
    config.put_resource_config(ResourceType=key["resourceType"], SchemaVersionId="1",
                               ResourceId=key["resourceId"], Configuration=json.dumps(conf))
    print("made %s private (attempt %d)" % (key["resourceId"], event["Attempt"]))
    return {"status": "SUCCEEDED", "steps": [
        {"name": "ReadConfiguration", "status": "SUCCEEDED"},
        {"name": "RecordPrivate", "status": "SUCCEEDED", "message": "public set to false"}]}
