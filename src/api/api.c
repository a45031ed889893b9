/* api.c — operation dispatch: finds the handler of an X-Amz-Target operation, parses and
 * validates the body against the AWS model, runs the handler, renders the response.
 *
 * Every operation of the AWS Config model is known (model.gen.c); those without a handler get
 * a clear 400 UnknownOperationException saying plumb does not serve them yet, never a 5xx. */
#include "api/api_int.h"
#include "api/model.h"
#include "api/ops_aggregator.h"
#include "api/ops_org.h"
#include "api/ops_rules.h"
#include "core/time.h"
#include "delivery/delivery.h"
#include "store/store.h"

#include <string.h>

static const struct pl_op_entry *const tables[] = {
    pl_ops_recorder,   pl_ops_channel, pl_ops_resources, pl_ops_tags,       pl_ops_rules,
    pl_ops_compliance, pl_ops_packs,   pl_ops_query,     pl_ops_proactive, pl_ops_aggregator,
    pl_ops_aggregate,  pl_ops_remediation, pl_ops_org_rules,
};

static pl_op_fn find_handler(const char *op)
{
    for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
        for (const struct pl_op_entry *e = tables[t]; e->name; e++)
            if (strcmp(e->name, op) == 0)
                return e->fn;
    return NULL;
}

/* plumb-only operations (X-Amz-Target: PlumbService.<Op>) */
extern const struct pl_op_entry pl_ops_functions[];   /* api/ops_functions.c */
extern const struct pl_op_entry pl_ops_plumb_query[]; /* api/ops_query.c: AsOf queries */
extern const struct pl_op_entry pl_ops_cost[];        /* api/ops_cost.c */
extern const struct pl_op_entry pl_ops_plumb_packs[]; /* api/ops_packs.c: score history */
extern const struct pl_op_entry pl_ops_actions[];     /* api/ops_remediation.c */
extern const struct pl_op_entry pl_ops_documents[];   /* api/ops_documents.c: SSM documents */

static const struct pl_op_entry *const plumb_tables[] = {
    pl_ops_plumb,   pl_ops_functions, pl_ops_plumb_query, pl_ops_cost,      pl_ops_plumb_packs,
    pl_ops_console, pl_ops_actions,   pl_ops_org,         pl_ops_documents,
};

static pl_op_fn find_plumb_handler(const char *op)
{
    for (size_t t = 0; t < sizeof(plumb_tables) / sizeof(plumb_tables[0]); t++)
        for (const struct pl_op_entry *e = plumb_tables[t]; e->name; e++)
            if (strcmp(e->name, op) == 0)
                return e->fn;
    return NULL;
}

int pl_api_known_op(const char *prefix, const char *op)
{
    if (strcmp(prefix, "PlumbService") == 0)
        return find_plumb_handler(op) != NULL;
    return strcmp(prefix, "StarlingDoveService") == 0 && pl_model_op(op) != NULL;
}

int pl_api_call(const struct pl_api_req *req, struct pl_buf *out, struct pl_err *err)
{
    const struct pl_op_model *model = NULL;
    pl_op_fn fn = NULL;
    if (!err->arena)
        err->arena = req->arena; /* the message reaches the wire whole (core/err.h) */
    if (strcmp(req->target_prefix, "StarlingDoveService") == 0) {
        model = pl_model_op(req->op);
        if (!model)
            return pl_fail(err, PL_E_UNKNOWN_OPERATION, "Unknown operation %s.%.64s",
                           req->target_prefix, req->op);
        fn = find_handler(req->op);
        if (!fn)
            return pl_fail(err, PL_E_UNKNOWN_OPERATION,
                           "plumb does not serve %s yet (see docs/api.md for the served "
                           "operations)", req->op);
    } else if (strcmp(req->target_prefix, "PlumbService") == 0) {
        fn = find_plumb_handler(req->op); /* plumb-only: validated by the handler */
    }
    if (!fn)
        return pl_fail(err, PL_E_UNKNOWN_OPERATION, "Unknown operation %.64s.%.64s",
                       req->target_prefix, req->op);

    struct pl_json *in;
    size_t len = req->body_len;
    const char *body = req->body;
    while (len && (*body == ' ' || *body == '\n' || *body == '\r' || *body == '\t'))
        body++, len--;
    if (len == 0) {
        in = pl_json_new_obj(req->arena);
    } else {
        in = pl_json_parse(req->arena, body, len, err);
        if (!in)
            return -1;
        if (in->type != PL_JOBJ)
            return pl_fail(err, PL_E_SERIALIZATION, "the request body must be a JSON object");
    }
    if (model && pl_model_validate(model, in, err) < 0)
        return -1;

    struct pl_op_ctx c = {
        .req = req,
        .account = req->part.account,
        .region = req->part.region,
        .in = in,
        .out = pl_json_new_obj(req->arena),
        .a = req->arena,
        .err = err,
    };
    c.st = pl_app_store(req->app, err);
    if (!c.st)
        return -1;
    if (fn(&c) < 0) {
        if (pl_store_in_tx(c.st))
            pl_store_rollback(c.st);
        return -1;
    }
    if (pl_json_write(out, c.out, PL_JSON_COMPACT) < 0)
        return pl_fail(err, PL_E_INTERNAL, "response too large");
    return 0;
}

