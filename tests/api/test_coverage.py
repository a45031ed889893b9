"""test_coverage.py — ../shared/tools/api-coverage against a running plumb: every one of the 97
operations of the AWS Config model is answered properly (a 200 or an AWS error, never a 5xx or
a malformed answer), and the operations plumb serves stay served."""
import os
import re
import subprocess
import unittest

from harness import SHARED, ServerTest

TOOL = os.path.join(SHARED, "tools", "api-coverage", "api-coverage")
MIN_SERVED = 97  # every operation of the model: recorder, channel, resources, retention, tags, rules, compliance; packs, query (session 6); proactive evaluation (3), aggregators (18), remediation (8), organization rules and packs (11), SelectAggregateResourceConfig (session 7)


class Coverage(ServerTest):
    def test_api_coverage(self):
        p = subprocess.run(["python3", TOOL, self.server.url], capture_output=True, text=True,
                           timeout=600)
        self.assertEqual(p.returncode, 0, p.stdout[-3000:] + p.stderr[-2000:])
        m = re.search(r"(\d+) served, (\d+) missing, (\d+) broken of 97", p.stdout)
        self.assertIsNotNone(m, p.stdout[-2000:])
        served, _, broken = map(int, m.groups())
        self.assertEqual(broken, 0, p.stdout)
        self.assertGreaterEqual(served, MIN_SERVED, p.stdout)


if __name__ == "__main__":
    unittest.main()
