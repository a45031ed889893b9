/* related.c — CloudTrail on the read side (recorder.h): a CI's relatedEvents and a resource's
 * timeline (versions, their diffs, and the write events between them).
 *
 * Beyond AWS, whose relatedEvents has been empty since CI version 1.3: the relatedEvents of a
 * version are the eventIDs of the successful write events linked to the resource (by its id,
 * its name or its ARN: store/trail.h) with previous capture time < eventTime <= this capture
 * time, computed when the CI is read, so events imported after the CI still link. A partition
 * with no event at all costs one index seek per CI.
 *
 * Calls: related.c -> render.c (pl_ci_render_api), store/trail.h.
 */
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "recorder/recorder.h"
#include "store/trail.h"

#define TIMELINE_MAX_LIMIT  100
#define TIMELINE_MAX_EVENTS 50000 /* events per page at most (the oldest kept) */

/* The resource's names for a trail query: its id, its name when different, its ARN. */
static void trail_q(struct pl_trail_q *q, const struct pl_ci_row *row, const char *arn)
{
    memset(q, 0, sizeof *q);
    q->account = row->account;
    q->region = row->region;
    q->type = row->resource_type;
    q->id = row->resource_id;
    q->name = row->resource_name && strcmp(row->resource_name, row->resource_id) != 0
                  ? row->resource_name
                  : NULL;
    q->arn = arn;
}

/* Replaces (or adds) ci's relatedEvents with arr, keeping its place among the members. */
static void set_related(struct pl_arena *a, struct pl_json *ci, struct pl_json *arr)
{
    struct pl_json *re = pl_json_get(ci, "relatedEvents");
    if (!re) {
        pl_json_set(a, ci, "relatedEvents", arr);
        return;
    }
    re->type = PL_JARR;
    re->child = arr->child;
    re->last = arr->last;
    re->len = arr->len;
}

static const char *ci_arn(const struct pl_json *ci)
{
    const char *arn = pl_json_get_str(ci, "arn");
    return arn ? arn : pl_json_get_str(ci, "ARN");
}

int pl_ci_related_fill(struct pl_store *s, struct pl_arena *a, const struct pl_ci_row *row,
                       struct pl_json *ci, struct pl_err *err)
{
    if (!pl_store_trail_any(s, row->account, row->region)) {
        if (!pl_json_get(ci, "relatedEvents"))
            pl_json_set(a, ci, "relatedEvents", pl_json_new_arr(a));
        return 0;
    }
    int64_t prev = INT64_MIN;
    if (pl_store_ci_prev_capture(s, row, &prev, err) < 0)
        return -1;
    struct pl_trail_q q;
    trail_q(&q, row, ci_arn(ci));
    q.after_ms = prev;
    q.upto_ms = row->capture_ms;
    const char **ids;
    size_t n;
    if (pl_store_trail_related(s, &q, a, &ids, &n, err) < 0)
        return -1;
    struct pl_json *arr = pl_json_new_arr(a);
    for (size_t i = 0; i < n; i++)
        pl_json_push(arr, pl_json_new_str(a, ids[i]));
    set_related(a, ci, arr);
    return 0;
}

/* ---- the timeline ---- */

static void set_opt_str(struct pl_arena *a, struct pl_json *o, const char *k, const char *v)
{
    if (v)
        pl_json_set_str(a, o, k, v);
}

static struct pl_json *event_json(struct pl_arena *a, const struct pl_trail_row *e)
{
    struct pl_json *o = pl_json_new_obj(a);
    pl_json_set_str(a, o, "eventId", e->event_id);
    pl_json_set(a, o, "eventTime", pl_json_new_epoch_ms(a, e->event_ms));
    pl_json_set_str(a, o, "eventName", e->event_name);
    pl_json_set_str(a, o, "eventSource", e->event_source);
    struct pl_json *ui = pl_json_set(a, o, "userIdentity", pl_json_new_obj(a));
    set_opt_str(a, ui, "type", e->user_type);
    set_opt_str(a, ui, "arn", e->user_arn);
    set_opt_str(a, o, "sourceIPAddress", e->source_ip);
    set_opt_str(a, o, "userAgent", e->user_agent);
    set_opt_str(a, o, "errorCode", e->error_code);
    return o;
}

