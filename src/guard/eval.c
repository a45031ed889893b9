/* eval.c — evaluates a parsed Guard file against one document with cfn-guard 3.x semantics.
 *
 * Queries produce result lists in which each entry is either Resolved (a value) or UnResolved
 * (the value traversed to and the key that was missing). Clauses turn results into PASS, FAIL
 * or SKIP; blocks combine their lines as a conjunction of disjunctions (guard-language.md §5-6):
 * missing data fails, data removed by a filter skips.
 *
 * Variables are evaluated lazily in the scope where their `let` is written and cached for the
 * life of that scope. Named rules are evaluated on demand and memoised per document. Result
 * vectors are heap arrays freed as soon as a clause is decided; values made during evaluation
 * (function results) live in the evaluation arena. Recursion is bounded by the syntax depth
 * (parser limit) and GUARD_MAX_CALLS for rule references and calls.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "guard/guard_int.h"

void *guard__regex_code(struct guard_regex *re);

struct res {
    const struct guard_val *v;  /* NULL: UnResolved */
    const struct guard_val *at; /* UnResolved: value traversed to */
    const char *why;            /* UnResolved: missing key / reason */
    bool lit;                   /* a literal from the rules */
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

/* Counts n work units; false (and the error set once) when the budget is exhausted. */
static bool spend(struct ev *e, uint64_t n)
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
static int enter(struct ev *e)
{
    if (++e->depth <= GUARD_MAX_EVAL_DEPTH)
        return 0;
    e->depth--;
    return pl_fail(e->err, PL_E_VALIDATION, "evaluation nested deeper than %d levels",
                   GUARD_MAX_EVAL_DEPTH);
}

static int eval_block(struct ev *e, struct scope *sc, const struct guard_block *b,
                      enum guard_st *st);
static int query(struct ev *e, struct scope *sc, const struct guard_query *q, size_t from,
                 struct resv *in, struct resv *out);
static int eval_expr(struct ev *e, struct scope *sc, const struct guard_expr *x, struct resv *out);
static int rule_status(struct ev *e, const char *name, enum guard_st *st);

/* ---------------------------------------------------------------- result vectors */

static void rv_push(struct resv *v, const struct guard_val *val, const struct guard_val *at,
                    const char *why, bool lit)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->r = pl_xrealloc(v->r, v->cap * sizeof(*v->r));
    }
    v->r[v->n++] = (struct res){val, at, why, lit};
}

static void rv_free(struct resv *v)
{
    free(v->r);
    v->r = NULL;
    v->n = v->cap = 0;
}

static void rv_copy(struct resv *dst, const struct resv *src)
{
    for (size_t i = 0; i < src->n; i++)
        rv_push(dst, src->r[i].v, src->r[i].at, src->r[i].why, src->r[i].lit);
}

/* ---------------------------------------------------------------- failures */

static void record_fail(struct ev *e, const struct guard_node *nd, const char *detail,
                        const struct guard_val *at)
{
    if (e->quiet)
        return;
    if (e->nfails == e->capfails) {
        e->capfails = e->capfails ? e->capfails * 2 : 8;
        e->fails = pl_xrealloc(e->fails, e->capfails * sizeof(*e->fails));
    }
    e->fails[e->nfails++] = (struct frec){nd, detail, at, NULL, NULL, NULL, NULL};
}

static const char *render(struct ev *e, const struct guard_val *v)
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

static const char *pathof(struct ev *e, const struct guard_val *v)
{
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    guard__val_path(&b, v);
    const char *s = pl_arena_strdup(e->a, pl_buf_cstr(&b));
    pl_buf_fini(&b);
    return s;
}

/* ---------------------------------------------------------------- scopes and variables */

