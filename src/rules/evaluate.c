/* evaluate.c — running rules: one CI against one rule (change trigger), and full runs of a set
 * of rules over every current resource in scope (new/updated rule, StartConfigRulesEvaluation,
 * periodic schedule).
 *
 * Evaluators: managed (pl_managed_evaluate / _all), Guard custom policies (guard_eval_ci:
 * PASS/FAIL/SKIP -> COMPLIANT/NON_COMPLIANT/NOT_APPLICABLE), Lambda-style functions (an event
 * is sent; results come back through PutEvaluations) and process checks (never evaluated).
 * An identifier plumb does not implement yields no result and an evaluation status that says
 * so; plumb never invents a result.
 *
 * Ordering timestamps: the CI's capture time for change triggers, the run time for periodic
 * and on-demand runs of periodic rules.
 *
 * Calls go one way: this file calls lambda.c (to queue invocations) and status.c; lambda.c
 * calls status.c, never this file.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/time.h"
#include "guard/guard.h"
#include "recorder/recorder.h"
#include "rules/rules_int.h"

#define STATUS_EVERY_MS 1000 /* change triggers refresh a rule's success status at most 1/s */

static enum pl_ev_comp from_managed(enum pl_compliance c)
{
    switch (c) {
    case PL_COMPLIANT:
        return PL_EV_COMPLIANT;
    case PL_NON_COMPLIANT:
        return PL_EV_NON_COMPLIANT;
    case PL_NOT_APPLICABLE:
        return PL_EV_NOT_APPLICABLE;
    default:
        return PL_EV_INSUFFICIENT_DATA;
    }
}

/* The reason a managed rule cannot run, or NULL. */
static const char *not_implemented(const struct pl_rule *r, struct pl_run *run)
{
    if (r->owner != PL_OWNER_AWS || r->process_check)
        return NULL;
    if (r->mr && r->mp && pl_managed_implemented(r->mr))
        return NULL;
    return pl_arena_printf(&run->scratch, "plumb does not implement %s yet",
                           r->source_id ? r->source_id : "this identifier");
}

/* Records an evaluation failure in the status (the run goes on). */
static int record_failure(struct pl_run *run, const struct pl_rule *r, const char *code,
                          const char *msg, struct pl_err *err)
{
    PL_LOG(DEBUG, "rules", "rule=%s code=%s msg=\"%s\"", r->name, code, msg);
    return pl_rules__eval_status(run->st, r, run->now, r->owner == PL_OWNER_LAMBDA, code, msg, err);
}

/* The invokingEvent of a change notification for one CI. */
static struct pl_json *change_event(struct pl_run *run, const struct pl_ci_row *row,
                                    const struct pl_json *ci)
{
    struct pl_arena *a = &run->scratch;
    char t[40];
    struct pl_json *ie = pl_json_new_obj(a);
    struct pl_err e2 = {0};
    struct pl_json *diff = NULL;
    if (row->diff)
        diff = pl_json_parse(a, row->diff, row->diff_len, &e2);
    pl_json_set(a, ie, "configurationItemDiff", diff ? diff : pl_json_new_null(a));
    pl_json_set(a, ie, "configurationItem", pl_json_clone(a, ci));
    pl_json_set_str(a, ie, "notificationCreationTime", pl_time_iso8601_ms(run->now, t));
    pl_json_set_str(a, ie, "messageType", "ConfigurationItemChangeNotification");
    pl_json_set_str(a, ie, "recordVersion", "1.3");
    return ie;
}

