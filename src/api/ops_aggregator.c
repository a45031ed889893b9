/* ops_aggregator.c — configuration aggregators and their authorization:
 * PutConfigurationAggregator, DescribeConfigurationAggregators, DeleteConfigurationAggregator,
 * DescribeConfigurationAggregatorSourcesStatus, PutAggregationAuthorization,
 * DescribeAggregationAuthorizations, DeleteAggregationAuthorization,
 * DescribePendingAggregationRequests, DeletePendingAggregationRequest.
 *
 * An aggregator is a PL_KIND_AGGREGATOR object (name = aggregator name) in the
 * DescribeConfigurationAggregators shape; an authorization a PL_KIND_AGG_AUTH object named
 * "ACCOUNT/REGION" of the authorized aggregator, in the DescribeAggregationAuthorizations
 * shape; a deleted pending request a PL_KIND_AGG_DISMISSED object of the same name. Sources
 * status and pending requests are computed at each call (aggregator.h): nothing is copied.
 * An OrganizationAggregationSource is put only by the organization's management account or a
 * delegated administrator (org/org.h); its sources are the organization's accounts at each read. */
#include <stdlib.h>
#include <string.h>

#include "api/ops_aggregator.h"
#include "api/ops_rules.h"
#include "core/hash.h"
#include "core/time.h"
#include "org/org.h"
#include "store/store.h"

#define AGG_PAGE     100 /* Describe* default page: "the default is maximum" */
#define PENDING_PAGE 20
#define MAX_REGIONS  64 /* AwsRegions of one source (AWS has fewer regions; bounds each read) */

static int no_such_aggregator(struct pl_op_ctx *c)
{
    return pl_fail(c->err, PL_E_NO_SUCH_CONFIGURATION_AGGREGATOR,
                   "The configuration aggregator does not exist. Check the configuration "
                   "aggregator name and try again.");
}

int pl_ops__agg_load(struct pl_op_ctx *c, struct pl_json **agg)
{
    int r =
        pl_obj_load(c, PL_KIND_AGGREGATOR, pl_in_str(c->in, "ConfigurationAggregatorName"), agg);
    if (r < 0)
        return -1;
    return r ? 0 : no_such_aggregator(c);
}

int pl_ops__agg_limit(struct pl_op_ctx *c, int dflt, int max, int *limit)
{
    int64_t l = pl_in_int(c->in, "Limit", 0);
    if (l < 0 || l > max)
        return pl_fail(c->err, PL_E_INVALID_LIMIT, "The Limit must be between 0 and %d.", max);
    *limit = l ? (int)l : dflt;
    return 0;
}

/* The request's Tags list saved as the tag map of arn. */
static int save_tags(struct pl_op_ctx *c, const char *arn)
{
    const struct pl_json *tags = pl_json_get(c->in, "Tags");
    if (!tags || !tags->len)
        return 0;
    struct pl_json *m = pl_json_new_obj(c->a);
    for (const struct pl_json *t = tags->child; t; t = t->next) {
        const char *k = pl_json_get_str(t, "Key"), *v = pl_json_get_str(t, "Value");
        if (!k)
            return pl_fail(c->err, PL_E_VALIDATION, "A tag needs a Key.");
        pl_json_del(m, k);
        pl_json_set_str(c->a, m, k, v ? v : "");
    }
    return pl_obj_save(c, PL_KIND_TAGS, arn, m);
}

/* ---- aggregators ---- */

/* A source's AwsRegions / AllAwsRegions, checked as AWS checks them: one or the other, at most
 * MAX_REGIONS names of 1 to 64 characters. */
static int check_regions(struct pl_op_ctx *c, const struct pl_json *regions, bool all)
{
    if (all == (regions != NULL && regions->len > 0))
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE,
                       "Specify either AwsRegions or AllAwsRegions set to true, not both.");
    if (regions && regions->len > MAX_REGIONS)
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE,
                       "AwsRegions can name at most %d regions.", MAX_REGIONS);
    for (const struct pl_json *r = regions ? regions->child : NULL; r; r = r->next)
        if (r->len < 1 || r->len > 64)
            return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE,
                           "A region name has 1 to 64 characters.");
    return 0;
}

