/* r_data.c — managed rules about data stores and compute: EBS, RDS, Redshift, DynamoDB, EFS,
 * ElastiCache, SageMaker, DMS, EMR (public master, Kerberos), SSM compliance items, RDS cluster
 * deletion protection, RDS and Redshift default admin user names, and REQUIRED_TAGS and the
 * *_TAGGED rules.
 *
 * Most are declarative check tables (struct pl_managed__check): a field must be true, present,
 * equal or within a parameter. Paths list the Config (camelCase) spelling; pl_managed__get also
 * tries the CloudFormation-schema (PascalCase) one, and '|' separates other alternatives.
 */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "rules/managed/managed_int.h"

#define CFG  "configuration."
#define SUPP "supplementaryConfiguration."

/* ---- ENCRYPTED_VOLUMES ---- */

static const struct pl_managed_pspec kms_id_params[] = {{.name = "kmsId", .type = PL_MP_STR}};
static const struct pl_managed__check volume_checks[] = {
    {.path = CFG "attachments", .op = MCK_PRESENT, .applies = true},
    {.path = CFG "encrypted", .op = MCK_TRUE, .why = "The attached EBS volume is not encrypted."},
    {.path = CFG "kmsKeyId",
     .op = MCK_EQ_PARAM,
     .param = 0,
     .why = "The volume is not encrypted with the KMS key given in kmsId."},
};

/* ---- RDS ---- */

static const struct pl_managed_pspec rds_kms_params[] = {
    {.name = "kmsKeyId", .type = PL_MP_STR},
};
static const struct pl_managed__check rds_encrypted_checks[] = {
    {.path = CFG "storageEncrypted", .op = MCK_TRUE, .why = "Storage encryption is disabled."},
    {.path = CFG "kmsKeyId",
     .op = MCK_EQ_PARAM,
     .param = 0,
     .why = "Storage is not encrypted with the KMS key given in kmsKeyId."},
};
static const struct pl_managed__check rds_public_checks[] = {
    {.path = CFG "publiclyAccessible",
     .op = MCK_NOT_TRUE,
     .why = "The DB instance is publicly accessible."},
};
static const struct pl_managed__check rds_snapshot_encrypted_checks[] = {
    {.type = "AWS::RDS::DBSnapshot",
     .path = CFG "encrypted",
     .op = MCK_TRUE,
     .why = "The DB snapshot is not encrypted."},
    {.type = "AWS::RDS::DBClusterSnapshot",
     .path = CFG "storageEncrypted",
     .op = MCK_TRUE,
     .why = "The DB cluster snapshot is not encrypted."},
};

/* Snapshot attribute "restore" lists the accounts allowed to restore; "all" is public. */
static int snapshot_public(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                           struct pl_managed_eval *out)
{
    const struct pl_json *attrs =
        pl_managed__path(c, v->ci, SUPP "DBSnapshotAttributes|" SUPP "DBClusterSnapshotAttributes");
    for (const struct pl_json *a = attrs ? attrs->child : NULL; a; a = a->next) {
        if (!pl_managed__streq(pl_managed__get(a, "attributeName"), "restore"))
            continue;
        const struct pl_json *vals = pl_managed__get(a, "attributeValues");
        for (const struct pl_json *x = vals ? vals->child : NULL; x; x = x->next)
            if (pl_managed__streq(x, "all"))
                return pl_managed__res(out, PL_NON_COMPLIANT, "The snapshot is public.");
    }
    return 0;
}

enum { P_BK_RETENTION, P_BK_MINIMUM, P_BK_WINDOW, P_BK_REPLICAS };
static const struct pl_managed_pspec backup_params[] = {
    {.name = "backupRetentionPeriod", .type = PL_MP_INT, .min = 1, .max = 35},
    {.name = "backupRetentionMinimum", .type = PL_MP_INT, .min = 1, .max = 35},
    {.name = "preferredBackupWindow", .type = PL_MP_STR},
    {.name = "checkReadReplicas", .type = PL_MP_BOOL},
};

/* backupRetentionPeriod is an exact period (>= and <= the same parameter). */
static const struct pl_managed__check backup_checks[] = {
    {.path = CFG "backupRetentionPeriod",
     .op = MCK_GT,
     .arg = "0",
     .why = "Automated backups are disabled (backupRetentionPeriod is 0)."},
    {.path = CFG "backupRetentionPeriod",
     .op = MCK_GE_PARAM,
     .param = P_BK_RETENTION,
     .why = "The backup retention period differs from backupRetentionPeriod."},
    {.path = CFG "backupRetentionPeriod",
     .op = MCK_LE_PARAM,
     .param = P_BK_RETENTION,
     .why = "The backup retention period differs from backupRetentionPeriod."},
    {.path = CFG "backupRetentionPeriod",
     .op = MCK_GE_PARAM,
     .param = P_BK_MINIMUM,
     .why = "The backup retention period is below backupRetentionMinimum."},
    {.path = CFG "preferredBackupWindow",
     .op = MCK_EQ_PARAM,
     .param = P_BK_WINDOW,
     .why = "preferredBackupWindow differs from the required window."},
};

