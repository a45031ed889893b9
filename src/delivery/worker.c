/* worker.c — the delivery worker and the delivery.h API.
 *
 * One thread (or pl_delivery_tick() in tests) does all delivery work, each tick bounded:
 *   1. outbox rows of delivery's kinds, oldest first, at most `batch` per kind:
 *        "delivery.compliance"   → ComplianceChangeNotification
 *        "delivery.rules_started"→ ConfigRulesEvaluationStarted
 *        options.ci_kind, when set: {"seq":N,...} → ConfigurationItemChangeNotification
 *        "delivery.msg"          → a message built by delivery itself (snapshot/history events)
 *        "delivery.snapshot"     → an on-demand snapshot (DeliverConfigSnapshot)
 *      A notification goes to the partition channel's snsTopicARN: SNS Publish when
 *      --sns-endpoint is set, and every webhook mapped to the topic. Success completes the row;
 *      failure puts the row back and blocks the topic until its backoff expires, so later rows
 *      of the same topic wait behind it: order per resource (indeed per topic) is kept, and
 *      delivery is at-least-once (a crash between send and complete resends).
 *   2. per channel with a topic, unless ci_kind is set: the CI stream. The CI rows appended
 *      after the channel's cursor (config_items.seq, written in the same transaction as the
 *      recorder's outbox row, and in commit order on SQLite) become change notifications;
 *      the cursor is saved after the tick, so a crash resends at most one tick's messages.
 *      ("rules.ci_recorded" itself belongs to the rules engine; see delivery.h.)
 *   3. per channel: periodic snapshot at deliveryFrequency, history every 6 hours, each
 *      retried with backoff on failure, with status kept in the store object
 *      (PL_KIND_CHANNEL_STATUS, name = channel name) that DescribeDeliveryChannelStatus reads.
 * Only the worker writes status objects. The worker and API calls use their own store
 * connections (a struct pl_store is not thread-safe). Network I/O never happens inside a
 * store transaction, and recording never waits on the worker.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/time.h"
#include "core/util.h"
#include "delivery/delivery_int.h"
#include "store/store.h"

#define HISTORY_MS      (6 * 3600 * 1000LL)
#define LEASE_MS        (10 * 1000LL) /* rows claimed by a process that died come back after this */
#define BACKOFF_BASE_MS 1000LL
#define BACKOFF_MAX_MS  (300 * 1000LL)
#define GAP_PROBE       64 /* absent CI rows skipped before the stream stops at the end */
#define MAX_TOPICS      256
#define EXPIRED_METRIC  "plumb_delivery_expired_total"

struct topic_state {
    char arn[300];
    int failures;
    int64_t blocked_until;
};

struct pl_delivery {
    char *data_dir, *spec;
    enum pl_outbox_kind ci_kind;
    int tick_ms, batch;
    struct pl_dtarget *target;
    struct pl_sns_conf sns;
    char *sns_endpoint, *ak, *sk, *token;
    struct pl_store *ws; /* worker connection */
    struct pl_store_listener *listener; /* wakes the worker when its work is committed */
    struct pl_store *as; /* API-call connection, under amu */
    pthread_mutex_t amu, mu;
    pthread_cond_t cv;
    pthread_t th;
    int has_thread, stop, kicked;
    struct topic_state topics[MAX_TOPICS];
    size_t ntopics;
};

int64_t pl_delivery__backoff_ms(int n)
{
    int64_t d = BACKOFF_BASE_MS;
    for (int i = 1; i < n && d < BACKOFF_MAX_MS; i++)
        d *= 2;
    return d < BACKOFF_MAX_MS ? d : BACKOFF_MAX_MS;
}

/* ---- status bookkeeping ---- */

struct dinfo {
    char status[16]; /* "" (never), SUCCESS, FAILURE, PENDING */
    char code[64], msg[256];
    int64_t attempt, success, next, change;
    int failures;
};

struct dstate {
    int exists;
    struct dinfo snap, hist, stream;
    int64_t freq_ms, hist_seq, stream_seq;
    char topic[300]; /* the topic the stream cursor belongs to */
};

static void info_load(const struct pl_json *j, struct dinfo *d)
{
    memset(d, 0, sizeof *d);
    const char *s;
    if ((s = pl_json_get_str(j, "status")))
        pl_strlcpy(d->status, s, sizeof d->status);
    if ((s = pl_json_get_str(j, "code")))
        pl_strlcpy(d->code, s, sizeof d->code);
    if ((s = pl_json_get_str(j, "msg")))
        pl_strlcpy(d->msg, s, sizeof d->msg);
    int64_t v;
    d->attempt = pl_json_i64(pl_json_get(j, "attempt"), &v) == 0 ? v : 0;
    d->success = pl_json_i64(pl_json_get(j, "success"), &v) == 0 ? v : 0;
    d->next = pl_json_i64(pl_json_get(j, "next"), &v) == 0 ? v : 0;
    d->change = pl_json_i64(pl_json_get(j, "change"), &v) == 0 ? v : 0;
    d->failures = pl_json_i64(pl_json_get(j, "failures"), &v) == 0 ? (int)v : 0;
}

static struct pl_json *info_save(struct pl_arena *a, const struct dinfo *d)
{
    struct pl_json *o = pl_json_new_obj(a);
    pl_json_set_str(a, o, "status", d->status);
    pl_json_set_str(a, o, "code", d->code);
    pl_json_set_str(a, o, "msg", d->msg);
    pl_json_set_i64(a, o, "attempt", d->attempt);
    pl_json_set_i64(a, o, "success", d->success);
    pl_json_set_i64(a, o, "next", d->next);
    pl_json_set_i64(a, o, "change", d->change);
    pl_json_set_i64(a, o, "failures", d->failures);
    return o;
}

