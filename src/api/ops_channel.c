/* ops_channel.c — delivery channel and retention operations: Put/Describe/Delete
 * DeliveryChannel, DescribeDeliveryChannelStatus, DeliverConfigSnapshot, Put/Describe/Delete
 * RetentionConfiguration.
 *
 * Channel validation and the delivery work itself belong to delivery/ (delivery.h); this file
 * applies AWS's ordering rules (a channel needs a recorder; a running recorder keeps its last
 * channel) and stores the objects. */
#include "api/api_int.h"
#include "core/time.h"
#include "delivery/delivery.h"
#include "recorder/recorder.h"
#include "store/store.h"
#include "store/trail.h"

#include <string.h>

static int recorder_running(struct pl_op_ctx *c, bool *exists, bool *running)
{
    struct pl_rec_state rs;
    if (pl_recorder_state(c->st, c->account, c->region, c->a, &rs, c->err) < 0)
        return -1;
    *exists = rs.exists;
    *running = rs.running;
    return 0;
}

static int put_channel(struct pl_op_ctx *c)
{
    struct pl_json *ch = pl_json_clone(c->a, pl_json_get(c->in, "DeliveryChannel"));
    const char *name = pl_in_str(ch, "name");
    struct pl_json *existing;
    bool exists, running;
    if (!name) {
        name = "default";
        pl_json_set_str(c->a, ch, "name", name);
    }
    if (!*name)
        return pl_fail(c->err, PL_E_INVALID_DELIVERY_CHANNEL_NAME,
                       "The delivery channel name is not valid.");
    if (recorder_running(c, &exists, &running) < 0 || pl_obj_single(c, PL_KIND_CHANNEL, &existing) < 0)
        return -1;
    if (!exists)
        return pl_fail(c->err, PL_E_NO_AVAILABLE_CONFIGURATION_RECORDER,
                       "Configuration recorder is not available to put delivery channel.");
    if (existing && strcmp(pl_json_get_str(existing, "name"), name) != 0)
        return pl_fail(c->err, PL_E_MAX_NUMBER_OF_DELIVERY_CHANNELS_EXCEEDED,
                       "Failed to put delivery channel '%s' because the maximum number of "
                       "delivery channels: 1 is reached.", name);
    if (!pl_in_str(ch, "s3BucketName") || !*pl_in_str(ch, "s3BucketName"))
        return pl_fail(c->err, PL_E_NO_SUCH_BUCKET, "Cannot find a S3 bucket with an empty name.");
    if (pl_delivery_check_channel(c->req->app->delivery, c->account, c->region, ch, c->err) < 0)
        return -1;
    if (pl_obj_save(c, PL_KIND_CHANNEL, name, ch) < 0)
        return -1;
    if (c->req->app->delivery)
        return pl_delivery_channel_put(c->req->app->delivery, c->account, c->region, ch, c->err);
    return 0;
}

static int describe_channels(struct pl_op_ctx *c)
{
    return pl_describe_named(c, PL_KIND_CHANNEL, "DeliveryChannelNames", "DeliveryChannels",
                             PL_E_NO_SUCH_DELIVERY_CHANNEL, "delivery channel");
}

/* A status for a channel when delivery is not running: never delivered. */
static struct pl_json *idle_status(struct pl_op_ctx *c, const char *name)
{
    static const char *const infos[] = {"configSnapshotDeliveryInfo", "configHistoryDeliveryInfo",
                                        "configStreamDeliveryInfo"};
    struct pl_json *st = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, st, "name", name);
    for (size_t i = 0; i < 3; i++) {
        struct pl_json *info = pl_json_set(c->a, st, infos[i], pl_json_new_obj(c->a));
        pl_json_set_str(c->a, info, "lastStatus", "NOT_APPLICABLE");
    }
    return st;
}

static int describe_channel_status(struct pl_op_ctx *c)
{
    if (describe_channels(c) < 0)
        return -1;
    struct pl_json *channels = pl_json_get(c->out, "DeliveryChannels");
    struct pl_json *arr = pl_json_new_arr(c->a);
    for (struct pl_json *ch = channels->child; ch; ch = ch->next) {
        const char *name = pl_json_get_str(ch, "name");
        struct pl_delivery *d = c->req->app->delivery;
        pl_json_push(arr, d ? pl_delivery_status_json(d, c->a, c->account, c->region, name)
                            : idle_status(c, name));
    }
    pl_json_del(c->out, "DeliveryChannels");
    pl_json_set(c->a, c->out, "DeliveryChannelsStatus", arr);
    return 0;
}

