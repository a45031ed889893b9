/* ops_aggregate.c — the aggregate reads over an aggregator's authorized sources:
 * ListAggregateDiscoveredResources, GetAggregateResourceConfig, BatchGetAggregateResourceConfig,
 * GetAggregateDiscoveredResourceCounts, DescribeAggregateComplianceByConfigRules,
 * GetAggregateComplianceDetailsByConfigRule, GetAggregateConfigRuleComplianceSummary,
 * DescribeAggregateComplianceByConformancePacks, GetAggregateConformancePackComplianceSummary.
 *
 * Every read asks src/aggregator/ which (account, region) partitions are authorized now and
 * reads those partitions' own rows through the store: no copy, no lag, and a source whose
 * authorization is deleted drops out of the very next read. Sources are visited in (account,
 * region) order; NextTokens name the partition to resume in and the position inside it.
 * Beyond AWS: GetAggregateResourceConfig and BatchGetAggregateResourceConfig carry the tags and
 * relationships the store holds (AWS's BatchGet drops them); PlumbService's
 * GetAggregateResourceConfigHistory reads a source resource's history. */
#include <stdlib.h>
#include <string.h>

#include "api/ops_aggregator.h"
#include "api/ops_rules.h"
#include "core/time.h"
#include "recorder/recorder.h"
#include "store/agg.h"
#include "store/evals.h"
#include "store/store.h"

#define LIST_PAGE    100  /* ListAggregateDiscoveredResources: default and maximum */
#define GROUP_PAGE   1000 /* the GroupByAPILimit reads: "the default is maximum" */
#define DETAILS_PAGE 50   /* GetAggregateComplianceDetailsByConfigRule default (max 100) */

/* The aggregator of the request and its authorized sources, narrowed to the filter's account
 * and region members (AccountId and region_key of filters; NULL filters: none). */
static int sources(struct pl_op_ctx *c, const struct pl_json *filters, const char *region_key,
                   struct pl_json **agg, struct pl_agg_source **s, size_t *n)
{
    if (pl_ops__agg_load(c, agg) < 0)
        return -1;
    const char *acct = filters ? pl_json_get_str(filters, "AccountId") : NULL;
    const char *region = filters && region_key ? pl_json_get_str(filters, region_key) : NULL;
    return pl_agg_authorized(c->st, c->account, c->region, *agg, acct, region, c->a, s, n, c->err);
}

/* The index of the source (account, region) of a token's first two parts, or InvalidNextToken
 * when it is no longer a source. */
static int token_source(struct pl_op_ctx *c, const char *const *parts,
                        const struct pl_agg_source *s, size_t n, size_t *i)
{
    for (*i = 0; *i < n; (*i)++)
        if (strcmp(s[*i].account, parts[0]) == 0 && strcmp(s[*i].region, parts[1]) == 0)
            return 0;
    return pl_fail(c->err, PL_E_INVALID_NEXT_TOKEN, "The nextToken provided is invalid");
}

/* Where a paged read over the sources starts: the aggregator, its sources narrowed by the
 * Filters (region member region_key), the Limit, and the NextToken's (tag) source *i and the
 * position inside it (parts[2], "" or NULL: the source's start). */
struct paged {
    struct pl_json *agg;
    struct pl_agg_source *s;
    size_t n, i;
    int limit;
    const char *parts[3];
};

static int paged_start(struct pl_op_ctx *c, int page, char tag, const char *region_key,
                       struct paged *p)
{
    const char *tok = pl_in_str(c->in, "NextToken");
    *p = (struct paged){.i = 0};
    if (pl_ops__agg_limit(c, page, page, &p->limit) < 0 ||
        sources(c, pl_json_get(c->in, "Filters"), region_key, &p->agg, &p->s, &p->n) < 0)
        return -1;
    if (tok && (pl_ops__token_parse(c, tag, tok, p->parts, 3) < 0 ||
                token_source(c, p->parts, p->s, p->n, &p->i) < 0))
        return -1;
    return 0;
}

