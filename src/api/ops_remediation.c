/* ops_remediation.c — the remediation operations (AWS shapes, limits and errors; the model has
 * validated lengths, ranges and enums) and the plumb-only action registry:
 *
 *   PutRemediationConfigurations, DescribeRemediationConfigurations,
 *   DeleteRemediationConfiguration, StartRemediationExecution,
 *   DescribeRemediationExecutionStatus, PutRemediationExceptions,
 *   DescribeRemediationExceptions, DeleteRemediationExceptions
 *   PlumbService.PutAction {ActionName*, Runtime* (python|exec|http), Handler | Command | Url,
 *                Timeout, MemorySize, DryRun} -> {ActionName}   (administrator keys only)
 *   PlumbService.GetAction {ActionName*} -> {Action}, ListActions {} -> {Actions},
 *   DeleteAction {ActionName*}, GetActionLogs {ActionName*, NextToken, Limit} -> {Events,
 *                NextToken} (the shape of GetFunctionLogs)
 *
 * Objects live in remediation/ (remediation.h); paging tokens are the hex of the last object
 * name, checked to belong to the request's rule. */
#include "api/api_int.h"
#include "core/json.h"
#include "core/time.h"
#include "core/util.h"
#include "remediation/remediation.h"
#include "store/evals.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define EXC_PAGE_DEFAULT  25
#define EXEC_PAGE_DEFAULT 100

/* ---- paging over objects named rule\x1f... ---- */

static const char *token_of(struct pl_op_ctx *c, const char *name)
{
    size_t n = strlen(name);
    char *t = pl_arena_alloc(c->a, 2 * n + 1);
    for (size_t i = 0; i < n; i++)
        snprintf(t + 2 * i, 3, "%02x", (unsigned char)name[i]);
    t[2 * n] = '\0';
    return t;
}

/* The object name a NextToken stands for; it must start with prefix. */
static int token_name(struct pl_op_ctx *c, const char *tok, const char *prefix, const char **out)
{
    *out = NULL;
    if (!tok || !*tok)
        return 0;
    size_t n = strlen(tok);
    char *name = pl_arena_alloc(c->a, n / 2 + 1);
    bool ok = n % 2 == 0;
    for (size_t i = 0; ok && i < n / 2; i++) {
        int h = pl_hex_value(tok[2 * i]), l = pl_hex_value(tok[2 * i + 1]);
        ok = h >= 0 && l >= 0;
        name[i] = (char)(h * 16 + l);
    }
    if (!ok)
        return pl_fail(c->err, PL_E_INVALID_NEXT_TOKEN, "The nextToken provided is invalid");
    name[n / 2] = '\0';
    if (strncmp(name, prefix, strlen(prefix)) != 0 || strlen(name) != n / 2)
        return pl_fail(c->err, PL_E_INVALID_NEXT_TOKEN, "The nextToken provided is invalid");
    *out = name;
    return 0;
}

/* Up to limit objects of kind whose names start with "rule\x1f", after the token's name; the
 * rendered ones pushed on arr, out["NextToken"] when more follow. */
static int list_rule_objs(struct pl_op_ctx *c, const char *kind, const char *rule, int limit,
                          struct pl_json *(*render)(struct pl_arena *, const struct pl_json *),
                          struct pl_json *arr)
{
    const char *prefix = pl_arena_printf(c->a, "%s\x1f", rule);
    const char *after;
    if (token_name(c, pl_in_str(c->in, "NextToken"), prefix, &after) < 0)
        return -1;
    if (!after)
        after = prefix;
    int got = 0;
    size_t plen = strlen(prefix);
    for (;;) {
        struct pl_obj *items;
        size_t n;
        if (pl_store_obj_list(c->st, c->account, c->region, kind, after, limit + 1, c->a, &items,
                              &n, c->err) < 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            if (strncmp(items[i].name, prefix, plen) != 0)
                return 0;
            if (got == limit) {
                pl_json_set_str(c->a, c->out, "NextToken", token_of(c, after));
                return 0;
            }
            struct pl_json *j = pl_json_parse(c->a, items[i].json, items[i].len, c->err);
            if (!j)
                return -1;
            pl_json_push(arr, render(c->a, j));
            got++;
            after = items[i].name;
        }
        if ((int)n < limit + 1)
            return 0;
    }
}

/* ---- configurations ---- */

static int no_rule(struct pl_op_ctx *c, const char *rule)
{
    return pl_fail(c->err, PL_E_NO_SUCH_CONFIG_RULE,
                   "The ConfigRule '%.128s' provided in the request is invalid. Please check the "
                   "configRule name.",
                   rule);
}

