/* bench_cost.c — the cost report on a large store (docs/PERFORMANCE.md, "Cost report").
 *
 * Fills a fresh data directory with N CIs (default 1,000,000): R resources (N / 10) of 8 types
 * in one account and region, each with N / R versions spread over 12 months (1 in 50 recorded
 * DAILY, 1 in 100 identity-only NotRecorded), bodies of about B bytes (default 1,000), and the
 * evaluation counters of 50 rules x 8 types x 12 months. Then times pl_cost_report (what
 * `plumb cost` and PlumbService.GetCostReport run) several times and prints the median and
 * the fastest, and the report's totals.
 *
 * usage: bench_cost [cis=1000000] [body_bytes=1000] [runs=5] [keep=0]
 * (keep=1 leaves the data directory, printed, for `plumb serve` / `plumb cost` on it)
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/time.h"
#include "cost/cost.h"
#include "store/cost.h"
#include "store/store.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const struct pl_err *err)
{
    fprintf(stderr, "bench_cost: %s: %s\n", what, err ? err->msg : "");
    exit(1);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static const char *const types[] = {
    "AWS::EC2::Instance",      "AWS::EC2::NetworkInterface",
    "AWS::EC2::SecurityGroup", "AWS::EC2::Volume",
    "AWS::S3::Bucket",         "AWS::IAM::Role",
    "AWS::Lambda::Function",   "AWS::Config::ResourceCompliance",
};
#define NTYPES 8

int main(int argc, char **argv)
{
    int64_t n = argc > 1 ? atoll(argv[1]) : 1000000;
    int body_bytes = argc > 2 ? atoi(argv[2]) : 1000;
    int runs = argc > 3 ? atoi(argv[3]) : 5;
    bool keep = argc > 4 && atoi(argv[4]) != 0;
    int64_t versions = 10, nres = n / versions;
    char dir[] = "/tmp/pl_bench_cost_XXXXXX";
    if (!mkdtemp(dir))
        die("mkdtemp", NULL);
    struct pl_store *s;
    struct pl_err err = {0};
    if (pl_store_open(dir, PL_STORE_BG_CHECKPOINT, &s, &err) < 0)
        die("open", &err);
    char *body = malloc((size_t)body_bytes + 64);
    memset(body, 'x', (size_t)body_bytes + 64);
    struct pl_tm tm0 = {.year = 2026, .mon = 1, .day = 1};
    int64_t t0 = pl_time_from_civil(&tm0), year_ms = 365LL * 86400000;
    double f0 = now_s();
    int64_t written = 0;
    for (int64_t r = 0; r < nres; r++) {
        if (r % 1000 == 0 && pl_store_begin(s, &err) < 0)
            die("begin", &err);
        char id[32];
        snprintf(id, sizeof id, "r-%08" PRId64, r);
        for (int64_t v = 0; v < versions; v++) {
            int len = snprintf(body, 64, "{\"v\":%" PRId64 ",\"pad\":\"", v);
            body[len] = 'x'; /* snprintf's NUL */
            body[body_bytes - 2] = '"';
            body[body_bytes - 1] = '}';
            body[body_bytes] = 0;
            struct pl_ci_row row = {
                .account = "123456789012",
                .region = "us-east-1",
                .resource_type = types[r % NTYPES],
                .resource_id = id,
                .status = written % 100 == 99 ? PL_CI_NOT_RECORDED
                          : v                 ? "OK"
                                              : PL_CI_DISCOVERED,
                .capture_ms = t0 + (v * year_ms) / versions + r * 1000 % 86400000,
                .state_id = v + 1,
                .body = body,
                .body_len = (size_t)body_bytes,
                .daily = written % 50 == 7,
            };
            snprintf(row.hash, sizeof row.hash, "%016" PRIx64, (uint64_t)written);
            if (pl_store_ci_append(s, &row, &err) < 0)
                die("append", &err);
            written++;
        }
        if ((r % 1000 == 999 || r == nres - 1) && pl_store_commit(s, &err) < 0)
            die("commit", &err);
    }
    if (pl_store_begin(s, &err) < 0)
        die("begin", &err);
    for (int rule = 0; rule < 50; rule++)
        for (int t = 0; t < NTYPES; t++)
            for (int m = 1; m <= 12; m++) {
                char name[32];
                snprintf(name, sizeof name, "rule-%02d", rule);
                if (pl_store_eval_count_add(s, "123456789012", "us-east-1", name, types[t],
                                            202600 + m, rule >= 40, 1000 + rule * 10, &err) < 0)
                    die("count", &err);
            }
    if (pl_store_commit(s, &err) < 0)
        die("commit", &err);
    double fill = now_s() - f0;
    pl_store_close(s);
    printf("filled %" PRId64 " CIs (%" PRId64 " resources, %d-byte bodies) in %.1f s\n", written,
           nres, body_bytes, fill);

    /* a fresh connection, as `plumb cost` opens one */
    if (pl_store_open(dir, PL_STORE_READONLY, &s, &err) < 0)
        die("open", &err);
    double *t = calloc((size_t)runs, sizeof *t);
    struct pl_json *rep = NULL;
    struct pl_arena a;
    pl_arena_init(&a);
    for (int i = 0; i < runs; i++) {
        pl_arena_reset(&a);
        struct pl_cost_query q = {.data_bytes = true};
        double b = now_s();
        rep = pl_cost_report(s, &q, &a, &err);
        t[i] = now_s() - b;
        if (!rep)
            die("report", &err);
        printf("run %d: %.3f s\n", i + 1, t[i]);
    }
    const struct pl_json *fp = pl_json_get(rep, "Footprint");
    int64_t bytes = 0, per10k = 0;
    pl_json_i64(pl_json_get(fp, "DataBytes"), &bytes);
    pl_json_i64(pl_json_get(fp, "DataBytesPer10000Resources"), &per10k);
    printf("TotalCost $%s over %zu partition-months, data %.1f MB (%.1f MB per 10,000 "
           "resources)\n",
           pl_json_dump(&a, pl_json_get(rep, "TotalCost"), 0), pl_json_get(rep, "Months")->len,
           bytes / 1e6, per10k / 1e6);
    qsort(t, (size_t)runs, sizeof *t, cmp_d);
    printf("pl_cost_report on %" PRId64 " CIs: median %.3f s, fastest %.3f s (%d runs)\n", written,
           t[runs / 2], t[0], runs);
    pl_arena_fini(&a);
    pl_store_close(s);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (keep)
        printf("data directory kept: %s\n", dir);
    else if (system(cmd) != 0)
        fprintf(stderr, "bench_cost: could not remove %s\n", dir);
    free(t);
    free(body);
    return 0;
}