/* Read replicas are judged only when checkReadReplicas is true. */
static int backup_enabled(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    const struct pl_managed_pval *rep = &c->p->v[P_BK_REPLICAS];
    if (!pl_managed__empty(pl_managed__get(v->cfg, "readReplicaSourceDBInstanceIdentifier")) &&
        !(rep->set && rep->b))
        return pl_managed__na(out);
    pl_managed__checks(c, v, backup_checks, PL_MIMPL_LEN(backup_checks), out);
    return 0;
}

/* Log types each engine must export to CloudWatch Logs (as AWS's rule lists them). */
static const struct {
    const char *engine, *logs;
} engine_logs[] = {
    {"mysql", "audit,error,general,slowquery"},
    {"mariadb", "audit,error,general,slowquery"},
    {"aurora-mysql", "audit,error,general,slowquery"},
    {"aurora", "audit,error,general,slowquery"},
    {"postgres", "postgresql,upgrade"},
    {"aurora-postgresql", "postgresql"},
    {"oracle-ee", "alert,audit,trace,listener"},
    {"oracle-se2", "alert,audit,trace,listener"},
    {"oracle-se1", "alert,audit,trace,listener"},
    {"oracle-se", "alert,audit,trace,listener"},
    {"sqlserver-ee", "error,agent"},
    {"sqlserver-se", "error,agent"},
    {"sqlserver-ex", "error"},
    {"sqlserver-web", "error,agent"},
};

static bool exported(const struct pl_json *list, const char *log, size_t n)
{
    for (const struct pl_json *x = list ? list->child : NULL; x; x = x->next)
        if (x->type == PL_JSTR && x->len == n && strncmp(x->str, log, n) == 0)
            return true;
    return false;
}

static const struct pl_managed_pspec rds_log_params[] = {
    {.name = "additionalLogs", .type = PL_MP_STR},
};

/* The first log of the comma-separated list [s, end) that is not exported, as [*bad, +*n). */
static bool missing_log(const struct pl_json *on, const char *s, const char *end, const char **bad,
                        size_t *n)
{
    while (s < end) {
        const char *e = memchr(s, ',', (size_t)(end - s));
        const char *b = s, *t = e ? e : end;
        while (b < t && *b == ' ')
            b++;
        while (t > b && t[-1] == ' ')
            t--;
        if (t > b && !exported(on, b, (size_t)(t - b))) {
            *bad = b;
            *n = (size_t)(t - b);
            return true;
        }
        s = e ? e + 1 : end;
    }
    return false;
}

/* additionalLogs: "oracle-ee: general, slowquery ; aurora: alert" -> the logs listed for the
 * CI's engine must be exported too. */
static bool missing_additional(const char *spec, const char *engine, const struct pl_json *on,
                               const char **bad, size_t *n)
{
    size_t elen = strlen(engine);
    while (spec && *spec) {
        const char *semi = strchr(spec, ';'), *end = semi ? semi : spec + strlen(spec);
        const char *colon = memchr(spec, ':', (size_t)(end - spec));
        const char *b = spec;
        while (b < end && *b == ' ')
            b++;
        const char *t = colon ? colon : b;
        while (t > b && t[-1] == ' ')
            t--;
        if (colon && (size_t)(t - b) == elen && strncmp(b, engine, elen) == 0 &&
            missing_log(on, colon + 1, end, bad, n))
            return true;
        spec = semi ? semi + 1 : NULL;
    }
    return false;
}

static int rds_logging(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    const char *engine = pl_json_str(pl_managed__get(v->cfg, "engine"));
    const struct pl_json *on = pl_managed__get(v->cfg, "enabledCloudwatchLogsExports");
    const char *bad;
    size_t n;
    for (size_t i = 0; engine && i < PL_MIMPL_LEN(engine_logs); i++) {
        const char *logs = engine_logs[i].logs;
        if (strcmp(engine, engine_logs[i].engine) != 0)
            continue;
        if (missing_log(on, logs, logs + strlen(logs), &bad, &n) ||
            (c->p->v[0].set && missing_additional(c->p->v[0].s, engine, on, &bad, &n)))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "Log '%.*s' of engine %s is not exported to CloudWatch Logs.",
                                   (int)n, bad, engine);
        return 0;
    }
    return pl_managed__na(out);
}

/* ---- Redshift ---- */

