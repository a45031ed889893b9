"""test_proactive.py — proactive evaluation (issue 12): rules with EvaluationModes PROACTIVE,
StartResourceEvaluation / GetResourceEvaluationSummary / ListResourceEvaluations,
GetComplianceDetailsByResource with ResourceEvaluationId, and `plumb eval` as a CI gate.

Each scenario uses its own region (rules are per region), so the rules of one do not judge the
resources of another. Nothing proactive may show in the history or the discovered resources.
"""
import json
import os
import subprocess
import tempfile
import time
import unittest

from harness import ACCOUNT, PLUMB, ROOT, SHARED, ServerTest, plumb

HANDLER = os.path.join(ROOT, "tests", "data", "functions", "fn_proactive_encryption.py")

PUBLIC_BUCKET = {
    "BucketName": "public-bucket",
    "PublicAccessBlockConfiguration": {"BlockPublicAcls": False, "BlockPublicPolicy": False,
                                       "IgnorePublicAcls": False,
                                       "RestrictPublicBuckets": False},
}
PRIVATE_BUCKET = {
    "BucketName": "private-bucket",
    "VersioningConfiguration": {"Status": "Enabled"},
    "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                       "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
}

GUARD_POLICY = """
rule bucket_encrypted when resourceType == "AWS::S3::Bucket" {
    configuration.BucketEncryption exists <<The bucket declares no BucketEncryption>>
}
"""


def details(rid, conf, rtype="AWS::S3::Bucket"):
    return {"ResourceId": rid, "ResourceType": rtype, "ResourceConfiguration": json.dumps(conf),
            "ResourceConfigurationSchemaType": "CFN_RESOURCE_SCHEMA"}


def managed_rule(name, ident, modes=("DETECTIVE", "PROACTIVE")):
    return {"ConfigRuleName": name, "Source": {"Owner": "AWS", "SourceIdentifier": ident},
            "EvaluationModes": [{"Mode": m} for m in modes]}


def guard_rule(name):
    """A PROACTIVE Guard rule of GUARD_POLICY over S3 buckets, run on configuration changes."""
    return {"ConfigRuleName": name, "EvaluationModes": [{"Mode": "PROACTIVE"}],
            "Scope": {"ComplianceResourceTypes": ["AWS::S3::Bucket"]},
            "Source": {"Owner": "CUSTOM_POLICY", "SourceDetails": [
                {"EventSource": "aws.config",
                 "MessageType": "ConfigurationItemChangeNotification"}],
                "CustomPolicyDetails": {"PolicyRuntime": "guard-2.x.x",
                                        "PolicyText": GUARD_POLICY}}}