static int no_config(struct pl_op_ctx *c, const char *rule)
{
    return pl_fail(c->err, PL_E_NO_SUCH_REMEDIATION_CONFIGURATION,
                   "No RemediationConfiguration for rule '%.128s' exists.", rule);
}

static int put_configs(struct pl_op_ctx *c)
{
    const struct pl_json *arr = pl_json_get(c->in, "RemediationConfigurations");
    struct pl_json *failed = pl_json_set(c->a, c->out, "FailedBatches", pl_json_new_arr(c->a));
    struct pl_json *dup_items = pl_json_new_arr(c->a), *owned_items = pl_json_new_arr(c->a);
    if (pl_store_begin(c->st, c->err) < 0)
        return -1;
    for (const struct pl_json *in = arr ? arr->child : NULL; in; in = in->next) {
        const char *rule = pl_json_get_str(in, "ConfigRuleName");
        struct pl_obj ro;
        struct pl_json *cfg = pl_rem_config_normalize(c->a, c->account, c->region, in, c->err);
        if (!cfg)
            return -1;
        int found = pl_store_obj_get(c->st, c->account, c->region, PL_KIND_CONFIG_RULE, rule, c->a,
                                     &ro, c->err);
        if (found <= 0)
            return found < 0 ? -1 : no_rule(c, rule);
        bool dup = false; /* the same rule twice in one request: the later ones fail */
        for (const struct pl_json *p = arr->child; p != in; p = p->next)
            dup = dup || strcmp(pl_json_get_str(p, "ConfigRuleName"), rule) == 0;
        if (dup) {
            pl_json_push(dup_items, pl_json_clone(c->a, in));
            continue;
        }
        struct pl_json *old;
        int had = pl_rem_config_get(c->st, c->account, c->region, rule, c->a, &old, c->err);
        if (had < 0)
            return -1;
        if (had && pl_json_get_str(old, "CreatedByService")) { /* a conformance pack's */
            pl_json_push(owned_items, pl_json_clone(c->a, in));
            continue;
        }
        if (had && pl_json_get_str(old, "Arn")) /* the Arn stays with the rule's remediation */
            pl_json_set_str(c->a, cfg, "Arn", pl_json_get_str(old, "Arn"));
        if (pl_obj_save(c, PL_KIND_REMEDIATION_CONFIG, rule, cfg) < 0 ||
            pl_rem_batch_reset(c->st, c->account, c->region, rule, c->a, c->err) < 0)
            return -1;
        int64_t queued; /* turned Automatic: what is NON_COMPLIANT now is remediated too */
        if (pl_json_truthy(pl_json_get(cfg, "Automatic")) &&
            !(had && pl_json_truthy(pl_json_get(old, "Automatic"))) &&
            pl_rem_queue_noncompliant(c->st, c->account, c->region, rule,
                                      pl_json_get_str(cfg, "ResourceType"), &queued, c->err) < 0)
            return -1;
    }
    if (owned_items->len) {
        struct pl_json *b = pl_json_push(failed, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, b, "FailureMessage",
                        "The remediation configuration belongs to a conformance pack; change the "
                        "pack instead.");
        pl_json_set(c->a, b, "FailedItems", owned_items);
    }
    if (dup_items->len) {
        struct pl_json *b = pl_json_push(failed, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, b, "FailureMessage",
                        "The request lists the same ConfigRuleName more than once.");
        pl_json_set(c->a, b, "FailedItems", dup_items);
    }
    return pl_store_commit(c->st, c->err);
}

static int describe_configs(struct pl_op_ctx *c)
{
    size_t n;
    const char **names = pl_in_strs(c->a, c->in, "ConfigRuleNames", &n);
    struct pl_json *arr =
        pl_json_set(c->a, c->out, "RemediationConfigurations", pl_json_new_arr(c->a));
    for (size_t i = 0; i < n; i++) {
        struct pl_json *cfg;
        int r = pl_rem_config_get(c->st, c->account, c->region, names[i], c->a, &cfg, c->err);
        if (r < 0)
            return -1;
        if (r)
            pl_json_push(arr, cfg);
    }
    return 0;
}

static struct pl_json *identity(struct pl_arena *a, const struct pl_json *j)
{
    (void)a;
    return (struct pl_json *)j;
}

