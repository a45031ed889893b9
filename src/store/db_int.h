/* db_int.h — what a backend of db.h provides: a table of operations, and the first member of
 * its connection and statement structs (struct pl_db / struct pl_q hold only that table, the
 * backend's own structs embed them first and cast). db.c dispatches through the table and
 * holds what both backends share (slots, pl_q_run, pl_q_dup, NULL text). Internal to the
 * statement layer: db.c, db_sqlite.c and db_pg.c include it. */
#ifndef PL_STORE_DB_INT_H
#define PL_STORE_DB_INT_H

#include "store/db.h"

struct pl_db_ops {
    enum pl_db_kind kind;
    void (*close)(struct pl_db *db);
    void *(*handle)(struct pl_db *db);
    int (*exec)(struct pl_db *db, const char *sql, const char *module, struct pl_err *err);
    int (*fail)(struct pl_db *db, const char *module, struct pl_err *err, const char *what);
    int64_t (*changes)(struct pl_db *db);
    bool (*in_tx)(struct pl_db *db);
    int (*begin_write)(struct pl_db *db, const char *module, struct pl_err *err);
    int (*begin_read)(struct pl_db *db, const char *module, struct pl_err *err);
    int (*commit)(struct pl_db *db, const char *module, struct pl_err *err);
    void (*rollback)(struct pl_db *db);
    /* cached says the statement goes in a slot (PostgreSQL: a named server-side statement) */
    struct pl_q *(*prepare)(struct pl_db *db, const char *sql, bool cached, const char *module,
                            struct pl_err *err);
    void (*finalize)(struct pl_q *q);
    void (*reset)(struct pl_q *q);
    void (*clear_bindings)(struct pl_q *q);
    void (*bind_i64)(struct pl_q *q, int i, int64_t v);
    void (*bind_double)(struct pl_q *q, int i, double v);
    void (*bind_null)(struct pl_q *q, int i);
    void (*bind_text)(struct pl_q *q, int i, const char *v);            /* v is not NULL */
    void (*bind_textn)(struct pl_q *q, int i, const char *v, size_t n); /* v is not NULL */
    void (*bind_blob)(struct pl_q *q, int i, const void *v, size_t n);
    int (*step)(struct pl_q *q, struct pl_err *err, const char *what);
    int (*columns)(struct pl_q *q);
    enum pl_db_type (*type)(struct pl_q *q, int i);
    int64_t (*i64)(struct pl_q *q, int i);
    double (*dbl)(struct pl_q *q, int i);
    const char *(*text)(struct pl_q *q, int i);
    const void *(*blob)(struct pl_q *q, int i);
    size_t (*bytes)(struct pl_q *q, int i);
    const char *(*name)(struct pl_q *q, int i);
};

struct pl_db {
    const struct pl_db_ops *ops;
};

struct pl_q {
    const struct pl_db_ops *ops;
};

#ifdef PL_HAVE_PG
/* db_pg.c: a connection to the PostgreSQL database at url (libpq's URI form). */
int pl_db_pg_open(const char *url, const char *module, struct pl_db **out, struct pl_err *err);
#endif
#ifdef PL_HAVE_DB_SQLITE
/* db_sqlite.c: a connection to the SQLite data directory or file spec. */
int pl_db_sqlite_open(const char *spec, int flags, int cache_kib, const char *module,
                      struct pl_db **out, struct pl_err *err);
#endif

#endif