static void not_discovered(struct pl_op_ctx *c, const char *type, const char *id)
{
    pl_fail(c->err, PL_E_RESOURCE_NOT_DISCOVERED,
            "Resource %s of resourceType:%s is unknown or has not been discovered", id, type);
}

/* ---- resources ---- */

static struct pl_json *identifier(struct pl_op_ctx *c, const struct pl_resource *r)
{
    struct pl_json *o = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, o, "SourceAccountId", r->account);
    pl_json_set_str(c->a, o, "SourceRegion", r->region);
    pl_json_set_str(c->a, o, "ResourceId", r->resource_id);
    pl_json_set_str(c->a, o, "ResourceType", r->resource_type);
    if (r->resource_name)
        pl_json_set_str(c->a, o, "ResourceName", r->resource_name);
    return o;
}

static int list_resources(struct pl_op_ctx *c)
{
    const struct pl_json *f = pl_json_get(c->in, "Filters");
    const char *type = pl_in_str(c->in, "ResourceType"), *id = pl_json_get_str(f, "ResourceId");
    struct paged p;
    if (paged_start(c, LIST_PAGE, 'L', "Region", &p) < 0)
        return -1;
    struct pl_agg_source *s = p.s;
    size_t n = p.n, i = p.i;
    int limit = p.limit;
    struct pl_json *arr = pl_json_set(c->a, c->out, "ResourceIdentifiers", pl_json_new_arr(c->a));
    if (!pl_agg_type_included(p.agg, type))
        return 0;
    struct pl_list_q q = {.resource_type = type,
                          .name = pl_json_get_str(f, "ResourceName"),
                          .ids = id ? &id : NULL,
                          .nids = id ? 1 : 0};
    q.cursor = p.parts[2] && *p.parts[2] ? p.parts[2] : NULL;
    for (; i < n && (int)arr->len < limit; i++, q.cursor = NULL) {
        struct pl_resource *items;
        size_t ni;
        char *next;
        q.account = s[i].account;
        q.region = s[i].region;
        q.limit = limit - (int)arr->len;
        if (pl_store_resources_list(c->st, &q, c->a, &items, &ni, &next, c->err) < 0)
            return -1;
        for (size_t k = 0; k < ni; k++)
            pl_json_push(arr, identifier(c, &items[k]));
        if (next || ((int)arr->len == limit && i + 1 < n)) {
            const char *t[3] = {next ? s[i].account : s[i + 1].account,
                                next ? s[i].region : s[i + 1].region, next ? next : ""};
            pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, 'L', t, 3));
            break;
        }
    }
    return 0;
}

/* Is (account, region) one of the aggregator's authorized sources? */
static bool is_source(const struct pl_agg_source *s, size_t n, const char *account,
                      const char *region)
{
    for (size_t i = 0; i < n; i++)
        if (account && region && strcmp(s[i].account, account) == 0 &&
            strcmp(s[i].region, region) == 0)
            return true;
    return false;
}

/* The latest CI of identifier k if the aggregator may read it (pl_agg_may_read: a lookup or
 * two, not the whole source list): 1 found, 0 not, -1 error. */
static int latest_ci(struct pl_op_ctx *c, const struct pl_json *agg, const struct pl_json *k,
                     struct pl_ci_row *row)
{
    const char *acct = pl_json_get_str(k, "SourceAccountId");
    const char *region = pl_json_get_str(k, "SourceRegion");
    const char *type = pl_json_get_str(k, "ResourceType");
    int r = pl_agg_may_read(c->st, c->account, c->region, agg, acct, region, type, c->a, c->err);
    if (r <= 0)
        return r;
    r = pl_store_ci_latest(c->st, acct, region, type, pl_json_get_str(k, "ResourceId"), c->a, row,
                           c->err);
    return r <= 0 ? r : !pl_ci_status_deleted(row->status);
}

