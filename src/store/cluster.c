/* cluster.c — several processes on one store (store.h, "several processes on one store"):
 * instances registered as session-level advisory locks, the lead of periodic jobs, and the
 * PostgreSQL halves of the outbox claims and their recovery that use them.
 *
 * PostgreSQL claims do not take the cluster-wide writer lock (db.h's pl_db_begin_write): each
 * partition's rows are claimed by one UPDATE of a sub-select FOR UPDATE SKIP LOCKED, so
 * workers claiming at once get disjoint rows without waiting for each other or for writers.
 * The lease is outbox.leased = the claimer's instance id (SQLite keeps 1), and the due time is
 * now + lease, as on SQLite: a row whose claimer died is due again at the lease's end, or at
 * once when a live instance's pl_store_outbox_recover sees its claimer gone.
 *
 * Wake-ups across processes: a commit that added outbox items NOTIFYs "plumb_outbox" with the
 * kinds' mask; a process's waker thread LISTENs on a connection of its own and calls that
 * process's outbox listeners (store.h) with the mask, as a commit in the process would. A
 * notification lost with a connection is covered by the consumers' polling. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>

#include "core/log.h"
#include "core/time.h"
#include "core/util.h"
#include "store/db.h"
#include "store/store.h"
#include "store/store_int.h"

/* The two-key advisory locks' first keys: "plui" (instances) and "pluj" (jobs) in ASCII. */
#define KEY_INSTANCE 0x706c7569
#define KEY_JOB      0x706c756a

enum { Q_PARTS, Q_CLAIM_KIND, Q_CLAIM_ANY, Q__COUNT };
_Static_assert(Q__COUNT <= PL_STORE__CL_STMTS, "grow PL_STORE__CL_STMTS");

/* The claimed rows come back in claim_rows's columns (store_int.h), attempts as before. */
#define CLAIM_RETURNING                                                                            \
    " RETURNING o.id, o.account, o.region, o.kind, o.payload, o.created_ms, o.attempts - 1, "      \
    "o.last_error, c.due"
static const char *const sql_text[Q__COUNT] = {
    [Q_PARTS] = "SELECT DISTINCT account, region FROM outbox WHERE done = 0 AND kind = ?1 AND "
                "next_attempt_ms <= ?2 ORDER BY 1, 2 LIMIT ?3",
    [Q_CLAIM_KIND] = "UPDATE outbox o SET attempts = o.attempts + 1, next_attempt_ms = ?6, "
                     "leased = ?7 FROM (SELECT id, next_attempt_ms AS due FROM outbox WHERE "
                     "done = 0 AND kind = ?3 AND account = ?4 AND region = ?5 AND "
                     "next_attempt_ms <= ?1 ORDER BY next_attempt_ms, id LIMIT ?2 "
                     "FOR UPDATE SKIP LOCKED) c WHERE o.id = c.id" CLAIM_RETURNING,
    [Q_CLAIM_ANY] = "UPDATE outbox o SET attempts = o.attempts + 1, next_attempt_ms = ?3, "
                    "leased = ?4 FROM (SELECT id, next_attempt_ms AS due FROM outbox WHERE "
                    "done = 0 AND next_attempt_ms <= ?1 ORDER BY next_attempt_ms, id LIMIT ?2 "
                    "FOR UPDATE SKIP LOCKED) c WHERE o.id = c.id" CLAIM_RETURNING,
};

static _Atomic int64_t instance_id = 1;

static struct pl_q *stmt(struct pl_store *s, int i, struct pl_err *err)
{
    return pl_db_prepared(s->db, &s->cl[i], sql_text[i], "store", err);
}

bool pl_store_is_shared(struct pl_store *s)
{
    return pl_db_kind(s->db) == PL_DB_PG;
}

int64_t pl_store_instance_id(void)
{
    return atomic_load(&instance_id);
}

/* Holds the session-level advisory lock (k1, k2) on s's connection, unless it does already:
 * 1 held, 0 another session holds it, -1 with err. */
