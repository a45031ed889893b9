/* proactive.c — proactive evaluation (StartResourceEvaluation): judging a resource that is not
 * deployed, from its CloudFormation-schema configuration, with the partition's rules whose
 * EvaluationModes include PROACTIVE.
 *
 * One evaluation: the configuration becomes a CI (cfn.c: mapped for managed rules, as given for
 * Guard and Lambda-style rules); every ACTIVE proactive rule whose scope matches is run on it
 * with the evaluators of evaluate.c's detective path (pl_managed_evaluate, guard_eval_ci,
 * pl_rules__lambda_invoke). Managed and Guard results are known at once; a Lambda-style rule's
 * result is pending until its function answers through PutEvaluations with the resultToken
 * (pl_rules__pe_answer), or the EvaluationTimeout passes (the evaluation FAILED). Nothing is
 * recorded as a CI or as a detective result: the evaluation and its results have their own
 * tables (store/proactive.h), pruned after PL_RULES_PE_KEEP_MS.
 *
 * Calls go one way: this file calls registry (compile), scope, lambda.c and env.c; nothing in
 * the engine calls it but ops.c (PutEvaluations, for proactive tokens).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/log.h"
#include "core/time.h"
#include "guard/guard.h"
#include "rules/rules_int.h"
#include "store/proactive.h"

/* Managed rules AWS documents with "Proactive Evaluation": the 17 of the archived pages
 * (../shared/data/managed-rules/) and the S3 rules AWS's current list adds. Sorted. */
static const char *const proactive_ids[] = {
    "API_GW_XRAY_ENABLED",
    "EC2_INSTANCE_MULTIPLE_ENI_CHECK",
    "EIP_ATTACHED",
    "ELASTICSEARCH_LOGS_TO_CLOUDWATCH",
    "ELASTICSEARCH_NODE_TO_NODE_ENCRYPTION_CHECK",
    "LAMBDA_FUNCTION_SETTINGS_CHECK",
    "LAMBDA_INSIDE_VPC",
    "RDS_AUTOMATIC_MINOR_VERSION_UPGRADE_ENABLED",
    "RDS_ENHANCED_MONITORING_ENABLED",
    "RDS_INSTANCE_PUBLIC_ACCESS_CHECK",
    "RDS_MULTI_AZ_SUPPORT",
    "RDS_STORAGE_ENCRYPTED",
    "REDSHIFT_CLUSTER_MAINTENANCESETTINGS_CHECK",
    "REDSHIFT_CLUSTER_PUBLIC_ACCESS_CHECK",
    "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
    "S3_BUCKET_LOGGING_ENABLED",
    "S3_BUCKET_VERSIONING_ENABLED",
    "SNS_ENCRYPTED_KMS",
    "SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED",
};

bool pl_rules_managed_proactive(const char *id)
{
    for (size_t i = 0; id && i < PL_ARRAY_LEN(proactive_ids); i++)
        if (strcmp(proactive_ids[i], id) == 0)
            return true;
    return false;
}

/* ---- judging one configuration ---- */

/* Called once per result: comp < 0 with token set for a pending Lambda-style result. */
typedef int (*verdict_fn)(void *u, const struct pl_rule *r, int comp, const char *annotation,
                          const char *token, struct pl_err *err);

static int from_managed(enum pl_compliance c)
{
    return c == PL_COMPLIANT       ? PL_EV_COMPLIANT
           : c == PL_NON_COMPLIANT ? PL_EV_NON_COMPLIANT
           : c == PL_NOT_APPLICABLE ? PL_EV_NOT_APPLICABLE
                                    : PL_EV_INSUFFICIENT_DATA;
}

/* The Lambda event's invokingEvent for a proactive evaluation (ci: the CI as given). */
static struct pl_json *proactive_event(struct pl_run *run, const struct pl_json *ci)
{
    struct pl_arena *a = &run->scratch;
    char t[40];
    struct pl_json *ie = pl_json_new_obj(a);
    pl_json_set(a, ie, "configurationItemDiff", pl_json_new_null(a));
    pl_json_set(a, ie, "configurationItem", pl_json_clone(a, ci));
    pl_json_set_str(a, ie, "notificationCreationTime", pl_time_iso8601_ms(run->now, t));
    pl_json_set_str(a, ie, "messageType", "ConfigurationItemChangeNotification");
    pl_json_set_str(a, ie, "recordVersion", "1.3");
    return ie;
}

