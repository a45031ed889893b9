/* ops_recorder.c — the configuration recorder operations: Put/Describe/Delete
 * ConfigurationRecorder, DescribeConfigurationRecorderStatus, ListConfigurationRecorders,
 * Start/StopConfigurationRecorder, Put/DeleteServiceLinkedConfigurationRecorder and
 * Associate/DisassociateResourceTypes.
 *
 * One customer-managed recorder per partition, as in AWS (recordingScope PAID). The recorder
 * object is stored in the shape DescribeConfigurationRecorders returns (with defaults filled
 * in); its status is a separate object, so Put never disturbs recording state.
 *
 * Service-linked recorders (recordingScope INTERNAL, one per servicePrincipal, named
 * "AWSConfigurationRecorderFor<principal>") are stored under their own kind, so the recorder
 * module, which records by the customer-managed recorder alone, never sees them. plumb has no
 * linked AWS service that would tell them what to record: they are listed and described as
 * AWS lists them, always recording, with an empty inclusion group. */
#include "api/api_int.h"
#include "core/hash.h"
#include "core/time.h"
#include "core/util.h"
#include "recorder/recorder.h"
#include "store/store.h"

#include <string.h>

#define KIND_SLR    "ServiceLinkedConfigurationRecorder" /* name = servicePrincipal */
#define SLR_PREFIX  "AWSConfigurationRecorderFor"
#define BAD_GROUP   "The recording group provided is not valid: "

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
    if (nexcl && (!use_only || strcmp(use_only, "EXCLUSION_BY_RESOURCE_TYPES") != 0))
        return pl_fail(c->err, PL_E_INVALID_RECORDING_GROUP,
                       BAD_GROUP "exclusionByResourceTypes requires recordingStrategy useOnly "
                       "EXCLUSION_BY_RESOURCE_TYPES"),
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
    /* AWS documents InvalidRoleException for a null or empty role only; plumb assumes no
     * role, so any other string is accepted. */
    if (!role || !*role)
        return pl_fail(c->err, PL_E_INVALID_ROLE,
                       "The roleARN of the configuration recorder must not be null or empty.");
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

/* Every recorder of the partition, customer-managed first, as {recorder, since} pairs: the
 * DescribeConfigurationRecorders object and, for a service-linked one, when it was created (ms;
 * 0 for the customer-managed one, whose status is its own object). */
struct rec_ref {
    struct pl_json *rec;
    int64_t since;
};

static int load_kind(struct pl_op_ctx *c, const char *kind, struct rec_ref *v, size_t *n,
                     size_t cap)
{
    struct pl_obj *items;
    size_t ni;
    if (pl_store_obj_list(c->st, c->account, c->region, kind, NULL, 0, c->a, &items, &ni,
                          c->err) < 0)
        return -1;
    for (size_t i = 0; i < ni && *n < cap; i++) {
        struct pl_json *o = pl_json_parse(c->a, items[i].json, items[i].len, c->err);
        if (!o)
            return -1;
        struct pl_json *rec = pl_json_get(o, "recorder");
        v[*n].rec = rec ? rec : o;
        v[(*n)++].since = rec ? pl_in_int(o, "since", 1) : 0;
    }
    return 0;
}

#define MAX_RECORDERS 64 /* one customer-managed + one per service principal */

/* The recorders a Describe* request selects: ConfigurationRecorderNames (each must exist),
 * ServicePrincipal and Arn filters; all of them when none is given. */
static int select_recorders(struct pl_op_ctx *c, struct rec_ref *v, size_t *n)
{
    struct rec_ref all[MAX_RECORDERS];
    size_t nall = 0, nnames;
    const char **names = pl_in_strs(c->a, c->in, "ConfigurationRecorderNames", &nnames);
    const char *sp = pl_in_str(c->in, "ServicePrincipal"), *arn = pl_in_str(c->in, "Arn");
    *n = 0;
    if (load_kind(c, PL_KIND_RECORDER, all, &nall, MAX_RECORDERS) < 0 ||
        load_kind(c, KIND_SLR, all, &nall, MAX_RECORDERS) < 0)
        return -1;
    for (size_t i = 0; i < nnames; i++) {
        size_t k = 0;
        while (k < nall && strcmp(pl_json_get_str(all[k].rec, "name"), names[i]) != 0)
            k++;
        if (k == nall)
            return pl_fail(c->err, PL_E_NO_SUCH_CONFIGURATION_RECORDER,
                           "Cannot find configuration recorder with specified name '%s'.",
                           names[i]);
    }
    for (size_t k = 0; k < nall; k++) {
        const char *ksp = pl_json_get_str(all[k].rec, "servicePrincipal");
        const char *karn = pl_json_get_str(all[k].rec, "arn");
        bool named = !nnames;
        for (size_t i = 0; i < nnames && !named; i++)
            named = strcmp(pl_json_get_str(all[k].rec, "name"), names[i]) == 0;
        if (named && (!sp || (ksp && strcmp(sp, ksp) == 0)) &&
            (!arn || (karn && strcmp(arn, karn) == 0)))
            v[(*n)++] = all[k];
    }
    if (!*n && (sp || arn))
        return pl_fail(c->err, PL_E_NO_SUCH_CONFIGURATION_RECORDER,
                       "Cannot find configuration recorder with the specified %s '%s'.",
                       arn ? "arn" : "service principal", arn ? arn : sp);
    return 0;
}

