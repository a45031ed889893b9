/* eval_query.c — query evaluation: each part (key, index, .*, [*], filter, keys filter, .%var)
 * maps every result to the next results; missing keys become UnResolved entries that carry the
 * value traversed to. Missing keys are retried in the case variants cfn-guard tries.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "guard/eval_int.h"


/* ---------------------------------------------------------------- queries */

/* Case variants of a key, as cfn-guard tries them when the key is missing: its converters
 * camel, class (Pascal with the last word singular), kebab, Pascal, snake, title and train
 * case, in that order. The first that finds a key is the only one tried for the rest of the
 * query (struct res.conv). */
enum { CONV_CAMEL, CONV_CLASS, CONV_KEBAB, CONV_PASCAL, CONV_SNAKE, CONV_TITLE, CONV_TRAIN, NCONV };

static void split_words(const char *k, size_t n, char words[][64], size_t *nw)
{
    size_t w = 0, len = 0;
    for (size_t i = 0; i < n && w < 16; i++) {
        char c = k[i];
        bool sep = !isalnum((unsigned char)c);
        bool up = isupper((unsigned char)c);
        bool prev_lower =
            i > 0 && (islower((unsigned char)k[i - 1]) || isdigit((unsigned char)k[i - 1]));
        bool next_lower = i + 1 < n && islower((unsigned char)k[i + 1]);
        bool prev_upper = i > 0 && isupper((unsigned char)k[i - 1]);
        if (sep || (up && (prev_lower || (prev_upper && next_lower)))) {
            if (len) {
                words[w][len] = 0;
                w++;
                len = 0;
            }
            if (sep)
                continue;
        }
        if (w < 16 && len < 63)
            words[w][len++] = c;
    }
    if (len && w < 16) {
        words[w][len] = 0;
        w++;
    }
    *nw = w;
}

static bool ends_with(const char *s, size_t n, const char *suf)
{
    size_t m = strlen(suf);
    return n >= m && !memcmp(s + n - m, suf, m);
}

/* The common endings of Inflector's to_singular (which class case applies to the last word):
 * consonant+ies -> y, x/ch/ss/sh+es -> drop es, ss stays, s -> drop s. Returns the new length. */
static size_t singular(char *w, size_t n)
{
    if (n >= 4 && ends_with(w, n, "ies") && !strchr("aeiouy", w[n - 4])) {
        w[n - 3] = 'y';
        return n - 2;
    }
    if (ends_with(w, n, "xes") || ends_with(w, n, "ches") || ends_with(w, n, "sses") ||
        ends_with(w, n, "shes"))
        return n - 2;
    if (ends_with(w, n, "ss"))
        return n;
    return ends_with(w, n, "s") ? n - 1 : n;
}

/* The key k in converter style; out holds at least 16 * 65 bytes. */
static size_t convert(int style, char words[][64], size_t nw, char *out)
{
    size_t o = 0, last = 0;
    for (size_t w = 0; w < nw; w++) {
        const char *s = words[w];
        if (w && (style == CONV_SNAKE || style == CONV_KEBAB || style == CONV_TITLE ||
                  style == CONV_TRAIN))
            out[o++] = style == CONV_SNAKE ? '_' : style == CONV_TITLE ? ' ' : '-';
        last = o;
        for (size_t i = 0; s[i]; i++) {
            char c = (char)tolower((unsigned char)s[i]);
            bool cap = i == 0 && ((style == CONV_CAMEL && w > 0) || style == CONV_CLASS ||
                                  style == CONV_PASCAL || style == CONV_TITLE ||
                                  style == CONV_TRAIN);
            out[o++] = cap ? (char)toupper((unsigned char)c) : c;
        }
    }
    if (style == CONV_CLASS)
        o = last + singular(out + last, o - last);
    out[o] = 0;
    return o;
}

/* The member of m under a case variant of k: every converter when *conv is 0 (and *conv set to
 * the one that found it), else only converter *conv - 1. */
