/* rules_int.h — what the rules engine's files share: the compiled rule, the rule set of the
 * engine, scope matching, the result sink that stores results and compliance CIs, and the
 * evaluators. Not for use outside src/rules/.
 */
#ifndef PL_RULES_RULES_INT_H
#define PL_RULES_RULES_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/buf.h"
#include "core/util.h"
#include "rules/managed/managed.h"
#include "rules/rules.h"
#include "store/evals.h"
#include "store/store.h"


enum pl_rule_owner { PL_OWNER_AWS, PL_OWNER_LAMBDA, PL_OWNER_POLICY };

/* A rule as the engine runs it, compiled from its stored JSON. Everything lives in arena. */
struct pl_rule {
    struct pl_arena arena;
    const char *account, *region, *name, *arn, *id;
    enum pl_rule_owner owner;
    const char *source_id;    /* SourceIdentifier */
    const char *input_params; /* InputParameters text ("{}" when none) */
    const struct pl_managed_rule *mr;
    struct pl_managed_params *mp; /* NULL unless an implemented managed rule */
    struct guard_rules *guard;    /* CUSTOM_POLICY */
    bool change, periodic, process_check;
    bool pack; /* created by a conformance pack (CreatedBy): billed as pack evaluations */
    bool detective, proactive; /* EvaluationModes (a rule without DETECTIVE: change, periodic
                                * false, and full runs skip it) */
    /* Lambda-style: the SourceDetails message types that trigger it (AWS sends an oversized
     * change only to rules that listed OversizedConfigurationItemChangeNotification) */
    bool ci_events, oversized_events;
    int64_t period_ms;
    /* scope */
    const char **types; /* effective types (scope's, else the managed rule's defaults) */
    size_t ntypes;
    const char *tag_key, *tag_value, *scope_id;
    int64_t status_ms; /* last success written to the evaluation status (engine thread) */
    int64_t next_due;  /* periodic: next scheduled run (0: read from the status) */
};

/* The engine (rules.h). Everything but gen, stop and kicked belongs to the worker thread (or
 * the caller of pl_rules_tick in no_thread mode). */
struct pl_rules {
    char *spec, *endpoint_url, *access_key, *secret_key;
    bool sessions; /* master is set */
    struct pl_session_master master;
    int tick_ms, batch, slice_ms;
    bool no_thread;
    struct pl_store *st;        /* the engine thread's connection */
    struct pl_store_pool *pool; /* connections of the function runner's callback threads */
    struct pl_fn_runner *runner;
    struct pl_store_listener *listener; /* wakes the worker when work is committed */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, kicked, started;
    atomic_int gen; /* bumped by pl_rules_changed */
    int loaded_gen;
    int64_t loaded_at;      /* pl_mono_ns()/1e6 of the last reload */
    int64_t tokens_pruned;  /* pl_now_ms() of the last pruning of result tokens */
    int64_t lead_asked;     /* mono ms of the last pl_store_lead(PL_STORE_JOB_SCHEDULES) */
    int leads;              /* its answer: this process runs the periodic rules */
    struct pl_rule **rules; /* every partition's rules, ordered by (account, region, name) */
    size_t nrules;
};

/* Runs one due periodic rule fully; the engine's, so the scheduler does not call back into
 * engine.c. A failure is logged by the scheduler and the rule marked as run all the same. */
typedef int (*pl_sched_run_fn)(struct pl_rules *eng, struct pl_rule *r, struct pl_err *err);
/* Runs, through run, the periodic rules that are due at pl_now_ms() (scheduler.c). Returns
 * runs done. */
int pl_rules__sched_run_due(struct pl_rules *eng, pl_sched_run_fn run, struct pl_err *err);
/* Records a full run of periodic rule r at now (status last_run_ms, next due time). */
int pl_rules__sched_mark(struct pl_rules *eng, struct pl_rule *r, int64_t now, struct pl_err *err);

/* Compiles stored ConfigRule JSON (the DescribeConfigRules shape). NULL with err. */
struct pl_rule *pl_rules__rule_compile(const char *account, const char *region,
                                       const struct pl_json *j, struct pl_err *err);
