/* json.c — JSON parser, builder and writer over arena-allocated nodes. See json.h.
 *
 * Invariants: every node and string of a document lives in the arena passed when it was made;
 * number nodes hold text that matches the JSON number grammar; string nodes hold valid UTF-8
 * (the parser rejects anything else), NUL-terminated, with len excluding the NUL.
 */
#include "core/json.h"
#include "core/util.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ parser */

struct jp {
    struct pl_arena *a;
    const char *src, *p, *end;
    struct pl_err *err;
    int depth;
    char *insitu; /* pl_json_parse_insitu: the writable source; strings are made in place */
};

static int jp_fail(struct jp *j, const char *at, const char *what)
{
    int line = 1, col = 1;
    for (const char *s = j->src; s < at && s < j->end; s++) {
        if (*s == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    return pl_fail(j->err, PL_E_SERIALIZATION, "line %d:%d: %s", line, col, what);
}

static void skip_ws(struct jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}

static struct pl_json *node(struct pl_arena *a, enum pl_jtype t)
{
    struct pl_json *n = pl_arena_alloc(a, sizeof(*n));
    n->type = t;
    return n;
}

/* Length of a valid UTF-8 sequence starting at s (s < end), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, const unsigned char *end)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0) {
        n = 2;
        min = 0x80;
        c &= 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3;
        min = 0x800;
        c &= 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4;
        min = 0x10000;
        c &= 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - s) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    return n;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xc0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xe0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        o[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    o[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

/* Decodes one escape after the backslash at *pp into o; advances *pp. Returns bytes or -1. */
static int unescape_one(struct jp *j, const char **pp, char *o)
{
    const char *p = *pp;
    unsigned c;
    if (p >= j->end)
        return jp_fail(j, p, "unterminated string");
    switch (*p) {
    case '"': case '\\': case '/':
        o[0] = *p;
        *pp = p + 1;
        return 1;
    case 'b': o[0] = '\b'; *pp = p + 1; return 1;
    case 'f': o[0] = '\f'; *pp = p + 1; return 1;
    case 'n': o[0] = '\n'; *pp = p + 1; return 1;
    case 'r': o[0] = '\r'; *pp = p + 1; return 1;
    case 't': o[0] = '\t'; *pp = p + 1; return 1;
    case 'u':
        if (j->end - p < 5 || hex4(p + 1, &c) < 0)
            return jp_fail(j, p, "bad \\u escape");
        p += 5;
        if (c >= 0xd800 && c <= 0xdbff) {
            unsigned lo;
            if (j->end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) < 0 ||
                lo < 0xdc00 || lo > 0xdfff)
                return jp_fail(j, p, "unpaired surrogate in \\u escape");
            c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
            p += 6;
        } else if (c >= 0xdc00 && c <= 0xdfff) {
            return jp_fail(j, p, "unpaired surrogate in \\u escape");
        }
        *pp = p;
        return (int)put_utf8(o, c);
    default:
        return jp_fail(j, p, "bad escape in string");
    }
}

/* Parses the string whose opening quote is at j->p. */
/* Bytes the string scanner must look at: '"', '\\', control characters and non-ASCII (UTF-8
 * checks). Everything else is copied as is. */
static const unsigned char str_special[256] = {
    [0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 1,
};

static int parse_string(struct jp *j, const char **out, size_t *outlen)
{
    const char *p = ++j->p, *start = p;
    int escaped = 0;
    for (;;) {
        while (p < j->end && !str_special[(unsigned char)*p])
            p++;
        if (p >= j->end || *p == '"')
            break;
        unsigned char c = (unsigned char)*p;
        if (c == '\\') {
            escaped = 1;
            p += 2;
        } else if (c < 0x20) {
            return jp_fail(j, p, "control character in string");
        } else if (c < 0x80) {
            p++;
        } else {
            size_t n = utf8_len((const unsigned char *)p, (const unsigned char *)j->end);
            if (!n)
                return jp_fail(j, p, "invalid UTF-8 in string");
            p += n;
        }
    }
    if (p >= j->end)
        return jp_fail(j, start - 1, "unterminated string");
    size_t raw = (size_t)(p - start);
    char *o;
    if (j->insitu) { /* the closing quote becomes the NUL; unescaping only shrinks */
        o = j->insitu + (start - j->src);
        if (!escaped) {
            o[raw] = '\0';
            *out = o;
            *outlen = raw;
            j->p = p + 1;
            return 0;
        }
    } else if (!escaped) {
        *out = pl_arena_strndup(j->a, start, raw);
        *outlen = raw;
        j->p = p + 1;
        return 0;
    } else {
        o = pl_arena_alloc(j->a, raw + 1);
    }
    char *w = o;
    const char *s = start;
    while (s < p) {
        if (*s == '\\') {
            s++;
            int n = unescape_one(j, &s, w);
            if (n < 0)
                return -1;
            w += n;
        } else {
            *w++ = *s++;
        }
    }
    *w = '\0';
    *out = o;
    *outlen = (size_t)(w - o);
    j->p = p + 1;
    return 0;
}

static int is_digit(const char *p, const char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

static struct pl_json *parse_number(struct jp *j)
{
    const char *p = j->p, *s = p;
    if (p < j->end && *p == '-')
        p++;
    if (!is_digit(p, j->end))
        return jp_fail(j, p, "bad number"), NULL;
    if (*p == '0')
        p++;
    else
        while (is_digit(p, j->end))
            p++;
    if (p < j->end && *p == '.') {
        p++;
        if (!is_digit(p, j->end))
            return jp_fail(j, p, "bad number"), NULL;
        while (is_digit(p, j->end))
            p++;
    }
    if (p < j->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < j->end && (*p == '+' || *p == '-'))
            p++;
        if (!is_digit(p, j->end))
            return jp_fail(j, p, "bad number"), NULL;
        while (is_digit(p, j->end))
            p++;
    }
    struct pl_json *n = node(j->a, PL_JNUM);
    n->str = pl_arena_strndup(j->a, s, (size_t)(p - s));
    n->len = (size_t)(p - s);
    j->p = p;
    return n;
}

static int literal(struct jp *j, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
        return jp_fail(j, j->p, "unexpected character");
    j->p += n;
    return 0;
}

static struct pl_json *parse_value(struct jp *j);

static void link_child(struct pl_json *parent, struct pl_json *c)
{
    if (parent->last)
        parent->last->next = c;
    else
        parent->child = c;
    parent->last = c;
    parent->len++;
}

static struct pl_json *parse_container(struct jp *j, int is_obj)
{
    struct pl_json *c = node(j->a, is_obj ? PL_JOBJ : PL_JARR);
    char close = is_obj ? '}' : ']';
    if (++j->depth > PL_JSON_MAX_DEPTH)
        return jp_fail(j, j->p, "nesting too deep"), NULL;
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        j->depth--;
        return c;
    }
    for (;;) {
        const char *key = NULL;
        size_t klen = 0;
        skip_ws(j);
        if (is_obj) {
            if (j->p >= j->end || *j->p != '"')
                return jp_fail(j, j->p, "expected object key"), NULL;
            if (parse_string(j, &key, &klen) < 0)
                return NULL;
            skip_ws(j);
            if (j->p >= j->end || *j->p != ':')
                return jp_fail(j, j->p, "expected ':'"), NULL;
            j->p++;
        }
        struct pl_json *v = parse_value(j);
        if (!v)
            return NULL;
        v->key = key;
        v->klen = klen;
        link_child(c, v);
        skip_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            break;
        }
        return jp_fail(j, j->p, is_obj ? "expected ',' or '}'" : "expected ',' or ']'"), NULL;
    }
    j->depth--;
    return c;
}