static int delete_config(struct pl_op_ctx *c)
{
    const char *rule = pl_in_str(c->in, "ConfigRuleName");
    const char *rt = pl_in_str(c->in, "ResourceType");
    struct pl_json *cfg;
    int r = pl_rem_config_get(c->st, c->account, c->region, rule, c->a, &cfg, c->err);
    if (r <= 0)
        return r < 0 ? -1 : no_config(c, rule);
    const char *have = pl_json_get_str(cfg, "ResourceType");
    if (rt && *rt && (!have || strcmp(have, rt) != 0))
        return no_config(c, rule);
    if (pl_json_get_str(cfg, "CreatedByService"))
        return pl_fail(c->err, PL_E_INSUFFICIENT_PERMISSIONS,
                       "The remediation configuration of rule '%.128s' belongs to a conformance "
                       "pack (%.128s); delete or change the pack instead.",
                       rule, pl_json_get_str(cfg, "CreatedByService"));
    /* a running or queued execution keeps its configuration (RemediationInProgressException) */
    struct pl_json *execs = pl_json_new_arr(c->a);
    struct pl_json *saved_out = c->out;
    c->out = pl_json_new_obj(c->a);
    int lr = list_rule_objs(c, PL_REM_KIND_EXECUTION, rule, 1000000, identity, execs);
    c->out = saved_out;
    if (lr < 0)
        return -1;
    for (const struct pl_json *e = execs->child; e; e = e->next)
        if (pl_rem_execution_busy(e))
            return pl_fail(c->err, PL_E_REMEDIATION_IN_PROGRESS,
                           "Remediation action is in progress. You can either cancel execution "
                           "in AWS Systems Manager or wait and try again later.");
    return pl_store_obj_delete(c->st, c->account, c->region, PL_KIND_REMEDIATION_CONFIG, rule,
                               c->err) < 0
               ? -1
               : 0;
}

/* ---- executions ---- */

static int start_execution(struct pl_op_ctx *c)
{
    const char *rule = pl_in_str(c->in, "ConfigRuleName");
    const struct pl_json *keys = pl_json_get(c->in, "ResourceKeys");
    struct pl_json *cfg;
    int r = pl_rem_config_get(c->st, c->account, c->region, rule, c->a, &cfg, c->err);
    if (r <= 0)
        return r < 0 ? -1 : no_config(c, rule);
    struct pl_json *failed = pl_json_new_arr(c->a);
    const char *why_all = NULL;
    struct pl_rem_controls ctl;
    struct pl_rem_batch batch = {0}; /* the call's resources share the ExecutionControls */
    pl_rem_controls_of(cfg, &ctl);
    if (pl_store_begin(c->st, c->err) < 0 ||
        (ctl.on &&
         pl_rem_batch_begin(c->st, c->account, c->region, rule, c->a, &batch, c->err) < 0))
        return -1;
    for (const struct pl_json *k = keys ? keys->child : NULL; k; k = k->next) {
        const char *type = pl_json_get_str(k, "resourceType"),
                   *id = pl_json_get_str(k, "resourceId");
        const char *why;
        int q = pl_rem_start(c->st, c->account, c->region, rule, type, id, ctl.on ? &batch : NULL,
                             c->a, &why, c->err);
        if (q < 0)
            return -1;
        batch.size += q;
        if (q == 0) {
            pl_json_push(failed, pl_json_clone(c->a, k));
            why_all = why_all ? why_all : why;
        }
    }
    if ((ctl.on && pl_rem_batch_size(c->st, c->account, c->region, &batch, c->a, c->err) < 0) ||
        pl_store_commit(c->st, c->err) < 0)
        return -1;
    if (failed->len)
        pl_json_set_str(c->a, c->out, "FailureMessage", why_all);
    pl_json_set(c->a, c->out, "FailedItems", failed);
    return 0;
}

static int describe_execution_status(struct pl_op_ctx *c)
{
    const char *rule = pl_in_str(c->in, "ConfigRuleName");
    const struct pl_json *keys = pl_json_get(c->in, "ResourceKeys");
    int limit = (int)pl_in_int(c->in, "Limit", 0);
    struct pl_json *cfg;
    int r = pl_rem_config_get(c->st, c->account, c->region, rule, c->a, &cfg, c->err);
    if (r <= 0)
        return r < 0 ? -1 : no_config(c, rule);
    struct pl_json *arr =
        pl_json_set(c->a, c->out, "RemediationExecutionStatuses", pl_json_new_arr(c->a));
    if (keys && keys->type == PL_JARR && keys->len) {
        for (const struct pl_json *k = keys->child; k; k = k->next) {
            struct pl_json *e;
            const char *name = pl_rem_key(c->a, rule, pl_json_get_str(k, "resourceType"),
                                          pl_json_get_str(k, "resourceId"));
            int f = pl_obj_load(c, PL_REM_KIND_EXECUTION, name, &e);
            if (f < 0)
                return -1;
            if (f)
                pl_json_push(arr, pl_rem_execution_render(c->a, e));
        }
        return 0;
    }
    return list_rule_objs(c, PL_REM_KIND_EXECUTION, rule, limit > 0 ? limit : EXEC_PAGE_DEFAULT,
                          pl_rem_execution_render, arr);
}

