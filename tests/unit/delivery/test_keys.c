/* test_keys.c — AWS key layout and names, channel field checks, the retry backoff schedule. */
#include "t.h"

#include "core/time.h"
#include "delivery/delivery_int.h"

static int64_t ms_of(const char *iso)
{
    int64_t ms = 0;
    pl_time_parse(iso, &ms);
    return ms;
}

static void test_layout(void)
{
    struct pl_arena a;
    pl_arena_init(&a);
    int64_t t = ms_of("2016-09-27T19:58:18Z");
    T_STR(pl_delivery__key_dir(&a, NULL, "123456789012", "us-east-2", t, "ConfigHistory"),
          "AWSLogs/123456789012/Config/us-east-2/2016/9/27/ConfigHistory/");
    /* the name of AWS's example history notification, exactly */
    T_STR(pl_delivery__key_history(&a, NULL, "123456789012", "us-east-2",
                                   ms_of("2016-09-27T20:37:05Z"), "AWS::CloudTrail::Trail", t, t,
                                   1),
          "AWSLogs/123456789012/Config/us-east-2/2016/9/27/ConfigHistory/123456789012_Config_"
          "us-east-2_ConfigHistory_AWS::CloudTrail::Trail_20160927T195818Z_20160927T195818Z_1"
          ".json.gz");
    T_STR(pl_delivery__key_snapshot(&a, "", "123456789012", "us-east-2",
                                    ms_of("2016-09-27T18:39:39Z"),
                                    "16da64e4-cb65-4846-b061-e6c3ba43cb96"),
          "AWSLogs/123456789012/Config/us-east-2/2016/9/27/ConfigSnapshot/123456789012_Config_"
          "us-east-2_ConfigSnapshot_20160927T183939Z_16da64e4-cb65-4846-b061-e6c3ba43cb96"
          ".json.gz");
    T_STR(pl_delivery__key_snapshot(&a, "audit/config", "1", "eu-west-1",
                                    ms_of("2024-01-05T00:00:00Z"), "x"),
          "audit/config/AWSLogs/1/Config/eu-west-1/2024/1/5/ConfigSnapshot/"
          "1_Config_eu-west-1_ConfigSnapshot_20240105T000000Z_x.json.gz");
    T_STR(pl_delivery__key_oversized(&a, NULL, "123456789012", "us-west-2",
                                     ms_of("2016-10-06T16:46:16.261Z"), "AWS::EC2::Instance", "i-1",
                                     0),
          "AWSLogs/123456789012/Config/us-west-2/2016/10/6/OversizedChangeNotification/"
          "AWS::EC2::Instance/i-1/123456789012_Config_us-west-2_ChangeNotification_"
          "AWS::EC2::Instance_i-1_20161006T164616Z_0.json.gz");
    T_STR(pl_delivery__key_writability(&a, "p", "123456789012"),
          "p/AWSLogs/123456789012/Config/ConfigWritabilityCheckFile");
    pl_arena_fini(&a);
}

static struct pl_json jstr(const char *s)
{
    struct pl_json j = {.type = PL_JSTR, .str = s, .len = strlen(s)};
    return j;
}

