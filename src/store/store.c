/* store.c — store.h over the statement layer (db.h): SQLite by default, PostgreSQL with db_pg.c.
 *
 * One struct pl_store is one database connection plus its prepared statements (prepared lazily,
 * kept for the connection's life). Not thread-safe: one per thread (store.h).
 *
 * Invariants:
 *   - every write happens inside BEGIN IMMEDIATE ... COMMIT (explicit or one-statement);
 *   - resources.latest_seq is the seq of the resource's newest config_items row, which is
 *     never pruned;
 *   - config_items.seq is allocated by this file under the write lock: MAX(seq)+1 read once
 *     per transaction, so a CI and its resources row can be written with two statements.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pthread.h>
#include <time.h>

#include "core/hash.h"
#include "core/log.h"
#include "core/time.h"
#include "core/util.h"
#include "store/db.h"
#ifdef PL_HAVE_PG
#include "store/pg_schema.h"
#endif
#include "store/store.h"
#include "store/store_int.h"

/* ---- schema ---- */

/* Migration 14: compliance_days holds, per partition and UTC day (capture_ms / 86400000),
 * the change that day in the number of AWS::Config::ResourceCompliance resources whose latest
 * version says COMPLIANT (ok) or NON_COMPLIANT (bad); a day's counts are the sums of the deltas
 * up to it (pl_store_compliance_trend). A version contributes its compliance from its day to
 * the day of the next version of its resource: inserting one between prev and next adds
 * (its - prev's) at its day and the opposite at next's day; deleting one (retention) undoes
 * that with the neighbours left. Triggers on config_items keep it, so every writer of CIs does;
 * the migration fills it from the stored versions (LAG over each resource's history). */

/* clang-format off */
/* configuration.complianceType of row c (NULL when deleted): bodies are canonical JSON (keys
 * sorted: it is the configuration's first key, about 100 bytes in), so it is found by its
 * prefix; json_extract (which parses the whole body: 4 times as slow) only for other bodies */
#define TD_KEY "'\"configuration\":{\"complianceType\":\"'"
#define TD_AT(c, n) "substr(" c ".body, instr(" c ".body, " TD_KEY ") + 35, " #n ")"
#define TD_KIND(c)                                                                                 \
    "(CASE WHEN substr(" c ".status, 1, 15) = 'ResourceDeleted' THEN NULL "                        \
    "WHEN instr(" c ".body, " TD_KEY ") = 0 "                                                      \
    "THEN json_extract(" c ".body, '$.configuration.complianceType') "                             \
    "WHEN " TD_AT(c, 10) " = 'COMPLIANT\"' THEN 'COMPLIANT' "                                      \
    "WHEN " TD_AT(c, 14) " = 'NON_COMPLIANT\"' THEN 'NON_COMPLIANT' ELSE 'OTHER' END)"
/* the kind of row c's previous version (NULL: none) */
#define TD_PREV(c)                                                                                 \
    "(SELECT " TD_KIND("x") " FROM config_items x WHERE x.res = " c ".res "                        \
    "AND (x.capture_ms, x.seq) < (" c ".capture_ms, " c ".seq) "                                   \
    "ORDER BY x.capture_ms DESC, x.seq DESC LIMIT 1)"
/* the capture time of row c's next version (NULL: none) */
#define TD_NEXT_MS(c)                                                                              \
    "(SELECT x.capture_ms FROM config_items x WHERE x.res = " c ".res "                            \
    "AND (x.capture_ms, x.seq) > (" c ".capture_ms, " c ".seq) "                                   \
    "ORDER BY x.capture_ms, x.seq LIMIT 1)"
/* adds sign * (kind k of row c - kind p of its previous version) at the day of ms */
#define TD_ADD(c, ms, sign)                                                                        \
    "INSERT INTO compliance_days(account, region, day, ok, bad) "                                  \
    "SELECT r.account, r.region, (" ms ") / 86400000, "                                            \
    sign " * ((d.k IS 'COMPLIANT') - (d.p IS 'COMPLIANT')), "                                      \
    sign " * ((d.k IS 'NON_COMPLIANT') - (d.p IS 'NON_COMPLIANT')) "                               \
    "FROM resources r, (SELECT " TD_KIND(c) " AS k, " TD_PREV(c) " AS p) d "                       \
    "WHERE r.id = " c ".res AND (" ms ") IS NOT NULL "                                             \
    "ON CONFLICT DO UPDATE SET ok = ok + excluded.ok, bad = bad + excluded.bad;"
/* the triggers' condition: a ResourceCompliance CI (and, TD_LATER, one with a later version:
 * the rare out-of-order one, and a pruned one; its own trigger, so the usual append skips it) */
#define TD_WHEN(c, also)                                                                           \
    " WHEN (SELECT resource_type FROM resources WHERE id = " c ".res) = "                          \
    "'AWS::Config::ResourceCompliance'" also " BEGIN "
#define TD_LATER(c) " AND " TD_NEXT_MS(c) " IS NOT NULL"
#define TD_TRIGGER(name, op, c, also, ms, sign)                                                    \
    "CREATE TRIGGER IF NOT EXISTS " name " AFTER " op " ON config_items"                           \
    TD_WHEN(c, also) TD_ADD(c, ms, sign) "END;"
/* the deltas of the stored versions, each against the one before it */
#define TD_FILL                                                                                    \
    "INSERT INTO compliance_days(account, region, day, ok, bad) SELECT account, region, day, "     \
    "SUM((k IS 'COMPLIANT') - (p IS 'COMPLIANT')), "                                               \
    "SUM((k IS 'NON_COMPLIANT') - (p IS 'NON_COMPLIANT')) "                                        \
    "FROM (SELECT r.account, r.region, c.capture_ms / 86400000 AS day, " TD_KIND("c") " AS k, "    \
    "LAG(" TD_KIND("c") ") OVER (PARTITION BY c.res ORDER BY c.capture_ms, c.seq) AS p "           \
    "FROM resources r JOIN config_items c ON c.res = r.id "                                        \
    "WHERE r.resource_type = 'AWS::Config::ResourceCompliance') GROUP BY account, region, day;"
#define TREND_DAYS_SQL                                                                             \
    "CREATE TABLE IF NOT EXISTS compliance_days("                                                  \
    " account TEXT NOT NULL, region TEXT NOT NULL, day INTEGER NOT NULL, ok INTEGER NOT NULL,"     \
    " bad INTEGER NOT NULL, PRIMARY KEY(account, region, day)) WITHOUT ROWID;"                     \
    "DELETE FROM compliance_days;"                                                                 \
    TD_FILL                                                                                        \
    TD_TRIGGER("compliance_days_ins", "INSERT", "NEW", "", "NEW.capture_ms", "1")                  \
    TD_TRIGGER("compliance_days_ins_next", "INSERT", "NEW", TD_LATER("NEW"), TD_NEXT_MS("NEW"),    \
               "-1")                                                                               \
    TD_TRIGGER("compliance_days_del", "DELETE", "OLD", "", "OLD.capture_ms", "-1")                 \
    TD_TRIGGER("compliance_days_del_next", "DELETE", "OLD", TD_LATER("OLD"), TD_NEXT_MS("OLD"),    \
               "1")
/* clang-format on */

