/* test_cfn.c — the CloudFormation-schema -> CI mapping of proactive evaluation (rules/cfn.c):
 * a table of CloudFormation properties and the CI paths managed rules read, then the "as given"
 * shape Guard and Lambda-style rules see, tags, and the depth bound. */
#include <string.h>

#include "core/json.h"
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

int main(void)
{
    T_RUN(test_mapped);
    T_RUN(test_given);
    T_RUN(test_depth);
    return T_EXIT();
}
