/* iam.c — AWS::IAM::Role: ListRoles, and per role ListRolePolicies + GetRolePolicy (inline
 * policies), ListAttachedRolePolicies, ListInstanceProfilesForRole and ListRoleTags;
 * AWS::IAM::User: ListUsers, and per user ListUserPolicies + GetUserPolicy,
 * ListAttachedUserPolicies, ListGroupsForUser and ListUserTags; once per sweep ListPolicies
 * (Scope=Local, OnlyAttached) to name the customer managed policies a role or user is attached
 * to by their ids, as AWS Config's relationships do. IAM's query protocol pages with
 * Marker / IsTruncated. The configuration has AWS Config's keys (the example CI): IAM's
 * PascalCase names with a lower-case first letter, policy documents URL-decoded and parsed.
 * Calls call.c and xml.c.
 */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/sigv4.h"
#include "recorder/sources/aws/aws.h"

#define IAM_VERSION "2010-05-08"

/* Every page of an IAM List action: the members of result/list_key concatenated; NULL with err
 * when a page failed. params: "" or "&"-joined, already encoded. */
static struct pl_json *list_all(struct pl_aws_sweep *s, const char *action, const char *params,
                                const char *list_key, struct pl_err *err)
{
    struct pl_arena *a = s->a;
    struct pl_json *all = pl_json_new_arr(a);
    const char *marker = NULL;
    const char *result = pl_arena_printf(a, "%sResult", action);
    for (int page = 0; page < PL_AWS_MAX_PAGES; page++) {
        struct pl_buf q;
        pl_buf_init(&q, 1 << 16);
        pl_buf_printf(&q, "MaxItems=%d%s%s", s->ctx->page_size > 0 ? s->ctx->page_size : 1000,
                      *params ? "&" : "", params);
        if (marker) {
            pl_buf_puts(&q, "&Marker=");
            pl_sigv4_uri_encode(&q, marker, strlen(marker), 0);
        }
        struct pl_json *x = pl_aws_query(s->ctx, a, "iam", action, IAM_VERSION, q.data, err);
        pl_buf_fini(&q);
        if (!x)
            return NULL;
        struct pl_json *r = pl_json_get(x, result);
        struct pl_json *items = pl_aws_list(a, pl_json_get(r, list_key));
        for (struct pl_json *it = items->child, *next; it; it = next) {
            next = it->next;
            pl_json_push(all, it);
        }
        const char *trunc = pl_json_get_str(r, "IsTruncated");
        marker = pl_json_get_str(r, "Marker");
        if (!trunc || strcmp(trunc, "true") != 0 || !marker || !*marker)
            return all;
    }
    pl_fail(err, PL_E_UNAVAILABLE, "iam %s: more than %d pages", action, PL_AWS_MAX_PAGES);
    return NULL;
}

/* a URL-encoded policy document as JSON (its text when it does not parse) */
static struct pl_json *policy_doc(struct pl_arena *a, const char *enc)
{
    if (!enc)
        return pl_json_new_null(a);
    size_t n = strlen(enc);
    char *dec = pl_arena_alloc(a, n + 1);
    size_t m = pl_sigv4_uri_decode(enc, n, dec);
    dec[m] = 0;
    struct pl_err ignore = {0};
    struct pl_json *j = pl_json_parse(a, dec, m, &ignore);
    return j ? j : pl_json_new_str(a, dec);
}

/* a copy of j with IAM's names camel-cased (RoleName → roleName, ARN-like "Arn" → "arn") and
 * policy documents decoded; depth bounded by the XML's */
static struct pl_json *camel(struct pl_arena *a, const struct pl_json *j)
{
    if (!j || (j->type != PL_JOBJ && j->type != PL_JARR))
        return pl_json_clone(a, j);
    struct pl_json *o = j->type == PL_JOBJ ? pl_json_new_obj(a) : pl_json_new_arr(a);
    for (const struct pl_json *c = j->child; c; c = c->next) {
        if (j->type == PL_JARR) {
            pl_json_push(o, camel(a, c));
            continue;
        }
        char *k = pl_arena_strdup(a, c->key);
        if (k[0] >= 'A' && k[0] <= 'Z')
            k[0] = (char)(k[0] - 'A' + 'a');
        struct pl_json *v =
            (strcmp(k, "assumeRolePolicyDocument") == 0 || strcmp(k, "policyDocument") == 0) &&
                    c->type == PL_JSTR
                ? policy_doc(a, c->str)
                : camel(a, c);
        pl_json_set(a, o, k, v);
    }
    return o;
}