static int get_resource(struct pl_op_ctx *c)
{
    const struct pl_json *k = pl_json_get(c->in, "ResourceIdentifier");
    struct pl_json *agg;
    struct pl_ci_row row;
    if (pl_ops__agg_load(c, &agg) < 0)
        return -1;
    int r = latest_ci(c, agg, k, &row);
    if (r <= 0) {
        if (r == 0)
            not_discovered(c, pl_json_get_str(k, "ResourceType"), pl_json_get_str(k, "ResourceId"));
        return -1;
    }
    struct pl_json *ci = pl_ci_render_api(c->a, &row, c->err);
    if (!ci)
        return -1;
    pl_json_set(c->a, c->out, "ConfigurationItem", ci);
    return 0;
}

/* A string member of o of 1..max characters, or NULL after a ValidationException. */
static const char *need_str(struct pl_op_ctx *c, const struct pl_json *o, const char *key,
                            size_t max)
{
    const struct pl_json *v = pl_json_get(o, key);
    if (!v || v->type != PL_JSTR || !*v->str || strlen(v->str) > max) {
        pl_fail(c->err, PL_E_VALIDATION, "%s must be a string of 1 to %zu characters", key, max);
        return NULL;
    }
    return v->str;
}

/* PlumbService.GetAggregateResourceConfigHistory (beyond AWS): {ConfigurationAggregatorName,
 * ResourceIdentifier {SourceAccountId, SourceRegion, ResourceId, ResourceType}, laterTime,
 * earlierTime, chronologicalOrder, limit, nextToken} -> GetResourceConfigHistory's answer for a
 * source's resource, when the aggregator may read it now (pl_agg_may_read: the check of
 * GetAggregateResourceConfig); else ResourceNotDiscoveredException, as that read answers. Not
 * in AWS's model, so the input is checked here; served from ops_plumb.c's table. */
int pl_ops__agg_history(struct pl_op_ctx *c)
{
    static const char *const keys[] = {"SourceAccountId", "SourceRegion", "ResourceType",
                                       "ResourceId"};
    static const size_t max[] = {12, 64, 256, 768};
    const struct pl_json *k = pl_json_get(c->in, "ResourceIdentifier");
    const struct pl_json *lim = pl_json_get(c->in, "limit"), *tok = pl_json_get(c->in, "nextToken");
    const struct pl_json *order = pl_json_get(c->in, "chronologicalOrder");
    const char *v[4];
    int64_t l = 0;
    struct pl_json *agg;
    lim = lim && lim->type != PL_JNULL ? lim : NULL; /* null members count as absent */
    tok = tok && tok->type != PL_JNULL ? tok : NULL;
    order = order && order->type != PL_JNULL ? order : NULL;
    if (!need_str(c, c->in, "ConfigurationAggregatorName", 256))
        return -1;
    if (!k || k->type != PL_JOBJ)
        return pl_fail(c->err, PL_E_VALIDATION, "ResourceIdentifier must be an object");
    for (size_t i = 0; i < 4; i++)
        if (!(v[i] = need_str(c, k, keys[i], max[i])))
            return -1;
    if (lim && (pl_json_i64(lim, &l) < 0 || l < 0 || l > 100))
        return pl_fail(c->err, PL_E_VALIDATION, "limit must be an integer from 0 to 100");
    if (tok && tok->type != PL_JSTR)
        return pl_fail(c->err, PL_E_INVALID_NEXT_TOKEN, "The nextToken provided is invalid");
    if (order && (order->type != PL_JSTR ||
                  (strcmp(order->str, "Forward") != 0 && strcmp(order->str, "Reverse") != 0)))
        return pl_fail(c->err, PL_E_VALIDATION, "chronologicalOrder must be Reverse or Forward");
    static const char *const times[] = {"laterTime", "earlierTime"};
    for (size_t i = 0; i < 2; i++) {
        const struct pl_json *t = pl_json_get(c->in, times[i]);
        if (t && t->type != PL_JNUM && t->type != PL_JSTR && t->type != PL_JNULL)
            return pl_fail(c->err, PL_E_VALIDATION, "%s must be a timestamp", times[i]);
    }
    if (pl_ops__agg_load(c, &agg) < 0)
        return -1;
    int r = pl_agg_may_read(c->st, c->account, c->region, agg, v[0], v[1], v[2], c->a, c->err);
    if (r <= 0) {
        if (r == 0)
            not_discovered(c, v[2], v[3]);
        return -1;
    }
    return pl_ops__config_history(c, v[0], v[1], v[2], v[3]);
}

