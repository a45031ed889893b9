/* worker.c — runs remediations: claims "remediation.execute" outbox items, decides in the
 * claim's transaction what each attempt does (nothing: exception, no longer NON_COMPLIANT,
 * duplicate; a dry run; or an action run, marked started before the commit), runs the actions
 * on a function runner (rules/functions: the same runner implementation as Lambda-style rules,
 * an instance of its own so that actions and rules do not share concurrency slots), and records
 * each outcome with the item's completion or retry in one transaction.
 *
 * Retries (automatic remediation only): a failed attempt is retried after RetryAttemptSeconds /
 * MaximumAutomaticAttempts (at least 100 ms), so the attempts spread over RetryAttemptSeconds;
 * after the last one fails the resource gets a remediation exception, as AWS does. An attempt
 * found marked started when its item is claimed again was interrupted by a crash: it is
 * recorded FAILED, counts as an attempt, and is never run again.
 *
 * ExecutionControls (batches.c): an item of a batch whose ConcurrentExecutionRatePercentage share
 * is running already waits (its claim is retried a little later); one of a stopped batch
 * (failures over ErrorPercentage) is recorded FAILED without running. The running slots of a
 * batch are in its stored object (batches.c: taken in the claim's transaction, given back in the
 * outcome's), so every plumb serve on one database shares them; the worker prunes finished
 * manual batches once a minute of plumb's clock.
 *
 * Threads: one worker thread (own store connection) claims and starts; the runner's threads
 * finish (a connection each from the worker's pool). mu guards running, stats, stop.
 */
#include "remediation/remediation.h"

#include "core/log.h"
#include "core/metrics.h"
#include "core/time.h"
#include "core/util.h"
#include "store/evals.h"
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEASE_MS     (20 * 60 * 1000LL) /* beyond an action's longest timeout (900 s) */
#define MAX_STEPS    100
#define MAX_MSG      1024
#define MIN_RETRY_MS 100
#define WAIT_SLOT_MS   100 /* an item waiting for its batch's ConcurrentExecutionRatePercentage */
#define PRUNE_EVERY_MS (60 * 1000LL)

struct pl_rem {
    char *spec, *endpoint;
    struct pl_session_master master;
    bool sessions;
    int max_concurrency, tick_ms;
    struct pl_store *st;
    struct pl_store_pool *pool;
    struct pl_fn_runner *runner;
    struct pl_store_listener *listener;
    pthread_t th;
    bool has_thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* kicked, stop */
    pthread_cond_t idle_cv; /* running dropped */
    bool stop, kicked;
    int running;
    int64_t next_prune_ms; /* plumb's clock: the next pl_rem_batch_prune */
    struct pl_rem_stats stats;
};

/* One action run between its start and its outcome (own arena; freed by finish). */
struct launch {
    struct pl_rem *r;
    struct pl_arena a;
    const char *account, *region, *rule, *type, *id, *key;
    int64_t item;
    int attempt, max_attempts;
    int64_t retry_s;
    bool automatic;
    struct pl_rem_action act;
    const char *event;
    int64_t start_ms;
    struct pl_rem_batch batch; /* name NULL: no ExecutionControls */
    int error_pct;
};

/* ---- small helpers ---- */

/* Counts one outcome in r's stats and in /metrics (plumb_remediation_total{outcome=...}). */
static void count(struct pl_rem *r, int64_t *field)
{
    static const char *const names[] = {"started",     "succeeded", "failed",   "skipped",
                                        "interrupted", "dry_run",   "exception"};
    size_t i = (size_t)(field - &r->stats.started);
    char labels[40];
    pthread_mutex_lock(&r->mu);
    (*field)++;
    pthread_mutex_unlock(&r->mu);
    if (i < PL_ARRAY_LEN(names)) {
        snprintf(labels, sizeof labels, "outcome=\"%s\"", names[i]);
        pl_metrics_add("plumb_remediation_total", labels, 1);
    }
}

static int64_t geti(const struct pl_json *o, const char *k, int64_t dflt)
{
    int64_t v;
    return pl_json_i64(pl_json_get(o, k), &v) == 0 ? v : dflt;
}

static struct pl_json *step(struct pl_arena *a, const char *name, const char *state,
                            const char *msg, int64_t start, int64_t stop)
{
    struct pl_json *s = pl_json_new_obj(a);
    pl_json_set_str(a, s, "Name", name);
    pl_json_set_str(a, s, "State", state);
    if (msg && *msg)
        pl_json_set(a, s, "ErrorMessage", pl_json_new_strn(a, msg, strnlen(msg, MAX_MSG)));
    if (start)
        pl_json_set_i64(a, s, "StartMs", start);
    if (stop)
        pl_json_set_i64(a, s, "StopMs", stop);
    return s;
}

/* Sets the execution's state and its steps to the single step s (s may be NULL: unchanged). */
static void set_state(struct pl_arena *a, struct pl_json *e, const char *state, struct pl_json *s)
{
    pl_json_set_str(a, e, "State", state);
    if (s) {
        struct pl_json *steps = pl_json_set(a, e, "Steps", pl_json_new_arr(a));
        pl_json_push(steps, s);
    }
    pl_json_set_i64(a, e, "UpdatedMs", pl_now_ms());
}