/* ARN → id of the account's attached customer managed policies (read once per sweep) */
static struct pl_json *local_policies(struct pl_aws_sweep *s, struct pl_err *err)
{
    if (s->iam_policies)
        return s->iam_policies;
    struct pl_json *list =
        list_all(s, "ListPolicies", "Scope=Local&OnlyAttached=true", "Policies", err);
    if (!list)
        return NULL;
    struct pl_json *m = pl_json_new_obj(s->a);
    for (struct pl_json *p = list->child; p; p = p->next) {
        const char *arn = pl_json_get_str(p, "Arn"), *id = pl_json_get_str(p, "PolicyId");
        if (arn && id)
            pl_json_set_str(s->a, m, arn, id);
    }
    return s->iam_policies = m;
}

/* "RoleName=NAME" (key=name URL-encoded), in a */
static const char *name_param(struct pl_arena *a, const char *key, const char *name)
{
    struct pl_buf q;
    pl_buf_init(&q, 4096);
    pl_buf_printf(&q, "%s=", key);
    pl_sigv4_uri_encode(&q, name, strlen(name), 0);
    const char *out = pl_arena_strdup(a, q.data ? q.data : "");
    pl_buf_fini(&q);
    return out;
}

/* the inline policies of a role or user: [{policyName, policyDocument}]; NULL with err */
static struct pl_json *inline_policies(struct pl_aws_sweep *s, const char *get_action,
                                       const char *result, const char *who,
                                       const struct pl_json *names, struct pl_err *err)
{
    struct pl_arena *a = s->a;
    struct pl_json *inl = pl_json_new_arr(a);
    for (const struct pl_json *p = names->child; p; p = p->next) {
        const char *q = pl_arena_printf(a, "%s&%s", who, name_param(a, "PolicyName", p->str));
        struct pl_json *x = pl_aws_query(s->ctx, a, "iam", get_action, IAM_VERSION, q, err);
        if (!x)
            return NULL;
        struct pl_json *r = pl_json_get(x, result), *o = pl_json_new_obj(a);
        pl_json_set_str(a, o, "policyName", p->str);
        pl_json_set(a, o, "policyDocument", policy_doc(a, pl_json_get_str(r, "PolicyDocument")));
        pl_json_push(inl, o);
    }
    return inl;
}

/* relationships to the customer managed policies of attached (AWS managed ones have none) */
static void policy_rels(struct pl_arena *a, struct pl_json *rels, const struct pl_json *attached,
                        const struct pl_json *policies)
{
    for (const struct pl_json *p = attached->child; p; p = p->next) {
        const char *pid = pl_json_get_str(policies, pl_json_get_str(p, "PolicyArn"));
        if (!pid)
            continue;
        struct pl_json *r = pl_json_new_obj(a);
        pl_json_set_str(a, r, "resourceType", "AWS::IAM::Policy");
        pl_json_set_str(a, r, "resourceId", pid);
        pl_json_set_str(a, r, "resourceName", pl_json_get_str(p, "PolicyName"));
        pl_json_set_str(a, r, "name", "Is attached to CustomerManagedPolicy");
        pl_json_push(rels, r);
    }
}

static struct pl_json *tag_map(struct pl_arena *a, const struct pl_json *tags)
{
    struct pl_json *m = pl_json_new_obj(a);
    for (const struct pl_json *t = tags->child; t; t = t->next)
        if (pl_json_get_str(t, "Key"))
            pl_json_set_str(a, m, pl_json_get_str(t, "Key"),
                            pl_json_get_str(t, "Value") ? pl_json_get_str(t, "Value") : "");
    return m;
}

