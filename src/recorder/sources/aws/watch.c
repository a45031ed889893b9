/* watch.c — `plumb serve --discover aws`: a thread that runs a discovery sweep (sweep.c) at
 * start and then every interval, on its own store connection, with AWS's recorder semantics
 * (PL_REC_MODE_RECORDER: the partition's recorder must be running and its group decides, as
 * AWS Config records nothing until its recorder is started). The region is read once at start;
 * the credential chain at start and again before each sweep (temporary credentials from web
 * identity, a role or metadata expire), and the sweep goes into the role ARNs' and the
 * organization's accounts when given (roles.c). A failed sweep is logged and the next one runs
 * at its time.
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
    char *arns_buf;        /* the role ARNs' text, split in place */
    const char *arns[257]; /* NULL-terminated */
    struct pl_discover_roles roles;
    int64_t sweeps; /* finished sweeps (read under mu) */
};

static void sweep_once(struct pl_discover_watch *w)
{
    struct pl_discover_opts o = {.mode = PL_REC_MODE_RECORDER};
    struct pl_discover_stats st = {0};
    struct pl_err err = {0};
    struct pl_aws_creds fresh;
    if (pl_aws_creds_chain(NULL, w->region, &fresh, &err) == 0)
        w->creds = fresh;
    else
        PL_LOG(WARN, "discover", "credentials err=\"%s\" (the last ones are used)", err.msg);
    memset(&fresh, 0, sizeof fresh);
    memset(&err, 0, sizeof err);
    struct pl_aws_ctx *c = pl_xcalloc(1, sizeof *c);
    pl_aws_ctx_init(c, &w->creds, w->region);
    int rc = pl_discover_roles_any(&w->roles)
                 ? pl_discover_accounts(w->s, c, &w->roles, &o, &st, &err)
                 : pl_discover_sweep(w->s, c, &o, &st, &err);
    if (rc < 0)
        PL_LOG(WARN, "discover", "sweep region=%s err=\"%s\"", w->region, err.msg);
    PL_LOG(INFO, "discover",
           "sweep account=%s region=%s found=%lld recorded=%lld unchanged=%lld deleted=%lld "
           "not_recorded=%lld calls=%lld retries=%lld seconds=%.2f",
           st.account, w->region, (long long)st.found, (long long)st.recorded,
           (long long)st.unchanged, (long long)st.deleted, (long long)st.not_recorded,
           (long long)st.calls, (long long)st.retries, st.seconds);
    memset(c, 0, sizeof *c);
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

/* splits the comma-separated role ARNs into w->arns */
static void split_arns(struct pl_discover_watch *w, const char *csv)
{
    size_t n = 0, max = sizeof w->arns / sizeof w->arns[0] - 1;
    w->arns_buf = csv && *csv ? pl_xstrdup(csv) : NULL;
    char *save = NULL, *t = w->arns_buf ? strtok_r(w->arns_buf, ",", &save) : NULL;
    for (; t && n < max; t = strtok_r(NULL, ",", &save))
        w->arns[n++] = t;
    w->arns[n] = NULL;
    w->roles.role_arns = n ? w->arns : NULL;
}

struct pl_discover_watch *pl_discover_watch_start(const char *spec, int interval_s,
                                                  const char *role_arns, const char *org_role,
                                                  struct pl_err *err)
{
    struct pl_discover_watch *w = pl_xcalloc(1, sizeof *w);
    pl_aws_region_default(NULL, w->region, sizeof w->region);
    if (pl_aws_creds_chain(NULL, w->region, &w->creds, err) < 0) {
        free(w);
        return NULL;
    }
    split_arns(w, role_arns);
    w->roles.org_role = org_role && *org_role ? org_role : NULL;
    w->interval_s = interval_s > 0 ? interval_s : PL_DISCOVER_INTERVAL_S;
    if (pl_store_open(spec, PL_STORE_BG_CHECKPOINT, &w->s, err) < 0) {
        free(w->arns_buf);
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->th, NULL, run, w) != 0) {
        pl_store_close(w->s);
        free(w->arns_buf);
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
    free(w->arns_buf);
    free(w);
}
