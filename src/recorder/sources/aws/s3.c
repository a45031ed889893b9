/* s3.c — AWS::S3::Bucket: ListBuckets, then per bucket GetBucketLocation (a bucket is recorded
 * in its own region, as AWS Config does), GetBucketAcl, GetBucketPolicy, GetBucketVersioning,
 * GetBucketLogging, GetBucketEncryption, GetPublicAccessBlock, GetBucketLifecycleConfiguration,
 * GetBucketTagging, GetBucketAccelerateConfiguration and GetBucketRequestPayment (path-style
 * REST-XML calls). The CI has AWS Config's shape: configuration {name, owner, creationDate} and
 * the supplementaryConfiguration members AWS records (AccessControlList as a JSON string,
 * BucketPolicy.policyText as the policy's text, ...; docs/discovery.md lists them). The "not
 * configured" answers (NoSuchBucketPolicy, ...) are values, not failures. Calls call.c, xml.c.
 */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "recorder/sources/aws/aws.h"

#define S3_NONE 0
#define S3_OK   1

struct bucket {
    struct pl_aws_sweep *s;
    const char *name;
    struct pl_aws_found *out;
    bool failed;
};

/* GET /bucket?sub. S3_OK with the XML as JSON in *j (or the raw body in *raw when raw is not
 * NULL), S3_NONE when the answer is the error code none_code (a "not configured" answer), -1
 * (b->failed, out->error) otherwise. */
static int s3_get(struct bucket *b, const char *sub, const char *none_code, struct pl_json **j,
                  const char **raw)
{
    struct pl_arena *a = b->s->a;
    struct pl_err err = {0};
    struct pl_aws_resp r;
    const char *pq = pl_arena_printf(a, "/%s%s%s", b->name, sub ? "?" : "", sub ? sub : "");
    int rc = -1;
    if (pl_aws_call(b->s->ctx, "s3", "GET", pq, NULL, NULL, 0, &r, &err) < 0)
        goto out;
    if (r.status == 200) {
        if (raw) {
            *raw = pl_arena_strndup(a, r.raw.body.data ? r.raw.body.data : "", r.raw.body.len);
            rc = S3_OK;
        } else if ((*j = pl_aws_xml_to_json(a, r.raw.body.data, r.raw.body.len, NULL, &err))) {
            rc = S3_OK;
        }
    } else if (none_code && strcmp(r.code, none_code) == 0) {
        rc = S3_NONE;
    } else {
        pl_fail(&err, PL_E_UNAVAILABLE, "GET %s: HTTP %ld %s", pq, r.status, r.code);
    }
    pl_aws_resp_fini(&r);
out:
    if (rc < 0) {
        b->failed = true;
        if (b->out->complete)
            snprintf(b->out->error, sizeof b->out->error, "%s", err.msg);
        b->out->complete = false;
    }
    return rc;
}

static struct pl_json *str_or_null(struct pl_arena *a, const char *s)
{
    return s && *s ? pl_json_new_str(a, s) : pl_json_new_null(a);
}

/* S3's permission names as AWS Config (the Java SDK's Permission enum) writes them */
static const char *permission(const char *p)
{
    static const char *const map[][2] = {{"FULL_CONTROL", "FullControl"},
                                         {"READ", "Read"},
                                         {"WRITE", "Write"},
                                         {"READ_ACP", "ReadAcp"},
                                         {"WRITE_ACP", "WriteAcp"}};
    for (size_t i = 0; p && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(p, map[i][0]) == 0)
            return map[i][1];
    return p ? p : "";
}

static struct pl_json *owner_of(struct pl_arena *a, const struct pl_json *o)
{
    struct pl_json *owner = pl_json_new_obj(a);
    pl_json_set(a, owner, "displayName", str_or_null(a, pl_json_get_str(o, "DisplayName")));
    pl_json_set(a, owner, "id", str_or_null(a, pl_json_get_str(o, "ID")));
    return owner;
}

