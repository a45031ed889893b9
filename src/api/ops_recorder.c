/* ops_recorder.c — the configuration recorder operations: Put/Describe/Delete
 * ConfigurationRecorder, DescribeConfigurationRecorderStatus, ListConfigurationRecorders,
 * Start/StopConfigurationRecorder.
 *
 * One customer-managed recorder per partition, as in AWS. The recorder object is stored in the
 * shape DescribeConfigurationRecorders returns (with defaults filled in); its status is a
 * separate object, so Put never disturbs recording state. */
#include "api/api_int.h"
#include "core/hash.h"
#include "core/time.h"
#include "recorder/recorder.h"
#include "store/store.h"

#include <string.h>

/* Checks a recordingGroup as AWS does (InvalidRecordingGroupException) and returns the stored
 * form with defaults filled in. */
static struct pl_json *recording_group(struct pl_op_ctx *c, const struct pl_json *g)
{
    struct pl_json *out = pl_json_new_obj(c->a);
    bool all = pl_in_bool(g, "allSupported", g == NULL);
    bool global = pl_in_bool(g, "includeGlobalResourceTypes", false);
    const struct pl_json *types = pl_json_get(g, "resourceTypes");
    const struct pl_json *excl = pl_json_path(g, "exclusionByResourceTypes.resourceTypes");
    const char *use_only = pl_json_get_str(pl_json_get(g, "recordingStrategy"), "useOnly");
    size_t ntypes = types ? types->len : 0, nexcl = excl ? excl->len : 0;

    if (all && (ntypes || nexcl))
        return pl_fail(c->err, PL_E_INVALID_RECORDING_GROUP,
                       "The recording group provided is not valid: resourceTypes and "
                       "exclusionByResourceTypes must be empty when allSupported is true"),
               NULL;
    if (global && !all)
        return pl_fail(c->err, PL_E_INVALID_RECORDING_GROUP,
                       "The recording group provided is not valid: includeGlobalResourceTypes "
                       "requires allSupported to be true"),
               NULL;
    if (!all && ntypes && nexcl)
        return pl_fail(c->err, PL_E_INVALID_RECORDING_GROUP,
                       "The recording group provided is not valid: use either resourceTypes or "
                       "exclusionByResourceTypes, not both"),
               NULL;
    const char *implied = all      ? "ALL_SUPPORTED_RESOURCE_TYPES"
                          : nexcl ? "EXCLUSION_BY_RESOURCE_TYPES"
                                  : "INCLUSION_BY_RESOURCE_TYPES";
    if (use_only && strcmp(use_only, implied) != 0)
        return pl_fail(c->err, PL_E_INVALID_RECORDING_GROUP,
                       "The recording group provided is not valid: recordingStrategy %s does "
                       "not match the group (expected %s)", use_only, implied),
               NULL;
    if (!all && !ntypes && !nexcl)
        return pl_fail(c->err, PL_E_INVALID_RECORDING_GROUP,
                       "The recording group provided is not valid: with allSupported false, "
                       "list resourceTypes or exclusionByResourceTypes"),
               NULL;
    pl_json_set_bool(c->a, out, "allSupported", all);
    pl_json_set_bool(c->a, out, "includeGlobalResourceTypes", global);
    pl_json_set(c->a, out, "resourceTypes",
                types ? pl_json_clone(c->a, types) : pl_json_new_arr(c->a));
    struct pl_json *ex = pl_json_set(c->a, out, "exclusionByResourceTypes", pl_json_new_obj(c->a));
    pl_json_set(c->a, ex, "resourceTypes", excl ? pl_json_clone(c->a, excl) : pl_json_new_arr(c->a));
    struct pl_json *strategy = pl_json_set(c->a, out, "recordingStrategy", pl_json_new_obj(c->a));
    pl_json_set_str(c->a, strategy, "useOnly", implied);
    return out;
}

static struct pl_json *recording_mode(struct pl_op_ctx *c, const struct pl_json *m)
{
    if (m)
        return pl_json_clone(c->a, m);
    struct pl_json *out = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, out, "recordingFrequency", "CONTINUOUS");
    pl_json_set(c->a, out, "recordingModeOverrides", pl_json_new_arr(c->a));
    return out;
}

