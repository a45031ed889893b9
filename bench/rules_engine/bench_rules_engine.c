/* bench_rules_engine.c — the rules engine end to end, on a real store.
 *
 * 1. Full evaluation (what StartConfigRulesEvaluation runs): N resources (default 100,000)
 *    cloned round-robin from the real example CIs of ../shared (aws-config-rdk/example_ci) of
 *    every type an implemented per-resource managed rule judges, every implemented managed rule
 *    put, then one engine round evaluates them all with results stored (evals tables) and
 *    ResourceCompliance CIs recorded. Reported twice: the first run (every resource's
 *    compliance is new: one compliance CI per resource) and a re-run (StartConfigRulesEvaluation
 *    of every rule; results rewritten, compliance unchanged).
 * 2. Change to compliance latency: the engine thread running, a writer records changes of
 *    1,000 security groups at a fixed rate (default 1,000/s, each flipping SSH open/closed); a
 *    checker measures from each CI's commit to its result being readable through the evals
 *    tables (a separate connection, as the API reads). Reports p50/p99/max.
 *
 * usage: bench_rules_engine [resources=100000] [changes_per_s=1000] [seconds=10] [reruns=1]
 * (PL_LOG=info|debug shows the engine's log)
 */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/time.h"
#include "core/util.h"
#include "recorder/recorder.h"
#include "rules/managed/managed.h"
#include "rules/rules.h"
#include "store/evals.h"
#include "store/store.h"

#define EXAMPLES PL_SHARED_DIR "/data/config-items/aws-config-rdk/example_ci"
#define ACCT     "123456789012"
#define REG      "us-east-1"
#define MAX_EX   128

static struct pl_arena A;
static const struct pl_json *examples[MAX_EX];
static size_t nexamples;
static char dir[256];

static double now_s(void)
{
    return (double)pl_mono_ns() / 1e9;
}

static void die(const char *what, const struct pl_err *err)
{
    fprintf(stderr, "bench_rules_engine: %s: %s\n", what, err ? err->msg : "");
    exit(1);
}

/* Loads the example CIs whose type some implemented per-resource rule judges. */
static void load_examples(void)
{
    DIR *d = opendir(EXAMPLES);
    struct dirent *e;
    size_t nrules;
    const struct pl_managed_rule *all = pl_managed_all(&nrules);
    if (!d)
        die("cannot open " EXAMPLES, NULL);
    while ((e = readdir(d)) && nexamples < MAX_EX) {
        char path[1024];
        size_t len;
        struct pl_err err = {0};
        if (!strstr(e->d_name, ".json"))
            continue;
        snprintf(path, sizeof path, "%s/%s", EXAMPLES, e->d_name);
        char *text = pl_read_file(path, 1 << 22, &len);
        struct pl_json *j = text ? pl_json_parse(&A, text, len, &err) : NULL;
        free(text);
        if (j && j->type == PL_JARR)
            j = j->child;
        const char *type = pl_json_get_str(j, "resourceType");
        bool judged = false;
        for (size_t i = 0; type && i < nrules && !judged; i++)
            for (size_t k = 0; all[i].impl && !all[i].account_level && k < all[i].ntypes; k++)
                judged |= strcmp(all[i].types[k], type) == 0;
        if (judged)
            examples[nexamples++] = j;
    }
    closedir(d);
}

