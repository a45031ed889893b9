/* test_rules_engine.c — the rules engine driven without threads (pl_rules_tick) and with a
 * moved clock: change triggers, scope in/out, left scope, deletion, ordering timestamps,
 * periodic scheduling with the recorder stopped, not-implemented identifiers, Guard policies,
 * ResourceCompliance CIs, and the rule operations' errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/time.h"
#include "core/util.h"
#include "recorder/recorder.h"
#include "rules/managed/managed.h"
#include "rules/rules.h"
#include "store/evals.h"
#include "store/store.h"
#include "t.h"

#define ACCT "123456789012"
#define REG  "us-east-1"

static char dir[256];
static struct pl_store *st;
static struct pl_rules *eng;
static struct pl_arena ar;

static void setup(void)
{
    struct pl_err err = {0};
    snprintf(dir, sizeof dir, "/tmp/plumb-rules-test-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    pl_clock_set(1700000000000);
    pl_log_set_level("warn");
    pl_arena_init(&ar);
    if (pl_store_open(dir, 0, &st, &err) < 0)
        abort();
    struct pl_rules_options o = {.store_spec = dir, .no_thread = true};
    eng = pl_rules_start(&o, &err);
    if (!eng) {
        fprintf(stderr, "start: %s\n", err.msg);
        abort();
    }
}

static void teardown(void)
{
    pl_rules_stop(eng);
    pl_store_close(st);
    pl_arena_fini(&ar);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
}

static struct pl_rules_call call(void)
{
    struct pl_rules_call c = {
        .eng = eng, .store_spec = dir, .st = st, .account = ACCT, .region = REG, .a = &ar};
    return c;
}

static struct pl_json *J(const char *text)
{
    struct pl_err err = {0};
    struct pl_json *j = pl_json_parse(&ar, text, strlen(text), &err);
    if (!j) {
        fprintf(stderr, "bad test JSON: %s\n%s\n", err.msg, text);
        abort();
    }
    return j;
}

static int put_rule(const char *json, struct pl_err *err)
{
    struct pl_rules_call c = call();
    return pl_rules_put_rule(&c, J(json), NULL, err);
}

static void set_recorder(bool running)
{
    struct pl_err err = {0};
    const char *rec = "{\"name\":\"default\",\"roleARN\":\"arn:aws:iam::1:role/r\","
                      "\"recordingGroup\":{\"allSupported\":true}}";
    const char *stj = running ? "{\"name\":\"default\",\"recording\":true}"
                              : "{\"name\":\"default\",\"recording\":false}";
    pl_store_obj_put(st, ACCT, REG, PL_KIND_RECORDER, "default", rec, strlen(rec), &err);
    pl_store_obj_put(st, ACCT, REG, PL_KIND_RECORDER_STATUS, "default", stj, strlen(stj), &err);
}

static void record_in(const char *account, const char *ci)
{
    struct pl_err err = {0};
    struct pl_rec_opts o = {.mode = PL_REC_MODE_ALL, .account = account, .region = REG};
    struct pl_rec_result res;
    if (pl_recorder_observe(st, &o, J(ci), &res, &err) < 0) {
        fprintf(stderr, "record: %s\n", err.msg);
        abort();
    }
}

static void record(const char *ci)
{
    record_in(ACCT, ci);
}

static void tick(void)
{
    struct pl_err err = {0};
    int n = pl_rules_tick(eng, &err);
    if (n < 0)
        fprintf(stderr, "tick: %s\n", err.msg);
    T_OK(n >= 0);
}

/* The stored compliance of (rule, type, id), or -1 when none. */
static int comp_of(const char *rule, const char *type, const char *id, const char **annot)
{
    struct pl_err err = {0};
    struct pl_store *ev = st;
    struct pl_ev_row r;
    if (!ev || pl_store_eval_get(ev, ACCT, REG, rule, type, id, &ar, &r, &err) != 1)
        return -1;
    if (annot)
        *annot = r.annotation;
    return (int)r.comp;
}

#define SG_OPEN                                                                                    \
    "{\"resourceType\":\"AWS::EC2::SecurityGroup\",\"resourceId\":\"sg-1\",\"configuration\":"     \
    "{\"groupId\":\"sg-1\",\"ipPermissions\":[{\"ipProtocol\":\"tcp\",\"fromPort\":22,"            \
    "\"toPort\":22,\"ipv4Ranges\":[{\"cidrIp\":\"0.0.0.0/0\"}],\"ipRanges\":[\"0.0.0.0/0\"]}]},"   \
    "\"tags\":{\"env\":\"prod\"}}"
