/* ops_org.c — plumb's organization (PlumbService): CreateOrganization, DeleteOrganization,
 * DescribeOrganization,
 * AddOrganizationAccount, RemoveOrganizationAccount, RegisterDelegatedAdministrator,
 * DeregisterDelegatedAdministrator; `plumb org` runs the same operations in process.
 *
 * The organization is one object (org/org.h), one per installation. Who may change it:
 *   - CreateOrganization, AddOrganizationAccount, DeleteOrganization: an administrator key. Joining
 * an organization lets its management account read the member through organization aggregators and
 * put rules into it; AWS asks the member to accept an invitation, plumb asks the operator of the
 * installation (docs/DECISIONS.md).
 *   - RemoveOrganizationAccount, Register/DeregisterDelegatedAdministrator: an administrator
 *     key or the management account.
 *   - DescribeOrganization: an administrator key or an account of the organization.
 * After a membership change the organization's rules and packs follow it (pl_ops__org_sync:
 * new members get them, removed ones lose them; calls go one way: ops_org.c -> ops_org_rules.c
 * -> ops_packs.c). There is no model for PlumbService, so each
 * handler checks its input; errors are AWS Config's organization errors where one fits. */
#include <string.h>

#include "api/ops_org.h"
#include "core/hash.h"
#include "core/time.h"
#include "org/org.h"
#include "store/store.h"

static bool is_account_id(const char *s)
{
    if (!s || strlen(s) != 12)
        return false;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

/* The request's 12-digit member key, or NULL after a ValidationException. */
static const char *account_arg(struct pl_op_ctx *c, const char *key)
{
    const char *v = pl_in_str(c->in, key);
    if (!is_account_id(v)) {
        pl_fail(c->err, PL_E_VALIDATION, "%s must be a 12-digit account id", key);
        return NULL;
    }
    return v;
}

/* Starts the write transaction of a change (BEGIN IMMEDIATE: concurrent changes queue, so none
 * is lost) and loads the organization in it (NoAvailableOrganizationException when none). The
 * dispatcher rolls back what a failed handler left open. */
static int begin_change(struct pl_op_ctx *c, struct pl_json **org)
{
    return pl_store_begin(c->st, c->err) < 0 ? -1 : pl_ops__org_need(c, org);
}

/* Stores org (NULL: deletes it) and commits the change's transaction. */
static int commit_change(struct pl_op_ctx *c, const struct pl_json *org)
{
    return pl_org_save(c->st, org, c->err) < 0 ? -1 : pl_store_commit(c->st, c->err);
}

/* Changes need an administrator key or, when mgmt_ok, the management account. */
static int may_change(struct pl_op_ctx *c, const struct pl_json *org, bool mgmt_ok)
{
    const char *m = pl_org_management(org);
    if (c->req->admin || (mgmt_ok && m && strcmp(m, c->account) == 0))
        return 0;
    return pl_fail(c->err, PL_E_ORGANIZATION_ACCESS_DENIED,
                   mgmt_ok ? "Only the management account of the organization or an "
                             "administrator key may change the organization."
                           : "Only an administrator key (plumb credentials add --admin) may "
                             "create the organization or add accounts to it.");
}

static struct pl_json *account_entry(struct pl_op_ctx *c, const char *org_id, const char *mgmt,
                                     const char *id, const char *method)
{
    struct pl_json *e = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, e, "Id", id);
    pl_json_set_str(
        c->a, e, "Arn",
        pl_arena_printf(c->a, "arn:aws:organizations::%s:account/%s/%s", mgmt, org_id, id));
    pl_json_set_str(c->a, e, "JoinedMethod", method);
    pl_json_set(c->a, e, "JoinedTimestamp", pl_json_new_epoch_ms(c->a, pl_now_ms()));
    return e;
}

/* A copy of list without the entries whose Id is id. */
static struct pl_json *without(struct pl_op_ctx *c, const struct pl_json *list, const char *id)
{
    struct pl_json *out = pl_json_new_arr(c->a);
    for (const struct pl_json *e = list ? list->child : NULL; e; e = e->next) {
        const char *x = pl_json_get_str(e, "Id");
        if (!x || strcmp(x, id) != 0)
            pl_json_push(out, pl_json_clone(c->a, e));
    }
    return out;
}

static void replace(struct pl_op_ctx *c, struct pl_json *o, const char *key, struct pl_json *v)
{
    pl_json_del(o, key);
    pl_json_set(c->a, o, key, v);
}

