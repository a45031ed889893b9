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
 * With put_evaluations it also runs boto3_floor.py: the same call in a plain Python loop, the
 * ceiling of one warm worker.
 * Figures: docs/PERFORMANCE.md, section "Lambda-style functions".
 */
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/time.h"
#include "core/util.h"
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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Runs `prog -c code` n times (n <= 32); median wall and CPU (user+sys of the child) in ms. */
static void spawn_ms(const char *prog, const char *code, int n, double *wall, double *cpu)
{
    double w[32], c[32];
    extern char **environ;
    for (int i = 0; i < n; i++) {
        char *argv[] = {(char *)prog, "-c", (char *)code, NULL};
        struct rusage ru;
        pid_t pid;
        int st;
        int64_t t0 = pl_mono_ns();
        if (posix_spawnp(&pid, prog, NULL, NULL, argv, environ) != 0 ||
            wait4(pid, &st, 0, &ru) < 0) {
            *wall = *cpu = -1;
            return;
        }
        w[i] = (double)(pl_mono_ns() - t0) / 1e6;
        c[i] = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
               (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    }
    qsort(w, (size_t)n, sizeof(double), cmp_double);
    qsort(c, (size_t)n, sizeof(double), cmp_double);
    *wall = w[n / 2];
    *cpu = c[n / 2];
}

/* sys.executable of python3 on PATH (python3 itself may be a wrapper script). */
static void real_python(char *out, size_t n)
{
    FILE *f = popen("python3 -c 'import sys; sys.stdout.write(sys.executable)'", "r");
    size_t len = f ? fread(out, 1, n - 1, f) : 0;
    out[len] = 0;
    if (f)
        pclose(f);
    if (len == 0)
        snprintf(out, n, "python3");
}

static void startup_table(void)
{
    static const struct {
        const char *what, *code;
    } rows[] = {
        {"start-up (python3 -c pass)", "pass"},
        {"+ import boto3", "import boto3"},
        {"+ boto3.client('config')",
         "import boto3; boto3.client('config', region_name='us-east-1')"},
    };
    char real[512];
    real_python(real, sizeof(real));
    printf("cold-start parts, median of 9 runs (wall ms / CPU ms):\n");
    printf("  %-30s %16s %16s\n", "", "python3 on PATH", "sys.executable");
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        double w1, c1, w2, c2;
        spawn_ms("python3", rows[i].code, 9, &w1, &c1);
        spawn_ms(real, rows[i].code, 9, &w2, &c2);
        printf("  %-30s %7.1f / %6.1f %7.1f / %6.1f\n", rows[i].what, w1, c1, w2, c2);
    }
    printf("  (sys.executable = %s)\n", real);
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

/* CPU ms used so far by this process and its reaped children (the function processes, once the
 * runner that started them is freed). */
static double cpu_ms(void)
{
    struct rusage s, c;
    getrusage(RUSAGE_SELF, &s);
    getrusage(RUSAGE_CHILDREN, &c);
    return (s.ru_utime.tv_sec + s.ru_stime.tv_sec + c.ru_utime.tv_sec + c.ru_stime.tv_sec) * 1e3 +
           (s.ru_utime.tv_usec + s.ru_stime.tv_usec + c.ru_utime.tv_usec + c.ru_stime.tv_usec) /
               1e3;
}

/* Runs events invocations from conc threads on a fresh runner (warm: after one event per slot to
 * start the workers); returns evaluations/s and, in *cpu, the CPU ms of plumb and the function
 * processes together, warm-up included (the workers are reaped only when the runner is freed,
 * so main() subtracts a run of 0 events to isolate the per-event cost). */
static double run(bool cold, int conc, int events, int *failed, double *cpu)
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
    double c0 = cpu_ms();
    int64_t t0 = pl_mono_ns();
    for (int i = 0; i < conc; i++)
        pthread_create(&th[i], NULL, worker, &l);
    for (int i = 0; i < conc; i++)
        pthread_join(th[i], NULL);
    double secs = (double)(pl_mono_ns() - t0) / 1e9;
    pl_fn_runner_free(l.r); /* reaps the workers, so their CPU time counts */
    *cpu = cpu_ms() - c0;
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

    startup_table();
    printf("handler %s, endpoint %s\n", handler, endpoint);
    printf("%-6s %-11s %8s %12s %12s %8s\n", "mode", "concurrency", "events", "evals/s",
           "CPU ms/eval", "failed");
    for (int cold = 1; cold >= 0; cold--) {
        for (const char *c = concs; *c;) {
            int conc = (int)strtol(c, NULL, 10), failed = 0,
                events = cold ? cold_events : warm_events;
            double cpu = 0;
            if (conc < 1 || conc > 16)
                break;
            double rate = run(cold, conc, events, &failed, &cpu), base = 0;
            if (!cold)
                run(cold, conc, 0, &failed, &base);
            cpu = (cpu - base) / events;
            printf("%-6s %-11d %8d %12.1f %12.3f %8d\n", cold ? "cold" : "warm", conc, events, rate,
                   cpu, failed);
            fflush(stdout);
            c = strchr(c, ',');
            if (!c)
                break;
            c++;
        }
    }
    if (pl_starts_with(handler, "put_evaluations")) {
        char cmd[768];
        snprintf(cmd, sizeof(cmd), "python3 %s/boto3_floor.py %s 500", DIR, endpoint);
        fflush(stdout);
        if (system(cmd) != 0)
            fprintf(stderr, "boto3_floor.py failed\n");
    }
    if (stand_in > 0) {
        kill(stand_in, SIGKILL);
        waitpid(stand_in, NULL, 0);
    }
    return 0;
}
