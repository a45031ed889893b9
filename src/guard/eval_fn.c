/* eval_fn.c — the built-in functions (count, join, to_upper, regex_replace, parse_int, ...):
 * one table of name, arity and implementation. Functions other than count and join map every
 * value of their first argument (lists flattened one level) to zero or one result.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "guard/eval_int.h"


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

static int fn_count(struct ev *e, struct resv *a, struct resv *out)
{
    int64_t n = 0;
    for (size_t i = 0; i < a[0].n; i++)
        if (a[0].r[i].v)
            n++;
    guard__rv_push(out, mkint(e, n), NULL, NULL, false);
    return 0;
}

static int fn_join(struct ev *e, struct resv *a, struct resv *out)
{
    const struct guard_val *d = first_val(&a[1]);
    if (!d || (d->t != GV_STR && d->t != GV_CHAR))
        return pl_fail(e->err, PL_E_VALIDATION, "join: delimiter must be a string or character");
    struct resv flat = {0};
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    guard__rv_flatten(&a[0], &flat);
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
    guard__rv_push(out, mkstr(e, pl_buf_cstr(&b), b.len), NULL, NULL, false);
    pl_buf_fini(&b);
    guard__rv_free(&flat);
    return 0;
}

/* Per-value functions: v is one value of the first argument, a the arguments; *r the result
 * (left NULL: no result for v). -1 on an evaluation error. */

static int map_case(struct ev *e, const struct guard_val *v, bool up, struct guard_val **r)
{
    if (v->t != GV_STR)
        return 0;
    *r = mkstr(e, v->s, v->n);
    char *s = (char *)(*r)->s;
    for (size_t k = 0; k < v->n; k++)
        s[k] = up ? (char)toupper((unsigned char)s[k]) : (char)tolower((unsigned char)s[k]);
    return 0;
}

static int fn_to_upper(struct ev *e, const struct guard_val *v, struct resv *a,
                       struct guard_val **r)
{
    return map_case(e, v, true, r);
}

static int fn_to_lower(struct ev *e, const struct guard_val *v, struct resv *a,
                       struct guard_val **r)
{
    return map_case(e, v, false, r);
}

static int fn_url_decode(struct ev *e, const struct guard_val *v, struct resv *a,
                         struct guard_val **r)
{
    if (v->t != GV_STR)
        return 0;
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    for (size_t k = 0; k < v->n; k++) {
        if (v->s[k] == '%' && k + 2 < v->n && pl_hex_value(v->s[k + 1]) >= 0 &&
            pl_hex_value(v->s[k + 2]) >= 0) {
            pl_buf_putc(&b, (char)(pl_hex_value(v->s[k + 1]) * 16 + pl_hex_value(v->s[k + 2])));
            k += 2;
        } else {
            pl_buf_putc(&b, v->s[k]);
        }
    }
    /* escapes of bytes that are no UTF-8 ("%D7" alone) must not make the value invalid text:
     * such bytes become '?' (values, reports and annotations stay valid UTF-8) */
    size_t n = b.len ? pl_utf8_fix_cut((char *)pl_buf_cstr(&b), b.len) : 0;
    *r = mkstr(e, pl_buf_cstr(&b), n);
    pl_buf_fini(&b);
    return 0;
}

static int fn_json_parse(struct ev *e, const struct guard_val *v, struct resv *a,
                         struct guard_val **r)
{
    if (v->t != GV_STR)
        return 0;
    struct pl_err je = {0};
    if (guard__json_parse(e->a, v->s, v->n, r, &je) < 0)
        return pl_fail(e->err, PL_E_VALIDATION, "json_parse: %s", je.msg);
    return 0;
}

/* pcre2_substitute, growing the output buffer while it reports PCRE2_ERROR_NOMEMORY */
static struct guard_val *substitute(struct ev *e, struct guard_regex *re,
                                    const struct guard_val *v, const struct guard_val *rep)
{
    PCRE2_SIZE olen = v->n * 2 + rep->n * 4 + 64;
    for (int tries = 0; tries < 8; tries++) {
        PCRE2_UCHAR *buf = pl_arena_alloc(e->a, olen + 1);
        PCRE2_SIZE l = olen;
        int src = pcre2_substitute(guard__regex_code(re), (PCRE2_SPTR)v->s, v->n, 0,
                                   PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH,
                                   NULL, NULL, (PCRE2_SPTR)rep->s, rep->n, buf, &l);
        if (src >= 0)
            return mkstr(e, (const char *)buf, l);
        if (src != PCRE2_ERROR_NOMEMORY)
            return NULL;
        olen = l + 1;
    }
    return NULL;
}

