/* bench_remediation.c — remediation executions per second through the outbox, and what plumb
 * adds to each beyond running the action.
 *
 *   bench_remediation [--executions N] [--concurrency C] [--data DIR]
 *
 * Three runs on a fresh store (a temporary directory unless --data):
 *   runner  N invocations of the exec action `true` straight through the function runner (C at
 *           once): the cost of the action's process alone;
 *   outbox  N StartRemediationExecution-style queued executions (one transaction), run by the
 *           remediation worker (its thread, C actions at once) until all have SUCCEEDED: claim,
 *           the started mark, the run, the outcome and the completion, each in the store;
 *   dry     the same with the action marked --dry-run: the outbox and store path with no process.
 * Prints executions/s of each and the overhead per execution, (outbox - runner) / N.
 * Figures: docs/PERFORMANCE.md, section "Remediation".
 */
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/time.h"
#include "core/util.h"
#include "remediation/remediation.h"
#include "store/store.h"

#define ACCOUNT "123456789012"
#define REGION  "us-east-1"

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb, (void)flag, (void)f;
    return remove(path);
}

static double now_s(void)
{
    return (double)pl_mono_ns() / 1e9;
}

static void die(const char *what, const struct pl_err *err)
{
    fprintf(stderr, "bench_remediation: %s: %s\n", what, err->msg);
    exit(1);
}

/* The runner alone, on the worker's path (pl_fn_invoke_async, the outcome in a callback). */
struct outstanding {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int running, done, failed;
};

static void done_cb(void *arg, const struct pl_fn_result *res)
{
    struct outstanding *o = arg;
    pthread_mutex_lock(&o->mu);
    o->running--;
    o->done++;
    o->failed += !res->ok;
    pthread_cond_signal(&o->cv);
    pthread_mutex_unlock(&o->mu);
}

/* N invocations of fn, C at once, through one runner; seconds. */
static double run_runner(const struct pl_fn *fn, int n, int c)
{
    struct pl_fn_runner *r;
    struct pl_err err = {0};
    struct pl_fn_runner_opts ro = {.max_concurrency = c, .cold = true};
    struct pl_fn_env env = {.endpoint_url = "http://127.0.0.1:1",
                            .access_key_id = ACCOUNT,
                            .secret_access_key = "plumb"};
    static const char ev[] = "{\"ConfigRuleName\":\"bench\"}";
    struct outstanding o = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    if (pl_fn_runner_new(&ro, &r, &err) < 0)
        die("runner", &err);
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        pthread_mutex_lock(&o.mu);
        while (o.running >= c)
            pthread_cond_wait(&o.cv, &o.mu);
        o.running++;
        pthread_mutex_unlock(&o.mu);
        if (pl_fn_invoke_async(r, fn, &env, ev, sizeof ev - 1, done_cb, &o, &err) < 0)
            die("invoke", &err);
    }
    pthread_mutex_lock(&o.mu);
    while (o.done < n)
        pthread_cond_wait(&o.cv, &o.mu);
    pthread_mutex_unlock(&o.mu);
    double t = now_s() - t0;
    pl_fn_runner_free(r);
    if (o.failed)
        fprintf(stderr, "%d invocations failed\n", o.failed);
    return t;
}

/* Queues n executions of rule (resources bench-0..n-1) in one transaction. */
static void queue(struct pl_store *st, const char *rule, int n)
{
    struct pl_err err = {0};
    struct pl_arena a;
    pl_arena_init(&a);
    if (pl_store_begin(st, &err) < 0)
        die("begin", &err);
    for (int i = 0; i < n; i++) {
        const char *why;
        char id[32];
        snprintf(id, sizeof id, "bench-%06d", i);
        if (pl_rem_start(st, ACCOUNT, REGION, rule, "MyCorp::Bench::Thing", id, NULL, &a, &why,
                         &err) != 1)
            die("queue", &err);
        pl_arena_reset(&a);
    }
    if (pl_store_commit(st, &err) < 0)
        die("commit", &err);
    pl_arena_fini(&a);
}

