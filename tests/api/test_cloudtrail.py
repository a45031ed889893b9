"""test_cloudtrail.py — CloudTrail: `plumb cloudtrail import` of the real records in
../shared/data/cloudtrail (counts computed here independently, malformed files reported and
skipped, re-import idempotent), relatedEvents of CIs in GetResourceConfigHistory and
BatchGetResourceConfig, `plumb blame`, PlumbService.GetResourceTimeline, `plumb serve
--cloudtrail-dir` picking up a file dropped in after start, and isolation between accounts."""
import gzip
import json
import os
import shutil
import tempfile
import time
import unittest

import subprocess

from harness import ACCOUNT, PLUMB, SHARED, Server, ServerTest, free_port, plumb, signed_call

DATA = os.path.join(SHARED, "data", "cloudtrail")
READ_PREFIXES = ("Describe", "Get", "List", "Head", "Lookup", "BatchGet", "Search")
LOG_ENDS = (".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".gz")


def read_only_name(name):
    for p in READ_PREFIXES:
        if name.startswith(p) and not name[len(p):len(p) + 1].islower():
            return True
    return False


def values_of(path):
    """The JSON values of a log file as CloudTrail readers see them, or None if not JSON."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8")
    try:
        doc = json.loads(text)
        docs = [doc]
    except ValueError:
        docs = []
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                docs.append(json.loads(line))
            except ValueError:
                return None
    out = []
    for d in docs:
        if isinstance(d, list):
            out.extend(d)
        elif isinstance(d, dict) and isinstance(d.get("Records"), list):
            out.extend(d["Records"])
        else:
            out.append(d)
    return out


def expected_counts(root, keep_read_only=False):
    """What an import of root should count, computed from the files with Python's json."""
    c = dict(files=0, imported=0, duplicates=0, readOnlyDropped=0, skippedRecords=0,
             badFiles=0, ignoredFiles=0)
    seen = set()
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            if name.startswith("."):
                continue
            if not name.endswith(LOG_ENDS) or "CloudTrail-Digest" in name:
                c["ignoredFiles"] += 1
                continue
            vals = values_of(os.path.join(dirpath, name))
            if vals is None:
                c["badFiles"] += 1
                continue
            c["files"] += 1
            for v in vals:
                rec, env = v, {}
                if isinstance(v, dict) and v.get("detail-type"):
                    if not (v["detail-type"].endswith("via CloudTrail") and
                            isinstance(v.get("detail"), dict)):
                        c["skippedRecords"] += 1
                        continue
                    rec, env = v["detail"], v
                if not isinstance(rec, dict):
                    c["skippedRecords"] += 1
                    continue
                s = lambda o, k: o.get(k) if isinstance(o, dict) and isinstance(o.get(k), str) and o.get(k) else None
                ui = rec.get("userIdentity")
                account = s(rec, "recipientAccountId") or s(ui, "accountId") or s(env, "account")
                region = s(rec, "awsRegion") or s(env, "region")
                when = s(rec, "eventTime") or s(rec, "@timestamp")
                if not (s(rec, "eventID") and s(rec, "eventName") and s(rec, "eventSource") and
                        when and account and region):
                    c["skippedRecords"] += 1
                    continue
                ro = rec.get("readOnly")
                if isinstance(ro, bool):
                    read_only = ro
                elif isinstance(ro, str):
                    read_only = ro == "true"
                else:
                    read_only = read_only_name(rec["eventName"])
                if read_only and not keep_read_only:
                    c["readOnlyDropped"] += 1
                    continue
                if rec["eventID"] in seen:
                    c["duplicates"] += 1
                else:
                    seen.add(rec["eventID"])
                    c["imported"] += 1
    return c


def import_json(data, *paths, keep=False):
    args = ["cloudtrail", "import", "--data", data, "--json"] + (["--keep-read-only"] if keep else [])
    p = plumb(*(args + list(paths)), check=False)
    return p.returncode, json.loads(p.stdout), p.stderr


class ImportRealData(unittest.TestCase):
    def setUp(self):
        self.data = tempfile.mkdtemp(prefix="plumb-ct-")

    def tearDown(self):
        shutil.rmtree(self.data, ignore_errors=True)

    def test_counts_malformed_and_idempotent(self):
        want = expected_counts(DATA)
        self.assertGreater(want["imported"], 50)
        self.assertEqual(want["badFiles"], 1)  # SerializerTestFileBadJsonFormat.json
        rc, got, err = import_json(self.data, DATA)
        self.assertEqual(rc, 1, err)  # some records and one file were skipped
        problems = got.pop("problems")
        self.assertEqual(got, want)
        bad = [p for p in problems if "SerializerTestFileBadJsonFormat.json" in p["where"]]
        self.assertEqual(len(bad), 1, problems)
        self.assertTrue(bad[0]["where"].endswith(":37"), bad)  # the line of the error
        self.assertIn("not valid JSON", bad[0]["why"])
        self.assertIn("SerializerTestFileBadJsonFormat.json:37", err)
        noid = [p for p in problems if p["why"] == "no eventID"]
        self.assertTrue(noid and all(": record " in p["where"] for p in noid), problems)
        # again: nothing new, every event a duplicate
        rc, again, _ = import_json(self.data, DATA)
        self.assertEqual(again["imported"], 0)
        self.assertEqual(again["duplicates"], want["imported"] + want["duplicates"])
        # a single file and its human summary
        one = os.path.join(DATA, "aws-cloudtrail-user-guide", "doc_examples_cloudtrail.json")
        p = plumb("cloudtrail", "import", "--data", self.data, one, check=False)
        self.assertIn("imported 0 events from 1 file", p.stdout)

    def test_keep_read_only(self):
        want = expected_counts(DATA, keep_read_only=True)
        rc, got, _ = import_json(self.data, DATA, keep=True)
        got.pop("problems")
        self.assertEqual(got, want)
        self.assertEqual(got["readOnlyDropped"], 0)

    def test_no_half_import(self):
        """Valid records before a syntax error are not kept: the file is one transaction."""
        good = [rec("h-1", "2024-01-01T00:00:00Z", "CreateTags", ALICE),
                rec("h-2", "2024-01-01T00:00:01Z", "CreateTags", ALICE)]
        path = os.path.join(self.data, "half.json")
        with open(path, "w") as f:
            f.write('{"Records": [\n' + ",\n".join(json.dumps(r) for r in good) +
                    ',\n{"eventID": "h-3", "eventTime": }\n]}\n')
        rc, got, err = import_json(os.path.join(self.data, "db"), path)
        self.assertEqual(rc, 1)
        self.assertEqual((got["imported"], got["badFiles"], got["files"]), (0, 1, 0))
        self.assertIn("half.json:4: record 3: not valid JSON", err)
        # the same records in a good file are all new: nothing of the bad one was stored
        with open(path, "w") as f:
            json.dump({"Records": good}, f)
        rc, got, err = import_json(os.path.join(self.data, "db"), path)
        self.assertEqual((rc, got["imported"], got["duplicates"]), (0, 2, 0), err)

    def test_bad_file_between_good_ones(self):
        """A directory of three files, the middle one broken after valid records: exactly the
        events of the other two are stored (the reader thread runs ahead of the store)."""
        tree = os.path.join(self.data, "logs")
        os.makedirs(tree)
        def records(prefix, n):
            return [rec("%s-%d" % (prefix, i), "2024-01-01T00:%02d:%02dZ" % (i // 60, i % 60),
                        "CreateTags", ALICE) for i in range(n)]
        for name, prefix in (("a.json.gz", "m-a"), ("c.json", "m-c")):
            body = json.dumps({"Records": records(prefix, 300)}).encode()
            if name.endswith(".gz"):
                with gzip.open(os.path.join(tree, name), "wb") as g:
                    g.write(body)
            else:
                with open(os.path.join(tree, name), "wb") as f:
                    f.write(body)
        with open(os.path.join(tree, "b.json"), "w") as f:  # 200 good records, then an error
            f.write('{"Records": [\n' + ",\n".join(json.dumps(r) for r in records("m-b", 200)) +
                    ',\n{"eventID": "m-b-x", "eventTime": }\n]}\n')
        db = os.path.join(self.data, "db")
        rc, got, err = import_json(db, tree)
        self.assertEqual(rc, 1)
        self.assertEqual((got["imported"], got["files"], got["badFiles"], got["duplicates"]),
                         (600, 2, 1, 0), err)
        self.assertIn("b.json:202: record 201: not valid JSON", err)
        # b's 200 good records were not stored: fixed, they are all new; a and c all duplicates
        with open(os.path.join(tree, "b.json"), "w") as f:
            json.dump({"Records": records("m-b", 200)}, f)
        rc, got, err = import_json(db, tree)
        self.assertEqual((rc, got["imported"], got["duplicates"], got["files"]), (0, 200, 600, 3),
                         err)

    def test_gzip_delivery_tree(self):
        tree = os.path.join(self.data, "logs", "AWSLogs", "111122223333", "CloudTrail",
                            "us-east-1", "2024", "01", "02")
        os.makedirs(tree)
        src = os.path.join(DATA, "aws-cloudtrail-user-guide", "doc_examples_cloudtrail.json")
        with open(src, "rb") as f, gzip.open(os.path.join(
                tree, "111122223333_CloudTrail_us-east-1_20240102T0000Z_x.json.gz"), "wb") as g:
            g.write(f.read())
        with gzip.open(os.path.join(tree, "111122223333_CloudTrail-Digest_x.json.gz"), "wb") as g:
            g.write(b'{"digestStartTime":"x"}')
        want = expected_counts(os.path.join(self.data, "logs"))
        rc, got, _ = import_json(os.path.join(self.data, "db"), os.path.join(self.data, "logs"))
        got.pop("problems")
        self.assertEqual(got, want)
        self.assertGreater(got["imported"], 5)


SG = "sg-0123456789abcdef0"
ALICE = "arn:aws:iam::%s:user/alice" % ACCOUNT
BOB = "arn:aws:iam::%s:user/bob" % ACCOUNT
OTHER = "222222222222"


def rec(eid, when, name, user, account=ACCOUNT, error=None, read_only=None, group=SG,
        ip="198.51.100.7"):
    r = {"eventVersion": "1.08", "eventID": eid, "eventTime": when, "eventName": name,
         "eventSource": "ec2.amazonaws.com", "awsRegion": "us-east-1",
         "recipientAccountId": account, "sourceIPAddress": ip, "userAgent": "aws-cli/2.15",
         "userIdentity": {"type": "IAMUser", "arn": user, "accountId": account},
         "requestParameters": {"groupId": group}, "responseElements": {"_return": True}}
    if error:
        r["errorCode"] = error
        r["errorMessage"] = "You are not authorized to perform this operation."
    if read_only is not None:
        r["readOnly"] = read_only
    return r


def sg_ci(when, ports, account=ACCOUNT, group=SG):
    return {"resourceType": "AWS::EC2::SecurityGroup", "resourceId": group,
            "awsAccountId": account, "awsRegion": "us-east-1",
            "ARN": "arn:aws:ec2:us-east-1:%s:security-group/%s" % (account, group),
            "configurationItemStatus": "OK", "configurationItemCaptureTime": when,
            "configuration": {"groupId": group, "ipPermissions": [
                {"fromPort": p, "toPort": p, "ipProtocol": "tcp"} for p in ports]}}


def record_ci(data, ci):
    """Records one CI with `plumb record --data` (beside the running server)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(ci, f)
    try:
        plumb("record", "--data", data, f.name)
    finally:
        os.unlink(f.name)


def import_records(data, *records):
    """Imports a log file of records with `plumb cloudtrail import --data DATA DIR`."""
    d = tempfile.mkdtemp(prefix="plumb-ct-recs-")
    try:
        with open(os.path.join(d, "t.json"), "w") as f:
            json.dump({"Records": list(records)}, f)
        plumb("cloudtrail", "import", "--data", data, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


class Linking(ServerTest):
    """CIs of a security group at T0 < T3 < T5 and events at T1, T2 (failed), T4, T6."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        d = tempfile.mkdtemp(prefix="plumb-ct-logs-")
        cls.logs = d
        events = [
            rec("ev-1", "2024-03-01T10:00:00Z", "AuthorizeSecurityGroupIngress", ALICE),
            rec("ev-2", "2024-03-01T11:00:00Z", "AuthorizeSecurityGroupIngress", BOB,
                error="Client.UnauthorizedOperation"),
            rec("ev-ro", "2024-03-01T11:30:00Z", "DescribeSecurityGroups", BOB),
            rec("ev-4", "2024-03-02T10:00:00Z", "RevokeSecurityGroupIngress", BOB,
                ip="203.0.113.9"),
            rec("ev-6", "2024-03-03T10:00:00Z", "AuthorizeSecurityGroupIngress", ALICE),
            # another account's event on a group with the same id
            rec("ev-b", "2024-03-01T10:30:00Z", "AuthorizeSecurityGroupIngress",
                "arn:aws:iam::%s:user/mallory" % OTHER, account=OTHER),
        ]
        with open(os.path.join(d, "trail.json"), "w") as f:
            json.dump({"Records": events}, f)
        # CIs first: events imported later must still link
        cls.record_ci(sg_ci("2024-03-01T00:00:00.000Z", [22]))
        cls.record_ci(sg_ci("2024-03-01T12:00:00.000Z", [22, 443]))
        cls.record_ci(sg_ci("2024-03-02T12:00:00.000Z", [443]))
        cls.record_ci(sg_ci("2024-03-01T12:00:00.000Z", [80], account=OTHER))
        p = plumb("cloudtrail", "import", "--data", cls.server.data, "--json", d)
        cls.counts = json.loads(p.stdout)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.logs, ignore_errors=True)
        super().tearDownClass()

    @classmethod
    def record_ci(cls, ci):
        record_ci(cls.server.data, ci)

    def test_import_counts(self):
        self.assertEqual(self.counts["imported"], 5)
        self.assertEqual(self.counts["readOnlyDropped"], 1)

    def test_related_events_in_history(self):
        h = self.cfg.get_resource_config_history(resourceType="AWS::EC2::SecurityGroup",
                                                 resourceId=SG, chronologicalOrder="Forward")
        items = h["configurationItems"]
        self.assertEqual(len(items), 3)
        # failed calls and read-only ones are not related events; another account's never
        self.assertEqual([ci["relatedEvents"] for ci in items], [[], ["ev-1"], ["ev-4"]])
        # the other account sees only its own
        hb = self.server.client(key=OTHER).get_resource_config_history(
            resourceType="AWS::EC2::SecurityGroup", resourceId=SG)
        self.assertEqual([ci["relatedEvents"] for ci in hb["configurationItems"]], [["ev-b"]])

    def test_related_events_in_batch_get(self):
        status, out = signed_call(
            self.server.url, "StarlingDoveService.BatchGetResourceConfig",
            json.dumps({"resourceKeys": [{"resourceType": "AWS::EC2::SecurityGroup",
                                          "resourceId": SG}]}))
        self.assertEqual(status, 200, out)
        self.assertEqual(out["baseConfigurationItems"][0]["relatedEvents"], ["ev-4"])

    def test_timeline_operation(self):
        t = self.plumb_call("GetResourceTimeline",
                            {"resourceType": "AWS::EC2::SecurityGroup", "resourceId": SG})
        tl = t["timeline"]
        self.assertEqual(len(tl), 3)
        self.assertNotIn("nextToken", t)
        ids = [[e["eventId"] for e in entry["events"]] for entry in tl]
        self.assertEqual(ids, [["ev-4"], ["ev-1", "ev-2"], []])  # newest version first
        self.assertEqual([e["eventId"] for e in t["pendingEvents"]], ["ev-6"])
        failed = tl[1]["events"][1]
        self.assertEqual(failed["errorCode"], "Client.UnauthorizedOperation")
        self.assertEqual(failed["userIdentity"], {"type": "IAMUser", "arn": BOB})
        ok = tl[1]["events"][0]
        self.assertNotIn("errorCode", ok)
        self.assertEqual(ok["eventName"], "AuthorizeSecurityGroupIngress")
        self.assertEqual(ok["eventSource"], "ec2.amazonaws.com")
        self.assertEqual(ok["sourceIPAddress"], "198.51.100.7")
        self.assertEqual(ok["userAgent"], "aws-cli/2.15")
        self.assertEqual(ok["eventTime"], 1709287200)
        v = tl[1]["version"]
        self.assertEqual(v["resourceId"], SG)
        self.assertEqual(v["relatedEvents"], ["ev-1"])
        self.assertIsInstance(v["configuration"], str)  # the API form
        self.assertEqual(tl[1]["diff"]["changeType"], "UPDATE")
        self.assertTrue(any("IpPermissions" in k for k in tl[1]["diff"]["changedProperties"]))
        # pages of one version
        p1 = self.plumb_call("GetResourceTimeline", {"resourceType": "AWS::EC2::SecurityGroup",
                                                     "resourceId": SG, "limit": 1})
        self.assertEqual(len(p1["timeline"]), 1)
        p2 = self.plumb_call("GetResourceTimeline", {"resourceType": "AWS::EC2::SecurityGroup",
                                                     "resourceId": SG, "limit": 1,
                                                     "nextToken": p1["nextToken"]})
        self.assertEqual([e["eventId"] for e in p2["timeline"][0]["events"]], ["ev-1", "ev-2"])
        self.assertNotIn("pendingEvents", p2)

    def test_timeline_errors_and_isolation(self):
        status, out = signed_call(self.server.url, "PlumbService.GetResourceTimeline",
                                  json.dumps({"resourceType": "AWS::EC2::SecurityGroup",
                                              "resourceId": "sg-nope"}))
        self.assertEqual(status, 400)
        self.assertEqual(out["__type"], "ResourceNotDiscoveredException")
        status, out = signed_call(self.server.url, "PlumbService.GetResourceTimeline",
                                  json.dumps({"resourceType": "AWS::EC2::SecurityGroup"}))
        self.assertEqual((status, out["__type"]), (400, "ValidationException"))
        status, out = signed_call(self.server.url, "PlumbService.GetResourceTimeline",
                                  json.dumps({"resourceType": "AWS::EC2::SecurityGroup",
                                              "resourceId": SG, "limit": 1000}))
        self.assertEqual((status, out["__type"]), (400, "ValidationException"))
        status, out = signed_call(self.server.url, "PlumbService.GetResourceTimeline",
                                  json.dumps({"resourceType": "AWS::EC2::SecurityGroup",
                                              "resourceId": SG}), key=OTHER)
        self.assertEqual(status, 200, out)
        events = [e["eventId"] for entry in out["timeline"] for e in entry["events"]]
        self.assertEqual(events, ["ev-b"])
        self.assertNotIn("pendingEvents", out)

    def test_blame_cli(self):
        p = plumb("blame", "--data", self.server.data, "--account", ACCOUNT, "--region",
                  "us-east-1", "AWS::EC2::SecurityGroup", SG)
        out = p.stdout
        self.assertIn("3 versions", out)
        self.assertIn("RevokeSecurityGroupIngress  %s (IAMUser)  from 203.0.113.9" % BOB, out)
        self.assertIn("FAILED: Client.UnauthorizedOperation", out)
        self.assertIn("not yet in a recorded version", out)
        self.assertIn("IpPermissions", out)
        self.assertNotIn("mallory", out)
        # newest first: #3 before #1
        self.assertLess(out.index("#3"), out.index("#1"))
        j = json.loads(plumb("blame", "--data", self.server.data, "--account", ACCOUNT,
                             "--region", "us-east-1", "AWS::EC2::SecurityGroup", SG,
                             "--json").stdout)
        t = self.plumb_call("GetResourceTimeline",
                            {"resourceType": "AWS::EC2::SecurityGroup", "resourceId": SG})
        self.assertEqual(j, t)
        # history --json shows the related events too
        h = json.loads(plumb("history", "--data", self.server.data, "--account", ACCOUNT,
                             "--region", "us-east-1", "AWS::EC2::SecurityGroup", SG,
                             "--json").stdout)
        self.assertEqual([ci["relatedEvents"] for ci in h["configurationItems"]],
                         [[], ["ev-1"], ["ev-4"]])


class Retention(ServerTest):
    """PutRetentionConfiguration prunes events older than its period, as it prunes CIs."""

    def test_old_events_pruned(self):
        record_ci(self.server.data, sg_ci("2024-03-01T12:00:00.000Z", [22]))
        import_records(self.server.data, rec("old-1", "2024-03-01T10:00:00Z",
                                             "AuthorizeSecurityGroupIngress", ALICE))
        hist = lambda: self.cfg.get_resource_config_history(
            resourceType="AWS::EC2::SecurityGroup", resourceId=SG)["configurationItems"]
        self.assertEqual(hist()[0]["relatedEvents"], ["old-1"])
        self.cfg.put_retention_configuration(RetentionPeriodInDays=30)
        self.assertEqual(hist()[0]["relatedEvents"], [])  # the CI (the latest) stays


class Delivered(ServerTest):
    """A delivered snapshot file carries the relatedEvents too."""

    def test_snapshot_related_events(self):
        self.setup_recorder()
        record_ci(self.server.data, sg_ci("2024-03-01T00:00:00.000Z", [22]))
        record_ci(self.server.data, sg_ci("2024-03-01T12:00:00.000Z", [22, 443]))
        import_records(self.server.data, rec("s-1", "2024-03-01T10:00:00Z",
                                             "AuthorizeSecurityGroupIngress", ALICE))
        sid = self.cfg.deliver_config_snapshot(deliveryChannelName="default")["configSnapshotId"]
        bucket = os.path.join(self.server.data, "buckets")
        deadline = time.time() + (120 if os.environ.get("PL_ASAN") else 30)
        found = None
        while time.time() < deadline and not found:
            for dirpath, _, files in os.walk(bucket):
                found = found or next((os.path.join(dirpath, n) for n in files
                                       if "ConfigSnapshot" in n and sid in n), None)
            time.sleep(0.1)
        self.assertIsNotNone(found, "no snapshot file for %s" % sid)
        with gzip.open(found) as f:
            snap = json.load(f)
        sg = [ci for ci in snap["configurationItems"] if ci["resourceId"] == SG]
        self.assertEqual(sg[0]["relatedEvents"], ["s-1"])


class WatchDir(unittest.TestCase):
    """plumb serve --cloudtrail-dir: a gzip log dropped in after start is imported."""

    def test_dropped_file_is_imported(self):
        logs = tempfile.mkdtemp(prefix="plumb-ct-watch-")
        srv = Server(extra=["--cloudtrail-dir", logs, "--cloudtrail-poll-ms", "200"]).start()
        try:
            record_ci(srv.data, sg_ci("2024-05-01T12:00:00.000Z", [22]))
            c = srv.client()
            h = c.get_resource_config_history(resourceType="AWS::EC2::SecurityGroup",
                                              resourceId=SG)
            self.assertEqual(h["configurationItems"][0]["relatedEvents"], [])
            tree = os.path.join(logs, "AWSLogs", ACCOUNT, "CloudTrail", "us-east-1", "2024",
                                "05", "01")
            os.makedirs(tree)
            final = os.path.join(tree, "%s_CloudTrail_us-east-1_20240501T1100Z_a.json.gz"
                                 % ACCOUNT)
            tmp = os.path.join(logs, ".incoming")
            with gzip.open(tmp, "wt") as g:
                json.dump({"Records": [rec("w-1", "2024-05-01T11:00:00Z",
                                           "AuthorizeSecurityGroupIngress", ALICE)]}, g)
            os.rename(tmp, final)
            deadline = time.time() + (120 if os.environ.get("PL_ASAN") else 30)
            related = []
            while time.time() < deadline:
                h = c.get_resource_config_history(resourceType="AWS::EC2::SecurityGroup",
                                                  resourceId=SG)
                related = h["configurationItems"][0]["relatedEvents"]
                if related:
                    break
                time.sleep(0.1)
            self.assertEqual(related, ["w-1"])
        finally:
            srv.cleanup()
            shutil.rmtree(logs, ignore_errors=True)

    def test_restart_reads_nothing_twice(self):
        logs = tempfile.mkdtemp(prefix="plumb-ct-watch-")
        with open(os.path.join(logs, "a.json"), "w") as f:
            json.dump({"Records": [rec("r-1", "2024-05-01T11:00:00Z", "CreateTags", ALICE)]}, f)
        srv = Server(extra=["--cloudtrail-dir", logs, "--cloudtrail-poll-ms", "200"]).start()
        try:
            deadline = time.time() + (120 if os.environ.get("PL_ASAN") else 30)
            while time.time() < deadline and "files=1" not in srv.read_log():
                time.sleep(0.1)
            self.assertIn("files=1 imported=1", srv.read_log())
            srv.stop()
            srv.start()
            with open(os.path.join(logs, "b.json"), "w") as f:
                json.dump({"Records": [rec("r-2", "2024-05-01T11:05:00Z", "CreateTags",
                                           ALICE)]}, f)
            while time.time() < deadline and srv.read_log().count("files=1") < 2:
                time.sleep(0.1)
            log = srv.read_log()
            # the second server read b.json only: a.json was remembered
            self.assertEqual(log.count("files=1 imported=1 duplicates=0"), 2, log)
        finally:
            srv.cleanup()
            shutil.rmtree(logs, ignore_errors=True)


@unittest.skipUnless(shutil.which("moto_server"), "moto_server is not on PATH")
class FromS3(unittest.TestCase):
    """`plumb cloudtrail import s3://...` and `plumb serve --cloudtrail-s3` against moto."""

    @classmethod
    def setUpClass(cls):
        port = free_port()
        cls.moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.s3url = "http://127.0.0.1:%d" % port
        cls.env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                       AWS_DEFAULT_REGION="us-east-1")
        deadline = time.time() + 60
        while subprocess.run(["curl", "-sf", "-o", "/dev/null", cls.s3url],
                             capture_output=True).returncode != 0:
            assert time.time() < deadline, "moto did not start"
            time.sleep(0.1)
        cls.aws("s3", "mb", "s3://trail-logs")

    @classmethod
    def tearDownClass(cls):
        cls.moto.terminate()
        cls.moto.wait()

    @classmethod
    def aws(cls, *args):
        subprocess.run(["aws", "--endpoint-url", cls.s3url] + list(args), env=cls.env,
                       check=True, capture_output=True, timeout=120)

    def put_log(self, key, records):
        with tempfile.NamedTemporaryFile(suffix=".json.gz", delete=False) as f:
            f.write(gzip.compress(json.dumps({"Records": records}).encode()))
        try:
            self.aws("s3", "cp", f.name, "s3://trail-logs/" + key)
        finally:
            os.unlink(f.name)

    def test_import_and_watch(self):
        prefix = "AWSLogs/%s/CloudTrail/us-east-1/2024/05/01/" % ACCOUNT
        self.put_log(prefix + "%s_CloudTrail_us-east-1_20240501T1000Z_a+b.json.gz" % ACCOUNT,
                     [rec("s3-1", "2024-05-01T10:00:00Z", "AuthorizeSecurityGroupIngress",
                          ALICE)])
        d = tempfile.mkdtemp(prefix="plumb-ct-s3-")
        try:
            p = subprocess.run([PLUMB, "cloudtrail",
                                "import", "--data", d, "--json", "--s3-endpoint", self.s3url,
                                "s3://trail-logs/AWSLogs/"], env=self.env, capture_output=True,
                               text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(json.loads(p.stdout)["imported"], 1)
        finally:
            shutil.rmtree(d, ignore_errors=True)
        # the watcher: a CI recorded, then an object put after start links to it
        old = dict(os.environ)
        os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        try:
            srv = Server(extra=["--s3-endpoint", self.s3url, "--cloudtrail-s3",
                                "s3://trail-logs/AWSLogs/", "--cloudtrail-poll-ms", "200"])
            srv.start()
        finally:
            os.environ.clear()
            os.environ.update(old)
        try:
            record_ci(srv.data, sg_ci("2024-05-01T12:00:00.000Z", [22]))
            self.put_log(prefix + "%s_CloudTrail_us-east-1_20240501T1100Z_c.json.gz" % ACCOUNT,
                         [rec("s3-2", "2024-05-01T11:00:00Z", "RevokeSecurityGroupIngress",
                              BOB)])
            c = srv.client()
            deadline = time.time() + (120 if os.environ.get("PL_ASAN") else 30)
            related = []
            while time.time() < deadline and len(related) < 2:
                related = c.get_resource_config_history(
                    resourceType="AWS::EC2::SecurityGroup",
                    resourceId=SG)["configurationItems"][0]["relatedEvents"]
                time.sleep(0.1)
            self.assertEqual(related, ["s3-1", "s3-2"], srv.read_log()[-2000:])
        finally:
            srv.cleanup()


if __name__ == "__main__":
    unittest.main()
