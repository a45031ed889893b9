/* ops.c — the rule operations behind the API (rules.h "operations"): PutConfigRule,
 * DeleteConfigRule, StartConfigRulesEvaluation, PutEvaluations, PutExternalEvaluation,
 * DeleteEvaluationResults.
 *
 * They run on the API thread with its store connection (results and status included). Evaluations
 * never run here: a put rule or an on-demand start writes a "rules.evaluate" outbox row in the same
 * store transaction, which the engine runs. Results that arrive here (PutEvaluations,
 * PutExternalEvaluation) go through the same result sink as the engine's, so they are ordered and
 * recorded as ResourceCompliance CIs the same way.
 */
#include <string.h>

#include "core/log.h"
#include "core/time.h"
#include "core/util.h"
#include "rules/rules_int.h"

#define RUNNING_TIMEOUT_MS (10 * 60 * 1000) /* an evaluation mark older than this is stale */

static int no_such_rule(struct pl_err *err, const char *name)
{
    return pl_fail(err, PL_E_NO_SUCH_CONFIG_RULE,
                   "The ConfigRule '%s' provided in the request is invalid. Please check the "
                   "configRule name.",
                   name);
}

/* The stored rule JSON (1), 0 absent. */
static int load_rule(const struct pl_rules_call *c, const char *name, struct pl_json **out,
                     struct pl_err *err)
{
    struct pl_obj o;
    *out = NULL;
    int f =
        pl_store_obj_get(c->st, c->account, c->region, PL_KIND_CONFIG_RULE, name, c->a, &o, err);
    if (f <= 0)
        return f;
    *out = pl_json_parse(c->a, o.json, o.len, err);
    return *out ? 1 : -1;
}

/* The stored rule name (NoSuchConfigRuleException). */
static int existing_rule(const struct pl_rules_call *c, const char *name, struct pl_json **j,
                         struct pl_err *err)
{
    int f = load_rule(c, name, j, err);
    if (f < 0)
        return -1;
    return f ? 0 : no_such_rule(err, name);
}

/* A minimal rule (name, ARN, id) for the result sink. */
static void light_rule(struct pl_rule *r, const struct pl_rules_call *c, const struct pl_json *j)
{
    memset(r, 0, sizeof *r);
    r->account = c->account;
    r->region = c->region;
    r->name = pl_json_get_str(j, "ConfigRuleName");
    r->arn = pl_json_get_str(j, "ConfigRuleArn");
    r->id = pl_json_get_str(j, "ConfigRuleId");
}

static int queue_evaluation(const struct pl_rules_call *c, const char *const *names, size_t n,
                            const char *reason, struct pl_err *err)
{
    struct pl_json *p = pl_json_new_obj(c->a);
    struct pl_json *arr = pl_json_set(c->a, p, "rules", pl_json_new_arr(c->a));
    for (size_t i = 0; i < n; i++)
        pl_json_push(arr, pl_json_new_str(c->a, names[i]));
    pl_json_set_str(c->a, p, "reason", reason);
    const char *text = pl_json_dump(c->a, p, PL_JSON_COMPACT);
    return pl_store_outbox_add(c->st, c->account, c->region, PL_OUTBOX_RULES_EVALUATE, text,
                               strlen(text), NULL, err);
}

static int save_tags(const struct pl_rules_call *c, const char *arn, const struct pl_json *tags,
                     struct pl_err *err)
{
    if (!tags || !tags->len)
        return 0;
    struct pl_json *map = pl_json_new_obj(c->a);
    for (const struct pl_json *t = tags->child; t; t = t->next) {
        const char *v = pl_json_get_str(t, "Value");
        pl_json_set_str(c->a, map, pl_json_get_str(t, "Key"), v ? v : "");
    }
    const char *text = pl_json_dump(c->a, map, PL_JSON_COMPACT);
    return pl_store_obj_put(c->st, c->account, c->region, PL_KIND_TAGS, arn, text, strlen(text),
                            err);
}

/* PutConfigRule may name an existing rule by ConfigRuleArn or ConfigRuleId alone: the
 * request with the stored name filled in (arena), or NoSuchConfigRuleException. */
