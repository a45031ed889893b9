/* value.c — Guard values: construction, lookup, a JSON reader straight into guard values,
 * conversion from core JSON, writers for reports, and PCRE2 regexes.
 *
 * Data documents are read into struct guard_val trees rather than core/json.h trees because
 * Guard distinguishes int from float (and char, regex, range literals), and every node needs
 * its parent and position for report paths. JSON numbers become int when the text is an
 * integer that fits in i64, else float (as serde_json does for cfn-guard).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "guard/guard_int.h"

struct guard_regex {
    pcre2_code *code;
    pcre2_code *dfa; /* the same without PCRE2_MATCH_INVALID_UTF, which DFA matching refuses */
};

struct guard_val *guard__val_new(struct pl_arena *a, enum guard_vtype t)
{
    struct guard_val *v = pl_arena_alloc(a, sizeof(*v));
    v->t = t;
    return v;
}

static bool is_pow2(size_t n)
{
    return n && !(n & (n - 1));
}

/* Appends v to list/map c (key ignored for lists). Capacity doubles at powers of two. */
void guard__val_push(struct pl_arena *a, struct guard_val *c, const char *key, size_t klen,
                     struct guard_val *v)
{
    (void)PL_ALWAYS(c->t == GV_LIST || (c->t == GV_MAP && key));
    if (c->n == 0 || (c->n >= 4 && is_pow2(c->n))) {
        size_t cap = c->n ? c->n * 2 : 4;
        struct guard_val **it = pl_arena_alloc(a, cap * sizeof(*it));
        if (c->n)
            memcpy(it, c->items, c->n * sizeof(*it));
        c->items = it;
        if (c->t == GV_MAP) {
            const char **k = pl_arena_alloc(a, cap * sizeof(*k));
            size_t *kl = pl_arena_alloc(a, cap * sizeof(*kl));
            if (c->n) {
                memcpy(k, c->keys, c->n * sizeof(*k));
                memcpy(kl, c->klens, c->n * sizeof(*kl));
            }
            c->keys = k;
            c->klens = kl;
        }
    }
    v->parent = c;
    if (c->t == GV_MAP) {
        c->keys[c->n] = key;
        c->klens[c->n] = klen;
        v->key = key;
    } else {
        v->idx = (uint32_t)c->n;
    }
    c->items[c->n++] = v;
}

/* The last member named k (duplicates: last wins, as serde does), or NULL. */
struct guard_val *guard__map_get(const struct guard_val *m, const char *k, size_t kl)
{
    if (!m || m->t != GV_MAP)
        return NULL;
    for (size_t i = m->n; i-- > 0;)
        if (m->klens[i] == kl && memcmp(m->keys[i], k, kl) == 0)
            return m->items[i];
    return NULL;
}

/* ---------------------------------------------------------------- JSON reader */

struct jp {
    struct pl_arena *a;
    const char *p, *s, *end;
    struct pl_err *err;
    int depth;
};

