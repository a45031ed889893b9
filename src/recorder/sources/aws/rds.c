/* rds.c — AWS::RDS::DBInstance from RDS DescribeDBInstances (query protocol, Marker pages of
 * MaxRecords 100), in AWS Config's shape: the XML names with their first letter lowered
 * (DBInstanceIdentifier → dBInstanceIdentifier, IAMDatabaseAuthenticationEnabled →
 * iAMDatabaseAuthenticationEnabled, as the SDK model AWS Config writes), the member lists as
 * arrays (VpcSecurityGroups/VpcSecurityGroupMembership → vpcSecurityGroups [...]), typed
 * (booleans, integers), every key of the example CI and of the resource schema present (null
 * when RDS did not say); resourceId the dbiResourceId, resourceName the identifier, tags as a
 * map and as supplementaryConfiguration.Tags. latestRestorableTime is left out: it moves every
 * few minutes and would make a new version at every sweep. Calls call.c and xml.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/sigv4.h"
#include "recorder/sources/aws/aws.h"

#define RDS_VERSION "2014-10-31"
#define RDS_PAGE    100 /* DescribeDBInstances' MaxRecords bound */

static const char *const numeric_keys[] = {"allocatedStorage",
                                           "backupRetentionPeriod",
                                           "iops",
                                           "dbInstancePort",
                                           "port",
                                           "monitoringInterval",
                                           "promotionTier",
                                           "maxAllocatedStorage",
                                           "performanceInsightsRetentionPeriod",
                                           "storageThroughput",
                                           NULL};

/* the keys whose XML element wraps a list of members */
static const char *const list_keys[] = {"dBSecurityGroups",
                                        "vpcSecurityGroups",
                                        "dBParameterGroups",
                                        "subnets",
                                        "readReplicaDBInstanceIdentifiers",
                                        "readReplicaDBClusterIdentifiers",
                                        "optionGroupMemberships",
                                        "statusInfos",
                                        "domainMemberships",
                                        "associatedRoles",
                                        "enabledCloudwatchLogsExports",
                                        "processorFeatures",
                                        "dBInstanceAutomatedBackupsReplications",
                                        "tagList",
                                        "logTypesToEnable",
                                        "logTypesToDisable",
                                        NULL};

/* the example CI's keys, then the resource schema's (but latestRestorableTime) */
static const char *const config_keys[] = {"dBInstanceIdentifier",
                                          "dBInstanceClass",
                                          "engine",
                                          "dBInstanceStatus",
                                          "masterUsername",
                                          "allocatedStorage",
                                          "preferredBackupWindow",
                                          "backupRetentionPeriod",
                                          "dBSecurityGroups",
                                          "vpcSecurityGroups",
                                          "dBParameterGroups",
                                          "availabilityZone",
                                          "dBSubnetGroup",
                                          "preferredMaintenanceWindow",
                                          "pendingModifiedValues",
                                          "multiAZ",
                                          "engineVersion",
                                          "autoMinorVersionUpgrade",
                                          "readReplicaDBInstanceIdentifiers",
                                          "licenseModel",
                                          "iops",
                                          "optionGroupMemberships",
                                          "publiclyAccessible",
                                          "statusInfos",
                                          "storageType",
                                          "dbInstancePort",
                                          "storageEncrypted",
                                          "kmsKeyId",
                                          "dbiResourceId",
                                          "cACertificateIdentifier",
                                          "domainMemberships",
                                          "copyTagsToSnapshot",
                                          "monitoringInterval",
                                          "monitoringRoleArn",
                                          "associatedRoles",
                                          "awsBackupRecoveryPointArn",
                                          "characterSetName",
                                          "customerOwnedIpEnabled",
                                          "dBClusterIdentifier",
                                          "dBInstanceArn",
                                          "dBInstanceAutomatedBackupsReplications",
                                          "dBName",
                                          "deletionProtection",
                                          "enabledCloudwatchLogsExports",
                                          "endpoint",
                                          "enhancedMonitoringResourceArn",
                                          "iAMDatabaseAuthenticationEnabled",
                                          "instanceCreateTime",
                                          "listenerEndpoint",
                                          "maxAllocatedStorage",
                                          "ncharCharacterSetName",
                                          "performanceInsightsEnabled",
                                          "performanceInsightsKMSKeyId",
                                          "performanceInsightsRetentionPeriod",
                                          "processorFeatures",
                                          "promotionTier",
                                          "readReplicaDBClusterIdentifiers",
                                          "readReplicaSourceDBInstanceIdentifier",
                                          "replicaMode",
                                          "secondaryAvailabilityZone",
                                          "timezone",
                                          NULL};

static bool is_list_key(const char *k)
{
    for (size_t i = 0; list_keys[i]; i++)
        if (strcmp(k, list_keys[i]) == 0)
            return true;
    return false;
}

/* a member list element's value as an array: {Member: x} or {Member: [..]} → [..], "" → [] */
static struct pl_json *members(struct pl_arena *a, const struct pl_json *v)
{
    if (v && v->type == PL_JOBJ && v->child && !v->child->next)
        return pl_aws_list(a, v->child);
    return pl_aws_list(a, v && v->type == PL_JOBJ && !v->child ? NULL : v);
}

/* a copy of j with keys' first letters lowered and member lists as arrays (recursion bounded
 * by the XML's depth) */
