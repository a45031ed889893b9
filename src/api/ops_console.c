/* ops_console.c — PlumbService operations the web console needs and AWS's model lacks.
 *
 * GetComplianceCountsByConfigRule: AWS gives per-rule counts only of non-compliant resources,
 * capped at 100 (DescribeComplianceByConfigRule's CappedCount); the dashboard shows every
 * count, uncapped, for every rule in one call (one grouped read of the partition's evaluation
 * table, no per-rule or per-resource reads).
 *
 * GetComplianceTrend: the dashboard's chart, the daily counts of compliant and non-compliant
 * resources over the last N days, from the per-day changes the store keeps as
 * AWS::Config::ResourceCompliance CIs are written and pruned (AWS's console draws it from the
 * same configuration items; its API has no such call). */
#include <string.h>

#include "api/api_int.h"
#include "core/time.h"
#include "store/evals.h"
#include "store/store.h"

/* {} -> {"ComplianceCounts": [{"ConfigRuleName", "CompliantResourceCount",
 *        "NonCompliantResourceCount", "NotApplicableResourceCount",
 *        "InsufficientDataResourceCount"}]} for every rule of the caller's partition, in rule
 * name order. Members of the request are ignored. */
static int counts_by_rule(struct pl_op_ctx *c)
{
    struct pl_obj *items;
    size_t n, nc;
    struct pl_ev_rule_counts *counts;
    if (pl_store_obj_list(c->st, c->account, c->region, PL_KIND_CONFIG_RULE, NULL, 0, c->a, &items,
                          &n, c->err) < 0 ||
        pl_store_eval_counts_all(c->st, c->account, c->region, c->a, &counts, &nc, c->err) < 0)
        return -1;
    struct pl_json *arr = pl_json_set(c->a, c->out, "ComplianceCounts", pl_json_new_arr(c->a));
    size_t j = 0; /* both lists are in rule name order: a merge walk */
    for (size_t i = 0; i < n; i++) {
        while (j < nc && strcmp(counts[j].rule, items[i].name) < 0)
            j++;
        static const int64_t none[4];
        const int64_t *cnt =
            j < nc && strcmp(counts[j].rule, items[i].name) == 0 ? counts[j].cnt : none;
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, o, "ConfigRuleName", items[i].name);
        pl_json_set_i64(c->a, o, "CompliantResourceCount", cnt[PL_EV_COMPLIANT]);
        pl_json_set_i64(c->a, o, "NonCompliantResourceCount", cnt[PL_EV_NON_COMPLIANT]);
        pl_json_set_i64(c->a, o, "NotApplicableResourceCount", cnt[PL_EV_NOT_APPLICABLE]);
        pl_json_set_i64(c->a, o, "InsufficientDataResourceCount", cnt[PL_EV_INSUFFICIENT_DATA]);
    }
    return 0;
}

#define TREND_DEFAULT_DAYS 30

/* {"Days": 1..366 (default 30)} -> {"Days": [{"Date": "YYYY-MM-DD", "CompliantResourceCount",
 * "NonCompliantResourceCount"}]}, oldest day first, today last: each day's counts are those of
 * the resources' latest compliance by the end of that day (UTC; today: by now). */
static int compliance_trend(struct pl_op_ctx *c)
{
    const struct pl_json *d = pl_json_get(c->in, "Days");
    int64_t days = TREND_DEFAULT_DAYS;
    if (d && (pl_json_i64(d, &days) < 0 || days < 1 || days > PL_EV_TREND_MAX_DAYS))
        return pl_fail(c->err, PL_E_VALIDATION, "Days must be an integer from 1 to %d",
                       PL_EV_TREND_MAX_DAYS);
    int64_t *ok = pl_arena_alloc(c->a, sizeof *ok * (size_t)days);
    int64_t *bad = pl_arena_alloc(c->a, sizeof *bad * (size_t)days);
    int64_t now = pl_now_ms();
    if (pl_store_compliance_trend(c->st, c->account, c->region, now, (int)days, ok, bad, c->err) <
        0)
        return -1;
    struct pl_json *arr = pl_json_set(c->a, c->out, "Days", pl_json_new_arr(c->a));
    int64_t day0 = now - now % 86400000 - (days - 1) * 86400000;
    for (int64_t i = 0; i < days; i++) {
        char iso[40];
        pl_time_iso8601(day0 + i * 86400000, iso);
        iso[10] = '\0'; /* YYYY-MM-DD */
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, o, "Date", iso);
        pl_json_set_i64(c->a, o, "CompliantResourceCount", ok[i]);
        pl_json_set_i64(c->a, o, "NonCompliantResourceCount", bad[i]);
    }
    return 0;
}

const struct pl_op_entry pl_ops_console[] = {
    {"GetComplianceCountsByConfigRule", counts_by_rule},
    {"GetComplianceTrend", compliance_trend},
    {NULL, NULL},
};
