/* store.h — the only interface to plumb's persistent state (SQLite now, PostgreSQL later).
 *
 * Nothing outside src/store/ writes SQL. This header is backend-neutral: no SQLite type leaks
 * out, so pg.c can implement the same functions.
 *
 * What is stored, per (account, region) partition:
 *   - configuration objects: a generic table keyed (account, region, kind, name) -> JSON text.
 *     Recorders, recorder status, delivery channels, channel status, retention, tags, and later
 *     rules etc. all live there (kinds below; docs/DECISIONS.md explains why one table).
 *   - config_items: append-only history, one row per CI version, body stored once in plumb's
 *     canonical internal form (see recorder.h, struct pl_ci and pl_ci_from_row()).
 *   - resources: the latest version of each resource key (type, id), for current-state reads.
 *   - outbox: pending work written in the same transaction as the CI that caused it.
 *
 * Threads: a struct pl_store is one connection with its own prepared-statement cache and is NOT
 * thread-safe. Use one pl_store per thread (open the same data dir several times: WAL mode lets
 * readers run beside one writer, and writers wait up to the busy timeout). Separate processes
 * (`plumb record --data DIR` while `plumb serve` runs on DIR) are safe the same way.
 *
 * Transactions: pl_store_begin() starts a write transaction (SQLite BEGIN IMMEDIATE); begin/
 * commit nest by depth, only the outermost commit really commits. Functions documented "in a
 * transaction" must be called between begin and commit; the others may be called anywhere (a
 * read outside a transaction sees the latest committed state). After any failed write inside
 * a transaction call pl_store_rollback(); a rollback at any depth aborts the whole
 * transaction and makes the outer commit fail with PL_E_INTERNAL.
 *
 * Memory: every string or row returned is allocated in the caller's arena and stays valid
 * until that arena is reset; nothing returned needs to be freed on its own.
 *
 * Cursors (nextToken): opaque NUL-terminated strings made by the store, bound to the query
 * they came from (a token used with other parameters fails with PL_E_INVALID_NEXT_TOKEN).
 * NULL in / NULL out means first page / last page.
 *
 * Return convention: 0 success, -1 error (err filled). Lookups return 1 found, 0 absent.
 */
#ifndef PL_STORE_STORE_H
#define PL_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"

struct pl_store;

/* ---- opening ---- */

enum {
    PL_STORE_READONLY = 1,      /* open without creating or migrating */
    PL_STORE_BG_CHECKPOINT = 2, /* a writer of much data: WAL checkpoints on a thread */
};

/* Opens the store named by spec: a data directory (created if missing; the database is
 * DIR/plumb.db) or, later, "postgres://...". Creates or migrates the schema (versioned by
 * PRAGMA user_version). Sets WAL, synchronous=NORMAL and a 10 s busy timeout.
 * On success *out belongs to the caller (pl_store_close). */
int pl_store_open(const char *spec, int flags, struct pl_store **out, struct pl_err *err);
void pl_store_close(struct pl_store *s); /* NULL is fine; rolls back an open transaction */

/* ---- where the store is (spec.c) ----
 * A spec is a SQLite data directory (or database file), a PostgreSQL URL ("postgres://..." or
 * "postgresql://..."), or a data directory bound to a PostgreSQL database: DIR/store-url holds
 * its URL, so every command given --data DIR reaches the database `plumb serve --data DIR
 * --store URL` bound. The data directory keeps plumb's local files either way. */
#define PL_STORE_URL_FILE "store-url"

bool pl_store_spec_is_pg(const char *spec);
/* The process's --store URL (NULL: none): directories not bound yet get bound to it on
 * resolution, a directory bound to another URL is an error. The string is copied. */
void pl_store_set_default(const char *url);
/* The backend spec that spec names (a URL or the directory itself) into out (cap bytes). */
int pl_store_resolve(const char *spec, char *out, size_t cap, struct pl_err *err);
/* Binds directory dir (created if missing) to the PostgreSQL database url (written atomically). */
int pl_store_bind(const char *dir, const char *url, struct pl_err *err);
/* Whether spec names existing plumb data (a database server is taken to exist). */
bool pl_store_exists(const char *spec);

