/* engine.c — the rules engine worker: rule cache, change triggers from the store's outbox,
 * on-demand and new-rule evaluations ("rules.evaluate" rows) and the periodic scheduler.
 *
 * One worker thread owns a store connection, an evals connection and the compiled rules. Each
 * round (pl_rules_tick) it
 *   1. reloads the rules when pl_rules_changed() was called (or every 5 s, for other
 *      processes' changes),
 *   2. claims "rules.ci_recorded" rows and runs the change-triggered rules of the CI's partition on
 *      it (only while that partition's recorder runs, or when it has none),
 *      sharing the round fairly between partitions: the claim takes each partition's oldest
 *      rows (store.h), and a partition that used up its slice (slice_ms) gives its other rows
 *      back (pl_store_outbox_release) for the next round, so an account with a backlog of
 *      slow evaluations delays another account by at most one slice and one evaluation,
 *   3. claims "rules.evaluate" rows and runs those rules over every resource in scope,
 *   4. runs the periodic rules that are due (scheduler.c),
 * and completes each outbox row only after its results are committed (at-least-once work,
 * exactly-once effects: see compliance.c).
 *
 * Calls go one way: this file calls scheduler.c, passing it run_periodic for the runs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/time.h"
#include "core/util.h"
#include "recorder/recorder.h"
#include "rules/functions/functions.h"
#include "rules/rules_int.h"

#define LEASE_MS  60000
#define RELOAD_MS 5000
#define RETRY_MS  5000

/* ---- rule cache ---- */

static void free_rules(struct pl_rules *eng)
{
    for (size_t i = 0; i < eng->nrules; i++)
        pl_rules__rule_free(eng->rules[i]);
    free(eng->rules);
    eng->rules = NULL;
    eng->nrules = 0;
}

static int64_t mono_ms(void)
{
    return pl_mono_ns() / 1000000;
}

/* Reloads every stored rule when they changed; a rule that no longer compiles is skipped
 * (logged) so that one bad rule cannot stop the others. */
static int reload(struct pl_rules *eng, struct pl_err *err)
{
    int gen = atomic_load(&eng->gen);
    if (eng->rules && gen == eng->loaded_gen && mono_ms() - eng->loaded_at < RELOAD_MS)
        return 0;
    struct pl_arena a;
    struct pl_obj *items;
    size_t n;
    pl_arena_init(&a);
    if (pl_store_obj_list(eng->st, NULL, NULL, PL_KIND_CONFIG_RULE, NULL, 0, &a, &items, &n, err) <
        0) {
        pl_arena_fini(&a);
        return -1;
    }
    /* keep the schedule of rules that stay */
    struct pl_rule **old = eng->rules;
    size_t nold = eng->nrules;
    eng->rules = pl_xcalloc(n + 1, sizeof *eng->rules);
    eng->nrules = 0;
    for (size_t i = 0; i < n; i++) {
        struct pl_err e2 = {0};
        struct pl_json *j = pl_json_parse(&a, items[i].json, items[i].len, &e2);
        struct pl_rule *r =
            j ? pl_rules__rule_compile(items[i].account, items[i].region, j, &e2) : NULL;
        if (!r) {
            PL_LOG(WARN, "rules", "rule=%s skipped err=\"%s\"", items[i].name, e2.msg);
            continue;
        }
        for (size_t k = 0; k < nold; k++)
            if (old[k] && strcmp(old[k]->name, r->name) == 0 &&
                strcmp(old[k]->account, r->account) == 0 &&
                strcmp(old[k]->region, r->region) == 0) {
                r->status_ms = old[k]->status_ms;
                r->next_due = old[k]->next_due;
            }
        eng->rules[eng->nrules++] = r;
    }
    for (size_t k = 0; k < nold; k++)
        pl_rules__rule_free(old[k]);
    free(old);
    eng->loaded_gen = gen;
    eng->loaded_at = mono_ms();
    pl_arena_fini(&a);
    return 0;
}

