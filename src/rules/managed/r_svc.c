/* r_svc.c — managed rules (tsv ranks 61 and up) about service resources whose logic is a
 * field test: search domains, KMS keys, SNS, CloudWatch logs and alarms, ACM, API Gateway
 * stages and endpoint types, Auto Scaling, CloudFront distributions, Network Firewall rule
 * groups, Secrets Manager, EC2 instances, subnets and RDS/Redshift settings.
 *
 * Most are check tables (struct pl_managed__check); each table's comment says why the rule is what
 * AWS documents. Paths list Config's spelling; pl_managed__get also tries the first letter flipped
 * (the PascalCase of CloudFormation-schema types) and '|' gives the odd spellings Config records
 * (vpcoptions, ssedescription, okactions).
 */
#include <stdio.h>
#include <string.h>

#include "core/time.h"

#include "core/util.h"
#include "rules/managed/managed_int.h"

#define CFG  "configuration."
#define SUPP "supplementaryConfiguration."

#define CHECKS(t) .checks = t, .nchecks = PL_MIMPL_LEN(t)
#define PARAMS(t) .params = t, .nparams = PL_MIMPL_LEN(t)

/* A list parameter of key ARNs (kmsKeyArns and the like). */
#define KEY_LIST(n) {.name = n, .type = PL_MP_LIST}

/* ---- SageMaker, Elasticsearch / OpenSearch ---- */

/* NON_COMPLIANT when KmsKeyId is not set, or not one of kmsKeyArns. */
static const struct pl_managed_pspec kms_arns_params[] = {KEY_LIST("kmsKeyArns")};
static const struct pl_managed__check notebook_kms_checks[] = {
    {.path = CFG "kmsKeyId", .op = MCK_PRESENT, .why = "The notebook instance has no KMS key."},
    {.path = CFG "kmsKeyId",
     .op = MCK_IN_PARAM,
     .why = "The notebook instance's KMS key is not one of kmsKeyArns."},
};

/* Both generations of the search service record the same options (camelCase for
 * Elasticsearch, PascalCase for OpenSearch). */
static const struct pl_managed__check search_at_rest_checks[] = {
    {.path = CFG "encryptionAtRestOptions.enabled",
     .op = MCK_TRUE,
     .why = "Encryption at rest is not enabled on the domain."},
};
static const struct pl_managed__check search_n2n_checks[] = {
    {.path = CFG "nodeToNodeEncryptionOptions.enabled",
     .op = MCK_TRUE,
     .why = "Node-to-node encryption is not enabled on the domain."},
};
/* A domain in a VPC has VPC options with subnets; one without has a public endpoint. */
static const struct pl_managed__check search_vpc_checks[] = {
    {.path = CFG "vpcoptions.subnetIds|" CFG "vPCOptions.subnetIds|" CFG "vpcOptions.subnetIds",
     .op = MCK_PRESENT,
     .why = "The domain is not in a VPC (its endpoint is public)."},
};

/* OpenSearch: HTTPS must be enforced and, with tlsPolicies, the TLS policy one of them. */
static const struct pl_managed_pspec tls_policies_params[] = {
    {.name = "tlsPolicies", .type = PL_MP_LIST},
};
static const struct pl_managed__check search_https_checks[] = {
    {.path = CFG "domainEndpointOptions.enforceHTTPS",
     .op = MCK_TRUE,
     .why = "The domain does not enforce HTTPS."},
    {.path = CFG "domainEndpointOptions.tLSSecurityPolicy|" CFG
                 "domainEndpointOptions.tlssecurityPolicy",
     .op = MCK_IN_PARAM,
     .why = "The domain's TLS security policy is not one of tlsPolicies."},
};

/* logTypes -> the LogPublishingOptions key AWS reads; "error" (application logs) when unset. */
static const struct pl_managed_pspec search_log_params[] = {
    {.name = "logTypes", .type = PL_MP_LIST, .choices = "search|index|error"},
};

static const char *search_log_key(const char *t)
{
    return strcmp(t, "search") == 0  ? "SEARCH_SLOW_LOGS"
           : strcmp(t, "index") == 0 ? "INDEX_SLOW_LOGS"
                                     : "ES_APPLICATION_LOGS";
}

static int search_logs(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    static const char *const dflt[] = {"error"};
    const struct pl_managed_pval *pv = &c->p->v[0];
    const char *const *want = pv->set ? pv->items : dflt;
    size_t n = pv->set ? pv->nitems : 1;
    const struct pl_json *opts = pl_managed__get(v->cfg, "logPublishingOptions");
    for (size_t i = 0; i < n; i++) {
        const struct pl_json *o = pl_managed__get(opts, search_log_key(want[i]));
        if (!pl_managed__true(pl_managed__get(o, "enabled")) ||
            pl_managed__empty(pl_managed__get(o, "cloudWatchLogsLogGroupArn")))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "The domain does not publish %s logs to CloudWatch Logs.",
                                   want[i]);
    }
    return 0;
}

/* ---- KMS ---- */

/* Only customer managed keys are judged; AWS managed keys rotate on AWS's schedule. */
static const struct pl_managed__check cmk_rotation_checks[] = {
    {.path = CFG "keyManager", .op = MCK_EQ, .arg = "CUSTOMER", .applies = true},
    {.path = CFG "keySpec|" CFG "customerMasterKeySpec",
     .op = MCK_EQ,
     .arg = "SYMMETRIC_DEFAULT",
     .applies = true},
    {.path = CFG "keyState", .op = MCK_NE, .arg = "PendingDeletion", .applies = true},
    {.path = SUPP "KeyRotationStatus",
     .op = MCK_TRUE,
     .why = "Automatic rotation is not enabled for the customer managed key."},
};

static const struct pl_managed_pspec kms_ids_params[] = {KEY_LIST("kmsKeyIds")};
/* With kmsKeyIds only the listed keys are judged. */
static const struct pl_managed__check cmk_deletion_checks[] = {
    {.path = CFG "keyManager", .op = MCK_EQ, .arg = "CUSTOMER", .applies = true},
    {.path = CFG "keyId", .op = MCK_IN_PARAM, .applies = true},
    {.path = CFG "keyState",
     .op = MCK_NE,
     .arg = "PendingDeletion",
     .why = "The KMS key is scheduled for deletion."},
};

/* ---- SNS, CloudWatch Logs, DynamoDB, Secrets Manager ---- */

static const struct pl_managed__check sns_kms_checks[] = {
    {.path = CFG "kmsMasterKeyId",
     .op = MCK_PRESENT,
     .why = "The topic is not encrypted with KMS."},
    {.path = CFG "kmsMasterKeyId",
     .op = MCK_IN_PARAM,
     .why = "The topic's KMS key is not one of kmsKeyIds."},
};

static const struct pl_managed_pspec log_kms_params[] = {{.name = "KmsKeyId", .type = PL_MP_STR}};
static const struct pl_managed__check log_kms_checks[] = {
    {.path = CFG "kmsKeyId", .op = MCK_PRESENT, .why = "The log group has no KMS key."},
    {.path = CFG "kmsKeyId",
     .op = MCK_EQ_PARAM,
     .why = "The log group is not encrypted with the KMS key given in KmsKeyId."},
};

/* Retention: unset means never expire, which passes; LogGroupNames limits the scope. */
enum { P_LG_NAMES, P_LG_MIN };
static const struct pl_managed_pspec log_retention_params[] = {
    {.name = "LogGroupNames", .type = PL_MP_LIST},
    /* AWS lists the retention values CloudWatch offers, but its own BNM-RMiT and FFIEC packs
     * pass 1095 and deploy: any number of days in CloudWatch's range is accepted */
    {.name = "MinRetentionTime", .type = PL_MP_INT, .def = "365", .min = 1, .max = 3653},
};
static const struct pl_managed__check log_retention_checks[] = {
    {.path = CFG "logGroupName", .op = MCK_IN_PARAM, .param = P_LG_NAMES, .applies = true},
    {.path = CFG "retentionInDays",
     .op = MCK_GE_PARAM,
     .param = P_LG_MIN,
     .or_absent = true,
     .why = "The log group's retention is shorter than MinRetentionTime days."},
};

