"""test_aggregator.py — configuration aggregators, authorized and live (issue 14).

Three accounts (A aggregates, B and C are sources), each acting with a key of its own
(--auth open: the 12-digit access key is the account), two regions each. Proves that a source
contributes to A's aggregate reads only while it has authorized A's account and region
(PutAggregationAuthorization in the source), that revoking removes its data at the next read,
that pending requests appear in the source until answered, and checks every aggregate read's
shape, filters, paging, limits and errors, with boto3 and with the aws CLI verbatim."""
import datetime
import json
import unittest

import botocore.exceptions

from harness import ServerTest, plumb, signed_call, put_pack

A, B, C = "111111111111", "222222222222", "333333333333"
R1, R2 = "us-east-1", "eu-west-1"
TYPE = "MyCompany::App::Thing"
RESOURCES = 3  # per account and region


class Aggregator(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clients = {}
        for acct in (A, B, C):
            for region in (R1, R2):
                c = cls.server.client(key=acct, region=region)
                cls.clients[acct, region] = c
                cls.seed(c, acct, region)

    @classmethod
    def seed(cls, c, acct, region):
        c.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::%s:role/ConfigRole" % acct,
            "recordingGroup": {"allSupported": True}})
        c.put_delivery_channel(DeliveryChannel={"name": "default",
                                                "s3BucketName": "config-bucket-%s" % acct})
        c.start_configuration_recorder(ConfigurationRecorderName="default")
        for i in range(RESOURCES):
            c.put_resource_config(ResourceType=TYPE, SchemaVersionId="1",
                                  ResourceId="thing-%s-%s-%d" % (acct, region, i),
                                  ResourceName="name-%d" % i,
                                  Configuration=json.dumps({"n": i, "owner": acct}),
                                  Tags={"team": "t%d" % i})
        c.put_config_rule(ConfigRule={
            "ConfigRuleName": "manual-check",
            "Source": {"Owner": "AWS", "SourceIdentifier": "AWS_CONFIG_PROCESS_CHECK"}})
        c.put_config_rule(ConfigRule={
            "ConfigRuleName": "dr-drill",
            "Source": {"Owner": "AWS", "SourceIdentifier": "AWS_CONFIG_PROCESS_CHECK"}})
        now = datetime.datetime.now(datetime.timezone.utc)
        c.put_external_evaluation(ConfigRuleName="manual-check", ExternalEvaluation={
            "ComplianceResourceType": "AWS::::Account", "ComplianceResourceId": acct,
            "ComplianceType": "COMPLIANT", "OrderingTimestamp": now})
        c.put_external_evaluation(ConfigRuleName="dr-drill", ExternalEvaluation={
            "ComplianceResourceType": "AWS::::Account", "ComplianceResourceId": acct,
            "ComplianceType": "NON_COMPLIANT", "Annotation": "no drill", "OrderingTimestamp": now})

    def cl(self, acct, region=R1):
        return self.clients[acct, region]

    def put_agg(self, name="agg", accounts=(A, B, C), **src):
        if not src:
            src = {"AwsRegions": [R1, R2]}
        return self.cl(A).put_configuration_aggregator(
            ConfigurationAggregatorName=name,
            AccountAggregationSources=[dict(AccountIds=list(accounts), **src)])

    def tearDown(self):
        for (acct, region), c in self.clients.items():
            for a in c.describe_configuration_aggregators()["ConfigurationAggregators"]:
                c.delete_configuration_aggregator(
                    ConfigurationAggregatorName=a["ConfigurationAggregatorName"])
            for au in c.describe_aggregation_authorizations()["AggregationAuthorizations"]:
                c.delete_aggregation_authorization(
                    AuthorizedAccountId=au["AuthorizedAccountId"],
                    AuthorizedAwsRegion=au["AuthorizedAwsRegion"])

    def listed(self, name="agg", **kw):
        """Every (account, region) of ListAggregateDiscoveredResources, following NextTokens."""
        out, token = [], None
        while True:
            args = dict(ConfigurationAggregatorName=name, ResourceType=TYPE, **kw)
            if token:
                args["NextToken"] = token
            r = self.cl(A).list_aggregate_discovered_resources(**args)
            out += r["ResourceIdentifiers"]
            token = r.get("NextToken")
            if not token:
                return out

    def parts(self, items):
        return sorted({(i["SourceAccountId"], i["SourceRegion"]) for i in items})

    def authorize(self, src, region=R1):
        self.cl(src, region).put_aggregation_authorization(AuthorizedAccountId=A,
                                                           AuthorizedAwsRegion=R1)

    # ---- authorization, live ----

    def test_source_shows_only_while_authorized(self):
        self.put_agg()
        self.assertEqual(self.parts(self.listed()), [(A, R2), (A, R1)])
        self.authorize(B, R1)
        self.assertEqual(self.parts(self.listed()), [(A, R2), (A, R1), (B, R1)])
        self.authorize(B, R2)
        self.assertEqual(self.parts(self.listed()), [(A, R2), (A, R1), (B, R2), (B, R1)])
        self.cl(B, R1).delete_aggregation_authorization(AuthorizedAccountId=A,
                                                        AuthorizedAwsRegion=R1)
        self.assertEqual(self.parts(self.listed()), [(A, R2), (A, R1), (B, R2)])
        r = self.cl(A).get_aggregate_discovered_resource_counts(
            ConfigurationAggregatorName="agg", GroupByKey="ACCOUNT_ID",
            Filters={"ResourceType": TYPE})
        self.assertEqual(r["TotalDiscoveredResources"], 3 * RESOURCES)
        self.assertEqual({g["GroupName"]: g["ResourceCount"] for g in r["GroupedResourceCounts"]},
                         {A: 2 * RESOURCES, B: RESOURCES})
        # an authorization for another aggregator region authorizes nothing here
        self.cl(C).put_aggregation_authorization(AuthorizedAccountId=A, AuthorizedAwsRegion=R2)
        self.assertNotIn(C, {p[0] for p in self.parts(self.listed())})

    def test_sources_status(self):
        self.put_agg()
        self.authorize(B, R1)
        r = self.cl(A).describe_configuration_aggregator_sources_status(
            ConfigurationAggregatorName="agg")
        st = {(s["SourceId"], s["AwsRegion"]): s for s in r["AggregatedSourceStatusList"]}
        self.assertEqual(len(st), 6)
        self.assertEqual(st[A, R1]["LastUpdateStatus"], "SUCCEEDED")
        self.assertEqual(st[B, R1]["LastUpdateStatus"], "SUCCEEDED")
        self.assertEqual(st[B, R1]["SourceType"], "ACCOUNT")
        self.assertIsInstance(st[B, R1]["LastUpdateTime"], datetime.datetime)
        self.assertEqual(st[C, R2]["LastUpdateStatus"], "FAILED")
        self.assertEqual(st[C, R2]["LastErrorCode"], "AUTHORIZATION_ERROR")
        self.assertIn(C, st[C, R2]["LastErrorMessage"])
        failed = self.cl(A).describe_configuration_aggregator_sources_status(
            ConfigurationAggregatorName="agg", UpdateStatus=["FAILED"])
        self.assertEqual(sorted((s["SourceId"], s["AwsRegion"])
                                for s in failed["AggregatedSourceStatusList"]),
                         [(B, R2), (C, R2), (C, R1)])
        page = self.cl(A).describe_configuration_aggregator_sources_status(
            ConfigurationAggregatorName="agg", Limit=4)
        self.assertEqual(len(page["AggregatedSourceStatusList"]), 4)
        rest = self.cl(A).describe_configuration_aggregator_sources_status(
            ConfigurationAggregatorName="agg", Limit=4, NextToken=page["NextToken"])
        self.assertEqual(len(rest["AggregatedSourceStatusList"]), 2)
        self.assertNotIn("NextToken", rest)

    def test_pending_requests(self):
        self.put_agg()
        pend = self.cl(B, R2).describe_pending_aggregation_requests()["PendingAggregationRequests"]
        self.assertEqual(pend, [{"RequesterAccountId": A, "RequesterAwsRegion": R1}])
        self.assertEqual(self.cl(A).describe_pending_aggregation_requests()
                         ["PendingAggregationRequests"], [])
        self.authorize(B, R2)
        self.assertEqual(self.cl(B, R2).describe_pending_aggregation_requests()
                         ["PendingAggregationRequests"], [])
        self.cl(C).delete_pending_aggregation_request(RequesterAccountId=A,
                                                      RequesterAwsRegion=R1)
        self.assertEqual(self.cl(C).describe_pending_aggregation_requests()
                         ["PendingAggregationRequests"], [])
        self.assertEqual(len(self.cl(C, R2).describe_pending_aggregation_requests()
                             ["PendingAggregationRequests"]), 1)
        self.put_agg()  # a new Put asks again
        self.assertEqual(len(self.cl(C).describe_pending_aggregation_requests()
                             ["PendingAggregationRequests"]), 1)

    # ---- configuration objects ----

    def test_put_describe_replace_delete(self):
        r = self.put_agg(accounts=(A, B), AllAwsRegions=True)["ConfigurationAggregator"]
        self.assertRegex(r["ConfigurationAggregatorArn"],
                         r"^arn:aws:config:us-east-1:%s:config-aggregator/config-aggregator-"
                         r"[a-z\d]+$" % A)
        self.assertEqual(r["AccountAggregationSources"],
                         [{"AccountIds": [A, B], "AllAwsRegions": True}])
        again = self.put_agg(accounts=(C,))["ConfigurationAggregator"]
        self.assertEqual(again["ConfigurationAggregatorArn"], r["ConfigurationAggregatorArn"])
        self.assertEqual(again["CreationTime"], r["CreationTime"])
        self.assertEqual(again["AccountAggregationSources"],
                         [{"AccountIds": [C], "AllAwsRegions": False, "AwsRegions": [R1, R2]}])
        d = self.cl(A).describe_configuration_aggregators(ConfigurationAggregatorNames=["agg"])
        self.assertEqual(d["ConfigurationAggregators"][0]["AccountAggregationSources"][0]
                         ["AccountIds"], [C])
        for i in range(3):
            self.put_agg(name="more-%d" % i)
        p1 = self.cl(A).describe_configuration_aggregators(Limit=2)
        p2 = self.cl(A).describe_configuration_aggregators(Limit=2, NextToken=p1["NextToken"])
        names = [a["ConfigurationAggregatorName"] for a in
                 p1["ConfigurationAggregators"] + p2["ConfigurationAggregators"]]
        self.assertEqual(names, ["agg", "more-0", "more-1", "more-2"])
        self.assertNotIn("NextToken", p2)
        # tags through the generic tag operations
        arn = r["ConfigurationAggregatorArn"]
        self.cl(A).tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "prod"}])
        self.assertEqual(self.cl(A).list_tags_for_resource(ResourceArn=arn)["Tags"],
                         [{"Key": "env", "Value": "prod"}])
        self.cl(A).delete_configuration_aggregator(ConfigurationAggregatorName="agg")
        self.assertAwsError("NoSuchConfigurationAggregatorException",
                            self.cl(A).describe_configuration_aggregators,
                            ConfigurationAggregatorNames=["agg"])
        self.assertAwsError("NoSuchConfigurationAggregatorException",
                            self.cl(A).delete_configuration_aggregator,
                            ConfigurationAggregatorName="agg")

    def test_authorization_objects(self):
        r = self.cl(B).put_aggregation_authorization(
            AuthorizedAccountId=A, AuthorizedAwsRegion=R1,
            Tags=[{"Key": "k", "Value": "v"}])["AggregationAuthorization"]
        self.assertEqual(r["AggregationAuthorizationArn"],
                         "arn:aws:config:us-east-1:%s:aggregation-authorization/%s/%s" % (B, A, R1))
        self.assertEqual((r["AuthorizedAccountId"], r["AuthorizedAwsRegion"]), (A, R1))
        self.assertEqual(self.cl(B).list_tags_for_resource(
            ResourceArn=r["AggregationAuthorizationArn"])["Tags"], [{"Key": "k", "Value": "v"}])
        self.cl(B).put_aggregation_authorization(AuthorizedAccountId=C, AuthorizedAwsRegion=R2)
        p1 = self.cl(B).describe_aggregation_authorizations(Limit=1)
        p2 = self.cl(B).describe_aggregation_authorizations(Limit=1, NextToken=p1["NextToken"])
        self.assertEqual([x["AuthorizedAccountId"] for x in
                          p1["AggregationAuthorizations"] + p2["AggregationAuthorizations"]], [A, C])
        self.assertEqual(self.cl(B, R2).describe_aggregation_authorizations()
                         ["AggregationAuthorizations"], [])

    def test_errors_and_limits(self):
        c = self.cl(A)
        self.assertAwsError("NoAvailableOrganizationException", c.put_configuration_aggregator,
                            ConfigurationAggregatorName="org",
                            OrganizationAggregationSource={
                                "RoleArn": "arn:aws:iam::%s:role/r" % A, "AllAwsRegions": True})
        self.assertAwsError("InvalidParameterValueException", c.put_configuration_aggregator,
                            ConfigurationAggregatorName="x")
        self.assertAwsError("InvalidParameterValueException", self.put_agg, AwsRegions=[R1],
                            AllAwsRegions=True)
        self.assertAwsError("InvalidParameterValueException", self.put_agg, AllAwsRegions=False)
        self.assertAwsError("InvalidParameterValueException", self.put_agg,
                            AwsRegions=["r-%d" % i for i in range(65)])
        self.assertAwsError("InvalidParameterValueException", self.put_agg,
                            AwsRegions=["r" * 65])
        self.assertAwsError("LimitExceededException", self.put_agg,
                            accounts=["%012d" % i for i in range(10001)], AllAwsRegions=True)
        for i in range(50):
            self.put_agg(name="a%02d" % i)
        self.assertAwsError("LimitExceededException", self.put_agg, name="one-too-many")
        self.put_agg(name="a00")  # replacing is not adding
        for op in (c.list_aggregate_discovered_resources,):
            self.assertAwsError("NoSuchConfigurationAggregatorException", op,
                                ConfigurationAggregatorName="nope", ResourceType=TYPE)
        self.assertAwsError("NoSuchConfigurationAggregatorException",
                            c.get_aggregate_config_rule_compliance_summary,
                            ConfigurationAggregatorName="nope")
        self.assertAwsError("InvalidNextTokenException", c.list_aggregate_discovered_resources,
                            ConfigurationAggregatorName="a00", ResourceType=TYPE,
                            NextToken="00ff")

    # ---- aggregate reads ----

    def test_resource_reads(self):
        self.put_agg()
        self.authorize(B)
        items = self.listed(Limit=2)
        self.assertEqual(len(items), 3 * RESOURCES)
        self.assertEqual(len({i["ResourceId"] for i in items}), 3 * RESOURCES)
        one = items[0]
        self.assertEqual(set(one), {"SourceAccountId", "SourceRegion", "ResourceId",
                                    "ResourceType", "ResourceName"})
        self.assertEqual(self.parts(self.listed(Filters={"AccountId": B})), [(B, R1)])
        self.assertEqual(self.parts(self.listed(Filters={"Region": R2})), [(A, R2)])
        by_name = self.listed(Filters={"ResourceName": "name-1"})
        self.assertEqual(len(by_name), 3)
        rid = "thing-%s-%s-2" % (B, R1)
        self.assertEqual([i["ResourceId"] for i in self.listed(Filters={"ResourceId": rid})], [rid])
        key = {"SourceAccountId": B, "SourceRegion": R1, "ResourceId": rid, "ResourceType": TYPE}
        ci = self.cl(A).get_aggregate_resource_config(ConfigurationAggregatorName="agg",
                                                      ResourceIdentifier=key)["ConfigurationItem"]
        self.assertEqual((ci["accountId"], ci["awsRegion"], ci["resourceId"]), (B, R1, rid))
        self.assertEqual(json.loads(ci["configuration"])["owner"], B)
        self.assertEqual(ci["tags"], {"team": "t2"})
        c_key = dict(key, SourceAccountId=C, ResourceId="thing-%s-%s-2" % (C, R1))
        self.assertAwsError("ResourceNotDiscoveredException", self.cl(A).get_aggregate_resource_config,
                            ConfigurationAggregatorName="agg", ResourceIdentifier=c_key)
        b = self.cl(A).batch_get_aggregate_resource_config(
            ConfigurationAggregatorName="agg", ResourceIdentifiers=[key, c_key])
        self.assertEqual([x["resourceId"] for x in b["BaseConfigurationItems"]], [rid])
        self.assertEqual(b["BaseConfigurationItems"][0]["accountId"], B)
        # beyond AWS: the base items keep tags and relationships (botocore drops the members
        # its shape lacks, so read the wire)
        status, wire = signed_call(self.server.url,
                                   "StarlingDoveService.BatchGetAggregateResourceConfig",
                                   json.dumps({"ConfigurationAggregatorName": "agg",
                                               "ResourceIdentifiers": [key]}), key=A)
        self.assertEqual(status, 200, wire)
        self.assertEqual(wire["BaseConfigurationItems"][0]["tags"], {"team": "t2"})
        self.assertIn("relationships", wire["BaseConfigurationItems"][0])
        counts = self.cl(A).get_aggregate_discovered_resource_counts(
            ConfigurationAggregatorName="agg", GroupByKey="AWS_REGION",
            Filters={"ResourceType": TYPE})
        self.assertEqual({g["GroupName"]: g["ResourceCount"]
                          for g in counts["GroupedResourceCounts"]},
                         {R1: 2 * RESOURCES, R2: RESOURCES})
        by_type = self.cl(A).get_aggregate_discovered_resource_counts(
            ConfigurationAggregatorName="agg", GroupByKey="RESOURCE_TYPE",
            Filters={"AccountId": A})
        self.assertIn({"GroupName": TYPE, "ResourceCount": 2 * RESOURCES},
                      by_type["GroupedResourceCounts"])
        total = self.cl(A).get_aggregate_discovered_resource_counts(
            ConfigurationAggregatorName="agg")
        self.assertNotIn("GroupedResourceCounts", total)
        self.assertGreaterEqual(total["TotalDiscoveredResources"], 3 * RESOURCES)
        page = self.cl(A).get_aggregate_discovered_resource_counts(
            ConfigurationAggregatorName="agg", GroupByKey="AWS_REGION", Limit=1)
        self.assertEqual(len(page["GroupedResourceCounts"]), 1)
        nxt = self.cl(A).get_aggregate_discovered_resource_counts(
            ConfigurationAggregatorName="agg", GroupByKey="AWS_REGION", Limit=1,
            NextToken=page["NextToken"])
        self.assertNotEqual(nxt["GroupedResourceCounts"], page["GroupedResourceCounts"])

    def test_resource_type_filter(self):
        self.cl(A).put_configuration_aggregator(
            ConfigurationAggregatorName="agg",
            AccountAggregationSources=[{"AccountIds": [A], "AwsRegions": [R1]}],
            AggregatorFilters={"ResourceType": {"Type": "INCLUDE",
                                                "Value": ["AWS::EC2::Instance"]}})
        self.assertEqual(self.listed(), [])
        c = self.cl(A)
        key = {"SourceAccountId": A, "SourceRegion": R1, "ResourceType": TYPE,
               "ResourceId": "thing-%s-%s-0" % (A, R1)}
        self.assertAwsError("ResourceNotDiscoveredException", c.get_aggregate_resource_config,
                            ConfigurationAggregatorName="agg", ResourceIdentifier=key)
        counts = c.get_aggregate_discovered_resource_counts(ConfigurationAggregatorName="agg",
                                                            GroupByKey="RESOURCE_TYPE")
        self.assertNotIn(TYPE, [g["GroupName"] for g in counts["GroupedResourceCounts"]])
        # the compliance reads are not filtered by resource type (docs/aggregators.md, Filters):
        # the account-level results of both rules still count
        rows = c.describe_aggregate_compliance_by_config_rules(
            ConfigurationAggregatorName="agg")["AggregateComplianceByConfigRules"]
        self.assertEqual(sorted(r["ConfigRuleName"] for r in rows), ["dr-drill", "manual-check"])
        # ServicePrincipal selects service-linked recorders' data, which plumb never records:
        # stored and returned, it filters nothing
        c.put_configuration_aggregator(
            ConfigurationAggregatorName="agg",
            AccountAggregationSources=[{"AccountIds": [A], "AwsRegions": [R1]}],
            AggregatorFilters={"ServicePrincipal": {"Type": "INCLUDE",
                                                    "Value": ["config.amazonaws.com"]}})
        got = c.describe_configuration_aggregators(ConfigurationAggregatorNames=["agg"])
        self.assertEqual(got["ConfigurationAggregators"][0]["AggregatorFilters"],
                         {"ServicePrincipal": {"Type": "INCLUDE",
                                               "Value": ["config.amazonaws.com"]}})
        self.assertEqual(len(self.listed()), RESOURCES)
        self.put_agg(accounts=(A,), AwsRegions=[R1])
        self.assertEqual(len(self.listed()), RESOURCES)
        self.assertEqual(c.get_aggregate_resource_config(
            ConfigurationAggregatorName="agg",
            ResourceIdentifier=key)["ConfigurationItem"]["resourceId"], key["ResourceId"])

    def test_compliance_reads(self):
        self.put_agg()
        self.authorize(B)
        self.authorize(C, R2)
        c = self.cl(A)
        rows = c.describe_aggregate_compliance_by_config_rules(
            ConfigurationAggregatorName="agg")["AggregateComplianceByConfigRules"]
        got = {(r["AccountId"], r["AwsRegion"], r["ConfigRuleName"]): r["Compliance"]
               for r in rows}
        self.assertEqual(len(got), 8)  # 4 sources x 2 rules
        self.assertEqual(got[B, R1, "dr-drill"]["ComplianceType"], "NON_COMPLIANT")
        self.assertEqual(got[B, R1, "dr-drill"]["ComplianceContributorCount"],
                         {"CappedCount": 1, "CapExceeded": False})
        self.assertEqual(got[C, R2, "manual-check"], {"ComplianceType": "COMPLIANT"})
        nc = c.describe_aggregate_compliance_by_config_rules(
            ConfigurationAggregatorName="agg",
            Filters={"ComplianceType": "NON_COMPLIANT", "AccountId": C})
        self.assertEqual([(r["AccountId"], r["AwsRegion"], r["ConfigRuleName"])
                          for r in nc["AggregateComplianceByConfigRules"]], [(C, R2, "dr-drill")])
        seen, token = [], None
        while True:
            kw = {"NextToken": token} if token else {}
            p = c.describe_aggregate_compliance_by_config_rules(
                ConfigurationAggregatorName="agg", Limit=3, **kw)
            self.assertLessEqual(len(p["AggregateComplianceByConfigRules"]), 3)
            seen += p["AggregateComplianceByConfigRules"]
            token = p.get("NextToken")
            if not token:
                break
        self.assertEqual(len(seen), 8)
        d = c.get_aggregate_compliance_details_by_config_rule(
            ConfigurationAggregatorName="agg", ConfigRuleName="dr-drill", AccountId=B,
            AwsRegion=R1)["AggregateEvaluationResults"]
        self.assertEqual(len(d), 1)
        self.assertEqual(d[0]["ComplianceType"], "NON_COMPLIANT")
        self.assertEqual(d[0]["Annotation"], "no drill")
        self.assertEqual((d[0]["AccountId"], d[0]["AwsRegion"]), (B, R1))
        q = d[0]["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
        self.assertEqual((q["ConfigRuleName"], q["ResourceType"], q["ResourceId"]),
                         ("dr-drill", "AWS::::Account", B))
        self.assertEqual(c.get_aggregate_compliance_details_by_config_rule(
            ConfigurationAggregatorName="agg", ConfigRuleName="dr-drill", AccountId=C,
            AwsRegion=R1)["AggregateEvaluationResults"], [])  # not authorized
        self.assertEqual(c.get_aggregate_compliance_details_by_config_rule(
            ConfigurationAggregatorName="agg", ConfigRuleName="dr-drill", AccountId=B,
            AwsRegion=R1, ComplianceType="COMPLIANT")["AggregateEvaluationResults"], [])
        s = c.get_aggregate_config_rule_compliance_summary(
            ConfigurationAggregatorName="agg", GroupByKey="ACCOUNT_ID")
        self.assertEqual(s["GroupByKey"], "ACCOUNT_ID")
        summ = {g["GroupName"]: g["ComplianceSummary"] for g in s["AggregateComplianceCounts"]}
        self.assertEqual(sorted(summ), [A, B, C])
        self.assertEqual(summ[A]["CompliantResourceCount"]["CappedCount"], 2)
        self.assertEqual(summ[A]["NonCompliantResourceCount"]["CappedCount"], 2)
        self.assertEqual(summ[C]["NonCompliantResourceCount"]["CappedCount"], 1)
        r = c.get_aggregate_config_rule_compliance_summary(
            ConfigurationAggregatorName="agg", GroupByKey="AWS_REGION", Filters={"AccountId": B})
        self.assertEqual([g["GroupName"] for g in r["AggregateComplianceCounts"]], [R1])
        total = c.get_aggregate_config_rule_compliance_summary(ConfigurationAggregatorName="agg")
        self.assertEqual(total["AggregateComplianceCounts"][0]["ComplianceSummary"]
                         ["NonCompliantResourceCount"]["CappedCount"], 4)
        # revoking C removes it from the very next summary
        self.cl(C, R2).delete_aggregation_authorization(AuthorizedAccountId=A,
                                                        AuthorizedAwsRegion=R1)
        s = c.get_aggregate_config_rule_compliance_summary(
            ConfigurationAggregatorName="agg", GroupByKey="ACCOUNT_ID")
        self.assertEqual(sorted(g["GroupName"] for g in s["AggregateComplianceCounts"]), [A, B])

    def test_conformance_pack_reads(self):
        body = ("Resources:\n  Drill:\n    Type: AWS::Config::ConfigRule\n    Properties:\n"
                "      ConfigRuleName: pack-drill\n"
                "      Source: {Owner: AWS, SourceIdentifier: AWS_CONFIG_PROCESS_CHECK}\n")
        for acct in (A, B):
            c = self.cl(acct)
            put_pack(c, ConformancePackName="drills", TemplateBody=body)
            rule = [r["ConfigRuleName"] for r in c.describe_config_rules()["ConfigRules"]
                    if r["ConfigRuleName"].startswith("pack-drill")][0]
            c.put_external_evaluation(ConfigRuleName=rule, ExternalEvaluation={
                "ComplianceResourceType": "AWS::::Account", "ComplianceResourceId": acct,
                "ComplianceType": "NON_COMPLIANT" if acct == B else "COMPLIANT",
                "OrderingTimestamp": datetime.datetime.now(datetime.timezone.utc)})
        self.addCleanup(lambda: [self.cl(x).delete_conformance_pack(ConformancePackName="drills")
                                 for x in (A, B)])
        self.put_agg()
        c = self.cl(A)

        def own(acct):  # what the account itself reports for its pack
            x = self.cl(acct).get_conformance_pack_compliance_summary(
                ConformancePackNames=["drills"])["ConformancePackComplianceSummaryList"][0]
            return x["ConformancePackComplianceStatus"]
        r = c.describe_aggregate_compliance_by_conformance_packs(
            ConfigurationAggregatorName="agg")["AggregateComplianceByConformancePacks"]
        self.assertEqual([(x["ConformancePackName"], x["AccountId"], x["AwsRegion"],
                           x["Compliance"]["ComplianceType"], x["Compliance"]["TotalRuleCount"])
                          for x in r], [("drills", A, R1, own(A), 1)])
        self.authorize(B)
        r = c.describe_aggregate_compliance_by_conformance_packs(
            ConfigurationAggregatorName="agg", Filters={"ComplianceType": own(B)})
        self.assertIn(B, [x["AccountId"] for x in r["AggregateComplianceByConformancePacks"]])
        p1 = c.describe_aggregate_compliance_by_conformance_packs(
            ConfigurationAggregatorName="agg", Limit=1)
        p2 = c.describe_aggregate_compliance_by_conformance_packs(
            ConfigurationAggregatorName="agg", Limit=1, NextToken=p1["NextToken"])
        self.assertEqual([x["AccountId"] for x in p1["AggregateComplianceByConformancePacks"] +
                          p2["AggregateComplianceByConformancePacks"]], [A, B])
        self.assertNotIn("NextToken", p2)
        s = c.get_aggregate_conformance_pack_compliance_summary(
            ConfigurationAggregatorName="agg", GroupByKey="ACCOUNT_ID")
        self.assertEqual(s["GroupByKey"], "ACCOUNT_ID")
        got = {g["GroupName"]: g["ComplianceSummary"]
               for g in s["AggregateConformancePackComplianceSummaries"]}
        for acct in (A, B):
            self.assertEqual(got[acct], {
                "CompliantConformancePackCount": int(own(acct) == "COMPLIANT"),
                "NonCompliantConformancePackCount": int(own(acct) == "NON_COMPLIANT")})

    # ---- the aws CLI, as the AWS documentation writes it ----

    # ---- beyond AWS: a source resource's history through an aggregator ----

    def history(self, body, key=A):
        return signed_call(self.server.url, "PlumbService.GetAggregateResourceConfigHistory",
                           json.dumps(body), key=key)

    def cli_history(self, *extra):
        return plumb("history", "--data", self.server.data, "--aggregator", "agg",
                     "--source-account", B, "--source-region", R1, *extra, check=False)

    def test_aggregate_history(self):
        htype, hid = "MyCompany::App::History", "hist-1"
        b = self.cl(B)
        for v in (1, 2, 3):
            b.put_resource_config(ResourceType=htype, SchemaVersionId="1", ResourceId=hid,
                                  Configuration=json.dumps({"v": v}))
        self.put_agg()
        key = {"SourceAccountId": B, "SourceRegion": R1, "ResourceId": hid, "ResourceType": htype}
        body = {"ConfigurationAggregatorName": "agg", "ResourceIdentifier": key}
        # B has not authorized A yet: as GetAggregateResourceConfig answers
        status, out = self.history(body)
        self.assertEqual((status, out.get("__type")), (400, "ResourceNotDiscoveredException"), out)
        p = self.cli_history(htype, hid)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("may not read", p.stderr)
        self.authorize(B)
        status, out = self.history(body)
        self.assertEqual(status, 200, out)
        versions = [json.loads(ci["configuration"])["v"] for ci in out["configurationItems"]]
        self.assertEqual(versions, [3, 2, 1])
        self.assertEqual({(ci["accountId"], ci["awsRegion"]) for ci in out["configurationItems"]},
                         {(B, R1)})
        own = b.get_resource_config_history(resourceType=htype, resourceId=hid)
        self.assertEqual([ci["configurationStateId"] for ci in own["configurationItems"]],
                         [ci["configurationStateId"] for ci in out["configurationItems"]])
        # GetResourceConfigHistory's members: order, limit, nextToken, times
        status, p1 = self.history(dict(body, chronologicalOrder="Forward", limit=2))
        self.assertEqual(status, 200, p1)
        self.assertEqual([json.loads(ci["configuration"])["v"] for ci in p1["configurationItems"]],
                         [1, 2])
        status, p2 = self.history(dict(body, chronologicalOrder="Forward", limit=2,
                                       nextToken=p1["nextToken"]))
        self.assertEqual(status, 200, p2)
        self.assertEqual([json.loads(ci["configuration"])["v"] for ci in p2["configurationItems"]],
                         [3])
        self.assertNotIn("nextToken", p2)
        status, out = self.history(dict(body, limit=None, nextToken=None))  # null: absent
        self.assertEqual((status, len(out.get("configurationItems", []))), (200, 3), out)
        status, out = self.history(dict(body, laterTime=1))
        self.assertEqual((status, out["configurationItems"]), (200, []), out)
        # plumb history --aggregator on the data directory: the same check, the same versions
        p = self.cli_history("--json", htype, hid)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([json.loads(ci["configuration"])["v"]
                          for ci in json.loads(p.stdout)["configurationItems"]], [1, 2, 3])
        p = self.cli_history("--account", A, "--region", R1, htype, hid)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("3 versions", p.stdout)
        # the type filter applies as it does to GetAggregateResourceConfig
        self.cl(A).put_configuration_aggregator(
            ConfigurationAggregatorName="agg",
            AccountAggregationSources=[{"AccountIds": [A, B], "AwsRegions": [R1, R2]}],
            AggregatorFilters={"ResourceType": {"Type": "INCLUDE", "Value": [TYPE]}})
        status, out = self.history(body)
        self.assertEqual((status, out.get("__type")), (400, "ResourceNotDiscoveredException"), out)
        self.put_agg()
        # another account's aggregator name is not the caller's
        self.cl(C).put_configuration_aggregator(
            ConfigurationAggregatorName="c-agg",
            AccountAggregationSources=[{"AccountIds": [C, B], "AwsRegions": [R1]}])
        status, out = self.history(dict(body, ConfigurationAggregatorName="c-agg"))
        self.assertEqual((status, out.get("__type")),
                         (400, "NoSuchConfigurationAggregatorException"), out)
        status, out = self.history(body, key=C)
        self.assertEqual((status, out.get("__type")),
                         (400, "NoSuchConfigurationAggregatorException"), out)
        p = plumb("history", "--data", self.server.data, "--aggregator", "nope",
                  "--source-account", B, "--source-region", R1, htype, hid, check=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        p = plumb("history", "--data", self.server.data, "--aggregator", "agg", htype, hid,
                  check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        # bad members
        for bad in ({"ConfigurationAggregatorName": "agg"},
                    dict(body, ResourceIdentifier=dict(key, ResourceId="")),
                    dict(body, limit=101), dict(body, chronologicalOrder="Sideways"),
                    dict(body, laterTime=[1])):
            status, out = self.history(bad)
            self.assertEqual((status, out.get("__type")), (400, "ValidationException"), bad)
        # revoked: gone at the next read
        b.delete_aggregation_authorization(AuthorizedAccountId=A, AuthorizedAwsRegion=R1)
        status, out = self.history(body)
        self.assertEqual((status, out.get("__type")), (400, "ResourceNotDiscoveredException"), out)
        p = self.cli_history(htype, hid)
        self.assertEqual(p.returncode, 1, p.stderr)

    def test_cli_verbatim(self):
        srv = self.server
        srv.cli("put-configuration-aggregator", "--configuration-aggregator-name", "MyAggregator",
                "--account-aggregation-sources",
                "[{\"AccountIds\": [\"%s\",\"%s\"],\"AllAwsRegions\": true}]" % (A, B), key=A)
        _, out, _ = srv.cli("describe-configuration-aggregators",
                            "--configuration-aggregator-names", "MyAggregator", key=A)
        self.assertEqual(out["ConfigurationAggregators"][0]["ConfigurationAggregatorName"],
                         "MyAggregator")
        _, out, _ = srv.cli("describe-pending-aggregation-requests", key=B)
        self.assertIn({"RequesterAccountId": A, "RequesterAwsRegion": R1},
                      out["PendingAggregationRequests"])
        srv.cli("put-aggregation-authorization", "--authorized-account-id", A,
                "--authorized-aws-region", R1, key=B)
        _, out, _ = srv.cli("describe-aggregation-authorizations", key=B)
        self.assertEqual(out["AggregationAuthorizations"][0]["AuthorizedAccountId"], A)
        _, out, _ = srv.cli("describe-configuration-aggregator-sources-status",
                            "--configuration-aggregator-name", "MyAggregator", key=A)
        st = {(s["SourceId"], s["AwsRegion"]): s["LastUpdateStatus"]
              for s in out["AggregatedSourceStatusList"]}
        self.assertEqual(st[B, R1], "SUCCEEDED")
        self.assertEqual(st[B, R2], "FAILED")
        _, out, _ = srv.cli("get-aggregate-compliance-details-by-config-rule",
                            "--configuration-aggregator-name", "MyAggregator",
                            "--config-rule-name", "dr-drill", "--account-id", B,
                            "--aws-region", R1, "--compliance-type", "NON_COMPLIANT", key=A)
        self.assertEqual(out["AggregateEvaluationResults"][0]["ComplianceType"], "NON_COMPLIANT")
        _, out, _ = srv.cli("describe-aggregate-compliance-by-config-rules",
                            "--configuration-aggregator-name", "MyAggregator", key=A)
        self.assertEqual(len(out["AggregateComplianceByConfigRules"]), 6)
        _, out, _ = srv.cli("get-aggregate-config-rule-compliance-summary",
                            "--configuration-aggregator-name", "MyAggregator",
                            "--group-by-key", "ACCOUNT_ID", key=A)
        self.assertEqual(sorted(g["GroupName"] for g in out["AggregateComplianceCounts"]), [A, B])
        _, out, _ = srv.cli("list-aggregate-discovered-resources",
                            "--configuration-aggregator-name", "MyAggregator",
                            "--resource-type", TYPE, key=A)
        self.assertEqual(len(out["ResourceIdentifiers"]), 3 * RESOURCES)
        _, out, _ = srv.cli("get-aggregate-discovered-resource-counts",
                            "--configuration-aggregator-name", "MyAggregator",
                            "--group-by-key", "ACCOUNT_ID", "--filters",
                            "ResourceType=%s" % TYPE, key=A)
        self.assertEqual(out["TotalDiscoveredResources"], 3 * RESOURCES)
        rid = "thing-%s-%s-0" % (B, R1)
        _, out, _ = srv.cli("get-aggregate-resource-config",
                            "--configuration-aggregator-name", "MyAggregator",
                            "--resource-identifier",
                            "SourceAccountId=%s,SourceRegion=%s,ResourceId=%s,ResourceType=%s"
                            % (B, R1, rid, TYPE), key=A)
        self.assertEqual(out["ConfigurationItem"]["resourceId"], rid)
        _, out, _ = srv.cli("batch-get-aggregate-resource-config",
                            "--configuration-aggregator-name", "MyAggregator",
                            "--resource-identifiers",
                            json.dumps([{"SourceAccountId": B, "SourceRegion": R1,
                                         "ResourceId": rid, "ResourceType": TYPE}]), key=A)
        item = out["BaseConfigurationItems"][0]
        self.assertEqual(item["resourceId"], rid)
        srv.cli("delete-aggregation-authorization", "--authorized-account-id", A,
                "--authorized-aws-region", R1, key=B)
        srv.cli("delete-pending-aggregation-request", "--requester-account-id", A,
                "--requester-aws-region", R1, key=B)
        _, out, _ = srv.cli("describe-pending-aggregation-requests", key=B)
        self.assertNotIn({"RequesterAccountId": A, "RequesterAwsRegion": R1},
                         out["PendingAggregationRequests"])
        srv.cli("delete-configuration-aggregator", "--configuration-aggregator-name",
                "MyAggregator", key=A)


if __name__ == "__main__":
    unittest.main()
