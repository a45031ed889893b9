/* db.h — the statement layer: the files of src/store/ speak SQL through it, to SQLite
 * (db_sqlite.c) or to PostgreSQL (db_pg.c, libpq). Internal to src/store: nothing else
 * includes it, and only db_sqlite.c / db_pg.c include sqlite3.h / libpq-fe.h (sqlq.c, the
 * SQLite sandbox of QuerySql, is the one other exception).
 *
 * The model is SQLite's: a connection (struct pl_db), statements prepared once and cached in
 * a slot (struct pl_q), parameters bound by 1-based index, pl_q_step() giving one row at a
 * time, columns read by 0-based index until the next step or reset.
 *
 * SQL text: one dialect where SQLite and PostgreSQL agree (INSERT ... ON CONFLICT ... DO
 * UPDATE/NOTHING, RETURNING, COALESCE, CASE, ...). Parameters are written ?1, ?2 ... (or ?);
 * the PostgreSQL backend rewrites them to $1, $2 ... outside string literals. Where the two
 * dialects differ, the caller picks the text by pl_db_kind() (PL_DB_SQL(db, lite, pg)).
 *
 * Values: integers are int64, text is UTF-8 (not necessarily NUL-free for blobs), NULL is
 * NULL. Column getters never fail: a NULL column reads as 0 / NULL / 0 bytes. Strings returned
 * by getters are valid until the next step, reset or finalize of that statement.
 *
 * Errors: every failing call fills err through pl_db_fail(): busy, locked, serialization
 * failures, lost or refused connections map to PL_E_UNAVAILABLE (retryable,
 * ServiceUnavailable on the wire); I/O errors and a full disk to PL_E_IO; anything else
 * PL_E_INTERNAL. module ("store", "evals", ...) prefixes messages and log lines.
 *
 * Backends: db_sqlite.c is always built; db_pg.c when present (CMake then defines
 * PL_HAVE_PG and links libpq), providing pl_db__open_pg; without it a postgres:// spec fails
 * with "PostgreSQL support is not built" (db.c). Both backends' struct pl_db and struct pl_q
 * begin with their enum pl_db_kind, and each function of db_sqlite.c hands a PL_DB_PG object
 * to its db_pg.c twin (pl_db_X -> pl_pg_X, pl_q_X -> pl_pgq_X: db_twin.h), one predictable
 * branch on SQLite.
 */
#ifndef PL_STORE_DB_H
#define PL_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

enum pl_db_kind { PL_DB_SQLITE, PL_DB_PG };

struct pl_db;
struct pl_q;

/* pl_q_step results */
enum { PL_Q_ERROR = -1, PL_Q_DONE = 0, PL_Q_ROW = 1 };

/* Value types of pl_q_type */
enum pl_db_type { PL_DBT_NULL, PL_DBT_INT, PL_DBT_FLOAT, PL_DBT_TEXT, PL_DBT_BLOB };

/* True for a spec naming a PostgreSQL database ("postgres://..." or "postgresql://..."). */
bool pl_db_spec_is_pg(const char *spec);

enum {
    PL_DB_READONLY = 1, /* open without creating (SQLite: read-only connection) */
};

/* Opens a connection on spec: a SQLite data directory or file (db_sqlite.c: DIR/plumb.db,
 * WAL, busy handler, pragmas), or a PostgreSQL URL. cache_kib sizes SQLite's page cache (ignored by
 * PG). On failure *out is NULL and err says why. */
int pl_db_open(const char *spec, int flags, int cache_kib, const char *module, struct pl_db **out,
               struct pl_err *err);
void pl_db_close(struct pl_db *db); /* finalizes nothing: finalize the slots first */
enum pl_db_kind pl_db_kind(const struct pl_db *db);
#define PL_DB_SQL(db, lite, pg) (pl_db_kind(db) == PL_DB_PG ? (pg) : (lite))
/* A statement table's entry for db: each file keeps its statements in a table of shared text
 * (lite) and a sparse table of PostgreSQL texts (pg, NULL where the shared one serves). */
#define PL_DB_PICK(db, lite, pg) (pl_db_kind(db) == PL_DB_PG && (pg) ? (pg) : (lite))

/* PostgreSQL's LISTEN/NOTIFY (sent with pl_db_exec): waits up to timeout_ms for a
 * notification on a connection that LISTENs. 1 (its payload copied into payload), 0 none came,
 * -1 the connection is lost (open another) or db is SQLite's. */
int pl_db_wait_notify(struct pl_db *db, int timeout_ms, char *payload, size_t cap);

/* The backend's own handle (sqlite3 * or PGconn *), for the few places that need it. */
void *pl_db_handle(struct pl_db *db);
/* SQLite: the database file opened (DIR/plumb.db or the file given); PostgreSQL: the URL.
 * Keys the process-wide writer lock and names the database in log lines. */