/* Evaluates one in-scope CI (or reports left scope) with r's evaluator. */
static int run_one(struct pl_run *run, struct pl_rule *r, const struct pl_ci_row *row,
                   const struct pl_json *ci, int64_t ordering, bool left, struct pl_err *err)
{
    struct pl_err e2 = {0};
    if (r->owner == PL_OWNER_LAMBDA) {
        struct pl_json *ie = change_event(run, row, ci);
        if (pl_rules__lambda_invoke(run, r, ie, left, &e2) < 0)
            return record_failure(run, r, pl_err_name(e2.code), e2.msg, err);
        return 0;
    }
    if (left)
        return pl_rules__sink_put(run->sink, r, row->resource_type, row->resource_id,
                                  PL_EV_NOT_APPLICABLE, NULL, ordering, run->now, NULL, err);
    if (r->owner == PL_OWNER_POLICY) {
        struct guard_verdict v;
        if (guard_eval_ci(r->guard, ci, &v, &e2) < 0)
            return record_failure(run, r, "PolicyEvaluationError", e2.msg, err);
        enum pl_ev_comp c = v.status == GUARD_PASS   ? PL_EV_COMPLIANT
                            : v.status == GUARD_FAIL ? PL_EV_NON_COMPLIANT
                                                     : PL_EV_NOT_APPLICABLE;
        return pl_rules__sink_put(run->sink, r, row->resource_type, row->resource_id, c,
                                  v.status == GUARD_FAIL ? v.annotation : NULL, ordering, run->now,
                                  NULL, err);
    }
    if (r->process_check)
        return 0;
    const char *ni = not_implemented(r, run);
    if (ni)
        return record_failure(run, r, "NotImplemented", ni, err);
    struct pl_managed_env env;
    struct pl_managed_eval ev;
    pl_rules__env_init(&env, run);
    if (pl_managed_evaluate(r->mp, ci, &env, &run->scratch, &ev, &e2) < 0)
        return record_failure(run, r, pl_err_name(e2.code), e2.msg, err);
    if (ev.compliance == PL_INSUFFICIENT_DATA)
        return 0;
    return pl_rules__sink_put(run->sink, r, ev.resource_type, ev.resource_id,
                              from_managed(ev.compliance), ev.annotation, ordering, run->now, NULL,
                              err);
}

/* Marks a successful evaluation in r's status, at most once a second per rule. */
static int touch_status(struct pl_run *run, struct pl_rule *r, struct pl_err *err)
{
    if (r->status_ms && r->status_ms + STATUS_EVERY_MS > run->now)
        return 0;
    r->status_ms = run->now;
    return pl_rules__eval_status(run->st, r, run->now, true, NULL, NULL, err);
}

/* A deleted resource: its result becomes NOT_APPLICABLE (plumb's own, for every evaluator),
 * and a Lambda-style rule that had a result for it or whose scope covers it is sent the
 * ResourceDeleted change notification, as AWS does (what it answers for the resource is stored
 * as NOT_APPLICABLE: ops.c). */
static int on_deleted(struct pl_run *run, struct pl_rule *r, const struct pl_ci_row *row,
                      const struct pl_json *ci, const struct pl_ev_row *prev, struct pl_err *err)
{
    bool tell = r->owner == PL_OWNER_LAMBDA &&
                (prev || pl_rules__rule_in_scope(r, row->resource_type, row->resource_id,
                                                 pl_json_get(ci, "tags")));
    if (tell && run_one(run, r, row, ci, row->capture_ms, false, err) < 0)
        return -1;
    if (!prev)
        return 0;
    return pl_rules__sink_put(run->sink, r, row->resource_type, row->resource_id,
                              PL_EV_NOT_APPLICABLE, NULL, row->capture_ms, run->now, NULL, err);
}

int pl_rules__eval_ci(struct pl_run *run, struct pl_rule *r, const struct pl_ci_row *row,
                      const struct pl_json *ci, const struct pl_ev_row *prev, struct pl_err *err)
{
    bool applicable = prev && prev->comp != PL_EV_NOT_APPLICABLE;
    if (r->owner == PL_OWNER_AWS && r->mr && r->mr->account_level)
        return 0; /* account-level rules judge the account on their schedule */
    if (pl_ci_status_deleted(row->status))
        return on_deleted(run, r, row, ci, prev, err);
    bool in =
        pl_rules__rule_in_scope(r, row->resource_type, row->resource_id, pl_json_get(ci, "tags"));
    if (!in && !applicable)
        return 0;
    if (run_one(run, r, row, ci, row->capture_ms, !in, err) < 0)
        return -1;
    if (r->owner == PL_OWNER_LAMBDA)
        return 0; /* only queued: the status follows the invocation and its PutEvaluations */
    return touch_status(run, r, err);
}

/* ---- full runs ---- */

struct full {
    struct pl_run *run;
    struct pl_rule *const *rules;
    size_t n;
    bool *active; /* rules[i] takes part in the per-resource walk */
};

