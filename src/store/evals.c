/* evals.c — the store's evaluation tables (evals.h): rule evaluation results, evaluation
 * status, result tokens and function logs, on the store's own connection (store_int.h) and in
 * its transactions; the tables come from sqlite.c's migrations 3 and 6.
 *
 * Invariants:
 *   - a stored result is only replaced by one with an ordering timestamp >= its own;
 *   - every write happens inside BEGIN IMMEDIATE ... COMMIT (explicit or one statement);
 *   - statements are prepared once per connection (their own slots, store_int.h) and reset
 *     before each use.
 */
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "core/time.h"
#include "core/util.h"
#include "store/evals.h"
#include "store/db.h"
#include "store/store.h"
#include "store/store_int.h"

enum {
    Q_GET,
    Q_PUT,
    Q_UPDATE,
    Q_UPDATE_SAME,
    Q_LIST,
    Q_LIST_RULE,
    Q_LIST_RES,
    Q_DEL_RULE,
    Q_COUNTS,
    Q_RULE_COMP,
    Q_RES,
    Q_ST_GET,
    Q_ST_PUT,
    Q_ST_DEL,
    Q_TOK_PUT,
    Q_TOK_GET,
    Q_TOK_PRUNE,
    Q_LOG_PUT,
    Q_LOG_LIST,
    Q_LOG_AGE,
    Q_LOG_OVER,
    Q_LOG_KEEP,
    Q_COUNTS_ALL,
    Q_TREND,
    Q_SCORE_LAST,
    Q_SCORE_ADD,
    Q_SCORE_LIST,
    Q_SCORE_DEL,
    Q__COUNT
};

#define EV_COLS                                                                                    \
    "account, region, rule, resource_type, resource_id, mode, comp, annotation, ordering_ms, "     \
    "recorded_ms, invoked_ms, token"
#define KEY_WHERE                                                                                  \
    "account = ?1 AND region = ?2 AND rule = ?3 AND resource_type = ?4 AND resource_id = ?5"

/* The statements whose text differs between the dialects, D and B the differing parts: D the
 * comps bit set ?6 holding a row's comp, B a comparison as an integer (store_int.h) */
#define COMP_IN_LITE "((?6 >> comp) & 1)"
#define COMP_IN_PG   "((CAST(?6 AS INTEGER) >> comp) & 1) = 1"
#define Q_LIST_SQL(D)                                                                              \
    "SELECT " EV_COLS " FROM rule_evals WHERE account = ?1 AND region = ?2 AND "                   \
    "(CAST(?4 AS TEXT) IS NULL OR resource_type = ?4) AND (CAST(?5 AS TEXT) IS NULL OR "           \
    "resource_id = ?5) AND " D " AND "                                                             \
    "(rule, resource_type, resource_id) > (?7, ?8, ?9) "                                           \
    "ORDER BY rule, resource_type, resource_id LIMIT ?10"
#define Q_LIST_RULE_SQL(D)                                                                         \
    "SELECT " EV_COLS " FROM rule_evals WHERE account = ?1 AND region = ?2 AND "                   \
    "rule = ?3 AND (CAST(?4 AS TEXT) IS NULL OR resource_type = ?4) AND (CAST(?5 AS TEXT) IS "     \
    "NULL OR "                                                                                     \
    "resource_id = ?5) AND " D " AND (resource_type, resource_id) "                                \
    "> (?8, ?9) ORDER BY resource_type, resource_id LIMIT ?10"
#define Q_LIST_RES_SQL(D)                                                                          \
    "SELECT " EV_COLS " FROM rule_evals INDEXED BY rule_evals_res WHERE "                          \
    "account = ?1 AND region = ?2 AND resource_type = ?4 AND resource_id = ?5 AND " D " AND "      \
    "rule > ?7 ORDER BY rule LIMIT ?10"
#define Q_RES_SQL(B)                                                                               \
    "SELECT resource_type, resource_id, SUM(" B("comp = 2") "), SUM(" B(                           \
        "comp = 1") ") "                                                                           \
                    "FROM rule_evals WHERE account = ?1 AND region = ?2 AND (CAST(?3 AS TEXT) IS " \
                    "NULL OR resource_type = ?3) "                                                 \
                    "AND (CAST(?4 AS TEXT) IS NULL OR resource_id = ?4) AND comp IN (1, 2) AND "   \
                    "(CAST(?5 AS TEXT) IS NULL OR (resource_type, resource_id) > (?5, ?6)) "       \
                    "GROUP BY resource_type, resource_id ORDER BY resource_type, resource_id "     \
                    "LIMIT ?7"
