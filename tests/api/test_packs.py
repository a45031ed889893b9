"""test_packs.py — conformance packs through boto3: one test per feature of the template subset
(parameters and input parameters, conditions, short and long forms, AWS::NoValue, pseudo
parameters, typed InputParameters, DependsOn, unknown keys and functions, JSON templates,
positions of errors), the operations' shapes, states, limits and errors, rule ownership,
compliance and scores from real evaluations; and every template of
../shared/data/conformance-packs deployed unmodified against an estate built from
../shared/data/config-items, each reaching CREATE_COMPLETE and per-rule compliance.
Waits poll the API (evaluation status, results), never fixed sleeps."""
import glob
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

from harness import (ACCOUNT, PLUMB, SHARED, Server, ServerTest, delete_pack, pack_state,
                     put_pack, signed_call, store_scalar, wait_for)

WAIT = 120 if os.environ.get("PL_ASAN") else 60
PACKS = os.path.join(SHARED, "data", "conformance-packs")
RDK = os.path.join(SHARED, "data", "config-items", "aws-config-rdk", "example_ci")
SUFFIX = r"-conformance-pack-[a-z0-9]{9}$"

VERSIONING = """
Parameters:
  Status: {Type: String, Default: Enabled, AllowedValues: [Enabled, Suspended]}
Resources:
  Versioning:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: versioning
      Scope: {ComplianceResourceTypes: [AWS::S3::Bucket]}
      Source: {Owner: AWS, SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED}
"""


def bucket(name, status):
    return {"resourceType": "AWS::S3::Bucket", "resourceId": name, "resourceName": name,
            "awsAccountId": ACCOUNT, "awsRegion": "us-east-1", "configurationItemStatus": "OK",
            "configuration": {"name": name},
            "supplementaryConfiguration": {"BucketVersioningConfiguration": {"status": status}}}


class PackTest(ServerTest):
    def put(self, name, body, **params):
        kw = {"ConformancePackName": name, "TemplateBody": body}
        if params:
            kw["ConformancePackInputParameters"] = [
                {"ParameterName": k, "ParameterValue": v} for k, v in params.items()]
        return put_pack(self.cfg, **kw)

    def rules(self, prefix):
        """The account's rules whose names start with prefix, by name."""
        out = {}
        for page in self.cfg.get_paginator("describe_config_rules").paginate():
            for r in page["ConfigRules"]:
                if r["ConfigRuleName"].startswith(prefix):
                    out[r["ConfigRuleName"]] = r
        return out

    def one_rule(self, prefix):
        rules = self.rules(prefix)
        self.assertEqual(len(rules), 1, rules)
        return list(rules.values())[0]

    def template_error(self, body, want, **params):
        e = self.assertAwsError("ConformancePackTemplateValidationException", self.put, "bad",
                                body, **params)
        self.assertIn(want, e.response["Error"]["Message"])
        return e.response["Error"]["Message"]

    def status(self, name):
        return self.cfg.describe_conformance_pack_status(
            ConformancePackNames=[name])["ConformancePackStatusDetails"][0]

    def wait_results(self, pack, n):
        deadline = time.time() + WAIT
        while True:
            r = self.cfg.get_conformance_pack_compliance_details(ConformancePackName=pack)
            res = r["ConformancePackRuleEvaluationResults"]
            if len(res) >= n:
                return res
            if time.time() > deadline:
                self.fail("%d results of %s, want %d\n%s" % (len(res), pack, n,
                                                            self.server.read_log()[-3000:]))
            time.sleep(0.01)