/* The one account source of the request, checked as AWS checks it, normalised into out. */
static int account_source(struct pl_op_ctx *c, struct pl_json **out)
{
    const struct pl_json *list = pl_json_get(c->in, "AccountAggregationSources");
    if (!list || list->len != 1)
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE,
                       "The configuration aggregator needs exactly one source: one "
                       "AccountAggregationSources entry.");
    const struct pl_json *src = list->child, *ids = pl_json_get(src, "AccountIds");
    const struct pl_json *regions = pl_json_get(src, "AwsRegions");
    bool all = pl_json_truthy(pl_json_get(src, "AllAwsRegions"));
    if (ids->len > PL_AGG_MAX_ACCOUNTS)
        return pl_fail(c->err, PL_E_LIMIT_EXCEEDED,
                       "An account aggregation source can have at most %d accounts.",
                       PL_AGG_MAX_ACCOUNTS);
    if (check_regions(c, regions, all) < 0)
        return -1;
    struct pl_json *s = pl_json_new_obj(c->a);
    pl_json_set(c->a, s, "AccountIds", pl_json_clone(c->a, ids));
    pl_json_set_bool(c->a, s, "AllAwsRegions", all);
    if (!all)
        pl_json_set(c->a, s, "AwsRegions", pl_json_clone(c->a, regions));
    *out = pl_json_new_arr(c->a);
    pl_json_push(*out, s);
    return 0;
}

/* The request's OrganizationAggregationSource, checked as AWS checks it (the caller must manage
 * plumb's organization), normalised into out. */
static int org_source(struct pl_op_ctx *c, struct pl_json **out)
{
    const struct pl_json *src = pl_json_get(c->in, "OrganizationAggregationSource");
    const struct pl_json *regions = pl_json_get(src, "AwsRegions");
    bool all = pl_json_truthy(pl_json_get(src, "AllAwsRegions"));
    struct pl_json *org;
    if (pl_json_get(c->in, "AccountAggregationSources"))
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE,
                       "The configuration aggregator needs exactly one source: "
                       "AccountAggregationSources or OrganizationAggregationSource.");
    int r = pl_org_load(c->st, c->a, &org, c->err);
    if (r < 0)
        return -1;
    if (r == 0)
        return pl_fail(c->err, PL_E_NO_AVAILABLE_ORGANIZATION,
                       "Organization is not available. Create an organization first "
                       "(plumb org create, docs/organizations.md).");
    if (!pl_org_manages(org, c->account))
        return pl_fail(c->err, PL_E_ORGANIZATION_ACCESS_DENIED,
                       "This action can only be performed if you are a registered delegated "
                       "administrator for AWS Config with permissions to call "
                       "ListDelegatedAdministrators API.");
    if (check_regions(c, regions, all) < 0)
        return -1;
    *out = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, *out, "RoleArn", pl_json_get_str(src, "RoleArn"));
    if (!all)
        pl_json_set(c->a, *out, "AwsRegions", pl_json_clone(c->a, regions));
    pl_json_set_bool(c->a, *out, "AllAwsRegions", all);
    return 0;
}

/* Refuses a new aggregator past AWS's 50 per account and region. */
static int check_room(struct pl_op_ctx *c)
{
    int64_t n;
    if (pl_store_obj_count(c->st, c->account, c->region, PL_KIND_AGGREGATOR, &n, c->err) < 0)
        return -1;
    if (n >= PL_AGG_MAX_PER_REGION)
        return pl_fail(c->err, PL_E_LIMIT_EXCEEDED,
                       "You have reached the limit of %d configuration aggregators for the "
                       "account.",
                       PL_AGG_MAX_PER_REGION);
    return 0;
}

static const char *new_agg_arn(struct pl_op_ctx *c)
{
    char id[9];
    pl_random_hex(4, id);
    return pl_arn(c, pl_arena_printf(c->a, "config-aggregator/config-aggregator-%s", id));
}

