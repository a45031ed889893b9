/* test_aggregator.c — aggregator/aggregator.c and store/agg.c: an aggregator's sources (order,
 * duplicates, AllAwsRegions, the owner's own account), authorization per source region and per
 * authorized aggregator region, pending requests and their dismissal, the resource-type
 * filter, and the per-partition rule roll-up with its cap. */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "store_spec.h"
#include "aggregator/aggregator.h"
#include "core/time.h"
#include "store/agg.h"
#include "store/evals.h"
#include "store/store.h"

static struct pl_arena A;
static struct pl_err err;

#define OWNER "111111111111"
#define B     "222222222222"
#define C     "333333333333"

static struct pl_store *fresh(void)
{
    char *d = t_store_fresh(&A, "pl_test_agg");
    struct pl_store *s = NULL;
    if (pl_store_open(d, 0, &s, &err) < 0)
        abort();
    return s;
}

static struct pl_json *json(const char *text)
{
    struct pl_json *j = pl_json_parse(&A, text, strlen(text), &err);
    if (!j)
        abort();
    return j;
}

static void put(struct pl_store *s, const char *acct, const char *region, const char *kind,
                const char *name, const char *text)
{
    T_EQ(pl_store_obj_put(s, acct, region, kind, name, text, strlen(text), &err), 0);
}

static void test_sources_and_authorization(void)
{
    struct pl_store *s = fresh();
    struct pl_json *agg = json("{\"AccountAggregationSources\":[{\"AccountIds\":[\"" C "\",\"" B
                               "\",\"" OWNER "\",\"" B "\"],\"AwsRegions\":[\"us-west-2\","
                               "\"us-east-1\"]}]}");
    struct pl_agg_source *src;
    size_t n;
    T_EQ(pl_agg_sources(s, OWNER, "us-east-1", agg, &A, &src, &n, &err), 0);
    T_EQ(n, 6); /* B named twice counts once */
    T_STR(src[0].account, OWNER);
    T_STR(src[0].region, "us-east-1");
    T_EQ(src[0].authorized, true); /* the owner's own account needs no authorization */
    T_STR(src[2].account, B);
    T_EQ(src[2].authorized, false);
    /* B authorizes the owner's us-east-1 aggregators in B's us-west-2 only; C authorizes an
     * aggregator region the owner does not use */
    put(s, B, "us-west-2", PL_KIND_AGG_AUTH, OWNER "/us-east-1", "{}");
    put(s, C, "us-east-1", PL_KIND_AGG_AUTH, OWNER "/eu-west-1", "{}");
    T_EQ(pl_agg_authorized(s, OWNER, "us-east-1", agg, NULL, NULL, &A, &src, &n, &err), 0);
    T_EQ(n, 3);
    T_STR(src[2].account, B);
    T_STR(src[2].region, "us-west-2");
    T_EQ(pl_agg_authorized(s, OWNER, "us-east-1", agg, B, "us-east-1", &A, &src, &n, &err), 0);
    T_EQ(n, 0);
    T_EQ(pl_store_obj_delete(s, B, "us-west-2", PL_KIND_AGG_AUTH, OWNER "/us-east-1", &err), 1);
    T_EQ(pl_agg_authorized(s, OWNER, "us-east-1", agg, B, NULL, &A, &src, &n, &err), 0);
    T_EQ(n, 0); /* revoked: gone at the next read */
    struct pl_json *all = json("{\"AccountAggregationSources\":[{\"AccountIds\":[\"" B
                               "\"],\"AllAwsRegions\":true}]}");
    T_EQ(pl_agg_sources(s, OWNER, "local-1", all, &A, &src, &n, &err), 0);
    size_t regions = 0;
    while (pl_agg_all_regions[regions])
        regions++;
    T_EQ(n, regions + 1); /* AWS's regions and the owner's own */
    T_EQ(pl_agg_sources(s, OWNER, "us-east-1", json("{}"), &A, &src, &n, &err), 0);
    T_EQ(n, 0);
    pl_store_close(s);
}