static struct pl_json *parse_value(struct jp *j)
{
    struct pl_json *n;
    skip_ws(j);
    if (j->p >= j->end)
        return jp_fail(j, j->p, "unexpected end of input"), NULL;
    switch (*j->p) {
    case '{':
        return parse_container(j, 1);
    case '[':
        return parse_container(j, 0);
    case '"':
        n = node(j->a, PL_JSTR);
        if (parse_string(j, &n->str, &n->len) < 0)
            return NULL;
        return n;
    case 't':
    case 'f':
        n = node(j->a, PL_JBOOL);
        n->b = *j->p == 't';
        return literal(j, n->b ? "true" : "false") < 0 ? NULL : n;
    case 'n':
        return literal(j, "null") < 0 ? NULL : node(j->a, PL_JNULL);
    default:
        if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
            return parse_number(j);
        return jp_fail(j, j->p, "unexpected character"), NULL;
    }
}

static struct pl_json *parse_doc(struct jp *jp);

struct pl_json *pl_json_parse(struct pl_arena *a, const char *src, size_t len,
                              struct pl_err *err)
{
    struct jp j = {.a = a, .src = src, .p = src, .end = src + len, .err = err};
    return parse_doc(&j);
}

struct pl_json *pl_json_parse_insitu(struct pl_arena *a, char *buf, size_t len,
                                     struct pl_err *err)
{
    struct jp j = {.a = a, .src = buf, .p = buf, .end = buf + len, .err = err, .insitu = buf};
    return parse_doc(&j);
}