/* SSE must be enabled with type KMS (an AWS owned key is not KMS). */
static const struct pl_managed__check ddb_kms_checks[] = {
    {.path = CFG "ssedescription.status|" CFG "sSEDescription.status",
     .op = MCK_EQ,
     .arg = "ENABLED",
     .why = "The table is not encrypted with AWS KMS."},
    {.path = CFG "ssedescription.ssetype|" CFG "sSEDescription.sSEType",
     .op = MCK_EQ,
     .arg = "KMS",
     .why = "The table is not encrypted with AWS KMS."},
    {.path = CFG "ssedescription.kmsmasterKeyArn|" CFG "sSEDescription.kMSMasterKeyArn",
     .op = MCK_IN_PARAM,
     .why = "The table's KMS key is not one of kmsKeyArns."},
};

/* A secret without KMSKeyId uses aws/secretsmanager, the AWS managed key. */
static const struct pl_managed__check secret_cmk_checks[] = {
    {.path = CFG "kMSKeyId|" CFG "kmsKeyId",
     .op = MCK_PRESENT,
     .why = "The secret is encrypted with the AWS managed key aws/secretsmanager."},
    {.path = CFG "kMSKeyId|" CFG "kmsKeyId",
     .op = MCK_IN_PARAM,
     .why = "The secret's KMS key is not one of kmsKeyArns."},
};

enum { P_SEC_DAYS, P_SEC_HOURS };
static const struct pl_managed_pspec secret_rotation_params[] = {
    {.name = "maximumAllowedRotationFrequency", .type = PL_MP_INT, .min = 1, .max = 1000},
    {.name = "maximumAllowedRotationFrequencyInHours", .type = PL_MP_INT, .min = 1, .max = 24000},
};

static int secret_rotation(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                           struct pl_managed_eval *out)
{
    const struct pl_managed_pval *pv = c->p->v;
    long long days = -1, hours = -1;
    if (!pl_managed__true(pl_managed__get(v->cfg, "rotationEnabled")))
        return pl_managed__res(out, PL_NON_COMPLIANT, "Rotation is not enabled for the secret.");
    const struct pl_json *rules = pl_managed__get(v->cfg, "rotationRules");
    if (pl_managed__int(pl_managed__get(rules, "automaticallyAfterDays"), &days) == 0)
        hours = days * 24;
    else if (pl_managed__int(pl_managed__get(rules, "automaticallyAfterHours"), &hours) < 0)
        hours = -1;
    if (pv[P_SEC_HOURS].set && (hours < 0 || hours > pv[P_SEC_HOURS].i))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The secret rotates less often than every %lld hours.",
                               pv[P_SEC_HOURS].i);
    if (pv[P_SEC_DAYS].set && !pv[P_SEC_HOURS].set &&
        (hours < 0 || hours > pv[P_SEC_DAYS].i * 24))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The secret rotates less often than every %lld days.",
                               pv[P_SEC_DAYS].i);
    return 0;
}

/* ---- ACM, API Gateway ---- */

static const struct pl_managed_pspec acm_params[] = {
    {.name = "daysToExpiration", .type = PL_MP_INT, .def = "14", .min = 1, .max = 365},
};
/* Certificates not issued (pending, failed) have no notAfter and are not judged. */
static const struct pl_managed__check acm_expiry_checks[] = {
    {.path = CFG "notAfter", .op = MCK_PRESENT, .applies = true},
    {.path = CFG "notAfter",
     .op = MCK_DAYS_LEFT,
     .why = "The certificate expires within daysToExpiration days."},
};

/* RSA certificates (others N/A) have keys of 2048 bits or more: ACM's only shorter one is 1024. */
static const struct pl_managed__check acm_rsa_checks[] = {
    {.path = CFG "keyAlgorithm", .op = MCK_PREFIX, .arg = "RSA", .applies = true},
    {.path = CFG "keyAlgorithm",
     .op = MCK_NE,
     .arg = "RSA-1024",
     .why = "The certificate's RSA key is shorter than 2048 bits."},
    {.path = CFG "keyAlgorithm",
     .op = MCK_NE,
     .arg = "RSA_1024",
     .why = "The certificate's RSA key is shorter than 2048 bits."},
};

static const struct pl_managed__check apigw2_access_log_checks[] = {
    {.path = CFG "accessLogSettings",
     .op = MCK_PRESENT,
     .why = "Access logging is not enabled on the stage (no accessLogSettings)."},
};

static const struct pl_managed_pspec cert_ids_params[] = {KEY_LIST("CertificateIDs")};
static const struct pl_managed__check apigw_ssl_checks[] = {
    {.path = CFG "clientCertificateId",
     .op = MCK_PRESENT,
     .why = "The stage has no client certificate."},
    {.path = CFG "clientCertificateId",
     .op = MCK_IN_PARAM,
     .why = "The stage's client certificate is not one of CertificateIDs."},
};

static const struct pl_managed_pspec waf_arns_params[] = {KEY_LIST("WebAclArns")};
static const struct pl_managed__check apigw_waf_checks[] = {
    {.path = CFG "webAclArn", .op = MCK_PRESENT, .why = "The stage has no AWS WAF web ACL."},
    {.path = CFG "webAclArn",
     .op = MCK_IN_PARAM,
     .why = "The stage's web ACL is not one of WebAclArns."},
};

static const struct pl_managed_pspec endpoint_types_params[] = {
    {.name = "endpointConfigurationTypes",
     .type = PL_MP_LIST,
     .required = true,
     .choices = "REGIONAL|PRIVATE|EDGE"},
};
static const struct pl_managed__check endpoint_type_checks[] = {
    {.path = CFG "endpointConfiguration.types",
     .op = MCK_PRESENT,
     .why = "The API has no endpoint configuration."},
    {.path = CFG "endpointConfiguration.types",
     .op = MCK_ALL_IN_PARAM,
     .why = "An endpoint type of the API is not one of endpointConfigurationTypes."},
};

/* ---- CloudFront, Network Firewall ---- */

#define CF CFG "distributionConfig."
static const struct pl_managed__check cf_root_object_checks[] = {
    {.path = CF "defaultRootObject",
     .op = MCK_PRESENT,
     .why = "The distribution has no default root object."},
};

/* Logging enabled; with S3BucketName, to that bucket (Config records "<name>.s3.amazonaws.com"). */
static const struct pl_managed_pspec cf_log_params[] = {
    {.name = "S3BucketName", .type = PL_MP_STR},
};

static int cf_logging(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                      struct pl_managed_eval *out)
{
    const struct pl_json *log = pl_managed__path(c, v->cfg, "distributionConfig.logging");
    const struct pl_managed_pval *want = &c->p->v[0];
    if (!pl_managed__true(pl_managed__get(log, "enabled")))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "Access logging is not enabled on the distribution.");
    const char *bucket = pl_json_str(pl_managed__get(log, "bucket"));
    size_t n = want->set ? strlen(want->s) : 0;
    if (want->set &&
        !(bucket && strncmp(bucket, want->s, n) == 0 && (bucket[n] == 0 || bucket[n] == '.')))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "Access logs go to %.100s, not to S3BucketName.",
                               bucket ? bucket : "no bucket");
    return 0;
}

