/* ops_functions.c — plumb-only API operations for the function registry, served under the
 * target prefix PlumbService (X-Amz-Target: PlumbService.<Operation>), AWS JSON 1.1:
 *
 *   PutFunction    {FunctionName*, Runtime* ("python"|"exec"|"http"), Handler (python,
 *                   absolute path on the server: "/dir/module.py:function"), Command (exec),
 *                   Url (http), Timeout (s, default 60), MemorySize (MB, default 512)}
 *                  -> {FunctionArn}
 *   GetFunction    {FunctionName*} -> {Function: {...}}
 *   ListFunctions  {} -> {Functions: [{FunctionName, FunctionArn, Runtime, Handler | Command |
 *                   Url, Timeout, MemorySize, Created}]}
 *   DeleteFunction {FunctionName*} -> {}
 *   GetFunctionLogs {FunctionName*, StartTime (epoch seconds: invocations started then or
 *                   later), NextToken, Limit (1..100, default 50)}
 *                  -> {Events: [{RequestId, RuleName, ResourceType, ResourceId, StartTime,
 *                   DurationMs, Outcome ("Succeeded" | error type), ErrorMessage, Output,
 *                   Truncated}], NextToken}: the rules engine's invocations, oldest first.
 *                   NextToken always comes back (the same one when nothing is new), so a
 *                   caller follows the log by calling again with it, as with CloudWatch's
 *                   GetLogEvents nextForwardToken.
 *
 * PutFunction needs an administrator key (AccessDeniedException otherwise); the others act in
 * the caller's partition only. Member names follow AWS Lambda's CreateFunction where one exists. Errors: bad members
 * InvalidParameterValueException; unknown names ResourceNotFoundException "Function not found:
 * <arn>" as Lambda says. There is no model for PlumbService, so each handler checks its input.
 */
#include "api/api_int.h"
#include "core/json.h"
#include "core/time.h"
#include "core/util.h"
#include "rules/functions/functions.h"
#include "rules/rules.h"
#include "store/evals.h"

#include <inttypes.h>
#include <stdio.h>

#include <string.h>

int pl_in_member_str(struct pl_op_ctx *c, const char *key, bool required, const char **out)
{
    const struct pl_json *j = pl_json_get(c->in, key);
    *out = NULL;
    if (!j || j->type == PL_JNULL) {
        if (required)
            return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE, "%s is required", key);
        return 0;
    }
    if (j->type != PL_JSTR)
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE, "%s must be a string", key);
    *out = j->str;
    return 0;
}

int pl_in_member_int(struct pl_op_ctx *c, const char *key, int dflt, int *out)
{
    const struct pl_json *j = pl_json_get(c->in, key);
    int64_t v;
    if (!j || j->type == PL_JNULL) {
        *out = dflt;
        return 0;
    }
    if (pl_json_i64(j, &v) < 0 || v < 0 || v > 1000000)
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE, "%s must be an integer", key);
    *out = (int)v;
    return 0;
}

/* The API shape of fn (Lambda's FunctionConfiguration subset). */
static struct pl_json *render(struct pl_arena *a, const struct pl_fn *fn)
{
    struct pl_json *o = pl_json_new_obj(a);
    pl_json_set_str(a, o, "FunctionName", fn->name);
    pl_json_set_str(a, o, "FunctionArn", pl_fn_arn(a, fn));
    pl_fn_render_code(a, o, fn);
    pl_json_set(a, o, "Created", pl_json_new_epoch_ms(a, fn->created_ms));
    return o;
}

/* The function changed or is gone: the rules engine retires its warm workers. */
static void retire_workers(struct pl_op_ctx *c, const char *name)
{
    if (c->req && c->req->app)
        pl_rules_function_changed(c->req->app->rules, c->account, c->region, name);
}

/* A function runs on the plumb host (exec: any command; python: any file; http: the server
 * POSTs to any URL): registering one needs an administrator key (docs/auth.md). */
int pl_in_fn(struct pl_op_ctx *c, const char *op, const char *name_key, struct pl_fn *fn,
             const char **runtime)
{
    if (!c->req->admin)
        return pl_fail(c->err, PL_E_ACCESS_DENIED,
                       "%s registers code that runs on the plumb host and needs an "
                       "administrator key (plumb credentials add --admin).",
                       op);
    if (pl_in_member_str(c, name_key, true, &fn->name) < 0 ||
        pl_in_member_str(c, "Runtime", true, runtime) < 0 ||
        pl_in_member_str(c, "Handler", false, &fn->handler) < 0 ||
        pl_in_member_str(c, "Command", false, &fn->command) < 0 ||
        pl_in_member_str(c, "Url", false, &fn->url) < 0 ||
        pl_in_member_int(c, "Timeout", PL_FN_DEFAULT_TIMEOUT_S, &fn->timeout_s) < 0 ||
        pl_in_member_int(c, "MemorySize", PL_FN_DEFAULT_MEMORY_MB, &fn->memory_mb) < 0)
        return -1;
    return 0;
}

int pl_in_fn_runtime(struct pl_op_ctx *c, const char *rt, struct pl_fn *fn)
{
    if (pl_fn_runtime_parse(rt, &fn->runtime) < 0)
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE,
                       "Runtime '%.32s' must be python, exec or http", rt);
    if (fn->runtime != PL_FN_PYTHON)
        fn->handler = NULL;
    if (fn->runtime != PL_FN_EXEC)
        fn->command = NULL;
    if (fn->runtime != PL_FN_HTTP)
        fn->url = NULL;
    return 0;
}

