/* lex.c — tokens of AWS's advanced-query dialect.
 *
 * Names are letters, digits and '_' (not starting with a digit), joined by '.' into one
 * token ("configuration.state.value"), so a keyword is only ever a whole bare name. Strings are
 * single-quoted with '' for a quote; numbers are decimal with an optional sign, fraction and
 * exponent. Anything else is a QT_ERROR token the parser reports where it stands.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "query/query_int.h"

static bool name_start(int c)
{
    return isalpha(c) || c == '_';
}

static bool name_char(int c)
{
    return isalnum(c) || c == '_';
}

static void name(struct query_lex *lx, struct query_token *t)
{
    size_t p = lx->pos;
    for (;;) {
        while (p < lx->len && name_char((unsigned char)lx->src[p]))
            p++;
        if (p + 1 < lx->len && lx->src[p] == '.' && name_char((unsigned char)lx->src[p + 1]))
            p++;
        else
            break;
    }
    t->kind = QT_IDENT;
    t->text = lx->src + lx->pos;
    t->len = p - lx->pos;
    lx->pos = p;
}

static void string(struct query_lex *lx, struct query_token *t)
{
    char *out = pl_arena_alloc(lx->a, lx->len - lx->pos + 1);
    size_t n = 0, p = lx->pos + 1;
    for (;;) {
        if (p >= lx->len) {
            t->kind = QT_ERROR;
            t->text = "an unterminated string";
            t->len = strlen(t->text);
            lx->pos = lx->len;
            return;
        }
        if (lx->src[p] == '\'') {
            if (p + 1 < lx->len && lx->src[p + 1] == '\'') {
                out[n++] = '\'';
                p += 2;
                continue;
            }
            break;
        }
        out[n++] = lx->src[p++];
    }
    out[n] = 0;
    t->kind = QT_STRING;
    t->text = out;
    t->len = n;
    lx->pos = p + 1;
}

static size_t digits(const char *s, size_t p, size_t len)
{
    while (p < len && isdigit((unsigned char)s[p]))
        p++;
    return p;
}

static void number(struct query_lex *lx, struct query_token *t)
{
    const char *s = lx->src;
    size_t p = lx->pos;
    if (s[p] == '-' || s[p] == '+')
        p++;
    size_t d = digits(s, p, lx->len);
    bool ok = d > p;
    p = d;
    if (p < lx->len && s[p] == '.') {
        d = digits(s, p + 1, lx->len);
        ok = ok || d > p + 1;
        p = d;
    }
    if (ok && p < lx->len && (s[p] == 'e' || s[p] == 'E')) {
        size_t q = p + 1;
        if (q < lx->len && (s[q] == '-' || s[q] == '+'))
            q++;
        d = digits(s, q, lx->len);
        if (d > q)
            p = d;
    }
    t->kind = ok ? QT_NUMBER : QT_ERROR;
    t->text = ok ? s + lx->pos : "a malformed number";
    t->len = ok ? p - lx->pos : strlen(t->text);
    lx->pos = ok ? p : lx->pos + 1;
}

/* One- and two-character operators and punctuation; 0 when c is none of them. */
static int punct(struct query_lex *lx, struct query_token *t)
{
    static const struct {
        const char *s;
        enum query_tok k;
    } ops[] = {{"!=", QT_NE}, {"<>", QT_NE}, {"<=", QT_LE}, {">=", QT_GE}, {"=", QT_EQ},
               {"<", QT_LT},  {">", QT_GT},  {"(", QT_LPAREN}, {")", QT_RPAREN},
               {",", QT_COMMA}, {"*", QT_STAR}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t l = strlen(ops[i].s);
        if (lx->pos + l <= lx->len && memcmp(lx->src + lx->pos, ops[i].s, l) == 0) {
            t->kind = ops[i].k;
            t->text = lx->src + lx->pos;
            t->len = l;
            lx->pos += l;
            return 1;
        }
    }
    return 0;
}

void query__next(struct query_lex *lx, struct query_token *t)
{
    while (lx->pos < lx->len && isspace((unsigned char)lx->src[lx->pos]))
        lx->pos++;
    t->pos = lx->pos;
    if (lx->pos >= lx->len) {
        t->kind = QT_EOF;
        t->text = "the end of the expression";
        t->len = strlen(t->text);
        return;
    }
    unsigned char c = (unsigned char)lx->src[lx->pos];
    if (name_start(c))
        return name(lx, t);
    if (c == '\'')
        return string(lx, t);
    if (isdigit(c) || ((c == '-' || c == '+' || c == '.') && lx->pos + 1 < lx->len &&
                       (isdigit((unsigned char)lx->src[lx->pos + 1]) ||
                        lx->src[lx->pos + 1] == '.')))
        return number(lx, t);
    if (punct(lx, t))
        return;
    t->kind = QT_ERROR;
    t->text = c == '"' ? "a double-quoted name (use single quotes for values)"
              : c == ';' ? "';' (one statement only)"
                         : "an unexpected character";
    t->len = strlen(t->text);
    lx->pos++;
}

void query__where(const char *src, size_t pos, char *out, size_t cap)
{
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos; i++) {
        if (src[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    snprintf(out, cap, "line %zu:%zu", line, col);
}