static int state_load(struct pl_store *s, const char *acct, const char *region, const char *name,
                      struct dstate *st, struct pl_err *err)
{
    struct pl_arena a;
    struct pl_obj o;
    memset(st, 0, sizeof *st);
    pl_arena_init(&a);
    int r = pl_store_obj_get(s, acct, region, PL_KIND_CHANNEL_STATUS, name, &a, &o, err);
    if (r > 0) {
        struct pl_err e = {0};
        struct pl_json *j = pl_json_parse(&a, o.json, o.len, &e);
        st->exists = j != NULL;
        info_load(pl_json_get(j, "snapshot"), &st->snap);
        info_load(pl_json_get(j, "history"), &st->hist);
        info_load(pl_json_get(j, "stream"), &st->stream);
        pl_json_i64(pl_json_get(j, "frequencyMs"), &st->freq_ms);
        pl_json_i64(pl_json_get(j, "historySeq"), &st->hist_seq);
        pl_json_i64(pl_json_get(j, "streamSeq"), &st->stream_seq);
        const char *t = pl_json_get_str(j, "topic");
        pl_strlcpy(st->topic, t ? t : "", sizeof st->topic);
    }
    pl_arena_fini(&a);
    return r < 0 ? -1 : 0;
}

static int state_save(struct pl_store *s, const char *acct, const char *region, const char *name,
                      struct dstate *st, struct pl_err *err)
{
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_json *o = pl_json_new_obj(&a);
    pl_json_set(&a, o, "snapshot", info_save(&a, &st->snap));
    pl_json_set(&a, o, "history", info_save(&a, &st->hist));
    pl_json_set(&a, o, "stream", info_save(&a, &st->stream));
    pl_json_set_i64(&a, o, "frequencyMs", st->freq_ms);
    pl_json_set_i64(&a, o, "historySeq", st->hist_seq);
    pl_json_set_i64(&a, o, "streamSeq", st->stream_seq);
    pl_json_set_str(&a, o, "topic", st->topic);
    const char *text = pl_json_dump(&a, o, PL_JSON_COMPACT);
    int rc = pl_store_obj_put(s, acct, region, PL_KIND_CHANNEL_STATUS, name, text, strlen(text),
                              err);
    pl_arena_fini(&a);
    st->exists = rc == 0;
    return rc;
}

/* The error code shown as lastErrorCode: the "Code: message" prefix of msg, else the AWS
 * name of the error code. */
static void info_fail(struct dinfo *d, const struct pl_err *e, int64_t now)
{
    const char *colon = strstr(e->msg, ": ");
    size_t n = colon ? (size_t)(colon - e->msg) : 0;
    if (n && n < sizeof d->code && !memchr(e->msg, ' ', n)) {
        memcpy(d->code, e->msg, n);
        d->code[n] = 0;
    } else {
        pl_strlcpy(d->code, pl_err_name(e->code ? e->code : PL_E_INTERNAL), sizeof d->code);
    }
    pl_strlcpy(d->msg, e->msg, sizeof d->msg);
    if (strcmp(d->status, "FAILURE") != 0)
        d->change = now;
    pl_strlcpy(d->status, "FAILURE", sizeof d->status);
    d->attempt = now;
    d->failures++;
}

static void info_ok(struct dinfo *d, int64_t now)
{
    if (strcmp(d->status, "SUCCESS") != 0)
        d->change = now;
    pl_strlcpy(d->status, "SUCCESS", sizeof d->status);
    d->code[0] = d->msg[0] = 0;
    d->attempt = d->success = now;
    d->failures = 0;
}

static void set_epoch(struct pl_arena *a, struct pl_json *o, const char *k, int64_t ms)
{
    if (ms > 0)
        pl_json_set(a, o, k, pl_json_new_epoch_ms(a, ms));
}

static struct pl_json *info_json(struct pl_arena *a, const struct dinfo *d, int stream)
{
    struct pl_json *o = pl_json_new_obj(a);
    pl_json_set_str(a, o, "lastStatus", d->status[0] ? d->status : "NOT_APPLICABLE");
    if (d->code[0]) {
        pl_json_set_str(a, o, "lastErrorCode", d->code);
        pl_json_set_str(a, o, "lastErrorMessage", d->msg);
    }
    if (stream) {
        set_epoch(a, o, "lastStatusChangeTime", d->change);
        return o;
    }
    set_epoch(a, o, "lastAttemptTime", d->attempt);
    set_epoch(a, o, "lastSuccessfulTime", d->success);
    set_epoch(a, o, "nextDeliveryTime", d->next);
    return o;
}

/* ---- channels ---- */

struct chan {
    const char *acct, *region, *name, *bucket, *prefix, *topic;
    int64_t freq_ms;
};

static void chan_from_json(struct chan *c, const struct pl_obj *o, const struct pl_json *j)
{
    c->acct = o->account;
    c->region = o->region;
    c->name = o->name;
    c->bucket = pl_json_get_str(j, "s3BucketName");
    c->prefix = pl_json_get_str(j, "s3KeyPrefix");
    c->topic = pl_json_get_str(j, "snsTopicARN");
    if (c->topic &&
        !pl_delivery__topic_of(c->topic, c->acct)) { /* stored before this was checked */
        PL_LOG(WARN, "delivery", "account=%s topic=%s skipped: another account's topic", c->acct,
               c->topic);
        c->topic = NULL;
    }
    struct pl_err e = {0};
    c->freq_ms = pl_delivery__frequency_ms(
        pl_json_get_str(pl_json_get(j, "configSnapshotDeliveryProperties"), "deliveryFrequency"),
        &e);
    if (c->freq_ms <= 0)
        c->freq_ms = 24 * 3600 * 1000LL;
}

/* The (single) channel of a partition, in a; 1 found, 0 none, -1 error. */
static int chan_of(struct pl_store *s, const char *acct, const char *region, struct pl_arena *a,
                   struct chan *c, struct pl_err *err)
{
    struct pl_obj *objs;
    size_t n;
    if (pl_store_obj_list(s, acct, region, PL_KIND_CHANNEL, NULL, 1, a, &objs, &n, err) != 0)
        return -1;
    if (n == 0)
        return 0;
    struct pl_err e = {0};
    struct pl_json *j = pl_json_parse(a, objs[0].json, objs[0].len, &e);
    if (!j)
        return 0;
    chan_from_json(c, &objs[0], j);
    return 1;
}