static const struct guard_val *case_lookup(const struct guard_val *m, const char *k, size_t n,
                                           signed char *conv)
{
    char words[16][64];
    size_t nw;
    char out[1100];
    if (n > 512)
        return NULL;
    split_words(k, n, words, &nw);
    if (!nw)
        return NULL;
    for (int style = 0; style < NCONV; style++) {
        if (*conv && style != *conv - 1)
            continue;
        size_t o = convert(style, words, nw, out);
        if (o == n && !memcmp(out, k, n))
            continue;
        const struct guard_val *v = guard__map_get(m, out, o);
        if (v) {
            *conv = (signed char)(style + 1);
            return v;
        }
    }
    return NULL;
}

static bool numeric_key(const char *s, size_t n, int64_t *out)
{
    const char *p = s;
    size_t i = 0;
    if (n && *p == '-')
        i = 1;
    if (i == n)
        return false;
    for (size_t j = i; j < n; j++)
        if (!isdigit((unsigned char)s[j]))
            return false;
    char tmp[32];
    if (n >= sizeof(tmp))
        return false;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    *out = strtoll(tmp, NULL, 10);
    return true;
}

static void index_list(struct resv *out, const struct guard_val *v, int64_t idx, const char *why)
{
    uint64_t k = idx < 0 ? (uint64_t)(-(idx + 1)) + 1 : (uint64_t)idx;
    if (k < v->n)
        guard__rv_push(out, v->items[k], NULL, NULL, false);
    else
        guard__rv_push(out, NULL, v, why, false);
}

static int filter_pass(struct ev *e, struct scope *sc, const struct guard_part *p,
                       const struct guard_val *cand, bool *pass)
{
    struct scope *fs = guard__scope_new(e, sc, NULL, cand);
    struct resv bv = {0};
    enum guard_st st;
    if (p->bind) {
        guard__rv_push(&bv, cand, NULL, NULL, false);
        fs->bname = p->bind;
        fs->bval = &bv;
    }
    e->quiet++;
    int rc = guard__eval_block(e, fs, p->filter, &st);
    e->quiet--;
    guard__rv_free(&bv);
    *pass = st == GS_PASS;
    return rc;
}

static int keys_match(struct ev *e, const struct guard_part *p, struct resv *rhs, const char *k,
                      size_t kl, bool *m)
{
    struct guard_val kv = {.t = GV_STR, .s = k, .n = kl};
    bool any = false;
    for (size_t i = 0; i < rhs->n && !any; i++) {
        const struct guard_val *r = rhs->r[i].v;
        if (!r)
            continue;
        if (p->op == GOP_IN)
            any = guard__in_lit(e, &kv, r) == 1;
        else if (r->t == GV_LIST && r->n == 1)
            any = guard__cmp_eq(e, &kv, r->items[0]) == 1;
        else
            any = guard__cmp_eq(e, &kv, r) == 1;
    }
    (void)e;
    *m = (p->op == GOP_NE || p->op_not) ? !any : any;
    return 0;
}

static void part_key(struct ev *e, const struct guard_part *p, const struct res *in,
                     struct resv *out)
{
    const struct guard_val *v = in->v;
    if (v->t == GV_MAP) {
        signed char conv = in->conv;
        const struct guard_val *c = guard__map_get(v, p->s, p->sl);
        if (!c)
            c = case_lookup(v, p->s, p->sl, &conv);
        if (c) {
            guard__rv_push(out, c, NULL, NULL, false);
            out->r[out->n - 1].conv = conv;
        } else
            guard__rv_push(out, NULL, v, p->s, false);
        return;
    }
    int64_t idx;
    if (v->t == GV_LIST && numeric_key(p->s, p->sl, &idx))
        index_list(out, v, idx, p->s);
    else
        guard__rv_push(out, NULL, v, p->s, false);
}