static struct scope *scope_new(struct ev *e, struct scope *parent, const struct guard_block *blk,
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

static int eval_let(struct ev *e, struct scope *sc, size_t i, struct resv **out)
{
    if (sc->cache[i]) {
        *out = sc->cache[i];
        return 0;
    }
    const struct guard_let *l = &sc->blk->lets[i];
    struct resv *rv = pl_xcalloc(1, sizeof(*rv));
    if (e->nowned == e->capowned) {
        e->capowned = e->capowned ? e->capowned * 2 : 16;
        e->owned = pl_xrealloc(e->owned, e->capowned * sizeof(*e->owned));
    }
    e->owned[e->nowned++] = rv;
    if (eval_expr(e, sc, l->e, rv) < 0)
        return -1;
    if (l->some) {
        size_t k = 0;
        for (size_t j = 0; j < rv->n; j++)
            if (rv->r[j].v)
                rv->r[k++] = rv->r[j];
        rv->n = k;
    }
    sc->cache[i] = rv;
    *out = rv;
    return 0;
}

static int lookup_var(struct ev *e, struct scope *sc, const char *name, struct resv **out)
{
    for (struct scope *s = sc; s; s = s->parent) {
        if (s->bname && !strcmp(s->bname, name)) {
            *out = s->bval;
            return 0;
        }
        for (size_t i = 0; i < s->nparams; i++)
            if (!strcmp(s->params[i], name)) {
                *out = &s->pvals[i];
                return 0;
            }
        if (s->blk)
            for (size_t i = 0; i < s->blk->nlets; i++)
                if (!strcmp(s->blk->lets[i].name, name))
                    return eval_let(e, s, i, out);
    }
    return pl_fail(e->err, PL_E_VALIDATION, "Could not resolve variable by name %s across scopes",
                   name);
}

/* ---------------------------------------------------------------- comparisons */

static bool is_scalar(const struct guard_val *v)
{
    return v->t != GV_LIST && v->t != GV_MAP;
}

static int cmp_eq(struct ev *e, const struct guard_val *a, const struct guard_val *b);

static int str_eq(const struct guard_val *a, const struct guard_val *b)
{
    return a->n == b->n && !memcmp(a->s, b->s, a->n);
}

static int in_range(const struct guard_val *v, const struct guard_val *r)
{
    if (r->rt == GV_FLOAT) {
        if (v->t != GV_FLOAT)
            return -1;
        bool lo = r->lo_incl ? v->f >= r->rlo : v->f > r->rlo;
        bool hi = r->hi_incl ? v->f <= r->rhi : v->f < r->rhi;
        return lo && hi;
    }
    if (v->t != r->rt)
        return -1;
    bool lo = r->lo_incl ? v->i >= r->ilo : v->i > r->ilo;
    bool hi = r->hi_incl ? v->i <= r->ihi : v->i < r->ihi;
    return lo && hi;
}

/* 1 equal, 0 different, -1 not comparable */
static int cmp_eq(struct ev *e, const struct guard_val *a, const struct guard_val *b)
{
    if (!spend(e, 1))
        return -1;
    if (a->t == GV_STR && b->t == GV_REGEX)
        return guard__regex_search(b->re, a->s, a->n);
    if (a->t == GV_REGEX && b->t == GV_STR)
        return guard__regex_search(a->re, b->s, b->n);
    if (b->t == GV_RANGE)
        return in_range(a, b);
    if (a->t == GV_RANGE)
        return in_range(b, a);
    if (a->t != b->t)
        return -1;
    switch (a->t) {
    case GV_NULL:
        return 1;
    case GV_BOOL:
        return a->b == b->b;
    case GV_INT:
    case GV_CHAR:
        return a->i == b->i;
    case GV_FLOAT:
        return a->f == b->f;
    case GV_STR:
    case GV_REGEX:
        return str_eq(a, b);
    case GV_LIST:
        if (a->n != b->n)
            return 0;
        for (size_t i = 0; i < a->n; i++)
            if (cmp_eq(e, a->items[i], b->items[i]) != 1)
                return 0;
        return 1;
    case GV_MAP:
        if (a->n != b->n)
            return 0;
        for (size_t i = 0; i < a->n; i++) {
            const struct guard_val *o = guard__map_get(b, a->keys[i], a->klens[i]);
            if (!o || cmp_eq(e, a->items[i], o) != 1)
                return 0;
        }
        return 1;
    case GV_RANGE:
        return 0;
    }
    return -1;
}

/* Ordering: -2 not comparable, else <0, 0, >0 */
static int cmp_ord(const struct guard_val *a, const struct guard_val *b)
{
    if (a->t != b->t)
        return -2;
    switch (a->t) {
    case GV_NULL:
        return 0; /* null <= null holds in cfn-guard 3.1.1 */
    case GV_INT:
    case GV_CHAR:
        return a->i < b->i ? -1 : a->i > b->i;
    case GV_FLOAT:
        return a->f < b->f ? -1 : a->f > b->f;
    case GV_STR: {
        size_t n = a->n < b->n ? a->n : b->n;
        int c = memcmp(a->s, b->s, n);
        if (c)
            return c < 0 ? -1 : 1;
        return a->n < b->n ? -1 : a->n > b->n;
    }
    default:
        return -2;
    }
}

static bool ord_ok(enum guard_op op, int c)
{
    if (c == -2)
        return false;
    switch (op) {
    case GOP_GT:
        return c > 0;
    case GOP_GE:
        return c >= 0;
    case GOP_LT:
        return c < 0;
    case GOP_LE:
        return c <= 0;
    default:
        return false;
    }
}

/* l IN literal r: 1 in, 0 not in, -1 not comparable (FAIL for IN and NOT IN alike).
 * String r: substring test (every element for a list l); list r: membership (every element
 * for a list l, or equality with one member when r is a list of lists); any other r: equality,
 * and a list l is not comparable with it. */
static int in_lit(struct ev *e, const struct guard_val *l, const struct guard_val *r)
{
    if (r->t == GV_STR) {
        if (l->t == GV_STR)
            return memmem(r->s, r->n, l->s, l->n) != NULL || l->n == 0;
        if (l->t != GV_LIST)
            return -1;
        for (size_t j = 0; j < l->n; j++) {
            int c = in_lit(e, l->items[j], r);
            if (c != 1)
                return c;
        }
        return 1;
    }
    if (r->t == GV_LIST) {
        if (l->t == GV_LIST) {
            bool lol = r->n > 0;
            for (size_t i = 0; i < r->n; i++)
                if (r->items[i]->t != GV_LIST)
                    lol = false;
            if (lol) {
                for (size_t i = 0; i < r->n; i++)
                    if (cmp_eq(e, l, r->items[i]) == 1)
                        return 1;
                return 0;
            }
            for (size_t j = 0; j < l->n; j++) {
                bool found = false;
                for (size_t i = 0; i < r->n && !found; i++)
                    found = cmp_eq(e, l->items[j], r->items[i]) == 1;
                if (!found)
                    return 0;
            }
            return 1;
        }
        for (size_t i = 0; i < r->n; i++)
            if (cmp_eq(e, l, r->items[i]) == 1)
                return 1;
        return 0;
    }
    if (l->t == GV_LIST)
        return -1;
    return cmp_eq(e, l, r);
}

/* ---------------------------------------------------------------- queries */

/* Case variants of a key, as cfn-guard tries them when the key is missing. */
static void split_words(const char *k, size_t n, char words[][64], size_t *nw)
{
    size_t w = 0, len = 0;
    for (size_t i = 0; i < n && w < 16; i++) {
        char c = k[i];
        bool sep = !isalnum((unsigned char)c);
        bool up = isupper((unsigned char)c);
        bool prev_lower =
            i > 0 && (islower((unsigned char)k[i - 1]) || isdigit((unsigned char)k[i - 1]));
        bool next_lower = i + 1 < n && islower((unsigned char)k[i + 1]);
        bool prev_upper = i > 0 && isupper((unsigned char)k[i - 1]);
        if (sep || (up && (prev_lower || (prev_upper && next_lower)))) {
            if (len) {
                words[w][len] = 0;
                w++;
                len = 0;
            }
            if (sep)
                continue;
        }
        if (w < 16 && len < 63)
            words[w][len++] = c;
    }
    if (len && w < 16) {
        words[w][len] = 0;
        w++;
    }
    *nw = w;
}

static const struct guard_val *case_lookup(const struct guard_val *m, const char *k, size_t n)
{
    char words[16][64];
    size_t nw;
    char out[1100];
    if (n > 512)
        return NULL;
    split_words(k, n, words, &nw);
    if (!nw)
        return NULL;
    for (int style = 0; style < 6; style++) {
        size_t o = 0;
        for (size_t w = 0; w < nw; w++) {
            const char *s = words[w];
            if (w && (style == 2 || style == 3))
                out[o++] = style == 2 ? '_' : '-';
            if (w && (style == 4 || style == 5))
                out[o++] = style == 4 ? ' ' : '-';
            for (size_t i = 0; s[i]; i++) {
                char c = (char)tolower((unsigned char)s[i]);
                bool cap =
                    i == 0 && ((style == 0 && w > 0) || style == 1 || style == 4 || style == 5);
                out[o++] = cap ? (char)toupper((unsigned char)c) : c;
            }
        }
        out[o] = 0;
        if (o == n && !memcmp(out, k, n))
            continue;
        const struct guard_val *v = guard__map_get(m, out, o);
        if (v)
            return v;
    }
    return NULL;
}

static bool numeric_key(const char *s, size_t n, int64_t *out)
{
    const char *p = s;
    size_t i = 0;
    if (n && *p == '-')
        i = 1;
    if (i == n)
        return false;
    for (size_t j = i; j < n; j++)
        if (!isdigit((unsigned char)s[j]))
            return false;
    char tmp[32];
    if (n >= sizeof(tmp))
        return false;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    *out = strtoll(tmp, NULL, 10);
    return true;
}

static void index_list(struct resv *out, const struct guard_val *v, int64_t idx, const char *why)
{
    uint64_t k = idx < 0 ? (uint64_t)(-(idx + 1)) + 1 : (uint64_t)idx;
    if (k < v->n)
        rv_push(out, v->items[k], NULL, NULL, false);
    else
        rv_push(out, NULL, v, why, false);
}

static int filter_pass(struct ev *e, struct scope *sc, const struct guard_part *p,
                       const struct guard_val *cand, bool *pass)
{
    struct scope *fs = scope_new(e, sc, NULL, cand);
    struct resv bv = {0};
    enum guard_st st;
    if (p->bind) {
        rv_push(&bv, cand, NULL, NULL, false);
        fs->bname = p->bind;
        fs->bval = &bv;
    }
    e->quiet++;
    int rc = eval_block(e, fs, p->filter, &st);
    e->quiet--;
    rv_free(&bv);
    *pass = st == GS_PASS;
    return rc;
}

static int keys_match(struct ev *e, const struct guard_part *p, struct resv *rhs, const char *k,
                      size_t kl, bool *m)
{
    struct guard_val kv = {.t = GV_STR, .s = k, .n = kl};
    bool any = false;
    for (size_t i = 0; i < rhs->n && !any; i++) {
        const struct guard_val *r = rhs->r[i].v;
        if (!r)
            continue;
        if (p->op == GOP_IN)
            any = in_lit(e, &kv, r) == 1;
        else if (r->t == GV_LIST && r->n == 1)
            any = cmp_eq(e, &kv, r->items[0]) == 1;
        else
            any = cmp_eq(e, &kv, r) == 1;
    }
    (void)e;
    *m = (p->op == GOP_NE || p->op_not) ? !any : any;
    return 0;
}

/* Applies part p to every result of in, appending to out. prev is the previous part kind. */
static int apply_part(struct ev *e, struct scope *sc, const struct guard_query *q, size_t pi,
                      struct resv *in, struct resv *out)
{
    const struct guard_part *p = &q->parts[pi];
    enum guard_part_kind prev = pi > 0 ? q->parts[pi - 1].k : GP_THIS;
    for (size_t i = 0; i < in->n; i++) {
        const struct guard_val *v = in->r[i].v;
        if (!spend(e, 1 + (v && (v->t == GV_LIST || v->t == GV_MAP) ? v->n : 0)))
            return -1;
        if (!v) {
            rv_push(out, NULL, in->r[i].at, in->r[i].why, false);
            continue;
        }
        switch (p->k) {
        case GP_THIS:
        case GP_VAR:
            rv_push(out, v, NULL, NULL, in->r[i].lit);
            break;
        case GP_KEY:
            if (v->t == GV_MAP) {
                const struct guard_val *c = guard__map_get(v, p->s, p->sl);
                if (!c)
                    c = case_lookup(v, p->s, p->sl);
                if (c)
                    rv_push(out, c, NULL, NULL, false);
                else
                    rv_push(out, NULL, v, p->s, false);
            } else if (v->t == GV_LIST) {
                int64_t idx;
                if (numeric_key(p->s, p->sl, &idx))
                    index_list(out, v, idx, p->s);
                else
                    rv_push(out, NULL, v, p->s, false);
            } else {
                rv_push(out, NULL, v, p->s, false);
            }
            break;
        case GP_INDEX:
            if (v->t == GV_LIST)
                index_list(out, v, p->idx, pl_arena_printf(e->a, "%lld", (long long)p->idx));
            else
                rv_push(out, NULL, v, pl_arena_printf(e->a, "%lld", (long long)p->idx), false);
            break;
        case GP_DOTSTAR:
        case GP_BIND:
            if (v->t == GV_MAP || v->t == GV_LIST) {
                if (!v->n)
                    rv_push(out, NULL, v, "*", false);
                for (size_t j = 0; j < v->n; j++)
                    rv_push(out, v->items[j], NULL, NULL, false);
            } else {
                rv_push(out, v, NULL, NULL, in->r[i].lit);
            }
            break;
        case GP_ALL:
            if (v->t == GV_LIST && prev != GP_VAR) { /* %v[*]: each result, not its elements */
                if (!v->n)
                    rv_push(out, NULL, v, "[*]", false);
                for (size_t j = 0; j < v->n; j++)
                    rv_push(out, v->items[j], NULL, NULL, false);
            } else {
                rv_push(out, v, NULL, NULL, in->r[i].lit);
            }
            break;
        case GP_FILTER: {
            bool iter = prev == GP_DOTSTAR || prev == GP_ALL || prev == GP_FILTER ||
                        prev == GP_BIND || prev == GP_KEYS;
            bool pass;
            if (v->t == GV_LIST || (v->t == GV_MAP && !iter)) {
                for (size_t j = 0; j < v->n; j++) {
                    if (filter_pass(e, sc, p, v->items[j], &pass) < 0)
                        return -1;
                    if (pass)
                        rv_push(out, v->items[j], NULL, NULL, false);
                }
            } else if (v->t == GV_MAP || iter) {
                if (filter_pass(e, sc, p, v, &pass) < 0)
                    return -1;
                if (pass)
                    rv_push(out, v, NULL, NULL, in->r[i].lit);
            } else {
                rv_push(out, NULL, v, "filter", false);
            }
            break;
        }
        case GP_KEYS: {
            if (v->t != GV_MAP) {
                rv_push(out, NULL, v, "keys", false);
                break;
            }
            struct resv rhs = {0};
            if (eval_expr(e, sc, p->rhs, &rhs) < 0) {
                rv_free(&rhs);
                return -1;
            }
            for (size_t j = 0; j < v->n; j++) {
                bool m;
                keys_match(e, p, &rhs, v->keys[j], v->klens[j], &m);
                if (m)
                    rv_push(out, v->items[j], NULL, NULL, false);
            }
            rv_free(&rhs);
            break;
        }
        case GP_VARKEY: {
            struct resv *kv;
            if (lookup_var(e, sc, p->s, &kv) < 0)
                return -1;
            for (size_t j = 0; j < kv->n; j++) {
                const struct guard_val *k = kv->r[j].v;
                if (!k)
                    continue;
                const struct guard_val *const *ks = &k;
                size_t nk = 1;
                if (k->t == GV_LIST) {
                    ks = (const struct guard_val *const *)k->items;
                    nk = k->n;
                }
                for (size_t m = 0; m < nk; m++) {
                    if (ks[m]->t != GV_STR)
                        continue;
                    const struct guard_val *c =
                        v->t == GV_MAP ? guard__map_get(v, ks[m]->s, ks[m]->n) : NULL;
                    if (c)
                        rv_push(out, c, NULL, NULL, false);
                    else
                        rv_push(out, NULL, v, ks[m]->s, false);
                }
            }
            break;
        }
        }
    }
    return 0;
}

/* Evaluates parts [from..n) of q starting from in (NULL: the start of the query). */
static int query(struct ev *e, struct scope *sc, const struct guard_query *q, size_t from,
                 struct resv *in, struct resv *out)
{
    struct resv cur = {0}, nxt = {0};
    size_t i = from;
    int rc = -1;
    if (enter(e) < 0)
        return -1;
    if (!in) {
        const struct guard_part *p0 = &q->parts[0];
        if (p0->k == GP_VAR) {
            struct resv *vv;
            if (lookup_var(e, sc, p0->s, &vv) < 0)
                goto out;
            rv_copy(&cur, vv);
            i = 1;
        } else if (p0->k == GP_THIS) {
            rv_push(&cur, sc->self, NULL, NULL, false);
            i = 1;
        } else {
            rv_push(&cur, sc->self, NULL, NULL, false);
            i = 0;
        }
    } else {
        rv_copy(&cur, in);
    }
    for (; i < q->n; i++) {
        nxt.n = 0;
        if (apply_part(e, sc, q, i, &cur, &nxt) < 0)
            goto out;
        struct resv t = cur;
        cur = nxt;
        nxt = t;
    }
    rv_copy(out, &cur);
    rc = e->over ? -1 : 0;
out:
    e->depth--;
    rv_free(&cur);
    rv_free(&nxt);
    return rc;
}

/* ---------------------------------------------------------------- functions */

static struct guard_val *mkstr(struct ev *e, const char *s, size_t n)
{
    struct guard_val *v = guard__val_new(e->a, GV_STR);
    v->s = pl_arena_strndup(e->a, s, n);
    v->n = n;
    return v;
}

static struct guard_val *mkint(struct ev *e, int64_t i)
{
    struct guard_val *v = guard__val_new(e->a, GV_INT);
    v->i = i;
    return v;
}

static size_t utf8_len(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

static size_t utf8_off(const char *s, size_t n, size_t ch)
{
    size_t c = 0, i = 0;
    for (; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (c == ch)
                return i;
            c++;
        }
    }
    return n;
}

static const struct guard_val *first_val(struct resv *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->r[i].v)
            return r->r[i].v;
    return NULL;
}

