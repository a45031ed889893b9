/* remediation.h — remediation: configurations, exceptions, actions, executions and retries.
 *
 * AWS Config attaches one remediation to a rule (RemediationConfiguration: an SSM document,
 * TargetId, with Parameters; Automatic or on demand) and runs it on the rule's NON_COMPLIANT
 * resources. plumb binds TargetId to an *action* registered with plumb (`plumb action add`):
 * a Lambda-style function of its own kind (rules/functions/functions.h: the same struct pl_fn,
 * the same runner implementation, limits, sandbox and logs), stored as kind "RemediationAction".
 *
 * Everything is a configuration object of the store (store.h), per (account, region):
 *   PL_KIND_REMEDIATION_CONFIG "RemediationConfiguration"  name = rule name; the AWS shape
 *   PL_REM_KIND_EXCEPTION      "RemediationException"      name = pl_rem_key(rule, type, id)
 *   PL_REM_KIND_EXECUTION      "RemediationExecution"      name = pl_rem_key(rule, type, id);
 *                              the latest execution of the resource (plumb's internal shape,
 *                              rendered by pl_rem_execution_render)
 *   PL_REM_KIND_ACTION         "RemediationAction"         name = action name; pl_fn JSON plus
 *                              "dryRun"
 *
 * Executions are outbox work (PL_OUTBOX_REMEDIATION_EXECUTE, payload
 * {"rule","type","id","auto":bool}): StartRemediationExecution and the result sink (an
 * automatic remediation's rule turned a resource NON_COMPLIANT) add one in the transaction of
 * their change. The worker (struct pl_rem, worker.c) claims an item and, in the same
 * transaction, marks the attempt it is about to run as started ("Running": N in the execution);
 * the action runs after that commit. An item claimed again whose attempt is still marked
 * started was interrupted (plumb died mid-action): that attempt is recorded FAILED and never run
 * again; an automatic remediation then goes on with its next attempt. So an action runs at
 * most once per attempt, whatever happens to the process.
 *
 * Threads: functions taking a struct pl_store follow store.h (one store per thread). The
 * worker is one thread plus the runner's threads; it opens its own connections.
 */
#ifndef PL_REMEDIATION_H
#define PL_REMEDIATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"
#include "core/session.h"
#include "rules/functions/functions.h"

struct pl_store;

#define PL_REM_KIND_EXCEPTION "RemediationException"
#define PL_REM_KIND_EXECUTION "RemediationExecution"
#define PL_REM_KIND_ACTION    "RemediationAction"

#define PL_REM_DEFAULT_ATTEMPTS 5  /* MaximumAutomaticAttempts (AWS default) */
#define PL_REM_DEFAULT_RETRY_S  60 /* RetryAttemptSeconds (AWS default) */
#define PL_REM_MAX_PARAMETERS   25
#define PL_REM_ACTION_NAME_MAX  57 /* "action." + name fits a session credential's function */
#define PL_REM_SESSION_PREFIX   "action." /* session credentials of an action name it so */
#define PL_REM_MAX_PAGE         100

/* rule \x1f type \x1f id: the name of a resource's exception and execution objects (arena). */
char *pl_rem_key(struct pl_arena *a, const char *rule, const char *type, const char *id);

/* ---- configurations (config.c) ---- */

/* Checks one RemediationConfiguration of a PutRemediationConfigurations request (already
 * validated against the model) and returns the object to store in arena a: defaults filled
 * (MaximumAutomaticAttempts 5, RetryAttemptSeconds 60, Automatic false), Arn set. Errors:
 * InvalidParameterValueException (a parameter with both or neither of StaticValue and
 * ResourceValue, more than 25 parameters, ...). */
struct pl_json *pl_rem_config_normalize(struct pl_arena *a, const char *account, const char *region,
                                        const struct pl_json *in, struct pl_err *err);
/* The stored configuration of rule: 1 (*out in a), 0 absent, -1 error. */
int pl_rem_config_get(struct pl_store *st, const char *account, const char *region,
                      const char *rule, struct pl_arena *a, struct pl_json **out,
                      struct pl_err *err);