static void test_pending(void)
{
    struct pl_store *s = fresh();
    put(s, OWNER, "us-east-1", PL_KIND_AGGREGATOR, "agg",
        "{\"AccountAggregationSources\":[{\"AccountIds\":[\"" B "\"],\"AwsRegions\":[\"us-east-"
        "1\"]}]}");
    put(s, C, "eu-west-1", PL_KIND_AGGREGATOR, "other",
        "{\"AccountAggregationSources\":[{\"AccountIds\":[\"" B "\"],\"AllAwsRegions\":true}]}");
    put(s, B, "us-east-1", PL_KIND_AGGREGATOR, "own",
        "{\"AccountAggregationSources\":[{\"AccountIds\":[\"" B "\"],\"AllAwsRegions\":true}]}");
    struct pl_agg_request *r;
    size_t n;
    T_EQ(pl_agg_pending(s, B, "us-east-1", &A, &r, &n, &err), 0);
    T_EQ(n, 2); /* not B's own aggregator */
    T_STR(r[0].account, OWNER);
    T_STR(r[1].account, C);
    T_STR(r[1].region, "eu-west-1");
    T_EQ(pl_agg_pending(s, B, "us-west-2", &A, &r, &n, &err), 0);
    T_EQ(n, 1);
    put(s, B, "us-east-1", PL_KIND_AGG_AUTH, OWNER "/us-east-1", "{}");
    pl_clock_set(pl_now_ms() + 1000);
    put(s, B, "us-east-1", PL_KIND_AGG_DISMISSED, C "/eu-west-1", "{}");
    T_EQ(pl_agg_pending(s, B, "us-east-1", &A, &r, &n, &err), 0);
    T_EQ(n, 0);
    pl_clock_set(pl_now_ms() + 1000); /* C puts its aggregator again: it asks again */
    put(s, C, "eu-west-1", PL_KIND_AGGREGATOR, "other",
        "{\"AccountAggregationSources\":[{\"AccountIds\":[\"" B "\"],\"AllAwsRegions\":true}]}");
    T_EQ(pl_agg_pending(s, B, "us-east-1", &A, &r, &n, &err), 0);
    T_EQ(n, 1);
    pl_clock_real();
    pl_store_close(s);
}

static void test_type_filter(void)
{
    struct pl_json *f = json("{\"AggregatorFilters\":{\"ResourceType\":{\"Type\":\"INCLUDE\","
                             "\"Value\":[\"AWS::S3::Bucket\"]}}}");
    T_EQ(pl_agg_type_included(f, "AWS::S3::Bucket"), true);
    T_EQ(pl_agg_type_included(f, "AWS::EC2::Instance"), false);
    T_EQ(pl_agg_type_included(json("{}"), "AWS::EC2::Instance"), true);
}

static void result_at(struct pl_store *s, const char *rule, const char *id, enum pl_ev_comp comp,
                      int64_t ms)
{
    struct pl_ev_row r = {.account = B,
                          .region = "us-east-1",
                          .rule = rule,
                          .resource_type = "AWS::S3::Bucket",
                          .resource_id = id,
                          .mode = "DETECTIVE",
                          .comp = comp,
                          .ordering_ms = ms,
                          .recorded_ms = ms,
                          .invoked_ms = ms};
    T_EQ(pl_store_eval_put(s, &r, &A, NULL, NULL, &err), 1);
}

static void result(struct pl_store *s, const char *rule, const char *id, enum pl_ev_comp comp)
{
    result_at(s, rule, id, comp, 1);
}

/* pl_store_agg_rule_tally of B/us-east-1 is (ok, bad). */
static void tally_is(struct pl_store *s, int64_t ok, int64_t bad)
{
    int64_t o = -1, b = -1;
    T_EQ(pl_store_agg_rule_tally(s, B, "us-east-1", &o, &b, &err), 0);
    T_EQ(o, ok);
    T_EQ(b, bad);
}