#define Q_COUNTS_ALL_SQL(B)                                                                        \
    "SELECT rule, SUM(" B("comp = 0") "), SUM(" B("comp = 1") "), SUM(" B(                         \
        "comp = 2") "), "                                                                          \
                    "SUM(" B("comp = 3") ") FROM rule_evals WHERE account = ?1 AND region = ?2 "   \
                                         "GROUP BY rule "                                          \
                                         "ORDER BY rule"

static const char *const sql_text[Q__COUNT] = {
    [Q_SCORE_LAST] = "SELECT ok, bad FROM pack_scores WHERE account = ?1 AND region = ?2 AND "
                     "pack = ?3 ORDER BY time_ms DESC LIMIT 1",
    [Q_SCORE_ADD] = "INSERT INTO pack_scores(account, region, pack, time_ms, ok, bad) "
                    "VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(account, region, pack, time_ms) "
                    "DO UPDATE SET ok = excluded.ok, bad = excluded.bad",
    [Q_SCORE_LIST] = "SELECT time_ms, ok, bad FROM pack_scores WHERE account = ?1 AND region = ?2 "
                     "AND pack = ?3 AND time_ms < ?4 ORDER BY time_ms DESC LIMIT ?5",
    [Q_SCORE_DEL] = "DELETE FROM pack_scores WHERE account = ?1 AND region = ?2 AND pack = ?3",
    [Q_GET] = "SELECT " EV_COLS " FROM rule_evals WHERE " KEY_WHERE " AND mode = ?6",
    [Q_PUT] = "INSERT INTO rule_evals(" EV_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
              "?10, ?11, ?12) ON CONFLICT (account, region, rule, resource_type, resource_id, "
              "mode) DO UPDATE SET comp = excluded.comp, annotation = "
              "excluded.annotation, ordering_ms = excluded.ordering_ms, recorded_ms = "
              "excluded.recorded_ms, invoked_ms = excluded.invoked_ms, token = excluded.token "
              "WHERE excluded.ordering_ms >= rule_evals.ordering_ms",
    /* ?3 rule, ?4 type, ?5 id filters (NULL: any); ?6 comps bit set; ?7..?9 cursor ("" from
     * the start, so the row-value comparison can always use the index) */
    [Q_LIST] = Q_LIST_SQL(COMP_IN_LITE),
    [Q_LIST_RULE] = Q_LIST_RULE_SQL(COMP_IN_LITE),
    /* the caller knows the row exists and is older: one B-tree search instead of two */
    [Q_UPDATE] =
        "UPDATE rule_evals SET comp = ?7, annotation = ?8, ordering_ms = ?9, "
        "recorded_ms = ?10, invoked_ms = ?11, token = ?12 WHERE " KEY_WHERE " AND mode = ?6",
    /* without INDEXED BY the planner prefers the primary key for "rule > ?7 ORDER BY rule" and
     * scans the whole partition */
    /* the same, when the compliance stays: comp is not set, so the partial index
     * rule_evals_bad is not touched (a re-run rewrites every result). No "comp = ?" in the
     * WHERE: a bound value that could pick the partial index makes SQLite re-prepare the
     * statement at every binding (it cost a fifth of a full run) */
    [Q_UPDATE_SAME] = "UPDATE rule_evals SET annotation = ?8, ordering_ms = ?9, recorded_ms = ?10, "
                      "invoked_ms = ?11, token = ?12 WHERE " KEY_WHERE " AND mode = ?6",
    [Q_LIST_RES] = Q_LIST_RES_SQL(COMP_IN_LITE),
    [Q_DEL_RULE] = "DELETE FROM rule_evals WHERE account = ?1 AND region = ?2 AND rule = ?3",
    [Q_COUNTS] = "SELECT comp, COUNT(*) FROM rule_evals WHERE account = ?1 AND region = ?2 AND "
                 "rule = ?3 GROUP BY comp",
    /* the rule's compliance as a whole: NON_COMPLIANT rows are found through the partial index
     * rule_evals_bad (few rows); a COMPLIANT row is usually the first of the rule's range */
    [Q_RULE_COMP] = "SELECT EXISTS(SELECT 1 FROM rule_evals INDEXED BY rule_evals_bad WHERE "
                    "account = ?1 AND region = ?2 AND rule = ?3 AND comp = 2), "
                    "EXISTS(SELECT 1 FROM rule_evals WHERE account = ?1 AND region = ?2 AND "
                    "rule = ?3 AND comp = 1)",
    [Q_RES] = Q_RES_SQL(PL_SQL_INT_LITE),
    [Q_ST_GET] = "SELECT first_activated, last_deactivated, ok_invoke, fail_invoke, ok_eval, "
                 "fail_eval, err_code, err_msg, first_started, last_run, running_since FROM "
                 "rule_status WHERE account = ?1 AND region = ?2 AND rule = ?3",
    [Q_ST_PUT] = "INSERT INTO rule_status(account, region, rule, first_activated, "
                 "last_deactivated, ok_invoke, fail_invoke, ok_eval, fail_eval, err_code, "
                 "err_msg, first_started, last_run, running_since) VALUES(?1, ?2, ?3, ?4, ?5, "
                 "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) ON CONFLICT(account, region, rule) "
                 "DO UPDATE SET first_activated = excluded.first_activated, "
                 "last_deactivated = excluded.last_deactivated, ok_invoke = excluded.ok_invoke, "
                 "fail_invoke = excluded.fail_invoke, ok_eval = excluded.ok_eval, "
                 "fail_eval = excluded.fail_eval, err_code = excluded.err_code, "
                 "err_msg = excluded.err_msg, first_started = excluded.first_started, "
                 "last_run = excluded.last_run, running_since = excluded.running_since",
    [Q_ST_DEL] = "DELETE FROM rule_status WHERE account = ?1 AND region = ?2 AND rule = ?3",
    [Q_TOK_PUT] = "INSERT INTO rule_tokens(token, account, region, rule, invoked_ms) "
                  "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(token) DO UPDATE SET "
                  "account = excluded.account, region = excluded.region, rule = excluded.rule, "
                  "invoked_ms = excluded.invoked_ms",
    [Q_TOK_GET] = "SELECT rule, invoked_ms FROM rule_tokens WHERE token = ?1 AND account = ?2 "
                  "AND region = ?3",
    [Q_TOK_PRUNE] = "DELETE FROM rule_tokens WHERE invoked_ms < ?1",
    [Q_LOG_PUT] = "INSERT INTO function_logs(account, region, function, request_id, rule, "
                  "resource_type, resource_id, start_ms, duration_ms, outcome, error_message, "
                  "output, truncated) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                  "?13)",
    [Q_LOG_LIST] = "SELECT id, request_id, rule, resource_type, resource_id, start_ms, "
                   "duration_ms, outcome, error_message, output, truncated FROM function_logs "
                   "WHERE account = ?1 AND region = ?2 AND function = ?3 AND id > ?4 AND "
                   "start_ms >= ?5 ORDER BY id LIMIT ?6",
    [Q_LOG_AGE] = "DELETE FROM function_logs WHERE start_ms < ?1",
    /* the functions with more than ?1 entries: a scan of the covering index only (a window
     * function over the table read every row, 10 times slower at 100 x 1000 entries) */
    [Q_LOG_OVER] = "SELECT account, region, function FROM function_logs GROUP BY account, "
                   "region, function HAVING COUNT(*) > ?1",
    /* all but the newest ?4 of one function */
    [Q_LOG_KEEP] = "DELETE FROM function_logs WHERE account = ?1 AND region = ?2 AND "
                   "function = ?3 AND id <= (SELECT id FROM function_logs WHERE account = ?1 "
                   "AND region = ?2 AND function = ?3 ORDER BY id DESC LIMIT 1 OFFSET ?4)",
    /* one pass over the partition's range of the primary key, in its order: grouped by rule
     * alone, no temporary b-tree (GROUP BY rule, comp sorts every row: twice as slow) */
    [Q_COUNTS_ALL] = Q_COUNTS_ALL_SQL(PL_SQL_INT_LITE),
    /* the partition's per-day deltas (compliance_days, store.c's migration 16) up to the
     * day ?3: a few rows per day of history */
    [Q_TREND] = "SELECT day, ok, bad FROM compliance_days WHERE account = ?1 AND region = ?2 AND "
                "day <= ?3 ORDER BY day",
};

