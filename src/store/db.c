/* db.c — db.h's entry points: the backend chosen by the spec at open, every other call sent
 * through the connection's or statement's operation table (db_int.h), and the few helpers both
 * backends share. */
#include <string.h>

#include "core/arena.h"
#include "store/db_int.h"

bool pl_db_spec_is_pg(const char *spec)
{
    return spec &&
           (strncmp(spec, "postgres://", 11) == 0 || strncmp(spec, "postgresql://", 13) == 0);
}

int pl_db_open(const char *spec, int flags, int cache_kib, const char *module, struct pl_db **out,
               struct pl_err *err)
{
    *out = NULL;
    if (pl_db_spec_is_pg(spec)) {
#ifdef PL_HAVE_PG
        return pl_db_pg_open(spec, module, out, err);
#else
        return pl_fail(err, PL_E_INTERNAL, "%s: this plumb was built without PostgreSQL (libpq)",
                       module);
#endif
    }
#ifdef PL_HAVE_DB_SQLITE
    return pl_db_sqlite_open(spec, flags, cache_kib, module, out, err);
#else
    return pl_fail(err, PL_E_INTERNAL, "%s: no SQLite backend for the statement layer", module);
#endif
}

void pl_db_close(struct pl_db *db)
{
    if (db)
        db->ops->close(db);
}

enum pl_db_kind pl_db_kind(const struct pl_db *db)
{
    return db->ops->kind;
}
void *pl_db_handle(struct pl_db *db)
{
    return db->ops->handle(db);
}

int pl_db_exec(struct pl_db *db, const char *sql, const char *module, struct pl_err *err)
{
    return db->ops->exec(db, sql, module, err);
}

int pl_db_fail(struct pl_db *db, const char *module, struct pl_err *err, const char *what)
{
    return db->ops->fail(db, module, err, what);
}

int64_t pl_db_changes(struct pl_db *db)
{
    return db->ops->changes(db);
}
bool pl_db_in_tx(struct pl_db *db)
{
    return db->ops->in_tx(db);
}

int pl_db_begin_write(struct pl_db *db, const char *module, struct pl_err *err)
{
    return db->ops->begin_write(db, module, err);
}

int pl_db_begin_read(struct pl_db *db, const char *module, struct pl_err *err)
{
    return db->ops->begin_read(db, module, err);
}

int pl_db_commit(struct pl_db *db, const char *module, struct pl_err *err)
{
    return db->ops->commit(db, module, err);
}

void pl_db_rollback(struct pl_db *db)
{
    db->ops->rollback(db);
}

struct pl_q *pl_db_prepared(struct pl_db *db, struct pl_q **slot, const char *sql,
                            const char *module, struct pl_err *err)
{
    if (!*slot)
        return *slot = db->ops->prepare(db, sql, true, module, err);
    (*slot)->ops->reset(*slot);
    (*slot)->ops->clear_bindings(*slot);
    return *slot;
}

struct pl_q *pl_db_prepare(struct pl_db *db, const char *sql, const char *module,
                           struct pl_err *err)
{
    return db->ops->prepare(db, sql, false, module, err);
}

void pl_q_finalize(struct pl_q *q)
{
    if (q)
        q->ops->finalize(q);
}

void pl_q_reset(struct pl_q *q)
{
    q->ops->reset(q);
}
void pl_q_bind_i64(struct pl_q *q, int i, int64_t v)
{
    q->ops->bind_i64(q, i, v);
}
void pl_q_bind_double(struct pl_q *q, int i, double v)
{
    q->ops->bind_double(q, i, v);
}
void pl_q_bind_null(struct pl_q *q, int i)
{
    q->ops->bind_null(q, i);
}

void pl_q_bind_text(struct pl_q *q, int i, const char *v)
{
    if (v)
        q->ops->bind_text(q, i, v);
    else
        q->ops->bind_null(q, i);
}

void pl_q_bind_textn(struct pl_q *q, int i, const char *v, size_t n)
{
    if (v)
        q->ops->bind_textn(q, i, v, n);
    else
        q->ops->bind_null(q, i);
}

void pl_q_bind_blob(struct pl_q *q, int i, const void *v, size_t n)
{
    q->ops->bind_blob(q, i, v, n);
}

int pl_q_step(struct pl_q *q, struct pl_err *err, const char *what)
{
    return q->ops->step(q, err, what);
}

int pl_q_run(struct pl_q *q, struct pl_err *err, const char *what)
{
    int rc;
    while ((rc = q->ops->step(q, err, what)) == PL_Q_ROW)
        ;
    q->ops->reset(q);
    return rc == PL_Q_DONE ? 0 : -1;
}

int pl_q_columns(struct pl_q *q)
{
    return q->ops->columns(q);
}
enum pl_db_type pl_q_type(struct pl_q *q, int i)
{
    return q->ops->type(q, i);
}
int64_t pl_q_i64(struct pl_q *q, int i)
{
    return q->ops->i64(q, i);
}
double pl_q_double(struct pl_q *q, int i)
{
    return q->ops->dbl(q, i);
}
const char *pl_q_text(struct pl_q *q, int i)
{
    return q->ops->text(q, i);
}
const void *pl_q_blob(struct pl_q *q, int i)
{
    return q->ops->blob(q, i);
}
size_t pl_q_bytes(struct pl_q *q, int i)
{
    return q->ops->bytes(q, i);
}
const char *pl_q_name(struct pl_q *q, int i)
{
    return q->ops->name(q, i);
}

const char *pl_q_dup(struct pl_arena *a, struct pl_q *q, int i)
{
    if (q->ops->type(q, i) == PL_DBT_NULL)
        return NULL;
    const char *v = q->ops->blob(q, i);
    return pl_arena_strndup(a, v ? v : "", q->ops->bytes(q, i));
}
