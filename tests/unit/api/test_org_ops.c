/* test_org_ops.c — the deployment states of organization rules and packs (ops_org_rules.c)
 * called as api.c calls them: while the members are deployed, removed or deleted, the
 * organization object is stored as CREATE_/UPDATE_/DELETE_IN_PROGRESS (its members too), and
 * a reader sees that. The reads happen in pl_ops__org_deploy_hook, which the deployment calls
 * before each member: no clock, no second thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ops_org.h"
#include "org/org.h"
#include "store/store.h"
#include "t.h"

#define M "111111111111"
#define B "222222222222"
#define C "333333333333"

static struct pl_store *st;
static struct pl_arena arena;

/* Runs operation op of the organization rules' table as account M in us-east-1; returns its
 * result code, the response in *out. */
static int call(const char *op, const char *in, char **out)
{
    pl_op_fn fn = NULL;
    for (const struct pl_op_entry *e = pl_ops_org_rules; e->name; e++)
        if (strcmp(e->name, op) == 0)
            fn = e->fn;
    if (!fn)
        return -2;
    struct pl_api_req req = {0};
    struct pl_err err = {.arena = &arena};
    struct pl_op_ctx c = {
        .req = &req,
        .account = M,
        .region = "us-east-1",
        .in = pl_json_parse(&arena, in, strlen(in), NULL),
        .out = pl_json_new_obj(&arena),
        .a = &arena,
        .st = st,
        .err = &err,
    };
    int rc = fn(&c);
    *out = rc == 0 ? pl_json_dump(&arena, c.out, PL_JSON_COMPACT)
                   : pl_arena_strdup(&arena, pl_err_msg(&err));
    return rc;
}

/* What the hook saw before each member: "ACCOUNT org-status members-statuses;" */
static char seen[4096];

/* The statuses of rule "r" as a reader sees them now. */
static void see(struct pl_op_ctx *c, const char *account, const char *region)
{
    (void)c;
    (void)region;
    char *st_out, *det_out;
    T_EQ(call("DescribeOrganizationConfigRuleStatuses", "{}", &st_out), 0);
    T_EQ(call("GetOrganizationConfigRuleDetailedStatus", "{\"OrganizationConfigRuleName\":\"r\"}",
              &det_out),
         0);
    struct pl_json *s = pl_json_parse(&arena, st_out, strlen(st_out), NULL);
    struct pl_json *d = pl_json_parse(&arena, det_out, strlen(det_out), NULL);
    const struct pl_json *first = pl_json_at(pl_json_get(s, "OrganizationConfigRuleStatuses"), 0);
    size_t len = strlen(seen);
    len += (size_t)snprintf(seen + len, sizeof seen - len, "%s %s", account,
                            first ? pl_json_get_str(first, "OrganizationRuleStatus") : "-");
    const struct pl_json *arr = pl_json_get(d, "OrganizationConfigRuleDetailedStatus");
    for (const struct pl_json *m = arr ? arr->child : NULL; m; m = m->next)
        len += (size_t)snprintf(seen + len, sizeof seen - len, " %s=%s",
                                pl_json_get_str(m, "AccountId"),
                                pl_json_get_str(m, "MemberAccountRuleStatus"));
    snprintf(seen + len, sizeof seen - len, ";");
}

static void org_of(const char *accounts)
{
    char text[512];
    snprintf(text, sizeof text,
             "{\"Organization\":{\"Id\":\"o-1\",\"ManagementAccountId\":\"" M "\"},"
             "\"Accounts\":[%s],\"DelegatedAdministrators\":[]}",
             accounts);
    struct pl_err err = {.arena = &arena};
    T_EQ(pl_org_save(st, pl_json_parse(&arena, text, strlen(text), NULL), &err), 0);
}

/* pl_ops__org_sync as AddOrganizationAccount runs it. */
static void sync(void)
{
    struct pl_api_req req = {0};
    struct pl_err err = {.arena = &arena};
    struct pl_op_ctx c = {.req = &req,
                          .account = M,
                          .region = "us-east-1",
                          .in = pl_json_new_obj(&arena),
                          .out = pl_json_new_obj(&arena),
                          .a = &arena,
                          .st = st,
                          .err = &err};
    T_EQ(pl_ops__org_sync(&c), 0);
}

