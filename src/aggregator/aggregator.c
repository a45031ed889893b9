/* aggregator.c — aggregator.h: an aggregator's sources and their authorization, live.
 *
 * Authorization is read with one listing of the store's authorization objects (few: one per
 * source region and authorized aggregator region) rather than one lookup per source, so an
 * aggregator of 50 accounts in every region costs one query. */
#include <stdlib.h>
#include <string.h>

#include "aggregator/aggregator.h"
#include "org/org.h"
#include "store/store.h"

const char *const pl_agg_all_regions[] = {
    "af-south-1",     "ap-east-1",      "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ap-south-1",
    "ap-south-2",     "ap-southeast-1", "ap-southeast-2",
    "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-7", "ca-central-1",   "ca-west-1",
    "eu-central-1",   "eu-central-2",   "eu-north-1",
    "eu-south-1",     "eu-south-2",     "eu-west-1",
    "eu-west-2",      "eu-west-3",      "il-central-1",
    "me-central-1",   "me-south-1",     "mx-central-1",
    "sa-east-1",      "us-east-1",      "us-east-2",
    "us-west-1",      "us-west-2",      NULL,
};
#define N_ALL_REGIONS (sizeof pl_agg_all_regions / sizeof pl_agg_all_regions[0] - 1)

const char *pl_agg_pair_name(struct pl_arena *a, const char *account, const char *region)
{
    return pl_arena_printf(a, "%s/%s", account, region);
}

static int by_pair(const void *x, const void *y)
{
    const struct pl_agg_source *p = x, *q = y;
    int c = strcmp(p->account, q->account);
    return c ? c : strcmp(p->region, q->region);
}

static int by_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The regions of an account source, an arena array of *n (AllAwsRegions: AWS's regions, plus
 * owner_region when it is not one of them). */
static const char **source_regions(struct pl_arena *a, const struct pl_json *src,
                                   const char *owner_region, size_t *n)
{
    const struct pl_json *list = pl_json_get(src, "AwsRegions");
    bool all = pl_json_truthy(pl_json_get(src, "AllAwsRegions")) || !list || list->type != PL_JARR;
    size_t cap = all ? N_ALL_REGIONS + 1 : list->len;
    const char **r = pl_arena_alloc(a, (cap + 1) * sizeof *r);
    *n = 0;
    if (!all) {
        for (const struct pl_json *x = list->child; x; x = x->next)
            if (x->type == PL_JSTR)
                r[(*n)++] = x->str;
        return r;
    }
    bool has_owner = false;
    for (size_t i = 0; i < N_ALL_REGIONS; i++) {
        r[(*n)++] = pl_agg_all_regions[i];
        has_owner = has_owner || strcmp(pl_agg_all_regions[i], owner_region) == 0;
    }
    if (!has_owner)
        r[(*n)++] = owner_region;
    return r;
}

/* The (account, region) partitions holding an authorization of owner's pair, sorted. */
static int authorizations(struct pl_store *st, const char *pair, struct pl_arena *a,
                          struct pl_agg_source **out, size_t *n, struct pl_err *err)
{
    struct pl_obj *items;
    size_t ni;
    if (pl_store_obj_list(st, NULL, NULL, PL_KIND_AGG_AUTH, NULL, 0, a, &items, &ni, err) < 0)
        return -1;
    *out = pl_arena_alloc(a, (ni + 1) * sizeof **out);
    *n = 0;
    for (size_t i = 0; i < ni; i++)
        if (strcmp(items[i].name, pair) == 0)
            (*out)[(*n)++] = (struct pl_agg_source){items[i].account, items[i].region, true};
    qsort(*out, *n, sizeof **out, by_pair);
    return 0;
}

/* The sources of an organization aggregator: the organization's accounts at this moment (no
 * authorization needed) in the source's regions, while owner_account may manage the
 * organization (its management account or a delegated administrator); none otherwise. */