static int save_exec(struct pl_store *st, const char *account, const char *region, const char *key,
                     struct pl_arena *a, const struct pl_json *e, struct pl_err *err)
{
    const char *text = pl_json_dump(a, e, PL_JSON_COMPACT);
    return pl_store_obj_put(st, account, region, PL_REM_KIND_EXECUTION, key, text, strlen(text),
                            err);
}

/* Logs one action run (or dry run) like a function invocation, under "action.NAME". */
static void log_run(struct pl_store *st, struct pl_arena *a, const char *account,
                    const char *region, const char *action, const char *rule, const char *type,
                    const char *id, const struct pl_fn_result *res, const char *dry_text)
{
    struct pl_err err = {0};
    bool cut = false;
    char *text = res ? pl_fn_log_text(res, PL_FN_LOG_MAX, &cut) : NULL;
    if (text && res->payload && *res->payload) { /* exec: stdout is the answer; log it too */
        size_t tl = strlen(text), pl = strnlen(res->payload, PL_FN_LOG_MAX);
        if (tl + pl + 2 > PL_FN_LOG_MAX) {
            pl = tl + 2 < PL_FN_LOG_MAX ? PL_FN_LOG_MAX - tl - 2 : 0;
            cut = true;
        }
        char *both = pl_xmalloc(tl + pl + 2);
        memcpy(both, text, tl);
        memcpy(both + tl, res->payload, pl);
        both[tl + pl] = '\n';
        both[tl + pl + 1] = '\0';
        free(text);
        text = both;
    }
    struct pl_fn_log l = {.account = account,
                          .region = region,
                          .function = pl_rem_action_log_name(a, action),
                          .request_id = res ? res->request_id : "dry-run",
                          .rule = rule,
                          .resource_type = type,
                          .resource_id = id,
                          .start_ms = pl_now_ms() - (res ? res->duration_ms : 0),
                          .duration_ms = res ? res->duration_ms : 0,
                          .outcome = !res      ? "DryRun"
                                     : res->ok ? "Succeeded"
                                               : res->error_type,
                          .error_message = res && !res->ok ? res->error_message : NULL,
                          .output = text       ? text
                                    : dry_text ? dry_text
                                               : "",
                          .truncated = cut};
    if (pl_store_fnlog_put(st, &l, &err) < 0)
        PL_LOG(WARN, "remediation", "action=%s log err=\"%s\"", action, err.msg);
    free(text);
}

/* What after_failure needs to know of a failed attempt. */
struct failure {
    const char *account, *region, *rule, *type, *id;
    int64_t item;
    bool automatic;
    int attempts, max_attempts;
    int64_t retry_s;
    const struct pl_rem_batch *batch; /* NULL: no ExecutionControls */
    int error_pct;
};

/* A failed execution counts against its batch's ErrorPercentage. */
static int batch_failure(struct pl_store *st, const struct failure *f, struct pl_err *err)
{
    struct pl_arena a;
    if (!f->batch || !f->batch->name)
        return 0;
    pl_arena_init(&a);
    int rc =
        pl_rem_batch_failed(st, f->account, f->region, f->rule, f->batch, f->error_pct, &a, err);
    pl_arena_fini(&a);
    return rc;
}

/* After a failed attempt (the execution already says FAILED): an automatic remediation retries
 * until its attempts are used up, then the resource gets its exception; a manual one is done. */
static int after_failure(struct pl_rem *r, struct pl_store *st, const struct failure *f,
                         const char *msg, struct pl_err *err)
{
    const char *account = f->account, *region = f->region, *rule = f->rule, *type = f->type,
               *id = f->id;
    int64_t item = f->item, retry_s = f->retry_s;
    int attempts = f->attempts, max_attempts = f->max_attempts;
    if (!f->automatic)
        return batch_failure(st, f, err) < 0 ? -1 : pl_store_outbox_complete(st, item, err);
    if (attempts < max_attempts) {
        int64_t delay = retry_s * 1000 / (max_attempts > 0 ? max_attempts : 1);
        if (delay < MIN_RETRY_MS)
            delay = MIN_RETRY_MS;
        return pl_store_outbox_retry(st, item, pl_now_ms() + delay, msg, err);
    }
    char text[MAX_MSG + 1];
    snprintf(text, sizeof text,
             "Automatic remediation failed %d times (MaximumAutomaticAttempts) within %lld "
             "seconds (RetryAttemptSeconds); last error: %s",
             attempts, (long long)retry_s, msg ? msg : "unknown");
    if (pl_rem_exception_put(st, account, region, rule, type, id, text, 0, err) < 0 ||
        batch_failure(st, f, err) < 0)
        return -1;
    count(r, &r->stats.exceptions);
    PL_LOG(INFO, "remediation", "rule=%s type=%s id=%s exception=1 attempts=%d", rule, type, id,
           attempts);
    return pl_store_outbox_complete(st, item, err);
}

/* The event an action gets: the resource key, the resolved parameters (a StaticValue of one
 * value as a string, of several as a list; RESOURCE_ID as the resource id), the attempt. */
