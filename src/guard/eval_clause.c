/* eval_clause.c — one access clause: the query on the left, the operator and the right-hand side
 * (a literal or query results) give PASS, FAIL or SKIP, with cfn-guard 3.1.1's rules for
 * missing values, `some`, set comparisons and its quirks (marked [quirk]). A failing clause
 * records the first offending value for the report.
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "guard/eval_int.h"

static bool is_scalar(const struct guard_val *v)
{
    return v->t != GV_LIST && v->t != GV_MAP;
}


static enum guard_st agg(size_t npass, size_t nfail, bool some)
{
    if (some) /* `some` over no outcome at all fails */
        return npass ? GS_PASS : GS_FAIL;
    return nfail ? GS_FAIL : GS_PASS;
}

const char *guard__missing_detail(struct ev *e, const struct res *r)
{
    return pl_arena_printf(e->a,
                           "Check was not compliant as property [%s] is missing. Value traversed "
                           "to [Path=%s Value=%s].",
                           r->why ? r->why : "", guard__pathof(e, r->at), guard__render(e, r->at));
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
                           v->t == GV_NULL ? "a null" : "a number or character", guard__pathof(e, v));
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

int guard__eval_clause(struct ev *e, struct scope *sc, const struct guard_node *nd,
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
    if (guard__query(e, sc, nd->q, 0, NULL, &L) < 0)
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
    if (guard__eval_expr(e, sc, nd->rhs, &R) < 0)
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
                        int c = guard__cmp_eq(e, lv->items[j], rv);
                        bool ok = c >= 0 && ((c == 1) != ne);
                        if (count(&t, ok, &L.r[i]))
                            badr = lv->items[j];
                    }
                    continue;
                }
                const struct guard_val *r2 = rv;
                if (rv->t == GV_LIST && rv->n == 1 && is_scalar(lv))
                    r2 = rv->items[0];
                int c = guard__cmp_eq(e, lv, r2);
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
                    found = small->r[j].v && guard__cmp_eq(e, big->r[i].v, small->r[j].v) == 1;
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
                    ok = !R.r[j].v || guard__cmp_eq(e, L.r[0].v, R.r[j].v) == 0;
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
                int c = guard__in_lit(e, lv, rv);
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
                    guard__rv_push(&cand, v->items[j], NULL, NULL, false);
            else
                guard__rv_push(&cand, v, NULL, NULL, false);
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
                    f1 = guard__cmp_eq(e, ls[k], cand.r[j].v) == 1;
                common += f1;
                all_l &= f1;
            }
            for (size_t j = 0; j < cand.n; j++) {
                bool f1 = false;
                for (size_t k = 0; k < nl && !f1; k++)
                    f1 = guard__cmp_eq(e, ls[k], cand.r[j].v) == 1;
                all_r &= f1;
            }
            bool ok = neg ? common == 0 : (all_l && all_r);
            count(&t, ok, &L.r[0]); /* nothing was counted before in this case */
            guard__rv_free(&cand);
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
                        f1 = guard__cmp_eq(e, lv->items[k], cand.r[j].v) == 1;
                    found = f1;
                }
            } else {
                for (size_t j = 0; j < cand.n && !found; j++)
                    found = guard__cmp_eq(e, lv, cand.r[j].v) == 1;
            }
            count(&t, found != neg, &L.r[i]);
        }
        guard__rv_free(&cand);
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
                    guard__rv_push(&fl, v->items[j], NULL, NULL, false);
            } else {
                guard__rv_push(&fl, v, NULL, NULL, false);
            }
        }
        for (size_t i = 0; i < R.n; i++) {
            const struct guard_val *v = R.r[i].v;
            if (!v)
                t.nfail += fl.n;
            else if (v->t == GV_LIST)
                for (size_t j = 0; j < v->n; j++)
                    guard__rv_push(&fr, v->items[j], NULL, NULL, false);
            else
                guard__rv_push(&fr, v, NULL, NULL, false);
        }
        for (size_t i = 0; i < fl.n && guard__spend(e, fr.n); i++)
            for (size_t j = 0; j < fr.n; j++) {
                bool ok = guard__ord_ok(op, guard__cmp_ord(fl.r[i].v, fr.r[j].v)) != inv;
                if (count(&t, ok, &L.r[0]))
                    badr = fl.r[i].v;
            }
        guard__rv_free(&fl);
        guard__rv_free(&fr);
        *st = agg(t.npass, t.nfail, some);
    }
decided:
    if (e->over)
        goto out;
    if (*st == GS_FAIL && !e->quiet) {
        const char *detail = NULL;
        const struct guard_val *at = NULL;
        if (t.firstbad && !t.firstbad->v) {
            detail = guard__missing_detail(e, t.firstbad);
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
                    lv ? guard__pathof(e, lv) : "", lv ? guard__render(e, lv) : "null",
                    op_name(nd->op, nd->op_not), rv ? guard__render(e, rv) : "null");
            } else {
                detail = pl_arena_printf(e->a,
                                         "Check was not compliant as property [Path=%s Value=%s] "
                                         "failed %s%s.",
                                         lv ? guard__pathof(e, lv) : "", lv ? guard__render(e, lv) : "null",
                                         nd->op_not ? "NOT " : "", op_name(nd->op, false));
            }
        }
        guard__record_fail(e, nd, detail, at);
        struct frec *f = &e->fails[e->nfails - 1];
        if (t.firstbad && !t.firstbad->v) {
            f->missing = t.firstbad->why;
        } else {
            const struct guard_val *lv = badr ? badr : (t.firstbad ? t.firstbad->v : NULL);
            f->value = lv ? guard__render(e, lv) : NULL;
            f->compared = nd->op <= GOP_IN && R.n && R.r[0].v ? guard__render(e, R.r[0].v) : NULL;
        }
        f->op = op_name(nd->op, nd->op_not);
    }
    rc = 0;
out:
    guard__rv_free(&L);
    guard__rv_free(&R);
    return rc;
}