/* Neither the default cache behavior nor another (cacheBehaviors.items, or an array) allows
 * plain HTTP (viewerProtocolPolicy allow-all). */
static int cf_viewer_https(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                           struct pl_managed_eval *out)
{
    if (pl_managed__streq(
            pl_managed__path(c, v->cfg,
                             "distributionConfig.defaultCacheBehavior.viewerProtocolPolicy"),
            "allow-all"))
        return pl_managed__res(
            out, PL_NON_COMPLIANT,
            "The default cache behavior allows HTTP (viewerProtocolPolicy allow-all).");
    const struct pl_json *cbs = pl_managed__path(c, v->cfg, "distributionConfig.cacheBehaviors");
    if (cbs && cbs->type == PL_JOBJ)
        cbs = pl_managed__get(cbs, "items");
    for (const struct pl_json *b = cbs && cbs->type == PL_JARR ? cbs->child : NULL; b; b = b->next)
        if (pl_managed__streq(pl_managed__get(b, "viewerProtocolPolicy"), "allow-all"))
            return pl_managed__res(
                out, PL_NON_COMPLIANT,
                "The cache behavior for %.100s allows HTTP (viewerProtocolPolicy "
                "allow-all).",
                pl_json_str(pl_managed__get(b, "pathPattern")));
    return 0;
}

static const struct pl_managed__check netfw_stateless_checks[] = {
    {.path = CFG "ruleGroupResponse.type|" CFG "type",
     .op = MCK_EQ,
     .arg = "STATELESS",
     .applies = true},
    {.path = CFG "ruleGroup.rulesSource.statelessRulesAndCustomActions.statelessRules",
     .op = MCK_PRESENT,
     .why = "The stateless rule group has no rules."},
};

/* ---- Auto Scaling, EC2 ---- */

static const struct pl_managed__check lc_public_ip_checks[] = {
    {.path = CFG "associatePublicIpAddress",
     .op = MCK_NOT_TRUE,
     .why = "The launch configuration assigns public IP addresses."},
};

/* Only groups attached to a Classic Load Balancer are judged, as AWS documents. */
static const struct pl_managed__check asg_elb_health_checks[] = {
    {.path = CFG "loadBalancerNames", .op = MCK_PRESENT, .applies = true},
    {.path = CFG "healthCheckType",
     .op = MCK_EQ,
     .arg = "ELB",
     .why = "The Auto Scaling group does not use Elastic Load Balancing health checks."},
};

/* Capacity Rebalancing matters for groups that mix instance types (a mixed instances policy). */
static const struct pl_managed__check asg_rebalance_checks[] = {
    {.path = CFG "mixedInstancesPolicy", .op = MCK_PRESENT, .applies = true},
    {.path = CFG "capacityRebalance",
     .op = MCK_TRUE,
     .why = "Capacity Rebalancing is not enabled on the Auto Scaling group."},
};

/* The group's mixed instances policy names two instance types or more. */
static int asg_instance_types(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                              struct pl_managed_eval *out)
{
    const struct pl_json *ovr =
        pl_managed__path(c, v->cfg, "mixedInstancesPolicy.launchTemplate.overrides");
    const char *first = NULL;
    for (const struct pl_json *o = ovr ? ovr->child : NULL; o; o = o->next) {
        const char *t = pl_json_str(pl_managed__get(o, "instanceType"));
        if (t && first && strcmp(t, first) != 0)
            return 0;
        first = first ? first : t;
    }
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "The Auto Scaling group uses one instance type only.");
}

/* The group spans minAvailabilityZones zones or more (unset: more than one). */
static const struct pl_managed_pspec asg_az_params[] = {
    {.name = "minAvailabilityZones", .type = PL_MP_INT, .min = 1, .max = 100},
};

static int asg_multiple_az(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                           struct pl_managed_eval *out)
{
    const struct pl_json *zones = pl_managed__get(v->cfg, "availabilityZones");
    long long want = c->p->v[0].set ? c->p->v[0].i : 2;
    int n = zones && zones->type == PL_JARR ? (int)zones->len : 0;
    if (n < want)
        return pl_managed__res(
            out, PL_NON_COMPLIANT,
            "The Auto Scaling group spans %d Availability Zones, fewer than %lld.", n, want);
    return 0;
}

static const struct pl_managed_pspec profile_params[] = {KEY_LIST("IamInstanceProfileArnList")};
static const struct pl_managed__check profile_checks[] = {
    {.path = CFG "iamInstanceProfile.arn",
     .op = MCK_PRESENT,
     .why = "The instance has no IAM instance profile."},
    {.path = CFG "iamInstanceProfile.arn",
     .op = MCK_IN_PARAM,
     .why = "The instance profile is not one of IamInstanceProfileArnList."},
};

static const struct pl_managed__check imdsv2_checks[] = {
    {.path = CFG "metadataOptions.httpTokens",
     .op = MCK_EQ,
     .arg = "required",
     .why = "The instance metadata service does not require tokens (IMDSv2)."},
};

static const struct pl_managed__check detailed_monitoring_checks[] = {
    {.path = CFG "monitoring.state",
     .op = MCK_EQ,
     .arg = "enabled",
     .why = "Detailed monitoring is not enabled."},
};

static const struct pl_managed__check subnet_public_ip_checks[] = {
    {.path = CFG "mapPublicIpOnLaunch",
     .op = MCK_NOT_TRUE,
     .why = "The subnet assigns public IP addresses on launch."},
};

/* ---- RDS, Redshift ---- */

static const struct pl_managed__check rds_multi_az_checks[] = {
    {.path = CFG "multiAZ", .op = MCK_TRUE, .why = "Multi-AZ is not enabled."},
};

/* Aurora instances take their availability from the cluster (RDS_CLUSTER_MULTI_AZ_ENABLED),
 * so they are not judged here. */
static int rds_instance_multi_az(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                                 struct pl_managed_eval *out)
{
    const char *engine = pl_json_str(pl_managed__get(v->cfg, "engine"));
    if (engine && pl_starts_with(engine, "aurora"))
        return pl_managed__na(out);
    pl_managed__checks(c, v, rds_multi_az_checks, PL_MIMPL_LEN(rds_multi_az_checks), out);
    return 0;
}

static const struct pl_managed_pspec engines_params[] = {
    {.name = "databaseEngines", .type = PL_MP_LIST},
};
static const struct pl_managed__check rds_deletion_checks[] = {
    {.path = CFG "engine", .op = MCK_IN_PARAM, .applies = true},
    {.path = CFG "deletionProtection",
     .op = MCK_TRUE,
     .why = "Deletion protection is not enabled."},
};

static const struct pl_managed__check rds_minor_upgrade_checks[] = {
    {.path = CFG "autoMinorVersionUpgrade",
     .op = MCK_TRUE,
     .why = "Automatic minor version upgrade is not enabled."},
};

static const struct pl_managed_pspec monitoring_params[] = {
    {.name = "monitoringInterval", .type = PL_MP_INT, .choices = "1|5|10|15|30|60"},
};
static const struct pl_managed__check rds_monitoring_checks[] = {
    {.path = CFG "monitoringInterval",
     .op = MCK_GT,
     .arg = "0",
     .why = "Enhanced monitoring is not enabled."},
    {.path = CFG "monitoringInterval",
     .op = MCK_GE_PARAM,
     .why = "The enhanced monitoring interval differs from monitoringInterval."},
    {.path = CFG "monitoringInterval",
     .op = MCK_LE_PARAM,
     .why = "The enhanced monitoring interval differs from monitoringInterval."},
};

