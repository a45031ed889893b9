/* ops_org_rules.c — organization rules and packs: PutOrganizationConfigRule,
 * DescribeOrganizationConfigRules, DescribeOrganizationConfigRuleStatuses,
 * GetOrganizationConfigRuleDetailedStatus, DeleteOrganizationConfigRule,
 * GetOrganizationCustomRulePolicy, PutOrganizationConformancePack,
 * DescribeOrganizationConformancePacks, DescribeOrganizationConformancePackStatuses,
 * GetOrganizationConformancePackDetailedStatus, DeleteOrganizationConformancePack.
 *
 * Only the organization's management account or a delegated administrator calls them
 * (OrganizationAccessDeniedException otherwise; NoAvailableOrganizationException without an
 * organization). An organization rule or pack is an object of the organization partition
 * (PL_ORG_ACCOUNT, the caller's region; org/org.h), so the management account and the
 * delegated administrators see the same ones. It holds the AWS shape plus plumb's members,
 * whose names begin with '_' and which Describe leaves out: "_Suffix" (8 random characters),
 * "_Status", "_ErrorCode", "_ErrorMessage", "_TemplateBody" (a pack's resolved template) and
 * "_Members" {account: {"Name", "Status", "ErrorCode", "ErrorMessage", "LastUpdateTime"}}.
 *
 * Deployment: into every account of the organization (management included) but the
 * ExcludedAccounts, in the object's region, named as AWS names them: a rule
 * "OrgConfigRule-<name>-<suffix>" through the rules engine's PutConfigRule path
 * (pl_rules_put_rule acting for PL_ORG_SERVICE, so CreatedBy is that service and the member
 * cannot change or delete it: ResourceInUseException), a pack "OrgConformsPack-<name>-<suffix>"
 * through PutConformancePack's code (pl_ops__pack_put, ops_packs.c). Each member is deployed in
 * its own transaction, synchronously, after the object is stored as *_IN_PROGRESS (its members
 * about to change too: mark_in_progress): a member that refuses the rule (say, a Lambda
 * function it has not registered) is CREATE_FAILED with the error, the others are not held
 * back, and the organization status is *_FAILED when any member is. pl_ops__org_sync redoes the
 * membership part after the organization changes. */
#include <stdlib.h>
#include <string.h>

#include "api/ops_org.h"
#include "api/ops_rules.h"
#include "core/hash.h"
#include "core/time.h"
#include "core/util.h"
#include "org/org.h"
#include "packs/packs.h"
#include "rules/rules.h"
#include "store/store.h"

#define KIND_RULE  "OrganizationConfigRule"
#define KIND_PACK  "OrganizationConformancePack"
#define MAX_RULES  150 /* organization Config rules per organization */
#define MAX_PACKS  50  /* organization conformance packs per organization */
#define PAGE_LIMIT 100 /* CosmosPageLimit: 0..100, default 100 */

/* What differs between organization rules and packs. */
struct org_kind {
    const char *kind, *name_key, *arn_key, *arn_type, *prefix, *what;
    enum pl_errcode nosuch;
    /* deploys obj into account (member name name); 0 done, -1 with e filled */
    int (*deploy)(struct pl_op_ctx *c, const struct pl_json *obj, const char *account,
                  const char *region, const char *name, struct pl_err *e);
    int (*undeploy)(struct pl_op_ctx *c, const char *account, const char *region, const char *name,
                    struct pl_err *e);
};

/* ---- small helpers ---- */

static void replace(struct pl_op_ctx *c, struct pl_json *o, const char *key, struct pl_json *v)
{
    pl_json_del(o, key);
    pl_json_set(c->a, o, key, v);
}

static void replace_str(struct pl_op_ctx *c, struct pl_json *o, const char *key, const char *v)
{
    pl_json_del(o, key);
    if (v)
        pl_json_set_str(c->a, o, key, v);
}

/* The organization, or NoAvailableOrganizationException when there is none. */
int pl_ops__org_need(struct pl_op_ctx *c, struct pl_json **org)
{
    int r = pl_org_load(c->st, c->a, org, c->err);
    if (r < 0)
        return -1;
    if (r == 0)
        return pl_fail(c->err, PL_E_NO_AVAILABLE_ORGANIZATION,
                       "Organization is not available. Create an organization first "
                       "(plumb org create, docs/organizations.md).");
    return 0;
}

/* The caller must manage the organization. *org gets it. */
static int need_manager(struct pl_op_ctx *c, struct pl_json **org)
{
    if (pl_ops__org_need(c, org) < 0)
        return -1;
    if (!pl_org_manages(*org, c->account))
        return pl_fail(c->err, PL_E_ORGANIZATION_ACCESS_DENIED,
                       "This action can only be performed if you are a registered delegated "
                       "administrator for AWS Config with permissions to call "
                       "ListDelegatedAdministrators API.");
    return 0;
}

static bool excluded(const struct pl_json *obj, const char *account)
{
    const struct pl_json *x = pl_json_get(obj, "ExcludedAccounts");
    for (const struct pl_json *e = x ? x->child : NULL; e; e = e->next)
        if (e->type == PL_JSTR && strcmp(e->str, account) == 0)
            return true;
    return false;
}

/* 8 lowercase alphanumerics (arena). */
static const char *new_suffix(struct pl_op_ctx *c)
{
    static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    char hex[17], sfx[9];
    pl_random_hex(8, hex);
    for (int i = 0; i < 8; i++)
        sfx[i] = al[(pl_hex_value(hex[2 * i]) * 16 + pl_hex_value(hex[2 * i + 1])) % 36];
    sfx[8] = 0;
    return pl_arena_strdup(c->a, sfx);
}