/* ---- sending ---- */

static struct topic_state *topic_get(struct pl_delivery *d, const char *arn)
{
    for (size_t i = 0; i < d->ntopics; i++)
        if (strcmp(d->topics[i].arn, arn) == 0)
            return &d->topics[i];
    if (d->ntopics == MAX_TOPICS)
        d->ntopics = 0; /* forget old backoffs rather than grow: only delays, never loses */
    struct topic_state *t = &d->topics[d->ntopics++];
    memset(t, 0, sizeof *t);
    pl_strlcpy(t->arn, arn, sizeof t->arn);
    return t;
}

/* Sends m to topic through SNS and every webhook of the topic. Returns 1 when there was
 * nowhere to send it, 0 when sent, -1 on failure. */
static int send_msg(struct pl_delivery *d, struct pl_arena *a, const struct pl_dmsg *m,
                    const char *topic, struct pl_err *err)
{
    struct pl_webhook *hooks;
    size_t nh;
    int64_t now = pl_now_ms();
    int sent = 0;
    if (pl_delivery_webhook_list(d->ws, topic, a, &hooks, &nh, err) != 0)
        return -1;
    if (nh) {
        struct pl_json *env = pl_delivery__msg_envelope(a, m, topic, NULL, now);
        const char *body = pl_json_dump(a, env, PL_JSON_COMPACT);
        for (size_t i = 0; i < nh; i++, sent++)
            if (pl_delivery__webhook_post(&hooks[i], body, strlen(body), 10000, err) != 0)
                return -1;
    }
    if (d->sns_endpoint) {
        if (pl_delivery__sns_publish(&d->sns, topic, m->subject, pl_delivery__msg_text(a, m),
                                     err) != 0)
            return -1;
        sent++;
    }
    return sent ? 0 : 1;
}

/* Replaces an oversized CI change message by its summary (the full message goes to the
 * bucket under OversizedChangeNotification/). */
static void maybe_oversized(struct pl_delivery *d, struct pl_arena *a, const struct chan *c,
                            const struct pl_json *ci, struct pl_dmsg *m)
{
    const char *text = pl_delivery__msg_text(a, m);
    size_t n = strlen(text);
    if (n <= PL_DELIVERY_SNS_MAX)
        return;
    int64_t now = pl_now_ms();
    const char *ct = pl_json_get_str(pl_json_get(m->body, "configurationItemDiff"), "changeType");
    const char *key = pl_delivery__key_oversized(a, c->prefix, c->acct, c->region, now,
                                                 pl_json_get_str(ci, "resourceType"),
                                                 pl_json_get_str(ci, "resourceId"), 0);
    struct pl_err e = {0};
    char *path = NULL;
    if (pl_delivery__gz_write_file(d->target->staging, text, n, &path, &e) == 0 &&
        d->target->ops->put_file(d->target, c->bucket, key, path, "application/json", "gzip", &e) ==
            0) {
        pl_delivery__msg_oversized(a, ci, ct ? ct : "UPDATE",
                                   pl_arena_printf(a, "%s/%s", c->bucket, key), NULL, NULL, now, m);
    } else {
        const char *msg = pl_arena_printf(
            a, "Failed to deliver notification to bucket: %s for account %s in region %s.",
            c->bucket, c->acct, c->region);
        pl_delivery__msg_oversized(a, ci, ct ? ct : "UPDATE", NULL,
                                   e.code == PL_E_NO_SUCH_BUCKET ? "NoSuchBucket" : "InternalError",
                                   msg, now, m);
    }
    free(path);
}

/* Builds the message of one outbox row into m. 1: nothing to send, 0: built, -1: error. */
static int build_msg(struct pl_delivery *d, struct pl_arena *a, const struct pl_outbox_item *it,
                     const struct chan *c, struct pl_dmsg *m, struct pl_err *err)
{
    struct pl_err e = {0};
    struct pl_json *p = pl_json_parse(a, it->payload, it->len, &e);
    int64_t now = pl_now_ms(), seq;
    if (!p)
        return 1; /* malformed row: nothing anyone could send */
    if (d->ci_kind != PL_OUTBOX_ANY && it->kind == d->ci_kind) {
        struct pl_json *diff = pl_json_get(p, "configurationItemDiff"), *ci;
        if (pl_json_i64(pl_json_get(p, "seq"), &seq) == 0) {
            struct pl_ci_row row;
            int r = pl_store_ci_get(d->ws, seq, a, &row, err);
            if (r <= 0)
                return r < 0 ? -1 : 1; /* pruned meanwhile */
            ci = pl_delivery__store_render(d->ws, a, &row, &diff, err);
        } else {
            ci = pl_delivery__ci_file_form(a, pl_json_get(p, "configurationItem"), err);
        }
        if (!ci)
            return -1;
        pl_delivery__msg_ci_change(a, ci, diff, now, m);
        maybe_oversized(d, a, c, ci, m);
        return 0;
    }
    if (it->kind == PL_OUTBOX_DELIVERY_COMPLIANCE)
        return pl_delivery__msg_compliance(a, p, now, m);
    if (it->kind == PL_OUTBOX_DELIVERY_RULES_STARTED)
        return pl_delivery__msg_rules_started(a, it->account, it->region,
                                              pl_json_get(p, "configRuleNames"), now, m);
    memset(m, 0, sizeof *m); /* PL_OUTBOX_DELIVERY_MSG: prebuilt */
    m->body = pl_json_get(p, "message");
    m->subject = pl_json_get_str(p, "subject");
    m->type = pl_json_get_str(m->body, "messageType");
    return m->body && m->subject ? 0 : 1;
}

