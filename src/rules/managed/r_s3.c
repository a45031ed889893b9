/* r_s3.c — managed rules about S3 buckets.
 *
 * They read the bucket CI's supplementaryConfiguration (AccessControlList, BucketPolicy,
 * BucketVersioningConfiguration, BucketLoggingConfiguration, ServerSideEncryptionConfiguration,
 * BucketReplicationConfiguration, PublicAccessBlockConfiguration), whose values are objects in
 * the notification form and JSON text (sometimes doubly encoded) in the API form: pl_mpath and
 * pl_mdoc accept both. Policy analysis is syntactic (see docs/managed-rules.md): a statement
 * with a Condition is not treated as granting public access.
 */
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "rules/managed/managed_int.h"

#define ALLUSERS  "http://acs.amazonaws.com/groups/global/AllUsers"
#define AUTHUSERS "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"

/* ---- public read / write ---- */

struct access {
    const char *perm;        /* ACL permission granting it besides FullControl */
    const char *const *acts; /* concrete actions that grant it */
    const char *what;        /* "read" / "write" */
};

static const char *const read_acts[] = {"s3:GetObject", "s3:ListBucket", NULL};
static const char *const write_acts[] = {"s3:PutObject", "s3:DeleteObject", NULL};
static const struct access READ = {"Read", read_acts, "read"};
static const struct access WRITE = {"Write", write_acts, "write"};

/* Block Public Access in force: the bucket's settings OR the account's. */
struct bpa {
    bool ignore_acls, restrict_buckets;
};

static void bpa_from(struct bpa *b, const struct pl_json *o)
{
    b->ignore_acls |= pl_mtrue(pl_mget(o, "ignorePublicAcls"));
    b->restrict_buckets |= pl_mtrue(pl_mget(o, "restrictPublicBuckets"));
}

static void bpa_load(const struct pl_mctx *c, const struct pl_mci *v, struct bpa *b)
{
    bpa_from(b, pl_mpath(c, v->ci, "supplementaryConfiguration.PublicAccessBlockConfiguration"));
    const struct pl_json *acct = pl_maccount(c);
    if (acct)
        bpa_from(b, pl_mpath(c, acct, "configuration.publicAccessBlock"));
    else if (c->env && c->env->get && c->env->account)
        bpa_from(b, pl_mpath(c,
                             c->env->get(c->env->u, "AWS::S3::AccountPublicAccessBlock",
                                         c->env->account),
                             "configuration"));
}

static bool public_grantee(const struct pl_json *g)
{
    const char *s = pl_json_str(g);
    if (!s)
        s = pl_json_str(pl_mget(g, "uri"));
    if (!s)
        s = pl_json_str(pl_mget(g, "URI"));
    return s && (strcmp(s, "AllUsers") == 0 || strcmp(s, "AuthenticatedUsers") == 0 ||
                 strcmp(s, ALLUSERS) == 0 || strcmp(s, AUTHUSERS) == 0);
}

static bool acl_public(const struct pl_mctx *c, const struct pl_mci *v, const struct access *ac)
{
    const struct pl_json *acl =
        pl_mdoc_if(c, pl_mpath(c, v->ci, "supplementaryConfiguration.AccessControlList"), "Users");
    const struct pl_json *grants = pl_mget(acl, "grantList");
    for (const struct pl_json *g = grants ? grants->child : NULL; g; g = g->next) {
        const struct pl_json *perm = pl_mget(g, "permission");
        if (public_grantee(pl_mget(g, "grantee")) &&
            (pl_mstreq(perm, ac->perm) || pl_mstreq(perm, "FullControl")))
            return true;
    }
    return false;
}

/* The bucket policy document, or NULL; also NULL when its text does not mention `needle`
 * (a word every statement the caller looks for must contain), which spares the parse. */
static const struct pl_json *bucket_policy(const struct pl_mctx *c, const struct pl_mci *v,
                                           const char *needle)
{
    return pl_mdoc_if(c, pl_mpath(c, v->ci, "supplementaryConfiguration.BucketPolicy.policyText"),
                      needle);
}

struct stmt_q {
    const struct access *ac;
    bool hit;
};

static int public_allow(void *u, const struct pl_json *st)
{
    struct stmt_q *q = u;
    if (!pl_mstreq(pl_json_get(st, "Effect"), "Allow") || pl_json_get(st, "Condition") ||
        !pl_mprincipal_public(pl_json_get(st, "Principal")))
        return 0;
    for (const char *const *a = q->ac->acts; *a; a++)
        if (pl_maction_matches(pl_json_get(st, "Action"), *a))
            return q->hit = true;
    return 0;
}

