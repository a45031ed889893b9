/* file.c — streaming reader of CI files (sources/file.h).
 *
 * A byte scanner over a 256 KB window (zlib's gzread reads gzip and plain files alike) that
 * splits the input into CI texts without building any tree: JSON values are delimited by
 * counting brackets outside strings. A top-level object is accumulated as it is scanned,
 * except that the elements of a top-level "configurationItems" array are handed out one by
 * one; if the object had no such array, it is itself one CI. Memory is the window plus the
 * largest single CI.
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "core/buf.h"
#include "core/util.h"
#include "recorder/sources/file.h"

#define WINDOW (256 * 1024)

enum state {
    ST_TOP,       /* between top-level values */
    ST_ARRAY,     /* inside a top-level array: elements are CIs */
    ST_OBJ_ITEMS, /* inside "configurationItems" of a top-level object */
};

struct pl_ci_reader {
    gzFile gz;           /* NULL for memory input */
    const char *mem;     /* memory input */
    size_t memlen;
    char *win;           /* window */
    size_t pos, len;     /* window contents [pos, len) */
    bool eof;
    uint64_t consumed;   /* bytes consumed before win[pos] */
    int64_t size;
    int fd;
    long line, ci_line;
    enum state st;
    struct pl_buf ci;    /* the CI text returned last */
    struct pl_buf obj;   /* a top-level object being accumulated */
    bool obj_had_items;  /* the current top-level object had configurationItems */
    char items_key[64];  /* the quoted member whose array elements are handed out */
    size_t items_klen;
    char name[256];
};

static int fill(struct pl_ci_reader *r, struct pl_err *err)
{
    if (r->eof)
        return 0;
    r->consumed += r->pos;
    if (r->gz) {
        int n = gzread(r->gz, r->win, WINDOW);
        if (n < 0) {
            int zerr;
            const char *m = gzerror(r->gz, &zerr);
            return pl_fail(err, PL_E_IO, "%s: read error: %s", r->name,
                           zerr == Z_ERRNO ? strerror(errno) : m);
        }
        r->pos = 0;
        r->len = (size_t)n;
        if (n == 0)
            r->eof = true;
    } else {
        r->pos = 0;
        r->len = 0;
        r->eof = true; /* memory input lives in win directly (see open_mem) */
    }
    return 0;
}

/* Next byte without consuming: -1 at the end, -2 on error. */
static int peek(struct pl_ci_reader *r, struct pl_err *err)
{
    if (r->pos == r->len) {
        if (fill(r, err) < 0)
            return -2;
        if (r->pos == r->len)
            return -1;
    }
    return (unsigned char)r->win[r->pos];
}

static int take(struct pl_ci_reader *r, struct pl_err *err)
{
    int c = peek(r, err);
    if (c >= 0) {
        r->pos++;
        if (c == '\n')
            r->line++;
    }
    return c;
}

static int skip_ws(struct pl_ci_reader *r, struct pl_err *err)
{
    int c;
    while ((c = peek(r, err)) == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',')
        take(r, err);
    return c;
}

static int syntax(struct pl_ci_reader *r, struct pl_err *err, const char *what)
{
    return pl_fail(err, PL_E_SERIALIZATION, "%s:%ld: %s", r->name, r->line, what);
}

/* Scans one JSON value, appending its text to out (which may be NULL to skip it). Leaves
 * the reader after the value. Strings are copied verbatim (memchr finds their ends);
 * brackets are counted outside strings. */
