/* batches.c — ExecutionControls.SsmControls, enforced on batches of executions.
 *
 * A batch is the resources of one StartRemediationExecution call (name "m:" + uuid, its size the
 * number of resources queued) or, for automatic remediation, the rule's NON_COMPLIANT resources
 * (name "auto" \x1f rule; its size their number when counted). The worker (worker.c) keeps at
 * most ConcurrentExecutionRatePercentage of a batch's size (at least 1) running at once, and
 * counts failures here: once more than ErrorPercentage of the batch failed (a manual execution
 * that failed; an automatic one that used up its attempts), the batch is stopped and the rest
 * of it is recorded FAILED without running, as SSM stops an automation over its error
 * threshold. An automatic batch stays stopped until the remediation configuration is put again.
 *
 * Stored: kind PL_REM_KIND_BATCH, {"Rule", "Size", "Failed", "Stopped", "Running"}: Running
 * maps the execution key of each action of the batch running now to its outbox item, taken in
 * the claim's transaction and given back in the outcome's (or when the attempt is found
 * interrupted), so every plumb serve on one database shares the batch's limit. A manual batch
 * with nothing running and untouched for PL_REM_BATCH_KEEP_MS is pruned (pl_rem_batch_prune).
 */
#include "remediation/remediation.h"

#include "core/hash.h"
#include "store/store.h"

#include <string.h>

#define KIND_BATCH        "RemediationBatch"
#define DEFAULT_RATE_PCT  10 /* AWS's default ConcurrentExecutionRatePercentage */
#define DEFAULT_ERROR_PCT 50 /* AWS's default ErrorPercentage */

void pl_rem_controls_of(const struct pl_json *cfg, struct pl_rem_controls *out)
{
    const struct pl_json *s = pl_json_path(cfg, "ExecutionControls.SsmControls");
    int64_t v;
    out->on = s && s->type == PL_JOBJ && s->len > 0;
    out->rate_pct = DEFAULT_RATE_PCT;
    out->error_pct = DEFAULT_ERROR_PCT;
    if (pl_json_i64(pl_json_get(s, "ConcurrentExecutionRatePercentage"), &v) == 0)
        out->rate_pct = (int)v;
    if (pl_json_i64(pl_json_get(s, "ErrorPercentage"), &v) == 0)
        out->error_pct = (int)v;
}

const char *pl_rem_batch_auto(struct pl_arena *a, const char *rule)
{
    return pl_arena_printf(a, "auto\x1f%s", rule);
}

static int batch_load(struct pl_store *st, const char *account, const char *region,
                      const char *name, struct pl_arena *a, struct pl_json **out,
                      struct pl_err *err)
{
    struct pl_obj o;
    *out = NULL;
    int f = pl_store_obj_get(st, account, region, KIND_BATCH, name, a, &o, err);
    if (f <= 0)
        return f;
    return (*out = pl_json_parse(a, o.json, o.len, err)) ? 1 : -1;
}

static int batch_save(struct pl_store *st, const char *account, const char *region,
                      const char *name, struct pl_arena *a, const struct pl_json *b,
                      struct pl_err *err)
{
    const char *text = pl_json_dump(a, b, PL_JSON_COMPACT);
    return pl_store_obj_put(st, account, region, KIND_BATCH, name, text, strlen(text), err);
}

int pl_rem_batch_begin(struct pl_store *st, const char *account, const char *region,
                       const char *rule, struct pl_arena *a, struct pl_rem_batch *out,
                       struct pl_err *err)
{
    char uuid[37];
    pl_uuid(uuid);
    out->name = pl_arena_printf(a, "m:%s", uuid);
    out->size = 0;
    struct pl_json *b = pl_json_new_obj(a);
    pl_json_set_str(a, b, "Rule", rule);
    pl_json_set_i64(a, b, "Size", 0);
    pl_json_set_i64(a, b, "Failed", 0);
    pl_json_set_bool(a, b, "Stopped", false);
    return batch_save(st, account, region, out->name, a, b, err);
}

int pl_rem_batch_size(struct pl_store *st, const char *account, const char *region,
                      const struct pl_rem_batch *b, struct pl_arena *a, struct pl_err *err)
{
    struct pl_json *j;
    int f = batch_load(st, account, region, b->name, a, &j, err);
    if (f <= 0)
        return f;
    pl_json_set_i64(a, j, "Size", b->size);
    return batch_save(st, account, region, b->name, a, j, err);
}

