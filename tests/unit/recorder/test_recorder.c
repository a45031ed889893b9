/* test_recorder.c — recorder: dedupe (key order), versions and configurationStateId, status
 * transitions (discovered / OK / deleted / rediscovered), recording group semantics,
 * identity-only ResourceNotRecorded CIs for types outside the group, PutResourceConfig /
 * DeleteResourceConfig, outbox rows written atomically with CIs, batches,
 * rendering, retention enforcement, recordingMode DAILY (hold and flush). */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "core/time.h"
#include "recorder/recorder.h"

static struct pl_arena A;

static struct pl_store *fresh(void)
{
    char *d = pl_arena_strdup(&A, "/tmp/pl_test_rec_XXXXXX");
    if (!mkdtemp(d))
        abort();
    struct pl_store *s = NULL;
    struct pl_err err = {0};
    if (pl_store_open(d, 0, &s, &err) < 0)
        abort();
    return s;
}

static struct pl_json *J(const char *text)
{
    struct pl_err err = {0};
    struct pl_json *j = pl_json_parse(&A, text, strlen(text), &err);
    if (!j) {
        fprintf(stderr, "bad test JSON: %s\n%s\n", err.msg, text);
        abort();
    }
    return j;
}

static int observe(struct pl_store *s, enum pl_rec_mode mode, const char *ci,
                   struct pl_rec_result *res)
{
    struct pl_err err = {0};
    struct pl_rec_opts o = {.mode = mode};
    int rc = pl_recorder_observe(s, &o, J(ci), res, &err);
    if (rc < 0)
        fprintf(stderr, "observe: %s\n", err.msg);
    return rc;
}

static int64_t pending(struct pl_store *s)
{
    int64_t n = 0;
    struct pl_err err = {0};
    pl_store_outbox_pending(s, PL_OUTBOX_CI_RECORDED, &n, &err);
    return n;
}

/* Puts a config rule object in the default partition: with rules, every recorded CI queues a
 * "rules.ci_recorded" row for the rules engine (without rules nothing consumes one). */
static void with_rule(struct pl_store *s)
{
    struct pl_err err = {0};
    T_EQ(pl_store_obj_put(s, "123456789012", "us-east-1", PL_KIND_CONFIG_RULE, "r", "{}", 2,
                          &err),
         0);
}

#define CI1 "{\"resourceType\":\"AWS::EC2::VPC\",\"resourceId\":\"vpc-1\",\"awsRegion\":\"us-east-1\"," \
            "\"accountId\":\"123456789012\",\"configuration\":{\"cidrBlock\":\"10.0.0.0/16\"," \
            "\"state\":{\"name\":\"available\",\"code\":16},\"tags\":[]},\"tags\":{\"a\":\"1\"}}"
/* same content, other key order, configuration as a string (API form) */
#define CI1_REORDERED                                                                        \
    "{\"tags\":{\"a\":\"1\"},\"configuration\":\"{\\\"tags\\\":[],\\\"state\\\":{\\\"code\\\":16," \
    "\\\"name\\\":\\\"available\\\"},\\\"cidrBlock\\\":\\\"10.0.0.0/16\\\"}\","                     \
    "\"awsAccountId\":\"123456789012\",\"resourceId\":\"vpc-1\",\"resourceType\":\"AWS::EC2::VPC\"," \
    "\"awsRegion\":\"us-east-1\"}"
#define CI1_CHANGED                                                                          \
    "{\"resourceType\":\"AWS::EC2::VPC\",\"resourceId\":\"vpc-1\",\"awsRegion\":\"us-east-1\","   \
    "\"accountId\":\"123456789012\",\"configuration\":{\"cidrBlock\":\"10.0.0.0/16\","            \
    "\"state\":{\"name\":\"pending\",\"code\":16},\"tags\":[]},\"tags\":{\"a\":\"1\"}}"
#define CI1_DELETED                                                                          \
    "{\"resourceType\":\"AWS::EC2::VPC\",\"resourceId\":\"vpc-1\",\"awsRegion\":\"us-east-1\","   \
    "\"accountId\":\"123456789012\",\"configurationItemStatus\":\"ResourceDeleted\"}"