static void test_rule_rollup(void)
{
    struct pl_store *s = fresh();
    const char *rules[] = {"a-empty", "b-ok", "c-bad"};
    for (int i = 0; i < 3; i++)
        put(s, B, "us-east-1", PL_KIND_CONFIG_RULE, rules[i], "{}");
    put(s, C, "us-east-1", PL_KIND_CONFIG_RULE, "elsewhere", "{}");
    result(s, "b-ok", "x", PL_EV_COMPLIANT);
    result(s, "b-ok", "y", PL_EV_NOT_APPLICABLE);
    for (int i = 0; i < 120; i++)
        result(s, "c-bad", pl_arena_printf(&A, "r%03d", i),
               i % 2 ? PL_EV_NON_COMPLIANT : PL_EV_COMPLIANT);
    struct pl_agg_rule *rows;
    size_t n;
    T_EQ(pl_store_agg_rules(s, B, "us-east-1", NULL, NULL, 0, 101, &A, &rows, &n, &err), 0);
    T_EQ(n, 3);
    T_STR(rows[0].rule, "a-empty");
    T_EQ(rows[0].noncompliant, 0);
    T_EQ(rows[0].compliant, false);
    T_EQ(rows[1].compliant, true);
    T_EQ(rows[1].noncompliant, 0);
    T_EQ(rows[2].noncompliant, 60);
    T_EQ(pl_store_agg_rules(s, B, "us-east-1", "c-bad", NULL, 0, 1, &A, &rows, &n, &err), 0);
    T_EQ(n, 1);
    T_EQ(rows[0].noncompliant, 1); /* counted up to the cap */
    T_EQ(pl_store_agg_rules(s, B, "us-east-1", NULL, "a-empty", 1, 101, &A, &rows, &n, &err), 0);
    T_EQ(n, 1);
    T_STR(rows[0].rule, "b-ok");

    /* the tally follows every write through rule_counts' triggers (migration 14) */
    tally_is(s, 1, 1);
    for (int i = 1; i < 120; i += 2) /* c-bad's NON_COMPLIANT results become COMPLIANT */
        result_at(s, "c-bad", pl_arena_printf(&A, "r%03d", i), PL_EV_COMPLIANT, 2);
    tally_is(s, 2, 0);
    result_at(s, "b-ok", "x", PL_EV_NON_COMPLIANT, 2);
    result_at(s, "b-ok", "x", PL_EV_NON_COMPLIANT, 3); /* the same compliance again */
    tally_is(s, 1, 1);
    T_EQ(pl_store_agg_rules(s, B, "us-east-1", "b-ok", NULL, 0, 101, &A, &rows, &n, &err), 0);
    T_EQ(rows[0].noncompliant, 1);
    T_EQ(rows[0].compliant, false);
    T_EQ(pl_store_eval_delete_rule(s, B, "us-east-1", "b-ok", &err), 0);
    tally_is(s, 1, 0);
    T_EQ(pl_store_agg_rules(s, B, "us-east-1", "b-ok", NULL, 0, 101, &A, &rows, &n, &err), 0);
    T_EQ(rows[0].noncompliant, 0);
    T_EQ(rows[0].compliant, false);
    result(s, "b-ok", "z", PL_EV_NON_COMPLIANT); /* results after the delete count again */
    tally_is(s, 1, 1);
    result(s, "b-ok", "w", PL_EV_NOT_APPLICABLE); /* counted nowhere */
    tally_is(s, 1, 1);
    result_at(s, "b-ok", "w", PL_EV_COMPLIANT, 2);      /* NOT_APPLICABLE -> COMPLIANT */
    result_at(s, "b-ok", "z", PL_EV_NOT_APPLICABLE, 2); /* NON_COMPLIANT -> NOT_APPLICABLE */
    tally_is(s, 2, 0);
    int64_t o = -1, b = -1;
    T_EQ(pl_store_agg_rule_tally(s, C, "us-east-1", &o, &b, &err), 0); /* no results */
    T_EQ(o + b, 0);
    pl_store_close(s);
}

int main(void)
{
    pl_arena_init(&A);
    T_RUN(test_sources_and_authorization);
    T_RUN(test_pending);
    T_RUN(test_type_filter);
    T_RUN(test_rule_rollup);
    pl_arena_fini(&A);
    return T_EXIT();
}
