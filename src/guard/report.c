/* report.c — the public face of the evaluator: data documents (loaded whole, or built file by
 * file for the CLI), input parameters merged into a document, cfn-guard's --payload,
 * guard_eval() and guard_eval_ci(), the rules-engine hook for configuration
 * items. The printed report formats are output.c's.
 *
 * Calls go one way: this file calls the evaluator (eval.c), which does not call back here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "guard/eval_int.h"

struct guard_doc {
    struct pl_arena arena;
    struct guard_val **docs; /* heap array of n documents (the nodes are in arena) */
    size_t n;
};

struct guard_doc *guard_doc_new(void)
{
    struct guard_doc *d = pl_xcalloc(1, sizeof(*d));
    pl_arena_init(&d->arena);
    return d;
}

static void doc_push(struct guard_doc *d, struct guard_val *v)
{
    d->docs = pl_xrealloc(d->docs, (d->n + 1) * sizeof(*d->docs));
    d->docs[d->n++] = v;
}

struct guard_doc *guard_doc_load(const char *text, size_t len, int mode, struct pl_err *err)
{
    struct guard_doc *d = guard_doc_new();
    struct guard_val **docs;
    size_t n;
    if (guard__load(&d->arena, text, len, mode, &docs, &n, err) < 0) {
        guard_doc_free(d);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        doc_push(d, docs[i]);
    return d;
}

int guard_doc_add(struct guard_doc *d, const char *text, size_t len, struct pl_err *err)
{
    struct guard_val **docs;
    size_t n;
    if (guard__load(&d->arena, text, len, GUARD_LOAD_DATA, &docs, &n, err) < 0)
        return -1;
    doc_push(d, docs[0]);
    return 0;
}

void guard_doc_free(struct guard_doc *d)
{
    if (!d)
        return;
    pl_arena_fini(&d->arena);
    free(d->docs);
    free(d);
}

size_t guard_doc_count(const struct guard_doc *d)
{
    return d->n;
}

const struct guard_val *guard__doc_root(const struct guard_doc *d, size_t idx)
{
    return idx < d->n ? d->docs[idx] : NULL;
}

/* ---------------------------------------------------------------- parameters */

/* A map holding the members of p, then those of d (parameters merged into a data file). The
 * members keep their original parents, so report paths stay those of their file. */
static struct guard_val *merge_params(struct pl_arena *a, const struct guard_val *p,
                                      struct guard_val *d)
{
    if (!p || d->t != GV_MAP)
        return d;
    struct guard_val *m = guard__val_new(a, GV_MAP);
    for (size_t i = 0; i < p->n; i++)
        guard__val_push(a, m, p->keys[i], p->klens[i], p->items[i]);
    for (size_t i = 0; i < d->n; i++)
        guard__val_push(a, m, d->keys[i], d->klens[i], d->items[i]);
    for (size_t i = 0; i < m->n; i++)
        m->items[i]->parent = i < p->n ? p : d;
    return m;
}

int guard_eval_params(const struct guard_rules *r, const struct guard_doc *params,
                      const struct guard_doc *d, size_t idx, struct guard_report *out,
                      struct pl_err *err)
{
    if (idx >= d->n)
        return pl_fail(err, PL_E_VALIDATION, "no document %zu", idx);
    if (!params)
        return guard__eval_root(r, d->docs[idx], out, err);
    struct pl_arena a;
    pl_arena_init(&a);
    struct guard_val *pm = guard__val_new(&a, GV_MAP), *root = d->docs[idx];
    for (size_t i = 0; i < params->n; i++)
        if (params->docs[i]->t == GV_MAP)
            pm = merge_params(&a, pm, params->docs[i]);
    int rc = guard__eval_root(r, merge_params(&a, pm, root), out, err);
    if (root->t == GV_MAP) /* give the members their parent back */
        for (size_t k = 0; k < root->n; k++)
            root->items[k]->parent = root;
    pl_arena_fini(&a);
    return rc;
}

/* ---------------------------------------------------------------- --payload */

/* Copies the members of list l into *v / *lens (NULL for a member that is not a string). */
static void payload_strings(const struct guard_val *l, char ***v, size_t **lens, size_t *n)
{
    *n = l->n;
    *v = pl_xcalloc(l->n + 1, sizeof(**v));
    *lens = pl_xcalloc(l->n + 1, sizeof(**lens));
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i]->t == GV_STR) {
            (*v)[i] = pl_xstrndup(l->items[i]->s, l->items[i]->n);
            (*lens)[i] = l->items[i]->n;
        }
}