static void test_versions_and_dedupe(void)
{
    struct pl_store *s = fresh();
    with_rule(s);
    struct pl_rec_result r;
    pl_clock_set(1700000000000);
    T_EQ(observe(s, PL_REC_MODE_ALL, CI1, &r), 0);
    T_EQ(r.outcome, PL_REC_RECORDED);
    T_STR(r.status, PL_CI_DISCOVERED);
    T_EQ(r.state_id, 1700000000000);
    int64_t first_seq = r.seq;

    T_EQ(observe(s, PL_REC_MODE_ALL, CI1_REORDERED, &r), 0);
    T_EQ(r.outcome, PL_REC_UNCHANGED);
    T_EQ(r.seq, first_seq);

    /* a change in the same millisecond still gets a larger configurationStateId */
    T_EQ(observe(s, PL_REC_MODE_ALL, CI1_CHANGED, &r), 0);
    T_EQ(r.outcome, PL_REC_RECORDED);
    T_STR(r.status, PL_CI_OK);
    T_EQ(r.state_id, 1700000000001);

    struct pl_err err = {0};
    struct pl_ci_row row;
    T_EQ(pl_store_ci_get(s, r.seq, &A, &row, &err), 1);
    T_STR(row.diff, "{\"changedProperties\":{\"Configuration.State.Name\":{\"previousValue\":"
                    "\"available\",\"updatedValue\":\"pending\",\"changeType\":\"UPDATE\"}},"
                    "\"changeType\":\"UPDATE\"}");
    pl_clock_advance(1000);
    T_EQ(observe(s, PL_REC_MODE_ALL, CI1_DELETED, &r), 0);
    T_EQ(r.outcome, PL_REC_RECORDED);
    T_STR(r.status, PL_CI_DELETED);
    T_EQ(pl_store_ci_get(s, r.seq, &A, &row, &err), 1);
    T_STR(row.diff, "{\"changedProperties\":{},\"changeType\":\"DELETE\"}");
    T_EQ(observe(s, PL_REC_MODE_ALL, CI1_DELETED, &r), 0);
    T_EQ(r.outcome, PL_REC_UNCHANGED);
    struct pl_resource res;
    T_EQ(pl_store_resource_get(s, "123456789012", "us-east-1", "AWS::EC2::VPC", "vpc-1", &A,
                               &res, &err), 1);
    T_OK(res.deleted);
    T_EQ(res.versions, 3);
    /* back again: rediscovered */
    pl_clock_advance(1000);
    T_EQ(observe(s, PL_REC_MODE_ALL, CI1, &r), 0);
    T_STR(r.status, PL_CI_DISCOVERED);
    T_EQ(pl_store_ci_get(s, r.seq, &A, &row, &err), 1);
    T_STR(row.diff, "{\"changedProperties\":{},\"changeType\":\"CREATE\"}");
    T_EQ(pending(s), 4);
    pl_clock_real();
    pl_store_close(s);
}

static void test_source_times(void)
{
    struct pl_store *s = fresh();
    struct pl_err err = {0};
    struct pl_rec_opts o = {.mode = PL_REC_MODE_IMPORT, .use_source_time = true};
    struct pl_rec_result r;
    T_EQ(pl_recorder_observe(s, &o, J("{\"resourceType\":\"AWS::S3::Bucket\",\"resourceId\":\"b\","
                                      "\"configurationItemCaptureTime\":\"2020-01-01T00:00:00.5Z\","
                                      "\"configuration\":{\"x\":1}}"),
                             &r, &err), 0);
    T_EQ(r.outcome, PL_REC_RECORDED);
    T_EQ(r.capture_ms, 1577836800500);
    T_STR(r.account, "123456789012");
    T_STR(r.region, "us-east-1");
    /* older than the latest: stale */
    T_EQ(pl_recorder_observe(s, &o, J("{\"resourceType\":\"AWS::S3::Bucket\",\"resourceId\":\"b\","
                                      "\"configurationItemCaptureTime\":1577836000,"
                                      "\"configuration\":{\"x\":2}}"),
                             &r, &err), 0);
    T_EQ(r.outcome, PL_REC_STALE);
    /* epoch-number time, newer */
    T_EQ(pl_recorder_observe(s, &o, J("{\"resourceType\":\"AWS::S3::Bucket\",\"resourceId\":\"b\","
                                      "\"configurationItemCaptureTime\":1577836900.25,"
                                      "\"configuration\":{\"x\":3}}"),
                             &r, &err), 0);
    T_EQ(r.outcome, PL_REC_RECORDED);
    T_EQ(r.capture_ms, 1577836900250);
    pl_store_close(s);
}

/* The recorder object with recordingGroup group and recordingMode mode (NULL: none). */
static void put_recorder_mode(struct pl_store *s, const char *group, const char *mode,
                              bool running)
{
    struct pl_err err = {0};
    char *rec = pl_arena_printf(&A,
                                "{\"name\":\"default\",\"roleARN\":\"arn:aws:iam::123456789012:"
                                "role/r\",\"recordingGroup\":%s%s%s}",
                                group, mode ? ",\"recordingMode\":" : "", mode ? mode : "");
    pl_store_obj_put(s, "123456789012", "us-east-1", PL_KIND_RECORDER, "default", rec,
                     strlen(rec), &err);
    const char *st = running ? "{\"name\":\"default\",\"recording\":true}"
                             : "{\"name\":\"default\",\"recording\":false}";
    pl_store_obj_put(s, "123456789012", "us-east-1", PL_KIND_RECORDER_STATUS, "default", st,
                     strlen(st), &err);
}