static const struct pl_managed__check redshift_kms_checks[] = {
    {.path = CFG "encrypted", .op = MCK_TRUE, .why = "The cluster is not encrypted."},
    {.path = CFG "kmsKeyId", .op = MCK_PRESENT, .why = "The cluster is not encrypted with KMS."},
    {.path = CFG "kmsKeyId",
     .op = MCK_IN_PARAM,
     .why = "The cluster's KMS key is not one of kmsKeyArns."},
};

static const struct pl_managed__check redshift_vpc_routing_checks[] = {
    {.path = CFG "enhancedVpcRouting",
     .op = MCK_TRUE,
     .why = "Enhanced VPC routing is not enabled."},
};

enum { P_RM_UPGRADE, P_RM_WINDOW, P_RM_RETENTION };
static const struct pl_managed_pspec redshift_maint_params[] = {
    {.name = "allowVersionUpgrade", .type = PL_MP_BOOL, .def = "true"},
    {.name = "preferredMaintenanceWindow", .type = PL_MP_STR},
    {.name = "automatedSnapshotRetentionPeriod",
     .type = PL_MP_INT,
     .def = "1",
     .min = 1,
     .max = 35},
};

/* allowVersionUpgrade must equal the parameter; the window (case-insensitive, as Redshift
 * lowercases it) must equal it when given; retention must be at least the parameter. */
static int redshift_maint(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    const struct pl_managed_pval *pv = c->p->v;
    long long days = 0;
    if (pl_managed__true(pl_managed__get(v->cfg, "allowVersionUpgrade")) != pv[P_RM_UPGRADE].b)
        return pl_managed__res(out, PL_NON_COMPLIANT, "allowVersionUpgrade is not %s.",
                               pv[P_RM_UPGRADE].b ? "true" : "false");
    if (pv[P_RM_WINDOW].set &&
        !pl_managed__streq(pl_managed__get(v->cfg, "preferredMaintenanceWindow"),
                           pv[P_RM_WINDOW].s))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The maintenance window differs from preferredMaintenanceWindow.");
    if (pl_managed__int(pl_managed__get(v->cfg, "automatedSnapshotRetentionPeriod"), &days) < 0 ||
        days < pv[P_RM_RETENTION].i)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The snapshot retention period is below %lld days.",
                               pv[P_RM_RETENTION].i);
    return 0;
}

/* ---- CloudWatch alarms ---- */

enum { P_AL_ALARM, P_AL_INSUFF, P_AL_OK, P_AL_ACT1 };
static const struct pl_managed_pspec alarm_params[] = {
    {.name = "alarmActionRequired", .type = PL_MP_BOOL, .def = "true"},
    {.name = "insufficientDataActionRequired", .type = PL_MP_BOOL, .def = "true"},
    {.name = "okActionRequired", .type = PL_MP_BOOL, .def = "false"},
    {.name = "action1", .type = PL_MP_STR},
    {.name = "action2", .type = PL_MP_STR},
    {.name = "action3", .type = PL_MP_STR},
    {.name = "action4", .type = PL_MP_STR},
    {.name = "action5", .type = PL_MP_STR},
};

static bool wanted_action(const struct pl_managed_pval *pv, const struct pl_json *acts,
                          bool *any_param)
{
    *any_param = false;
    for (int i = P_AL_ACT1; i < P_AL_ACT1 + 5; i++) {
        if (!pv[i].set)
            continue;
        *any_param = true;
        for (const struct pl_json *a = acts ? acts->child : NULL; a; a = a->next)
            if (pl_json_str(a) && strcmp(pl_json_str(a), pv[i].s) == 0)
                return true;
    }
    return false;
}

/* Each required kind of action needs one action; with action1..5, one of them. */
static int alarm_actions(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                         struct pl_managed_eval *out)
{
    static const struct {
        const char *path, *what;
    } kinds[] = {
        {"alarmActions", "ALARM"},
        {"insufficientDataActions", "INSUFFICIENT_DATA"},
        {"okactions|oKActions|okActions", "OK"},
    };
    const struct pl_managed_pval *pv = c->p->v;
    for (int k = 0; k < 3; k++) {
        if (!pv[k].b)
            continue;
        const struct pl_json *acts = pl_managed__path(c, v->cfg, kinds[k].path);
        bool any_param;
        if (pl_managed__empty(acts))
            return pl_managed__res(out, PL_NON_COMPLIANT, "The alarm has no %s action.",
                                   kinds[k].what);
        if (!wanted_action(pv, acts, &any_param) && any_param)
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "No %s action of the alarm is one of action1..action5.",
                                   kinds[k].what);
    }
    return 0;
}

/* CLOUDWATCH_ALARM_RESOURCE_CHECK: each resource of type resourceType (others N/A) is watched by
 * a recorded alarm on metricName with a dimension naming it (InstanceId, VolumeId,
 * DBClusterIdentifier or BucketName: the resource id, the cluster's identifier, the bucket). */
enum { P_AR_TYPE, P_AR_METRIC };
static const struct pl_managed_pspec alarm_resource_params[] = {
    [P_AR_TYPE] = {.name = "resourceType",
                   .type = PL_MP_STR,
                   .required = true,
                   .choices =
                       "AWS::EC2::Volume|AWS::EC2::Instance|AWS::RDS::DBCluster|AWS::S3::Bucket"},
    [P_AR_METRIC] = {.name = "metricName", .type = PL_MP_STR, .required = true},
};

struct watched_q {
    const struct pl_managed__ctx *c;
    const char *name; /* the dimension value that names the resource */
    bool hit;
};

static int alarm_watches(void *u, const struct pl_json *ci)
{
    struct watched_q *q = u;
    const char *st = pl_json_get_str(ci, "configurationItemStatus");
    if (st && pl_starts_with(st, "ResourceDeleted"))
        return 0;
    const struct pl_json *cfg = pl_managed__doc(q->c, pl_json_get(ci, "configuration"));
    if (!pl_managed__streq(pl_managed__get(cfg, "metricName"), q->c->p->v[P_AR_METRIC].s))
        return 0;
    const struct pl_json *dims = pl_managed__get(cfg, "dimensions");
    for (const struct pl_json *d = dims ? dims->child : NULL; d; d = d->next)
        if (pl_managed__streq(pl_managed__get(d, "value"), q->name))
            return q->hit = true;
    return 0;
}

static int alarm_resource(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    if (!v->type || strcmp(v->type, c->p->v[P_AR_TYPE].s) != 0)
        return pl_managed__na(out);
    struct watched_q q = {c, v->id, false};
    if (strcmp(v->type, "AWS::RDS::DBCluster") == 0)
        q.name =
            pl_json_str(pl_managed__path(c, v->cfg, "dbclusterIdentifier|dBClusterIdentifier"));
    if (pl_managed__need_env(c, "the recorded AWS::CloudWatch::Alarm resources") < 0)
        return -1;
    if (q.name)
        c->env->each(c->env->u, "AWS::CloudWatch::Alarm", alarm_watches, &q);
    if (!q.hit)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "No recorded alarm on %.100s watches the resource.",
                               c->p->v[P_AR_METRIC].s);
    return 0;
}

