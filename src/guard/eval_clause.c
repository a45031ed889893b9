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

/* One clause being decided: both sides, the outcomes of its checks and its first failing
 * value (badr: an element of a list when the list itself is not the offending value). */
struct clause {
    struct ev *e;
    const struct guard_node *nd;
    struct resv L, R;
    size_t npass, nfail;
    const struct res *firstbad;
    const struct guard_val *badr;
    bool inv; /* clause-level `not` that cfn-guard honours */
};

/* Counts one check: a pass, or a failure at `at`, remembered when it is the first. Returns
 * true for that first failure (callers note the offending value with it). */
static bool count(struct clause *c, bool ok, const struct res *at)
{
    if (ok) {
        c->npass++;
        return false;
    }
    c->nfail++;
    if (c->firstbad)
        return false;
    c->firstbad = at;
    return true;
}

static enum guard_st verdict(const struct clause *c)
{
    return agg(c->npass, c->nfail, c->nd->q->some);
}

/* exists, empty, is_* over the left side */
static int unary_clause(struct clause *c, enum guard_st *st)
{
    const struct guard_node *nd = c->nd;
    bool neg = nd->op_not ^ c->inv;
    if (nd->op == GOP_EMPTY && empty_special(nd->q)) {
        if (!c->L.n) {
            *st = neg ? GS_FAIL : GS_PASS;
            return 0;
        }
        for (size_t i = 0; i < c->L.n; i++) {
            const struct guard_val *v = c->L.r[i].v;
            bool ok = v ? v->t == GV_NULL : true;
            count(c, ok != neg, &c->L.r[i]);
        }
        *st = verdict(c);
        return 0;
    }
    if (!c->L.n) {
        *st = GS_SKIP;
        return 0;
    }
    for (size_t i = 0; i < c->L.n; i++) {
        bool ok = false;
        if (unary_test(c->e, nd, c->L.r[i].v, &ok) < 0)
            return -1;
        count(c, ok != neg, &c->L.r[i]);
    }
    *st = verdict(c);
    return 0;
}

/* == / != against one literal */
static void eq_literal(struct clause *c, bool ne)
{
    const struct guard_val *rv = c->R.r[0].v;
    for (size_t i = 0; i < c->L.n; i++) {
        const struct guard_val *lv = c->L.r[i].v;
        if (!lv) {
            count(c, false, &c->L.r[i]);
            continue;
        }
        /* a list from the data is compared element by element with a scalar; a list
         * from a literal `let` is compared whole (and so is not comparable) */
        if (lv->t == GV_LIST && rv->t != GV_LIST && !c->L.r[i].lit) {
            for (size_t j = 0; j < lv->n; j++) {
                int k = guard__cmp_eq(c->e, lv->items[j], rv);
                bool ok = k >= 0 && ((k == 1) != ne);
                if (count(c, ok, &c->L.r[i]))
                    c->badr = lv->items[j];
            }
            continue;
        }
        const struct guard_val *r2 = rv;
        if (rv->t == GV_LIST && rv->n == 1 && is_scalar(lv))
            r2 = rv->items[0];
        int k = guard__cmp_eq(c->e, lv, r2);
        bool ok = k >= 0 && ((k == 1) != ne);
        count(c, ok, &c->L.r[i]);
    }
}

/* Whether the na resolved values of big are all (nmiss == 0) or none (nfound == 0) in small. */
static void set_compare(struct clause *c, bool bigl, size_t *nmiss, size_t *nfound)
{
    struct resv *big = bigl ? &c->L : &c->R, *small = bigl ? &c->R : &c->L;
    for (size_t i = 0; i < big->n && !c->e->over; i++) {
        if (!big->r[i].v)
            continue;
        bool found = false;
        for (size_t j = 0; j < small->n && !found; j++)
            found = small->r[j].v && guard__cmp_eq(c->e, big->r[i].v, small->r[j].v) == 1;
        if (found) {
            (*nfound)++;
        } else {
            (*nmiss)++;
            if (!c->firstbad && bigl)
                c->firstbad = &big->r[i];
        }
    }
}

