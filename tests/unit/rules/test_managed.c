/* test_managed.c — table-driven tests of the managed rules.
 *
 * tests/data/rules/cases.json holds named base CIs ("bases": inline objects, or {"@file": path
 * under PL_SHARED_DIR/data/config-items} for the real CIs of ../shared, read at test time) and
 * cases: {rule, params, ci: base name, set: {dotted path: value} applied to a copy, env: [base
 * names recorded in the fake store], now: ISO time, expect, annotation: substring}. Account-level
 * rules run through pl_managed_evaluate_all with the patched CI recorded as well. Every
 * implemented rule but the manual AWS_CONFIG_PROCESS_CHECK must have a COMPLIANT, a
 * NON_COMPLIANT and a NOT_APPLICABLE case.
 */
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "core/util.h"
#include "rules/managed/managed.h"
#include "rules/managed/managed_int.h"
#include "t.h"

#define CASES PL_SOURCE_DIR "/tests/data/rules/cases.json"
#define CIS   PL_SHARED_DIR "/data/config-items/"

static struct pl_arena A;
static const struct pl_json *bases;

/* ---- fake store ---- */

#define MAX_ENV 16
struct fake {
    const struct pl_json *ci[MAX_ENV];
    size_t n;
};

static const struct pl_json *fake_get(void *u, const char *type, const char *id)
{
    struct fake *f = u;
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(pl_json_get_str(f->ci[i], "resourceType"), type) == 0 &&
            strcmp(pl_json_get_str(f->ci[i], "resourceId"), id) == 0)
            return f->ci[i];
    return NULL;
}

static int fake_each(void *u, const char *type, int (*cb)(void *, const struct pl_json *),
                     void *cbu)
{
    struct fake *f = u;
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(pl_json_get_str(f->ci[i], "resourceType"), type) == 0) {
            int rc = cb(cbu, f->ci[i]);
            if (rc)
                return rc;
        }
    return 0;
}

/* ---- case building ---- */

static const struct pl_json *load_file(const char *rel)
{
    char path[512];
    size_t len;
    struct pl_err err = {0};
    snprintf(path, sizeof(path), "%s%s", CIS, rel);
    char *text = pl_read_file(path, 1 << 24, &len);
    if (!text) {
        fprintf(stderr, "cannot read %s\n", path);
        return NULL;
    }
    const struct pl_json *j = pl_json_parse(&A, text, len, &err);
    free(text);
    if (j && j->type == PL_JARR) /* some example CIs are a one-element list */
        j = j->child;
    return j;
}

static const struct pl_json *base(const char *name)
{
    const struct pl_json *b = pl_json_get(bases, name);
    const char *file = pl_json_get_str(b, "@file");
    if (!file)
        return b;
    return load_file(file);
}

/* Sets root.<dotted> = v (copied), creating objects on the way. */
static void set_path(struct pl_json *root, const char *dotted, const struct pl_json *v)
{
    char buf[256];
    pl_strlcpy(buf, dotted, sizeof(buf));
    struct pl_json *o = root;
    char *seg = buf;
    for (char *dot; (dot = strchr(seg, '.')); seg = dot + 1) {
        *dot = 0;
        struct pl_json *next = pl_json_get(o, seg);
        if (!next || next->type != PL_JOBJ) {
            pl_json_del(o, seg);
            next = pl_json_set(&A, o, seg, pl_json_new_obj(&A));
        }
        o = next;
    }
    pl_json_del(o, seg);
    pl_json_set(&A, o, seg, pl_json_clone(&A, v));
}

struct collect {
    struct pl_managed_eval ev;
    int n;
};

static int collect(void *u, const struct pl_managed_eval *ev)
{
    struct collect *c = u;
    c->ev = *ev;
    c->n++;
    return 0;
}

/* seen[rule index][compliance] */
static unsigned char seen[512][4];

static void run_case(const struct pl_json *tc, size_t idx)
{
    const char *id = pl_json_get_str(tc, "rule");
    const struct pl_managed_rule *r = pl_managed_find(id);
    struct pl_err err = {0};
    struct pl_managed_params *p = NULL;
    struct pl_arena scratch;
    if (!r) {
        T_FAIL_("case %zu: unknown rule %s", idx, id);
        return;
    }
    const struct pl_json *params = pl_json_get(tc, "params");
    const char *ptext = params ? pl_json_dump(&A, params, 0) : NULL;
    if (pl_managed_params(r, ptext, &A, &p, &err) < 0) {
        T_FAIL_("case %zu (%s): params: %s", idx, id, err.msg);
        return;
    }
    struct pl_json *ci = pl_json_clone(&A, base(pl_json_get_str(tc, "ci")));
    const struct pl_json *set = pl_json_get(tc, "set");
    for (const struct pl_json *m = set ? set->child : NULL; m; m = m->next)
        set_path(ci, m->key, m);
    struct fake f = {.n = 0};
    const struct pl_json *envl = pl_json_get(tc, "env");
    for (const struct pl_json *e = envl ? envl->child : NULL; e && f.n < MAX_ENV; e = e->next)
        f.ci[f.n++] = base(e->str);
    int64_t now = 0;
    pl_time_parse("2026-01-01T00:00:00Z", &now);
    if (pl_json_get_str(tc, "now"))
        pl_time_parse(pl_json_get_str(tc, "now"), &now);
    struct pl_managed_env env = {&f, fake_get, fake_each, now, "123456789012", "us-east-1"};
    struct pl_managed_eval ev = {0};
    pl_arena_init(&scratch);
    int rc;
    if (r->account_level) {
        f.ci[f.n++] = ci;
        struct collect col = {.n = 0};
        rc = pl_managed_evaluate_all(p, &env, &scratch, collect, &col, &err);
        if (rc == 0 && col.n != 1)
            T_FAIL_("case %zu (%s): %d account results", idx, id, col.n);
        ev = col.ev;
        if (rc == 0)
            T_STR(ev.resource_type, "AWS::::Account");
    } else {
        rc = pl_managed_evaluate(p, ci, &env, &scratch, &ev, &err);
    }
    const char *want = pl_json_get_str(tc, "expect");
    const char *ann = pl_json_get_str(tc, "annotation");
    if (rc < 0) {
        T_FAIL_("case %zu (%s): evaluation failed: %s", idx, id, err.msg);
    } else if (strcmp(pl_compliance_name(ev.compliance), want) != 0) {
        T_FAIL_("case %zu (%s): got %s (%s), want %s", idx, id, pl_compliance_name(ev.compliance),
                ev.annotation, want);
    } else if (ann && !strstr(ev.annotation, ann)) {
        T_FAIL_("case %zu (%s): annotation '%s' lacks '%s'", idx, id, ev.annotation, ann);
    } else {
        size_t n;
        seen[r - pl_managed_all(&n)][ev.compliance] = 1;
    }
    if (ev.compliance == PL_NON_COMPLIANT && !ev.annotation[0])
        T_FAIL_("case %zu (%s): NON_COMPLIANT without an annotation", idx, id);
    pl_arena_fini(&scratch);
}