/* Flattens results one level of lists into a value list. */
static void each_value(struct resv *r, struct resv *flat)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct guard_val *v = r->r[i].v;
        if (!v)
            continue;
        if (v->t == GV_LIST)
            for (size_t j = 0; j < v->n; j++)
                rv_push(flat, v->items[j], NULL, NULL, false);
        else
            rv_push(flat, v, NULL, NULL, false);
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int call_fn(struct ev *e, struct scope *sc, const struct guard_expr *x, struct resv *out)
{
    struct resv a[3] = {{0}, {0}, {0}};
    const char *f = x->fname;
    int rc = -1;
    for (size_t i = 0; i < x->nargs && i < 3; i++)
        if (eval_expr(e, sc, x->args[i], &a[i]) < 0)
            goto out;
    if (!strcmp(f, "count")) {
        int64_t n = 0;
        for (size_t i = 0; i < a[0].n; i++)
            if (a[0].r[i].v)
                n++;
        rv_push(out, mkint(e, n), NULL, NULL, false);
    } else if (!strcmp(f, "join")) {
        const struct guard_val *d = first_val(&a[1]);
        struct resv flat = {0};
        struct pl_buf b;
        if (!d || (d->t != GV_STR && d->t != GV_CHAR)) {
            pl_fail(e->err, PL_E_VALIDATION, "join: delimiter must be a string or character");
            goto out;
        }
        pl_buf_init(&b, PL_BUF_NOLIMIT);
        each_value(&a[0], &flat);
        bool firstv = true;
        for (size_t i = 0; i < flat.n; i++) {
            const struct guard_val *v = flat.r[i].v;
            if (v->t != GV_STR)
                continue;
            if (!firstv) {
                if (d->t == GV_STR)
                    pl_buf_append(&b, d->s, d->n);
                else
                    pl_buf_putc(&b, (char)d->i);
            }
            firstv = false;
            pl_buf_append(&b, v->s, v->n);
        }
        rv_push(out, mkstr(e, pl_buf_cstr(&b), b.len), NULL, NULL, false);
        pl_buf_fini(&b);
        rv_free(&flat);
    } else {
        struct resv flat = {0};
        each_value(&a[0], &flat);
        for (size_t i = 0; i < flat.n; i++) {
            const struct guard_val *v = flat.r[i].v;
            struct guard_val *r = NULL;
            if (!strcmp(f, "to_upper") || !strcmp(f, "to_lower")) {
                if (v->t != GV_STR)
                    continue;
                r = mkstr(e, v->s, v->n);
                for (size_t k = 0; k < r->n; k++)
                    ((char *)r->s)[k] = f[3] == 'u' ? (char)toupper((unsigned char)r->s[k])
                                                    : (char)tolower((unsigned char)r->s[k]);
            } else if (!strcmp(f, "url_decode")) {
                if (v->t != GV_STR)
                    continue;
                struct pl_buf b;
                pl_buf_init(&b, PL_BUF_NOLIMIT);
                for (size_t k = 0; k < v->n; k++) {
                    if (v->s[k] == '%' && k + 2 < v->n && hexval(v->s[k + 1]) >= 0 &&
                        hexval(v->s[k + 2]) >= 0) {
                        pl_buf_putc(&b, (char)(hexval(v->s[k + 1]) * 16 + hexval(v->s[k + 2])));
                        k += 2;
                    } else {
                        pl_buf_putc(&b, v->s[k]);
                    }
                }
                r = mkstr(e, pl_buf_cstr(&b), b.len);
                pl_buf_fini(&b);
            } else if (!strcmp(f, "json_parse")) {
                if (v->t != GV_STR)
                    continue;
                struct pl_err je = {0};
                if (guard__json_parse(e->a, v->s, v->n, &r, &je) < 0) {
                    pl_fail(e->err, PL_E_VALIDATION, "json_parse: %s", je.msg);
                    rv_free(&flat);
                    goto out;
                }
            } else if (!strcmp(f, "regex_replace")) {
                const struct guard_val *pat = first_val(&a[1]), *rep = first_val(&a[2]);
                if (v->t != GV_STR || !pat || !rep || pat->t != GV_STR || rep->t != GV_STR)
                    continue;
                char why[200];
                struct guard_regex *re = guard__regex_compile(pat->s, pat->n, why, sizeof(why));
                if (!re) {
                    pl_fail(e->err, PL_E_VALIDATION, "regex_replace: invalid regex: %s", why);
                    rv_free(&flat);
                    goto out;
                }
                PCRE2_SIZE olen = v->n * 2 + rep->n * 4 + 64;
                for (int tries = 0; tries < 8; tries++) {
                    PCRE2_UCHAR *buf = pl_arena_alloc(e->a, olen + 1);
                    PCRE2_SIZE l = olen;
                    int src =
                        pcre2_substitute(guard__regex_code(re), (PCRE2_SPTR)v->s, v->n, 0,
                                         PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH,
                                         NULL, NULL, (PCRE2_SPTR)rep->s, rep->n, buf, &l);
                    if (src >= 0) {
                        r = mkstr(e, (const char *)buf, l);
                        break;
                    }
                    if (src != PCRE2_ERROR_NOMEMORY)
                        break;
                    olen = l + 1;
                }
                guard__regex_free(re);
                if (!r)
                    continue;
            } else if (!strcmp(f, "substring")) {
                const struct guard_val *s0 = first_val(&a[1]), *s1 = first_val(&a[2]);
                if (v->t != GV_STR || !s0 || !s1 || s0->t != GV_INT || s1->t != GV_INT)
                    continue;
                size_t len = utf8_len(v->s, v->n);
                if (s0->i < 0 || s1->i < s0->i || (uint64_t)s1->i > len)
                    continue;
                size_t b0 = utf8_off(v->s, v->n, (size_t)s0->i);
                size_t b1 = utf8_off(v->s, v->n, (size_t)s1->i);
                r = mkstr(e, v->s + b0, b1 - b0);
            } else if (!strcmp(f, "parse_int")) {
                if (v->t == GV_STR) {
                    char *end;
                    errno = 0;
                    long long ll = strtoll(v->s, &end, 10);
                    if (!v->n || *end || errno) {
                        pl_fail(e->err, PL_E_VALIDATION, "parse_int: cannot parse '%s'", v->s);
                        rv_free(&flat);
                        goto out;
                    }
                    r = mkint(e, ll);
                } else if (v->t == GV_FLOAT) {
                    r = mkint(e, (int64_t)v->f);
                } else if (v->t == GV_CHAR || v->t == GV_INT) {
                    r = mkint(e, v->t == GV_CHAR && v->i >= '0' && v->i <= '9' ? v->i - '0' : v->i);
                } else {
                    continue;
                }
            } else if (!strcmp(f, "parse_float")) {
                r = guard__val_new(e->a, GV_FLOAT);
                if (v->t == GV_STR) {
                    char *end;
                    r->f = strtod(v->s, &end);
                    if (!v->n || *end) {
                        pl_fail(e->err, PL_E_VALIDATION, "parse_float: cannot parse '%s'", v->s);
                        rv_free(&flat);
                        goto out;
                    }
                } else if (v->t == GV_INT) {
                    r->f = (double)v->i;
                } else if (v->t == GV_FLOAT) {
                    r->f = v->f;
                } else if (v->t == GV_CHAR && v->i >= '0' && v->i <= '9') {
                    r->f = (double)(v->i - '0');
                } else {
                    continue;
                }
            } else if (!strcmp(f, "parse_string")) {
                struct pl_buf b;
                if (v->t == GV_STR || v->t == GV_LIST || v->t == GV_MAP || v->t == GV_NULL)
                    continue;
                pl_buf_init(&b, PL_BUF_NOLIMIT);
                if (v->t == GV_CHAR)
                    pl_buf_putc(&b, (char)v->i);
                else if (v->t == GV_BOOL)
                    pl_buf_puts(&b, v->b ? "true" : "false");
                else
                    guard__val_write_json(&b, v, -1);
                r = mkstr(e, pl_buf_cstr(&b), b.len);
                pl_buf_fini(&b);
            } else if (!strcmp(f, "parse_boolean")) {
                if (v->t == GV_BOOL) {
                    r = guard__val_new(e->a, GV_BOOL);
                    r->b = v->b;
                } else if (v->t == GV_STR) {
                    r = guard__val_new(e->a, GV_BOOL);
                    if (!strcasecmp(v->s, "true")) {
                        r->b = true;
                    } else if (strcasecmp(v->s, "false")) {
                        pl_fail(e->err, PL_E_VALIDATION, "parse_boolean: cannot parse '%s'", v->s);
                        rv_free(&flat);
                        goto out;
                    }
                } else {
                    continue;
                }
            } else if (!strcmp(f, "parse_char")) {
                r = guard__val_new(e->a, GV_CHAR);
                if (v->t == GV_STR && utf8_len(v->s, v->n) == 1 && v->n == 1) {
                    r->i = (unsigned char)v->s[0];
                } else if (v->t == GV_INT && v->i >= 0 && v->i <= 9) {
                    r->i = '0' + v->i;
                } else if (v->t == GV_CHAR) {
                    r->i = v->i;
                } else {
                    pl_fail(e->err, PL_E_VALIDATION, "parse_char: cannot convert value");
                    rv_free(&flat);
                    goto out;
                }
            } else {
                pl_fail(e->err, PL_E_VALIDATION, "unknown function %s", f);
                rv_free(&flat);
                goto out;
            }
            if (r)
                rv_push(out, r, NULL, NULL, false);
        }
        rv_free(&flat);
    }
    rc = 0;
out:
    for (int i = 0; i < 3; i++)
        rv_free(&a[i]);
    return rc;
}

