/* proactive.c — the proactive evaluation tables of proactive.h (migration 10 of sqlite.c), on the
 * store's own connection and in its transactions.
 *
 * Invariants: statements are prepared once per connection (the connection's pe[] slots) and reset
 * before each use; an evaluation's results are deleted with it (prune).
 */
#include <string.h>

#include "store/proactive.h"
#include "store/db.h"
#include "store/store.h"
#include "store/store_int.h"

enum {
    Q_PUT,
    Q_FAIL,
    Q_GET,
    Q_BY_TOKEN,
    Q_LIST,
    Q_RES_PUT,
    Q_RES_LIST,
    Q_RES_TOKEN,
    Q_PRUNE_RES,
    Q_PRUNE,
    Q__COUNT
};

#define PE_COLS                                                                                    \
    "account, region, id, client_token, request_hash, mode, context_id, start_ms, timeout_s, "     \
    "details, failure"
#define RES_COLS                                                                                   \
    "eval_id, rule, resource_type, resource_id, comp, annotation, ordering_ms, recorded_ms, "      \
    "invoked_ms, token"

static const char *const sql_text[Q__COUNT] = {
    [Q_PUT] = "INSERT INTO resource_evaluations(" PE_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, "
              "?8, ?9, ?10, ?11)",
    [Q_FAIL] = "UPDATE resource_evaluations SET failure = ?4 WHERE account = ?1 AND region = ?2 "
               "AND id = ?3",
    [Q_GET] = "SELECT " PE_COLS " FROM resource_evaluations WHERE account = ?1 AND region = ?2 "
              "AND id = ?3",
    [Q_BY_TOKEN] = "SELECT " PE_COLS " FROM resource_evaluations WHERE account = ?1 AND "
                   "region = ?2 AND client_token = ?3",
    /* ?3 mode, ?4 context (NULL: any), ?5..?6 start window, ?7/?8 cursor (NULL: none) */
    [Q_LIST] =
        "SELECT " PE_COLS " FROM resource_evaluations WHERE account = ?1 AND region = ?2 "
        "AND (CAST(?3 AS TEXT) IS NULL OR mode = ?3) AND (CAST(?4 AS TEXT) IS NULL OR context_id = "
        "?4) AND "
        "start_ms >= ?5 AND start_ms <= ?6 AND (CAST(?8 AS TEXT) IS NULL OR start_ms < ?7 OR "
        "(start_ms = ?7 AND id < ?8)) ORDER BY start_ms DESC, id DESC LIMIT ?9",
    [Q_RES_PUT] = "INSERT INTO resource_evaluation_results(account, region, " RES_COLS
                  ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
                  "ON CONFLICT(account, region, eval_id, rule, resource_type, resource_id) "
                  "DO UPDATE SET comp = excluded.comp, annotation = excluded.annotation, "
                  "ordering_ms = excluded.ordering_ms, recorded_ms = excluded.recorded_ms, "
                  "invoked_ms = excluded.invoked_ms, token = excluded.token",
    [Q_RES_LIST] = "SELECT " RES_COLS " FROM resource_evaluation_results WHERE account = ?1 AND "
                   "region = ?2 AND eval_id = ?3 ORDER BY rule, resource_type, resource_id",
    [Q_RES_TOKEN] = "SELECT " RES_COLS " FROM resource_evaluation_results WHERE token = ?3 AND "
                    "account = ?1 AND region = ?2",
    [Q_PRUNE_RES] = "DELETE FROM resource_evaluation_results WHERE (account, region, eval_id) IN "
                    "(SELECT account, region, id FROM resource_evaluations WHERE start_ms < ?1)",
    [Q_PRUNE] = "DELETE FROM resource_evaluations WHERE start_ms < ?1",
};

static struct pl_q *stmt(struct pl_store *s, int i, struct pl_err *err)
{
    return pl_db_prepared(s->db, &s->pe[i], sql_text[i], "proactive", err);
}

static int step_done(struct pl_store *s, struct pl_q *q, struct pl_err *err, const char *what)
{
    return pl_q_run(q, err, what);
}

