/* evals.h — the store's evaluation tables: rule evaluation results, rule evaluation status
 * and result tokens.
 *
 * Part of the store interface (store.h): the same connection (struct pl_store), the same
 * transactions (pl_store_begin/commit), the same migrations. So an evaluation flush writes its
 * results, the ResourceCompliance CI they imply and the outbox rows in one transaction.
 *
 * Tables:
 *   rule_evals   current result per (account, region, rule, resource type, resource id, mode):
 *                compliance, annotation, ordering/recorded/invoked times (ms), result token.
 *   rule_status  per rule: the ConfigRuleEvaluationStatus times and last error, the periodic
 *                schedule (last_run_ms) and the "evaluation running" flag.
 *   rule_tokens  resultToken -> (account, region, rule, invoked time), for PutEvaluations.
 *   function_logs one row per invocation of a Lambda-style function by the rules engine: its
 *                output (stdout, stderr, traceback; bounded by the caller), rule, resource,
 *                start time, duration and outcome; rotated per function by count and age.
 *
 * Threads and transactions: as store.h (one connection per thread; writes outside a
 * transaction commit on their own).
 *
 * Memory: strings returned live in the caller's arena.
 */
#ifndef PL_STORE_EVALS_H
#define PL_STORE_EVALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

struct pl_store;

/* Compliance values as stored (the order is the roll-up priority, worst last). */
enum pl_ev_comp {
    PL_EV_NOT_APPLICABLE = 0,
    PL_EV_COMPLIANT = 1,
    PL_EV_NON_COMPLIANT = 2,
    PL_EV_INSUFFICIENT_DATA = 3,
};
const char *pl_ev_comp_name(enum pl_ev_comp c);
/* -1 when s is not one of the four names. */
int pl_ev_comp_parse(const char *s);

/* One stored result. */
struct pl_ev_row {
    const char *account, *region, *rule;
    const char *resource_type, *resource_id;
    const char *mode; /* "DETECTIVE" */
    enum pl_ev_comp comp;
    const char *annotation; /* NULL when none */
    int64_t ordering_ms, recorded_ms, invoked_ms;
    const char *token; /* resultToken, NULL when none */
};

/* ---- results ---- */

/* Stores r unless the stored result for its key has a newer ordering timestamp. *had_old
 * (may be NULL) tells whether a result existed; *old (may be NULL) gets it (arena a), so the
 * caller can see whether the compliance changed. Returns 1 stored, 0 ignored (older), -1. */
int pl_store_eval_put(struct pl_store *s, const struct pl_ev_row *r, struct pl_arena *a,
                 struct pl_ev_row *old, bool *had_old, struct pl_err *err);
/* The write alone, for a caller that already knows the previous result: old (non-NULL) is
 * the stored row, with an older or equal ordering timestamp (a plain update); NULL: the
 * conditional upsert. 1 stored, 0 ignored (the stored result is newer), -1 error. */
int pl_store_eval_write(struct pl_store *s, const struct pl_ev_row *r, const struct pl_ev_row *old,
                        struct pl_err *err);
/* One result by key: 1 found, 0 absent. */
int pl_store_eval_get(struct pl_store *s, const char *account, const char *region, const char *rule,
                 const char *type, const char *id, struct pl_arena *a, struct pl_ev_row *out,
                 struct pl_err *err);

/* Filtered, paged listings, ordered by (rule, type, id). Any filter may be NULL. comps is a
 * bit set of (1 << enum pl_ev_comp) (0: all). after_* continue after that key (the cursor).
 * Returns rows (arena array) and n; *more set when more rows follow. */
struct pl_ev_query {
    const char *account, *region;
    const char *rule;      /* NULL: every rule */
    const char *type, *id; /* NULL: every resource */
    unsigned comps;
    const char *after_rule, *after_type, *after_id; /* NULL: from the start */
    int limit;
};
int pl_store_eval_list(struct pl_store *s, const struct pl_ev_query *q, struct pl_arena *a,
                  struct pl_ev_row **rows, size_t *n, bool *more, struct pl_err *err);

/* Deletes every result of a rule (DeleteEvaluationResults, DeleteConfigRule). */
int pl_store_eval_delete_rule(struct pl_store *s, const char *account, const char *region,
                         const char *rule, struct pl_err *err);

/* A rule's compliance as a whole, as AWS rolls it up: NON_COMPLIANT if a result is,
 * else COMPLIANT if a result is, else INSUFFICIENT_DATA. Index lookups only. */
int pl_store_eval_rule_comp(struct pl_store *s, const char *account, const char *region,
                            const char *rule, enum pl_ev_comp *out, struct pl_err *err);
/* Per-rule counts of results by compliance: cnt[comp]. */
int pl_store_eval_counts(struct pl_store *s, const char *account, const char *region,
                         const char *rule, int64_t cnt[4], struct pl_err *err);

/* Every rule's counts of results by compliance, in one grouped read of the partition
 * (GetComplianceCountsByConfigRule): rules (arena array, rule name order) get name and cnt.
 * Rules without results are absent. */
struct pl_ev_rule_counts {
    const char *rule;
    int64_t cnt[4];
};
int pl_store_eval_counts_all(struct pl_store *s, const char *account, const char *region,
                             struct pl_arena *a, struct pl_ev_rule_counts **rules, size_t *n,
                             struct pl_err *err);