static const struct pl_managed__check redshift_public_checks[] = {
    {.path = CFG "publiclyAccessible",
     .op = MCK_NOT_TRUE,
     .why = "The Redshift cluster is publicly accessible."},
};

enum { P_RS_ENCRYPTED, P_RS_NODE_TYPES, P_RS_LOGGING };
static const struct pl_managed_pspec redshift_cfg_params[] = {
    {.name = "clusterDbEncrypted", .type = PL_MP_BOOL, .def = "true"},
    {.name = "nodeTypes", .type = PL_MP_LIST, .def = "dc1.large"},
    {.name = "loggingEnabled", .type = PL_MP_BOOL, .def = "true"},
};

static int redshift_cfg(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    const struct pl_managed_pval *pv = c->p->v;
    if (pv[P_RS_ENCRYPTED].b && !pl_managed__true(pl_managed__get(v->cfg, "encrypted")))
        return pl_managed__res(out, PL_NON_COMPLIANT, "The cluster database is not encrypted.");
    if (pv[P_RS_LOGGING].b &&
        !pl_managed__true(pl_managed__path(c, v->ci, SUPP "LoggingStatus.loggingEnabled")))
        return pl_managed__res(out, PL_NON_COMPLIANT, "Audit logging is not enabled.");
    const char *node = pl_json_str(pl_managed__get(v->cfg, "nodeType"));
    if (pv[P_RS_NODE_TYPES].set && !pl_managed__in_list(&pv[P_RS_NODE_TYPES], node))
        return pl_managed__res(out, PL_NON_COMPLIANT, "Node type %s is not one of nodeTypes.",
                               node ? node : "(none)");
    return 0;
}

/* The cluster's parameter groups must set require_ssl=true. Default groups ("default.*")
 * have require_ssl false; other groups are read from their recorded CI. */
static int require_ssl_group(const struct pl_managed__ctx *c, const char *name)
{
    if (pl_starts_with(name, "default."))
        return 0;
    if (!c->env || !c->env->get)
        return -1;
    const struct pl_json *g = c->env->get(c->env->u, "AWS::Redshift::ClusterParameterGroup", name);
    if (!g)
        return -1;
    const struct pl_json *ps =
        pl_managed__path(c, g, SUPP "Parameters|" SUPP "ClusterParameterGroupParameters");
    for (const struct pl_json *p = ps ? ps->child : NULL; p; p = p->next)
        if (pl_managed__streq(pl_managed__get(p, "parameterName"), "require_ssl"))
            return pl_managed__true(pl_managed__get(p, "parameterValue"));
    return 0;
}

static int redshift_tls(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    const struct pl_json *groups = pl_managed__get(v->cfg, "clusterParameterGroups");
    for (const struct pl_json *g = groups ? groups->child : NULL; g; g = g->next) {
        const char *name = pl_json_str(pl_managed__get(g, "parameterGroupName"));
        int ok = name ? require_ssl_group(c, name) : 0;
        if (ok < 0)
            return pl_managed__res(out, PL_INSUFFICIENT_DATA,
                                   "Parameter group %.100s is not recorded.", name);
        if (!ok)
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "Parameter group %.100s does not set require_ssl to true.",
                                   name ? name : "?");
    }
    return 0;
}

enum { P_RS_MIN, P_RS_MAX };
static const struct pl_managed_pspec redshift_backup_params[] = {
    {.name = "MinRetentionPeriod", .type = PL_MP_INT, .min = 1, .max = 35},
    {.name = "MaxRetentionPeriod", .type = PL_MP_INT, .min = 1, .max = 35},
};
static const struct pl_managed__check redshift_backup_checks[] = {
    {.path = CFG "automatedSnapshotRetentionPeriod",
     .op = MCK_GT,
     .arg = "0",
     .why = "Automated snapshots are disabled."},
    {.path = CFG "automatedSnapshotRetentionPeriod",
     .op = MCK_GE_PARAM,
     .param = P_RS_MIN,
     .why = "The snapshot retention period is below MinRetentionPeriod."},
    {.path = CFG "automatedSnapshotRetentionPeriod",
     .op = MCK_LE_PARAM,
     .param = P_RS_MAX,
     .why = "The snapshot retention period is above MaxRetentionPeriod."},
};

/* ---- deletion protection, default admin user names ---- */

static const struct pl_managed__check cluster_deletion_checks[] = {
    {.path = CFG "deletionProtection",
     .op = MCK_TRUE,
     .why = "Deletion protection is not enabled on the DB cluster."},
};

/* *_DEFAULT_ADMIN_CHECK: the master user name is not the engine's default and, when
 * validAdminUserNames is set, is one of its names. AWS refuses the defaults in that list. */
