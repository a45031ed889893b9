/* pack_worker.c — deploys and deletes conformance packs: one thread claims "packs.deploy"
 * outbox items (woken by the store's listener when this process queues one, else every poll)
 * and runs each with pl_ops__pack_work (ops_packs.c) as the item's partition. An attempt that
 * fails (a store error) is retried with backoff; after MAX_ATTEMPTS the pack is CREATE_FAILED or
 * DELETE_FAILED with the error (pl_ops__pack_work_failed). Calls ops_packs.c one way. */
#include "api/pack_worker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "api/ops_org.h"
#include "core/log.h"
#include "core/time.h"
#include "core/util.h"
#include "store/store.h"

#define LEASE_MS     (10 * 60 * 1000LL) /* far beyond the largest pack's deploy */
#define POLL_MS      200                /* other processes' items */
#define MAX_ATTEMPTS 3
#define RETRY_MS     200 /* doubled at each attempt */

struct pl_pack_worker {
    struct pl_app *app;
    struct pl_store *st;
    struct pl_store_listener *listener;
    char *gate; /* PLUMB_TEST_PACK_GATE, or NULL */
    pthread_t th;
    bool has_thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, kicked;
};

static bool gate_has(const struct pl_pack_worker *w, const char *what)
{
    char path[4096];
    struct stat sb;
    if (!w->gate)
        return false;
    snprintf(path, sizeof path, "%s/%s", w->gate, what);
    return stat(path, &sb) == 0;
}

static bool stopping(struct pl_pack_worker *w)
{
    pthread_mutex_lock(&w->mu);
    bool s = w->stop;
    pthread_mutex_unlock(&w->mu);
    return s;
}

/* The test hook: waits while the gate's "hold" exists, having created its "held" (the test's
 * sign that an item is claimed and waits). */