static struct pl_json *renamed(struct pl_arena *a, const struct pl_json *j)
{
    if (!j || (j->type != PL_JOBJ && j->type != PL_JARR))
        return pl_json_clone(a, j);
    struct pl_json *o = j->type == PL_JOBJ ? pl_json_new_obj(a) : pl_json_new_arr(a);
    for (const struct pl_json *c = j->child; c; c = c->next) {
        if (j->type == PL_JARR) {
            pl_json_push(o, renamed(a, c));
            continue;
        }
        char *k = pl_arena_strndup(a, c->key, strlen(c->key));
        k[0] = (char)tolower((unsigned char)k[0]);
        pl_json_set(a, o, k, renamed(a, is_list_key(k) ? members(a, c) : c));
    }
    return o;
}

/* every page of DescribeDBInstances: the DBInstance elements; NULL with err */
static struct pl_json *describe_all(struct pl_aws_sweep *s, struct pl_err *err)
{
    struct pl_arena *a = s->a;
    struct pl_json *all = pl_json_new_arr(a);
    const char *marker = NULL;
    for (int page = 0; page < PL_AWS_MAX_PAGES; page++) {
        struct pl_buf q;
        pl_buf_init(&q, 1 << 16);
        int size =
            s->ctx->page_size > 0 && s->ctx->page_size < RDS_PAGE ? s->ctx->page_size : RDS_PAGE;
        pl_buf_printf(&q, "MaxRecords=%d", size < 20 ? 20 : size); /* RDS: 20..100 */
        if (marker) {
            pl_buf_puts(&q, "&Marker=");
            pl_sigv4_uri_encode(&q, marker, strlen(marker), 0);
        }
        struct pl_json *x = pl_aws_query(s->ctx, a, "rds", "DescribeDBInstances", RDS_VERSION,
                                         q.data ? q.data : "", err);
        pl_buf_fini(&q);
        struct pl_json *res = pl_json_get(x, "DescribeDBInstancesResult");
        if (!x)
            return NULL;
        struct pl_json *items = members(a, pl_json_get(res, "DBInstances"));
        for (struct pl_json *it = items->child, *next; it; it = next) {
            next = it->next;
            pl_json_push(all, it);
        }
        marker = pl_json_get_str(res, "Marker");
        if (!marker || !*marker)
            return all;
    }
    pl_fail(err, PL_E_UNAVAILABLE, "rds DescribeDBInstances: more than %d pages", PL_AWS_MAX_PAGES);
    return NULL;
}

static struct pl_json *instance_ci(struct pl_aws_sweep *s, const struct pl_json *x)
{
    struct pl_arena *a = s->a;
    const char *id = pl_json_get_str(x, "dbiResourceId");
    const char *name = pl_json_get_str(x, "dBInstanceIdentifier");
    struct pl_json *cfg = pl_aws_shaped(a, x, config_keys);
    struct pl_json *ci = pl_json_new_obj(a), *tags = pl_aws_list(a, pl_json_get(x, "tagList"));
    pl_json_set_str(a, ci, "resourceType", "AWS::RDS::DBInstance");
    pl_json_set_str(a, ci, "resourceId", id);
    pl_json_set_str(a, ci, "resourceName", name);
    const char *arn = pl_json_get_str(x, "dBInstanceArn");
    pl_json_set_str(
        a, ci, "ARN",
        arn ? arn
            : pl_arena_printf(a, "arn:aws:rds:%s:%s:db:%s", s->ctx->region, s->account, name));
    pl_json_set_str(a, ci, "awsAccountId", s->account);
    pl_json_set_str(a, ci, "awsRegion", s->ctx->region);
    const char *az = pl_json_get_str(x, "availabilityZone");
    pl_json_set_str(a, ci, "availabilityZone",
                    pl_json_truthy(pl_json_get(x, "multiAZ")) || !az ? "Multiple Availability Zones"
                                                                     : az);
    const char *created = pl_json_get_str(x, "instanceCreateTime");
    if (created)
        pl_json_set_str(a, ci, "resourceCreationTime", created);
    pl_json_set(a, ci, "configuration", cfg);
    struct pl_json *sup = pl_json_new_obj(a);
    pl_json_set(a, sup, "Tags", tags);
    pl_json_set(a, ci, "supplementaryConfiguration", sup);
    pl_json_set(a, ci, "tags", pl_aws_tag_map(a, tags));
    struct pl_json *rels = pl_json_new_arr(a);
    pl_aws_rel(a, rels, "Is associated with DBSubnetGroup", "AWS::RDS::DBSubnetGroup",
               pl_json_get_str(pl_json_get(x, "dBSubnetGroup"), "dBSubnetGroupName"));
    const struct pl_json *groups = pl_json_get(x, "vpcSecurityGroups");
    for (const struct pl_json *g = groups ? groups->child : NULL; g; g = g->next)
        pl_aws_rel(a, rels, "Is associated with SecurityGroup", "AWS::EC2::SecurityGroup",
                   pl_json_get_str(g, "vpcSecurityGroupId"));
    pl_json_set(a, ci, "relationships", rels);
    return ci;
}

int pl_aws_rds_instances(struct pl_aws_sweep *s, struct pl_aws_found *out)
{
    struct pl_arena *a = s->a;
    out->cis = pl_json_new_arr(a);
    out->complete = true;
    struct pl_err err = {0};
    struct pl_json *list = describe_all(s, &err);
    if (!list) {
        out->complete = false;
        snprintf(out->error, sizeof out->error, "%s", err.msg);
        return -1;
    }
    for (struct pl_json *i = list->child; i; i = i->next) {
        struct pl_json *x = renamed(a, i);
        pl_aws_typed(x, numeric_keys);
        if (!pl_json_get_str(x, "dbiResourceId") || !pl_json_get_str(x, "dBInstanceIdentifier"))
            continue;
        pl_json_push(out->cis, instance_ci(s, x));
    }
    return 0;
}