static const struct pl_managed_pspec rds_admin_params[] = {
    {.name = "validAdminUserNames", .type = PL_MP_LIST, .refused = "postgres|admin"},
};
static const struct pl_managed_pspec redshift_admin_params[] = {
    {.name = "validAdminUserNames", .type = PL_MP_LIST, .refused = "awsuser"},
};
#define NOT_DEFAULT_ADMIN(user)                                                                    \
    {                                                                                              \
        .path = CFG "masterUsername", .op = MCK_NE, .arg = user,                                   \
        .why = "The admin user name is the default '" user "'."                                    \
    }
#define VALID_ADMIN                                                                                \
    {                                                                                              \
        .path = CFG "masterUsername", .op = MCK_IN_PARAM,                                          \
        .why = "The admin user name is not one of validAdminUserNames."                            \
    }
static const struct pl_managed__check rds_admin_checks[] = {
    NOT_DEFAULT_ADMIN("postgres"),
    NOT_DEFAULT_ADMIN("admin"),
    VALID_ADMIN,
};
static const struct pl_managed__check redshift_admin_checks[] = {
    NOT_DEFAULT_ADMIN("awsuser"),
    VALID_ADMIN,
};

static const struct pl_managed_pspec db_names_params[] = {
    {.name = "validDatabaseNames", .type = PL_MP_LIST},
};
static const struct pl_managed__check redshift_db_name_checks[] = {
    {.path = CFG "dBName|" CFG "dbName",
     .op = MCK_NE,
     .arg = "dev",
     .why = "The database name is the default 'dev'."},
    {.path = CFG "dBName|" CFG "dbName",
     .op = MCK_IN_PARAM,
     .why = "The database name is not one of validDatabaseNames."},
};

/* ---- DynamoDB, EFS, ElastiCache ---- */

static const struct pl_managed__check pitr_checks[] = {
    {.path = SUPP "ContinuousBackupsDescription.pointInTimeRecoveryDescription."
                  "pointInTimeRecoveryStatus",
     .op = MCK_EQ,
     .arg = "ENABLED",
     .why = "Point-in-time recovery is not enabled."},
};

static const struct pl_managed_pspec efs_params[] = {{.name = "KmsKeyId", .type = PL_MP_STR}};
static const struct pl_managed__check efs_checks[] = {
    {.path = CFG "encrypted", .op = MCK_TRUE, .why = "The file system is not encrypted."},
    {.path = CFG "kmsKeyId",
     .op = MCK_EQ_PARAM,
     .param = 0,
     .why = "The file system is not encrypted with the KMS key given in KmsKeyId."},
};

static const struct pl_managed_pspec redis_params[] = {
    {.name = "snapshotRetentionPeriod", .type = PL_MP_INT, .def = "15", .min = 1, .max = 35},
};
static const struct pl_managed__check redis_checks[] = {
    {.type = "AWS::ElastiCache::CacheCluster",
     .path = CFG "engine",
     .op = MCK_EQ,
     .arg = "redis",
     .applies = true},
    {.type = "AWS::ElastiCache::CacheCluster",
     .path = CFG "replicationGroupId",
     .op = MCK_ABSENT,
     .applies = true},
    {.path = CFG "snapshotRetentionLimit",
     .op = MCK_GT,
     .arg = "0",
     .why = "Automatic backups are disabled."},
    {.path = CFG "snapshotRetentionLimit",
     .op = MCK_GE_PARAM,
     .param = 0,
     .why = "The snapshot retention limit is below snapshotRetentionPeriod."},
};

/* ---- SageMaker, DMS, EMR ---- */

static const struct pl_managed__check notebook_checks[] = {
    {.path = CFG "directInternetAccess",
     .op = MCK_NE,
     .arg = "Enabled",
     .why = "Direct internet access is enabled on the notebook instance."},
};
static const struct pl_managed_pspec endpoint_params[] = {
    {.name = "keyArns", .type = PL_MP_LIST},
};
static const struct pl_managed__check endpoint_checks[] = {
    {.path = CFG "kmsKeyId",
     .op = MCK_PRESENT,
     .why = "The endpoint configuration has no KMS key."},
    {.path = CFG "kmsKeyId",
     .op = MCK_IN_PARAM,
     .param = 0,
     .why = "The endpoint configuration's KMS key is not one of keyArns."},
};
static const struct pl_managed__check dms_checks[] = {
    {.path = CFG "publiclyAccessible",
     .op = MCK_NOT_TRUE,
     .why = "The replication instance is publicly accessible."},
};

/* EMR: a running or waiting cluster's master must have no public DNS name. */
static int emr_master(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                      struct pl_managed_eval *out)
{
    const struct pl_json *st = pl_managed__path(c, v->cfg, "status.state|state");
    if (!pl_managed__streq(st, "RUNNING") && !pl_managed__streq(st, "WAITING"))
        return pl_managed__na(out);
    const char *dns = pl_json_str(pl_managed__get(v->cfg, "masterPublicDnsName"));
    if (dns && pl_starts_with(dns, "ec2-"))
        return pl_managed__res(out, PL_NON_COMPLIANT, "The master node has a public IP address.");
    return 0;
}

