/* test_invoke.c — the invoker: Python handlers (result, context, environment, exceptions,
 * import errors, warm and cold workers), exec and http runtimes, timeouts that kill the whole
 * process group, memory and output limits, the concurrency limit and its queue, async calls,
 * and an AWS-style handler calling boto3 put_evaluations against a stand-in endpoint.
 *
 * The stand-in endpoint (tests/data/functions/fn_fake_config.py) is started by the test on a
 * kernel-chosen port and killed at the end; it logs each request as a JSON line.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/json.h"
#include "core/time.h"
#include "core/util.h"
#include "rules/functions/functions.h"
#include "fn_fifo.h"
#include "fn_server.h"
#include "t.h"

#define DATA FN_DATA

static struct fn_server srv;
#define endpoint   srv.url
#define server_log srv.log
static struct pl_fn_env env = {
    .endpoint_url = endpoint,
    .access_key_id = "AKIDPLUMBTEST0000001",
    .secret_access_key = "plumb-test-secret",
};

static struct pl_fn mk(enum pl_fn_runtime rt, const char *what, int timeout)
{
    struct pl_fn fn = {
        .account = "123456789012",
        .region = "us-east-1",
        .name = "test-fn",
        .runtime = rt,
        .timeout_s = timeout,
        .memory_mb = PL_FN_DEFAULT_MEMORY_MB,
    };
    static char buf[8][512];
    static int next;
    char *b = buf[next++ % 8];
    if (rt == PL_FN_PYTHON) {
        snprintf(b, 512, "%s/%s", DATA, what);
        fn.handler = b;
    } else if (rt == PL_FN_EXEC) {
        fn.command = what;
    } else {
        snprintf(b, 512, "%s%s", endpoint, what);
        fn.url = b;
    }
    return fn;
}

static struct pl_fn_runner *runner(int conc, bool cold)
{
    struct pl_fn_runner_opts o = {.max_concurrency = conc, .cold = cold};
    struct pl_fn_runner *r = NULL;
    if (pl_fn_runner_new(&o, &r, NULL) < 0)
        abort();
    return r;
}

/* Invokes fn once with event; the caller finis *res. */
static void call(struct pl_fn_runner *r, const struct pl_fn *fn, const char *event,
                 struct pl_fn_result *res)
{
    struct pl_err err = {0};
    if (pl_fn_invoke(r, fn, &env, event, strlen(event), res, &err) < 0)
        T_FAIL_("invoke: %s", err.msg);
    if (!res->ok && getenv("PL_TEST_VERBOSE"))
        fprintf(stderr, "%s: %s\n%s\n", res->error_type, res->error_message,
                res->logs ? res->logs : "");
}

static const char *jstr(struct pl_json *root, const char *path)
{
    return pl_json_str(pl_json_path(root, path));
}

static void test_python_result_context_env(void)
{
    struct pl_fn_runner *r = runner(2, false);
    struct pl_fn fn = mk(PL_FN_PYTHON, "fn_echo.py:lambda_handler", 30);
    struct pl_fn_result res;
    struct pl_arena a;
    pl_arena_init(&a);
    call(r, &fn, "{\"resultToken\":\"tok\",\"n\":[1,2]}", &res);
    T_OK(res.ok);
    T_REQUIRE(res.payload);
    struct pl_json *j = pl_json_parse(&a, res.payload, strlen(res.payload), NULL);
    T_REQUIRE(j);
    T_STR(jstr(j, "event.resultToken"), "tok");
    T_STR(jstr(j, "context.function_name"), "test-fn");
    T_STR(jstr(j, "context.function_version"), "$LATEST");
    T_STR(jstr(j, "context.invoked_function_arn"),
          "arn:aws:lambda:us-east-1:123456789012:function:test-fn");
    T_STR(jstr(j, "context.aws_request_id"), res.request_id);
    T_STR(jstr(j, "context.log_group_name"), "/aws/lambda/test-fn");
    int64_t v;
    T_OK(pl_json_i64(pl_json_path(j, "context.memory_limit_in_mb"), &v) == 0 && v == 512);
    T_OK(pl_json_i64(pl_json_path(j, "context.remaining_ms"), &v) == 0 && v > 25000 && v <= 30000);
    T_STR(jstr(j, "env.AWS_ENDPOINT_URL"), endpoint);
    T_STR(jstr(j, "env.AWS_ENDPOINT_URL_CONFIG_SERVICE"), endpoint);
    T_STR(jstr(j, "env.AWS_ACCESS_KEY_ID"), "AKIDPLUMBTEST0000001");
    T_STR(jstr(j, "env.AWS_SECRET_ACCESS_KEY"), "plumb-test-secret");
    T_STR(jstr(j, "env.AWS_REGION"), "us-east-1");
    T_STR(jstr(j, "env.AWS_DEFAULT_REGION"), "us-east-1");
    T_STR(jstr(j, "env.AWS_LAMBDA_FUNCTION_NAME"), "test-fn");
    T_STR(jstr(j, "env.LAMBDA_TASK_ROOT"), DATA);
    T_STR(jstr(j, "cwd"), DATA);
    T_OK(pl_json_is(pl_json_path(j, "env.HOME"), PL_JNULL)); /* plumb's env does not leak */
    T_OK(res.logs && strstr(res.logs, "echo handler called 1"));
    T_OK(strlen(res.request_id) == 36);
    pl_fn_result_fini(&res);
    pl_arena_fini(&a);
    pl_fn_runner_free(r);
}

