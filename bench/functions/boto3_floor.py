# boto3_floor.py — what one Python process can do with boto3 alone: N put_evaluations calls in a
# loop against ENDPOINT, with no plumb runner involved. This is the ceiling for one warm
# put_evaluations worker. TestMode is set so that any server accepts the token. Prints calls/s
# (wall) and the client's CPU ms per call.
#   python3 boto3_floor.py ENDPOINT [N]
import sys
import time

import boto3

endpoint, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 500
config = boto3.client("config", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="AKIDBENCH", aws_secret_access_key="bench")
evaluation = {"ComplianceResourceType": "AWS::EC2::Instance", "ComplianceResourceId": "i-0",
              "ComplianceType": "COMPLIANT", "OrderingTimestamp": "2016-02-17T01:36:34.043Z"}


def call():
    config.put_evaluations(Evaluations=[evaluation], ResultToken="bench-token", TestMode=True)


call()  # warm-up: connection, endpoint resolution
wall, cpu = time.monotonic(), time.process_time()
for _ in range(n):
    call()
wall, cpu = time.monotonic() - wall, time.process_time() - cpu
print("boto3 alone, one process: %.1f put_evaluations/s, %.2f ms CPU per call in the client"
      % (n / wall, cpu * 1000 / n))