/* The base item of row plus its tags and relationships (beyond AWS's BatchGet). */
static struct pl_json *base_item(struct pl_op_ctx *c, const struct pl_ci_row *row)
{
    struct pl_json *base = pl_ci_render_base(c->a, row, c->err);
    struct pl_json *full = base ? pl_ci_render_api(c->a, row, c->err) : NULL;
    if (!full)
        return NULL;
    static const char *const extra[] = {"tags", "relationships"};
    for (size_t i = 0; i < 2; i++) {
        const struct pl_json *v = pl_json_get(full, extra[i]);
        if (v && !pl_json_get(base, extra[i]))
            pl_json_set(c->a, base, extra[i], pl_json_clone(c->a, v));
    }
    return base;
}

static int batch_get(struct pl_op_ctx *c)
{
    struct pl_json *agg;
    if (pl_ops__agg_load(c, &agg) < 0)
        return -1;
    struct pl_json *items =
        pl_json_set(c->a, c->out, "BaseConfigurationItems", pl_json_new_arr(c->a));
    pl_json_set(c->a, c->out, "UnprocessedResourceIdentifiers", pl_json_new_arr(c->a));
    const struct pl_json *keys = pl_json_get(c->in, "ResourceIdentifiers");
    for (const struct pl_json *k = keys ? keys->child : NULL; k; k = k->next) {
        struct pl_ci_row row;
        int r = latest_ci(c, agg, k, &row);
        if (r < 0)
            return -1;
        struct pl_json *ci = r ? base_item(c, &row) : NULL;
        if (r && !ci)
            return -1;
        if (ci)
            pl_json_push(items, ci);
    }
    return 0;
}

/* ---- grouped counts ---- */

struct group {
    const char *name;
    int64_t a, b; /* counts: resources, or compliant / non-compliant rules */
};

/* Adds (da, db) to the group named name of *g (*n of them, capacity *cap). */
static void group_add(struct pl_op_ctx *c, struct group **g, size_t *n, size_t *cap,
                      const char *name, int64_t da, int64_t db)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*g)[i].name, name) == 0) {
            (*g)[i].a += da;
            (*g)[i].b += db;
            return;
        }
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        struct group *ng = pl_arena_alloc(c->a, ncap * sizeof *ng);
        if (*n)
            memcpy(ng, *g, *n * sizeof *ng);
        *g = ng;
        *cap = ncap;
    }
    (*g)[(*n)++] = (struct group){name, da, db};
}

static int by_name(const void *x, const void *y)
{
    return strcmp(((const struct group *)x)->name, ((const struct group *)y)->name);
}

/* The group of a source for GroupByKey key (ACCOUNT_ID / AWS_REGION / RESOURCE_TYPE). */
static const char *group_of(const char *key, const struct pl_agg_source *s, const char *type)
{
    if (strcmp(key, "ACCOUNT_ID") == 0)
        return s->account;
    if (strcmp(key, "AWS_REGION") == 0)
        return s->region;
    return type;
}

/* Sorts the groups, skips those up to the request's NextToken (tag) and returns the index of
 * the first of this page. */
static int group_page(struct pl_op_ctx *c, char tag, struct group *g, size_t n, size_t *first)
{
    const char *tok = pl_in_str(c->in, "NextToken"), *after = NULL;
    if (n)
        qsort(g, n, sizeof *g, by_name);
    *first = 0;
    if (tok && pl_ops__token_parse(c, tag, tok, &after, 1) < 0)
        return -1;
    while (after && *first < n && strcmp(g[*first].name, after) <= 0)
        (*first)++;
    return 0;
}

