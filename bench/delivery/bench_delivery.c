/* bench_delivery.c — delivery benchmarks (figures in docs/PERFORMANCE.md, "## Delivery").
 *
 *   bench_delivery populate DIR N      record N resources (~1.5 KB configuration each)
 *   bench_delivery snapshot DIR        one snapshot of DIR's store to DIR/buckets (time, RSS)
 *   bench_delivery writer N            the file writer alone (generated CIs, no store)
 *   bench_delivery notify DIR M RATE SECONDS
 *        throughput: M change notifications queued, then drained to a local webhook receiver;
 *        lag: RATE changes/s recorded for SECONDS while the worker thread delivers them,
 *        change -> delivery latency p50/p99 (capture time to receipt).
 * Peak RSS is getrusage's ru_maxrss of this process: run each mode in its own process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/hash.h"
#include "core/time.h"
#include "core/util.h"
#include "delivery/delivery_int.h"
#include "fake_source.h"
#include "receiver.h"
#include "recorder/recorder.h"
#include "store/store.h"

#define ACCT  "123456789012"
#define REG   "us-east-1"
#define TOPIC "arn:aws:sns:us-east-1:123456789012:bench"

static double secs(int64_t ns)
{
    return (double)ns / 1e9;
}

static long peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

static int die(const char *what, const struct pl_err *e)
{
    fprintf(stderr, "%s: %s\n", what, e->msg);
    return 1;
}

/* Records n resources i0..i0+n-1 in batches (configuration ~pad bytes). */
static int populate(struct pl_store *s, size_t i0, size_t n, size_t pad, struct pl_err *e)
{
    struct pl_rec_opts o = {.mode = PL_REC_MODE_ALL, .account = ACCT, .region = REG};
    struct pl_arena a;
    pl_arena_init(&a);
    char *hex = pl_xmalloc(pad + 1);
    int rc = -1;
    for (size_t done = 0; done < n;) {
        struct pl_rec_batch *b = pl_rec_batch_begin(s, &o, e);
        if (!b)
            goto out;
        for (size_t k = 0; k < 5000 && done < n; k++, done++) {
            size_t i = i0 + done;
            pl_random_hex(pad / 2, hex);
            char *text = pl_arena_printf(
                &a, "{\"resourceType\":\"AWS::EC2::Instance%s\",\"resourceId\":\"i-%08zx\","
                    "\"configuration\":{\"instanceId\":\"i-%08zx\",\"state\":{\"name\":"
                    "\"running\"},\"userData\":\"%s\"},\"tags\":{\"team\":\"t%zu\"}}",
                i % 4 ? "" : "Like", i, i, hex, i % 50);
            struct pl_rec_result res;
            if (pl_rec_batch_add(b, pl_json_parse(&a, text, strlen(text), e), &res, e) != 0) {
                pl_rec_batch_abort(b);
                goto out;
            }
            pl_arena_reset(&a);
        }
        if (pl_rec_batch_commit(b, e) != 0)
            goto out;
    }
    rc = 0;
out:
    free(hex);
    pl_arena_fini(&a);
    return rc;
}

static int cmd_populate(const char *dir, size_t n)
{
    struct pl_err e = {0};
    struct pl_store *s;
    if (pl_store_open(dir, 0, &s, &e) != 0)
        return die("open", &e);
    int64_t t0 = pl_mono_ns();
    if (populate(s, 0, n, 1400, &e) != 0)
        return die("populate", &e);
    double t = secs(pl_mono_ns() - t0);
    printf("populate: %zu resources in %.1f s (%.0f/s)\n", n, t, n / t);
    pl_store_close(s);
    return 0;
}

