/* err.c — the error table and pl_fail(). See err.h for the message's storage: inline prefix cut
 * at a UTF-8 boundary, the whole text in the owner's arena when one is set. */
#include "core/err.h"
#include "core/arena.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int status;
} table[PL_E__COUNT] = {
    [PL_E_NONE] = {"", 200},
#define PL__ERR_ROW(id, nm, st) [PL_E_##id] = {nm, st},
    PL_ERRORS(PL__ERR_ROW)
#undef PL__ERR_ROW
};

/* Length of a valid UTF-8 sequence at s (s < end): 1-4, or 0 when invalid (overlong forms,
 * surrogates and code points above U+10FFFF are invalid, as in RFC 3629). */
static size_t seq_len(const unsigned char *s, const unsigned char *end)
{
    unsigned c = s[0];
    size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (!n || (size_t)(end - s) < n)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if (n == 2 && c < 0xc2)
        return 0;
    if (n == 3 && ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0)))
        return 0;
    if (n == 4 && ((c == 0xf0 && s[1] < 0x90) || c > 0xf4 || (c == 0xf4 && s[1] >= 0x90)))
        return 0;
    return n;
}

size_t pl_utf8_valid_prefix(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s, *end = u + n;
    size_t i = 0, l;
    while (i < n && (l = seq_len(u + i, end)) != 0)
        i += l;
    return i;
}

/* Makes s[0..n) valid UTF-8 in place: an invalid byte becomes '?'. When cut is set, an
 * incomplete sequence at the very end (a cut in the middle of a character) is dropped instead;
 * returns the new length. */
static size_t make_utf8(char *s, size_t n, int cut)
{
    const unsigned char *end = (const unsigned char *)s + n;
    size_t i = 0;
    while (i < n) {
        size_t l = seq_len((const unsigned char *)s + i, end);
        if (l) {
            i += l;
            continue;
        }
        if (cut && n - i < 4 && ((unsigned char)s[i] & 0xc0) == 0xc0) {
            size_t k = i + 1;
            while (k < n && ((unsigned char)s[k] & 0xc0) == 0x80)
                k++;
            if (k == n) {
                s[i] = '\0';
                return i;
            }
        }
        s[i++] = '?';
    }
    return n;
}

size_t pl_utf8_fix_cut(char *s, size_t n)
{
    n = make_utf8(s, n, 1);
    s[n] = '\0';
    return n;
}

int pl_vfail(struct pl_err *e, enum pl_errcode c, const char *fmt, va_list ap)
{
    va_list ap2;
    if (!e || e->code != PL_E_NONE)
        return -1;
    e->code = c;
    e->full = NULL;
    va_copy(ap2, ap);
    int n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    if (n < 0)
        n = 0, e->msg[0] = '\0';
    if ((size_t)n >= sizeof(e->msg)) {
        if (e->arena) {
            char *whole = pl_arena_alloc(e->arena, (size_t)n + 1);
            vsnprintf(whole, (size_t)n + 1, fmt, ap2);
            make_utf8(whole, (size_t)n, 0);
            e->full = whole;
        }
        make_utf8(e->msg, sizeof(e->msg) - 1, 1);
    } else {
        make_utf8(e->msg, (size_t)n, 0);
    }
    va_end(ap2);
    return -1;
}

int pl_fail(struct pl_err *e, enum pl_errcode c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pl_vfail(e, c, fmt, ap);
    va_end(ap);
    return -1;
}

void pl_err_clear(struct pl_err *e)
{
    e->code = PL_E_NONE;
    e->msg[0] = '\0';
    e->full = NULL;
}

const char *pl_err_msg(const struct pl_err *e)
{
    return e->full ? e->full : e->msg;
}

const char *pl_err_name(enum pl_errcode c)
{
    return (unsigned)c < PL_E__COUNT ? table[c].name : "InternalFailure";
}

int pl_err_status(enum pl_errcode c)
{
    return (unsigned)c < PL_E__COUNT ? table[c].status : 500;
}

enum pl_errcode pl_err_from_name(const char *name)
{
    for (int i = 1; i < PL_E__COUNT; i++)
        if (strcmp(table[i].name, name) == 0)
            return (enum pl_errcode)i;
    return PL_E_NONE;
}