static void read_row(struct pl_q *q, struct pl_arena *a, struct pl_pe_row *r)
{
    r->account = pl_q_dup(a, q, 0);
    r->region = pl_q_dup(a, q, 1);
    r->id = pl_q_dup(a, q, 2);
    r->client_token = pl_q_dup(a, q, 3);
    r->request_hash = pl_q_dup(a, q, 4);
    r->mode = pl_q_dup(a, q, 5);
    r->context_id = pl_q_dup(a, q, 6);
    r->start_ms = pl_q_i64(q, 7);
    r->timeout_s = (int)pl_q_i64(q, 8);
    r->details = pl_q_dup(a, q, 9);
    r->failure = pl_q_dup(a, q, 10);
}

static void read_result(struct pl_q *q, struct pl_arena *a, struct pl_pe_result *r)
{
    r->eval_id = pl_q_dup(a, q, 0);
    r->rule = pl_q_dup(a, q, 1);
    r->resource_type = pl_q_dup(a, q, 2);
    r->resource_id = pl_q_dup(a, q, 3);
    r->comp = (int)pl_q_i64(q, 4);
    r->annotation = pl_q_dup(a, q, 5);
    r->ordering_ms = pl_q_i64(q, 6);
    r->recorded_ms = pl_q_i64(q, 7);
    r->invoked_ms = pl_q_i64(q, 8);
    r->token = pl_q_dup(a, q, 9);
}

int pl_store_pe_put(struct pl_store *s, const struct pl_pe_row *r, struct pl_err *err)
{
    struct pl_q *q = stmt(s, Q_PUT, err);
    if (!q)
        return -1;
    const char *text[] = {r->account, r->region,  r->id,        r->client_token,
                          r->request_hash, r->mode, r->context_id};
    for (int i = 0; i < 7; i++)
        pl_q_bind_text(q, i + 1, text[i]);
    pl_q_bind_i64(q, 8, r->start_ms);
    pl_q_bind_i64(q, 9, r->timeout_s);
    pl_q_bind_text(q, 10, r->details);
    pl_q_bind_text(q, 11, r->failure);
    return step_done(s, q, err, "pe_put");
}

int pl_store_pe_fail(struct pl_store *s, const char *account, const char *region, const char *id,
                     const char *reason, struct pl_err *err)
{
    struct pl_q *q = stmt(s, Q_FAIL, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    pl_q_bind_text(q, 3, id);
    pl_q_bind_text(q, 4, reason);
    return step_done(s, q, err, "pe_fail");
}

/* One row of statement i keyed by (account, region, key). */
static int get_one(struct pl_store *s, int i, const char *account, const char *region,
                   const char *key, struct pl_arena *a, struct pl_pe_row *out, struct pl_err *err)
{
    struct pl_q *q = stmt(s, i, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    pl_q_bind_text(q, 3, key);
    int rc = pl_q_step(q, NULL, NULL);
    if (rc == PL_Q_ROW)
        read_row(q, a, out);
    pl_q_reset(q);
    if (rc != PL_Q_ROW && rc != PL_Q_DONE)
        return pl_db_fail(s->db, "proactive", err, "pe_get");
    return rc == PL_Q_ROW;
}

int pl_store_pe_get(struct pl_store *s, const char *account, const char *region, const char *id,
                    struct pl_arena *a, struct pl_pe_row *out, struct pl_err *err)
{
    return get_one(s, Q_GET, account, region, id, a, out, err);
}

int pl_store_pe_by_token(struct pl_store *s, const char *account, const char *region,
                         const char *client_token, struct pl_arena *a, struct pl_pe_row *out,
                         struct pl_err *err)
{
    return get_one(s, Q_BY_TOKEN, account, region, client_token, a, out, err);
}

int pl_store_pe_list(struct pl_store *s, const struct pl_pe_query *qy, struct pl_arena *a,
                     struct pl_pe_row **rows, size_t *n, bool *more, struct pl_err *err)
{
    struct pl_q *q = stmt(s, Q_LIST, err);
    size_t cap = 0;
    int rc;
    *rows = NULL;
    *n = 0;
    *more = false;
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, qy->account);
    pl_q_bind_text(q, 2, qy->region);
    pl_q_bind_text(q, 3, qy->mode);
    pl_q_bind_text(q, 4, qy->context_id);
    pl_q_bind_i64(q, 5, qy->from_ms);
    pl_q_bind_i64(q, 6, qy->to_ms ? qy->to_ms : INT64_MAX);
    pl_q_bind_i64(q, 7, qy->before_ms);
    pl_q_bind_text(q, 8, qy->before_id);
    pl_q_bind_i64(q, 9, (int64_t)qy->limit + 1);
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        if (*n == (size_t)qy->limit) {
            *more = true;
            break;
        }
        *rows = pl_db_grow(a, *rows, *n, &cap, sizeof **rows);
        read_row(q, a, &(*rows)[(*n)++]);
    }
    pl_q_reset(q);
    if (rc != PL_Q_ROW && rc != PL_Q_DONE)
        return pl_db_fail(s->db, "proactive", err, "pe_list");
    return 0;
}

