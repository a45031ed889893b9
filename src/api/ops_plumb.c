/* ops_plumb.c — plumb-only operations (X-Amz-Target: PlumbService.<Op>), used by the plumb CLI
 * when it talks to a running server (`--endpoint URL`). They are not part of AWS's model, so
 * each handler validates its own input. */
#include "api/api_int.h"
#include "api/ops_aggregator.h"
#include "core/time.h"
#include "recorder/recorder.h"
#include "rules/rules.h"
#include "store/store.h"

/* PlumbService.RecordConfigurationItems {"configurationItems": [CI in any dialect, ...]}
 * -> {"recorded": N, "unchanged": N, "notRecorded": N, "identityOnly": N, "pending": N,
 *     "failed": [{"index", "message"}]}
 * (notRecorded: CIs whose configuration was not recorded — no running recorder, or a type
 * outside its recording group —; identityOnly: those of them written as identity-only
 * ResourceNotRecorded / ResourceDeletedNotRecorded CIs (the rest left no trace); pending: live
 * CIs — without a capture time — of a recordingMode DAILY type, held for the daily delivery).
 * What `plumb record --endpoint URL` sends: AWS-typed CIs enter through the import path (the
 * partition's recorder, if any, applies), in batches committed atomically. Every CI goes to the
 * caller's partition; one that names another account (awsAccountId/accountId or its ARN) or
 * region is refused in "failed" and has no effect at all. */
static int record_items(struct pl_op_ctx *c)
{
    const struct pl_json *items = pl_json_get(c->in, "configurationItems");
    int64_t counts[5] = {0}; /* recorded, unchanged, not recorded, pending, identity-only */
    if (!items || items->type != PL_JARR)
        return pl_fail(c->err, PL_E_VALIDATION, "configurationItems must be a list");
    if (items->len > 1000)
        return pl_fail(c->err, PL_E_VALIDATION, "at most 1000 configurationItems per request");
    /* always the caller's partition: a CI naming another account or region is refused */
    struct pl_rec_opts opts = {.mode = PL_REC_MODE_IMPORT,
                               .use_source_time = true,
                               .account = c->account,
                               .region = c->region,
                               .own_partition_only = true};
    struct pl_rec_batch *b = pl_rec_batch_begin(c->st, &opts, c->err);
    if (!b)
        return -1;
    struct pl_json *failed = pl_json_new_arr(c->a);
    int i = 0;
    for (const struct pl_json *ci = items->child; ci; ci = ci->next, i++) {
        struct pl_rec_result res;
        struct pl_err e = {0};
        if (pl_rec_batch_add(b, ci, &res, &e) < 0) {
            if (e.code == PL_E_INTERNAL || e.code == PL_E_IO || e.code == PL_E_UNAVAILABLE) {
                pl_rec_batch_abort(b);
                return pl_fail(c->err, e.code, "%s", e.msg);
            }
            struct pl_json *f = pl_json_push(failed, pl_json_new_obj(c->a));
            pl_json_set_i64(c->a, f, "index", i);
            pl_json_set_str(c->a, f, "message", e.msg);
            continue;
        }
        counts[res.outcome == PL_REC_RECORDED    ? 0
               : res.outcome == PL_REC_UNCHANGED ? 1
               : res.outcome == PL_REC_PENDING   ? 3
                                                 : 2]++;
        counts[4] += res.outcome == PL_REC_IDENTITY_ONLY;
        c->notify |= res.notify;
    }
    if (pl_rec_batch_commit(b, c->err) < 0)
        return -1;
    pl_api_recorded(c);
    pl_json_set_i64(c->a, c->out, "recorded", counts[0]);
    pl_json_set_i64(c->a, c->out, "unchanged", counts[1]);
    pl_json_set_i64(c->a, c->out, "notRecorded", counts[2]);
    pl_json_set_i64(c->a, c->out, "identityOnly", counts[4]);
    pl_json_set_i64(c->a, c->out, "pending", counts[3]);
    pl_json_set(c->a, c->out, "failed", failed);
    return 0;
}