static const char *const migrations[] = {
    /* 1: objects, resources, config_items, outbox */
    "CREATE TABLE objects("
    " account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,"
    " json TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    " PRIMARY KEY(account, region, kind, name)) WITHOUT ROWID;"
    "CREATE INDEX objects_kind ON objects(kind, account, region, name);"
    "CREATE TABLE resources("
    " id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,"
    " resource_type TEXT NOT NULL, resource_id TEXT NOT NULL, resource_name TEXT,"
    " status TEXT NOT NULL, deleted INTEGER NOT NULL, capture_ms INTEGER NOT NULL,"
    " deletion_ms INTEGER NOT NULL, first_ms INTEGER NOT NULL, state_id INTEGER NOT NULL,"
    " latest_seq INTEGER NOT NULL, versions INTEGER NOT NULL, hash TEXT NOT NULL,"
    " UNIQUE(account, region, resource_type, resource_id));"
    "CREATE TABLE config_items("
    " seq INTEGER PRIMARY KEY, res INTEGER NOT NULL, status TEXT NOT NULL,"
    " capture_ms INTEGER NOT NULL, state_id INTEGER NOT NULL, resource_name TEXT,"
    " hash TEXT NOT NULL, body TEXT NOT NULL, diff TEXT);"
    "CREATE INDEX config_items_res ON config_items(res, capture_ms, seq);"
    "CREATE TABLE outbox("
    " id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL,"
    " payload TEXT NOT NULL, created_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt_ms INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0, last_error TEXT);"
    "CREATE INDEX outbox_due ON outbox(next_attempt_ms) WHERE done = 0;",
    /* 2: claims by kind take each partition's oldest items (fair share between accounts); the
     * index by due time alone served only kind-less claims (tests) */
    "CREATE INDEX outbox_part ON outbox(kind, account, region, next_attempt_ms, id) "
    "WHERE done = 0;"
    "DROP INDEX outbox_due;",
    /* 3: the evaluation tables (evals.c): rule_evals, rule_status, rule_tokens. Before this
     * migration the rules engine created them on a connection of its own, so a store of an
     * older plumb may have them already */
    "CREATE TABLE IF NOT EXISTS rule_evals("
    " account TEXT NOT NULL, region TEXT NOT NULL, rule TEXT NOT NULL,"
    " resource_type TEXT NOT NULL, resource_id TEXT NOT NULL, mode TEXT NOT NULL,"
    " comp INTEGER NOT NULL, annotation TEXT, ordering_ms INTEGER NOT NULL,"
    " recorded_ms INTEGER NOT NULL, invoked_ms INTEGER NOT NULL, token TEXT,"
    " PRIMARY KEY(account, region, rule, resource_type, resource_id, mode)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS rule_evals_res ON rule_evals(account, region, resource_type,"
    " resource_id, rule);"
    "CREATE TABLE IF NOT EXISTS rule_status("
    " account TEXT NOT NULL, region TEXT NOT NULL, rule TEXT NOT NULL,"
    " first_activated INTEGER, last_deactivated INTEGER, ok_invoke INTEGER,"
    " fail_invoke INTEGER, ok_eval INTEGER, fail_eval INTEGER, err_code TEXT, err_msg TEXT,"
    " first_started INTEGER, last_run INTEGER, running_since INTEGER,"
    " PRIMARY KEY(account, region, rule)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS rule_tokens("
    " token TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, rule TEXT NOT NULL,"
    " invoked_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS rule_tokens_time ON rule_tokens(invoked_ms);",
    /* 4: one naming style for outbox kinds ("consumer.event", store.h's PL_OUTBOX_KINDS); the
     * rows of the old names are renamed, pending or done */
    "UPDATE outbox SET kind = 'rules.ci_recorded' WHERE kind = 'ci_recorded';"
    "UPDATE outbox SET kind = 'delivery.ci' WHERE kind = 'delivery_ci';"
    "UPDATE outbox SET kind = 'delivery.snapshot' WHERE kind = 'delivery_snapshot';"
    "UPDATE outbox SET kind = 'delivery.msg' WHERE kind = 'delivery_msg';",
    /* 5: a claimed row is marked leased until it is released, retried or done, so a process
     * that starts after a crash can give back the rows the dead one held (outbox_recover) */
    "ALTER TABLE outbox ADD COLUMN leased INTEGER NOT NULL DEFAULT 0;",
    /* 6: what Lambda-style functions printed, per invocation (evals.c, function logs) */
    "CREATE TABLE IF NOT EXISTS function_logs("
    " id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,"
    " function TEXT NOT NULL, request_id TEXT NOT NULL, rule TEXT, resource_type TEXT,"
    " resource_id TEXT, start_ms INTEGER NOT NULL, duration_ms INTEGER NOT NULL,"
    " outcome TEXT NOT NULL, error_message TEXT, output TEXT NOT NULL,"
    " truncated INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS function_logs_fn ON function_logs(account, region, function, id);"
    "CREATE INDEX IF NOT EXISTS function_logs_time ON function_logs(start_ms);",
    /* 7: advanced query (select.c): filters on resourceId or resourceName without a type, and
     * the current resources' top-level fields covered (GROUP BY resourceType reads no table) */
    "CREATE INDEX IF NOT EXISTS resources_id ON resources(account, region, resource_id);"
    "CREATE INDEX IF NOT EXISTS resources_name ON resources(account, region, resource_name);"
    "CREATE INDEX IF NOT EXISTS resources_current ON resources(account, region, resource_type,"
    " resource_id, resource_name) WHERE deleted = 0 AND status <> 'ResourceNotRecorded';",
    /* 8: a rule's NON_COMPLIANT results (usually few) without scanning its range: conformance
     * pack roll-ups at every flush (evals.c Q_RULE_COMP), NON_COMPLIANT detail filters */
    "CREATE INDEX IF NOT EXISTS rule_evals_bad ON rule_evals(account, region, rule, "
    "resource_type, resource_id) WHERE comp = 2;",
    /* 9: the cost report (cost.c): config_items.freq (1: recorded DAILY; NULL: continuously),
     * the CIs that are not billed at the continuous rate (DAILY ones, and the identity-only
     * NotRecorded ones) in a small partial index beside the covering config_items_res, and the
     * evaluation counters the result sink adds to in its flush */
    "ALTER TABLE config_items ADD COLUMN freq INTEGER;"
    "UPDATE config_items SET freq = 1 WHERE body LIKE '%\"recordingFrequency\":\"DAILY\"%' AND "
    " json_extract(body, '$.recordingFrequency') = 'DAILY';"
    "CREATE INDEX IF NOT EXISTS config_items_cost ON config_items(res, capture_ms, freq, status)"
    " WHERE " PL_STORE__COST_WHERE ";"
    "CREATE TABLE IF NOT EXISTS eval_counts("
    " account TEXT NOT NULL, region TEXT NOT NULL, rule TEXT NOT NULL,"
    " resource_type TEXT NOT NULL, month INTEGER NOT NULL, pack INTEGER NOT NULL,"
    " n INTEGER NOT NULL,"
    " PRIMARY KEY(account, region, month, rule, resource_type)) WITHOUT ROWID;",
    /* 10: proactive evaluations (proactive.c): StartResourceEvaluation and its results, apart
     * from the CI history and the detective results */
    "CREATE TABLE IF NOT EXISTS resource_evaluations("
    " account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, client_token TEXT,"
    " request_hash TEXT, mode TEXT NOT NULL, context_id TEXT, start_ms INTEGER NOT NULL,"
    " timeout_s INTEGER NOT NULL, details TEXT NOT NULL, failure TEXT,"
    " PRIMARY KEY(account, region, id)) WITHOUT ROWID;"
    "CREATE UNIQUE INDEX IF NOT EXISTS resource_evaluations_token ON resource_evaluations(account, "
    "region,"
    " client_token) WHERE client_token IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS resource_evaluations_time ON resource_evaluations(account, region, "
    "start_ms,"
    " id);"
    "CREATE INDEX IF NOT EXISTS resource_evaluations_age ON resource_evaluations(start_ms);"
    "CREATE TABLE IF NOT EXISTS resource_evaluation_results("
    " account TEXT NOT NULL, region TEXT NOT NULL, eval_id TEXT NOT NULL, rule TEXT NOT NULL,"
    " resource_type TEXT NOT NULL, resource_id TEXT NOT NULL, comp INTEGER NOT NULL,"
    " annotation TEXT, ordering_ms INTEGER NOT NULL, recorded_ms INTEGER NOT NULL,"
    " invoked_ms INTEGER NOT NULL, token TEXT,"
    " PRIMARY KEY(account, region, eval_id, rule, resource_type, resource_id)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS resource_evaluation_results_token ON "
    "resource_evaluation_results(token)"
    " WHERE token IS NOT NULL;",
    /* 11: CloudTrail (trail.c): events once by eventID, the resources they touched, the files a
     * watcher has read */
    "CREATE TABLE IF NOT EXISTS trail_events("
    " id INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, account TEXT NOT NULL,"
    " region TEXT NOT NULL, event_ms INTEGER NOT NULL, event_name TEXT NOT NULL,"
    " event_source TEXT NOT NULL, read_only INTEGER NOT NULL, error_code TEXT, user_type TEXT,"
    " user_arn TEXT, source_ip TEXT, user_agent TEXT, body TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS trail_events_time ON trail_events(account, region, event_ms);"
    "CREATE TABLE IF NOT EXISTS trail_links("
    " account TEXT NOT NULL, region TEXT NOT NULL, resource_type TEXT NOT NULL, ref TEXT NOT NULL,"
    " kind INTEGER NOT NULL, event_ms INTEGER NOT NULL, event INTEGER NOT NULL,"
    " event_id TEXT NOT NULL,"
    " PRIMARY KEY(account, region, resource_type, ref, kind, event_ms, event)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS trail_links_time ON trail_links(account, region, event_ms);"
    "CREATE TABLE IF NOT EXISTS trail_files("
    " source TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, read_ms INTEGER NOT NULL,"
    " PRIMARY KEY(source, path)) WITHOUT ROWID;",
    /* 12: current resources counted per (account, region, type), kept by triggers on resources
     * (the predicate of resources_current), so GetDiscoveredResourceCounts and the aggregate
     * counts read a few rows per partition instead of counting its index entries */
    "CREATE TABLE IF NOT EXISTS resource_counts("
    " account TEXT NOT NULL, region TEXT NOT NULL, resource_type TEXT NOT NULL,"
    " n INTEGER NOT NULL, PRIMARY KEY(account, region, resource_type)) WITHOUT ROWID;"
    "INSERT OR REPLACE INTO resource_counts SELECT account, region, resource_type, count(*)"
    " FROM resources WHERE deleted = 0 AND status <> 'ResourceNotRecorded'"
    " GROUP BY account, region, resource_type;"
    "CREATE TRIGGER IF NOT EXISTS resource_counts_ins AFTER INSERT ON resources"
    " WHEN NEW.deleted = 0 AND NEW.status <> 'ResourceNotRecorded' BEGIN"
    " INSERT INTO resource_counts VALUES(NEW.account, NEW.region, NEW.resource_type, 1)"
    " ON CONFLICT DO UPDATE SET n = n + 1; END;"
    "CREATE TRIGGER IF NOT EXISTS resource_counts_upd AFTER UPDATE OF deleted, status ON resources"
    " WHEN (OLD.deleted = 0 AND OLD.status <> 'ResourceNotRecorded') <>"
    " (NEW.deleted = 0 AND NEW.status <> 'ResourceNotRecorded') BEGIN"
    " INSERT INTO resource_counts VALUES(NEW.account, NEW.region, NEW.resource_type,"
    " CASE WHEN NEW.deleted = 0 AND NEW.status <> 'ResourceNotRecorded' THEN 1 ELSE -1 END)"
    " ON CONFLICT DO UPDATE SET n = n + excluded.n; END;"
    "CREATE TRIGGER IF NOT EXISTS resource_counts_del AFTER DELETE ON resources"
    " WHEN OLD.deleted = 0 AND OLD.status <> 'ResourceNotRecorded' BEGIN"
    " UPDATE resource_counts SET n = n - 1 WHERE account = OLD.account AND region = OLD.region"
    " AND resource_type = OLD.resource_type; END;",
    /* 13: conformance pack score history (evals.c): the pair counts each time they change */
    "CREATE TABLE IF NOT EXISTS pack_scores("
    " account TEXT NOT NULL, region TEXT NOT NULL, pack TEXT NOT NULL, time_ms INTEGER NOT NULL,"
    " ok INTEGER NOT NULL, bad INTEGER NOT NULL,"
    " PRIMARY KEY(account, region, pack, time_ms)) WITHOUT ROWID;",
    /* 14: COMPLIANT (ok) and NON_COMPLIANT (bad) results counted per (account, region, rule),
     * kept by triggers on rule_evals (agg.c), so an aggregate compliance summary reads one row
     * per rule of each source's range instead of probing two indexes per rule. Results of the
     * other compliances fire nothing, nor does a re-run that keeps a result's compliance (it
     * does not set comp: evals.c Q_UPDATE_SAME) */
    "CREATE TABLE IF NOT EXISTS rule_counts("
    " account TEXT NOT NULL, region TEXT NOT NULL, rule TEXT NOT NULL, ok INTEGER NOT NULL,"
    " bad INTEGER NOT NULL, PRIMARY KEY(account, region, rule)) WITHOUT ROWID;"
    "INSERT OR REPLACE INTO rule_counts SELECT account, region, rule, sum(comp = 1),"
    " sum(comp = 2) FROM rule_evals WHERE comp IN (1, 2) GROUP BY account, region, rule;"
    "CREATE TRIGGER IF NOT EXISTS rule_counts_ins AFTER INSERT ON rule_evals"
    " WHEN NEW.comp IN (1, 2) BEGIN"
    " INSERT INTO rule_counts VALUES(NEW.account, NEW.region, NEW.rule, NEW.comp = 1,"
    " NEW.comp = 2) ON CONFLICT DO UPDATE SET ok = ok + excluded.ok, bad = bad + excluded.bad;"
    " END;"
    "CREATE TRIGGER IF NOT EXISTS rule_counts_upd AFTER UPDATE OF comp ON rule_evals"
    " WHEN OLD.comp <> NEW.comp AND (OLD.comp IN (1, 2) OR NEW.comp IN (1, 2)) BEGIN"
    " INSERT INTO rule_counts VALUES(NEW.account, NEW.region, NEW.rule,"
    " (NEW.comp = 1) - (OLD.comp = 1), (NEW.comp = 2) - (OLD.comp = 2))"
    " ON CONFLICT DO UPDATE SET ok = ok + excluded.ok, bad = bad + excluded.bad; END;"
    "CREATE TRIGGER IF NOT EXISTS rule_counts_del AFTER DELETE ON rule_evals"
    " WHEN OLD.comp IN (1, 2) BEGIN"
    " UPDATE rule_counts SET ok = ok - (OLD.comp = 1), bad = bad - (OLD.comp = 2)"
    " WHERE account = OLD.account AND region = OLD.region AND rule = OLD.rule; END;",
    /* 15: advanced query (select.c): the hot configuration paths of each resource's latest CI
     * (store_int.h PL_STORE__HOT_PATHS) on its resources row, written with the row by the
     * append (ST_RES_*: pl_ci_row.hot, made by the recorder from its parsed CI), and covered
     * with the partition for the current resources: a GROUP BY on such a path reads this
     * index, not every current CI body */
    // clang-format off
    "ALTER TABLE resources ADD COLUMN hot;"
    "UPDATE resources SET hot = (SELECT " PL_STORE__HOT_OF("c.body") " FROM config_items c"
    " WHERE c.seq = resources.latest_seq);"
    "CREATE INDEX IF NOT EXISTS resources_hot ON resources(account, region, resource_type, hot)"
    " WHERE deleted = 0 AND status <> 'ResourceNotRecorded';",
    // clang-format on
    /* 16: the compliance trend (evals.c) from per-day deltas of ResourceCompliance versions */
    TREND_DAYS_SQL,
    /* 17: PostgreSQL's functions for advanced query (pg_schema.c); SQLite registers its own
     * on the connection (select.c), so nothing here: the versions stay the same on both */
    "SELECT 1;",
};
#define SCHEMA_VERSION ((int)PL_ARRAY_LEN(migrations))

