/* registry.c — ConfigRule validation (PutConfigRule, AWS's rules and messages) and compilation
 * of a stored rule into the struct pl_rule the engine runs.
 *
 * The stored JSON is what DescribeConfigRules returns (ConfigRuleName, ConfigRuleArn,
 * ConfigRuleId, Description, Scope, Source, InputParameters, MaximumExecutionFrequency,
 * ConfigRuleState, EvaluationModes); ConfigRuleState is always stored ACTIVE, the live state
 * (EVALUATING) is derived from the evaluation status when read.
 */
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/util.h"
#include "guard/guard.h"
#include "rules/rules_int.h"

/* ---- helpers ---- */

static int64_t frequency_ms(const char *f)
{
    static const struct {
        const char *name;
        int64_t hours;
    } tab[] = {{"One_Hour", 1},
               {"Three_Hours", 3},
               {"Six_Hours", 6},
               {"Twelve_Hours", 12},
               {"TwentyFour_Hours", 24}};
    for (size_t i = 0; f && i < PL_ARRAY_LEN(tab); i++)
        if (strcmp(f, tab[i].name) == 0)
            return tab[i].hours * 3600 * 1000;
    return 24 * 3600 * 1000;
}

static int fail_param(struct pl_err *err, const char *fmt, const char *a1)
{
    return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE, fmt, a1 ? a1 : "");
}

/* "arn:aws:lambda:REGION:ACCOUNT:function:NAME" -> NAME position, or NULL. */
static const char *lambda_arn_name(const char *arn)
{
    if (!arn || strncmp(arn, "arn:aws:lambda:", 15) != 0)
        return NULL;
    const char *p = arn + 15;
    for (int field = 0; field < 2; field++) { /* region, account */
        const char *c = strchr(p, ':');
        if (!c || c == p)
            return NULL;
        p = c + 1;
    }
    if (strncmp(p, "function:", 9) != 0 || !p[9])
        return NULL;
    return p + 9;
}

/* Checks SourceDetails of a custom rule; sets *change and *periodic. */
static int check_details(const struct pl_json *det, bool *change, bool *periodic,
                         struct pl_err *err)
{
    for (const struct pl_json *d = det ? det->child : NULL; d; d = d->next) {
        const char *src = pl_json_get_str(d, "EventSource");
        const char *mt = pl_json_get_str(d, "MessageType");
        const char *mef = pl_json_get_str(d, "MaximumExecutionFrequency");
        if (src && strcmp(src, "aws.config") != 0)
            return fail_param(err, "The EventSource %s is invalid; only aws.config is supported.",
                              src);
        bool sched = mt && strcmp(mt, "ScheduledNotification") == 0;
        if (mef && !sched)
            return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                           "A maximum execution frequency is not allowed if MessageType is "
                           "ConfigurationItemChangeNotification or "
                           "OversizedConfigurationItemChangeNotification.");
        if (sched)
            *periodic = true;
        else if (mt && strcmp(mt, "ConfigurationSnapshotDeliveryCompleted") != 0)
            *change = true;
    }
    return 0;
}

static int check_scope(const struct pl_json *scope, struct pl_err *err)
{
    const struct pl_json *types = pl_json_get(scope, "ComplianceResourceTypes");
    size_t ntypes = types ? types->len : 0;
    if (pl_json_get_str(scope, "TagValue") && !pl_json_get_str(scope, "TagKey"))
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "Scope TagValue is not allowed without a TagKey.");
    if (pl_json_get_str(scope, "ComplianceResourceId") && ntypes != 1)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "Scope ComplianceResourceId requires exactly one resource type in "
                       "ComplianceResourceTypes.");
    if (ntypes && (pl_json_get_str(scope, "TagKey")))
        return 0; /* AWS accepts both; plumb applies both (docs/rules.md) */
    return 0;
}

static int check_input_params(const char *ip, struct pl_arena *a, struct pl_err *err)
{
    if (!ip)
        return 0;
    struct pl_err e2 = {0};
    struct pl_json *j = pl_json_parse(a, ip, strlen(ip), &e2);
    if (!j || j->type != PL_JOBJ)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "Invalid JSON passed in the InputParameters field");
    return 0;
}