#define SG_FIXED                                                                                   \
    "{\"resourceType\":\"AWS::EC2::SecurityGroup\",\"resourceId\":\"sg-1\",\"configuration\":"     \
    "{\"groupId\":\"sg-1\",\"ipPermissions\":[{\"ipProtocol\":\"tcp\",\"fromPort\":22,"            \
    "\"toPort\":22,\"ipv4Ranges\":[{\"cidrIp\":\"10.0.0.0/8\"}],\"ipRanges\":[\"10.0.0.0/8\"]}]}," \
    "\"tags\":{\"env\":\"prod\"}}"
#define SSH_RULE                                                                                   \
    "{\"ConfigRuleName\":\"ssh\",\"Source\":{\"Owner\":\"AWS\",\"SourceIdentifier\":"              \
    "\"INCOMING_SSH_DISABLED\"}}"

static void test_change_trigger_and_history(void)
{
    struct pl_err err = {0};
    set_recorder(true);
    T_EQ(put_rule(SSH_RULE, &err), 0);
    tick();
    record(SG_OPEN);
    tick();
    const char *annot = NULL;
    T_EQ(comp_of("ssh", "AWS::EC2::SecurityGroup", "sg-1", &annot), PL_EV_NON_COMPLIANT);
    T_OK(annot && strstr(annot, "22"));
    pl_clock_advance(1000);
    record(SG_FIXED);
    tick();
    T_EQ(comp_of("ssh", "AWS::EC2::SecurityGroup", "sg-1", NULL), PL_EV_COMPLIANT);

    struct pl_history_q q = {.account = ACCT,
                             .region = REG,
                             .resource_type = "AWS::Config::ResourceCompliance",
                             .resource_id = "AWS::EC2::SecurityGroup/sg-1",
                             .earlier_ms = 0,
                             .later_ms = INT64_MAX / 64,
                             .forward = true,
                             .limit = 10};
    struct pl_ci_row *rows;
    size_t n;
    char *next;
    T_EQ(pl_store_history(st, &q, &ar, &rows, &n, &next, &err), 0);
    T_EQ(n, 2);
    if (n == 2) {
        T_OK(strstr(rows[0].body, "\"NON_COMPLIANT\"") != NULL);
        T_OK(strstr(rows[1].body, "\"COMPLIANT\"") != NULL);
        T_OK(strstr(rows[1].body, "\"configRuleName\":\"ssh\"") != NULL);
    }
}

static void test_recorder_stopped(void)
{
    struct pl_err err = {0};
    set_recorder(false);
    T_EQ(put_rule(SSH_RULE, &err), 0);
    tick();
    record(SG_OPEN);
    tick();
    T_EQ(comp_of("ssh", "AWS::EC2::SecurityGroup", "sg-1", NULL), -1);
    /* a periodic rule keeps running */
    record("{\"resourceType\":\"AWS::::Account\",\"resourceId\":\"" ACCT "\","
           "\"configuration\":{\"accountSummary\":{\"AccountAccessKeysPresent\":1}}}");
    T_EQ(put_rule("{\"ConfigRuleName\":\"root-key\",\"Source\":{\"Owner\":\"AWS\","
                  "\"SourceIdentifier\":\"IAM_ROOT_ACCESS_KEY_CHECK\"},"
                  "\"MaximumExecutionFrequency\":\"One_Hour\"}",
                  &err),
         0);
    tick();
    T_EQ(comp_of("root-key", "AWS::::Account", ACCT, NULL), PL_EV_NON_COMPLIANT);
    /* fixed account: nothing happens until the next period */
    record("{\"resourceType\":\"AWS::::Account\",\"resourceId\":\"" ACCT "\","
           "\"configuration\":{\"accountSummary\":{\"AccountAccessKeysPresent\":0}}}");
    pl_clock_advance(30 * 60 * 1000);
    tick();
    T_EQ(comp_of("root-key", "AWS::::Account", ACCT, NULL), PL_EV_NON_COMPLIANT);
    pl_clock_advance(31 * 60 * 1000);
    tick();
    T_EQ(comp_of("root-key", "AWS::::Account", ACCT, NULL), PL_EV_COMPLIANT);
}