static int put_aggregator(struct pl_op_ctx *c)
{
    const char *name = pl_in_str(c->in, "ConfigurationAggregatorName");
    struct pl_json *sources = NULL, *prev = NULL;
    bool org = pl_json_get(c->in, "OrganizationAggregationSource") != NULL;
    if ((org ? org_source(c, &sources) : account_source(c, &sources)) < 0 ||
        pl_store_begin(c->st, c->err) < 0)
        return -1;
    int r = pl_obj_load(c, PL_KIND_AGGREGATOR, name, &prev);
    if (r < 0 || (r == 0 && check_room(c) < 0))
        return -1;
    struct pl_json *now = pl_json_new_epoch_ms(c->a, pl_now_ms());
    const char *arn = r ? pl_json_get_str(prev, "ConfigurationAggregatorArn") : new_agg_arn(c);
    struct pl_json *o = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, o, "ConfigurationAggregatorName", name);
    pl_json_set_str(c->a, o, "ConfigurationAggregatorArn", arn);
    pl_json_set(c->a, o, org ? "OrganizationAggregationSource" : "AccountAggregationSources",
                sources);
    pl_json_set(c->a, o, "CreationTime",
                r ? pl_json_clone(c->a, pl_json_get(prev, "CreationTime")) : now);
    pl_json_set(c->a, o, "LastUpdatedTime", pl_json_clone(c->a, now));
    const struct pl_json *filters = pl_json_get(c->in, "AggregatorFilters");
    if (filters)
        pl_json_set(c->a, o, "AggregatorFilters", pl_json_clone(c->a, filters));
    if (pl_obj_save(c, PL_KIND_AGGREGATOR, name, o) < 0 || save_tags(c, arn) < 0 ||
        pl_store_commit(c->st, c->err) < 0)
        return -1;
    pl_json_set(c->a, c->out, "ConfigurationAggregator", o);
    return 0;
}

/* A page of the partition's objects of kind after the request's NextToken (tag), at most
 * limit, as parsed JSON pushed on out[key]; NextToken when more follow. */
static int list_page(struct pl_op_ctx *c, const char *kind, char tag, int limit, const char *key)
{
    const char *tok = pl_in_str(c->in, "NextToken"), *after = NULL;
    struct pl_obj *items;
    size_t n;
    if (tok && pl_ops__token_parse(c, tag, tok, &after, 1) < 0)
        return -1;
    if (pl_store_obj_list(c->st, c->account, c->region, kind, after, limit + 1, c->a, &items, &n,
                          c->err) < 0)
        return -1;
    struct pl_json *arr = pl_json_set(c->a, c->out, key, pl_json_new_arr(c->a));
    for (size_t i = 0; i < n && i < (size_t)limit; i++) {
        struct pl_json *o = pl_json_parse(c->a, items[i].json, items[i].len, c->err);
        if (!o)
            return -1;
        pl_json_push(arr, o);
    }
    if (n > (size_t)limit)
        pl_json_set_str(c->a, c->out, "NextToken",
                        pl_ops__token_make(c, tag, &items[limit - 1].name, 1));
    return 0;
}

static int describe_aggregators(struct pl_op_ctx *c)
{
    int limit = 0;
    if (pl_ops__agg_limit(c, AGG_PAGE, AGG_PAGE, &limit) < 0)
        return -1;
    size_t n;
    const char **names = pl_in_strs(c->a, c->in, "ConfigurationAggregatorNames", &n);
    if (!n)
        return list_page(c, PL_KIND_AGGREGATOR, 'G', limit, "ConfigurationAggregators");
    struct pl_json *arr =
        pl_json_set(c->a, c->out, "ConfigurationAggregators", pl_json_new_arr(c->a));
    for (size_t i = 0; i < n; i++) {
        struct pl_json *o;
        int r = pl_obj_load(c, PL_KIND_AGGREGATOR, names[i], &o);
        if (r < 0)
            return -1;
        if (r == 0)
            return no_such_aggregator(c);
        pl_json_push(arr, o);
    }
    return 0;
}

static int delete_aggregator(struct pl_op_ctx *c)
{
    struct pl_json *agg;
    if (pl_store_begin(c->st, c->err) < 0 || pl_ops__agg_load(c, &agg) < 0)
        return -1;
    const char *arn = pl_json_get_str(agg, "ConfigurationAggregatorArn");
    if (pl_store_obj_delete(c->st, c->account, c->region, PL_KIND_AGGREGATOR,
                            pl_in_str(c->in, "ConfigurationAggregatorName"), c->err) < 0 ||
        (arn && pl_store_obj_delete(c->st, c->account, c->region, PL_KIND_TAGS, arn, c->err) < 0))
        return -1;
    return pl_store_commit(c->st, c->err);
}