/* AccessControlList: {"grantSet":null,"grantList":[{"grantee":..,"permission":..}],"owner":..,
 * "isRequesterCharged":false} as a JSON string; a group grantee is its name ("AllUsers") */
static const char *acl_text(struct pl_arena *a, struct pl_json *x)
{
    struct pl_json *acl = pl_json_new_obj(a), *list = pl_json_new_arr(a);
    pl_json_set(a, acl, "grantSet", pl_json_new_null(a));
    struct pl_json *grants =
        pl_aws_list(a, pl_json_get(pl_json_get(x, "AccessControlList"), "Grant"));
    for (struct pl_json *g = grants->child; g; g = g->next) {
        struct pl_json *gr = pl_json_get(g, "Grantee"), *out = pl_json_new_obj(a), *who;
        const char *uri = pl_json_get_str(gr, "URI");
        const char *mail = pl_json_get_str(gr, "EmailAddress");
        if (uri) {
            const char *slash = strrchr(uri, '/');
            who = pl_json_new_str(a, slash ? slash + 1 : uri);
        } else if (mail) {
            who = pl_json_new_obj(a);
            pl_json_set_str(a, who, "identifier", mail);
        } else {
            who = pl_json_new_obj(a);
            pl_json_set(a, who, "id", str_or_null(a, pl_json_get_str(gr, "ID")));
            pl_json_set(a, who, "displayName", str_or_null(a, pl_json_get_str(gr, "DisplayName")));
        }
        pl_json_set(a, out, "grantee", who);
        pl_json_set_str(a, out, "permission", permission(pl_json_get_str(g, "Permission")));
        pl_json_push(list, out);
    }
    pl_json_set(a, acl, "grantList", list);
    pl_json_set(a, acl, "owner", owner_of(a, pl_json_get(x, "Owner")));
    pl_json_set_bool(a, acl, "isRequesterCharged", false);
    return pl_json_dump(a, acl, PL_JSON_COMPACT);
}

static struct pl_json *bool_of(struct pl_arena *a, const struct pl_json *x, const char *key)
{
    const char *v = pl_json_get_str(x, key);
    return pl_json_new_bool(a, v && strcmp(v, "true") == 0);
}

static struct pl_json *int_or(struct pl_arena *a, const char *s, int64_t dflt)
{
    long long v;
    if (s && pl_parse_i64(s, &v) == 0)
        return pl_json_new_i64(a, v);
    return pl_json_new_i64(a, dflt);
}