/* Runs every active rule on one current resource's latest CI (its rendered form ci). */
static int full_resource(void *u, const struct pl_ci_row *row, const struct pl_json *ci,
                         struct pl_err *err)
{
    struct full *f = u;
    struct pl_run *run = f->run;
    int r = 0;
    const struct pl_json *tags = pl_json_get(ci, "tags");
    for (size_t i = 0; i < f->n && r >= 0; i++) {
        struct pl_rule *rule = f->rules[i];
        if (!f->active[i] ||
            !pl_rules__rule_in_scope(rule, row->resource_type, row->resource_id, tags))
            continue;
        int64_t ordering = rule->periodic && !rule->change ? run->now : row->capture_ms;
        r = run_one(run, rule, row, ci, ordering, false, err);
    }
    pl_arena_reset(&run->scratch);
    return r < 0 ? -1 : 0;
}

/* The resource types the active rules need: their scopes, or every recorded type. */
static int full_types(struct full *f, struct pl_arena *a, const char ***types, size_t *n,
                      struct pl_err *err)
{
    bool all = false;
    size_t cap = 0;
    *types = NULL;
    *n = 0;
    for (size_t i = 0; i < f->n; i++)
        if (f->active[i] && !f->rules[i]->ntypes)
            all = true;
    if (all) {
        struct pl_type_count *tc;
        size_t nt;
        int64_t total;
        char *next;
        if (pl_store_resource_counts(f->run->st, f->run->account, f->run->region, NULL, 0, 100000,
                                     NULL, a, &tc, &nt, &total, &next, err) < 0)
            return -1;
        *types = pl_arena_alloc(a, (nt + 1) * sizeof **types);
        for (size_t i = 0; i < nt; i++)
            (*types)[(*n)++] = tc[i].resource_type;
        return 0;
    }
    for (size_t i = 0; i < f->n; i++)
        cap += f->active[i] ? f->rules[i]->ntypes : 0;
    *types = pl_arena_alloc(a, (cap + 1) * sizeof **types);
    for (size_t i = 0; i < f->n; i++) {
        for (size_t k = 0; f->active[i] && k < f->rules[i]->ntypes; k++) {
            const char *t = f->rules[i]->types[k];
            bool dup = false;
            for (size_t j = 0; j < *n && !dup; j++)
                dup = strcmp((*types)[j], t) == 0;
            if (!dup)
                (*types)[(*n)++] = t;
        }
    }
    return 0;
}

struct emit_ctx {
    struct pl_run *run;
    struct pl_rule *rule;
    struct pl_err *err;
};

static int emit_result(void *u, const struct pl_managed_eval *ev)
{
    struct emit_ctx *e = u;
    if (ev->compliance == PL_INSUFFICIENT_DATA)
        return 0;
    return pl_rules__sink_put(e->run->sink, e->rule, ev->resource_type, ev->resource_id,
                              from_managed(ev->compliance), ev->annotation, e->run->now,
                              e->run->now, NULL, e->err) < 0;
}

/* Rules judged as a whole (account-level managed rules, periodic Lambda functions). */
static int run_whole(struct pl_run *run, struct pl_rule *r, struct pl_err *err)
{
    struct pl_err e2 = {0};
    if (r->owner == PL_OWNER_LAMBDA) {
        char t[40];
        struct pl_json *ie = pl_json_new_obj(&run->scratch);
        pl_json_set_str(&run->scratch, ie, "awsAccountId", run->account);
        pl_json_set_str(&run->scratch, ie, "notificationCreationTime",
                        pl_time_iso8601_ms(run->now, t));
        pl_json_set_str(&run->scratch, ie, "messageType", "ScheduledNotification");
        pl_json_set_str(&run->scratch, ie, "recordVersion", "1.0");
        if (pl_rules__lambda_invoke(run, r, ie, false, &e2) < 0)
            return record_failure(run, r, pl_err_name(e2.code), e2.msg, err);
        return 0; /* the status follows the invocation and its PutEvaluations */
    }
    struct pl_managed_env env;
    struct emit_ctx ec = {run, r, err};
    pl_rules__env_init(&env, run);
    if (pl_managed_evaluate_all(r->mp, &env, &run->scratch, emit_result, &ec, &e2) < 0) {
        if (err->code)
            return -1;
        return record_failure(run, r, pl_err_name(e2.code), e2.msg, err);
    }
    return pl_rules__eval_status(run->st, r, run->now, true, NULL, NULL, err);
}

