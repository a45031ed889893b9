/* cost.h — what AWS Config would have charged for what plumb recorded and evaluated (docs/cost.md).
 *
 * The price table is AWS Config's public price list (us-east-1, USD) with its date; money is
 * counted exactly, in units of $0.0001 (every price in the table is a whole number of them).
 * Tiers (rule and conformance pack evaluations) apply per account, per region, per month, as
 * AWS bills them. The report is built from the store's counters (store/cost.h) and is the same
 * JSON for `plumb cost --json` and PlumbService.GetCostReport.
 */
#ifndef PL_COST_COST_H
#define PL_COST_COST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

struct pl_store;

/* One tier: the price of each unit up to and including the up_to'th of the month (0: no
 * bound, the last tier). */
struct pl_cost_tier {
    int64_t up_to;
    int64_t price; /* units of $0.0001 */
};

struct pl_cost_prices {
    const char *date, *source, *region, *currency;
    int64_t ci_continuous, ci_periodic; /* per CI, units of $0.0001 */
    const struct pl_cost_tier *rule_tiers, *pack_tiers;
    size_t nrule_tiers, npack_tiers;
};
extern const struct pl_cost_prices pl_cost_prices;

/* The charge of n units in one month under tiers (units of $0.0001). Pure. */
int64_t pl_cost_tiered(const struct pl_cost_tier *tiers, size_t ntiers, int64_t n);

/* Writes units of $0.0001 as dollars ("12.3456") into out (at least 32 bytes); returns out. */
char *pl_cost_dollars(int64_t units, char *out);

struct pl_cost_query {
    const char *account; /* NULL: every account (the CLI on a data directory) */
    int since, until;    /* months yyyymm, inclusive; 0: unbounded */
    int top;             /* rows of TopResources and Advice (0: 10) */
    int64_t rss_bytes;   /* the serving process's resident memory (0: not measured) */
    bool data_bytes;     /* report the data directory's size (the whole store's) */
};

/* The report (docs/cost.md) as a JSON object in arena a; NULL with err on failure. */
struct pl_json *pl_cost_report(struct pl_store *s, const struct pl_cost_query *q,
                               struct pl_arena *a, struct pl_err *err);

/* Parses "YYYY-MM" into yyyymm; -1 when malformed. */
int pl_cost_parse_month(const char *s);

/* The resident set size of this process in bytes (0 when unknown). */
int64_t pl_cost_self_rss(void);

#endif