static const char *build_event(struct pl_arena *a, const struct pl_json *cfg, const char *account,
                               const char *region, const char *rule, const char *type,
                               const char *id, bool automatic, int attempt)
{
    struct pl_json *ev = pl_json_new_obj(a);
    pl_json_set_str(a, ev, "ConfigRuleName", rule);
    struct pl_json *k = pl_json_set(a, ev, "ResourceKey", pl_json_new_obj(a));
    pl_json_set_str(a, k, "resourceType", type);
    pl_json_set_str(a, k, "resourceId", id);
    struct pl_json *params = pl_json_set(a, ev, "Parameters", pl_json_new_obj(a));
    const struct pl_json *in = pl_json_get(cfg, "Parameters");
    for (const struct pl_json *p = in && in->type == PL_JOBJ ? in->child : NULL; p; p = p->next) {
        const struct pl_json *rv = pl_json_get(p, "ResourceValue");
        const struct pl_json *vals = pl_json_path(p, "StaticValue.Values");
        if (rv && rv->type == PL_JOBJ)
            pl_json_set_str(a, params, p->key, id);
        else if (vals && vals->type == PL_JARR && vals->len == 1)
            pl_json_set(a, params, p->key, pl_json_clone(a, vals->child));
        else if (vals && vals->type == PL_JARR)
            pl_json_set(a, params, p->key, pl_json_clone(a, vals));
    }
    pl_json_set_str(a, ev, "TargetId", pl_json_get_str(cfg, "TargetId"));
    if (pl_json_get_str(cfg, "TargetVersion"))
        pl_json_set_str(a, ev, "TargetVersion", pl_json_get_str(cfg, "TargetVersion"));
    pl_json_set_str(a, ev, "AccountId", account);
    pl_json_set_str(a, ev, "Region", region);
    pl_json_set_bool(a, ev, "Automatic", automatic);
    pl_json_set_i64(a, ev, "Attempt", attempt);
    return pl_json_dump(a, ev, PL_JSON_COMPACT);
}

/* ---- claiming ---- */

/* What prepare knows of one claimed item (strings in a). */
struct item_ctx {
    struct pl_rem *r;
    const struct pl_outbox_item *it;
    struct pl_arena *a;
    const char *rule, *type, *id, *key;
    bool automatic, mine;
    struct pl_json *cfg, *e; /* the configuration (NULL: none); the execution (NULL: none) */
    int attempts, max_attempts;
    int64_t retry_s, now;
    struct pl_rem_controls ctl;
    struct pl_rem_batch batch; /* name NULL: no ExecutionControls apply */
    bool slot;                 /* a running slot of the batch is taken (pl_rem_batch_take) */
};

static int save(struct item_ctx *x, struct pl_err *err)
{
    return save_exec(x->r->st, x->it->account, x->it->region, x->key, x->a, x->e, err);
}

static int complete(struct item_ctx *x, struct pl_err *err)
{
    return pl_store_outbox_complete(x->r->st, x->it->id, err);
}

static int failed_attempt(struct item_ctx *x, bool automatic, const char *msg, struct pl_err *err)
{
    struct failure f = {x->it->account,  x->it->region, x->rule,   x->type,
                        x->id,           x->it->id,     automatic, x->attempts,
                        x->max_attempts, x->retry_s,    &x->batch, x->ctl.error_pct};
    if (save(x, err) < 0)
        return -1;
    return after_failure(x->r, x->r->st, &f, msg, err);
}

/* ---- batches (ExecutionControls) ---- */

/* Gives x's slot of its batch back (none taken: nothing), in the open transaction. */
static int give_slot(struct item_ctx *x, struct pl_err *err)
{
    if (!x->slot)
        return 0;
    x->slot = false;
    return pl_rem_batch_give(x->r->st, x->it->account, x->it->region, x->batch.name, x->key, x->a,
                             err);
}

/* The size of the item's batch: a manual one's as stored, an automatic one's the rule's
 * NON_COMPLIANT resources now (at least 1). */
static int batch_size(struct item_ctx *x, struct pl_err *err)
{
    int64_t failed, cnt[4] = {0};
    const struct pl_outbox_item *it = x->it;
    if (!x->ctl.on || !x->batch.name)
        return 0;
    if (!x->automatic)
        return pl_rem_batch_stopped(x->r->st, it->account, it->region, x->batch.name, x->a, &failed,
                                    &x->batch.size, err) < 0
                   ? -1
                   : 0;
    if (pl_store_eval_counts(x->r->st, it->account, it->region, x->rule, cnt, err) < 0)
        return -1;
    x->batch.size = cnt[PL_EV_NON_COMPLIANT] > 0 ? cnt[PL_EV_NON_COMPLIANT] : 1;
    return 0;
}

/* The item's ExecutionControls: 1 handled without running (its batch stopped: FAILED; its
 * batch's share running: retried shortly), 0 go on with a slot taken, -1 error. */
