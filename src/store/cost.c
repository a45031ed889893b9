/* cost.c — the store's side of the cost report (cost.h): CIs per resource and month, the
 * evaluation counters, the store's footprint; the tables come from sqlite.c's migration 9.
 *
 * The CI count never reads a CI body: it scans the covering index config_items_res
 * (res, capture_ms) once, in (res, capture_ms) order, and takes what is not billed at the
 * continuous rate from the partial index config_items_cost (a few rows), walking both in the
 * same order. Resources (id -> account, region, type, id) are read first, in id order, so the
 * scan joins them by a merge walk instead of one lookup per CI.
 *
 * Invariants: statements are prepared once per connection (their own slots, store_int.h) and
 * reset before each use; nothing here writes outside a caller's transaction except the
 * one-statement counter upsert.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/time.h"
#include "store/cost.h"
#include "store/db.h"
#include "store/store.h"
#include "store/store_int.h"

enum { Q_RES, Q_CIS, Q_EXC, Q_ADD, Q_EVALS, Q_FOOT, Q_DB_BYTES, Q__COUNT };

static const char *const sql_text[Q__COUNT] = {
    [Q_RES] = "SELECT id, account, region, resource_type, resource_id FROM resources "
              "WHERE CAST(?1 AS TEXT) IS NULL OR account = ?1 ORDER BY id",
    /* the covering index, in its own order: no sort, no table page read */
    [Q_CIS] = "SELECT res, capture_ms FROM config_items INDEXED BY config_items_res "
              "WHERE capture_ms >= ?1 AND capture_ms < ?2 ORDER BY res, capture_ms",
    [Q_EXC] = "SELECT res, capture_ms, freq FROM config_items INDEXED BY config_items_cost "
              "WHERE " PL_STORE__COST_WHERE " AND capture_ms >= ?1 AND capture_ms < ?2 "
              "ORDER BY res, capture_ms",
    [Q_ADD] = "INSERT INTO eval_counts(account, region, rule, resource_type, month, pack, n) "
              "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (account, region, month, rule, "
              "resource_type) DO UPDATE SET n = eval_counts.n + excluded.n, "
              "pack = excluded.pack",
    [Q_EVALS] = "SELECT account, region, rule, resource_type, month, pack, n FROM eval_counts "
                "WHERE (CAST(?1 AS TEXT) IS NULL OR account = ?1) AND month >= ?2 AND month <= ?3 "
                "ORDER BY account, region, month, rule, resource_type",
    [Q_FOOT] =
        "SELECT count(*) FILTER (WHERE deleted = 0 AND status <> 'ResourceNotRecorded'), "
        "coalesce(sum(versions), 0) FROM resources WHERE CAST(?1 AS TEXT) IS NULL OR account = ?1",
    /* PostgreSQL only: the database's size (SQLite's is its files') */
    [Q_DB_BYTES] = "SELECT pg_database_size(current_database())",
};
_Static_assert(Q__COUNT <= PL_STORE__COST_STMTS, "grow PL_STORE__COST_STMTS");

static struct pl_q *stmt(struct pl_store *s, int i, struct pl_err *err)
{
    return pl_db_prepared(s->db, &s->cost[i], sql_text[i], "cost", err);
}

/* ---- months ---- */

/* The month of ms and its bounds [*start, *end). */
static int month_bounds(int64_t ms, int64_t *start, int64_t *end)
{
    struct pl_tm tm;
    pl_time_civil(ms, &tm);
    struct pl_tm m0 = {.year = tm.year, .mon = tm.mon, .day = 1};
    struct pl_tm m1 = {.year = tm.mon == 12 ? tm.year + 1 : tm.year,
                       .mon = tm.mon == 12 ? 1 : tm.mon + 1,
                       .day = 1};
    *start = pl_time_from_civil(&m0);
    *end = pl_time_from_civil(&m1);
    return tm.year * 100 + tm.mon;
}

int pl_store_month_of(int64_t ms)
{
    int64_t a, b;
    return month_bounds(ms, &a, &b);
}

/* The month of ms, recomputed only when ms leaves the cached month [c->m0, c->m1). */
struct month_cache {
    int64_t m0, m1;
    int month;
};
static int month_cached(struct month_cache *c, int64_t ms)
{
    if (ms < c->m0 || ms >= c->m1)
        c->month = month_bounds(ms, &c->m0, &c->m1);
    return c->month;
}

static int64_t day_of(int64_t ms)
{
    return ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
}

/* ---- CIs per resource and month ---- */

struct res_row {
    int64_t id;
    const char *account, *region, *type, *rid;
};

struct exc_row {
    int64_t res, ms;
    bool daily;
};

