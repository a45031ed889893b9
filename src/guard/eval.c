/* eval.c — evaluates a parsed Guard file against one document with cfn-guard 3.x semantics:
 * variables, nodes, blocks and rules, and the report of one evaluation. Queries are in
 * eval_query.c, clauses in eval_clause.c, comparisons in eval_cmp.c, built-in functions in
 * eval_fn.c; the state they share (budget, result vectors, failures, scopes) in eval_state.c,
 * which calls none of them. report.c (documents, the public calls) calls this file.
 *
 * Clauses turn results into PASS, FAIL or SKIP; blocks combine their lines as a conjunction of
 * disjunctions (guard-language.md §5-6): missing data fails, data removed by a filter skips.
 * Variables are evaluated lazily in the scope where their `let` is written and cached for the
 * life of that scope. Named rules are evaluated on demand and memoised per document. Recursion
 * is bounded by the syntax depth (parser limit), GUARD_MAX_EVAL_DEPTH and GUARD_MAX_CALLS for
 * rule references and calls.
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "guard/eval_int.h"

static int rule_status(struct ev *e, const char *name, enum guard_st *st);

/* ---------------------------------------------------------------- variables */

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
    if (guard__eval_expr(e, sc, l->e, rv) < 0)
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

int guard__lookup_var(struct ev *e, struct scope *sc, const char *name, struct resv **out)
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

int guard__eval_expr(struct ev *e, struct scope *sc, const struct guard_expr *x, struct resv *out)
{
    switch (x->k) {
    case GE_VALUE:
        guard__rv_push(out, x->val, NULL, NULL, true);
        return 0;
    case GE_QUERY:
        return guard__query(e, sc, x->q, 0, NULL, out);
    case GE_CALL:
        return guard__call_fn(e, sc, x, out);
    }
    return 0;
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
                guard__record_fail(e, nd, guard__missing_detail(e, &vals->r[i]), vals->r[i].at);
                e->fails[e->nfails - 1].missing = vals->r[i].why;
            }
            continue;
        }
        struct scope *bs = guard__scope_new(e, sc, nd->body, vals->r[i].v);
        enum guard_st s = GS_SKIP;
        if (guard__eval_block(e, bs, nd->body, &s) < 0)
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

/* A `when` condition block, evaluated quietly in scope sc; *pass when it passes. */
static int conds_pass(struct ev *e, struct scope *sc, const struct guard_block *conds, bool *pass)
{
    enum guard_st c = GS_SKIP;
    struct scope *ws = guard__scope_new(e, sc, conds, sc->self);
    e->quiet++;
    int rc = guard__eval_block(e, ws, conds, &c);
    e->quiet--;
    *pass = c == GS_PASS;
    return rc;
}

/* query { body }: the body over every value of the query */
static int eval_query_block(struct ev *e, struct scope *sc, const struct guard_node *nd,
                            enum guard_st *st)
{
    struct resv vals = {0};
    if (guard__query(e, sc, nd->q, 0, NULL, &vals) < 0) {
        guard__rv_free(&vals);
        return -1;
    }
    int rc = 0;
    if (!vals.n)
        *st = nd->not_empty ? GS_FAIL : GS_SKIP;
    else
        rc = eval_block_over(e, sc, nd, &vals, nd->q->some, st);
    guard__rv_free(&vals);
    return rc;
}

static int eval_when(struct ev *e, struct scope *sc, const struct guard_node *nd, enum guard_st *st)
{
    bool pass;
    if (conds_pass(e, sc, nd->conds, &pass) < 0)
        return -1;
    if (!pass) {
        *st = GS_SKIP;
        return 0;
    }
    struct scope *bs = guard__scope_new(e, sc, nd->body, sc->self);
    return guard__eval_block(e, bs, nd->body, st);
}

/* Whether a resource's Type selects it for the type block `name`: the block is
 * Resources.*[ Type == "name" ] in cfn-guard 3.1.1, so a list Type matches when each of its
 * elements is that string (an empty list too). */
static bool type_matches(const struct guard_val *t, const char *name, size_t tl)
{
    if (t && t->t == GV_STR)
        return t->n == tl && !memcmp(t->s, name, tl);
    if (!t || t->t != GV_LIST)
        return false;
    for (size_t i = 0; i < t->n; i++)
        if (t->items[i]->t != GV_STR || !type_matches(t->items[i], name, tl))
            return false;
    return true;
}

/* AWS::X::Y [when conds] { body }: the body over every resource of that Type */
static int eval_type(struct ev *e, struct scope *sc, const struct guard_node *nd, enum guard_st *st)
{
    bool pass = true;
    if (nd->conds && conds_pass(e, sc, nd->conds, &pass) < 0)
        return -1;
    if (!pass) {
        *st = GS_SKIP;
        return 0;
    }
    const struct guard_val *res = guard__map_get(e->root, "Resources", 9);
    if (!res || res->t != GV_MAP || !res->n)
        return pl_fail(e->err, PL_E_VALIDATION, "Unable to resolve type block query: %s", nd->name);
    struct resv vals = {0};
    size_t tl = strlen(nd->name);
    for (size_t i = 0; i < res->n; i++) {
        const struct guard_val *t = guard__map_get(res->items[i], "Type", 4);
        if (type_matches(t, nd->name, tl))
            guard__rv_push(&vals, res->items[i], NULL, NULL, false);
    }
    int rc = 0;
    if (!vals.n)
        *st = GS_SKIP;
    else
        rc = eval_block_over(e, sc, nd, &vals, false, st);
    guard__rv_free(&vals);
    return rc;
}

