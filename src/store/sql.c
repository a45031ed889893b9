/* sql.c — SQLite helpers shared by the store's connections. See sql.h. */
#include "store/sql.h"
#include "core/log.h"
#include "core/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>

#include <string.h>
#include <time.h>

int pl_sql_fail(sqlite3 *db, const char *module, struct pl_err *err, const char *what)
{
    int rc = sqlite3_extended_errcode(db);
    enum pl_errcode code = PL_E_INTERNAL;
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        code = PL_E_UNAVAILABLE;
    else if ((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_FULL)
        code = PL_E_IO;
    PL_LOG(ERROR, module, "op=%s rc=%d err=\"%s\"", what, rc, sqlite3_errmsg(db));
    return pl_fail(err, code, "%s: %s: %s", module, what, sqlite3_errmsg(db));
}

sqlite3_stmt *pl_sql_prepared(sqlite3 *db, sqlite3_stmt **slot, const char *sql,
                              const char *module, struct pl_err *err)
{
    if (!*slot) {
        if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) !=
            SQLITE_OK) {
            pl_sql_fail(db, module, err, "prepare");
            return NULL;
        }
    } else {
        sqlite3_reset(*slot);
        sqlite3_clear_bindings(*slot);
    }
    return *slot;
}

int pl_sql_step_done(sqlite3 *db, sqlite3_stmt *q, const char *module, struct pl_err *err,
                     const char *what)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return pl_sql_fail(db, module, err, what);
    return 0;
}

void pl_sql_bind_text(sqlite3_stmt *q, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, i);
}

const char *pl_sql_col_dup(struct pl_arena *a, sqlite3_stmt *q, int i)
{
    if (sqlite3_column_type(q, i) == SQLITE_NULL)
        return NULL;
    const unsigned char *t = sqlite3_column_text(q, i);
    return pl_arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(q, i));
}

void *pl_sql_grow(struct pl_arena *a, void *arr, size_t n, size_t *cap, size_t sz)
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

int pl_sql_busy(void *unused, int n)
{
    (void)unused;
    if (n > 100000) /* about 10 s of 100 us polls */
        return 0;
    struct timespec d = {0, n < 20 ? 20000 : 100000};
    nanosleep(&d, NULL);
    return 1;
}

/* Before SQLite's first use: no memory statistics (they take a global mutex per malloc). */
static void sql_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int pl_sql_open(const char *spec, bool readonly, int cache_kib, const char *module,
                sqlite3 **db, char *path, size_t cap, struct pl_err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sql_configure);
    struct stat sb;
    char pragmas[160];
    *db = NULL;
    if (!spec || !*spec)
        return pl_fail(err, PL_E_VALIDATION, "%s: empty data directory", module);
    if (stat(spec, &sb) == 0 && S_ISREG(sb.st_mode)) {
        pl_strlcpy(path, spec, cap); /* a database file given directly */
    } else {
        if (!readonly && mkdir(spec, 0700) < 0 && errno != EEXIST)
            return pl_fail(err, PL_E_IO, "%s: cannot create %s: %s", module, spec,
                           strerror(errno));
        snprintf(path, cap, "%s/plumb.db", spec);
    }
    int flags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK) {
        pl_fail(err, PL_E_IO, "%s: cannot open %s: %s", module, path,
                *db ? sqlite3_errmsg(*db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_handler(*db, pl_sql_busy, NULL);
    snprintf(pragmas, sizeof pragmas,
             "%sPRAGMA synchronous=NORMAL; PRAGMA cache_size=-%d; PRAGMA temp_store=MEMORY",
             readonly ? "" : "PRAGMA journal_mode=WAL; ", cache_kib);
    char *msg = NULL;
    if (sqlite3_exec(*db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        pl_fail(err, PL_E_INTERNAL, "%s: %s", module, msg ? msg : "settings failed");
        sqlite3_free(msg);
        goto fail;
    }
    return 0;
fail:
    sqlite3_close(*db);
    *db = NULL;
    return -1;
}