/* Is the resource of a stored result gone from r's scope (deleted, or no longer matching)?
 * Loads the CI only for tag scopes. 1 gone, 0 not, -1 error. */
static int left_scope(struct pl_run *run, struct pl_rule *r, const struct pl_ev_row *res,
                      struct pl_arena *a, struct pl_err *err)
{
    struct pl_resource rs;
    int f = pl_store_resource_get(run->st, run->account, run->region, res->resource_type,
                                  res->resource_id, a, &rs, err);
    if (f <= 0)
        return f < 0 ? -1 : 1;
    if (rs.deleted || !pl_rules__rule_type_in_scope(r, res->resource_type) ||
        (r->scope_id && strcmp(r->scope_id, res->resource_id) != 0))
        return 1;
    if (!r->tag_key)
        return 0;
    struct pl_ci_row row;
    if (pl_store_ci_get(run->st, rs.latest_seq, a, &row, err) <= 0)
        return -1;
    struct pl_json *ci = pl_ci_render_file(a, &row, err);
    if (!ci)
        return -1;
    return !pl_rules__rule_in_scope(r, row.resource_type, row.resource_id, pl_json_get(ci, "tags"));
}

/* After a full run: results of r that this run did not write (invoked_ms != run->now) about
 * resources now deleted or out of scope become NOT_APPLICABLE. */
static int sweep(struct pl_run *run, struct pl_rule *r, struct pl_err *err)
{
    struct pl_arena a;
    struct pl_ev_query q = {.account = run->account,
                            .region = run->region,
                            .rule = r->name,
                            .comps = (1u << PL_EV_COMPLIANT) | (1u << PL_EV_NON_COMPLIANT),
                            .limit = 1000};
    int rc = 0;
    bool more = true;
    pl_arena_init(&a);
    while (rc == 0 && more) {
        struct pl_ev_row *rows;
        size_t n;
        if ((rc = pl_store_eval_list(run->st, &q, &a, &rows, &n, &more, err)) < 0)
            break;
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (rows[i].invoked_ms == run->now)
                continue;
            int gone = left_scope(run, r, &rows[i], &a, err);
            if (gone < 0)
                rc = -1;
            else if (gone)
                rc = pl_rules__sink_put(run->sink, r, rows[i].resource_type, rows[i].resource_id,
                                        PL_EV_NOT_APPLICABLE, NULL, run->now, run->now, NULL, err);
        }
        if (n) {
            q.after_type = pl_arena_strdup(&a, rows[n - 1].resource_type);
            q.after_id = pl_arena_strdup(&a, rows[n - 1].resource_id);
        }
    }
    pl_arena_fini(&a);
    return rc;
}

int pl_rules__eval_full(struct pl_run *run, struct pl_rule *const *rules, size_t n,
                        struct pl_err *err)
{
    struct pl_arena a;
    struct full f = {run, rules, n, NULL};
    const char **types = NULL;
    size_t ntypes = 0;
    int rc = 0;
    bool any = false;
    pl_arena_init(&a);
    f.active = pl_arena_alloc(&a, (n + 1) * sizeof *f.active);
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct pl_rule *r = rules[i];
        const char *ni = not_implemented(r, run);
        if (r->process_check || !r->detective)
            continue;
        if (ni)
            rc = record_failure(run, r, "NotImplemented", ni, err);
        else if ((r->owner == PL_OWNER_AWS && r->mr->account_level) ||
                 (r->owner == PL_OWNER_LAMBDA && r->periodic && !r->change))
            rc = run_whole(run, r, err);
        else
            any = f.active[i] = true;
        if (rc == 0 && f.active[i])
            rc = pl_rules__sink_preload_rule(run->sink, r->name, err);
    }
    if (rc == 0 && any && full_types(&f, &a, &types, &ntypes, err) < 0)
        rc = -1;
    if (rc == 0 && any && ntypes)
        rc = pl_rules__run_each_current_rendered(run, types, ntypes, full_resource, &f, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (f.active[i]) {
            rc = sweep(run, rules[i], err);
            if (rc == 0 && rules[i]->owner != PL_OWNER_LAMBDA)
                rc = pl_rules__eval_status(run->st, rules[i], run->now, true, NULL, NULL, err);
        }
    pl_arena_fini(&a);
    return rc;
}
