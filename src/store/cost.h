/* cost.h — the store's side of the cost report (src/cost/): what plumb recorded and evaluated,
 * counted the way AWS Config bills it.
 *
 * Part of the store interface (store.h): the same connection and transactions. Tables and
 * indexes (sqlite.c, migration 9):
 *   config_items.freq  1 for a CI recorded by recordingFrequency DAILY, NULL otherwise;
 *   config_items_cost  a partial index of the CIs not billed at the continuous rate (DAILY
 *                      ones and the identity-only ResourceNotRecorded /
 *                      ResourceDeletedNotRecorded ones), beside the covering index
 *                      config_items_res (res, capture_ms) that the CI count scans;
 *   eval_counts        evaluations per (account, region, month, rule, resource type), added to
 *                      by the rules engine's result sink once per (rule, type) per flush.
 *
 * Months are UTC calendar months, written as the integer yyyymm (202601 for January 2026).
 * Memory: strings handed to a callback are borrowed for the call; rows returned live in the
 * caller's arena.
 */
#ifndef PL_STORE_COST_H
#define PL_STORE_COST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

struct pl_store;

/* The month (yyyymm, UTC) of epoch ms. */
int pl_store_month_of(int64_t ms);

/* One resource's CIs captured in one month. */
struct pl_cost_res {
    const char *account, *region, *resource_type, *resource_id;
    int month;
    int64_t continuous; /* CIs billed at the continuous rate */
    int64_t daily;      /* CIs recorded DAILY (the periodic rate) */
    int64_t unbilled;   /* identity-only NotRecorded CIs (not billed) */
    int64_t days;       /* distinct UTC days on which the resource has a CI */
};
typedef int (*pl_store_cost_res_fn)(void *arg, const struct pl_cost_res *r, struct pl_err *err);

/* Calls fn for every (resource, month) with CIs captured in [since_ms, until_ms), in resource
 * then month order, then once with r NULL at the end of the walk; account NULL: every account.
 * The strings of r live until the walk ends (the NULL call included), no longer. fn returning
 * -1 stops the walk (its err is returned). One scan of the covering index, plus the few rows
 * of config_items_cost. */
int pl_store_cost_cis(struct pl_store *s, const char *account, int64_t since_ms, int64_t until_ms,
                      pl_store_cost_res_fn fn, void *arg, struct pl_err *err);

/* Adds n evaluations of rule on resources of type in month (pack: the rule belongs to a
 * conformance pack). In the caller's transaction when one is open. */
int pl_store_eval_count_add(struct pl_store *s, const char *account, const char *region,
                            const char *rule, const char *type, int month, bool pack, int64_t n,
                            struct pl_err *err);

/* The evaluation counters of months [since, until] (yyyymm), account NULL: every account,
 * ordered by (account, region, month, rule, type). rows: arena array of *n. */
struct pl_cost_evals {
    const char *account, *region, *rule, *resource_type;
    int month;
    bool pack;
    int64_t n;
};
int pl_store_cost_evals(struct pl_store *s, const char *account, int since, int until,
                        struct pl_arena *a, struct pl_cost_evals **rows, size_t *n,
                        struct pl_err *err);

/* plumb's own footprint: *resources current resources (neither deleted nor NotRecorded) and
 * *versions CI versions ever appended, of account (NULL: all); *bytes the database file and
 * its WAL on disk (the whole store, whatever account says). */
int pl_store_footprint(struct pl_store *s, const char *account, int64_t *resources,
                       int64_t *versions, int64_t *bytes, struct pl_err *err);

#endif
