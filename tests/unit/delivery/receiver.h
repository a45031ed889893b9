/* receiver.h — a tiny HTTP receiver for webhook tests and benchmarks: a thread per (kept-alive)
 * connection; records each POST body, verifies X-Plumb-Signature when a secret is
 * set, and answers 500 while `fail` > 0 (decremented per request) or `fail_always` is set. */
#ifndef PL_TEST_RECEIVER_H
#define PL_TEST_RECEIVER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct receiver {
    int port;
    const char *secret;   /* NULL: no check */
    int fail;             /* answer 500 to the next `fail` requests */
    int fail_always;
    int keep_bodies;      /* store bodies (tests) or only count them (benchmarks) */
    int bad_signatures;   /* requests whose signature did not verify */
    size_t count;         /* successful (200) requests */
    size_t requests;      /* all requests */
    char **bodies;        /* of the 200s, when keep_bodies */
    void (*on_body)(void *ctx, const char *body, size_t n); /* optional, on each 200 */
    void *ctx;
    /* private */
    int fd, active;
    volatile int stop;
    pthread_t th;
    pthread_mutex_t mu;
};

int receiver_start(struct receiver *r); /* picks a free loopback port */
void receiver_stop(struct receiver *r);
/* Locked snapshot of count. */
size_t receiver_count(struct receiver *r);

#endif
