"""test_awsexact.py — issue 11 §1: wire answers as AWS gives them (messages, recorder checks,
recorder status, service-linked recorders)."""
import json
import unittest
import urllib.error
import urllib.request

import botocore.exceptions

from harness import ServerTest, signed_call

ROLE = "arn:aws:iam::123456789012:role/ConfigRole"


class Messages(ServerTest):
    def test_every_violation_listed(self):
        e = self.assertAwsError("ValidationException", self.cfg.put_config_rule, ConfigRule={
            "ConfigRuleName": "x" * 200, "Description": "d" * 300,
            "Source": {"Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"}})
        msg = e.response["Error"]["Message"]
        self.assertTrue(msg.startswith("2 validation errors detected: "), msg)
        self.assertIn("x" * 200, msg)      # the whole value, not 80 bytes of it
        self.assertIn("d" * 300, msg)
        self.assertEqual(msg.count("; "), 1)

    def test_utf8_name_gives_client_error(self):
        # 200 'é' is 400 bytes: once cut at 255 bytes this left a lone 0xC3 in the body
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.cfg.describe_config_rules(ConfigRuleNames=["é" * 200])
        self.assertIn("é" * 200, cm.exception.response["Error"]["Message"])


class Recorder(ServerTest):
    def test_exclusion_needs_strategy(self):
        self.assertAwsError("InvalidRecordingGroupException", self.cfg.put_configuration_recorder,
                            ConfigurationRecorder={"name": "default", "roleARN": ROLE,
                                                   "recordingGroup": {
                                                       "allSupported": False,
                                                       "exclusionByResourceTypes": {
                                                           "resourceTypes": ["AWS::S3::Bucket"]}}})

    def test_any_nonempty_role_then_success_status(self):
        c = self.cfg
        c.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": "nope"})
        c.put_delivery_channel(DeliveryChannel={"name": "default",
                                                "s3BucketName": "my-config-bucket-123456789012"})
        c.start_configuration_recorder(ConfigurationRecorderName="default")
        st = c.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]
        self.assertTrue(st["recording"])
        self.assertEqual(st["lastStatus"], "SUCCESS")


class ServiceLinked(ServerTest):
    def test_lifecycle(self):
        c = self.cfg
        r = c.put_service_linked_configuration_recorder(ServicePrincipal="securityhub.amazonaws.com")
        self.assertEqual(r["Name"], "AWSConfigurationRecorderForsecurityhub.amazonaws.com")
        self.assertAwsError("ConflictException", c.put_service_linked_configuration_recorder,
                            ServicePrincipal="securityhub.amazonaws.com")
        recs = c.describe_configuration_recorders(
            ServicePrincipal="securityhub.amazonaws.com")["ConfigurationRecorders"]
        self.assertEqual(recs[0]["arn"], r["Arn"])
        self.assertEqual(recs[0]["recordingScope"], "INTERNAL")
        summ = c.list_configuration_recorders()["ConfigurationRecorderSummaries"]
        self.assertIn(("securityhub.amazonaws.com", "INTERNAL"),
                      [(s.get("servicePrincipal"), s["recordingScope"]) for s in summ])
        st = c.describe_configuration_recorder_status(Arn=r["Arn"])["ConfigurationRecordersStatus"]
        self.assertEqual(st[0]["servicePrincipal"], "securityhub.amazonaws.com")
        d = c.delete_service_linked_configuration_recorder(
            ServicePrincipal="securityhub.amazonaws.com")
        self.assertEqual(d["Arn"], r["Arn"])
        self.assertAwsError("NoSuchConfigurationRecorderException",
                            c.delete_service_linked_configuration_recorder,
                            ServicePrincipal="securityhub.amazonaws.com")

    def test_associate_types(self):
        c = self.cfg
        c.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": ROLE,
            "recordingGroup": {"allSupported": False, "resourceTypes": ["AWS::S3::Bucket"]}})
        arn = c.describe_configuration_recorders()["ConfigurationRecorders"][0]["arn"]
        r = c.associate_resource_types(ConfigurationRecorderArn=arn,
                                       ResourceTypes=["AWS::EC2::Instance"])
        self.assertEqual(r["ConfigurationRecorder"]["recordingGroup"]["resourceTypes"],
                         ["AWS::S3::Bucket", "AWS::EC2::Instance"])
        r = c.disassociate_resource_types(ConfigurationRecorderArn=arn,
                                          ResourceTypes=["AWS::S3::Bucket"])
        self.assertEqual(r["ConfigurationRecorder"]["recordingGroup"]["resourceTypes"],
                         ["AWS::EC2::Instance"])
        self.assertAwsError("NoSuchConfigurationRecorderException", c.associate_resource_types,
                            ConfigurationRecorderArn=arn + "x", ResourceTypes=["AWS::EC2::VPC"])