/* EMR_KERBEROS_ENABLED: a running or waiting cluster names a security configuration whose
 * document (the recorded AWS::EMR::SecurityConfiguration's SecurityConfiguration, an object or
 * JSON text) has a KerberosConfiguration matching the parameters. When that CI is not recorded,
 * the cluster's own kerberosAttributes (DescribeCluster) decide, but only without parameters. */
enum { KRB_TICKET, KRB_REALM, KRB_DOMAIN, KRB_ADMIN, KRB_KDC };
static const struct pl_managed_pspec kerberos_params[] = {
    [KRB_TICKET] = {.name = "TicketLifetimeInHours", .type = PL_MP_INT},
    [KRB_REALM] = {.name = "Realm", .type = PL_MP_STR},
    [KRB_DOMAIN] = {.name = "Domain", .type = PL_MP_STR},
    [KRB_ADMIN] = {.name = "AdminServer", .type = PL_MP_STR},
    [KRB_KDC] = {.name = "KdcServer", .type = PL_MP_STR},
};

struct seccfg_q {
    const char *name;
    const struct pl_json *ci;
};

static int seccfg_named(void *u, const struct pl_json *ci)
{
    struct seccfg_q *q = u;
    const char *st = pl_json_get_str(ci, "configurationItemStatus");
    if (st && pl_starts_with(st, "ResourceDeleted"))
        return 0;
    if (!pl_managed__streq(pl_json_get(ci, "resourceId"), q->name) &&
        !pl_managed__streq(pl_managed__get(pl_json_get(ci, "configuration"), "name"), q->name))
        return 0;
    q->ci = ci;
    return 1;
}

/* Compares the dedicated-KDC settings of a KerberosConfiguration with the set parameters. */
static int kerberos_params_ok(const struct pl_managed__ctx *c, const struct pl_json *krb,
                              struct pl_managed_eval *out)
{
    const struct pl_managed_pval *v = c->p->v;
    const struct pl_json *kdc = pl_managed__get(krb, "ClusterDedicatedKdcConfiguration");
    const struct pl_json *trust = pl_managed__get(kdc, "CrossRealmTrustConfiguration");
    long long hours;
    if (v[KRB_TICKET].set &&
        (pl_managed__int(pl_managed__get(kdc, "TicketLifetimeInHours"), &hours) < 0 ||
         hours != v[KRB_TICKET].i))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The Kerberos ticket lifetime is not %lld hours.", v[KRB_TICKET].i);
    for (int i = KRB_REALM; i <= KRB_KDC; i++)
        if (v[i].set && !pl_managed__streq(pl_managed__get(trust, kerberos_params[i].name), v[i].s))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "The cross-realm trust setting %s is not '%.100s'.",
                                   kerberos_params[i].name, v[i].s);
    return 0;
}

static int emr_kerberos(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    const struct pl_json *st = pl_managed__path(c, v->cfg, "status.state|state");
    if (!pl_managed__streq(st, "RUNNING") && !pl_managed__streq(st, "WAITING"))
        return pl_managed__na(out);
    struct seccfg_q q = {pl_json_str(pl_managed__get(v->cfg, "securityConfiguration")), NULL};
    if (!q.name || !*q.name)
        return pl_managed__res(out, PL_NON_COMPLIANT, "The cluster has no security configuration.");
    if (pl_managed__need_env(c, "the recorded AWS::EMR::SecurityConfiguration resources") < 0)
        return -1;
    c->env->each(c->env->u, "AWS::EMR::SecurityConfiguration", seccfg_named, &q);
    const struct pl_json *doc =
        q.ci ? pl_managed__path(c, q.ci, "configuration.securityConfiguration") : NULL;
    if (doc) {
        const struct pl_json *krb =
            pl_managed__path(c, doc, "AuthenticationConfiguration.KerberosConfiguration");
        if (pl_managed__empty(krb))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "Security configuration %.100s does not enable Kerberos.",
                                   q.name);
        return kerberos_params_ok(c, krb, out);
    }
    if (pl_managed__empty(pl_managed__get(v->cfg, "kerberosAttributes")))
        return pl_managed__res(out, PL_NON_COMPLIANT, "Kerberos is not enabled on the cluster.");
    for (size_t i = 0; i < PL_MIMPL_LEN(kerberos_params); i++)
        if (c->p->v[i].set)
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "Security configuration %.100s is not recorded, so its Kerberos "
                                   "settings cannot be compared with the parameters.",
                                   q.name);
    return 0;
}

