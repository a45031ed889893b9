/* lambda.c — Lambda-style custom rules: AWS's rule event, result tokens, and the hand-off to
 * the function runner (src/rules/functions/functions.h).
 *
 * The event is AWS's: {version "1.0", invokingEvent (a JSON *string*), ruleParameters (a JSON
 * string), resultToken, eventLeftScope, executionRoleArn, configRuleArn, configRuleName,
 * configRuleId, accountId, evaluationMode}. An invokingEvent over 256 KB is replaced by an
 * OversizedConfigurationItemChangeNotification with the CI's summary, as AWS does; each kind of
 * change notification goes only to rules whose SourceDetails list its MessageType.
 *
 * Invocations are queued during a run and started only after its results are committed
 * (pl_rules__lambda_dispatch), after the result token is stored, so the function's PutEvaluations
 * always finds it. They run asynchronously on the runner's threads. The callback records the
 * outcome in the rule's evaluation status once the function has ended: LastSuccessful-
 * InvocationTime only when it succeeded (queuing a call is not a success), LastFailed-
 * InvocationTime with LastErrorCode/LastErrorMessage when it failed or timed out (kept until
 * the next failure). It also logs the invocation (output, traceback, rule, resource, start,
 * duration, outcome) in the store's function logs, bounded to PL_FN_LOG_MAX bytes.
 *
 * Credentials given to the function: with a session master (plumb serve --auth sigv4), session
 * credentials of the rule's account minted by the runner for each process (functions.h), as
 * Lambda's execution role; else the engine's static keys, by default the account id as access
 * key, which `--auth open` maps to that account. The function must be the rule's account's:
 * PutConfigRule refuses other accounts' ARNs, and a call is refused here too.
 */
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/log.h"
#include "core/time.h"
#include "rules/functions/functions.h"
#include "rules/rules_int.h"
#include "store/proactive.h"

#define OVERSIZED (256 * 1024)

struct pl_lambda_call {
    char *account, *region, *rule, *arn, *token, *event;
    char *resource_type, *resource_id; /* of a change notification; NULL for scheduled ones */
    int64_t invoked_ms;
};

/* What the runner's callback needs after the run is gone (malloc'd, one block: the strings
 * follow the struct). */
struct done_arg {
    struct pl_store_pool *pool;
    const char *account, *region, *rule, *function, *resource_type, *resource_id, *token;
};

void pl_rules__lambda_token(char out[65])
{
    pl_random_hex(32, out);
}

int pl_rules__lambda_check(struct pl_store *st, const char *account, const char *arn,
                           struct pl_arena *a, struct pl_err *err)
{
    struct pl_fn fn;
    return pl_fn_resolve(st, account, arn, a, &fn, err);
}

/* The configurationItemSummary of an oversized notification, from the full CI. */
static struct pl_json *summary(struct pl_arena *a, const struct pl_json *ie)
{
    static const char *const keys[] = {"configurationItemVersion",
                                       "configurationItemCaptureTime",
                                       "configurationStateId",
                                       "awsAccountId",
                                       "configurationItemStatus",
                                       "resourceType",
                                       "resourceId",
                                       "resourceName",
                                       "ARN",
                                       "awsRegion",
                                       "availabilityZone",
                                       "configurationStateMd5Hash",
                                       "resourceCreationTime"};
    const struct pl_json *ci = pl_json_get(ie, "configurationItem");
    const char *ct = pl_json_get_str(pl_json_get(ie, "configurationItemDiff"), "changeType");
    char t[40];
    struct pl_json *out = pl_json_new_obj(a);
    struct pl_json *s = pl_json_set(a, out, "configurationItemSummary", pl_json_new_obj(a));
    pl_json_set_str(a, s, "changeType", ct ? ct : "UPDATE");
    for (size_t i = 0; i < PL_ARRAY_LEN(keys); i++) {
        const struct pl_json *v = pl_json_get(ci, keys[i]);
        pl_json_set(a, s, keys[i], v ? pl_json_clone(a, v) : pl_json_new_null(a));
    }
    pl_json_set_str(a, out, "messageType", "OversizedConfigurationItemChangeNotification");
    pl_json_set_str(a, out, "notificationCreationTime", pl_time_iso8601_ms(pl_now_ms(), t));
    pl_json_set_str(a, out, "recordVersion", "1.0");
    return out;
}