class PutConfigRuleChecks(ServerTest):
    SRC = {"Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"}

    def refused(self, msg, **fields):
        rule = {"ConfigRuleName": "r1", "Source": self.SRC}
        rule.update(fields)
        e = self.assertAwsError("InvalidParameterValueException", self.cfg.put_config_rule,
                                ConfigRule=rule)
        self.assertEqual(e.response["Error"]["Message"], msg)

    def test_caller_fields_refused(self):
        self.refused("AWS Config populates the CreatedBy field for ServiceLinkedConfigRule. "
                     "Try again without populating the CreatedBy field",
                     CreatedBy="securityhub.amazonaws.com")
        self.refused("ConfigRule Arn and Id can not be specified when creating a new ConfigRule.",
                     ConfigRuleName="new", ConfigRuleId="config-rule-abc123")
        self.refused("The ConfigRuleState DELETING is invalid.  Only the following values are "
                     "permitted: ACTIVE", ConfigRuleState="DELETING")
        self.refused("Scope cannot be applied to both resource and tag",
                     Scope={"ComplianceResourceTypes": ["AWS::S3::Bucket"], "TagKey": "env"})

    def test_active_and_existing_arn_accepted(self):
        c = self.cfg
        c.put_config_rule(ConfigRule={"ConfigRuleName": "r2", "Source": self.SRC,
                                      "ConfigRuleState": "ACTIVE"})
        rule = c.describe_config_rules(ConfigRuleNames=["r2"])["ConfigRules"][0]
        c.put_config_rule(ConfigRule={"ConfigRuleName": "r2", "Source": self.SRC,
                                      "ConfigRuleArn": rule["ConfigRuleArn"],
                                      "ConfigRuleId": rule["ConfigRuleId"]})


class TagPages(ServerTest):
    def test_limit_pages(self):
        c = self.cfg
        c.put_config_rule(ConfigRule={"ConfigRuleName": "tagged", "Source": {
            "Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"}})
        arn = c.describe_config_rules(ConfigRuleNames=["tagged"])["ConfigRules"][0]["ConfigRuleArn"]
        c.tag_resource(ResourceArn=arn, Tags=[{"Key": "k%d" % i, "Value": str(i)} for i in range(9)])
        keys, token, pages = [], None, 0
        while True:
            kw = {"NextToken": token} if token else {}
            r = c.list_tags_for_resource(ResourceArn=arn, Limit=3, **kw)
            self.assertEqual(len(r["Tags"]), 3)
            keys += [t["Key"] for t in r["Tags"]]
            pages += 1
            token = r.get("NextToken")
            if not token:
                break
        self.assertEqual(pages, 3)
        self.assertEqual(sorted(keys), sorted("k%d" % i for i in range(9)))
        self.assertEqual(len(c.list_tags_for_resource(ResourceArn=arn)["Tags"]), 9)
        self.assertAwsError("InvalidNextTokenException", c.list_tags_for_resource,
                            ResourceArn=arn, NextToken="zz")


class ReservedTypes(ServerTest):
    def put(self, rtype):
        return self.cfg.put_resource_config(ResourceType=rtype, SchemaVersionId="1",
                                            ResourceId="r1", Configuration="{}")

    def test_reserved_organisations_refused(self):
        self.setup_recorder()
        for rtype in ("amazon::InvalidResource", "Custom::Foo::Bar", "AMZN::X::Y", "alexa::A",
                      "NoSeparator", "::Foo"):
            e = self.assertAwsError("ValidationException", self.put, rtype)
            msg = e.response["Error"]["Message"]
            self.assertIn("Value '%s' at 'resourceType' failed to satisfy constraint" % rtype, msg)
        self.put("MyCo::Foo::Bar")
        self.put("Customer::Foo::Bar")  # only the whole first part is reserved