class ProactiveTest(ServerTest):
    def client(self, region):
        return self.server.client(region=region)

    def wait_done(self, cfg, eid, deadline_s=60):
        end = time.time() + deadline_s
        while True:
            s = cfg.get_resource_evaluation_summary(ResourceEvaluationId=eid)
            if s["EvaluationStatus"]["Status"] != "IN_PROGRESS" or time.time() > end:
                return s
            time.sleep(0.1)

    def lambda_rule(self, cfg, region, fn, handler, name=None, modes=("PROACTIVE",), **extra):
        """Registers the python function fn (handler "PATH.py:function") in region and the
        CUSTOM_LAMBDA rule name (default fn) of it, run on configuration changes; extra members
        of the rule (Scope) as given."""
        plumb("function", "add", fn, "--runtime", "python", "--handler", handler,
              "--region", region, "--data", self.server.data)
        cfg.put_config_rule(ConfigRule=dict(extra, **{
            "ConfigRuleName": name or fn, "EvaluationModes": [{"Mode": m} for m in modes],
            "Source": {"Owner": "CUSTOM_LAMBDA",
                       "SourceIdentifier": "arn:aws:lambda:%s:%s:function:%s"
                                           % (region, ACCOUNT, fn),
                       "SourceDetails": [{"EventSource": "aws.config",
                                          "MessageType": "ConfigurationItemChangeNotification"}]}}))

    def results(self, cfg, eid, **kw):
        r = cfg.get_compliance_details_by_resource(ResourceEvaluationId=eid, **kw)
        return {e["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ConfigRuleName"]: e
                for e in r["EvaluationResults"]}

    # ---- rules ----

    def test_evaluation_modes(self):
        cfg = self.client("eu-central-1")
        cfg.put_config_rule(ConfigRule=managed_rule("versioning", "S3_BUCKET_VERSIONING_ENABLED"))
        cfg.put_config_rule(ConfigRule={"ConfigRuleName": "detective-only", "Source": {
            "Owner": "AWS", "SourceIdentifier": "S3_BUCKET_SSL_REQUESTS_ONLY"}})
        rules = {r["ConfigRuleName"]: r for r in cfg.describe_config_rules()["ConfigRules"]}
        self.assertEqual(rules["versioning"]["EvaluationModes"],
                         [{"Mode": "DETECTIVE"}, {"Mode": "PROACTIVE"}])
        self.assertEqual(rules["detective-only"]["EvaluationModes"], [{"Mode": "DETECTIVE"}])
        pro = cfg.describe_config_rules(Filters={"EvaluationMode": "PROACTIVE"})["ConfigRules"]
        self.assertEqual([r["ConfigRuleName"] for r in pro], ["versioning"])
        # a managed rule AWS does not list as proactive refuses the mode
        e = self.assertAwsError("InvalidParameterValueException", cfg.put_config_rule,
                                ConfigRule=managed_rule("ssl", "S3_BUCKET_SSL_REQUESTS_ONLY"))
        self.assertIn("S3_BUCKET_SSL_REQUESTS_ONLY", str(e))
        self.assertAwsError("InvalidParameterValueException", cfg.put_config_rule,
                            ConfigRule=managed_rule("dup", "S3_BUCKET_VERSIONING_ENABLED",
                                                    ("PROACTIVE", "PROACTIVE")))
        # Guard policies accept PROACTIVE
        cfg.put_config_rule(ConfigRule=guard_rule("guard-proactive"))

    # ---- managed rules on a non-compliant bucket ----

    def test_non_compliant_bucket_records_nothing(self):
        cfg = self.client("us-east-1")
        cfg.put_config_rule(ConfigRule=managed_rule("s3-bpa",
                                                    "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED"))
        cfg.put_config_rule(ConfigRule=managed_rule("s3-versioning",
                                                    "S3_BUCKET_VERSIONING_ENABLED"))
        before = cfg.list_discovered_resources(resourceType="AWS::S3::Bucket")
        eid = cfg.start_resource_evaluation(
            ResourceDetails=details("public-bucket", PUBLIC_BUCKET), EvaluationMode="PROACTIVE",
            EvaluationContext={"EvaluationContextIdentifier": "pipeline-42"},
            EvaluationTimeout=60)["ResourceEvaluationId"]
        s = cfg.get_resource_evaluation_summary(ResourceEvaluationId=eid)
        self.assertEqual(s["EvaluationStatus"]["Status"], "SUCCEEDED")
        self.assertEqual(s["Compliance"], "NON_COMPLIANT")
        self.assertEqual(s["EvaluationMode"], "PROACTIVE")
        self.assertEqual(s["EvaluationContext"], {"EvaluationContextIdentifier": "pipeline-42"})
        self.assertEqual(s["ResourceDetails"]["ResourceId"], "public-bucket")
        self.assertEqual(json.loads(s["ResourceDetails"]["ResourceConfiguration"]),
                         PUBLIC_BUCKET)
        res = self.results(cfg, eid)
        self.assertEqual(sorted(res), ["s3-bpa", "s3-versioning"])
        self.assertEqual(res["s3-bpa"]["ComplianceType"], "NON_COMPLIANT")
        self.assertEqual(res["s3-bpa"]["Annotation"],
                         "Bucket-level BlockPublicAcls is not enabled.")
        self.assertEqual(res["s3-versioning"]["Annotation"],
                         "Versioning is not enabled on the bucket.")
        q = res["s3-bpa"]["EvaluationResultIdentifier"]
        self.assertEqual(q["ResourceEvaluationId"], eid)
        self.assertEqual(q["EvaluationResultQualifier"]["EvaluationMode"], "PROACTIVE")
        self.assertEqual(q["EvaluationResultQualifier"]["ResourceType"], "AWS::S3::Bucket")
        only = self.results(cfg, eid, ComplianceTypes=["COMPLIANT"])
        self.assertEqual(only, {})
        # nothing recorded: no CI, no discovered resource, no detective result
        self.assertAwsError("ResourceNotDiscoveredException", cfg.get_resource_config_history,
                            resourceType="AWS::S3::Bucket", resourceId="public-bucket")
        self.assertEqual(cfg.list_discovered_resources(resourceType="AWS::S3::Bucket")
                         ["resourceIdentifiers"], before["resourceIdentifiers"])
        det = cfg.get_compliance_details_by_resource(ResourceType="AWS::S3::Bucket",
                                                     ResourceId="public-bucket")
        self.assertEqual(det["EvaluationResults"], [])
        self.assertAwsError("ResourceNotDiscoveredException", cfg.get_resource_config_history,
                            resourceType="AWS::Config::ResourceCompliance",
                            resourceId="AWS::S3::Bucket/public-bucket")

        ok = cfg.start_resource_evaluation(ResourceDetails=details("private-bucket",
                                                                   PRIVATE_BUCKET),
                                           EvaluationMode="PROACTIVE")["ResourceEvaluationId"]
        s = cfg.get_resource_evaluation_summary(ResourceEvaluationId=ok)
        self.assertEqual(s["Compliance"], "COMPLIANT")
        self.assertEqual({k: v["ComplianceType"] for k, v in self.results(cfg, ok).items()},
                         {"s3-bpa": "COMPLIANT", "s3-versioning": "COMPLIANT"})

    def test_aws_cli(self):
        self.client("sa-east-1").put_config_rule(
            ConfigRule=managed_rule("rds-public", "RDS_INSTANCE_PUBLIC_ACCESS_CHECK",
                                    ("PROACTIVE",)))
        _, out, _ = self.server.cli(
            "start-resource-evaluation", "--evaluation-mode", "PROACTIVE",
            "--resource-details", json.dumps(details("db-1", {"PubliclyAccessible": True,
                                                              "Engine": "mysql"},
                                                     "AWS::RDS::DBInstance")),
            region="sa-east-1")
        eid = out["ResourceEvaluationId"]
        _, s, _ = self.server.cli("get-resource-evaluation-summary", "--resource-evaluation-id",
                                  eid, region="sa-east-1")
        self.assertEqual(s["Compliance"], "NON_COMPLIANT")
        _, d, _ = self.server.cli("get-compliance-details-by-resource",
                                  "--resource-evaluation-id", eid, region="sa-east-1")
        self.assertEqual(d["EvaluationResults"][0]["ComplianceType"], "NON_COMPLIANT")
        self.assertEqual(d["EvaluationResults"][0]["EvaluationResultIdentifier"]
                         ["EvaluationResultQualifier"]["ConfigRuleName"], "rds-public")

    # ---- Guard and Lambda-style rules ----

    def test_guard_rule(self):
        cfg = self.client("eu-west-1")
        cfg.put_config_rule(ConfigRule=guard_rule("guard-encryption"))
        bad = cfg.start_resource_evaluation(ResourceDetails=details("b1", PUBLIC_BUCKET),
                                            EvaluationMode="PROACTIVE")["ResourceEvaluationId"]
        r = self.results(cfg, bad)["guard-encryption"]
        self.assertEqual(r["ComplianceType"], "NON_COMPLIANT")
        self.assertIn("BucketEncryption", r["Annotation"])
        enc = dict(PRIVATE_BUCKET, BucketEncryption={"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        good = cfg.start_resource_evaluation(ResourceDetails=details("b2", enc),
                                             EvaluationMode="PROACTIVE")["ResourceEvaluationId"]
        self.assertEqual(self.results(cfg, good)["guard-encryption"]["ComplianceType"],
                         "COMPLIANT")
        # a resource type outside the scope: no rule applies
        other = cfg.start_resource_evaluation(
            ResourceDetails=details("t1", {}, "AWS::SNS::Topic"),
            EvaluationMode="PROACTIVE")["ResourceEvaluationId"]
        s = cfg.get_resource_evaluation_summary(ResourceEvaluationId=other)
        self.assertEqual(s["EvaluationStatus"]["Status"], "SUCCEEDED")
        self.assertEqual(self.results(cfg, other), {})

    def test_lambda_rule(self):
        region = "ap-south-1"
        cfg = self.client(region)
        self.lambda_rule(cfg, region, "proactive-enc", HANDLER + ":lambda_handler",
                         name="lambda-encryption", modes=("DETECTIVE", "PROACTIVE"),
                         Scope={"ComplianceResourceTypes": ["AWS::S3::Bucket"]})
        cfg.put_config_rule(ConfigRule=managed_rule("s3-versioning",
                                                    "S3_BUCKET_VERSIONING_ENABLED"))
        eid = cfg.start_resource_evaluation(ResourceDetails=details("lb1", PRIVATE_BUCKET),
                                            EvaluationMode="PROACTIVE")["ResourceEvaluationId"]
        s = self.wait_done(cfg, eid)
        self.assertEqual(s["EvaluationStatus"]["Status"], "SUCCEEDED", s)
        self.assertEqual(s["Compliance"], "NON_COMPLIANT")
        res = self.results(cfg, eid)
        self.assertEqual(res["lambda-encryption"]["ComplianceType"], "NON_COMPLIANT")
        # the function saw AWS's proactive event: evaluationMode PROACTIVE, CFN properties
        self.assertEqual(res["lambda-encryption"]["Annotation"],
                         "mode=PROACTIVE encryption=False")
        self.assertEqual(res["s3-versioning"]["ComplianceType"], "COMPLIANT")
        self.assertAwsError("ResourceNotDiscoveredException", cfg.get_resource_config_history,
                            resourceType="AWS::S3::Bucket", resourceId="lb1")

    def test_lambda_timeout(self):
        region = "ap-southeast-2"
        cfg = self.client(region)
        self.lambda_rule(cfg, region, "silent", os.path.join(
            ROOT, "tests", "data", "functions", "fn_silent.py") + ":lambda_handler")
        eid = cfg.start_resource_evaluation(ResourceDetails=details("s1", PRIVATE_BUCKET),
                                            EvaluationMode="PROACTIVE",
                                            EvaluationTimeout=1)["ResourceEvaluationId"]
        s = self.wait_done(cfg, eid)
        self.assertEqual(s["EvaluationStatus"]["Status"], "FAILED", s)
        self.assertIn("silent", s["EvaluationStatus"]["FailureReason"])
        self.assertNotIn("Compliance", s)
        self.assertEqual(self.results(cfg, eid), {})

    def test_lambda_failure(self):
        region = "eu-north-1"
        cfg = self.client(region)
        self.lambda_rule(cfg, region, "failing", os.path.join(
            ROOT, "tests", "data", "functions", "failing.py") + ":lambda_handler")
        eid = cfg.start_resource_evaluation(ResourceDetails=details("f1", PRIVATE_BUCKET),
                                            EvaluationMode="PROACTIVE")["ResourceEvaluationId"]
        s = self.wait_done(cfg, eid)  # long before the 900 s default timeout
        self.assertEqual(s["EvaluationStatus"]["Status"], "FAILED", s)
        self.assertIn("The function of the rule failing failed",
                      s["EvaluationStatus"]["FailureReason"])

    # ---- idempotency, listing, errors ----

    def test_client_token(self):
        cfg = self.client("ca-central-1")
        tok = "t" * 64
        a = cfg.start_resource_evaluation(ResourceDetails=details("i1", PRIVATE_BUCKET),
                                          EvaluationMode="PROACTIVE", ClientToken=tok)
        b = cfg.start_resource_evaluation(ResourceDetails=details("i1", PRIVATE_BUCKET),
                                          EvaluationMode="PROACTIVE", ClientToken=tok)
        self.assertEqual(a["ResourceEvaluationId"], b["ResourceEvaluationId"])
        self.assertAwsError("IdempotentParameterMismatch", cfg.start_resource_evaluation,
                            ResourceDetails=details("i2", PRIVATE_BUCKET),
                            EvaluationMode="PROACTIVE", ClientToken=tok)
        c = cfg.start_resource_evaluation(ResourceDetails=details("i1", PRIVATE_BUCKET),
                                          EvaluationMode="PROACTIVE")
        self.assertNotEqual(c["ResourceEvaluationId"], a["ResourceEvaluationId"])
        ids = [e["ResourceEvaluationId"]
               for e in cfg.list_resource_evaluations()["ResourceEvaluations"]]
        self.assertEqual(len(ids), 2)

    def test_list_filters_and_paging(self):
        cfg = self.client("ap-northeast-1")
        ids = {"a": [], "b": []}
        for i in range(7):
            ctx = "a" if i < 5 else "b"
            ids[ctx].append(cfg.start_resource_evaluation(
                ResourceDetails=details("p%d" % i, PRIVATE_BUCKET), EvaluationMode="PROACTIVE",
                EvaluationContext={"EvaluationContextIdentifier": ctx})["ResourceEvaluationId"])
        seen, token, pages = [], None, 0
        while True:
            kw = {"NextToken": token} if token else {}
            page = cfg.list_resource_evaluations(
                Filters={"EvaluationContextIdentifier": "a"}, Limit=2, **kw)
            pages += 1
            self.assertLessEqual(len(page["ResourceEvaluations"]), 2)
            seen += [e["ResourceEvaluationId"] for e in page["ResourceEvaluations"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(pages, 3)
        self.assertEqual(sorted(seen), sorted(ids["a"]))
        self.assertEqual(len(set(seen)), 5)
        all_ = cfg.list_resource_evaluations()["ResourceEvaluations"]
        self.assertEqual(len(all_), 7)
        stamps = [e["EvaluationStartTimestamp"] for e in all_]
        self.assertEqual(stamps, sorted(stamps, reverse=True))  # newest first
        self.assertEqual(len(cfg.list_resource_evaluations(Limit=100)["ResourceEvaluations"]), 7)
        pro = cfg.list_resource_evaluations(Filters={"EvaluationMode": "PROACTIVE"})
        self.assertEqual(len(pro["ResourceEvaluations"]), 7)
        det = cfg.list_resource_evaluations(Filters={"EvaluationMode": "DETECTIVE"})
        self.assertEqual(det["ResourceEvaluations"], [])
        future = time.time() + 3600
        win = cfg.list_resource_evaluations(
            Filters={"TimeWindow": {"StartTime": future, "EndTime": future + 60}})
        self.assertEqual(win["ResourceEvaluations"], [])
        win = cfg.list_resource_evaluations(
            Filters={"TimeWindow": {"StartTime": time.time() - 3600, "EndTime": future}})
        self.assertEqual(len(win["ResourceEvaluations"]), 7)
        self.assertAwsError("InvalidTimeRangeException", cfg.list_resource_evaluations,
                            Filters={"TimeWindow": {"StartTime": future, "EndTime": future - 60}})
        self.assertAwsError("InvalidNextTokenException", cfg.list_resource_evaluations,
                            NextToken="zz")

    def test_errors(self):
        cfg = self.client("us-west-2")
        mine = cfg.start_resource_evaluation(ResourceDetails=details("m", PRIVATE_BUCKET),
                                             EvaluationMode="PROACTIVE")["ResourceEvaluationId"]
        other = self.server.client(key="210987654321", region="us-west-2")
        self.assertAwsError("ResourceNotFoundException", other.get_resource_evaluation_summary,
                            ResourceEvaluationId=mine)
        self.assertEqual(other.list_resource_evaluations()["ResourceEvaluations"], [])
        self.assertAwsError("ResourceNotFoundException", cfg.get_resource_evaluation_summary,
                            ResourceEvaluationId="no-such-evaluation")
        self.assertAwsError("ResourceNotFoundException", cfg.get_compliance_details_by_resource,
                            ResourceEvaluationId="no-such-evaluation")
        self.assertAwsError("InvalidParameterValueException", cfg.start_resource_evaluation,
                            ResourceDetails=details("x", PRIVATE_BUCKET),
                            EvaluationMode="DETECTIVE")
        bad = dict(details("x", {}), ResourceConfiguration="{not json")
        self.assertAwsError("InvalidParameterValueException", cfg.start_resource_evaluation,
                            ResourceDetails=bad, EvaluationMode="PROACTIVE")
        self.assertAwsError("InvalidParameterValueException", cfg.start_resource_evaluation,
                            ResourceDetails=details("x", {}, "S3Bucket"),
                            EvaluationMode="PROACTIVE")
        e = self.assertAwsError("ValidationException", cfg.start_resource_evaluation,
                                ResourceDetails=details("x", {}), EvaluationMode="PROACTIVE",
                                EvaluationTimeout=3601)
        self.assertIn("evaluationTimeout", str(e))


class RetentionTest(ServerTest):
    """Evaluations are kept 7 days (plumb's bound; docs/proactive.md), on a frozen clock."""
    EXTRA = ("--fake-clock", "2026-01-01T00:00:00Z")

    def test_pruned_after_7_days(self):
        old = self.cfg.start_resource_evaluation(
            ResourceDetails=details("old", PRIVATE_BUCKET),
            EvaluationMode="PROACTIVE")["ResourceEvaluationId"]
        self.plumb_call("AdvanceClock", {"Milliseconds": 6 * 24 * 3600 * 1000})
        mid = self.cfg.start_resource_evaluation(
            ResourceDetails=details("mid", PRIVATE_BUCKET),
            EvaluationMode="PROACTIVE")["ResourceEvaluationId"]
        self.cfg.get_resource_evaluation_summary(ResourceEvaluationId=old)  # 6 days: kept
        self.plumb_call("AdvanceClock", {"Milliseconds": 2 * 24 * 3600 * 1000})
        self.cfg.start_resource_evaluation(ResourceDetails=details("new", PRIVATE_BUCKET),
                                           EvaluationMode="PROACTIVE")
        self.assertAwsError("ResourceNotFoundException", self.cfg.get_resource_evaluation_summary,
                            ResourceEvaluationId=old)
        self.cfg.get_resource_evaluation_summary(ResourceEvaluationId=mid)
        self.assertEqual(len(self.cfg.list_resource_evaluations()["ResourceEvaluations"]), 2)


class EvalCliTest(ServerTest):
    """`plumb eval` on the data directory of a running server: exit 2 on NON_COMPLIANT."""

    def test_template_intrinsics(self):
        """Properties are resolved as a pack's template is: Parameters (Default, --param),
        Conditions, resource-level Condition, Fn::If, Fn::Sub, Fn::Join, AWS::NoValue and the
        pseudo parameters; what only a deployment knows (Fn::GetAtt) stays as written."""
        self.cfg.put_config_rule(ConfigRule=managed_rule("s3-versioning",
                                                         "S3_BUCKET_VERSIONING_ENABLED"))
        text = ("Parameters:\n"
                "  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}\n"
                "Conditions:\n"
                "  IsProd: !Equals [!Ref Env, prod]\n"
                "Resources:\n"
                "  Data:\n"
                "    Type: AWS::S3::Bucket\n"
                "    Properties:\n"
                "      BucketName: !Sub '${AWS::AccountId}-${Env}-data'\n"
                "      VersioningConfiguration: !If [IsProd, {Status: Enabled}, "
                "!Ref AWS::NoValue]\n"
                "      Tags:\n"
                "        - {Key: name, Value: !Join ['-', [!Ref AWS::Region, !Ref Env]]}\n"
                "        - {Key: arn, Value: !GetAtt Logs.Arn}\n"
                "  Logs:\n"
                "    Type: AWS::S3::Bucket\n"
                "    Condition: IsProd\n"
                "    Properties:\n"
                "      VersioningConfiguration:\n"
                "        Status: {'Fn::If': [IsProd, Enabled, Suspended]}\n")
        path = os.path.join(tempfile.mkdtemp(), "intrinsics.yaml")
        with open(path, "w") as f:
            f.write(text)

        def run(*extra):
            p = plumb("eval", "--data", self.server.data, "--rules", "s3-versioning", "--json",
                      *extra, path, check=False)
            return p.returncode, {json.loads(l)["resourceId"]: json.loads(l)["complianceType"]
                                  for l in p.stdout.splitlines()}, p.stderr
        # dev (the Default): no VersioningConfiguration at all, no Logs bucket
        self.assertEqual(run()[:2], (2, {"Data": "NON_COMPLIANT"}))
        # prod: versioning Enabled through Fn::If, and the conditional Logs bucket appears
        self.assertEqual(run("--param", "Env=prod")[:2],
                         (0, {"Data": "COMPLIANT", "Logs": "COMPLIANT"}))
        # the parameter's AllowedValues hold; a bad --param is a usage error
        rc, _, err = run("--param", "Env=test")
        self.assertEqual(rc, 1)
        self.assertIn("AllowedValues", err)
        self.assertEqual(run("--param", "Env")[0], 2)
        # resolved values, seen by a Guard policy
        guard = ("rule named { configuration.BucketName == '%s-dev-data'\n"
                 "  configuration.Tags[0].Value == 'us-east-1-dev'\n"
                 "  configuration.Tags[1].Value.'Fn::GetAtt' exists }\n" % ACCOUNT)
        self.cfg.put_config_rule(ConfigRule={
            "ConfigRuleName": "named", "Scope": {"ComplianceResourceTypes": ["AWS::S3::Bucket"]},
            "EvaluationModes": [{"Mode": "PROACTIVE"}],
            "Source": {"Owner": "CUSTOM_POLICY", "SourceDetails": [],
                       "CustomPolicyDetails": {"PolicyRuntime": "guard-2.x.x",
                                               "PolicyText": guard}}})
        p = plumb("eval", "--data", self.server.data, "--rules", "named", "--json", path,
                  check=False)
        self.assertEqual([(json.loads(l)["resourceId"], json.loads(l)["complianceType"])
                          for l in p.stdout.splitlines()], [("Data", "COMPLIANT")],
                         p.stdout + p.stderr)

    def test_template_gate(self):
        cfg = self.cfg
        cfg.put_config_rule(ConfigRule=managed_rule("s3-versioning",
                                                    "S3_BUCKET_VERSIONING_ENABLED"))
        cfg.put_config_rule(ConfigRule=managed_rule("s3-bpa",
                                                    "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED"))
        good = ("Resources:\n"
                "  Good:\n"
                "    Type: AWS::S3::Bucket\n"
                "    Properties:\n"
                "      VersioningConfiguration: {Status: Enabled}\n"
                "      PublicAccessBlockConfiguration:\n"
                "        BlockPublicAcls: true\n"
                "        BlockPublicPolicy: true\n"
                "        IgnorePublicAcls: true\n"
                "        RestrictPublicBuckets: true\n")
        bad = good + ("  Bad:\n"
                      "    Type: AWS::S3::Bucket\n"
                      "    Properties:\n"
                      "      BucketName: !Sub '${AWS::StackName}-logs'\n")
        d = tempfile.mkdtemp()
        paths = {}
        for name, text in (("good.yaml", good), ("bad.yaml", bad)):
            paths[name] = os.path.join(d, name)
            with open(paths[name], "w") as f:
                f.write(text)
        p = plumb("eval", "--data", self.server.data, paths["good.yaml"], check=False)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("COMPLIANT", p.stdout)
        p = plumb("eval", "--data", self.server.data, "--json", paths["bad.yaml"], check=False)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        rows = [json.loads(line) for line in p.stdout.splitlines()]
        verdicts = {(r["resourceId"], r["configRuleName"]): r for r in rows}
        self.assertEqual(verdicts[("Good", "s3-versioning")]["complianceType"], "COMPLIANT")
        self.assertEqual(verdicts[("Bad", "s3-versioning")]["complianceType"], "NON_COMPLIANT")
        self.assertEqual(verdicts[("Bad", "s3-versioning")]["annotation"],
                         "Versioning is not enabled on the bucket.")
        self.assertEqual(verdicts[("Bad", "s3-bpa")]["complianceType"], "NON_COMPLIANT")
        # only the named rule
        p = plumb("eval", "--data", self.server.data, "--rules", "s3-bpa", "--json",
                  paths["bad.yaml"], check=False)
        self.assertEqual({json.loads(l)["configRuleName"] for l in p.stdout.splitlines()},
                         {"s3-bpa"})
        # a CloudFormation-schema resource file, as StartResourceEvaluation takes it
        res = os.path.join(d, "bucket.json")
        with open(res, "w") as f:
            json.dump({"ResourceType": "AWS::S3::Bucket", "ResourceId": "x",
                       "ResourceConfiguration": json.dumps(PRIVATE_BUCKET)}, f)
        self.assertEqual(plumb("eval", "--data", self.server.data, res,
                               check=False).returncode, 0)
        # a real recorded CI (aws-config-rdk's S3 example: versioning Enabled, no bucket-level
        # public access block), judged as it is
        ci = os.path.join(SHARED, "data", "config-items", "aws-config-rdk", "example_ci",
                          "AWS_S3_Bucket.json")
        p = plumb("eval", "--data", self.server.data, "--json", ci, check=False)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        got = {json.loads(l)["configRuleName"]: json.loads(l)["complianceType"]
               for l in p.stdout.splitlines()}
        self.assertEqual(got, {"s3-versioning": "COMPLIANT", "s3-bpa": "NON_COMPLIANT"})
        self.assertEqual(plumb("eval", "--data", self.server.data, "--rules", "s3-versioning", ci,
                               check=False).returncode, 0)
        # errors: an unreadable file or an unknown rule is 1, a usage error 2
        p = plumb("eval", "--data", self.server.data, "--rules", "no-such-rule", ci, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no-such-rule", p.stderr)
        self.assertEqual(plumb("eval", "--data", self.server.data, os.path.join(d, "missing"),
                               check=False).returncode, 1)
        self.assertEqual(plumb("eval", "--bogus", check=False).returncode, 2)
        # the same gate through a running server (StartResourceEvaluation)
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCOUNT, AWS_SECRET_ACCESS_KEY="x",
                   AWS_DEFAULT_REGION="us-east-1")
        p = subprocess.run([PLUMB, "eval", "--endpoint", self.server.url, "--json",
                            paths["bad.yaml"]], env=env, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        remote = {(json.loads(l)["resourceId"], json.loads(l)["configRuleName"]):
                  json.loads(l)["complianceType"] for l in p.stdout.splitlines()}
        self.assertEqual(remote, {k: v["complianceType"] for k, v in verdicts.items()})
        p = subprocess.run([PLUMB, "eval", "--endpoint", self.server.url, paths["good.yaml"]],
                           env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(len(cfg.list_resource_evaluations()["ResourceEvaluations"]), 3)
        # nothing was recorded by judging
        self.assertEqual(cfg.list_discovered_resources(resourceType="AWS::S3::Bucket")
                         ["resourceIdentifiers"], [])


if __name__ == "__main__":
    unittest.main()