static int public_access(const struct pl_mctx *c, const struct pl_mci *v,
                         struct pl_managed_eval *out, const struct access *ac)
{
    struct bpa b = {0};
    bpa_load(c, v, &b);
    if (!b.ignore_acls && acl_public(c, v, ac))
        return pl_mres(out, PL_NON_COMPLIANT, "The bucket ACL grants public %s access.", ac->what);
    struct stmt_q q = {ac, false};
    if (!b.restrict_buckets)
        pl_mstatements(bucket_policy(c, v, "Allow"), public_allow, &q);
    if (q.hit)
        return pl_mres(out, PL_NON_COMPLIANT, "The bucket policy grants public %s access.",
                       ac->what);
    return 0;
}

static int public_read(const struct pl_mctx *c, const struct pl_mci *v, struct pl_managed_eval *out)
{
    return public_access(c, v, out, &READ);
}

static int public_write(const struct pl_mctx *c, const struct pl_mci *v,
                        struct pl_managed_eval *out)
{
    return public_access(c, v, out, &WRITE);
}

/* ---- policies that deny ---- */

/* A Deny statement for everyone covering `act`, with a condition on `ckey` (any operator). */
struct deny_q {
    const char *act, *ckey, *cval;
    bool hit;
};

static bool cond_has(const struct pl_json *cond, const char *key, const char *val)
{
    for (const struct pl_json *op = cond ? cond->child : NULL; op; op = op->next)
        for (const struct pl_json *k = op->child; k; k = k->next)
            if (k->key && strcasecmp(k->key, key) == 0 &&
                (!val || pl_mstreq(k, val) || pl_mstreq(k->child, val) ||
                 (k->type == PL_JBOOL && !k->b && strcmp(val, "false") == 0)))
                return true;
    return false;
}

static int deny_with(void *u, const struct pl_json *st)
{
    struct deny_q *q = u;
    if (pl_mstreq(pl_json_get(st, "Effect"), "Deny") &&
        pl_mprincipal_public(pl_json_get(st, "Principal")) &&
        pl_maction_matches(pl_json_get(st, "Action"), q->act) &&
        cond_has(pl_json_get(st, "Condition"), q->ckey, q->cval))
        q->hit = true;
    return q->hit;
}

static int ssl_only(const struct pl_mctx *c, const struct pl_mci *v, struct pl_managed_eval *out)
{
    struct deny_q q = {"s3:GetObject", "aws:SecureTransport", "false", false};
    pl_mstatements(bucket_policy(c, v, "SecureTransport"), deny_with, &q);
    if (!q.hit)
        return pl_mres(out, PL_NON_COMPLIANT,
                       "The bucket policy does not deny requests with aws:SecureTransport "
                       "false.");
    return 0;
}

static int sse_enabled(const struct pl_mctx *c, const struct pl_mci *v, struct pl_managed_eval *out)
{
    const struct pl_json *rules =
        pl_mpath(c, v->ci, "supplementaryConfiguration.ServerSideEncryptionConfiguration.rules");
    for (const struct pl_json *r = rules ? rules->child : NULL; r; r = r->next)
        if (!pl_mempty(pl_mpath(c, r, "applyServerSideEncryptionByDefault.sseAlgorithm")))
            return 0;
    struct deny_q q = {"s3:PutObject", "s3:x-amz-server-side-encryption", NULL, false};
    pl_mstatements(bucket_policy(c, v, "server-side-encryption"), deny_with, &q);
    if (!q.hit)
        return pl_mres(out, PL_NON_COMPLIANT,
                       "The bucket has no default encryption and its policy does not deny "
                       "unencrypted uploads.");
    return 0;
}

/* ---- versioning, replication ---- */

enum { P_MFA };

static int versioning_mfa(const struct pl_mctx *c, const struct pl_mci *v,
                          struct pl_managed_eval *out)
{
    const struct pl_managed_pval *mfa = &c->p->v[P_MFA];
    if (mfa->set && mfa->b &&
        !pl_mtrue(pl_mpath(c, v->ci,
                           "supplementaryConfiguration.BucketVersioningConfiguration."
                           "isMfaDeleteEnabled")))
        return pl_mres(out, PL_NON_COMPLIANT, "MFA delete is not enabled on the bucket.");
    return 0;
}

enum { P_REPL_TYPE };

/* Region of the bucket an ARN "arn:aws:s3:::name" names, from its recorded CI, or NULL. */
static const char *bucket_region(const struct pl_mctx *c, const char *arn)
{
    const char *name = arn ? strrchr(arn, ':') : NULL;
    if (!name || !c->env || !c->env->get)
        return NULL;
    return pl_json_get_str(c->env->get(c->env->u, "AWS::S3::Bucket", name + 1), "awsRegion");
}