static int eval_ruleref(struct ev *e, const struct guard_node *nd, enum guard_st *st)
{
    enum guard_st s = GS_SKIP;
    if (rule_status(e, nd->name, &s) < 0)
        return -1;
    bool pass = s == GS_PASS;
    *st = (pass != nd->negate) ? GS_PASS : GS_FAIL;
    if (*st == GS_FAIL)
        guard__record_fail(e, nd,
                           pl_arena_printf(e->a, "Rule %s%s was not compliant",
                                           nd->negate ? "not " : "", nd->name),
                           NULL);
    return 0;
}

/* name(args): a parameterized rule, its parameters bound in a scope under the file's */
static int eval_call(struct ev *e, struct scope *sc, const struct guard_node *nd, enum guard_st *st)
{
    const struct guard_rule *r = find_param_rule(e, nd->name, nd->nargs);
    if (!r)
        return pl_fail(e->err, PL_E_VALIDATION,
                       "line %u:%u: no parameterized rule %s with %zu parameter(s)", nd->line,
                       nd->col, nd->name, nd->nargs);
    if (++e->calls > GUARD_MAX_CALLS)
        return pl_fail(e->err, PL_E_VALIDATION, "parameterized rule calls nested too deeply");
    struct scope *ps = guard__scope_new(e, e->top, r->body, sc->self);
    ps->nparams = r->nparams;
    ps->params = r->params;
    ps->pvals = pl_arena_alloc(e->a, r->nparams * sizeof(*ps->pvals));
    int rc = 0;
    for (size_t i = 0; i < nd->nargs && rc == 0; i++)
        rc = guard__eval_expr(e, sc, nd->args[i], &ps->pvals[i]);
    enum guard_st s = GS_SKIP;
    if (rc == 0)
        rc = guard__eval_block(e, ps, r->body, &s);
    for (size_t i = 0; i < nd->nargs; i++)
        guard__rv_free(&ps->pvals[i]);
    e->calls--;
    if (rc < 0)
        return -1;
    /* [quirk] cfn-guard 3.1.1 ignores `not` in front of a parameterized rule call */
    *st = s;
    if (s == GS_FAIL)
        guard__record_fail(e, nd, pl_arena_printf(e->a, "Rule %s was not compliant", nd->name),
                           NULL);
    return 0;
}

static int eval_node(struct ev *e, struct scope *sc, const struct guard_node *nd, enum guard_st *st)
{
    switch (nd->k) {
    case GN_CLAUSE:
        return guard__eval_clause(e, sc, nd, st);
    case GN_BLOCK:
        return eval_query_block(e, sc, nd, st);
    case GN_WHEN:
        return eval_when(e, sc, nd, st);
    case GN_TYPE:
        return eval_type(e, sc, nd, st);
    case GN_RULEREF:
        return eval_ruleref(e, nd, st);
    case GN_CALL:
        return eval_call(e, sc, nd, st);
    }
    return 0;
}

int guard__eval_block(struct ev *e, struct scope *sc, const struct guard_block *b,
                      enum guard_st *st)
{
    bool anyfail = false, anypass = false;
    if (guard__enter(e) < 0)
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
        return guard__eval_block(e, e->top, r->body, st);
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
    struct scope *rs = guard__scope_new(e, e->top, r->body, e->root);
    enum guard_st s = GS_SKIP;
    int rc = 0;
    if (r->conds) {
        enum guard_st c;
        struct scope *cs = guard__scope_new(e, rs, r->conds, e->root);
        e->quiet++;
        rc = guard__eval_block(e, cs, r->conds, &c);
        e->quiet--;
        if (rc == 0 && c != GS_PASS) {
            s = GS_SKIP;
            goto done;
        }
    }
    if (rc == 0)
        rc = guard__eval_block(e, rs, r->body, &s);
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

/* ---------------------------------------------------------------- evaluation of a document */

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

/* Copies the failures recorded in e (at most 1000) into rr, with their path, resource and type. */
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
        g->path = xdup(f->at ? guard__pathof(e, f->at) : "");
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
    e.top = guard__scope_new(&e, NULL, r->top, root);
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
    (void)PL_ALWAYS(e.depth == 0 && e.calls == 0); /* recursion bookkeeping balanced */
    rc = 0;
out:
    if (rc < 0)
        guard_report_fini(out);
    for (size_t i = 0; i < e.nowned; i++) {
        guard__rv_free(e.owned[i]);
        free(e.owned[i]);
    }
    free(e.owned);
    free(e.fails);
    free(e.memo);
    free(e.state);
    pl_arena_fini(&a);
    return rc;
}
