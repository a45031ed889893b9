/* managed.c — the managed-rule registry, InputParameters validation, evaluation dispatch and
 * the helpers rule files share.
 *
 * The registry joins the generated catalogue (catalog.gen.c: every identifier of the tsv) with
 * the implementations exported by r_*.c, once (pthread_once), into a read-only array sorted by
 * identifier. After that everything is lookups in immutable data, so any thread may evaluate.
 * Invariants: rules[] is sorted like the catalogue; an implementation names a catalogue row
 * (checked at init: abort on a typo, since it is a programming error).
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/time.h"
#include "core/util.h"
#include "rules/managed/managed_int.h"

#define MAX_RULES 512
#define MAX_TYPES 2048

static struct pl_managed_rule rules[MAX_RULES];
static size_t nrules;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* ---- registry ---- */

/* Splits a comma-separated list into a NULL-terminated array (malloc'd once, never freed). */
static const char *const *split_list(const char *s, size_t *n)
{
    size_t cap = 2;
    for (const char *q = s; *q; q++)
        cap += *q == ',';
    const char **v = pl_xcalloc(cap, sizeof(*v));
    size_t k = 0;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len)
            v[k++] = pl_xstrndup(s, len);
        s += len + (e != NULL);
    }
    *n = k;
    return v;
}

static const struct pl_managed_impl *find_impl(const char *id)
{
    static const struct {
        const struct pl_managed_impl *v;
        const size_t *n;
    } files[] = {
        {pl_managed__s3, &pl_managed__s3_len},     {pl_managed__iam, &pl_managed__iam_len},
        {pl_managed__net, &pl_managed__net_len},   {pl_managed__acct, &pl_managed__acct_len},
        {pl_managed__data, &pl_managed__data_len}, {pl_managed__svc, &pl_managed__svc_len},
        {pl_managed__ops, &pl_managed__ops_len},   {pl_managed__next, &pl_managed__next_len},
        {pl_managed__last, &pl_managed__last_len},
    };
    for (size_t f = 0; f < PL_ARRAY_LEN(files); f++)
        for (size_t i = 0; i < *files[f].n; i++)
            if (strcmp(files[f].v[i].identifier, id) == 0)
                return &files[f].v[i];
    return NULL;
}

/* Optional string specs for the parameter names the packs use (not-implemented rules). */
static const struct pl_managed_pspec *loose_params(const char *names, size_t *n)
{
    const char *const *v = split_list(names, n);
    struct pl_managed_pspec *ps = pl_xcalloc(*n ? *n : 1, sizeof(*ps));
    for (size_t i = 0; i < *n; i++)
        ps[i] = (struct pl_managed_pspec){.name = v[i], .type = PL_MP_STR};
    free((void *)v); /* the names now belong to ps */
    return ps;
}

static void init_registry(void)
{
    size_t joined = 0;
    if (pl_managed__catalog_len > MAX_RULES)
        abort();
    for (size_t i = 0; i < pl_managed__catalog_len; i++) {
        const struct pl_managed_catalog *c = &pl_managed__catalog[i];
        struct pl_managed_rule *r = &rules[nrules++];
        r->identifier = c->identifier;
        r->rank = c->rank;
        r->trigger = c->trigger;
        r->impl = find_impl(c->identifier);
        r->types = split_list(r->impl && r->impl->types && strcmp(r->impl->types, "*") != 0
                                  ? r->impl->types
                                  : c->types,
                              &r->ntypes);
        r->account_level = r->impl && r->impl->acct_fn;
        if (r->impl && r->impl->trigger)
            r->trigger = r->impl->trigger; /* AWS's, where the tsv does not know it */
        if (r->impl) {
            r->params = r->impl->params;
            r->nparams = r->impl->nparams;
            joined++;
        } else {
            r->params = loose_params(c->params, &r->nparams);
        }
        if (r->nparams > PL_MANAGED_MAX_PARAMS)
            r->nparams = PL_MANAGED_MAX_PARAMS;
    }
    size_t nimpl = pl_managed__s3_len + pl_managed__iam_len + pl_managed__net_len +
                   pl_managed__acct_len + pl_managed__data_len + pl_managed__svc_len +
                   pl_managed__ops_len + pl_managed__next_len + pl_managed__last_len;
    if (joined != nimpl) {
        fprintf(stderr, "managed rules: an implementation names no catalogue identifier\n");
        abort();
    }
}

static int cmp_rule(const void *k, const void *e)
{
    return strcmp(k, ((const struct pl_managed_rule *)e)->identifier);
}

const struct pl_managed_rule *pl_managed_find(const char *identifier)
{
    pthread_once(&once, init_registry);
    if (!identifier)
        return NULL;
    return bsearch(identifier, rules, nrules, sizeof(rules[0]), cmp_rule);
}

const struct pl_managed_rule *pl_managed_all(size_t *n)
{
    pthread_once(&once, init_registry);
    *n = nrules;
    return rules;
}

bool pl_managed_implemented(const struct pl_managed_rule *r)
{
    return r && r->impl;
}

const char *pl_compliance_name(enum pl_compliance c)
{
    static const char *const names[] = {"COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE",
                                        "INSUFFICIENT_DATA"};
    return (size_t)c < PL_ARRAY_LEN(names) ? names[c] : "INSUFFICIENT_DATA";
}

