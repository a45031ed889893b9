"""test_console.py — the web console in a real browser (issue 16, Console).

Starts `plumb serve` with SigV4 auth on a free loopback port, seeds it (a recorder, two rules,
resources with several versions, their compliance, a resource whose id is markup), then runs
console.js: headless Debian chromium driven by playwright-core signs in with the server's key
and reads every page. The checks here compare what the browser showed with what the API says.
Screenshots go to build/console-shots/, or to $PL_CONSOLE_SHOTS (docs/console/ refreshes the
committed ones the README shows, see docs/console.md). Skipped when chromium or
playwright-core is missing: `tools/install-deps --test` installs both.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
from harness import ACCOUNT, PLUMB, Server, plumb, signed_call  # noqa: E402

CHROMIUM = os.environ.get("PL_CHROMIUM", "/usr/bin/chromium")
PLAYWRIGHT = os.path.join(HERE, "node_modules", "playwright-core")
# next to the binary (build/console-shots) unless asked for elsewhere (docs/console to refresh
# the committed ones): a test run leaves the tree clean
SHOTS = os.environ.get("PL_CONSOLE_SHOTS",
                       os.path.join(os.path.dirname(os.path.abspath(PLUMB)), "console-shots"))
WAIT = 180 if os.environ.get("PL_ASAN") else 60
SG, EC2 = "AWS::EC2::SecurityGroup", "AWS::EC2::Instance"
OTHER = "210987654321"  # a second account: an aggregator's source that authorized ACCOUNT
PACK = """
Resources:
  SshRule:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: pack-ssh
      Scope: {ComplianceResourceTypes: [AWS::EC2::SecurityGroup]}
      Source: {Owner: AWS, SourceIdentifier: INCOMING_SSH_DISABLED}
  TagRule:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: pack-tags
      Scope: {ComplianceResourceTypes: [AWS::EC2::Instance]}
      InputParameters: {tag1Key: owner}
      Source: {Owner: AWS, SourceIdentifier: REQUIRED_TAGS}