static void group_token(struct pl_op_ctx *c, char tag, const struct group *last)
{
    pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, tag, &last->name, 1));
}

/* Adds one source's resource counts per type to the groups (or the total alone). */
static int count_source(struct pl_op_ctx *c, const struct pl_json *agg, const char *type,
                        const char *key, const struct pl_agg_source *s, struct group **g,
                        size_t *ng, size_t *cap, int64_t *total)
{
    struct pl_type_count *items;
    size_t ni;
    int64_t t;
    char *next;
    if (pl_store_resource_counts(c->st, s->account, s->region, type ? &type : NULL, type ? 1 : 0,
                                 100000, NULL, c->a, &items, &ni, &t, &next, c->err) < 0)
        return -1;
    for (size_t k = 0; k < ni; k++) {
        if (!pl_agg_type_included(agg, items[k].resource_type))
            continue;
        *total += items[k].count;
        if (key)
            group_add(c, g, ng, cap, group_of(key, s, items[k].resource_type), items[k].count, 0);
    }
    return 0;
}

static int resource_counts(struct pl_op_ctx *c)
{
    const struct pl_json *f = pl_json_get(c->in, "Filters");
    const char *key = pl_in_str(c->in, "GroupByKey"), *type = pl_json_get_str(f, "ResourceType");
    struct pl_json *agg;
    struct pl_agg_source *s;
    struct group *g = NULL;
    size_t n, ng = 0, cap = 0, first;
    int64_t total = 0;
    int limit = 0;
    if (pl_ops__agg_limit(c, GROUP_PAGE, GROUP_PAGE, &limit) < 0 ||
        sources(c, f, "Region", &agg, &s, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (count_source(c, agg, type, key, &s[i], &g, &ng, &cap, &total) < 0)
            return -1;
    if (group_page(c, 'N', g, ng, &first) < 0)
        return -1;
    pl_json_set_i64(c->a, c->out, "TotalDiscoveredResources", total);
    if (!key)
        return 0;
    pl_json_set_str(c->a, c->out, "GroupByKey", key);
    struct pl_json *arr = pl_json_set(c->a, c->out, "GroupedResourceCounts", pl_json_new_arr(c->a));
    for (size_t i = first; i < ng; i++) {
        if ((int)arr->len == limit) {
            group_token(c, 'N', &g[i - 1]);
            break;
        }
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, o, "GroupName", g[i].name);
        pl_json_set_i64(c->a, o, "ResourceCount", g[i].a);
    }
    return 0;
}

/* ---- rule compliance ---- */

static const char *rule_compliance(const struct pl_agg_rule *r)
{
    return r->noncompliant ? "NON_COMPLIANT" : r->compliant ? "COMPLIANT" : "INSUFFICIENT_DATA";
}

/* Where a paged read over the sources stands: the source, the NextToken's tag, the name the
 * page would resume after (NULL: the source's start), the page's size and its array. */
struct source_page {
    const struct pl_agg_source *s;
    char tag;
    const char *prev;
    int limit;
    struct pl_json *arr;
};

/* Appends {name_key: name, "Compliance", "AccountId", "AwsRegion"} to the page, or, when it
 * is full, sets the NextToken to resume after pg->prev and returns 1. */
static int push_item(struct pl_op_ctx *c, const struct source_page *pg, const char *name_key,
                     const char *name, struct pl_json *compliance)
{
    if ((int)pg->arr->len == pg->limit) {
        const char *t[3] = {pg->s->account, pg->s->region, pg->prev ? pg->prev : ""};
        pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, pg->tag, t, 3));
        return 1;
    }
    struct pl_json *o = pl_json_push(pg->arr, pl_json_new_obj(c->a));
    pl_json_set_str(c->a, o, name_key, name);
    pl_json_set(c->a, o, "Compliance", compliance);
    pl_json_set_str(c->a, o, "AccountId", pg->s->account);
    pl_json_set_str(c->a, o, "AwsRegion", pg->s->region);
    return 0;
}

