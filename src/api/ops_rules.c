/* ops_rules.c — the Config rule operations: PutConfigRule, DescribeConfigRules,
 * DeleteConfigRule, DescribeConfigRuleEvaluationStatus, StartConfigRulesEvaluation,
 * PutEvaluations, PutExternalEvaluation, DeleteEvaluationResults, GetCustomRulePolicy.
 *
 * Validation, storage and triggering live in the rules engine (src/rules/rules.h); this file
 * reads the request, calls it, and renders AWS's response shapes. Rules are stored as objects
 * of kind "ConfigRule" in the DescribeConfigRules shape. Unknown names give
 * NoSuchConfigRuleException, as AWS does (moto returns an empty list instead).
 */
#include <stdio.h>
#include <string.h>

#include "api/ops_rules.h"
#include "core/hash.h"
#include "store/evals.h"
#include "store/store.h"

#define DESCRIBE_PAGE 25
#define STATUS_LIMIT  50

struct pl_rules_call pl_ops__rules_call(struct pl_op_ctx *c)
{
    struct pl_rules_call rc = {.eng = c->req->app ? c->req->app->rules : NULL,
                               .store_spec = c->req->app ? c->req->app->store_spec : NULL,
                               .st = c->st,
                               .account = c->account,
                               .region = c->region,
                               .a = c->a};
    return rc;
}

/* ---- NextTokens ---- */

const char *pl_ops__token_make(struct pl_op_ctx *c, char tag, const char *const *parts, int n)
{
    size_t len = 2;
    for (int i = 0; i < n; i++)
        len += strlen(parts[i]) + 1;
    char *raw = pl_arena_alloc(c->a, len);
    char *p = raw;
    *p++ = tag;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(parts[i]);
        memcpy(p, parts[i], l);
        p += l;
        *p++ = '\x1f';
    }
    char *hex = pl_arena_alloc(c->a, 2 * (size_t)(p - raw) + 1);
    pl_hex((const unsigned char *)raw, (size_t)(p - raw), hex);
    return hex;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

int pl_ops__token_parse(struct pl_op_ctx *c, char tag, const char *token, const char **parts, int n)
{
    size_t len = strlen(token);
    if (len < 2 || len % 2)
        goto bad;
    char *raw = pl_arena_alloc(c->a, len / 2 + 1);
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hexval(token[2 * i]), lo = hexval(token[2 * i + 1]);
        if (hi < 0 || lo < 0)
            goto bad;
        raw[i] = (char)(hi * 16 + lo);
    }
    if (raw[0] != tag)
        goto bad;
    char *p = raw + 1;
    for (int i = 0; i < n; i++) {
        char *sep = memchr(p, '\x1f', (size_t)(raw + len / 2 - p));
        if (!sep)
            goto bad;
        *sep = 0;
        parts[i] = p;
        p = sep + 1;
    }
    if (p != raw + len / 2)
        goto bad;
    return 0;
bad:
    return pl_fail(c->err, PL_E_INVALID_NEXT_TOKEN, "The nextToken provided is invalid");
}

/* ---- rules ---- */

static int put_rule(struct pl_op_ctx *c)
{
    struct pl_rules_call rc = pl_ops__rules_call(c);
    return pl_rules_put_rule(&rc, pl_json_get(c->in, "ConfigRule"), pl_json_get(c->in, "Tags"),
                             c->err);
}

/* The named rule (NoSuchConfigRuleException when absent). */
static int need_rule(struct pl_op_ctx *c, const char *name, struct pl_json **out)
{
    struct pl_rules_call rc = pl_ops__rules_call(c);
    int f = pl_rules_get_rule(&rc, name, out, c->err);
    if (f == 0)
        return pl_fail(c->err, PL_E_NO_SUCH_CONFIG_RULE,
                       "The ConfigRule '%s' provided in the request is invalid. Please check "
                       "the configRule name.",
                       name);
    return f < 0 ? -1 : 0;
}

static bool has_mode(const struct pl_json *rule, const char *mode)
{
    const struct pl_json *modes = pl_json_get(rule, "EvaluationModes");
    for (const struct pl_json *m = modes ? modes->child : NULL; m; m = m->next)
        if (strcmp(pl_json_get_str(m, "Mode") ? pl_json_get_str(m, "Mode") : "", mode) == 0)
            return true;
    return false;
}

/* Names given: those rules (all must exist). Else every rule, one page after the token. */
static int select_rules(struct pl_op_ctx *c, int page, char tag, struct pl_json ***rules, size_t *n)
{
    size_t nn;
    const char **names = pl_in_strs(c->a, c->in, "ConfigRuleNames", &nn);
    *n = 0;
    if (nn) {
        *rules = pl_arena_alloc(c->a, nn * sizeof **rules);
        for (size_t i = 0; i < nn; i++)
            if (need_rule(c, names[i], &(*rules)[(*n)++]) < 0)
                return -1;
        return 0;
    }
    const char *tok = pl_in_str(c->in, "NextToken");
    const char *after = NULL;
    if (tok && pl_ops__token_parse(c, tag, tok, &after, 1) < 0)
        return -1;
    struct pl_obj *items;
    size_t ni;
    if (pl_store_obj_list(c->st, c->account, c->region, PL_KIND_CONFIG_RULE, after, page + 1, c->a, &items,
                          &ni, c->err) < 0)
        return -1;
    *rules = pl_arena_alloc(c->a, (ni + 1) * sizeof **rules);
    for (size_t i = 0; i < ni && i < (size_t)page; i++) {
        struct pl_rules_call rc = pl_ops__rules_call(c);
        if (pl_rules_get_rule(&rc, items[i].name, &(*rules)[*n], c->err) < 0)
            return -1;
        if ((*rules)[*n])
            (*n)++;
    }
    if (ni > (size_t)page) {
        const char *last = items[page - 1].name;
        pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, tag, &last, 1));
    }
    return 0;
}

