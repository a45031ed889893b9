"""test_organizations.py — plumb's organization, organization rules, packs and aggregators
(issue 14, Organizations).

Three accounts with SigV4 keys of their own (M the management account, B and C members; none
of them an administrator key), an organization of all three made with `plumb org` on the
server's data directory. Proves that an organization rule and an organization pack are deployed
into, and evaluate in, each account and roll up in the aggregate compliance summary of an
organization aggregator in M; that a member cannot change or delete them; that removing a
member removes its organization rule and pack and its data from the organization aggregator
(and adding it back deploys them again); that only the management account (or a delegated
administrator) may use the organization operations; the statuses, the aws CLI's
put-organization-config-rule / describe / get-…-detailed-status / delete with the options of
the AWS CLI reference, and errors from the model."""
import json
import unittest

import botocore.exceptions

from harness import Server, ServerTest, plumb, signed_call, wait_for

M, B, C = "111111111111", "222222222222", "333333333333"
TYPE = "MyCompany::App::Thing"
POLICY = "rule big { configuration.size >= 3 }"
PACK = """
Resources:
  ThingSize:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: thing-size
      Scope:
        ComplianceResourceTypes: [MyCompany::App::Thing]
      Source:
        Owner: CUSTOM_POLICY
        SourceDetails:
          - EventSource: aws.config
            MessageType: ConfigurationItemChangeNotification
        CustomPolicyDetails:
          PolicyRuntime: guard-2.x.x
          PolicyText: "rule big { configuration.size >= 5 }"
"""


