"""harness.py — starts a real `plumb serve` for API tests and gives boto3 / aws CLI clients.

Each test class gets its own server on a free loopback port with a fresh data directory.
Environment:
  PLUMB_BIN   the plumb binary (default: build/plumb next to this tree, set by ctest)
  PL_ASAN     set under the sanitizer build (longer timeouts)
  PLUMB_TEST_STORE=pg with PLUMB_TEST_PG_URL (a postgres:// URL of the test cluster's
              maintenance database, tests/pg/pg-cluster): each server's data directory is bound
              (DATA/store-url) to a fresh PostgreSQL database, dropped at cleanup; the URL may
              instead be in the file PLUMB_TEST_PG_URL_FILE names (ctest's fixture "pg" picks
              the port when the cluster starts). No URL (no PostgreSQL binaries): exit 77, the
              suite is skipped. Tests that read SQLite's file are @sqlite_only.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import boto3
import botocore.config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("PL_SHARED_DIR", os.path.join(os.path.dirname(ROOT), "shared"))
PLUMB = os.environ.get("PLUMB_BIN", os.path.join(ROOT, "build", "plumb"))
ACCOUNT = "123456789012"


def pg_mode():
    return os.environ.get("PLUMB_TEST_STORE") == "pg"


def _pg_url_from_file():
    """PLUMB_TEST_PG_URL from PLUMB_TEST_PG_URL_FILE; exits 77 (skipped) without a cluster."""
    if not pg_mode() or os.environ.get("PLUMB_TEST_PG_URL"):
        return
    path = os.environ.get("PLUMB_TEST_PG_URL_FILE")
    try:
        with open(path or "") as f:
            url = f.read().strip()
    except OSError:
        url = ""
    if not url:
        sys.stderr.write("harness: PLUMB_TEST_STORE=pg without a cluster URL: skipped\n")
        sys.exit(77)
    os.environ["PLUMB_TEST_PG_URL"] = url


_pg_url_from_file()


def store_scalar(data, sql):
    """The first column of the first row of sql (read-only) over the store of data directory
    data, on either backend: SQLite's plumb.db, or the database its store-url names."""
    url_file = os.path.join(data, "store-url")
    if os.path.exists(url_file):
        with open(url_file) as f:
            url = f.read().strip()
        out = subprocess.run(["psql", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                             check=True, capture_output=True, text=True, timeout=120)
        return out.stdout.split("\n")[0]
    import sqlite3
    db = sqlite3.connect("file:%s/plumb.db?mode=ro" % data, uri=True)
    try:
        return db.execute(sql).fetchone()[0]
    finally:
        db.close()


def sqlite_only(reason):
    """Skips a test (or class) on PostgreSQL: it reads SQLite's own file or behaviour."""
    return unittest.skipIf(pg_mode(), "SQLite only: " + reason)


def psql(url, sql):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql], check=True,
                   capture_output=True, text=True, timeout=120)


def pg_database(data):
    """Creates a fresh database on the test cluster and binds directory data to it; its URL."""
    base = os.environ["PLUMB_TEST_PG_URL"]
    name = "plumb_" + os.path.basename(data.rstrip("/")).replace("-", "_").lower()
    psql(base, "CREATE DATABASE %s" % name)
    import urllib.parse
    url = urllib.parse.urlsplit(base)._replace(path="/" + name).geturl()
    with open(os.path.join(data, "store-url"), "w") as f:
        f.write(url + "\n")
    return name