/* ---- SSM compliance items ---- */

/* Any "Status" member in the item (any depth <= 6): NON_COMPLIANT wins, then COMPLIANT. */
static void ssm_status(const struct pl_json *j, int depth, int *seen)
{
    for (const struct pl_json *m = j ? j->child : NULL; depth < 6 && m; m = m->next) {
        if (m->key && strcmp(m->key, "Status") == 0)
            *seen |= pl_managed__streq(m, "NON_COMPLIANT") ? 2
                     : pl_managed__streq(m, "COMPLIANT")   ? 1
                                                           : 0;
        if (m->type == PL_JOBJ || m->type == PL_JARR)
            ssm_status(m, depth + 1, seen);
    }
}

static int ssm_compliance(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    int seen = 0;
    (void)c;
    ssm_status(v->cfg, 0, &seen);
    if (seen & 2)
        return pl_managed__res(out, PL_NON_COMPLIANT, "The compliance status is NON_COMPLIANT.");
    if (!(seen & 1))
        return pl_managed__na(out);
    return 0;
}

/* ---- REQUIRED_TAGS ---- */

static const struct pl_managed_pspec tag_params[] = {
    {.name = "tag1Key", .type = PL_MP_STR, .required = true},
    {.name = "tag1Value", .type = PL_MP_LIST},
    {.name = "tag2Key", .type = PL_MP_STR},
    {.name = "tag2Value", .type = PL_MP_LIST},
    {.name = "tag3Key", .type = PL_MP_STR},
    {.name = "tag3Value", .type = PL_MP_LIST},
    {.name = "tag4Key", .type = PL_MP_STR},
    {.name = "tag4Value", .type = PL_MP_LIST},
    {.name = "tag5Key", .type = PL_MP_STR},
    {.name = "tag5Value", .type = PL_MP_LIST},
    {.name = "tag6Key", .type = PL_MP_STR},
    {.name = "tag6Value", .type = PL_MP_LIST},
};

/* The value of tag `key`: the CI's tags map, else a configuration/supplementary tag list of
 * {key, value} objects. found is set when the tag exists. */
static const char *tag_value(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                             const char *key, bool *found)
{
    const struct pl_json *m = pl_json_get(v->ci, "tags");
    const struct pl_json *t = m && m->type == PL_JOBJ ? pl_json_get(m, key) : NULL;
    if (t) {
        *found = true;
        return pl_json_str(t);
    }
    const struct pl_json *list =
        m && m->type == PL_JARR
            ? m
            : pl_managed__path(c, v->ci, CFG "tags|" SUPP "Tags|" CFG "tagList");
    for (const struct pl_json *e = list && list->type == PL_JARR ? list->child : NULL; e;
         e = e->next) {
        const char *k = pl_json_str(pl_managed__get(e, "key"));
        if (k && strcmp(k, key) == 0) {
            *found = true;
            return pl_json_str(pl_managed__get(e, "value"));
        }
    }
    if (list && list->type == PL_JOBJ && (t = pl_json_get(list, key))) {
        *found = true;
        return pl_json_str(t);
    }
    *found = false;
    return NULL;
}

static int required_tags(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                         struct pl_managed_eval *out)
{
    for (size_t i = 0; i + 1 < PL_MIMPL_LEN(tag_params); i += 2) {
        const struct pl_managed_pval *k = &c->p->v[i], *want = &c->p->v[i + 1];
        bool found;
        if (!k->set)
            continue;
        const char *val = tag_value(c, v, k->s, &found);
        if (!found)
            return pl_managed__res(out, PL_NON_COMPLIANT, "Required tag '%.100s' is missing.",
                                   k->s);
        if (want->set && !pl_managed__in_list(want, val))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "Tag '%.100s' has value '%.100s', which is not allowed.", k->s,
                                   val ? val : "");
    }
    return 0;
}

/* ---- *_TAGGED ---- */

/* The resource has a tag of its own (keys beginning with "aws:" are AWS's) and, with
 * requiredKeyTags (at most 6 keys), each listed key. Tags are read as for REQUIRED_TAGS. */
static const struct pl_managed_pspec tagged_params[] = {
    {.name = "requiredKeyTags", .type = PL_MP_LIST},
};

static bool user_key(const char *k)
{
    return k && strncmp(k, "aws:", 4) != 0;
}