/* == / != against query results: a set comparison */
static void eq_query(struct clause *c, bool ne)
{
    size_t na = 0, nb = 0;
    for (size_t i = 0; i < c->L.n; i++) {
        if (!c->L.r[i].v)
            count(c, false, &c->L.r[i]);
        else
            na++;
    }
    for (size_t i = 0; i < c->R.n; i++) {
        if (!c->R.r[i].v) {
            c->nfail += na;
            if (!c->firstbad && na)
                c->firstbad = &c->R.r[i];
        } else {
            nb++;
        }
    }
    if (!na || !nb)
        return;
    bool bigl = na > nb;
    size_t nmiss = 0, nfound = 0;
    set_compare(c, bigl, &nmiss, &nfound);
    /* [quirk] `!=` against a query passes only when the left side has more values
     * than the right and none of them is on the right; a literal on the left must
     * differ from (and be comparable with) every value on the right */
    bool ok = ne ? (bigl && nfound == 0) : nmiss == 0;
    if (ne && c->L.n == 1 && c->L.r[0].lit) {
        ok = true;
        for (size_t j = 0; j < c->R.n && ok; j++)
            ok = !c->R.r[j].v || guard__cmp_eq(c->e, c->L.r[0].v, c->R.r[j].v) == 0;
    }
    count(c, ok, &c->L.r[0]);
}

/* IN / NOT IN one literal */
static void in_literal(struct clause *c, bool neg)
{
    const struct guard_val *rv = c->R.r[0].v;
    for (size_t i = 0; i < c->L.n; i++) {
        const struct guard_val *lv = c->L.r[i].v;
        if (!lv) {
            count(c, false, &c->L.r[i]);
            continue;
        }
        int k = guard__in_lit(c->e, lv, rv);
        bool ok = k >= 0 && ((k == 1) != neg);
        count(c, ok, &c->L.r[i]);
    }
}

/* Whether v equals one of the candidates. */
static bool in_cands(struct ev *e, const struct guard_val *v, const struct resv *cand)
{
    bool found = false;
    for (size_t j = 0; j < cand->n && !found; j++)
        found = guard__cmp_eq(e, v, cand->r[j].v) == 1;
    return found;
}

/* [quirk] a literal IN a query of several values: the literal's values and the query's must
 * be the same set (NOT IN: no value in common) */
static void in_same_set(struct clause *c, const struct resv *cand, bool neg)
{
    const struct guard_val *lv = c->L.r[0].v;
    const struct guard_val *const *ls = &lv;
    size_t nl = 1, common = 0;
    bool all_l = true, all_r = true;
    if (lv->t == GV_LIST) {
        ls = (const struct guard_val *const *)lv->items;
        nl = lv->n;
    }
    for (size_t k = 0; k < nl; k++) {
        bool f1 = in_cands(c->e, ls[k], cand);
        common += f1;
        all_l &= f1;
    }
    for (size_t j = 0; j < cand->n; j++) {
        bool f1 = false;
        for (size_t k = 0; k < nl && !f1; k++)
            f1 = guard__cmp_eq(c->e, ls[k], cand->r[j].v) == 1;
        all_r &= f1;
    }
    bool ok = neg ? common == 0 : (all_l && all_r);
    count(c, ok, &c->L.r[0]); /* nothing was counted before in this case */
}

/* IN / NOT IN query results (lists among them flattened one level) */
static void in_query(struct clause *c, bool neg)
{
    struct resv cand = {0};
    size_t nr = 0;
    for (size_t i = 0; i < c->R.n; i++) {
        if (c->R.r[i].v)
            nr++;
    }
    guard__rv_flatten(&c->R, &cand);
    if (c->L.n == 1 && c->L.r[0].lit && nr > 1) {
        in_same_set(c, &cand, neg);
        guard__rv_free(&cand);
        return;
    }
    for (size_t i = 0; i < c->L.n && !c->e->over; i++) {
        const struct guard_val *lv = c->L.r[i].v;
        if (!lv) {
            count(c, false, &c->L.r[i]);
            continue;
        }
        if (!nr) {
            c->nfail++;
            continue;
        }
        bool found;
        if (lv->t == GV_LIST) {
            found = true;
            for (size_t k = 0; k < lv->n && found; k++)
                found = in_cands(c->e, lv->items[k], &cand);
        } else {
            found = in_cands(c->e, lv, &cand);
        }
        count(c, found != neg, &c->L.r[i]);
    }
    guard__rv_free(&cand);
}

