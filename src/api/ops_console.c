/* ops_console.c — PlumbService operations the web console needs and AWS's model lacks.
 *
 * GetComplianceCountsByConfigRule: AWS gives per-rule counts only of non-compliant resources,
 * capped at 100 (DescribeComplianceByConfigRule's CappedCount); the dashboard shows every
 * count, uncapped, for every rule in one call (the evaluation table's per-rule counts, one
 * indexed count per rule, no per-resource reads). */
#include "api/api_int.h"
#include "store/evals.h"
#include "store/store.h"

/* {} -> {"ComplianceCounts": [{"ConfigRuleName", "CompliantResourceCount",
 *        "NonCompliantResourceCount", "NotApplicableResourceCount",
 *        "InsufficientDataResourceCount"}]} for every rule of the caller's partition, in rule
 * name order. Members of the request are ignored. */
static int counts_by_rule(struct pl_op_ctx *c)
{
    struct pl_obj *items;
    size_t n;
    if (pl_store_obj_list(c->st, c->account, c->region, PL_KIND_CONFIG_RULE, NULL, 0, c->a, &items,
                          &n, c->err) < 0)
        return -1;
    struct pl_json *arr = pl_json_set(c->a, c->out, "ComplianceCounts", pl_json_new_arr(c->a));
    for (size_t i = 0; i < n; i++) {
        int64_t cnt[4];
        if (pl_store_eval_counts(c->st, c->account, c->region, items[i].name, cnt, c->err) < 0)
            return -1;
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, o, "ConfigRuleName", items[i].name);
        pl_json_set_i64(c->a, o, "CompliantResourceCount", cnt[PL_EV_COMPLIANT]);
        pl_json_set_i64(c->a, o, "NonCompliantResourceCount", cnt[PL_EV_NON_COMPLIANT]);
        pl_json_set_i64(c->a, o, "NotApplicableResourceCount", cnt[PL_EV_NOT_APPLICABLE]);
        pl_json_set_i64(c->a, o, "InsufficientDataResourceCount", cnt[PL_EV_INSUFFICIENT_DATA]);
    }
    return 0;
}

const struct pl_op_entry pl_ops_console[] = {
    {"GetComplianceCountsByConfigRule", counts_by_rule},
    {NULL, NULL},
};