/* The compliance trend: for each of the ndays UTC days ending with the one of now_ms (day 0
 * the oldest), the number of AWS::Config::ResourceCompliance resources whose latest version
 * captured by the end of that day says COMPLIANT (ok[d]) or NON_COMPLIANT (bad[d]); a deleted
 * one counts as neither. Read from the per-day deltas the store keeps as the versions are
 * written and pruned (compliance_days: one row per day of history).
 * ndays: 1..PL_EV_TREND_MAX_DAYS; ok and bad have ndays entries. */
#define PL_EV_TREND_MAX_DAYS 366
int pl_store_compliance_trend(struct pl_store *s, const char *account, const char *region,
                              int64_t now_ms, int ndays, int64_t *ok, int64_t *bad,
                              struct pl_err *err);

/* Per-resource roll-ups: every resource with at least one non-NOT_APPLICABLE result, with its
 * number of NON_COMPLIANT and COMPLIANT rules, ordered by (type, id), filtered by type/id
 * (NULL: all), after the cursor key, at most limit (0: no limit). */
struct pl_ev_resource {
    const char *resource_type, *resource_id;
    int64_t noncompliant, compliant;
};
int pl_store_eval_resources(struct pl_store *s, const char *account, const char *region,
                       const char *type, const char *id, const char *after_type,
                       const char *after_id, int limit, struct pl_arena *a,
                       struct pl_ev_resource **rows, size_t *n, bool *more, struct pl_err *err);

/* ---- rule evaluation status ---- */

struct pl_ev_status {
    int64_t first_activated_ms, last_deactivated_ms;
    int64_t last_ok_invoke_ms, last_fail_invoke_ms, last_ok_eval_ms, last_fail_eval_ms;
    const char *last_error_code, *last_error_message; /* NULL when none */
    bool first_started;
    int64_t last_run_ms;   /* periodic schedule: last full run (0: never) */
    int64_t running_since; /* StartConfigRulesEvaluation in progress since (0: idle) */
};
/* 1 found, 0 absent. */
int pl_store_rule_status_get(struct pl_store *s, const char *account, const char *region,
                        const char *rule, struct pl_arena *a, struct pl_ev_status *out,
                        struct pl_err *err);
int pl_store_rule_status_put(struct pl_store *s, const char *account, const char *region,
                        const char *rule, const struct pl_ev_status *st, struct pl_err *err);
int pl_store_rule_status_delete(struct pl_store *s, const char *account, const char *region,
                           const char *rule, struct pl_err *err);

/* ---- result tokens ---- */

int pl_store_token_put(struct pl_store *s, const char *token, const char *account,
                       const char *region, const char *rule, int64_t invoked_ms,
                       struct pl_err *err);
/* 1 found (rule and invoked time filled, arena a), 0 unknown. */
int pl_store_token_get(struct pl_store *s, const char *token, const char *account,
                       const char *region, struct pl_arena *a, const char **rule,
                       int64_t *invoked_ms, struct pl_err *err);
/* Drops tokens created before ms. */
int pl_store_token_prune(struct pl_store *s, int64_t before_ms, struct pl_err *err);

/* ---- function logs ---- */

/* One invocation's log (strings borrowed; the caller bounds output). */
struct pl_fn_log {
    int64_t id; /* assigned by the store, increasing: the order of the log */
    const char *account, *region, *function, *request_id;
    const char *rule, *resource_type, *resource_id; /* NULL when not given */
    int64_t start_ms, duration_ms;
    const char *outcome;       /* "Succeeded" or the function's error type */
    const char *error_message; /* NULL when it succeeded */
    const char *output;        /* "" when it printed nothing */
    bool truncated;            /* output was cut */
};
int pl_store_fnlog_put(struct pl_store *s, const struct pl_fn_log *l, struct pl_err *err);

/* A function's logs in id order: those with id > after_id and start_ms >= since_ms, at most
 * limit (1..1000). rows: arena array of *n; *more when more follow. */
struct pl_fn_log_query {
    const char *account, *region, *function;
    int64_t after_id, since_ms;
    int limit;
};
int pl_store_fnlog_list(struct pl_store *s, const struct pl_fn_log_query *q, struct pl_arena *a,
                        struct pl_fn_log **rows, size_t *n, bool *more, struct pl_err *err);

/* Rotation: drops logs that started before before_ms, then all but the newest keep of each
 * function (keep 0: no count bound). */
int pl_store_fnlog_prune(struct pl_store *s, int64_t before_ms, int keep, struct pl_err *err);

/* ---- conformance pack score history ----
 * One row each time a pack's compliant / non-compliant rule-resource pair counts change (the
 * score is ok / (ok + bad), or INSUFFICIENT_DATA when both are 0). */
struct pl_pack_score {
    int64_t time_ms, ok, bad;
};
/* 1 and *out (time_ms not read) for the latest row, 0 when none, -1. */
int pl_store_pack_score_last(struct pl_store *s, const char *account, const char *region,
                             const char *pack, struct pl_pack_score *out, struct pl_err *err);
/* Adds a row (a row at the same time_ms is replaced). */
int pl_store_pack_score_add(struct pl_store *s, const char *account, const char *region,
                            const char *pack, const struct pl_pack_score *sc, struct pl_err *err);
/* The rows before before_ms, newest first, at most limit (arena array). */
int pl_store_pack_score_list(struct pl_store *s, const char *account, const char *region,
                             const char *pack, int64_t before_ms, int limit, struct pl_arena *a,
                             struct pl_pack_score **rows, size_t *n, struct pl_err *err);
int pl_store_pack_score_delete(struct pl_store *s, const char *account, const char *region,
                               const char *pack, struct pl_err *err);

#endif
