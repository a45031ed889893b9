/* trail_keys.c — which resources a CloudTrail record touched, as (resourceType, ref) links
 * (sources/cloudtrail.h, store/trail.h). A generic scan, not a table per event name:
 *
 *   1. resources[].ARN: each ARN as ("", ARN) and, when its form is known, as the AWS Config
 *      type with the id or name it carries (arn:aws:s3:::b -> AWS::S3::Bucket / b);
 *   2. requestParameters and responseElements, walked to depth MAX_DEPTH: members whose name
 *      is a well-known id key of the event's service (KEYS: s3 bucketName -> AWS::S3::Bucket,
 *      iam roleName -> AWS::IAM::Role, ...), strings or arrays of strings; for EC2 every
 *      member named *Id / *Ids whose value has a known id prefix (i-, sg-, vpc-, ...: PREFIXES);
 *      ARNs in members named arn, *Arn, resource, resourceArn (tagging calls);
 *   3. account-level calls (ACCOUNT_CALLS: UpdateAccountPasswordPolicy, ...) -> AWS::::Account
 *      / the account id, the resource plumb records account facts on.
 * A ref is the value as the event spells it: for name-keyed types (IAM, RDS, ...) the name,
 * which the read side matches against a CI's resourceName as well as its resourceId. The scan
 * visits at most MAX_NODES members, so a hostile record costs bounded time.
 */
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "recorder/sources/cloudtrail.h"

#define MAX_DEPTH 8
#define MAX_NODES 4096

/* service (eventSource before ".amazonaws.com"), member name (case-blind), type */
static const struct key {
    const char *service, *member, *type;
} KEYS[] = {
    {"s3", "bucketName", "AWS::S3::Bucket"},
    {"iam", "roleName", "AWS::IAM::Role"},
    {"iam", "userName", "AWS::IAM::User"},
    {"iam", "groupName", "AWS::IAM::Group"},
    {"iam", "policyArn", "AWS::IAM::Policy"},
    {"lambda", "functionName", "AWS::Lambda::Function"},
    {"lambda", "functionArn", "AWS::Lambda::Function"},
    {"rds", "dBInstanceIdentifier", "AWS::RDS::DBInstance"},
    {"rds", "dBClusterIdentifier", "AWS::RDS::DBCluster"},
    {"rds", "dBSnapshotIdentifier", "AWS::RDS::DBSnapshot"},
    {"rds", "dBClusterSnapshotIdentifier", "AWS::RDS::DBClusterSnapshot"},
    {"rds", "dBSubnetGroupName", "AWS::RDS::DBSubnetGroup"},
    {"rds", "dBSecurityGroupName", "AWS::RDS::DBSecurityGroup"},
    {"dynamodb", "tableName", "AWS::DynamoDB::Table"},
    {"sns", "topicArn", "AWS::SNS::Topic"},
    {"sqs", "queueUrl", "AWS::SQS::Queue"},
    {"kms", "keyId", "AWS::KMS::Key"},
    {"cloudtrail", "name", "AWS::CloudTrail::Trail"},
    {"cloudtrail", "trailName", "AWS::CloudTrail::Trail"},
    {"elasticloadbalancing", "loadBalancerName", "AWS::ElasticLoadBalancing::LoadBalancer"},
    {"elasticloadbalancing", "loadBalancerArn", "AWS::ElasticLoadBalancingV2::LoadBalancer"},
    {"elasticloadbalancing", "listenerArn", "AWS::ElasticLoadBalancingV2::Listener"},
    {"logs", "logGroupName", "AWS::Logs::LogGroup"},
    {"secretsmanager", "secretId", "AWS::SecretsManager::Secret"},
    {"ecr", "repositoryName", "AWS::ECR::Repository"},
    {"autoscaling", "autoScalingGroupName", "AWS::AutoScaling::AutoScalingGroup"},
    {"autoscaling", "launchConfigurationName", "AWS::AutoScaling::LaunchConfiguration"},
    {"cloudformation", "stackName", "AWS::CloudFormation::Stack"},
    {"cloudfront", "id", "AWS::CloudFront::Distribution"},
    {"elasticfilesystem", "fileSystemId", "AWS::EFS::FileSystem"},
    {"apigateway", "restApiId", "AWS::ApiGateway::RestApi"},
    {"config", "configRuleName", "AWS::Config::ConfigRule"},
    {"monitoring", "alarmName", "AWS::CloudWatch::Alarm"},
    {"monitoring", "alarmNames", "AWS::CloudWatch::Alarm"},
    {"eks", "clusterName", "AWS::EKS::Cluster"},
    {"redshift", "clusterIdentifier", "AWS::Redshift::Cluster"},
    {"elasticache", "cacheClusterId", "AWS::ElastiCache::CacheCluster"},
    {"kinesis", "streamName", "AWS::Kinesis::Stream"},
    {"route53", "hostedZoneId", "AWS::Route53::HostedZone"},
};