/* Runs rule r on the configuration: mapped is the CI managed rules read, given the CI with the
 * CloudFormation properties as they came. */
static int judge_one(struct pl_run *run, const struct pl_rule *r, const struct pl_json *mapped,
                     const struct pl_json *given, verdict_fn fn, void *u, struct pl_err *err)
{
    struct pl_err e2 = {0};
    if (r->owner == PL_OWNER_LAMBDA) {
        size_t before = run->ncalls;
        if (pl_rules__lambda_invoke(run, r, proactive_event(run, given), false, &e2) < 0)
            return fn(u, r, PL_EV_INSUFFICIENT_DATA, e2.msg, NULL, err);
        if (run->ncalls == before)
            return 0; /* the rule does not take change notifications */
        return fn(u, r, -1, NULL, pl_rules__lambda_queued_token(run, before), err);
    }
    if (r->owner == PL_OWNER_POLICY) {
        struct guard_verdict v;
        if (guard_eval_ci(r->guard, given, &v, &e2) < 0)
            return fn(u, r, PL_EV_INSUFFICIENT_DATA, e2.msg, NULL, err);
        int c = v.status == GUARD_PASS   ? PL_EV_COMPLIANT
                : v.status == GUARD_FAIL ? PL_EV_NON_COMPLIANT
                                         : PL_EV_NOT_APPLICABLE;
        return fn(u, r, c, v.status == GUARD_FAIL ? v.annotation : NULL, NULL, err);
    }
    if (r->process_check || !r->mr || !r->mp || !pl_managed_implemented(r->mr) ||
        r->mr->account_level)
        return 0;
    struct pl_managed_env env;
    struct pl_managed_eval ev;
    pl_rules__env_init(&env, run);
    if (pl_managed_evaluate(r->mp, mapped, &env, &run->scratch, &ev, &e2) < 0)
        return fn(u, r, PL_EV_INSUFFICIENT_DATA, e2.msg, NULL, err);
    if (ev.compliance == PL_INSUFFICIENT_DATA)
        return 0;
    return fn(u, r, from_managed(ev.compliance), ev.annotation, NULL, err);
}

static void free_rules(struct pl_rule **rules, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pl_rules__rule_free(rules[i]);
}

/* The partition's rules, compiled (arena array of *n; free with free_rules). names[0..nnames)
 * restricts them to those names (then the mode does not matter); else only proactive ones. */
static int load_rules(struct pl_store *st, const char *account, const char *region,
                      const char *const *names, size_t nnames, struct pl_arena *a,
                      struct pl_rule ***out, size_t *n, struct pl_err *err)
{
    struct pl_obj *items;
    size_t ni;
    *n = 0;
    if (pl_store_obj_list(st, account, region, PL_KIND_CONFIG_RULE, NULL, 0, a, &items, &ni, err) <
        0)
        return -1;
    *out = pl_arena_alloc(a, (ni + 1) * sizeof **out);
    for (size_t i = 0; i < ni; i++) {
        bool named = false;
        for (size_t k = 0; k < nnames && !named; k++)
            named = strcmp(names[k], items[i].name) == 0;
        if (nnames && !named)
            continue;
        struct pl_err e2 = {0};
        struct pl_json *j = pl_json_parse(a, items[i].json, items[i].len, &e2);
        struct pl_rule *r = j ? pl_rules__rule_compile(account, region, j, &e2) : NULL;
        if (!r) {
            PL_LOG(WARN, "rules", "rule=%s skipped err=\"%s\"", items[i].name, e2.msg);
            continue;
        }
        if (!nnames && !r->proactive) {
            pl_rules__rule_free(r);
            continue;
        }
        (*out)[(*n)++] = r;
    }
    for (size_t k = 0; k < nnames; k++) { /* a name that is no rule is an error, not a pass */
        bool found = false;
        for (size_t i = 0; i < *n && !found; i++)
            found = strcmp((*out)[i]->name, names[k]) == 0;
        if (!found) {
            free_rules(*out, *n);
            *n = 0;
            return pl_fail(err, PL_E_NO_SUCH_CONFIG_RULE,
                           "The ConfigRule '%s' does not exist in %s/%s.", names[k], account,
                           region);
        }
    }
    return 0;
}

