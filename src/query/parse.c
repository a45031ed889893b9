/* parse.c — recursive-descent parser of AWS's advanced-query dialect into a struct query.
 *
 *   query  := SELECT item {, item} [WHERE cond] [GROUP BY prop {, prop}]
 *             [ORDER BY key [ASC|DESC] {, key [ASC|DESC]}]
 *   item   := '*' | AGG '(' ('*' | prop) ')' | prop        AGG := COUNT|MIN|MAX|SUM|AVG
 *   cond   := and {OR and};  and := unary {AND unary}
 *   unary  := NOT unary | '(' cond ')' | prop op value | prop [NOT] IN '(' value {, value} ')'
 *           | prop [NOT] BETWEEN value AND value | prop [NOT] LIKE 'prefix%'
 *
 * What AWS refuses is refused here with the position and what was expected (FROM, JOIN, AS,
 * DISTINCT, HAVING, UNION, NULL, subqueries, nested functions, non-suffix wildcards, ...).
 * Nesting of '(' and NOT is bounded by QUERY_MAX_DEPTH; AND/OR chains are loops. A comparison
 * (=, !=, <, <=, >, >=, BETWEEN) of IPv4 or IPv6 values on a path the resource schema types ip
 * or cidr_block (cidr.gen.c) is marked for range comparison.
 * The first error wins (pl_fail); functions return -1 after it and callers unwind.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/query_int.h"

struct parser {
    struct query_lex lx;
    struct query_token t; /* the current token */
    struct pl_arena *a;
    struct pl_err *err;
    int depth;
    struct query *q;
};

/* Words AWS does not accept, and why (shown after "found 'X'"). */
static const char *const refused[][2] = {
    {"FROM", "there is no FROM: the table is implicitly the current configuration items"},
    {"JOIN", "JOIN is not supported"},
    {"AS", "AS (aliases) is not supported"},
    {"DISTINCT", "DISTINCT is not supported"},
    {"HAVING", "HAVING is not supported"},
    {"UNION", "UNION is not supported"},
    {"INTERSECT", "INTERSECT is not supported"},
    {"EXCEPT", "EXCEPT is not supported"},
    {"ALL", "ALL is not supported"},
    {"LIMIT", "LIMIT is not supported: use the Limit parameter"},
    {"OFFSET", "OFFSET is not supported: use NextToken"},
    {"NULL", "NULL comparisons are not supported"},
    {"IS", "NULL comparisons are not supported"},
    {"SELECT", "subqueries are not supported"},
    {"WITH", "WITH is not supported"},
};

static void next(struct parser *p)
{
    query__next(&p->lx, &p->t);
}

static bool is_kw(const struct query_token *t, const char *kw)
{
    return t->kind == QT_IDENT && t->len == strlen(kw) && strncasecmp(t->text, kw, t->len) == 0;
}

static const char *why_refused(const struct query_token *t)
{
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (is_kw(t, refused[i][0]))
            return refused[i][1];
    return NULL;
}

/* "line L:C: <msg>" at pos. */
static int fail_at(struct parser *p, size_t pos, const char *msg)
{
    char where[48];
    query__where(p->lx.src, pos, where, sizeof where);
    return pl_fail(p->err, PL_E_INVALID_EXPRESSION, "%s: %s", where, msg);
}

/* "line L:C: expected <what>, found <token>[ (why)]" at the current token. */
static int expected(struct parser *p, const char *what)
{
    char msg[200], tok[41];
    const char *why = why_refused(&p->t);
    size_t tl = p->t.len > 40 ? 40 : p->t.len;
    for (size_t i = 0; i < tl; i++) /* printable ASCII only: the message must stay UTF-8 */
        tok[i] = p->t.text[i] >= 0x20 && p->t.text[i] < 0x7f ? p->t.text[i] : '?';
    tok[tl] = 0;
    if (p->t.kind == QT_EOF || p->t.kind == QT_ERROR)
        snprintf(msg, sizeof msg, "expected %s, found %s", what, tok);
    else
        snprintf(msg, sizeof msg, "expected %s, found '%s'%s%s%s", what, tok, why ? " (" : "",
                 why ? why : "", why ? ")" : "");
    return fail_at(p, p->t.pos, msg);
}

static int expect(struct parser *p, enum query_tok k, const char *what)
{
    if (p->t.kind != k)
        return expected(p, what);
    next(p);
    return 0;
}

