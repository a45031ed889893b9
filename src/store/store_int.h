/* store_int.h — what the files of src/store/ share: the connection structure.
 *
 * store.c implements store.h (objects, CIs, resources, outbox, transactions); evals.c the
 * evaluation tables of evals.h on the same connection, so that an evaluation flush writes its
 * results, the ResourceCompliance CI and the outbox rows in one transaction. Each file keeps
 * its own prepared statements in its own array of the connection. Nothing outside src/store/
 * includes this header. All SQL goes through the statement layer (db.h).
 */
#ifndef PL_STORE_STORE_INT_H
#define PL_STORE_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PL_STORE__STMTS      64 /* room for store.c's statements */
#define PL_STORE__EV_STMTS 32 /* room for evals.c's */
#define PL_STORE__COST_STMTS 8  /* room for cost.c's */

/* The CIs not billed at the continuous rate (migration 9's partial index config_items_cost;
 * cost.c's query repeats it word for word so that SQLite uses the index) */
#define PL_STORE__COST_WHERE                                                                       \
    "(freq = 1 OR status IN ('ResourceNotRecorded', 'ResourceDeletedNotRecorded'))"
/* The configuration paths people group and filter on most (AWS's sample queries: EC2 by size,
 * state and AMI, unused volumes, compliance by type, tenancy, encryption, VPC), whose values in
 * each resource's latest CI migration 15 keeps in resources.hot: the JSON array
 * json_extract(body, '$.<path 0>', '$.<path 1>', ...), so json_extract(hot, '$[i]') is
 * json_extract(body, '$.<path i>') without reading or parsing the CI (select.c). hot.c makes
 * it in C from the parsed CI (the recorder's, handed over in pl_ci_row.hot); a CI with none of
 * the paths keeps hot NULL (all missing). The second name is the path's first key under
 * configuration. The list is frozen in the stored rows: changing it needs a new migration. */
#define PL_STORE__HOT_PATHS(X)                                                                     \
    X("configuration.instanceType", "instanceType")                                                \
    X("configuration.state.name", "state")                                                         \
    X("configuration.state.value", "state")                                                        \
    X("configuration.complianceType", "complianceType")                                            \
    X("configuration.imageId", "imageId")                                                          \
    X("configuration.placement.tenancy", "placement")                                              \
    X("configuration.encrypted", "encrypted")                                                      \
    X("configuration.vpcId", "vpcId")
#define PL_STORE__HOT_ARG(path, key) ", '$." path "'"
/* the hot array of a CI body in SQL text (migration 15's backfill) */
#define PL_STORE__HOT_OF(body) "json_extract(" body PL_STORE__HOT_PATHS(PL_STORE__HOT_ARG) ")"
/* hot.c: pl_store_hot of a body's text (the append of a row without hot); 0 with out empty
 * when none of the paths is there or the body is not JSON */
struct pl_buf;
int pl_store__hot_of_body(const char *body, size_t len, struct pl_buf *out);
/* A comparison as an integer 0/1: SQLite's comparisons are integers already, PostgreSQL's
 * booleans (sum(comp = 1) is sum(PL_SQL_INT_PG("comp = 1")) there) */
#define PL_SQL_INT_LITE(cmp) cmp
#define PL_SQL_INT_PG(cmp)   "(" cmp ")::int"
#define PL_STORE__PE_STMTS 16 /* room for proactive.c's */
#define PL_STORE__AG_STMTS 4  /* room for agg.c's */
#define PL_STORE__TR_STMTS 16 /* room for trail.c's */
#define PL_STORE__CL_STMTS   4  /* room for cluster.c's */

struct write_lock;
struct pl_db;
struct pl_q;
struct pl_err;

/* Background WAL checkpoints for the writer connection of the SQLite database at path
 * (checkpoint.c, SQLite-only); NULL with err when the thread cannot start. Stop before
 * closing writer; NULL c is fine. */
struct pl_ckpt;
struct pl_ckpt *pl_ckpt_start(struct pl_db *writer, const char *path, struct pl_err *err);
void pl_ckpt_stop(struct pl_ckpt *c, struct pl_db *writer);

