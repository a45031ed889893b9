/* store_spec.h — where a unit test puts its stores: a fresh data directory under /tmp, or, when
 * PLUMB_TEST_STORE_URL names a PostgreSQL database (or PLUMB_TEST_STORE_URL_FILE a file whose
 * first line does: the CTest fixture "pg"), a fresh database beside it, so that CTest runs the
 * same test a second time on PostgreSQL (the *_pg tests, label pg). Header-only: the tests that
 * include it link plumb_store. */
#ifndef PL_TESTS_STORE_SPEC_H
#define PL_TESTS_STORE_SPEC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "store/db.h"

/* The PostgreSQL URL the tests create their databases beside, NULL for SQLite */
static const char *t_store_pg(void)
{
    static char line[512];
    static int done;
    if (done)
        return line[0] ? line : NULL;
    done = 1;
    const char *u = getenv("PLUMB_TEST_STORE_URL"), *f = getenv("PLUMB_TEST_STORE_URL_FILE");
    if (u && *u) {
        snprintf(line, sizeof line, "%s", u);
    } else if (f && *f) {
        FILE *fp = fopen(f, "r");
        if (!fp || !fgets(line, sizeof line, fp)) {
            fprintf(stderr, "store_spec: no URL in %s\n", f);
            exit(1);
        }
        fclose(fp);
        line[strcspn(line, "\r\n")] = 0;
    }
    return line[0] ? line : NULL;
}

/* A new empty store: a /tmp directory named after prefix, or a new PostgreSQL database */
static char *t_store_fresh(struct pl_arena *a, const char *prefix)
{
    const char *pg = t_store_pg();
    if (!pg) {
        char *d = pl_arena_printf(a, "/tmp/%s_XXXXXX", prefix);
        if (!mkdtemp(d))
            abort();
        return d;
    }
    static int n;
    char *name = pl_arena_printf(a, "%s_%d_%d", prefix, (int)getpid(), ++n);
    struct pl_db *db = NULL;
    struct pl_err err = {0};
    /* one statement each: neither may run in a transaction block */
    if (pl_db_open(pg, 0, 0, "test", &db, &err) < 0 ||
        pl_db_exec(db, pl_arena_printf(a, "DROP DATABASE IF EXISTS %s", name), "test", &err) < 0 ||
        pl_db_exec(db, pl_arena_printf(a, "CREATE DATABASE %s", name), "test", &err) < 0) {
        fprintf(stderr, "store_spec: %s: %s\n", pg, err.msg);
        exit(1);
    }
    pl_db_close(db);
    const char *slash = strrchr(pg, '/');
    return pl_arena_printf(a, "%.*s/%s", (int)(slash - pg), pg, name);
}

#endif
