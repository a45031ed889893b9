/* test_remediation.c — src/remediation without processes: pl_rem_config_normalize (AWS's
 * checks and defaults), exceptions and their expiry, and the worker's decisions driven by
 * pl_rem_tick with a frozen clock: an attempt marked started and claimed again is recorded
 * FAILED and never run; an automatic remediation whose action is missing fails its attempts,
 * retried after RetryAttemptSeconds / MaximumAutomaticAttempts, then gets its exception; a dry
 * run records its event; a resource with an exception is left alone; ExecutionControls' running
 * slots are in the store, shared by two connections (two plumb serve on one database), and
 * finished manual batches are pruned. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/json.h"
#include "core/log.h"
#include "core/time.h"
#include "remediation/remediation.h"
#include "store/store.h"
#include "t.h"

#define ACC "123456789012"
#define REG "us-east-1"
#define T0  1795755469000LL

static char dir[64];
static struct pl_store *st;
static struct pl_arena a;
static struct pl_rem *rem;

static struct pl_json *parse(const char *s)
{
    struct pl_err err = {0};
    return pl_json_parse(&a, s, strlen(s), &err);
}

static void test_normalize(void)
{
    struct pl_err err = {0};
    struct pl_json *c = pl_rem_config_normalize(
        &a, ACC, REG,
        parse("{\"ConfigRuleName\":\"r\",\"TargetType\":\"SSM_DOCUMENT\",\"TargetId\":\"x\"}"),
        &err);
    T_REQUIRE(c);
    int64_t v = 0;
    pl_json_i64(pl_json_get(c, "MaximumAutomaticAttempts"), &v);
    T_EQ(v, 5);
    pl_json_i64(pl_json_get(c, "RetryAttemptSeconds"), &v);
    T_EQ(v, 60);
    T_OK(!pl_json_truthy(pl_json_get(c, "Automatic")));
    T_OK(strncmp(pl_json_get_str(c, "Arn"),
                 "arn:aws:config:us-east-1:123456789012:remediation-configuration/r/", 66) == 0);
    static const char *const bad[] = {
        "{\"ConfigRuleName\":\"r\",\"TargetType\":\"SSM_DOCUMENT\",\"TargetId\":\"x\","
        "\"Parameters\":{\"P\":{}}}",
        "{\"ConfigRuleName\":\"r\",\"TargetType\":\"SSM_DOCUMENT\",\"TargetId\":\"x\","
        "\"Parameters\":{\"P\":{\"StaticValue\":{\"Values\":[]},\"ResourceValue\":{\"Value\":"
        "\"RESOURCE_ID\"}}}}",
        "{\"ConfigRuleName\":\"r\",\"TargetType\":\"SSM_DOCUMENT\",\"TargetId\":\"x\","
        "\"Parameters\":{\"A\":{\"ResourceValue\":{\"Value\":\"RESOURCE_ID\"}},"
        "\"B\":{\"ResourceValue\":{\"Value\":\"RESOURCE_ID\"}}}}",
        "{\"ConfigRuleName\":\"r\",\"TargetType\":\"LAMBDA\",\"TargetId\":\"x\"}",
        "{\"ConfigRuleName\":\"r\",\"TargetType\":\"SSM_DOCUMENT\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct pl_err e = {0};
        T_OK(pl_rem_config_normalize(&a, ACC, REG, parse(bad[i]), &e) == NULL);
        T_EQ(e.code, PL_E_INVALID_PARAMETER_VALUE);
    }
}

static void test_exception_expiry(void)
{
    struct pl_err err = {0};
    T_EQ(pl_rem_exception_active(st, ACC, REG, "r", "T::T::T", "x", T0, &err), 0);
    T_EQ(pl_rem_exception_put(st, ACC, REG, "r", "T::T::T", "x", "m", T0 + 1000, &err), 0);
    T_EQ(pl_rem_exception_active(st, ACC, REG, "r", "T::T::T", "x", T0, &err), 1);
    T_EQ(pl_rem_exception_active(st, ACC, REG, "r", "T::T::T", "x", T0 + 1000, &err), 0);
    T_EQ(pl_rem_exception_active(st, ACC, REG, "other", "T::T::T", "x", T0, &err), 0);
}

static void put_config(const char *rule, const char *target, bool automatic)
{
    struct pl_err err = {0};
    char json[400];
    snprintf(json, sizeof json,
             "{\"ConfigRuleName\":\"%s\",\"TargetType\":\"SSM_DOCUMENT\",\"TargetId\":\"%s\","
             "\"Parameters\":{\"Id\":{\"ResourceValue\":{\"Value\":\"RESOURCE_ID\"}}},"
             "\"Automatic\":%s,\"MaximumAutomaticAttempts\":2,\"RetryAttemptSeconds\":10}",
             rule, target, automatic ? "true" : "false");
    T_EQ(pl_store_obj_put(st, ACC, REG, PL_KIND_REMEDIATION_CONFIG, rule, json, strlen(json), &err),
         0);
}

/* The stored execution of (rule, T::T::T, id), parsed (NULL when none). */
static struct pl_json *execution(const char *rule, const char *id)
{
    struct pl_err err = {0};
    struct pl_obj o;
    if (pl_store_obj_get(st, ACC, REG, PL_REM_KIND_EXECUTION, pl_rem_key(&a, rule, "T::T::T", id),
                         &a, &o, &err) != 1)
        return NULL;
    return pl_json_parse(&a, o.json, o.len, &err);
}