/* Owner AWS: known identifier, parameters, no SourceDetails, frequency only if periodic. */
static int check_managed(const struct pl_json *src, const char *ip, const char *mef,
                         struct pl_arena *a, struct pl_err *err)
{
    const char *sid = pl_json_get_str(src, "SourceIdentifier");
    const struct pl_managed_rule *mr = pl_managed_find(sid ? sid : "");
    const struct pl_json *det = pl_json_get(src, "SourceDetails");
    struct pl_managed_params *p;
    if (!mr)
        return fail_param(err,
                          "The sourceIdentifier %s is invalid. Please refer to the documentation "
                          "for a list of valid sourceIdentifiers that can be used when AWS is "
                          "the Owner.",
                          sid);
    if (det && det->len)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "SourceDetails should be null/empty if the owner is AWS. SourceDetails "
                       "should be provided if the owner is CUSTOM_LAMBDA.");
    if (mef && mr->trigger == PL_MANAGED_CHANGE)
        return fail_param(err,
                          "A maximum execution frequency is not allowed for the rule %s: it is "
                          "triggered by configuration changes.",
                          sid);
    return pl_managed_params(mr, ip, a, &p, err);
}

static int check_lambda(const struct pl_rules_call *c, const struct pl_json *src, const char *mef,
                        struct pl_err *err)
{
    const char *sid = pl_json_get_str(src, "SourceIdentifier");
    const struct pl_json *det = pl_json_get(src, "SourceDetails");
    bool change = false, periodic = false;
    if (!lambda_arn_name(sid))
        return fail_param(err,
                          "The sourceIdentifier %s is invalid. Please refer to the "
                          "documentation for the format of a Lambda function ARN.",
                          sid);
    if (!det || !det->len)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "SourceDetails should be provided if the owner is CUSTOM_LAMBDA.");
    if (det->len > 25)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE, "At most 25 SourceDetails are allowed.");
    if (check_details(det, &change, &periodic, err) < 0)
        return -1;
    if (mef && !periodic)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "A maximum execution frequency is only allowed for periodic rules "
                       "(a SourceDetail with MessageType ScheduledNotification).");
    return pl_rules__lambda_check(c->st, c->account, sid, c->a, err);
}

static int check_policy(const struct pl_json *src, const char *mef, struct pl_err *err)
{
    const struct pl_json *cp = pl_json_get(src, "CustomPolicyDetails");
    const char *rt = pl_json_get_str(cp, "PolicyRuntime");
    const char *text = pl_json_get_str(cp, "PolicyText");
    bool change = false, periodic = false;
    if (!cp || !rt || !text)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "CustomPolicyDetails with PolicyRuntime and PolicyText is required when "
                       "the owner is CUSTOM_POLICY.");
    if (strncmp(rt, "guard-2.", 8) != 0)
        return fail_param(err, "The PolicyRuntime %s is not supported; use guard-2.x.x.", rt);
    if (check_details(pl_json_get(src, "SourceDetails"), &change, &periodic, err) < 0)
        return -1;
    if (periodic || mef)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "Custom policy rules are triggered by configuration changes only; "
                       "ScheduledNotification and MaximumExecutionFrequency are not allowed.");
    struct guard_rules *g = NULL;
    struct pl_err ge = {0};
    if (guard_parse(text, strlen(text), "policy", &g, &ge) < 0)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE, "The policy text is invalid: %s", ge.msg);
    guard_rules_free(g);
    return 0;
}

/* EvaluationModes: each Mode DETECTIVE or PROACTIVE, once; PROACTIVE only for rules that support
 * it (managed rules AWS lists as proactive, Guard policies, Lambda-style functions), and only for
 * rules triggered by configuration changes (a proactive evaluation is one resource). */