static int delete_channel(struct pl_op_ctx *c)
{
    const char *name = pl_in_str(c->in, "DeliveryChannelName");
    bool exists, running;
    struct pl_json *ch;
    int r = pl_obj_load(c, PL_KIND_CHANNEL, name, &ch);
    if (r <= 0)
        return r < 0 ? -1
                     : pl_fail(c->err, PL_E_NO_SUCH_DELIVERY_CHANNEL,
                               "Cannot find delivery channel with specified name '%s'.", name);
    if (recorder_running(c, &exists, &running) < 0)
        return -1;
    if (running)
        return pl_fail(c->err, PL_E_LAST_DELIVERY_CHANNEL_DELETE_FAILED,
                       "Failed to delete last specified delivery channel with name '%s', because "
                       "there is a running configuration recorder.", name);
    if (pl_store_obj_delete(c->st, c->account, c->region, PL_KIND_CHANNEL, name, c->err) < 0)
        return -1;
    if (c->req->app->delivery)
        return pl_delivery_channel_delete(c->req->app->delivery, c->account, c->region, name,
                                          c->err);
    return 0;
}

static int deliver_snapshot(struct pl_op_ctx *c)
{
    const char *name = pl_in_str(c->in, "deliveryChannelName");
    bool exists, running;
    struct pl_json *ch;
    char id[37];
    int r = pl_obj_load(c, PL_KIND_CHANNEL, name, &ch);
    if (r <= 0)
        return r < 0 ? -1
                     : pl_fail(c->err, PL_E_NO_SUCH_DELIVERY_CHANNEL,
                               "Cannot find delivery channel with specified name '%s'.", name);
    if (recorder_running(c, &exists, &running) < 0)
        return -1;
    if (!running)
        return pl_fail(c->err, PL_E_NO_RUNNING_CONFIGURATION_RECORDER,
                       "There are no running configuration recorders.");
    if (!c->req->app->delivery)
        return pl_fail(c->err, PL_E_UNAVAILABLE, "delivery is not running on this server");
    if (pl_delivery_snapshot_now(c->req->app->delivery, c->account, c->region, name, id,
                                 c->err) < 0)
        return -1;
    pl_json_set_str(c->a, c->out, "configSnapshotId", id);
    return 0;
}

/* ---- retention ---- */

static int put_retention(struct pl_op_ctx *c)
{
    int64_t days = pl_in_int(c->in, "RetentionPeriodInDays", 2557);
    struct pl_json *r = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, r, "Name", "default");
    pl_json_set_i64(c->a, r, "RetentionPeriodInDays", days);
    if (pl_obj_save(c, PL_KIND_RETENTION, "default", r) < 0)
        return -1;
    int64_t pruned;
    if (pl_store_prune_before(c->st, c->account, c->region, pl_now_ms() - days * 86400000LL,
                              &pruned, c->err) < 0 ||
        pl_store_trail_prune_before(c->st, c->account, c->region, pl_now_ms() - days * 86400000LL,
                                    NULL, c->err) < 0)
        return -1;
    pl_json_set(c->a, c->out, "RetentionConfiguration", pl_json_clone(c->a, r));
    return 0;
}

static int describe_retention(struct pl_op_ctx *c)
{
    if (pl_json_get(c->in, "NextToken"))
        return pl_fail(c->err, PL_E_INVALID_NEXT_TOKEN, "The nextToken provided is invalid");
    return pl_describe_named(c, PL_KIND_RETENTION, "RetentionConfigurationNames",
                             "RetentionConfigurations", PL_E_NO_SUCH_RETENTION_CONFIGURATION,
                             "retention configuration");
}

static int delete_retention(struct pl_op_ctx *c)
{
    const char *name = pl_in_str(c->in, "RetentionConfigurationName");
    int r = pl_store_obj_delete(c->st, c->account, c->region, PL_KIND_RETENTION, name, c->err);
    if (r == 0)
        return pl_fail(c->err, PL_E_NO_SUCH_RETENTION_CONFIGURATION,
                       "Cannot find retention configuration with the specified name '%s'.", name);
    return r < 0 ? -1 : 0;
}

const struct pl_op_entry pl_ops_channel[] = {
    {"PutDeliveryChannel", put_channel},
    {"DescribeDeliveryChannels", describe_channels},
    {"DescribeDeliveryChannelStatus", describe_channel_status},
    {"DeleteDeliveryChannel", delete_channel},
    {"DeliverConfigSnapshot", deliver_snapshot},
    {"PutRetentionConfiguration", put_retention},
    {"DescribeRetentionConfigurations", describe_retention},
    {"DeleteRetentionConfiguration", delete_retention},
    {NULL, NULL},
};