/* EC2 ids by prefix (longest prefixes first where one is a prefix of another) */
static const struct prefix {
    const char *prefix, *type;
} PREFIXES[] = {
    {"i-", "AWS::EC2::Instance"},
    {"sg-", "AWS::EC2::SecurityGroup"},
    {"vpce-", "AWS::EC2::VPCEndpoint"},
    {"vpc-", "AWS::EC2::VPC"},
    {"subnet-", "AWS::EC2::Subnet"},
    {"vol-", "AWS::EC2::Volume"},
    {"eni-", "AWS::EC2::NetworkInterface"},
    {"igw-", "AWS::EC2::InternetGateway"},
    {"eigw-", "AWS::EC2::EgressOnlyInternetGateway"},
    {"rtb-", "AWS::EC2::RouteTable"},
    {"nat-", "AWS::EC2::NatGateway"},
    {"acl-", "AWS::EC2::NetworkAcl"},
    {"eipalloc-", "AWS::EC2::EIP"},
    {"lt-", "AWS::EC2::LaunchTemplate"},
    {"tgw-attach-", "AWS::EC2::TransitGatewayAttachment"},
    {"tgw-rtb-", "AWS::EC2::TransitGatewayRouteTable"},
    {"tgw-", "AWS::EC2::TransitGateway"},
    {"pcx-", "AWS::EC2::VPCPeeringConnection"},
    {"cgw-", "AWS::EC2::CustomerGateway"},
    {"vgw-", "AWS::EC2::VPNGateway"},
    {"vpn-", "AWS::EC2::VPNConnection"},
    {"fl-", "AWS::EC2::FlowLog"},
    {"dopt-", "AWS::EC2::DHCPOptions"},
    {"h-", "AWS::EC2::Host"},
};

/* ARN forms: service, resource prefix (up to and including its separator), type; the ref is
 * what follows the prefix, up to the next '/' or ':' when cut is set (the last segment of an
 * IAM path otherwise: role/service-role/x -> x) */
static const struct arn_form {
    const char *service, *prefix, *type;
    int cut; /* 1: ref ends at '/' or ':'; 0: ref is the last '/' segment; 2: the whole ARN */
} ARNS[] = {
    {"iam", "role/", "AWS::IAM::Role", 0},
    {"iam", "user/", "AWS::IAM::User", 0},
    {"iam", "group/", "AWS::IAM::Group", 0},
    {"iam", "policy/", "AWS::IAM::Policy", 0},
    {"lambda", "function:", "AWS::Lambda::Function", 1},
    {"rds", "db:", "AWS::RDS::DBInstance", 1},
    {"rds", "cluster:", "AWS::RDS::DBCluster", 1},
    {"rds", "snapshot:", "AWS::RDS::DBSnapshot", 1},
    {"rds", "cluster-snapshot:", "AWS::RDS::DBClusterSnapshot", 1},
    {"rds", "subgrp:", "AWS::RDS::DBSubnetGroup", 1},
    {"dynamodb", "table/", "AWS::DynamoDB::Table", 1},
    {"kms", "key/", "AWS::KMS::Key", 1},
    {"cloudtrail", "trail/", "AWS::CloudTrail::Trail", 1},
    {"logs", "log-group:", "AWS::Logs::LogGroup", 1},
    {"ecr", "repository/", "AWS::ECR::Repository", 1},
    {"cloudfront", "distribution/", "AWS::CloudFront::Distribution", 1},
    {"elasticloadbalancing", "loadbalancer/app/", "AWS::ElasticLoadBalancingV2::LoadBalancer", 2},
    {"elasticloadbalancing", "loadbalancer/net/", "AWS::ElasticLoadBalancingV2::LoadBalancer", 2},
    {"elasticloadbalancing", "loadbalancer/", "AWS::ElasticLoadBalancing::LoadBalancer", 1},
    {"sns", "", "AWS::SNS::Topic", 2},
    {"secretsmanager", "secret:", "AWS::SecretsManager::Secret", 2},
    {"eks", "cluster/", "AWS::EKS::Cluster", 1},
    {"cloudwatch", "alarm:", "AWS::CloudWatch::Alarm", 1},
};

