/* parse.c — recursive-descent parser for Guard rules files (cfn-guard 3.x grammar).
 *
 * The grammar (see ../shared/reference/guard-language.md §3) is parsed straight from the
 * characters with small look-aheads and local backtracking (save lx->p, try, restore), the way
 * cfn-guard's combinator parser works. Newlines are plain whitespace: consecutive clauses form
 * a conjunction and `or` joins alternatives. Nesting is limited to GUARD_MAX_DEPTH; every error
 * is reported once as "line L:C: what" through lx->err.
 *
 * All nodes live in the rules file's arena.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "guard/guard_int.h"

enum ctx {
    CTX_TOP,    /* file level: type blocks, when blocks, clauses, rule references */
    CTX_RULE,   /* rule bodies: the same */
    CTX_BLOCK,  /* clause blocks */
    CTX_COND,   /* when conditions: clauses, calls, rule references; no blocks */
    CTX_FILTER, /* query filters */
};

static int parse_disj(struct guard_lex *lx, enum ctx c, struct guard_disj *out);
static struct guard_block *parse_body(struct guard_lex *lx, enum ctx c, char close);
static struct guard_block *parse_conds(struct guard_lex *lx);
static struct guard_query *parse_query(struct guard_lex *lx, bool allow_some);
static struct guard_expr *parse_expr(struct guard_lex *lx);

static bool enter(struct guard_lex *lx)
{
    if (++lx->depth > GUARD_MAX_DEPTH) {
        guard__lex_fail(lx, lx->p, "nesting deeper than %d", GUARD_MAX_DEPTH);
        return false;
    }
    return true;
}

static bool at(struct guard_lex *lx, char c)
{
    return lx->p < lx->end && *lx->p == c;
}

static bool at2(struct guard_lex *lx, const char *s)
{
    return lx->end - lx->p >= 2 && lx->p[0] == s[0] && lx->p[1] == s[1];
}

static void *grow(struct pl_arena *a, void *old, size_t n, size_t sz)
{
    /* arrays grow at powers of two */
    if (n == 0 || (n >= 4 && !(n & (n - 1)))) {
        size_t cap = n ? n * 2 : 4;
        void *nw = pl_arena_alloc(a, cap * sz);
        if (n)
            memcpy(nw, old, n * sz);
        return nw;
    }
    return old;
}

static const char *dupn(struct guard_lex *lx, const char *s, size_t n)
{
    return pl_arena_strndup(lx->a, s, n);
}