static const struct pl_schema sqlite_schema = {migrations, SCHEMA_VERSION, NULL,
                                               "PRAGMA user_version", "PRAGMA user_version = %d"};

static const struct pl_schema *schema_of(struct pl_db *db)
{
#ifdef PL_HAVE_PG
    if (pl_db_kind(db) == PL_DB_PG)
        return &pl_pg_schema;
#endif
    (void)db;
    return &sqlite_schema;
}

/* ---- statements ---- */

enum {
    ST_MAXSEQ,
    ST_OBJ_PUT,
    ST_OBJ_GET,
    ST_OBJ_DEL,
    ST_OBJ_LIST,
    ST_OBJ_LIST_ALL,
    ST_OBJ_COUNT,
    ST_RES_UPSERT,
    ST_RES_INSERT,
    ST_RES_UPDATE,
    ST_CI_INSERT,
    ST_RES_GET,
    ST_CI_GET,
    ST_CI_LATEST,
    ST_HIST_REV,
    ST_HIST_FWD,
    ST_RES_ID,
    ST_LIST,
    ST_LIST_DEL,
    ST_LIST_NAME,
    ST_LIST_NAME_DEL,
    ST_LIST_ONE,
    ST_CURRENT,
    ST_COUNTS,
    ST_PRUNE,
    ST_PARTS,
    ST_OB_ADD,
    ST_OB_CLAIM,
    ST_OB_CLAIM_KIND,
    ST_OB_PART_FIRST,
    ST_OB_PART_NEXT,
    ST_OB_RELEASE,
    ST_OB_TOUCH,
    ST_OB_DONE,
    ST_OB_RETRY,
    ST_OB_PENDING,
    ST_OB_PENDING_KIND,
    ST_OB_PRUNE,
    ST_OB_RECOVER,
    ST__COUNT
};

#define RES_COLS                                                                                   \
    "account, region, resource_type, resource_id, resource_name, status, deleted, "                \
    "capture_ms, deletion_ms, first_ms, state_id, latest_seq, versions, hash"

_Static_assert(ST__COUNT <= PL_STORE__STMTS, "grow PL_STORE__STMTS");

/* The resources row of an appended CI (pl_store_ci_append), with hot its hot array of ?12 */
#define RES_VALUES(hot)                                                                            \
    "INSERT INTO resources(account, region, resource_type, resource_id, resource_name, "           \
    "status, deleted, capture_ms, deletion_ms, first_ms, state_id, latest_seq, versions, "         \
    "hash, hot) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, CASE WHEN ?7 <> 0 THEN CAST(?8 AS BIGINT) " \
    "ELSE 0 END, "                                                                                 \
    "?8, ?9, ?10, 1, ?11, " hot ")"
#define RES_UPSERT(hot)                                                                            \
    RES_VALUES(hot)                                                                                \
    " ON CONFLICT (account, region, resource_type, resource_id) DO UPDATE SET "                    \
    "resource_name = excluded.resource_name, hot = excluded.hot, "                                 \
    "status = excluded.status, deleted = excluded.deleted, capture_ms = "                          \
    "excluded.capture_ms, deletion_ms = excluded.deletion_ms, state_id = "                         \
    "excluded.state_id, latest_seq = excluded.latest_seq, "                                        \
    "versions = resources.versions + 1, hash = excluded.hash RETURNING id"
#define RES_INSERT(hot) RES_VALUES(hot)
#define RES_UPDATE(hot)                                                                            \
    "UPDATE resources SET resource_name = ?5, status = ?6, deleted = ?7, "                         \
    "capture_ms = ?8, deletion_ms = CASE WHEN ?7 <> 0 THEN CAST(?8 AS BIGINT) ELSE 0 END, "        \
    "state_id = ?9, latest_seq = ?10, versions = versions + 1, hash = ?11, "                       \
    "hot = " hot " WHERE id = ?13"

static const char *const sql_text[ST__COUNT] = {
    [ST_MAXSEQ] = "SELECT COALESCE(MAX(seq), 0) FROM config_items",
    [ST_OBJ_PUT] = "INSERT INTO objects(account, region, kind, name, json, created_ms, "
                   "updated_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?6) "
                   "ON CONFLICT (account, region, kind, name) DO UPDATE "
                   "SET json = excluded.json, updated_ms = excluded.updated_ms",
    [ST_OBJ_GET] = "SELECT json, created_ms, updated_ms FROM objects WHERE account = ?1 AND "
                   "region = ?2 AND kind = ?3 AND name = ?4",
    [ST_OBJ_DEL] = "DELETE FROM objects WHERE account = ?1 AND region = ?2 AND kind = ?3 AND "
                   "name = ?4",
    [ST_OBJ_LIST] = "SELECT account, region, name, json, created_ms, updated_ms FROM objects "
                    "WHERE account = ?1 AND region = ?2 AND kind = ?3 AND name > ?4 "
                    "ORDER BY name LIMIT ?5",
    [ST_OBJ_LIST_ALL] = "SELECT account, region, name, json, created_ms, updated_ms FROM "
                        "objects WHERE kind = ?3 AND CAST(?1 AS TEXT) IS NULL AND "
                        "CAST(?2 AS TEXT) IS NULL AND CAST(?4 AS TEXT) IS NOT NULL "
                        "ORDER BY account, region, name LIMIT ?5",
    [ST_OBJ_COUNT] = "SELECT COUNT(*) FROM objects WHERE account = ?1 AND region = ?2 AND "
                     "kind = ?3",
    [ST_RES_UPSERT] = RES_UPSERT("?12"), /* hot: bound from C (hot.c) on both backends */
    [ST_RES_INSERT] = RES_INSERT("?12"),
    [ST_RES_UPDATE] = RES_UPDATE("?12"),
    [ST_CI_INSERT] = "INSERT INTO config_items(seq, res, status, capture_ms, state_id, "
                     "resource_name, hash, body, diff, freq) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                     "?8, ?9, ?10)",
    [ST_RES_GET] = "SELECT " RES_COLS ", id FROM resources WHERE account = ?1 AND region = ?2 AND "
                   "resource_type = ?3 AND resource_id = ?4",
    [ST_CI_GET] = "SELECT " CI_COLS " FROM config_items c JOIN resources r ON r.id = c.res "
                  "WHERE c.seq = ?1",
    [ST_CI_LATEST] = "SELECT " CI_COLS " FROM resources r JOIN config_items c ON "
                     "c.seq = r.latest_seq WHERE r.account = ?1 AND r.region = ?2 AND "
                     "r.resource_type = ?3 AND r.resource_id = ?4",
    [ST_RES_ID] = "SELECT id FROM resources WHERE account = ?1 AND region = ?2 AND "
                  "resource_type = ?3 AND resource_id = ?4",
    [ST_HIST_REV] = "SELECT " CI_COLS " FROM config_items c JOIN resources r ON r.id = c.res "
                    "WHERE c.res = ?1 AND c.capture_ms >= ?2 AND c.capture_ms <= ?3 AND "
                    "(c.capture_ms, c.seq) < (?4, ?5) ORDER BY c.capture_ms DESC, c.seq DESC "
                    "LIMIT ?6",
    [ST_HIST_FWD] = "SELECT " CI_COLS " FROM config_items c JOIN resources r ON r.id = c.res "
                    "WHERE c.res = ?1 AND c.capture_ms >= ?2 AND c.capture_ms <= ?3 AND "
                    "(c.capture_ms, c.seq) > (?4, ?5) ORDER BY c.capture_ms, c.seq LIMIT ?6",
    [ST_LIST] = "SELECT " RES_COLS " FROM resources WHERE account = ?1 AND region = ?2 AND "
                "resource_type = ?3 AND resource_id > ?4 AND deleted = 0 ORDER BY resource_id "
                "LIMIT ?5",
    [ST_LIST_DEL] = "SELECT " RES_COLS " FROM resources WHERE account = ?1 AND region = ?2 AND "
                    "resource_type = ?3 AND resource_id > ?4 ORDER BY resource_id LIMIT ?5",
    [ST_LIST_NAME] = "SELECT " RES_COLS " FROM resources WHERE account = ?1 AND region = ?2 "
                     "AND resource_type = ?3 AND resource_id > ?4 AND deleted = 0 AND "
                     "resource_name = ?6 ORDER BY resource_id LIMIT ?5",
    [ST_LIST_NAME_DEL] = "SELECT " RES_COLS " FROM resources WHERE account = ?1 AND region = "
                         "?2 AND resource_type = ?3 AND resource_id > ?4 AND resource_name = ?6 "
                         "ORDER BY resource_id LIMIT ?5",
    [ST_CURRENT] = "SELECT " CI_COLS " FROM resources r JOIN config_items c ON "
                   "c.seq = r.latest_seq WHERE r.account = ?1 AND r.region = ?2 AND "
                   "r.resource_type = ?3 AND r.resource_id > ?4 AND r.deleted = 0 "
                   "AND r.status <> 'ResourceNotRecorded' ORDER BY r.resource_id LIMIT ?5",
    [ST_LIST_ONE] = "SELECT " RES_COLS " FROM resources WHERE account = ?1 AND region = ?2 AND "
                    "resource_type = ?3 AND resource_id = ?4",
    [ST_COUNTS] = "SELECT resource_type, n FROM resource_counts WHERE account = ?1 AND "
                  "region = ?2 AND n > 0",
    [ST_PRUNE] = "DELETE FROM config_items WHERE seq IN (SELECT c.seq FROM resources r JOIN "
                 "config_items c ON c.res = r.id WHERE r.account = ?1 AND r.region = ?2 AND "
                 "c.capture_ms < ?3 AND c.seq <> r.latest_seq)",
    [ST_PARTS] = "SELECT DISTINCT account, region FROM resources ORDER BY 1, 2",
    [ST_OB_ADD] = "INSERT INTO outbox(account, region, kind, payload, created_ms, "
                  "next_attempt_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?5)",
    [ST_OB_CLAIM] = "SELECT id, account, region, kind, payload, created_ms, attempts, "
                    "last_error, next_attempt_ms FROM outbox WHERE done = 0 AND "
                    "next_attempt_ms <= ?1 ORDER BY next_attempt_ms, id LIMIT ?2",
    [ST_OB_CLAIM_KIND] = "SELECT id, account, region, kind, payload, created_ms, attempts, "
                         "last_error, next_attempt_ms FROM outbox INDEXED BY outbox_part "
                         "WHERE done = 0 AND kind = ?3 AND account = ?4 AND region = ?5 AND "
                         "next_attempt_ms <= ?1 ORDER BY next_attempt_ms, id LIMIT ?2",
    /* a loose index scan: the partitions with pending items of a kind, one seek each */
    [ST_OB_PART_FIRST] = "SELECT account, region FROM outbox INDEXED BY outbox_part "
                         "WHERE done = 0 AND kind = ?1 ORDER BY kind, account, region LIMIT 1",
    [ST_OB_PART_NEXT] = "SELECT account, region FROM outbox INDEXED BY outbox_part "
                        "WHERE done = 0 AND kind = ?1 AND (account, region) > (?2, ?3) "
                        "ORDER BY kind, account, region LIMIT 1",
    [ST_OB_RELEASE] = "UPDATE outbox SET attempts = MAX(attempts - 1, 0), next_attempt_ms = ?2, "
                      "leased = 0 WHERE id = ?1 AND done = 0",
    [ST_OB_TOUCH] = "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ?2, leased = 1 "
                    "WHERE id = ?1",
    [ST_OB_DONE] = "UPDATE outbox SET done = 1, leased = 0 WHERE id = ?1",
    [ST_OB_RETRY] = "UPDATE outbox SET next_attempt_ms = ?2, last_error = ?3, leased = 0 "
                    "WHERE id = ?1",
    [ST_OB_PENDING] = "SELECT COUNT(*) FROM outbox WHERE done = 0",
    [ST_OB_PENDING_KIND] = "SELECT COUNT(*) FROM outbox WHERE done = 0 AND kind = ?1",
    [ST_OB_PRUNE] = "DELETE FROM outbox WHERE done = 1 AND created_ms < ?1",
    [ST_OB_RECOVER] = "UPDATE outbox SET leased = 0, next_attempt_ms = ?1 WHERE leased = 1 AND "
                      "done = 0",
};