class Organizations(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(auth="sigv4").start()
        cls.server.first_key("123456789012")  # the administrator key the first start made
        cls.keys, cls.c = {}, {}
        for acct in (M, B, C):
            k = json.loads(plumb("credentials", "add", "--account", acct, "--json", "--data",
                                 cls.server.data).stdout)
            cls.keys[acct] = (k["accessKeyId"], k["secretAccessKey"])
            cls.c[acct] = cls.server.client(key=k["accessKeyId"], secret=k["secretAccessKey"])
        for acct in (M, B, C):  # the server re-reads credentials.json on change
            wait_for(lambda: cls.accepted(acct), what="the key of %s" % acct)
            cls.seed(cls.c[acct], acct)
        plumb("org", "create", "--management", M, "--data", cls.server.data)
        plumb("org", "add-account", B, "--data", cls.server.data)
        plumb("org", "add-account", C, "--data", cls.server.data)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    @classmethod
    def accepted(cls, acct):
        try:
            cls.c[acct].describe_configuration_recorders()
            return True
        except botocore.exceptions.ClientError:
            return False

    @classmethod
    def seed(cls, c, acct):
        c.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::%s:role/ConfigRole" % acct,
            "recordingGroup": {"allSupported": True}})
        c.put_delivery_channel(DeliveryChannel={"name": "default",
                                                "s3BucketName": "config-bucket-%s" % acct})
        c.start_configuration_recorder(ConfigurationRecorderName="default")
        for rid, size in (("small", 1), ("medium", 4), ("large", 9)):
            c.put_resource_config(ResourceType=TYPE, SchemaVersionId="1",
                                  ResourceId="%s-%s" % (rid, acct),
                                  Configuration=json.dumps({"size": size}))

    def call(self, acct, op, body, prefix="PlumbService"):
        return signed_call(self.server.url, prefix + "." + op, json.dumps(body),
                           key=self.keys[acct][0], secret=self.keys[acct][1])

    def assertAwsError(self, code, fn, *args, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(*args, **kwargs)
        self.assertEqual(cm.exception.response["Error"]["Code"], code, cm.exception.response)
        return cm.exception

    def delete_if_there(self, c, name):
        try:
            c.delete_organization_config_rule(OrganizationConfigRuleName=name)
        except c.exceptions.NoSuchOrganizationConfigRuleException:
            pass

    def member_rule(self, acct, prefix):
        names = [r["ConfigRuleName"] for r in
                 self.c[acct].describe_config_rules()["ConfigRules"]
                 if r["ConfigRuleName"].startswith(prefix)]
        return names[0] if names else None

    def results(self, acct, rule):
        res = self.c[acct].get_compliance_details_by_config_rule(
            ConfigRuleName=rule)["EvaluationResults"]
        return {r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]:
                r["ComplianceType"] for r in res}

    def summary_by_account(self, agg):
        out = self.c[M].get_aggregate_config_rule_compliance_summary(
            ConfigurationAggregatorName=agg, GroupByKey="ACCOUNT_ID")
        return {g["GroupName"]: (g["ComplianceSummary"]["CompliantResourceCount"]["CappedCount"],
                                 g["ComplianceSummary"]["NonCompliantResourceCount"]["CappedCount"])
                for g in out["AggregateComplianceCounts"]}

    # ---- the organization itself ----

    def test_organization_operations(self):
        st, out = self.call(B, "DescribeOrganization", {})
        self.assertEqual(st, 200, out)
        self.assertEqual(out["Organization"]["ManagementAccountId"], M)
        self.assertEqual(sorted(a["Id"] for a in out["Accounts"]), [M, B, C])
        self.assertTrue(out["Organization"]["Id"].startswith("o-"))
        # a member's key may not create, add or remove; the management account may not add
        for acct, op, body in ((B, "CreateOrganization", {"ManagementAccountId": B}),
                               (M, "AddOrganizationAccount", {"AccountId": "444444444444"}),
                               (B, "RemoveOrganizationAccount", {"AccountId": C}),
                               (B, "RegisterDelegatedAdministrator", {"AccountId": C})):
            st, out = self.call(acct, op, body)
            self.assertEqual((st, out.get("__type")), (400, "OrganizationAccessDeniedException"),
                             (op, out))
        st, out = self.call(M, "RemoveOrganizationAccount", {"AccountId": M})
        self.assertEqual(out.get("__type"), "ValidationException", out)
        st, out = self.call(M, "AddOrganizationAccount", {"AccountId": "12"})
        self.assertEqual(out.get("__type"), "ValidationException", out)
        listed = json.loads(plumb("org", "list", "--json", "--data", self.server.data).stdout)
        self.assertEqual(sorted(a["Id"] for a in listed["Accounts"]), [M, B, C])
        text = plumb("org", "list", "--data", self.server.data).stdout
        self.assertIn("%s management" % M, text)
        self.assertEqual(plumb("org", "create", "--management", B, "--data", self.server.data,
                               check=False).returncode, 1)
        self.assertEqual(plumb("org", "add-account", "x", "--data", self.server.data,
                               check=False).returncode, 2)

    def test_only_managers(self):
        self.assertAwsError("OrganizationAccessDeniedException",
                            self.c[B].put_organization_config_rule,
                            OrganizationConfigRuleName="nope",
                            OrganizationManagedRuleMetadata={
                                "RuleIdentifier": "S3_BUCKET_VERSIONING_ENABLED"})
        self.assertAwsError("OrganizationAccessDeniedException",
                            self.c[B].describe_organization_config_rules)
        self.assertAwsError("OrganizationAccessDeniedException",
                            self.c[C].put_configuration_aggregator,
                            ConfigurationAggregatorName="org",
                            OrganizationAggregationSource={
                                "RoleArn": "arn:aws:iam::%s:role/agg" % C,
                                "AllAwsRegions": True})
        # a delegated administrator may, until deregistered
        st, out = self.call(M, "RegisterDelegatedAdministrator", {"AccountId": C})
        self.assertEqual(st, 200, out)
        try:
            self.assertIn("OrganizationConfigRules",
                          self.c[C].describe_organization_config_rules())
            st, out = self.call(M, "RegisterDelegatedAdministrator", {"AccountId": C})
            self.assertEqual(out.get("__type"), "ResourceInUseException", out)
        finally:
            st, out = self.call(M, "DeregisterDelegatedAdministrator", {"AccountId": C})
            self.assertEqual(st, 200, out)
        self.assertAwsError("OrganizationAccessDeniedException",
                            self.c[C].describe_organization_config_rules)

    def test_errors_from_the_model(self):
        cfg = self.c[M]
        self.assertAwsError("NoSuchOrganizationConfigRuleException",
                            cfg.describe_organization_config_rules,
                            OrganizationConfigRuleNames=["absent"])
        self.assertAwsError("NoSuchOrganizationConfigRuleException",
                            cfg.delete_organization_config_rule,
                            OrganizationConfigRuleName="absent")
        self.assertAwsError("NoSuchOrganizationConformancePackException",
                            cfg.get_organization_conformance_pack_detailed_status,
                            OrganizationConformancePackName="absent")
        self.assertAwsError("InvalidParameterValueException", cfg.put_organization_config_rule,
                            OrganizationConfigRuleName="two",
                            OrganizationManagedRuleMetadata={"RuleIdentifier": "X"},
                            OrganizationCustomPolicyRuleMetadata={
                                "PolicyRuntime": "guard-2.x.x", "PolicyText": POLICY})
        st, out = signed_call(self.server.url,
                              "StarlingDoveService.DescribeOrganizationConfigRules",
                              json.dumps({"Limit": 101}), key=self.keys[M][0],
                              secret=self.keys[M][1])
        self.assertEqual(st, 400, out)
        self.assertIn(out["__type"], ("ValidationException", "InvalidLimitException"))
        for excluded in (["%012d" % i for i in range(1001)], ["1234"]):  # max 1000, \d{12}
            st, out = signed_call(self.server.url,
                                  "StarlingDoveService.PutOrganizationConfigRule",
                                  json.dumps({"OrganizationConfigRuleName": "limits",
                                              "OrganizationManagedRuleMetadata": {
                                                  "RuleIdentifier": "S3_BUCKET_VERSIONING_ENABLED"},
                                              "ExcludedAccounts": excluded}),
                              key=self.keys[M][0], secret=self.keys[M][1])
            self.assertEqual((st, out["__type"]), (400, "ValidationException"), out)
        self.assertAwsError("NoSuchOrganizationConfigRuleException",
                            cfg.describe_organization_config_rules,
                            OrganizationConfigRuleNames=["limits"])  # nothing was stored
        self.assertAwsError("OrganizationConformancePackTemplateValidationException",
                            cfg.put_organization_conformance_pack,
                            OrganizationConformancePackName="bad",
                            TemplateBody="Resources:\n  X:\n    Type: AWS::Config::ConfigRule\n"
                                         "    Properties: {ConfigRuleName: !GetAtt a.b}\n")

    # ---- rules and packs in every member, rolled up ----

    def test_rule_and_pack_roll_up_and_follow_membership(self):
        M_ = self.c[M]
        arn = M_.put_organization_config_rule(
            OrganizationConfigRuleName="org-big",
            OrganizationCustomPolicyRuleMetadata={
                "PolicyRuntime": "guard-2.x.x", "PolicyText": POLICY,
                "ResourceTypesScope": [TYPE],
                "OrganizationConfigRuleTriggerTypes": ["ConfigurationItemChangeNotification"]},
        )["OrganizationConfigRuleArn"]
        self.assertRegex(arn, r"^arn:aws:config:us-east-1:%s:organization-config-rule/"
                              r"org-big-[a-z0-9]{8}$" % M)
        M_.put_organization_conformance_pack(OrganizationConformancePackName="org-pack",
                                             TemplateBody=PACK)
        M_.put_configuration_aggregator(
            ConfigurationAggregatorName="org",
            OrganizationAggregationSource={"RoleArn": "arn:aws:iam::%s:role/agg" % M,
                                           "AwsRegions": ["us-east-1"]})
        try:
            for acct in (M, B, C):
                rule = wait_for(lambda: self.member_rule(acct, "OrgConfigRule-org-big-"),
                                what="the org rule in %s" % acct)
                got = wait_for(lambda: len(self.results(acct, rule)) == 3 and
                               self.results(acct, rule), what="results in %s" % acct)
                self.assertEqual(got, {"small-%s" % acct: "NON_COMPLIANT",
                                       "medium-%s" % acct: "COMPLIANT",
                                       "large-%s" % acct: "COMPLIANT"})
                packs = self.c[acct].describe_conformance_packs()["ConformancePackDetails"]
                self.assertEqual([p["ConformancePackName"][:24] for p in packs],
                                 ["OrgConformsPack-org-pack"])
                self.assertEqual(packs[0]["CreatedBy"], "config-multiaccountsetup.amazonaws.com")
                prule = wait_for(lambda: self.member_rule(acct, "thing-size-conformance-pack-"),
                                 what="the pack's rule in %s" % acct)
                wait_for(lambda: len(self.results(acct, prule)) == 3,
                         what="pack results in %s" % acct)
                self.assertEqual(self.c[acct].describe_config_rules(ConfigRuleNames=[rule])[
                    "ConfigRules"][0]["CreatedBy"], "config-multiaccountsetup.amazonaws.com")
            # members cannot change or delete what the organization put there
            rule_b = self.member_rule(B, "OrgConfigRule-org-big-")
            self.assertAwsError("ResourceInUseException", self.c[B].delete_config_rule,
                                ConfigRuleName=rule_b)
            self.assertAwsError("ResourceInUseException", self.c[B].put_config_rule,
                                ConfigRule={"ConfigRuleName": rule_b, "Source": {
                                    "Owner": "AWS",
                                    "SourceIdentifier": "AWS_CONFIG_PROCESS_CHECK"}})
            pack_b = self.c[B].describe_conformance_packs()["ConformancePackDetails"][0]
            self.assertAwsError("ResourceInUseException", self.c[B].delete_conformance_pack,
                                ConformancePackName=pack_b["ConformancePackName"])
            self.assertAwsError("ResourceInUseException", self.c[B].put_conformance_pack,
                                ConformancePackName=pack_b["ConformancePackName"],
                                TemplateBody=PACK)
            status = M_.describe_configuration_aggregator_sources_status(
                ConfigurationAggregatorName="org")["AggregatedSourceStatusList"]
            self.assertEqual([(x["SourceId"], x["SourceType"], x["AwsRegion"],
                               x["LastUpdateStatus"]) for x in status],
                             [(a, "ORGANIZATION", "us-east-1", "SUCCEEDED") for a in (M, B, C)])
            # both rules NON_COMPLIANT in each account: 2 non-compliant rules per account
            want = {M: (0, 2), B: (0, 2), C: (0, 2)}
            wait_for(lambda: self.summary_by_account("org") == want, what="the roll-up")
            # statuses
            st = M_.describe_organization_config_rule_statuses(
                OrganizationConfigRuleNames=["org-big"])["OrganizationConfigRuleStatuses"]
            self.assertEqual(st[0]["OrganizationRuleStatus"], "CREATE_SUCCESSFUL")
            det = M_.get_organization_config_rule_detailed_status(
                OrganizationConfigRuleName="org-big")["OrganizationConfigRuleDetailedStatus"]
            self.assertEqual([(d["AccountId"], d["MemberAccountRuleStatus"]) for d in det],
                             [(M, "CREATE_SUCCESSFUL"), (B, "CREATE_SUCCESSFUL"),
                              (C, "CREATE_SUCCESSFUL")])
            page = M_.get_organization_config_rule_detailed_status(
                OrganizationConfigRuleName="org-big", Limit=1)
            self.assertEqual(len(page["OrganizationConfigRuleDetailedStatus"]), 1)
            page2 = M_.get_organization_config_rule_detailed_status(
                OrganizationConfigRuleName="org-big", Limit=1, NextToken=page["NextToken"])
            self.assertEqual(page2["OrganizationConfigRuleDetailedStatus"][0]["AccountId"], B)
            only_c = M_.get_organization_config_rule_detailed_status(
                OrganizationConfigRuleName="org-big", Filters={"AccountId": C})
            self.assertEqual([d["AccountId"] for d in
                              only_c["OrganizationConfigRuleDetailedStatus"]], [C])
            pst = M_.describe_organization_conformance_pack_statuses()[
                "OrganizationConformancePackStatuses"]
            self.assertEqual([(p["OrganizationConformancePackName"], p["Status"]) for p in pst],
                             [("org-pack", "CREATE_SUCCESSFUL")])
            pdet = M_.get_organization_conformance_pack_detailed_status(
                OrganizationConformancePackName="org-pack")[
                "OrganizationConformancePackDetailedStatuses"]
            self.assertEqual(sorted(d["AccountId"] for d in pdet), [M, B, C])
            desc = M_.describe_organization_config_rules()["OrganizationConfigRules"]
            self.assertEqual([d["OrganizationConfigRuleName"] for d in desc], ["org-big"])
            self.assertNotIn("PolicyText", desc[0]["OrganizationCustomPolicyRuleMetadata"])
            self.assertEqual(M_.get_organization_custom_rule_policy(
                OrganizationConfigRuleName="org-big")["PolicyText"], POLICY)
            self.assertEqual([p["OrganizationConformancePackName"] for p in
                              M_.describe_organization_conformance_packs()[
                                  "OrganizationConformancePacks"]], ["org-pack"])

            # removing C removes its rule, its pack and its data from the aggregator
            plumb("org", "remove-account", C, "--data", self.server.data)
            self.assertIsNone(self.member_rule(C, "OrgConfigRule-"))
            self.assertEqual(self.c[C].describe_conformance_packs()["ConformancePackDetails"], [])
            self.assertEqual(self.summary_by_account("org"), {M: (0, 2), B: (0, 2)})
            det = M_.get_organization_config_rule_detailed_status(
                OrganizationConfigRuleName="org-big")["OrganizationConfigRuleDetailedStatus"]
            self.assertEqual(sorted(d["AccountId"] for d in det), [M, B])
            listed = M_.list_aggregate_discovered_resources(
                ConfigurationAggregatorName="org", ResourceType=TYPE)["ResourceIdentifiers"]
            self.assertEqual(sorted({r["SourceAccountId"] for r in listed}), [M, B])
            # ... and adding it back deploys them again
            plumb("org", "add-account", C, "--data", self.server.data)
            self.assertTrue(self.member_rule(C, "OrgConfigRule-org-big-"))
            wait_for(lambda: self.summary_by_account("org") == want,
                     what="the roll-up with C again")
            # ExcludedAccounts: an update that excludes B takes it out of B only
            M_.put_organization_conformance_pack(OrganizationConformancePackName="org-pack",
                                                 TemplateBody=PACK, ExcludedAccounts=[B])
            self.assertEqual(self.c[B].describe_conformance_packs()["ConformancePackDetails"], [])
            self.assertEqual(len(self.c[C].describe_conformance_packs()[
                "ConformancePackDetails"]), 1)
            pst = M_.describe_organization_conformance_pack_statuses()[
                "OrganizationConformancePackStatuses"]
            self.assertEqual(pst[0]["Status"], "UPDATE_SUCCESSFUL")
        finally:
            M_.delete_organization_conformance_pack(OrganizationConformancePackName="org-pack")
            M_.delete_organization_config_rule(OrganizationConfigRuleName="org-big")
            M_.delete_configuration_aggregator(ConfigurationAggregatorName="org")
        for acct in (M, B, C):
            self.assertIsNone(self.member_rule(acct, "OrgConfigRule-org-big-"))
            self.assertEqual(self.c[acct].describe_conformance_packs()[
                "ConformancePackDetails"], [])

    def test_lambda_rule_in_the_members_that_registered_it(self):
        for acct in (M, B):  # C never registers the function
            plumb("function", "add", "org-check", "--runtime", "exec", "--command", "true",
                  "--account", acct, "--data", self.server.data)
        cfg = self.c[M]
        cfg.put_organization_config_rule(
            OrganizationConfigRuleName="org-lambda",
            OrganizationCustomRuleMetadata={
                "LambdaFunctionArn": "arn:aws:lambda:us-east-1:%s:function:org-check" % M,
                "OrganizationConfigRuleTriggerTypes": ["ScheduledNotification"],
                "MaximumExecutionFrequency": "TwentyFour_Hours"})
        self.addCleanup(cfg.delete_organization_config_rule,
                        OrganizationConfigRuleName="org-lambda")
        det = {d["AccountId"]: d for d in cfg.get_organization_config_rule_detailed_status(
            OrganizationConfigRuleName="org-lambda")["OrganizationConfigRuleDetailedStatus"]}
        self.assertEqual(det[M]["MemberAccountRuleStatus"], "CREATE_SUCCESSFUL")
        self.assertEqual(det[B]["MemberAccountRuleStatus"], "CREATE_SUCCESSFUL")
        self.assertEqual(det[C]["MemberAccountRuleStatus"], "CREATE_FAILED")
        self.assertTrue(det[C]["ErrorCode"] and det[C]["ErrorMessage"])
        failed = cfg.get_organization_config_rule_detailed_status(
            OrganizationConfigRuleName="org-lambda",
            Filters={"MemberAccountRuleStatus": "CREATE_FAILED"})
        self.assertEqual([d["AccountId"] for d in
                          failed["OrganizationConfigRuleDetailedStatus"]], [C])
        st = cfg.describe_organization_config_rule_statuses(
            OrganizationConfigRuleNames=["org-lambda"])["OrganizationConfigRuleStatuses"][0]
        self.assertEqual(st["OrganizationRuleStatus"], "CREATE_FAILED")
        rule_b = self.member_rule(B, "OrgConfigRule-org-lambda-")
        src = self.c[B].describe_config_rules(ConfigRuleNames=[rule_b])["ConfigRules"][0]["Source"]
        self.assertEqual(src["SourceIdentifier"],
                         "arn:aws:lambda:us-east-1:%s:function:org-check" % B)
        self.assertEqual(src["SourceDetails"][0]["MessageType"], "ScheduledNotification")

    def test_rules_and_packs_per_region(self):
        """As in AWS, an organization rule or pack is deployed in the region it was put in, into
        every account of the organization (whether the account records there or not); each
        region's are its own; a member that leaves loses those of every region and gets them
        back when it rejoins. Deployment is synchronous: the Put answers once every member is
        deployed, so the statuses it leaves are final (no *_IN_PROGRESS to wait out)."""
        eu = {acct: self.server.client(key=self.keys[acct][0], secret=self.keys[acct][1],
                                       region="eu-west-1") for acct in (M, B, C)}
        us = self.c
        md = {"RuleIdentifier": "S3_BUCKET_VERSIONING_ENABLED",
              "ResourceTypesScope": ["AWS::S3::Bucket"]}
        arn = eu[M].put_organization_config_rule(
            OrganizationConfigRuleName="org-eu",
            OrganizationManagedRuleMetadata=md)["OrganizationConfigRuleArn"]
        self.addCleanup(self.delete_if_there, eu[M], "org-eu")
        self.assertRegex(arn, r"^arn:aws:config:eu-west-1:%s:organization-config-rule/" % M)
        us[M].put_organization_config_rule(OrganizationConfigRuleName="org-us",
                                           OrganizationManagedRuleMetadata=md)
        self.addCleanup(us[M].delete_organization_config_rule, OrganizationConfigRuleName="org-us")
        eu[M].put_organization_conformance_pack(OrganizationConformancePackName="pack-eu",
                                                TemplateBody=PACK)
        self.addCleanup(eu[M].delete_organization_conformance_pack,
                        OrganizationConformancePackName="pack-eu")

        def statuses(c):
            return [(s["OrganizationConfigRuleName"], s["OrganizationRuleStatus"]) for s in
                    c.describe_organization_config_rule_statuses()[
                        "OrganizationConfigRuleStatuses"]]

        def members(c, name):
            return {d["AccountId"]: d["MemberAccountRuleStatus"] for d in
                    c.get_organization_config_rule_detailed_status(
                        OrganizationConfigRuleName=name)["OrganizationConfigRuleDetailedStatus"]}

        def everywhere(acct):
            """The organization's rules and packs of acct, per region."""
            return {region: (sorted(r["ConfigRuleName"].split("-")[2] for r in
                                    c[acct].describe_config_rules()["ConfigRules"]
                                    if r["ConfigRuleName"].startswith(("OrgConfigRule-org-eu-",
                                                                       "OrgConfigRule-org-us-"))),
                             sorted(p["ConformancePackName"].rsplit("-", 1)[0] for p in
                                    c[acct].describe_conformance_packs()["ConformancePackDetails"]
                                    if p["ConformancePackName"].startswith("OrgConformsPack-")))
                    for region, c in (("eu-west-1", eu), ("us-east-1", us))}

        # read at once after the Puts: the statuses are final
        self.assertEqual(statuses(eu[M]), [("org-eu", "CREATE_SUCCESSFUL")])
        self.assertEqual(statuses(us[M]), [("org-us", "CREATE_SUCCESSFUL")])
        self.assertEqual(members(eu[M], "org-eu"), {a: "CREATE_SUCCESSFUL" for a in (M, B, C)})
        self.assertEqual([p["Status"] for p in eu[M].describe_organization_conformance_pack_statuses()[
            "OrganizationConformancePackStatuses"]], ["CREATE_SUCCESSFUL"])
        self.assertAwsError("NoSuchOrganizationConfigRuleException",
                            us[M].get_organization_config_rule_detailed_status,
                            OrganizationConfigRuleName="org-eu")
        want = {"eu-west-1": (["eu"], ["OrgConformsPack-pack-eu"]), "us-east-1": (["us"], [])}
        for acct in (M, B, C):
            self.assertEqual(everywhere(acct), want, acct)
        eu[M].put_organization_config_rule(OrganizationConfigRuleName="org-eu",
                                           OrganizationManagedRuleMetadata=md)
        self.assertEqual(statuses(eu[M]), [("org-eu", "UPDATE_SUCCESSFUL")])
        self.assertEqual(members(eu[M], "org-eu"), {a: "UPDATE_SUCCESSFUL" for a in (M, B, C)})

        # C leaves: it loses both regions' rules and the pack; it rejoins: they come back
        plumb("org", "remove-account", C, "--data", self.server.data)
        self.assertEqual(everywhere(C), {"eu-west-1": ([], []), "us-east-1": ([], [])})
        self.assertEqual(members(eu[M], "org-eu"), {a: "UPDATE_SUCCESSFUL" for a in (M, B)})
        plumb("org", "add-account", C, "--data", self.server.data)
        self.assertEqual(everywhere(C), want)
        self.assertEqual(members(eu[M], "org-eu")[C], "CREATE_SUCCESSFUL")
        self.assertEqual(members(us[M], "org-us")[C], "CREATE_SUCCESSFUL")

        # a Delete in one region leaves the other's
        eu[M].delete_organization_config_rule(OrganizationConfigRuleName="org-eu")
        self.assertEqual(statuses(eu[M]), [])
        self.assertEqual(statuses(us[M]), [("org-us", "CREATE_SUCCESSFUL")])
        for acct in (M, B, C):
            self.assertEqual(everywhere(acct)["eu-west-1"][0], [])
            self.assertEqual(everywhere(acct)["us-east-1"][0], ["us"])
        self.assertAwsError("NoSuchOrganizationConfigRuleException",
                            eu[M].delete_organization_config_rule,
                            OrganizationConfigRuleName="org-eu")

    def test_aws_cli(self):
        """put-organization-config-rule with the AWS CLI reference's options, then the reads."""
        key, secret = self.keys[M]
        self.server.cli("put-organization-config-rule", "--organization-config-rule-name",
                        "s3bucketversioningenabled", "--organization-managed-rule-metadata",
                        '{"RuleIdentifier":"S3_BUCKET_VERSIONING_ENABLED",'
                        '"ResourceTypesScope":["AWS::S3::Bucket"]}',
                        "--excluded-accounts", C, key=key, secret=secret)
        try:
            _, out, _ = self.server.cli("describe-organization-config-rules",
                                        "--organization-config-rule-names",
                                        "s3bucketversioningenabled", key=key, secret=secret)
            rule = out["OrganizationConfigRules"][0]
            self.assertEqual(rule["ExcludedAccounts"], [C])
            self.assertEqual(rule["OrganizationManagedRuleMetadata"]["RuleIdentifier"],
                             "S3_BUCKET_VERSIONING_ENABLED")
            _, out, _ = self.server.cli("get-organization-config-rule-detailed-status",
                                        "--organization-config-rule-name",
                                        "s3bucketversioningenabled", key=key, secret=secret)
            self.assertEqual(sorted(d["AccountId"] for d in
                                    out["OrganizationConfigRuleDetailedStatus"]), [M, B])
            self.assertIsNone(self.member_rule(C, "OrgConfigRule-s3bucketversioningenabled-"))
            self.assertTrue(self.member_rule(B, "OrgConfigRule-s3bucketversioningenabled-"))
        finally:
            self.server.cli("delete-organization-config-rule", "--organization-config-rule-name",
                            "s3bucketversioningenabled", key=key, secret=secret)
        self.assertIsNone(self.member_rule(B, "OrgConfigRule-s3bucketversioningenabled-"))


