/* record_cmd.c — `plumb record`: imports configuration items into a data directory.
 *
 *   plumb record [--data DIR | --endpoint URL] [options] FILE...|-
 *
 * Each FILE is JSON Lines, a JSON array, or an AWS ConfigSnapshot/ConfigHistory file
 * ({"configurationItems":[...]}), gzip or not, in any CI dialect (docs/recording.md). CIs go
 * through the recorder in batches (one transaction per batch), so the import is safe while
 * `plumb serve` runs on the same directory: the server's requests wait at most one batch.
 * Memory stays flat: at most RING CIs (and RING_BYTES of input) are in flight, and a batch ends
 * at --batch CIs or BATCH_BYTES of input, whichever comes first. The progress line and the
 * summary count only CIs of committed batches.
 *
 * Two threads: a reader thread reads, splits, parses and prepares CIs (pl_rec_prepare: all the
 * work that needs no store) into a ring of RING slots; the calling thread takes them in order
 * and records them (pl_rec_batch_add_prepared: dedupe, diff, SQL). Order is kept, so history
 * files import in their order.
 *
 * The summary counts CIs recorded, unchanged and skipped (no running recorder, outside the
 * recording group — "N as ResourceNotRecorded": identity-only CIs written for those —, held for
 * the daily recording, or older than the latest version), and errors; then the same per
 * partition ("into ACCOUNT/REGION: ..."), and a warning for each account no key of the data
 * directory belongs to. --account/--region record into that partition whatever the CI names.
 *
 * Exit status: 0 all CIs were read (recorded, unchanged or skipped by the recording group),
 * 1 some CIs or files failed, 2 usage.
 */
#include <getopt.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/client.h"
#include "core/log.h"
#include "core/time.h"
#include "core/util.h"
#include "recorder/recorder.h"
#include "recorder/sources/file.h"

#define DEFAULT_BATCH 5000
#define MAX_REPORTED_ERRORS 20
#define RING 2048
/* CIs in flight between the threads, and a batch's CIs, are bounded by bytes too, so memory
 * stays flat whatever the size of the CIs (a 40 MB CI is one slot and ends its batch). */
#define RING_BYTES  (16LL << 20)
#define BATCH_BYTES (64LL << 20)


enum slot_kind { SLOT_CI, SLOT_ERROR, SLOT_FILE_END, SLOT_DONE };

struct slot {
    enum slot_kind kind;
    struct pl_rec_prep *prep;
    const char *name; /* file name (argv, stable) */
    long line;
    char msg[256];
    int64_t raw_off, size; /* reader position, for progress */
    int64_t bytes;         /* input bytes of the CI (the budget of RING_BYTES) */
};

/* Outcomes of the CIs of the open batch: added to the totals when the batch commits, so the
 * progress and the summary count only what is stored. */
struct rec_counts {
    int64_t recorded, unchanged, skipped, stale, identity_only;
};

/* Where the CIs went: the outcomes per partition, of the open batch (cur) and committed
 * (total). Imports touch few partitions; past MAX_PARTS the rest are counted in the last. */
#define MAX_PARTS 64
struct part_count {
    char account[13], region[32];
    struct rec_counts cur, total;
};

struct rec_run {
    struct pl_store *store;
    struct pl_rec_opts opts;
    struct pl_rec_batch *batch;
    int batch_size, in_batch;
    int64_t batch_bytes;     /* input bytes of the open batch */
    struct rec_counts cur;   /* outcomes of the open batch */
    struct part_count parts[MAX_PARTS];
    size_t nparts;
    int64_t inflight_bytes;  /* bytes of the slots between head and tail (under mu) */
    bool quiet, progress;
    int64_t recorded, unchanged, skipped, stale, errors;
    int64_t identity_only; /* of skipped: written as ResourceNotRecorded (recording group) */
    int64_t start_ns, last_progress_ns;
    /* the ring between the reader thread and the recording thread */
    pthread_mutex_t mu;
    pthread_cond_t not_full, not_empty;
    struct slot ring[RING];
    size_t head, tail; /* head: next to fill (reader); tail: next to take (recorder) */
    bool stop;         /* the recorder gave up: the reader stops */
    bool consumer_waiting, producer_waiting;
    char **files;
    int nfiles;
    struct pl_arena wrap; /* reader thread: wrapper documents */
    bool stats;                         /* --stats: CPU time per thread */
    int64_t reader_cpu_ns, writer_cpu_ns;
};

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Counts an error and shows the first MAX_REPORTED_ERRORS. name NULL: msg names its place. */
static void report(struct rec_run *r, const char *name, long line, const char *msg)
{
    const char *nl = r->progress ? "\n" : "";
    if (++r->errors > MAX_REPORTED_ERRORS) {
        if (r->errors == MAX_REPORTED_ERRORS + 1)
            fprintf(stderr, "%s(more errors not shown)\n", nl);
        return;
    }
    if (name)
        fprintf(stderr, "%s%s:%ld: %s\n", nl, name, line, msg);
    else
        fprintf(stderr, "%splumb record: %s\n", nl, msg);
}

