/* org_cmd.c — `plumb org create|delete|add-account|remove-account|delegate|undelegate|list`:
 * plumb's organization (docs/organizations.md) on a data directory. Each subcommand runs the
 * matching PlumbService operation (api/ops_org.c) in process, as an administrator, so the
 * organization's rules and packs follow the change exactly as through the API; a `plumb serve` on
 * the same directory sees it at its next read. Exit codes: 0 done, 1 refused or failed, 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/app.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/time.h"

struct org_opts {
    const char *data, *management;
    int json;
    const char *pos[2];
    int npos;
};

static void org_usage(FILE *f)
{
    fprintf(f, "usage: plumb org create --management ACCOUNT [--data DIR] [--json]\n"
               "       plumb org delete [--data DIR]\n"
               "       plumb org add-account ACCOUNT [--data DIR] [--json]\n"
               "       plumb org remove-account ACCOUNT [--data DIR] [--json]\n"
               "       plumb org delegate ACCOUNT [--data DIR] [--json]\n"
               "       plumb org undelegate ACCOUNT [--data DIR] [--json]\n"
               "       plumb org list [--data DIR] [--json]\n"
               "default --data ./plumb-data\n");
}

/* 0, 1 when help was asked for, 2 after a usage error (printed). */
static int parse(int argc, char **argv, struct org_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (pl_cli_is_help(a))
            return 1;
        if ((strcmp(a, "--data") == 0 || strcmp(a, "--management") == 0) && i + 1 == argc)
            return pl_cli_usage_error("org", "option '%s' needs a value", a);
        if (strcmp(a, "--json") == 0)
            o->json = 1;
        else if (strcmp(a, "--data") == 0)
            o->data = argv[++i];
        else if (strcmp(a, "--management") == 0)
            o->management = argv[++i];
        else if (a[0] == '-')
            return pl_cli_usage_error("org", "unknown option '%s'", a);
        else if (o->npos == 2)
            return pl_cli_usage_error("org", "unexpected argument '%s'", a);
        else
            o->pos[o->npos++] = a;
    }
    return o->npos >= 1 ? 0
                        : pl_cli_usage_error("org", "create, add-account, remove-account, "
                                                    "delegate, undelegate or list?");
}

/* Prints the organization (the DescribeOrganization shape) for people. */
static void print_org(const struct pl_json *org)
{
    const struct pl_json *o = pl_json_get(org, "Organization");
    const char *mgmt = pl_json_get_str(o, "ManagementAccountId");
    printf("organization %s, management account %s\n", pl_json_get_str(o, "Id"), mgmt);
    printf("%-12s %-10s %s\n", "ACCOUNT", "ROLE", "JOINED");
    const struct pl_json *acc = pl_json_get(org, "Accounts");
    const struct pl_json *del = pl_json_get(org, "DelegatedAdministrators");
    for (const struct pl_json *e = acc ? acc->child : NULL; e; e = e->next) {
        const char *id = pl_json_get_str(e, "Id"), *role = "member";
        for (const struct pl_json *d = del ? del->child : NULL; d; d = d->next)
            if (strcmp(pl_json_get_str(d, "Id"), id) == 0)
                role = "delegated";
        if (mgmt && strcmp(id, mgmt) == 0)
            role = "management";
        char when[32] = "";
        double t = 0;
        if (pl_json_double(pl_json_get(e, "JoinedTimestamp"), &t) == 0)
            pl_time_iso8601((int64_t)(t * 1000), when);
        printf("%-12s %-10s %s\n", id, role, when);
    }
}

/* Runs PlumbService.op with body on the data directory as an administrator of account. */
static int run(const struct org_opts *o, const char *op, const char *body)
{
    struct pl_app app;
    struct pl_err err = {0};
    struct pl_arena arena;
    struct pl_buf out;
    int rc = 1;
    pl_arena_init(&arena);
    pl_buf_init(&out, PL_BUF_NOLIMIT);
    if (pl_app_init(&app, o->data, &err) < 0) {
        fprintf(stderr, "plumb org: %s\n", err.msg);
        goto out_arena;
    }
    struct pl_api_req req = {.app = &app,
                             .admin = 1,
                             .target_prefix = "PlumbService",
                             .op = op,
                             .body = body,
                             .body_len = strlen(body),
                             .request_id = "plumb-org",
                             .arena = &arena};
    snprintf(req.part.account, sizeof req.part.account, "%s", "000000000000");
    snprintf(req.part.region, sizeof req.part.region, "%s", "us-east-1");
    if (pl_api_call(&req, &out, &err) < 0) {
        fprintf(stderr, "plumb org: %s: %s\n", pl_err_name(err.code), pl_err_msg(&err));
        goto out;
    }
    rc = 0;
    struct pl_json *j = pl_json_parse(&arena, pl_buf_cstr(&out), out.len, &err);
    if (o->json || !j)
        printf("%s\n", pl_buf_cstr(&out));
    else
        print_org(j);
out:
    pl_app_fini(&app);
out_arena:
    pl_buf_fini(&out);
    pl_arena_fini(&arena);
    return rc;
}

/* {"KEY": "VALUE"} for a 12-digit account argument (usage error otherwise). */
static int account_body(const char *sub, const char *key, const char *v, char *body, size_t n)
{
    size_t len = v ? strlen(v) : 0;
    if (len != 12 || strspn(v, "0123456789") != 12)
        return pl_cli_usage_error("org", "%s needs a 12-digit ACCOUNT", sub);
    snprintf(body, n, "{\"%s\":\"%s\"}", key, v);
    return 0;
}

int pl_cli_org(int argc, char **argv)
{
    struct org_opts o = {.data = "./plumb-data"};
    char body[64];
    int pa = parse(argc, argv, &o);
    if (pa == 1)
        org_usage(stdout);
    if (pa != 0)
        return pa == 1 ? 0 : pa;
    const char *sub = o.pos[0], *arg = o.npos > 1 ? o.pos[1] : NULL;
    if (strcmp(sub, "create") == 0) {
        if (arg)
            return pl_cli_usage_error("org", "unexpected argument '%s'", arg);
        return account_body(sub, "ManagementAccountId", o.management, body, sizeof body)
                   ? 2
                   : run(&o, "CreateOrganization", body);
    }
    if (strcmp(sub, "delete") == 0) {
        if (arg)
            return pl_cli_usage_error("org", "unexpected argument '%s'", arg);
        o.json = 1; /* the answer is {} */
        return run(&o, "DeleteOrganization", "{}");
    }
    if (strcmp(sub, "list") == 0) {
        if (arg)
            return pl_cli_usage_error("org", "unexpected argument '%s'", arg);
        struct pl_store *st; /* a listing never creates a data directory */
        if (pl_cli_open_read("org", o.data, &st) < 0)
            return 1;
        pl_store_close(st);
        return run(&o, "DescribeOrganization", "{}");
    }
    static const struct {
        const char *sub, *op;
    } ops[] = {{"add-account", "AddOrganizationAccount"},
               {"remove-account", "RemoveOrganizationAccount"},
               {"delegate", "RegisterDelegatedAdministrator"},
               {"undelegate", "DeregisterDelegatedAdministrator"}};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (strcmp(sub, ops[i].sub) == 0)
            return account_body(sub, "AccountId", arg, body, sizeof body)
                       ? 2
                       : run(&o, ops[i].op, body);
    return pl_cli_usage_error("org",
                              "unknown subcommand '%s' (create, add-account, "
                              "remove-account, delegate, undelegate, list, delete)",
                              sub);
}
