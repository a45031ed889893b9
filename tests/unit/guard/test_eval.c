/* test_eval.c — guard_eval on the tricky cases of guard-language.md §8, and guard_eval_ci. */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "guard/guard.h"
#include "t.h"

/* Evaluates rules against data; returns the status of rule `name` or -1 on error. */
static int status_of(const char *rules, const char *data, const char *name)
{
    struct guard_rules *r = NULL;
    struct guard_doc *d = NULL;
    struct guard_report rep = {0};
    struct pl_err err = {0};
    int st = -1;
    if (guard_parse(rules, strlen(rules), "t.guard", &r, &err) < 0)
        goto out;
    if (!(d = guard_doc_load(data, strlen(data), 0, &err)))
        goto out;
    if (guard_eval(r, d, 0, &rep, &err) < 0)
        goto out;
    for (size_t i = 0; i < rep.n; i++)
        if (!strcmp(rep.rules[i].name, name))
            st = (int)rep.rules[i].status;
    guard_report_fini(&rep);
out:
    guard_doc_free(d);
    guard_rules_free(r);
    return st;
}

static const char *const D1 =
    "{\"Resources\": {\"b1\": {\"Type\": \"AWS::S3::Bucket\", \"Properties\": {\"Tags\": []}}}}";
static const char *const LETS = "let buckets = Resources.*[ Type == 'AWS::S3::Bucket' ]\n"
                                "let queues  = Resources.*[ Type == 'AWS::SQS::Queue' ]\n";

static void check(const char *body, const char *data, int want)
{
    char src[2048];
    snprintf(src, sizeof(src), "%srule x {\n  %s\n}\nrule r1 { %%queues.Properties.Kms exists }\n",
             LETS, body);
    int got = status_of(src, data, "x");
    if (got != want)
        T_FAIL_("rule { %s }: got %d want %d", body, got, want);
}

static void test_skip_vs_fail(void)
{
    check("%queues.Properties.KmsMasterKeyId exists", D1, GUARD_SKIP);
    check("%buckets.Properties.Versioning exists", D1, GUARD_FAIL);
    check("%queues !empty", D1, GUARD_FAIL);
    check("%buckets.Properties.Tags[*].Key == 'x'", D1, GUARD_FAIL);
    check("%buckets.Properties.Tags empty", D1, GUARD_PASS);
    check("%buckets.Properties.Missing empty", D1, GUARD_PASS);
    check("some %buckets.Properties.Tags[*].Key == 'x'", D1, GUARD_FAIL);
    check("not r1", D1, GUARD_PASS);
    check("Resources.b1.Properties.Tags !empty or r1", D1, GUARD_FAIL);
}

static void test_when(void)
{
    const char *src = "let q = Resources.*[ Type == 'AWS::SQS::Queue' ]\n"
                      "rule r4 when %q !empty { %q.Properties exists }\n"
                      "rule y { %q { Properties exists } }\n";
    T_EQ(status_of(src, D1, "r4"), GUARD_SKIP);
    T_EQ(status_of(src, "{}", "r4"), GUARD_SKIP);
    T_EQ(status_of(src, "{}", "y"), GUARD_FAIL);
}

static void test_comparisons(void)
{
    T_EQ(status_of("rule r { A == 1.0 }", "{\"A\": 1}", "r"), GUARD_FAIL);
    T_EQ(status_of("rule r { A != 1.0 }", "{\"A\": 1}", "r"), GUARD_FAIL);
    T_EQ(status_of("rule r { A == [443] }", "{\"A\": 443}", "r"), GUARD_PASS);
    T_EQ(status_of("rule r { A == [80, 443] }", "{\"A\": 443}", "r"), GUARD_FAIL);
    T_EQ(status_of("rule r { A IN [80, 443] }", "{\"A\": 443}", "r"), GUARD_PASS);
    T_EQ(status_of("rule r { A == /^prod-/ }", "{\"A\": \"prod-x\"}", "r"), GUARD_PASS);
    T_EQ(status_of("rule r { A != /x/ }", "{\"A\": \"abc\"}", "r"), GUARD_PASS);
    T_EQ(status_of("rule r { A IN 'us-east-1' }", "{\"A\": \"east\"}", "r"), GUARD_PASS);
    T_EQ(status_of("rule r { A < 10 }", "{\"A\": [1, 2, 30]}", "r"), GUARD_FAIL);
    T_EQ(status_of("rule r { A IN r[1,10] }", "{\"A\": 10}", "r"), GUARD_PASS);
    T_EQ(status_of("rule r { A IN r[1,10) }", "{\"A\": 10}", "r"), GUARD_FAIL);
}