static int controlled(struct item_ctx *x, struct pl_err *err)
{
    struct pl_store *st = x->r->st;
    struct pl_arena *a = x->a;
    const struct pl_outbox_item *it = x->it;
    int64_t failed, size;
    if (!x->ctl.on || !x->batch.name)
        return 0;
    int s =
        pl_rem_batch_stopped(st, it->account, it->region, x->batch.name, a, &failed, &size, err);
    if (s < 0)
        return -1;
    if (s) {
        const char *msg = pl_arena_printf(
            a,
            "Not run: %lld of the %lld remediation executions of the batch failed, more than "
            "its ExecutionControls ErrorPercentage of %d%%.",
            (long long)failed, (long long)x->batch.size, x->ctl.error_pct);
        set_state(a, x->e, "FAILED",
                  step(a, "plumb:ExecutionControls", "FAILED", msg, x->now, x->now));
        pl_json_set_i64(a, x->e, "Running", 0);
        count(x->r, &x->r->stats.skipped);
        return save(x, err) < 0 || complete(x, err) < 0 ? -1 : 1;
    }
    int64_t limit = x->batch.size * x->ctl.rate_pct / 100;
    int t = pl_rem_batch_take(st, it->account, it->region, x->batch.name, x->rule, x->key, it->id,
                              limit > 0 ? limit : 1, a, err);
    if (t < 0)
        return -1;
    if (t) {
        x->slot = true;
        return 0;
    }
    return pl_store_outbox_retry(st, it->id, x->now + WAIT_SLOT_MS,
                                 "waiting for a slot of ConcurrentExecutionRatePercentage", err) < 0
               ? -1
               : 1;
}

/* An attempt marked started whose item is claimed again: plumb died while it ran. */
static int interrupted(struct item_ctx *x, struct pl_err *err)
{
    struct pl_arena *a = x->a;
    const char *msg = pl_arena_printf(a,
                                      "plumb stopped while attempt %lld of the action ran; the "
                                      "attempt is recorded as failed and not run again.",
                                      (long long)geti(x->e, "Running", 0));
    set_state(a, x->e, "FAILED",
              step(a, "plumb:RunAction", "FAILED", msg, geti(x->e, "AttemptMs", 0), x->now));
    pl_json_set_i64(a, x->e, "Running", 0);
    count(x->r, &x->r->stats.interrupted);
    x->slot = x->ctl.on && x->batch.name; /* the slot the interrupted attempt held */
    if (give_slot(x, err) < 0)
        return -1;
    PL_LOG(WARN, "remediation", "rule=%s type=%s id=%s attempt_interrupted=%d", x->rule, x->type,
           x->id, x->attempts);
    return failed_attempt(x, x->cfg && x->automatic, msg, err);
}

/* The checks before acting: 1 when the item is done without running anything (configuration
 * gone, duplicate, exception, no longer NON_COMPLIANT), 0 go on, -1 error. */
static int skip(struct item_ctx *x, struct pl_err *err)
{
    struct pl_store *st = x->r->st;
    struct pl_arena *a = x->a;
    const struct pl_outbox_item *it = x->it;
    if (!x->cfg || (x->automatic && !pl_json_truthy(pl_json_get(x->cfg, "Automatic")))) {
        if (x->mine) {
            set_state(a, x->e, "FAILED",
                      step(a, "plumb:RunAction", "FAILED",
                           "The remediation configuration was deleted or is no longer automatic.",
                           x->now, x->now));
            if (save(x, err) < 0)
                return -1;
        }
        return complete(x, err) < 0 ? -1 : 1;
    }
    if (x->automatic && !x->mine) {
        if (x->e && pl_rem_execution_busy(x->e)) /* already being remediated */
            return complete(x, err) < 0 ? -1 : 1;
        x->e = pl_json_new_obj(a);
        pl_json_set_str(a, x->e, "ConfigRuleName", x->rule);
        pl_json_set_str(a, x->e, "ResourceType", x->type);
        pl_json_set_str(a, x->e, "ResourceId", x->id);
        pl_json_set(a, x->e, "Steps", pl_json_new_arr(a));
        pl_json_set_i64(a, x->e, "InvocationMs", x->now);
        pl_json_set_i64(a, x->e, "Item", it->id);
        pl_json_set_bool(a, x->e, "Auto", true);
        x->mine = true;
    }
    if (!x->mine) /* a manual request replaced by a newer one */
        return complete(x, err) < 0 ? -1 : 1;
    int ex =
        pl_rem_exception_active(st, it->account, it->region, x->rule, x->type, x->id, x->now, err);
    if (ex < 0)
        return -1;
    if (ex) {
        if (!x->automatic) {
            set_state(a, x->e, "FAILED",
                      step(a, "plumb:RunAction", "FAILED",
                           "The resource has a remediation exception.", x->now, x->now));
            if (save(x, err) < 0)
                return -1;
        }
        count(x->r, &x->r->stats.skipped);
        return complete(x, err) < 0 ? -1 : 1;
    }
    if (!x->automatic)
        return 0;
    /* beyond AWS: act only on what is still NON_COMPLIANT */
    struct pl_ev_row ev;
    int ef = pl_store_eval_get(st, it->account, it->region, x->rule, x->type, x->id, a, &ev, err);
    if (ef < 0)
        return -1;
    if (ef == 0 || ev.comp == PL_EV_NON_COMPLIANT)
        return 0;
    const char *msg =
        pl_arena_printf(a, "The resource is %s now: not remediated.", pl_ev_comp_name(ev.comp));
    set_state(a, x->e, "SUCCEEDED",
              step(a, "plumb:CheckCompliance", "EXITED", msg, x->now, x->now));
    pl_json_set_i64(a, x->e, "Running", 0);
    count(x->r, &x->r->stats.skipped);
    if (save(x, err) < 0)
        return -1;
    return complete(x, err) < 0 ? -1 : 1;
}