int pl_rem_batch_stopped(struct pl_store *st, const char *account, const char *region,
                         const char *name, struct pl_arena *a, int64_t *failed, int64_t *size,
                         struct pl_err *err)
{
    struct pl_json *j;
    int f = batch_load(st, account, region, name, a, &j, err);
    *failed = *size = 0;
    if (f <= 0)
        return f;
    pl_json_i64(pl_json_get(j, "Failed"), failed);
    pl_json_i64(pl_json_get(j, "Size"), size);
    return pl_json_truthy(pl_json_get(j, "Stopped"));
}

int pl_rem_batch_failed(struct pl_store *st, const char *account, const char *region,
                        const char *rule, const struct pl_rem_batch *b, int error_pct,
                        struct pl_arena *a, struct pl_err *err)
{
    struct pl_json *j;
    int64_t failed = 0, size = 0;
    int f = batch_load(st, account, region, b->name, a, &j, err);
    if (f < 0)
        return -1;
    if (f == 0) { /* an automatic batch's first failure */
        j = pl_json_new_obj(a);
        pl_json_set_str(a, j, "Rule", rule);
    }
    pl_json_i64(pl_json_get(j, "Failed"), &failed);
    pl_json_i64(pl_json_get(j, "Size"), &size);
    failed++;
    size = b->size > 0 ? b->size : size > 0 ? size : 1; /* automatic: as counted now */
    pl_json_set_i64(a, j, "Failed", failed);
    pl_json_set_i64(a, j, "Size", size);
    bool stop = failed * 100 > (int64_t)error_pct * size;
    pl_json_set_bool(a, j, "Stopped", stop || pl_json_truthy(pl_json_get(j, "Stopped")));
    return batch_save(st, account, region, b->name, a, j, err);
}

/* The batch's object, a new one of rule when absent (an automatic batch before its first
 * failure). */
static int batch_load_or_new(struct pl_store *st, const char *account, const char *region,
                             const char *name, const char *rule, struct pl_arena *a,
                             struct pl_json **out, struct pl_err *err)
{
    int f = batch_load(st, account, region, name, a, out, err);
    if (f != 0)
        return f < 0 ? -1 : 0;
    *out = pl_json_new_obj(a);
    pl_json_set_str(a, *out, "Rule", rule ? rule : "");
    return 0;
}

int pl_rem_batch_take(struct pl_store *st, const char *account, const char *region,
                      const char *name, const char *rule, const char *key, int64_t item,
                      int64_t limit, struct pl_arena *a, struct pl_err *err)
{
    struct pl_json *j;
    if (batch_load_or_new(st, account, region, name, rule, a, &j, err) < 0)
        return -1;
    struct pl_json *run = pl_json_get(j, "Running");
    if (!run || run->type != PL_JOBJ) {
        pl_json_del(j, "Running");
        run = pl_json_set(a, j, "Running", pl_json_new_obj(a));
    }
    pl_json_del(run, key); /* an attempt of this execution that did not finish */
    if ((int64_t)run->len >= limit)
        return 0;
    pl_json_set_i64(a, run, key, item);
    return batch_save(st, account, region, name, a, j, err) < 0 ? -1 : 1;
}

int pl_rem_batch_give(struct pl_store *st, const char *account, const char *region,
                      const char *name, const char *key, struct pl_arena *a, struct pl_err *err)
{
    struct pl_json *j;
    int f = batch_load(st, account, region, name, a, &j, err);
    if (f <= 0)
        return f;
    struct pl_json *run = pl_json_get(j, "Running");
    if (!run || !pl_json_get(run, key))
        return 0;
    pl_json_del(run, key);
    return batch_save(st, account, region, name, a, j, err);
}

int pl_rem_batch_prune(struct pl_store *st, int64_t before_ms, struct pl_arena *a, int64_t *deleted,
                       struct pl_err *err)
{
    struct pl_obj *items;
    size_t n;
    *deleted = 0;
    if (pl_store_obj_list(st, NULL, NULL, KIND_BATCH, NULL, 0, a, &items, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(items[i].name, "m:", 2) != 0 || items[i].updated_ms >= before_ms)
            continue;
        struct pl_json *j = pl_json_parse(a, items[i].json, items[i].len, err);
        const struct pl_json *run = j ? pl_json_get(j, "Running") : NULL;
        if (!j)
            return -1;
        if (run && run->len)
            continue;
        int f = pl_store_obj_delete(st, items[i].account, items[i].region, KIND_BATCH,
                                    items[i].name, err);
        if (f < 0)
            return -1;
        *deleted += f;
    }
    return 0;
}

int pl_rem_batch_reset(struct pl_store *st, const char *account, const char *region,
                       const char *rule, struct pl_arena *a, struct pl_err *err)
{
    return pl_store_obj_delete(st, account, region, KIND_BATCH, pl_rem_batch_auto(a, rule), err);
}