static void test_errors(void)
{
    T_EQ(status_of("rule r { A empty }", "{\"A\": 3}", "r"), -1);
    T_EQ(status_of("rule r { %nope exists }", "{}", "r"), -1);
    T_EQ(status_of("rule r {\n  nope\n}", "{}", "r"), -1);
    T_EQ(status_of("AWS::S3::Bucket { Properties exists }", "{}", "default"), -1);
}

static void test_functions(void)
{
    T_EQ(status_of("let n = count(A[*])\nrule r { %n == 3 }", "{\"A\": [1,2,3]}", "r"), GUARD_PASS);
    T_EQ(status_of("let u = to_upper(A)\nrule r { %u == 'AB' }", "{\"A\": \"ab\"}", "r"),
         GUARD_PASS);
    T_EQ(
        status_of("let j = join(A[*], '-')\nrule r { %j == 'a-b' }", "{\"A\": [\"a\",\"b\"]}", "r"),
        GUARD_PASS);
    T_EQ(status_of("let p = json_parse(A)\nrule r { %p.k == 1 }", "{\"A\": \"{\\\"k\\\": 1}\"}",
                   "r"),
         GUARD_PASS);
}

static void test_yaml_data(void)
{
    const char *y = "Resources:\n  b:\n    Type: AWS::S3::Bucket\n    Properties:\n"
                    "      Name: !Ref P\n      Arn: !GetAtt R.Arn\n      On: yes\n";
    T_EQ(status_of("rule r { Resources.b.Properties.Name.Ref == 'P' }", y, "r"), GUARD_PASS);
    T_EQ(status_of("rule r { Resources.b.Properties.Arn.'Fn::GetAtt' == 'R.Arn' }", y, "r"),
         GUARD_PASS);
    T_EQ(status_of("rule r { Resources.b.Properties.On == 'yes' }", y, "r"), GUARD_PASS);
}

static void test_eval_ci(void)
{
    const char *ci = "{\"resourceType\": \"AWS::S3::Bucket\", \"resourceId\": \"b\","
                     " \"configuration\": {\"versioningConfiguration\": {\"status\": \"Off\"}},"
                     " \"supplementaryConfiguration\": {}, \"tags\": {\"env\": \"prod\"}}";
    const char *rules =
        "rule versioned when resourceType == 'AWS::S3::Bucket' {\n"
        "  configuration.versioningConfiguration.status == 'Enabled' <<versioning must be on>>\n"
        "}\n";
    struct pl_arena a;
    struct pl_err err = {0};
    struct guard_rules *r;
    struct guard_verdict v;
    pl_arena_init(&a);
    struct pl_json *j = pl_json_parse(&a, ci, strlen(ci), &err);
    T_REQUIRE(j != NULL);
    T_EQ(guard_parse(rules, strlen(rules), "policy", &r, &err), 0);
    T_EQ(guard_eval_ci(r, j, &v, &err), 0);
    T_EQ(v.status, GUARD_FAIL);
    T_STR(v.annotation, "versioning must be on");
    guard_rules_free(r);

    const char *skip = "rule q when resourceType == 'AWS::SQS::Queue' { configuration exists }";
    T_EQ(guard_parse(skip, strlen(skip), "policy", &r, &err), 0);
    T_EQ(guard_eval_ci(r, j, &v, &err), 0);
    T_EQ(v.status, GUARD_SKIP);
    T_STR(v.annotation, "");
    guard_rules_free(r);

    const char *pass = "rule t { tags.env == 'prod' }";
    T_EQ(guard_parse(pass, strlen(pass), "policy", &r, &err), 0);
    T_EQ(guard_eval_ci(r, j, &v, &err), 0);
    T_EQ(v.status, GUARD_PASS);
    guard_rules_free(r);

    /* a custom message of 200 two-byte characters is cut to 255 bytes on a character boundary
     * (the annotation goes on the wire: it was cut in the middle of the 128th character) */
    struct pl_buf long_msg;
    pl_buf_init(&long_msg, 4096);
    pl_buf_puts(&long_msg, "rule l { tags.env == 'x' <<");
    for (int i = 0; i < 200; i++)
        pl_buf_puts(&long_msg, "\xc3\xa9");
    pl_buf_puts(&long_msg, ">> }");
    T_EQ(guard_parse(long_msg.data, long_msg.len, "policy", &r, &err), 0);
    T_EQ(guard_eval_ci(r, j, &v, &err), 0);
    T_EQ(v.status, GUARD_FAIL);
    T_EQ(strlen(v.annotation), 254);
    T_EQ(pl_utf8_valid_prefix(v.annotation, 254), 254);
    guard_rules_free(r);
    pl_buf_fini(&long_msg);

    const char *gen = "rule g { configuration.missing exists }";
    T_EQ(guard_parse(gen, strlen(gen), "policy", &r, &err), 0);
    T_EQ(guard_eval_ci(r, j, &v, &err), 0);
    T_EQ(v.status, GUARD_FAIL);
    T_OK(strstr(v.annotation, "missing") != NULL);
    guard_rules_free(r);
    pl_arena_fini(&a);
}

