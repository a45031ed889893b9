/* db_sqlite.c — the statement layer (db.h) over SQLite: thin wrappers around sqlite3_*.
 * struct pl_db holds the connection, struct pl_q one prepared statement; opening a
 * connection sets the polling busy handler, WAL and the pragmas every store connection
 * uses. A postgres:// spec goes to pl_db__open_pg (db_pg.c, or db.c's "not built" stub).
 * Both structures start with their kind so that, once db_pg.c is linked in, each function
 * here can hand a PL_DB_PG object to its PostgreSQL twin (see db.h, "Backends"). */
#include "store/db.h"
#include "core/log.h"
#include "core/util.h"
#include "store/sql.h"

#ifdef PL_HAVE_PG
/* An object of db_pg.c (its struct starts with kind too) goes to its PostgreSQL twin. */
#include "store/db_twin.h"
#define TWIN(obj, call)                                                                            \
    do {                                                                                           \
        if ((obj)->kind == PL_DB_PG)                                                               \
            return call;                                                                           \
    } while (0)
#define TWIN_V(obj, call)                                                                          \
    do {                                                                                           \
        if ((obj)->kind == PL_DB_PG) {                                                             \
            call;                                                                                  \
            return;                                                                                \
        }                                                                                          \
    } while (0)
#else
#define TWIN(obj, call)   ((void)0)
#define TWIN_V(obj, call) ((void)0)
#endif

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { TX_BEGIN_WRITE, TX_BEGIN_READ, TX_COMMIT, TX_ROLLBACK, TX__COUNT };

static const char *const tx_sql[TX__COUNT] = {
    [TX_BEGIN_WRITE] = "BEGIN IMMEDIATE",
    [TX_BEGIN_READ] = "BEGIN",
    [TX_COMMIT] = "COMMIT",
    [TX_ROLLBACK] = "ROLLBACK",
};

struct pl_db {
    enum pl_db_kind kind; /* PL_DB_SQLITE; first, like db_pg.c's */
    const char *module;   /* of pl_db_open, for errors of pl_db_rollback */
    sqlite3 *h;
    struct pl_q *tx[TX__COUNT]; /* the transaction statements, prepared on first use */
    char path[4096];
};

struct pl_q {
    enum pl_db_kind kind; /* PL_DB_SQLITE; first, like db_pg.c's */
    sqlite3_stmt *st;
    struct pl_db *db;
    const char *module; /* prefixes the errors of pl_q_step / pl_q_run */
};

/* Before SQLite's first use: no memory statistics (they take a global mutex per malloc). */
static void sql_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* The database file of spec: spec itself when it is a file, else DIR/plumb.db (DIR created
 * unless readonly). */
static int file_of(const char *spec, bool readonly, const char *module, char *path, size_t cap,
                   struct pl_err *err)
{
    struct stat sb;
    if (!spec || !*spec)
        return pl_fail(err, PL_E_VALIDATION, "%s: empty data directory", module);
    if (stat(spec, &sb) == 0 && S_ISREG(sb.st_mode)) {
        pl_strlcpy(path, spec, cap); /* a database file given directly */
        return 0;
    }
    if (!readonly && mkdir(spec, 0700) < 0 && errno != EEXIST)
        return pl_fail(err, PL_E_IO, "%s: cannot create %s: %s", module, spec, strerror(errno));
    snprintf(path, cap, "%s/plumb.db", spec);
    return 0;
}