int pl_rules__lambda_invoke(struct pl_run *run, const struct pl_rule *r,
                            const struct pl_json *invoking_event, bool left_scope,
                            struct pl_err *err)
{
    struct pl_arena *a = &run->scratch;
    char token[65];
    const char *ie = pl_json_dump(a, invoking_event, PL_JSON_COMPACT);
    if (pl_json_get(invoking_event, "configurationItem")) {
        bool oversized = strlen(ie) > OVERSIZED;
        if (oversized ? !r->oversized_events : !r->ci_events)
            return 0; /* the rule did not ask for this message type */
        if (oversized)
            ie = pl_json_dump(a, summary(a, invoking_event), PL_JSON_COMPACT);
    }
    pl_rules__lambda_token(token);
    struct pl_json *ev = pl_json_new_obj(a);
    pl_json_set_str(a, ev, "version", "1.0");
    pl_json_set_str(a, ev, "invokingEvent", ie);
    pl_json_set_str(a, ev, "ruleParameters", r->input_params ? r->input_params : "{}");
    pl_json_set_str(a, ev, "resultToken", token);
    pl_json_set_bool(a, ev, "eventLeftScope", left_scope);
    pl_json_set_str(a, ev, "executionRoleArn",
                    pl_arena_printf(a, "arn:aws:iam::%s:role/plumb-config-rule", r->account));
    pl_json_set_str(a, ev, "configRuleArn", r->arn);
    pl_json_set_str(a, ev, "configRuleName", r->name);
    pl_json_set_str(a, ev, "configRuleId", r->id);
    pl_json_set_str(a, ev, "accountId", r->account);
    pl_json_set_str(a, ev, "evaluationMode", run->mode ? run->mode : "DETECTIVE");
    if (run->ncalls == run->capcalls) {
        run->capcalls = run->capcalls ? run->capcalls * 2 : 16;
        run->calls = pl_xrealloc(run->calls, run->capcalls * sizeof *run->calls);
    }
    struct pl_lambda_call *c = &run->calls[run->ncalls++];
    c->account = pl_xstrdup(r->account);
    c->region = pl_xstrdup(r->region);
    c->rule = pl_xstrdup(r->name);
    c->arn = pl_xstrdup(r->source_id);
    c->token = pl_xstrdup(token);
    c->event = pl_xstrdup(pl_json_dump(a, ev, PL_JSON_COMPACT));
    const struct pl_json *ci = pl_json_get(invoking_event, "configurationItem");
    const char *type = pl_json_get_str(ci, "resourceType"), *id = pl_json_get_str(ci, "resourceId");
    c->resource_type = type ? pl_xstrdup(type) : NULL;
    c->resource_id = id ? pl_xstrdup(id) : NULL;
    c->invoked_ms = run->now;
    (void)err;
    return 0;
}

const char *pl_rules__lambda_queued_event(const struct pl_run *run, size_t i)
{
    return i < run->ncalls ? run->calls[i].event : NULL;
}

const char *pl_rules__lambda_queued_token(const struct pl_run *run, size_t i)
{
    return i < run->ncalls ? run->calls[i].token : NULL;
}

static void call_free(struct pl_lambda_call *c)
{
    free(c->account);
    free(c->region);
    free(c->rule);
    free(c->arn);
    free(c->token);
    free(c->event);
    free(c->resource_type);
    free(c->resource_id);
}

void pl_rules__lambda_drop(struct pl_run *run)
{
    for (size_t i = 0; i < run->ncalls; i++)
        call_free(&run->calls[i]);
    free(run->calls);
    run->calls = NULL;
    run->ncalls = run->capcalls = 0;
}

/* Logs one invocation in the store's function logs. */
static int log_call(struct pl_store *st, const struct done_arg *d, const struct pl_fn_result *res,
                    struct pl_err *err)
{
    bool cut;
    char *text = pl_fn_log_text(res, PL_FN_LOG_MAX, &cut);
    struct pl_fn_log l = {.account = d->account,
                          .region = d->region,
                          .function = d->function,
                          .request_id = res->request_id,
                          .rule = d->rule,
                          .resource_type = d->resource_type,
                          .resource_id = d->resource_id,
                          .start_ms = pl_now_ms() - res->duration_ms,
                          .duration_ms = res->duration_ms,
                          .outcome = res->ok ? "Succeeded" : res->error_type,
                          .error_message = res->ok ? NULL : res->error_message,
                          .output = text,
                          .truncated = cut};
    int rc = pl_store_fnlog_put(st, &l, err);
    free(text);
    return rc;
}

/* A failed function that a proactive evaluation waits for fails that evaluation now, instead of
 * at its timeout (the token is the pending result's; detective tokens are not found there). */