/* The launch of act for x, with copies of everything in its own arena. */
static struct launch *new_launch(struct item_ctx *x, const struct pl_rem_action *act,
                                 const char *event)
{
    struct launch *l = pl_xcalloc(1, sizeof *l);
    struct pl_arena *la = &l->a;
    pl_arena_init(la);
    l->r = x->r;
    l->account = pl_arena_strdup(la, x->it->account);
    l->region = pl_arena_strdup(la, x->it->region);
    l->rule = pl_arena_strdup(la, x->rule);
    l->type = pl_arena_strdup(la, x->type);
    l->id = pl_arena_strdup(la, x->id);
    l->key = pl_arena_strdup(la, x->key);
    l->item = x->it->id;
    l->attempt = x->attempts;
    l->max_attempts = x->max_attempts;
    l->retry_s = x->retry_s;
    l->automatic = x->automatic;
    l->act = *act;
    struct pl_fn *f = &l->act.fn;
    f->account = l->account;
    f->region = l->region;
    f->name = pl_arena_strdup(la, act->fn.name);
    f->handler = act->fn.handler ? pl_arena_strdup(la, act->fn.handler) : NULL;
    f->command = act->fn.command ? pl_arena_strdup(la, act->fn.command) : NULL;
    f->url = act->fn.url ? pl_arena_strdup(la, act->fn.url) : NULL;
    f->revision = act->fn.revision ? pl_arena_strdup(la, act->fn.revision) : "0";
    l->event = pl_arena_strdup(la, event);
    l->start_ms = x->now;
    if (x->slot) { /* the launch gives the batch's slot back when it finishes */
        l->batch.name = pl_arena_strdup(la, x->batch.name);
        l->batch.size = x->batch.size;
        l->error_pct = x->ctl.error_pct;
        x->slot = false;
    }
    return l;
}

/* The attempt itself: no such action (a failed attempt), a dry run, or a run marked started
 * (*out) in the claim's transaction, so that it never runs twice. */
static int attempt(struct item_ctx *x, struct launch **out, struct pl_err *err)
{
    struct pl_store *st = x->r->st;
    struct pl_arena *a = x->a;
    const struct pl_outbox_item *it = x->it;
    const char *target = pl_json_get_str(x->cfg, "TargetId");
    struct pl_rem_action act;
    int af = pl_rem_action_get(st, it->account, it->region, target, a, &act, err);
    if (af < 0)
        return -1;
    x->attempts++;
    pl_json_set_i64(a, x->e, "Attempts", x->attempts);
    if (af == 0) {
        const char *msg = pl_arena_printf(
            a, "No action named '%.256s' is registered with plumb (plumb action add %.256s ...).",
            target, target);
        set_state(a, x->e, "FAILED", step(a, target, "FAILED", msg, x->now, x->now));
        count(x->r, &x->r->stats.failed);
        return failed_attempt(x, x->automatic, msg, err);
    }
    const char *event = build_event(a, x->cfg, it->account, it->region, x->rule, x->type, x->id,
                                    x->automatic, x->attempts);
    if (act.dry_run) {
        const char *msg = pl_arena_printf(a, "Dry run: action %s (%s) was not run; event %s",
                                          act.fn.name, pl_fn_runtime_name(act.fn.runtime), event);
        set_state(a, x->e, "SUCCEEDED", step(a, "plumb:DryRun", "EXITED", msg, x->now, x->now));
        count(x->r, &x->r->stats.dry_runs);
        log_run(st, a, it->account, it->region, act.fn.name, x->rule, x->type, x->id, NULL, event);
        return save(x, err) < 0 || complete(x, err) < 0 ? -1 : 0;
    }
    set_state(a, x->e, "IN_PROGRESS", step(a, act.fn.name, "IN_PROGRESS", NULL, x->now, 0));
    pl_json_set_i64(a, x->e, "Running", x->attempts);
    pl_json_set_i64(a, x->e, "AttemptMs", x->now);
    if (save(x, err) < 0)
        return -1;
    *out = new_launch(x, &act, event);
    count(x->r, &x->r->stats.started);
    return 0;
}

/* Decides what item it does, inside the claim's transaction. *out gets a launch when an action
 * is to run after the commit. */