static void test_eval_ci_api_form(void)
{
    /* configuration as a JSON string (API form) is parsed before evaluation */
    const char *ci = "{\"resourceType\": \"AWS::S3::Bucket\", \"configuration\": "
                     "\"{\\\"name\\\": \\\"prod-logs\\\"}\"}";
    const char *rules = "rule n { configuration.name == /^prod-/ }";
    struct pl_arena a;
    struct pl_err err = {0};
    struct guard_rules *r;
    struct guard_verdict v;
    pl_arena_init(&a);
    struct pl_json *j = pl_json_parse(&a, ci, strlen(ci), &err);
    T_REQUIRE(j != NULL);
    T_EQ(guard_parse(rules, strlen(rules), "policy", &r, &err), 0);
    T_EQ(guard_eval_ci(r, j, &v, &err), 0);
    T_EQ(v.status, GUARD_PASS);
    guard_rules_free(r);
    pl_arena_fini(&a);
}

struct thr {
    const struct guard_rules *r;
    const struct guard_doc *d;
    int bad;
};

static void *worker(void *p)
{
    struct thr *t = p;
    for (int i = 0; i < 200; i++) {
        struct guard_report rep;
        struct pl_err err = {0};
        if (guard_eval(t->r, t->d, 0, &rep, &err) < 0 || rep.n != 2 ||
            rep.rules[0].status != GUARD_PASS || rep.rules[1].status != GUARD_FAIL)
            t->bad++;
        else
            guard_report_fini(&rep);
    }
    return NULL;
}

