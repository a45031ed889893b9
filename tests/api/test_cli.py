"""test_cli.py — the plumb command as a newcomer meets it (issue 11 §3), by real invocations:
--help on every subcommand (stdout, exit 0), usage errors (exit 2, "plumb SUB: ..."), read
commands that never create a data directory, where `plumb record` put the CIs (per partition,
--account/--region, the warning for an account without a key), and `plumb history` of a
resource recorded in several partitions. No server is needed: every command here works on a
data directory."""
import json
import os
import shutil
import tempfile
import unittest

from harness import plumb

HELP = [["serve"], ["record"], ["history"], ["diff"], ["credentials"], ["credentials", "list"],
        ["webhook"], ["webhook", "list"], ["function"], ["function", "list"],
        ["function", "invoke"], ["guard"], ["guard", "validate"], ["guard", "test"],
        ["guard", "eval"], ["cost"], ["discover"]]

# (subcommand words, the name in its messages)
UNKNOWN = [(["serve"], "serve"), (["record"], "record"), (["history"], "history"),
           (["diff"], "diff"), (["credentials", "list"], "credentials"),
           (["webhook", "list"], "webhook"), (["function", "list"], "function"),
           (["function", "invoke", "f"], "function"), (["cost"], "cost"),
           (["discover"], "discover")]

# commands that only read, each given a data directory that does not exist
READERS = [["history", "AWS::EC2::Volume", "vol-1"], ["diff", "AWS::EC2::Volume", "vol-1"],
           ["credentials", "list"], ["webhook", "list"], ["function", "list"], ["cost"]]


def ci(account, region, rid, size=8, day=1):
    return json.dumps({
        "resourceType": "AWS::EC2::Volume", "resourceId": rid, "awsAccountId": account,
        "awsRegion": region, "configurationItemStatus": "OK",
        "configurationItemCaptureTime": "2026-01-%02dT00:00:00.000Z" % day,
        "configuration": {"volumeId": rid, "size": size}}) + "\n"