/* CLOUDWATCH_ALARM_SETTINGS_CHECK: alarms on metricName (others N/A) have the settings given. */
enum { P_AS_METRIC, P_AS_THRESHOLD, P_AS_PERIODS, P_AS_PERIOD, P_AS_OPERATOR, P_AS_STATISTIC };
static const struct pl_managed_pspec alarm_settings_params[] = {
    [P_AS_METRIC] = {.name = "metricName", .type = PL_MP_STR, .required = true},
    [P_AS_THRESHOLD] = {.name = "threshold", .type = PL_MP_INT},
    [P_AS_PERIODS] = {.name = "evaluationPeriods", .type = PL_MP_INT, .min = 1, .max = 100000},
    [P_AS_PERIOD] = {.name = "period", .type = PL_MP_INT, .def = "300", .min = 1, .max = 86400},
    [P_AS_OPERATOR] = {.name = "comparisonOperator",
                       .type = PL_MP_STR,
                       .choices = "GreaterThanOrEqualToThreshold|GreaterThanThreshold|"
                                  "LessThanThreshold|LessThanOrEqualToThreshold|"
                                  "LessThanLowerOrGreaterThanUpperThreshold|"
                                  "LessThanLowerThreshold|GreaterThanUpperThreshold"},
    [P_AS_STATISTIC] = {.name = "statistic",
                        .type = PL_MP_STR,
                        .choices = "SampleCount|Average|Sum|Minimum|Maximum"},
};
static const struct pl_managed__check alarm_settings_checks[] = {
    {.path = CFG "metricName", .op = MCK_EQ_PARAM, .param = P_AS_METRIC, .applies = true},
    {.path = CFG "threshold",
     .op = MCK_EQ_INT_PARAM,
     .param = P_AS_THRESHOLD,
     .why = "The alarm's threshold is not the one given in threshold."},
    {.path = CFG "evaluationPeriods",
     .op = MCK_EQ_INT_PARAM,
     .param = P_AS_PERIODS,
     .why = "The alarm's evaluationPeriods is not the one given."},
    {.path = CFG "period",
     .op = MCK_EQ_INT_PARAM,
     .param = P_AS_PERIOD,
     .why = "The alarm's period is not the one given in period (default 300)."},
    {.path = CFG "comparisonOperator",
     .op = MCK_EQ_PARAM,
     .param = P_AS_OPERATOR,
     .why = "The alarm's comparison operator is not comparisonOperator."},
    {.path = CFG "statistic",
     .op = MCK_EQ_PARAM,
     .param = P_AS_STATISTIC,
     .why = "The alarm's statistic is not the one given in statistic."},
};

/* A failure-feedback role for some delivery protocol logs the delivery status. */
static const struct pl_managed__check sns_delivery_checks[] = {
    {.path = CFG "HTTPFailureFeedbackRoleArn|" CFG "SQSFailureFeedbackRoleArn|" CFG
                 "LambdaFailureFeedbackRoleArn|" CFG "ApplicationFailureFeedbackRoleArn|" CFG
                 "FirehoseFailureFeedbackRoleArn",
     .op = MCK_PRESENT,
     .why = "Delivery status logging is not enabled for the topic (no failure feedback role)."},
};

/* ---- Lambda, IAM membership, CloudTrail, ELB, S3, route tables (ranks 64-114) ---- */

static const struct pl_managed_pspec subnet_ids_params[] = {
    {.name = "subnetIds", .type = PL_MP_LIST},
};
/* With subnetIds, every subnet of the function must be one of them. */
static const struct pl_managed__check lambda_vpc_checks[] = {
    {.path = CFG "vpcConfig.subnetIds",
     .op = MCK_PRESENT,
     .why = "The function is not connected to a VPC."},
    {.path = CFG "vpcConfig.subnetIds",
     .op = MCK_ALL_IN_PARAM,
     .why = "A subnet of the function is not one of subnetIds."},
};

static const struct pl_managed_pspec group_names_params[] = {
    {.name = "groupNames", .type = PL_MP_LIST},
};
/* With groupNames, the user must be in one of them. */
static const struct pl_managed__check user_group_checks[] = {
    {.path = CFG "groupList", .op = MCK_PRESENT, .why = "The user is in no IAM group."},
    {.path = CFG "groupList",
     .op = MCK_ANY_IN_PARAM,
     .why = "The user is in none of the groups named in groupNames."},
};

static const struct pl_managed__check inline_policy_checks[] = {
    {.type = "AWS::IAM::User",
     .path = CFG "userPolicyList",
     .op = MCK_ABSENT,
     .why = "The user has an inline policy."},
    {.type = "AWS::IAM::Role",
     .path = CFG "rolePolicyList",
     .op = MCK_ABSENT,
     .why = "The role has an inline policy."},
    {.type = "AWS::IAM::Group",
     .path = CFG "groupPolicyList",
     .op = MCK_ABSENT,
     .why = "The group has an inline policy."},
};

static const struct pl_managed__check trail_validation_checks[] = {
    {.path = CFG "logFileValidationEnabled",
     .op = MCK_TRUE,
     .why = "Log file validation is not enabled on the trail."},
};

static const struct pl_managed__check clb_cross_zone_checks[] = {
    {.path = SUPP "LoadBalancerAttributes.crossZoneLoadBalancing.enabled",
     .op = MCK_TRUE,
     .why = "Cross-zone load balancing is not enabled."},
};

static const struct pl_managed_pspec excluded_buckets_params[] = {
    {.name = "excludedPublicBuckets", .type = PL_MP_LIST},
};
/* Listed buckets are known to be public and pass; the others need all four settings. */
static const struct pl_managed__check bucket_bpa_checks[] = {
    {.path = SUPP "PublicAccessBlockConfiguration.blockPublicAcls",
     .op = MCK_TRUE,
     .why = "Bucket-level BlockPublicAcls is not enabled."},
    {.path = SUPP "PublicAccessBlockConfiguration.ignorePublicAcls",
     .op = MCK_TRUE,
     .why = "Bucket-level IgnorePublicAcls is not enabled."},
    {.path = SUPP "PublicAccessBlockConfiguration.blockPublicPolicy",
     .op = MCK_TRUE,
     .why = "Bucket-level BlockPublicPolicy is not enabled."},
    {.path = SUPP "PublicAccessBlockConfiguration.restrictPublicBuckets",
     .op = MCK_TRUE,
     .why = "Bucket-level RestrictPublicBuckets is not enabled."},
};

static int bucket_bpa(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                      struct pl_managed_eval *out)
{
    const struct pl_managed_pval *ex = &c->p->v[0];
    if (ex->set && pl_managed__in_list(ex, pl_json_str(pl_managed__get(v->cfg, "name"))))
        return 0;
    pl_managed__checks(c, v, bucket_bpa_checks, PL_MIMPL_LEN(bucket_bpa_checks), out);
    return 0;
}

/* HTTPS/SSL listeners of a Classic Load Balancer must use an ACM certificate (an IAM server
 * certificate ARN has ":iam::"); a balancer without such listeners is not judged. */
static int clb_acm(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                   struct pl_managed_eval *out)
{
    const struct pl_json *ls = pl_managed__get(v->cfg, "listenerDescriptions");
    bool tls = false;
    for (const struct pl_json *l = ls ? ls->child : NULL; l; l = l->next) {
        const struct pl_json *p = pl_managed__path(c, l, "listener.protocol");
        if (!pl_managed__streq(p, "HTTPS") && !pl_managed__streq(p, "SSL"))
            continue;
        tls = true;
        const char *cert = pl_json_str(
            pl_managed__path(c, l, "listener.sslcertificateId|listener.sSLCertificateId"));
        if (!cert || !strstr(cert, ":acm:"))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "A %s listener uses a certificate not issued by ACM.",
                                   pl_json_str(p));
    }
    return tls ? 0 : pl_managed__na(out);
}

/* ELBv2 attribute `key` ([{key, value}] in supplementaryConfiguration) must be "true". */
static bool v2_attr_true(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                         const char *key)
{
    const struct pl_json *l = pl_managed__path(c, v->ci, SUPP "LoadBalancerAttributes");
    for (const struct pl_json *a = l ? l->child : NULL; a; a = a->next)
        if (pl_managed__streq(pl_managed__get(a, "key"), key))
            return pl_managed__true(pl_managed__get(a, "value"));
    return false;
}

static int elb_deletion(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    if (!v2_attr_true(c, v, "deletion_protection.enabled"))
        return pl_managed__res(out, PL_NON_COMPLIANT, "Deletion protection is not enabled.");
    return 0;
}

