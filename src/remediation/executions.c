/* executions.c — a resource's latest remediation execution: queued by StartRemediationExecution
 * (with its outbox item, in the caller's transaction) and rendered in AWS's
 * RemediationExecutionStatus shape. The worker (worker.c) moves it through IN_PROGRESS to
 * SUCCEEDED or FAILED.
 *
 * Stored shape (plumb's own): {ConfigRuleName, ResourceType, ResourceId, State, Steps: [{Name,
 * State, ErrorMessage, StartMs, StopMs}], InvocationMs, UpdatedMs, Item (outbox id of the
 * request being worked on), Auto, Attempts (attempts run for Item), Running (the attempt
 * marked started and not finished, 0 none)}. */
#include "remediation/remediation.h"

#include "core/time.h"
#include "store/evals.h"
#include "store/store.h"

#include <string.h>

bool pl_rem_execution_busy(const struct pl_json *stored)
{
    const char *s = pl_json_get_str(stored, "State");
    return s && (strcmp(s, "QUEUED") == 0 || strcmp(s, "IN_PROGRESS") == 0);
}

int pl_rem_start(struct pl_store *st, const char *account, const char *region, const char *rule,
                 const char *type, const char *id, const struct pl_rem_batch *batch,
                 struct pl_arena *a, const char **why, struct pl_err *err)
{
    int64_t now = pl_now_ms();
    *why = NULL;
    int ex = pl_rem_exception_active(st, account, region, rule, type, id, now, err);
    if (ex < 0)
        return -1;
    if (ex) {
        *why = "The resource has a remediation exception.";
        return 0;
    }
    const char *key = pl_rem_key(a, rule, type, id);
    struct pl_obj o;
    int found = pl_store_obj_get(st, account, region, PL_REM_KIND_EXECUTION, key, a, &o, err);
    if (found < 0)
        return -1;
    if (found) {
        struct pl_json *old = pl_json_parse(a, o.json, o.len, err);
        if (!old)
            return -1;
        if (pl_rem_execution_busy(old)) {
            *why = "A remediation execution of the resource is already queued or in progress.";
            return 0;
        }
    }
    struct pl_json *p = pl_json_new_obj(a);
    pl_json_set_str(a, p, "rule", rule);
    pl_json_set_str(a, p, "type", type);
    pl_json_set_str(a, p, "id", id);
    pl_json_set_bool(a, p, "auto", false);
    if (batch)
        pl_json_set_str(a, p, "batch", batch->name);
    const char *ptext = pl_json_dump(a, p, PL_JSON_COMPACT);
    int64_t item;
    if (pl_store_outbox_add(st, account, region, PL_OUTBOX_REMEDIATION_EXECUTE, ptext,
                            strlen(ptext), &item, err) < 0)
        return -1;
    struct pl_json *e = pl_json_new_obj(a);
    pl_json_set_str(a, e, "ConfigRuleName", rule);
    pl_json_set_str(a, e, "ResourceType", type);
    pl_json_set_str(a, e, "ResourceId", id);
    pl_json_set_str(a, e, "State", "QUEUED");
    pl_json_set(a, e, "Steps", pl_json_new_arr(a));
    pl_json_set_i64(a, e, "InvocationMs", now);
    pl_json_set_i64(a, e, "UpdatedMs", now);
    pl_json_set_i64(a, e, "Item", item);
    pl_json_set_bool(a, e, "Auto", false);
    pl_json_set_i64(a, e, "Attempts", 0);
    pl_json_set_i64(a, e, "Running", 0);
    const char *etext = pl_json_dump(a, e, PL_JSON_COMPACT);
    if (pl_store_obj_put(st, account, region, PL_REM_KIND_EXECUTION, key, etext, strlen(etext),
                         err) < 0)
        return -1;
    return 1;
}

