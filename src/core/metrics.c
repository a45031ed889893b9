/* metrics.c — the metrics registry (see metrics.h).
 *
 * An open-addressing table of PL_METRICS_MAX*2 slots holds pointers to entries that are never
 * removed (until pl_metrics_reset), so readers find an entry with atomic loads and no lock;
 * writers insert under a mutex. Histogram sums are kept in nano-units in an integer so every
 * update is a single atomic add.
 */
#include "core/metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/util.h"

#define NSLOTS   (PL_METRICS_MAX * 2)
#define NBUCKETS 14

static const double bucket_le[NBUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                           0.025,  0.05,    0.1,    0.25,  0.5,    1,     5};

struct pl_metric {
    enum pl_metric_type type;
    char *name, *labels;
    int64_t value;             /* counter, gauge; histogram: count */
    int64_t sum_nano;          /* histogram sum x 1e9 */
    uint64_t bucket[NBUCKETS]; /* histogram: non-cumulative counts */
};

struct help {
    const char *name, *text;
};

static struct pl_metric *slots[NSLOTS];
static int nmetrics;
static struct help helps[64];
static int nhelps;
static struct {
    pl_metrics_collect_fn fn;
    void *ctx;
} collectors[16];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static size_t slot_of(const char *name, const char *labels)
{
    uint64_t h = pl_fnv1a(name, strlen(name)) * 31 + pl_fnv1a(labels, strlen(labels));
    return (size_t)(h % NSLOTS);
}

/* Finds (name, labels) lock-free; NULL when absent. *slot gets the first free slot seen. */
static struct pl_metric *find(const char *name, const char *labels, size_t *slot)
{
    for (size_t i = slot_of(name, labels), n = 0; n < NSLOTS; i = (i + 1) % NSLOTS, n++) {
        struct pl_metric *m = __atomic_load_n(&slots[i], __ATOMIC_ACQUIRE);
        if (!m) {
            if (slot)
                *slot = i;
            return NULL;
        }
        if (strcmp(m->name, name) == 0 && strcmp(m->labels, labels) == 0)
            return m;
    }
    return NULL;
}

static int type_clash(const char *name, enum pl_metric_type t)
{
    for (size_t i = 0; i < NSLOTS; i++) {
        struct pl_metric *m = slots[i];
        if (m && m->type != t && strcmp(m->name, name) == 0)
            return 1;
    }
    return 0;
}

struct pl_metric *pl_metric_get(enum pl_metric_type t, const char *name, const char *labels)
{
    if (!name)
        return NULL;
    labels = labels ? labels : "";
    struct pl_metric *m = find(name, labels, NULL);
    if (m)
        return m->type == t ? m : NULL;
    pthread_mutex_lock(&lock);
    size_t slot = 0;
    m = find(name, labels, &slot);
    if (!m && nmetrics < PL_METRICS_MAX && !type_clash(name, t)) {
        m = pl_xcalloc(1, sizeof *m);
        m->type = t;
        m->name = pl_xstrdup(name);
        m->labels = pl_xstrdup(labels);
        __atomic_store_n(&slots[slot], m, __ATOMIC_RELEASE);
        nmetrics++;
    }
    pthread_mutex_unlock(&lock);
    return m && m->type == t ? m : NULL;
}

void pl_metric_add(struct pl_metric *m, uint64_t n)
{
    if (m)
        __atomic_fetch_add(&m->value, (int64_t)n, __ATOMIC_RELAXED);
}

void pl_metric_set(struct pl_metric *m, int64_t v)
{
    if (m)
        __atomic_store_n(&m->value, v, __ATOMIC_RELAXED);
}

void pl_metric_observe(struct pl_metric *m, double v)
{
    if (!m || m->type != PL_METRIC_HISTOGRAM)
        return;
    int b = 0;
    while (b < NBUCKETS && v > bucket_le[b])
        b++;
    if (b < NBUCKETS)
        __atomic_fetch_add(&m->bucket[b], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&m->sum_nano, (int64_t)(v * 1e9), __ATOMIC_RELAXED);
    __atomic_fetch_add(&m->value, 1, __ATOMIC_RELAXED);
}

void pl_metrics_add(const char *name, const char *labels, uint64_t n)
{
    pl_metric_add(pl_metric_get(PL_METRIC_COUNTER, name, labels), n);
}

void pl_metrics_set(const char *name, const char *labels, int64_t v)
{
    pl_metric_set(pl_metric_get(PL_METRIC_GAUGE, name, labels), v);
}

void pl_metrics_observe(const char *name, const char *labels, double v)
{
    pl_metric_observe(pl_metric_get(PL_METRIC_HISTOGRAM, name, labels), v);
}

void pl_metrics_help(const char *name, const char *text)
{
    pthread_mutex_lock(&lock);
    int i = 0;
    while (i < nhelps && strcmp(helps[i].name, name) != 0)
        i++;
    if (i < (int)PL_ARRAY_LEN(helps)) {
        helps[i] = (struct help){name, text};
        if (i == nhelps)
            nhelps++;
    }
    pthread_mutex_unlock(&lock);
}