static int hold_lock(struct pl_store *s, unsigned k1, unsigned k2, struct pl_err *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT CASE WHEN EXISTS(SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND "
             "classid = %u AND objid = %u AND objsubid = 2 AND granted AND "
             "pid = pg_backend_pid()) THEN 1 WHEN pg_try_advisory_lock(%u, %u) THEN 1 ELSE 0 END",
             k1, k2, k1, k2);
    struct pl_q *q = pl_db_prepare(s->db, sql, "store", err);
    if (!q)
        return -1;
    int rc = pl_q_step(q, err, "advisory_lock");
    int held = rc == PL_Q_ROW ? (int)pl_q_i64(q, 0) : -1;
    pl_q_finalize(q);
    return held;
}

int pl_store_instance_register(struct pl_store *s, struct pl_err *err)
{
    if (!pl_store_is_shared(s))
        return 0;
    int64_t id = atomic_load(&instance_id);
    for (int tries = 0; tries < 8; tries++) {
        if (id <= 1) /* a new random id, never 0 (not leased) nor 1 (SQLite's) */
            id = (int64_t)(((uint64_t)pl_mono_ns() * 2654435761u ^ (uint64_t)getpid() << 7) &
                           0x7fffffff) |
                 2;
        int r = hold_lock(s, KEY_INSTANCE, (unsigned)id, err);
        if (r < 0)
            return -1;
        if (r > 0) {
            atomic_store(&instance_id, id);
            return 0;
        }
        id = 0; /* taken by another live instance */
    }
    return pl_fail(err, PL_E_INTERNAL, "store: no free instance id");
}

int pl_store_lead(struct pl_store *s, enum pl_store_job job, struct pl_err *err)
{
    return pl_store_is_shared(s) ? hold_lock(s, KEY_JOB, (unsigned)job, err) : 1;
}

int pl_store__recover_pg(struct pl_store *s, int64_t *recovered, struct pl_err *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "UPDATE outbox SET leased = 0, next_attempt_ms = %" PRId64
             " WHERE leased <> 0 AND done = 0 AND leased NOT IN (SELECT objid::int8 FROM "
             "pg_locks WHERE locktype = 'advisory' AND classid = %u AND objsubid = 2 AND granted)",
             pl_now_ms(), (unsigned)KEY_INSTANCE);
    struct pl_q *q = pl_db_prepare(s->db, sql, "store", err);
    if (!q)
        return -1;
    int rc = pl_q_run(q, err, "outbox_recover");
    if (rc == 0 && recovered)
        *recovered = pl_db_changes(s->db);
    pl_q_finalize(q);
    return rc;
}

/* The partitions with due rows of kind, at most max. */
static int due_partitions(struct pl_store *s, const char *kind, int max, int64_t now,
                          struct pl_arena *a, struct pl_part_row **parts, size_t *np,
                          struct pl_err *err)
{
    size_t cap = 0;
    struct pl_q *q = stmt(s, Q_PARTS, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, kind);
    pl_q_bind_i64(q, 2, now);
    pl_q_bind_i64(q, 3, max);
    int src;
    *parts = NULL;
    *np = 0;
    while ((src = pl_q_step(q, err, "outbox_claim")) == PL_Q_ROW) {
        *parts = pl_db_grow(a, *parts, *np, &cap, sizeof **parts);
        (*parts)[*np].account = pl_q_dup(a, q, 0);
        (*parts)[*np].region = pl_q_dup(a, q, 1);
        (*np)++;
    }
    pl_q_reset(q);
    return src == PL_Q_DONE ? 0 : -1;
}

