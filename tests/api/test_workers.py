"""test_workers.py — `plumb serve --no-workers` (the API) beside `plumb worker` processes (the
rules engine, delivery, remediation, housekeeping) on one store, and their faults.

SQLite (always): an API server and a worker on one data directory; a second worker is refused
(DATA/workers.lock: one process runs a SQLite directory's workers). A new rule put through the
API is evaluated by the worker over every recorded resource; the worker is killed with SIGKILL
mid-evaluation, a new worker gives back the dead one's leases and finishes: every resource has
exactly one stored result and one ResourceCompliance version.

PostgreSQL (with the test cluster, PLUMB_TEST_PG_URL or PLUMB_TEST_PG_URL_FILE; skipped
otherwise): two workers on one database share the evaluation (SKIP LOCKED claims); one is
killed with SIGKILL mid-evaluation and the other, which sees the dead instance's advisory lock
gone, takes its leased rows back and finishes; no resource is missing a result."""
import json
import os
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest

from harness import PLUMB, Server, pg_database, pg_drop, wait_for

SG = "AWS::EC2::SecurityGroup"
RC = "AWS::Config::ResourceCompliance"
SLOW = 3 if os.environ.get("PL_ASAN") else 1


def pg_url():
    url = os.environ.get("PLUMB_TEST_PG_URL")
    path = os.environ.get("PLUMB_TEST_PG_URL_FILE")
    if not url and path and os.path.exists(path):
        with open(path) as f:
            url = f.read().strip()
    return url or None


class Worker:
    """A plumb worker process; start() returns once it announced it runs."""

    def __init__(self, data, extra=()):
        self.data, self.extra, self.proc = data, list(extra), None

    def start(self):
        self.proc = subprocess.Popen([PLUMB, "worker", "--data", self.data, "--auth", "open"] +
                                     self.extra, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("plumb: worker running"):
            self.proc.wait()
            self.proc.stdout.close()
            raise RuntimeError("plumb worker did not start (rc %s)" % self.proc.returncode)
        self.instance = line.rsplit("instance=", 1)[-1].strip()
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=60)
        if self.proc:
            self.proc.stdout.close()
        self.proc = None


def write_groups(path, n):
    """n security groups; the even ones have a description (COMPLIANT), the odd ones not."""
    with open(path, "w") as f:
        for i in range(n):
            conf = {"groupId": "sg-%06d" % i}
            if i % 2 == 0:
                conf["description"] = "group %d" % i
            f.write(json.dumps({
                "resourceType": SG, "resourceId": "sg-%06d" % i,
                "awsAccountId": "123456789012", "awsRegion": "us-east-1",
                "configurationItemCaptureTime": "2026-01-01T00:00:00.000Z",
                "configuration": conf}) + "\n")


def record(data, src):
    r = subprocess.run([PLUMB, "record", "--quiet", "--all", "--data", data, src],
                       capture_output=True, timeout=900)
    if r.returncode != 0:
        raise AssertionError(r.stderr)