static int expect_kw(struct parser *p, const char *kw)
{
    if (!is_kw(&p->t, kw))
        return expected(p, kw);
    next(p);
    return 0;
}

static void *grow(struct pl_arena *a, void *arr, size_t n, size_t *cap, size_t sz)
{
    if (n < *cap)
        return arr;
    *cap = *cap ? 2 * *cap : 8;
    void *bigger = pl_arena_alloc(a, *cap * sz);
    if (n)
        memcpy(bigger, arr, n * sz);
    return bigger;
}

/* ---- properties ---- */

static const char *const tag_members[] = {"key", "value", "tag"};
static const char *const rel_members[][2] = {{"resourceId", "resourceId"},
                                             {"resourceName", "resourceName"},
                                             {"resourceType", "resourceType"},
                                             {"relationshipName", "name"}};

static bool member_of(const char *name, size_t len, const char *prefix, const char *m)
{
    size_t pl = strlen(prefix), ml = strlen(m);
    return len == pl + ml && memcmp(name, prefix, pl) == 0 && memcmp(name + pl, m, ml) == 0;
}

/* Classifies the property name[0..len): 1 known (f, *whole filled), 0 unknown. */
static int classify(const char *name, size_t len, struct pl_arena *a, struct pl_sel_field *f,
                    bool *whole)
{
    *whole = false;
    memset(f, 0, sizeof *f);
    for (int c = 0; c < PL_SEL_NCOLS; c++) {
        const char *cn = pl_sel_col_name((enum pl_sel_col)c);
        if (strlen(cn) == len && memcmp(cn, name, len) == 0) {
            f->src = PL_SEL_COL;
            f->col = (enum pl_sel_col)c;
            return 1;
        }
    }
    static const char *const roots[] = {"configuration", "supplementaryConfiguration"};
    for (size_t i = 0; i < 2; i++) {
        size_t rl = strlen(roots[i]);
        if (len >= rl && memcmp(name, roots[i], rl) == 0 && (len == rl || name[rl] == '.')) {
            f->src = PL_SEL_PATH;
            f->path = pl_arena_strndup(a, name, len);
            *whole = len == rl;
            return 1;
        }
    }
    if (len == 4 && memcmp(name, "tags", 4) == 0) {
        f->src = PL_SEL_TAG;
        *whole = true;
        return 1;
    }
    for (size_t i = 0; i < 3; i++)
        if (member_of(name, len, "tags.", tag_members[i])) {
            f->src = PL_SEL_TAG;
            f->path = tag_members[i];
            return 1;
        }
    if (len == 13 && memcmp(name, "relationships", 13) == 0) {
        f->src = PL_SEL_REL;
        *whole = true;
        return 1;
    }
    for (size_t i = 0; i < 4; i++)
        if (member_of(name, len, "relationships.", rel_members[i][0])) {
            f->src = PL_SEL_REL;
            f->path = rel_members[i][1];
            return 1;
        }
    return 0;
}

/* The current token as a property (advances). whole: NULL when a whole object is not
 * allowed here (WHERE, GROUP BY, ORDER BY, aggregate arguments). */
static int property(struct parser *p, struct pl_sel_field *f, bool *whole, const char **name)
{
    bool w;
    if (p->t.kind != QT_IDENT || why_refused(&p->t))
        return expected(p, "a property");
    if (!classify(p->t.text, p->t.len, p->a, f, &w)) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "unknown property '%.*s' (properties are case-sensitive: resourceId, "
                 "configuration.x, tags.key, relationships.resourceId, ...)",
                 p->t.len > 60 ? 60 : (int)p->t.len, p->t.text);
        return fail_at(p, p->t.pos, msg);
    }
    if (w && !whole)
        return fail_at(p, p->t.pos,
                       "a whole object (configuration, tags, relationships) cannot be compared, "
                       "grouped or ordered: name one of its properties");
    if (whole)
        *whole = w;
    if (name)
        *name = pl_arena_strndup(p->a, p->t.text, p->t.len);
    next(p);
    return 0;
}

static bool scalar_field(const struct pl_sel_field *f)
{
    return f->src == PL_SEL_COL || f->src == PL_SEL_PATH;
}

/* ---- SELECT items ---- */