/* PostgreSQL's texts where the dialects differ (PL_DB_PICK) */
static const char *const sql_pg[ST__COUNT] = {
    [ST_OB_RELEASE] = "UPDATE outbox SET attempts = GREATEST(attempts - 1, 0), "
                      "next_attempt_ms = ?2, leased = 0 WHERE id = ?1 AND done = 0",
};

static int db_fail(struct pl_store *s, struct pl_err *err, const char *what)
{
    return pl_db_fail(s->db, "store", err, what);
}

static struct pl_q *stmt(struct pl_store *s, int i, struct pl_err *err)
{
    return pl_db_prepared(s->db, &s->st[i], PL_DB_PICK(s->db, sql_text[i], sql_pg[i]), "store",
                          err);
}

/* Statement i with the usual key (account, region, kind/type, name/id) bound to ?1..?4. */
static struct pl_q *keyed(struct pl_store *s, int i, const char *k1, const char *k2, const char *k3,
                          const char *k4, struct pl_err *err)
{
    struct pl_q *q = stmt(s, i, err);
    if (q) {
        pl_q_bind_text(q, 1, k1);
        pl_q_bind_text(q, 2, k2);
        pl_q_bind_text(q, 3, k3);
        pl_q_bind_text(q, 4, k4);
    }
    return q;
}

static int step_done(struct pl_store *s, struct pl_q *q, struct pl_err *err, const char *what)
{
    return pl_q_run(q, err, what);
}

static int exec(struct pl_store *s, const char *sql, struct pl_err *err)
{
    return pl_db_exec(s->db, sql, "store", err);
}

/* ---- writers in one process ----
 * SQLite lets one writer in at a time and makes the others wait in its busy handler, which
 * sleeps in steps of milliseconds: under concurrent requests that costs far more than the
 * writes. So connections of one process to the same database file take a mutex for their whole
 * write transaction (pl_store_begin .. commit/rollback), and the busy handler (still needed
 * for other processes, e.g. `plumb record --data` beside `plumb serve`) polls every 100 us. */
struct pl_store_listener {
    struct pl_store_listener *next;
    struct write_lock *wl;
    unsigned mask;
    pl_store_outbox_fn fn;
    void *arg;
};

struct write_lock {
    struct write_lock *next;
    pthread_mutex_t mu;
    pthread_mutex_t lmu;                 /* guards listeners and is held while they run */
    struct pl_store_listener *listeners; /* pl_store_outbox_listen */
    char path[4096];
};

static pthread_mutex_t write_locks_mu = PTHREAD_MUTEX_INITIALIZER;
static struct write_lock *write_locks; /* never freed: one per database file per process */

static struct write_lock *write_lock_for(const char *path)
{
    pthread_mutex_lock(&write_locks_mu);
    struct write_lock *w = write_locks;
    while (w && strcmp(w->path, path) != 0)
        w = w->next;
    if (!w) {
        w = pl_xcalloc(1, sizeof *w);
        pthread_mutex_init(&w->mu, NULL);
        pthread_mutex_init(&w->lmu, NULL);
        pl_strlcpy(w->path, path, sizeof w->path);
        w->next = write_locks;
        write_locks = w;
    }
    pthread_mutex_unlock(&write_locks_mu);
    return w;
}

static void release_writer(struct pl_store *s)
{
    if (s->holds_wl) {
        s->holds_wl = false;
        pthread_mutex_unlock(&s->wl->mu);
    }
}

/* Tells the listeners of s's file that a commit added outbox items of the kinds in added. */
void pl_store__announce(struct pl_store *s, unsigned added)
{
    if (!added)
        return;
    pthread_mutex_lock(&s->wl->lmu);
    for (struct pl_store_listener *l = s->wl->listeners; l; l = l->next)
        if (l->mask & added)
            l->fn(l->arg);
    pthread_mutex_unlock(&s->wl->lmu);
}

struct pl_store_listener *pl_store_outbox_listen(struct pl_store *s, unsigned mask,
                                                 pl_store_outbox_fn fn, void *arg)
{
    struct pl_store_listener *l = pl_xcalloc(1, sizeof *l);
    *l = (struct pl_store_listener){.wl = s->wl, .mask = mask, .fn = fn, .arg = arg};
    pthread_mutex_lock(&s->wl->lmu);
    l->next = s->wl->listeners;
    s->wl->listeners = l;
    pthread_mutex_unlock(&s->wl->lmu);
    return l;
}

void pl_store_outbox_unlisten(struct pl_store_listener *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->wl->lmu);
    struct pl_store_listener **p = &l->wl->listeners;
    while (*p && *p != l)
        p = &(*p)->next;
    if (*p)
        *p = l->next;
    pthread_mutex_unlock(&l->wl->lmu);
    free(l);
}

/* ---- open / close ---- */

/* The schema's version (SQLite: PRAGMA user_version; PostgreSQL: its plumb_schema table). */
static int schema_read(struct pl_db *db, const struct pl_schema *sc, const char *module, int *v,
                       struct pl_err *err)
{
    struct pl_q *q = pl_db_prepare(db, sc->version_sql, module, err);
    if (!q)
        return -1;
    int rc = pl_q_step(q, err, "schema version");
    *v = rc == PL_Q_ROW ? (int)pl_q_i64(q, 0) : 0;
    pl_q_finalize(q);
    return rc == PL_Q_ERROR ? -1 : 0;
}

static int schema_apply(struct pl_db *db, const struct pl_schema *sc, const char *module,
                        const char *where, int v, struct pl_err *err)
{
    for (; v < sc->count; v++) {
        char sql[160];
        snprintf(sql, sizeof sql, sc->set_version_fmt, v + 1);
        if (pl_db_exec(db, sc->steps[v], module, err) < 0 || pl_db_exec(db, sql, module, err) < 0)
            return pl_fail(err, PL_E_INTERNAL, "%s: migration %d failed", module, v + 1);
        PL_LOG(INFO, module, "migration=%d path=%s", v + 1, where);
    }
    return 0;
}

int pl_store__migrate(struct pl_db *db, const struct pl_schema *sc, const char *module,
                      const char *where, int *before, struct pl_err *err)
{
    int v = 0;
    if (!sc->prepare) { /* the usual case, up to date: no write lock */
        if (schema_read(db, sc, module, &v, err) < 0)
            return -1;
        if (before)
            *before = v;
        if (v == sc->count)
            return 0;
    }
    if (pl_db_begin_write(db, module, err) < 0)
        return -1;
    /* (re-)read under the lock: another process may have migrated meanwhile */
    if ((sc->prepare && pl_db_exec(db, sc->prepare, module, err) < 0) ||
        schema_read(db, sc, module, &v, err) < 0)
        goto fail;
    if (before)
        *before = v;
    if (v > sc->count) {
        pl_fail(err, PL_E_INTERNAL, "%s: database schema %d is newer than this plumb (%d)", module,
                v, sc->count);
        goto fail;
    }
    if (schema_apply(db, sc, module, where, v, err) < 0)
        goto fail;
    return pl_db_commit(db, module, err);
fail:
    pl_db_rollback(db);
    return -1;
}