/* ---- reader thread ---- */

/* A free slot to fill (waits while the ring is full); NULL when the recorder stopped. */
static struct slot *slot_get(struct rec_run *r)
{
    pthread_mutex_lock(&r->mu);
    while ((r->head - r->tail == RING ||
            (r->head != r->tail && r->inflight_bytes >= RING_BYTES)) &&
           !r->stop) {
        r->producer_waiting = true;
        if (r->consumer_waiting) /* whatever is in flight is all it gets: take it */
            pthread_cond_signal(&r->not_empty);
        pthread_cond_wait(&r->not_full, &r->mu);
    }
    r->producer_waiting = false;
    struct slot *sl = r->stop ? NULL : &r->ring[r->head % RING];
    pthread_mutex_unlock(&r->mu);
    if (sl) {
        pl_rec_prep_reset(sl->prep);
        sl->msg[0] = '\0';
        sl->bytes = 0;
    }
    return sl;
}

/* Publishes the filled slot. A waiting recorder is woken for a run of RING/8 CIs (or RING_BYTES/8
 * of them, or a marker), not for each CI, so the pipeline runs without a context switch per CI. */
static void slot_put(struct rec_run *r)
{
    pthread_mutex_lock(&r->mu);
    const struct slot *sl = &r->ring[r->head % RING];
    r->inflight_bytes += sl->bytes;
    r->head++;
    /* a waiting recorder is woken for a run of CIs, or at once for markers */
    if (r->consumer_waiting && (r->head - r->tail >= RING / 8 ||
                                r->inflight_bytes >= RING_BYTES / 8 || sl->kind != SLOT_CI))
        pthread_cond_signal(&r->not_empty);
    pthread_mutex_unlock(&r->mu);
}

static void put_marker(struct rec_run *r, enum slot_kind kind, const char *name, long line,
                       const char *msg, struct pl_ci_reader *rd)
{
    struct slot *sl = slot_get(r);
    if (!sl)
        return;
    sl->kind = kind;
    sl->name = name;
    sl->line = line;
    if (msg)
        pl_strlcpy(sl->msg, msg, sizeof sl->msg);
    sl->raw_off = rd ? (int64_t)pl_ci_reader_raw_offset(rd) : 0;
    sl->size = rd ? pl_ci_reader_size(rd) : -1;
    slot_put(r);
}

struct by_time {
    const struct pl_json *ci;
    size_t pos;
    int64_t ms;
};

static int64_t capture_ms(const struct pl_json *ci)
{
    const struct pl_json *t = pl_json_get(ci, "configurationItemCaptureTime");
    int64_t ms;
    if (t && (t->type == PL_JSTR || t->type == PL_JNUM) && pl_time_parse(t->str, &ms) == 0)
        return ms;
    return INT64_MIN; /* unknown: keep the given order, first */
}

