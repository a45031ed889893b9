/* trail_queue.c — the bounded slot ring between a CloudTrail import's reader and writer
 * (sources/trail_queue.h). Counters under one mutex: the reader has filled `pushed` slots, the
 * writer has popped `popped` and released `released`; slot i lives at i % n. A side signals
 * the other only when the other waits.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/util.h"
#include "recorder/sources/trail_queue.h"

struct trail_queue {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct trail_slot *slots;
    size_t n;
    size_t pushed, popped, released;
    bool closed, cancelled, waiting;
};

struct trail_queue *trail_queue_new(size_t nslots)
{
    struct trail_queue *q = pl_xcalloc(1, sizeof *q);
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->n = nslots;
    q->slots = pl_xcalloc(nslots, sizeof *q->slots);
    for (size_t i = 0; i < nslots; i++)
        pl_arena_init(&q->slots[i].a);
    return q;
}

void trail_queue_free(struct trail_queue *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->n; i++) {
        pl_arena_fini(&q->slots[i].a);
        free(q->slots[i].buf);
    }
    free(q->slots);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

void trail_queue_reset(struct trail_queue *q)
{
    q->pushed = q->popped = q->released = 0;
    q->closed = q->cancelled = q->waiting = false;
}

/* Waits on the one condition (under mu), saying so, so the other side signals. */
static void wait_other(struct trail_queue *q)
{
    q->waiting = true;
    pthread_cond_wait(&q->cv, &q->mu);
}

static void wake_other(struct trail_queue *q)
{
    if (q->waiting) {
        q->waiting = false;
        pthread_cond_broadcast(&q->cv);
    }
}

struct trail_slot *trail_queue_take(struct trail_queue *q)
{
    pthread_mutex_lock(&q->mu);
    while (!q->cancelled && q->pushed - q->released == q->n)
        wait_other(q);
    struct trail_slot *s = q->cancelled ? NULL : &q->slots[q->pushed % q->n];
    pthread_mutex_unlock(&q->mu);
    return s;
}

void trail_queue_push(struct trail_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->pushed++;
    wake_other(q);
    pthread_mutex_unlock(&q->mu);
}

void trail_queue_close(struct trail_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = true;
    q->waiting = true; /* the writer may wait without having said so yet: always wake */
    wake_other(q);
    pthread_mutex_unlock(&q->mu);
}

struct trail_slot *trail_queue_pop(struct trail_queue *q)
{
    pthread_mutex_lock(&q->mu);
    while (q->popped == q->pushed && !q->closed)
        wait_other(q);
    struct trail_slot *s = q->popped < q->pushed ? &q->slots[q->popped++ % q->n] : NULL;
    pthread_mutex_unlock(&q->mu);
    return s;
}

void trail_queue_release(struct trail_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->released++;
    wake_other(q);
    pthread_mutex_unlock(&q->mu);
}

void trail_queue_cancel(struct trail_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->cancelled = true;
    q->waiting = true;
    wake_other(q);
    pthread_mutex_unlock(&q->mu);
}
