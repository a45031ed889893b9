"""fn_rdk_style.py — a custom rule handler in the RDK boilerplate's manner, for the function-log
tests. What it does depends on the instance's tag "mode":
  raise   raises KeyError (an unhandled error with a traceback)
  client  prints and returns the RDK error dict, as RDK's build_error_response does for a
          botocore ClientError (the function "succeeds", nothing is evaluated)
  big     prints 200 KB of two-byte characters, then answers COMPLIANT
  other   prints a line and answers COMPLIANT with PutEvaluations
"""
import json

import boto3


def build_error_response(internal_message, internal_details=None, customer_code=None,
                         customer_message=None):
    response = {"internalErrorMessage": internal_message,
                "internalErrorDetails": internal_details,
                "customerErrorMessage": customer_message,
                "customerErrorCode": customer_code}
    print(response)
    return response


def lambda_handler(event, context):
    ci = json.loads(event["invokingEvent"])["configurationItem"]
    mode = (ci.get("tags") or {}).get("mode", "")
    print("rdk-style evaluating", ci["resourceId"], "mode", mode)
    if mode == "raise":
        return ci["configuration"]["doesNotExist"]
    if mode == "client":
        return build_error_response("Customer error while making API request",
                                    "An error occurred (AccessDenied) when calling the "
                                    "DescribeInstances operation", "AccessDenied",
                                    "not authorized")
    if mode == "big":
        print("\u00e9" * 100000)
    boto3.client("config").put_evaluations(
        Evaluations=[{"ComplianceResourceType": ci["resourceType"],
                      "ComplianceResourceId": ci["resourceId"], "ComplianceType": "COMPLIANT",
                      "OrderingTimestamp": ci["configurationItemCaptureTime"]}],
        ResultToken=event["resultToken"])
    return "ok"
