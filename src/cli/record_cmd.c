/* record_cmd.c — `plumb record`: imports configuration items into a data directory.
 *
 *   plumb record [--data DIR | --endpoint URL] [options] FILE...|-
 *
 * Each FILE is JSON Lines, a JSON array, or an AWS ConfigSnapshot/ConfigHistory file
 * ({"configurationItems":[...]}), gzip or not, in any CI dialect (docs/recording.md). CIs go
 * through the recorder in batches (one transaction per batch), so the import is safe while
 * `plumb serve` runs on the same directory: the server's requests wait at most one batch.
 * Memory stays flat: one CI is parsed at a time.
 *
 * Exit status: 0 all CIs were read (recorded, unchanged or skipped by the recording group),
 * 1 some CIs or files failed, 2 usage.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/log.h"
#include "core/time.h"
#include "core/util.h"
#include "recorder/recorder.h"
#include "recorder/sources/file.h"

#define DEFAULT_BATCH 5000
#define MAX_REPORTED_ERRORS 20

struct rec_run {
    struct pl_store *store;
    struct pl_rec_opts opts;
    struct pl_rec_batch *batch;
    int batch_size, in_batch;
    bool quiet, progress;
    int64_t recorded, unchanged, skipped, stale, errors;
    int64_t start_ns, last_progress_ns;
    struct pl_arena arena;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: plumb record [--data DIR | --endpoint URL] [options] FILE...|-\n"
            "\n"
            "Imports configuration items: JSON Lines, a JSON array, or an AWS ConfigSnapshot /\n"
            "ConfigHistory file (.gz or not), in any AWS CI dialect. '-' reads stdin.\n"
            "\n"
            "  --data DIR        data directory (default ./plumb-data); safe while plumb serve runs\n"
            "  --endpoint URL    send to a running plumb server instead (not available yet)\n"
            "  --account ID      account for CIs that carry none (default 123456789012)\n"
            "  --region NAME     region for CIs that carry none (default us-east-1)\n"
            "  --all             record every CI, ignoring the partitions' recorders\n"
            "  --now             stamp CIs with the current time instead of their capture time\n"
            "  --batch N         CIs per transaction (default %d)\n"
            "  --quiet           no progress and no summary\n",
            DEFAULT_BATCH);
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
            return -1;
        }
    }
    r->in_batch = 0;
    if (reopen) {
        r->batch = pl_rec_batch_begin(r->store, &r->opts, &err);
        if (!r->batch) {
            fprintf(stderr, "plumb record: %s\n", err.msg);
            return -1;
        }
    }
    return 0;
}

static void show_progress(struct rec_run *r, struct pl_ci_reader *rd, const char *name,
                          bool final)
{
    int64_t now = pl_mono_ns();
    if (!final && now - r->last_progress_ns < 500000000)
        return;
    r->last_progress_ns = now;
    int64_t n = r->recorded + r->unchanged + r->skipped + r->stale + r->errors;
    double secs = (double)(now - r->start_ns) / 1e9;
    char pct[16] = "";
    int64_t size = rd ? pl_ci_reader_size(rd) : -1;
    if (size > 0)
        snprintf(pct, sizeof pct, " %3d%%",
                 (int)(100.0 * (double)pl_ci_reader_raw_offset(rd) / (double)size));
    fprintf(stderr, "\r%s%s: %" PRId64 " CIs, %" PRId64 " recorded, %.0f CIs/s   ", name, pct, n,
            r->recorded, secs > 0 ? (double)n / secs : 0.0);
    if (final)
        fputc('\n', stderr);
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

/* Records one parsed document: a CI, or a wrapper holding configurationItems. */
static int record_doc(struct rec_run *r, const struct pl_json *doc, const char *name, long line)
{
    const struct pl_json *items = NULL;
    if (doc->type == PL_JOBJ && !pl_json_get(doc, "resourceType")) {
        items = pl_json_get(doc, "configurationItems");
        if (!items)
            items = pl_json_path(doc, "data.configurationItems"); /* recorded API responses */
        if (!items)
            items = pl_json_get(doc, "baseConfigurationItems");
    } else if (doc->type == PL_JARR) {
        items = doc;
    }
    if (items && items->type == PL_JARR) {
        /* record in capture order: API responses list history newest first */
        size_t n = items->len, i = 0;
        struct by_time *v = pl_arena_alloc(&r->arena, (n + 1) * sizeof *v);
        for (const struct pl_json *c = items->child; c && i < n; c = c->next, i++) {
            v[i].ci = c;
            v[i].pos = i;
            v[i].ms = capture_ms(c);
        }
        qsort(v, i, sizeof *v, cmp_time);
        int rc = 0;
        for (size_t k = 0; k < i; k++)
            if (record_doc(r, v[k].ci, name, line) < 0)
                rc = -1;
        return rc;
    }
    struct pl_err err = {0};
    struct pl_rec_result res;
    if (!r->batch && flush_batch(r, true) < 0)
        return -1;
    if (pl_rec_batch_add(r->batch, doc, &res, &err) < 0) {
        if (r->errors++ < MAX_REPORTED_ERRORS)
            fprintf(stderr, "%s:%ld: %s\n", name, line, err.msg);
        if (err.code == PL_E_INTERNAL || err.code == PL_E_IO || err.code == PL_E_UNAVAILABLE) {
            flush_batch(r, false); /* rolls back the failed batch */
            return -1;
        }
        return 0;
    }
    switch (res.outcome) {
    case PL_REC_RECORDED:
        r->recorded++;
        break;
    case PL_REC_UNCHANGED:
        r->unchanged++;
        break;
    case PL_REC_NOT_RECORDED:
        r->skipped++;
        break;
    case PL_REC_STALE:
        r->stale++;
        break;
    }
    if (++r->in_batch >= r->batch_size)
        return flush_batch(r, true);
    return 0;
}