/* The module global `calls` counts invocations per process. */
static int64_t calls_of(struct pl_fn_runner *r, const struct pl_fn *fn)
{
    struct pl_fn_result res;
    struct pl_arena a;
    int64_t v = -1;
    pl_arena_init(&a);
    call(r, fn, "{}", &res);
    struct pl_json *j =
        res.payload ? pl_json_parse(&a, res.payload, strlen(res.payload), NULL) : NULL;
    pl_json_i64(pl_json_get(j, "calls"), &v);
    pl_fn_result_fini(&res);
    pl_arena_fini(&a);
    return v;
}

static void test_python_warm_and_cold(void)
{
    struct pl_fn fn = mk(PL_FN_PYTHON, "fn_echo.py:lambda_handler", 30);
    struct pl_fn_runner *warm = runner(2, false), *cold = runner(2, true);
    struct pl_fn_stats st;
    T_EQ(calls_of(warm, &fn), 1);
    T_EQ(calls_of(warm, &fn), 2);
    T_EQ(calls_of(warm, &fn), 3);
    pl_fn_runner_stats(warm, &st);
    T_EQ(st.cold_starts, 1);
    T_EQ(st.warm_hits, 2);
    T_EQ(st.warm_workers, 1);
    /* a different limit is a different worker */
    fn.memory_mb = 256;
    T_EQ(calls_of(warm, &fn), 1);
    T_EQ(calls_of(cold, &fn), 1);
    T_EQ(calls_of(cold, &fn), 1);
    pl_fn_runner_stats(cold, &st);
    T_EQ(st.cold_starts, 2);
    T_EQ(st.warm_workers, 0);
    pl_fn_runner_free(warm);
    pl_fn_runner_free(cold);
}

/* A deleted or replaced function's idle warm workers are killed at once, other functions'
 * stay, and a worker started later (the function put again) is kept warm again. */
static void test_forget(void)
{
    struct pl_fn fn = mk(PL_FN_PYTHON, "fn_echo.py:lambda_handler", 30);
    struct pl_fn other = fn;
    other.name = "other-fn";
    struct pl_fn_runner *r = runner(2, false);
    struct pl_fn_stats st;
    T_EQ(calls_of(r, &fn), 1);
    T_EQ(calls_of(r, &other), 1);
    pl_fn_runner_stats(r, &st);
    T_EQ(st.warm_workers, 2);
    pl_fn_runner_forget(r, fn.account, fn.region, fn.name);
    pl_fn_runner_stats(r, &st);
    T_EQ(st.warm_workers, 1);
    T_EQ(calls_of(r, &other), 2); /* still warm */
    T_EQ(calls_of(r, &fn), 1);    /* a new worker */
    T_EQ(calls_of(r, &fn), 2);    /* kept warm: started after the forget */
    pl_fn_runner_forget(r, "210987654321", fn.region, fn.name); /* another account's */
    pl_fn_runner_stats(r, &st);
    T_EQ(st.warm_workers, 2);
    pl_fn_runner_free(r);
}

