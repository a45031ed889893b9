/* bench_managed.c — managed-rule evaluations per second on one core.
 *
 * Workload: the real example CIs of ../shared (aws-config-rdk/example_ci) plus the test bases of
 * tests/data/rules/cases.json, parsed once. Every implemented per-resource rule is paired with
 * every CI of a type it judges; account-level rules run through pl_managed_evaluate_all over a
 * fake store holding the test account. Parameters are parsed once per rule (as the engine
 * does). The loop then evaluates the pairs round-robin for a fixed time and reports the rate for
 * the whole mix, for the mix without the rules that parse JSON embedded in strings (bucket
 * policies, ACLs: S3_BUCKET_PUBLIC_*, S3_BUCKET_SSL_REQUESTS_ONLY, S3_BUCKET_ACL_PROHIBITED,
 * S3_BUCKET_POLICY_GRANTEE_CHECK, S3_BUCKET_BLACKLISTED_ACTIONS_PROHIBITED,
 * S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED, S3_BUCKET_POLICY_NOT_MORE_PERMISSIVE), and for
 * account-level rules.
 *
 * Rates are per second of this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so they are per
 * core even on a machine shared with other jobs.
 *
 * usage: bench_rules_managed [seconds per measurement, default 1] [-v: per pair and per
 * account-level rule] [RULE: only the rules whose identifier contains RULE]
 */
#include <dirent.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "core/util.h"
#include "rules/managed/managed.h"

#define EXAMPLES PL_SHARED_DIR "/data/config-items/aws-config-rdk/example_ci"
#define CASES    PL_SOURCE_DIR "/tests/data/rules/cases.json"
#define MAX_CIS  256
#define MAX_PAIR 4096
/* Evaluations between two reads of the thread's CPU clock: CLOCK_THREAD_CPUTIME_ID is a system
 * call (0.3 to 0.6 us on a loaded machine), which would dominate the per-pair timings of -v if
 * read after each evaluation. */
#define CLOCK_EVERY 512

static struct pl_arena A;
static const struct pl_json *cis[MAX_CIS];
static const char *ci_type[MAX_CIS], *ci_id[MAX_CIS]; /* the fake store's index */
static size_t ncis;

struct pair {
    const struct pl_managed_params *p;
    const struct pl_json *ci;
};
static struct pair pairs[MAX_PAIR], light[MAX_PAIR];
static size_t npairs, nlight;
static const struct pl_managed_params *acct_rules[64];
static size_t nacct;

static void add_ci(const struct pl_json *j)
{
    if (j && j->type == PL_JARR)
        j = j->child;
    if (j && pl_json_get_str(j, "resourceType") && pl_json_get_str(j, "resourceId") &&
        ncis < MAX_CIS) {
        ci_type[ncis] = pl_json_get_str(j, "resourceType");
        ci_id[ncis] = pl_json_get_str(j, "resourceId");
        cis[ncis++] = j;
    }
}

static void load(const char *path, bool cases)
{
    size_t len;
    struct pl_err err = {0};
    char *text = pl_read_file(path, 1 << 24, &len);
    if (!text)
        return;
    const struct pl_json *j = pl_json_parse(&A, text, len, &err);
    free(text);
    if (!cases) {
        add_ci(j);
        return;
    }
    const struct pl_json *bases = pl_json_get(j, "bases");
    for (const struct pl_json *b = bases ? bases->child : NULL; b; b = b->next)
        if (!pl_json_get(b, "@file"))
            add_ci(b);
}