/* BucketLifecycleConfiguration {"rules":[...]} in the AWS Config (Java SDK) rule shape */
static struct pl_json *lifecycle(struct pl_arena *a, struct pl_json *x)
{
    struct pl_json *cfg = pl_json_new_obj(a), *rules = pl_json_new_arr(a);
    for (struct pl_json *r = pl_aws_list(a, pl_json_get(x, "Rule"))->child; r; r = r->next) {
        struct pl_json *o = pl_json_new_obj(a), *exp = pl_json_get(r, "Expiration");
        struct pl_json *nve = pl_json_get(r, "NoncurrentVersionExpiration");
        struct pl_json *abort = pl_json_get(r, "AbortIncompleteMultipartUpload");
        struct pl_json *filter = pl_json_get(r, "Filter");
        pl_json_set(a, o, "id", str_or_null(a, pl_json_get_str(r, "ID")));
        pl_json_set(a, o, "prefix", str_or_null(a, pl_json_get_str(r, "Prefix")));
        pl_json_set(a, o, "status", str_or_null(a, pl_json_get_str(r, "Status")));
        pl_json_set(a, o, "expirationInDays", int_or(a, pl_json_get_str(exp, "Days"), -1));
        pl_json_set(a, o, "expirationDate", str_or_null(a, pl_json_get_str(exp, "Date")));
        pl_json_set(a, o, "expiredObjectDeleteMarker",
                    bool_of(a, exp, "ExpiredObjectDeleteMarker"));
        pl_json_set(a, o, "noncurrentVersionExpirationInDays",
                    int_or(a, pl_json_get_str(nve, "NoncurrentDays"), -1));
        pl_json_set(a, o, "transitions", pl_json_new_null(a));
        pl_json_set(a, o, "noncurrentVersionTransitions", pl_json_new_null(a));
        if (abort) {
            struct pl_json *ab = pl_json_new_obj(a);
            pl_json_set(a, ab, "daysAfterInitiation",
                        int_or(a, pl_json_get_str(abort, "DaysAfterInitiation"), 0));
            pl_json_set(a, o, "abortIncompleteMultipartUpload", ab);
        } else {
            pl_json_set(a, o, "abortIncompleteMultipartUpload", pl_json_new_null(a));
        }
        if (filter) {
            struct pl_json *f = pl_json_new_obj(a), *p = pl_json_new_obj(a);
            pl_json_set_str(a, p, "type", "LifecyclePrefixPredicate");
            pl_json_set(a, p, "prefix",
                        pl_json_new_str(a, pl_json_get_str(filter, "Prefix")
                                               ? pl_json_get_str(filter, "Prefix")
                                               : ""));
            pl_json_set(a, f, "predicate", p);
            pl_json_set(a, o, "filter", f);
        } else {
            pl_json_set(a, o, "filter", pl_json_new_null(a));
        }
        pl_json_push(rules, o);
    }
    pl_json_set(a, cfg, "rules", rules);
    return cfg;
}

static struct pl_json *encryption(struct pl_arena *a, struct pl_json *x)
{
    struct pl_json *cfg = pl_json_new_obj(a), *rules = pl_json_new_arr(a);
    for (struct pl_json *r = pl_aws_list(a, pl_json_get(x, "Rule"))->child; r; r = r->next) {
        struct pl_json *d = pl_json_get(r, "ApplyServerSideEncryptionByDefault");
        struct pl_json *o = pl_json_new_obj(a), *def = pl_json_new_obj(a);
        pl_json_set(a, def, "sseAlgorithm", str_or_null(a, pl_json_get_str(d, "SSEAlgorithm")));
        pl_json_set(a, def, "kmsMasterKeyID", str_or_null(a, pl_json_get_str(d, "KMSMasterKeyID")));
        pl_json_set(a, o, "applyServerSideEncryptionByDefault", def);
        pl_json_set(a, o, "bucketKeyEnabled", bool_of(a, r, "BucketKeyEnabled"));
        pl_json_push(rules, o);
    }
    pl_json_set(a, cfg, "rules", rules);
    return cfg;
}

static struct pl_json *public_access_block(struct pl_arena *a, struct pl_json *x)
{
    static const char *const keys[][2] = {{"BlockPublicAcls", "blockPublicAcls"},
                                          {"IgnorePublicAcls", "ignorePublicAcls"},
                                          {"BlockPublicPolicy", "blockPublicPolicy"},
                                          {"RestrictPublicBuckets", "restrictPublicBuckets"}};
    struct pl_json *o = pl_json_new_obj(a);
    for (size_t i = 0; i < 4; i++)
        pl_json_set(a, o, keys[i][1], bool_of(a, x, keys[i][0]));
    return o;
}