/* Stream status of the channel: saved only when it changes. */
static void stream_status(struct pl_delivery *d, const struct chan *c, const struct pl_err *e)
{
    struct dstate st;
    struct pl_err ignored = {0};
    int64_t now = pl_now_ms();
    if (state_load(d->ws, c->acct, c->region, c->name, &st, &ignored) != 0)
        return;
    const char *want = e ? "FAILURE" : "SUCCESS";
    if (strcmp(st.stream.status, want) == 0 && (!e || strcmp(st.stream.msg, e->msg) == 0))
        return;
    if (e)
        info_fail(&st.stream, e, now);
    else
        info_ok(&st.stream, now);
    state_save(d->ws, c->acct, c->region, c->name, &st, &ignored);
}

/* One notification row: send, then complete or reschedule. */
static void handle_notification(struct pl_delivery *d, struct pl_arena *a,
                                const struct pl_outbox_item *it)
{
    struct chan c;
    struct pl_dmsg m;
    struct pl_err err = {0};
    int64_t now = pl_now_ms();
    if (now - it->created_ms > PL_DELIVERY_EXPIRE_MS) {
        PL_LOG(WARN, "delivery", "outbox=%lld kind=%s attempts=%d expired: not delivered in 24 h",
               (long long)it->id, pl_outbox_kind_name(it->kind), it->attempts);
        pl_metrics_add(EXPIRED_METRIC, NULL, 1);
        pl_store_outbox_complete(d->ws, it->id, &err);
        return;
    }
    int r = chan_of(d->ws, it->account, it->region, a, &c, &err);
    if (r == 0 || (r > 0 && !c.topic)) {
        pl_store_outbox_complete(d->ws, it->id, &err); /* no channel or no topic: dropped */
        return;
    }
    struct topic_state *ts = r > 0 ? topic_get(d, c.topic) : NULL;
    if (ts && ts->blocked_until > now) {
        pl_store_outbox_retry(d->ws, it->id, ts->blocked_until, "waiting behind an earlier "
                              "message of the topic", &err);
        return;
    }
    if (r > 0 && (r = build_msg(d, a, it, &c, &m, &err)) == 0)
        r = send_msg(d, a, &m, c.topic, &err);
    if (r >= 0) {
        struct pl_err e2 = {0};
        pl_store_outbox_complete(d->ws, it->id, &e2);
        if (r == 0 && ts) {
            ts->failures = 0;
            ts->blocked_until = 0;
            stream_status(d, &c, NULL);
        }
        return;
    }
    struct pl_err e2 = {0};
    int failures = ts ? ++ts->failures : it->attempts;
    int64_t next = now + pl_delivery__backoff_ms(failures);
    if (ts)
        ts->blocked_until = next;
    PL_LOG(WARN, "delivery", "outbox=%lld kind=%s attempts=%d retry_in_ms=%lld err=%s",
           (long long)it->id, pl_outbox_kind_name(it->kind), it->attempts,
           (long long)(next - now), err.msg);
    pl_store_outbox_retry(d->ws, it->id, next, err.msg, &e2);
    if (ts)
        stream_status(d, &c, &err);
}

/* Queues a lifecycle message of the channel (when it has a topic) in the outbox. */
static void queue_msg(struct pl_delivery *d, struct pl_arena *a, const struct chan *c,
                      const struct pl_dmsg *m)
{
    if (!c->topic)
        return;
    struct pl_json *o = pl_json_new_obj(a);
    pl_json_set_str(a, o, "subject", m->subject);
    pl_json_set(a, o, "message", pl_json_clone(a, m->body));
    const char *text = pl_json_dump(a, o, PL_JSON_COMPACT);
    struct pl_err e = {0};
    if (pl_store_outbox_add(d->ws, c->acct, c->region, PL_OUTBOX_DELIVERY_MSG, text, strlen(text),
                            NULL, &e))
        PL_LOG(ERROR, "delivery", "queue message failed err=%s", e.msg);
}

/* ---- snapshots and history ---- */

/* Shows a delivery in progress as PENDING (a large snapshot takes minutes). */
static void mark_pending(struct pl_delivery *d, const struct chan *c, struct dstate *st,
                         struct dinfo *info, int64_t now)
{
    struct pl_err ignored = {0};
    if (strcmp(info->status, "PENDING") != 0)
        info->change = now;
    pl_strlcpy(info->status, "PENDING", sizeof info->status);
    info->attempt = now;
    state_save(d->ws, c->acct, c->region, c->name, st, &ignored);
}

static int run_snapshot(struct pl_delivery *d, const struct chan *c, const char *sid,
                        struct dstate *st)
{
    struct pl_arena a;
    struct pl_dmsg m;
    struct pl_dsource src;
    struct pl_dresult res;
    struct pl_err err = {0};
    int64_t now = pl_now_ms();
    pl_arena_init(&a);
    pl_delivery__source_store(&src, d->ws);
    pl_delivery__msg_snapshot(&a, "Started", c->acct, c->region, sid, NULL, NULL, NULL, now, &m);
    queue_msg(d, &a, c, &m);
    mark_pending(d, c, st, &st->snap, now);
    int rc = pl_delivery__deliver_snapshot(d->target, &src, c->bucket, c->prefix, c->acct,
                                           c->region, sid, now, &res, &err);
    now = pl_now_ms();
    if (rc == 0) {
        info_ok(&st->snap, now);
        pl_delivery__msg_snapshot(&a, "Completed", c->acct, c->region, sid, c->bucket, res.key,
                                  NULL, now, &m);
        PL_LOG(INFO, "delivery", "snapshot=%s items=%zu key=%s", sid, res.items, res.key);
    } else {
        info_fail(&st->snap, &err, now);
        pl_delivery__msg_snapshot(&a, "Failed", c->acct, c->region, sid, c->bucket, NULL, err.msg,
                                  now, &m);
        PL_LOG(WARN, "delivery", "snapshot=%s failed err=%s", sid, err.msg);
    }
    queue_msg(d, &a, c, &m);
    pl_arena_fini(&a);
    return rc;
}