/* A stored object of kind in (PL_ORG_ACCOUNT, region): 1, 0 absent, -1. */
static int load_obj(struct pl_op_ctx *c, const struct org_kind *k, const char *region,
                    const char *name, struct pl_json **out)
{
    struct pl_obj o;
    int r = pl_store_obj_get(c->st, PL_ORG_ACCOUNT, region, k->kind, name, c->a, &o, c->err);
    if (r <= 0)
        return r;
    *out = pl_json_parse(c->a, o.json, o.len, c->err);
    return *out ? 1 : -1;
}

static int save_obj(struct pl_op_ctx *c, const struct org_kind *k, const char *region,
                    const struct pl_json *obj)
{
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    pl_json_write(&b, obj, PL_JSON_COMPACT);
    int r = pl_store_obj_put(c->st, PL_ORG_ACCOUNT, region, k->kind,
                             pl_json_get_str(obj, k->name_key), pl_buf_cstr(&b), b.len, c->err);
    pl_buf_fini(&b);
    return r;
}

static int no_such(struct pl_op_ctx *c, const struct org_kind *k, const char *name)
{
    return pl_fail(c->err, k->nosuch, "The %s '%s' does not exist.", k->what, name);
}

/* ---- deploying into members ---- */

/* A member's error kept as its status: an internal failure stops the whole call instead. */
static int member_error(struct pl_op_ctx *c, struct pl_err *e)
{
    if (e->code == PL_E_INTERNAL || e->code == PL_E_IO || e->code == PL_E_UNAVAILABLE)
        return pl_fail(c->err, e->code, "%s", pl_err_msg(e));
    return 0;
}

static void copy_str(struct pl_op_ctx *c, struct pl_json *to, const char *tkey,
                     const struct pl_json *from, const char *fkey)
{
    const char *v = pl_json_get_str(from, fkey);
    if (v)
        pl_json_set_str(c->a, to, tkey, v);
}

/* The SourceDetails of OrganizationConfigRuleTriggerTypes. */
static struct pl_json *source_details(struct pl_op_ctx *c, const struct pl_json *md)
{
    struct pl_json *arr = pl_json_new_arr(c->a);
    const struct pl_json *t = pl_json_get(md, "OrganizationConfigRuleTriggerTypes");
    for (const struct pl_json *e = t ? t->child : NULL; e; e = e->next) {
        if (e->type != PL_JSTR)
            continue;
        struct pl_json *d = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, d, "EventSource", "aws.config");
        pl_json_set_str(c->a, d, "MessageType", e->str);
        if (strcmp(e->str, "ScheduledNotification") == 0)
            copy_str(c, d, "MaximumExecutionFrequency", md, "MaximumExecutionFrequency");
    }
    return arr;
}

/* A Lambda ARN "arn:aws:lambda:REGION:ACCOUNT:function:NAME" with account in place of ACCOUNT
 * (functions belong to their account in plumb); anything else as it is. */
static const char *member_arn(struct pl_op_ctx *c, const char *arn, const char *account)
{
    const char *p = arn;
    for (int i = 0; i < 4 && p; i++)
        p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL;
    const char *end = p ? strchr(p, ':') : NULL;
    if (!end || strncmp(arn, "arn:aws:lambda:", 15) != 0)
        return arn;
    return pl_arena_printf(c->a, "%.*s%s%s", (int)(p - arn), arn, account, end);
}

/* The PutConfigRule ConfigRule of an organization rule, named name in the member account. */
static struct pl_json *member_rule(struct pl_op_ctx *c, const struct pl_json *obj, const char *name,
                                   const char *account)
{
    const struct pl_json *managed = pl_json_get(obj, "OrganizationManagedRuleMetadata");
    const struct pl_json *lambda = pl_json_get(obj, "OrganizationCustomRuleMetadata");
    const struct pl_json *policy = pl_json_get(obj, "OrganizationCustomPolicyRuleMetadata");
    const struct pl_json *md = managed ? managed : lambda ? lambda : policy;
    struct pl_json *r = pl_json_new_obj(c->a), *src = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, r, "ConfigRuleName", name);
    copy_str(c, r, "Description", md, "Description");
    copy_str(c, r, "InputParameters", md, "InputParameters");
    if (managed || !pl_json_get(md, "OrganizationConfigRuleTriggerTypes"))
        copy_str(c, r, "MaximumExecutionFrequency", md, "MaximumExecutionFrequency");
    struct pl_json *scope = pl_json_new_obj(c->a);
    const struct pl_json *types = pl_json_get(md, "ResourceTypesScope");
    if (types && types->len)
        pl_json_set(c->a, scope, "ComplianceResourceTypes", pl_json_clone(c->a, types));
    copy_str(c, scope, "ComplianceResourceId", md, "ResourceIdScope");
    copy_str(c, scope, "TagKey", md, "TagKeyScope");
    copy_str(c, scope, "TagValue", md, "TagValueScope");
    if (scope->len)
        pl_json_set(c->a, r, "Scope", scope);
    if (managed) {
        pl_json_set_str(c->a, src, "Owner", "AWS");
        copy_str(c, src, "SourceIdentifier", md, "RuleIdentifier");
    } else if (lambda) {
        pl_json_set_str(c->a, src, "Owner", "CUSTOM_LAMBDA");
        const char *arn = pl_json_get_str(md, "LambdaFunctionArn");
        pl_json_set_str(c->a, src, "SourceIdentifier", member_arn(c, arn ? arn : "", account));
        pl_json_set(c->a, src, "SourceDetails", source_details(c, md));
    } else {
        pl_json_set_str(c->a, src, "Owner", "CUSTOM_POLICY");
        struct pl_json *d = source_details(c, md);
        if (!d->len) { /* AWS's default for a policy rule: on every change */
            struct pl_json *e = pl_json_push(d, pl_json_new_obj(c->a));
            pl_json_set_str(c->a, e, "EventSource", "aws.config");
            pl_json_set_str(c->a, e, "MessageType", "ConfigurationItemChangeNotification");
        }
        pl_json_set(c->a, src, "SourceDetails", d);
        struct pl_json *cp = pl_json_set(c->a, src, "CustomPolicyDetails", pl_json_new_obj(c->a));
        copy_str(c, cp, "PolicyRuntime", md, "PolicyRuntime");
        copy_str(c, cp, "PolicyText", md, "PolicyText");
        const struct pl_json *dbg = pl_json_get(md, "DebugLogDeliveryAccounts");
        pl_json_set_bool(c->a, cp, "EnableDebugLogDelivery", dbg && dbg->len > 0);
    }
    pl_json_set(c->a, r, "Source", src);
    pl_json_set_str(c->a, r, "CreatedBy", PL_ORG_SERVICE);
    return r;
}

