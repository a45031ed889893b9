"""test_foundation.py — issue 2 end to end: a real `plumb serve` driven by the aws CLI and boto3.

Covers the set-up commands from the README verbatim, resources in and history out (pagination,
time windows, order, deletion), every error code the foundation names, bad input answered with
400/403 and nothing stored, and partitions."""
import json
import os
import subprocess
import tempfile
import time
import unittest
import urllib.request
import urllib.error

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from harness import ACCOUNT, SHARED, Server, ServerTest, plumb

RECORDER = ("--configuration-recorder",
            "name=default,roleARN=arn:aws:iam::123456789012:role/ConfigRole",
            "--recording-group", "allSupported=true,includeGlobalResourceTypes=true")
CHANNEL = ("--delivery-channel", "name=default,s3BucketName=my-config-bucket-123456789012")


def raw_call(server, target, body, key=ACCOUNT, secret="test", region="us-east-1", sign=True,
             headers=None):
    """POSTs body (bytes) with X-Amz-Target, SigV4-signed by botocore; returns (status, json)."""
    hdrs = {"Content-Type": "application/x-amz-json-1.1"}
    if target is not None:
        hdrs["X-Amz-Target"] = target
    hdrs.update(headers or {})
    req = botocore.awsrequest.AWSRequest(method="POST", url=server.url + "/", data=body,
                                         headers=hdrs)
    if sign:
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret), "config",
                                region).add_auth(req)
    prepared = req.prepare()
    r = urllib.request.Request(prepared.url, data=body, method="POST",
                               headers=dict(prepared.headers))
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            data = resp.read()
            return resp.status, json.loads(data) if data.strip() else {}
    except urllib.error.HTTPError as e:
        data = e.read()
        return e.code, json.loads(data) if data.strip() else {}


def third_party_ci(i, value="v1"):
    return dict(ResourceType="MyCompany::Inventory::Server", SchemaVersionId="00000001",
                ResourceId="srv-%04d" % i, ResourceName="server-%d" % i,
                Configuration=json.dumps({"hostname": "host-%d" % i, "value": value,
                                          "ports": [22, 443]}),
                Tags={"env": "test"})