/* ---- exceptions (exceptions.c) ---- */

/* Is there a remediation exception for the resource that has not expired at now_ms? 1 yes,
 * 0 no, -1 error. */
int pl_rem_exception_active(struct pl_store *st, const char *account, const char *region,
                            const char *rule, const char *type, const char *id, int64_t now_ms,
                            struct pl_err *err);
/* Creates or replaces an exception (message may be NULL, expires_ms 0 = never). */
int pl_rem_exception_put(struct pl_store *st, const char *account, const char *region,
                         const char *rule, const char *type, const char *id, const char *message,
                         int64_t expires_ms, struct pl_err *err);
/* The AWS shape of a stored exception object's JSON (arena a). */
struct pl_json *pl_rem_exception_render(struct pl_arena *a, const struct pl_json *stored);

/* ---- actions (actions.c) ---- */

struct pl_rem_action {
    struct pl_fn fn; /* fn.name is the action name; the runner's definition */
    bool dry_run;    /* record what would run, run nothing */
};
/* Validates (name 1-57 of [A-Za-z0-9_-], the runtime's fields, limits) and stores the action,
 * replacing one of the same name (new revision: session credentials of the old one die). */
int pl_rem_action_put(struct pl_store *st, const struct pl_rem_action *act, struct pl_err *err);
/* 1 found (*out, strings in a), 0 absent, -1 error. */
int pl_rem_action_get(struct pl_store *st, const char *account, const char *region,
                      const char *name, struct pl_arena *a, struct pl_rem_action *out,
                      struct pl_err *err);
int pl_rem_action_delete(struct pl_store *st, const char *account, const char *region,
                         const char *name, struct pl_err *err); /* 1, 0 absent, -1 */
int pl_rem_action_list(struct pl_store *st, const char *account, const char *region,
                       struct pl_arena *a, struct pl_rem_action **items, size_t *n,
                       struct pl_err *err);
/* The API shape {ActionName, Runtime, Handler|Command|Url, Timeout, MemorySize, DryRun,
 * Created}. */
struct pl_json *pl_rem_action_render(struct pl_arena *a, const struct pl_rem_action *act);
/* Function logs of actions are kept under this name ("action.NAME", arena a). */
const char *pl_rem_action_log_name(struct pl_arena *a, const char *name);

/* ---- execution controls (batches.c) ---- */

/* ExecutionControls.SsmControls of a configuration: on when present, the percentages with
 * AWS's defaults (10 and 50) for the one left out. */
struct pl_rem_controls {
    bool on;
    int rate_pct, error_pct;
};
void pl_rem_controls_of(const struct pl_json *cfg, struct pl_rem_controls *out);
/* A batch of executions sharing the controls: one StartRemediationExecution call, or a rule's
 * automatic remediation (pl_rem_batch_auto). size: its resources. */
struct pl_rem_batch {
    const char *name;
    int64_t size;
};
const char *pl_rem_batch_auto(struct pl_arena *a, const char *rule);
/* A new manual batch of rule (size 0; pl_rem_batch_size sets it once queued). */
int pl_rem_batch_begin(struct pl_store *st, const char *account, const char *region,
                       const char *rule, struct pl_arena *a, struct pl_rem_batch *out,
                       struct pl_err *err);
int pl_rem_batch_size(struct pl_store *st, const char *account, const char *region,
                      const struct pl_rem_batch *b, struct pl_arena *a, struct pl_err *err);
/* 1 the batch is stopped, 0 not (or unknown: *failed, *size 0), -1 error; *failed: its
 * failures, *size: its size as stored. */
int pl_rem_batch_stopped(struct pl_store *st, const char *account, const char *region,
                         const char *name, struct pl_arena *a, int64_t *failed, int64_t *size,
                         struct pl_err *err);
/* Counts one failed execution of b; stops b once failures exceed error_pct of its size
 * (b->size, or the stored one when b->size is 0). */
int pl_rem_batch_failed(struct pl_store *st, const char *account, const char *region,
                        const char *rule, const struct pl_rem_batch *b, int error_pct,
                        struct pl_arena *a, struct pl_err *err);
