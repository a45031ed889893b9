"""test_console_ops.py — the PlumbService operations of the web console (docs/console.md):
GetComplianceCountsByConfigRule (every rule's uncapped counts, one grouped store read) and
GetComplianceTrend (daily counts of compliant and non-compliant resources from every
AWS::Config::ResourceCompliance CI), on a server whose clock is frozen (--fake-clock) and moved
day by day with PlumbService.AdvanceClock, so the days are known."""
import json
import time
import unittest

from harness import ACCOUNT, ServerTest, signed_call

# after the wall clock: `plumb record` (the CLI, on the wall clock) queues the evaluations, and
# the server (on this clock) finds them due; each CI's capture time is the server's day
YEAR = time.gmtime().tm_year + 1
START = "%d-03-10T12:00:00Z" % YEAR
EC2 = "AWS::EC2::Instance"
DAY = 86400 * 1000


def D(day):
    """The date of March `day` of YEAR."""
    return "%d-03-%02d" % (YEAR, day)


def instance(iid, tags, day):
    return {"resourceType": EC2, "resourceId": iid, "awsAccountId": ACCOUNT,
            "configurationItemCaptureTime": "%d-03-%02dT12:00:00.000Z" % (YEAR, 10 + day),
            "awsRegion": "us-east-1", "tags": tags,
            "configuration": {"instanceId": iid, "instanceType": "t3.micro"}}


class ConsoleOps(ServerTest):
    EXTRA = ("--fake-clock", START)

    def wait(self, iid, want):
        def got():
            res = self.cfg.get_compliance_details_by_resource(
                ResourceType=EC2, ResourceId=iid)["EvaluationResults"]
            return res and res[0]["ComplianceType"] == want
        self.wait_for("a %s result for %s" % (want, iid), got, 60)

    def trend(self, days):
        return [(d["Date"], d["CompliantResourceCount"], d["NonCompliantResourceCount"])
                for d in self.plumb_call("GetComplianceTrend", {"Days": days})["Days"]]

    def test_counts_and_trend(self):
        self.setup_recorder()
        self.cfg.put_config_rule(ConfigRule={
            "ConfigRuleName": "required-tags", "Scope": {"ComplianceResourceTypes": [EC2]},
            "InputParameters": json.dumps({"tag1Key": "owner"}),
            "Source": {"Owner": "AWS", "SourceIdentifier": "REQUIRED_TAGS"}})
        self.cfg.put_config_rule(ConfigRule={
            "ConfigRuleName": "a-rule-without-results",
            "Scope": {"ComplianceResourceTypes": ["AWS::S3::Bucket"]},
            "Source": {"Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"}})
        # day 0 (March 10): i-1 non-compliant
        self.record(instance("i-1", {}, 0))
        self.wait("i-1", "NON_COMPLIANT")
        # day 1: i-2 non-compliant too
        self.plumb_call("AdvanceClock", {"Milliseconds": DAY})
        self.record(instance("i-2", {}, 1))
        self.wait("i-2", "NON_COMPLIANT")
        # day 2: i-1 tagged (compliant); i-3 compliant from the start
        self.plumb_call("AdvanceClock", {"Milliseconds": DAY})
        self.record(instance("i-1", {"owner": "ops"}, 2))
        self.record(instance("i-3", {"owner": "ops"}, 2))
        self.wait("i-1", "COMPLIANT")
        self.wait("i-3", "COMPLIANT")
        # day 3: nothing changes; day 4: i-2 deleted (its compliance counts as neither)
        self.plumb_call("AdvanceClock", {"Milliseconds": DAY})
        self.assertEqual(self.trend(5), [(D(9), 0, 0), (D(10), 0, 1),
                                         (D(11), 0, 2), (D(12), 2, 1),
                                         (D(13), 2, 1)])
        self.plumb_call("AdvanceClock", {"Milliseconds": DAY})
        gone = dict(instance("i-2", {}, 4), configurationItemStatus="ResourceDeleted")
        self.record(gone)
        self.wait_for("i-2's deletion in the trend", lambda: self.trend(1) == [(D(14), 2, 0)],
                      60)

        self.assertEqual(self.trend(6), [(D(9), 0, 0), (D(10), 0, 1),
                                         (D(11), 0, 2), (D(12), 2, 1),
                                         (D(13), 2, 1), (D(14), 2, 0)])
        days = self.plumb_call("GetComplianceTrend", {})["Days"]
        self.assertEqual(len(days), 30)  # the default
        self.assertEqual(days[-1]["Date"], D(14))
        # the same counts as DescribeComplianceByResource today
        nc = self.cfg.describe_compliance_by_resource(ComplianceTypes=["NON_COMPLIANT"])
        self.assertEqual(len(nc["ComplianceByResources"]), days[-1]["NonCompliantResourceCount"])

        # every rule, in name order, a rule without results with zeros
        counts = self.plumb_call("GetComplianceCountsByConfigRule", {})["ComplianceCounts"]
        self.assertEqual([c["ConfigRuleName"] for c in counts],
                         ["a-rule-without-results", "required-tags"])
        self.assertEqual(counts[0], {"ConfigRuleName": "a-rule-without-results",
                                     "CompliantResourceCount": 0, "NonCompliantResourceCount": 0,
                                     "NotApplicableResourceCount": 0,
                                     "InsufficientDataResourceCount": 0})
        self.assertEqual((counts[1]["CompliantResourceCount"],
                          counts[1]["NonCompliantResourceCount"]), (2, 0))  # i-2 is gone

        # another account sees none of it
        other = [(d["CompliantResourceCount"], d["NonCompliantResourceCount"]) for d in
                 self.plumb_call_as("210987654321", "GetComplianceTrend", {"Days": 5})["Days"]]
        self.assertEqual(other, [(0, 0)] * 5)

    def plumb_call_as(self, account, op, body):
        status, out = signed_call(self.server.url, "PlumbService." + op, json.dumps(body),
                                  key=account)
        self.assertEqual(status, 200, out)
        return out

    def test_trend_validation(self):
        for bad in ('{"Days": 0}', '{"Days": 367}', '{"Days": "x"}', '{"Days": 1.5}'):
            status, out = signed_call(self.server.url, "PlumbService.GetComplianceTrend", bad)
            self.assertEqual(status, 400, bad)
            self.assertEqual(out["__type"], "ValidationException", out)


if __name__ == "__main__":
    unittest.main()
