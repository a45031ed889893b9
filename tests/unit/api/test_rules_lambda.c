/* test_rules_lambda.c — the AWS rule event plumb sends to Lambda-style functions: a change
 * notification (invokingEvent and ruleParameters as JSON strings, resultToken, eventLeftScope,
 * rule identity), the oversized form above 256 KB, and the scheduled notification. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "rules/rules_int.h"
#include "t.h"

static struct pl_arena ar;

static struct pl_json *parse(const char *text)
{
    struct pl_err err = {0};
    struct pl_json *j = pl_json_parse(&ar, text, strlen(text), &err);
    if (!j)
        fprintf(stderr, "parse: %s\n", err.msg);
    return j;
}

static void rule_init(struct pl_rule *r)
{
    memset(r, 0, sizeof *r);
    r->account = "123456789012";
    r->region = "us-east-1";
    r->name = "required-tags";
    r->arn = "arn:aws:config:us-east-1:123456789012:config-rule/config-rule-abc123";
    r->id = "config-rule-abc123";
    r->source_id = "arn:aws:lambda:us-east-1:123456789012:function:f";
    r->input_params = "{\"requiredTags\":\"Owner\"}";
    r->owner = PL_OWNER_LAMBDA;
    r->change = r->ci_events = r->oversized_events = true;
}

static void run_init(struct pl_run *run)
{
    memset(run, 0, sizeof *run);
    run->account = "123456789012";
    run->region = "us-east-1";
    run->now = pl_now_ms();
    pl_arena_init(&run->scratch);
}

static void test_change_event(void)
{
    struct pl_run run;
    struct pl_rule r;
    struct pl_err err = {0};
    run_init(&run);
    rule_init(&r);
    struct pl_json *ie = parse("{\"configurationItem\":{\"resourceType\":\"AWS::EC2::Instance\","
                               "\"resourceId\":\"i-1\",\"tags\":{}},\"configurationItemDiff\":"
                               "null,\"messageType\":\"ConfigurationItemChangeNotification\","
                               "\"recordVersion\":\"1.3\"}");
    T_EQ(pl_rules__lambda_invoke(&run, &r, ie, true, &err), 0);
    struct pl_json *ev = parse(pl_rules__lambda_queued_event(&run, 0));
    T_REQUIRE(ev != NULL);
    T_STR(pl_json_get_str(ev, "version"), "1.0");
    T_STR(pl_json_get_str(ev, "ruleParameters"), "{\"requiredTags\":\"Owner\"}");
    T_STR(pl_json_get_str(ev, "configRuleName"), "required-tags");
    T_STR(pl_json_get_str(ev, "configRuleId"), "config-rule-abc123");
    T_STR(pl_json_get_str(ev, "accountId"), "123456789012");
    T_STR(pl_json_get_str(ev, "evaluationMode"), "DETECTIVE");
    T_OK(pl_json_truthy(pl_json_get(ev, "eventLeftScope")));
    T_EQ(strlen(pl_json_get_str(ev, "resultToken")), 64);
    T_OK(pl_starts_with(pl_json_get_str(ev, "executionRoleArn"), "arn:aws:iam::123456789012:"));
    const char *ies = pl_json_get_str(ev, "invokingEvent"); /* a JSON string */
    T_REQUIRE(ies != NULL);
    struct pl_json *inner = parse(ies);
    T_STR(pl_json_get_str(inner, "messageType"), "ConfigurationItemChangeNotification");
    T_STR(pl_json_get_str(pl_json_get(inner, "configurationItem"), "resourceId"), "i-1");
    pl_rules__lambda_drop(&run);
    pl_arena_fini(&run.scratch);
}

static void test_oversized_event(void)
{
    struct pl_run run;
    struct pl_rule r;
    struct pl_err err = {0};
    run_init(&run);
    rule_init(&r);
    size_t big = 300 * 1024;
    char *text = malloc(big + 512);
    int n = snprintf(text, 512,
                     "{\"configurationItem\":{\"resourceType\":\"AWS::S3::Bucket\","
                     "\"resourceId\":\"b\",\"configuration\":{\"blob\":\"");
    memset(text + n, 'x', big);
    snprintf(text + n + big, 512 - (size_t)n,
             "\"}},\"configurationItemDiff\":{\"changeType\":\"UPDATE\"},"
             "\"messageType\":\"ConfigurationItemChangeNotification\"}");
    T_EQ(pl_rules__lambda_invoke(&run, &r, parse(text), false, &err), 0);
    free(text);
    struct pl_json *ev = parse(pl_rules__lambda_queued_event(&run, 0));
    T_REQUIRE(ev != NULL);
    struct pl_json *inner = parse(pl_json_get_str(ev, "invokingEvent"));
    T_STR(pl_json_get_str(inner, "messageType"), "OversizedConfigurationItemChangeNotification");
    struct pl_json *sum = pl_json_get(inner, "configurationItemSummary");
    T_STR(pl_json_get_str(sum, "resourceId"), "b");
    T_STR(pl_json_get_str(sum, "changeType"), "UPDATE");
    T_OK(!pl_json_truthy(pl_json_get(ev, "eventLeftScope")));
    T_OK(strlen(pl_rules__lambda_queued_event(&run, 0)) < 8192);
    pl_rules__lambda_drop(&run);
    pl_arena_fini(&run.scratch);
}

/* A change goes only to rules whose SourceDetails list its message type. */
static void test_message_types(void)
{
    struct pl_run run;
    struct pl_rule r;
    struct pl_err err = {0};
    run_init(&run);
    rule_init(&r);
    r.ci_events = false; /* only OversizedConfigurationItemChangeNotification */
    T_EQ(pl_rules__lambda_invoke(
             &run, &r,
             parse("{\"configurationItem\":{\"resourceType\":\"AWS::S3::Bucket\","
                   "\"resourceId\":\"b\"},\"messageType\":"
                   "\"ConfigurationItemChangeNotification\"}"),
             false, &err),
         0);
    T_OK(pl_rules__lambda_queued_event(&run, 0) == NULL);
    pl_arena_fini(&run.scratch);
}

int main(void)
{
    pl_arena_init(&ar);
    T_RUN(test_change_event);
    T_RUN(test_oversized_event);
    T_RUN(test_message_types);
    pl_arena_fini(&ar);
    return T_EXIT();
}
