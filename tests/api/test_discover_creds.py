"""test_discover_creds.py — the credential chain of `plumb discover` (issue 18) beyond static keys,
against moto_server on loopback: web identity (STS AssumeRoleWithWebIdentity, unsigned, with the
token file), a profile's role_arn with source_profile (STS AssumeRole), container credentials
(AWS_CONTAINER_CREDENTIALS_FULL_URI with its authorization token) and instance metadata IMDSv2
(token PUT, then GET, at AWS_EC2_METADATA_SERVICE_ENDPOINT) from a small local metadata server,
and AssumeRole into other accounts (--role-arn, --org-role over a plumb organization), whose
resources are recorded in those accounts. A recording proxy in front of moto shows which access
key signed each call.
"""
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import PLUMB, Server, free_port  # noqa: E402

import boto3  # noqa: E402

MEMBER = "222222222222"
OWN = "123456789012"


def wait_for(fn, what):
    """harness.wait_for, an exception of fn counting as not yet (moto may not answer at first)."""
    harness.wait_for(fn, what=what, ignore=Exception)


def serve(handler_cls):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_cls)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, "http://127.0.0.1:%d" % httpd.server_address[1]


class Recorder:
    """A loopback proxy in front of moto recording (method, path, access key id of the
    signature or None, security token, body) of each request."""

    def __init__(self, upstream):
        self.seen = []
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def handle_any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                m = re.search(r"Credential=([^/]+)/", self.headers.get("Authorization") or "")
                rec.seen.append((self.command, self.path, m.group(1) if m else None,
                                 self.headers.get("X-Amz-Security-Token"),
                                 (body or b"").decode("utf-8", "replace")))
                harness.forward_http(self, upstream, body)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = handle_any

        self.httpd, self.url = serve(H)

    def keys(self):
        """the access keys that signed requests other than STS's"""
        return {s[2] for s in self.seen if "Action=Assume" not in s[4] and
                "GetCallerIdentity" not in s[4]}

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Metadata:
    """A small instance/container metadata server: IMDSv2 (PUT /latest/api/token with the TTL
    header answers a token; the role and its credentials need the token) and a container
    credentials path needing an Authorization header."""
    TOKEN = "imds-token-42"
    AUTH = "container-auth-7"

    def __init__(self):
        self.calls = []
        md = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def reply(self, status, body):
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_PUT(self):
                md.calls.append(("PUT", self.path))
                if (self.path == "/latest/api/token" and
                        self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")):
                    return self.reply(200, md.TOKEN)
                self.reply(400, "bad")

            def do_GET(self):
                md.calls.append(("GET", self.path))
                if self.path == "/container/creds":
                    if self.headers.get("Authorization") != md.AUTH:
                        return self.reply(401, "no")
                    return self.reply(200, {"AccessKeyId": "AKIDCONTAINER",
                                            "SecretAccessKey": "container-secret",
                                            "Token": "container-session",
                                            "Expiration": "2099-01-01T00:00:00Z"})
                if self.headers.get("X-aws-ec2-metadata-token") != md.TOKEN:
                    return self.reply(401, "")
                if self.path == "/latest/meta-data/iam/security-credentials/":
                    return self.reply(200, "plumb-instance-role\n")
                if self.path == "/latest/meta-data/iam/security-credentials/plumb-instance-role":
                    return self.reply(200, {"Code": "Success", "Type": "AWS-HMAC",
                                            "AccessKeyId": "AKIDINSTANCE",
                                            "SecretAccessKey": "instance-secret",
                                            "Token": "instance-session",
                                            "Expiration": "2099-01-01T00:00:00Z"})
                self.reply(404, "")

        self.httpd, self.url = serve(H)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@unittest.skipUnless(shutil.which("moto_server"), "moto_server is not on PATH")
class DiscoverCredentialsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="plumb-discover-creds-")
        port = free_port()
        cls.moto, cls.moto_url = harness.start_moto(port)
        kw = dict(endpoint_url=cls.moto_url, region_name="us-east-1")
        own = dict(aws_access_key_id="testing", aws_secret_access_key="testing", **kw)
        boto3.client("s3", **own).create_bucket(Bucket="own-bucket")
        c = boto3.client("sts", **own).assume_role(
            RoleArn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % MEMBER,
            RoleSessionName="setup")["Credentials"]
        boto3.client("s3", aws_access_key_id=c["AccessKeyId"],
                     aws_secret_access_key=c["SecretAccessKey"],
                     aws_session_token=c["SessionToken"], **kw).create_bucket(
                         Bucket="member-bucket")
        cls.proxy = Recorder(cls.moto_url)
        cls.meta = Metadata()
        cls.home = os.path.join(cls.tmp, "home")
        os.makedirs(os.path.join(cls.home, ".aws"))
        # no keys anywhere: each test adds the one source it tests
        cls.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        cls.env.update(HOME=cls.home, AWS_ENDPOINT_URL=cls.proxy.url,
                       AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.meta.stop()
        cls.moto.terminate()
        cls.moto.wait()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.proxy.seen.clear()
        self.meta.calls.clear()

    def discover(self, *args, env, data=None, check=True):
        p = subprocess.run([PLUMB, "discover", "--data", data or os.path.join(self.tmp, "d"),
                            "--all", "--json", "--types", "AWS::S3::Bucket"] + list(args),
                           env=env, capture_output=True, text=True, timeout=300)
        if check and p.returncode != 0:
            raise AssertionError("plumb discover failed (%d): %s" % (p.returncode, p.stderr))
        return p, (json.loads(p.stdout.splitlines()[-1]) if p.stdout.strip() else None)

    def buckets(self, data, account):
        p = subprocess.run([PLUMB, "history", "--data", data, "--json", "--account", account,
                            "--region", "us-east-1", "AWS::S3::Bucket", "%s-bucket" % (
                                "own" if account == OWN else "member")],
                           capture_output=True, text=True, timeout=60)
        return p.returncode == 0 and json.loads(p.stdout)["configurationItems"]

    def test_web_identity(self):
        """AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN: an unsigned AssumeRoleWithWebIdentity
        with the token, then calls signed with the role's temporary keys."""
        tok = os.path.join(self.tmp, "token")
        with open(tok, "w") as f:
            f.write("eyJ.web.identity\n")
        env = dict(self.env, AWS_WEB_IDENTITY_TOKEN_FILE=tok, AWS_ROLE_SESSION_NAME="ci-run",
                   AWS_ROLE_ARN="arn:aws:iam::%s:role/web-role" % OWN)
        _, s = self.discover("--dry-run", env=env)
        self.assertEqual((s["account"], s["found"]), (OWN, 1))
        sts = [x for x in self.proxy.seen if "AssumeRoleWithWebIdentity" in x[4]]
        self.assertEqual(len(sts), 1)
        self.assertIsNone(sts[0][2])  # not signed
        self.assertIn("WebIdentityToken=eyJ.web.identity", sts[0][4])
        self.assertIn("RoleSessionName=ci-run", sts[0][4])
        keys = self.proxy.keys()
        self.assertEqual(len(keys), 1)
        self.assertTrue(next(iter(keys)).startswith("ASIA"), keys)
        self.assertTrue(all(x[3] for x in self.proxy.seen if x[2]))  # session token sent

    def test_role_profile(self):
        """A profile with role_arn and source_profile: AssumeRole signed with the source's keys,
        then the role's account is swept."""
        with open(os.path.join(self.home, ".aws", "credentials"), "w") as f:
            f.write("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = b\n")
        with open(os.path.join(self.home, ".aws", "config"), "w") as f:
            f.write("[profile member]\nrole_arn = arn:aws:iam::%s:role/Audit\n"
                    "source_profile = base\n" % MEMBER)
        try:
            _, s = self.discover("--dry-run", "--profile", "member", env=self.env)
        finally:
            os.remove(os.path.join(self.home, ".aws", "credentials"))
            os.remove(os.path.join(self.home, ".aws", "config"))
        self.assertEqual((s["account"], s["found"]), (MEMBER, 1))
        sts = [x for x in self.proxy.seen if "Action=AssumeRole&" in x[4]]
        self.assertEqual([x[2] for x in sts], ["AKIDBASE"])

    def test_container(self):
        """AWS_CONTAINER_CREDENTIALS_FULL_URI with the token from
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE; a wrong token fails and says so."""
        tf = os.path.join(self.tmp, "auth")
        with open(tf, "w") as f:
            f.write(Metadata.AUTH + "\n")
        env = dict(self.env, AWS_CONTAINER_CREDENTIALS_FULL_URI=self.meta.url + "/container/creds",
                   AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=tf)
        _, s = self.discover("--dry-run", env=env)
        self.assertEqual(s["found"], 1)
        self.assertEqual(self.proxy.keys(), {"AKIDCONTAINER"})
        self.assertTrue(all(x[3] == "container-session" for x in self.proxy.seen))
        env = dict(env, AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong")
        del env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]
        p, _ = self.discover("--dry-run", env=env, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("HTTP 401", p.stderr)
        self.assertNotIn("wrong", p.stderr)  # the token is never printed
        # plain http to a host that is not a loopback is refused, as the SDKs do
        env = dict(self.env, AWS_CONTAINER_CREDENTIALS_FULL_URI="http://10.1.2.3/creds")
        p, _ = self.discover("--dry-run", env=env, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("loopback", p.stderr)

    def test_instance_metadata(self):
        """IMDSv2 at AWS_EC2_METADATA_SERVICE_ENDPOINT: token PUT, the role, its credentials;
        AWS_EC2_METADATA_DISABLED=true skips it."""
        env = dict(self.env, AWS_EC2_METADATA_SERVICE_ENDPOINT=self.meta.url + "/")
        del env["AWS_EC2_METADATA_DISABLED"]
        _, s = self.discover("--dry-run", env=env)
        self.assertEqual(s["found"], 1)
        self.assertEqual(self.meta.calls, [
            ("PUT", "/latest/api/token"), ("GET", "/latest/meta-data/iam/security-credentials/"),
            ("GET", "/latest/meta-data/iam/security-credentials/plumb-instance-role")])
        self.assertEqual(self.proxy.keys(), {"AKIDINSTANCE"})
        self.assertTrue(all(x[3] == "instance-session" for x in self.proxy.seen))
        self.meta.calls.clear()
        p, _ = self.discover("--dry-run", env=dict(env, AWS_EC2_METADATA_DISABLED="true"),
                             check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no AWS credentials", p.stderr)
        self.assertEqual(self.meta.calls, [])

    def test_role_arns_and_organization(self):
        """--role-arn records the member account's resources in that account; --org-role sweeps
        the organization: the management account with the caller's keys, each member by
        AssumeRole of the role."""
        env = dict(self.env, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        data = os.path.join(self.tmp, "multi")
        role = "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % MEMBER
        _, s = self.discover("--role-arn", role, env=env, data=data)
        self.assertEqual((s["account"], s["recorded"]), (MEMBER, 1))
        self.assertTrue(self.buckets(data, MEMBER))
        self.assertFalse(self.buckets(data, OWN))
        # the organization: own account as management, the member by role
        data = os.path.join(self.tmp, "org")
        for cmd in (["create", "--management", OWN], ["add-account", MEMBER]):
            subprocess.run([PLUMB, "org"] + cmd + ["--data", data], check=True,
                           capture_output=True)
        self.proxy.seen.clear()
        _, s = self.discover("--org-role", "OrganizationAccountAccessRole", env=env, data=data)
        self.assertEqual((s["recorded"], s["failedTypes"]), (2, 0))
        self.assertTrue(self.buckets(data, MEMBER))
        self.assertTrue(self.buckets(data, OWN))
        sts = [x for x in self.proxy.seen if "Action=AssumeRole&" in x[4]]
        self.assertEqual(len(sts), 1)
        self.assertIn("arn%3Aaws%3Aiam%3A%3A" + MEMBER, sts[0][4])
        # a role that cannot be assumed fails that account, the others are swept all the same
        p, s = self.discover("--role-arn", "arn:aws:iam::%s:role/x" % MEMBER, "--role-arn",
                             "not-an-arn-at-all:aws", env=env, data=data, check=False)
        self.assertEqual(p.returncode, 2)

    def test_serve_role_arns(self):
        """plumb serve --discover aws --discover-role-arns: the periodic sweeps go into the
        member account by AssumeRole, recorded once that account's recorder runs."""
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.env, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        role = "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % MEMBER
        try:
            server = Server(auth="open", extra=["--discover", "aws", "--discover-interval", "1",
                                                "--discover-role-arns", role]).start()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        try:
            cfg = boto3.client("config", endpoint_url=server.url, region_name="us-east-1",
                               aws_access_key_id=MEMBER, aws_secret_access_key="x")
            cfg.put_configuration_recorder(ConfigurationRecorder={
                "name": "default", "roleARN": "arn:aws:iam::%s:role/ConfigRole" % MEMBER,
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
            cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-bucket"})
            cfg.start_configuration_recorder(ConfigurationRecorderName="default")

            def member_buckets():
                out = cfg.list_discovered_resources(resourceType="AWS::S3::Bucket")
                return {r["resourceId"] for r in out["resourceIdentifiers"]}
            wait_for(lambda: "member-bucket" in member_buckets(), "the member's bucket")
            self.assertNotIn("own-bucket", member_buckets())
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