static const char *first_step(const struct pl_json *e, const char *field)
{
    const struct pl_json *s = pl_json_get(e, "Steps");
    return s && s->child ? pl_json_get_str(s->child, field) : NULL;
}

static int tick(struct pl_rem *r)
{
    struct pl_err err = {0};
    int n = pl_rem_tick(r, &err);
    T_OK(n >= 0);
    pl_rem_wait(r);
    return n;
}

static void test_interrupted_attempt(void)
{
    struct pl_rem *r = rem;
    struct pl_err err = {0};
    const char *why;
    put_config("manual", "never-registered", false);
    T_EQ(pl_store_begin(st, &err), 0);
    T_EQ(pl_rem_start(st, ACC, REG, "manual", "T::T::T", "i-1", NULL, &a, &why, &err), 1);
    T_EQ(pl_rem_start(st, ACC, REG, "manual", "T::T::T", "i-1", NULL, &a, &why, &err),
         0); /* busy */
    T_OK(why && strstr(why, "in progress"));
    T_EQ(pl_store_commit(st, &err), 0);
    /* what a process that died mid-action leaves: the attempt marked started */
    struct pl_json *e = execution("manual", "i-1");
    T_REQUIRE(e);
    pl_json_set_i64(&a, e, "Running", 1);
    pl_json_set_i64(&a, e, "Attempts", 1);
    pl_json_set_str(&a, e, "State", "IN_PROGRESS");
    const char *text = pl_json_dump(&a, e, PL_JSON_COMPACT);
    T_EQ(pl_store_obj_put(st, ACC, REG, PL_REM_KIND_EXECUTION,
                          pl_rem_key(&a, "manual", "T::T::T", "i-1"), text, strlen(text), &err),
         0);
    T_EQ(tick(r), 1);
    e = execution("manual", "i-1");
    T_STR(pl_json_get_str(e, "State"), "FAILED");
    T_OK(strstr(first_step(e, "ErrorMessage"), "not run again") != NULL);
    struct pl_rem_stats s;
    pl_rem_stats(r, &s);
    T_EQ(s.interrupted, 1);
    T_EQ(s.started, 0); /* nothing ran */
    T_EQ(tick(r), 0);   /* manual: no retry */
}

static void add_auto(const char *rule, const char *id)
{
    struct pl_err err = {0};
    char p[200];
    snprintf(p, sizeof p, "{\"rule\":\"%s\",\"type\":\"T::T::T\",\"id\":\"%s\",\"auto\":true}",
             rule, id);
    T_EQ(pl_store_outbox_add(st, ACC, REG, PL_OUTBOX_REMEDIATION_EXECUTE, p, strlen(p), NULL, &err),
         0);
}

static void test_attempts_then_exception(void)
{
    struct pl_rem *r = rem;
    struct pl_err err = {0};
    put_config("auto", "missing-action", true);
    add_auto("auto", "i-2");
    T_EQ(tick(r), 1);
    struct pl_json *e = execution("auto", "i-2");
    T_STR(pl_json_get_str(e, "State"), "FAILED");
    T_OK(strstr(first_step(e, "ErrorMessage"), "plumb action add missing-action") != NULL);
    T_EQ(tick(r), 0); /* the retry is due after 10 s / 2 attempts */
    pl_clock_advance(5000);
    T_EQ(tick(r), 1);
    T_EQ(pl_rem_exception_active(st, ACC, REG, "auto", "T::T::T", "i-2", pl_now_ms(), &err), 1);
    pl_clock_advance(60000);
    T_EQ(tick(r), 0);        /* no more attempts */
    add_auto("auto", "i-2"); /* a new NON_COMPLIANT result: the exception holds */
    T_EQ(tick(r), 1);
    e = execution("auto", "i-2");
    int64_t attempts = 0;
    pl_json_i64(pl_json_get(e, "Attempts"), &attempts);
    T_EQ(attempts, 2);
}

