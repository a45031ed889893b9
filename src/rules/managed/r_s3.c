/* r_s3.c — managed rules about S3 buckets.
 *
 * They read the bucket CI's supplementaryConfiguration (AccessControlList, BucketPolicy,
 * BucketVersioningConfiguration, BucketLoggingConfiguration, ServerSideEncryptionConfiguration,
 * BucketReplicationConfiguration, PublicAccessBlockConfiguration, BucketLifecycleConfiguration,
 * BucketNotificationConfiguration), whose values are objects in
 * the notification form and JSON text (sometimes doubly encoded) in the API form: pl_managed__path
 * and pl_managed__doc accept both. Policy analysis is syntactic (see docs/managed-rules.md): a
 * statement with a Condition is not treated as granting public access.
 */
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "rules/managed/managed_int.h"

#define ALLUSERS  "http://acs.amazonaws.com/groups/global/AllUsers"
#define AUTHUSERS "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
#define SUPP      "supplementaryConfiguration."

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
    b->ignore_acls |= pl_managed__true(pl_managed__get(o, "ignorePublicAcls"));
    b->restrict_buckets |= pl_managed__true(pl_managed__get(o, "restrictPublicBuckets"));
}

static void bpa_load(const struct pl_managed__ctx *c, const struct pl_managed__ci *v, struct bpa *b)
{
    bpa_from(
        b, pl_managed__path(c, v->ci, "supplementaryConfiguration.PublicAccessBlockConfiguration"));
    const struct pl_json *acct = pl_managed__account(c);
    if (acct)
        bpa_from(b, pl_managed__path(c, acct, "configuration.publicAccessBlock"));
    else if (c->env && c->env->get && c->env->account)
        bpa_from(b, pl_managed__path(c,
                                     c->env->get(c->env->u, "AWS::S3::AccountPublicAccessBlock",
                                                 c->env->account),
                                     "configuration"));
}

static bool public_grantee(const struct pl_json *g)
{
    const char *s = pl_json_str(g);
    if (!s)
        s = pl_json_str(pl_managed__get(g, "uri"));
    if (!s)
        s = pl_json_str(pl_managed__get(g, "URI"));
    return s && (strcmp(s, "AllUsers") == 0 || strcmp(s, "AuthenticatedUsers") == 0 ||
                 strcmp(s, ALLUSERS) == 0 || strcmp(s, AUTHUSERS) == 0);
}

static bool acl_public(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       const struct access *ac)
{
    const struct pl_json *acl = pl_managed__doc_if(
        c, pl_managed__path(c, v->ci, "supplementaryConfiguration.AccessControlList"), "Users");
    const struct pl_json *grants = pl_managed__get(acl, "grantList");
    for (const struct pl_json *g = grants ? grants->child : NULL; g; g = g->next) {
        const struct pl_json *perm = pl_managed__get(g, "permission");
        if (public_grantee(pl_managed__get(g, "grantee")) &&
            (pl_managed__streq(perm, ac->perm) || pl_managed__streq(perm, "FullControl")))
            return true;
    }
    return false;
}

/* The bucket policy document, or NULL; also NULL when its text does not mention `needle`
 * (a word every statement the caller looks for must contain), which spares the parse. */
static const struct pl_json *bucket_policy(const struct pl_managed__ctx *c,
                                           const struct pl_managed__ci *v, const char *needle)
{
    return pl_managed__doc_if(
        c, pl_managed__path(c, v->ci, "supplementaryConfiguration.BucketPolicy.policyText"),
        needle);
}

struct stmt_q {
    const struct access *ac;
    bool hit;
};

static int public_allow(void *u, const struct pl_json *st)
{
    struct stmt_q *q = u;
    if (!pl_managed__streq(pl_json_get(st, "Effect"), "Allow") || pl_json_get(st, "Condition") ||
        !pl_managed__principal_public(pl_json_get(st, "Principal")))
        return 0;
    for (const char *const *a = q->ac->acts; *a; a++)
        if (pl_managed__action_matches(pl_json_get(st, "Action"), *a))
            return q->hit = true;
    return 0;
}

