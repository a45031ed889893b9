/* r_iam.c — managed rules about IAM users and policies.
 *
 * Policy documents come in every form Config has used: an object, an array holding one object,
 * JSON text, or URL-encoded JSON text (pl_managed__doc). Password, MFA and access-key facts are not
 * in the AWS::IAM::User CI: they come from the credential report recorded in the AWS::::Account CI
 * (configuration.credentialReport, one row per user, see docs/managed-rules.md). A user with no row
 * is INSUFFICIENT_DATA: plumb does not guess.
 */
#include <string.h>

#include "core/time.h"
#include "core/util.h"
#include "rules/managed/managed_int.h"

#define CFG "configuration."

#define DAY_MS (24LL * 3600 * 1000)

/* ---- policies ---- */

static int admin_statement(void *u, const struct pl_json *st)
{
    (void)u;
    return pl_managed__streq(pl_json_get(st, "Effect"), "Allow") &&
           pl_managed__has_star(pl_json_get(st, "Action"), "*:*") &&
           pl_managed__has_star(pl_json_get(st, "Resource"), NULL);
}

/* The default version's document of an AWS::IAM::Policy CI. */
static const struct pl_json *default_document(const struct pl_managed__ctx *c,
                                              const struct pl_managed__ci *v)
{
    const struct pl_json *vers = pl_managed__get(v->cfg, "policyVersionList");
    for (const struct pl_json *e = vers ? vers->child : NULL; e; e = e->next)
        if (pl_managed__true(pl_managed__get(e, "isDefaultVersion")))
            return pl_managed__doc(c, pl_managed__get(e, "document"));
    return pl_managed__doc(c, pl_managed__get(v->cfg, "document"));
}

static const struct pl_managed_pspec admin_params[] = {
    {.name = "excludePermissionBoundaryPolicy", .type = PL_MP_BOOL, .def = "false"},
};

static int no_admin(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                    struct pl_managed_eval *out)
{
    long long n = 0;
    const char *arn = pl_json_str(pl_managed__get(v->cfg, "arn"));
    if (arn && pl_starts_with(arn, "arn:aws:iam::aws:policy/"))
        return pl_managed__na(
            out); /* AWS managed policies are not judged, only the ones you create */
    if (c->p->v[0].b &&
        pl_managed__int(pl_managed__get(v->cfg, "permissionsBoundaryUsageCount"), &n) == 0 && n > 0)
        return pl_managed__na(out);
    if (pl_managed__statements(default_document(c, v), admin_statement, NULL))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The policy allows Action '*' on Resource '*' (full administrative "
                               "access).");
    return 0;
}

static const struct pl_managed__check user_no_policy_checks[] = {
    {.path = CFG "userPolicyList",
     .op = MCK_ABSENT,
     .why = "The user has inline policies; grant permissions through groups or roles."},
    {.path = CFG "attachedManagedPolicies",
     .op = MCK_ABSENT,
     .why = "The user has attached managed policies; grant permissions through groups or "
            "roles."},
};

/* ---- credential report ---- */

/* The credential report row of the CI's user (by name, then ARN), or NULL. */
static const struct pl_json *report_row(const struct pl_managed__ctx *c,
                                        const struct pl_managed__ci *v)
{
    const struct pl_json *rows =
        pl_managed__path(c, pl_managed__account(c), CFG "credentialReport");
    const struct pl_json *name = pl_managed__get(v->cfg, "userName");
    const struct pl_json *arn = pl_managed__get(v->cfg, "arn");
    for (const struct pl_json *r = rows ? rows->child : NULL; r; r = r->next)
        if ((name && pl_json_equal(pl_json_get(r, "user"), name)) ||
            (arn && pl_json_equal(pl_json_get(r, "arn"), arn)))
            return r;
    return NULL;
}

typedef int (*row_fn)(const struct pl_managed__ctx *c, const struct pl_json *row,
                      struct pl_managed_eval *out);

static int with_row(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                    struct pl_managed_eval *out, row_fn fn)
{
    const struct pl_json *row = report_row(c, v);
    if (!row)
        return pl_managed__res(out, PL_INSUFFICIENT_DATA,
                               "No credential report row is recorded for this user.");
    return fn(c, row, out);
}

/* A report time ("2024-01-02T03:04:05+00:00"); -1 for "N/A", "no_information", missing. */
static int64_t row_time(const struct pl_json *row, const char *key)
{
    int64_t ms;
    const char *s = pl_json_str(pl_json_get(row, key));
    return s && pl_time_parse(s, &ms) == 0 ? ms : -1;
}