class Operations(PackTest):
    def test_put_describe_status_delete(self):
        arn = self.put("ops", VERSIONING)["ConformancePackArn"]
        self.assertRegex(arn, r"^arn:aws:config:us-east-1:%s:conformance-pack/ops/"
                              r"conformance-pack-[a-z0-9]{9}$" % ACCOUNT)
        d = self.cfg.describe_conformance_packs(ConformancePackNames=["ops"])
        det = d["ConformancePackDetails"][0]
        self.assertEqual((det["ConformancePackName"], det["ConformancePackArn"]), ("ops", arn))
        self.assertEqual(det["ConformancePackId"], arn.split("/")[-1])
        st = self.status("ops")
        self.assertEqual(st["ConformancePackState"], "CREATE_COMPLETE")
        self.assertIn("stack/awsconfigconforms-ops", st["StackArn"])
        self.assertIn("LastUpdateCompletedTime", st)
        # the rule carries the pack's suffix and owner; it cannot be deleted directly
        rule = self.one_rule("versioning-")
        self.assertRegex(rule["ConfigRuleName"], "^versioning" + SUFFIX)
        self.assertTrue(rule["ConfigRuleName"].endswith(det["ConformancePackId"][17:]))
        self.assertEqual(rule["CreatedBy"], "config-conformance-pack.amazonaws.com")
        self.assertAwsError("ResourceInUseException", self.cfg.delete_config_rule,
                            ConfigRuleName=rule["ConfigRuleName"])
        self.assertAwsError("ResourceInUseException", self.cfg.put_config_rule,
                            ConfigRule={"ConfigRuleName": rule["ConfigRuleName"],
                                        "Source": rule["Source"]})
        # a put again updates in place: same id and rule
        arn2 = self.put("ops", VERSIONING)["ConformancePackArn"]
        self.assertEqual(arn2, arn)
        self.assertEqual(self.one_rule("versioning-")["ConfigRuleArn"], rule["ConfigRuleArn"])
        delete_pack(self.cfg, ConformancePackName="ops")
        self.assertEqual(self.rules("versioning-"), {})
        self.assertAwsError("NoSuchConformancePackException",
                            self.cfg.describe_conformance_packs, ConformancePackNames=["ops"])
        self.assertAwsError("NoSuchConformancePackException",
                            self.cfg.delete_conformance_pack, ConformancePackName="ops")

    def test_update_replaces_rules(self):
        self.put("upd", VERSIONING)
        other = VERSIONING.replace("versioning", "ssh").replace(
            "S3_BUCKET_VERSIONING_ENABLED", "INCOMING_SSH_DISABLED").replace(
            "Scope: {ComplianceResourceTypes: [AWS::S3::Bucket]}", "Description: x")
        self.put("upd", other)
        self.assertEqual(self.rules("versioning-"), {})
        self.one_rule("ssh-")
        delete_pack(self.cfg, ConformancePackName="upd")

    def test_template_source_errors(self):
        self.assertAwsError("InvalidParameterValueException", self.cfg.put_conformance_pack,
                            ConformancePackName="none")
        self.assertAwsError("InvalidParameterValueException", self.cfg.put_conformance_pack,
                            ConformancePackName="both", TemplateBody=VERSIONING,
                            TemplateS3Uri="s3://bucket/key.yaml")
        self.assertAwsError("ConformancePackTemplateValidationException",
                            self.cfg.put_conformance_pack, ConformancePackName="s3",
                            TemplateS3Uri="s3://no-bucket/key.yaml")

    def test_template_s3_uri_reads_the_delivery_buckets(self):
        d = os.path.join(self.server.data, "buckets", "templates-bucket", "packs")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "v.yaml"), "w") as f:
            f.write(VERSIONING)
        put_pack(self.cfg, ConformancePackName="from-s3",
                                      TemplateS3Uri="s3://templates-bucket/packs/v.yaml")
        self.assertEqual(self.status("from-s3")["ConformancePackState"], "CREATE_COMPLETE")
        self.one_rule("versioning-")
        delete_pack(self.cfg, ConformancePackName="from-s3")

    def test_template_ssm_document(self):
        # TemplateSSMDocumentDetails reads a template registered with PlumbService.PutDocument,
        # versioned as SSM versions documents
        v1 = self.plumb_call("PutDocument", {"Name": "versioning-doc", "Content": VERSIONING})
        self.assertEqual((v1["DocumentVersion"], v1["DefaultVersion"], v1["LatestVersion"]),
                         ("1", "1", "1"))
        ssh = VERSIONING.replace("S3_BUCKET_VERSIONING_ENABLED", "INCOMING_SSH_DISABLED")
        v2 = self.plumb_call("PutDocument", {"Name": "versioning-doc", "Content": ssh})
        self.assertEqual((v2["DocumentVersion"], v2["DefaultVersion"]), ("2", "1"))

        def put(**details):
            return put_pack(self.cfg, ConformancePackName="from-ssm",
                                                 TemplateSSMDocumentDetails=details)

        def source():
            return self.one_rule("versioning-")["Source"]["SourceIdentifier"]
        put(DocumentName="versioning-doc")  # the latest version
        self.assertEqual(source(), "INCOMING_SSH_DISABLED")
        put(DocumentName="versioning-doc", DocumentVersion="$DEFAULT")
        self.assertEqual(source(), "S3_BUCKET_VERSIONING_ENABLED")
        put(DocumentName="arn:aws:ssm:us-east-1:%s:document/versioning-doc" % ACCOUNT,
            DocumentVersion="2")
        self.assertEqual(source(), "INCOMING_SSH_DISABLED")
        det = self.cfg.describe_conformance_packs(
            ConformancePackNames=["from-ssm"])["ConformancePackDetails"][0]
        self.assertEqual(det["TemplateSSMDocumentDetails"]["DocumentVersion"], "2")
        self.assertEqual(self.status("from-ssm")["ConformancePackState"], "CREATE_COMPLETE")
        # no such document or version; the model's pattern on the version
        e = self.assertAwsError("ConformancePackTemplateValidationException", put,
                                DocumentName="no-such-doc")
        self.assertIn("no-such-doc does not exist", e.response["Error"]["Message"])
        e = self.assertAwsError("ConformancePackTemplateValidationException", put,
                                DocumentName="versioning-doc", DocumentVersion="3")
        self.assertIn("has no version 3", e.response["Error"]["Message"])
        self.assertAwsError("ValidationException", put, DocumentName="versioning-doc",
                            DocumentVersion="v1")
        self.assertAwsError("ConformancePackTemplateValidationException", put,
                            DocumentName="arn:aws:ssm:us-east-1:999999999999:document/x-doc")
        self.assertAwsError("InvalidParameterValueException", self.cfg.put_conformance_pack,
                            ConformancePackName="both", TemplateBody=VERSIONING,
                            TemplateSSMDocumentDetails={"DocumentName": "versioning-doc"})
        # the registry: get, list, SetAsDefault, delete
        got = self.plumb_call("GetDocument", {"Name": "versioning-doc", "DocumentVersion": "1"})
        self.assertEqual(got["Content"], VERSIONING)
        self.plumb_call("PutDocument", {"Name": "versioning-doc", "Content": VERSIONING,
                                        "SetAsDefault": True})
        docs = self.plumb_call("ListDocuments", {})["Documents"]
        self.assertEqual([(d["Name"], d["LatestVersion"], d["DefaultVersion"]) for d in docs],
                         [("versioning-doc", "3", "3")])
        status, out = signed_call(self.server.url, "PlumbService.PutDocument",
                                  json.dumps({"Name": "aws-mine", "Content": "x"}))
        self.assertEqual((status, out["__type"]), (400, "ValidationException"))
        self.plumb_call("DeleteDocument", {"Name": "versioning-doc"})
        status, out = signed_call(self.server.url, "PlumbService.GetDocument",
                                  json.dumps({"Name": "versioning-doc"}))
        self.assertEqual((status, out["__type"]), (400, "ResourceNotFoundException"))
        delete_pack(self.cfg, ConformancePackName="from-ssm")

    def test_delivery_s3_bucket_gets_the_template(self):
        # AWS copies the template to DeliveryS3Bucket/DeliveryS3KeyPrefix; here the delivery
        # target is the data directory's buckets (moto_server: test_delivery.DeliveryS3Test)
        put_pack(self.cfg, ConformancePackName="delivered", TemplateBody=VERSIONING,
                                      DeliveryS3Bucket="pack-copies",
                                      DeliveryS3KeyPrefix="conformance")
        path = os.path.join(self.server.data, "buckets", "pack-copies", "conformance",
                            "delivered", "template.yaml")
        with open(path) as f:
            self.assertEqual(f.read(), VERSIONING)
        det = self.cfg.describe_conformance_packs(
            ConformancePackNames=["delivered"])["ConformancePackDetails"][0]
        self.assertEqual((det["DeliveryS3Bucket"], det["DeliveryS3KeyPrefix"]),
                         ("pack-copies", "conformance"))
        put_pack(self.cfg, ConformancePackName="delivered",
                                      TemplateBody=json.dumps({"Resources": {"R": {
                                          "Type": "AWS::Config::ConfigRule", "Properties": {
                                              "Source": {"Owner": "AWS", "SourceIdentifier":
                                                         "INCOMING_SSH_DISABLED"}}}}}),
                                      DeliveryS3Bucket="pack-copies", DeliveryS3KeyPrefix="j/")
        self.assertTrue(os.path.exists(os.path.join(self.server.data, "buckets", "pack-copies",
                                                    "j", "delivered", "template.json")))
        # a bucket name S3 refuses: the pack is not deployed
        self.assertAwsError("InsufficientPermissionsException", self.cfg.put_conformance_pack,
                            ConformancePackName="nodelivery", TemplateBody=VERSIONING,
                            DeliveryS3Bucket="Bad_Bucket")
        self.assertAwsError("NoSuchConformancePackException",
                            self.cfg.describe_conformance_packs, ConformancePackNames=["nodelivery"])
        delete_pack(self.cfg, ConformancePackName="delivered")

    def test_rules_across_packs(self):
        # at most 150 rules across the packs of an account and Region (another account)
        c = self.server.client(key="310987654321")

        def pack(n, first):
            return "Resources:\n" + "".join(
                "  R%d:\n    Type: AWS::Config::ConfigRule\n    Properties:\n"
                "      Source: {Owner: AWS, SourceIdentifier: INCOMING_SSH_DISABLED}\n" % i
                for i in range(first, first + n))
        put_pack(c, ConformancePackName="a", TemplateBody=pack(100, 0))
        put_pack(c, ConformancePackName="b", TemplateBody=pack(50, 100))
        e = self.assertAwsError("MaxNumberOfConformancePacksExceededException",
                                c.put_conformance_pack, ConformancePackName="c",
                                TemplateBody=pack(1, 150))
        self.assertIn("150", e.response["Error"]["Message"])
        e = self.assertAwsError("MaxNumberOfConformancePacksExceededException",
                                c.put_conformance_pack, ConformancePackName="b",
                                TemplateBody=pack(51, 100))
        put_pack(c, ConformancePackName="b", TemplateBody=pack(40, 100))  # smaller
        put_pack(c, ConformancePackName="c", TemplateBody=pack(10, 150))
        for name in "abc":
            delete_pack(c, ConformancePackName=name)

    def test_limits(self):
        # TemplateBody above 51,200 characters and more than 60 parameters: the model's limits
        self.assertAwsError("ValidationException", self.put, "big",
                            VERSIONING + "#" * 51200)
        self.assertAwsError("ValidationException", self.put, "params", VERSIONING,
                            **{"P%d" % i: "v" for i in range(61)})
        # more than 130 rules
        many = "Resources:\n" + "".join(
            "  R%d:\n    Type: AWS::Config::ConfigRule\n    Properties:\n"
            "      Source: {Owner: AWS, SourceIdentifier: INCOMING_SSH_DISABLED}\n" % i
            for i in range(131))
        self.template_error(many, "at most 130")
        # 50 packs per account (another account, so the other tests are not in the way)
        c = self.server.client(key="210987654321")
        small = "Resources:\n  R:\n    Type: AWS::Config::ConfigRule\n    Properties:\n" \
                "      Source: {Owner: AWS, SourceIdentifier: INCOMING_SSH_DISABLED}\n"
        for i in range(50):
            put_pack(c, ConformancePackName="p%02d" % i, TemplateBody=small)
        self.assertAwsError("MaxNumberOfConformancePacksExceededException",
                            c.put_conformance_pack, ConformancePackName="p50", TemplateBody=small)
        put_pack(c, ConformancePackName="p00", TemplateBody=small)  # an update is fine
        page = c.describe_conformance_packs()
        self.assertEqual(len(page["ConformancePackDetails"]), 20)
        names = [d["ConformancePackName"]
                 for p in c.get_paginator("describe_conformance_packs").paginate()
                 for d in p["ConformancePackDetails"]]
        self.assertEqual(len(names), 50)

    def test_tags_of_a_new_pack(self):
        arn = put_pack(self.cfg, ConformancePackName="tagged", TemplateBody=VERSIONING,
            Tags=[{"Key": "team", "Value": "sec"}, {"Key": "env", "Value": "prod"}])[
            "ConformancePackArn"]
        tags = self.cfg.list_tags_for_resource(ResourceArn=arn)["Tags"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags),
                         [("env", "prod"), ("team", "sec")])
        delete_pack(self.cfg, ConformancePackName="tagged")
        self.assertAwsError("ResourceNotFoundException", self.cfg.list_tags_for_resource,
                            ResourceArn=arn)

    def test_rule_refused_means_create_failed(self):
        body = VERSIONING.replace("S3_BUCKET_VERSIONING_ENABLED", "NO_SUCH_MANAGED_RULE")
        self.put("failed", body)
        st = self.status("failed")
        self.assertEqual(st["ConformancePackState"], "CREATE_FAILED")
        self.assertIn("NO_SUCH_MANAGED_RULE", st["ConformancePackStatusReason"])
        self.assertEqual(self.rules("versioning-"), {})
        delete_pack(self.cfg, ConformancePackName="failed")

    def test_every_rule_implemented_no_status_reason(self):
        # every identifier plumb knows is implemented: a pack of the last ones added deploys
        # with no "does not implement" reason (an unknown identifier fails the pack, above)
        body = VERSIONING.replace("S3_BUCKET_VERSIONING_ENABLED", "EC2_CLIENT_VPN_NOT_AUTHORIZE_ALL").replace(
            "AWS::S3::Bucket", "AWS::EC2::ClientVpnEndpoint")
        self.put("lastrules", body)
        st = self.status("lastrules")
        self.assertEqual(st["ConformancePackState"], "CREATE_COMPLETE")
        self.assertNotIn("does not implement", st.get("ConformancePackStatusReason", ""))
        delete_pack(self.cfg, ConformancePackName="lastrules")