int pl_store_open(const char *spec, int flags, struct pl_store **out, struct pl_err *err)
{
    char where[4096]; /* a data directory's bound database, or spec itself (spec.c) */
    *out = NULL;
    if (pl_store_resolve(spec, where, sizeof where, err) < 0)
        return -1;
    struct pl_store *s = pl_xcalloc(1, sizeof *s);
    if (pl_db_open(where, flags & PL_STORE_READONLY ? PL_DB_READONLY : 0, 65536, "store", &s->db,
                   err) < 0) {
        free(s);
        return -1;
    }
    pl_strlcpy(s->path, pl_db_path(s->db), sizeof s->path);
    s->wl = write_lock_for(s->path);
    /* SQLite-only (PostgreSQL's side comes with db_pg.c / the pg migrations) */
    if (pl_db_kind(s->db) == PL_DB_SQLITE && exec(s, "PRAGMA foreign_keys=OFF", err) < 0)
        goto fail;
    if (!(flags & PL_STORE_READONLY) &&
        pl_store__migrate(s->db, schema_of(s->db), "store", s->path, NULL, err) < 0)
        goto fail;
#ifdef PL_HAVE_PG
    if (pl_db_kind(s->db) == PL_DB_PG)
        pl_pg_collation_is_c(s->db); /* a warning only (docs/DECISIONS.md) */
#endif
    /* WAL checkpoints are SQLite's; PostgreSQL checkpoints by itself */
    if ((flags & PL_STORE_BG_CHECKPOINT) && !(flags & PL_STORE_READONLY) &&
        pl_db_kind(s->db) == PL_DB_SQLITE && !(s->ckpt = pl_ckpt_start(s->db, s->path, err)))
        goto fail;
    *out = s;
    return 0;
fail:
    pl_store_close(s);
    return -1;
}

void pl_store_close(struct pl_store *s)
{
    if (!s)
        return;
    if (s->depth > 0)
        pl_db_rollback(s->db);
    release_writer(s);
    pl_ckpt_stop(s->ckpt, s->db);
    for (int i = 0; i < ST__COUNT; i++)
        pl_q_finalize(s->st[i]);
    for (int i = 0; i < PL_STORE__EV_STMTS; i++)
        pl_q_finalize(s->ev[i]);
    for (int i = 0; i < PL_STORE__COST_STMTS; i++)
        pl_q_finalize(s->cost[i]);
    for (int i = 0; i < PL_STORE__PE_STMTS; i++)
        pl_q_finalize(s->pe[i]);
    for (int i = 0; i < PL_STORE__AG_STMTS; i++)
        pl_q_finalize(s->ag[i]);
    for (int i = 0; i < PL_STORE__TR_STMTS; i++)
        pl_q_finalize(s->tr[i]);
    for (int i = 0; i < PL_STORE__CL_STMTS; i++)
        pl_q_finalize(s->cl[i]);
    pl_db_close(s->db);
    free(s);
}

int pl_store_schema_version(struct pl_store *s)
{
    return schema_of(s->db)->count;
}

/* ---- transactions ---- */

int pl_store_begin(struct pl_store *s, struct pl_err *err)
{
    if (s->depth++ > 0)
        return 0;
    s->doomed = false;
    s->next_seq = 0;
    s->added = 0;
    s->hint_valid = false;
    pthread_mutex_lock(&s->wl->mu);
    s->holds_wl = true;
    if (pl_db_begin_write(s->db, "store", err) < 0) {
        s->depth = 0;
        release_writer(s);
        return -1;
    }
    return 0;
}

int pl_store_commit(struct pl_store *s, struct pl_err *err)
{
    if (PL_NEVER(s->depth <= 0))
        return pl_fail(err, PL_E_INTERNAL, "store: commit without begin");
    if (--s->depth > 0)
        return 0;
    s->hint_valid = false;
    if (s->doomed) {
        s->doomed = false;
        release_writer(s);
        return pl_fail(err, PL_E_INTERNAL, "store: transaction was rolled back");
    }
    /* other processes' workers hear of the new outbox items at COMMIT (cluster.c) */
    if (pl_store__notify(s, s->added, err) < 0 || pl_db_commit(s->db, "store", err) < 0) {
        pl_db_rollback(s->db);
        release_writer(s);
        return -1;
    }
    release_writer(s);
    unsigned added = s->added;
    s->added = 0;
    pl_store__announce(s, added);
    return 0;
}

void pl_store_rollback(struct pl_store *s)
{
    if (s->depth <= 0)
        return;
    s->hint_valid = false;
    if (!s->doomed)
        pl_db_rollback(s->db);
    release_writer(s); /* the SQLite transaction is over, whatever the depth */
    if (--s->depth > 0)
        s->doomed = true;
    else
        s->doomed = false;
}

bool pl_store_in_tx(const struct pl_store *s)
{
    return s->depth > 0;
}

/* Wraps a single write in a transaction when none is open. */
static int auto_begin(struct pl_store *s, bool *began, struct pl_err *err)
{
    *began = false;
    if (s->depth > 0)
        return 0;
    if (pl_store_begin(s, err) < 0)
        return -1;
    *began = true;
    return 0;
}

static int auto_end(struct pl_store *s, bool began, int rc, struct pl_err *err)
{
    if (!began)
        return rc;
    if (rc < 0) {
        pl_store_rollback(s);
        return rc;
    }
    return pl_store_commit(s, err);
}

/* ---- objects ---- */

int pl_store_obj_put(struct pl_store *s, const char *account, const char *region, const char *kind,
                     const char *name, const char *json, size_t len, struct pl_err *err)
{
    struct pl_q *q = keyed(s, ST_OBJ_PUT, account, region, kind, name, err);
    if (!q)
        return -1;
    pl_q_bind_textn(q, 5, json, len);
    pl_q_bind_i64(q, 6, pl_now_ms());
    return step_done(s, q, err, "obj_put");
}

int pl_store_obj_get(struct pl_store *s, const char *account, const char *region, const char *kind,
                     const char *name, struct pl_arena *a, struct pl_obj *out, struct pl_err *err)
{
    struct pl_q *q = keyed(s, ST_OBJ_GET, account, region, kind, name, err);
    if (!q)
        return -1;
    int rc = pl_q_step(q, NULL, NULL);
    if (rc == PL_Q_DONE) {
        pl_q_reset(q);
        return 0;
    }
    if (rc != PL_Q_ROW) {
        pl_q_reset(q);
        return db_fail(s, err, "obj_get");
    }
    memset(out, 0, sizeof *out);
    out->account = pl_arena_strdup(a, account);
    out->region = pl_arena_strdup(a, region);
    out->kind = pl_arena_strdup(a, kind);
    out->name = pl_arena_strdup(a, name);
    out->json = pl_q_dup(a, q, 0);
    out->len = pl_q_bytes(q, 0);
    out->created_ms = pl_q_i64(q, 1);
    out->updated_ms = pl_q_i64(q, 2);
    pl_q_reset(q);
    return 1;
}

int pl_store_obj_delete(struct pl_store *s, const char *account, const char *region,
                        const char *kind, const char *name, struct pl_err *err)
{
    struct pl_q *q = keyed(s, ST_OBJ_DEL, account, region, kind, name, err);
    if (!q)
        return -1;
    if (step_done(s, q, err, "obj_delete") < 0)
        return -1;
    return pl_db_changes(s->db) > 0 ? 1 : 0;
}

int pl_store_obj_list(struct pl_store *s, const char *account, const char *region, const char *kind,
                      const char *after, int limit, struct pl_arena *a, struct pl_obj **items,
                      size_t *n, struct pl_err *err)
{
    *items = NULL;
    *n = 0;
    struct pl_q *q = keyed(s, account ? ST_OBJ_LIST : ST_OBJ_LIST_ALL, account, region, kind,
                           after ? after : "", err);
    if (!q)
        return -1;
    pl_q_bind_limit(q, 5, limit);
    size_t cap = 0;
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct pl_obj *ni = pl_arena_alloc(a, ncap * sizeof *ni);
            if (*n)
                memcpy(ni, *items, *n * sizeof *ni);
            *items = ni;
            cap = ncap;
        }
        struct pl_obj *o = &(*items)[(*n)++];
        o->account = pl_q_dup(a, q, 0);
        o->region = pl_q_dup(a, q, 1);
        o->kind = pl_arena_strdup(a, kind);
        o->name = pl_q_dup(a, q, 2);
        o->json = pl_q_dup(a, q, 3);
        o->len = pl_q_bytes(q, 3);
        o->created_ms = pl_q_i64(q, 4);
        o->updated_ms = pl_q_i64(q, 5);
    }
    pl_q_reset(q);
    if (rc != PL_Q_DONE)
        return db_fail(s, err, "obj_list");
    return 0;
}