static int describe_rules(struct pl_op_ctx *c)
{
    struct pl_json **rules;
    size_t n;
    const char *mode = pl_json_get_str(pl_json_get(c->in, "Filters"), "EvaluationMode");
    struct pl_json *arr = pl_json_new_arr(c->a);
    if (select_rules(c, DESCRIBE_PAGE, 'D', &rules, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!mode || has_mode(rules[i], mode))
            pl_json_push(arr, rules[i]);
    pl_json_set(c->a, c->out, "ConfigRules", arr);
    return 0;
}

static int delete_rule(struct pl_op_ctx *c)
{
    struct pl_rules_call rc = pl_ops__rules_call(c);
    return pl_rules_delete_rule(&rc, pl_in_str(c->in, "ConfigRuleName"), c->err);
}

static void set_time(struct pl_op_ctx *c, struct pl_json *o, const char *key, int64_t ms)
{
    if (ms)
        pl_json_set(c->a, o, key, pl_json_new_epoch_ms(c->a, ms));
}

static int describe_status(struct pl_op_ctx *c)
{
    struct pl_json **rules;
    size_t n;
    int64_t limit = pl_in_int(c->in, "Limit", 0);
    if (limit < 0 || limit > STATUS_LIMIT)
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE, "The Limit must be between 0 and %d.",
                       STATUS_LIMIT);
    if (select_rules(c, limit ? (int)limit : STATUS_LIMIT, 'S', &rules, &n) < 0)
        return -1;
    struct pl_json *arr =
        pl_json_set(c->a, c->out, "ConfigRulesEvaluationStatus", pl_json_new_arr(c->a));
    for (size_t i = 0; i < n; i++) {
        const char *name = pl_json_get_str(rules[i], "ConfigRuleName");
        struct pl_ev_status st;
        if (pl_store_rule_status_get(c->st, c->account, c->region, name, c->a, &st, c->err) < 0)
            return -1;
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, o, "ConfigRuleName", name);
        pl_json_set_str(c->a, o, "ConfigRuleArn", pl_json_get_str(rules[i], "ConfigRuleArn"));
        pl_json_set_str(c->a, o, "ConfigRuleId", pl_json_get_str(rules[i], "ConfigRuleId"));
        set_time(c, o, "LastSuccessfulInvocationTime", st.last_ok_invoke_ms);
        set_time(c, o, "LastFailedInvocationTime", st.last_fail_invoke_ms);
        set_time(c, o, "LastSuccessfulEvaluationTime", st.last_ok_eval_ms);
        set_time(c, o, "LastFailedEvaluationTime", st.last_fail_eval_ms);
        set_time(c, o, "FirstActivatedTime", st.first_activated_ms);
        set_time(c, o, "LastDeactivatedTime", st.last_deactivated_ms);
        if (st.last_error_code)
            pl_json_set_str(c->a, o, "LastErrorCode", st.last_error_code);
        if (st.last_error_message)
            pl_json_set_str(c->a, o, "LastErrorMessage", st.last_error_message);
        pl_json_set_bool(c->a, o, "FirstEvaluationStarted", st.first_started);
    }
    return 0;
}

static int start_evaluation(struct pl_op_ctx *c)
{
    size_t n;
    const char **names = pl_in_strs(c->a, c->in, "ConfigRuleNames", &n);
    struct pl_rules_call rc = pl_ops__rules_call(c);
    return pl_rules_start_evaluation(&rc, names, n, c->err);
}

static int put_evaluations(struct pl_op_ctx *c)
{
    struct pl_rules_call rc = pl_ops__rules_call(c);
    struct pl_json *failed = pl_json_new_arr(c->a);
    if (pl_rules_put_evaluations(&rc, pl_in_str(c->in, "ResultToken"),
                                 pl_json_get(c->in, "Evaluations"),
                                 pl_in_bool(c->in, "TestMode", false), failed, c->err) < 0)
        return -1;
    pl_json_set(c->a, c->out, "FailedEvaluations", failed);
    return 0;
}

static int put_external(struct pl_op_ctx *c)
{
    struct pl_rules_call rc = pl_ops__rules_call(c);
    return pl_rules_put_external(&rc, pl_in_str(c->in, "ConfigRuleName"),
                                 pl_json_get(c->in, "ExternalEvaluation"), c->err);
}

static int delete_results(struct pl_op_ctx *c)
{
    struct pl_rules_call rc = pl_ops__rules_call(c);
    return pl_rules_delete_results(&rc, pl_in_str(c->in, "ConfigRuleName"), c->err);
}

static int custom_policy(struct pl_op_ctx *c)
{
    struct pl_json *rule;
    if (need_rule(c, pl_in_str(c->in, "ConfigRuleName"), &rule) < 0)
        return -1;
    const char *text =
        pl_json_get_str(pl_json_path(rule, "Source.CustomPolicyDetails"), "PolicyText");
    if (text)
        pl_json_set_str(c->a, c->out, "PolicyText", text);
    return 0;
}

const struct pl_op_entry pl_ops_rules[] = {
    {"PutConfigRule", put_rule},
    {"DescribeConfigRules", describe_rules},
    {"DeleteConfigRule", delete_rule},
    {"DescribeConfigRuleEvaluationStatus", describe_status},
    {"StartConfigRulesEvaluation", start_evaluation},
    {"PutEvaluations", put_evaluations},
    {"PutExternalEvaluation", put_external},
    {"DeleteEvaluationResults", delete_results},
    {"GetCustomRulePolicy", custom_policy},
    {NULL, NULL},
};