static const char *RULE =
    "{\"OrganizationConfigRuleName\":\"r\",\"OrganizationManagedRuleMetadata\":"
    "{\"RuleIdentifier\":\"S3_BUCKET_VERSIONING_ENABLED\"}}";

static void test_states_while_deploying(void)
{
    char *out;
    org_of("{\"Id\":\"" M "\"},{\"Id\":\"" B "\"}");
    pl_ops__org_deploy_hook = see;

    seen[0] = 0; /* create: in progress before each member, successful after */
    T_EQ(call("PutOrganizationConfigRule", RULE, &out), 0);
    T_STR(seen, M " CREATE_IN_PROGRESS " M "=CREATE_IN_PROGRESS " B "=CREATE_IN_PROGRESS;" B
                  " CREATE_IN_PROGRESS " M "=CREATE_IN_PROGRESS " B "=CREATE_IN_PROGRESS;");
    seen[0] = 0;
    see(NULL, "after", NULL);
    T_STR(seen, "after CREATE_SUCCESSFUL " M "=CREATE_SUCCESSFUL " B "=CREATE_SUCCESSFUL;");

    seen[0] = 0; /* update */
    T_EQ(call("PutOrganizationConfigRule", RULE, &out), 0);
    T_OK(strstr(seen, M " UPDATE_IN_PROGRESS " M "=UPDATE_IN_PROGRESS " B "=UPDATE_IN_PROGRESS;"));
    seen[0] = 0;
    see(NULL, "after", NULL);
    T_STR(seen, "after UPDATE_SUCCESSFUL " M "=UPDATE_SUCCESSFUL " B "=UPDATE_SUCCESSFUL;");

    /* a member joins: only it is in progress; one leaves: it is DELETE_IN_PROGRESS */
    org_of("{\"Id\":\"" M "\"},{\"Id\":\"" B "\"},{\"Id\":\"" C "\"}");
    seen[0] = 0;
    sync();
    T_STR(seen, C " UPDATE_IN_PROGRESS " M "=UPDATE_SUCCESSFUL " B "=UPDATE_SUCCESSFUL " C
                  "=CREATE_IN_PROGRESS;");
    org_of("{\"Id\":\"" M "\"},{\"Id\":\"" C "\"}");
    seen[0] = 0;
    sync();
    T_STR(seen, B " UPDATE_IN_PROGRESS " M "=UPDATE_SUCCESSFUL " B "=DELETE_IN_PROGRESS " C
                  "=CREATE_SUCCESSFUL;");
    seen[0] = 0;
    sync(); /* nothing to do: nothing stored, no member touched */
    T_STR(seen, "");

    seen[0] = 0; /* delete: in progress until every member lost it, then gone */
    T_EQ(call("DeleteOrganizationConfigRule", "{\"OrganizationConfigRuleName\":\"r\"}", &out), 0);
    T_STR(seen, M " DELETE_IN_PROGRESS " M "=DELETE_IN_PROGRESS " C "=DELETE_IN_PROGRESS;" C
                  " DELETE_IN_PROGRESS " M "=DELETE_IN_PROGRESS " C "=DELETE_IN_PROGRESS;");
    T_EQ(call("DescribeOrganizationConfigRuleStatuses", "{}", &out), 0);
    T_STR(out, "{\"OrganizationConfigRuleStatuses\":[]}");
    pl_ops__org_deploy_hook = NULL;
}

int main(void)
{
    pl_arena_init(&arena);
    char dir[] = "/tmp/pl_test_org_ops_XXXXXX";
    struct pl_err err = {.arena = &arena};
    if (!mkdtemp(dir) || pl_store_open(dir, 0, &st, &err) < 0)
        return 1;
    T_RUN(test_states_while_deploying);
    pl_store_close(st);
    pl_arena_fini(&arena);
    return T_EXIT();
}
