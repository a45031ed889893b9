/* sqlq.h — full SQL for people who outgrow AWS's dialect (beyond AWS): a read-only SQLite
 * SELECT over plumb's views of the caller's partitions (docs/query.md lists them):
 * resources, history, relationships, tags, evaluations, compliance, cloudtrail_events.
 *
 * Safe by construction (sqlq.c): each call opens its own read-only connection
 * (SQLITE_OPEN_READONLY) to the store's file, creates the views as TEMP views bound to the
 * partitions (a TEMP table of them, filled before the sandbox closes), then installs an
 * authorizer that allows one SELECT reading only those views (and json_each / json_tree), and
 * denies every real table, ATTACH, PRAGMA, writes of any schema, load_extension. A progress
 * handler cancels the statement at its deadline; rows and result bytes are capped (the result
 * says it was truncated); a value is at most PL_SQLQ_MAX_VALUE bytes. Credentials are a file of
 * the data directory, never in the database, so no query can reach them.
 */
#ifndef PL_STORE_SQLQ_H
#define PL_STORE_SQLQ_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/select.h"
#include "store/store.h"

#define PL_SQLQ_MAX_SQL    65536              /* bytes of the statement */
#define PL_SQLQ_MAX_VALUE  (16 * 1024 * 1024) /* bytes of one string or blob value */
#define PL_SQLQ_ROWS       1000               /* MaxRows default */
#define PL_SQLQ_MAX_ROWS   100000             /* the largest MaxRows */
#define PL_SQLQ_MAX_BYTES  (16 * 1024 * 1024) /* result bytes, then truncated */
#define PL_SQLQ_TIMEOUT_MS 10000              /* default and largest deadline */

struct pl_sqlq {
    const char *sql;
    const struct pl_sel_part *parts; /* the partitions the views show */
    size_t nparts;
    int max_rows;     /* 1..PL_SQLQ_MAX_ROWS */
    size_t max_bytes; /* 0: PL_SQLQ_MAX_BYTES */
    int timeout_ms;   /* 0: PL_SQLQ_TIMEOUT_MS */
};

struct pl_sqlq_result {
    const char **cols; /* column names */
    size_t ncols;
    struct pl_sel_value *vals; /* nrows * ncols, row-major */
    size_t nrows;
    bool truncated; /* more rows than max_rows, or more bytes than max_bytes */
};

/* Runs q over s's database file (s itself is not used for the query). Everything in *out lives
 * in arena a. Errors: InvalidExpressionException (SQL errors, refused access, more than one
 * statement), LimitExceededException ("query cancelled after N ms"). */
int pl_store_sql_query(struct pl_store *s, const struct pl_sqlq *q, struct pl_arena *a,
                       struct pl_sqlq_result *out, struct pl_err *err);

/* The names of the views, NULL-terminated (for help texts). */
extern const char *const pl_sqlq_views[];

#endif
