/* template.c — resolving a conformance pack template (the tree yaml.c reads) into the rules and
 * remediation configurations it declares, as CloudFormation would for these two types.
 *
 * Order: Parameters get their values (input parameters over Default, checked against Type and
 * AllowedValues), Conditions are evaluated on first use (memoised, cycles refused), then each
 * resource whose Condition holds has its Properties resolved: intrinsic functions are applied,
 * AWS::NoValue drops the key or list item it stands for. Every recursion (value resolution and
 * condition evaluation) counts against PL_PACK_MAX_DEPTH; the reader bounds the tree as well.
 */
#include <string.h>

#include "core/buf.h"
#include "packs/packs_int.h"

struct param {
    const char *name;
    const struct pl_tnode *decl;
    struct pl_json *value; /* a string, or an array of strings for list types */
};

struct cond {
    const struct pl_tnode *decl;
    int state; /* 0 not yet, 1 being evaluated, 2 done */
    bool value;
};

/* A resource's ConfigRuleName, resolved once (Ref to a resource). */
struct rname {
    int state; /* 0 not yet, 1 being resolved, 2 done */
    struct pl_json *name;
};

struct pl_pack__res {
    struct pl_arena *a;
    const struct pl_pack_env *env;
    struct pl_err *err;
    const struct pl_tnode *conditions, *resources;
    struct param *params;
    size_t nparams;
    struct cond *conds;
    struct rname *rnames; /* one per resource, in order */
    int depth;
    bool cfn; /* any template (plumb eval): what is known only at deploy time stays as written */
};

static const char *const supported =
    "Ref, Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::Join, Fn::Sub, Fn::Select, Fn::Split";

static int resolve(struct pl_pack__res *c, const struct pl_tnode *t, struct pl_json **out);
static int cond_eval(struct pl_pack__res *c, const struct pl_tnode *t, bool *out);

/* ---- values ---- */

/* The string form CloudFormation gives a scalar (lists joined by commas; arena). */
static const char *text_of(struct pl_pack__res *c, const struct pl_json *j)
{
    if (!j || j->type == PL_JNULL)
        return "";
    if (j->type == PL_JBOOL)
        return j->b ? "true" : "false";
    if (j->type == PL_JSTR)
        return pl_json_str(j);
    if (j->type == PL_JNUM)
        return pl_arena_strndup(c->a, j->str, j->len);
    if (j->type == PL_JARR) {
        struct pl_buf b;
        pl_buf_init(&b, PL_PACK_MAX_BODY * 4);
        for (const struct pl_json *e = j->child; e; e = e->next) {
            if (e != j->child)
                pl_buf_append(&b, ",", 1);
            const char *s = text_of(c, e);
            pl_buf_append(&b, s, strlen(s));
        }
        const char *s = pl_arena_strndup(c->a, b.data ? b.data : "", b.len);
        pl_buf_fini(&b);
        return s;
    }
    return pl_json_dump(c->a, j, PL_JSON_COMPACT);
}

/* Appends s[0..n) to b, or fails at t when the value would pass the buffer's cap. */
static int add(struct pl_pack__res *c, const struct pl_tnode *t, struct pl_buf *b, const char *s,
               size_t n)
{
    if (pl_buf_append(b, s, n) == 0)
        return 0;
    return pl_pack__fail(c->err, t, "a value longer than %zu characters", b->max);
}

static bool is_intrinsic(const struct pl_tnode *t)
{
    return t->kind == PL_T_MAP && t->n == 1 &&
           (strcmp(t->child->key, "Ref") == 0 || strncmp(t->child->key, "Fn::", 4) == 0);
}

static struct pl_json *scalar_json(struct pl_pack__res *c, const struct pl_tnode *t)
{
    if (t->kind == PL_T_NULL)
        return pl_json_new_null(c->a);
    if (t->kind == PL_T_BOOL)
        return pl_json_new_bool(c->a, t->b);
    if (t->kind == PL_T_NUM) {
        struct pl_err e = {0};
        struct pl_json *n = pl_json_parse(c->a, t->str, strlen(t->str), &e);
        if (n && n->type == PL_JNUM)
            return n;
    }
    return pl_json_new_str(c->a, t->str);
}

static struct param *find_param(struct pl_pack__res *c, const char *name)
{
    for (size_t i = 0; i < c->nparams; i++)
        if (strcmp(c->params[i].name, name) == 0)
            return &c->params[i];
    return NULL;
}