static int describe_recorders(struct pl_op_ctx *c)
{
    struct rec_ref v[MAX_RECORDERS];
    size_t n;
    struct pl_json *arr =
        pl_json_set(c->a, c->out, "ConfigurationRecorders", pl_json_new_arr(c->a));
    if (select_recorders(c, v, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        pl_json_push(arr, v[i].rec);
    return 0;
}

/* Status objects keep times in ms; the wire wants epoch seconds. */
static void render_status(struct pl_op_ctx *c, struct pl_json *st)
{
    static const char *const times[] = {"lastStartTime", "lastStopTime", "lastStatusChangeTime"};
    /* plumb records the moment the recorder starts (no role to assume, no service to reach):
     * a running recorder is SUCCESS since its start, as AWS reports once recording works.
     * Status objects stored by older versions say PENDING; they are answered the same way.
     * (The model's ConfigurationRecorderStatus has no lastSuccessfulTime member.) */
    const char *last = pl_json_get_str(st, "lastStatus");
    if (pl_in_bool(st, "recording", false) && last && strcmp(last, "PENDING") == 0) {
        pl_json_del(st, "lastStatus");
        pl_json_set_str(c->a, st, "lastStatus", "SUCCESS");
    }
    for (size_t i = 0; i < PL_ARRAY_LEN(times); i++) {
        int64_t ms;
        struct pl_json *t = pl_json_get(st, times[i]);
        if (t && pl_json_i64(t, &ms) == 0) {
            struct pl_json *e = pl_json_new_epoch_ms(c->a, ms);
            t->str = e->str;
            t->len = e->len;
        }
    }
}

/* A service-linked recorder's status: recording since it was created. */
static struct pl_json *slr_status(struct pl_op_ctx *c, const struct rec_ref *r)
{
    struct pl_json *st = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, st, "arn", pl_json_get_str(r->rec, "arn"));
    pl_json_set_str(c->a, st, "name", pl_json_get_str(r->rec, "name"));
    pl_json_set_i64(c->a, st, "lastStartTime", r->since);
    pl_json_set_bool(c->a, st, "recording", true);
    pl_json_set_str(c->a, st, "lastStatus", "SUCCESS");
    pl_json_set_i64(c->a, st, "lastStatusChangeTime", r->since);
    pl_json_set_str(c->a, st, "servicePrincipal", pl_json_get_str(r->rec, "servicePrincipal"));
    return st;
}

static int describe_recorder_status(struct pl_op_ctx *c)
{
    struct rec_ref v[MAX_RECORDERS];
    size_t n;
    struct pl_json *arr =
        pl_json_set(c->a, c->out, "ConfigurationRecordersStatus", pl_json_new_arr(c->a));
    if (select_recorders(c, v, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct pl_json *st = NULL;
        if (v[i].since)
            st = slr_status(c, &v[i]);
        else if (pl_obj_load(c, PL_KIND_RECORDER_STATUS, pl_json_get_str(v[i].rec, "name"),
                             &st) < 0)
            return -1;
        if (st) {
            render_status(c, st);
            pl_json_push(arr, st);
        }
    }
    return 0;
}

/* ListConfigurationRecorders' Filters: [{filterName: recordingScope, filterValue: [...]}]. */
static bool scope_selected(const struct pl_json *filters, const char *scope)
{
    for (const struct pl_json *f = filters ? filters->child : NULL; f; f = f->next) {
        const struct pl_json *vals = pl_json_get(f, "filterValue");
        bool hit = false;
        for (const struct pl_json *x = vals ? vals->child : NULL; x && !hit; x = x->next)
            hit = x->type == PL_JSTR && strcmp(x->str, scope) == 0;
        if (vals && vals->len && !hit)
            return false;
    }
    return true;
}

static int list_recorders(struct pl_op_ctx *c)
{
    struct rec_ref v[MAX_RECORDERS];
    size_t n = 0;
    const struct pl_json *filters = pl_json_get(c->in, "Filters");
    struct pl_json *arr =
        pl_json_set(c->a, c->out, "ConfigurationRecorderSummaries", pl_json_new_arr(c->a));
    if (load_kind(c, PL_KIND_RECORDER, v, &n, MAX_RECORDERS) < 0 ||
        load_kind(c, KIND_SLR, v, &n, MAX_RECORDERS) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *scope = v[i].since ? "INTERNAL" : "PAID";
        const char *sp = pl_json_get_str(v[i].rec, "servicePrincipal");
        if (!scope_selected(filters, scope))
            continue;
        struct pl_json *s = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, s, "arn", pl_json_get_str(v[i].rec, "arn"));
        pl_json_set_str(c->a, s, "name", pl_json_get_str(v[i].rec, "name"));
        if (sp)
            pl_json_set_str(c->a, s, "servicePrincipal", sp);
        pl_json_set_str(c->a, s, "recordingScope", scope);
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
        pl_json_set_str(c->a, st, "lastStatus", "SUCCESS");
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

/* ---- service-linked recorders ---- */

static int put_slr(struct pl_op_ctx *c)
{
    const char *sp = pl_in_str(c->in, "ServicePrincipal");
    struct pl_json *old;
    if (pl_store_begin(c->st, c->err) < 0)
        return -1;
    int r = pl_obj_load(c, KIND_SLR, sp, &old);
    if (r < 0)
        return -1;
    if (r)
        return pl_fail(c->err, PL_E_CONFLICT,
                       "A service-linked configuration recorder already exists for the service "
                       "principal '%s'.", sp);
    const char *name = pl_arena_printf(c->a, SLR_PREFIX "%s", sp);
    char id[7];
    pl_random_hex(3, id);
    const char *arn = pl_arn(c, pl_arena_printf(c->a, "configuration-recorder/%s/%s", name, id));
    struct pl_json *o = pl_json_new_obj(c->a);
    struct pl_json *rec = pl_json_set(c->a, o, "recorder", pl_json_new_obj(c->a));
    pl_json_set_i64(c->a, o, "since", pl_now_ms());
    pl_json_set_str(c->a, rec, "arn", arn);
    pl_json_set_str(c->a, rec, "name", name);
    struct pl_json *g = pl_json_set(c->a, rec, "recordingGroup", pl_json_new_obj(c->a));
    pl_json_set_bool(c->a, g, "allSupported", false);
    pl_json_set_bool(c->a, g, "includeGlobalResourceTypes", false);
    pl_json_set(c->a, g, "resourceTypes", pl_json_new_arr(c->a));
    struct pl_json *ex = pl_json_set(c->a, g, "exclusionByResourceTypes", pl_json_new_obj(c->a));
    pl_json_set(c->a, ex, "resourceTypes", pl_json_new_arr(c->a));
    struct pl_json *strategy = pl_json_set(c->a, g, "recordingStrategy", pl_json_new_obj(c->a));
    pl_json_set_str(c->a, strategy, "useOnly", "INCLUSION_BY_RESOURCE_TYPES");
    pl_json_set(c->a, rec, "recordingMode", recording_mode(c, NULL));
    pl_json_set_str(c->a, rec, "recordingScope", "INTERNAL");
    pl_json_set_str(c->a, rec, "servicePrincipal", sp);
    if (pl_obj_save(c, KIND_SLR, sp, o) < 0 || pl_store_commit(c->st, c->err) < 0)
        return -1;
    pl_json_set_str(c->a, c->out, "Arn", arn);
    pl_json_set_str(c->a, c->out, "Name", name);
    return 0;
}

static int delete_slr(struct pl_op_ctx *c)
{
    const char *sp = pl_in_str(c->in, "ServicePrincipal");
    struct pl_json *old;
    if (pl_store_begin(c->st, c->err) < 0)
        return -1;
    int r = pl_obj_load(c, KIND_SLR, sp, &old);
    if (r <= 0)
        return r < 0 ? -1
                     : pl_fail(c->err, PL_E_NO_SUCH_CONFIGURATION_RECORDER,
                               "Cannot find a service-linked configuration recorder for the "
                               "service principal '%s'.", sp);
    const struct pl_json *rec = pl_json_get(old, "recorder");
    if (pl_store_obj_delete(c->st, c->account, c->region, KIND_SLR, sp, c->err) < 0 ||
        pl_store_commit(c->st, c->err) < 0)
        return -1;
    pl_json_set_str(c->a, c->out, "Arn", pl_json_get_str(rec, "arn"));
    pl_json_set_str(c->a, c->out, "Name", pl_json_get_str(rec, "name"));
    return 0;
}

/* ---- Associate/DisassociateResourceTypes ---- */

static bool in_list(const struct pl_json *arr, const char *s)
{
    for (const struct pl_json *x = arr ? arr->child : NULL; x; x = x->next)
        if (x->type == PL_JSTR && strcmp(x->str, s) == 0)
            return true;
    return false;
}

/* arr with the types added (add) or removed (!add), in the arena. */
static struct pl_json *edit_list(struct pl_op_ctx *c, const struct pl_json *arr,
                                 const struct pl_json *types, bool add)
{
    struct pl_json *out = pl_json_new_arr(c->a);
    for (const struct pl_json *x = arr ? arr->child : NULL; x; x = x->next)
        if (add || !in_list(types, x->str))
            pl_json_push(out, pl_json_new_str(c->a, x->str));
    for (const struct pl_json *t = add ? types->child : NULL; t; t = t->next)
        if (!in_list(out, t->str))
            pl_json_push(out, pl_json_new_str(c->a, t->str));
    return out;
}

/* Associate (include=true) adds the types to an inclusion group or takes them out of an
 * exclusion group; Disassociate does the reverse. A recorder recording all supported types
 * has nothing to change: ConflictException, as AWS answers for that recording strategy. */
static int edit_types(struct pl_op_ctx *c, bool include)
{
    const char *arn = pl_in_str(c->in, "ConfigurationRecorderArn");
    const struct pl_json *types = pl_json_get(c->in, "ResourceTypes");
    struct pl_json *rec;
    if (pl_store_begin(c->st, c->err) < 0 || pl_obj_single(c, PL_KIND_RECORDER, &rec) < 0)
        return -1;
    if (!rec || strcmp(pl_json_get_str(rec, "arn") ? pl_json_get_str(rec, "arn") : "", arn) != 0)
        return pl_fail(c->err, PL_E_NO_SUCH_CONFIGURATION_RECORDER,
                       "Cannot find a customer managed configuration recorder with the ARN "
                       "'%s'.", arn);
    struct pl_json *g = pl_json_get(rec, "recordingGroup");
    const char *use = pl_json_get_str(pl_json_get(g, "recordingStrategy"), "useOnly");
    bool excl = use && strcmp(use, "EXCLUSION_BY_RESOURCE_TYPES") == 0;
    if (!use || (!excl && strcmp(use, "INCLUSION_BY_RESOURCE_TYPES") != 0))
        return pl_fail(c->err, PL_E_CONFLICT,
                       "The recording strategy %s of the configuration recorder does not "
                       "support the association or disassociation of resource types.",
                       use ? use : "ALL_SUPPORTED_RESOURCE_TYPES");
    struct pl_json *holder = excl ? pl_json_get(g, "exclusionByResourceTypes") : g;
    struct pl_json *now = edit_list(c, pl_json_get(holder, "resourceTypes"), types,
                                    excl ? !include : include);
    if (!now->len)
        return pl_fail(c->err, PL_E_CONFLICT,
                       "The recording group of the configuration recorder would list no "
                       "resource types.");
    pl_json_del(holder, "resourceTypes");
    pl_json_set(c->a, holder, "resourceTypes", now);
    if (pl_obj_save(c, PL_KIND_RECORDER, pl_json_get_str(rec, "name"), rec) < 0 ||
        pl_store_commit(c->st, c->err) < 0)
        return -1;
    pl_json_set(c->a, c->out, "ConfigurationRecorder", rec);
    return 0;
}

static int associate_types(struct pl_op_ctx *c)
{
    return edit_types(c, true);
}

static int disassociate_types(struct pl_op_ctx *c)
{
    return edit_types(c, false);
}

const struct pl_op_entry pl_ops_recorder[] = {
    {"PutConfigurationRecorder", put_recorder},
    {"DescribeConfigurationRecorders", describe_recorders},
    {"DescribeConfigurationRecorderStatus", describe_recorder_status},
    {"ListConfigurationRecorders", list_recorders},
    {"StartConfigurationRecorder", start_recorder},
    {"StopConfigurationRecorder", stop_recorder},
    {"DeleteConfigurationRecorder", delete_recorder},
    {"PutServiceLinkedConfigurationRecorder", put_slr},
    {"DeleteServiceLinkedConfigurationRecorder", delete_slr},
    {"AssociateResourceTypes", associate_types},
    {"DisassociateResourceTypes", disassociate_types},
    {NULL, NULL},
};
