/* diff.c — configurationItemDiff between two CI versions, in AWS's shape.
 *
 * What AWS's notifications show (reference/aws-config-api.md §3.4 and the real examples in
 * ../shared/data/config-items/aws-config-developer-guide/example-sns-notification_*.json):
 *   - changedProperties keys are paths of PascalCase segments: "Configuration.State",
 *     "Configuration.NetworkInterfaces.0", "Relationships.1",
 *     "SupplementaryConfiguration.Tags.1";
 *   - objects are compared member by member, down to the leaves: a changed scalar is UPDATE
 *     with previousValue and updatedValue; a member only in the new version is CREATE
 *     (previousValue null), only in the old one DELETE (updatedValue null);
 *   - arrays are compared as multisets of whole elements, and the changed elements are
 *     numbered, not positioned: the old elements with no equal element in the new version
 *     are DELETE at indices 0..d-1 (in old order), the new ones with no equal old element
 *     CREATE at d..d+c-1 (in new order). That is the only numbering that fits every real
 *     example: in example-sns-notification_2.json an instance's one interface, one security
 *     group and its second relationship change, and AWS shows NetworkInterfaces.0 DELETE /
 *     NetworkInterfaces.1 CREATE and Relationships.0 DELETE / Relationships.1 CREATE (the
 *     relationship is not at index 0 in the CI); creations alone start at 0
 *     (Configuration.Attachments.0, SupplementaryConfiguration.Tags.0/.1);
 *   - the first version is {"changeType":"CREATE","changedProperties":{}} (example 3); a
 *     deletion is DELETE with no properties.
 * Values inside previousValue/updatedValue are the stored values (camelCase, as in the newer
 * examples; the 2014 example's PascalCase values are from CI version 1.0).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "recorder/recorder.h"

struct dctx {
    struct pl_arena *a;
    struct pl_json *props;
    char path[2048];
    size_t plen;
};

static struct pl_json *clone_or_null(struct pl_arena *a, const struct pl_json *v)
{
    return v ? pl_json_clone(a, v) : pl_json_new_null(a);
}

static void emit(struct dctx *d, const struct pl_json *prev, const struct pl_json *cur,
                 const char *type)
{
    struct pl_json *e = pl_json_new_obj(d->a);
    pl_json_set(d->a, e, "previousValue", clone_or_null(d->a, prev));
    pl_json_set(d->a, e, "updatedValue", clone_or_null(d->a, cur));
    pl_json_set_str(d->a, e, "changeType", type);
    pl_json_del(d->props, d->path);
    pl_json_set(d->a, d->props, d->path, e);
}

/* Appends ".Seg" (PascalCase: first letter upper-cased) to the path; returns the old length. */
static size_t push_seg(struct dctx *d, const char *seg, size_t n)
{
    size_t old = d->plen;
    size_t room = sizeof d->path - d->plen - 1;
    if (room < 2)
        return old;
    if (d->plen > 0)
        d->path[d->plen++] = '.', room--;
    if (n > room)
        n = room;
    memcpy(d->path + d->plen, seg, n);
    if (n > 0 && islower((unsigned char)d->path[d->plen]))
        d->path[d->plen] = (char)toupper((unsigned char)d->path[d->plen]);
    d->plen += n;
    d->path[d->plen] = '\0';
    return old;
}

static size_t push_index(struct dctx *d, size_t i)
{
    char t[24];
    int n = snprintf(t, sizeof t, "%zu", i);
    return push_seg(d, t, (size_t)n);
}

static void pop(struct dctx *d, size_t old)
{
    d->plen = old;
    d->path[old] = '\0';
}

static void diff_value(struct dctx *d, const struct pl_json *p, const struct pl_json *c);

static void diff_obj(struct dctx *d, const struct pl_json *p, const struct pl_json *c)
{
    for (const struct pl_json *x = p->child; x; x = x->next) {
        const struct pl_json *y = pl_json_get(c, x->key);
        size_t old = push_seg(d, x->key, x->klen);
        if (!y)
            emit(d, x, NULL, "DELETE");
        else
            diff_value(d, x, y);
        pop(d, old);
    }
    for (const struct pl_json *y = c->child; y; y = y->next) {
        if (pl_json_get(p, y->key))
            continue;
        size_t old = push_seg(d, y->key, y->klen);
        emit(d, NULL, y, "CREATE");
        pop(d, old);
    }
}

