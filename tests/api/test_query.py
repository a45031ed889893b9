"""test_query.py — advanced query: SelectResourceConfig on a small estate of real CIs
(tests/data/query/estate.json) driven by the table of tests/data/query/cases.json, AWS's
documented example queries through `aws configservice select-resource-config`, paging and its
errors, and the stored queries (Put/Get/List/DeleteStoredQuery) with their limits.
"""
import json
import os
import tempfile
import unittest

from harness import ROOT, SHARED, ServerTest, pg_mode, plumb, signed_call, sqlite_only

DATA = os.path.join(ROOT, "tests", "data", "query")


def load(name):
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


class QueryTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        estate = load("estate.json")
        files = [os.path.join(SHARED, "data", "config-items", f) for f in estate["files"]]
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            for ci in estate["cis"]:
                f.write(json.dumps(ci) + "\n")
        try:
            for path in files + [f.name]:
                plumb("record", "--data", cls.server.data, "--all", "--quiet", "--account",
                      "123456789012", "--region", "us-east-1", path)
        finally:
            os.unlink(f.name)

    def select_all(self, expr, limit=0):
        """Every page of expr; returns (rows, field names, number of pages)."""
        rows, pages, token = [], 0, None
        while True:
            args = {"Expression": expr, "Limit": limit}
            if token:
                args["NextToken"] = token
            r = self.cfg.select_resource_config(**args)
            pages += 1
            rows += [json.loads(x) for x in r["Results"]]
            fields = [f["Name"] for f in r["QueryInfo"]["SelectFields"]]
            token = r.get("NextToken")
            if not token:
                return rows, fields, pages
            self.assertLess(pages, 100, "paging does not end")

    def test_cases(self):
        for case in load("cases.json")["cases"]:
            with self.subTest(case["name"], query=case["query"]):
                if "error" in case:
                    e = self.assertAwsError(case["error"], self.cfg.select_resource_config,
                                            Expression=case["query"])
                    self.assertIn(case["message"], e.response["Error"]["Message"])
                    continue
                rows, fields, pages = self.select_all(case["query"], case.get("limit", 0))
                want = case["rows"]
                if case.get("ordered"):
                    self.assertEqual(rows, want)
                else:
                    key = lambda r: json.dumps(r, sort_keys=True)
                    self.assertEqual(sorted(rows, key=key), sorted(want, key=key))
                if "fields" in case:
                    self.assertEqual(fields, case["fields"])
                if "pages" in case:
                    self.assertEqual(pages, case["pages"])

    def test_rows_keep_selection_order(self):
        r = self.cfg.select_resource_config(
            Expression="SELECT resourceType, resourceId WHERE resourceId = 'svc-1'")
        self.assertEqual(r["Results"],
                         ['{"resourceType":"MyCorp::App::Service","resourceId":"svc-1"}'])

    def test_page_sizes(self):
        # 25 by default, 500 for aggregates; Limit at most 100
        r = self.cfg.select_resource_config(Expression="SELECT resourceId")
        self.assertEqual(len(r["Results"]), 10)
        self.assertNotIn("NextToken", r)
        r = self.cfg.select_resource_config(Expression="SELECT resourceId", Limit=4)
        self.assertEqual(len(r["Results"]), 4)
        self.assertIn("NextToken", r)
        self.assertAwsError("ValidationException", self.cfg.select_resource_config,
                            Expression="SELECT resourceId", Limit=101)

    def test_token_bound_to_expression(self):
        r = self.cfg.select_resource_config(Expression="SELECT resourceId", Limit=2)
        self.assertAwsError("InvalidNextTokenException", self.cfg.select_resource_config,
                            Expression="SELECT resourceType", NextToken=r["NextToken"])
        self.assertAwsError("InvalidNextTokenException", self.cfg.select_resource_config,
                            Expression="SELECT resourceId", NextToken="zz")

    def test_expression_length_limit(self):
        long_expr = "SELECT resourceId WHERE resourceId IN (%s)" % ", ".join(["'x'"] * 1000)
        self.assertGreater(len(long_expr), 4096)
        self.assertAwsError("ValidationException", self.cfg.select_resource_config,
                            Expression=long_expr)

    def test_other_accounts_see_nothing(self):
        other = self.server.client(key="999999999999")
        r = other.select_resource_config(Expression="SELECT COUNT(*)")
        self.assertEqual(r["Results"], ['{"COUNT(*)":0}'])

    def test_aws_documented_examples_through_the_cli(self):
        examples = [
            ("SELECT resourceId WHERE resourceType='AWS::EC2::Instance'",
             [{"resourceId": "i-03402838daac1d611"}]),
            ("SELECT resourceId, resourceType, configuration.instanceType, "
             "configuration.placement.tenancy, configuration.imageId, availabilityZone "
             "WHERE resourceType = 'AWS::EC2::Instance' AND configuration.imageId = "
             "'ami-22ce4934'",
             [{"resourceId": "i-03402838daac1d611", "resourceType": "AWS::EC2::Instance",
               "configuration": {"instanceType": "t2.micro", "placement": {"tenancy": "default"},
                                 "imageId": "ami-22ce4934"},
               "availabilityZone": "us-east-1b"}]),
            ("SELECT COUNT(*), accountId GROUP BY accountId",
             [{"COUNT(*)": 10, "accountId": "123456789012"}]),
            ("SELECT resourceId WHERE resourceType='AWS::EC2::Volume' AND "
             "configuration.state.value='available'", [{"resourceId": "vol-0tagged"}]),
            ("SELECT resourceId WHERE resourceType='AWS::EC2::Volume' AND "
             "relationships.resourceId='i-03402838daac1d611'", [{"resourceId": "vol-0tagged"}]),
            ("SELECT resourceId WHERE resourceType IN ('AWS::EC2::Instance', "
             "'AWS::EC2::NetworkInterface') AND relationships.resourceId='sg-fd215482'",
             [{"resourceId": "i-03402838daac1d611"}]),
            ("SELECT configuration.complianceType, COUNT(*) WHERE resourceType = "
             "'AWS::Config::ResourceCompliance' GROUP BY configuration.complianceType", []),
        ]
        for expr, want in examples:
            with self.subTest(expr):
                _, out, _ = self.server.cli("select-resource-config", "--expression", expr)
                self.assertEqual([json.loads(x) for x in out["Results"]], want)
        # the CLI reads every page by itself
        _, out, _ = self.server.cli("select-resource-config", "--expression",
                                    "SELECT resourceId", "--page-size", "3")
        self.assertEqual(len(out["Results"]), 10)
        rc, _, err = self.server.cli("select-resource-config", "--expression",
                                     "SELECT resourceId FROM x", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("InvalidExpressionException", err)

    # ---- plumb query ----

    def test_plumb_query_formats(self):
        d = self.server.data
        expr = "SELECT resourceId, configuration.size, tags.key WHERE resourceType = " \
               "'AWS::EC2::Volume' ORDER BY resourceId"
        out = plumb("query", "--data", d, expr).stdout.splitlines()
        self.assertEqual(out, ["resourceId\tconfiguration.size\ttags.key",
                               "vol-0tagged\t100\t[\"Name\",\"env\"]",
                               "vol-a416b170\t8\t"])
        out = plumb("query", "--data", d, "--csv", "SELECT resourceType, COUNT(*) WHERE "
                    "resourceType LIKE 'AWS::EC2::V%' GROUP BY resourceType").stdout
        self.assertEqual(out, "resourceType,COUNT(*)\nAWS::EC2::VPC,1\nAWS::EC2::Volume,2\n")
        out = plumb("query", "--data", d, "--json", "SELECT resourceId").stdout.splitlines()
        api = self.cfg.select_resource_config(Expression="SELECT resourceId")["Results"]
        self.assertEqual(sorted(out), sorted(api))
        p = plumb("query", "--data", d, "SELECT x FROM y", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("InvalidExpressionException: line 1:8:", p.stderr)
        p = plumb("query", "--data", d, "--json", "--csv", "SELECT *", check=False)
        self.assertEqual(p.returncode, 2)

    # ---- stored queries ----

    def test_stored_queries(self):
        c = self.cfg
        arn = c.put_stored_query(StoredQuery={
            "QueryName": "volumes", "Description": "all volumes",
            "Expression": "SELECT resourceId WHERE resourceType = 'AWS::EC2::Volume'"},
            Tags=[{"Key": "team", "Value": "infra"}])["QueryArn"]
        self.assertRegex(arn, r"^arn:aws:config:us-east-1:123456789012:stored-query/volumes/")
        got = c.get_stored_query(QueryName="volumes")["StoredQuery"]
        self.assertEqual(got["QueryArn"], arn)
        self.assertEqual(got["Description"], "all volumes")
        self.assertEqual(c.list_tags_for_resource(ResourceArn=arn)["Tags"],
                         [{"Key": "team", "Value": "infra"}])
        # the stored expression runs
        rows = c.select_resource_config(Expression=got["Expression"])["Results"]
        self.assertEqual(len(rows), 2)
        # an update keeps the id and the ARN
        arn2 = c.put_stored_query(StoredQuery={"QueryName": "volumes",
                                               "Expression": "SELECT COUNT(*)"})["QueryArn"]
        self.assertEqual(arn2, arn)
        got2 = c.get_stored_query(QueryName="volumes")["StoredQuery"]
        self.assertEqual(got2["QueryId"], got["QueryId"])
        self.assertEqual(got2["Expression"], "SELECT COUNT(*)")
        self.assertNotIn("Description", got2)
        meta = c.list_stored_queries()["StoredQueryMetadata"]
        self.assertEqual([m["QueryName"] for m in meta], ["volumes"])
        self.assertNotIn("Expression", meta[0])
        c.delete_stored_query(QueryName="volumes")
        self.assertAwsError("ResourceNotFoundException", c.get_stored_query, QueryName="volumes")
        self.assertAwsError("ResourceNotFoundException", c.delete_stored_query,
                            QueryName="volumes")
        self.assertAwsError("ResourceNotFoundException", c.list_tags_for_resource,
                            ResourceArn=arn)

    def test_stored_query_errors(self):
        c = self.server.client(key="222222222222")
        self.assertAwsError("ValidationException", c.put_stored_query,
                            StoredQuery={"QueryName": "bad", "Expression": "SELECT x FROM y"})
        self.assertAwsError("ValidationException", c.put_stored_query,
                            StoredQuery={"QueryName": "bad name!", "Expression": "SELECT *"})
        self.assertAwsError("ValidationException", c.put_stored_query,  # the model's bound
                            StoredQuery={"QueryName": "tagged", "Expression": "SELECT *"},
                            Tags=[{"Key": "k%d" % i, "Value": "v"} for i in range(51)])
        self.assertAwsError("ResourceNotFoundException", c.get_stored_query, QueryName="tagged")

    def test_stored_query_limit_and_paging(self):
        c = self.server.client(key="333333333333")
        for i in range(300):
            c.put_stored_query(StoredQuery={"QueryName": "q%03d" % i, "Expression": "SELECT *"})
        self.assertAwsError("ValidationException", c.put_stored_query,
                            StoredQuery={"QueryName": "one-too-many", "Expression": "SELECT *"})
        # updating one of the 300 is still allowed
        c.put_stored_query(StoredQuery={"QueryName": "q000", "Expression": "SELECT resourceId"})
        names, token, pages = [], None, 0
        while True:
            args = {"MaxResults": 40}
            if token:
                args["NextToken"] = token
            r = c.list_stored_queries(**args)
            pages += 1
            names += [m["QueryName"] for m in r["StoredQueryMetadata"]]
            token = r.get("NextToken")
            if not token:
                break
        self.assertEqual(pages, 8)
        self.assertEqual(names, ["q%03d" % i for i in range(300)])
        _, out, _ = self.server.cli("list-stored-queries", key="333333333333")
        # botocore has no paginator for it: the CLI shows the first page and its token
        self.assertEqual(len(out["StoredQueryMetadata"]), 100)
        self.assertIn("NextToken", out)
        self.assertAwsError("ValidationException", c.list_stored_queries, MaxResults=101)


class AsOf(ServerTest):
    """Beyond AWS: the same query over the inventory as it was at a past moment, from the
    recorded history (PlumbService.SelectResourceConfig with AsOf, `plumb query --as-of`). The
    server's clock is frozen and moved, so each version has a known capture time."""
    EXTRA = ("--fake-clock", "2026-01-01T00:00:00Z")
    T0 = 1767225600  # 2026-01-01T00:00:00Z in epoch seconds

    def put(self, rid, size, status="OK"):
        self.plumb_call("RecordConfigurationItems", {"configurationItems": [{
            "resourceType": "AWS::EC2::Volume", "resourceId": rid, "awsRegion": "us-east-1",
            "awsAccountId": "123456789012", "configurationItemStatus": status,
            "configuration": {"volumeId": rid, "size": size} if size else None}]})

    def hour(self):
        self.plumb_call("AdvanceClock", {"Milliseconds": 3600 * 1000})

    def at(self, expr, as_of):
        body = {"Expression": expr}
        if as_of is not None:
            body["AsOf"] = as_of
        return sorted(json.dumps(json.loads(r), sort_keys=True)
                      for r in self.plumb_call("SelectResourceConfig", body)["Results"])

    def test_inventory_at_past_moments(self):
        self.setup_recorder()
        self.put("d1", 10)  # 00:00 d1 v1
        self.hour()
        self.put("d1", 20)  # 01:00 d1 v2, d2 v1
        self.put("d2", 5)
        self.hour()
        self.put("d1", None, "ResourceDeleted")  # 02:00 d1 deleted
        q = ("SELECT resourceId, configuration.size, configurationItemStatus WHERE "
             "resourceType = 'AWS::EC2::Volume'")

        def row(rid, size, status):
            return json.dumps({"resourceId": rid, "configuration": {"size": size},
                               "configurationItemStatus": status}, sort_keys=True)
        self.assertEqual(self.at(q, self.T0 - 1), [])
        self.assertEqual(self.at(q, self.T0 + 1800), [row("d1", 10, "ResourceDiscovered")])
        self.assertEqual(self.at(q, "2026-01-01T01:30:00Z"),
                         sorted([row("d1", 20, "OK"), row("d2", 5, "ResourceDiscovered")]))
        self.assertEqual(self.at(q, self.T0 + 3 * 3600), [row("d2", 5, "ResourceDiscovered")])
        self.assertEqual(self.at(q, None), [row("d2", 5, "ResourceDiscovered")])
        # filters and aggregates see the past too
        self.assertEqual(self.at("SELECT COUNT(*) WHERE configuration.size > 7",
                                 "2026-01-01T00:30:00Z"), ['{"COUNT(*)": 1}'])
        self.assertEqual(self.at("SELECT COUNT(*) WHERE configuration.size > 7",
                                 "2026-01-01T01:30:00Z"), ['{"COUNT(*)": 1}'])
        self.assertEqual(self.at("SELECT resourceId WHERE configuration.size = 10",
                                 "2026-01-01T01:30:00Z"), [])
        # the CLI, on the data directory
        out = plumb("query", "--data", self.server.data, "--json", "--as-of",
                    "2026-01-01T00:30:00Z", "SELECT resourceId, configuration.size WHERE "
                    "resourceType = 'AWS::EC2::Volume'").stdout
        self.assertEqual([json.loads(x) for x in out.split("\n") if x],
                         [{"resourceId": "d1", "configuration": {"size": 10}}])
        # another account sees nothing of this one's past
        self.assertEqual(self.server.client(key="210987654321").select_resource_config(
            Expression=q)["Results"], [])
        status, out = signed_call(self.server.url, "PlumbService.SelectResourceConfig",
                                  json.dumps({"Expression": q, "AsOf": self.T0 + 1800}),
                                  key="210987654321")
        self.assertEqual((status, out["Results"]), (200, []))

    def test_bad_requests(self):
        for body in ({"Expression": "SELECT resourceId", "AsOf": "yesterday"},
                     {"Expression": "SELECT resourceId", "AsOf": True},
                     {"Expression": "SELECT resourceId", "AsOf": -5},
                     {"Expression": 5}, {}, {"Expression": "SELECT resourceId", "Limit": "x"}):
            status, out = signed_call(self.server.url, "PlumbService.SelectResourceConfig",
                                      json.dumps(body))
            self.assertEqual(status, 400, body)
            self.assertEqual(out["__type"], "ValidationException", out)
        status, out = signed_call(self.server.url, "PlumbService.SelectResourceConfig",
                                  json.dumps({"Expression": "SELECT FROM x", "AsOf": self.T0}))
        self.assertEqual((status, out["__type"]), (400, "InvalidExpressionException"))
        r = plumb("query", "--data", self.server.data, "--as-of", "nope", "SELECT resourceId",
                  check=False)
        self.assertEqual(r.returncode, 2)


class AggregateQuery(ServerTest):
    """SelectAggregateResourceConfig: the dialect over an aggregator's authorized sources, decided
    at each call. A aggregates itself and B in R1; B authorizes, then revokes; C (not named) and
    B's other Region never show. accountId and awsRegion are real columns: GROUP BY accountId,
    AWS's documented example, counts each account."""
    A, B, C = "111111111111", "222222222222", "333333333333"
    R1, R2 = "us-east-1", "eu-west-1"
    N = {(A, R1): 3, (B, R1): 2, (B, R2): 4, (C, R1): 1}  # volumes per partition

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for (acct, region), n in cls.N.items():
            with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
                for i in range(n):
                    f.write(json.dumps({
                        "configurationItemStatus": "ResourceDiscovered",
                        "resourceType": "AWS::EC2::Volume", "resourceId": "vol-%s-%d" % (acct, i),
                        "awsRegion": region, "awsAccountId": acct,
                        "configurationItemCaptureTime": "2024-01-02T03:04:05.000Z",
                        "configuration": {"volumeId": "vol-%d" % i, "size": 10 * (i + 1)}}) + "\n")
                f.write(json.dumps({
                    "configurationItemStatus": "ResourceDiscovered",
                    "resourceType": "AWS::S3::Bucket", "resourceId": "bucket-" + acct,
                    "awsRegion": region, "awsAccountId": acct,
                    "configurationItemCaptureTime": "2024-01-02T03:04:05.000Z",
                    "configuration": {"name": "bucket-" + acct}}) + "\n")
            try:
                plumb("record", "--data", cls.server.data, "--all", "--quiet", "--account", acct,
                      "--region", region, f.name)
            finally:
                os.unlink(f.name)
        cls.a = cls.server.client(key=cls.A, region=cls.R1)
        cls.b = cls.server.client(key=cls.B, region=cls.R1)
        cls.a.put_configuration_aggregator(
            ConfigurationAggregatorName="agg",
            AccountAggregationSources=[{"AccountIds": [cls.A, cls.B], "AwsRegions": [cls.R1]}])

    def tearDown(self):
        for au in self.b.describe_aggregation_authorizations()["AggregationAuthorizations"]:
            self.b.delete_aggregation_authorization(AuthorizedAccountId=au["AuthorizedAccountId"],
                                                    AuthorizedAwsRegion=au["AuthorizedAwsRegion"])

    def select(self, expr, name="agg", **kw):
        """Every page; returns (rows, field names, pages)."""
        rows, pages, token = [], 0, None
        while True:
            args = dict(ConfigurationAggregatorName=name, Expression=expr, **kw)
            if token:
                args["NextToken"] = token
            r = self.a.select_aggregate_resource_config(**args)
            pages += 1
            rows += [json.loads(x) for x in r["Results"]]
            token = r.get("NextToken")
            if not token:
                return rows, [f["Name"] for f in r["QueryInfo"]["SelectFields"]], pages
            self.assertLess(pages, 100, "paging does not end")

    def counts(self):
        rows, fields, _ = self.select(
            "SELECT COUNT(*), accountId WHERE resourceType = 'AWS::EC2::Volume' GROUP BY accountId")
        self.assertEqual(fields, ["COUNT(*)", "accountId"])
        return {r["accountId"]: r["COUNT(*)"] for r in rows}

    def test_group_by_account_follows_authorization(self):
        A, B, R1 = self.A, self.B, self.R1
        self.assertEqual(self.counts(), {A: 3})
        self.b.put_aggregation_authorization(AuthorizedAccountId=A, AuthorizedAwsRegion=R1)
        self.assertEqual(self.counts(), {A: 3, B: 2})
        # AWS's documented example, verbatim
        rows, _, _ = self.select("SELECT COUNT(*), accountId GROUP BY accountId")
        self.assertEqual({r["accountId"]: r["COUNT(*)"] for r in rows}, {A: 4, B: 3})
        self.b.delete_aggregation_authorization(AuthorizedAccountId=A, AuthorizedAwsRegion=R1)
        self.assertEqual(self.counts(), {A: 3})

    def test_columns_filters_and_paging(self):
        A, B, R1 = self.A, self.B, self.R1
        self.b.put_aggregation_authorization(AuthorizedAccountId=A, AuthorizedAwsRegion=R1)
        rows, fields, pages = self.select(
            "SELECT resourceId, accountId, awsRegion WHERE resourceType = 'AWS::EC2::Volume' "
            "ORDER BY resourceId", Limit=2)
        self.assertEqual(fields, ["resourceId", "accountId", "awsRegion"])
        self.assertEqual(pages, 3)
        self.assertEqual([(r["accountId"], r["awsRegion"], r["resourceId"]) for r in rows],
                         [(A, R1, "vol-%s-%d" % (A, i)) for i in range(3)] +
                         [(B, R1, "vol-%s-%d" % (B, i)) for i in range(2)])
        rows, _, pages = self.select("SELECT resourceId WHERE accountId = '%s'" % B, MaxResults=1)
        self.assertEqual((len(rows), pages), (3, 3))
        rows, _, _ = self.select("SELECT SUM(configuration.size), awsRegion GROUP BY awsRegion")
        self.assertEqual(rows, [{"SUM(configuration.size)": 60 + 30, "awsRegion": R1}])
        # the aggregator's ResourceType filter narrows the rows
        self.a.put_configuration_aggregator(
            ConfigurationAggregatorName="buckets",
            AccountAggregationSources=[{"AccountIds": [A, B], "AwsRegions": [R1]}],
            AggregatorFilters={"ResourceType": {"Type": "INCLUDE", "Value": ["AWS::S3::Bucket"]}})
        try:
            rows, _, _ = self.select("SELECT resourceType, COUNT(*) GROUP BY resourceType",
                                     name="buckets")
            self.assertEqual(rows, [{"resourceType": "AWS::S3::Bucket", "COUNT(*)": 2}])
        finally:
            self.a.delete_configuration_aggregator(ConfigurationAggregatorName="buckets")

    def test_errors(self):
        a = self.a
        self.assertAwsError("NoSuchConfigurationAggregatorException",
                            a.select_aggregate_resource_config,
                            ConfigurationAggregatorName="nope", Expression="SELECT resourceId")
        self.assertAwsError("InvalidExpressionException", a.select_aggregate_resource_config,
                            ConfigurationAggregatorName="agg", Expression="SELECT * FROM x")
        r = a.select_aggregate_resource_config(ConfigurationAggregatorName="agg",
                                               Expression="SELECT resourceId", Limit=1)
        self.assertIn("NextToken", r)
        # a token is bound to the expression and the aggregator
        self.assertAwsError("InvalidNextTokenException", a.select_aggregate_resource_config,
                            ConfigurationAggregatorName="agg", Expression="SELECT resourceType",
                            NextToken=r["NextToken"])
        self.assertAwsError("InvalidNextTokenException", self.cfg.select_resource_config,
                            Expression="SELECT resourceId", NextToken=r["NextToken"])
        status, out = signed_call(self.server.url, "StarlingDoveService.SelectAggregateResourceConfig",
                                  json.dumps({"ConfigurationAggregatorName": "agg",
                                              "Expression": "SELECT resourceId", "Limit": 101}),
                                  key=self.A)
        self.assertEqual(status, 400)
        self.assertIn(out["__type"], ("InvalidLimitException", "ValidationException"))
        # B's own key reads nothing of A's through A's aggregator name
        self.assertAwsError("NoSuchConfigurationAggregatorException",
                            self.b.select_aggregate_resource_config,
                            ConfigurationAggregatorName="agg", Expression="SELECT resourceId")

    def test_cli_verbatim(self):
        rc, out, _ = self.server.cli("select-aggregate-resource-config",
                                     "--configuration-aggregator-name", "agg", "--expression",
                                     "SELECT COUNT(*), accountId GROUP BY accountId",
                                     key=self.A)
        self.assertEqual([json.loads(x) for x in out["Results"]], [{"COUNT(*)": 4, "accountId": self.A}])


@sqlite_only("QuerySql's sandbox is SQLite's authorizer: refused on PostgreSQL (FullSqlOnPg)")
class FullSql(ServerTest):
    """Beyond AWS: SQLite's own SELECT over plumb's read-only views (PlumbService.QuerySql,
    `plumb query --sql`), and its sandbox attacked: writes, the real tables, other accounts' rows,
    ATTACH, PRAGMA, runaway and huge queries, the credentials file."""
    A, B, R1 = "111111111111", "222222222222", "us-east-1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for acct in (cls.A, cls.B):
            with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
                for i in range(3):
                    f.write(json.dumps({
                        "configurationItemStatus": "ResourceDiscovered",
                        "resourceType": "AWS::EC2::Volume", "resourceId": "vol-%s-%d" % (acct, i),
                        "awsRegion": cls.R1, "awsAccountId": acct,
                        "configurationItemCaptureTime": "2024-01-0%dT03:04:05.000Z" % (i + 1),
                        "tags": {"env": "prod" if i else "dev", "owner": acct},
                        "relationships": [{"resourceType": "AWS::EC2::Instance",
                                           "resourceId": "i-%s" % acct,
                                           "name": "Is attached to Instance"}],
                        "configuration": {"volumeId": "vol-%d" % i, "size": 10 * (i + 1)}}) + "\n")
                # a second version of vol-...-0
                f.write(json.dumps({
                    "configurationItemStatus": "OK", "resourceType": "AWS::EC2::Volume",
                    "resourceId": "vol-%s-0" % acct, "awsRegion": cls.R1, "awsAccountId": acct,
                    "configurationItemCaptureTime": "2024-02-01T00:00:00.000Z",
                    "tags": {"env": "dev", "owner": acct},
                    "configuration": {"volumeId": "vol-0", "size": 500}}) + "\n")
            try:
                plumb("record", "--data", cls.server.data, "--all", "--quiet", "--account", acct,
                      "--region", cls.R1, f.name)
            finally:
                os.unlink(f.name)
        cls.a = cls.server.client(key=cls.A, region=cls.R1)
        cls.b = cls.server.client(key=cls.B, region=cls.R1)
        cls.a.put_config_rule(ConfigRule={
            "ConfigRuleName": "manual-check",
            "Source": {"Owner": "AWS", "SourceIdentifier": "AWS_CONFIG_PROCESS_CHECK"}})
        import datetime
        now = datetime.datetime.now(datetime.timezone.utc)
        for i, comp in enumerate(("NON_COMPLIANT", "COMPLIANT")):
            cls.a.put_external_evaluation(ConfigRuleName="manual-check", ExternalEvaluation={
                "ComplianceResourceType": "AWS::EC2::Volume",
                "ComplianceResourceId": "vol-%s-%d" % (cls.A, i), "ComplianceType": comp,
                "Annotation": "checked", "OrderingTimestamp": now})

    def sql(self, sql, key=None, **kw):
        status, out = self.call(sql, key, **kw)
        if status != 200:
            raise AssertionError("%s: HTTP %d %s" % (sql, status, out))
        return out

    def call(self, sql, key=None, **kw):
        return signed_call(self.server.url, "PlumbService.QuerySql",
                           json.dumps(dict(Sql=sql, **kw)), key=key or self.A)

    def refused(self, sql, code="InvalidExpressionException", **kw):
        status, out = self.call(sql, **kw)
        self.assertEqual((status, out.get("__type")), (400, code), (sql, out))
        return out["message"]

    def test_views_joins_and_sqlite_functions(self):
        A = self.A
        out = self.sql("SELECT r.resourceId, json_extract(r.configuration, '$.size') AS size, "
                       "t.value AS env FROM resources r JOIN tags t ON t.resourceId = r.resourceId "
                       "AND t.key = 'env' ORDER BY r.resourceId")
        self.assertEqual(out["Columns"], ["resourceId", "size", "env"])
        self.assertEqual(out["Rows"], [["vol-%s-0" % A, 500, "dev"], ["vol-%s-1" % A, 20, "prod"],
                                       ["vol-%s-2" % A, 30, "prod"]])
        self.assertFalse(out["Truncated"])
        out = self.sql("SELECT resourceId, COUNT(*) AS versions, MIN(date(captureTime)) FROM history "
                       "GROUP BY resourceId HAVING COUNT(*) > 1")
        self.assertEqual(out["Rows"], [["vol-%s-0" % A, 2, "2024-01-01"]])
        out = self.sql("SELECT DISTINCT relatedResourceId, relationshipName FROM relationships "
                       "WHERE resourceType = 'AWS::EC2::Volume'")
        self.assertEqual(out["Rows"], [["i-" + A, "Is attached to Instance"]])
        out = self.sql("SELECT e.resourceId, e.complianceType, e.annotation, c.complianceType "
                       "FROM evaluations e JOIN compliance c USING (resourceType, resourceId) "
                       "WHERE e.ruleName = 'manual-check' ORDER BY 1")
        self.assertEqual(out["Rows"], [["vol-%s-0" % A, "NON_COMPLIANT", "checked", "NON_COMPLIANT"],
                                       ["vol-%s-1" % A, "COMPLIANT", "checked", "COMPLIANT"]])
        # blobs come back as hex, text that is not UTF-8 with U+FFFD
        out = self.sql("SELECT x'ff00' AS b, CAST(x'c3' AS TEXT) AS t, NULL AS n, 1.5 AS r")
        self.assertEqual(out["Rows"], [["ff00", "\ufffd", None, 1.5]])
        out = self.sql("SELECT COUNT(*) FROM cloudtrail_events")
        self.assertEqual(out["Rows"], [[0]])
        out = self.sql("WITH big AS (SELECT resourceId FROM resources "
                       "WHERE json_extract(configuration, '$.size') >= 25) SELECT COUNT(*) FROM big")
        self.assertEqual(out["Rows"], [[2]])  # 500 and 30

    def test_confined_to_the_callers_partitions(self):
        A, B = self.A, self.B
        for view in ("resources", "history", "tags", "relationships", "evaluations"):
            rows = self.sql("SELECT DISTINCT accountId FROM %s" % view)["Rows"]
            self.assertEqual(rows, [[A]], view)
            self.assertEqual(self.sql("SELECT COUNT(*) FROM %s WHERE accountId = '%s'" % (view, B))
                             ["Rows"], [[0]], view)
        self.assertEqual(self.sql("SELECT COUNT(*) FROM resources", key=B)["Rows"], [[3]])
        # A's compliance changes are CIs too (AWS::Config::ResourceCompliance)
        self.assertEqual(self.sql("SELECT COUNT(*) FROM resources")["Rows"], [[5]])
        self.assertEqual(self.sql("SELECT COUNT(*) FROM evaluations", key=B)["Rows"], [[0]])
        # through an aggregator: B's rows only while B authorizes A
        self.a.put_configuration_aggregator(
            ConfigurationAggregatorName="agg",
            AccountAggregationSources=[{"AccountIds": [A, B], "AwsRegions": [self.R1]}])
        q = ("SELECT accountId, COUNT(*) FROM resources WHERE resourceType = 'AWS::EC2::Volume' "
             "GROUP BY accountId ORDER BY 1")
        self.assertEqual(self.sql(q, ConfigurationAggregatorName="agg")["Rows"], [[A, 3]])
        self.b.put_aggregation_authorization(AuthorizedAccountId=A, AuthorizedAwsRegion=self.R1)
        self.assertEqual(self.sql(q, ConfigurationAggregatorName="agg")["Rows"], [[A, 3], [B, 3]])
        self.b.delete_aggregation_authorization(AuthorizedAccountId=A, AuthorizedAwsRegion=self.R1)
        self.assertEqual(self.sql(q, ConfigurationAggregatorName="agg")["Rows"], [[A, 3]])
        self.refused("SELECT 1", code="NoSuchConfigurationAggregatorException",
                     ConfigurationAggregatorName="nope")
        self.a.delete_configuration_aggregator(ConfigurationAggregatorName="agg")

    def test_sandbox_refuses(self):
        plumb("credentials", "add", "--account", self.A, "--data", self.server.data)
        creds = os.path.join(self.server.data, "credentials.json")
        for sql in ("INSERT INTO resources(resourceId) VALUES ('x')",
                    "UPDATE resources SET resourceId = 'x'", "DELETE FROM history",
                    "CREATE TABLE x(a)", "CREATE TEMP VIEW v AS SELECT 1", "DROP VIEW resources",
                    "SELECT * FROM config_items", "SELECT body FROM config_items",
                    "SELECT * FROM objects", "SELECT json FROM objects",
                    "SELECT * FROM main.resources", "SELECT * FROM rule_evals",
                    "SELECT * FROM trail_events", "SELECT * FROM outbox", "SELECT * FROM pl_parts",
                    "SELECT sql FROM sqlite_temp_master", "SELECT sql FROM temp.sqlite_master",
                    "SELECT * FROM (SELECT * FROM config_items)",
                    "WITH x AS (SELECT account FROM resources) SELECT * FROM x",
                    "ATTACH '%s' AS c" % creds, "ATTACH ':memory:' AS m", "DETACH main",
                    "PRAGMA table_info(resources)", "PRAGMA writable_schema = 1",
                    "SELECT * FROM pragma_database_list", "SELECT * FROM pragma_table_list",
                    "SELECT * FROM dbstat", "SELECT load_extension('/tmp/x.so')",
                    "SELECT zeroblob(1000000000)", "EXPLAIN SELECT * FROM resources",
                    "EXPLAIN QUERY PLAN SELECT * FROM resources",
                    "SELECT 1; DELETE FROM resources", "BEGIN", "VACUUM", "ANALYZE",
                    "SELECT * FROM nope", "SELEC 1", ""):
            with self.subTest(sql=sql):
                code = "ValidationException" if not sql else "InvalidExpressionException"
                self.refused(sql, code=code)
        # the unqualified names of the store's own tables find only empty shadows, and main is
        # an empty in-memory database (the store is attached under a name the caller never sees)
        self.assertEqual(self.sql("SELECT COUNT(*) FROM config_items")["Rows"], [[0]])
        self.assertEqual(self.sql("SELECT sql FROM sqlite_master")["Rows"], [])
        # a CTE named like a view still reads only the shadows; names ignore case
        self.assertEqual(self.sql("WITH resources AS (SELECT * FROM config_items) "
                                  "SELECT COUNT(*) FROM resources")["Rows"], [[0]])
        self.assertEqual(self.sql("SELECT COUNT(*) FROM RESOURCES r JOIN Tags t "
                                  "USING (resourceId) WHERE t.key = 'env'")["Rows"], [[3]])
        # nothing was written, and no answer ever holds the credentials' secret
        with open(creds) as f:
            secrets = [v["secret"] for v in json.load(f).values()]
        self.assertTrue(secrets)
        dump = json.dumps([self.sql("SELECT * FROM %s" % v)
                           for v in ("resources", "history", "tags", "evaluations")])
        for secret in secrets:
            self.assertNotIn(secret, dump)
        self.assertEqual(self.sql("SELECT COUNT(*) FROM history WHERE resourceType = "
                                  "'AWS::EC2::Volume'")["Rows"], [[4]])

    def test_runaway_and_huge_queries_are_bounded(self):
        import time
        t0 = time.monotonic()
        msg = self.refused("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                           "WHERE i < 1000000000000) SELECT COUNT(*) FROM n",
                           code="LimitExceededException", TimeoutMs=300)
        self.assertEqual(msg, "query cancelled after 300 ms")
        self.assertLess(time.monotonic() - t0, 10)
        out = self.sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                       "WHERE i < 1000000000000) SELECT i FROM n", MaxRows=5)
        self.assertEqual((out["Rows"], out["Truncated"]), ([[1], [2], [3], [4], [5]], True))
        out = self.sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                       "WHERE i < 40) SELECT i, printf('%.*c', 1000000, 'x') FROM n")
        self.assertTrue(out["Truncated"])
        self.assertLess(len(out["Rows"]), 40)
        self.assertGreater(len(out["Rows"]), 10)
        for bad in ({"MaxRows": 0}, {"MaxRows": 100001}, {"TimeoutMs": 0}, {"MaxRows": "x"}):
            self.refused("SELECT 1", code="ValidationException", **bad)

    def test_cli(self):
        r = plumb("query", "--data", self.server.data, "--account", self.A, "--region", self.R1,
                  "--csv", "--sql", "SELECT resourceId, t.value FROM resources JOIN tags t "
                  "USING (resourceId) WHERE t.key = 'env' ORDER BY resourceId")
        self.assertEqual(r.stdout.splitlines(), ["resourceId,value"] +
                         ["vol-%s-0,dev" % self.A, "vol-%s-1,prod" % self.A,
                          "vol-%s-2,prod" % self.A])
        r = plumb("query", "--data", self.server.data, "--account", self.A, "--region", self.R1,
                  "--json", "--sql", "SELECT COUNT(*) AS n FROM history WHERE "
                  "resourceType = 'AWS::EC2::Volume'")
        self.assertEqual(json.loads(r.stdout), {"n": 4})
        r = plumb("query", "--data", self.server.data, "--account", self.A, "--region", self.R1,
                  "--sql", "DELETE FROM resources", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("InvalidExpressionException", r.stderr)


@unittest.skipUnless(pg_mode(), "PostgreSQL only")
class FullSqlOnPg(ServerTest):
    """On PostgreSQL QuerySql is refused, clearly, before any SQL runs (docs/query.md)."""

    def test_refused(self):
        status, out = signed_call(self.server.url, "PlumbService.QuerySql",
                                  json.dumps({"Sql": "SELECT 1"}), key="111111111111")
        self.assertEqual((status, out.get("__type")), (400, "ValidationException"), out)
        self.assertIn("not available on PostgreSQL", out["message"])
        r = plumb("query", "--data", self.server.data, "--account", "111111111111", "--region",
                  "us-east-1", "--sql", "SELECT 1", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not available on PostgreSQL", r.stderr)


if __name__ == "__main__":
    unittest.main()