void pl_rules__rule_free(struct pl_rule *r);

/* Validates a PutConfigRule request's ConfigRule against AWS's rules; prev is the stored rule
 * of the same name or NULL. Returns the JSON to store (arena a) or NULL with err. */
struct pl_json *pl_rules__rule_validate(const struct pl_rules_call *c, const struct pl_json *in,
                                        const struct pl_json *prev, struct pl_err *err);

/* ---- scope ---- */

/* Is the CI (file form) in r's scope? Resources of the compliance types are never. */
bool pl_rules__rule_in_scope(const struct pl_rule *r, const char *type, const char *id,
                             const struct pl_json *tags);
bool pl_rules__rule_type_in_scope(const struct pl_rule *r, const char *type);

/* ---- results ---- */

/* Collects results of one run and writes them: results into evals (one transaction per
 * flush), then one AWS::Config::ResourceCompliance CI per resource whose compliance changed
 * and a "delivery.compliance" row per changed result (one store transaction). */
struct pl_rsink;
struct pl_rsink *pl_rules__sink_new(struct pl_store *st, const char *account, const char *region);
/* Adds one result. rule gives the name, ARN and id. Stores immediately inside the sink's open
 * evals transaction. comp < 0: no result. */
int pl_rules__sink_put(struct pl_rsink *s, const struct pl_rule *rule, const char *type,
                       const char *id, enum pl_ev_comp comp, const char *annotation,
                       int64_t ordering, int64_t invoked, const char *token, struct pl_err *err);
/* Loads the stored results of a rule (full runs) or of one resource (change triggers) into
 * memory, so that adding results about them needs no read. */
int pl_rules__sink_preload_rule(struct pl_rsink *s, const char *rule, struct pl_err *err);
int pl_rules__sink_preload_resource(struct pl_rsink *s, const char *type, const char *id,
                                    struct pl_err *err);
/* The current result of (rule, type, id) among the loaded ones, or NULL. Borrowed. */
const struct pl_ev_row *pl_rules__sink_prev(struct pl_rsink *s, const char *rule, const char *type,
                                            const char *id);
/* Commits what was added so far and writes the compliance CIs / notifications. */
int pl_rules__sink_flush(struct pl_rsink *s, struct pl_err *err);
void pl_rules__sink_free(struct pl_rsink *s); /* rolls back what was not flushed */
/* Recomputes the ResourceCompliance CI of one resource now (after results were deleted). */
int pl_rules__sink_touch(struct pl_rsink *s, const char *type, const char *id, struct pl_err *err);

/* ---- evaluation ---- */

/* One evaluation run over a set of rules of one partition. */
struct pl_fn_runner;
struct pl_lambda_call; /* an invocation waiting for the run's results to be committed */
struct pl_run {
    struct pl_store *st;
    struct pl_store_pool *pool; /* for the function runner's callbacks */
    struct pl_rsink *sink;
    const char *account, *region;
    const char *store_spec;
    struct pl_fn_runner *runner; /* NULL: Lambda-style rules fail with "no function runner" */
    const char *endpoint_url, *access_key, *secret_key;
    const struct pl_session_master *session_master; /* NULL: the static keys above */
    int64_t now;
    const char *mode; /* evaluationMode of Lambda events: NULL "DETECTIVE", or "PROACTIVE" */
    struct pl_arena scratch;
    struct pl_lambda_call *calls; /* queued by pl_rules__lambda_invoke, sent by _dispatch */
    size_t ncalls, capcalls;
    struct pl_rules__each_cache *each_cache; /* env.c: types walked by env->each; NULL */
};

/* Evaluates r against one CI (row) for a change trigger: in scope -> evaluate; out of scope
 * with a previous applicable result -> NOT_APPLICABLE (eventLeftScope for Lambda); deleted ->
 * NOT_APPLICABLE. prev is r's stored result about the resource, or NULL. */
int pl_rules__eval_ci(struct pl_run *run, struct pl_rule *r, const struct pl_ci_row *row,
                      const struct pl_json *ci, const struct pl_ev_row *prev, struct pl_err *err);