int guard_payload_parse(const char *text, size_t len, struct guard_payload *p, struct pl_err *err)
{
    struct pl_arena a;
    struct guard_val *v;
    struct pl_err jerr = {0};
    int rc = -1;
    memset(p, 0, sizeof(*p));
    pl_arena_init(&a);
    if (guard__json_parse(&a, text, len, &v, &jerr) < 0 || v->t != GV_MAP) {
        pl_fail(err, PL_E_VALIDATION,
                "the payload must be a JSON object {\"rules\": [...], \"data\": [...]}");
        goto out;
    }
    const struct guard_val *r = guard__map_get(v, "rules", 5), *d = guard__map_get(v, "data", 4);
    if (!r || !d || r->t != GV_LIST || d->t != GV_LIST) {
        pl_fail(err, PL_E_VALIDATION, "the payload needs \"rules\" and \"data\" lists");
        goto out;
    }
    payload_strings(r, &p->rules, &p->rules_len, &p->nrules);
    payload_strings(d, &p->data, &p->data_len, &p->ndata);
    rc = 0;
out:
    pl_arena_fini(&a);
    return rc;
}

void guard_payload_fini(struct guard_payload *p)
{
    for (size_t i = 0; i < p->nrules; i++)
        free(p->rules[i]);
    for (size_t i = 0; i < p->ndata; i++)
        free(p->data[i]);
    free(p->rules);
    free(p->rules_len);
    free(p->data);
    free(p->data_len);
    memset(p, 0, sizeof(*p));
}

int guard_eval(const struct guard_rules *r, const struct guard_doc *d, size_t idx,
               struct guard_report *out, struct pl_err *err)
{
    return guard_eval_params(r, NULL, d, idx, out, err);
}

const char *guard_status_name(enum guard_status s)
{
    return s == GUARD_PASS ? "PASS" : s == GUARD_FAIL ? "FAIL" : "SKIP";
}

int guard_eval_ci(const struct guard_rules *r, const struct pl_json *ci, struct guard_verdict *out,
                  struct pl_err *err)
{
    struct pl_arena a;
    struct guard_report rep;
    int rc;
    pl_arena_init(&a);
    memset(out, 0, sizeof(*out));
    struct guard_val *root = guard__from_json(&a, ci, 0);
    /* the API form carries configuration documents as JSON strings: Guard sees objects */
    static const char *const docs[] = {"configuration", "supplementaryConfiguration"};
    for (size_t i = 0; root->t == GV_MAP && i < 2; i++) {
        struct guard_val *v = guard__map_get(root, docs[i], strlen(docs[i])), *parsed;
        struct pl_err jerr = {0};
        if (v && v->t == GV_STR && guard__json_parse(&a, v->s, v->n, &parsed, &jerr) == 0) {
            for (size_t k = 0; k < root->n; k++)
                if (root->items[k] == v) {
                    root->items[k] = parsed;
                    parsed->parent = root;
                    parsed->key = root->keys[k];
                }
        }
    }
    rc = guard__eval_root(r, root, &rep, err);
    if (rc == 0) {
        out->status = rep.status;
        if (rep.status == GUARD_FAIL) {
            for (size_t i = 0; i < rep.n; i++) {
                struct guard_rule_result *rr = &rep.rules[i];
                if (rr->status != GUARD_FAIL)
                    continue;
                const char *m = NULL;
                char *trim = NULL;
                if (rr->nfail && rr->fails[0].message) {
                    trim = rr->fails[0].message;
                    while (*trim == ' ' || *trim == '\n' || *trim == '\t' || *trim == '\r')
                        trim++;
                    m = trim;
                }
                if (m && *m) {
                    pl_strlcpy(out->annotation, m, sizeof(out->annotation));
                    size_t l = strlen(out->annotation);
                    while (l && strchr(" \n\t\r", out->annotation[l - 1]))
                        out->annotation[--l] = 0;
                } else if (rr->nfail) {
                    snprintf(out->annotation, sizeof(out->annotation), "Rule %s: %s", rr->name,
                             rr->fails[0].detail);
                } else {
                    snprintf(out->annotation, sizeof(out->annotation), "Rule %s failed", rr->name);
                }
                /* cut to 255 bytes: not in the middle of a character (it goes on the wire) */
                pl_utf8_fix_cut(out->annotation, strlen(out->annotation));
                break;
            }
        }
        guard_report_fini(&rep);
    }
    pl_arena_fini(&a);
    return rc;
}
