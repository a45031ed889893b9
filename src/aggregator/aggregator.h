/* aggregator.h — which (account, region) partitions an aggregator reads, decided live.
 *
 * An aggregator is a PL_KIND_AGGREGATOR object of its owner's partition, in the
 * DescribeConfigurationAggregators shape. Its account source names accounts and regions; a
 * source (account, region) contributes only while that partition holds a PL_KIND_AGG_AUTH
 * object for (owner account, owner region) — the owner's own account needs none — exactly as
 * AWS's PutAggregationAuthorization. Nothing is copied: every read asks again, so a revoked
 * authorization removes the source's data from the next read.
 *
 * A source account that has not authorized an aggregator sees a pending request (in each named
 * region) until it authorizes it or deletes the request (a PL_KIND_AGG_DISMISSED object, which
 * a later Put of the aggregator supersedes).
 *
 * Memory: everything returned lives in the caller's arena. Returns 0 / -1 with err.
 */
#ifndef PL_AGGREGATOR_AGGREGATOR_H
#define PL_AGGREGATOR_AGGREGATOR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

struct pl_store;

#define PL_AGG_MAX_PER_REGION 50    /* configuration aggregators per account and region */
#define PL_AGG_MAX_ACCOUNTS   10000 /* accounts of one account source */

/* The regions AllAwsRegions stands for (AWS's public regions), NULL-terminated. */
extern const char *const pl_agg_all_regions[];

/* "ACCOUNT/REGION": the object name of an authorization or a dismissed request. */
const char *pl_agg_pair_name(struct pl_arena *a, const char *account, const char *region);

struct pl_agg_source {
    const char *account, *region;
    bool authorized;
};

/* Every source of agg (an aggregator of owner_account/owner_region), sorted by (account,
 * region) without duplicates, each marked authorized or not as of now. */
int pl_agg_sources(struct pl_store *st, const char *owner_account, const char *owner_region,
                   const struct pl_json *agg, struct pl_arena *a, struct pl_agg_source **out,
                   size_t *n, struct pl_err *err);

/* The authorized sources only, and of those only account / region when given (NULL: any). */
int pl_agg_authorized(struct pl_store *st, const char *owner_account, const char *owner_region,
                      const struct pl_json *agg, const char *account, const char *region,
                      struct pl_arena *a, struct pl_agg_source **out, size_t *n,
                      struct pl_err *err);

/* Does agg's ResourceType filter (AggregatorFilters) let type through? true without one. */
bool pl_agg_type_included(const struct pl_json *agg, const char *type);

/* The aggregator named name of (owner_account, owner_region) into *agg: 1, 0 when there is
 * none, -1 on error. */
int pl_agg_load(struct pl_store *st, const char *owner_account, const char *owner_region,
                const char *name, struct pl_arena *a, struct pl_json **agg, struct pl_err *err);

/* May agg (of owner_account/owner_region) read resources of type in (account, region) now:
 * an authorized source, and a type its ResourceType filter lets through? 1 yes, 0 no, -1 error.
 * The one check of every single-resource aggregate read (the API's and `plumb history
 * --aggregator`). */
int pl_agg_may_read(struct pl_store *st, const char *owner_account, const char *owner_region,
                    const struct pl_json *agg, const char *account, const char *region,
                    const char *type, struct pl_arena *a, struct pl_err *err);

/* The pending requests of (account, region): aggregators of other accounts that name it and
 * that it has neither authorized nor dismissed since their last Put, as (requester account,
 * requester region) pairs sorted, without duplicates. */
struct pl_agg_request {
    const char *account, *region;
};
int pl_agg_pending(struct pl_store *st, const char *account, const char *region, struct pl_arena *a,
                   struct pl_agg_request **out, size_t *n, struct pl_err *err);

#endif
