/* agg.h — the store's reads for aggregators (src/aggregator/): roll-ups of one partition that
 * an aggregate view asks of every source partition, each answered from indexes.
 *
 * Part of the store interface (store.h): same connection, arenas and return convention. The
 * caller decides which partitions a read may touch (the aggregator's authorized sources); these
 * functions read exactly the partition they are given.
 */
#ifndef PL_STORE_AGG_H
#define PL_STORE_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

struct pl_store;

/* One rule of a partition rolled up: its number of NON_COMPLIANT results, counted up to the
 * caller's cap, and whether it has a COMPLIANT one. */
struct pl_agg_rule {
    const char *rule;
    int64_t noncompliant; /* 0..cap */
    bool compliant;
};

/* The ConfigRule objects of (account, region) in name order, names > after (NULL: from the
 * start), only rule when given, at most limit (0: all), each rolled up with its NON_COMPLIANT
 * results counted up to cap (>= 1; 1 when only "any?" matters, 101 for AWS's cap of 100).
 * *rows is an arena array of *n. */
int pl_store_agg_rules(struct pl_store *s, const char *account, const char *region,
                       const char *rule, const char *after, int limit, int cap, struct pl_arena *a,
                       struct pl_agg_rule **rows, size_t *n, struct pl_err *err);

/* The rules of (account, region) with results, tallied: *bad those with a NON_COMPLIANT
 * result, *ok those with a COMPLIANT one and no NON_COMPLIANT one (the aggregate compliance
 * summary's counts). Read from the result counts alone, not the ConfigRule objects: a rule's
 * results go with it (DeleteConfigRule deletes them in its transaction). */
int pl_store_agg_rule_tally(struct pl_store *s, const char *account, const char *region,
                            int64_t *ok, int64_t *bad, struct pl_err *err);

#endif
