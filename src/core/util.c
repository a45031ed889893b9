/* util.c — allocation wrappers that abort on exhaustion, and small string helpers. */
#include "core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "plumb: out of memory allocating %zu bytes\n", n);
    abort();
}

void *pl_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *pl_xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p)
        oom(n * m);
    return p;
}

void *pl_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *pl_xstrndup(const char *s, size_t n)
{
    char *p = pl_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *pl_xstrdup(const char *s)
{
    return pl_xstrndup(s, strlen(s));
}

size_t pl_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t c = n < size - 1 ? n : size - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}

size_t pl_arn_account(const char *arn, const char **account)
{
    const char *f = arn && pl_starts_with(arn, "arn:") ? arn : NULL;
    for (int i = 0; i < 4 && f; i++)
        f = strchr(f, ':') ? strchr(f, ':') + 1 : NULL;
    *account = f;
    return f ? strcspn(f, ":") : 0;
}

int pl_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool pl_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int pl_parse_i64(const char *s, long long *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

char *pl_read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (cap - n < 65536) {
            cap = cap ? cap * 2 : 65536;
            buf = pl_xrealloc(buf, cap + 1);
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n > max) {
            free(buf);
            buf = NULL;
            goto out;
        }
        if (r == 0)
            break;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
out:
    if (f != stdin)
        fclose(f);
    return buf;
}

#ifdef PL_DEBUG
void pl__invariant_failed(const char *what, const char *file, int line)
{
    fprintf(stderr, "plumb: invariant broken at %s:%d: %s\n", file, line, what);
    abort();
}
#endif