class States(PackTest):
    """The deploy is asynchronous, as AWS's: PutConformancePack answers once the pack is
    CREATE_IN_PROGRESS and the pack worker deploys it through the outbox. The worker's test gate
    (PLUMB_TEST_PACK_GATE=DIR: DIR/hold holds a claimed item, DIR/held says one is held, DIR/fail
    fails each attempt as a store failure would) lets the test see each state without racing."""

    @classmethod
    def setUpClass(cls):
        cls.gate = tempfile.mkdtemp(prefix="plumb-gate-")
        os.environ["PLUMB_TEST_PACK_GATE"] = cls.gate
        try:
            super().setUpClass()
        finally:
            del os.environ["PLUMB_TEST_PACK_GATE"]

    def gate_file(self, name, on):
        path = os.path.join(self.gate, name)
        if on:
            open(path, "w").close()
        elif os.path.exists(path):
            os.unlink(path)

    def held(self):
        """Waits until the worker holds an item (claimed, waiting on DIR/hold)."""
        wait_for(lambda: os.path.exists(os.path.join(self.gate, "held")), what="a held item")
        self.gate_file("held", False)

    def tearDown(self):
        for f in ("hold", "held", "fail"):
            self.gate_file(f, False)

    def test_create_in_progress_then_complete(self):
        self.gate_file("hold", True)
        arn = self.cfg.put_conformance_pack(ConformancePackName="async", TemplateBody=VERSIONING)[
            "ConformancePackArn"]
        self.held()
        st = self.status("async")
        self.assertEqual((st["ConformancePackState"], st["ConformancePackArn"]),
                         ("CREATE_IN_PROGRESS", arn))
        self.assertNotIn("LastUpdateCompletedTime", st)
        self.assertEqual(self.cfg.describe_conformance_packs(ConformancePackNames=["async"])[
            "ConformancePackDetails"][0]["ConformancePackArn"], arn)
        self.assertEqual(self.rules("versioning-"), {})  # nothing deployed yet
        # AWS: a put or delete while the pack is in progress is ResourceInUseException
        self.assertAwsError("ResourceInUseException", self.put, "async", VERSIONING)
        self.assertAwsError("ResourceInUseException", self.cfg.delete_conformance_pack,
                            ConformancePackName="async")
        # the template is still checked at once
        self.assertAwsError("ConformancePackTemplateValidationException", self.put, "other",
                            "Resources: [")
        self.gate_file("hold", False)
        wait_for(lambda: pack_state(self.cfg, "async") == "CREATE_COMPLETE", what="deploy")
        self.assertIn("LastUpdateCompletedTime", self.status("async"))
        self.assertEqual(len(self.rules("versioning-")), 1)
        delete_pack(self.cfg, ConformancePackName="async")
        self.assertIsNone(pack_state(self.cfg, "async"))

    def test_update_keeps_the_deployed_rules_until_done(self):
        self.put("upd2", VERSIONING)
        before = self.one_rule("versioning-")
        self.gate_file("hold", True)
        self.cfg.put_conformance_pack(ConformancePackName="upd2",
                                      TemplateBody=VERSIONING.replace("versioning", "renamed"))
        self.held()
        self.assertEqual(self.status("upd2")["ConformancePackState"], "CREATE_IN_PROGRESS")
        self.assertEqual(self.one_rule("versioning-")["ConfigRuleArn"], before["ConfigRuleArn"])
        self.assertEqual(self.rules("renamed-"), {})
        self.gate_file("hold", False)
        wait_for(lambda: pack_state(self.cfg, "upd2") == "CREATE_COMPLETE", what="update")
        self.assertEqual(self.rules("versioning-"), {})
        self.assertEqual(len(self.rules("renamed-")), 1)
        delete_pack(self.cfg, ConformancePackName="upd2")

    def test_delete_in_progress_then_failed_then_done(self):
        self.put("del", VERSIONING)
        self.gate_file("hold", True)
        self.cfg.delete_conformance_pack(ConformancePackName="del")
        self.held()
        self.assertEqual(self.status("del")["ConformancePackState"], "DELETE_IN_PROGRESS")
        self.assertAwsError("ResourceInUseException", self.put, "del", VERSIONING)
        self.gate_file("fail", True)  # every attempt fails as a store failure would
        self.gate_file("hold", False)
        wait_for(lambda: pack_state(self.cfg, "del") == "DELETE_FAILED", what="DELETE_FAILED")
        st = self.status("del")
        self.assertIn("injected store failure", st["ConformancePackStatusReason"])
        self.assertIn("3 attempts", st["ConformancePackStatusReason"])
        self.assertEqual(len(self.rules("versioning-")), 1)  # nothing half-deleted
        self.gate_file("fail", False)
        delete_pack(self.cfg, ConformancePackName="del")  # a DELETE_FAILED pack is deleted again
        self.assertIsNone(pack_state(self.cfg, "del"))
        self.assertEqual(self.rules("versioning-"), {})

    def test_store_failure_means_create_failed(self):
        self.gate_file("fail", True)
        self.cfg.put_conformance_pack(ConformancePackName="sfail", TemplateBody=VERSIONING)
        wait_for(lambda: pack_state(self.cfg, "sfail") == "CREATE_FAILED", what="CREATE_FAILED")
        st = self.status("sfail")
        self.assertIn("injected store failure", st["ConformancePackStatusReason"])
        self.assertNotIn("LastUpdateCompletedTime", st)  # AWS: the last successful deploy
        self.assertEqual(self.rules("versioning-"), {})
        self.gate_file("fail", False)
        self.put("sfail", VERSIONING)  # a put again deploys it
        self.assertEqual(self.status("sfail")["ConformancePackState"], "CREATE_COMPLETE")
        self.assertEqual(len(self.rules("versioning-")), 1)
        delete_pack(self.cfg, ConformancePackName="sfail")

    def test_cli_deploy_waits_for_the_deploy(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCOUNT, AWS_SECRET_ACCESS_KEY="test",
                   AWS_DEFAULT_REGION="us-east-1")
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
            f.write(VERSIONING)
            f.flush()
            self.gate_file("hold", True)  # held: the deploy cannot finish within --timeout 1
            p = subprocess.run([PLUMB, "pack", "deploy", f.name, "--name", "cliwait", "--timeout",
                                "1", "--endpoint", self.server.url], env=env,
                               capture_output=True, text=True, timeout=120)
            self.assertEqual((p.returncode, p.stdout.strip()), (1, "cliwait: CREATE_IN_PROGRESS"))
            self.gate_file("hold", False)
            wait_for(lambda: pack_state(self.cfg, "cliwait") == "CREATE_COMPLETE", what="deploy")
            delete_pack(self.cfg, ConformancePackName="cliwait")

    def test_kill_mid_deploy_resumes(self):
        # a server of its own: kill -9 while the deploy item is claimed, restart, the deploy
        # resumes from the outbox and the pack is deployed once
        gate = tempfile.mkdtemp(prefix="plumb-gate-")
        open(os.path.join(gate, "hold"), "w").close()
        os.environ["PLUMB_TEST_PACK_GATE"] = gate
        try:
            srv = Server().start()
        finally:
            del os.environ["PLUMB_TEST_PACK_GATE"]
        try:
            cfg = srv.client()
            cfg.put_conformance_pack(ConformancePackName="killed", TemplateBody=VERSIONING)
            wait_for(lambda: os.path.exists(os.path.join(gate, "held")), what="a held item")
            self.assertEqual(pack_state(cfg, "killed"), "CREATE_IN_PROGRESS")
            srv.stop(signal.SIGKILL)
            srv.start()  # without the gate
            wait_for(lambda: pack_state(cfg, "killed") == "CREATE_COMPLETE", what="resumed deploy")
            rules = [r["ConfigRuleName"] for r in cfg.describe_config_rules()["ConfigRules"]]
            self.assertEqual(len(rules), 1, rules)
        finally:
            srv.cleanup()