static void test_scope_left_and_deleted(void)
{
    struct pl_err err = {0};
    set_recorder(true);
    T_EQ(put_rule("{\"ConfigRuleName\":\"ssh-prod\",\"Scope\":{\"TagKey\":\"env\","
                  "\"TagValue\":\"prod\"},\"Source\":{\"Owner\":\"AWS\",\"SourceIdentifier\":"
                  "\"INCOMING_SSH_DISABLED\"}}",
                  &err),
         0);
    tick();
    record("{\"resourceType\":\"AWS::EC2::SecurityGroup\",\"resourceId\":\"sg-2\","
           "\"configuration\":{\"groupId\":\"sg-2\",\"ipPermissions\":[]},\"tags\":{}}");
    tick();
    T_EQ(comp_of("ssh-prod", "AWS::EC2::SecurityGroup", "sg-2", NULL), -1);
    record(SG_OPEN);
    tick();
    T_EQ(comp_of("ssh-prod", "AWS::EC2::SecurityGroup", "sg-1", NULL), PL_EV_NON_COMPLIANT);
    pl_clock_advance(1000);
    record("{\"resourceType\":\"AWS::EC2::SecurityGroup\",\"resourceId\":\"sg-1\","
           "\"configuration\":{\"groupId\":\"sg-1\",\"ipPermissions\":[{\"ipProtocol\":\"tcp\","
           "\"fromPort\":22,\"toPort\":22,\"ipv4Ranges\":[{\"cidrIp\":\"0.0.0.0/0\"}]}]},"
           "\"tags\":{\"env\":\"dev\"}}");
    tick();
    T_EQ(comp_of("ssh-prod", "AWS::EC2::SecurityGroup", "sg-1", NULL), PL_EV_NOT_APPLICABLE);
    /* back in scope, then deleted */
    pl_clock_advance(1000);
    record(SG_OPEN);
    tick();
    T_EQ(comp_of("ssh-prod", "AWS::EC2::SecurityGroup", "sg-1", NULL), PL_EV_NON_COMPLIANT);
    pl_clock_advance(1000);
    record("{\"resourceType\":\"AWS::EC2::SecurityGroup\",\"resourceId\":\"sg-1\","
           "\"configurationItemStatus\":\"ResourceDeleted\"}");
    tick();
    T_EQ(comp_of("ssh-prod", "AWS::EC2::SecurityGroup", "sg-1", NULL), PL_EV_NOT_APPLICABLE);
    /* the deleted resource leaves the roll-ups */
    struct pl_store *ev = st;
    struct pl_ev_resource *rows;
    size_t n;
    bool more;
    T_EQ(
        pl_store_eval_resources(ev, ACCT, REG, NULL, "sg-1", NULL, NULL, 0, &ar, &rows, &n, &more, &err),
        0);
    T_EQ(n, 0);
}

static void test_ordering(void)
{
    struct pl_err err = {0};
    struct pl_store *ev = st;
    struct pl_ev_row r = {.account = ACCT,
                          .region = REG,
                          .rule = "r",
                          .resource_type = "T",
                          .resource_id = "i",
                          .comp = PL_EV_COMPLIANT,
                          .ordering_ms = 2000,
                          .recorded_ms = 1,
                          .invoked_ms = 1};
    T_EQ(pl_store_eval_put(ev, &r, &ar, NULL, NULL, &err), 1);
    r.comp = PL_EV_NON_COMPLIANT;
    r.ordering_ms = 1000;
    T_EQ(pl_store_eval_put(ev, &r, &ar, NULL, NULL, &err), 0);
    T_EQ(comp_of("r", "T", "i", NULL), PL_EV_COMPLIANT);
    r.ordering_ms = 3000;
    T_EQ(pl_store_eval_put(ev, &r, &ar, NULL, NULL, &err), 1);
    T_EQ(comp_of("r", "T", "i", NULL), PL_EV_NON_COMPLIANT);
}

/* Every identifier plumb knows is implemented; a stored rule whose identifier this plumb does
 * not know (written by a newer plumb into the data directory, say) gets the not-implemented
 * status and no result. */