static const struct pl_json *name_by_id(const struct pl_rules_call *c, const struct pl_json *rule,
                                        struct pl_err *err)
{
    const char *arn = pl_json_get_str(rule, "ConfigRuleArn");
    const char *id = pl_json_get_str(rule, "ConfigRuleId");
    struct pl_obj *items;
    size_t n;
    if (pl_json_get_str(rule, "ConfigRuleName") || (!arn && !id))
        return rule;
    if (pl_store_obj_list(c->st, c->account, c->region, PL_KIND_CONFIG_RULE, NULL, 0, c->a, &items,
                          &n, err) < 0)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        struct pl_json *j = pl_json_parse(c->a, items[i].json, items[i].len, err);
        if (!j)
            return NULL;
        const char *jarn = pl_json_get_str(j, "ConfigRuleArn");
        const char *jid = pl_json_get_str(j, "ConfigRuleId");
        if ((arn && jarn && !strcmp(arn, jarn)) || (id && jid && !strcmp(id, jid))) {
            struct pl_json *named = pl_json_clone(c->a, rule);
            pl_json_set_str(c->a, named, "ConfigRuleName", items[i].name);
            return named;
        }
    }
    return no_such_rule(err, arn ? arn : id), NULL;
}

/* ResourceInUseException for a rule that a service (a conformance pack) created, unless the
 * call acts for that service: such rules change and go with their owner. */
static int owned_elsewhere(const struct pl_rules_call *c, const struct pl_json *rule,
                           struct pl_err *err)
{
    const char *by = pl_json_get_str(rule, "CreatedBy");
    if (!by || (c->service && strcmp(by, c->service) == 0))
        return 0;
    return pl_fail(err, PL_E_RESOURCE_IN_USE,
                   "The rule %s was created by %s (a conformance pack or an organization rule) and "
                   "can only be changed or deleted through it.",
                   pl_json_get_str(rule, "ConfigRuleName"), by);
}

/* AWS's InvalidParameterValueException checks of a PutConfigRule request: CreatedBy is
 * Config's own, ConfigRuleArn/Id only name an existing rule, ACTIVE is the one state a caller
 * may set, and a Scope is by resource or by tag, not both. */
static int caller_fields(const struct pl_json *rule, const char *service, int creating,
                         struct pl_err *err)
{
    const struct pl_json *scope = pl_json_get(rule, "Scope");
    const char *state = pl_json_get_str(rule, "ConfigRuleState");
    const char *by = pl_json_get_str(rule, "CreatedBy");
    if (pl_json_get(rule, "CreatedBy") && !(by && service && strcmp(by, service) == 0))
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "AWS Config populates the CreatedBy field for ServiceLinkedConfigRule. "
                       "Try again without populating the CreatedBy field");
    if (creating && (pl_json_get(rule, "ConfigRuleArn") || pl_json_get(rule, "ConfigRuleId")))
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "ConfigRule Arn and Id can not be specified when creating a new "
                       "ConfigRule.");
    if (state && strcmp(state, "ACTIVE"))
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "The ConfigRuleState %s is invalid.  Only the following values are "
                       "permitted: ACTIVE",
                       state);
    if (scope && pl_json_get(scope, "ComplianceResourceTypes") && pl_json_get(scope, "TagKey"))
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "Scope cannot be applied to both resource and tag");
    return 0;
}

int pl_rules_put_rule(const struct pl_rules_call *c, const struct pl_json *rule,
                      const struct pl_json *tags, struct pl_err *err)
{
    struct pl_json *prev = NULL, *out;
    int64_t count = 0;
    if (!(rule = name_by_id(c, rule, err)))
        return -1;
    const char *name = pl_json_get_str(rule, "ConfigRuleName");
    if (name && load_rule(c, name, &prev, err) < 0)
        return -1;
    if (!prev) {
        if (pl_store_obj_count(c->st, c->account, c->region, PL_KIND_CONFIG_RULE, &count, err) < 0)
            return -1;
        if (count >= PL_RULES_MAX_PER_REGION)
            return pl_fail(err, PL_E_MAX_NUMBER_OF_CONFIG_RULES_EXCEEDED,
                           "Failed to put config rule '%s' because the maximum number of config "
                           "rules: %d is reached.",
                           name ? name : "", PL_RULES_MAX_PER_REGION);
    }
    if ((prev && owned_elsewhere(c, prev, err) < 0) ||
        caller_fields(rule, c->service, !prev, err) < 0 || !(out = pl_rules__rule_validate(c, rule, prev, err)))
        return -1;
    const char *text = pl_json_dump(c->a, out, PL_JSON_COMPACT);
    const char *arn = pl_json_get_str(out, "ConfigRuleArn");
    if (pl_store_begin(c->st, err) < 0)
        return -1;
    if (pl_store_obj_put(c->st, c->account, c->region, PL_KIND_CONFIG_RULE, name, text,
                         strlen(text), err) < 0 ||
        (!prev && save_tags(c, arn, tags, err) < 0) ||
        queue_evaluation(c, &name, 1, "PutConfigRule", err) < 0) {
        pl_store_rollback(c->st);
        return -1;
    }
    if (pl_store_commit(c->st, err) < 0)
        return -1;
    struct pl_ev_status st;
    int f = pl_store_rule_status_get(c->st, c->account, c->region, name, c->a, &st, err);
    if (f < 0)
        return -1;
    if (!f) {
        st.first_activated_ms = pl_now_ms();
        if (pl_store_rule_status_put(c->st, c->account, c->region, name, &st, err) < 0)
            return -1;
    }
    pl_rules_changed(c->eng);
    return 0;
}