_Static_assert(Q__COUNT <= PL_STORE__EV_STMTS, "grow PL_STORE__EV_STMTS");

/* PostgreSQL's texts where the dialects differ (PL_DB_PICK) */
static const char *const sql_pg[Q__COUNT] = {
    [Q_LIST] = Q_LIST_SQL(COMP_IN_PG),
    [Q_LIST_RULE] = Q_LIST_RULE_SQL(COMP_IN_PG),
    [Q_LIST_RES] = Q_LIST_RES_SQL(COMP_IN_PG),
    [Q_RES] = Q_RES_SQL(PL_SQL_INT_PG),
    [Q_COUNTS_ALL] = Q_COUNTS_ALL_SQL(PL_SQL_INT_PG),
};

static const char *const comp_names[] = {"NOT_APPLICABLE", "COMPLIANT", "NON_COMPLIANT",
                                         "INSUFFICIENT_DATA"};

const char *pl_ev_comp_name(enum pl_ev_comp c)
{
    return (unsigned)c < 4 ? comp_names[c] : "INSUFFICIENT_DATA";
}

int pl_ev_comp_parse(const char *s)
{
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, comp_names[i]) == 0)
            return i;
    return -1;
}

static int db_fail(struct pl_store *e, struct pl_err *err, const char *what)
{
    return pl_db_fail(e->db, "evals", err, what);
}

