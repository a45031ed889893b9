/* render.c — a stored CI in the forms AWS shows it (reference/aws-config-api.md §3.1, §3.2).
 *
 * The stored body (recorder.h) is parsed and its members are re-linked into the output tree
 * in AWS's member order; the row's columns give what the recorder assigned (status, capture
 * time, configurationStateId). Everything is allocated in the caller's arena.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/time.h"
#include "recorder/recorder.h"

/* Detaches member key of obj for re-linking elsewhere (NULL when absent). */
static struct pl_json *take(struct pl_arena *a, struct pl_json *obj, const char *key)
{
    struct pl_json *v = pl_json_get(obj, key);
    if (!v)
        return NULL;
    struct pl_json *c = pl_arena_alloc(a, sizeof *c);
    *c = *v;
    c->key = NULL;
    c->klen = 0;
    c->next = NULL;
    return c;
}

static bool is_null(const struct pl_json *v)
{
    return !v || v->type == PL_JNULL;
}

static struct pl_json *parse_body(struct pl_arena *a, const struct pl_ci_row *row,
                                  struct pl_err *err)
{
    /* a private copy parsed in place: the row's body stays intact for other renderings */
    char *copy = pl_arena_strndup(a, row->body, row->body_len);
    struct pl_json *b = pl_json_parse_insitu(a, copy, row->body_len, err);
    if (!b || b->type != PL_JOBJ) {
        pl_fail(err, PL_E_INTERNAL, "stored CI %" PRId64 " is not a JSON object", row->seq);
        return NULL;
    }
    return b;
}

static void set_opt(struct pl_arena *a, struct pl_json *o, const char *k, struct pl_json *v)
{
    if (!is_null(v))
        pl_json_set(a, o, k, v);
}

/* Relationships in the API form: relationshipName instead of name, absent members left out. */
static struct pl_json *rels_api(struct pl_arena *a, const struct pl_json *rels)
{
    struct pl_json *out = pl_json_new_arr(a);
    for (const struct pl_json *r = rels ? rels->child : NULL; r; r = r->next) {
        struct pl_json *o = pl_json_new_obj(a);
        const char *v;
        if ((v = pl_json_get_str(r, "resourceType")))
            pl_json_set_str(a, o, "resourceType", v);
        if ((v = pl_json_get_str(r, "resourceId")))
            pl_json_set_str(a, o, "resourceId", v);
        if ((v = pl_json_get_str(r, "resourceName")))
            pl_json_set_str(a, o, "resourceName", v);
        if ((v = pl_json_get_str(r, "name")))
            pl_json_set_str(a, o, "relationshipName", v);
        pl_json_push(out, o);
    }
    return out;
}

/* supplementaryConfiguration in the API form: each value as a JSON string. */
static struct pl_json *supp_api(struct pl_arena *a, const struct pl_json *supp)
{
    struct pl_json *out = pl_json_new_obj(a);
    for (const struct pl_json *c = supp ? supp->child : NULL; c; c = c->next)
        pl_json_set(a, out, c->key, pl_json_new_str(a, pl_json_dump(a, c, PL_JSON_COMPACT)));
    return out;
}

static struct pl_json *render_api(struct pl_arena *a, const struct pl_ci_row *row, bool base,
                                  struct pl_err *err)
{
    struct pl_json *b = parse_body(a, row, err);
    if (!b)
        return NULL;
    struct pl_json *o = pl_json_new_obj(a);
    char sid[24];
    snprintf(sid, sizeof sid, "%" PRId64, row->state_id);
    pl_json_set_str(a, o, "version", "1.3");
    pl_json_set_str(a, o, "accountId", row->account);
    pl_json_set(a, o, "configurationItemCaptureTime", pl_json_new_epoch_ms(a, row->capture_ms));
    pl_json_set_str(a, o, "configurationItemStatus", row->status);
    pl_json_set_str(a, o, "configurationStateId", sid);
    if (!base)
        pl_json_set_str(a, o, "configurationItemMD5Hash", "");
    set_opt(a, o, "arn", take(a, b, "arn"));
    pl_json_set_str(a, o, "resourceType", row->resource_type);
    pl_json_set_str(a, o, "resourceId", row->resource_id);
    if (row->resource_name)
        pl_json_set_str(a, o, "resourceName", row->resource_name);
    pl_json_set_str(a, o, "awsRegion", row->region);
    set_opt(a, o, "availabilityZone", take(a, b, "availabilityZone"));
    set_opt(a, o, "resourceCreationTime", take(a, b, "resourceCreationTime"));
    if (!base) {
        struct pl_json *tags = take(a, b, "tags");
        pl_json_set(a, o, "tags", tags ? tags : pl_json_new_obj(a));
        pl_json_set(a, o, "relatedEvents", pl_json_new_arr(a));
        pl_json_set(a, o, "relationships", rels_api(a, pl_json_get(b, "relationships")));
    }
    struct pl_json *conf = pl_json_get(b, "configuration");
    if (!is_null(conf))
        pl_json_set(a, o, "configuration",
                    pl_json_new_str(a, pl_json_dump(a, conf, PL_JSON_COMPACT)));
    struct pl_json *supp = pl_json_get(b, "supplementaryConfiguration");
    pl_json_set(a, o, "supplementaryConfiguration", supp_api(a, supp));
    set_opt(a, o, "recordingFrequency", take(a, b, "recordingFrequency"));
    set_opt(a, o, "configurationItemDeliveryTime", take(a, b, "configurationItemDeliveryTime"));
    return o;
}

