/* yaml.c — YAML data and test specs into Guard values, with libyaml's event parser.
 *
 * Two scalar schemas, because cfn-guard has two YAML readers:
 *  - GUARD_LOAD_DATA (`validate` data): plain scalars are int if they parse as i64 (decimal),
 *    else float (Rust's f64 syntax, inf and nan included), else bool for exactly true/false,
 *    else null for ~ and null (any case), else string; an empty plain scalar is "".
 *    Aliases are refused, as cfn-guard 3.1.1 does (the test-spec reader accepts them).
 *  - GUARD_LOAD_SPEC (`test` specs, serde_yaml): YAML 1.2 core schema.
 * CloudFormation short-form tags become maps: !Ref x -> {"Ref": x}, !Condition c ->
 * {"Condition": c}, !GetAtt/!Sub/... -> {"Fn::GetAtt": ...}; unknown tags are dropped.
 * Anchors and aliases are resolved by sharing the anchored node (read-only afterwards).
 * Nesting is limited to GUARD_MAX_DATA_DEPTH.
 */
#include <yaml.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "guard/guard_int.h"

static const char *const cfn_tags[] = {
    "GetAtt",  "Base64", "Sub",      "GetAZs",       "ImportValue",
    "RefAll",  "Select", "Split",    "Join",         "FindInMap",
    "And",     "Equals", "Contains", "EachMemberIn", "EachMemberEquals",
    "ValueOf", "If",     "Not",      "Or",
};

struct anchor {
    char *name;
    struct guard_val *v;
};

struct yl {
    struct pl_arena *a;
    yaml_parser_t p;
    int mode;
    struct pl_err *err;
    struct anchor *anchors;
    size_t nanchors, capanchors;
    int depth;
};

static int yl_fail(struct yl *y, const yaml_mark_t *m, const char *what)
{
    return pl_fail(y->err, PL_E_SERIALIZATION, "line %zu:%zu: %s", m->line + 1, m->column + 1,
                   what);
}

static bool all_digits(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool parse_i64(const char *s, int64_t *out)
{
    const char *d = s;
    if (*d == '+' || *d == '-')
        d++;
    if (!all_digits(d, strlen(d)))
        return false;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno)
        return false;
    *out = v;
    return true;
}

/* Float text: [-+]? (digits [. digits?] | . digits) ([eE][-+]?digits)? */
static bool parse_f64(const char *s, bool allow_words, double *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (allow_words) {
        if (!strcasecmp(p, "inf") || !strcasecmp(p, "infinity") || !strcasecmp(p, "nan")) {
            *out = strtod(s, NULL);
            return true;
        }
    } else if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF")) {
        *out = (*s == '-') ? -__builtin_inf() : __builtin_inf();
        return true;
    } else if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")) {
        *out = __builtin_nan("");
        return true;
    }
    bool dig = false;
    while (*p >= '0' && *p <= '9') {
        p++;
        dig = true;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            p++;
            dig = true;
        }
    }
    if (!dig)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p)
        return false;
    *out = strtod(s, NULL);
    return true;
}

static struct guard_val *resolve_plain(struct yl *y, const char *s, size_t n)
{
    struct guard_val *v;
    int64_t i;
    double f;
    if (y->mode == GUARD_LOAD_DATA) {
        if (parse_i64(s, &i)) {
            v = guard__val_new(y->a, GV_INT);
            v->i = i;
            return v;
        }
        if (n && parse_f64(s, true, &f)) {
            v = guard__val_new(y->a, GV_FLOAT);
            v->f = f;
            return v;
        }
        if (!strcmp(s, "true") || !strcmp(s, "false")) { /* not yes/no/on/off/True */
            v = guard__val_new(y->a, GV_BOOL);
            v->b = s[0] == 't';
            return v;
        }
        if (!strcmp(s, "~") || !strcasecmp(s, "null"))
            return guard__val_new(y->a, GV_NULL);
    } else {
        if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE") || !strcmp(s, "false") ||
            !strcmp(s, "False") || !strcmp(s, "FALSE")) {
            v = guard__val_new(y->a, GV_BOOL);
            v->b = s[0] == 't' || s[0] == 'T';
            return v;
        }
        if (!n || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
            return guard__val_new(y->a, GV_NULL);
        if (parse_i64(s, &i)) {
            v = guard__val_new(y->a, GV_INT);
            v->i = i;
            return v;
        }
        if ((!strncmp(s, "0x", 2) || !strncmp(s, "0o", 2)) && n > 2) {
            char *end;
            errno = 0;
            long long ll = strtoll(s + 2, &end, s[1] == 'x' ? 16 : 8);
            if (!*end && !errno) {
                v = guard__val_new(y->a, GV_INT);
                v->i = ll;
                return v;
            }
        }
        if (parse_f64(s, false, &f)) {
            v = guard__val_new(y->a, GV_FLOAT);
            v->f = f;
            return v;
        }
    }
    v = guard__val_new(y->a, GV_STR);
    v->s = pl_arena_strndup(y->a, s, n);
    v->n = n;
    return v;
}