/* One JSON value, surrounded by nothing but whitespace. */
static struct pl_json *parse_doc(struct jp *j)
{
    struct pl_json *root = parse_value(j);
    if (!root)
        return NULL;
    skip_ws(j);
    if (j->p != j->end)
        return jp_fail(j, j->p, "trailing characters after JSON value"), NULL;
    return root;
}

/* ------------------------------------------------------------------ reading */

/* Member by key bytes (keys may contain NUL); the last one when duplicated. */
static struct pl_json *get_n(const struct pl_json *o, const char *key, size_t kl)
{
    struct pl_json *found = NULL;
    if (!o || o->type != PL_JOBJ)
        return NULL;
    for (struct pl_json *c = o->child; c; c = c->next)
        if (c->klen == kl && memcmp(c->key, key, kl) == 0)
            found = c;
    return found;
}

struct pl_json *pl_json_get(const struct pl_json *o, const char *key)
{
    return get_n(o, key, strlen(key));
}

struct pl_json *pl_json_at(const struct pl_json *arr, size_t i)
{
    if (!arr || arr->type != PL_JARR)
        return NULL;
    struct pl_json *c = arr->child;
    while (c && i--)
        c = c->next;
    return c;
}

struct pl_json *pl_json_path(const struct pl_json *o, const char *dotted)
{
    char key[256];
    const struct pl_json *cur = o;
    while (cur && *dotted) {
        const char *dot = strchr(dotted, '.');
        size_t n = dot ? (size_t)(dot - dotted) : strlen(dotted);
        if (n >= sizeof(key))
            return NULL;
        memcpy(key, dotted, n);
        key[n] = '\0';
        cur = pl_json_get(cur, key);
        dotted += n + (dot ? 1 : 0);
    }
    return (struct pl_json *)cur;
}

const char *pl_json_str(const struct pl_json *j)
{
    return j && j->type == PL_JSTR ? j->str : NULL;
}

const char *pl_json_get_str(const struct pl_json *o, const char *key)
{
    return pl_json_str(pl_json_get(o, key));
}

bool pl_json_is(const struct pl_json *j, enum pl_jtype t)
{
    return j && j->type == t;
}

bool pl_json_truthy(const struct pl_json *j)
{
    return j && j->type == PL_JBOOL && j->b;
}

int pl_json_double(const struct pl_json *j, double *out)
{
    if (!j || j->type != PL_JNUM)
        return -1;
    *out = strtod(j->str, NULL);
    return 0;
}

int pl_json_i64(const struct pl_json *j, int64_t *out)
{
    if (!j || j->type != PL_JNUM)
        return -1;
    if (!strpbrk(j->str, ".eE")) {
        char *end;
        errno = 0;
        long long v = strtoll(j->str, &end, 10);
        if (errno || *end)
            return -1;
        *out = v;
        return 0;
    }
    double d = strtod(j->str, NULL);
    if (d != floor(d) || d < -9.2e18 || d > 9.2e18)
        return -1;
    *out = (int64_t)d;
    return 0;
}