static int put_recorder(struct pl_op_ctx *c)
{
    const struct pl_json *in = pl_json_get(c->in, "ConfigurationRecorder");
    const char *name = pl_in_str(in, "name");
    const char *role = pl_in_str(in, "roleARN");
    struct pl_json *existing;
    if (!name)
        name = "default";
    if (!*name || strlen(name) > 256)
        return pl_fail(c->err, PL_E_INVALID_CONFIGURATION_RECORDER_NAME,
                       "The configuration recorder name is not valid.");
    if (!role || strncmp(role, "arn:", 4) != 0 || !strstr(role, ":role/"))
        return pl_fail(c->err, PL_E_INVALID_ROLE, "The role ARN '%s' is not valid.",
                       role ? role : "");
    if (pl_obj_single(c, PL_KIND_RECORDER, &existing) < 0)
        return -1;
    if (existing && strcmp(pl_json_get_str(existing, "name"), name) != 0)
        return pl_fail(c->err, PL_E_MAX_NUMBER_OF_CONFIGURATION_RECORDERS_EXCEEDED,
                       "Failed to put configuration recorder '%s' because the maximum number of "
                       "configuration recorders: 1 is reached.", name);

    struct pl_json *group = recording_group(c, pl_json_get(in, "recordingGroup"));
    if (!group)
        return -1;
    struct pl_json *rec = pl_json_new_obj(c->a);
    const char *arn = existing ? pl_json_get_str(existing, "arn") : NULL;
    if (!arn) {
        char id[7];
        pl_random_hex(3, id);
        arn = pl_arn(c, pl_arena_printf(c->a, "configuration-recorder/%s/%s", name, id));
    }
    pl_json_set_str(c->a, rec, "arn", arn);
    pl_json_set_str(c->a, rec, "name", name);
    pl_json_set_str(c->a, rec, "roleARN", role);
    pl_json_set(c->a, rec, "recordingGroup", group);
    pl_json_set(c->a, rec, "recordingMode", recording_mode(c, pl_json_get(in, "recordingMode")));
    pl_json_set_str(c->a, rec, "recordingScope", "PAID");

    if (pl_store_begin(c->st, c->err) < 0 || pl_obj_save(c, PL_KIND_RECORDER, name, rec) < 0)
        return -1;
    if (!existing) {
        struct pl_json *status = pl_json_new_obj(c->a);
        pl_json_set_str(c->a, status, "arn", arn);
        pl_json_set_str(c->a, status, "name", name);
        pl_json_set_bool(c->a, status, "recording", false);
        if (pl_obj_save(c, PL_KIND_RECORDER_STATUS, name, status) < 0)
            return -1;
        const struct pl_json *tags = pl_json_get(c->in, "Tags");
        if (tags && tags->len) {
            struct pl_json *map = pl_json_new_obj(c->a);
            for (const struct pl_json *t = tags->child; t; t = t->next)
                pl_json_set_str(c->a, map, pl_json_get_str(t, "Key"),
                                pl_json_get_str(t, "Value") ? pl_json_get_str(t, "Value") : "");
            if (pl_obj_save(c, PL_KIND_TAGS, arn, map) < 0)
                return -1;
        }
    }
    return pl_store_commit(c->st, c->err);
}

static int describe_recorders(struct pl_op_ctx *c)
{
    return pl_describe_named(c, PL_KIND_RECORDER, "ConfigurationRecorderNames",
                          "ConfigurationRecorders", PL_E_NO_SUCH_CONFIGURATION_RECORDER,
                          "configuration recorder");
}

/* Status objects keep times in ms; the wire wants epoch seconds. */
static void render_status(struct pl_op_ctx *c, struct pl_json *st)
{
    static const char *const times[] = {"lastStartTime", "lastStopTime", "lastStatusChangeTime"};
    for (size_t i = 0; i < 3; i++) {
        int64_t ms;
        struct pl_json *t = pl_json_get(st, times[i]);
        if (t && pl_json_i64(t, &ms) == 0) {
            struct pl_json *e = pl_json_new_epoch_ms(c->a, ms);
            t->str = e->str;
            t->len = e->len;
        }
    }
}

static int describe_recorder_status(struct pl_op_ctx *c)
{
    if (pl_describe_named(c, PL_KIND_RECORDER_STATUS, "ConfigurationRecorderNames",
                       "ConfigurationRecordersStatus", PL_E_NO_SUCH_CONFIGURATION_RECORDER,
                       "configuration recorder") < 0)
        return -1;
    for (struct pl_json *s = pl_json_get(c->out, "ConfigurationRecordersStatus")->child; s;
         s = s->next)
        render_status(c, s);
    return 0;
}

