/* xml.c — AWS's XML answers (S3's REST-XML, the EC2 and query protocols) as JSON trees, parsed
 * with libxml2 (no network, no entity expansion, no DTD loading). The tree mirrors the elements
 * (aws.h says how), and the shaping helpers the collectors share (pl_aws_list, pl_aws_typed,
 * pl_aws_shaped, pl_aws_tag_map); the collectors rename and type what they keep. Depth is bounded
 * before recursing. Calls nothing else in aws/.
 */
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "recorder/sources/aws/aws.h"

static bool is_elem(const xmlNode *n)
{
    return n->type == XML_ELEMENT_NODE;
}

/* every element child is <item> or <member>, and there is at least one child element or the
 * element is named like a list (…Set) */
static bool is_list(const xmlNode *n)
{
    int elems = 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (!is_elem(c))
            continue;
        if (strcmp((const char *)c->name, "item") != 0 &&
            strcmp((const char *)c->name, "member") != 0)
            return false;
        elems++;
    }
    if (elems)
        return true;
    size_t l = strlen((const char *)n->name);
    return l > 3 && strcmp((const char *)n->name + l - 3, "Set") == 0;
}

static bool has_elem_child(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (is_elem(c))
            return true;
    return false;
}

static struct pl_json *conv(struct pl_arena *a, const xmlNode *n, int depth, struct pl_err *err);

/* obj[key] = v, or an array of the values when key repeats. Repeats are usually consecutive
 * (S3's <Bucket>s), so the last member is checked first. An array made here from repeats is
 * marked with b (cleared by the caller once the object is complete). */
static void put_member(struct pl_arena *a, struct pl_json *obj, const char *key, struct pl_json *v)
{
    struct pl_json *c = obj->last && strcmp(obj->last->key, key) == 0 ? obj->last : NULL;
    for (struct pl_json *x = obj->child; !c && x; x = x->next)
        if (strcmp(x->key, key) == 0)
            c = x;
    if (!c) {
        pl_json_set(a, obj, key, v);
        return;
    }
    if (!(c->type == PL_JARR && c->b)) {
        /* c becomes an array (same key, same place) holding its old value */
        struct pl_json *old = pl_arena_alloc(a, sizeof *old);
        *old = *c;
        old->key = NULL;
        old->klen = 0;
        old->next = NULL;
        c->type = PL_JARR;
        c->b = true;
        c->len = 0;
        c->str = NULL;
        c->child = c->last = NULL;
        pl_json_push(c, old);
    }
    pl_json_push(c, v);
}

static struct pl_json *conv(struct pl_arena *a, const xmlNode *n, int depth, struct pl_err *err)
{
    if (depth > PL_AWS_XML_DEPTH) {
        pl_fail(err, PL_E_SERIALIZATION, "XML deeper than %d elements", PL_AWS_XML_DEPTH);
        return NULL;
    }
    if (is_list(n)) {
        struct pl_json *arr = pl_json_new_arr(a);
        for (const xmlNode *c = n->children; c; c = c->next) {
            if (!is_elem(c))
                continue;
            struct pl_json *v = conv(a, c, depth + 1, err);
            if (!v)
                return NULL;
            pl_json_push(arr, v);
        }
        return arr;
    }
    if (!has_elem_child(n)) {
        xmlChar *t = xmlNodeGetContent(n);
        struct pl_json *s = pl_json_new_str(a, t ? (const char *)t : "");
        xmlFree(t);
        return s;
    }
    struct pl_json *obj = pl_json_new_obj(a);
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (!is_elem(c))
            continue;
        struct pl_json *v = conv(a, c, depth + 1, err);
        if (!v)
            return NULL;
        put_member(a, obj, (const char *)c->name, v);
    }
    /* the repeat marks are internal: clear them */
    for (struct pl_json *c = obj->child; c; c = c->next)
        if (c->type == PL_JARR)
            c->b = false;
    return obj;
}

static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

