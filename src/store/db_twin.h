/* db_twin.h — the PostgreSQL twins of db.h's functions, which db_pg.c defines (built only
 * with PL_HAVE_PG). Each pl_db_X / pl_q_X of db_sqlite.c hands an object whose kind is
 * PL_DB_PG to pl_pg_X / pl_pgq_X with the same arguments; db_pg.c's struct pl_db and struct
 * pl_q must therefore begin with their enum pl_db_kind (= PL_DB_PG), as db_sqlite.c's do.
 * pl_db_open reaches db_pg.c through pl_db__open_pg; pl_db_kind reads the common first
 * field; pl_db_spec_is_pg and pl_db_grow are db.c's. Internal to src/store. */
#ifndef PL_STORE_DB_TWIN_H
#define PL_STORE_DB_TWIN_H

#include "store/db.h"

void pl_pg_close(struct pl_db *db);
void *pl_pg_handle(struct pl_db *db);
int pl_pg_wait_notify(struct pl_db *db, int timeout_ms, char *payload, size_t cap);
const char *pl_pg_path(const struct pl_db *db);
int pl_pg_exec(struct pl_db *db, const char *sql, const char *module, struct pl_err *err);
int pl_pg_fail(struct pl_db *db, const char *module, struct pl_err *err, const char *what);
const char *pl_pg_errmsg(struct pl_db *db);
int64_t pl_pg_changes(struct pl_db *db);
int64_t pl_pg_last_id(struct pl_db *db);
bool pl_pg_in_tx(struct pl_db *db);
int pl_pg_begin_write(struct pl_db *db, const char *module, struct pl_err *err);
int pl_pg_begin_read(struct pl_db *db, const char *module, struct pl_err *err);
int pl_pg_commit(struct pl_db *db, const char *module, struct pl_err *err);
void pl_pg_rollback(struct pl_db *db);
struct pl_q *pl_pg_prepared(struct pl_db *db, struct pl_q **slot, const char *sql,
                            const char *module, struct pl_err *err);
struct pl_q *pl_pg_prepare(struct pl_db *db, const char *sql, const char *module,
                           struct pl_err *err);
void pl_pgq_finalize(struct pl_q *q);
void pl_pgq_reset(struct pl_q *q);
void pl_pgq_bind_i64(struct pl_q *q, int i, int64_t v);
void pl_pgq_bind_double(struct pl_q *q, int i, double v);
void pl_pgq_bind_null(struct pl_q *q, int i);
void pl_pgq_bind_text(struct pl_q *q, int i, const char *v);
void pl_pgq_bind_textn(struct pl_q *q, int i, const char *v, size_t n);
void pl_pgq_bind_blob(struct pl_q *q, int i, const void *v, size_t n);
int pl_pgq_step(struct pl_q *q, struct pl_err *err, const char *what);
int pl_pgq_run(struct pl_q *q, struct pl_err *err, const char *what);
int pl_pgq_columns(struct pl_q *q);
enum pl_db_type pl_pgq_type(struct pl_q *q, int i);
int64_t pl_pgq_i64(struct pl_q *q, int i);
double pl_pgq_double(struct pl_q *q, int i);
const char *pl_pgq_text(struct pl_q *q, int i);
const void *pl_pgq_blob(struct pl_q *q, int i);
size_t pl_pgq_bytes(struct pl_q *q, int i);
const char *pl_pgq_name(struct pl_q *q, int i);
const char *pl_pgq_dup(struct pl_arena *a, struct pl_q *q, int i);

#endif
