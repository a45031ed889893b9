/* gzjson.c — a streamed gzip JSON writer for delivered files.
 *
 * A file is `head` + item ("," item)* + "]}", gzip-compressed straight into a temporary file as
 * items arrive, so a snapshot of any number of resources needs the memory of one CI (the
 * serialisation buffer is reused). The temporary file is created in the target's staging
 * directory so that the local target can rename it into place atomically.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/util.h"
#include "delivery/delivery_int.h"

#define GZ_LEVEL  1
#define GZ_BUFFER (128 * 1024)

int pl_delivery__mkdirs(const char *dir, struct pl_err *err)
{
    char *p = pl_xstrdup(dir);
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s)
            continue;
        char c = *s;
        *s = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            rc = pl_fail(err, PL_E_IO, "mkdir %s: %s", p, strerror(errno));
            break;
        }
        *s = c;
        if (!c)
            break;
    }
    free(p);
    return rc;
}

/* Creates a temporary file in dir and opens a gzip stream on it. */
static int open_tmp(struct pl_gzjson *w, const char *dir, struct pl_err *err)
{
    memset(w, 0, sizeof *w);
    pl_buf_init(&w->buf, PL_BUF_NOLIMIT);
    if (pl_delivery__mkdirs(dir, err) != 0)
        return -1;
    size_t n = strlen(dir) + 32;
    w->path = pl_xmalloc(n);
    snprintf(w->path, n, "%s/.plumb-XXXXXX", dir);
    int fd = mkstemp(w->path);
    if (fd < 0) {
        pl_fail(err, PL_E_IO, "mkstemp in %s: %s", dir, strerror(errno));
        free(w->path);
        w->path = NULL;
        return -1;
    }
    char mode[8];
    snprintf(mode, sizeof mode, "wb%d", GZ_LEVEL);
    w->gz = gzdopen(fd, mode);
    if (!w->gz) {
        close(fd);
        return pl_fail(err, PL_E_IO, "gzdopen: out of memory");
    }
    gzbuffer(w->gz, GZ_BUFFER);
    return 0;
}

static int put(struct pl_gzjson *w, const char *p, size_t n, struct pl_err *err)
{
    if (n && gzwrite(w->gz, p, (unsigned)n) != (int)n) {
        int zerr;
        const char *m = gzerror(w->gz, &zerr);
        return pl_fail(err, PL_E_IO, "write %s: %s", w->path,
                       zerr == Z_ERRNO ? strerror(errno) : m);
    }
    return 0;
}

int pl_delivery__gzjson_open(struct pl_gzjson *w, const char *dir, const char *head,
                             struct pl_err *err)
{
    if (open_tmp(w, dir, err) != 0)
        return -1;
    return put(w, head, strlen(head), err);
}

int pl_delivery__gzjson_item(struct pl_gzjson *w, const struct pl_json *item, struct pl_err *err)
{
    pl_buf_reset(&w->buf);
    if (w->n && pl_buf_putc(&w->buf, ',') != 0)
        return pl_fail(err, PL_E_INTERNAL, "out of memory");
    if (pl_json_write(&w->buf, item, PL_JSON_COMPACT) != 0)
        return pl_fail(err, PL_E_INTERNAL, "out of memory");
    w->n++;
    return put(w, w->buf.data, w->buf.len, err);
}

int pl_delivery__gzjson_finish(struct pl_gzjson *w, struct pl_err *err)
{
    if (put(w, "]}", 2, err) != 0)
        return -1;
    int rc = gzclose(w->gz);
    w->gz = NULL;
    if (rc != Z_OK)
        return pl_fail(err, PL_E_IO, "close %s: %s", w->path, strerror(errno));
    return 0;
}

void pl_delivery__gzjson_discard(struct pl_gzjson *w)
{
    if (w->gz)
        gzclose(w->gz);
    w->gz = NULL;
    if (w->path)
        unlink(w->path);
    free(w->path);
    w->path = NULL;
    pl_buf_fini(&w->buf);
}

int pl_delivery__gz_write_file(const char *dir, const char *text, size_t n, char **path_out,
                               struct pl_err *err)
{
    struct pl_gzjson w;
    *path_out = NULL;
    if (open_tmp(&w, dir, err) != 0 || put(&w, text, n, err) != 0)
        goto fail;
    int rc = gzclose(w.gz);
    w.gz = NULL;
    if (rc != Z_OK) {
        pl_fail(err, PL_E_IO, "close %s", w.path);
        goto fail;
    }
    *path_out = w.path;
    pl_buf_fini(&w.buf);
    return 0;
fail:
    pl_delivery__gzjson_discard(&w);
    return -1;
}
