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
 * Anchors and aliases are resolved by sharing the anchored node (read-only afterwards), and
 * bounded while the text is read, before anything could expand them (an alias bomb is refused
 * in the time it takes to read it, with no memory spent on it):
 *  - the nodes that aliases add (an alias counts every node of the subtree it stands for, its
 *    own aliases expanded) are at most guard__yaml_alias_budget(len): GUARD_YAML_ALIAS_PER_BYTE
 *    per input byte, at least GUARD_YAML_ALIAS_MIN, at most GUARD_YAML_ALIAS_MAX; a document
 *    without aliases never meets the budget;
 *  - an alias to a node still being read (its own anchor or an ancestor's, `&a [*a]`) is
 *    refused: documents are trees, never cycles;
 *  - nesting is limited to GUARD_MAX_DATA_DEPTH, nesting reached through aliases included.
 * Anchors are found through a hash index, so many anchors and aliases stay linear.
 */
#include <yaml.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/util.h"
#include "guard/guard_int.h"

static const char *const cfn_tags[] = {
    "GetAtt",  "Base64", "Sub",      "GetAZs",       "ImportValue",
    "RefAll",  "Select", "Split",    "Join",         "FindInMap",
    "And",     "Equals", "Contains", "EachMemberIn", "EachMemberEquals",
    "ValueOf", "If",     "Not",      "Or",
};

/* The size of a node once its aliases are expanded. */
struct extent {
    size_t nodes; /* nodes of the subtree (saturating) */
    int height;   /* levels of YAML nesting, the node's own included */
};

struct anchor {
    char *name;
    struct guard_val *v;
    struct extent ext;
    bool open; /* v is still being read: an alias to it would make a cycle */
};

struct yl {
    struct pl_arena *a;
    yaml_parser_t p;
    int mode;
    struct pl_err *err;
    struct anchor *anchors;
    size_t nanchors, capanchors;
    size_t *index; /* open addressing over anchors: number + 1 of a name's latest anchor, 0 free */
    size_t capindex;
    size_t alias_nodes, alias_budget; /* nodes added by aliases so far, and the most allowed */
    int depth;
};

static int yl_fail(struct yl *y, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int yl_fail(struct yl *y, const yaml_mark_t *m, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return pl_fail(y->err, PL_E_SERIALIZATION, "line %zu:%zu: %s", m->line + 1, m->column + 1,
                   what);
}

static size_t sat_add(size_t a, size_t b)
{
    return a + b < a ? SIZE_MAX : a + b;
}

size_t guard__yaml_alias_budget(size_t len)
{
    size_t b = len > GUARD_YAML_ALIAS_MAX / GUARD_YAML_ALIAS_PER_BYTE
                   ? GUARD_YAML_ALIAS_MAX
                   : len * GUARD_YAML_ALIAS_PER_BYTE;
    return b < GUARD_YAML_ALIAS_MIN ? GUARD_YAML_ALIAS_MIN : b;
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

/* The index slot of name: the slot holding it, or the free slot where it belongs. */
static size_t *index_slot(struct yl *y, const char *name)
{
    size_t mask = y->capindex - 1, i = (size_t)pl_fnv1a(name, strlen(name)) & mask;
    while (y->index[i] && strcmp(y->anchors[y->index[i] - 1].name, name))
        i = (i + 1) & mask;
    return &y->index[i];
}

/* Keeps the index at most half full; rebuilt in anchor order, so the latest of a name wins. */
static void index_grow(struct yl *y)
{
    if (y->nanchors * 2 < y->capindex)
        return;
    free(y->index);
    y->capindex = y->capindex ? y->capindex * 2 : 16;
    y->index = pl_xcalloc(y->capindex, sizeof(*y->index));
    for (size_t i = 0; i < y->nanchors; i++)
        *index_slot(y, y->anchors[i].name) = i + 1;
}

/* Records anchor name (NULL: none) for v, open until anchor_close; returns its number or
 * SIZE_MAX. A later anchor of the same name hides the earlier one, as YAML says. */
static size_t add_anchor(struct yl *y, const yaml_char_t *name, struct guard_val *v)
{
    if (!name)
        return SIZE_MAX;
    if (y->nanchors == y->capanchors) {
        y->capanchors = y->capanchors ? y->capanchors * 2 : 8;
        y->anchors = pl_xrealloc(y->anchors, y->capanchors * sizeof(*y->anchors));
    }
    struct anchor *an = &y->anchors[y->nanchors++];
    *an = (struct anchor){.name = pl_xstrdup((const char *)name), .v = v, .open = true};
    index_grow(y);
    *index_slot(y, an->name) = y->nanchors;
    return y->nanchors - 1;
}

static void anchor_close(struct yl *y, size_t id, struct extent ext)
{
    if (id == SIZE_MAX)
        return;
    y->anchors[id].ext = ext;
    y->anchors[id].open = false;
}

static const struct anchor *find_anchor(struct yl *y, const char *name)
{
    if (!y->capindex)
        return NULL;
    size_t id = *index_slot(y, name);
    return id ? &y->anchors[id - 1] : NULL;
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
        return yl_fail(y, &y->p.problem_mark, "%s", what);
    }
    return 0;
}

static struct guard_val *node(struct yl *y, yaml_event_t *ev, struct extent *ext);

/* An alias: the anchored node, shared, once the bounds above allow it. */
static struct guard_val *node_alias(struct yl *y, const yaml_event_t *ev, struct extent *ext)
{
    const char *name = (const char *)ev->data.alias.anchor;
    if (y->mode == GUARD_LOAD_DATA) { /* cfn-guard's data reader refuses aliases */
        yl_fail(y, &ev->start_mark, "aliases are not supported in data files");
        return NULL;
    }
    const struct anchor *an = find_anchor(y, name);
    if (!an) {
        yl_fail(y, &ev->start_mark, "unknown alias *%.64s", name);
        return NULL;
    }
    if (an->open) {
        yl_fail(y, &ev->start_mark,
                "alias *%.64s refers to a node that contains it (recursive alias)", name);
        return NULL;
    }
    if (y->depth - 1 + an->ext.height > GUARD_MAX_DATA_DEPTH) {
        yl_fail(y, &ev->start_mark, "nesting deeper than %d through alias *%.64s",
                GUARD_MAX_DATA_DEPTH, name);
        return NULL;
    }
    if (an->ext.nodes > y->alias_budget - y->alias_nodes) {
        yl_fail(y, &ev->start_mark,
                "aliases expand to more than %zu nodes (at alias *%.64s): too many for a "
                "document of this size",
                y->alias_budget, name);
        return NULL;
    }
    y->alias_nodes += an->ext.nodes;
    *ext = an->ext;
    return an->v;
}

static struct guard_val *node_scalar(struct yl *y, const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    const yaml_char_t *tag = ev->data.scalar.tag;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    bool force_str = tag && !strcmp((const char *)tag, "tag:yaml.org,2002:str");
    if (plain && !force_str)
        return resolve_plain(y, s, n);
    struct guard_val *v = guard__val_new(y->a, GV_STR);
    v->s = pl_arena_strndup(y->a, s, n);
    v->n = n;
    return v;
}

/* Adds member c (an alias's shared node is copied shallowly so that its parent link is this
 * container's) to v, and its extent to *ext. */
static void add_member(struct yl *y, struct guard_val *v, const char *k, size_t kl,
                       struct guard_val *c, struct extent cext, struct extent *ext)
{
    if (c->parent) {
        struct guard_val *cp = guard__val_new(y->a, c->t);
        *cp = *c;
        c = cp;
    }
    guard__val_push(y->a, v, k, kl, c);
    ext->nodes = sat_add(ext->nodes, cext.nodes);
    if (cext.height + 1 > ext->height)
        ext->height = cext.height + 1;
}

/* The members of a sequence or mapping (its start event already read) up to its end event. */
static int node_members(struct yl *y, struct guard_val *v, struct extent *ext)
{
    yaml_event_t e;
    yaml_event_type_t end = v->t == GV_MAP ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    for (;;) {
        const char *k = NULL;
        size_t kl = 0;
        if (next_event(y, &e) < 0)
            return -1;
        if (e.type == end) {
            yaml_event_delete(&e);
            return 0;
        }
        if (v->t == GV_MAP) {
            if (e.type != YAML_SCALAR_EVENT) {
                yl_fail(y, &e.start_mark, "map keys must be strings");
                yaml_event_delete(&e);
                return -1;
            }
            kl = e.data.scalar.length;
            k = pl_arena_strndup(y->a, (const char *)e.data.scalar.value, kl);
            yaml_event_delete(&e);
            if (next_event(y, &e) < 0)
                return -1;
        }
        struct extent cext;
        struct guard_val *c = node(y, &e, &cext);
        yaml_event_delete(&e);
        if (!c)
            return -1;
        add_member(y, v, k, kl, c, cext, ext);
    }
}

/* Builds the node that starts with event ev (consumed by the caller afterwards) and gives its
 * extent in *ext (an anchored container's anchor names it without its short-form tag). */
static struct guard_val *node(struct yl *y, yaml_event_t *ev, struct extent *ext)
{
    struct guard_val *v = NULL;
    const yaml_char_t *tag = NULL, *anchor = NULL;
    *ext = (struct extent){.nodes = 1, .height = 1};
    if (++y->depth > GUARD_MAX_DATA_DEPTH) {
        yl_fail(y, &ev->start_mark, "nesting deeper than %d", GUARD_MAX_DATA_DEPTH);
        return NULL;
    }
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        v = node_alias(y, ev, ext);
        y->depth--;
        return v;
    case YAML_SCALAR_EVENT:
        tag = ev->data.scalar.tag;
        anchor = ev->data.scalar.anchor;
        v = node_scalar(y, ev);
        break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
        tag = seq ? ev->data.sequence_start.tag : ev->data.mapping_start.tag;
        v = guard__val_new(y->a, seq ? GV_LIST : GV_MAP);
        size_t id =
            add_anchor(y, seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor, v);
        if (node_members(y, v, ext) < 0)
            return NULL;
        anchor_close(y, id, *ext);
        break;
    }
    default:
        yl_fail(y, &ev->start_mark, "unexpected YAML event");
        return NULL;
    }
    v->line = (uint32_t)ev->start_mark.line + 1;
    v->col = (uint32_t)ev->start_mark.column + 1;
    struct guard_val *w = apply_tag(y, tag, v);
    if (w != v)
        ext->nodes++;
    anchor_close(y, add_anchor(y, anchor, w), *ext);
    y->depth--;
    return w;
}

int guard__yaml_parse(struct pl_arena *a, const char *text, size_t len, int mode,
                      struct guard_val ***docs, size_t *ndocs, struct pl_err *err)
{
    struct yl y = {.a = a, .mode = mode, .err = err, .alias_budget = guard__yaml_alias_budget(len)};
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
                struct extent ext;
                v = node(&y, &ev, &ext);
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
    free(y.index);
    yaml_parser_delete(&y.p);
    return rc;
}