/* Only application load balancers have the header attribute. */
static int alb_drop_headers(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                            struct pl_managed_eval *out)
{
    if (!pl_managed__streq(pl_managed__get(v->cfg, "type"), "application"))
        return pl_managed__na(out);
    if (!v2_attr_true(c, v, "routing.http.drop_invalid_header_fields.enabled"))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The load balancer does not drop invalid headers.");
    return 0;
}

static const struct pl_managed_pspec delete_on_term_params[] = {
    {.name = "deleteOnTermination", .type = PL_MP_BOOL},
};

/* An unattached volume fails; with deleteOnTermination true, an attachment must delete it. */
static int volume_in_use(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                         struct pl_managed_eval *out)
{
    const struct pl_json *at = pl_managed__get(v->cfg, "attachments");
    if (pl_managed__empty(at))
        return pl_managed__res(out, PL_NON_COMPLIANT, "The volume is not attached to an instance.");
    const struct pl_managed_pval *pv = &c->p->v[0];
    if (pv->set && pv->b)
        for (const struct pl_json *a = at->child; a; a = a->next)
            if (!pl_managed__true(pl_managed__get(a, "deleteOnTermination")))
                return pl_managed__res(out, PL_NON_COMPLIANT,
                                       "The volume is not deleted when its instance terminates.");
    return 0;
}

static const struct pl_managed_pspec route_tables_params[] = {
    {.name = "routeTableIds", .type = PL_MP_LIST},
};

/* A route to the whole internet (0.0.0.0/0, ::/0) through an internet gateway fails, except in
 * the route tables listed in routeTableIds. */
static int igw_route(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                     struct pl_managed_eval *out)
{
    const struct pl_managed_pval *ok = &c->p->v[0];
    if (ok->set && pl_managed__in_list(ok, pl_json_str(pl_managed__get(v->cfg, "routeTableId"))))
        return 0;
    const struct pl_json *rs = pl_managed__get(v->cfg, "routes");
    for (const struct pl_json *r = rs ? rs->child : NULL; r; r = r->next) {
        const char *gw = pl_json_str(pl_managed__get(r, "gatewayId"));
        if (!gw || !pl_starts_with(gw, "igw-"))
            continue;
        if (pl_managed__streq(pl_managed__get(r, "destinationCidrBlock"), "0.0.0.0/0") ||
            pl_managed__streq(pl_managed__get(r, "destinationIpv6CidrBlock"), "::/0"))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "The route table routes the whole internet to %.40s.", gw);
    }
    return 0;
}

/* ---- S3 default KMS and lock, SSM, stopped instances, VPN, IGW, Backup, CodeBuild, ECS,
 * Organizations (ranks 67-137) ---- */

/* A default-encryption rule with SSE-KMS (or DSSE-KMS), with a key from kmsKeyArns if given. */
static int s3_kms(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                  struct pl_managed_eval *out)
{
    const struct pl_json *rules =
        pl_managed__path(c, v->ci, SUPP "ServerSideEncryptionConfiguration.rules");
    const struct pl_managed_pval *keys = &c->p->v[0];
    bool kms = false;
    for (const struct pl_json *r = rules ? rules->child : NULL; r; r = r->next) {
        const struct pl_json *d = pl_managed__get(r, "applyServerSideEncryptionByDefault");
        if (!pl_managed__streq(pl_managed__get(d, "sseAlgorithm"), "aws:kms") &&
            !pl_managed__streq(pl_managed__get(d, "sseAlgorithm"), "aws:kms:dsse"))
            continue;
        kms = true;
        if (!keys->set ||
            pl_managed__in_list(keys, pl_json_str(pl_managed__get(d, "kmsMasterKeyID"))))
            return 0;
    }
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           kms ? "The bucket's default KMS key is not one of kmsKeyArns."
                               : "The bucket's default encryption is not SSE-KMS.");
}

static const struct pl_managed_pspec lock_params[] = {
    {.name = "mode", .type = PL_MP_STR, .choices = "GOVERNANCE|COMPLIANCE"},
};
static const struct pl_managed__check lock_checks[] = {
    {.path = SUPP "ObjectLockConfiguration.objectLockEnabled",
     .op = MCK_EQ,
     .arg = "Enabled",
     .why = "Object Lock is not enabled on the bucket."},
    {.path = SUPP "ObjectLockConfiguration.rule.defaultRetention.mode",
     .op = MCK_EQ_PARAM,
     .why = "The bucket's default Object Lock mode differs from mode."},
};

/* The instance must have an SSM inventory CI (Config records one per managed instance, with
 * the instance id as resource id). Terminated instances are not judged. */
static int managed_by_ssm(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    if (strcmp(v->type, "AWS::EC2::Instance") != 0)
        return pl_managed__na(out); /* results are about the instance */
    const struct pl_json *st = pl_managed__path(c, v->cfg, "state.name");
    if (pl_managed__streq(st, "terminated") || pl_managed__streq(st, "shutting-down"))
        return pl_managed__na(out);
    if (!c->env || !c->env->get)
        return pl_managed__need_env(c, "the recorded AWS::SSM::ManagedInstanceInventory resources");
    const struct pl_json *inv =
        v->id ? c->env->get(c->env->u, "AWS::SSM::ManagedInstanceInventory", v->id) : NULL;
    const char *ist = inv ? pl_json_str(pl_json_get(inv, "configurationItemStatus")) : NULL;
    if (!inv || (ist && pl_starts_with(ist, "ResourceDeleted")))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The instance is not managed by Systems Manager.");
    return 0;
}

static const struct pl_managed_pspec stopped_params[] = {
    {.name = "AllowedDays", .type = PL_MP_INT, .def = "30", .min = 1, .max = 3650},
};

/* When the instance stopped: "User initiated (2019-03-04 20:12:33 GMT)" in
 * stateTransitionReason. Returns -1 when the text holds no such time. */
static int stopped_since(const char *reason, int64_t *ms)
{
    const char *p = reason ? strchr(reason, '(') : NULL;
    char iso[32];
    int y, mo, d, h, mi, sec;
    if (!p || sscanf(p, "(%4d-%2d-%2d %2d:%2d:%2d GMT)", &y, &mo, &d, &h, &mi, &sec) != 6)
        return -1;
    snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, sec);
    return pl_time_parse(iso, ms);
}

/* A stopped instance fails after AllowedDays, or when the stop time cannot be determined. */
static int stopped_instance(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                            struct pl_managed_eval *out)
{
    int64_t t;
    if (!pl_managed__streq(pl_managed__path(c, v->cfg, "state.name"), "stopped"))
        return 0;
    if (stopped_since(pl_json_str(pl_managed__get(v->cfg, "stateTransitionReason")), &t) < 0)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The instance is stopped and the time it stopped is not known.");
    if (!c->env || c->env->now_ms - t > c->p->v[0].i * 24LL * 3600 * 1000)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The instance has been stopped for more than %lld days.",
                               c->p->v[0].i);
    return 0;
}

/* Both tunnels (vgwTelemetry) must be UP. */
static int vpn_tunnels(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    const struct pl_json *tel = pl_managed__get(v->cfg, "vgwTelemetry");
    int up = 0;
    (void)c;
    for (const struct pl_json *t = tel ? tel->child : NULL; t; t = t->next)
        up += pl_managed__streq(pl_managed__get(t, "status"), "UP");
    if (up < 2)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "%d of the VPN connection's 2 tunnels are UP.", up);
    return 0;
}

static const struct pl_managed_pspec authorized_vpc_params[] = {
    {.name = "AuthorizedVpcIds", .type = PL_MP_LIST},
};

