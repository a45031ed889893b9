/* test_worker.c — the delivery worker end to end on a real store and recorder, with the clock
 * moved by the test: CI notifications to a signed webhook in order (the CI stream follows
 * config_items from the cursor set at PutDeliveryChannel; "rules.ci_recorded" rows are the rules
 * engine's), oversized notifications, the rules engine's rows, a receiver that fails and
 * recovers (backoff schedule, topic blocked meanwhile, stream status), periodic snapshot and
 * history deliveries with their lifecycle messages, DeliverConfigSnapshot, a failing bucket
 * retried and visible in DescribeDeliveryChannelStatus. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"

#include "core/metrics.h"
#include "core/time.h"
#include "delivery/delivery_int.h"
#include "receiver.h"
#include "recorder/recorder.h"
#include "store/store.h"

#define ACCT  "123456789012"
#define REG   "us-east-1"
#define TOPIC "arn:aws:sns:us-east-1:123456789012:config-topic"
#define T0    1700000000000LL /* 2023-11-14T22:13:20Z */

static char dir[256];
static struct pl_store *S;
static struct pl_delivery *D;
static struct receiver R = {.secret = "s3cr3t", .keep_bodies = 1};
static struct pl_arena A;

static void record(const char *type, const char *id, const char *cfg)
{
    struct pl_err e = {0};
    struct pl_rec_opts o = {.mode = PL_REC_MODE_ALL, .account = ACCT, .region = REG};
    char *text = pl_arena_printf(&A, "{\"resourceType\":\"%s\",\"resourceId\":\"%s\","
                                     "\"configuration\":%s}",
                                 type, id, cfg);
    struct pl_rec_result res;
    int rc = pl_recorder_observe(S, &o, pl_json_parse(&A, text, strlen(text), &e), &res, &e);
    if (rc != 0)
        fprintf(stderr, "record: %s\n", e.msg);
    T_EQ(rc, 0);
}

static int tick(void)
{
    struct pl_err e = {0};
    int n = pl_delivery_tick(D, &e);
    if (n < 0)
        fprintf(stderr, "tick: %s\n", e.msg);
    return n;
}

/* The Message of the i-th received envelope. */
static struct pl_json *message(size_t i)
{
    struct pl_err e = {0};
    struct pl_json *env = pl_json_parse(&A, R.bodies[i], strlen(R.bodies[i]), &e);
    const struct pl_json *m = pl_json_get(env, "Message");
    return m ? pl_json_parse(&A, m->str, m->len, &e) : NULL;
}

static struct pl_json *status(void)
{
    return pl_delivery_status_json(D, &A, ACCT, REG, "default");
}

static void test_setup(void)
{
    struct pl_err e = {0};
    const char *ch = "{\"name\":\"default\",\"s3BucketName\":\"my-config-bucket-123456789012\","
                     "\"snsTopicARN\":\"" TOPIC "\",\"configSnapshotDeliveryProperties\":"
                     "{\"deliveryFrequency\":\"One_Hour\"}}";
    T_REQUIRE(pl_store_open(dir, 0, &S, &e) == 0);
    T_REQUIRE(receiver_start(&R) == 0);
    char *url = pl_arena_printf(&A, "http://127.0.0.1:%d/hook", R.port);
    T_EQ(pl_delivery_webhook_add(S, TOPIC, url, "s3cr3t", &e), 0);
    struct pl_delivery_options o = {.data_dir = dir, .no_thread = 1};
    D = pl_delivery_start(S, &o, &e);
    T_REQUIRE(D);
    struct pl_json *chj = pl_json_parse(&A, ch, strlen(ch), &e);
    T_EQ(pl_delivery_check_channel(D, ACCT, REG, chj, &e), 0);
    T_EQ(pl_store_obj_put(S, ACCT, REG, PL_KIND_CHANNEL, "default", ch, strlen(ch), &e), 0);
    T_EQ(pl_delivery_channel_put(D, ACCT, REG, chj, &e), 0);
    struct stat st;
    T_EQ(stat(pl_arena_printf(&A, "%s/buckets/my-config-bucket-123456789012/AWSLogs/" ACCT
                                  "/Config/ConfigWritabilityCheckFile",
                              dir),
              &st),
         0);
}

