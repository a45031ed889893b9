/* ops_query.c — advanced query: SelectResourceConfig, and the stored queries
 * (Put/Get/List/DeleteStoredQuery).
 *
 * SelectResourceConfig parses the expression (query/), runs it over the caller's current CIs
 * and pages as AWS: Limit 0 or absent means 25 rows (500 for aggregate queries), at most 100
 * (the model's bound: ValidationException);
 * NextToken holds the offset and a digest of the expression, so a token used with another
 * expression is InvalidNextTokenException.
 *
 * PlumbService.SelectResourceConfig answers the same query AsOf a past moment (beyond AWS).
 *
 * SelectAggregateResourceConfig runs the same dialect over the aggregator's authorized sources
 * as src/aggregator/ decides them at this call (a revoked authorization drops its rows from the
 * next page) and only the types its ResourceType filter names; Limit or MaxResults (Limit wins
 * when both are given) page it the same way, and the token also names the aggregator.
 *
 * PlumbService.QuerySql {Sql, MaxRows, ConfigurationAggregatorName} → {Columns, Rows, Truncated}
 * runs SQLite's own SQL over plumb's read-only views of the caller's partition (or of an
 * aggregator's authorized sources) in the store's sandbox (store/sqlq.h; beyond AWS).
 *
 * Stored queries are "StoredQuery" objects named by QueryName holding the StoredQuery shape
 * (QueryId, QueryArn, QueryName, Description, Expression), at most 300 per account and Region.
 * Putting an existing name updates it and keeps its id and ARN. Their tags are the Tags object
 * of the ARN (ops_tags.c serves Tag/Untag/ListTagsForResource on it).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/ops_aggregator.h"
#include "api/ops_rules.h"
#include "core/hash.h"
#include "core/time.h"
#include "query/query.h"
#include "store/sqlq.h"
#include "store/store.h"

#define KIND_STORED_QUERY "StoredQuery"
#define MAX_STORED        300
#define LIST_MAX          100 /* ListStoredQueries: the default and largest MaxResults */

/* ---- SelectResourceConfig ---- */

static const char *expr_digest(struct pl_op_ctx *c, const char *expr)
{
    return pl_arena_printf(c->a, "%016" PRIx64, pl_fnv1a(expr, strlen(expr)));
}

/* The offset a NextToken names (0 without one); key is what the token is bound to. */
static int page_offset(struct pl_op_ctx *c, const char *key, int64_t *offset)
{
    const char *tok = pl_in_str(c->in, "NextToken"), *parts[2];
    char *end;
    *offset = 0;
    if (!tok)
        return 0;
    if (pl_ops__token_parse(c, 'Q', tok, parts, 2) < 0)
        return -1;
    *offset = strtoll(parts[1], &end, 10);
    if (strcmp(parts[0], expr_digest(c, key)) || *end || *offset <= 0)
        return pl_fail(c->err, PL_E_INVALID_NEXT_TOKEN, "The nextToken provided is invalid");
    return 0;
}

/* Runs the parsed q over scope and writes Results, QueryInfo and NextToken (bound to key). */
static int answer(struct pl_op_ctx *c, const struct query *q, const struct query_scope *scope,
                  const char *key, int64_t limit)
{
    int64_t offset;
    if (page_offset(c, key, &offset) < 0)
        return -1;
    if (limit == 0)
        limit = query_is_aggregate(q) ? QUERY_PAGE_AGGREGATE : QUERY_PAGE;
    const char **rows;
    size_t n;
    bool more;
    if (query_run_scope(c->st, q, scope, offset, (int)limit, c->a, &rows, &n, &more, c->err) < 0)
        return -1;
    struct pl_json *res = pl_json_set(c->a, c->out, "Results", pl_json_new_arr(c->a));
    for (size_t i = 0; i < n; i++)
        pl_json_push(res, pl_json_new_str(c->a, rows[i]));
    struct pl_json *info = pl_json_set(c->a, c->out, "QueryInfo", pl_json_new_obj(c->a));
    struct pl_json *fields = pl_json_set(c->a, info, "SelectFields", pl_json_new_arr(c->a));
    for (size_t i = 0; i < query_nfields(q); i++)
        pl_json_set_str(c->a, pl_json_push(fields, pl_json_new_obj(c->a)), "Name",
                        query_field(q, i));
    if (more) {
        const char *parts[2] = {expr_digest(c, key),
                                pl_arena_printf(c->a, "%lld", (long long)(offset + (int64_t)n))};
        pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, 'Q', parts, 2));
    }
    return 0;
}