/* Without AuthorizedVpcIds every attached gateway fails, as AWS documents. */
static int igw_authorized(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    const struct pl_json *at = pl_managed__get(v->cfg, "attachments");
    for (const struct pl_json *a = at ? at->child : NULL; a; a = a->next) {
        const char *vpc = pl_json_str(pl_managed__get(a, "vpcId"));
        if (vpc && !pl_managed__in_list(&c->p->v[0], vpc))
            return pl_managed__res(
                out, PL_NON_COMPLIANT,
                "The internet gateway is attached to %.40s, which is not authorized.", vpc);
    }
    return 0;
}

static const struct pl_managed__check recovery_point_checks[] = {
    {.path = CFG "isEncrypted", .op = MCK_TRUE, .why = "The recovery point is not encrypted."},
};

/* Plaintext environment variables named like AWS credentials. */
static int codebuild_creds(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                           struct pl_managed_eval *out)
{
    const struct pl_json *vars = pl_managed__path(c, v->cfg, "environment.environmentVariables");
    for (const struct pl_json *e = vars ? vars->child : NULL; e; e = e->next) {
        const struct pl_json *n = pl_managed__get(e, "name"), *t = pl_managed__get(e, "type");
        if ((pl_managed__streq(n, "AWS_ACCESS_KEY_ID") ||
             pl_managed__streq(n, "AWS_SECRET_ACCESS_KEY")) &&
            (!t || pl_managed__streq(t, "PLAINTEXT")))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "Environment variable %s holds AWS credentials in plaintext.",
                                   pl_json_str(n));
    }
    return 0;
}

/* GitHub and Bitbucket source URLs must not carry "user:token@"; other sources are N/A. */
static int repo_url_check(const struct pl_json *src, bool *judged)
{
    for (const struct pl_json *s = src && src->type == PL_JARR ? src->child : src; s;
         s = src->type == PL_JARR ? s->next : NULL) {
        const struct pl_json *t = pl_managed__get(s, "type");
        if (!pl_managed__streq(t, "GITHUB") && !pl_managed__streq(t, "BITBUCKET") &&
            !pl_managed__streq(t, "GITHUB_ENTERPRISE"))
            continue;
        *judged = true;
        const char *loc = pl_json_str(pl_managed__get(s, "location"));
        const char *scheme = loc ? strstr(loc, "://") : NULL;
        const char *host = scheme ? scheme + 3 : loc;
        const char *slash = host ? strchr(host, '/') : NULL;
        const char *at = host ? strchr(host, '@') : NULL;
        if (at && (!slash || at < slash))
            return 1;
    }
    return 0;
}

static int codebuild_url(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                         struct pl_managed_eval *out)
{
    bool judged = false;
    (void)c;
    if (repo_url_check(pl_managed__get(v->cfg, "source"), &judged) ||
        repo_url_check(pl_managed__get(v->cfg, "secondarySources"), &judged))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "A source repository URL contains sign-in credentials or a token.");
    return judged ? 0 : pl_managed__na(out);
}

static const struct pl_managed_pspec skip_inactive_params[] = {
    {.name = "SkipInactiveTaskDefinitions", .type = PL_MP_BOOL},
};

/* Host networking: each container must be privileged or run as a user other than root. */
static int ecs_host_user(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                         struct pl_managed_eval *out)
{
    if (!pl_managed__streq(pl_managed__get(v->cfg, "networkMode"), "host"))
        return pl_managed__na(out);
    if (c->p->v[0].set && c->p->v[0].b &&
        pl_managed__streq(pl_managed__get(v->cfg, "status"), "INACTIVE"))
        return pl_managed__na(out);
    const struct pl_json *defs = pl_managed__get(v->cfg, "containerDefinitions");
    for (const struct pl_json *d = defs ? defs->child : NULL; d; d = d->next) {
        const struct pl_json *user = pl_managed__get(d, "user");
        if (pl_managed__true(pl_managed__get(d, "privileged")))
            continue;
        if (pl_managed__empty(user) || pl_managed__streq(user, "root") ||
            pl_managed__streq(user, "0"))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "Container %.100s runs as root with host networking and is not "
                                   "privileged.",
                                   pl_json_str(pl_managed__get(d, "name")));
    }
    return 0;
}

static const struct pl_managed_pspec org_params[] = {
    {.name = "MasterAccountId", .type = PL_MP_STR},
};

/* Account fact `organization` (Organizations DescribeOrganization); null: not a member. */
static int part_of_org(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                       struct pl_managed_eval *out)
{
    const struct pl_json *org = pl_managed__get(a->cfg, "organization");
    const struct pl_managed_pval *want = &c->p->v[0];
    if (pl_managed__empty(org))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The account is not part of AWS Organizations.");
    if (want->set && !pl_managed__streq(pl_managed__get(org, "masterAccountId"), want->s))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The organization's management account is not MasterAccountId.");
    return 0;
}

