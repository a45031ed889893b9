/* resources.c — any CloudFormation template's Resources (Type and Properties, as JSON), for
 * `plumb eval`, which judges the resources a template would create before it is deployed.
 *
 * The Properties are resolved by template.c, the resolver of conformance pack templates, in its
 * "any template" mode: Parameters (Default or env's values), Conditions and resource-level
 * Condition, Fn::If, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, AWS::NoValue and the pseudo
 * parameters resolve; what only a deployment knows (Ref to a resource, Fn::GetAtt,
 * Fn::ImportValue, ${Resource.Attr}) stays as written ({"Ref": "X"}, "${X.Arn}"), so no rule
 * mistakes it for a value. The tree comes from yaml.c (positions, bounded depth).
 */
#include <string.h>

#include "packs/packs_int.h"

int pl_pack_template_resources(struct pl_arena *a, const char *text, size_t len,
                               const struct pl_pack_env *env, struct pl_pack_cfn_resource **out,
                               size_t *n, struct pl_err *err)
{
    *out = NULL;
    *n = 0;
    struct pl_tnode *root = pl_pack__read(a, text, len, err);
    if (!root)
        return -1;
    const struct pl_tnode *res = pl_pack__get(root, "Resources");
    if (!res || res->kind != PL_T_MAP)
        return pl_pack__fail(err, root, "the template has no Resources map");
    struct pl_pack__res *c = pl_pack__res_begin(a, root, env, true, err);
    if (!c)
        return -1;
    *out = pl_arena_alloc(a, (res->n + 1) * sizeof **out);
    for (const struct pl_tnode *r = res->child; r; r = r->next) {
        const struct pl_tnode *type = pl_pack__get(r, "Type");
        struct pl_json *props;
        bool keep;
        if (!type || type->kind != PL_T_STR)
            return pl_pack__fail(err, r, "resource %s has no Type", r->key);
        if (pl_pack__res_props(c, r, &keep, &props) < 0)
            return -1;
        if (!keep)
            continue;
        struct pl_pack_cfn_resource *o = &(*out)[(*n)++];
        o->logical_id = r->key;
        o->type = type->str;
        o->props = props;
        o->line = r->line;
        o->col = r->col;
    }
    return 0;
}