bool pl_json_equal(const struct pl_json *a, const struct pl_json *b)
{
    if (!a || !b)
        return a == b;
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case PL_JNULL:
        return true;
    case PL_JBOOL:
        return a->b == b->b;
    case PL_JNUM:
        if (a->len == b->len && memcmp(a->str, b->str, a->len) == 0)
            return true;
        return strtod(a->str, NULL) == strtod(b->str, NULL);
    case PL_JSTR:
        return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
    case PL_JARR: {
        if (a->len != b->len)
            return false;
        const struct pl_json *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!pl_json_equal(x, y))
                return false;
        return true;
    }
    case PL_JOBJ:
        /* maps with last-wins duplicates: every effective member of each side must be in the
         * other with an equal value */
        for (const struct pl_json *x = a->child; x; x = x->next)
            if (get_n(a, x->key, x->klen) == x &&
                !pl_json_equal(x, get_n(b, x->key, x->klen)))
                return false;
        for (const struct pl_json *y = b->child; y; y = y->next)
            if (get_n(b, y->key, y->klen) == y && !get_n(a, y->key, y->klen))
                return false;
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------ building */

struct pl_json *pl_json_new_obj(struct pl_arena *a)
{
    return node(a, PL_JOBJ);
}

struct pl_json *pl_json_new_arr(struct pl_arena *a)
{
    return node(a, PL_JARR);
}

struct pl_json *pl_json_new_null(struct pl_arena *a)
{
    return node(a, PL_JNULL);
}

struct pl_json *pl_json_new_bool(struct pl_arena *a, bool v)
{
    struct pl_json *n = node(a, PL_JBOOL);
    n->b = v;
    return n;
}

struct pl_json *pl_json_new_numtext(struct pl_arena *a, const char *text)
{
    struct pl_json *n = node(a, PL_JNUM);
    n->len = strlen(text);
    n->str = pl_arena_strndup(a, text, n->len);
    return n;
}

struct pl_json *pl_json_new_i64(struct pl_arena *a, int64_t v)
{
    char t[32];
    snprintf(t, sizeof(t), "%" PRId64, v);
    return pl_json_new_numtext(a, t);
}

struct pl_json *pl_json_new_double(struct pl_arena *a, double v)
{
    char t[40];
    if (!isfinite(v))
        return node(a, PL_JNULL);
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(t, sizeof(t), "%.*g", prec, v);
        if (strtod(t, NULL) == v)
            break;
    }
    return pl_json_new_numtext(a, t);
}

struct pl_json *pl_json_new_epoch_ms(struct pl_arena *a, int64_t ms)
{
    char t[40];
    uint64_t m = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms; /* INT64_MIN too */
    snprintf(t, sizeof(t), "%s%" PRIu64 ".%03d", ms < 0 ? "-" : "", m / 1000, (int)(m % 1000));
    return pl_json_new_numtext(a, t);
}

struct pl_json *pl_json_new_strn(struct pl_arena *a, const char *s, size_t n)
{
    struct pl_json *j = node(a, PL_JSTR);
    j->str = pl_arena_strndup(a, s, n);
    j->len = n;
    return j;
}

struct pl_json *pl_json_new_str(struct pl_arena *a, const char *s)
{
    return pl_json_new_strn(a, s, strlen(s));
}

struct pl_json *pl_json_push(struct pl_json *arr, struct pl_json *v)
{
    v->next = NULL;
    link_child(arr, v);
    return v;
}

struct pl_json *pl_json_set(struct pl_arena *a, struct pl_json *obj, const char *key,
                            struct pl_json *v)
{
    v->klen = strlen(key);
    v->key = pl_arena_strndup(a, key, v->klen);
    v->next = NULL;
    link_child(obj, v);
    return v;
}

int pl_json_del(struct pl_json *obj, const char *key)
{
    int n = 0;
    size_t kl = strlen(key);
    struct pl_json **pp = &obj->child, *prev = NULL;
    while (*pp) {
        struct pl_json *c = *pp;
        if (c->klen == kl && memcmp(c->key, key, kl) == 0) {
            *pp = c->next;
            obj->len--;
            n++;
        } else {
            prev = c;
            pp = &c->next;
        }
    }
    obj->last = prev;
    return n;
}