/* First index of `type` in the type-sorted store (the fake store's index). */
static size_t first_of(const char *type)
{
    size_t lo = 0, hi = ncis;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(ci_type[mid], type) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void sort_store(void)
{
    for (size_t i = 1; i < ncis; i++) /* insertion sort: ~100 CIs, once */
        for (size_t j = i; j > 0 && strcmp(ci_type[j - 1], ci_type[j]) > 0; j--) {
            const struct pl_json *c = cis[j];
            const char *t = ci_type[j], *d = ci_id[j];
            cis[j] = cis[j - 1], ci_type[j] = ci_type[j - 1], ci_id[j] = ci_id[j - 1];
            cis[j - 1] = c, ci_type[j - 1] = t, ci_id[j - 1] = d;
        }
}

static const struct pl_json *fake_get(void *u, const char *type, const char *id)
{
    for (size_t i = first_of(type); i < ncis && strcmp(ci_type[i], type) == 0; i++)
        if (strcmp(ci_id[i], id) == 0)
            return cis[i];
    return NULL;
}

static int fake_each(void *u, const char *type, int (*cb)(void *, const struct pl_json *),
                     void *cbu)
{
    for (size_t i = first_of(type); i < ncis && strcmp(ci_type[i], type) == 0; i++) {
        int rc = cb(cbu, cis[i]);
        if (rc)
            return rc;
    }
    return 0;
}

static bool embedded_json(const char *id)
{
    return pl_starts_with(id, "S3_BUCKET_PUBLIC_") ||
           strcmp(id, "S3_BUCKET_SSL_REQUESTS_ONLY") == 0 ||
           strcmp(id, "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED") == 0 ||
           strcmp(id, "S3_BUCKET_ACL_PROHIBITED") == 0 ||
           strcmp(id, "S3_BUCKET_POLICY_GRANTEE_CHECK") == 0 ||
           strcmp(id, "S3_BUCKET_BLACKLISTED_ACTIONS_PROHIBITED") == 0 ||
           strcmp(id, "S3_BUCKET_POLICY_NOT_MORE_PERMISSIVE") == 0;
}

/* Parameters for the rules that require one (the others run with their defaults). */
static const char *default_params(const char *id)
{
    if (strcmp(id, "REQUIRED_TAGS") == 0)
        return "{\"tag1Key\":\"Owner\",\"tag2Key\":\"Env\"}";
    if (pl_starts_with(id, "IAM_") && strstr(id, "_BLOCKED_KMS_ACTIONS"))
        return "{\"blockedActionsPatterns\":\"kms:Decrypt,kms:ReEncryptFrom\"}";
    if (strcmp(id, "ALB_DESYNC_MODE_CHECK") == 0)
        return "{\"desyncMode\":\"defensive,strictest\"}";
    if (strcmp(id, "API_GW_ENDPOINT_TYPE_CHECK") == 0)
        return "{\"endpointConfigurationTypes\":\"REGIONAL,PRIVATE\"}";
    if (strcmp(id, "ECS_NO_ENVIRONMENT_SECRETS") == 0)
        return "{\"secretKeys\":\"DB_PASSWORD,AWS_SECRET_ACCESS_KEY\"}";
    if (strcmp(id, "CLOUDWATCH_ALARM_SETTINGS_CHECK") == 0)
        return "{\"metricName\":\"CPUUtilization\",\"threshold\":\"0\"}";
    if (strcmp(id, "LAMBDA_FUNCTION_SETTINGS_CHECK") == 0)
        return "{\"runtime\":\"nodejs6.10,python3.12\"}";
    if (strcmp(id, "EKS_CLUSTER_OLDEST_SUPPORTED_VERSION") == 0)
        return "{\"oldestVersionSupported\":\"1.19\"}";
    if (strcmp(id, "CLOUDWATCH_ALARM_RESOURCE_CHECK") == 0)
        return "{\"resourceType\":\"AWS::EC2::Instance\",\"metricName\":\"CPUUtilization\"}";
    if (strcmp(id, "S3_BUCKET_BLACKLISTED_ACTIONS_PROHIBITED") == 0)
        return "{\"blacklistedActionPattern\":\"s3:GetBucket*,s3:DeleteObject\"}";
    if (strcmp(id, "S3_BUCKET_POLICY_NOT_MORE_PERMISSIVE") == 0)
        return "{\"controlPolicy\":\"{\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\","
               "\\\"Principal\\\":{\\\"AWS\\\":\\\"111122223333\\\"},\\\"Action\\\":\\\"s3:Get*"
               "\\\","
               "\\\"Resource\\\":\\\"*\\\"}]}\"}";
    return NULL;
}

/* only: a substring the identifiers must contain (argv[3]), or NULL for every rule. */
static void build(const char *only)
{
    size_t n;
    const struct pl_managed_rule *all = pl_managed_all(&n);
    for (size_t r = 0; r < n; r++) {
        struct pl_managed_params *p;
        struct pl_err err = {0};
        if (!all[r].impl || (only && !strstr(all[r].identifier, only)) ||
            pl_managed_params(&all[r], default_params(all[r].identifier), &A, &p, &err) < 0)
            continue;
        if (all[r].account_level) {
            acct_rules[nacct++] = p;
            continue;
        }
        for (size_t c = 0; c < ncis; c++) {
            const char *t = ci_type[c];
            bool match = false;
            for (size_t k = 0; k < all[r].ntypes; k++)
                match |= strcmp(all[r].types[k], t) == 0;
            if (!match || npairs == MAX_PAIR)
                continue;
            pairs[npairs++] = (struct pair){p, cis[c]};
            if (!embedded_json(all[r].identifier))
                light[nlight++] = (struct pair){p, cis[c]};
        }
    }
}

static struct pl_managed_env env;

static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Evaluates the pairs round-robin for `secs` seconds; returns evaluations per second. */
static double run_pairs(const struct pair *v, size_t n, double secs, long long *fails)
{
    struct pl_arena scratch;
    struct pl_managed_eval ev;
    long long count = 0;
    pl_arena_init(&scratch);
    int64_t t0 = cpu_ns(), end = t0 + (int64_t)(secs * 1e9), now = t0;
    size_t reps = n && n < CLOCK_EVERY ? CLOCK_EVERY / n : 1;
    while (now < end) {
        for (size_t r = 0; r < reps; r++)
            for (size_t i = 0; i < n; i++) {
                struct pl_err err = {0};
                if (pl_managed_evaluate(v[i].p, v[i].ci, &env, &scratch, &ev, &err) < 0 &&
                    (*fails)++ == 0)
                    fprintf(stderr, "%s: %s\n", v[i].p->rule->identifier, err.msg);
                if (scratch.total)
                    pl_arena_reset(&scratch);
            }
        count += (long long)(n * reps);
        now = cpu_ns();
    }
    pl_arena_fini(&scratch);
    return (double)count / ((double)(now - t0) / 1e9);
}

static int sink(void *u, const struct pl_managed_eval *ev)
{
    (*(long long *)u)++;
    return 0;
}

static double run_account(const struct pl_managed_params *const *rules, size_t n, double secs,
                          long long *fails)
{
    struct pl_arena scratch;
    long long count = 0;
    pl_arena_init(&scratch);
    int64_t t0 = cpu_ns(), end = t0 + (int64_t)(secs * 1e9), now = t0;
    size_t reps = n && n < CLOCK_EVERY ? CLOCK_EVERY / n : 1;
    while (now < end) {
        for (size_t r = 0; r < reps; r++)
            for (size_t i = 0; i < n; i++) {
                struct pl_err err = {0};
                if (pl_managed_evaluate_all(rules[i], &env, &scratch, sink, &count, &err) < 0 &&
                    (*fails)++ == 0)
                    fprintf(stderr, "%s: %s\n", rules[i]->rule->identifier, err.msg);
            }
        now = cpu_ns();
    }
    pl_arena_fini(&scratch);
    return (double)count / ((double)(now - t0) / 1e9);
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? strtod(argv[1], NULL) : 1.0;
    pl_arena_init(&A);
    DIR *d = opendir(EXAMPLES);
    for (struct dirent *e; d && (e = readdir(d));) {
        char path[1024];
        if (!strstr(e->d_name, ".json"))
            continue;
        snprintf(path, sizeof(path), "%s/%s", EXAMPLES, e->d_name);
        load(path, false);
    }
    if (d)
        closedir(d);
    load(CASES, true);
    sort_store();
    build(argc > 3 ? argv[3] : NULL);
    env = (struct pl_managed_env){NULL,        fake_get,       fake_each,
                                  pl_now_ms(), "123456789012", "us-east-1"};
    long long fails = 0;
    printf("corpus: %zu CIs, %zu (rule, CI) pairs (%zu without embedded-JSON rules), %zu "
           "account-level rules\n",
           ncis, npairs, nlight, nacct);
    double all = run_pairs(pairs, npairs, secs, &fails);
    double lite = run_pairs(light, nlight, secs, &fails);
    double acct = run_account(acct_rules, nacct, secs, &fails);
    printf("per-resource rules, whole mix:             %10.0f evaluations/s\n", all);
    printf("per-resource rules, no embedded JSON:      %10.0f evaluations/s\n", lite);
    printf("account-level rules (evaluate_all):        %10.0f evaluations/s\n", acct);
    printf("evaluation errors: %lld\n", fails);
    if (argc > 2 && strcmp(argv[2], "-v") == 0) { /* per pair, for finding slow rules */
        for (size_t i = 0; i < npairs; i++)
            printf("%10.0f/s  %s  %s\n", run_pairs(&pairs[i], 1, secs / 20, &fails),
                   pairs[i].p->rule->identifier, pl_json_get_str(pairs[i].ci, "resourceId"));
        for (size_t i = 0; i < nacct; i++)
            printf("%10.0f/s  %s  (account)\n", run_account(&acct_rules[i], 1, secs / 20, &fails),
                   acct_rules[i]->rule->identifier);
    }
    pl_arena_fini(&A);
    return 0;
}