/* The members of a list or map (why: the UnResolved key when there is none). */
static void part_members(const struct guard_val *v, const char *why, struct resv *out)
{
    if (!v->n)
        guard__rv_push(out, NULL, v, why, false);
    for (size_t j = 0; j < v->n; j++)
        guard__rv_push(out, v->items[j], NULL, NULL, false);
}

static int part_filter(struct ev *e, struct scope *sc, const struct guard_part *p,
                       enum guard_part_kind prev, const struct res *in, struct resv *out)
{
    const struct guard_val *v = in->v;
    bool iter = prev == GP_DOTSTAR || prev == GP_ALL || prev == GP_FILTER || prev == GP_BIND ||
                prev == GP_KEYS;
    bool pass;
    if (v->t == GV_LIST || (v->t == GV_MAP && !iter)) {
        for (size_t j = 0; j < v->n; j++) {
            if (filter_pass(e, sc, p, v->items[j], &pass) < 0)
                return -1;
            if (pass)
                guard__rv_push(out, v->items[j], NULL, NULL, false);
        }
    } else if (v->t == GV_MAP || iter) {
        if (filter_pass(e, sc, p, v, &pass) < 0)
            return -1;
        if (pass)
            guard__rv_push(out, v, NULL, NULL, in->lit);
    } else {
        guard__rv_push(out, NULL, v, "filter", false);
    }
    return 0;
}

static int part_keys(struct ev *e, struct scope *sc, const struct guard_part *p,
                     const struct guard_val *v, struct resv *out)
{
    if (v->t != GV_MAP) {
        guard__rv_push(out, NULL, v, "keys", false);
        return 0;
    }
    struct resv rhs = {0};
    if (guard__eval_expr(e, sc, p->rhs, &rhs) < 0) {
        guard__rv_free(&rhs);
        return -1;
    }
    for (size_t j = 0; j < v->n; j++) {
        bool m;
        keys_match(e, p, &rhs, v->keys[j], v->klens[j], &m);
        if (m)
            guard__rv_push(out, v->items[j], NULL, NULL, false);
    }
    guard__rv_free(&rhs);
    return 0;
}

/* One key of .%v: a string looked up in the map v (a list of strings: each of them); any other
 * value is an evaluation error in cfn-guard 3.1.1. */
static int varkey_one(struct ev *e, const struct guard_part *p, const struct guard_val *k,
                      const struct guard_val *v, struct resv *out)
{
    bool list = k->t == GV_LIST;
    for (size_t m = 0; m < (list ? k->n : 1); m++) {
        const struct guard_val *km = list ? k->items[m] : k;
        if (km->t != GV_STR)
            return pl_fail(e->err, PL_E_VALIDATION,
                           "Variable projections inside query .%%%s return a non-string value "
                           "%s",
                           p->s, guard__render(e, km));
        const struct guard_val *c = guard__map_get(v, km->s, km->n);
        if (c)
            guard__rv_push(out, c, NULL, NULL, false);
        else
            guard__rv_push(out, NULL, v, km->s, false);
    }
    return 0;
}

/* .%v: the members of the map v named by the values of v; UnResolved on anything but a map
 * and for each result of the variable that is UnResolved. */
static int part_varkey(struct ev *e, struct scope *sc, const struct guard_part *p,
                       const struct guard_val *v, struct resv *out)
{
    const char *why = pl_arena_printf(e->a, "%%%s", p->s);
    if (v->t != GV_MAP) {
        guard__rv_push(out, NULL, v, why, false);
        return 0;
    }
    struct resv *kv;
    if (guard__lookup_var(e, sc, p->s, &kv) < 0)
        return -1;
    for (size_t j = 0; j < kv->n; j++) {
        const struct guard_val *k = kv->r[j].v;
        if (!k)
            guard__rv_push(out, NULL, v, why, false);
        else if (varkey_one(e, p, k, v, out) < 0)
            return -1;
    }
    return 0;
}