static enum pl_sel_agg agg_kind(const struct query_token *t)
{
    static const char *const names[] = {[PL_SEL_COUNT] = "COUNT", [PL_SEL_MIN] = "MIN",
                                        [PL_SEL_MAX] = "MAX", [PL_SEL_SUM] = "SUM",
                                        [PL_SEL_AVG] = "AVG"};
    for (int i = PL_SEL_COUNT; i <= PL_SEL_AVG; i++)
        if (is_kw(t, names[i]))
            return (enum pl_sel_agg)i;
    return PL_SEL_NONE;
}

/* AGG '(' ('*' | prop) ')' at the current token, into e and its output name. */
static int aggregate(struct parser *p, struct pl_sel_expr *e, const char **name)
{
    char fn[8];
    snprintf(fn, sizeof fn, "%.*s", (int)p->t.len, p->t.text);
    for (char *c = fn; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    memset(e, 0, sizeof *e);
    e->agg = agg_kind(&p->t);
    next(p);
    if (expect(p, QT_LPAREN, "'('") < 0)
        return -1;
    const char *arg = "*";
    if (p->t.kind == QT_STAR && e->agg == PL_SEL_COUNT) {
        e->star = true;
        next(p);
    } else {
        if (agg_kind(&p->t) != PL_SEL_NONE)
            return fail_at(p, p->t.pos, "nested functions are not supported");
        if (property(p, &e->f, NULL, &arg) < 0)
            return -1;
        if (!scalar_field(&e->f))
            return fail_at(p, p->lx.pos, "tags and relationships cannot be aggregated");
    }
    if (expect(p, QT_RPAREN, "')'") < 0)
        return -1;
    *name = pl_arena_printf(p->a, "%s(%s)", fn, arg);
    return 0;
}

static void add_item(struct parser *p, size_t *cap, const struct query_item *it)
{
    struct query *q = p->q;
    q->items = grow(p->a, q->items, q->nitems, cap, sizeof *q->items);
    q->items[q->nitems++] = *it;
}

static int item(struct parser *p, size_t *cap)
{
    struct query_item it = {.pos = p->t.pos};
    if (p->t.kind == QT_STAR) {
        next(p);
        for (int c = 0; c < PL_SEL_STAR_COLS; c++) {
            it.name = pl_sel_col_name((enum pl_sel_col)c);
            it.e.f.src = PL_SEL_COL;
            it.e.f.col = (enum pl_sel_col)c;
            it.star = true;
            add_item(p, cap, &it);
        }
        return 0;
    }
    if (agg_kind(&p->t) != PL_SEL_NONE) {
        if (aggregate(p, &it.e, &it.name) < 0)
            return -1;
        p->q->aggregate = true;
    } else if (property(p, &it.e.f, &it.whole, &it.name) < 0) {
        return -1;
    }
    add_item(p, cap, &it);
    return 0;
}

/* ---- WHERE ---- */

static int value(struct parser *p, struct pl_sel_val *v)
{
    if (p->t.kind == QT_STRING) {
        v->kind = PL_SEL_V_STR;
    } else if (p->t.kind == QT_NUMBER) {
        v->kind = PL_SEL_V_NUM;
    } else if (is_kw(&p->t, "true") || is_kw(&p->t, "false")) {
        v->kind = PL_SEL_V_BOOL;
        v->text = is_kw(&p->t, "true") ? "true" : "false";
        next(p);
        return 0;
    } else {
        return expected(p, "a value ('string' or number)");
    }
    v->text = p->t.kind == QT_STRING ? p->t.text : pl_arena_strndup(p->a, p->t.text, p->t.len);
    next(p);
    return 0;
}

static int in_list(struct parser *p, struct pl_sel_cond *c)
{
    size_t cap = 0;
    struct pl_sel_val *vals = NULL;
    if (expect(p, QT_LPAREN, "'(' after IN") < 0)
        return -1;
    if (is_kw(&p->t, "SELECT"))
        return fail_at(p, p->t.pos, "subqueries are not supported");
    do {
        vals = grow(p->a, vals, c->nv, &cap, sizeof *vals);
        if (value(p, &vals[c->nv]) < 0)
            return -1;
        c->nv++;
        if (p->t.kind != QT_COMMA)
            break;
        next(p);
    } while (1);
    c->v = vals;
    return expect(p, QT_RPAREN, "',' or ')'");
}

/* AWS's LIKE: a string whose wildcards ('%', '_') all come after a literal prefix of at least
 * three characters. Becomes a PREFIX condition whose value is the GLOB pattern. */
static int like(struct parser *p, struct pl_sel_cond *c)
{
    if (p->t.kind != QT_STRING)
        return expected(p, "a 'string' after LIKE");
    const char *s = p->t.text;
    size_t n = p->t.len, pre = strcspn(s, "%_");
    for (size_t i = pre; i < n; i++)
        if (s[i] != '%' && s[i] != '_')
            return fail_at(p, p->t.pos, "LIKE supports wildcards ('%', '_') only at the end");
    struct pl_sel_val *v = pl_arena_alloc(p->a, sizeof *v);
    v->kind = PL_SEL_V_STR;
    c->v = v;
    c->nv = 1;
    if (pre == n) { /* no wildcard: equality */
        c->op = PL_SEL_EQ;
        v->text = s;
        next(p);
        return 0;
    }
    if (pre < 3)
        return fail_at(p, p->t.pos, "LIKE needs at least 3 characters before a wildcard");
    char *glob = pl_arena_alloc(p->a, 3 * n + 1), *o = glob;
    for (size_t i = 0; i < n; i++) {
        if (i >= pre) {
            *o++ = s[i] == '%' ? '*' : '?';
        } else if (s[i] == '*' || s[i] == '?' || s[i] == '[') {
            *o++ = '[';
            *o++ = s[i];
            *o++ = ']';
        } else {
            *o++ = s[i];
        }
    }
    *o = 0;
    v->text = glob;
    c->op = PL_SEL_PREFIX;
    next(p);
    return 0;
}

static struct pl_sel_cond *new_cond(struct parser *p, enum pl_sel_op op)
{
    struct pl_sel_cond *c = pl_arena_alloc(p->a, sizeof *c);
    memset(c, 0, sizeof *c);
    c->op = op;
    return c;
}

static const struct pl_sel_cond *negate(struct parser *p, const struct pl_sel_cond *c)
{
    struct pl_sel_cond *n = new_cond(p, PL_SEL_NOT);
    n->l = c;
    return n;
}

/* cidr.gen.c: the schema's IP and CIDR paths, sorted */
extern const char *const query__cidr_paths[];
extern const size_t query__ncidr_paths;

static int cmp_path(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

/* Looks like an IP address or block: IPv4 ("10.0.0.0/8": digits, three dots, maybe a '/') or
 * IPv6 ("2600:1f18::/56": hex digits and at least two colons, maybe dots and a '/'). */
static bool ip_like(const struct pl_sel_val *v)
{
    int dots = 0, colons = 0, other = 0;
    if (v->kind != PL_SEL_V_STR || !*v->text)
        return false;
    for (const char *c = v->text; *c; c++) {
        if (*c == '.')
            dots++;
        else if (*c == ':')
            colons++;
        else if (!isxdigit((unsigned char)*c) && *c != '/')
            return false;
        else if (!isdigit((unsigned char)*c) && *c != '/')
            other++;
    }
    return colons >= 2 || (colons == 0 && other == 0 && dots == 3);
}

/* Comparisons and BETWEEN of IP values on a path the schema types as an IP or CIDR block
 * compare ranges (AWS's "CIDR notation/IP range behavior"). */
static void mark_cidr(struct pl_sel_cond *c)
{
    bool cmp = (c->op >= PL_SEL_EQ && c->op <= PL_SEL_GE) || c->op == PL_SEL_BETWEEN;
    if (c->f.src != PL_SEL_PATH || !cmp)
        return;
    for (size_t i = 0; i < c->nv; i++)
        if (!ip_like(&c->v[i]))
            return;
    c->cidr = bsearch(c->f.path, query__cidr_paths, query__ncidr_paths, sizeof(const char *),
                      cmp_path) != NULL;
}

static const struct pl_sel_cond *predicate(struct parser *p)
{
    static const struct {
        enum query_tok t;
        enum pl_sel_op op;
    } cmp[] = {{QT_EQ, PL_SEL_EQ}, {QT_NE, PL_SEL_NE}, {QT_LT, PL_SEL_LT},
               {QT_LE, PL_SEL_LE}, {QT_GT, PL_SEL_GT}, {QT_GE, PL_SEL_GE}};
    struct pl_sel_cond *c = new_cond(p, PL_SEL_EQ);
    if (property(p, &c->f, NULL, NULL) < 0)
        return NULL;
    for (size_t i = 0; i < sizeof cmp / sizeof cmp[0]; i++)
        if (p->t.kind == cmp[i].t) {
            struct pl_sel_val *v = pl_arena_alloc(p->a, sizeof *v);
            c->op = cmp[i].op;
            next(p);
            if (value(p, v) < 0)
                return NULL;
            c->v = v;
            c->nv = 1;
            mark_cidr(c);
            return c;
        }
    bool neg = is_kw(&p->t, "NOT");
    if (neg)
        next(p);
    int rc;
    if (is_kw(&p->t, "IN")) {
        next(p);
        c->op = PL_SEL_IN;
        rc = in_list(p, c);
    } else if (is_kw(&p->t, "BETWEEN")) {
        struct pl_sel_val *v = pl_arena_alloc(p->a, 2 * sizeof *v);
        next(p);
        c->op = PL_SEL_BETWEEN;
        c->v = v;
        c->nv = 2;
        rc = value(p, &v[0]) < 0 || expect_kw(p, "AND") < 0 || value(p, &v[1]) < 0 ? -1 : 0;
    } else if (is_kw(&p->t, "LIKE")) {
        next(p);
        rc = like(p, c);
    } else {
        rc = expected(p, neg ? "IN, BETWEEN or LIKE after NOT"
                             : "a comparison (=, !=, <, <=, >, >=, IN, BETWEEN, LIKE)");
    }
    if (rc < 0)
        return NULL;
    mark_cidr(c);
    return neg ? negate(p, c) : c;
}

static const struct pl_sel_cond *or_cond(struct parser *p);

static const struct pl_sel_cond *unary(struct parser *p)
{
    const struct pl_sel_cond *c;
    bool nest = is_kw(&p->t, "NOT") || p->t.kind == QT_LPAREN;
    if (nest && ++p->depth > QUERY_MAX_DEPTH) {
        fail_at(p, p->t.pos, "the condition nests too deeply (at most 64 levels)");
        return NULL;
    }
    if (is_kw(&p->t, "NOT")) {
        next(p);
        c = unary(p);
        c = c ? negate(p, c) : NULL;
    } else if (p->t.kind == QT_LPAREN) {
        next(p);
        if (is_kw(&p->t, "SELECT")) {
            fail_at(p, p->t.pos, "subqueries are not supported");
            return NULL;
        }
        c = or_cond(p);
        if (c && expect(p, QT_RPAREN, "')'") < 0)
            c = NULL;
    } else {
        c = predicate(p);
    }
    if (nest)
        p->depth--;
    return c;
}

static const struct pl_sel_cond *binary(struct parser *p, const char *kw, enum pl_sel_op op,
                                        const struct pl_sel_cond *(*sub)(struct parser *))
{
    const struct pl_sel_cond *l = sub(p);
    while (l && is_kw(&p->t, kw)) {
        next(p);
        const struct pl_sel_cond *r = sub(p);
        if (!r)
            return NULL;
        struct pl_sel_cond *c = new_cond(p, op);
        c->l = l;
        c->r = r;
        l = c;
    }
    return l;
}

static const struct pl_sel_cond *and_cond(struct parser *p)
{
    return binary(p, "AND", PL_SEL_AND, unary);
}

static const struct pl_sel_cond *or_cond(struct parser *p)
{
    return binary(p, "OR", PL_SEL_OR, and_cond);
}

/* ---- GROUP BY, ORDER BY ---- */

static int group_by(struct parser *p)
{
    struct query *q = p->q;
    size_t cap = 0;
    q->aggregate = true;
    do {
        if (q->ngroup == QUERY_MAX_GROUP)
            return fail_at(p, p->t.pos, "GROUP BY takes at most 3 properties");
        q->group = grow(p->a, q->group, q->ngroup, &cap, sizeof *q->group);
        size_t pos = p->t.pos;
        if (property(p, &q->group[q->ngroup], NULL, NULL) < 0)
            return -1;
        if (!scalar_field(&q->group[q->ngroup]))
            return fail_at(p, pos, "tags and relationships cannot be grouped");
        q->ngroup++;
        if (p->t.kind != QT_COMMA)
            return 0;
        next(p);
    } while (1);
}

static bool grouped(const struct query *q, const struct pl_sel_field *f)
{
    for (size_t i = 0; i < q->ngroup; i++)
        if (pl_sel_field_same(&q->group[i], f))
            return true;
    return false;
}

static int order_key(struct parser *p, struct pl_sel_order *o)
{
    size_t pos = p->t.pos;
    memset(o, 0, sizeof *o);
    if (agg_kind(&p->t) != PL_SEL_NONE) {
        const char *unused;
        if (aggregate(p, &o->e, &unused) < 0)
            return -1;
        if (p->q->ngroup > 1)
            return fail_at(p, pos, "ORDER BY an aggregate allows only one GROUP BY property");
        if (!p->q->aggregate)
            return fail_at(p, pos, "ORDER BY an aggregate needs an aggregate query");
    } else {
        if (property(p, &o->e.f, NULL, NULL) < 0)
            return -1;
        if (!scalar_field(&o->e.f))
            return fail_at(p, pos, "tags and relationships cannot be ordered");
        if (p->q->aggregate && !grouped(p->q, &o->e.f))
            return fail_at(p, pos, "ORDER BY of an aggregate query takes GROUP BY properties "
                                   "or aggregates");
    }
    if (is_kw(&p->t, "DESC") || is_kw(&p->t, "ASC")) {
        o->desc = is_kw(&p->t, "DESC");
        next(p);
    }
    return 0;
}

static int order_by(struct parser *p)
{
    struct query *q = p->q;
    size_t cap = 0;
    do {
        q->order = grow(p->a, q->order, q->norder, &cap, sizeof *q->order);
        if (order_key(p, &q->order[q->norder]) < 0)
            return -1;
        q->norder++;
        if (p->t.kind != QT_COMMA)
            return 0;
        next(p);
    } while (1);
}

/* ---- the whole query ---- */

/* Aggregate queries: every plain item is grouped, no whole objects, no SELECT *. Names that
 * differ only in case are refused everywhere. */
static int check_items(struct parser *p)
{
    const struct query *q = p->q;
    for (size_t i = 0; i < q->nitems; i++) {
        const struct query_item *it = &q->items[i];
        for (size_t j = 0; j < i; j++)
            if (strcasecmp(q->items[j].name, it->name) == 0 &&
                strcmp(q->items[j].name, it->name) != 0)
                return fail_at(p, it->pos, "identifiers that differ only in case are refused");
        if (!q->aggregate || it->e.agg != PL_SEL_NONE)
            continue;
        if (it->star)
            return fail_at(p, it->pos, "a SELECT * cannot be combined with aggregates");
        if (!grouped(q, &it->e.f))
            return fail_at(p, it->pos,
                           "a property selected with aggregates must be in GROUP BY");
    }
    return 0;
}

int query_parse(const char *src, size_t len, struct pl_arena *a, struct query **out,
                struct pl_err *err)
{
    struct parser p = {.lx = {.src = src, .len = len, .a = a}, .a = a, .err = err};
    *out = NULL;
    if (len > QUERY_MAX_EXPR)
        return pl_fail(err, PL_E_INVALID_EXPRESSION,
                       "line 1:%d: the expression is longer than %d characters",
                       QUERY_MAX_EXPR + 1, QUERY_MAX_EXPR);
    const char *nul = memchr(src, 0, len);
    if (nul)
        return fail_at(&p, (size_t)(nul - src), "the expression contains a NUL character");
    p.q = pl_arena_alloc(a, sizeof *p.q);
    memset(p.q, 0, sizeof *p.q);
    next(&p);
    if (expect_kw(&p, "SELECT") < 0)
        return -1;
    size_t cap = 0;
    do {
        if (item(&p, &cap) < 0)
            return -1;
        if (p.t.kind != QT_COMMA)
            break;
        next(&p);
    } while (1);
    if (is_kw(&p.t, "WHERE")) {
        next(&p);
        if (!(p.q->where = or_cond(&p)))
            return -1;
    }
    if (is_kw(&p.t, "GROUP")) {
        next(&p);
        if (expect_kw(&p, "BY") < 0 || group_by(&p) < 0)
            return -1;
    }
    if (is_kw(&p.t, "ORDER")) {
        next(&p);
        if (expect_kw(&p, "BY") < 0 || order_by(&p) < 0)
            return -1;
    }
    if (p.t.kind != QT_EOF)
        return expected(&p, "',', WHERE, GROUP BY, ORDER BY or the end of the expression");
    if (check_items(&p) < 0)
        return -1;
    *out = p.q;
    return 0;
}

size_t query_nfields(const struct query *q)
{
    return q->nitems;
}

const char *query_field(const struct query *q, size_t i)
{
    return i < q->nitems ? q->items[i].name : NULL;
}

bool query_is_aggregate(const struct query *q)
{
    return q->aggregate;
}
