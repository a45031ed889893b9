/* env.c — the read-only view of recorded state that managed rules get (struct
 * pl_managed_env): one current CI by key, or every current CI of a type, in the notification
 * (file) form, read from the run's store connection.
 *
 * get() results live in the run's scratch arena (valid until the caller resets it). each()
 * keeps the rendered CIs of a type for the rest of the run the first time it walks it (a rule
 * that judges each load balancer by its listeners walks the listeners once per balancer: one
 * SQL walk and one render per listener per run instead of per balancer), within EACH_MAX_CIS
 * CIs and EACH_MAX_BYTES bytes per type; a larger type is walked from the store each time, one
 * CI at a time in an arena reset after each callback. A run reads the store as it is when the
 * run starts its walk, before and after caching alike. Also the paging walk over a type's
 * current CIs that full runs use (pl_rules__run_each_current).
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

/* ---- the run's cache of walked types ---- */

#define EACH_TYPES     16
#define EACH_MAX_CIS   20000
#define EACH_MAX_BYTES (64u << 20)

struct each_type {
    char *type;
    bool whole; /* cis[] is every current CI of the type; false: too large, walk the store */
    struct pl_arena a;
    const struct pl_json **cis;
    size_t n, cap;
};

struct pl_rules__each_cache {
    struct each_type t[EACH_TYPES];
    size_t nt;
};

static int keep_one(void *u, const struct pl_ci_row *row, struct pl_err *err)
{
    struct each_type *t = u;
    if (t->n == EACH_MAX_CIS || t->a.total > EACH_MAX_BYTES)
        return 1; /* too large to keep */
    const struct pl_json *ci = pl_ci_render_file(&t->a, row, err);
    if (!ci)
        return -1;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->cis = pl_xrealloc(t->cis, t->cap * sizeof *t->cis);
    }
    t->cis[t->n++] = ci;
    return 0;
}

/* The cache entry of type, walking the store to fill it on first use; NULL when the cache is
 * full (then the caller walks the store). */
static struct each_type *cached(struct pl_run *run, const char *type, struct pl_err *err)
{
    if (!run->each_cache)
        run->each_cache = pl_xcalloc(1, sizeof *run->each_cache);
    struct pl_rules__each_cache *c = run->each_cache;
    for (size_t i = 0; i < c->nt; i++)
        if (strcmp(c->t[i].type, type) == 0)
            return &c->t[i];
    if (c->nt == EACH_TYPES)
        return NULL;
    struct each_type *t = &c->t[c->nt++];
    t->type = pl_xstrdup(type);
    pl_arena_init(&t->a);
    int rc = pl_rules__run_each_current(run, type, keep_one, t, err);
    t->whole = rc == 0;
    if (!t->whole) { /* too large (or a store error, which the walk will meet again) */
        pl_arena_fini(&t->a);
        pl_arena_init(&t->a);
        t->n = 0;
    }
    return t;
}

void pl_rules__env_fini(struct pl_run *run)
{
    struct pl_rules__each_cache *c = run->each_cache;
    for (size_t i = 0; c && i < c->nt; i++) {
        free(c->t[i].type);
        free(c->t[i].cis);
        pl_arena_fini(&c->t[i].a);
    }
    free(c);
    run->each_cache = NULL;
}

static int env_each(void *u, const char *type, int (*cb)(void *cbu, const struct pl_json *ci),
                    void *cbu)
{
    struct each_ctx e = {.run = u, .cb = cb, .cbu = cbu};
    struct pl_err err = {0};
    struct each_type *t = cached(e.run, type, &err);
    if (t && t->whole) {
        for (size_t i = 0; i < t->n; i++) {
            int rc = cb(cbu, t->cis[i]);
            if (rc)
                return rc;
        }
        return 0;
    }
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
