"""test_cost.py — the cost report (docs/cost.md): CIs of two types recorded with their capture
times over two months, a change-triggered Guard rule evaluating each instance CI (February, by
plumb's clock) and an on-demand run after the clock moves to March; PlumbService.GetCostReport and `plumb cost` give what
AWS Config would have charged, figured here by hand from the counts and the price table; an
account sees only its own cost. The tier arithmetic (crossing 100,000 and 500,000) is in
tests/unit/cost/test_cost.c."""
import json
import time
import unittest
from decimal import Decimal

import harness
from harness import ACCOUNT, ServerTest, plumb, signed_call, put_pack

OTHER = "222222222222"
CI_PRICE = Decimal("0.003")
EVAL_PRICE = Decimal("0.001")  # below 100,000 evaluations a month


def instance(iid, itype, when, account=ACCOUNT):
    return {"resourceType": "AWS::EC2::Instance", "resourceId": iid, "awsRegion": "us-east-1",
            "awsAccountId": account, "configurationItemCaptureTime": when,
            "configuration": {"instanceId": iid, "instanceType": itype}}


def bucket(name, when):
    return {"resourceType": "AWS::S3::Bucket", "resourceId": name, "awsRegion": "us-east-1",
            "awsAccountId": ACCOUNT, "configurationItemCaptureTime": when,
            "configuration": {"name": name}}