class PutResourceConfigLimits(ServerTest):
    """The request's limits are the model's, checked once in api/ with AWS's wording (issue 10
    §6): boto3 checks no maximum, so the bodies are sent by hand."""

    def call(self, **over):
        body = {"ResourceType": "MyCo::Lim::Thing", "SchemaVersionId": "1", "ResourceId": "r1",
                "Configuration": "{}"}
        body.update(over)
        body = {k: v for k, v in body.items() if v is not None}
        return signed_call(self.server.url, "StarlingDoveService.PutResourceConfig",
                           json.dumps(body))

    def test_limits(self):
        self.setup_recorder()
        cases = [
            (dict(ResourceType="MyCo::T::" + "x" * 190), "resourceType", "length less than or equal to 196"),
            (dict(SchemaVersionId="1" * 129), "schemaVersionId", "length less than or equal to 128"),
            (dict(ResourceId="r" * 769), "resourceId", "length less than or equal to 768"),
            (dict(ResourceId=None), "resourceId", None),
        ]
        status, out = self.call(Configuration={"a": 1})  # a wrong type, as AWS answers it
        self.assertEqual((status, out.get("__type")), (400, "SerializationException"), out)
        for over, field, text in cases:
            status, out = self.call(**over)
            self.assertEqual(status, 400, (over, out))
            self.assertEqual(out.get("__type"), "ValidationException", out)
            msg = out.get("message") or out.get("Message")
            self.assertIn(field.lower(), msg.lower(), msg)
            if text:
                self.assertIn(text, msg)
        # the domain's limits, the recorder's (AWS documents them; the model has no bound)
        status, out = self.call(Configuration="x" * (64 * 1024 + 1))
        self.assertEqual(status, 400, out)
        status, out = self.call(Tags={"k%d" % i: "v" for i in range(51)})
        self.assertEqual(status, 400, out)
        self.assertIn("50 tags", out.get("message"))
        status, out = self.call(ResourceId="r" * 768, Tags={"k%d" % i: "v" for i in range(50)})
        self.assertEqual(status, 200, out)

    def test_batch_get_keys(self):
        keys = [{"resourceType": "AWS::EC2::VPC", "resourceId": "vpc-%d" % i} for i in range(101)]
        e = self.assertAwsError("ValidationException", self.cfg.batch_get_resource_config,
                                resourceKeys=keys)
        self.assertIn("Value at 'resourceKeys' failed to satisfy constraint: Member must have "
                      "length less than or equal to 100", e.response["Error"]["Message"])
        self.assertEqual(self.cfg.batch_get_resource_config(resourceKeys=keys[:100])
                         ["baseConfigurationItems"], [])


class DeliveryFrequencyEnum(ServerTest):
    def test_enum_from_the_model(self):
        self.setup_recorder()
        e = self.assertAwsError("ValidationException", self.cfg.put_delivery_channel,
                                DeliveryChannel={
                                    "name": "default", "s3BucketName": "b-123456789012",
                                    "configSnapshotDeliveryProperties":
                                        {"deliveryFrequency": "Two_Hours"}})
        msg = e.response["Error"]["Message"]
        self.assertIn("Value 'Two_Hours' at "
                      "'deliveryChannel.configSnapshotDeliveryProperties.deliveryFrequency' "
                      "failed to satisfy constraint: Member must satisfy enum value set: [", msg)
        self.assertIn("One_Hour", msg)


class HistorySeconds(ServerTest):
    def test_later_time_of_capture_finds_ci(self):
        self.setup_recorder()
        self.cfg.put_resource_config(ResourceType="MyCo::Hist::Thing", SchemaVersionId="1",
                                     ResourceId="h1", Configuration="{}")
        ci = self.cfg.get_resource_config_history(resourceType="MyCo::Hist::Thing",
                                                  resourceId="h1")["configurationItems"][0]
        t = ci["configurationItemCaptureTime"]
        got = self.cfg.get_resource_config_history(resourceType="MyCo::Hist::Thing",
                                                   resourceId="h1", laterTime=t, limit=1)
        self.assertEqual(len(got["configurationItems"]), 1)
        got = self.cfg.get_resource_config_history(resourceType="MyCo::Hist::Thing",
                                                   resourceId="h1", earlierTime=t)
        self.assertEqual(len(got["configurationItems"]), 1)


if __name__ == "__main__":
    unittest.main()
