/* test_parse.c — guard_parse: accepted forms, errors with line:column, depth limits. */
#include <stdlib.h>
#include <string.h>

#include "guard/guard.h"
#include "guard/guard_int.h"
#include "t.h"

static int parse(const char *src, struct pl_err *err)
{
    struct guard_rules *r = NULL;
    memset(err, 0, sizeof(*err));
    int rc = guard_parse(src, strlen(src), "t.guard", &r, err);
    guard_rules_free(r);
    return rc;
}

static void test_accepts(void)
{
    static const char *const ok[] = {
        "",
        "# only a comment\n",
        "let x = 1\nrule r { %x == 1 }",
        "rule r when A exists { B exists }",
        "rule r { A.B[*].C == 'x' <<message>> }",
        "rule r { A[ Type == 'x' ] !empty }",
        "rule r { A[ keys == /^a/ ] exists }",
        "rule r { some A.*.B in [1, 2, 3] }",
        "rule r { A IN r[1, 10) }",
        "rule r { A == {a: 1, 'b-c': [true, null]} }",
        "rule p(a, b) { %a == %b }\nrule r { p(A, 'x') }",
        "AWS::S3::Bucket { Properties exists }",
        "AWS::S3::Bucket when A exists { Properties exists }",
        "rule r {\n  A exists or\n  B exists |OR| C exists\n}",
        "rule r { not A exists }\nrule s {\n  not r\n}",
        "let c = count(Resources.*)\nlet j = join(A[*], ',')\nrule r { %c >= 1 }",
        "rule r { Properties.'log-group' !exists }",
        "rule r { this is_struct }",
        "rule r { A { B exists\n C { D == 1 } } }",
        "rule r { A NOT IN ['x'] }\nrule s { A !IN ['x'] }",
        "rule r { A.%v exists }\nlet v = 'k'",
        "rule r { A == -5 }\nrule s { A == 1.5e3 }",
    };
    struct pl_err err;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int rc = parse(ok[i], &err);
        if (rc != 0)
            T_FAIL_("rejected: %s\n  %s", ok[i], err.msg);
    }
}

static void test_errors_have_positions(void)
{
    static const struct {
        const char *src, *where;
    } bad[] = {
        {"rule r { A == }", "line 1:"},
        {"rule r {\n  A exists\n", "line 1:"},
        {"rule r { A.B 1 }", "line 1:"},
        {"rule r {\n  A == /(/\n}", "line 2:"},
        {"rule r {\n  A == 'unterminated\n}", "line 2:"},
        {"let = 3", "line 1:"},
        {"rule { A exists }", "line 1:"},
        {"rule r { A exists <<no end }", "line 1:"},
        {"rule r { A IN r[1, 'x'] }", "line 1:"},
    };
    struct pl_err err;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        T_EQ(parse(bad[i].src, &err), -1);
        T_EQ(err.code, PL_E_VALIDATION);
        if (strncmp(err.msg, bad[i].where, strlen(bad[i].where)) != 0)
            T_FAIL_("%s: message '%s' does not start with '%s'", bad[i].src, err.msg, bad[i].where);
    }
}

static void test_unknown_function_is_expression_error(void)
{
    struct pl_err err;
    T_EQ(parse("let x = frobnicate(A)\nrule r { %x exists }", &err), -1);
    T_EQ(err.code, PL_E_INVALID_EXPRESSION);
    T_EQ(parse("let x = join(A)\nrule r { %x exists }", &err), -1);
    T_EQ(err.code, PL_E_INVALID_EXPRESSION);
}

static void test_depth_limit(void)
{
    /* deeply nested blocks and lists are refused, not recursed into without bound (the limit,
     * GUARD_MAX_DEPTH, is where cfn-guard 3.1.1 overflows its stack) */
    size_t n = 20000;
    char *src = malloc(n * 4 + 64);
    size_t o = 0;
    o += (size_t)snprintf(src + o, n * 4 + 64 - o, "rule r { ");
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(src + o, n * 4 + 64 - o, "A { ");
    src[o] = 0;
    struct pl_err err;
    T_EQ(parse(src, &err), -1);
    T_OK(strstr(err.msg, "nesting") != NULL);
    o = (size_t)snprintf(src, n * 4 + 64, "rule r { A == ");
    for (size_t i = 0; i < n; i++)
        src[o++] = '[';
    src[o] = 0;
    T_EQ(parse(src, &err), -1);
    T_OK(strstr(err.msg, "nesting") != NULL);
    free(src);
}

static void test_names(void)
{
    struct guard_rules *r;
    struct pl_err err = {0};
    const char *src = "rule a { A exists }\nB exists\nrule b(x) { %x exists }";
    T_EQ(guard_parse(src, strlen(src), "f.guard", &r, &err), 0);
    T_STR(guard_rules_name(r), "f.guard");
    T_EQ(r->nrules, 2);
    T_OK(r->has_default);
    guard_rules_free(r);
}

int main(void)
{
    T_RUN(test_accepts);
    T_RUN(test_errors_have_positions);
    T_RUN(test_unknown_function_is_expression_error);
    T_RUN(test_depth_limit);
    T_RUN(test_names);
    return T_EXIT();
}
