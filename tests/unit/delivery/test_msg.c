/* test_msg.c — the SNS messages against the real examples of the AWS Config developer guide
 * (../shared/data/config-items/aws-config-developer-guide/): same fields, same order, same
 * values where the inputs are the same; the envelope; subjects; dialect conversion; HMAC. */
#include <stdlib.h>

#include "t.h"

#include "core/time.h"
#include "core/util.h"
#include "delivery/delivery_int.h"

#define EXAMPLES PL_SHARED_DIR "/data/config-items/aws-config-developer-guide/"

static struct pl_arena A;

static struct pl_json *load(const char *name)
{
    char path[512];
    size_t n;
    snprintf(path, sizeof path, "%s%s", EXAMPLES, name);
    char *text = pl_read_file(path, 1 << 22, &n);
    if (!text)
        return NULL;
    struct pl_err e = {0};
    struct pl_json *j = pl_json_parse(&A, text, n, &e);
    free(text);
    return j;
}

static int64_t ms_of(const struct pl_json *o, const char *key)
{
    int64_t ms = 0;
    pl_time_parse(pl_json_get_str(o, key), &ms);
    return ms;
}

/* Same member names in the same order. */
static int same_keys(const struct pl_json *a, const struct pl_json *b)
{
    const struct pl_json *x = a->child, *y = b->child;
    for (; x && y; x = x->next, y = y->next)
        if (strcmp(x->key, y->key) != 0) {
            fprintf(stderr, "key %s != %s\n", x->key, y->key);
            return 0;
        }
    return !x && !y;
}

static void test_ci_change(void)
{
    struct pl_json *ex = load("example-sns-notification_3.json");
    T_REQUIRE(ex);
    struct pl_json *msg = pl_json_get(ex, "Message");
    struct pl_dmsg m;
    pl_delivery__msg_ci_change(&A, pl_json_get(msg, "configurationItem"),
                               pl_json_get(msg, "configurationItemDiff"),
                               ms_of(msg, "notificationCreationTime"), &m);
    T_OK(same_keys(m.body, msg));
    T_STR(m.type, "ConfigurationItemChangeNotification");
    T_STR(pl_json_get_str(m.body, "recordVersion"), "1.3");
    T_OK(pl_json_equal(pl_json_get(m.body, "configurationItem"),
                       pl_json_get(msg, "configurationItem")));
    T_OK(pl_json_equal(pl_json_get(m.body, "configurationItemDiff"),
                       pl_json_get(msg, "configurationItemDiff")));
    T_STR(pl_json_get_str(m.body, "notificationCreationTime"), "2017-01-09T22:50:16.021Z");
    T_STR(m.subject, pl_json_get_str(ex, "Subject"));
    /* without a stored diff: CREATE from ResourceDiscovered, as in the example */
    pl_delivery__msg_ci_change(&A, pl_json_get(msg, "configurationItem"), NULL, 0, &m);
    T_OK(pl_json_equal(pl_json_get(m.body, "configurationItemDiff"),
                       pl_json_get(msg, "configurationItemDiff")));
    /* an update of example 2 */
    struct pl_json *ex2 = load("example-sns-notification_2.json");
    T_REQUIRE(ex2);
    struct pl_json *msg2 = pl_json_get(ex2, "Message");
    pl_delivery__msg_ci_change(&A, pl_json_get(msg2, "configurationItem"),
                               pl_json_get(msg2, "configurationItemDiff"), 0, &m);
    T_STR(m.subject, pl_json_get_str(ex2, "Subject"));
}

