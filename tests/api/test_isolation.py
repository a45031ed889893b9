"""test_isolation.py — a key acts only in its own account (--auth sigv4, two keys, two accounts).

Account B is set up fully (recorder, delivery channel, resources through PutResourceConfig and
RecordConfigurationItems, a managed rule and a Guard rule with results, tags, retention). Then
every operation of the AWS Config model, and every PlumbService operation, is called as
account A with B's names, ids, ARNs and tokens (each request built from the botocore model's
input shape, B's identifiers filled in by member name). The test proves that
  - B's whole observable state (every describe/list/get, as B) is the same before and after;
  - no answer to A contains anything only B's data holds (B's configuration values, rule
    parameters and annotations carry a marker A never sends);
and attacks each specific hole of the isolation issue the way it was found."""
import datetime
import json
import os
import time
import unittest
import urllib.error
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import botocore.session

from harness import Server, plumb, signed_call

A_ACCT, B_ACCT = "123456789012", "222233334444"
MARK = "bconfidential"  # only B's data holds it; A never sends it
B_TYPE = "MyCompany::Secret::Thing"
B_RES = "bsecret-res-1"
B_RULE = "bsecret-rule"
B_GUARD = "bsecret-guard"
B_AGG = "bsecret-agg"
SLOW = 3 if os.environ.get("PL_ASAN") else 1


