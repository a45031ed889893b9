/* cloudtrail.c — CloudTrail log files into the store's event tables (sources/cloudtrail.h).
 *
 * Files are split into JSON values by sources/file.c's streaming scanner (top-level arrays,
 * JSON lines, and the elements of a top-level "Records" array one by one), so memory is one
 * record at a time. A reader thread per file parses each value, unwraps it (EventBridge),
 * checks it and finds its resources (trail_keys.c), handing events through a bounded queue
 * (trail_queue.c: memory stays flat) to the calling thread, which stores them (store/trail.h)
 * inside the file's transaction and reports skipped values; a value that is not valid JSON
 * aborts the file (rolled back) since the scanner can no longer be trusted to find the next
 * record.
 *
 * Calls: cloudtrail.c -> trail_keys.c (pl_trail_extract), trail_queue.c, store/trail.h.
 */
#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "core/time.h"
#include "core/util.h"
#include "recorder/recorder.h"
#include "recorder/sources/cloudtrail.h"
#include "recorder/sources/file.h"
#include "recorder/sources/trail_queue.h"

#define MAX_DIR_DEPTH 16
#define MAX_PARTS     64 /* partitions remembered per import for retention */

static const char *const READ_PREFIXES[] = {"Describe", "Get",      "List",  "Head",
                                            "Lookup",   "BatchGet", "Search"};

bool pl_trail_name_read_only(const char *name)
{
    for (size_t i = 0; name && i < PL_ARRAY_LEN(READ_PREFIXES); i++) {
        size_t n = strlen(READ_PREFIXES[i]);
        /* "Get" but not "Getaway": the next letter starts a word */
        if (strncmp(name, READ_PREFIXES[i], n) == 0 && (name[n] < 'a' || name[n] > 'z'))
            return true;
    }
    return false;
}

/* How many bytes of s to quote in a message: at most max, cut at a character boundary. */
static int quote_len(const char *s, size_t max)
{
    size_t n = strlen(s);
    return (int)pl_utf8_valid_prefix(s, n < max ? n : max);
}

/* A string member, NULL when absent, not a string or empty. */
static const char *str(const struct pl_json *o, const char *key)
{
    const char *v = pl_json_get_str(o, key);
    return v && *v ? v : NULL;
}