static int list_recorders(struct pl_op_ctx *c)
{
    struct pl_obj *items;
    size_t n;
    struct pl_json *arr =
        pl_json_set(c->a, c->out, "ConfigurationRecorderSummaries", pl_json_new_arr(c->a));
    if (pl_store_obj_list(c->st, c->account, c->region, PL_KIND_RECORDER, NULL, 0, c->a, &items,
                          &n, c->err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct pl_json *o = pl_json_parse(c->a, items[i].json, items[i].len, c->err);
        if (!o)
            return -1;
        struct pl_json *s = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, s, "arn", pl_json_get_str(o, "arn"));
        pl_json_set_str(c->a, s, "name", pl_json_get_str(o, "name"));
        pl_json_set_str(c->a, s, "recordingScope", "PAID");
    }
    return 0;
}

/* Loads the named recorder's status object or fails with NoSuchConfigurationRecorder. */
static int load_status(struct pl_op_ctx *c, const char *name, struct pl_json **st)
{
    int r = pl_obj_load(c, PL_KIND_RECORDER_STATUS, name, st);
    if (r == 0)
        return pl_fail(c->err, PL_E_NO_SUCH_CONFIGURATION_RECORDER,
                       "Cannot find configuration recorder with the specified name '%s'.", name);
    return r < 0 ? -1 : 0;
}

static void set_ms(struct pl_op_ctx *c, struct pl_json *o, const char *key, int64_t ms)
{
    pl_json_del(o, key);
    pl_json_set_i64(c->a, o, key, ms);
}

static int set_recording(struct pl_op_ctx *c, bool on)
{
    const char *name = pl_in_str(c->in, "ConfigurationRecorderName");
    struct pl_json *st, *channel;
    int64_t now = pl_now_ms();
    if (pl_store_begin(c->st, c->err) < 0 || load_status(c, name, &st) < 0)
        return -1;
    if (on) {
        if (pl_obj_single(c, PL_KIND_CHANNEL, &channel) < 0)
            return -1;
        if (!channel)
            return pl_fail(c->err, PL_E_NO_AVAILABLE_DELIVERY_CHANNEL,
                           "Delivery channel is not available to start configuration recorder.");
    }
    bool was = pl_in_bool(st, "recording", false);
    pl_json_del(st, "recording");
    pl_json_set_bool(c->a, st, "recording", on);
    if (was != on) {
        set_ms(c, st, on ? "lastStartTime" : "lastStopTime", now);
        set_ms(c, st, "lastStatusChangeTime", now);
        pl_json_del(st, "lastStatus");
        pl_json_set_str(c->a, st, "lastStatus", on ? "PENDING" : "SUCCESS");
    }
    if (pl_obj_save(c, PL_KIND_RECORDER_STATUS, name, st) < 0)
        return -1;
    return pl_store_commit(c->st, c->err);
}

static int start_recorder(struct pl_op_ctx *c)
{
    return set_recording(c, true);
}

static int stop_recorder(struct pl_op_ctx *c)
{
    return set_recording(c, false);
}

static int delete_recorder(struct pl_op_ctx *c)
{
    const char *name = pl_in_str(c->in, "ConfigurationRecorderName");
    struct pl_json *rec;
    if (pl_store_begin(c->st, c->err) < 0)
        return -1;
    int r = pl_obj_load(c, PL_KIND_RECORDER, name, &rec);
    if (r <= 0)
        return r < 0 ? -1
                     : pl_fail(c->err, PL_E_NO_SUCH_CONFIGURATION_RECORDER,
                               "Cannot find configuration recorder with the specified name "
                               "'%s'.", name);
    const char *arn = pl_json_get_str(rec, "arn");
    if (pl_store_obj_delete(c->st, c->account, c->region, PL_KIND_RECORDER, name, c->err) < 0 ||
        pl_store_obj_delete(c->st, c->account, c->region, PL_KIND_RECORDER_STATUS, name,
                            c->err) < 0 ||
        (arn && pl_store_obj_delete(c->st, c->account, c->region, PL_KIND_TAGS, arn, c->err) < 0))
        return -1;
    return pl_store_commit(c->st, c->err);
}

const struct pl_op_entry pl_ops_recorder[] = {
    {"PutConfigurationRecorder", put_recorder},
    {"DescribeConfigurationRecorders", describe_recorders},
    {"DescribeConfigurationRecorderStatus", describe_recorder_status},
    {"ListConfigurationRecorders", list_recorders},
    {"StartConfigurationRecorder", start_recorder},
    {"StopConfigurationRecorder", stop_recorder},
    {"DeleteConfigurationRecorder", delete_recorder},
    {NULL, NULL},
};