/* Saves org and lets the organization's rules and packs follow its membership. */
static int save_and_sync(struct pl_op_ctx *c, struct pl_json *org)
{
    if (commit_change(c, org) < 0) /* the rules and packs follow outside the transaction */
        return -1;
    c->out = pl_json_clone(c->a, org);
    return pl_ops__org_sync(c);
}

/* {"ManagementAccountId"} -> the organization. */
static int create_org(struct pl_op_ctx *c)
{
    const char *mgmt = account_arg(c, "ManagementAccountId");
    struct pl_json *org;
    if (!mgmt)
        return -1;
    if (!c->req->admin)
        return may_change(c, NULL, false);
    int r = pl_store_begin(c->st, c->err) < 0 ? -1 : pl_org_load(c->st, c->a, &org, c->err);
    if (r < 0)
        return -1;
    if (r)
        return pl_fail(c->err, PL_E_RESOURCE_IN_USE,
                       "An organization already exists (management account %s): plumb has "
                       "one organization per installation.",
                       pl_org_management(org));
    char hex[11];
    pl_random_hex(5, hex);
    const char *id = pl_arena_printf(c->a, "o-%s", hex);
    org = pl_json_new_obj(c->a);
    struct pl_json *o = pl_json_set(c->a, org, "Organization", pl_json_new_obj(c->a));
    pl_json_set_str(c->a, o, "Id", id);
    pl_json_set_str(c->a, o, "Arn",
                    pl_arena_printf(c->a, "arn:aws:organizations::%s:organization/%s", mgmt, id));
    pl_json_set_str(c->a, o, "FeatureSet", "ALL");
    pl_json_set_str(c->a, o, "ManagementAccountId", mgmt);
    pl_json_set_str(c->a, o, "MasterAccountId", mgmt);
    struct pl_json *acc = pl_json_set(c->a, org, "Accounts", pl_json_new_arr(c->a));
    pl_json_push(acc, account_entry(c, id, mgmt, mgmt, "CREATED"));
    pl_json_set(c->a, org, "DelegatedAdministrators", pl_json_new_arr(c->a));
    return save_and_sync(c, org);
}

static int describe_org(struct pl_op_ctx *c)
{
    struct pl_json *org;
    if (pl_ops__org_need(c, &org) < 0)
        return -1;
    if (!c->req->admin && !pl_org_is_account(org, c->account))
        return pl_fail(c->err, PL_E_NO_AVAILABLE_ORGANIZATION,
                       "Your account is not a member of an organization.");
    c->out = org;
    return 0;
}

/* {"AccountId"} -> the organization. */
static int add_account(struct pl_op_ctx *c)
{
    const char *id = account_arg(c, "AccountId");
    struct pl_json *org;
    if (!id || begin_change(c, &org) < 0 || may_change(c, org, false) < 0)
        return -1;
    if (pl_org_is_account(org, id))
        return pl_fail(c->err, PL_E_RESOURCE_IN_USE,
                       "The account %s is already in the organization.", id);
    struct pl_json *acc = pl_json_get(org, "Accounts");
    if (acc && acc->len >= PL_ORG_MAX_ACCOUNTS)
        return pl_fail(c->err, PL_E_LIMIT_EXCEEDED,
                       "An organization has at most %d accounts in plumb.", PL_ORG_MAX_ACCOUNTS);
    const char *oid = pl_json_get_str(pl_json_get(org, "Organization"), "Id");
    pl_json_push(acc, account_entry(c, oid, pl_org_management(org), id, "INVITED"));
    return save_and_sync(c, org);
}

/* {"AccountId"} -> the organization; a delegated administrator removed is deregistered. */
static int remove_account(struct pl_op_ctx *c)
{
    const char *id = account_arg(c, "AccountId");
    struct pl_json *org;
    if (!id || begin_change(c, &org) < 0 || may_change(c, org, true) < 0)
        return -1;
    if (!pl_org_is_account(org, id))
        return pl_fail(c->err, PL_E_VALIDATION, "The account %s is not in the organization.", id);
    if (strcmp(id, pl_org_management(org)) == 0)
        return pl_fail(c->err, PL_E_VALIDATION,
                       "The management account cannot be removed from its organization.");
    replace(c, org, "Accounts", without(c, pl_json_get(org, "Accounts"), id));
    replace(c, org, "DelegatedAdministrators",
            without(c, pl_json_get(org, "DelegatedAdministrators"), id));
    return save_and_sync(c, org);
}

