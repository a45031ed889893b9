/* registry.c — the function registry: validation, JSON form, store round trip, Lambda ARNs.
 *
 * Functions are configuration objects of kind PL_KIND_FUNCTION in their (account, region)
 * partition, so `plumb function add --data DIR` and the PlumbService operations write the same
 * rows the rules engine reads. The stored JSON is what pl_fn_to_json() writes; reading accepts
 * exactly that shape (unknown members are ignored, so later versions can add fields).
 */
#include "rules/functions/functions.h"

#include "core/hash.h"
#include "core/json.h"
#include "core/util.h"
#include "core/time.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static const char *const runtime_names[] = {"python", "exec", "http"};

const char *pl_fn_runtime_name(enum pl_fn_runtime rt)
{
    return (unsigned)rt < 3 ? runtime_names[rt] : "unknown";
}

void pl_fn_render_code(struct pl_arena *a, struct pl_json *o, const struct pl_fn *fn)
{
    pl_json_set_str(a, o, "Runtime", pl_fn_runtime_name(fn->runtime));
    if (fn->handler)
        pl_json_set_str(a, o, "Handler", fn->handler);
    if (fn->command)
        pl_json_set_str(a, o, "Command", fn->command);
    if (fn->url)
        pl_json_set_str(a, o, "Url", fn->url);
    pl_json_set_i64(a, o, "Timeout", fn->timeout_s);
    pl_json_set_i64(a, o, "MemorySize", fn->memory_mb);
}

int pl_fn_runtime_parse(const char *s, enum pl_fn_runtime *out)
{
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, runtime_names[i]) == 0) {
            *out = (enum pl_fn_runtime)i;
            return 0;
        }
    return -1;
}

static bool valid_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > PL_FN_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* "/abs/dir/module.py:function" with a Python identifier after the colon. */
static bool valid_handler(const char *h)
{
    const char *colon = h ? strrchr(h, ':') : NULL;
    if (!colon || h[0] != '/' || colon - h < 4 || strncmp(colon - 3, ".py", 3) != 0)
        return false;
    const char *f = colon + 1;
    if (!*f || (*f >= '0' && *f <= '9'))
        return false;
    for (; *f; f++)
        if (!((*f >= 'a' && *f <= 'z') || (*f >= 'A' && *f <= 'Z') || (*f >= '0' && *f <= '9') ||
              *f == '_'))
            return false;
    return true;
}

int pl_fn_validate(const struct pl_fn *fn, struct pl_err *err)
{
    if (!valid_name(fn->name))
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "function name '%.80s' must be 1-64 characters of A-Z a-z 0-9 - _",
                       fn->name ? fn->name : "");
    switch (fn->runtime) {
    case PL_FN_PYTHON:
        if (!valid_handler(fn->handler))
            return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                           "handler '%.120s' must be an absolute PATH/module.py:function",
                           fn->handler ? fn->handler : "");
        break;
    case PL_FN_EXEC:
        if (!fn->command || !*fn->command)
            return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE, "runtime exec needs a command");
        break;
    case PL_FN_HTTP:
        if (!fn->url ||
            !(pl_starts_with(fn->url, "http://") || pl_starts_with(fn->url, "https://")))
            return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                           "runtime http needs an http:// or https:// URL");
        break;
    default:
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE, "unknown runtime");
    }
    if (fn->timeout_s < 1 || fn->timeout_s > PL_FN_MAX_TIMEOUT_S)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "timeoutSeconds %d must be between 1 and %d", fn->timeout_s,
                       PL_FN_MAX_TIMEOUT_S);
    if (fn->memory_mb < PL_FN_MIN_MEMORY_MB || fn->memory_mb > PL_FN_MAX_MEMORY_MB)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE, "memoryMB %d must be between %d and %d",
                       fn->memory_mb, PL_FN_MIN_MEMORY_MB, PL_FN_MAX_MEMORY_MB);
    return 0;
}

