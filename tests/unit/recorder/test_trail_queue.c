/* test_trail_queue.c — sources/trail_queue: the bounded ring between a CloudTrail import's
 * reader thread and its writer (order kept, never more than the ring outstanding, cancel
 * unblocks the reader, reuse after reset), and pl_trail_read_mem through it: many records in
 * order, and a writer failure that stops the reader mid-file. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "t.h"
#include "recorder/sources/cloudtrail.h"
#include "recorder/sources/trail_queue.h"

#define SLOTS 8
#define COUNT 100000

struct prod {
    struct trail_queue *q;
    long made; /* values pushed before the end or the cancel */
};

static void *producer(void *arg)
{
    struct prod *p = arg;
    struct trail_slot *s;
    while (p->made < COUNT && (s = trail_queue_take(p->q))) {
        s->kind = TRAIL_SLOT_EVENT;
        s->ev.event_ms = p->made++;
        trail_queue_push(p->q);
    }
    trail_queue_close(p->q);
    return NULL;
}

static void test_order_and_cancel(void)
{
    struct trail_queue *q = trail_queue_new(SLOTS);
    for (int round = 0; round < 2; round++) { /* the second after a reset: reuse */
        trail_queue_reset(q);
        struct prod p = {q, 0};
        pthread_t t;
        T_EQ(pthread_create(&t, NULL, producer, &p), 0);
        long want = 0, bad = 0;
        struct trail_slot *s;
        while ((s = trail_queue_pop(q))) {
            bad += s->ev.event_ms != want++;
            trail_queue_release(q);
        }
        pthread_join(t, NULL);
        T_EQ(bad, 0);
        T_EQ(want, COUNT);
    }
    /* the writer stops after 10: the reader, blocked on a full ring, gets NULL and ends */
    trail_queue_reset(q);
    struct prod p = {q, 0};
    pthread_t t;
    T_EQ(pthread_create(&t, NULL, producer, &p), 0);
    for (int i = 0; i < 10; i++) {
        T_OK(trail_queue_pop(q) != NULL);
        trail_queue_release(q);
    }
    trail_queue_cancel(q);
    pthread_join(t, NULL);
    T_OK(p.made >= 10 && p.made <= 10 + SLOTS);
    trail_queue_free(q);
}

struct seen {
    long n, bad, stop_at;
};

static int on_event(void *ctx, const struct pl_trail_event *ev, struct pl_err *err)
{
    struct seen *s = ctx;
    char want[32];
    snprintf(want, sizeof want, "e-%ld", s->n);
    s->bad += strcmp(ev->event_id, want) != 0 || ev->nlinks != 1;
    if (++s->n == s->stop_at)
        return pl_fail(err, PL_E_INTERNAL, "the store failed"), -1;
    return 0;
}

/* 2,000 JSON lines, more than the ring: every event in order, its strings still valid. */
static void test_read_mem_many(void)
{
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    for (int i = 0; i < 2000; i++)
        pl_buf_printf(&b,
                      "{\"eventID\":\"e-%d\",\"eventTime\":\"2024-01-01T00:00:00Z\","
                      "\"eventName\":\"CreateTags\",\"eventSource\":\"ec2.amazonaws.com\","
                      "\"awsRegion\":\"us-east-1\",\"recipientAccountId\":\"111122223333\","
                      "\"requestParameters\":{\"groupId\":\"sg-%d\"}}\n",
                      i, i);
    struct pl_err err = {0};
    struct seen s = {0, 0, -1};
    T_EQ(pl_trail_read_mem(pl_buf_cstr(&b), b.len, on_event, &s, NULL, NULL, &err), 0);
    T_EQ(s.n, 2000);
    T_EQ(s.bad, 0);
    struct seen f = {0, 0, 500}; /* the writer fails at the 500th: -1, nothing more read */
    T_EQ(pl_trail_read_mem(pl_buf_cstr(&b), b.len, on_event, &f, NULL, NULL, &err), -1);
    T_EQ(f.n, 500);
    T_STR(err.msg, "the store failed");
    pl_buf_fini(&b);
}

int main(void)
{
    T_RUN(test_order_and_cancel);
    T_RUN(test_read_mem_many);
    return T_EXIT();
}