static int cmp_time(const void *x, const void *y)
{
    const struct by_time *a = x, *b = y;
    if (a->ms != b->ms)
        return a->ms < b->ms ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* The CIs of a wrapper document ({"configurationItems":[...]}, a recorded API response, an
 * array), or NULL when doc is itself one CI. */
static const struct pl_json *wrapped_items(const struct pl_json *doc)
{
    const struct pl_json *items = NULL;
    if (doc->type == PL_JARR)
        return doc;
    if (doc->type == PL_JOBJ && !pl_json_get(doc, "resourceType")) {
        items = pl_json_get(doc, "configurationItems");
        if (!items)
            items = pl_json_path(doc, "data.configurationItems"); /* recorded API responses */
        if (!items)
            items = pl_json_get(doc, "baseConfigurationItems");
    }
    return items && items->type == PL_JARR ? items : NULL;
}

/* Prepares one CI into a slot (the CI is copied into the slot's arena when it lives
 * elsewhere, i.e. inside a wrapper). */
static void prepare_into(struct rec_run *r, struct slot *sl, const struct pl_json *ci,
                         bool copy, const char *name, long line, struct pl_ci_reader *rd,
                         int64_t bytes)
{
    sl->bytes = bytes;
    struct pl_err err = {0};
    struct pl_arena *a = pl_rec_prep_arena(sl->prep);
    if (copy)
        ci = pl_json_clone(a, ci);
    sl->name = name;
    sl->line = line;
    sl->raw_off = (int64_t)pl_ci_reader_raw_offset(rd);
    sl->size = pl_ci_reader_size(rd);
    if (pl_rec_prepare(sl->prep, &r->opts, ci, &err) < 0) {
        sl->kind = SLOT_ERROR;
        pl_strlcpy(sl->msg, err.msg, sizeof sl->msg);
    } else {
        sl->kind = SLOT_CI;
    }
}

static void read_file(struct rec_run *r, const char *path)
{
    struct pl_err err = {0};
    struct pl_ci_reader *rd;
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    if (pl_ci_reader_open(path, &rd, &err) < 0) {
        put_marker(r, SLOT_ERROR, NULL, 0, err.msg, NULL);
        return;
    }
    const char *text;
    size_t len;
    int rc;
    while ((rc = pl_ci_reader_next(rd, &text, &len, &err)) == 1) {
        long line = pl_ci_reader_line(rd);
        struct slot *sl = slot_get(r);
        if (!sl)
            break;
        struct pl_err perr = {0};
        struct pl_json *doc = pl_json_parse(pl_rec_prep_arena(sl->prep), text, len, &perr);
        if (!doc) {
            sl->kind = SLOT_ERROR;
            sl->name = name;
            sl->line = line;
            pl_strlcpy(sl->msg, perr.msg, sizeof sl->msg);
            slot_put(r);
            continue;
        }
        const struct pl_json *items = wrapped_items(doc);
        if (!items) {
            prepare_into(r, sl, doc, false, name, line, rd, (int64_t)len);
            slot_put(r);
            continue;
        }
        /* a wrapper: its CIs in capture order (API responses list history newest first) */
        pl_arena_reset(&r->wrap);
        doc = pl_json_clone(&r->wrap, doc);
        items = wrapped_items(doc);
        size_t n = 0;
        struct by_time *v = pl_arena_alloc(&r->wrap, (items->len + 1) * sizeof *v);
        for (const struct pl_json *c = items->child; c && n < items->len; c = c->next, n++) {
            v[n].ci = c;
            v[n].pos = n;
            v[n].ms = capture_ms(c);
        }
        qsort(v, n, sizeof *v, cmp_time);
        for (size_t k = 0; k < n; k++) {
            if (k > 0 && !(sl = slot_get(r)))
                break;
            pl_rec_prep_reset(sl->prep);
            prepare_into(r, sl, v[k].ci, true, name, line, rd, (int64_t)(len / n + 1));
            slot_put(r);
        }
        if (n == 0) { /* an empty wrapper: give the slot back as a no-op marker */
            sl->kind = SLOT_FILE_END;
            sl->name = NULL;
            slot_put(r);
        }
    }
    if (rc < 0)
        put_marker(r, SLOT_ERROR, NULL, 0, err.msg, rd);
    put_marker(r, SLOT_FILE_END, name, 0, NULL, rd);
    pl_ci_reader_close(rd);
}

static void *reader_main(void *arg)
{
    struct rec_run *r = arg;
    pthread_setname_np(pthread_self(), "plumb-reader"); /* for top and perf */
    for (int i = 0; i < r->nfiles; i++)
        read_file(r, r->files[i]);
    r->reader_cpu_ns = thread_cpu_ns();
    put_marker(r, SLOT_DONE, NULL, 0, NULL, NULL);
    return NULL;
}

/* ---- recording thread ---- */

static void counts_add(struct rec_counts *to, const struct rec_counts *c)
{
    to->recorded += c->recorded;
    to->unchanged += c->unchanged;
    to->skipped += c->skipped;
    to->stale += c->stale;
    to->identity_only += c->identity_only;
}

/* The open batch's counts of each partition: added to its totals (committed) or dropped. */
static void parts_settle(struct rec_run *r, bool committed)
{
    for (size_t i = 0; i < r->nparts; i++) {
        if (committed)
            counts_add(&r->parts[i].total, &r->parts[i].cur);
        memset(&r->parts[i].cur, 0, sizeof r->parts[i].cur);
    }
}

/* The open batch's counts of the partition res went to. */
static struct rec_counts *part_of(struct rec_run *r, const struct pl_rec_result *res)
{
    size_t i;
    for (i = 0; i < r->nparts; i++)
        if (strcmp(r->parts[i].account, res->account) == 0 &&
            strcmp(r->parts[i].region, res->region) == 0)
            return &r->parts[i].cur;
    if (r->nparts == MAX_PARTS)
        return &r->parts[MAX_PARTS - 1].cur;
    struct part_count *p = &r->parts[r->nparts++];
    pl_strlcpy(p->account, res->account, sizeof p->account);
    pl_strlcpy(p->region, res->region, sizeof p->region);
    return &p->cur;
}

static int flush_batch(struct rec_run *r, bool reopen)
{
    struct pl_err err = {0};
    if (r->batch) {
        int rc = pl_rec_batch_commit(r->batch, &err);
        r->batch = NULL;
        if (rc < 0) {
            fprintf(stderr, "plumb record: %s (the last %d CIs were not stored)\n", err.msg,
                    r->in_batch);
            r->errors += r->in_batch;
            r->in_batch = 0;
            r->batch_bytes = 0;
            memset(&r->cur, 0, sizeof r->cur);
            parts_settle(r, false);
            return -1;
        }
        parts_settle(r, true);
        r->recorded += r->cur.recorded;
        r->unchanged += r->cur.unchanged;
        r->skipped += r->cur.skipped;
        r->stale += r->cur.stale;
        r->identity_only += r->cur.identity_only;
    }
    memset(&r->cur, 0, sizeof r->cur);
    r->in_batch = 0;
    r->batch_bytes = 0;
    if (reopen) {
        r->batch = pl_rec_batch_begin(r->store, &r->opts, &err);
        if (!r->batch) {
            fprintf(stderr, "plumb record: %s\n", err.msg);
            return -1;
        }
    }
    return 0;
}

static void show_progress(struct rec_run *r, const struct slot *sl, bool final)
{
    int64_t now = pl_mono_ns();
    if (!final && now - r->last_progress_ns < 500000000)
        return;
    r->last_progress_ns = now;
    int64_t n = r->recorded + r->unchanged + r->skipped + r->stale + r->errors;
    double secs = (double)(now - r->start_ns) / 1e9;
    char pct[16] = "";
    if (sl->size > 0)
        snprintf(pct, sizeof pct, " %3d%%", (int)(100.0 * (double)sl->raw_off / (double)sl->size));
    fprintf(stderr, "\r%s%s: %" PRId64 " CIs, %" PRId64 " recorded, %.0f CIs/s   ",
            sl->name ? sl->name : "", pct, n, r->recorded, secs > 0 ? (double)n / secs : 0.0);
    if (final)
        fputc('\n', stderr);
}

/* Records one slot. Returns -1 when recording must stop (store failure). */
static int consume(struct rec_run *r, struct slot *sl)
{
    if (sl->kind == SLOT_ERROR) {
        report(r, sl->name, sl->line, sl->msg);
        return 0;
    }
    if (sl->kind == SLOT_FILE_END) {
        if (r->progress && sl->name)
            show_progress(r, sl, true);
        return 0;
    }
    struct pl_err err = {0};
    struct pl_rec_result res;
    if (!r->batch && flush_batch(r, true) < 0)
        return -1;
    if (pl_rec_batch_add_prepared(r->batch, sl->prep, &res, &err) < 0) {
        report(r, sl->name, sl->line, err.msg);
        if (err.code == PL_E_INTERNAL || err.code == PL_E_IO || err.code == PL_E_UNAVAILABLE) {
            flush_batch(r, false); /* rolls back the failed batch */
            return -1;
        }
        return 0;
    }
    struct rec_counts one = {0};
    switch (res.outcome) {
    case PL_REC_RECORDED:
        one.recorded = 1;
        break;
    case PL_REC_UNCHANGED:
        one.unchanged = 1;
        break;
    case PL_REC_IDENTITY_ONLY: /* its configuration is not recorded: skipped, with a trace */
        one.identity_only = 1;
        one.skipped = 1;
        break;
    case PL_REC_NOT_RECORDED:
    case PL_REC_PENDING: /* a live CI (--now) of a DAILY type: the daily flush records it */
        one.skipped = 1;
        break;
    case PL_REC_STALE:
        one.stale = 1;
        break;
    }
    counts_add(&r->cur, &one);
    counts_add(part_of(r, &res), &one);
    r->batch_bytes += sl->bytes;
    int rc = 0;
    if (++r->in_batch >= r->batch_size || r->batch_bytes >= BATCH_BYTES)
        rc = flush_batch(r, true);
    if (r->progress)
        show_progress(r, sl, false); /* counts what is committed */
    return rc;
}

/* Runs the reader thread and records what it prepares. Returns -1 after a store failure. */
static int run_pipeline(struct rec_run *r)
{
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->not_full, NULL);
    pthread_cond_init(&r->not_empty, NULL);
    for (int i = 0; i < RING; i++)
        r->ring[i].prep = pl_rec_prep_new();
    pl_arena_init(&r->wrap);
    pthread_t th;
    if (pthread_create(&th, NULL, reader_main, r) != 0) {
        fprintf(stderr, "plumb record: cannot start the reader thread\n");
        return -1;
    }
    int status = 0;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        while (r->head == r->tail) {
            r->consumer_waiting = true;
            pthread_cond_wait(&r->not_empty, &r->mu);
        }
        r->consumer_waiting = false;
        struct slot *sl = &r->ring[r->tail % RING];
        pthread_mutex_unlock(&r->mu);
        if (sl->kind == SLOT_DONE)
            break;
        if (status == 0 && consume(r, sl) < 0) {
            status = -1;
            pthread_mutex_lock(&r->mu);
            r->stop = true; /* the reader stops at its next slot */
            pthread_cond_signal(&r->not_full);
            pthread_mutex_unlock(&r->mu);
        }
        pl_rec_prep_reset(sl->prep); /* give its memory back now, not when the slot is reused */
        pthread_mutex_lock(&r->mu);
        r->inflight_bytes -= sl->bytes;
        r->tail++;
        /* wake a waiting reader only once half the ring (and half its bytes) is free again */
        if (r->producer_waiting &&
            ((r->head - r->tail <= RING / 2 && r->inflight_bytes <= RING_BYTES / 2) || r->stop))
            pthread_cond_signal(&r->not_full);
        bool stopped = r->stop && r->head == r->tail;
        pthread_mutex_unlock(&r->mu);
        if (stopped)
            break;
    }
    pthread_join(th, NULL);
    if (flush_batch(r, false) < 0)
        status = -1;
    r->writer_cpu_ns = thread_cpu_ns();
    for (int i = 0; i < RING; i++)
        pl_rec_prep_free(r->ring[i].prep);
    pl_arena_fini(&r->wrap);
    pthread_cond_destroy(&r->not_full);
    pthread_cond_destroy(&r->not_empty);
    pthread_mutex_destroy(&r->mu);
    return status;
}