/* Emits the rules of source s (after the rule after) that pass the filter into arr, up to
 * limit in all; sets the NextToken and returns 1 when the page filled up before the end. */
static int rules_of_source(struct pl_op_ctx *c, const struct pl_agg_source *s, const char *after,
                           const struct pl_json *f, int limit, struct pl_json *arr)
{
    const char *want = pl_json_get_str(f, "ComplianceType");
    struct pl_agg_rule *rows;
    size_t n;
    if (pl_store_agg_rules(c->st, s->account, s->region, pl_json_get_str(f, "ConfigRuleName"),
                           after, 0, 101, c->a, &rows, &n, c->err) < 0)
        return -1;
    for (size_t k = 0; k < n; k++) {
        if (want && strcmp(want, rule_compliance(&rows[k])) != 0)
            continue;
        struct source_page pg = {s, 'D', k ? rows[k - 1].rule : after, limit, arr};
        if (push_item(c, &pg, "ConfigRuleName", rows[k].rule,
                      pl_ops__compliance_json(c, rows[k].noncompliant, rows[k].compliant)))
            return 1;
    }
    return 0;
}

typedef int (*source_page_fn)(struct pl_op_ctx *c, const struct pl_agg_source *s, const char *after,
                              const struct pl_json *f, int limit, struct pl_json *arr);

/* A paged read over the aggregator's sources, one source after another: the NextToken (tag)
 * names the source and the last name of its page; fn fills arr from one source (1: the page is
 * full, the token is set). */
static int over_sources(struct pl_op_ctx *c, int page, char tag, const char *member,
                        source_page_fn fn)
{
    const struct pl_json *f = pl_json_get(c->in, "Filters");
    struct paged p;
    if (paged_start(c, page, tag, "AwsRegion", &p) < 0)
        return -1;
    struct pl_json *arr = pl_json_set(c->a, c->out, member, pl_json_new_arr(c->a));
    for (const char *after = p.parts[2]; p.i < p.n; p.i++, after = NULL) {
        int r = fn(c, &p.s[p.i], after && *after ? after : NULL, f, p.limit, arr);
        if (r != 0)
            return r < 0 ? -1 : 0;
    }
    return 0;
}

static int compliance_by_rules(struct pl_op_ctx *c)
{
    return over_sources(c, GROUP_PAGE, 'D', "AggregateComplianceByConfigRules", rules_of_source);
}

static int compliance_details(struct pl_op_ctx *c)
{
    const char *acct = pl_in_str(c->in, "AccountId"), *region = pl_in_str(c->in, "AwsRegion");
    const char *tok = pl_in_str(c->in, "NextToken"), *want = pl_in_str(c->in, "ComplianceType");
    const char *parts[2];
    struct pl_json *agg;
    struct pl_agg_source *s;
    size_t n;
    struct pl_ev_query q = {
        .account = acct, .region = region, .rule = pl_in_str(c->in, "ConfigRuleName")};
    if (pl_ops__agg_limit(c, DETAILS_PAGE, 100, &q.limit) < 0 ||
        sources(c, NULL, NULL, &agg, &s, &n) < 0)
        return -1;
    int comp = want ? pl_ev_comp_parse(want) : -1;
    if (want && comp < 0)
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE, "The ComplianceType %s is not valid.",
                       want);
    if (want)
        q.comps = 1u << comp;
    if (tok) {
        if (pl_ops__token_parse(c, 'E', tok, parts, 2) < 0)
            return -1;
        q.after_type = parts[0];
        q.after_id = parts[1];
    }
    struct pl_json *arr =
        pl_json_set(c->a, c->out, "AggregateEvaluationResults", pl_json_new_arr(c->a));
    if (!is_source(s, n, acct, region))
        return 0;
    struct pl_ev_row *rows;
    bool more;
    if (pl_store_eval_list(c->st, &q, c->a, &rows, &n, &more, c->err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct pl_json *o = pl_json_push(arr, pl_ops__result_json(c, &rows[i]));
        pl_json_del(o, "ResultToken");
        pl_json_set_str(c->a, o, "AccountId", acct);
        pl_json_set_str(c->a, o, "AwsRegion", region);
    }
    if (more && n) {
        const char *keys[2] = {rows[n - 1].resource_type, rows[n - 1].resource_id};
        pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, 'E', keys, 2));
    }
    return 0;
}