static void hold(struct pl_pack_worker *w)
{
    char path[4096];
    if (!gate_has(w, "hold"))
        return;
    snprintf(path, sizeof path, "%s/held", w->gate);
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
    while (gate_has(w, "hold") && !stopping(w)) {
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
}

/* One attempt at item it: 0 done, -1 failed (err). */
static int attempt(struct pl_pack_worker *w, const struct pl_outbox_item *it,
                   const struct pl_json *payload, struct pl_arena *a, struct pl_err *err)
{
    struct pl_api_req req = {.app = w->app,
                             .target_prefix = "StarlingDoveService",
                             .op = "PutConformancePack",
                             .request_id = "pack-worker",
                             .arena = a};
    pl_strlcpy(req.part.account, it->account, sizeof req.part.account);
    pl_strlcpy(req.part.region, it->region, sizeof req.part.region);
    struct pl_op_ctx c = {.req = &req,
                          .account = req.part.account,
                          .region = req.part.region,
                          .in = pl_json_new_obj(a),
                          .out = pl_json_new_obj(a),
                          .a = a,
                          .st = w->st,
                          .err = err};
    if (gate_has(w, "fail"))
        return pl_fail(err, PL_E_INTERNAL, "injected store failure (PLUMB_TEST_PACK_GATE/fail)");
    if (pl_ops__pack_work(&c, payload, it->id) == 0)
        return 0;
    if (pl_store_in_tx(w->st))
        pl_store_rollback(w->st);
    return -1;
}

/* After a failed attempt: another one later, or the pack *_FAILED after the last. */
static void failed(struct pl_pack_worker *w, const struct pl_outbox_item *it,
                   const struct pl_json *payload, struct pl_arena *a, const char *why)
{
    struct pl_err err = {.arena = a};
    PL_LOG(WARN, "packs", "account=%s region=%s attempt=%d err=\"%s\"", it->account, it->region,
           it->attempts, why);
    int rc;
    if (it->attempts < MAX_ATTEMPTS) {
        rc = pl_store_outbox_retry(
            w->st, it->id, pl_now_ms() + ((int64_t)RETRY_MS << (it->attempts - 1)), why, &err);
    } else {
        struct pl_api_req req = {.app = w->app, .arena = a};
        pl_strlcpy(req.part.account, it->account, sizeof req.part.account);
        pl_strlcpy(req.part.region, it->region, sizeof req.part.region);
        struct pl_op_ctx c = {.req = &req,
                              .account = req.part.account,
                              .region = req.part.region,
                              .a = a,
                              .st = w->st,
                              .err = &err};
        rc = pl_ops__pack_work_failed(
            &c, payload, it->id,
            pl_arena_printf(a, "plumb could not complete the request after %d attempts: %s",
                            it->attempts, why));
    }
    if (rc < 0)
        PL_LOG(WARN, "packs", "cannot record the failure err=\"%s\"", pl_err_msg(&err));
}

/* Claims and runs one item: 1 ran one, 0 none due, -1 error. */
static int tick(struct pl_pack_worker *w)
{
    struct pl_arena a;
    struct pl_outbox_item *items;
    size_t n;
    pl_arena_init(&a);
    struct pl_err err = {.arena = &a};
    int rc =
        pl_store_outbox_claim(w->st, PL_OUTBOX_PACKS_DEPLOY, 1, LEASE_MS, &a, &items, &n, &err);
    if (rc == 0 && n == 1) {
        const struct pl_outbox_item *it = &items[0];
        struct pl_json *payload = pl_json_parse(&a, it->payload, it->len, &err);
        hold(w);
        if (!payload) /* never written so: complete it rather than retry forever */
            rc = pl_store_outbox_complete(w->st, it->id, &err);
        else if (attempt(w, it, payload, &a, &err) < 0)
            failed(w, it, payload, &a, pl_arena_strdup(&a, pl_err_msg(&err)));
        rc = rc < 0 ? -1 : 1;
    }
    if (rc < 0)
        PL_LOG(WARN, "packs", "claim err=\"%s\"", pl_err_msg(&err));
    pl_arena_fini(&a);
    return rc;
}

static void kick(void *arg)
{
    struct pl_pack_worker *w = arg;
    pthread_mutex_lock(&w->mu);
    w->kicked = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void *loop(void *arg)
{
    struct pl_pack_worker *w = arg;
    for (;;) {
        int got = tick(w);
        pthread_mutex_lock(&w->mu);
        if (!w->stop && !w->kicked && got <= 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t ns = ts.tv_nsec + (int64_t)POLL_MS * 1000000;
            ts.tv_sec += ns / 1000000000;
            ts.tv_nsec = ns % 1000000000;
            pthread_cond_timedwait(&w->cv, &w->mu, &ts);
        }
        w->kicked = false;
        bool stop = w->stop;
        pthread_mutex_unlock(&w->mu);
        if (stop)
            break;
    }
    return NULL;
}

struct pl_pack_worker *pl_pack_worker_start(struct pl_app *app, struct pl_err *err)
{
    struct pl_pack_worker *w = pl_xcalloc(1, sizeof *w);
    const char *gate = getenv("PLUMB_TEST_PACK_GATE");
    w->app = app;
    w->gate = gate && *gate ? pl_xstrdup(gate) : NULL;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pl_store_open(app->store_spec, 0, &w->st, err) < 0)
        goto fail;
    w->listener = pl_store_outbox_listen(w->st, 1u << PL_OUTBOX_PACKS_DEPLOY, kick, w);
    if (pthread_create(&w->th, NULL, loop, w) != 0) {
        pl_fail(err, PL_E_INTERNAL, "cannot start the conformance pack thread");
        goto fail;
    }
    w->has_thread = true;
    return w;
fail:
    pl_pack_worker_stop(w);
    return NULL;
}

void pl_pack_worker_stop(struct pl_pack_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (w->has_thread)
        pthread_join(w->th, NULL);
    pl_store_outbox_unlisten(w->listener);
    pl_store_close(w->st);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w->gate);
    free(w);
}