static void test_notifications_in_order(void)
{
    record("AWS::EC2::Instance", "i-1", "{\"state\":\"running\"}");
    record("AWS::EC2::Instance", "i-1", "{\"state\":\"stopped\"}");
    record("AWS::EC2::SecurityGroup", "sg-1", "{\"rules\":[]}");
    T_OK(tick() >= 3);
    T_EQ(receiver_count(&R), 3);
    T_EQ(R.bad_signatures, 0);
    static const char *const ids[] = {"i-1", "i-1", "sg-1"};
    static const char *const changes[] = {"CREATE", "UPDATE", "CREATE"};
    for (size_t i = 0; i < 3 && i < R.count; i++) {
        struct pl_json *m = message(i);
        T_REQUIRE(m);
        T_STR(pl_json_get_str(m, "messageType"), "ConfigurationItemChangeNotification");
        T_STR(pl_json_get_str(pl_json_get(m, "configurationItem"), "resourceId"), ids[i]);
        T_STR(pl_json_get_str(pl_json_get(m, "configurationItemDiff"), "changeType"), changes[i]);
        T_STR(pl_json_get_str(pl_json_get(m, "configurationItem"), "awsAccountId"), ACCT);
    }
    struct pl_json *m = message(1);
    T_OK(pl_json_get(pl_json_get(pl_json_get(m, "configurationItemDiff"), "changedProperties"),
                     "Configuration.State") != NULL);
    T_STR(pl_json_get_str(pl_json_get(status(), "configStreamDeliveryInfo"), "lastStatus"),
          "SUCCESS");
}

static void test_oversized(void)
{
    size_t before = receiver_count(&R);
    char *big = malloc(300 * 1024 + 16);
    memset(big, 'x', 300 * 1024);
    big[300 * 1024] = 0;
    record("AWS::EC2::Instance", "i-big", pl_arena_printf(&A, "{\"userData\":\"%s\"}", big));
    free(big);
    tick();
    T_REQUIRE(receiver_count(&R) == before + 1);
    struct pl_err e = {0};
    struct pl_json *env = pl_json_parse(&A, R.bodies[before], strlen(R.bodies[before]), &e);
    const char *text = pl_json_get_str(env, "Message");
    T_REQUIRE(text && strchr(text, '{'));
    T_OK(strlen(R.bodies[before]) < 256 * 1024);
    struct pl_json *m = pl_json_parse(&A, strchr(text, '{'), strlen(strchr(text, '{')), &e);
    T_STR(pl_json_get_str(m, "messageType"), "OversizedConfigurationItemChangeNotification");
    T_STR(pl_json_path(m, "configurationItemSummary.resourceId")->str, "i-big");
    const char *loc = pl_json_path(m, "s3DeliverySummary.s3BucketLocation")->str;
    T_OK(strstr(loc, "/OversizedChangeNotification/AWS::EC2::Instance/i-big/") != NULL);
    struct stat st;
    T_EQ(stat(pl_arena_printf(&A, "%s/buckets/%s", dir, loc), &st), 0);
}

/* The rules engine's rows: delivery.compliance (payload as compliance.c writes it) and
 * delivery.rules_started. */
static void test_rules_rows(void)
{
    size_t before = receiver_count(&R);
    struct pl_err e = {0};
    const char *comp =
        "{\"awsAccountId\":\"" ACCT "\",\"configRuleName\":\"r1\",\"configRuleARN\":"
        "\"arn:aws:config:us-east-1:" ACCT ":config-rule/config-rule-1\",\"resourceType\":"
        "\"AWS::EC2::Instance\",\"resourceId\":\"i-1\",\"awsRegion\":\"" REG "\","
        "\"newEvaluationResult\":{\"complianceType\":\"NON_COMPLIANT\"},"
        "\"oldEvaluationResult\":null,\"notificationCreationTime\":\"x\",\"recordVersion\":"
        "\"1.0\"}";
    const char *started = "{\"awsAccountId\":\"" ACCT "\",\"awsRegion\":\"" REG "\","
                          "\"configRuleNames\":[\"r1\"]}";
    T_EQ(pl_store_outbox_add(S, ACCT, REG, PL_OUTBOX_DELIVERY_COMPLIANCE, comp, strlen(comp), NULL, &e),
         0);
    T_EQ(pl_store_outbox_add(S, ACCT, REG, PL_OUTBOX_DELIVERY_RULES_STARTED, started, strlen(started),
                             NULL, &e),
         0);
    tick();
    T_REQUIRE(receiver_count(&R) == before + 2);
    struct pl_json *a = message(before), *b = message(before + 1);
    T_STR(pl_json_get_str(a, "messageType"), "ComplianceChangeNotification");
    T_STR(pl_json_get_str(a, "configRuleName"), "r1");
    T_STR(pl_json_path(a, "newEvaluationResult.complianceType")->str, "NON_COMPLIANT");
    T_STR(pl_json_get_str(b, "messageType"), "ConfigRulesEvaluationStarted");
    struct pl_json *env = pl_json_parse(&A, R.bodies[before], strlen(R.bodies[before]), &e);
    T_STR(pl_json_get_str(env, "Subject"),
          "[AWS Config:us-east-1] AWS::EC2::Instance i-1 is NON_COMPLIANT with r1 in Account "
          "123456789012");
}

