"""failing.py — a custom rule handler that raises, for the evaluation-status tests."""
import json


def lambda_handler(event, context):
    invoking_event = json.loads(event["invokingEvent"])
    return invoking_event["configurationItem"]["configuration"]["doesNotExist"]