static void test_threads(void)
{
    /* one parsed rules file evaluated from several threads at once (regexes included) */
    const char *rules = "let b = Resources.*[ Type == /S3/ ]\n"
                        "rule named { %b.Properties.Name == /^prod-[a-z]+$/ }\n"
                        "rule tagged { %b.Properties.Tags[*].Key == /^env$/ }\n";
    const char *data = "{\"Resources\": {\"a\": {\"Type\": \"AWS::S3::Bucket\", "
                       "\"Properties\": {\"Name\": \"prod-x\", \"Tags\": [{\"Key\": \"team\"}]}}}}";
    struct guard_rules *r;
    struct pl_err err = {0};
    T_REQUIRE(guard_parse(rules, strlen(rules), "t", &r, &err) == 0);
    struct guard_doc *d = guard_doc_load(data, strlen(data), 0, &err);
    T_REQUIRE(d != NULL);
    pthread_t th[4];
    struct thr t[4];
    for (int i = 0; i < 4; i++) {
        t[i] = (struct thr){r, d, 0};
        pthread_create(&th[i], NULL, worker, &t[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        T_EQ(t[i].bad, 0);
    }
    guard_doc_free(d);
    guard_rules_free(r);
}

/* Evaluates rules against data; returns 0, or -1 with err filled (parse or evaluation). */
static int eval_err(const char *rules, const char *data, struct pl_err *err)
{
    struct guard_rules *r = NULL;
    struct guard_doc *d = NULL;
    struct guard_report rep = {0};
    int rc = -1;
    if (guard_parse(rules, strlen(rules), "t.guard", &r, err) < 0)
        goto out;
    if (!(d = guard_doc_load(data, strlen(data), 0, err)))
        goto out;
    if (guard_eval(r, d, 0, &rep, err) < 0)
        goto out;
    guard_report_fini(&rep);
    rc = 0;
out:
    guard_doc_free(d);
    guard_rules_free(r);
    return rc;
}

/* issue 9 item 8: variables that refer to themselves are refused, never a crash */
static void test_cyclic_vars(void)
{
    static const char *const cyc[] = {
        "let a = %a\nrule r { %a exists }\n",
        "let a = %b\nlet b = %a\nrule r { %a exists }\n",
        "let a = %a.x\nrule r { %a exists }\n",
        "let a = R[ x == %a ]\nrule r { %a exists }\n",
        "rule r { let a = %a\n %a exists }\n",
        "rule r { R { let a = %a.y\n %a exists } }\n",
    };
    const char *data = "{\"R\": {\"x\": 1}}";
    for (size_t i = 0; i < sizeof(cyc) / sizeof(cyc[0]); i++) {
        struct pl_err err = {0};
        T_EQ(eval_err(cyc[i], data, &err), -1);
        if (!strstr(err.msg, "nested deeper") && !strstr(err.msg, "refers to itself"))
            T_FAIL_("%s: unexpected error '%s'", cyc[i], err.msg);
    }
}

/* a legal but deep policy: a chain of 200 variables and 30 nested blocks evaluates */
static void test_deep_legal(void)
{
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    pl_buf_puts(&b, "let v0 = R\n");
    for (int i = 1; i < 200; i++)
        pl_buf_printf(&b, "let v%d = %%v%d\n", i, i - 1);
    pl_buf_puts(&b, "rule chain { %v199.x == 1 }\nrule nest { ");
    for (int i = 0; i < 30; i++)
        pl_buf_puts(&b, "R { ");
    pl_buf_puts(&b, "x == 1 ");
    for (int i = 0; i < 30; i++)
        pl_buf_puts(&b, "} ");
    pl_buf_puts(&b, "}\n");
    T_EQ(status_of(pl_buf_cstr(&b), "{\"R\": {\"x\": 1}}", "chain"), GUARD_PASS);
    pl_buf_fini(&b);
}

/* issue 9 item 9: 300 x `%a IN %a` over a 10,000-element list stops at the step budget */
static void test_step_budget(void)
{
    struct pl_buf rules, data;
    pl_buf_init(&rules, PL_BUF_NOLIMIT);
    pl_buf_init(&data, PL_BUF_NOLIMIT);
    pl_buf_puts(&rules, "let a = configuration.L[*]\n");
    for (int i = 0; i < 300; i++)
        pl_buf_printf(&rules, "rule r%d { %%a IN %%a }\n", i);
    pl_buf_puts(&data, "{\"configuration\": {\"L\": [0");
    for (int i = 1; i < 10000; i++)
        pl_buf_printf(&data, ",%d", i);
    pl_buf_puts(&data, "]}}");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct pl_err err = {0};
    T_EQ(eval_err(pl_buf_cstr(&rules), pl_buf_cstr(&data), &err), -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    T_OK(strstr(err.msg, "budget") != NULL);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    T_OK(s < 5.0); /* ~0.05 s here; generous for a loaded or sanitized build */
    /* a one-clause policy is far under the default, and a tiny budget stops it */
    struct guard_rules *r = NULL;
    const char *one = "rule r { configuration.L[*] exists }\n";
    T_EQ(guard_parse(one, strlen(one), "t", &r, &err), 0);
    struct guard_doc *d = guard_doc_load(pl_buf_cstr(&data), data.len, 0, &err);
    struct guard_report rep;
    T_EQ(guard_eval(r, d, 0, &rep, &err), 0);
    guard_report_fini(&rep);
    guard_rules_set_max_steps(r, 100);
    memset(&err, 0, sizeof(err));
    T_EQ(guard_eval(r, d, 0, &rep, &err), -1);
    T_OK(strstr(err.msg, "budget of 100 steps") != NULL);
    guard_doc_free(d);
    guard_rules_free(r);
    pl_buf_fini(&rules);
    pl_buf_fini(&data);
}

int main(void)
{
    T_RUN(test_skip_vs_fail);
    T_RUN(test_when);
    T_RUN(test_comparisons);
    T_RUN(test_errors);
    T_RUN(test_functions);
    T_RUN(test_yaml_data);
    T_RUN(test_eval_ci);
    T_RUN(test_eval_ci_api_form);
    T_RUN(test_threads);
    T_RUN(test_cyclic_vars);
    T_RUN(test_deep_legal);
    T_RUN(test_step_budget);
    return T_EXIT();
}