const struct pl_managed_impl pl_managed__svc[] = {
    {.identifier = "SAGEMAKER_NOTEBOOK_INSTANCE_KMS_KEY_CONFIGURED",
     PARAMS(kms_arns_params),
     CHECKS(notebook_kms_checks)},
    {.identifier = "ELASTICSEARCH_ENCRYPTED_AT_REST", CHECKS(search_at_rest_checks)},
    {.identifier = "OPENSEARCH_ENCRYPTED_AT_REST", CHECKS(search_at_rest_checks)},
    {.identifier = "ELASTICSEARCH_NODE_TO_NODE_ENCRYPTION_CHECK", CHECKS(search_n2n_checks)},
    {.identifier = "OPENSEARCH_NODE_TO_NODE_ENCRYPTION_CHECK", CHECKS(search_n2n_checks)},
    {.identifier = "ELASTICSEARCH_IN_VPC_ONLY", CHECKS(search_vpc_checks)},
    {.identifier = "OPENSEARCH_IN_VPC_ONLY", CHECKS(search_vpc_checks)},
    {.identifier = "OPENSEARCH_HTTPS_REQUIRED",
     PARAMS(tls_policies_params),
     CHECKS(search_https_checks)},
    {.identifier = "ELASTICSEARCH_LOGS_TO_CLOUDWATCH",
     PARAMS(search_log_params),
     .ci_fn = search_logs},
    {.identifier = "OPENSEARCH_LOGS_TO_CLOUDWATCH", PARAMS(search_log_params), .ci_fn = search_logs},
    {.identifier = "CMK_BACKING_KEY_ROTATION_ENABLED", CHECKS(cmk_rotation_checks)},
    {.identifier = "KMS_CMK_NOT_SCHEDULED_FOR_DELETION",
     PARAMS(kms_ids_params),
     CHECKS(cmk_deletion_checks)},
    {.identifier = "SNS_ENCRYPTED_KMS", PARAMS(kms_ids_params), CHECKS(sns_kms_checks)},
    {.identifier = "CLOUDWATCH_LOG_GROUP_ENCRYPTED", PARAMS(log_kms_params), CHECKS(log_kms_checks)},
    {.identifier = "CW_LOGGROUP_RETENTION_PERIOD_CHECK",
     PARAMS(log_retention_params),
     CHECKS(log_retention_checks)},
    {.identifier = "DYNAMODB_TABLE_ENCRYPTED_KMS", PARAMS(kms_arns_params), CHECKS(ddb_kms_checks)},
    {.identifier = "SECRETSMANAGER_USING_CMK", PARAMS(kms_arns_params), CHECKS(secret_cmk_checks)},
    {.identifier = "SECRETSMANAGER_ROTATION_ENABLED_CHECK",
     PARAMS(secret_rotation_params),
     .ci_fn = secret_rotation},
    {.identifier = "ACM_CERTIFICATE_EXPIRATION_CHECK", PARAMS(acm_params), CHECKS(acm_expiry_checks)},
    {.identifier = "API_GW_SSL_ENABLED", PARAMS(cert_ids_params), CHECKS(apigw_ssl_checks)},
    {.identifier = "API_GW_ASSOCIATED_WITH_WAF", PARAMS(waf_arns_params), CHECKS(apigw_waf_checks)},
    {.identifier = "AUTOSCALING_LAUNCH_CONFIG_PUBLIC_IP_DISABLED", CHECKS(lc_public_ip_checks)},
    {.identifier = "AUTOSCALING_GROUP_ELB_HEALTHCHECK_REQUIRED", CHECKS(asg_elb_health_checks)},
    {.identifier = "EC2_INSTANCE_PROFILE_ATTACHED", PARAMS(profile_params), CHECKS(profile_checks)},
    {.identifier = "EC2_IMDSV2_CHECK", CHECKS(imdsv2_checks)},
    {.identifier = "EC2_INSTANCE_DETAILED_MONITORING_ENABLED", CHECKS(detailed_monitoring_checks)},
    {.identifier = "SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED", CHECKS(subnet_public_ip_checks)},
    {.identifier = "RDS_CLUSTER_MULTI_AZ_ENABLED", CHECKS(rds_multi_az_checks)},
    {.identifier = "RDS_MULTI_AZ_SUPPORT", .ci_fn = rds_instance_multi_az},
    {.identifier = "RDS_INSTANCE_DELETION_PROTECTION_ENABLED",
     PARAMS(engines_params),
     CHECKS(rds_deletion_checks)},
    {.identifier = "RDS_AUTOMATIC_MINOR_VERSION_UPGRADE_ENABLED", CHECKS(rds_minor_upgrade_checks)},
    {.identifier = "RDS_ENHANCED_MONITORING_ENABLED",
     PARAMS(monitoring_params),
     CHECKS(rds_monitoring_checks)},
    {.identifier = "REDSHIFT_CLUSTER_KMS_ENABLED", PARAMS(kms_arns_params), CHECKS(redshift_kms_checks)},
    {.identifier = "REDSHIFT_ENHANCED_VPC_ROUTING_ENABLED", CHECKS(redshift_vpc_routing_checks)},
    {.identifier = "REDSHIFT_CLUSTER_MAINTENANCESETTINGS_CHECK",
     PARAMS(redshift_maint_params),
     .ci_fn = redshift_maint},
    {.identifier = "CLOUDWATCH_ALARM_ACTION_CHECK", PARAMS(alarm_params), .ci_fn = alarm_actions},
    {.identifier = "LAMBDA_INSIDE_VPC", PARAMS(subnet_ids_params), CHECKS(lambda_vpc_checks)},
    {.identifier = "IAM_USER_GROUP_MEMBERSHIP_CHECK",
     PARAMS(group_names_params),
     CHECKS(user_group_checks)},
    {.identifier = "IAM_NO_INLINE_POLICY_CHECK", CHECKS(inline_policy_checks)},
    {.identifier = "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED", CHECKS(trail_validation_checks)},
    {.identifier = "ELB_CROSS_ZONE_LOAD_BALANCING_ENABLED", CHECKS(clb_cross_zone_checks)},
    {.identifier = "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
     PARAMS(excluded_buckets_params),
     .ci_fn = bucket_bpa},
    {.identifier = "ELB_ACM_CERTIFICATE_REQUIRED", .ci_fn = clb_acm},
    {.identifier = "ELB_DELETION_PROTECTION_ENABLED", .ci_fn = elb_deletion},
    {.identifier = "ALB_HTTP_DROP_INVALID_HEADER_ENABLED", .ci_fn = alb_drop_headers},
    {.identifier = "EC2_VOLUME_INUSE_CHECK", PARAMS(delete_on_term_params), .ci_fn = volume_in_use},
    {.identifier = "NO_UNRESTRICTED_ROUTE_TO_IGW", PARAMS(route_tables_params), .ci_fn = igw_route},
    {.identifier = "S3_DEFAULT_ENCRYPTION_KMS", PARAMS(kms_arns_params), .ci_fn = s3_kms},
    {.identifier = "S3_BUCKET_DEFAULT_LOCK_ENABLED", PARAMS(lock_params), CHECKS(lock_checks)},
    {.identifier = "EC2_INSTANCE_MANAGED_BY_SSM", .ci_fn = managed_by_ssm},
    {.identifier = "EC2_STOPPED_INSTANCE", PARAMS(stopped_params), .ci_fn = stopped_instance},
    {.identifier = "VPC_VPN_2_TUNNELS_UP", .ci_fn = vpn_tunnels},
    {.identifier = "INTERNET_GATEWAY_AUTHORIZED_VPC_ONLY",
     PARAMS(authorized_vpc_params),
     .ci_fn = igw_authorized},
    {.identifier = "BACKUP_RECOVERY_POINT_ENCRYPTED", CHECKS(recovery_point_checks)},
    {.identifier = "CODEBUILD_PROJECT_ENVVAR_AWSCRED_CHECK", .ci_fn = codebuild_creds},
    {.identifier = "CODEBUILD_PROJECT_SOURCE_REPO_URL_CHECK", .ci_fn = codebuild_url},
    {.identifier = "ECS_TASK_DEFINITION_USER_FOR_HOST_MODE_CHECK",
     PARAMS(skip_inactive_params),
     .ci_fn = ecs_host_user},
    {.identifier = "AUTOSCALING_CAPACITY_REBALANCING", CHECKS(asg_rebalance_checks)},
    {.identifier = "AUTOSCALING_MULTIPLE_AZ", PARAMS(asg_az_params), .ci_fn = asg_multiple_az},
    {.identifier = "API_GW_ENDPOINT_TYPE_CHECK",
     PARAMS(endpoint_types_params),
     CHECKS(endpoint_type_checks)},
    {.identifier = "CLOUDFRONT_ACCESSLOGS_ENABLED", PARAMS(cf_log_params), .ci_fn = cf_logging},
    {.identifier = "CLOUDFRONT_DEFAULT_ROOT_OBJECT_CONFIGURED", CHECKS(cf_root_object_checks)},
    {.identifier = "CLOUDFRONT_VIEWER_POLICY_HTTPS", .ci_fn = cf_viewer_https},
    {.identifier = "NETFW_STATELESS_RULE_GROUP_NOT_EMPTY", CHECKS(netfw_stateless_checks)},
    {.identifier = "CLOUDWATCH_ALARM_RESOURCE_CHECK",
     .types = "AWS::EC2::Volume,AWS::EC2::Instance,AWS::RDS::DBCluster,AWS::S3::Bucket",
     PARAMS(alarm_resource_params),
     .ci_fn = alarm_resource},
    {.identifier = "CLOUDWATCH_ALARM_SETTINGS_CHECK",
     PARAMS(alarm_settings_params),
     CHECKS(alarm_settings_checks)},
    {.identifier = "SNS_TOPIC_MESSAGE_DELIVERY_NOTIFICATION_ENABLED", CHECKS(sns_delivery_checks)},
    {.identifier = "ACM_CERTIFICATE_RSA_CHECK", CHECKS(acm_rsa_checks)},
    {.identifier = "API_GWV2_ACCESS_LOGS_ENABLED", CHECKS(apigw2_access_log_checks)},
    {.identifier = "AUTOSCALING_MULTIPLE_INSTANCE_TYPES", .ci_fn = asg_instance_types},
    {.identifier = "ACCOUNT_PART_OF_ORGANIZATIONS", PARAMS(org_params), .acct_fn = part_of_org},
};
const size_t pl_managed__svc_len = PL_MIMPL_LEN(pl_managed__svc);
