/* ops_tags.c — TagResource, UntagResource, ListTagsForResource on the ARNs of plumb's own
 * objects (recorders, rules, aggregators, packs, stored queries), at most 50 tags each.
 *
 * Tags are one PL_KIND_TAGS object per ARN ({"key":"value",...}). An ARN must name an object
 * of the caller's partition (ResourceNotFoundException otherwise). */
#include "api/api_int.h"
#include "api/ops_rules.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

/* ARN resource prefixes and the object kind / ARN member that holds them. Kinds of later
 * modules (rules, aggregators, packs, queries) are listed here so tagging works once they
 * store objects of that kind. */
static const struct {
    const char *prefix, *kind, *member;
} arn_kinds[] = {
    {"configuration-recorder/", PL_KIND_RECORDER, "arn"},
    {"config-rule/", PL_KIND_CONFIG_RULE, "ConfigRuleArn"},
    {"config-aggregator/", "ConfigurationAggregator", "ConfigurationAggregatorArn"},
    {"aggregation-authorization/", "AggregationAuthorization", "AggregationAuthorizationArn"},
    {"conformance-pack/", "ConformancePack", "ConformancePackArn"},
    {"stored-query/", "StoredQuery", "QueryArn"},
};

static int arn_known(struct pl_op_ctx *c, const char *arn)
{
    const char *own = pl_arn(c, "");
    if (strncmp(arn, own, strlen(own)) != 0)
        return 0;
    const char *res = arn + strlen(own);
    for (size_t i = 0; i < sizeof(arn_kinds) / sizeof(arn_kinds[0]); i++) {
        if (strncmp(res, arn_kinds[i].prefix, strlen(arn_kinds[i].prefix)) != 0)
            continue;
        struct pl_obj *items;
        size_t n;
        if (pl_store_obj_list(c->st, c->account, c->region, arn_kinds[i].kind, NULL, 0, c->a,
                              &items, &n, c->err) < 0)
            return -1;
        for (size_t k = 0; k < n; k++) {
            struct pl_json *o = pl_json_parse(c->a, items[k].json, items[k].len, c->err);
            const char *a = o ? pl_json_get_str(o, arn_kinds[i].member) : NULL;
            if (a && strcmp(a, arn) == 0)
                return 1;
        }
    }
    return 0;
}

/* Loads the tag map of the request's ResourceArn (an empty map when it has none). */
static int load_tags(struct pl_op_ctx *c, const char **arn, struct pl_json **tags)
{
    *arn = pl_in_str(c->in, "ResourceArn");
    int known = arn_known(c, *arn);
    if (known < 0)
        return -1;
    if (!known)
        return pl_fail(c->err, PL_E_RESOURCE_NOT_FOUND, "ResourceArn '%s' does not exist", *arn);
    int r = pl_obj_load(c, PL_KIND_TAGS, *arn, tags);
    if (r == 0)
        *tags = pl_json_new_obj(c->a);
    return r < 0 ? -1 : 0;
}

static int tag_resource(struct pl_op_ctx *c)
{
    const char *arn;
    struct pl_json *tags;
    if (pl_store_begin(c->st, c->err) < 0 || load_tags(c, &arn, &tags) < 0)
        return -1;
    for (const struct pl_json *t = pl_json_get(c->in, "Tags")->child; t; t = t->next) {
        const char *k = pl_json_get_str(t, "Key"), *v = pl_json_get_str(t, "Value");
        pl_json_del(tags, k);
        pl_json_set_str(c->a, tags, k, v ? v : "");
    }
    if (tags->len > 50)
        return pl_fail(c->err, PL_E_TOO_MANY_TAGS,
                       "You have reached the limit of the number of tags you can use: 50");
    if (pl_obj_save(c, PL_KIND_TAGS, arn, tags) < 0)
        return -1;
    return pl_store_commit(c->st, c->err);
}

static int untag_resource(struct pl_op_ctx *c)
{
    const char *arn;
    struct pl_json *tags;
    if (pl_store_begin(c->st, c->err) < 0 || load_tags(c, &arn, &tags) < 0)
        return -1;
    for (const struct pl_json *k = pl_json_get(c->in, "TagKeys")->child; k; k = k->next)
        pl_json_del(tags, k->str);
    if (pl_obj_save(c, PL_KIND_TAGS, arn, tags) < 0)
        return -1;
    return pl_store_commit(c->st, c->err);
}

/* The index of the first tag of this page: 0, or the one a NextToken of the same ARN names. */
static int first_tag(struct pl_op_ctx *c, const char *arn, long *start)
{
    const char *token = pl_in_str(c->in, "NextToken"), *parts[2];
    char *end;
    *start = 0;
    if (!token)
        return 0;
    if (pl_ops__token_parse(c, 't', token, parts, 2) < 0)
        return -1;
    *start = strtol(parts[1], &end, 10);
    if (strcmp(parts[0], arn) || *end || *start <= 0)
        return pl_fail(c->err, PL_E_INVALID_NEXT_TOKEN, "The nextToken provided is invalid");
    return 0;
}

/* Tags in stored order, Limit a page (0 or absent: all 50 at most), NextToken for the rest. */
static int list_tags(struct pl_op_ctx *c)
{
    const char *arn;
    struct pl_json *tags;
    long start, i = 0;
    int64_t limit = pl_in_int(c->in, "Limit", 0);
    if (load_tags(c, &arn, &tags) < 0 || first_tag(c, arn, &start) < 0)
        return -1;
    if (limit <= 0)
        limit = 50;
    struct pl_json *arr = pl_json_set(c->a, c->out, "Tags", pl_json_new_arr(c->a));
    for (const struct pl_json *t = tags->child; t; t = t->next, i++) {
        if (i < start)
            continue;
        if (i >= start + limit) {
            const char *parts[2] = {arn, pl_arena_printf(c->a, "%ld", i)};
            pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, 't', parts, 2));
            break;
        }
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, o, "Key", t->key);
        pl_json_set_str(c->a, o, "Value", t->str);
    }
    return 0;
}

const struct pl_op_entry pl_ops_tags[] = {
    {"TagResource", tag_resource},
    {"UntagResource", untag_resource},
    {"ListTagsForResource", list_tags},
    {NULL, NULL},
};