/* The partition's rules: [*first, *first + *n). */
static void partition_rules(struct pl_rules *eng, const char *account, const char *region,
                            size_t *first, size_t *n)
{
    *first = 0;
    *n = 0;
    for (size_t i = 0; i < eng->nrules; i++) {
        if (strcmp(eng->rules[i]->account, account) == 0 &&
            strcmp(eng->rules[i]->region, region) == 0) {
            if (!*n)
                *first = i;
            (*n)++;
        }
    }
}

/* ---- runs ---- */

static void run_init(struct pl_rules *eng, struct pl_run *run, const char *account,
                     const char *region)
{
    memset(run, 0, sizeof *run);
    run->st = eng->st;
    run->pool = eng->pool;
    run->account = account;
    run->region = region;
    run->store_spec = eng->spec;
    run->runner = eng->runner;
    run->endpoint_url = eng->endpoint_url;
    run->access_key = eng->access_key ? eng->access_key : account;
    run->secret_key = eng->secret_key ? eng->secret_key : "plumb";
    run->session_master = eng->sessions ? &eng->master : NULL;
    run->now = pl_now_ms();
    pl_arena_init(&run->scratch);
    run->sink = pl_rules__sink_new(eng->st, account, region);
}

/* Commits the run's results and compliance CIs, then starts its Lambda invocations. */
static int run_finish(struct pl_run *run, int rc, struct pl_err *err)
{
    if (rc == 0)
        rc = pl_rules__sink_flush(run->sink, err);
    if (rc == 0)
        rc = pl_rules__lambda_dispatch(run, err);
    pl_rules__lambda_drop(run);
    pl_rules__sink_free(run->sink);
    pl_rules__env_fini(run);
    pl_arena_fini(&run->scratch);
    return rc;
}

/* Runs rules[0..n) of one partition fully (new rule, on demand, schedule) and commits. */
static int run_full(struct pl_rules *eng, const char *account, const char *region,
                    struct pl_rule *const *rules, size_t n, struct pl_err *err)
{
    struct pl_run run;
    run_init(eng, &run, account, region);
    int rc = pl_rules__eval_full(&run, rules, n, err);
    return run_finish(&run, rc, err);
}

/* ---- change triggers ---- */

/* Is change-triggered evaluation on for the partition? (recorder running, or no recorder) */
static int recorder_on(struct pl_rules *eng, const char *account, const char *region,
                       struct pl_err *err)
{
    struct pl_arena a;
    struct pl_rec_state rs;
    pl_arena_init(&a);
    int rc = pl_recorder_state(eng->st, account, region, &a, &rs, err);
    pl_arena_fini(&a);
    if (rc < 0)
        return -1;
    return !rs.exists || rs.running;
}

/* Runs the partition's change-triggered rules on the CI of one rules.ci_recorded row. */
static int on_ci(struct pl_rules *eng, struct pl_run *run, size_t first, size_t n, int64_t seq,
                 struct pl_err *err)
{
    struct pl_ci_row row;
    int f = pl_store_ci_get(eng->st, seq, &run->scratch, &row, err);
    if (f <= 0)
        return f; /* pruned meanwhile: nothing to judge */
    if (!strcmp(row.resource_type, PL_RULES_RC_TYPE))
        return 0;
    struct pl_json *ci = pl_ci_render_file(&run->scratch, &row, err);
    if (!ci)
        return -1;
    if (pl_rules__sink_preload_resource(run->sink, row.resource_type, row.resource_id, err) < 0)
        return -1;
    for (size_t i = first; i < first + n; i++) {
        struct pl_rule *r = eng->rules[i];
        if (!r->change)
            continue;
        const struct pl_ev_row *p =
            pl_rules__sink_prev(run->sink, r->name, row.resource_type, row.resource_id);
        if (pl_rules__eval_ci(run, r, &row, ci, p, err) < 0)
            return -1;
    }
    pl_metrics_observe("plumb_rules_change_evaluated_seconds", NULL,
                       (double)(pl_now_ms() - row.capture_ms) / 1000.0);
    return 0;
}

/* Completes (or reschedules, on failure) the claimed rows items[0..n); with rc == 0 the rows
 * from items[done] on were not handled and are given back as they were. */