/* args of fn as a sequence of n items (min..max), or an error at t. */
static int need_seq(struct pl_pack__res *c, const struct pl_tnode *t, const char *fn, size_t min,
                    size_t max)
{
    if (t->kind != PL_T_SEQ || t->n < min || t->n > max) {
        if (min == max)
            return pl_pack__fail(c->err, t, "%s expects a list of %zu items", fn, min);
        return pl_pack__fail(c->err, t, "%s expects a list of %zu to %zu items", fn, min, max);
    }
    return 0;
}

static const struct pl_tnode *nth(const struct pl_tnode *t, size_t i)
{
    const struct pl_tnode *e = t->child;
    while (e && i--)
        e = e->next;
    return e;
}

/* A resolved value that must be a string (or number/bool, as text). */
static int resolve_text(struct pl_pack__res *c, const struct pl_tnode *t, const char *what,
                        const char **out)
{
    struct pl_json *j;
    if (resolve(c, t, &j) < 0)
        return -1;
    if (!j || j->type == PL_JARR || j->type == PL_JOBJ)
        return pl_pack__fail(c->err, t, "%s expects a string", what);
    *out = text_of(c, j);
    return 0;
}

static int ref_resource(struct pl_pack__res *c, const struct pl_tnode *at, const char *name,
                        struct pl_json **out)
{
    const struct pl_tnode *r = c->resources ? c->resources->child : NULL;
    size_t i = 0;
    for (; r && strcmp(r->key, name); r = r->next)
        i++;
    if (!r)
        return pl_pack__fail(c->err, at,
                             "Ref to '%.100s', which is not a parameter, pseudo parameter or "
                             "resource of the template",
                             name);
    struct rname *k = &c->rnames[i];
    const struct pl_tnode *rn = pl_pack__get(pl_pack__get(r, "Properties"), "ConfigRuleName");
    if (k->state == 1)
        return pl_pack__fail(c->err, at, "the name of resource '%.100s' refers to itself", name);
    if (k->state == 0) {
        k->state = 1;
        if (!rn)
            k->name = pl_json_new_str(c->a, name); /* a rule named after its logical id */
        else if (resolve(c, rn, &k->name) < 0)
            return -1;
        k->state = 2;
    }
    *out = k->name;
    return 0;
}

static int fn_ref(struct pl_pack__res *c, const struct pl_tnode *arg, struct pl_json **out)
{
    const struct pl_pack_env *e = c->env;
    if (arg->kind != PL_T_STR)
        return pl_pack__fail(c->err, arg, "Ref expects the name of a parameter or resource");
    const char *n = arg->str;
    const char *pseudo = NULL;
    if (strcmp(n, "AWS::NoValue") == 0) {
        *out = NULL;
        return 0;
    }
    if (strcmp(n, "AWS::Region") == 0)
        pseudo = e->region;
    else if (strcmp(n, "AWS::AccountId") == 0)
        pseudo = e->account;
    else if (strcmp(n, "AWS::Partition") == 0)
        pseudo = e->partition ? e->partition : "aws";
    else if (strcmp(n, "AWS::StackName") == 0)
        pseudo = e->stack_name ? e->stack_name : "pack";
    else if (strcmp(n, "AWS::URLSuffix") == 0)
        pseudo = "amazonaws.com";
    else if (strncmp(n, "AWS::", 5) == 0 && !c->cfn)
        return pl_pack__fail(c->err, arg, "unsupported pseudo parameter '%.100s'", n);
    if (pseudo) {
        *out = pl_json_new_str(c->a, pseudo ? pseudo : "");
        return 0;
    }
    struct param *p = find_param(c, n);
    if (p) {
        *out = p->value;
        return 0;
    }
    if (c->cfn) { /* a resource's physical id, or AWS::StackId: known once deployed */
        *out = pl_json_new_obj(c->a);
        pl_json_set_str(c->a, *out, "Ref", n);
        return 0;
    }
    return ref_resource(c, arg, n, out);
}

