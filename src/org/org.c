/* org.c — org.h: the organization object, loaded and stored through the store's objects. */
#include <stdlib.h>
#include <string.h>

#include "org/org.h"
#include "store/store.h"

int pl_org_load(struct pl_store *st, struct pl_arena *a, struct pl_json **org, struct pl_err *err)
{
    struct pl_obj o;
    *org = NULL;
    int r = pl_store_obj_get(st, PL_ORG_ACCOUNT, PL_ORG_REGION, PL_KIND_ORGANIZATION, PL_ORG_NAME,
                             a, &o, err);
    if (r <= 0)
        return r;
    *org = pl_json_parse(a, o.json, o.len, err);
    return *org ? 1 : pl_fail(err, PL_E_INTERNAL, "stored organization is corrupt");
}

int pl_org_save(struct pl_store *st, const struct pl_json *org, struct pl_err *err)
{
    if (!org)
        return pl_store_obj_delete(st, PL_ORG_ACCOUNT, PL_ORG_REGION, PL_KIND_ORGANIZATION,
                                   PL_ORG_NAME, err) < 0
                   ? -1
                   : 0;
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    pl_json_write(&b, org, PL_JSON_COMPACT);
    int r = pl_store_obj_put(st, PL_ORG_ACCOUNT, PL_ORG_REGION, PL_KIND_ORGANIZATION, PL_ORG_NAME,
                             pl_buf_cstr(&b), b.len, err);
    pl_buf_fini(&b);
    return r;
}

const char *pl_org_management(const struct pl_json *org)
{
    return pl_json_get_str(pl_json_get(org, "Organization"), "ManagementAccountId");
}

/* Does list (an array of objects with "Id") hold account? */
static bool listed(const struct pl_json *list, const char *account)
{
    for (const struct pl_json *e = list ? list->child : NULL; e && account; e = e->next) {
        const char *id = pl_json_get_str(e, "Id");
        if (id && strcmp(id, account) == 0)
            return true;
    }
    return false;
}

bool pl_org_is_account(const struct pl_json *org, const char *account)
{
    return org && listed(pl_json_get(org, "Accounts"), account);
}

bool pl_org_is_delegated(const struct pl_json *org, const char *account)
{
    return org && listed(pl_json_get(org, "DelegatedAdministrators"), account) &&
           pl_org_is_account(org, account);
}

bool pl_org_manages(const struct pl_json *org, const char *account)
{
    const char *m = pl_org_management(org);
    return account && ((m && strcmp(m, account) == 0) || pl_org_is_delegated(org, account));
}

static int by_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

const char **pl_org_accounts(const struct pl_json *org, struct pl_arena *a, size_t *n)
{
    const struct pl_json *list = pl_json_get(org, "Accounts");
    size_t cap = list && list->type == PL_JARR ? list->len : 0;
    const char **ids = pl_arena_alloc(a, (cap + 1) * sizeof *ids);
    *n = 0;
    for (const struct pl_json *e = cap ? list->child : NULL; e; e = e->next) {
        const char *id = pl_json_get_str(e, "Id");
        if (id)
            ids[(*n)++] = id;
    }
    qsort(ids, *n, sizeof *ids, by_str);
    return ids;
}