static int prepare(struct pl_rem *r, const struct pl_outbox_item *it, struct launch **out,
                   struct pl_err *err)
{
    struct pl_arena a;
    struct pl_obj o;
    struct item_ctx x = {.r = r, .it = it, .a = &a, .now = pl_now_ms()};
    int rc = -1;
    *out = NULL;
    pl_arena_init(&a);
    struct pl_json *p = pl_json_parse(&a, it->payload, it->len, err);
    x.rule = p ? pl_json_get_str(p, "rule") : NULL;
    x.type = p ? pl_json_get_str(p, "type") : NULL;
    x.id = p ? pl_json_get_str(p, "id") : NULL;
    x.automatic = p && pl_json_truthy(pl_json_get(p, "auto"));
    x.batch.name = p ? pl_json_get_str(p, "batch") : NULL;
    if (!x.rule || !x.type || !x.id) {
        PL_LOG(WARN, "remediation", "item=%lld bad payload", (long long)it->id);
        rc = complete(&x, err);
        goto out;
    }
    x.key = pl_rem_key(&a, x.rule, x.type, x.id);
    int found =
        pl_store_obj_get(r->st, it->account, it->region, PL_REM_KIND_EXECUTION, x.key, &a, &o, err);
    if (found < 0 || (found && !(x.e = pl_json_parse(&a, o.json, o.len, err))))
        goto out;
    x.mine = x.e && geti(x.e, "Item", 0) == it->id;
    int fc = pl_rem_config_get(r->st, it->account, it->region, x.rule, &a, &x.cfg, err);
    if (fc < 0)
        goto out;
    if (fc == 0)
        x.cfg = NULL;
    x.max_attempts = (int)geti(x.cfg, "MaximumAutomaticAttempts", PL_REM_DEFAULT_ATTEMPTS);
    x.retry_s = geti(x.cfg, "RetryAttemptSeconds", PL_REM_DEFAULT_RETRY_S);
    x.attempts = x.mine ? (int)geti(x.e, "Attempts", 0) : 0;
    pl_rem_controls_of(x.cfg, &x.ctl);
    if (x.ctl.on && x.automatic)
        x.batch.name = pl_rem_batch_auto(&a, x.rule);
    if (batch_size(&x, err) < 0)
        goto out;
    if (x.mine && geti(x.e, "Running", 0) > 0) {
        rc = interrupted(&x, err);
        goto out;
    }
    int sk = skip(&x, err);
    if (sk == 0)
        sk = controlled(&x, err);
    rc = sk != 0 ? (sk < 0 ? -1 : 0) : attempt(&x, out, err);
out:
    if (rc == 0 && give_slot(&x, err) < 0) /* taken, no action launched (a dry run, ...) */
        rc = -1;
    pl_arena_fini(&a);
    return rc;
}

/* ---- finishing ---- */

static bool valid_step_state(const char *s)
{
    static const char *const ok[] = {"SUCCEEDED",   "PENDING", "FAILED",
                                     "IN_PROGRESS", "EXITED",  "UNKNOWN"};
    for (size_t i = 0; s && i < PL_ARRAY_LEN(ok); i++)
        if (strcmp(s, ok[i]) == 0)
            return true;
    return false;
}

/* The outcome of a run: the action's answer {"status","steps":[{name,status,message}]} when it
 * gave one, else exit status / HTTP status. Fills e (State, Steps); *msg: the error (a). */
static bool outcome(struct pl_arena *a, const struct launch *l, const struct pl_fn_result *res,
                    struct pl_json *e, const char **msg)
{
    int64_t stop = pl_now_ms();
    struct pl_err perr = {0};
    struct pl_json *ans = res->payload && *res->payload
                              ? pl_json_parse(a, res->payload, strlen(res->payload), &perr)
                              : NULL;
    if (ans && ans->type != PL_JOBJ)
        ans = NULL;
    const char *status = ans ? pl_json_get_str(ans, "status") : NULL;
    bool ok = res->ok && (!status || strcmp(status, "FAILED") != 0);
    *msg = res->ok ? NULL : res->error_message;
    struct pl_json *steps = pl_json_set(a, e, "Steps", pl_json_new_arr(a));
    const struct pl_json *in = ans ? pl_json_get(ans, "steps") : NULL;
    size_t n = 0;
    for (const struct pl_json *s = in && in->type == PL_JARR ? in->child : NULL; s && n < MAX_STEPS;
         s = s->next, n++) {
        const char *name = pl_json_get_str(s, "name"), *st = pl_json_get_str(s, "status");
        const char *m = pl_json_get_str(s, "message");
        if (!valid_step_state(st))
            st = "UNKNOWN";
        /* ErrorMessage is AWS's field for what went wrong: a succeeded step's message stays in
         * the action's log */
        pl_json_push(steps, step(a, name ? name : "step", st,
                                 strcmp(st, "SUCCEEDED") == 0 ? NULL : m, l->start_ms, stop));
        if (strcmp(st, "FAILED") == 0 && m)
            *msg = m;
    }
    if (n == 0)
        pl_json_push(steps, step(a, l->act.fn.name, ok ? "SUCCEEDED" : "FAILED", ok ? NULL : *msg,
                                 l->start_ms, stop));
    if (!ok && !*msg)
        *msg = "the action answered FAILED";
    pl_json_set_str(a, e, "State", ok ? "SUCCEEDED" : "FAILED");
    pl_json_set_i64(a, e, "UpdatedMs", stop);
    pl_json_set_i64(a, e, "Running", 0);
    return ok;
}

