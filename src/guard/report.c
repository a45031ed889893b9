/* report.c — the public face of the evaluator: data documents, guard_eval(), reports (failures
 * copied out of the evaluation with their path, resource and type) and guard_eval_ci(), the
 * rules-engine hook for configuration items.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "guard/eval_int.h"

struct guard_doc {
    struct pl_arena arena;
    struct guard_val **docs;
    size_t n;
};

struct guard_doc *guard_doc_load(const char *text, size_t len, int mode, struct pl_err *err)
{
    struct guard_doc *d = pl_xcalloc(1, sizeof(*d));
    pl_arena_init(&d->arena);
    if (guard__load(&d->arena, text, len, mode, &d->docs, &d->n, err) < 0) {
        guard_doc_free(d);
        return NULL;
    }
    return d;
}

void guard_doc_free(struct guard_doc *d)
{
    if (!d)
        return;
    pl_arena_fini(&d->arena);
    free(d);
}

size_t guard_doc_count(const struct guard_doc *d)
{
    return d->n;
}


static char *xdup(const char *s)
{
    return s ? pl_xstrdup(s) : NULL;
}

static char *resource_of(const struct guard_val *v)
{
    const struct guard_val *prev = NULL;
    for (const struct guard_val *p = v; p; prev = p, p = p->parent) {
        if (p->parent && !p->parent->parent && p->key && !strcmp(p->key, "Resources") && prev &&
            prev->key)
            return pl_xstrdup(prev->key);
    }
    return NULL;
}

void guard__take_fails(struct ev *e, struct guard_rule_result *rr)
{
    if (!e->nfails)
        return;
    size_t n = e->nfails > 1000 ? 1000 : e->nfails;
    rr->fails = pl_xcalloc(n, sizeof(*rr->fails));
    rr->nfail = n;
    for (size_t i = 0; i < n; i++) {
        const struct frec *f = &e->fails[i];
        struct guard_failure *g = &rr->fails[i];
        g->clause = xdup(f->nd->text ? f->nd->text : "");
        g->message = f->nd->msg ? xdup(f->nd->msg) : NULL;
        g->detail = xdup(f->detail ? f->detail : "");
        g->path = xdup(f->at ? guard__pathof(e, f->at) : "");
        g->resource = f->at ? resource_of(f->at) : NULL;
        g->missing = f->missing ? xdup(f->missing) : NULL;
        g->value = f->value ? xdup(f->value) : NULL;
        g->compared = f->compared ? xdup(f->compared) : NULL;
        g->op = f->op ? xdup(f->op) : NULL;
        g->type = NULL;
        if (g->resource) {
            const struct guard_val *res = guard__map_get(e->root, "Resources", 9);
            const struct guard_val *t =
                guard__map_get(guard__map_get(res, g->resource, strlen(g->resource)), "Type", 4);
            if (t && t->t == GV_STR)
                g->type = xdup(t->s);
        }
    }
}

int guard_eval(const struct guard_rules *r, const struct guard_doc *d, size_t idx,
               struct guard_report *out, struct pl_err *err)
{
    if (idx >= d->n)
        return pl_fail(err, PL_E_VALIDATION, "no document %zu", idx);
    return guard__eval_root(r, d->docs[idx], out, err);
}

void guard_report_fini(struct guard_report *rep)
{
    if (!rep)
        return;
    for (size_t i = 0; i < rep->n; i++) {
        struct guard_rule_result *rr = &rep->rules[i];
        for (size_t j = 0; j < rr->nfail; j++) {
            free(rr->fails[j].clause);
            free(rr->fails[j].message);
            free(rr->fails[j].detail);
            free(rr->fails[j].path);
            free(rr->fails[j].resource);
            free(rr->fails[j].missing);
            free(rr->fails[j].value);
            free(rr->fails[j].compared);
            free(rr->fails[j].op);
            free(rr->fails[j].type);
        }
        free(rr->fails);
        free(rr->name);
    }
    free(rep->rules);
    memset(rep, 0, sizeof(*rep));
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