/* the supplementary configuration and tags of one bucket; -1 when a call failed */
static int describe(struct bucket *b, struct pl_json *sup, struct pl_json *tags)
{
    struct pl_arena *a = b->s->a;
    struct pl_json *x = NULL;
    const char *raw = NULL;
    int rc;
    if ((rc = s3_get(b, "acl", NULL, &x, NULL)) < 0)
        return -1;
    pl_json_set_str(a, sup, "AccessControlList", acl_text(a, x));
    if ((rc = s3_get(b, "accelerate", NULL, &x, NULL)) < 0)
        return -1;
    struct pl_json *acc = pl_json_new_obj(a);
    pl_json_set(a, acc, "status", str_or_null(a, pl_json_get_str(x, "Status")));
    pl_json_set(a, sup, "BucketAccelerateConfiguration", acc);
    if ((rc = s3_get(b, "lifecycle", "NoSuchLifecycleConfiguration", &x, NULL)) < 0)
        return -1;
    if (rc == S3_OK)
        pl_json_set(a, sup, "BucketLifecycleConfiguration", lifecycle(a, x));
    if ((rc = s3_get(b, "logging", NULL, &x, NULL)) < 0)
        return -1;
    struct pl_json *lg = pl_json_new_obj(a), *le = pl_json_get(x, "LoggingEnabled");
    pl_json_set(a, lg, "destinationBucketName",
                str_or_null(a, pl_json_get_str(le, "TargetBucket")));
    pl_json_set(a, lg, "logFilePrefix", str_or_null(a, pl_json_get_str(le, "TargetPrefix")));
    pl_json_set(a, sup, "BucketLoggingConfiguration", lg);
    if ((rc = s3_get(b, "policy", "NoSuchBucketPolicy", NULL, &raw)) < 0)
        return -1;
    struct pl_json *pol = pl_json_new_obj(a);
    pl_json_set(a, pol, "policyText", rc == S3_OK ? pl_json_new_str(a, raw) : pl_json_new_null(a));
    pl_json_set(a, sup, "BucketPolicy", pol);
    if ((rc = s3_get(b, "versioning", NULL, &x, NULL)) < 0)
        return -1;
    struct pl_json *ver = pl_json_new_obj(a);
    const char *st = pl_json_get_str(x, "Status"), *mfa = pl_json_get_str(x, "MfaDelete");
    pl_json_set_str(a, ver, "status", st && *st ? st : "Off");
    pl_json_set(a, ver, "isMfaDeleteEnabled",
                mfa && *mfa ? pl_json_new_bool(a, strcmp(mfa, "Enabled") == 0)
                            : pl_json_new_null(a));
    pl_json_set(a, sup, "BucketVersioningConfiguration", ver);
    if ((rc = s3_get(b, "requestPayment", NULL, &x, NULL)) < 0)
        return -1;
    const char *payer = pl_json_get_str(x, "Payer");
    pl_json_set_bool(a, sup, "IsRequesterPaysEnabled", payer && strcmp(payer, "Requester") == 0);
    if ((rc = s3_get(b, "publicAccessBlock", "NoSuchPublicAccessBlockConfiguration", &x, NULL)) < 0)
        return -1;
    if (rc == S3_OK)
        pl_json_set(a, sup, "PublicAccessBlockConfiguration", public_access_block(a, x));
    if ((rc = s3_get(b, "encryption", "ServerSideEncryptionConfigurationNotFoundError", &x, NULL)) <
        0)
        return -1;
    if (rc == S3_OK)
        pl_json_set(a, sup, "ServerSideEncryptionConfiguration", encryption(a, x));
    if ((rc = s3_get(b, "tagging", "NoSuchTagSet", &x, NULL)) < 0)
        return -1;
    if (rc == S3_OK) {
        struct pl_json *set = pl_aws_list(a, pl_json_get(pl_json_get(x, "TagSet"), "Tag"));
        for (struct pl_json *t = set->child; t; t = t->next) {
            const char *k = pl_json_get_str(t, "Key"), *v = pl_json_get_str(t, "Value");
            if (k)
                pl_json_set_str(a, tags, k, v ? v : "");
        }
        if (tags->len) {
            struct pl_json *tc = pl_json_new_obj(a), *sets = pl_json_new_arr(a);
            struct pl_json *one = pl_json_new_obj(a);
            pl_json_set(a, one, "tags", pl_json_clone(a, tags));
            pl_json_push(sets, one);
            pl_json_set(a, tc, "tagSets", sets);
            pl_json_set(a, sup, "BucketTaggingConfiguration", tc);
        }
    }
    return 0;
}