static void test_cases(void)
{
    size_t len, n, i = 0;
    struct pl_err err = {0};
    char *text = pl_read_file(CASES, 1 << 24, &len);
    T_REQUIRE(text);
    const struct pl_json *doc = pl_json_parse(&A, text, len, &err);
    free(text);
    T_REQUIRE(doc);
    bases = pl_json_get(doc, "bases");
    const struct pl_json *cases = pl_json_get(doc, "cases");
    for (const struct pl_json *tc = cases ? cases->child : NULL; tc; tc = tc->next)
        run_case(tc, i++);
    printf("%zu cases\n", i);
    const struct pl_managed_rule *all = pl_managed_all(&n);
    for (size_t k = 0; k < n; k++) {
        if (!all[k].impl || all[k].trigger == PL_MANAGED_MANUAL)
            continue; /* a process check's results come from PutExternalEvaluation */
        for (int c = PL_COMPLIANT; c <= PL_NOT_APPLICABLE; c++)
            if (!seen[k][c])
                T_FAIL_("%s has no passing %s case", all[k].identifier,
                        pl_compliance_name((enum pl_compliance)c));
    }
}

/* An annotation whose value is cut by a precision or by the buffer is still valid UTF-8. */
static void test_annotation_cut(void)
{
    struct pl_managed_eval ev;
    char v[601];
    for (int i = 0; i < 600; i += 2)
        memcpy(v + i, "\xc3\xa9", 2);
    v[600] = 0;
    pl_managed__res(&ev, PL_NON_COMPLIANT, "Tag 'k' has value '%.5s', which is not allowed.", v);
    T_STR(ev.annotation, "Tag 'k' has value '\xc3\xa9\xc3\xa9?', which is not allowed.");
    pl_managed__res(&ev, PL_NON_COMPLIANT, "x%s", v);
    T_EQ(strlen(ev.annotation), sizeof(ev.annotation) - 2);
    T_EQ(pl_utf8_valid_prefix(ev.annotation, strlen(ev.annotation)), strlen(ev.annotation));
    pl_managed__res(&ev, PL_NON_COMPLIANT, "%s is fine", "\xc3\xa9");
    T_STR(ev.annotation, "\xc3\xa9 is fine");
}

/* pl_managed__doc's cache: equal texts share one parse, different texts of one length do not, and
 * no document of the running evaluation is evicted however many are parsed. */
static void test_doc_cache(void)
{
    struct pl_arena scratch;
    struct pl_managed_params p = {0};
    struct pl_err err = {0};
    pl_arena_init(&scratch);
    struct pl_managed__ctx c = {&p, NULL, &scratch, &err, NULL};
    enum { N = 20 };
    char text[N][32];
    struct pl_json str[N];
    const struct pl_json *doc[N];
    pl_managed__doc_begin();
    for (int i = 0; i < N; i++) {
        int n = snprintf(text[i], sizeof(text[i]), "{\"k\":\"v%02d\"}", i);
        str[i] = (struct pl_json){.type = PL_JSTR, .str = text[i], .len = (size_t)n};
        doc[i] = pl_managed__doc(&c, &str[i]);
        T_REQUIRE(doc[i]);
    }
    for (int i = 0; i < N; i++) { /* all still valid, each its own */
        char want[8];
        snprintf(want, sizeof(want), "v%02d", i);
        T_STR(pl_json_get_str(doc[i], "k"), want);
    }
    pl_managed__doc_begin();
    const struct pl_json *again = pl_managed__doc(&c, &str[0]);
    T_OK(again == doc[0]); /* the first parses were cached */
    text[0][7] = '9';      /* same length, other text: "v99" */
    text[0][8] = '9';
    const struct pl_json *other = pl_managed__doc(&c, &str[0]);
    T_OK(other != again);
    T_STR(pl_json_get_str(other, "k"), "v99");
    T_STR(pl_json_get_str(again, "k"), "v00"); /* still valid in this evaluation */
    pl_arena_fini(&scratch);
}

int main(void)
{
    pl_arena_init(&A);
    T_RUN(test_cases);
    T_RUN(test_annotation_cut);
    T_RUN(test_doc_cache);
    pl_arena_fini(&A);
    return T_EXIT();
}
