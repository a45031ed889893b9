/* test_cfn.c — the CloudFormation-schema -> CI mapping of proactive evaluation (rules/cfn.c):
 * a table of CloudFormation properties and the CI paths managed rules read, then the "as given"
 * shape Guard and Lambda-style rules see, tags, and the depth bound. */
#include <string.h>

#include "core/json.h"
#include "rules/managed/managed.h"
#include "rules/rules.h"
#include "t.h"

struct map_case {
    const char *type, *props, *path, *want; /* want: the JSON text at path, NULL: absent */
};

static const struct map_case cases[] = {
    {"AWS::S3::Bucket", "{\"BucketName\":\"b1\"}", "configuration.name", "\"b1\""},
    {"AWS::S3::Bucket", "{}", "configuration.name", "\"id-1\""},
    {"AWS::S3::Bucket", "{\"VersioningConfiguration\":{\"Status\":\"Enabled\"}}",
     "supplementaryConfiguration.BucketVersioningConfiguration.status", "\"Enabled\""},
    {"AWS::S3::Bucket", "{}", "supplementaryConfiguration.BucketVersioningConfiguration.status",
     "\"Off\""},
    {"AWS::S3::Bucket", "{\"PublicAccessBlockConfiguration\":{\"BlockPublicAcls\":true}}",
     "supplementaryConfiguration.PublicAccessBlockConfiguration.blockPublicAcls", "true"},
    {"AWS::S3::Bucket", "{}", "supplementaryConfiguration.PublicAccessBlockConfiguration", NULL},
    {"AWS::S3::Bucket",
     "{\"BucketName\":\"b\",\"LoggingConfiguration\":{\"LogFilePrefix\":\"p/\"}}",
     "supplementaryConfiguration.BucketLoggingConfiguration.destinationBucketName", "\"b\""},
    {"AWS::S3::Bucket", "{\"LoggingConfiguration\":{\"DestinationBucketName\":\"logs\"}}",
     "supplementaryConfiguration.BucketLoggingConfiguration.destinationBucketName", "\"logs\""},
    {"AWS::S3::Bucket", "{}",
     "supplementaryConfiguration.BucketLoggingConfiguration.destinationBucketName", NULL},
    {"AWS::S3::Bucket",
     "{\"BucketEncryption\":{\"ServerSideEncryptionConfiguration\":[{"
     "\"ServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"aws:kms\"}}]}}",
     "supplementaryConfiguration.ServerSideEncryptionConfiguration.rules",
     "[{\"applyServerSideEncryptionByDefault\":{\"sseAlgorithm\":\"aws:kms\"}}]"},
    {"AWS::RDS::DBInstance", "{\"MultiAZ\":true}", "configuration.multiAZ", "true"},
    {"AWS::RDS::DBInstance", "{\"PubliclyAccessible\":false}", "configuration.publiclyAccessible",
     "false"},
    {"AWS::Lambda::Function", "{\"VpcConfig\":{\"SubnetIds\":[\"s-1\"]}}",
     "configuration.vpcConfig.subnetIds", "[\"s-1\"]"},
    {"AWS::Elasticsearch::Domain",
     "{\"LogPublishingOptions\":{\"SEARCH_SLOW_LOGS\":{\"Enabled\":true}}}",
     "configuration.logPublishingOptions.SEARCH_SLOW_LOGS.enabled", "true"},
    {"AWS::EC2::Instance", "{\"NetworkInterfaces\":[\"eni-1\"]}", "configuration.networkInterfaces",
     "[{\"networkInterfaceId\":\"eni-1\"}]"},
    {"AWS::SNS::Topic", "{\"KmsMasterKeyId\":\"k\"}", "configuration.kmsMasterKeyId", "\"k\""},
    {"AWS::SNS::Topic", "{\"Tags\":[{\"Key\":\"env\",\"Value\":\"prod\"}]}", "tags.env",
     "\"prod\""},
    {"AWS::SNS::Topic", "{}", "resourceType", "\"AWS::SNS::Topic\""},
    {"AWS::SNS::Topic", "[1]", "configuration", "{}"},
};

static void test_mapped(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct map_case *c = &cases[i];
        struct pl_arena a;
        struct pl_err err = {0};
        pl_arena_init(&a);
        struct pl_json *props = pl_json_parse(&a, c->props, strlen(c->props), &err);
        T_REQUIRE(props);
        struct pl_json *ci =
            pl_rules_cfn_ci(&a, "123456789012", "us-east-1", c->type, "id-1", props, true);
        const struct pl_json *v = pl_json_path(ci, c->path);
        if (!c->want)
            T_OK(!v);
        else if (!v)
            T_FAIL_("case %zu: %s absent", i, c->path);
        else
            T_STR(pl_json_dump(&a, v, PL_JSON_COMPACT), c->want);
        pl_arena_fini(&a);
    }
}

