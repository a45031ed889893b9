/* pool.c — one store connection per thread on one spec (store.h, "connections per thread").
 *
 * Each connection is kept in a list node that is both the thread's key value and a member of
 * the pool's list: a thread that exits closes its own (the key's destructor), the pool closes
 * the rest. Invariant: a node is on the list exactly while its connection is open.
 */
#include <pthread.h>
#include <stdlib.h>

#include "core/util.h"
#include "store/store.h"

struct conn {
    struct pl_store_pool *pool;
    struct pl_store *st;
    struct conn *prev, *next;
};

struct pl_store_pool {
    char *spec;
    pthread_key_t key;
    pthread_mutex_t mu;
    struct conn *conns;
};

static void unlink_conn(struct conn *c)
{
    struct pl_store_pool *p = c->pool;
    pthread_mutex_lock(&p->mu);
    (void)PL_ALWAYS(c->prev ? c->prev->next == c : p->conns == c);
    if (c->prev)
        c->prev->next = c->next;
    else
        p->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&p->mu);
}

static void thread_exit(void *v)
{
    struct conn *c = v;
    unlink_conn(c);
    pl_store_close(c->st);
    free(c);
}

int pl_store_pool_open(const char *spec, struct pl_store_pool **out, struct pl_err *err)
{
    *out = NULL;
    struct pl_store *st;
    if (pl_store_open(spec, 0, &st, err) < 0) /* creates or migrates once, up front */
        return -1;
    pl_store_close(st);
    struct pl_store_pool *p = pl_xcalloc(1, sizeof *p);
    if (pthread_key_create(&p->key, thread_exit) != 0) {
        free(p);
        return pl_fail(err, PL_E_INTERNAL, "store: cannot create a thread key");
    }
    pthread_mutex_init(&p->mu, NULL);
    p->spec = pl_xstrdup(spec);
    *out = p;
    return 0;
}

void pl_store_pool_close(struct pl_store_pool *p)
{
    if (!p)
        return;
    pthread_key_delete(p->key); /* no destructor runs after this */
    for (struct conn *c = p->conns, *n; c; c = n) {
        n = c->next;
        pl_store_close(c->st);
        free(c);
    }
    pthread_mutex_destroy(&p->mu);
    free(p->spec);
    free(p);
}

struct pl_store *pl_store_pool_thread(struct pl_store_pool *p, struct pl_err *err)
{
    struct conn *c = pthread_getspecific(p->key);
    if (c)
        return c->st;
    struct pl_store *st;
    if (pl_store_open(p->spec, 0, &st, err) < 0)
        return NULL;
    c = pl_xcalloc(1, sizeof *c);
    c->pool = p;
    c->st = st;
    pthread_mutex_lock(&p->mu);
    c->next = p->conns;
    if (p->conns)
        p->conns->prev = c;
    p->conns = c;
    pthread_mutex_unlock(&p->mu);
    pthread_setspecific(p->key, c);
    return st;
}

const char *pl_store_pool_spec(const struct pl_store_pool *p)
{
    return p->spec;
}
