/* ops_compliance.c — the compliance reads: DescribeComplianceByConfigRule,
 * DescribeComplianceByResource, GetComplianceDetailsByConfigRule,
 * GetComplianceDetailsByResource, GetComplianceSummaryByConfigRule,
 * GetComplianceSummaryByResourceType.
 *
 * Roll-ups as AWS computes them: a rule or resource is NON_COMPLIANT when any result is, else
 * COMPLIANT when any result is, else INSUFFICIENT_DATA; NOT_APPLICABLE results count for
 * nothing (a deleted resource's results are NOT_APPLICABLE, so it leaves the summaries).
 * ComplianceContributorCount is capped at 100 (CapExceeded past it). Results come from the
 * evals tables (src/store/evals.h).
 */
#include <stdio.h>
#include <string.h>

#include "api/ops_rules.h"
#include "core/time.h"
#include "store/evals.h"
#include "store/store.h"

#define CAP           100
#define DETAILS_LIMIT 10 /* default Limit of the paged reads */
#define MAX_LIMIT     100
#define RULES_PAGE    25

struct pl_json *pl_ops__count_json(struct pl_op_ctx *c, int64_t n)
{
    struct pl_json *o = pl_json_new_obj(c->a);
    pl_json_set_i64(c->a, o, "CappedCount", n > CAP ? CAP : n);
    pl_json_set_bool(c->a, o, "CapExceeded", n > CAP);
    return o;
}

/* {ComplianceType, ComplianceContributorCount?} from non-compliant / compliant counts. */
struct pl_json *pl_ops__compliance_json(struct pl_op_ctx *c, int64_t nc, int64_t ok)
{
    struct pl_json *o = pl_json_new_obj(c->a);
    const char *t = nc ? "NON_COMPLIANT" : ok ? "COMPLIANT" : "INSUFFICIENT_DATA";
    pl_json_set_str(c->a, o, "ComplianceType", t);
    if (nc)
        pl_json_set(c->a, o, "ComplianceContributorCount", pl_ops__count_json(c, nc));
    return o;
}

/* The ComplianceTypes filter as a bit set of enum pl_ev_comp (0: none given). */
static int comp_filter(struct pl_op_ctx *c, unsigned *bits)
{
    size_t n;
    const char **types = pl_in_strs(c->a, c->in, "ComplianceTypes", &n);
    *bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = pl_ev_comp_parse(types[i]);
        if (v < 0)
            return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE,
                           "The ComplianceType %s is not valid.", types[i]);
        *bits |= 1u << v;
    }
    return 0;
}

static int get_limit(struct pl_op_ctx *c, int *limit)
{
    int64_t l = pl_in_int(c->in, "Limit", 0);
    if (l < 0 || l > MAX_LIMIT)
        return pl_fail(c->err, PL_E_INVALID_LIMIT, "The Limit must be between 0 and %d.",
                       MAX_LIMIT);
    *limit = l ? (int)l : DETAILS_LIMIT;
    return 0;
}

static bool rule_exists(struct pl_op_ctx *c, const char *name, int *found)
{
    struct pl_obj o;
    *found = pl_store_obj_get(c->st, c->account, c->region, PL_KIND_CONFIG_RULE, name, c->a, &o, c->err);
    return *found >= 0;
}

static int no_such_rule(struct pl_op_ctx *c, const char *name)
{
    return pl_fail(c->err, PL_E_NO_SUCH_CONFIG_RULE,
                   "The ConfigRule '%s' provided in the request is invalid. Please check the "
                   "configRule name.",
                   name);
}

/* ---- by rule ---- */