static void jp_pos(const struct jp *j, uint32_t *line, uint32_t *col)
{
    uint32_t l = 1, c = 1;
    for (const char *q = j->s; q < j->p; q++) {
        if (*q == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static int jp_fail(struct jp *j, const char *what)
{
    uint32_t l, c;
    jp_pos(j, &l, &c);
    return pl_fail(j->err, PL_E_SERIALIZATION, "line %u:%u: %s", l, c, what);
}

static void jp_ws(struct jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static void put_utf8(struct pl_buf *b, uint32_t cp)
{
    char o[4];
    if (cp < 0x80) {
        pl_buf_putc(b, (char)cp);
        return;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        pl_buf_append(b, o, 2);
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        pl_buf_append(b, o, 3);
    } else {
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        pl_buf_append(b, o, 4);
    }
}

static int hex4(const char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Reads a JSON string at j->p (on the quote); result in arena. */
static int jp_string(struct jp *j, const char **out, size_t *outl)
{
    const char *p = ++j->p, *start = p;
    while (p < j->end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
        p++;
    if (p < j->end && *p == '"') {
        *out = pl_arena_strndup(j->a, start, (size_t)(p - start));
        *outl = (size_t)(p - start);
        j->p = p + 1;
        return 0;
    }
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    pl_buf_append(&b, start, (size_t)(p - start));
    int rc = -1;
    while (p < j->end && *p != '"') {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20) {
            j->p = p;
            jp_fail(j, "control character in string");
            goto out;
        }
        if (c != '\\') {
            pl_buf_putc(&b, (char)c);
            p++;
            continue;
        }
        if (p + 1 >= j->end)
            break;
        p++;
        switch (*p) {
        case '"':
            pl_buf_putc(&b, '"');
            break;
        case '\\':
            pl_buf_putc(&b, '\\');
            break;
        case '/':
            pl_buf_putc(&b, '/');
            break;
        case 'b':
            pl_buf_putc(&b, '\b');
            break;
        case 'f':
            pl_buf_putc(&b, '\f');
            break;
        case 'n':
            pl_buf_putc(&b, '\n');
            break;
        case 'r':
            pl_buf_putc(&b, '\r');
            break;
        case 't':
            pl_buf_putc(&b, '\t');
            break;
        case 'u': {
            uint32_t cp, lo;
            if (j->end - p < 5 || hex4(p + 1, &cp) < 0) {
                j->p = p;
                jp_fail(j, "bad \\u escape");
                goto out;
            }
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && j->end - p >= 7 && p[1] == '\\' && p[2] == 'u' &&
                hex4(p + 3, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            if (cp >= 0xD800 && cp < 0xE000) { /* refused by cfn-guard's reader too */
                j->p = p;
                jp_fail(j, "lone surrogate in \\u escape");
                goto out;
            }
            put_utf8(&b, cp);
            break;
        }
        default:
            j->p = p;
            jp_fail(j, "bad escape");
            goto out;
        }
        p++;
    }
    if (p >= j->end) {
        j->p = p;
        jp_fail(j, "unterminated string");
        goto out;
    }
    j->p = p + 1;
    *outl = b.len;
    *out = pl_arena_strndup(j->a, b.data ? b.data : "", b.len);
    rc = 0;
out:
    pl_buf_fini(&b);
    return rc;
}

static struct guard_val *jp_value(struct jp *j);

static struct guard_val *jp_number(struct jp *j)
{
    const char *p = j->p;
    bool isf = false;
    if (p < j->end && *p == '-')
        p++;
    if (p >= j->end || *p < '0' || *p > '9') {
        jp_fail(j, "expected a value");
        return NULL;
    }
    while (p < j->end && *p >= '0' && *p <= '9')
        p++;
    if (p < j->end && *p == '.') {
        isf = true;
        p++;
        if (p >= j->end || *p < '0' || *p > '9') {
            j->p = p;
            jp_fail(j, "bad number");
            return NULL;
        }
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < j->end && (*p == 'e' || *p == 'E')) {
        isf = true;
        p++;
        if (p < j->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= j->end || *p < '0' || *p > '9') {
            j->p = p;
            jp_fail(j, "bad number");
            return NULL;
        }
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    }
    char tmp[64];
    size_t n = (size_t)(p - j->p);
    char *txt = n < sizeof(tmp) ? tmp : pl_arena_strndup(j->a, j->p, n);
    if (txt == tmp) {
        memcpy(tmp, j->p, n);
        tmp[n] = 0;
    }
    struct guard_val *v;
    if (!isf) {
        errno = 0;
        long long ll = strtoll(txt, NULL, 10);
        if (errno == 0) {
            v = guard__val_new(j->a, GV_INT);
            v->i = ll;
            j->p = p;
            return v;
        }
    }
    v = guard__val_new(j->a, GV_FLOAT);
    v->f = strtod(txt, NULL);
    j->p = p;
    return v;
}

static bool jp_word(struct jp *j, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(j->end - j->p) >= n && memcmp(j->p, w, n) == 0) {
        j->p += n;
        return true;
    }
    return false;
}

static struct guard_val *jp_value(struct jp *j)
{
    uint32_t line = 0, col = 0;
    struct guard_val *v;
    jp_ws(j);
    if (j->p >= j->end) {
        jp_fail(j, "unexpected end of input");
        return NULL;
    }
    if (++j->depth > GUARD_MAX_DATA_DEPTH) {
        jp_fail(j, "nesting too deep");
        return NULL;
    }
    (void)line;
    (void)col;
    switch (*j->p) {
    case '{':
        v = guard__val_new(j->a, GV_MAP);
        j->p++;
        jp_ws(j);
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            break;
        }
        for (;;) {
            const char *k;
            size_t kl;
            jp_ws(j);
            if (j->p >= j->end || *j->p != '"') {
                jp_fail(j, "expected a key");
                return NULL;
            }
            if (jp_string(j, &k, &kl) < 0)
                return NULL;
            jp_ws(j);
            if (j->p >= j->end || *j->p != ':') {
                jp_fail(j, "expected ':'");
                return NULL;
            }
            j->p++;
            struct guard_val *m = jp_value(j);
            if (!m)
                return NULL;
            guard__val_push(j->a, v, k, kl, m);
            jp_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == '}') {
                j->p++;
                break;
            }
            jp_fail(j, "expected ',' or '}'");
            return NULL;
        }
        break;
    case '[':
        v = guard__val_new(j->a, GV_LIST);
        j->p++;
        jp_ws(j);
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            break;
        }
        for (;;) {
            struct guard_val *m = jp_value(j);
            if (!m)
                return NULL;
            guard__val_push(j->a, v, NULL, 0, m);
            jp_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == ']') {
                j->p++;
                break;
            }
            jp_fail(j, "expected ',' or ']'");
            return NULL;
        }
        break;
    case '"':
        v = guard__val_new(j->a, GV_STR);
        if (jp_string(j, &v->s, &v->n) < 0)
            return NULL;
        break;
    case 't':
        if (!jp_word(j, "true"))
            goto bad;
        v = guard__val_new(j->a, GV_BOOL);
        v->b = true;
        break;
    case 'f':
        if (!jp_word(j, "false"))
            goto bad;
        v = guard__val_new(j->a, GV_BOOL);
        break;
    case 'n':
        if (!jp_word(j, "null"))
            goto bad;
        v = guard__val_new(j->a, GV_NULL);
        break;
    default:
        v = jp_number(j);
        if (!v)
            return NULL;
    }
    j->depth--;
    return v;
bad:
    jp_fail(j, "expected a value");
    return NULL;
}

int guard__json_parse(struct pl_arena *a, const char *text, size_t len, struct guard_val **out,
                      struct pl_err *err)
{
    struct jp j = {.a = a, .p = text, .s = text, .end = text + len, .err = err};
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        j.p += 3;
    struct guard_val *v = jp_value(&j);
    if (!v)
        return -1;
    jp_ws(&j);
    if (j.p != j.end)
        return jp_fail(&j, "trailing characters");
    *out = v;
    return 0;
}

/* Converts a core JSON tree (for guard_eval_ci). Numbers: int when integral in i64. */
struct guard_val *guard__from_json(struct pl_arena *a, const struct pl_json *j, int depth)
{
    struct guard_val *v;
    if (!j || depth > GUARD_MAX_DATA_DEPTH)
        return guard__val_new(a, GV_NULL);
    switch (j->type) {
    case PL_JNULL:
        return guard__val_new(a, GV_NULL);
    case PL_JBOOL:
        v = guard__val_new(a, GV_BOOL);
        v->b = j->b;
        return v;
    case PL_JNUM: {
        bool isf = memchr(j->str, '.', j->len) || memchr(j->str, 'e', j->len) ||
                   memchr(j->str, 'E', j->len);
        char *txt = pl_arena_strndup(a, j->str, j->len);
        if (!isf) {
            errno = 0;
            long long ll = strtoll(txt, NULL, 10);
            if (errno == 0) {
                v = guard__val_new(a, GV_INT);
                v->i = ll;
                return v;
            }
        }
        v = guard__val_new(a, GV_FLOAT);
        v->f = strtod(txt, NULL);
        return v;
    }
    case PL_JSTR:
        v = guard__val_new(a, GV_STR);
        v->s = pl_arena_strndup(a, j->str, j->len);
        v->n = j->len;
        return v;
    case PL_JARR:
        v = guard__val_new(a, GV_LIST);
        for (const struct pl_json *c = j->child; c; c = c->next)
            guard__val_push(a, v, NULL, 0, guard__from_json(a, c, depth + 1));
        return v;
    case PL_JOBJ:
        v = guard__val_new(a, GV_MAP);
        for (const struct pl_json *c = j->child; c; c = c->next)
            guard__val_push(a, v, pl_arena_strndup(a, c->key, c->klen), c->klen,
                            guard__from_json(a, c, depth + 1));
        return v;
    }
    return guard__val_new(a, GV_NULL);
}

/* ---------------------------------------------------------------- writers */

static void indent_to(struct pl_buf *b, int n)
{
    pl_buf_putc(b, '\n');
    for (int i = 0; i < n; i++)
        pl_buf_putc(b, ' ');
}

static void write_jstr(struct pl_buf *b, const char *s, size_t n)
{
    pl_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            pl_buf_putc(b, '\\');
            pl_buf_putc(b, (char)c);
        } else if (c == '\n') {
            pl_buf_puts(b, "\\n");
        } else if (c == '\t') {
            pl_buf_puts(b, "\\t");
        } else if (c == '\r') {
            pl_buf_puts(b, "\\r");
        } else if (c < 0x20) {
            pl_buf_printf(b, "\\u%04x", c);
        } else {
            pl_buf_putc(b, (char)c);
        }
    }
    pl_buf_putc(b, '"');
}