/* One timeline entry: the version in API form (relatedEvents from evs), its diff, its events. */
static struct pl_json *entry(struct pl_arena *a, const struct pl_ci_row *row,
                             const struct pl_trail_row *evs, size_t n, struct pl_err *err)
{
    struct pl_json *ci = pl_ci_render_api(a, row, err);
    if (!ci)
        return NULL;
    struct pl_json *related = pl_json_new_arr(a), *events = pl_json_new_arr(a);
    for (size_t i = 0; i < n; i++) {
        if (!evs[i].error_code)
            pl_json_push(related, pl_json_new_str(a, evs[i].event_id));
        pl_json_push(events, event_json(a, &evs[i]));
    }
    set_related(a, ci, related);
    struct pl_json *o = pl_json_new_obj(a);
    pl_json_set(a, o, "version", ci);
    struct pl_json *diff = NULL;
    if (row->diff) {
        struct pl_err e = {0};
        diff = pl_json_parse(a, row->diff, row->diff_len, &e);
    }
    pl_json_set(a, o, "diff", diff ? diff : pl_json_new_obj(a));
    pl_json_set(a, o, "events", events);
    return o;
}

struct pl_json *pl_ci_timeline(struct pl_store *s, struct pl_arena *a,
                               const struct pl_timeline_q *tq, struct pl_err *err)
{
    int limit = tq->limit > 0 && tq->limit <= TIMELINE_MAX_LIMIT ? tq->limit : TIMELINE_MAX_LIMIT;
    struct pl_history_q hq = {tq->account,     tq->region, tq->resource_type,
                              tq->resource_id, 0,          INT64_MAX,
                              false,           limit,      tq->cursor};
    struct pl_ci_row *rows;
    size_t n;
    char *next;
    if (pl_store_history(s, &hq, a, &rows, &n, &next, err) < 0)
        return NULL;
    struct pl_json *out = pl_json_new_obj(a);
    struct pl_json *tl = pl_json_set(a, out, "timeline", pl_json_new_arr(a));
    struct pl_trail_row *evs = NULL;
    size_t nev = 0;
    if (n > 0 && pl_store_trail_any(s, tq->account, tq->region)) {
        int64_t prev = INT64_MIN;
        if (pl_store_ci_prev_capture(s, &rows[n - 1], &prev, err) < 0)
            return NULL;
        /* the first page also shows the events after the newest version */
        struct pl_json *probe = pl_ci_render_base(a, &rows[0], err);
        if (!probe)
            return NULL;
        struct pl_trail_q q;
        trail_q(&q, &rows[0], ci_arn(probe));
        q.after_ms = prev;
        q.upto_ms = tq->cursor ? rows[0].capture_ms : INT64_MAX;
        if (pl_store_trail_writes(s, &q, TIMELINE_MAX_EVENTS, a, &evs, &nev, err) < 0)
            return NULL;
    }
    /* versions newest first, events oldest first: version i owns the events in
     * (capture of version i+1, capture of version i] */
    size_t hi = nev; /* events [lo, hi) belong to the version being placed */
    while (!tq->cursor && hi > 0 && n > 0 && evs[hi - 1].event_ms > rows[0].capture_ms)
        hi--;
    if (!tq->cursor && hi < nev) {
        struct pl_json *pend = pl_json_set(a, out, "pendingEvents", pl_json_new_arr(a));
        for (size_t k = hi; k < nev; k++)
            pl_json_push(pend, event_json(a, &evs[k]));
    }
    for (size_t i = 0; i < n; i++) {
        size_t lo = hi;
        int64_t floor_ms = i + 1 < n ? rows[i + 1].capture_ms : INT64_MIN;
        while (lo > 0 && evs[lo - 1].event_ms > floor_ms)
            lo--;
        struct pl_json *e = entry(a, &rows[i], evs + lo, hi - lo, err);
        if (!e)
            return NULL;
        pl_json_push(tl, e);
        hi = lo;
    }
    if (next)
        pl_json_set_str(a, out, "nextToken", next);
    return out;
}
