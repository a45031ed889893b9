/* bench_query.c — advanced-query benchmarks (docs/PERFORMANCE.md, "Advanced query").
 *
 *   bench_query query DIR ACCOUNT REGION REPS EXPRESSION [AS_OF]
 *       runs EXPRESSION through query_parse + query_run (the SelectResourceConfig path, first
 *       page of 500 rows at most) REPS times: p50 / max latency, rows of the page; with AS_OF
 *       (ISO-8601 or epoch seconds) over the inventory as it was then (query_run_as_of)
 *   bench_query sql DIR REPS SQL
 *       the peer: the plain SQL on the same database through sqlite3 (e.g. a json_extract
 *       GROUP BY over the current CIs), stepping every row: p50 / max
 *
 *   bench_query agg DIR REPS EXPRESSION ACCOUNT/REGION...
 *       the same over several partitions (SelectAggregateResourceConfig's path: query_run_scope
 *       with an aggregator's sources), first page of 500 rows
 *   bench_query fullsql DIR ACCOUNT REGION REPS SQL
 *       full SQL over plumb's views in the sandbox (store/sqlq.h: PlumbService.QuerySql's
 *       path, connection setup included), at most 100,000 rows
 *
 * Each prints one line "mode=... reps=... rows=... p50_ms=... max_ms=... maxrss_kb=...".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <sqlite3.h>

#include "core/time.h"
#include "query/query.h"
#include "store/sqlq.h"

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *mode, double *ms, int reps, size_t rows)
{
    qsort(ms, (size_t)reps, sizeof *ms, cmp_d);
    printf("mode=%s reps=%d rows=%zu p50_ms=%.2f max_ms=%.2f maxrss_kb=%ld\n", mode, reps, rows,
           ms[reps / 2], ms[reps - 1], maxrss_kb());
}

static int bench_query(int argc, char **argv)
{
    struct pl_store *s;
    struct pl_err err = {0};
    int64_t as_of = 0;
    if (argc == 8 && pl_time_parse(argv[7], &as_of) < 0) {
        fprintf(stderr, "bad AS_OF %s\n", argv[7]);
        return 2;
    }
    int reps = (int)strtol(argv[5], NULL, 10);
    double *ms = calloc((size_t)reps, sizeof *ms);
    size_t rows = 0;
    if (pl_store_open(argv[2], 0, &s, &err) < 0) {
        fprintf(stderr, "open: %s\n", pl_err_msg(&err));
        return 1;
    }
    for (int i = 0; i < reps; i++) {
        struct pl_arena a;
        struct query *q;
        const char **out;
        bool more;
        pl_arena_init(&a);
        int64_t t0 = pl_mono_ns();
        if (query_parse(argv[6], strlen(argv[6]), &a, &q, &err) < 0 ||
            query_run_as_of(s, q, argv[3], argv[4], as_of, 0, 500, &a, &out, &rows, &more, &err) <
                0) {
            fprintf(stderr, "query: %s\n", pl_err_msg(&err));
            return 1;
        }
        ms[i] = (double)(pl_mono_ns() - t0) / 1e6;
        pl_arena_fini(&a);
    }
    report(as_of ? "query_as_of" : "query", ms, reps, rows);
    pl_store_close(s);
    free(ms);
    return 0;
}

static int bench_sql(char **argv)
{
    sqlite3 *db;
    char path[4096];
    int reps = (int)strtol(argv[3], NULL, 10);
    double *ms = calloc((size_t)reps, sizeof *ms);
    size_t rows = 0;
    snprintf(path, sizeof path, "%s/plumb.db", argv[2]);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return 1;
    for (int i = 0; i < reps; i++) {
        sqlite3_stmt *st;
        int64_t t0 = pl_mono_ns();
        if (sqlite3_prepare_v2(db, argv[4], -1, &st, NULL) != SQLITE_OK) {
            fprintf(stderr, "sql: %s\n", sqlite3_errmsg(db));
            return 1;
        }
        rows = 0;
        while (sqlite3_step(st) == SQLITE_ROW)
            rows++;
        sqlite3_finalize(st);
        ms[i] = (double)(pl_mono_ns() - t0) / 1e6;
    }
    report("sql", ms, reps, rows);
    sqlite3_close(db);
    free(ms);
    return 0;
}

static int bench_agg(int argc, char **argv)
{
    struct pl_store *s;
    struct pl_err err = {0};
    int reps = (int)strtol(argv[3], NULL, 10);
    size_t nparts = (size_t)argc - 5, rows = 0;
    struct pl_sel_part *parts = calloc(nparts, sizeof *parts);
    double *ms = calloc((size_t)reps, sizeof *ms);
    for (size_t i = 0; i < nparts; i++) {
        char *slash = strchr(argv[5 + i], '/');
        if (!slash)
            return 2;
        *slash = 0;
        parts[i] = (struct pl_sel_part){.account = argv[5 + i], .region = slash + 1};
    }
    if (pl_store_open(argv[2], 0, &s, &err) < 0) {
        fprintf(stderr, "open: %s\n", pl_err_msg(&err));
        return 1;
    }
    struct query_scope scope = {.parts = parts, .nparts = nparts};
    for (int i = 0; i < reps; i++) {
        struct pl_arena a;
        struct query *q;
        const char **out;
        bool more;
        pl_arena_init(&a);
        int64_t t0 = pl_mono_ns();
        if (query_parse(argv[4], strlen(argv[4]), &a, &q, &err) < 0 ||
            query_run_scope(s, q, &scope, 0, 500, &a, &out, &rows, &more, &err) < 0) {
            fprintf(stderr, "query: %s\n", pl_err_msg(&err));
            return 1;
        }
        ms[i] = (double)(pl_mono_ns() - t0) / 1e6;
        pl_arena_fini(&a);
    }
    report("agg", ms, reps, rows);
    pl_store_close(s);
    free(ms);
    free(parts);
    return 0;
}

static int bench_fullsql(char **argv)
{
    struct pl_store *s;
    struct pl_err err = {0};
    int reps = (int)strtol(argv[5], NULL, 10);
    double *ms = calloc((size_t)reps, sizeof *ms);
    size_t rows = 0;
    struct pl_sel_part part = {.account = argv[3], .region = argv[4]};
    if (pl_store_open(argv[2], 0, &s, &err) < 0) {
        fprintf(stderr, "open: %s\n", pl_err_msg(&err));
        return 1;
    }
    struct pl_sqlq q = {.sql = argv[6], .parts = &part, .nparts = 1, .max_rows = PL_SQLQ_MAX_ROWS};
    for (int i = 0; i < reps; i++) {
        struct pl_arena a;
        struct pl_sqlq_result r;
        pl_arena_init(&a);
        int64_t t0 = pl_mono_ns();
        if (pl_store_sql_query(s, &q, &a, &r, &err) < 0) {
            fprintf(stderr, "sql: %s\n", pl_err_msg(&err));
            return 1;
        }
        ms[i] = (double)(pl_mono_ns() - t0) / 1e6;
        rows = r.nrows;
        pl_arena_fini(&a);
    }
    report("fullsql", ms, reps, rows);
    pl_store_close(s);
    free(ms);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 6 && strcmp(argv[1], "agg") == 0)
        return bench_agg(argc, argv);
    if (argc == 7 && strcmp(argv[1], "fullsql") == 0)
        return bench_fullsql(argv);
    if ((argc == 7 || argc == 8) && strcmp(argv[1], "query") == 0)
        return bench_query(argc, argv);
    if (argc == 5 && strcmp(argv[1], "sql") == 0)
        return bench_sql(argv);
    fprintf(stderr, "usage: bench_query query DIR ACCOUNT REGION REPS EXPRESSION [AS_OF]\n"
                    "       bench_query sql DIR REPS SQL\n"
                    "       bench_query agg DIR REPS EXPRESSION ACCOUNT/REGION...\n"
                    "       bench_query fullsql DIR ACCOUNT REGION REPS SQL\n");
    return 2;
}