static void add_anchor(struct yl *y, const yaml_char_t *name, struct guard_val *v)
{
    if (!name)
        return;
    if (y->nanchors == y->capanchors) {
        y->capanchors = y->capanchors ? y->capanchors * 2 : 8;
        y->anchors = pl_xrealloc(y->anchors, y->capanchors * sizeof(*y->anchors));
    }
    y->anchors[y->nanchors].name = pl_xstrdup((const char *)name);
    y->anchors[y->nanchors++].v = v;
}

/* Wraps v according to a short-form tag. */
static struct guard_val *apply_tag(struct yl *y, const yaml_char_t *tag, struct guard_val *v)
{
    if (!tag || tag[0] != '!' || tag[1] == '!' || !tag[1])
        return v;
    const char *t = (const char *)tag + 1;
    const char *key = NULL;
    if (!strcmp(t, "Ref") || !strcmp(t, "Condition")) {
        key = t;
    } else {
        for (size_t i = 0; i < PL_ARRAY_LEN(cfn_tags); i++)
            if (!strcmp(t, cfn_tags[i]))
                key = pl_arena_printf(y->a, "Fn::%s", t);
    }
    if (!key)
        return v;
    struct guard_val *m = guard__val_new(y->a, GV_MAP);
    m->line = v->line;
    m->col = v->col;
    key = pl_arena_strdup(y->a, key);
    guard__val_push(y->a, m, key, strlen(key), v);
    return m;
}

static int next_event(struct yl *y, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&y->p, ev)) {
        const char *what = y->p.problem ? y->p.problem : "invalid YAML";
        return yl_fail(y, &y->p.problem_mark, what);
    }
    return 0;
}

