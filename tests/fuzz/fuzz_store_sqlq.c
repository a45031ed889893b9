/* fuzz_store_sqlq.c — full SQL's sandbox (store/sqlq.h) on arbitrary SQL text. A store made once
 * in a temporary directory holds a CI of the caller's partition, a CI and an object of another
 * account, each with a marker string; whatever the input, the answer (rows, column names, the
 * error message) never holds the other account's markers, the store's schema text, its file
 * name or the partition table's name (unless the input wrote that text itself: literals and
 * error messages echo it), at most 50 rows come back, and every error is well formed
 * (fuzz_check.h). Queries run with a 50 ms deadline. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "store/sqlq.h"

#define MINE  "111111111111"
#define OTHER "999999999999"

static struct pl_store *store;
static char dir[] = "/tmp/plumb-fuzz-sqlq-XXXXXX";

static void cleanup(void)
{
    static const char *const files[] = {"plumb.db", "plumb.db-wal", "plumb.db-shm"};
    char path[128];
    pl_store_close(store);
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void put_ci(const char *account, const char *id, const char *body)
{
    struct pl_err err = {0};
    struct pl_ci_row ci = {.account = account,
                           .region = "us-east-1",
                           .resource_type = "AWS::S3::Bucket",
                           .resource_id = id,
                           .status = "ResourceDiscovered",
                           .capture_ms = 1000,
                           .state_id = 1000,
                           .body = body,
                           .body_len = strlen(body)};
    memset(ci.hash, 'a', 64);
    if (pl_store_begin(store, &err) < 0 || pl_store_ci_append(store, &ci, &err) < 0 ||
        pl_store_commit(store, &err) < 0) {
        fprintf(stderr, "fuzz_store_sqlq: %s\n", err.msg);
        abort();
    }
}

static void setup(void)
{
    struct pl_err err = {0};
    if (!mkdtemp(dir))
        abort();
    if (pl_store_open(dir, 0, &store, &err) < 0) /* the store is dir/plumb.db */
        abort();
    atexit(cleanup);
    put_ci(MINE, "mine", "{\"configuration\":{\"name\":\"visible-marker\"}}");
    put_ci(OTHER, "theirs", "{\"configuration\":{\"name\":\"SECRET-CI-MARKER\"}}");
    const char *obj = "{\"secret\":\"SECRET-OBJ-MARKER\"}";
    if (pl_store_obj_put(store, OTHER, "us-east-1", "Thing", "x", obj, strlen(obj), &err) < 0)
        abort();
}

static const char *input; /* the SQL of this run: what it writes may come back */

/* s holds none of the markers, unless the input wrote that marker itself (an error message or
 * a literal echoes it). */
static void check_text(const char *s)
{
    static const char *const markers[] = {"SECRET-", OTHER, "CREATE TABLE", "plumb.db", "pl_parts"};
    if (!s)
        return;
    fuzz_str(s);
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++)
        if (strstr(s, markers[i]) && !strstr(input, markers[i]))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!store)
        setup();
    char *sql = malloc(size + 1);
    memcpy(sql, data, size);
    sql[size] = 0;
    input = sql;
    struct pl_sel_part part = {.account = MINE, .region = "us-east-1"};
    struct pl_sqlq q = {.sql = sql, .parts = &part, .nparts = 1, .max_rows = 50, .timeout_ms = 50};
    struct pl_sqlq_result r;
    struct pl_arena a;
    struct pl_err err = {0};
    pl_arena_init(&a);
    if (pl_store_sql_query(store, &q, &a, &r, &err) == 0) {
        if (r.nrows > 50)
            abort();
        for (size_t i = 0; i < r.ncols; i++)
            check_text(r.cols[i]);
        for (size_t i = 0; i < r.nrows * r.ncols; i++)
            if (r.vals[i].type == PL_SEL_T_TEXT)
                check_text(r.vals[i].s);
    } else {
        fuzz_err(&err);
        check_text(err.msg);
    }
    pl_arena_fini(&a);
    free(sql);
    return 0;
}