static void put_recorder(struct pl_store *s, const char *group, bool running)
{
    put_recorder_mode(s, group, NULL, running);
}

static enum pl_rec_outcome try_type(struct pl_store *s, enum pl_rec_mode mode, const char *type)
{
    struct pl_rec_result r;
    char *ci = pl_arena_printf(&A, "{\"resourceType\":\"%s\",\"resourceId\":\"x-%ld\","
                                   "\"configuration\":{}}",
                               type, random());
    if (observe(s, mode, ci, &r) < 0)
        return (enum pl_rec_outcome)-1;
    return r.outcome;
}

static void test_recording_group(void)
{
    struct pl_store *s = fresh();
    /* no recorder */
    T_EQ(try_type(s, PL_REC_MODE_RECORDER, "AWS::EC2::VPC"), PL_REC_NOT_RECORDED);
    T_EQ(try_type(s, PL_REC_MODE_IMPORT, "AWS::EC2::VPC"), PL_REC_RECORDED);
    /* stopped */
    put_recorder(s, "{\"allSupported\":true}", false);
    T_EQ(try_type(s, PL_REC_MODE_RECORDER, "AWS::EC2::VPC"), PL_REC_NOT_RECORDED);
    T_EQ(try_type(s, PL_REC_MODE_IMPORT, "AWS::EC2::VPC"), PL_REC_NOT_RECORDED);
    T_EQ(try_type(s, PL_REC_MODE_ALL, "AWS::EC2::VPC"), PL_REC_RECORDED);
    /* all supported, no global types */
    put_recorder(s, "{\"allSupported\":true,\"includeGlobalResourceTypes\":false}", true);
    T_EQ(try_type(s, PL_REC_MODE_RECORDER, "AWS::EC2::VPC"), PL_REC_RECORDED);
    T_EQ(try_type(s, PL_REC_MODE_RECORDER, "AWS::IAM::Role"), PL_REC_IDENTITY_ONLY);
    put_recorder(s, "{\"allSupported\":true,\"includeGlobalResourceTypes\":true}", true);
    T_EQ(try_type(s, PL_REC_MODE_RECORDER, "AWS::IAM::Role"), PL_REC_RECORDED);
    /* inclusion */
    put_recorder(s, "{\"allSupported\":false,\"resourceTypes\":[\"AWS::S3::Bucket\"]}", true);
    T_EQ(try_type(s, PL_REC_MODE_RECORDER, "AWS::S3::Bucket"), PL_REC_RECORDED);
    T_EQ(try_type(s, PL_REC_MODE_RECORDER, "AWS::EC2::VPC"), PL_REC_IDENTITY_ONLY);
    /* third-party types are recorded whatever the group says */
    T_EQ(try_type(s, PL_REC_MODE_RECORDER, "MyCompany::App::Thing"), PL_REC_RECORDED);
    /* exclusion */
    put_recorder(s, "{\"allSupported\":false,\"exclusionByResourceTypes\":{\"resourceTypes\":"
                    "[\"AWS::EC2::VPC\"]},\"recordingStrategy\":{\"useOnly\":"
                    "\"EXCLUSION_BY_RESOURCE_TYPES\"}}",
                 true);
    T_EQ(try_type(s, PL_REC_MODE_RECORDER, "AWS::EC2::VPC"), PL_REC_IDENTITY_ONLY);
    T_EQ(try_type(s, PL_REC_MODE_RECORDER, "AWS::S3::Bucket"), PL_REC_RECORDED);
    pl_store_close(s);
}

/* A volume with every identity field and a configuration, tags and relationships; status
 * (NULL: none) as the input says. */
static const char *volume(const char *id, const char *size, const char *status)
{
    return pl_arena_printf(
        &A,
        "{\"resourceType\":\"AWS::EC2::Volume\",\"resourceId\":\"%s\",\"resourceName\":\"data\","
        "\"ARN\":\"arn:aws:ec2:us-east-1:123456789012:volume/%s\",\"availabilityZone\":"
        "\"us-east-1a\",\"resourceCreationTime\":\"2024-01-02T03:04:05.000Z\","
        "\"configuration\":{\"size\":%s,\"encrypted\":false},\"tags\":{\"env\":\"dev\"},"
        "\"relationships\":[{\"name\":\"Is attached to Instance\",\"resourceType\":"
        "\"AWS::EC2::Instance\",\"resourceId\":\"i-1\"}]%s%s%s}",
        id, id, size, status ? ",\"configurationItemStatus\":\"" : "", status ? status : "",
        status ? "\"" : "");
}

#define EXCLUDE_VOLUMES                                                                            \
    "{\"allSupported\":false,\"exclusionByResourceTypes\":{\"resourceTypes\":"                     \
    "[\"AWS::EC2::Volume\"]},\"recordingStrategy\":{\"useOnly\":\"EXCLUSION_BY_RESOURCE_TYPES\"}}"