/* The UpdateStatus filter: does it let status through? */
static bool status_wanted(const struct pl_json *want, const char *status)
{
    if (!want || !want->len)
        return true;
    for (const struct pl_json *w = want->child; w; w = w->next)
        if (w->type == PL_JSTR && strcmp(w->str, status) == 0)
            return true;
    return false;
}

static struct pl_json *source_status(struct pl_op_ctx *c, const struct pl_agg_source *s, bool org)
{
    struct pl_json *o = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, o, "SourceId", s->account);
    pl_json_set_str(c->a, o, "SourceType", org ? "ORGANIZATION" : "ACCOUNT");
    pl_json_set_str(c->a, o, "AwsRegion", s->region);
    pl_json_set_str(c->a, o, "LastUpdateStatus", s->authorized ? "SUCCEEDED" : "FAILED");
    pl_json_set(c->a, o, "LastUpdateTime", pl_json_new_epoch_ms(c->a, pl_now_ms()));
    if (!s->authorized) {
        pl_json_set_str(c->a, o, "LastErrorCode", "AUTHORIZATION_ERROR");
        pl_json_set_str(c->a, o, "LastErrorMessage",
                        pl_arena_printf(c->a,
                                        "The source account %s has not authorized the "
                                        "aggregator account %s in region %s to collect data "
                                        "from %s (PutAggregationAuthorization).",
                                        s->account, c->account, c->region, s->region));
    }
    return o;
}

/* The index of the first source of this page: 0, or the one after the NextToken's pair. */
static int first_source(struct pl_op_ctx *c, const struct pl_agg_source *s, size_t n, size_t *i)
{
    const char *tok = pl_in_str(c->in, "NextToken"), *parts[2];
    *i = 0;
    if (!tok)
        return 0;
    if (pl_ops__token_parse(c, 'S', tok, parts, 2) < 0)
        return -1;
    while (*i < n &&
           (strcmp(s[*i].account, parts[0]) < 0 ||
            (strcmp(s[*i].account, parts[0]) == 0 && strcmp(s[*i].region, parts[1]) <= 0)))
        (*i)++;
    return 0;
}

static int sources_status(struct pl_op_ctx *c)
{
    struct pl_json *agg;
    struct pl_agg_source *s;
    size_t n, i;
    int limit = 0, emitted = 0;
    if (pl_ops__agg_limit(c, AGG_PAGE, AGG_PAGE, &limit) < 0 || pl_ops__agg_load(c, &agg) < 0 ||
        pl_agg_sources(c->st, c->account, c->region, agg, c->a, &s, &n, c->err) < 0 ||
        first_source(c, s, n, &i) < 0)
        return -1;
    const struct pl_json *want = pl_json_get(c->in, "UpdateStatus");
    struct pl_json *arr =
        pl_json_set(c->a, c->out, "AggregatedSourceStatusList", pl_json_new_arr(c->a));
    for (; i < n; i++) {
        if (!status_wanted(want, s[i].authorized ? "SUCCEEDED" : "FAILED"))
            continue;
        if (emitted == limit) {
            const char *parts[2] = {s[i - 1].account, s[i - 1].region};
            pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, 'S', parts, 2));
            break;
        }
        pl_json_push(arr,
                     source_status(c, &s[i], pl_json_get(agg, "OrganizationAggregationSource")));
        emitted++;
    }
    return 0;
}

/* ---- authorizations ---- */

static int put_authorization(struct pl_op_ctx *c)
{
    const char *acct = pl_in_str(c->in, "AuthorizedAccountId");
    const char *region = pl_in_str(c->in, "AuthorizedAwsRegion");
    const char *name = pl_agg_pair_name(c->a, acct, region);
    struct pl_json *prev;
    if (pl_store_begin(c->st, c->err) < 0)
        return -1;
    int r = pl_obj_load(c, PL_KIND_AGG_AUTH, name, &prev);
    if (r < 0)
        return -1;
    const char *arn = pl_arn(c, pl_arena_printf(c->a, "aggregation-authorization/%s", name));
    struct pl_json *o = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, o, "AggregationAuthorizationArn", arn);
    pl_json_set_str(c->a, o, "AuthorizedAccountId", acct);
    pl_json_set_str(c->a, o, "AuthorizedAwsRegion", region);
    pl_json_set(c->a, o, "CreationTime",
                r ? pl_json_clone(c->a, pl_json_get(prev, "CreationTime"))
                  : pl_json_new_epoch_ms(c->a, pl_now_ms()));
    if (pl_obj_save(c, PL_KIND_AGG_AUTH, name, o) < 0 || save_tags(c, arn) < 0 ||
        pl_store_commit(c->st, c->err) < 0)
        return -1;
    pl_json_set(c->a, c->out, "AggregationAuthorization", o);
    return 0;
}