/* ---- exceptions ---- */

static int put_exceptions(struct pl_op_ctx *c)
{
    const char *rule = pl_in_str(c->in, "ConfigRuleName");
    const char *msg = pl_in_str(c->in, "Message");
    const struct pl_json *keys = pl_json_get(c->in, "ResourceKeys");
    int64_t exp = 0;
    if (pl_in_time(c->in, "ExpirationTime", 0, &exp, c->err) < 0)
        return -1;
    struct pl_json *failed = pl_json_set(c->a, c->out, "FailedBatches", pl_json_new_arr(c->a));
    struct pl_json *bad = pl_json_new_arr(c->a);
    if (pl_store_begin(c->st, c->err) < 0)
        return -1;
    for (const struct pl_json *k = keys ? keys->child : NULL; k; k = k->next) {
        const char *type = pl_json_get_str(k, "ResourceType"),
                   *id = pl_json_get_str(k, "ResourceId");
        if (!type || !*type || !id || !*id) {
            struct pl_json *e = pl_json_push(bad, pl_json_new_obj(c->a));
            pl_json_set_str(c->a, e, "ConfigRuleName", rule);
            pl_json_set_str(c->a, e, "ResourceType", type ? type : "");
            pl_json_set_str(c->a, e, "ResourceId", id ? id : "");
            continue;
        }
        if (pl_rem_exception_put(c->st, c->account, c->region, rule, type, id, msg, exp, c->err) <
            0)
            return -1;
    }
    if (pl_store_commit(c->st, c->err) < 0)
        return -1;
    if (bad->len) {
        struct pl_json *b = pl_json_push(failed, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, b, "FailureMessage",
                        "Each resource key needs a ResourceType and a ResourceId.");
        pl_json_set(c->a, b, "FailedItems", bad);
    }
    return 0;
}

static int describe_exceptions(struct pl_op_ctx *c)
{
    const char *rule = pl_in_str(c->in, "ConfigRuleName");
    const struct pl_json *keys = pl_json_get(c->in, "ResourceKeys");
    int limit = (int)pl_in_int(c->in, "Limit", 0);
    struct pl_json *arr = pl_json_set(c->a, c->out, "RemediationExceptions", pl_json_new_arr(c->a));
    if (keys && keys->type == PL_JARR && keys->len) {
        for (const struct pl_json *k = keys->child; k; k = k->next) {
            struct pl_json *e;
            const char *name = pl_rem_key(c->a, rule, pl_json_get_str(k, "ResourceType"),
                                          pl_json_get_str(k, "ResourceId"));
            int f = pl_obj_load(c, PL_REM_KIND_EXCEPTION, name, &e);
            if (f < 0)
                return -1;
            if (f)
                pl_json_push(arr, pl_rem_exception_render(c->a, e));
        }
        return 0;
    }
    return list_rule_objs(c, PL_REM_KIND_EXCEPTION, rule, limit > 0 ? limit : EXC_PAGE_DEFAULT,
                          pl_rem_exception_render, arr);
}

static int delete_exceptions(struct pl_op_ctx *c)
{
    const char *rule = pl_in_str(c->in, "ConfigRuleName");
    const struct pl_json *keys = pl_json_get(c->in, "ResourceKeys");
    struct pl_json *failed = pl_json_set(c->a, c->out, "FailedBatches", pl_json_new_arr(c->a));
    struct pl_json *missing = pl_json_new_arr(c->a);
    if (pl_store_begin(c->st, c->err) < 0)
        return -1;
    for (const struct pl_json *k = keys ? keys->child : NULL; k; k = k->next) {
        const char *name = pl_rem_key(c->a, rule, pl_json_get_str(k, "ResourceType"),
                                      pl_json_get_str(k, "ResourceId"));
        int r =
            pl_store_obj_delete(c->st, c->account, c->region, PL_REM_KIND_EXCEPTION, name, c->err);
        if (r < 0)
            return -1;
        if (r == 0)
            pl_json_push(missing, pl_json_clone(c->a, k));
    }
    if (pl_store_commit(c->st, c->err) < 0)
        return -1;
    if (missing->len) {
        struct pl_json *b = pl_json_push(failed, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, b, "FailureMessage",
                        "No remediation exception exists for these resource keys.");
        pl_json_set(c->a, b, "FailedItems", missing);
    }
    return 0;
}