static int describe_by_rule(struct pl_op_ctx *c)
{
    unsigned want;
    size_t nn;
    const char **names = pl_in_strs(c->a, c->in, "ConfigRuleNames", &nn);
    if (comp_filter(c, &want) < 0)
        return -1;
    if (!nn) { /* every rule, one page after the token */
        const char *tok = pl_in_str(c->in, "NextToken"), *after = NULL;
        struct pl_obj *items;
        size_t ni;
        if (tok && pl_ops__token_parse(c, 'C', tok, &after, 1) < 0)
            return -1;
        if (pl_store_obj_list(c->st, c->account, c->region, PL_KIND_CONFIG_RULE, after, RULES_PAGE + 1,
                              c->a, &items, &ni, c->err) < 0)
            return -1;
        nn = ni > RULES_PAGE ? RULES_PAGE : ni;
        names = pl_arena_alloc(c->a, (nn + 1) * sizeof *names);
        for (size_t i = 0; i < nn; i++)
            names[i] = items[i].name;
        if (ni > RULES_PAGE)
            pl_json_set_str(c->a, c->out, "NextToken",
                            pl_ops__token_make(c, 'C', &names[nn - 1], 1));
    }
    struct pl_json *arr =
        pl_json_set(c->a, c->out, "ComplianceByConfigRules", pl_json_new_arr(c->a));
    for (size_t i = 0; i < nn; i++) {
        int found;
        int64_t cnt[4];
        if (!rule_exists(c, names[i], &found))
            return -1;
        if (!found)
            return no_such_rule(c, names[i]);
        if (pl_store_eval_counts(c->st, c->account, c->region, names[i], cnt, c->err) < 0)
            return -1;
        struct pl_json *comp =
            pl_ops__compliance_json(c, cnt[PL_EV_NON_COMPLIANT], cnt[PL_EV_COMPLIANT]);
        int v = pl_ev_comp_parse(pl_json_get_str(comp, "ComplianceType"));
        if (want && !(want & (1u << v)))
            continue;
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, o, "ConfigRuleName", names[i]);
        pl_json_set(c->a, o, "Compliance", comp);
    }
    return 0;
}

/* One EvaluationResult in the API shape. */
struct pl_json *pl_ops__result_json(struct pl_op_ctx *c, const struct pl_ev_row *r)
{
    struct pl_arena *a = c->a;
    struct pl_json *o = pl_json_new_obj(a);
    struct pl_json *id = pl_json_set(a, o, "EvaluationResultIdentifier", pl_json_new_obj(a));
    struct pl_json *q = pl_json_set(a, id, "EvaluationResultQualifier", pl_json_new_obj(a));
    pl_json_set_str(a, q, "ConfigRuleName", r->rule);
    pl_json_set_str(a, q, "ResourceType", r->resource_type);
    pl_json_set_str(a, q, "ResourceId", r->resource_id);
    pl_json_set_str(a, q, "EvaluationMode", r->mode ? r->mode : "DETECTIVE");
    pl_json_set(a, id, "OrderingTimestamp", pl_json_new_epoch_ms(a, r->ordering_ms));
    pl_json_set_str(a, o, "ComplianceType", pl_ev_comp_name(r->comp));
    pl_json_set(a, o, "ResultRecordedTime", pl_json_new_epoch_ms(a, r->recorded_ms));
    pl_json_set(a, o, "ConfigRuleInvokedTime", pl_json_new_epoch_ms(a, r->invoked_ms));
    if (r->annotation)
        pl_json_set_str(a, o, "Annotation", r->annotation);
    if (r->token)
        pl_json_set_str(a, o, "ResultToken", r->token);
    return o;
}

