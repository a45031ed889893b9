/* ops_aggregator.h — the aggregator operation tables and what their two files share.
 *
 * ops_aggregator.c: aggregators, authorizations, pending requests, sources status.
 * ops_aggregate.c:  the aggregate reads over an aggregator's authorized sources.
 * Which sources an aggregator may read is decided live by src/aggregator/ (aggregator.h). */
#ifndef PL_API_OPS_AGGREGATOR_H
#define PL_API_OPS_AGGREGATOR_H

#include "aggregator/aggregator.h"
#include "api/api_int.h"

extern const struct pl_op_entry pl_ops_aggregator[];
extern const struct pl_op_entry pl_ops_aggregate[];

/* The caller's aggregator named by the request's ConfigurationAggregatorName (*agg, c->a), or
 * NoSuchConfigurationAggregatorException. */
int pl_ops__agg_load(struct pl_op_ctx *c, struct pl_json **agg);

/* PlumbService.GetAggregateResourceConfigHistory (ops_aggregate.c, beyond AWS). */
int pl_ops__agg_history(struct pl_op_ctx *c);

/* The request's Limit: 0 or absent gives dflt; above max InvalidLimitException. */
int pl_ops__agg_limit(struct pl_op_ctx *c, int dflt, int max, int *limit);

/* A conformance pack (its stored object) rolled up in (account, region), ops_packs.c: rules
 * compliant, non-compliant and in all, and the pack's ComplianceType. */
struct pl_pack_rollup {
    size_t ok, bad, total;
    const char *status;
};
int pl_ops__pack_rollup(struct pl_op_ctx *c, const char *account, const char *region,
                        const struct pl_json *pack, struct pl_pack_rollup *out);

#endif