class Isolation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(auth="sigv4").start()
        data = cls.server.data
        a, secret_a = cls.server.first_key(A_ACCT)
        b = json.loads(plumb("credentials", "add", "--account", B_ACCT, "--json", "--data",
                             data).stdout)
        cls.a_key = (a, secret_a)
        cls.b_key = (b["accessKeyId"], b["secretAccessKey"])
        cls.A = cls.server.client(key=cls.a_key[0], secret=cls.a_key[1])
        cls.B = cls.server.client(key=cls.b_key[0], secret=cls.b_key[1])
        deadline = time.time() + 30 * SLOW  # the server re-reads credentials.json on change
        while True:
            try:
                cls.B.describe_configuration_recorders()
                break
            except botocore.exceptions.ClientError:
                assert time.time() < deadline, "B's new key was never accepted"
                time.sleep(0.05)
        cls.setup_b()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    @classmethod
    def setup_b(cls):
        B = cls.B
        B.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::%s:role/ConfigRole" % B_ACCT,
            "recordingGroup": {"allSupported": True}})
        B.put_delivery_channel(DeliveryChannel={"name": "default",
                                                "s3BucketName": "bsecret-bucket"})
        B.start_configuration_recorder(ConfigurationRecorderName="default")
        B.put_retention_configuration(RetentionPeriodInDays=400)
        B.put_resource_config(ResourceType=B_TYPE, SchemaVersionId="1", ResourceId=B_RES,
                              ResourceName="bsecret-name",
                              Configuration=json.dumps({"value": MARK + "-42"}),
                              Tags={"owner": MARK})
        cls.call(cls.b_key, "RecordConfigurationItems", {"configurationItems": [{
            "resourceType": "AWS::EC2::SecurityGroup", "resourceId": "sg-bsecret",
            "awsAccountId": B_ACCT, "awsRegion": "us-east-1",
            "configuration": {"groupId": "sg-bsecret", "description": MARK,
                              "ipPermissions": []}}]})
        B.put_config_rule(ConfigRule={
            "ConfigRuleName": B_RULE,
            "Source": {"Owner": "AWS", "SourceIdentifier": "REQUIRED_TAGS"},
            "InputParameters": json.dumps({"tag1Key": MARK}),
            "Scope": {"ComplianceResourceTypes": ["AWS::EC2::SecurityGroup"]}},
            Tags=[{"Key": "k", "Value": MARK}])
        B.put_config_rule(ConfigRule={
            "ConfigRuleName": B_GUARD, "Scope": {"ComplianceResourceTypes": [B_TYPE]},
            "Source": {"Owner": "CUSTOM_POLICY", "SourceDetails": [{
                "EventSource": "aws.config",
                "MessageType": "ConfigurationItemChangeNotification"}],
                "CustomPolicyDetails": {"PolicyRuntime": "guard-2.x.x", "PolicyText":
                                        "rule r { configuration.value == 'x' <<%s>> }" % MARK}}})
        deadline = time.time() + 60 * SLOW
        while True:
            r = B.get_compliance_details_by_config_rule(ConfigRuleName=B_GUARD)
            s = B.get_compliance_details_by_config_rule(ConfigRuleName=B_RULE)
            if r["EvaluationResults"] and s["EvaluationResults"]:
                break
            assert time.time() < deadline, "B's rules never evaluated"
            time.sleep(0.1)
        cls.b_rule_arn = B.describe_config_rules(
            ConfigRuleNames=[B_RULE])["ConfigRules"][0]["ConfigRuleArn"]
        # B aggregates A (which never authorizes it) and authorizes a third account
        B.put_configuration_aggregator(ConfigurationAggregatorName=B_AGG,
                                       AccountAggregationSources=[{
                                           "AccountIds": [A_ACCT, B_ACCT],
                                           "AllAwsRegions": True}],
                                       Tags=[{"Key": "k", "Value": MARK}])
        B.put_aggregation_authorization(AuthorizedAccountId="333344445555",
                                        AuthorizedAwsRegion="us-east-1")

    @classmethod
    def call(cls, key, op, body):
        """PlumbService.<op> signed with key; returns (status, body)."""
        return signed_call(cls.server.url, "PlumbService." + op, json.dumps(body), *key)

    # ---- B's observable state ----

    def b_state(self):
        B = self.B
        s = {
            "recorders": B.describe_configuration_recorders()["ConfigurationRecorders"],
            "recording": [r["recording"] for r in
                          B.describe_configuration_recorder_status()[
                              "ConfigurationRecordersStatus"]],
            "channels": B.describe_delivery_channels()["DeliveryChannels"],
            "retention": B.describe_retention_configurations()["RetentionConfigurations"],
            "rules": B.describe_config_rules()["ConfigRules"],
            "by_rule": B.describe_compliance_by_config_rule()["ComplianceByConfigRules"],
            "details": [B.get_compliance_details_by_config_rule(ConfigRuleName=n)[
                "EvaluationResults"] for n in (B_RULE, B_GUARD)],
            "history": B.get_resource_config_history(resourceType=B_TYPE,
                                                     resourceId=B_RES)["configurationItems"],
            "sg": B.get_resource_config_history(resourceType="AWS::EC2::SecurityGroup",
                                                resourceId="sg-bsecret")["configurationItems"],
            "discovered": B.list_discovered_resources(resourceType=B_TYPE)[
                "resourceIdentifiers"],
            "tags": B.list_tags_for_resource(ResourceArn=self.b_rule_arn)["Tags"],
            "counts": B.get_discovered_resource_counts()["resourceCounts"],
            "aggregators": B.describe_configuration_aggregators()["ConfigurationAggregators"],
            "authorizations": B.describe_aggregation_authorizations()[
                "AggregationAuthorizations"],
            "agg_view": B.list_aggregate_discovered_resources(
                ConfigurationAggregatorName=B_AGG, ResourceType=B_TYPE)["ResourceIdentifiers"],
        }
        return json.loads(json.dumps(s, default=str))

    # ---- requests built from the model, with B's identifiers ----

    B_VALUES = {
        "ConfigRuleName": B_GUARD, "ConfigurationRecorderName": "default",
        "DeliveryChannelName": "default", "RetentionConfigurationName": "default",
        "resourceType": B_TYPE, "ResourceType": B_TYPE, "resourceId": B_RES,
        "ResourceId": B_RES, "ResourceArn": None, "resourceName": "bsecret-name",
        "ResourceName": "bsecret-name", "AccountId": B_ACCT, "accountId": B_ACCT,
        "SourceAccountId": B_ACCT, "AuthorizedAccountId": B_ACCT, "name": "default",
        "ConfigurationAggregatorName": B_AGG, "RequesterAccountId": B_ACCT,
    }

    def value_for(self, name, shape, depth=0):
        if name in self.B_VALUES:
            v = self.B_VALUES[name]
            return self.b_rule_arn if v is None else v
        t = shape.type_name
        if depth > 4:
            return None
        if t == "string":
            if shape.enum:
                return shape.enum[0]
            n = max(shape.metadata.get("min", 1), 1)
            return ("bsecret-" + "x" * n)[:max(n, 9)]
        if t in ("integer", "long"):
            return max(int(shape.metadata.get("min", 1)), 1)
        if t == "boolean":
            return False
        if t == "timestamp":
            return datetime.datetime(2026, 1, 1)
        if t == "blob":
            return b"x"
        if t == "list":
            v = self.value_for(name, shape.member, depth + 1)
            return [] if v is None else [v]
        if t == "map":
            return {}
        if t == "structure":
            return {m: self.value_for(m, shape.members[m], depth + 1)
                    for m in shape.required_members}
        return None

    def test_every_operation_as_a_with_b_identifiers(self):
        before = self.b_state()
        model = botocore.session.get_session().get_service_model("config")
        answers = []
        skip = {"PutResourceConfig", "DeleteResourceConfig"}  # attacked below, with B's ids
        called = 0
        for op in model.operation_names:
            shape = model.operation_model(op).input_shape
            args = self.value_for("", shape) if shape else {}
            args = {k: v for k, v in args.items() if v is not None}
            if shape:  # fill B's names into the optional members too (filters, keys, ...)
                for m, ms in shape.members.items():
                    if m in self.B_VALUES and m not in args:
                        args[m] = self.value_for(m, ms)
            method = botocore.xform_name(op)
            if op in skip or not hasattr(self.A, method):
                continue
            try:
                answers.append(json.dumps(getattr(self.A, method)(**args), default=str))
            except botocore.exceptions.ClientError as e:
                answers.append(json.dumps(e.response, default=str))
            except botocore.exceptions.ParamValidationError:
                continue
            called += 1
        for op, body in [
                ("RecordConfigurationItems", {"configurationItems": [{
                    "resourceType": B_TYPE, "resourceId": B_RES, "awsAccountId": B_ACCT,
                    "awsRegion": "us-east-1", "configurationItemStatus": "ResourceDeleted"}]}),
                ("ListFunctions", {}), ("GetFunction", {"FunctionName": "bsecret-fn"}),
                ("DeleteFunction", {"FunctionName": "bsecret-fn"})]:
            answers.append(json.dumps(self.call(self.a_key, op, body)))
            called += 1
        print("operations called as A:", called)
        self.assertGreater(called, 60, called)
        after = self.b_state()
        self.assertEqual(before, after)
        for a in answers:
            self.assertNotIn(MARK, a)

    def test_organization_paths_need_an_organization(self):
        """Organization aggregators and rules reach other accounts through membership only:
        without an organization that A manages, naming B reaches nothing of B."""
        A = self.A
        for fn, kw in (
                (A.put_configuration_aggregator, {
                    "ConfigurationAggregatorName": "a-org",
                    "OrganizationAggregationSource": {
                        "RoleArn": "arn:aws:iam::%s:role/agg" % A_ACCT, "AllAwsRegions": True}}),
                (A.put_organization_config_rule, {
                    "OrganizationConfigRuleName": B_RULE,
                    "OrganizationManagedRuleMetadata": {
                        "RuleIdentifier": "AWS_CONFIG_PROCESS_CHECK"}}),
                (A.get_organization_config_rule_detailed_status,
                 {"OrganizationConfigRuleName": B_RULE})):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                fn(**kw)
            self.assertEqual(cm.exception.response["Error"]["Code"],
                             "NoAvailableOrganizationException")
        for op in ("DescribeOrganization", "RemoveOrganizationAccount",
                   "RegisterDelegatedAdministrator"):
            status, out = self.call(self.a_key, op, {"AccountId": B_ACCT})
            self.assertEqual((status, out.get("__type")), (400, "NoAvailableOrganizationException"))
        # B's key is not an administrator's: it cannot make an organization of A and B
        status, out = self.call(self.b_key, "CreateOrganization", {"ManagementAccountId": B_ACCT})
        self.assertEqual(out.get("__type"), "OrganizationAccessDeniedException", out)
        self.assertEqual([r["ConfigRuleName"] for r in self.B.describe_config_rules()[
            "ConfigRules"] if r["ConfigRuleName"].startswith("OrgConfigRule-")], [])

    def test_aggregator_without_authorization_sees_nothing_of_b(self):
        """A's aggregator names B, but B never authorized A: no aggregate read shows B's data,
        the source is FAILED, and B's own aggregator is not A's to read."""
        A = self.A
        A.put_configuration_aggregator(ConfigurationAggregatorName="a-view",
                                       AccountAggregationSources=[{
                                           "AccountIds": [B_ACCT], "AllAwsRegions": True}])
        self.addCleanup(A.delete_configuration_aggregator, ConfigurationAggregatorName="a-view")
        name = {"ConfigurationAggregatorName": "a-view"}
        b_key = {"SourceAccountId": B_ACCT, "SourceRegion": "us-east-1", "ResourceId": B_RES,
                 "ResourceType": B_TYPE}
        answers = [
            A.list_aggregate_discovered_resources(ResourceType=B_TYPE, **name),
            A.list_aggregate_discovered_resources(ResourceType="AWS::EC2::SecurityGroup",
                                                  **name),
            A.batch_get_aggregate_resource_config(ResourceIdentifiers=[b_key], **name),
            A.get_aggregate_discovered_resource_counts(GroupByKey="ACCOUNT_ID", **name),
            A.describe_aggregate_compliance_by_config_rules(**name),
            A.get_aggregate_compliance_details_by_config_rule(
                ConfigRuleName=B_GUARD, AccountId=B_ACCT, AwsRegion="us-east-1", **name),
            A.get_aggregate_config_rule_compliance_summary(GroupByKey="ACCOUNT_ID", **name),
            A.describe_aggregate_compliance_by_conformance_packs(**name),
            A.get_aggregate_conformance_pack_compliance_summary(GroupByKey="ACCOUNT_ID", **name),
        ]
        for a in answers:
            text = json.dumps(a, default=str)
            self.assertNotIn(MARK, text)
            self.assertNotIn(B_RES, text.replace(json.dumps(b_key), ""))
            self.assertNotIn(B_GUARD, text)
        self.assertEqual(answers[0]["ResourceIdentifiers"], [])
        self.assertEqual(answers[2]["BaseConfigurationItems"], [])
        self.assertEqual(answers[3]["TotalDiscoveredResources"], 0)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            A.get_aggregate_resource_config(ResourceIdentifier=b_key, **name)
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotDiscoveredException")
        st = A.describe_configuration_aggregator_sources_status(**name)[
            "AggregatedSourceStatusList"]
        self.assertTrue(st and all(s["LastUpdateStatus"] == "FAILED" for s in st), st)
        # B's aggregator (which names A) is B's: A cannot read, change or delete it
        for fn in (A.list_aggregate_discovered_resources, A.delete_configuration_aggregator):
            kw = {"ResourceType": B_TYPE} if fn == A.list_aggregate_discovered_resources else {}
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                fn(ConfigurationAggregatorName=B_AGG, **kw)
            self.assertEqual(cm.exception.response["Error"]["Code"],
                             "NoSuchConfigurationAggregatorException")
        # A only sees that B asks (AWS's pending request), nothing of B's configuration
        pend = A.describe_pending_aggregation_requests()["PendingAggregationRequests"]
        self.assertIn({"RequesterAccountId": B_ACCT, "RequesterAwsRegion": "us-east-1"}, pend)
        self.assertNotIn(MARK, json.dumps(pend))
        # B's authorizations name B's partition only: A's view of its own stays empty of B
        self.assertNotIn(B_ACCT, json.dumps(A.describe_aggregation_authorizations(),
                                            default=str))

    def test_record_configuration_items_stays_in_the_callers_account(self):
        ci = {"resourceType": B_TYPE, "resourceId": B_RES, "awsAccountId": B_ACCT,
              "awsRegion": "us-east-1", "configuration": {"value": MARK + "-42"}}
        status, out = self.call(self.a_key, "RecordConfigurationItems",
                                {"configurationItems": [ci]})
        self.assertEqual(status, 200, out)
        self.assertEqual((out["recorded"], out["unchanged"]), (0, 0))  # no oracle either
        self.assertIn("another account", out["failed"][0]["message"])
        # an ARN of another account, or another region, is refused as well
        ci2 = dict(ci, awsAccountId=A_ACCT, ARN="arn:aws:ec2:us-east-1:%s:thing/x" % B_ACCT)
        ci3 = dict(ci, awsAccountId=A_ACCT, awsRegion="eu-west-1")
        status, out = self.call(self.a_key, "RecordConfigurationItems",
                                {"configurationItems": [ci2, ci3]})
        self.assertEqual([f["index"] for f in out["failed"]], [0, 1])
        # a CI without account goes to the caller's partition
        status, out = self.call(self.a_key, "RecordConfigurationItems", {"configurationItems": [
            {"resourceType": B_TYPE, "resourceId": "a-own", "configuration": {"v": 1}}]})
        self.assertEqual(out["recorded"], 1, out)
        self.assertEqual(len(self.A.get_resource_config_history(
            resourceType=B_TYPE, resourceId="a-own")["configurationItems"]), 1)
        self.assertEqual(len(self.B.get_resource_config_history(
            resourceType=B_TYPE, resourceId=B_RES)["configurationItems"]), 1)

    def test_operation_header_must_be_signed(self):
        """A request signed over host;x-amz-date only, replayed as DeleteConfigurationRecorder."""
        data = b"{}"
        req = botocore.awsrequest.AWSRequest(method="POST", url=self.server.url + "/",
                                             data=data)
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(*self.b_key), "config",
                                "us-east-1").add_auth(req)
        p = req.prepare()
        self.assertIn("SignedHeaders=host;x-amz-date,", p.headers["Authorization"])
        headers = dict(p.headers)
        headers["X-Amz-Target"] = "StarlingDoveService.DeleteConfigurationRecorder"
        headers["Content-Type"] = "application/x-amz-json-1.1"
        headers["X-Amz-Content-Sha256"] = None
        headers = {k: v for k, v in headers.items() if v is not None}
        r = urllib.request.Request(p.url, data=data, method="POST", headers=headers)
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(r, timeout=30)
        body = json.loads(cm.exception.read())
        self.assertEqual(body["__type"], "IncompleteSignatureException", body)
        self.assertIn("X-Amz-Target", body["message"])
        self.assertEqual(len(self.B.describe_configuration_recorders()[
            "ConfigurationRecorders"]), 1)

    def test_rule_cannot_name_another_accounts_function(self):
        plumb("function", "add", "bsecret-fn", "--runtime", "exec", "--command", "cat",
              "--account", B_ACCT, "--data", self.server.data)
        msgs = []
        for name in ("bsecret-fn", "no-such-fn"):  # exists in B / exists nowhere
            arn = "arn:aws:lambda:us-east-1:%s:function:%s" % (B_ACCT, name)
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                self.A.put_config_rule(ConfigRule={
                    "ConfigRuleName": "a-steals", "Source": {
                        "Owner": "CUSTOM_LAMBDA", "SourceIdentifier": arn, "SourceDetails": [{
                            "EventSource": "aws.config",
                            "MessageType": "ConfigurationItemChangeNotification"}]}})
            err = cm.exception.response["Error"]
            self.assertEqual(err["Code"], "InvalidParameterValueException")
            msgs.append(err["Message"].replace(name, "NAME"))
        self.assertEqual(msgs[0], msgs[1])  # nothing tells whether B has such a function
        self.assertIn("belongs to another account", msgs[0])

    def test_channel_cannot_use_another_accounts_topic_or_bucket(self):
        topic_a = "arn:aws:sns:us-east-1:%s:a-topic" % A_ACCT
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.B.put_delivery_channel(DeliveryChannel={
                "name": "default", "s3BucketName": "bsecret-bucket", "snsTopicARN": topic_a})
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidSNSTopicARNException")
        # B's bucket is B's: A's channel cannot write under it
        self.A.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::%s:role/ConfigRole" % A_ACCT})
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.A.put_delivery_channel(DeliveryChannel={"name": "default",
                                                         "s3BucketName": "bsecret-bucket"})
        self.assertEqual(cm.exception.response["Error"]["Code"],
                         "InsufficientDeliveryPolicyException")
        self.assertEqual(self.B.describe_delivery_channels()["DeliveryChannels"][0].get(
            "snsTopicARN"), None)

    def test_function_runs_with_its_rules_account_credentials(self):
        import tempfile
        tmp = tempfile.mkdtemp(prefix="plumb-fn-")
        os.chmod(tmp, 0o777)  # functions run as nobody when plumb is root
        out = os.path.join(tmp, "seen.json")
        handler = os.path.join(tmp, "who.py")
        with open(handler, "w") as f:
            f.write(
                "import json, os, boto3\n"
                "def handler(event, context):\n"
                "    ci = json.loads(event['invokingEvent'])['configurationItem']\n"
                "    c = boto3.client('config')\n"
                "    mine = c.list_discovered_resources(resourceType='AWS::EC2::SecurityGroup')\n"
                "    c.put_evaluations(Evaluations=[{'ComplianceResourceType': ci['resourceType'],\n"
                "        'ComplianceResourceId': ci['resourceId'], 'ComplianceType': 'COMPLIANT',\n"
                "        'OrderingTimestamp': ci['configurationItemCaptureTime']}],\n"
                "        ResultToken=event['resultToken'])\n"
                "    json.dump({'key': os.environ['AWS_ACCESS_KEY_ID'],\n"
                "               'token': bool(os.environ.get('AWS_SESSION_TOKEN')),\n"
                "               'ids': [r['resourceId'] for r in mine['resourceIdentifiers']]},\n"
                "              open(%r, 'w'))\n" % out)
        plumb("function", "add", "who", "--runtime", "python", "--handler", handler + ":handler",
              "--account", B_ACCT, "--data", self.server.data)
        self.B.put_config_rule(ConfigRule={
            "ConfigRuleName": "who", "Scope": {"ComplianceResourceTypes": [B_TYPE]},
            "Source": {"Owner": "CUSTOM_LAMBDA",
                       "SourceIdentifier": "arn:aws:lambda:us-east-1:%s:function:who" % B_ACCT,
                       "SourceDetails": [{"EventSource": "aws.config", "MessageType":
                                          "ConfigurationItemChangeNotification"}]}})
        deadline = time.time() + 60 * SLOW
        while not os.path.exists(out) or not self.B.get_compliance_details_by_config_rule(
                ConfigRuleName="who")["EvaluationResults"]:
            self.assertLess(time.time(), deadline, self.server.read_log()[-3000:])
            time.sleep(0.2)
        with open(out) as f:
            seen = json.load(f)
        self.assertTrue(seen["key"].startswith("ASIA"), seen)  # temporary, not a stored key
        self.assertNotIn(seen["key"], (self.a_key[0], self.b_key[0]))
        self.assertTrue(seen["token"])
        self.assertEqual(seen["ids"], ["sg-bsecret"])  # B's resources, none of A's

    def test_only_an_administrator_registers_host_code(self):
        fn = {"FunctionName": "x", "Runtime": "exec", "Command": "id"}
        status, out = self.call(self.b_key, "PutFunction", fn)  # an account key
        self.assertIn(status, (400, 403), out)
        self.assertEqual(out.get("__type"), "AccessDeniedException", out)
        status, out = self.call(self.a_key, "PutFunction", fn)  # the first key: administrator
        self.assertEqual(status, 200, out)
        self.call(self.a_key, "DeleteFunction", {"FunctionName": "x"})


if __name__ == "__main__":
    unittest.main()