/* SelectResourceConfig over the inventory as it was at as_of_ms (0: now). */
static int select_at(struct pl_op_ctx *c, int64_t as_of_ms)
{
    const char *expr = pl_in_str(c->in, "Expression");
    int64_t limit = pl_in_int(c->in, "Limit", 0);
    struct query *q;
    if (limit < 0 || limit > QUERY_PAGE_MAX)
        return pl_fail(c->err, PL_E_VALIDATION, "Limit must be between 0 and %d", QUERY_PAGE_MAX);
    if (query_parse(expr, strlen(expr), c->a, &q, c->err) < 0)
        return -1;
    struct pl_sel_part part = {.account = c->account, .region = c->region};
    struct query_scope scope = {.parts = &part, .nparts = 1, .as_of_ms = as_of_ms};
    return answer(c, q, &scope, expr, limit);
}

/* The ResourceType filter of agg as a type allow list (NULL when it has none). */
static const char *const *agg_types(struct pl_op_ctx *c, const struct pl_json *agg, size_t *n)
{
    const struct pl_json *v = pl_json_path(agg, "AggregatorFilters.ResourceType.Value");
    *n = 0;
    if (!v || v->type != PL_JARR || v->len == 0)
        return NULL;
    const char **types = pl_arena_alloc(c->a, v->len * sizeof *types);
    for (const struct pl_json *x = v->child; x; x = x->next)
        if (x->type == PL_JSTR && pl_agg_type_included(agg, x->str))
            types[(*n)++] = x->str;
    return types;
}

static int select_aggregate(struct pl_op_ctx *c)
{
    const char *expr = pl_in_str(c->in, "Expression");
    const char *name = pl_in_str(c->in, "ConfigurationAggregatorName");
    int64_t limit = pl_in_int(c->in, "Limit", 0), max = pl_in_int(c->in, "MaxResults", 0);
    struct query *q;
    struct pl_json *agg;
    struct pl_agg_source *src;
    size_t nsrc;
    if (limit < 0 || limit > QUERY_PAGE_MAX || max < 0 || max > QUERY_PAGE_MAX)
        return pl_fail(c->err, PL_E_INVALID_LIMIT, "The Limit must be between 0 and %d.",
                       QUERY_PAGE_MAX);
    if (query_parse(expr, strlen(expr), c->a, &q, c->err) < 0 || pl_ops__agg_load(c, &agg) < 0 ||
        pl_agg_authorized(c->st, c->account, c->region, agg, NULL, NULL, c->a, &src, &nsrc,
                          c->err) < 0)
        return -1;
    struct pl_sel_part *parts = pl_arena_alloc(c->a, (nsrc + 1) * sizeof *parts);
    for (size_t i = 0; i < nsrc; i++)
        parts[i] = (struct pl_sel_part){.account = src[i].account, .region = src[i].region};
    struct query_scope scope = {.parts = parts, .nparts = nsrc};
    scope.types = agg_types(c, agg, &scope.ntypes);
    /* the token is bound to the aggregator and the expression: another's is invalid */
    const char *key = pl_arena_printf(c->a, "%s\n%s", name, expr);
    return answer(c, q, &scope, key, limit ? limit : max);
}

static int select_resource_config(struct pl_op_ctx *c)
{
    return select_at(c, 0);
}

/* PlumbService.SelectResourceConfig: AWS's request and answer, plus AsOf (epoch seconds or
 * ISO-8601; absent: now): the same query over the inventory as plumb recorded it then. The
 * botocore model does not check plumb's operations, so the members are checked here. */