static int64_t outbox_rows(struct pl_store *s)
{
    int64_t n = -1;
    struct pl_err err = {0};
    pl_store_outbox_pending(s, PL_OUTBOX_ANY, &n, &err);
    return n;
}

static struct pl_resource volume_state(struct pl_store *s, const char *id)
{
    struct pl_resource res = {0};
    struct pl_err err = {0};
    T_EQ(pl_store_resource_get(s, "123456789012", "us-east-1", "AWS::EC2::Volume", id, &A, &res,
                               &err),
         1);
    return res;
}

/* Observes ci in mode and checks the outcome and, when a CI was written, its status. */
static void expect(struct pl_store *s, enum pl_rec_mode mode, const char *ci,
                   enum pl_rec_outcome outcome, const char *status)
{
    struct pl_rec_result r;
    T_EQ(observe(s, mode, ci, &r), 0);
    T_EQ(r.outcome, outcome);
    if (status)
        T_STR(r.status, status);
}

/* The identity-only CI of an excluded type: configuration, tags, relationships and
 * supplementaryConfiguration dropped, the identity kept, no configuration in the API form. */
static void check_identity_only(struct pl_store *s, const char *id)
{
    struct pl_err err = {0};
    struct pl_ci_row row;
    T_EQ(pl_store_ci_latest(s, "123456789012", "us-east-1", "AWS::EC2::Volume", id, &A, &row, &err),
         1);
    struct pl_json *api = pl_ci_render_api(&A, &row, &err);
    T_REQUIRE(api != NULL);
    T_STR(pl_json_get_str(api, "configurationItemStatus"), PL_CI_NOT_RECORDED);
    T_OK(pl_json_get(api, "configuration") == NULL);
    T_EQ(pl_json_get(api, "tags")->len, 0);
    T_EQ(pl_json_get(api, "relationships")->len, 0);
    T_EQ(pl_json_get(api, "supplementaryConfiguration")->len, 0);
    T_STR(pl_json_get_str(api, "resourceName"), "data");
    T_STR(pl_json_get_str(api, "availabilityZone"), "us-east-1a");
    T_STR(pl_json_get_str(api, "arn"),
          pl_arena_printf(&A, "arn:aws:ec2:us-east-1:123456789012:volume/%s", id));
    T_OK(pl_json_is(pl_json_get(api, "resourceCreationTime"), PL_JNUM));
    struct pl_json *file = pl_ci_render_file(&A, &row, &err);
    T_OK(pl_json_is(pl_json_get(file, "configuration"), PL_JNULL));
}

/* Types outside the running recorder's recording group: one identity-only ResourceNotRecorded
 * CI, nothing for the same identity again, ResourceDeletedNotRecorded for a known resource's
 * deletion, no rule work or notification, not counted, not current for rules; back in the
 * group, a normal CI (ResourceDiscovered). */
