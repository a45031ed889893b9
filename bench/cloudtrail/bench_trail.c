/* bench_trail.c — CloudTrail benchmarks (docs/PERFORMANCE.md, "CloudTrail"; data from
 * gen_trail.py).
 *
 *   bench_trail import DIR PATH          pl_trail_import of PATH (a file or a delivery tree)
 *                                        into the data directory DIR, as `plumb cloudtrail
 *                                        import` does: events/s and peak RSS
 *   bench_trail parse FILE               the reader alone (no store) over an uncompressed FILE
 *   bench_trail blame DIR TYPE ID N      N full timelines of the resource (every page of 100
 *                                        versions with their events, as `plumb blame` builds
 *                                        them, rendered to JSON text), then N first pages
 *                                        (PlumbService.GetResourceTimeline's default), and N
 *                                        GetResourceConfigHistory pages of 100 with relatedEvents:
 *                                        p50 / p99 / max each
 *
 * Each prints "mode=... key=value ..." lines.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/time.h"
#include "core/util.h"
#include "recorder/recorder.h"
#include "recorder/sources/cloudtrail.h"
#include "store/store.h"

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t cpu_total; /* CPU time of the operations timed since the last report */

/* Latencies (wall) and the mean CPU time per operation: the machine is shared, so the CPU
 * time is the figure that does not depend on the load. */