static void test_python_errors(void)
{
    static const struct {
        const char *handler, *event, *type, *msg;
    } cases[] = {
        {"fn_faulty.py:raises", "{\"what\":\"x\"}", "Unhandled", "ValueError: bad thing: x"},
        {"fn_bad_import.py:lambda_handler", "{}", "Runtime.ImportModuleError",
         "Unable to import module 'fn_bad_import': No module named "
         "'no_such_module_for_plumb_tests'"},
        {"fn_echo.py:no_such_handler", "{}", "Runtime.HandlerNotFound",
         "Handler 'no_such_handler' missing on module 'fn_echo'"},
        {"fn_missing_file.py:h", "{}", "Runtime.ImportModuleError", NULL},
        {"fn_faulty.py:exits", "{}", "Runtime.ExitError",
         "Runtime exited with error: exit "
         "status 3"},
        {"fn_faulty.py:not_json", "{}", "Runtime.MarshalError", "Unable to marshal response"},
        {"fn_echo.py:lambda_handler", "{not json", "Runtime.UnmarshalError", NULL},
    };
    for (int cold = 0; cold < 2; cold++) {
        struct pl_fn_runner *r = runner(2, cold);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            struct pl_fn fn = mk(PL_FN_PYTHON, cases[i].handler, 30);
            struct pl_fn_result res;
            call(r, &fn, cases[i].event, &res);
            T_OK(!res.ok);
            T_STR(res.error_type, cases[i].type);
            if (cases[i].msg && !strstr(res.error_message, cases[i].msg))
                T_FAIL_("%s: message \"%s\" lacks \"%s\"", cases[i].handler, res.error_message,
                        cases[i].msg);
            pl_fn_result_fini(&res);
        }
        pl_fn_runner_free(r);
    }
    /* Lambda's error object keeps the stack trace */
    struct pl_fn_runner *r = runner(1, false);
    struct pl_fn fn = mk(PL_FN_PYTHON, "fn_faulty.py:raises", 30);
    struct pl_fn_result res;
    call(r, &fn, "{}", &res);
    T_OK(res.error_json && strstr(res.error_json, "\"errorType\": \"ValueError\"") &&
         strstr(res.error_json, "\"stackTrace\"") && strstr(res.error_json, "in inner"));
    pl_fn_result_fini(&res);
    /* the worker survives a handler exception, as a Lambda container does */
    struct pl_fn_stats st;
    call(r, &fn, "{}", &res);
    pl_fn_result_fini(&res);
    pl_fn_runner_stats(r, &st);
    T_EQ(st.warm_hits, 1);
    pl_fn_runner_free(r);
}

/* A timeout kills the worker and everything it started, even a grandchild in a session of
 * its own (setsid) that left the process group: its PID namespace dies with the worker. */
static void test_timeout_kills_group(void)
{
    for (int cold = 0; cold < 2; cold++) {
        struct pl_fn_runner *r = runner(1, cold);
        /* 5 s, not 1: a cold Python worker on a loaded machine may take over a second to
         * reach the handler, and the test needs the grandchild's readiness byte */
        struct pl_fn fn = mk(PL_FN_PYTHON, "fn_sandbox.py:escapes", 5);
        struct fn_fifo ff;
        char event[160];
        T_REQUIRE(fn_fifo_open(&ff) == 0);
        snprintf(event, sizeof(event), "{\"fifo\":\"%s\",\"sleep\":300}", ff.path);
        struct pl_fn_result res;
        int64_t t0 = pl_mono_ns();
        call(r, &fn, event, &res);
        int64_t ms = (pl_mono_ns() - t0) / 1000000;
        T_OK(!res.ok);
        T_STR(res.error_type, "TimeoutError");
        T_STR(res.error_message, "Task timed out after 5.00 seconds");
        T_OK(ms >= 5000 && ms < 15000);
        T_OK(fn_fifo_wait(&ff, 'r', 1000));  /* the grandchild ran */
        T_OK(fn_fifo_wait(&ff, 0, 10000));   /* and is gone */
        fn_fifo_close(&ff);
        pl_fn_result_fini(&res);
        /* the next call gets a fresh worker */
        fn = mk(PL_FN_PYTHON, "fn_faulty.py:slow", 5);
        call(r, &fn, "{\"seconds\":0.01}", &res);
        T_OK(res.ok);
        pl_fn_result_fini(&res);
        pl_fn_runner_free(r);
    }
}

