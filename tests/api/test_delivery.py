"""test_delivery.py — the delivery channel's outputs through a real `plumb serve`.

Covers: ConfigurationItemChangeNotification to an HMAC-signed webhook (verified with the
Python recipe of docs/delivery.md), DeliverConfigSnapshot to the local directory target and
DescribeDeliveryChannelStatus / get-status, a receiver that fails and recovers, kill -9 of
plumb between recording and delivery (nothing lost), `plumb record` of a delivered snapshot
restoring the same current state, and (when moto_server is on PATH) the S3 target with
NoSuchBucketException and a snapshot read back from the bucket.
"""
import gzip
import hashlib
import hmac
import http.server
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import unittest

from harness import ACCOUNT, Server, delete_pack, free_port, plumb, put_pack, wait_for

TOPIC = "arn:aws:sns:us-east-1:%s:config-topic" % ACCOUNT
BUCKET = "my-config-bucket-%s" % ACCOUNT
SECRET = "webhook-secret"
TYPE = "MyCo::Delivery::Thing"


def verify(secret, body, header):
    """The receiver side of X-Plumb-Signature, as documented in docs/delivery.md."""
    want = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, header or "")


class Receiver:
    """A webhook receiver: records verified SNS envelopes; answers 500 while `failing`."""

    def __init__(self):
        self.messages, self.bad, self.failing, self.lock = [], 0, False, threading.Lock()
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = verify(SECRET, body, self.headers.get("X-Plumb-Signature"))
                with outer.lock:
                    if not ok:
                        outer.bad += 1
                    fail = outer.failing
                    if not fail and ok:
                        outer.messages.append(json.loads(body))
                self.send_response(500 if fail else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.port = free_port()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), H)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/hook" % self.port

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def of_type(self, mtype):
        with self.lock:
            out = []
            for env in self.messages:
                m = json.loads(env["Message"])
                if m.get("messageType") == mtype:
                    out.append(m)
            return out


def put_thing(cfg, rid, value):
    cfg.put_resource_config(ResourceType=TYPE, SchemaVersionId="00000001", ResourceId=rid,
                            Configuration=json.dumps({"value": value}))


class DeliveryLocalTest(unittest.TestCase):
    """Local directory target (the default) and webhooks."""

    @classmethod
    def setUpClass(cls):
        cls.rx = Receiver()
        cls.server = Server(auth="open")
        plumb("webhook", "add", TOPIC, cls.rx.url, "--secret", SECRET, "--data", cls.server.data)
        cls.server.start()
        cls.cfg = cls.server.client()
        cls.cfg.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::%s:role/ConfigRole" % ACCOUNT,
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
        cls.cfg.put_delivery_channel(DeliveryChannel={
            "name": "default", "s3BucketName": BUCKET, "snsTopicARN": TOPIC,
            "configSnapshotDeliveryProperties": {"deliveryFrequency": "Six_Hours"}})
        cls.cfg.start_configuration_recorder(ConfigurationRecorderName="default")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.rx.stop()

    def test_1_webhook_listing(self):
        out = plumb("webhook", "list", "--data", self.server.data).stdout
        self.assertIn(TOPIC, out)
        self.assertIn("secret=set", out)

    def test_2_change_notifications_in_order(self):
        for v in range(3):
            put_thing(self.cfg, "thing-1", v)
        msgs = wait_for(lambda: len(self.rx.of_type("ConfigurationItemChangeNotification")) >= 3
                        and self.rx.of_type("ConfigurationItemChangeNotification"),
                        what="3 change notifications")
        values = [m["configurationItem"]["configuration"]["value"] for m in msgs[:3]]
        self.assertEqual(values, [0, 1, 2])
        self.assertEqual(msgs[0]["configurationItemDiff"]["changeType"], "CREATE")
        self.assertEqual(msgs[1]["configurationItemDiff"]["changeType"], "UPDATE")
        self.assertEqual(msgs[0]["recordVersion"], "1.3")
        env = self.rx.messages[0]
        self.assertEqual(env["Type"], "Notification")
        self.assertEqual(env["TopicArn"], TOPIC)
        self.assertEqual(env["Subject"], "[AWS Config:us-east-1] %s thing-1 Created in Account %s"
                         % (TYPE, ACCOUNT))
        self.assertEqual(self.rx.bad, 0)

    def test_3_snapshot_and_status(self):
        put_thing(self.cfg, "thing-2", 7)
        sid = self.cfg.deliver_config_snapshot(deliveryChannelName="default")["configSnapshotId"]
        done = wait_for(lambda: [m for m in self.rx.of_type(
            "ConfigurationSnapshotDeliveryCompleted") if m["configSnapshotId"] == sid],
            what="snapshot completed")[0]
        self.assertEqual(done["s3Bucket"], BUCKET)
        path = os.path.join(self.server.data, "buckets", BUCKET, done["s3ObjectKey"])
        with gzip.open(path) as f:
            snap = json.load(f)
        self.assertEqual(list(snap), ["fileVersion", "configSnapshotId", "configurationItems"])
        self.assertEqual(snap["configSnapshotId"], sid)
        ids = sorted(ci["resourceId"] for ci in snap["configurationItems"])
        self.assertEqual(ids, ["thing-1", "thing-2"])
        st = self.cfg.describe_delivery_channel_status()["DeliveryChannelsStatus"][0]
        self.assertEqual(st["configSnapshotDeliveryInfo"]["lastStatus"], "SUCCESS")
        self.assertIn("lastSuccessfulTime", st["configSnapshotDeliveryInfo"])
        self.assertIn("nextDeliveryTime", st["configSnapshotDeliveryInfo"])
        self.assertEqual(st["configStreamDeliveryInfo"]["lastStatus"], "SUCCESS")
        rc, out, _ = self.server.cli("get-status")
        self.assertEqual(rc, 0)
        # plumb record of the delivered snapshot restores the same current state elsewhere
        other = tempfile.mkdtemp(prefix="plumb-restore-")
        try:
            plumb("record", "--data", other, path)
            p = plumb("history", "--data", other, TYPE, "thing-2", "--json")
            self.assertIn("thing-2", p.stdout)
        finally:
            shutil.rmtree(other, ignore_errors=True)

    def test_4_receiver_fails_then_recovers(self):
        self.rx.failing = True
        put_thing(self.cfg, "thing-3", 1)
        put_thing(self.cfg, "thing-3", 2)
        def failing_status():
            st = self.cfg.describe_delivery_channel_status()["DeliveryChannelsStatus"][0]
            return st["configStreamDeliveryInfo"]["lastStatus"] == "FAILURE" and st
        st = wait_for(failing_status, what="stream FAILURE")
        self.assertEqual(st["configStreamDeliveryInfo"]["lastErrorCode"], "HTTP500")
        self.rx.failing = False
        msgs = wait_for(lambda: [m for m in self.rx.of_type("ConfigurationItemChangeNotification")
                                 if m["configurationItem"]["resourceId"] == "thing-3"]
                        if len([m for m in self.rx.of_type("ConfigurationItemChangeNotification")
                                if m["configurationItem"]["resourceId"] == "thing-3"]) >= 2
                        else None, timeout=60, what="recovery")
        self.assertEqual([m["configurationItem"]["configuration"]["value"] for m in msgs[:2]],
                         [1, 2])