int pl_store__claim_pg(struct pl_store *s, const char *kind, int max, int64_t lease_ms,
                       struct pl_arena *a, struct pl_outbox_item **items, size_t *n,
                       struct pl_err *err)
{
    int64_t now = pl_now_ms(), owner = pl_store_instance_id();
    size_t cap = 0;
    if (!*kind) {
        struct pl_q *q = stmt(s, Q_CLAIM_ANY, err);
        if (!q)
            return -1;
        pl_q_bind_i64(q, 1, now);
        pl_q_bind_i64(q, 2, max);
        pl_q_bind_i64(q, 3, now + lease_ms);
        pl_q_bind_i64(q, 4, owner);
        return pl_store__claim_rows(s, q, now, lease_ms, a, items, n, &cap, err);
    }
    struct pl_part_row *parts;
    size_t np;
    if (due_partitions(s, kind, max, now, a, &parts, &np, err) < 0)
        return -1;
    int share = pl_store__fair_share(max, np);
    for (size_t p = 0; p < np; p++) {
        struct pl_q *q = stmt(s, Q_CLAIM_KIND, err);
        if (!q)
            return -1;
        pl_q_bind_i64(q, 1, now);
        pl_q_bind_i64(q, 2, share);
        pl_q_bind_text(q, 3, kind);
        pl_q_bind_text(q, 4, parts[p].account);
        pl_q_bind_text(q, 5, parts[p].region);
        pl_q_bind_i64(q, 6, now + lease_ms);
        pl_q_bind_i64(q, 7, owner);
        if (pl_store__claim_rows(s, q, now, lease_ms, a, items, n, &cap, err) < 0)
            return -1;
    }
    return 0;
}

/* ---- LISTEN/NOTIFY ---- */

#define CHANNEL "plumb_outbox"

int pl_store__notify(struct pl_store *s, unsigned added, struct pl_err *err)
{
    if (!added || !pl_store_is_shared(s))
        return 0;
    char sql[64];
    snprintf(sql, sizeof sql, "NOTIFY " CHANNEL ", '%u'", added);
    return pl_db_exec(s->db, sql, "store", err);
}

struct pl_store_waker {
    char *spec;
    pthread_t thread;
    atomic_bool stop;
};

/* A store that LISTENs, or NULL (logged) when the database cannot be reached now. */
static struct pl_store *listen_on(const char *spec)
{
    struct pl_store *s = NULL;
    struct pl_err err = {0};
    if (pl_store_open(spec, 0, &s, &err) == 0 &&
        pl_db_exec(s->db, "LISTEN " CHANNEL, "store", &err) == 0)
        return s;
    PL_LOG(WARN, "store", "listen err=\"%s\"", err.msg);
    pl_store_close(s);
    return NULL;
}

static void *waker_main(void *arg)
{
    struct pl_store_waker *w = arg;
    struct pl_store *s = NULL;
    char payload[32];
    while (!atomic_load(&w->stop)) {
        if (!s && !(s = listen_on(w->spec))) {
            usleep(200 * 1000); /* the database is away: try again */
            continue;
        }
        int r = pl_db_wait_notify(s->db, 200, payload, sizeof payload);
        if (r > 0) {
            pl_store__announce(s, (unsigned)strtoul(payload, NULL, 10));
        } else if (r < 0) { /* lost: listen again, and wake everyone for what was missed */
            pl_store__announce(s, ~0u);
            pl_store_close(s);
            s = NULL;
        }
    }
    pl_store_close(s);
    return NULL;
}

struct pl_store_waker *pl_store_waker_start(struct pl_store *s, struct pl_err *err)
{
    if (!pl_store_is_shared(s))
        return NULL;
    struct pl_store_waker *w = pl_xcalloc(1, sizeof *w);
    w->spec = pl_xstrdup(pl_db_path(s->db));
    if (pthread_create(&w->thread, NULL, waker_main, w) != 0) {
        free(w->spec);
        free(w);
        return pl_fail(err, PL_E_INTERNAL, "store: cannot start the waker thread"), NULL;
    }
    return w;
}

void pl_store_waker_stop(struct pl_store_waker *w)
{
    if (!w)
        return;
    atomic_store(&w->stop, true);
    pthread_join(w->thread, NULL);
    free(w->spec);
    free(w);
}