/* ---- connections per thread ----
 * A pool hands each thread its own connection on one spec, opened on first use and closed when
 * the thread exits or the pool is closed. The API threads, the function runner's callbacks and
 * the CLI take theirs from the pool their owner (the running service, struct pl_app) made;
 * long-lived writers (the group-commit writer, the rules engine, delivery) open their own
 * connection with pl_store_open and keep it. */
struct pl_store_pool;

/* Opens the store once (creating or migrating it) and makes a pool on spec (copied). */
int pl_store_pool_open(const char *spec, struct pl_store_pool **out, struct pl_err *err);
/* Closes every connection of the pool; its threads must not use it any more. NULL fine. */
void pl_store_pool_close(struct pl_store_pool *p);
/* The calling thread's connection (borrowed; NULL with err when it cannot be opened). */
struct pl_store *pl_store_pool_thread(struct pl_store_pool *p, struct pl_err *err);
const char *pl_store_pool_spec(const struct pl_store_pool *p);

/* The schema version this build writes (and the one an open store has been migrated to). */
int pl_store_schema_version(struct pl_store *s);

/* ---- transactions ---- */

int pl_store_begin(struct pl_store *s, struct pl_err *err);
int pl_store_commit(struct pl_store *s, struct pl_err *err);
void pl_store_rollback(struct pl_store *s);
bool pl_store_in_tx(const struct pl_store *s);

/* ---- configuration objects ---- */

/* Well-known kinds. The JSON stored is the AWS shape of the object as Describe* returns it. */
#define PL_KIND_RECORDER        "ConfigurationRecorder"       /* name = recorder name */
#define PL_KIND_RECORDER_STATUS "ConfigurationRecorderStatus" /* {"recording":bool,...} */
#define PL_KIND_CHANNEL         "DeliveryChannel"
#define PL_KIND_CHANNEL_STATUS  "DeliveryChannelStatus"
#define PL_KIND_RETENTION       "RetentionConfiguration" /* {"Name","RetentionPeriodInDays"} */
#define PL_KIND_TAGS            "Tags"       /* name = ARN; JSON = {"key":"value",...} */
#define PL_KIND_CONFIG_RULE     "ConfigRule" /* name = rule name; the DescribeConfigRules shape */
#define PL_KIND_PACK            "ConformancePack" /* name = pack name; api/ops_packs.c */
#define PL_KIND_AGGREGATOR      "ConfigurationAggregator"     /* name = aggregator name */
#define PL_KIND_AGG_AUTH        "AggregationAuthorization"    /* name = "ACCOUNT/REGION" */
#define PL_KIND_AGG_DISMISSED   "AggregationRequestDismissed" /* name = "ACCOUNT/REGION" */
/* name = rule name; the DescribeRemediationConfigurations shape (remediation/remediation.h) */
#define PL_KIND_REMEDIATION_CONFIG "RemediationConfiguration"

struct pl_obj {
    const char *account, *region, *kind, *name;
    const char *json; /* NUL-terminated */
    size_t len;
    int64_t created_ms, updated_ms; /* pl_now_ms() at first put / last put */
};

/* Creates or replaces (account, region, kind, name) with json[0..len). */
int pl_store_obj_put(struct pl_store *s, const char *account, const char *region, const char *kind,
                     const char *name, const char *json, size_t len, struct pl_err *err);
/* 1 and *out filled (arena a), 0 when absent, -1 on error. */
int pl_store_obj_get(struct pl_store *s, const char *account, const char *region, const char *kind,
                     const char *name, struct pl_arena *a, struct pl_obj *out, struct pl_err *err);
/* 1 deleted, 0 absent, -1 error. */
int pl_store_obj_delete(struct pl_store *s, const char *account, const char *region,
                        const char *kind, const char *name, struct pl_err *err);
/* Objects of one kind in name order, names > after (NULL: from the start), at most limit
 * (0: no limit). account == NULL lists every partition (region and after are then ignored),
 * ordered by (account, region, name). *items is an arena array of *n. */
