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

/* Flattens results one level of lists into a value list. */
static void each_value(struct resv *r, struct resv *flat)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct guard_val *v = r->r[i].v;
        if (!v)
            continue;
        if (v->t == GV_LIST)
            for (size_t j = 0; j < v->n; j++)
                guard__rv_push(flat, v->items[j], NULL, NULL, false);
        else
            guard__rv_push(flat, v, NULL, NULL, false);
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

int guard__call_fn(struct ev *e, struct scope *sc, const struct guard_expr *x, struct resv *out)
{
    struct resv a[3] = {{0}, {0}, {0}};
    const char *f = x->fname;
    int rc = -1;
    for (size_t i = 0; i < x->nargs && i < 3; i++)
        if (guard__eval_expr(e, sc, x->args[i], &a[i]) < 0)
            goto out;
    if (!strcmp(f, "count")) {
        int64_t n = 0;
        for (size_t i = 0; i < a[0].n; i++)
            if (a[0].r[i].v)
                n++;
        guard__rv_push(out, mkint(e, n), NULL, NULL, false);
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
        guard__rv_push(out, mkstr(e, pl_buf_cstr(&b), b.len), NULL, NULL, false);
        pl_buf_fini(&b);
        guard__rv_free(&flat);
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
                    guard__rv_free(&flat);
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
                    guard__rv_free(&flat);
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
                        guard__rv_free(&flat);
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
                        guard__rv_free(&flat);
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
                        guard__rv_free(&flat);
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
                    guard__rv_free(&flat);
                    goto out;
                }
            } else {
                pl_fail(e->err, PL_E_VALIDATION, "unknown function %s", f);
                guard__rv_free(&flat);
                goto out;
            }
            if (r)
                guard__rv_push(out, r, NULL, NULL, false);
        }
        guard__rv_free(&flat);
    }
    rc = 0;
out:
    for (int i = 0; i < 3; i++)
        guard__rv_free(&a[i]);
    return rc;
}