/* calls on the account itself: service, event name */
static const struct {
    const char *service, *name;
} ACCOUNT_CALLS[] = {
    {"iam", "UpdateAccountPasswordPolicy"},   {"iam", "DeleteAccountPasswordPolicy"},
    {"ec2", "EnableEbsEncryptionByDefault"},  {"ec2", "DisableEbsEncryptionByDefault"},
    {"ec2", "ModifyEbsDefaultKmsKeyId"},      {"s3", "PutAccountPublicAccessBlock"},
    {"s3", "DeleteAccountPublicAccessBlock"},
};

struct walk {
    struct pl_arena *a;
    char service[48];
    const struct key *keys[16]; /* the KEYS of the service, found once per record */
    size_t nkeys;
    bool ec2;
    struct pl_trail_link *out;
    size_t n, max;
    int nodes;
};

static void add(struct walk *w, const char *type, const char *ref, size_t len)
{
    if (!len || len > 2048 || w->n >= w->max)
        return;
    for (size_t i = 0; i < w->n; i++) /* the same link once */
        if (strcmp(w->out[i].resource_type, type) == 0 && strlen(w->out[i].ref) == len &&
            memcmp(w->out[i].ref, ref, len) == 0)
            return;
    w->out[w->n].resource_type = type;
    w->out[w->n].ref = pl_arena_strndup(w->a, ref, len);
    w->n++;
}

/* An ARN: ("", arn) and its typed form when known. */
static void add_arn(struct walk *w, const char *arn)
{
    size_t len = strlen(arn);
    if (!pl_starts_with(arn, "arn:") || len > 2048)
        return;
    add(w, "", arn, len);
    /* arn:partition:service:region:account:resource: f[i] starts after the (i+1)th ':' */
    const char *p = arn, *f[5];
    for (int i = 0; i < 5; i++) {
        p = strchr(p, ':');
        if (!p)
            return;
        f[i] = ++p;
    }
    size_t slen = (size_t)(f[2] - 1 - f[1]);
    const char *svc = f[1], *res = f[4];
    if (slen == 2 && memcmp(svc, "s3", 2) == 0) {
        if (*res && !strchr(res, '/'))
            add(w, "AWS::S3::Bucket", res, strlen(res));
        return;
    }
    if (slen == 3 && memcmp(svc, "ec2", 3) == 0) {
        const char *id = strchr(res, '/');
        if (!id)
            return;
        id++;
        for (size_t i = 0; i < PL_ARRAY_LEN(PREFIXES); i++)
            if (pl_starts_with(id, PREFIXES[i].prefix)) {
                add(w, PREFIXES[i].type, id, strlen(id));
                return;
            }
        return;
    }
    for (size_t i = 0; i < PL_ARRAY_LEN(ARNS); i++) {
        const struct arn_form *af = &ARNS[i];
        if (strlen(af->service) != slen || memcmp(af->service, svc, slen) != 0 ||
            !pl_starts_with(res, af->prefix))
            continue;
        const char *ref = res + strlen(af->prefix);
        size_t rlen = strlen(ref);
        if (af->cut == 2) {
            add(w, af->type, arn, len);
        } else if (af->cut == 1) {
            rlen = strcspn(ref, "/:");
            add(w, af->type, ref, rlen);
        } else {
            const char *last = strrchr(ref, '/');
            if (last)
                ref = last + 1;
            add(w, af->type, ref, strlen(ref));
        }
        return;
    }
}

static const char *ec2_type(const char *v)
{
    for (size_t i = 0; i < PL_ARRAY_LEN(PREFIXES); i++) {
        size_t pl = strlen(PREFIXES[i].prefix);
        if (strncmp(v, PREFIXES[i].prefix, pl) != 0)
            continue;
        /* an id: the prefix, then 8 or 17 hex digits (other lengths too, for test data) */
        const char *h = v + pl;
        size_t n = strspn(h, "0123456789abcdef");
        return n >= 1 && h[n] == '\0' ? PREFIXES[i].type : NULL;
    }
    return NULL;
}