class DeliveryCrashTest(unittest.TestCase):
    """kill -9 between recording and delivery: the outbox keeps the notifications."""

    def test_kill9(self):
        rx = Receiver()
        rx.failing = True
        server = Server(auth="open")
        plumb("webhook", "add", TOPIC, rx.url, "--secret", SECRET, "--data", server.data)
        server.start()
        try:
            cfg = server.client()
            cfg.put_configuration_recorder(ConfigurationRecorder={
                "name": "default", "roleARN": "arn:aws:iam::%s:role/ConfigRole" % ACCOUNT})
            cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": BUCKET,
                                                      "snsTopicARN": TOPIC})
            cfg.start_configuration_recorder(ConfigurationRecorderName="default")
            for i in range(5):
                put_thing(cfg, "crash-%d" % i, i)
            server.stop(sig=signal.SIGKILL)
            self.assertEqual(rx.of_type("ConfigurationItemChangeNotification"), [])
            rx.failing = False
            server.start()
            msgs = wait_for(lambda: len(rx.of_type("ConfigurationItemChangeNotification")) >= 5
                            and rx.of_type("ConfigurationItemChangeNotification"),
                            timeout=60, what="5 notifications after restart")
            ids = sorted(set(m["configurationItem"]["resourceId"] for m in msgs))
            self.assertEqual(ids, ["crash-%d" % i for i in range(5)])
        finally:
            server.cleanup()
            rx.stop()