struct hist_note {
    struct pl_delivery *d;
    const struct chan *c;
    struct pl_arena *a;
};

static void on_history_file(void *ctx, const char *key)
{
    struct hist_note *h = ctx;
    struct pl_dmsg m;
    pl_delivery__msg_history(h->a, h->c->acct, h->c->region, h->c->bucket, key, pl_now_ms(), &m);
    queue_msg(h->d, h->a, h->c, &m);
}

static int run_history(struct pl_delivery *d, const struct chan *c, struct dstate *st)
{
    struct pl_arena a;
    struct pl_dsource src;
    struct pl_dresult res;
    struct pl_err err = {0};
    int64_t last;
    pl_arena_init(&a);
    pl_delivery__source_store(&src, d->ws);
    struct hist_note note = {d, c, &a};
    mark_pending(d, c, st, &st->hist, pl_now_ms());
    int rc = pl_delivery__deliver_history(d->target, &src, c->bucket, c->prefix, c->acct, c->region,
                                          st->hist_seq, &last, pl_now_ms(), on_history_file, &note,
                                          &res, &err);
    if (rc == 0) {
        st->hist_seq = last;
        info_ok(&st->hist, pl_now_ms());
    } else {
        info_fail(&st->hist, &err, pl_now_ms());
        PL_LOG(WARN, "delivery", "history channel=%s failed err=%s", c->name, err.msg);
    }
    pl_arena_fini(&a);
    return rc;
}

/* Fills the schedule and cursors of a channel seen for the first time (or whose frequency or
 * topic changed): next snapshot one period ahead, history 6 h ahead, cursors at the newest CI
 * (nothing recorded before the channel is announced). Returns 1 when st changed. */
static int state_init(struct pl_store *s, const struct chan *c, struct dstate *st, int64_t now,
                      struct pl_err *err)
{
    int changed = 0;
    const char *topic = c->topic ? c->topic : "";
    int64_t max = -1;
    if ((st->hist.next == 0 || strcmp(st->topic, topic) != 0) &&
        pl_delivery__store_max_seq(s, &max, err) != 0)
        return -1;
    if (st->hist.next == 0) {
        st->hist.next = now + HISTORY_MS;
        st->hist_seq = max;
        changed = 1;
    }
    if (st->freq_ms != c->freq_ms) {
        st->freq_ms = c->freq_ms;
        st->snap.next = now + c->freq_ms;
        changed = 1;
    }
    if (strcmp(st->topic, topic) != 0) {
        pl_strlcpy(st->topic, topic, sizeof st->topic);
        st->stream_seq = max;
        changed = 1;
    }
    return changed;
}

/* Sends m to the channel's topic under the topic's backoff. 0 sent (or nowhere to send), -1
 * failed (the topic is blocked until its retry time; err says why). */
static int send_topic(struct pl_delivery *d, struct pl_arena *a, const struct chan *c,
                      struct topic_state *ts, const struct pl_dmsg *m, struct pl_err *err)
{
    int r = send_msg(d, a, m, c->topic, err);
    if (r >= 0) {
        ts->failures = 0;
        ts->blocked_until = 0;
        return 0;
    }
    ts->blocked_until = pl_now_ms() + pl_delivery__backoff_ms(++ts->failures);
    return -1;
}

/* The CI stream of one channel: CI rows after st->stream_seq, at most `batch` messages.
 * Returns the number sent. */
static int stream_tick(struct pl_delivery *d, const struct chan *c, struct dstate *st)
{
    if (!c->topic || d->ci_kind)
        return 0;
    struct topic_state *ts = topic_get(d, c->topic);
    if (ts->blocked_until > pl_now_ms())
        return 0;
    struct pl_arena a;
    int sent = 0, misses = 0, failed = 0;
    struct pl_err err = {0};
    pl_arena_init(&a);
    /* A hole may be a transaction still committing: only once a later row is visible is an
     * absent row final (SQLite commits seqs in order), so the hole is then probed again. */
    int64_t first_miss = -1, confirmed = st->stream_seq;
    for (int64_t seq = st->stream_seq + 1; sent < d->batch && misses < GAP_PROBE; seq++) {
        struct pl_ci_row row;
        struct pl_dmsg m;
        struct pl_json *diff, *ci;
        pl_arena_reset(&a);
        int r = pl_store_ci_get(d->ws, seq, &a, &row, &err);
        if (r < 0)
            break;
        if (r == 0) {
            if (seq > confirmed) {
                misses++;
                first_miss = first_miss < 0 ? seq : first_miss;
            }
            continue;
        }
        if (first_miss >= 0) { /* re-probe the hole before going past it */
            confirmed = seq;
            seq = first_miss - 1;
            first_miss = -1;
            misses = 0;
            continue;
        }
        misses = 0;
        if (strcmp(row.account, c->acct) == 0 && strcmp(row.region, c->region) == 0) {
            if (!(ci = pl_delivery__store_render(d->ws, &a, &row, &diff, &err))) {
                PL_LOG(ERROR, "delivery", "seq=%lld render failed err=%s", (long long)seq,
                       err.msg);
            } else {
                pl_delivery__msg_ci_change(&a, ci, diff, pl_now_ms(), &m);
                maybe_oversized(d, &a, c, ci, &m);
                if (send_topic(d, &a, c, ts, &m, &err) != 0) {
                    failed = 1;
                    break;
                }
                sent++;
            }
        }
        st->stream_seq = seq;
    }
    pl_arena_fini(&a);
    if (failed) {
        PL_LOG(WARN, "delivery", "topic=%s failures=%d retry_in_ms=%lld err=%s", c->topic,
               ts->failures, (long long)(ts->blocked_until - pl_now_ms()), err.msg);
        info_fail(&st->stream, &err, pl_now_ms());
    } else if (sent && strcmp(st->stream.status, "SUCCESS") != 0) {
        info_ok(&st->stream, pl_now_ms());
    }
    return sent + failed;
}