int pl_rules_get_rule(const struct pl_rules_call *c, const char *name, struct pl_json **out,
                      struct pl_err *err)
{
    int f = load_rule(c, name, out, err);
    if (f <= 0)
        return f;
    struct pl_ev_status st;
    if (pl_store_rule_status_get(c->st, c->account, c->region, name, c->a, &st, err) < 0)
        return -1;
    if (st.running_since && pl_now_ms() - st.running_since < RUNNING_TIMEOUT_MS) {
        pl_json_del(*out, "ConfigRuleState");
        pl_json_set_str(c->a, *out, "ConfigRuleState", "EVALUATING");
    }
    return 1;
}

/* ResourceInUseException while an on-demand evaluation of the rule runs (AWS: the rule is
 * EVALUATING). */
static int not_evaluating(const struct pl_rules_call *c, const char *name, struct pl_err *err)
{
    struct pl_ev_status st;
    if (pl_store_rule_status_get(c->st, c->account, c->region, name, c->a, &st, err) < 0)
        return -1;
    if (st.running_since && pl_now_ms() - st.running_since < RUNNING_TIMEOUT_MS)
        return pl_fail(err, PL_E_RESOURCE_IN_USE,
                       "The rule %s is currently being evaluated. Please retry after the "
                       "evaluation completes.",
                       name);
    return 0;
}

/* Deletes the rule's results and re-records the compliance CIs of the resources they were
 * about. */
static int drop_results(const struct pl_rules_call *c, const char *name, struct pl_err *err)
{
    struct pl_ev_query q = {.account = c->account, .region = c->region, .rule = name};
    struct pl_ev_row *rows;
    size_t n;
    bool more;
    if (pl_store_eval_list(c->st, &q, c->a, &rows, &n, &more, err) < 0 ||
        pl_store_eval_delete_rule(c->st, c->account, c->region, name, err) < 0)
        return -1;
    if (!n)
        return 0;
    struct pl_rsink *s = pl_rules__sink_new(c->st, c->account, c->region);
    for (size_t i = 0; i < n; i++)
        if (rows[i].comp != PL_EV_NOT_APPLICABLE)
            pl_rules__sink_touch(s, rows[i].resource_type, rows[i].resource_id, err);
    int rc = pl_rules__sink_flush(s, err);
    pl_rules__sink_free(s);
    return rc;
}

/* As AWS: a rule with a remediation configuration is not deleted (a conformance pack, c->service,
 * deletes its remediations with its rules). */
static int no_remediation(const struct pl_rules_call *c, const char *name, struct pl_err *err)
{
    struct pl_obj o;
    int found = c->service ? 0
                           : pl_store_obj_get(c->st, c->account, c->region,
                                              PL_KIND_REMEDIATION_CONFIG, name, c->a, &o, err);
    if (found <= 0)
        return found;
    return pl_fail(err, PL_E_RESOURCE_IN_USE,
                   "A remediation action is associated with the rule '%s'. Delete the "
                   "remediation action associated with the rule before deleting the rule.",
                   name);
}

int pl_rules_delete_rule(const struct pl_rules_call *c, const char *name, struct pl_err *err)
{
    struct pl_json *j;
    if (existing_rule(c, name, &j, err) < 0 || owned_elsewhere(c, j, err) < 0 ||
        not_evaluating(c, name, err) < 0 || no_remediation(c, name, err) < 0)
        return -1;
    if (pl_store_obj_delete(c->st, c->account, c->region, PL_KIND_CONFIG_RULE, name, err) < 0 ||
        pl_store_obj_delete(c->st, c->account, c->region, PL_KIND_TAGS,
                            pl_json_get_str(j, "ConfigRuleArn"), err) < 0)
        return -1;
    pl_rules_changed(c->eng);
    if (pl_store_rule_status_delete(c->st, c->account, c->region, name, err) < 0)
        return -1;
    return drop_results(c, name, err);
}