/* Builds the node that starts with event ev (consumed by the caller afterwards). */
static struct guard_val *node(struct yl *y, yaml_event_t *ev)
{
    struct guard_val *v = NULL;
    const yaml_char_t *tag = NULL, *anchor = NULL;
    yaml_event_t e;
    if (++y->depth > GUARD_MAX_DATA_DEPTH) {
        yl_fail(y, &ev->start_mark, "nesting too deep");
        return NULL;
    }
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        if (y->mode == GUARD_LOAD_DATA) { /* cfn-guard's data reader refuses aliases */
            yl_fail(y, &ev->start_mark, "aliases are not supported in data files");
            return NULL;
        }
        for (size_t i = y->nanchors; i-- > 0;)
            if (!strcmp(y->anchors[i].name, (const char *)ev->data.alias.anchor)) {
                v = y->anchors[i].v;
                break;
            }
        if (!v)
            yl_fail(y, &ev->start_mark, "unknown alias");
        break;
    case YAML_SCALAR_EVENT: {
        const char *s = (const char *)ev->data.scalar.value;
        size_t n = ev->data.scalar.length;
        tag = ev->data.scalar.tag;
        anchor = ev->data.scalar.anchor;
        bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        bool force_str = tag && !strcmp((const char *)tag, "tag:yaml.org,2002:str");
        if (plain && !force_str) {
            v = resolve_plain(y, s, n);
        } else {
            v = guard__val_new(y->a, GV_STR);
            v->s = pl_arena_strndup(y->a, s, n);
            v->n = n;
        }
        break;
    }
    case YAML_SEQUENCE_START_EVENT:
        tag = ev->data.sequence_start.tag;
        anchor = ev->data.sequence_start.anchor;
        v = guard__val_new(y->a, GV_LIST);
        add_anchor(y, anchor, v);
        anchor = NULL;
        for (;;) {
            if (next_event(y, &e) < 0)
                return NULL;
            if (e.type == YAML_SEQUENCE_END_EVENT) {
                yaml_event_delete(&e);
                break;
            }
            struct guard_val *c = node(y, &e);
            yaml_event_delete(&e);
            if (!c)
                return NULL;
            if (c->parent) { /* alias: shallow copy so the parent link is right */
                struct guard_val *cp = guard__val_new(y->a, c->t);
                *cp = *c;
                c = cp;
            }
            guard__val_push(y->a, v, NULL, 0, c);
        }
        break;
    case YAML_MAPPING_START_EVENT:
        tag = ev->data.mapping_start.tag;
        anchor = ev->data.mapping_start.anchor;
        v = guard__val_new(y->a, GV_MAP);
        add_anchor(y, anchor, v);
        anchor = NULL;
        for (;;) {
            if (next_event(y, &e) < 0)
                return NULL;
            if (e.type == YAML_MAPPING_END_EVENT) {
                yaml_event_delete(&e);
                break;
            }
            const char *k;
            size_t kl;
            if (e.type == YAML_SCALAR_EVENT) {
                kl = e.data.scalar.length;
                k = pl_arena_strndup(y->a, (const char *)e.data.scalar.value, kl);
                yaml_event_delete(&e);
            } else {
                yl_fail(y, &e.start_mark, "map keys must be strings");
                yaml_event_delete(&e);
                return NULL;
            }
            if (next_event(y, &e) < 0)
                return NULL;
            struct guard_val *c = node(y, &e);
            yaml_event_delete(&e);
            if (!c)
                return NULL;
            if (c->parent) {
                struct guard_val *cp = guard__val_new(y->a, c->t);
                *cp = *c;
                c = cp;
            }
            guard__val_push(y->a, v, k, kl, c);
        }
        break;
    default:
        yl_fail(y, &ev->start_mark, "unexpected YAML event");
        return NULL;
    }
    if (v && ev->type != YAML_ALIAS_EVENT) {
        v->line = (uint32_t)ev->start_mark.line + 1;
        v->col = (uint32_t)ev->start_mark.column + 1;
        v = apply_tag(y, tag, v);
        add_anchor(y, anchor, v);
    }
    y->depth--;
    return v;
}

int guard__yaml_parse(struct pl_arena *a, const char *text, size_t len, int mode,
                      struct guard_val ***docs, size_t *ndocs, struct pl_err *err)
{
    struct yl y = {.a = a, .mode = mode, .err = err};
    yaml_event_t ev;
    size_t n = 0, cap = 0;
    struct guard_val **out = NULL;
    int rc = -1;
    if (!yaml_parser_initialize(&y.p))
        return pl_fail(err, PL_E_INTERNAL, "yaml: out of memory");
    yaml_parser_set_input_string(&y.p, (const unsigned char *)text, len);
    for (;;) {
        if (next_event(&y, &ev) < 0)
            goto out;
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_DOCUMENT_START_EVENT) {
            yaml_event_delete(&ev);
            if (next_event(&y, &ev) < 0)
                goto out;
            struct guard_val *v = NULL;
            if (ev.type != YAML_DOCUMENT_END_EVENT) {
                v = node(&y, &ev);
                yaml_event_delete(&ev);
                if (!v)
                    goto out;
                if (next_event(&y, &ev) < 0)
                    goto out;
            }
            yaml_event_delete(&ev);
            if (!v)
                v = guard__val_new(a, GV_NULL);
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 4;
                struct guard_val **o = pl_arena_alloc(a, nc * sizeof(*o));
                if (n)
                    memcpy(o, out, n * sizeof(*o));
                out = o;
                cap = nc;
            }
            out[n++] = v;
            continue;
        }
        yaml_event_delete(&ev);
    }
    if (!n) { /* an empty stream is one empty document */
        out = pl_arena_alloc(a, sizeof(*out));
        out[n++] = guard__val_new(a, GV_NULL);
    }
    *docs = out;
    *ndocs = n;
    rc = 0;
out:
    for (size_t i = 0; i < y.nanchors; i++)
        free(y.anchors[i].name);
    free(y.anchors);
    yaml_parser_delete(&y.p);
    return rc;
}