static void test_not_implemented(void)
{
    struct pl_err err = {0};
    const char *id = "NO_SUCH_RULE_FROM_A_NEWER_PLUMB";
    T_EQ(put_rule("{\"ConfigRuleName\":\"ni\",\"Source\":{\"Owner\":\"AWS\","
                  "\"SourceIdentifier\":\"EC2_INSTANCE_NO_PUBLIC_IP\"}}",
                  &err),
         0);
    struct pl_obj o = {0};
    T_EQ(pl_store_obj_get(st, ACCT, REG, PL_KIND_CONFIG_RULE, "ni", &ar, &o, &err), 1);
    const char *stored = o.json;
    const char *at = stored ? strstr(stored, "EC2_INSTANCE_NO_PUBLIC_IP") : NULL;
    T_REQUIRE(at);
    char *edited = pl_arena_printf(&ar, "%.*s%s%s", (int)(at - stored), stored, id,
                                   at + strlen("EC2_INSTANCE_NO_PUBLIC_IP"));
    T_EQ(pl_store_obj_put(st, ACCT, REG, PL_KIND_CONFIG_RULE, "ni", edited, strlen(edited), &err),
         0);
    tick();
    struct pl_store *ev = st;
    struct pl_ev_status s;
    T_EQ(pl_store_rule_status_get(ev, ACCT, REG, "ni", &ar, &s, &err), 1);
    T_STR(s.last_error_code, "NotImplemented");
    char want[256];
    snprintf(want, sizeof want, "plumb does not implement %s yet", id);
    T_STR(s.last_error_message, want);
}

static void test_guard_policy(void)
{
    struct pl_err err = {0};
    set_recorder(true);
    T_EQ(put_rule("{\"ConfigRuleName\":\"g\",\"Scope\":{\"ComplianceResourceTypes\":"
                  "[\"AWS::S3::Bucket\"]},\"Source\":{\"Owner\":\"CUSTOM_POLICY\","
                  "\"SourceDetails\":[{\"EventSource\":\"aws.config\",\"MessageType\":"
                  "\"ConfigurationItemChangeNotification\"}],\"CustomPolicyDetails\":"
                  "{\"PolicyRuntime\":\"guard-2.x.x\",\"PolicyText\":"
                  "\"rule versioning { configuration.versioning == \\\"Enabled\\\" "
                  "<< versioning must be on >> }\"}}}",
                  &err),
         0);
    if (err.code)
        fprintf(stderr, "%s\n", err.msg);
    tick();
    record("{\"resourceType\":\"AWS::S3::Bucket\",\"resourceId\":\"b1\",\"configuration\":"
           "{\"versioning\":\"Suspended\"}}");
    record("{\"resourceType\":\"AWS::S3::Bucket\",\"resourceId\":\"b2\",\"configuration\":"
           "{\"versioning\":\"Enabled\"}}");
    tick();
    const char *annot = NULL;
    T_EQ(comp_of("g", "AWS::S3::Bucket", "b1", &annot), PL_EV_NON_COMPLIANT);
    T_EQ(comp_of("g", "AWS::S3::Bucket", "b2", NULL), PL_EV_COMPLIANT);
}

static void expect_error(const char *rule, enum pl_errcode code)
{
    struct pl_err err = {0};
    T_EQ(put_rule(rule, &err), -1);
    if (err.code != code)
        fprintf(stderr, "rule %s\n  got %s: %s\n", rule, pl_err_name(err.code), err.msg);
    T_EQ(err.code, code);
}

