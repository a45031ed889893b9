/* test_registry.c — the function registry: validation, JSON and store round trip, Lambda ARNs
 * and what PutConfigRule reports for malformed ARNs and unknown functions. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules/functions/functions.h"
#include "store/store.h"
#include "t.h"

static struct pl_fn python_fn(const char *name)
{
    return (struct pl_fn){
        .account = "123456789012",
        .region = "us-east-1",
        .name = name,
        .runtime = PL_FN_PYTHON,
        .handler = "/srv/rules/required_tags.py:lambda_handler",
        .timeout_s = PL_FN_DEFAULT_TIMEOUT_S,
        .memory_mb = PL_FN_DEFAULT_MEMORY_MB,
    };
}

static void test_validate(void)
{
    static const struct {
        const char *name, *handler, *command, *url;
        enum pl_fn_runtime rt;
        int timeout, memory;
        int ok;
    } cases[] = {
        {"good-name_1", "/a/b.py:h", NULL, NULL, PL_FN_PYTHON, 60, 512, 1},
        {"", "/a/b.py:h", NULL, NULL, PL_FN_PYTHON, 60, 512, 0},
        {"bad name", "/a/b.py:h", NULL, NULL, PL_FN_PYTHON, 60, 512, 0},
        {"x", "a/b.py:h", NULL, NULL, PL_FN_PYTHON, 60, 512, 0},   /* relative */
        {"x", "/a/b.py", NULL, NULL, PL_FN_PYTHON, 60, 512, 0},    /* no function */
        {"x", "/a/b.txt:h", NULL, NULL, PL_FN_PYTHON, 60, 512, 0}, /* not .py */
        {"x", "/a/b.py:1h", NULL, NULL, PL_FN_PYTHON, 60, 512, 0}, /* not an identifier */
        {"x", NULL, "cat", NULL, PL_FN_EXEC, 60, 512, 1},
        {"x", NULL, "", NULL, PL_FN_EXEC, 60, 512, 0},
        {"x", NULL, NULL, "https://rules.example/x", PL_FN_HTTP, 60, 512, 1},
        {"x", NULL, NULL, "ftp://rules.example/x", PL_FN_HTTP, 60, 512, 0},
        {"x", NULL, "cat", NULL, PL_FN_EXEC, 0, 512, 0},
        {"x", NULL, "cat", NULL, PL_FN_EXEC, 901, 512, 0},
        {"x", NULL, "cat", NULL, PL_FN_EXEC, 900, 127, 0},
        {"x", NULL, "cat", NULL, PL_FN_EXEC, 900, 10240, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pl_fn fn = {.account = "123456789012",
                           .region = "us-east-1",
                           .name = cases[i].name,
                           .runtime = cases[i].rt,
                           .handler = cases[i].handler,
                           .command = cases[i].command,
                           .url = cases[i].url,
                           .timeout_s = cases[i].timeout,
                           .memory_mb = cases[i].memory};
        struct pl_err err = {0};
        int rc = pl_fn_validate(&fn, &err);
        if ((rc == 0) != cases[i].ok)
            T_FAIL_("case %zu: rc %d (%s)", i, rc, err.msg);
        if (rc < 0)
            T_EQ(err.code, PL_E_INVALID_PARAMETER_VALUE);
    }
}

static void test_json(void)
{
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_fn fn = python_fn("tags"), back;
    fn.created_ms = 1700000000123;
    char *json = pl_fn_to_json(&a, &fn);
    T_STR(json, "{\"name\":\"tags\",\"runtime\":\"python\",\"handler\":"
                "\"/srv/rules/required_tags.py:lambda_handler\",\"timeoutSeconds\":60,"
                "\"memoryMB\":512,\"created\":1700000000.123}");
    T_OK(pl_fn_from_json(&a, json, strlen(json), &back, NULL) == 0);
    T_STR(back.name, "tags");
    T_EQ(back.runtime, PL_FN_PYTHON);
    T_STR(back.handler, fn.handler);
    T_EQ(back.created_ms, 1700000000123);
    /* defaults for a minimal hand-written object */
    const char *min = "{\"name\":\"e\",\"runtime\":\"exec\",\"command\":\"cat\"}";
    T_OK(pl_fn_from_json(&a, min, strlen(min), &back, NULL) == 0);
    T_EQ(back.timeout_s, PL_FN_DEFAULT_TIMEOUT_S);
    T_EQ(back.memory_mb, PL_FN_DEFAULT_MEMORY_MB);
    struct pl_err err = {0};
    T_EQ(pl_fn_from_json(&a, "{\"runtime\":\"java\"}", 18, &back, &err), -1);
    pl_arena_fini(&a);
}

static void test_arn(void)
{
    struct pl_arena a;
    struct pl_fn_arn p;
    pl_arena_init(&a);
    T_OK(pl_fn_parse_arn(&a, "arn:aws:lambda:eu-west-1:123456789012:function:tags", &p, NULL) == 0);
    T_STR(p.region, "eu-west-1");
    T_STR(p.account, "123456789012");
    T_STR(p.name, "tags");
    T_OK(p.qualifier == NULL);
    T_OK(pl_fn_parse_arn(&a, "arn:aws:lambda:eu-west-1:123456789012:function:tags:prod", &p,
                         NULL) == 0);
    T_STR(p.qualifier, "prod");
    static const char *bad[] = {
        "tags",
        "arn:aws:lambda:eu-west-1:123456789012:function:",
        "arn:aws:lambda:eu-west-1:12345:function:tags",
        "arn:aws:s3:eu-west-1:123456789012:function:tags",
        "arn:aws:lambda:eu-west-1:123456789012:layer:tags",
        "arn:aws:lambda::123456789012:function:tags",
        "arn:aws:lambda:eu-west-1:123456789012:function:tags:",
        "arn:aws:lambda:eu-west-1:123456789012:function:tags:1:2",
        "arn:xyz:lambda:eu-west-1:123456789012:function:tags",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct pl_err err = {0};
        if (pl_fn_parse_arn(&a, bad[i], &p, &err) == 0)
            T_FAIL_("accepted %s", bad[i]);
        T_EQ(err.code, PL_E_INVALID_PARAMETER_VALUE);
    }
    struct pl_fn fn = python_fn("tags");
    T_STR(pl_fn_arn(&a, &fn), "arn:aws:lambda:us-east-1:123456789012:function:tags");
    pl_arena_fini(&a);
}

