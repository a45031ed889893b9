/* db_pgonly.c — db.h on PostgreSQL alone, for a tree without db_sqlite.c (the branch that
 * brought db_pg.c before the store moved onto db.h): each pl_db_X is its twin pl_pg_X
 * (db_twin.h) and a SQLite spec fails. CMake leaves this file out once db_sqlite.c exists,
 * whose functions then hand PostgreSQL objects to the same twins. */
#include "store/db.h"
#include "store/db_twin.h"

int pl_db_open(const char *spec, int flags, int cache_kib, const char *module, struct pl_db **out,
               struct pl_err *err)
{
    (void)cache_kib;
    *out = NULL;
    if (pl_db_spec_is_pg(spec))
        return pl_db__open_pg(spec, flags, module, out, err);
    return pl_fail(err, PL_E_INTERNAL, "%s: this build has no SQLite statement layer", module);
}

enum pl_db_kind pl_db_kind(const struct pl_db *db)
{
    (void)db;
    return PL_DB_PG;
}

/* clang-format off */
void pl_db_close(struct pl_db *db) { if (db) pl_pg_close(db); }
void *pl_db_handle(struct pl_db *db) { return pl_pg_handle(db); }
const char *pl_db_path(const struct pl_db *db) { return pl_pg_path(db); }
int pl_db_exec(struct pl_db *db, const char *sql, const char *module, struct pl_err *err) { return pl_pg_exec(db, sql, module, err); }
int pl_db_fail(struct pl_db *db, const char *module, struct pl_err *err, const char *what) { return pl_pg_fail(db, module, err, what); }
const char *pl_db_errmsg(struct pl_db *db) { return pl_pg_errmsg(db); }
int64_t pl_db_changes(struct pl_db *db) { return pl_pg_changes(db); }
int64_t pl_db_last_id(struct pl_db *db) { return pl_pg_last_id(db); }
bool pl_db_in_tx(struct pl_db *db) { return pl_pg_in_tx(db); }
int pl_db_begin_write(struct pl_db *db, const char *module, struct pl_err *err) { return pl_pg_begin_write(db, module, err); }
int pl_db_begin_read(struct pl_db *db, const char *module, struct pl_err *err) { return pl_pg_begin_read(db, module, err); }
int pl_db_commit(struct pl_db *db, const char *module, struct pl_err *err) { return pl_pg_commit(db, module, err); }
void pl_db_rollback(struct pl_db *db) { pl_pg_rollback(db); }
struct pl_q *pl_db_prepared(struct pl_db *db, struct pl_q **slot, const char *sql, const char *module, struct pl_err *err) { return pl_pg_prepared(db, slot, sql, module, err); }
struct pl_q *pl_db_prepare(struct pl_db *db, const char *sql, const char *module, struct pl_err *err) { return pl_pg_prepare(db, sql, module, err); }
void pl_q_finalize(struct pl_q *q) { if (q) pl_pgq_finalize(q); }
void pl_q_reset(struct pl_q *q) { pl_pgq_reset(q); }
void pl_q_bind_i64(struct pl_q *q, int i, int64_t v) { pl_pgq_bind_i64(q, i, v); }
void pl_q_bind_double(struct pl_q *q, int i, double v) { pl_pgq_bind_double(q, i, v); }
void pl_q_bind_null(struct pl_q *q, int i) { pl_pgq_bind_null(q, i); }
void pl_q_bind_text(struct pl_q *q, int i, const char *v) { pl_pgq_bind_text(q, i, v); }
void pl_q_bind_textn(struct pl_q *q, int i, const char *v, size_t n) { pl_pgq_bind_textn(q, i, v, n); }
void pl_q_bind_blob(struct pl_q *q, int i, const void *v, size_t n) { pl_pgq_bind_blob(q, i, v, n); }
int pl_q_step(struct pl_q *q, struct pl_err *err, const char *what) { return pl_pgq_step(q, err, what); }
int pl_q_run(struct pl_q *q, struct pl_err *err, const char *what) { return pl_pgq_run(q, err, what); }
int pl_q_columns(struct pl_q *q) { return pl_pgq_columns(q); }
enum pl_db_type pl_q_type(struct pl_q *q, int i) { return pl_pgq_type(q, i); }
int64_t pl_q_i64(struct pl_q *q, int i) { return pl_pgq_i64(q, i); }
double pl_q_double(struct pl_q *q, int i) { return pl_pgq_double(q, i); }
const char *pl_q_text(struct pl_q *q, int i) { return pl_pgq_text(q, i); }
const void *pl_q_blob(struct pl_q *q, int i) { return pl_pgq_blob(q, i); }
size_t pl_q_bytes(struct pl_q *q, int i) { return pl_pgq_bytes(q, i); }
const char *pl_q_name(struct pl_q *q, int i) { return pl_pgq_name(q, i); }
const char *pl_q_dup(struct pl_arena *a, struct pl_q *q, int i) { return pl_pgq_dup(a, q, i); }
/* clang-format on */