static int scan_value(struct pl_ci_reader *r, struct pl_buf *out, struct pl_err *err)
{
    int depth = 0;
    bool in_str = false, esc = false, started = false;
    int c = peek(r, err);
    if (c < 0)
        return c == -2 ? -1 : syntax(r, err, "unexpected end of input");
    for (;;) {
        if (r->pos == r->len && (c = peek(r, err)) < 0) {
            if (c == -2)
                return -1;
            if (started && depth == 0 && !in_str)
                return 0; /* a top-level scalar ended with the input */
            return syntax(r, err, "unexpected end of input inside a value");
        }
        started = true;
        const char *w = r->win;
        size_t start = r->pos, i = r->pos, len = r->len;
        bool done = false;
        while (i < len && !done) {
            if (in_str) {
                size_t j = i;
                if (esc) { /* the byte at j is escaped */
                    esc = false;
                    j++;
                }
                for (;;) {
                    const char *q = j < len ? memchr(w + j, '"', len - j) : NULL;
                    size_t end = q ? (size_t)(q - w) : len, k = end, nb = 0;
                    while (k > j && w[k - 1] == '\\') {
                        k--;
                        nb++;
                    }
                    if (!q) {
                        esc = nb % 2 == 1;
                        i = len;
                        break;
                    }
                    if (nb % 2 == 1) {
                        j = end + 1;
                        continue;
                    }
                    in_str = false;
                    i = end + 1;
                    if (depth == 0)
                        done = true;
                    break;
                }
                continue;
            }
            char ch = w[i];
            if (ch == '"') {
                in_str = true;
            } else if (ch == '{' || ch == '[') {
                depth++;
            } else if (ch == '}' || ch == ']') {
                if (depth == 0) { /* end of the enclosing container: a scalar ended */
                    done = true;
                    break;
                }
                if (--depth == 0)
                    done = true;
            } else if (depth == 0 && (ch == ',' || ch == ' ' || ch == '\n' || ch == '\t' ||
                                      ch == '\r')) {
                done = true; /* end of a top-level scalar */
                break;
            } else if (ch == '\n') {
                r->line++;
            }
            i++;
        }
        if (out && i > start && pl_buf_append(out, w + start, i - start) < 0)
            return pl_fail(err, PL_E_REQUEST_TOO_LARGE, "%s:%ld: a CI is larger than %u bytes",
                           r->name, r->ci_line, PL_FILE_MAX_CI);
        r->pos = i;
        if (done)
            return 0;
    }
}

/* Reads a string token into out (with quotes, verbatim); returns the unescaped-enough key
 * comparison result via is_items. */
static int scan_key(struct pl_ci_reader *r, struct pl_buf *out, bool *is_items,
                    struct pl_err *err)
{
    size_t before = out->len;
    if (peek(r, err) != '"')
        return syntax(r, err, "expected a member name");
    if (scan_value(r, out, err) < 0)
        return -1;
    *is_items = out->len - before == r->items_klen &&
                memcmp(out->data + before, r->items_key, r->items_klen) == 0;
    return 0;
}

int pl_ci_reader_next(struct pl_ci_reader *r, const char **text, size_t *len,
                      struct pl_err *err)
{
    for (;;) {
        int c = skip_ws(r, err);
        if (c == -2)
            return -1;
        pl_buf_reset(&r->ci);
        r->ci_line = r->line;
        switch (r->st) {
        case ST_ARRAY:
        case ST_OBJ_ITEMS:
            if (c < 0)
                return syntax(r, err, "unexpected end of input inside an array");
            if (c == ']') {
                take(r, err);
                if (r->st == ST_ARRAY) {
                    r->st = ST_TOP;
                    continue;
                }
                /* rest of the enclosing object: skip members up to its '}' */
                for (;;) {
                    c = skip_ws(r, err);
                    if (c == '}') {
                        take(r, err);
                        break;
                    }
                    if (c < 0)
                        return c == -2 ? -1 : syntax(r, err, "unterminated object");
                    bool items;
                    pl_buf_reset(&r->obj);
                    if (scan_key(r, &r->obj, &items, err) < 0)
                        return -1;
                    if (skip_ws(r, err) != ':' || take(r, err) < 0)
                        return syntax(r, err, "expected ':'");
                    skip_ws(r, err);
                    if (scan_value(r, NULL, err) < 0)
                        return -1;
                }
                r->st = ST_TOP;
                continue;
            }
            if (scan_value(r, &r->ci, err) < 0)
                return -1;
            *text = pl_buf_cstr(&r->ci);
            *len = r->ci.len;
            return 1;
        case ST_TOP:
            if (c == -1)
                return 0;
            if (c == '[') {
                take(r, err);
                r->st = ST_ARRAY;
                continue;
            }
            if (c != '{') {
                /* not a CI: hand the rest of the line out, parsing will reject it */
                while ((c = peek(r, err)) >= 0 && c != '\n') {
                    take(r, err);
                    if (pl_buf_putc(&r->ci, (char)c) < 0)
                        return pl_fail(err, PL_E_REQUEST_TOO_LARGE, "line too long");
                }
                if (c == -2)
                    return -1;
                *text = pl_buf_cstr(&r->ci);
                *len = r->ci.len;
                return 1;
            }
            /* a top-level object: accumulate members until "configurationItems": [ */
            take(r, err);
            pl_buf_reset(&r->obj);
            pl_buf_putc(&r->obj, '{');
            bool first = true;
            for (;;) {
                c = skip_ws(r, err);
                if (c == '}') {
                    take(r, err);
                    pl_buf_putc(&r->obj, '}');
                    /* a plain CI (or wrapper): hand out the whole object */
                    *text = pl_buf_cstr(&r->obj);
                    *len = r->obj.len;
                    return 1;
                }
                if (c < 0)
                    return c == -2 ? -1 : syntax(r, err, "unterminated object");
                size_t mark = r->obj.len;
                if (!first)
                    pl_buf_putc(&r->obj, ',');
                bool items = false;
                if (scan_key(r, &r->obj, &items, err) < 0)
                    return -1;
                if (skip_ws(r, err) != ':' || take(r, err) < 0)
                    return syntax(r, err, "expected ':'");
                c = skip_ws(r, err);
                if (items && c == '[') {
                    take(r, err);
                    r->obj.len = mark;
                    r->st = ST_OBJ_ITEMS;
                    break;
                }
                pl_buf_putc(&r->obj, ':');
                if (scan_value(r, &r->obj, err) < 0)
                    return -1;
                first = false;
            }
            continue;
        }
    }
}

