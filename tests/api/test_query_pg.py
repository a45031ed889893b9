"""Advanced query on PostgreSQL gives SQLite's answers (select.c's two dialects).

PostgreSQL only (apipg_test_query_pg; skipped in the SQLite run): the estate of
tests/data/query/estate.json is recorded into a SQLite data directory, copied with
`plumb store copy` into a fresh PostgreSQL database, and every query of cases.json (and a few
more on SQLite's cross-type semantics, as of past moments) must print the same through
`plumb query` on both, errors included. Independent of the recorder's own PostgreSQL path, which
apipg_test_query covers.
"""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import ROOT, SHARED, pg_database, pg_drop, pg_mode, plumb

DATA = os.path.join(ROOT, "tests", "data", "query")
ACCOUNT, REGION = "123456789012", "us-east-1"

# SQLite's semantics the PostgreSQL functions (pg_schema.c) must keep: numbers and booleans sort
# before text, booleans are 1/0, JSON null is NULL, text compares by bytes
EXTRA = [
    "SELECT resourceId WHERE configuration.size > 'a'",
    "SELECT resourceId WHERE configuration.size < 'a'",
    "SELECT resourceId WHERE configuration.state.value > 5",
    "SELECT resourceId WHERE configuration.state.value < 5",
    "SELECT resourceId WHERE configuration.encrypted = 1",
    "SELECT resourceId WHERE configuration.encrypted < 1",
    "SELECT resourceId WHERE NOT configuration.size = 8",
    "SELECT resourceId WHERE configuration.size IN (8, 100, 'x')",
    "SELECT resourceId WHERE resourceName > 'a' ORDER BY resourceName DESC",
    "SELECT resourceId, configuration.size ORDER BY configuration.size, resourceId",
    "SELECT resourceId ORDER BY configuration.state.value DESC, resourceId",
    "SELECT MIN(configuration.encrypted), MAX(configuration.encrypted), COUNT(configuration.size)",
    "SELECT configuration.encrypted, COUNT(*) GROUP BY configuration.encrypted",
    "SELECT resourceType, MAX(resourceId) GROUP BY resourceType ORDER BY MAX(resourceId) DESC",
    "SELECT AVG(configuration.iops), SUM(configuration.iops)",
    "SELECT resourceId WHERE resourceId LIKE 'vol-0t%' OR resourceId LIKE 'vol-a416b17_'",
    "SELECT resourceId WHERE configuration.ipPermissions.ipRanges BETWEEN '0.0.0.0' AND '1.0.0.0'",
    "SELECT resourceId WHERE tags.value > 'p'",
    "SELECT resourceId WHERE relationships.resourceType LIKE 'AWS::EC2::V%'",
    # 800 values: pl_qcmp is plpgsql so that planning this stays cheap (pg_schema.c)
    "SELECT resourceId WHERE " + " OR ".join(
        "configuration.size IN (%s)" % ", ".join(str(j) for j in range(20)) for i in range(40)),
]


@unittest.skipUnless(pg_mode(), "PostgreSQL only (apipg_test_query_pg)")
class QueryParity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="plumb-qpg-")
        cls.sqlite = os.path.join(cls.tmp, "s")
        cls.pg = tempfile.mkdtemp(prefix="plumb-qpg-", dir=cls.tmp)  # names the database
        cls.pg_name = pg_database(cls.pg)
        with open(os.path.join(DATA, "estate.json")) as f:
            estate = json.load(f)
        files = [os.path.join(SHARED, "data", "config-items", f) for f in estate["files"]]
        cis, empty = os.path.join(cls.tmp, "cis.jsonl"), os.path.join(cls.tmp, "empty.jsonl")
        with open(cis, "w") as f:
            f.writelines(json.dumps(ci) + "\n" for ci in estate["cis"])
        open(empty, "w").close()
        for path in files + [cis]:
            plumb("record", "--data", cls.sqlite, "--all", "--quiet", "--account", ACCOUNT,
                  "--region", REGION, path)
        # migrates the PostgreSQL store; resources.hot is added by the store's own PostgreSQL
        # migration once merged (a no-op then), which store copy needs
        plumb("record", "--data", cls.pg, "--all", "--quiet", empty)
        with open(os.path.join(cls.pg, "store-url")) as f:
            url = f.read().strip()
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c",
                        "ALTER TABLE resources ADD COLUMN IF NOT EXISTS hot TEXT"],
                       check=True, capture_output=True, timeout=120)
        plumb("store", "copy", cls.sqlite, url)

    @classmethod
    def tearDownClass(cls):
        pg_drop(cls.pg_name)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def both(self, *args):
        out = []
        for data in (self.sqlite, self.pg):
            r = plumb("query", "--data", data, "--json", *args, check=False)
            out.append((r.returncode, r.stdout if r.returncode == 0
                        else r.stderr.strip().splitlines()[-1:]))
        return out

    def test_cases_and_sqlite_semantics(self):
        with open(os.path.join(DATA, "cases.json")) as f:
            queries = [c["query"] for c in json.load(f)["cases"]] + EXTRA
        for q in queries:
            with self.subTest(query=q):
                lite, pg = self.both(q)
                self.assertEqual(pg, lite)

    def test_as_of(self):
        for when in ("2016-10-28T00:40:00Z", "2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z"):
            for q in ("SELECT resourceId, configuration.size WHERE configuration.size > 5",
                      "SELECT resourceType, COUNT(*) GROUP BY resourceType ORDER BY resourceType",
                      "SELECT resourceId, configurationItemCaptureTime ORDER BY resourceId"):
                with self.subTest(query=q, when=when):
                    lite, pg = self.both("--as-of", when, q)
                    self.assertEqual(pg, lite)


if __name__ == "__main__":
    unittest.main()