static struct pl_rules_call member_call(struct pl_op_ctx *c, const char *account,
                                        const char *region)
{
    struct pl_rules_call rc = pl_ops__rules_call(c);
    rc.account = account;
    rc.region = region;
    rc.service = PL_ORG_SERVICE;
    return rc;
}

static int rule_deploy(struct pl_op_ctx *c, const struct pl_json *obj, const char *account,
                       const char *region, const char *name, struct pl_err *e)
{
    struct pl_rules_call rc = member_call(c, account, region);
    return pl_rules_put_rule(&rc, member_rule(c, obj, name, account), NULL, e);
}

static int rule_undeploy(struct pl_op_ctx *c, const char *account, const char *region,
                         const char *name, struct pl_err *e)
{
    struct pl_rules_call rc = member_call(c, account, region);
    struct pl_json *j;
    int f = pl_rules_get_rule(&rc, name, &j, e);
    return f < 0 || (f && pl_rules_delete_rule(&rc, name, e) < 0) ? -1 : 0;
}

/* A context acting in (account, region) with body in, for the pack code. */
static struct pl_op_ctx member_ctx(struct pl_op_ctx *c, const char *account, const char *region,
                                   struct pl_json *in, struct pl_err *e)
{
    struct pl_op_ctx m = *c;
    m.account = account;
    m.region = region;
    m.in = in;
    m.out = pl_json_new_obj(c->a);
    m.err = e;
    return m;
}

static int pack_deploy(struct pl_op_ctx *c, const struct pl_json *obj, const char *account,
                       const char *region, const char *name, struct pl_err *e)
{
    struct pl_json *in = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, in, "ConformancePackName", name);
    pl_json_set_str(c->a, in, "TemplateBody", pl_json_get_str(obj, "_TemplateBody"));
    static const char *const copied[] = {"DeliveryS3Bucket", "DeliveryS3KeyPrefix",
                                         "ConformancePackInputParameters"};
    for (size_t i = 0; i < 3; i++) {
        const struct pl_json *v = pl_json_get(obj, copied[i]);
        if (v)
            pl_json_set(c->a, in, copied[i], pl_json_clone(c->a, v));
    }
    struct pl_op_ctx m = member_ctx(c, account, region, in, e);
    if (pl_ops__pack_put(&m, PL_ORG_SERVICE) < 0)
        return -1;
    struct pl_obj o;
    int f = pl_store_obj_get(c->st, account, region, PL_KIND_PACK, name, c->a, &o, e);
    if (f <= 0)
        return f < 0 ? -1 : pl_fail(e, PL_E_INTERNAL, "the deployed pack is missing");
    struct pl_json *p = pl_json_parse(c->a, o.json, o.len, e);
    if (!p)
        return -1;
    const char *state = pl_json_get_str(p, "ConformancePackState");
    if (state && strcmp(state, "CREATE_FAILED") == 0)
        return pl_fail(e, PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION, "%s",
                       pl_json_get_str(p, "ConformancePackStatusReason"));
    return 0;
}

static int pack_undeploy(struct pl_op_ctx *c, const char *account, const char *region,
                         const char *name, struct pl_err *e)
{
    struct pl_op_ctx m = member_ctx(c, account, region, pl_json_new_obj(c->a), e);
    if (pl_ops__pack_delete(&m, name, PL_ORG_SERVICE) == 0)
        return 0;
    if (e->code == PL_E_NO_SUCH_CONFORMANCE_PACK) {
        pl_err_clear(e);
        return 0;
    }
    return -1;
}

static const struct org_kind RULES = {
    KIND_RULE,
    "OrganizationConfigRuleName",
    "OrganizationConfigRuleArn",
    "organization-config-rule",
    "OrgConfigRule-",
    "organization config rule",
    PL_E_NO_SUCH_ORGANIZATION_CONFIG_RULE,
    rule_deploy,
    rule_undeploy,
};
static const struct org_kind PACKS = {
    KIND_PACK,
    "OrganizationConformancePackName",
    "OrganizationConformancePackArn",
    "organization-conformance-pack",
    "OrgConformsPack-",
    "organization conformance pack",
    PL_E_NO_SUCH_ORGANIZATION_CONFORMANCE_PACK,
    pack_deploy,
    pack_undeploy,
};

/* The verb of obj's status ("CREATE" or "UPDATE"); new puts set it. */
static const char *verb_of(const struct pl_json *obj)
{
    const char *s = pl_json_get_str(obj, "_Status");
    return s && strncmp(s, "UPDATE", 6) == 0 ? "UPDATE" : "CREATE";
}

static bool successful(const struct pl_json *m)
{
    const char *s = pl_json_get_str(m, "Status");
    return s && strstr(s, "_SUCCESSFUL") != NULL;
}

void (*pl_ops__org_deploy_hook)(struct pl_op_ctx *c, const char *account, const char *region);