char *pl_fn_to_json(struct pl_arena *a, const struct pl_fn *fn)
{
    struct pl_json *o = pl_json_new_obj(a);
    pl_json_set_str(a, o, "name", fn->name);
    pl_json_set_str(a, o, "runtime", pl_fn_runtime_name(fn->runtime));
    if (fn->handler)
        pl_json_set_str(a, o, "handler", fn->handler);
    if (fn->command)
        pl_json_set_str(a, o, "command", fn->command);
    if (fn->url)
        pl_json_set_str(a, o, "url", fn->url);
    pl_json_set_i64(a, o, "timeoutSeconds", fn->timeout_s);
    pl_json_set_i64(a, o, "memoryMB", fn->memory_mb);
    pl_json_set(a, o, "created", pl_json_new_epoch_ms(a, fn->created_ms));
    if (fn->revision)
        pl_json_set_str(a, o, "revision", fn->revision);
    return pl_json_dump(a, o, PL_JSON_COMPACT);
}

static int get_int(const struct pl_json *o, const char *key, int dflt, int *out, struct pl_err *err)
{
    const struct pl_json *j = pl_json_get(o, key);
    int64_t v;
    if (!j || j->type == PL_JNULL) {
        *out = dflt;
        return 0;
    }
    if (pl_json_i64(j, &v) < 0 || v < 0 || v > 1000000)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE, "'%s' must be an integer", key);
    *out = (int)v;
    return 0;
}

int pl_fn_from_json(struct pl_arena *a, const char *json, size_t len, struct pl_fn *out,
                    struct pl_err *err)
{
    struct pl_json *o = pl_json_parse(a, json, len, err);
    if (!o)
        return -1;
    if (o->type != PL_JOBJ)
        return pl_fail(err, PL_E_SERIALIZATION, "a function must be a JSON object");
    memset(out, 0, sizeof(*out));
    out->name = pl_json_get_str(o, "name");
    if (pl_fn_runtime_parse(pl_json_get_str(o, "runtime"), &out->runtime) < 0)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE, "runtime must be python, exec or http");
    out->handler = pl_json_get_str(o, "handler");
    out->command = pl_json_get_str(o, "command");
    out->url = pl_json_get_str(o, "url");
    out->revision = pl_json_get_str(o, "revision");
    if (!out->revision)
        out->revision = "0";
    if (get_int(o, "timeoutSeconds", PL_FN_DEFAULT_TIMEOUT_S, &out->timeout_s, err) < 0 ||
        get_int(o, "memoryMB", PL_FN_DEFAULT_MEMORY_MB, &out->memory_mb, err) < 0)
        return -1;
    const struct pl_json *c = pl_json_get(o, "created");
    double secs;
    if (c && pl_json_double(c, &secs) == 0)
        out->created_ms = (int64_t)(secs * 1000.0 + 0.5);
    return 0;
}

/* Fills out from a stored object (partition fields from the row). */
static int from_obj(struct pl_arena *a, const struct pl_obj *o, struct pl_fn *out,
                    struct pl_err *err)
{
    if (pl_fn_from_json(a, o->json, o->len, out, err) < 0)
        return -1;
    out->account = o->account;
    out->region = o->region;
    if (!out->name)
        out->name = o->name;
    return 0;
}

int pl_fn_put(struct pl_store *st, const struct pl_fn *fn, struct pl_err *err)
{
    struct pl_arena a;
    struct pl_fn keep = *fn;
    struct pl_obj old;
    int rc = -1;
    pl_arena_init(&a);
    if (pl_fn_validate(fn, err) < 0)
        goto out;
    int found =
        pl_store_obj_get(st, fn->account, fn->region, PL_KIND_FUNCTION, fn->name, &a, &old, err);
    if (found < 0)
        goto out;
    struct pl_fn prev;
    if (found && pl_fn_from_json(&a, old.json, old.len, &prev, NULL) == 0 && prev.created_ms)
        keep.created_ms = prev.created_ms;
    else if (!keep.created_ms)
        keep.created_ms = pl_now_ms();
    char rev[17];
    pl_random_hex(8, rev);
    keep.revision = rev;
    const char *json = pl_fn_to_json(&a, &keep);
    rc = pl_store_obj_put(st, fn->account, fn->region, PL_KIND_FUNCTION, fn->name, json,
                          strlen(json), err);
out:
    pl_arena_fini(&a);
    return rc;
}

