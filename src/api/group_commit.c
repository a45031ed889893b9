/* group_commit.c — leader/follower group commit for write operations. See group_commit.h.
 *
 * Invariants: an item is on the queue until a leader takes it; a taken item is finished (done,
 * rc and err set) before the leader releases the lock that broadcasts; at most one leader runs
 * at a time, so groups commit in queue order. Every group runs on one dedicated writer
 * connection (only the current leader touches it): its page cache stays warm, where each
 * thread's own connection would find its cache invalidated by the other threads' commits.
 * The queue and the writer belong to a struct pl_group, which the app owns (app.h). */
#include "api/group_commit.h"
#include "store/store.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

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

struct pl_group {
    pthread_mutex_t mu;
    struct item *head, *tail;
    bool leading;
    struct pl_store *writer; /* opened by the first leader, used by one leader at a time */
    char *spec;
};

struct pl_group *pl_group_new(const char *spec)
{
    struct pl_group *g = pl_xcalloc(1, sizeof *g);
    pthread_mutex_init(&g->mu, NULL);
    g->spec = pl_xstrdup(spec);
    return g;
}

void pl_group_free(struct pl_group *g)
{
    if (!g)
        return;
    pl_store_close(g->writer);
    pthread_mutex_destroy(&g->mu);
    free(g->spec);
    free(g);
}

/* Takes up to GROUP_MAX items off the queue (g->mu held). */
static struct item *take_group(struct pl_group *g)
{
    struct item *first = g->head, *last = g->head;
    for (int n = 1; n < GROUP_MAX && last->next; n++)
        last = last->next;
    g->head = last->next;
    if (!g->head)
        g->tail = NULL;
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

/* The group's writer connection (opened on first use); falls back to c's own connection if it
 * cannot open. Called by the leader only. */
static struct pl_store *writer_for(struct pl_group *g, struct pl_op_ctx *c)
{
    if (!g->writer) {
        struct pl_err err = {0};
        if (pl_store_open(g->spec, PL_STORE_BG_CHECKPOINT, &g->writer, &err) < 0)
            return c->st;
    }
    return g->writer;
}

int pl_group_commit(struct pl_op_ctx *c, pl_group_fn fn)
{
    struct pl_group *g = c->req->app->group;
    struct item me = {.c = c, .fn = fn};
    pthread_cond_init(&me.cv, NULL);
    pthread_mutex_lock(&g->mu);
    if (g->tail)
        g->tail->next = &me;
    else
        g->head = &me;
    g->tail = &me;
    while (!me.done) {
        if (g->leading) { /* wait to be done, or to be woken as the next leader */
            pthread_cond_wait(&me.cv, &g->mu);
            continue;
        }
        g->leading = true;
        struct item *group = take_group(g);
        pthread_mutex_unlock(&g->mu);
        run_group(writer_for(g, c), group);
        pthread_mutex_lock(&g->mu);
        /* wake exactly the finished items (not a herd), then the next leader if any */
        for (struct item *i = group, *n; i; i = n) {
            n = i->next;
            i->done = true;
            if (i != &me)
                pthread_cond_signal(&i->cv);
        }
        g->leading = false;
        if (g->head)
            pthread_cond_signal(&g->head->cv);
    }
    pthread_mutex_unlock(&g->mu);
    pthread_cond_destroy(&me.cv);
    return me.rc;
}
