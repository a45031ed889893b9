/* buf.h — a growable byte buffer with a hard cap.
 *
 * Every buffer filled from the network or from a file is created with a cap
 * (pl_buf_init(&b, PL_MAX_BODY)); appending past it fails instead of growing, so a hostile
 * peer cannot make plumb allocate without bound. data is always NUL-terminated after a
 * successful append (the NUL is not counted in len).
 */
#ifndef PL_CORE_BUF_H
#define PL_CORE_BUF_H

#include <stddef.h>
#include <stdarg.h>

#define PL_BUF_NOLIMIT ((size_t)-1)

struct pl_buf {
    char *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max; /* appends that would make len exceed max fail */
};

void pl_buf_init(struct pl_buf *b, size_t max);
void pl_buf_fini(struct pl_buf *b);
void pl_buf_reset(struct pl_buf *b); /* len = 0, keeps the memory */

/* Each returns 0, or -1 when the cap would be exceeded or memory is exhausted. */
int pl_buf_append(struct pl_buf *b, const void *p, size_t n);
int pl_buf_puts(struct pl_buf *b, const char *s);
/* Makes room for n more bytes (and the NUL) without changing len: writers that fill
 * data + len themselves. 0, or -1 past the cap. */
int pl_buf_reserve(struct pl_buf *b, size_t n);
/* One byte; inline because writers call it for every bracket, comma and quote. */
static inline int pl_buf_putc(struct pl_buf *b, char c)
{
    if (b->len + 1 < b->cap && b->len < b->max) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return 0;
    }
    return pl_buf_append(b, &c, 1);
}
int pl_buf_printf(struct pl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int pl_buf_vprintf(struct pl_buf *b, const char *fmt, va_list ap);

/* Hands the data over to the caller (free() it) and leaves b empty. Never NULL on success. */
char *pl_buf_take(struct pl_buf *b);

/* The contents as a C string (never NULL; "" when empty). Borrowed. */
const char *pl_buf_cstr(struct pl_buf *b);

#endif