static void write_float(struct pl_buf *b, double f)
{
    char tmp[40];
    if (!isfinite(f)) {
        pl_buf_puts(b, "null");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*g", prec, f);
        if (strtod(tmp, NULL) == f)
            break;
    }
    pl_buf_puts(b, tmp);
    if (!strpbrk(tmp, ".eEn"))
        pl_buf_puts(b, ".0");
}

void guard__val_write_json(struct pl_buf *b, const struct guard_val *v, int indent)
{
    if (!v) {
        pl_buf_puts(b, "null");
        return;
    }
    switch (v->t) {
    case GV_NULL:
        pl_buf_puts(b, "null");
        break;
    case GV_BOOL:
        pl_buf_puts(b, v->b ? "true" : "false");
        break;
    case GV_INT:
        pl_buf_printf(b, "%lld", (long long)v->i);
        break;
    case GV_FLOAT:
        write_float(b, v->f);
        break;
    case GV_STR:
    case GV_REGEX:
        write_jstr(b, v->s, v->n);
        break;
    case GV_CHAR: {
        struct pl_buf t;
        pl_buf_init(&t, PL_BUF_NOLIMIT);
        put_utf8(&t, (uint32_t)v->i);
        write_jstr(b, pl_buf_cstr(&t), t.len);
        pl_buf_fini(&t);
        break;
    }
    case GV_RANGE: {
        struct pl_buf t;
        pl_buf_init(&t, PL_BUF_NOLIMIT);
        guard__val_write_short(&t, v);
        write_jstr(b, pl_buf_cstr(&t), t.len);
        pl_buf_fini(&t);
        break;
    }
    case GV_LIST:
        if (!v->n) {
            pl_buf_puts(b, "[]");
            break;
        }
        pl_buf_putc(b, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                pl_buf_putc(b, ',');
            if (indent >= 0)
                indent_to(b, indent + 2);
            guard__val_write_json(b, v->items[i], indent >= 0 ? indent + 2 : -1);
        }
        if (indent >= 0)
            indent_to(b, indent);
        pl_buf_putc(b, ']');
        break;
    case GV_MAP:
        if (!v->n) {
            pl_buf_puts(b, "{}");
            break;
        }
        pl_buf_putc(b, '{');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                pl_buf_putc(b, ',');
            if (indent >= 0)
                indent_to(b, indent + 2);
            write_jstr(b, v->keys[i], v->klens[i]);
            pl_buf_puts(b, indent >= 0 ? ": " : ":");
            guard__val_write_json(b, v->items[i], indent >= 0 ? indent + 2 : -1);
        }
        if (indent >= 0)
            indent_to(b, indent);
        pl_buf_putc(b, '}');
        break;
    }
}