int pl_store_obj_list(struct pl_store *s, const char *account, const char *region, const char *kind,
                      const char *after, int limit, struct pl_arena *a, struct pl_obj **items,
                      size_t *n, struct pl_err *err);
/* Number of objects of kind in the partition (for the one-per-region limits). */
int pl_store_obj_count(struct pl_store *s, const char *account, const char *region,
                       const char *kind, int64_t *count, struct pl_err *err);

/* ---- configuration items and resources ---- */

/* Status strings as AWS spells them. */
#define PL_CI_OK                   "OK"
#define PL_CI_DISCOVERED           "ResourceDiscovered"
#define PL_CI_NOT_RECORDED         "ResourceNotRecorded"
#define PL_CI_DELETED              "ResourceDeleted"
#define PL_CI_DELETED_NOT_RECORDED "ResourceDeletedNotRecorded"

/* Does status say the resource is deleted (ResourceDeleted or ResourceDeletedNotRecorded)?
 * NULL: no. */
static inline bool pl_ci_status_deleted(const char *status)
{
    return status &&
           (strcmp(status, PL_CI_DELETED) == 0 || strcmp(status, PL_CI_DELETED_NOT_RECORDED) == 0);
}

/* One stored CI version. Rendering (API form, file form) is in recorder.h. */
struct pl_ci_row {
    int64_t seq; /* row id: global append order, unique */
    const char *account, *region, *resource_type, *resource_id;
    const char *resource_name; /* NULL when the resource has none */
    const char *status;        /* PL_CI_* */
    int64_t capture_ms;        /* configurationItemCaptureTime */
    int64_t state_id;          /* configurationStateId (epoch ms, increasing per resource) */
    char hash[65];             /* hex SHA-256 of the canonical recorded fields */
    const char *body;          /* canonical internal JSON of the whole CI (recorder.h) */
    size_t body_len;
    const char *diff; /* configurationItemDiff JSON, or NULL for none (first version) */
    size_t diff_len;
    bool daily; /* recorded by recordingFrequency DAILY (the cost report's periodic rate) */
    /* resources.hot of this CI, pl_store_hot of its configuration (hot_len 0: none of the
     * paths); NULL: the append computes it from body (a parse the recorder spares it) */
    const char *hot;
    size_t hot_len;
};

/* The hot configuration paths of a CI (advanced query's resources.hot, store_int.h) into out
 * (reset first) from its parsed configuration, written with the pl_json_write flags the body's
 * configuration was written with (the recorder's: PL_JSON_CANON): the JSON array SQLite's
 * json_extract(body, '$.configuration.p0', ...) gives. 1, or 0 with out empty when none of
 * the paths is there (configuration NULL or not an object included). */
int pl_store_hot(const struct pl_json *configuration, int flags, struct pl_buf *out);

/* The latest state of one resource key. */
struct pl_resource {
    const char *account, *region, *resource_type, *resource_id;
    const char *resource_name; /* NULL when none */
    const char *status;        /* status of the latest CI */
    bool deleted;              /* latest CI is ResourceDeleted[NotRecorded] */
    int64_t capture_ms;        /* of the latest CI */
    int64_t deletion_ms;       /* capture time of the deletion CI, or 0 */
    int64_t first_ms;          /* capture time of the first CI (discovery) */
    int64_t state_id;          /* of the latest CI */
    int64_t latest_seq;        /* seq of the latest CI */
    int64_t versions;          /* number of CI versions ever appended */
    char hash[65];             /* of the latest CI */
};

/* Appends ci as the newest version of its resource and updates the resources row, in a
 * transaction. The caller (the recorder) has filled every field but seq (hot may be NULL: then
 * the store parses body for it); ci->seq is set.
 * The store does not check ordering: the recorder guarantees state_id increases. */
int pl_store_ci_append(struct pl_store *s, struct pl_ci_row *ci, struct pl_err *err);

/* The resources row of a key: 1 found (out filled in arena a), 0 absent, -1 error. */
int pl_store_resource_get(struct pl_store *s, const char *account, const char *region,
                          const char *type, const char *id, struct pl_arena *a,
                          struct pl_resource *out, struct pl_err *err);