/* The account's entry of members set to status (a clone of prev, or a new one named name). */
static void set_member(struct pl_op_ctx *c, struct pl_json *members, const char *account,
                       const struct pl_json *prev, const char *name, const char *status)
{
    struct pl_json *m = pl_json_set(c->a, members, account,
                                    prev ? pl_json_clone(c->a, prev) : pl_json_new_obj(c->a));
    replace_str(c, m, "Name", name);
    replace_str(c, m, "Status", status);
    replace_str(c, m, "ErrorCode", NULL); /* a previous failure's, if any */
    replace_str(c, m, "ErrorMessage", NULL);
    pl_json_del(m, "LastUpdateTime");
    pl_json_set_i64(c->a, m, "LastUpdateTime", pl_now_ms());
}

/* What deploy_all does with account: NULL for nothing (excluded, or kept as it is: copied into
 * members), else the verb of its deployment, "CREATE" or "UPDATE"; *prev its entry of obj. */
static const char *member_verb(struct pl_op_ctx *c, const struct pl_json *obj,
                               struct pl_json *members, const char *account, bool redeploy,
                               const struct pl_json **prev)
{
    *prev = pl_json_get(pl_json_get(obj, "_Members"), account);
    if (excluded(obj, account))
        return NULL;
    if (!redeploy && *prev && successful(*prev)) {
        pl_json_set(c->a, members, account, pl_json_clone(c->a, *prev));
        return NULL;
    }
    return *prev && successful(*prev) ? "UPDATE" : "CREATE";
}

static int by_key(const void *x, const void *y)
{
    return strcmp((*(const struct pl_json *const *)x)->key,
                  (*(const struct pl_json *const *)y)->key);
}

/* members with its entries in account order (Get…DetailedStatus pages by account). */
static struct pl_json *by_account(struct pl_op_ctx *c, const struct pl_json *members)
{
    const struct pl_json **m = pl_arena_alloc(c->a, (members->len + 1) * sizeof *m);
    size_t n = 0;
    for (const struct pl_json *e = members->child; e; e = e->next)
        m[n++] = e;
    qsort(m, n, sizeof *m, by_key);
    struct pl_json *out = pl_json_new_obj(c->a);
    for (size_t i = 0; i < n; i++)
        pl_json_set(c->a, out, m[i]->key, pl_json_clone(c->a, m[i]));
    return out;
}

/* Before deploy_all changes any member, obj is stored as in progress: its status
 * <verb>_IN_PROGRESS, each member about to be deployed CREATE_/UPDATE_IN_PROGRESS and each
 * about to lose it DELETE_IN_PROGRESS, so a reader sees the deployment while it runs (and a
 * crash leaves an object that a Put or Delete again finishes, not members nobody owns).
 * Nothing is stored when there is nothing to do. */
static int mark_in_progress(struct pl_op_ctx *c, const struct org_kind *k, struct pl_json *obj,
                            const char *region, const char **accounts, size_t n, bool redeploy,
                            const char *member_name)
{
    const struct pl_json *old = pl_json_get(obj, "_Members");
    struct pl_json *members = pl_json_new_obj(c->a);
    bool work = false;
    for (size_t i = 0; i < n; i++) {
        const struct pl_json *prev;
        const char *mverb = member_verb(c, obj, members, accounts[i], redeploy, &prev);
        if (!mverb)
            continue;
        set_member(c, members, accounts[i], prev, member_name,
                   pl_arena_printf(c->a, "%s_IN_PROGRESS", mverb));
        work = true;
    }
    for (const struct pl_json *m = old ? old->child : NULL; m; m = m->next)
        if (!pl_json_get(members, m->key)) {
            set_member(c, members, m->key, m, pl_json_get_str(m, "Name"), "DELETE_IN_PROGRESS");
            work = true;
        }
    if (!work)
        return 0;
    struct pl_json *marked = pl_json_clone(c->a, obj);
    replace(c, marked, "_Members", by_account(c, members));
    replace_str(c, marked, "_Status", pl_arena_printf(c->a, "%s_IN_PROGRESS", verb_of(obj)));
    replace_str(c, marked, "_ErrorCode", NULL);
    replace_str(c, marked, "_ErrorMessage", NULL);
    return save_obj(c, k, region, marked);
}

static void hook(struct pl_op_ctx *c, const char *account, const char *region)
{
    if (pl_ops__org_deploy_hook)
        pl_ops__org_deploy_hook(c, account, region);
}

/* Deploys obj (of region) into the accounts of org it should be in — all of them when
 * redeploy, else those without a successful deployment — and removes it from the others,
 * after storing obj as in progress (mark_in_progress). Updates obj's "_Members" and
 * "_Status"; the caller saves obj. */