struct pl_json *pl_json_clone(struct pl_arena *a, const struct pl_json *j)
{
    struct pl_json *n = node(a, j->type);
    n->b = j->b;
    n->len = j->type == PL_JARR || j->type == PL_JOBJ ? 0 : j->len;
    if (j->str)
        n->str = pl_arena_strndup(a, j->str, j->len);
    for (const struct pl_json *c = j->child; c; c = c->next) {
        struct pl_json *k = pl_json_clone(a, c);
        if (c->key) {
            k->key = pl_arena_strndup(a, c->key, c->klen);
            k->klen = c->klen;
        }
        link_child(n, k);
    }
    return n;
}

void pl_json_set_str(struct pl_arena *a, struct pl_json *obj, const char *key, const char *s)
{
    pl_json_set(a, obj, key, s ? pl_json_new_str(a, s) : pl_json_new_null(a));
}

void pl_json_set_i64(struct pl_arena *a, struct pl_json *obj, const char *key, int64_t v)
{
    pl_json_set(a, obj, key, pl_json_new_i64(a, v));
}

void pl_json_set_bool(struct pl_arena *a, struct pl_json *obj, const char *key, bool v)
{
    pl_json_set(a, obj, key, pl_json_new_bool(a, v));
}

/* ------------------------------------------------------------------ writing */

