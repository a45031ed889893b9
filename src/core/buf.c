/* buf.c — growable byte buffer with a cap. See buf.h. */
#include "core/buf.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pl_buf_init(struct pl_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void pl_buf_fini(struct pl_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void pl_buf_reset(struct pl_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int reserve(struct pl_buf *b, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return -1;
    if (b->len + n + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
        cap *= 2;
    b->data = pl_xrealloc(b->data, cap);
    b->cap = cap;
    return 0;
}

int pl_buf_reserve(struct pl_buf *b, size_t n)
{
    return reserve(b, n);
}

int pl_buf_append(struct pl_buf *b, const void *p, size_t n)
{
    if (reserve(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int pl_buf_puts(struct pl_buf *b, const char *s)
{
    return pl_buf_append(b, s, strlen(s));
}

int pl_buf_vprintf(struct pl_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof(small))
        return pl_buf_append(b, small, (size_t)n);
    if (reserve(b, (size_t)n) < 0)
        return -1;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int pl_buf_printf(struct pl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = pl_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return r;
}

char *pl_buf_take(struct pl_buf *b)
{
    char *p = b->data ? b->data : pl_xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

const char *pl_buf_cstr(struct pl_buf *b)
{
    return b->data ? b->data : "";
}