static int fn_if(struct pl_pack__res *c, const struct pl_tnode *arg, struct pl_json **out)
{
    bool v;
    if (need_seq(c, arg, "Fn::If", 3, 3) < 0)
        return -1;
    const struct pl_tnode *name = arg->child;
    struct pl_tnode ref = {.kind = PL_T_MAP, .n = 1, .line = name->line, .col = name->col};
    struct pl_tnode inner = *name;
    inner.key = "Condition";
    inner.next = NULL;
    ref.child = ref.last = &inner;
    if (cond_eval(c, &ref, &v) < 0)
        return -1;
    return resolve(c, nth(arg, v ? 1 : 2), out);
}

static int fn_join(struct pl_pack__res *c, const struct pl_tnode *arg, struct pl_json **out)
{
    const char *delim;
    struct pl_json *list;
    if (need_seq(c, arg, "Fn::Join", 2, 2) < 0 || resolve_text(c, arg->child, "Fn::Join", &delim) < 0 ||
        resolve(c, arg->child->next, &list) < 0)
        return -1;
    if (!list || list->type != PL_JARR)
        return pl_pack__fail(c->err, arg->child->next, "Fn::Join expects a list to join");
    struct pl_buf b;
    pl_buf_init(&b, PL_PACK_MAX_BODY * 4);
    for (const struct pl_json *e = list->child; e; e = e->next) {
        if (e->type == PL_JARR || e->type == PL_JOBJ) {
            pl_buf_fini(&b);
            return pl_pack__fail(c->err, arg->child->next, "Fn::Join expects a list of strings");
        }
        const char *s = text_of(c, e);
        if ((e != list->child && add(c, arg, &b, delim, strlen(delim)) < 0) ||
            add(c, arg, &b, s, strlen(s)) < 0) {
            pl_buf_fini(&b);
            return -1;
        }
    }
    *out = pl_json_new_strn(c->a, b.data ? b.data : "", b.len);
    pl_buf_fini(&b);
    return 0;
}

/* ${Name} in Fn::Sub: a variable of the map, a parameter, a pseudo parameter or a resource. */
static int sub_var(struct pl_pack__res *c, const struct pl_tnode *at, const struct pl_tnode *vars,
                   const char *name, const char **out)
{
    const struct pl_tnode *v = pl_pack__get(vars, name);
    struct pl_json *j;
    if (v)
        return resolve_text(c, v, "Fn::Sub variable", out);
    if (c->cfn && (strchr(name, '.') || (!find_param(c, name) && strncmp(name, "AWS::", 5)))) {
        *out = pl_arena_printf(c->a, "${%s}", name); /* known once deployed */
        return 0;
    }
    if (strchr(name, '.'))
        return pl_pack__fail(c->err, at, "Fn::Sub: '${%.100s}' needs Fn::GetAtt, which is not "
                                         "supported", name);
    struct pl_tnode ref = {.kind = PL_T_STR, .str = name, .line = at->line, .col = at->col};
    if (fn_ref(c, &ref, &j) < 0)
        return -1;
    *out = text_of(c, j);
    return 0;
}

static int fn_sub(struct pl_pack__res *c, const struct pl_tnode *arg, struct pl_json **out)
{
    const struct pl_tnode *str = arg, *vars = NULL;
    if (arg->kind == PL_T_SEQ) {
        if (need_seq(c, arg, "Fn::Sub", 2, 2) < 0)
            return -1;
        str = arg->child;
        vars = arg->child->next;
        if (vars->kind != PL_T_MAP)
            return pl_pack__fail(c->err, vars, "Fn::Sub expects a map of variables");
    }
    if (str->kind != PL_T_STR)
        return pl_pack__fail(c->err, str, "Fn::Sub expects a string");
    struct pl_buf b;
    pl_buf_init(&b, PL_PACK_MAX_BODY * 4);
    int rc = 0;
    for (const char *p = str->str; *p && rc == 0;) {
        const char *open = strstr(p, "${");
        if (!open) {
            rc = add(c, str, &b, p, strlen(p));
            break;
        }
        if (add(c, str, &b, p, (size_t)(open - p)) < 0) {
            rc = -1;
            break;
        }
        const char *close = strchr(open, '}');
        if (!close) {
            rc = pl_pack__fail(c->err, str, "Fn::Sub: '${' without '}'");
            break;
        }
        if (open[2] == '!') { /* ${!Literal} */
            rc = add(c, str, &b, "${", 2) < 0 ? -1 : add(c, str, &b, open + 3, (size_t)(close - open - 2));
        } else {
            const char *name = pl_arena_strndup(c->a, open + 2, (size_t)(close - open - 2));
            const char *val;
            rc = sub_var(c, str, vars, name, &val);
            if (rc == 0)
                rc = add(c, str, &b, val, strlen(val));
        }
        p = close + 1;
    }
    if (rc == 0)
        *out = pl_json_new_strn(c->a, b.data ? b.data : "", b.len);
    pl_buf_fini(&b);
    return rc;
}