/* Judges (type, id, props) with rules[0..n) on run; ci (or NULL) is a CI to judge as it is. */
static int judge(struct pl_run *run, struct pl_rule *const *rules, size_t n, const char *type,
                 const char *id, const struct pl_json *props, const struct pl_json *ci,
                 verdict_fn fn, void *u, struct pl_err *err)
{
    struct pl_arena *a = &run->scratch;
    const struct pl_json *given =
        ci ? ci : pl_rules_cfn_ci(a, run->account, run->region, type, id, props, false);
    const struct pl_json *mapped =
        ci ? ci : pl_rules_cfn_ci(a, run->account, run->region, type, id, props, true);
    const struct pl_json *tags = pl_json_get(given, "tags");
    for (size_t i = 0; i < n; i++)
        if (pl_rules__rule_in_scope(rules[i], type, id, tags) &&
            judge_one(run, rules[i], mapped, given, fn, u, err) < 0)
            return -1;
    return 0;
}

/* ---- plumb eval: local judging ---- */

struct local {
    struct pl_arena *a;
    struct pl_rules_verdict *v;
    size_t n, cap;
};

static int local_verdict(void *u, const struct pl_rule *r, int comp, const char *annotation,
                         const char *token, struct pl_err *err)
{
    struct local *l = u;
    (void)token;
    (void)err;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        struct pl_rules_verdict *v = pl_arena_alloc(l->a, cap * sizeof *v);
        if (l->n)
            memcpy(v, l->v, l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    struct pl_rules_verdict *v = &l->v[l->n++];
    v->rule = pl_arena_strdup(l->a, r->name);
    v->compliance = comp < 0 ? "INSUFFICIENT_DATA" : pl_ev_comp_name(comp);
    v->annotation = comp < 0 ? "a Lambda-style rule: plumb eval runs no functions (use "
                               "StartResourceEvaluation against plumb serve)"
                    : annotation && *annotation ? pl_arena_strdup(l->a, annotation)
                                                : NULL;
    return 0;
}

int pl_rules_judge_local(struct pl_store *st, const char *account, const char *region,
                         const char *const *names, size_t nnames,
                         const struct pl_rules_resource *res, size_t nres, struct pl_arena *a,
                         struct pl_rules_verdicts *out, struct pl_err *err)
{
    struct pl_rule **rules;
    size_t n;
    int rc = 0;
    struct pl_run run;
    memset(&run, 0, sizeof run);
    run.st = st;
    run.account = account;
    run.region = region;
    run.now = pl_now_ms();
    run.mode = "PROACTIVE";
    pl_arena_init(&run.scratch);
    if (load_rules(st, account, region, names, nnames, a, &rules, &n, err) < 0) {
        pl_rules__env_fini(&run);
        pl_arena_fini(&run.scratch);
        return -1;
    }
    for (size_t i = 0; i < nres && rc == 0; i++) {
        struct local l = {.a = a};
        rc = judge(&run, rules, n, res[i].type, res[i].id, res[i].props, res[i].ci, local_verdict,
                   &l, err);
        out[i].v = l.v;
        out[i].n = l.n;
        pl_rules__lambda_drop(&run);
        pl_arena_reset(&run.scratch);
    }
    free_rules(rules, n);
    pl_rules__env_fini(&run);
    pl_arena_fini(&run.scratch);
    return rc;
}

/* ---- StartResourceEvaluation ---- */

struct start {
    const struct pl_rules_call *c;
    const char *eval_id, *type, *id;
    int64_t now;
    int pending; /* Lambda-style results to wait for */
};

static int store_verdict(void *u, const struct pl_rule *r, int comp, const char *annotation,
                         const char *token, struct pl_err *err)
{
    struct start *s = u;
    struct pl_pe_result res = {.eval_id = s->eval_id,
                               .rule = r->name,
                               .resource_type = s->type,
                               .resource_id = s->id,
                               .comp = comp < 0 ? PL_PE_PENDING : comp,
                               .annotation = annotation,
                               .ordering_ms = s->now,
                               .recorded_ms = s->now,
                               .invoked_ms = s->now,
                               .token = token};
    if (comp < 0)
        s->pending++;
    return pl_store_pe_result_put(s->c->st, s->c->account, s->c->region, &res, err);
}

static _Atomic int64_t last_prune_ms;

/* Drops evaluations older than the retention, at most once a minute per process. */
static int prune_old(struct pl_store *st, int64_t now, struct pl_err *err)
{
    int64_t last = atomic_load(&last_prune_ms);
    if (now - last < 60000 || !atomic_compare_exchange_strong(&last_prune_ms, &last, now))
        return 0;
    return pl_store_pe_prune(st, now - PL_RULES_PE_KEEP_MS, err);
}

/* The digest of the request without its ClientToken (idempotency). */
static void request_digest(struct pl_arena *a, const struct pl_json *req, char out[65])
{
    struct pl_json *copy = pl_json_clone(a, req);
    pl_json_del(copy, "ClientToken");
    const char *text = pl_json_dump(a, copy, PL_JSON_COMPACT | PL_JSON_SORTED);
    pl_sha256_hex(text, strlen(text), out);
}

/* Validates the request; *props gets the parsed configuration. */
static int check_start(const struct pl_rules_call *c, const struct pl_json *req,
                       const struct pl_json **props, int *timeout, struct pl_err *err)
{
    const struct pl_json *rd = pl_json_get(req, "ResourceDetails");
    const char *mode = pl_json_get_str(req, "EvaluationMode");
    const char *type = pl_json_get_str(rd, "ResourceType");
    const char *conf = pl_json_get_str(rd, "ResourceConfiguration");
    const char *schema = pl_json_get_str(rd, "ResourceConfigurationSchemaType");
    int64_t t = 0;
    if (!mode || strcmp(mode, "PROACTIVE") != 0)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "The EvaluationMode %s is not supported by StartResourceEvaluation; use "
                       "PROACTIVE.",
                       mode ? mode : "(none)");
    if (!rd || !type || !pl_json_get_str(rd, "ResourceId") || !conf)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "ResourceDetails requires ResourceId, ResourceType and "
                       "ResourceConfiguration.");
    if (schema && strcmp(schema, "CFN_RESOURCE_SCHEMA") != 0)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "The ResourceConfigurationSchemaType %s is not supported; use "
                       "CFN_RESOURCE_SCHEMA.",
                       schema);
    const char *p = strstr(type, "::");
    if (!p || !strstr(p + 2, "::"))
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "The ResourceType %s is not a CloudFormation resource type "
                       "(Provider::Service::Resource).",
                       type);
    struct pl_err e2 = {0};
    *props = pl_json_parse(c->a, conf, strlen(conf), &e2);
    if (!*props || (*props)->type != PL_JOBJ)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "The ResourceConfiguration is not a JSON object in the CloudFormation "
                       "resource schema%s%s",
                       e2.code ? ": " : ".", e2.code ? e2.msg : "");
    if (pl_json_i64(pl_json_get(req, "EvaluationTimeout"), &t) < 0)
        t = 0;
    if (t < 0 || t > PL_RULES_PE_TIMEOUT_MAX_S)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "EvaluationTimeout must be between 0 and %d seconds.",
                       PL_RULES_PE_TIMEOUT_MAX_S);
    *timeout = t ? (int)t : PL_RULES_PE_TIMEOUT_S;
    return 0;
}