static int sqlite_open(const char *spec, bool readonly, int cache_kib, const char *module,
                       struct pl_db *db, struct pl_err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sql_configure);
    if (file_of(spec, readonly, module, db->path, sizeof db->path, err) < 0)
        return -1;
    int flags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(db->path, &db->h, flags, NULL) != SQLITE_OK)
        return pl_fail(err, PL_E_IO, "%s: cannot open %s: %s", module, db->path,
                       db->h ? sqlite3_errmsg(db->h) : "out of memory");
    sqlite3_busy_handler(db->h, pl_sql_busy, NULL);
    char pragmas[160];
    snprintf(pragmas, sizeof pragmas,
             "%sPRAGMA synchronous=NORMAL; PRAGMA cache_size=-%d; PRAGMA temp_store=MEMORY",
             readonly ? "" : "PRAGMA journal_mode=WAL; ", cache_kib);
    char *msg = NULL;
    if (sqlite3_exec(db->h, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        pl_fail(err, PL_E_INTERNAL, "%s: %s", module, msg ? msg : "settings failed");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int pl_db_open(const char *spec, int flags, int cache_kib, const char *module, struct pl_db **out,
               struct pl_err *err)
{
    *out = NULL;
    if (spec && pl_db_spec_is_pg(spec))
        return pl_db__open_pg(spec, flags, module, out, err);
    struct pl_db *db = pl_xcalloc(1, sizeof *db);
    db->kind = PL_DB_SQLITE;
    db->module = module;
    if (sqlite_open(spec, flags & PL_DB_READONLY, cache_kib, module, db, err) < 0) {
        sqlite3_close(db->h);
        free(db);
        return -1;
    }
    *out = db;
    return 0;
}

void pl_db_close(struct pl_db *db)
{
    if (!db)
        return;
    TWIN_V(db, pl_pg_close(db));
    for (int i = 0; i < TX__COUNT; i++)
        pl_q_finalize(db->tx[i]);
    sqlite3_close(db->h);
    free(db);
}

enum pl_db_kind pl_db_kind(const struct pl_db *db)
{
    return db->kind;
}

void *pl_db_handle(struct pl_db *db)
{
    TWIN(db, pl_pg_handle(db));
    return db->h;
}

const char *pl_db_path(const struct pl_db *db)
{
    TWIN(db, pl_pg_path(db));
    return db->path;
}

int pl_db_exec(struct pl_db *db, const char *sql, const char *module, struct pl_err *err)
{
    TWIN(db, pl_pg_exec(db, sql, module, err));
    char *msg = NULL;
    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        pl_fail(err, PL_E_INTERNAL, "%s: %s", module, msg ? msg : "exec failed");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int pl_db_fail(struct pl_db *db, const char *module, struct pl_err *err, const char *what)
{
    TWIN(db, pl_pg_fail(db, module, err, what));
    return pl_sql_fail(db->h, module, err, what);
}

const char *pl_db_errmsg(struct pl_db *db)
{
    TWIN(db, pl_pg_errmsg(db));
    return sqlite3_errmsg(db->h);
}

int64_t pl_db_changes(struct pl_db *db)
{
    TWIN(db, pl_pg_changes(db));
    return sqlite3_changes64(db->h);
}

int64_t pl_db_last_id(struct pl_db *db)
{
    TWIN(db, pl_pg_last_id(db));
    return sqlite3_last_insert_rowid(db->h);
}

bool pl_db_in_tx(struct pl_db *db)
{
    TWIN(db, pl_pg_in_tx(db));
    return sqlite3_get_autocommit(db->h) == 0;
}

static int tx(struct pl_db *db, int i, const char *module, struct pl_err *err)
{
    struct pl_q *q = pl_db_prepared(db, &db->tx[i], tx_sql[i], module, err);
    return q ? pl_q_run(q, err, tx_sql[i]) : -1;
}

int pl_db_begin_write(struct pl_db *db, const char *module, struct pl_err *err)
{
    TWIN(db, pl_pg_begin_write(db, module, err));
    return tx(db, TX_BEGIN_WRITE, module, err);
}

int pl_db_begin_read(struct pl_db *db, const char *module, struct pl_err *err)
{
    TWIN(db, pl_pg_begin_read(db, module, err));
    return tx(db, TX_BEGIN_READ, module, err);
}

int pl_db_commit(struct pl_db *db, const char *module, struct pl_err *err)
{
    TWIN(db, pl_pg_commit(db, module, err));
    return tx(db, TX_COMMIT, module, err);
}

void pl_db_rollback(struct pl_db *db)
{
    TWIN_V(db, pl_pg_rollback(db));
    if (pl_db_in_tx(db))
        tx(db, TX_ROLLBACK, db->module, NULL);
}

/* ---- statements ---- */

static struct pl_q *prepare(struct pl_db *db, const char *sql, unsigned flags, const char *module,
                            struct pl_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(db->h, sql, -1, flags, &st, NULL) != SQLITE_OK) {
        if (module)
            pl_db_fail(db, module, err, "prepare");
        return NULL;
    }
    struct pl_q *q = pl_xcalloc(1, sizeof *q);
    q->kind = PL_DB_SQLITE;
    q->st = st;
    q->db = db;
    q->module = module ? module : db->module;
    return q;
}

struct pl_q *pl_db_prepared(struct pl_db *db, struct pl_q **slot, const char *sql,
                            const char *module, struct pl_err *err)
{
    TWIN(db, pl_pg_prepared(db, slot, sql, module, err));
    if (!*slot)
        return *slot = prepare(db, sql, SQLITE_PREPARE_PERSISTENT, module, err);
    sqlite3_reset((*slot)->st);
    sqlite3_clear_bindings((*slot)->st);
    return *slot;
}

struct pl_q *pl_db_prepare(struct pl_db *db, const char *sql, const char *module,
                           struct pl_err *err)
{
    TWIN(db, pl_pg_prepare(db, sql, module, err));
    return prepare(db, sql, 0, module, err);
}

void pl_q_finalize(struct pl_q *q)
{
    if (!q)
        return;
    TWIN_V(q, pl_pgq_finalize(q));
    sqlite3_finalize(q->st);
    free(q);
}

void pl_q_reset(struct pl_q *q)
{
    TWIN_V(q, pl_pgq_reset(q));
    sqlite3_reset(q->st);
}

void pl_q_bind_i64(struct pl_q *q, int i, int64_t v)
{
    TWIN_V(q, pl_pgq_bind_i64(q, i, v));
    sqlite3_bind_int64(q->st, i, v);
}

void pl_q_bind_double(struct pl_q *q, int i, double v)
{
    TWIN_V(q, pl_pgq_bind_double(q, i, v));
    sqlite3_bind_double(q->st, i, v);
}

void pl_q_bind_null(struct pl_q *q, int i)
{
    TWIN_V(q, pl_pgq_bind_null(q, i));
    sqlite3_bind_null(q->st, i);
}

void pl_q_bind_text(struct pl_q *q, int i, const char *v)
{
    TWIN_V(q, pl_pgq_bind_text(q, i, v));
    if (v)
        sqlite3_bind_text(q->st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q->st, i);
}

void pl_q_bind_textn(struct pl_q *q, int i, const char *v, size_t n)
{
    TWIN_V(q, pl_pgq_bind_textn(q, i, v, n));
    sqlite3_bind_text64(q->st, i, v, n, SQLITE_STATIC, SQLITE_UTF8);
}

void pl_q_bind_blob(struct pl_q *q, int i, const void *v, size_t n)
{
    TWIN_V(q, pl_pgq_bind_blob(q, i, v, n));
    sqlite3_bind_blob64(q->st, i, v, n, SQLITE_STATIC);
}

int pl_q_step(struct pl_q *q, struct pl_err *err, const char *what)
{
    TWIN(q, pl_pgq_step(q, err, what));
    int rc = sqlite3_step(q->st);
    if (rc == SQLITE_ROW)
        return PL_Q_ROW;
    if (rc == SQLITE_DONE)
        return PL_Q_DONE;
    if (what) /* else the caller reports it with pl_db_fail */
        pl_db_fail(q->db, q->module, err, what);
    return PL_Q_ERROR;
}

int pl_q_run(struct pl_q *q, struct pl_err *err, const char *what)
{
    TWIN(q, pl_pgq_run(q, err, what));
    int rc = sqlite3_step(q->st);
    sqlite3_reset(q->st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return pl_db_fail(q->db, q->module, err, what);
    return 0;
}

int pl_q_columns(struct pl_q *q)
{
    TWIN(q, pl_pgq_columns(q));
    return sqlite3_column_count(q->st);
}

enum pl_db_type pl_q_type(struct pl_q *q, int i)
{
    TWIN(q, pl_pgq_type(q, i));
    switch (sqlite3_column_type(q->st, i)) {
    case SQLITE_INTEGER:
        return PL_DBT_INT;
    case SQLITE_FLOAT:
        return PL_DBT_FLOAT;
    case SQLITE_TEXT:
        return PL_DBT_TEXT;
    case SQLITE_BLOB:
        return PL_DBT_BLOB;
    default:
        return PL_DBT_NULL;
    }
}

int64_t pl_q_i64(struct pl_q *q, int i)
{
    TWIN(q, pl_pgq_i64(q, i));
    return sqlite3_column_int64(q->st, i);
}

double pl_q_double(struct pl_q *q, int i)
{
    TWIN(q, pl_pgq_double(q, i));
    return sqlite3_column_double(q->st, i);
}

const char *pl_q_text(struct pl_q *q, int i)
{
    TWIN(q, pl_pgq_text(q, i));
    return (const char *)sqlite3_column_text(q->st, i);
}

const void *pl_q_blob(struct pl_q *q, int i)
{
    TWIN(q, pl_pgq_blob(q, i));
    return sqlite3_column_blob(q->st, i);
}

size_t pl_q_bytes(struct pl_q *q, int i)
{
    TWIN(q, pl_pgq_bytes(q, i));
    return (size_t)sqlite3_column_bytes(q->st, i);
}

const char *pl_q_name(struct pl_q *q, int i)
{
    TWIN(q, pl_pgq_name(q, i));
    return sqlite3_column_name(q->st, i);
}

const char *pl_q_dup(struct pl_arena *a, struct pl_q *q, int i)
{
    TWIN(q, pl_pgq_dup(a, q, i));
    if (sqlite3_column_type(q->st, i) == SQLITE_NULL)
        return NULL;
    const unsigned char *t = sqlite3_column_text(q->st, i);
    return pl_arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(q->st, i));
}