/* Counts one source's compliant (*ok) and non-compliant (*bad) rules. */
static int rules_count(struct pl_op_ctx *c, const struct pl_agg_source *s, int64_t *ok,
                       int64_t *bad)
{
    return pl_store_agg_rule_tally(c->st, s->account, s->region, ok, bad, c->err);
}

static struct pl_json *rules_summary_json(struct pl_op_ctx *c, const struct group *g)
{
    return pl_ops__summary_json(c, g->a, g->b);
}

/* What differs between the two grouped compliance summaries. */
struct summary_kind {
    int page;           /* the Limit's default and maximum */
    char tag;           /* of the NextToken */
    const char *member; /* the answer's array */
    int (*count)(struct pl_op_ctx *c, const struct pl_agg_source *s, int64_t *ok, int64_t *bad);
    struct pl_json *(*summary)(struct pl_op_ctx *c, const struct group *g);
};

/* A compliance summary over the aggregator's sources: k->count's compliant and non-compliant
 * counts of every source, added up per GroupByKey group (one group without it), paged. */
static int grouped_summary(struct pl_op_ctx *c, const struct summary_kind *k)
{
    const struct pl_json *f = pl_json_get(c->in, "Filters");
    const char *key = pl_in_str(c->in, "GroupByKey");
    struct pl_json *agg;
    struct pl_agg_source *s;
    struct group *g = NULL;
    size_t n, ng = 0, cap = 0, first;
    int limit = 0;
    if (pl_ops__agg_limit(c, k->page, k->page, &limit) < 0 ||
        sources(c, f, "AwsRegion", &agg, &s, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int64_t ok = 0, bad = 0;
        if (k->count(c, &s[i], &ok, &bad) < 0)
            return -1;
        group_add(c, &g, &ng, &cap, key ? group_of(key, &s[i], NULL) : "", ok, bad);
    }
    if (!key && !ng)
        group_add(c, &g, &ng, &cap, "", 0, 0);
    if (group_page(c, k->tag, g, ng, &first) < 0)
        return -1;
    if (key)
        pl_json_set_str(c->a, c->out, "GroupByKey", key);
    struct pl_json *arr = pl_json_set(c->a, c->out, k->member, pl_json_new_arr(c->a));
    for (size_t i = first; i < ng; i++) {
        if ((int)arr->len == limit) {
            group_token(c, k->tag, &g[i - 1]);
            break;
        }
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        if (key)
            pl_json_set_str(c->a, o, "GroupName", g[i].name);
        pl_json_set(c->a, o, "ComplianceSummary", k->summary(c, &g[i]));
    }
    return 0;
}

static int rule_summary(struct pl_op_ctx *c)
{
    static const struct summary_kind rules = {GROUP_PAGE, 'M', "AggregateComplianceCounts",
                                              rules_count, rules_summary_json};
    return grouped_summary(c, &rules);
}

/* ---- conformance packs ---- */

#define PACK_PAGE 100 /* the pack reads' Limit: "the default is maximum" */
#define KIND_PACK "ConformancePack"

static struct pl_json *pack_compliance(struct pl_op_ctx *c, const struct pl_pack_rollup *r)
{
    struct pl_json *o = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, o, "ComplianceType", r->status);
    pl_json_set_i64(c->a, o, "CompliantRuleCount", (int64_t)r->ok);
    pl_json_set_i64(c->a, o, "NonCompliantRuleCount", (int64_t)r->bad);
    pl_json_set_i64(c->a, o, "TotalRuleCount", (int64_t)r->total);
    return o;
}

