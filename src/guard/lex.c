/* lex.c — lexical scanners for the Guard parser: whitespace and comments, identifiers,
 * keywords (lower and UPPER spellings), strings, numbers, regexes and positions.
 *
 * The Guard grammar is whitespace-sensitive in a few places (`not` needs a space after it, `!`
 * is glued), so the parser scans characters directly rather than a token stream; these helpers
 * never move lx->p unless they match.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "guard/guard_int.h"

/* Advances the cached position (at, line, col) to q, counting lines and UTF-8 characters. */
static void pos_forward(const char *from, const char *to, uint32_t *l, uint32_t *c)
{
    for (const char *q = from; q < to; q++) {
        if (*q == '\n') {
            (*l)++;
            *c = 1;
        } else if (((unsigned char)*q & 0xC0) != 0x80) {
            (*c)++;
        }
    }
}

/* Line and column of at. The parser asks for positions in nearly increasing order (it only
 * backtracks a few characters), so the last answer is cached and the scan starts from it: a
 * whole parse is linear in the file size, not quadratic. Going back, lines are counted down to
 * at and the column is recounted from the start of at's line. */
void guard__lex_pos(struct guard_lex *lx, const char *at, uint32_t *line, uint32_t *col)
{
    if (at > lx->end)
        at = lx->end;
    if (at < lx->s)
        at = lx->s;
    if (!lx->pos_at) {
        lx->pos_at = lx->s;
        lx->pos_line = lx->pos_col = 1;
    }
    if (at >= lx->pos_at) {
        pos_forward(lx->pos_at, at, &lx->pos_line, &lx->pos_col);
    } else {
        const char *ls = at;
        while (ls > lx->s && ls[-1] != '\n')
            ls--;
        for (const char *q = at; q < lx->pos_at; q++)
            lx->pos_line -= *q == '\n';
        lx->pos_col = 1;
        pos_forward(ls, at, &lx->pos_line, &lx->pos_col);
    }
    lx->pos_at = at;
    *line = lx->pos_line;
    *col = lx->pos_col;
}

int guard__lex_fail(struct guard_lex *lx, const char *at, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    uint32_t l, c;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    guard__lex_pos(lx, at, &l, &c);
    return pl_fail(lx->err, PL_E_VALIDATION, "line %u:%u: %s", l, c, msg);
}

void guard__lex_ws(struct guard_lex *lx)
{
    const char *p = lx->p;
    while (p < lx->end) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            p++;
        } else if (*p == '#') {
            while (p < lx->end && *p != '\n')
                p++;
        } else {
            break;
        }
    }
    lx->p = p;
}

bool guard__lex_at_ws(const struct guard_lex *lx)
{
    if (lx->p >= lx->end)
        return true;
    char c = *lx->p;
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#';
}

bool guard__lex_identc(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c >= 0x80;
}

size_t guard__lex_ident(const struct guard_lex *lx, const char *p)
{
    const char *q = p;
    if (q >= lx->end)
        return 0;
    unsigned char c = (unsigned char)*q;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80))
        return 0;
    while (q < lx->end && guard__lex_identc((unsigned char)*q))
        q++;
    return (size_t)(q - p);
}

bool guard__lex_kw(struct guard_lex *lx, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(lx->end - lx->p) < n || memcmp(lx->p, w, n) != 0)
        return false;
    if (lx->p + n < lx->end && guard__lex_identc((unsigned char)lx->p[n]))
        return false;
    lx->p += n;
    return true;
}

bool guard__lex_kw2(struct guard_lex *lx, const char *lower, const char *upper)
{
    return guard__lex_kw(lx, lower) || guard__lex_kw(lx, upper);
}

int guard__lex_string(struct guard_lex *lx, const char **out, size_t *outl)
{
    const char *p = lx->p;
    if (p >= lx->end || (*p != '"' && *p != '\''))
        return 0;
    char q = *p++;
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    while (p < lx->end && *p != q) {
        if (*p == '\\' && p + 1 < lx->end && p[1] == q) {
            pl_buf_putc(&b, q);
            p += 2;
            continue;
        }
        pl_buf_putc(&b, *p++);
    }
    if (p >= lx->end) {
        pl_buf_fini(&b);
        return guard__lex_fail(lx, lx->p, "unterminated string");
    }
    *outl = b.len;
    *out = pl_arena_strndup(lx->a, b.data ? b.data : "", b.len);
    pl_buf_fini(&b);
    lx->p = p + 1;
    return 1;
}

static bool digit(const struct guard_lex *lx, const char *p)
{
    return p < lx->end && *p >= '0' && *p <= '9';
}

int guard__lex_number(struct guard_lex *lx, struct guard_val *v)
{
    const char *p = lx->p, *start = p;
    bool isf = false;
    if (p < lx->end && *p == '-')
        p++;
    if (!digit(lx, p))
        return 0;
    while (digit(lx, p))
        p++;
    if (p + 1 < lx->end && *p == '.' && digit(lx, p + 1)) {
        isf = true;
        p++;
        while (digit(lx, p))
            p++;
    }
    if (p < lx->end && (*p == 'e' || *p == 'E')) {
        const char *e = p + 1;
        if (e < lx->end && (*e == '+' || *e == '-'))
            e++;
        if (digit(lx, e)) {
            isf = true;
            p = e;
            while (digit(lx, p))
                p++;
        }
    }
    if (p < lx->end && guard__lex_identc((unsigned char)*p) && !isf)
        return 0; /* 5abc is not a number */
    char tmp[64];
    size_t n = (size_t)(p - start);
    if (n >= sizeof(tmp))
        return guard__lex_fail(lx, start, "number too long");
    memcpy(tmp, start, n);
    tmp[n] = 0;
    if (isf) {
        v->t = GV_FLOAT;
        v->f = strtod(tmp, NULL);
    } else {
        errno = 0;
        long long ll = strtoll(tmp, NULL, 10);
        if (errno)
            return guard__lex_fail(lx, start, "integer out of range");
        v->t = GV_INT;
        v->i = ll;
    }
    lx->p = p;
    return 1;
}

int guard__lex_regex(struct guard_lex *lx, struct guard_val *v)
{
    const char *p = lx->p;
    if (p >= lx->end || *p != '/')
        return 0;
    p++;
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    while (p < lx->end && *p != '/') {
        if (*p == '\\' && p + 1 < lx->end && p[1] == '/') {
            pl_buf_putc(&b, '/');
            p += 2;
            continue;
        }
        pl_buf_putc(&b, *p++);
    }
    if (p >= lx->end) {
        pl_buf_fini(&b);
        return guard__lex_fail(lx, lx->p, "unterminated regex");
    }
    char why[200];
    const char *pat = pl_buf_cstr(&b);
    struct guard_regex *re = guard__regex_compile(pat, b.len, why, sizeof(why));
    if (!re) {
        pl_buf_fini(&b);
        return guard__lex_fail(lx, lx->p, "invalid regex: %s", why);
    }
    struct guard_rules *r = lx->rules;
    if (r) {
        r->res = pl_xrealloc(r->res, (r->nre + 1) * sizeof(*r->res));
        r->res[r->nre++] = re;
    }
    v->t = GV_REGEX;
    v->s = pl_arena_strndup(lx->a, pat, b.len);
    v->n = b.len;
    v->re = re;
    pl_buf_fini(&b);
    lx->p = p + 1;
    return 1;
}