static bool has_user_tag(const struct pl_managed__ctx *c, const struct pl_managed__ci *v)
{
    const struct pl_json *m = pl_json_get(v->ci, "tags");
    if (!m || m->type != PL_JOBJ || !m->child)
        m = pl_managed__path(c, v->ci, CFG "tags|" SUPP "Tags|" CFG "tagList");
    for (const struct pl_json *e = m && (m->type == PL_JOBJ || m->type == PL_JARR) ? m->child
                                                                                   : NULL;
         e; e = e->next) {
        char key[130];
        const char *k = e->key;
        if (k && e->klen < sizeof(key)) {
            memcpy(key, k, e->klen);
            key[e->klen] = 0;
            k = key;
        } else {
            k = pl_json_str(pl_managed__get(e, "key"));
        }
        if (user_key(k))
            return true;
    }
    return false;
}

static int tagged(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                  struct pl_managed_eval *out)
{
    const struct pl_managed_pval *req = &c->p->v[0];
    if (!has_user_tag(c, v))
        return pl_managed__res(out, PL_NON_COMPLIANT, "The resource has no tags.");
    for (size_t i = 0; req->set && i < req->nitems; i++) {
        bool found;
        tag_value(c, v, req->items[i], &found);
        if (!found)
            return pl_managed__res(out, PL_NON_COMPLIANT, "Required tag key '%.100s' is missing.",
                                   req->items[i]);
    }
    return 0;
}

/* The load-balancer variants judge one kind of balancer (type) or listener (protocol). */
static int tagged_lb(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                     struct pl_managed_eval *out, bool application)
{
    bool listener = strcmp(v->type, "AWS::ElasticLoadBalancingV2::Listener") == 0;
    const struct pl_json *k = pl_managed__get(v->cfg, listener ? "protocol" : "type");
    bool app = listener ? pl_managed__streq(k, "HTTP") || pl_managed__streq(k, "HTTPS")
                        : pl_managed__streq(k, "application");
    bool net = listener ? pl_managed__streq(k, "TCP") || pl_managed__streq(k, "TLS") ||
                              pl_managed__streq(k, "UDP") || pl_managed__streq(k, "TCP_UDP")
                        : pl_managed__streq(k, "network");
    if (application ? !app : !net)
        return pl_managed__na(out);
    return tagged(c, v, out);
}

static int tagged_alb(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                      struct pl_managed_eval *out)
{
    return tagged_lb(c, v, out, true);
}

static int tagged_nlb(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                      struct pl_managed_eval *out)
{
    return tagged_lb(c, v, out, false);
}

#define CHECKS(t) .checks = t, .nchecks = PL_MIMPL_LEN(t)
#define PARAMS(t) .params = t, .nparams = PL_MIMPL_LEN(t)