/* ---- --endpoint: PlumbService.RecordConfigurationItems on a running server ---- */

#define REMOTE_MAX_ITEMS 500
#define REMOTE_MAX_BYTES (1 << 20)

struct remote {
    struct rec_run *r;
    struct pl_client_aws api; /* the kept-alive connection is the calling thread's */
    struct pl_buf req;
    int nitems;
    const char *names[REMOTE_MAX_ITEMS]; /* where each item came from, for messages */
    long lines[REMOTE_MAX_ITEMS];
    struct pl_arena a;
};

/* Sends the accumulated items. -1 when the server cannot be used (stop). */
static int remote_flush(struct remote *rm)
{
    struct rec_run *r = rm->r;
    if (rm->nitems == 0)
        return 0;
    pl_buf_puts(&rm->req, "]}");
    pl_arena_reset(&rm->a);
    struct pl_err err = {0};
    struct pl_json *j = NULL;
    long status = 0;
    int rc = pl_client_aws_json(&rm->api, rm->req.data, rm->req.len, &rm->a, &j, &status, &err);
    int n = rm->nitems;
    rm->nitems = 0;
    pl_buf_reset(&rm->req);
    if (rc != 0) {
        if (status != 0 && status != 200) /* an AWS error reply: "ENDPOINT: Type: message" */
            fprintf(stderr, "plumb record: %s: %s\n", rm->api.endpoint, err.msg);
        else
            fprintf(stderr, "plumb record: %s\n", err.msg);
        r->errors += n;
        /* a rejected request (bad credentials, unknown operation) will not get better */
        return -1;
    }
    int64_t v;
    if (pl_json_i64(pl_json_get(j, "recorded"), &v) == 0)
        r->recorded += v;
    if (pl_json_i64(pl_json_get(j, "unchanged"), &v) == 0)
        r->unchanged += v;
    if (pl_json_i64(pl_json_get(j, "notRecorded"), &v) == 0)
        r->skipped += v;
    if (pl_json_i64(pl_json_get(j, "pending"), &v) == 0) /* held for the daily recording */
        r->skipped += v;
    if (pl_json_i64(pl_json_get(j, "identityOnly"), &v) == 0) /* counted in notRecorded */
        r->identity_only += v;
    for (const struct pl_json *f = pl_json_get(j, "failed") ? pl_json_get(j, "failed")->child
                                                            : NULL;
         f; f = f->next) {
        int64_t idx = -1;
        pl_json_i64(pl_json_get(f, "index"), &idx);
        const char *msg = pl_json_get_str(f, "message");
        report(r, idx >= 0 && idx < n ? rm->names[idx] : "?", idx >= 0 && idx < n ? rm->lines[idx] : 0,
               msg ? msg : "failed");
    }
    return 0;
}