static int cmd_snapshot(const char *dir)
{
    struct pl_err e = {0};
    struct pl_store *s;
    struct pl_dsource src;
    struct pl_dresult res;
    if (pl_store_open(dir, 0, &s, &e) != 0)
        return die("open", &e);
    char *root = pl_xmalloc(strlen(dir) + 16);
    snprintf(root, strlen(dir) + 16, "%s/buckets", dir);
    struct pl_dtarget *t = pl_delivery__target_local(root, &e);
    pl_delivery__source_store(&src, s);
    char sid[37];
    pl_uuid(sid);
    long rss0 = peak_rss_mb();
    int64_t t0 = pl_mono_ns();
    if (!t || pl_delivery__deliver_snapshot(t, &src, "bench-bucket", NULL, ACCT, REG, sid,
                                            pl_now_ms(), &res, &e) != 0)
        return die("snapshot", &e);
    double el = secs(pl_mono_ns() - t0);
    char *path = pl_xmalloc(strlen(root) + strlen(res.key) + 32);
    snprintf(path, strlen(root) + strlen(res.key) + 32, "%s/bench-bucket/%s", root, res.key);
    FILE *f = fopen(path, "rb");
    long size = 0;
    if (f) {
        fseek(f, 0, SEEK_END);
        size = ftell(f);
        fclose(f);
    }
    printf("snapshot: %zu resources in %.1f s (%.0f/s), file %.1f MB gz, peak RSS %ld MB "
           "(%ld MB before)\n",
           res.items, el, res.items / el, size / 1e6, peak_rss_mb(), rss0);
    unlink(path);
    free(path);
    free(root);
    pl_delivery__target_free(t);
    pl_store_close(s);
    return 0;
}

static int cmd_writer(size_t n)
{
    struct pl_err e = {0};
    struct fake_src f = {.n = n, .ntypes = 8, .pad = 1400, .acct = ACCT, .region = REG};
    struct pl_dsource src;
    struct pl_dresult res;
    char root[] = "/tmp/pl-bench-writer-XXXXXX";
    if (!mkdtemp(root))
        return 1;
    struct pl_dtarget *t = pl_delivery__target_local(root, &e);
    fake_source_init(&src, &f);
    int64_t t0 = pl_mono_ns();
    if (pl_delivery__deliver_snapshot(t, &src, "b-bench", NULL, ACCT, REG, "id", pl_now_ms(), &res,
                                      &e))
        return die("writer", &e);
    double el = secs(pl_mono_ns() - t0);
    printf("writer: %zu generated CIs in %.1f s (%.0f/s), peak RSS %ld MB\n", res.items, el,
           res.items / el, peak_rss_mb());
    pl_delivery__target_free(t);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd) == 0 ? 0 : 1;
}

/* ---- notifications ---- */

struct lags {
    int64_t *v;
    size_t n, cap;
    struct pl_arena a;
};