static int deploy_all(struct pl_op_ctx *c, const struct org_kind *k, struct pl_json *obj,
                      const char *region, const struct pl_json *org, bool redeploy)
{
    const char *name = pl_json_get_str(obj, k->name_key), *verb = verb_of(obj);
    const char *member_name =
        pl_arena_printf(c->a, "%s%s-%s", k->prefix, name, pl_json_get_str(obj, "_Suffix"));
    const struct pl_json *old = pl_json_get(obj, "_Members");
    struct pl_json *members = pl_json_new_obj(c->a);
    size_t n = 0;
    const char **accounts = org ? pl_org_accounts(org, c->a, &n) : NULL;
    bool failed = false;
    const char *first_code = NULL, *first_msg = NULL;
    if (mark_in_progress(c, k, obj, region, accounts, n, redeploy, member_name) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const struct pl_json *prev;
        const char *mverb = member_verb(c, obj, members, accounts[i], redeploy, &prev);
        if (!mverb)
            continue;
        struct pl_err e = {.arena = c->a};
        hook(c, accounts[i], region);
        int r = k->deploy(c, obj, accounts[i], region, member_name, &e);
        if (r < 0 && member_error(c, &e) < 0)
            return -1;
        set_member(c, members, accounts[i], NULL, member_name,
                   pl_arena_printf(c->a, "%s_%s", mverb, r < 0 ? "FAILED" : "SUCCESSFUL"));
        if (r < 0) {
            struct pl_json *m = pl_json_get(members, accounts[i]);
            pl_json_set_str(c->a, m, "ErrorCode", pl_err_name(e.code));
            pl_json_set_str(c->a, m, "ErrorMessage", pl_err_msg(&e));
            if (!failed) {
                first_code = pl_err_name(e.code);
                first_msg = pl_arena_printf(c->a, "account %s: %s", accounts[i], pl_err_msg(&e));
            }
            failed = true;
        }
    }
    for (const struct pl_json *m = old ? old->child : NULL; m; m = m->next) {
        if (pl_json_get(members, m->key))
            continue;
        struct pl_err e = {.arena = c->a};
        hook(c, m->key, region);
        if (k->undeploy(c, m->key, region, pl_json_get_str(m, "Name"), &e) < 0) {
            if (member_error(c, &e) < 0)
                return -1;
            struct pl_json *d = pl_json_set(c->a, members, m->key, pl_json_clone(c->a, m));
            replace_str(c, d, "Status", "DELETE_FAILED");
            replace_str(c, d, "ErrorCode", pl_err_name(e.code));
            replace_str(c, d, "ErrorMessage", pl_err_msg(&e));
        }
    }
    replace(c, obj, "_Members", by_account(c, members));
    replace_str(c, obj, "_Status",
                pl_arena_printf(c->a, "%s_%s", verb, failed ? "FAILED" : "SUCCESSFUL"));
    replace_str(c, obj, "_ErrorCode", first_code);
    replace_str(c, obj, "_ErrorMessage", first_msg);
    return 0;
}

/* Removes obj from every member it was deployed to, after storing it as DELETE_IN_PROGRESS
 * (each member too); 0 when all went, else obj is stored as DELETE_FAILED (the members that
 * refused too) and the first refusal returned. */
static int undeploy_all(struct pl_op_ctx *c, const struct org_kind *k, struct pl_json *obj,
                        const char *region)
{
    const struct pl_json *old = pl_json_get(obj, "_Members");
    struct pl_json *members = pl_json_new_obj(c->a);
    for (const struct pl_json *m = old ? old->child : NULL; m; m = m->next)
        set_member(c, members, m->key, m, pl_json_get_str(m, "Name"), "DELETE_IN_PROGRESS");
    replace(c, obj, "_Members", members);
    replace_str(c, obj, "_Status", "DELETE_IN_PROGRESS");
    replace_str(c, obj, "_ErrorCode", NULL);
    replace_str(c, obj, "_ErrorMessage", NULL);
    if (save_obj(c, k, region, obj) < 0)
        return -1;
    for (struct pl_json *m = members->child; m; m = m->next) {
        struct pl_err e = {.arena = c->a};
        hook(c, m->key, region);
        if (k->undeploy(c, m->key, region, pl_json_get_str(m, "Name"), &e) == 0)
            continue;
        replace_str(c, m, "Status", "DELETE_FAILED");
        replace_str(c, m, "ErrorCode", pl_err_name(e.code));
        replace_str(c, m, "ErrorMessage", pl_err_msg(&e));
        replace_str(c, obj, "_Status", "DELETE_FAILED");
        replace_str(c, obj, "_ErrorCode", pl_err_name(e.code));
        replace_str(c, obj, "_ErrorMessage",
                    pl_arena_printf(c->a, "account %s: %s", m->key, pl_err_msg(&e)));
        if (save_obj(c, k, region, obj) < 0)
            return -1;
        return pl_fail(c->err, e.code == PL_E_INTERNAL ? PL_E_INTERNAL : PL_E_RESOURCE_IN_USE,
                       "account %s: %s", m->key, pl_err_msg(&e));
    }
    return 0;
}

static int sync_kind(struct pl_op_ctx *c, const struct org_kind *k, const struct pl_json *org)
{
    struct pl_obj *items;
    size_t n;
    if (pl_store_obj_list(c->st, NULL, NULL, k->kind, NULL, 0, c->a, &items, &n, c->err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(items[i].account, PL_ORG_ACCOUNT) != 0)
            continue;
        struct pl_json *obj = pl_json_parse(c->a, items[i].json, items[i].len, c->err);
        if (!obj || deploy_all(c, k, obj, items[i].region, org, false) < 0)
            return -1;
        if (org ? save_obj(c, k, items[i].region, obj) < 0 /* no organization: it goes too */
                : pl_store_obj_delete(c->st, PL_ORG_ACCOUNT, items[i].region, k->kind,
                                      items[i].name, c->err) < 0)
            return -1;
    }
    return 0;
}

int pl_ops__org_sync(struct pl_op_ctx *c)
{
    struct pl_json *org;
    if (pl_org_load(c->st, c->a, &org, c->err) < 0)
        return -1;
    return sync_kind(c, &RULES, org) < 0 || sync_kind(c, &PACKS, org) < 0 ? -1 : 0;
}

/* ---- Put ---- */

/* Room for one more object of k in the caller's region of the organization, else exceeded. */
static int room(struct pl_op_ctx *c, const struct org_kind *k, int max, enum pl_errcode exceeded)
{
    int64_t count = 0;
    if (pl_store_obj_count(c->st, PL_ORG_ACCOUNT, c->region, k->kind, &count, c->err) < 0)
        return -1;
    if (count >= max)
        return pl_fail(c->err, exceeded,
                       "Failed to put %s because the maximum number of %ss: %d is reached.",
                       k->what, k->what, max);
    return 0;
}