const struct pl_op_entry pl_ops_remediation[] = {
    {"PutRemediationConfigurations", put_configs},
    {"DescribeRemediationConfigurations", describe_configs},
    {"DeleteRemediationConfiguration", delete_config},
    {"StartRemediationExecution", start_execution},
    {"DescribeRemediationExecutionStatus", describe_execution_status},
    {"PutRemediationExceptions", put_exceptions},
    {"DescribeRemediationExceptions", describe_exceptions},
    {"DeleteRemediationExceptions", delete_exceptions},
    {NULL, NULL},
};

/* ---- PlumbService: actions ---- */

static int action_not_found(struct pl_op_ctx *c, const char *name)
{
    return pl_fail(c->err, PL_E_RESOURCE_NOT_FOUND, "Action not found: %.64s", name);
}

static int put_action(struct pl_op_ctx *c)
{
    struct pl_rem_action act = {.fn = {.account = c->account, .region = c->region}};
    struct pl_fn *fn = &act.fn;
    const char *rt;
    if (pl_in_fn(c, "PutAction", "ActionName", fn, &rt) < 0)
        return -1;
    const struct pl_json *dr = pl_json_get(c->in, "DryRun");
    if (dr && dr->type != PL_JNULL && dr->type != PL_JBOOL)
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE, "DryRun must be a boolean");
    act.dry_run = pl_json_truthy(dr);
    if (pl_in_fn_runtime(c, rt, fn) < 0 || pl_rem_action_put(c->st, &act, c->err) < 0)
        return -1;
    pl_json_set_str(c->a, c->out, "ActionName", fn->name);
    return 0;
}

static int get_action(struct pl_op_ctx *c)
{
    const char *name;
    struct pl_rem_action act;
    if (pl_in_member_str(c, "ActionName", true, &name) < 0)
        return -1;
    int f = pl_rem_action_get(c->st, c->account, c->region, name, c->a, &act, c->err);
    if (f <= 0)
        return f < 0 ? -1 : action_not_found(c, name);
    pl_json_set(c->a, c->out, "Action", pl_rem_action_render(c->a, &act));
    return 0;
}

static int list_actions(struct pl_op_ctx *c)
{
    struct pl_rem_action *items;
    size_t n;
    if (pl_rem_action_list(c->st, c->account, c->region, c->a, &items, &n, c->err) < 0)
        return -1;
    struct pl_json *arr = pl_json_set(c->a, c->out, "Actions", pl_json_new_arr(c->a));
    for (size_t i = 0; i < n; i++)
        pl_json_push(arr, pl_rem_action_render(c->a, &items[i]));
    return 0;
}

static int delete_action(struct pl_op_ctx *c)
{
    const char *name;
    if (pl_in_member_str(c, "ActionName", true, &name) < 0)
        return -1;
    int r = pl_rem_action_delete(c->st, c->account, c->region, name, c->err);
    return r <= 0 ? (r < 0 ? -1 : action_not_found(c, name)) : 0;
}

static int get_action_logs(struct pl_op_ctx *c)
{
    struct pl_fn_log_query q = {.account = c->account, .region = c->region};
    const char *name;
    struct pl_fn_log *rows;
    size_t n;
    bool more;
    if (pl_in_member_str(c, "ActionName", true, &name) < 0 || pl_in_log_page(c, &q) < 0)
        return -1;
    q.function = pl_rem_action_log_name(c->a, name);
    if (pl_store_fnlog_list(c->st, &q, c->a, &rows, &n, &more, c->err) < 0)
        return -1;
    if (n == 0 && q.after_id == 0) { /* no log at all: is there such an action? */
        struct pl_rem_action act;
        int f = pl_rem_action_get(c->st, c->account, c->region, name, c->a, &act, c->err);
        if (f <= 0)
            return f < 0 ? -1 : action_not_found(c, name);
    }
    pl_out_log_page(c, rows, n, q.after_id);
    return 0;
}

const struct pl_op_entry pl_ops_actions[] = {
    {"PutAction", put_action},          {"GetAction", get_action},
    {"ListActions", list_actions},      {"DeleteAction", delete_action},
    {"GetActionLogs", get_action_logs}, {NULL, NULL},
};