struct pl_json *pl_ci_render_api(struct pl_arena *a, const struct pl_ci_row *row,
                                 struct pl_err *err)
{
    return render_api(a, row, false, err);
}

struct pl_json *pl_ci_render_base(struct pl_arena *a, const struct pl_ci_row *row,
                                  struct pl_err *err)
{
    return render_api(a, row, true, err);
}

/* An epoch-seconds number member as an ISO-8601 string with milliseconds, or null. */
static struct pl_json *iso_or_null(struct pl_arena *a, const struct pl_json *v)
{
    int64_t ms;
    if (is_null(v) || pl_time_parse(v->str, &ms) < 0)
        return pl_json_new_null(a);
    char t[40];
    return pl_json_new_str(a, pl_time_iso8601_ms(ms, t));
}

struct pl_json *pl_ci_render_file(struct pl_arena *a, const struct pl_ci_row *row,
                                  struct pl_err *err)
{
    struct pl_json *b = parse_body(a, row, err);
    if (!b)
        return NULL;
    struct pl_json *o = pl_json_new_obj(a);
    char t[40];
    struct pl_json *v;
    pl_json_set(a, o, "relatedEvents", pl_json_new_arr(a));
    v = take(a, b, "relationships");
    pl_json_set(a, o, "relationships", v ? v : pl_json_new_arr(a));
    v = take(a, b, "configuration");
    pl_json_set(a, o, "configuration", v ? v : pl_json_new_null(a));
    v = take(a, b, "supplementaryConfiguration");
    pl_json_set(a, o, "supplementaryConfiguration", v ? v : pl_json_new_obj(a));
    v = take(a, b, "tags");
    pl_json_set(a, o, "tags", v ? v : pl_json_new_obj(a));
    pl_json_set_str(a, o, "configurationItemVersion", "1.3");
    pl_json_set_str(a, o, "configurationItemCaptureTime",
                    pl_time_iso8601_ms(row->capture_ms, t));
    pl_json_set_i64(a, o, "configurationStateId", row->state_id);
    pl_json_set_str(a, o, "awsAccountId", row->account);
    pl_json_set_str(a, o, "configurationItemStatus", row->status);
    pl_json_set_str(a, o, "resourceType", row->resource_type);
    pl_json_set_str(a, o, "resourceId", row->resource_id);
    pl_json_set(a, o, "resourceName",
                row->resource_name ? pl_json_new_str(a, row->resource_name)
                                   : pl_json_new_null(a));
    v = take(a, b, "arn");
    pl_json_set(a, o, "ARN", v ? v : pl_json_new_null(a));
    pl_json_set_str(a, o, "awsRegion", row->region);
    v = take(a, b, "availabilityZone");
    pl_json_set(a, o, "availabilityZone", v ? v : pl_json_new_null(a));
    pl_json_set_str(a, o, "configurationStateMd5Hash", "");
    pl_json_set(a, o, "resourceCreationTime",
                iso_or_null(a, pl_json_get(b, "resourceCreationTime")));
    set_opt(a, o, "recordingFrequency", take(a, b, "recordingFrequency"));
    set_opt(a, o, "configurationItemDeliveryTime",
            iso_or_null(a, pl_json_get(b, "configurationItemDeliveryTime")));
    return o;
}