class TemplateFeatures(PackTest):
    def test_input_parameters_override_defaults(self):
        body = """
Parameters:
  MaxAge: {Type: String, Default: '90'}
Resources:
  Keys:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: keys
      InputParameters: {maxAccessKeyAge: {Ref: MaxAge}}
      Source: {Owner: AWS, SourceIdentifier: ACCESS_KEYS_ROTATED}
      MaximumExecutionFrequency: TwentyFour_Hours
"""
        self.put("params", body)
        self.assertEqual(json.loads(self.one_rule("keys-")["InputParameters"]),
                         {"maxAccessKeyAge": "90"})
        self.put("params", body, MaxAge="30")
        self.assertEqual(json.loads(self.one_rule("keys-")["InputParameters"]),
                         {"maxAccessKeyAge": "30"})
        det = self.cfg.describe_conformance_packs(ConformancePackNames=["params"])
        self.assertEqual(det["ConformancePackDetails"][0]["ConformancePackInputParameters"],
                         [{"ParameterName": "MaxAge", "ParameterValue": "30"}])
        self.template_error(body, "'Nope' is not a parameter", Nope="x")
        self.template_error(VERSIONING, "AllowedValues", Status="Off")
        self.template_error(body.replace(", Default: '90'", ""), "has no Default")
        delete_pack(self.cfg, ConformancePackName="params")

    def test_conditions_if_and_resource_condition(self):
        body = """
Parameters:
  Age: {Type: String, Default: ''}
  WithSsh: {Type: String, Default: 'false'}
Conditions:
  HasAge: {Fn::Not: [{Fn::Equals: ['', {Ref: Age}]}]}
  Ssh: {Fn::Equals: ['true', {Ref: WithSsh}]}
  Either: {Fn::Or: [{Condition: HasAge}, {Condition: Ssh}]}
  Both: {Fn::And: [{Condition: HasAge}, {Condition: Ssh}]}
Resources:
  Keys:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: cond-keys
      InputParameters:
        maxAccessKeyAge: {Fn::If: [HasAge, {Ref: Age}, {Ref: AWS::NoValue}]}
      Source: {Owner: AWS, SourceIdentifier: ACCESS_KEYS_ROTATED}
      MaximumExecutionFrequency: {Fn::If: [Either, One_Hour, TwentyFour_Hours]}
  Ssh:
    Type: AWS::Config::ConfigRule
    Condition: Both
    Properties:
      ConfigRuleName: cond-ssh
      Source: {Owner: AWS, SourceIdentifier: INCOMING_SSH_DISABLED}
"""
        self.put("cond", body)
        rules = self.rules("cond-")
        self.assertEqual(len(rules), 1)
        r = list(rules.values())[0]
        self.assertEqual(r["InputParameters"], "{}")  # AWS::NoValue dropped the key
        self.assertEqual(r["MaximumExecutionFrequency"], "TwentyFour_Hours")
        self.put("cond", body, Age="45", WithSsh="true")
        rules = self.rules("cond-")
        self.assertEqual(len(rules), 2)
        keys = [v for k, v in rules.items() if k.startswith("cond-keys")][0]
        self.assertEqual(json.loads(keys["InputParameters"]), {"maxAccessKeyAge": "45"})
        self.assertEqual(keys["MaximumExecutionFrequency"], "One_Hour")
        delete_pack(self.cfg, ConformancePackName="cond")

    def test_short_forms_give_what_long_forms_give(self):
        short = """
Parameters:
  Age: {Type: String, Default: '60'}
Conditions:
  HasAge: !Not [!Equals ['', !Ref Age]]
Resources:
  Keys:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: !Join ['-', [short, keys]]
      Description: !Sub 'rotate within ${Age} days'
      InputParameters:
        maxAccessKeyAge: !If [HasAge, !Ref Age, !Ref AWS::NoValue]
      Source: {Owner: AWS, SourceIdentifier: ACCESS_KEYS_ROTATED}
      MaximumExecutionFrequency: TwentyFour_Hours
"""
        self.put("short", short)
        r = self.one_rule("short-keys-")
        self.assertEqual(json.loads(r["InputParameters"]), {"maxAccessKeyAge": "60"})
        self.assertEqual(r["Description"], "rotate within 60 days")
        delete_pack(self.cfg, ConformancePackName="short")

    def test_pseudo_parameters(self):
        body = """
Resources:
  R:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: pseudo
      Description: {Fn::Sub: '${AWS::Region}/${AWS::AccountId}/${AWS::Partition}'}
      Source: {Owner: AWS, SourceIdentifier: INCOMING_SSH_DISABLED}
"""
        self.put("pseudo", body)
        self.assertEqual(self.one_rule("pseudo-")["Description"],
                         "us-east-1/%s/aws" % ACCOUNT)
        delete_pack(self.cfg, ConformancePackName="pseudo")

    def test_typed_input_parameters_become_strings(self):
        body = """
Resources:
  R:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: typed-password
      InputParameters: {MaxPasswordAge: 90, RequireSymbols: true}
      Source: {Owner: AWS, SourceIdentifier: IAM_PASSWORD_POLICY}
      MaximumExecutionFrequency: TwentyFour_Hours
  Ports:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: typed-ports
      InputParameters: {authorizedTcpPorts: [443, 8443]}
      Source: {Owner: AWS, SourceIdentifier: VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS}
"""
        self.put("typed", body)
        self.assertEqual(self.status("typed")["ConformancePackState"], "CREATE_COMPLETE",
                         self.status("typed"))
        self.assertEqual(json.loads(self.one_rule("typed-password-")["InputParameters"]),
                         {"MaxPasswordAge": "90", "RequireSymbols": "true"})
        self.assertEqual(json.loads(self.one_rule("typed-ports-")["InputParameters"]),
                         {"authorizedTcpPorts": "443,8443"})
        delete_pack(self.cfg, ConformancePackName="typed")

    def test_depends_on_and_unknown_keys(self):
        body = """
AWSTemplateFormatVersion: '2010-09-09'
Description: unknown top-level and resource keys are ignored
Metadata: {anything: [1, 2]}
Resources:
  A:
    Type: AWS::Config::ConfigRule
    Metadata: {x: y}
    Properties:
      ConfigRuleName: dep-a
      Controls: [CIS.1.1]
      Source: {Owner: AWS, SourceIdentifier: INCOMING_SSH_DISABLED}
  B:
    Type: AWS::Config::ConfigRule
    DependsOn: A
    Properties:
      ConfigRuleName: dep-b
      Source: {Owner: AWS, SourceIdentifier: INCOMING_SSH_DISABLED}
"""
        self.put("dep", body)
        self.assertEqual(len(self.rules("dep-")), 2)
        self.template_error(body.replace("DependsOn: A", "DependsOn: [Z]"),
                            "line 15:17: DependsOn names 'Z'")
        delete_pack(self.cfg, ConformancePackName="dep")

    def test_unknown_functions_and_types_are_errors(self):
        msg = self.template_error(VERSIONING.replace(
            "ConfigRuleName: versioning", "ConfigRuleName: !GetAtt A.Arn"),
            "unsupported intrinsic function 'Fn::GetAtt'")
        self.assertTrue(msg.startswith("line 8:23:"), msg)
        self.template_error(VERSIONING.replace(
            "ConfigRuleName: versioning", "ConfigRuleName: {Fn::Nope: x}"),
            "line 8:23: unsupported intrinsic function 'Fn::Nope'")
        self.template_error(VERSIONING.replace("AWS::Config::ConfigRule", "AWS::S3::Bucket"),
                            "line 6:11: resource type 'AWS::S3::Bucket' is not supported")
        self.template_error(VERSIONING + "  X: !Bogus y\n", "line 11:6: unknown tag '!Bogus'")

    def test_malformed_templates_say_where(self):
        self.template_error("Resources:\n  R: [unclosed\n", "line 3:1:")
        self.template_error("Resources: {}\n", "line 1:12: expected a map of at least one")
        self.template_error("- just\n- a list\n", "line 1:1: expected a map with Resources")
        self.template_error(VERSIONING.replace("Source: {", "Description: {Ref: Missing}\n"
                                               "      Source: {"), "line 10:26: Ref to 'Missing'")
        # a mistyped property is a template error at its resource
        self.template_error(VERSIONING.replace("[AWS::S3::Bucket]", "{a: b}"),
                            "resource 'Versioning': Unexpected value type")

    def test_json_template(self):
        body = json.dumps({
            "Parameters": {"P": {"Type": "String", "Default": "Enabled"}},
            "Conditions": {"On": {"Fn::Equals": [{"Ref": "P"}, "Enabled"]}},
            "Resources": {"R": {"Type": "AWS::Config::ConfigRule", "Condition": "On",
                                "Properties": {"ConfigRuleName": "json-rule", "Source": {
                                    "Owner": "AWS",
                                    "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"}}}}},
            indent=1)
        self.put("json", body)
        self.one_rule("json-rule-")
        delete_pack(self.cfg, ConformancePackName="json")
        e = self.assertAwsError("ConformancePackTemplateValidationException", self.put, "json",
                                '{"Resources": {"R": {"Type": "AWS::Config::ConfigRule",\n'
                                '  "Properties": {"Source": {"Fn::If": ["x"]}}}}}')
        self.assertIn("line 2:39: Fn::If expects a list of 3 items",
                      e.response["Error"]["Message"])

    def test_remediation_configuration_is_kept(self):
        body = VERSIONING + """
  Fix:
    Type: AWS::Config::RemediationConfiguration
    DependsOn: Versioning
    Properties:
      ConfigRuleName: versioning
      TargetId: AWS-ConfigureS3BucketVersioning
      TargetType: SSM_DOCUMENT
      Automatic: true
      MaximumAutomaticAttempts: 5
      Parameters:
        BucketName: {ResourceValue: {Value: RESOURCE_ID}}
"""
        self.put("remed", body)
        self.assertEqual(self.status("remed")["ConformancePackState"], "CREATE_COMPLETE")
        # kept with the pack (no API shows it until remediation is served): read the store
        pack = json.loads(store_scalar(self.server.data, "SELECT json FROM objects WHERE kind = "
                                       "'ConformancePack' AND name = 'remed'"))
        fix = pack["Remediations"][0]
        self.assertEqual(fix["LogicalId"], "Fix")
        self.assertRegex(fix["Properties"]["ConfigRuleName"], "^versioning" + SUFFIX)
        self.assertEqual(fix["Properties"]["Parameters"],
                         {"BucketName": {"ResourceValue": {"Value": "RESOURCE_ID"}}})
        self.assertIs(fix["Properties"]["Automatic"], True)
        delete_pack(self.cfg, ConformancePackName="remed")


