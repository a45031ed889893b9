/* resources.c — any CloudFormation template's Resources (Type and Properties, as JSON), for
 * `plumb eval`, which judges the resources a template would create before it is deployed.
 *
 * Unlike template.c (which resolves a conformance pack's rules), nothing is resolved: intrinsic
 * functions stay as their long-form objects ({"Ref": "X"}), so a property computed at deploy
 * time is not a value any rule can read. The tree comes from yaml.c (positions, bounded depth).
 */
#include <string.h>

#include "packs/packs_int.h"

/* The JSON value of a template node (scalars as YAML's core schema typed them). */
static struct pl_json *to_json(struct pl_arena *a, const struct pl_tnode *t)
{
    switch (t->kind) {
    case PL_T_NULL:
        return pl_json_new_null(a);
    case PL_T_BOOL:
        return pl_json_new_bool(a, t->b);
    case PL_T_NUM: { /* YAML numbers JSON cannot write (0x1F, +1, .5) stay text */
        struct pl_err e2 = {0};
        struct pl_json *j = pl_json_parse(a, t->str, strlen(t->str), &e2);
        return j && j->type == PL_JNUM ? j : pl_json_new_str(a, t->str);
    }
    case PL_T_STR:
        return pl_json_new_str(a, t->str);
    case PL_T_SEQ: {
        struct pl_json *arr = pl_json_new_arr(a);
        for (const struct pl_tnode *c = t->child; c; c = c->next)
            pl_json_push(arr, to_json(a, c));
        return arr;
    }
    case PL_T_MAP: {
        struct pl_json *o = pl_json_new_obj(a);
        for (const struct pl_tnode *c = t->child; c; c = c->next)
            pl_json_set(a, o, c->key, to_json(a, c));
        return o;
    }
    }
    return pl_json_new_null(a);
}

int pl_pack_template_resources(struct pl_arena *a, const char *text, size_t len,
                               struct pl_pack_cfn_resource **out, size_t *n, struct pl_err *err)
{
    *out = NULL;
    *n = 0;
    struct pl_tnode *root = pl_pack__read(a, text, len, err);
    if (!root)
        return -1;
    const struct pl_tnode *res = pl_pack__get(root, "Resources");
    if (!res || res->kind != PL_T_MAP)
        return pl_pack__fail(err, root, "the template has no Resources map");
    *out = pl_arena_alloc(a, (res->n + 1) * sizeof **out);
    for (const struct pl_tnode *r = res->child; r; r = r->next) {
        const struct pl_tnode *type = pl_pack__get(r, "Type");
        const struct pl_tnode *props = pl_pack__get(r, "Properties");
        if (!type || type->kind != PL_T_STR)
            return pl_pack__fail(err, r, "resource %s has no Type", r->key);
        struct pl_pack_cfn_resource *o = &(*out)[(*n)++];
        o->logical_id = r->key;
        o->type = type->str;
        o->props = props ? to_json(a, props) : pl_json_new_obj(a);
        o->line = r->line;
        o->col = r->col;
    }
    return 0;
}