/* Periodic work of one channel. Returns the number of deliveries and messages. */
static int channel_tick(struct pl_delivery *d, const struct chan *c, struct pl_err *err)
{
    struct dstate st;
    int64_t now = pl_now_ms();
    if (!c->bucket || state_load(d->ws, c->acct, c->region, c->name, &st, err) != 0)
        return c->bucket ? -1 : 0;
    int64_t cursor = st.stream_seq;
    int done = state_init(d->ws, c, &st, now, err);
    if (done < 0)
        return -1;
    if (done) /* new schedule: nothing is due yet */
        return state_save(d->ws, c->acct, c->region, c->name, &st, err) < 0 ? -1 : 0;
    done = stream_tick(d, c, &st);
    if (now >= st.snap.next) {
        char sid[37];
        pl_uuid(sid);
        int rc = run_snapshot(d, c, sid, &st);
        int64_t retry = now + pl_delivery__backoff_ms(st.snap.failures);
        st.snap.next = rc == 0 || retry > now + c->freq_ms ? now + c->freq_ms : retry;
        done++;
    }
    if (now >= st.hist.next) {
        int rc = run_history(d, c, &st);
        int64_t retry = now + pl_delivery__backoff_ms(st.hist.failures);
        st.hist.next = rc == 0 || retry > now + HISTORY_MS ? now + HISTORY_MS : retry;
        done++;
    }
    if ((done || st.stream_seq != cursor) &&
        state_save(d->ws, c->acct, c->region, c->name, &st, err) != 0)
        return -1;
    return done;
}

/* An on-demand snapshot row. */
static void handle_snapshot_row(struct pl_delivery *d, struct pl_arena *a,
                                const struct pl_outbox_item *it)
{
    struct chan c;
    struct dstate st;
    struct pl_err err = {0};
    struct pl_json *p = pl_json_parse(a, it->payload, it->len, &err);
    const char *sid = pl_json_get_str(p, "configSnapshotId");
    if (!sid || chan_of(d->ws, it->account, it->region, a, &c, &err) <= 0 || !c.bucket ||
        state_load(d->ws, c.acct, c.region, c.name, &st, &err) != 0) {
        pl_store_outbox_complete(d->ws, it->id, &err);
        return;
    }
    run_snapshot(d, &c, sid, &st);
    pl_store_outbox_complete(d->ws, it->id, &err);
    state_save(d->ws, c.acct, c.region, c.name, &st, &err);
}

/* ---- the tick ---- */

static int drain_kind(struct pl_delivery *d, enum pl_outbox_kind kind, struct pl_err *err)
{
    struct pl_arena a, item;
    struct pl_outbox_item *items;
    size_t n;
    pl_arena_init(&a);
    pl_arena_init(&item);
    if (pl_store_outbox_claim(d->ws, kind, d->batch, LEASE_MS, &a, &items, &n, err) != 0) {
        n = (size_t)-1;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (kind == PL_OUTBOX_DELIVERY_SNAPSHOT)
            handle_snapshot_row(d, &item, &items[i]);
        else
            handle_notification(d, &item, &items[i]);
        pl_arena_reset(&item);
    }
out:
    pl_arena_fini(&item);
    pl_arena_fini(&a);
    return (int)n;
}

static int channels_tick(struct pl_delivery *d, struct pl_err *err)
{
    struct pl_arena a;
    struct pl_obj *objs;
    size_t n;
    int done = 0;
    pl_arena_init(&a);
    if (pl_store_obj_list(d->ws, NULL, NULL, PL_KIND_CHANNEL, NULL, 0, &a, &objs, &n, err) != 0) {
        done = -1;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct pl_err e = {0};
        struct pl_json *j = pl_json_parse(&a, objs[i].json, objs[i].len, &e);
        struct chan c;
        if (!j)
            continue;
        chan_from_json(&c, &objs[i], j);
        int r = channel_tick(d, &c, &e);
        if (r < 0)
            PL_LOG(ERROR, "delivery", "channel=%s/%s/%s err=%s", c.acct, c.region, c.name, e.msg);
        else
            done += r;
    }
out:
    pl_arena_fini(&a);
    return done;
}

int pl_delivery_tick(struct pl_delivery *d, struct pl_err *err)
{
    const enum pl_outbox_kind kinds[] = {PL_OUTBOX_DELIVERY_SNAPSHOT, PL_OUTBOX_DELIVERY_COMPLIANCE,
                                         PL_OUTBOX_DELIVERY_RULES_STARTED, PL_OUTBOX_DELIVERY_MSG,
                                         d->ci_kind};
    int total = 0;
    for (size_t i = 0; i < PL_ARRAY_LEN(kinds) && kinds[i] != PL_OUTBOX_ANY; i++) {
        int n = drain_kind(d, kinds[i], err);
        if (n < 0)
            return -1;
        total += n;
    }
    /* the channels' schedules run in one process of those sharing the store (store.h) */
    int n = pl_store_lead(d->ws, PL_STORE_JOB_DELIVERY, err);
    if (n > 0)
        n = channels_tick(d, err);
    if (n < 0)
        return -1;
    total += n;
    /* lifecycle messages queued by this tick's deliveries go out in the same tick */
    if (n > 0 && (n = drain_kind(d, PL_OUTBOX_DELIVERY_MSG, err)) > 0)
        total += n;
    return total;
}