static int eval_expr(struct ev *e, struct scope *sc, const struct guard_expr *x, struct resv *out)
{
    switch (x->k) {
    case GE_VALUE:
        rv_push(out, x->val, NULL, NULL, true);
        return 0;
    case GE_QUERY:
        return query(e, sc, x->q, 0, NULL, out);
    case GE_CALL:
        return call_fn(e, sc, x, out);
    }
    return 0;
}

/* ---------------------------------------------------------------- clauses */

static enum guard_st agg(size_t npass, size_t nfail, bool some)
{
    if (some) /* `some` over no outcome at all fails */
        return npass ? GS_PASS : GS_FAIL;
    return nfail ? GS_FAIL : GS_PASS;
}

static const char *missing_detail(struct ev *e, const struct res *r)
{
    return pl_arena_printf(e->a,
                           "Check was not compliant as property [%s] is missing. Value traversed "
                           "to [Path=%s Value=%s].",
                           r->why ? r->why : "", pathof(e, r->at), render(e, r->at));
}

static bool empty_special(const struct guard_query *q)
{
    if (q->n == 1 && q->parts[0].k == GP_VAR)
        return true;
    enum guard_part_kind k = q->parts[q->n - 1].k;
    return k == GP_FILTER || k == GP_KEYS;
}

