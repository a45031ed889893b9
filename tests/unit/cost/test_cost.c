/* test_cost.c — the cost report: the tier arithmetic across the 100,000 and 500,000 boundaries,
 * money and month texts, and the report built from a store (CIs of two months and two
 * partitions, continuous, DAILY and NotRecorded; evaluation counters crossing tiers; account
 * scoping). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "store_spec.h"
#include "core/time.h"
#include "cost/cost.h"
#include "store/cost.h"
#include "store/store.h"

static struct pl_arena A;

static void test_tiers(void)
{
    const struct pl_cost_prices *p = &pl_cost_prices;
    /* units of $0.0001: 10 = $0.001, 8 = $0.0008, 5 = $0.0005 */
    static const struct {
        int64_t n, units;
    } cases[] = {
        {0, 0},
        {1, 10},
        {99999, 999990},
        {100000, 1000000},
        {100001, 1000008},
        {250000, 1000000 + 150000 * 8},
        {500000, 1000000 + 400000 * 8},
        {500001, 4200005},
        {1000000, 4200000 + 500000 * 5},
        {10000000, 4200000 + 9500000 * 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        T_EQ(pl_cost_tiered(p->rule_tiers, p->nrule_tiers, cases[i].n), cases[i].units);
        T_EQ(pl_cost_tiered(p->pack_tiers, p->npack_tiers, cases[i].n), cases[i].units);
    }
    T_EQ(p->ci_continuous, 30);
    T_EQ(p->ci_periodic, 120);
    char b[32];
    T_STR(pl_cost_dollars(4200005, b), "420.0005");
    T_STR(pl_cost_dollars(30, b), "0.0030");
    T_STR(pl_cost_dollars(0, b), "0.0000");
    T_EQ(pl_cost_parse_month("2026-01"), 202601);
    T_EQ(pl_cost_parse_month("2026-13"), -1);
    T_EQ(pl_cost_parse_month("2026-1"), -1);
    T_EQ(pl_cost_parse_month("20x6-01"), -1);
    T_EQ(pl_cost_parse_month(NULL), -1);
    T_EQ(pl_store_month_of(0), 197001);
}

static int64_t ms_of(int y, int m, int d)
{
    struct pl_tm tm = {.year = y, .mon = m, .day = d, .hour = 12};
    return pl_time_from_civil(&tm);
}

static void append(struct pl_store *s, const char *account, const char *type, const char *id,
                   const char *status, int64_t ms, bool daily)
{
    static int64_t state = 1;
    struct pl_err err = {0};
    struct pl_ci_row r = {
        .account = account,
        .region = "us-east-1",
        .resource_type = type,
        .resource_id = id,
        .status = status,
        .capture_ms = ms,
        .state_id = state++,
        .body = "{}",
        .body_len = 2,
        .daily = daily,
    };
    snprintf(r.hash, sizeof r.hash, "h%" PRId64, state);
    T_REQUIRE(pl_store_ci_append(s, &r, &err) == 0);
}

static const struct pl_json *find(const struct pl_json *arr, const char *k1, const char *v1,
                                  const char *k2, const char *v2)
{
    for (const struct pl_json *o = arr ? arr->child : NULL; o; o = o->next)
        if (strcmp(pl_json_get_str(o, k1), v1) == 0 &&
            (!k2 || strcmp(pl_json_get_str(o, k2), v2) == 0))
            return o;
    return NULL;
}

static const char *money(const struct pl_json *o, const char *k)
{
    return pl_json_dump(&A, pl_json_get(o, k), 0);
}

static int64_t num(const struct pl_json *o, const char *k)
{
    int64_t v = -1;
    pl_json_i64(pl_json_get(o, k), &v);
    return v;
}