static void *worker_main(void *arg)
{
    struct pl_delivery *d = arg;
    pthread_mutex_lock(&d->mu);
    while (!d->stop) {
        pthread_mutex_unlock(&d->mu);
        struct pl_err err = {0};
        int n = pl_delivery_tick(d, &err);
        if (n < 0)
            PL_LOG(ERROR, "delivery", "tick failed err=%s", err.msg);
        pthread_mutex_lock(&d->mu);
        if (n >= d->batch || d->kicked || d->stop) { /* more work may be waiting */
            d->kicked = 0;
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (int64_t)d->tick_ms * 1000000;
        ts.tv_sec += ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&d->cv, &d->mu, &ts);
        d->kicked = 0;
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

void pl_delivery_kick(struct pl_delivery *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->mu);
    d->kicked = 1;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

/* The outbox listener: committed work for delivery. */
static void wake(void *arg)
{
    pl_delivery_kick(arg);
}

/* ---- lifecycle ---- */

static char *opt_or_env(const char *v, const char *env)
{
    if (!v)
        v = getenv(env);
    return v && *v ? pl_xstrdup(v) : NULL;
}

struct pl_delivery *pl_delivery_start(struct pl_store *store, const struct pl_delivery_options *o,
                                      struct pl_err *err)
{
    (void)store; /* not thread-safe: delivery opens its own connections on the same store */
    if (!o || !o->data_dir)
        return pl_fail(err, PL_E_VALIDATION, "delivery needs the data directory"), NULL;
    struct pl_delivery *d = pl_xcalloc(1, sizeof *d);
    pthread_mutex_init(&d->mu, NULL);
    pthread_mutex_init(&d->amu, NULL);
    pthread_cond_init(&d->cv, NULL);
    d->data_dir = pl_xstrdup(o->data_dir);
    d->spec = pl_xstrdup(o->store_spec ? o->store_spec : o->data_dir);
    d->ci_kind = o->ci_kind;
    d->tick_ms = o->tick_ms > 0 ? o->tick_ms : 1000;
    pl_metrics_help(EXPIRED_METRIC, "Notifications dropped, not delivered within 24 hours.");
    pl_metrics_add(EXPIRED_METRIC, NULL, 0);
    d->batch = o->batch > 0 ? o->batch : 256;
    d->ak = opt_or_env(o->access_key, "AWS_ACCESS_KEY_ID");
    d->sk = opt_or_env(o->secret_key, "AWS_SECRET_ACCESS_KEY");
    d->token = opt_or_env(o->session_token, "AWS_SESSION_TOKEN");
    d->sns_endpoint = o->sns_endpoint ? pl_xstrdup(o->sns_endpoint) : NULL;
    d->sns = (struct pl_sns_conf){d->sns_endpoint, d->ak, d->sk, d->token};
    size_t n = strlen(o->data_dir) + 32;
    char *staging = pl_xmalloc(n), *root = NULL;
    snprintf(staging, n, "%s/delivery-staging", o->data_dir);
    if (o->s3_endpoint) {
        struct pl_s3_conf sc = {o->s3_endpoint, o->s3_region, d->ak, d->sk, d->token, staging};
        d->target = pl_delivery__target_s3(&sc, err);
    } else {
        root = o->delivery_dir ? pl_xstrdup(o->delivery_dir) : pl_xmalloc(n);
        if (!o->delivery_dir)
            snprintf(root, n, "%s/buckets", o->data_dir);
        d->target = pl_delivery__target_local(root, err);
    }
    free(staging);
    free(root);
    if (!d->target || pl_store_open(d->spec, 0, &d->ws, err) != 0 ||
        pl_store_open(d->spec, 0, &d->as, err) != 0)
        goto fail;
    if (!o->no_thread) {
        if (pthread_create(&d->th, NULL, worker_main, d) != 0) {
            pl_fail(err, PL_E_INTERNAL, "cannot start the delivery thread");
            goto fail;
        }
        d->has_thread = 1;
        /* what the rules engine queues wakes the worker at once (the API kicks it for the CIs
         * it records, and the worker runs its own messages in the next tick; a wake per
         * recorded CI cost a third of the notification throughput); other processes' work
         * is found by the tick_ms poll */
        unsigned mask =
            1u << PL_OUTBOX_DELIVERY_COMPLIANCE | 1u << PL_OUTBOX_DELIVERY_RULES_STARTED;
        d->listener = pl_store_outbox_listen(d->ws, mask, wake, d);
    }
    return d;
fail:
    pl_delivery_stop(d);
    return NULL;
}

void pl_delivery_stop(struct pl_delivery *d)
{
    if (!d)
        return;
    pl_store_outbox_unlisten(d->listener);
    if (d->has_thread) {
        pthread_mutex_lock(&d->mu);
        d->stop = 1;
        pthread_cond_signal(&d->cv);
        pthread_mutex_unlock(&d->mu);
        pthread_join(d->th, NULL);
    }
    pl_store_close(d->ws);
    pl_store_close(d->as);
    pl_delivery__target_free(d->target);
    free(d->data_dir);
    free(d->spec);
    free(d->ak);
    free(d->sk);
    free(d->token);
    free(d->sns_endpoint);
    pthread_mutex_destroy(&d->mu);
    pthread_mutex_destroy(&d->amu);
    pthread_cond_destroy(&d->cv);
    free(d);
}

/* ---- API hooks ---- */

int pl_delivery_check_channel(struct pl_delivery *d, const char *account, const char *region,
                              const struct pl_json *ch, struct pl_err *err)
{
    const char *bucket = pl_json_get_str(ch, "s3BucketName");
    const struct pl_json *props = pl_json_get(ch, "configSnapshotDeliveryProperties");
    const char *freq = pl_json_get_str(props, "deliveryFrequency");
    if (pl_delivery__check_bucket_name(bucket, err) != 0 ||
        pl_delivery__check_prefix(pl_json_get(ch, "s3KeyPrefix"), err) != 0 ||
        pl_delivery__check_kms_arn(pl_json_get(ch, "s3KmsKeyArn"), err) != 0 ||
        pl_delivery__check_topic_arn(pl_json_get(ch, "snsTopicARN"), err) != 0)
        return -1;
    const char *topic = pl_json_get_str(ch, "snsTopicARN");
    if (topic && !pl_delivery__topic_of(topic, account))
        return pl_fail(err, PL_E_INVALID_SNSTOPIC_ARN,
                       "The sns topic arn '%.200s' is not valid: a delivery channel can notify "
                       "only topics of its own account (%s).",
                       topic, account);
    if (freq && pl_delivery__frequency_ms(freq, err) < 0)
        return -1;
    if (!d)
        return 0;
    if (d->target->ops->bucket_check(d->target, bucket, err) != 0)
        return -1;
    if (d->target->ops->claim && d->target->ops->claim(d->target, bucket, account, err) != 0)
        return -1;
    struct pl_err e = {0};
    const char *prefix = pl_json_get_str(ch, "s3KeyPrefix");
    if (pl_delivery__target_writability(d->target, bucket, prefix, account, &e) != 0)
        return pl_fail(err, PL_E_INSUFFICIENT_DELIVERY_POLICY,
                       "Insufficient delivery policy to s3 bucket: %s, unable to write to "
                       "bucket, provided s3 key prefix is '%s'.",
                       bucket, prefix ? prefix : "null");
    return 0;
}

int pl_delivery_channel_put(struct pl_delivery *d, const char *account, const char *region,
                            const struct pl_json *channel, struct pl_err *err)
{
    if (!d)
        return 0;
    struct dstate st;
    struct chan c;
    struct pl_obj o = {.account = account, .region = region,
                       .name = pl_json_get_str(channel, "name")};
    int rc = -1;
    if (!o.name)
        return 0;
    chan_from_json(&c, &o, channel);
    pthread_mutex_lock(&d->amu);
    /* the cursors start here, so CIs recorded before the worker's next tick are announced;
     * an existing status (a replaced channel) is the worker's to update */
    if (state_load(d->as, account, region, o.name, &st, err) == 0) {
        int r = st.exists ? 0 : state_init(d->as, &c, &st, pl_now_ms(), err);
        rc = r > 0 ? state_save(d->as, account, region, o.name, &st, err) : r;
    }
    pthread_mutex_unlock(&d->amu);
    pl_delivery_kick(d); /* the worker picks the channel (and a new frequency) up */
    return rc;
}

int pl_delivery_channel_delete(struct pl_delivery *d, const char *account, const char *region,
                               const char *name, struct pl_err *err)
{
    if (!d)
        return 0;
    pthread_mutex_lock(&d->amu);
    int r = pl_store_obj_delete(d->as, account, region, PL_KIND_CHANNEL_STATUS, name, err);
    pthread_mutex_unlock(&d->amu);
    return r < 0 ? -1 : 0;
}

int pl_delivery_snapshot_now(struct pl_delivery *d, const char *account, const char *region,
                             const char *name, char sid[37], struct pl_err *err)
{
    struct pl_arena a;
    struct pl_obj o;
    int rc = -1;
    pl_arena_init(&a);
    pthread_mutex_lock(&d->amu);
    int r = pl_store_obj_get(d->as, account, region, PL_KIND_CHANNEL, name, &a, &o, err);
    if (r == 0)
        pl_fail(err, PL_E_NO_SUCH_DELIVERY_CHANNEL,
                "Cannot find delivery channel with specified name '%s'.", name);
    if (r <= 0)
        goto out;
    pl_uuid(sid);
    const char *payload =
        pl_arena_printf(&a, "{\"configSnapshotId\":\"%s\",\"channel\":", sid);
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    pl_buf_puts(&b, payload);
    pl_json_write_str(&b, name, strlen(name));
    pl_buf_putc(&b, '}');
    rc = pl_store_outbox_add(d->as, account, region, PL_OUTBOX_DELIVERY_SNAPSHOT, b.data, b.len,
                             NULL, err);
    pl_buf_fini(&b);
out:
    pthread_mutex_unlock(&d->amu);
    pl_arena_fini(&a);
    if (rc == 0)
        pl_delivery_kick(d);
    return rc;
}

struct pl_json *pl_delivery_status_json(struct pl_delivery *d, struct pl_arena *a,
                                        const char *account, const char *region,
                                        const char *name)
{
    struct dstate st;
    struct pl_err err = {0};
    memset(&st, 0, sizeof st);
    if (d) {
        pthread_mutex_lock(&d->amu);
        if (state_load(d->as, account, region, name, &st, &err) != 0)
            memset(&st, 0, sizeof st);
        pthread_mutex_unlock(&d->amu);
    }
    struct pl_json *o = pl_json_new_obj(a);
    pl_json_set_str(a, o, "name", name);
    pl_json_set(a, o, "configSnapshotDeliveryInfo", info_json(a, &st.snap, 0));
    pl_json_set(a, o, "configHistoryDeliveryInfo", info_json(a, &st.hist, 0));
    pl_json_set(a, o, "configStreamDeliveryInfo", info_json(a, &st.stream, 1));
    return o;
}

int pl_delivery_read_object(struct pl_delivery *d, const char *bucket, const char *key,
                            const char *account, size_t max, char **text, size_t *len,
                            struct pl_err *err)
{
    *text = NULL;
    if (!d || !d->target->ops->read)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "plumb reads TemplateS3Uri from its delivery target, and this server "
                       "runs without delivery");
    return d->target->ops->read(d->target, bucket, key, account, max, text, len, err);
}

int pl_delivery_write_object(struct pl_delivery *d, const char *bucket, const char *key,
                             const char *account, const char *text, size_t len,
                             const char *content_type, struct pl_err *err)
{
    if (!d)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "plumb writes to S3 buckets through its delivery target, and this server "
                       "runs without delivery");
    struct pl_dtarget *t = d->target;
    if (t->ops->bucket_check(t, bucket, err) < 0 ||
        (t->ops->claim && t->ops->claim(t, bucket, account, err) < 0))
        return -1;
    return pl_delivery__target_write_text(t, bucket, key, text, len, content_type, err);
}
