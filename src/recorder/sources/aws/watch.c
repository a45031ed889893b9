/* watch.c — `plumb serve --discover aws`: a thread that runs a discovery sweep (sweep.c) at
 * start and then every interval, on its own store connection, with AWS's recorder semantics
 * (PL_REC_MODE_RECORDER: the partition's recorder must be running and its group decides, as
 * AWS Config records nothing until its recorder is started). Credentials and the region are
 * read once at start. A failed sweep is logged and the next one runs at its time.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/client.h"
#include "core/log.h"
#include "core/util.h"
#include "recorder/sources/aws/aws.h"

struct pl_discover_watch {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    struct pl_store *s;
    struct pl_aws_creds creds;
    char region[64];
    int interval_s;
    int64_t sweeps; /* finished sweeps (read under mu) */
};

static void sweep_once(struct pl_discover_watch *w)
{
    struct pl_aws_ctx *c = pl_xcalloc(1, sizeof *c);
    pl_aws_ctx_init(c, &w->creds, w->region);
    struct pl_discover_opts o = {.mode = PL_REC_MODE_RECORDER};
    struct pl_discover_stats st;
    struct pl_err err = {0};
    if (pl_discover_sweep(w->s, c, &o, &st, &err) < 0)
        PL_LOG(WARN, "discover", "sweep region=%s err=\"%s\"", w->region, err.msg);
    PL_LOG(INFO, "discover",
           "sweep account=%s region=%s found=%lld recorded=%lld unchanged=%lld deleted=%lld "
           "not_recorded=%lld calls=%lld retries=%lld seconds=%.2f",
           st.account, w->region, (long long)st.found, (long long)st.recorded,
           (long long)st.unchanged, (long long)st.deleted, (long long)st.not_recorded,
           (long long)st.calls, (long long)st.retries, st.seconds);
    free(c);
}

static void *run(void *arg)
{
    struct pl_discover_watch *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        pthread_mutex_unlock(&w->mu);
        sweep_once(w);
        pthread_mutex_lock(&w->mu);
        w->sweeps++;
        if (w->stop)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += w->interval_s;
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
    pthread_mutex_unlock(&w->mu);
    pl_client_thread_done();
    return NULL;
}

struct pl_discover_watch *pl_discover_watch_start(const char *spec, int interval_s,
                                                  struct pl_err *err)
{
    struct pl_discover_watch *w = pl_xcalloc(1, sizeof *w);
    if (pl_aws_creds_load(NULL, &w->creds, err) < 0) {
        free(w);
        return NULL;
    }
    pl_aws_region_default(NULL, w->region, sizeof w->region);
    w->interval_s = interval_s > 0 ? interval_s : PL_DISCOVER_INTERVAL_S;
    if (pl_store_open(spec, PL_STORE_BG_CHECKPOINT, &w->s, err) < 0) {
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->th, NULL, run, w) != 0) {
        pl_store_close(w->s);
        free(w);
        pl_fail(err, PL_E_INTERNAL, "discover: cannot start the sweep thread");
        return NULL;
    }
    PL_LOG(INFO, "discover", "sweeping region=%s every=%ds credentials=%s", w->region,
           w->interval_s, w->creds.source);
    return w;
}

void pl_discover_watch_stop(struct pl_discover_watch *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    pl_store_close(w->s);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    memset(&w->creds, 0, sizeof w->creds);
    free(w);
}