/* ---- parameters ---- */

/* The entry of choices ("A|B|C") that s (n bytes) is, exactly or ignoring case (icase), with
 * its length in *len; NULL when none. */
static const char *choice_in(const char *choices, const char *s, size_t n, bool icase,
                             size_t *len)
{
    while (choices && *choices) {
        const char *e = strchr(choices, '|');
        *len = e ? (size_t)(e - choices) : strlen(choices);
        if (*len == n && (icase ? strncasecmp(choices, s, n) : strncmp(choices, s, n)) == 0)
            return choices;
        choices += *len + (e != NULL);
    }
    return NULL;
}

static bool one_of(const char *choices, const char *s, size_t n)
{
    size_t len;
    return choice_in(choices, s, n, false, &len) != NULL;
}

/* The choice s (n bytes) names, ignoring case, as the catalog spells it (arena a); NULL when
 * none. AWS's own packs write choices in other cases (`mode: Governance`) and deploy. */
static const char *choice_of(struct pl_arena *a, const char *choices, const char *s, size_t n)
{
    size_t len;
    const char *c = choice_in(choices, s, n, true, &len);
    return c ? pl_arena_strndup(a, c, len) : NULL;
}

/* Parses "443,1020-1025" into v->ranges. */
static int parse_ports(struct pl_managed_pval *v, struct pl_arena *a, const char *name,
                       struct pl_err *err)
{
    size_t cap = 1;
    for (const char *q = v->s; *q; q++)
        cap += *q == ',';
    v->ranges = pl_arena_alloc(a, cap * sizeof(*v->ranges));
    const char *s = v->s;
    while (*s) {
        char *end;
        long long lo = strtoll(s, &end, 10), hi = lo;
        if (end == s)
            goto bad;
        if (*end == '-') {
            const char *h = end + 1;
            hi = strtoll(h, &end, 10);
            if (end == h)
                goto bad;
        }
        while (*end == ' ')
            end++;
        if ((*end && *end != ',') || lo < 0 || hi > 65535 || lo > hi)
            goto bad;
        v->ranges[v->nranges][0] = lo;
        v->ranges[v->nranges++][1] = hi;
        s = *end ? end + 1 : end;
        while (*s == ' ')
            s++;
    }
    return 0;
bad:
    return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                   "Invalid value for parameter %s: '%s' is not a comma-separated list of "
                   "ports or port ranges (0-65535)",
                   name, v->s);
}

static int parse_list(struct pl_managed_pval *v, const struct pl_managed_pspec *ps,
                      struct pl_arena *a, struct pl_err *err)
{
    size_t cap = 1;
    for (const char *q = v->s; *q; q++)
        cap += *q == ',';
    v->items = pl_arena_alloc(a, cap * sizeof(*v->items));
    const char *s = v->s;
    for (;;) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        const char *b = s, *t = s + len;
        /* blanks and stray quotes around an item: AWS's PCI DSS pack writes
         * `defensive', 'strictest'` and deploys */
        while (b < t && (*b == ' ' || *b == '\t' || *b == '\'' || *b == '"'))
            b++;
        while (t > b && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\'' || t[-1] == '"'))
            t--;
        if (t > b) {
            const char *canon = ps->choices ? choice_of(a, ps->choices, b, (size_t)(t - b)) : NULL;
            if (ps->choices && !canon)
                return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                               "Invalid value for parameter %s: '%.*s' is not one of %s", ps->name,
                               (int)(t - b), b, ps->choices);
            if (ps->refused && one_of(ps->refused, b, (size_t)(t - b)))
                return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                               "Invalid value for parameter %s: '%.*s' may not be one of %s",
                               ps->name, (int)(t - b), b, ps->refused);
            v->items[v->nitems++] = canon ? canon : pl_arena_strndup(a, b, (size_t)(t - b));
        }
        if (!e)
            break;
        s = e + 1;
    }
    return 0;
}

/* A policy document: a JSON object with a Statement (object or array), at most ps->max
 * characters when set, parsed into v->obj; anything else leaves v->obj NULL, and the rule
 * reports it when it runs, as AWS does ("Value for controlPolicy parameter must be an Amazon S3
 * bucket policy"): AWS's own PCI DSS pack deploys controlPolicy '1024'. */
static void parse_policy(struct pl_managed_pval *v, const struct pl_managed_pspec *ps,
                         struct pl_arena *a)
{
    struct pl_err jerr = {0};
    const struct pl_json *st;
    v->obj = ps->max && strlen(v->s) > (size_t)ps->max
                 ? NULL
                 : pl_json_parse(a, v->s, strlen(v->s), &jerr);
    st = v->obj && v->obj->type == PL_JOBJ ? pl_json_get(v->obj, "Statement") : NULL;
    if (!st || (st->type != PL_JOBJ && st->type != PL_JARR))
        v->obj = NULL;
}