static int check_modes(const struct pl_json *modes, const char *owner, const struct pl_json *src,
                       const char *mef, struct pl_err *err)
{
    bool seen[2] = {false, false};
    for (const struct pl_json *m = modes ? modes->child : NULL; m; m = m->next) {
        const char *mode = pl_json_get_str(m, "Mode");
        int k = mode && strcmp(mode, "DETECTIVE") == 0 ? 0 : mode && !strcmp(mode, "PROACTIVE") ? 1 : -1;
        if (k < 0)
            return fail_param(err,
                              "The evaluation mode %s is not valid; use DETECTIVE or PROACTIVE.",
                              mode ? mode : "(none)");
        if (seen[k])
            return fail_param(err, "The evaluation mode %s is given more than once.", mode);
        seen[k] = true;
    }
    if (!seen[1])
        return 0;
    const char *sid = pl_json_get_str(src, "SourceIdentifier");
    if (strcmp(owner, "AWS") == 0 && !pl_rules_managed_proactive(sid))
        return fail_param(err,
                          "The rule %s does not support the PROACTIVE evaluation mode. Only "
                          "rules that support proactive evaluation can use it.",
                          sid);
    bool change = false, periodic = false;
    if (strcmp(owner, "AWS") == 0) {
        const struct pl_managed_rule *mr = pl_managed_find(sid ? sid : "");
        change = mr && (mr->trigger & PL_MANAGED_CHANGE) && !mr->account_level;
        periodic = mef || (mr && ((mr->trigger & PL_MANAGED_PERIODIC) || mr->account_level));
    } else if (check_details(pl_json_get(src, "SourceDetails"), &change, &periodic, err) < 0) {
        return -1;
    }
    if (periodic && !change)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "The PROACTIVE evaluation mode is only supported for rules triggered by "
                       "configuration changes.");
    return 0;
}

/* A new ARN/ID suffix: 6 lowercase alphanumerics. */
static void new_rule_id(char out[7])
{
    static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    char hex[13];
    pl_random_hex(6, hex);
    for (int i = 0; i < 6; i++) {
        char pair[3] = {hex[2 * i], hex[2 * i + 1], 0};
        out[i] = al[strtoul(pair, NULL, 16) % 36];
    }
    out[6] = 0;
}

/* Copies member key of in into out when present. */
static void copy_member(struct pl_arena *a, struct pl_json *out, const struct pl_json *in,
                        const char *key)
{
    const struct pl_json *v = pl_json_get(in, key);
    if (v && v->type != PL_JNULL)
        pl_json_set(a, out, key, pl_json_clone(a, v));
}