/* Adds one CI (its JSON text) to the next request. */
static int remote_add(struct remote *rm, const char *text, size_t len, const char *name,
                      long line)
{
    if (rm->nitems > 0 && (rm->nitems == REMOTE_MAX_ITEMS || rm->req.len + len > REMOTE_MAX_BYTES))
        if (remote_flush(rm) < 0)
            return -1;
    pl_buf_puts(&rm->req, rm->nitems ? "," : "{\"configurationItems\":[");
    pl_buf_append(&rm->req, text, len);
    rm->names[rm->nitems] = name;
    rm->lines[rm->nitems] = line;
    rm->nitems++;
    return 0;
}

static int remote_file(struct remote *rm, const char *path)
{
    struct rec_run *r = rm->r;
    struct pl_err err = {0};
    struct pl_ci_reader *rd;
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    if (pl_ci_reader_open(path, &rd, &err) < 0) {
        report(r, NULL, 0, err.msg);
        return 0;
    }
    struct pl_arena a;
    pl_arena_init(&a);
    const char *text;
    size_t len;
    int rc, status = 0;
    while (status == 0 && (rc = pl_ci_reader_next(rd, &text, &len, &err)) == 1) {
        long line = pl_ci_reader_line(rd);
        pl_arena_reset(&a);
        struct pl_err perr = {0};
        struct pl_json *doc = pl_json_parse(&a, text, len, &perr);
        if (!doc) {
            report(r, name, line, perr.msg);
            continue;
        }
        const struct pl_json *items = wrapped_items(doc);
        if (!items) {
            status = remote_add(rm, text, len, name, line);
            continue;
        }
        size_t n = 0;
        struct by_time *v = pl_arena_alloc(&a, (items->len + 1) * sizeof *v);
        for (const struct pl_json *c = items->child; c && n < items->len; c = c->next, n++) {
            v[n].ci = c;
            v[n].pos = n;
            v[n].ms = capture_ms(c);
        }
        qsort(v, n, sizeof *v, cmp_time);
        for (size_t k = 0; k < n && status == 0; k++) {
            const char *t = pl_json_dump(&a, v[k].ci, PL_JSON_COMPACT);
            status = remote_add(rm, t, strlen(t), name, line);
        }
    }
    if (status == 0 && rc < 0)
        report(r, NULL, 0, err.msg);
    pl_arena_fini(&a);
    pl_ci_reader_close(rd);
    return status;
}

