/* group_commit.c — leader/follower group commit for write operations. See group_commit.h.
 *
 * Invariants: an item is on the queue until a leader takes it; a taken item is finished (done,
 * rc and err set) before the leader releases the lock that broadcasts; at most one leader runs
 * at a time, so groups commit in queue order. Every group runs on one dedicated writer
 * connection (only the current leader touches it): its page cache stays warm, where each
 * thread's own connection would find its cache invalidated by the other threads' commits. */
#include "api/group_commit.h"
#include "store/store.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define GROUP_MAX 256 /* items per transaction */

struct item {
    struct pl_op_ctx *c;
    pl_group_fn fn;
    int rc;
    bool done;
    pthread_cond_t cv; /* signalled when done, or when this item should lead */
    struct item *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct item *head, *tail;
static bool leading;
static struct pl_store *writer; /* opened by the first leader, used by one leader at a time */
static char *writer_spec;

/* Takes up to GROUP_MAX items off the queue (mu held). */
static struct item *take_group(void)
{
    struct item *first = head, *last = head;
    for (int n = 1; n < GROUP_MAX && last->next; n++)
        last = last->next;
    head = last->next;
    if (!head)
        tail = NULL;
    last->next = NULL;
    return first;
}

/* Runs a group in one transaction on st; fills each item's rc and err. */
static void run_group(struct pl_store *st, struct item *group)
{
    struct pl_err berr = {0};
    if (pl_store_begin(st, &berr) < 0) {
        for (struct item *i = group; i; i = i->next) {
            *i->c->err = berr;
            i->rc = -1;
        }
        return;
    }
    for (struct item *i = group; i; i = i->next)
        i->rc = i->fn(i->c, st);
    struct pl_err cerr = {0};
    if (pl_store_commit(st, &cerr) < 0)
        for (struct item *i = group; i; i = i->next)
            if (i->rc == 0) {
                *i->c->err = cerr;
                i->rc = -1;
            }
}

/* The writer connection for c's store (reopened if the app's store changed, as in tests that
 * run several servers in one process); falls back to c's own connection if it cannot open.
 * Called by the leader only. */
static struct pl_store *writer_for(struct pl_op_ctx *c)
{
    const char *spec = c->req->app->store_spec;
    if (writer && strcmp(writer_spec, spec) != 0) {
        pl_store_close(writer);
        free(writer_spec);
        writer = NULL;
    }
    if (!writer) {
        struct pl_err err = {0};
        if (pl_store_open(spec, PL_STORE_BG_CHECKPOINT, &writer, &err) < 0)
            return c->st;
        writer_spec = pl_xstrdup(spec);
    }
    return writer;
}

int pl_group_commit(struct pl_op_ctx *c, pl_group_fn fn)
{
    struct item me = {.c = c, .fn = fn};
    pthread_cond_init(&me.cv, NULL);
    pthread_mutex_lock(&mu);
    if (tail)
        tail->next = &me;
    else
        head = &me;
    tail = &me;
    while (!me.done) {
        if (leading) { /* wait to be done, or to be woken as the next leader */
            pthread_cond_wait(&me.cv, &mu);
            continue;
        }
        leading = true;
        struct item *group = take_group();
        pthread_mutex_unlock(&mu);
        run_group(writer_for(c), group);
        pthread_mutex_lock(&mu);
        /* wake exactly the finished items (not a herd), then the next leader if any */
        for (struct item *i = group, *n; i; i = n) {
            n = i->next;
            i->done = true;
            if (i != &me)
                pthread_cond_signal(&i->cv);
        }
        leading = false;
        if (head)
            pthread_cond_signal(&head->cv);
    }
    pthread_mutex_unlock(&mu);
    pthread_cond_destroy(&me.cv);
    return me.rc;
}