static void test_put_errors(void)
{
    expect_error("{\"ConfigRuleName\":\"x\",\"Source\":{\"Owner\":\"AWS\",\"SourceIdentifier\":"
                 "\"NOPE\"}}",
                 PL_E_INVALID_PARAMETER_VALUE);
    expect_error("{\"ConfigRuleName\":\"x\",\"Source\":{\"Owner\":\"AWS\",\"SourceIdentifier\":"
                 "\"INCOMING_SSH_DISABLED\",\"SourceDetails\":[{\"EventSource\":\"aws.config\","
                 "\"MessageType\":\"ConfigurationItemChangeNotification\"}]}}",
                 PL_E_INVALID_PARAMETER_VALUE);
    expect_error("{\"ConfigRuleName\":\"x\",\"Source\":{\"Owner\":\"AWS\",\"SourceIdentifier\":"
                 "\"INCOMING_SSH_DISABLED\"},\"MaximumExecutionFrequency\":\"One_Hour\"}",
                 PL_E_INVALID_PARAMETER_VALUE);
    expect_error("{\"ConfigRuleName\":\"x\",\"Scope\":{\"TagValue\":\"v\"},\"Source\":{\"Owner\":"
                 "\"AWS\",\"SourceIdentifier\":\"INCOMING_SSH_DISABLED\"}}",
                 PL_E_INVALID_PARAMETER_VALUE);
    expect_error("{\"ConfigRuleName\":\"x\",\"Scope\":{\"ComplianceResourceId\":\"i\"},"
                 "\"Source\":{\"Owner\":\"AWS\",\"SourceIdentifier\":\"INCOMING_SSH_DISABLED\"}}",
                 PL_E_INVALID_PARAMETER_VALUE);
    expect_error("{\"ConfigRuleName\":\"x\",\"Source\":{\"Owner\":\"CUSTOM_LAMBDA\","
                 "\"SourceIdentifier\":\"not-an-arn\",\"SourceDetails\":[{\"EventSource\":"
                 "\"aws.config\",\"MessageType\":\"ConfigurationItemChangeNotification\"}]}}",
                 PL_E_INVALID_PARAMETER_VALUE);
    expect_error("{\"ConfigRuleName\":\"x\",\"Source\":{\"Owner\":\"CUSTOM_LAMBDA\","
                 "\"SourceIdentifier\":\"arn:aws:lambda:us-east-1:123456789012:function:nope\","
                 "\"SourceDetails\":[{\"EventSource\":\"aws.config\",\"MessageType\":"
                 "\"ConfigurationItemChangeNotification\"}]}}",
                 PL_E_INSUFFICIENT_PERMISSIONS);
    expect_error("{\"ConfigRuleName\":\"x\",\"Source\":{\"Owner\":\"CUSTOM_POLICY\","
                 "\"CustomPolicyDetails\":{\"PolicyRuntime\":\"guard-2.x.x\",\"PolicyText\":"
                 "\"rule r { a == }\"}}}",
                 PL_E_INVALID_PARAMETER_VALUE);
    expect_error("{\"ConfigRuleName\":\"x\",\"InputParameters\":\"[1]\",\"Source\":{\"Owner\":"
                 "\"AWS\",\"SourceIdentifier\":\"INCOMING_SSH_DISABLED\"}}",
                 PL_E_INVALID_PARAMETER_VALUE);
    expect_error("{\"ConfigRuleName\":\"x\",\"CreatedBy\":\"s\",\"Source\":{\"Owner\":"
                 "\"AWS\",\"SourceIdentifier\":\"INCOMING_SSH_DISABLED\"}}",
                 PL_E_INVALID_PARAMETER_VALUE);
    expect_error("{\"ConfigRuleName\":\"x\",\"ConfigRuleState\":\"DELETING\",\"Source\":{"
                 "\"Owner\":\"AWS\",\"SourceIdentifier\":\"INCOMING_SSH_DISABLED\"}}",
                 PL_E_INVALID_PARAMETER_VALUE);
    /* one rule past the quota */
    struct pl_err err = {0};
    for (int i = 0; i < PL_RULES_MAX_PER_REGION; i++) {
        char r[256];
        snprintf(r, sizeof r,
                 "{\"ConfigRuleName\":\"r%d\",\"Source\":{\"Owner\":\"AWS\","
                 "\"SourceIdentifier\":\"INCOMING_SSH_DISABLED\"}}",
                 i);
        if (put_rule(r, &err) < 0)
            break;
    }
    T_EQ(err.code, PL_E_NONE);
    expect_error(SSH_RULE, PL_E_MAX_NUMBER_OF_CONFIG_RULES_EXCEEDED);
}