/* One CI version by seq: 1 found, 0 absent, -1 error. */
int pl_store_ci_get(struct pl_store *s, int64_t seq, struct pl_arena *a, struct pl_ci_row *out,
                    struct pl_err *err);

/* The latest CI of a key (deleted or not; check row->status): 1 found, 0 absent, -1 error. */
int pl_store_ci_latest(struct pl_store *s, const char *account, const char *region,
                       const char *type, const char *id, struct pl_arena *a, struct pl_ci_row *out,
                       struct pl_err *err);

/* GetResourceConfigHistory. Times are inclusive bounds in ms; earlier_ms = 0 and
 * later_ms = INT64_MAX mean unbounded (the API layer applies AWS defaults). */
struct pl_history_q {
    const char *account, *region, *resource_type, *resource_id;
    int64_t earlier_ms, later_ms;
    bool forward;       /* chronologicalOrder "Forward"; default (false) is Reverse, newest first */
    int limit;          /* 1..; the API layer maps 0 to AWS's default 10 */
    const char *cursor; /* nextToken from the previous page, or NULL */
};
/* Fills *rows (arena array of *n) and *next (NULL on the last page). A resource with no CI
 * gives n = 0; the API layer decides about ResourceNotDiscoveredException via
 * pl_store_resource_get. Errors: PL_E_INVALID_NEXT_TOKEN for a bad cursor. */
int pl_store_history(struct pl_store *s, const struct pl_history_q *q, struct pl_arena *a,
                     struct pl_ci_row **rows, size_t *n, char **next, struct pl_err *err);

/* ListDiscoveredResources. Ordered by resource id. */
struct pl_list_q {
    const char *account, *region, *resource_type;
    const char *const *ids; /* resourceIds filter (nids of them), or NULL */
    size_t nids;
    const char *name;     /* resourceName filter (exact), or NULL */
    bool include_deleted; /* includeDeletedResources */
    int limit;            /* 1..; the API layer maps 0 to AWS's default 100 */
    const char *cursor;
};
int pl_store_resources_list(struct pl_store *s, const struct pl_list_q *q, struct pl_arena *a,
                            struct pl_resource **items, size_t *n, char **next, struct pl_err *err);

/* The latest CI of every current (not deleted, not ResourceNotRecorded: rules do not evaluate
 * resources whose configuration is not recorded) resource of one type, in resource id order:
 * the rows after resource id after_id (NULL: from the start), at most limit (0: 500), in one
 * query (for full rule evaluations; no per-resource lookups). *rows is an arena array. */
int pl_store_current_cis(struct pl_store *s, const char *account, const char *region,
                         const char *type, const char *after_id, int limit, struct pl_arena *a,
                         struct pl_ci_row **rows, size_t *n, struct pl_err *err);

/* GetDiscoveredResourceCounts: resources plumb records (neither deleted nor ResourceNotRecorded)
 * per type, ordered by count descending then type. types (ntypes) restricts the types, NULL
 * for all. *total is the number of such resources of the selected types (all pages). */
struct pl_type_count {
    const char *resource_type;
    int64_t count;
};
int pl_store_resource_counts(struct pl_store *s, const char *account, const char *region,
                             const char *const *types, size_t ntypes, int limit, const char *cursor,
                             struct pl_arena *a, struct pl_type_count **items, size_t *n,
                             int64_t *total, char **next, struct pl_err *err);

/* Retention: deletes the partition's CI versions captured before ms, always keeping each
 * resource's latest version. *deleted (may be NULL) gets the number of rows removed.
 * Opens its own transaction unless one is open. */
int pl_store_prune_before(struct pl_store *s, const char *account, const char *region, int64_t ms,
                          int64_t *deleted, struct pl_err *err);

/* Partitions (account, region) that have at least one resource, for CLI listings. */
struct pl_part_row {
    const char *account, *region;
};
int pl_store_partitions(struct pl_store *s, struct pl_arena *a, struct pl_part_row **items,
                        size_t *n, struct pl_err *err);

/* ---- outbox ---- */