static int public_access(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                         struct pl_managed_eval *out, const struct access *ac)
{
    struct bpa b = {0};
    bpa_load(c, v, &b);
    if (!b.ignore_acls && acl_public(c, v, ac))
        return pl_managed__res(out, PL_NON_COMPLIANT, "The bucket ACL grants public %s access.",
                               ac->what);
    struct stmt_q q = {ac, false};
    if (!b.restrict_buckets)
        pl_managed__statements(bucket_policy(c, v, "Allow"), public_allow, &q);
    if (q.hit)
        return pl_managed__res(out, PL_NON_COMPLIANT, "The bucket policy grants public %s access.",
                               ac->what);
    return 0;
}

static int public_read(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    return public_access(c, v, out, &READ);
}

static int public_write(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
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
                (!val || pl_managed__streq(k, val) || pl_managed__streq(k->child, val) ||
                 (k->type == PL_JBOOL && !k->b && strcmp(val, "false") == 0)))
                return true;
    return false;
}

static int deny_with(void *u, const struct pl_json *st)
{
    struct deny_q *q = u;
    if (pl_managed__streq(pl_json_get(st, "Effect"), "Deny") &&
        pl_managed__principal_public(pl_json_get(st, "Principal")) &&
        pl_managed__action_matches(pl_json_get(st, "Action"), q->act) &&
        cond_has(pl_json_get(st, "Condition"), q->ckey, q->cval))
        q->hit = true;
    return q->hit;
}

static int ssl_only(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                    struct pl_managed_eval *out)
{
    struct deny_q q = {"s3:GetObject", "aws:SecureTransport", "false", false};
    pl_managed__statements(bucket_policy(c, v, "SecureTransport"), deny_with, &q);
    if (!q.hit)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The bucket policy does not deny requests with aws:SecureTransport "
                               "false.");
    return 0;
}

static int sse_enabled(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    const struct pl_json *rules = pl_managed__path(
        c, v->ci, "supplementaryConfiguration.ServerSideEncryptionConfiguration.rules");
    for (const struct pl_json *r = rules ? rules->child : NULL; r; r = r->next)
        if (!pl_managed__empty(
                pl_managed__path(c, r, "applyServerSideEncryptionByDefault.sseAlgorithm")))
            return 0;
    struct deny_q q = {"s3:PutObject", "s3:x-amz-server-side-encryption", NULL, false};
    pl_managed__statements(bucket_policy(c, v, "server-side-encryption"), deny_with, &q);
    if (!q.hit)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The bucket has no default encryption and its policy does not deny "
                               "unencrypted uploads.");
    return 0;
}

/* ---- versioning, replication ---- */

enum { P_MFA };

static int versioning_mfa(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    const struct pl_managed_pval *mfa = &c->p->v[P_MFA];
    if (mfa->set && mfa->b &&
        !pl_managed__true(
            pl_managed__path(c, v->ci,
                             "supplementaryConfiguration.BucketVersioningConfiguration."
                             "isMfaDeleteEnabled")))
        return pl_managed__res(out, PL_NON_COMPLIANT, "MFA delete is not enabled on the bucket.");
    return 0;
}

enum { P_REPL_TYPE };

/* Region of the bucket an ARN "arn:aws:s3:::name" names, from its recorded CI, or NULL. */
static const char *bucket_region(const struct pl_managed__ctx *c, const char *arn)
{
    const char *name = arn ? strrchr(arn, ':') : NULL;
    if (!name || !c->env || !c->env->get)
        return NULL;
    return pl_json_get_str(c->env->get(c->env->u, "AWS::S3::Bucket", name + 1), "awsRegion");
}

/* An enabled replication rule exists and, when want is not NULL, one whose destination is
 * CROSS-REGION or SAME-REGION as want says. */
static int replication_as(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out, const char *want)
{
    const struct pl_json *rules = pl_managed__path(
        c, v->ci, "supplementaryConfiguration.BucketReplicationConfiguration.rules");
    const char *here = pl_json_get_str(v->ci, "awsRegion");
    const char *unknown = NULL;
    /* rules is a map keyed by rule id (Config) or an array (CloudFormation form) */
    for (const struct pl_json *r = rules ? rules->child : NULL; r; r = r->next) {
        if (!pl_managed__streq(pl_managed__get(r, "status"), "Enabled"))
            continue;
        if (!want)
            return 0;
        const char *arn =
            pl_json_str(pl_managed__path(c, r, "destinationConfig.bucketARN|destination.bucket"));
        const char *there = bucket_region(c, arn);
        if (!there) {
            unknown = arn;
            continue;
        }
        bool cross = !here || strcmp(here, there) != 0;
        if (cross == (strcmp(want, "CROSS-REGION") == 0))
            return 0;
    }
    if (unknown)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "Replication destination %.150s is not recorded, so its region (for "
                               "%s) cannot be confirmed.",
                               unknown, want);
    if (want)
        return pl_managed__res(out, PL_NON_COMPLIANT, "No enabled %s replication rule.", want);
    return pl_managed__res(out, PL_NON_COMPLIANT, "The bucket has no enabled replication rule.");
}