/* Sends every file to the server. Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. */
static int run_remote(struct rec_run *r, const char *endpoint, const char *region)
{
    const char *key = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
    if (!key || !secret) {
        fprintf(stderr, "plumb record: --endpoint needs AWS_ACCESS_KEY_ID and "
                        "AWS_SECRET_ACCESS_KEY (plumb serve prints them; see plumb credentials)\n");
        return -2;
    }
    struct remote rm = {
        .r = r,
        .api = {.endpoint = endpoint, .target = "PlumbService.RecordConfigurationItems",
                .sigv4 = {.service = "config", .region = region, .access_key = key,
                          .secret_key = secret},
                .timeout_ms = 120000, .max_body = 16 << 20},
    };
    pl_arena_init(&rm.a);
    pl_buf_init(&rm.req, PL_BUF_NOLIMIT);
    int status = 0;
    for (int i = 0; i < r->nfiles && status == 0; i++)
        status = remote_file(&rm, r->files[i]);
    if (status == 0)
        status = remote_flush(&rm);
    pl_client_thread_done();
    pl_buf_fini(&rm.req);
    pl_arena_fini(&rm.a);
    return status;
}

/* The last line of an import: "recorded N, unchanged N, skipped N[ (N as ResourceNotRecorded)],
 * errors N (T s[, R CIs/s])" on stderr. */