int pl_store_obj_count(struct pl_store *s, const char *account, const char *region,
                       const char *kind, int64_t *count, struct pl_err *err)
{
    struct pl_q *q = stmt(s, ST_OBJ_COUNT, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    pl_q_bind_text(q, 3, kind);
    int rc = pl_q_step(q, NULL, NULL);
    *count = rc == PL_Q_ROW ? pl_q_i64(q, 0) : 0;
    pl_q_reset(q);
    if (rc != PL_Q_ROW)
        return db_fail(s, err, "obj_count");
    return 0;
}

/* ---- CIs ---- */

void pl_store__read_ci(struct pl_arena *a, struct pl_q *q, struct pl_ci_row *r)
{
    memset(r, 0, sizeof *r);
    r->seq = pl_q_i64(q, 0);
    r->account = pl_q_dup(a, q, 1);
    r->region = pl_q_dup(a, q, 2);
    r->resource_type = pl_q_dup(a, q, 3);
    r->resource_id = pl_q_dup(a, q, 4);
    r->resource_name = pl_q_dup(a, q, 5);
    r->status = pl_q_dup(a, q, 6);
    r->capture_ms = pl_q_i64(q, 7);
    r->state_id = pl_q_i64(q, 8);
    const char *h = pl_q_text(q, 9);
    pl_strlcpy(r->hash, h ? h : "", sizeof r->hash);
    r->body = pl_q_dup(a, q, 10);
    r->body_len = pl_q_bytes(q, 10);
    r->diff = pl_q_dup(a, q, 11);
    r->diff_len = r->diff ? pl_q_bytes(q, 11) : 0;
}

static void read_res(struct pl_arena *a, struct pl_q *q, struct pl_resource *r)
{
    memset(r, 0, sizeof *r);
    r->account = pl_q_dup(a, q, 0);
    r->region = pl_q_dup(a, q, 1);
    r->resource_type = pl_q_dup(a, q, 2);
    r->resource_id = pl_q_dup(a, q, 3);
    r->resource_name = pl_q_dup(a, q, 4);
    r->status = pl_q_dup(a, q, 5);
    r->deleted = (int)pl_q_i64(q, 6) != 0;
    r->capture_ms = pl_q_i64(q, 7);
    r->deletion_ms = pl_q_i64(q, 8);
    r->first_ms = pl_q_i64(q, 9);
    r->state_id = pl_q_i64(q, 10);
    r->latest_seq = pl_q_i64(q, 11);
    r->versions = pl_q_i64(q, 12);
    const char *h = pl_q_text(q, 13);
    pl_strlcpy(r->hash, h ? h : "", sizeof r->hash);
}

static bool status_deleted(const char *st)
{
    return st && (strcmp(st, PL_CI_DELETED) == 0 || strcmp(st, PL_CI_DELETED_NOT_RECORDED) == 0);
}

/* "account\x1fregion\x1ftype\x1fid" into out; false when it does not fit. */
static bool hint_make(char *out, size_t cap, const char *account, const char *region,
                      const char *type, const char *id)
{
    int n = snprintf(out, cap, "%s\x1f%s\x1f%s\x1f%s", account ? account : "", region ? region : "",
                     type ? type : "", id ? id : "");
    return n > 0 && (size_t)n < cap;
}

static bool hint_match(struct pl_store *s, const struct pl_ci_row *ci)
{
    char key[sizeof s->hint_key];
    return s->hint_valid && s->depth > 0 &&
           hint_make(key, sizeof key, ci->account, ci->region, ci->resource_type,
                     ci->resource_id) &&
           strcmp(key, s->hint_key) == 0;
}

/* hot: the row's resources.hot (pl_store_hot), or NULL for none */
static void bind_res(struct pl_q *q, const struct pl_ci_row *ci, int64_t seq, const char *hot,
                     size_t hot_len)
{
    pl_q_bind_text(q, 1, ci->account);
    pl_q_bind_text(q, 2, ci->region);
    pl_q_bind_text(q, 3, ci->resource_type);
    pl_q_bind_text(q, 4, ci->resource_id);
    pl_q_bind_text(q, 5, ci->resource_name);
    pl_q_bind_text(q, 6, ci->status);
    pl_q_bind_i64(q, 7, status_deleted(ci->status));
    pl_q_bind_i64(q, 8, ci->capture_ms);
    pl_q_bind_i64(q, 9, ci->state_id);
    pl_q_bind_i64(q, 10, seq);
    pl_q_bind_text(q, 11, ci->hash);
    if (hot && hot_len > 0)
        pl_q_bind_textn(q, 12, hot, hot_len);
    else
        pl_q_bind_null(q, 12);
}

static int ci_append(struct pl_store *s, struct pl_ci_row *ci, const char *hot, size_t hot_len,
                     struct pl_err *err)
{
    if (s->depth <= 0)
        return pl_fail(err, PL_E_INTERNAL, "store: ci_append outside a transaction");
    struct pl_q *q;
    if (s->next_seq == 0) {
        if (!(q = stmt(s, ST_MAXSEQ, err)))
            return -1;
        if (pl_q_step(q, NULL, NULL) != PL_Q_ROW) {
            pl_q_reset(q);
            return db_fail(s, err, "maxseq");
        }
        s->next_seq = pl_q_i64(q, 0) + 1;
        pl_q_reset(q);
    }
    int64_t seq = s->next_seq;
    int64_t res;
    if (hint_match(s, ci) && s->hint_id > 0) { /* known resource: update by id */
        if (!(q = stmt(s, ST_RES_UPDATE, err)))
            return -1;
        bind_res(q, ci, seq, hot, hot_len);
        pl_q_bind_i64(q, 13, s->hint_id);
        if (step_done(s, q, err, "resource_update") < 0)
            return -1;
        res = s->hint_id;
    } else if (hint_match(s, ci)) { /* known to be absent: plain insert */
        if (!(q = stmt(s, ST_RES_INSERT, err)))
            return -1;
        bind_res(q, ci, seq, hot, hot_len);
        if (step_done(s, q, err, "resource_insert") < 0)
            return -1;
        res = pl_db_last_id(s->db);
    } else {
        if (!(q = stmt(s, ST_RES_UPSERT, err)))
            return -1;
        bind_res(q, ci, seq, hot, hot_len);
        if (pl_q_step(q, NULL, NULL) != PL_Q_ROW) {
            pl_q_reset(q);
            return db_fail(s, err, "resource_upsert");
        }
        res = pl_q_i64(q, 0);
        pl_q_reset(q);
    }
    s->hint_valid = false;
    if (!(q = stmt(s, ST_CI_INSERT, err)))
        return -1;
    pl_q_bind_i64(q, 1, seq);
    pl_q_bind_i64(q, 2, res);
    pl_q_bind_text(q, 3, ci->status);
    pl_q_bind_i64(q, 4, ci->capture_ms);
    pl_q_bind_i64(q, 5, ci->state_id);
    pl_q_bind_text(q, 6, ci->resource_name);
    pl_q_bind_text(q, 7, ci->hash);
    pl_q_bind_textn(q, 8, ci->body, ci->body_len);
    if (ci->diff)
        pl_q_bind_textn(q, 9, ci->diff, ci->diff_len);
    if (ci->daily)
        pl_q_bind_i64(q, 10, 1);
    if (step_done(s, q, err, "ci_insert") < 0)
        return -1;
    s->next_seq++;
    ci->seq = seq;
    return 0;
}

int pl_store_ci_append(struct pl_store *s, struct pl_ci_row *ci, struct pl_err *err)
{
    if (ci->hot)
        return ci_append(s, ci, ci->hot, ci->hot_len, err);
    struct pl_buf hot; /* a row without its hot array (not the recorder's): from its body */
    pl_buf_init(&hot, PL_BUF_NOLIMIT);
    pl_store__hot_of_body(ci->body, ci->body_len, &hot);
    int rc = ci_append(s, ci, hot.data, hot.len, err);
    pl_buf_fini(&hot);
    return rc;
}

int pl_store_resource_get(struct pl_store *s, const char *account, const char *region,
                          const char *type, const char *id, struct pl_arena *a,
                          struct pl_resource *out, struct pl_err *err)
{
    struct pl_q *q = keyed(s, ST_RES_GET, account, region, type, id, err);
    if (!q)
        return -1;
    int rc = pl_q_step(q, NULL, NULL);
    if (rc == PL_Q_ROW)
        read_res(a, q, out);
    if (s->depth > 0 && (rc == PL_Q_ROW || rc == PL_Q_DONE) &&
        hint_make(s->hint_key, sizeof s->hint_key, account, region, type, id)) {
        s->hint_id = rc == PL_Q_ROW ? pl_q_i64(q, 14) : 0;
        s->hint_valid = true;
    }
    pl_q_reset(q);
    if (rc == PL_Q_ROW)
        return 1;
    if (rc == PL_Q_DONE)
        return 0;
    return db_fail(s, err, "resource_get");
}

static int ci_one(struct pl_store *s, struct pl_q *q, struct pl_arena *a, struct pl_ci_row *out,
                  struct pl_err *err)
{
    int rc = pl_q_step(q, NULL, NULL);
    if (rc == PL_Q_ROW)
        pl_store__read_ci(a, q, out);
    pl_q_reset(q);
    if (rc == PL_Q_ROW)
        return 1;
    if (rc == PL_Q_DONE)
        return 0;
    return db_fail(s, err, "ci_get");
}

int pl_store_ci_get(struct pl_store *s, int64_t seq, struct pl_arena *a, struct pl_ci_row *out,
                    struct pl_err *err)
{
    struct pl_q *q = stmt(s, ST_CI_GET, err);
    if (!q)
        return -1;
    pl_q_bind_i64(q, 1, seq);
    return ci_one(s, q, a, out, err);
}

int pl_store_ci_latest(struct pl_store *s, const char *account, const char *region,
                       const char *type, const char *id, struct pl_arena *a, struct pl_ci_row *out,
                       struct pl_err *err)
{
    struct pl_q *q = keyed(s, ST_CI_LATEST, account, region, type, id, err);
    if (!q)
        return -1;
    return ci_one(s, q, a, out, err);
}

/* ---- cursors: "<tag>.<a>.<b>.<check>", check = 32 bits of a hash of the query ---- */

static uint32_t qcheck(const char *const *parts, size_t n, int64_t x)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        const char *p = parts[i] ? parts[i] : "\x01";
        h ^= pl_fnv1a(p, strlen(p)) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    }
    h ^= pl_fnv1a(&x, sizeof x);
    return (uint32_t)(h ^ (h >> 32));
}

static char *cursor_make(struct pl_arena *a, char tag, int64_t x, int64_t y, uint32_t check)
{
    return pl_arena_printf(a, "%c%" PRIx64 "-%" PRIx64 "-%08x", tag, (uint64_t)x, (uint64_t)y,
                           check);
}

/* Parses a cursor made by cursor_make with the same tag and check. */
static int cursor_parse(const char *c, char tag, uint32_t check, int64_t *x, int64_t *y,
                        struct pl_err *err)
{
    uint64_t ux, uy;
    unsigned int ck;
    int used = 0;
    if (!c || c[0] != tag ||
        sscanf(c + 1, "%" SCNx64 "-%" SCNx64 "-%8x%n", &ux, &uy, &ck, &used) != 3 ||
        c[1 + used] != '\0' || ck != check)
        return pl_fail(err, PL_E_INVALID_NEXT_TOKEN, "The nextToken provided is invalid");
    *x = (int64_t)ux;
    *y = (int64_t)uy;
    return 0;
}

