"""test_slow_headers.py — request headers have an absolute deadline (--header-timeout).

5,000 sockets from 100 loopback addresses (127.1.0.1-100, 50 each: under the per-address limit
of 64, so every one is accepted) send the start of a request and never finish its headers; half
stay silent, half trickle a header byte every 0.5 s, which resets the idle timeout (set to 60 s
here) forever. With --header-timeout 2 the server closes every one of them 2 s (plus the
sweeper's tick) after it was accepted, and meanwhile SigV4-signed boto3 calls and GET /healthz
from 127.0.0.1 are answered, on a kept-alive connection that the deadline leaves alone.

ServerFull: with --max-connections 1000 an attacker keeps 3,000 unfinished requests queued and
reconnects every socket the server closes, so the server is always full; the deadline keeps the
queue moving, and each legitimate call is answered within a few deadlines (without it, the
server would stay full for the 60 s idle timeout).

SlowBody: with --body-timeout 2 (and --header-timeout 10, so that only the body's deadline can
cut them), 200 sockets that send complete headers and then trickle the
body a byte every 0.5 s (so the idle timeout never fires) are closed 2 s after their headers,
counted in plumb_http_body_timeouts_total, while signed calls keep being answered."""
import errno
import os
import resource
import select
import socket
import threading
import time
import unittest
import urllib.request

import botocore.exceptions

from harness import ACCOUNT, Server

SLOW = 3 if os.environ.get("PL_ASAN") else 1
DEADLINE = 2
ADDRS, PER_ADDR = 100, 50
PARTIAL = b"POST / HTTP/1.1\r\nHost: plumb\r\n"


class SigV4Server(unittest.TestCase):
    """Base: a --auth sigv4 server with EXTRA flags, and cls.cfg signed with its first key."""
    EXTRA = ()

    @classmethod
    def setUpClass(cls):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        cls.server = Server(auth="sigv4", extra=["--header-timeout", str(DEADLINE),
                                                 "--idle-timeout", "60"] +
                            list(cls.EXTRA)).start()
        key, secret = cls.server.first_key(ACCOUNT)
        cls.cfg = cls.server.client(key=key, secret=secret)
        cls.cfg.describe_configuration_recorders()  # the key works before the attack

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()


def attacker_socket(addr, port):
    s = socket.socket()
    s.setblocking(False)
    s.bind((addr, 0))
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    return s


def collect_closed(test, ep, timeout, socks, closed, what):
    """Waits up to timeout on ep for sockets the server closed: each must read EOF (no answer,
    what), and gets closed[fd] = seconds from its opening to the close."""
    for fd, ev in ep.poll(timeout):
        s, t_open = socks[fd]
        try:
            data = s.recv(4096)
        except OSError as e:
            test.assertIn(e.errno, (errno.ECONNRESET, errno.EPIPE))
            data = b""
        test.assertEqual(data, b"", what)
        closed[fd] = time.monotonic() - t_open
        ep.unregister(fd)