class SetupCommands(ServerTest):
    """The aws CLI set-up commands of the README, verbatim (plus --endpoint-url)."""

    def test_readme_commands(self):
        s = self.server
        s.cli("put-configuration-recorder", *RECORDER)
        s.cli("put-delivery-channel", *CHANNEL)
        s.cli("start-configuration-recorder", "--configuration-recorder-name", "default")
        _, st, _ = s.cli("describe-configuration-recorder-status")
        rec = st["ConfigurationRecordersStatus"][0]
        self.assertEqual(rec["name"], "default")
        self.assertTrue(rec["recording"])
        self.assertIsInstance(rec["lastStartTime"], (int, float))
        _, recs, _ = s.cli("describe-configuration-recorders")
        r = recs["ConfigurationRecorders"][0]
        self.assertEqual(r["roleARN"], "arn:aws:iam::123456789012:role/ConfigRole")
        self.assertEqual(r["recordingGroup"]["allSupported"], True)
        self.assertEqual(r["recordingGroup"]["includeGlobalResourceTypes"], True)
        rc, _, err = s.cli("get-status")
        self.assertEqual(rc, 0, err)
        _, chans, _ = s.cli("describe-delivery-channels")
        self.assertEqual(chans["DeliveryChannels"][0]["s3BucketName"],
                         "my-config-bucket-123456789012")
        s.cli("stop-configuration-recorder", "--configuration-recorder-name", "default")
        _, st, _ = s.cli("describe-configuration-recorder-status")
        self.assertFalse(st["ConfigurationRecordersStatus"][0]["recording"])

    def test_get_status_output(self):
        p = subprocess.run(["aws", "configservice", "get-status", "--endpoint-url", self.server.url],
                           env=dict(os.environ, AWS_ACCESS_KEY_ID=ACCOUNT,
                                    AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1"),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Configuration Recorders:", p.stdout)


class RecorderErrors(ServerTest):
    def test_order_and_singletons(self):
        c = self.cfg
        self.assertAwsError("NoAvailableConfigurationRecorderException", c.put_delivery_channel,
                            DeliveryChannel={"name": "default", "s3BucketName": "b"})
        self.assertAwsError("NoSuchConfigurationRecorderException",
                            c.start_configuration_recorder, ConfigurationRecorderName="default")
        self.assertAwsError("InvalidRoleException", c.put_configuration_recorder,
                            ConfigurationRecorder={"name": "default", "roleARN": ""})
        c.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::123456789012:role/R"})
        self.assertAwsError("MaxNumberOfConfigurationRecordersExceededException",
                            c.put_configuration_recorder, ConfigurationRecorder={
                                "name": "second", "roleARN": "arn:aws:iam::123456789012:role/R"})
        self.assertAwsError("NoAvailableDeliveryChannelException",
                            c.start_configuration_recorder, ConfigurationRecorderName="default")
        self.assertAwsError("InvalidRecordingGroupException", c.put_configuration_recorder,
                            ConfigurationRecorder={
                                "name": "default", "roleARN": "arn:aws:iam::123456789012:role/R",
                                "recordingGroup": {"allSupported": True,
                                                   "resourceTypes": ["AWS::EC2::Instance"]}})
        self.assertAwsError("NoSuchConfigurationRecorderException",
                            c.describe_configuration_recorders,
                            ConfigurationRecorderNames=["nope"])
        self.assertAwsError("NoSuchBucketException", c.put_delivery_channel,
                            DeliveryChannel={"name": "default", "s3BucketName": ""})
        c.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "bucket-1"})
        self.assertAwsError("MaxNumberOfDeliveryChannelsExceededException",
                            c.put_delivery_channel,
                            DeliveryChannel={"name": "other", "s3BucketName": "bucket-1"})
        c.start_configuration_recorder(ConfigurationRecorderName="default")
        self.assertAwsError("LastDeliveryChannelDeleteFailedException", c.delete_delivery_channel,
                            DeliveryChannelName="default")
        self.assertAwsError("NoSuchDeliveryChannelException", c.delete_delivery_channel,
                            DeliveryChannelName="nope")
        c.stop_configuration_recorder(ConfigurationRecorderName="default")
        c.delete_delivery_channel(DeliveryChannelName="default")
        c.delete_configuration_recorder(ConfigurationRecorderName="default")
        self.assertEqual(c.describe_configuration_recorders()["ConfigurationRecorders"], [])


