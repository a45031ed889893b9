/* bench_fair.c — how long one account waits behind another account's backlog.
 *
 * Account A has a change-triggered Guard rule that is slow but legal (each evaluation compares
 * every element of a list with every other: about COST ms a CI) and a backlog of N recorded
 * changes; then account B, with a one-clause Guard rule, records one change. The engine thread
 * runs; the benchmark reports how long B's change waited for its result and how long A's
 * backlog took to drain. With a FIFO engine B waits for all of A's backlog; with the fair share
 * it waits about one slice.
 *
 * usage: bench_fair [backlog=200] [list=60]    (list: elements per CI; cost grows as list^2)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/time.h"
#include "core/util.h"
#include "recorder/recorder.h"
#include "rules/rules.h"
#include "store/evals.h"
#include "store/store.h"

#define ACCT_A "111111111111"
#define ACCT_B "222222222222"
#define REG    "us-east-1"
#define TYPE   "MyCompany::Bench::Thing"

static struct pl_arena A;
static char dir[256];

static void die(const char *what, const struct pl_err *err)
{
    fprintf(stderr, "bench_fair: %s%s%s\n", what, err ? ": " : "", err ? err->msg : "");
    exit(1);
}

static double now_s(void)
{
    return (double)pl_mono_ns() / 1e9;
}

static struct pl_json *J(const char *text)
{
    struct pl_err err = {0};
    struct pl_json *j = pl_json_parse(&A, text, strlen(text), &err);
    if (!j)
        die("json", &err);
    return j;
}

static void recorder_on(struct pl_store *st, const char *account)
{
    struct pl_err err = {0};
    const char *rec = "{\"name\":\"default\",\"roleARN\":\"arn:aws:iam::1:role/r\","
                      "\"recordingGroup\":{\"allSupported\":true}}";
    const char *stj = "{\"name\":\"default\",\"recording\":true}";
    if (pl_store_obj_put(st, account, REG, PL_KIND_RECORDER, "default", rec, strlen(rec), &err) <
            0 ||
        pl_store_obj_put(st, account, REG, PL_KIND_RECORDER_STATUS, "default", stj, strlen(stj),
                         &err) < 0)
        die("recorder", &err);
}

static void put_rule(struct pl_rules *eng, struct pl_store *st, const char *account,
                     const char *policy)
{
    struct pl_err err = {0};
    struct pl_buf b;
    pl_buf_init(&b, 1 << 20);
    pl_buf_printf(&b,
                  "{\"ConfigRuleName\":\"r\",\"Scope\":{\"ComplianceResourceTypes\":[\"" TYPE
                  "\"]},\"Source\":{\"Owner\":\"CUSTOM_POLICY\",\"SourceDetails\":[{"
                  "\"EventSource\":\"aws.config\",\"MessageType\":"
                  "\"ConfigurationItemChangeNotification\"}],\"CustomPolicyDetails\":{"
                  "\"PolicyRuntime\":\"guard-2.x.x\",\"PolicyText\":\"%s\"}}}",
                  policy);
    struct pl_rules_call c = {.eng = eng, .store_spec = dir, .st = st, .account = account,
                              .region = REG, .a = &A};
    if (pl_rules_put_rule(&c, J(pl_buf_cstr(&b)), NULL, &err) < 0)
        die("put rule", &err);
    pl_buf_fini(&b);
}

static void record(struct pl_store *st, const char *account, int i, int list)
{
    struct pl_err err = {0};
    struct pl_buf b;
    pl_buf_init(&b, 1 << 20);
    pl_buf_printf(&b, "{\"resourceType\":\"" TYPE "\",\"resourceId\":\"t-%d\",\"configuration\":"
                      "{\"L\":[", i);
    for (int k = 0; k < list; k++)
        pl_buf_printf(&b, "%s\"v%d\"", k ? "," : "", k);
    pl_buf_printf(&b, "],\"ok\":true}}");
    struct pl_rec_opts o = {.mode = PL_REC_MODE_ALL, .account = account, .region = REG};
    struct pl_rec_result res;
    if (pl_recorder_observe(st, &o, J(pl_buf_cstr(&b)), &res, &err) < 0)
        die("record", &err);
    pl_buf_fini(&b);
}

static int has_result(struct pl_store *ev, const char *account, int i)
{
    struct pl_err err = {0};
    struct pl_ev_row r;
    char id[32];
    snprintf(id, sizeof id, "t-%d", i);
    pl_arena_reset(&A);
    return pl_store_eval_get(ev, account, REG, "r", TYPE, id, &A, &r, &err) == 1;
}

int main(int argc, char **argv)
{
    int backlog = argc > 1 ? atoi(argv[1]) : 200;
    int list = argc > 2 ? atoi(argv[2]) : 60;
    struct pl_err err = {0};
    pl_log_set_level("warn");
    pl_arena_init(&A);
    snprintf(dir, sizeof dir, "/tmp/plumb-bench-fair-XXXXXX");
    if (!mkdtemp(dir))
        die("mkdtemp", NULL);
    struct pl_store *st;
    if (pl_store_open(dir, 0, &st, &err) < 0)
        die("store", &err);
    recorder_on(st, ACCT_A);
    recorder_on(st, ACCT_B);
    /* A: every element against the whole list, three times over */
    put_rule(NULL, st, ACCT_A,
             "let a = configuration.L[*]\\nrule slow { %a IN %a\\n %a IN %a\\n %a IN %a }");
    put_rule(NULL, st, ACCT_B, "rule quick { configuration.ok == true }");
    struct pl_rules_options o = {.store_spec = dir, .no_thread = true};
    struct pl_rules *eng = pl_rules_start(&o, &err); /* the rules' first (empty) runs */
    int n;
    while (eng && (n = pl_rules_tick(eng, &err)) > 0)
        ;
    if (!eng || n < 0)
        die("first runs", &err);
    pl_rules_stop(eng);
    for (int i = 0; i < backlog; i++)
        record(st, ACCT_A, i, list);
    record(st, ACCT_B, 0, 1);
    struct pl_store *ev;
    if (pl_store_open(dir, PL_STORE_READONLY, &ev, &err) < 0)
        die("evals", &err);
    o.no_thread = false;
    double t0 = now_s(), tb = 0, ta = 0;
    eng = pl_rules_start(&o, &err);
    if (!eng)
        die("engine", &err);
    while (!tb || !ta) {
        if (!tb && has_result(ev, ACCT_B, 0))
            tb = now_s() - t0;
        if (!ta && has_result(ev, ACCT_A, backlog - 1))
            ta = now_s() - t0;
        usleep(2000);
    }
    pl_rules_stop(eng);
    printf("backlog=%d list=%d b_waited_s=%.3f a_drained_s=%.3f per_a_ci_ms=%.1f\n", backlog,
           list, tb, ta, ta * 1000 / backlog);
    pl_store_close(ev);
    pl_store_close(st);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
    pl_arena_fini(&A);
    return 0;
}