/* Converts v->s according to ps. */
static int parse_value(struct pl_managed_pval *v, const struct pl_managed_pspec *ps,
                       struct pl_arena *a, struct pl_err *err)
{
    long long n;
    switch (ps->type) {
    case PL_MP_STR: {
        const char *canon = ps->choices ? choice_of(a, ps->choices, v->s, strlen(v->s)) : v->s;
        if (!canon)
            return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                           "Invalid value for parameter %s: '%s' is not one of %s", ps->name, v->s,
                           ps->choices);
        v->s = canon;
        return 0;
    }
    case PL_MP_INT:
        if (ps->choices && !one_of(ps->choices, v->s, strlen(v->s)))
            return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                           "Invalid value for parameter %s: '%s' is not one of %s", ps->name, v->s,
                           ps->choices);
        if (pl_parse_i64(v->s, &n) < 0 || ((ps->min || ps->max) && (n < ps->min || n > ps->max)))
            return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                           "Invalid value for parameter %s: '%s' is not an integer between "
                           "%lld and %lld",
                           ps->name, v->s, ps->min, ps->max);
        v->i = n;
        return 0;
    case PL_MP_BOOL:
        if (ps->lower_true) {
            v->b = strcmp(v->s, "true") == 0;
            return 0;
        }
        if (strcasecmp(v->s, "true") != 0 && strcasecmp(v->s, "false") != 0)
            return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                           "Invalid value for parameter %s: '%s' is not true or false", ps->name,
                           v->s);
        v->b = strcasecmp(v->s, "true") == 0;
        return 0;
    case PL_MP_LIST:
        return parse_list(v, ps, a, err);
    case PL_MP_PORTS:
        return parse_ports(v, a, ps->name, err);
    case PL_MP_NUM: {
        char *end;
        double d = strtod(v->s, &end);
        if (end == v->s || *end || d != d ||
            ((ps->min || ps->max) && (d < (double)ps->min || d > (double)ps->max)))
            return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                           "Invalid value for parameter %s: '%s' is not a number between %lld "
                           "and %lld",
                           ps->name, v->s, ps->min, ps->max);
        v->d = d;
        return 0;
    }
    case PL_MP_POLICY:
        parse_policy(v, ps, a);
        return 0;
    case PL_MP_JSON: {
        struct pl_err jerr = {0};
        v->obj = pl_json_parse(a, v->s, strlen(v->s), &jerr);
        if (!v->obj || v->obj->type != PL_JOBJ)
            return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                           "Invalid value for parameter %s: '%.100s' is not a JSON object",
                           ps->name, v->s);
        return 0;
    }
    }
    return 0;
}

static int spec_index(const struct pl_managed_rule *r, const char *key)
{
    for (size_t i = 0; i < r->nparams; i++)
        if (strcmp(r->params[i].name, key) == 0)
            return (int)i;
    return -1;
}

/* Takes a member value as text: strings as is, numbers/booleans as written. NULL otherwise. */
static const char *value_text(struct pl_arena *a, const struct pl_json *j)
{
    if (j->type == PL_JSTR)
        return j->str;
    if (j->type == PL_JNUM)
        return pl_arena_strndup(a, j->str, j->len);
    if (j->type == PL_JBOOL)
        return j->b ? "true" : "false";
    return NULL;
}

int pl_managed_params(const struct pl_managed_rule *r, const char *input_parameters_json,
                      struct pl_arena *a, struct pl_managed_params **out, struct pl_err *err)
{
    struct pl_managed_params *p = pl_arena_alloc(a, sizeof(*p));
    p->rule = r;
    const struct pl_json *doc = NULL;
    if (input_parameters_json && *input_parameters_json) {
        struct pl_err perr = {0};
        doc = pl_json_parse(a, input_parameters_json, strlen(input_parameters_json), &perr);
        if (!doc || doc->type != PL_JOBJ)
            return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                           "Invalid JSON passed in the InputParameters field");
    }
    for (const struct pl_json *m = doc ? doc->child : NULL; m; m = m->next) {
        int i = spec_index(r, m->key);
        if (i < 0) {
            if (!r->impl || r->trigger == PL_MANAGED_MANUAL)
                continue; /* plumb does not know this rule's full parameter list, or the rule
                           * is a process check, which keeps whatever the user writes */
            return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                           "Unknown parameters provided in the input parameters for the rule "
                           "%s: %s",
                           r->identifier, m->key);
        }
        const char *t = value_text(a, m);
        if (!t)
            return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                           "Invalid value for parameter %s: expected a string", m->key);
        if (!*t)
            continue; /* blank: as if absent */
        p->v[i].set = true;
        p->v[i].s = t;
    }
    for (size_t i = 0; i < r->nparams; i++) {
        const struct pl_managed_pspec *ps = &r->params[i];
        struct pl_managed_pval *v = &p->v[i];
        if (!v->set && ps->required)
            return pl_fail(err, PL_E_INVALID_PARAMETER_VALUE,
                           "The required parameter %s is missing for the rule %s", ps->name,
                           r->identifier);
        if (!v->set && ps->def) {
            v->set = true;
            v->s = ps->def;
        }
        if (v->set && parse_value(v, ps, a, err) < 0)
            return -1;
    }
    *out = p;
    return 0;
}

/* ---- helpers ---- */

/* Appends s[0..n) to the annotation being built at *pos (bounded by the buffer). */
static void put(struct pl_managed_eval *out, size_t *pos, const char *s, size_t n)
{
    size_t room = sizeof(out->annotation) - 1 - *pos;
    if (n > room)
        n = room;
    memcpy(out->annotation + *pos, s, n);
    *pos += n;
}

