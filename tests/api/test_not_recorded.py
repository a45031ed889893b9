"""test_not_recorded.py — types outside the recording group (docs/recording.md): with a recorder
that excludes AWS::EC2::Volume, a volume sent by `plumb record --endpoint` is discovered but not
recorded: one identity-only ResourceNotRecorded CI without configuration, listed by
ListDiscoveredResources, not counted by GetDiscoveredResourceCounts, never evaluated by a rule;
back in the group it is recorded (ResourceDiscovered) and evaluated; excluded again, its deletion
is ResourceDeletedNotRecorded and its rule result stays."""
import json
import os
import subprocess
import tempfile
import unittest

from harness import ACCOUNT, PLUMB, ServerTest

VOL = "vol-0notrecorded"
EXCLUDE_VOLUMES = {"allSupported": False, "includeGlobalResourceTypes": False,
                   "exclusionByResourceTypes": {"resourceTypes": ["AWS::EC2::Volume"]},
                   "recordingStrategy": {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"}}
ALL_TYPES = {"allSupported": True, "includeGlobalResourceTypes": False}


def volume_ci(size=8, status=None):
    ci = {"resourceType": "AWS::EC2::Volume", "resourceId": VOL, "resourceName": "data",
          "awsAccountId": ACCOUNT, "awsRegion": "us-east-1", "availabilityZone": "us-east-1a",
          "ARN": "arn:aws:ec2:us-east-1:%s:volume/%s" % (ACCOUNT, VOL),
          "tags": {"env": "dev"},
          "relationships": [{"name": "Is attached to Instance",
                             "resourceType": "AWS::EC2::Instance", "resourceId": "i-0rec"}],
          "configuration": {"volumeId": VOL, "size": size, "encrypted": False,
                            "state": "in-use",
                            "attachments": [{"instanceId": "i-0rec", "state": "attached"}]}}
    if status:
        ci["configurationItemStatus"] = status
    return ci


def instance_ci():
    return {"resourceType": "AWS::EC2::Instance", "resourceId": "i-0rec", "awsAccountId": ACCOUNT,
            "awsRegion": "us-east-1", "configuration": {"instanceId": "i-0rec"}}


class NotRecorded(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.set_group(EXCLUDE_VOLUMES)
        cls.cfg.put_delivery_channel(DeliveryChannel={
            "name": "default", "s3BucketName": "my-config-bucket-123456789012"})
        cls.cfg.start_configuration_recorder(ConfigurationRecorderName="default")

    @classmethod
    def set_group(cls, group):
        cls.cfg.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::123456789012:role/ConfigRole",
            "recordingGroup": group})

    def record_endpoint(self, *cis):
        """`plumb record --endpoint` of cis (live observations); returns its summary line."""
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            f.write("".join(json.dumps(ci) + "\n" for ci in cis))
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCOUNT, AWS_SECRET_ACCESS_KEY="test")
        try:
            p = subprocess.run([PLUMB, "record", "--endpoint", self.server.url, f.name],
                               env=env, capture_output=True, text=True, timeout=120)
        finally:
            os.unlink(f.name)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stderr

    def history(self):
        return self.cfg.get_resource_config_history(
            resourceType="AWS::EC2::Volume", resourceId=VOL,
            chronologicalOrder="Forward")["configurationItems"]

    def counts(self):
        r = self.cfg.get_discovered_resource_counts(
            resourceTypes=["AWS::EC2::Instance", "AWS::EC2::Volume"])
        return r["totalDiscoveredResources"], {c["resourceType"]: c["count"]
                                               for c in r["resourceCounts"]}

    def rule_results(self):
        return self.cfg.get_compliance_details_by_config_rule(
            ConfigRuleName="encrypted-volumes")["EvaluationResults"]

    def assertIdentityOnly(self, ci, status):
        self.assertEqual(ci["configurationItemStatus"], status)
        self.assertNotIn("configuration", ci)
        self.assertEqual(ci["resourceName"], "data")
        self.assertEqual(ci["availabilityZone"], "us-east-1a")
        self.assertEqual(ci["arn"], "arn:aws:ec2:us-east-1:%s:volume/%s" % (ACCOUNT, VOL))
        self.assertEqual(ci["tags"], {})
        self.assertEqual(ci["relationships"], [])
        self.assertEqual(ci["supplementaryConfiguration"], {})

    def test_not_recorded_volume(self):
        self.cfg.put_config_rule(ConfigRule={
            "ConfigRuleName": "encrypted-volumes",
            "Source": {"Owner": "AWS", "SourceIdentifier": "ENCRYPTED_VOLUMES"},
            "Scope": {"ComplianceResourceTypes": ["AWS::EC2::Volume"]}})
        out = self.record_endpoint(instance_ci(), volume_ci())
        self.assertIn("recorded 1, unchanged 0, skipped 1 (1 as ResourceNotRecorded)", out)

        # discovered, not recorded: one identity-only CI
        h = self.history()
        self.assertEqual(len(h), 1, h)
        self.assertIdentityOnly(h[0], "ResourceNotRecorded")
        base = self.cfg.batch_get_resource_config(resourceKeys=[
            {"resourceType": "AWS::EC2::Volume", "resourceId": VOL}])["baseConfigurationItems"]
        self.assertEqual(len(base), 1)
        self.assertEqual(base[0]["configurationItemStatus"], "ResourceNotRecorded")
        self.assertNotIn("configuration", base[0])
        listed = self.cfg.list_discovered_resources(
            resourceType="AWS::EC2::Volume")["resourceIdentifiers"]
        self.assertEqual([r["resourceId"] for r in listed], [VOL])
        self.assertEqual(self.counts(), (1, {"AWS::EC2::Instance": 1}))

        # the same identity again, another configuration: nothing new
        r = self.plumb_call("RecordConfigurationItems", {"configurationItems": [volume_ci(16)]})
        self.assertEqual((r["recorded"], r["notRecorded"], r["identityOnly"]), (0, 1, 0))
        self.assertEqual(len(self.history()), 1)

        # the rule ran over what plumb records and has no result for the volume
        self.wait_for("the rule's first evaluation", lambda: "LastSuccessfulEvaluationTime" in
                      self.cfg.describe_config_rule_evaluation_status(
                          ConfigRuleNames=["encrypted-volumes"])["ConfigRulesEvaluationStatus"][0])
        self.assertEqual(self.rule_results(), [])

        # back in the group: recorded (rediscovered) and evaluated
        self.set_group(ALL_TYPES)
        self.record_endpoint(volume_ci())
        h = self.history()
        self.assertEqual([c["configurationItemStatus"] for c in h],
                         ["ResourceNotRecorded", "ResourceDiscovered"])
        self.assertEqual(json.loads(h[1]["configuration"])["size"], 8)
        self.assertEqual(self.counts(), (2, {"AWS::EC2::Instance": 1, "AWS::EC2::Volume": 1}))
        res = self.wait_for("a result for the volume", self.rule_results)
        self.assertEqual(res[0]["ComplianceType"], "NON_COMPLIANT")

        # excluded again: its deletion is not recorded either, and its result stays
        self.set_group(EXCLUDE_VOLUMES)
        out = self.record_endpoint(volume_ci(status="ResourceDeleted"))
        self.assertIn("(1 as ResourceNotRecorded)", out)
        h = self.history()
        self.assertEqual(len(h), 3, h)
        self.assertEqual(h[2]["configurationItemStatus"], "ResourceDeletedNotRecorded")
        self.assertNotIn("configuration", h[2])
        self.assertEqual(self.counts(), (1, {"AWS::EC2::Instance": 1}))
        self.assertEqual(self.cfg.list_discovered_resources(
            resourceType="AWS::EC2::Volume")["resourceIdentifiers"], [])
        self.assertEqual(self.rule_results()[0]["ComplianceType"], "NON_COMPLIANT")


if __name__ == "__main__":
    unittest.main()
