"""test_discover.py — `plumb discover` (issue 18) against moto_server on loopback: resources made
with boto3 are discovered in AWS Config's shape (key sets compared with the example CIs of
../shared/data/config-items/aws-config-rdk/example_ci/), with their supplementary
configuration, tags and relationships; a change makes a new version with the diff; a deletion
makes ResourceDeleted; a sweep that fails part-way (a proxy in front of moto failing one call)
marks nothing deleted; throttled answers (a fake endpoint answering 503 / 429 then 200) are
retried with backoff; credentials come from the environment or a profile of the shared files.
"""
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import PLUMB, SHARED, Server, free_port  # noqa: E402

import boto3  # noqa: E402

EXAMPLES = os.path.join(SHARED, "data", "config-items", "aws-config-rdk", "example_ci")
EXAMPLE_FILE = {"AWS::S3::Bucket": "AWS_S3_Bucket.json",
                "AWS::EC2::SecurityGroup": "AWS_EC2_SecurityGroup.json",
                "AWS::EC2::VPC": "AWS_EC2_VPC.json", "AWS::EC2::Instance": "AWS_EC2_Instance.json",
                "AWS::IAM::Role": "AWS_IAM_Role.json", "AWS::IAM::User": "AWS_IAM_User.json"}
# the notification dialect's names → the API dialect's (the example files use either)
DIALECT = {"ARN": "arn", "awsAccountId": "accountId", "configurationItemVersion": "version",
           "configurationStateMd5Hash": "configurationItemMD5Hash"}