static int unary_test(struct ev *e, const struct guard_node *nd, const struct guard_val *v,
                      bool *ok)
{
    switch (nd->op) {
    case GOP_EXISTS:
        *ok = v != NULL;
        break;
    case GOP_EMPTY:
        if (!v) {
            *ok = true;
        } else if (v->t == GV_LIST || v->t == GV_MAP || v->t == GV_STR) {
            *ok = v->n == 0;
        } else if (v->t == GV_BOOL) {
            *ok = false;
        } else {
            uint32_t l = nd->line, c = nd->col;
            return pl_fail(e->err, PL_E_VALIDATION,
                           "line %u:%u: EMPTY cannot be applied to %s value at %s", l, c,
                           v->t == GV_NULL ? "a null" : "a number or character", pathof(e, v));
        }
        break;
    case GOP_IS_STRING:
        *ok = v && v->t == GV_STR;
        break;
    case GOP_IS_LIST:
        *ok = v && v->t == GV_LIST;
        break;
    case GOP_IS_STRUCT:
        *ok = v && v->t == GV_MAP;
        break;
    case GOP_IS_BOOL:
        *ok = v && v->t == GV_BOOL;
        break;
    case GOP_IS_INT:
        *ok = v && v->t == GV_INT;
        break;
    case GOP_IS_FLOAT:
        *ok = v && v->t == GV_FLOAT;
        break;
    case GOP_IS_NULL:
        *ok = v && v->t == GV_NULL;
        break;
    default:
        *ok = false;
    }
    return 0;
}

static const char *op_name(enum guard_op op, bool neg)
{
    static const char *const names[] = {
        "EQUALS",    "NOT EQUALS",       "GREATER THAN", "GREATER THAN EQUALS",
        "LESS THAN", "LESS THAN EQUALS", "IN",           "EXISTS",
        "EMPTY",     "IS_STRING",        "IS_LIST",      "IS_STRUCT",
        "IS_BOOL",   "IS_INT",           "IS_FLOAT",     "IS_NULL"};
    if (op == GOP_IN && neg)
        return "NOT IN";
    return names[op];
}

/* The outcomes of one clause's checks and its first failing value. */
struct tally {
    size_t npass, nfail;
    const struct res *firstbad;
};

/* Counts one check: a pass, or a failure at `at`, remembered when it is the first. Returns
 * true for that first failure (callers note the offending value with it). */
static bool count(struct tally *t, bool ok, const struct res *at)
{
    if (ok) {
        t->npass++;
        return false;
    }
    t->nfail++;
    if (t->firstbad)
        return false;
    t->firstbad = at;
    return true;
}

