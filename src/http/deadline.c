/* deadline.c — the request-header and request-body deadline watch (see deadline.h).
 *
 * Entries form one doubly linked list under dl->mu; the sweeper scans it every tick (a quarter
 * of the header deadline, 100 ms to 1 s), which is cheap next to the sockets it guards (10,000
 * entries take well under a millisecond). Each entry has two deadlines, the headers' and the
 * body's, each an atomic (0 = none) so the request path moves between them without taking the
 * lock; at most one is set at a time. Shut-down sockets are counted in
 * plumb_http_header_timeouts_total or plumb_http_body_timeouts_total, by the deadline missed.
 */
#include "http/deadline.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/time.h"
#include "core/util.h"

#define TIMEOUTS_METRIC      "plumb_http_header_timeouts_total"
#define BODY_TIMEOUTS_METRIC "plumb_http_body_timeouts_total"

struct pl_http_watched {
    struct pl_http_watched *prev, *next;
    int fd;
    _Atomic int64_t deadline_ns[2]; /* monotonic, [0] headers, [1] body; 0: not waiting */
};

struct pl_http_deadline {
    pthread_mutex_t mu;
    pthread_cond_t cv;           /* signalled on stop; CLOCK_MONOTONIC */
    struct pl_http_watched head; /* list sentinel */
    int64_t header_ns, rearm_ns, body_ns, tick_ns;
    int stopping;
    pthread_t thread;
};

/* Shuts down every tracked socket past one of its deadlines; called with dl->mu held. Counts
 * them in n[0] (headers) and n[1] (bodies). */
static void sweep(struct pl_http_deadline *dl, int64_t now, unsigned n[2])
{
    for (struct pl_http_watched *w = dl->head.next; w != &dl->head; w = w->next) {
        for (int k = 0; k < 2; k++) {
            int64_t d = atomic_load_explicit(&w->deadline_ns[k], memory_order_relaxed);
            if (d == 0 || now < d)
                continue;
            atomic_store_explicit(&w->deadline_ns[k], 0, memory_order_relaxed);
            shutdown(w->fd, SHUT_RDWR); /* the event loop sees EOF and closes the connection */
            n[k]++;
            break;
        }
    }
}

/* Sets w's deadline k to at (0: none) and clears the other one. */
static void set_deadline(struct pl_http_watched *w, int k, int64_t at)
{
    atomic_store_explicit(&w->deadline_ns[!k], 0, memory_order_relaxed);
    atomic_store_explicit(&w->deadline_ns[k], at, memory_order_relaxed);
}

static void *sweeper(void *arg)
{
    struct pl_http_deadline *dl = arg;
    pthread_mutex_lock(&dl->mu);
    while (!dl->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t at = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + dl->tick_ns;
        ts.tv_sec = at / 1000000000;
        ts.tv_nsec = at % 1000000000;
        pthread_cond_timedwait(&dl->cv, &dl->mu, &ts);
        if (dl->stopping)
            break;
        unsigned n[2] = {0, 0};
        sweep(dl, pl_mono_ns(), n);
        if (n[0] || n[1]) {
            pl_metrics_add(TIMEOUTS_METRIC, NULL, n[0]);
            pl_metrics_add(BODY_TIMEOUTS_METRIC, NULL, n[1]);
            PL_LOG(DEBUG, "http", "header_timeouts=%u body_timeouts=%u", n[0], n[1]);
        }
    }
    pthread_mutex_unlock(&dl->mu);
    return NULL;
}

struct pl_http_deadline *pl_http_deadline_start(unsigned header_s, unsigned rearm_s,
                                                unsigned body_s, struct pl_err *err)
{
    struct pl_http_deadline *dl = pl_xcalloc(1, sizeof *dl);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&dl->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&dl->mu, NULL);
    dl->head.prev = dl->head.next = &dl->head;
    dl->header_ns = (int64_t)header_s * 1000000000;
    dl->rearm_ns = (int64_t)rearm_s * 1000000000;
    dl->body_ns = (int64_t)body_s * 1000000000;
    dl->tick_ns = dl->header_ns / 4;
    if (dl->tick_ns < 100000000)
        dl->tick_ns = 100000000;
    if (dl->tick_ns > 1000000000)
        dl->tick_ns = 1000000000;
    pl_metrics_help(TIMEOUTS_METRIC,
                    "Connections closed because their request headers missed the deadline.");
    pl_metrics_add(TIMEOUTS_METRIC, NULL, 0);
    pl_metrics_help(BODY_TIMEOUTS_METRIC,
                    "Connections closed because their request body missed the deadline.");
    pl_metrics_add(BODY_TIMEOUTS_METRIC, NULL, 0);
    if (pthread_create(&dl->thread, NULL, sweeper, dl) != 0) {
        pthread_cond_destroy(&dl->cv);
        pthread_mutex_destroy(&dl->mu);
        free(dl);
        pl_fail(err, PL_E_INTERNAL, "cannot start the header deadline thread");
        return NULL;
    }
    return dl;
}

void pl_http_deadline_stop(struct pl_http_deadline *dl)
{
    if (!dl)
        return;
    pthread_mutex_lock(&dl->mu);
    dl->stopping = 1;
    pthread_cond_signal(&dl->cv);
    pthread_mutex_unlock(&dl->mu);
    pthread_join(dl->thread, NULL);
    while (dl->head.next != &dl->head)
        pl_http_deadline_untrack(dl, dl->head.next);
    pthread_cond_destroy(&dl->cv);
    pthread_mutex_destroy(&dl->mu);
    free(dl);
}

struct pl_http_watched *pl_http_deadline_track(struct pl_http_deadline *dl, int fd)
{
    struct pl_http_watched *w = pl_xcalloc(1, sizeof *w);
    w->fd = fd;
    atomic_init(&w->deadline_ns[0], pl_mono_ns() + dl->header_ns);
    atomic_init(&w->deadline_ns[1], 0);
    pthread_mutex_lock(&dl->mu);
    w->prev = dl->head.prev;
    w->next = &dl->head;
    dl->head.prev->next = w;
    dl->head.prev = w;
    pthread_mutex_unlock(&dl->mu);
    return w;
}

void pl_http_deadline_untrack(struct pl_http_deadline *dl, struct pl_http_watched *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&dl->mu);
    w->prev->next = w->next;
    w->next->prev = w->prev;
    pthread_mutex_unlock(&dl->mu);
    free(w);
}

void pl_http_deadline_body(struct pl_http_deadline *dl, struct pl_http_watched *w)
{
    if (w)
        set_deadline(w, 1, pl_mono_ns() + dl->body_ns);
}

void pl_http_deadline_done(struct pl_http_watched *w)
{
    if (w)
        set_deadline(w, 0, 0);
}

void pl_http_deadline_rearm(struct pl_http_deadline *dl, struct pl_http_watched *w)
{
    if (w)
        set_deadline(w, 0, pl_mono_ns() + dl->rearm_ns);
}