static struct pl_q *stmt(struct pl_store *e, int i, struct pl_err *err)
{
    return pl_db_prepared(e->db, &e->ev[i], PL_DB_PICK(e->db, sql_text[i], sql_pg[i]), "evals",
                          err);
}

static int step_done(struct pl_store *e, struct pl_q *q, struct pl_err *err, const char *what)
{
    return pl_q_run(q, err, what);
}

static void bind_ms(struct pl_q *q, int i, int64_t v)
{
    if (v)
        pl_q_bind_i64(q, i, v);
    else
        pl_q_bind_null(q, i);
}

/* Binds (account, region, rule, type, id) to ?1..?5. */
static void bind_key(struct pl_q *q, const char *account, const char *region, const char *rule,
                     const char *type, const char *id)
{
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    pl_q_bind_text(q, 3, rule);
    pl_q_bind_text(q, 4, type);
    pl_q_bind_text(q, 5, id);
}

/* ---- results ---- */

static void read_row(struct pl_q *q, struct pl_arena *a, struct pl_ev_row *r)
{
    r->account = pl_q_dup(a, q, 0);
    r->region = pl_q_dup(a, q, 1);
    r->rule = pl_q_dup(a, q, 2);
    r->resource_type = pl_q_dup(a, q, 3);
    r->resource_id = pl_q_dup(a, q, 4);
    r->mode = pl_q_dup(a, q, 5);
    r->comp = (enum pl_ev_comp)(int)pl_q_i64(q, 6);
    r->annotation = pl_q_dup(a, q, 7);
    r->ordering_ms = pl_q_i64(q, 8);
    r->recorded_ms = pl_q_i64(q, 9);
    r->invoked_ms = pl_q_i64(q, 10);
    r->token = pl_q_dup(a, q, 11);
}

static int get_mode(struct pl_store *e, const char *account, const char *region, const char *rule,
                    const char *type, const char *id, const char *mode, struct pl_arena *a,
                    struct pl_ev_row *out, struct pl_err *err)
{
    struct pl_q *q = stmt(e, Q_GET, err);
    if (!q)
        return -1;
    bind_key(q, account, region, rule, type, id);
    pl_q_bind_text(q, 6, mode);
    int rc = pl_q_step(q, NULL, NULL);
    if (rc == PL_Q_ROW)
        read_row(q, a, out);
    pl_q_reset(q);
    if (rc != PL_Q_ROW && rc != PL_Q_DONE)
        return db_fail(e, err, "get");
    return rc == PL_Q_ROW;
}

int pl_store_eval_get(struct pl_store *e, const char *account, const char *region, const char *rule,
                 const char *type, const char *id, struct pl_arena *a, struct pl_ev_row *out,
                 struct pl_err *err)
{
    return get_mode(e, account, region, rule, type, id, "DETECTIVE", a, out, err);
}

int pl_store_eval_write(struct pl_store *e, const struct pl_ev_row *r, const struct pl_ev_row *old,
                        struct pl_err *err)
{
    struct pl_q *q = stmt(e, !old ? Q_PUT : old->comp == r->comp ? Q_UPDATE_SAME : Q_UPDATE, err);
    if (!q)
        return -1;
    bind_key(q, r->account, r->region, r->rule, r->resource_type, r->resource_id);
    pl_q_bind_text(q, 6, r->mode ? r->mode : "DETECTIVE");
    pl_q_bind_i64(q, 7, (int)r->comp);
    pl_q_bind_text(q, 8, r->annotation && *r->annotation ? r->annotation : NULL);
    pl_q_bind_i64(q, 9, r->ordering_ms);
    pl_q_bind_i64(q, 10, r->recorded_ms);
    pl_q_bind_i64(q, 11, r->invoked_ms);
    pl_q_bind_text(q, 12, r->token);
    if (step_done(e, q, err, "put") < 0)
        return -1;
    return pl_db_changes(e->db) > 0;
}

int pl_store_eval_put(struct pl_store *e, const struct pl_ev_row *r, struct pl_arena *a,
                 struct pl_ev_row *old, bool *had_old, struct pl_err *err)
{
    struct pl_ev_row prev;
    const char *mode = r->mode ? r->mode : "DETECTIVE";
    int found = get_mode(e, r->account, r->region, r->rule, r->resource_type, r->resource_id, mode,
                         a, &prev, err);
    if (found < 0)
        return -1;
    if (had_old)
        *had_old = found == 1;
    if (old && found)
        *old = prev;
    if (found && prev.ordering_ms > r->ordering_ms)
        return 0;
    return pl_store_eval_write(e, r, false, err);
}