static void set_time(struct pl_arena *a, struct pl_json *o, const char *key,
                     const struct pl_json *from, const char *from_key)
{
    int64_t ms;
    if (pl_json_i64(pl_json_get(from, from_key), &ms) == 0 && ms > 0)
        pl_json_set(a, o, key, pl_json_new_epoch_ms(a, ms));
}

struct pl_json *pl_rem_execution_render(struct pl_arena *a, const struct pl_json *stored)
{
    struct pl_json *o = pl_json_new_obj(a);
    struct pl_json *k = pl_json_set(a, o, "ResourceKey", pl_json_new_obj(a));
    pl_json_set_str(a, k, "resourceType", pl_json_get_str(stored, "ResourceType"));
    pl_json_set_str(a, k, "resourceId", pl_json_get_str(stored, "ResourceId"));
    const char *state = pl_json_get_str(stored, "State");
    pl_json_set_str(a, o, "State", state ? state : "UNKNOWN");
    struct pl_json *steps = pl_json_set(a, o, "StepDetails", pl_json_new_arr(a));
    const struct pl_json *in = pl_json_get(stored, "Steps");
    for (const struct pl_json *s = in && in->type == PL_JARR ? in->child : NULL; s; s = s->next) {
        struct pl_json *d = pl_json_push(steps, pl_json_new_obj(a));
        const char *name = pl_json_get_str(s, "Name"), *st = pl_json_get_str(s, "State");
        const char *msg = pl_json_get_str(s, "ErrorMessage");
        pl_json_set_str(a, d, "Name", name ? name : "");
        pl_json_set_str(a, d, "State", st ? st : "UNKNOWN");
        if (msg)
            pl_json_set_str(a, d, "ErrorMessage", msg);
        set_time(a, d, "StartTime", s, "StartMs");
        set_time(a, d, "StopTime", s, "StopMs");
    }
    set_time(a, o, "InvocationTime", stored, "InvocationMs");
    set_time(a, o, "LastUpdatedTime", stored, "UpdatedMs");
    return o;
}

int pl_rem_queue_noncompliant(struct pl_store *st, const char *account, const char *region,
                              const char *rule, const char *type, int64_t *queued,
                              struct pl_err *err)
{
    struct pl_ev_query q = {.account = account,
                            .region = region,
                            .rule = rule,
                            .comps = 1u << PL_EV_NON_COMPLIANT,
                            .limit = 500};
    struct pl_arena a, cur;
    bool more = true;
    int rc = 0;
    *queued = 0;
    pl_arena_init(&a);
    pl_arena_init(&cur);
    while (more && rc == 0) {
        struct pl_ev_row *rows;
        size_t n;
        pl_arena_reset(&a);
        if (pl_store_eval_list(st, &q, &a, &rows, &n, &more, err) < 0) {
            rc = -1;
            break;
        }
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (type && *type && strcmp(type, rows[i].resource_type) != 0)
                continue;
            struct pl_json *p = pl_json_new_obj(&a);
            pl_json_set_str(&a, p, "rule", rule);
            pl_json_set_str(&a, p, "type", rows[i].resource_type);
            pl_json_set_str(&a, p, "id", rows[i].resource_id);
            pl_json_set_bool(&a, p, "auto", true);
            const char *text = pl_json_dump(&a, p, PL_JSON_COMPACT);
            rc = pl_store_outbox_add(st, account, region, PL_OUTBOX_REMEDIATION_EXECUTE, text,
                                     strlen(text), NULL, err);
            *queued += rc == 0;
        }
        if (n) { /* the cursor outlives the page's arena (cur grows by one key a page) */
            q.after_rule = pl_arena_strdup(&cur, rows[n - 1].rule);
            q.after_type = pl_arena_strdup(&cur, rows[n - 1].resource_type);
            q.after_id = pl_arena_strdup(&cur, rows[n - 1].resource_id);
        }
        if (n == 0)
            more = false;
    }
    pl_arena_fini(&a);
    pl_arena_fini(&cur);
    return rc;
}
