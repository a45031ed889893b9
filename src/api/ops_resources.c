/* ops_resources.c — resources and their history: GetResourceConfigHistory,
 * BatchGetResourceConfig, ListDiscoveredResources, GetDiscoveredResourceCounts,
 * PutResourceConfig, DeleteResourceConfig.
 *
 * These operations use camelCase members (resourceType, limit, nextToken) unlike the rest of
 * the API. Page sizes and limits are AWS's: history 10 (max 100), list 100, counts 100. */
#include "api/api_int.h"
#include "api/group_commit.h"
#include "core/time.h"
#include "recorder/recorder.h"
#include "store/store.h"

#include <stdint.h>
#include <string.h>

/* limit: 0 or absent means dflt; the model already capped it at 100. */
static int page_size(const struct pl_json *in, const char *key, int dflt)
{
    int64_t v = pl_in_int(in, key, 0);
    return v <= 0 ? dflt : (int)v;
}

static int not_discovered(struct pl_op_ctx *c, const char *type, const char *id)
{
    return pl_fail(c->err, PL_E_RESOURCE_NOT_DISCOVERED,
                   "Resource %s of resourceType:%s is unknown or has not been discovered", id,
                   type);
}

int pl_ops__config_history(struct pl_op_ctx *c, const char *account, const char *region,
                           const char *type, const char *id)
{
    struct pl_history_q q = {
        .account = account,
        .region = region,
        .resource_type = type,
        .resource_id = id,
        .limit = page_size(c->in, "limit", 10),
        .cursor = pl_in_str(c->in, "nextToken"),
    };
    const char *order = pl_in_str(c->in, "chronologicalOrder");
    q.forward = order && strcmp(order, "Forward") == 0;
    if (pl_in_time(c->in, "earlierTime", 0, &q.earlier_ms, c->err) < 0 ||
        pl_in_time(c->in, "laterTime", INT64_MAX, &q.later_ms, c->err) < 0)
        return -1;
    /* botocore sends whole epoch seconds: a laterTime in whole seconds covers its second
     * (T includes capture times up to T.999), as earlierTime T includes T.000 */
    if (q.later_ms != INT64_MAX && q.later_ms % 1000 == 0)
        q.later_ms += 999;
    if (q.earlier_ms > q.later_ms)
        return pl_fail(c->err, PL_E_INVALID_TIME_RANGE,
                       "The earlierTime must be earlier than the laterTime.");
    struct pl_resource res;
    int r = pl_store_resource_get(c->st, account, region, q.resource_type, q.resource_id, c->a,
                                  &res, c->err);
    if (r <= 0)
        return r < 0 ? -1 : not_discovered(c, q.resource_type, q.resource_id);
    struct pl_ci_row *rows;
    size_t n;
    char *next;
    if (pl_store_history(c->st, &q, c->a, &rows, &n, &next, c->err) < 0)
        return -1;
    struct pl_json *arr = pl_json_set(c->a, c->out, "configurationItems", pl_json_new_arr(c->a));
    for (size_t i = 0; i < n; i++) {
        struct pl_json *ci = pl_ci_render_api(c->a, &rows[i], c->err);
        if (!ci || pl_ci_related_fill(c->st, c->a, &rows[i], ci, c->err) < 0)
            return -1;
        pl_json_push(arr, ci);
    }
    if (next)
        pl_json_set_str(c->a, c->out, "nextToken", next);
    return 0;
}

static int history(struct pl_op_ctx *c)
{
    return pl_ops__config_history(c, c->account, c->region, pl_in_str(c->in, "resourceType"),
                                  pl_in_str(c->in, "resourceId"));
}

static int batch_get(struct pl_op_ctx *c)
{
    const struct pl_json *keys = pl_json_get(c->in, "resourceKeys");
    struct pl_json *items = pl_json_set(c->a, c->out, "baseConfigurationItems",
                                        pl_json_new_arr(c->a));
    pl_json_set(c->a, c->out, "unprocessedResourceKeys", pl_json_new_arr(c->a));
    for (const struct pl_json *k = keys->child; k; k = k->next) {
        struct pl_ci_row row;
        int r = pl_store_ci_latest(c->st, c->account, c->region, pl_json_get_str(k, "resourceType"),
                                   pl_json_get_str(k, "resourceId"), c->a, &row, c->err);
        if (r < 0)
            return -1;
        if (r == 0 || pl_ci_status_deleted(row.status))
            continue;
        struct pl_json *ci = pl_ci_render_base(c->a, &row, c->err);
        if (!ci || pl_ci_related_fill(c->st, c->a, &row, ci, c->err) < 0)
            return -1;
        pl_json_push(items, ci);
    }
    return 0;
}

