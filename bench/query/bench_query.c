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
 *   bench_query gen DIR RESOURCES VERSIONS
 *       fills a fresh data directory at the scale through the store's append path
 *       (no JSON parsing: the bodies are written in the stored form): RESOURCES resources over
 *       50 accounts x 4 Regions and 10 types, VERSIONS CIs each spread over the 90 days before
 *       2026-09-01 (so "a month back" is 2026-08-02), 1% deleted at their last version
 *
 * Each prints one line "mode=... reps=... rows=... p50_ms=... max_ms=... maxrss_kb=...".
 */
#include <inttypes.h>
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

/* ---- gen ---- */

#define GEN_ACCOUNTS 50
#define GEN_REGIONS  4
#define GEN_DAY_MS   86400000LL

static const char *const gen_types[] = {"AWS::EC2::Instance",   "AWS::EC2::SecurityGroup",
                                        "AWS::EC2::Volume",     "AWS::EC2::VPC",
                                        "AWS::EC2::Subnet",     "AWS::S3::Bucket",
                                        "AWS::IAM::Role",       "AWS::Lambda::Function",
                                        "AWS::RDS::DBInstance", "AWS::EC2::NetworkInterface"};
static const char *const gen_regions[] = {"us-east-1", "us-west-2", "eu-west-1", "ap-south-1"};
static const char *const gen_states[] = {"running", "stopped", "pending", "terminated"};
static const char *const gen_envs[] = {"prod", "dev", "staging"};

/* The stored body of resource r's version v (keys sorted, as the recorder writes them). */
static int gen_body(char *b, size_t cap, uint64_t r, int v, const char *region, const char *acct,
                    const char *type, const char *id)
{
    uint64_t h = r * 0x9e3779b97f4a7c15ull;
    return snprintf(
        b, cap,
        "{\"arn\":\"arn:aws:%s:%s:%s:res/%s\",\"availabilityZone\":\"%sa\","
        "\"configuration\":{\"cidrBlock\":\"10.%u.%u.0/24\",\"imageId\":\"ami-%08" PRIx64 "\","
        "\"instanceType\":\"%s\",\"ipv6CidrBlockAssociationSet\":[{\"associationId\":"
        "\"assoc-%" PRIu64 "\",\"ipv6CidrBlock\":\"2600:1f18:%x:%x00::/56\"}],"
        "\"monitoring\":{\"state\":\"disabled\"},\"placement\":{\"availabilityZone\":"
        "\"%sa\",\"tenancy\":\"default\"},\"privateIpAddress\":\"10.%u.%u.%u\","
        "\"size\":%u,\"state\":{\"code\":16,\"name\":\"%s\"},\"version\":%d,"
        "\"vpcId\":\"vpc-%05" PRIu64 "\"},\"relationships\":[{\"name\":\"Is contained in Vpc\","
        "\"resourceId\":\"vpc-%05" PRIu64 "\",\"resourceType\":\"AWS::EC2::VPC\"}],"
        "\"resourceCreationTime\":1700000000.000,\"tags\":{\"Name\":\"%s\",\"env\":\"%s\","
        "\"team\":\"team-%u\"}}",
        type + 5, region, acct, id, region, (unsigned)(h >> 8 & 255), (unsigned)(h >> 16 & 255),
        h >> 32, (h >> 40) % 3 ? "t3.medium" : "m5.large", r, (unsigned)(r & 0xffff),
        (unsigned)(r >> 16), region, (unsigned)(h >> 8 & 255), (unsigned)(h >> 16 & 255),
        (unsigned)(h >> 24 & 255), (unsigned)(h >> 48 & 1023), gen_states[(h + (uint64_t)v) % 4], v,
        r % 5000, r % 5000, id, gen_envs[h % 3], (unsigned)(h >> 52 & 31));
}

static int bench_gen(char **argv)
{
    struct pl_store *s;
    struct pl_err err = {0};
    int64_t nres = strtoll(argv[3], NULL, 10);
    int versions = (int)strtol(argv[4], NULL, 10);
    if (pl_store_open(argv[2], PL_STORE_BG_CHECKPOINT, &s, &err) < 0) {
        fprintf(stderr, "open: %s\n", pl_err_msg(&err));
        return 1;
    }
    struct pl_tm tm_end = {.year = 2026, .mon = 9, .day = 1};
    int64_t end = pl_time_from_civil(&tm_end), span = 90 * GEN_DAY_MS, written = 0;
    int64_t t0 = pl_mono_ns();
    char body[2048];
    for (int64_t r = 0; r < nres; r++) {
        if (written % 20000 == 0 && pl_store_begin(s, &err) < 0)
            goto fail;
        char acct[16], id[32], name[32];
        int part = (int)(r % (GEN_ACCOUNTS * GEN_REGIONS));
        const char *type = gen_types[(r / (GEN_ACCOUNTS * GEN_REGIONS)) % 10];
        snprintf(acct, sizeof acct, "1000000000%02d", part / GEN_REGIONS + 1);
        snprintf(id, sizeof id, "res-%010" PRId64, r);
        snprintf(name, sizeof name, "name-%" PRId64, r);
        for (int v = 0; v < versions; v++) {
            int64_t ms = end - span + (span * v + (r * 7919) % (span / 2)) / versions;
            struct pl_ci_row row = {
                .account = acct,
                .region = gen_regions[part % GEN_REGIONS],
                .resource_type = type,
                .resource_id = id,
                .resource_name = name,
                .status = v == 0                               ? PL_CI_DISCOVERED
                          : v == versions - 1 && r % 100 == 42 ? PL_CI_DELETED
                                                               : "OK",
                .capture_ms = ms,
                .state_id = ms,
            };
            int n = gen_body(body, sizeof body, (uint64_t)r, v, row.region, acct, type, id);
            row.body = body;
            row.body_len = (size_t)n;
            snprintf(row.hash, sizeof row.hash, "%064" PRIx64, (uint64_t)written);
            if (pl_store_ci_append(s, &row, &err) < 0)
                goto fail;
            if (++written % 20000 == 0 && pl_store_commit(s, &err) < 0)
                goto fail;
            if (written % 1000000 == 0)
                fprintf(stderr, "%" PRId64 " CIs, %.0f/s\n", written,
                        (double)written / ((double)(pl_mono_ns() - t0) / 1e9));
        }
    }
    if (pl_store_in_tx(s) && pl_store_commit(s, &err) < 0)
        goto fail;
    double sec = (double)(pl_mono_ns() - t0) / 1e9;
    pl_store_close(s);
    printf("mode=gen resources=%" PRId64 " cis=%" PRId64 " seconds=%.1f cis_per_s=%.0f "
           "maxrss_kb=%ld\n",
           nres, written, sec, (double)written / sec, maxrss_kb());
    return 0;
fail:
    fprintf(stderr, "gen: %s\n", pl_err_msg(&err));
    pl_store_close(s);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "gen") == 0)
        return bench_gen(argv);
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
                    "       bench_query fullsql DIR ACCOUNT REGION REPS SQL\n"
                    "       bench_query gen DIR RESOURCES VERSIONS\n");
    return 2;
}
