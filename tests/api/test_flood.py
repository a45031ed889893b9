"""test_flood.py — idle and trickling connections from one client do not stop the server.

An attacker at 127.0.0.2 (all of 127/8 is loopback) opens 5,000 idle sockets and 50 slowloris
sockets that trickle header bytes; meanwhile boto3 calls and GET /healthz from 127.0.0.1 keep
being answered (1,000 idle sockets used to stop the server for everyone). The per-address limit
(--max-connections-per-ip) is what holds: the attacker's sockets beyond it are closed at once."""
import os
import resource
import socket
import threading
import time
import unittest
import urllib.request

from harness import ServerTest

SLOW = 3 if os.environ.get("PL_ASAN") else 1


class Flood(ServerTest):
    def setUp(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        self.socks = []

    def tearDown(self):
        for s in self.socks:
            s.close()

    def attack(self, n):
        for _ in range(n):
            s = socket.socket()
            s.setblocking(False)
            s.bind(("127.0.0.2", 0))
            try:
                s.connect(("127.0.0.1", self.server.port))
            except BlockingIOError:
                pass
            except OSError:
                s.close()
                continue
            self.socks.append(s)

    def legit(self):
        t0 = time.time()
        with urllib.request.urlopen(self.server.url + "/healthz", timeout=10 * SLOW) as r:
            self.assertEqual(r.status, 200)
        self.cfg.describe_configuration_recorders()
        return time.time() - t0

    def test_idle_and_slowloris_flood(self):
        n = min(5000, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 200)
        self.attack(n)
        stop = threading.Event()
        slow = []
        for _ in range(50):
            s = socket.create_connection(("127.0.0.1", self.server.port),
                                         source_address=("127.0.0.2", 0))
            slow.append(s)
        self.socks += slow

        def trickle():
            i = 0
            while not stop.is_set():
                for s in slow:
                    try:
                        s.send(b"POST / HTTP/1.1\r\n"[i % 17:i % 17 + 1] or b"X")
                    except OSError:
                        pass
                i += 1
                stop.wait(0.5)

        t = threading.Thread(target=trickle)
        t.start()
        try:
            times = [self.legit() for _ in range(20)]
        finally:
            stop.set()
            t.join()
        self.assertLess(max(times), 10 * SLOW, times)
        for s in self.socks:
            s.close()
        self.socks = []
        self.assertLess(self.legit(), 10 * SLOW)


if __name__ == "__main__":
    unittest.main()