static void test_fail_and_recover(void)
{
    size_t before = receiver_count(&R);
    R.fail = 2;
    record("AWS::EC2::SecurityGroup", "sg-1", "{\"rules\":[1]}");
    record("AWS::EC2::SecurityGroup", "sg-1", "{\"rules\":[1,2]}");
    tick(); /* attempt 1 fails: the topic waits 1 s, the second row waits behind it */
    T_EQ(receiver_count(&R), before);
    T_EQ(R.requests, before + 1);
    struct pl_json *st = pl_json_get(status(), "configStreamDeliveryInfo");
    T_STR(pl_json_get_str(st, "lastStatus"), "FAILURE");
    T_STR(pl_json_get_str(st, "lastErrorCode"), "HTTP500");
    tick(); /* still within the backoff: nothing sent */
    T_EQ(R.requests, before + 1);
    pl_clock_advance(1000);
    tick(); /* attempt 2 fails: next in 2 s */
    T_EQ(R.requests, before + 2);
    pl_clock_advance(1999);
    tick();
    T_EQ(R.requests, before + 2);
    pl_clock_advance(1);
    tick(); /* recovers: both rows, in order */
    for (size_t i = 0; getenv("DEBUG") && i < R.count; i++)
        fprintf(stderr, "%zu %s\n", i, R.bodies[i]);
    T_EQ(receiver_count(&R), before + 2);
    struct pl_json *a = message(before), *b = message(before + 1);
    T_REQUIRE(a && b);
    T_EQ(pl_json_path(a, "configurationItem.configuration.rules")->len, 1);
    T_EQ(pl_json_path(b, "configurationItem.configuration.rules")->len, 2);
    T_STR(pl_json_get_str(pl_json_get(status(), "configStreamDeliveryInfo"), "lastStatus"),
          "SUCCESS");
}

static size_t count_type(size_t from, const char *type)
{
    size_t n = 0;
    for (size_t i = from; i < receiver_count(&R); i++) {
        struct pl_json *m = message(i);
        n += m && strcmp(pl_json_get_str(m, "messageType"), type) == 0;
    }
    return n;
}

static void test_periodic(void)
{
    size_t before = receiver_count(&R);
    pl_clock_advance(3600 * 1000LL); /* One_Hour */
    tick();
    struct pl_json *snap = pl_json_get(status(), "configSnapshotDeliveryInfo");
    T_STR(pl_json_get_str(snap, "lastStatus"), "SUCCESS");
    double next = 0, last = 0;
    pl_json_double(pl_json_get(snap, "nextDeliveryTime"), &next);
    pl_json_double(pl_json_get(snap, "lastSuccessfulTime"), &last);
    T_EQ((int64_t)(next - last), 3600);
    T_EQ(count_type(before, "ConfigurationSnapshotDeliveryStarted"), 1);
    T_EQ(count_type(before, "ConfigurationSnapshotDeliveryCompleted"), 1);

    before = receiver_count(&R);
    pl_clock_advance(5 * 3600 * 1000LL); /* 6 h since the channel appeared: history */
    tick();
    struct pl_json *hist = pl_json_get(status(), "configHistoryDeliveryInfo");
    T_STR(pl_json_get_str(hist, "lastStatus"), "SUCCESS");
    T_EQ(count_type(before, "ConfigurationHistoryDeliveryCompleted"), 2); /* 2 types */
}

static void test_snapshot_now(void)
{
    char sid[37];
    struct pl_err e = {0};
    T_EQ(pl_delivery_snapshot_now(D, ACCT, REG, "default", sid, &e), 0);
    T_EQ(pl_delivery_snapshot_now(D, ACCT, REG, "nope", sid + 0, &e), -1);
    T_EQ(e.code, PL_E_NO_SUCH_DELIVERY_CHANNEL);
    size_t before = receiver_count(&R);
    tick();
    T_EQ(count_type(before, "ConfigurationSnapshotDeliveryCompleted"), 1);
    struct pl_json *m = message(receiver_count(&R) - 1);
    T_STR(pl_json_get_str(m, "configSnapshotId"), sid);
    const char *key = pl_json_get_str(m, "s3ObjectKey");
    struct stat st;
    T_EQ(stat(pl_arena_printf(&A, "%s/buckets/my-config-bucket-123456789012/%s", dir, key), &st),
         0);
}