static void test_memory_limit(void)
{
    struct pl_fn_runner *r = runner(1, false);
    struct pl_fn fn = mk(PL_FN_PYTHON, "fn_faulty.py:eats_memory", 30);
    struct pl_fn_result res;
    fn.memory_mb = 128;
    call(r, &fn, "{\"mb\":400}", &res);
    T_OK(!res.ok);
    T_STR(res.error_type, "Runtime.OutOfMemory");
    pl_fn_result_fini(&res);
    call(r, &fn, "{\"mb\":16}", &res); /* fine under the limit, in a new worker */
    T_OK(res.ok);
    T_STR(res.payload, "16777216");
    pl_fn_result_fini(&res);
    pl_fn_runner_free(r);
}

static void test_output_bounded(void)
{
    struct pl_fn_runner_opts o = {.max_concurrency = 1, .max_output = 4096};
    struct pl_fn_runner *r;
    T_REQUIRE(pl_fn_runner_new(&o, &r, NULL) == 0);
    struct pl_fn fn = mk(PL_FN_PYTHON, "fn_faulty.py:shouts", 30);
    struct pl_fn_result res;
    call(r, &fn, "{\"kb\":50000}", &res); /* 50 MB of stdout */
    T_OK(res.ok);
    T_STR(res.payload, "\"done\"");
    T_OK(res.logs && strlen(res.logs) == 4096);
    T_OK(res.logs_truncated);
    pl_fn_result_fini(&res);
    /* exec: 50 MB on stdout and stderr */
    fn = mk(PL_FN_EXEC,
            "head -c 50000000 /dev/zero | tr '\\0' y; "
            "head -c 50000000 /dev/zero | tr '\\0' z >&2",
            30);
    call(r, &fn, "{}", &res);
    T_OK(res.ok);
    T_OK(res.payload && strlen(res.payload) == 1024 * 1024);
    T_OK(res.logs && strlen(res.logs) == 4096 && res.logs_truncated);
    pl_fn_result_fini(&res);
    pl_fn_runner_free(r);
}

static void test_exec(void)
{
    struct pl_fn_runner *r = runner(2, false);
    struct pl_fn_result res;
    struct pl_fn fn = mk(PL_FN_EXEC, "cat", 10);
    call(r, &fn, "{\"resultToken\":\"t\"}", &res);
    T_OK(res.ok);
    T_STR(res.payload, "{\"resultToken\":\"t\"}");
    pl_fn_result_fini(&res);

    fn = mk(PL_FN_EXEC,
            "printf '%s %s %s' \"$AWS_ENDPOINT_URL\" \"$AWS_REGION\" "
            "\"$AWS_LAMBDA_FUNCTION_NAME\"",
            10);
    call(r, &fn, "{}", &res);
    char want[128];
    snprintf(want, sizeof(want), "%s us-east-1 test-fn", endpoint);
    T_STR(res.payload, want);
    pl_fn_result_fini(&res);

    fn = mk(PL_FN_EXEC, "echo working; echo 'no such resource' >&2; exit 4", 10);
    call(r, &fn, "{}", &res);
    T_OK(!res.ok);
    T_STR(res.error_type, "Runtime.ExitError");
    T_OK(strstr(res.error_message, "exit status 4: no such resource") != NULL);
    pl_fn_result_fini(&res);

    /* a command that ignores a big event still finishes */
    size_t big = 3 << 20;
    char *ev = pl_xmalloc(big + 1);
    memset(ev, ' ', big);
    ev[0] = '{', ev[big - 1] = '}', ev[big] = 0;
    fn = mk(PL_FN_EXEC, "echo ignored", 10);
    call(r, &fn, ev, &res);
    T_OK(res.ok);
    T_STR(res.payload, "ignored\n");
    pl_fn_result_fini(&res);
    free(ev);

    /* timeout with a background grandchild holding stdout */
    fn = mk(PL_FN_EXEC, "sleep 60 & sleep 60", 1);
    int64_t t0 = pl_mono_ns();
    call(r, &fn, "{}", &res);
    T_STR(res.error_type, "TimeoutError");
    T_OK((pl_mono_ns() - t0) / 1000000 < 3000);
    pl_fn_result_fini(&res);

    /* exits at once but leaves a background child behind: not waited for */
    fn = mk(PL_FN_EXEC, "sleep 60 & echo quick", 10);
    t0 = pl_mono_ns();
    call(r, &fn, "{}", &res);
    T_OK(res.ok);
    T_OK((pl_mono_ns() - t0) / 1000000 < 3000);
    pl_fn_result_fini(&res);
    pl_fn_runner_free(r);
}