static void test_dry_run(void)
{
    struct pl_rem *r = rem;
    struct pl_err err = {0};
    struct pl_rem_action act = {.fn = {.account = ACC,
                                       .region = REG,
                                       .name = "would",
                                       .runtime = PL_FN_EXEC,
                                       .command = "false",
                                       .timeout_s = 5,
                                       .memory_mb = 512},
                                .dry_run = true};
    T_EQ(pl_rem_action_put(st, &act, &err), 0);
    put_config("dry", "would", true);
    add_auto("dry", "i-3");
    T_EQ(tick(r), 1);
    struct pl_json *e = execution("dry", "i-3");
    T_STR(pl_json_get_str(e, "State"), "SUCCEEDED");
    T_STR(first_step(e, "Name"), "plumb:DryRun");
    T_OK(strstr(first_step(e, "ErrorMessage"), "\"Id\":\"i-3\"") != NULL);
    struct pl_json *out = pl_rem_execution_render(&a, e);
    T_STR(pl_json_get_str(pl_json_get(out, "ResourceKey"), "resourceId"), "i-3");
    T_OK(pl_json_get(out, "InvocationTime") != NULL);
}

/* Two connections (as two servers on one database) share a batch's slots. */
static void test_batch_slots_shared(void)
{
    struct pl_err err = {0};
    struct pl_store *other;
    struct pl_rem_batch b;
    T_REQUIRE(pl_store_open(dir, 0, &other, &err) == 0);
    T_EQ(pl_rem_batch_begin(st, ACC, REG, "r", &a, &b, &err), 0);
    T_EQ(pl_rem_batch_take(st, ACC, REG, b.name, "r", "k1", 1, 2, &a, &err), 1);
    T_EQ(pl_rem_batch_take(other, ACC, REG, b.name, "r", "k2", 2, 2, &a, &err), 1);
    T_EQ(pl_rem_batch_take(other, ACC, REG, b.name, "r", "k3", 3, 2, &a, &err), 0); /* full */
    T_EQ(pl_rem_batch_take(st, ACC, REG, b.name, "r", "k1", 4, 2, &a, &err), 1); /* its own again */
    T_EQ(pl_rem_batch_give(st, ACC, REG, b.name, "k1", &a, &err), 0);
    T_EQ(pl_rem_batch_take(other, ACC, REG, b.name, "r", "k3", 3, 2, &a, &err), 1);
    /* an automatic batch's object is made by its first slot */
    const char *auto_b = pl_rem_batch_auto(&a, "r");
    T_EQ(pl_rem_batch_take(other, ACC, REG, auto_b, "r", "k1", 5, 1, &a, &err), 1);
    T_EQ(pl_rem_batch_take(st, ACC, REG, auto_b, "r", "k2", 6, 1, &a, &err), 0);
    /* pruning: a manual batch with something running stays; once empty and old, it goes */
    int64_t n = -1, now = pl_now_ms();
    T_EQ(pl_rem_batch_prune(st, now + 1, &a, &n, &err), 0);
    T_EQ(n, 0);
    T_EQ(pl_rem_batch_give(st, ACC, REG, b.name, "k2", &a, &err), 0);
    T_EQ(pl_rem_batch_give(st, ACC, REG, b.name, "k3", &a, &err), 0);
    T_EQ(pl_rem_batch_prune(st, now, &a, &n, &err), 0); /* not older than now */
    T_EQ(n, 0);
    T_EQ(pl_rem_batch_prune(st, now + 1, &a, &n, &err), 0);
    T_EQ(n, 1);
    int64_t failed, size;
    T_EQ(pl_rem_batch_stopped(st, ACC, REG, b.name, &a, &failed, &size, &err), 0);
    T_EQ(pl_rem_batch_stopped(st, ACC, REG, auto_b, &a, &failed, &size, &err), 0); /* kept */
    T_EQ(pl_rem_batch_take(st, ACC, REG, auto_b, "r", "k2", 6, 1, &a, &err), 0);
    pl_store_close(other);
}

int main(void)
{
    struct pl_err err = {0};
    pl_log_set_level("error");
    pl_clock_set(T0);
    snprintf(dir, sizeof dir, "/tmp/plumb-test-rem-XXXXXX");
    if (!mkdtemp(dir) || pl_store_open(dir, 0, &st, &err) < 0)
        return 1;
    pl_arena_init(&a);
    struct pl_rem_options o = {.store_spec = dir, .no_thread = true};
    struct pl_rem *r = rem = pl_rem_start_worker(&o, &err);
    if (!r)
        return 1;
    T_RUN(test_normalize);
    T_RUN(test_exception_expiry);
    T_RUN(test_interrupted_attempt);
    T_RUN(test_attempts_then_exception);
    T_RUN(test_dry_run);
    T_RUN(test_batch_slots_shared);
    pl_rem_stop_worker(r);
    pl_store_close(st);
    pl_arena_fini(&a);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return T_EXIT();
}
