/* model.c — validation of request bodies against the generated AWS Config model (model.h).
 *
 * The walk collects every constraint violation (AWS reports them all, "N validation errors
 * detected: …; …") but stops at the first type mismatch, which AWS reports as a
 * SerializationException. Member paths are written as AWS writes them: lowerCamelCase member
 * names joined by '.', list elements as "member.N" with N 1-based. */
#include "api/model.h"
#include "core/buf.h"
#include "core/util.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct vctx {
    struct pl_buf msgs; /* "; "-joined violations */
    int nviol;
    int type_error;
    char type_msg[200];
};

const struct pl_op_model *pl_model_op(const char *name)
{
    int lo = 0, hi = pl_model_nops - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(name, pl_model_ops[mid].name);
        if (c == 0)
            return &pl_model_ops[mid];
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return NULL;
}

static void violation(struct vctx *v, const struct pl_json *val, const char *path,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void violation(struct vctx *v, const struct pl_json *val, const char *path,
                      const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (v->nviol++)
        pl_buf_puts(&v->msgs, "; ");
    if (!val || val->type == PL_JNULL)
        pl_buf_printf(&v->msgs, "Value null at '%s' failed to satisfy constraint: %s", path, what);
    else if (val->type == PL_JSTR || val->type == PL_JNUM)
        pl_buf_printf(&v->msgs, "Value '%.80s' at '%s' failed to satisfy constraint: %s",
                      val->str, path, what);
    else
        pl_buf_printf(&v->msgs, "Value at '%s' failed to satisfy constraint: %s", path, what);
}

static void type_error(struct vctx *v, const char *path, const char *want)
{
    if (!v->type_error++)
        snprintf(v->type_msg, sizeof(v->type_msg), "Unexpected value type at '%s': expected %s",
                 path, want);
}

/* Compiled patterns, cached by shape index. */
static pcre2_code **pattern_cache;
static pthread_mutex_t pattern_lock = PTHREAD_MUTEX_INITIALIZER;

static int pattern_ok(int shape, const char *s, size_t n)
{
    const struct pl_shape *sh = &pl_model_shapes[shape];
    pthread_mutex_lock(&pattern_lock);
    if (!pattern_cache)
        pattern_cache = pl_xcalloc((size_t)pl_model_nshapes, sizeof(*pattern_cache));
    if (!pattern_cache[shape]) {
        int ec;
        PCRE2_SIZE eo;
        /* AWS patterns must match the whole value */
        char full[512];
        snprintf(full, sizeof(full), "^(?:%s)$", sh->pattern);
        pattern_cache[shape] = pcre2_compile((PCRE2_SPTR)full, PCRE2_ZERO_TERMINATED,
                                             PCRE2_UTF | PCRE2_DOTALL, &ec, &eo, NULL);
    }
    pcre2_code *re = pattern_cache[shape];
    pthread_mutex_unlock(&pattern_lock);
    if (!re)
        return 1; /* a pattern PCRE2 cannot compile is not enforced */
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int rc = pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

/* Custom (third-party) resource types are accepted wherever a ResourceType enum is expected:
 * plumb records any "Namespace::Service::Type" (a documented difference from AWS). */
static int custom_type(const struct pl_shape *sh, const char *s)
{
    return strcmp(sh->name, "ResourceType") == 0 && strstr(s, "::") != NULL;
}

static void check_string(struct vctx *v, int shape, const struct pl_json *j, const char *path)
{
    const struct pl_shape *sh = &pl_model_shapes[shape];
    if (sh->has_min && (int64_t)j->len < sh->min)
        violation(v, j, path, "Member must have length greater than or equal to %lld",
                  (long long)sh->min);
    if (sh->has_max && (int64_t)j->len > sh->max)
        violation(v, j, path, "Member must have length less than or equal to %lld",
                  (long long)sh->max);
    if (sh->nenums && !custom_type(sh, j->str)) {
        int found = 0;
        for (int i = 0; i < sh->nenums && !found; i++)
            found = strcmp(sh->enums[i], j->str) == 0;
        if (!found) {
            char set[120] = "";
            size_t used = 0;
            for (int i = 0; i < sh->nenums && used + 2 < sizeof(set); i++)
                used += (size_t)snprintf(set + used, sizeof(set) - used, "%s%s", i ? ", " : "",
                                         sh->enums[i]);
            violation(v, j, path, "Member must satisfy enum value set: [%s]", set);
        }
    }
    if (sh->pattern && !pattern_ok(shape, j->str, j->len))
        violation(v, j, path, "Member must satisfy regular expression pattern: %s", sh->pattern);
}

static void check_number(struct vctx *v, int shape, const struct pl_json *j, const char *path)
{
    const struct pl_shape *sh = &pl_model_shapes[shape];
    int64_t n;
    if (pl_json_i64(j, &n) < 0) {
        type_error(v, path, "an integer");
        return;
    }
    if (sh->has_min && n < sh->min)
        violation(v, j, path, "Member must have value greater than or equal to %lld",
                  (long long)sh->min);
    if (sh->has_max && n > sh->max)
        violation(v, j, path, "Member must have value less than or equal to %lld",
                  (long long)sh->max);
}

static void walk(struct vctx *v, int shape, const struct pl_json *j, const char *path, int depth);

static void size_limits(struct vctx *v, const struct pl_shape *sh, const struct pl_json *j,
                        const char *path)
{
    if (sh->has_min && (int64_t)j->len < sh->min)
        violation(v, j, path, "Member must have length greater than or equal to %lld",
                  (long long)sh->min);
    if (sh->has_max && (int64_t)j->len > sh->max)
        violation(v, j, path, "Member must have length less than or equal to %lld",
                  (long long)sh->max);
}

static void join_path(char *out, size_t n, const char *path, const char *member)
{
    char first = member[0] >= 'A' && member[0] <= 'Z' ? (char)(member[0] + 32) : member[0];
    snprintf(out, n, "%s%s%c%s", path, *path ? "." : "", first, member + 1);
}

static void walk_struct(struct vctx *v, const struct pl_shape *sh, const struct pl_json *j,
                        const char *path, int depth)
{
    char sub[256];
    if (j->type != PL_JOBJ) {
        type_error(v, *path ? path : "request", "a structure");
        return;
    }
    for (int i = 0; i < sh->nmembers; i++) {
        const struct pl_member *m = &sh->members[i];
        const struct pl_json *c = pl_json_get(j, m->name);
        join_path(sub, sizeof(sub), path, m->name);
        if (!c || c->type == PL_JNULL) {
            if (m->required)
                violation(v, NULL, sub, "Member must not be null");
            continue;
        }
        walk(v, m->shape, c, sub, depth + 1);
    }
}

static void walk(struct vctx *v, int shape, const struct pl_json *j, const char *path, int depth)
{
    const struct pl_shape *sh = &pl_model_shapes[shape];
    char sub[256];
    if (v->type_error || depth > 32)
        return;
    switch (sh->type) {
    case PL_SH_STRUCT:
        walk_struct(v, sh, j, path, depth);
        break;
    case PL_SH_LIST: {
        if (j->type != PL_JARR)
            return type_error(v, path, "a list");
        size_limits(v, sh, j, path);
        int i = 1;
        for (const struct pl_json *c = j->child; c; c = c->next, i++) {
            snprintf(sub, sizeof(sub), "%s.%d.member", path, i);
            if (c->type != PL_JNULL)
                walk(v, sh->elem, c, sub, depth + 1);
        }
        break;
    }
    case PL_SH_MAP:
        if (j->type != PL_JOBJ)
            return type_error(v, path, "a map");
        size_limits(v, sh, j, path);
        for (const struct pl_json *c = j->child; c; c = c->next) {
            struct pl_json key = {.type = PL_JSTR, .str = c->key, .len = c->klen};
            snprintf(sub, sizeof(sub), "%s.%.60s", path, c->key);
            check_string(v, sh->key, &key, path);
            if (c->type != PL_JNULL)
                walk(v, sh->value, c, sub, depth + 1);
        }
        break;
    case PL_SH_STRING:
    case PL_SH_BLOB:
        if (j->type != PL_JSTR)
            return type_error(v, path, "a string");
        check_string(v, shape, j, path);
        break;
    case PL_SH_INTEGER:
    case PL_SH_LONG:
        if (j->type != PL_JNUM)
            return type_error(v, path, "a number");
        check_number(v, shape, j, path);
        break;
    case PL_SH_DOUBLE:
        if (j->type != PL_JNUM)
            type_error(v, path, "a number");
        break;
    case PL_SH_BOOLEAN:
        if (j->type != PL_JBOOL)
            type_error(v, path, "a boolean");
        break;
    case PL_SH_TIMESTAMP:
        if (j->type != PL_JNUM && j->type != PL_JSTR)
            type_error(v, path, "a timestamp");
        break;
    }
}

int pl_model_validate(const struct pl_op_model *op, const struct pl_json *body, struct pl_err *err)
{
    struct vctx v = {0};
    int rc = 0;
    if (op->input < 0)
        return 0;
    pl_buf_init(&v.msgs, 4096);
    walk(&v, op->input, body, "", 0);
    if (v.type_error) {
        rc = pl_fail(err, PL_E_SERIALIZATION, "%s", v.type_msg);
    } else if (v.nviol) {
        rc = pl_fail(err, PL_E_VALIDATION, "%d validation error%s detected: %s", v.nviol,
                     v.nviol > 1 ? "s" : "", pl_buf_cstr(&v.msgs));
    }
    pl_buf_fini(&v.msgs);
    return rc;
}