void guard__val_write_short(struct pl_buf *b, const struct guard_val *v)
{
    if (!v) {
        pl_buf_puts(b, "null");
        return;
    }
    switch (v->t) {
    case GV_REGEX:
        pl_buf_putc(b, '/');
        pl_buf_append(b, v->s, v->n);
        pl_buf_putc(b, '/');
        break;
    case GV_RANGE:
        pl_buf_puts(b, v->lo_incl ? "r[" : "r(");
        if (v->rt == GV_FLOAT)
            pl_buf_printf(b, "%g,%g", v->rlo, v->rhi);
        else
            pl_buf_printf(b, "%lld,%lld", (long long)v->ilo, (long long)v->ihi);
        pl_buf_puts(b, v->hi_incl ? "]" : ")");
        break;
    default:
        guard__val_write_json(b, v, -1);
    }
}

void guard__val_path(struct pl_buf *b, const struct guard_val *v)
{
    const struct guard_val *chain[GUARD_MAX_DATA_DEPTH + 2];
    size_t n = 0;
    for (const struct guard_val *p = v; p && p->parent && n < PL_ARRAY_LEN(chain); p = p->parent)
        chain[n++] = p;
    while (n-- > 0) {
        const struct guard_val *p = chain[n];
        if (p->parent->t == GV_MAP)
            pl_buf_printf(b, "/%s", p->key);
        else
            pl_buf_printf(b, "/%u", p->idx);
    }
}

