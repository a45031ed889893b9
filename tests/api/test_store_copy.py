"""test_store_copy.py — `plumb store copy FROM TO`: a data directory's whole store (real CIs of
../shared/data/config-items, a rule and its results, history, tags, compliance) into an empty
store, SQLite to SQLite and, when the test cluster is there (PLUMB_TEST_PG_URL), SQLite to
PostgreSQL; a server on the copy answers every read as the original did. Refused: a copy into a
store that holds data, and a copy to a bad URL (non-zero exit, the destination untouched)."""
import glob
import json
import os
import shutil
import tempfile
import unittest

import harness
from harness import SHARED, Server, plumb

RDK = os.path.join(SHARED, "data", "config-items", "aws-config-rdk", "example_ci")
ACCOUNT = "123456789012"


def reads(srv):
    """What a client sees of the store: counts, lists, history, compliance, rules."""
    c = srv.client(key=ACCOUNT)
    out = {"counts": c.get_discovered_resource_counts()["resourceCounts"],
           "rules": c.describe_config_rules()["ConfigRules"],
           "compliance": c.describe_compliance_by_config_rule()["ComplianceByConfigRules"]}
    for t in ("AWS::S3::Bucket", "AWS::EC2::Volume"):
        ids = c.list_discovered_resources(resourceType=t)["resourceIdentifiers"]
        out[t] = ids
        for r in ids:
            h = c.get_resource_config_history(resourceType=t, resourceId=r["resourceId"])
            out[t + r["resourceId"]] = h["configurationItems"]
    out["details"] = c.get_compliance_details_by_config_rule(
        ConfigRuleName="vol-encrypted")["EvaluationResults"]
    for ids in (out["AWS::S3::Bucket"], out["AWS::EC2::Volume"]):
        for r in ids:
            r.pop("resourceDeletionTime", None)
    return json.loads(json.dumps(out, default=str))


class StoreCopy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.src = tempfile.mkdtemp(prefix="plumb-copy-src-")
        files = sorted(glob.glob(os.path.join(RDK, "*.json")))
        plumb("record", "--data", cls.src, *files, check=False)  # a few upstream files are bad
        lines = ""
        for i, size in enumerate((8, 16, 32)):
            lines += json.dumps({
                "resourceType": "AWS::EC2::Volume", "resourceId": "vol-%d" % (i % 2),
                "awsAccountId": ACCOUNT, "awsRegion": "us-east-1",
                "configurationItemStatus": "OK", "tags": {"team": "a%d" % i},
                "configurationItemCaptureTime": "2024-01-0%dT00:00:00.000Z" % (i + 1),
                "configuration": {"size": size, "encrypted": i == 1}}) + "\n"
        plumb("record", "--data", cls.src, "-", input=lines)
        srv = Server(data=cls.src).start()
        try:
            c = srv.client(key=ACCOUNT)
            c.put_config_rule(ConfigRule={
                "ConfigRuleName": "vol-encrypted", "Scope": {"ComplianceResourceTypes": [
                    "AWS::EC2::Volume"]},
                "Source": {"Owner": "AWS", "SourceIdentifier": "ENCRYPTED_VOLUMES"}})
            harness.wait_for(lambda: len(c.get_compliance_details_by_config_rule(
                ConfigRuleName="vol-encrypted")["EvaluationResults"]) == 2, timeout=120)
            cls.expected = reads(srv)
        finally:
            srv.stop()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.src, ignore_errors=True)

    def check_copy(self, to, data):
        p = plumb("store", "copy", self.src, to)
        self.assertIn("rows of", p.stdout)
        srv = Server(data=data).start()
        try:
            self.assertEqual(reads(srv), self.expected)
        finally:
            srv.stop()
        again = plumb("store", "copy", self.src, to, check=False)
        self.assertEqual(again.returncode, 1)
        self.assertIn("already holds data", again.stderr)

    def test_sqlite_to_sqlite(self):
        dst = tempfile.mkdtemp(prefix="plumb-copy-dst-")
        try:
            self.check_copy(dst, dst)
        finally:
            shutil.rmtree(dst, ignore_errors=True)

    @unittest.skipUnless(os.environ.get("PLUMB_TEST_PG_URL"), "no PostgreSQL test cluster")
    def test_sqlite_to_postgres(self):
        dst = tempfile.mkdtemp(prefix="plumb-copy-pg-")
        name = harness.pg_database(dst)  # binds dst/store-url to a fresh database
        try:
            with open(os.path.join(dst, "store-url")) as f:
                url = f.read().strip()
            self.check_copy(url, dst)
            info = plumb("store", "info", "--data", dst).stdout
            self.assertIn("backend: postgresql", info)
        finally:
            shutil.rmtree(dst, ignore_errors=True)
            harness.pg_drop(name)

    def test_bad_destination(self):
        p = plumb("store", "copy", self.src, "postgres://127.0.0.1:1/nothing", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("plumb store:", p.stderr)
        p = plumb("store", "copy", self.src, check=False)
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    unittest.main()