/* Bytes that must be escaped inside a JSON string: control characters, '"' and '\\'. */
static const unsigned char needs_escape[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
    [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
    [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
    [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
    [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

/* The escape sequence of byte c (one that needs_escape) into esc; returns its length. */
static size_t escape_byte(unsigned char c, char esc[6])
{
    static const char hx[] = "0123456789abcdef";
    esc[0] = '\\';
    switch (c) {
    case '"': esc[1] = '"'; return 2;
    case '\\': esc[1] = '\\'; return 2;
    case '\n': esc[1] = 'n'; return 2;
    case '\r': esc[1] = 'r'; return 2;
    case '\t': esc[1] = 't'; return 2;
    case '\b': esc[1] = 'b'; return 2;
    case '\f': esc[1] = 'f'; return 2;
    default:
        memcpy(esc, "\\u00", 4);
        esc[4] = hx[c >> 4];
        esc[5] = hx[c & 15];
        return 6;
    }
}

/* The index of the first byte of u[0..n) that needs escaping, or n. Eight bytes at a time:
 * a word without control characters, '"' or '\\' is skipped whole (the word tests may flag
 * bytes after a true hit, never before one, and the byte loop settles the exact index). */
static size_t first_escape(const unsigned char *u, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, q, bs;
        memcpy(&x, u + i, 8);
        q = x ^ (ones * '"');
        bs = x ^ (ones * '\\');
        if ((((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((bs - ones) & ~bs)) & highs)
            break;
    }
    while (i < n && !needs_escape[u[i]])
        i++;
    return i;
}

int pl_json_write_str(struct pl_buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = first_escape(u, n);
    if (pl_buf_reserve(b, i + 2) < 0)
        return -1;
    char *d = b->data + b->len;
    d[0] = '"';
    memcpy(d + 1, s, i);
    b->len += i + 1;
    if (i == n) {
        d[i + 1] = '"';
        d[i + 2] = '\0';
        b->len++;
        return 0;
    }
    size_t run = i;
    for (; i < n; i++) {
        if (!needs_escape[u[i]])
            continue;
        char esc[6];
        size_t el = escape_byte(u[i], esc);
        if (pl_buf_append(b, s + run, i - run) < 0 || pl_buf_append(b, esc, el) < 0)
            return -1;
        run = i + 1;
    }
    if (pl_buf_append(b, s + run, n - run) < 0)
        return -1;
    return pl_buf_putc(b, '"');
}

enum pl_errcode pl_json_write_error(struct pl_buf *b, const struct pl_err *err)
{
    enum pl_errcode code = err->code ? err->code : PL_E_INTERNAL;
    const char *msg = pl_err_msg(err);
    pl_buf_printf(b, "{\"__type\":\"%s\",\"message\":", pl_err_name(code));
    pl_json_write_str(b, msg, strlen(msg));
    pl_buf_putc(b, '}');
    return code;
}

/* Members sorted by key bytes; duplicates keep their document order (qsort is not stable). */
struct member_ref {
    const struct pl_json *node;
    size_t pos;
};

static int key_cmp(const void *x, const void *y)
{
    const struct member_ref *ra = x, *rb = y;
    const struct pl_json *a = ra->node, *b = rb->node;
    size_t n = a->klen < b->klen ? a->klen : b->klen;
    int r = memcmp(a->key, b->key, n);
    if (r)
        return r;
    if (a->klen != b->klen)
        return a->klen > b->klen ? 1 : -1;
    return ra->pos > rb->pos ? 1 : -1;
}

/* Insertion sort for the usual few members (often already in order): no qsort call per
 * object, no comparisons through a function pointer. */
static void sort_small(struct member_ref *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct member_ref t = v[i];
        size_t j = i;
        while (j > 0 && key_cmp(&v[j - 1], &t) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
}

static int indent(struct pl_buf *b, int flags, int depth)
{
    if (!(flags & PL_JSON_PRETTY))
        return 0;
    if (pl_buf_putc(b, '\n') < 0)
        return -1;
    for (int i = 0; i < depth; i++)
        if (pl_buf_append(b, "  ", 2) < 0)
            return -1;
    return 0;
}

static int write_value(struct pl_buf *b, const struct pl_json *j, int flags, int depth);

static int write_member(struct pl_buf *b, const struct pl_json *c, int is_obj, int flags,
                        int depth, int first)
{
    if (!first && pl_buf_putc(b, ',') < 0)
        return -1;
    if (indent(b, flags, depth + 1) < 0)
        return -1;
    if (is_obj) {
        if (pl_json_write_str(b, c->key ? c->key : "", c->klen) < 0 ||
            pl_buf_append(b, ": ", (flags & PL_JSON_PRETTY) ? 2 : 1) < 0)
            return -1;
    }
    return write_value(b, c, flags, depth + 1);
}

static int write_container(struct pl_buf *b, const struct pl_json *j, int flags, int depth)
{
    int is_obj = j->type == PL_JOBJ;
    if (pl_buf_putc(b, is_obj ? '{' : '[') < 0)
        return -1;
    if (is_obj && (flags & PL_JSON_SORTED) && j->len > 1) {
        struct member_ref small[32], *v = small;
        if (j->len > PL_ARRAY_LEN(small))
            v = pl_xmalloc(j->len * sizeof(*v));
        size_t n = 0;
        for (const struct pl_json *c = j->child; c; c = c->next, n++)
            v[n] = (struct member_ref){c, n};
        if (n <= 16)
            sort_small(v, n);
        else
            qsort(v, n, sizeof(*v), key_cmp);
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++)
            r = write_member(b, v[i].node, 1, flags, depth, i == 0);
        if (v != small)
            free(v);
        if (r < 0)
            return -1;
    } else {
        int first = 1;
        for (const struct pl_json *c = j->child; c; c = c->next, first = 0)
            if (write_member(b, c, is_obj, flags, depth, first) < 0)
                return -1;
    }
    if (j->child && indent(b, flags, depth) < 0)
        return -1;
    return pl_buf_putc(b, is_obj ? '}' : ']');
}

static int write_value(struct pl_buf *b, const struct pl_json *j, int flags, int depth)
{
    switch (j->type) {
    case PL_JNULL:
        return pl_buf_append(b, "null", 4);
    case PL_JBOOL:
        return j->b ? pl_buf_append(b, "true", 4) : pl_buf_append(b, "false", 5);
    case PL_JNUM:
        return pl_buf_append(b, j->str, j->len);
    case PL_JSTR:
        return pl_json_write_str(b, j->str, j->len);
    case PL_JARR:
    case PL_JOBJ:
        return write_container(b, j, flags, depth);
    }
    return -1;
}

int pl_json_write(struct pl_buf *b, const struct pl_json *j, int flags)
{
    return write_value(b, j, flags, 0);
}

char *pl_json_dump(struct pl_arena *a, const struct pl_json *j, int flags)
{
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    pl_json_write(&b, j, flags);
    char *s = pl_arena_strndup(a, pl_buf_cstr(&b), b.len);
    pl_buf_fini(&b);
    return s;
}