static int record(struct launch *l, struct pl_store *st, const struct pl_fn_result *res,
                  struct pl_err *err)
{
    struct pl_rem *r = l->r;
    struct pl_arena *a = &l->a;
    struct pl_obj o;
    if (pl_store_begin(st, err) < 0)
        return -1;
    if (l->batch.name &&
        pl_rem_batch_give(st, l->account, l->region, l->batch.name, l->key, a, err) < 0)
        goto fail;
    log_run(st, a, l->account, l->region, l->act.fn.name, l->rule, l->type, l->id, res, NULL);
    int found =
        pl_store_obj_get(st, l->account, l->region, PL_REM_KIND_EXECUTION, l->key, a, &o, err);
    struct pl_json *e = found == 1 ? pl_json_parse(a, o.json, o.len, err) : NULL;
    if (found < 0 || (found == 1 && !e))
        goto fail;
    if (!e || geti(e, "Item", 0) != l->item || geti(e, "Running", 0) != l->attempt) {
        if (pl_store_outbox_complete(st, l->item, err) < 0) /* replaced meanwhile */
            goto fail;
        return pl_store_commit(st, err);
    }
    const char *msg;
    bool ok = outcome(a, l, res, e, &msg);
    count(r, ok ? &r->stats.succeeded : &r->stats.failed);
    if (ok)
        PL_LOG(DEBUG, "remediation", "rule=%s type=%s id=%s action=%s attempt=%d ok=1", l->rule,
               l->type, l->id, l->act.fn.name, l->attempt);
    else
        PL_LOG(INFO, "remediation", "rule=%s type=%s id=%s action=%s attempt=%d ok=0 err=\"%s\"",
               l->rule, l->type, l->id, l->act.fn.name, l->attempt, msg);
    if (save_exec(st, l->account, l->region, l->key, a, e, err) < 0)
        goto fail;
    struct failure f = {l->account,      l->region,  l->rule,      l->type,
                        l->id,           l->item,    l->automatic, l->attempt,
                        l->max_attempts, l->retry_s, &l->batch,    l->error_pct};
    if (ok ? pl_store_outbox_complete(st, l->item, err) < 0
           : after_failure(r, st, &f, msg, err) < 0)
        goto fail;
    return pl_store_commit(st, err);
fail:
    pl_store_rollback(st);
    return -1;
}

static void launch_free(struct launch *l)
{
    pl_arena_fini(&l->a);
    free(l);
}

