/* cloudtrail_watch.c — the watcher of `plumb serve --cloudtrail-dir DIR` (and
 * `--cloudtrail-s3 s3://bucket/prefix`, the same over S3 objects)
 * (sources/cloudtrail.h): a thread that walks DIR every poll interval and imports the log
 * files it has not read at their current size (pl_trail_import with a source: the store
 * remembers each file's path and size, so a restart reads nothing twice and a file that grew
 * is read again, its events idempotent by eventID). Its own store connection.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/util.h"
#include "recorder/sources/cloudtrail.h"

struct pl_trail_watch {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    struct pl_store *s;
    char *dir;
    char source[4200];
    struct pl_trail_opts o;
    struct pl_trail_s3_conf sc; /* strings owned (s3_* below) */
    char *s3_strs[5];
    bool s3;
    int poll_ms;
};

static void on_skip(void *ctx, const char *where, const char *why)
{
    (void)ctx;
    PL_LOG(WARN, "cloudtrail", "skipped where=\"%s\" why=\"%s\"", where, why);
}

static void *run(void *arg)
{
    struct pl_trail_watch *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        pthread_mutex_unlock(&w->mu);
        struct pl_trail_counts c = {0};
        struct pl_err err = {0};
        int rc = w->s3 ? pl_trail_import_s3(w->s, w->dir, &w->sc, &w->o, &c, on_skip, NULL, &err)
                       : pl_trail_import(w->s, w->dir, &w->o, &c, on_skip, NULL, &err);
        if (rc < 0)
            PL_LOG(WARN, "cloudtrail", "import dir=%s err=\"%s\"", w->dir, err.msg);
        else if (c.files || c.bad_files)
            PL_LOG(INFO, "cloudtrail",
                   "dir=%s files=%lld imported=%lld duplicates=%lld read_only=%lld "
                   "skipped=%lld bad_files=%lld",
                   w->dir, (long long)c.files, (long long)c.imported, (long long)c.duplicates,
                   (long long)c.read_only, (long long)c.skipped, (long long)c.bad_files);
        pthread_mutex_lock(&w->mu);
        if (w->stop)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += w->poll_ms / 1000;
        ts.tv_nsec += (long)(w->poll_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static char *dup_or_null(const char *s)
{
    return s ? pl_xstrdup(s) : NULL;
}

struct pl_trail_watch *pl_trail_watch_start(const char *spec, const char *dir, int poll_ms,
                                            const struct pl_trail_opts *o,
                                            const struct pl_trail_s3_conf *sc, struct pl_err *err)
{
    struct pl_trail_watch *w = pl_xcalloc(1, sizeof *w);
    w->s3 = pl_starts_with(dir, "s3://");
    if (w->s3 && sc) {
        w->sc.endpoint = w->s3_strs[0] = dup_or_null(sc->endpoint);
        w->sc.region = w->s3_strs[1] = dup_or_null(sc->region);
        w->sc.access_key = w->s3_strs[2] = dup_or_null(sc->access_key);
        w->sc.secret_key = w->s3_strs[3] = dup_or_null(sc->secret_key);
        w->sc.session_token = w->s3_strs[4] = dup_or_null(sc->session_token);
    }
    if (pl_store_open(spec, PL_STORE_BG_CHECKPOINT, &w->s, err) < 0) {
        free(w);
        return NULL;
    }
    w->dir = pl_xstrdup(dir);
    snprintf(w->source, sizeof w->source, "%s%s", w->s3 ? "" : "dir:", dir);
    w->o = *o;
    w->o.source = w->source;
    w->poll_ms = poll_ms > 0 ? poll_ms : 1000;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->th, NULL, run, w) != 0) {
        pl_store_close(w->s);
        free(w->dir);
        for (int i = 0; i < 5; i++)
            free(w->s3_strs[i]);
        free(w);
        pl_fail(err, PL_E_INTERNAL, "cloudtrail: cannot start the watcher thread");
        return NULL;
    }
    PL_LOG(INFO, "cloudtrail", "watching dir=%s poll_ms=%d", dir, w->poll_ms);
    return w;
}

void pl_trail_watch_stop(struct pl_trail_watch *w)
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
    free(w->dir);
    for (int i = 0; i < 5; i++)
        free(w->s3_strs[i]);
    free(w);
}
