/* bench_record.c — data-path benchmarks of the store and the recorder (docs/PERFORMANCE.md,
 * "Recording and history").
 *
 *   bench_record bare FILE DIR       bare SQLite: each line of FILE inserted as one row
 *                                    (prepared statement, WAL, synchronous=NORMAL,
 *                                    5,000 rows per transaction): the ceiling to compare with
 *   bench_record record FILE DIR     `plumb record --data DIR FILE` (the real command code)
 *   bench_record rows SRC DIR        bare SQLite inserts of the same rows `record` wrote into
 *                                    the data dir SRC (config_items, resources upsert, and one
 *                                    outbox row per CI if SRC queued any;
 *                                    same schema, statements and 5,000 CIs per transaction),
 *                                    read into memory first and then timed: what the storage
 *                                    alone costs, without parsing, hashing, dedupe or diffs
 *   bench_record history DIR N [SHAPE]
 *                                    N GetResourceConfigHistory-equivalent queries on random
 *                                    resources (limit 10, rendered in the API form): p50 / p99 /
 *                                    max latency. SHAPE: newest (default: newest first),
 *                                    window (laterTime in the middle of the resource's life,
 *                                    earlierTime at its first quarter), forward (chronological
 *                                    from the middle), page3 (the third page, through
 *                                    nextToken: only that call is timed)
 *
 * Each prints one line "mode=... cis=... secs=... rate=... maxrss_kb=...".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "cli/commands.h"
#include "core/time.h"
#include "recorder/recorder.h"

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int bare(const char *file, const char *dir)
{
    char path[4096];
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/bare.db", dir);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return 1;
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
                 "CREATE TABLE IF NOT EXISTS cis(seq INTEGER PRIMARY KEY, body TEXT NOT NULL);",
                 NULL, NULL, NULL);
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(db, "INSERT INTO cis(body) VALUES(?1)", -1, &ins, NULL);
    FILE *f = fopen(file, "r");
    if (!f)
        return 1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int64_t n = 0, t0 = pl_mono_ns();
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n')
            len--;
        sqlite3_bind_text(ins, 1, line, (int)len, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db));
            return 1;
        }
        sqlite3_reset(ins);
        if (++n % 5000 == 0) {
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
            sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        }
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    double secs = (double)(pl_mono_ns() - t0) / 1e9;
    printf("mode=bare cis=%" PRId64 " secs=%.2f rate=%.0f maxrss_kb=%ld\n", n, secs,
           (double)n / secs, maxrss_kb());
    free(line);
    fclose(f);
    sqlite3_finalize(ins);
    sqlite3_close(db);
    return 0;
}

static int record(const char *file, const char *dir)
{
    char *argv[] = {"record", "--quiet", "--data", (char *)dir, (char *)file, NULL};
    int64_t t0 = pl_mono_ns();
    int rc = pl_cli_record(5, argv);
    double secs = (double)(pl_mono_ns() - t0) / 1e9;
    /* count what went in: the CI versions stored */
    char path[4096];
    sqlite3 *db;
    sqlite3_stmt *q;
    int64_t n = 0;
    snprintf(path, sizeof path, "%s/plumb.db", dir);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM config_items", -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            n = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    printf("mode=record rc=%d cis_recorded=%" PRId64 " secs=%.2f rate_recorded=%.0f "
           "maxrss_kb=%ld\n",
           rc, n, secs, (double)n / secs, maxrss_kb());
    return rc;
}

struct row {
    int64_t seq, capture_ms, state_id;
    char *account, *region, *type, *id, *name, *status, *hash, *body, *diff;
    int body_len, diff_len;
};

static char *dupcol(sqlite3_stmt *q, int i, int *len)
{
    if (sqlite3_column_type(q, i) == SQLITE_NULL)
        return NULL;
    int n = sqlite3_column_bytes(q, i);
    char *p = malloc((size_t)n + 1);
    memcpy(p, sqlite3_column_text(q, i), (size_t)n);
    p[n] = '\0';
    if (len)
        *len = n;
    return p;
}