static int org_sources(struct pl_store *st, const char *owner_account, const char *owner_region,
                       const struct pl_json *src, struct pl_arena *a, struct pl_agg_source **out,
                       size_t *n, struct pl_err *err)
{
    struct pl_json *org;
    size_t nacc, nreg;
    if (pl_org_load(st, a, &org, err) < 0)
        return -1;
    if (!pl_org_manages(org, owner_account))
        return 0;
    const char **accounts = pl_org_accounts(org, a, &nacc);
    const char **regions = source_regions(a, src, owner_region, &nreg);
    qsort(regions, nreg, sizeof *regions, by_str);
    struct pl_agg_source *s = pl_arena_alloc(a, (nacc * nreg + 1) * sizeof *s);
    for (size_t i = 0; i < nacc; i++) /* accounts sorted: the pairs come out sorted */
        for (size_t r = 0; r < nreg; r++)
            if (r == 0 || strcmp(regions[r - 1], regions[r]) != 0)
                s[(*n)++] = (struct pl_agg_source){accounts[i], regions[r], true};
    *out = s;
    return 0;
}

int pl_agg_sources(struct pl_store *st, const char *owner_account, const char *owner_region,
                   const struct pl_json *agg, struct pl_arena *a, struct pl_agg_source **out,
                   size_t *n, struct pl_err *err)
{
    const struct pl_json *org_src = pl_json_get(agg, "OrganizationAggregationSource");
    if (org_src && org_src->type == PL_JOBJ) {
        *out = NULL;
        *n = 0;
        return org_sources(st, owner_account, owner_region, org_src, a, out, n, err);
    }
    const struct pl_json *src = pl_json_at(pl_json_get(agg, "AccountAggregationSources"), 0);
    const struct pl_json *ids = pl_json_get(src, "AccountIds");
    struct pl_agg_source *auths;
    size_t nauth, nreg;
    *out = NULL;
    *n = 0;
    if (!ids || ids->type != PL_JARR)
        return 0;
    if (authorizations(st, pl_agg_pair_name(a, owner_account, owner_region), a, &auths, &nauth,
                       err) < 0)
        return -1;
    const char **regions = source_regions(a, src, owner_region, &nreg);
    struct pl_agg_source *s = pl_arena_alloc(a, (ids->len * nreg + 1) * sizeof *s);
    size_t k = 0;
    for (const struct pl_json *id = ids->child; id; id = id->next)
        for (size_t r = 0; r < nreg && id->type == PL_JSTR; r++) {
            struct pl_agg_source x = {id->str, regions[r], strcmp(id->str, owner_account) == 0};
            if (!x.authorized)
                x.authorized = bsearch(&x, auths, nauth, sizeof *auths, by_pair) != NULL;
            s[k++] = x;
        }
    qsort(s, k, sizeof *s, by_pair);
    for (size_t i = 0; i < k; i++) /* drop duplicates (an account or region named twice) */
        if (*n == 0 || by_pair(&s[*n - 1], &s[i]) != 0)
            s[(*n)++] = s[i];
    *out = s;
    return 0;
}

int pl_agg_authorized(struct pl_store *st, const char *owner_account, const char *owner_region,
                      const struct pl_json *agg, const char *account, const char *region,
                      struct pl_arena *a, struct pl_agg_source **out, size_t *n, struct pl_err *err)
{
    struct pl_agg_source *all;
    size_t nall;
    if (pl_agg_sources(st, owner_account, owner_region, agg, a, &all, &nall, err) < 0)
        return -1;
    *n = 0;
    for (size_t i = 0; i < nall; i++) {
        if (!all[i].authorized || (account && strcmp(account, all[i].account) != 0) ||
            (region && strcmp(region, all[i].region) != 0))
            continue;
        all[(*n)++] = all[i];
    }
    *out = all;
    return 0;
}

bool pl_agg_type_included(const struct pl_json *agg, const char *type)
{
    const struct pl_json *v = pl_json_path(agg, "AggregatorFilters.ResourceType.Value");
    if (!v || v->type != PL_JARR || v->len == 0)
        return true;
    for (const struct pl_json *x = v->child; x; x = x->next)
        if (x->type == PL_JSTR && type && strcmp(x->str, type) == 0)
            return true;
    return false;
}

int pl_agg_load(struct pl_store *st, const char *owner_account, const char *owner_region,
                const char *name, struct pl_arena *a, struct pl_json **agg, struct pl_err *err)
{
    struct pl_obj o;
    *agg = NULL;
    int r = name ? pl_store_obj_get(st, owner_account, owner_region, PL_KIND_AGGREGATOR, name, a,
                                    &o, err)
                 : 0;
    if (r <= 0)
        return r;
    *agg = pl_json_parse(a, o.json, o.len, err);
    return *agg ? 1 : -1;
}

static bool names_source(struct pl_arena *a, const char *owner_region, const struct pl_json *agg,
                         const char *account, const char *region);

