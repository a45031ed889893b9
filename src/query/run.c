/* run.c — runs a parsed query: builds the store plan (store/select.h), then renders each row
 * as AWS's SelectResourceConfig does.
 *
 * Plain queries read whole CIs and project the selected properties out of the CI's query
 * form (view()): the top-level fields with ISO-8601 times, configuration and
 * supplementaryConfiguration as objects, tags as [{key, value, tag}], relationships as
 * [{resourceId, resourceName, resourceType, relationshipName}]. A dotted selection keeps its
 * nesting and goes through arrays element by element ({"configuration":{"a":[{"b":1}]}});
 * several selections under one object are merged. Third-party types (not "AWS::") have no
 * configuration, as in AWS. Aggregate queries get their values from the store and nest each
 * property name the same way; aggregates are top-level keys named like "COUNT(*)".
 */
#include <string.h>

#include "core/json.h"
#include "core/time.h"
#include "query/query_int.h"

/* ---- the query form of a CI ---- */

static void set_iso(struct pl_arena *a, struct pl_json *o, const char *key, int64_t ms)
{
    char buf[40];
    pl_json_set_str(a, o, key, pl_time_iso8601_ms(ms, buf));
}

static void copy(struct pl_arena *a, struct pl_json *o, const struct pl_json *body,
                 const char *key)
{
    const struct pl_json *v = pl_json_get(body, key);
    if (v && v->type != PL_JNULL)
        pl_json_set(a, o, key, pl_json_clone(a, v));
}

static struct pl_json *view_tags(struct pl_arena *a, const struct pl_json *tags)
{
    struct pl_json *arr = pl_json_new_arr(a);
    for (const struct pl_json *t = tags ? tags->child : NULL; t; t = t->next) {
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(a));
        const char *v = t->type == PL_JSTR ? t->str : "";
        pl_json_set_str(a, o, "key", t->key);
        pl_json_set_str(a, o, "value", v);
        pl_json_set_str(a, o, "tag", pl_arena_printf(a, "%s=%s", t->key, v));
    }
    return arr;
}

static struct pl_json *view_rels(struct pl_arena *a, const struct pl_json *rels)
{
    static const char *const keys[][2] = {{"resourceId", "resourceId"},
                                          {"resourceName", "resourceName"},
                                          {"resourceType", "resourceType"},
                                          {"name", "relationshipName"}};
    struct pl_json *arr = pl_json_new_arr(a);
    for (const struct pl_json *r = rels ? rels->child : NULL; r; r = r->next) {
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(a));
        for (size_t i = 0; i < 4; i++) {
            const char *v = pl_json_get_str(r, keys[i][0]);
            if (v)
                pl_json_set_str(a, o, keys[i][1], v);
        }
    }
    return arr;
}

/* The query form of row (NULL with err when its body does not parse). */
static struct pl_json *view(struct pl_arena *a, const struct pl_ci_row *row, struct pl_err *err)
{
    const struct pl_json *b = pl_json_parse(a, row->body, row->body_len, err);
    if (!b)
        return NULL;
    struct pl_json *o = pl_json_new_obj(a);
    copy(a, o, b, "accountId");
    copy(a, o, b, "arn");
    copy(a, o, b, "availabilityZone");
    copy(a, o, b, "awsRegion");
    if (strncmp(row->resource_type, "AWS::", 5) == 0)
        copy(a, o, b, "configuration");
    set_iso(a, o, "configurationItemCaptureTime", row->capture_ms);
    pl_json_set_str(a, o, "configurationItemStatus", row->status);
    pl_json_set_str(a, o, "configurationStateId", pl_arena_printf(a, "%lld",
                                                                  (long long)row->state_id));
    copy(a, o, b, "recordingFrequency");
    pl_json_set(a, o, "relationships", view_rels(a, pl_json_get(b, "relationships")));
    double created;
    const struct pl_json *c = pl_json_get(b, "resourceCreationTime");
    if (c && pl_json_double(c, &created) == 0)
        set_iso(a, o, "resourceCreationTime", (int64_t)(created * 1000.0 + 0.5));
    pl_json_set_str(a, o, "resourceId", row->resource_id);
    if (row->resource_name)
        pl_json_set_str(a, o, "resourceName", row->resource_name);
    pl_json_set_str(a, o, "resourceType", row->resource_type);
    copy(a, o, b, "supplementaryConfiguration");
    pl_json_set(a, o, "tags", view_tags(a, pl_json_get(b, "tags")));
    pl_json_set_str(a, o, "version", "1.3");
    return o;
}