static int describe_authorizations(struct pl_op_ctx *c)
{
    int limit = 0;
    if (pl_ops__agg_limit(c, AGG_PAGE, AGG_PAGE, &limit) < 0)
        return -1;
    return list_page(c, PL_KIND_AGG_AUTH, 'H', limit, "AggregationAuthorizations");
}

/* Deleting what does not exist succeeds, as in AWS (its model lists no NoSuch error). */
static int delete_authorization(struct pl_op_ctx *c)
{
    const char *name = pl_agg_pair_name(c->a, pl_in_str(c->in, "AuthorizedAccountId"),
                                        pl_in_str(c->in, "AuthorizedAwsRegion"));
    const char *arn = pl_arn(c, pl_arena_printf(c->a, "aggregation-authorization/%s", name));
    if (pl_store_begin(c->st, c->err) < 0 ||
        pl_store_obj_delete(c->st, c->account, c->region, PL_KIND_AGG_AUTH, name, c->err) < 0 ||
        pl_store_obj_delete(c->st, c->account, c->region, PL_KIND_TAGS, arn, c->err) < 0)
        return -1;
    return pl_store_commit(c->st, c->err);
}

/* ---- pending requests ---- */

static int describe_pending(struct pl_op_ctx *c)
{
    struct pl_agg_request *req;
    size_t n, i = 0;
    int limit = 0;
    const char *tok = pl_in_str(c->in, "NextToken"), *parts[2];
    if (pl_ops__agg_limit(c, PENDING_PAGE, PENDING_PAGE, &limit) < 0 ||
        (tok && pl_ops__token_parse(c, 'P', tok, parts, 2) < 0) ||
        pl_agg_pending(c->st, c->account, c->region, c->a, &req, &n, c->err) < 0)
        return -1;
    while (tok && i < n &&
           (strcmp(req[i].account, parts[0]) < 0 ||
            (strcmp(req[i].account, parts[0]) == 0 && strcmp(req[i].region, parts[1]) <= 0)))
        i++;
    struct pl_json *arr =
        pl_json_set(c->a, c->out, "PendingAggregationRequests", pl_json_new_arr(c->a));
    for (int k = 0; i < n; i++, k++) {
        if (k == limit) {
            const char *last[2] = {req[i - 1].account, req[i - 1].region};
            pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, 'P', last, 2));
            break;
        }
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, o, "RequesterAccountId", req[i].account);
        pl_json_set_str(c->a, o, "RequesterAwsRegion", req[i].region);
    }
    return 0;
}

/* Dismisses the request until the requester puts its aggregator again. */
static int delete_pending(struct pl_op_ctx *c)
{
    const char *acct = pl_in_str(c->in, "RequesterAccountId");
    const char *region = pl_in_str(c->in, "RequesterAwsRegion");
    struct pl_json *o = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, o, "RequesterAccountId", acct);
    pl_json_set_str(c->a, o, "RequesterAwsRegion", region);
    return pl_obj_save(c, PL_KIND_AGG_DISMISSED, pl_agg_pair_name(c->a, acct, region), o);
}

const struct pl_op_entry pl_ops_aggregator[] = {
    {"PutConfigurationAggregator", put_aggregator},
    {"DescribeConfigurationAggregators", describe_aggregators},
    {"DeleteConfigurationAggregator", delete_aggregator},
    {"DescribeConfigurationAggregatorSourcesStatus", sources_status},
    {"PutAggregationAuthorization", put_authorization},
    {"DescribeAggregationAuthorizations", describe_authorizations},
    {"DeleteAggregationAuthorization", delete_authorization},
    {"DescribePendingAggregationRequests", describe_pending},
    {"DeletePendingAggregationRequest", delete_pending},
    {NULL, NULL},
};