int pl_fn_get(struct pl_store *st, const char *account, const char *region, const char *name,
              struct pl_arena *a, struct pl_fn *out, struct pl_err *err)
{
    struct pl_obj o;
    int found = pl_store_obj_get(st, account, region, PL_KIND_FUNCTION, name, a, &o, err);
    if (found <= 0)
        return found;
    return from_obj(a, &o, out, err) < 0 ? -1 : 1;
}

int pl_fn_delete(struct pl_store *st, const char *account, const char *region, const char *name,
                 struct pl_err *err)
{
    return pl_store_obj_delete(st, account, region, PL_KIND_FUNCTION, name, err);
}

int pl_fn_list(struct pl_store *st, const char *account, const char *region, struct pl_arena *a,
               struct pl_fn **items, size_t *n, struct pl_err *err)
{
    struct pl_obj *objs;
    size_t nobj;
    if (pl_store_obj_list(st, account, region, PL_KIND_FUNCTION, NULL, 0, a, &objs, &nobj, err) < 0)
        return -1;
    *items = pl_arena_alloc(a, (nobj ? nobj : 1) * sizeof(**items));
    *n = 0;
    for (size_t i = 0; i < nobj; i++) {
        if (from_obj(a, &objs[i], &(*items)[*n], err) < 0)
            return -1;
        (*n)++;
    }
    return 0;
}

/* Splits s at ':' into at most max fields (arena copies). Returns the number of fields. */
static int split_colon(struct pl_arena *a, const char *s, const char **f, int max)
{
    int n = 0;
    while (n < max) {
        const char *c = strchr(s, ':');
        size_t len = c ? (size_t)(c - s) : strlen(s);
        f[n++] = pl_arena_strndup(a, s, len);
        if (!c)
            break;
        s = c + 1;
    }
    return n;
}

static bool all_digits(const char *s, size_t want)
{
    size_t n = strlen(s);
    if (n != want)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

int pl_fn_parse_arn(struct pl_arena *a, const char *arn, struct pl_fn_arn *out, struct pl_err *err)
{
    const char *f[9];
    int n = arn ? split_colon(a, arn, f, 9) : 0;
    memset(out, 0, sizeof(*out));
    if (n < 7 || n > 8 || strcmp(f[0], "arn") != 0 ||
        !(strcmp(f[1], "aws") == 0 || strcmp(f[1], "aws-cn") == 0 ||
          strcmp(f[1], "aws-us-gov") == 0) ||
        strcmp(f[2], "lambda") != 0 || !*f[3] || !all_digits(f[4], 12) ||
        strcmp(f[5], "function") != 0 || !valid_name(f[6]) || (n == 8 && !*f[7]))
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "The sourceIdentifier %.160s is not a valid AWS Lambda function ARN.",
                       arn ? arn : "");
    out->region = f[3];
    out->account = f[4];
    out->name = f[6];
    out->qualifier = n == 8 ? f[7] : NULL;
    return 0;
}

char *pl_fn_arn(struct pl_arena *a, const struct pl_fn *fn)
{
    return pl_arena_printf(a, "arn:aws:lambda:%s:%s:function:%s", fn->region, fn->account,
                           fn->name);
}

int pl_fn_resolve(struct pl_store *st, const char *account, const char *arn, struct pl_arena *a,
                  struct pl_fn *out, struct pl_err *err)
{
    struct pl_fn_arn p;
    if (pl_fn_parse_arn(a, arn, &p, err) < 0)
        return -1;
    if (strcmp(p.account, account) != 0)
        return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                       "The AWS Lambda function %.160s belongs to another account: a rule can "
                       "invoke only functions of its own account (%s).",
                       arn, account);
    int found = pl_fn_get(st, p.account, p.region, p.name, a, out, err);
    if (found < 0)
        return -1;
    if (found == 0)
        return pl_fail(err, PL_E_INSUFFICIENT_PERMISSIONS,
                       "The AWS Lambda function %.160s cannot be invoked. Check the specified "
                       "function ARN, and check the function's permissions.",
                       arn);
    return 0;
}