static void print_summary(const struct rec_run *r, bool rate)
{
    double secs = (double)(pl_mono_ns() - r->start_ns) / 1e9;
    int64_t n = r->recorded + r->unchanged + r->skipped + r->stale + r->errors;
    char unrec[48] = "", speed[40] = "";
    if (r->identity_only)
        snprintf(unrec, sizeof unrec, " (%" PRId64 " as ResourceNotRecorded)", r->identity_only);
    if (rate)
        snprintf(speed, sizeof speed, ", %.0f CIs/s", secs > 0 ? (double)n / secs : 0.0);
    fprintf(stderr,
            "recorded %" PRId64 ", unchanged %" PRId64 ", skipped %" PRId64 "%s, errors %" PRId64
            " (%.1f s%s)\n",
            r->recorded, r->unchanged, r->skipped + r->stale, unrec, r->errors, secs, speed);
}

/* "into ACCOUNT/REGION: recorded N, unchanged N, skipped N" for each partition CIs went to. */
static void print_partitions(const struct rec_run *r)
{
    for (size_t i = 0; i < r->nparts; i++) {
        const struct rec_counts *t = &r->parts[i].total;
        if (t->recorded + t->unchanged + t->skipped + t->stale == 0)
            continue;
        fprintf(stderr,
                "  into %s/%s: recorded %" PRId64 ", unchanged %" PRId64 ", skipped %" PRId64
                "\n",
                r->parts[i].account, r->parts[i].region, t->recorded, t->unchanged,
                t->skipped + t->stale);
    }
}

/* Warns about each account CIs went to that no key of DATA/credentials.json belongs to: an
 * account key sees only its own account. Without the file, plumb serve will create a key for
 * the default account, so that one is not warned about. */
static void warn_keyless(const struct rec_run *r, const char *data)
{
    struct pl_arena a;
    pl_arena_init(&a);
    bool have_file = access(pl_arena_printf(&a, "%s/credentials.json", data), F_OK) == 0;
    for (size_t i = 0; i < r->nparts; i++) {
        const char *acct = r->parts[i].account;
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            seen = seen || strcmp(r->parts[j].account, acct) == 0;
        if (seen || (!have_file && strcmp(acct, "123456789012") == 0) ||
            pl_cli_account_key(&a, data, acct, NULL))
            continue;
        fprintf(stderr,
                "plumb record: warning: no access key in %s/credentials.json belongs to "
                "account %s, so no key can read these CIs through the API; add one with "
                "`plumb credentials add --account %s --data %s`, or record into another "
                "account with --account\n",
                data, acct, acct, data);
    }
    pl_arena_fini(&a);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: plumb record [--data DIR | --endpoint URL] [options] FILE...|-\n"
            "\n"
            "Imports configuration items: JSON Lines, a JSON array, or an AWS ConfigSnapshot /\n"
            "ConfigHistory file (.gz or not), in any AWS CI dialect. '-' reads stdin.\n"
            "\n"
            "  --data DIR        data directory (default ./plumb-data); safe while plumb serve runs\n"
            "  --endpoint URL    send to a running plumb server instead (signed with\n"
            "                    AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)\n"
            "  --account ID      record into this account instead of the one each CI names\n"
            "                    (CIs naming none: 123456789012)\n"
            "  --region NAME     record into this region instead of the one each CI names\n"
            "                    (CIs naming none: us-east-1; with --endpoint, the region the\n"
            "                    requests are signed for)\n"
            "  --all             record every CI, ignoring the partitions' recorders\n"
            "  --now             stamp CIs with the current time instead of their capture time\n"
            "  --batch N         CIs per transaction (default %d)\n"
            "  --quiet           no progress and no summary\n"
            "  --stats           also print the CPU time per CI of each thread\n"
            "\n"
            "The summary (stderr) says how many CIs went into each account/region, and warns\n"
            "about an account that no access key of the data directory belongs to.\n",
            DEFAULT_BATCH);
}