struct pl_json *pl_aws_xml_to_json(struct pl_arena *a, const char *xml, size_t len,
                                   const char **root_name, struct pl_err *err)
{
    if (len > PL_AWS_MAX_XML || len > 0x7fffffff) {
        pl_fail(err, PL_E_SERIALIZATION, "XML answer over %u bytes", PL_AWS_MAX_XML);
        return NULL;
    }
    xmlSetGenericErrorFunc(NULL, quiet);
    xmlDoc *doc = xmlReadMemory(xml, (int)len, "answer.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    struct pl_json *out = NULL;
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        pl_fail(err, PL_E_SERIALIZATION, "the answer is not XML");
        goto out;
    }
    if (doc->intSubset || doc->extSubset) {
        /* AWS never sends a DTD; refusing one keeps entity expansion (billion laughs) out */
        pl_fail(err, PL_E_SERIALIZATION, "the answer has a DTD");
        goto out;
    }
    if (root_name)
        *root_name = pl_arena_strdup(a, (const char *)root->name);
    out = conv(a, root, 1, err);
out:
    xmlFreeDoc(doc);
    return out;
}

struct pl_json *pl_aws_list(struct pl_arena *a, const struct pl_json *j)
{
    if (j && j->type == PL_JARR)
        return pl_json_clone(a, j); /* j stays where it is */
    struct pl_json *arr = pl_json_new_arr(a);
    if (!j || (j->type == PL_JSTR && j->len == 0))
        return arr;
    pl_json_push(arr, pl_json_clone(a, j));
    return arr;
}

/* {k: item[k] or null} for the keys, in that order */
struct pl_json *pl_aws_shaped(struct pl_arena *a, const struct pl_json *item,
                              const char *const *keys)
{
    struct pl_json *o = pl_json_new_obj(a);
    for (size_t i = 0; keys[i]; i++) {
        const struct pl_json *v = pl_json_get(item, keys[i]);
        pl_json_set(a, o, keys[i], v ? pl_json_clone(a, v) : pl_json_new_null(a));
    }
    return o;
}

/* EC2's [{key, value}] → {key: value} */
struct pl_json *pl_aws_tag_map(struct pl_arena *a, const struct pl_json *tags)
{
    struct pl_json *m = pl_json_new_obj(a);
    for (const struct pl_json *t = tags && tags->type == PL_JARR ? tags->child : NULL; t;
         t = t->next) {
        const char *k = pl_json_get_str(t, "key"), *v = pl_json_get_str(t, "value");
        if (k)
            pl_json_set_str(a, m, k, v ? v : "");
    }
    return m;
}

void pl_aws_rel(struct pl_arena *a, struct pl_json *rels, const char *name, const char *type,
                const char *id)
{
    if (!id || !*id)
        return;
    for (struct pl_json *r = rels->child; r; r = r->next) /* once each */
        if (strcmp(pl_json_get_str(r, "resourceId"), id) == 0 &&
            strcmp(pl_json_get_str(r, "name"), name) == 0)
            return;
    struct pl_json *o = pl_json_new_obj(a);
    pl_json_set_str(a, o, "resourceType", type);
    pl_json_set_str(a, o, "resourceId", id);
    pl_json_set_str(a, o, "name", name);
    pl_json_push(rels, o);
}

static bool numeric_key(const char *k, const char *const *numeric)
{
    for (size_t i = 0; k && numeric && numeric[i]; i++)
        if (strcmp(k, numeric[i]) == 0)
            return true;
    return false;
}

static bool integral(const char *s, size_t n)
{
    size_t i = (n && s[0] == '-') ? 1 : 0;
    if (i == n || n - i > 18 || (s[i] == '0' && n - i > 1))
        return false;
    for (; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

void pl_aws_typed(struct pl_json *j, const char *const *numeric)
{
    for (struct pl_json *c = j ? j->child : NULL; c; c = c->next) {
        if (c->type == PL_JSTR) {
            if (strcmp(c->str, "true") == 0 || strcmp(c->str, "false") == 0) {
                c->b = c->str[0] == 't';
                c->type = PL_JBOOL;
            } else if (numeric_key(c->key, numeric) && integral(c->str, c->len)) {
                c->type = PL_JNUM;
            }
        } else if (c->type == PL_JARR || c->type == PL_JOBJ) {
            pl_aws_typed(c, numeric);
        }
    }
}
