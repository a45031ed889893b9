/* fake_source.c — see fake_source.h. CIs are built in the notification/file form. */
#include <stdio.h>
#include <string.h>

#include "fake_source.h"

#include "core/time.h"

static void fill_pad(char *p, size_t n, uint64_t seed)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = hex[x & 15];
    }
    p[n] = 0;
}

static struct pl_json *make_ci(struct pl_arena *a, const struct fake_src *f, size_t i)
{
    char buf[64], t[32];
    struct pl_json *ci = pl_json_new_obj(a), *cfg = pl_json_new_obj(a);
    pl_json_set(a, ci, "relatedEvents", pl_json_new_arr(a));
    pl_json_set(a, ci, "relationships", pl_json_new_arr(a));
    pl_json_set_i64(a, cfg, "index", (int64_t)i);
    if (f->pad) {
        char *pad = pl_arena_alloc(a, f->pad + 1);
        fill_pad(pad, f->pad, i + 1);
        pl_json_set_str(a, cfg, "pad", pad);
    }
    pl_json_set(a, ci, "configuration", cfg);
    pl_json_set(a, ci, "supplementaryConfiguration", pl_json_new_obj(a));
    pl_json_set(a, ci, "tags", pl_json_new_obj(a));
    pl_json_set_str(a, ci, "configurationItemVersion", "1.3");
    int64_t ms = 1700000000000LL + (int64_t)i * 1000;
    pl_json_set_str(a, ci, "configurationItemCaptureTime", pl_time_iso8601_ms(ms, t));
    pl_json_set_i64(a, ci, "configurationStateId", ms);
    pl_json_set_str(a, ci, "awsAccountId", f->acct);
    pl_json_set_str(a, ci, "configurationItemStatus", "ResourceDiscovered");
    snprintf(buf, sizeof buf, "AWS::Fake::T%d", (int)(i % (size_t)f->ntypes));
    pl_json_set_str(a, ci, "resourceType", buf);
    snprintf(buf, sizeof buf, "r-%zu", i);
    pl_json_set_str(a, ci, "resourceId", buf);
    pl_json_set(a, ci, "resourceName", pl_json_new_null(a));
    pl_json_set_str(a, ci, "ARN", pl_arena_printf(a, "arn:aws:fake:%s:%s:r/%s", f->region,
                                                   f->acct, buf));
    pl_json_set_str(a, ci, "awsRegion", f->region);
    pl_json_set_str(a, ci, "availabilityZone", "Not Applicable");
    pl_json_set_str(a, ci, "configurationStateMd5Hash", "");
    pl_json_set(a, ci, "resourceCreationTime", pl_json_new_null(a));
    return ci;
}

static int emit_range(struct fake_src *f, size_t from, pl_dci_cb cb, void *cbctx,
                      struct pl_err *err)
{
    struct pl_arena a;
    int rc = 0;
    pl_arena_init(&a);
    for (size_t i = from; i < f->n && rc == 0; i++) {
        rc = cb(cbctx, make_ci(&a, f, i), err);
        pl_arena_reset(&a);
    }
    pl_arena_fini(&a);
    return rc;
}

static int fake_current(void *ctx, const char *acct, const char *region, pl_dci_cb cb,
                        void *cbctx, struct pl_err *err)
{
    return emit_range(ctx, 0, cb, cbctx, err);
}

static int fake_since(void *ctx, const char *acct, const char *region, int64_t after,
                      int64_t *last, pl_dci_cb cb, void *cbctx, struct pl_err *err)
{
    struct fake_src *f = ctx;
    *last = (int64_t)f->n;
    return emit_range(f, (size_t)after, cb, cbctx, err);
}

void fake_source_init(struct pl_dsource *src, struct fake_src *f)
{
    src->ctx = f;
    src->each_current = fake_current;
    src->each_since = fake_since;
}