/* ClientToken idempotency, inside the write transaction (so two requests with one token cannot
 * both insert): 1 and *id set when the same request was made, 0 new, -1 (mismatch or error). */
static int same_request(const struct pl_rules_call *c, const char *token, const char *digest,
                        const char **id, struct pl_err *err)
{
    struct pl_pe_row old;
    if (!token)
        return 0;
    int f = pl_store_pe_by_token(c->st, c->account, c->region, token, c->a, &old, err);
    if (f <= 0)
        return f;
    if (old.request_hash && strcmp(old.request_hash, digest) == 0) {
        *id = old.id;
        return 1;
    }
    return pl_fail(err, PL_E_IDEMPOTENT_PARAMETER_MISMATCH,
                   "The ClientToken %s was used before with different request parameters.", token);
}

/* The run of an evaluation on the API thread (Lambda calls go to the engine's runner). */
static void api_run(const struct pl_rules_call *c, struct pl_run *run)
{
    struct pl_rules *eng = c->eng;
    memset(run, 0, sizeof *run);
    run->st = c->st;
    run->account = c->account;
    run->region = c->region;
    run->store_spec = c->store_spec;
    run->now = pl_now_ms();
    run->mode = "PROACTIVE";
    pl_arena_init(&run->scratch);
    if (!eng)
        return;
    run->pool = eng->pool;
    run->runner = eng->runner;
    run->endpoint_url = eng->endpoint_url;
    run->access_key = eng->access_key ? eng->access_key : c->account;
    run->secret_key = eng->secret_key ? eng->secret_key : "plumb";
    run->session_master = eng->sessions ? &eng->master : NULL;
}