struct pl_json *pl_rules__rule_validate(const struct pl_rules_call *c, const struct pl_json *in,
                                        const struct pl_json *prev, struct pl_err *err)
{
    struct pl_arena *a = c->a;
    const char *name = pl_json_get_str(in, "ConfigRuleName");
    const struct pl_json *src = pl_json_get(in, "Source");
    const char *owner = pl_json_get_str(src, "Owner");
    const char *ip = pl_json_get_str(in, "InputParameters");
    const char *mef = pl_json_get_str(in, "MaximumExecutionFrequency");
    const struct pl_json *scope = pl_json_get(in, "Scope");

    if (!name || !*name)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "ConfigRuleName is required to create a rule."),
               NULL;
    if (!owner)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE, "Source.Owner is required."), NULL;
    if (check_input_params(ip, a, err) < 0 || check_scope(scope, err) < 0)
        return NULL;
    int rc;
    if (strcmp(owner, "AWS") == 0)
        rc = check_managed(src, ip, mef, a, err);
    else if (strcmp(owner, "CUSTOM_LAMBDA") == 0)
        rc = check_lambda(c, src, mef, err);
    else if (strcmp(owner, "CUSTOM_POLICY") == 0)
        rc = check_policy(src, mef, err);
    else
        rc = fail_param(err, "The Owner %s is invalid.", owner);
    if (rc < 0 || check_modes(pl_json_get(in, "EvaluationModes"), owner, src, mef, err) < 0)
        return NULL;

    struct pl_json *out = pl_json_new_obj(a);
    pl_json_set_str(a, out, "ConfigRuleName", name);
    const char *arn = pl_json_get_str(prev, "ConfigRuleArn");
    const char *id = pl_json_get_str(prev, "ConfigRuleId");
    if (!arn || !id) {
        char sfx[7];
        new_rule_id(sfx);
        id = pl_arena_printf(a, "config-rule-%s", sfx);
        arn = pl_arena_printf(a, "arn:aws:config:%s:%s:config-rule/%s", c->region, c->account, id);
    }
    pl_json_set_str(a, out, "ConfigRuleArn", arn);
    pl_json_set_str(a, out, "ConfigRuleId", id);
    copy_member(a, out, in, "Description");
    if (scope && scope->len)
        pl_json_set(a, out, "Scope", pl_json_clone(a, scope));
    struct pl_json *so = pl_json_set(a, out, "Source", pl_json_clone(a, src));
    if (strcmp(owner, "CUSTOM_POLICY") == 0 && !pl_json_get(so, "SourceIdentifier"))
        pl_json_set_str(a, so, "SourceIdentifier", "CUSTOM_POLICY");
    if (ip)
        pl_json_set_str(a, out, "InputParameters", ip);
    else if (strcmp(owner, "AWS") == 0)
        pl_json_set_str(a, out, "InputParameters", "{}");
    if (mef)
        pl_json_set_str(a, out, "MaximumExecutionFrequency", mef);
    pl_json_set_str(a, out, "ConfigRuleState", "ACTIVE");
    copy_member(a, out, prev ? prev : in, "CreatedBy");
    const struct pl_json *modes = pl_json_get(in, "EvaluationModes");
    if (modes && modes->len) {
        pl_json_set(a, out, "EvaluationModes", pl_json_clone(a, modes));
    } else {
        struct pl_json *m = pl_json_set(a, out, "EvaluationModes", pl_json_new_arr(a));
        struct pl_json *d = pl_json_push(m, pl_json_new_obj(a));
        pl_json_set_str(a, d, "Mode", "DETECTIVE");
    }
    return out;
}

/* ---- compilation ---- */

static const char *dup_str(struct pl_rule *r, const char *s)
{
    return s ? pl_arena_strdup(&r->arena, s) : NULL;
}

static void compile_triggers(struct pl_rule *r, const struct pl_json *j)
{
    const struct pl_json *src = pl_json_get(j, "Source");
    const char *mef = pl_json_get_str(j, "MaximumExecutionFrequency");
    if (r->owner == PL_OWNER_AWS) {
        enum pl_managed_trigger t = r->mr ? r->mr->trigger : PL_MANAGED_UNKNOWN;
        r->process_check = t == PL_MANAGED_MANUAL;
        r->change =
            t == PL_MANAGED_CHANGE || t == PL_MANAGED_BOTH || (t == PL_MANAGED_UNKNOWN && !mef);
        r->periodic =
            t == PL_MANAGED_PERIODIC || t == PL_MANAGED_BOTH || (t == PL_MANAGED_UNKNOWN && mef);
    } else if (r->owner == PL_OWNER_POLICY) {
        r->change = true;
    } else {
        const struct pl_json *det = pl_json_get(src, "SourceDetails");
        for (const struct pl_json *d = det ? det->child : NULL; d; d = d->next) {
            const char *mt = pl_json_get_str(d, "MessageType");
            if (mt && strcmp(mt, "ScheduledNotification") == 0) {
                r->periodic = true;
                if (!mef)
                    mef = pl_json_get_str(d, "MaximumExecutionFrequency");
            } else if (mt && strcmp(mt, "ConfigurationSnapshotDeliveryCompleted") != 0) {
                r->change = true;
                if (strcmp(mt, "OversizedConfigurationItemChangeNotification") == 0)
                    r->oversized_events = true;
                else
                    r->ci_events = true;
            }
        }
    }
    r->period_ms = frequency_ms(mef);
}