static int src_outbox; /* the source store queued outbox rows (it had rules or a topic) */

/* Loads every CI row of the store in SRC (in seq order) into memory. */
static struct row *load_rows(const char *src, size_t *nrows)
{
    char path[4096];
    sqlite3 *db;
    sqlite3_stmt *q;
    snprintf(path, sizeof path, "%s/plumb.db", src);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_prepare_v2(db,
                       "SELECT c.seq, r.account, r.region, r.resource_type, r.resource_id, "
                       "c.resource_name, c.status, c.capture_ms, c.state_id, c.hash, c.body, "
                       "c.diff FROM config_items c JOIN resources r ON r.id = c.res ORDER BY c.seq",
                       -1, &q, NULL);
    size_t n = 0, cap = 1024;
    struct row *rows = malloc(cap * sizeof *rows);
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (n == cap)
            rows = realloc(rows, (cap *= 2) * sizeof *rows);
        struct row *r = &rows[n++];
        memset(r, 0, sizeof *r);
        r->seq = sqlite3_column_int64(q, 0);
        r->account = dupcol(q, 1, NULL);
        r->region = dupcol(q, 2, NULL);
        r->type = dupcol(q, 3, NULL);
        r->id = dupcol(q, 4, NULL);
        r->name = dupcol(q, 5, NULL);
        r->status = dupcol(q, 6, NULL);
        r->capture_ms = sqlite3_column_int64(q, 7);
        r->state_id = sqlite3_column_int64(q, 8);
        r->hash = dupcol(q, 9, NULL);
        r->body = dupcol(q, 10, &r->body_len);
        r->diff = dupcol(q, 11, &r->diff_len);
    }
    sqlite3_finalize(q);
    sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM outbox", -1, &q, NULL);
    src_outbox = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 0) > 0;
    sqlite3_finalize(q);
    sqlite3_close(db);
    *nrows = n;
    return rows;
}