static int eval_clause(struct ev *e, struct scope *sc, const struct guard_node *nd,
                       enum guard_st *st)
{
    struct resv L = {0}, R = {0};
    struct tally t = {0};
    const struct guard_val *badr = NULL;
    int rc = -1;
    /* [quirk] cfn-guard 3.1.1 honours a clause-level `not` only for unary operators
     * (`not X exists`); `not X == 1` is evaluated as `X == 1`. */
    bool inv = nd->negate && !(nd->op <= GOP_IN);
    bool some = nd->q->some;
    if (query(e, sc, nd->q, 0, NULL, &L) < 0)
        goto out;
    if (!(nd->op <= GOP_IN)) {
        bool neg = nd->op_not ^ inv;
        if (nd->op == GOP_EMPTY && empty_special(nd->q)) {
            if (!L.n) {
                *st = neg ? GS_FAIL : GS_PASS;
                goto decided;
            }
            for (size_t i = 0; i < L.n; i++) {
                const struct guard_val *v = L.r[i].v;
                bool ok = v ? v->t == GV_NULL : true;
                count(&t, ok != neg, &L.r[i]);
            }
            *st = agg(t.npass, t.nfail, some);
            goto decided;
        }
        if (!L.n) {
            *st = GS_SKIP;
            rc = 0;
            goto out;
        }
        for (size_t i = 0; i < L.n; i++) {
            bool ok = false;
            if (unary_test(e, nd, L.r[i].v, &ok) < 0)
                goto out;
            count(&t, ok != neg, &L.r[i]);
        }
        *st = agg(t.npass, t.nfail, some);
        goto decided;
    }
    if (eval_expr(e, sc, nd->rhs, &R) < 0)
        goto out;
    if (!L.n || !R.n) {
        *st = GS_SKIP;
        rc = 0;
        goto out;
    }
    bool lit = R.n == 1 && R.r[0].lit;
    enum guard_op op = nd->op;
    if (op == GOP_EQ || op == GOP_NE) {
        bool ne = (op == GOP_NE) ^ inv;
        if (lit) {
            const struct guard_val *rv = R.r[0].v;
            for (size_t i = 0; i < L.n; i++) {
                const struct guard_val *lv = L.r[i].v;
                if (!lv) {
                    count(&t, false, &L.r[i]);
                    continue;
                }
                /* a list from the data is compared element by element with a scalar; a list
                 * from a literal `let` is compared whole (and so is not comparable) */
                if (lv->t == GV_LIST && rv->t != GV_LIST && !L.r[i].lit) {
                    for (size_t j = 0; j < lv->n; j++) {
                        int c = cmp_eq(e, lv->items[j], rv);
                        bool ok = c >= 0 && ((c == 1) != ne);
                        if (count(&t, ok, &L.r[i]))
                            badr = lv->items[j];
                    }
                    continue;
                }
                const struct guard_val *r2 = rv;
                if (rv->t == GV_LIST && rv->n == 1 && is_scalar(lv))
                    r2 = rv->items[0];
                int c = cmp_eq(e, lv, r2);
                bool ok = c >= 0 && ((c == 1) != ne);
                count(&t, ok, &L.r[i]);
            }
            *st = agg(t.npass, t.nfail, some);
            goto decided;
        }
        /* set comparison against query results */
        size_t na = 0, nb = 0;
        for (size_t i = 0; i < L.n; i++) {
            if (!L.r[i].v) {
                count(&t, false, &L.r[i]);
            } else {
                na++;
            }
        }
        for (size_t i = 0; i < R.n; i++) {
            if (!R.r[i].v) {
                t.nfail += na;
                if (!t.firstbad && na)
                    t.firstbad = &R.r[i];
            } else {
                nb++;
            }
        }
        if (na && nb) {
            bool bigl = na > nb;
            struct resv *big = bigl ? &L : &R, *small = bigl ? &R : &L;
            size_t nmiss = 0, nfound = 0;
            for (size_t i = 0; i < big->n && !e->over; i++) {
                if (!big->r[i].v)
                    continue;
                bool found = false;
                for (size_t j = 0; j < small->n && !found; j++)
                    found = small->r[j].v && cmp_eq(e, big->r[i].v, small->r[j].v) == 1;
                if (found)
                    nfound++;
                else {
                    nmiss++;
                    if (!t.firstbad && bigl)
                        t.firstbad = &big->r[i];
                }
            }
            /* [quirk] `!=` against a query passes only when the left side has more values
             * than the right and none of them is on the right; a literal on the left must
             * differ from (and be comparable with) every value on the right */
            bool ok = ne ? (bigl && nfound == 0) : nmiss == 0;
            if (ne && L.n == 1 && L.r[0].lit) {
                ok = true;
                for (size_t j = 0; j < R.n && ok; j++)
                    ok = !R.r[j].v || cmp_eq(e, L.r[0].v, R.r[j].v) == 0;
            }
            count(&t, ok, &L.r[0]);
        }
        *st = agg(t.npass, t.nfail, some);
        goto decided;
    }
    if (op == GOP_IN) {
        bool neg = nd->op_not ^ inv;
        if (lit) {
            const struct guard_val *rv = R.r[0].v;
            for (size_t i = 0; i < L.n; i++) {
                const struct guard_val *lv = L.r[i].v;
                if (!lv) {
                    count(&t, false, &L.r[i]);
                    continue;
                }
                int c = in_lit(e, lv, rv);
                bool ok = c >= 0 && ((c == 1) != neg);
                count(&t, ok, &L.r[i]);
            }
            *st = agg(t.npass, t.nfail, some);
            goto decided;
        }
        struct resv cand = {0};
        size_t nr = 0;
        for (size_t i = 0; i < R.n; i++) {
            const struct guard_val *v = R.r[i].v;
            if (!v)
                continue;
            nr++;
            if (v->t == GV_LIST)
                for (size_t j = 0; j < v->n; j++)
                    rv_push(&cand, v->items[j], NULL, NULL, false);
            else
                rv_push(&cand, v, NULL, NULL, false);
        }
        if (L.n == 1 && L.r[0].lit && nr > 1) {
            /* [quirk] a literal IN a query of several values: the literal's values and the
             * query's must be the same set (NOT IN: no value in common) */
            const struct guard_val *lv = L.r[0].v;
            const struct guard_val *const *ls = &lv;
            size_t nl = 1, common = 0;
            bool all_l = true, all_r = true;
            if (lv->t == GV_LIST) {
                ls = (const struct guard_val *const *)lv->items;
                nl = lv->n;
            }
            for (size_t k = 0; k < nl; k++) {
                bool f1 = false;
                for (size_t j = 0; j < cand.n && !f1; j++)
                    f1 = cmp_eq(e, ls[k], cand.r[j].v) == 1;
                common += f1;
                all_l &= f1;
            }
            for (size_t j = 0; j < cand.n; j++) {
                bool f1 = false;
                for (size_t k = 0; k < nl && !f1; k++)
                    f1 = cmp_eq(e, ls[k], cand.r[j].v) == 1;
                all_r &= f1;
            }
            bool ok = neg ? common == 0 : (all_l && all_r);
            count(&t, ok, &L.r[0]); /* nothing was counted before in this case */
            rv_free(&cand);
            *st = agg(t.npass, t.nfail, some);
            goto decided;
        }
        for (size_t i = 0; i < L.n && !e->over; i++) {
            const struct guard_val *lv = L.r[i].v;
            if (!lv) {
                count(&t, false, &L.r[i]);
                continue;
            }
            if (!nr) {
                t.nfail++;
                continue;
            }
            bool found = false;
            if (lv->t == GV_LIST) {
                found = true;
                for (size_t k = 0; k < lv->n && found; k++) {
                    bool f1 = false;
                    for (size_t j = 0; j < cand.n && !f1; j++)
                        f1 = cmp_eq(e, lv->items[k], cand.r[j].v) == 1;
                    found = f1;
                }
            } else {
                for (size_t j = 0; j < cand.n && !found; j++)
                    found = cmp_eq(e, lv, cand.r[j].v) == 1;
            }
            count(&t, found != neg, &L.r[i]);
        }
        rv_free(&cand);
        *st = agg(t.npass, t.nfail, some);
        goto decided;
    }
    /* ordering: flatten lists one level, compare every pair */
    {
        struct resv fl = {0}, fr = {0};
        for (size_t i = 0; i < L.n; i++) {
            const struct guard_val *v = L.r[i].v;
            if (!v) {
                count(&t, false, &L.r[i]);
            } else if (v->t == GV_LIST) {
                for (size_t j = 0; j < v->n; j++)
                    rv_push(&fl, v->items[j], NULL, NULL, false);
            } else {
                rv_push(&fl, v, NULL, NULL, false);
            }
        }
        for (size_t i = 0; i < R.n; i++) {
            const struct guard_val *v = R.r[i].v;
            if (!v)
                t.nfail += fl.n;
            else if (v->t == GV_LIST)
                for (size_t j = 0; j < v->n; j++)
                    rv_push(&fr, v->items[j], NULL, NULL, false);
            else
                rv_push(&fr, v, NULL, NULL, false);
        }
        for (size_t i = 0; i < fl.n && spend(e, fr.n); i++)
            for (size_t j = 0; j < fr.n; j++) {
                bool ok = ord_ok(op, cmp_ord(fl.r[i].v, fr.r[j].v)) != inv;
                if (count(&t, ok, &L.r[0]))
                    badr = fl.r[i].v;
            }
        rv_free(&fl);
        rv_free(&fr);
        *st = agg(t.npass, t.nfail, some);
    }
decided:
    if (e->over)
        goto out;
    if (*st == GS_FAIL && !e->quiet) {
        const char *detail = NULL;
        const struct guard_val *at = NULL;
        if (t.firstbad && !t.firstbad->v) {
            detail = missing_detail(e, t.firstbad);
            at = t.firstbad->at;
        } else {
            const struct guard_val *lv = badr ? badr : (t.firstbad ? t.firstbad->v : NULL);
            at = lv;
            if (nd->op <= GOP_IN) {
                const struct guard_val *rv = R.n ? R.r[0].v : NULL;
                detail = pl_arena_printf(
                    e->a,
                    "Check was not compliant as property value [Path=%s Value=%s] %s value "
                    "[%s].",
                    lv ? pathof(e, lv) : "", lv ? render(e, lv) : "null",
                    op_name(nd->op, nd->op_not), rv ? render(e, rv) : "null");
            } else {
                detail = pl_arena_printf(e->a,
                                         "Check was not compliant as property [Path=%s Value=%s] "
                                         "failed %s%s.",
                                         lv ? pathof(e, lv) : "", lv ? render(e, lv) : "null",
                                         nd->op_not ? "NOT " : "", op_name(nd->op, false));
            }
        }
        record_fail(e, nd, detail, at);
        struct frec *f = &e->fails[e->nfails - 1];
        if (t.firstbad && !t.firstbad->v) {
            f->missing = t.firstbad->why;
        } else {
            const struct guard_val *lv = badr ? badr : (t.firstbad ? t.firstbad->v : NULL);
            f->value = lv ? render(e, lv) : NULL;
            f->compared = nd->op <= GOP_IN && R.n && R.r[0].v ? render(e, R.r[0].v) : NULL;
        }
        f->op = op_name(nd->op, nd->op_not);
    }
    rc = 0;
out:
    rv_free(&L);
    rv_free(&R);
    return rc;
}

/* ---------------------------------------------------------------- nodes, blocks, rules */

static const struct guard_rule *find_param_rule(struct ev *e, const char *name, size_t nargs)
{
    for (size_t i = 0; i < e->rules->nrules; i++) {
        const struct guard_rule *r = e->rules->rules[i];
        if (r->nparams && !strcmp(r->name, name)) {
            if (r->nparams != nargs)
                return NULL;
            return r;
        }
    }
    return NULL;
}

static int eval_block_over(struct ev *e, struct scope *sc, const struct guard_node *nd,
                           struct resv *vals, bool some, enum guard_st *st)
{
    size_t npass = 0, nfail = 0;
    for (size_t i = 0; i < vals->n; i++) {
        if (!vals->r[i].v) {
            nfail++;
            if (!e->quiet) {
                record_fail(e, nd, missing_detail(e, &vals->r[i]), vals->r[i].at);
                e->fails[e->nfails - 1].missing = vals->r[i].why;
            }
            continue;
        }
        struct scope *bs = scope_new(e, sc, nd->body, vals->r[i].v);
        enum guard_st s = GS_SKIP;
        if (eval_block(e, bs, nd->body, &s) < 0)
            return -1;
        if (s == GS_PASS)
            npass++;
        else if (s == GS_FAIL)
            nfail++;
    }
    if (some)
        *st = npass ? GS_PASS : nfail ? GS_FAIL : GS_SKIP;
    else
        *st = nfail ? GS_FAIL : npass ? GS_PASS : GS_SKIP;
    return 0;
}