static int console_mfa_row(const struct pl_managed__ctx *c, const struct pl_json *row,
                           struct pl_managed_eval *out)
{
    (void)c;
    if (pl_managed__true(pl_json_get(row, "passwordEnabled")) &&
        !pl_managed__true(pl_json_get(row, "mfaActive")))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The user has a console password but no MFA.");
    return 0;
}

static int user_mfa_row(const struct pl_managed__ctx *c, const struct pl_json *row,
                        struct pl_managed_eval *out)
{
    (void)c;
    if (!pl_managed__true(pl_json_get(row, "mfaActive")))
        return pl_managed__res(out, PL_NON_COMPLIANT, "The user has no MFA device.");
    return 0;
}

static int keys_rotated_row(const struct pl_managed__ctx *c, const struct pl_json *row,
                            struct pl_managed_eval *out)
{
    static const char *const active[] = {"accessKey1Active", "accessKey2Active"};
    static const char *const rotated[] = {"accessKey1LastRotated", "accessKey2LastRotated"};
    long long days = c->p->v[0].i;
    for (int k = 0; k < 2; k++) {
        if (!pl_managed__true(pl_json_get(row, active[k])))
            continue;
        int64_t t = row_time(row, rotated[k]);
        if (t < 0 || c->env->now_ms - t > days * DAY_MS)
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "Active access key %d has not been rotated for more than %lld "
                                   "days.",
                                   k + 1, days);
    }
    return 0;
}

/* Last use of a credential: its last-used time, or when it was set if never used. */
static bool stale(const struct pl_managed__ctx *c, const struct pl_json *row, const char *used,
                  const char *set)
{
    int64_t t = row_time(row, used);
    if (t < 0)
        t = row_time(row, set);
    if (t < 0)
        t = row_time(row, "userCreationTime");
    return t < 0 || c->env->now_ms - t > c->p->v[0].i * DAY_MS;
}

static int unused_row(const struct pl_managed__ctx *c, const struct pl_json *row,
                      struct pl_managed_eval *out)
{
    if (pl_managed__true(pl_json_get(row, "passwordEnabled")) &&
        stale(c, row, "passwordLastUsed", "passwordLastChanged"))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The console password has not been used in %lld "
                               "days.",
                               c->p->v[0].i);
    if (pl_managed__true(pl_json_get(row, "accessKey1Active")) &&
        stale(c, row, "accessKey1LastUsedDate", "accessKey1LastRotated"))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "Access key 1 has not been used in %lld days.", c->p->v[0].i);
    if (pl_managed__true(pl_json_get(row, "accessKey2Active")) &&
        stale(c, row, "accessKey2LastUsedDate", "accessKey2LastRotated"))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "Access key 2 has not been used in %lld days.", c->p->v[0].i);
    return 0;
}

/* One ci_fn per report rule, all through with_row (which needs the account CI). */
#define ROW_RULE(name, fn)                                                                         \
    static int name(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,               \
                    struct pl_managed_eval *out)                                                   \
    {                                                                                              \
        if (pl_managed__need_env(c, "the AWS::::Account credential report") < 0)                   \
            return -1;                                                                             \
        return with_row(c, v, out, fn);                                                            \
    }
ROW_RULE(console_mfa, console_mfa_row)
ROW_RULE(user_mfa, user_mfa_row)
ROW_RULE(keys_rotated, keys_rotated_row)
ROW_RULE(unused_credentials, unused_row)

static const struct pl_managed_pspec key_age_params[] = {
    {.name = "maxAccessKeyAge", .type = PL_MP_INT, .def = "90", .min = 1, .max = 9999},
};
static const struct pl_managed_pspec usage_age_params[] = {
    {.name = "maxCredentialUsageAge", .type = PL_MP_INT, .def = "90", .min = 1, .max = 9999},
};

#define CHECKS(t) .checks = t, .nchecks = PL_MIMPL_LEN(t)
#define PARAMS(t) .params = t, .nparams = PL_MIMPL_LEN(t)

/* ---- full service access, blocked KMS actions, groups (ranks 65-118) ---- */