int pl_store_pe_result_put(struct pl_store *s, const char *account, const char *region,
                           const struct pl_pe_result *r, struct pl_err *err)
{
    struct pl_q *q = stmt(s, Q_RES_PUT, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    pl_q_bind_text(q, 3, r->eval_id);
    pl_q_bind_text(q, 4, r->rule);
    pl_q_bind_text(q, 5, r->resource_type);
    pl_q_bind_text(q, 6, r->resource_id);
    pl_q_bind_i64(q, 7, r->comp);
    pl_q_bind_text(q, 8, r->annotation && *r->annotation ? r->annotation : NULL);
    pl_q_bind_i64(q, 9, r->ordering_ms);
    pl_q_bind_i64(q, 10, r->recorded_ms);
    pl_q_bind_i64(q, 11, r->invoked_ms);
    pl_q_bind_text(q, 12, r->token);
    return step_done(s, q, err, "pe_result_put");
}

int pl_store_pe_results(struct pl_store *s, const char *account, const char *region,
                        const char *eval_id, struct pl_arena *a, struct pl_pe_result **rows,
                        size_t *n, struct pl_err *err)
{
    struct pl_q *q = stmt(s, Q_RES_LIST, err);
    size_t cap = 0;
    int rc;
    *rows = NULL;
    *n = 0;
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    pl_q_bind_text(q, 3, eval_id);
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        *rows = pl_db_grow(a, *rows, *n, &cap, sizeof **rows);
        read_result(q, a, &(*rows)[(*n)++]);
    }
    pl_q_reset(q);
    if (rc != PL_Q_DONE)
        return pl_db_fail(s->db, "proactive", err, "pe_results");
    return 0;
}

int pl_store_pe_result_by_token(struct pl_store *s, const char *account, const char *region,
                                const char *token, struct pl_arena *a, struct pl_pe_result *out,
                                struct pl_err *err)
{
    struct pl_q *q = stmt(s, Q_RES_TOKEN, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    pl_q_bind_text(q, 3, token);
    int rc = pl_q_step(q, NULL, NULL);
    if (rc == PL_Q_ROW)
        read_result(q, a, out);
    pl_q_reset(q);
    if (rc != PL_Q_ROW && rc != PL_Q_DONE)
        return pl_db_fail(s->db, "proactive", err, "pe_result_by_token");
    return rc == PL_Q_ROW;
}

int pl_store_pe_prune(struct pl_store *s, int64_t before_ms, struct pl_err *err)
{
    struct pl_q *q = stmt(s, Q_PRUNE_RES, err);
    if (!q)
        return -1;
    pl_q_bind_i64(q, 1, before_ms);
    if (step_done(s, q, err, "pe_prune_results") < 0 || !(q = stmt(s, Q_PRUNE, err)))
        return -1;
    pl_q_bind_i64(q, 1, before_ms);
    return step_done(s, q, err, "pe_prune");
}