struct walk {
    struct pl_store *s;
    struct res_row *res;
    size_t nres, ri;
    struct exc_row *exc;
    size_t nexc, ei;
    struct month_cache mc, emc;
    pl_store_cost_res_fn fn;
    void *arg;
    /* the (resource, month) being counted */
    int64_t cur;
    int month;
    int64_t total, days, last_day;
};

/* Hands the current (resource, month) to the callback, the exceptions subtracted. */
static int emit(struct walk *w, struct pl_err *err)
{
    if (w->total == 0)
        return 0;
    struct pl_cost_res r = {.month = w->month, .days = w->days};
    while (w->ei < w->nexc &&
           (w->exc[w->ei].res < w->cur ||
            (w->exc[w->ei].res == w->cur && month_cached(&w->emc, w->exc[w->ei].ms) < w->month)))
        w->ei++;
    while (w->ei < w->nexc && w->exc[w->ei].res == w->cur &&
           month_cached(&w->emc, w->exc[w->ei].ms) == w->month) {
        if (w->exc[w->ei].daily)
            r.daily++;
        else
            r.unbilled++;
        w->ei++;
    }
    r.continuous = w->total - r.daily - r.unbilled;
    const struct res_row *rr = &w->res[w->ri];
    r.account = rr->account;
    r.region = rr->region;
    r.resource_type = rr->type;
    r.resource_id = rr->rid;
    w->total = 0;
    return w->fn(w->arg, &r, err);
}

static int load_resources(struct walk *w, const char *account, struct pl_arena *a,
                          struct pl_err *err)
{
    struct pl_q *q = stmt(w->s, Q_RES, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    size_t cap = 0;
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        w->res = pl_db_grow(a, w->res, w->nres, &cap, sizeof *w->res);
        struct res_row *r = &w->res[w->nres++];
        r->id = pl_q_i64(q, 0);
        r->account = pl_q_dup(a, q, 1);
        r->region = pl_q_dup(a, q, 2);
        r->type = pl_q_dup(a, q, 3);
        r->rid = pl_q_dup(a, q, 4);
    }
    pl_q_reset(q);
    return rc == PL_Q_DONE ? 0 : pl_db_fail(w->s->db, "cost", err, "resources");
}

static int load_exceptions(struct walk *w, int64_t since, int64_t until, struct pl_arena *a,
                           struct pl_err *err)
{
    struct pl_q *q = stmt(w->s, Q_EXC, err);
    if (!q)
        return -1;
    pl_q_bind_i64(q, 1, since);
    pl_q_bind_i64(q, 2, until);
    size_t cap = 0;
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        w->exc = pl_db_grow(a, w->exc, w->nexc, &cap, sizeof *w->exc);
        struct exc_row *e = &w->exc[w->nexc++];
        e->res = pl_q_i64(q, 0);
        e->ms = pl_q_i64(q, 1);
        e->daily = (int)pl_q_i64(q, 2) == 1;
    }
    pl_q_reset(q);
    return rc == PL_Q_DONE ? 0 : pl_db_fail(w->s->db, "cost", err, "exceptions");
}

/* A read-only connection (plumb cost) does not migrate: say so instead of "no such table". */
static int check_schema(struct pl_store *s, struct pl_err *err)
{
    if (pl_db_kind(s->db) != PL_DB_SQLITE) /* SQLite's user_version; pg: its own migrations */
        return 0;
    int v = 0;
    struct pl_q *q = pl_db_prepare(s->db, "PRAGMA user_version", "cost", err);
    if (!q)
        return -1;
    if (pl_q_step(q, NULL, NULL) == PL_Q_ROW)
        v = (int)pl_q_i64(q, 0);
    pl_q_finalize(q);
    if (v < 8)
        return pl_fail(err, PL_E_VALIDATION,
                       "the store's schema (%d) predates the cost report (8): open it once with "
                       "plumb serve or plumb record to migrate it",
                       v);
    return 0;
}

