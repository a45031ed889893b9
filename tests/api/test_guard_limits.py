"""test_guard_limits.py — hostile CUSTOM_POLICY rules (issue 9 items 8 and 9) through a real
`plumb serve`: cyclic variables are refused by PutConfigRule with an AWS-shaped 400 and the
server keeps serving; a policy that blows up quadratically stops at the step budget and is
reported as the rule's evaluation error, while a one-clause rule on the same change is still
evaluated promptly.
"""
import os
import time
import unittest

from harness import ACCOUNT, ServerTest

WAIT = 60 if os.environ.get("PL_ASAN") else 20
CYCLIC = [
    "let a = %a\nrule r { %a exists }",
    "let a = %b\nlet b = %a\nrule r { %a exists }",
    "let a = %a.x\nrule r { %a exists }",
    "let a = R[ x == %a ]\nrule r { %a exists }",
]


def policy_rule(name, text):
    return {"ConfigRuleName": name, "Scope": {"ComplianceResourceTypes": ["AWS::S3::Bucket"]},
            "Source": {"Owner": "CUSTOM_POLICY", "SourceDetails": [
                {"EventSource": "aws.config",
                 "MessageType": "ConfigurationItemChangeNotification"}],
                "CustomPolicyDetails": {"PolicyRuntime": "guard-2.x.x", "PolicyText": text}}}


class GuardLimitsTest(ServerTest):
    def test_cyclic_variables_refused(self):
        for i, text in enumerate(CYCLIC):
            e = self.assertAwsError("InvalidParameterValueException", self.cfg.put_config_rule,
                                    ConfigRule=policy_rule("cyc-%d" % i, text))
            msg = e.response["Error"]["Message"]
            self.assertIn("variable a refers to itself", msg)
            self.assertIn("line 1:", msg)
        self.assertEqual(self.cfg.describe_config_rules()["ConfigRules"], [])
        # a legal but deep policy is accepted and the server is still up
        deep = "let v0 = configuration\n" + "".join(
            "let v%d = %%v%d\n" % (i, i - 1) for i in range(1, 200)) + \
            "rule chain { %v199.versioning exists }"
        self.cfg.put_config_rule(ConfigRule=policy_rule("deep", deep))
        self.assertEqual(len(self.cfg.describe_config_rules()["ConfigRules"]), 1)

    def test_step_budget(self):
        hostile = "let a = configuration.L[*]\n" + "".join(
            "rule r%d { %%a IN %%a }\n" % i for i in range(300))
        self.cfg.put_config_rule(ConfigRule=policy_rule("hostile", hostile))
        self.cfg.put_config_rule(ConfigRule=policy_rule(
            "simple", 'rule v { configuration.versioning == "Enabled" }'))
        t0 = time.time()
        self.record({"resourceType": "AWS::S3::Bucket", "resourceId": "big",
                     "awsAccountId": ACCOUNT, "awsRegion": "us-east-1",
                     "configuration": {"versioning": "Enabled", "L": list(range(10000))}})
        deadline = t0 + WAIT
        res, st = [], {}
        while time.time() < deadline:
            res = self.cfg.get_compliance_details_by_config_rule(
                ConfigRuleName="simple")["EvaluationResults"]
            st = self.cfg.describe_config_rule_evaluation_status(
                ConfigRuleNames=["hostile"])["ConfigRulesEvaluationStatus"][0]
            if res and st.get("LastErrorCode"):
                break
            time.sleep(0.01)
        self.assertEqual(res[0]["ComplianceType"], "COMPLIANT", self.server.read_log()[-3000:])
        self.assertEqual(st.get("LastErrorCode"), "PolicyEvaluationError", st)
        self.assertIn("budget", st.get("LastErrorMessage", ""))
        self.assertLess(time.time() - t0, WAIT)


if __name__ == "__main__":
    unittest.main()