int pl_trail_record(struct pl_arena *a, const struct pl_json *v, const char *raw, size_t raw_len,
                    struct pl_trail_event *ev, struct pl_err *err)
{
    memset(ev, 0, sizeof *ev);
    if (!v || v->type != PL_JOBJ)
        return pl_fail(err, PL_E_VALIDATION, "not a JSON object"), 0;
    const struct pl_json *rec = v, *env = NULL;
    const char *dt = str(v, "detail-type");
    if (dt) {
        size_t n = strlen(dt);
        const struct pl_json *d = pl_json_get(v, "detail");
        if (n < 14 || strcmp(dt + n - 14, "via CloudTrail") != 0 || !d || d->type != PL_JOBJ)
            return pl_fail(err, PL_E_VALIDATION,
                           "EventBridge event '%.*s' is not a CloudTrail record",
                           quote_len(dt, 100), dt),
                   0;
        env = v;
        rec = d;
    }
    const struct pl_json *ui = pl_json_get(rec, "userIdentity");
    ev->event_id = str(rec, "eventID");
    ev->event_name = str(rec, "eventName");
    ev->event_source = str(rec, "eventSource");
    ev->account = str(rec, "recipientAccountId");
    if (!ev->account)
        ev->account = str(ui, "accountId");
    if (!ev->account && env)
        ev->account = str(env, "account");
    ev->region = str(rec, "awsRegion");
    if (!ev->region && env)
        ev->region = str(env, "region");
    const char *t = str(rec, "eventTime");
    if (!t)
        t = str(rec, "@timestamp"); /* Elastic/Logstash exports */
    const char *missing = !ev->event_id       ? "eventID"
                          : !ev->event_name   ? "eventName"
                          : !ev->event_source ? "eventSource"
                          : !t                ? "eventTime"
                          : !ev->account      ? "recipientAccountId or userIdentity.accountId"
                          : !ev->region       ? "awsRegion"
                                              : NULL;
    if (missing)
        return pl_fail(err, PL_E_VALIDATION, "no %s", missing), 0;
    if (strlen(ev->event_id) > 256 || strlen(ev->account) > 64 || strlen(ev->region) > 64)
        return pl_fail(err, PL_E_VALIDATION, "eventID, account or region too long"), 0;
    if (pl_time_parse(t, &ev->event_ms) < 0)
        return pl_fail(err, PL_E_VALIDATION, "bad eventTime '%.*s'", quote_len(t, 40), t), 0;
    const struct pl_json *ro = pl_json_get(rec, "readOnly");
    if (ro && ro->type == PL_JBOOL)
        ev->read_only = ro->b;
    else if (ro && ro->type == PL_JSTR)
        ev->read_only = strcmp(ro->str, "true") == 0;
    else
        ev->read_only = pl_trail_name_read_only(ev->event_name);
    ev->error_code = str(rec, "errorCode");
    ev->user_type = str(ui, "type");
    ev->user_arn = str(ui, "arn");
    ev->source_ip = str(rec, "sourceIPAddress");
    ev->user_agent = str(rec, "userAgent");
    if (raw && rec == v) { /* the record as it was written (no envelope to take off) */
        ev->body = raw;
        ev->body_len = raw_len;
    } else {
        ev->body = pl_json_dump(a, rec, PL_JSON_COMPACT);
        ev->body_len = strlen(ev->body);
    }
    struct pl_trail_link *links = pl_arena_alloc(a, PL_TRAIL_MAX_LINKS * sizeof *links);
    ev->nlinks = pl_trail_extract(a, rec, ev->account, links, PL_TRAIL_MAX_LINKS);
    ev->links = links;
    return 1;
}

/* ---- reading one file: a reader thread feeding the caller through a trail_queue ---- */

#define QUEUE_SLOTS 64          /* values read ahead of the store at most */
#define SLOT_KEEP   (256 << 10) /* arena bytes a slot keeps between values */

struct reading {
    struct pl_ci_reader *r;
    const char *name;
    struct trail_queue *q;
};

/* "line L:C: what" of a parse error, moved to the file's line numbers. */
static void parse_where(char *out, size_t cap, const char *name, long line0, const char *msg,
                        const char **what)
{
    long l = 1, c = 0;
    *what = msg;
    if (sscanf(msg, "line %ld:%ld: ", &l, &c) == 2) {
        const char *p = strstr(msg, ": ");
        *what = p ? p + 2 : msg;
    }
    snprintf(out, cap, "%s:%ld", name, line0 + l - 1);
}

/* Fills sl with value number index of the file, text (len bytes): an event, a skipped value
 * or the parse error that ends the file. */
static void fill_slot(struct reading *rd, struct trail_slot *sl, const char *text, size_t len,
                      long index)
{
    if (2 * (len + 1) > sl->cap) {
        sl->cap = 2 * (len + 1) > 2 * sl->cap ? 2 * (len + 1) : 2 * sl->cap;
        free(sl->buf);
        sl->buf = pl_xmalloc(sl->cap);
    }
    char *raw = sl->buf + len + 1;
    memcpy(sl->buf, text, len + 1);
    memcpy(raw, text, len + 1);
    pl_arena_reset_max(&sl->a, SLOT_KEEP);
    long line0 = pl_ci_reader_line(rd->r);
    struct pl_err e = {0};
    struct pl_json *v = pl_json_parse_insitu(&sl->a, sl->buf, len, &e);
    if (!v) {
        const char *what;
        parse_where(sl->where, sizeof sl->where, rd->name, line0, e.msg, &what);
        snprintf(sl->why, sizeof sl->why, "record %ld: not valid JSON: %s", index, what);
        pl_fail(&sl->e, PL_E_SERIALIZATION, "%s: %s", sl->where, sl->why);
        sl->kind = TRAIL_SLOT_BAD;
    } else if (pl_trail_record(&sl->a, v, raw, len, &sl->ev, &e) == 0) {
        snprintf(sl->where, sizeof sl->where, "%s:%ld: record %ld", rd->name, line0, index);
        snprintf(sl->why, sizeof sl->why, "%s", e.msg);
        sl->kind = TRAIL_SLOT_SKIPPED;
    } else {
        sl->kind = TRAIL_SLOT_EVENT;
    }
}