static void test_http(void)
{
    struct pl_fn_runner *r = runner(2, false);
    struct pl_fn_result res;
    struct pl_fn fn = mk(PL_FN_HTTP, "/rule", 10);
    call(r, &fn, "{\"resultToken\":\"http-token\"}", &res);
    T_OK(res.ok);
    T_STR(res.payload, "{\"ok\": true}");
    pl_fn_result_fini(&res);
    size_t len;
    char *log = pl_read_file(server_log, 1 << 20, &len);
    T_OK(log && strstr(log, "http-token") &&
         strstr(log, "arn:aws:lambda:us-east-1:123456789012:function:test-fn"));
    free(log);

    fn = mk(PL_FN_HTTP, "/fail", 10);
    call(r, &fn, "{}", &res);
    T_OK(!res.ok);
    T_STR(res.error_type, "HTTPError");
    T_OK(strstr(res.error_message, "HTTP 500") != NULL);
    pl_fn_result_fini(&res);

    fn = mk(PL_FN_HTTP, "/slow", 1);
    call(r, &fn, "{}", &res);
    T_STR(res.error_type, "TimeoutError");
    pl_fn_result_fini(&res);

    fn.url = "http://127.0.0.1:1/nothing-listens";
    call(r, &fn, "{}", &res);
    T_STR(res.error_type, "HTTPError");
    pl_fn_result_fini(&res);
    pl_fn_runner_free(r);
}

struct par {
    struct pl_fn_runner *r;
    struct pl_fn fn;
    bool ok;
};

static void *par_call(void *arg)
{
    struct par *p = arg;
    struct pl_fn_result res;
    struct pl_err err = {0};
    pl_fn_invoke(p->r, &p->fn, &env, "{\"seconds\":0.5}", 15, &res, &err);
    p->ok = res.ok;
    if (!res.ok)
        fprintf(stderr, "par_call: %s: %s\n", res.error_type, res.error_message);
    pl_fn_result_fini(&res);
    return NULL;
}