static int fn_regex_replace(struct ev *e, const struct guard_val *v, struct resv *a,
                            struct guard_val **r)
{
    const struct guard_val *pat = first_val(&a[1]), *rep = first_val(&a[2]);
    if (v->t != GV_STR || !pat || !rep || pat->t != GV_STR || rep->t != GV_STR)
        return 0;
    char why[200];
    struct guard_regex *re = guard__regex_compile(pat->s, pat->n, why, sizeof(why));
    if (!re)
        return pl_fail(e->err, PL_E_VALIDATION, "regex_replace: invalid regex: %s", why);
    *r = substitute(e, re, v, rep);
    guard__regex_free(re);
    return 0;
}

static int fn_substring(struct ev *e, const struct guard_val *v, struct resv *a,
                        struct guard_val **r)
{
    const struct guard_val *s0 = first_val(&a[1]), *s1 = first_val(&a[2]);
    if (v->t != GV_STR || !s0 || !s1 || s0->t != GV_INT || s1->t != GV_INT)
        return 0;
    size_t len = utf8_len(v->s, v->n);
    if (s0->i < 0 || s1->i < s0->i || (uint64_t)s1->i > len)
        return 0;
    size_t b0 = utf8_off(v->s, v->n, (size_t)s0->i);
    size_t b1 = utf8_off(v->s, v->n, (size_t)s1->i);
    *r = mkstr(e, v->s + b0, b1 - b0);
    return 0;
}

static int fn_parse_int(struct ev *e, const struct guard_val *v, struct resv *a,
                        struct guard_val **r)
{
    if (v->t == GV_STR) {
        char *end;
        errno = 0;
        long long ll = strtoll(v->s, &end, 10);
        if (!v->n || *end || errno)
            return pl_fail(e->err, PL_E_VALIDATION, "parse_int: cannot parse '%s'", v->s);
        *r = mkint(e, ll);
    } else if (v->t == GV_FLOAT) {
        *r = mkint(e, (int64_t)v->f);
    } else if (v->t == GV_CHAR || v->t == GV_INT) {
        *r = mkint(e, v->t == GV_CHAR && v->i >= '0' && v->i <= '9' ? v->i - '0' : v->i);
    }
    return 0;
}

static int fn_parse_float(struct ev *e, const struct guard_val *v, struct resv *a,
                          struct guard_val **r)
{
    double f;
    if (v->t == GV_STR) {
        char *end;
        f = strtod(v->s, &end);
        if (!v->n || *end)
            return pl_fail(e->err, PL_E_VALIDATION, "parse_float: cannot parse '%s'", v->s);
    } else if (v->t == GV_INT) {
        f = (double)v->i;
    } else if (v->t == GV_FLOAT) {
        f = v->f;
    } else if (v->t == GV_CHAR && v->i >= '0' && v->i <= '9') {
        f = (double)(v->i - '0');
    } else {
        return 0;
    }
    *r = guard__val_new(e->a, GV_FLOAT);
    (*r)->f = f;
    return 0;
}

static int fn_parse_string(struct ev *e, const struct guard_val *v, struct resv *a,
                           struct guard_val **r)
{
    if (v->t == GV_STR || v->t == GV_LIST || v->t == GV_MAP || v->t == GV_NULL)
        return 0;
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    if (v->t == GV_CHAR)
        pl_buf_putc(&b, (char)v->i);
    else if (v->t == GV_BOOL)
        pl_buf_puts(&b, v->b ? "true" : "false");
    else
        guard__val_write_json(&b, v, -1);
    *r = mkstr(e, pl_buf_cstr(&b), b.len);
    pl_buf_fini(&b);
    return 0;
}

