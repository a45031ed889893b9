"""test_daily.py — recordingMode DAILY (docs/recording.md): a recorder whose override records
AWS::EC2::SecurityGroup daily (default CONTINUOUS) holds live observations of security groups
and records the latest state once the day is over, with recordingFrequency DAILY and
configurationItemDeliveryTime; an unchanged state records nothing; a CONTINUOUS type is
recorded at once. The server's clock is frozen (--fake-clock) and moved with AdvanceClock."""
import datetime
import json
import unittest
from decimal import Decimal

from harness import ACCOUNT, ServerTest

START = "2026-01-01T00:00:00Z"
START_S = 1767225600
HOUR_MS = 3600 * 1000
SG = "sg-0123456789abcdef0"


def sg_ci(rules, status=None):
    """A live observation (no capture time: the recorder stamps it) of the security group."""
    ci = {"resourceType": "AWS::EC2::SecurityGroup", "resourceId": SG, "awsRegion": "us-east-1",
          "awsAccountId": ACCOUNT, "configuration": {"groupId": SG, "ipPermissions": rules}}
    if status:
        ci["configurationItemStatus"] = status
    return ci


def instance_ci(itype):
    return {"resourceType": "AWS::EC2::Instance", "resourceId": "i-0daily", "awsRegion": "us-east-1",
            "awsAccountId": ACCOUNT, "configuration": {"instanceType": itype}}


class Daily(ServerTest):
    EXTRA = ("--fake-clock", START)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cfg.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::123456789012:role/ConfigRole",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": False},
            "recordingMode": {"recordingFrequency": "CONTINUOUS", "recordingModeOverrides": [{
                "description": "security groups once a day",
                "resourceTypes": ["AWS::EC2::SecurityGroup"], "recordingFrequency": "DAILY"}]}})
        cls.cfg.put_delivery_channel(DeliveryChannel={
            "name": "default", "s3BucketName": "my-config-bucket-123456789012"})
        cls.cfg.start_configuration_recorder(ConfigurationRecorderName="default")

    def observe(self, *cis):
        return self.plumb_call("RecordConfigurationItems", {"configurationItems": list(cis)})

    def advance(self, ms):
        return self.plumb_call("AdvanceClock", {"Milliseconds": ms})["Now"]

    def history(self, rtype="AWS::EC2::SecurityGroup", rid=SG):
        return self.cfg.get_resource_config_history(resourceType=rtype, resourceId=rid,
                                                    chronologicalOrder="Forward")[
            "configurationItems"]

    def assertNotDiscovered(self):
        self.assertAwsError("ResourceNotDiscoveredException",
                            self.cfg.get_resource_config_history,
                            resourceType="AWS::EC2::SecurityGroup", resourceId=SG)

    def assertDaily(self, ci, delivered_s, status, rules):
        self.assertEqual(ci["recordingFrequency"], "DAILY")
        self.assertEqual(ci["configurationItemStatus"], status)
        self.assertEqual(ci["configurationItemDeliveryTime"],
                         datetime.datetime.fromtimestamp(delivered_s, datetime.timezone.utc))
        self.assertLess(ci["configurationItemCaptureTime"], ci["configurationItemDeliveryTime"])
        if rules is not None:
            self.assertEqual(json.loads(ci["configuration"])["ipPermissions"], rules)

    def test_daily(self):
        # a CONTINUOUS type is recorded at once, without the DAILY fields
        r = self.observe(instance_ci("t3.micro"))
        self.assertEqual((r["recorded"], r["pending"]), (1, 0))
        inst = self.history("AWS::EC2::Instance", "i-0daily")
        self.assertEqual(len(inst), 1)
        self.assertNotIn("recordingFrequency", inst[0])
        self.assertNotIn("configurationItemDeliveryTime", inst[0])

        # the first observation of the group waits for the day to be over
        r = self.observe(sg_ci(["22"]))
        self.assertEqual((r["recorded"], r["pending"]), (0, 1))
        self.advance(HOUR_MS)
        self.observe(sg_ci(["22", "443"]))  # latest wins
        self.assertNotDiscovered()
        self.advance(22 * HOUR_MS)
        self.assertNotDiscovered()
        now = self.advance(HOUR_MS)  # 24 h after the first held observation
        h = self.history()
        self.assertEqual(len(h), 1, h)
        self.assertDaily(h[0], now, "ResourceDiscovered", ["22", "443"])
        self.assertEqual(h[0]["configurationItemCaptureTime"].timestamp(), START_S + 3600)

        # two changes within the next day: one CI, the latest state, once the day is over
        self.observe(sg_ci(["80"]))
        self.advance(2 * HOUR_MS)
        self.observe(sg_ci(["80", "8080"]))
        self.advance(20 * HOUR_MS)
        self.assertEqual(len(self.history()), 1)
        now = self.advance(4 * HOUR_MS)
        h = self.history()
        self.assertEqual(len(h), 2, h)
        self.assertDaily(h[1], now, "OK", ["80", "8080"])
        self.assertGreater(int(h[1]["configurationStateId"]), int(h[0]["configurationStateId"]))

        # back to the recorded state within a day: nothing new
        self.observe(sg_ci(["22"]))
        self.observe(sg_ci(["80", "8080"]))
        self.advance(25 * HOUR_MS)
        self.assertEqual(len(self.history()), 2)

        # a deletion is delivered by the next flush too
        self.observe(sg_ci([], status="ResourceDeleted"))
        self.assertEqual(len(self.history()), 2)
        now = self.advance(24 * HOUR_MS)
        h = self.history()
        self.assertEqual(len(h), 3, h)
        self.assertDaily(h[2], now, "ResourceDeleted", None)

        # the CONTINUOUS type still records at once, whatever the daily schedule
        self.observe(instance_ci("t3.large"))
        self.assertEqual(len(self.history("AWS::EC2::Instance", "i-0daily")), 2)

        # the cost report bills the DAILY CIs at the periodic rate (docs/cost.md)
        rep = self.plumb_call("GetCostReport", {})
        types = {t["ResourceType"]: t for t in rep["ResourceTypes"]}
        sg = types["AWS::EC2::SecurityGroup"]
        self.assertEqual((sg["ConfigurationItems"], sg["PeriodicConfigurationItems"]), (0, 3))
        self.assertEqual(Decimal(str(sg["Cost"])), 3 * Decimal("0.012"))
        self.assertEqual(types["AWS::EC2::Instance"]["ConfigurationItems"], 2)


if __name__ == "__main__":
    unittest.main()