int pl_rules_start_evaluation(const struct pl_rules_call *c, const char *const *names, size_t n,
                              struct pl_err *err)
{
    int64_t now = pl_now_ms();
    struct pl_ev_status *st = pl_arena_alloc(c->a, (n + 1) * sizeof *st);
    if (n < 1 || n > 25)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "StartConfigRulesEvaluation takes 1 to 25 rule names.");
    for (size_t i = 0; i < n; i++) {
        struct pl_json *j;
        int f = load_rule(c, names[i], &j, err);
        if (f < 0)
            return -1;
        if (!f)
            return no_such_rule(err, names[i]);
        if (pl_store_rule_status_get(c->st, c->account, c->region, names[i], c->a, &st[i], err) < 0)
            return -1;
        if (st[i].running_since && now - st[i].running_since < RUNNING_TIMEOUT_MS)
            return pl_fail(err, PL_E_LIMIT_EXCEEDED,
                           "The evaluation of the rule '%s' is still in progress; try again "
                           "when it completes.",
                           names[i]);
    }
    for (size_t i = 0; i < n; i++) {
        st[i].running_since = now;
        if (pl_store_rule_status_put(c->st, c->account, c->region, names[i], &st[i], err) < 0)
            return -1;
    }
    int64_t channels = 0;
    if (pl_store_obj_count(c->st, c->account, c->region, PL_KIND_CHANNEL, &channels, err) < 0 ||
        pl_store_begin(c->st, err) < 0)
        return -1;
    if (queue_evaluation(c, names, n, "StartConfigRulesEvaluation", err) < 0)
        goto fail;
    if (channels) {
        struct pl_json *m = pl_json_new_obj(c->a);
        pl_json_set_str(c->a, m, "awsAccountId", c->account);
        pl_json_set_str(c->a, m, "awsRegion", c->region);
        struct pl_json *arr = pl_json_set(c->a, m, "configRuleNames", pl_json_new_arr(c->a));
        for (size_t i = 0; i < n; i++)
            pl_json_push(arr, pl_json_new_str(c->a, names[i]));
        const char *text = pl_json_dump(c->a, m, PL_JSON_COMPACT);
        if (pl_store_outbox_add(c->st, c->account, c->region, PL_OUTBOX_DELIVERY_RULES_STARTED,
                                text, strlen(text), NULL, err) < 0)
            goto fail;
    }
    if (pl_store_commit(c->st, err) < 0)
        return -1;
    pl_rules_kick(c->eng);
    return 0;
fail:
    pl_store_rollback(c->st);
    return -1;
}

/* Checks one Evaluation / ExternalEvaluation and returns its compliance and ordering time. */
static int check_evaluation(const struct pl_json *e, enum pl_ev_comp *comp, int64_t *ordering,
                            struct pl_err *err)
{
    const char *ct = pl_json_get_str(e, "ComplianceType");
    int c = pl_ev_comp_parse(ct);
    if (c < 0 || c == PL_EV_INSUFFICIENT_DATA)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "The ComplianceType %s is not valid: an evaluation must be COMPLIANT, "
                       "NON_COMPLIANT or NOT_APPLICABLE.",
                       ct ? ct : "(none)");
    const struct pl_json *ts = pl_json_get(e, "OrderingTimestamp");
    double sec;
    const char *s = pl_json_str(ts);
    int ok = ts && pl_json_double(ts, &sec) == 0 ? pl_time_from_epoch_s(sec, ordering)
             : s                                 ? pl_time_parse(s, ordering)
                                                 : -1;
    if (ok < 0)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "The OrderingTimestamp of an evaluation is missing or not valid.");
    *comp = (enum pl_ev_comp)c;
    return 0;
}

/* A result about a deleted resource is NOT_APPLICABLE whatever it says: a function that judges
 * the ResourceDeleted notification (evaluate.c) must not bring the resource back into the
 * compliance summaries. */
