/* test_trail_keys.c — sources/cloudtrail: the resources a CloudTrail record touched
 * (pl_trail_extract), record checks (pl_trail_record), read-only names, and the reader over
 * memory (Records, arrays, JSON lines, EventBridge envelopes, malformed input). Table-driven. */
#include <string.h>

#include "t.h"
#include "core/json.h"
#include "recorder/sources/cloudtrail.h"

static struct pl_arena A;

/* The links of a record as "type|ref" joined by ' ', in extraction order. */
static const char *links_of(const char *rec)
{
    struct pl_err err = {0};
    struct pl_json *j = pl_json_parse(&A, rec, strlen(rec), &err);
    T_OK(j != NULL);
    struct pl_trail_link l[PL_TRAIL_MAX_LINKS];
    size_t n = pl_trail_extract(&A, j, "111122223333", l, PL_TRAIL_MAX_LINKS);
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    for (size_t i = 0; i < n; i++)
        pl_buf_printf(&b, "%s%s|%s", i ? " " : "", l[i].resource_type, l[i].ref);
    const char *out = pl_arena_strdup(&A, pl_buf_cstr(&b));
    pl_buf_fini(&b);
    return out;
}

static void test_extract(void)
{
    static const struct {
        const char *rec, *want;
    } cases[] = {
        /* S3: bucketName */
        {"{\"eventSource\":\"s3.amazonaws.com\",\"requestParameters\":{\"bucketName\":\"b1\"}}",
         "AWS::S3::Bucket|b1"},
        /* EC2: ids by prefix at any depth, arrays of items, and not other strings */
        {"{\"eventSource\":\"ec2.amazonaws.com\",\"requestParameters\":{\"instancesSet\":"
         "{\"items\":[{\"instanceId\":\"i-0abc\"},{\"instanceId\":\"i-0def\"}]},"
         "\"groupId\":\"sg-12ab\",\"description\":\"sg-ffff\"}}",
         "AWS::EC2::Instance|i-0abc AWS::EC2::Instance|i-0def AWS::EC2::SecurityGroup|sg-12ab"},
        {"{\"eventSource\":\"ec2.amazonaws.com\",\"responseElements\":{\"vpc\":{\"vpcId\":"
         "\"vpc-0a1\"},\"vpcEndpointId\":\"vpce-99\",\"transitGatewayAttachmentId\":"
         "\"tgw-attach-01\",\"allocationId\":\"eipalloc-7\",\"imageId\":\"ami-1\"}}",
         "AWS::EC2::VPC|vpc-0a1 AWS::EC2::VPCEndpoint|vpce-99 "
         "AWS::EC2::TransitGatewayAttachment|tgw-attach-01 AWS::EC2::EIP|eipalloc-7"},
        /* IAM: names; an ARN in resources[] as ("", ARN) and typed by its last segment */
        {"{\"eventSource\":\"iam.amazonaws.com\",\"requestParameters\":{\"roleName\":\"r1\","
         "\"policyArn\":\"arn:aws:iam::aws:policy/ReadOnly\"},\"resources\":[{\"ARN\":"
         "\"arn:aws:iam::111122223333:role/path/r1\"}]}",
         "|arn:aws:iam::111122223333:role/path/r1 AWS::IAM::Role|r1 "
         "|arn:aws:iam::aws:policy/ReadOnly AWS::IAM::Policy|ReadOnly"},
        /* the same id twice is one link; RDS's CloudTrail casing */
        {"{\"eventSource\":\"rds.amazonaws.com\",\"requestParameters\":{\"dBInstanceIdentifier\":"
         "\"db1\"},\"responseElements\":{\"dBInstanceIdentifier\":\"db1\",\"dBSubnetGroup\":"
         "{\"dBSubnetGroupName\":\"g\"}}}",
         "AWS::RDS::DBInstance|db1 AWS::RDS::DBSubnetGroup|g"},
        /* Lambda: a function ARN gives the name; a qualifier is cut */
        {"{\"eventSource\":\"lambda.amazonaws.com\",\"requestParameters\":{\"functionName\":"
         "\"arn:aws:lambda:us-east-1:111122223333:function:f1:3\"}}",
         "|arn:aws:lambda:us-east-1:111122223333:function:f1:3 AWS::Lambda::Function|f1"},
        /* SNS: the topic ARN is the resourceId */
        {"{\"eventSource\":\"sns.amazonaws.com\",\"requestParameters\":{\"topicArn\":"
         "\"arn:aws:sns:us-east-1:111122223333:t\"}}",
         "|arn:aws:sns:us-east-1:111122223333:t AWS::SNS::Topic|arn:aws:sns:us-east-1:"
         "111122223333:t"},
        /* account-level calls */
        {"{\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"UpdateAccountPasswordPolicy\","
         "\"requestParameters\":{\"minimumPasswordLength\":14}}",
         "AWS::::Account|111122223333"},
        /* keys of another service mean nothing; a bucketName outside S3 neither */
        {"{\"eventSource\":\"glue.amazonaws.com\",\"requestParameters\":{\"bucketName\":\"x\","
         "\"instanceId\":\"i-1\"}}",
         ""},
        /* tagging: resource ARNs; an S3 object ARN is not a bucket */
        {"{\"eventSource\":\"tagging.amazonaws.com\",\"requestParameters\":{\"resourceArn\":"
         "\"arn:aws:s3:::b2\",\"other\":\"arn:aws:s3:::nope\"},\"resources\":[{\"ARN\":"
         "\"arn:aws:s3:::b3/key\"}]}",
         "|arn:aws:s3:::b3/key |arn:aws:s3:::b2 AWS::S3::Bucket|b2"},
        /* null / missing members */
        {"{\"eventSource\":null,\"requestParameters\":null,\"resources\":null}", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        T_STR(links_of(cases[i].rec), cases[i].want);
}

static void test_depth_and_count_bounded(void)
{
    /* 64 distinct ids: at most PL_TRAIL_MAX_LINKS; deep nesting is cut, not recursed into */
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    pl_buf_puts(&b, "{\"eventSource\":\"ec2.amazonaws.com\",\"requestParameters\":{\"ids\":[");
    for (int i = 0; i < 200; i++)
        pl_buf_printf(&b, "%s\"i-%04x\"", i ? "," : "", i);
    pl_buf_puts(&b, "],\"deep\":");
    for (int i = 0; i < 100; i++)
        pl_buf_puts(&b, "{\"a\":");
    pl_buf_puts(&b, "{\"instanceId\":\"i-ffff\"}");
    for (int i = 0; i < 100; i++)
        pl_buf_putc(&b, '}');
    pl_buf_puts(&b, "}}");
    const char *l = links_of(pl_buf_cstr(&b));
    size_t n = 1;
    for (const char *p = l; *p; p++)
        n += *p == ' ';
    T_EQ(n, (size_t)PL_TRAIL_MAX_LINKS);
    T_OK(strstr(l, "i-ffff") == NULL);
    pl_buf_fini(&b);
}

static void test_read_only_names(void)
{
    T_OK(pl_trail_name_read_only("DescribeInstances"));
    T_OK(pl_trail_name_read_only("GetObject"));
    T_OK(pl_trail_name_read_only("ListBuckets"));
    T_OK(pl_trail_name_read_only("BatchGetItem"));
    T_OK(!pl_trail_name_read_only("Getaway"));
    T_OK(!pl_trail_name_read_only("PutBucketPolicy"));
    T_OK(!pl_trail_name_read_only("RunInstances"));
    T_OK(!pl_trail_name_read_only(NULL));
}

struct seen {
    struct pl_buf ids, problems;
};

static int on_event(void *ctx, const struct pl_trail_event *ev, struct pl_err *err)
{
    struct seen *s = ctx;
    (void)err;
    pl_buf_printf(&s->ids, "%s%s@%s/%s%s", s->ids.len ? " " : "", ev->event_id, ev->account,
                  ev->region, ev->read_only ? "(ro)" : "");
    return 0;
}

static void on_problem(void *ctx, const char *where, const char *why)
{
    struct seen *s = ctx;
    pl_buf_printf(&s->problems, "[%s: %s]", where, why);
}

/* Reads data; returns "ids" and fills *problems; -1 marks a file-level failure. */
static const char *read_mem(const char *data, const char **problems, int *rc)
{
    struct seen s;
    pl_buf_init(&s.ids, PL_BUF_NOLIMIT);
    pl_buf_init(&s.problems, PL_BUF_NOLIMIT);
    struct pl_err err = {0};
    *rc = pl_trail_read_mem(data, strlen(data), on_event, &s, on_problem, &s, &err);
    const char *out = pl_arena_strdup(&A, pl_buf_cstr(&s.ids));
    *problems = pl_arena_strdup(&A, pl_buf_cstr(&s.problems));
    pl_buf_fini(&s.ids);
    pl_buf_fini(&s.problems);
    return out;
}

#define REC(id, extra)                                                                             \
    "{\"eventID\":\"" id "\",\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventName\":\"PutX\","       \
    "\"eventSource\":\"s3.amazonaws.com\",\"awsRegion\":\"us-east-1\",\"recipientAccountId\":"     \
    "\"111122223333\"" extra "}"

static void test_reader(void)
{
    const char *p;
    int rc;
    T_STR(read_mem("{\"Records\":[" REC("a", "") "," REC("b", ",\"readOnly\":true") "]}", &p, &rc),
          "a@111122223333/us-east-1 b@111122223333/us-east-1(ro)");
    T_EQ(rc, 0);
    T_STR(p, "");
    /* JSON lines and arrays; EventBridge envelope: detail, account and region from it */
    T_STR(read_mem(REC("c", "") "\n[" REC("d", "") "]\n{\"detail-type\":\"AWS API Call via "
                                                   "CloudTrail\",\"account\":\"999988887777\","
                                                   "\"region\":\"eu-west-1\",\"detail\":{"
                                                   "\"eventID\":\"e\",\"eventTime\":\"2024-01-"
                                                   "01T00:00:00Z\",\"eventName\":\"PutY\","
                                                   "\"eventSource\":\"s3.amazonaws.com\"}}\n",
                   &p, &rc),
          "c@111122223333/us-east-1 d@111122223333/us-east-1 e@999988887777/eu-west-1");
    /* records that are not usable are skipped alone, with their line and index */
    T_STR(read_mem("{\"Records\":[\n{\"eventName\":\"x\"},\n" REC("f", "") ",\n" REC(
                       "g", ",\"eventTime\":\"yesterday\"") "]}",
                   &p, &rc),
          "f@111122223333/us-east-1");
    T_EQ(rc, 0);
    T_STR(p, "[<memory>:2: record 1: no eventID][<memory>:4: record 3: bad eventTime "
             "'yesterday']");
    T_STR(read_mem("{\"detail-type\":\"GuardDuty Finding\",\"detail\":{}}", &p, &rc), "");
    T_STR(p, "[<memory>:1: record 1: EventBridge event 'GuardDuty Finding' is not a CloudTrail "
             "record]");
    /* invalid JSON: the reading stops with the line */
    read_mem("{\"Records\":[\n" REC("h", "") ",\n{\"eventID\": }\n]}", &p, &rc);
    T_EQ(rc, -1);
    T_OK(strstr(p, "<memory>:3") != NULL);
    read_mem("{\"Records\":[" REC("i", "") ",}", &p, &rc);
    T_EQ(rc, -1);
}

int main(void)
{
    pl_arena_init(&A);
    T_RUN(test_extract);
    T_RUN(test_depth_and_count_bounded);
    T_RUN(test_read_only_names);
    T_RUN(test_reader);
    pl_arena_fini(&A);
    return T_EXIT();
}