/* Trimmed source text between a and b. */
static const char *text_of(struct guard_lex *lx, const char *a, const char *b)
{
    while (a < b && (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r'))
        a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\n' || b[-1] == '\r'))
        b--;
    return dupn(lx, a, (size_t)(b - a));
}

/* ---------------------------------------------------------------- values */

static struct guard_val *parse_value(struct guard_lex *lx, int *rc);

/* r[lo,hi] / r(lo,hi) and the mixed forms, into v. *rc as parse_value. */
static struct guard_val *parse_range(struct guard_lex *lx, struct guard_val *v, const char *start,
                                     int *rc)
{
    struct guard_val lo = {0}, hi = {0};
    v->t = GV_RANGE;
    v->lo_incl = lx->p[1] == '[';
    lx->p += 2;
    guard__lex_ws(lx);
    if (guard__lex_number(lx, &lo) <= 0)
        goto badrange;
    guard__lex_ws(lx);
    if (!at(lx, ','))
        goto badrange;
    lx->p++;
    guard__lex_ws(lx);
    if (guard__lex_number(lx, &hi) <= 0)
        goto badrange;
    guard__lex_ws(lx);
    if (!at(lx, ']') && !at(lx, ')'))
        goto badrange;
    v->hi_incl = *lx->p == ']';
    lx->p++;
    if (lo.t != hi.t) {
        *rc = guard__lex_fail(lx, start, "range bounds must have the same type");
        return NULL;
    }
    v->rt = lo.t;
    v->ilo = lo.i;
    v->ihi = hi.i;
    v->rlo = lo.f;
    v->rhi = hi.f;
    return v;
badrange:
    *rc = guard__lex_fail(lx, lx->p, "malformed range, expected r[lo,hi]");
    return NULL;
}

/* Gives up a list or map literal begun at start: not a literal after all (e.g. a query list or
 * a block); the caller decides. *rc = 0. */
static struct guard_val *not_literal(struct guard_lex *lx, const char *start, int *rc)
{
    lx->p = start;
    lx->depth--;
    *rc = 0;
    return NULL;
}

/* After a member of a list or map literal: "," (true, more to come) or the closing character
 * close (false). -1 in *rc with an error otherwise. */
static bool literal_next(struct guard_lex *lx, char close, const char *what, int *rc)
{
    guard__lex_ws(lx);
    if (at(lx, ',')) {
        lx->p++;
        guard__lex_ws(lx);
        return true;
    }
    if (!at(lx, close))
        *rc = guard__lex_fail(lx, lx->p, "expected ',' or '%c' in %s", close, what);
    return false;
}

/* [v, ...] at lx->p (depth entered by the caller), into v. *rc as parse_value. */
static struct guard_val *parse_list_lit(struct guard_lex *lx, struct guard_val *v,
                                        const char *start, int *rc)
{
    v->t = GV_LIST;
    lx->p++;
    guard__lex_ws(lx);
    while (!at(lx, ']')) {
        int r;
        struct guard_val *e = parse_value(lx, &r);
        if (r == 0)
            return not_literal(lx, start, rc);
        if (r < 0) {
            *rc = r;
            return NULL;
        }
        guard__val_push(lx->a, v, NULL, 0, e);
        if (!literal_next(lx, ']', "list", rc) && *rc < 0)
            return NULL;
    }
    lx->p++;
    lx->depth--;
    return v;
}

/* A map literal's key: quoted, or letters, digits, '_' and '-'. 1, 0 (no key here), -1. */
static int map_key(struct guard_lex *lx, const char **k, size_t *kl)
{
    if (at(lx, '"') || at(lx, '\''))
        return guard__lex_string(lx, k, kl) < 0 ? -1 : 1;
    const char *q = lx->p;
    while (q < lx->end && (guard__lex_identc((unsigned char)*q) || *q == '-'))
        q++;
    if (q == lx->p)
        return 0;
    *kl = (size_t)(q - lx->p);
    *k = dupn(lx, lx->p, *kl);
    lx->p = q;
    return 1;
}

/* {k: v, ...} at lx->p (depth entered by the caller), into v. *rc as parse_value. */
static struct guard_val *parse_map_lit(struct guard_lex *lx, struct guard_val *v, const char *start,
                                       int *rc)
{
    v->t = GV_MAP;
    lx->p++;
    guard__lex_ws(lx);
    while (!at(lx, '}')) {
        const char *k;
        size_t kl;
        int r = map_key(lx, &k, &kl);
        if (r < 0) {
            *rc = -1;
            return NULL;
        }
        if (r == 0)
            return not_literal(lx, start, rc);
        guard__lex_ws(lx);
        if (!at(lx, ':'))
            return not_literal(lx, start, rc);
        lx->p++;
        guard__lex_ws(lx);
        struct guard_val *e = parse_value(lx, &r);
        if (r <= 0) {
            if (r == 0)
                r = guard__lex_fail(lx, lx->p, "expected a value in map literal");
            *rc = r;
            return NULL;
        }
        guard__val_push(lx->a, v, k, kl, e);
        if (!literal_next(lx, '}', "map literal", rc) && *rc < 0)
            return NULL;
    }
    lx->p++;
    lx->depth--;
    return v;
}

/* A literal value at lx->p: *rc = 1 parsed, 0 not a value, -1 error. */
static struct guard_val *parse_value(struct guard_lex *lx, int *rc)
{
    struct guard_val *v = guard__val_new(lx->a, GV_NULL);
    const char *start = lx->p;
    guard__lex_pos(lx, start, &v->line, &v->col);
    *rc = 1;
    if (guard__lex_kw2(lx, "null", "NULL"))
        return v;
    if (guard__lex_kw2(lx, "true", "True")) {
        v->t = GV_BOOL;
        v->b = true;
        return v;
    }
    if (guard__lex_kw2(lx, "false", "False")) {
        v->t = GV_BOOL;
        return v;
    }
    if (at(lx, '"') || at(lx, '\'')) {
        v->t = GV_STR;
        if ((*rc = guard__lex_string(lx, &v->s, &v->n)) < 0)
            return NULL;
        return v;
    }
    if (at(lx, '/'))
        return (*rc = guard__lex_regex(lx, v)) < 0 ? NULL : v;
    if (lx->end - lx->p >= 2 && *lx->p == 'r' && (lx->p[1] == '[' || lx->p[1] == '('))
        return parse_range(lx, v, start, rc);
    if ((*rc = guard__lex_number(lx, v)) != 0)
        return *rc < 0 ? NULL : v;
    *rc = 1;
    if (at(lx, '[') || at(lx, '{')) {
        if (!enter(lx)) {
            *rc = -1;
            return NULL;
        }
        return at(lx, '[') ? parse_list_lit(lx, v, start, rc) : parse_map_lit(lx, v, start, rc);
    }
    *rc = 0;
    return NULL;
}

/* ---------------------------------------------------------------- expressions */

static int parse_args(struct guard_lex *lx, size_t *nargs, struct guard_expr ***args)
{
    /* at '(' */
    lx->p++;
    if (!enter(lx))
        return -1;
    guard__lex_ws(lx);
    while (!at(lx, ')')) {
        struct guard_expr *e = parse_expr(lx);
        if (!e)
            return -1;
        *args = grow(lx->a, *args, *nargs, sizeof(**args));
        (*args)[(*nargs)++] = e;
        guard__lex_ws(lx);
        if (at(lx, ',')) {
            lx->p++;
            guard__lex_ws(lx);
            continue;
        }
        if (!at(lx, ')'))
            return guard__lex_fail(lx, lx->p, "expected ',' or ')'");
    }
    lx->p++;
    lx->depth--;
    return 0;
}

/* value | function call | query */
static struct guard_expr *parse_expr(struct guard_lex *lx)
{
    struct guard_expr *e = pl_arena_alloc(lx->a, sizeof(*e));
    int rc;
    guard__lex_pos(lx, lx->p, &e->line, &e->col);
    e->val = parse_value(lx, &rc);
    if (rc < 0)
        return NULL;
    if (rc > 0) {
        e->k = GE_VALUE;
        return e;
    }
    size_t n = guard__lex_ident(lx, lx->p);
    if (n && lx->p + n < lx->end && lx->p[n] == '(') {
        int ar = guard__fn_arity(lx->p, n);
        if (ar < 0) {
            /* cfn-guard resolves functions when it evaluates: not a syntax error (exit 255) */
            guard__lex_fail(lx, lx->p, "no such function named %.*s exists", (int)n, lx->p);
            if (lx->err)
                lx->err->code = PL_E_INVALID_EXPRESSION;
            return NULL;
        }
        const char *fstart = lx->p;
        e->k = GE_CALL;
        e->fname = dupn(lx, lx->p, n);
        lx->p += n;
        if (parse_args(lx, &e->nargs, &e->args) < 0)
            return NULL;
        if ((int)e->nargs != ar) {
            guard__lex_fail(lx, fstart,
                            "function %s expects %d arguments be passed, but received %zu",
                            e->fname, ar, e->nargs);
            if (lx->err)
                lx->err->code = PL_E_INVALID_EXPRESSION;
            return NULL;
        }
        return e;
    }
    e->k = GE_QUERY;
    e->q = parse_query(lx, true);
    if (!e->q)
        return NULL;
    return e;
}

/* ---------------------------------------------------------------- queries */

static struct guard_part *add_part(struct guard_lex *lx, struct guard_query *q)
{
    q->parts = grow(lx->a, q->parts, q->n, sizeof(*q->parts));
    struct guard_part *p = &q->parts[q->n++];
    memset(p, 0, sizeof(*p));
    return p;
}

static int parse_int_at(struct guard_lex *lx, int64_t *out)
{
    struct guard_val v = {0};
    const char *save = lx->p;
    int rc = guard__lex_number(lx, &v);
    if (rc <= 0)
        return rc;
    if (v.t != GV_INT) {
        lx->p = save;
        return 0;
    }
    *out = v.i;
    return 1;
}

/* The forms inside '[': each adds its part and returns 1 when it is the one at lx->p, returns 0
 * with lx->p unchanged when it is not, and -1 on an error. */

/* [*] */
static int bracket_all(struct guard_lex *lx, struct guard_query *q)
{
    if (!at(lx, '*'))
        return 0;
    const char *s2 = lx->p;
    lx->p++;
    guard__lex_ws(lx);
    if (at(lx, ']')) {
        lx->p++;
        add_part(lx, q)->k = GP_ALL;
        return 1;
    }
    lx->p = s2;
    return 0;
}

/* [N]; save is where the bracket's content began (before white space). */
static int bracket_index(struct guard_lex *lx, struct guard_query *q, const char *save)
{
    int64_t idx;
    int rc = parse_int_at(lx, &idx);
    if (rc <= 0)
        return rc < 0 ? -1 : 0;
    guard__lex_ws(lx);
    if (at(lx, ']')) {
        lx->p++;
        struct guard_part *p = add_part(lx, q);
        p->k = GP_INDEX;
        p->idx = idx;
        return 1;
    }
    lx->p = save;
    guard__lex_ws(lx);
    return 0;
}

/* ['key'] */
static int bracket_key(struct guard_lex *lx, struct guard_query *q)
{
    if (!at(lx, '"') && !at(lx, '\''))
        return 0;
    const char *s2 = lx->p, *k;
    size_t kl;
    if (guard__lex_string(lx, &k, &kl) < 0)
        return -1;
    guard__lex_ws(lx);
    if (at(lx, ']')) {
        lx->p++;
        struct guard_part *p = add_part(lx, q);
        p->k = GP_KEY;
        p->s = k;
        p->sl = kl;
        return 1;
    }
    lx->p = s2;
    return 0;
}

/* [name], or the "name |" that binds what a filter selects (into *bind, consumed, 0). */
static int bracket_bind(struct guard_lex *lx, struct guard_query *q, const char **bind)
{
    size_t n = guard__lex_ident(lx, lx->p);
    if (!n)
        return 0;
    const char *s2 = lx->p;
    lx->p += n;
    guard__lex_ws(lx);
    if (at(lx, ']')) {
        lx->p++;
        struct guard_part *p = add_part(lx, q);
        p->k = GP_BIND;
        p->s = dupn(lx, s2, n);
        p->sl = n;
        return 1;
    }
    if (at(lx, '|') && !at2(lx, "||")) {
        *bind = dupn(lx, s2, n);
        lx->p++;
        guard__lex_ws(lx);
    } else {
        lx->p = s2;
    }
    return 0;
}

/* The operator of a keys filter: ==, !=, in, not in / !in. False when there is none. */
static bool keys_op(struct guard_lex *lx, enum guard_op *op, bool *neg)
{
    *op = GOP_EQ;
    *neg = false;
    if (at2(lx, "==")) {
        lx->p += 2;
    } else if (at2(lx, "!=")) {
        lx->p += 2;
        *op = GOP_NE;
    } else if (guard__lex_kw2(lx, "in", "IN")) {
        *op = GOP_IN;
    } else if (guard__lex_kw2(lx, "not", "NOT") || (at(lx, '!') && (lx->p++, 1))) {
        guard__lex_ws(lx);
        if (!guard__lex_kw2(lx, "in", "IN"))
            return false;
        *op = GOP_IN;
        *neg = true;
    } else {
        return false;
    }
    return true;
}

/* [keys OP expr] */
static int bracket_keys(struct guard_lex *lx, struct guard_query *q, const char *bind)
{
    const char *s2 = lx->p;
    enum guard_op op;
    bool neg;
    if (!guard__lex_kw2(lx, "keys", "KEYS"))
        return 0;
    guard__lex_ws(lx);
    if (!keys_op(lx, &op, &neg)) {
        lx->p = s2;
        return 0;
    }
    guard__lex_ws(lx);
    struct guard_expr *rhs = parse_expr(lx);
    if (!rhs)
        return -1;
    guard__lex_ws(lx);
    if (!at(lx, ']'))
        return guard__lex_fail(lx, lx->p, "expected ']' after keys filter");
    lx->p++;
    struct guard_part *p = add_part(lx, q);
    p->k = GP_KEYS;
    p->op = op;
    p->op_not = neg;
    p->rhs = rhs;
    p->bind = bind;
    return 1;
}

/* Inside '[' (after it and whitespace): keys filter, filter, index, key, bind or '*'. */
static int parse_bracket(struct guard_lex *lx, struct guard_query *q)
{
    const char *save = lx->p, *bind = NULL;
    int rc;
    guard__lex_ws(lx);
    if ((rc = bracket_all(lx, q)) != 0 || (rc = bracket_index(lx, q, save)) != 0 ||
        (rc = bracket_key(lx, q)) != 0 || (rc = bracket_bind(lx, q, &bind)) != 0 ||
        (rc = bracket_keys(lx, q, bind)) != 0)
        return rc < 0 ? -1 : 0;
    struct guard_block *f = parse_body(lx, CTX_FILTER, ']');
    if (!f)
        return -1;
    struct guard_part *p = add_part(lx, q);
    p->k = GP_FILTER;
    p->filter = f;
    p->bind = bind;
    return 0;
}

/* Parses a query; NULL with an error when there is none at lx->p. */
static struct guard_query *parse_query(struct guard_lex *lx, bool allow_some)
{
    struct guard_query *q = pl_arena_alloc(lx->a, sizeof(*q));
    const char *start = lx->p;
    struct guard_part *p;
    if (!enter(lx))
        return NULL;
    if (allow_some) {
        const char *s2 = lx->p;
        if (guard__lex_kw2(lx, "some", "SOME") && guard__lex_at_ws(lx)) {
            q->some = true;
            guard__lex_ws(lx);
        } else {
            lx->p = s2;
        }
    }
    size_t n;
    if (at(lx, '%')) {
        n = guard__lex_ident(lx, lx->p + 1);
        if (!n) {
            guard__lex_fail(lx, lx->p, "expected a variable name after '%%'");
            return NULL;
        }
        p = add_part(lx, q);
        p->k = GP_VAR;
        p->s = dupn(lx, lx->p + 1, n);
        p->sl = n;
        lx->p += n + 1;
    } else if (at(lx, '"') || at(lx, '\'')) {
        p = add_part(lx, q);
        p->k = GP_KEY;
        if (guard__lex_string(lx, &p->s, &p->sl) < 0)
            return NULL;
    } else if ((n = guard__lex_ident(lx, lx->p)) != 0) {
        p = add_part(lx, q);
        if ((n == 4 && (!memcmp(lx->p, "this", 4) || !memcmp(lx->p, "THIS", 4)))) {
            p->k = GP_THIS;
        } else {
            p->k = GP_KEY;
            p->s = dupn(lx, lx->p, n);
            p->sl = n;
        }
        lx->p += n;
    } else if (at(lx, '[') || at(lx, '.')) {
        p = add_part(lx, q);
        p->k = GP_THIS;
    } else {
        guard__lex_fail(lx, lx->p,
                        "expected a property access like \"engine.core\" or a value like "
                        "\"string\" or [\"this\", \"that\"]");
        return NULL;
    }
    for (;;) {
        const char *s2 = lx->p;
        guard__lex_ws(lx);
        if (at(lx, '.') && !(lx->p + 1 < lx->end && lx->p[1] == '.')) {
            lx->p++;
            int64_t idx;
            int rc;
            if (at(lx, '*')) {
                lx->p++;
                add_part(lx, q)->k = GP_DOTSTAR;
            } else if (at(lx, '%')) {
                n = guard__lex_ident(lx, lx->p + 1);
                if (!n) {
                    guard__lex_fail(lx, lx->p, "expected a variable name after '%%'");
                    return NULL;
                }
                p = add_part(lx, q);
                p->k = GP_VARKEY;
                p->s = dupn(lx, lx->p + 1, n);
                p->sl = n;
                lx->p += n + 1;
            } else if ((rc = parse_int_at(lx, &idx)) != 0) {
                if (rc < 0)
                    return NULL;
                p = add_part(lx, q);
                p->k = GP_INDEX;
                p->idx = idx;
            } else if (at(lx, '"') || at(lx, '\'')) {
                p = add_part(lx, q);
                p->k = GP_KEY;
                if (guard__lex_string(lx, &p->s, &p->sl) < 0)
                    return NULL;
            } else if ((n = guard__lex_ident(lx, lx->p)) != 0) {
                p = add_part(lx, q);
                p->k = GP_KEY;
                p->s = dupn(lx, lx->p, n);
                p->sl = n;
                lx->p += n;
            } else {
                guard__lex_fail(lx, lx->p, "expected a key, index or '*' after '.'");
                return NULL;
            }
            continue;
        }
        if (at(lx, '[')) {
            lx->p++;
            if (parse_bracket(lx, q) < 0)
                return NULL;
            continue;
        }
        lx->p = s2;
        break;
    }
    /* %v followed by more parts iterates the variable's values: %v.a == %v[*].a */
    if (q->parts[0].k == GP_VAR && q->n > 1 && q->parts[1].k != GP_ALL) {
        add_part(lx, q);
        memmove(&q->parts[2], &q->parts[1], (q->n - 2) * sizeof(*q->parts));
        memset(&q->parts[1], 0, sizeof(*q->parts));
        q->parts[1].k = GP_ALL;
    }
    q->text = text_of(lx, start, lx->p);
    lx->depth--;
    return q;
}

/* ---------------------------------------------------------------- clauses */

static const struct {
    const char *lo, *up;
    enum guard_op op;
} unary_ops[] = {
    {"exists", "EXISTS", GOP_EXISTS},          {"empty", "EMPTY", GOP_EMPTY},
    {"is_string", "IS_STRING", GOP_IS_STRING}, {"is_list", "IS_LIST", GOP_IS_LIST},
    {"is_struct", "IS_STRUCT", GOP_IS_STRUCT}, {"is_bool", "IS_BOOL", GOP_IS_BOOL},
    {"is_int", "IS_INT", GOP_IS_INT},          {"is_float", "IS_FLOAT", GOP_IS_FLOAT},
    {"is_null", "IS_NULL", GOP_IS_NULL},       {"in", "IN", GOP_IN},
};

static const struct {
    const char *s;
    enum guard_op op;
} cmp_ops[] = {{"==", GOP_EQ}, {"!=", GOP_NE}, {">=", GOP_GE},
               {"<=", GOP_LE}, {">", GOP_GT},  {"<", GOP_LT}};

/* A comparison operator at lx->p (`<` but not `<<`, which starts a message); consumed. */
static bool cmp_op(struct guard_lex *lx, enum guard_op *op)
{
    for (size_t i = 0; i < PL_ARRAY_LEN(cmp_ops); i++) {
        size_t n = strlen(cmp_ops[i].s);
        if ((size_t)(lx->end - lx->p) >= n && !memcmp(lx->p, cmp_ops[i].s, n) &&
            !(cmp_ops[i].op == GOP_LT && at2(lx, "<<"))) {
            lx->p += n;
            *op = cmp_ops[i].op;
            return true;
        }
    }
    return false;
}

/* Operator at lx->p (whitespace skipped by the caller). 1 found, 0 none. */
static int parse_op(struct guard_lex *lx, enum guard_op *op, bool *neg)
{
    const char *save = lx->p;
    *neg = false;
    if (cmp_op(lx, op))
        return 1;
    if (at(lx, '!')) {
        lx->p++;
        *neg = true;
    } else if (guard__lex_kw2(lx, "not", "NOT")) {
        if (!guard__lex_at_ws(lx)) {
            lx->p = save;
            return 0;
        }
        guard__lex_ws(lx);
        *neg = true;
    }
    for (size_t i = 0; i < PL_ARRAY_LEN(unary_ops); i++) {
        if (guard__lex_kw2(lx, unary_ops[i].lo, unary_ops[i].up)) {
            *op = unary_ops[i].op;
            return 1;
        }
    }
    lx->p = save;
    *neg = false;
    return 0;
}

static bool is_binary(enum guard_op op)
{
    return op <= GOP_IN;
}

/* Optional << message >> after whitespace. 0 ok, -1 error. */
static int parse_msg(struct guard_lex *lx, const char **msg)
{
    const char *save = lx->p;
    guard__lex_ws(lx);
    if (!at2(lx, "<<")) {
        lx->p = save;
        return 0;
    }
    const char *s = lx->p + 2, *e = s;
    while (e + 1 < lx->end && !(e[0] == '>' && e[1] == '>'))
        e++;
    if (e + 1 >= lx->end)
        return guard__lex_fail(lx, lx->p, "unterminated message, expected '>>'");
    *msg = dupn(lx, s, (size_t)(e - s));
    lx->p = e + 2;
    return 0;
}

/* TYPE := NAME::NAME[::NAME[::MODULE]] at lx->p; returns its length or 0. */
static size_t type_name_len(struct guard_lex *lx)
{
    const char *p = lx->p;
    size_t n = guard__lex_ident(lx, p);
    if (!n || p + n + 2 > lx->end || p[n] != ':' || p[n + 1] != ':')
        return 0;
    p += n;
    while (p + 2 <= lx->end && p[0] == ':' && p[1] == ':') {
        size_t m = guard__lex_ident(lx, p + 2);
        if (!m)
            return 0;
        p += 2 + m;
    }
    return (size_t)(p - lx->p);
}

static struct guard_node *new_node(struct guard_lex *lx, enum guard_node_kind k, const char *at_)
{
    struct guard_node *nd = pl_arena_alloc(lx->a, sizeof(*nd));
    nd->k = k;
    guard__lex_pos(lx, at_, &nd->line, &nd->col);
    return nd;
}

static bool bare_name(const struct guard_query *q)
{
    return q->n == 1 && q->parts[0].k == GP_KEY && !q->some && q->text && q->text[0] != '"' &&
           q->text[0] != '\'';
}

/* As cfn-guard: a rule reference without a message is followed, on its line, only by a
 * comment, '{', `or`, or nothing. */
static bool ruleref_end_ok(struct guard_lex *lx)
{
    const char *p = lx->p;
    while (p < lx->end && (*p == ' ' || *p == '\t'))
        p++;
    if (p >= lx->end || *p == '\n' || *p == '\r' || *p == '#' || *p == '{')
        return true;
    if (lx->end - p >= 4 && !memcmp(p, "|OR|", 4))
        return true;
    if (lx->end - p >= 2 && (!memcmp(p, "or", 2) || !memcmp(p, "OR", 2)) &&
        (lx->end - p == 2 || !guard__lex_identc((unsigned char)p[2])))
        return true;
    return false;
}

/* when CONDS { body } (the keyword consumed). */
static struct guard_node *item_when(struct guard_lex *lx, enum ctx c, const char *start)
{
    struct guard_node *nd = new_node(lx, GN_WHEN, start);
    nd->conds = parse_conds(lx);
    if (!nd->conds)
        return NULL;
    lx->p++; /* '{' */
    nd->body = parse_body(lx, c == CTX_TOP ? CTX_RULE : c, '}');
    return nd->body ? nd : NULL;
}

/* TYPE [when CONDS] { body } or TYPE clause, the type name tn bytes at lx->p. */
static struct guard_node *item_type(struct guard_lex *lx, size_t tn, const char *start)
{
    struct guard_node *nd = new_node(lx, GN_TYPE, start);
    nd->name = dupn(lx, lx->p, tn);
    lx->p += tn;
    guard__lex_ws(lx);
    const char *s2 = lx->p;
    if (guard__lex_kw2(lx, "when", "WHEN")) {
        nd->conds = parse_conds(lx);
        if (!nd->conds)
            return NULL;
    } else {
        lx->p = s2;
    }
    if (at(lx, '{')) {
        lx->p++;
        nd->body = parse_body(lx, CTX_BLOCK, '}');
        if (!nd->body)
            return NULL;
    } else {
        /* TYPE clause: a one-clause body */
        struct guard_block *b = pl_arena_alloc(lx->a, sizeof(*b));
        b->groups = pl_arena_alloc(lx->a, sizeof(*b->groups));
        b->n = 1;
        if (parse_disj(lx, CTX_BLOCK, &b->groups[0]) < 0)
            return NULL;
        nd->body = b;
    }
    nd->text = text_of(lx, start, lx->p);
    return nd;
}

/* A clause's prefix `not` / `!` (not `!=`), consumed; true when there was one. */
static bool item_negation(struct guard_lex *lx)
{
    const char *s2 = lx->p;
    if (guard__lex_kw2(lx, "not", "NOT") && guard__lex_at_ws(lx)) {
        guard__lex_ws(lx);
        return true;
    }
    lx->p = s2;
    if (at(lx, '!') && !at2(lx, "!=")) {
        lx->p++;
        return true;
    }
    return false;
}

/* Parameterized rule call: name(args) [<< msg >>]; lx->p at '('. */
static struct guard_node *item_call(struct guard_lex *lx, const struct guard_query *q, bool negate,
                                    const char *start)
{
    struct guard_node *nd = new_node(lx, GN_CALL, start);
    nd->negate = negate;
    nd->name = q->parts[0].s;
    if (parse_args(lx, &nd->nargs, &nd->args) < 0 || parse_msg(lx, &nd->msg) < 0)
        return NULL;
    nd->text = text_of(lx, start, lx->p);
    return nd;
}

/* QUERY { body } (kind GN_BLOCK) into nd, lx->p at '{'. */
static struct guard_node *block_body(struct guard_lex *lx, struct guard_node *nd,
                                     struct guard_query *q)
{
    lx->p++;
    nd->k = GN_BLOCK;
    nd->q = q;
    nd->body = parse_body(lx, CTX_BLOCK, '}');
    if (!nd->body)
        return NULL;
    nd->text = q->text;
    return nd;
}

/* QUERY OP [rhs] [<< msg >>], or the `QUERY !empty { body }` block; the operator parsed. */
static struct guard_node *item_clause(struct guard_lex *lx, enum ctx c, struct guard_query *q,
                                      bool negate, enum guard_op op, bool neg, const char *start,
                                      const char *qstart)
{
    struct guard_node *nd = new_node(lx, GN_CLAUSE, start);
    nd->negate = negate;
    nd->q = q;
    nd->op = op;
    nd->op_not = neg;
    if (is_binary(op)) {
        guard__lex_ws(lx);
        nd->rhs = parse_expr(lx);
        if (!nd->rhs)
            return NULL;
    } else if (op == GOP_EMPTY && neg && c != CTX_COND && !negate) {
        const char *s2 = lx->p;
        guard__lex_ws(lx);
        if (at(lx, '{')) {
            nd->not_empty = true;
            return block_body(lx, nd, q);
        }
        lx->p = s2;
    }
    nd->text = text_of(lx, qstart, lx->p);
    return parse_msg(lx, &nd->msg) < 0 ? NULL : nd;
}

/* [not] rule_name [<< msg >>], ending its line; lx->p just after the name. */
static struct guard_node *item_ruleref(struct guard_lex *lx, const struct guard_query *q,
                                       bool negate, const char *start)
{
    struct guard_node *nd = new_node(lx, GN_RULEREF, start);
    nd->negate = negate;
    nd->name = q->parts[0].s;
    nd->text = text_of(lx, start, lx->p);
    if (parse_msg(lx, &nd->msg) < 0)
        return NULL;
    if (!nd->msg && !ruleref_end_ok(lx)) {
        guard__lex_fail(lx, lx->p,
                        "a rule reference must end its line (or be followed by 'or' or '{')");
        return NULL;
    }
    return nd;
}

/* What starts with a query: a rule call, a block, a clause or a rule reference. */
static struct guard_node *item_query(struct guard_lex *lx, enum ctx c, const char *start)
{
    bool negate = item_negation(lx);
    const char *qstart = lx->p;
    struct guard_query *q = parse_query(lx, true);
    if (!q)
        return NULL;
    if (bare_name(q) && at(lx, '('))
        return item_call(lx, q, negate, start);
    const char *after_q = lx->p;
    guard__lex_ws(lx);
    if (at(lx, '{') && c != CTX_COND && !negate)
        return block_body(lx, new_node(lx, GN_BLOCK, start), q);
    enum guard_op op;
    bool neg;
    if (parse_op(lx, &op, &neg))
        return item_clause(lx, c, q, negate, op, neg, start, qstart);
    if (bare_name(q) && c != CTX_FILTER && c != CTX_TOP) { /* no file-level references */
        lx->p = after_q;
        return item_ruleref(lx, q, negate, start);
    }
    guard__lex_fail(lx, start, "expected an operator (==, !=, in, exists, empty, ...) after '%s'",
                    q->text);
    return NULL;
}

/* One clause, block or rule reference of a body in context c. NULL with an error. */
static struct guard_node *parse_item(struct guard_lex *lx, enum ctx c)
{
    struct guard_node *nd;
    size_t tn;
    guard__lex_ws(lx);
    const char *start = lx->p;
    if (lx->p >= lx->end) {
        guard__lex_fail(lx, lx->p, "unexpected end of file, expected a clause");
        return NULL;
    }
    if (!enter(lx))
        return NULL;
    if (c != CTX_COND && (guard__lex_kw2(lx, "when", "WHEN")))
        nd = item_when(lx, c, start);
    else if ((c == CTX_TOP || c == CTX_RULE) && (tn = type_name_len(lx)) != 0)
        nd = item_type(lx, tn, start);
    else
        nd = item_query(lx, c, start);
    if (nd)
        lx->depth--;
    return nd;
}

static bool at_or(struct guard_lex *lx)
{
    const char *s2 = lx->p;
    if (lx->end - lx->p >= 4 && !memcmp(lx->p, "|OR|", 4)) {
        lx->p += 4;
        return true;
    }
    if (guard__lex_kw2(lx, "or", "OR")) {
        if (guard__lex_at_ws(lx))
            return true;
        lx->p = s2;
    }
    return false;
}

static int parse_disj(struct guard_lex *lx, enum ctx c, struct guard_disj *out)
{
    for (;;) {
        struct guard_node *nd = parse_item(lx, c);
        if (!nd)
            return -1;
        out->alts = grow(lx->a, out->alts, out->n, sizeof(*out->alts));
        out->alts[out->n++] = nd;
        const char *s2 = lx->p;
        guard__lex_ws(lx);
        if (at_or(lx))
            continue;
        lx->p = s2;
        return 0;
    }
}

static int parse_let(struct guard_lex *lx, struct guard_block *b)
{
    const char *start = lx->p - 3;
    guard__lex_ws(lx);
    size_t n = guard__lex_ident(lx, lx->p);
    if (!n)
        return guard__lex_fail(lx, lx->p, "expected a variable name after 'let'");
    b->lets = grow(lx->a, b->lets, b->nlets, sizeof(*b->lets));
    struct guard_let *l = &b->lets[b->nlets++];
    memset(l, 0, sizeof(*l));
    guard__lex_pos(lx, start, &l->line, &l->col);
    l->name = dupn(lx, lx->p, n);
    lx->p += n;
    guard__lex_ws(lx);
    if (at2(lx, ":="))
        lx->p += 2;
    else if (at(lx, '='))
        lx->p++;
    else
        return guard__lex_fail(lx, lx->p, "expected '=' in let");
    guard__lex_ws(lx);
    l->e = parse_expr(lx);
    if (!l->e)
        return -1;
    if (l->e->k == GE_QUERY)
        l->some = l->e->q->some;
    return 0;
}

static int add_group(struct guard_lex *lx, struct guard_block *b, enum ctx c)
{
    b->groups = grow(lx->a, b->groups, b->n, sizeof(*b->groups));
    struct guard_disj *d = &b->groups[b->n++];
    memset(d, 0, sizeof(*d));
    return parse_disj(lx, c, d);
}

/* Body up to the closing character (consumed). */
static struct guard_block *parse_body(struct guard_lex *lx, enum ctx c, char close)
{
    struct guard_block *b = pl_arena_alloc(lx->a, sizeof(*b));
    const char *open = lx->p;
    if (!enter(lx))
        return NULL;
    for (;;) {
        guard__lex_ws(lx);
        if (lx->p >= lx->end) {
            guard__lex_fail(lx, open, "missing '%c'", close);
            return NULL;
        }
        if (at(lx, close)) {
            lx->p++;
            break;
        }
        if (c != CTX_FILTER && guard__lex_kw(lx, "let")) {
            if (parse_let(lx, b) < 0)
                return NULL;
            continue;
        }
        if (add_group(lx, b, c) < 0)
            return NULL;
    }
    lx->depth--;
    return b;
}

/* when conditions up to '{' (left unconsumed). */
static struct guard_block *parse_conds(struct guard_lex *lx)
{
    struct guard_block *b = pl_arena_alloc(lx->a, sizeof(*b));
    if (!guard__lex_at_ws(lx)) {
        guard__lex_fail(lx, lx->p, "expected whitespace after 'when'");
        return NULL;
    }
    for (;;) {
        guard__lex_ws(lx);
        if (lx->p >= lx->end) {
            guard__lex_fail(lx, lx->p, "expected '{' after when conditions");
            return NULL;
        }
        if (at(lx, '{')) {
            if (!b->n) {
                guard__lex_fail(lx, lx->p, "expected a condition after 'when'");
                return NULL;
            }
            return b;
        }
        if (add_group(lx, b, CTX_COND) < 0)
            return NULL;
    }
}

static int parse_rule(struct guard_lex *lx, struct guard_rules *r)
{
    const char *start = lx->p - 4;
    guard__lex_ws(lx);
    size_t n = guard__lex_ident(lx, lx->p);
    if (!n)
        return guard__lex_fail(lx, lx->p, "expected a rule name after 'rule'");
    struct guard_rule *ru = pl_arena_alloc(lx->a, sizeof(*ru));
    guard__lex_pos(lx, start, &ru->line, &ru->col);
    ru->name = dupn(lx, lx->p, n);
    lx->p += n;
    if (at(lx, '(')) {
        lx->p++;
        for (;;) {
            guard__lex_ws(lx);
            size_t m = guard__lex_ident(lx, lx->p);
            if (!m)
                return guard__lex_fail(lx, lx->p, "expected a parameter name");
            ru->params = grow(lx->a, ru->params, ru->nparams, sizeof(*ru->params));
            ru->params[ru->nparams++] = dupn(lx, lx->p, m);
            lx->p += m;
            guard__lex_ws(lx);
            if (at(lx, ',')) {
                lx->p++;
                continue;
            }
            if (at(lx, ')')) {
                lx->p++;
                break;
            }
            return guard__lex_fail(lx, lx->p, "expected ',' or ')' in parameter list");
        }
    }
    guard__lex_ws(lx);
    if (!ru->nparams && guard__lex_kw2(lx, "when", "WHEN")) {
        ru->conds = parse_conds(lx);
        if (!ru->conds)
            return -1;
    }
    if (!at(lx, '{'))
        return guard__lex_fail(lx, lx->p, "expected '{' to start rule '%s'", ru->name);
    lx->p++;
    ru->body = parse_body(lx, CTX_RULE, '}');
    if (!ru->body)
        return -1;
    ru->index = (int)r->nrules;
    r->rules = pl_xrealloc(r->rules, (r->nrules + 1) * sizeof(*r->rules));
    r->rules[r->nrules++] = ru;
    return 0;
}

int guard_parse(const char *src, size_t len, const char *name, struct guard_rules **out,
                struct pl_err *err)
{
    struct guard_rules *r = pl_xcalloc(1, sizeof(*r));
    struct guard_lex lx = {.s = src, .p = src, .end = src + len, .err = err, .rules = r};
    pl_arena_init(&r->arena);
    lx.a = &r->arena;
    r->name = pl_xstrdup(name ? name : "");
    r->max_steps = GUARD_MAX_STEPS;
    r->top = pl_arena_alloc(lx.a, sizeof(*r->top));
    if (len >= 3 && !memcmp(src, "\xEF\xBB\xBF", 3))
        lx.p += 3;
    if (memchr(src, 0, len)) {
        const char *z = memchr(src, 0, len);
        guard__lex_fail(&lx, z, "NUL character in rules");
        goto fail;
    }
    size_t valid = pl_utf8_valid_prefix(src, len); /* cfn-guard reads rules as UTF-8 text */
    if (valid < len) {
        guard__lex_fail(&lx, src + valid, "rules are not valid UTF-8");
        goto fail;
    }
    for (;;) {
        guard__lex_ws(&lx);
        if (lx.p >= lx.end)
            break;
        if (guard__lex_kw(&lx, "let")) {
            if (parse_let(&lx, r->top) < 0)
                goto fail;
            continue;
        }
        if (guard__lex_kw(&lx, "rule")) {
            if (!guard__lex_at_ws(&lx)) {
                lx.p -= 4;
            } else {
                if (parse_rule(&lx, r) < 0)
                    goto fail;
                continue;
            }
        }
        if (add_group(&lx, r->top, CTX_TOP) < 0)
            goto fail;
        r->has_default = true;
    }
    (void)PL_ALWAYS(lx.depth == 0); /* every nesting entered was left */
    if (r->has_default) {
        struct guard_rule *d = pl_arena_alloc(lx.a, sizeof(*d));
        d->name = "default";
        d->body = r->top;
        d->index = -1;
        r->deflt = d;
    }
    if (guard__check_vars(r, err) < 0)
        goto fail;
    *out = r;
    return 0;
fail:
    if (err && err->code == PL_E_NONE)
        guard__lex_fail(&lx, lx.p, "syntax error");
    guard_rules_free(r);
    *out = NULL;
    return -1;
}

void guard_rules_set_max_steps(struct guard_rules *r, unsigned long long max_steps)
{
    r->max_steps = max_steps ? max_steps : GUARD_MAX_STEPS;
}

void guard_rules_free(struct guard_rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nre; i++)
        guard__regex_free(r->res[i]);
    free(r->res);
    free(r->rules);
    free(r->name);
    pl_arena_fini(&r->arena);
    free(r);
}

const char *guard_rules_name(const struct guard_rules *r)
{
    return r->name;
}
