/* daily.c — recordingMode DAILY: a live observation of a DAILY resource type is held as the
 * resource's pending latest state instead of being recorded at once, and a daily flush records
 * what is held, as AWS does: "a configuration item representing the most recent state of your
 * resource over the last 24-hour period, only if it's different from the previous CI recorded".
 *
 * Storage (no schema of its own; configuration objects, recorder.h):
 *   - PL_KIND_DAILY_PENDING "<type>\n<id>": the held CI in the stored-body dialect (recorder.h)
 *     with recordingFrequency "DAILY", its configurationItemCaptureTime (the observation) and
 *     configurationItemStatus when it is a deletion. A later observation replaces it.
 *   - PL_KIND_DAILY_SCHEDULE "default": {"firstHeldTime": ms}, written with the first held CI
 *     of a partition that has none.
 * The hold is written in the recorder's transaction, so an acknowledged write is durable.
 *
 * Flush: a partition is due when now - firstHeldTime >= 24 h. In one transaction each held CI
 * goes through the recorder (version, configurationStateId, diff, outbox rows) with
 * configurationItemDeliveryTime = now, the held entries and the schedule are deleted; the next
 * held CI opens a new period. So a resource is delivered at most once per 24 h, and a change is
 * delivered at most 24 h (plus one housekeeping tick) after it was observed.
 * Not recorded at the flush: a state equal to the latest version (recordingFrequency aside),
 * a deletion of a resource never recorded or already deleted, and anything while the recorder
 * is stopped: those entries are dropped. A type that left the recording group is delivered as
 * an identity-only ResourceNotRecorded CI (recorder.c).
 *
 * Calls go one way: this file (the flush) calls recorder.c's batches; recorder.c calls only
 * daily_hold.c (the hold, and which types are DAILY), which calls neither.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/time.h"
#include "core/util.h"
#include "recorder/recorder.h"
#include "recorder/recorder_int.h"

#define FLUSH_PAGE 200

/* ---- the flush ---- */

/* Is the held CI ci (normalised) worth recording against the resource's latest version? */
static int worth_recording(struct pl_store *s, const char *account, const char *region,
                           const struct pl_ci *ci, struct pl_arena *a, struct pl_err *err)
{
    struct pl_resource cur;
    int found =
        pl_store_resource_get(s, account, region, ci->resource_type, ci->resource_id, a, &cur, err);
    if (found < 0)
        return -1;
    if (ci->deleted)
        return found && !cur.deleted;
    if (!found)
        return 1;
    /* the same state recorded continuously differs only in recordingFrequency: no new CI */
    struct pl_ci plain = *ci;
    char hash[65];
    plain.recording_frequency = NULL;
    plain.delivery_ms = -1;
    pl_ci_hash(&plain, hash);
    return strcmp(hash, cur.hash) != 0;
}

/* Records one held object through batch b with configurationItemDeliveryTime now. A held CI
 * that cannot be read is logged and dropped; -1 only when the store failed. */
static int deliver_one(struct pl_rec_batch *b, struct pl_store *s, const struct pl_obj *o,
                       int64_t now, struct pl_arena *a, int64_t *recorded, struct pl_err *err)
{
    struct pl_err e = {0};
    struct pl_ci ci;
    struct pl_json *j = pl_json_parse(a, o->json, o->len, &e);
    if (j)
        pl_json_set(a, j, "configurationItemDeliveryTime", pl_json_new_epoch_ms(a, now));
    if (!j || pl_ci_normalize(a, j, &ci, &e) < 0) {
        PL_LOG(WARN, "recorder", "daily held CI dropped account=%s region=%s err=\"%s\"",
               o->account, o->region, e.msg);
        return 0;
    }
    int worth = worth_recording(s, o->account, o->region, &ci, a, err);
    if (worth <= 0)
        return worth;
    struct pl_rec_result res;
    if (pl_rec_batch_add(b, j, &res, &e) < 0) {
        if (e.code == PL_E_INTERNAL || e.code == PL_E_IO || e.code == PL_E_UNAVAILABLE)
            return pl_fail(err, e.code, "%s", e.msg);
        PL_LOG(WARN, "recorder", "daily held CI refused account=%s region=%s err=\"%s\"",
               o->account, o->region, e.msg);
        return 0;
    }
    *recorded += res.outcome == PL_REC_RECORDED;
    return 0;
}

