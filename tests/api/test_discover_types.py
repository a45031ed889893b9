"""test_discover_types.py — the discovery types added by rank of the managed rules' needs
(issue 18): AWS::RDS::DBInstance (16 rules) and AWS::EC2::Volume (7 rules), against
moto_server. Each CI has the example CI's top-level keys and every configuration key of the
example (../shared/data/config-items/aws-config-rdk/example_ci/), and no configuration key that
is neither the example's nor the resource schema's (../shared/data/resource-schema/); values,
tags and relationships as AWS Config records them; a change makes a new version, a deletion
ResourceDeleted.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import PLUMB, SHARED, free_port  # noqa: E402

import boto3  # noqa: E402

EXAMPLES = os.path.join(SHARED, "data", "config-items", "aws-config-rdk", "example_ci")
SCHEMA = os.path.join(SHARED, "data", "resource-schema", "config", "properties", "resource-types")
EXAMPLE_FILE = {"AWS::RDS::DBInstance": "AWS_RDS_DBInstance.json",
                "AWS::EC2::Volume": "AWS_EC2_Volume.json"}
DIALECT = {"ARN": "arn", "awsAccountId": "accountId", "configurationItemVersion": "version",
           "configurationStateMd5Hash": "configurationItemMD5Hash"}
OPTIONAL_TOP = {"resourceName", "resourceCreationTime", "configurationItemDiff"}
TYPES = "AWS::RDS::DBInstance,AWS::EC2::Volume"


def wait_for(fn, what):
    """harness.wait_for, an exception of fn counting as not yet (moto may not answer at first)."""
    harness.wait_for(fn, what=what, ignore=Exception)


@unittest.skipUnless(shutil.which("moto_server"), "moto_server is not on PATH")
class DiscoverTypesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="plumb-discover-types-")
        cls.data = os.path.join(cls.tmp, "data")
        port = free_port()
        cls.moto, url = harness.start_moto(port)
        cls.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        cls.env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                       AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=url,
                       AWS_EC2_METADATA_DISABLED="true")
        kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                  aws_secret_access_key="testing")
        cls.ec2 = boto3.client("ec2", **kw)
        cls.rds = boto3.client("rds", **kw)
        cls.instance = cls.ec2.run_instances(ImageId="ami-12c6146b", MinCount=1,
                                             MaxCount=1)["Instances"][0]["InstanceId"]
        cls.volume = cls.ec2.create_volume(
            AvailabilityZone="us-east-1a", Size=20, Encrypted=True,
            TagSpecifications=[{"ResourceType": "volume",
                                "Tags": [{"Key": "team", "Value": "data"}]}])["VolumeId"]
        cls.ec2.attach_volume(VolumeId=cls.volume, InstanceId=cls.instance, Device="/dev/sdf")
        db = cls.rds.create_db_instance(
            DBInstanceIdentifier="disc-db", DBInstanceClass="db.t3.micro", Engine="mysql",
            MasterUsername="admin", MasterUserPassword="password123", AllocatedStorage=20,
            StorageEncrypted=True, BackupRetentionPeriod=7,
            Tags=[{"Key": "team", "Value": "db"}])["DBInstance"]
        cls.dbi = db["DbiResourceId"]

    @classmethod
    def tearDownClass(cls):
        cls.moto.terminate()
        cls.moto.wait()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def discover(self):
        p = subprocess.run([PLUMB, "discover", "--data", self.data, "--all", "--json", "--types",
                            TYPES], env=self.env, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout.splitlines()[-1])

    def history(self, rtype, rid):
        p = subprocess.run([PLUMB, "history", "--data", self.data, "--json", rtype, rid],
                           capture_output=True, text=True, timeout=60, check=True)
        return json.loads(p.stdout)["configurationItems"]

    def test_1_shapes(self):
        s = self.discover()
        self.assertEqual((s["failedTypes"], s["recorded"]), (0, 3))  # the db, 2 volumes
        for rtype, rid in (("AWS::RDS::DBInstance", self.dbi), ("AWS::EC2::Volume", self.volume)):
            with self.subTest(rtype):
                ci = self.history(rtype, rid)[-1]
                with open(os.path.join(EXAMPLES, EXAMPLE_FILE[rtype])) as f:
                    ex = json.load(f)
                with open(os.path.join(SCHEMA, rtype + ".properties.json")) as f:
                    schema = {k.split(".")[1] for k in json.load(f)
                              if k.startswith("configuration.")}
                self.assertEqual({DIALECT.get(k, k) for k in ex} - OPTIONAL_TOP,
                                 set(ci) - OPTIONAL_TOP)
                cfg = set(json.loads(ci["configuration"]))
                self.assertEqual(set(ex["configuration"]) - cfg, set())
                self.assertEqual(cfg - set(ex["configuration"]) - schema, set())
        db = self.history("AWS::RDS::DBInstance", self.dbi)[-1]
        cfg = json.loads(db["configuration"])
        self.assertEqual((db["resourceName"], db["tags"]), ("disc-db", {"team": "db"}))
        self.assertEqual(db["arn"], "arn:aws:rds:us-east-1:123456789012:db:disc-db")
        self.assertEqual((cfg["storageEncrypted"], cfg["allocatedStorage"],
                          cfg["backupRetentionPeriod"], cfg["engine"]), (True, 20, 7, "mysql"))
        self.assertIsInstance(cfg["vpcSecurityGroups"], list)
        self.assertEqual(json.loads(db["supplementaryConfiguration"]["Tags"]),
                         [{"key": "team", "value": "db"}])
        sg = cfg["vpcSecurityGroups"][0]["vpcSecurityGroupId"]
        self.assertIn({"resourceType": "AWS::EC2::SecurityGroup", "resourceId": sg,
                       "relationshipName": "Is associated with SecurityGroup"},
                      db["relationships"])
        vol = self.history("AWS::EC2::Volume", self.volume)[-1]
        vcfg = json.loads(vol["configuration"])
        self.assertEqual((vcfg["size"], vcfg["encrypted"], vcfg["state"]), (20, True, "in-use"))
        self.assertEqual(vcfg["attachments"][0]["instanceId"], self.instance)
        self.assertEqual(vcfg["attachments"][0]["state"], "attached")
        self.assertEqual(vol["tags"], {"team": "data"})
        self.assertEqual(vol["relationships"], [{
            "resourceType": "AWS::EC2::Instance", "resourceId": self.instance,
            "relationshipName": "Is attached to Instance"}])

    def test_2_change_and_delete(self):
        loose = self.ec2.create_volume(AvailabilityZone="us-east-1a", Size=5)["VolumeId"]
        s = self.discover()
        self.assertEqual(s["recorded"], 1)
        self.rds.modify_db_instance(DBInstanceIdentifier="disc-db", DeletionProtection=True,
                                    ApplyImmediately=True)
        s = self.discover()
        self.assertEqual(s["recorded"], 1)
        last = self.history("AWS::RDS::DBInstance", self.dbi)[-1]
        self.assertTrue(json.loads(last["configuration"])["deletionProtection"])
        self.assertEqual(last["configurationItemDiff"]["changeType"], "UPDATE")
        self.ec2.delete_volume(VolumeId=loose)
        s = self.discover()
        self.assertEqual(s["deleted"], 1)
        self.assertEqual(self.history("AWS::EC2::Volume", loose)[-1][
            "configurationItemStatus"], "ResourceDeleted")


if __name__ == "__main__":
    unittest.main()