static bool ends_with_ci(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && strncasecmp(s + len - n, suffix, n) == 0;
}

/* A string value v of member key: what it names, if anything. */
static void value(struct walk *w, const char *key, size_t klen, const char *v)
{
    if (!key || !*v)
        return;
    for (size_t i = 0; i < w->nkeys; i++) {
        const struct key *k = w->keys[i];
        if (strlen(k->member) != klen || strncasecmp(k->member, key, klen) != 0)
            continue;
        if (pl_starts_with(v, "arn:")) {
            add_arn(w, v);
            bool typed = false; /* the ARN's form gave the key's type (with its name) */
            for (size_t j = 0; j < w->n; j++)
                typed |= strcmp(w->out[j].resource_type, k->type) == 0;
            if (!typed)
                add(w, k->type, v, strlen(v));
        } else {
            add(w, k->type, v, strlen(v));
        }
        return;
    }
    if (w->ec2 && (ends_with_ci(key, klen, "id") || ends_with_ci(key, klen, "ids"))) {
        const char *t = ec2_type(v);
        if (t)
            add(w, t, v, strlen(v));
        return;
    }
    if (pl_starts_with(v, "arn:") &&
        (ends_with_ci(key, klen, "arn") || (klen == 8 && strncmp(key, "resource", 8) == 0)))
        add_arn(w, v);
}

/* Walks j (member key) to depth MAX_DEPTH, at most MAX_NODES nodes. */
static void walk(struct walk *w, const struct pl_json *j, const char *key, size_t klen, int depth)
{
    if (!j || depth > MAX_DEPTH || ++w->nodes > MAX_NODES || w->n >= w->max)
        return;
    switch (j->type) {
    case PL_JSTR:
        value(w, key, klen, j->str);
        break;
    case PL_JARR: /* elements keep the member's name: instanceIds: ["i-1", "i-2"] */
        for (const struct pl_json *c = j->child; c; c = c->next)
            walk(w, c, key, klen, depth + 1);
        break;
    case PL_JOBJ:
        for (const struct pl_json *c = j->child; c; c = c->next)
            walk(w, c, c->key, c->klen, depth + 1);
        break;
    default:
        break;
    }
}

size_t pl_trail_extract(struct pl_arena *a, const struct pl_json *rec, const char *account,
                        struct pl_trail_link *out, size_t max)
{
    struct walk w = {.a = a, .out = out, .max = max};
    const char *src = pl_json_get_str(rec, "eventSource");
    if (src) {
        size_t n = strcspn(src, ".");
        if (n < sizeof w.service) {
            memcpy(w.service, src, n);
            w.service[n] = '\0';
        }
    }
    for (size_t i = 0; i < PL_ARRAY_LEN(KEYS) && w.nkeys < PL_ARRAY_LEN(w.keys); i++)
        if (strcmp(KEYS[i].service, w.service) == 0)
            w.keys[w.nkeys++] = &KEYS[i];
    w.ec2 = strcmp(w.service, "ec2") == 0;
    const struct pl_json *res = pl_json_get(rec, "resources");
    if (res && res->type == PL_JARR) {
        int k = 0;
        for (const struct pl_json *r = res->child; r && k < MAX_NODES; r = r->next, k++) {
            const char *arn = pl_json_get_str(r, "ARN");
            if (!arn)
                arn = pl_json_get_str(r, "arn");
            if (arn)
                add_arn(&w, arn);
        }
    }
    walk(&w, pl_json_get(rec, "requestParameters"), NULL, 0, 0);
    walk(&w, pl_json_get(rec, "responseElements"), NULL, 0, 0);
    const char *name = pl_json_get_str(rec, "eventName");
    for (size_t i = 0; name && account && i < PL_ARRAY_LEN(ACCOUNT_CALLS); i++)
        if (strcmp(ACCOUNT_CALLS[i].service, w.service) == 0 &&
            strcmp(ACCOUNT_CALLS[i].name, name) == 0)
            add(&w, "AWS::::Account", account, strlen(account));
    return w.n;
}