static int replication(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    const struct pl_managed_pval *want = &c->p->v[P_REPL_TYPE];
    return replication_as(c, v, out, want->set ? want->s : NULL);
}

/* S3_BUCKET_CROSS_REGION_REPLICATION_ENABLED: an enabled rule replicates to a bucket of another
 * region (S3_BUCKET_REPLICATION_ENABLED with ReplicationType CROSS-REGION). */
static int replication_cross(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                             struct pl_managed_eval *out)
{
    return replication_as(c, v, out, "CROSS-REGION");
}

/* CLOUDTRAIL_S3_BUCKET_PUBLIC_ACCESS_PROHIBITED: the trail's S3BucketName names a recorded bucket
 * that S3_BUCKET_PUBLIC_READ_PROHIBITED and S3_BUCKET_PUBLIC_WRITE_PROHIBITED judge not public
 * (its ACL and policy after Block Public Access). A bucket not recorded (another account's) is
 * INSUFFICIENT_DATA. */
static int trail_bucket_public(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                               struct pl_managed_eval *out)
{
    const char *name = pl_json_str(pl_managed__get(v->cfg, "s3BucketName"));
    if (!name)
        return pl_managed__na(out);
    if (pl_managed__need_env(c, "the recorded AWS::S3::Bucket resources") < 0)
        return -1;
    const struct pl_json *b = c->env->get(c->env->u, "AWS::S3::Bucket", name);
    if (!b)
        return pl_managed__res(out, PL_INSUFFICIENT_DATA,
                               "The trail's bucket %.150s is not recorded.", name);
    struct pl_managed__ctx bc = *c;
    struct pl_managed__ci bv;
    pl_managed__ci_init(&bv, &bc, b);
    bc.v = &bv;
    static const struct access *const acs[] = {&READ, &WRITE};
    for (size_t i = 0; i < PL_ARRAY_LEN(acs); i++) {
        struct pl_managed_eval e = *out;
        if (public_access(&bc, &bv, &e, acs[i]) < 0)
            return -1;
        if (e.compliance == PL_NON_COMPLIANT)
            return pl_managed__res(out, PL_NON_COMPLIANT, "The trail's bucket %.100s: %s", name,
                                   e.annotation);
    }
    return 0;
}

/* ---- ACLs, lifecycle rules, event notifications ---- */

/* S3_BUCKET_ACL_PROHIBITED: the ACL grants nothing beyond the owner's own grant (with
 * ACLs disabled, BucketOwnerEnforced, that is all S3 reports). No recorded ACL grants nothing. */
static int acl_prohibited(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    const struct pl_json *acl =
        pl_managed__doc(c, pl_managed__path(c, v->ci, SUPP "AccessControlList"));
    const char *owner = pl_json_str(pl_managed__path(c, acl, "owner.id"));
    const struct pl_json *grants = pl_managed__get(acl, "grantList");
    for (const struct pl_json *g = grants ? grants->child : NULL; g; g = g->next) {
        const struct pl_json *who = pl_managed__get(g, "grantee");
        const char *id = pl_json_str(pl_managed__get(who, "id"));
        if (id && owner && strcmp(id, owner) == 0)
            continue;
        const char *name = id ? id : pl_json_str(pl_managed__get(who, "uri"));
        return pl_managed__res(out, PL_NON_COMPLIANT, "The bucket ACL grants %.40s to %.120s.",
                               pl_json_str(pl_managed__get(g, "permission")),
                               name               ? name
                               : pl_json_str(who) ? pl_json_str(who)
                                                  : "another grantee");
    }
    return 0;
}