static void test_given(void)
{
    struct pl_arena a;
    struct pl_err err = {0};
    pl_arena_init(&a);
    const char *text = "{\"BucketName\":\"b\",\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"}]}";
    struct pl_json *props = pl_json_parse(&a, text, strlen(text), &err);
    struct pl_json *ci =
        pl_rules_cfn_ci(&a, "123456789012", "eu-west-1", "AWS::S3::Bucket", "b", props, false);
    T_STR(pl_json_get_str(pl_json_get(ci, "configuration"), "BucketName"), "b");
    T_STR(pl_json_get_str(pl_json_get(ci, "tags"), "k"), "v");
    T_STR(pl_json_get_str(ci, "awsRegion"), "eu-west-1");
    T_STR(pl_json_get_str(ci, "configurationItemStatus"), "ResourceDiscovered");
    pl_arena_fini(&a);
}

static void test_depth(void)
{
    struct pl_arena a;
    pl_arena_init(&a);
    /* a configuration nested deeper than the bound (built, not parsed: the parser has its own) */
    struct pl_json *root = pl_json_new_obj(&a), *o = root;
    for (int i = 0; i < PL_RULES_CFN_DEPTH + 10; i++)
        o = pl_json_set(&a, o, "Inner", pl_json_new_obj(&a));
    struct pl_json *ci =
        pl_rules_cfn_ci(&a, "123456789012", "us-east-1", "AWS::SNS::Topic", "t", root, true);
    int depth = 0;
    for (const struct pl_json *v = pl_json_get(ci, "configuration"); v && v->type == PL_JOBJ;
         v = pl_json_get(v, "inner"))
        depth++;
    T_OK(depth <= PL_RULES_CFN_DEPTH + 1);
    T_OK(depth > 10);
    pl_arena_fini(&a);
}

/* Every proactive managed rule judges a CloudFormation configuration through the mapping: one
 * compliant and one non-compliant configuration each (the properties AWS's pages list). */
struct rule_case {
    const char *id, *params, *type, *good, *bad;
};

static const struct rule_case rule_cases[] = {
    {"API_GW_XRAY_ENABLED", NULL, "AWS::ApiGateway::Stage", "{\"TracingEnabled\":true}",
     "{\"TracingEnabled\":false}"},
    {"EC2_INSTANCE_MULTIPLE_ENI_CHECK", NULL, "AWS::EC2::Instance",
     "{\"NetworkInterfaces\":[\"eni-1\"]}", "{\"NetworkInterfaces\":[\"eni-1\",\"eni-2\"]}"},
    {"EIP_ATTACHED", NULL, "AWS::EC2::EIP", "{\"InstanceId\":\"i-1\"}", "{}"},
    {"ELASTICSEARCH_LOGS_TO_CLOUDWATCH", NULL, "AWS::Elasticsearch::Domain",
     "{\"LogPublishingOptions\":{\"ES_APPLICATION_LOGS\":{\"Enabled\":true,"
     "\"CloudWatchLogsLogGroupArn\":\"arn:aws:logs:us-east-1:1:log-group:g\"}}}",
     "{\"LogPublishingOptions\":{}}"},
    {"ELASTICSEARCH_NODE_TO_NODE_ENCRYPTION_CHECK", NULL, "AWS::Elasticsearch::Domain",
     "{\"NodeToNodeEncryptionOptions\":{\"Enabled\":true}}",
     "{\"NodeToNodeEncryptionOptions\":{\"Enabled\":false}}"},
    {"LAMBDA_FUNCTION_SETTINGS_CHECK", "{\"runtime\":\"python3.12\"}", "AWS::Lambda::Function",
     "{\"Runtime\":\"python3.12\",\"Timeout\":3,\"MemorySize\":128}",
     "{\"Runtime\":\"nodejs18.x\",\"Timeout\":3,\"MemorySize\":128}"},
    {"LAMBDA_INSIDE_VPC", NULL, "AWS::Lambda::Function",
     "{\"VpcConfig\":{\"SubnetIds\":[\"subnet-1\"]}}", "{}"},
    {"RDS_AUTOMATIC_MINOR_VERSION_UPGRADE_ENABLED", NULL, "AWS::RDS::DBInstance",
     "{\"AutoMinorVersionUpgrade\":true,\"Engine\":\"mysql\"}",
     "{\"AutoMinorVersionUpgrade\":false,\"Engine\":\"mysql\"}"},
    {"RDS_ENHANCED_MONITORING_ENABLED", NULL, "AWS::RDS::DBInstance",
     "{\"MonitoringInterval\":60,\"Engine\":\"mysql\"}",
     "{\"MonitoringInterval\":0,\"Engine\":\"mysql\"}"},
    {"RDS_INSTANCE_PUBLIC_ACCESS_CHECK", NULL, "AWS::RDS::DBInstance",
     "{\"PubliclyAccessible\":false}", "{\"PubliclyAccessible\":true}"},
    {"RDS_MULTI_AZ_SUPPORT", NULL, "AWS::RDS::DBInstance",
     "{\"MultiAZ\":true,\"Engine\":\"mysql\"}", "{\"MultiAZ\":false,\"Engine\":\"mysql\"}"},
    {"RDS_STORAGE_ENCRYPTED", NULL, "AWS::RDS::DBInstance", "{\"StorageEncrypted\":true}",
     "{\"StorageEncrypted\":false}"},
    {"REDSHIFT_CLUSTER_MAINTENANCESETTINGS_CHECK", NULL, "AWS::Redshift::Cluster",
     "{\"AllowVersionUpgrade\":true,\"AutomatedSnapshotRetentionPeriod\":7}",
     "{\"AllowVersionUpgrade\":false,\"AutomatedSnapshotRetentionPeriod\":7}"},
    {"REDSHIFT_CLUSTER_PUBLIC_ACCESS_CHECK", NULL, "AWS::Redshift::Cluster",
     "{\"PubliclyAccessible\":false}", "{\"PubliclyAccessible\":true}"},
    {"S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", NULL, "AWS::S3::Bucket",
     "{\"PublicAccessBlockConfiguration\":{\"BlockPublicAcls\":true,\"BlockPublicPolicy\":true,"
     "\"IgnorePublicAcls\":true,\"RestrictPublicBuckets\":true}}",
     "{\"PublicAccessBlockConfiguration\":{\"BlockPublicAcls\":true}}"},
    {"S3_BUCKET_LOGGING_ENABLED", NULL, "AWS::S3::Bucket",
     "{\"BucketName\":\"b\",\"LoggingConfiguration\":{\"DestinationBucketName\":\"logs\"}}",
     "{\"BucketName\":\"b\"}"},
    {"S3_BUCKET_VERSIONING_ENABLED", NULL, "AWS::S3::Bucket",
     "{\"VersioningConfiguration\":{\"Status\":\"Enabled\"}}",
     "{\"VersioningConfiguration\":{\"Status\":\"Suspended\"}}"},
    {"SNS_ENCRYPTED_KMS", NULL, "AWS::SNS::Topic", "{\"KmsMasterKeyId\":\"alias/aws/sns\"}", "{}"},
    {"SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED", NULL, "AWS::EC2::Subnet",
     "{\"MapPublicIpOnLaunch\":false}", "{\"MapPublicIpOnLaunch\":true}"},
};

