"""test_sandbox.py — issue 9 §3: a Lambda-style function run by `plumb serve` (here as root, as
in CI) cannot read the data directory (credentials.json, plumb.db, session.key), cannot leave
a grandchild behind when it times out (setsid included), and a fork bomb of 1,000 children
stops at RLIMIT_NPROC while plumb keeps serving and other functions keep running. A deleted
function's warm worker is killed at once, not after its idle time.

The functions report through files and a FIFO in a world-writable temp dir (they run as
nobody when plumb is root, and do not see the data directory); the test waits on what they
write, never on a sleep."""
import json
import os
import select
import shutil
import tempfile
import time
import unittest

from harness import ACCOUNT, ServerTest, pg_mode, plumb, signed_call

WAIT = 300 if os.environ.get("PL_ASAN") else 120  # a deadline, not a pace: polled

HANDLERS = r'''
import errno, json, os, subprocess, time

def report(event, out):
    p = json.loads(event.get("ruleParameters") or "{}")["out"]
    with open(p + ".tmp", "w") as f:
        json.dump(out, f)
    os.rename(p + ".tmp", p)
    return p

def reads(event, context):
    out = {}
    for path in json.loads(event["ruleParameters"])["paths"]:
        try:
            open(path, "rb").read(1)
            out[path] = "read"
        except OSError as e:
            out[path] = errno.errorcode.get(e.errno, str(e.errno))
    out["uid"] = os.getuid()
    report(event, out)

def escapes(event, context):
    fifo = json.loads(event["ruleParameters"])["fifo"]
    with open(fifo, "wb", buffering=0) as w:
        subprocess.Popen(["setsid", "sh", "-c", "echo r; exec sleep 300"], stdout=w,
                         stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    time.sleep(300)  # past the function's timeout: plumb kills the worker

held = []

def holds(event, context):
    """Keeps the FIFO open for writing in the warm worker (a module global) and returns."""
    if not held:
        held.append(open(json.loads(event["ruleParameters"])["fifo"], "wb", buffering=0))
        held[0].write(b"h\n")

def forks(event, context):
    n, why = 0, None
    for _ in range(1000):
        try:
            pid = os.fork()
        except OSError as e:
            why = errno.errorcode.get(e.errno, str(e.errno))
            break
        if pid == 0:
            time.sleep(600)
            os._exit(0)
        n += 1
    report(event, {"forked": n, "error": why})
'''