# top-level members one CI has and another lacks (AWS writes them when the resource has one)
OPTIONAL_TOP = {"resourceName", "resourceCreationTime", "configurationItemDiff"}

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::disc-public/*"}]}, separators=(",", ":"))


def wait_for(fn, what):
    """harness.wait_for, an exception of fn counting as not yet (moto or the server may not
    answer at first)."""
    harness.wait_for(fn, what=what, ignore=Exception)


class Proxy:
    """A loopback HTTP proxy in front of moto: fail(path_part, status, n) answers the next n
    requests whose path contains path_part with status (n = -1: always)."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.rules = []
        self.seen = []
        proxy = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def handle_any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                proxy.seen.append(self.path)
                for r in proxy.rules:
                    if r[0] in self.path and r[2] != 0:
                        r[2] -= 1 if r[2] > 0 else 0
                        msg = b"<Error><Code>%s</Code><Message>injected</Message></Error>" % r[3]
                        self.send_response(r[1])
                        self.send_header("Content-Length", str(len(msg)))
                        self.end_headers()
                        self.wfile.write(msg)
                        return
                harness.forward_http(self, proxy.upstream, body)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = handle_any

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def fail(self, part, status, n, code=b"InternalError"):
        self.rules.append([part, status, n, code])

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@unittest.skipUnless(shutil.which("moto_server"), "moto_server is not on PATH")
class DiscoverMotoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="plumb-discover-")
        cls.data = os.path.join(cls.tmp, "data")
        port = free_port()
        cls.moto, cls.url = harness.start_moto(port)
        cls.env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                       AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=cls.url)
        for k in ("AWS_PROFILE", "AWS_REGION", "AWS_SESSION_TOKEN"):
            cls.env.pop(k, None)
        kw = dict(endpoint_url=cls.url, region_name="us-east-1", aws_access_key_id="testing",
                  aws_secret_access_key="testing")
        cls.s3 = boto3.client("s3", **kw)
        cls.ec2 = boto3.client("ec2", **kw)
        iam = boto3.client("iam", **kw)
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}
        cls.role = iam.create_role(RoleName="disc-role", Path="/service-role/",
                                   AssumeRolePolicyDocument=json.dumps(trust),
                                   Tags=[{"Key": "owner", "Value": "ops"}])["Role"]["RoleId"]
        cls.inline = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
        iam.put_role_policy(RoleName="disc-role", PolicyName="inline-read",
                            PolicyDocument=json.dumps(cls.inline))
        pol = iam.create_policy(PolicyName="disc-managed", PolicyDocument=json.dumps(
            cls.inline))["Policy"]
        cls.policy_id = pol["PolicyId"]
        iam.attach_role_policy(RoleName="disc-role", PolicyArn=pol["Arn"])
        cls.user = iam.create_user(UserName="disc-user", Tags=[{"Key": "team", "Value": "a"}])[
            "User"]["UserId"]
        cls.group = iam.create_group(GroupName="disc-group")["Group"]["GroupId"]
        iam.add_user_to_group(GroupName="disc-group", UserName="disc-user")
        iam.put_user_policy(UserName="disc-user", PolicyName="user-inline",
                            PolicyDocument=json.dumps(cls.inline))
        iam.attach_user_policy(UserName="disc-user", PolicyArn=pol["Arn"])
        s3 = cls.s3
        s3.create_bucket(Bucket="disc-public")
        s3.put_bucket_acl(Bucket="disc-public", ACL="public-read")
        s3.put_bucket_policy(Bucket="disc-public", Policy=POLICY)
        s3.create_bucket(Bucket="disc-versioned")
        s3.put_bucket_versioning(Bucket="disc-versioned",
                                 VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_tagging(Bucket="disc-versioned",
                              Tagging={"TagSet": [{"Key": "team", "Value": "data"}]})
        s3.put_bucket_encryption(Bucket="disc-versioned", ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        s3.put_public_access_block(Bucket="disc-versioned", PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": False})
        s3.put_bucket_lifecycle_configuration(Bucket="disc-versioned", LifecycleConfiguration={
            "Rules": [{"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
                       "Expiration": {"Days": 30}}]})
        s3.create_bucket(Bucket="disc-doomed")
        ec2 = cls.ec2
        cls.vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        ec2.create_tags(Resources=[cls.vpc], Tags=[{"Key": "Name", "Value": "disc-vpc"}])
        cls.sg = ec2.create_security_group(GroupName="disc-sg", Description="discovery test",
                                           VpcId=cls.vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=cls.sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
            "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
        subnet = ec2.create_subnet(VpcId=cls.vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
        cls.subnet = subnet
        cls.instance = ec2.run_instances(
            ImageId="ami-12c6146b", InstanceType="t2.micro", MinCount=1, MaxCount=1,
            SubnetId=subnet, SecurityGroupIds=[cls.sg],
            TagSpecifications=[{"ResourceType": "instance",
                                "Tags": [{"Key": "Name", "Value": "disc-web"}]}]
        )["Instances"][0]["InstanceId"]

    @classmethod
    def tearDownClass(cls):
        cls.moto.terminate()
        cls.moto.wait()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def discover(self, *args, env=None, check=True):
        p = subprocess.run([PLUMB, "discover", "--data", self.data, "--all", "--json"] +
                           list(args), env=env or self.env, capture_output=True, text=True,
                           timeout=300)
        if check and p.returncode != 0:
            raise AssertionError("plumb discover failed (%d): %s" % (p.returncode, p.stderr))
        return p, (json.loads(p.stdout.splitlines()[-1]) if p.stdout.strip() else None)

    def history(self, rtype, rid):
        p = subprocess.run([PLUMB, "history", "--data", self.data, "--json", rtype, rid],
                           capture_output=True, text=True, timeout=60, check=True)
        return json.loads(p.stdout)["configurationItems"]

    def latest(self, rtype, rid):
        return self.history(rtype, rid)[-1]

    def sup(self, ci, key):
        return json.loads(ci["supplementaryConfiguration"][key])

    def test_1_shapes_and_values(self):
        """A first sweep records every resource in the example CIs' shape, with AWS Config's
        supplementary configuration, tags and relationships."""
        p, s = self.discover("--verbose")
        self.assertEqual(s["failedTypes"], 0, p.stderr)
        self.assertIn("AWS::IAM::User %s recorded" % self.user, p.stdout, p.stdout)
        self.assertGreaterEqual(s["recorded"], 7)  # 3 buckets, 2 VPCs, 2 groups, 1 instance
        self.assertGreater(s["apiCalls"], 0)
        ids = {"AWS::S3::Bucket": "disc-versioned", "AWS::EC2::SecurityGroup": self.sg,
               "AWS::EC2::VPC": self.vpc, "AWS::EC2::Instance": self.instance,
               "AWS::IAM::Role": self.role, "AWS::IAM::User": self.user}
        for rtype, rid in ids.items():
            with self.subTest(rtype):
                ci = self.latest(rtype, rid)
                with open(os.path.join(EXAMPLES, EXAMPLE_FILE[rtype])) as f:
                    ex = json.load(f)
                top = {DIALECT.get(k, k) for k in ex}
                mine = set(ci)
                self.assertEqual(top - OPTIONAL_TOP, mine - OPTIONAL_TOP)
                self.assertEqual(set(ex["configuration"]), set(json.loads(ci["configuration"])))
                self.assertEqual(ci["configurationItemStatus"], "ResourceDiscovered")
                self.assertEqual(ci["accountId"], "123456789012")
        # S3: supplementary configuration as AWS Config records it
        pub = self.latest("AWS::S3::Bucket", "disc-public")
        self.assertEqual(self.sup(pub, "BucketPolicy")["policyText"], POLICY)
        acl = json.loads(self.sup(pub, "AccessControlList"))
        self.assertIn({"grantee": "AllUsers", "permission": "Read"}, acl["grantList"])
        self.assertEqual(self.sup(pub, "BucketVersioningConfiguration")["status"], "Off")
        self.assertNotIn("PublicAccessBlockConfiguration", pub["supplementaryConfiguration"])
        ver = self.latest("AWS::S3::Bucket", "disc-versioned")
        self.assertEqual(self.sup(ver, "BucketVersioningConfiguration"),
                         {"status": "Enabled", "isMfaDeleteEnabled": None})
        self.assertEqual(self.sup(ver, "BucketPolicy"), {"policyText": None})
        self.assertEqual(self.sup(ver, "PublicAccessBlockConfiguration"),
                         {"blockPublicAcls": True, "ignorePublicAcls": True,
                          "blockPublicPolicy": True, "restrictPublicBuckets": False})
        enc = self.sup(ver, "ServerSideEncryptionConfiguration")
        self.assertEqual(enc["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"],
                         "AES256")
        life = self.sup(ver, "BucketLifecycleConfiguration")["rules"][0]
        self.assertEqual((life["id"], life["status"], life["expirationInDays"]),
                         ("expire", "Enabled", 30))
        self.assertEqual(self.sup(ver, "BucketLoggingConfiguration"),
                         {"destinationBucketName": None, "logFilePrefix": None})
        self.assertEqual(ver["tags"], {"team": "data"})
        self.assertEqual(ver["arn"], "arn:aws:s3:::disc-versioned")
        self.assertEqual(ver["availabilityZone"], "Regional")
        # EC2: values, tags, relationships
        sg = self.latest("AWS::EC2::SecurityGroup", self.sg)
        cfg = json.loads(sg["configuration"])
        self.assertEqual(cfg["groupName"], "disc-sg")
        self.assertEqual(cfg["description"], "discovery test")
        perm = [p for p in cfg["ipPermissions"] if p.get("fromPort") == 22][0]
        self.assertEqual((perm["ipProtocol"], perm["toPort"], perm["ipRanges"]),
                         ("tcp", 22, ["10.0.0.0/8"]))
        self.assertEqual(sg["relationships"], [{"resourceType": "AWS::EC2::VPC",
                                                "resourceId": self.vpc,
                                                "relationshipName": "Is contained in Vpc"}])
        vpc = self.latest("AWS::EC2::VPC", self.vpc)
        self.assertEqual(vpc["tags"], {"Name": "disc-vpc"})
        vcfg = json.loads(vpc["configuration"])
        self.assertEqual((vcfg["cidrBlock"], vcfg["isDefault"]), ("10.9.0.0/16", False))
        rels = {(r["relationshipName"], r["resourceId"]) for r in vpc["relationships"]}
        self.assertIn(("Contains Instance", self.instance), rels)
        self.assertIn(("Contains SecurityGroup", self.sg), rels)
        inst = self.latest("AWS::EC2::Instance", self.instance)
        self.assertEqual(inst["tags"], {"Name": "disc-web"})
        icfg = json.loads(inst["configuration"])
        self.assertEqual(icfg["state"]["name"], "running")
        self.assertEqual(icfg["state"]["code"], 16)
        self.assertEqual(icfg["instanceType"], "t2.micro")
        rels = {(r["relationshipName"], r["resourceId"]) for r in inst["relationships"]}
        self.assertIn(("Is associated with SecurityGroup", self.sg), rels)
        self.assertIn(("Is contained in Vpc", self.vpc), rels)
        self.assertIn(("Is contained in Subnet", self.subnet), rels)
        # IAM: the trust and inline policies as documents, the attached customer policy by id
        role = self.latest("AWS::IAM::Role", self.role)
        rcfg = json.loads(role["configuration"])
        self.assertEqual((role["resourceName"], role["tags"]), ("disc-role", {"owner": "ops"}))
        self.assertEqual(rcfg["path"], "/service-role/")
        self.assertEqual(rcfg["assumeRolePolicyDocument"]["Statement"][0]["Principal"],
                         {"Service": "config.amazonaws.com"})
        self.assertEqual(rcfg["rolePolicyList"],
                         [{"policyName": "inline-read", "policyDocument": self.inline}])
        self.assertEqual([p["policyName"] for p in rcfg["attachedManagedPolicies"]],
                         ["disc-managed"])
        self.assertEqual(role["relationships"], [{
            "resourceType": "AWS::IAM::Policy", "resourceId": self.policy_id,
            "resourceName": "disc-managed",
            "relationshipName": "Is attached to CustomerManagedPolicy"}])
        user = self.latest("AWS::IAM::User", self.user)
        ucfg = json.loads(user["configuration"])
        self.assertEqual((user["resourceName"], user["tags"]), ("disc-user", {"team": "a"}))
        self.assertEqual(ucfg["groupList"], ["disc-group"])
        self.assertEqual(ucfg["userPolicyList"],
                         [{"policyName": "user-inline", "policyDocument": self.inline}])
        rels = {(r["relationshipName"], r["resourceType"], r["resourceId"])
                for r in user["relationships"]}
        self.assertEqual(rels, {("Is attached to Group", "AWS::IAM::Group", self.group),
                                ("Is attached to CustomerManagedPolicy", "AWS::IAM::Policy",
                                 self.policy_id)})

    def test_2_unchanged_then_changes(self):
        """A sweep of unchanged resources records nothing; a changed bucket and group get a new
        version with the diff; --dry-run records nothing and counts the calls."""
        _, s = self.discover()
        self.assertEqual(s["recorded"], 0)
        self.assertEqual(s["unchanged"], s["found"])
        self.s3.put_bucket_versioning(Bucket="disc-versioned",
                                      VersioningConfiguration={"Status": "Suspended"})
        self.ec2.authorize_security_group_ingress(GroupId=self.sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        before = len(self.history("AWS::S3::Bucket", "disc-versioned"))
        p, s = self.discover("--dry-run")
        self.assertEqual((s["recorded"], s["dryRun"]), (0, True))
        self.assertGreater(s["apiCalls"], 0)
        self.assertIn("AWS::S3::Bucket disc-versioned found", p.stdout)
        self.assertEqual(len(self.history("AWS::S3::Bucket", "disc-versioned")), before)
        _, s = self.discover()
        self.assertEqual(s["recorded"], 2)  # the bucket and the group (the VPC did not change)
        hist = self.history("AWS::S3::Bucket", "disc-versioned")
        self.assertEqual(len(hist), before + 1)
        diff = hist[-1]["configurationItemDiff"]
        self.assertEqual(diff["changeType"], "UPDATE")
        self.assertEqual(
            diff["changedProperties"]["SupplementaryConfiguration.BucketVersioningConfiguration"
                                      ".Status"],
            {"previousValue": "Enabled", "updatedValue": "Suspended", "changeType": "UPDATE"})
        self.assertEqual([k for k in diff["changedProperties"]],
                         ["SupplementaryConfiguration.BucketVersioningConfiguration.Status"])
        sgd = self.latest("AWS::EC2::SecurityGroup", self.sg)["configurationItemDiff"]
        self.assertEqual(sgd["changeType"], "UPDATE")
        self.assertTrue(any(k.startswith("Configuration.IpPermissions.")
                            for k in sgd["changedProperties"]), sgd)

    def test_3_partial_sweep_marks_nothing_deleted(self):
        """A bucket deleted in AWS while a sweep fails part-way (one call keeps failing): no
        ResourceDeleted, exit 1; the next good sweep records the deletion."""
        self.s3.delete_bucket(Bucket="disc-doomed")
        proxy = Proxy(self.url)
        try:
            proxy.fail("/disc-public?acl", 500, -1)
            env = dict(self.env, AWS_ENDPOINT_URL=proxy.url)
            p, s = self.discover("--backoff-ms", "1", env=env, check=False)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("not marked deleted", p.stderr)
            self.assertEqual(s["deleted"], 0)
            self.assertGreaterEqual(s["retries"], 5)
            self.assertEqual(proxy.seen.count("/disc-public?acl"), 6)
        finally:
            proxy.stop()
        self.assertEqual(self.latest("AWS::S3::Bucket", "disc-doomed")["configurationItemStatus"],
                         "ResourceDiscovered")
        # moto stopped altogether: nothing is deleted either
        p = subprocess.run([PLUMB, "discover", "--data", self.data, "--all", "--backoff-ms", "1"],
                           env=dict(self.env, AWS_ENDPOINT_URL="http://127.0.0.1:%d" % free_port()),
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(self.latest("AWS::S3::Bucket", "disc-doomed")["configurationItemStatus"],
                         "ResourceDiscovered")
        _, s = self.discover()
        self.assertEqual(s["deleted"], 1)
        last = self.latest("AWS::S3::Bucket", "disc-doomed")
        self.assertEqual(last["configurationItemStatus"], "ResourceDeleted")
        self.assertEqual(self.latest("AWS::S3::Bucket", "disc-public")["configurationItemStatus"],
                         "ResourceDiscovered")

    def test_5_pagination(self):
        """Listings of more than a page (NextToken for EC2, Marker for IAM) give the same CIs as
        one page, in more calls."""
        iam = boto3.client("iam", endpoint_url=self.url, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        for i in range(7):
            self.ec2.create_security_group(GroupName="page-%d" % i, Description="p",
                                           VpcId=self.vpc)
            iam.create_role(RoleName="page-%d" % i, AssumeRolePolicyDocument="{}")

        def sweep(*extra):
            p, s = self.discover("--dry-run", "--print", "--types",
                                 "AWS::EC2::SecurityGroup,AWS::IAM::Role", *extra)
            cis = sorted(json.dumps(json.loads(line), sort_keys=True)
                         for line in p.stdout.splitlines() if line.startswith("{\"resourceType"))
            return cis, s
        one, s1 = sweep()
        paged, s5 = sweep("--page-size", "5")
        self.assertGreaterEqual(len(one), 16)
        self.assertEqual(one, paged)
        self.assertGreater(s5["apiCalls"], s1["apiCalls"])

    def test_4_profile_credentials(self):
        """Keys from a profile of the shared credentials file and the endpoint_url of the config
        file are used when the environment has none."""
        home = os.path.join(self.tmp, "home")
        os.makedirs(os.path.join(home, ".aws"), exist_ok=True)
        with open(os.path.join(home, ".aws", "credentials"), "w") as f:
            f.write("[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = s3cr3t\n")
        with open(os.path.join(home, ".aws", "config"), "w") as f:
            f.write("[profile other]\nregion = us-east-1\nendpoint_url = %s\n" % self.url)
        env = {k: v for k, v in self.env.items() if not k.startswith("AWS_")}
        env.update(HOME=home, AWS_PROFILE="other")
        p, s = self.discover("--types", "AWS::EC2::VPC", "--dry-run", env=env)
        self.assertGreaterEqual(s["found"], 2)
        env.pop("AWS_PROFILE")
        p, _ = self.discover("--dry-run", env=env, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no AWS credentials", p.stderr)


@unittest.skipUnless(shutil.which("moto_server"), "moto_server is not on PATH")
class ServeDiscoverTest(unittest.TestCase):
    """plumb serve --discover aws: sweeps on a thread, recorded once the recorder runs (AWS
    semantics); a bucket made later appears at the next sweep, a deleted one becomes
    ResourceDeleted."""

    @classmethod
    def setUpClass(cls):
        port = free_port()
        cls.moto, cls.url = harness.start_moto(port)
        cls.s3 = boto3.client("s3", endpoint_url=cls.url, region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        cls.s3.create_bucket(Bucket="serve-first")
        saved = dict(os.environ)
        os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                          AWS_ENDPOINT_URL=cls.url, AWS_DEFAULT_REGION="us-east-1")
        os.environ.pop("AWS_PROFILE", None)
        try:
            cls.server = Server(auth="open", extra=["--discover", "aws", "--discover-interval",
                                                    "1"]).start()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        cls.cfg = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.moto.terminate()
        cls.moto.wait()

    def buckets(self):
        out = self.cfg.list_discovered_resources(resourceType="AWS::S3::Bucket")
        return {r["resourceId"] for r in out["resourceIdentifiers"]}

    def test_periodic_sweeps(self):
        self.cfg.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::123456789012:role/ConfigRole",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
        self.cfg.put_delivery_channel(DeliveryChannel={"name": "default",
                                                       "s3BucketName": "config-bucket"})
        self.cfg.start_configuration_recorder(ConfigurationRecorderName="default")
        wait_for(lambda: "serve-first" in self.buckets(), "the first bucket discovered")
        self.s3.create_bucket(Bucket="serve-second")
        wait_for(lambda: "serve-second" in self.buckets(), "the second bucket discovered")
        self.s3.delete_bucket(Bucket="serve-first")
        wait_for(lambda: "serve-first" not in self.buckets(), "the first bucket deleted")
        hist = self.cfg.get_resource_config_history(resourceType="AWS::S3::Bucket",
                                                    resourceId="serve-first")
        self.assertEqual(hist["configurationItems"][0]["configurationItemStatus"],
                         "ResourceDeleted")
        self.assertIn("module=discover", self.server.read_log())


@unittest.skipUnless(shutil.which("moto_server"), "moto_server is not on PATH")
class AccountFactsTest(unittest.TestCase):
    """AWS::::Account: a password policy and EBS encryption by default set in moto are
    discovered into the account CI's fields; the account-level managed rules judge it through a
    running plumb serve; a changed policy makes a new version and a changed result."""

    WAIT = 300 if os.environ.get("PL_ASAN") else 120  # a deadline, not a pace: polled

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="plumb-acct-")
        cls.data = os.path.join(cls.tmp, "data")
        port = free_port()
        cls.moto, cls.url = harness.start_moto(port)
        cls.env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                       AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=cls.url)
        for k in ("AWS_PROFILE", "AWS_REGION", "AWS_SESSION_TOKEN"):
            cls.env.pop(k, None)
        kw = dict(endpoint_url=cls.url, region_name="us-east-1", aws_access_key_id="testing",
                  aws_secret_access_key="testing")
        cls.iam = boto3.client("iam", **kw)
        cls.ec2 = boto3.client("ec2", **kw)
        cls.server = None

    def put_public_access_block(self, restrict):
        """S3 Control PutPublicAccessBlock, path-style with the account in x-amz-account-id
        (boto3 puts the account in the host name, which a loopback moto cannot resolve)"""
        body = ("<PublicAccessBlockConfiguration xmlns=\"http://awss3control.amazonaws.com/doc/"
                "2018-08-20/\"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true"
                "</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy>"
                "<RestrictPublicBuckets>%s</RestrictPublicBuckets>"
                "</PublicAccessBlockConfiguration>" % ("true" if restrict else "false"))
        rq = urllib.request.Request(
            self.url + "/v20180820/configuration/publicAccessBlock", data=body.encode(),
            method="PUT", headers={
                "Content-Type": "application/xml", "x-amz-account-id": "123456789012",
                "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/"
                                 "aws4_request, SignedHeaders=host, Signature=0"})
        self.assertEqual(urllib.request.urlopen(rq).status, 200)

    @classmethod
    def tearDownClass(cls):
        if cls.server:
            cls.server.cleanup()
        cls.moto.terminate()
        cls.moto.wait()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def discover(self, env=None, rc=0):
        p = subprocess.run([PLUMB, "discover", "--data", self.data, "--all", "--json",
                            "--types", "AWS::::Account"], env=env or self.env,
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, rc, p.stderr)
        return json.loads(p.stdout.splitlines()[-1])

    def history(self):
        p = subprocess.run([PLUMB, "history", "--data", self.data, "--json", "AWS::::Account",
                            "123456789012"], capture_output=True, text=True, timeout=60,
                           check=True)
        return json.loads(p.stdout)["configurationItems"]

    def results(self, cfg, want):
        """polls until each rule's one result is want[rule]"""
        import time
        deadline = time.time() + self.WAIT
        while True:
            got = {}
            for rule in want:
                res = cfg.get_compliance_details_by_config_rule(
                    ConfigRuleName=rule)["EvaluationResults"]
                got[rule] = [(r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
                              ["ResourceType"], r["ComplianceType"]) for r in res]
            if got == {r: [("AWS::::Account", c)] for r, c in want.items()}:
                return
            if time.time() > deadline:
                self.fail("results %s, want %s\n%s" % (got, want, self.server.read_log()[-3000:]))
            time.sleep(0.05)

    def test_account_facts_and_rules(self):
        self.assertEqual(self.discover()["recorded"], 1)  # no policy yet: null
        first = json.loads(self.history()[-1]["configuration"])
        self.assertIsNone(first["passwordPolicy"])
        self.assertIs(first["ebsEncryptionByDefault"], False)
        self.assertIsNone(first["publicAccessBlock"])  # NoSuchPublicAccessBlockConfiguration
        self.put_public_access_block(restrict=True)
        self.iam.update_account_password_policy(
            MinimumPasswordLength=16, RequireSymbols=True, RequireNumbers=True,
            RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
            AllowUsersToChangePassword=True, MaxPasswordAge=90, PasswordReusePrevention=24)
        self.ec2.enable_ebs_encryption_by_default()
        s = self.discover()
        self.assertEqual((s["recorded"], s["failedTypes"]), (1, 0))
        hist = self.history()
        self.assertEqual(len(hist), 2)
        ci = hist[-1]
        self.assertEqual((ci["resourceType"], ci["resourceId"], ci["accountId"], ci["awsRegion"]),
                         ("AWS::::Account", "123456789012", "123456789012", "us-east-1"))
        cfg = json.loads(ci["configuration"])
        pp = cfg["passwordPolicy"]
        self.assertEqual((pp["minimumPasswordLength"], pp["maxPasswordAge"],
                          pp["passwordReusePrevention"]), (16, 90, 24))
        for k in ("requireSymbols", "requireNumbers", "requireUppercaseCharacters",
                  "requireLowercaseCharacters", "allowUsersToChangePassword", "expirePasswords"):
            self.assertIs(pp[k], True, k)
        self.assertIs(cfg["ebsEncryptionByDefault"], True)
        self.assertEqual(cfg["publicAccessBlock"], {
            "blockPublicAcls": True, "ignorePublicAcls": True, "blockPublicPolicy": True,
            "restrictPublicBuckets": True})
        self.assertEqual(cfg["accountSummary"]["AccountMFAEnabled"], 0)
        self.assertEqual(cfg["accountSummary"]["AccountAccessKeysPresent"], 0)
        self.assertEqual(self.discover()["unchanged"], 1)  # nothing changed: no new version
        self.assertEqual(len(self.history()), 2)

        type(self).server = Server(auth="open", data=self.data).start()
        cfg_client = self.server.client()
        for name, ident in (("password-policy", "IAM_PASSWORD_POLICY"),
                            ("ebs-default", "EC2_EBS_ENCRYPTION_BY_DEFAULT"),
                            ("root-keys", "IAM_ROOT_ACCESS_KEY_CHECK"),
                            ("s3-pab", "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC")):
            cfg_client.put_config_rule(ConfigRule={
                "ConfigRuleName": name, "MaximumExecutionFrequency": "One_Hour",
                "Source": {"Owner": "AWS", "SourceIdentifier": ident}})
        self.results(cfg_client, {"password-policy": "COMPLIANT", "ebs-default": "COMPLIANT",
                                  "root-keys": "COMPLIANT", "s3-pab": "COMPLIANT"})

        # a weaker policy and EBS default encryption off: a new version, changed results
        self.iam.update_account_password_policy(MinimumPasswordLength=8, RequireSymbols=False)
        self.ec2.disable_ebs_encryption_by_default()
        self.put_public_access_block(restrict=False)
        self.assertEqual(self.discover()["recorded"], 1)
        hist = self.history()
        self.assertEqual(len(hist), 3)
        cfg = json.loads(hist[-1]["configuration"])
        self.assertEqual(cfg["passwordPolicy"]["minimumPasswordLength"], 8)
        self.assertIs(cfg["ebsEncryptionByDefault"], False)
        self.assertIs(cfg["publicAccessBlock"]["restrictPublicBuckets"], False)
        cfg_client.start_config_rules_evaluation(ConfigRuleNames=["password-policy",
                                                                  "ebs-default", "s3-pab"])
        self.results(cfg_client, {"password-policy": "NON_COMPLIANT",
                                  "ebs-default": "NON_COMPLIANT", "root-keys": "COMPLIANT",
                                  "s3-pab": "NON_COMPLIANT"})

        # a call that fails (not "no such ..."): no CI without the fact, the last one stays
        self.put_public_access_block(restrict=True)
        proxy = Proxy(self.url)
        try:
            proxy.fail("/v20180820/configuration/publicAccessBlock", 403, -1, b"AccessDenied")
            s = self.discover(env=dict(self.env, AWS_ENDPOINT_URL=proxy.url), rc=1)
            self.assertEqual((s["failedTypes"], s["recorded"]), (1, 0))
        finally:
            proxy.stop()
        self.assertEqual(len(self.history()), 3)
        self.assertIs(json.loads(self.history()[-1]["configuration"])["publicAccessBlock"]
                      ["restrictPublicBuckets"], False)

        # no policy at all (NoSuchEntity) is recorded as null
        self.iam.delete_account_password_policy()
        self.assertEqual(self.discover()["recorded"], 1)
        last = json.loads(self.history()[-1]["configuration"])
        self.assertIsNone(last["passwordPolicy"])
        self.assertIs(last["publicAccessBlock"]["restrictPublicBuckets"], True)


class FakeAws(http.server.BaseHTTPRequestHandler):
    """Answers ListBuckets (no buckets) after the queued error statuses."""
    queue = []
    calls = 0

    def log_message(self, *a):
        pass

    def do_GET(self):
        FakeAws.calls += 1
        if FakeAws.queue:
            status, code = FakeAws.queue.pop(0)
            body = b"<Error><Code>%s</Code><Message>slow down</Message></Error>" % code
        else:
            status = 200
            body = (b'<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult><Owner>'
                    b'<ID>abc</ID></Owner><Buckets></Buckets></ListAllMyBucketsResult>')
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class ThrottleTest(unittest.TestCase):
    """Backoff with jitter against a fake endpoint: 503 SlowDown and 429 are retried until a
    200 comes; an endpoint that never stops throttling gives up after 6 attempts."""

    @classmethod
    def setUpClass(cls):
        cls.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeAws)
        threading.Thread(target=cls.httpd.serve_forever, daemon=True).start()
        cls.tmp = tempfile.mkdtemp(prefix="plumb-throttle-")
        cls.env = dict(os.environ, AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s",
                       AWS_ENDPOINT_URL_S3="http://127.0.0.1:%d" % cls.httpd.server_address[1],
                       AWS_ENDPOINT_URL="http://127.0.0.1:1")

    @classmethod
    def tearDownClass(cls):
        cls.httpd.shutdown()
        cls.httpd.server_close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_discover(self):
        p = subprocess.run([PLUMB, "discover", "--data", os.path.join(self.tmp, "d"), "--json",
                            "--account", "111122223333", "--region", "us-east-1",
                            "--types", "AWS::S3::Bucket", "--backoff-ms", "5"],
                           env=self.env, capture_output=True, text=True, timeout=120)
        return p, json.loads(p.stdout) if p.stdout.strip() else None

    def test_retried_until_ok(self):
        FakeAws.calls = 0
        FakeAws.queue = [(503, b"SlowDown"), (429, b"TooManyRequests"),
                         (400, b"Throttling")]
        p, s = self.run_discover()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual((s["apiCalls"], s["retries"], s["throttled"]), (4, 3, 3))
        self.assertEqual(FakeAws.calls, 4)

    def test_gives_up(self):
        FakeAws.calls = 0
        FakeAws.queue = [(503, b"SlowDown")] * 10
        p, s = self.run_discover()
        self.assertEqual(p.returncode, 1)
        self.assertEqual(FakeAws.calls, 6)
        self.assertIn("after 6 attempts", p.stderr)
        FakeAws.queue = []


if __name__ == "__main__":
    unittest.main()