/* A bucketNames parameter limits the rule to the buckets it lists. */
static bool bucket_in_scope(const struct pl_managed__ci *v, const struct pl_managed_pval *names)
{
    const char *name = pl_json_str(pl_managed__get(v->cfg, "name"));
    return !names->set || pl_managed__in_list(names, name ? name : v->id);
}

/* The lifecycle rules: a map keyed by rule id (Config) or an array (CloudFormation form). */
static const struct pl_json *lifecycle_rules(const struct pl_managed__ctx *c,
                                             const struct pl_managed__ci *v)
{
    return pl_managed__path(c, v->ci, SUPP "BucketLifecycleConfiguration.rules");
}

static bool rule_enabled(const struct pl_json *r)
{
    return pl_managed__streq(pl_managed__get(r, "status"), "Enabled");
}

static bool any_enabled(const struct pl_json *rules)
{
    for (const struct pl_json *r = rules ? rules->child : NULL; r; r = r->next)
        if (rule_enabled(r))
            return true;
    return false;
}

static const struct pl_managed_pspec bucket_names_params[] = {
    {.name = "bucketNames", .type = PL_MP_LIST},
};

/* Versioned buckets (in bucketNames, when set) need an enabled lifecycle rule. */
static int version_lifecycle(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                             struct pl_managed_eval *out)
{
    if (!bucket_in_scope(v, &c->p->v[0]) ||
        !pl_managed__streq(pl_managed__path(c, v->ci, SUPP "BucketVersioningConfiguration.status"),
                           "Enabled"))
        return pl_managed__na(out);
    if (!any_enabled(lifecycle_rules(c, v)))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The versioned bucket has no enabled lifecycle rule.");
    return 0;
}

enum { P_LC_TRANSITION, P_LC_EXPIRATION, P_LC_CLASS, P_LC_PREFIX, P_LC_BUCKETS };
static const struct pl_managed_pspec lifecycle_params[] = {
    [P_LC_TRANSITION] = {.name = "targetTransitionDays", .type = PL_MP_INT},
    [P_LC_EXPIRATION] = {.name = "targetExpirationDays", .type = PL_MP_INT},
    [P_LC_CLASS] = {.name = "targetTransitionStorageClass", .type = PL_MP_STR},
    [P_LC_PREFIX] = {.name = "targetPrefix", .type = PL_MP_STR},
    [P_LC_BUCKETS] = {.name = "bucketNames", .type = PL_MP_LIST},
};

/* A number of days equal to want (Config writes them as 60.0). */
static bool days_are(const struct pl_json *j, long long want)
{
    double d;
    return j && pl_json_double(j, &d) == 0 && d == (double)want;
}

/* The rule's prefix: the legacy prefix, the filter's prefix predicate, or an AND operand's. */
static bool prefix_is(const struct pl_managed__ctx *c, const struct pl_json *r, const char *want)
{
    if (pl_managed__streq(pl_managed__path(c, r, "prefix|filter.predicate.prefix|filter.prefix"),
                          want))
        return true;
    const struct pl_json *ops = pl_managed__path(c, r, "filter.predicate.operands");
    for (const struct pl_json *o = ops ? ops->child : NULL; o; o = o->next)
        if (pl_managed__streq(pl_managed__get(o, "prefix"), want))
            return true;
    return false;
}

static bool transition_matches(const struct pl_managed__ctx *c, const struct pl_json *r)
{
    const struct pl_managed_pval *pv = c->p->v;
    if (!pv[P_LC_TRANSITION].set && !pv[P_LC_CLASS].set)
        return true;
    const struct pl_json *ts = pl_managed__get(r, "transitions");
    for (const struct pl_json *t = ts ? ts->child : NULL; t; t = t->next)
        if ((!pv[P_LC_TRANSITION].set ||
             days_are(pl_managed__get(t, "days"), pv[P_LC_TRANSITION].i)) &&
            (!pv[P_LC_CLASS].set ||
             pl_managed__streq(pl_managed__get(t, "storageClass"), pv[P_LC_CLASS].s)))
            return true;
    return false;
}

static bool lifecycle_matches(const struct pl_managed__ctx *c, const struct pl_json *r)
{
    const struct pl_managed_pval *pv = c->p->v;
    return rule_enabled(r) && transition_matches(c, r) &&
           (!pv[P_LC_EXPIRATION].set ||
            days_are(pl_managed__path(c, r, "expirationInDays|expiration.days"),
                     pv[P_LC_EXPIRATION].i)) &&
           (!pv[P_LC_PREFIX].set || prefix_is(c, r, pv[P_LC_PREFIX].s));
}