int pl_store_history(struct pl_store *s, const struct pl_history_q *hq, struct pl_arena *a,
                     struct pl_ci_row **rows, size_t *n, char **next, struct pl_err *err)
{
    *rows = NULL;
    *n = 0;
    *next = NULL;
    const char *parts[] = {hq->account, hq->region, hq->resource_type, hq->resource_id};
    uint32_t check = qcheck(parts, 4,
                            (int64_t)((uint64_t)hq->earlier_ms ^ ((uint64_t)hq->later_ms * 31u) ^
                                      (uint64_t)hq->forward));
    int64_t cap_ms = 0, cseq = 0;
    if (hq->cursor) {
        if (cursor_parse(hq->cursor, 'h', check, &cap_ms, &cseq, err) < 0)
            return -1;
    } else if (hq->forward) {
        cap_ms = INT64_MIN;
        cseq = INT64_MIN;
    } else {
        cap_ms = INT64_MAX;
        cseq = INT64_MAX;
    }
    int limit = hq->limit > 0 ? hq->limit : 10;
    struct pl_q *q =
        keyed(s, ST_RES_ID, hq->account, hq->region, hq->resource_type, hq->resource_id, err);
    if (!q)
        return -1;
    int rc = pl_q_step(q, NULL, NULL);
    int64_t res = rc == PL_Q_ROW ? pl_q_i64(q, 0) : 0;
    pl_q_reset(q);
    if (rc == PL_Q_DONE)
        return 0;
    if (rc != PL_Q_ROW)
        return db_fail(s, err, "history");
    if (!(q = stmt(s, hq->forward ? ST_HIST_FWD : ST_HIST_REV, err)))
        return -1;
    pl_q_bind_i64(q, 1, res);
    pl_q_bind_i64(q, 2, hq->earlier_ms);
    pl_q_bind_i64(q, 3, hq->later_ms);
    pl_q_bind_i64(q, 4, cap_ms);
    pl_q_bind_i64(q, 5, cseq);
    pl_q_bind_i64(q, 6, (int64_t)limit + 1);
    size_t cap = 0;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        if (*n == (size_t)limit) {
            struct pl_ci_row *last = &(*rows)[*n - 1];
            *next = cursor_make(a, 'h', last->capture_ms, last->seq, check);
            break;
        }
        *rows = pl_db_grow(a, *rows, *n, &cap, sizeof **rows);
        pl_store__read_ci(a, q, &(*rows)[(*n)++]);
    }
    pl_q_reset(q);
    if (rc != PL_Q_DONE && rc != PL_Q_ROW)
        return db_fail(s, err, "history");
    return 0;
}

int pl_store_current_cis(struct pl_store *s, const char *account, const char *region,
                         const char *type, const char *after_id, int limit, struct pl_arena *a,
                         struct pl_ci_row **rows, size_t *n, struct pl_err *err)
{
    size_t cap = 0;
    *rows = NULL;
    *n = 0;
    struct pl_q *q = keyed(s, ST_CURRENT, account, region, type, after_id ? after_id : "", err);
    if (!q)
        return -1;
    pl_q_bind_i64(q, 5, limit > 0 ? limit : 500);
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        *rows = pl_db_grow(a, *rows, *n, &cap, sizeof **rows);
        pl_store__read_ci(a, q, &(*rows)[(*n)++]);
    }
    pl_q_reset(q);
    return rc == PL_Q_DONE ? 0 : db_fail(s, err, "current");
}

int pl_store_resources_list(struct pl_store *s, const struct pl_list_q *lq, struct pl_arena *a,
                            struct pl_resource **items, size_t *n, char **next, struct pl_err *err)
{
    *items = NULL;
    *n = 0;
    *next = NULL;
    int limit = lq->limit > 0 ? lq->limit : 100;
    size_t cap = 0;
    const char *parts[] = {lq->account, lq->region, lq->resource_type, lq->name};
    uint32_t check = qcheck(parts, 4, (int64_t)lq->include_deleted * 7 + (int64_t)lq->nids);
    if (lq->ids) {
        /* resourceIds: look each up, in the order given; cursor = index into ids */
        int64_t start = 0, unused;
        if (lq->cursor && cursor_parse(lq->cursor, 'i', check, &start, &unused, err) < 0)
            return -1;
        for (size_t i = (size_t)start; i < lq->nids; i++) {
            if (*n == (size_t)limit) {
                *next = cursor_make(a, 'i', (int64_t)i, 0, check);
                break;
            }
            struct pl_q *q =
                keyed(s, ST_LIST_ONE, lq->account, lq->region, lq->resource_type, lq->ids[i], err);
            if (!q)
                return -1;
            int rc = pl_q_step(q, NULL, NULL);
            if (rc == PL_Q_ROW) {
                struct pl_resource r;
                read_res(a, q, &r);
                if (!r.deleted || lq->include_deleted) {
                    *items = pl_db_grow(a, *items, *n, &cap, sizeof **items);
                    (*items)[(*n)++] = r;
                }
            }
            pl_q_reset(q);
            if (rc != PL_Q_ROW && rc != PL_Q_DONE)
                return db_fail(s, err, "list");
        }
        return 0;
    }
    const char *after = "";
    if (lq->cursor) {
        /* cursor: 'l' + hex of the last resource id */
        if (lq->cursor[0] != 'l')
            return pl_fail(err, PL_E_INVALID_NEXT_TOKEN, "The nextToken provided is invalid");
        const char *dash = strrchr(lq->cursor, '-');
        unsigned int ck = 0;
        if (!dash || sscanf(dash + 1, "%8x", &ck) != 1 || ck != check ||
            (dash - lq->cursor - 1) % 2 != 0)
            return pl_fail(err, PL_E_INVALID_NEXT_TOKEN, "The nextToken provided is invalid");
        size_t hl = (size_t)(dash - lq->cursor - 1);
        char *id = pl_arena_alloc(a, hl / 2 + 1);
        for (size_t i = 0; i < hl / 2; i++) {
            unsigned int byte;
            if (sscanf(lq->cursor + 1 + 2 * i, "%2x", &byte) != 1)
                return pl_fail(err, PL_E_INVALID_NEXT_TOKEN, "The nextToken provided is invalid");
            id[i] = (char)byte;
        }
        after = id;
    }
    int which = lq->name ? (lq->include_deleted ? ST_LIST_NAME_DEL : ST_LIST_NAME)
                         : (lq->include_deleted ? ST_LIST_DEL : ST_LIST);
    struct pl_q *q = keyed(s, which, lq->account, lq->region, lq->resource_type, after, err);
    if (!q)
        return -1;
    pl_q_bind_i64(q, 5, (int64_t)limit + 1);
    if (lq->name)
        pl_q_bind_text(q, 6, lq->name);
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        if (*n == (size_t)limit) {
            const char *last = (*items)[*n - 1].resource_id;
            size_t l = strlen(last);
            char *c = pl_arena_alloc(a, 2 * l + 16);
            c[0] = 'l';
            pl_hex((const unsigned char *)last, l, c + 1);
            snprintf(c + 1 + 2 * l, 15, "-%08x", check);
            *next = c;
            break;
        }
        *items = pl_db_grow(a, *items, *n, &cap, sizeof **items);
        read_res(a, q, &(*items)[(*n)++]);
    }
    pl_q_reset(q);
    if (rc != PL_Q_DONE && rc != PL_Q_ROW)
        return db_fail(s, err, "list");
    return 0;
}

static int cmp_count(const void *x, const void *y)
{
    const struct pl_type_count *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->resource_type, b->resource_type);
}

int pl_store_resource_counts(struct pl_store *s, const char *account, const char *region,
                             const char *const *types, size_t ntypes, int limit, const char *cursor,
                             struct pl_arena *a, struct pl_type_count **items, size_t *n,
                             int64_t *total, char **next, struct pl_err *err)
{
    *items = NULL;
    *n = 0;
    *total = 0;
    *next = NULL;
    const char *parts[] = {account, region};
    uint64_t tsum = 0;
    for (size_t i = 0; i < ntypes; i++)
        tsum += pl_fnv1a(types[i], strlen(types[i]));
    uint32_t check = qcheck(parts, 2, (int64_t)(tsum ^ (uint64_t)ntypes));
    int64_t off = 0, unused;
    if (cursor && cursor_parse(cursor, 'c', check, &off, &unused, err) < 0)
        return -1;
    struct pl_q *q = stmt(s, ST_COUNTS, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    struct pl_type_count *all = NULL;
    size_t nall = 0, cap = 0;
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        const char *t = pl_q_text(q, 0);
        if (types) {
            bool want = false;
            for (size_t i = 0; i < ntypes && !want; i++)
                want = strcmp(types[i], t) == 0;
            if (!want)
                continue;
        }
        all = pl_db_grow(a, all, nall, &cap, sizeof *all);
        all[nall].resource_type = pl_arena_strdup(a, t);
        all[nall].count = pl_q_i64(q, 1);
        *total += all[nall].count;
        nall++;
    }
    pl_q_reset(q);
    if (rc != PL_Q_DONE)
        return db_fail(s, err, "counts");
    if (nall)
        qsort(all, nall, sizeof *all, cmp_count);
    if (off > (int64_t)nall)
        return pl_fail(err, PL_E_INVALID_NEXT_TOKEN, "The nextToken provided is invalid");
    size_t lim = limit > 0 ? (size_t)limit : 100;
    *items = nall ? all + off : NULL; /* no counts: all is NULL, and NULL + 0 is undefined */
    *n = nall - (size_t)off;
    if (*n > lim) {
        *n = lim;
        *next = cursor_make(a, 'c', off + (int64_t)lim, 0, check);
    }
    return 0;
}

int pl_store_prune_before(struct pl_store *s, const char *account, const char *region, int64_t ms,
                          int64_t *deleted, struct pl_err *err)
{
    bool began;
    if (auto_begin(s, &began, err) < 0)
        return -1;
    int rc = -1;
    struct pl_q *q = stmt(s, ST_PRUNE, err);
    if (q) {
        pl_q_bind_text(q, 1, account);
        pl_q_bind_text(q, 2, region);
        pl_q_bind_i64(q, 3, ms);
        rc = step_done(s, q, err, "prune");
        if (rc == 0 && deleted)
            *deleted = pl_db_changes(s->db);
    }
    return auto_end(s, began, rc, err);
}

int pl_store_partitions(struct pl_store *s, struct pl_arena *a, struct pl_part_row **items,
                        size_t *n, struct pl_err *err)
{
    *items = NULL;
    *n = 0;
    struct pl_q *q = stmt(s, ST_PARTS, err);
    if (!q)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        *items = pl_db_grow(a, *items, *n, &cap, sizeof **items);
        (*items)[*n].account = pl_q_dup(a, q, 0);
        (*items)[*n].region = pl_q_dup(a, q, 1);
        (*n)++;
    }
    pl_q_reset(q);
    if (rc != PL_Q_DONE)
        return db_fail(s, err, "partitions");
    return 0;
}

/* ---- outbox ---- */

