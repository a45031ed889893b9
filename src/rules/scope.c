/* scope.c — rule scope matching (ComplianceResourceTypes, TagKey/TagValue,
 * ComplianceResourceId), exactly as AWS applies it.
 *
 * An empty scope means every recorded resource, except for managed rules, whose scope then
 * defaults to the resource types the rule judges (their AWS default scope). The compliance
 * resources plumb records itself (AWS::Config::ResourceCompliance, ...ConformancePackCompliance)
 * are never in any rule's scope, so recording compliance cannot trigger evaluations.
 */
#include <string.h>

#include "recorder/recorder.h"
#include "rules/rules_int.h"

bool pl_rules__rule_type_in_scope(const struct pl_rule *r, const char *type)
{
    if (!pl_recorder_type_evaluable(type))
        return false;
    if (!r->ntypes)
        return true;
    for (size_t i = 0; i < r->ntypes; i++)
        if (strcmp(r->types[i], type) == 0)
            return true;
    return false;
}

bool pl_rules__rule_in_scope(const struct pl_rule *r, const char *type, const char *id,
                             const struct pl_json *tags)
{
    if (!pl_rules__rule_type_in_scope(r, type))
        return false;
    if (r->scope_id && strcmp(r->scope_id, id) != 0)
        return false;
    if (r->tag_key) {
        const struct pl_json *v = pl_json_get(tags, r->tag_key);
        if (!v)
            return false;
        if (r->tag_value && (v->type != PL_JSTR || strcmp(v->str, r->tag_value) != 0))
            return false;
    }
    return true;
}