static void compile_scope(struct pl_rule *r, const struct pl_json *j)
{
    const struct pl_json *scope = pl_json_get(j, "Scope");
    const struct pl_json *types = pl_json_get(scope, "ComplianceResourceTypes");
    if (types && types->len) {
        r->types = pl_arena_alloc(&r->arena, types->len * sizeof *r->types);
        for (const struct pl_json *t = types->child; t; t = t->next)
            if (t->type == PL_JSTR)
                r->types[r->ntypes++] = dup_str(r, t->str);
    } else if (r->mr && r->mr->ntypes) {
        r->types = (const char **)r->mr->types;
        r->ntypes = r->mr->ntypes;
    }
    r->tag_key = dup_str(r, pl_json_get_str(scope, "TagKey"));
    r->tag_value = dup_str(r, pl_json_get_str(scope, "TagValue"));
    r->scope_id = dup_str(r, pl_json_get_str(scope, "ComplianceResourceId"));
}

/* EvaluationModes: a rule without DETECTIVE is never run on recorded resources. */
static void compile_modes(struct pl_rule *r, const struct pl_json *j)
{
    const struct pl_json *modes = pl_json_get(j, "EvaluationModes");
    r->detective = !modes || !modes->len;
    for (const struct pl_json *m = modes ? modes->child : NULL; m; m = m->next) {
        const char *mode = pl_json_get_str(m, "Mode");
        r->detective |= mode && strcmp(mode, "DETECTIVE") == 0;
        r->proactive |= mode && strcmp(mode, "PROACTIVE") == 0;
    }
    if (!r->detective)
        r->change = r->periodic = false;
}

struct pl_rule *pl_rules__rule_compile(const char *account, const char *region,
                                       const struct pl_json *j, struct pl_err *err)
{
    struct pl_rule *r = pl_xcalloc(1, sizeof *r);
    pl_arena_init(&r->arena);
    const struct pl_json *src = pl_json_get(j, "Source");
    const char *owner = pl_json_get_str(src, "Owner");
    r->account = dup_str(r, account);
    r->region = dup_str(r, region);
    r->name = dup_str(r, pl_json_get_str(j, "ConfigRuleName"));
    r->arn = dup_str(r, pl_json_get_str(j, "ConfigRuleArn"));
    r->id = dup_str(r, pl_json_get_str(j, "ConfigRuleId"));
    r->source_id = dup_str(r, pl_json_get_str(src, "SourceIdentifier"));
    const char *ip = pl_json_get_str(j, "InputParameters");
    r->input_params = dup_str(r, ip ? ip : "{}");
    const char *by = pl_json_get_str(j, "CreatedBy");
    r->pack = by && strcmp(by, "config-conformance-pack.amazonaws.com") == 0;
    if (!r->name || !owner) {
        pl_fail(err, PL_E_INTERNAL, "stored rule without name or owner");
        goto fail;
    }
    if (strcmp(owner, "AWS") == 0) {
        r->owner = PL_OWNER_AWS;
        r->mr = pl_managed_find(r->source_id ? r->source_id : "");
        if (r->mr && pl_managed_implemented(r->mr) &&
            pl_managed_params(r->mr, ip, &r->arena, &r->mp, err) < 0)
            goto fail;
    } else if (strcmp(owner, "CUSTOM_POLICY") == 0) {
        r->owner = PL_OWNER_POLICY;
        const char *text = pl_json_get_str(pl_json_path(src, "CustomPolicyDetails"), "PolicyText");
        if (guard_parse(text ? text : "", text ? strlen(text) : 0, r->name, &r->guard, err) < 0)
            goto fail;
    } else {
        r->owner = PL_OWNER_LAMBDA;
    }
    compile_triggers(r, j);
    compile_scope(r, j);
    compile_modes(r, j);
    return r;
fail:
    pl_rules__rule_free(r);
    return NULL;
}

void pl_rules__rule_free(struct pl_rule *r)
{
    if (!r)
        return;
    guard_rules_free(r->guard);
    pl_arena_fini(&r->arena);
    free(r);
}
