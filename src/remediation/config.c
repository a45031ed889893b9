/* config.c — remediation configurations: AWS's checks beyond the model (each parameter exactly
 * one of StaticValue and ResourceValue, at most 25 of them), defaults, the Arn; the key of a
 * resource's exception and execution objects. Calls only core and the store. */
#include "remediation/remediation.h"

#include "core/hash.h"
#include "store/store.h"

#include <string.h>

char *pl_rem_key(struct pl_arena *a, const char *rule, const char *type, const char *id)
{
    return pl_arena_printf(a, "%s\x1f%s\x1f%s", rule, type ? type : "", id ? id : "");
}

/* Each RemediationParameterValue holds exactly one of ResourceValue and StaticValue. */
static int check_params(const struct pl_json *params, struct pl_err *err)
{
    if (!params || params->type == PL_JNULL)
        return 0;
    if (params->type != PL_JOBJ)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE, "Parameters must be a map");
    if (params->len > PL_REM_MAX_PARAMETERS)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "A remediation configuration can have at most %d parameters.",
                       PL_REM_MAX_PARAMETERS);
    for (const struct pl_json *p = params->child; p; p = p->next) {
        const struct pl_json *rv = pl_json_get(p, "ResourceValue");
        const struct pl_json *sv = pl_json_get(p, "StaticValue");
        bool has_rv = rv && rv->type != PL_JNULL, has_sv = sv && sv->type != PL_JNULL;
        if (has_rv == has_sv)
            return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                           "Parameter '%.256s' must have either a ResourceValue or a "
                           "StaticValue, not %s.",
                           p->key, has_rv ? "both" : "neither");
        const char *v = has_rv ? pl_json_get_str(rv, "Value") : NULL;
        if (has_rv && (!v || strcmp(v, "RESOURCE_ID") != 0))
            return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                           "ResourceValue of parameter '%.256s' must be RESOURCE_ID.", p->key);
        const struct pl_json *vals = has_sv ? pl_json_get(sv, "Values") : NULL;
        if (has_sv && (!vals || vals->type != PL_JARR))
            return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                           "StaticValue of parameter '%.256s' needs Values.", p->key);
    }
    int resource_params = 0;
    for (const struct pl_json *p = params->child; p; p = p->next)
        resource_params += pl_json_get(p, "ResourceValue") != NULL &&
                           pl_json_get(p, "ResourceValue")->type != PL_JNULL;
    if (resource_params > 1)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "Only one parameter can have a ResourceValue of RESOURCE_ID.");
    return 0;
}

struct pl_json *pl_rem_config_normalize(struct pl_arena *a, const char *account, const char *region,
                                        const struct pl_json *in, struct pl_err *err)
{
    const char *rule = pl_json_get_str(in, "ConfigRuleName");
    const char *tt = pl_json_get_str(in, "TargetType");
    if (!rule || !pl_json_get_str(in, "TargetId") || !tt) {
        pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                "ConfigRuleName, TargetType and TargetId are required.");
        return NULL;
    }
    if (strcmp(tt, "SSM_DOCUMENT") != 0) {
        pl_fail(err, PL_E_INVALID_PARAMETER_VALUE, "TargetType must be SSM_DOCUMENT.");
        return NULL;
    }
    for (const char *p = rule; *p; p++)
        if ((unsigned char)*p < 0x20) {
            pl_fail(err, PL_E_INVALID_PARAMETER_VALUE, "ConfigRuleName holds a control character.");
            return NULL;
        }
    if (check_params(pl_json_get(in, "Parameters"), err) < 0)
        return NULL;
    struct pl_json *o = pl_json_clone(a, in);
    const struct pl_json *aut = pl_json_get(in, "Automatic");
    if (!aut || aut->type != PL_JBOOL)
        pl_json_set_bool(a, o, "Automatic", false);
    int64_t v;
    if (pl_json_i64(pl_json_get(in, "MaximumAutomaticAttempts"), &v) < 0)
        pl_json_set_i64(a, o, "MaximumAutomaticAttempts", PL_REM_DEFAULT_ATTEMPTS);
    if (pl_json_i64(pl_json_get(in, "RetryAttemptSeconds"), &v) < 0)
        pl_json_set_i64(a, o, "RetryAttemptSeconds", PL_REM_DEFAULT_RETRY_S);
    const struct pl_json *par = pl_json_get(in, "Parameters");
    if (!par || par->type == PL_JNULL)
        pl_json_set(a, o, "Parameters", pl_json_new_obj(a));
    char uuid[37];
    pl_uuid(uuid);
    pl_json_set_str(a, o, "Arn",
                    pl_arena_printf(a, "arn:aws:config:%s:%s:remediation-configuration/%s/%s",
                                    region, account, rule, uuid));
    return o;
}

int pl_rem_config_get(struct pl_store *st, const char *account, const char *region,
                      const char *rule, struct pl_arena *a, struct pl_json **out,
                      struct pl_err *err)
{
    struct pl_obj o;
    int r = pl_store_obj_get(st, account, region, PL_KIND_REMEDIATION_CONFIG, rule, a, &o, err);
    if (r <= 0)
        return r;
    *out = pl_json_parse(a, o.json, o.len, err);
    return *out ? 1 : -1;
}
