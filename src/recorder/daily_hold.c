/* daily_hold.c — recordingMode DAILY, the hold: which types a recorder records daily, whether
 * the recorder holds an observation instead of recording it, and storing the held CI (the
 * storage is described at the top of daily.c, whose flush records what is held).
 *
 * Calls go one way: recorder.c calls this file; it calls ci.c and the store, never recorder.c
 * or daily.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "recorder/recorder.h"
#include "recorder/recorder_int.h"

/* Types AWS records continuously whatever recordingMode says. */
static bool always_continuous(const char *t)
{
    return !pl_recorder_type_evaluable(t) || /* the compliance records */
           strcmp(t, "AWS::Config::ConfigurationRecorder") == 0;
}

bool pl_recorder_is_daily(const struct pl_rec_state *st, const char *t)
{
    /* recordingModeOverrides name AWS resource types; third-party types are recorded as they
     * come (docs/recording.md) */
    if (!pl_starts_with(t, "AWS::") || always_continuous(t))
        return false;
    for (size_t i = 0; i < st->noverride; i++)
        if (strcmp(st->override_types[i], t) == 0)
            return st->override_daily;
    return st->daily;
}

bool pl_rec__daily_holds(const struct pl_rec_opts *o, const struct pl_rec_state *st,
                         const struct pl_ci *ci)
{
    if (o->mode == PL_REC_MODE_ALL || o->daily_flush || !st->exists || !st->running)
        return false;
    if (o->use_source_time && ci->capture_ms >= 0) /* history being imported: as it was */
        return false;
    return pl_recorder_is_daily(st, ci->resource_type);
}

/* Appends epoch ms as epoch seconds with milliseconds (the stored-body time form). */
static void put_epoch(struct pl_buf *b, int64_t ms)
{
    pl_buf_printf(b, "%" PRId64 ".%03d", ms / 1000, (int)(ms % 1000));
}

/* The held-CI JSON of ci (see the top of this file) into out. */
static void held_json(const struct pl_ci *ci, const char *account, const char *region, int64_t now,
                      struct pl_buf *out)
{
    struct pl_ci c = *ci;
    struct pl_rec_enc e;
    struct pl_buf scratch, body;
    char hash[65];
    c.recording_frequency = "DAILY";
    c.delivery_ms = -1;
    pl_buf_init(&scratch, PL_BUF_NOLIMIT);
    pl_buf_init(&body, PL_BUF_NOLIMIT);
    pl_rec__hash(&c, &scratch, &e, hash);
    pl_rec__body(&c, account, region, &scratch, &e, &body);
    pl_buf_reset(out);
    pl_buf_puts(out, "{\"configurationItemCaptureTime\":");
    put_epoch(out, now);
    if (c.deleted)
        pl_buf_puts(out, ",\"configurationItemStatus\":\"" PL_CI_DELETED "\"");
    pl_buf_putc(out, ',');
    pl_buf_append(out, body.data + 1, body.len - 1); /* the body's members and its '}' */
    pl_buf_fini(&scratch);
    pl_buf_fini(&body);
}

/* Opens the partition's period at now unless one is open. */
static int open_schedule(struct pl_store *s, const char *account, const char *region, int64_t now,
                         struct pl_err *err)
{
    struct pl_arena a;
    struct pl_obj o;
    char json[64];
    pl_arena_init(&a);
    int rc = pl_store_obj_get(s, account, region, PL_KIND_DAILY_SCHEDULE, PL_REC_DAILY_SCHEDULE, &a,
                              &o, err);
    pl_arena_fini(&a);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    int n = snprintf(json, sizeof json, "{\"firstHeldTime\":%" PRId64 "}", now);
    return pl_store_obj_put(s, account, region, PL_KIND_DAILY_SCHEDULE, PL_REC_DAILY_SCHEDULE, json,
                            (size_t)n, err);
}

int pl_rec__daily_hold(struct pl_store *s, const char *account, const char *region,
                       const struct pl_ci *ci, int64_t now, struct pl_err *err)
{
    struct pl_buf json, name;
    pl_buf_init(&json, PL_BUF_NOLIMIT);
    pl_buf_init(&name, PL_BUF_NOLIMIT);
    held_json(ci, account, region, now, &json);
    pl_buf_printf(&name, "%s\n%s", ci->resource_type, ci->resource_id);
    int rc = pl_store_obj_put(s, account, region, PL_KIND_DAILY_PENDING, pl_buf_cstr(&name),
                              pl_buf_cstr(&json), json.len, err);
    if (rc == 0)
        rc = open_schedule(s, account, region, now, err);
    pl_buf_fini(&json);
    pl_buf_fini(&name);
    return rc;
}
