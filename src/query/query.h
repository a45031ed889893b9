/* query.h — AWS Config's advanced query (SelectResourceConfig): the dialect's parser and the
 * runner that answers it from the store's current configuration items.
 *
 * query_parse() accepts exactly AWS's dialect, SELECT ... [WHERE ...] [GROUP BY ...]
 * [ORDER BY ...], and refuses what AWS refuses (FROM, JOIN, AS, DISTINCT, HAVING, UNION,
 * subqueries, ...) with PL_E_INVALID_EXPRESSION "line L:C: expected ..., found ...".
 * query_run() compiles the parsed query to a store plan (store/select.h: only the store speaks
 * SQL) and renders each row as AWS does: a JSON object string with dotted selections re-nested
 * ({"configuration":{"instanceType":...}}) and aggregates as keys named like "COUNT(*)".
 *
 * Memory: everything lives in the caller's arena. A parsed query is read-only and may be run
 * any number of times.
 */
#ifndef PL_QUERY_QUERY_H
#define PL_QUERY_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"
#include "store/select.h"
#include "store/store.h"

#define QUERY_MAX_EXPR       4096 /* AWS's Expression length limit */
#define QUERY_MAX_DEPTH      64   /* nesting of parentheses and NOT */
#define QUERY_MAX_GROUP      3    /* GROUP BY properties (1 when ORDER BY uses an aggregate) */
#define QUERY_PAGE           25   /* default page size */
#define QUERY_PAGE_AGGREGATE 500  /* default page size of aggregate queries */
#define QUERY_PAGE_MAX       100  /* the largest Limit a caller may ask */

struct query;

/* Parses src[0..len). On success *out (arena a) is the query. Errors:
 * PL_E_INVALID_EXPRESSION with the position and what was expected. */
int query_parse(const char *src, size_t len, struct pl_arena *a, struct query **out,
                struct pl_err *err);

/* The result columns, as QueryInfo.SelectFields names them ("resourceId", "COUNT(*)"). */
size_t query_nfields(const struct query *q);
const char *query_field(const struct query *q, size_t i);
/* GROUP BY or an aggregate function (page size 500 instead of 25). */
bool query_is_aggregate(const struct query *q);

/* Runs q over the current CIs of (account, region): the rows after offset, at most limit
 * (1..), each a JSON object string (arena a) in *rows (*n of them); *more says whether rows
 * follow. */
int query_run(struct pl_store *s, const struct query *q, const char *account, const char *region,
              int64_t offset, int limit, struct pl_arena *a, const char ***rows, size_t *n,
              bool *more, struct pl_err *err);
/* The same over the inventory as it was at as_of_ms (epoch ms; 0: now): each resource's
 * version current then, as plumb recorded it (beyond AWS; docs/query.md). */
int query_run_as_of(struct pl_store *s, const struct query *q, const char *account,
                    const char *region, int64_t as_of_ms, int64_t offset, int limit,
                    struct pl_arena *a, const char ***rows, size_t *n, bool *more,
                    struct pl_err *err);

/* The most general form: over the partitions parts[0..nparts) (SelectAggregateResourceConfig:
 * an aggregator's authorized sources; none gives no rows), only the resource types types[0..
 * ntypes) when types is not NULL (an aggregator's ResourceType filter), as of as_of_ms. */
struct query_scope {
    const struct pl_sel_part *parts;
    size_t nparts;
    const char *const *types;
    size_t ntypes;
    int64_t as_of_ms;
};
int query_run_scope(struct pl_store *s, const struct query *q, const struct query_scope *scope,
                    int64_t offset, int limit, struct pl_arena *a, const char ***rows, size_t *n,
                    bool *more, struct pl_err *err);

/* A value of an aggregate or SQL row as JSON (arena a); NULL for an SQL NULL. */
struct pl_sel_value;
struct pl_json *query_value_json(struct pl_arena *a, const struct pl_sel_value *v);

#endif
