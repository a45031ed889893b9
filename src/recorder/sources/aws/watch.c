/* watch.c — `plumb serve --discover aws`: a thread that runs a discovery sweep (sweep.c) at
 * start and then every interval, on its own store connection, with AWS's recorder semantics
 * (PL_REC_MODE_RECORDER: the partition's recorder must be running and its group decides, as
 * AWS Config records nothing until its recorder is started). The region is read once at start;
 * the credential chain at start and again before each sweep (temporary credentials from web
 * identity, a role or metadata expire), and the sweep goes into the role ARNs' and the
 * organization's accounts when given (roles.c). A failed sweep is logged and the next one runs
 * at its time. Event-driven refresh: pl_discover_watch_event (called by the CloudTrail watcher
 * for each event it stores) queues the discovered resources the event touched, and the thread
 * re-describes each at once (a sweep of its type with only_ref: recorded when it changed,
 * ResourceDeleted when AWS no longer lists it), with the account's credentials (the caller's,
 * or by AssumeRole of its --role-arn or the organization role).
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
#include "recorder/sources/cloudtrail.h"

#define REFRESH_MAX 1024 /* queued re-describes; past it they wait for the next sweep */

struct touched {
    char account[13], type[64], ref[256];
};

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
    char own[13];   /* the caller's account (STS GetCallerIdentity), "" until known */
    struct touched queue[REFRESH_MAX]; /* under mu */
    size_t nqueue;
    int64_t dropped;
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

/* the role to assume for account t (NULL: the caller's own credentials), "" when the watch
 * does not sweep that account; in a */
static const char *role_for(struct pl_discover_watch *w, struct pl_aws_ctx *c, struct pl_arena *a,
                            const char *account)
{
    if (!w->own[0]) {
        struct pl_err e = {0};
        const char *own = pl_aws_caller_account(c, a, &e);
        if (own)
            snprintf(w->own, sizeof w->own, "%s", own);
    }
    if (strcmp(account, w->own) == 0)
        return NULL;
    for (size_t i = 0; w->roles.role_arns && w->arns[i]; i++) {
        const char *acct = NULL;
        if (pl_arn_account(w->arns[i], &acct) == 12 && strncmp(acct, account, 12) == 0)
            return w->arns[i];
    }
    if (w->roles.org_role)
        return pl_arena_printf(a, "arn:aws:iam::%s:role/%s", account, w->roles.org_role);
    return "";
}

/* re-describes one touched resource */
static void refresh(struct pl_discover_watch *w, const struct touched *t)
{
    const char *types[2] = {t->type, NULL};
    struct pl_discover_opts o = {
        .mode = PL_REC_MODE_RECORDER, .types = types, .only_ref = t->ref, .account = t->account};
    struct pl_discover_stats st = {0};
    struct pl_err err = {0};
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_aws_ctx *c = pl_xcalloc(1, sizeof *c);
    pl_aws_ctx_init(c, &w->creds, w->region);
    const char *role = role_for(w, c, &a, t->account);
    int rc = 0;
    if (role && !*role) {
        PL_LOG(DEBUG, "discover", "refresh account=%s not swept", t->account);
    } else if (role) {
        const char *arns[2] = {role, NULL};
        struct pl_discover_roles r = {.role_arns = arns, .external_id = w->roles.external_id};
        o.account = NULL;
        rc = pl_discover_accounts(w->s, c, &r, &o, &st, &err);
    } else {
        rc = pl_discover_sweep(w->s, c, &o, &st, &err);
    }
    if (rc < 0)
        PL_LOG(WARN, "discover", "refresh type=%s id=%s err=\"%s\"", t->type, t->ref, err.msg);
    else if (!role || *role)
        PL_LOG(INFO, "discover",
               "refresh account=%s type=%s id=%s found=%lld recorded=%lld deleted=%lld calls=%lld",
               t->account, t->type, t->ref, (long long)st.found, (long long)st.recorded,
               (long long)st.deleted, (long long)st.calls);
    memset(c, 0, sizeof *c);
    free(c);
    pl_arena_fini(&a);
}

/* the queued re-describes, done outside the lock; called with mu held */
static void drain(struct pl_discover_watch *w)
{
    while (w->nqueue && !w->stop) {
        struct touched t = w->queue[0];
        memmove(&w->queue[0], &w->queue[1], --w->nqueue * sizeof w->queue[0]);
        pthread_mutex_unlock(&w->mu);
        refresh(w, &t);
        pthread_mutex_lock(&w->mu);
    }
}

static void *run(void *arg)
{
    struct pl_discover_watch *w = arg;
    pthread_mutex_lock(&w->mu);
    struct timespec next = {0}; /* the next sweep: at once */
    while (!w->stop) {
        drain(w);
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        if (w->stop)
            break;
        if (now.tv_sec >= next.tv_sec) {
            pthread_mutex_unlock(&w->mu);
            sweep_once(w);
            pthread_mutex_lock(&w->mu);
            w->sweeps++;
            clock_gettime(CLOCK_REALTIME, &next);
            next.tv_sec += w->interval_s;
            continue;
        }
        if (!w->nqueue)
            pthread_cond_timedwait(&w->cv, &w->mu, &next);
    }
    pthread_mutex_unlock(&w->mu);
    pl_client_thread_done();
    return NULL;
}

/* the (type, id or name) an event's link names when discovery knows the type, else 0 */
static int link_target(const struct pl_trail_link *l, const char **type, const char **ref)
{
    *type = l->resource_type;
    *ref = l->ref;
    if ((!*type || !**type) && pl_starts_with(*ref, "arn:aws:s3:::") && !strchr(*ref + 13, '/'))
        *type = "AWS::S3::Bucket", *ref += 13;
    if (!*type || !*ref || !**ref || strcmp(*type, "AWS::::Account") == 0)
        return 0;
    for (size_t i = 0; pl_aws_types[i]; i++)
        if (strcmp(pl_aws_types[i], *type) == 0)
            return 1;
    return 0;
}

void pl_discover_watch_event(void *u, const struct pl_trail_event *ev)
{
    struct pl_discover_watch *w = u;
    if (!w || (ev->error_code && *ev->error_code) || !ev->account)
        return; /* a failed call changed nothing */
    pthread_mutex_lock(&w->mu);
    for (size_t i = 0; i < ev->nlinks; i++) {
        const char *type, *ref;
        if (!link_target(&ev->links[i], &type, &ref))
            continue;
        bool global = pl_starts_with(type, "AWS::IAM::"); /* recorded in the swept region */
        if (!global && ev->region && strcmp(ev->region, w->region) != 0)
            continue;
        struct touched t;
        memset(&t, 0, sizeof t);
        snprintf(t.account, sizeof t.account, "%s", ev->account);
        snprintf(t.type, sizeof t.type, "%s", type);
        snprintf(t.ref, sizeof t.ref, "%s", ref);
        size_t k = 0;
        while (k < w->nqueue && memcmp(&w->queue[k], &t, sizeof t) != 0)
            k++;
        if (k < w->nqueue)
            continue; /* queued already */
        if (w->nqueue == REFRESH_MAX) {
            w->dropped++;
            continue;
        }
        w->queue[w->nqueue++] = t;
    }
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
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