/* Some enabled lifecycle rule matches every parameter that is set. */
static int lifecycle_policy(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                            struct pl_managed_eval *out)
{
    if (!bucket_in_scope(v, &c->p->v[P_LC_BUCKETS]))
        return pl_managed__na(out);
    const struct pl_json *rules = lifecycle_rules(c, v);
    for (const struct pl_json *r = rules ? rules->child : NULL; r; r = r->next)
        if (lifecycle_matches(c, r))
            return 0;
    if (!any_enabled(rules))
        return pl_managed__res(out, PL_NON_COMPLIANT, "The bucket has no enabled lifecycle rule.");
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "No enabled lifecycle rule of the bucket matches the parameters.");
}

enum { P_EV_DEST, P_EV_TYPES };
static const struct pl_managed_pspec events_params[] = {
    [P_EV_DEST] = {.name = "destinationArn", .type = PL_MP_STR},
    [P_EV_TYPES] = {.name = "eventTypes", .type = PL_MP_LIST},
};

static bool event_listed(const struct pl_json *events, const struct pl_managed_pval *types)
{
    for (const struct pl_json *e = events ? events->child : NULL; e; e = e->next)
        if (pl_managed__in_list(types, pl_json_str(e)))
            return true;
    return false;
}

/* Some notification configuration (a map keyed by id) goes to destinationArn, when set, for
 * one of eventTypes, when set. */
static int event_notifications(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                               struct pl_managed_eval *out)
{
    const struct pl_managed_pval *pv = c->p->v;
    const struct pl_json *cfgs =
        pl_managed__path(c, v->ci, SUPP "BucketNotificationConfiguration.configurations");
    if (pl_managed__empty(cfgs))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "Event notifications are not enabled on the bucket.");
    for (const struct pl_json *n = cfgs->child; n; n = n->next) {
        const struct pl_json *dest = pl_managed__path(c, n, "queueARN|topicARN|functionARN");
        if ((!pv[P_EV_DEST].set || pl_managed__streq(dest, pv[P_EV_DEST].s)) &&
            (!pv[P_EV_TYPES].set || event_listed(pl_managed__get(n, "events"), &pv[P_EV_TYPES])))
            return 0;
    }
    return pl_managed__res(
        out, PL_NON_COMPLIANT,
        "No event notification of the bucket matches destinationArn and eventTypes.");
}

/* ---- policy grantees ---- */

/* S3_BUCKET_POLICY_GRANTEE_CHECK: every Allow statement of the bucket policy is restricted by
 * what the parameters list: all its principals are listed (an account id also covers the
 * principals of that account), or a non-negated condition limits aws:SourceIp to blocks within
 * ipAddresses or aws:SourceVpc to vpcIds. No policy: COMPLIANT. */
enum { P_GR_AWS, P_GR_SERVICE, P_GR_FEDERATED, P_GR_IPS, P_GR_VPCS };
static const struct pl_managed_pspec grantee_params[] = {
    [P_GR_AWS] = {.name = "awsPrincipals", .type = PL_MP_LIST},
    [P_GR_SERVICE] = {.name = "servicePrincipals", .type = PL_MP_LIST},
    [P_GR_FEDERATED] = {.name = "federatedUsers", .type = PL_MP_LIST},
    [P_GR_IPS] = {.name = "ipAddresses", .type = PL_MP_LIST},
    [P_GR_VPCS] = {.name = "vpcIds", .type = PL_MP_LIST},
};

/* True when AWS principal p (an account id or an ARN "arn:aws:iam::<account>:...") belongs to
 * account acct. */
static bool principal_of(const char *p, const char *acct)
{
    const char *iam = strstr(p, ":iam::");
    const char *id = iam ? iam + 6 : p;
    size_t n = strlen(acct);
    return strncmp(id, acct, n) == 0 && (id[n] == 0 || (iam && id[n] == ':'));
}

/* An AWS principal: listed as is, or of a listed account. */
static bool aws_principal_listed(const struct pl_managed_pval *pv, const char *p)
{
    if (pl_managed__in_list(pv, p))
        return true;
    for (size_t i = 0; p && i < pv->nitems; i++)
        if (principal_of(p, pv->items[i]))
            return true;
    return false;
}