static int plumb_select(struct pl_op_ctx *c)
{
    const struct pl_json *expr = pl_json_get(c->in, "Expression"), *at = pl_json_get(c->in, "AsOf");
    const struct pl_json *limit = pl_json_get(c->in, "Limit"),
                         *tok = pl_json_get(c->in, "NextToken");
    int64_t ms = 0, lim;
    if (!expr || expr->type != PL_JSTR || !expr->len || expr->len > QUERY_MAX_EXPR)
        return pl_fail(c->err, PL_E_VALIDATION, "Expression must be a string of 1 to %d characters",
                       QUERY_MAX_EXPR);
    if ((limit && pl_json_i64(limit, &lim) < 0) || (tok && tok->type != PL_JSTR))
        return pl_fail(c->err, PL_E_VALIDATION, "Limit must be an integer, NextToken a string");
    if (at && ((at->type == PL_JSTR && pl_time_parse(at->str, &ms) < 0) ||
               (at->type == PL_JNUM && pl_time_parse(at->str, &ms) < 0) ||
               (at->type != PL_JSTR && at->type != PL_JNUM)))
        return pl_fail(c->err, PL_E_VALIDATION,
                       "AsOf must be epoch seconds or an ISO-8601 time between the years 1 and "
                       "9999");
    if (at && ms <= 0)
        return pl_fail(c->err, PL_E_VALIDATION, "AsOf must be after 1970-01-01T00:00:00Z");
    return select_at(c, ms);
}

/* The partitions an aggregator reads now (its authorized sources), as a store list. */
static int agg_parts(struct pl_op_ctx *c, struct pl_sel_part **parts, size_t *n)
{
    struct pl_json *agg;
    struct pl_agg_source *src;
    if (pl_ops__agg_load(c, &agg) < 0 ||
        pl_agg_authorized(c->st, c->account, c->region, agg, NULL, NULL, c->a, &src, n, c->err) < 0)
        return -1;
    *parts = pl_arena_alloc(c->a, (*n + 1) * sizeof **parts);
    for (size_t i = 0; i < *n; i++)
        (*parts)[i] = (struct pl_sel_part){.account = src[i].account, .region = src[i].region};
    return 0;
}

static struct pl_json *sql_value(struct pl_arena *a, const struct pl_sel_value *v)
{
    struct pl_json *j = query_value_json(a, v);
    return j ? j : pl_json_new_null(a);
}

/* PlumbService.QuerySql: {Sql, MaxRows (1..100000, default 1000), TimeoutMs (1..10000,
 * default 10000), ConfigurationAggregatorName (optional: over its authorized sources)} →
 * {Columns, Rows: [[value, ...]], Truncated}. */
static int query_sql(struct pl_op_ctx *c)
{
    const struct pl_json *sql = pl_json_get(c->in, "Sql"), *max = pl_json_get(c->in, "MaxRows");
    const struct pl_json *agg = pl_json_get(c->in, "ConfigurationAggregatorName");
    const struct pl_json *tmo = pl_json_get(c->in, "TimeoutMs");
    int64_t rows = PL_SQLQ_ROWS, timeout = PL_SQLQ_TIMEOUT_MS;
    if (tmo && (pl_json_i64(tmo, &timeout) < 0 || timeout < 1 || timeout > PL_SQLQ_TIMEOUT_MS))
        return pl_fail(c->err, PL_E_VALIDATION, "TimeoutMs must be an integer from 1 to %d",
                       PL_SQLQ_TIMEOUT_MS);
    if (!sql || sql->type != PL_JSTR || !sql->len || sql->len > PL_SQLQ_MAX_SQL)
        return pl_fail(c->err, PL_E_VALIDATION, "Sql must be a string of 1 to %d bytes",
                       PL_SQLQ_MAX_SQL);
    if (max && (pl_json_i64(max, &rows) < 0 || rows < 1 || rows > PL_SQLQ_MAX_ROWS))
        return pl_fail(c->err, PL_E_VALIDATION, "MaxRows must be an integer from 1 to %d",
                       PL_SQLQ_MAX_ROWS);
    if (agg && agg->type != PL_JSTR)
        return pl_fail(c->err, PL_E_VALIDATION, "ConfigurationAggregatorName must be a string");
    struct pl_sel_part own = {.account = c->account, .region = c->region}, *parts = &own;
    size_t nparts = 1;
    if (agg && agg_parts(c, &parts, &nparts) < 0)
        return -1;
    struct pl_sqlq q = {.sql = sql->str,
                        .parts = parts,
                        .nparts = nparts,
                        .max_rows = (int)rows,
                        .timeout_ms = (int)timeout};
    struct pl_sqlq_result r;
    if (pl_store_sql_query(c->st, &q, c->a, &r, c->err) < 0)
        return -1;
    struct pl_json *cols = pl_json_set(c->a, c->out, "Columns", pl_json_new_arr(c->a));
    for (size_t i = 0; i < r.ncols; i++)
        pl_json_push(cols, pl_json_new_str(c->a, r.cols[i]));
    struct pl_json *out = pl_json_set(c->a, c->out, "Rows", pl_json_new_arr(c->a));
    for (size_t i = 0; i < r.nrows; i++) {
        struct pl_json *row = pl_json_push(out, pl_json_new_arr(c->a));
        for (size_t k = 0; k < r.ncols; k++)
            pl_json_push(row, sql_value(c->a, &r.vals[i * r.ncols + k]));
    }
    pl_json_set(c->a, c->out, "Truncated", pl_json_new_bool(c->a, r.truncated));
    return 0;
}

