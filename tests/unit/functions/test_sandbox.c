/* test_sandbox.c — the function sandbox attacked from inside: a function cannot read plumb's
 * data directory (credentials.json, plumb.db), a setsid grandchild dies with its warm worker, a
 * fork bomb of 1,000 children stops at RLIMIT_NPROC and the next function still runs, and the
 * worker is pid 1 of a namespace of its own, as nobody when the test runs as root; where the
 * sandbox cannot be made, functions are refused unless unsafe. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/json.h"
#include "core/util.h"
#include "rules/functions/functions.h"
#include "rules/functions/sandbox.h"
#include "fn_fifo.h"
#include "fn_server.h"
#include "t.h"

static struct fn_server srv;
static struct pl_fn_env env = {
    .endpoint_url = srv.url,
    .access_key_id = "AKIDPLUMBTEST0000001",
    .secret_access_key = "plumb-test-secret",
};
static char data_dir[64];

static struct pl_fn mk(const char *handler)
{
    static char buf[4][512];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, 512, "%s/fn_sandbox.py:%s", FN_DATA, handler);
    return (struct pl_fn){.account = "123456789012",
                          .region = "us-east-1",
                          .name = "sbx",
                          .runtime = PL_FN_PYTHON,
                          .handler = b,
                          .timeout_s = 30,
                          .memory_mb = PL_FN_DEFAULT_MEMORY_MB};
}

/* Invokes and parses the payload into a (NULL when the call failed). */
static struct pl_json *call(struct pl_fn_runner *r, const struct pl_fn *fn, const char *event,
                            struct pl_arena *a)
{
    struct pl_fn_result res;
    struct pl_err err = {0};
    struct pl_json *j = NULL;
    if (pl_fn_invoke(r, fn, &env, event, strlen(event), &res, &err) < 0)
        T_FAIL_("invoke: %s", err.msg);
    if (res.ok && res.payload)
        j = pl_json_parse(a, res.payload, strlen(res.payload), NULL);
    else
        fprintf(stderr, "%s: %s\n%s\n", res.error_type, res.error_message,
                res.logs ? res.logs : "");
    pl_fn_result_fini(&res);
    return j;
}

/* A data directory like plumb's: 0700, credentials.json and plumb.db inside. */
static void make_data_dir(void)
{
    snprintf(data_dir, sizeof(data_dir), "/tmp/plumb-sbx-data-XXXXXX");
    T_REQUIRE(mkdtemp(data_dir));
    const char *names[] = {"credentials.json", "plumb.db"};
    for (size_t i = 0; i < PL_ARRAY_LEN(names); i++) {
        char path[128];
        snprintf(path, sizeof(path), "%s/%s", data_dir, names[i]);
        FILE *f = fopen(path, "w");
        T_REQUIRE(f);
        fputs("secret\n", f);
        fclose(f);
        /* world-readable on purpose: the sandbox, not the mode, must keep them out */
        T_REQUIRE(chmod(path, 0644) == 0);
    }
    T_REQUIRE(chmod(data_dir, 0755) == 0);
}

static void test_data_dir_hidden(void)
{
    struct pl_fn_runner *r;
    T_REQUIRE(pl_fn_runner_new(NULL, &r, NULL) == 0);
    struct pl_fn fn = mk("reads");
    struct pl_arena a;
    char event[512];
    pl_arena_init(&a);
    snprintf(event, sizeof(event),
             "{\"paths\":[\"%s/credentials.json\",\"%s/plumb.db\","
             "\"%s/fn_sandbox.py\"]}",
             data_dir, data_dir, FN_DATA);
    struct pl_json *j = call(r, &fn, event, &a);
    T_REQUIRE(j);
    char key[128];
    snprintf(key, sizeof(key), "%s/credentials.json", data_dir);
    T_STR(pl_json_get_str(j, key), "ENOENT");
    snprintf(key, sizeof(key), "%s/plumb.db", data_dir);
    T_STR(pl_json_get_str(j, key), "ENOENT");
    snprintf(key, sizeof(key), "%s/fn_sandbox.py", FN_DATA);
    T_STR(pl_json_get_str(j, key), "read"); /* its own handler is readable */
    pl_arena_fini(&a);
    pl_fn_runner_free(r);
}

static void test_pid1_and_uid(void)
{
    struct pl_fn_runner *r;
    T_REQUIRE(pl_fn_runner_new(NULL, &r, NULL) == 0);
    struct pl_fn fn = mk("whoami");
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_json *j = call(r, &fn, "{}", &a);
    T_REQUIRE(j);
    int64_t uid = -1, pid = -1;
    T_OK(pl_json_i64(pl_json_get(j, "uid"), &uid) == 0);
    T_OK(pl_json_i64(pl_json_get(j, "pid"), &pid) == 0);
    T_EQ(pid, 1); /* the worker is its namespace's init: its death ends every descendant */
    T_EQ(uid, geteuid() == 0 ? PL_FN_SANDBOX_UID : (int64_t)geteuid());
    T_OK(pl_json_at(pl_json_get(j, "procs"), 0) &&
         !pl_json_at(pl_json_get(j, "procs"), 5)); /* plumb's processes are out of sight */
    pl_arena_fini(&a);
    pl_fn_runner_free(r);
}