class Compliance(PackTest):
    def test_compliance_details_summary_and_score(self):
        cis = [bucket("good-%d" % i, "Enabled") for i in range(3)] + [bucket("bad", "Off")]
        self.plumb_call("RecordConfigurationItems", {"configurationItems": cis})
        self.put("comp", VERSIONING)
        self.assertEqual(self.cfg.list_conformance_pack_compliance_scores(
            Filters={"ConformancePackNames": ["comp"]})["ConformancePackComplianceScores"][0]
            ["ConformancePackName"], "comp")
        res = self.wait_results("comp", 4)
        got = {r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]:
               r["ComplianceType"] for r in res}
        self.assertEqual(got, {"good-0": "COMPLIANT", "good-1": "COMPLIANT",
                               "good-2": "COMPLIANT", "bad": "NON_COMPLIANT"})
        rule = res[0]["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ConfigRuleName"]
        self.assertRegex(rule, "^versioning" + SUFFIX)
        comp = self.cfg.describe_conformance_pack_compliance(ConformancePackName="comp")
        self.assertEqual(comp["ConformancePackRuleComplianceList"],
                         [{"ConfigRuleName": rule, "ComplianceType": "NON_COMPLIANT",
                           "Controls": []}])
        only_bad = self.cfg.get_conformance_pack_compliance_details(
            ConformancePackName="comp", Filters={"ComplianceType": "NON_COMPLIANT"})
        self.assertEqual(len(only_bad["ConformancePackRuleEvaluationResults"]), 1)
        by_id = self.cfg.get_conformance_pack_compliance_details(
            ConformancePackName="comp", Filters={"ResourceIds": ["good-1"],
                                                  "ResourceType": "AWS::S3::Bucket"})
        self.assertEqual(len(by_id["ConformancePackRuleEvaluationResults"]), 1)
        listed, kw = [], {}
        while True:  # botocore has no paginator for it: NextToken by hand, one per page
            page = self.cfg.get_conformance_pack_compliance_details(
                ConformancePackName="comp", Limit=1, **kw)
            listed += page["ConformancePackRuleEvaluationResults"]
            if "NextToken" not in page:
                break
            kw = {"NextToken": page["NextToken"]}
        self.assertEqual(len(listed), 4)
        self.assertAwsError("NoSuchConfigRuleInConformancePackException",
                            self.cfg.describe_conformance_pack_compliance,
                            ConformancePackName="comp", Filters={"ConfigRuleNames": ["nope"]})
        summ = self.cfg.get_conformance_pack_compliance_summary(ConformancePackNames=["comp"])
        self.assertEqual(summ["ConformancePackComplianceSummaryList"],
                         [{"ConformancePackName": "comp",
                           "ConformancePackComplianceStatus": "NON_COMPLIANT"}])
        score = self.cfg.list_conformance_pack_compliance_scores(
            Filters={"ConformancePackNames": ["comp"]})["ConformancePackComplianceScores"][0]
        self.assertEqual(score["Score"], "75")
        # a pack with no results scores INSUFFICIENT_DATA; sorting by score puts it first
        self.put("empty", VERSIONING.replace("AWS::S3::Bucket", "AWS::EC2::Volume"))
        scores = self.cfg.list_conformance_pack_compliance_scores(
            SortBy="SCORE", SortOrder="ASCENDING")["ConformancePackComplianceScores"]
        self.assertEqual([(s["ConformancePackName"], s["Score"]) for s in scores],
                         [("empty", "INSUFFICIENT_DATA"), ("comp", "75")])
        self.assertEqual(self.cfg.get_conformance_pack_compliance_summary(
            ConformancePackNames=["empty"])["ConformancePackComplianceSummaryList"][0]
            ["ConformancePackComplianceStatus"], "INSUFFICIENT_DATA")
        self.assertAwsError("NoSuchConformancePackException",
                            self.cfg.get_conformance_pack_compliance_summary,
                            ConformancePackNames=["nope"])