int pl_rules_resource_eval_start(const struct pl_rules_call *c, const struct pl_json *req,
                                 const char **id_out, struct pl_err *err)
{
    const struct pl_json *props = NULL;
    int timeout = PL_RULES_PE_TIMEOUT_S;
    char digest[65], uuid[37];
    const char *token = pl_json_get_str(req, "ClientToken");
    if (check_start(c, req, &props, &timeout, err) < 0)
        return -1;
    request_digest(c->a, req, digest);
    const struct pl_json *rd = pl_json_get(req, "ResourceDetails");
    const char *type = pl_json_get_str(rd, "ResourceType"), *id = pl_json_get_str(rd, "ResourceId");
    struct pl_json *details = pl_json_clone(c->a, rd);
    if (!pl_json_get(details, "ResourceConfigurationSchemaType"))
        pl_json_set_str(c->a, details, "ResourceConfigurationSchemaType", "CFN_RESOURCE_SCHEMA");
    pl_uuid(uuid);
    struct pl_run run;
    api_run(c, &run);
    struct pl_pe_row row = {.account = c->account,
                            .region = c->region,
                            .id = pl_arena_strdup(c->a, uuid),
                            .client_token = token,
                            .request_hash = digest,
                            .mode = "PROACTIVE",
                            .context_id = pl_json_get_str(pl_json_get(req, "EvaluationContext"),
                                                          "EvaluationContextIdentifier"),
                            .start_ms = run.now,
                            .timeout_s = timeout,
                            .details = pl_json_dump(c->a, details, PL_JSON_COMPACT)};
    struct start s = {c, row.id, type, id, run.now, 0};
    struct pl_rule **rules = NULL;
    size_t n = 0;
    int rc = pl_store_begin(c->st, err), same = 0;
    if (rc == 0 && (same = same_request(c, token, digest, id_out, err)) != 0) {
        rc = same < 0 ? -1 : pl_store_commit(c->st, err);
        if (rc < 0 && pl_store_in_tx(c->st))
            pl_store_rollback(c->st);
        pl_rules__env_fini(&run);
        pl_arena_fini(&run.scratch);
        return rc;
    }
    if (rc == 0)
        rc = prune_old(c->st, run.now, err);
    if (rc == 0)
        rc = load_rules(c->st, c->account, c->region, NULL, 0, c->a, &rules, &n, err);
    if (rc == 0)
        rc = judge(&run, rules, n, type, id, props, NULL, store_verdict, &s, err);
    if (rc == 0 && s.pending && !run.runner)
        row.failure = "no function runner is running in this process: the Lambda-style rules "
                      "cannot be invoked";
    if (rc == 0)
        rc = pl_store_pe_put(c->st, &row, err);
    if (rc == 0)
        rc = pl_store_commit(c->st, err);
    else if (pl_store_in_tx(c->st))
        pl_store_rollback(c->st);
    if (rc == 0 && run.runner) /* after the commit: the answers find their pending rows */
        rc = pl_rules__lambda_dispatch(&run, err);
    pl_rules__lambda_drop(&run);
    free_rules(rules, n);
    pl_rules__env_fini(&run);
    pl_arena_fini(&run.scratch);
    if (rc == 0)
        *id_out = row.id;
    return rc;
}