/* An action element of the form "<service>:*" (or "*"): every action of a service. */
static bool full_service(const struct pl_json *a)
{
    const char *s = pl_json_str(a);
    if (!s)
        return false;
    size_t n = strlen(s);
    return strcmp(s, "*") == 0 ||
           (n > 2 && s[n - 1] == '*' && s[n - 2] == ':' && !memchr(s, '*', n - 1));
}

static int full_access_statement(void *u, const struct pl_json *st)
{
    const struct pl_json *act = pl_json_get(st, "Action");
    (void)u;
    if (!pl_managed__streq(pl_json_get(st, "Effect"), "Allow") || !act)
        return 0;
    if (act->type != PL_JARR)
        return full_service(act);
    for (const struct pl_json *a = act->child; a; a = a->next)
        if (full_service(a))
            return 1;
    return 0;
}

/* Customer managed policies only; with excludePermissionBoundaryPolicy, boundaries are skipped. */
static bool judged_policy(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          int exclude_param)
{
    long long n = 0;
    const char *arn = pl_json_str(pl_managed__get(v->cfg, "arn"));
    if (arn && pl_starts_with(arn, "arn:aws:iam::aws:policy/"))
        return false;
    return !(c->p->v[exclude_param].b &&
             pl_managed__int(pl_managed__get(v->cfg, "permissionsBoundaryUsageCount"), &n) == 0 &&
             n > 0);
}

static int no_full_access(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    if (!judged_policy(c, v, 0))
        return pl_managed__na(out);
    if (pl_managed__statements(default_document(c, v), full_access_statement, NULL))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The policy allows all actions of a service (\"<service>:*\").");
    return 0;
}

enum { P_KMS_PATTERNS, P_KMS_EXCLUDE };
static const struct pl_managed_pspec kms_blocked_params[] = {
    {.name = "blockedActionsPatterns", .type = PL_MP_LIST, .required = true},
    {.name = "excludePermissionBoundaryPolicy", .type = PL_MP_BOOL, .def = "false"},
};
static const struct pl_managed_pspec kms_inline_params[] = {
    {.name = "blockedActionsPatterns", .type = PL_MP_LIST, .required = true},
    {.name = "excludeRoleByManagementAccount", .type = PL_MP_BOOL, .def = "false"},
};

struct kms_q {
    const struct pl_managed_pval *patterns;
    const char *hit;
};

/* Both ways round: "kms:*" in the policy allows the blocked "kms:Decrypt", and the blocked
 * pattern "kms:ReEncrypt*" covers the policy's "kms:ReEncryptFrom". */
static bool blocked_action(const struct pl_json *a, struct kms_q *q)
{
    const char *s = pl_json_str(a);
    for (size_t i = 0; s && i < q->patterns->nitems; i++)
        if (pl_managed__glob(s, q->patterns->items[i]) ||
            pl_managed__glob(q->patterns->items[i], s)) {
            q->hit = q->patterns->items[i];
            return true;
        }
    return false;
}

/* An Allow on every resource ("*") of an action matching a blocked pattern. */
static int kms_statement(void *u, const struct pl_json *st)
{
    struct kms_q *q = u;
    const struct pl_json *act = pl_json_get(st, "Action");
    if (!pl_managed__streq(pl_json_get(st, "Effect"), "Allow") || !act ||
        !pl_managed__has_star(pl_json_get(st, "Resource"), NULL))
        return 0;
    if (act->type != PL_JARR)
        return blocked_action(act, q);
    for (const struct pl_json *a = act->child; a; a = a->next)
        if (blocked_action(a, q))
            return 1;
    return 0;
}

static int customer_kms(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    struct kms_q q = {&c->p->v[P_KMS_PATTERNS], NULL};
    if (!judged_policy(c, v, P_KMS_EXCLUDE))
        return pl_managed__na(out);
    if (pl_managed__statements(default_document(c, v), kms_statement, &q))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The policy allows the blocked action %.100s on all KMS keys.",
                               q.hit);
    return 0;
}

/* The organization's management account, from the AWS::::Account CI, or NULL. */
static const char *management_account(const struct pl_managed__ctx *c)
{
    const struct pl_json *a = pl_managed__account(c);
    const struct pl_json *cfg = a ? pl_managed__doc(c, pl_json_get(a, "configuration")) : NULL;
    return pl_json_str(pl_managed__get(pl_managed__get(cfg, "organization"), "masterAccountId"));
}