#define PL__OUTBOX_NAME(e, name) [e] = name,
static const char *const outbox_kinds[PL_OUTBOX__COUNT] = {[PL_OUTBOX_ANY] = "",
                                                           PL_OUTBOX_KINDS(PL__OUTBOX_NAME)};
#undef PL__OUTBOX_NAME

const char *pl_outbox_kind_name(enum pl_outbox_kind kind)
{
    return (unsigned)kind < PL_OUTBOX__COUNT ? outbox_kinds[kind] : "";
}

/* The kind stored as name; PL_OUTBOX_ANY for a name this build does not know. */
static enum pl_outbox_kind outbox_kind_of(const char *name)
{
    for (int k = 1; name && k < PL_OUTBOX__COUNT; k++)
        if (strcmp(outbox_kinds[k], name) == 0)
            return (enum pl_outbox_kind)k;
    return PL_OUTBOX_ANY;
}

int pl_store_outbox_add(struct pl_store *s, const char *account, const char *region,
                        enum pl_outbox_kind kind, const char *payload, size_t len, int64_t *id,
                        struct pl_err *err)
{
    struct pl_q *q = stmt(s, ST_OB_ADD, err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    if (!PL_ALWAYS(kind > PL_OUTBOX_ANY && kind < PL_OUTBOX__COUNT))
        return pl_fail(err, PL_E_INTERNAL, "store: outbox item of no kind");
    pl_q_bind_text(q, 3, outbox_kinds[kind]);
    pl_q_bind_textn(q, 4, payload, len);
    pl_q_bind_i64(q, 5, pl_now_ms());
    if (step_done(s, q, err, "outbox_add") < 0)
        return -1;
    if (id)
        *id = pl_db_last_id(s->db);
    if (s->depth > 0)
        s->added |= 1u << kind;
    else /* committed already (no transaction open) */
        pl_store__announce(s, 1u << kind);
    struct pl_err nerr = {0}; /* the row is in: a lost wake-up only costs a poll */
    if (s->depth == 0)
        (void)pl_store__notify(s, 1u << kind, &nerr);
    return 0;
}

/* Appends the due items q yields to *items (at most max in all). */
int pl_store__claim_rows(struct pl_store *s, struct pl_q *q, int64_t now, int64_t lease_ms,
                         struct pl_arena *a, struct pl_outbox_item **items, size_t *n, size_t *cap,
                         struct pl_err *err)
{
    int src;
    while ((src = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        *items = pl_db_grow(a, *items, *n, cap, sizeof **items);
        struct pl_outbox_item *it = &(*items)[(*n)++];
        memset(it, 0, sizeof *it);
        it->id = pl_q_i64(q, 0);
        it->account = pl_q_dup(a, q, 1);
        it->region = pl_q_dup(a, q, 2);
        it->kind = outbox_kind_of(pl_q_text(q, 3));
        it->payload = pl_q_dup(a, q, 4);
        it->len = pl_q_bytes(q, 4);
        it->created_ms = pl_q_i64(q, 5);
        it->attempts = (int)pl_q_i64(q, 6) + 1;
        it->last_error = pl_q_dup(a, q, 7);
        it->due_ms = pl_q_i64(q, 8);
        it->next_attempt_ms = now + lease_ms;
    }
    pl_q_reset(q);
    return src == PL_Q_DONE ? 0 : db_fail(s, err, "outbox_claim");
}

/* The partitions with pending items of kind, in (account, region) order, at most max. */
static int claim_partitions(struct pl_store *s, const char *kind, int max, struct pl_arena *a,
                            struct pl_part_row **parts, size_t *np, struct pl_err *err)
{
    size_t cap = 0;
    *parts = NULL;
    *np = 0;
    for (;;) {
        struct pl_q *q = stmt(s, *np ? ST_OB_PART_NEXT : ST_OB_PART_FIRST, err);
        if (!q)
            return -1;
        pl_q_bind_text(q, 1, kind);
        if (*np) {
            pl_q_bind_text(q, 2, (*parts)[*np - 1].account);
            pl_q_bind_text(q, 3, (*parts)[*np - 1].region);
        }
        int src = pl_q_step(q, NULL, NULL);
        if (src == PL_Q_ROW && (int)*np < max) {
            *parts = pl_db_grow(a, *parts, *np, &cap, sizeof **parts);
            (*parts)[*np].account = pl_q_dup(a, q, 0);
            (*parts)[*np].region = pl_q_dup(a, q, 1);
            (*np)++;
        }
        pl_q_reset(q);
        if (src != PL_Q_ROW && src != PL_Q_DONE)
            return db_fail(s, err, "outbox_claim");
        if (src == PL_Q_DONE || (int)*np >= max)
            return 0;
    }
}

/* Claims of one kind share max between the partitions that have work: each of P partitions
 * gets its oldest max/P items (at least one), so one account's backlog never holds up another
 * account's work for longer than its share. */
static int claim_fair(struct pl_store *s, const char *kind, int max, int64_t now, int64_t lease_ms,
                      struct pl_arena *a, struct pl_outbox_item **items, size_t *n,
                      struct pl_err *err)
{
    struct pl_part_row *parts;
    size_t np, cap = 0;
    if (claim_partitions(s, kind, max, a, &parts, &np, err) < 0)
        return -1;
    int share = pl_store__fair_share(max, np);
    for (size_t p = 0; p < np; p++) {
        struct pl_q *q = stmt(s, ST_OB_CLAIM_KIND, err);
        if (!q)
            return -1;
        pl_q_bind_i64(q, 1, now);
        pl_q_bind_i64(q, 2, share);
        pl_q_bind_text(q, 3, kind);
        pl_q_bind_text(q, 4, parts[p].account);
        pl_q_bind_text(q, 5, parts[p].region);
        if (pl_store__claim_rows(s, q, now, lease_ms, a, items, n, &cap, err) < 0)
            return -1;
    }
    return 0;
}

int pl_store_outbox_claim(struct pl_store *s, enum pl_outbox_kind kind, int max, int64_t lease_ms,
                          struct pl_arena *a, struct pl_outbox_item **items, size_t *n,
                          struct pl_err *err)
{
    *items = NULL;
    *n = 0;
    if (max <= 0)
        max = 100;
    if (pl_db_kind(s->db) == PL_DB_PG) /* SKIP LOCKED, without the writer lock (cluster.c) */
        return pl_store__claim_pg(s, pl_outbox_kind_name(kind), max, lease_ms, a, items, n, err);
    bool began;
    if (auto_begin(s, &began, err) < 0)
        return -1;
    int64_t now = pl_now_ms();
    int rc = -1;
    if (kind != PL_OUTBOX_ANY) {
        rc = claim_fair(s, pl_outbox_kind_name(kind), max, now, lease_ms, a, items, n, err);
    } else {
        struct pl_q *q = stmt(s, ST_OB_CLAIM, err);
        size_t cap = 0;
        if (q) {
            pl_q_bind_i64(q, 1, now);
            pl_q_bind_i64(q, 2, max);
            rc = pl_store__claim_rows(s, q, now, lease_ms, a, items, n, &cap, err);
        }
    }
    for (size_t i = 0; rc == 0 && i < *n; i++) {
        struct pl_q *u = stmt(s, ST_OB_TOUCH, err);
        if (!u) {
            rc = -1;
            break;
        }
        pl_q_bind_i64(u, 1, (*items)[i].id);
        pl_q_bind_i64(u, 2, now + lease_ms);
        rc = step_done(s, u, err, "outbox_claim");
    }
    return auto_end(s, began, rc, err);
}

int pl_store_outbox_release(struct pl_store *s, const struct pl_outbox_item *it, struct pl_err *err)
{
    struct pl_q *q = stmt(s, ST_OB_RELEASE, err);
    if (!q)
        return -1;
    pl_q_bind_i64(q, 1, it->id);
    pl_q_bind_i64(q, 2, it->due_ms);
    return step_done(s, q, err, "outbox_release");
}

int pl_store_outbox_complete(struct pl_store *s, int64_t id, struct pl_err *err)
{
    struct pl_q *q = stmt(s, ST_OB_DONE, err);
    if (!q)
        return -1;
    pl_q_bind_i64(q, 1, id);
    return step_done(s, q, err, "outbox_complete");
}

int pl_store_outbox_retry(struct pl_store *s, int64_t id, int64_t next_attempt_ms,
                          const char *error, struct pl_err *err)
{
    struct pl_q *q = stmt(s, ST_OB_RETRY, err);
    if (!q)
        return -1;
    pl_q_bind_i64(q, 1, id);
    pl_q_bind_i64(q, 2, next_attempt_ms);
    pl_q_bind_text(q, 3, error);
    return step_done(s, q, err, "outbox_retry");
}

int pl_store_outbox_pending(struct pl_store *s, enum pl_outbox_kind kind, int64_t *count,
                            struct pl_err *err)
{
    struct pl_q *q = stmt(s, kind != PL_OUTBOX_ANY ? ST_OB_PENDING_KIND : ST_OB_PENDING, err);
    if (!q)
        return -1;
    if (kind != PL_OUTBOX_ANY)
        pl_q_bind_text(q, 1, pl_outbox_kind_name(kind));
    int rc = pl_q_step(q, NULL, NULL);
    *count = rc == PL_Q_ROW ? pl_q_i64(q, 0) : 0;
    pl_q_reset(q);
    if (rc != PL_Q_ROW)
        return db_fail(s, err, "outbox_pending");
    return 0;
}

/* Runs q, bound to one integer ?1, as an UPDATE or DELETE; *changed (may be NULL) gets the
 * number of rows it touched. */
static int step_changes(struct pl_store *s, int st, int64_t arg, int64_t *changed,
                        struct pl_err *err, const char *what)
{
    struct pl_q *q = stmt(s, st, err);
    if (!q)
        return -1;
    pl_q_bind_i64(q, 1, arg);
    if (step_done(s, q, err, what) < 0)
        return -1;
    if (changed)
        *changed = pl_db_changes(s->db);
    return 0;
}

int pl_store_outbox_prune(struct pl_store *s, int64_t before_ms, int64_t *deleted,
                          struct pl_err *err)
{
    return step_changes(s, ST_OB_PRUNE, before_ms, deleted, err, "outbox_prune");
}

int pl_store_outbox_recover(struct pl_store *s, int64_t *recovered, struct pl_err *err)
{
    if (pl_db_kind(s->db) == PL_DB_PG) /* only the dead instances' leases (cluster.c) */
        return pl_store__recover_pg(s, recovered, err);
    return step_changes(s, ST_OB_RECOVER, pl_now_ms(), recovered, err, "outbox_recover");
}