/* ---------------------------------------------------------------- regexes */

struct guard_regex *guard__regex_compile(const char *pat, size_t n, char *errbuf, size_t errlen)
{
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *code =
        pcre2_compile((PCRE2_SPTR)pat, n, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec, &eo, NULL);
    if (!code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(ec, msg, sizeof(msg));
        if (errbuf)
            snprintf(errbuf, errlen, "%s at offset %zu", (char *)msg, (size_t)eo);
        return NULL;
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    struct guard_regex *re = pl_xcalloc(1, sizeof(*re));
    re->code = code;
    re->dfa = pcre2_compile((PCRE2_SPTR)pat, n, PCRE2_UTF, &ec, &eo, NULL);
    return re;
}

void guard__regex_free(struct guard_regex *re)
{
    if (!re)
        return;
    pcre2_code_free(re->code);
    pcre2_code_free(re->dfa);
    free(re);
}

/* Match data is per thread (one pair is enough: only "does it match" is asked), so one parsed
 * rules file can be evaluated by several threads at once. */
static pthread_key_t md_key;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_free(void *p)
{
    pcre2_match_data_free(p);
}

static void md_init(void)
{
    pthread_key_create(&md_key, md_free);
}

/* The backtracking matcher gave up (its match limit): the DFA matcher, which does not
 * backtrack, answers instead, as cfn-guard's linear-time regex crate would (`(a+)+$|!` on
 * "aaa…a!" matches). -1 when it cannot either (back references, invalid UTF-8, its own
 * limits). */
static int regex_search_dfa(struct guard_regex *re, const char *s, size_t n,
                            pcre2_match_data *md)
{
    int ws[1000];
    if (!re->dfa)
        return -1;
    int rc = pcre2_dfa_match(re->dfa, (PCRE2_SPTR)s, n, 0, 0, md, NULL, ws,
                             sizeof(ws) / sizeof(ws[0]));
    if (rc >= 0)
        return 1;
    return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

int guard__regex_search(struct guard_regex *re, const char *s, size_t n)
{
    pthread_once(&md_once, md_init);
    pcre2_match_data *md = pthread_getspecific(md_key);
    if (!md) {
        if (!(md = pcre2_match_data_create(1, NULL)))
            return 0;
        pthread_setspecific(md_key, md);
    }
    int rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
        return regex_search_dfa(re, s, n, md);
    return rc >= 0 ? 1 : 0; /* 0: matched, ovector too small for groups (not needed) */
}

/* Exposed for functions.c (regex_replace): the compiled code. */
void *guard__regex_code(struct guard_regex *re)
{
    return re->code;
}