/* The reader thread: every value of rd->r into slots, until the end, a file that is not valid
 * JSON (its last slot) or the writer's cancel. */
static void *produce(void *arg)
{
    struct reading *rd = arg;
    long index = 0;
    struct trail_slot *sl;
    while ((sl = trail_queue_take(rd->q))) {
        const char *text;
        size_t len;
        struct pl_err e = {0};
        int r = pl_ci_reader_next(rd->r, &text, &len, &e);
        if (r == 0)
            break;
        if (r < 0) {
            snprintf(sl->where, sizeof sl->where, "%s", rd->name);
            snprintf(sl->why, sizeof sl->why, "%s", e.msg);
            pl_fail(&sl->e, PL_E_SERIALIZATION, "%s", e.msg);
            sl->kind = TRAIL_SLOT_BAD;
        } else {
            fill_slot(rd, sl, text, len, ++index);
        }
        enum trail_slot_kind kind = sl->kind;
        trail_queue_push(rd->q);
        if (kind == TRAIL_SLOT_BAD)
            break;
    }
    trail_queue_close(rd->q);
    return NULL;
}

/* What the writer side does with the events of a file. */
struct sink {
    pl_trail_event_fn fn;
    void *ctx;
    pl_trail_report_fn report;
    void *rctx;
    int64_t skipped;
};

/* Reads every value of r (named name in messages) through q, calling sk->fn in this thread:
 * 0 at the end, -1 when the file is not valid JSON (reported) or -2 when fn failed (err). */
static int read_all(struct pl_ci_reader *r, const char *name, struct trail_queue *q,
                    struct sink *sk, struct pl_err *err)
{
    trail_queue_reset(q);
    struct reading rd = {r, name, q};
    pthread_t t;
    if (pthread_create(&t, NULL, produce, &rd) != 0)
        return pl_fail(err, PL_E_INTERNAL, "cannot start the CloudTrail reader thread"), -2;
    int rc = 0;
    struct trail_slot *sl;
    while (rc == 0 && (sl = trail_queue_pop(q))) {
        if (sl->kind == TRAIL_SLOT_EVENT) {
            if (sk->fn(sk->ctx, &sl->ev, err) < 0)
                rc = -2;
        } else {
            if (sk->report)
                sk->report(sk->rctx, sl->where, sl->why);
            if (sl->kind == TRAIL_SLOT_SKIPPED)
                sk->skipped++;
            else
                *err = sl->e, rc = -1;
        }
        trail_queue_release(q);
    }
    if (rc == -2)
        trail_queue_cancel(q);
    pthread_join(t, NULL);
    return rc;
}

int pl_trail_read_mem(const char *data, size_t len, pl_trail_event_fn fn, void *ctx,
                      pl_trail_report_fn rep, void *rctx, struct pl_err *err)
{
    struct pl_ci_reader *r;
    if (pl_ci_reader_open_mem(data, len, &r, err) < 0)
        return -1;
    pl_ci_reader_set_items_key(r, "Records");
    struct trail_queue *q = trail_queue_new(QUEUE_SLOTS);
    struct sink sk = {fn, ctx, rep, rctx, 0};
    int rc = read_all(r, "<memory>", q, &sk, err);
    trail_queue_free(q);
    pl_ci_reader_close(r);
    return rc < 0 ? -1 : 0;
}

/* ---- importing ---- */

struct part {
    char account[65], region[65];
};