int pl_store_eval_list(struct pl_store *e, const struct pl_ev_query *qy, struct pl_arena *a,
                  struct pl_ev_row **rows, size_t *n, bool *more, struct pl_err *err)
{
    *rows = NULL;
    *n = 0;
    *more = false;
    int limit = qy->limit > 0 ? qy->limit : 1000000;
    int which = qy->rule ? Q_LIST_RULE : (qy->type && qy->id) ? Q_LIST_RES : Q_LIST;
    struct pl_q *q = stmt(e, which, err);
    if (!q)
        return -1;
    bind_key(q, qy->account, qy->region, qy->rule, qy->type, qy->id);
    pl_q_bind_i64(q, 6, qy->comps ? (int)qy->comps : 0xf);
    pl_q_bind_text(q, 7, qy->after_rule ? qy->after_rule : "");
    pl_q_bind_text(q, 8, qy->after_type ? qy->after_type : "");
    pl_q_bind_text(q, 9, qy->after_id ? qy->after_id : "");
    pl_q_bind_i64(q, 10, (int64_t)limit + 1);
    size_t cap = 0;
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        if (*n == (size_t)limit) {
            *more = true;
            break;
        }
        *rows = pl_db_grow(a, *rows, *n, &cap, sizeof **rows);
        read_row(q, a, &(*rows)[(*n)++]);
    }
    pl_q_reset(q);
    if (rc != PL_Q_ROW && rc != PL_Q_DONE)
        return db_fail(e, err, "list");
    return 0;
}

int pl_store_eval_delete_rule(struct pl_store *e, const char *account, const char *region,
                         const char *rule, struct pl_err *err)
{
    struct pl_q *q = stmt(e, Q_DEL_RULE, err);
    if (!q)
        return -1;
    bind_key(q, account, region, rule, NULL, NULL);
    return step_done(e, q, err, "delete_rule");
}

int pl_store_eval_counts(struct pl_store *e, const char *account, const char *region,
                         const char *rule, int64_t cnt[4], struct pl_err *err)
{
    memset(cnt, 0, 4 * sizeof cnt[0]);
    struct pl_q *q = stmt(e, Q_COUNTS, err);
    if (!q)
        return -1;
    bind_key(q, account, region, rule, NULL, NULL);
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        int c = (int)pl_q_i64(q, 0);
        if (c >= 0 && c < 4)
            cnt[c] = pl_q_i64(q, 1);
    }
    pl_q_reset(q);
    if (rc != PL_Q_DONE)
        return db_fail(e, err, "rule_counts");
    return 0;
}

int pl_store_eval_counts_all(struct pl_store *e, const char *account, const char *region,
                             struct pl_arena *a, struct pl_ev_rule_counts **rules, size_t *n,
                             struct pl_err *err)
{
    *rules = NULL;
    *n = 0;
    struct pl_q *q = stmt(e, Q_COUNTS_ALL, err);
    if (!q)
        return -1;
    bind_key(q, account, region, NULL, NULL, NULL);
    size_t cap = 0;
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        *rules = pl_db_grow(a, *rules, *n, &cap, sizeof **rules);
        struct pl_ev_rule_counts *r = &(*rules)[(*n)++];
        r->rule = pl_q_dup(a, q, 0);
        for (int c = 0; c < 4; c++)
            r->cnt[c] = pl_q_i64(q, 1 + c);
    }
    pl_q_reset(q);
    if (rc != PL_Q_DONE)
        return db_fail(e, err, "counts_all");
    return 0;
}

#define DAY_MS 86400000LL

int pl_store_compliance_trend(struct pl_store *e, const char *account, const char *region,
                              int64_t now_ms, int ndays, int64_t *ok, int64_t *bad,
                              struct pl_err *err)
{
    if (ndays < 1 || ndays > PL_EV_TREND_MAX_DAYS)
        return pl_fail(err, PL_E_VALIDATION, "ndays %d out of range", ndays);
    memset(ok, 0, sizeof *ok * (size_t)ndays);
    memset(bad, 0, sizeof *bad * (size_t)ndays);
    int64_t day0 = now_ms / DAY_MS - (ndays - 1), nok = 0, nbad = 0; /* before day0: summed */
    struct pl_q *q = stmt(e, Q_TREND, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    pl_q_bind_i64(q, 3, now_ms / DAY_MS);
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        int64_t d = pl_q_i64(q, 0) - day0;
        ok[d < 0 ? 0 : d] += pl_q_i64(q, 1);
        bad[d < 0 ? 0 : d] += pl_q_i64(q, 2);
    }
    pl_q_reset(q);
    if (rc != PL_Q_DONE)
        return db_fail(e, err, "trend");
    for (int d = 0; d < ndays; d++) {
        ok[d] = nok += ok[d];
        bad[d] = nbad += bad[d];
    }
    return 0;
}