/* Applies part pi of q to one resolved result, appending to out. */
static int apply_one(struct ev *e, struct scope *sc, const struct guard_query *q, size_t pi,
                     const struct res *in, struct resv *out)
{
    const struct guard_part *p = &q->parts[pi];
    enum guard_part_kind prev = pi > 0 ? q->parts[pi - 1].k : GP_THIS;
    const struct guard_val *v = in->v;
    bool container = v->t == GV_MAP || v->t == GV_LIST;
    switch (p->k) {
    case GP_KEY:
        part_key(e, p, in, out);
        return 0;
    case GP_INDEX: {
        const char *why = pl_arena_printf(e->a, "%lld", (long long)p->idx);
        if (v->t == GV_LIST)
            index_list(out, v, p->idx, why);
        else
            guard__rv_push(out, NULL, v, why, false);
        return 0;
    }
    case GP_DOTSTAR:
    case GP_BIND:
        if (!container)
            break;
        part_members(v, "*", out);
        return 0;
    case GP_ALL:
        if (v->t != GV_LIST || prev == GP_VAR) /* %v[*]: each result, not its elements */
            break;
        part_members(v, "[*]", out);
        return 0;
    case GP_FILTER:
        return part_filter(e, sc, p, prev, in, out);
    case GP_KEYS:
        return part_keys(e, sc, p, v, out);
    case GP_VARKEY:
        return part_varkey(e, sc, p, v, out);
    case GP_THIS:
    case GP_VAR:
        break;
    }
    guard__rv_push(out, v, NULL, NULL, in->lit); /* the value itself */
    return 0;
}

/* Applies part pi of q to every result of in, appending to out. */
static int apply_part(struct ev *e, struct scope *sc, const struct guard_query *q, size_t pi,
                      struct resv *in, struct resv *out)
{
    for (size_t i = 0; i < in->n; i++) {
        const struct guard_val *v = in->r[i].v;
        if (!guard__spend(e, 1 + (v && (v->t == GV_LIST || v->t == GV_MAP) ? v->n : 0)))
            return -1;
        size_t n0 = out->n;
        if (!v)
            guard__rv_push(out, NULL, in->r[i].at, in->r[i].why, false);
        else if (apply_one(e, sc, q, pi, &in->r[i], out) < 0)
            return -1;
        for (size_t j = n0; j < out->n; j++) /* the converter found on the way stays */
            if (!out->r[j].conv)
                out->r[j].conv = in->r[i].conv;
    }
    return 0;
}

/* Evaluates parts [from..n) of q starting from in (NULL: the start of the query). */
int guard__query(struct ev *e, struct scope *sc, const struct guard_query *q, size_t from,
                 struct resv *in, struct resv *out)
{
    struct resv cur = {0}, nxt = {0};
    size_t i = from;
    int rc = -1;
    if (guard__enter(e) < 0)
        return -1;
    if (!in) {
        const struct guard_part *p0 = &q->parts[0];
        if (p0->k == GP_VAR) {
            struct resv *vv;
            if (guard__lookup_var(e, sc, p0->s, &vv) < 0)
                goto out;
            guard__rv_copy(&cur, vv);
            i = 1;
        } else if (p0->k == GP_THIS) {
            guard__rv_push(&cur, sc->self, NULL, NULL, false);
            i = 1;
        } else {
            guard__rv_push(&cur, sc->self, NULL, NULL, false);
            i = 0;
        }
    } else {
        guard__rv_copy(&cur, in);
    }
    for (; i < q->n; i++) {
        nxt.n = 0;
        if (apply_part(e, sc, q, i, &cur, &nxt) < 0)
            goto out;
        struct resv t = cur;
        cur = nxt;
        nxt = t;
    }
    guard__rv_copy(out, &cur);
    rc = e->over ? -1 : 0;
out:
    e->depth--;
    guard__rv_free(&cur);
    guard__rv_free(&nxt);
    return rc;
}

/* ---------------------------------------------------------------- functions */