static int replication(const struct pl_mctx *c, const struct pl_mci *v, struct pl_managed_eval *out)
{
    const struct pl_json *rules =
        pl_mpath(c, v->ci, "supplementaryConfiguration.BucketReplicationConfiguration.rules");
    const struct pl_managed_pval *want = &c->p->v[P_REPL_TYPE];
    const char *here = pl_json_get_str(v->ci, "awsRegion");
    const char *unknown = NULL;
    /* rules is a map keyed by rule id (Config) or an array (CloudFormation form) */
    for (const struct pl_json *r = rules ? rules->child : NULL; r; r = r->next) {
        if (!pl_mstreq(pl_mget(r, "status"), "Enabled"))
            continue;
        if (!want->set)
            return 0;
        const char *arn =
            pl_json_str(pl_mpath(c, r, "destinationConfig.bucketARN|destination.bucket"));
        const char *there = bucket_region(c, arn);
        if (!there) {
            unknown = arn;
            continue;
        }
        bool cross = !here || strcmp(here, there) != 0;
        if (cross == (strcmp(want->s, "CROSS-REGION") == 0))
            return 0;
    }
    if (unknown)
        return pl_mres(out, PL_NON_COMPLIANT,
                       "Replication destination %.150s is not recorded, so its region (for "
                       "%s) cannot be confirmed.",
                       unknown, want->s);
    if (want->set)
        return pl_mres(out, PL_NON_COMPLIANT, "No enabled %s replication rule.", want->s);
    return pl_mres(out, PL_NON_COMPLIANT, "The bucket has no enabled replication rule.");
}

/* ---- tables ---- */

#define SUPP "supplementaryConfiguration."

static const struct pl_managed_pspec versioning_params[] = {
    {.name = "isMfaDeleteEnabled", .type = PL_MP_BOOL},
};
static const struct pl_mcheck versioning_checks[] = {
    {.path = SUPP "BucketVersioningConfiguration.status",
     .op = MCK_EQ,
     .arg = "Enabled",
     .param = -1,
     .why = "Versioning is not enabled on the bucket."},
};

enum { P_TARGET_BUCKET, P_TARGET_PREFIX };
static const struct pl_managed_pspec logging_params[] = {
    {.name = "targetBucket", .type = PL_MP_STR},
    {.name = "targetPrefix", .type = PL_MP_STR},
};
static const struct pl_mcheck logging_checks[] = {
    {.path = SUPP "BucketLoggingConfiguration.destinationBucketName",
     .op = MCK_PRESENT,
     .param = -1,
     .why = "Server access logging is not enabled on the bucket."},
    {.path = SUPP "BucketLoggingConfiguration.destinationBucketName",
     .op = MCK_EQ_PARAM,
     .param = P_TARGET_BUCKET,
     .why = "Access logs do not go to the expected target bucket."},
    {.path = SUPP "BucketLoggingConfiguration.logFilePrefix",
     .op = MCK_EQ_PARAM,
     .param = P_TARGET_PREFIX,
     .why = "Access logs do not use the expected target prefix."},
};

static const struct pl_managed_pspec replication_params[] = {
    {.name = "ReplicationType", .type = PL_MP_STR, .choices = "CROSS-REGION|SAME-REGION"},
};

const struct pl_managed_impl pl_managed__s3[] = {
    {.identifier = "S3_BUCKET_PUBLIC_READ_PROHIBITED", .ci_fn = public_read},
    {.identifier = "S3_BUCKET_PUBLIC_WRITE_PROHIBITED", .ci_fn = public_write},
    {.identifier = "S3_BUCKET_SSL_REQUESTS_ONLY", .ci_fn = ssl_only},
    {.identifier = "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", .ci_fn = sse_enabled},
    {.identifier = "S3_BUCKET_VERSIONING_ENABLED",
     .params = versioning_params,
     .nparams = PL_MIMPL_LEN(versioning_params),
     .checks = versioning_checks,
     .nchecks = PL_MIMPL_LEN(versioning_checks),
     .ci_fn = versioning_mfa},
    {.identifier = "S3_BUCKET_LOGGING_ENABLED",
     .params = logging_params,
     .nparams = PL_MIMPL_LEN(logging_params),
     .checks = logging_checks,
     .nchecks = PL_MIMPL_LEN(logging_checks)},
    {.identifier = "S3_BUCKET_REPLICATION_ENABLED",
     .params = replication_params,
     .nparams = PL_MIMPL_LEN(replication_params),
     .ci_fn = replication},
};
const size_t pl_managed__s3_len = PL_MIMPL_LEN(pl_managed__s3);
