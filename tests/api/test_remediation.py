"""test_remediation.py — remediation: the eight AWS operations (shapes, limits, errors), plumb's
actions (PlumbService.PutAction, `plumb action`), automatic remediation end to end, remediation
exceptions, attempts that run out, dry runs, and kill -9 of plumb in the middle of an action.

The rules are Guard custom policies on third-party types recorded with PutResourceConfig
({"public": true} is NON_COMPLIANT); the fixing action is an exec command running a Python
script that records the corrected configuration through plumb's own API (AWS_ENDPOINT_URL and
credentials come from plumb, as for functions) and appends one line per run to a file the test
reads. Every wait polls with a generous deadline.
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
import botocore.exceptions
import harness
from harness import ACCOUNT, ROOT, Server, ServerTest, free_port, plumb, signed_call, put_pack, delete_pack

WAIT = 120 if os.environ.get("PL_ASAN") else 60
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

FIX = r'''
import json, os, sys, time
import boto3
ev = json.load(sys.stdin)
base = %(dir)r
key = ev["ResourceKey"]
with open(os.path.join(base, "runs.log"), "a") as f:
    f.write("%%s %%s %%s %%d\n" %% (key["resourceType"], key["resourceId"],
                                ev["Parameters"].get("Id"), ev["Attempt"]))
if %(wait)r:
    deadline = time.time() + 600
    while not os.path.exists(os.path.join(base, "go")) and time.time() < deadline:
        time.sleep(0.05)
cfg = boto3.client("config", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
cfg.put_resource_config(ResourceType=key["resourceType"], SchemaVersionId="1",
                        ResourceId=key["resourceId"],
                        Configuration=json.dumps({"public": False,
                                                  "mode": ev["Parameters"].get("Mode")}))
print(json.dumps({"status": "SUCCEEDED", "steps": [
    {"name": "ReadWidget", "status": "SUCCEEDED"},
    {"name": "MakePrivate", "status": "SUCCEEDED", "message": "public set to false"}]}))
'''

POLICY = "rule widget_private { configuration.public == false }"


def action_dir():
    """A directory the sandboxed action (nobody, when plumb runs as root) can write."""
    d = tempfile.mkdtemp(prefix="plumb-rem-")
    os.chmod(d, 0o777)
    return d


def write_fix(d, wait=False):
    path = os.path.join(d, "fix.py")
    with open(path, "w") as f:
        f.write(FIX % {"dir": d, "wait": wait})
    os.chmod(path, 0o755)
    return "%s %s" % (PY, path)


def lines(path):
    try:
        with open(path) as f:
            return [l.split() for l in f.read().splitlines() if l.strip()]
    except FileNotFoundError:
        return []


def poll(fn, what, wait=WAIT):
    deadline = time.time() + wait
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def start_recorder(cfg):
    cfg.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": "arn:aws:iam::%s:role/ConfigRole" % ACCOUNT,
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    cfg.put_delivery_channel(DeliveryChannel={"name": "default",
                                              "s3BucketName": "config-bucket-%s" % ACCOUNT})
    cfg.start_configuration_recorder(ConfigurationRecorderName="default")


class RemediationMixin:
    def put_rule(self, name, rtype):
        self.cfg.put_config_rule(ConfigRule={
            "ConfigRuleName": name, "Scope": {"ComplianceResourceTypes": [rtype]},
            "Source": {"Owner": "CUSTOM_POLICY", "SourceDetails": [
                {"EventSource": "aws.config",
                 "MessageType": "ConfigurationItemChangeNotification"}],
                "CustomPolicyDetails": {"PolicyRuntime": "guard-2.x.x", "PolicyText": POLICY}}})

    def put_widget(self, rtype, rid, public):
        self.cfg.put_resource_config(ResourceType=rtype, SchemaVersionId="1", ResourceId=rid,
                                     Configuration=json.dumps({"public": public}))

    def compliance(self, rule, rid):
        res = self.cfg.get_compliance_details_by_config_rule(ConfigRuleName=rule)
        for r in res["EvaluationResults"]:
            q = r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
            if q["ResourceId"] == rid:
                return r["ComplianceType"]
        return None

    def status(self, rule, rtype, rid):
        out = self.cfg.describe_remediation_execution_status(
            ConfigRuleName=rule, ResourceKeys=[{"resourceType": rtype, "resourceId": rid}])
        s = out["RemediationExecutionStatuses"]
        return s[0] if s else None

    def final_status(self, rule, rtype, rid):
        def done():
            s = self.status(rule, rtype, rid)
            return s if s and s["State"] in ("SUCCEEDED", "FAILED") else None
        return poll(done, "the execution of %s to finish" % rid)

    def metric(self, outcome):
        """plumb_remediation_total{outcome} from /metrics (0 before the first)."""
        import urllib.request
        with urllib.request.urlopen(self.server.url + "/metrics", timeout=30) as r:
            text = r.read().decode()
        key = 'plumb_remediation_total{outcome="%s"} ' % outcome
        for line in text.splitlines():
            if line.startswith(key):
                return int(float(line[len(key):]))
        return 0

    def remediation(self, rule, target, **kw):
        cfg = {"ConfigRuleName": rule, "TargetType": "SSM_DOCUMENT", "TargetId": target,
               "Parameters": {"Id": {"ResourceValue": {"Value": "RESOURCE_ID"}},
                              "Mode": {"StaticValue": {"Values": ["strict"]}}}}
        cfg.update(kw)
        out = self.cfg.put_remediation_configurations(RemediationConfigurations=[cfg])
        self.assertEqual(out["FailedBatches"], [])


class RemediationTest(RemediationMixin, ServerTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = action_dir()
        start_recorder(cls.cfg)
        # no client-side checks: the server's limits answer
        cls.raw = boto3.client("config", endpoint_url=cls.server.url, region_name="us-east-1",
                               aws_access_key_id=ACCOUNT, aws_secret_access_key="test",
                               config=botocore.config.Config(parameter_validation=False,
                                                             retries={"max_attempts": 1}))

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_configuration_shapes_limits_errors(self):
        c = self.cfg
        base = {"ConfigRuleName": "shapes-rule", "TargetType": "SSM_DOCUMENT",
                "TargetId": "AWS-DisableS3BucketPublicReadWrite"}
        self.assertAwsError("NoSuchConfigRuleException", c.put_remediation_configurations,
                            RemediationConfigurations=[base])
        self.put_rule("shapes-rule", "MyCorp::Test::Shape")
        both = dict(base, Parameters={"P": {"StaticValue": {"Values": ["a"]},
                                            "ResourceValue": {"Value": "RESOURCE_ID"}}})
        neither = dict(base, Parameters={"P": {}})
        for bad in (both, neither):
            e = self.assertAwsError("InvalidParameterValueException",
                                    c.put_remediation_configurations,
                                    RemediationConfigurations=[bad])
            self.assertIn("'P'", e.response["Error"]["Message"])
        many = dict(base, Parameters={"P%d" % i: {"StaticValue": {"Values": ["v"]}}
                                      for i in range(26)})
        limits = [many, dict(base, MaximumAutomaticAttempts=26),
                  dict(base, MaximumAutomaticAttempts=0), dict(base, RetryAttemptSeconds=2678001),
                  dict(base, RetryAttemptSeconds=0), dict(base, TargetType="LAMBDA"),
                  dict(base, ExecutionControls={"SsmControls": {
                      "ConcurrentExecutionRatePercentage": 101}}),
                  dict(base, ExecutionControls={"SsmControls": {"ErrorPercentage": 0}})]
        for bad in limits:
            e = self.assertAwsError("ValidationException", self.raw.put_remediation_configurations,
                                    RemediationConfigurations=[bad])
            self.assertTrue(e.response["Error"]["Message"])
        ok = dict(base, Parameters={"BucketName": {"ResourceValue": {"Value": "RESOURCE_ID"}}},
                  ExecutionControls={"SsmControls": {"ConcurrentExecutionRatePercentage": 10,
                                                     "ErrorPercentage": 10}})
        out = c.put_remediation_configurations(RemediationConfigurations=[ok, ok])
        self.assertEqual(len(out["FailedBatches"]), 1)  # the same rule twice
        self.assertEqual(out["FailedBatches"][0]["FailedItems"][0]["ConfigRuleName"],
                         "shapes-rule")
        got = c.describe_remediation_configurations(
            ConfigRuleNames=["shapes-rule", "nope"])["RemediationConfigurations"]
        self.assertEqual(len(got), 1)
        g = got[0]
        self.assertEqual((g["MaximumAutomaticAttempts"], g["RetryAttemptSeconds"],
                          g["Automatic"]), (5, 60, False))
        self.assertTrue(g["Arn"].startswith(
            "arn:aws:config:us-east-1:%s:remediation-configuration/shapes-rule/" % ACCOUNT))
        self.assertEqual(g["ExecutionControls"]["SsmControls"]["ErrorPercentage"], 10)
        arn = g["Arn"]
        c.put_remediation_configurations(RemediationConfigurations=[dict(ok, Automatic=True)])
        g = c.describe_remediation_configurations(
            ConfigRuleNames=["shapes-rule"])["RemediationConfigurations"][0]
        self.assertEqual((g["Arn"], g["Automatic"]), (arn, True))
        # executions
        self.assertAwsError("NoSuchRemediationConfigurationException",
                            c.start_remediation_execution, ConfigRuleName="nope",
                            ResourceKeys=[{"resourceType": "AWS::S3::Bucket", "resourceId": "b"}])
        self.assertAwsError("ValidationException", self.raw.start_remediation_execution,
                            ConfigRuleName="shapes-rule",
                            ResourceKeys=[{"resourceType": "AWS::S3::Bucket",
                                           "resourceId": "b%d" % i} for i in range(101)])
        self.assertAwsError("NoSuchRemediationConfigurationException",
                            c.describe_remediation_execution_status, ConfigRuleName="nope")
        self.assertEqual(c.describe_remediation_execution_status(
            ConfigRuleName="shapes-rule")["RemediationExecutionStatuses"], [])
        self.assertAwsError("InvalidNextTokenException", c.describe_remediation_execution_status,
                            ConfigRuleName="shapes-rule", NextToken="zz")
        # delete
        self.assertAwsError("NoSuchRemediationConfigurationException",
                            c.delete_remediation_configuration, ConfigRuleName="nope")
        self.assertAwsError("NoSuchRemediationConfigurationException",
                            c.delete_remediation_configuration, ConfigRuleName="shapes-rule",
                            ResourceType="AWS::EC2::Instance")
        # as AWS: the rule is not deleted while its remediation exists
        self.assertAwsError("ResourceInUseException", c.delete_config_rule,
                            ConfigRuleName="shapes-rule")
        c.delete_remediation_configuration(ConfigRuleName="shapes-rule")
        self.assertEqual(c.describe_remediation_configurations(
            ConfigRuleNames=["shapes-rule"])["RemediationConfigurations"], [])

    def test_exceptions_shapes_paging(self):
        c = self.cfg
        keys = [{"ResourceType": "AWS::S3::Bucket", "ResourceId": "bucket-%02d" % i}
                for i in range(30)]
        self.assertAwsError("ValidationException", self.raw.put_remediation_exceptions,
                            ConfigRuleName="exc-rule", ResourceKeys=keys[:1], Message="x" * 1025)
        out = c.put_remediation_exceptions(ConfigRuleName="exc-rule", ResourceKeys=keys,
                                           Message="kept public on purpose",
                                           ExpirationTime="2030-01-01T00:00:00Z")
        self.assertEqual(out["FailedBatches"], [])
        out = c.put_remediation_exceptions(ConfigRuleName="exc-rule",
                                           ResourceKeys=[{"ResourceId": "no-type"}])
        self.assertEqual(out["FailedBatches"][0]["FailedItems"][0]["ResourceId"], "no-type")
        page = c.describe_remediation_exceptions(ConfigRuleName="exc-rule")
        self.assertEqual(len(page["RemediationExceptions"]), 25)  # AWS's default page
        rest = c.describe_remediation_exceptions(ConfigRuleName="exc-rule",
                                                 NextToken=page["NextToken"])
        self.assertEqual(len(rest["RemediationExceptions"]), 5)
        self.assertNotIn("NextToken", rest)
        e = page["RemediationExceptions"][0]
        self.assertEqual((e["ConfigRuleName"], e["ResourceType"], e["ResourceId"], e["Message"]),
                         ("exc-rule", "AWS::S3::Bucket", "bucket-00", "kept public on purpose"))
        self.assertEqual(e["ExpirationTime"].year, 2030)
        small = c.describe_remediation_exceptions(ConfigRuleName="exc-rule", Limit=7)
        self.assertEqual(len(small["RemediationExceptions"]), 7)
        one = c.describe_remediation_exceptions(ConfigRuleName="exc-rule", ResourceKeys=keys[3:4])
        self.assertEqual(one["RemediationExceptions"][0]["ResourceId"], "bucket-03")
        other = c.describe_remediation_exceptions(ConfigRuleName="exc-rule-2")
        self.assertEqual(other["RemediationExceptions"], [])
        self.assertAwsError("InvalidNextTokenException", c.describe_remediation_exceptions,
                            ConfigRuleName="exc-rule-2", NextToken=page["NextToken"])
        out = c.delete_remediation_exceptions(
            ConfigRuleName="exc-rule",
            ResourceKeys=keys[:2] + [{"ResourceType": "AWS::S3::Bucket", "ResourceId": "gone"}])
        self.assertEqual(out["FailedBatches"][0]["FailedItems"],
                         [{"ResourceType": "AWS::S3::Bucket", "ResourceId": "gone"}])
        self.assertEqual(len(c.describe_remediation_exceptions(
            ConfigRuleName="exc-rule", Limit=100)["RemediationExceptions"]), 28)

    def test_pack_remediations_are_real(self):
        path = os.path.join(os.path.dirname(ROOT), "shared", "data", "conformance-packs",
                            "Operational-Best-Practices-for-Amazon-S3-with-Remediation.yaml")
        if not os.path.exists(path):
            self.skipTest("no sample packs")
        with open(path) as f:
            body = f.read()
        put_pack(self.cfg, ConformancePackName="s3-remediation", TemplateBody=body,
            ConformancePackInputParameters=[{"ParameterName": "S3TargetBucketNameForEnableLogging",
                                             "ParameterValue": "log-bucket"}])
        rules = [r["ConfigRuleName"] for r in self.cfg.describe_config_rules()["ConfigRules"]
                 if r["ConfigRuleName"].startswith("S3BucketPublicReadProhibited-conformance")]
        self.assertEqual(len(rules), 1)
        got = self.cfg.describe_remediation_configurations(
            ConfigRuleNames=rules)["RemediationConfigurations"]
        self.assertEqual(len(got), 1)
        g = got[0]
        self.assertEqual((g["TargetId"], g["Automatic"], g["MaximumAutomaticAttempts"],
                          g["RetryAttemptSeconds"], g["ResourceType"]),
                         ("AWS-DisableS3BucketPublicReadWrite", True, 10, 600, "AWS::S3::Bucket"))
        self.assertEqual(g["CreatedByService"], "config-conformance-pack.amazonaws.com")
        self.assertEqual(g["Parameters"]["S3BucketName"],
                         {"ResourceValue": {"Value": "RESOURCE_ID"}})
        # owned by the pack: neither changed nor deleted directly
        out = self.cfg.put_remediation_configurations(RemediationConfigurations=[{
            "ConfigRuleName": rules[0], "TargetType": "SSM_DOCUMENT", "TargetId": "other"}])
        self.assertIn("conformance pack", out["FailedBatches"][0]["FailureMessage"])
        self.assertAwsError("InsufficientPermissionsException",
                            self.cfg.delete_remediation_configuration, ConfigRuleName=rules[0])
        delete_pack(self.cfg, ConformancePackName="s3-remediation")
        self.assertEqual(self.cfg.describe_remediation_configurations(
            ConfigRuleNames=rules)["RemediationConfigurations"], [])

    def test_aws_cli(self):
        self.put_rule("cli-rule", "MyCorp::Test::Cli")
        self.server.cli("put-remediation-configurations", "--remediation-configurations",
                        json.dumps([{"ConfigRuleName": "cli-rule", "TargetType": "SSM_DOCUMENT",
                                     "TargetId": "cli-action", "RetryAttemptSeconds": 30}]))
        _, out, _ = self.server.cli("describe-remediation-configurations",
                                    "--config-rule-names", "cli-rule")
        self.assertEqual(out["RemediationConfigurations"][0]["RetryAttemptSeconds"], 30)
        rc, _, err = self.server.cli("delete-remediation-configuration", "--config-rule-name",
                                     "nope", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("NoSuchRemediationConfigurationException", err)

    def test_actions_registry(self):
        out = self.plumb_call("PutAction", {"ActionName": "noop", "Runtime": "exec",
                                            "Command": "true", "Timeout": 5})
        self.assertEqual(out["ActionName"], "noop")
        got = self.plumb_call("GetAction", {"ActionName": "noop"})["Action"]
        self.assertEqual((got["Runtime"], got["Command"], got["Timeout"], got["DryRun"]),
                         ("exec", "true", 5, False))
        names = [a["ActionName"] for a in self.plumb_call("ListActions", {})["Actions"]]
        self.assertIn("noop", names)
        p = plumb("action", "add", "bad name", "--exec", "true", "--data", self.server.data,
                  check=False)
        self.assertNotEqual(p.returncode, 0)
        plumb("action", "add", "cli-act", "--exec", "echo hi", "--dry-run", "--data",
              self.server.data)
        listed = json.loads(plumb("action", "list", "--json", "--data", self.server.data).stdout)
        self.assertTrue(any(a["ActionName"] == "cli-act" and a["DryRun"] for a in listed))
        plumb("action", "remove", "cli-act", "--data", self.server.data)
        p = plumb("action", "remove", "cli-act", "--data", self.server.data, check=False)
        self.assertEqual(p.returncode, 1)
        self.plumb_call("DeleteAction", {"ActionName": "noop"})
        for op in ("GetAction", "DeleteAction", "GetActionLogs"):
            status, out = signed_call(self.server.url, "PlumbService." + op,
                                      json.dumps({"ActionName": "noop"}))
            self.assertEqual((status, out["__type"]), (400, "ResourceNotFoundException"), op)
        for bad in ({"ActionName": "x", "Runtime": "cobol"},
                    {"ActionName": "x" * 58, "Runtime": "exec", "Command": "true"},
                    {"ActionName": "x", "Runtime": "exec", "Command": "true", "DryRun": "yes"},
                    {"ActionName": "x", "Runtime": "exec", "Command": "true", "Timeout": 901}):
            status, out = signed_call(self.server.url, "PlumbService.PutAction", json.dumps(bad))
            self.assertEqual((status, out["__type"]), (400, "InvalidParameterValueException"),
                             bad)

    def test_acceptance_automatic_fix_and_exception(self):
        rtype, rule = "MyCorp::Test::Widget", "widget-private"
        self.plumb_call("PutAction", {"ActionName": "MakeWidgetPrivate", "Runtime": "exec",
                                      "Command": write_fix(self.dir), "Timeout": 120})
        self.put_rule(rule, rtype)
        self.remediation(rule, "MakeWidgetPrivate", Automatic=True,
                         MaximumAutomaticAttempts=2, RetryAttemptSeconds=10)
        self.cfg.put_remediation_exceptions(
            ConfigRuleName=rule, ResourceKeys=[{"ResourceType": rtype, "ResourceId": "w-kept"}],
            Message="public on purpose")
        skipped = self.metric("skipped")
        self.put_widget(rtype, "w-kept", True)
        poll(lambda: self.metric("skipped") > skipped, "the worker to skip w-kept")
        self.put_widget(rtype, "w-open", True)
        st = self.final_status(rule, rtype, "w-open")
        self.assertEqual(st["State"], "SUCCEEDED", st)
        self.assertEqual([(s["Name"], s["State"]) for s in st["StepDetails"]],
                         [("ReadWidget", "SUCCEEDED"), ("MakePrivate", "SUCCEEDED")])
        for s in st["StepDetails"]:
            self.assertLessEqual(s["StartTime"], s["StopTime"])
        self.assertLessEqual(st["InvocationTime"], st["LastUpdatedTime"])
        self.assertEqual(st["ResourceKey"], {"resourceType": rtype, "resourceId": "w-open"})
        # the fix was recorded, and the rule re-evaluated it COMPLIANT
        poll(lambda: self.compliance(rule, "w-open") == "COMPLIANT", "w-open COMPLIANT")
        hist = self.cfg.get_resource_config_history(resourceType=rtype, resourceId="w-open")
        conf = json.loads(hist["configurationItems"][0]["configuration"])
        self.assertEqual(conf, {"public": False, "mode": "strict"})
        # RESOURCE_ID and the static value reached the action; it ran once
        runs = [r for r in lines(os.path.join(self.dir, "runs.log")) if r[0] == rtype]
        self.assertEqual(runs, [[rtype, "w-open", "w-open", "1"]])
        # the excepted widget: never remediated, still NON_COMPLIANT
        self.assertEqual(self.compliance(rule, "w-kept"), "NON_COMPLIANT")
        self.assertIsNone(self.status(rule, rtype, "w-kept"))
        # a listing shows the execution; the action's log has its output
        allst = self.cfg.describe_remediation_execution_status(ConfigRuleName=rule)
        self.assertEqual([s["ResourceKey"]["resourceId"]
                          for s in allst["RemediationExecutionStatuses"]], ["w-open"])
        logs = self.plumb_call("GetActionLogs", {"ActionName": "MakeWidgetPrivate"})["Events"]
        self.assertEqual(len(logs), 1)
        self.assertEqual((logs[0]["Outcome"], logs[0]["ResourceId"]), ("Succeeded", "w-open"))
        self.assertIn("MakePrivate", logs[0]["Output"])
        # manual execution on a resource with an exception fails to start
        out = self.cfg.start_remediation_execution(
            ConfigRuleName=rule, ResourceKeys=[{"resourceType": rtype, "resourceId": "w-kept"}])
        self.assertEqual(out["FailedItems"], [{"resourceType": rtype, "resourceId": "w-kept"}])
        self.assertIn("exception", out["FailureMessage"])
        # once the exception is gone, a manual execution fixes it
        self.cfg.delete_remediation_exceptions(
            ConfigRuleName=rule, ResourceKeys=[{"ResourceType": rtype, "ResourceId": "w-kept"}])
        out = self.cfg.start_remediation_execution(
            ConfigRuleName=rule, ResourceKeys=[{"resourceType": rtype, "resourceId": "w-kept"}])
        self.assertEqual(out["FailedItems"], [])
        self.assertEqual(self.final_status(rule, rtype, "w-kept")["State"], "SUCCEEDED")
        poll(lambda: self.compliance(rule, "w-kept") == "COMPLIANT", "w-kept COMPLIANT")

    def test_failing_action_runs_out_of_attempts(self):
        rtype, rule = "MyCorp::Test::Gadget", "gadget-private"
        log = os.path.join(self.dir, "fail.log")
        self.plumb_call("PutAction", {"ActionName": "Broken", "Runtime": "exec",
                                      "Command": "echo run >> %s; echo boom >&2; exit 3" % log})
        self.put_rule(rule, rtype)
        self.remediation(rule, "Broken", Automatic=True, MaximumAutomaticAttempts=3,
                         RetryAttemptSeconds=2)
        self.put_widget(rtype, "g-1", True)
        exc = poll(lambda: self.cfg.describe_remediation_exceptions(
            ConfigRuleName=rule)["RemediationExceptions"], "the automatic exception")
        self.assertEqual((exc[0]["ResourceType"], exc[0]["ResourceId"]), (rtype, "g-1"))
        self.assertIn("3 times", exc[0]["Message"])
        st = self.final_status(rule, rtype, "g-1")
        self.assertEqual(st["State"], "FAILED")
        self.assertEqual(st["StepDetails"][0]["State"], "FAILED")
        self.assertIn("exit status 3", st["StepDetails"][0]["ErrorMessage"])
        self.assertEqual(len(lines(log)), 3)
        logs = self.plumb_call("GetActionLogs", {"ActionName": "Broken"})["Events"]
        self.assertEqual(len(logs), 3)
        self.assertIn("boom", logs[0]["Output"])
        # the exception stops further automatic runs: turning NON_COMPLIANT again is skipped
        skipped = self.metric("skipped")
        self.put_widget(rtype, "g-1", False)
        poll(lambda: self.compliance(rule, "g-1") == "COMPLIANT", "g-1 COMPLIANT")
        self.put_widget(rtype, "g-1", True)
        poll(lambda: self.metric("skipped") > skipped, "the worker to skip g-1")
        self.assertEqual(self.compliance(rule, "g-1"), "NON_COMPLIANT")
        self.assertEqual(self.final_status(rule, rtype, "g-1")["State"], "FAILED")
        self.assertEqual(len(lines(log)), 3)

    def run_batch(self, rule, rtype, ids):
        """StartRemediationExecution of ids; their final statuses, by id."""
        out = self.cfg.start_remediation_execution(
            ConfigRuleName=rule,
            ResourceKeys=[{"resourceType": rtype, "resourceId": i} for i in ids])
        self.assertEqual(out["FailedItems"], [])
        return {i: self.final_status(rule, rtype, i) for i in ids}

    def test_execution_controls_concurrency(self):
        # ConcurrentExecutionRatePercentage: at most that share of the call's resources run at
        # once (25% of 4: one at a time; 50% of 4: two)
        rtype, rule = "MyCorp::Test::Paced", "paced"
        self.plumb_call("PutAction", {"ActionName": "Slow", "Runtime": "exec",
                                      "Command": "sleep 0.3"})
        self.put_rule(rule, rtype)
        ids = ["p-%d" % i for i in range(4)]
        for pct, most in ((25, 1), (50, 2)):
            self.remediation(rule, "Slow", ExecutionControls={"SsmControls": {
                "ConcurrentExecutionRatePercentage": pct, "ErrorPercentage": 100}})
            st = self.run_batch(rule, rtype, ids)
            spans = sorted((s["StepDetails"][0]["StartTime"], s["StepDetails"][0]["StopTime"])
                           for s in st.values())
            self.assertEqual({s["State"] for s in st.values()}, {"SUCCEEDED"})
            for start, _ in spans:  # the actions running when each one started
                self.assertLessEqual(sum(1 for b, e in spans if b <= start < e), most, spans)

    def test_execution_controls_error_percentage(self):
        # ErrorPercentage: once more than 25% of the 4 failed (the second failure), the rest
        # of the batch is FAILED without running
        rtype, rule = "MyCorp::Test::Fragile", "fragile"
        log = os.path.join(self.dir, "fragile.log")
        self.plumb_call("PutAction", {"ActionName": "Fragile", "Runtime": "exec",
                                      "Command": "echo run >> %s; exit 3" % log})
        self.put_rule(rule, rtype)
        self.remediation(rule, "Fragile", ExecutionControls={"SsmControls": {
            "ConcurrentExecutionRatePercentage": 25, "ErrorPercentage": 25}})
        st = self.run_batch(rule, rtype, ["f-%d" % i for i in range(4)])
        self.assertEqual({s["State"] for s in st.values()}, {"FAILED"})
        steps = sorted(s["StepDetails"][0]["Name"] for s in st.values())
        self.assertEqual(steps, ["Fragile", "Fragile", "plumb:ExecutionControls",
                                 "plumb:ExecutionControls"])
        stopped = [s for s in st.values()
                   if s["StepDetails"][0]["Name"] == "plumb:ExecutionControls"]
        self.assertIn("ErrorPercentage of 25%", stopped[0]["StepDetails"][0]["ErrorMessage"])
        self.assertEqual(len(lines(log)), 2)
        # a new call is a new batch: it runs again (and stops again)
        self.run_batch(rule, rtype, ["f-%d" % i for i in range(4)])
        self.assertEqual(len(lines(log)), 4)
        # without SsmControls nothing stops: all four run
        self.remediation(rule, "Fragile")
        self.run_batch(rule, rtype, ["f-%d" % i for i in range(4)])
        self.assertEqual(len(lines(log)), 8)

    def test_execution_controls_automatic(self):
        # automatic remediation: the batch is the rule's NON_COMPLIANT resources; once more
        # than ErrorPercentage of them failed (used up their attempts), the others are FAILED
        # without running until the configuration is put again
        rtype, rule = "MyCorp::Test::Brittle", "brittle"
        log = os.path.join(self.dir, "brittle.log")
        self.plumb_call("PutAction", {"ActionName": "Brittle", "Runtime": "exec",
                                      "Command": "echo run >> %s; exit 3" % log})
        self.put_rule(rule, rtype)
        controls = {"SsmControls": {"ConcurrentExecutionRatePercentage": 50,
                                    "ErrorPercentage": 40}}
        self.remediation(rule, "Brittle", Automatic=True, MaximumAutomaticAttempts=1,
                         RetryAttemptSeconds=1, ExecutionControls=controls)
        self.put_widget(rtype, "b-1", True)
        self.assertEqual(self.final_status(rule, rtype, "b-1")["State"], "FAILED")
        self.put_widget(rtype, "b-2", True)
        st = self.final_status(rule, rtype, "b-2")
        self.assertEqual((st["State"], st["StepDetails"][0]["Name"]),
                         ("FAILED", "plumb:ExecutionControls"))
        self.assertEqual(len(lines(log)), 1)
        # put again: the batch starts over, b-2 turning NON_COMPLIANT again runs
        self.remediation(rule, "Brittle", Automatic=True, MaximumAutomaticAttempts=1,
                         RetryAttemptSeconds=1, ExecutionControls=controls)
        self.put_widget(rtype, "b-2", False)
        poll(lambda: self.compliance(rule, "b-2") == "COMPLIANT", "b-2 COMPLIANT")
        self.put_widget(rtype, "b-2", True)
        poll(lambda: len(lines(log)) == 2, "b-2's action to run")
        self.assertEqual(self.final_status(rule, rtype, "b-2")["StepDetails"][0]["Name"],
                         "Brittle")

    def test_http_action_answer_drives_the_steps(self):
        import http.server
        import threading
        got = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                body = json.dumps({"status": "FAILED", "steps": [
                    {"name": "Lookup", "status": "SUCCEEDED", "message": "found it"},
                    {"name": "Patch", "status": "FAILED", "message": "permission denied"},
                    {"name": "Verify", "status": "PENDING"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        try:
            url = "http://127.0.0.1:%d/fix" % srv.server_address[1]
            self.plumb_call("PutAction", {"ActionName": "HttpFix", "Runtime": "http", "Url": url})
            rtype, rule = "MyCorp::Test::Hook", "hook-private"
            self.put_rule(rule, rtype)
            self.remediation(rule, "HttpFix")
            self.put_widget(rtype, "h-1", True)
            poll(lambda: self.compliance(rule, "h-1") == "NON_COMPLIANT", "h-1 NON_COMPLIANT")
            self.cfg.start_remediation_execution(
                ConfigRuleName=rule, ResourceKeys=[{"resourceType": rtype, "resourceId": "h-1"}])
            st = self.final_status(rule, rtype, "h-1")
            self.assertEqual(st["State"], "FAILED")
            self.assertEqual([(s["Name"], s["State"], s.get("ErrorMessage"))
                              for s in st["StepDetails"]],
                             [("Lookup", "SUCCEEDED", None), ("Patch", "FAILED", "permission denied"),
                              ("Verify", "PENDING", None)])
            self.assertEqual(got[0]["Parameters"], {"Id": "h-1", "Mode": "strict"})
            self.assertEqual((got[0]["Automatic"], got[0]["Attempt"]), (False, 1))
        finally:
            srv.shutdown()
            srv.server_close()

    def test_turning_automatic_remediates_what_is_noncompliant_now(self):
        rtype, rule = "MyCorp::Test::Late", "late-private"
        self.plumb_call("PutAction", {"ActionName": "LateFix", "Runtime": "exec",
                                      "Command": write_fix(self.dir), "Timeout": 120})
        self.put_rule(rule, rtype)
        self.remediation(rule, "LateFix")  # manual first
        for rid in ("l-1", "l-2"):
            self.put_widget(rtype, rid, True)
        for rid in ("l-1", "l-2"):
            poll(lambda: self.compliance(rule, rid) == "NON_COMPLIANT", rid + " NON_COMPLIANT")
        self.assertIsNone(self.status(rule, rtype, "l-1"))
        self.remediation(rule, "LateFix", Automatic=True)
        for rid in ("l-1", "l-2"):
            self.assertEqual(self.final_status(rule, rtype, rid)["State"], "SUCCEEDED")
            poll(lambda: self.compliance(rule, rid) == "COMPLIANT", rid + " COMPLIANT")

    def test_dry_run_and_missing_action(self):
        rtype, rule = "MyCorp::Test::Gizmo", "gizmo-private"
        self.plumb_call("PutAction", {"ActionName": "WouldFix", "Runtime": "exec",
                                      "Command": "touch %s/should-not-exist" % self.dir,
                                      "DryRun": True})
        self.put_rule(rule, rtype)
        self.remediation(rule, "WouldFix", Automatic=True)
        self.put_widget(rtype, "z-1", True)
        st = self.final_status(rule, rtype, "z-1")
        self.assertEqual(st["State"], "SUCCEEDED")
        self.assertEqual(st["StepDetails"][0]["Name"], "plumb:DryRun")
        self.assertEqual(st["StepDetails"][0]["State"], "EXITED")
        self.assertIn('"Id":"z-1"', st["StepDetails"][0]["ErrorMessage"])
        self.assertFalse(os.path.exists(os.path.join(self.dir, "should-not-exist")))
        self.assertEqual(self.compliance(rule, "z-1"), "NON_COMPLIANT")
        # manual executions of several resources, listed a page at a time
        keys = [{"resourceType": rtype, "resourceId": "z-%d" % i} for i in range(2, 5)]
        out = self.cfg.start_remediation_execution(ConfigRuleName=rule, ResourceKeys=keys)
        self.assertEqual(out["FailedItems"], [])
        for k in keys:
            self.assertEqual(self.final_status(rule, rtype, k["resourceId"])["State"],
                             "SUCCEEDED")
        page = self.cfg.describe_remediation_execution_status(ConfigRuleName=rule, Limit=2)
        self.assertEqual([s["ResourceKey"]["resourceId"]
                          for s in page["RemediationExecutionStatuses"]], ["z-1", "z-2"])
        rest = self.cfg.describe_remediation_execution_status(ConfigRuleName=rule, Limit=2,
                                                              NextToken=page["NextToken"])
        self.assertEqual([s["ResourceKey"]["resourceId"]
                          for s in rest["RemediationExecutionStatuses"]], ["z-3", "z-4"])
        self.assertNotIn("NextToken", rest)
        # an unregistered TargetId fails the execution clearly
        self.remediation(rule, "NotRegistered")
        self.cfg.start_remediation_execution(
            ConfigRuleName=rule, ResourceKeys=[{"resourceType": rtype, "resourceId": "z-1"}])
        st = self.final_status(rule, rtype, "z-1")
        self.assertEqual(st["State"], "FAILED")
        self.assertIn("plumb action add NotRegistered", st["StepDetails"][0]["ErrorMessage"])


class RemediationKillTest(RemediationMixin, unittest.TestCase):
    """kill -9 of plumb while an action runs: after the restart the interrupted attempt is
    recorded as failed and not run again; the next attempt fixes the resource."""

    def test_kill_mid_action(self):
        d = action_dir()
        srv = Server().start()
        try:
            self.cfg = srv.client()
            start_recorder(self.cfg)
            rtype, rule = "MyCorp::Test::Sprocket", "sprocket-private"
            plumb("action", "add", "SlowFix", "--exec", write_fix(d, wait=True), "--timeout",
                  "300", "--data", srv.data)
            self.put_rule(rule, rtype)
            self.remediation(rule, "SlowFix", Automatic=True, MaximumAutomaticAttempts=3,
                             RetryAttemptSeconds=3)
            self.put_widget(rtype, "s-1", True)
            runs = os.path.join(d, "runs.log")
            poll(lambda: lines(runs), "the action to start")
            st = self.status(rule, rtype, "s-1")
            self.assertEqual(st["State"], "IN_PROGRESS")
            self.assertEqual(st["StepDetails"][0]["State"], "IN_PROGRESS")
            srv.proc.send_signal(signal.SIGKILL)
            srv.proc.wait()
            srv.log.close()
            with open(os.path.join(d, "go"), "w"):
                pass
            srv.proc = None
            srv.start()
            st = poll(lambda: (self.status(rule, rtype, "s-1") or {}).get("State") ==
                      "SUCCEEDED", "the second attempt to succeed")
            st = self.status(rule, rtype, "s-1")
            self.assertEqual([s["Name"] for s in st["StepDetails"]],
                             ["ReadWidget", "MakePrivate"])
            poll(lambda: self.compliance(rule, "s-1") == "COMPLIANT", "s-1 COMPLIANT")
            # attempt 1 (interrupted) ran once, attempt 2 ran once: no attempt ran twice
            got = lines(runs)
            self.assertEqual([r[3] for r in got], ["1", "2"], got)
            self.assertIn("attempt_interrupted=1", srv.read_log())
        finally:
            srv.cleanup()
            shutil.rmtree(d, ignore_errors=True)

    def test_kill_mid_action_gives_the_batch_slot_back(self):
        # ExecutionControls' running slots are in the store: a manual batch of two whose share
        # is one slot (50% of 2); plumb is killed while the first action runs (holding the
        # slot). After the restart the interrupted attempt is recorded FAILED and gives its
        # slot back, so the second execution runs, in this server or any other on the database.
        d = action_dir()
        srv = Server().start()
        try:
            self.cfg = srv.client()
            start_recorder(self.cfg)
            rtype, rule = "MyCorp::Test::Slotted", "slotted-private"
            plumb("action", "add", "SlowFix", "--exec", write_fix(d, wait=True), "--timeout",
                  "300", "--data", srv.data)
            self.put_rule(rule, rtype)
            self.remediation(rule, "SlowFix", ExecutionControls={"SsmControls": {
                "ConcurrentExecutionRatePercentage": 50, "ErrorPercentage": 100}})
            for rid in ("q-1", "q-2"):
                self.put_widget(rtype, rid, True)
                poll(lambda: self.compliance(rule, rid) == "NON_COMPLIANT", rid + " NON_COMPLIANT")
            self.cfg.start_remediation_execution(ConfigRuleName=rule, ResourceKeys=[
                {"resourceType": rtype, "resourceId": "q-1"},
                {"resourceType": rtype, "resourceId": "q-2"}])
            runs = os.path.join(d, "runs.log")
            poll(lambda: lines(runs), "the first action to start")
            self.assertEqual(len(lines(runs)), 1)  # the other waits for the slot
            srv.stop(signal.SIGKILL)
            with open(os.path.join(d, "go"), "w"):
                pass
            srv.start()
            first = lines(runs)[0][1]
            other = "q-2" if first == "q-1" else "q-1"
            self.assertEqual(self.final_status(rule, rtype, first)["State"], "FAILED")
            self.assertEqual(self.final_status(rule, rtype, other)["State"], "SUCCEEDED")
            self.assertEqual(sorted(r[1] for r in lines(runs)), ["q-1", "q-2"])  # each ran once
        finally:
            srv.cleanup()
            shutil.rmtree(d, ignore_errors=True)


class RemediationS3ExampleTest(RemediationMixin, ServerTest):
    """examples/remediation/s3_actions.py against moto_server: three buckets, each
    NON_COMPLIANT with one managed rule whose automatic remediation is one of the three SSM
    documents AWS's sample packs name; each action makes the document's S3 calls, records the
    fixed bucket, and the rule says COMPLIANT."""

    @classmethod
    def setUpClass(cls):
        moto = shutil.which("moto_server")
        if not moto:
            raise unittest.SkipTest("moto_server is not installed")
        super().setUpClass()
        start_recorder(cls.cfg)
        cls.dir = action_dir()
        cls.moto_port = free_port()
        cls.moto = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(cls.moto_port)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.moto_url = "http://127.0.0.1:%d" % cls.moto_port
        deadline = time.time() + WAIT
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", cls.moto_port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)

    @classmethod
    def tearDownClass(cls):
        cls.moto.terminate()
        cls.moto.wait()
        super().tearDownClass()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def put_bucket_rule(self, rule, identifier, bucket, action, params, rule_params=None):
        r = {"ConfigRuleName": rule,
             "Scope": {"ComplianceResourceTypes": ["AWS::S3::Bucket"],
                       "ComplianceResourceId": bucket},
             "Source": {"Owner": "AWS", "SourceIdentifier": identifier}}
        if rule_params:
            r["InputParameters"] = json.dumps(rule_params)
        self.cfg.put_config_rule(ConfigRule=r)
        params = dict(params, AutomationAssumeRole={"StaticValue": {"Values": [
            "arn:aws:iam::%s:role/S3OperationsAutomationsExecutionRole" % ACCOUNT]}})
        out = self.cfg.put_remediation_configurations(RemediationConfigurations=[{
            "ConfigRuleName": rule, "TargetType": "SSM_DOCUMENT",
            "ResourceType": "AWS::S3::Bucket", "TargetId": action, "TargetVersion": "1",
            "Parameters": params, "Automatic": True, "MaximumAutomaticAttempts": 2,
            "RetryAttemptSeconds": 10}])
        self.assertEqual(out["FailedBatches"], [])

    def record_bucket(self, name):
        self.record({"resourceType": "AWS::S3::Bucket", "resourceId": name, "resourceName": name,
                     "awsRegion": "us-east-1", "configuration": {"name": name},
                     "supplementaryConfiguration": {}})

    def test_three_documents_against_moto(self):
        src = os.path.join(ROOT, "examples", "remediation", "s3_actions.py")
        action = os.path.join(self.dir, "s3_actions.py")
        shutil.copy(src, action)
        os.chmod(action, 0o644)
        s3conf = {"endpoint_url": self.moto_url, "region_name": "us-east-1",
                  "aws_access_key_id": "moto", "aws_secret_access_key": "moto"}
        with open(os.path.join(self.dir, "s3_actions.json"), "w") as f:
            json.dump({"s3": s3conf, "record": True}, f)
        s3 = boto3.client("s3", **s3conf)
        for b in ("open-bucket", "plain-bucket", "quiet-bucket", "logs-bucket"):
            s3.create_bucket(Bucket=b)
        s3.put_bucket_acl(Bucket="logs-bucket", ACL="log-delivery-write")
        for name, fn in (("AWS-DisableS3BucketPublicReadWrite", "handler"),
                         ("AWS-EnableS3BucketEncryption", "enable_encryption"),
                         ("AWS-ConfigureS3BucketLogging", "configure_logging")):
            plumb("action", "add", name, "--python", action + ":" + fn, "--data",
                  self.server.data)
        rid = {"ResourceValue": {"Value": "RESOURCE_ID"}}
        cases = [
            ("bpa", "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", "open-bucket",
             "AWS-DisableS3BucketPublicReadWrite", {"S3BucketName": rid}, None,
             ["PutPublicAccessBlock", "VerifyPublicAccessBlock", "RecordFixedBucket"]),
            ("sse", "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", "plain-bucket",
             "AWS-EnableS3BucketEncryption",
             {"BucketName": rid, "SSEAlgorithm": {"StaticValue": {"Values": ["AES256"]}}}, None,
             ["PutBucketEncryption", "VerifyBucketEncryption", "RecordFixedBucket"]),
            ("logging", "S3_BUCKET_LOGGING_ENABLED", "quiet-bucket",
             "AWS-ConfigureS3BucketLogging",
             {"BucketName": rid, "TargetBucket": {"StaticValue": {"Values": ["logs-bucket"]}},
              "TargetPrefix": {"StaticValue": {"Values": ["quiet/"]}}},
             {"targetBucket": "logs-bucket"},
             ["PutBucketLogging", "VerifyBucketLogging", "RecordFixedBucket"]),
        ]
        for rule, ident, bucket, doc, params, rparams, _ in cases:
            self.put_bucket_rule(rule, ident, bucket, doc, params, rparams)
        for _, _, bucket, _, _, _, _ in cases:
            self.record_bucket(bucket)
        for rule, _, bucket, _, _, _, steps in cases:
            st = self.final_status(rule, "AWS::S3::Bucket", bucket)
            self.assertEqual(st["State"], "SUCCEEDED", st)
            self.assertEqual([(s["Name"], s["State"]) for s in st["StepDetails"]],
                             [(n, "SUCCEEDED") for n in steps])
            poll(lambda: self.compliance(rule, bucket) == "COMPLIANT", bucket + " COMPLIANT")
        # the S3 side, as the documents leave it
        got = s3.get_public_access_block(Bucket="open-bucket")["PublicAccessBlockConfiguration"]
        self.assertTrue(all(got[k] for k in ("BlockPublicAcls", "IgnorePublicAcls",
                                             "BlockPublicPolicy", "RestrictPublicBuckets")))
        enc = s3.get_bucket_encryption(Bucket="plain-bucket")["ServerSideEncryptionConfiguration"]
        self.assertEqual(enc["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
                         "AES256")
        log = s3.get_bucket_logging(Bucket="quiet-bucket")["LoggingEnabled"]
        self.assertEqual((log["TargetBucket"], log["TargetPrefix"]), ("logs-bucket", "quiet/"))


class RemediationSigV4Test(RemediationMixin, ServerTest):
    """--auth sigv4: only administrator keys register actions; an action calls back with
    session credentials minted for it, which the server accepts."""
    AUTH = "sigv4"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.server.first_key(ACCOUNT)
        cls.cfg = cls.server.client(key=cls.admin[0], secret=cls.admin[1])
        k = json.loads(plumb("credentials", "add", "--data", cls.server.data, "--json").stdout)
        cls.user = (k["accessKeyId"], k["secretAccessKey"])
        user = cls.server.client(key=cls.user[0], secret=cls.user[1])

        def accepted():
            try:
                user.describe_configuration_recorders()
                return True
            except botocore.exceptions.ClientError:
                return False
        poll(accepted, "the new key to be accepted")
        start_recorder(cls.cfg)
        cls.dir = action_dir()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_admin_only_and_session_credentials(self):
        body = json.dumps({"ActionName": "SignedFix", "Runtime": "exec",
                           "Command": write_fix(self.dir), "Timeout": 120})
        status, out = signed_call(self.server.url, "PlumbService.PutAction", body,
                                  key=self.user[0], secret=self.user[1])
        self.assertEqual((status, out["__type"]), (403, "AccessDeniedException"), out)
        status, out = signed_call(self.server.url, "PlumbService.PutAction", body,
                                  key=self.admin[0], secret=self.admin[1])
        self.assertEqual(status, 200, out)
        # plumb action --endpoint signs with the environment's keys: only the admin's register
        env = dict(os.environ, AWS_ACCESS_KEY_ID=self.user[0],
                   AWS_SECRET_ACCESS_KEY=self.user[1])
        p = subprocess.run([harness.PLUMB, "action", "add", "Remote", "--exec", "true",
                            "--endpoint", self.server.url], env=env, capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("administrator", p.stderr)
        env.update(AWS_ACCESS_KEY_ID=self.admin[0], AWS_SECRET_ACCESS_KEY=self.admin[1])
        p = subprocess.run([harness.PLUMB, "action", "add", "Remote", "--exec", "true",
                            "--endpoint", self.server.url], env=env, capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = subprocess.run([harness.PLUMB, "action", "list", "--json", "--endpoint",
                            self.server.url], env=env, capture_output=True, text=True,
                           timeout=120)
        self.assertIn("Remote", [a["ActionName"] for a in json.loads(p.stdout)])
        rtype, rule = "MyCorp::Test::Signed", "signed-private"
        self.put_rule(rule, rtype)
        self.remediation(rule, "SignedFix", Automatic=True, MaximumAutomaticAttempts=1)
        self.put_widget(rtype, "sig-1", True)
        st = self.final_status(rule, rtype, "sig-1")
        self.assertEqual(st["State"], "SUCCEEDED", st)
        poll(lambda: self.compliance(rule, "sig-1") == "COMPLIANT", "sig-1 COMPLIANT")


if __name__ == "__main__":
    unittest.main()
