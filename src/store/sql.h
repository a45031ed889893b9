/* sql.h — SQLite helpers shared by the store's connections (sqlite.c: the store; evals.c: the
 * rules engine's evaluation results). Internal to src/store: nothing else includes SQLite.
 * module ("store", "evals") prefixes error messages and log lines. */
#ifndef PL_STORE_SQL_H
#define PL_STORE_SQL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"

/* Maps the connection's last error to a plumb error (busy/locked: ServiceUnavailable, I/O or
 * full disk: IO, else InternalFailure), logs it and fills err. Returns -1. */
int pl_sql_fail(sqlite3 *db, const char *module, struct pl_err *err, const char *what);

/* The statement cached in *slot (prepared from sql on first use), reset with its bindings
 * cleared; NULL with err on failure. */
sqlite3_stmt *pl_sql_prepared(sqlite3 *db, sqlite3_stmt **slot, const char *sql, const char *module,
                              struct pl_err *err);

/* Runs a statement whose rows are not needed and resets it. */
int pl_sql_step_done(sqlite3 *db, sqlite3_stmt *q, const char *module, struct pl_err *err,
                     const char *what);

void pl_sql_bind_text(sqlite3_stmt *q, int i, const char *v); /* NULL binds NULL */
/* Column i as an arena string, NULL for SQL NULL. */
const char *pl_sql_col_dup(struct pl_arena *a, sqlite3_stmt *q, int i);

/* Makes room for one more element in an arena array of n elements of size sz (capacity *cap,
 * doubled as needed). Returns the (possibly moved) array. */
void *pl_sql_grow(struct pl_arena *a, void *arr, size_t n, size_t *cap, size_t sz);

/* Opens the database of a store spec: a data directory (created unless readonly; the file is
 * DIR/plumb.db) or a database file given directly. Writes the file's path into path (cap
 * bytes), sets the polling busy handler, WAL (unless readonly), synchronous=NORMAL and a page
 * cache of cache_kib. On failure *db is NULL and err says why (module prefixes the message). */
int pl_sql_open(const char *spec, bool readonly, int cache_kib, const char *module, sqlite3 **db,
                char *path, size_t cap, struct pl_err *err);

/* Busy handler for sqlite3_busy_handler: polls every 20-100 us (SQLite's own sleeps whole
 * milliseconds) and gives up after about 10 s. */
int pl_sql_busy(void *unused, int n);

/* Background WAL checkpoints for the writer connection of the database at path
 * (checkpoint.c); NULL with err when the thread cannot start. Stop before closing writer. */
struct pl_ckpt;
struct pl_ckpt *pl_ckpt_start(sqlite3 *writer, const char *path, struct pl_err *err);
void pl_ckpt_stop(struct pl_ckpt *c, sqlite3 *writer);

#endif