/* Runs q and renders EvaluationResults plus the NextToken (cursor keys per tag). */
static int details(struct pl_op_ctx *c, struct pl_ev_query *q, char tag)
{
    const char *tok = pl_in_str(c->in, "NextToken");
    const char *parts[2];
    struct pl_ev_row *rows;
    size_t n;
    bool more;
    if (comp_filter(c, &q->comps) < 0)
        return -1;
    if (tok) {
        if (pl_ops__token_parse(c, tag, tok, parts, tag == 'R' ? 2 : 1) < 0)
            return -1;
        if (tag == 'R') {
            q->after_type = parts[0];
            q->after_id = parts[1];
        } else {
            q->after_rule = parts[0];
        }
    }
    if (pl_store_eval_list(c->st, q, c->a, &rows, &n, &more, c->err) < 0)
        return -1;
    struct pl_json *arr = pl_json_set(c->a, c->out, "EvaluationResults", pl_json_new_arr(c->a));
    for (size_t i = 0; i < n; i++)
        pl_json_push(arr, pl_ops__result_json(c, &rows[i]));
    if (more && n) {
        const char *keys[2] = {rows[n - 1].resource_type, rows[n - 1].resource_id};
        const char *rk = rows[n - 1].rule;
        pl_json_set_str(c->a, c->out, "NextToken",
                        tag == 'R' ? pl_ops__token_make(c, tag, keys, 2)
                                   : pl_ops__token_make(c, tag, &rk, 1));
    }
    return 0;
}

static int details_by_rule(struct pl_op_ctx *c)
{
    const char *name = pl_in_str(c->in, "ConfigRuleName");
    struct pl_ev_query q = {.account = c->account, .region = c->region, .rule = name};
    int found;
    if (get_limit(c, &q.limit) < 0 || !rule_exists(c, name, &found))
        return -1;
    if (!found)
        return no_such_rule(c, name);
    return details(c, &q, 'R');
}

static int details_by_resource(struct pl_op_ctx *c)
{
    struct pl_ev_query q = {.account = c->account,
                            .region = c->region,
                            .type = pl_in_str(c->in, "ResourceType"),
                            .id = pl_in_str(c->in, "ResourceId"),
                            .limit = MAX_LIMIT};
    const char *rev = pl_in_str(c->in, "ResourceEvaluationId");
    if (rev) { /* a proactive evaluation's results (its own tables, never paged: one resource) */
        struct pl_rules_call rc = pl_ops__rules_call(c);
        unsigned want = 0;
        if (comp_filter(c, &want) < 0)
            return -1;
        struct pl_json *arr =
            pl_json_set(c->a, c->out, "EvaluationResults", pl_json_new_arr(c->a));
        return pl_rules_resource_eval_results(&rc, rev, want, arr, c->err);
    }
    if (!q.type || !q.id)
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE,
                       "ResourceType and ResourceId are required.");
    return details(c, &q, 'X');
}

/* ---- by resource ---- */

static int describe_by_resource(struct pl_op_ctx *c)
{
    const char *type = pl_in_str(c->in, "ResourceType"), *id = pl_in_str(c->in, "ResourceId");
    const char *tok = pl_in_str(c->in, "NextToken");
    const char *after[2] = {NULL, NULL};
    unsigned want = 0;
    int limit = DETAILS_LIMIT;
    if (comp_filter(c, &want) < 0 || get_limit(c, &limit) < 0)
        return -1;
    if (id && !type)
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE,
                       "A ResourceId requires its ResourceType.");
    if (tok && pl_ops__token_parse(c, 'B', tok, after, 2) < 0)
        return -1;
    struct pl_json *arr = pl_json_set(c->a, c->out, "ComplianceByResources", pl_json_new_arr(c->a));
    const char *last[2] = {after[0], after[1]};
    size_t emitted = 0;
    bool more = true;
    while (emitted < (size_t)limit && more) { /* filters may drop rows: read on */
        struct pl_ev_resource *rows;
        size_t n;
        if (pl_store_eval_resources(c->st, c->account, c->region, type, id, last[0], last[1], limit,
                                    c->a, &rows, &n, &more, c->err) < 0)
            return -1;
        for (size_t i = 0; i < n && emitted < (size_t)limit; i++) {
            last[0] = rows[i].resource_type;
            last[1] = rows[i].resource_id;
            struct pl_json *comp =
                pl_ops__compliance_json(c, rows[i].noncompliant, rows[i].compliant);
            int v = pl_ev_comp_parse(pl_json_get_str(comp, "ComplianceType"));
            if (want && !(want & (1u << v)))
                continue;
            struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
            pl_json_set_str(c->a, o, "ResourceType", rows[i].resource_type);
            pl_json_set_str(c->a, o, "ResourceId", rows[i].resource_id);
            pl_json_set(c->a, o, "Compliance", comp);
            emitted++;
            if (i + 1 < n)
                more = true;
        }
        if (!n)
            break;
    }
    if (!arr->len && type && id && (!want || (want & (1u << PL_EV_INSUFFICIENT_DATA)))) {
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, o, "ResourceType", type);
        pl_json_set_str(c->a, o, "ResourceId", id);
        pl_json_set(c->a, o, "Compliance", pl_ops__compliance_json(c, 0, 0));
    }
    if (more && emitted == (size_t)limit && last[0])
        pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, 'B', last, 2));
    return 0;
}