class DeleteOrganization(ServerTest):
    """DeleteOrganization once the members have left: the organization's rules leave the
    management account and the organization is gone (--auth open: every key an administrator's)."""

    def test_concurrent_changes_are_all_kept(self):
        import concurrent.futures
        data = self.server.data
        plumb("org", "create", "--management", M, "--data", data)
        ids = ["4444444444%02d" % i for i in range(12)]

        def add(acct):
            return signed_call(self.server.url, "PlumbService.AddOrganizationAccount",
                               json.dumps({"AccountId": acct}), key=M)
        with concurrent.futures.ThreadPoolExecutor(6) as ex:
            answers = list(ex.map(add, ids))
        self.assertEqual([st for st, _ in answers], [200] * len(ids), answers)
        listed = json.loads(plumb("org", "list", "--json", "--data", data).stdout)
        self.assertEqual(sorted(a["Id"] for a in listed["Accounts"]), sorted(ids + [M]))
        for acct in ids:
            plumb("org", "remove-account", acct, "--data", data)
        plumb("org", "delete", "--data", data)

    def test_delete(self):
        data = self.server.data
        plumb("org", "create", "--management", M, "--data", data)
        plumb("org", "add-account", B, "--data", data)
        cfg = self.server.client(key=M)
        cfg.put_organization_config_rule(
            OrganizationConfigRuleName="gone",
            OrganizationManagedRuleMetadata={"RuleIdentifier": "S3_BUCKET_VERSIONING_ENABLED"})
        rules = lambda acct: [r["ConfigRuleName"] for r in self.server.client(
            key=acct).describe_config_rules()["ConfigRules"]]
        self.assertEqual(len(rules(M)), 1)
        p = plumb("org", "delete", "--data", data, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("member accounts", p.stderr)
        plumb("org", "remove-account", B, "--data", data)
        self.assertEqual(rules(B), [])
        plumb("org", "delete", "--data", data)
        self.assertEqual(rules(M), [])
        self.assertAwsError("NoAvailableOrganizationException",
                            cfg.describe_organization_config_rules)
        self.assertEqual(plumb("org", "list", "--data", data, check=False).returncode, 1)
        plumb("org", "create", "--management", B, "--data", data)  # a new one may follow
        self.assertEqual(self.server.client(key=B).describe_organization_config_rules()[
            "OrganizationConfigRules"], [])


if __name__ == "__main__":
    unittest.main()