static int settle_part(struct pl_rules *eng, struct pl_outbox_item *items, size_t n,
                       size_t done, int rc, const char *why, struct pl_err *err)
{
    if (pl_store_begin(eng->st, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int r = rc != 0 ? pl_store_outbox_retry(eng->st, items[i].id, pl_now_ms() + RETRY_MS, why,
                                                err)
                : i < done ? pl_store_outbox_complete(eng->st, items[i].id, err)
                           : pl_store_outbox_release(eng->st, &items[i], err);
        if (r < 0) {
            pl_store_rollback(eng->st);
            return -1;
        }
    }
    return pl_store_commit(eng->st, err);
}

static int settle(struct pl_rules *eng, struct pl_outbox_item *items, size_t n, int rc,
                  const char *why, struct pl_err *err)
{
    return settle_part(eng, items, n, n, rc, why, err);
}

/* Has the partition's slice, begun at t0_ns, run out? */
static bool slice_over(const struct pl_rules *eng, int64_t t0_ns)
{
    return eng->slice_ms < 0 || pl_mono_ns() - t0_ns >= (int64_t)eng->slice_ms * 1000000;
}

/* Handles the claimed rules.ci_recorded rows of one partition: items[0..n), as many as its slice
 * allows (at least one). */
static int ci_partition(struct pl_rules *eng, struct pl_outbox_item *items, size_t n,
                        struct pl_err *err)
{
    const char *account = items[0].account, *region = items[0].region;
    size_t first, nr;
    int rc = 0;
    partition_rules(eng, account, region, &first, &nr);
    bool any = false;
    for (size_t i = first; i < first + nr; i++)
        any |= eng->rules[i]->change;
    int on = any ? recorder_on(eng, account, region, err) : 0;
    size_t done = n;
    if (on < 0)
        return -1;
    if (on) {
        struct pl_run run;
        struct pl_arena pa;
        int64_t t0 = pl_mono_ns();
        run_init(eng, &run, account, region);
        pl_arena_init(&pa);
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (i > 0 && slice_over(eng, t0)) {
                done = i;
                break;
            }
            struct pl_err e2 = {0};
            struct pl_json *p = pl_json_parse(&pa, items[i].payload, items[i].len, &e2);
            int64_t seq;
            const char *type = pl_json_get_str(p, "resourceType");
            if (!p || pl_json_i64(pl_json_get(p, "seq"), &seq) < 0)
                continue;
            if (type && strcmp(type, PL_RULES_RC_TYPE) == 0)
                continue;
            rc = on_ci(eng, &run, first, nr, seq, err);
            pl_arena_reset(&run.scratch);
        }
        pl_arena_fini(&pa);
        rc = run_finish(&run, rc, err);
    }
    if (rc < 0) { /* logged and retried later; the other partitions go on */
        PL_LOG(WARN, "rules", "account=%s region=%s changes err=\"%s\"", account, region, err->msg);
        char why[256];
        pl_strlcpy(why, err->msg, sizeof why);
        pl_err_clear(err);
        return settle(eng, items, n, -1, why, err);
    }
    return settle_part(eng, items, n, done, 0, NULL, err);
}

static int by_partition(const void *a, const void *b)
{
    const struct pl_outbox_item *x = a, *y = b;
    int c = strcmp(x->account, y->account);
    if (!c)
        c = strcmp(x->region, y->region);
    return c ? c : (x->id < y->id ? -1 : x->id > y->id);
}

static int tick_changes(struct pl_rules *eng, struct pl_err *err)
{
    struct pl_arena a;
    struct pl_outbox_item *items;
    size_t n;
    pl_arena_init(&a);
    int rc = pl_store_outbox_claim(eng->st, PL_OUTBOX_CI_RECORDED, eng->batch, LEASE_MS, &a, &items,
                                   &n, err);
    if (rc == 0 && n) {
        qsort(items, n, sizeof *items, by_partition);
        size_t start = 0;
        for (size_t i = 1; i <= n && rc == 0; i++) {
            if (i < n && !strcmp(items[i].account, items[start].account) &&
                !strcmp(items[i].region, items[start].region))
                continue;
            rc = ci_partition(eng, items + start, i - start, err);
            start = i;
        }
    }
    pl_arena_fini(&a);
    return rc < 0 ? -1 : (int)n;
}