/* "...:SS.ffffffZ" with at most milliseconds kept (the CI's times are ms), in a */
static const char *iso_ms(struct pl_arena *a, const char *t)
{
    const char *dot = strchr(t, '.');
    if (!dot)
        return t;
    size_t digits = strspn(dot + 1, "0123456789");
    if (digits <= 3)
        return t;
    return pl_arena_printf(a, "%.*s%s", (int)(dot - t + 4), t, dot + 1 + digits);
}

/* the CI's frame for an IAM principal (role or user) */
static struct pl_json *iam_ci(struct pl_aws_sweep *s, const char *type, const struct pl_json *x,
                              const char *id, const char *name, struct pl_json *cfg,
                              struct pl_json *tags, struct pl_json *rels)
{
    struct pl_arena *a = s->a;
    struct pl_json *ci = pl_json_new_obj(a);
    pl_json_set_str(a, ci, "resourceType", type);
    pl_json_set_str(a, ci, "resourceId", id);
    pl_json_set_str(a, ci, "resourceName", name);
    pl_json_set_str(a, ci, "ARN", pl_json_get_str(x, "Arn"));
    pl_json_set_str(a, ci, "awsAccountId", s->account);
    pl_json_set_str(a, ci, "awsRegion", s->ctx->region);
    pl_json_set_str(a, ci, "availabilityZone", "Not Applicable");
    if (pl_json_get_str(x, "CreateDate"))
        pl_json_set_str(a, ci, "resourceCreationTime", iso_ms(a, pl_json_get_str(x, "CreateDate")));
    pl_json_set(a, ci, "configuration", cfg);
    pl_json_set(a, ci, "supplementaryConfiguration", pl_json_new_obj(a));
    pl_json_set(a, ci, "tags", tag_map(a, tags));
    pl_json_set(a, ci, "relationships", rels);
    return ci;
}

/* {k: c[k] or null} for the keys */
static struct pl_json *pick(struct pl_arena *a, const struct pl_json *c, const char *const *keys)
{
    struct pl_json *cfg = pl_json_new_obj(a);
    for (size_t i = 0; keys[i]; i++) {
        struct pl_json *v = pl_json_get(c, keys[i]);
        pl_json_set(a, cfg, keys[i], v ? pl_json_clone(a, v) : pl_json_new_null(a));
    }
    return cfg;
}

/* the CI of one role; NULL with err when a call failed */
static struct pl_json *role_ci(struct pl_aws_sweep *s, const struct pl_json *role,
                               const struct pl_json *policies, struct pl_err *err)
{
    struct pl_arena *a = s->a;
    const char *name = pl_json_get_str(role, "RoleName"), *id = pl_json_get_str(role, "RoleId");
    const char *rn = name_param(a, "RoleName", name);
    struct pl_json *names = list_all(s, "ListRolePolicies", rn, "PolicyNames", err);
    struct pl_json *attached =
        names ? list_all(s, "ListAttachedRolePolicies", rn, "AttachedPolicies", err) : NULL;
    struct pl_json *profiles =
        attached ? list_all(s, "ListInstanceProfilesForRole", rn, "InstanceProfiles", err) : NULL;
    struct pl_json *tags = profiles ? list_all(s, "ListRoleTags", rn, "Tags", err) : NULL;
    struct pl_json *inl =
        tags ? inline_policies(s, "GetRolePolicy", "GetRolePolicyResult", rn, names, err) : NULL;
    if (!inl)
        return NULL;
    static const char *const keys[] = {
        "path", "roleName", "roleId", "arn", "createDate", "assumeRolePolicyDocument", NULL};
    struct pl_json *cfg = pick(a, camel(a, role), keys);
    pl_json_set(a, cfg, "instanceProfileList", camel(a, profiles));
    pl_json_set(a, cfg, "rolePolicyList", inl);
    pl_json_set(a, cfg, "attachedManagedPolicies", camel(a, attached));
    struct pl_json *rels = pl_json_new_arr(a);
    policy_rels(a, rels, attached, policies);
    return iam_ci(s, "AWS::IAM::Role", role, id, name, cfg, tags, rels);
}