/* Every kind of outbox work, one place: (enum, stored name "consumer.event", producer →
 * consumer: payload). Names are stored in the outbox table; a kind is never renamed without a
 * migration that renames its pending rows. rules.h and delivery.h describe the payloads. */
#define PL_OUTBOX_KINDS(X)                                                                         \
    X(PL_OUTBOX_CI_RECORDED, "rules.ci_recorded") /* recorder → rules: {"seq":N,...} */          \
    X(PL_OUTBOX_RULES_EVALUATE, "rules.evaluate") /* rules ops → engine: {"rules":[]} */         \
    X(PL_OUTBOX_DELIVERY_CI, "delivery.ci")       /* recorder → delivery: as CI_RECORDED */      \
    X(PL_OUTBOX_DELIVERY_COMPLIANCE, "delivery.compliance")       /* rules → delivery */         \
    X(PL_OUTBOX_DELIVERY_RULES_STARTED, "delivery.rules_started") /* rules → delivery */         \
    X(PL_OUTBOX_DELIVERY_SNAPSHOT, "delivery.snapshot") /* DeliverConfigSnapshot → delivery */   \
    X(PL_OUTBOX_DELIVERY_MSG, "delivery.msg")           /* delivery → delivery: a message */     \
    X(PL_OUTBOX_REMEDIATION_EXECUTE, "remediation.execute") /* remediation: remediation.h */       \
    X(PL_OUTBOX_PACKS_DEPLOY, "packs.deploy") /* pack ops → pack worker: api/ops_packs.c */

#define PL__OUTBOX_ENUM(e, name) e,
enum pl_outbox_kind {
    PL_OUTBOX_ANY = 0, /* claims and counts: every kind; items: a kind this build does not know */
    PL_OUTBOX_KINDS(PL__OUTBOX_ENUM) PL_OUTBOX__COUNT
};
#undef PL__OUTBOX_ENUM

/* The stored name of kind ("" for PL_OUTBOX_ANY). */
const char *pl_outbox_kind_name(enum pl_outbox_kind kind);

struct pl_outbox_item {
    int64_t id;
    const char *account, *region;
    enum pl_outbox_kind kind;
    const char *payload; /* JSON text */
    size_t len;
    int64_t created_ms, next_attempt_ms;
    int64_t due_ms; /* when it was due before this claim (for pl_store_outbox_release) */
    int attempts;
    const char *last_error; /* NULL when none */
};

/* Adds a work item, due now. Call it in the same transaction as the change that caused it. */
int pl_store_outbox_add(struct pl_store *s, const char *account, const char *region,
                        enum pl_outbox_kind kind, const char *payload, size_t len, int64_t *id,
                        struct pl_err *err);
/* Claims up to max due items (done = 0, next_attempt <= now) of kind (PL_OUTBOX_ANY: any), oldest
 * first: each gets attempts + 1 and next_attempt = now + lease_ms, so a worker that dies
 * leaves its items to be claimed again after the lease. Own transaction if none is open.
 * With a kind, max is shared fairly: each of the P (account, region) partitions that have
 * pending items of the kind gets at most its oldest max/P (at least 1) items. Items of one
 * partition keep their order; the result is grouped by partition. */
int pl_store_outbox_claim(struct pl_store *s, enum pl_outbox_kind kind, int max, int64_t lease_ms,
                          struct pl_arena *a, struct pl_outbox_item **items, size_t *n,
                          struct pl_err *err);
/* Gives a claimed item back untouched, as it was before the claim (due as before, the claim's
 * attempt not counted): for a worker that ran out of its time share. */
int pl_store_outbox_release(struct pl_store *s, const struct pl_outbox_item *it,
                            struct pl_err *err);
/* Marks an item done. */
int pl_store_outbox_complete(struct pl_store *s, int64_t id, struct pl_err *err);
/* Puts an item back for another attempt at next_attempt_ms, with the error text. */
int pl_store_outbox_retry(struct pl_store *s, int64_t id, int64_t next_attempt_ms,
                          const char *error, struct pl_err *err);
/* Housekeeping: deletes the done items created before before_ms (*deleted, may be NULL, gets
 * their number). Items not done are never touched. */