/* ---- rules.evaluate ---- */

/* Clears the "evaluation running" mark of a rule (StartConfigRulesEvaluation). */
static int clear_running(struct pl_rules *eng, const struct pl_rule *r, struct pl_err *err)
{
    struct pl_arena a;
    struct pl_ev_status st;
    pl_arena_init(&a);
    int rc = pl_store_rule_status_get(eng->st, r->account, r->region, r->name, &a, &st, err);
    if (rc == 1 && st.running_since) {
        st.running_since = 0;
        rc = pl_store_rule_status_put(eng->st, r->account, r->region, r->name, &st, err);
    }
    pl_arena_fini(&a);
    return rc < 0 ? -1 : 0;
}

/* Adds the rules named by one rules.evaluate row to sel[0..*n) (each rule once). */
static void select_rules(struct pl_rules *eng, const struct pl_outbox_item *it, size_t first,
                         size_t nr, struct pl_arena *a, struct pl_rule **sel, size_t *n)
{
    struct pl_err e2 = {0};
    struct pl_json *p = pl_json_parse(a, it->payload, it->len, &e2);
    const struct pl_json *names = pl_json_get(p, "rules");
    for (const struct pl_json *nm = names ? names->child : NULL; nm; nm = nm->next) {
        for (size_t i = first; nm->type == PL_JSTR && i < first + nr; i++) {
            if (strcmp(eng->rules[i]->name, nm->str) != 0)
                continue;
            bool dup = false;
            for (size_t k = 0; k < *n && !dup; k++)
                dup = sel[k] == eng->rules[i];
            if (!dup)
                sel[(*n)++] = eng->rules[i];
        }
    }
}

/* Runs the rules of the claimed rules.evaluate rows items[0..n) of one partition as one full
 * run: each current resource is read once and gets at most one new ResourceCompliance CI,
 * however many rules were put or started together. */
static int on_evaluate(struct pl_rules *eng, const struct pl_outbox_item *items, size_t n,
                       struct pl_err *err)
{
    struct pl_arena a;
    size_t first, nr, nsel = 0;
    int rc = 0;
    pl_arena_init(&a);
    partition_rules(eng, items[0].account, items[0].region, &first, &nr);
    struct pl_rule **sel = pl_arena_alloc(&a, (nr + 1) * sizeof *sel);
    for (size_t i = 0; i < n; i++)
        select_rules(eng, &items[i], first, nr, &a, sel, &nsel);
    int64_t started = pl_now_ms(); /* the schedule counts from the run's start */
    if (nsel)
        rc = run_full(eng, items[0].account, items[0].region, sel, nsel, err);
    for (size_t i = 0; i < nsel && rc == 0; i++) {
        rc = clear_running(eng, sel[i], err);
        if (rc == 0 && sel[i]->periodic)
            rc = pl_rules__sched_mark(eng, sel[i], started, err);
    }
    pl_arena_fini(&a);
    return rc;
}

/* Moves the items of items[0]'s partition to the front; returns how many there are. */
static size_t group_partition(struct pl_outbox_item *items, size_t n)
{
    size_t k = 1;
    for (size_t i = 1; i < n; i++) {
        if (strcmp(items[i].account, items[0].account) != 0 ||
            strcmp(items[i].region, items[0].region) != 0)
            continue;
        struct pl_outbox_item t = items[k];
        items[k++] = items[i];
        items[i] = t;
    }
    return k;
}