/* The compliance rule mr gives the mapped configuration text. */
static enum pl_compliance judge(const struct pl_managed_params *p, const char *type,
                                const char *text)
{
    struct pl_arena a;
    struct pl_err err = {0};
    struct pl_managed_eval ev;
    pl_arena_init(&a);
    struct pl_json *props = pl_json_parse(&a, text, strlen(text), &err);
    struct pl_json *ci =
        props ? pl_rules_cfn_ci(&a, "123456789012", "us-east-1", type, "r-1", props, true) : NULL;
    struct pl_managed_env env = {.now_ms = 1, .account = "123456789012", .region = "us-east-1"};
    int rc = ci ? pl_managed_evaluate(p, ci, &env, &a, &ev, &err) : -1;
    pl_arena_fini(&a);
    return rc < 0 ? PL_INSUFFICIENT_DATA : ev.compliance;
}

static void test_proactive_rules(void)
{
    size_t n = sizeof rule_cases / sizeof rule_cases[0];
    T_EQ(n, 19);
    for (size_t i = 0; i < n; i++) {
        const struct rule_case *c = &rule_cases[i];
        const struct pl_managed_rule *mr = pl_managed_find(c->id);
        struct pl_arena a;
        struct pl_err err = {0};
        struct pl_managed_params *p;
        T_OK(pl_rules_managed_proactive(c->id));
        T_REQUIRE(mr && pl_managed_implemented(mr));
        pl_arena_init(&a);
        T_REQUIRE(pl_managed_params(mr, c->params, &a, &p, &err) == 0);
        enum pl_compliance good = judge(p, c->type, c->good), bad = judge(p, c->type, c->bad);
        if (good != PL_COMPLIANT)
            T_FAIL_("%s: compliant configuration gives %s", c->id, pl_compliance_name(good));
        if (bad != PL_NON_COMPLIANT)
            T_FAIL_("%s: non-compliant configuration gives %s", c->id, pl_compliance_name(bad));
        pl_arena_fini(&a);
    }
    T_OK(!pl_rules_managed_proactive("S3_BUCKET_SSL_REQUESTS_ONLY"));
    T_OK(!pl_rules_managed_proactive(NULL));
}

int main(void)
{
    T_RUN(test_proactive_rules);
    T_RUN(test_mapped);
    T_RUN(test_given);
    T_RUN(test_depth);
    return T_EXIT();
}