static int record_file(struct rec_run *r, const char *path)
{
    struct pl_err err = {0};
    struct pl_ci_reader *rd;
    if (pl_ci_reader_open(path, &rd, &err) < 0) {
        fprintf(stderr, "plumb record: %s\n", err.msg);
        r->errors++;
        return -1;
    }
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    const char *text;
    size_t len;
    int rc, status = 0;
    while ((rc = pl_ci_reader_next(rd, &text, &len, &err)) == 1) {
        pl_arena_reset(&r->arena);
        struct pl_err perr = {0};
        struct pl_json *doc = pl_json_parse(&r->arena, text, len, &perr);
        if (!doc) {
            if (r->errors++ < MAX_REPORTED_ERRORS)
                fprintf(stderr, "%s:%ld: %s\n", name, pl_ci_reader_line(rd), perr.msg);
            continue;
        }
        if (record_doc(r, doc, name, pl_ci_reader_line(rd)) < 0) {
            status = -1;
            break;
        }
        if (r->progress)
            show_progress(r, rd, name, false);
    }
    if (rc < 0) {
        fprintf(stderr, "%splumb record: %s\n", r->progress ? "\n" : "", err.msg);
        r->errors++;
        status = -1;
    }
    if (r->progress)
        show_progress(r, rd, name, true);
    pl_ci_reader_close(rd);
    return status;
}

int pl_cli_record(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},  {"endpoint", required_argument, NULL, 'e'},
        {"account", required_argument, NULL, 'a'}, {"region", required_argument, NULL, 'r'},
        {"all", no_argument, NULL, 'A'},         {"now", no_argument, NULL, 'n'},
        {"batch", required_argument, NULL, 'b'}, {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    const char *data = "./plumb-data", *endpoint = NULL;
    struct rec_run r;
    memset(&r, 0, sizeof r);
    r.opts.mode = PL_REC_MODE_IMPORT;
    r.opts.use_source_time = true;
    r.batch_size = DEFAULT_BATCH;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "d:e:a:r:Anb:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data = optarg;
            break;
        case 'e':
            endpoint = optarg;
            break;
        case 'a':
            if (strlen(optarg) != 12 || strspn(optarg, "0123456789") != 12) {
                fprintf(stderr, "plumb record: --account must be 12 digits\n");
                return 2;
            }
            r.opts.default_account = optarg;
            break;
        case 'r':
            r.opts.default_region = optarg;
            break;
        case 'A':
            r.opts.mode = PL_REC_MODE_ALL;
            break;
        case 'n':
            r.opts.use_source_time = false;
            break;
        case 'b': {
            long long v;
            if (pl_parse_i64(optarg, &v) < 0 || v < 1 || v > 1000000) {
                fprintf(stderr, "plumb record: --batch must be 1..1000000\n");
                return 2;
            }
            r.batch_size = (int)v;
            break;
        }
        case 'q':
            r.quiet = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    if (endpoint) {
        /* TODO(recorder): send batches to a running server (a PlumbService batch-ingest
         * operation signed with SigV4). Until then --data is the way in, and it is safe to
         * use while the server runs on the same directory. */
        fprintf(stderr, "plumb record: --endpoint is not available yet; use --data DIR (safe "
                        "while plumb serve runs on DIR)\n");
        return 2;
    }
    struct pl_err err = {0};
    if (pl_store_open(data, 0, &r.store, &err) < 0) {
        fprintf(stderr, "plumb record: %s\n", err.msg);
        return 1;
    }
    pl_arena_init(&r.arena);
    r.progress = !r.quiet && isatty(2);
    r.start_ns = pl_mono_ns();
    int status = 0;
    for (int i = optind; i < argc; i++) {
        if (record_file(&r, argv[i]) < 0 && r.store == NULL)
            break;
        if (flush_batch(&r, false) < 0)
            status = -1;
    }
    flush_batch(&r, false);
    double secs = (double)(pl_mono_ns() - r.start_ns) / 1e9;
    int64_t total = r.recorded + r.unchanged + r.skipped + r.stale;
    if (!r.quiet)
        fprintf(stderr,
                "recorded %" PRId64 ", unchanged %" PRId64 ", skipped %" PRId64
                ", errors %" PRId64 " (%.1f s, %.0f CIs/s)\n",
                r.recorded, r.unchanged, r.skipped + r.stale, r.errors, secs,
                secs > 0 ? (double)(total + r.errors) / secs : 0.0);
    pl_arena_fini(&r.arena);
    pl_store_close(r.store);
    return (r.errors || status < 0) ? 1 : 0;
}