def pg_drop(name):
    psql(os.environ["PLUMB_TEST_PG_URL"], "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)


def wait_for(fn, timeout=120, what="condition", ignore=()):
    """Polls fn() until it is true (a readiness wait: the deadline is a safety net, not a
    clock the test races); returns fn()'s value. An exception of a class in ignore (a class
    or a tuple) counts as not yet (a server that does not answer at first)."""
    deadline = time.time() + (timeout * 3 if os.environ.get("PL_ASAN") else timeout)
    while True:
        try:
            v = fn()
        except ignore:
            v = None
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


def start_moto(port):
    """A moto_server on loopback port, once it answers: (process, URL)."""
    import urllib.request
    proc = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = "http://127.0.0.1:%d" % port
    wait_for(lambda: urllib.request.urlopen(url + "/moto-api/").status == 200, what="moto",
             ignore=Exception)
    return proc, url


def forward_http(handler, upstream, body):
    """Sends the request a BaseHTTPRequestHandler holds (body already read) to upstream and
    writes upstream's answer back (the test proxies in front of moto)."""
    import urllib.error
    import urllib.request
    hdrs = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
    req = urllib.request.Request(upstream + handler.path, data=body, headers=hdrs,
                                 method=handler.command)
    try:
        with urllib.request.urlopen(req) as resp:
            status, data, rh = resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as e:
        status, data, rh = e.code, e.read(), e.headers
    handler.send_response(status)
    for k, v in rh.items():
        if k.lower() not in ("content-length", "transfer-encoding", "connection", "server",
                             "date"):
            handler.send_header(k, v)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def pack_state(cfg, name):
    """The conformance pack's ConformancePackState, or None when it does not exist."""
    try:
        st = cfg.describe_conformance_pack_status(ConformancePackNames=[name])
    except cfg.exceptions.NoSuchConformancePackException:
        return None
    return st["ConformancePackStatusDetails"][0]["ConformancePackState"]


def put_pack(cfg, **kw):
    """PutConformancePack, then waits for its deploy (plumb deploys through the outbox, as AWS
    answers before the stack is created): the pack leaves CREATE_IN_PROGRESS."""
    out = cfg.put_conformance_pack(**kw)
    name = kw["ConformancePackName"]
    wait_for(lambda: pack_state(cfg, name) != "CREATE_IN_PROGRESS", what="deploy of " + name)
    return out


def delete_pack(cfg, ConformancePackName):
    """DeleteConformancePack, then waits until the pack is gone (or DELETE_FAILED)."""
    out = cfg.delete_conformance_pack(ConformancePackName=ConformancePackName)
    wait_for(lambda: pack_state(cfg, ConformancePackName) != "DELETE_IN_PROGRESS",
             what="delete of " + ConformancePackName)
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A plumb serve process. auth: 'open' or 'sigv4'."""

    def __init__(self, auth="open", extra=(), data=None):
        self.port = free_port()
        self.own_data = data is None
        self.data = data or tempfile.mkdtemp(prefix="plumb-api-")
        self.url = "http://127.0.0.1:%d" % self.port
        self.auth = auth
        self.extra = list(extra)
        self.proc = None
        self.log_path = os.path.join(self.data, "serve.log")
        self.pg_name = pg_database(self.data) if pg_mode() and self.own_data else None

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [PLUMB, "serve", "--listen", "127.0.0.1:%d" % self.port, "--data", self.data,
             "--auth", self.auth] + self.extra,
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + (60 if os.environ.get("PL_ASAN") else 20)
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("plumb serve exited: %s" % self.read_log())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("plumb serve did not start: %s" % self.read_log())

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            rc = self.proc.returncode
            self.proc = None
            self.log.close()
            return rc
        return None

    def cleanup(self):
        self.stop()
        if self.own_data:
            shutil.rmtree(self.data, ignore_errors=True)
        if self.pg_name:
            pg_drop(self.pg_name)
            self.pg_name = None

    def first_key(self, account):
        """(access key id, secret) of the account's first key in credentials.json, once a
        --auth sigv4 server has written the file."""
        path = os.path.join(self.data, "credentials.json")
        deadline = time.time() + (60 if os.environ.get("PL_ASAN") else 20)
        while not os.path.exists(path):
            assert time.time() < deadline, self.read_log()
            time.sleep(0.05)
        keys = json.loads(plumb("credentials", "list", "--json", "--data", self.data).stdout)
        key = [k for k in keys if k["account"] == account][0]["accessKeyId"]
        with open(path) as f:
            return key, json.load(f)[key]["secret"]

    def client(self, service="config", key=ACCOUNT, secret="test", region="us-east-1"):
        return boto3.client(
            service, endpoint_url=self.url, region_name=region, aws_access_key_id=key,
            aws_secret_access_key=secret,
            config=botocore.config.Config(retries={"max_attempts": 1}))

    def cli(self, *args, key=ACCOUNT, secret="test", region="us-east-1", check=True):
        """Runs `aws configservice ARGS --endpoint-url URL`; returns (rc, parsed stdout, stderr)."""
        env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_DEFAULT_REGION=region, AWS_MAX_ATTEMPTS="1", AWS_RETRY_MODE="standard")
        env.pop("AWS_PROFILE", None)
        p = subprocess.run(["aws", "configservice"] + list(args) +
                           ["--endpoint-url", self.url, "--output", "json"],
                           env=env, capture_output=True, text=True, timeout=120)
        try:
            out = json.loads(p.stdout) if p.stdout.strip() else None
        except ValueError:
            out = p.stdout  # commands such as get-status print text
        if check and p.returncode != 0:
            raise AssertionError("aws %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr))
        return p.returncode, out, p.stderr


def signed_call(url, target, body_text, key=ACCOUNT, secret="x", region="us-east-1"):
    """POST body_text (written by hand: boto3 cannot send every hostile value) with
    X-Amz-Target target, SigV4-signed as botocore signs; returns (HTTP status, parsed body)."""
    import urllib.error
    import urllib.request
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    data = body_text.encode()
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=url + "/", data=data,
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret), "config",
                            region).add_auth(req)
    p = req.prepare()
    r = urllib.request.Request(p.url, data=data, method="POST", headers=dict(p.headers))
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def plumb(*args, input=None, check=True):
    p = subprocess.run([PLUMB] + list(args), input=input, capture_output=True, text=True,
                       timeout=600)
    if check and p.returncode != 0:
        raise AssertionError("plumb %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr))
    return p


class ServerTest(unittest.TestCase):
    """Base class: one server per test class (auth mode from AUTH)."""
    AUTH = "open"
    EXTRA = ()

    @classmethod
    def setUpClass(cls):
        server = Server(auth=cls.AUTH, extra=cls.EXTRA)
        # also when a subclass's setUpClass fails after this (tearDownClass is not run then):
        # the server, its directory and its PostgreSQL database do not outlive the test
        cls.addClassCleanup(server.cleanup)
        cls.server = server.start()
        cls.cfg = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def record(self, ci):
        """Records one CI (a dict) with `plumb record --data` on the server's directory."""
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(ci, f)
        try:
            plumb("record", "--data", self.server.data, f.name)
        finally:
            os.unlink(f.name)

    def assertAwsError(self, code, fn, *args, **kwargs):
        import botocore.exceptions
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(*args, **kwargs)
        self.assertEqual(cm.exception.response["Error"]["Code"], code,
                         cm.exception.response)
        status = cm.exception.response["ResponseMetadata"]["HTTPStatusCode"]
        self.assertIn(status, (400, 403), cm.exception.response)
        return cm.exception

    def wait_for(self, what, fn, timeout=120):
        """wait_for(fn) for the test: a timeout fails it with the tail of the server's log."""
        try:
            return wait_for(fn, timeout, what)
        except AssertionError as e:
            self.fail("%s\n%s" % (e, self.server.read_log()[-4000:]))

    def plumb_call(self, op, body):
        """Calls PlumbService.<op> with body (a dict), SigV4-signed; returns the parsed answer."""
        status, out = signed_call(self.server.url, "PlumbService." + op, json.dumps(body))
        if status != 200:
            raise AssertionError("%s: HTTP %d %s" % (op, status, out))
        return out

    def setup_recorder(self, client=None, start=True):
        c = client or self.cfg
        c.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::123456789012:role/ConfigRole",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
        c.put_delivery_channel(DeliveryChannel={"name": "default",
                                                "s3BucketName": "my-config-bucket-123456789012"})
        if start:
            c.start_configuration_recorder(ConfigurationRecorderName="default")