class Cli(unittest.TestCase):
    def setUp(self):
        self.cwd = tempfile.mkdtemp(prefix="plumb-cli-")
        self.addCleanup(shutil.rmtree, self.cwd, True)

    def run_in_cwd(self, *args, input=None):
        """plumb ARGS in the empty temporary directory (so ./plumb-data would appear there)."""
        old = os.getcwd()
        os.chdir(self.cwd)
        try:
            return plumb(*args, input=input, check=False)
        finally:
            os.chdir(old)

    def assertUsageError(self, p, sub, text):
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertTrue(p.stderr.startswith("plumb %s: " % sub), p.stderr)
        self.assertIn(text, p.stderr)

    def test_help_everywhere(self):
        for words in HELP:
            for flag in ("--help", "-h"):
                with self.subTest(cmd=words + [flag]):
                    p = self.run_in_cwd(*words, flag)
                    self.assertEqual(p.returncode, 0, p.stderr)
                    self.assertIn("sage: plumb %s" % words[0], p.stdout)
                    self.assertEqual(p.stderr, "")
        self.assertEqual(os.listdir(self.cwd), [])  # help never opens a data directory

    def test_top_level_help_lists_every_subcommand(self):
        p = plumb("--help")
        self.assertEqual(p.returncode, 0)
        for name in ("serve", "record", "history", "diff", "credentials", "webhook",
                     "function", "guard", "invoke", "validate", "revoke"):
            self.assertIn(name, p.stdout)
        p = plumb("nosuch", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown command 'nosuch'", p.stderr)

    def test_unknown_option_says_so(self):
        for words, sub in UNKNOWN:
            with self.subTest(cmd=words):
                p = self.run_in_cwd(*words, "--bogus")
                self.assertUsageError(p, sub, "unknown option '--bogus'")
                self.assertNotIn("needs a value", p.stderr)
        self.assertEqual(os.listdir(self.cwd), [])

    def test_usage_errors(self):
        cases = [(["record", "--data"], "record", "option '--data' needs a value"),
                 (["record"], "record", "FILE"),
                 (["record", "--account", "12", "-"], "record", "--account must be 12 digits"),
                 (["record", "--endpoint", "http://127.0.0.1:1", "--account", "123456789012",
                   "-"], "record", "--account does not go with --endpoint"),
                 (["serve", "--data"], "serve", "option '--data' needs a value"),
                 (["serve", "--auth", "none"], "serve", "--auth"),
                 (["history", "AWS::EC2::Volume"], "history", "TYPE ID"),
                 (["webhook", "frob"], "webhook", "unknown subcommand 'frob'"),
                 (["function", "frob"], "function", "unknown subcommand 'frob'"),
                 (["function", "invoke", "f"], "function", "--event"),
                 (["credentials"], "credentials", "add, list or revoke")]
        for words, sub, text in cases:
            with self.subTest(cmd=words):
                self.assertUsageError(self.run_in_cwd(*words), sub, text)
        self.assertEqual(os.listdir(self.cwd), [])

    def test_read_commands_never_create_a_data_directory(self):
        for words in READERS:
            with self.subTest(cmd=words):
                typo = os.path.join(self.cwd, "plumb-dtaa")
                p = self.run_in_cwd(*words, "--data", typo)
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertTrue(p.stderr.startswith("plumb %s: " % words[0]), p.stderr)
                self.assertIn("plumb-dtaa", p.stderr)
                self.assertFalse(os.path.exists(typo))
                p = self.run_in_cwd(*words)  # the default, ./plumb-data
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn("plumb-data", p.stderr)
        p = self.run_in_cwd("function", "invoke", "f", "--event", "-", input="{}")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("no plumb data", p.stderr)
        self.assertEqual(os.listdir(self.cwd), [])

    def test_record_says_where_and_warns_about_keyless_accounts(self):
        d = os.path.join(self.cwd, "data")
        plumb("credentials", "add", "--data", d)  # a key for 123456789012 only
        p = plumb("record", "--data", d, "-",
                  input=ci("123456789012", "us-east-1", "vol-1") +
                  ci("681361479661", "us-east-1", "vol-2") +
                  ci("681361479661", "eu-west-1", "vol-3"))
        self.assertIn("recorded 3, unchanged 0, skipped 0, errors 0", p.stderr)
        self.assertIn("into 123456789012/us-east-1: recorded 1, unchanged 0, skipped 0",
                      p.stderr)
        self.assertIn("into 681361479661/us-east-1: recorded 1", p.stderr)
        self.assertIn("into 681361479661/eu-west-1: recorded 1", p.stderr)
        warnings = [l for l in p.stderr.splitlines() if "warning" in l]
        self.assertEqual(len(warnings), 1, p.stderr)  # once per account
        self.assertIn("account 681361479661", warnings[0])
        self.assertIn("plumb credentials add --account 681361479661", warnings[0])
        # the account of a key: no warning
        p = plumb("record", "--data", d, "-", input=ci("123456789012", "us-east-1", "vol-4"))
        self.assertNotIn("warning", p.stderr)
        # --account/--region: into that partition, whatever the CI names
        p = plumb("record", "--data", d, "--account", "123456789012", "--region", "eu-west-1",
                  "-", input=ci("681361479661", "us-east-1", "vol-5"))
        self.assertIn("into 123456789012/eu-west-1: recorded 1", p.stderr)
        self.assertNotIn("681361479661", p.stderr)
        h = plumb("history", "--data", d, "AWS::EC2::Volume", "vol-5").stdout
        self.assertIn("in 123456789012/eu-west-1: 1 version", h)
        # the ARN moves with the CI
        moved = dict(json.loads(ci("681361479661", "us-east-1", "vol-7")),
                     ARN="arn:aws:ec2:us-east-1:681361479661:volume/vol-7")
        plumb("record", "--data", d, "--account", "123456789012", "--region", "eu-west-1", "-",
              input=json.dumps(moved))
        h = json.loads(plumb("history", "--data", d, "--json", "AWS::EC2::Volume",
                             "vol-7").stdout)["configurationItems"][0]
        self.assertEqual(h["arn"], "arn:aws:ec2:eu-west-1:123456789012:volume/vol-7")
        self.assertEqual((h["accountId"], h["awsRegion"]), ("123456789012", "eu-west-1"))
        # --quiet: no summary, but the warning stays
        p = plumb("record", "--data", d, "--quiet", "-",
                  input=ci("210987654321", "us-east-1", "vol-6"))
        self.assertNotIn("into 210987654321", p.stderr)
        self.assertIn("warning", p.stderr)

    def test_history_in_several_partitions_asks_which(self):
        d = os.path.join(self.cwd, "data")
        plumb("record", "--data", d, "-",
              input=ci("123456789012", "us-east-1", "vol-1") +
              ci("123456789012", "us-east-1", "vol-1", size=16, day=2) +
              ci("111122223333", "us-east-1", "vol-1") +
              ci("123456789012", "eu-west-1", "vol-1"))
        for cmd in ("history", "diff"):
            with self.subTest(cmd=cmd):
                p = plumb(cmd, "--data", d, "AWS::EC2::Volume", "vol-1", check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertTrue(p.stderr.startswith("plumb %s: " % cmd), p.stderr)
                for part in ("111122223333/us-east-1", "123456789012/eu-west-1",
                             "123456789012/us-east-1"):
                    self.assertIn(part, p.stderr)
                self.assertIn("--account", p.stderr)
                self.assertEqual(p.stdout, "")
                # still two candidates with only --region us-east-1
                p = plumb(cmd, "--data", d, "--region", "us-east-1", "AWS::EC2::Volume", "vol-1",
                          check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertNotIn("eu-west-1", p.stderr)
        h = plumb("history", "--data", d, "--account", "123456789012", "--region", "us-east-1",
                  "AWS::EC2::Volume", "vol-1").stdout
        self.assertIn("in 123456789012/us-east-1: 2 versions", h)
        h = plumb("history", "--data", d, "--account", "111122223333", "AWS::EC2::Volume",
                  "vol-1").stdout
        self.assertIn("in 111122223333/us-east-1: 1 version", h)
        df = plumb("diff", "--data", d, "--account", "123456789012", "--region", "us-east-1",
                   "AWS::EC2::Volume", "vol-1").stdout
        self.assertIn("Configuration.Size", df)
        p = plumb("history", "--data", d, "--region", "ap-south-1", "AWS::EC2::Volume", "vol-1",
                  check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("not recorded", p.stderr)


if __name__ == "__main__":
    unittest.main()