static struct pl_ci_reader *reader_new(const char *name)
{
    struct pl_ci_reader *r = pl_xcalloc(1, sizeof *r);
    pl_strlcpy(r->name, name, sizeof r->name);
    pl_ci_reader_set_items_key(r, "configurationItems");
    r->line = 1;
    r->size = -1;
    r->fd = -1;
    pl_buf_init(&r->ci, PL_FILE_MAX_CI);
    pl_buf_init(&r->obj, PL_FILE_MAX_CI);
    return r;
}

int pl_ci_reader_open(const char *path, struct pl_ci_reader **out, struct pl_err *err)
{
    *out = NULL;
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pl_fail(err, PL_E_IO, "%s: %s", path, strerror(errno));
    struct pl_ci_reader *r = reader_new(is_stdin ? "<stdin>" : path);
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        r->size = st.st_size;
    r->fd = fd;
    r->gz = gzdopen(fd, "rb");
    if (!r->gz) {
        close(fd);
        pl_ci_reader_close(r);
        return pl_fail(err, PL_E_IO, "%s: cannot open", path);
    }
    gzbuffer(r->gz, 128 * 1024);
    r->win = pl_xmalloc(WINDOW);
    *out = r;
    return 0;
}

int pl_ci_reader_open_mem(const char *data, size_t len, struct pl_ci_reader **out,
                          struct pl_err *err)
{
    (void)err;
    struct pl_ci_reader *r = reader_new("<memory>");
    r->mem = data;
    r->memlen = len;
    r->win = (char *)data; /* read-only use: the scanner never writes to win */
    r->len = len;
    r->size = (int64_t)len;
    *out = r;
    return 0;
}

void pl_ci_reader_set_items_key(struct pl_ci_reader *r, const char *key)
{
    int n = snprintf(r->items_key, sizeof r->items_key, "\"%s\"", key);
    r->items_klen = n > 0 && (size_t)n < sizeof r->items_key ? (size_t)n : 0;
}

uint64_t pl_ci_reader_offset(const struct pl_ci_reader *r)
{
    return r->consumed + r->pos;
}

int64_t pl_ci_reader_size(const struct pl_ci_reader *r)
{
    return r->size;
}

uint64_t pl_ci_reader_raw_offset(const struct pl_ci_reader *r)
{
    if (r->gz) {
        z_off_t o = gzoffset(r->gz);
        return o < 0 ? 0 : (uint64_t)o;
    }
    return r->pos;
}

long pl_ci_reader_line(const struct pl_ci_reader *r)
{
    return r->ci_line;
}

void pl_ci_reader_close(struct pl_ci_reader *r)
{
    if (!r)
        return;
    if (r->gz)
        gzclose(r->gz); /* closes fd */
    if (!r->mem)
        free(r->win);
    pl_buf_fini(&r->ci);
    pl_buf_fini(&r->obj);
    free(r);
}