static void test_not_recorded(void)
{
    struct pl_store *s = fresh();
    struct pl_err err = {0};
    with_rule(s);
    const char *ch = "{\"name\":\"default\",\"snsTopicARN\":\"arn:aws:sns:us-east-1:"
                     "123456789012:config\"}";
    pl_store_obj_put(s, "123456789012", "us-east-1", PL_KIND_CHANNEL, "default", ch, strlen(ch),
                     &err);
    put_recorder(s, EXCLUDE_VOLUMES, true);
    expect(s, PL_REC_MODE_IMPORT, volume("vol-1", "8", NULL), PL_REC_IDENTITY_ONLY,
           PL_CI_NOT_RECORDED);
    check_identity_only(s, "vol-1");
    T_EQ(outbox_rows(s), 0);
    /* another configuration, same identity: nothing */
    expect(s, PL_REC_MODE_RECORDER, volume("vol-1", "16", NULL), PL_REC_NOT_RECORDED, NULL);
    T_EQ(volume_state(s, "vol-1").versions, 1);
    /* listed, but neither counted nor current for rules */
    struct pl_list_q q = {.account = "123456789012",
                          .region = "us-east-1",
                          .resource_type = "AWS::EC2::Volume",
                          .limit = 10};
    struct pl_resource *items;
    size_t n;
    char *next;
    T_EQ(pl_store_resources_list(s, &q, &A, &items, &n, &next, &err), 0);
    T_EQ(n, 1);
    struct pl_type_count *counts;
    int64_t total;
    T_EQ(pl_store_resource_counts(s, "123456789012", "us-east-1", NULL, 0, 100, NULL, &A, &counts,
                                  &n, &total, &next, &err),
         0);
    T_EQ(total, 0);
    struct pl_ci_row *rows;
    T_EQ(pl_store_current_cis(s, "123456789012", "us-east-1", "AWS::EC2::Volume", NULL, 0, &A,
                              &rows, &n, &err),
         0);
    T_EQ(n, 0);
    /* deletion of the known resource, once; of an unknown one, nothing */
    expect(s, PL_REC_MODE_RECORDER, volume("vol-1", "16", PL_CI_DELETED), PL_REC_IDENTITY_ONLY,
           PL_CI_DELETED_NOT_RECORDED);
    expect(s, PL_REC_MODE_RECORDER, volume("vol-1", "16", PL_CI_DELETED), PL_REC_NOT_RECORDED,
           NULL);
    T_OK(volume_state(s, "vol-1").deleted);
    expect(s, PL_REC_MODE_RECORDER, volume("vol-9", "1", PL_CI_DELETED), PL_REC_NOT_RECORDED, NULL);
    T_EQ(outbox_rows(s), 0);

    /* recorded fully, then excluded: one ResourceNotRecorded version */
    put_recorder(s, "{\"allSupported\":true}", true);
    expect(s, PL_REC_MODE_RECORDER, volume("vol-2", "8", NULL), PL_REC_RECORDED, PL_CI_DISCOVERED);
    T_EQ(outbox_rows(s), 2); /* rules.ci_recorded + delivery.ci */
    put_recorder(s, EXCLUDE_VOLUMES, true);
    expect(s, PL_REC_MODE_RECORDER, volume("vol-2", "8", NULL), PL_REC_IDENTITY_ONLY,
           PL_CI_NOT_RECORDED);
    expect(s, PL_REC_MODE_RECORDER, volume("vol-2", "8", NULL), PL_REC_NOT_RECORDED, NULL);
    T_EQ(volume_state(s, "vol-2").versions, 2);
    T_EQ(outbox_rows(s), 2);
    /* back in the group: rediscovered, with its rule work and notification */
    put_recorder(s, "{\"allSupported\":true}", true);
    expect(s, PL_REC_MODE_RECORDER, volume("vol-2", "8", NULL), PL_REC_RECORDED, PL_CI_DISCOVERED);
    expect(s, PL_REC_MODE_RECORDER, volume("vol-2", "9", NULL), PL_REC_RECORDED, PL_CI_OK);
    T_EQ(outbox_rows(s), 6);
    T_EQ(volume_state(s, "vol-2").versions, 4);
    /* an input that says it was not recorded (an AWS history file) stays so, even with --all */
    expect(s, PL_REC_MODE_ALL, volume("vol-3", "8", PL_CI_NOT_RECORDED), PL_REC_IDENTITY_ONLY,
           PL_CI_NOT_RECORDED);
    T_EQ(outbox_rows(s), 6);
    pl_store_close(s);
}

