/* db.c — the parts of the statement layer (db.h) that do not depend on the backend: spec
 * recognition, arena arrays, the notification wait's dispatch, and the stand-in for db_pg.c when
 * plumb is built without PostgreSQL (PL_HAVE_PG unset: CMake found no src/store/db_pg.c). */
#include "store/db.h"
#include "core/util.h"

#include <string.h>

bool pl_db_spec_is_pg(const char *spec)
{
    return spec && (pl_starts_with(spec, "postgres://") || pl_starts_with(spec, "postgresql://"));
}

void *pl_db_grow(struct pl_arena *a, void *arr, size_t n, size_t *cap, size_t sz)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *na = pl_arena_alloc(a, ncap * sz);
    if (n)
        memcpy(na, arr, n * sz);
    *cap = ncap;
    return na;
}

#ifdef PL_HAVE_PG
#include "store/db_twin.h"
#endif

int pl_db_wait_notify(struct pl_db *db, int timeout_ms, char *payload, size_t cap)
{
#ifdef PL_HAVE_PG
    if (pl_db_kind(db) == PL_DB_PG)
        return pl_pg_wait_notify(db, timeout_ms, payload, cap);
#endif
    (void)db, (void)timeout_ms, (void)payload, (void)cap;
    return -1;
}

void pl_q_bind_limit(struct pl_q *q, int i, int64_t n)
{
    if (n > 0)
        pl_q_bind_i64(q, i, n);
    else if (*(const enum pl_db_kind *)q == PL_DB_PG) /* every pl_q begins with its kind */
        pl_q_bind_null(q, i);
    else
        pl_q_bind_i64(q, i, -1);
}

#ifndef PL_HAVE_PG
int pl_db__open_pg(const char *spec, int flags, const char *module, struct pl_db **out,
                   struct pl_err *err)
{
    (void)spec;
    (void)flags;
    *out = NULL;
    return pl_fail(err, PL_E_VALIDATION, "%s: PostgreSQL support is not built", module);
}
#endif