int pl_store_eval_rule_comp(struct pl_store *e, const char *account, const char *region,
                            const char *rule, enum pl_ev_comp *out, struct pl_err *err)
{
    struct pl_q *q = stmt(e, Q_RULE_COMP, err);
    if (!q)
        return -1;
    bind_key(q, account, region, rule, NULL, NULL);
    int rc = pl_q_step(q, NULL, NULL);
    if (rc == PL_Q_ROW)
        *out = (int)pl_q_i64(q, 0)   ? PL_EV_NON_COMPLIANT
               : (int)pl_q_i64(q, 1) ? PL_EV_COMPLIANT
                                     : PL_EV_INSUFFICIENT_DATA;
    pl_q_reset(q);
    if (rc != PL_Q_ROW)
        return db_fail(e, err, "rule_comp");
    return 0;
}

int pl_store_eval_resources(struct pl_store *e, const char *account, const char *region,
                       const char *type, const char *id, const char *after_type,
                       const char *after_id, int limit, struct pl_arena *a,
                       struct pl_ev_resource **rows, size_t *n, bool *more, struct pl_err *err)
{
    *rows = NULL;
    *n = 0;
    *more = false;
    if (limit <= 0)
        limit = 1000000000;
    struct pl_q *q = stmt(e, Q_RES, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    pl_q_bind_text(q, 3, type);
    pl_q_bind_text(q, 4, id);
    pl_q_bind_text(q, 5, after_type);
    pl_q_bind_text(q, 6, after_id);
    pl_q_bind_i64(q, 7, (int64_t)limit + 1);
    size_t cap = 0;
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        if (*n == (size_t)limit) {
            *more = true;
            break;
        }
        *rows = pl_db_grow(a, *rows, *n, &cap, sizeof **rows);
        struct pl_ev_resource *r = &(*rows)[(*n)++];
        r->resource_type = pl_q_dup(a, q, 0);
        r->resource_id = pl_q_dup(a, q, 1);
        r->noncompliant = pl_q_i64(q, 2);
        r->compliant = pl_q_i64(q, 3);
    }
    pl_q_reset(q);
    if (rc != PL_Q_ROW && rc != PL_Q_DONE)
        return db_fail(e, err, "resources");
    return 0;
}

/* ---- status ---- */

int pl_store_rule_status_get(struct pl_store *e, const char *account, const char *region,
                        const char *rule, struct pl_arena *a, struct pl_ev_status *out,
                        struct pl_err *err)
{
    memset(out, 0, sizeof *out);
    struct pl_q *q = stmt(e, Q_ST_GET, err);
    if (!q)
        return -1;
    bind_key(q, account, region, rule, NULL, NULL);
    int rc = pl_q_step(q, NULL, NULL);
    if (rc == PL_Q_ROW) {
        out->first_activated_ms = pl_q_i64(q, 0);
        out->last_deactivated_ms = pl_q_i64(q, 1);
        out->last_ok_invoke_ms = pl_q_i64(q, 2);
        out->last_fail_invoke_ms = pl_q_i64(q, 3);
        out->last_ok_eval_ms = pl_q_i64(q, 4);
        out->last_fail_eval_ms = pl_q_i64(q, 5);
        out->last_error_code = pl_q_dup(a, q, 6);
        out->last_error_message = pl_q_dup(a, q, 7);
        out->first_started = (int)pl_q_i64(q, 8) != 0;
        out->last_run_ms = pl_q_i64(q, 9);
        out->running_since = pl_q_i64(q, 10);
    }
    pl_q_reset(q);
    if (rc != PL_Q_ROW && rc != PL_Q_DONE)
        return db_fail(e, err, "status_get");
    return rc == PL_Q_ROW;
}

int pl_store_rule_status_put(struct pl_store *e, const char *account, const char *region,
                        const char *rule, const struct pl_ev_status *st, struct pl_err *err)
{
    struct pl_q *q = stmt(e, Q_ST_PUT, err);
    if (!q)
        return -1;
    bind_key(q, account, region, rule, NULL, NULL);
    bind_ms(q, 4, st->first_activated_ms);
    bind_ms(q, 5, st->last_deactivated_ms);
    bind_ms(q, 6, st->last_ok_invoke_ms);
    bind_ms(q, 7, st->last_fail_invoke_ms);
    bind_ms(q, 8, st->last_ok_eval_ms);
    bind_ms(q, 9, st->last_fail_eval_ms);
    pl_q_bind_text(q, 10, st->last_error_code);
    pl_q_bind_text(q, 11, st->last_error_message);
    pl_q_bind_i64(q, 12, st->first_started);
    bind_ms(q, 13, st->last_run_ms);
    bind_ms(q, 14, st->running_since);
    return step_done(e, q, err, "status_put");
}

int pl_store_rule_status_delete(struct pl_store *e, const char *account, const char *region,
                           const char *rule, struct pl_err *err)
{
    struct pl_q *q = stmt(e, Q_ST_DEL, err);
    if (!q)
        return -1;
    bind_key(q, account, region, rule, NULL, NULL);
    return step_done(e, q, err, "status_delete");
}