/* The ServicePrincipal of a delegation: AWS Config's (absent: config-multiaccountsetup). */
static const char *principal_arg(struct pl_op_ctx *c)
{
    const char *p = pl_in_str(c->in, "ServicePrincipal");
    if (!p)
        return PL_ORG_SERVICE;
    if (strcmp(p, PL_ORG_SERVICE) != 0 && strcmp(p, "config.amazonaws.com") != 0) {
        pl_fail(c->err, PL_E_VALIDATION,
                "ServicePrincipal must be " PL_ORG_SERVICE " or config.amazonaws.com");
        return NULL;
    }
    return p;
}

/* {"AccountId", "ServicePrincipal"?} -> the organization. */
static int register_delegated(struct pl_op_ctx *c)
{
    const char *id = account_arg(c, "AccountId"), *sp;
    struct pl_json *org;
    if (!id || !(sp = principal_arg(c)) || begin_change(c, &org) < 0 ||
        may_change(c, org, true) < 0)
        return -1;
    if (!pl_org_is_account(org, id) || strcmp(id, pl_org_management(org)) == 0)
        return pl_fail(c->err, PL_E_VALIDATION,
                       "A delegated administrator must be a member account of the "
                       "organization other than its management account.");
    struct pl_json *list = pl_json_get(org, "DelegatedAdministrators");
    if (pl_org_is_delegated(org, id))
        return pl_fail(c->err, PL_E_RESOURCE_IN_USE,
                       "The account %s is already a delegated administrator.", id);
    if (list && list->len >= PL_ORG_MAX_DELEGATED)
        return pl_fail(c->err, PL_E_LIMIT_EXCEEDED,
                       "An organization can have up to %d delegated administrators.",
                       PL_ORG_MAX_DELEGATED);
    if (!list)
        list = pl_json_set(c->a, org, "DelegatedAdministrators", pl_json_new_arr(c->a));
    struct pl_json *e = pl_json_push(list, pl_json_new_obj(c->a));
    pl_json_set_str(c->a, e, "Id", id);
    pl_json_set_str(c->a, e, "ServicePrincipal", sp);
    pl_json_set(c->a, e, "DelegationEnabledDate", pl_json_new_epoch_ms(c->a, pl_now_ms()));
    if (commit_change(c, org) < 0)
        return -1;
    c->out = org;
    return 0;
}

static int deregister_delegated(struct pl_op_ctx *c)
{
    const char *id = account_arg(c, "AccountId");
    struct pl_json *org;
    if (!id || !principal_arg(c) || begin_change(c, &org) < 0 || may_change(c, org, true) < 0)
        return -1;
    if (!pl_org_is_delegated(org, id))
        return pl_fail(c->err, PL_E_VALIDATION, "The account %s is not a delegated administrator.",
                       id);
    replace(c, org, "DelegatedAdministrators",
            without(c, pl_json_get(org, "DelegatedAdministrators"), id));
    if (commit_change(c, org) < 0)
        return -1;
    c->out = org;
    return 0;
}

/* {} -> {}: an administrator key only, once every member has left (AWS's
 * OrganizationNotEmptyException is a ValidationException here). The organization's rules and
 * packs leave the management account and are deleted with it. */
static int delete_org(struct pl_op_ctx *c)
{
    struct pl_json *org;
    if (begin_change(c, &org) < 0 || may_change(c, org, false) < 0)
        return -1;
    const struct pl_json *acc = pl_json_get(org, "Accounts");
    if (acc && acc->len > 1)
        return pl_fail(c->err, PL_E_VALIDATION,
                       "The organization still has member accounts: remove them first "
                       "(plumb org remove-account).");
    if (commit_change(c, NULL) < 0)
        return -1;
    return pl_ops__org_sync(c);
}

const struct pl_op_entry pl_ops_org[] = {
    {"CreateOrganization", create_org},
    {"DeleteOrganization", delete_org},
    {"DescribeOrganization", describe_org},
    {"AddOrganizationAccount", add_account},
    {"RemoveOrganizationAccount", remove_account},
    {"RegisterDelegatedAdministrator", register_delegated},
    {"DeregisterDelegatedAdministrator", deregister_delegated},
    {NULL, NULL},
};