class Resources(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()

    def test_a_requires_running_recorder(self):
        self.assertAwsError("NoRunningConfigurationRecorderException",
                            self.cfg.put_resource_config, **third_party_ci(0))

    def test_history_pagination_windows_deletion(self):
        c = self.cfg
        self.setup_recorder()
        c.put_resource_config(**third_party_ci(1, "v1"))
        c.put_resource_config(**third_party_ci(1, "v1"))  # identical: no new CI
        for v in range(2, 13):
            c.put_resource_config(**third_party_ci(1, "v%d" % v))
        key = dict(resourceType="MyCompany::Inventory::Server", resourceId="srv-0001")
        page = c.get_resource_config_history(**key)
        self.assertEqual(len(page["configurationItems"]), 10)  # AWS default page size
        self.assertIn("nextToken", page)
        items = page["configurationItems"]
        rest = c.get_resource_config_history(nextToken=page["nextToken"], **key)
        items += rest["configurationItems"]
        self.assertNotIn("nextToken", rest)
        self.assertEqual(len(items), 12)
        first = items[0]
        self.assertEqual(json.loads(first["configuration"])["value"], "v12")  # newest first
        self.assertEqual(first["accountId"], ACCOUNT)
        self.assertEqual(first["awsRegion"], "us-east-1")
        self.assertEqual(first["version"], "1.3")
        self.assertEqual(items[-1]["configurationItemStatus"], "ResourceDiscovered")
        self.assertEqual(first["configurationItemStatus"], "OK")
        ids = [int(i["configurationStateId"]) for i in items]
        self.assertEqual(ids, sorted(ids, reverse=True))
        fwd = c.get_resource_config_history(chronologicalOrder="Forward", limit=3, **key)
        self.assertEqual(json.loads(fwd["configurationItems"][0]["configuration"])["value"], "v1")
        # paginator (what the CLI does) walks every page
        pages = c.get_paginator("get_resource_config_history").paginate(limit=5, **key)
        self.assertEqual(sum(len(p["configurationItems"]) for p in pages), 12)
        # time window: everything before the first capture is empty
        t0 = items[-1]["configurationItemCaptureTime"]
        none = c.get_resource_config_history(laterTime=t0.timestamp() - 60, **key)
        self.assertEqual(none["configurationItems"], [])
        self.assertAwsError("InvalidTimeRangeException", c.get_resource_config_history,
                            earlierTime=t0.timestamp() + 60, laterTime=t0.timestamp(), **key)
        self.assertAwsError("InvalidNextTokenException", c.get_resource_config_history,
                            nextToken="garbage", **key)
        self.assertAwsError("ValidationException", c.get_resource_config_history, limit=101,
                            **key)
        self.assertAwsError("ResourceNotDiscoveredException", c.get_resource_config_history,
                            resourceType="MyCompany::Inventory::Server", resourceId="nope")
        # deletion
        c.delete_resource_config(ResourceType="MyCompany::Inventory::Server",
                                 ResourceId="srv-0001")
        latest = c.get_resource_config_history(limit=1, **key)["configurationItems"][0]
        self.assertEqual(latest["configurationItemStatus"], "ResourceDeleted")
        got = c.batch_get_resource_config(resourceKeys=[key])
        self.assertEqual(got["baseConfigurationItems"], [])
        listed = c.list_discovered_resources(resourceType="MyCompany::Inventory::Server")
        self.assertNotIn("srv-0001", [r["resourceId"] for r in listed["resourceIdentifiers"]])
        listed = c.list_discovered_resources(resourceType="MyCompany::Inventory::Server",
                                             includeDeletedResources=True)
        deleted = [r for r in listed["resourceIdentifiers"] if r["resourceId"] == "srv-0001"]
        self.assertEqual(len(deleted), 1)
        self.assertIn("resourceDeletionTime", deleted[0])

    def test_list_batch_counts(self):
        c = self.cfg
        self.setup_recorder()
        for i in range(100, 125):
            c.put_resource_config(**third_party_ci(i))
        listed = c.list_discovered_resources(resourceType="MyCompany::Inventory::Server", limit=10)
        self.assertEqual(len(listed["resourceIdentifiers"]), 10)
        self.assertIn("nextToken", listed)
        self.assertEqual(listed["resourceIdentifiers"][0]["resourceName"], "server-100")
        self.assertAwsError("ValidationException", c.list_discovered_resources,
                            resourceType="MyCompany::Inventory::Server", resourceIds=["a"],
                            resourceName="b")
        by_name = c.list_discovered_resources(resourceType="MyCompany::Inventory::Server",
                                              resourceName="server-101")
        self.assertEqual([r["resourceId"] for r in by_name["resourceIdentifiers"]], ["srv-0101"])
        keys = [dict(resourceType="MyCompany::Inventory::Server", resourceId="srv-%04d" % i)
                for i in (100, 101, 999)]
        got = c.batch_get_resource_config(resourceKeys=keys)
        self.assertEqual(sorted(i["resourceId"] for i in got["baseConfigurationItems"]),
                         ["srv-0100", "srv-0101"])
        self.assertNotIn("tags", got["baseConfigurationItems"][0])
        counts = c.get_discovered_resource_counts()
        byt = {r["resourceType"]: r["count"] for r in counts["resourceCounts"]}
        self.assertGreaterEqual(byt["MyCompany::Inventory::Server"], 25)
        self.assertEqual(counts["totalDiscoveredResources"], sum(byt.values()))

    def test_put_resource_config_rejects_aws_types(self):
        self.setup_recorder()
        ci = third_party_ci(7)
        ci["ResourceType"] = "AWS::EC2::Instance"
        self.assertAwsError("ValidationException", self.cfg.put_resource_config, **ci)


class Retention(ServerTest):
    def test_retention(self):
        c = self.cfg
        self.assertAwsError("ValidationException", c.put_retention_configuration,
                            RetentionPeriodInDays=2558)
        r = c.put_retention_configuration(RetentionPeriodInDays=30)
        self.assertEqual(r["RetentionConfiguration"], {"Name": "default",
                                                       "RetentionPeriodInDays": 30})
        got = c.describe_retention_configurations()["RetentionConfigurations"]
        self.assertEqual(got, [{"Name": "default", "RetentionPeriodInDays": 30}])
        self.assertAwsError("NoSuchRetentionConfigurationException",
                            c.describe_retention_configurations,
                            RetentionConfigurationNames=["nope"])
        c.delete_retention_configuration(RetentionConfigurationName="default")
        self.assertAwsError("NoSuchRetentionConfigurationException",
                            c.delete_retention_configuration, RetentionConfigurationName="default")


class Tags(ServerTest):
    def test_tags(self):
        c = self.cfg
        self.setup_recorder(start=False)
        arn = c.describe_configuration_recorders()["ConfigurationRecorders"][0]["arn"]
        c.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "infra"}])
        self.assertEqual(c.list_tags_for_resource(ResourceArn=arn)["Tags"],
                         [{"Key": "team", "Value": "infra"}])
        c.untag_resource(ResourceArn=arn, TagKeys=["team"])
        self.assertEqual(c.list_tags_for_resource(ResourceArn=arn)["Tags"], [])
        c.tag_resource(ResourceArn=arn, Tags=[{"Key": "k%d" % i, "Value": "v"} for i in range(30)])
        self.assertAwsError("TooManyTagsException", c.tag_resource, ResourceArn=arn,
                            Tags=[{"Key": "j%d" % i, "Value": "v"} for i in range(30)])
        self.assertEqual(len(c.list_tags_for_resource(ResourceArn=arn)["Tags"]), 30)
        self.assertAwsError("ResourceNotFoundException", c.list_tags_for_resource,
                            ResourceArn="arn:aws:config:us-east-1:123456789012:config-rule/x")