/* ---- tokens ---- */

int pl_store_token_put(struct pl_store *e, const char *token, const char *account,
                       const char *region, const char *rule, int64_t invoked_ms, struct pl_err *err)
{
    struct pl_q *q = stmt(e, Q_TOK_PUT, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, token);
    pl_q_bind_text(q, 2, account);
    pl_q_bind_text(q, 3, region);
    pl_q_bind_text(q, 4, rule);
    pl_q_bind_i64(q, 5, invoked_ms);
    return step_done(e, q, err, "token_put");
}

int pl_store_token_get(struct pl_store *e, const char *token, const char *account,
                       const char *region, struct pl_arena *a, const char **rule,
                       int64_t *invoked_ms, struct pl_err *err)
{
    struct pl_q *q = stmt(e, Q_TOK_GET, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, token);
    pl_q_bind_text(q, 2, account);
    pl_q_bind_text(q, 3, region);
    int rc = pl_q_step(q, NULL, NULL);
    if (rc == PL_Q_ROW) {
        *rule = pl_q_dup(a, q, 0);
        *invoked_ms = pl_q_i64(q, 1);
    }
    pl_q_reset(q);
    if (rc != PL_Q_ROW && rc != PL_Q_DONE)
        return db_fail(e, err, "token_get");
    return rc == PL_Q_ROW;
}

int pl_store_token_prune(struct pl_store *e, int64_t before_ms, struct pl_err *err)
{
    struct pl_q *q = stmt(e, Q_TOK_PRUNE, err);
    if (!q)
        return -1;
    pl_q_bind_i64(q, 1, before_ms);
    return step_done(e, q, err, "token_prune");
}

/* ---- function logs ---- */

int pl_store_fnlog_put(struct pl_store *e, const struct pl_fn_log *l, struct pl_err *err)
{
    struct pl_q *q = stmt(e, Q_LOG_PUT, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, l->account);
    pl_q_bind_text(q, 2, l->region);
    pl_q_bind_text(q, 3, l->function);
    pl_q_bind_text(q, 4, l->request_id);
    pl_q_bind_text(q, 5, l->rule);
    pl_q_bind_text(q, 6, l->resource_type);
    pl_q_bind_text(q, 7, l->resource_id);
    pl_q_bind_i64(q, 8, l->start_ms);
    pl_q_bind_i64(q, 9, l->duration_ms);
    pl_q_bind_text(q, 10, l->outcome);
    pl_q_bind_text(q, 11, l->error_message);
    pl_q_bind_text(q, 12, l->output ? l->output : "");
    pl_q_bind_i64(q, 13, l->truncated);
    return step_done(e, q, err, "fnlog_put");
}

static void read_log(struct pl_q *q, struct pl_arena *a, struct pl_fn_log *l)
{
    l->id = pl_q_i64(q, 0);
    l->request_id = pl_q_dup(a, q, 1);
    l->rule = pl_q_dup(a, q, 2);
    l->resource_type = pl_q_dup(a, q, 3);
    l->resource_id = pl_q_dup(a, q, 4);
    l->start_ms = pl_q_i64(q, 5);
    l->duration_ms = pl_q_i64(q, 6);
    l->outcome = pl_q_dup(a, q, 7);
    l->error_message = pl_q_dup(a, q, 8);
    l->output = pl_q_dup(a, q, 9);
    l->truncated = (int)pl_q_i64(q, 10) != 0;
}

int pl_store_fnlog_list(struct pl_store *e, const struct pl_fn_log_query *qy, struct pl_arena *a,
                        struct pl_fn_log **rows, size_t *n, bool *more, struct pl_err *err)
{
    *rows = NULL;
    *n = 0;
    *more = false;
    int limit = qy->limit > 0 && qy->limit <= 1000 ? qy->limit : 1000;
    struct pl_q *q = stmt(e, Q_LOG_LIST, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, qy->account);
    pl_q_bind_text(q, 2, qy->region);
    pl_q_bind_text(q, 3, qy->function);
    pl_q_bind_i64(q, 4, qy->after_id);
    pl_q_bind_i64(q, 5, qy->since_ms);
    pl_q_bind_i64(q, 6, (int64_t)limit + 1);
    size_t cap = 0;
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        if (*n == (size_t)limit) {
            *more = true;
            break;
        }
        *rows = pl_db_grow(a, *rows, *n, &cap, sizeof **rows);
        struct pl_fn_log *l = &(*rows)[(*n)++];
        memset(l, 0, sizeof *l);
        l->account = qy->account;
        l->region = qy->region;
        l->function = qy->function;
        read_log(q, a, l);
    }
    pl_q_reset(q);
    if (rc != PL_Q_ROW && rc != PL_Q_DONE)
        return db_fail(e, err, "fnlog_list");
    return 0;
}