static void test_put_resource_config(void)
{
    struct pl_store *s = fresh();
    struct pl_err err = {0};
    struct pl_rec_result r;
    const char *body = "{\"ResourceType\":\"MyCompany::App::Thing\",\"SchemaVersionId\":\"1\","
                       "\"ResourceId\":\"t-1\",\"ResourceName\":\"thing\","
                       "\"Configuration\":\"{\\\"size\\\":1}\",\"Tags\":{\"env\":\"dev\"}}";
    T_EQ(pl_recorder_put_resource_config(s, "123456789012", "eu-west-1", J(body), &r, &err), -1);
    T_EQ(err.code, PL_E_NO_RUNNING_CONFIGURATION_RECORDER);
    pl_err_clear(&err);
    pl_store_obj_put(s, "123456789012", "eu-west-1", PL_KIND_RECORDER, "default",
                     "{\"name\":\"default\"}", 18, &err);
    pl_store_obj_put(s, "123456789012", "eu-west-1", PL_KIND_RECORDER_STATUS, "default",
                     "{\"recording\":true}", 18, &err);
    T_EQ(pl_recorder_put_resource_config(s, "123456789012", "eu-west-1", J(body), &r, &err), 0);
    T_EQ(r.outcome, PL_REC_RECORDED);
    T_STR(r.region, "eu-west-1");
    T_EQ(pl_recorder_put_resource_config(s, "123456789012", "eu-west-1", J(body), &r, &err), 0);
    T_EQ(r.outcome, PL_REC_UNCHANGED);
    /* AWS types are refused, so is a non-string Configuration */
    T_EQ(pl_recorder_put_resource_config(
             s, "123456789012", "eu-west-1",
             J("{\"ResourceType\":\"AWS::EC2::VPC\",\"SchemaVersionId\":\"1\",\"ResourceId\":"
               "\"v\",\"Configuration\":\"{}\"}"),
             &r, &err), -1);
    T_EQ(err.code, PL_E_VALIDATION);
    pl_err_clear(&err);
    T_EQ(pl_recorder_put_resource_config(
             s, "123456789012", "eu-west-1",
             J("{\"ResourceType\":\"My::T::X\",\"SchemaVersionId\":\"1\",\"ResourceId\":"
               "\"v\",\"Configuration\":{}}"),
             &r, &err), -1);
    T_EQ(err.code, PL_E_VALIDATION);
    pl_err_clear(&err);
    T_EQ(pl_recorder_put_resource_config(
             s, "123456789012", "eu-west-1",
             J("{\"ResourceType\":\"My::T::X\",\"SchemaVersionId\":\"1\",\"ResourceId\":"
               "\"v\",\"Configuration\":\"not json\"}"),
             &r, &err), -1);
    T_EQ(err.code, PL_E_VALIDATION);
    pl_err_clear(&err);

    /* render the stored CI in the API form */
    struct pl_ci_row row;
    T_EQ(pl_store_ci_latest(s, "123456789012", "eu-west-1", "MyCompany::App::Thing", "t-1", &A,
                            &row, &err), 1);
    struct pl_json *api = pl_ci_render_api(&A, &row, &err);
    T_REQUIRE(api != NULL);
    T_STR(pl_json_get_str(api, "version"), "1.3");
    T_STR(pl_json_get_str(api, "configuration"), "{\"size\":1}");
    T_STR(pl_json_get_str(api, "configurationItemMD5Hash"), "");
    T_STR(pl_json_get_str(api, "resourceName"), "thing");
    T_STR(pl_json_get_str(api, "awsRegion"), "eu-west-1");
    T_STR(pl_json_get_str(pl_json_get(api, "tags"), "env"), "dev");
    T_OK(pl_json_is(pl_json_get(api, "configurationItemCaptureTime"), PL_JNUM));
    T_OK(pl_json_is(pl_json_get(api, "configurationStateId"), PL_JSTR));
    struct pl_json *base = pl_ci_render_base(&A, &row, &err);
    T_OK(pl_json_get(base, "tags") == NULL && pl_json_get(base, "relationships") == NULL);
    T_OK(pl_json_get(base, "configurationItemMD5Hash") == NULL);
    struct pl_json *file = pl_ci_render_file(&A, &row, &err);
    T_STR(pl_json_get_str(file, "configurationItemVersion"), "1.3");
    T_STR(pl_json_get_str(file, "awsAccountId"), "123456789012");
    T_OK(pl_json_is(pl_json_get(file, "configuration"), PL_JOBJ));
    T_OK(pl_json_is(pl_json_get(file, "configurationStateId"), PL_JNUM));
    T_OK(pl_json_is(pl_json_get(file, "ARN"), PL_JNULL));

    /* DeleteResourceConfig */
    T_EQ(pl_recorder_delete_resource(s, "123456789012", "eu-west-1", "MyCompany::App::Thing",
                                     "t-1", &r, &err), 0);
    T_EQ(r.outcome, PL_REC_RECORDED);
    T_STR(r.status, PL_CI_DELETED);
    T_EQ(pl_recorder_delete_resource(s, "123456789012", "eu-west-1", "MyCompany::App::Thing",
                                     "t-1", &r, &err), 0);
    T_EQ(r.outcome, PL_REC_UNCHANGED);
    T_EQ(pl_recorder_delete_resource(s, "123456789012", "eu-west-1", "MyCompany::App::Thing",
                                     "nope", &r, &err), 0);
    T_EQ(r.outcome, PL_REC_NOT_RECORDED);
    pl_store_close(s);
}

static void test_batch_and_outbox_atomicity(void)
{
    struct pl_store *s = fresh();
    with_rule(s);
    struct pl_err err = {0};
    struct pl_rec_opts o = {.mode = PL_REC_MODE_ALL};
    struct pl_rec_batch *b = pl_rec_batch_begin(s, &o, &err);
    T_REQUIRE(b != NULL);
    struct pl_rec_result r;
    char ci[256];
    for (int i = 0; i < 50; i++) {
        snprintf(ci, sizeof ci,
                 "{\"resourceType\":\"AWS::EC2::Subnet\",\"resourceId\":\"s-%d\","
                 "\"configuration\":{\"i\":%d}}",
                 i, i);
        T_EQ(pl_rec_batch_add(b, J(ci), &r, &err), 0);
    }
    /* a bad CI is reported and the batch goes on */
    T_EQ(pl_rec_batch_add(b, J("{\"resourceId\":\"x\"}"), &r, &err), -1);
    T_EQ(err.code, PL_E_VALIDATION);
    pl_err_clear(&err);
    /* an aborted batch leaves neither CIs nor outbox rows */
    pl_rec_batch_abort(b);
    T_EQ(pending(s), 0);
    struct pl_resource res;
    T_EQ(pl_store_resource_get(s, "123456789012", "us-east-1", "AWS::EC2::Subnet", "s-1", &A,
                               &res, &err), 0);
    b = pl_rec_batch_begin(s, &o, &err);
    for (int i = 0; i < 50; i++) {
        snprintf(ci, sizeof ci,
                 "{\"resourceType\":\"AWS::EC2::Subnet\",\"resourceId\":\"s-%d\","
                 "\"configuration\":{\"i\":%d}}",
                 i % 25, i);
        T_EQ(pl_rec_batch_add(b, J(ci), &r, &err), 0);
    }
    T_EQ(pl_rec_batch_commit(b, &err), 0);
    T_EQ(pending(s), 50);
    T_EQ(pl_store_resource_get(s, "123456789012", "us-east-1", "AWS::EC2::Subnet", "s-1", &A,
                               &res, &err), 1);
    T_EQ(res.versions, 2);
    /* each outbox payload names its CI */
    struct pl_outbox_item *items;
    size_t n;
    T_EQ(pl_store_outbox_claim(s, PL_OUTBOX_CI_RECORDED, 1, 1000, &A, &items, &n, &err), 0);
    T_EQ(n, 1);
    struct pl_json *p = J(items[0].payload);
    int64_t seq;
    T_EQ(pl_json_i64(pl_json_get(p, "seq"), &seq), 0);
    struct pl_ci_row row;
    T_EQ(pl_store_ci_get(s, seq, &A, &row, &err), 1);
    T_STR(pl_json_get_str(p, "resourceId"), row.resource_id);
    pl_store_close(s);
}

