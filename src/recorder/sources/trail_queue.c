/* trail_queue.c — the bounded slot ring between a CloudTrail import's reader and writer
 * (sources/trail_queue.h). Counters under one mutex: the reader has filled `pushed` slots, the
 * writer has popped `popped` and released `released`; slot i lives at i % n. A side wakes
 * the other only when the other waits and has enough to do (a quarter of the ring filled for
 * the writer, half of it free for the reader, or the end), so a thread switch costs a batch
 * of values, not one each.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/util.h"
#include "recorder/sources/trail_queue.h"

struct trail_queue {
    pthread_mutex_t mu;
    pthread_cond_t reader_cv, writer_cv;
    struct trail_slot *slots;
    size_t n;
    size_t pushed, popped, released;
    bool closed, cancelled, reader_waits, writer_waits;
};

struct trail_queue *trail_queue_new(size_t nslots)
{
    struct trail_queue *q = pl_xcalloc(1, sizeof *q);
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->reader_cv, NULL);
    pthread_cond_init(&q->writer_cv, NULL);
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
    pthread_cond_destroy(&q->reader_cv);
    pthread_cond_destroy(&q->writer_cv);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

void trail_queue_reset(struct trail_queue *q)
{
    q->pushed = q->popped = q->released = 0;
    q->closed = q->cancelled = q->reader_waits = q->writer_waits = false;
}

/* Under mu: wakes a waiting side (the other's condition changed enough). */
static void wake(bool *waits, pthread_cond_t *cv)
{
    if (*waits) {
        *waits = false;
        pthread_cond_signal(cv);
    }
}

struct trail_slot *trail_queue_take(struct trail_queue *q)
{
    pthread_mutex_lock(&q->mu);
    while (!q->cancelled && q->pushed - q->released == q->n) {
        q->reader_waits = true;
        pthread_cond_wait(&q->reader_cv, &q->mu);
    }
    struct trail_slot *s = q->cancelled ? NULL : &q->slots[q->pushed % q->n];
    pthread_mutex_unlock(&q->mu);
    return s;
}

void trail_queue_push(struct trail_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->pushed++;
    if (q->pushed - q->popped >= q->n / 4) /* a batch for the writer */
        wake(&q->writer_waits, &q->writer_cv);
    pthread_mutex_unlock(&q->mu);
}

void trail_queue_close(struct trail_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = true;
    wake(&q->writer_waits, &q->writer_cv);
    pthread_mutex_unlock(&q->mu);
}

struct trail_slot *trail_queue_pop(struct trail_queue *q)
{
    pthread_mutex_lock(&q->mu);
    while (q->popped == q->pushed && !q->closed) {
        q->writer_waits = true;
        pthread_cond_wait(&q->writer_cv, &q->mu);
    }
    struct trail_slot *s = q->popped < q->pushed ? &q->slots[q->popped++ % q->n] : NULL;
    pthread_mutex_unlock(&q->mu);
    return s;
}

void trail_queue_release(struct trail_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->released++;
    if (q->pushed - q->released <= q->n / 2) /* half the ring free for the reader */
        wake(&q->reader_waits, &q->reader_cv);
    pthread_mutex_unlock(&q->mu);
}

void trail_queue_cancel(struct trail_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->cancelled = true;
    wake(&q->reader_waits, &q->reader_cv);
    pthread_mutex_unlock(&q->mu);
}