struct grantee_q {
    const struct pl_managed__ctx *c;
    const char *bad; /* the first principal not listed */
};

/* One value of a Principal member or a condition key, judged against a list parameter. */
struct listed_q {
    bool (*ok)(const struct pl_managed_pval *pv, const char *s); /* NULL: never listed */
    const struct pl_managed_pval *pv;
    const char *bad; /* the first value that is not listed */
};

static int not_listed(void *u, const struct pl_json *e)
{
    struct listed_q *q = u;
    const char *s = pl_json_str(e);
    if (q->ok && q->ok(q->pv, s))
        return 0;
    q->bad = s ? s : "?";
    return 1;
}

/* Every principal of the statement is listed; q->bad names the first that is not. */
static bool principals_listed(const struct pl_managed__ctx *c, const struct pl_json *principal,
                              struct grantee_q *q)
{
    static const char *const kinds[] = {"AWS", "Service", "Federated"};
    const struct pl_managed_pval *pv = c->p->v;
    if (!principal || principal->type != PL_JOBJ) {
        q->bad = principal && pl_json_str(principal) ? pl_json_str(principal) : "*";
        return false;
    }
    for (const struct pl_json *m = principal->child; m; m = m->next) {
        size_t k = 0;
        while (k < PL_MIMPL_LEN(kinds) && strcmp(m->key, kinds[k]) != 0)
            k++;
        struct listed_q l = {k == 0                    ? aws_principal_listed
                             : k < PL_MIMPL_LEN(kinds) ? pl_managed__in_list
                                                       : NULL,
                             &pv[k == 0 ? P_GR_AWS : P_GR_SERVICE + k - 1], NULL};
        if (pl_managed__each(m, not_listed, &l)) {
            q->bad = l.bad;
            return false;
        }
    }
    return true;
}

/* Every value of condition key `key` under a non-negated operator passes `ok`; false when no
 * such key is present. */
static bool condition_limits(const struct pl_json *cond, const char *key,
                             bool (*ok)(const struct pl_managed_pval *, const char *),
                             const struct pl_managed_pval *pv)
{
    bool seen = false;
    for (const struct pl_json *op = cond ? cond->child : NULL; op; op = op->next) {
        if (op->type != PL_JOBJ || strstr(op->key, "Not"))
            continue;
        for (const struct pl_json *k = op->child; k; k = k->next) {
            struct listed_q l = {ok, pv, NULL};
            if (strcasecmp(k->key, key) != 0)
                continue;
            if (pl_managed__each(k, not_listed, &l))
                return false;
            seen = true;
        }
    }
    return seen;
}

static bool ip_listed(const struct pl_managed_pval *pv, const char *ip)
{
    for (size_t i = 0; ip && i < pv->nitems; i++)
        if (pl_managed__cidr_within(ip, pv->items[i]))
            return true;
    return false;
}

static int grantee_statement(void *u, const struct pl_json *st)
{
    struct grantee_q *q = u;
    const struct pl_managed__ctx *c = q->c;
    const struct pl_managed_pval *pv = c->p->v;
    const struct pl_json *cond = pl_json_get(st, "Condition");
    if (!pl_managed__streq(pl_json_get(st, "Effect"), "Allow"))
        return 0;
    if (principals_listed(c, pl_json_get(st, "Principal"), q) ||
        (pv[P_GR_IPS].set && condition_limits(cond, "aws:SourceIp", ip_listed, &pv[P_GR_IPS])) ||
        (pv[P_GR_VPCS].set &&
         condition_limits(cond, "aws:SourceVpc", pl_managed__in_list, &pv[P_GR_VPCS])))
        return 0;
    return 1;
}

static int policy_grantees(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                           struct pl_managed_eval *out)
{
    const struct pl_json *doc = bucket_policy(c, v, "Allow");
    struct grantee_q q = {c, NULL};
    if (doc && pl_managed__statements(doc, grantee_statement, &q))
        return pl_managed__res(
            out, PL_NON_COMPLIANT,
            "A bucket policy statement allows %.150s, which the parameters do not "
            "list.",
            q.bad ? q.bad : "a principal");
    return 0;
}

