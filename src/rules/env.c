/* env.c — the read-only view of recorded state that managed rules get (struct
 * pl_managed_env): one current CI by key, or every current CI of a type, in the notification
 * (file) form, read from the run's store connection.
 *
 * get() results live in the run's scratch arena (valid until the caller resets it); each()
 * renders one CI at a time into its own arena, reset after each callback. Also the paging walk
 * over a type's current CIs that full runs use (pl_rules__run_each_current).
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "recorder/recorder.h"
#include "rules/rules_int.h"

static const struct pl_json *env_get(void *u, const char *type, const char *id)
{
    struct pl_run *run = u;
    struct pl_ci_row row;
    struct pl_err err = {0};
    int r =
        pl_store_ci_latest(run->st, run->account, run->region, type, id, &run->scratch, &row, &err);
    if (r <= 0 || pl_ci_status_deleted(row.status) ||
        strcmp(row.status, PL_CI_NOT_RECORDED) == 0) /* as pl_store_current_cis */
        return NULL;
    return pl_ci_render_file(&run->scratch, &row, &err);
}

int pl_rules__run_each_current(struct pl_run *run, const char *type,
                               int (*cb)(void *u, const struct pl_ci_row *row, struct pl_err *err),
                               void *u, struct pl_err *err)
{
    struct pl_arena pa;
    char *after = NULL;
    int rc = 0;
    size_t n = 0;
    pl_arena_init(&pa);
    do {
        struct pl_ci_row *rows;
        if (pl_store_current_cis(run->st, run->account, run->region, type, after, 500, &pa,
                                 &rows, &n, err) < 0) {
            rc = -1;
            break;
        }
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = cb(u, &rows[i], err);
        free(after);
        after = n ? pl_xstrdup(rows[n - 1].resource_id) : NULL;
        pl_arena_reset(&pa);
    } while (rc == 0 && n == 500);
    free(after);
    pl_arena_fini(&pa);
    return rc;
}

struct each_ctx {
    struct pl_run *run;
    struct pl_arena one;
    int (*cb)(void *cbu, const struct pl_json *ci);
    void *cbu;
};

static int each_one(void *u, const struct pl_ci_row *row, struct pl_err *err)
{
    struct each_ctx *e = u;
    int rc = 0;
    const struct pl_json *ci = pl_ci_render_file(&e->one, row, err);
    if (ci)
        rc = e->cb(e->cbu, ci);
    pl_arena_reset(&e->one);
    return rc;
}

static int env_each(void *u, const char *type, int (*cb)(void *cbu, const struct pl_json *ci),
                    void *cbu)
{
    struct each_ctx e = {.run = u, .cb = cb, .cbu = cbu};
    struct pl_err err = {0};
    pl_arena_init(&e.one);
    int rc = pl_rules__run_each_current(e.run, type, each_one, &e, &err);
    pl_arena_fini(&e.one);
    return rc;
}

void pl_rules__env_init(struct pl_managed_env *env, struct pl_run *run)
{
    env->u = run;
    env->get = env_get;
    env->each = env_each;
    env->now_ms = run->now;
    env->account = run->account;
    env->region = run->region;
}