class SandboxTest(ServerTest):
    AUTH = "sigv4"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        key, secret = cls.server.first_key(ACCOUNT)
        cls.key, cls.secret = key, secret
        cls.cfg = cls.server.client(key=key, secret=secret)
        cls.tmp = tempfile.mkdtemp(prefix="plumb-sbx-")
        os.chmod(cls.tmp, 0o777)
        cls.handler = os.path.join(cls.tmp, "sbx.py")
        with open(cls.handler, "w") as f:
            f.write(HANDLERS)
        cls().setup_recorder(cls.cfg)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    def rule(self, name, handler, rtype, params, timeout=60):
        plumb("function", "add", name, "--runtime", "python", "--handler",
              "%s:%s" % (self.handler, handler), "--timeout", str(timeout),
              "--data", self.server.data)
        self.cfg.put_config_rule(ConfigRule={
            "ConfigRuleName": name, "Scope": {"ComplianceResourceTypes": [rtype]},
            "InputParameters": json.dumps(params),
            "Source": {"Owner": "CUSTOM_LAMBDA",
                       "SourceIdentifier": "arn:aws:lambda:us-east-1:%s:function:%s"
                       % (ACCOUNT, name),
                       "SourceDetails": [{"EventSource": "aws.config", "MessageType":
                                          "ConfigurationItemChangeNotification"}]}})
        self.record({"resourceType": rtype, "resourceId": name + "-1", "awsAccountId": ACCOUNT,
                     "awsRegion": "us-east-1", "configuration": {"name": name}})

    def wait_file(self, path):
        self.wait_for(path, lambda: os.path.exists(path))
        with open(path) as f:
            return json.load(f)

    def test_data_directory_is_out_of_reach(self):
        data = self.server.data
        store = "store-url" if pg_mode() else "plumb.db"  # on PostgreSQL: its URL
        paths = [os.path.join(data, n) for n in ("credentials.json", store, "session.key")]
        self.assertTrue(all(os.path.exists(p) for p in paths[:2]))
        out = os.path.join(self.tmp, "reads.json")
        self.rule("sbx-reads", "reads", "AWS::EC2::Instance",
                  {"paths": paths + [self.handler], "out": out})
        seen = self.wait_file(out)
        for p in paths:
            self.assertIn(seen[p], ("ENOENT", "EACCES"), seen)
        self.assertEqual(seen[self.handler], "read")
        if os.geteuid() == 0:
            self.assertEqual(seen["uid"], 65534)  # nobody, not root

    def test_setsid_grandchild_dies_with_the_timeout(self):
        fifo = os.path.join(self.tmp, "escape.fifo")
        os.mkfifo(fifo)
        os.chmod(fifo, 0o666)
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        self.addCleanup(os.close, fd)
        self.rule("sbx-escapes", "escapes", "AWS::EC2::SecurityGroup", {"fifo": fifo},
                  timeout=3)
        self.assertEqual(self.read_fifo(fd, first=True), b"r\n")  # the grandchild ran ...
        # ... and is gone: every writer closed. (The rule may run twice on the resource, by the
        # new rule's first evaluation and by the change: each run's grandchild says "r".)
        while True:
            got = self.read_fifo(fd)
            if not got:
                break
            self.assertEqual(set(got.split()), {b"r"}, got)

    def test_deleted_function_leaves_no_warm_worker(self):
        fifo = os.path.join(self.tmp, "held.fifo")
        os.mkfifo(fifo)
        os.chmod(fifo, 0o666)
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        self.addCleanup(os.close, fd)
        self.rule("sbx-holds", "holds", "AWS::EC2::NetworkInterface", {"fifo": fifo})
        self.assertEqual(self.read_fifo(fd, first=True), b"h\n")  # a warm worker holds it
        status, out = signed_call(self.server.url, "PlumbService.DeleteFunction",
                                  json.dumps({"FunctionName": "sbx-holds"}), key=self.key,
                                  secret=self.secret)
        self.assertEqual(status, 200, out)
        self.assertEqual(self.read_fifo(fd), b"")  # the idle worker was killed at once

    def read_fifo(self, fd, first=False):
        """The next bytes of the FIFO, or b"" at EOF (no writer left), waiting up to WAIT.
        first: no writer has opened it yet (a FIFO reads EOF until one does)."""
        deadline = time.time() + WAIT
        while True:
            try:
                got = os.read(fd, 64)
                if got or not first:
                    return got
                time.sleep(0.02)  # the function has not opened it yet
            except BlockingIOError:
                select.select([fd], [], [], max(0, deadline - time.time()))
            self.assertLess(time.time(), deadline, self.server.read_log()[-3000:])

    def test_fork_bomb_stops_and_plumb_keeps_serving(self):
        out = os.path.join(self.tmp, "forks.json")
        self.rule("sbx-forks", "forks", "AWS::EC2::Volume", {"out": out})
        seen = self.wait_file(out)
        self.assertGreater(seen["forked"], 0)
        self.assertLess(seen["forked"], 1000, seen)
        self.assertEqual(seen["error"], "EAGAIN")
        # while the bomb's children live: plumb answers, and another function still runs
        self.assertIn("ConfigRules", self.cfg.describe_config_rules())
        out2 = os.path.join(self.tmp, "after.json")
        self.rule("sbx-after", "reads", "AWS::S3::Bucket", {"paths": [self.handler],
                                                            "out": out2})
        self.assertEqual(self.wait_file(out2)[self.handler], "read")


if __name__ == "__main__":
    unittest.main()
