"""test_durability.py — kill -9 at many moments, and nothing acknowledged is lost, nothing is
half-written and nothing runs twice.

Imports: `plumb record --data` is killed with SIGKILL at several moments of a 24,000-CI import;
after each kill the database passes SQLite's integrity check and holds exactly a prefix of the
file (the CIs of the committed transactions, in file order, each complete); importing the file
again completes it with no CI recorded twice.

Server: `plumb serve` under PutResourceConfig load from four writers, with a change-triggered
Guard rule on the type, is killed with SIGKILL three times on the same data directory; after
each restart every call that got a 200 is there. At the end the outbox drains, every
acknowledged resource has its rule result, and none has more than one ResourceCompliance version
(work that resumed after a crash did not take effect twice).

Full evaluation: a new Guard rule over 100,000 recorded security groups is interrupted by
SIGKILL ten times, each at a random moment after some progress; each restart gives back the
dead server's outbox leases and the evaluation resumes at once. At the end every resource has
exactly one stored result and exactly one ResourceCompliance version, and the two agree."""
import json
import os
import random
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

import botocore.exceptions

from harness import PLUMB, Server
from test_foundation import third_party_ci

TYPE = "MyCompany::Inventory::Server"
SLOW = 3 if os.environ.get("PL_ASAN") else 1


def sql(db, query):
    con = sqlite3.connect(db, timeout=60)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def integrity(testcase, db):
    testcase.assertEqual(sql(db, "PRAGMA integrity_check"), [("ok",)])


