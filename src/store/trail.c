/* trail.c — the CloudTrail tables of trail.h on the store's connection (store_int.h), from
 * sqlite.c's migration 11: trail_events (one row per eventID), trail_links (the resources an
 * event touched; WITHOUT ROWID, keyed for the range scans a CI's relatedEvents and a timeline
 * make: partition, type, ref, kind, time) and trail_files (what a watcher has read).
 *
 * Invariants:
 *   - an eventID is stored once; a link row exists only with its event (both written in one
 *     transaction, pruned together);
 *   - statements are prepared once per connection (their own slots) and reset before each use.
 */
#include <string.h>

#include "core/time.h"
#include "core/util.h"
#include "store/db.h"
#include "store/store_int.h"
#include "store/trail.h"

enum {
    T_PUT,
    T_LINK,
    T_RELATED,
    T_WRITES,
    T_ANY,
    T_PREV,
    T_PRUNE_LINKS,
    T_PRUNE_EVENTS,
    T_OLDEST,
    T_COUNT,
    T_COUNT_ALL,
    T_FILE_GET,
    T_FILE_PUT,
    T__COUNT
};

/* the three ways a resource is named by links: (type, id), (type, name), ("", arn); ?1 account,
 * ?2 region, ?3 type, ?4 id, ?5 name, ?6 arn, ?7 after, ?8 upto; kinds are the IN list */
#define LINKS_OF(cols, kinds)                                                                      \
    "SELECT " cols " FROM trail_links WHERE account = ?1 AND region = ?2 AND resource_type = ?3 "  \
    "AND ref = ?4 AND kind IN " kinds " AND event_ms > ?7 AND event_ms <= ?8 UNION "               \
    "SELECT " cols " FROM trail_links WHERE account = ?1 AND region = ?2 AND resource_type = ?3 "  \
    "AND ref = ?5 AND kind IN " kinds " AND event_ms > ?7 AND event_ms <= ?8 UNION "               \
    "SELECT " cols " FROM trail_links WHERE account = ?1 AND region = ?2 AND resource_type = '' "  \
    "AND ref = ?6 AND kind IN " kinds " AND event_ms > ?7 AND event_ms <= ?8"

#define EV_COLS                                                                                    \
    "e.id, e.event_id, e.event_name, e.event_source, e.event_ms, e.read_only, e.error_code, "      \
    "e.user_type, e.user_arn, e.source_ip, e.user_agent"

/* the read of a trail file, now in ms being each dialect's */
#define T_FILE_PUT_SQL(now_ms)                                                                     \
    "INSERT INTO trail_files(source, path, size, read_ms) VALUES(?1, ?2, ?3, " now_ms ") "         \
    "ON CONFLICT (source, path) DO UPDATE SET size = excluded.size, read_ms = excluded.read_ms"