/* Outbox rows are queued only for consumers the partition has: rules ("rules.ci_recorded") and a
 * delivery channel with an SNS topic ("delivery.ci"). */
static void test_outbox_only_for_consumers(void)
{
    struct pl_store *s = fresh();
    struct pl_err err = {0};
    struct pl_rec_result r;
    int64_t n = -1;
    T_EQ(observe(s, PL_REC_MODE_ALL, CI1, &r), 0);
    T_EQ(r.outcome, PL_REC_RECORDED);
    T_EQ(pending(s), 0);
    T_EQ(pl_store_outbox_pending(s, PL_OUTBOX_ANY, &n, &err), 0);
    T_EQ(n, 0);
    const char *ch = "{\"name\":\"default\",\"snsTopicARN\":\"arn:aws:sns:us-east-1:"
                     "123456789012:config\"}";
    T_EQ(pl_store_obj_put(s, "123456789012", "us-east-1", PL_KIND_CHANNEL, "default", ch,
                          strlen(ch), &err),
         0);
    with_rule(s);
    T_EQ(observe(s, PL_REC_MODE_ALL, CI1_DELETED, &r), 0);
    T_EQ(r.outcome, PL_REC_RECORDED);
    T_EQ(pending(s), 1);
    T_EQ(pl_store_outbox_pending(s, PL_OUTBOX_DELIVERY_CI, &n, &err), 0);
    T_EQ(n, 1);
    pl_store_close(s);
}

static void test_retention(void)
{
    struct pl_store *s = fresh();
    struct pl_err err = {0};
    struct pl_rec_result r;
    pl_clock_set(1600000000000);
    T_EQ(observe(s, PL_REC_MODE_ALL, CI1, &r), 0);
    pl_clock_advance(10LL * 86400000);
    T_EQ(observe(s, PL_REC_MODE_ALL, CI1_CHANGED, &r), 0);
    pl_clock_advance(40LL * 86400000);
    const char *ret = "{\"Name\":\"default\",\"RetentionPeriodInDays\":30}";
    pl_store_obj_put(s, "123456789012", "us-east-1", PL_KIND_RETENTION, "default", ret,
                     strlen(ret), &err);
    int64_t del = -1;
    T_EQ(pl_recorder_enforce_retention(s, &del, &err), 0);
    T_EQ(del, 1); /* the first version; the latest is kept though older than 30 days */
    struct pl_history_q q = {"123456789012", "us-east-1", "AWS::EC2::VPC", "vpc-1", 0,
                             INT64_MAX, false, 10, NULL};
    struct pl_ci_row *rows;
    size_t n;
    char *next;
    T_EQ(pl_store_history(s, &q, &A, &rows, &n, &next, &err), 0);
    T_EQ(n, 1);
    pl_clock_real();
    pl_store_close(s);
}

/* The recorder's view of the default partition (arena A). */
static struct pl_rec_state state_of(struct pl_store *s)
{
    struct pl_rec_state st;
    struct pl_err err = {0};
    T_EQ(pl_recorder_state(s, "123456789012", "us-east-1", &A, &st, &err), 0);
    return st;
}

static void test_daily_types(void)
{
    struct pl_store *s = fresh();
    put_recorder_mode(s, "{\"allSupported\":true}",
                      "{\"recordingFrequency\":\"DAILY\",\"recordingModeOverrides\":[{"
                      "\"resourceTypes\":[\"AWS::S3::Bucket\"],\"recordingFrequency\":"
                      "\"CONTINUOUS\"}]}",
                      true);
    struct pl_rec_state st = state_of(s);
    T_OK(pl_recorder_is_daily(&st, "AWS::EC2::VPC"));           /* the default */
    T_OK(!pl_recorder_is_daily(&st, "AWS::S3::Bucket"));        /* the override wins */
    T_OK(!pl_recorder_is_daily(&st, "MyCompany::App::Thing"));  /* third-party: continuous */
    T_OK(!pl_recorder_is_daily(&st, "AWS::Config::ResourceCompliance"));
    put_recorder(s, "{\"allSupported\":true}", true); /* no recordingMode: continuous */
    st = state_of(s);
    T_OK(!pl_recorder_is_daily(&st, "AWS::EC2::VPC"));
    pl_store_close(s);
}

