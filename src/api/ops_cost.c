/* ops_cost.c — PlumbService.GetCostReport: what AWS Config would have charged the caller's
 * account for what plumb recorded and evaluated (src/cost/, docs/cost.md).
 *
 * {"Since": "YYYY-MM", "Until": "YYYY-MM"} (both optional, inclusive) -> the report of
 * `plumb cost --json`, for the caller's account only (all its regions): an account's key never
 * sees another account's CIs, rules or resources. The footprint gives the caller's resource and
 * CI counts and the store-wide rates per 10,000 resources (disk, and this server's resident
 * memory), not the data directory's absolute size. */
#include "api/api_int.h"
#include "cost/cost.h"

/* The month member k of the request into *out (0 when absent); -1 with err when malformed. */
static int month_arg(struct pl_op_ctx *c, const char *k, int *out)
{
    const struct pl_json *v = pl_json_get(c->in, k);
    *out = 0;
    if (!v || v->type == PL_JNULL)
        return 0;
    if (v->type != PL_JSTR || (*out = pl_cost_parse_month(pl_json_str(v))) < 0)
        return pl_fail(c->err, PL_E_VALIDATION, "%s must be a month, YYYY-MM", k);
    return 0;
}

static int get_cost_report(struct pl_op_ctx *c)
{
    struct pl_cost_query q = {.account = c->account, .rss_bytes = pl_cost_self_rss()};
    if (month_arg(c, "Since", &q.since) < 0 || month_arg(c, "Until", &q.until) < 0)
        return -1;
    if (q.since && q.until && q.since > q.until)
        return pl_fail(c->err, PL_E_VALIDATION, "Since is after Until");
    struct pl_json *r = pl_cost_report(c->st, &q, c->a, c->err);
    if (!r)
        return -1;
    *c->out = *r; /* the report's members become the response's */
    return 0;
}

const struct pl_op_entry pl_ops_cost[] = {
    {"GetCostReport", get_cost_report},
    {NULL, NULL},
};
