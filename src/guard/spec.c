/* spec.c — `cfn-guard test`: runs the cases of a test-spec file (a YAML/JSON list of {name,
 * input, expectations: {rules: {NAME: STATUS}}}) against a rules file and prints cfn-guard's
 * report: per case the rules without an expectation, those that failed it and those that met
 * it (single-line-summary), or one JSON / YAML tree of every case.
 *
 * A case's rules are listed in name order, each name once; the implicit rule may be expected as
 * "default" or "FILE/default".
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "guard/guard_int.h"

/* What one case printed and built: the three text sections and the three tree lists. */
struct case_out {
    struct pl_buf pass, fail, none;
    struct guard_val *jp, *jf, *js;
};

static bool status_of(const struct guard_val *v, enum guard_status *st)
{
    static const enum guard_status all[] = {GUARD_PASS, GUARD_FAIL, GUARD_SKIP};
    if (!v || v->t != GV_STR)
        return false;
    for (size_t i = 0; i < PL_ARRAY_LEN(all); i++)
        if (!strcmp(v->s, guard_status_name(all[i]))) {
            *st = all[i];
            return true;
        }
    return false;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The indexes of rep's rules in name order (stable); the caller frees the array. */
static size_t *name_order(const struct guard_report *rep)
{
    size_t *order = pl_xcalloc(rep->n + 1, sizeof(*order));
    for (size_t r = 0; r < rep->n; r++) {
        size_t k = r;
        while (k > 0 && strcmp(rep->rules[order[k - 1]].name, rep->rules[r].name) > 0) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = r;
    }
    return order;
}

/* The expectation for rule name in exp (the case's expectations.rules), or NULL. */
static const struct guard_val *expectation(struct pl_arena *a, const struct guard_val *exp,
                                           const char *name, const char *rules_path)
{
    const struct guard_val *ev = exp ? guard__map_get(exp, name, strlen(name)) : NULL;
    if (!strcmp(name, "default") && !ev && exp) {
        char *dn = pl_arena_printf(a, "%s/default", base_name(rules_path));
        ev = guard__map_get(exp, dn, strlen(dn));
    }
    return ev;
}

/* Compares one rule's status with its expectation, into co. Returns false when it was not met. */
static bool check_rule(struct pl_arena *a, struct case_out *co, const struct guard_rule_result *rr,
                       const struct guard_val *ev)
{
    enum guard_status want;
    const char *shown = rr->name;
    if (!ev || !status_of(ev, &want)) {
        pl_buf_printf(&co->none, "  No Test expectation was set for Rule %s\n", shown);
        struct guard_val *s = guard__val_new(a, GV_MAP);
        guard__tree_set(a, s, "name", guard__tree_str(a, shown));
        guard__val_push(a, co->js, NULL, 0, s);
        return true;
    }
    struct guard_val *o = guard__val_new(a, GV_MAP);
    guard__tree_set(a, o, "name", guard__tree_str(a, shown));
    if (want == rr->status) {
        pl_buf_printf(&co->pass, "    %s: Expected = %s\n", shown, guard_status_name(want));
        guard__tree_set(a, o, "evaluated", guard__tree_str(a, guard_status_name(rr->status)));
        guard__val_push(a, co->jp, NULL, 0, o);
        return true;
    }
    pl_buf_printf(&co->fail, "    %s: Expected = %s, Evaluated = [%s]\n", shown,
                  guard_status_name(want), guard_status_name(rr->status));
    guard__tree_set(a, o, "expected", guard__tree_str(a, guard_status_name(want)));
    struct guard_val *el = guard__val_new(a, GV_LIST);
    guard__val_push(a, el, NULL, 0, guard__tree_str(a, guard_status_name(rr->status)));
    guard__tree_set(a, o, "evaluated", el);
    guard__val_push(a, co->jf, NULL, 0, o);
    return false;
}

static void print_case(FILE *o, size_t i, const struct guard_val *name, struct case_out *co)
{
    fprintf(o, "Test Case #%zu\n", i + 1);
    if (name && name->t == GV_STR)
        fprintf(o, "Name: %s\n", name->s);
    fputs(pl_buf_cstr(&co->none), o);
    if (co->fail.len)
        fprintf(o, "  FAIL Rules:\n%s", pl_buf_cstr(&co->fail));
    if (co->pass.len)
        fprintf(o, "  PASS Rules:\n%s", pl_buf_cstr(&co->pass));
    fprintf(o, "\n");
}

/* Runs case number i (tc) and appends its tree to cases. -1 on an evaluation error. */
static int run_case(FILE *o, struct pl_arena *a, const struct guard_rules *r,
                    const char *rules_path, const struct guard_val *tc, size_t i,
                    enum guard_format f, struct guard_val *cases, bool *anyfail, struct pl_err *err)
{
    const struct guard_val *name = guard__map_get(tc, "name", 4);
    const struct guard_val *input = guard__map_get(tc, "input", 5);
    const struct guard_val *exp =
        guard__map_get(guard__map_get(tc, "expectations", 12), "rules", 5);
    struct guard_val emptymap = {.t = GV_MAP};
    struct guard_report rep;
    if (guard__eval_root(r, input ? input : &emptymap, &rep, err) < 0)
        return -1;
    struct case_out co = {.jp = guard__val_new(a, GV_LIST),
                          .jf = guard__val_new(a, GV_LIST),
                          .js = guard__val_new(a, GV_LIST)};
    pl_buf_init(&co.pass, PL_BUF_NOLIMIT);
    pl_buf_init(&co.fail, PL_BUF_NOLIMIT);
    pl_buf_init(&co.none, PL_BUF_NOLIMIT);
    size_t *order = name_order(&rep);
    for (size_t oi = 0; oi < rep.n; oi++) {
        const struct guard_rule_result *rr = &rep.rules[order[oi]];
        if (oi > 0 && !strcmp(rep.rules[order[oi - 1]].name, rr->name))
            continue; /* each name once */
        if (!check_rule(a, &co, rr, expectation(a, exp, rr->name, rules_path)))
            *anyfail = true;
    }
    free(order);
    if (f == GUARD_FMT_SINGLE)
        print_case(o, i, name, &co);
    struct guard_val *jc = guard__val_new(a, GV_MAP);
    guard__tree_set(a, jc, "name", guard__tree_str(a, name && name->t == GV_STR ? name->s : ""));
    guard__tree_set(a, jc, "passed_rules", co.jp);
    guard__tree_set(a, jc, "failed_rules", co.jf);
    guard__tree_set(a, jc, "skipped_rules", co.js);
    guard__val_push(a, cases, NULL, 0, jc);
    pl_buf_fini(&co.pass);
    pl_buf_fini(&co.fail);
    pl_buf_fini(&co.none);
    guard_report_fini(&rep);
    return 0;
}

int guard_test_run(FILE *o, const struct guard_rules *r, const char *rules_path,
                   const struct guard_doc *spec, enum guard_format f, bool *anyfail,
                   size_t *bad_case, struct pl_err *err)
{
    struct pl_arena a;
    int rc = -1;
    *bad_case = 0;
    const struct guard_val *list = guard__doc_root(spec, 0);
    if (!list || list->t != GV_LIST)
        return pl_fail(err, PL_E_VALIDATION, "not a list of test cases");
    pl_arena_init(&a);
    struct guard_val *cases = guard__val_new(&a, GV_LIST);
    for (size_t i = 0; i < list->n; i++)
        if (run_case(o, &a, r, rules_path, list->items[i], i, f, cases, anyfail, err) < 0) {
            *bad_case = i + 1;
            goto out;
        }
    if (f != GUARD_FMT_SINGLE) {
        struct guard_val *top = guard__val_new(&a, GV_MAP);
        guard__tree_set(&a, top, "rule_file", guard__tree_str(&a, rules_path));
        guard__tree_set(&a, top, "test_cases", cases);
        guard__tree_print(o, top, f);
    }
    rc = 0;
out:
    pl_arena_fini(&a);
    return rc;
}