/* A small printf for annotations (the hot path of every NON_COMPLIANT result; vsnprintf costs
 * more than most rules): %s, %.Ns, %.*s, %d, %lld and %%. An annotation goes on the wire: when a
 * precision or the buffer cut a string, the text is mended so no character is left cut. */
int pl_managed__res(struct pl_managed_eval *out, enum pl_compliance c, const char *fmt, ...)
{
    va_list ap;
    size_t pos = 0;
    char num[24];
    bool cut = false;
    out->compliance = c;
    va_start(ap, fmt);
    for (const char *f = fmt; *f; f++) {
        const char *pct = strchr(f, '%');
        if (!pct) {
            put(out, &pos, f, strlen(f));
            break;
        }
        put(out, &pos, f, (size_t)(pct - f));
        f = pct + 1;
        size_t prec = (size_t)-1;
        if (*f == '.') {
            f++;
            if (*f == '*') {
                prec = (size_t)va_arg(ap, int);
                f++;
            } else {
                prec = strtoul(f, (char **)&f, 10);
            }
        }
        if (*f == 's') {
            const char *s = va_arg(ap, const char *);
            size_t n = s ? strnlen(s, prec) : 0;
            cut |= s && s[n];
            put(out, &pos, s, n);
        } else if (*f == 'd') {
            put(out, &pos, num, (size_t)snprintf(num, sizeof(num), "%d", va_arg(ap, int)));
        } else if (f[0] == 'l' && f[1] == 'l' && f[2] == 'd') {
            put(out, &pos, num, (size_t)snprintf(num, sizeof(num), "%lld", va_arg(ap, long long)));
            f += 2;
        } else if (*f == '%') {
            put(out, &pos, "%", 1);
        } else {
            break; /* unsupported conversion: a programming error, stop here */
        }
    }
    va_end(ap);
    out->annotation[pos] = 0;
    if (cut || pos == sizeof(out->annotation) - 1)
        pl_utf8_fix_cut(out->annotation, pos);
    return 0;
}

int pl_managed__na(struct pl_managed_eval *out)
{
    out->compliance = PL_NOT_APPLICABLE;
    out->annotation[0] = 0;
    return 0;
}

static char flip(char c)
{
    if (c >= 'a' && c <= 'z')
        return (char)(c - 'a' + 'A');
    if (c >= 'A' && c <= 'Z')
        return (char)(c - 'A' + 'a');
    return c;
}

/* One scan of o's members for key[0..n): the exact spelling wins over the one with its first
 * letter's case flipped. The scan stops at the first exact match: Config never writes a key
 * twice, and stopping early halves the cost of the hot path (pl_json_get takes the last of
 * duplicates, which costs a full scan every time). */
static const struct pl_json *lookup(const struct pl_json *o, const char *key, size_t n)
{
    const struct pl_json *flipped = NULL;
    if (!o || o->type != PL_JOBJ || !n)
        return NULL;
    char f = flip(key[0]);
    for (const struct pl_json *m = o->child; m; m = m->next) {
        if (m->klen != n || memcmp(m->key + 1, key + 1, n - 1) != 0)
            continue;
        if (m->key[0] == key[0])
            return m;
        if (m->key[0] == f)
            flipped = m;
    }
    return flipped;
}

const struct pl_json *pl_managed__get(const struct pl_json *o, const char *key)
{
    return lookup(o, key, strlen(key));
}

/* Walks one dotted path [s, e) with lookup per segment; a string met before the last segment
 * is JSON embedded in a string (API-form supplementaryConfiguration) and is parsed. */
static const struct pl_json *walk(const struct pl_managed__ctx *c, const struct pl_json *j,
                                  const char *s, const char *e)
{
    while (j && s < e) {
        if (j->type == PL_JSTR)
            j = pl_managed__doc(c, j);
        const char *d = memchr(s, '.', (size_t)(e - s));
        size_t n = d ? (size_t)(d - s) : (size_t)(e - s);
        if (c->v && j == c->v->ci && n == 13 && memcmp(s, "configuration", 13) == 0)
            j = c->v->cfg; /* located once by pl_managed__ci_init */
        else if (c->v && j == c->v->ci && n == 26 &&
                 memcmp(s, "supplementaryConfiguration", 26) == 0)
            j = c->v->supp;
        else
            j = lookup(j, s, n);
        s += n + (d != NULL);
    }
    return j;
}

const struct pl_json *pl_managed__path(const struct pl_managed__ctx *c, const struct pl_json *root,
                                       const char *paths)
{
    const struct pl_json *j = NULL;
    while (*paths) {
        const char *bar = strchr(paths, '|');
        const char *e = bar ? bar : paths + strlen(paths);
        j = walk(c, root, paths, e);
        if (j && j->type != PL_JNULL)
            return j;
        if (!bar)
            break;
        paths = bar + 1;
    }
    return j;
}

bool pl_managed__true(const struct pl_json *j)
{
    if (!j)
        return false;
    if (j->type == PL_JBOOL)
        return j->b;
    return j->type == PL_JSTR && strcasecmp(j->str, "true") == 0;
}

bool pl_managed__empty(const struct pl_json *j)
{
    if (!j || j->type == PL_JNULL)
        return true;
    if (j->type == PL_JSTR || j->type == PL_JARR || j->type == PL_JOBJ)
        return j->len == 0;
    return false;
}