/* ---- request helpers ---- */

const char *pl_in_str(const struct pl_json *o, const char *key)
{
    return pl_json_get_str(o, key);
}

bool pl_in_bool(const struct pl_json *o, const char *key, bool dflt)
{
    const struct pl_json *j = pl_json_get(o, key);
    return j && j->type == PL_JBOOL ? j->b : dflt;
}

int64_t pl_in_int(const struct pl_json *o, const char *key, int64_t dflt)
{
    int64_t v;
    return pl_json_i64(pl_json_get(o, key), &v) == 0 ? v : dflt;
}

int pl_in_time(const struct pl_json *o, const char *key, int64_t dflt, int64_t *ms,
               struct pl_err *err)
{
    const struct pl_json *j = pl_json_get(o, key);
    if (!j || j->type == PL_JNULL) {
        *ms = dflt;
        return 0;
    }
    if (pl_time_parse(j->str, ms) < 0)
        return pl_fail(err, PL_E_SERIALIZATION, "'%s' is not a valid timestamp", key);
    return 0;
}

const char **pl_in_strs(struct pl_arena *a, const struct pl_json *o, const char *key, size_t *n)
{
    const struct pl_json *arr = pl_json_get(o, key);
    *n = 0;
    if (!arr || arr->type != PL_JARR || arr->len == 0)
        return NULL;
    const char **v = pl_arena_alloc(a, arr->len * sizeof(*v));
    for (const struct pl_json *c = arr->child; c; c = c->next)
        if (c->type == PL_JSTR)
            v[(*n)++] = c->str;
    return v;
}

/* ---- store helpers ---- */

int pl_obj_load(struct pl_op_ctx *c, const char *kind, const char *name, struct pl_json **out)
{
    struct pl_obj o;
    int r = pl_store_obj_get(c->st, c->account, c->region, kind, name, c->a, &o, c->err);
    if (r <= 0)
        return r;
    *out = pl_json_parse(c->a, o.json, o.len, c->err);
    return *out ? 1 : pl_fail(c->err, PL_E_INTERNAL, "stored %s is corrupt", kind);
}

int pl_obj_save(struct pl_op_ctx *c, const char *kind, const char *name, const struct pl_json *j)
{
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    pl_json_write(&b, j, PL_JSON_COMPACT);
    int r = pl_store_obj_put(c->st, c->account, c->region, kind, name, pl_buf_cstr(&b), b.len,
                             c->err);
    pl_buf_fini(&b);
    return r;
}

int pl_obj_single(struct pl_op_ctx *c, const char *kind, struct pl_json **out)
{
    struct pl_obj *items;
    size_t n;
    *out = NULL;
    if (pl_store_obj_list(c->st, c->account, c->region, kind, NULL, 1, c->a, &items, &n,
                          c->err) < 0)
        return -1;
    if (n == 0)
        return 0;
    *out = pl_json_parse(c->a, items[0].json, items[0].len, c->err);
    return *out ? 1 : pl_fail(c->err, PL_E_INTERNAL, "stored %s is corrupt", kind);
}

void pl_api_recorded(struct pl_op_ctx *c)
{
    /* The rules engine is not woken here: the store wakes it when the CI's outbox row commits
     * (pl_store_outbox_listen), once per group commit. */
    if (c->notify && c->req->app->delivery)
        pl_delivery_kick(c->req->app->delivery);
}

const char *pl_arn(struct pl_op_ctx *c, const char *suffix)
{
    return pl_arena_printf(c->a, "arn:aws:config:%s:%s:%s", c->region, c->account, suffix);
}

/* Lists the partition's objects of kind, restricted to names (NoSuch... for an unknown
 * one), into out[key]. */
int pl_describe_named(struct pl_op_ctx *c, const char *kind, const char *names_key,
                          const char *out_key, enum pl_errcode nosuch, const char *what)
{
    size_t nnames;
    const char **names = pl_in_strs(c->a, c->in, names_key, &nnames);
    struct pl_json *arr = pl_json_set(c->a, c->out, out_key, pl_json_new_arr(c->a));
    for (size_t i = 0; i < nnames; i++) {
        struct pl_json *o;
        int r = pl_obj_load(c, kind, names[i], &o);
        if (r < 0)
            return -1;
        if (r == 0)
            return pl_fail(c->err, nosuch, "Cannot find %s with specified name '%s'.", what,
                           names[i]);
        pl_json_push(arr, o);
    }
    if (nnames)
        return 0;
    struct pl_obj *items;
    size_t n;
    if (pl_store_obj_list(c->st, c->account, c->region, kind, NULL, 0, c->a, &items, &n,
                          c->err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct pl_json *o = pl_json_parse(c->a, items[i].json, items[i].len, c->err);
        if (!o)
            return -1;
        pl_json_push(arr, o);
    }
    return 0;
}