static void test_store_round_trip(void)
{
    char dir[] = "/tmp/plumb-fn-reg-XXXXXX";
    struct pl_store *st = NULL;
    struct pl_err err = {0};
    struct pl_arena a;
    pl_arena_init(&a);
    T_REQUIRE(mkdtemp(dir));
    T_REQUIRE(pl_store_open(dir, 0, &st, &err) == 0);

    struct pl_fn fn = python_fn("tags"), got;
    T_OK(pl_fn_put(st, &fn, &err) == 0);
    struct pl_fn e = {.account = "123456789012",
                      .region = "us-east-1",
                      .name = "alpha",
                      .runtime = PL_FN_EXEC,
                      .command = "cat",
                      .timeout_s = 5,
                      .memory_mb = 256};
    T_OK(pl_fn_put(st, &e, &err) == 0);
    struct pl_fn other = python_fn("tags");
    other.region = "eu-west-1";
    T_OK(pl_fn_put(st, &other, &err) == 0);

    T_EQ(pl_fn_get(st, "123456789012", "us-east-1", "tags", &a, &got, &err), 1);
    T_STR(got.handler, fn.handler);
    T_STR(got.account, "123456789012");
    T_STR(got.region, "us-east-1");
    T_OK(got.created_ms > 0);
    int64_t created = got.created_ms;
    T_EQ(pl_fn_get(st, "123456789012", "us-east-1", "nope", &a, &got, &err), 0);

    /* replacing keeps the creation time */
    fn.timeout_s = 120;
    T_OK(pl_fn_put(st, &fn, &err) == 0);
    T_EQ(pl_fn_get(st, "123456789012", "us-east-1", "tags", &a, &got, &err), 1);
    T_EQ(got.timeout_s, 120);
    T_EQ(got.created_ms, created);

    struct pl_fn *items;
    size_t n;
    T_OK(pl_fn_list(st, "123456789012", "us-east-1", &a, &items, &n, &err) == 0);
    T_EQ(n, 2);
    T_STR(items[0].name, "alpha");
    T_EQ(items[0].runtime, PL_FN_EXEC);
    T_STR(items[1].name, "tags");

    /* resolution by ARN, with and without a qualifier */
    const char *me = "123456789012";
    T_OK(pl_fn_resolve(st, me, "arn:aws:lambda:eu-west-1:123456789012:function:tags:live", &a,
                       &got, &err) == 0);
    T_STR(got.region, "eu-west-1");
    struct pl_err e1 = {0}, e2 = {0};
    T_EQ(pl_fn_resolve(st, me, "arn:aws:lambda:us-east-1:123456789012:function:gone", &a, &got,
                       &e1),
         -1);
    T_EQ(e1.code, PL_E_INSUFFICIENT_PERMISSIONS);
    T_OK(strstr(e1.msg, "function:gone cannot be invoked") != NULL);
    T_EQ(pl_fn_resolve(st, me, "not-an-arn", &a, &got, &e2), -1);
    T_EQ(e2.code, PL_E_INVALID_PARAMETER_VALUE);
    /* another account's function, existing or not: the same refusal, nothing to enumerate */
    struct pl_err e4 = {0}, e5 = {0};
    T_EQ(pl_fn_resolve(st, "222233334444", "arn:aws:lambda:eu-west-1:123456789012:function:tags",
                       &a, &got, &e4),
         -1);
    T_EQ(pl_fn_resolve(st, "222233334444", "arn:aws:lambda:eu-west-1:123456789012:function:nope",
                       &a, &got, &e5),
         -1);
    T_EQ(e4.code, PL_E_INVALID_PARAMETER_VALUE);
    T_OK(strstr(e4.msg, "belongs to another account") != NULL);
    T_OK(strstr(e5.msg, "belongs to another account") != NULL);

    /* an invalid definition is refused before it reaches the store */
    struct pl_fn bad = python_fn("tags");
    bad.handler = "relative.py:h";
    struct pl_err e3 = {0};
    T_EQ(pl_fn_put(st, &bad, &e3), -1);
    T_EQ(e3.code, PL_E_INVALID_PARAMETER_VALUE);

    T_EQ(pl_fn_delete(st, "123456789012", "us-east-1", "tags", &err), 1);
    T_EQ(pl_fn_delete(st, "123456789012", "us-east-1", "tags", &err), 0);
    T_OK(pl_fn_list(st, "123456789012", "us-east-1", &a, &items, &n, &err) == 0);
    T_EQ(n, 1);

    pl_store_close(st);
    pl_arena_fini(&a);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    T_EQ(system(cmd), 0);
}

int main(void)
{
    T_RUN(test_validate);
    T_RUN(test_json);
    T_RUN(test_arn);
    T_RUN(test_store_round_trip);
    return T_EXIT();
}