def put_rule(server):
    server.client().put_config_rule(ConfigRule={
        "ConfigRuleName": "described", "Scope": {"ComplianceResourceTypes": [SG]},
        "Source": {"Owner": "CUSTOM_POLICY", "SourceDetails": [{
            "EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}],
            "CustomPolicyDetails": {"PolicyRuntime": "guard-2.x.x",
                                    "PolicyText": "rule d { configuration.description exists }"}}})


class SqliteWorkers(unittest.TestCase):
    N = 20000

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="plumb-workers-")
        self.data = os.path.join(self.tmp, "data")
        self.db = os.path.join(self.data, "plumb.db")

    def tearDown(self):
        subprocess.run(["rm", "-rf", self.tmp])

    def sql(self, query):
        con = sqlite3.connect(self.db, timeout=60)
        try:
            return con.execute(query).fetchall()
        finally:
            con.close()

    def results(self):
        return self.sql("SELECT COUNT(*) FROM rule_evals WHERE rule = 'described'")[0][0]

    def pending(self):
        return self.sql("SELECT COUNT(*) FROM outbox WHERE kind = 'rules.evaluate' AND "
                        "done = 0")[0][0]

    def test_kill_worker_mid_evaluation(self):
        src = os.path.join(self.tmp, "groups.jsonl")
        write_groups(src, self.N)
        record(self.data, src)
        server = Server(data=self.data, extra=["--no-workers"]).start()
        worker = Worker(self.data).start()
        try:
            with self.assertRaises(RuntimeError):  # one process runs a directory's workers
                Worker(self.data).start()
            put_rule(server)
            wait_for(lambda: self.results() >= self.N // 10 or not self.pending(),
                     300 * SLOW, "progress")
            worker.stop(signal.SIGKILL)
            killed_mid = self.pending() > 0
            # the API carries on without workers
            self.assertEqual(server.client().describe_config_rules()["ConfigRules"][0]
                             ["ConfigRuleName"], "described")
            worker = Worker(self.data).start()
            wait_for(lambda: not self.pending(), 600 * SLOW, "the evaluation to finish")
        finally:
            worker.stop()
            server.cleanup()
        self.assertTrue(killed_mid, "the kill landed after the evaluation")
        self.assertEqual(self.results(), self.N)
        rows = self.sql("SELECT r.versions FROM resources r WHERE r.resource_type = '%s'" % RC)
        self.assertEqual(len(rows), self.N, "a ResourceCompliance CI missing")
        self.assertEqual({v for v, in rows}, {1}, "a ResourceCompliance recorded twice")


@unittest.skipUnless(pg_url(), "no PostgreSQL test cluster (PLUMB_TEST_PG_URL)")
class PgWorkers(unittest.TestCase):
    N = 20000

    def setUp(self):
        os.environ.setdefault("PLUMB_TEST_PG_URL", pg_url())
        self.tmp = tempfile.mkdtemp(prefix="plumb-pgworkers-")
        self.data = os.path.join(self.tmp, "data")
        os.mkdir(self.data)
        self.name = pg_database(self.data)
        with open(os.path.join(self.data, "store-url")) as f:
            self.url = f.read().strip()

    def tearDown(self):
        pg_drop(self.name)
        subprocess.run(["rm", "-rf", self.tmp])

    def sql(self, query):
        r = subprocess.run(["psql", "-At", "-v", "ON_ERROR_STOP=1", self.url, "-c", query],
                           capture_output=True, text=True, timeout=120, check=True)
        return r.stdout.strip()

    def results(self):
        return int(self.sql("SELECT COUNT(*) FROM rule_evals WHERE rule = 'described'"))

    def pending(self):
        return int(self.sql("SELECT COUNT(*) FROM outbox WHERE kind = 'rules.evaluate' AND "
                            "done = 0"))

    def test_two_workers_one_killed(self):
        src = os.path.join(self.tmp, "groups.jsonl")
        write_groups(src, self.N)
        record(self.data, src)
        server = Server(data=self.data, extra=["--no-workers"]).start()
        # two workers, each with a data directory of its own bound to the same database
        other = os.path.join(self.tmp, "other")
        os.mkdir(other)
        with open(os.path.join(other, "store-url"), "w") as f:
            f.write(self.url + "\n")
        a, b = Worker(self.data).start(), Worker(other).start()
        try:
            put_rule(server)
            wait_for(lambda: self.results() >= self.N // 10 or not self.pending(),
                     300 * SLOW, "progress")
            # kill the worker that holds the evaluation's lease (outbox.leased = its instance)
            holder = self.sql("SELECT leased FROM outbox WHERE kind = 'rules.evaluate' AND "
                              "done = 0 AND leased <> 0 LIMIT 1")
            if holder == b.instance:
                a, b = b, a
            a.stop(signal.SIGKILL)
            killed_mid = self.pending() > 0
            wait_for(lambda: not self.pending(), 600 * SLOW, "the other worker to finish")
        finally:
            a.stop()
            b.stop()
            server.stop()
        self.assertTrue(killed_mid, "the kill landed after the evaluation")
        self.assertEqual(self.results(), self.N)
        self.assertEqual(int(self.sql("SELECT COUNT(*) FROM resources WHERE resource_type = "
                                      "'%s'" % RC)), self.N, "a ResourceCompliance CI missing")


if __name__ == "__main__":
    unittest.main()