"""
HOSTILE_ID = 'i-<img src=x onerror="window.__plumbXss=1"><script>window.__plumbXss=2</script>'


def sg_ci(group_id, cidr, desc):
    return {"resourceType": SG, "resourceId": group_id, "awsAccountId": ACCOUNT,
            "awsRegion": "us-east-1", "resourceName": group_id,
            "configuration": {"groupId": group_id, "groupName": group_id, "description": desc,
                              "ipPermissions": [{"ipProtocol": "tcp", "fromPort": 22,
                                                 "toPort": 22, "ipv4Ranges": [{"cidrIp": cidr}],
                                                 "ipRanges": [cidr]}]}}


def instance_ci(instance_id, tags, itype="t3.micro"):
    return {"resourceType": EC2, "resourceId": instance_id, "awsAccountId": ACCOUNT,
            "awsRegion": "us-east-1", "tags": tags,
            "configuration": {"instanceId": instance_id, "instanceType": itype,
                              "state": {"name": "running"}}}


def run_driver(cfg):
    """Runs console.js with cfg; returns (exit code, parsed output, stderr)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(cfg, f)
    try:
        p = subprocess.run(["node", os.path.join(HERE, "console.js"), f.name], cwd=HERE,
                           capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(f.name)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        out = {"failure": "no JSON from console.js: " + p.stdout[-2000:]}
    return p.returncode, out, p.stderr


# Skipped only outside CI (a developer's machine without the browser); under CI (CI set, as
# .ci/run's environment has it) a missing browser is a failure, never a silent skip.
@unittest.skipUnless(os.environ.get("CI") or (os.path.exists(CHROMIUM) and
                                              os.path.isdir(PLAYWRIGHT) and shutil.which("node")),
                     "needs chromium and playwright-core (tools/install-deps --test)")
class Console(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(auth="sigv4").start()
        cls.key, cls.secret = cls.server.first_key(ACCOUNT)
        cls.cfg = cls.server.client(key=cls.key, secret=cls.secret)
        cls.seed()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    @classmethod
    def record(cls, *cis):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(list(cis), f)
        try:
            plumb("record", "--data", cls.server.data, f.name)
        finally:
            os.unlink(f.name)

    @classmethod
    def wait_result(cls, rtype, rid, want):
        deadline = time.time() + WAIT
        while True:
            res = cls.cfg.get_compliance_details_by_resource(
                ResourceType=rtype, ResourceId=rid)["EvaluationResults"]
            if res and res[0]["ComplianceType"] == want:
                return
            assert time.time() < deadline, "no %s result for %s: %s\n%s" % (
                want, rid, res, cls.server.read_log()[-3000:])
            time.sleep(0.02)

    @classmethod
    def seed(cls):
        c = cls.cfg
        c.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::%s:role/ConfigRole" % ACCOUNT,
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
        c.put_delivery_channel(DeliveryChannel={"name": "default",
                                                "s3BucketName": "config-bucket-%s" % ACCOUNT})
        c.start_configuration_recorder(ConfigurationRecorderName="default")
        c.put_config_rule(ConfigRule={
            "ConfigRuleName": "incoming-ssh-disabled", "Description": "No SSH from anywhere",
            "Scope": {"ComplianceResourceTypes": [SG]},
            "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}})
        c.put_config_rule(ConfigRule={
            "ConfigRuleName": "required-tags", "Scope": {"ComplianceResourceTypes": [EC2]},
            "InputParameters": json.dumps({"tag1Key": "owner"}),
            "Source": {"Owner": "AWS", "SourceIdentifier": "REQUIRED_TAGS"}})
        # sg-web: open, then closed (two versions: NON_COMPLIANT then COMPLIANT)
        cls.record(sg_ci("sg-web", "0.0.0.0/0", "web tier"), sg_ci("sg-open", "0.0.0.0/0", "x"),
                   instance_ci("i-tagged", {"owner": "ops"}), instance_ci("i-untagged", {}),
                   instance_ci(HOSTILE_ID, {}))
        cls.wait_result(SG, "sg-web", "NON_COMPLIANT")
        cls.wait_result(EC2, HOSTILE_ID, "NON_COMPLIANT")
        cls.record(sg_ci("sg-web", "10.0.0.0/8", "web tier"))
        cls.wait_result(SG, "sg-web", "COMPLIANT")
        cls.record(instance_ci("i-untagged", {}, "m5.large"))
        cls.wait_result(EC2, "i-tagged", "COMPLIANT")
        cls.wait_result(EC2, "i-untagged", "NON_COMPLIANT")
        cls.seed_pack()
        cls.seed_aggregator()

    @classmethod
    def seed_pack(cls):
        """A conformance pack over the same resources, with results (both rules NON_COMPLIANT:
        sg-open and the untagged instances), so its compliance CI has a history."""
        cls.cfg.put_conformance_pack(ConformancePackName="ops-best-practices", TemplateBody=PACK)
        deadline = time.time() + WAIT
        while True:
            r = cls.cfg.describe_conformance_pack_compliance(
                ConformancePackName="ops-best-practices")["ConformancePackRuleComplianceList"]
            if len(r) == 2 and all(x["ComplianceType"] == "NON_COMPLIANT" for x in r):
                break
            assert time.time() < deadline, "pack results: %s\n%s" % (
                r, cls.server.read_log()[-3000:])
            time.sleep(0.05)

    @classmethod
    def seed_aggregator(cls):
        """OTHER (a key of its own) records two resources, has a rule with results and
        authorizes ACCOUNT, whose aggregator reads itself and OTHER."""
        b = json.loads(plumb("credentials", "add", "--account", OTHER, "--json", "--data",
                             cls.server.data).stdout)
        other = cls.server.client(key=b["accessKeyId"], secret=b["secretAccessKey"])
        deadline = time.time() + WAIT  # the server re-reads credentials.json on change
        while True:
            try:
                other.describe_configuration_recorders()
                break
            except Exception:  # noqa: BLE001 - the key is not known yet
                assert time.time() < deadline, "the second account's key was never accepted"
                time.sleep(0.05)
        other.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::%s:role/ConfigRole" % OTHER,
            "recordingGroup": {"allSupported": True}})
        other.put_delivery_channel(DeliveryChannel={"name": "default",
                                                    "s3BucketName": "config-bucket-" + OTHER})
        other.start_configuration_recorder(ConfigurationRecorderName="default")
        for i in range(2):
            other.put_resource_config(ResourceType="MyCompany::App::Thing", SchemaVersionId="1",
                                      ResourceId="thing-%d" % i,
                                      Configuration=json.dumps({"n": i}))
        other.put_config_rule(ConfigRule={
            "ConfigRuleName": "dr-drill",
            "Source": {"Owner": "AWS", "SourceIdentifier": "AWS_CONFIG_PROCESS_CHECK"}})
        other.put_external_evaluation(ConfigRuleName="dr-drill", ExternalEvaluation={
            "ComplianceResourceType": "AWS::::Account", "ComplianceResourceId": OTHER,
            "ComplianceType": "NON_COMPLIANT", "Annotation": "no drill",
            "OrderingTimestamp": time.time()})
        other.put_aggregation_authorization(AuthorizedAccountId=ACCOUNT,
                                            AuthorizedAwsRegion="us-east-1")
        cls.cfg.put_configuration_aggregator(
            ConfigurationAggregatorName="all-accounts",
            AccountAggregationSources=[{"AccountIds": [ACCOUNT, OTHER],
                                        "AwsRegions": ["us-east-1"]}])

    def timeline(self):
        """What GetResourceTimeline answers for sg-web, with events whose strings are markup."""
        h = self.cfg.get_resource_config_history(resourceType=SG, resourceId="sg-web")
        newest, first = h["configurationItems"][0], h["configurationItems"][-1]

        def ev(name, arn, err=None):
            # eventTime as plumb renders it (epoch seconds) and as an ISO string
            e = {"eventTime": 1796378400.25 if err else "2026-12-04T10:00:00Z", "eventName": name,
                 "userIdentity": {"type": "IAMUser", "arn": arn},
                 "sourceIPAddress": "203.0.113.7",
                 "userAgent": "aws-cli/2 <script>window.__plumbXss=3</script>"}
            if err:
                e["errorCode"] = err
            return e
        return {"timeline": [
            {"version": {"configurationStateId": newest["configurationStateId"]},
             "diff": {"changeType": "UPDATE", "changedProperties": {
                 "Configuration.ipPermissions.0.ipRanges.0": {
                     "previousValue": "0.0.0.0/0", "updatedValue": "10.0.0.0/8",
                     "changeType": "UPDATE"},
                 "Configuration.description": {
                     "previousValue": None, "updatedValue": "web tier", "changeType": "CREATE"}}},
             "events": [ev("RevokeSecurityGroupIngress", "arn:aws:iam::123456789012:user/alice"),
                        ev("AuthorizeSecurityGroupIngress", "arn:aws:iam::123456789012:user/mallory",
                           "Client.UnauthorizedOperation")]},
            {"version": {"configurationStateId": first["configurationStateId"]}, "diff": {},
             "events": [ev("CreateSecurityGroup", "arn:aws:iam::123456789012:user/<b>bob</b>")]}],
            "pendingEvents": []}

    def test_console(self):
        code, out, err = run_driver({
            "url": self.server.url, "key": self.key, "secret": self.secret,
            "region": "us-east-1", "shots": SHOTS, "mode": "test",
            "timeoutMs": WAIT * 1000,
            "expect": {"rule": "required-tags", "search": "sg-",
                       "resource": {"type": SG, "id": "sg-web"},
                       "hostile": {"type": EC2, "id": HOSTILE_ID},
                       "hostileRule": "required-tags", "timeline": self.timeline(),
                       "pack": "ops-best-practices", "aggregator": "all-accounts"}})
        self.assertEqual(code, 0, "%s\n%s\n%s" % (out.get("failure"), err[-3000:],
                                                  self.server.read_log()[-2000:]))
        # no script error and no CSP violation by the console itself; the failed loads are the
        # refused sign-in (403) and GetResourceTimeline, unknown here (400: degraded, no box)
        self.assertEqual(out["errorBoxes"], [])
        errors = [e for e in out["errorsBeforeInjection"]
                  if not e.startswith("console: Failed to load resource: the server responded "
                                      "with a status of 40")]
        self.assertEqual(errors, [])

        # the shell's headers
        h = out["headers"]
        csp = h["content-security-policy"]
        for d in ("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'",
                  "connect-src 'self'"):
            self.assertIn(d, csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(h["x-content-type-options"], "nosniff")
        self.assertTrue(h["content-type"].startswith("text/html"))
        self.assertTrue(out["inlineBlocked"], "an injected inline script must not run")

        # sign-in: a wrong secret is refused, the right one is kept in sessionStorage only
        self.assertIn("Signature", out["pages"]["badSignIn"])
        self.assertEqual(out["stored"]["accessKeyId"], self.key)
        self.assertIsNone(out["afterSignOut"])
        for u in out["requests"]:
            self.assertNotIn(self.secret, u)
            self.assertNotIn(self.key, u)

        # the dashboard's counts are the API's
        d = out["pages"]["dashboard"]
        rules = {r["name"]: r for r in d["rules"]}
        # the two rules and the pack's two (pack-ssh-conformance-pack-…, pack-tags-…)
        self.assertEqual(set(rules), {r["ConfigRuleName"] for r in
                                      self.cfg.describe_config_rules()["ConfigRules"]})
        self.assertEqual(len(rules), 4)
        self.assertEqual(rules["incoming-ssh-disabled"]["compliance"], "NON_COMPLIANT")
        self.assertEqual((rules["incoming-ssh-disabled"]["compliant"],
                          rules["incoming-ssh-disabled"]["nonCompliant"]), ("1", "1"))
        self.assertEqual((rules["required-tags"]["compliant"],
                          rules["required-tags"]["nonCompliant"]), ("1", "2"))
        api = {r["ConfigRuleName"]: r["Compliance"]["ComplianceType"] for r in
               self.cfg.describe_compliance_by_config_rule()["ComplianceByConfigRules"]}
        self.assertEqual({n: r["compliance"] for n, r in rules.items()}, api)
        summary = self.cfg.get_compliance_summary_by_config_rule()["ComplianceSummary"]
        cards = {c.lstrip("0123456789+"): c[:len(c) - len(c.lstrip("0123456789+"))]
                 for c in d["cards"]}
        self.assertEqual(cards["Non-compliant rules"],
                         str(summary["NonCompliantResourceCount"]["CappedCount"]))
        self.assertEqual(cards["Compliant rules"],
                         str(summary["CompliantResourceCount"]["CappedCount"]))
        # without GetComplianceCountsByConfigRule: AWS's capped non-compliant counts, no
        # compliant ones, the same compliance and cards
        f = out["pages"]["dashboardFallback"]
        self.assertEqual({r["name"]: (r["compliance"], r["compliant"], r["nonCompliant"])
                          for r in f["rules"]},
                         {n: (r["compliance"], "—", r["nonCompliant"]) for n, r in rules.items()})
        self.assertEqual(f["cards"], d["cards"])
        nc = self.cfg.describe_compliance_by_resource(ComplianceTypes=["NON_COMPLIANT"])
        self.assertEqual(sorted(d["nonCompliant"]),
                         sorted(r["ResourceId"] for r in nc["ComplianceByResources"]))
        self.assertIn("sg-open", d["nonCompliant"])
        # the trend: GetComplianceTrend's today is the non-compliant resources listed (the
        # sampled trend's note, without the operation)
        self.assertIn("today: 2 compliant, %d non-compliant" % len(d["nonCompliant"]),
                      d["trendNote"])
        self.assertIn("of 5 resources", out["pages"]["trendFallback"]["note"])
        self.assertEqual(len(out["pages"]["trendFallback"]["paths"]), 2)
        self.assertEqual(len(d["trendPaths"]), 2)  # compliant and non-compliant lines
        self.assertEqual(cards["Non-compliant rules"], "4")

        # the rule page
        r = out["pages"]["rule"]
        self.assertEqual(r["name"], "required-tags")
        self.assertIn("REQUIRED_TAGS", r["info"])
        self.assertEqual(sorted(r["resources"]), sorted(["i-tagged", "i-untagged", HOSTILE_ID]))
        self.assertEqual(r["badges"][:2], ["NON_COMPLIANT", "NON_COMPLIANT"])

        # the resource page: two versions, the diff side by side
        res = out["pages"]["resource"]
        self.assertEqual(res["id"], "sg-web")
        self.assertEqual(res["versions"], 2)
        # the changed rule's old and new values (a leaf, or the whole rule object when the
        # server's stored diff, served by GetResourceTimeline, names the array element)
        self.assertTrue(any("10.0.0.0/8" in v for v in res["after"]), res["after"])
        self.assertTrue(any("0.0.0.0/0" in v for v in res["before"]), res["before"])
        self.assertTrue(any("cidrIp" in p or "IpPermissions" in p for p in res["props"]),
                        res["props"])
        self.assertTrue(res["whoNote"])
        self.assertEqual(res["rules"][0], "incoming-ssh-disabled")  # and the pack's SSH rule
        self.assertRegex(res["rules"][1], r"^pack-ssh-conformance-pack-[a-z0-9]{9}$")
        self.assertEqual(len(res["rules"]), 2)
        self.assertIn("CloudTrail", res["whoLinked"])
        self.assertEqual(res["whoArns"], ["arn:aws:iam::123456789012:user/alice",
                                          "arn:aws:iam::123456789012:user/mallory",
                                          "arn:aws:iam::123456789012:user/<b>bob</b>"])
        self.assertIn("failed: Client.UnauthorizedOperation", res["who"][1])
        self.assertIn("at 2026-12-04T10:00:00Z", res["who"][0])
        self.assertIn("at 2026-12-04T10:00:00.250Z", res["who"][1])
        # the server's configurationItemDiff is shown as given (one property, not the two the
        # console would compute)
        self.assertEqual(res["whoProps"], ["Configuration.description",
                                           "Configuration.ipPermissions.0.ipRanges.0"])
        self.assertEqual(res["whoBefore"], ["—", "0.0.0.0/0"])
        self.assertIn("<script>window.__plumbXss=3</script>", res["who"][0])
        self.assertEqual(res["injected"], 0)

        # the search box
        self.assertEqual(sorted(out["pages"]["search"]["results"]), ["sg-open", "sg-web"])

        # markup in a resource id is shown as text and never runs
        x = out["pages"]["hostile"]
        self.assertEqual(x["id"], HOSTILE_ID)
        self.assertIn(HOSTILE_ID, x["inRule"])
        self.assertEqual(x["injected"], 0)
        self.assertEqual(x["scriptsInMain"], 0)

        # the JavaScript SHA-256/HMAC (for pages without WebCrypto) agree with WebCrypto
        self.assertTrue(out["fallback"]["webCrypto"])
        self.assertTrue(out["fallback"]["agree"])

        self.check_packs(out["pages"]["packs"])
        self.check_aggregators(out["pages"]["aggregators"])
        self.check_cost(out["pages"]["cost"])

        for name in ("signin", "dashboard", "rule", "resource", "search", "packs", "aggregators",
                     "cost"):
            self.assertTrue(os.path.getsize(os.path.join(SHOTS, name + ".png")) > 1000)

    def check_packs(self, p):
        """The packs page: the score and compliance the API gives; the pack's rules link to
        their rule pages; its history is its ConformancePackCompliance CIs."""
        score = self.cfg.list_conformance_pack_compliance_scores()[
            "ConformancePackComplianceScores"][0]
        self.assertEqual(p["list"], [{"name": "ops-best-practices", "compliance": "NON_COMPLIANT",
                                      "score": score["Score"] + "%"}])
        self.assertEqual(p["name"], "ops-best-practices")
        rules = self.cfg.describe_conformance_pack_compliance(
            ConformancePackName="ops-best-practices")["ConformancePackRuleComplianceList"]
        self.assertEqual(sorted(p["rules"]), sorted(r["ConfigRuleName"] for r in rules))
        self.assertTrue(all(r.startswith("pack-") for r in p["rules"]), p["rules"])
        self.assertEqual(p["ruleBadges"], ["NON_COMPLIANT", "NON_COMPLIANT"])
        self.assertIn(p["clickedRule"], p["rules"])
        self.assertEqual(p["rulePageName"], p["clickedRule"])
        pid = self.cfg.describe_conformance_packs()["ConformancePackDetails"][0][
            "ConformancePackId"]
        hist = self.cfg.get_resource_config_history(
            resourceType="AWS::Config::ConformancePackCompliance", resourceId=pid)
        self.assertEqual(p["versions"], len(hist["configurationItems"]))
        self.assertGreaterEqual(p["versions"], 1)
        self.assertEqual(p["versionBadges"][0], "NON_COMPLIANT")
        self.assertIn(pid, p["note"])
        self.assertEqual(len(p["chartPaths"]), 2)

    def check_aggregators(self, a):
        """The aggregators page: both accounts as sources, rule compliance per account and the
        resource counts as the aggregate API gives them."""
        self.assertEqual(a["list"], ["all-accounts"])
        self.assertEqual(a["name"], "all-accounts")
        self.assertEqual(sorted(s.split(" ")[0] for s in a["sources"]), [ACCOUNT, OTHER])
        self.assertTrue(all("SUCCEEDED" in s for s in a["sources"]), a["sources"])
        summary = self.cfg.get_aggregate_config_rule_compliance_summary(
            ConfigurationAggregatorName="all-accounts", GroupByKey="ACCOUNT_ID")
        want = {g["GroupName"]: [str(g["ComplianceSummary"]["CompliantResourceCount"]["CappedCount"]),
                                 str(g["ComplianceSummary"]["NonCompliantResourceCount"]["CappedCount"])]
                for g in summary["AggregateComplianceCounts"]}
        self.assertEqual(a["accounts"], want)
        self.assertEqual(want[OTHER], ["0", "1"])
        counts = self.cfg.get_aggregate_discovered_resource_counts(
            ConfigurationAggregatorName="all-accounts", GroupByKey="RESOURCE_TYPE")
        self.assertEqual(a["total"], str(counts["TotalDiscoveredResources"]))
        self.assertEqual(a["types"].get("MyCompany::App::Thing"), "2")
        self.assertEqual(a["types"], {g["GroupName"]: str(g["ResourceCount"])
                                      for g in counts["GroupedResourceCounts"]})

    def check_cost(self, c):
        """The cost page: GetCostReport's total, months, types, top resources and advice."""
        st, r = signed_call(self.server.url, "PlumbService.GetCostReport", "{}", key=self.key,
                            secret=self.secret)
        self.assertEqual(st, 200, r)
        self.assertEqual(c["total"], "$%.2f" % r["TotalCost"])
        self.assertEqual(len(c["months"]), len(r["Months"]))
        self.assertEqual(len(c["types"]), len(r["ResourceTypes"]))
        self.assertIn(SG, c["typeNames"])
        self.assertEqual(c["top"][:len(r["TopResources"])],
                         [x["ResourceId"] for x in r["TopResources"]])
        self.assertIn("sg-web", c["top"])
        self.assertEqual(len(c["advice"]), len(r["Advice"]))
        self.assertGreater(len(c["rules"]), 0)

    def test_static_files(self):
        """Each embedded file with its type; 304 on a matching ETag; no listing, no traversal."""
        types = {"/": "text/html", "/console.js": "text/javascript", "/style.css": "text/css",
                 "/favicon.svg": "image/svg+xml"}
        for path, t in types.items():
            with urllib.request.urlopen(self.server.url + path, timeout=10) as r:
                self.assertTrue(r.headers["Content-Type"].startswith(t), path)
                self.assertEqual(r.headers["Cache-Control"], "no-cache")
                self.assertIn("frame-ancestors 'none'", r.headers["Content-Security-Policy"])
                etag = r.headers["ETag"]
                body = r.read()
            self.assertTrue(body)
            req = urllib.request.Request(self.server.url + path, headers={"If-None-Match": etag})
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen(req, timeout=10)
            self.assertEqual(cm.exception.code, 304)
        for path in ("/../CMakeLists.txt", "/web/console.js", "/app.js", "/console.js/", "/%2e%2e/x"):
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen(self.server.url + path, timeout=10)
            self.assertEqual(cm.exception.code, 404, path)


if __name__ == "__main__":
    unittest.main()