static void test_lifecycle(void)
{
    struct pl_dmsg m;
    struct pl_json *ex = load("example-configuration-snapshot-notification_1.json"), *msg;
    T_REQUIRE(ex);
    msg = pl_json_get(ex, "Message");
    pl_delivery__msg_snapshot(&A, "Completed", "123456789012", "us-east-2",
                              pl_json_get_str(msg, "configSnapshotId"),
                              pl_json_get_str(msg, "s3Bucket"), pl_json_get_str(msg, "s3ObjectKey"),
                              NULL, ms_of(msg, "notificationCreationTime"), &m);
    T_OK(same_keys(m.body, msg));
    T_OK(pl_json_equal(m.body, msg));
    T_STR(m.subject, pl_json_get_str(ex, "Subject"));

    ex = load("example-configuration-snapshot-notification-started_1.json");
    T_REQUIRE(ex);
    msg = pl_json_get(ex, "Message");
    pl_delivery__msg_snapshot(&A, "Started", "123456789012", "us-east-2",
                              pl_json_get_str(msg, "configSnapshotId"), NULL, NULL, NULL,
                              ms_of(msg, "notificationCreationTime"), &m);
    T_OK(same_keys(m.body, msg));
    T_OK(pl_json_equal(m.body, msg));
    T_STR(m.subject, pl_json_get_str(ex, "Subject"));

    ex = load("example-configuration-history-notification_1.json");
    T_REQUIRE(ex);
    msg = pl_json_get(ex, "Message");
    pl_delivery__msg_history(&A, "123456789012", "us-east-2", pl_json_get_str(msg, "s3Bucket"),
                             pl_json_get_str(msg, "s3ObjectKey"),
                             ms_of(msg, "notificationCreationTime"), &m);
    T_OK(same_keys(m.body, msg));
    T_OK(pl_json_equal(m.body, msg));
    T_STR(m.subject, pl_json_get_str(ex, "Subject"));

    pl_delivery__msg_snapshot(&A, "Failed", "123456789012", "us-east-2", "id", "b", NULL,
                              "NoSuchBucket", 0, &m);
    T_STR(m.type, "ConfigurationSnapshotDeliveryFailed");
    T_STR(m.subject,
          "[AWS Config:us-east-2] Configuration Snapshot Delivery Failed for Account 123456789012");
}

static void test_compliance(void)
{
    struct pl_json *ex = load("example-config-rule-compliance-notification_1.json");
    T_REQUIRE(ex);
    struct pl_json *msg = pl_json_get(ex, "Message");
    struct pl_dmsg m;
    pl_delivery__msg_compliance(&A, msg, ms_of(msg, "notificationCreationTime"), &m);
    T_OK(same_keys(m.body, msg));
    T_OK(pl_json_equal(m.body, msg));
    T_STR(m.subject, pl_json_get_str(ex, "Subject")); /* cut at 100 characters like AWS */
    T_EQ(strlen(m.subject), 100);

    const char *names = "[\"r1\",\"r2\"]";
    struct pl_err e = {0};
    pl_delivery__msg_rules_started(&A, "123456789012", "us-east-1",
                                   pl_json_parse(&A, names, strlen(names), &e), 0, &m);
    T_STR(m.type, "ConfigRulesEvaluationStarted");
    T_EQ(pl_json_get(m.body, "configRuleNames")->len, 2);
}

/* A file-form CI carrying the fields of an oversized example's summary. */
static struct pl_json *ci_from_summary(const struct pl_json *sum)
{
    struct pl_json *ci = pl_json_clone(&A, sum);
    pl_json_del(ci, "changeType");
    pl_json_set(&A, ci, "configuration", pl_json_new_obj(&A));
    pl_json_set(&A, ci, "relationships", pl_json_new_arr(&A));
    return ci;
}

static void test_oversized(void)
{
    static const char *const files[] = {"oversized-notification-example_1.json",
                                        "notification-delivery-failed_1.json"};
    for (int i = 0; i < 2; i++) {
        struct pl_json *ex = load(files[i]);
        T_REQUIRE(ex);
        struct pl_json *sum = pl_json_get(ex, "configurationItemSummary");
        struct pl_json *s3 = pl_json_get(ex, "s3DeliverySummary");
        struct pl_dmsg m;
        pl_delivery__msg_oversized(
            &A, ci_from_summary(sum), pl_json_get_str(sum, "changeType"),
            pl_json_get_str(s3, "s3BucketLocation"), pl_json_get_str(s3, "errorCode"),
            pl_json_get_str(s3, "errorMessage"), ms_of(ex, "notificationCreationTime"), &m);
        T_OK(same_keys(m.body, ex));
        T_OK(pl_json_equal(m.body, ex));
        /* the Message text embeds the summary JSON after AWS's explanation */
        const char *text = pl_delivery__msg_text(&A, &m);
        T_OK(strstr(text, "New State Record Summary:") != NULL);
        struct pl_err e = {0};
        const char *brace = strchr(text, '{');
        T_OK(pl_json_equal(pl_json_parse(&A, brace, strlen(brace), &e), ex));
    }
}