static void fail_proactive(struct pl_store *st, const struct done_arg *d,
                           const struct pl_fn_result *res)
{
    struct pl_arena a;
    struct pl_pe_result pend;
    struct pl_err err = {0};
    pl_arena_init(&a);
    if (pl_store_pe_result_by_token(st, d->account, d->region, d->token, &a, &pend, &err) > 0 &&
        pend.comp == PL_PE_PENDING) {
        const char *why = pl_arena_printf(&a, "The function of the rule %s failed (%s): %.600s",
                                          d->rule, res->error_type[0] ? res->error_type : "error",
                                          res->error_message ? res->error_message : "no message");
        if (pl_store_pe_fail(st, d->account, d->region, pend.eval_id, why, &err) < 0)
            PL_LOG(WARN, "rules", "rule=%s proactive err=\"%s\"", d->rule, err.msg);
    }
    pl_arena_fini(&a);
}

/* Runner callback, once the function has ended: its log, then its outcome in the rule's
 * evaluation status (and in the proactive evaluation waiting for it, if it failed). */
static void invoked(void *arg, const struct pl_fn_result *res)
{
    struct done_arg *d = arg;
    struct pl_err err = {0};
    struct pl_store *ev = pl_store_pool_thread(d->pool, &err);
    if (ev && log_call(ev, d, res, &err) < 0)
        PL_LOG(WARN, "rules", "fn=%s log err=\"%s\"", d->function, err.msg);
    if (ev && !res->ok)
        fail_proactive(ev, d, res);
    if (ev) {
        pl_err_clear(&err);
        const char *code = res->ok ? NULL : res->error_type;
        const char *msg = res->ok ? NULL : (res->error_message ? res->error_message : "failed");
        if (pl_rules__eval_status_named(ev, d->account, d->region, d->rule, pl_now_ms(), true, code,
                                        msg, &err) < 0)
            PL_LOG(WARN, "rules", "rule=%s status err=\"%s\"", d->rule, err.msg);
    }
    if (!res->ok)
        PL_LOG(INFO, "rules", "rule=%s function error=%s msg=\"%s\"", d->rule, res->error_type,
               res->error_message ? res->error_message : "");
    free(d);
}

/* The callback's argument for call c of function fn (one malloc'd block). */
static struct done_arg *done_new(struct pl_run *run, const struct pl_lambda_call *c,
                                 const struct pl_fn *fn)
{
    const char *src[] = {c->account,       c->region,      c->rule, fn->name,
                         c->resource_type, c->resource_id, c->token};
    size_t len = sizeof(struct done_arg);
    for (size_t i = 0; i < PL_ARRAY_LEN(src); i++)
        len += src[i] ? strlen(src[i]) + 1 : 0;
    struct done_arg *d = pl_xcalloc(1, len);
    const char **dst[] = {&d->account,       &d->region,      &d->rule, &d->function,
                          &d->resource_type, &d->resource_id, &d->token};
    char *p = (char *)(d + 1);
    for (size_t i = 0; i < PL_ARRAY_LEN(src); i++)
        if (src[i]) {
            size_t n = strlen(src[i]) + 1;
            *dst[i] = memcpy(p, src[i], n);
            p += n;
        }
    d->pool = run->pool;
    return d;
}

/* Starts one queued call; failures before the function runs go to the status at once. */
static int start_call(struct pl_run *run, struct pl_lambda_call *c, struct pl_err *err)
{
    struct pl_arena a;
    struct pl_fn fn;
    struct pl_err e2 = {0};
    int rc = 0;
    pl_arena_init(&a);
    if (pl_store_token_put(run->st, c->token, c->account, c->region, c->rule, c->invoked_ms, err) <
        0) {
        rc = -1;
        goto out;
    }
    if (!run->runner) {
        pl_fail(&e2, PL_E_UNAVAILABLE, "no function runner is running in this process");
    } else if (pl_fn_resolve(run->st, c->account, c->arn, &a, &fn, &e2) == 0) {
        struct pl_fn_env env = {.endpoint_url = run->endpoint_url,
                                .session_master = run->session_master,
                                .access_key_id = run->access_key,
                                .secret_access_key = run->secret_key};
        struct done_arg *d = done_new(run, c, &fn);
        if (pl_fn_invoke_async(run->runner, &fn, &env, c->event, strlen(c->event), invoked, d,
                               &e2) < 0)
            free(d);
    }
    if (e2.code)
        rc = pl_rules__eval_status_named(run->st, c->account, c->region, c->rule, run->now, true,
                                         pl_err_name(e2.code), e2.msg, err);
out:
    pl_arena_fini(&a);
    return rc;
}

int pl_rules__lambda_dispatch(struct pl_run *run, struct pl_err *err)
{
    int rc = 0;
    for (size_t i = 0; i < run->ncalls && rc == 0; i++)
        rc = start_call(run, &run->calls[i], err);
    pl_rules__lambda_drop(run);
    return rc;
}