static int eval_node(struct ev *e, struct scope *sc, const struct guard_node *nd, enum guard_st *st)
{
    switch (nd->k) {
    case GN_CLAUSE:
        return eval_clause(e, sc, nd, st);
    case GN_BLOCK: {
        struct resv vals = {0};
        if (query(e, sc, nd->q, 0, NULL, &vals) < 0) {
            rv_free(&vals);
            return -1;
        }
        int rc = 0;
        if (!vals.n)
            *st = nd->not_empty ? GS_FAIL : GS_SKIP;
        else
            rc = eval_block_over(e, sc, nd, &vals, nd->q->some, st);
        rv_free(&vals);
        return rc;
    }
    case GN_WHEN: {
        enum guard_st c;
        struct scope *ws = scope_new(e, sc, nd->conds, sc->self);
        e->quiet++;
        int rc = eval_block(e, ws, nd->conds, &c);
        e->quiet--;
        if (rc < 0)
            return -1;
        if (c != GS_PASS) {
            *st = GS_SKIP;
            return 0;
        }
        struct scope *bs = scope_new(e, sc, nd->body, sc->self);
        return eval_block(e, bs, nd->body, st);
    }
    case GN_TYPE: {
        if (nd->conds) {
            enum guard_st c;
            struct scope *ws = scope_new(e, sc, nd->conds, sc->self);
            e->quiet++;
            int rc = eval_block(e, ws, nd->conds, &c);
            e->quiet--;
            if (rc < 0)
                return -1;
            if (c != GS_PASS) {
                *st = GS_SKIP;
                return 0;
            }
        }
        const struct guard_val *res = guard__map_get(e->root, "Resources", 9);
        if (!res || res->t != GV_MAP || !res->n)
            return pl_fail(e->err, PL_E_VALIDATION, "Unable to resolve type block query: %s",
                           nd->name);
        struct resv vals = {0};
        size_t tl = strlen(nd->name);
        for (size_t i = 0; i < res->n; i++) {
            const struct guard_val *t = guard__map_get(res->items[i], "Type", 4);
            if (t && t->t == GV_STR && t->n == tl && !memcmp(t->s, nd->name, tl))
                rv_push(&vals, res->items[i], NULL, NULL, false);
        }
        int rc = 0;
        if (!vals.n)
            *st = GS_SKIP;
        else
            rc = eval_block_over(e, sc, nd, &vals, false, st);
        rv_free(&vals);
        return rc;
    }
    case GN_RULEREF: {
        enum guard_st s = GS_SKIP;
        if (rule_status(e, nd->name, &s) < 0)
            return -1;
        bool pass = s == GS_PASS;
        *st = (pass != nd->negate) ? GS_PASS : GS_FAIL;
        if (*st == GS_FAIL)
            record_fail(e, nd,
                        pl_arena_printf(e->a, "Rule %s%s was not compliant",
                                        nd->negate ? "not " : "", nd->name),
                        NULL);
        return 0;
    }
    case GN_CALL: {
        const struct guard_rule *r = find_param_rule(e, nd->name, nd->nargs);
        if (!r)
            return pl_fail(e->err, PL_E_VALIDATION,
                           "line %u:%u: no parameterized rule %s with %zu parameter(s)", nd->line,
                           nd->col, nd->name, nd->nargs);
        if (++e->calls > GUARD_MAX_CALLS)
            return pl_fail(e->err, PL_E_VALIDATION, "parameterized rule calls nested too deeply");
        struct scope *ps = scope_new(e, e->top, r->body, sc->self);
        ps->nparams = r->nparams;
        ps->params = r->params;
        ps->pvals = pl_arena_alloc(e->a, r->nparams * sizeof(*ps->pvals));
        int rc = 0;
        for (size_t i = 0; i < nd->nargs && rc == 0; i++)
            rc = eval_expr(e, sc, nd->args[i], &ps->pvals[i]);
        enum guard_st s = GS_SKIP;
        if (rc == 0)
            rc = eval_block(e, ps, r->body, &s);
        for (size_t i = 0; i < nd->nargs; i++)
            rv_free(&ps->pvals[i]);
        e->calls--;
        if (rc < 0)
            return -1;
        /* [quirk] cfn-guard 3.1.1 ignores `not` in front of a parameterized rule call */
        *st = s;
        if (s == GS_FAIL)
            record_fail(e, nd, pl_arena_printf(e->a, "Rule %s was not compliant", nd->name), NULL);
        return 0;
    }
    }
    return 0;
}

static int eval_block(struct ev *e, struct scope *sc, const struct guard_block *b,
                      enum guard_st *st)
{
    bool anyfail = false, anypass = false;
    if (enter(e) < 0)
        return -1;
    for (size_t g = 0; g < b->n; g++) {
        const struct guard_disj *d = &b->groups[g];
        size_t mark = e->nfails;
        bool gpass = false, gfail = false;
        for (size_t i = 0; i < d->n; i++) {
            enum guard_st s = GS_SKIP;
            if (eval_node(e, sc, d->alts[i], &s) < 0) {
                e->depth--;
                return -1;
            }
            if (s == GS_PASS) {
                gpass = true;
                break;
            }
            if (s == GS_FAIL)
                gfail = true;
        }
        if (gpass) {
            e->nfails = mark;
            anypass = true;
        } else if (gfail) {
            anyfail = true;
        }
    }
    e->depth--;
    *st = anyfail ? GS_FAIL : anypass ? GS_PASS : GS_SKIP;
    return 0;
}

static int eval_rule(struct ev *e, const struct guard_rule *r, enum guard_st *st)
{
    if (r->index < 0) {
        /* default: the file-level clauses in the top scope */
        return eval_block(e, e->top, r->body, st);
    }
    int i = r->index;
    if (e->state[i] == 2) {
        *st = e->memo[i];
        return 0;
    }
    if (e->state[i] == 1)
        return pl_fail(e->err, PL_E_VALIDATION, "rule %s depends on itself", r->name);
    if (++e->calls > GUARD_MAX_CALLS)
        return pl_fail(e->err, PL_E_VALIDATION, "rule references nested too deeply");
    e->state[i] = 1;
    struct scope *rs = scope_new(e, e->top, r->body, e->root);
    enum guard_st s = GS_SKIP;
    int rc = 0;
    if (r->conds) {
        enum guard_st c;
        struct scope *cs = scope_new(e, rs, r->conds, e->root);
        e->quiet++;
        rc = eval_block(e, cs, r->conds, &c);
        e->quiet--;
        if (rc == 0 && c != GS_PASS) {
            s = GS_SKIP;
            goto done;
        }
    }
    if (rc == 0)
        rc = eval_block(e, rs, r->body, &s);
done:
    e->calls--;
    if (rc < 0)
        return -1;
    e->state[i] = 2;
    e->memo[i] = s;
    *st = s;
    return 0;
}

static int rule_status(struct ev *e, const char *name, enum guard_st *st)
{
    bool found = false;
    *st = GS_SKIP;
    for (size_t i = 0; i < e->rules->nrules; i++) {
        const struct guard_rule *r = e->rules->rules[i];
        if (r->nparams || strcmp(r->name, name))
            continue;
        found = true;
        /* a referenced rule's failures are not the referencing rule's */
        size_t mark = e->nfails;
        enum guard_st s = GS_SKIP;
        e->quiet++;
        int rc = eval_rule(e, r, &s);
        e->quiet--;
        e->nfails = mark;
        if (rc < 0)
            return -1;
        if (s != GS_SKIP) {
            *st = s;
            return 0;
        }
    }
    if (!found)
        return pl_fail(e->err, PL_E_VALIDATION, "Rule %s referenced but not defined", name);
    return 0;
}

/* ---------------------------------------------------------------- public */

struct guard_doc {
    struct pl_arena arena;
    struct guard_val **docs;
    size_t n;
};