static int put_function(struct pl_op_ctx *c)
{
    struct pl_fn fn = {.account = c->account, .region = c->region};
    const char *rt;
    if (pl_in_fn(c, "PutFunction", "FunctionName", &fn, &rt) < 0 ||
        pl_in_fn_runtime(c, rt, &fn) < 0 || pl_fn_put(c->st, &fn, c->err) < 0)
        return -1;
    retire_workers(c, fn.name);
    pl_json_set_str(c->a, c->out, "FunctionArn", pl_fn_arn(c->a, &fn));
    return 0;
}

static int not_found(struct pl_op_ctx *c, const char *name)
{
    struct pl_fn fn = {.account = c->account, .region = c->region, .name = name};
    return pl_fail(c->err, PL_E_RESOURCE_NOT_FOUND, "Function not found: %s", pl_fn_arn(c->a, &fn));
}

static int get_function(struct pl_op_ctx *c)
{
    const char *name;
    struct pl_fn fn;
    if (pl_in_member_str(c, "FunctionName", true, &name) < 0)
        return -1;
    int found = pl_fn_get(c->st, c->account, c->region, name, c->a, &fn, c->err);
    if (found <= 0)
        return found < 0 ? -1 : not_found(c, name);
    pl_json_set(c->a, c->out, "Function", render(c->a, &fn));
    return 0;
}

static int list_functions(struct pl_op_ctx *c)
{
    struct pl_fn *items;
    size_t n;
    if (pl_fn_list(c->st, c->account, c->region, c->a, &items, &n, c->err) < 0)
        return -1;
    struct pl_json *arr = pl_json_new_arr(c->a);
    for (size_t i = 0; i < n; i++)
        pl_json_push(arr, render(c->a, &items[i]));
    pl_json_set(c->a, c->out, "Functions", arr);
    return 0;
}

static int delete_function(struct pl_op_ctx *c)
{
    const char *name;
    if (pl_in_member_str(c, "FunctionName", true, &name) < 0)
        return -1;
    int rc = pl_fn_delete(c->st, c->account, c->region, name, c->err);
    if (rc <= 0)
        return rc < 0 ? -1 : not_found(c, name);
    retire_workers(c, name);
    return 0;
}

int pl_in_log_page(struct pl_op_ctx *c, struct pl_fn_log_query *q)
{
    const char *tok;
    long long id = 0;
    if (pl_in_member_str(c, "NextToken", false, &tok) < 0 ||
        pl_in_member_int(c, "Limit", 50, &q->limit) < 0)
        return -1;
    if (q->limit < 1 || q->limit > 100)
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE, "Limit must be 1 to 100");
    if (tok && (pl_parse_i64(tok, &id) < 0 || id < 0))
        return pl_fail(c->err, PL_E_INVALID_NEXT_TOKEN, "The nextToken is not valid.");
    q->after_id = id;
    return 0;
}

void pl_out_log_page(struct pl_op_ctx *c, const struct pl_fn_log *rows, size_t n, int64_t after_id)
{
    struct pl_json *arr = pl_json_set(c->a, c->out, "Events", pl_json_new_arr(c->a));
    for (size_t i = 0; i < n; i++)
        pl_json_push(arr, pl_fn_log_json(c->a, &rows[i]));
    pl_json_set_str(c->a, c->out, "NextToken",
                    pl_arena_printf(c->a, "%" PRId64, n ? rows[n - 1].id : after_id));
}

/* The query of a GetFunctionLogs request (name already read). */
static int log_query(struct pl_op_ctx *c, struct pl_fn_log_query *q)
{
    const struct pl_json *st = pl_json_get(c->in, "StartTime");
    double s;
    if (pl_in_log_page(c, q) < 0)
        return -1;
    if (st && st->type != PL_JNULL &&
        (pl_json_double(st, &s) < 0 || pl_time_from_epoch_s(s, &q->since_ms) < 0))
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE, "StartTime must be a timestamp");
    return 0;
}

static int get_function_logs(struct pl_op_ctx *c)
{
    struct pl_fn_log_query q = {.account = c->account, .region = c->region};
    struct pl_fn_log *rows;
    struct pl_fn fn;
    size_t n;
    bool more;
    if (pl_in_member_str(c, "FunctionName", true, &q.function) < 0 || log_query(c, &q) < 0 ||
        pl_store_fnlog_list(c->st, &q, c->a, &rows, &n, &more, c->err) < 0)
        return -1;
    if (n == 0 && q.after_id == 0) { /* no log at all: is there such a function? */
        int found = pl_fn_get(c->st, c->account, c->region, q.function, c->a, &fn, c->err);
        if (found <= 0)
            return found < 0 ? -1 : not_found(c, q.function);
    }
    pl_out_log_page(c, rows, n, q.after_id);
    return 0;
}

const struct pl_op_entry pl_ops_functions[] = {
    {"PutFunction", put_function},
    {"GetFunction", get_function},
    {"ListFunctions", list_functions},
    {"DeleteFunction", delete_function},
    {"GetFunctionLogs", get_function_logs},
    {NULL, NULL},
};