static void test_arn_and_start(void)
{
    struct pl_err err = {0};
    T_EQ(put_rule(SSH_RULE, &err), 0);
    struct pl_rules_call c = call();
    struct pl_json *j;
    T_EQ(pl_rules_get_rule(&c, "ssh", &j, &err), 1);
    const char *arn = pl_json_get_str(j, "ConfigRuleArn");
    const char *id = pl_json_get_str(j, "ConfigRuleId");
    T_OK(arn && pl_starts_with(arn, "arn:aws:config:us-east-1:123456789012:config-rule/"
                                    "config-rule-"));
    T_OK(id && strlen(id) == 18 && strstr(arn, id));
    const char *names[] = {"ssh"};
    tick();
    T_EQ(pl_rules_start_evaluation(&c, names, 1, &err), 0);
    T_EQ(pl_rules_start_evaluation(&c, names, 1, &err), -1);
    T_EQ(err.code, PL_E_LIMIT_EXCEEDED);
    T_EQ(pl_rules_get_rule(&c, "ssh", &j, &err), 1);
    T_STR(pl_json_get_str(j, "ConfigRuleState"), "EVALUATING");
    tick();
    pl_err_clear(&err);
    T_EQ(pl_rules_start_evaluation(&c, names, 1, &err), 0);
    const char *nope[] = {"nope"};
    T_EQ(pl_rules_start_evaluation(&c, nope, 1, &err), -1);
    T_EQ(err.code, PL_E_NO_SUCH_CONFIG_RULE);
    pl_err_clear(&err);
    T_EQ(pl_rules_delete_rule(&c, "ssh", &err), -1); /* still evaluating */
    T_EQ(err.code, PL_E_RESOURCE_IN_USE);
    T_EQ(pl_rules_delete_results(&c, "ssh", &err), -1);
    tick();
    pl_err_clear(&err);
    T_EQ(pl_rules_delete_results(&c, "ssh", &err), 0);
    T_EQ(pl_rules_delete_rule(&c, "ssh", &err), 0);
    T_EQ(pl_rules_delete_rule(&c, "ssh", &err), -1);
    T_EQ(err.code, PL_E_NO_SUCH_CONFIG_RULE);
}

/* A full run walks every page of every type in scope (the read-ahead thread hands pages over
 * in order; partial last pages included): 700 groups and 600 volumes, every third untagged. */
static void test_full_run_pages(void)
{
    struct pl_err err = {0};
    struct pl_rec_opts o = {.mode = PL_REC_MODE_ALL, .account = ACCT, .region = REG};
    struct pl_rec_batch *b = pl_rec_batch_begin(st, &o, &err);
    T_REQUIRE(b != NULL);
    int64_t want_bad = 0;
    for (int i = 0; i < 1300; i++) {
        char ci[256];
        bool sg = i < 700;
        snprintf(ci, sizeof ci,
                 "{\"resourceType\":\"%s\",\"resourceId\":\"r-%04d\",\"configuration\":{},"
                 "\"tags\":{%s}}",
                 sg ? "AWS::EC2::SecurityGroup" : "AWS::EC2::Volume", i,
                 i % 3 ? "\"env\":\"prod\"" : "");
        want_bad += i % 3 == 0;
        struct pl_rec_result res;
        T_EQ(pl_rec_batch_add(b, J(ci), &res, &err), 0);
    }
    T_EQ(pl_rec_batch_commit(b, &err), 0);
    tick();
    T_EQ(put_rule("{\"ConfigRuleName\":\"tags\",\"Source\":{\"Owner\":\"AWS\","
                  "\"SourceIdentifier\":\"REQUIRED_TAGS\"},\"InputParameters\":"
                  "\"{\\\"tag1Key\\\":\\\"env\\\"}\",\"Scope\":{\"ComplianceResourceTypes\":"
                  "[\"AWS::EC2::SecurityGroup\",\"AWS::EC2::Volume\"]}}",
                  &err),
         0);
    for (int i = 0; i < 5; i++)
        tick();
    struct pl_store *ev = st;
    int64_t cnt[4] = {0};
    T_REQUIRE(ev != NULL);
    T_EQ(pl_store_eval_counts(ev, ACCT, REG, "tags", cnt, &err), 0);
    T_EQ(cnt[PL_EV_NON_COMPLIANT], want_bad);
    T_EQ(cnt[PL_EV_COMPLIANT], 1300 - want_bad);
}

#define RUN(fn)                                                                                    \
    do {                                                                                           \
        setup();                                                                                   \
        T_RUN(fn);                                                                                 \
        teardown();                                                                                \
    } while (0)


/* The rows one partition's backlog leaves to another: with a slice of one CI per partition per
 * round, account B's single change is judged in the first round while account A's 40 changes
 * take 40 rounds, and A's two versions of sg-1 are still judged in order. */

static int comp_in(const char *account, const char *id)
{
    struct pl_err err = {0};
    struct pl_store *ev = st;
    struct pl_ev_row r;
    if (!ev || pl_store_eval_get(ev, account, REG, "ssh", "AWS::EC2::SecurityGroup", id, &ar, &r,
                            &err) != 1)
        return -1;
    return (int)r.comp;
}