/* The functions with more than keep entries: (account, region, function) triples in a. */
static int over_keep(struct pl_store *e, int keep, struct pl_arena *a, const char ***fns,
                     size_t *n, struct pl_err *err)
{
    struct pl_q *q = stmt(e, Q_LOG_OVER, err);
    size_t cap = 0;
    int rc;
    *fns = NULL;
    *n = 0;
    if (!q)
        return -1;
    pl_q_bind_i64(q, 1, keep);
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW)
        for (int i = 0; i < 3; i++) {
            *fns = pl_db_grow(a, *fns, *n, &cap, sizeof **fns);
            (*fns)[(*n)++] = pl_q_dup(a, q, i);
        }
    pl_q_reset(q);
    return rc == PL_Q_DONE ? 0 : db_fail(e, err, "fnlog_over");
}

int pl_store_fnlog_prune(struct pl_store *e, int64_t before_ms, int keep, struct pl_err *err)
{
    struct pl_arena a;
    const char **fns;
    size_t n;
    struct pl_q *q = stmt(e, Q_LOG_AGE, err);
    if (!q)
        return -1;
    pl_q_bind_i64(q, 1, before_ms);
    if (step_done(e, q, err, "fnlog_prune") < 0)
        return -1;
    if (keep <= 0)
        return 0;
    pl_arena_init(&a);
    int rc = over_keep(e, keep, &a, &fns, &n, err);
    for (size_t i = 0; rc == 0 && i < n; i += 3) {
        if (!(q = stmt(e, Q_LOG_KEEP, err))) {
            rc = -1;
            break;
        }
        bind_key(q, fns[i], fns[i + 1], fns[i + 2], NULL, NULL);
        pl_q_bind_i64(q, 4, keep);
        rc = step_done(e, q, err, "fnlog_rotate");
    }
    pl_arena_fini(&a);
    return rc;
}

/* ---- conformance pack score history ---- */

static void bind_pack(struct pl_q *q, const char *account, const char *region, const char *pack)
{
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    pl_q_bind_text(q, 3, pack);
}

int pl_store_pack_score_last(struct pl_store *e, const char *account, const char *region,
                             const char *pack, struct pl_pack_score *out, struct pl_err *err)
{
    struct pl_q *q = stmt(e, Q_SCORE_LAST, err);
    if (!q)
        return -1;
    bind_pack(q, account, region, pack);
    int rc = pl_q_step(q, NULL, NULL), found = rc == PL_Q_ROW;
    if (found) {
        out->ok = pl_q_i64(q, 0);
        out->bad = pl_q_i64(q, 1);
    }
    pl_q_reset(q);
    if (rc != PL_Q_ROW && rc != PL_Q_DONE)
        return db_fail(e, err, "score_last");
    return found;
}

int pl_store_pack_score_add(struct pl_store *e, const char *account, const char *region,
                            const char *pack, const struct pl_pack_score *sc, struct pl_err *err)
{
    struct pl_q *q = stmt(e, Q_SCORE_ADD, err);
    if (!q)
        return -1;
    bind_pack(q, account, region, pack);
    pl_q_bind_i64(q, 4, sc->time_ms);
    pl_q_bind_i64(q, 5, sc->ok);
    pl_q_bind_i64(q, 6, sc->bad);
    return step_done(e, q, err, "score_add");
}

int pl_store_pack_score_list(struct pl_store *e, const char *account, const char *region,
                             const char *pack, int64_t before_ms, int limit, struct pl_arena *a,
                             struct pl_pack_score **rows, size_t *n, struct pl_err *err)
{
    *rows = NULL;
    *n = 0;
    struct pl_q *q = stmt(e, Q_SCORE_LIST, err);
    if (!q)
        return -1;
    bind_pack(q, account, region, pack);
    pl_q_bind_i64(q, 4, before_ms);
    pl_q_bind_i64(q, 5, limit);
    size_t cap = 0;
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        *rows = pl_db_grow(a, *rows, *n, &cap, sizeof **rows);
        struct pl_pack_score *r = &(*rows)[(*n)++];
        r->time_ms = pl_q_i64(q, 0);
        r->ok = pl_q_i64(q, 1);
        r->bad = pl_q_i64(q, 2);
    }
    pl_q_reset(q);
    return rc == PL_Q_DONE ? 0 : db_fail(e, err, "score_list");
}

int pl_store_pack_score_delete(struct pl_store *e, const char *account, const char *region,
                               const char *pack, struct pl_err *err)
{
    struct pl_q *q = stmt(e, Q_SCORE_DEL, err);
    if (!q)
        return -1;
    bind_pack(q, account, region, pack);
    return step_done(e, q, err, "score_delete");
}