static int tick_evaluate(struct pl_rules *eng, struct pl_err *err)
{
    struct pl_arena a;
    struct pl_outbox_item *items;
    size_t n;
    pl_arena_init(&a);
    int rc = pl_store_outbox_claim(eng->st, PL_OUTBOX_RULES_EVALUATE, 64, LEASE_MS * 10, &a, &items,
                                   &n, err);
    /* A row and the rule it names commit together, but pl_rules_changed() comes after that
     * commit: a row claimed between the commit and the next reload would name a rule not
     * loaded yet and be completed without running. Reload now that the rows are visible. */
    if (rc == 0 && n) {
        eng->loaded_gen = -1;
        rc = reload(eng, err);
    }
    for (size_t i = 0; rc == 0 && i < n;) {
        struct pl_err e2 = {0};
        size_t k = group_partition(items + i, n - i);
        int r = on_evaluate(eng, items + i, k, &e2);
        if (r < 0)
            PL_LOG(WARN, "rules", "evaluate rules=%s err=\"%s\"", items[i].payload, e2.msg);
        rc = settle(eng, items + i, k, r, r < 0 ? e2.msg : NULL, err);
        i += k;
    }
    pl_arena_fini(&a);
    return rc < 0 ? -1 : (int)n;
}

/* ---- the worker ---- */

/* Housekeeping, once every PL_RULES_TOKEN_PRUNE_MS of plumb's clock: drops expired result
 * tokens, rotates the function logs (functions.h) and drops the outbox rows finished more
 * than PL_RULES_OUTBOX_KEEP_MS ago. */
static int prune_tokens(struct pl_rules *eng, struct pl_err *err)
{
    int64_t now = pl_now_ms();
    if (eng->tokens_pruned && now - eng->tokens_pruned < PL_RULES_TOKEN_PRUNE_MS &&
        now >= eng->tokens_pruned)
        return 0;
    eng->tokens_pruned = now;
    if (pl_store_token_prune(eng->st, now - PL_RULES_TOKEN_TTL_MS, err) < 0 ||
        pl_store_fnlog_prune(eng->st, now - PL_FN_LOG_KEEP_MS, PL_FN_LOG_KEEP, err) < 0)
        return -1;
    return pl_store_outbox_prune(eng->st, now - PL_RULES_OUTBOX_KEEP_MS, NULL, err);
}

/* Periodic rules run in one process of those sharing the store (store.h): whether this one
 * leads them, asked at most once a second. 1, 0 or -1 with err. */
static int leads_schedules(struct pl_rules *eng, struct pl_err *err)
{
    int64_t now = mono_ms();
    if (eng->lead_asked && now - eng->lead_asked < 1000)
        return eng->leads;
    int r = pl_store_lead(eng->st, PL_STORE_JOB_SCHEDULES, err);
    if (r < 0)
        return -1;
    eng->lead_asked = now;
    eng->leads = r;
    return r;
}

/* The scheduler's pl_sched_run_fn: a full run of periodic rule r. */
static int run_periodic(struct pl_rules *eng, struct pl_rule *r, struct pl_err *err)
{
    return run_full(eng, r->account, r->region, &r, 1, err);
}

int pl_rules_tick(struct pl_rules *eng, struct pl_err *err)
{
    if (reload(eng, err) < 0 || prune_tokens(eng, err) < 0)
        return -1;
    int a = tick_changes(eng, err);
    if (a < 0)
        return -1;
    int b = tick_evaluate(eng, err);
    if (b < 0)
        return -1;
    int c = leads_schedules(eng, err);
    if (c > 0)
        c = pl_rules__sched_run_due(eng, run_periodic, err);
    if (c < 0)
        return -1;
    return a + b + c;
}

static void *worker(void *arg)
{
    struct pl_rules *eng = arg;
    pthread_mutex_lock(&eng->mu);
    while (!eng->stop) {
        eng->kicked = false;
        pthread_mutex_unlock(&eng->mu);
        struct pl_err err = {0};
        int n = pl_rules_tick(eng, &err);
        if (n < 0)
            PL_LOG(WARN, "rules", "tick err=%s msg=\"%s\"", pl_err_name(err.code), err.msg);
        pthread_mutex_lock(&eng->mu);
        if (n > 0 || eng->kicked || eng->stop)
            continue;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (int64_t)eng->tick_ms * 1000000;
        ts.tv_sec += ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&eng->cv, &eng->mu, &ts);
    }
    pthread_mutex_unlock(&eng->mu);
    return NULL;
}