static void test_bucket_failure(void)
{
    /* the bucket folder becomes a file: deliveries fail, are retried, show in the status */
    char *b = pl_arena_printf(&A, "%s/buckets/my-config-bucket-123456789012", dir);
    char *moved = pl_arena_printf(&A, "%s.away", b);
    T_EQ(rename(b, moved), 0);
    FILE *f = fopen(b, "w");
    fclose(f);
    pl_clock_advance(3600 * 1000LL);
    tick();
    struct pl_json *snap = pl_json_get(status(), "configSnapshotDeliveryInfo");
    T_STR(pl_json_get_str(snap, "lastStatus"), "FAILURE");
    T_OK(pl_json_get_str(snap, "lastErrorMessage") != NULL);
    double next = 0, att = 0;
    pl_json_double(pl_json_get(snap, "nextDeliveryTime"), &next);
    pl_json_double(pl_json_get(snap, "lastAttemptTime"), &att);
    T_EQ((int64_t)(next - att), 1); /* retried after the first backoff step */
    unlink(b);
    T_EQ(rename(moved, b), 0);
    pl_clock_advance(1000);
    tick();
    snap = pl_json_get(status(), "configSnapshotDeliveryInfo");
    T_STR(pl_json_get_str(snap, "lastStatus"), "SUCCESS");
    T_OK(pl_json_get(snap, "lastErrorCode") == NULL);
}

/* A notification the receiver refuses for more than a day is dropped and counted (so are the
 * snapshot lifecycle messages queued meanwhile, once a day old), and the topic's later
 * messages are delivered: the outbox does not grow without bound. */
static void test_expired(void)
{
    size_t before = receiver_count(&R);
    struct pl_err e = {0};
    const char *started = "{\"awsAccountId\":\"" ACCT "\",\"awsRegion\":\"" REG "\","
                          "\"configRuleNames\":[\"old\"]}";
    int64_t pending0 = 0, pending = 0;
    T_EQ(pl_store_outbox_pending(S, PL_OUTBOX_DELIVERY_RULES_STARTED, &pending0, &e), 0);
    T_EQ(pl_store_outbox_add(S, ACCT, REG, PL_OUTBOX_DELIVERY_RULES_STARTED, started,
                             strlen(started), NULL, &e), 0);
    int64_t expired0 = (int64_t)pl_metrics_value("plumb_delivery_expired_total", NULL);
    R.fail_always = 1;
    for (int i = 0; i < 400; i++) { /* ~25 h of retries at the 5 min backoff ceiling */
        tick();
        pl_clock_advance(300 * 1000LL);
    }
    T_EQ(count_type(before, "ConfigRulesEvaluationStarted"), 0);
    R.fail_always = 0;
    T_EQ(pl_store_outbox_pending(S, PL_OUTBOX_DELIVERY_RULES_STARTED, &pending, &e), 0);
    T_EQ(pending, pending0); /* dropped */
    T_OK((int64_t)pl_metrics_value("plumb_delivery_expired_total", NULL) >= expired0 + 1);
    T_EQ(pl_store_outbox_add(S, ACCT, REG, PL_OUTBOX_DELIVERY_RULES_STARTED, started,
                             strlen(started), NULL, &e), 0);
    tick();
    T_EQ(count_type(before, "ConfigRulesEvaluationStarted"), 1); /* the fresh one only */
}

int main(void)
{
    pl_arena_init(&A);
    pl_clock_set(T0);
    snprintf(dir, sizeof dir, "/tmp/pl-delivery-worker-XXXXXX");
    T_OK(mkdtemp(dir) != NULL);
    T_RUN(test_setup);
    if (D) {
        T_RUN(test_notifications_in_order);
        T_RUN(test_oversized);
        T_RUN(test_rules_rows);
        T_RUN(test_fail_and_recover);
        T_RUN(test_periodic);
        T_RUN(test_snapshot_now);
        T_RUN(test_bucket_failure);
        T_RUN(test_expired); /* last: it moves the clock by a day */
    }
    pl_delivery_stop(D);
    pl_store_close(S);
    receiver_stop(&R);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    T_OK(system(cmd) == 0);
    pl_arena_fini(&A);
    return T_EXIT();
}
