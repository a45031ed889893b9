/* target.c — the local-directory delivery target and what all targets share.
 *
 * A bucket name maps to a folder under the root (DATA/buckets or --delivery-dir), created on
 * demand: there is no "create bucket" step for a directory, so any valid S3 bucket name
 * "exists". An object is written as a temporary file in root/.staging (same filesystem) and
 * renamed into root/<bucket>/<key>: readers never see a partial file. Keys with "." or ".."
 * path components are refused so a key can never escape the bucket folder.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "delivery/delivery_int.h"

struct local_target {
    struct pl_dtarget base;
    char *root;
};

static int local_bucket_check(struct pl_dtarget *t, const char *bucket, struct pl_err *err)
{
    struct local_target *lt = (struct local_target *)t;
    if (pl_delivery__check_bucket_name(bucket, err) != 0)
        return -1;
    size_t n = strlen(lt->root) + strlen(bucket) + 2;
    char *dir = pl_xmalloc(n);
    snprintf(dir, n, "%s/%s", lt->root, bucket);
    int rc = pl_delivery__mkdirs(dir, err);
    free(dir);
    return rc;
}

/* 0 when no component of key is empty, "." or "..". */
static int key_safe(const char *key)
{
    const char *p = key;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return -1;
        if (!e)
            break;
        p = e + 1;
    }
    return *key ? 0 : -1;
}