static void test_concurrency_limit(void)
{
    struct pl_fn_runner *r = runner(2, false);
    struct par p[4];
    pthread_t th[4];
    /* warm two workers first so start-up time does not blur the measurement */
    for (int i = 0; i < 2; i++) {
        p[i] = (struct par){r, mk(PL_FN_PYTHON, "fn_faulty.py:slow", 10), false};
        pthread_create(&th[i], NULL, par_call, &p[i]);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    int64_t t0 = pl_mono_ns();
    int max_running = 0;
    for (int i = 0; i < 4; i++) {
        p[i] = (struct par){r, mk(PL_FN_PYTHON, "fn_faulty.py:slow", 10), false};
        pthread_create(&th[i], NULL, par_call, &p[i]);
    }
    for (int k = 0; k < 50; k++) {
        struct pl_fn_stats st;
        pl_fn_runner_stats(r, &st);
        max_running = st.running > max_running ? st.running : max_running;
        usleep(10000);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        T_OK(p[i].ok);
    }
    int64_t ms = (pl_mono_ns() - t0) / 1000000;
    T_OK(max_running <= 2);
    T_OK(ms >= 1000); /* 4 x 0.5 s on 2 slots: two rounds */
    pl_fn_runner_free(r);

    /* a caller that cannot get a slot in time is throttled, as Lambda would */
    struct pl_fn_runner_opts o = {.max_concurrency = 1, .queue_wait_ms = 100};
    T_REQUIRE(pl_fn_runner_new(&o, &r, NULL) == 0);
    p[0] = (struct par){r, mk(PL_FN_PYTHON, "fn_faulty.py:slow", 10), false};
    pthread_create(&th[0], NULL, par_call, &p[0]);
    usleep(100000);
    struct pl_fn_result res;
    struct pl_fn fn = mk(PL_FN_EXEC, "true", 10);
    call(r, &fn, "{}", &res);
    T_STR(res.error_type, "TooManyRequestsException");
    pl_fn_result_fini(&res);
    pthread_join(th[0], NULL);
    T_OK(p[0].ok);
    struct pl_fn_stats st;
    pl_fn_runner_stats(r, &st);
    T_EQ(st.throttled, 1);
    pl_fn_runner_free(r);
}

static pthread_mutex_t done_mu = PTHREAD_MUTEX_INITIALIZER;
static int done_ok, done_n;

static void on_done(void *arg, const struct pl_fn_result *res)
{
    pthread_mutex_lock(&done_mu);
    done_n++;
    done_ok += res->ok && strcmp(res->payload, (const char *)arg) == 0;
    pthread_mutex_unlock(&done_mu);
}

static void test_async(void)
{
    struct pl_fn_runner *r = runner(2, false);
    struct pl_fn fn = mk(PL_FN_EXEC, "cat", 10);
    for (int i = 0; i < 6; i++)
        T_OK(pl_fn_invoke_async(r, &fn, &env, "{\"a\":1}", 7, on_done, "{\"a\":1}", NULL) == 0);
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&done_mu);
        int n = done_n;
        pthread_mutex_unlock(&done_mu);
        if (n == 6)
            break;
        usleep(10000);
    }
    T_EQ(done_n, 6);
    T_EQ(done_ok, 6);
    /* queued work is failed, not lost, when the runner goes away */
    struct pl_fn slow = mk(PL_FN_PYTHON, "fn_faulty.py:slow", 10);
    done_n = done_ok = 0;
    for (int i = 0; i < 5; i++)
        pl_fn_invoke_async(r, &slow, &env, "{\"seconds\":0.2}", 15, on_done, "{}", NULL);
    pl_fn_runner_free(r);
    T_EQ(done_n, 5);
}

static void test_bad_arguments(void)
{
    struct pl_fn_runner *r = runner(1, false);
    struct pl_fn fn = mk(PL_FN_EXEC, "cat", 10);
    struct pl_fn_env none = {0};
    struct pl_fn_result res;
    struct pl_err err = {0};
    T_EQ(pl_fn_invoke(r, &fn, &none, "{}", 2, &res, &err), -1);
    T_STR(res.error_type, "ServiceException");
    pl_fn_result_fini(&res);
    /* an interpreter that does not exist: a clear error, not a failed exec */
    struct pl_fn_runner_opts o = {.max_concurrency = 1, .python = "/nonexistent/python3"};
    struct pl_fn_runner *nopy;
    T_REQUIRE(pl_fn_runner_new(&o, &nopy, NULL) == 0);
    struct pl_fn py = mk(PL_FN_PYTHON, "fn_echo.py:lambda_handler", 10);
    call(nopy, &py, "{}", &res);
    T_STR(res.error_type, "ServiceException");
    T_STR(res.error_message, "no python3 interpreter on plumb's PATH runs in the function sandbox");
    pl_fn_result_fini(&res);
    pl_fn_runner_free(nopy);
    fn.timeout_s = 0;
    pl_err_clear(&err);
    T_EQ(pl_fn_invoke(r, &fn, &env, "{}", 2, &res, &err), -1);
    T_EQ(err.code, PL_E_INVALID_PARAMETER_VALUE);
    pl_fn_result_fini(&res);
    pl_fn_runner_free(r);
}