static int fn_select(struct pl_pack__res *c, const struct pl_tnode *arg, struct pl_json **out)
{
    const char *idx;
    struct pl_json *list;
    if (need_seq(c, arg, "Fn::Select", 2, 2) < 0 ||
        resolve_text(c, arg->child, "Fn::Select", &idx) < 0 || resolve(c, arg->child->next, &list) < 0)
        return -1;
    size_t i = 0;
    for (const char *p = idx; *p; p++) {
        if (*p < '0' || *p > '9' || i > 100000)
            return pl_pack__fail(c->err, arg->child, "Fn::Select expects an index");
        i = i * 10 + (size_t)(*p - '0');
    }
    if (!*idx || !list || list->type != PL_JARR || i >= list->len)
        return pl_pack__fail(c->err, arg, "Fn::Select: index %s is outside the list", idx);
    *out = pl_json_at(list, i);
    return 0;
}

static int fn_split(struct pl_pack__res *c, const struct pl_tnode *arg, struct pl_json **out)
{
    const char *delim, *s;
    if (need_seq(c, arg, "Fn::Split", 2, 2) < 0 ||
        resolve_text(c, arg->child, "Fn::Split", &delim) < 0 ||
        resolve_text(c, arg->child->next, "Fn::Split", &s) < 0)
        return -1;
    if (!*delim)
        return pl_pack__fail(c->err, arg->child, "Fn::Split expects a non-empty delimiter");
    *out = pl_json_new_arr(c->a);
    for (;;) {
        const char *d = strstr(s, delim);
        pl_json_push(*out, pl_json_new_strn(c->a, s, d ? (size_t)(d - s) : strlen(s)));
        if (!d)
            return 0;
        s = d + strlen(delim);
    }
}

static int intrinsic(struct pl_pack__res *c, const struct pl_tnode *t, struct pl_json **out)
{
    const struct pl_tnode *arg = t->child;
    const char *fn = arg->key;
    static const struct {
        const char *name;
        int (*fn)(struct pl_pack__res *, const struct pl_tnode *, struct pl_json **);
    } fns[] = {{"Ref", fn_ref},       {"Fn::If", fn_if},         {"Fn::Join", fn_join},
               {"Fn::Sub", fn_sub},   {"Fn::Select", fn_select}, {"Fn::Split", fn_split}};
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++)
        if (strcmp(fn, fns[i].name) == 0)
            return fns[i].fn(c, arg, out);
    if (!strcmp(fn, "Fn::Equals") || !strcmp(fn, "Fn::Not") || !strcmp(fn, "Fn::And") ||
        !strcmp(fn, "Fn::Or"))
        return pl_pack__fail(c->err, t, "%s is only allowed in Conditions and Fn::If", fn);
    if (c->cfn) { /* Fn::GetAtt, Fn::ImportValue...: known once deployed */
        *out = pl_pack__to_json(c->a, t);
        return 0;
    }
    return pl_pack__fail(c->err, t, "unsupported intrinsic function '%.60s' (expected one of %s)",
                         fn, supported);
}

/* t resolved to JSON in *out (NULL: AWS::NoValue, the caller drops it). */
static int resolve(struct pl_pack__res *c, const struct pl_tnode *t, struct pl_json **out)
{
    int rc = 0;
    if (++c->depth > PL_PACK_MAX_DEPTH) {
        c->depth--;
        return pl_pack__fail(c->err, t, "intrinsic functions nested deeper than %d levels",
                             PL_PACK_MAX_DEPTH);
    }
    if (is_intrinsic(t)) {
        rc = intrinsic(c, t, out);
    } else if (t->kind == PL_T_MAP || t->kind == PL_T_SEQ) {
        *out = t->kind == PL_T_MAP ? pl_json_new_obj(c->a) : pl_json_new_arr(c->a);
        for (const struct pl_tnode *e = t->child; e && rc == 0; e = e->next) {
            struct pl_json *v;
            rc = resolve(c, e, &v);
            if (rc == 0 && v && t->kind == PL_T_MAP)
                pl_json_set(c->a, *out, e->key, v);
            else if (rc == 0 && v)
                pl_json_push(*out, v);
        }
    } else {
        *out = scalar_json(c, t);
    }
    c->depth--;
    return rc;
}