/* Emits the packs of source s after the pack after that pass the filters; 1 when the page
 * filled up (NextToken set), 0 at the source's end, -1 on error. */
static int packs_of_source(struct pl_op_ctx *c, const struct pl_agg_source *s, const char *after,
                           const struct pl_json *f, int limit, struct pl_json *arr)
{
    const char *only = pl_json_get_str(f, "ConformancePackName");
    const char *want = pl_json_get_str(f, "ComplianceType");
    struct pl_obj *items;
    size_t n;
    if (pl_store_obj_list(c->st, s->account, s->region, KIND_PACK, after, 0, c->a, &items, &n,
                          c->err) < 0)
        return -1;
    for (size_t k = 0; k < n; k++) {
        struct pl_json *p;
        struct pl_pack_rollup r;
        if (only && strcmp(only, items[k].name) != 0)
            continue;
        if (!(p = pl_json_parse(c->a, items[k].json, items[k].len, c->err)) ||
            pl_ops__pack_rollup(c, s->account, s->region, p, &r) < 0)
            return -1;
        if (want && strcmp(want, r.status) != 0)
            continue;
        struct source_page pg = {s, 'K', k ? items[k - 1].name : after, limit, arr};
        if (push_item(c, &pg, "ConformancePackName", items[k].name, pack_compliance(c, &r)))
            return 1;
    }
    return 0;
}

static int compliance_by_packs(struct pl_op_ctx *c)
{
    return over_sources(c, PACK_PAGE, 'K', "AggregateComplianceByConformancePacks",
                        packs_of_source);
}

/* Counts one source's compliant (*ok) and non-compliant (*bad) packs. */
static int packs_count(struct pl_op_ctx *c, const struct pl_agg_source *s, int64_t *ok,
                       int64_t *bad)
{
    struct pl_obj *items;
    size_t n;
    if (pl_store_obj_list(c->st, s->account, s->region, KIND_PACK, NULL, 0, c->a, &items, &n,
                          c->err) < 0)
        return -1;
    for (size_t k = 0; k < n; k++) {
        struct pl_json *p = pl_json_parse(c->a, items[k].json, items[k].len, c->err);
        struct pl_pack_rollup r;
        if (!p || pl_ops__pack_rollup(c, s->account, s->region, p, &r) < 0)
            return -1;
        *ok += strcmp(r.status, "COMPLIANT") == 0;
        *bad += strcmp(r.status, "NON_COMPLIANT") == 0;
    }
    return 0;
}

static struct pl_json *packs_summary_json(struct pl_op_ctx *c, const struct group *g)
{
    struct pl_json *sum = pl_json_new_obj(c->a);
    pl_json_set_i64(c->a, sum, "CompliantConformancePackCount", g->a);
    pl_json_set_i64(c->a, sum, "NonCompliantConformancePackCount", g->b);
    return sum;
}

static int packs_summary(struct pl_op_ctx *c)
{
    static const struct summary_kind packs = {PACK_PAGE, 'Q',
                                              "AggregateConformancePackComplianceSummaries",
                                              packs_count, packs_summary_json};
    return grouped_summary(c, &packs);
}

const struct pl_op_entry pl_ops_aggregate[] = {
    {"DescribeAggregateComplianceByConformancePacks", compliance_by_packs},
    {"GetAggregateConformancePackComplianceSummary", packs_summary},
    {"ListAggregateDiscoveredResources", list_resources},
    {"GetAggregateResourceConfig", get_resource},
    {"BatchGetAggregateResourceConfig", batch_get},
    {"GetAggregateDiscoveredResourceCounts", resource_counts},
    {"DescribeAggregateComplianceByConfigRules", compliance_by_rules},
    {"GetAggregateComplianceDetailsByConfigRule", compliance_details},
    {"GetAggregateConfigRuleComplianceSummary", rule_summary},
    {NULL, NULL},
};
