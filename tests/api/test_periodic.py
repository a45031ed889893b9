"""test_periodic.py — periodic rules on a server whose clock is frozen (--fake-clock) and moved
with PlumbService.AdvanceClock: an account-level managed rule (IAM_PASSWORD_POLICY) reads the
AWS::::Account resource when it runs, and runs again when its frequency has passed."""
import json
import time
import unittest

from harness import ACCOUNT, ServerTest

START = "2026-01-01T00:00:00Z"


def account_ci(min_length):
    return {"resourceType": "AWS::::Account", "resourceId": ACCOUNT, "awsAccountId": ACCOUNT,
            "awsRegion": "us-east-1",
            "configurationItemCaptureTime": "2026-01-01T00:00:00.000Z",
            "configuration": {"passwordPolicy": {
                "minimumPasswordLength": min_length, "requireSymbols": True,
                "requireNumbers": True, "requireUppercaseCharacters": True,
                "requireLowercaseCharacters": True, "maxPasswordAge": 90,
                "passwordReusePrevention": 24}}}


class Periodic(ServerTest):
    EXTRA = ("--fake-clock", START)

    def result(self, want):
        def got():
            res = self.cfg.get_compliance_details_by_config_rule(
                ConfigRuleName="password-policy")["EvaluationResults"]
            return res[0] if res and res[0]["ComplianceType"] == want else None
        return self.wait_for("a %s result" % want, got)

    def test_account_rule_runs_on_schedule(self):
        self.setup_recorder()
        self.record(account_ci(8))
        self.cfg.put_config_rule(ConfigRule={
            "ConfigRuleName": "password-policy", "MaximumExecutionFrequency": "One_Hour",
            "InputParameters": json.dumps({"MinimumPasswordLength": "14"}),
            "Source": {"Owner": "AWS", "SourceIdentifier": "IAM_PASSWORD_POLICY"}})
        first = self.result("NON_COMPLIANT")  # a new rule evaluates at once
        q = first["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
        self.assertEqual((q["ResourceType"], q["ResourceId"]), ("AWS::::Account", ACCOUNT))
        self.record(account_ci(16))
        # nothing runs before the hour is over ...
        self.plumb_call("AdvanceClock", {"Milliseconds": 30 * 60 * 1000})
        time.sleep(0.5)
        r = self.cfg.get_compliance_details_by_config_rule(ConfigRuleName="password-policy")
        self.assertEqual(r["EvaluationResults"][0]["ComplianceType"], "NON_COMPLIANT")
        # ... and the rule runs again once it is
        now = self.plumb_call("AdvanceClock", {"Milliseconds": 31 * 60 * 1000})["Now"]
        self.assertGreater(now, 1767225600 + 3600)
        self.result("COMPLIANT")


if __name__ == "__main__":
    unittest.main()