/* The acceptance handler: AWS-style, boto3 put_evaluations with the event's resultToken. */
static void test_boto3_put_evaluations(void)
{
    struct pl_fn_runner *r = runner(1, false);
    struct pl_fn fn = mk(PL_FN_PYTHON, "fn_required_tags.py:lambda_handler", 60);
    size_t len;
    char *ev = pl_read_file(PL_SHARED_DIR "/data/config-items/aws-config-developer-guide/"
                                          "evaluate-config_develop-rules_example-events_1.json",
                            1 << 20, &len);
    T_REQUIRE(ev);
    /* the example's parameters, replaced by the rule's requiredTags */
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_json *j = pl_json_parse(&a, ev, len, NULL);
    T_REQUIRE(j);
    pl_json_del(j, "ruleParameters");
    pl_json_set_str(&a, j, "ruleParameters", "{\"requiredTags\":\"Environment,Owner,Foo\"}");
    const char *event = pl_json_dump(&a, j, PL_JSON_COMPACT);
    struct pl_fn_result res;
    call(r, &fn, event, &res);
    T_OK(res.ok);
    T_OK(res.payload && strstr(res.payload, "NON_COMPLIANT") &&
         strstr(res.payload, "Missing required tags: Environment, Owner"));
    pl_fn_result_fini(&res);
    char *log = pl_read_file(server_log, 1 << 20, &len);
    T_OK(log && strstr(log, "StarlingDoveService.PutEvaluations") && strstr(log, "myResultToken") &&
         strstr(log, "Credential=AKIDPLUMBTEST0000001/") &&
         strstr(log, "/us-east-1/config/aws4_request"));
    free(log);
    free(ev);
    pl_arena_fini(&a);
    pl_fn_runner_free(r);
}

/* botocore < 1.31 ignores AWS_ENDPOINT_URL*; the bootstrap teaches it. Simulated on a newer
 * botocore: AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns its own support off, and
 * PLUMB_PATCH_BOTOCORE forces the patch, so only the patch can route the call to plumb. */
static void test_old_botocore_endpoint_patch(void)
{
    static const char *const extra[] = {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true",
                                        "PLUMB_PATCH_BOTOCORE=1", NULL};
    struct pl_fn_env e = env;
    e.extra = extra;
    struct pl_fn_runner *r = runner(1, true);
    struct pl_fn fn = mk(PL_FN_PYTHON, "fn_required_tags.py:lambda_handler", 60);
    static const char event[] =
        "{\"invokingEvent\":\"{\\\"configurationItem\\\":{\\\"resourceType\\\":"
        "\\\"AWS::EC2::Instance\\\",\\\"resourceId\\\":\\\"i-patched\\\","
        "\\\"configurationItemStatus\\\":\\\"OK\\\",\\\"tags\\\":{},"
        "\\\"configurationItemCaptureTime\\\":\\\"2026-01-01T00:00:00.000Z\\\"}}\","
        "\"ruleParameters\":\"{}\",\"resultToken\":\"patched-token\"}";
    struct pl_fn_result res;
    struct pl_err err = {0};
    T_OK(pl_fn_invoke(r, &fn, &e, event, strlen(event), &res, &err) == 0);
    T_OK(res.ok);
    if (!res.ok)
        fprintf(stderr, "%s: %s\n%s\n", res.error_type, res.error_message, res.logs);
    pl_fn_result_fini(&res);
    size_t len;
    char *log = pl_read_file(server_log, 1 << 20, &len);
    T_OK(log && strstr(log, "patched-token") && strstr(log, "i-patched"));
    free(log);
    pl_fn_runner_free(r);
}

int main(void)
{
    fn_server_start(&srv);
    T_RUN(test_python_result_context_env);
    T_RUN(test_python_warm_and_cold);
    T_RUN(test_forget);
    T_RUN(test_python_errors);
    T_RUN(test_timeout_kills_group);
    T_RUN(test_memory_limit);
    T_RUN(test_output_bounded);
    T_RUN(test_exec);
    T_RUN(test_http);
    T_RUN(test_concurrency_limit);
    T_RUN(test_async);
    T_RUN(test_bad_arguments);
    T_RUN(test_boto3_put_evaluations);
    T_RUN(test_old_botocore_endpoint_patch);
    fn_server_stop(&srv);
    return T_EXIT();
}