/* ---- conditions ---- */

static int cond_named(struct pl_pack__res *c, const struct pl_tnode *at, const char *name,
                      bool *out)
{
    size_t i = 0;
    const struct pl_tnode *d = c->conditions ? c->conditions->child : NULL;
    for (; d && strcmp(d->key, name); d = d->next)
        i++;
    if (!d)
        return pl_pack__fail(c->err, at, "unknown condition '%.100s'", name);
    struct cond *k = &c->conds[i];
    if (k->state == 1)
        return pl_pack__fail(c->err, at, "condition '%.100s' depends on itself", name);
    if (k->state == 0) {
        k->state = 1;
        if (cond_eval(c, d, &k->value) < 0)
            return -1;
        k->state = 2;
    }
    *out = k->value;
    return 0;
}

static int cond_equals(struct pl_pack__res *c, const struct pl_tnode *arg, bool *out)
{
    struct pl_json *x, *y;
    if (need_seq(c, arg, "Fn::Equals", 2, 2) < 0 || resolve(c, arg->child, &x) < 0 ||
        resolve(c, arg->child->next, &y) < 0)
        return -1;
    *out = strcmp(text_of(c, x), text_of(c, y)) == 0;
    return 0;
}

static int cond_fn(struct pl_pack__res *c, const struct pl_tnode *t, bool *out)
{
    const struct pl_tnode *arg = t->child;
    const char *fn = arg->key;
    bool v;
    if (strcmp(fn, "Condition") == 0) {
        if (arg->kind != PL_T_STR)
            return pl_pack__fail(c->err, arg, "Condition expects the name of a condition");
        return cond_named(c, arg, arg->str, out);
    }
    if (strcmp(fn, "Fn::Equals") == 0)
        return cond_equals(c, arg, out);
    if (strcmp(fn, "Fn::Not") == 0) {
        if (need_seq(c, arg, "Fn::Not", 1, 1) < 0 || cond_eval(c, arg->child, &v) < 0)
            return -1;
        *out = !v;
        return 0;
    }
    bool and = strcmp(fn, "Fn::And") == 0;
    if (!and && strcmp(fn, "Fn::Or") != 0)
        return pl_pack__fail(c->err, t,
                             "expected a condition (Fn::Equals, Fn::Not, Fn::And, Fn::Or, "
                             "Condition), found '%.60s'",
                             fn);
    if (need_seq(c, arg, fn, 2, 10) < 0)
        return -1;
    *out = and;
    for (const struct pl_tnode *e = arg->child; e; e = e->next) {
        if (cond_eval(c, e, &v) < 0)
            return -1;
        if (v != and)
            *out = v;
    }
    return 0;
}

/* A condition expression: a condition function, or a Condition reference. */
static int cond_eval(struct pl_pack__res *c, const struct pl_tnode *t, bool *out)
{
    if (t->kind != PL_T_MAP || t->n != 1)
        return pl_pack__fail(c->err, t, "expected a condition function (Fn::Equals, Fn::Not, "
                                        "Fn::And, Fn::Or or Condition)");
    if (++c->depth > PL_PACK_MAX_DEPTH) {
        c->depth--;
        return pl_pack__fail(c->err, t, "conditions nested deeper than %d levels",
                             PL_PACK_MAX_DEPTH);
    }
    int rc = cond_fn(c, t, out);
    c->depth--;
    return rc;
}

/* ---- parameters ---- */

static bool list_type(const char *type)
{
    return strcmp(type, "CommaDelimitedList") == 0 || strncmp(type, "List<", 5) == 0;
}

/* The value of parameter decl: the last input parameter of its name, else its Default. */
static int param_value(struct pl_pack__res *c, const struct pl_tnode *decl, const char **out)
{
    const struct pl_tnode *dflt = pl_pack__get(decl, "Default");
    *out = NULL;
    for (size_t i = 0; i < c->env->nparams; i++)
        if (strcmp(c->env->params[i].name, decl->key) == 0)
            *out = c->env->params[i].value;
    if (*out)
        return 0;
    if (!dflt)
        return pl_pack__fail(c->err, decl, "parameter '%.100s' has no Default and no %s value",
                             decl->key, c->cfn ? "--param" : "ConformancePackInputParameters");
    if (dflt->kind == PL_T_MAP)
        return pl_pack__fail(c->err, dflt, "expected a string Default");
    struct pl_json *j;
    if (resolve(c, dflt, &j) < 0)
        return -1;
    *out = text_of(c, j);
    return 0;
}