struct pl_store {
    struct pl_db *db;
    struct write_lock *wl; /* the process-wide writer lock of this database file */
    bool holds_wl;         /* taken by the outermost pl_store_begin, until the tx ends */
    struct pl_ckpt *ckpt;  /* PL_STORE_BG_CHECKPOINT: the checkpoint thread */
    struct pl_q *st[PL_STORE__STMTS];        /* store.c's statements */
    struct pl_q *ev[PL_STORE__EV_STMTS];     /* evals.c's */
    struct pl_q *cost[PL_STORE__COST_STMTS]; /* cost.c's */
    struct pl_q *pe[PL_STORE__PE_STMTS];     /* proactive.c's */
    struct pl_q *ag[PL_STORE__AG_STMTS];     /* agg.c's */
    struct pl_q *tr[PL_STORE__TR_STMTS];     /* trail.c's */
    struct pl_q *cl[PL_STORE__CL_STMTS];     /* cluster.c's */
    int depth;        /* nesting of pl_store_begin */
    bool doomed;      /* a nested rollback happened: the outer commit fails */
    int64_t next_seq; /* next config_items.seq in this transaction, 0 = not read yet */
    unsigned added;   /* outbox kinds added in this transaction (bit 1u << kind) */
    /* the last resource key looked up in this transaction and its row id (0: absent), so
     * that pl_store_ci_append right after pl_store_resource_get (the recorder's pattern)
     * updates by id or inserts without an upsert */
    char hint_key[1100];
    int64_t hint_id;
    bool hint_valid;
    bool query_fns; /* select.c's SQL functions are registered on db */
    char path[4096];
};

/* A backend's schema: its migrations in order and how its version is kept. prepare (NULL:
 * none) runs under the write lock before the version is read (PostgreSQL creates its version
 * table there); without it the version is first read without the lock. */
struct pl_schema {
    const char *const *steps;
    int count;
    const char *prepare;
    const char *version_sql;     /* one row, one integer column */
    const char *set_version_fmt; /* snprintf format with the new version's %d */
};
/* The one migration driver (store.c), for both backends: brings db to sc->count, the missing
 * versions in one write transaction; a database newer than sc is refused. *before (may be
 * NULL) gets the version found. where names the database in log lines. */
int pl_store__migrate(struct pl_db *db, const struct pl_schema *sc, const char *module,
                      const char *where, int *before, struct pl_err *err);
/* PostgreSQL's (pg_schema.c, built with PL_HAVE_PG) */
extern const struct pl_schema pl_pg_schema;

/* The columns of a CI row (config_items c JOIN resources r), read by pl_store__read_ci. */
#define CI_COLS                                                                                    \
    "c.seq, r.account, r.region, r.resource_type, r.resource_id, c.resource_name, c.status, "      \
    "c.capture_ms, c.state_id, c.hash, c.body, c.diff"

/* A row of CI_COLS (store.c) into r, strings in arena a. */
struct pl_arena;
struct pl_ci_row;
void pl_store__read_ci(struct pl_arena *a, struct pl_q *q, struct pl_ci_row *r);

/* The outbox (store.c, cluster.c): the claimed rows q yields (id, account, region, kind,
 * payload, created_ms, attempts before, last_error, due before), appended to *items; and the
 * PostgreSQL claims (kind "" for any kind) and recovery of cluster.c. */
struct pl_outbox_item;
/* A fair claim's share of max for each of np partitions with work (at least one each). */
static inline int pl_store__fair_share(int max, size_t np)
{
    int share = np ? max / (int)np : 0;
    return np && share < 1 ? 1 : share;
}
int pl_store__claim_rows(struct pl_store *s, struct pl_q *q, int64_t now, int64_t lease_ms,
                         struct pl_arena *a, struct pl_outbox_item **items, size_t *n, size_t *cap,
                         struct pl_err *err);
int pl_store__claim_pg(struct pl_store *s, const char *kind, int max, int64_t lease_ms,
                       struct pl_arena *a, struct pl_outbox_item **items, size_t *n,
                       struct pl_err *err);
int pl_store__recover_pg(struct pl_store *s, int64_t *recovered, struct pl_err *err);
/* Calls this process's outbox listeners of s's database for the kinds in added (store.c); on
 * PostgreSQL, NOTIFYs the other processes' (cluster.c: in s's transaction, sent at COMMIT; 0
 * on SQLite or when added is 0). */
void pl_store__announce(struct pl_store *s, unsigned added);
int pl_store__notify(struct pl_store *s, unsigned added, struct pl_err *err);

#endif