/* Delivers and deletes every held CI of the partition, a page at a time (in b's transaction). */
static int flush_held(struct pl_rec_batch *b, struct pl_store *s, const char *account,
                      const char *region, int64_t now, int64_t *recorded, struct pl_err *err)
{
    struct pl_arena a;
    pl_arena_init(&a);
    int rc = 0;
    for (;;) {
        struct pl_obj *objs;
        size_t n;
        pl_arena_reset(&a);
        rc = pl_store_obj_list(s, account, region, PL_KIND_DAILY_PENDING, NULL, FLUSH_PAGE, &a,
                               &objs, &n, err);
        if (rc < 0 || n == 0)
            break;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            rc = deliver_one(b, s, &objs[i], now, &a, recorded, err);
            if (rc == 0 && pl_store_obj_delete(s, account, region, PL_KIND_DAILY_PENDING,
                                               objs[i].name, err) < 0)
                rc = -1;
        }
        if (rc < 0)
            break;
    }
    pl_arena_fini(&a);
    return rc;
}

/* 1 when the partition's period is over at now, 0 when not (or none is open), -1 on error. */
static int due(struct pl_store *s, const char *account, const char *region, int64_t now,
               struct pl_err *err)
{
    struct pl_arena a;
    struct pl_obj o;
    struct pl_err perr = {0};
    int64_t first = 0;
    pl_arena_init(&a);
    int rc = pl_store_obj_get(s, account, region, PL_KIND_DAILY_SCHEDULE, PL_REC_DAILY_SCHEDULE, &a,
                              &o, err);
    if (rc == 1) {
        struct pl_json *j = pl_json_parse(&a, o.json, o.len, &perr);
        /* an unreadable schedule is due: the flush replaces it */
        rc = !j || pl_json_i64(pl_json_get(j, "firstHeldTime"), &first) < 0 ||
             now - first >= PL_DAILY_PERIOD_MS;
    }
    pl_arena_fini(&a);
    return rc;
}

/* Flushes one partition if it is due, in one transaction. */
static int flush_partition(struct pl_store *s, const char *account, const char *region, int64_t now,
                           int64_t *recorded, struct pl_err *err)
{
    struct pl_rec_opts o = {.mode = PL_REC_MODE_RECORDER,
                            .account = account,
                            .region = region,
                            .use_source_time = true,
                            .daily_flush = true};
    int64_t n = 0;
    if (pl_store_begin(s, err) < 0)
        return -1;
    int rc = due(s, account, region, now, err);
    if (rc <= 0) {
        pl_store_rollback(s);
        return rc;
    }
    struct pl_rec_batch *b = pl_rec_batch_begin(s, &o, err);
    if (!b) {
        pl_store_rollback(s);
        return -1;
    }
    rc = flush_held(b, s, account, region, now, &n, err);
    if (rc == 0 && pl_store_obj_delete(s, account, region, PL_KIND_DAILY_SCHEDULE,
                                       PL_REC_DAILY_SCHEDULE, err) < 0)
        rc = -1;
    if (rc < 0) {
        pl_rec_batch_abort(b);
        pl_store_rollback(s);
        return -1;
    }
    if (pl_rec_batch_commit(b, err) < 0) { /* nested: the outer commit writes */
        pl_store_rollback(s);
        return -1;
    }
    if (pl_store_commit(s, err) < 0)
        return -1;
    *recorded += n;
    PL_LOG(INFO, "recorder", "daily delivery account=%s region=%s recorded=%" PRId64, account,
           region, n);
    return 0;
}

int pl_recorder_daily_flush(struct pl_store *s, int64_t *recorded, struct pl_err *err)
{
    struct pl_arena a;
    struct pl_obj *objs;
    size_t n;
    int64_t total = 0, now = pl_now_ms();
    pl_arena_init(&a);
    int rc = pl_store_obj_list(s, NULL, NULL, PL_KIND_DAILY_SCHEDULE, NULL, 0, &a, &objs, &n, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = flush_partition(s, objs[i].account, objs[i].region, now, &total, err);
    if (recorded)
        *recorded = total;
    pl_arena_fini(&a);
    return rc;
}
