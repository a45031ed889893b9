/* files.c — snapshot and history deliveries: CIs streamed from a source into gzip JSON files,
 * then handed to the target under AWS's key.
 *
 * Memory is flat: each CI is converted to the file form in a scratch arena that is reset after
 * it is written, and the gzip stream goes to a temporary file. History keeps one open stream
 * per resource type that had changes (bounded by the number of types, not of CIs).
 */
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "core/util.h"
#include "delivery/delivery_int.h"

#define CONTENT_TYPE     "application/json"
#define CONTENT_ENCODING "gzip"

/* ---- snapshot ---- */

struct snap_ctx {
    struct pl_gzjson w;
    struct pl_arena scratch;
};

static int snap_item(void *cbctx, const struct pl_json *ci, struct pl_err *err)
{
    struct snap_ctx *c = cbctx;
    struct pl_json *f = pl_delivery__ci_file_form(&c->scratch, ci, err);
    int rc = f ? pl_delivery__gzjson_item(&c->w, f, err) : -1;
    pl_arena_reset(&c->scratch);
    return rc;
}

int pl_delivery__deliver_snapshot(struct pl_dtarget *t, const struct pl_dsource *src,
                                  const char *bucket, const char *prefix, const char *acct,
                                  const char *region, const char *sid, int64_t now,
                                  struct pl_dresult *res, struct pl_err *err)
{
    struct snap_ctx c;
    struct pl_arena a;
    int rc = -1;
    memset(res, 0, sizeof *res);
    pl_arena_init(&a);
    pl_arena_init(&c.scratch);
    char *head = pl_arena_printf(
        &a, "{\"fileVersion\":\"1.0\",\"configSnapshotId\":\"%s\",\"configurationItems\":[", sid);
    if (pl_delivery__gzjson_open(&c.w, t->staging, head, err) != 0)
        goto out;
    if (src->each_current(src->ctx, acct, region, snap_item, &c, err) != 0 ||
        pl_delivery__gzjson_finish(&c.w, err) != 0)
        goto out;
    const char *key = pl_delivery__key_snapshot(&a, prefix, acct, region, now, sid);
    if (t->ops->put_file(t, bucket, key, c.w.path, CONTENT_TYPE, CONTENT_ENCODING, err) != 0)
        goto out;
    free(c.w.path); /* moved into place: nothing left to unlink */
    c.w.path = NULL;
    pl_strlcpy(res->key, key, sizeof res->key);
    res->items = c.w.n;
    res->files = 1;
    rc = 0;
out:
    pl_delivery__gzjson_discard(&c.w);
    pl_arena_fini(&c.scratch);
    pl_arena_fini(&a);
    return rc;
}

/* ---- history ---- */

struct hist_file {
    char *type;
    struct pl_gzjson w;
    int64_t first_ms, last_ms;
};

struct hist_ctx {
    struct pl_dtarget *t;
    struct hist_file *v;
    size_t n, cap;
    size_t last; /* index of the last type hit (CIs often come in runs of one type) */
    struct pl_arena scratch;
};

static struct hist_file *hist_file_for(struct hist_ctx *c, const char *type, struct pl_err *err)
{
    if (c->last < c->n && strcmp(c->v[c->last].type, type) == 0)
        return &c->v[c->last];
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].type, type) == 0)
            return &c->v[c->last = i];
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->v = pl_xrealloc(c->v, c->cap * sizeof *c->v);
    }
    struct hist_file *f = &c->v[c->n];
    memset(f, 0, sizeof *f);
    if (pl_delivery__gzjson_open(&f->w, c->t->staging,
                                 "{\"fileVersion\":\"1.0\",\"configurationItems\":[", err) != 0) {
        pl_delivery__gzjson_discard(&f->w);
        return NULL;
    }
    f->type = pl_xstrdup(type);
    f->first_ms = INT64_MAX;
    f->last_ms = INT64_MIN;
    c->last = c->n++;
    return f;
}

static int hist_item(void *cbctx, const struct pl_json *ci, struct pl_err *err)
{
    struct hist_ctx *c = cbctx;
    int rc = -1;
    struct pl_json *f = pl_delivery__ci_file_form(&c->scratch, ci, err);
    const char *type = f ? pl_json_get_str(f, "resourceType") : NULL;
    if (!type) {
        pl_fail(err, PL_E_VALIDATION, "configuration item without resourceType");
        goto out;
    }
    struct hist_file *hf = hist_file_for(c, type, err);
    if (!hf)
        goto out;
    const char *ts = pl_json_get_str(f, "configurationItemCaptureTime");
    int64_t ms;
    if (ts && pl_time_parse(ts, &ms) == 0) {
        hf->first_ms = ms < hf->first_ms ? ms : hf->first_ms;
        hf->last_ms = ms > hf->last_ms ? ms : hf->last_ms;
    }
    rc = pl_delivery__gzjson_item(&hf->w, f, err);
out:
    pl_arena_reset(&c->scratch);
    return rc;
}

int pl_delivery__deliver_history(struct pl_dtarget *t, const struct pl_dsource *src,
                                 const char *bucket, const char *prefix, const char *acct,
                                 const char *region, int64_t after, int64_t *last, int64_t now,
                                 void (*on_file)(void *, const char *), void *ctx,
                                 struct pl_dresult *res, struct pl_err *err)
{
    struct hist_ctx c = {.t = t};
    struct pl_arena a;
    int rc = -1;
    memset(res, 0, sizeof *res);
    pl_arena_init(&a);
    pl_arena_init(&c.scratch);
    if (src->each_since(src->ctx, acct, region, after, last, hist_item, &c, err) != 0)
        goto out;
    for (size_t i = 0; i < c.n; i++) {
        struct hist_file *f = &c.v[i];
        if (f->first_ms == INT64_MAX)
            f->first_ms = f->last_ms = now;
        if (pl_delivery__gzjson_finish(&f->w, err) != 0)
            goto out;
        const char *key = pl_delivery__key_history(&a, prefix, acct, region, now, f->type,
                                                   f->first_ms, f->last_ms, 1);
        if (t->ops->put_file(t, bucket, key, f->w.path, CONTENT_TYPE, CONTENT_ENCODING, err) != 0)
            goto out;
        free(f->w.path);
        f->w.path = NULL;
        pl_strlcpy(res->key, key, sizeof res->key);
        res->items += f->w.n;
        res->files++;
        if (on_file)
            on_file(ctx, key);
    }
    rc = 0;
out:
    for (size_t i = 0; i < c.n; i++) {
        pl_delivery__gzjson_discard(&c.v[i].w);
        free(c.v[i].type);
    }
    free(c.v);
    pl_arena_fini(&c.scratch);
    pl_arena_fini(&a);
    return rc;
}