/* S3_BUCKET_BLACKLISTED_ACTIONS_PROHIBITED: no Allow statement grants a principal of another
 * account ("*", or an AWS principal whose account is not the bucket's) an action overlapping
 * a blacklistedActionPattern (either matches the other as an IAM glob). Conditions are not
 * read, as AWS documents. */
static const struct pl_managed_pspec blacklist_params[] = {
    {.name = "blacklistedActionPattern", .type = PL_MP_LIST, .required = true},
};

struct blacklist_q {
    const struct pl_managed__ctx *c;
    const char *owner; /* the bucket's account id, or NULL */
    const char *hit;   /* the first action that overlaps a pattern */
};

static int other_account(void *u, const struct pl_json *e)
{
    const struct blacklist_q *q = u;
    const char *p = pl_json_str(e);
    return p && (strcmp(p, "*") == 0 || !q->owner || !principal_of(p, q->owner));
}

static int blacklisted_action(void *u, const struct pl_json *e)
{
    struct blacklist_q *q = u;
    const struct pl_managed_pval *pv = &q->c->p->v[0];
    const char *a = pl_json_str(e);
    for (size_t i = 0; a && i < pv->nitems; i++)
        if (pl_managed__glob(pv->items[i], a) || pl_managed__glob(a, pv->items[i])) {
            q->hit = a;
            return 1;
        }
    return 0;
}

static int blacklist_statement(void *u, const struct pl_json *st)
{
    struct blacklist_q *q = u;
    const struct pl_json *pr = pl_json_get(st, "Principal");
    if (!pl_managed__streq(pl_json_get(st, "Effect"), "Allow") ||
        !pl_managed__each(pr && pr->type == PL_JOBJ ? pl_json_get(pr, "AWS") : pr, other_account,
                          q))
        return 0;
    return pl_managed__each(pl_json_get(st, "Action"), blacklisted_action, q);
}

static int blacklisted_actions(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                               struct pl_managed_eval *out)
{
    const char *owner = pl_json_get_str(v->ci, "accountId");
    struct blacklist_q q = {c, owner ? owner : c->env ? c->env->account : NULL, NULL};
    const struct pl_json *doc = bucket_policy(c, v, "Allow");
    if (doc && pl_managed__statements(doc, blacklist_statement, &q))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The bucket policy allows %.100s to another account.", q.hit);
    return 0;
}

/* ---- tables ---- */

static const struct pl_managed_pspec versioning_params[] = {
    {.name = "isMfaDeleteEnabled", .type = PL_MP_BOOL},
};
static const struct pl_managed__check versioning_checks[] = {
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
static const struct pl_managed__check logging_checks[] = {
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
    {.identifier = "S3_BUCKET_CROSS_REGION_REPLICATION_ENABLED",
     .types = "AWS::S3::Bucket",
     .ci_fn = replication_cross,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "CLOUDTRAIL_S3_BUCKET_PUBLIC_ACCESS_PROHIBITED",
     .types = "AWS::CloudTrail::Trail",
     .ci_fn = trail_bucket_public,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "S3_BUCKET_ACL_PROHIBITED", .ci_fn = acl_prohibited},
    {.identifier = "S3_VERSION_LIFECYCLE_POLICY_CHECK",
     .params = bucket_names_params,
     .nparams = PL_MIMPL_LEN(bucket_names_params),
     .ci_fn = version_lifecycle},
    {.identifier = "S3_LIFECYCLE_POLICY_CHECK",
     .params = lifecycle_params,
     .nparams = PL_MIMPL_LEN(lifecycle_params),
     .ci_fn = lifecycle_policy},
    {.identifier = "S3_EVENT_NOTIFICATIONS_ENABLED",
     .params = events_params,
     .nparams = PL_MIMPL_LEN(events_params),
     .ci_fn = event_notifications},
    {.identifier = "S3_BUCKET_POLICY_GRANTEE_CHECK",
     .params = grantee_params,
     .nparams = PL_MIMPL_LEN(grantee_params),
     .ci_fn = policy_grantees},
    {.identifier = "S3_BUCKET_BLACKLISTED_ACTIONS_PROHIBITED",
     .params = blacklist_params,
     .nparams = PL_MIMPL_LEN(blacklist_params),
     .ci_fn = blacklisted_actions},
};
const size_t pl_managed__s3_len = PL_MIMPL_LEN(pl_managed__s3);
