/* sql.h — SQLite-only helpers of src/store: error mapping for a raw sqlite3 connection
 * (db_sqlite.c's pl_db_fail; sqlq.c's sandbox connection), and the polling busy handler. Everything
 * else speaks SQL through db.h. */
#ifndef PL_STORE_SQL_H
#define PL_STORE_SQL_H

#include <sqlite3.h>

#include "core/err.h"

/* Maps the connection's last error to a plumb error (busy/locked: ServiceUnavailable, I/O or
 * full disk: IO, else InternalFailure), logs it and fills err. Returns -1. */
int pl_sql_fail(sqlite3 *db, const char *module, struct pl_err *err, const char *what);

/* Busy handler for sqlite3_busy_handler: polls every 20-100 us (SQLite's own sleeps whole
 * milliseconds) and gives up after about 10 s. */
int pl_sql_busy(void *unused, int n);

#endif
