/* test_cli.c — `plumb function` against a temporary data directory: add (each runtime, bad
 * usage), list (table and --json), invoke (exec and python, success and function error, in the
 * sandbox: the data directory hidden),
 * remove, and an --endpoint that does not answer. stdout is captured through a temp file. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/util.h"
#include "fn_server.h"
#include "t.h"

#define DATA FN_DATA

static char dir[] = "/tmp/plumb-fn-cli-XXXXXX";
static char out[1 << 16];

/* Runs `plumb function ARGS... --data dir` (NULL-terminated), stdout into out[]. */
static int run(const char *first, ...)
{
    char *argv[32] = {"function", (char *)first};
    int argc = 2;
    va_list ap;
    va_start(ap, first);
    for (const char *s; (s = va_arg(ap, const char *)) && argc < 28;)
        argv[argc++] = (char *)s;
    va_end(ap);
    bool remote = false;
    for (int i = 0; i < argc; i++)
        remote |= strcmp(argv[i], "--endpoint") == 0;
    if (!remote) {
        argv[argc++] = "--data";
        argv[argc++] = dir;
    }
    argv[argc] = NULL;

    char path[] = "/tmp/plumb-fn-out-XXXXXX";
    int fd = mkstemp(path), saved = dup(1);
    fflush(stdout);
    dup2(fd, 1);
    int rc = pl_cli_function(argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    ssize_t n = pread(fd, out, sizeof(out) - 1, 0);
    out[n > 0 ? n : 0] = 0;
    close(fd);
    unlink(path);
    return rc;
}

static void test_add_list_remove(void)
{
    T_EQ(run("add", "tags", "--runtime", "python", "--handler",
             DATA "/../functions/fn_required_tags.py:lambda_handler", "--timeout", "30", NULL),
         0);
    T_STR(out, "arn:aws:lambda:us-east-1:123456789012:function:tags\n");
    T_EQ(run("add", "cat", "--runtime", "exec", "--command", "cat", NULL), 0);
    T_EQ(run("add", "hook", "--runtime", "http", "--url", "http://127.0.0.1:9/x", "--region",
             "eu-west-1", NULL),
         0);
    T_EQ(run("list", "--json", NULL), 0);
    T_OK(strstr(out, "\"name\":\"cat\",\"runtime\":\"exec\",\"command\":\"cat\"") != NULL);
    /* the handler path is stored absolute and normalised */
    T_OK(strstr(out, "\"handler\":\"" DATA "/fn_required_tags.py:lambda_handler\"") != NULL);
    T_OK(strstr(out, "\"timeoutSeconds\":30") != NULL);
    T_OK(strstr(out, "hook") == NULL); /* other region */
    T_EQ(run("list", NULL), 0);
    T_OK(strstr(out, "NAME") && strstr(out, "tags") && strstr(out, "python"));
    T_EQ(run("list", "--region", "eu-west-1", NULL), 0);
    T_OK(strstr(out, "hook") != NULL);

    T_EQ(run("remove", "cat", NULL), 0);
    T_EQ(run("remove", "cat", NULL), 1);
    T_EQ(run("list", "--json", NULL), 0);
    T_OK(strstr(out, "\"cat\"") == NULL);
}

static void test_usage(void)
{
    T_EQ(run("add", "x", "--runtime", "java", NULL), 2);
    T_EQ(run("add", "x", "--runtime", "exec", NULL), 2);                      /* no command */
    T_EQ(run("add", "x", "--runtime", "exec", "--url", "http://a", NULL), 2); /* wrong flag */
    T_EQ(run("add", "x", "--runtime", "python", "--handler", "/nope/m.py:h", NULL), 2);
    T_EQ(run("add", "bad name", "--runtime", "exec", "--command", "cat", NULL), 2);
    T_EQ(run("add", "x", "--runtime", "exec", "--command", "cat", "--timeout", "0", NULL), 2);
    T_EQ(run("add", NULL), 2);
    T_EQ(run("frobnicate", "x", NULL), 2);
    T_EQ(run("list", "extra", NULL), 2);
}

static void test_invoke(void)
{
    char ev[] = "/tmp/plumb-fn-ev-XXXXXX";
    int fd = mkstemp(ev);
    T_REQUIRE(fd >= 0);
    T_REQUIRE(write(fd, "{\"what\":\"cli\"}", 14) == 14);
    close(fd);
    T_EQ(run("add", "echo", "--runtime", "exec", "--command", "cat", NULL), 0);
    T_EQ(run("invoke", "echo", "--event", ev, NULL), 0);
    T_STR(out, "{\"what\":\"cli\"}\n");
    T_EQ(run("add", "boom", "--runtime", "python", "--handler", DATA "/fn_faulty.py:raises", NULL),
         0);
    T_EQ(run("invoke", "boom", "--event", ev, "--json", NULL), 1);
    T_OK(strstr(out, "\"errorType\": \"Unhandled\"") != NULL);
    T_OK(strstr(out, "ValueError: bad thing: cli") != NULL);
    T_EQ(run("invoke", "missing", "--event", ev, NULL), 1);
    T_EQ(run("invoke", "echo", NULL), 2);
    /* invoke runs the function in plumb serve's sandbox: the data directory is out of reach */
    char db[256], cmd[512];
    snprintf(db, sizeof db, "%s/plumb.db", dir);
    T_EQ(access(db, R_OK), 0);
    snprintf(cmd, sizeof cmd, "test -e %s && printf visible || printf hidden", db);
    T_EQ(run("add", "peek", "--runtime", "exec", "--command", cmd, NULL), 0);
    T_EQ(run("invoke", "peek", "--event", ev, NULL), 0);
    T_STR(out, "hidden\n");
    unlink(ev);
}

static void test_endpoint_unreachable(void)
{
    setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    T_EQ(run("list", "--endpoint", "http://127.0.0.1:1", NULL), 1);
    T_EQ(run("add", "x", "--runtime", "exec", "--command", "cat", "--endpoint",
             "http://127.0.0.1:1", NULL),
         1);
}

/* --endpoint signs PlumbService calls with the environment's keys (SigV4, service config) */
static void test_endpoint_signed(void)
{
    struct fn_server srv;
    size_t len;
    fn_server_start(&srv);
    setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    T_EQ(run("list", "--endpoint", srv.url, "--region", "eu-west-1", NULL), 0);
    T_EQ(run("add", "x", "--runtime", "exec", "--command", "cat", "--endpoint", srv.url, NULL), 0);
    char *log = pl_read_file(srv.log, 1 << 20, &len);
    T_OK(log && strstr(log, "\"target\": \"PlumbService.ListFunctions\"") &&
         strstr(log, "\"target\": \"PlumbService.PutFunction\"") &&
         strstr(log, "Credential=AKIDTEST/") && strstr(log, "/eu-west-1/config/aws4_request") &&
         strstr(log, "\\\"FunctionName\\\":\\\"x\\\",\\\"Runtime\\\":\\\"exec\\\""));
    free(log);
    fn_server_stop(&srv);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    T_RUN(test_add_list_remove);
    T_RUN(test_usage);
    T_RUN(test_invoke);
    T_RUN(test_endpoint_unreachable);
    T_RUN(test_endpoint_signed);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return T_EXIT();
}