struct guard_doc *guard_doc_load(const char *text, size_t len, int mode, struct pl_err *err)
{
    struct guard_doc *d = pl_xcalloc(1, sizeof(*d));
    pl_arena_init(&d->arena);
    if (guard__load(&d->arena, text, len, mode, &d->docs, &d->n, err) < 0) {
        guard_doc_free(d);
        return NULL;
    }
    return d;
}

void guard_doc_free(struct guard_doc *d)
{
    if (!d)
        return;
    pl_arena_fini(&d->arena);
    free(d);
}

size_t guard_doc_count(const struct guard_doc *d)
{
    return d->n;
}

/* Internal entry: evaluates r against root (the document value). */
int guard__eval_root(const struct guard_rules *r, const struct guard_val *root,
                     struct guard_report *out, struct pl_err *err);

static char *xdup(const char *s)
{
    return s ? pl_xstrdup(s) : NULL;
}

static char *resource_of(const struct guard_val *v)
{
    const struct guard_val *prev = NULL;
    for (const struct guard_val *p = v; p; prev = p, p = p->parent) {
        if (p->parent && !p->parent->parent && p->key && !strcmp(p->key, "Resources") && prev &&
            prev->key)
            return pl_xstrdup(prev->key);
    }
    return NULL;
}

static void take_fails(struct ev *e, struct guard_rule_result *rr)
{
    if (!e->nfails)
        return;
    size_t n = e->nfails > 1000 ? 1000 : e->nfails;
    rr->fails = pl_xcalloc(n, sizeof(*rr->fails));
    rr->nfail = n;
    for (size_t i = 0; i < n; i++) {
        const struct frec *f = &e->fails[i];
        struct guard_failure *g = &rr->fails[i];
        g->clause = xdup(f->nd->text ? f->nd->text : "");
        g->message = f->nd->msg ? xdup(f->nd->msg) : NULL;
        g->detail = xdup(f->detail ? f->detail : "");
        g->path = xdup(f->at ? pathof(e, f->at) : "");
        g->resource = f->at ? resource_of(f->at) : NULL;
        g->missing = f->missing ? xdup(f->missing) : NULL;
        g->value = f->value ? xdup(f->value) : NULL;
        g->compared = f->compared ? xdup(f->compared) : NULL;
        g->op = f->op ? xdup(f->op) : NULL;
        g->type = NULL;
        if (g->resource) {
            const struct guard_val *res = guard__map_get(e->root, "Resources", 9);
            const struct guard_val *t =
                guard__map_get(guard__map_get(res, g->resource, strlen(g->resource)), "Type", 4);
            if (t && t->t == GV_STR)
                g->type = xdup(t->s);
        }
    }
}

int guard__eval_root(const struct guard_rules *r, const struct guard_val *root,
                     struct guard_report *out, struct pl_err *err)
{
    struct pl_arena a;
    struct ev e = {.rules = r, .root = root, .a = &a, .err = err, .max_steps = r->max_steps};
    int rc = -1;
    pl_arena_init(&a);
    memset(out, 0, sizeof(*out));
    e.memo = pl_xcalloc(r->nrules + 1, sizeof(*e.memo));
    e.state = pl_xcalloc(r->nrules + 1, sizeof(*e.state));
    e.top = scope_new(&e, NULL, r->top, root);
    out->rules = pl_xcalloc(r->nrules + 1, sizeof(*out->rules));
    bool anyp = false, anyf = false;
    for (int i = -1; i < (int)r->nrules; i++) {
        const struct guard_rule *ru = i < 0 ? r->deflt : r->rules[i];
        if (!ru || ru->nparams)
            continue;
        enum guard_st s = GS_SKIP;
        e.nfails = 0;
        if (eval_rule(&e, ru, &s) < 0)
            goto out;
        struct guard_rule_result *rr = &out->rules[out->n++];
        rr->name = pl_xstrdup(ru->name);
        rr->status = (enum guard_status)s;
        if (s == GS_FAIL)
            take_fails(&e, rr);
        anyp |= s == GS_PASS;
        anyf |= s == GS_FAIL;
    }
    out->status = anyf ? GUARD_FAIL : anyp ? GUARD_PASS : GUARD_SKIP;
    rc = 0;
out:
    if (rc < 0)
        guard_report_fini(out);
    for (size_t i = 0; i < e.nowned; i++) {
        rv_free(e.owned[i]);
        free(e.owned[i]);
    }
    free(e.owned);
    free(e.fails);
    free(e.memo);
    free(e.state);
    pl_arena_fini(&a);
    return rc;
}

int guard_eval(const struct guard_rules *r, const struct guard_doc *d, size_t idx,
               struct guard_report *out, struct pl_err *err)
{
    if (idx >= d->n)
        return pl_fail(err, PL_E_VALIDATION, "no document %zu", idx);
    return guard__eval_root(r, d->docs[idx], out, err);
}

void guard_report_fini(struct guard_report *rep)
{
    if (!rep)
        return;
    for (size_t i = 0; i < rep->n; i++) {
        struct guard_rule_result *rr = &rep->rules[i];
        for (size_t j = 0; j < rr->nfail; j++) {
            free(rr->fails[j].clause);
            free(rr->fails[j].message);
            free(rr->fails[j].detail);
            free(rr->fails[j].path);
            free(rr->fails[j].resource);
            free(rr->fails[j].missing);
            free(rr->fails[j].value);
            free(rr->fails[j].compared);
            free(rr->fails[j].op);
            free(rr->fails[j].type);
        }
        free(rr->fails);
        free(rr->name);
    }
    free(rep->rules);
    memset(rep, 0, sizeof(*rep));
}

const char *guard_status_name(enum guard_status s)
{
    return s == GUARD_PASS ? "PASS" : s == GUARD_FAIL ? "FAIL" : "SKIP";
}

int guard_eval_ci(const struct guard_rules *r, const struct pl_json *ci, struct guard_verdict *out,
                  struct pl_err *err)
{
    struct pl_arena a;
    struct guard_report rep;
    int rc;
    pl_arena_init(&a);
    memset(out, 0, sizeof(*out));
    struct guard_val *root = guard__from_json(&a, ci, 0);
    /* the API form carries configuration documents as JSON strings: Guard sees objects */
    static const char *const docs[] = {"configuration", "supplementaryConfiguration"};
    for (size_t i = 0; root->t == GV_MAP && i < 2; i++) {
        struct guard_val *v = guard__map_get(root, docs[i], strlen(docs[i])), *parsed;
        struct pl_err jerr = {0};
        if (v && v->t == GV_STR && guard__json_parse(&a, v->s, v->n, &parsed, &jerr) == 0) {
            for (size_t k = 0; k < root->n; k++)
                if (root->items[k] == v) {
                    root->items[k] = parsed;
                    parsed->parent = root;
                    parsed->key = root->keys[k];
                }
        }
    }
    rc = guard__eval_root(r, root, &rep, err);
    if (rc == 0) {
        out->status = rep.status;
        if (rep.status == GUARD_FAIL) {
            for (size_t i = 0; i < rep.n; i++) {
                struct guard_rule_result *rr = &rep.rules[i];
                if (rr->status != GUARD_FAIL)
                    continue;
                const char *m = NULL;
                char *trim = NULL;
                if (rr->nfail && rr->fails[0].message) {
                    trim = rr->fails[0].message;
                    while (*trim == ' ' || *trim == '\n' || *trim == '\t' || *trim == '\r')
                        trim++;
                    m = trim;
                }
                if (m && *m) {
                    pl_strlcpy(out->annotation, m, sizeof(out->annotation));
                    size_t l = strlen(out->annotation);
                    while (l && strchr(" \n\t\r", out->annotation[l - 1]))
                        out->annotation[--l] = 0;
                } else if (rr->nfail) {
                    snprintf(out->annotation, sizeof(out->annotation), "Rule %s: %s", rr->name,
                             rr->fails[0].detail);
                } else {
                    snprintf(out->annotation, sizeof(out->annotation), "Rule %s failed", rr->name);
                }
                break;
            }
        }
        guard_report_fini(&rep);
    }
    pl_arena_fini(&a);
    return rc;
}
