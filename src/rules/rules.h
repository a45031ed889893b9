/* rules.h — the AWS Config rules engine: rule registry and validation, scope, triggers (change,
 * periodic, on demand), evaluators (managed, Guard custom policy, Lambda-style functions,
 * process checks) and the compliance results they produce.
 *
 * Two halves:
 *   - the engine (struct pl_rules): one worker thread that claims the store's "rules.ci_recorded"
 *     outbox rows and evaluates change-triggered rules on each new CI, runs periodic rules from
 *     a scheduler that reads only pl_now_ms(), and runs the "rules.evaluate" rows written when
 *     a rule is put or StartConfigRulesEvaluation is called. Tests drive it without the thread
 *     (no_thread) through pl_rules_tick() and a moved clock (pl_clock_set/advance).
 *   - operations (pl_rules_put_rule, ...), called by the API handlers (src/api/ops_rules.c,
 *     ops_compliance.c) on the API thread with that thread's store connection. They work with
 *     or without a running engine (eng NULL: rules are stored and queued; nothing evaluates
 *     until an engine ticks).
 *
 * How `plumb serve` runs it (after opening the store and starting delivery):
 *     struct pl_rules_options ro = {.store_spec = data_dir, .endpoint_url = "http://H:P"};
 *     app.rules = pl_rules_start(&ro, &err);      // NULL + err on failure
 *     ...serve...
 *     pl_rules_stop(app.rules);                    // before closing the store / pl_app_fini
 * With `--fake-clock MS` serve calls pl_clock_set(MS) before starting; the engine then follows
 * that clock (periodic rules run when tests advance it, e.g. through a plumb-only operation).
 *
 * Results are stored in src/store/evals.h; every change of a resource's compliance is also
 * recorded as an AWS::Config::ResourceCompliance CI (and announced with a "delivery.compliance"
 * outbox row when the partition has a delivery channel).
 */
#ifndef PL_RULES_RULES_H
#define PL_RULES_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"
#include "core/session.h"

struct pl_store;
struct pl_rules;

#define PL_RULES_SLICE_MS        100 /* default pl_rules_options.slice_ms */
/* A resultToken is good for 6 h after its invocation (AWS does not document a lifetime; this is
 * far beyond Lambda's 15-minute maximum run time and the runner's queue), then
 * PutEvaluations answers InvalidResultTokenException; the engine prunes expired tokens. */
#define PL_RULES_TOKEN_TTL_MS    (6 * 3600 * 1000LL)
#define PL_RULES_TOKEN_PRUNE_MS  60000 /* how often the engine prunes them (plumb's clock) */
/* Finished outbox rows are kept this long (for inspection after an incident), then pruned by
 * the engine's housekeeping with the tokens. */
#define PL_RULES_OUTBOX_KEEP_MS  (3600 * 1000LL)
#define PL_RULES_MAX_PER_REGION  1000 /* AWS quota: Config rules per Region per account */
/* PL_OUTBOX_RULES_EVALUATE rows (store.h) carry {"rules":[names],"reason":"..."} */
#define PL_RULES_RC_TYPE         "AWS::Config::ResourceCompliance"
#define PL_RULES_PACK_TYPE       "AWS::Config::ConformancePackCompliance"

/* ---- the engine ---- */

struct pl_rules_options {
    const char *store_spec;   /* data directory (required) */
    int tick_ms;              /* worker poll period; 0: 10 ms */
    int batch;                /* outbox rows per claim; 0: 512 */
    int slice_ms;             /* a partition's share of a round for change triggers, after
                               * which its other claimed rows wait for the next round;
                               * 0: PL_RULES_SLICE_MS; < 0: one CI per partition per round */
    bool no_thread;           /* tests: no worker; call pl_rules_tick() */
    const char *endpoint_url; /* where Lambda-style functions call back (AWS_ENDPOINT_URL);
                               * NULL: no function runner (Lambda-style rules report it) */
    /* sigv4 mode: each function process gets its own session credentials of the rule's
     * account signed by this master (copied); the server accepts them (http.h) */
    const struct pl_session_master *session_master;
    const char *access_key, *secret_key; /* without a master, given to functions; NULL: the
                                          * rule's account id and "plumb" (what `--auth open`
                                          * accepts) */
};