/* ---- projection ---- */

/* The part of src at path (dotted, NUL-terminated), nested as in src; arrays are kept and
 * projected element by element (an element without the path becomes {} so that two
 * projections of one array still line up). NULL when src has nothing there. */
static struct pl_json *project(struct pl_arena *a, const struct pl_json *src, const char *path)
{
    if (src->type == PL_JARR) {
        struct pl_json *arr = pl_json_new_arr(a);
        bool any = false;
        for (const struct pl_json *e = src->child; e; e = e->next) {
            struct pl_json *p = project(a, e, path);
            any = any || p;
            pl_json_push(arr, p ? p : pl_json_new_obj(a));
        }
        return any ? arr : NULL;
    }
    if (src->type != PL_JOBJ)
        return NULL;
    const char *dot = strchr(path, '.');
    char *key = pl_arena_strndup(a, path, dot ? (size_t)(dot - path) : strlen(path));
    const struct pl_json *child = pl_json_get(src, key);
    if (!child)
        return NULL;
    struct pl_json *sub = dot ? project(a, child, dot + 1) : pl_json_clone(a, child);
    if (!sub)
        return NULL;
    struct pl_json *o = pl_json_new_obj(a);
    pl_json_set(a, o, key, sub);
    return o;
}

/* Merges src into dst: objects member by member, arrays element by element. */
static void merge(struct pl_arena *a, struct pl_json *dst, struct pl_json *src)
{
    if (dst->type == PL_JARR && src->type == PL_JARR) {
        struct pl_json *d = dst->child, *s = src->child;
        for (; d && s; d = d->next, s = s->next)
            merge(a, d, s);
        return;
    }
    if (dst->type != PL_JOBJ || src->type != PL_JOBJ)
        return;
    for (struct pl_json *s = src->child, *nx; s; s = nx) {
        nx = s->next;
        struct pl_json *d = pl_json_get(dst, s->key);
        if (d)
            merge(a, d, s);
        else
            pl_json_set(a, dst, s->key, pl_json_clone(a, s));
    }
}

static const char *render_ci(const struct query *q, const struct pl_ci_row *row,
                             struct pl_arena *a, struct pl_err *err)
{
    struct pl_json *v = view(a, row, err);
    if (!v)
        return NULL;
    struct pl_json *out = pl_json_new_obj(a);
    for (size_t i = 0; i < q->nitems; i++) {
        struct pl_json *p = project(a, v, q->items[i].name);
        if (p)
            merge(a, out, p);
    }
    return pl_json_dump(a, out, 0);
}

/* ---- aggregate rows ---- */

struct pl_json *query_value_json(struct pl_arena *a, const struct pl_sel_value *v)
{
    switch (v->type) {
    case PL_SEL_T_INT:
        return pl_json_new_i64(a, v->i);
    case PL_SEL_T_REAL:
        return pl_json_new_double(a, v->d);
    case PL_SEL_T_TEXT:
        return pl_json_new_str(a, v->s);
    case PL_SEL_T_NULL:
        break;
    }
    return NULL;
}

