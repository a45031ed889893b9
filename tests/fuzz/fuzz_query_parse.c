/* fuzz_query_parse.c — libFuzzer target: query_parse on arbitrary text must succeed or fail
 * with InvalidExpressionException "line L:C: ..." in valid UTF-8 (fuzz_check.h); a query that
 * parses must then run (compile to SQL and execute) on an empty store without an internal
 * error: the SQL the store builds from any plan is valid and every literal is bound. Never
 * crash, leak or recurse without bound (QUERY_MAX_DEPTH).
 * Seeds: tests/fuzz/corpus/query_parse/ (AWS's documented queries and the error cases). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "query/query.h"
#include "store/store.h"

static struct pl_store *s;
static char dir[] = "/tmp/plumb-fuzz-query-XXXXXX";

static void cleanup(void)
{
    static const char *const files[] = {"plumb.db", "plumb.db-wal", "plumb.db-shm"};
    pl_store_close(s);
    for (size_t i = 0; i < 3; i++) {
        char path[sizeof dir + 16];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* An empty store in a temporary directory, removed at exit. */
static struct pl_store *store(void)
{
    if (!s) {
        struct pl_err err = {0};
        if (!mkdtemp(dir) || pl_store_open(dir, 0, &s, &err) < 0)
            abort();
        atexit(cleanup);
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pl_arena a;
    struct query *q;
    struct pl_err err = {0};
    if (size > 8192)
        return 0;
    pl_arena_init(&a);
    if (query_parse((const char *)data, size, &a, &q, &err) == 0) {
        const char **rows;
        size_t n;
        bool more;
        for (size_t i = 0; i < query_nfields(q); i++)
            fuzz_str(query_field(q, i));
        if (query_run(store(), q, "123456789012", "us-east-1", 0, 25, &a, &rows, &n, &more,
                      &err) < 0) {
            fuzz_err(&err);
            if (err.code == PL_E_INTERNAL || err.code == PL_E_IO)
                __builtin_trap(); /* the plan made SQL SQLite refused */
        }
    } else {
        fuzz_err(&err);
        if (err.code != PL_E_INVALID_EXPRESSION || strncmp(err.msg, "line ", 5) != 0)
            __builtin_trap(); /* every parse error is positioned */
    }
    pl_arena_fini(&a);
    return 0;
}