class Cost(ServerTest):
    EXTRA = ("--fake-clock", "2026-02-20T00:00:00Z")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.server.client(key=OTHER)

    def call(self, body, key=ACCOUNT):
        status, out = signed_call(self.server.url, "PlumbService.GetCostReport", json.dumps(body),
                                  key=key)
        return status, out

    def report(self, body=None, key=ACCOUNT):
        status, out = self.call(body or {}, key=key)
        self.assertEqual(status, 200, out)
        return out

    def wait_evals(self, month, n, key=ACCOUNT, kind="RuleEvaluations"):
        """Polls the report until month has n evaluations of kind (generous deadline)."""
        def got():
            m = [x for x in self.report(key=key)["Months"] if x["Month"] == month]
            return m[0] if m and m[0][kind] >= n else None
        return self.wait_for("%d %s in %s" % (n, kind, month), got)

    def wait_total(self, key, kind, n):
        """Polls the report until its months hold n evaluations of kind in all."""
        self.wait_for("%d %s" % (n, kind),
                      lambda: sum(m[kind] for m in self.report(key=key)["Months"]) >= n)

    def test_pack_evaluations(self):
        """A conformance pack's rule is billed at the conformance pack rates."""
        key = "333333333333"
        c = self.server.client(key=key)
        c.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::%s:role/ConfigRole" % key,
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
        c.put_delivery_channel(DeliveryChannel={
            "name": "default", "s3BucketName": "my-config-bucket-%s" % key})
        c.start_configuration_recorder(ConfigurationRecorderName="default")
        put_pack(c, ConformancePackName="buckets", TemplateBody=(
            "Resources:\n  Versioning:\n    Type: AWS::Config::ConfigRule\n    Properties:\n"
            "      ConfigRuleName: versioning\n"
            "      Scope: {ComplianceResourceTypes: [AWS::S3::Bucket]}\n"
            "      Source: {Owner: AWS, SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED}\n"))
        # the pack's first (full) run must be over before the buckets come, else it may judge
        # b-1 as well as b-1's change trigger does (two evaluations, both billed)
        rule = [r["ConfigRuleName"] for r in c.describe_config_rules()["ConfigRules"]][0]
        deadline = time.time() + 60
        while not c.describe_config_rule_evaluation_status(ConfigRuleNames=[rule])[
                "ConfigRulesEvaluationStatus"][0].get("LastSuccessfulEvaluationTime"):
            self.assertLess(time.time(), deadline, "the pack's first run did not end")
            time.sleep(0.01)
        for i, name in enumerate(("b-1", "b-2")):
            ci = bucket(name, "2026-01-1%dT00:00:00Z" % i)
            ci["awsAccountId"] = key
            ci["supplementaryConfiguration"] = {
                "BucketVersioningConfiguration": {"status": "Enabled"}}
            status, out = signed_call(self.server.url, "PlumbService.RecordConfigurationItems",
                                      json.dumps({"configurationItems": [ci]}), key=key)
            self.assertEqual((status, out.get("recorded")), (200, 1), out)
            self.wait_total(key, "ConformancePackEvaluations", i + 1)
        # the month is plumb's clock's, which the other test may have moved: sums over months
        r = self.report(key=key)
        tot = lambda k: sum(Decimal(str(m[k])) for m in r["Months"])
        self.assertEqual(tot("ConformancePackEvaluations"), 2)
        self.assertEqual(tot("RuleEvaluations"), 0)
        self.assertEqual(tot("ConformancePackEvaluationCost"), 2 * EVAL_PRICE)
        self.assertEqual(tot("RuleEvaluationCost"), 0)
        rules = self.report(key=key)["Rules"]
        self.assertEqual(len(rules), 1, rules)
        self.assertTrue(rules[0]["ConfigRuleName"].startswith("versioning-conformance-pack-"))
        self.assertTrue(rules[0]["ConformancePack"])
        self.assertEqual(rules[0]["Evaluations"], 2)

    def test_cost(self):
        self.setup_recorder()
        self.other.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::%s:role/ConfigRole" % OTHER,
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
        self.other.put_delivery_channel(DeliveryChannel={
            "name": "default", "s3BucketName": "my-config-bucket-%s" % OTHER})
        self.other.start_configuration_recorder(ConfigurationRecorderName="default")
        # a change-triggered Guard rule on instances, before anything is recorded
        self.cfg.put_config_rule(ConfigRule={
            "ConfigRuleName": "micro", "Scope": {"ComplianceResourceTypes": ["AWS::EC2::Instance"]},
            "Source": {"Owner": "CUSTOM_POLICY", "SourceDetails": [{
                "EventSource": "aws.config",
                "MessageType": "ConfigurationItemChangeNotification"}],
                "CustomPolicyDetails": {"PolicyRuntime": "guard-2.x.x",
                                        "PolicyText": "rule m { configuration.instanceType "
                                                      "== \"t3.micro\" }"}}})
        # the rule's first (full) run must be over before the instances come, else it may judge
        # i-1 as well as i-1's change trigger does (two evaluations, both billed): its outbox
        # row done is the signal (a rule's evaluation status is written only by runs that
        # judged something)
        harness.wait_for(lambda: int(harness.store_scalar(
            self.server.data, "SELECT COUNT(*) FROM outbox WHERE kind = 'rules.evaluate' AND "
            "done = 0")) == 0, what="the rule's first run")
        # January: i-1 three versions, i-2 one, a bucket; February: i-1 twice more. One at a
        # time, each instance CI's evaluation awaited (plumb's clock: February 20)
        cis = [instance("i-1", "t3.micro", "2026-01-02T00:00:00Z"),
               instance("i-1", "t3.small", "2026-01-03T00:00:00Z"),
               instance("i-1", "t3.micro", "2026-01-04T00:00:00Z"),
               instance("i-2", "m5.large", "2026-01-05T00:00:00Z"),
               bucket("my-bucket", "2026-01-06T00:00:00Z"),
               instance("i-1", "t3.small", "2026-02-02T00:00:00Z"),
               instance("i-1", "t3.micro", "2026-02-03T00:00:00Z")]
        evals = 0
        for ci in cis:
            out = self.plumb_call("RecordConfigurationItems", {"configurationItems": [ci]})
            self.assertEqual(out["recorded"], 1, out)
            if ci["resourceType"] == "AWS::EC2::Instance":
                evals += 1
                self.wait_evals("2026-02", evals)
        with_key = signed_call(self.server.url, "PlumbService.RecordConfigurationItems",
                               json.dumps({"configurationItems": [
                                   instance("i-9", "t3.micro", "2026-01-07T00:00:00Z", OTHER)]}),
                               key=OTHER)
        self.assertEqual(with_key[1]["recorded"], 1, with_key)
        # March 7: an on-demand run evaluates the two instances once more
        self.plumb_call("AdvanceClock", {"Milliseconds": 15 * 86400 * 1000})
        self.cfg.start_config_rules_evaluation(ConfigRuleNames=["micro"])
        self.wait_evals("2026-03", 2)

        r = self.report()
        months = {m["Month"]: m for m in r["Months"]}
        self.assertEqual(sorted(months), ["2026-01", "2026-02", "2026-03"])
        jan, feb, mar = months["2026-01"], months["2026-02"], months["2026-03"]
        for m in (jan, feb, mar):
            self.assertEqual((m["AccountId"], m["AwsRegion"]), (ACCOUNT, "us-east-1"))
        self.assertEqual(jan["ConfigurationItems"], 5)
        # i-1 twice; and a ResourceCompliance CI for each of the 6 evaluations, each of which
        # changed a compliance (i-1: C, N, C, N, C; i-2: N)
        self.assertEqual(feb["ConfigurationItems"], 2 + 6)
        self.assertEqual(mar["ConfigurationItems"], 0)  # same compliance: no new CI
        self.assertEqual([m["RuleEvaluations"] for m in (jan, feb, mar)], [0, 6, 2])
        expect = {}
        for k, m in months.items():
            ci_cost = m["ConfigurationItems"] * CI_PRICE
            ev_cost = m["RuleEvaluations"] * EVAL_PRICE
            expect[k] = ci_cost + ev_cost
            self.assertEqual(Decimal(str(m["ConfigurationItemCost"])), ci_cost, m)
            self.assertEqual(Decimal(str(m["RuleEvaluationCost"])), ev_cost, m)
            self.assertEqual(Decimal(str(m["Cost"])), expect[k], m)
        self.assertEqual(expect["2026-01"], Decimal("0.015"))
        self.assertEqual(Decimal(str(r["TotalCost"])), sum(expect.values()))
        self.assertEqual(Decimal(str(r["TotalCost"])), Decimal("0.047"))

        # per type, per rule, churn, advice, footprint
        types = {(t["Month"], t["ResourceType"]): t for t in r["ResourceTypes"]}
        self.assertEqual(types[("2026-01", "AWS::EC2::Instance")]["ConfigurationItems"], 4)
        self.assertEqual(types[("2026-01", "AWS::S3::Bucket")]["ConfigurationItems"], 1)
        self.assertEqual(
            types[("2026-02", "AWS::Config::ResourceCompliance")]["ConfigurationItems"], 6)
        rules = {(x["Month"], x["ConfigRuleName"]): x for x in r["Rules"]}
        self.assertEqual(rules[("2026-02", "micro")]["Evaluations"], 6)
        self.assertEqual(rules[("2026-03", "micro")]["Evaluations"], 2)
        self.assertEqual(Decimal(str(rules[("2026-03", "micro")]["Cost"])), Decimal("0.002"))
        self.assertFalse(rules[("2026-03", "micro")]["ConformancePack"])
        top = r["TopResources"][:2]  # i-1 and its compliance record, 5 CIs each
        self.assertEqual({t["ResourceId"] for t in top}, {"i-1", "AWS::EC2::Instance/i-1"})
        for t in top:
            self.assertEqual(t["ConfigurationItems"], 5)
            self.assertEqual(Decimal(str(t["Cost"])), 5 * CI_PRICE)
        adv = {a["ResourceType"]: a for a in r["Advice"]}
        # excluding instances: their 6 CIs and their 8 evaluations
        self.assertEqual(Decimal(str(adv["AWS::EC2::Instance"]["ExclusionSaves"])),
                         6 * CI_PRICE + 8 * EVAL_PRICE)
        self.assertEqual(r["Advice"][0]["ResourceType"], "AWS::EC2::Instance")
        self.assertEqual(Decimal(str(adv["AWS::Config::ResourceCompliance"]["ExclusionSaves"])),
                         6 * CI_PRICE)
        fp = r["Footprint"]
        self.assertEqual(fp["Resources"], 3 + 2)  # i-1, i-2, bucket, 2 compliance records
        self.assertNotIn("DataBytes", fp)  # an account sees rates, not the store's size
        self.assertGreater(fp["DataBytesPer10000Resources"], 0)
        self.assertGreater(fp["RssBytesPer10000Resources"], 0)
        self.assertEqual(r["PriceTable"]["Date"], "2025-04-01")

        # months bound the report
        only_jan = self.report({"Since": "2026-01", "Until": "2026-01"})
        self.assertEqual([m["Month"] for m in only_jan["Months"]], ["2026-01"])
        self.assertEqual(Decimal(str(only_jan["TotalCost"])), Decimal("0.015"))
        status, err = self.call({"Since": "2026-13"})
        self.assertEqual((status, err.get("__type")), (400, "ValidationException"), err)
        status, err = self.call({"Since": "2026-03", "Until": "2026-01"})
        self.assertEqual((status, err.get("__type")), (400, "ValidationException"), err)

        # isolation: the other account's key sees its one CI only, and A's report has none of it
        o = self.report(key=OTHER)
        self.assertEqual([(m["AccountId"], m["Month"]) for m in o["Months"]],
                         [(OTHER, "2026-01")])
        self.assertEqual(Decimal(str(o["TotalCost"])), CI_PRICE)
        self.assertEqual(o["Rules"], [])
        self.assertEqual([t["ResourceId"] for t in o["TopResources"]], ["i-9"])
        self.assertNotIn(OTHER, json.dumps(r))
        self.assertNotIn("i-9", json.dumps(r))

        # the CLI on the data directory: the same figures, every account by default
        cli = json.loads(plumb("cost", "--data", self.server.data, "--account", ACCOUNT,
                               "--json").stdout)
        for k in ("Months", "ResourceTypes", "Rules", "TopResources", "TotalCost"):
            self.assertEqual(cli[k], r[k], k)
        self.assertGreater(cli["Footprint"]["DataBytes"], 0)
        every = json.loads(plumb("cost", "--data", self.server.data, "--json").stdout)
        self.assertEqual(Decimal(str(every["TotalCost"])), Decimal("0.047") + CI_PRICE)
        text = plumb("cost", "--data", self.server.data, "--since", "2026-02").stdout
        self.assertIn("TOTAL", text)
        self.assertIn("0.0320", text)  # February 0.030 + March 0.002
        self.assertIn("exclude AWS::EC2::Instance", text)
        bad = plumb("cost", "--data", self.server.data, "--since", "Jan", check=False)
        self.assertEqual(bad.returncode, 2, bad.stderr)


if __name__ == "__main__":
    unittest.main()