/* A warm worker that returned keeps its setsid grandchild (as a Lambda container may); the
 * grandchild dies when plumb kills the worker. */
static void test_escapee_dies_with_warm_worker(void)
{
    struct pl_fn_runner *r;
    T_REQUIRE(pl_fn_runner_new(NULL, &r, NULL) == 0);
    struct pl_fn fn = mk("escapes");
    struct fn_fifo ff;
    struct pl_arena a;
    char event[160];
    pl_arena_init(&a);
    T_REQUIRE(fn_fifo_open(&ff) == 0);
    snprintf(event, sizeof(event), "{\"fifo\":\"%s\",\"sleep\":0}", ff.path);
    struct pl_json *j = call(r, &fn, event, &a);
    T_OK(j && pl_json_str(j) && strcmp(pl_json_str(j), "spawned") == 0);
    T_OK(fn_fifo_wait(&ff, 'r', 10000)); /* the grandchild runs, */
    T_OK(fn_fifo_held(&ff));             /* outlives the invocation, */
    pl_fn_runner_free(r);                /* and dies with the worker */
    T_OK(fn_fifo_wait(&ff, 0, 10000));
    fn_fifo_close(&ff);
    pl_arena_fini(&a);
}

static void test_fork_bomb(void)
{
    struct pl_fn_runner *r;
    T_REQUIRE(pl_fn_runner_new(NULL, &r, NULL) == 0);
    struct pl_fn fn = mk("forks");
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_json *j = call(r, &fn, "{\"n\":1000}", &a);
    T_REQUIRE(j);
    int64_t n = -1;
    T_OK(pl_json_i64(pl_json_get(j, "forked"), &n) == 0);
    T_OK(n > 0 && n < PL_FN_SANDBOX_NPROC);
    T_STR(pl_json_get_str(j, "error"), "EAGAIN");
    /* while the bomb's children live, another function still starts and runs */
    fn = mk("whoami");
    T_OK(call(r, &fn, "{}", &a) != NULL);
    pl_arena_fini(&a);
    pl_fn_runner_free(r);
}

/* A machine where the sandbox cannot be made (here: the directory to hide is a file, so its
 * tmpfs cannot be mounted) refuses functions with the reason, unless told to run unsafe. */
static void test_refused_unless_unsafe(void)
{
    char file[128];
    snprintf(file, sizeof(file), "%s/credentials.json", data_dir);
    struct pl_fn_sandbox_opts o = {.hide_dir = file, .drop_root = true};
    struct pl_err err = {0};
    T_EQ(pl_fn_sandbox_configure(&o, &err), -1);
    T_OK(strstr(err.msg, "function sandbox unavailable") && strstr(err.msg, "--unsafe-functions"));
    struct pl_fn_runner *r;
    T_REQUIRE(pl_fn_runner_new(NULL, &r, NULL) == 0);
    struct pl_fn fn = mk("whoami");
    struct pl_fn_result res;
    T_EQ(pl_fn_invoke(r, &fn, &env, "{}", 2, &res, &err), 0);
    T_OK(!res.ok);
    T_STR(res.error_type, "ServiceException");
    T_OK(res.error_message && strstr(res.error_message, "function sandbox unavailable"));
    pl_fn_result_fini(&res);
    pl_fn_runner_free(r);

    o.unsafe = true; /* runs, visibly outside any sandbox */
    T_EQ(pl_fn_sandbox_configure(&o, &err), 1);
    T_REQUIRE(pl_fn_runner_new(NULL, &r, NULL) == 0);
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_json *j = call(r, &fn, "{}", &a);
    int64_t pid = 1;
    T_OK(j && pl_json_i64(pl_json_get(j, "pid"), &pid) == 0 && pid != 1);
    pl_arena_fini(&a);
    pl_fn_runner_free(r);
}

int main(void)
{
    fn_server_start(&srv);
    make_data_dir();
    struct pl_fn_sandbox_opts o = {.hide_dir = data_dir, .drop_root = true};
    struct pl_err err = {0};
    if (pl_fn_sandbox_configure(&o, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    T_RUN(test_data_dir_hidden);
    T_RUN(test_pid1_and_uid);
    T_RUN(test_escapee_dies_with_warm_worker);
    T_RUN(test_fork_bomb);
    T_RUN(test_refused_unless_unsafe); /* last: it changes the process-wide sandbox */
    fn_server_stop(&srv);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", data_dir);
    (void)!system(cmd);
    return T_EXIT();
}