static int check_allowed(struct pl_pack__res *c, const struct pl_tnode *decl, const char *v)
{
    const struct pl_tnode *allowed = pl_pack__get(decl, "AllowedValues");
    if (!allowed)
        return 0;
    if (allowed->kind != PL_T_SEQ)
        return pl_pack__fail(c->err, allowed, "expected a list of AllowedValues");
    for (const struct pl_tnode *e = allowed->child; e; e = e->next)
        if (e->kind != PL_T_SEQ && e->kind != PL_T_MAP && strcmp(e->str ? e->str : "", v) == 0)
            return 0;
    return pl_pack__fail(c->err, decl, "parameter '%.100s' must be one of its AllowedValues, "
                                       "not '%.100s'",
                         decl->key, v);
}

static int one_param(struct pl_pack__res *c, const struct pl_tnode *decl, struct param *p)
{
    const struct pl_tnode *type = pl_pack__get(decl, "Type");
    const char *v;
    if (decl->kind != PL_T_MAP)
        return pl_pack__fail(c->err, decl, "expected a map for parameter '%.100s'", decl->key);
    if (!type || type->kind == PL_T_MAP || type->kind == PL_T_SEQ || !type->str)
        return pl_pack__fail(c->err, decl, "parameter '%.100s' needs a Type", decl->key);
    if (param_value(c, decl, &v) < 0 || check_allowed(c, decl, v) < 0)
        return -1;
    if (strcmp(type->str, "Number") == 0 && !pl_pack__is_number(v))
        return pl_pack__fail(c->err, decl, "parameter '%.100s' is a Number, not '%.100s'",
                             decl->key, v);
    p->name = decl->key;
    p->decl = decl;
    if (!list_type(type->str)) {
        p->value = pl_json_new_str(c->a, v);
        return 0;
    }
    p->value = pl_json_new_arr(c->a);
    for (const char *s = v;;) {
        const char *comma = strchr(s, ',');
        pl_json_push(p->value, pl_json_new_strn(c->a, s, comma ? (size_t)(comma - s) : strlen(s)));
        if (!comma)
            return 0;
        s = comma + 1;
    }
}

static int read_params(struct pl_pack__res *c, const struct pl_tnode *params)
{
    if (params && params->kind != PL_T_MAP)
        return pl_pack__fail(c->err, params, "expected a map of Parameters");
    c->nparams = params ? params->n : 0;
    c->params = pl_arena_alloc(c->a, (c->nparams + 1) * sizeof *c->params);
    size_t i = 0;
    for (const struct pl_tnode *d = params ? params->child : NULL; d; d = d->next)
        if (one_param(c, d, &c->params[i++]) < 0)
            return -1;
    for (size_t k = 0; k < c->env->nparams; k++)
        if (!find_param(c, c->env->params[k].name))
            return pl_pack__fail(c->err, NULL,
                                 "ConformancePackInputParameters: '%.100s' is not a parameter "
                                 "of the template",
                                 c->env->params[k].name);
    return 0;
}

/* ---- resources ---- */

#define TYPE_RULE        "AWS::Config::ConfigRule"
#define TYPE_REMEDIATION "AWS::Config::RemediationConfiguration"

/* InputParameters as the JSON string AWS stores: a map's values become strings. */
static int input_params(struct pl_pack__res *c, const struct pl_tnode *at, struct pl_json *rule,
                        struct pl_json *ip)
{
    if (ip->type == PL_JSTR)
        return 0;
    if (ip->type != PL_JOBJ)
        return pl_pack__fail(c->err, at, "expected a map of InputParameters");
    struct pl_json *m = pl_json_new_obj(c->a);
    for (const struct pl_json *v = ip->child; v; v = v->next)
        if (v->type != PL_JNULL)
            pl_json_set_str(c->a, m, pl_arena_strndup(c->a, v->key, v->klen), text_of(c, v));
    pl_json_set_str(c->a, rule, "InputParameters", pl_json_dump(c->a, m, PL_JSON_COMPACT));
    return 0;
}