/* Records n clones of the examples (ids made unique) in batches. */
static void import(struct pl_store *st, int n)
{
    struct pl_rec_opts o = {.mode = PL_REC_MODE_ALL, .account = ACCT, .region = REG};
    struct pl_err err = {0};
    struct pl_arena a;
    pl_arena_init(&a);
    for (int i = 0; i < n;) {
        struct pl_rec_batch *b = pl_rec_batch_begin(st, &o, &err);
        if (!b)
            die("batch", &err);
        for (int k = 0; k < 2000 && i < n; k++, i++) {
            const struct pl_json *ex = examples[i % nexamples];
            struct pl_json *ci = pl_json_clone(&a, ex);
            char id[300];
            snprintf(id, sizeof id, "%s-%d", pl_json_get_str(ex, "resourceId"), i);
            pl_json_del(ci, "resourceId");
            pl_json_set_str(&a, ci, "resourceId", id);
            struct pl_rec_result res;
            if (pl_rec_batch_add(b, ci, &res, &err) < 0 && err.code == PL_E_INTERNAL)
                die("record", &err);
            pl_err_clear(&err);
        }
        if (pl_rec_batch_commit(b, &err) < 0)
            die("commit", &err);
        pl_arena_reset(&a);
    }
    pl_arena_fini(&a);
}