/* The outbox listener: committed work for the engine. */
static void wake(void *arg)
{
    pl_rules_kick(arg);
}

static char *dup_or_null(const char *s)
{
    return s ? pl_xstrdup(s) : NULL;
}

struct pl_rules *pl_rules_start(const struct pl_rules_options *o, struct pl_err *err)
{
    if (!o || !o->store_spec)
        return pl_fail(err, PL_E_VALIDATION, "rules: no store"), NULL;
    struct pl_rules *eng = pl_xcalloc(1, sizeof *eng);
    eng->spec = pl_xstrdup(o->store_spec);
    eng->endpoint_url = dup_or_null(o->endpoint_url);
    eng->access_key = dup_or_null(o->access_key);
    eng->secret_key = dup_or_null(o->secret_key);
    if (o->session_master) {
        eng->master = *o->session_master;
        eng->sessions = true;
    }
    eng->tick_ms = o->tick_ms > 0 ? o->tick_ms : 10;
    eng->batch = o->batch > 0 ? o->batch : 512;
    eng->slice_ms = o->slice_ms ? o->slice_ms : PL_RULES_SLICE_MS;
    eng->no_thread = o->no_thread;
    pthread_mutex_init(&eng->mu, NULL);
    pthread_cond_init(&eng->cv, NULL);
    atomic_init(&eng->gen, 1);
    /* the engine writes results and compliance CIs in bulk: checkpoints on their own threads */
    if (pl_store_open(eng->spec, PL_STORE_BG_CHECKPOINT, &eng->st, err) < 0 ||
        pl_store_pool_open(eng->spec, &eng->pool, err) < 0)
        goto fail;
    if (eng->endpoint_url && pl_fn_runner_new(NULL, &eng->runner, err) < 0)
        goto fail;
    if (!eng->no_thread) {
        if (pthread_create(&eng->thread, NULL, worker, eng) != 0) {
            pl_fail(err, PL_E_INTERNAL, "rules: cannot start the worker thread");
            goto fail;
        }
        eng->started = true;
        /* work committed in this process wakes the worker at once; other processes' (plumb
         * record --data) is found by the tick_ms poll */
        eng->listener = pl_store_outbox_listen(
            eng->st, 1u << PL_OUTBOX_CI_RECORDED | 1u << PL_OUTBOX_RULES_EVALUATE, wake, eng);
    }
    return eng;
fail:
    pl_rules_stop(eng);
    return NULL;
}

void pl_rules_stop(struct pl_rules *eng)
{
    if (!eng)
        return;
    pl_store_outbox_unlisten(eng->listener);
    if (eng->started) {
        pthread_mutex_lock(&eng->mu);
        eng->stop = true;
        pthread_cond_signal(&eng->cv);
        pthread_mutex_unlock(&eng->mu);
        pthread_join(eng->thread, NULL);
    }
    pl_fn_runner_free(eng->runner); /* its callbacks use the pool */
    free_rules(eng);
    pl_store_pool_close(eng->pool);
    pl_store_close(eng->st);
    pthread_cond_destroy(&eng->cv);
    pthread_mutex_destroy(&eng->mu);
    free(eng->spec);
    free(eng->endpoint_url);
    free(eng->access_key);
    free(eng->secret_key);
    free(eng);
}

void pl_rules_kick(struct pl_rules *eng)
{
    if (!eng || !eng->started)
        return;
    pthread_mutex_lock(&eng->mu);
    eng->kicked = true;
    pthread_cond_signal(&eng->cv);
    pthread_mutex_unlock(&eng->mu);
}

void pl_rules_function_changed(struct pl_rules *eng, const char *account, const char *region,
                               const char *name)
{
    if (eng)
        pl_fn_runner_forget(eng->runner, account, region, name);
}

void pl_rules_changed(struct pl_rules *eng)
{
    if (!eng)
        return;
    atomic_fetch_add(&eng->gen, 1);
    pl_rules_kick(eng);
}
