"""test_function_logs.py — Lambda-style rules as a rule author sees them (issue 11 §2): the
evaluation status records a successful invocation only once the function succeeded and keeps
the last error; every invocation's output (prints, tracebacks) is kept per function with its
rule, resource, duration and outcome, bounded and rotated, and served by
PlumbService.GetFunctionLogs and `plumb function logs [--follow]`; /metrics counts invocations,
errors, throttles and durations per function.
"""
import json
import os
import queue
import re
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request

from harness import ACCOUNT, PLUMB, ROOT, ServerTest, plumb, signed_call

WAIT = 300 if os.environ.get("PL_ASAN") else 120  # a deadline, not a pace: polled
HANDLER = os.path.join(ROOT, "tests", "data", "functions", "fn_rdk_style.py")
ARN = "arn:aws:lambda:us-east-1:%s:function:rdk" % ACCOUNT


def instance_ci(instance_id, mode):
    return {"resourceType": "AWS::EC2::Instance", "resourceId": instance_id,
            "awsAccountId": ACCOUNT, "awsRegion": "us-east-1", "tags": {"mode": mode},
            "configuration": {"instanceId": instance_id, "instanceType": "t3.micro"}}


class FunctionLogsBase(ServerTest):
    """A server with the function rdk and the change-triggered rule rdk-rule that calls it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        plumb("function", "add", "rdk", "--runtime", "python", "--handler",
              HANDLER + ":lambda_handler", "--data", cls.server.data)
        cls.cfg.put_config_rule(ConfigRule={
            "ConfigRuleName": "rdk-rule",
            "Scope": {"ComplianceResourceTypes": ["AWS::EC2::Instance"]},
            "Source": {"Owner": "CUSTOM_LAMBDA", "SourceIdentifier": ARN, "SourceDetails": [
                {"EventSource": "aws.config",
                 "MessageType": "ConfigurationItemChangeNotification"}]}})

    def record_ci(self, *cis):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(list(cis), f)
        try:
            plumb("record", "--data", self.server.data, f.name)
        finally:
            os.unlink(f.name)

    def status(self):
        return self.cfg.describe_config_rule_evaluation_status(
            ConfigRuleNames=["rdk-rule"])["ConfigRulesEvaluationStatus"][0]

    def logs(self, **body):
        body.setdefault("FunctionName", "rdk")
        return self.plumb_call("GetFunctionLogs", body)

    def log_of(self, resource_id):
        """The logged invocation for resource_id (waits for it)."""
        def find():
            for e in self.logs(Limit=100)["Events"]:
                if e.get("ResourceId") == resource_id:
                    return e
            return None
        return self.wait_for("the log of " + resource_id, find)

    def raw_call(self, body):
        return signed_call(self.server.url, "PlumbService.GetFunctionLogs", json.dumps(body))



class LogsTest(FunctionLogsBase):
    def test_1_status_failure_then_success(self):
        self.record_ci(instance_ci("i-0fail", "raise"))
        st = self.wait_for("the failure", lambda: "LastErrorCode" in self.status() and
                           self.status())
        # queuing the call is not a successful invocation
        self.assertNotIn("LastSuccessfulInvocationTime", st)
        self.assertEqual(st["LastErrorCode"], "Unhandled", st)
        self.assertIn("doesNotExist", st["LastErrorMessage"])
        failed = st["LastFailedInvocationTime"]

        self.record_ci(instance_ci("i-0good", "ok"))
        st = self.wait_for("the success", lambda: "LastSuccessfulInvocationTime" in
                           self.status() and self.status())
        self.assertGreater(st["LastSuccessfulInvocationTime"], failed, st)
        self.assertGreaterEqual(st["LastSuccessfulEvaluationTime"], failed, st)
        # a later success on another resource keeps the last failure
        self.assertEqual(st["LastErrorCode"], "Unhandled", st)
        self.assertIn("doesNotExist", st["LastErrorMessage"])
        self.assertEqual(st["LastFailedInvocationTime"], failed)
        res = self.cfg.get_compliance_details_by_resource(
            ResourceType="AWS::EC2::Instance", ResourceId="i-0good")["EvaluationResults"]
        self.assertEqual(res[0]["ComplianceType"], "COMPLIANT")

    def test_2_logs_api(self):
        bad = self.log_of("i-0fail")
        self.assertEqual(bad["Outcome"], "Unhandled")
        self.assertEqual(bad["RuleName"], "rdk-rule")
        self.assertEqual(bad["ResourceType"], "AWS::EC2::Instance")
        self.assertIn("rdk-style evaluating i-0fail", bad["Output"])
        self.assertIn("[ERROR] Unhandled: KeyError: 'doesNotExist'", bad["Output"])
        self.assertIn("Traceback (most recent call last):", bad["Output"])
        self.assertIn("fn_rdk_style.py", bad["Output"])
        self.assertNotIn('File "<string>"', bad["Output"])  # no bootstrap frames
        self.assertIn("doesNotExist", bad["ErrorMessage"])
        self.assertGreaterEqual(bad["DurationMs"], 0)
        self.assertFalse(bad["Truncated"])
        good = self.log_of("i-0good")
        self.assertEqual(good["Outcome"], "Succeeded")
        self.assertNotIn("ErrorMessage", good)
        self.assertLessEqual(bad["StartTime"], good["StartTime"])
        # paging: one at a time, in order, the token moves on
        first = self.logs(Limit=1)
        self.assertEqual(len(first["Events"]), 1)
        second = self.logs(Limit=1, NextToken=first["NextToken"])
        self.assertNotEqual(first["Events"][0]["RequestId"], second["Events"][0]["RequestId"])
        # StartTime filters; an unknown function is an error
        later = self.logs(StartTime=good["StartTime"] + 3600)
        self.assertEqual(later["Events"], [])
        status, out = self.raw_call({"FunctionName": "no-such-fn"})
        self.assertEqual(status, 400)
        self.assertEqual(out["__type"], "ResourceNotFoundException")
        status, out = self.raw_call({"FunctionName": "rdk", "NextToken": "x"})
        self.assertEqual(out["__type"], "InvalidNextTokenException")

    def test_3_rdk_error_dict_in_cli_logs(self):
        self.record_ci(instance_ci("i-0client", "client"))
        e = self.log_of("i-0client")
        self.assertEqual(e["Outcome"], "Succeeded")  # Lambda too sees a normal return
        out = plumb("function", "logs", "rdk", "--data", self.server.data).stdout
        self.assertIn("rdk-style evaluating i-0client", out)
        self.assertIn("'customerErrorCode': 'AccessDenied'", out)
        self.assertRegex(out, r"START RequestId: %s Rule: rdk-rule Resource: "
                              r"AWS::EC2::Instance i-0client" % e["RequestId"])
        self.assertRegex(out, r"REPORT RequestId: %s Duration: \d+ ms Outcome: Succeeded"
                         % e["RequestId"])
        self.assertIn("Outcome: Unhandled: KeyError: 'doesNotExist'", out)
        lines = plumb("function", "logs", "rdk", "--json", "--data",
                      self.server.data).stdout.splitlines()
        ids = [json.loads(l)["ResourceId"] for l in lines]
        self.assertEqual(ids[:3], ["i-0fail", "i-0good", "i-0client"])
        # --since: nothing after the newest start; everything since an hour ago
        since = plumb("function", "logs", "rdk", "--json", "--since", "1h", "--data",
                      self.server.data).stdout.splitlines()
        self.assertEqual(len(since), len(lines))
        future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        self.assertEqual(plumb("function", "logs", "rdk", "--since", future, "--data",
                               self.server.data).stdout, "")
        p = plumb("function", "logs", "nope", "--data", self.server.data, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no function 'nope'", p.stderr)

    def test_4_output_bounded_on_utf8_boundary(self):
        self.record_ci(instance_ci("i-0big", "big"))
        e = self.log_of("i-0big")
        self.assertTrue(e["Truncated"])
        raw = e["Output"].encode("utf-8")  # valid UTF-8, or the JSON would not decode
        self.assertLessEqual(len(raw), 64 * 1024)
        self.assertGreater(len(raw), 60 * 1024)
        self.assertTrue(e["Output"].rstrip("\u00e9\n").endswith("mode big"))
        out = plumb("function", "logs", "rdk", "--data", self.server.data).stdout
        self.assertIn("[output truncated at 64 KiB]", out)

    def follow(self, *source):
        """`plumb function logs rdk --follow --json SOURCE` and a queue of the ResourceIds it
        prints (a thread reads its stdout line by line)."""
        p = subprocess.Popen([PLUMB, "function", "logs", "rdk", "--follow", "--json"] +
                             list(source), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=dict(os.environ, AWS_ACCESS_KEY_ID=ACCOUNT,
                                                 AWS_SECRET_ACCESS_KEY="test"))
        lines = queue.Queue()

        def read():
            for line in p.stdout:
                lines.put(json.loads(line)["ResourceId"])
            lines.put(None)
        reader = threading.Thread(target=read, daemon=True)
        reader.start()

        def cleanup():
            if p.poll() is None:
                p.kill()
            p.wait()
            reader.join()
            p.stdout.close()
            p.stderr.close()
        self.addCleanup(cleanup)
        return p, lines

    def read_until(self, lines, rid):
        seen = []
        while not seen or seen[-1] != rid:
            try:
                seen.append(lines.get(timeout=WAIT))
            except queue.Empty:
                self.fail("follow did not show %s: %s" % (rid, seen))
            self.assertIsNotNone(seen[-1], "follow ended before %s: %s" % (rid, seen))

    def test_5_follow(self):
        for n, source in enumerate([("--endpoint", self.server.url),
                                    ("--data", self.server.data)]):
            p, lines = self.follow(*source)
            self.read_until(lines, "i-0client")  # what was there already
            self.record_ci(instance_ci("i-0later%d" % n, "ok"))
            self.read_until(lines, "i-0later%d" % n)  # then what comes
            p.send_signal(signal.SIGINT)
            self.assertEqual(p.wait(timeout=WAIT), 0, p.stderr.read())

    def test_5_follow_sigpipe(self):
        p = subprocess.Popen("'%s' function logs rdk --follow --data '%s' | head -n 1"
                             % (PLUMB, self.server.data), shell=True, stdout=subprocess.PIPE,
                             text=True)
        first = p.stdout.readline()  # head printed its line and exited
        self.assertIn("START RequestId:", first)
        self.record_ci(instance_ci("i-0afterhead", "ok"))
        self.log_of("i-0afterhead")  # the follower's next write meets a closed pipe
        self.assertEqual(p.wait(timeout=WAIT), 0)  # the pipeline ended: so did the follower
        p.stdout.close()

    def test_6_metrics(self):
        self.log_of("i-0good")
        with urllib.request.urlopen(self.server.url + "/metrics", timeout=10) as r:
            text = r.read().decode()

        def value(name):
            m = re.search(r'^%s\{function="rdk"\} (\d+)' % name, text, re.M)
            self.assertTrue(m, name + " missing:\n" + text[-3000:])
            return int(m.group(1))
        self.assertGreaterEqual(value("plumb_function_invocations_total"), 2)
        self.assertGreaterEqual(value("plumb_function_errors_total"), 1)
        self.assertEqual(value("plumb_function_throttles_total"), 0)
        self.assertGreaterEqual(value("plumb_function_duration_seconds_count"), 2)
        self.assertRegex(text, r'plumb_function_duration_seconds_bucket\{function="rdk",'
                               r'le="\+Inf"\} \d+')


class RotationTest(FunctionLogsBase):
    """Logs older than the retention (7 days of plumb's clock) go in the engine's housekeeping.
    The server's clock is frozen, so CIs go through the API (stamped with the server's time)."""
    EXTRA = ("--fake-clock", "2026-01-05T00:00:00Z")

    def record_ci(self, *cis):
        out = self.plumb_call("RecordConfigurationItems", {"configurationItems": list(cis)})
        self.assertEqual(out["recorded"], len(cis), out)

    def test_age_rotation(self):
        self.setup_recorder()
        self.record_ci(instance_ci("i-0old", "ok"))
        self.log_of("i-0old")
        self.plumb_call("AdvanceClock", {"Milliseconds": 6 * 86400 * 1000})
        self.record_ci(instance_ci("i-0new", "ok"))
        self.log_of("i-0new")
        self.plumb_call("AdvanceClock", {"Milliseconds": 2 * 86400 * 1000})
        self.wait_for("i-0old to go", lambda: [e["ResourceId"] for e in
                                               self.logs()["Events"]] == ["i-0new"])


if __name__ == "__main__":
    import unittest
    unittest.main()