static int list_discovered(struct pl_op_ctx *c)
{
    struct pl_list_q q = {
        .account = c->account,
        .region = c->region,
        .resource_type = pl_in_str(c->in, "resourceType"),
        .name = pl_in_str(c->in, "resourceName"),
        .include_deleted = pl_in_bool(c->in, "includeDeletedResources", false),
        .limit = page_size(c->in, "limit", 100),
        .cursor = pl_in_str(c->in, "nextToken"),
    };
    q.ids = pl_in_strs(c->a, c->in, "resourceIds", &q.nids);
    if (q.nids && q.name)
        return pl_fail(c->err, PL_E_VALIDATION,
                       "You cannot specify both resource IDs and a resource name.");
    struct pl_resource *items;
    size_t n;
    char *next;
    if (pl_store_resources_list(c->st, &q, c->a, &items, &n, &next, c->err) < 0)
        return -1;
    struct pl_json *arr = pl_json_set(c->a, c->out, "resourceIdentifiers", pl_json_new_arr(c->a));
    for (size_t i = 0; i < n; i++) {
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, o, "resourceType", items[i].resource_type);
        pl_json_set_str(c->a, o, "resourceId", items[i].resource_id);
        if (items[i].resource_name)
            pl_json_set_str(c->a, o, "resourceName", items[i].resource_name);
        if (items[i].deleted)
            pl_json_set(c->a, o, "resourceDeletionTime",
                        pl_json_new_epoch_ms(c->a, items[i].deletion_ms));
    }
    if (next)
        pl_json_set_str(c->a, c->out, "nextToken", next);
    return 0;
}

static int counts(struct pl_op_ctx *c)
{
    size_t ntypes;
    const char **types = pl_in_strs(c->a, c->in, "resourceTypes", &ntypes);
    struct pl_type_count *items;
    size_t n;
    int64_t total;
    char *next;
    if (pl_store_resource_counts(c->st, c->account, c->region, types, ntypes,
                                 page_size(c->in, "limit", 100), pl_in_str(c->in, "nextToken"),
                                 c->a, &items, &n, &total, &next, c->err) < 0)
        return -1;
    pl_json_set_i64(c->a, c->out, "totalDiscoveredResources", total);
    struct pl_json *arr = pl_json_set(c->a, c->out, "resourceCounts", pl_json_new_arr(c->a));
    for (size_t i = 0; i < n; i++) {
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, o, "resourceType", items[i].resource_type);
        pl_json_set_i64(c->a, o, "count", items[i].count);
    }
    if (next)
        pl_json_set_str(c->a, c->out, "nextToken", next);
    return 0;
}

/* The writes run in group transactions (group_commit.h), on the leader's connection st. */
static int put_one(struct pl_op_ctx *c, struct pl_store *st)
{
    struct pl_rec_result res;
    int rc = pl_recorder_put_resource_config(st, c->account, c->region, c->in, &res, c->err);
    c->notify = rc == 0 && res.notify;
    return rc;
}

static int delete_one(struct pl_op_ctx *c, struct pl_store *st)
{
    struct pl_rec_result res;
    int rc = pl_recorder_delete_resource(st, c->account, c->region,
                                         pl_in_str(c->in, "ResourceType"),
                                         pl_in_str(c->in, "ResourceId"), &res, c->err);
    c->notify = rc == 0 && res.notify;
    return rc;
}

static int put_resource_config(struct pl_op_ctx *c)
{
    if (pl_group_commit(c, put_one) < 0)
        return -1;
    pl_api_recorded(c);
    return 0;
}

static int delete_resource_config(struct pl_op_ctx *c)
{
    if (pl_group_commit(c, delete_one) < 0)
        return -1;
    pl_api_recorded(c);
    return 0;
}

const struct pl_op_entry pl_ops_resources[] = {
    {"GetResourceConfigHistory", history},
    {"BatchGetResourceConfig", batch_get},
    {"ListDiscoveredResources", list_discovered},
    {"GetDiscoveredResourceCounts", counts},
    {"PutResourceConfig", put_resource_config},
    {"DeleteResourceConfig", delete_resource_config},
    {NULL, NULL},
};