def write_import(path, n):
    """n CIs of n/2 security groups (two versions each, the second later), in file order."""
    with open(path, "w") as f:
        for i in range(n):
            g, v = i % (n // 2), i // (n // 2)
            f.write(json.dumps({
                "resourceType": "AWS::EC2::SecurityGroup", "resourceId": "sg-%06d" % g,
                "awsAccountId": "123456789012", "awsRegion": "us-east-1",
                "configurationItemCaptureTime": "2026-01-01T00:%02d:%02d.000Z" % (v, g % 60),
                "configuration": {"groupId": "sg-%06d" % g, "version": v,
                                  "description": "x" * 400}}) + "\n")


class ImportKillSweep(unittest.TestCase):
    N = 24000

    def test_kill_during_import(self):
        tmp = tempfile.mkdtemp(prefix="plumb-sweep-")
        src = os.path.join(tmp, "cis.jsonl")
        write_import(src, self.N)
        order = []
        with open(src) as f:
            for line in f:
                d = json.loads(line)
                order.append((d["resourceId"], d["configuration"]["version"]))
        killed_mid = 0
        for k, delay in enumerate([0.05, 0.3, 0.7, 1.2, 2.0]):
            data = os.path.join(tmp, "d%d" % k)
            p = subprocess.Popen([PLUMB, "record", "--quiet", "--all", "--batch", "1000",
                                  "--data", data, src], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(delay * SLOW)
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                killed_mid += 1
            p.wait(timeout=120)
            db = os.path.join(data, "plumb.db")
            if not os.path.exists(db):
                continue  # killed before the database was created
            integrity(self, db)
            tables = [t for t, in sql(db, "SELECT name FROM sqlite_master WHERE type = 'table'")]
            if "config_items" not in tables:
                # killed while the first migration ran: it is one transaction, so nothing of it
                self.assertEqual(tables, [], "a migration was half applied")
            rows = sql(db, "SELECT json_extract(body, '$.configuration'), status FROM "
                           "config_items ORDER BY seq") if tables else []
            stored = []
            for conf, _ in rows:
                c = json.loads(conf)
                stored.append((c["groupId"], c["version"]))
            self.assertEqual(stored, order[:len(stored)], "not a prefix of the file")
            self.assertEqual(len(stored) % 1000 if len(stored) < self.N else 0, 0,
                             "a transaction was half written")
            # the import again: completes, nothing twice
            done = subprocess.run([PLUMB, "record", "--quiet", "--all", "--data", data, src],
                                  capture_output=True, timeout=600)
            self.assertEqual(done.returncode, 0, done.stderr)
            integrity(self, db)
            (cis,), = sql(db, "SELECT COUNT(*) FROM config_items")
            (res,), = sql(db, "SELECT COUNT(*) FROM resources")
            (two,), = sql(db, "SELECT COUNT(*) FROM resources WHERE versions = 2")
            self.assertEqual((cis, res, two), (self.N, self.N // 2, self.N // 2))
        self.assertGreater(killed_mid, 0, "no kill landed during an import")
        subprocess.run(["rm", "-rf", tmp])


class FullEvaluationKillSweep(unittest.TestCase):
    N = 100000
    SG = "AWS::EC2::SecurityGroup"
    RC = "AWS::Config::ResourceCompliance"

    def write_groups(self, path):
        """N security groups; the even ones have a description (COMPLIANT), the odd ones not."""
        with open(path, "w") as f:
            for i in range(self.N):
                conf = {"groupId": "sg-%06d" % i}
                if i % 2 == 0:
                    conf["description"] = "group %d" % i
                f.write(json.dumps({
                    "resourceType": self.SG, "resourceId": "sg-%06d" % i,
                    "awsAccountId": "123456789012", "awsRegion": "us-east-1",
                    "configurationItemCaptureTime": "2026-01-01T00:00:00.000Z",
                    "configuration": conf}) + "\n")

    def evaluation_pending(self, db):
        (n,), = sql(db, "SELECT COUNT(*) FROM outbox WHERE kind = 'rules.evaluate' AND done = 0")
        return n > 0

    def wait_progress(self, db, target):
        """Waits until target results are stored or the evaluation is done; returns the count."""
        deadline = time.time() + 300 * SLOW
        while True:
            (n,), = sql(db, "SELECT COUNT(*) FROM rule_evals WHERE rule = 'described'")
            if n >= target or not self.evaluation_pending(db):
                return n
            self.assertLess(time.time(), deadline, "the evaluation made no progress")
            time.sleep(0.02)

    def test_kill_during_full_evaluation(self):
        tmp = tempfile.mkdtemp(prefix="plumb-evalkill-")
        data, src = os.path.join(tmp, "data"), os.path.join(tmp, "groups.jsonl")
        db = os.path.join(data, "plumb.db")
        self.write_groups(src)
        r = subprocess.run([PLUMB, "record", "--quiet", "--all", "--data", data, src],
                           capture_output=True, timeout=900)
        self.assertEqual(r.returncode, 0, r.stderr)
        server = Server(data=data).start()
        rng = random.Random(20261203)
        try:
            server.client().put_config_rule(ConfigRule={
                "ConfigRuleName": "described", "Scope": {"ComplianceResourceTypes": [self.SG]},
                "Source": {"Owner": "CUSTOM_POLICY", "SourceDetails": [{
                    "EventSource": "aws.config",
                    "MessageType": "ConfigurationItemChangeNotification"}],
                    "CustomPolicyDetails": {"PolicyRuntime": "guard-2.x.x",
                                            "PolicyText": "rule d { configuration.description "
                                                          "exists }"}}})
            mid, stored = 0, 0
            for _ in range(10):
                # kill at a random moment after the run made some progress (a fixed delay
                # missed the run on a fast machine and landed before it on a slow one)
                stored = self.wait_progress(db, stored + rng.randint(self.N // 40, self.N // 15))
                time.sleep(rng.uniform(0, 0.2))
                server.stop(signal.SIGKILL)
                integrity(self, db)
                mid += self.evaluation_pending(db)
                server = Server(data=data).start()
            self.assertGreaterEqual(mid, 5, "too few kills landed during the evaluation")
            deadline = time.time() + 600 * SLOW
            while self.evaluation_pending(db):
                self.assertLess(time.time(), deadline, "the evaluation did not resume")
                time.sleep(0.5)
        finally:
            server.stop()
        integrity(self, db)
        (results,), = sql(db, "SELECT COUNT(*) FROM rule_evals WHERE rule = 'described'")
        self.assertEqual(results, self.N)
        rows = sql(db, "SELECT r.resource_id, r.versions, "
                       "json_extract(c.body, '$.configuration.complianceType') FROM resources r "
                       "JOIN config_items c ON c.res = r.id WHERE r.resource_type = '%s'" % self.RC)
        self.assertEqual(len(rows), self.N, "a ResourceCompliance CI missing or doubled")
        want = {"%s/sg-%06d" % (self.SG, i): "COMPLIANT" if i % 2 == 0 else "NON_COMPLIANT"
                for i in range(self.N)}
        self.assertEqual({rid: t for rid, _, t in rows}, want)
        self.assertEqual({v for _, v, _ in rows}, {1}, "a ResourceCompliance recorded twice")
        pairs = set(sql(db, "SELECT CAST(substr(resource_id, 4) AS INTEGER) % 2, comp FROM "
                            "rule_evals WHERE rule = 'described'"))
        self.assertEqual(len(pairs), 2, "stored results disagree with their compliance CIs")
        subprocess.run(["rm", "-rf", tmp])


class OneServerPerDataDirectory(unittest.TestCase):
    def test_second_serve_refused(self):
        """A second plumb serve on a data directory in use exits 1 and says why (it would take
        the first one's outbox leases for a dead process's)."""
        server = Server().start()
        try:
            r = subprocess.run([PLUMB, "serve", "--listen", "127.0.0.1:0", "--data", server.data,
                                "--auth", "open"], capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("another plumb serve uses this data directory", r.stderr)
            self.assertEqual(server.client().describe_config_rules()["ConfigRules"], [])
        finally:
            server.stop()
            server.cleanup()


class ServerKillSweep(unittest.TestCase):
    POLICY = "rule has_hostname { configuration.hostname exists }"

    def put_load(self, server, base, seconds):
        """Four writers until the server dies after `seconds`; returns the acknowledged ids."""
        acked, lock, stop = [], threading.Lock(), threading.Event()

        def writer(w):
            c = server.client()
            i = 0
            while not stop.is_set():
                ci = third_party_ci(base + w * 10000 + i)
                try:
                    c.put_resource_config(**ci)
                except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
                    return  # the server is gone: this call was never acknowledged
                with lock:
                    acked.append(ci["ResourceId"])
                i += 1

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        time.sleep(seconds * SLOW)
        server.stop(signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        return acked

    def assert_present(self, server, ids):
        c = server.client()
        for k in range(0, len(ids), 100):
            keys = [{"resourceType": TYPE, "resourceId": rid} for rid in ids[k:k + 100]]
            got = c.batch_get_resource_config(resourceKeys=keys)["baseConfigurationItems"]
            self.assertEqual(sorted(i["resourceId"] for i in got), sorted(ids[k:k + 100]))

    def wait_drained(self, server):
        deadline = time.time() + 300 * SLOW
        while True:
            with urllib.request.urlopen(server.url + "/metrics", timeout=10) as r:
                text = r.read().decode()
            pending = [l for l in text.splitlines() if l.startswith("plumb_outbox_pending")]
            if pending and float(pending[0].split()[-1]) == 0:
                return
            self.assertLess(time.time(), deadline, pending)
            time.sleep(0.2)

    def test_kill_sweep_under_load(self):
        server = Server().start()
        data = server.data
        try:
            c = server.client()
            c.put_configuration_recorder(ConfigurationRecorder={
                "name": "default", "roleARN": "arn:aws:iam::123456789012:role/ConfigRole",
                "recordingGroup": {"allSupported": True}})
            c.put_delivery_channel(DeliveryChannel={"name": "default",
                                                    "s3BucketName": "sweep-bucket"})
            c.start_configuration_recorder(ConfigurationRecorderName="default")
            c.put_config_rule(ConfigRule={
                "ConfigRuleName": "hostname", "Scope": {"ComplianceResourceTypes": [TYPE]},
                "Source": {"Owner": "CUSTOM_POLICY", "SourceDetails": [{
                    "EventSource": "aws.config",
                    "MessageType": "ConfigurationItemChangeNotification"}],
                    "CustomPolicyDetails": {"PolicyRuntime": "guard-2.x.x",
                                            "PolicyText": self.POLICY}}})
            all_acked = []
            for round_, seconds in enumerate([0.4, 1.0, 1.7]):
                acked = self.put_load(server, round_ * 100000, seconds)
                self.assertGreater(len(acked), 5)
                all_acked += acked
                integrity(self, os.path.join(data, "plumb.db"))
                server = Server(data=data).start()
                self.assert_present(server, all_acked)
            self.wait_drained(server)
            c = server.client()
            for rid in all_acked[::7]:
                r = c.get_compliance_details_by_resource(ResourceType=TYPE, ResourceId=rid)
                self.assertEqual([e["ComplianceType"] for e in r["EvaluationResults"]],
                                 ["COMPLIANT"], rid)
                try:
                    h = c.get_resource_config_history(
                        resourceType="AWS::Config::ResourceCompliance",
                        resourceId="%s/%s" % (TYPE, rid))["configurationItems"]
                except c.exceptions.ResourceNotDiscoveredException:
                    h = []
                # exactly once: a result and its ResourceCompliance CI commit together
                self.assertEqual(len(h), 1, rid)
        finally:
            server.stop()
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