/* True when every principal of every trust statement is the management account. */
static bool only_management(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                            const char *mgmt)
{
    const struct pl_json *doc =
        pl_managed__doc(c, pl_managed__get(v->cfg, "assumeRolePolicyDocument"));
    const struct pl_json *sts = pl_managed__get(doc, "Statement");
    bool any = false;
    for (const struct pl_json *st = sts && sts->type == PL_JARR ? sts->child : sts; st;
         st = sts->type == PL_JARR ? st->next : NULL) {
        const struct pl_json *pr = pl_managed__get(pl_json_get(st, "Principal"), "AWS");
        for (const struct pl_json *p = pr && pr->type == PL_JARR ? pr->child : pr; p;
             p = pr->type == PL_JARR ? p->next : NULL) {
            const char *s = pl_json_str(p);
            if (!s || !strstr(s, mgmt))
                return false;
            any = true;
        }
        if (!pr)
            return false;
    }
    return any;
}

static int inline_kms(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                      struct pl_managed_eval *out)
{
    struct kms_q q = {&c->p->v[P_KMS_PATTERNS], NULL};
    const char *mgmt;
    if (c->p->v[1].b && strcmp(v->type, "AWS::IAM::Role") == 0 && (mgmt = management_account(c)) &&
        only_management(c, v, mgmt))
        return pl_managed__na(out);
    const struct pl_json *list =
        pl_managed__path(c, v->cfg, "userPolicyList|rolePolicyList|groupPolicyList");
    for (const struct pl_json *e = list ? list->child : NULL; e; e = e->next)
        if (pl_managed__statements(pl_managed__doc(c, pl_managed__get(e, "policyDocument")),
                                   kms_statement, &q))
            return pl_managed__res(
                out, PL_NON_COMPLIANT,
                "Inline policy %.100s allows the blocked action %.100s on all KMS keys.",
                pl_json_str(pl_managed__get(e, "policyName")), q.hit);
    return 0;
}

struct member_q {
    const char *group;
    bool found;
};

static int has_member(void *u, const struct pl_json *ci)
{
    struct member_q *q = u;
    const struct pl_json *l = pl_managed__get(pl_json_get(ci, "configuration"), "groupList");
    if (pl_managed__streq(pl_json_get(ci, "configurationItemStatus"), "ResourceDeleted"))
        return 0;
    for (const struct pl_json *g = l ? l->child : NULL; g; g = g->next)
        if (pl_managed__streq(g, q->group))
            return q->found = true;
    return 0;
}

/* The group CI does not list its users; the recorded users' groupList does. */
static int group_has_users(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                           struct pl_managed_eval *out)
{
    if (pl_managed__need_env(c, "the recorded AWS::IAM::User resources") < 0)
        return -1;
    struct member_q q = {pl_json_str(pl_managed__get(v->cfg, "groupName")), false};
    if (q.group)
        c->env->each(c->env->u, "AWS::IAM::User", has_member, &q);
    if (!q.found)
        return pl_managed__res(out, PL_NON_COMPLIANT, "The group has no recorded IAM user.");
    return 0;
}

const struct pl_managed_impl pl_managed__iam[] = {
    {.identifier = "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS",
     PARAMS(admin_params),
     .ci_fn = no_admin},
    {.identifier = "IAM_USER_NO_POLICIES_CHECK", CHECKS(user_no_policy_checks)},
    {.identifier = "MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS", .ci_fn = console_mfa},
    {.identifier = "IAM_USER_MFA_ENABLED", .ci_fn = user_mfa},
    {.identifier = "ACCESS_KEYS_ROTATED", PARAMS(key_age_params), .ci_fn = keys_rotated},
    {.identifier = "IAM_USER_UNUSED_CREDENTIALS_CHECK",
     PARAMS(usage_age_params),
     .ci_fn = unused_credentials},
    {.identifier = "IAM_POLICY_NO_STATEMENTS_WITH_FULL_ACCESS",
     PARAMS(admin_params),
     .ci_fn = no_full_access},
    {.identifier = "IAM_CUSTOMER_POLICY_BLOCKED_KMS_ACTIONS",
     PARAMS(kms_blocked_params),
     .ci_fn = customer_kms},
    {.identifier = "IAM_INLINE_POLICY_BLOCKED_KMS_ACTIONS",
     PARAMS(kms_inline_params),
     .ci_fn = inline_kms},
    {.identifier = "IAM_GROUP_HAS_USERS_CHECK", .ci_fn = group_has_users},
};
const size_t pl_managed__iam_len = PL_MIMPL_LEN(pl_managed__iam);