int pl_metrics_on_render(pl_metrics_collect_fn fn, void *ctx)
{
    int rc = -1;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < PL_ARRAY_LEN(collectors) && rc < 0; i++)
        if (!collectors[i].fn) {
            collectors[i].fn = fn;
            collectors[i].ctx = ctx;
            rc = 0;
        }
    pthread_mutex_unlock(&lock);
    return rc;
}

void pl_metrics_on_render_remove(pl_metrics_collect_fn fn, void *ctx)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < PL_ARRAY_LEN(collectors); i++)
        if (collectors[i].fn == fn && collectors[i].ctx == ctx)
            collectors[i].fn = NULL;
    pthread_mutex_unlock(&lock);
}

static int metric_cmp(const void *a, const void *b)
{
    const struct pl_metric *x = *(struct pl_metric *const *)a, *y = *(struct pl_metric *const *)b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->labels, y->labels);
}

static const char *type_name(enum pl_metric_type t)
{
    return t == PL_METRIC_COUNTER ? "counter" : t == PL_METRIC_GAUGE ? "gauge" : "histogram";
}

/* name{labels[,extra]} — braces omitted when there are no labels at all. */
static int put_series(struct pl_buf *b, const char *name, const char *suffix, const char *labels,
                      const char *extra)
{
    int hl = *labels != '\0', he = extra && *extra;
    return pl_buf_printf(b, "%s%s%s%s%s%s%s ", name, suffix, hl || he ? "{" : "", labels,
                         hl && he ? "," : "", he ? extra : "", hl || he ? "}" : "");
}

static int render_histogram(struct pl_buf *b, const struct pl_metric *m)
{
    uint64_t cum = 0;
    char le[48];
    for (int i = 0; i < NBUCKETS; i++) {
        cum += __atomic_load_n(&m->bucket[i], __ATOMIC_RELAXED);
        snprintf(le, sizeof le, "le=\"%g\"", bucket_le[i]);
        if (put_series(b, m->name, "_bucket", m->labels, le) < 0 ||
            pl_buf_printf(b, "%llu\n", (unsigned long long)cum) < 0)
            return -1;
    }
    int64_t count = __atomic_load_n(&m->value, __ATOMIC_RELAXED);
    int64_t sum = __atomic_load_n(&m->sum_nano, __ATOMIC_RELAXED);
    if (put_series(b, m->name, "_bucket", m->labels, "le=\"+Inf\"") < 0 ||
        pl_buf_printf(b, "%lld\n", (long long)count) < 0 ||
        put_series(b, m->name, "_sum", m->labels, NULL) < 0 ||
        pl_buf_printf(b, "%.9f\n", (double)sum / 1e9) < 0 ||
        put_series(b, m->name, "_count", m->labels, NULL) < 0 ||
        pl_buf_printf(b, "%lld\n", (long long)count) < 0)
        return -1;
    return 0;
}

static const char *help_of(const char *name)
{
    for (int i = 0; i < nhelps; i++)
        if (strcmp(helps[i].name, name) == 0)
            return helps[i].text;
    return NULL;
}

int pl_metrics_render(struct pl_buf *b)
{
    for (size_t i = 0; i < PL_ARRAY_LEN(collectors); i++) {
        pl_metrics_collect_fn fn = collectors[i].fn;
        if (fn)
            fn(collectors[i].ctx);
    }
    struct pl_metric **all = pl_xmalloc(sizeof *all * PL_METRICS_MAX);
    int n = 0, rc = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < NSLOTS; i++)
        if (slots[i] && n < PL_METRICS_MAX)
            all[n++] = slots[i];
    qsort(all, (size_t)n, sizeof *all, metric_cmp);
    for (int i = 0; i < n && rc == 0; i++) {
        const struct pl_metric *m = all[i];
        if (i == 0 || strcmp(all[i - 1]->name, m->name) != 0) {
            const char *h = help_of(m->name);
            if ((h && pl_buf_printf(b, "# HELP %s %s\n", m->name, h) < 0) ||
                pl_buf_printf(b, "# TYPE %s %s\n", m->name, type_name(m->type)) < 0)
                rc = -1;
        }
        if (rc == 0 && m->type == PL_METRIC_HISTOGRAM)
            rc = render_histogram(b, m);
        else if (rc == 0)
            rc = put_series(b, m->name, "", m->labels, NULL) < 0 ||
                         pl_buf_printf(b, "%lld\n", (long long)__atomic_load_n(
                                                        &m->value, __ATOMIC_RELAXED)) < 0
                     ? -1
                     : 0;
    }
    pthread_mutex_unlock(&lock);
    free(all);
    return rc;
}

int64_t pl_metrics_value(const char *name, const char *labels)
{
    struct pl_metric *m = find(name, labels ? labels : "", NULL);
    return m ? __atomic_load_n(&m->value, __ATOMIC_RELAXED) : 0;
}

void pl_metrics_reset(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < NSLOTS; i++) {
        struct pl_metric *m = slots[i];
        if (m) {
            free(m->name);
            free(m->labels);
            free(m);
            slots[i] = NULL;
        }
    }
    nmetrics = 0;
    nhelps = 0;
    pthread_mutex_unlock(&lock);
}
