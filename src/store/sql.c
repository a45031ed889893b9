/* sql.c — SQLite-only helpers of src/store (error mapping, busy handler). See sql.h. */
#include "store/sql.h"
#include "core/log.h"

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

int pl_sql_busy(void *unused, int n)
{
    (void)unused;
    if (n > 100000) /* about 10 s of 100 us polls */
        return 0;
    struct timespec d = {0, n < 20 ? 20000 : 100000};
    nanosleep(&d, NULL);
    return 1;
}