class ComplianceHistory(PackTest):
    """A server of its own: the pack's history must start from nothing."""

    def pack_history(self, pack_id):
        items = self.cfg.get_resource_config_history(
            resourceType="AWS::Config::ConformancePackCompliance", resourceId=pack_id,
            chronologicalOrder="Forward")["configurationItems"]
        return [(i["configurationItemStatus"],
                 json.loads(i["configuration"]) if i.get("configuration") else None)
                for i in items]

    def wait_history(self, pack_id, want_types):
        deadline = time.time() + WAIT
        while True:
            h = self.pack_history(pack_id)
            if [c["complianceType"] if c else st for st, c in h] == want_types:
                return h
            if time.time() > deadline:
                self.fail("pack history %s, want %s" % (h, want_types))
            time.sleep(0.01)

    def test_compliance_history_as_configuration_items(self):
        """Each change of the pack's rule-level compliance is an
        AWS::Config::ConformancePackCompliance CI, recorded with the results that caused it;
        deleting the pack records its deletion."""
        self.put("hist", VERSIONING)
        pack = self.cfg.describe_conformance_packs(
            ConformancePackNames=["hist"])["ConformancePackDetails"][0]
        pid = pack["ConformancePackId"]
        self.wait_history(pid, ["INSUFFICIENT_DATA"])
        self.plumb_call("RecordConfigurationItems",
                        {"configurationItems": [bucket("h-good", "Enabled")]})
        self.wait_history(pid, ["INSUFFICIENT_DATA", "COMPLIANT"])
        self.plumb_call("RecordConfigurationItems",
                        {"configurationItems": [bucket("h-good", "Suspended")]})
        h = self.wait_history(pid, ["INSUFFICIENT_DATA", "COMPLIANT", "NON_COMPLIANT"])
        conf = h[-1][1]
        rule = self.one_rule("versioning")["ConfigRuleName"]
        self.assertEqual(conf, {
            "complianceType": "NON_COMPLIANT", "conformancePackName": "hist",
            "totalRuleCount": 1, "compliantRuleCount": 0, "nonCompliantRuleCount": 1,
            "configRuleList": [{"configRuleName": rule, "complianceType": "NON_COMPLIANT",
                                "controls": []}]})
        # a second non-compliant bucket changes no rule-level compliance: no new CI
        self.plumb_call("RecordConfigurationItems",
                        {"configurationItems": [bucket("h-bad2", "Suspended")]})
        self.wait_results("hist", 2)
        self.assertEqual(len(self.pack_history(pid)), 3)
        # advanced query sees it, as AWS's documentation shows
        rows = self.cfg.select_resource_config(
            Expression="SELECT resourceId, configuration.complianceType WHERE resourceType = "
                       "'AWS::Config::ConformancePackCompliance'")["Results"]
        self.assertEqual([json.loads(r) for r in rows],
                         [{"resourceId": pid,
                           "configuration": {"complianceType": "NON_COMPLIANT"}}])
        # the score's history (beyond AWS): one row per change of the pair counts, newest first
        deadline = time.time() + WAIT
        while True:
            hist = self.plumb_call("GetConformancePackScoreHistory",
                                   {"ConformancePackName": "hist"})["Scores"]
            got = [(h["Score"], h["CompliantPairs"], h["NonCompliantPairs"]) for h in hist]
            if len(got) >= 4 or time.time() > deadline:
                break
            time.sleep(0.01)
        self.assertEqual(got, [("0", 0, 2), ("0", 0, 1), ("100", 1, 0),
                               ("INSUFFICIENT_DATA", 0, 0)])
        self.assertEqual(self.cfg.list_conformance_pack_compliance_scores(
            Filters={"ConformancePackNames": ["hist"]})["ConformancePackComplianceScores"][0]
            ["Score"], "0")
        page = self.plumb_call("GetConformancePackScoreHistory",
                               {"ConformancePackName": "hist", "Limit": 3})
        rest = self.plumb_call("GetConformancePackScoreHistory",
                               {"ConformancePackName": "hist", "NextToken": page["NextToken"]})
        self.assertEqual([h["Score"] for h in page["Scores"] + rest["Scores"]],
                         ["0", "0", "100", "INSUFFICIENT_DATA"])
        self.assertNotIn("NextToken", rest)
        delete_pack(self.cfg, ConformancePackName="hist")
        self.assertEqual(self.pack_history(pid)[-1][0], "ResourceDeleted")


    def test_score_history_errors(self):
        for body in ({}, {"ConformancePackName": 5}, {"ConformancePackName": "x", "Limit": 0},
                     {"ConformancePackName": "x", "Limit": 101},
                     {"ConformancePackName": "x", "NextToken": 7}):
            status, out = signed_call(self.server.url,
                                      "PlumbService.GetConformancePackScoreHistory",
                                      json.dumps(body))
            self.assertEqual((status, out.get("__type")), (400, "ValidationException"), body)
        status, out = signed_call(self.server.url, "PlumbService.GetConformancePackScoreHistory",
                                  json.dumps({"ConformancePackName": "nope"}))
        self.assertEqual((status, out.get("__type")), (400, "NoSuchConformancePackException"))


