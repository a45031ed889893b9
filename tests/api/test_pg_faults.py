"""test_pg_faults.py — plumb serve on PostgreSQL when the database goes away.

A cluster of the test's own (tests/pg/pg-cluster, so that stopping it disturbs no other test;
skipped without PostgreSQL's binaries) is reached through a TCP proxy in this process.

- Network cut: the proxy drops every connection and refuses new ones; a request then fails
  with ServiceUnavailable (retryable: the aws CLI and SDKs retry it), not with an internal
  error; once the proxy lets connections through again the same request succeeds, on the same
  server process (its connections are reopened).
- Database restart: the cluster is stopped (pg_ctl stop -m fast); a request fails with
  ServiceUnavailable; the cluster is started again and requests succeed.

Readiness, not sleeps: each wait polls for the state it needs (a refused connection, the
server answering again)."""
import os
import shlex
import socket
import subprocess
import tempfile
import threading
import unittest

import botocore.exceptions

from harness import ROOT, Server, wait_for

CLUSTER = os.path.join(ROOT, "tests", "pg", "pg-cluster")


class Proxy:
    """Forwards 127.0.0.1:port to target; cut() drops and refuses connections, mend() ends
    that."""

    def __init__(self, target_port):
        self.target = target_port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.conns, self.is_cut = [], False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                if self.is_cut:
                    c.close()
                    continue
                try:
                    u = socket.create_connection(("127.0.0.1", self.target))
                except OSError:
                    c.close()
                    continue
                self.conns += [c, u]
            threading.Thread(target=self.pipe, args=(c, u), daemon=True).start()
            threading.Thread(target=self.pipe, args=(u, c), daemon=True).start()

    @staticmethod
    def pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self.lock:
            self.is_cut = True
            for c in self.conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()
            self.conns = []

    def mend(self):
        with self.lock:
            self.is_cut = False


def start_cluster(state):
    r = subprocess.run([CLUSTER, "start", state], capture_output=True, text=True, timeout=180)
    if r.returncode != 0:
        raise AssertionError(r.stderr)
    return r.stdout.strip() or None


def as_owner(args):
    return (["runuser", "-u", "plumbpg", "--"] if os.getuid() == 0 else []) + args


class PgFaults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.state = tempfile.mkdtemp(prefix="plumb-pgfault-state-")
        cls.url = start_cluster(cls.state)
        if not cls.url:
            raise unittest.SkipTest("no PostgreSQL binaries")
        with open(os.path.join(cls.state, "dir")) as f:
            cls.pgdata = os.path.join(f.read().strip(), "data")
        with open(os.path.join(cls.state, "bin")) as f:
            cls.pgbin = f.read().strip()
        port = int(cls.url.rsplit(":", 1)[1].split("/")[0])
        cls.proxy = Proxy(port)
        cls.server = Server(extra=["--no-workers"])
        with open(os.path.join(cls.server.data, "store-url"), "w") as f:
            f.write("postgres://postgres@127.0.0.1:%d/plumb\n" % cls.proxy.port)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        subprocess.run([CLUSTER, "stop", cls.state], capture_output=True, timeout=120)

    def call(self):
        return self.server.client().describe_config_rules()

    def error_code(self):
        try:
            self.call()
            return None
        except botocore.exceptions.ClientError as e:
            return e.response["Error"]["Code"]

    def test_network_cut(self):
        self.assertIn("ConfigRules", self.call())
        self.proxy.cut()
        try:
            self.assertEqual(self.error_code(), "ServiceUnavailable")
        finally:
            self.proxy.mend()
        wait_for(lambda: self.error_code() is None, 60, "requests after the cut")
        self.assertIn("ConfigRules", self.call())

    def pg_ctl(self, *args):
        subprocess.run(as_owner([os.path.join(self.pgbin, "pg_ctl"), "-D", self.pgdata, "-w"] +
                                list(args)), check=True, capture_output=True, timeout=120)

    def test_database_restart(self):
        self.assertIn("ConfigRules", self.call())
        # the server's own options, for the start after the stop (pg_ctl restart reads them
        # the same way)
        with open(os.path.join(self.pgdata, "postmaster.opts")) as f:
            words = shlex.split(f.read())[1:]
        opts = [w for i, w in enumerate(words)
                if w != "-D" and (i == 0 or words[i - 1] != "-D")]
        self.pg_ctl("-m", "fast", "stop")
        try:
            self.assertEqual(self.error_code(), "ServiceUnavailable")
        finally:
            self.pg_ctl("-l", os.path.join(os.path.dirname(self.pgdata), "server.log"),
                        "-o", " ".join(shlex.quote(w) for w in opts), "start")
        wait_for(lambda: self.error_code() is None, 60, "requests after the restart")
        self.assertIn("ConfigRules", self.call())


if __name__ == "__main__":
    unittest.main()