static int rows(const char *src, const char *dir)
{
    size_t n;
    struct row *rs = load_rows(src, &n);
    struct pl_store *st;
    struct pl_err err = {0};
    if (!rs || pl_store_open(dir, 0, &st, &err) < 0) /* plumb's schema, then bare SQL */
        return fprintf(stderr, "rows: cannot open %s / %s %s\n", src, dir, err.msg), 1;
    pl_store_close(st);
    char path[4096];
    sqlite3 *db;
    snprintf(path, sizeof path, "%s/plumb.db", dir);
    sqlite3_open(path, &db);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                 "PRAGMA cache_size=-65536",
                 NULL, NULL, NULL);
    sqlite3_stmt *up, *ci, *ob;
    sqlite3_prepare_v2(db,
                       "INSERT INTO resources(account, region, resource_type, resource_id, "
                       "resource_name, status, deleted, capture_ms, deletion_ms, first_ms, "
                       "state_id, latest_seq, versions, hash) VALUES(?1, ?2, ?3, ?4, ?5, ?6, 0, "
                       "?7, 0, ?7, ?8, ?9, 1, ?10) ON CONFLICT DO UPDATE SET resource_name = "
                       "excluded.resource_name, status = excluded.status, capture_ms = "
                       "excluded.capture_ms, state_id = excluded.state_id, latest_seq = "
                       "excluded.latest_seq, versions = versions + 1, hash = excluded.hash "
                       "RETURNING id",
                       -1, &up, NULL);
    sqlite3_prepare_v2(db,
                       "INSERT INTO config_items(seq, res, status, capture_ms, state_id, "
                       "resource_name, hash, body, diff) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                       "?9)",
                       -1, &ci, NULL);
    sqlite3_prepare_v2(db,
                       "INSERT INTO outbox(account, region, kind, payload, created_ms, "
                       "next_attempt_ms) VALUES(?1, ?2, 'rules.ci_recorded', ?3, ?4, ?4)",
                       -1, &ob, NULL);
    int64_t t0 = pl_mono_ns();
    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        struct row *r = &rs[i];
        char payload[160];
        sqlite3_bind_text(up, 1, r->account, -1, SQLITE_STATIC);
        sqlite3_bind_text(up, 2, r->region, -1, SQLITE_STATIC);
        sqlite3_bind_text(up, 3, r->type, -1, SQLITE_STATIC);
        sqlite3_bind_text(up, 4, r->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(up, 5, r->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(up, 6, r->status, -1, SQLITE_STATIC);
        sqlite3_bind_int64(up, 7, r->capture_ms);
        sqlite3_bind_int64(up, 8, r->state_id);
        sqlite3_bind_int64(up, 9, r->seq);
        sqlite3_bind_text(up, 10, r->hash, -1, SQLITE_STATIC);
        if (sqlite3_step(up) != SQLITE_ROW)
            return fprintf(stderr, "upsert: %s\n", sqlite3_errmsg(db)), 1;
        int64_t res = sqlite3_column_int64(up, 0);
        sqlite3_reset(up);
        sqlite3_bind_int64(ci, 1, r->seq);
        sqlite3_bind_int64(ci, 2, res);
        sqlite3_bind_text(ci, 3, r->status, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ci, 4, r->capture_ms);
        sqlite3_bind_int64(ci, 5, r->state_id);
        sqlite3_bind_text(ci, 6, r->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(ci, 7, r->hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(ci, 8, r->body, r->body_len, SQLITE_STATIC);
        sqlite3_bind_text(ci, 9, r->diff, r->diff_len, SQLITE_STATIC);
        if (sqlite3_step(ci) != SQLITE_DONE)
            return fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db)), 1;
        sqlite3_reset(ci);
        if (!src_outbox)
            goto next;
        int pn = snprintf(payload, sizeof payload, "{\"seq\":%" PRId64 "}", r->seq);
        sqlite3_bind_text(ob, 1, r->account, -1, SQLITE_STATIC);
        sqlite3_bind_text(ob, 2, r->region, -1, SQLITE_STATIC);
        sqlite3_bind_text(ob, 3, payload, pn, SQLITE_STATIC);
        sqlite3_bind_int64(ob, 4, r->capture_ms);
        if (sqlite3_step(ob) != SQLITE_DONE)
            return fprintf(stderr, "outbox: %s\n", sqlite3_errmsg(db)), 1;
        sqlite3_reset(ob);
    next:
        if ((i + 1) % 5000 == 0) {
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
            sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        }
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    double secs = (double)(pl_mono_ns() - t0) / 1e9;
    printf("mode=rows cis=%zu secs=%.2f rate=%.0f maxrss_kb=%ld\n", n, secs, (double)n / secs,
           maxrss_kb());
    sqlite3_finalize(up);
    sqlite3_finalize(ci);
    sqlite3_finalize(ob);
    sqlite3_close(db);
    for (size_t i = 0; i < n; i++) {
        struct row *r = &rs[i];
        char *ps[] = {r->account, r->region, r->type, r->id,  r->name,
                      r->status,  r->hash,   r->body, r->diff};
        for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++)
            free(ps[k]);
    }
    free(rs);
    return 0;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sets the time window and order of hq for SHAPE over the life of resource r. */
static void history_shape(struct pl_history_q *hq, const struct pl_resource *r, const char *shape)
{
    int64_t life = r->capture_ms - r->first_ms;
    if (strcmp(shape, "window") == 0) {
        hq->earlier_ms = r->first_ms + life / 4;
        hq->later_ms = r->first_ms + life / 2;
    } else if (strcmp(shape, "forward") == 0) {
        hq->earlier_ms = r->first_ms + life / 2;
        hq->forward = true;
    }
}

/* One timed history query (after page - 1 untimed pages): its rows rendered and written. */
static int history_query(struct pl_store *s, struct pl_history_q *hq, int page, struct pl_arena *a,
                         int64_t *ns, size_t *nrows, struct pl_err *err)
{
    struct pl_ci_row *rows;
    size_t n;
    char *next = NULL;
    *nrows = 0;
    for (int p = 1; p < page; p++) {
        if (pl_store_history(s, hq, a, &rows, &n, &next, err) < 0)
            return -1;
        if (!(hq->cursor = next))
            return 0; /* fewer pages than that */
    }
    int64_t t0 = pl_mono_ns();
    if (pl_store_history(s, hq, a, &rows, &n, &next, err) < 0)
        return -1;
    struct pl_json *arr = pl_json_new_arr(a);
    for (size_t k = 0; k < n; k++)
        pl_json_push(arr, pl_ci_render_api(a, &rows[k], err));
    struct pl_buf out;
    pl_buf_init(&out, PL_BUF_NOLIMIT);
    pl_json_write(&out, arr, 0);
    pl_buf_fini(&out);
    *ns += pl_mono_ns() - t0;
    *nrows = n;
    return 0;
}

static int history(const char *dir, int nq, const char *shape)
{
    struct pl_store *s;
    struct pl_err err = {0};
    if (pl_store_open(dir, 0, &s, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    /* sample resource keys with several versions and with one, straight from the file */
    char path[4096];
    snprintf(path, sizeof path, "%s/plumb.db", dir);
    sqlite3 *db;
    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    sqlite3_stmt *q;
    int64_t maxid = 0;
    sqlite3_prepare_v2(db, "SELECT max(id) FROM resources", -1, &q, NULL);
    if (sqlite3_step(q) == SQLITE_ROW)
        maxid = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_prepare_v2(db,
                       "SELECT account, region, resource_type, resource_id FROM resources "
                       "WHERE id = ?1",
                       -1, &q, NULL);
    int64_t *lat = calloc((size_t)nq, sizeof *lat);
    struct pl_arena a;
    pl_arena_init(&a);
    srandom(7);
    int64_t rows_total = 0;
    for (int i = 0; i < nq; i++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, 1 + random() % (maxid ? maxid : 1));
        if (sqlite3_step(q) != SQLITE_ROW) {
            i--;
            continue;
        }
        struct pl_history_q hq = {.account = (const char *)sqlite3_column_text(q, 0),
                                  .region = (const char *)sqlite3_column_text(q, 1),
                                  .resource_type = (const char *)sqlite3_column_text(q, 2),
                                  .resource_id = (const char *)sqlite3_column_text(q, 3),
                                  .later_ms = INT64_MAX,
                                  .limit = 10};
        pl_arena_reset(&a);
        int64_t t0 = pl_mono_ns();
        size_t n;
        struct pl_resource res;
        if (pl_store_resource_get(s, hq.account, hq.region, hq.resource_type, hq.resource_id, &a,
                                  &res, &err) != 1) {
            fprintf(stderr, "history: %s\n", err.msg);
            return 1;
        }
        history_shape(&hq, &res, shape);
        lat[i] = pl_mono_ns() - t0;
        if (history_query(s, &hq, strcmp(shape, "page3") == 0 ? 3 : 1, &a, &lat[i], &n, &err) < 0) {
            fprintf(stderr, "history: %s\n", err.msg);
            return 1;
        }
        rows_total += (int64_t)n;
    }
    qsort(lat, (size_t)nq, sizeof *lat, cmp64);
    printf("mode=history shape=%s queries=%d rows=%" PRId64 " p50_us=%.0f p99_us=%.0f "
           "max_us=%.0f\n",
           shape, nq, rows_total, lat[nq / 2] / 1e3, lat[nq * 99 / 100] / 1e3, lat[nq - 1] / 1e3);
    free(lat);
    sqlite3_finalize(q);
    sqlite3_close(db);
    pl_arena_fini(&a);
    pl_store_close(s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "bare") == 0)
        return bare(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "record") == 0)
        return record(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "rows") == 0)
        return rows(argv[2], argv[3]);
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "history") == 0)
        return history(argv[2], atoi(argv[3]), argc == 5 ? argv[4] : "newest");
    fprintf(stderr, "usage: bench_record bare|record FILE DIR | rows SRC DIR | history DIR N\n");
    return 2;
}