const struct pl_managed_impl pl_managed__data[] = {
    {.identifier = "ENCRYPTED_VOLUMES", PARAMS(kms_id_params), CHECKS(volume_checks)},
    {.identifier = "RDS_STORAGE_ENCRYPTED", PARAMS(rds_kms_params), CHECKS(rds_encrypted_checks)},
    {.identifier = "RDS_INSTANCE_PUBLIC_ACCESS_CHECK", CHECKS(rds_public_checks)},
    {.identifier = "RDS_SNAPSHOTS_PUBLIC_PROHIBITED", .ci_fn = snapshot_public},
    {.identifier = "RDS_SNAPSHOT_ENCRYPTED", CHECKS(rds_snapshot_encrypted_checks)},
    {.identifier = "RDS_LOGGING_ENABLED", PARAMS(rds_log_params), .ci_fn = rds_logging},
    {.identifier = "DB_INSTANCE_BACKUP_ENABLED", PARAMS(backup_params), .ci_fn = backup_enabled},
    {.identifier = "REDSHIFT_CLUSTER_PUBLIC_ACCESS_CHECK", CHECKS(redshift_public_checks)},
    {.identifier = "REDSHIFT_CLUSTER_CONFIGURATION_CHECK",
     PARAMS(redshift_cfg_params),
     .ci_fn = redshift_cfg},
    {.identifier = "REDSHIFT_REQUIRE_TLS_SSL", .ci_fn = redshift_tls},
    {.identifier = "REDSHIFT_BACKUP_ENABLED",
     PARAMS(redshift_backup_params),
     CHECKS(redshift_backup_checks)},
    {.identifier = "DYNAMODB_PITR_ENABLED", CHECKS(pitr_checks)},
    {.identifier = "EFS_ENCRYPTED_CHECK", PARAMS(efs_params), CHECKS(efs_checks)},
    {.identifier = "ELASTICACHE_REDIS_CLUSTER_AUTOMATIC_BACKUP_CHECK",
     PARAMS(redis_params),
     CHECKS(redis_checks)},
    {.identifier = "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS", CHECKS(notebook_checks)},
    {.identifier = "SAGEMAKER_ENDPOINT_CONFIGURATION_KMS_KEY_CONFIGURED",
     PARAMS(endpoint_params),
     CHECKS(endpoint_checks)},
    {.identifier = "DMS_REPLICATION_NOT_PUBLIC", CHECKS(dms_checks)},
    {.identifier = "EMR_MASTER_NO_PUBLIC_IP", .ci_fn = emr_master},
    {.identifier = "EMR_KERBEROS_ENABLED", PARAMS(kerberos_params), .ci_fn = emr_kerberos},
    {.identifier = "EC2_MANAGEDINSTANCE_ASSOCIATION_COMPLIANCE_STATUS_CHECK",
     .ci_fn = ssm_compliance},
    {.identifier = "EC2_MANAGEDINSTANCE_PATCH_COMPLIANCE_STATUS_CHECK", .ci_fn = ssm_compliance},
    {.identifier = "RDS_CLUSTER_DELETION_PROTECTION_ENABLED", CHECKS(cluster_deletion_checks)},
    {.identifier = "RDS_INSTANCE_DEFAULT_ADMIN_CHECK",
     PARAMS(rds_admin_params),
     CHECKS(rds_admin_checks)},
    {.identifier = "RDS_CLUSTER_DEFAULT_ADMIN_CHECK",
     PARAMS(rds_admin_params),
     CHECKS(rds_admin_checks)},
    {.identifier = "REDSHIFT_DEFAULT_ADMIN_CHECK",
     PARAMS(redshift_admin_params),
     CHECKS(redshift_admin_checks)},
    {.identifier = "REDSHIFT_DEFAULT_DB_NAME_CHECK",
     PARAMS(db_names_params),
     CHECKS(redshift_db_name_checks)},
    {.identifier = "REQUIRED_TAGS", .types = "*", PARAMS(tag_params), .ci_fn = required_tags},
    {.identifier = "ALB_LISTENER_TAGGED",
     .types = "AWS::ElasticLoadBalancingV2::Listener",
     PARAMS(tagged_params),
     .ci_fn = tagged_alb,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "ALB_TAGGED",
     .types = "AWS::ElasticLoadBalancingV2::LoadBalancer",
     PARAMS(tagged_params),
     .ci_fn = tagged_alb,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "NLB_LISTENER_TAGGED",
     .types = "AWS::ElasticLoadBalancingV2::Listener",
     PARAMS(tagged_params),
     .ci_fn = tagged_nlb,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "NLB_TAGGED",
     .types = "AWS::ElasticLoadBalancingV2::LoadBalancer",
     PARAMS(tagged_params),
     .ci_fn = tagged_nlb,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "API_GW_REST_API_TAGGED",
     .types = "AWS::ApiGateway::RestApi",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "API_GW_STAGE_TAGGED",
     .types = "AWS::ApiGateway::Stage",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "CLOUDWATCH_METRIC_STREAM_TAGGED",
     .types = "AWS::CloudWatch::MetricStream",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "COGNITO_USER_POOL_TAGGED",
     .types = "AWS::Cognito::UserPool",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "EC2_CAPACITY_RESERVATION_TAGGED",
     .types = "AWS::EC2::CapacityReservation",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "EC2_DHCP_OPTIONS_TAGGED",
     .types = "AWS::EC2::DHCPOptions",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "EC2_FLEET_TAGGED",
     .types = "AWS::EC2::EC2Fleet",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "EC2_LAUNCH_TEMPLATE_TAGGED",
     .types = "AWS::EC2::LaunchTemplate",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "EC2_PREFIX_LIST_TAGGED",
     .types = "AWS::EC2::PrefixList",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "ECR_REPOSITORY_TAGGED",
     .types = "AWS::ECR::Repository",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "FRAUDDETECTOR_ENTITY_TYPE_TAGGED",
     .types = "AWS::FraudDetector::EntityType",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "FRAUDDETECTOR_LABEL_TAGGED",
     .types = "AWS::FraudDetector::Label",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "FRAUDDETECTOR_OUTCOME_TAGGED",
     .types = "AWS::FraudDetector::Outcome",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "FRAUDDETECTOR_VARIABLE_TAGGED",
     .types = "AWS::FraudDetector::Variable",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "GLUE_ML_TRANSFORM_TAGGED",
     .types = "AWS::Glue::MLTransform",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "SAGEMAKER_APP_IMAGE_CONFIG_TAGGED",
     .types = "AWS::SageMaker::AppImageConfig",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "SAGEMAKER_DOMAIN_TAGGED",
     .types = "AWS::SageMaker::Domain",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "SAGEMAKER_FEATURE_GROUP_TAGGED",
     .types = "AWS::SageMaker::FeatureGroup",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "SAGEMAKER_IMAGE_TAGGED",
     .types = "AWS::SageMaker::Image",
     PARAMS(tagged_params),
     .ci_fn = tagged,
     .trigger = PL_MANAGED_CHANGE},
};
const size_t pl_managed__data_len = PL_MIMPL_LEN(pl_managed__data);