static void report(const char *what, int64_t *ns, int n, int64_t extra)
{
    qsort(ns, (size_t)n, sizeof *ns, cmp_i64);
    printf("mode=%s n=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f cpu_ms_mean=%.2f items=%" PRId64 "\n",
           what, n, ns[n / 2] / 1e6, ns[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1e6,
           ns[n - 1] / 1e6, cpu_total / 1e6 / n, extra);
    cpu_total = 0;
}

static int count_event(void *ctx, const struct pl_trail_event *ev, struct pl_err *err)
{
    (void)ev;
    (void)err;
    ++*(int64_t *)ctx;
    return 0;
}

/* The reader alone (split, parse, check, extract: no store) over a file read into memory. */
static int do_parse(const char *path)
{
    size_t len;
    char *data = pl_read_file(path, (size_t)1 << 31, &len);
    if (!data) {
        fprintf(stderr, "%s: cannot read\n", path);
        return 1;
    }
    int64_t n = 0;
    struct pl_err err = {0};
    int64_t t0 = pl_mono_ns();
    pl_trail_read_mem(data, len, count_event, &n, NULL, NULL, &err);
    double secs = (pl_mono_ns() - t0) / 1e9;
    printf("mode=parse events=%" PRId64 " secs=%.2f rate=%.0f\n", n, secs, n / secs);
    free(data);
    return 0;
}

static int do_import(const char *dir, const char *path)
{
    struct pl_store *s;
    struct pl_err err = {0};
    if (pl_store_open(dir, PL_STORE_BG_CHECKPOINT, &s, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    struct pl_trail_opts o = {0};
    struct pl_trail_counts c = {0};
    int64_t t0 = pl_mono_ns();
    int rc = pl_trail_import(s, path, &o, &c, NULL, NULL, &err);
    double secs = (pl_mono_ns() - t0) / 1e9;
    pl_store_close(s);
    if (rc < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int64_t read = c.imported + c.duplicates + c.read_only;
    printf("mode=import files=%" PRId64 " events=%" PRId64 " imported=%" PRId64
           " secs=%.2f rate=%.0f maxrss_kb=%ld\n",
           c.files, read, c.imported, secs, read / secs, maxrss_kb());
    return 0;
}

/* Every page of the timeline, each rendered to text (what plumb blame --json writes). */
static int64_t full_timeline(struct pl_store *s, const struct pl_resource *r, size_t *bytes)
{
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_err err = {0};
    struct pl_timeline_q q = {r->account, r->region, r->resource_type, r->resource_id, 100, NULL};
    int64_t events = 0;
    *bytes = 0;
    for (;;) {
        struct pl_json *tl = pl_ci_timeline(s, &a, &q, &err);
        if (!tl) {
            fprintf(stderr, "%s\n", err.msg);
            exit(1);
        }
        for (const struct pl_json *e = pl_json_get(tl, "timeline")->child; e; e = e->next)
            events += (int64_t)pl_json_get(e, "events")->len;
        *bytes += strlen(pl_json_dump(&a, tl, PL_JSON_COMPACT));
        const char *next = pl_json_get_str(tl, "nextToken");
        if (!next)
            break;
        q.cursor = pl_arena_strdup(&a, next);
    }
    pl_arena_fini(&a);
    return events;
}

static int do_blame(const char *dir, const char *type, const char *id, int n)
{
    struct pl_store *s;
    struct pl_err err = {0};
    if (pl_store_open(dir, PL_STORE_READONLY, &s, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_part_row *parts;
    size_t np;
    struct pl_resource r;
    int found = 0;
    pl_store_partitions(s, &a, &parts, &np, &err);
    for (size_t i = 0; i < np && !found; i++)
        found = pl_store_resource_get(s, parts[i].account, parts[i].region, type, id, &a, &r,
                                      &err) == 1;
    if (!found) {
        fprintf(stderr, "%s %s not found\n", type, id);
        return 1;
    }
    int64_t *ns = calloc((size_t)n, sizeof *ns), events = 0;
    size_t bytes = 0;
    for (int i = 0; i < n; i++) {
        int64_t t0 = pl_mono_ns(), c0 = cpu_ns();
        events = full_timeline(s, &r, &bytes);
        ns[i] = pl_mono_ns() - t0;
        cpu_total += cpu_ns() - c0;
    }
    report("blame_full", ns, n, events);
    printf("versions=%" PRId64 " json_bytes=%zu\n", r.versions, bytes);
    for (int i = 0; i < n; i++) {
        struct pl_arena pa;
        pl_arena_init(&pa);
        struct pl_timeline_q q = {r.account, r.region, type, id, 0, NULL};
        int64_t t0 = pl_mono_ns(), c0 = cpu_ns();
        struct pl_json *tl = pl_ci_timeline(s, &pa, &q, &err);
        bytes = strlen(pl_json_dump(&pa, tl, PL_JSON_COMPACT));
        ns[i] = pl_mono_ns() - t0;
        cpu_total += cpu_ns() - c0;
        pl_arena_fini(&pa);
    }
    report("timeline_page", ns, n, (int64_t)bytes);
    for (int i = 0; i < n; i++) {
        struct pl_arena pa;
        pl_arena_init(&pa);
        struct pl_history_q hq = {r.account, r.region, type, id, 0, INT64_MAX, false, 100, NULL};
        struct pl_ci_row *rows;
        size_t k;
        char *next;
        int64_t t0 = pl_mono_ns(), c0 = cpu_ns();
        pl_store_history(s, &hq, &pa, &rows, &k, &next, &err);
        int64_t related = 0;
        for (size_t j = 0; j < k; j++) {
            struct pl_json *ci = pl_ci_render_api(&pa, &rows[j], &err);
            pl_ci_related_fill(s, &pa, &rows[j], ci, &err);
            related += (int64_t)pl_json_get(ci, "relatedEvents")->len;
            pl_json_dump(&pa, ci, PL_JSON_COMPACT);
        }
        ns[i] = pl_mono_ns() - t0;
        cpu_total += cpu_ns() - c0;
        pl_arena_fini(&pa);
        if (i == 0)
            events = related;
    }
    report("history_page_related", ns, n, events);
    free(ns);
    pl_arena_fini(&a);
    pl_store_close(s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "import") == 0)
        return do_import(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "parse") == 0)
        return do_parse(argv[2]);
    if (argc == 6 && strcmp(argv[1], "blame") == 0)
        return do_blame(argv[2], argv[3], argv[4], atoi(argv[5]));
    fprintf(stderr, "usage: bench_trail import DIR PATH | blame DIR TYPE ID N\n");
    return 2;
}
