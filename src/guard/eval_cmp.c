/* eval_cmp.c — comparisons of Guard values as cfn-guard 3.1.1 makes them: equality (regexes,
 * ranges, deep lists and maps), ordering of scalars, and IN against a literal. Every equality
 * test spends one step of the evaluation budget.
 */
#include <string.h>

#include "guard/eval_int.h"

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

/* A string against a regex; a regex too costly to match stops the evaluation with an error
 * (never a silent "no match"). */
static int regex_eq(struct ev *e, const struct guard_val *re, const struct guard_val *s)
{
    int m = guard__regex_search(re->re, s->s, s->n);
    if (m >= 0)
        return m;
    e->over = true;
    pl_fail(e->err, PL_E_VALIDATION, "evaluation stopped: regex /%.*s/ is too costly to match",
            (int)(re->n > 200 ? 200 : re->n), re->s);
    return -1;
}

/* 1 equal, 0 different, -1 not comparable. Lists and maps compare member by member in order
 * and stop at the first member that differs or is not comparable, whose answer they give
 * (`X != {a: 1}` on {"a": "1"} is not comparable: FAIL, as in cfn-guard 3.1.1). */
int guard__cmp_eq(struct ev *e, const struct guard_val *a, const struct guard_val *b)
{
    if (!guard__spend(e, 1))
        return -1;
    if (a->t == GV_STR && b->t == GV_REGEX)
        return regex_eq(e, b, a);
    if (a->t == GV_REGEX && b->t == GV_STR)
        return regex_eq(e, a, b);
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
        for (size_t i = 0; i < a->n; i++) {
            int c = guard__cmp_eq(e, a->items[i], b->items[i]);
            if (c != 1)
                return c;
        }
        return 1;
    case GV_MAP:
        if (a->n != b->n)
            return 0;
        for (size_t i = 0; i < a->n; i++) {
            const struct guard_val *o = guard__map_get(b, a->keys[i], a->klens[i]);
            int c = o ? guard__cmp_eq(e, a->items[i], o) : 0;
            if (c != 1)
                return c;
        }
        return 1;
    case GV_RANGE:
        return 0;
    }
    return -1;
}

/* Ordering: -2 not comparable, else <0, 0, >0 */
int guard__cmp_ord(const struct guard_val *a, const struct guard_val *b)
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

bool guard__ord_ok(enum guard_op op, int c)
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
 * for a list l, or equality with one member when r is a list of lists: not comparable when no
 * member is equal and one is not comparable); any other r: equality,
 * and a list l is not comparable with it. */
int guard__in_lit(struct ev *e, const struct guard_val *l, const struct guard_val *r)
{
    if (r->t == GV_STR) {
        if (l->t == GV_STR)
            return memmem(r->s, r->n, l->s, l->n) != NULL || l->n == 0;
        if (l->t != GV_LIST)
            return -1;
        for (size_t j = 0; j < l->n; j++) {
            int c = guard__in_lit(e, l->items[j], r);
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
                int best = 0;
                for (size_t i = 0; i < r->n && best != 1; i++) {
                    int c = guard__cmp_eq(e, l, r->items[i]);
                    best = c == 1 || best == 0 ? c : best;
                }
                return best;
            }
            for (size_t j = 0; j < l->n; j++) {
                bool found = false;
                for (size_t i = 0; i < r->n && !found; i++)
                    found = guard__cmp_eq(e, l->items[j], r->items[i]) == 1;
                if (!found)
                    return 0;
            }
            return 1;
        }
        for (size_t i = 0; i < r->n; i++)
            if (guard__cmp_eq(e, l, r->items[i]) == 1)
                return 1;
        return 0;
    }
    if (l->t == GV_LIST)
        return -1;
    return guard__cmp_eq(e, l, r);
}