/* The ConfigRule object (PutConfigRule's shape) of a rule resource; unknown keys dropped. */
static int build_rule(struct pl_pack__res *c, const struct pl_tnode *r, const struct pl_tnode *pt,
                      struct pl_json *props, struct pl_json **out)
{
    static const char *const keys[] = {"ConfigRuleName",  "Description",
                                       "Scope",           "Source",
                                       "InputParameters", "MaximumExecutionFrequency",
                                       "EvaluationModes"};
    struct pl_json *rule = pl_json_new_obj(c->a);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        struct pl_json *v = pl_json_get(props, keys[i]);
        if (v)
            pl_json_set(c->a, rule, keys[i], pl_json_clone(c->a, v)); /* set relinks v */
    }
    struct pl_json *name = pl_json_get(rule, "ConfigRuleName");
    if (!name)
        pl_json_set_str(c->a, rule, "ConfigRuleName", r->key);
    else if (name->type != PL_JSTR)
        return pl_pack__fail(c->err, pl_pack__get(pt, "ConfigRuleName"),
                             "expected a string ConfigRuleName");
    if (!pl_json_get(rule, "Source"))
        return pl_pack__fail(c->err, r, "rule '%.100s' needs a Source", r->key);
    struct pl_json *ip = pl_json_get(rule, "InputParameters");
    if (ip && input_params(c, pl_pack__get(pt, "InputParameters"), rule, ip) < 0)
        return -1;
    *out = rule;
    return 0;
}

static int depends_on(struct pl_pack__res *c, const struct pl_tnode *d,
                      struct pl_pack_resource *res)
{
    if (!d)
        return 0;
    if (d->kind != PL_T_STR && d->kind != PL_T_SEQ)
        return pl_pack__fail(c->err, d, "expected a resource name or a list of them in DependsOn");
    res->depends = pl_arena_alloc(c->a, (d->n + 1) * sizeof *res->depends);
    for (const struct pl_tnode *e = d->kind == PL_T_STR ? d : d->child; e;
         e = d->kind == PL_T_STR ? NULL : e->next) {
        if (e->kind != PL_T_STR || !pl_pack__get(c->resources, e->str))
            return pl_pack__fail(c->err, e, "DependsOn names '%.100s', which is not a resource of "
                                            "the template",
                                 e->kind == PL_T_STR ? e->str : "?");
        res->depends[res->ndepends++] = e->str;
    }
    return 0;
}

/* Resource r's Condition (*keep false when it is false) and its resolved Properties ({} when
 * absent). */
int pl_pack__res_props(struct pl_pack__res *c, const struct pl_tnode *r, bool *keep,
                       struct pl_json **props)
{
    const struct pl_tnode *cond = pl_pack__get(r, "Condition");
    const struct pl_tnode *pt = pl_pack__get(r, "Properties");
    *props = NULL;
    *keep = true;
    if (cond && cond->kind != PL_T_STR)
        return pl_pack__fail(c->err, cond, "expected the name of a condition");
    if (cond && cond_named(c, cond, cond->str, keep) < 0)
        return -1;
    if (!*keep)
        return 0;
    if (pt && pt->kind != PL_T_MAP)
        return pl_pack__fail(c->err, pt, "expected a map of Properties");
    if (pt && resolve(c, pt, props) < 0)
        return -1;
    if (!*props)
        *props = pl_json_new_obj(c->a);
    return 0;
}

/* One resource: *keep false when its Condition is false. */
static int one_resource(struct pl_pack__res *c, const struct pl_tnode *r,
                        struct pl_pack_resource *res, bool *is_rule, bool *keep)
{
    const struct pl_tnode *type = pl_pack__get(r, "Type");
    struct pl_json *props;
    *keep = true;
    if (r->kind != PL_T_MAP)
        return pl_pack__fail(c->err, r, "expected a map for resource '%.100s'", r->key);
    if (!type || type->kind != PL_T_STR)
        return pl_pack__fail(c->err, r, "resource '%.100s' needs a Type", r->key);
    *is_rule = strcmp(type->str, TYPE_RULE) == 0;
    if (!*is_rule && strcmp(type->str, TYPE_REMEDIATION) != 0)
        return pl_pack__fail(c->err, type,
                             "resource type '%.100s' is not supported (expected " TYPE_RULE
                             " or " TYPE_REMEDIATION ")",
                             type->str);
    if (depends_on(c, pl_pack__get(r, "DependsOn"), res) < 0 ||
        pl_pack__res_props(c, r, keep, &props) < 0 || !*keep)
        return *keep ? -1 : 0;
    res->logical_id = r->key;
    res->line = r->line;
    res->col = r->col;
    if (!*is_rule) {
        res->props = props;
        return 0;
    }
    return build_rule(c, r, pl_pack__get(r, "Properties"), props, &res->props);
}

