/* actions.c — the actions a remediation's TargetId names: Lambda-style functions of their own
 * kind (struct pl_fn, checked by pl_fn_validate, run by the same runner), stored as
 * "RemediationAction" objects (pl_fn_to_json plus "dryRun"), so a function and an action of
 * one name never collide and a rule can never call an action. */
#include "remediation/remediation.h"

#include "core/hash.h"
#include "core/time.h"
#include "store/store.h"

#include <string.h>

const char *pl_rem_action_log_name(struct pl_arena *a, const char *name)
{
    return pl_arena_printf(a, "%s%s", PL_REM_SESSION_PREFIX, name);
}

static int from_obj(struct pl_arena *a, const struct pl_obj *o, struct pl_rem_action *out,
                    struct pl_err *err)
{
    memset(out, 0, sizeof *out);
    if (pl_fn_from_json(a, o->json, o->len, &out->fn, err) < 0)
        return -1;
    out->fn.account = o->account;
    out->fn.region = o->region;
    if (!out->fn.name)
        out->fn.name = o->name;
    struct pl_json *j = pl_json_parse(a, o->json, o->len, err);
    if (!j)
        return -1;
    out->dry_run = pl_json_truthy(pl_json_get(j, "dryRun"));
    return 0;
}

int pl_rem_action_put(struct pl_store *st, const struct pl_rem_action *act, struct pl_err *err)
{
    const struct pl_fn *fn = &act->fn;
    if (!fn->name || strlen(fn->name) > PL_REM_ACTION_NAME_MAX)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "action name '%.80s' must be 1-%d characters of A-Z a-z 0-9 - _",
                       fn->name ? fn->name : "", PL_REM_ACTION_NAME_MAX);
    if (pl_fn_validate(fn, err) < 0)
        return -1;
    struct pl_arena a;
    struct pl_obj old;
    int rc = -1;
    pl_arena_init(&a);
    struct pl_fn keep = *fn;
    int found =
        pl_store_obj_get(st, fn->account, fn->region, PL_REM_KIND_ACTION, fn->name, &a, &old, err);
    if (found < 0)
        goto out;
    struct pl_rem_action prev;
    if (found && from_obj(&a, &old, &prev, NULL) == 0 && prev.fn.created_ms)
        keep.created_ms = prev.fn.created_ms;
    else if (!keep.created_ms)
        keep.created_ms = pl_now_ms();
    char rev[17];
    pl_random_hex(8, rev);
    keep.revision = rev;
    const char *text = pl_fn_to_json(&a, &keep);
    struct pl_json *j = pl_json_parse(&a, text, strlen(text), err);
    if (!j)
        goto out;
    pl_json_set_bool(&a, j, "dryRun", act->dry_run);
    text = pl_json_dump(&a, j, PL_JSON_COMPACT);
    rc = pl_store_obj_put(st, fn->account, fn->region, PL_REM_KIND_ACTION, fn->name, text,
                          strlen(text), err);
out:
    pl_arena_fini(&a);
    return rc;
}

int pl_rem_action_get(struct pl_store *st, const char *account, const char *region,
                      const char *name, struct pl_arena *a, struct pl_rem_action *out,
                      struct pl_err *err)
{
    struct pl_obj o;
    int found = pl_store_obj_get(st, account, region, PL_REM_KIND_ACTION, name, a, &o, err);
    if (found <= 0)
        return found;
    return from_obj(a, &o, out, err) < 0 ? -1 : 1;
}

int pl_rem_action_delete(struct pl_store *st, const char *account, const char *region,
                         const char *name, struct pl_err *err)
{
    return pl_store_obj_delete(st, account, region, PL_REM_KIND_ACTION, name, err);
}

int pl_rem_action_list(struct pl_store *st, const char *account, const char *region,
                       struct pl_arena *a, struct pl_rem_action **items, size_t *n,
                       struct pl_err *err)
{
    struct pl_obj *objs;
    size_t no;
    if (pl_store_obj_list(st, account, region, PL_REM_KIND_ACTION, NULL, 0, a, &objs, &no, err) < 0)
        return -1;
    *items = pl_arena_alloc(a, (no + 1) * sizeof **items);
    *n = 0;
    for (size_t i = 0; i < no; i++)
        if (from_obj(a, &objs[i], &(*items)[*n], err) == 0)
            (*n)++;
    return 0;
}

struct pl_json *pl_rem_action_render(struct pl_arena *a, const struct pl_rem_action *act)
{
    const struct pl_fn *fn = &act->fn;
    struct pl_json *o = pl_json_new_obj(a);
    pl_json_set_str(a, o, "ActionName", fn->name);
    pl_fn_render_code(a, o, fn);
    pl_json_set_bool(a, o, "DryRun", act->dry_run);
    pl_json_set(a, o, "Created", pl_json_new_epoch_ms(a, fn->created_ms));
    return o;
}