struct import {
    struct pl_store *s;
    const struct pl_trail_opts *o;
    struct pl_trail_counts *c, fc; /* totals, and this file's (added to totals on commit) */
    pl_trail_report_fn report;
    void *rctx;
    struct part parts[MAX_PARTS];
    size_t nparts;
    struct trail_queue *q; /* made at the first file read */
};

static void note_part(struct import *im, const char *account, const char *region)
{
    for (size_t i = 0; i < im->nparts; i++)
        if (strcmp(im->parts[i].account, account) == 0 && strcmp(im->parts[i].region, region) == 0)
            return;
    if (im->nparts == MAX_PARTS)
        return;
    pl_strlcpy(im->parts[im->nparts].account, account, sizeof im->parts[0].account);
    pl_strlcpy(im->parts[im->nparts].region, region, sizeof im->parts[0].region);
    im->nparts++;
}

static int put_event(void *ctx, const struct pl_trail_event *ev, struct pl_err *err)
{
    struct import *im = ctx;
    if (ev->read_only && !im->o->keep_read_only) {
        im->fc.read_only++;
        return 0;
    }
    int r = pl_store_trail_put(im->s, ev, err);
    if (r < 0)
        return -1;
    if (r == 0) {
        im->fc.duplicates++;
        return 0;
    }
    im->fc.imported++;
    note_part(im, ev->account, ev->region);
    if (im->o->on_event)
        im->o->on_event(im->o->on_event_u, ev);
    return 0;
}

/* One file in one transaction. name is the file in messages, rel the path remembered for a
 * watcher source. */
static int import_file(struct import *im, const char *path, const char *name, const char *rel,
                       int64_t size, struct pl_err *err)
{
    if (im->o->source) {
        int64_t seen;
        int r = pl_store_trail_file_get(im->s, im->o->source, rel, &seen, err);
        if (r < 0)
            return -1;
        if (r == 1 && seen == size)
            return 0;
    }
    struct pl_ci_reader *rd;
    struct pl_err e = {0};
    if (pl_ci_reader_open(path, &rd, &e) < 0) {
        if (im->report)
            im->report(im->rctx, name, e.msg);
        im->c->bad_files++;
        return 0;
    }
    pl_ci_reader_set_items_key(rd, "Records");
    memset(&im->fc, 0, sizeof im->fc);
    if (pl_store_begin(im->s, err) < 0) {
        pl_ci_reader_close(rd);
        return -1;
    }
    if (!im->q)
        im->q = trail_queue_new(QUEUE_SLOTS);
    struct sink r = {put_event, im, im->report, im->rctx, 0};
    int rc = read_all(rd, name, im->q, &r, &e);
    pl_ci_reader_close(rd);
    if (rc == -2) { /* the store failed */
        pl_store_rollback(im->s);
        *err = e;
        return -1;
    }
    if (rc < 0) {
        /* not valid JSON: skipped whole; a watcher remembers it too (it is read again only
         * when its size changes) */
        pl_store_rollback(im->s);
        im->c->bad_files++;
        if (!im->o->source)
            return 0;
        if (pl_store_begin(im->s, err) < 0)
            return -1;
    }
    if (im->o->source && pl_store_trail_file_put(im->s, im->o->source, rel, size, err) < 0) {
        pl_store_rollback(im->s);
        return -1;
    }
    if (rc < 0)
        return pl_store_commit(im->s, err);
    if (pl_store_commit(im->s, err) < 0)
        return -1;
    im->c->files++;
    im->c->imported += im->fc.imported;
    im->c->duplicates += im->fc.duplicates;
    im->c->read_only += im->fc.read_only;
    im->c->skipped += r.skipped;
    return 0;
}

