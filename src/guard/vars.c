/* vars.c — refuses Guard variables that depend on themselves, at parse time.
 *
 * `let a = %a`, `let a = %b` + `let b = %a`, `let a = %a.x` and `let a = R[ x == %a ]` would
 * otherwise recurse between variable lookup and query until the stack overflows. The walk
 * resolves every %name with eval.c's scope rules (innermost first: filter bind name, rule
 * parameters, then the lets of the block; rule bodies and parameterized rules sit under the
 * file-level lets; a filter block's own lets are never in scope) and follows each let's
 * references depth first; meeting a let already on the path is a cycle. Recursion is bounded by
 * GUARD_MAX_LET_CHAIN (a chain of lets that deep is refused too).
 */
#include <string.h>

#include "guard/guard_int.h"

struct frame {
    const struct frame *up;
    struct guard_block *blk; /* lets in scope, or NULL */
    size_t np;
    const char *const *params;
    const char *bind;
};

struct vw {
    struct pl_err *err;
    int depth;
};

static int walk_block(struct vw *w, const struct frame *f, struct guard_block *b);
static int walk_expr(struct vw *w, const struct frame *f, const struct guard_expr *x);

enum { LET_NEW = 0, LET_ON_PATH = 1, LET_DONE = 2 };

static int deeper(struct vw *w, uint32_t line, uint32_t col)
{
    if (++w->depth <= GUARD_MAX_LET_CHAIN)
        return 0;
    return pl_fail(w->err, PL_E_VALIDATION, "line %u:%u: variables nested deeper than %d", line,
                   col, GUARD_MAX_LET_CHAIN);
}

/* Follows let l (declared in frame f) and everything it refers to. */
static int walk_let(struct vw *w, const struct frame *f, struct guard_let *l)
{
    if (l->mark == LET_DONE)
        return 0;
    if (l->mark == LET_ON_PATH)
        return pl_fail(w->err, PL_E_VALIDATION, "line %u:%u: variable %s refers to itself",
                       l->line, l->col, l->name);
    if (deeper(w, l->line, l->col) < 0)
        return -1;
    l->mark = LET_ON_PATH;
    int rc = walk_expr(w, f, l->e);
    l->mark = LET_DONE;
    w->depth--;
    return rc;
}

/* Resolves %name from f as lookup_var() does and follows a let it names. */
static int ref(struct vw *w, const struct frame *f, const char *name)
{
    for (; f; f = f->up) {
        if (f->bind && !strcmp(f->bind, name))
            return 0;
        for (size_t i = 0; i < f->np; i++)
            if (!strcmp(f->params[i], name))
                return 0;
        if (f->blk)
            for (size_t i = 0; i < f->blk->nlets; i++)
                if (!strcmp(f->blk->lets[i].name, name))
                    return walk_let(w, f, &f->blk->lets[i]);
    }
    return 0; /* unknown: an evaluation error, as before */
}

static int walk_query(struct vw *w, const struct frame *f, const struct guard_query *q)
{
    for (size_t i = 0; q && i < q->n; i++) {
        const struct guard_part *p = &q->parts[i];
        int rc = 0;
        if (p->k == GP_VAR || p->k == GP_VARKEY) {
            rc = ref(w, f, p->s);
        } else if (p->k == GP_FILTER) {
            struct frame ff = {.up = f, .bind = p->bind};
            rc = walk_block(w, &ff, p->filter);
        } else if (p->k == GP_KEYS) {
            rc = walk_expr(w, f, p->rhs);
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int walk_expr(struct vw *w, const struct frame *f, const struct guard_expr *x)
{
    if (!x)
        return 0;
    if (x->k == GE_QUERY)
        return walk_query(w, f, x->q);
    for (size_t i = 0; x->k == GE_CALL && i < x->nargs; i++)
        if (walk_expr(w, f, x->args[i]) < 0)
            return -1;
    return 0;
}

/* Walks b in a new frame whose lets are b's (lets of a filter block are not in scope). */
static int walk_scoped(struct vw *w, const struct frame *up, struct guard_block *b)
{
    struct frame f = {.up = up, .blk = b};
    return walk_block(w, &f, b);
}

static int walk_node(struct vw *w, const struct frame *f, const struct guard_node *nd)
{
    if (walk_query(w, f, nd->q) < 0 || walk_expr(w, f, nd->rhs) < 0)
        return -1;
    for (size_t i = 0; i < nd->nargs; i++)
        if (walk_expr(w, f, nd->args[i]) < 0)
            return -1;
    if (nd->conds && walk_scoped(w, f, nd->conds) < 0)
        return -1;
    if (nd->body && walk_scoped(w, f, nd->body) < 0)
        return -1;
    return 0;
}

/* Walks the lets and clauses of b; f is the frame in which b's clauses are evaluated. */
static int walk_block(struct vw *w, const struct frame *f, struct guard_block *b)
{
    if (!b)
        return 0;
    if (deeper(w, 0, 0) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; f->blk == b && i < b->nlets && rc == 0; i++)
        rc = walk_let(w, f, &b->lets[i]);
    for (size_t g = 0; g < b->n && rc == 0; g++)
        for (size_t i = 0; i < b->groups[g].n && rc == 0; i++)
            rc = walk_node(w, f, b->groups[g].alts[i]);
    w->depth--;
    return rc;
}

int guard__check_vars(struct guard_rules *r, struct pl_err *err)
{
    struct vw w = {.err = err};
    struct frame top = {.blk = r->top};
    if (walk_block(&w, &top, r->top) < 0)
        return -1;
    for (size_t i = 0; i < r->nrules; i++) {
        struct guard_rule *ru = r->rules[i];
        struct frame rf = {.up = &top, .blk = ru->body, .np = ru->nparams, .params = ru->params};
        if (walk_block(&w, &rf, ru->body) < 0)
            return -1;
        if (ru->conds && walk_scoped(&w, &rf, ru->conds) < 0)
            return -1;
    }
    return 0;
}
