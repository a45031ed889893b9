/* store_port.c — the store (store.h) as a CI source for deliveries, and CI rendering through the
 * recorder's file-form renderer (recorder.h).
 *
 * Current state: every resource type of the partition (pl_store_resource_counts), its
 * non-deleted resources page by page (pl_store_resources_list) but those whose configuration
 * is not recorded (ResourceNotRecorded), and for each the latest CI
 * (pl_store_ci_get of latest_seq). Arenas are reset per page and per CI: memory stays flat.
 * History: the CI rows appended after a seq cursor, read by seq (config_items.seq is the
 * append order and is dense: SQLite reuses max+1; retention pruning makes holes, skipped up to
 * GAP_PROBE rows). A hole may also be a transaction still committing: it is skipped only once
 * a later row is visible and the hole is still empty when probed again (one writer commits
 * seqs in order). A store function "CIs after seq N" would make this one
 * query; see docs/delivery.md (known gaps).
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "delivery/delivery_int.h"
#include "recorder/recorder.h"
#include "store/store.h"

#define PAGE      1000
#define GAP_PROBE 256

struct pl_json *pl_delivery__store_render(struct pl_store *s, struct pl_arena *a, const void *vrow,
                                          struct pl_json **diff, struct pl_err *err)
{
    const struct pl_ci_row *row = vrow;
    if (diff) {
        struct pl_err e = {0};
        *diff = row->diff ? pl_json_parse(a, row->diff, row->diff_len, &e) : NULL;
    }
    struct pl_json *ci = pl_ci_render_file(a, row, err);
    /* relatedEvents from CloudTrail (recorder.h): beyond AWS, which sends [] */
    if (ci && s && pl_ci_related_fill(s, a, row, ci, err) < 0)
        return NULL;
    return ci;
}

/* Renders row seq and calls cb; 1 when the row exists, 0 when absent, -1 on error. */
static int emit_seq(struct pl_store *s, int64_t seq, const char *acct, const char *region,
                    struct pl_arena *a, pl_dci_cb cb, void *cbctx, struct pl_err *err)
{
    struct pl_ci_row row;
    int r = pl_store_ci_get(s, seq, a, &row, err);
    if (r <= 0)
        return r;
    if (acct && (strcmp(row.account, acct) != 0 || strcmp(row.region, region) != 0))
        return 1;
    struct pl_json *ci = pl_delivery__store_render(s, a, &row, NULL, err);
    if (!ci || cb(cbctx, ci, err) != 0)
        return -1;
    return 1;
}

/* The resources of one type, page by page. */
static int each_of_type(struct pl_store *s, const char *acct, const char *region,
                        const char *type, pl_dci_cb cb, void *cbctx, struct pl_err *err)
{
    struct pl_arena page, item;
    char *cursor = NULL;
    int rc = -1;
    pl_arena_init(&page);
    pl_arena_init(&item);
    do {
        struct pl_list_q q = {.account = acct, .region = region, .resource_type = type,
                              .limit = PAGE, .cursor = cursor};
        struct pl_resource *res;
        size_t n;
        char *next;
        if (pl_store_resources_list(s, &q, &page, &res, &n, &next, err) != 0)
            goto out;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(res[i].status, PL_CI_NOT_RECORDED) == 0)
                continue; /* recorded resources only, as pl_store_resource_counts counts */
            int r = emit_seq(s, res[i].latest_seq, NULL, NULL, &item, cb, cbctx, err);
            pl_arena_reset(&item);
            if (r < 0)
                goto out;
        }
        free(cursor);
        cursor = next ? pl_xstrdup(next) : NULL;
        pl_arena_reset(&page);
    } while (cursor);
    rc = 0;
out:
    free(cursor);
    pl_arena_fini(&page);
    pl_arena_fini(&item);
    return rc;
}

static int store_each_current(void *ctx, const char *acct, const char *region, pl_dci_cb cb,
                              void *cbctx, struct pl_err *err)
{
    struct pl_store *s = ctx;
    struct pl_arena a;
    struct pl_type_count *types;
    size_t n;
    int64_t total;
    char *next;
    int rc = -1;
    pl_arena_init(&a);
    if (pl_store_resource_counts(s, acct, region, NULL, 0, 1 << 30, NULL, &a, &types, &n, &total,
                                 &next, err) != 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (each_of_type(s, acct, region, types[i].resource_type, cb, cbctx, err) != 0)
            goto out;
    rc = 0;
out:
    pl_arena_fini(&a);
    return rc;
}

static int has_row(struct pl_store *s, int64_t seq, struct pl_arena *a, struct pl_err *err)
{
    struct pl_ci_row row;
    int r = pl_store_ci_get(s, seq, a, &row, err);
    pl_arena_reset(a);
    return r;
}

static int store_each_since(void *ctx, const char *acct, const char *region, int64_t after,
                            int64_t *last, pl_dci_cb cb, void *cbctx, struct pl_err *err)
{
    struct pl_store *s = ctx;
    struct pl_arena a;
    int rc = -1, misses = 0;
    pl_arena_init(&a);
    *last = after;
    int64_t first_miss = -1, confirmed = after;
    for (int64_t seq = after + 1; misses < GAP_PROBE; seq++) {
        if (first_miss >= 0) { /* a hole is final only once a later row is visible */
            int r = has_row(s, seq, &a, err);
            if (r < 0)
                goto out;
            if (r == 0) {
                misses++;
                continue;
            }
            confirmed = seq;
            seq = first_miss - 1;
            first_miss = -1;
            misses = 0;
            continue;
        }
        int r = emit_seq(s, seq, acct, region, &a, cb, cbctx, err);
        pl_arena_reset(&a);
        if (r < 0)
            goto out;
        if (r == 0) {
            if (seq > confirmed) {
                misses++;
                first_miss = seq;
            }
            continue;
        }
        misses = 0;
        *last = seq;
    }
    rc = 0;
out:
    pl_arena_fini(&a);
    return rc;
}

void pl_delivery__source_store(struct pl_dsource *src, struct pl_store *s)
{
    src->ctx = s;
    src->each_current = store_each_current;
    src->each_since = store_each_since;
}

/* Exists-probe of row seq. */
static int has_seq(struct pl_store *s, int64_t seq, struct pl_arena *a, struct pl_err *err)
{
    struct pl_ci_row row;
    int r = pl_store_ci_get(s, seq, a, &row, err);
    pl_arena_reset(a);
    return r;
}

int pl_delivery__store_max_seq(struct pl_store *s, int64_t *out, struct pl_err *err)
{
    struct pl_arena a;
    int64_t lo = 0, hi;
    int rc = -1, r;
    pl_arena_init(&a);
    /* the largest existing power of two, then binary search in [lo, 2*lo) */
    for (hi = 1; hi < ((int64_t)1 << 50); hi *= 2) {
        if ((r = has_seq(s, hi, &a, err)) < 0)
            goto out;
        if (r)
            lo = hi;
        else if (lo)
            break;
    }
    if (lo) {
        while (hi - lo > 1) {
            int64_t mid = lo + (hi - lo) / 2;
            if ((r = has_seq(s, mid, &a, err)) < 0)
                goto out;
            if (r)
                lo = mid;
            else
                hi = mid;
        }
    }
    *out = lo;
    rc = 0;
out:
    pl_arena_fini(&a);
    return rc;
}