static int unique_names(struct pl_pack__res *c, const struct pl_pack_template *t)
{
    for (size_t i = 0; i < t->nrules; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(pl_json_get_str(t->rules[i].props, "ConfigRuleName"),
                        pl_json_get_str(t->rules[j].props, "ConfigRuleName")))
                return pl_fail(c->err, PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION,
                               "line %d:%d: resources '%.100s' and '%.100s' declare the same "
                               "ConfigRuleName",
                               t->rules[i].line, t->rules[i].col, t->rules[j].logical_id,
                               t->rules[i].logical_id);
    return 0;
}

static int read_resources(struct pl_pack__res *c, struct pl_pack_template *out)
{
    const struct pl_tnode *rs = c->resources;
    out->rules = pl_arena_alloc(c->a, (rs->n + 1) * sizeof *out->rules);
    out->remediations = pl_arena_alloc(c->a, (rs->n + 1) * sizeof *out->remediations);
    for (const struct pl_tnode *r = rs->child; r; r = r->next) {
        struct pl_pack_resource res = {0};
        bool is_rule = false, keep;
        if (one_resource(c, r, &res, &is_rule, &keep) < 0)
            return -1;
        if (keep && is_rule)
            out->rules[out->nrules++] = res;
        else if (keep)
            out->remediations[out->nremediations++] = res;
    }
    if (out->nrules > PL_PACK_MAX_RULES)
        return pl_pack__fail(c->err, rs, "the template declares %zu rules; a conformance pack "
                                         "holds at most %d",
                             out->nrules, PL_PACK_MAX_RULES);
    return unique_names(c, out);
}

struct pl_pack__res *pl_pack__res_begin(struct pl_arena *a, const struct pl_tnode *root,
                                        const struct pl_pack_env *env, bool cfn, struct pl_err *err)
{
    struct pl_pack__res *c = pl_arena_alloc(a, sizeof *c);
    *c = (struct pl_pack__res){.a = a, .env = env, .err = err, .cfn = cfn};
    if (root->kind != PL_T_MAP)
        return pl_pack__fail(err, root,
                             "expected a map with Resources at the top of the "
                             "template"),
               NULL;
    c->conditions = pl_pack__get(root, "Conditions");
    c->resources = pl_pack__get(root, "Resources");
    if (c->conditions && c->conditions->kind != PL_T_MAP)
        return pl_pack__fail(err, c->conditions, "expected a map of Conditions"), NULL;
    if (!c->resources || c->resources->kind != PL_T_MAP || !c->resources->n)
        return pl_pack__fail(err, c->resources ? c->resources : root,
                             "expected a map of at least one resource under Resources"),
               NULL;
    c->conds = pl_arena_alloc(a, ((c->conditions ? c->conditions->n : 0) + 1) * sizeof *c->conds);
    c->rnames = pl_arena_alloc(a, (c->resources->n + 1) * sizeof *c->rnames);
    if (read_params(c, pl_pack__get(root, "Parameters")) < 0)
        return NULL;
    size_t i = 0;
    for (const struct pl_tnode *d = c->conditions ? c->conditions->child : NULL; d;
         d = d->next, i++)
        if (c->conds[i].state == 0 && cond_named(c, d, d->key, &c->conds[i].value) < 0)
            return NULL;
    return c;
}

int pl_pack_template_parse(struct pl_arena *a, const char *text, size_t len,
                           const struct pl_pack_env *env, struct pl_pack_template *out,
                           struct pl_err *err)
{
    memset(out, 0, sizeof *out);
    struct pl_tnode *root = pl_pack__read(a, text, len, err);
    struct pl_pack__res *c = root ? pl_pack__res_begin(a, root, env, false, err) : NULL;
    return c ? read_resources(c, out) : -1;
}