static void test_report(void)
{
    char *d = t_store_fresh(&A, "pl_test_cost");
    struct pl_store *s = NULL;
    struct pl_err err = {0};
    T_REQUIRE(pl_store_open(d, 0, &s, &err) == 0);
    const char *A1 = "111111111111", *A2 = "222222222222";
    T_REQUIRE(pl_store_begin(s, &err) == 0);
    /* January: an instance changing 4 times on 2 days, a bucket once, DAILY volume twice, one
     * NotRecorded CI; February: the instance twice; the other account: one CI */
    append(s, A1, "AWS::EC2::Instance", "i-1", "ResourceDiscovered", ms_of(2026, 1, 3), false);
    append(s, A1, "AWS::EC2::Instance", "i-1", "OK", ms_of(2026, 1, 3) + 1000, false);
    append(s, A1, "AWS::EC2::Instance", "i-1", "OK", ms_of(2026, 1, 3) + 2000, false);
    append(s, A1, "AWS::EC2::Instance", "i-1", "OK", ms_of(2026, 1, 9), false);
    append(s, A1, "AWS::EC2::Instance", "i-1", "OK", ms_of(2026, 2, 1), false);
    append(s, A1, "AWS::EC2::Instance", "i-1", "OK", ms_of(2026, 2, 2), false);
    append(s, A1, "AWS::S3::Bucket", "b", "ResourceDiscovered", ms_of(2026, 1, 5), false);
    append(s, A1, "AWS::EC2::Volume", "v", "ResourceDiscovered", ms_of(2026, 1, 5), true);
    append(s, A1, "AWS::EC2::Volume", "v", "OK", ms_of(2026, 1, 6), true);
    append(s, A1, "AWS::EC2::VPC", "vpc", "ResourceNotRecorded", ms_of(2026, 1, 6), false);
    append(s, A2, "AWS::EC2::Instance", "i-9", "ResourceDiscovered", ms_of(2026, 1, 4), false);
    /* evaluations: 150,000 rule evaluations in January (crossing 100,000), 600,000 pack ones
     * (crossing 500,000), split over two rules / types */
    T_REQUIRE(pl_store_eval_count_add(s, A1, "us-east-1", "r1", "AWS::EC2::Instance", 202601, false,
                                      100000, &err) == 0);
    T_REQUIRE(pl_store_eval_count_add(s, A1, "us-east-1", "r1", "AWS::EC2::Instance", 202601, false,
                                      20000, &err) == 0); /* adds up */
    T_REQUIRE(pl_store_eval_count_add(s, A1, "us-east-1", "r2", "AWS::S3::Bucket", 202601, false,
                                      30000, &err) == 0);
    T_REQUIRE(pl_store_eval_count_add(s, A1, "us-east-1", "p1-conformance-pack-x",
                                      "AWS::EC2::Instance", 202601, true, 600000, &err) == 0);
    T_REQUIRE(pl_store_eval_count_add(s, A1, "us-east-1", "r1", "AWS::EC2::Instance", 202602, false,
                                      7, &err) == 0);
    T_REQUIRE(pl_store_eval_count_add(s, A2, "us-east-1", "r1", "AWS::EC2::Instance", 202601, false,
                                      5, &err) == 0);
    T_REQUIRE(pl_store_commit(s, &err) == 0);

    struct pl_cost_query q = {.account = A1};
    struct pl_json *r = pl_cost_report(s, &q, &A, &err);
    T_REQUIRE(r != NULL);
    const struct pl_json *months = pl_json_get(r, "Months");
    const struct pl_json *jan = find(months, "Month", "2026-01", NULL, NULL);
    const struct pl_json *feb = find(months, "Month", "2026-02", NULL, NULL);
    T_REQUIRE(jan && feb);
    T_EQ(num(jan, "ConfigurationItems"), 5); /* 4 instance + 1 bucket */
    T_EQ(num(jan, "PeriodicConfigurationItems"), 2);
    T_EQ(num(jan, "NotBilledConfigurationItems"), 1);
    T_STR(money(jan, "ConfigurationItemCost"), "0.0390"); /* 5 * 0.003 + 2 * 0.012 */
    T_EQ(num(jan, "RuleEvaluations"), 150000);
    T_STR(money(jan, "RuleEvaluationCost"), "140.0000"); /* 100 + 50,000 * 0.0008 */
    T_EQ(num(jan, "ConformancePackEvaluations"), 600000);
    T_STR(money(jan, "ConformancePackEvaluationCost"), "470.0000"); /* 100 + 320 + 50 */
    T_STR(money(jan, "Cost"), "610.0390");
    T_EQ(num(feb, "ConfigurationItems"), 2);
    T_STR(money(feb, "Cost"), "0.0130"); /* 2 * 0.003 + 7 * 0.001 */
    T_STR(money(r, "TotalCost"), "610.0520");
    /* account scoping: nothing of A2 */
    T_REQUIRE(find(months, "AccountId", A2, NULL, NULL) == NULL);
    T_REQUIRE(find(pl_json_get(r, "Rules"), "AccountId", A2, NULL, NULL) == NULL);
    /* per type and per rule */
    const struct pl_json *types = pl_json_get(r, "ResourceTypes");
    const struct pl_json *inst =
        find(types, "ResourceType", "AWS::EC2::Instance", "Month", "2026-01");
    T_REQUIRE(inst != NULL);
    T_EQ(num(inst, "ConfigurationItems"), 4);
    T_STR(money(inst, "Cost"), "0.0120");
    const struct pl_json *r1 =
        find(pl_json_get(r, "Rules"), "ConfigRuleName", "r1", "Month", "2026-01");
    T_REQUIRE(r1 != NULL);
    T_EQ(num(r1, "Evaluations"), 120000);
    T_STR(money(r1, "Cost"), "112.0000"); /* 120,000 / 150,000 of $140 */
    /* churn: the instance first, 6 CIs */
    const struct pl_json *top = pl_json_get(r, "TopResources")->child;
    T_REQUIRE(top != NULL);
    T_STR(pl_json_get_str(top, "ResourceId"), "i-1");
    T_EQ(num(top, "ConfigurationItems"), 6);
    T_STR(money(top, "Cost"), "0.0180");
    /* advice: the instance type's exclusion saves its CIs and its evaluations' tiered share;
     * DAILY: January's 4 CIs on 2 days and February's 2 on 2 days become 4 DAILY CIs, which
     * cost more (4 * 0.012 > 6 * 0.003): no DAILY advice */
    const struct pl_json *adv =
        find(pl_json_get(r, "Advice"), "ResourceType", "AWS::EC2::Instance", NULL, NULL);
    T_REQUIRE(adv != NULL);
    /* CIs 0.018; January rules: 140 - tiered(30,000) = 140 - 30 = 110; packs: all 470;
     * February: 0.007 */
    T_STR(money(adv, "ExclusionSaves"), "580.0250");
    T_REQUIRE(pl_json_get(adv, "DailyRecordingSaves") == NULL);
    /* months bound the report */
    q.since = q.until = 202602;
    r = pl_cost_report(s, &q, &A, &err);
    T_REQUIRE(r != NULL);
    T_STR(money(r, "TotalCost"), "0.0130");
    /* every account */
    struct pl_cost_query all = {0};
    r = pl_cost_report(s, &all, &A, &err);
    T_REQUIRE(r != NULL);
    T_STR(money(r, "TotalCost"), "610.0600");               /* + 0.003 + 0.005 */
    T_EQ(num(pl_json_get(r, "Footprint"), "Resources"), 4); /* the NotRecorded VPC aside */
    pl_store_close(s);
    static const char *const files[] = {"plumb.db", "plumb.db-wal", "plumb.db-shm"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(pl_arena_printf(&A, "%s/%s", d, files[i]));
    rmdir(d);
}

int main(void)
{
    pl_arena_init(&A);
    T_RUN(test_tiers);
    T_RUN(test_report);
    pl_arena_fini(&A);
    return T_EXIT();
}