class BadInput(ServerTest):
    """Malformed and hostile requests: a 400/403 AWS error, never a 5xx, nothing stored."""

    def target(self, op):
        return "StarlingDoveService." + op

    def assertNothingStored(self):
        self.assertEqual(self.cfg.describe_configuration_recorders()["ConfigurationRecorders"], [])

    def test_malformed_json(self):
        st, body = raw_call(self.server, self.target("PutConfigurationRecorder"), b'{"Conf')
        self.assertEqual(st, 400)
        self.assertEqual(body["__type"], "SerializationException")
        self.assertNothingStored()

    def test_wrong_types(self):
        st, body = raw_call(self.server, self.target("PutConfigurationRecorder"),
                            json.dumps({"ConfigurationRecorder": {"name": 7}}).encode())
        self.assertEqual(st, 400)
        self.assertEqual(body["__type"], "SerializationException")
        st, body = raw_call(self.server, self.target("PutConfigurationRecorder"), b"[1,2]")
        self.assertEqual(body["__type"], "SerializationException")
        st, body = raw_call(self.server, self.target("PutConfigurationRecorder"), b"{}")
        self.assertEqual((st, body["__type"]), (400, "ValidationException"))
        self.assertIn("Member must not be null", body["message"])
        self.assertNothingStored()

    def test_huge_body(self):
        """A 10 MB body is refused from its Content-Length, before it is read."""
        import socket
        big = 10 * 1024 * 1024
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=30) as s:
            s.sendall(("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                       "application/x-amz-json-1.1\r\nX-Amz-Target: "
                       "StarlingDoveService.PutConfigurationRecorder\r\nAuthorization: "
                       "AWS4-HMAC-SHA256 Credential=123456789012/20261127/us-east-1/config/"
                       "aws4_request, SignedHeaders=host, Signature=00\r\nX-Amz-Date: "
                       "20261127T000000Z\r\nContent-Length: %d\r\n\r\n" % big).encode())
            s.sendall(b'{"ConfigurationRecorder":{"name":"' + b"x" * 65536)
            resp = b""
            while b"\r\n\r\n" not in resp or not resp.rstrip().endswith(b"}"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                resp += chunk
        head, _, body = resp.partition(b"\r\n\r\n")
        self.assertRegex(head.split(b"\r\n")[0].decode(), r"HTTP/1.1 (400|413)")
        self.assertEqual(json.loads(body)["__type"], "RequestEntityTooLargeException")
        self.assertNothingStored()

    def test_missing_and_unknown_target(self):
        st, body = raw_call(self.server, None, b"{}")
        self.assertEqual((st, body["__type"]), (400, "UnknownOperationException"))
        st, body = raw_call(self.server, self.target("NoSuchOperation"), b"{}")
        self.assertEqual((st, body["__type"]), (400, "UnknownOperationException"))
        st, body = raw_call(self.server, self.target("PutOrganizationConfigRule"), b"{}")
        self.assertEqual(st, 400)

    def test_unsigned(self):
        st, body = raw_call(self.server, self.target("DescribeConfigurationRecorders"), b"{}",
                            sign=False)
        self.assertIn(st, (400, 403))
        self.assertEqual(body["__type"], "MissingAuthenticationTokenException")

    def test_partitions(self):
        other = self.server.client(key="210987654321")
        west = self.server.client(region="eu-west-1")
        self.setup_recorder(start=False)
        self.assertEqual(other.describe_configuration_recorders()["ConfigurationRecorders"], [])
        self.assertEqual(west.describe_configuration_recorders()["ConfigurationRecorders"], [])
        self.cfg.delete_delivery_channel(DeliveryChannelName="default")
        self.cfg.delete_configuration_recorder(ConfigurationRecorderName="default")


class SigV4(ServerTest):
    AUTH = "sigv4"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        k = json.loads(plumb("credentials", "add", "--data", cls.server.data, "--json").stdout)
        cls.key, cls.secret = k["accessKeyId"], k["secretAccessKey"]
        listed = json.loads(plumb("credentials", "list", "--data", cls.server.data,
                                  "--json").stdout)
        cls.first_key = listed[0]["accessKeyId"]
        time.sleep(0.5)  # the server notices a changed credentials file within ~100 ms

    def test_good_and_bad_signatures(self):
        good = self.server.client(key=self.key, secret=self.secret)
        self.assertEqual(good.describe_configuration_recorders()["ConfigurationRecorders"], [])
        bad = self.server.client(key=self.key, secret="wrong" + self.secret[5:])
        self.assertAwsError("InvalidSignatureException", bad.describe_configuration_recorders)
        unknown = self.server.client(key="AKIAUNKNOWNKEY000000", secret="x")
        self.assertAwsError("UnrecognizedClientException",
                            unknown.describe_configuration_recorders)
        # a bad signature changes nothing
        self.assertAwsError("InvalidSignatureException", bad.put_configuration_recorder,
                            ConfigurationRecorder={"name": "default",
                                                   "roleARN": "arn:aws:iam::1:role/R"})
        self.assertEqual(good.describe_configuration_recorders()["ConfigurationRecorders"], [])

    def test_revoke(self):
        out = plumb("credentials", "add", "--data", self.server.data, "--account",
                    "111122223333", "--json").stdout
        k = json.loads(out)
        c = self.server.client(key=k["accessKeyId"], secret=k["secretAccessKey"])
        time.sleep(0.5)
        c.describe_configuration_recorders()
        plumb("credentials", "revoke", "--data", self.server.data, k["accessKeyId"])
        time.sleep(1.1)
        self.assertAwsError("UnrecognizedClientException", c.describe_configuration_recorders)


class Metrics(ServerTest):
    def test_metrics(self):
        self.cfg.describe_configuration_recorders()
        self.assertAwsError("NoSuchConfigurationRecorderException",
                            self.cfg.start_configuration_recorder,
                            ConfigurationRecorderName="nope")
        self.setup_recorder()
        self.cfg.put_resource_config(**third_party_ci(500))
        with urllib.request.urlopen(self.server.url + "/metrics", timeout=10) as r:
            text = r.read().decode()
        self.assertIn("plumb_requests_total", text)
        self.assertIn('operation="DescribeConfigurationRecorders"', text)
        self.assertIn('code="NoSuchConfigurationRecorderException"', text)
        recorded = [l for l in text.splitlines() if l.startswith("plumb_cis_recorded_total")]
        self.assertTrue(recorded and float(recorded[0].split()[-1]) >= 1, recorded)


if __name__ == "__main__":
    unittest.main()
