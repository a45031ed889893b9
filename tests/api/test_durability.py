"""test_durability.py — nothing acknowledged is lost: plumb serve is killed with SIGKILL in the
middle of concurrent PutResourceConfig calls; after a restart on the same data directory every
call that got a 200 is there, the database passes SQLite's integrity check, and the work queued
by the recorder (the outbox) is picked up again and drained."""
import os
import signal
import subprocess
import threading
import time
import unittest
import urllib.request

import botocore.exceptions

from harness import Server, ServerTest
from test_foundation import third_party_ci

TYPE = "MyCompany::Inventory::Server"


class KillNine(ServerTest):
    def test_acknowledged_writes_survive_sigkill(self):
        self.setup_recorder()
        acked, lock, stop = [], threading.Lock(), threading.Event()

        def writer(w):
            c = self.server.client()
            i = 0
            while not stop.is_set():
                ci = third_party_ci(w * 100000 + i)
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
        time.sleep(1.0)
        self.server.stop(signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        self.assertGreater(len(acked), 20)

        db = os.path.join(self.server.data, "plumb.db")
        check = subprocess.run(["sqlite3", db, "PRAGMA integrity_check"], capture_output=True,
                               text=True, timeout=120)
        self.assertEqual(check.stdout.strip(), "ok", check.stderr)

        again = Server(data=self.server.data).start()
        try:
            c = again.client()
            for k in range(0, len(acked), 100):
                keys = [{"resourceType": TYPE, "resourceId": rid} for rid in acked[k:k + 100]]
                got = c.batch_get_resource_config(resourceKeys=keys)["baseConfigurationItems"]
                self.assertEqual(sorted(i["resourceId"] for i in got),
                                 sorted(acked[k:k + 100]))
            # queued work resumes: the outbox drains after the restart
            deadline = time.time() + (300 if os.environ.get("PL_ASAN") else 120)
            while True:
                with urllib.request.urlopen(again.url + "/metrics", timeout=10) as r:
                    text = r.read().decode()
                pending = [l for l in text.splitlines() if l.startswith("plumb_outbox_pending")]
                if pending and float(pending[0].split()[-1]) == 0:
                    break
                self.assertLess(time.time(), deadline, pending)
                time.sleep(0.2)
        finally:
            again.stop()


if __name__ == "__main__":
    unittest.main()