/* Starts the engine (opens its own store and evals connections). The caller owns the result
 * and ends it with pl_rules_stop(). NULL with err on failure. */
struct pl_rules *pl_rules_start(const struct pl_rules_options *o, struct pl_err *err);
/* Stops the worker (finishing the batch in flight) and frees r. NULL is fine. */
void pl_rules_stop(struct pl_rules *r);
/* Runs one worker round now: claims and processes due outbox rows, then runs the periodic
 * rules that are due at pl_now_ms(). Returns the number of items handled, or -1 (err). */
int pl_rules_tick(struct pl_rules *r, struct pl_err *err);
/* Wakes the worker early (after a commit that wrote CIs). Cheap; NULL is fine. */
void pl_rules_kick(struct pl_rules *r);
/* A Lambda-style function was replaced or deleted: the engine's runner retires its warm
 * workers (pl_fn_runner_forget). NULL r is fine. */
void pl_rules_function_changed(struct pl_rules *r, const char *account, const char *region,
                               const char *name);
/* Tells the engine that rule definitions changed (reload before the next evaluation). */
void pl_rules_changed(struct pl_rules *r);

/* ---- conformance pack compliance (packs.c) ---- */

struct pl_rec_batch;
/* The AWS::Config::ConformancePackCompliance CI of pack (a PL_KIND_PACK object: its
 * "Rules" [{ConfigRuleName, Implemented}]) from the stored results; NULL on a store error. */
struct pl_json *pl_rules_pack_ci(struct pl_store *st, const char *account, const char *region,
                                 const struct pl_json *pack, struct pl_arena *a,
                                 struct pl_err *err);
/* The ResourceDeleted CI of a deleted pack. */
struct pl_json *pl_rules_pack_deleted_ci(const char *account, const char *region,
                                         const struct pl_json *pack, struct pl_arena *a);
/* A result whose compliance changed (enum pl_ev_comp values; old_comp -1: no result before). */
struct pl_rules_pack_change {
    const char *rule;
    int old_comp, new_comp;
};
/* Records (in b's transaction) the CI and the score of each pack of the partition that has
 * one of the changes' rules. */
int pl_rules_pack_record_changed(struct pl_rec_batch *b, struct pl_store *st, const char *account,
                                 const char *region, const struct pl_rules_pack_change *ch,
                                 size_t n, struct pl_arena *a, struct pl_err *err);
/* Counts the pack's score whole and records it if it changed (at deploy, in the deploy's
 * transaction). */
int pl_rules_pack_score_reset(struct pl_store *st, const char *account, const char *region,
                              const struct pl_json *pack, struct pl_err *err);

/* ---- operations (API) ---- */

/* Where an operation runs: the caller's partition, store connection and arena. */
struct pl_rules_call {
    struct pl_rules *eng;   /* may be NULL */
    const char *store_spec; /* for the thread's evals connection */
    struct pl_store *st;
    const char *account, *region;
    struct pl_arena *a;
    /* The service the call acts for (conformance packs: "config-conformance-pack.amazonaws.com")
     * or NULL (an API caller). A service may create rules with CreatedBy = itself and change or
     * delete them; anyone else gets ResourceInUseException for a rule another creator owns. */
    const char *service;
};

/* PutConfigRule: validates rule (the request's ConfigRule object) as AWS does, stores it
 * (kind "ConfigRule", the DescribeConfigRules shape), stores tags (Tags list, may be NULL) and
 * queues its first evaluation. */
int pl_rules_put_rule(const struct pl_rules_call *c, const struct pl_json *rule,
                      const struct pl_json *tags, struct pl_err *err);
/* DeleteConfigRule: removes the rule, its results and status (NoSuchConfigRuleException). */
int pl_rules_delete_rule(const struct pl_rules_call *c, const char *name, struct pl_err *err);
/* The stored ConfigRule JSON of name with ConfigRuleState filled (1), 0 absent, -1 error. */
int pl_rules_get_rule(const struct pl_rules_call *c, const char *name, struct pl_json **out,
                      struct pl_err *err);