static void release_slot(struct pl_rem *r)
{
    pthread_mutex_lock(&r->mu);
    r->running--;
    r->kicked = true; /* a slot is free: claim more */
    pthread_cond_broadcast(&r->idle_cv);
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* Runner callback (a runner thread): records the outcome. On a store failure the attempt stays
 * marked started; the item's lease ends and the attempt is then recorded as interrupted. */
static void finished(void *arg, const struct pl_fn_result *res)
{
    struct launch *l = arg;
    struct pl_rem *r = l->r;
    struct pl_err err = {0};
    struct pl_store *st = pl_store_pool_thread(r->pool, &err);
    if (!st || record(l, st, res, &err) < 0)
        PL_LOG(ERROR, "remediation", "rule=%s id=%s record err=\"%s\"", l->rule, l->id, err.msg);
    launch_free(l);
    release_slot(r);
}

/* Starts l's action on the runner (slot already counted). */
static void run(struct pl_rem *r, struct launch *l)
{
    struct pl_err err = {0};
    struct pl_session_cred sc;
    struct pl_fn_env env = {
        .endpoint_url = r->endpoint, .access_key_id = l->account, .secret_access_key = "plumb"};
    if (r->sessions) {
        const char *who = pl_rem_action_log_name(&l->a, l->act.fn.name);
        int64_t exp = pl_now_ms() + ((int64_t)l->act.fn.timeout_s + PL_FN_CRED_MARGIN_S) * 1000;
        if (pl_session_mint(&r->master, l->account, l->region, who, l->act.fn.revision, exp, &sc,
                            &err) == 0) {
            env.access_key_id = pl_arena_strdup(&l->a, sc.key_id);
            env.secret_access_key = pl_arena_strdup(&l->a, sc.secret);
            env.session_token = pl_arena_strdup(&l->a, sc.token);
        }
        memset(&sc, 0, sizeof sc);
    }
    if (pl_fn_invoke_async(r->runner, &l->act.fn, &env, l->event, strlen(l->event), finished, l,
                           &err) < 0) {
        struct pl_fn_result res = {0};
        res.error_message = pl_xstrdup(err.msg);
        pl_strlcpy(res.error_type, "ServiceException", sizeof res.error_type);
        finished(l, &res);
        free(res.error_message);
    }
}

/* Housekeeping once a minute of plumb's clock: the finished manual batches. */
static void prune(struct pl_rem *r)
{
    int64_t now = pl_now_ms(), n = 0;
    if (now < r->next_prune_ms)
        return;
    r->next_prune_ms = now + PRUNE_EVERY_MS;
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_err err = {.arena = &a};
    if (pl_store_begin(r->st, &err) < 0 ||
        pl_rem_batch_prune(r->st, now - PL_REM_BATCH_KEEP_MS, &a, &n, &err) < 0 ||
        pl_store_commit(r->st, &err) < 0) {
        if (pl_store_in_tx(r->st))
            pl_store_rollback(r->st);
        PL_LOG(WARN, "remediation", "prune err=\"%s\"", pl_err_msg(&err));
    } else if (n) {
        PL_LOG(INFO, "remediation", "batches_pruned=%lld", (long long)n);
    }
    pl_arena_fini(&a);
}

int pl_rem_tick(struct pl_rem *r, struct pl_err *err)
{
    prune(r);
    pthread_mutex_lock(&r->mu);
    int room = r->max_concurrency - r->running;
    pthread_mutex_unlock(&r->mu);
    if (room <= 0)
        return 0;
    struct pl_arena a;
    struct pl_outbox_item *items;
    size_t n;
    pl_arena_init(&a);
    struct launch **ls = NULL;
    size_t nl = 0;
    if (pl_store_begin(r->st, err) < 0)
        goto fail;
    if (pl_store_outbox_claim(r->st, PL_OUTBOX_REMEDIATION_EXECUTE, room, LEASE_MS, &a, &items, &n,
                              err) < 0)
        goto rollback;
    ls = pl_xcalloc(n + 1, sizeof *ls);
    for (size_t i = 0; i < n; i++) {
        struct launch *l;
        if (prepare(r, &items[i], &l, err) < 0)
            goto rollback;
        if (l)
            ls[nl++] = l;
    }
    if (pl_store_commit(r->st, err) < 0)
        goto fail;
    pthread_mutex_lock(&r->mu);
    r->running += (int)nl;
    pthread_mutex_unlock(&r->mu);
    for (size_t i = 0; i < nl; i++)
        run(r, ls[i]);
    free(ls);
    pl_arena_fini(&a);
    return (int)n;
rollback:
    pl_store_rollback(r->st);
fail:
    for (size_t i = 0; i < nl; i++)
        launch_free(ls[i]);
    free(ls);
    pl_arena_fini(&a);
    return -1;
}

void pl_rem_wait(struct pl_rem *r)
{
    pthread_mutex_lock(&r->mu);
    while (r->running > 0)
        pthread_cond_wait(&r->idle_cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
}

void pl_rem_stats(struct pl_rem *r, struct pl_rem_stats *out)
{
    pthread_mutex_lock(&r->mu);
    *out = r->stats;
    pthread_mutex_unlock(&r->mu);
}

/* ---- the thread ---- */

static void kick(void *arg)
{
    struct pl_rem *r = arg;
    pthread_mutex_lock(&r->mu);
    r->kicked = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void *loop(void *arg)
{
    struct pl_rem *r = arg;
    for (;;) {
        struct pl_err err = {0};
        int got = pl_rem_tick(r, &err);
        if (got < 0)
            PL_LOG(WARN, "remediation", "tick err=\"%s\"", err.msg);
        pthread_mutex_lock(&r->mu);
        if (!r->stop && !r->kicked && got <= 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t ns = ts.tv_nsec + (int64_t)r->tick_ms * 1000000;
            ts.tv_sec += ns / 1000000000;
            ts.tv_nsec = ns % 1000000000;
            pthread_cond_timedwait(&r->cv, &r->mu, &ts);
        }
        r->kicked = false;
        bool stop = r->stop;
        pthread_mutex_unlock(&r->mu);
        if (stop)
            break;
    }
    return NULL;
}

struct pl_rem *pl_rem_start_worker(const struct pl_rem_options *o, struct pl_err *err)
{
    struct pl_rem *r = pl_xcalloc(1, sizeof *r);
    r->spec = pl_xstrdup(o->store_spec);
    r->endpoint = pl_xstrdup(o->endpoint_url ? o->endpoint_url : "http://127.0.0.1:7711");
    if (o->session_master) {
        r->master = *o->session_master;
        r->sessions = true;
    }
    r->max_concurrency = o->max_concurrency > 0 ? o->max_concurrency : 4;
    r->tick_ms = o->tick_ms > 0 ? o->tick_ms : 200;
    pl_metrics_help("plumb_remediation_total",
                    "Remediation attempts by outcome (started, succeeded, failed, skipped, "
                    "interrupted, dry_run, exception).");
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    pthread_cond_init(&r->idle_cv, NULL);
    struct pl_fn_runner_opts ro = {.max_concurrency = r->max_concurrency, .cold = true};
    if (pl_store_open(r->spec, 0, &r->st, err) < 0 ||
        pl_store_pool_open(r->spec, &r->pool, err) < 0 ||
        pl_fn_runner_new(&ro, &r->runner, err) < 0)
        goto fail;
    if (!o->no_thread) {
        r->listener = pl_store_outbox_listen(r->st, 1u << PL_OUTBOX_REMEDIATION_EXECUTE, kick, r);
        if (pthread_create(&r->th, NULL, loop, r) != 0) {
            pl_fail(err, PL_E_INTERNAL, "cannot start the remediation thread");
            goto fail;
        }
        r->has_thread = true;
    }
    return r;
fail:
    pl_rem_stop_worker(r);
    return NULL;
}

void pl_rem_stop_worker(struct pl_rem *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    if (r->has_thread)
        pthread_join(r->th, NULL);
    pl_store_outbox_unlisten(r->listener);
    pl_fn_runner_free(r->runner); /* finishes running actions (their callbacks record them) */
    pl_store_pool_close(r->pool);
    pl_store_close(r->st);
    pthread_cond_destroy(&r->cv);
    pthread_cond_destroy(&r->idle_cv);
    pthread_mutex_destroy(&r->mu);
    free(r->spec);
    free(r->endpoint);
    free(r);
}