bool pl_managed__streq(const struct pl_json *j, const char *s)
{
    if (!j || (j->type != PL_JSTR && j->type != PL_JNUM))
        return false;
    size_t n = strlen(s);
    return j->len == n && strncasecmp(j->str, s, n) == 0;
}

int pl_managed__int(const struct pl_json *j, long long *out)
{
    int64_t v;
    if (j && j->type == PL_JNUM && pl_json_i64(j, &v) == 0) {
        *out = v;
        return 0;
    }
    if (j && j->type == PL_JSTR && pl_parse_i64(j->str, out) == 0)
        return 0;
    return -1;
}

long pl_managed__version_rank(const char *s)
{
    char *end;
    long major = s ? strtol(s, &end, 10) : -1;
    if (!s || end == s || *end != '.')
        return -1;
    const char *m = end + 1;
    long minor = strtol(m, &end, 10);
    return end == m ? -1 : major * 1000 + minor;
}

int pl_managed__time(const struct pl_json *j, int64_t *ms)
{
    long long n;
    if (j && j->type == PL_JSTR && pl_time_parse(j->str, ms) == 0)
        return 0;
    if (j && j->type == PL_JNUM && pl_managed__int(j, &n) == 0) {
        *ms = n < 100000000000LL ? n * 1000 : n;
        return 0;
    }
    return -1;
}

/* Parses embedded JSON text s[0..n) into a: URL-decoded when it starts with '%' (IAM CIs),
 * unwrapped when double-encoded or an array holding one object. The object, or NULL. */
static const struct pl_json *parse_doc(struct pl_arena *a, const char *s, size_t n)
{
    if (n && s[0] == '%') { /* URL-encoded (IAM CIs) */
        char *d = pl_arena_alloc(a, n + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            int h, l;
            if (s[i] == '%' && i + 2 < n && (h = pl_hex_value(s[i + 1])) >= 0 &&
                (l = pl_hex_value(s[i + 2])) >= 0) {
                d[k++] = (char)(h * 16 + l);
                i += 2;
            } else {
                d[k++] = s[i] == '+' ? ' ' : s[i];
            }
        }
        s = d;
        n = k;
    }
    struct pl_err perr = {0};
    const struct pl_json *doc = pl_json_parse(a, s, n, &perr);
    for (int depth = 0; doc && doc->type == PL_JSTR && depth < 3; depth++) /* double-encoded */
        doc = pl_json_parse(a, doc->str, doc->len, &perr);
    if (doc && doc->type == PL_JARR)
        doc = doc->child;
    return doc && doc->type == PL_JOBJ ? doc : NULL;
}

/* ---- the embedded-document cache ----
 *
 * The same embedded text (a bucket policy, an ACL, an IAM document) is met by every rule that
 * judges its CI, and parsing it costs more than the rest of an evaluation. Each thread keeps the
 * last DOC_CACHE parses, keyed by the text itself (compared in full, so a new CI at an old
 * address cannot hit a stale entry), each in an arena of its own. An entry used during the
 * current evaluation (doc_epoch, bumped when an evaluation starts) is never evicted, so every
 * document a rule obtained stays valid until its evaluation ends; when all entries are in use,
 * or the text is large, the text is parsed into the caller's scratch arena as before. The cache
 * is freed when its thread exits. */
#define DOC_CACHE     8
#define DOC_CACHE_MAX 16384 /* longer texts are not cached */

struct doc_entry {
    bool used;
    char *text;
    size_t n;
    const struct pl_json *doc;
    uint64_t epoch;
    struct pl_arena a;
};
struct doc_cache {
    struct doc_entry e[DOC_CACHE];
    unsigned next; /* where the search for a victim starts */
};

static pthread_key_t doc_key;
static pthread_once_t doc_once = PTHREAD_ONCE_INIT;
static _Thread_local struct doc_cache *doc_tl;
static _Thread_local uint64_t doc_epoch;

static void doc_cache_free(void *p)
{
    struct doc_cache *dc = p;
    for (int i = 0; dc && i < DOC_CACHE; i++)
        if (dc->e[i].used)
            pl_arena_fini(&dc->e[i].a);
    free(dc);
}

static void doc_key_init(void)
{
    if (pthread_key_create(&doc_key, doc_cache_free) != 0)
        abort();
}

static struct doc_cache *doc_cache(void)
{
    if (!doc_tl) {
        pthread_once(&doc_once, doc_key_init);
        doc_tl = pl_xcalloc(1, sizeof(*doc_tl));
        pthread_setspecific(doc_key, doc_tl);
    }
    return doc_tl;
}

void pl_managed__doc_begin(void)
{
    doc_epoch++;
}