const char *pl_db_path(const struct pl_db *db);
/* The PostgreSQL half of pl_db_open (db_pg.c; db.c's stub when not built). */
int pl_db__open_pg(const char *spec, int flags, const char *module, struct pl_db **out,
                   struct pl_err *err);

/* Runs one or more ;-separated statements with no parameters and no rows wanted. */
int pl_db_exec(struct pl_db *db, const char *sql, const char *module, struct pl_err *err);

/* Maps the connection's last error to a plumb error (see above), logs it, fills err; -1. */
int pl_db_fail(struct pl_db *db, const char *module, struct pl_err *err, const char *what);

/* The message of the connection's last error ("" when none). */
const char *pl_db_errmsg(struct pl_db *db);

/* Rows changed by the last INSERT/UPDATE/DELETE stepped on db. */
int64_t pl_db_changes(struct pl_db *db);

/* The id of the row last inserted on db (SQLite: last_insert_rowid; PostgreSQL: lastval()),
 * for an INSERT without RETURNING (RETURNING costs SQLite a materialised row). */
int64_t pl_db_last_id(struct pl_db *db);

/* True while a transaction is open on the connection (SQLite: !autocommit). */
bool pl_db_in_tx(struct pl_db *db);

/* Transactions. begin_write: SQLite BEGIN IMMEDIATE; PostgreSQL BEGIN and a transaction-level
 * advisory lock that serializes plumb's writers cluster-wide (docs/DECISIONS.md). */
int pl_db_begin_write(struct pl_db *db, const char *module, struct pl_err *err);
int pl_db_begin_read(struct pl_db *db, const char *module, struct pl_err *err);
int pl_db_commit(struct pl_db *db, const char *module, struct pl_err *err);
void pl_db_rollback(struct pl_db *db);

/* ---- statements ---- */

/* The statement cached in *slot (prepared from sql on first use), reset with its bindings
 * cleared; NULL with err on failure. Slots are finalized with pl_q_finalize. */
struct pl_q *pl_db_prepared(struct pl_db *db, struct pl_q **slot, const char *sql,
                            const char *module, struct pl_err *err);
/* A one-off statement; finalize it when done. module NULL: a failure is neither logged nor
 * put in err but left on the connection (pl_db_errmsg, then pl_db_fail or the caller's own
 * error), for SQL whose failure may be the caller's fault. */
struct pl_q *pl_db_prepare(struct pl_db *db, const char *sql, const char *module,
                           struct pl_err *err);
void pl_q_finalize(struct pl_q *q); /* NULL is fine */
void pl_q_reset(struct pl_q *q);    /* rows dropped, bindings kept */

void pl_q_bind_i64(struct pl_q *q, int i, int64_t v);
void pl_q_bind_double(struct pl_q *q, int i, double v);
void pl_q_bind_null(struct pl_q *q, int i);
void pl_q_bind_text(struct pl_q *q, int i, const char *v); /* NULL binds NULL; not copied */
void pl_q_bind_textn(struct pl_q *q, int i, const char *v, size_t n); /* not copied */
void pl_q_bind_blob(struct pl_q *q, int i, const void *v, size_t n);  /* not copied */
/* A LIMIT's value: n when n > 0, else no limit (SQLite -1, PostgreSQL NULL) */
void pl_q_bind_limit(struct pl_q *q, int i, int64_t n);

/* PL_Q_ROW, PL_Q_DONE, or PL_Q_ERROR with err filled (what names the operation). With what
 * NULL an error is neither logged nor put in err: it stays on the connection, and the caller
 * reports it with pl_db_fail (after pl_q_reset if it likes: a reset keeps the error). */
int pl_q_step(struct pl_q *q, struct pl_err *err, const char *what);
/* Steps a statement whose rows are not needed, then resets it. 0 or -1. */
int pl_q_run(struct pl_q *q, struct pl_err *err, const char *what);

int pl_q_columns(struct pl_q *q);
enum pl_db_type pl_q_type(struct pl_q *q, int i);
int64_t pl_q_i64(struct pl_q *q, int i);
double pl_q_double(struct pl_q *q, int i);
const char *pl_q_text(struct pl_q *q, int i); /* NUL-terminated; NULL for SQL NULL */
const void *pl_q_blob(struct pl_q *q, int i);
size_t pl_q_bytes(struct pl_q *q, int i);
const char *pl_q_name(struct pl_q *q, int i); /* column name */
/* Column i copied into arena a (NUL-terminated), NULL for SQL NULL. */
const char *pl_q_dup(struct pl_arena *a, struct pl_q *q, int i);

/* Makes room for one more element in an arena array of n elements of size sz (capacity *cap,
 * doubled as needed). Returns the (possibly moved) array. */
void *pl_db_grow(struct pl_arena *a, void *arr, size_t n, size_t *cap, size_t sz);

#endif
