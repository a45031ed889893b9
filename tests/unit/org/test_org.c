/* test_org.c — org/org.c and the organization case of aggregator/aggregator.c: loading and
 * storing the organization, who is an account, a delegated administrator, a manager; an
 * organization aggregator's sources follow membership at each read and vanish when its owner
 * stops managing the organization. */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "store_spec.h"
#include "aggregator/aggregator.h"
#include "org/org.h"
#include "store/store.h"

static struct pl_arena A;
static struct pl_err err;

#define M "111111111111"
#define B "222222222222"
#define C "333333333333"

static struct pl_store *fresh(void)
{
    char *d = t_store_fresh(&A, "pl_test_org");
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

static const char *ORG_TEXT =
    "{\"Organization\":{\"Id\":\"o-1\",\"ManagementAccountId\":\"" M "\"},"
    "\"Accounts\":[{\"Id\":\"" C "\"},{\"Id\":\"" M "\"},{\"Id\":\"" B "\"}],"
    "\"DelegatedAdministrators\":[{\"Id\":\"" B "\"},{\"Id\":\"444444444444\"}]}";

static void test_membership(void)
{
    struct pl_store *s = fresh();
    struct pl_json *org;
    T_EQ(pl_org_load(s, &A, &org, &err), 0);
    T_EQ(pl_org_manages(org, M), false); /* no organization: nobody manages it */
    T_EQ(pl_org_save(s, json(ORG_TEXT), &err), 0);
    T_EQ(pl_org_load(s, &A, &org, &err), 1);
    T_STR(pl_org_management(org), M);
    T_EQ(pl_org_is_account(org, C), true);
    T_EQ(pl_org_is_account(org, "444444444444"), false);
    T_EQ(pl_org_manages(org, M), true);
    T_EQ(pl_org_manages(org, B), true);  /* a delegated administrator */
    T_EQ(pl_org_manages(org, C), false); /* a member */
    /* a delegation of an account that is not (or no longer) a member counts for nothing */
    T_EQ(pl_org_is_delegated(org, "444444444444"), false);
    T_EQ(pl_org_manages(org, NULL), false);
    size_t n;
    const char **ids = pl_org_accounts(org, &A, &n);
    T_EQ(n, 3);
    T_STR(ids[0], M);
    T_STR(ids[1], B);
    T_STR(ids[2], C);
    /* the organization partition is no caller's: a 12-digit account lists nothing of it */
    struct pl_obj *items;
    size_t ni;
    T_EQ(pl_store_obj_list(s, M, "us-east-1", PL_KIND_ORGANIZATION, NULL, 0, &A, &items, &ni, &err),
         0);
    T_EQ(ni, 0);
    T_EQ(pl_org_save(s, NULL, &err), 0);
    T_EQ(pl_org_load(s, &A, &org, &err), 0);
    pl_store_close(s);
}

static void test_organization_sources(void)
{
    struct pl_store *s = fresh();
    struct pl_json *agg = json("{\"OrganizationAggregationSource\":{\"RoleArn\":\"r\","
                               "\"AwsRegions\":[\"us-west-2\",\"us-east-1\",\"us-west-2\"]}}");
    struct pl_agg_source *src;
    size_t n;
    T_EQ(pl_agg_sources(s, M, "us-east-1", agg, &A, &src, &n, &err), 0);
    T_EQ(n, 0); /* no organization yet */
    T_EQ(pl_org_save(s, json(ORG_TEXT), &err), 0);
    T_EQ(pl_agg_authorized(s, M, "us-east-1", agg, NULL, NULL, &A, &src, &n, &err), 0);
    T_EQ(n, 6); /* 3 accounts x 2 regions (one named twice), no authorization needed */
    T_STR(src[0].account, M);
    T_STR(src[0].region, "us-east-1");
    T_STR(src[1].region, "us-west-2");
    T_STR(src[5].account, C);
    T_EQ(src[5].authorized, true);
    T_EQ(pl_agg_authorized(s, B, "us-east-1", agg, C, "us-west-2", &A, &src, &n, &err), 0);
    T_EQ(n, 1); /* the delegated administrator's aggregator */
    T_EQ(pl_agg_sources(s, C, "us-east-1", agg, &A, &src, &n, &err), 0);
    T_EQ(n, 0); /* a member's reads nothing */
    /* C leaves: gone at the next read */
    T_EQ(pl_org_save(s,
                     json("{\"Organization\":{\"ManagementAccountId\":\"" M "\"},"
                          "\"Accounts\":[{\"Id\":\"" M "\"},{\"Id\":\"" B "\"}]}"),
                     &err),
         0);
    T_EQ(pl_agg_sources(s, M, "us-east-1", agg, &A, &src, &n, &err), 0);
    T_EQ(n, 4);
    T_EQ(pl_agg_sources(s, B, "us-east-1", agg, &A, &src, &n, &err), 0);
    T_EQ(n, 0); /* B's delegation went with the new organization object */
    struct pl_json *all = json("{\"OrganizationAggregationSource\":{\"RoleArn\":\"r\","
                               "\"AllAwsRegions\":true}}");
    size_t regions = 0;
    while (pl_agg_all_regions[regions])
        regions++;
    T_EQ(pl_agg_sources(s, M, "local-1", all, &A, &src, &n, &err), 0);
    T_EQ(n, 2 * (regions + 1));
    /* no pending requests for an organization aggregator's members */
    const char *text = "{\"OrganizationAggregationSource\":{\"RoleArn\":\"r\","
                       "\"AllAwsRegions\":true}}";
    T_EQ(pl_store_obj_put(s, M, "us-east-1", PL_KIND_AGGREGATOR, "org", text, strlen(text), &err),
         0);
    struct pl_agg_request *req;
    T_EQ(pl_agg_pending(s, B, "us-east-1", &A, &req, &n, &err), 0);
    T_EQ(n, 0);
    pl_store_close(s);
}

int main(void)
{
    pl_arena_init(&A);
    T_RUN(test_membership);
    T_RUN(test_organization_sources);
    pl_arena_fini(&A);
    return T_EXIT();
}
