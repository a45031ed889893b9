/* yaml.c — a template's text (YAML, or JSON, which libyaml reads as YAML flow style) into a
 * tree of struct pl_tnode with line and column, through libyaml's event parser.
 *
 * Plain scalars follow the YAML 1.2 core schema (null, true/false, integers and floats, else
 * strings); quoted scalars are strings. Short-form CloudFormation tags become their long form
 * (!Ref x -> {Ref: x}, !If [...] -> {Fn::If: [...]}, !Condition c -> {Condition: c}); an unknown
 * tag is an error. Aliases are refused (CloudFormation refuses them too), so the tree is never
 * larger than the text; nesting is limited to PL_PACK_MAX_DEPTH and duplicate keys are errors.
 * Only the first document of a stream is read.
 */
#include <yaml.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "packs/packs_int.h"

static const char *const fn_tags[] = {"If",     "Equals", "Not",    "And",     "Or",
                                      "Join",   "Sub",    "Select", "Split",   "GetAtt",
                                      "Base64", "GetAZs", "FindInMap", "ImportValue", "Cidr",
                                      "Length", "ToJsonString", "Transform"};

struct rd {
    struct pl_arena *a;
    yaml_parser_t p;
    struct pl_err *err;
    int depth;
};

int pl_pack__fail(struct pl_err *err, const struct pl_tnode *t, const char *fmt, ...)
{
    char what[220];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (!t)
        return pl_fail(err, PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION, "%s", what);
    return pl_fail(err, PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION, "line %d:%d: %s", t->line,
                   t->col, what);
}

static int rd_fail(struct rd *r, const yaml_mark_t *m, const char *what)
{
    return pl_fail(r->err, PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION, "line %zu:%zu: %s",
                   m->line + 1, m->column + 1, what);
}

struct pl_tnode *pl_pack__get(const struct pl_tnode *m, const char *key)
{
    if (!m || m->kind != PL_T_MAP)
        return NULL;
    for (struct pl_tnode *c = m->child; c; c = c->next)
        if (strcmp(c->key, key) == 0)
            return c;
    return NULL;
}

static struct pl_tnode *new_node(struct rd *r, enum pl_tkind k, const yaml_mark_t *m)
{
    struct pl_tnode *t = pl_arena_alloc(r->a, sizeof *t);
    t->kind = k;
    t->line = (int)m->line + 1;
    t->col = (int)m->column + 1;
    return t;
}

static void add_child(struct pl_tnode *parent, struct pl_tnode *c)
{
    if (parent->last)
        parent->last->next = c;
    else
        parent->child = c;
    parent->last = c;
    parent->n++;
}

bool pl_pack__is_number(const char *s)
{
    const char *p = s;
    bool digits = false;
    if (*p == '-' || *p == '+')
        p++;
    while (*p >= '0' && *p <= '9')
        p++, digits = true;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            digits = true;
    if (digits && (*p == 'e' || *p == 'E')) {
        p++;
        if (*p == '-' || *p == '+')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return digits && !*p;
}

/* The type of a plain scalar (YAML 1.2 core schema). */
static void type_plain(struct pl_tnode *t)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    static const char *const trues[] = {"true", "True", "TRUE"};
    static const char *const falses[] = {"false", "False", "FALSE"};
    for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
        if (strcmp(t->str, nulls[i]) == 0)
            t->kind = PL_T_NULL;
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(t->str, trues[i]) == 0)
            t->kind = PL_T_BOOL, t->b = true, t->str = "true";
        if (strcmp(t->str, falses[i]) == 0)
            t->kind = PL_T_BOOL, t->b = false, t->str = "false";
    }
    if (t->kind == PL_T_STR && pl_pack__is_number(t->str))
        t->kind = PL_T_NUM;
}

/* Wraps v in its short-form tag's long form; NULL (err) for an unknown tag. */
static struct pl_tnode *apply_tag(struct rd *r, const char *tag, struct pl_tnode *v,
                                  const yaml_mark_t *m)
{
    const char *fn = NULL;
    char msg[160];
    if (!tag || strncmp(tag, "tag:yaml.org,2002:", 18) == 0)
        return v;
    if (strcmp(tag, "!Ref") == 0)
        fn = "Ref";
    else if (strcmp(tag, "!Condition") == 0)
        fn = "Condition";
    for (size_t i = 0; !fn && i < sizeof fn_tags / sizeof *fn_tags; i++)
        if (tag[0] == '!' && strcmp(tag + 1, fn_tags[i]) == 0)
            fn = pl_arena_printf(r->a, "Fn::%s", fn_tags[i]);
    if (!fn) {
        snprintf(msg, sizeof msg, "unknown tag '%.100s' (expected !Ref, !If, !Equals, !Sub, ...)",
                 tag);
        rd_fail(r, m, msg);
        return NULL;
    }
    struct pl_tnode *map = new_node(r, PL_T_MAP, m);
    v->key = fn;
    add_child(map, v);
    return map;
}