int pl_store_cost_cis(struct pl_store *s, const char *account, int64_t since_ms, int64_t until_ms,
                      pl_store_cost_res_fn fn, void *arg, struct pl_err *err)
{
    if (check_schema(s, err) < 0)
        return -1;
    struct pl_arena a;
    pl_arena_init(&a);
    struct walk w = {.s = s, .fn = fn, .arg = arg, .cur = -1, .mc = {1, 0, 0}, .emc = {1, 0, 0}};
    int ret = -1;
    if (load_resources(&w, account, &a, err) < 0 ||
        load_exceptions(&w, since_ms, until_ms, &a, err) < 0)
        goto out;
    struct pl_q *q = stmt(s, Q_CIS, err);
    if (!q)
        goto out;
    pl_q_bind_i64(q, 1, since_ms);
    pl_q_bind_i64(q, 2, until_ms);
    int rc;
    bool failed = false;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        int64_t res = pl_q_i64(q, 0), ms = pl_q_i64(q, 1);
        if (res != w.cur) {
            if (w.cur >= 0 && emit(&w, err) < 0) {
                failed = true;
                break;
            }
            while (w.ri < w.nres && w.res[w.ri].id < res)
                w.ri++;
            if (w.ri == w.nres)
                break; /* past the last resource of the account */
            if (w.res[w.ri].id != res) {
                w.cur = -1; /* another account's resource */
                continue;
            }
            w.cur = res;
            w.month = month_cached(&w.mc, ms);
            w.days = 0;
            w.last_day = INT64_MIN;
        } else if (w.cur < 0) {
            continue;
        }
        int m = month_cached(&w.mc, ms);
        if (m != w.month) {
            if (emit(&w, err) < 0) {
                failed = true;
                break;
            }
            w.month = m;
            w.days = 0;
            w.last_day = INT64_MIN;
        }
        int64_t d = day_of(ms);
        if (d != w.last_day) {
            w.days++;
            w.last_day = d;
        }
        w.total++;
    }
    if (failed) {
        pl_q_reset(q);
        goto out;
    }
    if (rc != PL_Q_ROW && rc != PL_Q_DONE) {
        pl_db_fail(s->db, "cost", err, "cis");
        pl_q_reset(q);
        goto out;
    }
    pl_q_reset(q);
    if ((w.cur >= 0 && emit(&w, err) < 0) || fn(arg, NULL, err) < 0)
        goto out; /* the end (NULL) while the strings of the last resource still live */
    ret = 0;
out:
    pl_arena_fini(&a);
    return ret;
}

/* ---- evaluation counters ---- */

int pl_store_eval_count_add(struct pl_store *s, const char *account, const char *region,
                            const char *rule, const char *type, int month, bool pack, int64_t n,
                            struct pl_err *err)
{
    struct pl_q *q = stmt(s, Q_ADD, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    pl_q_bind_text(q, 3, rule);
    pl_q_bind_text(q, 4, type);
    pl_q_bind_i64(q, 5, month);
    pl_q_bind_i64(q, 6, pack);
    pl_q_bind_i64(q, 7, n);
    return pl_q_run(q, err, "eval_count_add");
}

int pl_store_cost_evals(struct pl_store *s, const char *account, int since, int until,
                        struct pl_arena *a, struct pl_cost_evals **rows, size_t *n,
                        struct pl_err *err)
{
    *rows = NULL;
    *n = 0;
    struct pl_q *q = stmt(s, Q_EVALS, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    pl_q_bind_i64(q, 2, since);
    pl_q_bind_i64(q, 3, until);
    size_t cap = 0;
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        *rows = pl_db_grow(a, *rows, *n, &cap, sizeof **rows);
        struct pl_cost_evals *r = &(*rows)[(*n)++];
        r->account = pl_q_dup(a, q, 0);
        r->region = pl_q_dup(a, q, 1);
        r->rule = pl_q_dup(a, q, 2);
        r->resource_type = pl_q_dup(a, q, 3);
        r->month = (int)pl_q_i64(q, 4);
        r->pack = (int)pl_q_i64(q, 5) != 0;
        r->n = pl_q_i64(q, 6);
    }
    pl_q_reset(q);
    return rc == PL_Q_DONE ? 0 : pl_db_fail(s->db, "cost", err, "evals");
}

/* ---- footprint ---- */

static int64_t file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

/* The size of a PostgreSQL database, its tables and indexes together */
static int db_bytes(struct pl_store *s, int64_t *bytes, struct pl_err *err)
{
    struct pl_q *q = stmt(s, Q_DB_BYTES, err);
    if (!q)
        return -1;
    int rc = pl_q_step(q, err, "database size");
    *bytes = rc == PL_Q_ROW ? pl_q_i64(q, 0) : 0;
    pl_q_reset(q);
    return rc == PL_Q_ERROR ? -1 : 0;
}

int pl_store_footprint(struct pl_store *s, const char *account, int64_t *resources,
                       int64_t *versions, int64_t *bytes, struct pl_err *err)
{
    struct pl_q *q = stmt(s, Q_FOOT, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    if (pl_q_step(q, NULL, NULL) != PL_Q_ROW) {
        pl_q_reset(q);
        return pl_db_fail(s->db, "cost", err, "footprint");
    }
    *resources = pl_q_i64(q, 0);
    *versions = pl_q_i64(q, 1);
    pl_q_reset(q);
    if (pl_db_kind(s->db) == PL_DB_PG)
        return db_bytes(s, bytes, err);
    char wal[sizeof s->path + 8];
    snprintf(wal, sizeof wal, "%s-wal", s->path);
    *bytes = file_bytes(s->path) + file_bytes(wal);
    return 0;
}