/* ---- summaries ---- */

struct pl_json *pl_ops__summary_json(struct pl_op_ctx *c, int64_t ok, int64_t nc)
{
    struct pl_json *s = pl_json_new_obj(c->a);
    pl_json_set(c->a, s, "CompliantResourceCount", pl_ops__count_json(c, ok));
    pl_json_set(c->a, s, "NonCompliantResourceCount", pl_ops__count_json(c, nc));
    pl_json_set(c->a, s, "ComplianceSummaryTimestamp", pl_json_new_epoch_ms(c->a, pl_now_ms()));
    return s;
}

static int summary_by_rule(struct pl_op_ctx *c)
{
    struct pl_obj *items;
    size_t n;
    int64_t ok = 0, nc = 0;
    if (pl_store_obj_list(c->st, c->account, c->region, PL_KIND_CONFIG_RULE, NULL, 0, c->a, &items,
                          &n, c->err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int64_t cnt[4];
        if (pl_store_eval_counts(c->st, c->account, c->region, items[i].name, cnt, c->err) < 0)
            return -1;
        if (cnt[PL_EV_NON_COMPLIANT])
            nc++;
        else if (cnt[PL_EV_COMPLIANT])
            ok++;
    }
    pl_json_set(c->a, c->out, "ComplianceSummary", pl_ops__summary_json(c, ok, nc));
    return 0;
}

static int summary_by_type(struct pl_op_ctx *c)
{
    size_t nt;
    const char **types = pl_in_strs(c->a, c->in, "ResourceTypes", &nt);
    struct pl_json *arr =
        pl_json_set(c->a, c->out, "ComplianceSummariesByResourceType", pl_json_new_arr(c->a));
    for (size_t t = 0; t < (nt ? nt : 1); t++) {
        struct pl_ev_resource *rows;
        size_t n;
        bool more;
        int64_t ok = 0, nc = 0;
        if (pl_store_eval_resources(c->st, c->account, c->region, nt ? types[t] : NULL, NULL, NULL,
                                    NULL, 0, c->a, &rows, &n, &more, c->err) < 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            if (rows[i].noncompliant)
                nc++;
            else if (rows[i].compliant)
                ok++;
        }
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        if (nt)
            pl_json_set_str(c->a, o, "ResourceType", types[t]);
        pl_json_set(c->a, o, "ComplianceSummary", pl_ops__summary_json(c, ok, nc));
    }
    return 0;
}

const struct pl_op_entry pl_ops_compliance[] = {
    {"DescribeComplianceByConfigRule", describe_by_rule},
    {"DescribeComplianceByResource", describe_by_resource},
    {"GetComplianceDetailsByConfigRule", details_by_rule},
    {"GetComplianceDetailsByResource", details_by_resource},
    {"GetComplianceSummaryByConfigRule", summary_by_rule},
    {"GetComplianceSummaryByResourceType", summary_by_type},
    {NULL, NULL},
};