static int64_t count_results(struct pl_store *ev, const char **names, size_t n)
{
    int64_t total = 0;
    struct pl_err err = {0};
    for (size_t i = 0; i < n; i++) {
        int64_t cnt[4];
        if (pl_store_eval_counts(ev, ACCT, REG, names[i], cnt, &err) < 0)
            die("counts", &err);
        total += cnt[0] + cnt[1] + cnt[2] + cnt[3];
    }
    return total;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs engine rounds until no work is left; returns wall seconds, *cpu the CPU seconds (the
 * machine is shared: the CPU figure is what the work costs). */
static double drain(struct pl_rules *eng, double *cpu)
{
    struct pl_err err = {0};
    double t0 = now_s(), c0 = cpu_s();
    int n;
    while ((n = pl_rules_tick(eng, &err)) > 0)
        ;
    if (n < 0)
        die("tick", &err);
    if (cpu)
        *cpu = cpu_s() - c0;
    return now_s() - t0;
}

/* StartConfigRulesEvaluation of names[0..n), 25 at a time (AWS's limit per call). */
static void start_all(const struct pl_rules_call *c, const char **names, size_t n)
{
    struct pl_err err = {0};
    for (size_t i = 0; i < n; i += 25)
        if (pl_rules_start_evaluation(c, names + i, n - i > 25 ? 25 : n - i, &err) < 0)
            die("start", &err);
}

static void full_evaluation(int nres, int reruns)
{
    struct pl_store *st;
    struct pl_err err = {0};
    struct pl_arena a;
    size_t nrules, nput = 0;
    const struct pl_managed_rule *all = pl_managed_all(&nrules);
    const char **names = pl_xcalloc(nrules + 1, sizeof *names);
    pl_arena_init(&a);
    if (pl_store_open(dir, 0, &st, &err) < 0)
        die("store", &err);
    struct pl_rules_options ro = {.store_spec = dir, .no_thread = true, .batch = 4096};
    struct pl_rules *eng = pl_rules_start(&ro, &err);
    if (!eng)
        die("engine", &err);
    double t0 = now_s();
    import(st, nres);
    double t_import = now_s() - t0;
    drain(eng, NULL); /* the import's change notifications, with no rule yet */

    struct pl_rules_call c = {
        .eng = eng, .store_spec = dir, .st = st, .account = ACCT, .region = REG, .a = &a};
    for (size_t i = 0; i < nrules; i++) {
        if (!all[i].impl || all[i].account_level || !all[i].ntypes)
            continue;
        char text[512];
        snprintf(text, sizeof text,
                 "{\"ConfigRuleName\":\"%s\",\"Source\":{\"Owner\":\"AWS\","
                 "\"SourceIdentifier\":\"%s\"}%s}",
                 all[i].identifier, all[i].identifier,
                 all[i].trigger == PL_MANAGED_PERIODIC ? ",\"MaximumExecutionFrequency\":"
                                                         "\"TwentyFour_Hours\""
                                                       : "");
        struct pl_err e2 = {0};
        struct pl_json *j = pl_json_parse(&a, text, strlen(text), &e2);
        if (pl_rules_put_rule(&c, j, NULL, &e2) == 0)
            names[nput++] = all[i].identifier;
    }
    struct pl_store *ev = st;
    double c_first, c_again;
    double t_first = drain(eng, &c_first);
    int64_t first = count_results(ev, names, nput);
    double t_again = 0;
    for (int k = 0; k < reruns; k++) { /* more re-runs: for profiling the steady state */
        start_all(&c, names, nput);
        t_again = drain(eng, &c_again);
    }
    printf("full evaluation: %d resources (%zu example types), %zu implemented per-resource "
           "rules\n",
           nres, nexamples, nput);
    printf("  import: %.1f s (%.0f CIs/s)\n", t_import, nres / t_import);
    printf("  first run:  %lld evaluations stored in %.2f s (%.2f s CPU) = %.0f/s wall, "
           "%.0f/s per CPU second (with one ResourceCompliance CI per resource)\n",
           (long long)first, t_first, c_first, first / t_first, first / c_first);
    printf("  re-run:     %lld evaluations stored in %.2f s (%.2f s CPU) = %.0f/s wall, "
           "%.0f/s per CPU second\n",
           (long long)first, t_again, c_again, first / t_again, first / c_again);
    pl_rules_stop(eng);
    pl_store_close(st);
    pl_arena_fini(&a);
    free(names);
}

/* ---- latency ---- */

#define NGROUPS 1000
#define RING    (1 << 16)

struct sample {
    char id[16];
    int64_t capture_ms;
    int64_t commit_ns;
};

static struct sample ring[RING];
static atomic_long written, checked;
static atomic_bool stop_writer;
static double *lat;
static long nlat;

struct writer_arg {
    int rate, seconds;
};

static void *writer(void *p)
{
    struct writer_arg *w = p;
    struct pl_store *st;
    struct pl_err err = {0};
    struct pl_arena a;
    pl_arena_init(&a);
    if (pl_store_open(dir, 0, &st, &err) < 0)
        die("writer store", &err);
    struct pl_rec_opts o = {.mode = PL_REC_MODE_ALL, .account = ACCT, .region = REG};
    long total = (long)w->rate * w->seconds;
    int64_t t0 = pl_mono_ns();
    for (long i = 0; i < total && !atomic_load(&stop_writer); i++) {
        int64_t due = t0 + i * (1000000000LL / w->rate);
        while (pl_mono_ns() < due)
            usleep(50);
        char ci[512];
        const char *cidr = (i / NGROUPS) % 2 ? "10.0.0.0/8" : "0.0.0.0/0";
        snprintf(ci, sizeof ci,
                 "{\"resourceType\":\"AWS::EC2::SecurityGroup\",\"resourceId\":\"sg-%ld\","
                 "\"configuration\":{\"groupId\":\"sg-%ld\",\"ipPermissions\":[{\"ipProtocol\":"
                 "\"tcp\",\"fromPort\":22,\"toPort\":22,\"ipv4Ranges\":[{\"cidrIp\":\"%s\"}]}],"
                 "\"rev\":%ld}}",
                 i % NGROUPS, i % NGROUPS, cidr, i);
        struct pl_json *j = pl_json_parse(&a, ci, strlen(ci), &err);
        struct pl_rec_result res;
        if (!j || pl_recorder_observe(st, &o, j, &res, &err) < 0)
            die("observe", &err);
        struct sample *s = &ring[i % RING];
        snprintf(s->id, sizeof s->id, "sg-%ld", i % NGROUPS);
        s->capture_ms = res.capture_ms;
        s->commit_ns = pl_mono_ns();
        atomic_store(&written, i + 1);
        pl_arena_reset(&a);
    }
    pl_store_close(st);
    pl_arena_fini(&a);
    return NULL;
}

/* Waits for each written change's result to be readable, oldest first. */
static void *checker(void *p)
{
    struct pl_store *ev;
    struct pl_err err = {0};
    struct pl_arena a;
    pl_arena_init(&a);
    if (pl_store_open(dir, PL_STORE_READONLY, &ev, &err) < 0)
        die("checker evals", &err);
    long i = 0;
    double t_end = now_s() + *(int *)p + 30;
    while (now_s() < t_end) {
        if (i >= atomic_load(&written)) {
            if (atomic_load(&stop_writer))
                break;
            usleep(50);
            continue;
        }
        struct sample *s = &ring[i % RING];
        struct pl_ev_row r;
        int f = pl_store_eval_get(ev, ACCT, REG, "ssh", "AWS::EC2::SecurityGroup", s->id, &a, &r, &err);
        pl_arena_reset(&a);
        if (f == 1 && r.ordering_ms >= s->capture_ms) {
            lat[nlat++] = (double)(pl_mono_ns() - s->commit_ns) / 1e6;
            i++;
            atomic_store(&checked, i);
            continue;
        }
        usleep(100);
    }
    pl_store_close(ev);
    pl_arena_fini(&a);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void latency(int rate, int seconds)
{
    struct pl_store *st;
    struct pl_err err = {0};
    struct pl_arena a;
    pl_arena_init(&a);
    if (pl_store_open(dir, 0, &st, &err) < 0)
        die("store", &err);
    struct pl_rules_options ro = {.store_spec = dir};
    struct pl_rules *eng = pl_rules_start(&ro, &err);
    if (!eng)
        die("engine", &err);
    struct pl_rules_call c = {
        .eng = eng, .store_spec = dir, .st = st, .account = ACCT, .region = REG, .a = &a};
    const char *rule = "{\"ConfigRuleName\":\"ssh\",\"Source\":{\"Owner\":\"AWS\","
                       "\"SourceIdentifier\":\"INCOMING_SSH_DISABLED\"}}";
    if (pl_rules_put_rule(&c, pl_json_parse(&a, rule, strlen(rule), &err), NULL, &err) < 0)
        die("put", &err);
    usleep(200000);
    lat = pl_xcalloc((size_t)rate * seconds + 1, sizeof *lat);
    struct writer_arg w = {rate, seconds};
    pthread_t tw, tc;
    pthread_create(&tc, NULL, checker, &seconds);
    pthread_create(&tw, NULL, writer, &w);
    pthread_join(tw, NULL);
    atomic_store(&stop_writer, true);
    pthread_join(tc, NULL);
    qsort(lat, (size_t)nlat, sizeof *lat, cmp_double);
    printf("change -> compliance readable: %ld changes at %d/s over %d s "
           "(%ld measured)\n",
           (long)atomic_load(&written), rate, seconds, nlat);
    if (nlat)
        printf("  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n", lat[nlat / 2],
               lat[nlat * 9 / 10], lat[nlat * 99 / 100], lat[nlat - 1]);
    pl_rules_stop(eng);
    pl_store_close(st);
    pl_arena_fini(&a);
    free(lat);
}

static void fresh_dir(const char *tag)
{
    snprintf(dir, sizeof dir, "/tmp/plumb-bench-rules-%s-XXXXXX", tag);
    if (!mkdtemp(dir))
        die("mkdtemp", NULL);
}

static void remove_dir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup of %s failed\n", dir);
}

int main(int argc, char **argv)
{
    int nres = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 100000;
    int rate = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 1000;
    int seconds = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 10;
    int reruns = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 1;
    pl_log_set_level(getenv("PL_LOG") ? getenv("PL_LOG") : "warn");
    pl_arena_init(&A);
    load_examples();
    if (!nexamples)
        die("no example CIs", NULL);
    if (nres > 0) {
        fresh_dir("full");
        full_evaluation(nres, reruns);
        remove_dir();
    }
    if (rate > 0 && seconds > 0) {
        fresh_dir("lat");
        latency(rate, seconds);
        remove_dir();
    }
    pl_arena_fini(&A);
    return 0;
}