/* Evaluates every rule of rules[0..n) against all current resources in scope (a new or
 * updated rule, StartConfigRulesEvaluation, periodic run). Each CI is loaded and rendered once
 * for all rules. Results older than now for resources no longer in scope go NOT_APPLICABLE. */
int pl_rules__eval_full(struct pl_run *run, struct pl_rule *const *rules, size_t n,
                        struct pl_err *err);
/* Records the outcome of an evaluation run in the rule's status (code NULL: success; status.c). */
int pl_rules__eval_status(struct pl_store *ev, const struct pl_rule *r, int64_t now, bool invoked,
                          const char *code, const char *msg, struct pl_err *err);

/* ---- Lambda-style functions (adapter over src/rules/functions/) ---- */

/* Builds AWS's event for r (invokingEvent as a JSON string, ruleParameters, resultToken,
 * eventLeftScope, ...) and queues it on run; pl_rules__lambda_dispatch() sends the queued events
 * once the run's results are committed (the function answers through PutEvaluations). */
int pl_rules__lambda_invoke(struct pl_run *run, const struct pl_rule *r,
                            const struct pl_json *invoking_event, bool left_scope,
                            struct pl_err *err);
/* Stores the result tokens and starts the queued invocations (asynchronously). A failure or
 * timeout is recorded in the rule's evaluation status when the function ends. */
int pl_rules__lambda_dispatch(struct pl_run *run, struct pl_err *err);
/* The event JSON of queued invocation i, or NULL (tests). Borrowed. */
const char *pl_rules__lambda_queued_event(const struct pl_run *run, size_t i);
/* The result token of queued invocation i, or NULL. Borrowed. */
const char *pl_rules__lambda_queued_token(const struct pl_run *run, size_t i);
/* Frees queued invocations that were not dispatched. */
void pl_rules__lambda_drop(struct pl_run *run);
/* 0 when the ARN names a registered function, else -1 with AWS's error. */
int pl_rules__lambda_check(struct pl_store *st, const char *account, const char *arn,
                           struct pl_arena *a, struct pl_err *err);
/* A fresh result token (hex) and its verification for PutEvaluations. */
void pl_rules__lambda_token(char out[65]);

/* Evaluation status by rule name (for callbacks that outlive the compiled rule). */
int pl_rules__eval_status_named(struct pl_store *ev, const char *account, const char *region,
                                const char *rule, int64_t now, bool invoked, const char *code,
                                const char *msg, struct pl_err *err);

/* Calls cb with the latest CI of every current (not deleted) resource of type in the run's
 * partition, in id order, 500 per store read (pl_store_current_cis); stops at the first
 * non-zero return (returned). The row lives until cb returns. */
int pl_rules__run_each_current(struct pl_run *run, const char *type,
                               int (*cb)(void *u, const struct pl_ci_row *row, struct pl_err *err),
                               void *u, struct pl_err *err);

/* Full runs: calls cb with the latest CI of every current resource of types[0..ntypes) in the
 * run's partition, in (type, id) order, with its notification (file) form already rendered by
 * a reader thread on its own store connection (prefetch.c). Stops at the first non-zero return
 * (-1 returned, err filled by cb). row and ci live until cb returns. */
typedef int (*pl_each_rendered_fn)(void *u, const struct pl_ci_row *row, const struct pl_json *ci,
                                   struct pl_err *err);
int pl_rules__run_each_current_rendered(struct pl_run *run, const char *const *types, size_t ntypes,
                                        pl_each_rendered_fn cb, void *u, struct pl_err *err);

/* PutEvaluations with a proactive evaluation's result token: stores the answer (items[0..n),
 * validated) and returns 1; 0 when token is not a proactive one (proactive.c). */
int pl_rules__pe_answer(const struct pl_rules_call *c, const char *token,
                        const struct pl_json *const *items, size_t n, struct pl_err *err);

/* The account's AWS::::Account CI and friends for managed rules (env over the store). */
void pl_rules__env_init(struct pl_managed_env *env, struct pl_run *run);
/* Frees what env->each kept for the run (call when the run ends; idempotent). */
void pl_rules__env_fini(struct pl_run *run);

#endif
