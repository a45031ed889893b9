/* account.c — AWS::::Account: the account-level facts the account managed rules read
 * (docs/managed-rules.md, "The AWS::::Account configuration item"), one CI per swept account
 * and region: IAM GetAccountPasswordPolicy → passwordPolicy (null on NoSuchEntity), IAM
 * GetAccountSummary → accountSummary (the SummaryMap's Account* keys), EC2
 * GetEbsEncryptionByDefault → ebsEncryptionByDefault, S3 Control GetPublicAccessBlock →
 * publicAccessBlock (null on NoSuchPublicAccessBlockConfiguration). A call that fails otherwise
 * makes the type incomplete and no CI is built: a CI without the fact would read as "off" to the
 * rules (a wrong value), so the account's last recorded version stays. Calls call.c and xml.c.
 */
#include <stdio.h>
#include <string.h>

#include "recorder/sources/aws/aws.h"

#define IAM_VERSION "2010-05-08"
#define EC2_VERSION "2016-11-15"

/* A query action whose "absent" answer is the error code none (NULL: no such code): the
 * answer's XML as JSON, a JSON null for none, NULL with err for any other failure. */
static struct pl_json *query_opt(struct pl_aws_sweep *s, const char *service, const char *action,
                                 const char *version, const char *none, struct pl_err *err)
{
    struct pl_arena *a = s->a;
    const char *body = pl_arena_printf(a, "Action=%s&Version=%s", action, version);
    struct pl_aws_resp r;
    if (pl_aws_call(s->ctx, service, "POST", "/",
                    "application/x-www-form-urlencoded; charset=utf-8", body, strlen(body), &r,
                    err) < 0)
        return NULL;
    struct pl_json *out = NULL;
    if (r.status == 200)
        out = pl_aws_xml_to_json(a, r.raw.body.data, r.raw.body.len, NULL, err);
    else if (none && strcmp(r.code, none) == 0)
        out = pl_json_new_null(a);
    else
        pl_fail(err, PL_E_UNAVAILABLE, "%s %s: HTTP %ld %s", service, action, r.status, r.code);
    pl_aws_resp_fini(&r);
    return out;
}

/* a copy of the object o with each key's first letter lower-cased (IAM's names → Config's) */
static struct pl_json *lower_keys(struct pl_arena *a, const struct pl_json *o)
{
    struct pl_json *out = pl_json_new_obj(a);
    for (const struct pl_json *c = o ? o->child : NULL; c; c = c->next) {
        char *k = pl_arena_strdup(a, c->key);
        if (k[0] >= 'A' && k[0] <= 'Z')
            k[0] = (char)(k[0] - 'A' + 'a');
        pl_json_set(a, out, k, pl_json_clone(a, c));
    }
    return out;
}

static int password_policy(struct pl_aws_sweep *s, struct pl_json *cfg, struct pl_err *err)
{
    struct pl_json *x =
        query_opt(s, "iam", "GetAccountPasswordPolicy", IAM_VERSION, "NoSuchEntity", err);
    if (!x)
        return -1;
    if (x->type == PL_JNULL) {
        pl_json_set(s->a, cfg, "passwordPolicy", x);
        return 0;
    }
    struct pl_json *pp =
        pl_json_get(pl_json_get(x, "GetAccountPasswordPolicyResult"), "PasswordPolicy");
    if (!pp || pp->type != PL_JOBJ)
        return pl_fail(err, PL_E_UNAVAILABLE, "iam GetAccountPasswordPolicy: no PasswordPolicy");
    static const char *const numeric[] = {"MinimumPasswordLength", "MaxPasswordAge",
                                          "PasswordReusePrevention", NULL};
    pl_aws_typed(pp, numeric);
    pl_json_set(s->a, cfg, "passwordPolicy", lower_keys(s->a, pp));
    return 0;
}

/* GetAccountSummary's SummaryMap (entry/key/value) keys beginning with "Account" (the root
 * user's facts; the quotas and counts would make a new version at each IAM change) */