static void test_fair_share(void)
{
    const char *b = "222233334444";
    struct pl_err err = {0};
    pl_rules_stop(eng);
    struct pl_rules_options o = {.store_spec = dir, .no_thread = true, .slice_ms = -1};
    eng = pl_rules_start(&o, &err);
    T_OK(eng != NULL);
    set_recorder(true);
    T_EQ(put_rule(SSH_RULE, &err), 0);
    struct pl_rules_call c = call();
    c.account = b;
    T_EQ(pl_rules_put_rule(&c, J(SSH_RULE), NULL, &err), 0);
    tick(); /* the rules' first (empty) evaluations */
    record(SG_OPEN);
    for (int i = 0; i < 38; i++) {
        char ci[300];
        snprintf(ci, sizeof ci,
                 "{\"resourceType\":\"AWS::EC2::SecurityGroup\",\"resourceId\":\"sg-a%d\","
                 "\"configuration\":{\"groupId\":\"sg-a%d\",\"ipPermissions\":[]}}",
                 i, i);
        record(ci);
    }
    pl_clock_advance(1000);
    record(SG_FIXED); /* A's 40th change: a second version of sg-1 */
    record_in(b, SG_OPEN);
    tick();
    T_EQ(comp_in(b, "sg-1"), PL_EV_NON_COMPLIANT); /* B is not behind A's backlog */
    T_EQ(comp_in(ACCT, "sg-1"), PL_EV_NON_COMPLIANT);
    T_EQ(comp_in(ACCT, "sg-a0"), -1);
    int64_t pending = 0;
    T_EQ(pl_store_outbox_pending(st, PL_OUTBOX_CI_RECORDED, &pending, &err), 0);
    T_EQ(pending, 39);
    for (int i = 0; i < 100 && pending > 0; i++) {
        tick();
        T_EQ(pl_store_outbox_pending(st, PL_OUTBOX_CI_RECORDED, &pending, &err), 0);
    }
    T_EQ(pending, 0);
    T_EQ(comp_in(ACCT, "sg-a37"), PL_EV_COMPLIANT);
    T_EQ(comp_in(ACCT, "sg-1"), PL_EV_COMPLIANT); /* versions judged in order */
}

/* A result token expires PL_RULES_TOKEN_TTL_MS after its invocation (InvalidResultToken), and
 * the engine prunes expired tokens from the store. */
static void test_token_expiry(void)
{
    struct pl_err err = {0};
    T_EQ(put_rule(SSH_RULE, &err), 0);
    tick();
    struct pl_store *ev = st;
    T_OK(ev != NULL);
    T_EQ(pl_store_token_put(ev, "tok-old", ACCT, REG, "ssh", pl_now_ms(), &err), 0);
    pl_clock_advance(PL_RULES_TOKEN_TTL_MS - 1000);
    T_EQ(pl_store_token_put(ev, "tok-new", ACCT, REG, "ssh", pl_now_ms(), &err), 0);
    pl_clock_advance(2000);
    const char *evals = "[{\"ComplianceResourceType\":\"AWS::EC2::SecurityGroup\","
                        "\"ComplianceResourceId\":\"sg-9\",\"ComplianceType\":\"COMPLIANT\","
                        "\"OrderingTimestamp\":1700000000}]";
    struct pl_rules_call c = call();
    struct pl_json *failed = pl_json_new_arr(&ar);
    struct pl_err e1 = {0}, e2 = {0};
    T_EQ(pl_rules_put_evaluations(&c, "tok-old", J(evals), false, failed, &e1), -1);
    T_EQ(e1.code, PL_E_INVALID_RESULT_TOKEN);
    T_EQ(pl_rules_put_evaluations(&c, "tok-new", J(evals), false, failed, &e2), 0);
    tick(); /* prunes */
    const char *rule;
    int64_t invoked;
    T_EQ(pl_store_token_get(ev, "tok-old", ACCT, REG, &ar, &rule, &invoked, &err), 0);
    T_EQ(pl_store_token_get(ev, "tok-new", ACCT, REG, &ar, &rule, &invoked, &err), 1);
}

int main(void)
{
    RUN(test_change_trigger_and_history);
    RUN(test_recorder_stopped);
    RUN(test_scope_left_and_deleted);
    RUN(test_ordering);
    RUN(test_not_implemented);
    RUN(test_guard_policy);
    RUN(test_put_errors);
    RUN(test_arn_and_start);
    RUN(test_full_run_pages);
    RUN(test_fair_share);
    RUN(test_token_expiry);
    return T_EXIT();
}