const struct pl_json *pl_managed__doc(const struct pl_managed__ctx *c, const struct pl_json *j)
{
    if (j && j->type == PL_JARR)
        j = j->child;
    if (!j || j->type == PL_JOBJ)
        return j;
    if (j->type != PL_JSTR || !c->scratch)
        return NULL;
    const char *s = j->str;
    size_t n = j->len;
    if (n > DOC_CACHE_MAX || doc_epoch == 0)
        return parse_doc(c->scratch, s, n);
    struct doc_cache *dc = doc_cache();
    struct doc_entry *victim = NULL;
    for (int i = 0; i < DOC_CACHE; i++) {
        struct doc_entry *e = &dc->e[i];
        if (e->used && e->n == n && memcmp(e->text, s, n) == 0) {
            e->epoch = doc_epoch;
            return e->doc;
        }
    }
    for (unsigned k = 0; k < DOC_CACHE && !victim; k++) {
        struct doc_entry *e = &dc->e[(dc->next + k) % DOC_CACHE];
        if (!e->used || e->epoch != doc_epoch) {
            victim = e;
            dc->next = (dc->next + k + 1) % DOC_CACHE;
        }
    }
    if (!victim) /* every entry holds a document of this evaluation */
        return parse_doc(c->scratch, s, n);
    if (!victim->used) {
        pl_arena_init(&victim->a);
        victim->a.block_size = 8192;
        victim->used = true;
    } else {
        pl_arena_reset_max(&victim->a, 4 * DOC_CACHE_MAX);
    }
    victim->text = pl_arena_strndup(&victim->a, s, n);
    victim->n = n;
    victim->doc = parse_doc(&victim->a, s, n);
    victim->epoch = doc_epoch;
    return victim->doc;
}

const struct pl_json *pl_managed__doc_if(const struct pl_managed__ctx *c, const struct pl_json *j,
                                         const char *needle)
{
    if (j && j->type == PL_JSTR && !strcasestr(j->str, needle))
        return NULL;
    return pl_managed__doc(c, j);
}

int pl_managed__each(const struct pl_json *j, int (*fn)(void *u, const struct pl_json *e), void *u)
{
    if (!j || j->type == PL_JNULL)
        return 0;
    if (j->type != PL_JARR)
        return fn(u, j);
    for (const struct pl_json *e = j->child; e; e = e->next) {
        int rc = fn(u, e);
        if (rc)
            return rc;
    }
    return 0;
}

bool pl_managed__in_list(const struct pl_managed_pval *v, const char *s)
{
    for (size_t i = 0; s && i < v->nitems; i++)
        if (strcmp(v->items[i], s) == 0)
            return true;
    return false;
}

const struct pl_json *pl_managed__account(const struct pl_managed__ctx *c)
{
    if (!c->env || !c->env->get || !c->env->account)
        return NULL;
    return c->env->get(c->env->u, PL_MANAGED_ACCOUNT_TYPE, c->env->account);
}

int pl_managed__need_env(const struct pl_managed__ctx *c, const char *what)
{
    if (c->env && c->env->get && c->env->each)
        return 0;
    return pl_fail(c->err, PL_E_INTERNAL, "rule %s needs %s, but no store was given",
                   c->p->rule->identifier, what);
}

/* One pass over the CI's members (the hot path: pl_json_get would scan them once per key),
 * stopping once all five are found (first wins, as in lookup). */
void pl_managed__ci_init(struct pl_managed__ci *v, const struct pl_managed__ctx *c,
                         const struct pl_json *ci)
{
    static const struct pl_json empty = {.type = PL_JOBJ};
    const struct pl_json *cfg = NULL;
    int found = 0;
    memset(v, 0, sizeof(*v));
    v->ci = ci;
#define KEY_IS(m, lit) ((m)->klen == sizeof(lit) - 1 && memcmp((m)->key, lit, sizeof(lit) - 1) == 0)
    for (const struct pl_json *m = ci ? ci->child : NULL; m; m = m->next) {
        if (KEY_IS(m, "configuration"))
            cfg = m;
        else if (KEY_IS(m, "configurationItemStatus"))
            v->status = pl_json_str(m);
        else if (KEY_IS(m, "supplementaryConfiguration"))
            v->supp = m;
        else if (KEY_IS(m, "resourceType"))
            v->type = pl_json_str(m);
        else if (KEY_IS(m, "resourceId"))
            v->id = pl_json_str(m);
        else
            continue;
        if (++found == 5)
            break;
    }
#undef KEY_IS
    if (cfg && cfg->type == PL_JSTR)
        cfg = pl_managed__doc(c, cfg);
    v->cfg = cfg && cfg->type == PL_JOBJ ? cfg : &empty;
}

int pl_managed__statements(const struct pl_json *doc, int (*fn)(void *u, const struct pl_json *st),
                           void *u)
{
    return pl_managed__each(pl_managed__get(doc, "Statement"), fn, u);
}