static void test_checks(void)
{
    static const struct {
        const char *bucket;
        int ok;
    } buckets[] = {{"my-config-bucket-123456789012", 1}, {"a.b-c", 1}, {"ab", 0}, {"", 0},
                   {"Upper", 0}, {"-lead", 0}, {"trail.", 0}, {"a..b", 0}, {"192.168.1.1", 0},
                   {"under_score", 0}};
    for (size_t i = 0; i < sizeof buckets / sizeof buckets[0]; i++) {
        struct pl_err e = {0};
        int rc = pl_delivery__check_bucket_name(buckets[i].bucket, &e);
        T_EQ(rc, buckets[i].ok ? 0 : -1);
        if (!buckets[i].ok)
            T_EQ(e.code, PL_E_NO_SUCH_BUCKET);
    }
    static const struct {
        const char *v;
        int ok;
    } prefixes[] = {{"config", 1}, {"a/b/c", 1}, {"", 0}, {"/lead", 0}, {"x/AWSLogs", 0}};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        struct pl_err e = {0};
        struct pl_json j = jstr(prefixes[i].v);
        T_EQ(pl_delivery__check_prefix(&j, &e), prefixes[i].ok ? 0 : -1);
        if (!prefixes[i].ok)
            T_EQ(e.code, PL_E_INVALID_S3_KEY_PREFIX);
    }
    static const struct {
        const char *v;
        int ok;
    } topics[] = {{"arn:aws:sns:us-east-1:123456789012:config-topic", 1},
                  {"arn:aws:sns:us-east-1:123456789012:t.fifo", 1},
                  {"arn:aws:sns:us-east-1:12345678901:t", 0},
                  {"arn:aws:sqs:us-east-1:123456789012:t", 0},
                  {"arn:aws:sns:us-east-1:123456789012:", 0},
                  {"arn:aws:sns:us-east-1:123456789012:bad name", 0},
                  {"", 0}};
    for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++) {
        struct pl_err e = {0};
        struct pl_json j = jstr(topics[i].v);
        T_EQ(pl_delivery__check_topic_arn(&j, &e), topics[i].ok ? 0 : -1);
        if (!topics[i].ok)
            T_EQ(e.code, PL_E_INVALID_SNSTOPIC_ARN);
    }
    struct pl_err e = {0};
    struct pl_json k1 = jstr("arn:aws:kms:us-east-1:123456789012:key/abc"), k2 = jstr("abc");
    T_EQ(pl_delivery__check_kms_arn(&k1, &e), 0);
    T_EQ(pl_delivery__check_kms_arn(&k2, &e), -1);
    T_EQ(e.code, PL_E_INVALID_S3_KMS_KEY_ARN);
    struct pl_err f = {0};
    T_EQ(pl_delivery__frequency_ms("Six_Hours", &f), 6 * 3600 * 1000LL);
    T_EQ(pl_delivery__frequency_ms(NULL, &f), 24 * 3600 * 1000LL);
    T_EQ(pl_delivery__frequency_ms("Two_Hours", &f), -1);
    T_EQ(f.code, PL_E_VALIDATION);
}

static void test_channel_check(void)
{
    struct pl_arena a;
    pl_arena_init(&a);
    const char *ok = "{\"name\":\"default\",\"s3BucketName\":\"my-config-bucket-123456789012\","
                     "\"configSnapshotDeliveryProperties\":{\"deliveryFrequency\":\"One_Hour\"}}";
    struct pl_err e = {0};
    struct pl_json *ch = pl_json_parse(&a, ok, strlen(ok), &e);
    T_EQ(pl_delivery_check_channel(NULL, "123456789012", "us-east-1", ch, &e), 0);
    const char *bad = "{\"name\":\"default\",\"s3BucketName\":\"b-123\","
                      "\"configSnapshotDeliveryProperties\":{\"deliveryFrequency\":\"Daily\"}}";
    ch = pl_json_parse(&a, bad, strlen(bad), &e);
    T_EQ(pl_delivery_check_channel(NULL, "123456789012", "us-east-1", ch, &e), -1);
    T_EQ(e.code, PL_E_VALIDATION);
    pl_arena_fini(&a);
}

static void test_backoff(void)
{
    T_EQ(pl_delivery__backoff_ms(1), 1000);
    T_EQ(pl_delivery__backoff_ms(2), 2000);
    T_EQ(pl_delivery__backoff_ms(3), 4000);
    T_EQ(pl_delivery__backoff_ms(9), 256000);
    T_EQ(pl_delivery__backoff_ms(10), 300000);
    T_EQ(pl_delivery__backoff_ms(1000), 300000);
}

int main(void)
{
    T_RUN(test_layout);
    T_RUN(test_checks);
    T_RUN(test_channel_check);
    T_RUN(test_backoff);
    return T_EXIT();
}