class SlowHeaders(SigV4Server):
    def open_attack(self):
        """Opens ADDRS*PER_ADDR sockets that each send PARTIAL; returns {fd: [sock, t_open]}."""
        socks = {}
        for a in range(1, ADDRS + 1):
            for _ in range(PER_ADDR):
                s = attacker_socket("127.1.0.%d" % a, self.server.port)
                socks[s.fileno()] = [s, time.monotonic()]
        ep = select.epoll()
        for fd in socks:
            ep.register(fd, select.EPOLLOUT)
        pending = set(socks)
        limit = time.monotonic() + 20 * SLOW
        while pending and time.monotonic() < limit:
            for fd, ev in ep.poll(1):
                if fd in pending:
                    pending.discard(fd)
                    ep.unregister(fd)
                    socks[fd][0].send(PARTIAL)
        ep.close()
        self.assertFalse(pending, "%d sockets never connected" % len(pending))
        return socks

    def legit(self, stop, times, errors):
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                with urllib.request.urlopen(self.server.url + "/healthz",
                                            timeout=10 * SLOW) as r:
                    self.assertEqual(r.read(), b"ok\n")
                self.cfg.describe_configuration_recorders()
                self.cfg.describe_config_rules()
                times.append(time.monotonic() - t0)
            except (OSError, botocore.exceptions.BotoCoreError,
                    botocore.exceptions.ClientError) as e:
                errors.append(repr(e))
            stop.wait(0.1)

    def trickle(self, stop, socks, closed):
        while not stop.is_set():
            for fd, (s, _) in list(socks.items()):
                if fd % 2 == 0 and fd not in closed:
                    try:
                        s.send(b"X")
                    except OSError:
                        pass
            stop.wait(0.5)

    def test_slow_headers_are_closed_at_the_deadline(self):
        socks = self.open_attack()
        closed = {}  # fd -> seconds from open to the server's close
        stop = threading.Event()
        times, errors = [], []
        threads = [threading.Thread(target=self.legit, args=(stop, times, errors)),
                   threading.Thread(target=self.trickle, args=(stop, socks, closed))]
        for t in threads:
            t.start()
        try:
            ep = select.epoll()
            for fd in socks:
                ep.register(fd, select.EPOLLIN | select.EPOLLRDHUP)
            limit = time.monotonic() + DEADLINE + 20 * SLOW
            while len(closed) < len(socks) and time.monotonic() < limit:
                collect_closed(self, ep, 1, socks, closed, "an unfinished request got an answer")
            ep.close()
        finally:
            stop.set()
            for t in threads:
                t.join()
            for s, _ in socks.values():
                s.close()
        self.assertEqual(len(closed), len(socks), "sockets still open past the deadline")
        trickled = [v for fd, v in closed.items() if fd % 2 == 0]
        self.assertGreaterEqual(min(closed.values()), DEADLINE - 0.1)
        self.assertLess(max(trickled), DEADLINE + 10 * SLOW)
        self.assertEqual(errors, [])
        self.assertGreater(len(times), 5)
        # the signed calls keep being answered: all succeed, nearly all at once; one may wait
        # out a dropped SYN's retransmits (seen once in CI: 57 s, the 24th call, while the
        # kernel's accept queue was full of the 5,000 attack sockets), which is the kernel's
        # queue, not plumb's answer time
        slow = [t for t in times if t >= 5 * SLOW]
        self.assertLessEqual(len(slow), 1, times)
        self.assertLess(sorted(times)[len(times) // 2], SLOW, times)
        with urllib.request.urlopen(self.server.url + "/metrics", timeout=10) as r:
            line = [l for l in r.read().decode().splitlines()
                    if l.startswith("plumb_http_header_timeouts_total ")][0]
        self.assertGreaterEqual(int(line.split()[1]), len(socks))
        print("\n%d slow sockets closed after %.2f-%.2f s; %d legit rounds, max %.3f s" %
              (len(closed), min(closed.values()), max(closed.values()), len(times), max(times)))


class ServerFull(SigV4Server):
    EXTRA = ("--max-connections", "1000")
    HELD = 3000  # from 100 addresses, 30 each

    def attack(self, stop, state):
        """Keeps HELD unfinished requests open or queued, reconnecting each one closed."""
        ep = select.epoll()
        socks = {}

        def open_one(addr):
            s = attacker_socket(addr, self.server.port)
            socks[s.fileno()] = (s, addr)
            ep.register(s.fileno(), select.EPOLLOUT)

        for i in range(self.HELD):
            open_one("127.2.0.%d" % (1 + i % 100))
        while not stop.is_set():
            for fd, ev in ep.poll(0.2):
                s, addr = socks[fd]
                if ev & select.EPOLLOUT and not ev & (select.EPOLLHUP | select.EPOLLERR):
                    try:
                        s.send(PARTIAL)
                        ep.modify(fd, select.EPOLLIN | select.EPOLLRDHUP)
                        continue
                    except OSError:
                        pass
                ep.unregister(fd)
                del socks[fd]
                s.close()
                state["closed"] += 1
                state["cycled"].set()
                open_one(addr)
        for s, _ in socks.values():
            s.close()
        ep.close()

    def test_full_server_still_answers(self):
        stop = threading.Event()
        state = {"closed": 0, "cycled": threading.Event()}
        t = threading.Thread(target=self.attack, args=(stop, state))
        t.start()
        times = []
        try:
            # the first deadline has passed: the server was full and the attacker reconnects
            self.assertTrue(state["cycled"].wait(DEADLINE + 30 * SLOW))
            for _ in range(3):
                t0 = time.monotonic()
                with urllib.request.urlopen(self.server.url + "/healthz",
                                            timeout=60 * SLOW) as r:
                    self.assertEqual(r.read(), b"ok\n")
                self.cfg.describe_configuration_recorders()
                times.append(time.monotonic() - t0)
            closed_during = state["closed"]
        finally:
            stop.set()
            t.join()
        bound = (self.HELD / 1000 + 3) * DEADLINE * SLOW
        self.assertLess(max(times), bound, times)
        self.assertGreater(closed_during, 1000)
        print("\nserver full (1,000 of %d held): legit rounds %s s, %d attacker sockets closed" %
              (self.HELD, ", ".join("%.2f" % x for x in times), closed_during))


class SlowBody(SigV4Server):
    EXTRA = ("--body-timeout", str(DEADLINE), "--header-timeout", "10")
    N = 200
    HEAD = (b"POST / HTTP/1.1\r\nHost: plumb\r\nContent-Type: application/x-amz-json-1.1\r\n"
            b"X-Amz-Target: StarlingDoveService.DescribeConfigRules\r\n"
            b"Content-Length: 1000\r\n\r\n{")

    def test_slow_bodies_are_closed_at_the_deadline(self):
        socks = {}
        for i in range(self.N):
            s = socket.create_connection(("127.0.0.1", self.server.port),
                                         source_address=("127.2.0.%d" % (1 + i % 10), 0))
            s.sendall(self.HEAD)
            socks[s.fileno()] = [s, time.monotonic()]
        closed = {}
        ep = select.epoll()
        for fd in socks:
            ep.register(fd, select.EPOLLIN | select.EPOLLRDHUP)
        limit = time.monotonic() + DEADLINE + 20 * SLOW
        next_byte = time.monotonic()
        try:
            while len(closed) < len(socks) and time.monotonic() < limit:
                if time.monotonic() >= next_byte:  # keep every body trickling
                    for fd, (s, _) in socks.items():
                        if fd not in closed:
                            try:
                                s.send(b" ")
                            except OSError:
                                pass
                    next_byte = time.monotonic() + 0.5
                    self.cfg.describe_config_rules()  # signed calls are still answered
                collect_closed(self, ep, 0.1, socks, closed, "an unfinished body got an answer")
        finally:
            ep.close()
            for s, _ in socks.values():
                s.close()
        self.assertEqual(len(closed), len(socks), "sockets still open past the body deadline")
        self.assertGreaterEqual(min(closed.values()), DEADLINE - 0.1)
        self.assertLess(max(closed.values()), DEADLINE + 10 * SLOW)
        with urllib.request.urlopen(self.server.url + "/metrics", timeout=10) as r:
            m = dict(l.split() for l in r.read().decode().splitlines()
                     if l.startswith("plumb_http_") and "_timeouts_total " in l)
        self.assertEqual(int(m["plumb_http_body_timeouts_total"]), len(socks))
        self.assertEqual(int(m["plumb_http_header_timeouts_total"]), 0)
        print("\n%d slow bodies closed after %.2f-%.2f s" %
              (len(closed), min(closed.values()), max(closed.values())))


if __name__ == "__main__":
    unittest.main()
