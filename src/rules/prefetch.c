/* prefetch.c — the walk over current CIs that full runs use, read ahead on a second core.
 *
 * A full run (new or updated rule, StartConfigRulesEvaluation, periodic run) visits the latest
 * CI of every current resource of some types. Reading a page of CIs from SQLite and parsing and
 * rendering each one costs about as much as evaluating the rules and storing their results, so
 * a reader thread does the first half: it opens its own read-only store connection, reads pages
 * of PAGE_ROWS CIs (pl_store_current_cis, in (type, id) order) and renders each into the page's
 * arena, while the run's thread evaluates the previous page.
 *
 * Invariants: pages are handed over in order through a ring of NPAGES slots under one mutex; a
 * slot belongs to the reader while empty and to the consumer while full; the consumer stops the
 * reader (and joins it) before returning, whatever happened. The reader sees each page as of
 * the moment it reads it (its own read transaction per page), as the single-threaded walk did.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "recorder/recorder.h"
#include "rules/rules_int.h"

#define PAGE_ROWS  256
#define NPAGES     3
#define PAGE_BLOCK (8u << 20) /* one block holds a page's rendered CIs: reset keeps it */

struct page {
    struct pl_arena a;
    struct pl_ci_row *rows;
    struct pl_json **cis;
    size_t n;
    bool full;
};

struct prefetch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct page pages[NPAGES];
    bool stop; /* consumer -> reader: give up */
    bool done; /* reader -> consumer: no more pages after the full ones */
    int rc;    /* reader's result: 0, or -1 with err */
    struct pl_err err;
    const struct pl_run *run;
    const char *const *types;
    size_t ntypes;
};

/* Waits until slot i is in the wanted state (or the walk is stopped). Under p->mu. */
static bool wait_slot(struct prefetch *p, size_t i, bool full)
{
    while (p->pages[i].full != full && !p->stop && !(full && p->done))
        pthread_cond_wait(&p->cv, &p->mu);
    return p->pages[i].full == full;
}

/* Reads and renders one page of type's CIs after *after into pg. 0, or -1 with err. */
static int fill(struct prefetch *p, struct pl_store *st, const char *type, char **after,
                struct page *pg, struct pl_err *err)
{
    pl_arena_reset(&pg->a);
    if (pl_store_current_cis(st, p->run->account, p->run->region, type, *after, PAGE_ROWS, &pg->a,
                             &pg->rows, &pg->n, err) < 0)
        return -1;
    pg->cis = pl_arena_alloc(&pg->a, (pg->n + 1) * sizeof *pg->cis);
    for (size_t i = 0; i < pg->n; i++)
        if (!(pg->cis[i] = pl_ci_render_file(&pg->a, &pg->rows[i], err)))
            return -1;
    free(*after);
    *after = pg->n ? pl_xstrdup(pg->rows[pg->n - 1].resource_id) : NULL;
    return 0;
}

static void *reader(void *u)
{
    struct prefetch *p = u;
    struct pl_store *st = NULL;
    struct pl_err err = {0};
    char *after = NULL;
    size_t slot = 0;
    int rc = pl_store_open(p->run->store_spec, PL_STORE_READONLY, &st, &err);
    for (size_t t = 0; rc == 0 && t < p->ntypes; t++) {
        size_t n;
        do {
            struct page *pg = &p->pages[slot];
            pthread_mutex_lock(&p->mu);
            bool free_slot = wait_slot(p, slot, false);
            pthread_mutex_unlock(&p->mu);
            if (!free_slot) {
                rc = 1; /* stopped */
                break;
            }
            rc = fill(p, st, p->types[t], &after, pg, &err);
            n = pg->n;
            bool handed = rc == 0 && n > 0; /* pg->full is the consumer's once set */
            pthread_mutex_lock(&p->mu);
            pg->full = handed;
            pthread_cond_broadcast(&p->cv);
            pthread_mutex_unlock(&p->mu);
            if (handed)
                slot = (slot + 1) % NPAGES;
        } while (rc == 0 && n == PAGE_ROWS);
        free(after);
        after = NULL;
    }
    pl_store_close(st);
    pthread_mutex_lock(&p->mu);
    p->rc = rc < 0 ? -1 : 0;
    p->err = err;
    p->done = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Hands each CI of the full pages to cb, in order, until the reader is done. */
static int consume(struct prefetch *p, pl_each_rendered_fn cb, void *u, struct pl_err *err)
{
    size_t slot = 0;
    for (;;) {
        struct page *pg = &p->pages[slot];
        pthread_mutex_lock(&p->mu);
        bool full = wait_slot(p, slot, true);
        pthread_mutex_unlock(&p->mu);
        if (!full)
            return 0;
        for (size_t i = 0; i < pg->n; i++)
            if (cb(u, &pg->rows[i], pg->cis[i], err) != 0)
                return -1;
        pthread_mutex_lock(&p->mu);
        pg->full = false;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        slot = (slot + 1) % NPAGES;
    }
}

int pl_rules__run_each_current_rendered(struct pl_run *run, const char *const *types, size_t ntypes,
                                        pl_each_rendered_fn cb, void *u, struct pl_err *err)
{
    struct prefetch p = {.run = run, .types = types, .ntypes = ntypes};
    pthread_t th;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    for (size_t i = 0; i < NPAGES; i++) {
        pl_arena_init(&p.pages[i].a);
        p.pages[i].a.block_size = PAGE_BLOCK;
    }
    int rc = 0;
    if (pthread_create(&th, NULL, reader, &p) != 0) {
        rc = pl_fail(err, PL_E_INTERNAL, "rules: cannot start the prefetch thread");
        goto out;
    }
    rc = consume(&p, cb, u, err);
    pthread_mutex_lock(&p.mu);
    p.stop = true;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    pthread_join(th, NULL);
    if (rc == 0 && p.rc < 0) {
        *err = p.err;
        rc = -1;
    }
out:
    for (size_t i = 0; i < NPAGES; i++)
        pl_arena_fini(&p.pages[i].a);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    return rc;
}