/* The new or updated object of a put: the request's members, the ARN, the suffix kept. */
static struct pl_json *put_object(struct pl_op_ctx *c, const struct org_kind *k,
                                  const struct pl_json *org, const struct pl_json *prev,
                                  const char *const *keys, size_t nkeys)
{
    const char *name = pl_in_str(c->in, k->name_key);
    const char *sfx = prev ? pl_json_get_str(prev, "_Suffix") : new_suffix(c);
    struct pl_json *o = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, o, k->name_key, name);
    pl_json_set_str(c->a, o, k->arn_key,
                    pl_arena_printf(c->a, "arn:aws:config:%s:%s:%s/%s-%s", c->region,
                                    pl_org_management(org), k->arn_type, name, sfx));
    for (size_t i = 0; i < nkeys; i++) {
        const struct pl_json *v = pl_json_get(c->in, keys[i]);
        if (v && v->type != PL_JNULL)
            pl_json_set(c->a, o, keys[i], pl_json_clone(c->a, v));
    }
    pl_json_set_i64(c->a, o, "LastUpdateTime", pl_now_ms());
    pl_json_set_str(c->a, o, "_Suffix", sfx);
    pl_json_set_str(c->a, o, "_Status", prev ? "UPDATE_IN_PROGRESS" : "CREATE_IN_PROGRESS");
    const struct pl_json *members = pl_json_get(prev, "_Members");
    pl_json_set(c->a, o, "_Members",
                members ? pl_json_clone(c->a, members) : pl_json_new_obj(c->a));
    return o;
}

static int put_rule(struct pl_op_ctx *c)
{
    static const char *const keys[] = {"OrganizationManagedRuleMetadata",
                                       "OrganizationCustomRuleMetadata",
                                       "OrganizationCustomPolicyRuleMetadata", "ExcludedAccounts"};
    const char *name = pl_in_str(c->in, "OrganizationConfigRuleName");
    struct pl_json *org, *prev = NULL;
    int given = !!pl_json_get(c->in, "OrganizationManagedRuleMetadata") +
                !!pl_json_get(c->in, "OrganizationCustomRuleMetadata") +
                !!pl_json_get(c->in, "OrganizationCustomPolicyRuleMetadata");
    if (need_manager(c, &org) < 0)
        return -1;
    if (given != 1)
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE,
                       "Specify exactly one of OrganizationManagedRuleMetadata, "
                       "OrganizationCustomRuleMetadata and OrganizationCustomPolicyRuleMetadata.");
    int r = load_obj(c, &RULES, c->region, name, &prev);
    if (r < 0 || (!r && room(c, &RULES, MAX_RULES,
                             PL_E_MAX_NUMBER_OF_ORGANIZATION_CONFIG_RULES_EXCEEDED) < 0))
        return -1;
    struct pl_json *o = put_object(c, &RULES, org, prev, keys, sizeof keys / sizeof *keys);
    if (deploy_all(c, &RULES, o, c->region, org, true) < 0 || save_obj(c, &RULES, c->region, o) < 0)
        return -1;
    pl_json_set_str(c->a, c->out, "OrganizationConfigRuleArn",
                    pl_json_get_str(o, "OrganizationConfigRuleArn"));
    return 0;
}

/* Resolves the template as the caller's account would (a template that does not resolve is
 * refused before any member sees it), with the request's input parameters. */
static int check_template(struct pl_op_ctx *c, const char *name, const char *body)
{
    const struct pl_json *arr = pl_json_get(c->in, "ConformancePackInputParameters");
    struct pl_pack_env env = {.account = c->account, .region = c->region,
                              .stack_name = pl_arena_printf(c->a, "awsconfigconforms-%s", name)};
    struct pl_pack_param *p = pl_arena_alloc(c->a, ((arr ? arr->len : 0) + 1) * sizeof *p);
    for (const struct pl_json *e = arr ? arr->child : NULL; e; e = e->next) {
        p[env.nparams].name = pl_json_get_str(e, "ParameterName");
        p[env.nparams++].value = pl_json_get_str(e, "ParameterValue");
    }
    env.params = p;
    struct pl_pack_template t;
    struct pl_err e = {.arena = c->a};
    if (pl_pack_template_parse(c->a, body, strlen(body), &env, &t, &e) == 0)
        return 0;
    if (e.code != PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION)
        return pl_fail(c->err, e.code, "%s", pl_err_msg(&e));
    return pl_fail(c->err, PL_E_ORGANIZATION_CONFORMANCE_PACK_TEMPLATE_VALIDATION, "%s",
                   pl_err_msg(&e));
}

static int put_pack(struct pl_op_ctx *c)
{
    static const char *const keys[] = {"DeliveryS3Bucket", "DeliveryS3KeyPrefix",
                                       "ConformancePackInputParameters", "ExcludedAccounts"};
    const char *name = pl_in_str(c->in, "OrganizationConformancePackName"), *body;
    struct pl_json *org, *prev = NULL;
    if (need_manager(c, &org) < 0)
        return -1;
    if (pl_ops__pack_template(c, &body) < 0) {
        if (c->err->code == PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION) {
            const char *msg = pl_arena_strdup(c->a, pl_err_msg(c->err));
            pl_err_clear(c->err);
            return pl_fail(c->err, PL_E_ORGANIZATION_CONFORMANCE_PACK_TEMPLATE_VALIDATION, "%s",
                           msg);
        }
        return -1;
    }
    if (check_template(c, name, body) < 0)
        return -1;
    int r = load_obj(c, &PACKS, c->region, name, &prev);
    if (r < 0 || (!r && room(c, &PACKS, MAX_PACKS,
                             PL_E_MAX_NUMBER_OF_ORGANIZATION_CONFORMANCE_PACKS_EXCEEDED) < 0))
        return -1;
    struct pl_json *o = put_object(c, &PACKS, org, prev, keys, sizeof keys / sizeof *keys);
    pl_json_set_str(c->a, o, "_TemplateBody", body);
    if (deploy_all(c, &PACKS, o, c->region, org, true) < 0 || save_obj(c, &PACKS, c->region, o) < 0)
        return -1;
    pl_json_set_str(c->a, c->out, "OrganizationConformancePackArn",
                    pl_json_get_str(o, "OrganizationConformancePackArn"));
    return 0;
}