static void test_envelope(void)
{
    struct pl_json *ex = load("example-configuration-snapshot-notification_1.json");
    T_REQUIRE(ex);
    struct pl_dmsg m;
    pl_delivery__msg_history(&A, "123456789012", "us-east-2", "b", "k", 0, &m);
    struct pl_json *env = pl_delivery__msg_envelope(&A, &m, "arn:aws:sns:us-east-2:123456789012:t",
                                                    "mid", ms_of(ex, "Timestamp"));
    T_OK(same_keys(env, ex));
    T_STR(pl_json_get_str(env, "Type"), "Notification");
    T_STR(pl_json_get_str(env, "Timestamp"), "2016-09-27T18:39:40.062Z");
    T_STR(pl_json_get_str(env, "SignatureVersion"), "1");
    const struct pl_json *text = pl_json_get(env, "Message");
    T_EQ(text->type, PL_JSTR); /* a JSON string, as SNS delivers it */
    struct pl_err e = {0};
    T_OK(pl_json_equal(pl_json_parse(&A, text->str, text->len, &e), m.body));
}

static void test_dialects(void)
{
    const char *api =
        "{\"version\":\"1.3\",\"accountId\":\"123456789012\",\"configurationItemCaptureTime\":"
        "1484002215.156,\"configurationItemStatus\":\"OK\",\"configurationStateId\":"
        "\"1484002215156\",\"configurationItemMD5Hash\":\"\",\"arn\":\"arn:aws:ec2:x\","
        "\"resourceType\":\"AWS::EC2::Volume\",\"resourceId\":\"vol-1\",\"awsRegion\":"
        "\"us-east-2\",\"availabilityZone\":\"us-east-2a\",\"resourceCreationTime\":1.5,"
        "\"tags\":{\"a\":\"b\"},\"relatedEvents\":[],\"relationships\":[{\"resourceType\":"
        "\"AWS::EC2::Instance\",\"resourceId\":\"i-1\",\"relationshipName\":\"Attached to "
        "Instance\"}],\"configuration\":\"{\\\"size\\\":100000000000000000001}\","
        "\"supplementaryConfiguration\":{\"X\":\"{\\\"y\\\":true}\"}}";
    struct pl_err e = {0};
    struct pl_json *ci = pl_delivery__ci_file_form(&A, pl_json_parse(&A, api, strlen(api), &e), &e);
    T_REQUIRE(ci);
    T_STR(pl_json_get_str(ci, "awsAccountId"), "123456789012");
    T_STR(pl_json_get_str(ci, "ARN"), "arn:aws:ec2:x");
    T_STR(pl_json_get_str(ci, "configurationItemVersion"), "1.3");
    T_STR(pl_json_get_str(ci, "configurationItemCaptureTime"), "2017-01-09T22:50:15.156Z");
    T_STR(pl_json_get_str(ci, "resourceCreationTime"), "1970-01-01T00:00:01.500Z");
    T_STR(pl_json_path(ci, "configuration.size")->str, "100000000000000000001");
    T_STR(pl_json_path(ci, "configurationStateId")->str, "1484002215156");
    T_OK(pl_json_truthy(pl_json_path(ci, "supplementaryConfiguration.X.y")));
    T_STR(pl_json_get_str(pl_json_at(pl_json_get(ci, "relationships"), 0), "name"),
          "Attached to Instance");
    T_OK(pl_json_get(ci, "resourceName")->type == PL_JNULL);
    /* the file form passes through unchanged */
    struct pl_json *again = pl_delivery__ci_file_form(&A, ci, &e);
    T_OK(pl_json_equal(again, ci));
}

static void test_hmac(void)
{
    char sig[72];
    const char *body = "The quick brown fox jumps over the lazy dog";
    pl_delivery__webhook_signature("key", body, strlen(body), sig);
    T_STR(sig, "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

static void test_subject_cut(void)
{
    char s[300];
    memset(s, 'x', 299);
    s[299] = 0;
    const char *c = pl_delivery__msg_subject_cut(&A, s);
    T_EQ(strlen(c), 100);
    T_STR(c + 97, "...");
    T_STR(pl_delivery__msg_subject_cut(&A, "short"), "short");
    /* 96 bytes of x, then two-byte characters: the cut (at 97 bytes) falls inside one, which is
     * dropped so the subject stays valid UTF-8 */
    for (int i = 96; i + 2 < 299; i += 2)
        memcpy(s + i, "\xc3\xa9", 2);
    s[298] = 0;
    c = pl_delivery__msg_subject_cut(&A, s);
    T_EQ(strlen(c), 99);
    T_STR(c + 96, "...");
}

int main(void)
{
    pl_arena_init(&A);
    T_RUN(test_ci_change);
    T_RUN(test_lifecycle);
    T_RUN(test_compliance);
    T_RUN(test_oversized);
    T_RUN(test_envelope);
    T_RUN(test_dialects);
    T_RUN(test_hmac);
    T_RUN(test_subject_cut);
    pl_arena_fini(&A);
    return T_EXIT();
}