int pl_store_outbox_prune(struct pl_store *s, int64_t before_ms, int64_t *deleted,
                          struct pl_err *err);
/* Gives back, due now, every item claimed and neither released, retried nor done by a process
 * that died; attempts keep the dead one's claim. SQLite: every leased item, so only for the
 * one process that runs a data directory's workers (plumb holds DATA/workers.lock).
 * PostgreSQL: the items leased by instances no longer registered (cluster.c), safe with any
 * number of processes. */
int pl_store_outbox_recover(struct pl_store *s, int64_t *recovered, struct pl_err *err);

/* ---- several processes on one store (cluster.c) ----
 * A PostgreSQL store is shared by any number of plumb serve / plumb worker processes; a SQLite
 * one by the processes of one data directory. Each process running workers registers as an
 * instance: a random id held as a session-level advisory lock on one of its connections, which
 * PostgreSQL drops when the process (or its connection) dies. Outbox leases carry the id
 * (outbox.leased), so recovery gives back only the leases of dead instances. */
bool pl_store_is_shared(struct pl_store *s); /* PostgreSQL: true */
/* Registers (again, after a reconnect) this process's instance on s's connection, which must
 * stay open while the process works. SQLite: nothing. 0, or -1 with err. */
int pl_store_instance_register(struct pl_store *s, struct pl_err *err);
/* This process's instance id (1 on SQLite or before registering): what its claims lease with. */
int64_t pl_store_instance_id(void);
/* PostgreSQL: a thread that wakes this process's outbox listeners when any process commits
 * outbox items (LISTEN/NOTIFY on a connection of its own, reopened when lost; the consumers'
 * polling covers what a lost connection missed). NULL on SQLite (commits of other processes
 * are found by polling) or with err. Stop it before exit; NULL is fine. */
struct pl_store_waker;
struct pl_store_waker *pl_store_waker_start(struct pl_store *s, struct pl_err *err);
void pl_store_waker_stop(struct pl_store_waker *w);
/* Periodic jobs that run once cluster-wide. */
enum pl_store_job {
    PL_STORE_JOB_HOUSEKEEPING = 1, /* retention, the DAILY flush */
    PL_STORE_JOB_SCHEDULES = 2,    /* periodic rules */
    PL_STORE_JOB_DELIVERY = 3,     /* snapshot and history delivery schedules */
};
/* 1 when s's connection leads job (it keeps the lead while the connection lives: run the job),
 * 0 when another connection does, -1 with err. SQLite: always 1 (one process runs a data
 * directory's workers). */
int pl_store_lead(struct pl_store *s, enum pl_store_job job, struct pl_err *err);

/* Number of items not done, of kind or PL_OUTBOX_ANY (for metrics and tests). */
int pl_store_outbox_pending(struct pl_store *s, enum pl_outbox_kind kind, int64_t *count,
                            struct pl_err *err);

/* Consumers in the same process learn of new work at once instead of at their next poll: a
 * listener of s's database file is called, on the committing thread, after every commit (on
 * any connection of this process to that file) that added outbox items of a kind in mask
 * (bit 1u << kind). It must be quick and must not use the store (it typically signals a
 * condition variable). Writers in other processes are not seen: consumers still poll.
 * Returns a handle for pl_store_outbox_unlisten, which returns only when no call of the
 * listener is running. */
typedef void (*pl_store_outbox_fn)(void *arg);
struct pl_store_listener;
struct pl_store_listener *pl_store_outbox_listen(struct pl_store *s, unsigned mask,
                                                 pl_store_outbox_fn fn, void *arg);
void pl_store_outbox_unlisten(struct pl_store_listener *l);

/* ---- moving a store (copy.c) ---- */

struct pl_store_copy_stats {
    int64_t rows; /* rows copied, all tables */
    int tables;
};
/* Copies every table of the store at from into the store at to (created or migrated; it must
 * hold no data), in one transaction of the destination: on failure it stays empty. */
int pl_store_copy(const char *from, const char *to, struct pl_store_copy_stats *st,
                  struct pl_err *err);

#endif