/* ordering: flatten lists one level, compare every pair */
static void ord_clause(struct clause *c)
{
    struct resv fl = {0}, fr = {0};
    for (size_t i = 0; i < c->L.n; i++) {
        if (!c->L.r[i].v)
            count(c, false, &c->L.r[i]);
    }
    guard__rv_flatten(&c->L, &fl);
    for (size_t i = 0; i < c->R.n; i++) {
        if (!c->R.r[i].v)
            c->nfail += fl.n;
    }
    guard__rv_flatten(&c->R, &fr);
    for (size_t i = 0; i < fl.n && guard__spend(c->e, fr.n); i++)
        for (size_t j = 0; j < fr.n; j++) {
            bool ok =
                guard__ord_ok(c->nd->op, guard__cmp_ord(fl.r[i].v, fr.r[j].v)) != c->inv;
            if (count(c, ok, &c->L.r[0]))
                c->badr = fl.r[i].v;
        }
    guard__rv_free(&fl);
    guard__rv_free(&fr);
}

/* A binary operator: SKIP when either side has no result. */
static int binary_clause(struct clause *c, struct scope *sc, enum guard_st *st)
{
    const struct guard_node *nd = c->nd;
    if (guard__eval_expr(c->e, sc, nd->rhs, &c->R) < 0)
        return -1;
    if (!c->L.n || !c->R.n) {
        *st = GS_SKIP;
        return 0;
    }
    bool lit = c->R.n == 1 && c->R.r[0].lit;
    if (nd->op == GOP_EQ || nd->op == GOP_NE) {
        bool ne = (nd->op == GOP_NE) ^ c->inv;
        if (lit)
            eq_literal(c, ne);
        else
            eq_query(c, ne);
    } else if (nd->op == GOP_IN) {
        bool neg = nd->op_not ^ c->inv;
        if (lit)
            in_literal(c, neg);
        else
            in_query(c, neg);
    } else {
        ord_clause(c);
    }
    *st = verdict(c);
    return 0;
}

/* Records the failure of a clause with its explanation and the offending value. */
static void clause_failed(struct clause *c)
{
    struct ev *e = c->e;
    const struct guard_node *nd = c->nd;
    const struct res *fb = c->firstbad;
    const char *detail;
    const struct guard_val *at, *lv = NULL;
    if (fb && !fb->v) {
        detail = guard__missing_detail(e, fb);
        at = fb->at;
    } else {
        lv = c->badr ? c->badr : (fb ? fb->v : NULL);
        at = lv;
        if (nd->op <= GOP_IN) {
            const struct guard_val *rv = c->R.n ? c->R.r[0].v : NULL;
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
                                     lv ? guard__pathof(e, lv) : "",
                                     lv ? guard__render(e, lv) : "null",
                                     nd->op_not ? "NOT " : "", op_name(nd->op, false));
        }
    }
    struct frec *f = guard__record_fail(e, nd, detail, at);
    if (fb && !fb->v) {
        f->missing = fb->why;
    } else {
        f->value = lv ? guard__render(e, lv) : NULL;
        f->compared =
            nd->op <= GOP_IN && c->R.n && c->R.r[0].v ? guard__render(e, c->R.r[0].v) : NULL;
    }
    f->op = op_name(nd->op, nd->op_not);
}

int guard__eval_clause(struct ev *e, struct scope *sc, const struct guard_node *nd,
                       enum guard_st *st)
{
    /* [quirk] cfn-guard 3.1.1 honours a clause-level `not` only for unary operators
     * (`not X exists`); `not X == 1` is evaluated as `X == 1`. */
    struct clause c = {.e = e, .nd = nd, .inv = nd->negate && !(nd->op <= GOP_IN)};
    int rc = guard__query(e, sc, nd->q, 0, NULL, &c.L);
    if (rc == 0)
        rc = nd->op <= GOP_IN ? binary_clause(&c, sc, st) : unary_clause(&c, st);
    if (rc == 0 && e->over)
        rc = -1;
    if (rc == 0 && *st == GS_FAIL && !e->quiet)
        clause_failed(&c);
    guard__rv_free(&c.L);
    guard__rv_free(&c.R);
    return rc;
}