static int fn_parse_boolean(struct ev *e, const struct guard_val *v, struct resv *a,
                            struct guard_val **r)
{
    bool b;
    if (v->t == GV_BOOL)
        b = v->b;
    else if (v->t == GV_STR && !strcasecmp(v->s, "true"))
        b = true;
    else if (v->t == GV_STR && !strcasecmp(v->s, "false"))
        b = false;
    else if (v->t == GV_STR)
        return pl_fail(e->err, PL_E_VALIDATION, "parse_boolean: cannot parse '%s'", v->s);
    else
        return 0;
    *r = guard__val_new(e->a, GV_BOOL);
    (*r)->b = b;
    return 0;
}

static int fn_parse_char(struct ev *e, const struct guard_val *v, struct resv *a,
                         struct guard_val **r)
{
    int64_t c;
    if (v->t == GV_STR && v->n == 1 && utf8_len(v->s, v->n) == 1)
        c = (unsigned char)v->s[0];
    else if (v->t == GV_INT && v->i >= 0 && v->i <= 9)
        c = '0' + v->i;
    else if (v->t == GV_CHAR)
        c = v->i;
    else
        return pl_fail(e->err, PL_E_VALIDATION, "parse_char: cannot convert value");
    *r = guard__val_new(e->a, GV_CHAR);
    (*r)->i = c;
    return 0;
}

/* The built-in functions: a whole-argument implementation (all) or a per-value one (each). */
struct builtin {
    const char *name;
    int arity;
    int (*all)(struct ev *e, struct resv *a, struct resv *out);
    int (*each)(struct ev *e, const struct guard_val *v, struct resv *a, struct guard_val **r);
};

static const struct builtin builtins[] = {
    {"count", 1, fn_count, NULL},
    {"json_parse", 1, NULL, fn_json_parse},
    {"url_decode", 1, NULL, fn_url_decode},
    {"to_upper", 1, NULL, fn_to_upper},
    {"to_lower", 1, NULL, fn_to_lower},
    {"join", 2, fn_join, NULL},
    {"substring", 3, NULL, fn_substring},
    {"regex_replace", 3, NULL, fn_regex_replace},
    {"parse_int", 1, NULL, fn_parse_int},
    {"parse_float", 1, NULL, fn_parse_float},
    {"parse_string", 1, NULL, fn_parse_string},
    {"parse_boolean", 1, NULL, fn_parse_boolean},
    {"parse_char", 1, NULL, fn_parse_char},
};

static const struct builtin *builtin_find(const char *n, size_t l)
{
    for (size_t i = 0; i < PL_ARRAY_LEN(builtins); i++)
        if (strlen(builtins[i].name) == l && !memcmp(builtins[i].name, n, l))
            return &builtins[i];
    return NULL;
}

int guard__fn_arity(const char *name, size_t len)
{
    const struct builtin *b = builtin_find(name, len);
    return b ? b->arity : -1;
}

/* Maps every value of the first argument (lists flattened one level) through f->each. */
static int call_each(struct ev *e, const struct builtin *f, struct resv *a, struct resv *out)
{
    struct resv flat = {0};
    int rc = 0;
    guard__rv_flatten(&a[0], &flat);
    for (size_t i = 0; i < flat.n && rc == 0; i++) {
        struct guard_val *r = NULL;
        rc = f->each(e, flat.r[i].v, a, &r);
        if (rc == 0 && r)
            guard__rv_push(out, r, NULL, NULL, false);
    }
    guard__rv_free(&flat);
    return rc;
}

int guard__call_fn(struct ev *e, struct scope *sc, const struct guard_expr *x, struct resv *out)
{
    struct resv a[3] = {{0}, {0}, {0}};
    const struct builtin *f = builtin_find(x->fname, strlen(x->fname));
    int rc = -1;
    if (!f) {
        pl_fail(e->err, PL_E_VALIDATION, "unknown function %s", x->fname);
        return -1;
    }
    for (size_t i = 0; i < x->nargs && i < 3; i++)
        if (guard__eval_expr(e, sc, x->args[i], &a[i]) < 0)
            goto out;
    rc = f->all ? f->all(e, a, out) : call_each(e, f, a, out);
out:
    for (int i = 0; i < 3; i++)
        guard__rv_free(&a[i]);
    return rc;
}