const struct pl_op_entry pl_ops_plumb_query[] = {
    {"SelectResourceConfig", plumb_select},
    {"QuerySql", query_sql},
    {NULL, NULL},
};

/* ---- stored queries ---- */

static int save_tags(struct pl_op_ctx *c, const char *arn)
{
    const struct pl_json *tags = pl_json_get(c->in, "Tags");
    if (!tags || !tags->len)
        return 0;
    struct pl_json *map;
    int r = pl_obj_load(c, PL_KIND_TAGS, arn, &map);
    if (r < 0)
        return -1;
    if (r == 0)
        map = pl_json_new_obj(c->a);
    for (const struct pl_json *t = tags->child; t; t = t->next) {
        const char *k = pl_json_get_str(t, "Key"), *v = pl_json_get_str(t, "Value");
        pl_json_del(map, k);
        pl_json_set_str(c->a, map, k, v ? v : "");
    }
    if (map->len > 50)
        return pl_fail(c->err, PL_E_TOO_MANY_TAGS,
                       "You have reached the limit of the number of tags you can use: 50");
    return pl_obj_save(c, PL_KIND_TAGS, arn, map);
}

/* A new stored query's object (id and ARN made here). */
static struct pl_json *new_stored(struct pl_op_ctx *c, const char *name)
{
    char id[37];
    pl_uuid(id);
    struct pl_json *o = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, o, "QueryId", id);
    pl_json_set_str(c->a, o, "QueryArn",
                    pl_arn(c, pl_arena_printf(c->a, "stored-query/%s/%s", name, id)));
    pl_json_set_str(c->a, o, "QueryName", name);
    return o;
}

/* The expression of a stored query must parse (ValidationException otherwise). */
static int check_expression(struct pl_op_ctx *c, const char *expr)
{
    struct query *q;
    if (!expr || !*expr)
        return pl_fail(c->err, PL_E_VALIDATION, "StoredQuery.Expression is required");
    if (query_parse(expr, strlen(expr), c->a, &q, c->err) < 0) {
        struct pl_err inner = *c->err;
        *c->err = (struct pl_err){0};
        return pl_fail(c->err, PL_E_VALIDATION, "Invalid StoredQuery.Expression: %s", inner.msg);
    }
    return 0;
}

