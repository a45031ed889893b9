/* eval_int.h — the evaluator's private state, shared by the files of the evaluator only:
 * eval_state.c (budget, result vectors, failures, scopes), eval.c (variables, nodes, blocks,
 * rules), eval_cmp.c (value comparisons),
 * eval_query.c (queries), eval_fn.c (built-in functions), eval_clause.c (clauses) and
 * report.c (documents, reports, the rules-engine hook).
 *
 * Queries produce result vectors in which each entry is either Resolved (a value) or
 * UnResolved (the value traversed to and the key that was missing). Vectors are heap arrays;
 * values made during evaluation live in the evaluation arena (struct ev.a).
 */
#ifndef PL_GUARD_EVAL_INT_H
#define PL_GUARD_EVAL_INT_H

#include "guard/guard_int.h"

struct res {
    const struct guard_val *v;  /* NULL: UnResolved */
    const struct guard_val *at; /* UnResolved: value traversed to */
    const char *why;            /* UnResolved: missing key / reason */
    bool lit;                   /* a literal from the rules */
    signed char conv;           /* case converter that found a key on the way, + 1; 0 none */
};

struct resv {
    struct res *r;
    size_t n, cap;
};

struct scope {
    struct scope *parent;
    const struct guard_block *blk; /* lets */
    const struct guard_val *self;  /* `this` */
    struct resv **cache;           /* per let, lazily */
    size_t nparams;
    const char *const *params;
    struct resv *pvals;
    const char *bname; /* filter/bind variable */
    struct resv *bval;
};

struct frec {
    const struct guard_node *nd;
    const char *detail;
    const struct guard_val *at;
    const char *missing, *value, *compared, *op; /* for reports; NULL when not known */
};

struct ev {
    const struct guard_rules *rules;
    const struct guard_val *root;
    struct pl_arena *a;
    struct pl_err *err;
    struct scope *top;
    enum guard_st *memo;
    int *state; /* 0 not evaluated, 1 in progress, 2 done */
    int calls;
    int quiet;
    struct frec *fails;
    size_t nfails, capfails;
    struct resv **owned; /* caches to free */
    size_t nowned, capowned;
    int depth;                 /* query / block recursion in progress */
    uint64_t steps, max_steps; /* work done (values visited and compared), budget */
    bool over;                 /* budget exhausted: the evaluation fails */
};


/* eval_state.c */
bool guard__spend(struct ev *e, uint64_t n); /* false once the step budget is exhausted */
int guard__enter(struct ev *e);              /* one recursion level; -1 past the limit */
void guard__rv_push(struct resv *v, const struct guard_val *val, const struct guard_val *at,
                    const char *why, bool lit);
/* Appends the resolved values of r to flat, the elements of lists one level down. */
void guard__rv_flatten(const struct resv *r, struct resv *flat);
void guard__rv_free(struct resv *v);
void guard__rv_copy(struct resv *dst, const struct resv *src);
/* Records a failure of nd (unless quiet); returns the record (NULL when quiet). */
struct frec *guard__record_fail(struct ev *e, const struct guard_node *nd, const char *detail,
                                const struct guard_val *at);
const char *guard__render(struct ev *e, const struct guard_val *v); /* short form, arena */
const char *guard__pathof(struct ev *e, const struct guard_val *v); /* data path, arena */
struct scope *guard__scope_new(struct ev *e, struct scope *parent, const struct guard_block *blk,
                               const struct guard_val *self);

/* eval.c */
int guard__lookup_var(struct ev *e, struct scope *sc, const char *name, struct resv **out);
int guard__eval_block(struct ev *e, struct scope *sc, const struct guard_block *b,
                      enum guard_st *st);
int guard__eval_expr(struct ev *e, struct scope *sc, const struct guard_expr *x,
                     struct resv *out);
/* eval_clause.c: "property [k] is missing" explanation of an UnResolved result. */
const char *guard__missing_detail(struct ev *e, const struct res *r);

/* eval_cmp.c: 1 equal, 0 different, -1 not comparable */
int guard__cmp_eq(struct ev *e, const struct guard_val *a, const struct guard_val *b);
/* ordering: -2 not comparable, else <0, 0, >0; guard__ord_ok applies GOP_GT..GOP_LE */
int guard__cmp_ord(const struct guard_val *a, const struct guard_val *b);
bool guard__ord_ok(enum guard_op op, int c);
/* l IN literal r: 1 in, 0 not in, -1 not comparable */
int guard__in_lit(struct ev *e, const struct guard_val *l, const struct guard_val *r);

/* eval_query.c: parts [from..n) of q from in (NULL: the start of the query), into out */
int guard__query(struct ev *e, struct scope *sc, const struct guard_query *q, size_t from,
                 struct resv *in, struct resv *out);

/* eval_fn.c: a call of a built-in function */
int guard__call_fn(struct ev *e, struct scope *sc, const struct guard_expr *x, struct resv *out);

/* eval_clause.c: one access clause */
int guard__eval_clause(struct ev *e, struct scope *sc, const struct guard_node *nd,
                       enum guard_st *st);

#endif