@unittest.skipUnless(shutil.which("moto_server"), "moto_server is not on PATH")
class DeliveryS3Test(unittest.TestCase):
    """--s3-endpoint: an S3-compatible bucket made with `aws s3 mb`."""

    @classmethod
    def setUpClass(cls):
        cls.moto_port = free_port()
        cls.moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(cls.moto_port)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.s3url = "http://127.0.0.1:%d" % cls.moto_port
        cls.env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                       AWS_DEFAULT_REGION="us-east-1")
        wait_for(lambda: subprocess.run(["curl", "-sf", "-o", "/dev/null", cls.s3url],
                                        capture_output=True).returncode == 0, what="moto")
        os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        cls.server = Server(auth="open", extra=["--s3-endpoint", cls.s3url]).start()
        cls.cfg = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.moto.terminate()
        cls.moto.wait()

    def test_pack_template_delivered_to_s3(self):
        """PutConformancePack DeliveryS3Bucket: the template is copied to the S3-compatible
        bucket; a bucket that does not exist refuses the pack."""
        env = self.env
        subprocess.run(["aws", "s3", "mb", "s3://pack-copies", "--endpoint-url", self.s3url],
                       env=env, check=True, capture_output=True)
        body = ("Resources:\n  R:\n    Type: AWS::Config::ConfigRule\n    Properties:\n"
                "      Source: {Owner: AWS, SourceIdentifier: INCOMING_SSH_DISABLED}\n")
        put_pack(self.cfg, ConformancePackName="copied", TemplateBody=body,
                                      DeliveryS3Bucket="pack-copies", DeliveryS3KeyPrefix="p")
        got = subprocess.run(["aws", "s3", "cp", "s3://pack-copies/p/copied/template.yaml", "-",
                              "--endpoint-url", self.s3url], env=env, check=True,
                             capture_output=True)
        self.assertEqual(got.stdout.decode(), body)
        import botocore.exceptions
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            put_pack(self.cfg, ConformancePackName="lost", TemplateBody=body,
                                          DeliveryS3Bucket="no-such-bucket-here")
        self.assertEqual(cm.exception.response["Error"]["Code"],
                         "InsufficientPermissionsException")
        delete_pack(self.cfg, ConformancePackName="copied")

    def test_pack_template_from_s3(self):
        """PutConformancePack TemplateS3Uri reads the object from the S3-compatible endpoint;
        another account's delivery bucket is refused."""
        env = self.env
        subprocess.run(["aws", "s3", "mb", "s3://pack-templates", "--endpoint-url", self.s3url],
                       env=env, check=True, capture_output=True)
        body = ("Resources:\n  R:\n    Type: AWS::Config::ConfigRule\n    Properties:\n"
                "      ConfigRuleName: ssh\n"
                "      Source: {Owner: AWS, SourceIdentifier: INCOMING_SSH_DISABLED}\n")
        subprocess.run(["aws", "s3", "cp", "-", "s3://pack-templates/p/ssh.yaml",
                        "--endpoint-url", self.s3url], input=body.encode(), env=env, check=True,
                       capture_output=True)
        put_pack(self.cfg, ConformancePackName="s3pack",
                                      TemplateS3Uri="s3://pack-templates/p/ssh.yaml")
        st = self.cfg.describe_conformance_pack_status(
            ConformancePackNames=["s3pack"])["ConformancePackStatusDetails"][0]
        self.assertEqual(st["ConformancePackState"], "CREATE_COMPLETE")
        import botocore.exceptions
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            put_pack(self.cfg, ConformancePackName="nokey",
                                          TemplateS3Uri="s3://pack-templates/p/none.yaml")
        self.assertEqual(cm.exception.response["Error"]["Code"],
                         "ConformancePackTemplateValidationException")
        # a bucket another account delivers to is not readable with this account's key
        other = self.server.client(key="210987654321")
        subprocess.run(["aws", "s3", "mb", "s3://other-delivery", "--endpoint-url", self.s3url],
                       env=env, check=True, capture_output=True)
        subprocess.run(["aws", "s3", "cp", "-", "s3://other-delivery/t.yaml",
                        "--endpoint-url", self.s3url], input=body.encode(), env=env, check=True,
                       capture_output=True)
        other.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::210987654321:role/ConfigRole"})
        other.put_delivery_channel(DeliveryChannel={"name": "default",
                                                    "s3BucketName": "other-delivery"})
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            put_pack(self.cfg, ConformancePackName="theirs",
                                          TemplateS3Uri="s3://other-delivery/t.yaml")
        self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDeniedException")
        put_pack(other, ConformancePackName="mine",
                                   TemplateS3Uri="s3://other-delivery/t.yaml")

    def test_bucket_must_exist(self):
        import boto3
        self.cfg.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::%s:role/ConfigRole" % ACCOUNT})
        import botocore.exceptions
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.cfg.put_delivery_channel(DeliveryChannel={"name": "default",
                                                           "s3BucketName": BUCKET})
        self.assertEqual(cm.exception.response["Error"]["Code"], "NoSuchBucketException")
        subprocess.run(["aws", "s3", "mb", "s3://" + BUCKET, "--endpoint-url", self.s3url],
                       env=self.env, check=True, capture_output=True)
        self.cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": BUCKET,
                                                       "s3KeyPrefix": "config"})
        self.cfg.start_configuration_recorder(ConfigurationRecorderName="default")
        put_thing(self.cfg, "s3-thing", 1)
        sid = self.cfg.deliver_config_snapshot(deliveryChannelName="default")["configSnapshotId"]
        s3 = boto3.client("s3", endpoint_url=self.s3url, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")

        def find():
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
            return [k for k in keys if sid in k]
        key = wait_for(find, what="snapshot object")[0]
        self.assertTrue(key.startswith("config/AWSLogs/%s/Config/us-east-1/" % ACCOUNT), key)
        body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        snap = json.loads(gzip.decompress(body))
        self.assertEqual(snap["configSnapshotId"], sid)
        self.assertEqual([c["resourceId"] for c in snap["configurationItems"]], ["s3-thing"])


if __name__ == "__main__":
    unittest.main()