/* ---- Delete ---- */

static int delete_obj(struct pl_op_ctx *c, const struct org_kind *k)
{
    const char *name = pl_in_str(c->in, k->name_key);
    struct pl_json *org, *obj;
    if (need_manager(c, &org) < 0)
        return -1;
    int r = load_obj(c, k, c->region, name, &obj);
    if (r <= 0)
        return r < 0 ? -1 : no_such(c, k, name);
    if (undeploy_all(c, k, obj, c->region) < 0)
        return -1;
    return pl_store_obj_delete(c->st, PL_ORG_ACCOUNT, c->region, k->kind, name, c->err) < 0 ? -1
                                                                                            : 0;
}

static int delete_rule(struct pl_op_ctx *c)
{
    return delete_obj(c, &RULES);
}

static int delete_pack(struct pl_op_ctx *c)
{
    return delete_obj(c, &PACKS);
}

/* ---- Describe ---- */

/* The objects named in names_key (each must exist), else a page of all of them after the
 * NextToken (tag); NextToken set on c->out when more follow. */
static int select_objs(struct pl_op_ctx *c, const struct org_kind *k, const char *names_key,
                       char tag, struct pl_json ***out, size_t *n)
{
    struct pl_json *org;
    int64_t limit = pl_in_int(c->in, "Limit", 0);
    if (need_manager(c, &org) < 0)
        return -1;
    if (limit < 0 || limit > PAGE_LIMIT)
        return pl_fail(c->err, PL_E_INVALID_LIMIT, "The Limit must be between 0 and %d.",
                       PAGE_LIMIT);
    if (!limit)
        limit = PAGE_LIMIT;
    const struct pl_json *names = pl_json_get(c->in, names_key);
    *n = 0;
    if (names && names->len) {
        *out = pl_arena_alloc(c->a, names->len * sizeof **out);
        for (const struct pl_json *x = names->child; x; x = x->next) {
            int r = load_obj(c, k, c->region, x->str, &(*out)[*n]);
            if (r <= 0)
                return r < 0 ? -1 : no_such(c, k, x->str);
            (*n)++;
        }
        return 0;
    }
    const char *tok = pl_in_str(c->in, "NextToken"), *after = NULL;
    if (tok && pl_ops__token_parse(c, tag, tok, &after, 1) < 0)
        return -1;
    struct pl_obj *items;
    size_t ni;
    if (pl_store_obj_list(c->st, PL_ORG_ACCOUNT, c->region, k->kind, after, (int)limit + 1, c->a,
                          &items, &ni, c->err) < 0)
        return -1;
    *out = pl_arena_alloc(c->a, (ni + 1) * sizeof **out);
    for (size_t i = 0; i < ni && i < (size_t)limit; i++)
        if (!((*out)[(*n)++] = pl_json_parse(c->a, items[i].json, items[i].len, c->err)))
            return -1;
    if (ni > (size_t)limit)
        pl_json_set_str(c->a, c->out, "NextToken",
                        pl_ops__token_make(c, tag, &items[limit - 1].name, 1));
    return 0;
}

/* The AWS shape of obj: its members not beginning with '_', times as AWS timestamps. */
static struct pl_json *public_shape(struct pl_op_ctx *c, const struct pl_json *obj)
{
    struct pl_json *o = pl_json_new_obj(c->a);
    for (const struct pl_json *m = obj->child; m; m = m->next) {
        int64_t ms;
        if (m->key[0] == '_')
            continue;
        if (strcmp(m->key, "LastUpdateTime") == 0 && pl_json_i64(m, &ms) == 0)
            pl_json_set(c->a, o, m->key, pl_json_new_epoch_ms(c->a, ms));
        else
            pl_json_set(c->a, o, m->key, pl_json_clone(c->a, m));
    }
    struct pl_json *policy = pl_json_get(o, "OrganizationCustomPolicyRuleMetadata");
    if (policy)
        pl_json_del(policy, "PolicyText");
    return o;
}

static int describe(struct pl_op_ctx *c, const struct org_kind *k, const char *names_key, char tag,
                    const char *out_key)
{
    struct pl_json **objs;
    size_t n;
    if (select_objs(c, k, names_key, tag, &objs, &n) < 0)
        return -1;
    struct pl_json *arr = pl_json_set(c->a, c->out, out_key, pl_json_new_arr(c->a));
    for (size_t i = 0; i < n; i++)
        pl_json_push(arr, public_shape(c, objs[i]));
    return 0;
}

static void set_time(struct pl_op_ctx *c, struct pl_json *o, const struct pl_json *from)
{
    int64_t ms;
    if (pl_json_i64(pl_json_get(from, "LastUpdateTime"), &ms) == 0)
        pl_json_set(c->a, o, "LastUpdateTime", pl_json_new_epoch_ms(c->a, ms));
}