/* ---- reads ---- */

/* Status of an evaluation from its results: "IN_PROGRESS", "FAILED" (reason) or "SUCCEEDED";
 * an evaluation past its timeout with pending results is marked failed in the store. */
static int status_of(const struct pl_rules_call *c, struct pl_pe_row *row,
                     const struct pl_pe_result *res, size_t n, const char **status,
                     struct pl_err *err)
{
    const char *waiting = NULL;
    for (size_t i = 0; i < n && !waiting; i++)
        if (res[i].comp == PL_PE_PENDING)
            waiting = res[i].rule;
    if (row->failure) {
        *status = "FAILED";
        return 0;
    }
    if (!waiting) {
        *status = "SUCCEEDED";
        return 0;
    }
    if (pl_now_ms() <= row->start_ms + (int64_t)row->timeout_s * 1000) {
        *status = "IN_PROGRESS";
        return 0;
    }
    row->failure = pl_arena_printf(c->a,
                                   "The evaluation did not finish within its EvaluationTimeout "
                                   "of %d seconds: the rule %s did not report a result.",
                                   row->timeout_s, waiting);
    *status = "FAILED";
    return pl_store_pe_fail(c->st, c->account, c->region, row->id, row->failure, err);
}

static int load_eval(const struct pl_rules_call *c, const char *id, struct pl_pe_row *row,
                     struct pl_pe_result **res, size_t *n, const char **status, struct pl_err *err)
{
    int f = pl_store_pe_get(c->st, c->account, c->region, id ? id : "", c->a, row, err);
    if (f < 0)
        return -1;
    if (!f)
        return pl_fail(err, PL_E_RESOURCE_NOT_FOUND,
                       "The ResourceEvaluationId %s does not exist in this account and region.",
                       id ? id : "");
    if (pl_store_pe_results(c->st, c->account, c->region, row->id, c->a, res, n, err) < 0)
        return -1;
    return status_of(c, row, *res, *n, status, err);
}

int pl_rules_resource_eval_summary(const struct pl_rules_call *c, const char *id,
                                   struct pl_json *out, struct pl_err *err)
{
    struct pl_pe_row row;
    struct pl_pe_result *res;
    size_t n;
    const char *status;
    struct pl_arena *a = c->a;
    if (load_eval(c, id, &row, &res, &n, &status, err) < 0)
        return -1;
    pl_json_set_str(a, out, "ResourceEvaluationId", row.id);
    pl_json_set_str(a, out, "EvaluationMode", row.mode);
    struct pl_json *st = pl_json_set(a, out, "EvaluationStatus", pl_json_new_obj(a));
    pl_json_set_str(a, st, "Status", status);
    if (row.failure)
        pl_json_set_str(a, st, "FailureReason", row.failure);
    pl_json_set(a, out, "EvaluationStartTimestamp", pl_json_new_epoch_ms(a, row.start_ms));
    if (strcmp(status, "SUCCEEDED") == 0) {
        int worst = -1;
        static const int rank[] = {[PL_EV_NOT_APPLICABLE] = 1,
                                   [PL_EV_COMPLIANT] = 2,
                                   [PL_EV_NON_COMPLIANT] = 3,
                                   [PL_EV_INSUFFICIENT_DATA] = 0};
        for (size_t i = 0; i < n; i++)
            if (res[i].comp >= 0 && res[i].comp <= 3 && (worst < 0 || rank[res[i].comp] > rank[worst]))
                worst = res[i].comp;
        pl_json_set_str(a, out, "Compliance",
                        pl_ev_comp_name(worst < 0 ? PL_EV_INSUFFICIENT_DATA : worst));
    }
    if (row.context_id) {
        struct pl_json *ctx = pl_json_set(a, out, "EvaluationContext", pl_json_new_obj(a));
        pl_json_set_str(a, ctx, "EvaluationContextIdentifier", row.context_id);
    }
    struct pl_err e2 = {0};
    struct pl_json *d = pl_json_parse(a, row.details, strlen(row.details), &e2);
    if (d)
        pl_json_set(a, out, "ResourceDetails", d);
    return 0;
}