static int next_event(struct rd *r, yaml_event_t *ev)
{
    if (yaml_parser_parse(&r->p, ev))
        return 0;
    char msg[200];
    snprintf(msg, sizeof msg, "%s%s%.120s", r->p.problem ? r->p.problem : "syntax error",
             r->p.context ? " " : "", r->p.context ? r->p.context : "");
    return rd_fail(r, &r->p.problem_mark, msg);
}

static struct pl_tnode *node(struct rd *r, yaml_event_t *ev);

/* Reads members (map) or items (sequence) until the end event. */
static int children(struct rd *r, struct pl_tnode *t)
{
    for (;;) {
        yaml_event_t ev;
        if (next_event(r, &ev) < 0)
            return -1;
        if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        const char *key = NULL;
        if (t->kind == PL_T_MAP) {
            if (ev.type != YAML_SCALAR_EVENT) {
                rd_fail(r, &ev.start_mark, "expected a scalar key");
                yaml_event_delete(&ev);
                return -1;
            }
            key = pl_arena_strndup(r->a, (const char *)ev.data.scalar.value,
                                   ev.data.scalar.length);
            if (pl_pack__get(t, key)) {
                char msg[200];
                snprintf(msg, sizeof msg, "duplicate key '%.120s'", key);
                rd_fail(r, &ev.start_mark, msg);
                yaml_event_delete(&ev);
                return -1;
            }
            yaml_event_delete(&ev);
            if (next_event(r, &ev) < 0)
                return -1;
        }
        struct pl_tnode *c = node(r, &ev);
        yaml_event_delete(&ev);
        if (!c)
            return -1;
        c->key = key;
        add_child(t, c);
    }
}

/* One node starting at ev (which the caller deletes). */
static struct pl_tnode *node(struct rd *r, yaml_event_t *ev)
{
    struct pl_tnode *t = NULL;
    const char *tag = NULL;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        t = new_node(r, PL_T_STR, &ev->start_mark);
        t->str = pl_arena_strndup(r->a, (const char *)ev->data.scalar.value,
                                  ev->data.scalar.length);
        if (strlen(t->str) != ev->data.scalar.length)
            return rd_fail(r, &ev->start_mark, "NUL character in a scalar"), NULL;
        tag = (const char *)ev->data.scalar.tag;
        if (ev->data.scalar.plain_implicit && !tag)
            type_plain(t);
        break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (++r->depth > PL_PACK_MAX_DEPTH)
            return rd_fail(r, &ev->start_mark, "nesting deeper than 64 levels"), NULL;
        t = new_node(r, ev->type == YAML_MAPPING_START_EVENT ? PL_T_MAP : PL_T_SEQ,
                     &ev->start_mark);
        tag = (const char *)(ev->type == YAML_MAPPING_START_EVENT ? ev->data.mapping_start.tag
                                                                   : ev->data.sequence_start.tag);
        if (children(r, t) < 0)
            return NULL;
        r->depth--;
        break;
    case YAML_ALIAS_EVENT:
        return rd_fail(r, &ev->start_mark, "aliases are not supported in templates"), NULL;
    default:
        return rd_fail(r, &ev->start_mark, "expected a value"), NULL;
    }
    return apply_tag(r, tag, t, &ev->start_mark);
}

struct pl_tnode *pl_pack__read(struct pl_arena *a, const char *text, size_t len,
                               struct pl_err *err)
{
    struct rd r = {.a = a, .err = err};
    struct pl_tnode *root = NULL;
    yaml_event_t ev;
    if (!yaml_parser_initialize(&r.p))
        return pl_fail(err, PL_E_INTERNAL, "yaml parser initialisation failed"), NULL;
    yaml_parser_set_input_string(&r.p, (const unsigned char *)text, len);
    for (;;) {
        if (next_event(&r, &ev) < 0)
            goto out;
        yaml_event_type_t type = ev.type;
        if (type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (type != YAML_STREAM_START_EVENT && type != YAML_DOCUMENT_START_EVENT) {
            root = node(&r, &ev);
            yaml_event_delete(&ev);
            break;
        }
        yaml_event_delete(&ev);
    }
    if (!root && err->code == PL_E_NONE)
        pl_fail(err, PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION,
                "line 1:1: the template is empty (expected a map with Resources)");
out:
    yaml_parser_delete(&r.p);
    return err->code == PL_E_NONE ? root : NULL;
}

struct pl_json *pl_pack__to_json(struct pl_arena *a, const struct pl_tnode *t)
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
            pl_json_push(arr, pl_pack__to_json(a, c));
        return arr;
    }
    case PL_T_MAP: {
        struct pl_json *o = pl_json_new_obj(a);
        for (const struct pl_tnode *c = t->child; c; c = c->next)
            pl_json_set(a, o, c->key, pl_pack__to_json(a, c));
        return o;
    }
    }
    return pl_json_new_null(a);
}
