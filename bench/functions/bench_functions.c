/* bench_functions.c — Python-rule evaluations per second through the function runner, cold
 * (one process per event) and warm (long-lived workers), at several concurrencies, plus what
 * bounds a cold start: the interpreter's start-up, importing boto3, creating a client.
 *
 *   bench_functions [--handler evaluate|put_evaluations] [--endpoint URL] [--cold-events N]
 *                   [--warm-events N] [--concurrency 1,2,4]
 *
 * The event is the AWS developer guide's change-triggered example with a requiredTags
 * parameter. Without --endpoint, put_evaluations goes to the stand-in endpoint of the tests
 * (tests/data/functions/fn_fake_config.py, a threaded Python http.server) started here.
 * Figures: docs/PERFORMANCE.md, section "Lambda-style functions".
 */
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/time.h"
#include "rules/functions/functions.h"

#define DIR PL_SOURCE_DIR "/bench/functions"

static const char EVENT[] =
    "{\"invokingEvent\":\"{\\\"configurationItem\\\":{\\\"configurationItemCaptureTime\\\":"
    "\\\"2016-02-17T01:36:34.043Z\\\",\\\"awsAccountId\\\":\\\"123456789012\\\","
    "\\\"configurationItemStatus\\\":\\\"OK\\\",\\\"resourceId\\\":\\\"i-00000000\\\","
    "\\\"ARN\\\":\\\"arn:aws:ec2:us-east-1:123456789012:instance/i-00000000\\\","
    "\\\"awsRegion\\\":\\\"us-east-1\\\",\\\"availabilityZone\\\":\\\"us-east-1a\\\","
    "\\\"resourceType\\\":\\\"AWS::EC2::Instance\\\",\\\"tags\\\":{\\\"Foo\\\":\\\"Bar\\\"},"
    "\\\"relationships\\\":[],\\\"configuration\\\":{\\\"foo\\\":\\\"bar\\\"}},"
    "\\\"messageType\\\":\\\"ConfigurationItemChangeNotification\\\"}\","
    "\"ruleParameters\":\"{\\\"requiredTags\\\":\\\"Environment,Owner,CostCenter\\\"}\","
    "\"resultToken\":\"bench-token\",\"eventLeftScope\":false,"
    "\"executionRoleArn\":\"arn:aws:iam::123456789012:role/config-role\","
    "\"configRuleArn\":\"arn:aws:config:us-east-1:123456789012:config-rule/config-rule-0123456\","
    "\"configRuleName\":\"required-tags\",\"configRuleId\":\"config-rule-0123456\","
    "\"accountId\":\"123456789012\",\"version\":\"1.0\"}";

static struct pl_fn_env env = {.access_key_id = "AKIDBENCH", .secret_access_key = "bench"};
static struct pl_fn fn = {
    .account = "123456789012",
    .region = "us-east-1",
    .name = "bench-required-tags",
    .runtime = PL_FN_PYTHON,
    .timeout_s = 60,
    .memory_mb = 512,
};

/* Median wall time in ms of running python3 -c code, n times. */
static double spawn_ms(const char *code, int n)
{
    double t[32];
    extern char **environ;
    for (int i = 0; i < n && i < 32; i++) {
        char *argv[] = {"python3", "-c", (char *)code, NULL};
        pid_t pid;
        int64_t t0 = pl_mono_ns();
        if (posix_spawnp(&pid, "python3", NULL, NULL, argv, environ) != 0)
            return -1;
        waitpid(pid, NULL, 0);
        t[i] = (double)(pl_mono_ns() - t0) / 1e6;
    }
    for (int i = 1; i < n; i++) /* insertion sort, n is small */
        for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
            double x = t[j];
            t[j] = t[j - 1], t[j - 1] = x;
        }
    return t[n / 2];
}

struct load {
    struct pl_fn_runner *r;
    int events, failed;
    pthread_mutex_t mu;
    int next;
};

static void *worker(void *arg)
{
    struct load *l = arg;
    for (;;) {
        pthread_mutex_lock(&l->mu);
        int i = l->next++;
        pthread_mutex_unlock(&l->mu);
        if (i >= l->events)
            return NULL;
        struct pl_fn_result res;
        struct pl_err err = {0};
        pl_fn_invoke(l->r, &fn, &env, EVENT, sizeof(EVENT) - 1, &res, &err);
        if (!res.ok) {
            pthread_mutex_lock(&l->mu);
            if (l->failed++ == 0)
                fprintf(stderr, "error: %s: %s\n%s\n", res.error_type, res.error_message,
                        res.logs ? res.logs : "");
            pthread_mutex_unlock(&l->mu);
        }
        pl_fn_result_fini(&res);
    }
}