/* the CI of one user; NULL with err when a call failed */
static struct pl_json *user_ci(struct pl_aws_sweep *s, const struct pl_json *user,
                               const struct pl_json *policies, struct pl_err *err)
{
    struct pl_arena *a = s->a;
    const char *name = pl_json_get_str(user, "UserName"), *id = pl_json_get_str(user, "UserId");
    const char *un = name_param(a, "UserName", name);
    struct pl_json *names = list_all(s, "ListUserPolicies", un, "PolicyNames", err);
    struct pl_json *attached =
        names ? list_all(s, "ListAttachedUserPolicies", un, "AttachedPolicies", err) : NULL;
    struct pl_json *groups = attached ? list_all(s, "ListGroupsForUser", un, "Groups", err) : NULL;
    struct pl_json *tags = groups ? list_all(s, "ListUserTags", un, "Tags", err) : NULL;
    struct pl_json *inl =
        tags ? inline_policies(s, "GetUserPolicy", "GetUserPolicyResult", un, names, err) : NULL;
    if (!inl)
        return NULL;
    static const char *const keys[] = {"path", "userName", "userId", "arn", "createDate", NULL};
    struct pl_json *cfg = pick(a, camel(a, user), keys);
    struct pl_json *glist = pl_json_new_arr(a), *rels = pl_json_new_arr(a);
    for (const struct pl_json *g = groups->child; g; g = g->next) {
        const char *gname = pl_json_get_str(g, "GroupName"), *gid = pl_json_get_str(g, "GroupId");
        if (!gname)
            continue;
        pl_json_push(glist, pl_json_new_str(a, gname));
        if (!gid)
            continue;
        struct pl_json *r = pl_json_new_obj(a);
        pl_json_set_str(a, r, "resourceType", "AWS::IAM::Group");
        pl_json_set_str(a, r, "resourceId", gid);
        pl_json_set_str(a, r, "resourceName", gname);
        pl_json_set_str(a, r, "name", "Is attached to Group");
        pl_json_push(rels, r);
    }
    pl_json_set(a, cfg, "userPolicyList", inl);
    pl_json_set(a, cfg, "groupList", glist);
    pl_json_set(a, cfg, "attachedManagedPolicies", camel(a, attached));
    policy_rels(a, rels, attached, policies);
    return iam_ci(s, "AWS::IAM::User", user, id, name, cfg, tags, rels);
}

typedef struct pl_json *(*principal_fn)(struct pl_aws_sweep *, const struct pl_json *,
                                        const struct pl_json *, struct pl_err *);

/* every principal of a List action (roles or users) through one's CI builder */
static int principals(struct pl_aws_sweep *s, struct pl_aws_found *out, const char *list_action,
                      const char *list_key, const char *name_key, const char *id_key,
                      principal_fn build)
{
    out->cis = pl_json_new_arr(s->a);
    out->complete = true;
    struct pl_err err = {0};
    struct pl_json *policies = local_policies(s, &err);
    struct pl_json *list = policies ? list_all(s, list_action, "", list_key, &err) : NULL;
    if (!list) {
        out->complete = false;
        snprintf(out->error, sizeof out->error, "%s", err.msg);
        return -1;
    }
    for (struct pl_json *p = list->child; p; p = p->next) {
        if (!pl_json_get_str(p, name_key) || !pl_json_get_str(p, id_key) ||
            pl_aws_skip(s, pl_json_get_str(p, id_key), pl_json_get_str(p, name_key)))
            continue;
        struct pl_err e = {0};
        struct pl_json *ci = build(s, p, policies, &e);
        if (ci) {
            pl_json_push(out->cis, ci);
        } else if (out->complete) {
            out->complete = false; /* never a partial CI; nothing marked deleted */
            snprintf(out->error, sizeof out->error, "%s", e.msg);
        }
    }
    return out->complete ? 0 : -1;
}

int pl_aws_iam_roles(struct pl_aws_sweep *s, struct pl_aws_found *out)
{
    return principals(s, out, "ListRoles", "Roles", "RoleName", "RoleId", role_ci);
}

int pl_aws_iam_users(struct pl_aws_sweep *s, struct pl_aws_found *out)
{
    return principals(s, out, "ListUsers", "Users", "UserName", "UserId", user_ci);
}