/* StartConfigRulesEvaluation for names[0..n) (1..25). */
int pl_rules_start_evaluation(const struct pl_rules_call *c, const char *const *names, size_t n,
                              struct pl_err *err);
/* PutEvaluations: evals is the request's Evaluations array; failed gets the
 * FailedEvaluations array (arena). */
int pl_rules_put_evaluations(const struct pl_rules_call *c, const char *token,
                             const struct pl_json *evals, bool test_mode, struct pl_json *failed,
                             struct pl_err *err);
/* PutExternalEvaluation for a process-check rule. */
int pl_rules_put_external(const struct pl_rules_call *c, const char *rule,
                          const struct pl_json *ext, struct pl_err *err);
/* DeleteEvaluationResults. */
int pl_rules_delete_results(const struct pl_rules_call *c, const char *rule, struct pl_err *err);

/* ---- proactive evaluation (proactive.c, cfn.c; docs/proactive.md) ---- */

#define PL_RULES_PE_TIMEOUT_S     900  /* EvaluationTimeout default (0 or absent), as AWS */
#define PL_RULES_PE_TIMEOUT_MAX_S 3600 /* its maximum, as AWS */
/* Resource evaluations and their results are kept 7 days (AWS does not document how long it
 * keeps them), then pruned by StartResourceEvaluation (at most once a minute per process). */
#define PL_RULES_PE_KEEP_MS       (7 * 24 * 3600 * 1000LL)
#define PL_RULES_CFN_DEPTH        64 /* nesting kept of a CloudFormation configuration */

/* Does AWS support PROACTIVE for this managed rule identifier? */
bool pl_rules_managed_proactive(const char *identifier);

/* The CI plumb's evaluators read for a CloudFormation-schema configuration props (an object;
 * anything else is taken as {}): mapped for managed rules (AWS Config's CI shape), else with
 * "configuration" the properties as given (Guard policies, Lambda-style functions). Arena a. */
struct pl_json *pl_rules_cfn_ci(struct pl_arena *a, const char *account, const char *region,
                                const char *type, const char *id, const struct pl_json *props,
                                bool mapped);

/* StartResourceEvaluation: req is the request object (validated here as AWS does, ClientToken
 * idempotency included). Evaluates at once with managed and Guard rules, and invokes the
 * Lambda-style ones (results through PutEvaluations). *id gets the ResourceEvaluationId. */
int pl_rules_resource_eval_start(const struct pl_rules_call *c, const struct pl_json *req,
                                 const char **id, struct pl_err *err);
/* GetResourceEvaluationSummary's response members into out (ResourceNotFoundException). */
int pl_rules_resource_eval_summary(const struct pl_rules_call *c, const char *id,
                                   struct pl_json *out, struct pl_err *err);
/* The EvaluationResults of an evaluation (GetComplianceDetailsByResource with
 * ResourceEvaluationId) pushed onto arr; comps: bit set of enum pl_ev_comp, 0 all. */
int pl_rules_resource_eval_results(const struct pl_rules_call *c, const char *id, unsigned comps,
                                   struct pl_json *arr, struct pl_err *err);

/* plumb eval: judges resources locally (no store writes, no functions run) with the rules
 * named (any mode), or without names every rule whose EvaluationModes include PROACTIVE. */
struct pl_rules_resource {
    const char *type, *id;
    const struct pl_json *props; /* CloudFormation properties, or NULL with ci: */
    const struct pl_json *ci;    /* a recorded CI (file or API form) judged as it is */
};
struct pl_rules_verdict {
    const char *rule, *compliance, *annotation; /* annotation may be NULL */
};
struct pl_rules_verdicts {
    struct pl_rules_verdict *v;
    size_t n;
};
/* out[0..nres) filled (arena a). */
int pl_rules_judge_local(struct pl_store *st, const char *account, const char *region,
                         const char *const *names, size_t nnames,
                         const struct pl_rules_resource *res, size_t nres, struct pl_arena *a,
                         struct pl_rules_verdicts *out, struct pl_err *err);

#endif