bool pl_managed__glob(const char *p, const char *s)
{
    const char *star = NULL, *mark = NULL;
    while (*s) {
        if (*p == '*') {
            star = p++;
            mark = s;
        } else if (*p == '?' || (*p && (*p | 32) == (*s | 32))) {
            p++;
            s++;
        } else if (star) {
            p = star + 1;
            s = ++mark;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return !*p;
}

static bool one_action(const struct pl_json *a, const char *want)
{
    return a->type == PL_JSTR && pl_managed__glob(a->str, want);
}

bool pl_managed__action_matches(const struct pl_json *actions, const char *want)
{
    if (!actions)
        return false;
    if (actions->type != PL_JARR)
        return one_action(actions, want);
    for (const struct pl_json *a = actions->child; a; a = a->next)
        if (one_action(a, want))
            return true;
    return false;
}

bool pl_managed__has_star(const struct pl_json *j, const char *also)
{
    if (j && j->type == PL_JARR) {
        for (const struct pl_json *e = j->child; e; e = e->next)
            if (pl_managed__has_star(e, also))
                return true;
        return false;
    }
    const char *s = pl_json_str(j);
    return s && (strcmp(s, "*") == 0 || (also && strcmp(s, also) == 0));
}

bool pl_managed__principal_public(const struct pl_json *principal)
{
    if (!principal)
        return false;
    if (principal->type == PL_JOBJ)
        return pl_managed__has_star(pl_json_get(principal, "AWS"), NULL);
    return pl_managed__has_star(principal, NULL);
}

struct cidr {
    int family;
    unsigned char a[16];
    int bits;
};

/* Parses "addr[/bits]" (at most 63 bytes) into c. */
static bool cidr_parse(const char *s, struct cidr *c)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    long long bits;
    if (n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    c->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
    int max = c->family == AF_INET ? 32 : 128;
    if (inet_pton(c->family, buf, c->a) != 1)
        return false;
    if (!slash)
        bits = max;
    else if (pl_parse_i64(slash + 1, &bits) < 0 || bits < 0 || bits > max)
        return false;
    c->bits = (int)bits;
    return true;
}

bool pl_managed__cidr_within(const char *inner, const char *outer)
{
    struct cidr in, out;
    if (!inner || !outer || !cidr_parse(inner, &in) || !cidr_parse(outer, &out) ||
        in.family != out.family || in.bits < out.bits)
        return false;
    int whole = out.bits / 8, rest = out.bits % 8;
    if (memcmp(in.a, out.a, (size_t)whole) != 0)
        return false;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return !rest || ((in.a[whole] ^ out.a[whole]) & mask) == 0;
}

/* ---- evaluation ---- */

static bool has_type(const struct pl_managed_rule *r, const char *type)
{
    if (r->impl->types && strcmp(r->impl->types, "*") == 0)
        return type != NULL;
    for (size_t i = 0; type && i < r->ntypes; i++)
        if (strcmp(r->types[i], type) == 0)
            return true;
    return false;
}

static bool deleted(const struct pl_managed__ci *v)
{
    const char *st = v->status;
    return st && st[0] == 'R' && pl_starts_with(st, "ResourceDeleted");
}

/* s equals want, or s is an ARN ending in "/<want>" (a KMS key ARN against a key id). */
static bool id_matches(const char *s, const char *want)
{
    if (!s)
        return false;
    size_t n = strlen(s), w = strlen(want);
    return strcmp(s, want) == 0 || (n > w && s[n - w - 1] == '/' && pl_starts_with(s, "arn:") &&
                                    strcmp(s + n - w, want) == 0);
}

/* Quantifier over the items of j (an array, or one string): any (all = false) or every item is
 * one of list parameter pv's items. An empty array has no item: any fails, all passes. */
static bool items_in(const struct pl_json *j, const struct pl_managed_pval *pv, bool all)
{
    if (!j || j->type != PL_JARR)
        return pl_managed__in_list(pv, pl_json_str(j));
    for (const struct pl_json *e = j->child; e; e = e->next)
        if (pl_managed__in_list(pv, pl_json_str(e)) != all)
            return !all;
    return all;
}

/* True when check k passes on CI v. */
static bool check_ok(const struct pl_managed__ctx *c, const struct pl_managed__check *k,
                     const struct pl_managed__ci *v)
{
    const struct pl_json *j = pl_managed__path(c, v->ci, k->path);
    const struct pl_managed_pval *pv = k->param >= 0 ? &c->p->v[k->param] : NULL;
    long long n;
    int64_t t;
    double d;
    if (k->or_absent && (!j || j->type == PL_JNULL))
        return true;
    switch (k->op) {
    case MCK_TRUE:
        return pl_managed__true(j);
    case MCK_NOT_TRUE:
        return !pl_managed__true(j);
    case MCK_EQ:
        return pl_managed__streq(j, k->arg);
    case MCK_NE:
        return !pl_managed__streq(j, k->arg);
    case MCK_PRESENT:
        return !pl_managed__empty(j);
    case MCK_ABSENT:
        return pl_managed__empty(j);
    case MCK_GT:
        return pl_managed__int(j, &n) == 0 && n > strtoll(k->arg, NULL, 10);
    case MCK_GE_PARAM:
        return pl_managed__int(j, &n) == 0 && (!pv->set || n >= pv->i);
    case MCK_LE_PARAM:
        return pl_managed__int(j, &n) == 0 && (!pv->set || n <= pv->i);
    case MCK_EQ_INT_PARAM:
        return !pv->set || (pl_json_double(j, &d) == 0 && d == (double)pv->i);
    case MCK_EQ_PARAM:
        return !pv->set || id_matches(pl_json_str(j), pv->s);
    case MCK_IN_PARAM:
        return !pv->set || pl_managed__in_list(pv, pl_json_str(j));
    case MCK_ALL_IN_PARAM:
        return !pv->set || items_in(j, pv, true);
    case MCK_ANY_IN_PARAM:
        return !pv->set || items_in(j, pv, false);
    case MCK_PREFIX:
        return pl_json_str(j) && pl_starts_with(pl_json_str(j), k->arg);
    case MCK_DAYS_LEFT:
        return pl_managed__time(j, &t) == 0 && c->env &&
               t - c->env->now_ms >= pv->i * 24LL * 3600 * 1000;
    }
    return false;
}

bool pl_managed__checks(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        const struct pl_managed__check *ks, size_t n, struct pl_managed_eval *out)
{
    for (size_t i = 0; i < n; i++) {
        const struct pl_managed__check *k = &ks[i];
        if (k->type && strcmp(k->type, v->type) != 0)
            continue;
        if (!check_ok(c, k, v)) {
            out->compliance = k->applies ? PL_NOT_APPLICABLE : PL_NON_COMPLIANT;
            pl_strlcpy(out->annotation, k->why ? k->why : "", sizeof(out->annotation));
            return false;
        }
    }
    out->compliance = PL_COMPLIANT;
    return true;
}

static int judge(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                 struct pl_managed_eval *out)
{
    const struct pl_managed_impl *im = c->p->rule->impl;
    if (!pl_managed__checks(c, v, im->checks, im->nchecks, out))
        return 0;
    return im->ci_fn ? im->ci_fn(c, v, out) : 0;
}

/* 0 when plumb can run rule r, else -1 with err saying why not (not implemented, or a manual
 * process check). */
static int runnable(const struct pl_managed_rule *r, struct pl_err *err)
{
    if (!r->impl)
        return pl_fail(err, PL_E_INTERNAL, "plumb does not implement the managed rule %s yet",
                       r->identifier);
    if (r->trigger == PL_MANAGED_MANUAL)
        return pl_fail(err, PL_E_INTERNAL,
                       "%s is a manual process check: its results come from "
                       "PutExternalEvaluation",
                       r->identifier);
    return 0;
}

int pl_managed_evaluate(const struct pl_managed_params *p, const struct pl_json *ci,
                        const struct pl_managed_env *env, struct pl_arena *scratch,
                        struct pl_managed_eval *out, struct pl_err *err)
{
    const struct pl_managed_rule *r = p->rule;
    struct pl_managed__ctx c = {p, env, scratch, err, NULL};
    struct pl_managed__ci v;
    if (runnable(r, err) < 0)
        return -1;
    if (r->account_level)
        return pl_fail(err, PL_E_INTERNAL, "%s is an account-level periodic rule", r->identifier);
    pl_managed__doc_begin();
    pl_managed__ci_init(&v, &c, ci);
    c.v = &v;
    out->resource_type = v.type;
    out->resource_id = v.id;
    out->annotation[0] = 0;
    if (deleted(&v) || !has_type(r, v.type))
        return pl_managed__na(out);
    return judge(&c, &v, out);
}

struct all_ctx {
    const struct pl_managed_params *p;
    const struct pl_managed_env *env;
    struct pl_arena *scratch;
    pl_managed_emit_fn emit;
    void *u;
    struct pl_err *err;
};

static int all_cb(void *u, const struct pl_json *ci)
{
    struct all_ctx *a = u;
    struct pl_managed_eval ev;
    if (pl_managed_evaluate(a->p, ci, a->env, a->scratch, &ev, a->err) < 0)
        return -1;
    pl_arena_reset(a->scratch); /* our own arena: the caller's may hold the CI being walked */
    if (a->emit(a->u, &ev) != 0)
        return pl_fail(a->err, PL_E_INTERNAL, "evaluation stopped by the caller");
    return 0;
}

static int eval_account(const struct pl_managed__ctx *c, pl_managed_emit_fn emit, void *u)
{
    const struct pl_managed_env *env = c->env;
    const struct pl_json *acct = pl_managed__account(c);
    if (!acct)
        return pl_fail(c->err, PL_E_RESOURCE_NOT_DISCOVERED,
                       "%s needs the AWS::::Account configuration item of account %s, which "
                       "is not recorded",
                       c->p->rule->identifier, env && env->account ? env->account : "?");
    struct pl_managed__ci v;
    pl_managed__doc_begin();
    struct pl_managed_eval ev = {.resource_type = PL_MANAGED_ACCOUNT_TYPE,
                                 .resource_id = env->account};
    pl_managed__ci_init(&v, c, acct);
    if (deleted(&v))
        pl_managed__na(&ev);
    else if (c->p->rule->impl->acct_fn(c, &v, &ev) < 0)
        return -1;
    if (emit(u, &ev) != 0)
        return pl_fail(c->err, PL_E_INTERNAL, "evaluation stopped by the caller");
    return 0;
}

int pl_managed_evaluate_all(const struct pl_managed_params *p, const struct pl_managed_env *env,
                            struct pl_arena *scratch, pl_managed_emit_fn emit, void *u,
                            struct pl_err *err)
{
    const struct pl_managed_rule *r = p->rule;
    struct pl_managed__ctx c = {p, env, scratch, err, NULL};
    if (runnable(r, err) < 0)
        return -1;
    if (r->account_level)
        return eval_account(&c, emit, u);
    if (pl_managed__need_env(&c, "the recorded resources") < 0)
        return -1;
    struct pl_arena own; /* per-CI temporaries, reset after each CI */
    struct all_ctx a = {p, env, &own, emit, u, err};
    int rc = 0;
    pl_arena_init(&own);
    for (size_t i = 0; i < r->ntypes && rc == 0; i++)
        if (env->each(env->u, r->types[i], all_cb, &a) != 0)
            rc = pl_fail(err, PL_E_INTERNAL, "evaluation of %s failed", r->identifier);
    pl_arena_fini(&own);
    return rc;
}