/* The latest CI of vpc-1 in the file form (arena A), or NULL. */
static struct pl_json *latest_file_form(struct pl_store *s, int64_t *versions)
{
    struct pl_err err = {0};
    struct pl_resource r;
    struct pl_ci_row row;
    if (pl_store_resource_get(s, "123456789012", "us-east-1", "AWS::EC2::VPC", "vpc-1", &A, &r,
                              &err) != 1 ||
        pl_store_ci_get(s, r.latest_seq, &A, &row, &err) != 1)
        return NULL;
    *versions = r.versions;
    return pl_ci_render_file(&A, &row, &err);
}

static void test_daily_flush(void)
{
    struct pl_store *s = fresh();
    struct pl_err err = {0};
    struct pl_rec_result r;
    int64_t n = -1, versions = 0;
    pl_clock_set(1767225600000); /* 2026-01-01T00:00:00Z */
    put_recorder_mode(s, "{\"allSupported\":true}", "{\"recordingFrequency\":\"DAILY\"}", true);
    /* imported history (own capture time) and MODE_ALL record at once */
    T_EQ(observe(s, PL_REC_MODE_ALL, CI1, &r), 0);
    T_EQ(r.outcome, PL_REC_RECORDED);
    /* a live observation is held; the latest wins */
    T_EQ(observe(s, PL_REC_MODE_IMPORT, CI1_DELETED, &r), 0);
    T_EQ(r.outcome, PL_REC_PENDING);
    pl_clock_advance(3600000);
    T_EQ(observe(s, PL_REC_MODE_RECORDER, CI1_CHANGED, &r), 0);
    T_EQ(r.outcome, PL_REC_PENDING);
    pl_clock_advance(22 * 3600000LL);
    T_EQ(pl_recorder_daily_flush(s, &n, &err), 0);
    T_EQ(n, 0); /* 23 h: not due */
    pl_clock_advance(3600000);
    T_EQ(pl_recorder_daily_flush(s, &n, &err), 0);
    T_EQ(n, 1);
    struct pl_json *ci = latest_file_form(s, &versions);
    T_REQUIRE(ci != NULL);
    T_EQ(versions, 2);
    T_STR(pl_json_get_str(ci, "configurationItemStatus"), "OK");
    T_STR(pl_json_get_str(ci, "recordingFrequency"), "DAILY");
    T_STR(pl_json_get_str(ci, "configurationItemCaptureTime"), "2026-01-01T01:00:00.000Z");
    T_STR(pl_json_get_str(ci, "configurationItemDeliveryTime"), "2026-01-02T00:00:00.000Z");
    T_STR(pl_json_get_str(pl_json_get(ci, "configuration"), "cidrBlock"), "10.0.0.0/16");
    int64_t count = -1;
    T_EQ(pl_store_obj_count(s, "123456789012", "us-east-1", PL_KIND_DAILY_PENDING, &count, &err),
         0);
    T_EQ(count, 0);
    /* the held state equals the latest version: nothing new */
    T_EQ(observe(s, PL_REC_MODE_IMPORT, CI1_CHANGED, &r), 0);
    T_EQ(r.outcome, PL_REC_PENDING);
    pl_clock_advance(24 * 3600000LL);
    T_EQ(pl_recorder_daily_flush(s, &n, &err), 0);
    T_EQ(n, 0);
    /* the same state recorded continuously before is not recorded again either */
    put_recorder(s, "{\"allSupported\":true}", true);
    T_EQ(observe(s, PL_REC_MODE_RECORDER, CI1, &r), 0);
    T_EQ(r.outcome, PL_REC_RECORDED);
    put_recorder_mode(s, "{\"allSupported\":true}", "{\"recordingFrequency\":\"DAILY\"}", true);
    T_EQ(observe(s, PL_REC_MODE_RECORDER, CI1, &r), 0);
    pl_clock_advance(24 * 3600000LL);
    T_EQ(pl_recorder_daily_flush(s, &n, &err), 0);
    T_EQ(n, 0);
    pl_clock_real();
    pl_store_close(s);
}

int main(void)
{
    pl_arena_init(&A);
    T_RUN(test_versions_and_dedupe);
    T_RUN(test_source_times);
    T_RUN(test_recording_group);
    T_RUN(test_not_recorded);
    T_RUN(test_put_resource_config);
    T_RUN(test_batch_and_outbox_atomicity);
    T_RUN(test_outbox_only_for_consumers);
    T_RUN(test_retention);
    T_RUN(test_daily_types);
    T_RUN(test_daily_flush);
    pl_arena_fini(&A);
    return T_EXIT();
}