static bool log_name(const char *name)
{
    static const char *const ends[] = {".json",   ".json.gz",   ".jsonl", ".jsonl.gz",
                                       ".ndjson", ".ndjson.gz", ".gz"};
    size_t n = strlen(name);
    if (strstr(name, "CloudTrail-Digest"))
        return false;
    for (size_t i = 0; i < PL_ARRAY_LEN(ends); i++) {
        size_t e = strlen(ends[i]);
        if (n > e && strcmp(name + n - e, ends[i]) == 0)
            return true;
    }
    return false;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* A directory tree, entries in name order (CloudTrail's names sort by time). */
static int import_dir(struct import *im, const char *dir, const char *rel, int depth,
                      struct pl_err *err)
{
    if (depth > MAX_DIR_DEPTH)
        return 0;
    DIR *d = opendir(dir);
    if (!d) {
        if (im->report)
            im->report(im->rctx, dir, strerror(errno));
        im->c->bad_files++;
        return 0;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = pl_xrealloc(names, cap * sizeof *names);
        }
        names[n++] = pl_xstrdup(de->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[4096], sub[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", names[i]);
        struct stat st;
        if (stat(path, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode))
            rc = import_dir(im, path, sub, depth + 1, err);
        else if (S_ISREG(st.st_mode) && log_name(names[i]))
            rc = import_file(im, path, path, sub, st.st_size, err);
        else if (S_ISREG(st.st_mode))
            im->c->ignored++;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* Retention of the partitions imported into: PutRetentionConfiguration's period, as for CIs. */
static int apply_retention(struct import *im, struct pl_err *err)
{
    struct pl_arena a;
    pl_arena_init(&a);
    int rc = 0;
    for (size_t i = 0; i < im->nparts && rc == 0; i++) {
        struct pl_obj obj;
        int r = pl_store_obj_get(im->s, im->parts[i].account, im->parts[i].region,
                                 PL_KIND_RETENTION, "default", &a, &obj, err);
        if (r < 0) {
            rc = -1;
            break;
        }
        if (r == 0)
            continue;
        struct pl_err pe = {0};
        struct pl_json *j = pl_json_parse(&a, obj.json, obj.len, &pe);
        int64_t days;
        if (!j || pl_json_i64(pl_json_get(j, "RetentionPeriodInDays"), &days) < 0 || days <= 0)
            continue;
        rc = pl_store_trail_prune_before(im->s, im->parts[i].account, im->parts[i].region,
                                         pl_now_ms() - days * 86400000LL, NULL, err);
    }
    pl_arena_fini(&a);
    return rc;
}

int pl_trail_import(struct pl_store *s, const char *path, const struct pl_trail_opts *o,
                    struct pl_trail_counts *c, pl_trail_report_fn report, void *rctx,
                    struct pl_err *err)
{
    struct import *im = pl_xcalloc(1, sizeof *im);
    im->s = s;
    im->o = o;
    im->c = c;
    im->report = report;
    im->rctx = rctx;
    int rc;
    struct stat st;
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        rc = import_dir(im, path, "", 0, err);
    } else if (strcmp(path, "-") != 0 && stat(path, &st) < 0) {
        if (report)
            report(rctx, path, strerror(errno));
        c->bad_files++;
        rc = 0;
    } else {
        const char *base = strrchr(path, '/');
        rc = import_file(im, path, path, base ? base + 1 : path,
                         strcmp(path, "-") ? st.st_size : -1, err);
    }
    if (rc == 0)
        rc = apply_retention(im, err);
    trail_queue_free(im->q);
    free(im);
    return rc;
}

int pl_trail_import_one(struct pl_store *s, const char *path, const char *name, const char *rel,
                        int64_t size, const struct pl_trail_opts *o, struct pl_trail_counts *c,
                        pl_trail_report_fn report, void *rctx, struct pl_err *err)
{
    struct import *im = pl_xcalloc(1, sizeof *im);
    im->s = s;
    im->o = o;
    im->c = c;
    im->report = report;
    im->rctx = rctx;
    int rc = import_file(im, path, name, rel, size, err);
    if (rc == 0)
        rc = apply_retention(im, err);
    trail_queue_free(im->q);
    free(im);
    return rc;
}

bool pl_trail_log_name(const char *name)
{
    return log_name(name);
}