int pl_cli_record(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},  {"endpoint", required_argument, NULL, 'e'},
        {"account", required_argument, NULL, 'a'}, {"region", required_argument, NULL, 'r'},
        {"all", no_argument, NULL, 'A'},         {"now", no_argument, NULL, 'n'},
        {"batch", required_argument, NULL, 'b'}, {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},        {"stats", no_argument, NULL, 'S'},
        {NULL, 0, NULL, 0},
    };
    const char *data = "./plumb-data", *endpoint = NULL;
    static struct rec_run r; /* large (the ring); one import per process */
    memset(&r, 0, sizeof r);
    r.opts.mode = PL_REC_MODE_IMPORT;
    r.opts.use_source_time = true;
    r.opts.move_arn = true; /* --account/--region move a CI's ARN with it */
    r.batch_size = DEFAULT_BATCH;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:e:a:r:Anb:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data = optarg;
            break;
        case 'e':
            endpoint = optarg;
            break;
        case 'a':
            if (strlen(optarg) != 12 || strspn(optarg, "0123456789") != 12)
                return pl_cli_usage_error("record", "--account must be 12 digits");
            r.opts.account = optarg; /* overrides the CI's own */
            break;
        case 'r':
            if (!*optarg)
                return pl_cli_usage_error("record", "--region must not be empty");
            r.opts.region = optarg;
            break;
        case 'A':
            r.opts.mode = PL_REC_MODE_ALL;
            break;
        case 'n':
            r.opts.use_source_time = false;
            break;
        case 'b': {
            long long v;
            if (pl_parse_i64(optarg, &v) < 0 || v < 1 || v > 1000000)
                return pl_cli_usage_error("record", "--batch must be 1..1000000");
            r.batch_size = (int)v;
            break;
        }
        case 'q':
            r.quiet = true;
            break;
        case 'S':
            r.stats = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            return pl_cli_getopt_error("record", argv, c);
        }
    }
    if (optind >= argc)
        return pl_cli_usage_error("record", "no input: give FILE... or - for stdin");
    r.files = argv + optind;
    r.nfiles = argc - optind;
    if (endpoint && r.opts.account)
        return pl_cli_usage_error("record", "--account does not go with --endpoint (the server "
                                            "records into the account of your key)");
    if (endpoint) {
        /* through a running server: batches of CIs to PlumbService.RecordConfigurationItems;
         * the server applies the same recorder rules; the request's region is the default
         * partition for CIs without one */
        r.start_ns = pl_mono_ns();
        int st = run_remote(&r, endpoint, r.opts.region ? r.opts.region : "us-east-1");
        if (st == -2)
            return 2;
        if (!r.quiet)
            print_summary(&r, false);
        return (r.errors || st < 0) ? 1 : 0;
    }
    struct pl_err err = {0};
    if (pl_store_open(data, PL_STORE_BG_CHECKPOINT, &r.store, &err) < 0) {
        fprintf(stderr, "plumb record: %s\n", err.msg);
        return 1;
    }
    r.progress = !r.quiet && isatty(2);
    r.start_ns = pl_mono_ns();
    int status = run_pipeline(&r);
    int64_t total = r.recorded + r.unchanged + r.skipped + r.stale;
    if (!r.quiet) {
        print_summary(&r, true);
        print_partitions(&r);
    }
    warn_keyless(&r, data);
    if (r.stats && total + r.errors > 0)
        fprintf(stderr, "cpu per CI: reader thread %.1f us, recording thread %.1f us\n",
                (double)r.reader_cpu_ns / 1e3 / (double)(total + r.errors),
                (double)r.writer_cpu_ns / 1e3 / (double)(total + r.errors));
    pl_store_close(r.store);
    return (r.errors || status < 0) ? 1 : 0;
}