static const char *const sql_text[T__COUNT] = {
    [T_PUT] = "INSERT INTO trail_events(event_id, account, region, event_ms, event_name, "
              "event_source, read_only, error_code, user_type, user_arn, source_ip, user_agent, "
              "body) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
              "ON CONFLICT(event_id) DO NOTHING",
    [T_LINK] = "INSERT INTO trail_links(account, region, resource_type, ref, kind, "
               "event_ms, event, event_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
               "ON CONFLICT DO NOTHING",
    [T_RELATED] = LINKS_OF("event_ms, event, event_id", "(0)") " ORDER BY 1, 2",
    [T_WRITES] = "SELECT " EV_COLS " FROM trail_events e WHERE e.id IN (" LINKS_OF(
        "event", "(0, 1)") ") ORDER BY e.event_ms, e.id LIMIT ?9",
    [T_ANY] = "SELECT 1 FROM trail_links WHERE account = ?1 AND region = ?2 LIMIT 1",
    [T_PREV] = "SELECT c.capture_ms FROM config_items c WHERE c.res = (SELECT id FROM resources "
               "WHERE account = ?1 AND region = ?2 AND resource_type = ?3 AND resource_id = ?4) "
               "AND (c.capture_ms, c.seq) < (?5, ?6) ORDER BY c.capture_ms DESC, c.seq DESC "
               "LIMIT 1",
    [T_PRUNE_LINKS] = "DELETE FROM trail_links WHERE account = ?1 AND region = ?2 AND "
                      "event_ms < ?3",
    [T_PRUNE_EVENTS] = "DELETE FROM trail_events WHERE account = ?1 AND region = ?2 AND "
                       "event_ms < ?3",
    [T_OLDEST] = "SELECT MIN(event_ms) FROM trail_events WHERE account = ?1 AND region = ?2",
    [T_COUNT] = "SELECT COUNT(*) FROM trail_events WHERE account = ?1 AND region = ?2",
    [T_COUNT_ALL] = "SELECT COUNT(*) FROM trail_events",
    [T_FILE_GET] = "SELECT size FROM trail_files WHERE source = ?1 AND path = ?2",
    [T_FILE_PUT] = T_FILE_PUT_SQL("strftime('%s','now') * 1000"),
};

_Static_assert(T__COUNT <= PL_STORE__TR_STMTS, "grow PL_STORE__TR_STMTS");

/* PostgreSQL's texts where the dialects differ (PL_DB_PICK) */
static const char *const sql_pg[T__COUNT] = {
    [T_FILE_PUT] = T_FILE_PUT_SQL("CAST(extract(epoch FROM now()) AS BIGINT) * 1000"),
};

static struct pl_q *stmt(struct pl_store *s, int i, struct pl_err *err)
{
    return pl_db_prepared(s->db, &s->tr[i], PL_DB_PICK(s->db, sql_text[i], sql_pg[i]), "trail",
                          err);
}

static int db_fail(struct pl_store *s, struct pl_err *err, const char *what)
{
    return pl_db_fail(s->db, "trail", err, what);
}

static void bind_text_n(struct pl_q *q, int i, const char *v, size_t n)
{
    if (v)
        pl_q_bind_textn(q, i, v, n);
    else
        pl_q_bind_null(q, i);
}

int pl_store_trail_put(struct pl_store *s, const struct pl_trail_event *ev, struct pl_err *err)
{
    if (PL_NEVER(s->depth <= 0))
        return pl_fail(err, PL_E_INTERNAL, "trail: put outside a transaction");
    struct pl_q *q = stmt(s, T_PUT, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, ev->event_id);
    pl_q_bind_text(q, 2, ev->account);
    pl_q_bind_text(q, 3, ev->region);
    pl_q_bind_i64(q, 4, ev->event_ms);
    pl_q_bind_text(q, 5, ev->event_name);
    pl_q_bind_text(q, 6, ev->event_source);
    pl_q_bind_i64(q, 7, ev->read_only);
    pl_q_bind_text(q, 8, ev->error_code);
    pl_q_bind_text(q, 9, ev->user_type);
    pl_q_bind_text(q, 10, ev->user_arn);
    pl_q_bind_text(q, 11, ev->source_ip);
    pl_q_bind_text(q, 12, ev->user_agent);
    bind_text_n(q, 13, ev->body, ev->body_len);
    /* no RETURNING (it materialises the row): changes() says whether it was inserted */
    if (pl_q_run(q, err, "trail_put") < 0)
        return -1;
    if (pl_db_changes(s->db) == 0)
        return 0; /* stored already */
    int64_t id = pl_db_last_id(s->db);
    int kind = ev->read_only ? PL_TRAIL_READ : ev->error_code ? PL_TRAIL_FAILED : PL_TRAIL_WRITE;
    for (size_t i = 0; i < ev->nlinks; i++) {
        if (!(q = stmt(s, T_LINK, err)))
            return -1;
        pl_q_bind_text(q, 1, ev->account);
        pl_q_bind_text(q, 2, ev->region);
        pl_q_bind_text(q, 3, ev->links[i].resource_type);
        pl_q_bind_text(q, 4, ev->links[i].ref);
        pl_q_bind_i64(q, 5, kind);
        pl_q_bind_i64(q, 6, ev->event_ms);
        pl_q_bind_i64(q, 7, id);
        pl_q_bind_text(q, 8, ev->event_id);
        if (pl_q_run(q, err, "trail_link") < 0)
            return -1;
    }
    return 1;
}