/* Receiver callback: lag = now - configurationItemCaptureTime of the message. */
static void on_body(void *ctx, const char *body, size_t n)
{
    struct lags *l = ctx;
    struct pl_err e = {0};
    struct pl_json *env = pl_json_parse(&l->a, body, n, &e);
    const struct pl_json *m = pl_json_get(env, "Message");
    struct pl_json *msg = m ? pl_json_parse(&l->a, m->str, m->len, &e) : NULL;
    int64_t cap;
    const char *ts = pl_json_get_str(pl_json_get(msg, "configurationItem"),
                                     "configurationItemCaptureTime");
    if (ts && pl_time_parse(ts, &cap) == 0) {
        if (l->n == l->cap) {
            l->cap = l->cap ? 2 * l->cap : 1024;
            l->v = pl_xrealloc(l->v, l->cap * sizeof *l->v);
        }
        l->v[l->n++] = pl_now_ms() - cap;
    }
    pl_arena_reset(&l->a);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int setup_channel(struct pl_store *s, struct pl_delivery *d, struct receiver *r,
                         struct pl_err *e)
{
    const char *ch = "{\"name\":\"default\",\"s3BucketName\":\"bench-bucket\",\"snsTopicARN\":\""
                     TOPIC "\"}";
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", r->port);
    if (pl_store_obj_put(s, ACCT, REG, PL_KIND_CHANNEL, "default", ch, strlen(ch), e) != 0 ||
        pl_delivery_webhook_add(s, TOPIC, url, "secret", e) != 0)
        return -1;
    struct pl_arena a;
    pl_arena_init(&a);
    int rc = pl_delivery_channel_put(d, ACCT, REG, pl_json_parse(&a, ch, strlen(ch), e), e);
    pl_arena_fini(&a);
    return rc;
}

static int cmd_notify(const char *dir, size_t m, int rate, int seconds)
{
    struct pl_err e = {0};
    struct pl_store *s;
    struct lags l = {0};
    struct receiver r = {.secret = "secret", .on_body = on_body, .ctx = &l};
    pl_arena_init(&l.a);
    struct pl_delivery_options o = {.data_dir = dir, .no_thread = 1};
    struct pl_delivery *d = NULL;
    if (receiver_start(&r) != 0 || pl_store_open(dir, 0, &s, &e) != 0 ||
        !(d = pl_delivery_start(s, &o, &e)) || setup_channel(s, d, &r, &e) != 0)
        return die("setup", &e);
    /* throughput: a backlog of m notifications drained by ticks */
    if (populate(s, 0, m, 600, &e) != 0)
        return die("populate", &e);
    int64_t t0 = pl_mono_ns();
    while (receiver_count(&r) < m) {
        int n = pl_delivery_tick(d, &e);
        if (n < 0)
            return die("tick", &e);
        if (n == 0 && pl_mono_ns() - t0 > 600 * 1000000000LL)
            return fprintf(stderr, "stalled at %zu of %zu\n", receiver_count(&r), m), 1;
    }
    double el = secs(pl_mono_ns() - t0);
    printf("notify throughput: %zu messages in %.1f s = %.0f messages/s (bad signatures %d)\n",
           m, el, m / el, r.bad_signatures);
    pl_delivery_stop(d);
    /* lag: a steady rate of changes while the worker thread delivers */
    pthread_mutex_lock(&r.mu);
    l.n = 0;
    pthread_mutex_unlock(&r.mu);
    o.no_thread = 0;
    o.tick_ms = 1000;
    d = pl_delivery_start(s, &o, &e);
    size_t total = (size_t)rate * (size_t)seconds, base = receiver_count(&r);
    int64_t start = pl_mono_ns();
    for (size_t i = 0; i < total; i++) {
        int64_t due = start + (int64_t)(i * 1e9 / rate);
        while (pl_mono_ns() < due)
            usleep(200);
        if (populate(s, m + i, 1, 600, &e) != 0)
            return die("record", &e);
        pl_delivery_kick(d);
    }
    while (receiver_count(&r) < base + total)
        usleep(10000);
    pl_delivery_stop(d);
    pthread_mutex_lock(&r.mu);
    qsort(l.v, l.n, sizeof *l.v, cmp64);
    printf("notify lag at %d changes/s for %d s: %zu messages, p50 %lld ms, p99 %lld ms, max "
           "%lld ms\n",
           rate, seconds, l.n, (long long)l.v[l.n / 2], (long long)l.v[l.n * 99 / 100],
           (long long)l.v[l.n - 1]);
    pthread_mutex_unlock(&r.mu);
    receiver_stop(&r);
    pl_store_close(s);
    free(l.v);
    pl_arena_fini(&l.a);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "populate") == 0)
        return cmd_populate(argv[2], strtoul(argv[3], NULL, 10));
    if (argc == 3 && strcmp(argv[1], "snapshot") == 0)
        return cmd_snapshot(argv[2]);
    if (argc == 3 && strcmp(argv[1], "writer") == 0)
        return cmd_writer(strtoul(argv[2], NULL, 10));
    if (argc == 6 && strcmp(argv[1], "notify") == 0)
        return cmd_notify(argv[2], strtoul(argv[3], NULL, 10), (int)strtol(argv[4], NULL, 10),
                          (int)strtol(argv[5], NULL, 10));
    fprintf(stderr, "usage: bench_delivery populate DIR N | snapshot DIR | writer N | "
                    "notify DIR M RATE SECONDS\n");
    return 2;
}