/* A running slot of batch name (of rule) for the execution key (its outbox item): 1 taken (fewer
 * than limit of the batch's actions were running, in any plumb serve of the store), 0 none
 * free, -1 error. Call it in the claim's transaction; a slot the key held already is replaced. */
int pl_rem_batch_take(struct pl_store *st, const char *account, const char *region,
                      const char *name, const char *rule, const char *key, int64_t item,
                      int64_t limit, struct pl_arena *a, struct pl_err *err);
/* Gives key's slot of batch name back (none held: nothing). */
int pl_rem_batch_give(struct pl_store *st, const char *account, const char *region,
                      const char *name, const char *key, struct pl_arena *a, struct pl_err *err);
/* Housekeeping: deletes the manual batches (every partition) with nothing running, last changed
 * before before_ms (*deleted: their number). */
#define PL_REM_BATCH_KEEP_MS (24 * 3600 * 1000LL)
int pl_rem_batch_prune(struct pl_store *st, int64_t before_ms, struct pl_arena *a, int64_t *deleted,
                       struct pl_err *err);
/* The rule's automatic batch starts over (its remediation configuration was put again). */
int pl_rem_batch_reset(struct pl_store *st, const char *account, const char *region,
                       const char *rule, struct pl_arena *a, struct pl_err *err);

/* ---- executions (executions.c) ---- */

/* StartRemediationExecution for one resource, in the caller's transaction: 1 queued (an
 * execution QUEUED and its outbox item), 0 not queued (*why: the resource has a remediation
 * exception, or an execution of it is queued or running). batch (NULL: none) is the call's
 * (ExecutionControls apply to it). */
int pl_rem_start(struct pl_store *st, const char *account, const char *region, const char *rule,
                 const char *type, const char *id, const struct pl_rem_batch *batch,
                 struct pl_arena *a, const char **why, struct pl_err *err);
/* A rule's remediation just became Automatic: queues an automatic execution of each resource the
 * rule finds NON_COMPLIANT now (of type, when not NULL), in the caller's transaction, as if each
 * had just turned NON_COMPLIANT. *queued gets their number. */
int pl_rem_queue_noncompliant(struct pl_store *st, const char *account, const char *region,
                              const char *rule, const char *type, int64_t *queued,
                              struct pl_err *err);
/* The AWS RemediationExecutionStatus of a stored execution object's JSON (arena a). */
struct pl_json *pl_rem_execution_render(struct pl_arena *a, const struct pl_json *stored);
/* Is a stored execution QUEUED or IN_PROGRESS? */
bool pl_rem_execution_busy(const struct pl_json *stored);

/* ---- the worker (worker.c) ---- */

struct pl_rem_options {
    const char *store_spec;   /* data directory (required) */
    const char *endpoint_url; /* plumb's API for the actions (AWS_ENDPOINT_URL) */
    /* sigv4: each action process gets session credentials of its account minted with this
     * master for "action.NAME" at the action's revision (copied); NULL: the account id and
     * "plumb" (what --auth open accepts) */
    const struct pl_session_master *session_master;
    int max_concurrency; /* actions at once; 0: 4 */
    int tick_ms;         /* poll period for other processes' writes; 0: 200 */
    bool no_thread;      /* tests and benchmarks: call pl_rem_tick and pl_rem_wait */
};
struct pl_rem;

struct pl_rem *pl_rem_start_worker(const struct pl_rem_options *o, struct pl_err *err);
/* Stops claiming, waits for running actions (bounded by their timeouts), frees. NULL fine. */
void pl_rem_stop_worker(struct pl_rem *r);
/* One round: claims due items and starts their actions. Items handled, or -1. */
int pl_rem_tick(struct pl_rem *r, struct pl_err *err);
/* Waits until no action of this worker is running (tests, benchmarks). */
void pl_rem_wait(struct pl_rem *r);

/* Counters (benchmarks; also /metrics plumb_remediation_total{outcome}, named in this order). */
struct pl_rem_stats {
    int64_t started, succeeded, failed, skipped, interrupted, dry_runs, exceptions;
};
void pl_rem_stats(struct pl_rem *r, struct pl_rem_stats *out);

#endif