/* Sets the dotted name to val in obj, making the intermediate objects. */
static void set_nested(struct pl_arena *a, struct pl_json *obj, const char *name,
                       struct pl_json *val)
{
    const char *dot;
    while ((dot = strchr(name, '.'))) {
        char *key = pl_arena_strndup(a, name, (size_t)(dot - name));
        struct pl_json *sub = pl_json_get(obj, key);
        if (!sub || sub->type != PL_JOBJ)
            sub = pl_json_set(a, obj, key, pl_json_new_obj(a));
        obj = sub;
        name = dot + 1;
    }
    pl_json_set(a, obj, name, val);
}

static const char *render_agg(const struct query *q, const struct pl_sel_value *vals,
                              struct pl_arena *a)
{
    struct pl_json *out = pl_json_new_obj(a);
    for (size_t i = 0; i < q->nitems; i++) {
        struct pl_json *v = query_value_json(a, &vals[i]);
        if (!v)
            continue;
        if (q->items[i].e.agg != PL_SEL_NONE)
            pl_json_set(a, out, q->items[i].name, v);
        else
            set_nested(a, out, q->items[i].name, v);
    }
    return pl_json_dump(a, out, 0);
}

/* ---- running ---- */

int query_run(struct pl_store *s, const struct query *q, const char *account, const char *region,
              int64_t offset, int limit, struct pl_arena *a, const char ***rows, size_t *n,
              bool *more, struct pl_err *err)
{
    return query_run_as_of(s, q, account, region, 0, offset, limit, a, rows, n, more, err);
}

int query_run_as_of(struct pl_store *s, const struct query *q, const char *account,
                    const char *region, int64_t as_of_ms, int64_t offset, int limit,
                    struct pl_arena *a, const char ***rows, size_t *n, bool *more,
                    struct pl_err *err)
{
    struct pl_sel_part part = {.account = account, .region = region};
    struct query_scope scope = {.parts = &part, .nparts = 1, .as_of_ms = as_of_ms};
    return query_run_scope(s, q, &scope, offset, limit, a, rows, n, more, err);
}

int query_run_scope(struct pl_store *s, const struct query *q, const struct query_scope *scope,
                    int64_t offset, int limit, struct pl_arena *a, const char ***rows, size_t *n,
                    bool *more, struct pl_err *err)
{
    struct pl_sel plan = {
        .as_of_ms = scope->as_of_ms,
        .parts = scope->parts,
        .nparts = scope->nparts,
        .types = scope->types,
        .ntypes = scope->ntypes,
        .where = q->where,
        .aggregate = q->aggregate,
        .group = q->group,
        .ngroup = q->ngroup,
        .order = q->order,
        .norder = q->norder,
        .offset = offset,
        .limit = limit + 1, /* one more: are there more rows? */
    };
    *rows = NULL;
    *n = 0;
    *more = false;
    if (q->aggregate) {
        struct pl_sel_expr *cols = pl_arena_alloc(a, q->nitems * sizeof *cols);
        for (size_t i = 0; i < q->nitems; i++)
            cols[i] = q->items[i].e;
        plan.cols = cols;
        plan.ncols = q->nitems;
        struct pl_sel_value *vals;
        size_t nr;
        if (pl_store_select_agg(s, &plan, a, &vals, &nr, err) < 0)
            return -1;
        *more = nr > (size_t)limit;
        *n = *more ? (size_t)limit : nr;
        *rows = pl_arena_alloc(a, (*n + 1) * sizeof **rows);
        for (size_t i = 0; i < *n; i++)
            (*rows)[i] = render_agg(q, vals + i * q->nitems, a);
        return 0;
    }
    struct pl_ci_row *cis;
    size_t nr;
    if (pl_store_select_cis(s, &plan, a, &cis, &nr, err) < 0)
        return -1;
    *more = nr > (size_t)limit;
    *n = *more ? (size_t)limit : nr;
    *rows = pl_arena_alloc(a, (*n + 1) * sizeof **rows);
    for (size_t i = 0; i < *n; i++)
        if (!((*rows)[i] = render_ci(q, &cis[i], a, err)))
            return -1;
    return 0;
}