static void diff_arr(struct dctx *d, const struct pl_json *p, const struct pl_json *c)
{
    size_t nc = c->len;
    bool *used = pl_arena_alloc(d->a, nc + 1); /* new elements matched by an old one */
    size_t i = 0, ndel = 0;
    for (const struct pl_json *x = p->child; x; x = x->next, i++) {
        size_t j = 0;
        bool found = false;
        for (const struct pl_json *y = c->child; y; y = y->next, j++) {
            if (!used[j] && pl_json_equal(x, y)) {
                used[j] = true;
                found = true;
                break;
            }
        }
        if (!found) {
            size_t old = push_index(d, ndel++);
            emit(d, x, NULL, "DELETE");
            pop(d, old);
        }
    }
    size_t j = 0, k = 0;
    for (const struct pl_json *y = c->child; y; y = y->next, j++) {
        if (used[j])
            continue;
        size_t old = push_index(d, ndel + k++);
        emit(d, NULL, y, "CREATE");
        pop(d, old);
    }
    (void)nc;
}

static void diff_value(struct dctx *d, const struct pl_json *p, const struct pl_json *c)
{
    if (p->type == PL_JOBJ && c->type == PL_JOBJ) {
        diff_obj(d, p, c);
    } else if (p->type == PL_JARR && c->type == PL_JARR) {
        diff_arr(d, p, c);
    } else if (!pl_json_equal(p, c)) {
        if (p->type == PL_JNULL)
            emit(d, NULL, c, "CREATE");
        else if (c->type == PL_JNULL)
            emit(d, p, NULL, "DELETE");
        else
            emit(d, p, c, "UPDATE");
    }
}

static void diff_top(struct dctx *d, const char *seg, const struct pl_json *p,
                     const struct pl_json *c)
{
    size_t old = push_seg(d, seg, strlen(seg));
    struct pl_arena *a = d->a;
    struct pl_json *np = p ? (struct pl_json *)p : pl_json_new_null(a);
    struct pl_json *nc = c ? (struct pl_json *)c : pl_json_new_null(a);
    diff_value(d, np, nc);
    pop(d, old);
}

static void diff_str(struct dctx *d, const char *seg, const char *p, const char *c)
{
    if ((p == NULL) == (c == NULL) && (!p || strcmp(p, c) == 0))
        return;
    struct pl_arena *a = d->a;
    size_t old = push_seg(d, seg, strlen(seg));
    struct pl_json *jp = p ? pl_json_new_str(a, p) : NULL;
    struct pl_json *jc = c ? pl_json_new_str(a, c) : NULL;
    emit(d, jp, jc, !p ? "CREATE" : !c ? "DELETE" : "UPDATE");
    pop(d, old);
}

struct pl_json *pl_ci_diff(struct pl_arena *a, const struct pl_ci *prev, const struct pl_ci *cur)
{
    struct pl_json *out = pl_json_new_obj(a);
    struct dctx d = {.a = a, .props = pl_json_new_obj(a)};
    const char *type;
    if (!prev || prev->deleted) {
        type = cur->deleted ? "DELETE" : "CREATE";
    } else if (cur->deleted) {
        type = "DELETE";
    } else {
        type = "UPDATE";
        diff_top(&d, "Configuration", prev->configuration, cur->configuration);
        diff_top(&d, "SupplementaryConfiguration", prev->supplementary, cur->supplementary);
        diff_top(&d, "Relationships", prev->relationships, cur->relationships);
        diff_top(&d, "Tags", prev->tags, cur->tags);
        diff_str(&d, "ResourceName", prev->resource_name, cur->resource_name);
        diff_str(&d, "ARN", prev->arn, cur->arn);
        diff_str(&d, "AvailabilityZone", prev->availability_zone, cur->availability_zone);
    }
    pl_json_set(a, out, "changedProperties", d.props);
    pl_json_set_str(a, out, "changeType", type);
    return out;
}