/* Binds a trail query to ?1..?8 (a NULL name or arn matches no link). */
static void bind_q(struct pl_q *q, const struct pl_trail_q *tq)
{
    pl_q_bind_text(q, 1, tq->account);
    pl_q_bind_text(q, 2, tq->region);
    pl_q_bind_text(q, 3, tq->type);
    pl_q_bind_text(q, 4, tq->id);
    pl_q_bind_text(q, 5, tq->name);
    pl_q_bind_text(q, 6, tq->arn);
    pl_q_bind_i64(q, 7, tq->after_ms);
    pl_q_bind_i64(q, 8, tq->upto_ms);
}

int pl_store_trail_related(struct pl_store *s, const struct pl_trail_q *tq, struct pl_arena *a,
                           const char ***ids, size_t *n, struct pl_err *err)
{
    *ids = NULL;
    *n = 0;
    struct pl_q *q = stmt(s, T_RELATED, err);
    if (!q)
        return -1;
    bind_q(q, tq);
    size_t cap = 0;
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        *ids = pl_db_grow(a, *ids, *n, &cap, sizeof **ids);
        (*ids)[(*n)++] = pl_q_dup(a, q, 2);
    }
    pl_q_reset(q);
    return rc == PL_Q_DONE ? 0 : db_fail(s, err, "trail_related");
}

int pl_store_trail_writes(struct pl_store *s, const struct pl_trail_q *tq, size_t max,
                          struct pl_arena *a, struct pl_trail_row **rows, size_t *n,
                          struct pl_err *err)
{
    *rows = NULL;
    *n = 0;
    struct pl_q *q = stmt(s, T_WRITES, err);
    if (!q)
        return -1;
    bind_q(q, tq);
    pl_q_bind_limit(q, 9, (int64_t)max);
    size_t cap = 0;
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        *rows = pl_db_grow(a, *rows, *n, &cap, sizeof **rows);
        struct pl_trail_row *r = &(*rows)[(*n)++];
        r->id = pl_q_i64(q, 0);
        r->event_id = pl_q_dup(a, q, 1);
        r->event_name = pl_q_dup(a, q, 2);
        r->event_source = pl_q_dup(a, q, 3);
        r->event_ms = pl_q_i64(q, 4);
        r->read_only = (int)pl_q_i64(q, 5) != 0;
        r->error_code = pl_q_dup(a, q, 6);
        r->user_type = pl_q_dup(a, q, 7);
        r->user_arn = pl_q_dup(a, q, 8);
        r->source_ip = pl_q_dup(a, q, 9);
        r->user_agent = pl_q_dup(a, q, 10);
    }
    pl_q_reset(q);
    return rc == PL_Q_DONE ? 0 : db_fail(s, err, "trail_writes");
}

bool pl_store_trail_any(struct pl_store *s, const char *account, const char *region)
{
    struct pl_err err = {0};
    struct pl_q *q = stmt(s, T_ANY, &err);
    if (!q)
        return false; /* a read-only store older than the trail tables: no events */
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    int rc = pl_q_step(q, NULL, NULL);
    pl_q_reset(q);
    return rc != PL_Q_DONE;
}