static int statuses(struct pl_op_ctx *c, const struct org_kind *k, const char *names_key, char tag,
                    const char *out_key, const char *status_key)
{
    struct pl_json **objs;
    size_t n;
    if (select_objs(c, k, names_key, tag, &objs, &n) < 0)
        return -1;
    struct pl_json *arr = pl_json_set(c->a, c->out, out_key, pl_json_new_arr(c->a));
    for (size_t i = 0; i < n; i++) {
        struct pl_json *s = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, s, k->name_key, pl_json_get_str(objs[i], k->name_key));
        pl_json_set_str(c->a, s, status_key, pl_json_get_str(objs[i], "_Status"));
        copy_str(c, s, "ErrorCode", objs[i], "_ErrorCode");
        copy_str(c, s, "ErrorMessage", objs[i], "_ErrorMessage");
        set_time(c, s, objs[i]);
    }
    return 0;
}

/* Get…DetailedStatus: one entry per member in account order, Filters AccountId and the
 * status (status_key), Limit 0..100 (0: 100), NextToken after an account. */
static int detailed(struct pl_op_ctx *c, const struct org_kind *k, const char *out_key,
                    const char *member_name_key, const char *status_key, char tag)
{
    const char *name = pl_in_str(c->in, k->name_key);
    const struct pl_json *filters = pl_json_get(c->in, "Filters");
    const char *f_acct = pl_json_get_str(filters, "AccountId");
    const char *f_status = pl_json_get_str(filters, status_key);
    struct pl_json *org, *obj;
    int64_t limit = pl_in_int(c->in, "Limit", 0);
    if (need_manager(c, &org) < 0)
        return -1;
    if (limit < 0 || limit > PAGE_LIMIT)
        return pl_fail(c->err, PL_E_INVALID_LIMIT, "The Limit must be between 0 and %d.",
                       PAGE_LIMIT);
    if (!limit)
        limit = PAGE_LIMIT;
    int r = load_obj(c, k, c->region, name, &obj);
    if (r <= 0)
        return r < 0 ? -1 : no_such(c, k, name);
    const char *tok = pl_in_str(c->in, "NextToken"), *after = NULL;
    if (tok && pl_ops__token_parse(c, tag, tok, &after, 1) < 0)
        return -1;
    struct pl_json *arr = pl_json_set(c->a, c->out, out_key, pl_json_new_arr(c->a));
    const struct pl_json *members = pl_json_get(obj, "_Members");
    /* members are stored in account order (by_account) */
    int64_t emitted = 0;
    const char *last = NULL;
    for (const struct pl_json *m = members ? members->child : NULL; m; m = m->next) {
        const char *st = pl_json_get_str(m, "Status");
        if ((after && strcmp(m->key, after) <= 0) || (f_acct && strcmp(f_acct, m->key) != 0) ||
            (f_status && (!st || strcmp(f_status, st) != 0)))
            continue;
        if (emitted == limit) {
            pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, tag, &last, 1));
            break;
        }
        struct pl_json *s = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, s, "AccountId", m->key);
        pl_json_set_str(c->a, s, member_name_key, pl_json_get_str(m, "Name"));
        pl_json_set_str(c->a, s, status_key, st);
        copy_str(c, s, "ErrorCode", m, "ErrorCode");
        copy_str(c, s, "ErrorMessage", m, "ErrorMessage");
        set_time(c, s, m);
        last = m->key;
        emitted++;
    }
    return 0;
}

static int describe_rules(struct pl_op_ctx *c)
{
    return describe(c, &RULES, "OrganizationConfigRuleNames", 'o', "OrganizationConfigRules");
}

static int rule_statuses(struct pl_op_ctx *c)
{
    return statuses(c, &RULES, "OrganizationConfigRuleNames", 'p', "OrganizationConfigRuleStatuses",
                    "OrganizationRuleStatus");
}

static int rule_detailed(struct pl_op_ctx *c)
{
    return detailed(c, &RULES, "OrganizationConfigRuleDetailedStatus", "ConfigRuleName",
                    "MemberAccountRuleStatus", 'q');
}

static int custom_rule_policy(struct pl_op_ctx *c)
{
    const char *name = pl_in_str(c->in, "OrganizationConfigRuleName");
    struct pl_json *org, *obj;
    if (need_manager(c, &org) < 0)
        return -1;
    int r = load_obj(c, &RULES, c->region, name, &obj);
    if (r <= 0)
        return r < 0 ? -1 : no_such(c, &RULES, name);
    const char *text =
        pl_json_get_str(pl_json_get(obj, "OrganizationCustomPolicyRuleMetadata"), "PolicyText");
    if (text)
        pl_json_set_str(c->a, c->out, "PolicyText", text);
    return 0;
}

static int describe_packs(struct pl_op_ctx *c)
{
    return describe(c, &PACKS, "OrganizationConformancePackNames", 'r',
                    "OrganizationConformancePacks");
}

static int pack_statuses(struct pl_op_ctx *c)
{
    return statuses(c, &PACKS, "OrganizationConformancePackNames", 's',
                    "OrganizationConformancePackStatuses", "Status");
}

static int pack_detailed(struct pl_op_ctx *c)
{
    return detailed(c, &PACKS, "OrganizationConformancePackDetailedStatuses", "ConformancePackName",
                    "Status", 't');
}

const struct pl_op_entry pl_ops_org_rules[] = {
    {"PutOrganizationConfigRule", put_rule},
    {"DescribeOrganizationConfigRules", describe_rules},
    {"DescribeOrganizationConfigRuleStatuses", rule_statuses},
    {"GetOrganizationConfigRuleDetailedStatus", rule_detailed},
    {"DeleteOrganizationConfigRule", delete_rule},
    {"GetOrganizationCustomRulePolicy", custom_rule_policy},
    {"PutOrganizationConformancePack", put_pack},
    {"DescribeOrganizationConformancePacks", describe_packs},
    {"DescribeOrganizationConformancePackStatuses", pack_statuses},
    {"GetOrganizationConformancePackDetailedStatus", pack_detailed},
    {"DeleteOrganizationConformancePack", delete_pack},
    {NULL, NULL},
};