int pl_rules_resource_eval_results(const struct pl_rules_call *c, const char *id, unsigned comps,
                                   struct pl_json *arr, struct pl_err *err)
{
    struct pl_pe_row row;
    struct pl_pe_result *res;
    size_t n;
    const char *status;
    struct pl_arena *a = c->a;
    if (load_eval(c, id, &row, &res, &n, &status, err) < 0)
        return -1;
    struct pl_err e2 = {0};
    struct pl_json *d = pl_json_parse(a, row.details, strlen(row.details), &e2);
    const char *type = pl_json_get_str(d, "ResourceType"), *rid = pl_json_get_str(d, "ResourceId");
    for (size_t i = 0; i < n; i++) {
        if (res[i].comp < 0 || (comps && !(comps & (1u << res[i].comp))))
            continue;
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(a));
        struct pl_json *ident = pl_json_set(a, o, "EvaluationResultIdentifier", pl_json_new_obj(a));
        struct pl_json *q =
            pl_json_set(a, ident, "EvaluationResultQualifier", pl_json_new_obj(a));
        pl_json_set_str(a, q, "ConfigRuleName", res[i].rule);
        pl_json_set_str(a, q, "ResourceType", type ? type : res[i].resource_type);
        pl_json_set_str(a, q, "ResourceId", rid ? rid : res[i].resource_id);
        pl_json_set_str(a, q, "EvaluationMode", "PROACTIVE");
        pl_json_set(a, ident, "OrderingTimestamp", pl_json_new_epoch_ms(a, res[i].ordering_ms));
        pl_json_set_str(a, ident, "ResourceEvaluationId", row.id);
        pl_json_set_str(a, o, "ComplianceType", pl_ev_comp_name(res[i].comp));
        pl_json_set(a, o, "ResultRecordedTime", pl_json_new_epoch_ms(a, res[i].recorded_ms));
        pl_json_set(a, o, "ConfigRuleInvokedTime", pl_json_new_epoch_ms(a, res[i].invoked_ms));
        if (res[i].annotation)
            pl_json_set_str(a, o, "Annotation", res[i].annotation);
    }
    return 0;
}

/* ---- PutEvaluations for proactive result tokens ---- */

int pl_rules__pe_answer(const struct pl_rules_call *c, const char *token,
                        const struct pl_json *const *items, size_t n, struct pl_err *err)
{
    struct pl_pe_result pend;
    int f = pl_store_pe_result_by_token(c->st, c->account, c->region, token, c->a, &pend, err);
    if (f <= 0)
        return f;
    struct pl_pe_row row;
    if (pl_store_pe_get(c->st, c->account, c->region, pend.eval_id, c->a, &row, err) <= 0)
        return -1;
    if (row.failure || pl_now_ms() > row.start_ms + (int64_t)row.timeout_s * 1000)
        return 1; /* too late: the evaluation has failed; the answer is dropped */
    const struct pl_json *e = n ? items[0] : NULL;
    for (size_t i = 0; i < n; i++) /* the answer about the evaluated resource, if several */
        if (pl_json_get_str(items[i], "ComplianceResourceId") &&
            strcmp(pl_json_get_str(items[i], "ComplianceResourceId"), pend.resource_id) == 0)
            e = items[i];
    if (!e)
        return 1;
    int comp = pl_ev_comp_parse(pl_json_get_str(e, "ComplianceType"));
    pend.comp = comp < 0 ? PL_EV_INSUFFICIENT_DATA : comp;
    pend.annotation = pl_json_get_str(e, "Annotation");
    pend.recorded_ms = pl_now_ms();
    return pl_store_pe_result_put(c->st, c->account, c->region, &pend, err) < 0 ? -1 : 1;
}