int pl_store_ci_prev_capture(struct pl_store *s, const struct pl_ci_row *row, int64_t *ms,
                             struct pl_err *err)
{
    struct pl_q *q = stmt(s, T_PREV, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, row->account);
    pl_q_bind_text(q, 2, row->region);
    pl_q_bind_text(q, 3, row->resource_type);
    pl_q_bind_text(q, 4, row->resource_id);
    pl_q_bind_i64(q, 5, row->capture_ms);
    pl_q_bind_i64(q, 6, row->seq);
    int rc = pl_q_step(q, NULL, NULL);
    if (rc == PL_Q_ROW)
        *ms = pl_q_i64(q, 0);
    pl_q_reset(q);
    if (rc == PL_Q_ROW)
        return 1;
    return rc == PL_Q_DONE ? 0 : db_fail(s, err, "ci_prev");
}

/* Runs statement i with (account, region, ms) bound; *changes gets the rows changed. */
static int run_part(struct pl_store *s, int i, const char *account, const char *region, int64_t ms,
                    int64_t *changes, struct pl_err *err)
{
    struct pl_q *q = stmt(s, i, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    pl_q_bind_i64(q, 3, ms);
    if (pl_q_run(q, err, "trail_prune") < 0)
        return -1;
    if (changes)
        *changes = pl_db_changes(s->db);
    return 0;
}

int pl_store_trail_prune_before(struct pl_store *s, const char *account, const char *region,
                                int64_t ms, int64_t *deleted, struct pl_err *err)
{
    if (deleted)
        *deleted = 0;
    /* the oldest event first (one seek): nothing to do is the usual case */
    struct pl_q *q = stmt(s, T_OLDEST, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    int rc = pl_q_step(q, NULL, NULL);
    bool due = rc == PL_Q_ROW && pl_q_type(q, 0) != PL_DBT_NULL && pl_q_i64(q, 0) < ms;
    pl_q_reset(q);
    if (rc != PL_Q_ROW)
        return db_fail(s, err, "trail_oldest");
    if (!due)
        return 0;
    bool began = s->depth == 0;
    if (began && pl_store_begin(s, err) < 0)
        return -1;
    if (run_part(s, T_PRUNE_LINKS, account, region, ms, NULL, err) < 0 ||
        run_part(s, T_PRUNE_EVENTS, account, region, ms, deleted, err) < 0) {
        if (began)
            pl_store_rollback(s);
        return -1;
    }
    return began ? pl_store_commit(s, err) : 0;
}

int pl_store_trail_count(struct pl_store *s, const char *account, const char *region,
                         int64_t *count, struct pl_err *err)
{
    struct pl_q *q = stmt(s, account ? T_COUNT : T_COUNT_ALL, err);
    if (!q)
        return -1;
    if (account) {
        pl_q_bind_text(q, 1, account);
        pl_q_bind_text(q, 2, region);
    }
    int rc = pl_q_step(q, NULL, NULL);
    *count = rc == PL_Q_ROW ? pl_q_i64(q, 0) : 0;
    pl_q_reset(q);
    return rc == PL_Q_ROW ? 0 : db_fail(s, err, "trail_count");
}

int pl_store_trail_file_get(struct pl_store *s, const char *source, const char *path, int64_t *size,
                            struct pl_err *err)
{
    struct pl_q *q = stmt(s, T_FILE_GET, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, source);
    pl_q_bind_text(q, 2, path);
    int rc = pl_q_step(q, NULL, NULL);
    if (rc == PL_Q_ROW)
        *size = pl_q_i64(q, 0);
    pl_q_reset(q);
    if (rc == PL_Q_ROW)
        return 1;
    return rc == PL_Q_DONE ? 0 : db_fail(s, err, "trail_file_get");
}

int pl_store_trail_file_put(struct pl_store *s, const char *source, const char *path, int64_t size,
                            struct pl_err *err)
{
    struct pl_q *q = stmt(s, T_FILE_PUT, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, source);
    pl_q_bind_text(q, 2, path);
    pl_q_bind_i64(q, 3, size);
    pl_q_bind_i64(q, 4, pl_now_ms());
    return pl_q_run(q, err, "trail_file_put");
}