static int deleted_resource(const struct pl_rules_call *c, const char *type, const char *id,
                            enum pl_ev_comp *comp, struct pl_err *err)
{
    struct pl_resource rs;
    if (!type || !id)
        return 0;
    int f = pl_store_resource_get(c->st, c->account, c->region, type, id, c->a, &rs, err);
    if (f < 0)
        return -1;
    if (f && rs.deleted)
        *comp = PL_EV_NOT_APPLICABLE;
    return 0;
}

/* Stores evaluations through a sink as results of rule j. */
static int store_evaluations(const struct pl_rules_call *c, const struct pl_json *j,
                             const struct pl_json *const *items, size_t n, const char *token,
                             int64_t invoked, struct pl_err *err)
{
    struct pl_rule r;
    light_rule(&r, c, j);
    struct pl_rsink *s = pl_rules__sink_new(c->st, c->account, c->region);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        enum pl_ev_comp comp = PL_EV_NOT_APPLICABLE;
        int64_t ordering;
        const struct pl_json *e = items[i];
        const char *type = pl_json_get_str(e, "ComplianceResourceType");
        const char *id = pl_json_get_str(e, "ComplianceResourceId");
        rc = check_evaluation(e, &comp, &ordering, err);
        if (rc == 0)
            rc = deleted_resource(c, type, id, &comp, err);
        if (rc == 0)
            rc = pl_rules__sink_put(s, &r, type, id, comp, pl_json_get_str(e, "Annotation"),
                                    ordering, invoked, token, err);
    }
    if (rc == 0)
        rc = pl_rules__sink_flush(s, err);
    pl_rules__sink_free(s);
    if (rc == 0)
        rc = pl_rules__eval_status_named(c->st, c->account, c->region, r.name, pl_now_ms(), false,
                                         NULL, NULL, err);
    return rc;
}

int pl_rules_put_evaluations(const struct pl_rules_call *c, const char *token,
                             const struct pl_json *evs, bool test_mode, struct pl_json *failed,
                             struct pl_err *err)
{
    size_t n = evs ? evs->len : 0;
    const struct pl_json **items = pl_arena_alloc(c->a, (n + 1) * sizeof *items);
    const char *rule;
    int64_t invoked;
    struct pl_json *j;
    (void)failed;
    if (n > 100)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "PutEvaluations accepts at most 100 evaluations.");
    n = 0;
    for (const struct pl_json *e = evs ? evs->child : NULL; e; e = e->next) {
        enum pl_ev_comp comp;
        int64_t ordering;
        if (check_evaluation(e, &comp, &ordering, err) < 0)
            return -1;
        items[n++] = e;
    }
    if (!token || !*token)
        return pl_fail(err, PL_E_INVALID_RESULT_TOKEN, "The resultToken provided is invalid");
    if (test_mode)
        return 0;
    int f = pl_rules__pe_answer(c, token, items, n, err);
    if (f != 0)
        return f < 0 ? -1 : 0;
    f = pl_store_token_get(c->st, token, c->account, c->region, c->a, &rule, &invoked, err);
    if (f < 0)
        return -1;
    if (!f || invoked + PL_RULES_TOKEN_TTL_MS < pl_now_ms()) /* unknown or expired */
        return pl_fail(err, PL_E_INVALID_RESULT_TOKEN, "The resultToken provided is invalid");
    if ((f = load_rule(c, rule, &j, err)) < 0)
        return -1;
    if (!f)
        return no_such_rule(err, rule);
    return store_evaluations(c, j, items, n, token, invoked, err);
}

int pl_rules_put_external(const struct pl_rules_call *c, const char *name,
                          const struct pl_json *ext, struct pl_err *err)
{
    struct pl_json *j;
    if (existing_rule(c, name, &j, err) < 0)
        return -1;
    const char *sid = pl_json_get_str(pl_json_get(j, "Source"), "SourceIdentifier");
    if (!sid || strcmp(sid, "AWS_CONFIG_PROCESS_CHECK") != 0)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "PutExternalEvaluation is only allowed for process check rules "
                       "(AWS_CONFIG_PROCESS_CHECK); '%s' is not one.",
                       name);
    const struct pl_json *items[1] = {ext};
    return store_evaluations(c, j, items, 1, NULL, pl_now_ms(), err);
}

int pl_rules_delete_results(const struct pl_rules_call *c, const char *name, struct pl_err *err)
{
    struct pl_json *j;
    if (existing_rule(c, name, &j, err) < 0 || not_evaluating(c, name, err) < 0)
        return -1;
    return drop_results(c, name, err);
}
