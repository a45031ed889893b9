/* eval_state.c — the evaluator's shared state: the step budget and the recursion limit, result
 * vectors, failure records, renderings for messages, and scopes. The leaf of the evaluator:
 * every eval*.c file calls it and it calls none of them (only value.c's writers).
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "guard/eval_int.h"

/* Counts n work units; false (and the error set once) when the budget is exhausted. */
bool guard__spend(struct ev *e, uint64_t n)
{
    if (e->over)
        return false;
    e->steps += n;
    if (e->steps <= e->max_steps)
        return true;
    e->over = true;
    pl_fail(e->err, PL_E_VALIDATION,
            "evaluation stopped: the policy exceeded its budget of %llu steps",
            (unsigned long long)e->max_steps);
    return false;
}

/* Enters one level of query or block recursion; -1 past GUARD_MAX_EVAL_DEPTH. */
int guard__enter(struct ev *e)
{
    if (++e->depth <= GUARD_MAX_EVAL_DEPTH)
        return 0;
    e->depth--;
    return pl_fail(e->err, PL_E_VALIDATION, "evaluation nested deeper than %d levels",
                   GUARD_MAX_EVAL_DEPTH);
}

/* ---------------------------------------------------------------- result vectors */

void guard__rv_push(struct resv *v, const struct guard_val *val, const struct guard_val *at,
                    const char *why, bool lit)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->r = pl_xrealloc(v->r, v->cap * sizeof(*v->r));
    }
    v->r[v->n++] = (struct res){val, at, why, lit, 0};
}

/* Appends the resolved values of r to flat, the elements of lists one level down. */
void guard__rv_flatten(const struct resv *r, struct resv *flat)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct guard_val *v = r->r[i].v;
        if (!v)
            continue;
        if (v->t == GV_LIST)
            for (size_t j = 0; j < v->n; j++)
                guard__rv_push(flat, v->items[j], NULL, NULL, false);
        else
            guard__rv_push(flat, v, NULL, NULL, false);
    }
}

void guard__rv_free(struct resv *v)
{
    free(v->r);
    v->r = NULL;
    v->n = v->cap = 0;
}

void guard__rv_copy(struct resv *dst, const struct resv *src)
{
    for (size_t i = 0; i < src->n; i++)
        guard__rv_push(dst, src->r[i].v, src->r[i].at, src->r[i].why, src->r[i].lit);
}

/* ---------------------------------------------------------------- failures */

struct frec *guard__record_fail(struct ev *e, const struct guard_node *nd, const char *detail,
                                const struct guard_val *at)
{
    if (e->quiet)
        return NULL;
    if (e->nfails == e->capfails) {
        e->capfails = e->capfails ? e->capfails * 2 : 8;
        e->fails = pl_xrealloc(e->fails, e->capfails * sizeof(*e->fails));
    }
    e->fails[e->nfails++] = (struct frec){nd, detail, at, NULL, NULL, NULL, NULL};
    return &e->fails[e->nfails - 1];
}

const char *guard__render(struct ev *e, const struct guard_val *v)
{
    struct pl_buf b;
    pl_buf_init(&b, 4096);
    guard__val_write_short(&b, v);
    if (b.len >= 4000)
        pl_buf_puts(&b, "...");
    const char *s = pl_arena_strdup(e->a, pl_buf_cstr(&b));
    pl_buf_fini(&b);
    return s;
}

const char *guard__pathof(struct ev *e, const struct guard_val *v)
{
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    guard__val_path(&b, v);
    const char *s = pl_arena_strdup(e->a, pl_buf_cstr(&b));
    pl_buf_fini(&b);
    return s;
}

/* ---------------------------------------------------------------- scopes */

struct scope *guard__scope_new(struct ev *e, struct scope *parent, const struct guard_block *blk,
                               const struct guard_val *self)
{
    struct scope *s = pl_arena_alloc(e->a, sizeof(*s));
    s->parent = parent;
    s->blk = blk;
    s->self = self;
    if (blk && blk->nlets)
        s->cache = pl_arena_alloc(e->a, blk->nlets * sizeof(*s->cache));
    return s;
}