/* An account source is one name lookup and, for another account, one authorization lookup (no
 * listing of every authorization, as pl_agg_sources does for a whole view); other sources go
 * through pl_agg_authorized. */
int pl_agg_may_read(struct pl_store *st, const char *owner_account, const char *owner_region,
                    const struct pl_json *agg, const char *account, const char *region,
                    const char *type, struct pl_arena *a, struct pl_err *err)
{
    struct pl_agg_source *s;
    size_t n;
    if (!account || !region || !pl_agg_type_included(agg, type))
        return 0;
    if (pl_json_get(agg, "AccountAggregationSources")) {
        if (!names_source(a, owner_region, agg, account, region))
            return 0;
        if (strcmp(account, owner_account) == 0)
            return 1;
        struct pl_obj o;
        return pl_store_obj_get(st, account, region, PL_KIND_AGG_AUTH,
                                pl_agg_pair_name(a, owner_account, owner_region), a, &o, err);
    }
    if (pl_agg_authorized(st, owner_account, owner_region, agg, account, region, a, &s, &n, err) <
        0)
        return -1;
    return n > 0;
}

/* Does the account source of agg (an aggregator of owner_region) name (account, region)? */
static bool names_source(struct pl_arena *a, const char *owner_region, const struct pl_json *agg,
                         const char *account, const char *region)
{
    const struct pl_json *src = pl_json_at(pl_json_get(agg, "AccountAggregationSources"), 0);
    const struct pl_json *ids = pl_json_get(src, "AccountIds");
    bool named = false;
    for (const struct pl_json *id = ids ? ids->child : NULL; id && !named; id = id->next)
        named = id->type == PL_JSTR && strcmp(id->str, account) == 0;
    if (!named)
        return false;
    size_t nreg;
    const char **regions = source_regions(a, src, owner_region, &nreg);
    for (size_t r = 0; r < nreg; r++)
        if (strcmp(regions[r], region) == 0)
            return true;
    return false;
}

/* Has (account, region) answered the request of owner pair: authorized it, or dismissed it
 * after the aggregator's last Put (updated_ms)? 1 yes, 0 no, -1 error. */
static int answered(struct pl_store *st, const char *account, const char *region, const char *pair,
                    int64_t updated_ms, struct pl_arena *a, struct pl_err *err)
{
    struct pl_obj o;
    int r = pl_store_obj_get(st, account, region, PL_KIND_AGG_AUTH, pair, a, &o, err);
    if (r != 0)
        return r;
    r = pl_store_obj_get(st, account, region, PL_KIND_AGG_DISMISSED, pair, a, &o, err);
    if (r <= 0)
        return r;
    return o.updated_ms >= updated_ms;
}

int pl_agg_pending(struct pl_store *st, const char *account, const char *region, struct pl_arena *a,
                   struct pl_agg_request **out, size_t *n, struct pl_err *err)
{
    struct pl_obj *items;
    size_t ni;
    *out = NULL;
    *n = 0;
    if (pl_store_obj_list(st, NULL, NULL, PL_KIND_AGGREGATOR, NULL, 0, a, &items, &ni, err) < 0)
        return -1;
    struct pl_agg_source *req = pl_arena_alloc(a, (ni + 1) * sizeof *req);
    size_t k = 0;
    for (size_t i = 0; i < ni; i++) {
        if (strcmp(items[i].account, account) == 0)
            continue;
        struct pl_json *agg = pl_json_parse(a, items[i].json, items[i].len, err);
        if (!agg)
            return -1;
        if (!names_source(a, items[i].region, agg, account, region))
            continue;
        int r =
            answered(st, account, region, pl_agg_pair_name(a, items[i].account, items[i].region),
                     items[i].updated_ms, a, err);
        if (r < 0)
            return -1;
        if (!r)
            req[k++] = (struct pl_agg_source){items[i].account, items[i].region, false};
    }
    qsort(req, k, sizeof *req, by_pair);
    struct pl_agg_request *res = pl_arena_alloc(a, (k + 1) * sizeof *res);
    for (size_t i = 0; i < k; i++)
        if (*n == 0 || strcmp(res[*n - 1].account, req[i].account) != 0 ||
            strcmp(res[*n - 1].region, req[i].region) != 0)
            res[(*n)++] = (struct pl_agg_request){req[i].account, req[i].region};
    *out = res;
    return 0;
}