static int local_put_file(struct pl_dtarget *t, const char *bucket, const char *key,
                          const char *path, const char *ctype, const char *cenc,
                          struct pl_err *err)
{
    struct local_target *lt = (struct local_target *)t;
    int rc = -1;
    char *dest = NULL;
    if (key_safe(key) != 0 || pl_delivery__check_bucket_name(bucket, err) != 0) {
        pl_fail(err, PL_E_VALIDATION, "unsafe object key '%.200s'", key);
        goto out;
    }
    size_t n = strlen(lt->root) + strlen(bucket) + strlen(key) + 3;
    dest = pl_xmalloc(n);
    snprintf(dest, n, "%s/%s/%s", lt->root, bucket, key);
    char *slash = strrchr(dest, '/');
    *slash = 0;
    int mk = pl_delivery__mkdirs(dest, err);
    *slash = '/';
    if (mk != 0)
        goto out;
    if (rename(path, dest) != 0) {
        pl_fail(err, PL_E_IO, "rename to %s: %s", dest, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        unlink(path);
    free(dest);
    return rc;
}

/* A local bucket belongs to the first account whose channel named it (root/<bucket>/.owner,
 * written with O_EXCL), as an S3 bucket belongs to one account: another account's channel
 * cannot write under it. */
static int local_claim(struct pl_dtarget *t, const char *bucket, const char *account,
                       struct pl_err *err)
{
    struct local_target *lt = (struct local_target *)t;
    if (local_bucket_check(t, bucket, err) != 0)
        return -1;
    size_t n = strlen(lt->root) + strlen(bucket) + 16;
    char *path = pl_xmalloc(n), owner[16] = {0};
    snprintf(path, n, "%s/%s/.owner", lt->root, bucket);
    int rc = 0, fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd >= 0) {
        if (write(fd, account, strlen(account)) != (ssize_t)strlen(account) || fsync(fd) != 0)
            rc = pl_fail(err, PL_E_IO, "writing %s: %s", path, strerror(errno));
        close(fd);
    } else if ((fd = open(path, O_RDONLY)) >= 0) {
        ssize_t got = read(fd, owner, sizeof owner - 1);
        close(fd);
        if (got < 0 || strcmp(owner, account) != 0)
            rc = pl_fail(err, PL_E_INSUFFICIENT_DELIVERY_POLICY,
                         "Insufficient delivery policy to s3 bucket: %s, the bucket belongs to "
                         "another account.",
                         bucket);
    } else {
        rc = pl_fail(err, PL_E_IO, "opening %s: %s", path, strerror(errno));
    }
    free(path);
    return rc;
}

static void local_free(struct pl_dtarget *t)
{
    struct local_target *lt = (struct local_target *)t;
    free(lt->root);
    free(lt->base.staging);
    free(lt);
}

/* Reads root/<bucket>/<key>; another account's bucket (its .owner) is refused. */
static int local_read(struct pl_dtarget *t, const char *bucket, const char *key,
                      const char *account, size_t max, char **text, size_t *len,
                      struct pl_err *err)
{
    struct local_target *lt = (struct local_target *)t;
    if (key_safe(key) != 0 || pl_delivery__check_bucket_name(bucket, err) != 0)
        return pl_fail(err, PL_E_VALIDATION, "unsafe object key '%.200s'", key);
    size_t n = strlen(lt->root) + strlen(bucket) + strlen(key) + 16, olen = 0;
    char *path = pl_xmalloc(n);
    snprintf(path, n, "%s/%s/.owner", lt->root, bucket);
    char *owner = pl_read_file(path, 64, &olen);
    int rc = 1;
    if (owner && strcmp(owner, account) != 0) {
        rc = pl_fail(err, PL_E_ACCESS_DENIED, "Access denied to s3 bucket: %s, the bucket belongs "
                                              "to another account.", bucket);
        goto out;
    }
    snprintf(path, n, "%s/%s/%s", lt->root, bucket, key);
    *text = pl_read_file(path, max + 1, len);
    if (!*text)
        rc = errno == ENOENT ? 0 : pl_fail(err, PL_E_IO, "reading %s: %s", path, strerror(errno));
    else if (*len > max) {
        free(*text);
        *text = NULL;
        rc = pl_fail(err, PL_E_VALIDATION, "s3://%s/%s is larger than %zu bytes", bucket, key, max);
    }
out:
    free(owner);
    free(path);
    return rc;
}

static const struct pl_dtarget_ops local_ops = {local_bucket_check, local_put_file, local_claim,
                                                local_free, local_read};

struct pl_dtarget *pl_delivery__target_local(const char *root, struct pl_err *err)
{
    if (pl_delivery__mkdirs(root, err) != 0)
        return NULL;
    struct local_target *lt = pl_xcalloc(1, sizeof *lt);
    lt->base.ops = &local_ops;
    lt->root = pl_xstrdup(root);
    size_t n = strlen(root) + 16;
    lt->base.staging = pl_xmalloc(n);
    snprintf(lt->base.staging, n, "%s/.staging", root);
    return &lt->base;
}

void pl_delivery__target_free(struct pl_dtarget *t)
{
    if (t)
        t->ops->free(t);
}

int pl_delivery__target_write_text(struct pl_dtarget *t, const char *bucket, const char *key,
                                   const char *text, size_t len, const char *content_type,
                                   struct pl_err *err)
{
    char *path = NULL;
    int rc = -1, fd = -1;
    if (pl_delivery__mkdirs(t->staging, err) != 0)
        goto out;
    size_t n = strlen(t->staging) + 32;
    path = pl_xmalloc(n);
    snprintf(path, n, "%s/.plumb-XXXXXX", t->staging);
    if ((fd = mkstemp(path)) < 0) {
        pl_fail(err, PL_E_IO, "mkstemp: %s", strerror(errno));
        goto out;
    }
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0) {
            pl_fail(err, PL_E_IO, "write %s: %s", path, strerror(errno));
            close(fd);
            unlink(path);
            goto out;
        }
        off += (size_t)w;
    }
    close(fd);
    rc = t->ops->put_file(t, bucket, key, path, content_type, NULL, err);
out:
    free(path);
    return rc;
}

int pl_delivery__target_writability(struct pl_dtarget *t, const char *bucket, const char *prefix,
                                    const char *acct, struct pl_err *err)
{
    struct pl_arena a;
    pl_arena_init(&a);
    int rc = pl_delivery__target_write_text(
        t, bucket, pl_delivery__key_writability(&a, prefix, acct), "", 0, NULL, err);
    pl_arena_fini(&a);
    return rc;
}