static int account_summary(struct pl_aws_sweep *s, struct pl_json *cfg, struct pl_err *err)
{
    struct pl_arena *a = s->a;
    struct pl_json *x = query_opt(s, "iam", "GetAccountSummary", IAM_VERSION, NULL, err);
    if (!x)
        return -1;
    struct pl_json *map = pl_json_get(pl_json_get(x, "GetAccountSummaryResult"), "SummaryMap");
    if (!map)
        return pl_fail(err, PL_E_UNAVAILABLE, "iam GetAccountSummary: no SummaryMap");
    struct pl_json *entries = pl_aws_list(a, pl_json_get(map, "entry"));
    struct pl_json *out = pl_json_new_obj(a);
    for (const struct pl_json *e = entries->child; e; e = e->next) {
        const char *k = pl_json_get_str(e, "key"), *v = pl_json_get_str(e, "value");
        if (!k || !v || strncmp(k, "Account", 7) != 0 || !*v ||
            strspn(v, "0123456789") != strlen(v) || strlen(v) > 18)
            continue;
        pl_json_set(a, out, k, pl_json_new_numtext(a, v));
    }
    pl_json_set(a, cfg, "accountSummary", out);
    return 0;
}

static int ebs_default(struct pl_aws_sweep *s, struct pl_json *cfg, struct pl_err *err)
{
    struct pl_json *x = query_opt(s, "ec2", "GetEbsEncryptionByDefault", EC2_VERSION, NULL, err);
    if (!x)
        return -1;
    const char *v = pl_json_get_str(x, "ebsEncryptionByDefault");
    if (!v || (strcmp(v, "true") != 0 && strcmp(v, "false") != 0))
        return pl_fail(err, PL_E_UNAVAILABLE, "ec2 GetEbsEncryptionByDefault: no boolean answer");
    pl_json_set_bool(s->a, cfg, "ebsEncryptionByDefault", v[0] == 't');
    return 0;
}

/* S3 Control GetPublicAccessBlock (the account's S3 Block Public Access; the account in the
 * x-amz-account-id header) → publicAccessBlock, null on NoSuchPublicAccessBlockConfiguration */
static int public_access_block(struct pl_aws_sweep *s, struct pl_json *cfg, struct pl_err *err)
{
    struct pl_arena *a = s->a;
    const char *hdr = pl_arena_printf(a, "x-amz-account-id: %s", s->account);
    struct pl_aws_resp r;
    if (pl_aws_call_hdr(s->ctx, "s3-control", "GET", "/v20180820/configuration/publicAccessBlock",
                        NULL, hdr, NULL, 0, &r, err) < 0)
        return -1;
    int rc = 0;
    if (r.status == 200) {
        struct pl_json *x = pl_aws_xml_to_json(a, r.raw.body.data, r.raw.body.len, NULL, err);
        if (!x || x->type != PL_JOBJ) {
            rc = x ? pl_fail(err, PL_E_UNAVAILABLE, "s3-control GetPublicAccessBlock: no settings")
                   : -1;
        } else {
            pl_aws_typed(x, NULL);
            pl_json_set(a, cfg, "publicAccessBlock", lower_keys(a, x));
        }
    } else if (strcmp(r.code, "NoSuchPublicAccessBlockConfiguration") == 0) {
        pl_json_set(a, cfg, "publicAccessBlock", pl_json_new_null(a));
    } else {
        rc = pl_fail(err, PL_E_UNAVAILABLE, "s3-control GetPublicAccessBlock: HTTP %ld %s",
                     r.status, r.code);
    }
    pl_aws_resp_fini(&r);
    return rc;
}

typedef int (*fact_fn)(struct pl_aws_sweep *, struct pl_json *, struct pl_err *);

int pl_aws_account(struct pl_aws_sweep *s, struct pl_aws_found *out)
{
    struct pl_arena *a = s->a;
    out->cis = pl_json_new_arr(a);
    out->complete = true;
    struct pl_json *cfg = pl_json_new_obj(a);
    static const fact_fn facts[] = {password_policy, account_summary, ebs_default,
                                    public_access_block};
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        struct pl_err e = {0};
        if (facts[i](s, cfg, &e) < 0) {
            out->complete = false; /* never a partial CI: absent reads as "off" */
            snprintf(out->error, sizeof out->error, "%s", e.msg);
            return -1;
        }
    }
    struct pl_json *ci = pl_json_new_obj(a);
    pl_json_set_str(a, ci, "resourceType", "AWS::::Account");
    pl_json_set_str(a, ci, "resourceId", s->account);
    pl_json_set_str(a, ci, "awsAccountId", s->account);
    pl_json_set_str(a, ci, "awsRegion", s->ctx->region);
    pl_json_set_str(a, ci, "availabilityZone", "Not Applicable");
    pl_json_set(a, ci, "configuration", cfg);
    pl_json_set(a, ci, "supplementaryConfiguration", pl_json_new_obj(a));
    pl_json_set(a, ci, "tags", pl_json_new_obj(a));
    pl_json_set(a, ci, "relationships", pl_json_new_arr(a));
    pl_json_push(out->cis, ci);
    return out->complete ? 0 : -1;
}
