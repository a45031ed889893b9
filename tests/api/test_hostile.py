"""test_hostile.py — hostile inputs get an AWS-shaped 400 and leave nothing behind.

Out-of-range OrderingTimestamps (1e99999, ±1e300, 9.3e15 seconds) in PutExternalEvaluation and
PutEvaluations are refused as other bad timestamps are, so no result can break a later read
(boto3 raised "year 292278994 is out of range" on GetComplianceDetailsByConfigRule, and the
sanitizer build aborted on rendering INT64_MIN)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from harness import ACCOUNT, PLUMB, ServerTest, signed_call


class OrderingTimestamps(ServerTest):
    def raw(self, op, body_text):
        return signed_call(self.server.url, "StarlingDoveService." + op, body_text)

    def test_out_of_range_ordering_timestamps_are_refused(self):
        self.cfg.put_config_rule(ConfigRule={
            "ConfigRuleName": "manual",
            "Source": {"Owner": "AWS", "SourceIdentifier": "AWS_CONFIG_PROCESS_CHECK"}})
        for ts in ("1e99999", "-1e99999", "1e300", "-1e300", "9.3e15", '"+275760-09-13"'):
            body = ('{"ConfigRuleName":"manual","ExternalEvaluation":{"ComplianceResourceType":'
                    '"AWS::::Account","ComplianceResourceId":"%s","ComplianceType":"COMPLIANT",'
                    '"OrderingTimestamp":%s}}' % (ACCOUNT, ts))
            status, out = self.raw("PutExternalEvaluation", body)
            self.assertEqual(status, 400, (ts, out))
            self.assertIn(out["__type"], ("InvalidParameterValueException",
                                          "SerializationException", "ValidationException"))
            status, out = self.raw("PutEvaluations", '{"ResultToken":"x","Evaluations":[{'
                                   '"ComplianceResourceType":"AWS::S3::Bucket",'
                                   '"ComplianceResourceId":"b","ComplianceType":"COMPLIANT",'
                                   '"OrderingTimestamp":%s}]}' % ts)
            self.assertEqual(status, 400, (ts, out))
        # nothing was stored, and the rule's results still read fine with boto3
        r = self.cfg.get_compliance_details_by_config_rule(ConfigRuleName="manual")
        self.assertEqual(r["EvaluationResults"], [])
        # the widest accepted values round-trip
        self.cfg.put_external_evaluation(ConfigRuleName="manual", ExternalEvaluation={
            "ComplianceResourceType": "AWS::::Account", "ComplianceResourceId": ACCOUNT,
            "ComplianceType": "COMPLIANT", "OrderingTimestamp": 253402300799})
        r = self.cfg.get_compliance_details_by_config_rule(ConfigRuleName="manual")
        ts = r["EvaluationResults"][0]["EvaluationResultIdentifier"]["OrderingTimestamp"]
        self.assertEqual(ts.year, 9999)


class LongErrorMessage(ServerTest):
    """An error whose message is longer than 4 KB (every validation error of a body is listed,
    each echoing its value) is still a whole AWS JSON error: the body was cut to
    {"__type":"ValidationException","message":} by a 4 KB cap on the error buffer."""

    def test_long_validation_message_is_whole_json(self):
        body = json.dumps({"ConfigRuleNames": ["x" * 200] * 25})
        status, out = signed_call(self.server.url, "StarlingDoveService.DescribeConfigRules",
                                  body)
        self.assertEqual(status, 400)
        self.assertEqual(out["__type"], "ValidationException")
        self.assertTrue(out["message"].startswith("25 validation errors detected: "))
        self.assertGreater(len(out["message"]), 4096)
        self.assertIn("x" * 200, out["message"])


class RecordMemory(unittest.TestCase):
    """`plumb record` of 30 CIs of 8.4 MB each stays flat in memory (it held every CI of a batch
    and every prepared CI of its 2,048-slot ring: 40 such CIs took 1.26 GB), and stores them
    all."""

    def test_large_cis_flat_memory(self):
        tmp = tempfile.mkdtemp(prefix="plumb-bigci-")
        try:
            src = os.path.join(tmp, "big.jsonl")
            blob = ["x%07d" % k + "y" * 100 for k in range(75000)]
            with open(src, "w") as f:
                for i in range(30):
                    blob[0] = "v%d" % i
                    f.write(json.dumps({"resourceType": "MyCompany::Big::Thing",
                                        "resourceId": "big-%d" % i,
                                        "configuration": {"blob": blob}}) + "\n")
            probe = ("import resource, subprocess, sys; "
                     "r = subprocess.run(sys.argv[1:]).returncode; "
                     "print(r, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
            out = subprocess.run([sys.executable, "-c", probe, PLUMB, "record", "--all",
                                  "--quiet", "--data", os.path.join(tmp, "d"), src],
                                 capture_output=True, text=True, timeout=600)
            rc, maxrss_kb = (int(x) for x in out.stdout.split())
            self.assertEqual(rc, 0, out.stderr)
            # 30 x 8.4 MB = 252 MB of input; ASan's shadow memory and quarantine add their own
            bound_mb = 2000 if os.environ.get("PL_ASAN") else 400
            self.assertLess(maxrss_kb / 1024, bound_mb)
            db = os.path.join(tmp, "d", "plumb.db")
            n = subprocess.run(["sqlite3", db, "SELECT COUNT(*) FROM config_items"],
                               capture_output=True, text=True).stdout.strip()
            self.assertEqual(n, "30")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