static void put_config(struct pl_store *st, const char *rule, const char *action)
{
    struct pl_err err = {0};
    char json[512];
    snprintf(json, sizeof json,
             "{\"ConfigRuleName\":\"%s\",\"TargetType\":\"SSM_DOCUMENT\",\"TargetId\":\"%s\","
             "\"Parameters\":{\"Id\":{\"ResourceValue\":{\"Value\":\"RESOURCE_ID\"}}},"
             "\"Automatic\":false,\"MaximumAutomaticAttempts\":5,\"RetryAttemptSeconds\":60}",
             rule, action);
    if (pl_store_obj_put(st, ACCOUNT, REGION, PL_KIND_REMEDIATION_CONFIG, rule, json,
                         strlen(json), &err) < 0)
        die("config", &err);
}

/* Runs the queued executions of one rule with the worker until done; seconds. */
static double run_worker(const char *dir, int n, int c, bool dry)
{
    struct pl_err err = {0};
    struct pl_rem_options o = {.store_spec = dir, .max_concurrency = c, .tick_ms = 5};
    double t0 = now_s();
    struct pl_rem *r = pl_rem_start_worker(&o, &err);
    if (!r)
        die("worker", &err);
    struct pl_rem_stats s;
    for (;;) {
        pl_rem_stats(r, &s);
        if (s.succeeded + s.failed + s.dry_runs >= n)
            break;
        usleep(1000);
    }
    double t = now_s() - t0;
    pl_rem_stop_worker(r);
    if (s.failed)
        fprintf(stderr, "%lld executions failed\n", (long long)s.failed);
    (void)dry;
    return t;
}

int main(int argc, char **argv)
{
    int n = 2000, c = 4;
    const char *dir = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        long long v = -1;
        if (strcmp(argv[i], "--data") == 0)
            dir = argv[i + 1];
        else if (pl_parse_i64(argv[i + 1], &v) < 0 || v > 1000000000)
            v = -1;
        if (strcmp(argv[i], "--executions") == 0)
            n = (int)v;
        else if (strcmp(argv[i], "--concurrency") == 0)
            c = (int)v;
    }
    if (n < 1 || c < 1 || c > 64) {
        fprintf(stderr, "usage: bench_remediation [--executions N] [--concurrency 1-64] "
                        "[--data DIR]\n");
        return 2;
    }
    pl_log_set_level("warn");
    char tmp[] = "/tmp/plumb-bench-rem-XXXXXX";
    if (!dir && !(dir = mkdtemp(tmp))) {
        perror("mkdtemp");
        return 1;
    }
    struct pl_store *st;
    struct pl_err err = {0};
    if (pl_store_open(dir, 0, &st, &err) < 0)
        die("store", &err);
    struct pl_rem_action act = {.fn = {.account = ACCOUNT, .region = REGION, .name = "noop",
                                       .runtime = PL_FN_EXEC, .command = "true",
                                       .timeout_s = 60, .memory_mb = 512}};
    struct pl_rem_action dry = act;
    dry.fn.name = "noop-dry";
    dry.dry_run = true;
    if (pl_rem_action_put(st, &act, &err) < 0 || pl_rem_action_put(st, &dry, &err) < 0)
        die("action", &err);
    put_config(st, "bench-rule", "noop");
    put_config(st, "bench-dry", "noop-dry");

    run_runner(&act.fn, c * 4, c); /* warm-up: the sandbox probe, page cache */
    queue(st, "bench-rule", n);
    double t_outbox = run_worker(dir, n, c, false);
    double t_runner = run_runner(&act.fn, n, c); /* after: the same warm machine */
    queue(st, "bench-dry", n);
    double t_dry = run_worker(dir, n, c, true);
    pl_store_close(st);
    if (dir == tmp) /* ours: removed (a --data directory is kept) */
        nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);

    printf("executions %d, concurrency %d, action `true` (exec, sandboxed)\n", n, c);
    printf("runner alone      %8.0f /s  (%.3f ms each)\n", n / t_runner, 1e3 * t_runner / n);
    printf("through outbox    %8.0f /s  (%.3f ms each)\n", n / t_outbox, 1e3 * t_outbox / n);
    printf("dry run (no proc) %8.0f /s  (%.3f ms each)\n", n / t_dry, 1e3 * t_dry / n);
    printf("overhead per execution (outbox - runner): %.3f ms wall at concurrency %d\n",
           1e3 * (t_outbox - t_runner) / n, c);
    return 0;
}