/* PlumbService.AdvanceClock {"Milliseconds": N} -> {"Now": epoch seconds}: moves plumb's clock
 * forward when the server runs with --fake-clock (tests of periodic rules and deliveries), runs
 * the DAILY recording's flush when due (so its CIs exist when the call returns), and wakes the
 * workers. Refused on a real clock. */
static int advance_clock(struct pl_op_ctx *c)
{
    int64_t ms;
    if (!pl_clock_is_fake())
        return pl_fail(c->err, PL_E_VALIDATION,
                       "AdvanceClock needs a server started with --fake-clock");
    if (pl_json_i64(pl_json_get(c->in, "Milliseconds"), &ms) < 0 || ms < 0)
        return pl_fail(c->err, PL_E_VALIDATION, "Milliseconds must be a non-negative integer");
    pl_clock_advance(ms);
    if (pl_recorder_daily_flush(c->st, NULL, c->err) < 0)
        return -1;
    if (c->req->app->rules)
        pl_rules_kick(c->req->app->rules);
    c->notify = true; /* due snapshots and history deliveries */
    pl_api_recorded(c);
    pl_json_set(c->a, c->out, "Now", pl_json_new_epoch_ms(c->a, pl_now_ms()));
    return 0;
}

/* A string member of 1..max bytes, or NULL after a ValidationException. */
static const char *need_str(struct pl_op_ctx *c, const char *key, size_t max)
{
    const struct pl_json *v = pl_json_get(c->in, key);
    if (!v || v->type != PL_JSTR || v->len == 0 || v->len > max) {
        pl_fail(c->err, PL_E_VALIDATION, "%s must be a string of 1 to %zu characters", key, max);
        return NULL;
    }
    return v->str;
}

/* PlumbService.GetResourceTimeline {"resourceType", "resourceId", "limit" (1..100, default
 * 100), "nextToken"} -> {"timeline": [{"version": CI (API form), "diff": {...}, "events":
 * [...]}], "pendingEvents": [...], "nextToken"}: who changed the resource (recorder.h,
 * pl_ci_timeline; docs/api.md). The caller's partition only. */
static int resource_timeline(struct pl_op_ctx *c)
{
    struct pl_timeline_q q = {.account = c->account, .region = c->region};
    if (!(q.resource_type = need_str(c, "resourceType", 256)) ||
        !(q.resource_id = need_str(c, "resourceId", 768)))
        return -1;
    const struct pl_json *lim = pl_json_get(c->in, "limit");
    int64_t limit = 0;
    if (lim && (pl_json_i64(lim, &limit) < 0 || limit < 0 || limit > 100))
        return pl_fail(c->err, PL_E_VALIDATION, "limit must be an integer from 0 to 100");
    q.limit = (int)limit;
    const struct pl_json *tok = pl_json_get(c->in, "nextToken");
    if (tok && tok->type != PL_JNULL) {
        if (tok->type != PL_JSTR)
            return pl_fail(c->err, PL_E_INVALID_NEXT_TOKEN, "The nextToken is not valid");
        q.cursor = tok->str;
    }
    struct pl_resource res;
    int r = pl_store_resource_get(c->st, c->account, c->region, q.resource_type, q.resource_id,
                                  c->a, &res, c->err);
    if (r <= 0)
        return r < 0 ? -1
                     : pl_fail(c->err, PL_E_RESOURCE_NOT_DISCOVERED,
                               "Resource %s of resourceType:%s is unknown or has not been "
                               "discovered",
                               q.resource_id, q.resource_type);
    struct pl_json *tl = pl_ci_timeline(c->st, c->a, &q, c->err);
    if (!tl)
        return -1;
    c->out = tl;
    return 0;
}

const struct pl_op_entry pl_ops_plumb[] = {
    {"RecordConfigurationItems", record_items},
    {"GetResourceTimeline", resource_timeline},
    {"GetAggregateResourceConfigHistory", pl_ops__agg_history}, /* ops_aggregate.c */
    {"AdvanceClock", advance_clock},
    {NULL, NULL},
};