/* the bucket's region: GetBucketLocation's LocationConstraint ("" and "US": us-east-1, "EU":
 * eu-west-1); NULL when the call failed */
static const char *location(struct bucket *b)
{
    struct pl_json *x = NULL;
    if (s3_get(b, "location", NULL, &x, NULL) < 0)
        return NULL;
    const char *r = x && x->type == PL_JSTR ? x->str : pl_json_get_str(x, "LocationConstraint");
    if (!r || !*r || strcmp(r, "US") == 0)
        return "us-east-1";
    return strcmp(r, "EU") == 0 ? "eu-west-1" : r;
}

int pl_aws_s3_buckets(struct pl_aws_sweep *s, struct pl_aws_found *out)
{
    struct pl_arena *a = s->a;
    out->cis = pl_json_new_arr(a);
    out->complete = true;
    struct pl_err err = {0};
    struct pl_aws_resp r;
    struct pl_json *x = NULL;
    if (pl_aws_call(s->ctx, "s3", "GET", "/", NULL, NULL, 0, &r, &err) == 0) {
        if (r.status == 200)
            x = pl_aws_xml_to_json(a, r.raw.body.data, r.raw.body.len, NULL, &err);
        else
            pl_fail(&err, PL_E_UNAVAILABLE, "s3 ListBuckets: HTTP %ld %s", r.status, r.code);
        pl_aws_resp_fini(&r);
    }
    if (!x) {
        out->complete = false;
        snprintf(out->error, sizeof out->error, "%s", err.msg);
        return -1;
    }
    struct pl_json *owner = owner_of(a, pl_json_get(x, "Owner"));
    struct pl_json *list = pl_aws_list(a, pl_json_get(pl_json_get(x, "Buckets"), "Bucket"));
    for (struct pl_json *bk = list->child; bk; bk = bk->next) {
        struct bucket b = {.s = s, .name = pl_json_get_str(bk, "Name"), .out = out};
        if (!b.name || !*b.name ||
            strspn(b.name, "abcdefghijklmnopqrstuvwxyz0123456789.-_") != strlen(b.name))
            continue;
        if (pl_aws_skip(s, b.name, b.name))
            continue; /* a re-describe of another bucket */
        const char *region = location(&b);
        if (!region || strcmp(region, s->ctx->region) != 0)
            continue; /* failed (recorded in out) or another region's bucket */
        struct pl_json *sup = pl_json_new_obj(a), *tags = pl_json_new_obj(a);
        if (describe(&b, sup, tags) < 0)
            continue; /* never a partial CI */
        const char *created = pl_json_get_str(bk, "CreationDate");
        struct pl_json *ci = pl_json_new_obj(a), *cfg = pl_json_new_obj(a);
        pl_json_set_str(a, cfg, "name", b.name);
        pl_json_set(a, cfg, "owner", pl_json_clone(a, owner));
        pl_json_set(a, cfg, "creationDate", str_or_null(a, created));
        pl_json_set_str(a, ci, "resourceType", "AWS::S3::Bucket");
        pl_json_set_str(a, ci, "resourceId", b.name);
        pl_json_set_str(a, ci, "resourceName", b.name);
        pl_json_set_str(a, ci, "ARN", pl_arena_printf(a, "arn:aws:s3:::%s", b.name));
        pl_json_set_str(a, ci, "awsAccountId", s->account);
        pl_json_set_str(a, ci, "awsRegion", region);
        pl_json_set_str(a, ci, "availabilityZone", "Regional");
        if (created)
            pl_json_set_str(a, ci, "resourceCreationTime", created);
        pl_json_set(a, ci, "configuration", cfg);
        pl_json_set(a, ci, "supplementaryConfiguration", sup);
        pl_json_set(a, ci, "tags", tags);
        pl_json_set(a, ci, "relationships", pl_json_new_arr(a));
        pl_json_push(out->cis, ci);
    }
    return out->complete ? 0 : -1;
}
