"""test_readme.py — the README's quick start works as written, from the repository alone.

Each ```sh block of the quick start is run with bash in the repository's root, against a real
`plumb serve --auth sigv4` with the key it created (only the port, the data directory and the
plumb binary are substituted); each output block that follows a command block must appear in
what the commands printed (lines with timings or ellipses are compared up to them). Rule
results are asynchronous: a block whose output does not match yet is run again (its commands
are idempotent) until it does or a deadline passes. Nothing in the quick start may read
../shared."""
import os
import re
import subprocess
import time
import unittest

from harness import PLUMB, ROOT, Server

README = os.path.join(ROOT, "README.md")


def quick_start_blocks():
    with open(README) as f:
        text = f.read()
    start = text.index("## Quick start")
    end = text.index("Run every test", start)
    blocks = re.findall(r"```(\w*)\n(.*?)```", text[start:end], re.S)
    return blocks


def wanted_lines(block):
    out = []
    for line in block.splitlines():
        line = re.sub(r"\(\d+\.\d s, \d+ CIs/s\)", "", line)
        line = line.split("...")[0].rstrip()
        if line:
            out.append(line)
    return out


class QuickStart(unittest.TestCase):
    def test_quick_start_as_written(self):
        blocks = quick_start_blocks()
        self.assertGreater(len(blocks), 4)
        for lang, body in blocks:
            self.assertNotIn("../shared", body)
        server = Server(auth="sigv4").start()
        try:
            log = ""
            deadline = time.time() + 20
            while "export AWS_ACCESS_KEY_ID" not in log and time.time() < deadline:
                log = server.read_log()
                time.sleep(0.05)
            exports = "\n".join(l for l in log.splitlines() if l.startswith("export "))
            self.assertIn("AWS_SECRET_ACCESS_KEY", exports)
            env = dict(os.environ)
            env.pop("AWS_ACCESS_KEY_ID", None)
            env.pop("AWS_SECRET_ACCESS_KEY", None)
            prelude = exports.replace("127.0.0.1:7711", "127.0.0.1:%d" % server.port) + "\n"
            last_out, last_cmd = "", ""
            for lang, body in blocks[1:]:  # blocks[0] is `make run`
                if lang == "sh":
                    cmd = (body.replace("127.0.0.1:7711", "127.0.0.1:%d" % server.port)
                           .replace("./build/plumb", PLUMB)
                           .replace("./plumb-data", server.data))
                    last_cmd = cmd
                    last_out = self.run_sh(prelude + cmd, env)
                elif lang == "" and last_cmd:
                    want = wanted_lines(body)
                    until = time.time() + (90 if os.environ.get("PL_ASAN") else 30)
                    while any(w not in last_out for w in want) and time.time() < until:
                        time.sleep(0.3)
                        last_out = self.run_sh(prelude + last_cmd, env)
                    for w in want:
                        self.assertIn(w, last_out)
        finally:
            server.stop()
            server.cleanup()

    def run_sh(self, script, env):
        p = subprocess.run(["bash", "-e", "-c", script], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, "%s\n%s\n%s" % (script, p.stdout, p.stderr))
        return p.stdout + p.stderr


if __name__ == "__main__":
    unittest.main()