/* Runs events invocations from conc threads on a fresh runner; returns evaluations/s. */
static double run(bool cold, int conc, int events, int *failed)
{
    struct pl_fn_runner_opts o = {.max_concurrency = conc, .cold = cold};
    struct load l = {.events = events};
    pthread_t th[16];
    pthread_mutex_init(&l.mu, NULL);
    if (pl_fn_runner_new(&o, &l.r, NULL) < 0)
        return -1;
    if (!cold) { /* warm up: one worker per slot, as a busy server would have */
        l.events = conc;
        for (int i = 0; i < conc; i++)
            pthread_create(&th[i], NULL, worker, &l);
        for (int i = 0; i < conc; i++)
            pthread_join(th[i], NULL);
        l.events = events;
        l.next = 0;
    }
    int64_t t0 = pl_mono_ns();
    for (int i = 0; i < conc; i++)
        pthread_create(&th[i], NULL, worker, &l);
    for (int i = 0; i < conc; i++)
        pthread_join(th[i], NULL);
    double secs = (double)(pl_mono_ns() - t0) / 1e9;
    pl_fn_runner_free(l.r);
    *failed = l.failed;
    return events / secs;
}

static pid_t start_stand_in(char *url, size_t n)
{
    int pfd[2];
    if (pipe(pfd) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        execlp("python3", "python3", PL_SOURCE_DIR "/tests/data/functions/fn_fake_config.py",
               "/dev/null", (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    char port[16] = {0};
    if (read(pfd[0], port, sizeof(port) - 1) <= 0)
        return -1;
    close(pfd[0]);
    port[strcspn(port, "\n")] = 0;
    snprintf(url, n, "http://127.0.0.1:%s", port);
    return pid;
}

int main(int argc, char **argv)
{
    const char *handler = "evaluate", *endpoint = NULL, *concs = "1,2,4";
    int cold_events = 20, warm_events = 2000;
    char url[64], hbuf[512];
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--handler") == 0)
            handler = argv[i + 1];
        else if (strcmp(argv[i], "--endpoint") == 0)
            endpoint = argv[i + 1];
        else if (strcmp(argv[i], "--cold-events") == 0)
            cold_events = (int)strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--warm-events") == 0)
            warm_events = (int)strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--concurrency") == 0)
            concs = argv[i + 1];
    }
    pid_t stand_in = 0;
    if (!endpoint) {
        stand_in = start_stand_in(url, sizeof(url));
        endpoint = url;
    }
    env.endpoint_url = endpoint;
    snprintf(hbuf, sizeof(hbuf), "%s/bench_rule.py:%s", DIR, handler);
    fn.handler = hbuf;

    printf("start-up (median of 9 runs):\n");
    printf("  python3 -c pass                              %7.1f ms\n", spawn_ms("pass", 9));
    printf("  python3 -c 'import boto3'                    %7.1f ms\n",
           spawn_ms("import boto3", 9));
    printf("  python3 -c 'import boto3; boto3.client(...)' %7.1f ms\n",
           spawn_ms("import boto3; boto3.client('config', region_name='us-east-1')", 9));
    printf("handler %s, endpoint %s\n", handler, endpoint);
    printf("%-6s %-11s %8s %12s %8s\n", "mode", "concurrency", "events", "evals/s", "failed");
    for (int cold = 1; cold >= 0; cold--) {
        for (const char *c = concs; *c;) {
            int conc = (int)strtol(c, NULL, 10), failed = 0, events = cold ? cold_events : warm_events;
            if (conc < 1 || conc > 16)
                break;
            double rate = run(cold, conc, events, &failed);
            printf("%-6s %-11d %8d %12.1f %8d\n", cold ? "cold" : "warm", conc, events, rate,
                   failed);
            fflush(stdout);
            c = strchr(c, ',');
            if (!c)
                break;
            c++;
        }
    }
    if (stand_in > 0) {
        kill(stand_in, SIGKILL);
        waitpid(stand_in, NULL, 0);
    }
    return 0;
}