class Cli(PackTest):
    """`plumb pack deploy | list | report` against the running server."""

    def pack(self, *args, check=True):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCOUNT, AWS_SECRET_ACCESS_KEY="test",
                   AWS_DEFAULT_REGION="us-east-1")
        p = subprocess.run([PLUMB, "pack"] + list(args) + ["--endpoint", self.server.url],
                           env=env, capture_output=True, text=True, timeout=120)
        if check:
            self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def test_documents(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
            f.write(VERSIONING)
            f.flush()
            self.assertEqual(self.pack("document", "add", "cli-doc", f.name).stdout.strip(),
                             "cli-doc: version 1 (default 1)")
            self.assertEqual(self.pack("document", "add", "cli-doc", f.name,
                                       "--default").stdout.strip(),
                             "cli-doc: version 2 (default 2)")
        self.assertIn("cli-doc", self.pack("document", "list").stdout)
        out = self.pack("deploy", "--document", "cli-doc:1", "--name", "cli-ssm").stdout
        self.assertEqual(out.strip(), "cli-ssm: CREATE_COMPLETE")
        self.assertEqual(self.pack("deploy", "--document", "nope", "--name", "x",
                                   check=False).returncode, 1)
        self.assertEqual(self.pack("deploy", "--document", "cli-doc", check=False).returncode, 2)
        self.pack("document", "remove", "cli-doc")
        self.assertEqual(json.loads(self.pack("document", "list", "--json").stdout), [])
        delete_pack(self.cfg, ConformancePackName="cli-ssm")

    def test_deploy_list_report(self):
        self.plumb_call("RecordConfigurationItems", {"configurationItems": [
            bucket("cli-good", "Enabled"), bucket("cli-bad", "Suspended")]})
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", prefix="cli_pack.") as f:
            f.write(VERSIONING)
            f.flush()
            name = os.path.basename(f.name).rsplit(".", 1)[0].replace(".", "-").replace("_", "-")
            out = self.pack("deploy", f.name, "--param", "Status=Enabled").stdout
            self.assertEqual(out.strip(), name + ": CREATE_COMPLETE")
            bad = self.pack("deploy", f.name, "--param", "Nope=x", check=False)
            self.assertEqual(bad.returncode, 1)
            self.assertIn("ConformancePackTemplateValidationException", bad.stderr)
        deadline = time.time() + WAIT
        while True:
            rep = json.loads(self.pack("report", name, "--json").stdout)
            if rep["Score"] != "INSUFFICIENT_DATA" or time.time() > deadline:
                break
            time.sleep(0.02)
        self.assertEqual((rep["ComplianceType"], rep["Score"]), ("NON_COMPLIANT", "50"))
        self.assertEqual([(r["ResourceId"], r["ResourceType"])
                          for r in rep["NonCompliantResources"]],
                         [("cli-bad", "AWS::S3::Bucket")])
        self.assertEqual(len(rep["Rules"]), 1)
        text = self.pack("report", name).stdout
        self.assertIn("score 50", text)
        self.assertIn("cli-bad", text)
        listed = json.loads(self.pack("list", "--json").stdout)
        self.assertIn({"ConformancePackName": name, "ConformancePackState": "CREATE_COMPLETE",
                       "Score": "50"}, listed)
        self.assertIn(name, self.pack("list").stdout)
        self.assertEqual(self.pack("report", "nope", check=False).returncode, 1)
        self.assertEqual(self.pack("frobnicate", check=False).returncode, 2)


def estate():
    """The RDK's real example CIs, re-homed into the test's account and region."""
    cis = []
    for f in sorted(glob.glob(os.path.join(RDK, "*.json"))):
        try:
            with open(f) as fh:
                doc = json.load(fh)
        except ValueError:
            continue  # two upstream files are malformed
        for ci in doc if isinstance(doc, list) else [doc]:
            ci = dict(ci)
            for k in ("awsAccountId", "accountId"):
                if k in ci:
                    ci[k] = ACCOUNT
            ci["awsRegion"] = "us-east-1"
            ci.pop("ARN", None)
            ci.pop("arn", None)
            cis.append(ci)
    return cis


class EverySamplePack(PackTest):
    KNOWN_FAILED = {"custom-conformance-pack": "function"}
    NEEDED = {"CustomConfigRuleLambdaArn": None,  # set in setUpClass: a registered function
              "S3TargetBucketNameForEnableLogging": "logs-bucket"}

    def drop(self, name):
        try:
            delete_pack(self.cfg, ConformancePackName=name)
        except self.cfg.exceptions.NoSuchConformancePackException:
            pass

    def rule_statuses(self, names):
        out = []
        for i in range(0, len(names), 25):
            out += self.cfg.describe_config_rule_evaluation_status(
                ConfigRuleNames=names[i:i + 25])["ConfigRulesEvaluationStatus"]
        return out

    def wait_evaluated(self, pack, names):
        """Until each rule of the pack has run once (its evaluation status says so), process
        checks aside (their results come from PutExternalEvaluation only)."""
        rules = []
        for i in range(0, len(names), 25):
            rules += self.cfg.describe_config_rules(ConfigRuleNames=names[i:i + 25])["ConfigRules"]
        names = [r["ConfigRuleName"] for r in rules
                 if r["Source"].get("SourceIdentifier") != "AWS_CONFIG_PROCESS_CHECK"]
        deadline = time.time() + WAIT
        while True:
            st = self.rule_statuses(names)
            done = sum(1 for s in st if s.get("FirstEvaluationStarted"))
            if done == len(names):
                # every managed rule of every pack is implemented (issue 13)
                self.assertEqual([s["ConfigRuleName"] for s in st
                                  if s.get("LastErrorCode") == "NotImplemented"], [], pack)
                return
            if time.time() > deadline:
                self.fail("%s: %d of %d rules evaluated" % (pack, done, len(names)))
            time.sleep(0.05)

    def deploy_and_report(self, name, body, params, seen):
        if len(body) <= 51200:
            self.put(name, body, **params)
        else:  # as on AWS, a template this long goes through TemplateS3Uri
            d = os.path.join(self.server.data, "buckets", "pack-templates")
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, name + ".yaml"), "w", encoding="utf-8") as f:
                f.write(body)
            put_pack(self.cfg, ConformancePackName=name, TemplateS3Uri="s3://pack-templates/%s.yaml" % name,
                ConformancePackInputParameters=[{"ParameterName": k, "ParameterValue": v}
                                                for k, v in params.items()])
        st = self.status(name)
        if st["ConformancePackState"] != "CREATE_COMPLETE":
            # known refusals by the rules engine (see docs/packs.md): the custom pack's Lambda
            # function is not registered with plumb; one sample's parameter is outside the
            # values plumb's managed-rule catalog allows
            reason = st.get("ConformancePackStatusReason", "")
            self.assertIn(name, self.KNOWN_FAILED, reason)
            self.assertIn(self.KNOWN_FAILED[name], reason)
            return
        self.assertNotIn("does not implement", st.get("ConformancePackStatusReason", ""), name)
        comp = [c for p in self.cfg.get_paginator(
            "describe_conformance_pack_compliance").paginate(ConformancePackName=name)
            for c in p["ConformancePackRuleComplianceList"]]
        suffix = st["ConformancePackId"][len("conformance-pack-"):]
        owned = [n for n in self.rules("") if n.endswith("-conformance-pack-" + suffix)]
        self.assertEqual(sorted(c["ConfigRuleName"] for c in comp), sorted(owned))
        self.assertGreater(len(comp), 0)
        self.wait_evaluated(name, [c["ConfigRuleName"] for c in comp])
        comp = [c for p in self.cfg.get_paginator(
            "describe_conformance_pack_compliance").paginate(ConformancePackName=name)
            for c in p["ConformancePackRuleComplianceList"]]
        for c in comp:
            seen[c["ComplianceType"]] += 1
        score = self.cfg.list_conformance_pack_compliance_scores(
            Filters={"ConformancePackNames": [name]})["ConformancePackComplianceScores"]
        self.assertEqual(len(score), 1)

    def test_every_template_deploys_and_reports(self):
        r = self.plumb_call("RecordConfigurationItems", {"configurationItems": estate()})
        self.assertGreater(r["recorded"], 50, r)
        files = sorted(glob.glob(os.path.join(PACKS, "*.y*ml")))
        self.assertEqual(len(files), 85)
        seen = {"COMPLIANT": 0, "NON_COMPLIANT": 0, "INSUFFICIENT_DATA": 0}
        for path in files:
            name = os.path.basename(path).rsplit(".", 1)[0][:50].replace(".", "-")
            with open(path, encoding="utf-8") as f:
                body = f.read()
            params = {k: v or "arn:aws:lambda:us-east-1:%s:function:nope" % ACCOUNT
                      for k, v in self.NEEDED.items() if k + ":" in body}
            with self.subTest(template=os.path.basename(path)):
                try:
                    self.deploy_and_report(name, body, params, seen)
                finally:
                    self.drop(name)
        # the estate gives real verdicts both ways
        self.assertGreater(seen["COMPLIANT"], 0, seen)
        self.assertGreater(seen["NON_COMPLIANT"], 0, seen)
        print("per-rule compliance over the sample packs: %s" % seen)


if __name__ == "__main__":
    unittest.main()
