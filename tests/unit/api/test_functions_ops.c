/* test_functions_ops.c — the PlumbService function operations (ops_functions.c) called as api.c calls
 * them: PutFunction, GetFunction, ListFunctions, DeleteFunction, and their errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "store/store.h"
#include "t.h"

extern const struct pl_op_entry pl_ops_functions[];

static struct pl_store *st;
static struct pl_arena arena;
static int caller_admin = 1; /* calls are made with an administrator key unless a test says */

/* Runs operation op with the JSON body in; returns its result code, the response in *out. */
static int call(const char *op, const char *in, char **out, struct pl_err *err)
{
    pl_op_fn fn = NULL;
    for (const struct pl_op_entry *e = pl_ops_functions; e->name; e++)
        if (strcmp(e->name, op) == 0)
            fn = e->fn;
    if (!fn)
        return -2;
    struct pl_api_req req = {.admin = caller_admin};
    struct pl_op_ctx c = {
        .req = &req,
        .account = "123456789012",
        .region = "us-east-1",
        .in = pl_json_parse(&arena, in, strlen(in), NULL),
        .out = pl_json_new_obj(&arena),
        .a = &arena,
        .st = st,
        .err = err,
    };
    int rc = fn(&c);
    *out = pl_json_dump(&arena, c.out, PL_JSON_COMPACT);
    return rc;
}

static void test_round_trip(void)
{
    struct pl_err err = {0};
    char *out;
    T_EQ(call("PutFunction",
              "{\"FunctionName\":\"tags\",\"Runtime\":\"python\","
              "\"Handler\":\"/srv/rules/tags.py:lambda_handler\",\"Timeout\":30}",
              &out, &err),
         0);
    T_STR(out, "{\"FunctionArn\":\"arn:aws:lambda:us-east-1:123456789012:function:tags\"}");
    T_EQ(call("PutFunction",
              "{\"FunctionName\":\"hook\",\"Runtime\":\"http\",\"Url\":\"https://x.example/\","
              "\"Handler\":\"/ignored.py:h\"}",
              &out, &err),
         0);
    T_EQ(call("GetFunction", "{\"FunctionName\":\"tags\"}", &out, &err), 0);
    T_OK(strstr(out, "\"Runtime\":\"python\"") && strstr(out, "\"Timeout\":30") &&
         strstr(out, "\"MemorySize\":512") && strstr(out, "\"Created\":"));
    T_EQ(call("ListFunctions", "{}", &out, &err), 0);
    T_OK(strstr(out, "{\"Functions\":[{\"FunctionName\":\"hook\"") != NULL);
    T_OK(strstr(out, "ignored") == NULL); /* only the chosen runtime's member is kept */
    T_EQ(call("DeleteFunction", "{\"FunctionName\":\"hook\"}", &out, &err), 0);
    T_STR(out, "{}");
    T_EQ(call("ListFunctions", "{}", &out, &err), 0);
    T_OK(strstr(out, "hook") == NULL);
}

static void test_errors(void)
{
    static const struct {
        const char *op, *in;
        enum pl_errcode code;
        const char *msg;
    } cases[] = {
        {"PutFunction", "{\"Runtime\":\"exec\",\"Command\":\"cat\"}", PL_E_INVALID_PARAMETER_VALUE,
         "FunctionName is required"},
        {"PutFunction", "{\"FunctionName\":\"x\",\"Runtime\":\"java\"}",
         PL_E_INVALID_PARAMETER_VALUE, "Runtime 'java'"},
        {"PutFunction", "{\"FunctionName\":\"x\",\"Runtime\":\"exec\",\"Command\":7}",
         PL_E_INVALID_PARAMETER_VALUE, "Command must be a string"},
        {"PutFunction",
         "{\"FunctionName\":\"x\",\"Runtime\":\"exec\",\"Command\":\"c\","
         "\"Timeout\":1000}",
         PL_E_INVALID_PARAMETER_VALUE, "timeoutSeconds 1000"},
        {"PutFunction", "{\"FunctionName\":\"x\",\"Runtime\":\"python\",\"Handler\":\"a.py:h\"}",
         PL_E_INVALID_PARAMETER_VALUE, "absolute"},
        {"GetFunction", "{\"FunctionName\":\"nope\"}", PL_E_RESOURCE_NOT_FOUND,
         "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"},
        {"DeleteFunction", "{\"FunctionName\":\"nope\"}", PL_E_RESOURCE_NOT_FOUND,
         "Function not found"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pl_err err = {0};
        char *out;
        T_EQ(call(cases[i].op, cases[i].in, &out, &err), -1);
        T_EQ(err.code, cases[i].code);
        if (!strstr(err.msg, cases[i].msg))
            T_FAIL_("case %zu: \"%s\" lacks \"%s\"", i, err.msg, cases[i].msg);
    }
}

/* An account key (not an administrator) cannot register code that runs on the host, in any
 * runtime; it may still read and delete its own account's functions. */
static void test_put_needs_admin(void)
{
    static const char *const bodies[] = {
        "{\"FunctionName\":\"x\",\"Runtime\":\"exec\",\"Command\":\"cat /etc/passwd\"}",
        "{\"FunctionName\":\"x\",\"Runtime\":\"python\",\"Handler\":\"/tmp/x.py:h\"}",
        "{\"FunctionName\":\"x\",\"Runtime\":\"http\",\"Url\":\"http://169.254.169.254/\"}",
    };
    char *out;
    caller_admin = 0;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct pl_err err = {0};
        T_EQ(call("PutFunction", bodies[i], &out, &err), -1);
        T_EQ(err.code, PL_E_ACCESS_DENIED);
        T_OK(strstr(err.msg, "administrator") != NULL);
    }
    struct pl_err err = {0};
    T_EQ(call("GetFunction", "{\"FunctionName\":\"x\"}", &out, &err), -1);
    T_EQ(err.code, PL_E_RESOURCE_NOT_FOUND); /* nothing was stored */
    T_EQ(call("ListFunctions", "{}", &out, &err), 0);
    caller_admin = 1;
}

int main(void)
{
    char dir[] = "/tmp/plumb-fn-ops-XXXXXX";
    struct pl_err err = {0};
    if (!mkdtemp(dir) || pl_store_open(dir, 0, &st, &err) < 0)
        return 1;
    pl_arena_init(&arena);
    T_RUN(test_round_trip);
    T_RUN(test_errors);
    T_RUN(test_put_needs_admin);
    pl_arena_fini(&arena);
    pl_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return T_EXIT();
}