static int put_stored_query(struct pl_op_ctx *c)
{
    const struct pl_json *sq = pl_json_get(c->in, "StoredQuery");
    const char *name = pl_json_get_str(sq, "QueryName");
    const char *expr = pl_json_get_str(sq, "Expression");
    const char *desc = pl_json_get_str(sq, "Description");
    struct pl_json *o;
    if (check_expression(c, expr) < 0 || pl_store_begin(c->st, c->err) < 0)
        return -1;
    int r = pl_obj_load(c, KIND_STORED_QUERY, name, &o);
    if (r < 0)
        return -1;
    if (r == 0) {
        int64_t count;
        if (pl_store_obj_count(c->st, c->account, c->region, KIND_STORED_QUERY, &count,
                               c->err) < 0)
            return -1;
        if (count >= MAX_STORED)
            return pl_fail(c->err, PL_E_VALIDATION,
                           "You have reached the limit of %d stored queries", MAX_STORED);
        o = new_stored(c, name);
    }
    pl_json_del(o, "Description");
    pl_json_del(o, "Expression");
    if (desc)
        pl_json_set_str(c->a, o, "Description", desc);
    pl_json_set_str(c->a, o, "Expression", expr);
    const char *arn = pl_json_get_str(o, "QueryArn");
    if (pl_obj_save(c, KIND_STORED_QUERY, name, o) < 0 || save_tags(c, arn) < 0)
        return -1;
    if (pl_store_commit(c->st, c->err) < 0)
        return -1;
    pl_json_set_str(c->a, c->out, "QueryArn", arn);
    return 0;
}

static int load_named(struct pl_op_ctx *c, const char *name, struct pl_json **o)
{
    int r = pl_obj_load(c, KIND_STORED_QUERY, name, o);
    if (r == 0)
        return pl_fail(c->err, PL_E_RESOURCE_NOT_FOUND,
                       "The query with name '%s' does not exist", name);
    return r < 0 ? -1 : 0;
}

static int get_stored_query(struct pl_op_ctx *c)
{
    struct pl_json *o;
    if (load_named(c, pl_in_str(c->in, "QueryName"), &o) < 0)
        return -1;
    pl_json_set(c->a, c->out, "StoredQuery", o);
    return 0;
}

static int delete_stored_query(struct pl_op_ctx *c)
{
    const char *name = pl_in_str(c->in, "QueryName");
    struct pl_json *o;
    if (pl_store_begin(c->st, c->err) < 0 || load_named(c, name, &o) < 0)
        return -1;
    if (pl_store_obj_delete(c->st, c->account, c->region, KIND_STORED_QUERY, name, c->err) < 0 ||
        pl_store_obj_delete(c->st, c->account, c->region, PL_KIND_TAGS,
                            pl_json_get_str(o, "QueryArn"), c->err) < 0)
        return -1;
    return pl_store_commit(c->st, c->err);
}

/* In QueryName order; NextToken is the last name of the page. */
static int list_stored_queries(struct pl_op_ctx *c)
{
    int64_t max = pl_in_int(c->in, "MaxResults", 0);
    const char *tok = pl_in_str(c->in, "NextToken"), *after = NULL;
    if (max < 0 || max > LIST_MAX)
        return pl_fail(c->err, PL_E_VALIDATION, "MaxResults must be between 0 and %d",
                       LIST_MAX);
    if (max == 0)
        max = LIST_MAX;
    if (tok && pl_ops__token_parse(c, 'S', tok, &after, 1) < 0)
        return -1;
    struct pl_obj *items;
    size_t n;
    if (pl_store_obj_list(c->st, c->account, c->region, KIND_STORED_QUERY, after, (int)max + 1,
                          c->a, &items, &n, c->err) < 0)
        return -1;
    struct pl_json *arr = pl_json_set(c->a, c->out, "StoredQueryMetadata", pl_json_new_arr(c->a));
    for (size_t i = 0; i < n && i < (size_t)max; i++) {
        struct pl_json *o = pl_json_parse(c->a, items[i].json, items[i].len, c->err);
        if (!o)
            return -1;
        pl_json_del(o, "Expression");
        pl_json_push(arr, o);
    }
    if (n > (size_t)max) {
        const char *last = items[max - 1].name;
        pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, 'S', &last, 1));
    }
    return 0;
}

const struct pl_op_entry pl_ops_query[] = {
    {"SelectResourceConfig", select_resource_config},
    {"SelectAggregateResourceConfig", select_aggregate},
    {"PutStoredQuery", put_stored_query},
    {"GetStoredQuery", get_stored_query},
    {"DeleteStoredQuery", delete_stored_query},
    {"ListStoredQueries", list_stored_queries},
    {NULL, NULL},
};
