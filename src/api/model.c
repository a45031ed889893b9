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
#include <strings.h>

/* Neither the messages nor the member paths have a fixed cap (a request's own size bounds them:
 * each violation echoes one value of the body). The path is one buffer that grows as the walk
 * descends and is cut back as it returns. */
#define VCTX_MAX ((size_t)1 << 30)

struct vctx {
    struct pl_buf msgs; /* "; "-joined violations */
    struct pl_buf path; /* the member path of the value being walked */
    int nviol;
    int type_error;
    struct pl_buf type_msg;
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

static void violation(struct vctx *v, const struct pl_json *val, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends one "Value 'x' at 'path' failed to satisfy constraint: <fmt>" to the message, with
 * the whole value and path, as AWS writes them. */
static void violation(struct vctx *v, const struct pl_json *val, const char *fmt, ...)
{
    const char *path = pl_buf_cstr(&v->path);
    va_list ap;
    if (v->nviol++)
        pl_buf_puts(&v->msgs, "; ");
    if (!val || val->type == PL_JNULL)
        pl_buf_printf(&v->msgs, "Value null at '%s' failed to satisfy constraint: ", path);
    else if (val->type == PL_JSTR || val->type == PL_JNUM)
        pl_buf_printf(&v->msgs, "Value '%.*s' at '%s' failed to satisfy constraint: ",
                      (int)val->len, val->str, path);
    else
        pl_buf_printf(&v->msgs, "Value at '%s' failed to satisfy constraint: ", path);
    va_start(ap, fmt);
    pl_buf_vprintf(&v->msgs, fmt, ap);
    va_end(ap);
}

static void type_error(struct vctx *v, const char *want)
{
    if (!v->type_error++)
        pl_buf_printf(&v->type_msg, "Unexpected value type at '%s': expected %s",
                      v->path.len ? pl_buf_cstr(&v->path) : "request", want);
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

/* ResourceTypeString (PutResourceConfig's custom types): the model's documentation forbids the
 * organisation names amzn, amazon, alexa and custom (any case) as the part before the first
 * "::", and a type needs that "::". botocore gives no pattern; plumb enforces the rule. */
static int reserved_type(const struct pl_shape *sh, const char *s)
{
    static const char *const orgs[] = {"amzn", "amazon", "alexa", "custom"};
    const char *sep = strstr(s, "::");
    if (strcmp(sh->name, "ResourceTypeString") != 0)
        return 0;
    if (!sep || sep == s)
        return 1;
    for (size_t i = 0; i < sizeof(orgs) / sizeof(orgs[0]); i++)
        if ((size_t)(sep - s) == strlen(orgs[i]) && !strncasecmp(s, orgs[i], strlen(orgs[i])))
            return 1;
    return 0;
}

static void check_string(struct vctx *v, int shape, const struct pl_json *j)
{
    const struct pl_shape *sh = &pl_model_shapes[shape];
    if (sh->has_min && (int64_t)j->len < sh->min)
        violation(v, j, "Member must have length greater than or equal to %lld",
                  (long long)sh->min);
    if (sh->has_max && (int64_t)j->len > sh->max)
        violation(v, j, "Member must have length less than or equal to %lld",
                  (long long)sh->max);
    if (sh->nenums && !custom_type(sh, j->str)) {
        int found = 0;
        for (int i = 0; i < sh->nenums && !found; i++)
            found = strcmp(sh->enums[i], j->str) == 0;
        if (!found) {
            violation(v, j, "Member must satisfy enum value set: [");
            for (int i = 0; i < sh->nenums; i++)
                pl_buf_printf(&v->msgs, "%s%s", i ? ", " : "", sh->enums[i]);
            pl_buf_putc(&v->msgs, ']');
        }
    }
    if (reserved_type(sh, j->str))
        violation(v, j, "Member must be Organization::Service::Type with an organization "
                        "other than amzn, amazon, alexa or custom");
    if (sh->pattern && !pattern_ok(shape, j->str, j->len))
        violation(v, j, "Member must satisfy regular expression pattern: %s", sh->pattern);
}

static void check_number(struct vctx *v, int shape, const struct pl_json *j)
{
    const struct pl_shape *sh = &pl_model_shapes[shape];
    int64_t n;
    if (pl_json_i64(j, &n) < 0) {
        type_error(v, "an integer");
        return;
    }
    if (sh->has_min && n < sh->min)
        violation(v, j, "Member must have value greater than or equal to %lld",
                  (long long)sh->min);
    if (sh->has_max && n > sh->max)
        violation(v, j, "Member must have value less than or equal to %lld",
                  (long long)sh->max);
}

static void walk(struct vctx *v, int shape, const struct pl_json *j, int depth);

static void size_limits(struct vctx *v, const struct pl_shape *sh, const struct pl_json *j)
{
    if (sh->has_min && (int64_t)j->len < sh->min)
        violation(v, j, "Member must have length greater than or equal to %lld",
                  (long long)sh->min);
    if (sh->has_max && (int64_t)j->len > sh->max)
        violation(v, j, "Member must have length less than or equal to %lld",
                  (long long)sh->max);
}

/* Appends ".member" (lowerCamelCase, no dot at the top) to the path; returns the old length to
 * cut back to. */
static size_t push_member(struct vctx *v, const char *member)
{
    size_t old = v->path.len;
    char first = member[0] >= 'A' && member[0] <= 'Z' ? (char)(member[0] + 32) : member[0];
    pl_buf_printf(&v->path, "%s%c%s", old ? "." : "", first, member + 1);
    return old;
}

static void cut_path(struct vctx *v, size_t len)
{
    v->path.len = len;
    if (v->path.data)
        v->path.data[len] = '\0';
}

static void walk_struct(struct vctx *v, const struct pl_shape *sh, const struct pl_json *j,
                        int depth)
{
    if (j->type != PL_JOBJ) {
        type_error(v, "a structure");
        return;
    }
    for (int i = 0; i < sh->nmembers; i++) {
        const struct pl_member *m = &sh->members[i];
        const struct pl_json *c = pl_json_get(j, m->name);
        size_t old = push_member(v, m->name);
        if (!c || c->type == PL_JNULL) {
            if (m->required)
                violation(v, NULL, "Member must not be null");
        } else {
            walk(v, m->shape, c, depth + 1);
        }
        cut_path(v, old);
    }
}

static void walk_list(struct vctx *v, const struct pl_shape *sh, const struct pl_json *j,
                      int depth)
{
    if (j->type != PL_JARR)
        return type_error(v, "a list");
    size_limits(v, sh, j);
    int i = 1;
    for (const struct pl_json *c = j->child; c; c = c->next, i++) {
        size_t old = v->path.len;
        pl_buf_printf(&v->path, ".%d.member", i);
        if (c->type != PL_JNULL)
            walk(v, sh->elem, c, depth + 1);
        cut_path(v, old);
    }
}

static void walk_map(struct vctx *v, const struct pl_shape *sh, const struct pl_json *j,
                     int depth)
{
    if (j->type != PL_JOBJ)
        return type_error(v, "a map");
    size_limits(v, sh, j);
    for (const struct pl_json *c = j->child; c; c = c->next) {
        struct pl_json key = {.type = PL_JSTR, .str = c->key, .len = c->klen};
        size_t old = v->path.len;
        check_string(v, sh->key, &key);
        pl_buf_putc(&v->path, '.');
        pl_buf_append(&v->path, c->key, c->klen);
        if (c->type != PL_JNULL)
            walk(v, sh->value, c, depth + 1);
        cut_path(v, old);
    }
}

static void walk(struct vctx *v, int shape, const struct pl_json *j, int depth)
{
    const struct pl_shape *sh = &pl_model_shapes[shape];
    if (v->type_error || depth > 32)
        return;
    switch (sh->type) {
    case PL_SH_STRUCT:
        walk_struct(v, sh, j, depth);
        break;
    case PL_SH_LIST:
        walk_list(v, sh, j, depth);
        break;
    case PL_SH_MAP:
        walk_map(v, sh, j, depth);
        break;
    case PL_SH_STRING:
    case PL_SH_BLOB:
        if (j->type != PL_JSTR)
            return type_error(v, "a string");
        check_string(v, shape, j);
        break;
    case PL_SH_INTEGER:
    case PL_SH_LONG:
        if (j->type != PL_JNUM)
            return type_error(v, "a number");
        check_number(v, shape, j);
        break;
    case PL_SH_DOUBLE:
        if (j->type != PL_JNUM)
            type_error(v, "a number");
        break;
    case PL_SH_BOOLEAN:
        if (j->type != PL_JBOOL)
            type_error(v, "a boolean");
        break;
    case PL_SH_TIMESTAMP:
        if (j->type != PL_JNUM && j->type != PL_JSTR)
            type_error(v, "a timestamp");
        break;
    }
}

int pl_model_validate(const struct pl_op_model *op, const struct pl_json *body, struct pl_err *err)
{
    struct vctx v = {0};
    int rc = 0;
    if (op->input < 0)
        return 0;
    pl_buf_init(&v.msgs, VCTX_MAX);
    pl_buf_init(&v.path, VCTX_MAX);
    pl_buf_init(&v.type_msg, VCTX_MAX);
    walk(&v, op->input, body, 0);
    if (v.type_error) {
        rc = pl_fail(err, PL_E_SERIALIZATION, "%s", pl_buf_cstr(&v.type_msg));
    } else if (v.nviol) {
        rc = pl_fail(err, PL_E_VALIDATION, "%d validation error%s detected: %s", v.nviol,
                     v.nviol > 1 ? "s" : "", pl_buf_cstr(&v.msgs));
    }
    pl_buf_fini(&v.msgs);
    pl_buf_fini(&v.path);
    pl_buf_fini(&v.type_msg);
    return rc;
}
