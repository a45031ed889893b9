"""test_discover_events.py — event-driven refresh of discovered resources (issue 18): with
`plumb serve --discover aws --cloudtrail-dir DIR` and a sweep interval far away, a CloudTrail
event dropped into DIR that touches a discovered resource (CreateBucket, PutBucketVersioning,
AuthorizeSecurityGroupIngress, DeleteBucket) has that resource re-described at once from
moto_server: a new CI when it changed, ResourceDeleted when AWS no longer has it. A failed call
(errorCode) and a read-only event re-describe nothing.
"""
import json
import os
import shutil
import sys
import tempfile
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import Server, free_port  # noqa: E402

import boto3  # noqa: E402

ACCOUNT = "123456789012"


def wait_for(fn, what):
    """harness.wait_for, an exception of fn counting as not yet (moto may not answer at first)."""
    harness.wait_for(fn, what=what, ignore=Exception)


@unittest.skipUnless(shutil.which("moto_server"), "moto_server is not on PATH")
class DiscoverEventsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="plumb-discover-events-")
        cls.logs = os.path.join(cls.tmp, "logs")
        os.makedirs(cls.logs)
        port = free_port()
        cls.moto, url = harness.start_moto(port)
        kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                  aws_secret_access_key="testing")
        cls.s3 = boto3.client("s3", **kw)
        cls.ec2 = boto3.client("ec2", **kw)
        saved = dict(os.environ)
        os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                          AWS_ENDPOINT_URL=url, AWS_DEFAULT_REGION="us-east-1")
        os.environ.pop("AWS_PROFILE", None)
        try:  # the periodic sweep is an hour away: only events refresh
            cls.server = Server(auth="open", extra=[
                "--discover", "aws", "--discover-interval", "3600", "--cloudtrail-dir",
                cls.logs, "--cloudtrail-poll-ms", "100"]).start()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        cls.cfg = cls.server.client()
        cls.cfg.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::%s:role/ConfigRole" % ACCOUNT,
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
        cls.cfg.put_delivery_channel(DeliveryChannel={"name": "default",
                                                      "s3BucketName": "config-bucket"})
        cls.cfg.start_configuration_recorder(ConfigurationRecorderName="default")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.moto.terminate()
        cls.moto.wait()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def event(self, source, name, params, error=None, read_only=False, before=()):
        """drops a log file with the event (after the records of before)"""
        rec = self.record(source, name, params, error, read_only)
        path = os.path.join(self.logs, "%s.json" % rec["eventID"])
        with open(path + ".tmp", "w") as f:
            json.dump({"Records": list(before) + [rec]}, f)
        os.rename(path + ".tmp", path)

    def record(self, source, name, params, error=None, read_only=False):
        rec = {"eventVersion": "1.08", "eventID": str(uuid.uuid4()),
               "eventTime": "2026-12-06T12:00:00Z", "eventSource": source, "eventName": name,
               "awsRegion": "us-east-1", "recipientAccountId": ACCOUNT, "readOnly": read_only,
               "userIdentity": {"type": "IAMUser", "accountId": ACCOUNT,
                                "arn": "arn:aws:iam::%s:user/ops" % ACCOUNT},
               "requestParameters": params}
        if error:
            rec["errorCode"] = error
        return rec

    def history(self, rtype, rid):
        try:
            return self.cfg.get_resource_config_history(
                resourceType=rtype, resourceId=rid, chronologicalOrder="Forward")[
                    "configurationItems"]
        except self.cfg.exceptions.ResourceNotDiscoveredException:
            return []

    def refreshes(self):
        return self.server.read_log().count("module=discover refresh account=")

    def test_events_redescribe(self):
        wait_for(lambda: "module=discover sweep" in self.server.read_log(), "the first sweep")
        # a bucket made after the sweep: its CreateBucket event records it at once
        self.s3.create_bucket(Bucket="evt-bucket")
        self.event("s3.amazonaws.com", "CreateBucket", {"bucketName": "evt-bucket"})
        wait_for(lambda: self.history("AWS::S3::Bucket", "evt-bucket"), "the bucket recorded")
        # a change: a new version with the diff
        self.s3.put_bucket_versioning(Bucket="evt-bucket",
                                      VersioningConfiguration={"Status": "Enabled"})
        self.event("s3.amazonaws.com", "PutBucketVersioning", {"bucketName": "evt-bucket"})
        wait_for(lambda: len(self.history("AWS::S3::Bucket", "evt-bucket")) == 2,
                 "the bucket's second version")
        last = self.history("AWS::S3::Bucket", "evt-bucket")[-1]
        ver = json.loads(last["supplementaryConfiguration"]["BucketVersioningConfiguration"])
        self.assertEqual(ver["status"], "Enabled")
        # a security group's rule
        vpc = self.ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
        sg = self.ec2.create_security_group(GroupName="evt-sg", Description="e",
                                            VpcId=vpc)["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        self.event("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", {"groupId": sg})
        wait_for(lambda: self.history("AWS::EC2::SecurityGroup", sg), "the group recorded")
        cfg = json.loads(self.history("AWS::EC2::SecurityGroup", sg)[-1]["configuration"])
        self.assertTrue(any(p.get("fromPort") == 22 for p in cfg["ipPermissions"]))
        # only the touched resource was recorded: the VPC made alongside was not
        self.assertEqual(self.history("AWS::EC2::VPC", vpc), [])
        # a failed call and a read-only event re-describe nothing
        before = self.refreshes()
        self.s3.create_bucket(Bucket="evt-other")
        noise = [self.record("s3.amazonaws.com", "PutBucketPolicy", {"bucketName": "evt-other"},
                             error="AccessDenied"),
                 self.record("s3.amazonaws.com", "GetBucketAcl", {"bucketName": "evt-other"},
                             read_only=True)]
        # deletion: ResourceDeleted (in the file after the two above: they are read first)
        self.s3.delete_bucket(Bucket="evt-bucket")
        self.event("s3.amazonaws.com", "DeleteBucket", {"bucketName": "evt-bucket"},
                   before=noise)
        wait_for(lambda: self.history("AWS::S3::Bucket", "evt-bucket")[-1][
            "configurationItemStatus"] == "ResourceDeleted", "the bucket deleted")
        self.assertEqual(self.refreshes(), before + 1)
        self.assertEqual(self.history("AWS::S3::Bucket", "evt-other"), [])


if __name__ == "__main__":
    unittest.main()
