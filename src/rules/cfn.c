/* cfn.c — a CloudFormation-schema resource configuration (StartResourceEvaluation's
 * ResourceConfiguration, a template's Properties) as the configuration item plumb's evaluators
 * read (rules.h, pl_rules_cfn_ci).
 *
 * Two shapes (docs/DECISIONS.md, "Proactive evaluation"):
 *   - as given (Guard policies, Lambda-style functions): the CI envelope of a resource that is
 *     being discovered, with "configuration" the CloudFormation properties unchanged, as AWS
 *     hands them to proactive custom rules;
 *   - mapped (managed rules, which read AWS Config's CI shape): the properties with AWS Config's
 *     casing (the first letter of each PascalCase key lowered: MultiAZ -> multiAZ,
 *     PubliclyAccessible -> publiclyAccessible; UPPER_CASE keys such as SEARCH_SLOW_LOGS kept),
 *     plus the per-type moves where the CI is shaped differently from the template: S3 buckets
 *     keep their settings in supplementaryConfiguration (PublicAccessBlockConfiguration,
 *     BucketVersioningConfiguration, BucketLoggingConfiguration,
 *     ServerSideEncryptionConfiguration), an instance's NetworkInterfaces may be ids.
 * CloudFormation Tags [{Key, Value}] become the CI's tags map in both shapes.
 *
 * Everything is allocated in the caller's arena; depth is bounded by PL_RULES_CFN_DEPTH (deeper
 * values are cut: nothing recurses on input without a bound).
 */
#include <ctype.h>
#include <string.h>

#include "core/time.h"
#include "rules/rules_int.h"

#define SUPP "supplementaryConfiguration"

/* AWS Config's spelling of a CloudFormation property name (arena). */
static const char *ci_key(struct pl_arena *a, const char *k)
{
    if (!isupper((unsigned char)k[0]) || strchr(k, '_'))
        return k;
    bool lower = false;
    for (const char *p = k; *p && !lower; p++)
        lower = islower((unsigned char)*p);
    if (!lower)
        return k; /* an all-caps key (an enum-like map key) */
    char *s = pl_arena_strdup(a, k);
    s[0] = (char)tolower((unsigned char)s[0]);
    return s;
}

/* v with every object key respelled by ci_key, to depth. */
static struct pl_json *recase(struct pl_arena *a, const struct pl_json *v, int depth)
{
    if (!v)
        return NULL;
    if (depth <= 0)
        return pl_json_new_null(a);
    if (v->type == PL_JOBJ) {
        struct pl_json *o = pl_json_new_obj(a);
        for (const struct pl_json *m = v->child; m; m = m->next)
            pl_json_set(a, o, ci_key(a, m->key), recase(a, m, depth - 1));
        return o;
    }
    if (v->type == PL_JARR) {
        struct pl_json *arr = pl_json_new_arr(a);
        for (const struct pl_json *m = v->child; m; m = m->next)
            pl_json_push(arr, recase(a, m, depth - 1));
        return arr;
    }
    return pl_json_clone(a, v);
}

/* CloudFormation Tags [{Key, Value}] as the CI's {key: value}. */
static struct pl_json *tags_map(struct pl_arena *a, const struct pl_json *tags)
{
    struct pl_json *m = pl_json_new_obj(a);
    for (const struct pl_json *t = tags && tags->type == PL_JARR ? tags->child : NULL; t;
         t = t->next) {
        const char *k = pl_json_get_str(t, "Key"), *v = pl_json_get_str(t, "Value");
        if (k)
            pl_json_set_str(a, m, k, v ? v : "");
    }
    return m;
}

