/* exceptions.c — remediation exceptions: resources a rule's remediation must leave alone
 * (PutRemediationExceptions, and the worker after an automatic remediation ran out of
 * attempts, as AWS does). An exception whose ExpirationTime has passed no longer blocks. */
#include "remediation/remediation.h"

#include "core/time.h"
#include "store/store.h"

#include <string.h>

int pl_rem_exception_active(struct pl_store *st, const char *account, const char *region,
                            const char *rule, const char *type, const char *id, int64_t now_ms,
                            struct pl_err *err)
{
    struct pl_arena a;
    struct pl_obj o;
    pl_arena_init(&a);
    int r = pl_store_obj_get(st, account, region, PL_REM_KIND_EXCEPTION,
                             pl_rem_key(&a, rule, type, id), &a, &o, err);
    if (r == 1) {
        struct pl_json *j = pl_json_parse(&a, o.json, o.len, err);
        int64_t exp = 0;
        if (!j)
            r = -1;
        else if (pl_json_i64(pl_json_get(j, "ExpiresMs"), &exp) == 0 && exp > 0 && exp <= now_ms)
            r = 0;
    }
    pl_arena_fini(&a);
    return r;
}

int pl_rem_exception_put(struct pl_store *st, const char *account, const char *region,
                         const char *rule, const char *type, const char *id, const char *message,
                         int64_t expires_ms, struct pl_err *err)
{
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_json *o = pl_json_new_obj(&a);
    pl_json_set_str(&a, o, "ConfigRuleName", rule);
    pl_json_set_str(&a, o, "ResourceType", type);
    pl_json_set_str(&a, o, "ResourceId", id);
    if (message)
        pl_json_set(&a, o, "Message", pl_json_new_strn(&a, message, strnlen(message, 1024)));
    if (expires_ms > 0)
        pl_json_set_i64(&a, o, "ExpiresMs", expires_ms);
    const char *text = pl_json_dump(&a, o, PL_JSON_COMPACT);
    int r = pl_store_obj_put(st, account, region, PL_REM_KIND_EXCEPTION,
                             pl_rem_key(&a, rule, type, id), text, strlen(text), err);
    pl_arena_fini(&a);
    return r;
}

struct pl_json *pl_rem_exception_render(struct pl_arena *a, const struct pl_json *stored)
{
    struct pl_json *o = pl_json_new_obj(a);
    static const char *const keys[] = {"ConfigRuleName", "ResourceType", "ResourceId", "Message"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = pl_json_get_str(stored, keys[i]);
        if (v)
            pl_json_set_str(a, o, keys[i], v);
    }
    int64_t exp;
    if (pl_json_i64(pl_json_get(stored, "ExpiresMs"), &exp) == 0 && exp > 0)
        pl_json_set(a, o, "ExpirationTime", pl_json_new_epoch_ms(a, exp));
    return o;
}