/* The S3 bucket's settings, moved where AWS Config's CI keeps them. */
static void s3_bucket(struct pl_arena *a, const struct pl_json *props, const char *id,
                      struct pl_json *cfg, struct pl_json *supp)
{
    const char *name = pl_json_get_str(props, "BucketName");
    pl_json_set_str(a, cfg, "name", name ? name : id);
    const struct pl_json *bpa = pl_json_get(props, "PublicAccessBlockConfiguration");
    if (bpa)
        pl_json_set(a, supp, "PublicAccessBlockConfiguration", recase(a, bpa, PL_RULES_CFN_DEPTH));
    const char *vs = pl_json_get_str(pl_json_get(props, "VersioningConfiguration"), "Status");
    struct pl_json *ver = pl_json_set(a, supp, "BucketVersioningConfiguration", pl_json_new_obj(a));
    pl_json_set_str(a, ver, "status", vs ? vs : "Off");
    const struct pl_json *lc = pl_json_get(props, "LoggingConfiguration");
    struct pl_json *log = pl_json_set(a, supp, "BucketLoggingConfiguration", pl_json_new_obj(a));
    if (lc && lc->type == PL_JOBJ) {
        const char *dest = pl_json_get_str(lc, "DestinationBucketName");
        const char *prefix = pl_json_get_str(lc, "LogFilePrefix");
        /* CloudFormation: without DestinationBucketName the bucket logs to itself */
        pl_json_set_str(a, log, "destinationBucketName", dest ? dest : name ? name : id);
        if (prefix)
            pl_json_set_str(a, log, "logFilePrefix", prefix);
    }
    const struct pl_json *enc =
        pl_json_get(pl_json_get(props, "BucketEncryption"), "ServerSideEncryptionConfiguration");
    if (enc && enc->type == PL_JARR) {
        struct pl_json *sse =
            pl_json_set(a, supp, "ServerSideEncryptionConfiguration", pl_json_new_obj(a));
        struct pl_json *rules = pl_json_set(a, sse, "rules", pl_json_new_arr(a));
        for (const struct pl_json *r = enc->child; r; r = r->next) {
            const struct pl_json *d = pl_json_get(r, "ServerSideEncryptionByDefault");
            struct pl_json *o = pl_json_push(rules, pl_json_new_obj(a));
            struct pl_json *od =
                pl_json_set(a, o, "applyServerSideEncryptionByDefault", pl_json_new_obj(a));
            const char *alg = pl_json_get_str(d, "SSEAlgorithm");
            const char *key = pl_json_get_str(d, "KMSMasterKeyID");
            if (alg)
                pl_json_set_str(a, od, "sseAlgorithm", alg);
            if (key)
                pl_json_set_str(a, od, "kmsMasterKeyID", key);
            const struct pl_json *bk = pl_json_get(r, "BucketKeyEnabled");
            if (bk)
                pl_json_set(a, o, "bucketKeyEnabled", pl_json_clone(a, bk));
        }
    }
}

/* An instance's NetworkInterfaces given as ids (the form AWS documents for proactive
 * EC2_INSTANCE_MULTIPLE_ENI_CHECK) become [{networkInterfaceId}]. */
static void ec2_instance(struct pl_arena *a, struct pl_json *cfg)
{
    struct pl_json *nis = (struct pl_json *)pl_json_get(cfg, "networkInterfaces");
    if (!nis || nis->type != PL_JARR)
        return;
    struct pl_json *out = pl_json_new_arr(a);
    for (const struct pl_json *n = nis->child; n; n = n->next) {
        if (n->type == PL_JSTR) {
            struct pl_json *o = pl_json_push(out, pl_json_new_obj(a));
            pl_json_set_str(a, o, "networkInterfaceId", n->str);
        } else {
            pl_json_push(out, pl_json_clone(a, n));
        }
    }
    pl_json_del(cfg, "networkInterfaces");
    pl_json_set(a, cfg, "networkInterfaces", out);
}

struct pl_json *pl_rules_cfn_ci(struct pl_arena *a, const char *account, const char *region,
                                const char *type, const char *id, const struct pl_json *props,
                                bool mapped)
{
    char t[40];
    struct pl_json *ci = pl_json_new_obj(a);
    bool obj = props && props->type == PL_JOBJ;
    pl_json_set_str(a, ci, "version", "1.3");
    pl_json_set_str(a, ci, "configurationItemVersion", "1.3");
    pl_json_set_str(a, ci, "configurationItemCaptureTime", pl_time_iso8601_ms(pl_now_ms(), t));
    pl_json_set_str(a, ci, "configurationItemStatus", "ResourceDiscovered");
    pl_json_set_str(a, ci, "configurationStateId", "0");
    pl_json_set_str(a, ci, "awsAccountId", account);
    pl_json_set_str(a, ci, "resourceType", type);
    pl_json_set_str(a, ci, "resourceId", id);
    pl_json_set_str(a, ci, "resourceName", id);
    pl_json_set_str(a, ci, "awsRegion", region);
    pl_json_set_str(a, ci, "availabilityZone", "Not Applicable");
    pl_json_set(a, ci, "tags", tags_map(a, obj ? pl_json_get(props, "Tags") : NULL));
    pl_json_set(a, ci, "relatedEvents", pl_json_new_arr(a));
    pl_json_set(a, ci, "relationships", pl_json_new_arr(a));
    struct pl_json *supp = pl_json_new_obj(a);
    struct pl_json *cfg;
    if (!mapped) {
        cfg = obj ? pl_json_clone(a, props) : pl_json_new_obj(a);
    } else if (strcmp(type, "AWS::S3::Bucket") == 0) {
        cfg = pl_json_new_obj(a);
        s3_bucket(a, obj ? props : NULL, id, cfg, supp);
    } else {
        cfg = obj ? recase(a, props, PL_RULES_CFN_DEPTH) : pl_json_new_obj(a);
        if (strcmp(type, "AWS::EC2::Instance") == 0)
            ec2_instance(a, cfg);
    }
    pl_json_set(a, ci, "configuration", cfg);
    pl_json_set(a, ci, SUPP, supp);
    return ci;
}
